/*
 * agentbox-init: the small native part of a local agentbox sandbox.
 *
 *   agentbox-init launch --state DIR [--cgroup DIR]... [--cgset FILE=VALUE]... [--rw-size BYTES]
 *                        [--uid N --gid N] --uid-base N --uid-slots N --slot-dir DIR --stage DIR
 *                        [--idmap SRC=NAME]... -- BWRAP-ARGV...
 *       Host side. Takes a free uid range (slot), creates the sandbox's state dir, cgroups and
 *       control socket, starts a detached supervisor that runs bubblewrap in the sandbox's own user
 *       namespace, and returns once the sandbox answers. stdin is copied to DIR/sandbox.json.
 *       Prints "ok" and exits 0, or one error line and exits 1 (3: every uid range is in use),
 *       leaving nothing behind.
 *   agentbox-init client LAUNCHER HOME sandbox exec ...
 *       The CLI's fast path for `agentbox sandbox exec` (agentbox-client.c).
 *   agentbox-init killcg DIR...
 *       Kills every process of the given cgroups (a dead supervisor's leftovers).
 *   agentbox-init init --timeout-ms N --uid N --gid N [--root-caps MASK]
 *       PID 1 inside the sandbox (fd 3 is the listening control socket). Runs commands and file
 *       operations for clients of the socket, and ends the sandbox at its deadline: when PID 1
 *       exits the kernel kills every process of the sandbox's PID namespace. Commands start with
 *       no capabilities, except commands as root of a template build, which keep MASK (a hex
 *       capability mask) and nothing else.
 *
 * Why C: this process exists once per sandbox and sits on the path of every command, so it has to
 * start in microseconds and cost almost no memory; a JVM or an interpreter here would dominate both.
 *
 * Wire protocol on the control socket: frames of [u32 little-endian payload length][u8 type][payload].
 * Requests carry fields encoded as [u8 tag][u32 length][bytes]. One request at a time per connection.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD (16u << 20)
#define CHUNK (64u << 10)
#define CLIENT_HIGH_WATER (1u << 20) /* stop reading a command's pipes while its client lags this much */
#define HISTORY_CAP (1u << 20)       /* output kept per stream of a detached background command */
#define MAX_ENDED 64                 /* ended processes remembered for list/attach */

/* ------------------------------------------------------------------ small utilities */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("agentbox-init: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static int64_t now_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = strlen(data);
    ssize_t w = write(fd, data, n);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == (ssize_t)n ? 0 : -1;
}

static int write_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

typedef struct {
    char *p;
    size_t off, len, cap;
} buf_t;

static size_t buf_avail(const buf_t *b) { return b->len - b->off; }

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->off > 0 && (b->off == b->len || b->off > b->cap / 2)) {
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) die("out of memory");
    b->p = p;
    b->cap = cap;
}

static void buf_append(buf_t *b, const void *d, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void buf_consume(buf_t *b, size_t n) {
    b->off += n;
    if (b->off == b->len) b->off = b->len = 0;
}

static void buf_free(buf_t *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void buf_frame(buf_t *b, char type, const void *payload, size_t n) {
    unsigned char h[5] = {(unsigned char)(n & 0xff), (unsigned char)((n >> 8) & 0xff),
                          (unsigned char)((n >> 16) & 0xff), (unsigned char)((n >> 24) & 0xff), (unsigned char)type};
    buf_append(b, h, 5);
    if (n) buf_append(b, payload, n);
}

static void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* JSON string: valid UTF-8 passes through, anything else is escaped byte by byte. */
static void buf_json_str(buf_t *b, const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    buf_append(b, "\"", 1);
    while (*u) {
        unsigned char c = *u;
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool valid = n > 0;
        for (int i = 1; valid && i < n; i++) valid = (u[i] & 0xc0) == 0x80;
        if (!valid) {
            buf_printf(b, "\\u%04x", c);
            u++;
        } else if (n > 1) {
            buf_append(b, u, (size_t)n);
            u += n;
        } else {
            if (c == '"' || c == '\\') buf_printf(b, "\\%c", c);
            else if (c < 0x20) buf_printf(b, "\\u%04x", c);
            else buf_append(b, u, 1);
            u++;
        }
    }
    buf_append(b, "\"", 1);
}

/* ------------------------------------------------------------------ request fields */

typedef struct {
    char tag;
    const char *val; /* NUL-terminated copy inside the request */
} field_t;

typedef struct {
    field_t f[4096];
    int n;
} fields_t;

/* Splits a request payload into fields; values are NUL-terminated in place (payload has slack). */
static int parse_fields(char *p, size_t n, fields_t *out) {
    out->n = 0;
    size_t i = 0;
    while (i < n) {
        if (n - i < 5 || out->n >= (int)(sizeof out->f / sizeof out->f[0])) return -1;
        char tag = p[i];
        uint32_t len = (uint32_t)(unsigned char)p[i + 1] | (uint32_t)(unsigned char)p[i + 2] << 8 |
                       (uint32_t)(unsigned char)p[i + 3] << 16 | (uint32_t)(unsigned char)p[i + 4] << 24;
        if (len > n - i - 5) return -1;
        /* shift the value one byte left over its length so it can be NUL-terminated in place */
        memmove(p + i, p + i + 5, len);
        p[i + len] = '\0';
        if (memchr(p + i, '\0', len)) return -1;
        out->f[out->n].tag = tag;
        out->f[out->n].val = p + i;
        out->n++;
        i += 5 + len;
    }
    return 0;
}

static const char *field(const fields_t *fs, char tag) {
    for (int i = 0; i < fs->n; i++)
        if (fs->f[i].tag == tag) return fs->f[i].val;
    return NULL;
}

/* ------------------------------------------------------------------ seccomp */

#if defined(__x86_64__)
#define AB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * In the spirit of container runtimes' default profiles, narrowed further: no new namespaces (a user
 * namespace would hand the sandbox fresh capabilities over new mounts), no mounts, no kernel keyring,
 * no module loading, no kernel log, no eBPF, no perf events, no io_uring (its own syscall surface,
 * invisible to this filter), no userfaultfd (stretches kernel race windows), no kexec, no LDT, no clock
 * or host-name changes, no NUMA page moves. Sockets are allowed by family, not denied by a few: only
 * AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK for route and socket-diagnostic queries (AF_VSOCK, for one,
 * reaches a hypervisor's services even with no network). Everything else is allowed, so ordinary
 * programs (compilers, package managers, debuggers, language runtimes) work.
 */
static int install_seccomp(void) {
#ifdef AB_AUDIT_ARCH
    static const int denied[] = {
        SYS_mount, SYS_umount2, SYS_pivot_root, SYS_unshare, SYS_setns, SYS_keyctl, SYS_add_key,
        SYS_request_key, SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_syslog, SYS_acct,
        SYS_swapon, SYS_swapoff, SYS_reboot, SYS_sethostname, SYS_setdomainname, SYS_kexec_load,
        SYS_kexec_file_load, SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_settimeofday,
        SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex, SYS_open_by_handle_at, SYS_name_to_handle_at,
        SYS_quotactl, SYS_vhangup, SYS_fsopen, SYS_fsmount, SYS_fsconfig, SYS_fspick, SYS_move_mount,
        SYS_open_tree, SYS_lookup_dcookie, SYS_move_pages, SYS_mbind, SYS_migrate_pages,
#ifdef SYS_mount_setattr
        SYS_mount_setattr,
#endif
#ifdef SYS_quotactl_fd
        SYS_quotactl_fd,
#endif
#ifdef __x86_64__
        SYS_iopl, SYS_ioperm, SYS_modify_ldt, SYS_uselib, SYS_ustat, SYS_sysfs,
#endif
#ifdef SYS__sysctl
        SYS__sysctl,
#endif
#ifdef SYS_nfsservctl
        SYS_nfsservctl,
#endif
    };
    /* answered as if the kernel had no such call, so runtimes that probe for them (libuv) fall back quietly */
    static const int absent[] = {425 /* io_uring_setup */, 426 /* io_uring_enter */, 427 /* io_uring_register */};
    const uint32_t ns_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
                              CLONE_NEWIPC | CLONE_NEWCGROUP;
    struct sock_filter prog[256];
    unsigned n = 0;
#define EMIT(code, jt, jf, k) prog[n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf)
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AB_AUDIT_ARCH);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
    EMIT(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000); /* x32 ABI: not ours */
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
#endif
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)denied[i]);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
    }
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)absent[i]);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
    }
    /* socket and socketpair: the family (args[0]) from the list; netlink only for route and diag (args[2]) */
    static const int socket_calls[] = {SYS_socket, SYS_socketpair};
    for (size_t i = 0; i < 2; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 11, (uint32_t)socket_calls[i]);
        EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[0]));
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, AF_UNIX); /* to the allow at the block's end */
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, AF_INET);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, AF_INET6);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AF_NETLINK);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
        EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[2]));
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0 /* NETLINK_ROUTE */);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 4 /* NETLINK_SOCK_DIAG */);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPROTONOSUPPORT);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    }
    /* clone3 hides its flags in memory: answer ENOSYS so libc falls back to clone, which we can inspect */
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_clone3);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, SYS_clone);
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[0]));
    EMIT(BPF_JMP | BPF_JSET | BPF_K, 0, 1, ns_flags);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
