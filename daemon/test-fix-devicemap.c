/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "apply.h"
#include "devname.h"
#include "fixer.h"
#include "map.h"
#include "plan.h"
#include "util.h"

/* Until fixer.h declares it (the lead adds it with its fixer_table line). */
extern const Fixer fixer_devicemap;

#define U_ROOT "2e4d6c8b-0002-4f1e-9d3c-5b7a9f1e3d5c"
#define U_DATA "d47a5c3e-0003-4e5f-a1b2-c3d4e5f60718"
#define PT "7c3e9f21"
#define SERIAL "console=ttyS0,115200n8"

static char tmpdir[] = "/tmp/test-fix-devicemap-XXXXXX";
static char *fixtures;

/* Inventories, built by hand */

typedef struct Spec {
        const char *name;
        const char *type;
        const char *uuid;
        const char *label;
        const char *partuuid;
        const char *ptuuid;
} Spec;

static void add(Inventory *inv, DeviceSource source, Spec s) {
        DevName dn;
        Device d = {
                .name = strdup(s.name),
                .type = strdup_or_null(s.type),
                .uuid = strdup_or_null(s.uuid),
                .label = strdup_or_null(s.label),
                .partuuid = strdup_or_null(s.partuuid),
                .ptuuid = strdup_or_null(s.ptuuid),
                .partition = devname_parse(s.name, &dn) == 0 && dn.part > 0,
                .source = source,
        };

        assert_non_null(d.name);
        assert_int_equal(inventory_add(inv, &d), 0);
}

#define OLD(inv, ...) add(inv, DEVICE_SOURCE_SNAPSHOT, (Spec){ __VA_ARGS__ })
#define NEW(inv, ...) add(inv, DEVICE_SOURCE_PROBE, (Spec){ __VA_ARGS__ })

/*
 * The guest: xvda a partitioned disk (root on xvda1), xvdb a whole-disk
 * filesystem (Linode's layout); sda and sdb now.
 */
