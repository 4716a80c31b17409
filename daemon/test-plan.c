/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plan.h"

#define UUID_ROOT "0b5d7d2a-8f0e-4c52-9d2e-3f1a6b7c8d9e"
#define UUID_SWAP "5c1e2f3a-0000-4000-8000-000000000002"
#define UUID_SRV "7f3e9a10-1111-4111-8111-000000000003"

static const char fstab_old[] = "# /etc/fstab: static file system information.\n"
                                "proc /proc proc defaults 0 0\n"
                                "/dev/xvda1 / ext4 errors=remount-ro 0 1\n"
                                "/dev/xvdb none swap sw 0 0\n"
                                "tmpfs /tmp tmpfs defaults 0 0\n"
                                "sysfs /sys sysfs defaults 0 0\n"
                                "devpts /dev/pts devpts gid=5,mode=620 0 0\n"
                                "/dev/cdrom /media/cdrom iso9660 ro,user,noauto 0 0\n"
                                "/dev/xvdc1 /srv xfs defaults 0 2\n";

static const char fstab_new[] = "# /etc/fstab: static file system information.\n"
                                "proc /proc proc defaults 0 0\n"
                                "UUID=" UUID_ROOT " / ext4 errors=remount-ro 0 1\n"
                                "UUID=" UUID_SWAP " none swap sw 0 0\n"
                                "tmpfs /tmp tmpfs defaults 0 0\n"
                                "sysfs /sys sysfs defaults 0 0\n"
                                "devpts /dev/pts devpts gid=5,mode=620 0 0\n"
                                "/dev/cdrom /media/cdrom iso9660 ro,user,noauto 0 0\n"
                                "UUID=" UUID_SRV " /srv xfs defaults 0 2\n";

/* As "git diff" prints it, less the index line: "diff -u" (GNU diffutils) after a git header. */
static const char fstab_diff[] = "diff --git a/etc/fstab b/etc/fstab\n"
                                 "--- a/etc/fstab\n"
                                 "+++ b/etc/fstab\n"
                                 "@@ -1,9 +1,9 @@\n"
                                 " # /etc/fstab: static file system information.\n"
                                 " proc /proc proc defaults 0 0\n"
                                 "-/dev/xvda1 / ext4 errors=remount-ro 0 1\n"
                                 "-/dev/xvdb none swap sw 0 0\n"
                                 "+UUID=" UUID_ROOT " / ext4 errors=remount-ro 0 1\n"
                                 "+UUID=" UUID_SWAP " none swap sw 0 0\n"
                                 " tmpfs /tmp tmpfs defaults 0 0\n"
                                 " sysfs /sys sysfs defaults 0 0\n"
                                 " devpts /dev/pts devpts gid=5,mode=620 0 0\n"
                                 " /dev/cdrom /media/cdrom iso9660 ro,user,noauto 0 0\n"
                                 "-/dev/xvdc1 /srv xfs defaults 0 2\n"
                                 "+UUID=" UUID_SRV " /srv xfs defaults 0 2\n";

#define WANTS "/etc/systemd/system/multi-user.target.wants/a.service"
#define GETTY "/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
#define HVC0 "/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service"
#define DROPIN "/etc/systemd/system/serial-getty@ttyS0.service.d/kvmigrate.conf"

static const FileContent absent = { .kind = FILE_ABSENT };

static FileContent regular(const char *s) {
        return (FileContent){ .kind = FILE_REGULAR, .data = (char *) s, .size = strlen(s) };
}

static FileContent symlink_to(const char *target) {
        return (FileContent){ .kind = FILE_SYMLINK, .data = (char *) target, .size = strlen(target) };
}

static void assert_content(const FileContent *c, FileKind kind, const char *data, size_t size) {
        assert_int_equal(c->kind, kind);
        assert_int_equal(c->size, size);
        if (kind == FILE_ABSENT) {
                assert_null(c->data);
                return;
        }
        assert_non_null(c->data);
        assert_memory_equal(c->data, data, size);
        assert_int_equal(c->data[size], 0);
}

static void assert_diff(const Plan *p, const char *expected) {
        _cleanup_free_ char *d = NULL;

        assert_int_equal(plan_format_diff(p, &d), 0);
        assert_non_null(d);
        if (!streq(d, expected))
                fail_msg("diff:\n%s\nexpected:\n%s", d, expected);
}