#undef EMIT
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------ init: state */

enum cmode { C_IDLE, C_EXEC, C_READ, C_WRITE };

typedef struct {
    int fd;
    buf_t in, out;
    enum cmode mode;
    int proc;        /* attached process (C_EXEC) */
    int file_fd;     /* C_READ / C_WRITE */
    int write_errno; /* first error while writing a file */
    bool close_when_flushed;
} client_t;

typedef struct {
    pid_t pid;
    int fd_out, fd_err, fd_in;
    bool background, exited, timed_out, killed, exit_sent, stdin_eof;
    int status;
    int64_t deadline; /* monotonic ms, 0 = none */
    int64_t started;  /* realtime ms */
    int64_t ended;    /* monotonic ms */
    char *json;       /* argv, cwd, user as JSON members */
    buf_t hist[2];
    bool hist_truncated[2];
    buf_t stdin_pending;
    int client; /* attached client index, -1 none */
} proc_t;

static client_t *clients;
static int nclients, capclients;
static proc_t *procs;
static int nprocs, capprocs;
static int listen_fd = 3;
static int sig_fd = -1;
static int64_t sandbox_deadline;
static uid_t sb_uid = 1000;
static gid_t sb_gid = 1000;
static uint64_t root_caps; /* what commands as root keep (template builds only); 0 = nothing */

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void send_frame(client_t *c, char type, const void *p, size_t n) { buf_frame(&c->out, type, p, n); }

static void send_text(client_t *c, char type, const char *s) { send_frame(c, type, s, strlen(s)); }

static void send_errno(client_t *c, int err, const char *what, const char *path) {
    char msg[PATH_MAX + 256];
    const char *name = strerrorname_np(err);
    snprintf(msg, sizeof msg, "%s %s: %s%s%s", name ? name : "EIO", what, strerror(err), path ? ": " : "",
             path ? path : "");
    send_text(c, 'E', msg);
}

/* ------------------------------------------------------------------ init: processes */

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void send_exit(proc_t *p) {
    if (p->exit_sent || p->client < 0) return;
    client_t *c = &clients[p->client];
    int st = p->status;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    const char *reason = p->timed_out ? "timeout" : p->killed ? "killed" : WIFSIGNALED(st) ? "signaled" : "exited";
    char msg[128];
    snprintf(msg, sizeof msg, "%d %d %s %d %d", code, sig, reason, p->hist_truncated[0], p->hist_truncated[1]);
    send_text(c, 'x', msg);
    p->exit_sent = true;
    c->mode = C_IDLE;
    c->proc = -1;
    p->client = -1;
}

/* Moves output from a pipe to the attached client, or to the bounded history, or nowhere. */
static void pump(proc_t *p, int which) {
    int *fd = which == 0 ? &p->fd_out : &p->fd_err;
    char tmp[CHUNK];
    for (int rounds = 0; rounds < 16; rounds++) { /* bounded, so a flood cannot starve other clients */
        ssize_t r = read(*fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
            close_fd(fd);
            return;
        }
        if (r < 0) return;
        if (p->exit_sent) {
            /* the command has ended; what children it left behind still write is dropped */
        } else if (p->client >= 0) {
            send_frame(&clients[p->client], which == 0 ? 'o' : 'e', tmp, (size_t)r);
            if (buf_avail(&clients[p->client].out) > CLIENT_HIGH_WATER) return;
        } else {
            buf_t *h = &p->hist[which];
            size_t room = buf_avail(h) < HISTORY_CAP ? HISTORY_CAP - buf_avail(h) : 0;
            size_t take = (size_t)r < room ? (size_t)r : room;
            if (take) buf_append(h, tmp, take);
            if (take < (size_t)r) p->hist_truncated[which] = true;
        }
        if ((size_t)r < sizeof tmp) return;
    }
}

static void kill_proc(proc_t *p) {
    if (p->exited) return;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
}

static void detach_client_from_proc(int ci) {
    client_t *c = &clients[ci];
    if (c->mode != C_EXEC || c->proc < 0) return;
    proc_t *p = &procs[c->proc];
    if (p->client == ci) {
        p->client = -1;
        if (!p->background && !p->exited) {
            /* a foreground command dies with the connection that ran it (Ctrl-C, a canceled run) */
            p->killed = true;
            kill_proc(p);
        }
    }
    c->proc = -1;
    c->mode = C_IDLE;
}

static void forget_ended_procs(void) {
    int ended = 0;
    for (int i = 0; i < nprocs; i++)
        if (procs[i].exited && procs[i].client < 0) ended++;
    while (ended > MAX_ENDED) {
        int oldest = -1;
        for (int i = 0; i < nprocs; i++)
            if (procs[i].exited && procs[i].client < 0 && procs[i].fd_out < 0 && procs[i].fd_err < 0 &&
                (oldest < 0 || procs[i].ended < procs[oldest].ended))
                oldest = i;
        if (oldest < 0) return;
        proc_t *p = &procs[oldest];
        free(p->json);
        buf_free(&p->hist[0]);
        buf_free(&p->hist[1]);
        buf_free(&p->stdin_pending);
        close_fd(&p->fd_in);
        /* keep indexes stable for clients: move the last entry into the hole and fix references */
        int last = nprocs - 1;
        if (oldest != last) {
            procs[oldest] = procs[last];
            for (int c = 0; c < nclients; c++)
                if (clients[c].proc == last) clients[c].proc = oldest;
        }
        nprocs--;
        ended--;
    }
}

static void reap_children(void) {
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0) return;
        for (int i = 0; i < nprocs; i++) {
            proc_t *p = &procs[i];
            if (p->pid != pid || p->exited) continue;
            p->exited = true;
            p->status = st;
            p->ended = now_mono_ms();
            /* whatever the command wrote before it ended is in the pipes now: deliver it first */
            if (p->fd_out >= 0) pump(p, 0);
            if (p->fd_err >= 0) pump(p, 1);
            close_fd(&p->fd_in);
            buf_free(&p->stdin_pending);
            send_exit(p);
            break;
        }
    }
}

static int find_proc(pid_t pid) {
    for (int i = 0; i < nprocs; i++)
        if (procs[i].pid == pid) return i;
    return -1;
}

static void drop_all_caps_and_become(bool root) {
    uint64_t keep = root ? root_caps : 0;
    /* the bounding set goes first: it needs CAP_SETPCAP, which the uid change below would drop */
    for (int cap = 0; cap <= 63; cap++) {
        if (keep & (1ull << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL) break;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (keep) {
        /* a build step as root: the bounding set now holds only KEEP, so execve as uid 0 gets
           exactly those and a setuid program gets no more; a switch to another uid (apt's _apt)
           drops them as usual. No securebits: dpkg's children must keep root's KEEP across execve. */
        if (setgroups(0, NULL) < 0) _exit(126);
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2];
        memset(d, 0, sizeof d);
        d[0].effective = d[0].permitted = (uint32_t)keep;
        d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
        if (syscall(SYS_capset, &h, d) < 0) _exit(126);
        return;
    }
    /* uid 0 must not regain capabilities through execve or setuid programs */
    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
          0, 0, 0);
    if (setgroups(0, NULL) < 0) _exit(126);
    if (!root) {
        if (setresgid(sb_gid, sb_gid, sb_gid) < 0 || setresuid(sb_uid, sb_uid, sb_uid) < 0) _exit(126);
    }
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0) _exit(126);
}