static void guest(Inventory *old, Inventory *new) {
        OLD(old, .name = "xvda", .ptuuid = PT);
        OLD(old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        OLD(old, .name = "xvdb", .type = "ext4", .uuid = U_DATA);
        NEW(new, .name = "sda", .ptuuid = PT);
        NEW(new, .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        NEW(new, .name = "sdb", .type = "ext4", .uuid = U_DATA);
}

/* Files and trees */

static char *fixture_path(const char *name, const char *side) {
        char *p;

        assert_true(asprintf(&p, "%s/%s/%s", fixtures, name, side) > 0);
        return p;
}

/* A fresh root @name below the temporary folder, a copy of fixture @fixture's root/ (empty if NULL). */
static int make_root(const char *name, const char *fixture, char **ret_path) {
        _cleanup_free_ char *path = NULL, *src = NULL, *cmd = NULL;
        int fd;

        assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
        assert_int_equal(mkdir(path, 0755), 0);
        if (fixture) {
                src = fixture_path(fixture, "root");
                assert_true(asprintf(&cmd, "cp -a -- '%s/.' '%s/'", src, path) > 0);
                assert_int_equal(system(cmd), 0);
        }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return fd;
}

static void write_file(int rootfd, const char *path, const char *data, size_t size) {
        _cleanup_free_ char *dir = strdup(path);

        assert_non_null(dir);
        *strrchr(dir, '/') = 0;
        assert_int_equal(mkdir_p_at(rootfd, dir, 0755), 0);
        assert_int_equal(write_file_atomic_at(rootfd, path, data, size, 0644), 0);
}

static void write_str(int rootfd, const char *path, const char *text) {
        write_file(rootfd, path, text, strlen(text));
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* The names in folder @path, sorted, without "." and "..". */
static char **list_names(const char *path) {
        struct dirent **entries = NULL;
        char **v = NULL;
        size_t n = 0;
        int k;

        k = scandir(path, &entries, NULL, compare_names);
        assert_true(k >= 0);
        for (int i = 0; i < k; i++) {
                if (!streq(entries[i]->d_name, ".") && !streq(entries[i]->d_name, ".."))
                        assert_int_equal(strv_push(&v, &n, strdup(entries[i]->d_name)), 0);
                free(entries[i]);
        }
        free(entries);
        if (!v)
                v = calloc(1, sizeof(char *));
        assert_non_null(v);
        return v;
}

static bool strv_has(char **v, const char *s) {
        for (; v && *v; v++)
                if (streq(*v, s))
                        return true;
        return false;
}

/*
 * Tree @got holds what tree @want holds, byte for byte: the same names,
 * kinds, contents and link targets; the only thing it may have besides is
 * kvmigrate's own /var/lib/kvmigrate (backups and journal of the apply).
 */
static void compare_trees(const char *want, const char *got, const char *rel) {
        _cleanup_(strv_freep) char **want_names = NULL, **got_names = NULL;
        _cleanup_free_ char *want_dir = NULL, *got_dir = NULL;

        assert_true(asprintf(&want_dir, "%s%s", want, rel) > 0);
        assert_true(asprintf(&got_dir, "%s%s", got, rel) > 0);
        want_names = list_names(want_dir);
        got_names = list_names(got_dir);

        for (char **n = got_names; *n; n++) {
                bool state_dir = (streq(rel, "") && streq(*n, "var")) ||
                        (streq(rel, "/var") && streq(*n, "lib")) ||
                        (streq(rel, "/var/lib") && streq(*n, "kvmigrate"));
                if (!strv_has(want_names, *n) && !state_dir)
                        fail_msg("%s%s/%s should not be there", got, rel, *n);
        }
        for (char **n = want_names; *n; n++) {
                _cleanup_free_ char *w = NULL, *g = NULL, *sub = NULL;
                struct stat ws, gs;

                assert_true(asprintf(&w, "%s/%s", want_dir, *n) > 0);
                assert_true(asprintf(&g, "%s/%s", got_dir, *n) > 0);
                assert_int_equal(lstat(w, &ws), 0);
                if (lstat(g, &gs) < 0)
                        fail_msg("%s is missing", g);
                if ((ws.st_mode & S_IFMT) != (gs.st_mode & S_IFMT))
                        fail_msg("%s is not the same kind of file as %s", g, w);
                if (S_ISDIR(ws.st_mode)) {
                        assert_true(asprintf(&sub, "%s/%s", rel, *n) > 0);
                        compare_trees(want, got, sub);
                } else if (S_ISLNK(ws.st_mode)) {
                        char wt[PATH_MAX] = {}, gt[PATH_MAX] = {};
                        assert_true(readlink(w, wt, sizeof wt - 1) > 0);
                        assert_true(readlink(g, gt, sizeof gt - 1) > 0);
                        assert_string_equal(gt, wt);
                } else {
                        _cleanup_free_ char *wd = NULL, *gd = NULL;
                        size_t wn, gn;

                        assert_int_equal(read_full_at(AT_FDCWD, w, &wd, &wn), 0);
                        assert_int_equal(read_full_at(AT_FDCWD, g, &gd, &gn), 0);
                        if (wn != gn || memcmp(wd, gd, wn) != 0)
                                fail_msg("%s differs from %s; got:\n%.*s\n--- wanted:\n%.*s", g, w, (int) gn,
                                        gd, (int) wn, wd);
                }
        }
}

/* Checks */

/* The references of @c are @want ("NAME TYPE WHERE", "-" for no type), in order. */
static void assert_refs_equal(const FixerContext *c, const char *const *want) {
        size_t i = 0;

        for (; want[i]; i++) {
                _cleanup_free_ char *got = NULL;

                if (i >= c->n_refs)
                        fail_msg("reference %zu missing: \"%s\"", i, want[i]);
                assert_true(asprintf(&got, "%s %s %s", c->refs[i].name, c->refs[i].type ?: "-",
                                    c->refs[i].where) > 0);
                assert_string_equal(got, want[i]);
        }
        if (i < c->n_refs)
                fail_msg("unexpected reference: %s at %s", c->refs[i].name, c->refs[i].where);
}

#define assert_refs(c, ...) assert_refs_equal(c, (const char *const[]){ __VA_ARGS__, NULL })

static void assert_warnings_equal(const Plan *p, const char *const *want) {
        size_t i = 0;

        for (; want[i]; i++) {
                if (i >= p->n_warnings)
                        fail_msg("warning %zu missing: \"%s\"", i, want[i]);
                assert_string_equal(p->warnings[i], want[i]);
        }
        if (i < p->n_warnings)
                fail_msg("unexpected warning: \"%s\"", p->warnings[i]);
}

#define assert_warnings(p, ...) assert_warnings_equal(p, (const char *const[]){ __VA_ARGS__, NULL })

/* @p has an edit of @path by @fixer whose new content is @want. */
static void assert_new_content(
        const Plan *p, const char *fixer, const char *path, const char *want, size_t size) {
        const Edit *e = plan_find(p, path);

        if (!e)
                fail_msg("no edit of %s", path);
        assert_string_equal(e->fixer, fixer);
        assert_int_equal(e->new.kind, FILE_REGULAR);
        if (e->new.size != size || memcmp(e->new.data, want, size) != 0)
                fail_msg("%s: got:\n%.*s\n--- wanted:\n%.*s", path, (int) e->new.size, e->new.data,
                        (int) size, want);
}

/*
 * A migration of fixture @name as migratectl runs it: the scan pass (which
 * must find @want_refs and propose nothing), the map, the rewrite pass,
 * apply_plan() on a copy of root/, which must then equal expected/ byte
 * for byte; then a second run, which must find nothing left to do; then
 * a rollback, which must give root/ back byte for byte. The plan is left
 * in @plan for more checks.
 */
static void run_fixture(const Fixer *f, const char *name, const Inventory *old, const Inventory *new,
        bool from_xen, Plan *plan, const char *const *want_refs) {
        _cleanup_(plan_done) Plan scratch = {}, again = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_free_ char *root = NULL, *src = fixture_path(name, "root"),
                            *expected = fixture_path(name, "expected");
        _cleanup_close_ int fd = make_root(name, name, &root);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = fd, .old = old, .new = new, .plan = &scratch };

                assert_int_equal(f->run(&c), 0);
                assert_refs_equal(&c, want_refs);
                assert_int_equal(scratch.n_edits, 0);
                assert_int_equal(map_build(old, new, c.refs, c.n_refs, &m, &errors, &warnings), 0);
                assert_null(errors);

                c.mapping = &m;
                c.plan = plan;
                c.from_xen = from_xen;
                assert_int_equal(f->run(&c), 0);
        }
        /* Fixers only propose. */
        compare_trees(src, root, "");

        assert_int_equal(apply_plan(fd, plan, NULL, NULL), 0);
        compare_trees(expected, root, "");

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = fd, .old = old, .new = new, .plan = &again };

                assert_int_equal(f->run(&c), 0);
                assert_int_equal(c.n_refs, 0);
                c.mapping = &m;
                c.from_xen = from_xen;
                assert_int_equal(f->run(&c), 0);
                assert_int_equal(again.n_edits, 0);
                assert_int_equal(again.n_warnings, 0);
        }

        assert_int_equal(apply_rollback(fd, NULL), 0);
        compare_trees(src, root, "");
}