static void test_replace(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const Edit *e;

        assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), fstab_new,
                                 strlen(fstab_new), "fstab", "xvda1 → UUID=" UUID_ROOT),
                0);
        assert_int_equal(p.n_edits, 1);
        e = &p.edits[0];
        assert_string_equal(e->path, "/etc/fstab");
        assert_string_equal(e->fixer, "fstab");
        assert_string_equal(e->reason, "xvda1 → UUID=" UUID_ROOT);
        assert_content(&e->old, FILE_REGULAR, fstab_old, strlen(fstab_old));
        assert_content(&e->new, FILE_REGULAR, fstab_new, strlen(fstab_new));
        assert_ptr_equal(plan_find(&p, "/etc/fstab"), e);
        assert_null(plan_find(&p, "/etc/fstab2"));
        assert_null(plan_find(&p, "etc/fstab"));
        assert_null(p.warnings);
        assert_int_equal(p.n_warnings, 0);
}

static void test_same_path_same_content_deduped(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        assert_int_equal(plan_replace(&p, "/etc/default/grub", "a\n", 2, "b\n", 2, "grub2", "first"), 0);
        /* A second fixer reaching the same file (through a link) and agreeing. */
        assert_int_equal(plan_replace(&p, "/etc/default/grub", "a\n", 2, "b\n", 2, "console", "second"), 0);
        assert_int_equal(p.n_edits, 1);
        assert_string_equal(p.edits[0].fixer, "grub2");
        assert_string_equal(p.edits[0].reason, "first");
        assert_content(&p.edits[0].new, FILE_REGULAR, "b\n", 2);
}

static void test_same_path_other_content_conflicts(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        assert_int_equal(plan_replace(&p, "/etc/default/grub", "a\n", 2, "b\n", 2, "grub2", "first"), 0);
        assert_int_equal(
                plan_replace(&p, "/etc/default/grub", "a\n", 2, "c\n", 2, "console", "second"), -EEXIST);
        /* Same bytes, another kind: still a conflict. */
        {
                const FileContent o = regular("a\n"), n = symlink_to("b\n");
                assert_int_equal(plan_add(&p, "/etc/default/grub", &o, &n, "units", NULL), -EEXIST);
        }
        /* A prefix of the first proposal is not the same either. */
        assert_int_equal(
                plan_replace(&p, "/etc/default/grub", "a\n", 2, "b", 1, "console", "third"), -EEXIST);
        assert_int_equal(plan_add(&p, "/etc/default/grub",
                                 &(FileContent){ .kind = FILE_REGULAR, .data = "a\n", .size = 2 }, &absent,
                                 "units", NULL),
                -EEXIST);

        /* The first proposal is left as it was. */
        assert_int_equal(p.n_edits, 1);
        assert_string_equal(p.edits[0].fixer, "grub2");
        assert_content(&p.edits[0].old, FILE_REGULAR, "a\n", 2);
        assert_content(&p.edits[0].new, FILE_REGULAR, "b\n", 2);

        /* Other paths are still welcome. */
        assert_int_equal(plan_replace(&p, "/etc/default/grub2", "a\n", 2, "c\n", 2, "console", NULL), 0);
        assert_int_equal(p.n_edits, 2);
}

static void test_noop_dropped(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent l1 = symlink_to("/lib/systemd/system/a.service");
        const FileContent l2 = symlink_to("/lib/systemd/system/a.service");
        const FileContent e1 = regular(""), e2 = regular("");

        assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), fstab_old,
                                 strlen(fstab_old), "fstab", "nothing"),
                0);
        assert_int_equal(plan_add(&p, "/etc/absent", &absent, &absent, "units", NULL), 0);
        assert_int_equal(plan_add(&p, WANTS, &l1, &l2, "units", NULL), 0);
        assert_int_equal(plan_add(&p, "/etc/empty", &e1, &e2, "units", NULL), 0);
        assert_int_equal(p.n_edits, 0);
        assert_null(plan_find(&p, "/etc/fstab"));

        /* A fixer with nothing to change does not contradict one that changes the file. */
        assert_int_equal(plan_replace(&p, "/etc/fstab", "a\n", 2, "b\n", 2, "fstab", NULL), 0);
        assert_int_equal(plan_replace(&p, "/etc/fstab", "a\n", 2, "a\n", 2, "crypttab", NULL), 0);
        assert_int_equal(p.n_edits, 1);
        assert_string_equal(p.edits[0].fixer, "fstab");
        assert_content(&p.edits[0].new, FILE_REGULAR, "b\n", 2);

        /* An empty file is not an absent one. */
        assert_int_equal(plan_add(&p, "/etc/new-empty", &absent, &e1, "units", NULL), 0);
        assert_int_equal(p.n_edits, 2);
        assert_content(&p.edits[1].new, FILE_REGULAR, "", 0);
}

