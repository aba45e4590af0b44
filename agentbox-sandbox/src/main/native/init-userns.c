/* Host side: the sandbox's uid range, its user namespace and the filesystems bwrap binds from. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentbox-init.h"

int mkdir_parents(const char *dir, mode_t mode) {
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
int take_uid_slot(launch_t *l) {
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
int make_userns(const launch_t *l) {
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
int setup_stage(const launch_t *l, int userns) {
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
int enter_userns(int userns) {
    if (setns(userns, CLONE_NEWUSER) < 0) return -1;
    if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) return -1;
    return 0;
}
