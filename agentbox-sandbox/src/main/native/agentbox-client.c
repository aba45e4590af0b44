/*
 * agentbox-init client LAUNCHER HOME sandbox exec [OPTIONS] ID [--] CMD...
 * agentbox-init client LAUNCHER HOME sandbox kill ID
 * agentbox-init client LAUNCHER HOME sandbox ls [--json] [--metadata K=V]...
 * agentbox-init client LAUNCHER HOME sandbox info [--json] ID
 *
 * The fast path of `agentbox sandbox exec` (and `kill`): the launcher hands the command line to this before it
 * starts a JVM, and this speaks the control protocol (documented in agentbox-init.c, served by the same
 * binary) to the sandbox's init directly. A JVM start costs a few hundred milliseconds; this costs one
 * round trip. It handles the common shape only (--timeout, --cwd, --env, --user, --max-output) and
 * hands anything else back to the launcher untouched, before it has done anything: unknown options,
 * a sandbox it cannot reach, one started by another agentbox build. The launcher then runs the JVM,
 * whose answers (errors included) are the reference this path reproduces byte for byte.
 *
 * AGENTBOX_FAST_PATH: unset or "auto" (use it when it applies), "off" (never), "require" (fail with
 * exit 2 instead of handing back: for tests that must know which path ran).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define EXIT_TIMEOUT 124
#define EXIT_KILLED 137
#define EXIT_BROKEN_PIPE (128 + 13)
#define DEFAULT_MAX_OUTPUT (10LL << 20)
#define MAX_FRAME (16u << 20)

static char **orig_argv;
static const char *launcher;

/* Hands the command back to the launcher, which runs the JVM. Only before anything was sent. */
static int fallback(const char *why) {
    const char *mode = getenv("AGENTBOX_FAST_PATH");
    if (mode && strcmp(mode, "require") == 0) {
        fprintf(stderr, "agentbox: fast path not taken: %s\n", why);
        return 2;
    }
    setenv("AGENTBOX_FAST_PATH", "off", 1);
    execv(launcher, orig_argv);
    fprintf(stderr, "agentbox: cannot run %s: %s\n", launcher, strerror(errno));
    return 1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The CLI's syntax (Durations.parse): digits, then ms, s (the default), m or h. -1 if not that. */
static long long parse_duration_ms(const char *s) {
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || *s < '0' || *s > '9' || n > 1000000000LL) return -1;
    if (*end == 0 || strcmp(end, "s") == 0) return n * 1000;
    if (strcmp(end, "ms") == 0) return n;
    if (strcmp(end, "m") == 0) return n * 60000;
    if (strcmp(end, "h") == 0) return n * 3600000;
    return -1;
}

/* Durations.parseSize without the [i]b suffixes: digits, then nothing, k, m, g or t. -1 if not that. */
static long long parse_size(const char *s) {
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || *s < '0' || *s > '9') return -1;
    int shift = 0;
    if (*end) {
        if (end[1]) return -1;
        switch (*end | 0x20) {
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        case 't': shift = 40; break;
        default: return -1;
        }
    }
    if (n > (LLONG_MAX >> shift)) return -1;
    return n << shift;
}

/* A growable request payload of [u8 tag][u32 LE length][bytes] fields. */
typedef struct { char *p; size_t len, cap; } buf_t;