static void test_add_copies(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        char path[] = "/etc/crypttab", old[] = "x\0y\n", new[] = "x\0z\n", fixer[] = "crypttab",
             reason[] = "why";
        FileContent o = { .kind = FILE_REGULAR, .data = old, .size = 4 };
        FileContent n = { .kind = FILE_REGULAR, .data = new, .size = 4 };

        assert_int_equal(plan_add(&p, path, &o, &n, fixer, reason), 0);
        memset(path, 'X', sizeof path - 1);
        memset(old, 'X', sizeof old - 1);
        memset(new, 'X', sizeof new - 1);
        memset(fixer, 'X', sizeof fixer - 1);
        memset(reason, 'X', sizeof reason - 1);

        assert_int_equal(p.n_edits, 1);
        assert_string_equal(p.edits[0].path, "/etc/crypttab");
        assert_string_equal(p.edits[0].fixer, "crypttab");
        assert_string_equal(p.edits[0].reason, "why");
        /* Bytes after a NUL are kept: the size counts, not the terminator. */
        assert_content(&p.edits[0].old, FILE_REGULAR, "x\0y\n", 4);
        assert_content(&p.edits[0].new, FILE_REGULAR, "x\0z\n", 4);

        /* No reason: an empty one. Absent content: no data, no size, whatever the input said. */
        {
                const FileContent r = regular("gone\n");
                const FileContent odd_absent = { .kind = FILE_ABSENT, .data = (char *) "junk", .size = 4 };

                assert_int_equal(plan_add(&p, "/etc/old.conf", &r, &odd_absent, "units", NULL), 0);
                assert_string_equal(p.edits[1].reason, "");
                assert_content(&p.edits[1].new, FILE_ABSENT, NULL, 0);
        }
}

static void test_many_edits_keep_order(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        for (int i = 0; i < 100; i++) {
                char path[32];

                (void) snprintf(path, sizeof path, "/etc/file%03d", i);
                assert_int_equal(plan_replace(&p, path, "old", 3, "new", 3, "test", NULL), 0);
        }
        assert_int_equal(p.n_edits, 100);
        for (int i = 0; i < 100; i++) {
                char path[32];

                (void) snprintf(path, sizeof path, "/etc/file%03d", i);
                assert_string_equal(p.edits[i].path, path);
                assert_ptr_equal(plan_find(&p, path), &p.edits[i]);
        }
}

static void test_warn(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        assert_int_equal(plan_warn(&p, "%s: sd names are not stable", "/etc/fstab"), 0);
        assert_int_equal(plan_warn(&p, "%s: sd names are not stable", "/etc/fstab"), 0);
        assert_int_equal(plan_warn(&p, "no initramfs: root=%s", "/dev/sda"), 0);
        assert_int_equal(plan_warn(&p, "/etc/fstab: sd names are not stable"), 0);
        assert_int_equal(plan_warn(&p, "%s: sd names are not stable", "/etc/crypttab"), 0);
        assert_int_equal(plan_warn(&p, "no initramfs: root=/dev/sda"), 0);

        assert_int_equal(p.n_warnings, 3);
        assert_int_equal(strv_length(p.warnings), 3);
        assert_string_equal(p.warnings[0], "/etc/fstab: sd names are not stable");
        assert_string_equal(p.warnings[1], "no initramfs: root=/dev/sda");
        assert_string_equal(p.warnings[2], "/etc/crypttab: sd names are not stable");
        assert_null(p.warnings[3]);
        assert_int_equal(p.n_edits, 0);
}

