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
extern const Fixer fixer_extlinux;

#define U_BOOT "6f1a2b3c-0001-4a5b-8c6d-7e8f90a1b2c3"
#define U_ROOT "2e4d6c8b-0002-4f1e-9d3c-5b7a9f1e3d5c"
#define U_SWAP "9a8b7c6d-0003-4e5f-a1b2-c3d4e5f60718"
#define PT "7c3e9f21"
#define SERIAL "console=ttyS0,115200n8"

static char tmpdir[] = "/tmp/test-fix-extlinux-XXXXXX";
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

/* The guests: root (Alpine, Debian) or /boot (Arch) on xvda1, swap on xvda2, Arch's root on xvda3. */
static void guest(Inventory *old, Inventory *new) {
        OLD(old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        OLD(old, .name = "xvda2", .type = "swap", .uuid = U_SWAP, .partuuid = PT "-02");
        NEW(new, .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        NEW(new, .name = "sda2", .type = "swap", .uuid = U_SWAP, .partuuid = PT "-02");
}

static void guest_arch(Inventory *old, Inventory *new) {
        OLD(old, .name = "xvda1", .type = "ext4", .uuid = U_BOOT, .partuuid = PT "-01");
        OLD(old, .name = "xvda2", .type = "swap", .uuid = U_SWAP, .partuuid = PT "-02");
        OLD(old, .name = "xvda3", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-03");
        NEW(new, .name = "sda1", .type = "ext4", .uuid = U_BOOT, .partuuid = PT "-01");
        NEW(new, .name = "sda2", .type = "swap", .uuid = U_SWAP, .partuuid = PT "-02");
        NEW(new, .name = "sda3", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-03");
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

/* The console tests mean nothing where hvc0 is the platform's own console (cmdline.c leaves it alone). */
#define SKIP_UNLESS_X86()                                                                                   \
        do {                                                                                                \
                if (!console_platform())                                                                    \
                        skip();                                                                             \
        } while (0)

static bool console_platform(void) {
#if defined(__x86_64__) || defined(__i386__)
        return true;
#else
        return false;
#endif
}

/* Known bugs (of cmdline.c) are skipped; KVMIGRATE_SHOW_BUGS=1 runs them, to see them fail. */
#define SKIP_KNOWN_BUG()                                                                                    \
        do {                                                                                                \
                if (!getenv("KVMIGRATE_SHOW_BUGS"))                                                         \
                        skip();                                                                             \
        } while (0)

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

static void test_alpine(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};

        (void) state;
        SKIP_UNLESS_X86();
        guest(&old, &new);
        /* The TEXT HELP line that looks like an APPEND is text: no reference there. */
        run_fixture(&fixer_extlinux, "alpine-extlinux", &old, &new, true, &plan,
                REFS("xvda1 - /boot/extlinux.conf:12", "xvda1 - /boot/extlinux.conf:20",
                        "xvda1 - /etc/update-extlinux.conf:15"));
        assert_int_equal(plan.n_edits, 2);
        assert_string_equal(plan.edits[0].path, "/boot/extlinux.conf");
        assert_string_equal(plan.edits[0].fixer, "extlinux");
        assert_string_equal(plan.edits[1].path, "/etc/update-extlinux.conf");
        assert_string_equal(plan.edits[1].reason, "root device and kernel options for update-extlinux");
        /* The entry without an initramfs got root=PARTUUID=: nothing to warn about. */
        assert_int_equal(plan.n_warnings, 0);
}

static void test_arch_syslinux(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};

        (void) state;
        SKIP_UNLESS_X86();
        guest_arch(&old, &new);
        /* Mixed-case keywords, and an INCLUDEd file with a CRLF line. */
        run_fixture(&fixer_extlinux, "arch-syslinux", &old, &new, true, &plan,
                REFS("xvda3 - /boot/syslinux/syslinux.cfg:15", "xvda3 - /boot/syslinux/syslinux.cfg:21",
                        "xvda3 - /boot/syslinux/local.cfg:5", "xvda2 - /boot/syslinux/local.cfg:5"));
        assert_int_equal(plan.n_edits, 2);
        assert_int_equal(plan.n_warnings, 0);
}

static void test_debian_extlinux(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};

        (void) state;
        SKIP_UNLESS_X86();
        guest(&old, &new);
        /* initrd= on the APPEND line is the initramfs; the included theme is read and left alone. */
        run_fixture(&fixer_extlinux, "debian-extlinux", &old, &new, true, &plan,
                REFS("xvda1 - /boot/extlinux/extlinux.conf:17", "xvda1 - /boot/extlinux/extlinux.conf:22",
                        "xvda1 - /etc/default/extlinux:15"));
        assert_int_equal(plan.n_edits, 2);
        assert_string_equal(plan.edits[1].path, "/etc/default/extlinux");
        assert_int_equal(plan.n_warnings, 0);
}

/* Inline cases */

#define UUID_ARG "root=UUID=" U_ROOT
#define PARTUUID_ARG "root=PARTUUID=" PT "-01"

static void test_global_append(void **state) {
        static const char *const cases[][2] = {
                /* Inherited by an entry with an INITRD only: UUID=; an entry's own APPEND replaces it. */
                { "DEFAULT vmlinuz initrd=initrd.img root=/dev/xvda1\n"
                  "APPEND root=/dev/xvda1 ro\n"
                  "LABEL a\n  KERNEL vmlinuz\n  INITRD initrd.img\n"
                  "LABEL b\n  KERNEL vmlinuz\n  APPEND root=/dev/xvda1\n",
                        "DEFAULT vmlinuz initrd=initrd.img " UUID_ARG "\n"
                        "APPEND " UUID_ARG " ro\n"
                        "LABEL a\n  KERNEL vmlinuz\n  INITRD initrd.img\n"
                        "LABEL b\n  KERNEL vmlinuz\n  APPEND " PARTUUID_ARG "\n" },
                /* Inherited by an entry without one: the kernel itself must find the root. */
                { "APPEND root=/dev/xvda1 ro\n"
                  "LABEL a\n  KERNEL vmlinuz\n  INITRD initrd.img\n"
                  "LABEL c\n  KERNEL vmlinuz\n",
                        "APPEND " PARTUUID_ARG " ro\n"
                        "LABEL a\n  KERNEL vmlinuz\n  INITRD initrd.img\n"
                        "LABEL c\n  KERNEL vmlinuz\n" },
                /* Inherited by no entry, and no initramfs in /boot; "DEFAULT label" is no command line. */
                { "DEFAULT a\nAPPEND root=/dev/xvda1\nLABEL a\n  APPEND -\n",
                        "DEFAULT a\nAPPEND " PARTUUID_ARG "\nLABEL a\n  APPEND -\n" },
        };
        _cleanup_(inventory_done) Inventory old = {}, new = {};

        (void) state;
        guest(&old, &new);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(plan_done) Plan plan = {};
                _cleanup_free_ char *name = NULL;
                _cleanup_close_ int fd = -1;

                assert_true(asprintf(&name, "global-%zu", i) > 0);
                fd = make_root(name, NULL, NULL);
                write_str(fd, "boot/extlinux/extlinux.conf", cases[i][0]);
                run_passes(&fixer_extlinux, fd, &old, &new, &plan, 0, 0);
                assert_new_content(
                        &plan, "extlinux", "/boot/extlinux/extlinux.conf", cases[i][1], strlen(cases[i][1]));
                assert_int_equal(plan.n_warnings, 0);
        }
}

static void test_includes(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int fd = -1;

        (void) state;
        guest(&old, &new);
        fd = make_root("includes", NULL, NULL);
        /*
         * An absolute name from the boot filesystem's root (/boot here), one that is nowhere, a file that
         * includes itself, and /extlinux.conf, a link to the same file as /boot/extlinux.conf.
         */
        write_str(fd, "boot/extlinux.conf",
                "include /syslinux/common.cfg\n"
                "MENU INCLUDE /menus/extra.cfg Extra\n"
                "INCLUDE extlinux.conf\n"
                "LABEL a\n  INITRD /initrd\n  APPEND root=/dev/xvda1\n");
        write_str(
                fd, "boot/syslinux/common.cfg", "LABEL b\n  INITRD /initrd\n  APPEND ro root=/dev/xvda1\n");
        assert_int_equal(symlinkat("boot/extlinux.conf", fd, "extlinux.conf"), 0);
        run_passes(&fixer_extlinux, fd, &old, &new, &plan, 0, 0);
        assert_int_equal(plan.n_edits, 2);
        assert_new_content(&plan, "extlinux", "/boot/extlinux.conf",
                "include /syslinux/common.cfg\n"
                "MENU INCLUDE /menus/extra.cfg Extra\n"
                "INCLUDE extlinux.conf\n"
                "LABEL a\n  INITRD /initrd\n  APPEND " UUID_ARG "\n",
                strlen("include /syslinux/common.cfg\n"
                       "MENU INCLUDE /menus/extra.cfg Extra\n"
                       "INCLUDE extlinux.conf\n"
                       "LABEL a\n  INITRD /initrd\n  APPEND " UUID_ARG "\n"));
        assert_new_content(&plan, "extlinux", "/boot/syslinux/common.cfg",
                "LABEL b\n  INITRD /initrd\n  APPEND ro " UUID_ARG "\n",
                strlen("LABEL b\n  INITRD /initrd\n  APPEND ro " UUID_ARG "\n"));
        assert_warnings(&plan,
                "/boot/extlinux.conf:2: /menus/extra.cfg is not there to be read; look at it for xvd and "
                "hvc0 names by hand");
}

static void test_generators(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int fd = -1;
        static const char update[] = "root=\"/dev/xvda1\" # the root\n"
                                     "ROOT=/dev/xvda1\n"
                                     "  default_kernel_opts='resume=/dev/xvda2 quiet'\r\n"
                                     "#root=/dev/xvda1\n"
                                     "modules=ext4";
        static const char update_fixed[] = "root=\""
                                           "UUID=" U_ROOT "\" # the root\n"
                                           "ROOT=/dev/xvda1\n"
                                           "  default_kernel_opts='resume=UUID=" U_SWAP " quiet'\r\n"
                                           "#root=/dev/xvda1\n"
                                           "modules=ext4";

        (void) state;
        guest(&old, &new);
        fd = make_root("generators", NULL, NULL);
        write_str(fd, "boot/initramfs-lts", "");
        write_str(fd, "etc/update-extlinux.conf", update);
        write_str(fd, "etc/default/extlinux", "EXTLINUX_ROOT=root=/dev/xvda1\n");
        run_passes(&fixer_extlinux, fd, &old, &new, &plan, 0, 0);
        assert_new_content(
                &plan, "extlinux", "/etc/update-extlinux.conf", update_fixed, strlen(update_fixed));
        assert_new_content(&plan, "extlinux", "/etc/default/extlinux", "EXTLINUX_ROOT=" UUID_ARG "\n",
                strlen("EXTLINUX_ROOT=" UUID_ARG "\n"));
}

static void test_generators_malformed(void **state) {
        static const char *const bad[] = {
                "default_kernel_opts=\"quiet console=hvc0\n",
                "root=/dev/xvda1 quiet\n",
                "root=$(findfs LABEL=root)\n",
                "root=/dev/xvda1;reboot\n",
                "default_kernel_opts=\"quiet\"x\n",
        };
        _cleanup_(inventory_done) Inventory old = {}, new = {};

        (void) state;
        guest(&old, &new);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(plan_done) Plan plan = {};
                _cleanup_free_ char *name = NULL;
                _cleanup_close_ int fd = -1;

                assert_true(asprintf(&name, "generator-bad-%zu", i) > 0);
                fd = make_root(name, NULL, NULL);
                write_str(fd, "etc/update-extlinux.conf", bad[i]);
                run_passes(&fixer_extlinux, fd, &old, &new, &plan, -EBADMSG, 0);
        }
}

