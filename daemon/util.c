/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

static const char *log_program = "kvmigrate";
static int log_max_level = LOG_LEVEL_INFO;

void log_set_program(const char *name) {
        log_program = name;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_internal(int level, const char *fmt, ...) {
        static const char *const prefix[] = {
                [LOG_LEVEL_ERROR] = "error: ",
                [LOG_LEVEL_WARNING] = "warning: ",
                [LOG_LEVEL_INFO] = "",
                [LOG_LEVEL_DEBUG] = "debug: ",
        };
        va_list ap;
        int saved = errno;

        if (level > log_max_level)
                return;

        /* Keep the order of messages and of what the program printed before them. */
        fflush(stdout);
        fprintf(stderr, "%s: %s", log_program, prefix[level]);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved;
}

void buf_done(Buf *b) {
        free(b->data);
        *b = (Buf){};
}

int buf_append(Buf *b, const void *p, size_t n) {
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                char *d;

                while (cap < b->len + n + 1)
                        cap *= 2;
                d = realloc(b->data, cap);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = cap;
        }
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
        return 0;
}

int buf_puts(Buf *b, const char *s) {
        return buf_append(b, s, strlen(s));
}

int buf_printf(Buf *b, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0) {
                s = NULL;
                return -ENOMEM;
        }
        return buf_append(b, s, (size_t) n);
}

char *buf_steal(Buf *b) {
        char *d;

        if (!b->data && buf_append(b, "", 0) < 0)
                return NULL;
        d = b->data;
        *b = (Buf){};
        return d;
}

int read_full_fd(int fd, char **ret, size_t *ret_size) {
        Buf b = {};
        char chunk[16384];

        for (;;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        buf_done(&b);
                        return -errno;
                }
                if (n == 0)
                        break;
                if (buf_append(&b, chunk, (size_t) n) < 0) {
                        buf_done(&b);
                        return -ENOMEM;
                }
        }
        if (ret_size)
                *ret_size = b.len;
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int read_full_at(int dirfd, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, ret, ret_size);
}

