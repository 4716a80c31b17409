/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "apply.h"
#include "root.h"
#include "state.h"
#include "util.h"

#define KV "var/lib/kvmigrate"
#define BACKUP KV "/backup"
#define JOURNAL KV "/journal"
#define WANTS "/etc/systemd/system/multi-user.target.wants/a.service"
#define WANTS_OLD "/lib/systemd/system/a.service"
#define WANTS_NEW "/etc/systemd/system/a.service"

static const char fstab_old[] = "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                                "/dev/xvda1 / ext4 errors=remount-ro 0 1\n"
                                "/dev/xvdb none swap sw 0 0\n";
static const char fstab_new[] = "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                                "UUID=0b5d7d2a-8f0e-4c52-9d2e-3f1a6b7c8d9e / ext4 errors=remount-ro 0 1\n"
                                "UUID=5c1e2f3a-0000-4000-8000-000000000002 none swap sw 0 0\n";
static const char grub_old[] = "GRUB_CMDLINE_LINUX=\"console=hvc0 root=/dev/xvda1\"\n";
static const char grub_new[] = "GRUB_CMDLINE_LINUX=\"console=ttyS0,115200n8 root=UUID=0b5d\"\n";

typedef struct Root {
        char path[64];
        int fd;
        mode_t old_umask;
} Root;

static int rm_one(
        const char *p, const struct stat *st _unused_, int type _unused_, struct FTW *ftw _unused_) {
        return remove(p) < 0 ? -1 : 0;
}

static void rm_rf(const char *path) {
        assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static int root_setup(void **state) {
        Root *r = calloc(1, sizeof(Root));

        assert_non_null(r);
        r->old_umask = umask(022);
        strcpy(r->path, "/tmp/test-apply-XXXXXX");
        assert_non_null(mkdtemp(r->path));
        r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(r->fd >= 0);
        assert_int_equal(mkdir_p_at(r->fd, "var/lib", 0755), 0);
        assert_int_equal(mkdir_p_at(r->fd, "etc", 0755), 0);
        *state = r;
        return 0;
}

static int root_teardown(void **state) {
        Root *r = *state;
        _cleanup_free_ char *outside = NULL;

        (void) close(r->fd);
        rm_rf(r->path);
        /* What a failed confinement test may have left beside the root. */
        assert_true(asprintf(&outside, "%s-outside", r->path) > 0);
        if (access(outside, F_OK) == 0)
                rm_rf(outside);
        (void) umask(r->old_umask);
        free(r);
        return 0;
}

static void put_file(int rootfd, const char *path, const char *text, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_free_ char *dir = strdup(path);

        assert_non_null(dir);
        if (strrchr(dir, '/')) {
                *strrchr(dir, '/') = 0;
                assert_int_equal(mkdir_p_at(rootfd, dir, 0755), 0);
        }
        assert_int_equal(write_file_atomic_at(rootfd, path, text, strlen(text), mode), 0);
        assert_int_equal(fchownat(rootfd, path, uid, gid, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(fchmodat(rootfd, path, mode, 0), 0);
}

static void put_link(int rootfd, const char *path, const char *target) {
        _cleanup_free_ char *dir = strdup(path);

        assert_non_null(dir);
        if (strrchr(dir, '/')) {
                *strrchr(dir, '/') = 0;
                assert_int_equal(mkdir_p_at(rootfd, dir, 0755), 0);
        }
        assert_int_equal(symlinkat(target, rootfd, path), 0);
}

static void assert_file(int rootfd, const char *path, const char *text, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_free_ char *data = NULL;
        struct stat st;
        size_t size;

        if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                fail_msg("%s: %m", path);
        if (!S_ISREG(st.st_mode))
                fail_msg("%s: not a regular file (mode %o)", path, (unsigned) st.st_mode);
        assert_int_equal(st.st_mode & 07777, mode);
        assert_int_equal(st.st_uid, uid);
        assert_int_equal(st.st_gid, gid);
        assert_int_equal(read_full_at(rootfd, path, &data, &size), 0);
        if (size != strlen(text) || memcmp(data, text, size) != 0)
                fail_msg("%s holds \"%s\", expected \"%s\"", path, data, text);
}

static void assert_link(int rootfd, const char *path, const char *target) {
        char buf[PATH_MAX];
        ssize_t n;

        n = readlinkat(rootfd, path, buf, sizeof buf - 1);
        if (n < 0)
                fail_msg("%s: not a link: %m", path);
        buf[n] = 0;
        assert_string_equal(buf, target);
}

static void assert_absent(int rootfd, const char *path) {
        struct stat st;

        if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                fail_msg("%s exists (mode %o)", path, (unsigned) st.st_mode);
        assert_int_equal(errno, ENOENT);
}

/*
 * Everything below the root as one sorted text: per entry its path, type,
 * mode, owner and content (files) or target (links). Two equal snapshots
 * mean nothing changed, byte for byte. kvmigrate's own folder can be left out.
 */
static char **snap_lines;
static size_t snap_n;
static size_t snap_prefix;
static bool snap_skip_state;

static int snap_one(const char *p, const struct stat *st, int type _unused_, struct FTW *ftw _unused_) {
        const char *rel = p + snap_prefix;
        _cleanup_free_ char *content = NULL, *esc = NULL;
        char *line;

        if (!*rel)
                return 0;
        if (snap_skip_state && startswith(rel, "/" KV))
                return 0;
        if (S_ISREG(st->st_mode)) {
                assert_int_equal(read_full_at(AT_FDCWD, p, &content, NULL), 0);
        } else if (S_ISLNK(st->st_mode)) {
                char buf[PATH_MAX];
                ssize_t n = readlink(p, buf, sizeof buf - 1);
                assert_true(n >= 0);
                content = strndup(buf, (size_t) n);
        } else
                content = strdup("");
        assert_non_null(content);
        esc = value_escape(content);
        assert_non_null(esc);
        assert_true(asprintf(&line, "%s %o %u:%u %s", rel, (unsigned) st->st_mode, (unsigned) st->st_uid,
                            (unsigned) st->st_gid, esc) > 0);
        assert_int_equal(strv_push(&snap_lines, &snap_n, line), 0);
        return 0;
}

static int compare_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *snapshot(const Root *r, bool skip_state) {
        Buf b = {};

        snap_lines = NULL;
        snap_n = 0;
        snap_prefix = strlen(r->path);
        snap_skip_state = skip_state;
        assert_int_equal(nftw(r->path, snap_one, 16, FTW_PHYS), 0);
        if (snap_n > 0)
                qsort(snap_lines, snap_n, sizeof(char *), compare_str);
        for (size_t i = 0; i < snap_n; i++)
                assert_int_equal(buf_printf(&b, "%s\n", snap_lines[i]), 0);
        strv_free(snap_lines);
        snap_lines = NULL;
        return buf_steal(&b);
}

static void assert_snapshot(const Root *r, bool skip_state, const char *expected) {
        _cleanup_free_ char *now = snapshot(r, skip_state);

        assert_non_null(now);
        if (!streq(now, expected))
                fail_msg("the tree changed:\nnow:\n%s\nexpected:\n%s", now, expected);
}

/* The guest: files of every kind an edit meets. */
static void build_guest(const Root *r) {
        put_file(r->fd, "etc/fstab", fstab_old, 0640, 1234, 5678);
        put_file(r->fd, "etc/old.conf", "old=1\n", 0600, 42, 43);
        put_file(r->fd, "etc/default/grub", grub_old, 0620, 7, 8);
        put_file(r->fd, "etc/my file.conf", "x\n", 0644, 0, 0);
        put_file(r->fd, "lib/systemd/system/a.service", "[Unit]\n", 0644, 0, 0);
        put_link(r->fd, "etc/sysconfig/grub", "../default/grub");
        put_link(r->fd, WANTS + 1, WANTS_OLD);
}

static FileContent regular(const char *s) {
        return (FileContent){ .kind = FILE_REGULAR, .data = (char *) s, .size = strlen(s) };
}

/* The plan a migration would make for build_guest(), the old sides read from the guest as fixers do. */
static void build_plan(const Root *r, Plan *p) {
        _cleanup_free_ char *grub = NULL;
        FileContent cur = {};
        const FileContent absent = { .kind = FILE_ABSENT };
        const FileContent created = regular("created=1\n");
        const FileContent link_new = {
                .kind = FILE_SYMLINK, .data = (char *) WANTS_NEW, .size = strlen(WANTS_NEW)
        };

        *p = (Plan){};
        assert_int_equal(read_file_content(r->fd, "/etc/fstab", &cur), 0);
        assert_int_equal(plan_replace(p, "/etc/fstab", cur.data, cur.size, fstab_new, strlen(fstab_new),
                                 "fstab", NULL),
                0);
        file_content_done(&cur);

        assert_int_equal(read_file_content(r->fd, "/etc/new.conf", &cur), 0);
        assert_int_equal(cur.kind, FILE_ABSENT);
        assert_int_equal(plan_add(p, "/etc/new.conf", &cur, &created, "test", NULL), 0);

        assert_int_equal(read_file_content(r->fd, "/etc/old.conf", &cur), 0);
        assert_int_equal(plan_add(p, "/etc/old.conf", &cur, &absent, "test", NULL), 0);
        file_content_done(&cur);

        assert_int_equal(read_file_content(r->fd, WANTS, &cur), 0);
        assert_int_equal(cur.kind, FILE_SYMLINK);
        assert_int_equal(plan_add(p, WANTS, &cur, &link_new, "units", NULL), 0);
        file_content_done(&cur);

        /* Reached through etc/sysconfig/grub: the edit names the target. */
        assert_int_equal(root_chase(r->fd, "/etc/sysconfig/grub", 0, &grub), 0);
        assert_string_equal(grub, "/etc/default/grub");
        assert_int_equal(read_file_content(r->fd, grub, &cur), 0);
        assert_int_equal(
                plan_replace(p, grub, cur.data, cur.size, grub_new, strlen(grub_new), "grub2", NULL), 0);
        file_content_done(&cur);

        assert_int_equal(read_file_content(r->fd, "/etc/my file.conf", &cur), 0);
        assert_int_equal(
                plan_replace(p, "/etc/my file.conf", cur.data, cur.size, "y\n", 2, "test", NULL), 0);
        file_content_done(&cur);

        assert_int_equal(p->n_edits, 6);
}

static void on_edit(const Edit *e, void *userdata) {
        Buf *b = userdata;

        assert_int_equal(buf_printf(b, "%s\n", e->path), 0);
}

/* No ".#NAME.kvmigrate" nor "*.kvmigrate-tmp" left in @dir. */
static void assert_no_temporaries(int rootfd, const char *dir) {
        int fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        assert_true(fd >= 0);
        d = fdopendir(fd);
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));)
                if (strstr(de->d_name, "kvmigrate"))
                        fail_msg("%s/%s left behind", dir, de->d_name);
        closedir(d);
}