/* Both passes on the root @fd, which must give @want_scan and @want_rewrite. */
static void run_passes(const Fixer *f, int fd, const Inventory *old, const Inventory *new, Plan *plan,
        int want_scan, int want_rewrite) {
        _cleanup_(plan_done) Plan scratch = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(fixer_context_done)
                FixerContext c = { .rootfd = fd, .old = old, .new = new, .plan = &scratch };

        assert_int_equal(f->run(&c), want_scan);
        if (want_scan < 0)
                return;
        assert_int_equal(map_build(old, new, c.refs, c.n_refs, &m, &errors, &warnings), 0);
        c.mapping = &m;
        c.plan = plan;
        c.from_xen = true;
        assert_int_equal(f->run(&c), want_rewrite);
}

#define REFS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Fixtures, end to end */

#define MAP_WARNING(line, old, new)                                                                         \
        "/boot/grub/device.map:" line ": " old                                                              \
        " is " new " now, but sd names may change from one boot to "                                        \
                   "the next; run grub-install again (or remove device.map) once the guest runs under KVM"

static void test_fixture(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};

        (void) state;
        guest(&old, &new);
        /* /boot/grub2 is a link to /boot/grub: one file, one edit. */
        run_fixture(&fixer_devicemap, "devicemap", &old, &new, true, &plan,
                REFS("xvda - /boot/grub/device.map:2", "xvdb - /boot/grub/device.map:3"));
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, "/boot/grub/device.map");
        assert_string_equal(plan.edits[0].fixer, "devicemap");
        /* The partitioned disk has no stable name we know of offline: /dev/sda, and a warning. */
        assert_warnings(&plan, MAP_WARNING("2", "/dev/xvda", "/dev/sda"));
}

