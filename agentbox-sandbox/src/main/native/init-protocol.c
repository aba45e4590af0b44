/* Buffers, frames and request fields of the control protocol, the replies to a client, and small utilities. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentbox-init.h"

/* ------------------------------------------------------------------ small utilities */

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("agentbox-init: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

int64_t now_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = strlen(data);
    ssize_t w = write(fd, data, n);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == (ssize_t)n ? 0 : -1;
}

int write_all(int fd, const void *data, size_t n) {
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

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void buf_reserve(buf_t *b, size_t extra) {
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

void buf_append(buf_t *b, const void *d, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

void buf_consume(buf_t *b, size_t n) {
    b->off += n;
    if (b->off == b->len) b->off = b->len = 0;
}

void buf_free(buf_t *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

void buf_frame(buf_t *b, char type, const void *payload, size_t n) {
    unsigned char h[5] = {(unsigned char)(n & 0xff), (unsigned char)((n >> 8) & 0xff),
                          (unsigned char)((n >> 16) & 0xff), (unsigned char)((n >> 24) & 0xff), (unsigned char)type};
    buf_append(b, h, 5);
    if (n) buf_append(b, payload, n);
}

void buf_printf(buf_t *b, const char *fmt, ...) {
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
void buf_json_str(buf_t *b, const char *s) {
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

/* Splits a request payload into fields; values are NUL-terminated in place (payload has slack). */
int parse_fields(char *p, size_t n, fields_t *out) {
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

const char *field(const fields_t *fs, char tag) {
    for (int i = 0; i < fs->n; i++)
        if (fs->f[i].tag == tag) return fs->f[i].val;
    return NULL;
}

void send_frame(client_t *c, char type, const void *p, size_t n) { buf_frame(&c->out, type, p, n); }

void send_text(client_t *c, char type, const char *s) { send_frame(c, type, s, strlen(s)); }

void send_errno(client_t *c, int err, const char *what, const char *path) {
    char msg[PATH_MAX + 256];
    const char *name = strerrorname_np(err);
    snprintf(msg, sizeof msg, "%s %s: %s%s%s", name ? name : "EIO", what, strerror(err), path ? ": " : "",
             path ? path : "");
    send_text(c, 'E', msg);
}