static void assert_applied(const Root *r) {
        assert_file(r->fd, "etc/fstab", fstab_new, 0640, 1234, 5678);
        assert_file(r->fd, "etc/new.conf", "created=1\n", 0644, 0, 0);
        assert_absent(r->fd, "etc/old.conf");
        assert_link(r->fd, WANTS + 1, WANTS_NEW);
        assert_link(r->fd, "etc/sysconfig/grub", "../default/grub");
        assert_file(r->fd, "etc/default/grub", grub_new, 0620, 7, 8);
        assert_file(r->fd, "etc/my file.conf", "y\n", 0644, 0, 0);
        assert_file(r->fd, "lib/systemd/system/a.service", "[Unit]\n", 0644, 0, 0);
        assert_absent(r->fd, JOURNAL);
        assert_no_temporaries(r->fd, "etc");
        assert_no_temporaries(r->fd, "etc/default");
        assert_no_temporaries(r->fd, "etc/systemd/system/multi-user.target.wants");
}

/* The manifest's record of @path, as its words. */
static char **manifest_record(int rootfd, const char *path) {
        _cleanup_free_ char *text = NULL;
        Line l = {};
        size_t size, pos = 0;
        char **found = NULL;

        assert_int_equal(read_full_at(rootfd, BACKUP "/manifest", &text, &size), 0);
        while (line_next(text, size, &pos, &l)) {
                _cleanup_free_ char *line = strndup(l.p, l.len);
                char **w = NULL;

                assert_non_null(line);
                if (line_is_comment_or_blank(&l))
                        continue;
                assert_int_equal(words_parse(line, &w), 0);
                assert_non_null(w[0]);
                if (streq(w[0], "file") && streq_ptr(words_get(w, "path"), path)) {
                        assert_null(found);
                        found = w;
                } else
                        strv_free(w);
        }
        if (!found)
                fail_msg("%s: not in the manifest:\n%s", path, text);
        return found;
}

static void assert_backup(int rootfd, const char *path, const char *kind, const char *mode, const char *uid,
        const char *gid, const char *content) {
        _cleanup_(strv_freep) char **w = manifest_record(rootfd, path);
        _cleanup_free_ char *bpath = NULL;

        assert_string_equal(words_get(w, "kind"), kind);
        if (mode)
                assert_string_equal(words_get(w, "mode"), mode);
        if (uid)
                assert_string_equal(words_get(w, "uid"), uid);
        if (gid)
                assert_string_equal(words_get(w, "gid"), gid);
        assert_true(asprintf(&bpath, BACKUP "/files%s", path) > 0);
        if (content)
                /* Kept for root only: the originals may be secrets. */
                assert_file(rootfd, bpath, content, 0600, 0, 0);
        else
                assert_absent(rootfd, bpath);
}