static void test_not_from_xen(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int fd = -1;
        static const char conf[] =
                "LABEL a\n  INITRD /i\n  APPEND root=/dev/xvda1 console=hvc0 xencons=tty\n";
        static const char fixed[] = "LABEL a\n  INITRD /i\n  APPEND " UUID_ARG " console=hvc0 xencons=tty\n";

        (void) state;
        guest(&old, &new);
        fd = make_root("not-from-xen", NULL, NULL);
        write_str(fd, "boot/syslinux/syslinux.cfg", conf);
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = fd, .old = &old, .new = &new, .plan = &scratch };

                assert_int_equal(fixer_extlinux.run(&c), 0);
                assert_int_equal(map_build(&old, &new, c.refs, c.n_refs, &m, &errors, &warnings), 0);
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_extlinux.run(&c), 0);
        }
        assert_new_content(&plan, "extlinux", "/boot/syslinux/syslinux.cfg", fixed, strlen(fixed));
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
                cmocka_unit_test(test_alpine),
                cmocka_unit_test(test_arch_syslinux),
                cmocka_unit_test(test_debian_extlinux),
                cmocka_unit_test(test_global_append),
                cmocka_unit_test(test_includes),
                cmocka_unit_test(test_generators),
                cmocka_unit_test(test_generators_malformed),
                cmocka_unit_test(test_not_from_xen),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, setup, teardown);
}