static void test_file_content(void **state _unused_) {
        FileContent a = regular("abc"), b = regular("abd"), c = regular("ab");
        FileContent s = symlink_to("abc"), x = { .kind = FILE_ABSENT, .data = (char *) "x", .size = 1 };
        FileContent copy = {};

        assert_true(file_content_equal(&a, &a));
        assert_false(file_content_equal(&a, &b));
        assert_false(file_content_equal(&a, &c));
        assert_false(file_content_equal(&c, &a));
        assert_false(file_content_equal(&a, &s));
        assert_false(file_content_equal(&a, &absent));
        /* Absent is absent, whatever is left in the other fields. */
        assert_true(file_content_equal(&x, &absent));

        assert_int_equal(file_content_copy(&copy, &a), 0);
        assert_ptr_not_equal(copy.data, a.data);
        assert_content(&copy, FILE_REGULAR, "abc", 3);
        assert_true(file_content_equal(&copy, &a));
        file_content_done(&copy);
        assert_int_equal(copy.kind, FILE_ABSENT);
        assert_null(copy.data);
        assert_int_equal(copy.size, 0);

        assert_int_equal(file_content_copy(&copy, &x), 0);
        assert_content(&copy, FILE_ABSENT, NULL, 0);

        assert_string_equal(file_kind_to_string(FILE_ABSENT), "absent");
        assert_string_equal(file_kind_to_string(FILE_REGULAR), "regular");
        assert_string_equal(file_kind_to_string(FILE_SYMLINK), "symlink");
        assert_null(file_kind_to_string((FileKind) 42));
}

static void test_diff_replace(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), fstab_new,
                                 strlen(fstab_new), "fstab", NULL),
                0);
        assert_diff(&p, fstab_diff);
}

static void test_diff_create(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent n = regular("GRUB_TERMINAL=serial\nGRUB_SERIAL_COMMAND=\"serial --unit=0\"\n");

        assert_int_equal(plan_add(&p, "/etc/default/grub.d/kvmigrate.cfg", &absent, &n, "grub2", NULL), 0);
        assert_diff(&p,
                "diff --git a/etc/default/grub.d/kvmigrate.cfg b/etc/default/grub.d/kvmigrate.cfg\n"
                "new file mode 100644\n"
                "--- /dev/null\n"
                "+++ b/etc/default/grub.d/kvmigrate.cfg\n"
                "@@ -0,0 +1,2 @@\n"
                "+GRUB_TERMINAL=serial\n"
                "+GRUB_SERIAL_COMMAND=\"serial --unit=0\"\n");
}

static void test_diff_delete(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent o = regular("[Unit]\nDescription=xvdb swap\n\n[Swap]\nWhat=/dev/xvdb\n");

        assert_int_equal(plan_add(&p, "/etc/systemd/system/dev-xvdb.swap", &o, &absent, "units", NULL), 0);
        assert_diff(&p,
                "diff --git a/etc/systemd/system/dev-xvdb.swap b/etc/systemd/system/dev-xvdb.swap\n"
                "deleted file mode 100644\n"
                "--- a/etc/systemd/system/dev-xvdb.swap\n"
                "+++ /dev/null\n"
                "@@ -1,5 +0,0 @@\n"
                "-[Unit]\n"
                "-Description=xvdb swap\n"
                "-\n"
                "-[Swap]\n"
                "-What=/dev/xvdb\n");
}

static void test_diff_symlink(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent o = symlink_to("/lib/systemd/system/a.service");
        const FileContent n = symlink_to("/etc/systemd/system/a.service");
        const FileContent g = symlink_to("/lib/systemd/system/serial-getty@.service");

        /* A new target: the link goes and comes back, as GNU patch changes links only so. */
        assert_int_equal(plan_add(&p, WANTS, &o, &n, "units", NULL), 0);
        assert_diff(&p,
                "diff --git a" WANTS " b" WANTS "\n"
                "deleted file mode 120000\n"
                "--- a" WANTS "\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-/lib/systemd/system/a.service\n"
                "\\ No newline at end of file\n"
                "diff --git a" WANTS " b" WANTS "\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b" WANTS "\n"
                "@@ -0,0 +1 @@\n"
                "+/etc/systemd/system/a.service\n"
                "\\ No newline at end of file\n");

        /* A new link. */
        plan_done(&p);
        assert_int_equal(plan_add(&p, GETTY, &absent, &g, "console", NULL), 0);
        assert_diff(&p,
                "diff --git a" GETTY " b" GETTY "\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b" GETTY "\n"
                "@@ -0,0 +1 @@\n"
                "+/lib/systemd/system/serial-getty@.service\n"
                "\\ No newline at end of file\n");
}

