/* Host side: launch a sandbox, supervise it, and undo everything when it ends. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentbox-init.h"

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
void kill_cgroup_procs(const char *dir) {
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
    unlink(state_path(l, 1, "cli.view"));
    rmdir(l->state);
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

int launch_main(int argc, char **argv) {
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