static void test_apply(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        Buf progress = {};
        struct stat st;

        build_guest(r);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, on_edit, &progress), 0);

        /* Each edit reported once it landed, in plan order. */
        assert_non_null(progress.data);
        assert_string_equal(progress.data,
                "/etc/fstab\n/etc/new.conf\n/etc/old.conf\n" WANTS
                "\n/etc/default/grub\n/etc/my file.conf\n");
        buf_done(&progress);

        assert_applied(r);

        /* The originals, with what it takes to restore them. */
        assert_int_equal(fstatat(r->fd, BACKUP, &st, 0), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_backup(r->fd, "/etc/fstab", "regular", "0640", "1234", "5678", fstab_old);
        assert_backup(r->fd, "/etc/new.conf", "absent", NULL, NULL, NULL, NULL);
        assert_backup(r->fd, "/etc/old.conf", "regular", "0600", "42", "43", "old=1\n");
        assert_backup(r->fd, WANTS, "symlink", NULL, NULL, NULL, WANTS_OLD);
        assert_backup(r->fd, "/etc/default/grub", "regular", "0620", "7", "8", grub_old);
        assert_backup(r->fd, "/etc/my file.conf", "regular", "0644", "0", "0", "x\n");
        assert_absent(r->fd, BACKUP "/files/etc/sysconfig");
        {
                _cleanup_free_ char *text = NULL;
                assert_int_equal(read_full_at(r->fd, BACKUP "/manifest", &text, NULL), 0);
                /* A path with a blank is one word. */
                assert_non_null(strstr(text, " path=/etc/my\\x20file.conf "));
        }

        /* The same plan again: every file holds the new side now, so it is stale. */
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -ESTALE);
        assert_applied(r);
}

static void test_apply_empty_plan(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;
        Plan p = {};

        build_guest(r);
        before = snapshot(r, false);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_snapshot(r, false, before);
        assert_absent(r->fd, KV);
}

static void test_apply_stale(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        build_plan(r, &p);
        /* An administrator edits one file between plan and apply. */
        put_file(r->fd, "etc/default/grub", "GRUB_TIMEOUT=5\n", 0620, 7, 8);
        before = snapshot(r, false);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -ESTALE);
        assert_snapshot(r, false, before);
        assert_absent(r->fd, KV);
}

static void test_apply_stale_kinds(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;

        build_guest(r);

        {
                /* Expected absent, now there. */
                _cleanup_(plan_done) Plan p = {};
                build_plan(r, &p);
                put_file(r->fd, "etc/new.conf", "", 0644, 0, 0);
                before = snapshot(r, false);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -ESTALE);
                assert_snapshot(r, false, before);
                assert_int_equal(unlinkat(r->fd, "etc/new.conf", 0), 0);
                free(before);
        }
        {
                /* A link retargeted meanwhile. */
                _cleanup_(plan_done) Plan p = {};
                build_plan(r, &p);
                assert_int_equal(unlinkat(r->fd, WANTS + 1, 0), 0);
                put_link(r->fd, WANTS + 1, "/usr/lib/systemd/system/a.service");
                before = snapshot(r, false);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -ESTALE);
                assert_snapshot(r, false, before);
                assert_int_equal(unlinkat(r->fd, WANTS + 1, 0), 0);
                put_link(r->fd, WANTS + 1, WANTS_OLD);
                free(before);
        }
        {
                /* A file deleted meanwhile. */
                _cleanup_(plan_done) Plan p = {};
                build_plan(r, &p);
                assert_int_equal(unlinkat(r->fd, "etc/old.conf", 0), 0);
                before = snapshot(r, false);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -ESTALE);
                assert_snapshot(r, false, before);
        }
        assert_absent(r->fd, KV);
}

static void test_apply_busy(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        build_plan(r, &p);
        assert_int_equal(mkdir_p_at(r->fd, JOURNAL, 0700), 0);
        before = snapshot(r, false);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -EBUSY);
        assert_snapshot(r, false, before);
}

static void test_rollback(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_(strv_freep) char **paths = NULL;
        _cleanup_free_ char *before = NULL, *kept = NULL;
        char **names = NULL;

        build_guest(r);
        before = snapshot(r, true);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_applied(r);

        assert_int_equal(apply_rollback(r->fd, &paths), 0);

        /* Byte for byte, mode and owner, links and absences: the tree as it was. */
        assert_snapshot(r, true, before);
        assert_file(r->fd, "etc/fstab", fstab_old, 0640, 1234, 5678);
        assert_absent(r->fd, "etc/new.conf");
        assert_file(r->fd, "etc/old.conf", "old=1\n", 0600, 42, 43);
        assert_link(r->fd, WANTS + 1, WANTS_OLD);
        assert_link(r->fd, "etc/sysconfig/grub", "../default/grub");
        assert_file(r->fd, "etc/default/grub", grub_old, 0620, 7, 8);
        assert_file(r->fd, "etc/my file.conf", "x\n", 0644, 0, 0);
        assert_no_temporaries(r->fd, "etc");

        /* Every restored path, last change first. */
        assert_non_null(paths);
        assert_int_equal(strv_length(paths), 6);
        assert_string_equal(paths[0], "/etc/my file.conf");
        assert_string_equal(paths[1], "/etc/default/grub");
        assert_string_equal(paths[2], WANTS);
        assert_string_equal(paths[3], "/etc/old.conf");
        assert_string_equal(paths[4], "/etc/new.conf");
        assert_string_equal(paths[5], "/etc/fstab");

        /* The backup is kept aside, under a new name, whole. */
        assert_absent(r->fd, BACKUP);
        assert_absent(r->fd, JOURNAL);
        assert_int_equal(root_list_dir(r->fd, "/" KV, false, &names), 0);
        assert_int_equal(strv_length(names), 1);
        assert_non_null(startswith(names[0], "backup.rolled-back-"));
        assert_true(strlen(names[0]) > strlen("backup.rolled-back-"));
        assert_int_equal(strspn(names[0] + strlen("backup.rolled-back-"), "0123456789"),
                strlen(names[0] + strlen("backup.rolled-back-")));
        assert_true(asprintf(&kept, KV "/%s/files/etc/fstab", names[0]) > 0);
        assert_file(r->fd, kept, fstab_old, 0600, 0, 0);
        strv_free(names);

        /* Nothing more to roll back. */
        assert_int_equal(apply_rollback(r->fd, NULL), -ENOENT);
        assert_snapshot(r, true, before);
}

static void test_rollback_keeps_first_original(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        before = snapshot(r, true);
        {
                _cleanup_(plan_done) Plan p = {};
                assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), "B\n", 2,
                                         "fstab", NULL),
                        0);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        }
        {
                /* A later run changes the file again and creates one more. */
                _cleanup_(plan_done) Plan p = {};
                const FileContent absent = { .kind = FILE_ABSENT }, n = regular("n\n");

                assert_int_equal(plan_replace(&p, "/etc/fstab", "B\n", 2, "C\n", 2, "fstab", NULL), 0);
                assert_int_equal(plan_add(&p, "/etc/later.conf", &absent, &n, "test", NULL), 0);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        }
        assert_file(r->fd, "etc/fstab", "C\n", 0640, 1234, 5678);
        assert_backup(r->fd, "/etc/fstab", "regular", "0640", "1234", "5678", fstab_old);

        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_snapshot(r, true, before);
}