static void put(buf_t *b, const void *d, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void field(buf_t *b, char tag, const char *v, size_t n) {
    unsigned char h[5] = {(unsigned char)tag, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff};
    put(b, h, 5);
    put(b, v, n);
}

static int write_all(int fd, const void *d, size_t n) {
    const char *p = d;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_frame(int fd, char type, const void *d, size_t n) {
    unsigned char h[5] = {n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff, (unsigned char)type};
    return write_all(fd, h, 5) || write_all(fd, d, n) ? -1 : 0;
}

static int read_full(int fd, void *d, size_t n) {
    char *p = d;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One frame into *payload (NUL-terminated); returns its type, or 0 when the connection broke. */
static char recv_frame(int fd, char **payload, size_t *n) {
    unsigned char h[5];
    if (read_full(fd, h, 5)) return 0;
    uint32_t len = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
    if (len > MAX_FRAME) return 0;
    *payload = realloc(*payload, len + 1);
    if (!*payload || read_full(fd, *payload, len)) return 0;
    (*payload)[len] = 0;
    *n = len;
    return (char)h[4];
}

/* The oom_kill counter of the sandbox's memory cgroup (memory.events or memory.oom_control). */
static long long oom_kills(const char *file) {
    if (!file) return 0;
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    char key[64];
    long long v, found = 0;
    while (fscanf(f, "%63s %lld", key, &v) == 2) if (strcmp(key, "oom_kill") == 0) found = v;
    fclose(f);
    return found;
}

/* Durations.format */
static void format_duration(long long ms, char *out, size_t n) {
    if (ms < 1000) snprintf(out, n, "%lldms", ms);
    else if (ms < 60000) {
        long long tenths = (ms + 50) / 100;
        if (tenths % 10 == 0) snprintf(out, n, "%llds", tenths / 10);
        else snprintf(out, n, "%lld.%llds", tenths / 10, tenths % 10);
    } else if (ms < 3600000) {
        long long rest = ms % 60000;
        if (rest >= 1000) snprintf(out, n, "%lldm%llds", ms / 60000, rest / 1000);
        else snprintf(out, n, "%lldm", ms / 60000);
    } else {
        long long rest = ms % 3600000;
        if (rest >= 60000) snprintf(out, n, "%lldh%lldm", ms / 3600000, rest / 60000);
        else snprintf(out, n, "%lldh", ms / 3600000);
    }
}

static void human(long long bytes, char *out, size_t n) {
    if (bytes >= 1LL << 20) snprintf(out, n, "%.1f MiB", bytes / (double)(1LL << 20));
    else if (bytes >= 1LL << 10) snprintf(out, n, "%.1f KiB", bytes / 1024.0);
    else snprintf(out, n, "%lld bytes", bytes);
}

/* Passes a stream's bytes through up to the cap; false when the reader went away. */
static bool pass(int fd, const char *d, size_t n, long long cap, long long *seen) {
    long long room = cap == 0 ? (long long)n : cap - *seen;
    if (room > (long long)n) room = (long long)n;
    *seen += (long long)n;
    return room <= 0 || write_all(fd, d, (size_t)room) == 0;
}

static void report(const char *stream, long long cap, long long seen) {
    if (cap == 0 || seen <= cap) return;
    char a[32], b[32];
    human(cap, a, sizeof a);
    human(seen - cap, b, sizeof b);
    fprintf(stderr, "agentbox: %s truncated at %s (--max-output); %s more dropped, the command ran to its end\n", stream, a, b);
}

/* The exec defaults the Java side writes at create: NUL-separated pairs w WORKDIR, o OOMFILE, u|r K=V. */
typedef struct { char *data; size_t len; const char *workdir, *oom; } defaults_t;

static int read_defaults(const char *dir, defaults_t *d) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/exec.defaults", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (1 << 20)) { close(fd); return -1; }
    d->data = malloc((size_t)st.st_size + 1);
    if (!d->data || read_full(fd, d->data, (size_t)st.st_size)) { close(fd); return -1; }
    close(fd);
    d->len = (size_t)st.st_size;
    d->data[d->len] = 0;
    for (size_t i = 0; i < d->len;) {
        const char *k = d->data + i;
        i += strlen(k) + 1;
        if (i >= d->len) break;
        const char *v = d->data + i;
        i += strlen(v) + 1;
        if (strcmp(k, "w") == 0) d->workdir = v;
        else if (strcmp(k, "o") == 0) d->oom = v;
    }
    return d->workdir ? 0 : -1;
}

/* SandboxPaths.resolve: absolute or relative to the workdir, "." dropped, ".." refused (NULL). */
static char *resolve_cwd(const char *workdir, const char *path) {
    size_t n = strlen(workdir) + strlen(path) + 3;
    char *full = malloc(n), *out = malloc(n);
    if (!full || !out || !*path) return NULL;
    snprintf(full, n, path[0] == '/' ? "%s%s" : "%s/%s", path[0] == '/' ? "" : workdir, path);
    size_t o = 0;
    for (char *save, *part = strtok_r(full, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0) continue;
        if (strcmp(part, "..") == 0) return NULL;
        out[o++] = '/';
        memcpy(out + o, part, strlen(part));
        o += strlen(part);
    }
    if (o == 0) out[o++] = '/';
    out[o] = 0;
    return out;
}

/* Whether an --env field sets the variable of a default K=V (the command's own value wins, as in Java's map). */
static bool overridden(const buf_t *env, const char *kv) {
    size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;
    for (size_t i = 0; i + 5 <= env->len;) {
        const unsigned char *h = (const unsigned char *)env->p + i;
        size_t n = h[1] | h[2] << 8 | h[3] << 16 | (size_t)h[4] << 24;
        if (n >= klen && memcmp(env->p + i + 5, kv, klen) == 0) return true;
        i += 5 + n;
    }
    return false;
}

/* LocalSandboxProvider.dirOf: sbx_ and 8 to 64 of [a-z0-9] */
static bool valid_id(const char *id) {
    size_t n = strlen(id);
    if (strncmp(id, "sbx_", 4) != 0 || n < 4 + 8 || n > 4 + 64) return false;
    for (const char *p = id + 4; *p; p++) if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) return false;
    return true;
}

/* Whether the sandbox's supervisor still holds its lock (LocalSandboxProvider.isAlive), on an open fd. */
static bool locked(int fd) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) return true;
    fl.l_type = F_UNLCK;
    fcntl(fd, F_OFD_SETLK, &fl);
    return false;
}