/* Issue 10, point 13: the getty link that moves from hvc0 to ttyS0, a new
 * drop-in and a link removed, each with the git header patch -p1 needs to
 * make a link a link. */
static void test_diff_link_moves(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent getty = symlink_to("/lib/systemd/system/serial-getty@.service");
        const FileContent dropin = regular("[Service]\nTTYVTDisallocate=no\n");
        const FileContent masked = symlink_to("/dev/null");

        assert_int_equal(plan_move(&p, HVC0, &getty, GETTY, &getty, "console", "hvc0 -> ttyS0"), 0);
        assert_int_equal(plan_add(&p, DROPIN, &absent, &dropin, "console", NULL), 0);
        assert_int_equal(
                plan_add(&p, "/etc/systemd/system/xenconsoled.service", &masked, &absent, "console", NULL),
                0);
        assert_diff(&p,
                "diff --git a" HVC0 " b" HVC0 "\n"
                "deleted file mode 120000\n"
                "--- a" HVC0 "\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-/lib/systemd/system/serial-getty@.service\n"
                "\\ No newline at end of file\n"
                "diff --git a" GETTY " b" GETTY "\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b" GETTY "\n"
                "@@ -0,0 +1 @@\n"
                "+/lib/systemd/system/serial-getty@.service\n"
                "\\ No newline at end of file\n"
                "diff --git a" DROPIN " b" DROPIN "\n"
                "new file mode 100644\n"
                "--- /dev/null\n"
                "+++ b" DROPIN "\n"
                "@@ -0,0 +1,2 @@\n"
                "+[Service]\n"
                "+TTYVTDisallocate=no\n"
                "diff --git a/etc/systemd/system/xenconsoled.service "
                "b/etc/systemd/system/xenconsoled.service\n"
                "deleted file mode 120000\n"
                "--- a/etc/systemd/system/xenconsoled.service\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-/dev/null\n"
                "\\ No newline at end of file\n");
}

