/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "apply.h"
#include "root.h"
#include "state.h"
#include "util.h"

/* Below the state folder, /var/lib/kvmigrate, which is always reached through a descriptor. */
#define BACKUP_DIR "backup"
#define BACKUP_MANIFEST BACKUP_DIR "/manifest"
#define JOURNAL_DIR "journal"
#define JOURNAL_PLAN JOURNAL_DIR "/plan"
#define JOURNAL_DONE JOURNAL_DIR "/done"
#define SELINUX_XATTR "security.selinux"

/* The kind named @s; -EINVAL for a missing or unknown one (a record never defaults to "absent"). */
static int file_kind_from_string(const char *s, FileKind *ret) {
        static const FileKind kinds[] = { FILE_ABSENT, FILE_REGULAR, FILE_SYMLINK };

        for (size_t i = 0; s && i < ELEMENTSOF(kinds); i++)
                if (streq(s, file_kind_to_string(kinds[i]))) {
                        *ret = kinds[i];
                        return 0;
                }
        return -EINVAL;
}

/* Digits only (no sign, no blank), in base @base, at most @max. */
static int parse_unsigned(const char *s, unsigned base, unsigned long long max, unsigned long long *ret) {
        unsigned long long v;
        char *end;

        if (isempty(s) || strspn(s, base == 8 ? "01234567" : "0123456789") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, (int) base);
        if (errno != 0 || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Log "/var/lib/kvmigrate/FILE:LINE: what" (@what escaped as the record's values are) and return -EBADMSG.
 */
static int record_invalid(const char *file, unsigned line, const char *what, const char *value) {
        _cleanup_free_ char *e = value ? value_escape(value) : NULL;

        if (value && !e)
                return -ENOMEM;
        log_error("/%s/%s:%u: %s%s%s%s; nothing was changed", STATE_DIR, file, line, what, e ? " \"" : "",
                strempty(e), e ? "\"" : "");
        return -EBADMSG;
}

/* Whether @r says a file of the state folder is not what kvmigrate wrote: a link, a folder, a FIFO, "..". */
static bool is_damage(int r) {
        return r == -ELOOP || r == -ENOTDIR || r == -EISDIR || r == -EBADFD || r == -EXDEV;
}

/* The error of reading kvmigrate's own @file below the state folder, logged with its path. */
static int state_file_error(const char *file, int r) {
        return log_error_errno(r, "/%s/%s: cannot read: %s", STATE_DIR, file, file_strerror(r));
}

/* Split canonical "/a/b/c" into its folder "/a/b" and name "c". */
static int split_path(const char *path, char **ret_dir, const char **ret_name) {
        const char *slash = strrchr(path, '/');

        if (!slash || !slash[1])
                return -EINVAL;
        *ret_dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        *ret_name = slash + 1;
        return *ret_dir ? 0 : -ENOMEM;
}

static int open_parent(int rootfd, const char *path, bool create, const char **ret_name) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = split_path(path, &dir, ret_name);
        if (r < 0)
                return r;
        if (create) {
                r = root_mkdir_p(rootfd, dir, 0755);
                if (r < 0)
                        return r;
        }
        return root_open(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
}

int read_file_content(int rootfd, const char *path, FileContent *ret) {
        _cleanup_close_ int dfd = -1;
        const char *name;
        struct stat st;
        int r;

        *ret = (FileContent){ .kind = FILE_ABSENT };
        dfd = open_parent(rootfd, path, false, &name);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;

        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
                if (n < 0)
                        return -errno;
                ret->data = strndup(target, (size_t) n);
                if (!ret->data)
                        return -ENOMEM;
                ret->kind = FILE_SYMLINK;
                ret->size = (size_t) n;
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        r = read_regular_at(dfd, name, &ret->data, &ret->size);
        if (r < 0)
                return r;
        ret->kind = FILE_REGULAR;
        return 0;
}

/*
 * The extended attributes a replaced file keeps: its SELinux label and the
 * user's own (user.*). A rename puts a new inode in place, so whatever the
 * old one carried is copied over, and recorded in the manifest for rollback.
 * Others (trusted.*, security.capability, ACLs) are not carried.
 */
static bool xattr_is_kept(const char *name) {
        return streq(name, SELINUX_XATTR) || (startswith(name, "user.") && name[strlen("user.")]);
}

typedef struct Xattr {
        char *name;
        char *value;
        size_t size;
} Xattr;

static void xattrs_free(Xattr *x, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(x[i].name);
                free(x[i].value);
        }
        free(x);
}

/* The value of attribute @name of @fd; -ENODATA when it has none. */
static int xattr_get(int fd, const char *name, char **ret, size_t *ret_size) {
        for (;;) {
                _cleanup_free_ char *v = NULL;
                ssize_t n = fgetxattr(fd, name, NULL, 0);

                if (n < 0)
                        return -errno;
                v = malloc((size_t) n + 1);
                if (!v)
                        return -ENOMEM;
                n = fgetxattr(fd, name, v, (size_t) n);
                if (n < 0 && errno == ERANGE)
                        continue; /* it grew meanwhile */
                if (n < 0)
                        return -errno;
                *ret = TAKE_PTR(v);
                *ret_size = (size_t) n;
                return 0;
        }
}

/* The kept attributes of @fd (none where the filesystem has no xattrs). */
static int xattrs_read(int fd, Xattr **ret, size_t *ret_n) {
        _cleanup_free_ char *names = NULL;
        Xattr *x = NULL;
        size_t n = 0;
        ssize_t len;
        int r = 0;

        *ret = NULL;
        *ret_n = 0;
        for (;;) {
                len = flistxattr(fd, NULL, 0);
                if (len < 0)
                        return errno == EOPNOTSUPP ? 0 : -errno;
                if (len == 0)
                        return 0;
                free(names);
                names = malloc((size_t) len);
                if (!names)
                        return -ENOMEM;
                len = flistxattr(fd, names, (size_t) len);
                if (len >= 0)
                        break;
                if (errno != ERANGE)
                        return -errno;
        }
        for (const char *p = names; p < names + len && r >= 0; p += strlen(p) + 1) {
                Xattr *nx;

                if (!xattr_is_kept(p))
                        continue;
                nx = realloc(x, sizeof(Xattr) * (n + 1));
                if (!nx) {
                        r = -ENOMEM;
                        break;
                }
                x = nx;
                x[n] = (Xattr){ .name = strdup(p) };
                if (!x[n].name) {
                        r = -ENOMEM;
                        break;
                }
                r = xattr_get(fd, p, &x[n].value, &x[n].size);
                if (r == -ENODATA) { /* removed meanwhile */
                        free(x[n].name);
                        r = 0;
                        continue;
                }
                n++;
        }
        if (r < 0) {
                xattrs_free(x, n);
                return r;
        }
        *ret = x;
        *ret_n = n;
        return 0;
}

/* Set @x on @fd, where the filesystem allows: one without xattrs (or without that namespace) is skipped. */
static int xattrs_write(int fd, const Xattr *x, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (fsetxattr(fd, x[i].name, x[i].value, x[i].size, 0) < 0) {
                        if (errno != EOPNOTSUPP)
                                return -errno;
                        log_debug("%s cannot be kept here: %m, ignoring", x[i].name);
                }
        return 0;
}

/* Keep what the old file had: mode, owner, SELinux label, user.* attributes. A new file gets 0644 root. */
static int copy_attributes(int dfd, const char *name, int tmpfd) {
        _cleanup_close_ int fd = -1;
        Xattr *x = NULL;
        size_t n = 0;
        struct stat st;
        int r;

        /* A new file, or one that replaces a link or something else: 0644, root's. */
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return fchmod(tmpfd, 0644) < 0 ? -errno : 0;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (fchown(tmpfd, st.st_uid, st.st_gid) < 0)
                return -errno;
        if (fchmod(tmpfd, st.st_mode & 07777) < 0)
                return -errno;
        r = xattrs_read(fd, &x, &n);
        if (r >= 0)
                r = xattrs_write(tmpfd, x, n);
        xattrs_free(x, n);
        return r;
}

/* The SELinux label of @name in @dfd onto @tmpfd, where there is one. */
static int copy_label(int dfd, const char *name, int tmpfd) {
        _cleanup_close_ int fd =
                openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *label = NULL;
        Xattr x = { .name = (char *) SELINUX_XATTR };
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                xattr_get(fd, SELINUX_XATTR, &label, &x.size) < 0)
                return 0;
        x.value = label;
        return xattrs_write(tmpfd, &x, 1);
}

/* What rollback puts back: the original's mode, owner and kept attributes, as the manifest recorded them. */
typedef struct Attributes {
        const struct stat *st;
        const Xattr *xattrs;
        size_t n_xattrs;
} Attributes;

static int set_attributes(int dfd, const char *name, int tmpfd, const Attributes *a) {
        if (fchown(tmpfd, a->st->st_uid, a->st->st_gid) < 0 || fchmod(tmpfd, a->st->st_mode & 07777) < 0)
                return -errno;
        /* A manifest of an older version records no attributes: the label apply carried over is kept. */
        if (a->n_xattrs == 0)
                return copy_label(dfd, name, tmpfd);
        return xattrs_write(tmpfd, a->xattrs, a->n_xattrs);
}

/*
 * Put @c at canonical @path: regular files and links through a temporary
 * name beside it and a rename, absence by unlinking. @a, when given,
 * overrides the attributes (rollback restores recorded ones); else the
 * replaced file's are kept. @ret_changed tells whether @path changed: it
 * does at the rename (or unlink), so a failed fsync of the folder after it
 * returns an error with *@ret_changed true.
 */
static int put_content(
        int rootfd, const char *path, const FileContent *c, const Attributes *a, bool *ret_changed) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *tmp = NULL;
        const char *name;
        int r;

        *ret_changed = false;
        dfd = open_parent(rootfd, path, c->kind != FILE_ABSENT, &name);
        if (dfd < 0)
                return dfd == -ENOENT && c->kind == FILE_ABSENT ? 0 : dfd;

        if (c->kind == FILE_ABSENT) {
                if (unlinkat(dfd, name, 0) >= 0)
                        *ret_changed = true;
                else if (errno != ENOENT)
                        return -errno;
                return fsync(dfd) < 0 ? -errno : 0;
        }

        if (asprintf(&tmp, ".#%s.kvmigrate", name) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        (void) unlinkat(dfd, tmp, 0);

        if (c->kind == FILE_SYMLINK) {
                if (symlinkat(c->data, dfd, tmp) < 0)
                        return -errno;
        } else {
                _cleanup_close_ int fd =
                        openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

                if (fd < 0)
                        return -errno;
                r = write_all(fd, c->data, c->size);
                if (r >= 0)
                        r = a ? set_attributes(dfd, name, fd, a) : copy_attributes(dfd, name, fd);
                if (r >= 0 && fsync(fd) < 0)
                        r = -errno;
                if (r < 0) {
                        (void) unlinkat(dfd, tmp, 0);
                        return r;
                }
        }
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = -errno;
                (void) unlinkat(dfd, tmp, 0);
                return r;
        }
        *ret_changed = true;
        return fsync(dfd) < 0 ? -errno : 0;
}