static void test_rollback_discards_journal(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        before = snapshot(r, true);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        /* A run cut off after its commit point, then rolled back instead of finished. */
        put_file(r->fd, JOURNAL "/plan", "edit n=0 path=/etc/fstab new=regular\ncommitted\n", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/new-0", "half\n", 0600, 0, 0);

        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_absent(r->fd, JOURNAL);
        assert_snapshot(r, true, before);
        assert_int_equal(apply_recover(r->fd, NULL), 0);
        assert_snapshot(r, true, before);
}

static void test_rollback_without_backup(void **state) {
        Root *r = *state;
        char **paths = (char **) 0x1;

        build_guest(r);
        assert_int_equal(apply_rollback(r->fd, &paths), -ENOENT);
        assert_absent(r->fd, KV "/backup.rolled-back-0");
}

/* The journal a run leaves when it is cut off: plan lines, and the new contents. */
static void write_journal(const Root *r, const char *plan) {
        assert_int_equal(mkdir_p_at(r->fd, JOURNAL, 0700), 0);
        put_file(r->fd, JOURNAL "/plan", plan, 0600, 0, 0);
}

static void test_recover_committed(void **state) {
        Root *r = *state;
        _cleanup_(strv_freep) char **paths = NULL;

        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        write_journal(r, "edit n=0 path=/etc/fstab new=regular\ncommitted\n");
        put_file(r->fd, JOURNAL "/new-0", "new\n", 0600, 0, 0);

        assert_int_equal(apply_recover(r->fd, &paths), 1);
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);
        assert_absent(r->fd, JOURNAL);
        assert_no_temporaries(r->fd, "etc");
        assert_non_null(paths);
        assert_int_equal(strv_length(paths), 1);
        assert_string_equal(paths[0], "/etc/fstab");

        /* Done: nothing more to recover, and a new run may start. */
        assert_int_equal(apply_recover(r->fd, NULL), 0);
        {
                _cleanup_(plan_done) Plan p = {};
                assert_int_equal(plan_replace(&p, "/etc/fstab", "new\n", 4, "newer\n", 6, "fstab", NULL), 0);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
                assert_file(r->fd, "etc/fstab", "newer\n", 0640, 1234, 5678);
        }
}