int read_line_at(int dirfd, const char *path, char **ret) {
        char *s;
        int r;

        r = read_full_at(dirfd, path, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = s;
        return 0;
}

int write_all(int fd, const void *p, size_t n) {
        const char *c = p;

        while (n > 0) {
                ssize_t k = write(fd, c, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

static bool value_needs_escape(unsigned char c) {
        return c <= ' ' || c == '=' || c == '\\' || c == '"' || c == '\'' || c >= 0x7f;
}

char *value_escape(const char *s) {
        Buf b = {};

        for (const unsigned char *p = (const unsigned char *) strempty(s); *p; p++) {
                int r = value_needs_escape(*p) ? buf_printf(&b, "\\x%02x", *p) : buf_append(&b, p, 1);
                if (r < 0) {
                        buf_done(&b);
                        return NULL;
                }
        }
        return buf_steal(&b);
}

char *value_unescape(const char *s) {
        Buf b = {};

        for (const char *p = s; *p; p++) {
                char c = *p;
                if (p[0] == '\\' && p[1] == 'x' && unhexchar(p[2]) >= 0 && unhexchar(p[3]) >= 0) {
                        c = (char) (unhexchar(p[2]) << 4 | unhexchar(p[3]));
                        p += 3;
                }
                if (buf_append(&b, &c, 1) < 0) {
                        buf_done(&b);
                        return NULL;
                }
        }
        return buf_steal(&b);
}

void strv_free(char **v) {
        if (!v)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}

size_t strv_length(char **v) {
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

int strv_push(char ***v, size_t *n, char *s) {
        char **nv;

        if (!s)
                return -ENOMEM;
        nv = realloc(*v, sizeof(char *) * (*n + 2));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

int words_parse(const char *line, char ***ret) {
        _cleanup_(strv_freep) char **v = NULL;
        size_t n = 0;
        const char *p = line;
        int r;

        for (;;) {
                _cleanup_free_ char *word = NULL;
                const char *eq;
                size_t len;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                len = strcspn(p, " \t\n");
                word = strndup(p, len);
                if (!word)
                        return -ENOMEM;
                p += len;

                eq = strchr(word, '=');
                if (eq) {
                        r = strv_push(&v, &n, strndup(word, (size_t) (eq - word)));
                        if (r < 0)
                                return r;
                        r = strv_push(&v, &n, value_unescape(eq + 1));
                } else {
                        r = strv_push(&v, &n, strdup(word));
                        if (r < 0)
                                return r;
                        r = strv_push(&v, &n, strdup(""));
                }
                if (r < 0)
                        return r;
        }
        if (!v) {
                v = calloc(1, sizeof(char *));
                if (!v)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

const char *words_get(char **words, const char *key) {
        for (char **w = words; w && w[0] && w[1]; w += 2)
                if (streq(w[0], key))
                        return w[1];
        return NULL;
}

char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

int strdup_to(char **dst, const char *s) {
        char *d = NULL;

        if (s) {
                d = strdup(s);
                if (!d)
                        return -ENOMEM;
        }
        free(*dst);
        *dst = d;
        return 0;
}

unsigned long long now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000ULL;
}

int mkdir_p_at(int dirfd, const char *path, unsigned mode) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (isempty(path))
                return -ENOENT;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool end = *s == 0;
                if (*s != '/' && !end)
                        continue;
                *s = 0;
                if (mkdirat(dirfd, p, mode) < 0) {
                        if (errno != EEXIST)
                                return -errno;
                        if (fstatat(dirfd, p, &st, 0) < 0)
                                return -errno;
                        if (!S_ISDIR(st.st_mode))
                                return end ? -EEXIST : -ENOTDIR;
                }
                if (end)
                        break;
                *s = '/';
        }
        return 0;
}

int fsync_parent_at(int dirfd, const char *path) {
        _cleanup_close_ int fd = -1;
        const char *slash = strrchr(path, '/');
        char dir[PATH_MAX];

        if (!slash)
                strcpy(dir, ".");
        else if (slash == path)
                strcpy(dir, "/");
        else if ((size_t) (slash - path) < sizeof dir)
                snprintf(dir, sizeof dir, "%.*s", (int) (slash - path), path);
        else
                return -ENAMETOOLONG;
        fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t size, unsigned mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (asprintf(&tmp, "%s.kvmigrate-tmp", path) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        return fsync_parent_at(dirfd, path);
}

bool line_next(const char *data, size_t size, size_t *pos, Line *ret) {
        const char *nl;

        if (*pos >= size)
                return false;
        ret->p = data + *pos;
        nl = memchr(ret->p, '\n', size - *pos);
        ret->len = nl ? (size_t) (nl - ret->p) : size - *pos;
        ret->newline = nl != NULL;
        ret->number++;
        *pos += ret->len + (nl ? 1 : 0);
        return true;
}

bool line_is_comment_or_blank(const Line *l) {
        size_t i = 0;

        while (i < l->len && (l->p[i] == ' ' || l->p[i] == '\t' || l->p[i] == '\r'))
                i++;
        return i == l->len || l->p[i] == '#';
}

int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

bool strv_contains(char *const *v, const char *s) {
        for (; v && *v; v++)
                if (streq(*v, s))
                        return true;
        return false;
}

unsigned long long monotonic_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000ULL;
}

char *path_join(const char *dir, const char *name) {
        char *p;

        return asprintf(&p, "%s/%s", streq(dir, "/") ? "" : dir, name) < 0 ? NULL : p;
}

int buf_put_word(Buf *b, const char *sep, const char *key, const char *value) {
        _cleanup_free_ char *e = NULL;

        if (!value)
                return 0;
        e = value_escape(value);
        if (!e)
                return -ENOMEM;
        return buf_printf(b, "%s%s=%s", sep, key, e);
}

char *udev_encode_string(const char *s) {
        Buf b = {};

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                int r = (*p > ' ' && *p < 0x7f && *p != '/' && *p != '\\') ? buf_append(&b, p, 1)
                                                                           : buf_printf(&b, "\\x%02x", *p);
                if (r < 0) {
                        buf_done(&b);
                        return NULL;
                }
        }
        return buf_steal(&b);
}