typedef struct BackupEntry {
        char *path;
        FileKind kind;
        struct stat st; /* mode, uid, gid of the original */
        Xattr *xattrs; /* its kept extended attributes (a regular file's) */
        size_t n_xattrs;
} BackupEntry;

/*
 * The manifest, backup/manifest: one line per record.
 *   file path=P kind=K mode=M uid=U gid=G   the original of P
 *   xattr path=P name=N value=HEX           an extended attribute of that original
 *   dir path=D                              a folder apply made (it was missing before):
 *                                           rollback removes it again if it is empty
 * Manifests of versions before "xattr" and "dir" have "file" lines only.
 */
typedef struct Manifest {
        BackupEntry *entries;
        size_t n;
        char **dirs;
        size_t n_dirs;
} Manifest;

static void manifest_done(Manifest *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->entries[i].path);
                xattrs_free(m->entries[i].xattrs, m->entries[i].n_xattrs);
        }
        free(m->entries);
        strv_free(m->dirs);
        *m = (Manifest){};
}

static BackupEntry *manifest_find(const Manifest *m, const char *path) {
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->entries[i].path, path))
                        return &m->entries[i];
        return NULL;
}

static bool manifest_has_dir(const Manifest *m, const char *path) {
        for (size_t i = 0; i < m->n_dirs; i++)
                if (streq(m->dirs[i], path))
                        return true;
        return false;
}

/* Only the fields @allowed, each at most once; -EBADMSG (logged) if not. */
static int manifest_check_fields(char **w, unsigned line, char *const *allowed) {
        for (char **k = w + 2; k[0] && k[1]; k += 2)
                if (!strv_contains(allowed, k[0]))
                        return record_invalid(BACKUP_MANIFEST, line, "unknown field", k[0]);
                else if (words_get(k + 2, k[0]))
                        return record_invalid(BACKUP_MANIFEST, line, "field given twice", k[0]);
        return 0;
}

/* path=, absolute and normalized; -EBADMSG (logged) if missing or not. */
static int manifest_path(char **w, unsigned line, const char **ret) {
        const char *path = words_get(w, "path");

        if (!path)
                return record_invalid(BACKUP_MANIFEST, line, "missing path=", NULL);
        if (!path_is_normalized_absolute(path))
                return record_invalid(BACKUP_MANIFEST, line,
                        "path= is not an absolute, normalized path inside the root", path);
        *ret = path;
        return 0;
}

/* One "file path=… kind=… mode=… uid=… gid=…" line, each field checked; -EBADMSG (logged) if any is wrong.
 */
