/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

/* Keep what the old file had: mode, owner, SELinux label. A new file gets 0644 root. */
static int copy_attributes(int dfd, const char *name, int tmpfd) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        char label[256];
        ssize_t n;

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
        n = fgetxattr(fd, SELINUX_XATTR, label, sizeof label);
        if (n > 0 && fsetxattr(tmpfd, SELINUX_XATTR, label, (size_t) n, 0) < 0 && errno != ENOTSUP)
                return -errno;
        return 0;
}

/*
 * Put @c at canonical @path: regular files and links through a temporary
 * name beside it and a rename, absence by unlinking. @mode/@uid/@gid, when
 * @st is given, override the attributes (rollback restores recorded ones).
 */
static int put_content(int rootfd, const char *path, const FileContent *c, const struct stat *st) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *tmp = NULL;
        const char *name;
        int r;

        dfd = open_parent(rootfd, path, c->kind != FILE_ABSENT, &name);
        if (dfd < 0)
                return dfd == -ENOENT && c->kind == FILE_ABSENT ? 0 : dfd;

        if (c->kind == FILE_ABSENT) {
                if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
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
                if (r >= 0) {
                        if (st)
                                r = fchown(fd, st->st_uid, st->st_gid) < 0 ||
                                                fchmod(fd, st->st_mode & 07777) < 0
                                        ? -errno
                                        : 0;
                        else
                                r = copy_attributes(dfd, name, fd);
                }
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
        return fsync(dfd) < 0 ? -errno : 0;
}

typedef struct BackupEntry {
        char *path;
        FileKind kind;
        struct stat st; /* mode, uid, gid of the original */
} BackupEntry;

typedef struct Manifest {
        BackupEntry *entries;
        size_t n;
} Manifest;

static void manifest_done(Manifest *m) {
        for (size_t i = 0; i < m->n; i++)
                free(m->entries[i].path);
        free(m->entries);
        *m = (Manifest){};
}

static const BackupEntry *manifest_find(const Manifest *m, const char *path) {
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->entries[i].path, path))
                        return &m->entries[i];
        return NULL;
}

/* One "file path=… kind=… mode=… uid=… gid=…" line, each field checked; -EBADMSG (logged) if any is wrong.
 */
static int manifest_parse_line(char **w, unsigned line, const Manifest *m, BackupEntry *ret) {
        unsigned long long mode, uid, gid;
        const char *path;
        FileKind kind;

        if (!w[0] || !streq(w[0], "file") || !isempty(w[1]))
                return record_invalid(BACKUP_MANIFEST, line, "not a \"file\" record", NULL);
        for (char **k = w + 2; k[0] && k[1]; k += 2)
                if (!strv_contains((char *const[]){ "path", "kind", "mode", "uid", "gid", NULL }, k[0]))
                        return record_invalid(BACKUP_MANIFEST, line, "unknown field", k[0]);
                else if (words_get(k + 2, k[0]))
                        return record_invalid(BACKUP_MANIFEST, line, "field given twice", k[0]);
        path = words_get(w, "path");
        if (!path)
                return record_invalid(BACKUP_MANIFEST, line, "missing path=", NULL);
        if (!path_is_normalized_absolute(path))
                return record_invalid(BACKUP_MANIFEST, line,
                        "path= is not an absolute, normalized path inside the root", path);
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
                BackupEntry *e;

                if (!line) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (line_is_comment_or_blank(&l))
                        continue;
                r = words_parse(line, &w);
                if (r < 0)
                        goto fail;
                e = realloc(m.entries, sizeof(BackupEntry) * (m.n + 1));
                if (!e) {
                        r = -ENOMEM;
                        goto fail;
                }
                m.entries = e;
                r = manifest_parse_line(w, l.number, &m, &e[m.n]);
                if (r < 0)
                        goto fail;
                m.n++;
        }
        *ret = m;
        return 0;
fail:
        manifest_done(&m);
        return r;
}

static int manifest_save(int statefd, const Manifest *m) {
        Buf b = {};
        int r = buf_puts(&b, "# kvmigrate backup: the originals of every file the migration changed\n");

        for (size_t i = 0; i < m->n && r >= 0; i++) {
                _cleanup_free_ char *p = value_escape(m->entries[i].path);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                r = buf_printf(&b, "file path=%s kind=%s mode=%04o uid=%u gid=%u\n", p,
                        file_kind_to_string(m->entries[i].kind),
                        (unsigned) (m->entries[i].st.st_mode & 07777), (unsigned) m->entries[i].st.st_uid,
                        (unsigned) m->entries[i].st.st_gid);
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
                _cleanup_close_ int dfd = open_parent(rootfd, path, false, &name);
                if (dfd < 0)
                        return dfd;
                if (fstatat(dfd, name, &e.st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
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
        if (!e.path)
                return -ENOMEM;
        entries = realloc(m->entries, sizeof(BackupEntry) * (m->n + 1));
        if (!entries) {
                free(e.path);
                return -ENOMEM;
        }
        m->entries = entries;
        m->entries[m->n++] = e;
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

static int journal_apply_one(int rootfd, int statefd, size_t i, const JournalEdit *e, const FileContent *c) {
        int r;

        r = put_content(rootfd, e->path, c, NULL);
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
                if (!landed[i])
                        r = journal_apply_one(rootfd, statefd, i, &edits[i], &contents[i]);
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
        for (size_t i = 0; i < plan->n_edits && r >= 0; i++)
                r = backup_one(rootfd, statefd, &m, plan->edits[i].path);
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
                r = journal_read_new(statefd, i, &c);
                if (r >= 0)
                        r = journal_apply_one(rootfd, statefd, i, &je, &c);
                if (r < 0)
                        return r; /* the journal stays: the next run finishes it */
                if (progress)
                        progress(&plan->edits[i], userdata);
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

int apply_rollback(int rootfd, char ***ret_paths) {
        _cleanup_(manifest_done) Manifest m = {};
        _cleanup_free_ char *keep = NULL;
        _cleanup_close_ int statefd = -1;
        FileContent *originals = NULL;
        char **paths = NULL;
        size_t n_paths = 0;
        int r;

        statefd = root_open_dir(rootfd, "/" STATE_DIR, false);
        if (statefd == -ENOENT)
                return statefd;
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, file_strerror(statefd));
        /* A backup that is not what apply wrote refuses the rollback: -EBADMSG, nothing changed. */
        r = manifest_load(statefd, &m);
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
        if (r >= 0) {
                r = journal_remove(statefd);
                if (r < 0)
                        log_error("/%s/%s: cannot remove: %s", STATE_DIR, JOURNAL_DIR, file_strerror(r));
        }

        for (size_t i = m.n; i > 0 && r >= 0; i--) {
                const BackupEntry *e = &m.entries[i - 1];
                const FileContent *c = &originals[i - 1];

                /* What is there now may hold an admin's later edits: it is kept too, nothing is lost. */
                r = keep_replaced(rootfd, statefd, e->path, c);
                if (r < 0) {
                        log_error("%s: cannot keep its current content: %s", e->path, file_strerror(r));
                        break;
                }
                r = put_content(rootfd, e->path, c, e->kind == FILE_REGULAR ? &e->st : NULL);
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
        if (r >= 0) {
                if (asprintf(&keep, "%s.rolled-back-%llu", BACKUP_DIR, now_usec()) < 0) {
                        keep = NULL;
                        r = -ENOMEM;
                } else if (renameat(statefd, BACKUP_DIR, statefd, keep) < 0)
                        r = log_error_errno(-errno, "/%s/%s: cannot keep: %m", STATE_DIR, BACKUP_DIR);
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