/*
 * `sandbox kill ID` as LocalSandboxProvider.kill does it: ask init to end (the kernel takes every
 * process with it), then wait for the supervisor to remove the sandbox, which releases its lock.
 * A sandbox with a network (host-side state the JVM removes) or one already dead (the JVM reaps it
 * and reports it) goes to the JVM.
 */
static int kill_sandbox(const char *home, int argc, char **argv) {
    if (argc != 7 || !valid_id(argv[6])) return fallback("a kill the fast path does not serve");
    const char *id = argv[6];
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/net/%s", home, id);
    if (lstat(path, &st) == 0) return fallback("the sandbox has a network");
    snprintf(path, sizeof path, "%s/sandboxes/%s/lock", home, id);
    int lock = open(path, O_WRONLY | O_CLOEXEC);
    if (lock < 0 || !locked(lock)) return fallback("the sandbox is not running");
    snprintf(path, sizeof path, "%s/sandboxes/%s/ctl.sock", home, id);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) return fallback("a socket path too long");
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return fallback("the sandbox does not answer");
    send_frame(fd, 'Q', "", 0);
    /* the supervisor's cleanup takes a few milliseconds */
    for (long long end = now_ms() + 10000, pause = 100; now_ms() < end; pause = pause < 2000 ? pause + 100 : 2000) {
        if (!locked(lock)) return 0;
        usleep((useconds_t)pause);
    }
    /* a supervisor that did not finish: the JVM's kill takes it down the hard way */
    setenv("AGENTBOX_FAST_PATH", "off", 1);
    execv(launcher, orig_argv);
    return 1;
}


/* A whole small file into *out (NUL-terminated); -1 when absent or too big. */
static int slurp(const char *path, char **out, size_t *n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) || st.st_size > (4 << 20)) { close(fd); return -1; }
    char *d = malloc((size_t)st.st_size + 1);
    if (!d || read_full(fd, d, (size_t)st.st_size)) { close(fd); free(d); return -1; }
    close(fd);
    d[st.st_size] = 0;
    *out = d;
    *n = (size_t)st.st_size;
    return 0;
}