static void test_recover_partly_done(void **state) {
        Root *r = *state;
        _cleanup_(strv_freep) char **paths = NULL;

        /* Edit 0 landed already (and was changed since: it must not be written again). */
        put_file(r->fd, "etc/a", "landed\n", 0644, 0, 0);
        put_file(r->fd, "etc/b", "delete me\n", 0644, 0, 0);
        put_file(r->fd, "etc/c d", "to become a link\n", 0644, 0, 0);
        write_journal(r,
                "edit n=0 path=/etc/a new=regular\n"
                "edit n=1 path=/etc/b new=absent\n"
                "edit n=2 path=/etc/c\\x20d new=symlink\n"
                "edit n=3 path=/etc/sub/dir/new new=regular\n"
                "committed\n");
        put_file(r->fd, JOURNAL "/new-0", "new-a\n", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/new-2", "/etc/a", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/new-3", "fresh\n", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/done", "done=0\n", 0600, 0, 0);

        assert_int_equal(apply_recover(r->fd, &paths), 1);
        assert_file(r->fd, "etc/a", "landed\n", 0644, 0, 0);
        assert_absent(r->fd, "etc/b");
        assert_link(r->fd, "etc/c d", "/etc/a");
        assert_file(r->fd, "etc/sub/dir/new", "fresh\n", 0644, 0, 0);
        assert_absent(r->fd, JOURNAL);

        assert_non_null(paths);
        assert_int_equal(strv_length(paths), 4);
        assert_string_equal(paths[0], "/etc/a");
        assert_string_equal(paths[1], "/etc/b");
        assert_string_equal(paths[2], "/etc/c d");
        assert_string_equal(paths[3], "/etc/sub/dir/new");
}

static void test_recover_uncommitted(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;
        char **paths = (char **) 0x1;

        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        before = snapshot(r, true);
        write_journal(r, "edit n=0 path=/etc/fstab new=regular\n");
        put_file(r->fd, JOURNAL "/new-0", "new\n", 0600, 0, 0);

        assert_int_equal(apply_recover(r->fd, &paths), 0);
        assert_null(paths);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        assert_absent(r->fd, JOURNAL);
        assert_snapshot(r, true, before);
}

static void test_recover_before_plan_written(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;

        /* Cut off while the new contents were written, before the plan file. */
        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        before = snapshot(r, true);
        put_file(r->fd, JOURNAL "/new-0", "new\n", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/new-1.kvmigrate-tmp", "ne", 0600, 0, 0);

        assert_int_equal(apply_recover(r->fd, NULL), 0);
        assert_absent(r->fd, JOURNAL);
        assert_snapshot(r, true, before);
}

static void test_recover_nothing(void **state) {
        Root *r = *state;
        char **paths = (char **) 0x1;

        assert_int_equal(apply_recover(r->fd, &paths), 0);
        assert_null(paths);
        assert_absent(r->fd, KV);
}

static void test_recover_malformed(void **state) {
        Root *r = *state;

        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        write_journal(r, "edit n=0 path=/etc/fstab new=regular\nbogus line\ncommitted\n");
        put_file(r->fd, JOURNAL "/new-0", "new\n", 0600, 0, 0);

        assert_int_equal(apply_recover(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        /* Kept for a person to look at; a new run is refused meanwhile. */
        assert_file(r->fd, JOURNAL "/plan", "edit n=0 path=/etc/fstab new=regular\nbogus line\ncommitted\n",
                0600, 0, 0);
}

static void test_recover_committed_missing_content(void **state) {
        Root *r = *state;
        int k;

        put_file(r->fd, "etc/a", "old a\n", 0644, 0, 0);
        put_file(r->fd, "etc/b", "old b\n", 0644, 0, 0);
        write_journal(r, "edit n=0 path=/etc/a new=regular\nedit n=1 path=/etc/b new=regular\ncommitted\n");
        put_file(r->fd, JOURNAL "/new-0", "new a\n", 0600, 0, 0);

        k = apply_recover(r->fd, NULL);
        assert_true(k < 0);
        assert_file(r->fd, JOURNAL "/plan",
                "edit n=0 path=/etc/a new=regular\nedit n=1 path=/etc/b new=regular\ncommitted\n", 0600, 0,
                0);
        assert_file(r->fd, "etc/b", "old b\n", 0644, 0, 0);
}

static void crash_after_two(const Edit *e _unused_, void *userdata) {
        int *n = userdata;

        if (++*n == 2)
                _exit(0); /* power lost right after the second edit landed */
}

static void test_crash_then_recover(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_(strv_freep) char **paths = NULL;
        int status;
        pid_t pid;

        build_guest(r);
        build_plan(r, &p);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int n = 0;
                _exit(apply_plan(r->fd, &p, crash_after_two, &n) == 0 ? 3 : 4);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        /* Half done: the first two edits only, the journal says so. */
        assert_file(r->fd, "etc/fstab", fstab_new, 0640, 1234, 5678);
        assert_file(r->fd, "etc/new.conf", "created=1\n", 0644, 0, 0);
        assert_file(r->fd, "etc/old.conf", "old=1\n", 0600, 42, 43);
        assert_file(r->fd, JOURNAL "/done", "done=0\ndone=1\n", 0600, 0, 0);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -EBUSY);

        assert_int_equal(apply_recover(r->fd, &paths), 1);
        assert_applied(r);
        assert_int_equal(strv_length(paths), 6);

        /* And the backup taken before the crash still rolls everything back. */
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_file(r->fd, "etc/fstab", fstab_old, 0640, 1234, 5678);
        assert_absent(r->fd, "etc/new.conf");
        assert_file(r->fd, "etc/old.conf", "old=1\n", 0600, 42, 43);
        assert_link(r->fd, WANTS + 1, WANTS_OLD);
        assert_file(r->fd, "etc/default/grub", grub_old, 0620, 7, 8);
}

static void test_read_file_content(void **state) {
        Root *r = *state;
        FileContent c = {};

        build_guest(r);
        assert_int_equal(read_file_content(r->fd, "/etc/old.conf", &c), 0);
        assert_int_equal(c.kind, FILE_REGULAR);
        assert_int_equal(c.size, 6);
        assert_memory_equal(c.data, "old=1\n", 7);
        file_content_done(&c);

        /* A link at the end is the link, not its target. */
        assert_int_equal(read_file_content(r->fd, "/etc/sysconfig/grub", &c), 0);
        assert_int_equal(c.kind, FILE_SYMLINK);
        assert_int_equal(c.size, strlen("../default/grub"));
        assert_string_equal(c.data, "../default/grub");
        file_content_done(&c);

        assert_int_equal(read_file_content(r->fd, "/etc/absent", &c), 0);
        assert_int_equal(c.kind, FILE_ABSENT);
        assert_null(c.data);
        assert_int_equal(read_file_content(r->fd, "/etc/no/such/folder/file", &c), 0);
        assert_int_equal(c.kind, FILE_ABSENT);

        /* Canonical paths only: a link on the way is refused, not followed. */
        assert_int_equal(read_file_content(r->fd, "/etc/sysconfig/grub/x", &c), -ELOOP);
        assert_int_equal(read_file_content(r->fd, "/etc/default", &c), -EBADFD);
        assert_int_equal(mkfifoat(r->fd, "etc/fifo", 0600), 0);
        assert_int_equal(read_file_content(r->fd, "/etc/fifo", &c), -EBADFD);
}

static void test_apply_symlink_to_regular(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        const FileContent o = {
                .kind = FILE_SYMLINK, .data = (char *) WANTS_OLD, .size = strlen(WANTS_OLD)
        };
        const FileContent n = regular("[Unit]\nDescription=local copy\n");

        build_guest(r);
        assert_int_equal(plan_add(&p, WANTS, &o, &n, "units", NULL), 0);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_file(r->fd, WANTS + 1, "[Unit]\nDescription=local copy\n", 0644, 0, 0);
        assert_absent(r->fd, JOURNAL);
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_link(r->fd, WANTS + 1, WANTS_OLD);
}

static void test_apply_regular_to_symlink(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        const FileContent o = regular("old=1\n");
        const FileContent n = { .kind = FILE_SYMLINK, .data = (char *) "/etc/fstab", .size = 10 };

        build_guest(r);
        assert_int_equal(plan_add(&p, "/etc/old.conf", &o, &n, "test", NULL), 0);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_link(r->fd, "etc/old.conf", "/etc/fstab");
        assert_backup(r->fd, "/etc/old.conf", "regular", "0600", "42", "43", "old=1\n");
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_file(r->fd, "etc/old.conf", "old=1\n", 0600, 42, 43);
}

/* A folder beside the root, which nothing may touch. */
static char *make_outside(const Root *r) {
        char *outside = NULL;

        assert_true(asprintf(&outside, "%s-outside", r->path) > 0);
        assert_int_equal(mkdir(outside, 0755), 0);
        return outside;
}

static void assert_outside_empty(const char *outside) {
        int fd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **names = NULL;
        size_t n;

        assert_true(fd >= 0);
        assert_int_equal(root_list_dir(fd, "/", false, &names), 0);
        n = strv_length(names);
        if (n > 0)
                fail_msg("written outside the root: %s/%s", outside, names[0]);
        strv_free(names);
        (void) close(fd);
}

static void test_state_dir_link_out_of_root(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *outside = NULL;

        outside = make_outside(r);
        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        put_link(r->fd, KV, outside);
        assert_int_equal(plan_replace(&p, "/etc/fstab", "old\n", 4, "new\n", 4, "fstab", NULL), 0);
        (void) apply_plan(r->fd, &p, NULL, NULL);
        (void) apply_rollback(r->fd, NULL);
        assert_outside_empty(outside);
        rm_rf(outside);
}

static void test_rollback_parent_link_out_of_root(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *outside = NULL;
        const FileContent o = regular("deleted\n"), absent = { .kind = FILE_ABSENT };

        outside = make_outside(r);
        put_file(r->fd, "etc/deep/dir/f", "deleted\n", 0644, 0, 0);
        assert_int_equal(plan_add(&p, "/etc/deep/dir/f", &o, &absent, "test", NULL), 0);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_absent(r->fd, "etc/deep/dir/f");

        /* The guest replaces /etc/deep by a link meanwhile. */
        assert_int_equal(unlinkat(r->fd, "etc/deep/dir", AT_REMOVEDIR), 0);
        assert_int_equal(unlinkat(r->fd, "etc/deep", AT_REMOVEDIR), 0);
        put_link(r->fd, "etc/deep", outside);
        (void) apply_rollback(r->fd, NULL);
        assert_outside_empty(outside);
        rm_rf(outside);
}

/* Issue 10: an applied fstab edit, and the manifest apply wrote for it. */
static void applied_fstab(Root *r) {
        _cleanup_(plan_done) Plan p = {};

        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        assert_int_equal(plan_replace(&p, "/etc/fstab", "old\n", 4, "new\n", 4, "fstab", NULL), 0);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);
}

/* Rollback with @line as the manifest's one record: refused with -EBADMSG, nothing changed. */
static void assert_manifest_refused(Root *r, const char *line) {
        _cleanup_free_ char *before = NULL, *text = NULL;

        assert_true(asprintf(&text, "# forged\n%s\n", line) > 0);
        put_file(r->fd, BACKUP "/manifest", text, 0600, 0, 0);
        before = snapshot(r, false);
        if (apply_rollback(r->fd, NULL) != -EBADMSG)
                fail_msg("the manifest line \"%s\" was not refused", line);
        assert_snapshot(r, false, before);
}

static void test_rollback_manifest_invalid(void **state) {
        Root *r = *state;
        _cleanup_free_ char *outside = NULL, *line = NULL, *secret = NULL;
        _cleanup_close_ int ofd = -1;

        /* A host file the forged path climbs to, and a copy of it where the backup would be looked for. */
        outside = make_outside(r);
        ofd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(ofd >= 0);
        put_file(ofd, "shadow", "host secret\n", 0600, 0, 0);
        applied_fstab(r);
        assert_true(asprintf(&line,
                            "file path=/../../../../../../../../../../../../../../..%s/shadow kind=regular "
                            "mode=0644 uid=0 gid=0",
                            outside) > 0);
        assert_manifest_refused(r, line);
        assert_true(asprintf(&secret, "%s%s/shadow", r->path, outside) > 0);
        assert_int_equal(access(secret, F_OK), -1);

        assert_manifest_refused(r, "file path=etc/fstab kind=regular mode=0644 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/./fstab kind=regular mode=0644 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc//fstab kind=regular mode=0644 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=bogus mode=0644 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab mode=0644 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=xyz uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=17777 uid=0 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=-5 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=4294967295 gid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=1x");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=0");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0 gid=5");
        assert_manifest_refused(r, "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0 extra=1");
        assert_manifest_refused(r, "dir path=/etc kind=regular mode=0644 uid=0 gid=0");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "file path=/etc/fstab kind=absent mode=0777 uid=0 gid=0");
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);

        /* The record apply wrote is still taken. */
        put_file(r->fd, BACKUP "/manifest", "file path=/etc/fstab kind=regular mode=0600 uid=7 gid=8\n",
                0600, 0, 0);
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_file(r->fd, "etc/fstab", "old\n", 0600, 7, 8);
        rm_rf(outside);
}