static int manifest_parse_file(char **w, unsigned line, const Manifest *m, BackupEntry *ret) {
        unsigned long long mode, uid, gid;
        const char *path;
        FileKind kind;
        int r;

        r = manifest_check_fields(w, line, (char *const[]){ "path", "kind", "mode", "uid", "gid", NULL });
        if (r >= 0)
                r = manifest_path(w, line, &path);
        if (r < 0)
                return r;
        if (manifest_find(m, path))
                return record_invalid(BACKUP_MANIFEST, line, "a second record for", path);
        if (file_kind_from_string(words_get(w, "kind"), &kind) < 0)
                return record_invalid(BACKUP_MANIFEST, line,
                        words_get(w, "kind") ? "kind= is not regular, symlink or absent" : "missing kind=",
                        words_get(w, "kind"));
        if (parse_unsigned(words_get(w, "mode"), 8, 07777, &mode) < 0)
                return record_invalid(BACKUP_MANIFEST, line, "mode= is not an octal mode up to 07777",
                        words_get(w, "mode"));
        /* (uid_t) -1 is chown's "leave as it is", not an owner. */
        if (parse_unsigned(words_get(w, "uid"), 10, (uid_t) -2, &uid) < 0)
                return record_invalid(BACKUP_MANIFEST, line, "uid= is not a user ID", words_get(w, "uid"));
        if (parse_unsigned(words_get(w, "gid"), 10, (gid_t) -2, &gid) < 0)
                return record_invalid(BACKUP_MANIFEST, line, "gid= is not a group ID", words_get(w, "gid"));

        *ret = (BackupEntry){
                .path = strdup(path),
                .kind = kind,
                .st.st_mode = (mode_t) mode,
                .st.st_uid = (uid_t) uid,
                .st.st_gid = (gid_t) gid,
        };
        return ret->path ? 0 : -ENOMEM;
}

/* @s as bytes: an even number of hex digits, at most XATTR_SIZE_MAX bytes. */
static int hex_decode(const char *s, char **ret, size_t *ret_size) {
        size_t len = strlen(s);
        char *v;

        if (len % 2 != 0 || len / 2 > XATTR_SIZE_MAX)
                return -EINVAL;
        v = malloc(len / 2 + 1);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < len / 2; i++) {
                int hi = unhexchar(s[2 * i]), lo = unhexchar(s[2 * i + 1]);
                if (hi < 0 || lo < 0) {
                        free(v);
                        return -EINVAL;
                }
                v[i] = (char) (hi << 4 | lo);
        }
        *ret = v;
        *ret_size = len / 2;
        return 0;
}

/* One "xattr path=… name=… value=HEX" line, for a regular file recorded above it; -EBADMSG (logged). */
static int manifest_parse_xattr(char **w, unsigned line, Manifest *m) {
        const char *path, *name = words_get(w, "name");
        BackupEntry *e;
        Xattr *x;
        int r;

        r = manifest_check_fields(w, line, (char *const[]){ "path", "name", "value", NULL });
        if (r >= 0)
                r = manifest_path(w, line, &path);
        if (r < 0)
                return r;
        e = manifest_find(m, path);
        if (!e || e->kind != FILE_REGULAR)
                return record_invalid(
                        BACKUP_MANIFEST, line, "an attribute of no regular file recorded above it", path);
        if (!name || strlen(name) > XATTR_NAME_MAX || !xattr_is_kept(name))
                return record_invalid(
                        BACKUP_MANIFEST, line, "name= is not security.selinux or user.NAME", name);
        for (size_t i = 0; i < e->n_xattrs; i++)
                if (streq(e->xattrs[i].name, name))
                        return record_invalid(BACKUP_MANIFEST, line, "a second record for", name);
        if (!words_get(w, "value"))
                return record_invalid(BACKUP_MANIFEST, line, "missing value=", NULL);
        x = realloc(e->xattrs, sizeof(Xattr) * (e->n_xattrs + 1));
        if (!x)
                return -ENOMEM;
        e->xattrs = x;
        x = &e->xattrs[e->n_xattrs];
        *x = (Xattr){ .name = strdup(name) };
        if (!x->name)
                return -ENOMEM;
        r = hex_decode(words_get(w, "value"), &x->value, &x->size);
        if (r < 0) {
                free(x->name);
                return r == -ENOMEM ? r
                                    : record_invalid(BACKUP_MANIFEST, line,
                                              "value= is not hex digits of at most 64 KiB", NULL);
        }
        e->n_xattrs++;
        return 0;
}

/* One "dir path=…" line; -EBADMSG (logged). */
static int manifest_parse_dir(char **w, unsigned line, Manifest *m) {
        const char *path;
        int r;

        r = manifest_check_fields(w, line, (char *const[]){ "path", NULL });
        if (r >= 0)
                r = manifest_path(w, line, &path);
        if (r < 0)
                return r;
        if (manifest_has_dir(m, path))
                return record_invalid(BACKUP_MANIFEST, line, "a second record for", path);
        return strv_push(&m->dirs, &m->n_dirs, strdup(path));
}

static int manifest_parse_line(char **w, unsigned line, Manifest *m) {
        BackupEntry *e;
        int r;

        if (!w[0] || !isempty(w[1]))
                return record_invalid(
                        BACKUP_MANIFEST, line, "not a \"file\", \"xattr\" or \"dir\" record", NULL);
        if (streq(w[0], "xattr"))
                return manifest_parse_xattr(w, line, m);
        if (streq(w[0], "dir"))
                return manifest_parse_dir(w, line, m);
        if (!streq(w[0], "file"))
                return record_invalid(
                        BACKUP_MANIFEST, line, "not a \"file\", \"xattr\" or \"dir\" record", w[0]);
        e = realloc(m->entries, sizeof(BackupEntry) * (m->n + 1));
        if (!e)
                return -ENOMEM;
        m->entries = e;
        r = manifest_parse_file(w, line, m, &e[m->n]);
        if (r < 0)
                return r;
        m->n++;
        return 0;
}

/* The manifest, every line checked: -ENOENT when there is none, -EBADMSG (logged), another errno (logged).
 */
