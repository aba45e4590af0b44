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
 *
 * This file is the entry point and PID 1's event loop; agentbox-init.h lists the other files, one per role.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentbox-init.h"

/* ------------------------------------------------------------------ init: state */

client_t *clients;
int nclients;
static int capclients;
proc_t *procs;
int nprocs, capprocs;
static int listen_fd = 3;
static int sig_fd = -1;
static int64_t sandbox_deadline;
uid_t sb_uid = 1000;
gid_t sb_gid = 1000;
uint64_t root_caps;

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