/* Links, FIFOs and folders where the backup's files belong: refused at once, nothing changed. */
static void test_rollback_backup_hostile(void **state) {
        Root *r = *state;
        _cleanup_free_ char *outside = NULL, *before = NULL;
        _cleanup_close_ int ofd = -1;

        outside = make_outside(r);
        ofd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(ofd >= 0);
        put_file(ofd, "canary", "host\n", 0600, 0, 0);
        applied_fstab(r);
        before = snapshot(r, false);

        /* A backup file that is a link to a host file. */
        assert_int_equal(
                renameat(r->fd, BACKUP "/files/etc/fstab", r->fd, BACKUP "/files/etc/fstab.real"), 0);
        assert_int_equal(symlinkat(outside, r->fd, BACKUP "/files/etc/fstab"), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);

        /* A FIFO: never opened blocking. */
        assert_int_equal(unlinkat(r->fd, BACKUP "/files/etc/fstab", 0), 0);
        assert_int_equal(mkfifoat(r->fd, BACKUP "/files/etc/fstab", 0600), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);
        assert_int_equal(unlinkat(r->fd, BACKUP "/files/etc/fstab", 0), 0);
        assert_int_equal(
                renameat(r->fd, BACKUP "/files/etc/fstab.real", r->fd, BACKUP "/files/etc/fstab"), 0);
        assert_snapshot(r, false, before);

        /* A folder where the manifest belongs, and a FIFO. */
        assert_int_equal(renameat(r->fd, BACKUP "/manifest", r->fd, BACKUP "/manifest.real"), 0);
        assert_int_equal(mkdirat(r->fd, BACKUP "/manifest", 0700), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), -EBADMSG);
        assert_int_equal(unlinkat(r->fd, BACKUP "/manifest", AT_REMOVEDIR), 0);
        assert_int_equal(mkfifoat(r->fd, BACKUP "/manifest", 0600), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), -EBADMSG);
        assert_int_equal(unlinkat(r->fd, BACKUP "/manifest", 0), 0);

        /* The whole backup folder a link to the host. */
        assert_int_equal(renameat(r->fd, BACKUP, r->fd, KV "/backup.real"), 0);
        assert_int_equal(symlinkat(outside, r->fd, BACKUP), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);
        assert_file(ofd, "canary", "host\n", 0600, 0, 0);
        rm_rf(outside);
}

/* apply writes its backup below the state folder: a link there to the host is refused. */
static void test_apply_backup_link_out_of_root(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *outside = NULL;
        int k;

        outside = make_outside(r);
        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        put_link(r->fd, BACKUP, outside);
        assert_int_equal(plan_replace(&p, "/etc/fstab", "old\n", 4, "new\n", 4, "fstab", NULL), 0);
        k = apply_plan(r->fd, &p, NULL, NULL);
        assert_true(k == -ELOOP || k == -ENOTDIR);
        assert_outside_empty(outside);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        assert_int_equal(unlinkat(r->fd, BACKUP, 0), 0);

        /* The same one level down. */
        assert_int_equal(mkdir_p_at(r->fd, BACKUP, 0700), 0);
        put_link(r->fd, BACKUP "/files", outside);
        k = apply_plan(r->fd, &p, NULL, NULL);
        assert_true(k == -ELOOP || k == -ENOTDIR);
        assert_outside_empty(outside);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        rm_rf(outside);
}