static void exec_in_path(char **argv, char **envp) {
    const char *path = NULL;
    for (char **e = envp; *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
    if (strchr(argv[0], '/')) {
        execve(argv[0], argv, envp);
        return;
    }
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    int saved = ENOENT;
    char buf[PATH_MAX];
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len == 0) snprintf(buf, sizeof buf, "./%s", argv[0]);
        else snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, argv[0]);
        execve(buf, argv, envp);
        if (errno == EACCES) saved = EACCES;
        else if (errno != ENOENT && errno != ENOTDIR) saved = errno;
        p = colon ? colon + 1 : p + len;
    }
    errno = saved;
}

static void handle_exec(int ci, fields_t *fs) {
    client_t *c = &clients[ci];
    char *argv[4096];
    char *envp[4096];
    int argc = 0, envc = 0;
    for (int i = 0; i < fs->n; i++) {
        if (fs->f[i].tag == 'a' && argc < 4095) argv[argc++] = (char *)fs->f[i].val;
        if (fs->f[i].tag == 'e' && envc < 4095) envp[envc++] = (char *)fs->f[i].val;
    }
    argv[argc] = NULL;
    envp[envc] = NULL;
    if (argc == 0) {
        send_text(c, 'E', "EINVAL exec: empty argv");
        return;
    }
    const char *cwd = field(fs, 'c');
    const char *user = field(fs, 'u');
    const char *timeout = field(fs, 't');
    bool root = user && strcmp(user, "root") == 0;
    bool background = field(fs, 'b') != NULL;

    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        send_errno(c, errno, "pipe", NULL);
        return;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        send_errno(c, errno, "pipe", NULL);
        close(in[0]), close(in[1]);
        return;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        send_errno(c, errno, "pipe", NULL);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        send_errno(c, errno, "fork", NULL);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setsid(); /* own session and process group: timeouts and kills take the whole group */
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        syscall(SYS_close_range, 3, ~0U, 0);
        write_file("/proc/self/oom_score_adj", "0"); /* init is shielded from the OOM killer, commands are not */
        struct rlimit core = {0, 0};
        setrlimit(RLIMIT_CORE, &core);
        drop_all_caps_and_become(root);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) _exit(126);
        if (install_seccomp() < 0) _exit(126);
        if (cwd && chdir(cwd) < 0) {
            fprintf(stderr, "agentbox: cannot change to directory '%s': %s\n", cwd, strerror(errno));
            _exit(126);
        }
        exec_in_path(argv, envp);
        int e = errno;
        fprintf(stderr, "agentbox: cannot run '%s': %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    set_nonblock(in[1]);
    set_nonblock(out[0]);
    set_nonblock(err[0]);

    if (nprocs == capprocs) {
        capprocs = capprocs ? capprocs * 2 : 16;
        procs = realloc(procs, sizeof *procs * (size_t)capprocs);
        if (!procs) die("out of memory");
    }
    proc_t *p = &procs[nprocs];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->fd_in = in[1];
    p->fd_out = out[0];
    p->fd_err = err[0];
    p->background = background;
    p->started = now_real_ms();
    p->client = ci;
    if (timeout) {
        long long ms = atoll(timeout);
        if (ms > 0) p->deadline = now_mono_ms() + ms;
    }
    buf_t j = {0};
    buf_append(&j, "\"argv\":[", 8);
    for (int i = 0; i < argc; i++) {
        if (i) buf_append(&j, ",", 1);
        buf_json_str(&j, argv[i]);
    }
    buf_append(&j, "],\"cwd\":", 8);
    buf_json_str(&j, cwd ? cwd : "/");
    buf_printf(&j, ",\"user\":\"%s\",\"background\":%s", root ? "root" : "user", background ? "true" : "false");
    buf_append(&j, "", 1);
    p->json = j.p;
    c->mode = C_EXEC;
    c->proc = nprocs;
    nprocs++;
    char msg[32];
    snprintf(msg, sizeof msg, "%d", pid);
    send_text(c, 's', msg);
}

static void handle_attach(int ci, fields_t *fs) {
    client_t *c = &clients[ci];
    const char *pidstr = field(fs, 'p');
    int pi = pidstr ? find_proc(atoi(pidstr)) : -1;
    if (pi < 0) {
        send_text(c, 'E', "ESRCH attach: no such process");
        return;
    }
    proc_t *p = &procs[pi];
    if (p->client >= 0 && p->client != ci) {
        /* the newest watcher wins; the previous one is told and let go */
        client_t *old = &clients[p->client];
        send_text(old, 'D', "detached: another client attached");
        old->mode = C_IDLE;
        old->proc = -1;
    }
    char msg[32];
    snprintf(msg, sizeof msg, "%d", p->pid);
    send_text(c, 's', msg);
    for (int w = 0; w < 2; w++) {
        if (buf_avail(&p->hist[w])) send_frame(c, w == 0 ? 'o' : 'e', p->hist[w].p + p->hist[w].off, buf_avail(&p->hist[w]));
        buf_free(&p->hist[w]);
    }
    p->client = ci;
    c->mode = C_EXEC;
    c->proc = pi;
    if (p->exited) {
        p->exit_sent = false;
        send_exit(p);
    }
}

static void handle_list(client_t *c) {
    buf_t j = {0};
    buf_append(&j, "[", 1);
    for (int i = 0; i < nprocs; i++) {
        proc_t *p = &procs[i];
        if (i) buf_append(&j, ",", 1);
        buf_printf(&j, "{\"pid\":%d,%s,\"startedAt\":%lld,\"running\":%s", p->pid, p->json, (long long)p->started,
                   p->exited ? "false" : "true");
        if (p->exited) {
            int st = p->status;
            buf_printf(&j, ",\"exitCode\":%d}", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        } else {
            buf_append(&j, "}", 1);
        }
    }
    buf_append(&j, "]", 1);
    send_frame(c, 'j', j.p, j.len);
    buf_free(&j);
}

/* ------------------------------------------------------------------ init: files */

/* Paths from clients are absolute and free of ".." (the Java side checks too). */
static bool path_ok(const char *path) {
    if (!path || path[0] != '/' || strlen(path) >= PATH_MAX) return false;
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
        bool start = p == path || p[-1] == '/';
        bool end = p[2] == '\0' || p[2] == '/';
        if (start && end) return false;
    }
    return true;
}

/* Opens with symlinks resolved inside the sandbox's root; /proc magic links (the way out of a root) are refused. */
static int open_in_root(int dirfd, const char *path, int flags, mode_t mode) {
    struct open_how how = {.flags = (uint64_t)flags, .mode = (flags & O_CREAT) ? mode : 0,
                           .resolve = RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) fd = openat(dirfd, path, flags, mode);
    return fd;
}

/* Opens the parent directory of path; *base points at the last component ("" for "/"). */
static int open_parent(const char *path, char *dirbuf, const char **base) {
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    memcpy(dirbuf, path, len);
    dirbuf[len] = '\0';
    char *slash = strrchr(dirbuf, '/');
    if (slash == dirbuf && dirbuf[1] == '\0') {
        *base = "";
        return open_in_root(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }
    *slash = '\0';
    *base = slash + 1;
    return open_in_root(AT_FDCWD, dirbuf[0] ? dirbuf : "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

/*
 * The kernel's own files are not the file API's business: /proc and /sys hold other processes'
 * details and kernel state, and their permission checks look at the opener (init), not at the
 * client. Refused by path and, for links and binds that lead there, by the filesystem's type.
 */
static bool kernel_path(const char *path) {
    static const char *const roots[] = {"/proc", "/sys"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        size_t n = strlen(roots[i]);
        if (strncmp(path, roots[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) return true;
    }
    return false;
}

static bool kernel_fs(int fd) {
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0) return true;
    return sf.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */ || sf.f_type == 0x62656572 /* SYSFS_MAGIC */ ||
           sf.f_type == 0x64626720 /* DEBUGFS_MAGIC */ || sf.f_type == 0x74726163 /* TRACEFS_MAGIC */ ||
           sf.f_type == 0x73636673 /* SECURITYFS_MAGIC */ || sf.f_type == 0x27e0eb /* CGROUP_SUPER_MAGIC */ ||
           sf.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */;
}

static const char KERNEL_REFUSED[] = "EREFUSED path refused: /proc, /sys and other kernel filesystems are not served by the file API";

static void as_user(bool root) {
    setfsgid(root ? 0 : sb_gid);
    setfsuid(root ? 0 : sb_uid);
}

static void as_init(void) {
    setfsuid(0);
    setfsgid(0);
}

static void stat_json(buf_t *j, int dirfd, const char *name, const char *display_path) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH)) < 0) return;
    const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink" : "other";
    buf_append(j, "{\"path\":", 8);
    buf_json_str(j, display_path);
    buf_printf(j, ",\"type\":\"%s\",\"size\":%lld,\"mode\":%u,\"mtimeMs\":%lld", type, (long long)st.st_size,
               (unsigned)(st.st_mode & 07777), (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = '\0';
            buf_append(j, ",\"target\":", 10);
            buf_json_str(j, target);
        }
    }
    buf_append(j, "}", 1);
}

