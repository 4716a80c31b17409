/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "root.h"
#include "util.h"

#define CHASE_MAX_LINKS 40

const char *root_rel(const char *canonical) {
        while (*canonical == '/')
                canonical++;
        return *canonical ? canonical : ".";
}

/* Pop the last component of "/a/b" in place; "/" stays "/". */
static void path_pop(char *p) {
        char *slash = strrchr(p, '/');

        if (slash)
                *(slash == p ? slash + 1 : slash) = 0;
}

int root_chase(int rootfd, const char *path, ChaseFlags flags, char **ret) {
        _cleanup_free_ char *todo = NULL;
        Buf done = {};
        unsigned links = 0;
        int r;

        todo = strdup(path);
        if (!todo)
                return -ENOMEM;
        r = buf_puts(&done, "/");
        if (r < 0)
                return r; /* cppcheck-suppress memleak ; todo is freed by its cleanup attribute */

        for (;;) {
                _cleanup_free_ char *comp = NULL, *candidate = NULL, *target = NULL;
                char *p = todo + strspn(todo, "/");
                size_t len = strcspn(p, "/");
                bool last;
                ssize_t n;

                if (len == 0)
                        break;
                comp = strndup(p, len);
                if (!comp) {
                        r = -ENOMEM;
                        goto fail;
                }
                memmove(todo, p + len, strlen(p + len) + 1);
                last = todo[strspn(todo, "/")] == 0;

                if (streq(comp, ".") || streq(comp, "..")) {
                        /* Like the kernel: "file/." and "file/.." are not folders. */
                        struct stat st;
                        if (fstatat(rootfd, root_rel(done.data), &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                                !S_ISDIR(st.st_mode)) {
                                r = -ENOTDIR;
                                goto fail;
                        }
                }
                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        path_pop(done.data);
                        done.len = strlen(done.data);
                        continue;
                }

                if (asprintf(&candidate, "%s%s%s", done.data, done.len > 1 ? "/" : "", comp) < 0) {
                        candidate = NULL;
                        r = -ENOMEM;
                        goto fail;
                }

                if (last && (flags & CHASE_NOFOLLOW_LAST))
                        n = -1, errno = EINVAL;
                else {
                        target = malloc(PATH_MAX);
                        if (!target) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        n = readlinkat(rootfd, root_rel(candidate), target, PATH_MAX - 1);
                }
                if (n < 0) {
                        if (errno == ENOENT && !last) {
                                r = -ENOENT;
                                goto fail;
                        }
                        if (errno != EINVAL && errno != ENOENT) {
                                r = -errno;
                                goto fail;
                        }
                        /* Not a link (or the missing last component): take it as it is. */
                        if (!last && errno == EINVAL) {
                                struct stat st;
                                if (fstatat(rootfd, root_rel(candidate), &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                                        !S_ISDIR(st.st_mode)) {
                                        r = -ENOTDIR;
                                        goto fail;
                                }
                        }
                        buf_done(&done);
                        r = buf_puts(&done, candidate);
                        if (r < 0)
                                goto fail;
                        continue;
                }

                if (++links > CHASE_MAX_LINKS) {
                        r = -ELOOP;
                        goto fail;
                }
                target[n] = 0;
                if (target[0] == '/') {
                        buf_done(&done);
                        r = buf_puts(&done, "/");
                        if (r < 0)
                                goto fail;
                }
                {
                        _cleanup_free_ char *rest = NULL;
                        if (asprintf(&rest, "%s/%s", target, todo) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        free(todo);
                        todo = TAKE_PTR(rest);
                }
        }

        *ret = buf_steal(&done);
        return *ret ? 0 : -ENOMEM;
fail:
        buf_done(&done);
        return r;
}

/* Make the missing folder @canonical (its parent exists and is canonical). */
static int mkdir_in_parent(int rootfd, const char *canonical, mode_t mode) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -1;
        const char *slash = strrchr(canonical, '/');

        parent = slash == canonical ? strdup("/") : strndup(canonical, (size_t) (slash - canonical));
        if (!parent)
                return -ENOMEM;
        pfd = root_open(rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
        if (pfd < 0)
                return pfd;
        if (mkdirat(pfd, slash + 1, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int root_mkdir_p(int rootfd, const char *path, mode_t mode) {
        _cleanup_free_ char *done = strdup("/");
        const char *p = path;

        if (!done)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *next = NULL, *canonical = NULL;
                _cleanup_close_ int fd = -1;
                size_t len;
                int r;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 0)
                        return 0;
                if (asprintf(&next, "%s/%.*s", done, (int) len, p) < 0)
                        return -ENOMEM;
                p += len;

                r = root_chase(rootfd, next, 0, &canonical);
                if (r < 0)
                        return r;
                fd = root_open(rootfd, canonical, O_RDONLY | O_DIRECTORY, 0);
                if (fd == -ENOENT) {
                        r = mkdir_in_parent(rootfd, canonical, mode);
                        if (r < 0)
                                return r;
                        fd = root_open(rootfd, canonical, O_RDONLY | O_DIRECTORY, 0);
                }
                if (fd < 0)
                        return fd;
                free(done);
                done = TAKE_PTR(canonical);
        }
}

int root_open_dir(int rootfd, const char *path, bool create) {
        if (create) {
                int r = root_mkdir_p(rootfd, path, 0755);
                if (r < 0)
                        return r;
        }
        return root_chase_open(rootfd, path, O_RDONLY | O_DIRECTORY, NULL);
}

int root_chase_open(int rootfd, const char *path, int flags, char **ret_canonical) {
        _cleanup_free_ char *canonical = NULL;
        int fd, r;

        r = root_chase(rootfd, path, 0, &canonical);
        if (r < 0)
                return r;
        fd = root_open(rootfd, canonical, flags, 0);
        if (fd >= 0 && ret_canonical)
                *ret_canonical = TAKE_PTR(canonical);
        return fd;
}

int root_open(int rootfd, const char *path, int flags, mode_t mode) {
        struct open_how how = {
                .flags = (unsigned) (flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        fd = (int) syscall(SYS_openat2, rootfd, root_rel(path), &how, sizeof how);
        if (fd >= 0)
                return fd;
        if (errno != ENOSYS)
                return -errno;
        /* Kernels before 5.6: the path is canonical already, refuse a link at its end at least. */
        fd = openat(rootfd, root_rel(path), flags | O_CLOEXEC | O_NOFOLLOW, mode);
        return fd < 0 ? -errno : fd;
}

int root_read_file(int rootfd, const char *path, char **ret_canonical, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *canonical = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        /* O_NONBLOCK: a FIFO must not hang us before the type check. */
        fd = root_chase_open(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, &canonical);
        if (fd < 0)
                return fd;
        r = fd_check_regular(fd, &st);
        if (r < 0)
                return r;
        r = st.st_size > (off_t) ROOT_FILE_MAX ? -EFBIG
                                               : read_full_fd_capped(fd, ROOT_FILE_MAX, ret_data, ret_size);
        if (r == -EFBIG)
                return log_error_errno(r,
                        "%s: more than %u MiB; no configuration file is that big, refusing it", canonical,
                        ROOT_FILE_MAX >> 20);
        if (r < 0)
                return r;
        if (ret_canonical)
                *ret_canonical = TAKE_PTR(canonical);
        return 0;
}

static int compare_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int root_list_dir(int rootfd, const char *path, bool missing_ok, char ***ret) {
        _cleanup_free_ char *canonical = NULL;
        _cleanup_(strv_freep) char **v = NULL;
        _cleanup_close_ int fd = -1;
        DIR *d;
        size_t n = 0;
        int r;

        r = root_chase(rootfd, path, 0, &canonical);
        if (r >= 0) {
                fd = root_open(rootfd, canonical, O_RDONLY | O_DIRECTORY, 0);
                r = fd < 0 ? fd : 0;
        }
        if (r == -ENOENT && missing_ok) {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;

        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = strv_push(&v, &n, strdup(de->d_name));
                if (r < 0) {
                        closedir(d);
                        return r;
                }
        }
        closedir(d);
        if (!v) {
                v = calloc(1, sizeof(char *));
                if (!v)
                        return -ENOMEM;
        }
        qsort(v, n, sizeof(char *), compare_str);
        *ret = TAKE_PTR(v);
        return 0;
}

int root_list_paths(int rootfd, const char *dir, bool (*want)(const char *name), char ***ret) {
        _cleanup_(strv_freep) char **names = NULL, **paths = NULL;
        size_t n = 0;
        int r;

        r = root_list_dir(rootfd, dir, true, &names);
        if (r < 0 && r != -ENOTDIR)
                return r;
        for (char **name = names; name && *name; name++) {
                if (!want(*name))
                        continue;
                r = strv_push(&paths, &n, path_join(dir, *name));
                if (r < 0)
                        return r;
        }
        if (!paths && !(paths = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(paths);
        return 0;
}

bool root_is_masked(int rootfd, const char *path) {
        _cleanup_free_ char *canonical = NULL;

        return root_chase(rootfd, path, 0, &canonical) >= 0 && streq(canonical, "/dev/null");
}

mode_t root_entry_type(int rootfd, const char *path) {
        struct stat st;

        return fstatat(rootfd, root_rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0 ? 0 : st.st_mode & S_IFMT;
}