/* Inline cases */

static void test_by_id(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int fd = -1;
        Device *sda;

        (void) state;
        guest(&old, &new);
        /* Probed through udev: the disk has by-path and by-id links; the first by-id one is taken. */
        sda = inventory_find(&new, "sda");
        assert_non_null(sda);
        sda->links = calloc(4, sizeof(char *));
        assert_non_null(sda->links);
        sda->links[0] = strdup("/dev/disk/by-path/pci-0000:00:04.0-scsi-0:0:0:0");
        sda->links[1] = strdup("/dev/disk/by-id/wwn-0x5000c50015ea71ac");
        sda->links[2] = strdup("/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0");
        assert_true(sda->links[0] && sda->links[1] && sda->links[2]);

        fd = make_root("by-id", NULL, NULL);
        write_str(fd, "boot/grub2/device.map",
                "# this device map was generated by anaconda\n(hd0)     /dev/xvda\n(hd0,1) /dev/xvda1");
        run_passes(&fixer_devicemap, fd, &old, &new, &plan, 0, 0);
        assert_new_content(&plan, "devicemap", "/boot/grub2/device.map",
                "# this device map was generated by anaconda\n"
                "(hd0)     /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0\n"
                "(hd0,1) /dev/disk/by-uuid/" U_ROOT,
                strlen("# this device map was generated by anaconda\n"
                       "(hd0)     /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0\n"
                       "(hd0,1) /dev/disk/by-uuid/" U_ROOT));
        assert_int_equal(plan.n_warnings, 0);
}

static void test_two_files(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int fd = -1;

        (void) state;
        guest(&old, &new);
        /* GRUB legacy's and GRUB 2's, both there; Xen's by-path name of xvdb. */
        fd = make_root("two-files", NULL, NULL);
        write_str(fd, "boot/grub/device.map", "(hd0) /dev/xvda # GRUB ignores the rest\n");
        write_str(fd, "boot/grub2/device.map", "(hd1)\t/dev/disk/by-path/xen-vbd-51728\r\n");
        run_passes(&fixer_devicemap, fd, &old, &new, &plan, 0, 0);
        assert_int_equal(plan.n_edits, 2);
        assert_new_content(&plan, "devicemap", "/boot/grub/device.map",
                "(hd0) /dev/sda # GRUB ignores the rest\n",
                strlen("(hd0) /dev/sda # GRUB ignores the rest\n"));
        assert_new_content(&plan, "devicemap", "/boot/grub2/device.map",
                "(hd1)\t/dev/disk/by-uuid/" U_DATA "\r\n",
                strlen("(hd1)\t/dev/disk/by-uuid/" U_DATA "\r\n"));
        assert_warnings(&plan, MAP_WARNING("1", "/dev/xvda", "/dev/sda"));
}