static int mkdirs(const char *path) {
    char prefix[PATH_MAX];
    size_t len = strlen(path);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        char dirbuf[PATH_MAX];
        const char *base;
        int pfd = open_parent(prefix, dirbuf, &base);
        if (pfd < 0) return -1;
        struct stat st;
        /* existing ancestors are fine even where we could not create them (/, /home) */
        int r = (!base[0] || (fstatat(pfd, base, &st, 0) == 0 && S_ISDIR(st.st_mode))) ? 0 : mkdirat(pfd, base, 0755);
        int e = errno;
        if (r < 0 && e == EEXIST) e = ENOTDIR;
        close(pfd);
        if (r < 0) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

static int remove_tree(int dirfd, const char *name) {
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (remove_tree(fd, e->d_name) < 0) rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
    return rc;
}

static void handle_file_op(int ci, char op, fields_t *fs) {
    client_t *c = &clients[ci];
    const char *path = field(fs, 'P');
    bool root = field(fs, 'u') && strcmp(field(fs, 'u'), "root") == 0;
    if (!path_ok(path)) {
        send_text(c, 'E', "EREFUSED path refused: it must be absolute and must not contain '..'");
        return;
    }
    if (kernel_path(path) || (op == 'V' && field(fs, 'Q') && kernel_path(field(fs, 'Q')))) {
        send_text(c, 'E', KERNEL_REFUSED);
        return;
    }
    char dirbuf[PATH_MAX];
    const char *base;
    as_user(root);
    switch (op) {
    case 'R': {
        int fd = open_in_root(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
        struct stat st = {0};
        if (fd < 0) {
            send_errno(c, errno, "read", path);
        } else if (kernel_fs(fd)) {
            send_text(c, 'E', KERNEL_REFUSED);
            close(fd);
        } else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            send_errno(c, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "read (not a regular file)", path);
            close(fd);
        } else {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            char msg[32];
            snprintf(msg, sizeof msg, "%lld", (long long)st.st_size);
            send_text(c, 's', msg);
            c->mode = C_READ;
            c->file_fd = fd;
        }
        break;
    }
    case 'W': {
        const char *mode_s = field(fs, 'o');
        mode_t mode = mode_s ? (mode_t)strtol(mode_s, NULL, 8) & 07777 : 0644;
        if (field(fs, 'm')) {
            char parent[PATH_MAX];
            snprintf(parent, sizeof parent, "%s", path);
            char *slash = strrchr(parent, '/');
            if (slash && slash != parent) {
                *slash = '\0';
                if (mkdirs(parent) < 0) {
                    send_errno(c, errno, "mkdir", parent);
                    break;
                }
            }
        }
        /* opened without O_TRUNC first: a kernel file must be refused before anything is written to it */
        int fd = open_in_root(AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, mode);
        struct stat st;
        if (fd < 0) {
            send_errno(c, errno, "write", path);
        } else if (kernel_fs(fd)) {
            send_text(c, 'E', KERNEL_REFUSED);
            close(fd);
        } else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
            send_errno(c, errno, "write", path);
            close(fd);
        } else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            send_errno(c, EINVAL, "write (not a regular file)", path);
            close(fd);
        } else {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            if (mode_s) fchmod(fd, mode);
            send_text(c, 's', "ready");
            c->mode = C_WRITE;
            c->file_fd = fd;
            c->write_errno = 0;
        }
        break;
    }
    case 'S': {
        int pfd = open_parent(path, dirbuf, &base);
        if (pfd < 0) {
            send_errno(c, errno, "stat", path);
            break;
        }
        buf_t j = {0};
        stat_json(&j, pfd, base, path);
        if (j.len) send_frame(c, 'j', j.p, j.len);
        else send_errno(c, errno, "stat", path);
        buf_free(&j);
        close(pfd);
        break;
    }
    case 'D': {
        int fd = open_in_root(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd >= 0 && kernel_fs(fd)) {
            send_text(c, 'E', KERNEL_REFUSED);
            close(fd);
            break;
        }
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            send_errno(c, errno, "list", path);
            if (fd >= 0) close(fd);
            break;
        }
        buf_t j = {0};
        buf_append(&j, "[", 1);
        struct dirent *e;
        bool first = true;
        size_t plen = strlen(path);
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char full[PATH_MAX];
            snprintf(full, sizeof full, "%s%s%s", path, plen > 0 && path[plen - 1] == '/' ? "" : "/", e->d_name);
            size_t before = j.len;
            if (!first) buf_append(&j, ",", 1);
            size_t mark = j.len;
            stat_json(&j, fd, e->d_name, full);
            if (j.len == mark) j.len = before; /* vanished meanwhile */
            else first = false;
        }
        buf_append(&j, "]", 1);
        closedir(d);
        send_frame(c, 'j', j.p, j.len);
        buf_free(&j);
        break;
    }
    case 'M':
        if (mkdirs(path) < 0) send_errno(c, errno, "mkdir", path);
        else send_text(c, 'z', "");
        break;
    case 'V': {
        const char *to = field(fs, 'Q');
        if (!path_ok(to)) {
            send_text(c, 'E', "EREFUSED path refused: it must be absolute and must not contain '..'");
            break;
        }
        char dirbuf2[PATH_MAX];
        const char *base2;
        int p1 = open_parent(path, dirbuf, &base);
        int p2 = p1 >= 0 ? open_parent(to, dirbuf2, &base2) : -1;
        if (p1 < 0 || p2 < 0) send_errno(c, errno, "move", p1 < 0 ? path : to);
        else if (!base[0] || !base2[0]) send_text(c, 'E', "EBUSY move: cannot move the root directory");
        else if (renameat(p1, base, p2, base2) < 0) send_errno(c, errno, "move", path);
        else send_text(c, 'z', "");
        if (p1 >= 0) close(p1);
        if (p2 >= 0) close(p2);
        break;
    }
    case 'U': {
        int pfd = open_parent(path, dirbuf, &base);
        if (pfd < 0) {
            if (errno == ENOENT) send_text(c, 'z', "");
            else send_errno(c, errno, "remove", path);
            break;
        }
        if (!base[0]) send_text(c, 'E', "EBUSY remove: cannot remove the root directory");
        else if (remove_tree(pfd, base) < 0) send_errno(c, errno, "remove", path);
        else send_text(c, 'z', "");
        close(pfd);
        break;
    }
    case 'Y': {
        const char *target = field(fs, 'Q');
        int pfd = open_parent(path, dirbuf, &base);
        if (!target) send_text(c, 'E', "EINVAL symlink: no target");
        else if (pfd < 0) send_errno(c, errno, "symlink", path);
        else if (symlinkat(target, pfd, base) < 0) send_errno(c, errno, "symlink", path);
        else send_text(c, 'z', "");
        if (pfd >= 0) close(pfd);
        break;
    }
    }
    as_init();
}

static void file_write_chunk(client_t *c, const char *data, size_t n) {
    if (c->write_errno) return;
    if (write_all(c->file_fd, data, n) < 0) c->write_errno = errno;
}

static void file_write_end(client_t *c) {
    if (!c->write_errno && close(c->file_fd) < 0) c->write_errno = errno;
    else if (c->write_errno) close(c->file_fd);
    c->file_fd = -1;
    c->mode = C_IDLE;
    if (c->write_errno) send_errno(c, c->write_errno, "write", NULL);
    else send_text(c, 'z', "");
}

