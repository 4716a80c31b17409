/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Small helpers shared by every module: cleanup attributes, logging,
 * growable byte buffers, file reading and the value escaping used by the
 * state, snapshot and journal files.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand a pointer (or fd) out of a cleanup-guarded local. */
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _p_ = (p);                                                                    \
                (p) = NULL;                                                                                 \
                _p_;                                                                                        \
        })
#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd_ = (fd);                                                                            \
                (fd) = -1;                                                                                  \
                _fd_;                                                                                       \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
}

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

static inline bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Where @suffix starts in @s, or NULL when @s does not end with it. */
static inline const char *endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix) ? s + a - b : NULL;
}

static inline const char *strempty(const char *s) {
        return s ? s : "";
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* Logging: stderr, one line per message, "PROGRAM: LEVEL: text". */
enum { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_program(const char *name);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_internal(int level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_internal(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Log and return the (negative) error, so callers can "return log_error_errno(r, ...)". */
#define log_error_errno(r, ...)                                                                             \
        ({                                                                                                  \
                int _r_ = (r);                                                                              \
                log_error(__VA_ARGS__);                                                                     \
                _r_ < 0 ? _r_ : -_r_;                                                                       \
        })

/* A growable byte buffer; always NUL-terminated after the first append. */
typedef struct Buf {
        char *data;
        size_t len;
        size_t cap;
} Buf;

void buf_done(Buf *b);
int buf_append(Buf *b, const void *p, size_t n);
int buf_puts(Buf *b, const char *s);
int buf_printf(Buf *b, const char *fmt, ...) _printf_(2, 3);
/* Hand over the data as a NUL-terminated string (never NULL on success). */
char *buf_steal(Buf *b);

/*
 * Read a whole file below dirfd (AT_FDCWD for plain paths), following links
 * (for /proc and /sys). Returns 0 or -errno. kvmigrate's own files use
 * read_regular_at().
 */
int read_full_fd(int fd, char **ret, size_t *ret_size);
int read_full_at(int dirfd, const char *path, char **ret, size_t *ret_size);
/* read_full_fd(), or -EFBIG as soon as more than @max bytes were read. */
int read_full_fd_capped(int fd, size_t max, char **ret, size_t *ret_size);
/*
 * fd_check_regular() - fstat() @fd: 0 (and the stat in @ret, which may be
 * NULL) for a regular file, -EISDIR for a folder, -EBADFD for anything else.
 */
int fd_check_regular(int fd, struct stat *ret);

/**
 * openat_beneath() - open @path below the folder @dirfd with no link
 * anywhere on the way (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
 * or component by component with O_NOFOLLOW on older kernels).
 * @path: relative, no "." or ".." component
 * Return: a file descriptor; -EXDEV for a path that is not plain, -ELOOP
 * (or -ENOTDIR) for a link on the way, another negative errno.
 */
int openat_beneath(int dirfd, const char *path, int flags, mode_t mode);

/**
 * read_regular_at() - read the regular file @path below @dirfd, resolved as
 * openat_beneath() does. Opened with O_NONBLOCK and checked with fstat()
 * before reading, so a FIFO or device never blocks.
 * Return: 0; -ENOENT; -EISDIR for a folder; -EBADFD for another file that
 * is not regular; -ELOOP, -ENOTDIR, -EXDEV as openat_beneath(); another
 * negative errno. Not logged (see file_strerror()).
 */
int read_regular_at(int dirfd, const char *path, char **ret, size_t *ret_size);

/*
 * Whether @path is absolute and normalized: "/a/b", not "/", no "", "." or
 * ".." component, no trailing '/', no control character. Such a path names
 * a place inside the root it is taken below.
 */
bool path_is_normalized_absolute(const char *path);

/* A message for the errors of read_regular_at() and friends, for "PATH: cannot read: %s". */
const char *file_strerror(int r);
/* Like read_full_at, but only the first line, without its newline. */
int read_line_at(int dirfd, const char *path, char **ret);
int write_all(int fd, const void *p, size_t n);

/*
 * Escape a value so that it holds no whitespace, '=' or backslash
 * (each becomes \xHH), and back. The state, snapshot and journal files are
 * lines of "key=value" words, readable by plain shell tools.
 */
char *value_escape(const char *s);
char *value_unescape(const char *s);

/*
 * udev's encoding of a name in /dev/disk/by-label/ (and ID_FS_LABEL_ENC):
 * blanks, '/', '\\' and bytes outside printable ASCII as \xHH. Newly
 * allocated, NULL when out of memory.
 */
char *udev_encode_string(const char *s);

/*
 * Split one "key=value key=value" line into its words. *ret is a NULL
 * terminated vector of pairs: key0, value0, key1, value1, ...; values are
 * unescaped. A word without '=' is a key with an empty value.
 */
int words_parse(const char *line, char ***ret);
const char *words_get(char **words, const char *key);
void strv_free(char **v);
static inline void strv_freep(char ***v) {
        strv_free(*v);
}
size_t strv_length(char **v);
bool strv_contains(char *const *v, const char *s);
int strv_push(char ***v, size_t *n, char *s);

char *strdup_or_null(const char *s);
int strdup_to(char **dst, const char *s);

/* Current realtime clock in microseconds, the unit of every timestamp here. */
unsigned long long now_usec(void);
/* The monotonic clock in microseconds, for timeouts. */
unsigned long long monotonic_usec(void);

/* "@dir/@name" ("/name" for the root folder). Newly allocated, NULL when out of memory. */
char *path_join(const char *dir, const char *name);

/* The value of a hex digit, or -EINVAL. */
int unhexchar(char c);

/*
 * Append " @key=@value" (@sep, then the word) with @value escaped by
 * value_escape(): the writing side of words_parse(). Nothing for a NULL
 * value. Return 0 or -ENOMEM.
 */
int buf_put_word(Buf *b, const char *sep, const char *key, const char *value);

/**
 * write_file_atomic_at() - replace @path below @dirfd with @size bytes of
 * @data: temporary file in the same folder (made anew with O_EXCL), fsync,
 * rename over, fsync of the folder. Mode @mode. Below @dirfd (a relative
 * @path) no link is followed on the way (the folder is opened with
 * openat_beneath()); an absolute @path is the caller's own host path, taken
 * as it is. A link at @path itself is replaced, not followed. For kvmigrate's own files (state, snapshot);
 * the guest's files go through apply, which also keeps owner and label.
 * Return: 0; -EXDEV, -ELOOP, -ENOTDIR as openat_beneath(); -EISDIR when
 * @path is a folder; another negative errno.
 */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t size, unsigned mode);

/*
 * mkdir -p of @path below @dirfd with @mode for the folders it makes, one
 * component at a time with O_NOFOLLOW: a link on the way is refused (an
 * absolute @path, the caller's own host path, is taken as it is).
 * Return 0; -ENOTDIR (or -ELOOP) when something on the way is not a folder;
 * -EEXIST when the last component is a file; -EXDEV for "." or ".."; -errno.
 */
int mkdir_p_at(int dirfd, const char *path, unsigned mode);

/* fsync the folder that holds @path below @dirfd (no link followed for a relative @path). Return 0 or
 * -errno. */
int fsync_parent_at(int dirfd, const char *path);

/* One line of a text: @p points into the text, @len excludes the newline. */
typedef struct Line {
        const char *p;
        size_t len;
        bool newline; /* false for a last line without one */
        unsigned number; /* 1-based */
} Line;

/* The next line of @data from *@pos on; false at the end. Start with *pos = 0, ret->number = 0. */
bool line_next(const char *data, size_t size, size_t *pos, Line *ret);

/* Whether the line is blank or a '#' comment (after leading blanks). */
bool line_is_comment_or_blank(const Line *l);