static uint64_t fnv(uint64_t h, const char *d, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)d[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/*
 * cli.view, written by the JVM (FastView.java): what `info` and `ls` print for one sandbox, formatted
 * by the CLI's own code. Only the "in 4m58s" of the deadline and the widths of ls's columns are made here.
 */
enum { V_VERSION, V_HASH, V_CREATED, V_EXPIRES, V_ASCII, V_JSON, V_INFO_HEAD, V_INFO_TAIL, V_ID, V_TEMPLATE, V_NETWORK, V_META, V_PAIRS };
#define VIEW_VERSION "agentbox-view 1"
typedef struct { char *data; const char *f[V_PAIRS]; const char **pairs; int npairs; } view_t;

/* 0: loaded; 1: a warm-pool sandbox nobody took yet (invisible); -1: hand the command to the JVM. */
static int load_view(const char *home, const char *id, view_t *v) {
    char path[PATH_MAX], *state = NULL, *net = NULL;
    size_t n, nn;
    if (!valid_id(id)) return -1;
    snprintf(path, sizeof path, "%s/sandboxes/%s/lock", home, id);
    int lock = open(path, O_WRONLY | O_CLOEXEC);
    if (lock < 0) return -1;
    bool alive = locked(lock);
    close(lock);
    if (!alive) return -1; /* the JVM reaps what died */
    snprintf(path, sizeof path, "%s/sandboxes/%s/sandbox.json", home, id);
    if (slurp(path, &state, &n)) return -1;
    /* SandboxState's last field: Jackson writes the record's fields in order */
    static const char visible[] = ",\"pool\":null}";
    size_t vl = sizeof visible - 1;
    if (n < vl || memcmp(state + n - vl, visible, vl) != 0) {
        /* or ,"pool":"PID@START"} (the owner has no quotes): waiting in a warm pool; anything else goes to the JVM */
        char *last = NULL;
        for (char *p = state; (p = strstr(p, ",\"pool\":\"")); p++) last = p;
        int r = last && n > 2 && state[n - 1] == '}' && strchr(last + 9, '"') == state + n - 2 ? 1 : -1;
        free(state);
        return r;
    }
    uint64_t h = fnv(0xcbf29ce484222325ULL, state, n);
    free(state);
    snprintf(path, sizeof path, "%s/sandboxes/%s/network.json", home, id);
    if (slurp(path, &net, &nn) == 0) {
        h = fnv(fnv(h, "\n", 1), net, nn);
        free(net);
    } else if (errno != ENOENT) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/sandboxes/%s/cli.view", home, id);
    if (slurp(path, &v->data, &n)) return -1;
    int nf = 0;
    for (size_t i = 0; i < n; i++) if (v->data[i] == 0) nf++;
    if (nf < V_PAIRS || (nf - V_PAIRS) % 2 || v->data[n - 1] != 0) return -1;
    v->pairs = malloc(sizeof(char *) * (size_t)(nf - V_PAIRS + 1));
    if (!v->pairs) return -1;
    const char *p = v->data;
    for (int k = 0; k < nf; k++, p += strlen(p) + 1) {
        if (k < V_PAIRS) v->f[k] = p;
        else v->pairs[k - V_PAIRS] = p;
    }
    v->npairs = (nf - V_PAIRS) / 2;
    char hex[17];
    snprintf(hex, sizeof hex, "%llx", (unsigned long long)h);
    if (strcmp(v->f[V_VERSION], VIEW_VERSION) || strcmp(v->f[V_HASH], hex) || strcmp(v->f[V_ASCII], "1") || strcmp(v->f[V_ID], id)) return -1;
    return 0;
}

/* SandboxView.expiresIn: "in " and Durations.format of whole seconds (of milliseconds under one), or "expired" */
static void expires_in(const char *expires_ns, char *out, size_t n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long left = strtoll(expires_ns, NULL, 10) - ((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    if (left <= 0) {
        snprintf(out, n, "expired");
        return;
    }
    char d[32];
    format_duration(left < 1000000000LL ? left / 1000000 : left / 1000000000LL * 1000, d, sizeof d);
    snprintf(out, n, "in %s", d);
}

static bool printable(const char *s) {
    for (; *s; s++) if (*s < 0x20 || *s > 0x7e) return false;
    return true;
}

static int info_sandbox(const char *home, int argc, char **argv) {
    const char *id = NULL;
    bool json = false;
    for (int i = 6; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (argv[i][0] == '-' || id) return fallback("an info the fast path does not serve");
        else id = argv[i];
    }
    view_t v = {0};
    if (!id || load_view(home, id, &v)) return fallback("a sandbox without a current record");
    if (json) {
        printf("%s\n", v.f[V_JSON]);
    } else {
        char in[48];
        expires_in(v.f[V_EXPIRES], in, sizeof in);
        printf("%s%s%s", v.f[V_INFO_HEAD], in, v.f[V_INFO_TAIL]);
    }
    return fflush(stdout) ? 1 : 0;
}

static int by_created(const void *a, const void *b) {
    const view_t *x = a, *y = b;
    int c = strcmp(x->f[V_CREATED], y->f[V_CREATED]);
    return c ? c : strcmp(x->f[V_ID], y->f[V_ID]);
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const char *const *)a)[0], ((const char *const *)b)[0]);
}