/* ------------------------------------------------------------------ init: dispatch */

static void handle_frame(int ci, char type, char *payload, size_t n) {
    client_t *c = &clients[ci];
    fields_t *fs = NULL;
    static fields_t fields;
    /* stdin, kill or detach that arrive after their command ended are late, not wrong */
    if (c->mode == C_IDLE && (type == 'i' || type == 'I' || type == 'k' || type == 'd')) return;
    if (c->mode == C_IDLE && type != 'P' && type != 'L' && type != 'Q') {
        if (parse_fields(payload, n, &fields) < 0) {
            send_text(c, 'E', "EPROTO malformed request");
            c->close_when_flushed = true;
            return;
        }
        fs = &fields;
    }
    if (c->mode == C_EXEC) {
        proc_t *p = &procs[c->proc];
        switch (type) {
        case 'i':
            if (p->fd_in >= 0 && !p->stdin_eof) buf_append(&p->stdin_pending, payload, n);
            return;
        case 'I':
            p->stdin_eof = true;
            if (p->fd_in >= 0 && buf_avail(&p->stdin_pending) == 0) close_fd(&p->fd_in);
            return;
        case 'k':
            p->killed = true;
            kill_proc(p);
            return;
        case 'd': /* detach: leave a background command running */
            if (p->background) {
                p->client = -1;
                c->proc = -1;
                c->mode = C_IDLE;
                send_text(c, 'z', "");
            }
            return;
        default:
            send_text(c, 'E', "EPROTO unexpected frame while attached");
            c->close_when_flushed = true;
            return;
        }
    }
    if (c->mode == C_WRITE) {
        if (type == 'd') file_write_chunk(c, payload, n);
        else if (type == 'z') file_write_end(c);
        else {
            send_text(c, 'E', "EPROTO unexpected frame while writing");
            c->close_when_flushed = true;
        }
        return;
    }
    if (c->mode != C_IDLE) {
        send_text(c, 'E', "EPROTO request while busy");
        c->close_when_flushed = true;
        return;
    }
    switch (type) {
    case 'P':
        send_text(c, 'p', "pong");
        break;
    case 'X':
        handle_exec(ci, fs);
        break;
    case 'A':
        handle_attach(ci, fs);
        break;
    case 'L':
        handle_list(c);
        break;
    case 'K': {
        const char *pidstr = field(fs, 'p');
        int pi = pidstr ? find_proc(atoi(pidstr)) : -1;
        if (pi >= 0 && !procs[pi].exited) {
            procs[pi].killed = true;
            kill_proc(&procs[pi]);
            send_text(c, 'z', "killed");
        } else {
            send_text(c, 'z', "none");
        }
        break;
    }
    case 'T': {
        const char *ms = field(fs, 't');
        long long v = ms ? atoll(ms) : 0;
        if (v <= 0) {
            send_text(c, 'E', "EINVAL timeout must be positive");
        } else {
            sandbox_deadline = now_mono_ms() + v;
            send_text(c, 'z', "");
        }
        break;
    }
    case 'Q':
        /* the sandbox ends now; the kernel takes every process of the PID namespace with us */
        exit(0);
    case 'R': case 'W': case 'S': case 'D': case 'M': case 'V': case 'U': case 'Y':
        handle_file_op(ci, type, fs);
        break;
    default:
        send_text(c, 'E', "EPROTO unknown request");
        c->close_when_flushed = true;
    }
}

static void close_client(int ci) {
    client_t *c = &clients[ci];
    detach_client_from_proc(ci);
    if (c->file_fd >= 0) close(c->file_fd);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    int last = nclients - 1;
    if (ci != last) {
        clients[ci] = clients[last];
        if (clients[ci].mode == C_EXEC && clients[ci].proc >= 0) procs[clients[ci].proc].client = ci;
    }
    nclients--;
}

static void client_read(int ci) {
    client_t *c = &clients[ci];
    for (;;) {
        buf_reserve(&c->in, CHUNK);
        ssize_t r = read(c->fd, c->in.p + c->in.len, CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        if (r <= 0) {
            c->close_when_flushed = true;
            buf_free(&c->in);
            detach_client_from_proc(ci);
            if (c->mode == C_WRITE) {
                close(c->file_fd);
                c->file_fd = -1;
                c->mode = C_IDLE;
            }
            c->out.off = c->out.len = 0; /* nobody is listening any more */
            return;
        }
        c->in.len += (size_t)r;
        if ((size_t)r < CHUNK) break;
    }
    while (buf_avail(&c->in) >= 5 && !c->close_when_flushed) {
        unsigned char *h = (unsigned char *)c->in.p + c->in.off;
        uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        if (n > MAX_PAYLOAD) {
            send_text(c, 'E', "EPROTO frame too large");
            c->close_when_flushed = true;
            return;
        }
        if (buf_avail(&c->in) < 5 + (size_t)n) {
            buf_reserve(&c->in, 5 + (size_t)n + 1);
            return;
        }
        char type = (char)h[4];
        /* copy out: handlers may append to buffers and the payload needs a spare byte */
        char *payload = malloc((size_t)n + 1);
        if (!payload) die("out of memory");
        memcpy(payload, c->in.p + c->in.off + 5, n);
        payload[n] = '\0';
        buf_consume(&c->in, 5 + (size_t)n);
        handle_frame(ci, type, payload, n);
        free(payload);
        c = &clients[ci];
    }
}

static void accept_clients(void) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (nclients == capclients) {
            capclients = capclients ? capclients * 2 : 16;
            clients = realloc(clients, sizeof *clients * (size_t)capclients);
            if (!clients) die("out of memory");
        }
        client_t *c = &clients[nclients++];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->proc = -1;
        c->file_fd = -1;
    }
}

static void pump_file_reads(client_t *c) {
    while (c->mode == C_READ && buf_avail(&c->out) < CLIENT_HIGH_WATER) {
        char tmp[CHUNK];
        ssize_t r = read(c->file_fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) {
            send_frame(c, 'd', tmp, (size_t)r);
            continue;
        }
        if (r < 0) send_errno(c, errno, "read", NULL);
        else send_text(c, 'z', "");
        close(c->file_fd);
        c->file_fd = -1;
        c->mode = C_IDLE;
    }
}

static void flush_stdin(proc_t *p) {
    while (p->fd_in >= 0 && buf_avail(&p->stdin_pending)) {
        ssize_t w = write(p->fd_in, p->stdin_pending.p + p->stdin_pending.off, buf_avail(&p->stdin_pending));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        if (w < 0) {
            close_fd(&p->fd_in);
            buf_free(&p->stdin_pending);
            return;
        }
        buf_consume(&p->stdin_pending, (size_t)w);
    }
    if (p->fd_in >= 0 && p->stdin_eof && buf_avail(&p->stdin_pending) == 0) close_fd(&p->fd_in);
}