static void test_rewrite_name(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int fd = -1;

        (void) state;
        guest(&old, &new);
        fd = make_root("rewrite-name", NULL, NULL);
        write_str(fd, "boot/grub/device.map", "(hd0) /dev/xvda\n(hd1) /dev/xvdb\n");
        {
                _cleanup_(fixer_context_done) FixerContext c = {
                        .rootfd = fd, .old = &old, .new = &new, .plan = &scratch, .form = REWRITE_NAME
                };

                assert_int_equal(fixer_devicemap.run(&c), 0);
                assert_int_equal(map_build(&old, &new, c.refs, c.n_refs, &m, &errors, &warnings), 0);
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_devicemap.run(&c), 0);
        }
        assert_new_content(&plan, "devicemap", "/boot/grub/device.map", "(hd0) /dev/sda\n(hd1) /dev/sdb\n",
                strlen("(hd0) /dev/sda\n(hd1) /dev/sdb\n"));
        assert_int_equal(plan.n_warnings, 1);
        assert_non_null(strstr(plan.warnings[0], "--rewrite=name"));
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "(hd0)\n",
                "hd0 /dev/xvda\n",
                "(hd0\t/dev/xvda\n",
                "(hd0) /dev/sda\n(hd1 /dev/xvdb\n",
        };
        _cleanup_(inventory_done) Inventory old = {}, new = {};

        (void) state;
        guest(&old, &new);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(plan_done) Plan plan = {};
                _cleanup_free_ char *name = NULL;
                _cleanup_close_ int fd = -1;

                assert_true(asprintf(&name, "bad-%zu", i) > 0);
                fd = make_root(name, NULL, NULL);
                write_str(fd, "boot/grub/device.map", bad[i]);
                run_passes(&fixer_devicemap, fd, &old, &new, &plan, -EBADMSG, 0);
        }
}

static void test_nothing_to_do(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int fd = -1;

        (void) state;
        guest(&old, &new);
        fd = make_root("nothing", NULL, NULL);
        run_passes(&fixer_devicemap, fd, &old, &new, &plan, 0, 0);
        write_str(fd, "boot/grub/device.map", "(fd0) /dev/fd0\n(hd0) /dev/sda\n\n# (hd1) /dev/xvdb\n");
        run_passes(&fixer_devicemap, fd, &old, &new, &plan, 0, 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 0);
}

static int setup(void **state) {
        char exe[PATH_MAX];
        ssize_t n;

        (void) state;

        if (!mkdtemp(tmpdir))
                return -1;
        /*
         * The fixtures are found from the binary (build/ or build-asan/), whatever the working folder,
         * or from $KVMIGRATE_SRCDIR (tests/run-tests sets it).
         */
        if (getenv("KVMIGRATE_SRCDIR")) {
                if (asprintf(&fixtures, "%s/tests/fixtures/boot", getenv("KVMIGRATE_SRCDIR")) < 0)
                        return -1;
                return access(fixtures, R_OK) < 0 ? -1 : 0;
        }
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
                return -1;
        exe[n] = 0;
        if (asprintf(&fixtures, "%s/../tests/fixtures/boot", dirname(exe)) < 0)
                return -1;
        return access(fixtures, R_OK) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;

        (void) state;

        free(fixtures);
        if (asprintf(&cmd, "rm -rf -- '%s'", tmpdir) < 0)
                return -1;
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fixture),
                cmocka_unit_test(test_by_id),
                cmocka_unit_test(test_two_files),
                cmocka_unit_test(test_rewrite_name),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_nothing_to_do),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, setup, teardown);
}
