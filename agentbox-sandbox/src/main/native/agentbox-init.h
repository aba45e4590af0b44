/*
 * What the parts of agentbox-init share (the program and its wire protocol are described at the top
 * of agentbox-init.c). One binary, one file per role:
 *   agentbox-init.c   entry point and PID 1's event loop: clients of the control socket, request dispatch
 *   init-protocol.c   buffers, frames, request fields, replies, JSON strings, small utilities
 *   init-confine.c    what a command keeps: capabilities, securebits and the seccomp filter
 *   init-commands.c   commands: start, pipes, history of background commands, attach, list, reap
 *   init-files.c      the file API, confined to the sandbox's root and the caller's ids
 *   init-launch.c     host side: launch, supervise, tear down, kill a cgroup
 *   init-userns.c     host side: the uid slot, the user namespace and the staged filesystems
 *   agentbox-client.c, agentbox-relay.c: the `client` and `relay` commands of the same binary
 */
#ifndef AGENTBOX_INIT_H
#define AGENTBOX_INIT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_PAYLOAD (16u << 20)
#define CHUNK (64u << 10)
#define CLIENT_HIGH_WATER (1u << 20) /* stop reading a command's pipes while its client lags this much */
#define HISTORY_CAP (1u << 20)       /* output kept per stream of a detached background command */
#define MAX_ENDED 64                 /* ended processes remembered for list/attach */

/* ------------------------------------------------------------------ protocol (init-protocol.c) */

typedef struct {
    char *p;
    size_t off, len, cap;
} buf_t;

static inline size_t buf_avail(const buf_t *b) { return b->len - b->off; }

void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *d, size_t n);
void buf_consume(buf_t *b, size_t n);
void buf_free(buf_t *b);
void buf_frame(buf_t *b, char type, const void *payload, size_t n);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_json_str(buf_t *b, const char *s);

typedef struct {
    char tag;
    const char *val; /* NUL-terminated copy inside the request */
} field_t;

typedef struct {
    field_t f[4096];
    int n;
} fields_t;

int parse_fields(char *p, size_t n, fields_t *out);
const char *field(const fields_t *fs, char tag);

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int64_t now_mono_ms(void);
int64_t now_real_ms(void);
int write_file(const char *path, const char *data);
int write_all(int fd, const void *data, size_t n);

/* ------------------------------------------------------------------ init: state (agentbox-init.c) */

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

extern client_t *clients;
extern int nclients;
extern proc_t *procs;
extern int nprocs, capprocs;
extern uid_t sb_uid;
extern gid_t sb_gid;
extern uint64_t root_caps; /* what commands as root keep (template builds only); 0 = nothing */

void set_nonblock(int fd);
void send_frame(client_t *c, char type, const void *p, size_t n);
void send_text(client_t *c, char type, const char *s);
void send_errno(client_t *c, int err, const char *what, const char *path);

/* ------------------------------------------------------------------ init: commands (init-commands.c, init-confine.c) */

void close_fd(int *fd);
void pump(proc_t *p, int which);
void flush_stdin(proc_t *p);
void kill_proc(proc_t *p);
void detach_client_from_proc(int ci);
void forget_ended_procs(void);
void reap_children(void);
int find_proc(pid_t pid);
void handle_exec(int ci, fields_t *fs);
void handle_attach(int ci, fields_t *fs);
void handle_list(client_t *c);

void drop_all_caps_and_become(bool root);
int install_seccomp(void);

/* ------------------------------------------------------------------ init: files (init-files.c) */

void handle_file_op(int ci, char op, fields_t *fs);
void file_write_chunk(client_t *c, const char *data, size_t n);
void file_write_end(client_t *c);
void pump_file_reads(client_t *c);

/* ------------------------------------------------------------------ host side (init-launch.c, init-userns.c) */

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

int launch_main(int argc, char **argv);
void kill_cgroup_procs(const char *dir);
int mkdir_parents(const char *dir, mode_t mode);
int take_uid_slot(launch_t *l);
int make_userns(const launch_t *l);
int setup_stage(const launch_t *l, int userns);
int enter_userns(int userns);

/* the binary's other commands */
int relay_main(int argc, char **argv);
int client_main(int argc, char **argv);

#endif