static int init_main(int argc, char **argv) {
    int64_t timeout_ms = 300000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--timeout-ms") == 0) timeout_ms = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--uid") == 0) sb_uid = (uid_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--gid") == 0) sb_gid = (gid_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--root-caps") == 0) root_caps = strtoull(argv[i + 1], NULL, 16);
    }
    if (getpid() != 1) die("init must run as PID 1 of a sandbox");
    struct stat st;
    if (fstat(listen_fd, &st) < 0 || !S_ISSOCK(st.st_mode)) die("fd 3 is not the control socket");
    fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
    set_nonblock(listen_fd);
    /* not dumpable: sandbox processes cannot read our memory or /proc/1 details */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setgroups(0, NULL);
    sandbox_deadline = now_mono_ms() + timeout_ms;

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sig_fd < 0) die("signalfd: %s", strerror(errno));

    struct pollfd *pfds = NULL;
    int *owner = NULL; /* what each pollfd is: -1 listen, -2 signals, client index, or 1000000 + proc*3 + stream */
    size_t cap = 0;
    for (;;) {
        int64_t now = now_mono_ms();
        if (now >= sandbox_deadline) exit(0);
        int64_t wake = sandbox_deadline;
        for (int i = 0; i < nprocs; i++) {
            proc_t *p = &procs[i];
            if (p->deadline && !p->exited && !p->timed_out) {
                if (now >= p->deadline) {
                    p->timed_out = true;
                    kill_proc(p);
                } else if (p->deadline < wake) {
                    wake = p->deadline;
                }
            }
        }
        size_t need = 2 + (size_t)nclients + (size_t)nprocs * 3;
        if (need > cap) {
            cap = need * 2;
            pfds = realloc(pfds, sizeof *pfds * cap);
            owner = realloc(owner, sizeof *owner * cap);
            if (!pfds || !owner) die("out of memory");
        }
        size_t n = 0;
        pfds[n] = (struct pollfd){listen_fd, POLLIN, 0};
        owner[n++] = -1;
        pfds[n] = (struct pollfd){sig_fd, POLLIN, 0};
        owner[n++] = -2;
        for (int i = 0; i < nclients; i++) {
            client_t *c = &clients[i];
            if (c->mode == C_READ) pump_file_reads(c);
            short ev = c->close_when_flushed ? 0 : POLLIN;
            if (buf_avail(&c->out)) ev |= POLLOUT;
            pfds[n] = (struct pollfd){c->fd, ev, 0};
            owner[n++] = i;
        }
        for (int i = 0; i < nprocs; i++) {
            proc_t *p = &procs[i];
            bool lagging = p->client >= 0 && buf_avail(&clients[p->client].out) > CLIENT_HIGH_WATER;
            if (p->fd_out >= 0 && !lagging) {
                pfds[n] = (struct pollfd){p->fd_out, POLLIN, 0};
                owner[n++] = 1000000 + i * 3;
            }
            if (p->fd_err >= 0 && !lagging) {
                pfds[n] = (struct pollfd){p->fd_err, POLLIN, 0};
                owner[n++] = 1000000 + i * 3 + 1;
            }
            if (p->fd_in >= 0 && buf_avail(&p->stdin_pending)) {
                pfds[n] = (struct pollfd){p->fd_in, POLLOUT, 0};
                owner[n++] = 1000000 + i * 3 + 2;
            }
        }
        int64_t wait = wake - now;
        if (wait > 60000) wait = 60000;
        int r = poll(pfds, (nfds_t)n, (int)wait);
        if (r < 0 && errno != EINTR) die("poll: %s", strerror(errno));
        if (r <= 0) continue;

        /* process pipes and signals before clients, so that indexes seen above stay valid */
        for (size_t k = 0; k < n; k++) {
            if (!pfds[k].revents || owner[k] < 1000000) continue;
            int pi = (owner[k] - 1000000) / 3, which = (owner[k] - 1000000) % 3;
            if (pi >= nprocs) continue;
            if (which == 2) flush_stdin(&procs[pi]);
            else pump(&procs[pi], which);
        }
        if (pfds[1].revents) {
            struct signalfd_siginfo si;
            bool term = false;
            while (read(sig_fd, &si, sizeof si) == sizeof si)
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) term = true;
            reap_children();
            if (term) exit(0);
        }
        /* clients: walk backwards because closing one moves the last into its slot */
        for (size_t k = n; k-- > 2;) {
            if (owner[k] < 0 || owner[k] >= 1000000 || !pfds[k].revents) continue;
            int ci = owner[k];
            if (ci >= nclients || clients[ci].fd != pfds[k].fd) continue;
            client_t *c = &clients[ci];
            if (pfds[k].revents & POLLOUT) {
                ssize_t w = write(c->fd, c->out.p + c->out.off, buf_avail(&c->out));
                if (w > 0) buf_consume(&c->out, (size_t)w);
                else if (w < 0 && errno != EAGAIN && errno != EINTR) c->close_when_flushed = true, c->out.off = c->out.len = 0;
            }
            if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) client_read(ci);
            c = &clients[ci];
            if (c->close_when_flushed && buf_avail(&c->out) == 0) close_client(ci);
        }
        if (pfds[0].revents) accept_clients();
        /* opportunistic flush, so a reply does not wait for the next poll round */
        for (int i = nclients; i-- > 0;) {
            client_t *c = &clients[i];
            if (!buf_avail(&c->out)) continue;
            ssize_t w = write(c->fd, c->out.p + c->out.off, buf_avail(&c->out));
            if (w > 0) buf_consume(&c->out, (size_t)w);
            if (c->close_when_flushed && buf_avail(&c->out) == 0) close_client(i);
        }
        forget_ended_procs();
    }
}

/* ------------------------------------------------------------------ host side: launch and supervise */

typedef struct {
    const char *state;
    const char *cgroups[16];
    int ncgroups;
    const char *cgsets[64];
    int ncgsets;
    long long rw_size;
    uid_t uid; /* the sandbox user, inside */
    gid_t gid;
    uid_t uid_base; /* host id of the sandbox's root: the first of its slot's range */
    unsigned uid_slots;
    const char *slot_dir;
    const char *stage;
    const char *idmaps[16]; /* SRC=NAME: SRC shown under STAGE/NAME with the sandbox's ids */
    int nidmaps;
    char **bwrap;
} launch_t;

#define SLOT_IDS 65536u

static char path_buf[8][PATH_MAX];

static const char *state_path(const launch_t *l, int slot, const char *name) {
    snprintf(path_buf[slot], PATH_MAX, "%s/%s", l->state, name);
    return path_buf[slot];
}

static bool cgroup_empty(const char *procs_file) {
    FILE *f = fopen(procs_file, "re");
    if (!f) return true;
    int pid;
    bool empty = fscanf(f, "%d", &pid) != 1;
    fclose(f);
    return empty;
}

/*
 * Kills every process of a cgroup without ever signalling a stranger. cgroup v2 has cgroup.kill,
 * which the kernel applies to the members themselves. Elsewhere (v1) a PID read from cgroup.procs
 * may belong to a new host process by the time it is signalled, so each one is pinned with a pidfd
 * first and signalled only if, once pinned, it is still in this cgroup.
 */
static void kill_cgroup_procs(const char *dir) {
    char path[PATH_MAX], kill_file[PATH_MAX];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    snprintf(kill_file, sizeof kill_file, "%s/cgroup.kill", dir);
    bool v2_kill = access(kill_file, W_OK) == 0 && write_file(kill_file, "1") == 0;
    /* the v1 controller directory is ".../<controller>/agentbox/<id>": the path /proc/PID/cgroup shows ends in "/agentbox/<id>" */
    const char *tail = strstr(dir, "/agentbox/");
    for (int round = 0; round < 400; round++) {
        if (cgroup_empty(path)) return;
        if (!v2_kill) {
            FILE *f = fopen(path, "re");
            if (!f) return;
            int pid;
            while (fscanf(f, "%d", &pid) == 1) {
                int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
                if (pfd < 0) continue; /* gone already */
                char cg[PATH_MAX], line[PATH_MAX];
                snprintf(cg, sizeof cg, "/proc/%d/cgroup", pid);
                FILE *c = fopen(cg, "re");
                bool ours = false;
                while (c && tail && fgets(line, sizeof line, c)) {
                    size_t n = strcspn(line, "\n");
                    line[n] = '\0';
                    size_t t = strlen(tail);
                    if (n >= t && strcmp(line + n - t, tail) == 0) ours = true;
                }
                if (c) fclose(c);
                if (ours) syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
                close(pfd);
            }
            fclose(f);
        }
        usleep(5000);
    }
}

/* Undoes everything launch created. Safe to call on a partial setup and more than once. */
static void teardown(const launch_t *l) {
    for (int i = l->ncgroups; i-- > 0;) {
        kill_cgroup_procs(l->cgroups[i]);
        for (int tries = 0; tries < 400; tries++) {
            if (rmdir(l->cgroups[i]) == 0 || errno == ENOENT) break;
            if (errno != EBUSY) break;
            usleep(5000); /* exiting tasks leave the cgroup asynchronously */
        }
    }
    unlink(state_path(l, 1, "ctl.sock"));
    unlink(state_path(l, 2, "sandbox.json"));
    unlink(state_path(l, 3, "bwrap.log"));
    unlink(state_path(l, 4, "lock"));
    unlink(state_path(l, 5, "pid"));
    /* written by the Java side for the CLI's fast path (agentbox-client.c) */
    unlink(state_path(l, 1, "exec.defaults"));
    unlink(state_path(l, 1, "init"));
    rmdir(l->state);
}

static int mkdir_parents(const char *dir, mode_t mode) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

