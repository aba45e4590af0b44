/*
 * agentbox-init relay: the sandbox end of agentbox's egress path.
 *
 *   agentbox-init relay --pid PID --egress SOCKET --id SANDBOX-ID
 *       Host side, run once per networked sandbox. Joins the network namespace of PID (the sandbox's
 *       init), makes every IPv4 destination local ("local default dev lo") and diverts all TCP and UDP
 *       that leaves a sandbox process to itself with TPROXY, so no program can go around it by
 *       ignoring proxy variables. Each TCP connection and each UDP flow becomes one connection to the
 *       host-side egress service on SOCKET (a unix socket: it needs no route out of the namespace),
 *       headed by one line naming the sandbox and the original destination:
 *           "T <id> <ipv4> <port>\n" then the raw byte stream both ways, or
 *           "U <id> <ipv4> <port>\n" then datagrams as [u16 big-endian length][payload] both ways.
 *       Policy, DNS, audit and secrets all live in the egress service; this process only moves bytes.
 *       Prints "ok" once the namespace is wired and exits; a detached child serves until PID exits.
 *
 * The relay is outside the sandbox's PID namespace (no sandbox process can see or signal it) and the
 * sandbox's processes hold no CAP_NET_ADMIN, so they cannot change the routes or rules set here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IP_RECVORIGDSTADDR
#define IP_RECVORIGDSTADDR 20
#endif
#ifndef IP_ORIGDSTADDR
#define IP_ORIGDSTADDR 20
#endif

#define RELAY_PORT 1 /* below 1024: no sandbox user can take it first, and no TPROXY target clashes */
#define BUF (64u << 10)
#define MAX_FLOWS 512

static const char *egress_path;
static const char *sandbox_id;

/* the nft rules of the sandbox's namespace: everything not addressed to loopback goes to the relay */
static const char NFT_RULES[] =
    "table inet agentbox {\n"
    "  chain divert {\n"
    "    type filter hook prerouting priority mangle; policy accept;\n"
    "    ip daddr 127.0.0.0/8 accept\n"
    "    meta l4proto tcp tproxy ip to 127.0.0.1:1 accept\n"
    "    meta l4proto udp tproxy ip to 127.0.0.1:1 accept\n"
    "  }\n"
    "}\n";

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("agentbox-relay: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static const char *find_tool(const char *name) {
    static char buf[4][64];
    static int n;
    const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char *p = buf[n % 4];
        snprintf(p, sizeof buf[0], "%s/%s", dirs[i], name);
        if (access(p, X_OK) == 0) {
            n++;
            return p;
        }
    }
    return NULL;
}