static int ls_sandboxes(const char *home, int argc, char **argv) {
    bool json = false;
    int nq = 0;
    const char **query = calloc((size_t)argc * 2, sizeof(char *)); /* key, value pairs; a repeated key: the last wins */
    if (!query) return fallback("out of memory");
    for (int i = 6; i < argc; i++) {
        const char *kv = NULL;
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (strncmp(argv[i], "--metadata=", 11) == 0) kv = argv[i] + 11;
        else if (strcmp(argv[i], "--metadata") == 0 && i + 1 < argc) kv = argv[++i];
        else return fallback("an ls the fast path does not serve");
        if (!kv) continue;
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv || !printable(kv)) return fallback("a --metadata the fast path does not parse");
        char *k = strndup(kv, (size_t)(eq - kv));
        int at = nq;
        for (int q = 0; q < nq; q++) if (strcmp(query[2 * q], k) == 0) at = q;
        query[2 * at] = k;
        query[2 * at + 1] = eq + 1;
        if (at == nq) nq++;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/sandboxes", home);
    DIR *d = opendir(path);
    if (!d) return fallback("no sandboxes directory");
    size_t nv = 0, cap = 16;
    view_t *views = malloc(cap * sizeof *views);
    for (struct dirent *e; views && (e = readdir(d));) {
        if (strncmp(e->d_name, "sbx_", 4) != 0) continue;
        if (nv == cap) views = realloc(views, (cap *= 2) * sizeof *views);
        if (!views) break;
        view_t *v = &views[nv];
        memset(v, 0, sizeof *v);
        int r = load_view(home, e->d_name, v);
        if (r < 0) return fallback("a sandbox without a current record");
        if (r > 0) continue;
        bool match = true;
        for (int q = 0; q < nq && match; q++) {
            match = false;
            for (int k = 0; k < v->npairs; k++) {
                if (strcmp(v->pairs[2 * k], query[2 * q]) == 0) match = strcmp(v->pairs[2 * k + 1], query[2 * q + 1]) == 0;
            }
        }
        if (match) nv++;
    }
    closedir(d);
    if (!views) return fallback("out of memory");
    qsort(views, nv, sizeof *views, by_created);
    if (json) {
        putchar('[');
        for (size_t k = 0; k < nv; k++) printf("%s%s", k ? "," : "", views[k].f[V_JSON]);
        printf("]\n");
        return fflush(stdout) ? 1 : 0;
    }
    if (nv == 0) {
        /* SandboxView.metadataText of the query */
        qsort(query, (size_t)nq, 2 * sizeof(char *), by_key);
        fprintf(stderr, "no live sandboxes%s", nq ? " with " : "");
        for (int q = 0; q < nq; q++) fprintf(stderr, "%s%s=%s", q ? "," : "", query[2 * q], query[2 * q + 1]);
        fputc('\n', stderr);
        return 0;
    }
    /* Table.print: columns two blanks apart, the last one unpadded, no trailing blanks */
    const char *header[5] = {"ID", "TEMPLATE", "EXPIRES", "NETWORK", "METADATA"};
    char (*expires)[48] = malloc(nv * sizeof *expires);
    if (!expires) return 1;
    size_t w[5];
    for (int c = 0; c < 5; c++) w[c] = strlen(header[c]);
    for (size_t k = 0; k < nv; k++) {
        expires_in(views[k].f[V_EXPIRES], expires[k], sizeof expires[k]);
        const char *cells[5] = {views[k].f[V_ID], views[k].f[V_TEMPLATE], expires[k], views[k].f[V_NETWORK], views[k].f[V_META]};
        for (int c = 0; c < 5; c++) if (strlen(cells[c]) > w[c]) w[c] = strlen(cells[c]);
    }
    char *line = malloc(w[0] + w[1] + w[2] + w[3] + w[4] + 16);
    if (!line) return 1;
    for (size_t k = 0; k <= nv; k++) {
        const char *cells[5] = {header[0], header[1], header[2], header[3], header[4]};
        if (k > 0) {
            const view_t *v = &views[k - 1];
            const char *row[5] = {v->f[V_ID], v->f[V_TEMPLATE], expires[k - 1], v->f[V_NETWORK], v->f[V_META]};
            memcpy(cells, row, sizeof cells);
        }
        size_t o = 0;
        for (int c = 0; c < 5; c++) o += (size_t)sprintf(line + o, "%-*s", c < 4 ? (int)(w[c] + 2) : 0, cells[c]);
        while (o > 0 && line[o - 1] == ' ') o--;
        line[o] = 0;
        puts(line);
    }
    return fflush(stdout) ? 1 : 0;
}