/*
 * Takes a free uid range: slot N is free while nobody holds a lock on SLOT_DIR/<its first uid>. The
 * lock's open file description goes to the supervisor (fork shares it) and is released when it
 * exits, however it exits, so a crashed sandbox's range comes back by itself. The search starts at a
 * random slot, so creates do not queue up behind the lowest busy ones. Returns the locked fd or -1.
 */
static int take_uid_slot(launch_t *l) {
    mode_t old_umask = umask(022); /* the shared parent (/run/agentbox) must stay traversable */
    int made = mkdir_parents(l->slot_dir, 0755) < 0 || (mkdir(l->slot_dir, 0755) < 0 && errno != EEXIST) ? -1 : 0;
    umask(old_umask);
    if (made < 0) return -1;
    unsigned start = 0;
    if (getrandom(&start, sizeof start, 0) != sizeof start) start = (unsigned)getpid();
    for (unsigned i = 0; i < l->uid_slots; i++) {
        unsigned slot = (start + i) % l->uid_slots;
        uid_t first = l->uid_base + slot * SLOT_IDS;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%u", l->slot_dir, (unsigned)first);
        int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            l->uid_base = first;
            return fd;
        }
        close(fd);
    }
    errno = EUSERS;
    return -1;
}

/*
 * A user namespace whose ids 0..65535 are the host ids of the slot. Made by a short-lived child
 * (a process cannot map more than its own id into a namespace it created itself; its parent, host
 * root, may write any map). The namespace lives on through the returned fd.
 */