static void test_diff_whole_plan(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};
        const FileContent created = regular("x=1\n"), deleted = regular("old\n");
        const FileContent lo = symlink_to("/lib/systemd/system/a.service");
        const FileContent ln = symlink_to("/etc/systemd/system/a.service");
        const FileContent inittab_link = symlink_to("/etc/inittab.kvmigrate");
        static const char cmdline_old[] = "root=/dev/xvda1 console=hvc0";
        static const char cmdline_new[] = "root=UUID=" UUID_ROOT " console=ttyS0,115200n8\n";

        /* In plan order, one after the other; a file that ends without a newline says so. */
        assert_int_equal(plan_replace(&p, "/etc/fstab", fstab_old, strlen(fstab_old), fstab_new,
                                 strlen(fstab_new), "fstab", NULL),
                0);
        assert_int_equal(plan_add(&p, "/etc/new.conf", &absent, &created, "test", NULL), 0);
        assert_int_equal(plan_add(&p, "/etc/old.conf", &deleted, &absent, "test", NULL), 0);
        assert_int_equal(plan_add(&p, WANTS, &lo, &ln, "units", NULL), 0);
        assert_int_equal(plan_replace(&p, "/etc/kernel/cmdline", cmdline_old, strlen(cmdline_old),
                                 cmdline_new, strlen(cmdline_new), "cmdline", NULL),
                0);
        {
                const FileContent inittab = regular("co:2345:respawn:/sbin/getty hvc0 9600 vt100\n");
                assert_int_equal(plan_add(&p, "/etc/inittab", &inittab, &inittab_link, "console", NULL), 0);
        }

        assert_diff(&p,
                "diff --git a/etc/fstab b/etc/fstab\n"
                "--- a/etc/fstab\n"
                "+++ b/etc/fstab\n"
                "@@ -1,9 +1,9 @@\n"
                " # /etc/fstab: static file system information.\n"
                " proc /proc proc defaults 0 0\n"
                "-/dev/xvda1 / ext4 errors=remount-ro 0 1\n"
                "-/dev/xvdb none swap sw 0 0\n"
                "+UUID=" UUID_ROOT " / ext4 errors=remount-ro 0 1\n"
                "+UUID=" UUID_SWAP " none swap sw 0 0\n"
                " tmpfs /tmp tmpfs defaults 0 0\n"
                " sysfs /sys sysfs defaults 0 0\n"
                " devpts /dev/pts devpts gid=5,mode=620 0 0\n"
                " /dev/cdrom /media/cdrom iso9660 ro,user,noauto 0 0\n"
                "-/dev/xvdc1 /srv xfs defaults 0 2\n"
                "+UUID=" UUID_SRV " /srv xfs defaults 0 2\n"
                "diff --git a/etc/new.conf b/etc/new.conf\n"
                "new file mode 100644\n"
                "--- /dev/null\n"
                "+++ b/etc/new.conf\n"
                "@@ -0,0 +1 @@\n"
                "+x=1\n"
                "diff --git a/etc/old.conf b/etc/old.conf\n"
                "deleted file mode 100644\n"
                "--- a/etc/old.conf\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-old\n"
                "diff --git a" WANTS " b" WANTS "\n"
                "deleted file mode 120000\n"
                "--- a" WANTS "\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-/lib/systemd/system/a.service\n"
                "\\ No newline at end of file\n"
                "diff --git a" WANTS " b" WANTS "\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b" WANTS "\n"
                "@@ -0,0 +1 @@\n"
                "+/etc/systemd/system/a.service\n"
                "\\ No newline at end of file\n"
                "diff --git a/etc/kernel/cmdline b/etc/kernel/cmdline\n"
                "--- a/etc/kernel/cmdline\n"
                "+++ b/etc/kernel/cmdline\n"
                "@@ -1 +1 @@\n"
                "-root=/dev/xvda1 console=hvc0\n"
                "\\ No newline at end of file\n"
                "+root=UUID=" UUID_ROOT " console=ttyS0,115200n8\n"
                "diff --git a/etc/inittab b/etc/inittab\n"
                "deleted file mode 100644\n"
                "--- a/etc/inittab\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-co:2345:respawn:/sbin/getty hvc0 9600 vt100\n"
                "diff --git a/etc/inittab b/etc/inittab\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b/etc/inittab\n"
                "@@ -0,0 +1 @@\n"
                "+/etc/inittab.kvmigrate\n"
                "\\ No newline at end of file\n");
}

static void test_diff_empty_plan(void **state _unused_) {
        _cleanup_(plan_done) Plan p = {};

        assert_diff(&p, "");
        assert_int_equal(plan_warn(&p, "only a warning"), 0);
        assert_diff(&p, "");
}

static void test_done(void **state _unused_) {
        Plan p = {};

        plan_done(&p);
        assert_int_equal(plan_replace(&p, "/etc/fstab", "a", 1, "b", 1, "fstab", "r"), 0);
        assert_int_equal(plan_warn(&p, "w"), 0);
        plan_done(&p);
        assert_null(p.edits);
        assert_int_equal(p.n_edits, 0);
        assert_null(p.warnings);
        assert_int_equal(p.n_warnings, 0);
        /* Usable again afterwards. */
        assert_int_equal(plan_replace(&p, "/etc/fstab", "a", 1, "c", 1, "fstab", "r"), 0);
        assert_int_equal(p.n_edits, 1);
        plan_done(&p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replace),
                cmocka_unit_test(test_same_path_same_content_deduped),
                cmocka_unit_test(test_same_path_other_content_conflicts),
                cmocka_unit_test(test_noop_dropped),
                cmocka_unit_test(test_add_copies),
                cmocka_unit_test(test_many_edits_keep_order),
                cmocka_unit_test(test_warn),
                cmocka_unit_test(test_file_content),
                cmocka_unit_test(test_diff_replace),
                cmocka_unit_test(test_diff_create),
                cmocka_unit_test(test_diff_delete),
                cmocka_unit_test(test_diff_symlink),
                cmocka_unit_test(test_diff_link_moves),
                cmocka_unit_test(test_diff_whole_plan),
                cmocka_unit_test(test_diff_empty_plan),
                cmocka_unit_test(test_done),
        };

        /* The conflicts are logged on purpose; keep the test output quiet. */
        log_set_max_level(-1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