int client_main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[4], "sandbox") != 0 || (strcmp(argv[5], "exec") != 0 && strcmp(argv[5], "kill") != 0
            && strcmp(argv[5], "ls") != 0 && strcmp(argv[5], "info") != 0)) {
        fprintf(stderr, "usage: agentbox-init client LAUNCHER HOME sandbox exec|kill|ls|info ...\n");
        return 2;
    }
    launcher = argv[2];
    const char *home = argv[3];
    orig_argv = argv + 3;
    orig_argv[0] = (char *)launcher; /* execv(launcher, [launcher, sandbox, exec, ...]) */
    const char *mode = getenv("AGENTBOX_FAST_PATH");
    if (mode && strcmp(mode, "off") == 0) return fallback("off");
    /* AgentboxCommand: a blank AGENTBOX_PROVIDER is the local one */
    const char *provider = getenv("AGENTBOX_PROVIDER");
    if (provider && provider[strspn(provider, " \t\r\n\f\v")] && strcmp(provider, "local") != 0) return fallback("another provider");
    if (strcmp(argv[5], "kill") == 0) return kill_sandbox(home, argc, argv);
    if (strcmp(argv[5], "ls") == 0) return ls_sandboxes(home, argc, argv);
    if (strcmp(argv[5], "info") == 0) return info_sandbox(home, argc, argv);

    long long timeout_ms = -1, max_output = DEFAULT_MAX_OUTPUT;
    const char *cwd = NULL, *user = "user", *id = NULL;
    buf_t env = {0};
    int i = 6;
    for (; i < argc; i++) {
        char *a = argv[i], *v = NULL;
        if (a[0] != '-' || strcmp(a, "-") == 0) break;
        if (strcmp(a, "--") == 0) return fallback("-- before the sandbox id");
        char *eq = strchr(a, '=');
        char name[32];
        if (a[1] == '-' && eq) {
            if ((size_t)(eq - a) >= sizeof name) return fallback("an option the fast path does not know");
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = 0;
            v = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
            if (i + 1 >= argc) return fallback("an option without its value");
            v = argv[++i];
        }
        if (strcmp(name, "--timeout") == 0) {
            if ((timeout_ms = parse_duration_ms(v)) <= 0) return fallback("a duration the fast path does not parse");
        } else if (strcmp(name, "--max-output") == 0) {
            if ((max_output = parse_size(v)) < 0) return fallback("a size the fast path does not parse");
        } else if (strcmp(name, "--cwd") == 0) {
            cwd = v;
        } else if (strcmp(name, "--user") == 0) {
            if (strcmp(v, "user") != 0 && strcmp(v, "root") != 0) return fallback("a user the fast path does not know");
            user = v;
        } else if (strcmp(name, "--env") == 0) {
            const char *e = strchr(v, '=');
            if (!e || e == v) return fallback("an --env without K=V");
            field(&env, 'e', v, strlen(v));
        } else {
            return fallback("an option the fast path does not know");
        }
    }
    if (i >= argc || !valid_id(argv[i])) return fallback("no sandbox id it knows the shape of");
    id = argv[i++];
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) return fallback("no command");

    char dir[PATH_MAX], sock[PATH_MAX], self[PATH_MAX], init[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/sandboxes/%s", home, id);
    /* the same binary launched the sandbox, so both ends speak the same protocol */
    snprintf(sock, sizeof sock, "%s/init", dir);
    ssize_t a = readlink("/proc/self/exe", self, sizeof self - 1);
    if (a <= 0 || !realpath(sock, init)) return fallback("the sandbox's init is unknown");
    self[a] = 0;
    if (strcmp(self, init) != 0) return fallback("the sandbox was started by another agentbox build");
    defaults_t d = {0};
    if (read_defaults(dir, &d)) return fallback("the sandbox has no exec defaults");
    char *workdir = cwd ? resolve_cwd(d.workdir, cwd) : (char *)d.workdir;
    if (!workdir) return fallback("a working directory the fast path does not resolve");

    snprintf(sock, sizeof sock, "%s/ctl.sock", dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sock) >= sizeof sa.sun_path) return fallback("a socket path too long");
    strcpy(sa.sun_path, sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return fallback("the sandbox does not answer");

    /* the request: argv, the environment (sandbox defaults for the user, then --env), cwd, user, timeout */
    buf_t req = {0};
    for (int k = i; k < argc; k++) field(&req, 'a', argv[k], strlen(argv[k]));
    char want = strcmp(user, "root") == 0 ? 'r' : 'u';
    for (size_t k = 0; k < d.len;) {
        const char *key = d.data + k;
        k += strlen(key) + 1;
        if (k >= d.len) break;
        const char *val = d.data + k;
        k += strlen(val) + 1;
        if (key[0] == want && key[1] == 0 && !overridden(&env, val)) field(&req, 'e', val, strlen(val));
    }
    if (env.len) put(&req, env.p, env.len);
    field(&req, 'c', workdir, strlen(workdir));
    field(&req, 'u', user, strlen(user));
    if (timeout_ms >= 0) {
        char t[32];
        snprintf(t, sizeof t, "%lld", timeout_ms < 1 ? 1 : timeout_ms);
        field(&req, 't', t, strlen(t));
    }

    signal(SIGPIPE, SIG_IGN);
    long long oom_before = oom_kills(d.oom), start = now_ms();
    char *payload = NULL;
    size_t n = 0;
    if (send_frame(fd, 'X', req.p, req.len)) return fallback("the sandbox does not answer");
    char t = recv_frame(fd, &payload, &n);
    if (t != 's') return fallback("the sandbox refused the command");
    /* from here on the command runs: there is no going back to the JVM */

    bool forward = !isatty(0), stdin_open = forward;
    if (!forward && send_frame(fd, 'I', "", 0)) return EXIT_KILLED;
    long long seen[2] = {0, 0};
    char buf[65536];
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return EXIT_KILLED;
        }
        if (p[1].revents) {
            ssize_t r = read(0, buf, sizeof buf);
            if (r > 0) {
                if (send_frame(fd, 'i', buf, (size_t)r)) return EXIT_KILLED;
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false;
                if (send_frame(fd, 'I', "", 0)) return EXIT_KILLED;
            }
        }
        if (!p[0].revents) continue;
        t = recv_frame(fd, &payload, &n);
        if (t == 'o' || t == 'e') {
            int w = t == 'o' ? 0 : 1;
            /* the reader went away (`| head`): closing the connection ends the command, as SIGPIPE would */
            if (!pass(w + 1, payload, n, max_output, &seen[w])) return EXIT_BROKEN_PIPE;
            continue;
        }
        if (t != 'x') {
            fprintf(stderr, "agentbox: sandbox %s: %s\n", id, t == 'E' ? payload : "the connection to the sandbox broke");
            return 1;
        }
        break;
    }
    long long elapsed = now_ms() - start;
    int code = 0;
    char reason[32] = "";
    sscanf(payload, "%d %*d %31s", &code, reason);
    bool oom = oom_kills(d.oom) > oom_before;
    report("stdout", max_output, seen[0]);
    report("stderr", max_output, seen[1]);
    if (strcmp(reason, "timeout") == 0) {
        char dur[32];
        format_duration(elapsed, dur, sizeof dur);
        fprintf(stderr, "killed: timeout after %s\n", dur);
        return EXIT_TIMEOUT;
    }
    if (strcmp(reason, "killed") == 0) {
        fprintf(stderr, "killed: on request\n");
        return EXIT_KILLED;
    }
    if ((strcmp(reason, "signaled") == 0 || code != 0) && oom) {
        fprintf(stderr, "killed: out of memory (the sandbox's memory limit was reached)\n");
        return EXIT_KILLED;
    }
    return code;
}