static int make_userns(const launch_t *l) {
    int up[2], down[2];
    if (pipe2(up, O_CLOEXEC) < 0) return -1;
    if (pipe2(down, O_CLOEXEC) < 0) {
        close(up[0]), close(up[1]);
        return -1;
    }
    pid_t h = fork();
    if (h < 0) return -1;
    if (h == 0) {
        close(up[0]);
        close(down[1]); /* so that the parent closing its end is an end of file here */
        char ok = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'x';
        if (write(up[1], &ok, 1) != 1) _exit(1);
        char b;
        while (read(down[0], &b, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    char ok = 0, path[64], map[64];
    int fd = -1, saved = EIO;
    if (read(up[0], &ok, 1) == 1 && ok == 'u') {
        snprintf(map, sizeof map, "0 %u %u\n", (unsigned)l->uid_base, SLOT_IDS);
        snprintf(path, sizeof path, "/proc/%d/uid_map", h);
        if (write_file(path, map) == 0) {
            snprintf(path, sizeof path, "/proc/%d/gid_map", h);
            if (write_file(path, map) == 0) {
                snprintf(path, sizeof path, "/proc/%d/ns/user", h);
                fd = open(path, O_RDONLY | O_CLOEXEC);
            }
        }
        if (fd < 0) saved = errno;
    }
    close(down[1]);
    close(up[0]);
    waitpid(h, NULL, 0);
    if (fd < 0) errno = saved;
    return fd;
}

/*
 * SRC under DST, its files shown with the sandbox's ids (host uid 0 as the sandbox's root, 1000 as
 * its user): an idmapped mount. Where the filesystem cannot idmap, a plain bind (files then show
 * as the overflow id, nobody).
 */
static int stage_idmapped(const char *src, const char *dst, int userns) {
    struct stat st;
    if (stat(src, &st) < 0) return errno == ENOENT ? 0 : -1; /* optional files: bwrap's --ro-bind-try skips them */
    if (S_ISDIR(st.st_mode) ? mkdir(dst, 0755) < 0 : mknod(dst, S_IFREG | 0644, 0) < 0) return -1;
    int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (t >= 0) {
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
        int r = mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
        if (r == 0) r = move_mount(t, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH);
        close(t);
        if (r == 0) return 0;
    }
    return mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
}

/*
 * Called in the child that becomes bwrap, after it has left the host's mount namespace: every mount
 * here lives only in the sandbox's namespaces. Mounted in the host's namespace instead, every
 * sandbox's mount would propagate into every other live sandbox and make each create O(live).
 * bwrap runs as the sandbox's root inside its user namespace, which cannot traverse the state
 * directory's 0700 parents, so what it binds is staged on a small tmpfs at STAGE: the writable
 * part and the idmapped template.
 */
static int setup_stage(const launch_t *l, int userns) {
    umask(022);
    if (mkdir_parents(l->stage, 0755) < 0 || (mkdir(l->stage, 0755) < 0 && errno != EEXIST)) return -1;
    /* bwrap, as the sandbox's root, walks this path without any capability on the host */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", l->stage);
    for (char *slash; (slash = strrchr(parent, '/')) != NULL && slash != parent;) {
        *slash = '\0';
        struct stat st;
        if (stat(parent, &st) == 0 && st.st_uid == 0 && (st.st_mode & 0005) != 0005) chmod(parent, (st.st_mode & 07777) | 0755);
        if (strcmp(parent, "/run") == 0) break;
    }
    if (mount("tmpfs", l->stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0) return -1;
    char rw[PATH_MAX];
    snprintf(rw, sizeof rw, "%s/rw", l->stage);
    if (mkdir(rw, 0755) < 0) return -1;
    char opts[64];
    snprintf(opts, sizeof opts, "size=%lld,mode=0755", l->rw_size);
    /* one tmpfs for the whole writable part, so the disk quota covers every writable place together */
    if (mount("tmpfs", rw, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) return -1;
    static const struct {
        const char *name;
        mode_t mode;
        bool user;
    } dirs[] = {{"workspace", 0755, true}, {"home", 0755, true}, {"tmp", 01777, false}, {"root", 0700, false},
                {"shm", 01777, false}, {"run", 0755, false}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", rw, dirs[i].name);
        if (mkdir(p, dirs[i].mode) < 0 || chmod(p, dirs[i].mode) < 0) return -1;
        /* owned by the host ids that are the sandbox's root and user inside */
        uid_t u = l->uid_base + (dirs[i].user ? l->uid : 0);
        gid_t g = l->uid_base + (dirs[i].user ? l->gid : 0);
        if (chown(p, u, g) < 0) return -1;
    }
    for (int i = 0; i < l->nidmaps; i++) {
        const char *eq = strchr(l->idmaps[i], '=');
        if (!eq || strchr(eq + 1, '/')) {
            errno = EINVAL;
            return -1;
        }
        char src[PATH_MAX], dst[PATH_MAX];
        snprintf(src, sizeof src, "%.*s", (int)(eq - l->idmaps[i]), l->idmaps[i]);
        snprintf(dst, sizeof dst, "%s/%s", l->stage, eq + 1);
        if (stage_idmapped(src, dst, userns) < 0) return -1;
    }
    return mount(NULL, l->stage, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}

/* Becomes the sandbox's root: host ids uid_base+0, all capabilities but only inside the namespace. */
static int enter_userns(int userns) {
    if (setns(userns, CLONE_NEWUSER) < 0) return -1;
    if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) return -1;
    return 0;
}

static int setup_cgroups(const launch_t *l, char *err, size_t errlen) {
    for (int i = 0; i < l->ncgroups; i++) {
        if (mkdir_parents(l->cgroups[i], 0755) < 0 || mkdir(l->cgroups[i], 0755) < 0) {
            snprintf(err, errlen, "cannot create cgroup %s: %s", l->cgroups[i], strerror(errno));
            return -1;
        }
    }
    for (int i = 0; i < l->ncgsets; i++) {
        char file[PATH_MAX];
        const char *eq = strchr(l->cgsets[i], '=');
        if (!eq) continue;
        snprintf(file, sizeof file, "%.*s", (int)(eq - l->cgsets[i]), l->cgsets[i]);
        if (write_file(file, eq + 1) < 0) {
            snprintf(err, errlen, "cannot set %s to %s: %s", file, eq + 1, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int launch_main(int argc, char **argv) {
    launch_t l = {.rw_size = 1LL << 30, .uid = 1000, .gid = 1000, .uid_base = 0x70000000u, .uid_slots = 4000,
                  .slot_dir = "/run/agentbox/uid-slots", .stage = "/run/agentbox/stage"};
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc) die("missing value for %s", a);
        const char *v = argv[++i];
        if (strcmp(a, "--state") == 0) l.state = v;
        else if (strcmp(a, "--cgroup") == 0 && l.ncgroups < 16) l.cgroups[l.ncgroups++] = v;
        else if (strcmp(a, "--cgset") == 0 && l.ncgsets < 64) l.cgsets[l.ncgsets++] = v;
        else if (strcmp(a, "--rw-size") == 0) l.rw_size = atoll(v);
        else if (strcmp(a, "--uid") == 0) l.uid = (uid_t)atoi(v);
        else if (strcmp(a, "--gid") == 0) l.gid = (gid_t)atoi(v);
        else if (strcmp(a, "--uid-base") == 0) l.uid_base = (uid_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--uid-slots") == 0) l.uid_slots = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--slot-dir") == 0) l.slot_dir = v;
        else if (strcmp(a, "--stage") == 0) l.stage = v;
        else if (strcmp(a, "--idmap") == 0 && l.nidmaps < 16) l.idmaps[l.nidmaps++] = v;
        else die("unknown option %s", a);
    }
    if (!l.state || i >= argc) die("usage: agentbox-init launch --state DIR [options] -- BWRAP-ARGV...");
    if (l.uid_slots == 0 || l.uid_base == 0 || (uint64_t)l.uid_base + (uint64_t)l.uid_slots * SLOT_IDS > 0xfffffffeull)
        die("the uid ranges do not fit in the host's ids (base %u, %u slots of %u)", (unsigned)l.uid_base, l.uid_slots, SLOT_IDS);
    l.bwrap = argv + i;
    umask(077);

    if (mkdir(l.state, 0700) < 0) die("cannot create %s: %s", l.state, strerror(errno));
    /* the lock is held for the sandbox's whole life: free lock = dead sandbox, for any process that looks */
    int lock = open(state_path(&l, 4, "lock"), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    /* an open-file-description lock: shared with the supervisor across fork, released when it exits,
       and it conflicts with the POSIX record locks other processes (the JVM's FileChannel.tryLock) probe with */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (lock < 0 || fcntl(lock, F_OFD_SETLK, &fl) < 0) {
        teardown(&l);
        die("cannot lock %s: %s", l.state, strerror(errno));
    }
    int slot = take_uid_slot(&l);
    if (slot < 0) {
        int e = errno;
        teardown(&l);
        if (e == EUSERS) {
            fprintf(stderr, "no free sandbox uid range: all %u ranges of %u host ids from %u are in use by live sandboxes\n",
                    l.uid_slots, SLOT_IDS, (unsigned)l.uid_base);
            return 3;
        }
        die("cannot take a uid range under %s: %s", l.slot_dir, strerror(e));
    }
    char err[PATH_MAX + 256] = "";
    {
        int meta = open(state_path(&l, 2, "sandbox.json"), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
        char tmp[CHUNK];
        ssize_t r;
        while (meta >= 0 && (r = read(0, tmp, sizeof tmp)) > 0)
            if (write_all(meta, tmp, (size_t)r) < 0) break;
        if (meta < 0 || close(meta) < 0) snprintf(err, sizeof err, "cannot write sandbox.json: %s", strerror(errno));
    }
    if (!err[0]) setup_cgroups(&l, err, sizeof err);
    int sock = -1;
    if (!err[0]) {
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        const char *sp = state_path(&l, 1, "ctl.sock");
        if (strlen(sp) >= sizeof addr.sun_path) {
            snprintf(err, sizeof err, "state path too long for a unix socket: %s", sp);
        } else {
            strcpy(addr.sun_path, sp);
            sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(sock, 512) < 0)
                snprintf(err, sizeof err, "cannot create the control socket: %s", strerror(errno));
        }
    }
    int logfd = open(state_path(&l, 3, "bwrap.log"), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    if (!err[0] && logfd < 0) snprintf(err, sizeof err, "cannot create bwrap.log: %s", strerror(errno));
    if (err[0]) {
        teardown(&l);
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    pid_t sup = fork();
    if (sup < 0) {
        teardown(&l);
        die("fork: %s", strerror(errno));
    }
    if (sup == 0) {
        /* supervisor: outlives the launcher and its caller; runs bwrap, then removes every trace */
        setsid();
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        pid_t bw = fork();
        if (bw == 0) {
            char pidbuf[32];
            snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
            for (int c = 0; c < l.ncgroups; c++) {
                char procs_file[PATH_MAX];
                snprintf(procs_file, sizeof procs_file, "%s/cgroup.procs", l.cgroups[c]);
                if (write_file(procs_file, pidbuf) < 0) {
                    dprintf(logfd, "cannot join cgroup %s: %s\n", l.cgroups[c], strerror(errno));
                    _exit(1);
                }
            }
            if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                dprintf(logfd, "cannot create a private mount namespace: %s\n", strerror(errno));
                _exit(1);
            }
            int userns = make_userns(&l);
            if (userns < 0) {
                dprintf(logfd, "cannot create the sandbox's user namespace: %s\n", strerror(errno));
                _exit(1);
            }
            if (setup_stage(&l, userns) < 0) {
                dprintf(logfd, "cannot set up the sandbox's filesystems: %s\n", strerror(errno));
                _exit(1);
            }
            write_file("/proc/self/oom_score_adj", "-1000");
            if (enter_userns(userns) < 0) {
                dprintf(logfd, "cannot enter the sandbox's user namespace: %s\n", strerror(errno));
                _exit(1);
            }
            umask(022); /* the launcher's 077 is for its own state files, not for the sandbox */
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(logfd, 2);
            dup2(sock, 3);
            syscall(SYS_close_range, 4, ~0U, 0);
            char *empty_env[] = {NULL}; /* bwrap's own PID 1 would otherwise keep our environment */
            execve(l.bwrap[0], l.bwrap, empty_env);
            dprintf(2, "cannot run %s: %s\n", l.bwrap[0], strerror(errno));
            _exit(127);
        }
        close(sock);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (bw > 0) {
            for (;;) {
                int st;
                if (waitpid(bw, &st, WNOHANG) == bw) break;
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGTERM) kill(bw, SIGKILL);
            }
        }
        teardown(&l);
        _exit(0);
    }

    /* launcher: record who supervises (the last resort of a kill), then wait until init answers */
    close(sock);
    {
        char pidbuf[32];
        int n = snprintf(pidbuf, sizeof pidbuf, "%d\n", sup);
        int pf = open(state_path(&l, 5, "pid"), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
        if (pf >= 0) {
            write_all(pf, pidbuf, (size_t)n);
            close(pf);
        }
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, state_path(&l, 1, "ctl.sock"));
    int ok = -1;
    int64_t deadline = now_mono_ms() + 15000;
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned char ping[5] = {0, 0, 0, 0, 'P'};
    if (c >= 0 && connect(c, (struct sockaddr *)&addr, sizeof addr) == 0 && write_all(c, ping, 5) == 0) {
        while (now_mono_ms() < deadline) {
            int st;
            if (waitpid(sup, &st, WNOHANG) == sup) break;
            struct pollfd p = {c, POLLIN, 0};
            int r = poll(&p, 1, 20);
            if (r > 0) {
                unsigned char rep[5];
                ok = (read(c, rep, 5) == 5 && rep[4] == 'p') ? 0 : -1;
                break;
            }
        }
    }
    if (c >= 0) close(c);
    if (ok != 0) {
        kill(sup, SIGTERM);
        waitpid(sup, NULL, 0);
        char log[4096] = "";
        ssize_t n = pread(logfd, log, sizeof log - 1, 0);
        if (n > 0) {
            log[n] = '\0';
            char *nl = strchr(log, '\n');
            if (nl) *nl = '\0';
        }
        teardown(&l);
        fprintf(stderr, "sandbox did not start%s%s\n", log[0] ? ": " : "", log);
        return 1;
    }
    printf("ok %d\n", sup);
    return 0;
}

int relay_main(int argc, char **argv);
int client_main(int argc, char **argv);

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "init") == 0) return init_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "killcg") == 0) {
        /* agentbox-init killcg DIR...: what a provider uses to clear the cgroups of a dead supervisor */
        for (int i = 2; i < argc; i++) kill_cgroup_procs(argv[i]);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "launch") == 0) return launch_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "relay") == 0) return relay_main(argc, argv); /* agentbox-relay.c */
    if (argc >= 2 && strcmp(argv[1], "client") == 0) return client_main(argc, argv); /* agentbox-client.c */
    fprintf(stderr, "usage: agentbox-init launch|init ...\n");
    return 2;
}