/* A committed journal is checked in full before the first file changes. */
static void test_recover_journal_invalid(void **state) {
        static const char *const plans[] = {
                "edit n=0 path=/etc/fstab new=bogus\ncommitted\n",
                "edit n=0 path=/etc/fstab\ncommitted\n",
                "edit n=0 path=/../../../etc/fstab new=absent\ncommitted\n",
                "edit n=0 path=etc/fstab new=absent\ncommitted\n",
                "edit n=1 path=/etc/fstab new=absent\ncommitted\n",
                "edit path=/etc/fstab new=absent\ncommitted\n",
                "edit n=0 path=/etc/fstab new=absent new=regular\ncommitted\n",
                "edit n=0 path=/etc/grub new=regular\nedit n=1 path=/etc/fstab new=absent\ncommitted\n",
        };
        Root *r = *state;

        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        put_file(r->fd, "etc/grub", "grub\n", 0644, 0, 0);
        for (size_t i = 0; i < ELEMENTSOF(plans); i++) {
                write_journal(r, plans[i]);
                /* new-0 missing for the last one: a damaged journal, found before fstab goes. */
                if (apply_recover(r->fd, NULL) != -EBADMSG)
                        fail_msg("the journal \"%s\" was not refused", plans[i]);
                assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
                assert_file(r->fd, "etc/grub", "grub\n", 0644, 0, 0);
        }

        /* A done= line that names no edit. */
        write_journal(r, "edit n=0 path=/etc/fstab new=regular\ncommitted\n");
        put_file(r->fd, JOURNAL "/new-0", "new\n", 0600, 0, 0);
        put_file(r->fd, JOURNAL "/done", "done=7\n", 0600, 0, 0);
        assert_int_equal(apply_recover(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);

        /* new-0 a FIFO or a link out: refused at once. */
        assert_int_equal(unlinkat(r->fd, JOURNAL "/done", 0), 0);
        assert_int_equal(unlinkat(r->fd, JOURNAL "/new-0", 0), 0);
        assert_int_equal(mkfifoat(r->fd, JOURNAL "/new-0", 0600), 0);
        assert_int_equal(apply_recover(r->fd, NULL), -EBADMSG);
        assert_int_equal(unlinkat(r->fd, JOURNAL "/new-0", 0), 0);
        assert_int_equal(symlinkat("/etc/hostname", r->fd, JOURNAL "/new-0"), 0);
        assert_int_equal(apply_recover(r->fd, NULL), -EBADMSG);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
}

/* The journal folder itself a link to a host folder holding a committed plan. */
static void test_recover_journal_link_out_of_root(void **state) {
        Root *r = *state;
        _cleanup_free_ char *outside = NULL;
        _cleanup_close_ int ofd = -1;
        int k;

        outside = make_outside(r);
        ofd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(ofd >= 0);
        put_file(ofd, "plan", "edit n=0 path=/etc/fstab new=regular\ncommitted\n", 0600, 0, 0);
        put_file(ofd, "new-0", "host data\n", 0600, 0, 0);
        put_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        put_link(r->fd, JOURNAL, outside);
        k = apply_recover(r->fd, NULL);
        assert_true(k == -ELOOP || k == -ENOTDIR);
        assert_file(r->fd, "etc/fstab", "old\n", 0640, 1234, 5678);
        assert_file(ofd, "plan", "edit n=0 path=/etc/fstab new=regular\ncommitted\n", 0600, 0, 0);
        rm_rf(outside);
}

#define LABEL_ETC "system_u:object_r:etc_t:s0"
#define LABEL_TMP "system_u:object_r:tmp_t:s0"

static void set_xattr(int rootfd, const char *path, const char *name, const char *value, size_t size) {
        _cleanup_close_ int fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        assert_true(fd >= 0);
        if (fsetxattr(fd, name, value, size, 0) < 0)
                fail_msg("%s: cannot set %s: %m", path, name);
}

/* Every extended attribute of @path, "name=value" sorted, values as escaped text. */
static char *xattrs_of(int rootfd, const char *path) {
        _cleanup_close_ int fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char names[4096], value[4096];
        char **lines = NULL;
        size_t n = 0;
        ssize_t len;
        Buf b = {};

        assert_true(fd >= 0);
        len = flistxattr(fd, names, sizeof names);
        assert_true(len >= 0);
        for (const char *p = names; p < names + len; p += strlen(p) + 1) {
                ssize_t vl = fgetxattr(fd, p, value, sizeof value - 1);
                _cleanup_free_ char *e = NULL;
                char *line;

                assert_true(vl >= 0);
                for (ssize_t i = 0; i < vl; i++)
                        if (!value[i])
                                value[i] = '@'; /* a label's final NUL, visibly */
                value[vl] = 0;
                e = value_escape(value);
                assert_true(asprintf(&line, "%s=%s", p, e) > 0);
                assert_int_equal(strv_push(&lines, &n, line), 0);
        }
        if (n > 0)
                qsort(lines, n, sizeof(char *), compare_str);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(buf_printf(&b, "%s\n", lines[i]), 0);
        strv_free(lines);
        return buf_steal(&b);
}

static void assert_xattrs(int rootfd, const char *path, const char *expected) {
        _cleanup_free_ char *now = xattrs_of(rootfd, path);

        if (!streq(now, expected))
                fail_msg("%s: extended attributes\n%s\nexpected\n%s", path, now, expected);
}

/* apply keeps the SELinux label and user.* attributes of a file it replaces; rollback puts back the
 * original's. */
static void test_rollback_xattrs(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *before = NULL;
        const FileContent absent = { .kind = FILE_ABSENT };
        const char *want = "security.selinux=" LABEL_ETC "@\nuser.empty=\nuser.origin=xen\\x20template\n";
        const char *want_conf = "user.note=keep\\x0ame\n";
        FileContent cur = {};

        build_guest(r);
        set_xattr(r->fd, "etc/fstab", "security.selinux", LABEL_ETC, sizeof LABEL_ETC);
        set_xattr(r->fd, "etc/fstab", "user.origin", "xen template", strlen("xen template"));
        set_xattr(r->fd, "etc/fstab", "user.empty", "", 0);
        set_xattr(r->fd, "etc/old.conf", "user.note", "keep\nme", strlen("keep\nme"));
        set_xattr(r->fd, "etc/fstab", "trusted.other", "x", 1); /* not kept: not the user's, not the label */
        before = snapshot(r, true);
        assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), fstab_new,
                                 strlen(fstab_new), "fstab", NULL),
                0);
        assert_int_equal(read_file_content(r->fd, "/etc/old.conf", &cur), 0);
        assert_int_equal(plan_add(&p, "/etc/old.conf", &cur, &absent, "test", NULL), 0);
        file_content_done(&cur);

        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_file(r->fd, "etc/fstab", fstab_new, 0640, 1234, 5678);
        assert_xattrs(r->fd, "etc/fstab", want);

        /* Relabelled and stripped since (restorecon, an editor): rollback still gives the original's. */
        set_xattr(r->fd, "etc/fstab", "security.selinux", LABEL_TMP, sizeof LABEL_TMP);
        {
                _cleanup_close_ int fd = openat(r->fd, "etc/fstab", O_RDONLY | O_CLOEXEC);
                assert_int_equal(fremovexattr(fd, "user.origin"), 0);
        }
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_snapshot(r, true, before);
        assert_xattrs(r->fd, "etc/fstab", want);
        /* A file apply deleted comes back with its attributes too. */
        assert_xattrs(r->fd, "etc/old.conf", want_conf);
}

/* A manifest with "xattr" records that are not what apply writes: refused, nothing changed. */
static void test_rollback_manifest_xattr_invalid(void **state) {
        Root *r = *state;

        applied_fstab(r);
        assert_manifest_refused(r, "xattr path=/etc/fstab name=user.a value=00");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=trusted.a value=00");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=security.capability value=00");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=user.a value=0");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=user.a value=zz");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=user.a value=00\nxattr path=/etc/fstab name=user.a value=01");
        assert_manifest_refused(r,
                "file path=/etc/fstab kind=absent mode=0777 uid=0 gid=0\n"
                "xattr path=/etc/fstab name=user.a value=00");
        assert_manifest_refused(r, "dir path=etc/x");
        assert_manifest_refused(r, "dir path=/etc/x\ndir path=/etc/x");
        assert_manifest_refused(r, "dir path=/etc/x mode=0755");
        assert_file(r->fd, "etc/fstab", "new\n", 0640, 1234, 5678);
}

#define DROPIN_OLD "etc/systemd/system/serial-getty@hvc0.service.d/autologin.conf"
#define DROPIN_NEW "etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"

