/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

int read_full_fd_capped(int fd, size_t max, char **ret, size_t *ret_size) {
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
                /* A size fstat() gave may be stale (a file still growing): count what is read. */
                if ((size_t) n > max - b.len) {
                        buf_done(&b);
                        return -EFBIG;
                }
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

int read_full_fd(int fd, char **ret, size_t *ret_size) {
        return read_full_fd_capped(fd, SIZE_MAX, ret, ret_size);
}

int fd_check_regular(int fd, struct stat *ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (ret)
                *ret = st;
        return 0;
}

int read_full_at(int dirfd, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, ret, ret_size);
}

/* Whether @path is relative and has no "." or ".." component (doubled and trailing slashes are fine). */
static bool path_is_plain_relative(const char *path) {
        const char *p = path;

        if (isempty(path) || path[0] == '/')
                return false;
        for (;;) {
                size_t len = strcspn(p, "/");
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += len;
                if (!*p)
                        return true;
                p++;
        }
}

int openat_beneath(int dirfd, const char *path, int flags, mode_t mode) {
        struct open_how how = {
                .flags = (unsigned) (flags | O_CLOEXEC | O_NOFOLLOW),
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = -1;
        const char *p = path;
        int r;

        if (!path_is_plain_relative(path))
                return -EXDEV;
        r = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (r >= 0)
                return r;
        if (errno != ENOSYS)
                return -errno;
        /* Kernels before 5.6: one component at a time, none of them a link. */
        for (;;) {
                _cleanup_free_ char *comp = NULL;
                size_t len;
                int at = fd >= 0 ? fd : dirfd;

                len = strcspn(p, "/");
                comp = strndup(p, len);
                if (!comp)
                        return -ENOMEM;
                p += len;
                p += strspn(p, "/");
                if (!*p) {
                        r = openat(at, comp, flags | O_CLOEXEC | O_NOFOLLOW, mode);
                        return r < 0 ? -errno : r;
                }
                r = openat(at, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (r < 0)
                        return -errno;
                closep(&fd);
                fd = r;
        }
}

int read_regular_at(int dirfd, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        int r;

        /* O_NONBLOCK: a FIFO must not hang us before the type check. */
        fd = openat_beneath(dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0)
                return fd;
        r = fd_check_regular(fd, NULL);
        if (r < 0)
                return r;
        return read_full_fd(fd, ret, ret_size);
}

bool path_is_normalized_absolute(const char *path) {
        if (isempty(path) || path[0] != '/' || streq(path, "/") || strstr(path, "//") || endswith(path, "/"))
                return false;
        for (const unsigned char *c = (const unsigned char *) path; *c; c++)
                if (*c < ' ' || *c == 0x7f)
                        return false;
        return path_is_plain_relative(path + 1);
}

const char *file_strerror(int r) {
        switch (r) {
        case -ELOOP:
                return "a symbolic link on the way (refused: links are not followed here)";
        case -EXDEV:
                return "the path leads out of its folder (refused)";
        case -EBADFD:
                return "not a regular file (a FIFO, socket or device; refused)";
        case -EISDIR:
                return "a folder where a file belongs";
        case -ENOTDIR:
                return "not a folder (or a link to one; refused)";
        default:
                return strerror(-r);
        }
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
        _cleanup_close_ int fd = -1;
        bool follow = !isempty(path) && path[0] == '/';
        const char *p = path;

        if (isempty(path))
                return -ENOENT;
        if (!follow && !path_is_plain_relative(path))
                return -EXDEV;
        if (follow) {
                fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
        }
        /* One component at a time through descriptors: below @dirfd, nothing on the way may be a link. */
        for (;;) {
                _cleanup_free_ char *comp = NULL;
                int at = fd >= 0 ? fd : dirfd, nfd;
                size_t len;

                p += strspn(p, "/");
                if (!*p)
                        return 0;
                len = strcspn(p, "/");
                comp = strndup(p, len);
                if (!comp)
                        return -ENOMEM;
                p += len;
                if (mkdirat(at, comp, mode) < 0 && errno != EEXIST)
                        return -errno;
                nfd = openat(at, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
                if (nfd < 0) {
                        struct stat st;
                        if (errno == ENOTDIR && !p[strspn(p, "/")] &&
                                fstatat(at, comp, &st, AT_SYMLINK_NOFOLLOW) >= 0 && !S_ISLNK(st.st_mode))
                                return -EEXIST;
                        return -errno;
                }
                closep(&fd);
                fd = nfd;
        }
}

/*
 * Open the folder of @path below @dirfd and point @ret_name at the last
 * component: no link on the way for a relative @path; an absolute one is
 * the caller's own path on the host, taken as it is.
 */
static int open_parent_beneath(int dirfd, const char *path, const char **ret_name) {
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(path, '/');
        int fd;

        if (isempty(path) || (path[0] != '/' && !path_is_plain_relative(path)))
                return -EXDEV;
        if (slash && !slash[1])
                return -EISDIR;
        *ret_name = slash ? slash + 1 : path;
        if (!slash) {
                fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
                return fd < 0 ? -errno : fd;
        }
        dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        if (path[0] == '/') {
                fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        return openat_beneath(dirfd, dir, O_RDONLY | O_DIRECTORY, 0);
}

int fsync_parent_at(int dirfd, const char *path) {
        _cleanup_close_ int fd = -1;
        const char *name;

        fd = open_parent_beneath(dirfd, path, &name);
        if (fd < 0)
                return fd;
        return fsync(fd) < 0 ? -errno : 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t size, unsigned mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int pfd = -1, fd = -1;
        const char *name;
        int r;

        pfd = open_parent_beneath(dirfd, path, &name);
        if (pfd < 0)
                return pfd;
        if (asprintf(&tmp, "%s.kvmigrate-tmp", name) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        /* A leftover of a crash (or anything planted there) goes; O_EXCL then opens only a new file. */
        (void) unlinkat(pfd, tmp, 0);
        fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(pfd, tmp, pfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(pfd, tmp, 0);
                return r;
        }
        return fsync(pfd) < 0 ? -errno : 0;
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