static int manifest_load(int statefd, Manifest *ret) {
        _cleanup_free_ char *text = NULL;
        Manifest m = {};
        Line l = {};
        size_t size, pos = 0;
        int r;

        r = read_regular_at(statefd, BACKUP_MANIFEST, &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return state_file_error(BACKUP_MANIFEST, r);
        if (strlen(text) != size)
                return record_invalid(BACKUP_MANIFEST, 1, "a NUL byte in the file", NULL);
        while (line_next(text, size, &pos, &l)) {
                _cleanup_(strv_freep) char **w = NULL;
                _cleanup_free_ char *line = strndup(l.p, l.len);

                if (!line) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (line_is_comment_or_blank(&l))
                        continue;
                r = words_parse(line, &w);
                if (r < 0)
                        goto fail;
                r = manifest_parse_line(w, l.number, &m);
                if (r < 0)
                        goto fail;
        }
        *ret = m;
        return 0;
fail:
        manifest_done(&m);
        return r;
}

static int manifest_save(int statefd, const Manifest *m) {
        static const char hex[] = "0123456789abcdef";
        Buf b = {};
        int r = buf_puts(&b, "# kvmigrate backup: the originals of every file the migration changed\n");

        for (size_t i = 0; i < m->n && r >= 0; i++) {
                const BackupEntry *e = &m->entries[i];
                _cleanup_free_ char *p = value_escape(e->path);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                r = buf_printf(&b, "file path=%s kind=%s mode=%04o uid=%u gid=%u\n", p,
                        file_kind_to_string(e->kind), (unsigned) (e->st.st_mode & 07777),
                        (unsigned) e->st.st_uid, (unsigned) e->st.st_gid);
                for (size_t j = 0; j < e->n_xattrs && r >= 0; j++) {
                        _cleanup_free_ char *n = value_escape(e->xattrs[j].name);
                        if (!n) {
                                r = -ENOMEM;
                                break;
                        }
                        r = buf_printf(&b, "xattr path=%s name=%s value=", p, n);
                        for (size_t k = 0; k < e->xattrs[j].size && r >= 0; k++) {
                                unsigned char c = (unsigned char) e->xattrs[j].value[k];
                                r = buf_append(&b, (char[]){ hex[c >> 4], hex[c & 15] }, 2);
                        }
                        if (r >= 0)
                                r = buf_puts(&b, "\n");
                }
        }
        for (size_t i = 0; i < m->n_dirs && r >= 0; i++) {
                _cleanup_free_ char *p = value_escape(m->dirs[i]);
                r = p ? buf_printf(&b, "dir path=%s\n", p) : -ENOMEM;
        }
        if (r >= 0)
                r = write_file_atomic_at(statefd, BACKUP_MANIFEST, b.data, b.len, 0600);
        buf_done(&b);
        return r;
}

static int backup_file_path(const char *path, char **ret) {
        return asprintf(ret, "%s/files%s", BACKUP_DIR, path) < 0 ? -ENOMEM : 0;
}

/* Keep the original of @path (as it is now) unless an earlier run already kept it. */
static int backup_one(int rootfd, int statefd, Manifest *m, const char *path) {
        _cleanup_(file_content_done) FileContent cur = {};
        _cleanup_free_ char *bpath = NULL, *bdir = NULL;
        BackupEntry e = {}, *entries;
        const char *name;
        int r;

        if (manifest_find(m, path))
                return 0;
        r = read_file_content(rootfd, path, &cur);
        if (r < 0)
                return r;
        e.kind = cur.kind;
        if (cur.kind == FILE_REGULAR) {
                _cleanup_close_ int dfd = open_parent(rootfd, path, false, &name), fd = -1;
                if (dfd < 0)
                        return dfd;
                fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                r = fd_check_regular(fd, &e.st);
                if (r < 0)
                        return r;
                r = xattrs_read(fd, &e.xattrs, &e.n_xattrs);
                if (r < 0)
                        return r;
        } else
                e.st.st_mode = 0777;

        if (cur.kind != FILE_ABSENT) {
                r = backup_file_path(path, &bpath);
                if (r < 0)
                        return r;
                r = split_path(bpath, &bdir, &name);
                if (r < 0)
                        return r;
                r = mkdir_p_at(statefd, bdir, 0700);
                if (r < 0)
                        return r;
                r = write_file_atomic_at(statefd, bpath, cur.data, cur.size, 0600);
                if (r < 0)
                        return r;
        }

        e.path = strdup(path);
        entries = e.path ? realloc(m->entries, sizeof(BackupEntry) * (m->n + 1)) : NULL;
        if (!entries) {
                free(e.path);
                xattrs_free(e.xattrs, e.n_xattrs);
                return -ENOMEM;
        }
        m->entries = entries;
        m->entries[m->n++] = e;
        return 0;
}

/*
 * Record the folders on the way to @path that are missing now: writing it
 * makes them, and rollback removes them again (when they are empty), so that
 * the tree is as it was. A folder that exists now is never recorded.
 */
static int note_missing_dirs(int rootfd, Manifest *m, const char *path) {
        _cleanup_free_ char *dir = NULL;
        const char *name;
        bool missing = false;
        int r;

        r = split_path(path, &dir, &name);
        if (r < 0)
                return r;
        for (char *p = dir + 1; *dir && p[-1]; p++) {
                char c = *p;

                if (c != '/' && c != 0)
                        continue;
                *p = 0;
                if (!missing) {
                        /* Anything else than "missing" (a link on the way, say) makes writing fail later. */
                        _cleanup_close_ int fd = root_open(rootfd, dir, O_PATH, 0);
                        missing = fd == -ENOENT;
                }
                if (missing && !manifest_has_dir(m, dir)) {
                        r = strv_push(&m->dirs, &m->n_dirs, strdup(dir));
                        if (r < 0)
                                return r;
                }
                *p = c;
        }
        return 0;
}

static int journal_new_path(size_t i, char **ret) {
        return asprintf(ret, "%s/new-%zu", JOURNAL_DIR, i) < 0 ? -ENOMEM : 0;
}

/*
 * Remove the journal folder. The plan goes first, and is made durable
 * before anything else goes: it is what marks a run as committed, and a
 * committed plan whose pieces are gone could never be finished.
 */
static int journal_remove(int statefd) {
        _cleanup_close_ int dfd = -1;
        DIR *d;

        dfd = openat(statefd, JOURNAL_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (unlinkat(dfd, "plan", 0) < 0 && errno != ENOENT)
                return -errno;
        if (fsync(dfd) < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        dfd = -1;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
        if (unlinkat(statefd, JOURNAL_DIR, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return fsync(statefd) < 0 ? -errno : 0;
}

typedef struct JournalEdit {
        char *path;
        FileKind kind;
} JournalEdit;

static int journal_append_done(int statefd, size_t i) {
        _cleanup_close_ int fd = -1;
        char line[32];
        int r;

        struct stat st;

        /* O_NONBLOCK: a FIFO planted there fails (no reader) instead of hanging, and is refused below. */
        fd = openat_beneath(statefd, JOURNAL_DONE, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK, 0600);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        r = write_all(fd, line, (size_t) snprintf(line, sizeof line, "done=%zu\n", i));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        return r;
}

static int journal_write(int statefd, const Plan *plan) {
        Buf b = {};
        int r;

        r = mkdir_p_at(statefd, JOURNAL_DIR, 0700);
        for (size_t i = 0; i < plan->n_edits && r >= 0; i++) {
                const Edit *e = &plan->edits[i];
                _cleanup_free_ char *np = NULL, *p = NULL;

                r = journal_new_path(i, &np);
                if (r >= 0 && e->new.kind != FILE_ABSENT)
                        r = write_file_atomic_at(statefd, np, e->new.data, e->new.size, 0600);
                p = value_escape(e->path);
                if (r >= 0)
                        r = p ? buf_printf(&b, "edit n=%zu path=%s new=%s\n", i, p,
                                        file_kind_to_string(e->new.kind))
                              : -ENOMEM;
        }
        if (r >= 0)
                r = buf_puts(&b, "committed\n");
        if (r >= 0)
                r = write_file_atomic_at(statefd, JOURNAL_PLAN, b.data, b.len, 0600);
        buf_done(&b);
        return r;
}

/* One "edit n=I path=P new=KIND" line of the plan, each field checked; -EBADMSG (logged). */
static int journal_parse_edit(char **w, unsigned line, size_t i, JournalEdit *ret) {
        unsigned long long n;
        const char *path;
        FileKind kind;

        if (!streq(w[0], "edit") || !isempty(w[1]))
                return record_invalid(JOURNAL_PLAN, line, "not an \"edit\" record", w[0]);
        for (char **k = w + 2; k[0] && k[1]; k += 2)
                if (!strv_contains((char *const[]){ "n", "path", "new", NULL }, k[0]))
                        return record_invalid(JOURNAL_PLAN, line, "unknown field", k[0]);
                else if (words_get(k + 2, k[0]))
                        return record_invalid(JOURNAL_PLAN, line, "field given twice", k[0]);
        if (parse_unsigned(words_get(w, "n"), 10, SIZE_MAX, &n) < 0 || n != i)
                return record_invalid(
                        JOURNAL_PLAN, line, "n= is not the number of the edit", words_get(w, "n"));
        path = words_get(w, "path");
        if (!path)
                return record_invalid(JOURNAL_PLAN, line, "missing path=", NULL);
        if (!path_is_normalized_absolute(path))
                return record_invalid(JOURNAL_PLAN, line,
                        "path= is not an absolute, normalized path inside the root", path);
        if (file_kind_from_string(words_get(w, "new"), &kind) < 0)
                return record_invalid(JOURNAL_PLAN, line,
                        words_get(w, "new") ? "new= is not regular, symlink or absent" : "missing new=",
                        words_get(w, "new"));
        *ret = (JournalEdit){ strdup(path), kind };
        return ret->path ? 0 : -ENOMEM;
}

/* Which edits have landed, from journal/done: "done=N" lines, N one of the @n edits. */
static int journal_load_done(int statefd, size_t n, bool *landed) {
        _cleanup_free_ char *done = NULL;
        size_t dsize = 0, pos = 0;
        Line l = {};
        int r;

        r = read_regular_at(statefd, JOURNAL_DONE, &done, &dsize);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return state_file_error(JOURNAL_DONE, r);
        while (line_next(done, dsize, &pos, &l)) {
                _cleanup_free_ char *line = strndup(l.p, l.len);
                unsigned long long i;

                if (!line)
                        return -ENOMEM;
                /* A crash can cut the last line short: that edit is applied again (it is idempotent). */
                if (!l.newline)
                        break;
                if (!startswith(line, "done=") || parse_unsigned(line + 5, 10, SIZE_MAX, &i) < 0 || i >= n)
                        return record_invalid(JOURNAL_DONE, l.number,
                                "not a \"done=N\" record for an edit of the plan", line);
                landed[i] = true;
        }
        return 0;
}

/* The committed journal's edits, and which of them have landed. -ENOENT: nothing committed. -EBADMSG
 * (logged). */
static int journal_load(int statefd, JournalEdit **ret, size_t *ret_n, bool **ret_done) {
        _cleanup_free_ char *text = NULL;
        JournalEdit *edits = NULL;
        bool *landed = NULL, committed = false;
        size_t n = 0, size, pos = 0;
        Line l = {};
        int r;

        r = read_regular_at(statefd, JOURNAL_PLAN, &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return state_file_error(JOURNAL_PLAN, r);
        if (strlen(text) != size)
                return record_invalid(JOURNAL_PLAN, 1, "a NUL byte in the file", NULL);
        while (line_next(text, size, &pos, &l)) {
                _cleanup_(strv_freep) char **w = NULL;
                _cleanup_free_ char *line = strndup(l.p, l.len);
                JournalEdit *ne;

                if (!line || words_parse(line, &w) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (committed || !w[0]) {
                        r = record_invalid(JOURNAL_PLAN, l.number,
                                committed ? "a line after \"committed\"" : "an empty line", NULL);
                        goto fail;
                }
                if (streq(w[0], "committed")) {
                        if (!isempty(w[1]) || w[2] || !l.newline) {
                                r = record_invalid(JOURNAL_PLAN, l.number, "not a \"committed\" line", NULL);
                                goto fail;
                        }
                        committed = true;
                        continue;
                }
                ne = realloc(edits, sizeof(JournalEdit) * (n + 1));
                if (!ne) {
                        r = -ENOMEM;
                        goto fail;
                }
                edits = ne;
                r = journal_parse_edit(w, l.number, n, &edits[n]);
                if (r < 0)
                        goto fail;
                n++;
        }
        if (!committed) {
                r = -ENOENT;
                goto fail;
        }
        landed = calloc(n + 1, sizeof(bool));
        if (!landed) {
                r = -ENOMEM;
                goto fail;
        }
        r = journal_load_done(statefd, n, landed);
        if (r < 0) {
                free(landed);
                goto fail;
        }
        *ret = edits;
        *ret_n = n;
        *ret_done = landed;
        return 0;
fail:
        for (size_t i = 0; i < n; i++)
                free(edits[i].path);
        free(edits);
        return r;
}

/*
 * Whether the journal's plan was written in full (its last line says so):
 * 1 committed, 0 not (or no plan at all), a negative errno (logged) when it
 * cannot be read.
 */
static int journal_committed(int statefd) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_regular_at(statefd, JOURNAL_PLAN, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return state_file_error(JOURNAL_PLAN, r);
        return size >= strlen("committed\n") && streq(text + size - strlen("committed\n"), "committed\n");
}

/* The new content of edit @i from the journal; -EBADMSG (logged) when it is missing or not a file. */
static int journal_read_new(int statefd, size_t i, FileContent *c) {
        _cleanup_free_ char *np = NULL;
        int r;

        if (c->kind == FILE_ABSENT)
                return 0;
        r = journal_new_path(i, &np);
        if (r < 0)
                return r;
        r = read_regular_at(statefd, np, &c->data, &c->size);
        if (r < 0)
                /* Committed journals are complete: a missing piece is damage, not "uncommitted". */
                return log_error_errno(r == -ENOENT || is_damage(r) ? -EBADMSG : r,
                        "/%s/%s: cannot read: %s; nothing was changed", STATE_DIR, np, file_strerror(r));
        if (c->kind == FILE_SYMLINK && (c->size == 0 || strlen(c->data) != c->size))
                return log_error_errno(
                        -EBADMSG, "/%s/%s: not a link target; nothing was changed", STATE_DIR, np);
        return 0;
}

/*
 * Write edit @i and note it in journal/done. *@ret_landed tells whether the
 * file changed, also when an error follows (the folder's fsync after the
 * rename, the done line): the record must then say the edit happened. Such
 * an edit is not noted as done, so the next run writes it again.
 */
static int journal_apply_one(
        int rootfd, int statefd, size_t i, const JournalEdit *e, const FileContent *c, bool *ret_landed) {
        int r;

        r = put_content(rootfd, e->path, c, NULL, ret_landed);
        if (r < 0 && *ret_landed)
                return log_error_errno(r,
                        "%s: changed, but not made durable: %s; the next run writes it again", e->path,
                        strerror(-r));
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %s", e->path, strerror(-r));
        r = journal_append_done(statefd, i);
        if (r < 0)
                return log_error_errno(
                        r, "/%s/%s: cannot write: %s", STATE_DIR, JOURNAL_DONE, file_strerror(r));
        return 0;
}

static int journal_finish(int rootfd, int statefd, char ***ret_paths) {
        JournalEdit *edits = NULL;
        FileContent *contents = NULL;
        bool *landed = NULL;
        char **paths = NULL;
        size_t n = 0, n_paths = 0;
        int r;

        r = journal_load(statefd, &edits, &n, &landed);
        if (r < 0)
                return r;
        /* Every piece is read (and checked) before the first file changes. */
        contents = calloc(n + 1, sizeof(FileContent));
        if (!contents)
                r = -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                contents[i].kind = edits[i].kind;
                if (!landed[i])
                        r = journal_read_new(statefd, i, &contents[i]);
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                bool changed;
                if (!landed[i])
                        r = journal_apply_one(rootfd, statefd, i, &edits[i], &contents[i], &changed);
                if (r >= 0 && ret_paths)
                        r = strv_push(&paths, &n_paths, strdup(edits[i].path));
        }
        for (size_t i = 0; i < n; i++) {
                free(edits[i].path);
                if (contents)
                        file_content_done(&contents[i]);
        }
        free(contents);
        free(edits);
        free(landed);
        if (r >= 0) {
                r = journal_remove(statefd);
                if (r < 0)
                        log_error("/%s/%s: cannot remove: %s", STATE_DIR, JOURNAL_DIR, file_strerror(r));
        }
        if (r < 0) {
                strv_free(paths);
                return r;
        }
        if (ret_paths)
                *ret_paths = paths;
        else
                strv_free(paths);
        return 0;
}

static int rollback_started(int statefd);
static int rollback_run(int rootfd, int statefd, bool started, char ***ret_paths);

bool apply_pending(int rootfd) {
        _cleanup_close_ int statefd = root_open_dir(rootfd, "/" STATE_DIR, false);

        return statefd >= 0 && faccessat(statefd, JOURNAL_DIR, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

int apply_recover(int rootfd, char ***ret_paths) {
        _cleanup_close_ int statefd = -1;
        int r;

        if (ret_paths)
                *ret_paths = NULL;
        statefd = root_open_dir(rootfd, "/" STATE_DIR, false);
        if (statefd == -ENOENT)
                return 0;
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, file_strerror(statefd));
        if (faccessat(statefd, JOURNAL_DIR, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        /* A rollback that was cut off is finished first: it undoes whatever the journal's run did. */
        r = rollback_started(statefd);
        if (r < 0)
                return r;
        if (r > 0) {
                log_info("finishing an interrupted rollback");
                r = rollback_run(rootfd, statefd, true, ret_paths);
                return r < 0 ? r : 1;
        }
        r = journal_committed(statefd);
        if (r < 0)
                return r;
        if (r == 0) {
                /* Cut off before the commit point: nothing was changed yet. */
                log_debug("discarding an uncommitted journal");
                r = journal_remove(statefd);
                if (r < 0)
                        return log_error_errno(
                                r, "/%s/%s: cannot remove: %s", STATE_DIR, JOURNAL_DIR, file_strerror(r));
                return 0;
        }
        r = journal_finish(rootfd, statefd, ret_paths);
        return r < 0 ? r : 1;
}

/*
 * A file with more than one name (st_nlink > 1) is refused before anything
 * changes, rather than edited. A file is replaced by renaming a new one over
 * it, the only way a power cut can never leave it half written; that gives
 * the name a new inode, and every other name would keep the old bytes (the
 * link split, and not undone by rollback). Writing in place would keep the
 * link but lose the atomicity, and finding the other names to link them
 * again means searching the whole filesystem. Hard-linked configuration
 * files are rare and the administrator can resolve them in a moment.
 */
static int refuse_hard_link(int rootfd, const char *path, FileKind kind) {
        _cleanup_close_ int dfd = -1;
        const char *name;
        struct stat st;

        if (kind != FILE_REGULAR)
                return 0;
        dfd = open_parent(rootfd, path, false, &name);
        if (dfd < 0)
                return log_error_errno(dfd, "%s: cannot read: %s", path, strerror(-dfd));
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(-errno, "%s: cannot read: %m", path);
        if (st.st_nlink <= 1)
                return 0;
        log_error(
                "%s: has %ju hard links; kvmigrate replaces a file by renaming a new one over it, which "
                "would "
                "split them; nothing was changed. Make it a single file (or a symbolic link) and run again",
                path, (uintmax_t) st.st_nlink);
        return -EMLINK;
}

int apply_plan(int rootfd, const Plan *plan, ApplyProgress progress, void *userdata) {
        return apply_plan_full(rootfd, plan, progress, NULL, userdata);
}

int apply_plan_full(int rootfd, const Plan *plan, ApplyProgress progress, int (*landed)(void *userdata),
        void *userdata) {
        _cleanup_(manifest_done) Manifest m = {};
        _cleanup_close_ int statefd = -1;
        int r;

        statefd = root_open_dir(rootfd, "/" STATE_DIR, false);
        if (statefd < 0 && statefd != -ENOENT)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, strerror(-statefd));
        if (statefd >= 0 && faccessat(statefd, JOURNAL_DIR, F_OK, AT_SYMLINK_NOFOLLOW) >= 0) {
                log_error("an interrupted run is pending in /%s/%s; it must be finished first", STATE_DIR,
                        JOURNAL_DIR);
                return -EBUSY;
        }

        for (size_t i = 0; i < plan->n_edits; i++) {
                _cleanup_(file_content_done) FileContent cur = {};
                r = read_file_content(rootfd, plan->edits[i].path, &cur);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", plan->edits[i].path, strerror(-r));
                if (!file_content_equal(&cur, &plan->edits[i].old)) {
                        log_error("%s: changed since it was planned; nothing was changed, plan again",
                                plan->edits[i].path);
                        return -ESTALE;
                }
                r = refuse_hard_link(rootfd, plan->edits[i].path, cur.kind);
                if (r < 0)
                        return r;
        }
        if (plan->n_edits == 0)
                return 0;

        if (statefd < 0) {
                statefd = root_open_dir(rootfd, "/" STATE_DIR, true);
                if (statefd < 0)
                        return log_error_errno(
                                statefd, "/%s: cannot make: %s", STATE_DIR, strerror(-statefd));
        }
        r = manifest_load(statefd, &m);
        if (r < 0 && r != -ENOENT)
                return r;
        r = mkdir_p_at(statefd, BACKUP_DIR, 0700);
        for (size_t i = 0; i < plan->n_edits && r >= 0; i++) {
                r = backup_one(rootfd, statefd, &m, plan->edits[i].path);
                if (r >= 0 && plan->edits[i].new.kind != FILE_ABSENT)
                        r = note_missing_dirs(rootfd, &m, plan->edits[i].path);
        }
        if (r >= 0)
                r = manifest_save(statefd, &m);
        if (r < 0)
                return log_error_errno(r, "cannot keep the originals in /%s/%s: %s", STATE_DIR, BACKUP_DIR,
                        file_strerror(r));

        r = journal_write(statefd, plan);
        if (r < 0) {
                (void) journal_remove(statefd);
                return log_error_errno(r, "cannot write the journal in /%s/%s: %s", STATE_DIR, JOURNAL_DIR,
                        file_strerror(r));
        }

        for (size_t i = 0; i < plan->n_edits; i++) {
                JournalEdit je = { plan->edits[i].path, plan->edits[i].new.kind };
                _cleanup_(file_content_done) FileContent c = { .kind = je.kind };
                bool changed = false;

                r = journal_read_new(statefd, i, &c);
                if (r >= 0)
                        r = journal_apply_one(rootfd, statefd, i, &je, &c, &changed);
                /* An edit that changed its file has landed, whatever failed after: the record says so. */
                if ((r >= 0 || changed) && progress)
                        progress(&plan->edits[i], userdata);
                if (r < 0)
                        return r; /* the journal stays: the next run finishes it */
        }
        /* Record the outcome while the journal can still finish the run: a crash now loses nothing. */
        if (landed) {
                r = landed(userdata);
                if (r < 0)
                        return r;
        }
        return journal_remove(statefd);
}

/* Before rollback overwrites @path: its current content, if it differs from @original, goes to
 * backup/replaced/. */
static int keep_replaced(int rootfd, int statefd, const char *path, const FileContent *original) {
        _cleanup_(file_content_done) FileContent cur = {};
        _cleanup_free_ char *kept = NULL, *dir = NULL;
        const char *name;
        int r;

        r = read_file_content(rootfd, path, &cur);
        if (r < 0)
                return r;
        if (cur.kind != FILE_REGULAR || file_content_equal(&cur, original))
                return 0;
        if (asprintf(&kept, "%s/replaced%s", BACKUP_DIR, path) < 0)
                return -ENOMEM;
        r = split_path(kept, &dir, &name);
        if (r < 0)
                return r;
        r = mkdir_p_at(statefd, dir, 0700);
        if (r < 0)
                return r;
        return write_file_atomic_at(statefd, kept, cur.data, cur.size, 0600);
}

/*
 * An interrupted rollback. journal/rollback is written (and synced) before
 * rollback changes the first file and goes only with the rest of the
 * journal once the backup is kept aside and the record says rolled-back;
 * while it is there, the next boot (apply_recover()) or rollback finishes
 * the rollback. Restoring is idempotent, so finishing means doing it again.
 */
#define JOURNAL_ROLLBACK JOURNAL_DIR "/rollback"
#define ROLLBACK_UNDER_WAY                                                                                  \
        "a rollback was started and has not finished; the next boot or \"migratectl rollback\" finishes it"

/* 1 when journal/rollback is there, 0 when not, a negative errno (logged) when it is not a regular file. */
static int rollback_started(int statefd) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_regular_at(statefd, JOURNAL_ROLLBACK, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return state_file_error(JOURNAL_ROLLBACK, r);
        return 1;
}

static int rollback_mark(int statefd) {
        int r;

        r = mkdir_p_at(statefd, JOURNAL_DIR, 0700);
        if (r >= 0)
                r = write_file_atomic_at(
                        statefd, JOURNAL_ROLLBACK, "rollback\n", strlen("rollback\n"), 0600);
        if (r >= 0 && fsync(statefd) < 0)
                r = -errno;
        return r;
}

/*
 * The record while a rollback is under way: degraded (some files are
 * restored, some not) with an error saying so; and, when it is over,
 * rolled-back with every edit's result. Only a record that is there and
 * can be read is changed: restoring the files matters more than a record
 * that is damaged already (the caller reports that).
 */
static int rollback_record(int rootfd, bool finished) {
        _cleanup_(state_record_done) StateRecord rec = {};
        size_t k = 0;
        int r;

        r = state_load(rootfd, &rec);
        if (r < 0) {
                if (r != -ENOENT)
                        log_warning("the state record cannot be read; it is not updated, ignoring");
                return 0;
        }
        rec.state = finished ? MIGRATION_ROLLED_BACK : MIGRATION_DEGRADED;
        rec.finished_usec = now_usec();
        for (size_t i = 0; rec.errors && rec.errors[i]; i++)
                if (streq(rec.errors[i], ROLLBACK_UNDER_WAY))
                        free(rec.errors[i]);
                else
                        rec.errors[k++] = rec.errors[i];
        if (rec.errors)
                rec.errors[k] = NULL;
        if (!finished)
                r = state_record_add_error(&rec, ROLLBACK_UNDER_WAY);
        for (size_t i = 0; finished && i < rec.n_edits && r >= 0; i++)
                r = strdup_to(&rec.edits[i].result, "rolled-back");
        if (r >= 0)
                r = state_save(rootfd, &rec);
        if (r < 0)
                return log_error_errno(
                        r, "/%s: cannot write the state record: %s", STATE_FILE, file_strerror(r));
        return 0;
}

static int compare_longest_first(const void *a, const void *b) {
        size_t la = strlen(*(char *const *) a), lb = strlen(*(char *const *) b);

        return la < lb ? 1 : la > lb ? -1 : 0;
}

/*
 * Remove the folders apply made, deepest first. One that holds anything
 * (an administrator's file, a folder someone else made) or is not a folder
 * any more stays: only what apply made and left empty goes.
 */
static int remove_made_dirs(int rootfd, const Manifest *m) {
        _cleanup_free_ char **dirs = NULL;

        if (m->n_dirs == 0)
                return 0;
        dirs = malloc(sizeof(char *) * m->n_dirs);
        if (!dirs)
                return -ENOMEM;
        memcpy(dirs, m->dirs, sizeof(char *) * m->n_dirs);
        qsort(dirs, m->n_dirs, sizeof(char *), compare_longest_first);
        for (size_t i = 0; i < m->n_dirs; i++) {
                _cleanup_close_ int dfd = -1;
                const char *name;

                dfd = open_parent(rootfd, dirs[i], false, &name);
                if (dfd == -ENOENT)
                        continue;
                if (dfd < 0) {
                        log_warning("%s: kept (cannot open its folder: %s)", dirs[i], file_strerror(dfd));
                        continue;
                }
                if (unlinkat(dfd, name, AT_REMOVEDIR) < 0) {
                        if (errno == ENOENT)
                                continue;
                        if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR || errno == EBUSY) {
                                log_info("%s: kept, apply made it but it is not empty now (or not a folder)",
                                        dirs[i]);
                                continue;
                        }
                        return log_error_errno(-errno, "%s: cannot remove: %m", dirs[i]);
                }
                if (fsync(dfd) < 0)
                        return log_error_errno(-errno, "%s: cannot remove: %m", dirs[i]);
        }
        return 0;
}

/* The rollback, started or finished (@started: journal/rollback is there). */
static int rollback_run(int rootfd, int statefd, bool started, char ***ret_paths) {
        _cleanup_(manifest_done) Manifest m = {};
        _cleanup_free_ char *keep = NULL;
        FileContent *originals = NULL;
        char **paths = NULL;
        size_t n_paths = 0;
        int r;

        /* A backup that is not what apply wrote refuses the rollback: -EBADMSG, nothing changed. */
        r = manifest_load(statefd, &m);
        if (r == -ENOENT && started) {
                /* Cut off after the backup was kept aside: only the record and the journal are left to do.
                 */
                r = rollback_record(rootfd, true);
                if (r >= 0)
                        r = journal_remove(statefd);
                if (r < 0)
                        return log_error_errno(r, "cannot finish the rollback: %s", file_strerror(r));
                if (ret_paths) {
                        *ret_paths = calloc(1, sizeof(char *));
                        if (!*ret_paths)
                                return -ENOMEM;
                }
                return 0;
        }
        if (r == -ENOENT && journal_committed(statefd) == 0)
                /* What a rollback cut off while removing its journal leaves: an empty, uncommitted one. */
                (void) journal_remove(statefd);
        if (r < 0)
                return is_damage(r) ? -EBADMSG : r;

        /* Every original is read (and checked) before the first file changes. */
        originals = calloc(m.n + 1, sizeof(FileContent));
        if (!originals)
                return -ENOMEM;
        for (size_t i = 0; i < m.n && r >= 0; i++) {
                const BackupEntry *e = &m.entries[i];
                _cleanup_free_ char *bpath = NULL;

                originals[i].kind = e->kind;
                if (e->kind == FILE_ABSENT)
                        continue;
                r = backup_file_path(e->path, &bpath);
                if (r < 0)
                        break;
                r = read_regular_at(statefd, bpath, &originals[i].data, &originals[i].size);
                if (r < 0)
                        log_error("%s: the backup /%s/%s cannot be read: %s; nothing was changed", e->path,
                                STATE_DIR, bpath, file_strerror(r));
                else if (e->kind == FILE_SYMLINK &&
                        (originals[i].size == 0 || strlen(originals[i].data) != originals[i].size)) {
                        log_error("%s: the backup /%s/%s is not a link target; nothing was changed", e->path,
                                STATE_DIR, bpath);
                        r = -EBADMSG;
                }
                if (r == -ENOENT || is_damage(r))
                        r = -EBADMSG;
        }
        /* From here on the rollback is recorded: cut off, it is finished by the next boot or rollback. */
        if (r >= 0) {
                r = rollback_mark(statefd);
                if (r < 0)
                        log_error("/%s/%s: cannot write: %s; nothing was changed", STATE_DIR,
                                JOURNAL_ROLLBACK, file_strerror(r));
        }
        if (r >= 0) {
                r = rollback_record(rootfd, false);
                if (r < 0 && !started) {
                        (void) unlinkat(statefd, JOURNAL_ROLLBACK, 0);
                        (void) fsync(statefd);
                }
        }

        for (size_t i = m.n; i > 0 && r >= 0; i--) {
                const BackupEntry *e = &m.entries[i - 1];
                const FileContent *c = &originals[i - 1];
                const Attributes a = { &e->st, e->xattrs, e->n_xattrs };
                bool changed;

                /* What is there now may hold an admin's later edits: it is kept too, nothing is lost. */
                r = keep_replaced(rootfd, statefd, e->path, c);
                if (r < 0) {
                        log_error("%s: cannot keep its current content: %s", e->path, file_strerror(r));
                        break;
                }
                r = put_content(rootfd, e->path, c, e->kind == FILE_REGULAR ? &a : NULL, &changed);
                if (r < 0) {
                        log_error("%s: cannot restore: %s", e->path, strerror(-r));
                        break;
                }
                if (ret_paths)
                        r = strv_push(&paths, &n_paths, strdup(e->path));
        }
        for (size_t i = 0; i < m.n; i++)
                file_content_done(&originals[i]);
        free(originals);
        if (r >= 0)
                r = remove_made_dirs(rootfd, &m);
        if (r >= 0) {
                if (asprintf(&keep, "%s.rolled-back-%llu", BACKUP_DIR, now_usec()) < 0) {
                        keep = NULL;
                        r = -ENOMEM;
                } else if (renameat(statefd, BACKUP_DIR, statefd, keep) < 0 || fsync(statefd) < 0)
                        r = log_error_errno(-errno, "/%s/%s: cannot keep: %m", STATE_DIR, BACKUP_DIR);
        }
        /* The record first: while journal/rollback is there, a crash loses nothing. */
        if (r >= 0)
                r = rollback_record(rootfd, true);
        if (r >= 0) {
                r = journal_remove(statefd);
                if (r < 0)
                        log_error("/%s/%s: cannot remove: %s", STATE_DIR, JOURNAL_DIR, file_strerror(r));
        }
        if (r >= 0 && ret_paths && !paths) {
                paths = calloc(1, sizeof(char *));
                if (!paths)
                        r = -ENOMEM;
        }
        if (r < 0) {
                strv_free(paths);
                return r;
        }
        if (ret_paths)
                *ret_paths = paths;
        else
                strv_free(paths);
        return 0;
}

int apply_rollback(int rootfd, char ***ret_paths) {
        _cleanup_close_ int statefd = -1;
        int r;

        statefd = root_open_dir(rootfd, "/" STATE_DIR, false);
        if (statefd == -ENOENT)
                return statefd;
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, file_strerror(statefd));
        r = rollback_started(statefd);
        if (r < 0)
                return is_damage(r) ? -EBADMSG : r;
        return rollback_run(rootfd, statefd, r > 0, ret_paths);
}
