/* Commands: started with their pipes, followed to their end, kept with a bounded history while nobody watches. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentbox-init.h"

void close_fd(int *fd) {
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
void pump(proc_t *p, int which) {
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

void kill_proc(proc_t *p) {
    if (p->exited) return;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
}

void detach_client_from_proc(int ci) {
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

void forget_ended_procs(void) {
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

void reap_children(void) {
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

int find_proc(pid_t pid) {
    for (int i = 0; i < nprocs; i++)
        if (procs[i].pid == pid) return i;
    return -1;
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

void handle_exec(int ci, fields_t *fs) {
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

void handle_attach(int ci, fields_t *fs) {
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

void handle_list(client_t *c) {
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

void flush_stdin(proc_t *p) {
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
