/* The file API: every path resolved inside the sandbox's root, every access made with the caller's ids. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agentbox-init.h"

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

void handle_file_op(int ci, char op, fields_t *fs) {
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

void file_write_chunk(client_t *c, const char *data, size_t n) {
    if (c->write_errno) return;
    if (write_all(c->file_fd, data, n) < 0) c->write_errno = errno;
}

void file_write_end(client_t *c) {
    if (!c->write_errno && close(c->file_fd) < 0) c->write_errno = errno;
    else if (c->write_errno) close(c->file_fd);
    c->file_fd = -1;
    c->mode = C_IDLE;
    if (c->write_errno) send_errno(c, c->write_errno, "write", NULL);
    else send_text(c, 'z', "");
}

void pump_file_reads(client_t *c) {
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