/* runs argv with `input` on its stdin; 0 when it exits 0 */
static int run_tool(char *const argv[], const char *input) {
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) return -1;
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) {
        dup2(in[0], 0);
        char *env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
        execve(argv[0], argv, env);
        _exit(127);
    }
    close(in[0]);
    if (input) {
        size_t len = strlen(input), off = 0;
        while (off < len) {
            ssize_t w = write(in[1], input + off, len - off);
            if (w <= 0) break;
            off += (size_t)w;
        }
    }
    close(in[1]);
    int st;
    if (waitpid(p, &st, 0) != p) return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_all_fd(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, void *data, size_t n) {
    char *p = data;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int egress_connect(char proto, const struct sockaddr_in *dst) {
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (u < 0) return -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", egress_path);
    if (connect(u, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(u);
        return -1;
    }
    char ip[INET_ADDRSTRLEN], head[256];
    inet_ntop(AF_INET, &dst->sin_addr, ip, sizeof ip);
    int n = snprintf(head, sizeof head, "%c %s %s %u\n", proto, sandbox_id, ip, ntohs(dst->sin_port));
    if (write_all_fd(u, head, (size_t)n) < 0) {
        close(u);
        return -1;
    }
    return u;
}

/* ------------------------------------------------------------------ TCP: one thread per connection */

static void *tcp_conn(void *arg) {
    int c = (int)(intptr_t)arg;
    struct sockaddr_in dst;
    socklen_t len = sizeof dst;
    /* with TPROXY the accepted socket's local address is the destination the program asked for */
    int u = -1;
    if (getsockname(c, (struct sockaddr *)&dst, &len) == 0 && dst.sin_family == AF_INET) u = egress_connect('T', &dst);
    if (u < 0) {
        struct linger lg = {1, 0}; /* a reset, as a refused connection would give */
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(c);
        return NULL;
    }
    char *buf = malloc(BUF);
    struct pollfd p[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
    int open_in[2] = {1, 1};
    while (buf && (open_in[0] || open_in[1])) {
        p[0].events = open_in[0] ? POLLIN : 0;
        p[1].events = open_in[1] ? POLLIN : 0;
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        int done = 0;
        for (int i = 0; i < 2 && !done; i++) {
            if (!open_in[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int from = p[i].fd, to = p[1 - i].fd;
            ssize_t r = read(from, buf, BUF);
            if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (r <= 0) {
                open_in[i] = 0;
                shutdown(to, SHUT_WR);
                if (r < 0) done = 1;
                continue;
            }
            if (write_all_fd(to, buf, (size_t)r) < 0) done = 1;
        }
        if (done) break;
    }
    free(buf);
    close(c);
    close(u);
    return NULL;
}

/* ------------------------------------------------------------------ UDP: one flow per (client, destination) */

typedef struct {
    int used;
    struct sockaddr_in client, dst;
    int u;     /* the egress connection of this flow */
    int reply; /* bound to the original destination, so answers come from where the program sent to */
    pthread_mutex_t wlock; /* frames to u from the listener and from the flow's thread */
} flow_t;

static flow_t flows[MAX_FLOWS];
static pthread_mutex_t flows_lock = PTHREAD_MUTEX_INITIALIZER;

static int frame_to(int u, pthread_mutex_t *lock, unsigned char *buf, size_t n) {
    /* buf has two free bytes in front of the n payload bytes */
    buf[0] = (unsigned char)(n >> 8);
    buf[1] = (unsigned char)n;
    pthread_mutex_lock(lock);
    int r = write_all_fd(u, buf, n + 2);
    pthread_mutex_unlock(lock);
    return r;
}

static void *udp_flow(void *arg) {
    flow_t *f = arg;
    unsigned char *buf = malloc(65536 + 2);
    struct pollfd p[2] = {{f->u, POLLIN, 0}, {f->reply, POLLIN, 0}};
    while (buf) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[0].revents) {
            unsigned char hdr[2];
            if (read_full(f->u, hdr, 2) < 0) break;
            size_t n = ((size_t)hdr[0] << 8) | hdr[1];
            if (read_full(f->u, buf, n) < 0) break;
            send(f->reply, buf, n, MSG_DONTWAIT);
        }
        /* the program's later datagrams of this flow reach the connected reply socket, not the listener */
        if (p[1].revents & POLLIN) {
            ssize_t n = recv(f->reply, buf + 2, 65536, MSG_DONTWAIT);
            if (n >= 0 && frame_to(f->u, &f->wlock, buf, (size_t)n) < 0) break;
        }
    }
    free(buf);
    pthread_mutex_lock(&flows_lock);
    close(f->u);
    close(f->reply);
    f->used = 0;
    pthread_mutex_unlock(&flows_lock);
    return NULL;
}

static int same(const struct sockaddr_in *a, const struct sockaddr_in *b) {
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static void udp_datagram(int usock) {
    static unsigned char buf[65536 + 2];
    struct sockaddr_in client;
    char cbuf[256];
    struct iovec iov = {buf + 2, 65536};
    struct msghdr m = {.msg_name = &client, .msg_namelen = sizeof client, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(usock, &m, MSG_DONTWAIT);
    if (n < 0) return;
    struct sockaddr_in dst = {0};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR) memcpy(&dst, CMSG_DATA(c), sizeof dst);
    if (dst.sin_family != AF_INET) return;
    pthread_mutex_lock(&flows_lock);
    flow_t *f = NULL, *free_slot = NULL;
    for (int i = 0; i < MAX_FLOWS; i++) {
        if (flows[i].used && same(&flows[i].client, &client) && same(&flows[i].dst, &dst)) {
            f = &flows[i];
            break;
        }
        if (!flows[i].used && !free_slot) free_slot = &flows[i];
    }
    int fd = -1;
    if (!f && free_slot) {
        int u = egress_connect('U', &dst);
        int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (u >= 0 && r >= 0 && setsockopt(r, SOL_IP, IP_TRANSPARENT, &one, sizeof one) == 0 &&
            setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(r, (struct sockaddr *)&dst, sizeof dst) == 0 && connect(r, (struct sockaddr *)&client, sizeof client) == 0) {
            f = free_slot;
            *f = (flow_t){1, client, dst, u, r, PTHREAD_MUTEX_INITIALIZER};
            pthread_t t;
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            pthread_attr_setstacksize(&at, 256 << 10);
            if (pthread_create(&t, &at, udp_flow, f) != 0) {
                close(u);
                close(r);
                f->used = 0;
                f = NULL;
            }
            pthread_attr_destroy(&at);
        } else {
            if (u >= 0) close(u);
            if (r >= 0) close(r);
        }
    }
    if (f) fd = f->u;
    if (fd >= 0) frame_to(fd, &f->wlock, buf, (size_t)n);
    pthread_mutex_unlock(&flows_lock);
}

/* ------------------------------------------------------------------ setup */

int relay_main(int argc, char **argv) {
    int pid = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--pid") == 0) pid = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--egress") == 0) egress_path = argv[i + 1];
        else if (strcmp(argv[i], "--id") == 0) sandbox_id = argv[i + 1];
        else fail("unknown option %s", argv[i]);
    }
    if (pid <= 0 || !egress_path || !sandbox_id) fail("usage: agentbox-init relay --pid PID --egress SOCKET --id ID");
    if (strlen(egress_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) fail("egress socket path too long");

    char nspath[64];
    snprintf(nspath, sizeof nspath, "/proc/%d/ns/net", pid);
    int ns = open(nspath, O_RDONLY | O_CLOEXEC);
    if (ns < 0) fail("cannot open %s: %s", nspath, strerror(errno));
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) fail("cannot watch process %d: %s", pid, strerror(errno));
    if (setns(ns, CLONE_NEWNET) < 0) fail("cannot join the sandbox's network namespace: %s", strerror(errno));
    close(ns);

    const char *ip = find_tool("ip"), *nft = find_tool("nft");
    if (!ip) fail("the 'ip' tool is missing (apt-get install iproute2)");
    if (!nft) fail("the 'nft' tool is missing (apt-get install nftables)");
    char *up[] = {(char *)ip, "link", "set", "lo", "up", NULL};
    char *route[] = {(char *)ip, "route", "replace", "local", "default", "dev", "lo", "src", "127.0.0.1", NULL};
    /* an address besides 127.0.0.1, or resolvers asked for AI_ADDRCONFIG would return no IPv4 at all */
    char *addr[] = {(char *)ip, "addr", "replace", "100.64.0.2/32", "dev", "lo", NULL};
    char *rules[] = {(char *)nft, "-f", "-", NULL};
    if (run_tool(up, NULL) < 0 || run_tool(addr, NULL) < 0 || run_tool(route, NULL) < 0) fail("cannot set the sandbox's routes");
    if (run_tool(rules, NFT_RULES) < 0) fail("cannot install the sandbox's nftables rules");

    int one = 1;
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(RELAY_PORT), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int tl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tl < 0 || setsockopt(tl, SOL_IP, IP_TRANSPARENT, &one, sizeof one) < 0 ||
        setsockopt(tl, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(tl, (struct sockaddr *)&at, sizeof at) < 0 ||
        listen(tl, 1024) < 0)
        fail("cannot listen for the sandbox's TCP: %s", strerror(errno));
    int us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (us < 0 || setsockopt(us, SOL_IP, IP_TRANSPARENT, &one, sizeof one) < 0 ||
        setsockopt(us, SOL_IP, IP_RECVORIGDSTADDR, &one, sizeof one) < 0 || bind(us, (struct sockaddr *)&at, sizeof at) < 0)
        fail("cannot listen for the sandbox's UDP: %s", strerror(errno));

    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    pid_t child = fork();
    if (child < 0) fail("fork: %s", strerror(errno));
    if (child > 0) {
        close(ready[1]);
        char c;
        if (read(ready[0], &c, 1) != 1) fail("the relay did not start");
        printf("ok %d\n", child);
        return 0;
    }
    setsid();
    signal(SIGPIPE, SIG_IGN);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    write_all_fd(ready[1], "1", 1);
    close(ready[1]);

    struct pollfd p[3] = {{pidfd, POLLIN, 0}, {tl, POLLIN, 0}, {us, POLLIN, 0}};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 << 10);
    for (;;) {
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[0].revents) break; /* the sandbox ended: its namespace goes with this process */
        if (p[1].revents & POLLIN) {
            int c = accept4(tl, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                pthread_t t;
                if (pthread_create(&t, &attr, tcp_conn, (void *)(intptr_t)c) != 0) close(c);
            }
        }
        if (p[2].revents & POLLIN) udp_datagram(us);
    }
    return 0;
}