/* The getty drop-in moves into a folder apply makes: rollback removes it again, the tree is as it was. */
static void test_rollback_removes_made_dirs(void **state) {
        Root *r = *state;
        _cleanup_free_ char *before = NULL;
        const FileContent absent = { .kind = FILE_ABSENT }, conf = regular("[Service]\n");
        const FileContent deep = regular("x\n");

        put_file(r->fd, DROPIN_OLD, "[Service]\n", 0644, 0, 0);
        assert_int_equal(mkdir_p_at(r->fd, "etc/empty.d", 0755), 0); /* there before, empty */
        before = snapshot(r, true);
        {
                _cleanup_(plan_done) Plan p = {};
                assert_int_equal(plan_add(&p, "/" DROPIN_NEW, &absent, &conf, "getty", NULL), 0);
                assert_int_equal(plan_add(&p, "/" DROPIN_OLD, &conf, &absent, "getty", NULL), 0);
                assert_int_equal(plan_add(&p, "/etc/new/a/b/c.conf", &absent, &deep, "test", NULL), 0);
                assert_int_equal(plan_add(&p, "/etc/empty.d/x.conf", &absent, &deep, "test", NULL), 0);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        }
        assert_file(r->fd, DROPIN_NEW, "[Service]\n", 0644, 0, 0);
        assert_file(r->fd, "etc/new/a/b/c.conf", "x\n", 0644, 0, 0);
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_snapshot(r, true, before);

        /* A folder apply made that holds an administrator's file since stays, with the file. */
        {
                _cleanup_(plan_done) Plan p = {};
                assert_int_equal(plan_add(&p, "/" DROPIN_NEW, &absent, &conf, "getty", NULL), 0);
                assert_int_equal(plan_add(&p, "/etc/new/a/b/c.conf", &absent, &deep, "test", NULL), 0);
                assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        }
        put_file(r->fd, "etc/systemd/system/serial-getty@ttyS0.service.d/admin.conf", "a\n", 0644, 0, 0);
        put_file(r->fd, "etc/new/mine", "m\n", 0644, 0, 0);
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        assert_absent(r->fd, DROPIN_NEW);
        assert_file(r->fd, "etc/systemd/system/serial-getty@ttyS0.service.d/admin.conf", "a\n", 0644, 0, 0);
        assert_file(r->fd, "etc/new/mine", "m\n", 0644, 0, 0);
        assert_absent(r->fd, "etc/new/a");
}

/* A hard-linked file is refused before anything changes, with its name in the message. */
static void test_apply_refuses_hard_link(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        assert_int_equal(linkat(r->fd, "etc/fstab", r->fd, "etc/fstab.xen", 0), 0);
        before = snapshot(r, false);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -EMLINK);
        assert_snapshot(r, false, before);
        assert_absent(r->fd, BACKUP);
        assert_absent(r->fd, JOURNAL);
}

static void save_state(const Root *r, MigrationState s) {
        _cleanup_(state_record_done) StateRecord rec = { .state = s };

        assert_int_equal(state_record_add_edit(&rec, "/etc/fstab", "fstab", "applied"), 0);
        assert_int_equal(state_save(r->fd, &rec), 0);
}

static MigrationState load_state(const Root *r, char ***ret_errors) {
        _cleanup_(state_record_done) StateRecord rec = {};

        assert_int_equal(state_load(r->fd, &rec), 0);
        if (ret_errors)
                *ret_errors = TAKE_PTR(rec.errors);
        if (rec.state == MIGRATION_ROLLED_BACK)
                for (size_t i = 0; i < rec.n_edits; i++)
                        assert_string_equal(rec.edits[i].result, "rolled-back");
        return rec.state;
}

/*
 * A rollback that stops half-way (here: a folder where a link is to be
 * restored) is recorded: degraded, and journal/rollback, so that the next
 * boot (apply_recover()) finishes it.
 */
static void test_rollback_interrupted_then_recover(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_(strv_freep) char **paths = NULL, **errors = NULL;
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        before = snapshot(r, true);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        save_state(r, MIGRATION_DONE);

        /* The fourth edit (the link) cannot be restored: the rollback stops after the last two. */
        assert_int_equal(unlinkat(r->fd, WANTS + 1, 0), 0);
        put_file(
                r->fd, "etc/systemd/system/multi-user.target.wants/a.service/in-the-way", "x\n", 0644, 0, 0);
        assert_true(apply_rollback(r->fd, NULL) < 0);
        assert_file(r->fd, "etc/my file.conf", "x\n", 0644, 0, 0);
        assert_file(r->fd, "etc/fstab", fstab_new, 0640, 1234, 5678);
        assert_file(r->fd, JOURNAL "/rollback", "rollback\n", 0600, 0, 0);
        assert_true(apply_pending(r->fd));
        assert_int_equal(load_state(r, &errors), MIGRATION_DEGRADED);
        assert_non_null(errors);
        assert_non_null(strstr(errors[0], "rollback was started"));
        strv_free(TAKE_PTR(errors));
        /* A run is not applied over a half-rolled-back tree. */
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), -EBUSY);

        /* The next boot finishes it. */
        assert_int_equal(
                unlinkat(r->fd, "etc/systemd/system/multi-user.target.wants/a.service/in-the-way", 0), 0);
        assert_int_equal(unlinkat(r->fd, WANTS + 1, AT_REMOVEDIR), 0);
        assert_int_equal(apply_recover(r->fd, &paths), 1);
        assert_snapshot(r, true, before);
        assert_absent(r->fd, JOURNAL);
        assert_absent(r->fd, BACKUP);
        assert_int_equal(load_state(r, &errors), MIGRATION_ROLLED_BACK);
        assert_null(errors);
        assert_false(apply_pending(r->fd));
}

/* Cut off after the backup was kept aside, before the journal went: the next rollback only records it. */
static void test_rollback_interrupted_at_the_end(void **state) {
        Root *r = *state;
        _cleanup_(plan_done) Plan p = {};
        _cleanup_(strv_freep) char **paths = NULL;
        _cleanup_free_ char *before = NULL;

        build_guest(r);
        before = snapshot(r, true);
        build_plan(r, &p);
        assert_int_equal(apply_plan(r->fd, &p, NULL, NULL), 0);
        assert_int_equal(apply_rollback(r->fd, NULL), 0);
        save_state(r, MIGRATION_DEGRADED);
        write_journal(r, "");
        put_file(r->fd, JOURNAL "/rollback", "rollback\n", 0600, 0, 0);
        assert_int_equal(apply_rollback(r->fd, &paths), 0);
        assert_non_null(paths);
        assert_null(paths[0]);
        assert_absent(r->fd, JOURNAL);
        assert_snapshot(r, true, before);
        assert_int_equal(load_state(r, NULL), MIGRATION_ROLLED_BACK);
        /* Without the mark, there is nothing to roll back. */
        assert_int_equal(apply_rollback(r->fd, NULL), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_apply, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_xattrs, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_rollback_manifest_xattr_invalid, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_removes_made_dirs, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_refuses_hard_link, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_rollback_interrupted_then_recover, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_rollback_interrupted_at_the_end, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_empty_plan, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_stale, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_stale_kinds, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_busy, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_rollback_keeps_first_original, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_discards_journal, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_without_backup, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_committed, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_partly_done, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_uncommitted, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_before_plan_written, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_nothing, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_malformed, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_recover_committed_missing_content, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_crash_then_recover, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_read_file_content, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_symlink_to_regular, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_apply_regular_to_symlink, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_state_dir_link_out_of_root, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_manifest_invalid, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rollback_backup_hostile, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_apply_backup_link_out_of_root, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_recover_journal_invalid, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_recover_journal_link_out_of_root, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(
                        test_rollback_parent_link_out_of_root, root_setup, root_teardown),
        };

        /* Owners are part of what is checked: this needs root (CAP_CHOWN). */
        if (geteuid() != 0)
                fprintf(stderr, "test-apply: not root, the owner checks will fail\n");
        /* Stale plans and refusals are logged on purpose; keep the output to the results. */
        log_set_max_level(-1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
