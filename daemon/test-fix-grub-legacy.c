/* SPDX-License-Identifier: LGPL-2.1-or-later */

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

extern const Fixer fixer_grub_legacy;

#define SERIAL "console=ttyS0,115200n8"

static char tmpdir[] = "/tmp/test-fix-grub-legacy-XXXXXX";
static char *fixtures;

/* Harness: inventories by hand, a fixture guest copied, migrated and compared */

typedef struct Spec {
        const char *name;
        const char *type;
        const char *uuid;
        const char *partuuid;
} Spec;

static void add(Inventory *inv, DeviceSource source, Spec s) {
        DevName dn;
        Device d = {
                .name = strdup(s.name),
                .type = strdup_or_null(s.type),
                .uuid = strdup_or_null(s.uuid),
                .partuuid = strdup_or_null(s.partuuid),
                .partition = devname_parse(s.name, &dn) == 0 && dn.part > 0,
                .source = source,
        };

        assert_non_null(d.name);
        assert_int_equal(inventory_add(inv, &d), 0);
}

#define OLD(inv, ...) add(inv, DEVICE_SOURCE_SNAPSHOT, (Spec){ __VA_ARGS__ })
#define NEW(inv, ...) add(inv, DEVICE_SOURCE_PROBE, (Spec){ __VA_ARGS__ })

static char *command_output(int *ret_status, const char *fmt, ...) _printf_(2, 3);
static char *command_output(int *ret_status, const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *full = NULL;
        Buf out = {};
        char chunk[4096];
        va_list ap;
        FILE *f;
        size_t n;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(k > 0);
        assert_true(asprintf(&full, "(%s) 2>&1", cmd) > 0);
        f = popen(full, "r");
        assert_non_null(f);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                assert_int_equal(buf_append(&out, chunk, n), 0);
        k = pclose(f);
        if (ret_status)
                *ret_status = k;
        assert_int_equal(buf_append(&out, "", 0), 0);
        return buf_steal(&out);
}

/* Run a shell command; it must succeed. */
static void shell(const char *fmt, ...) _printf_(1, 2);
static void shell(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(k > 0);
        out = command_output(&k, "%s", cmd);
        if (k != 0)
                fail_msg("%s failed: %s", cmd, out);
}

static int open_dir(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

/* A copy of fixture @name's root/ in the temporary folder: its path, and an fd on it in *@ret_fd. */
static char *copy_fixture(const char *name, int *ret_fd) {
        char *dir;

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s' && cp -a '%s/%s/root/.' '%s/'", dir, dir, fixtures, name, dir);
        *ret_fd = open_dir(dir);
        return dir;
}

/*
 * The tree @dir must be fixture @name's root/ with its expected/ files laid
 * over it, byte for byte and link for link (kvmigrate's own state aside).
 */
static void assert_tree(const char *name, const char *dir) {
        _cleanup_free_ char *want = NULL, *diff = NULL;
        int status;

        assert_true(asprintf(&want, "%s/%s.want", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s/var/lib' && cp -a '%s/%s/root/.' '%s/' && cp -a "
              "'%s/%s/expected/.' "
              "'%s/' && mkdir -p '%s/var/lib'",
                want, want, fixtures, name, want, fixtures, name, want, dir);
        diff = command_output(&status, "diff -ru --no-dereference -x kvmigrate '%s' '%s'", want, dir);
        if (status != 0)
                fail_msg("%s differs from its expected tree:\n%s", name, diff);
}

/* apply_rollback() brings back fixture @name's root/ in @dir, byte for byte and link for link. */
static void assert_rolled_back(const char *name, const char *dir, int rootfd) {
        _cleanup_free_ char *want = NULL, *diff = NULL;
        int status;

        assert_int_equal(apply_rollback(rootfd, NULL), 0);
        assert_true(asprintf(&want, "%s/%s.orig", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s/var/lib' && cp -a '%s/%s/root/.' '%s/'", want, want, fixtures,
                name, want);
        diff = command_output(&status, "diff -ru --no-dereference -x kvmigrate '%s' '%s'", want, dir);
        if (status != 0)
                fail_msg("%s after rollback differs from its root/:\n%s", name, diff);
}

/* Scan pass, mapping, rewrite pass, as a migration runs them. The mapping is left in @m. */
static void plan_guest(
        int rootfd, const Inventory *old, const Inventory *new, Mapping *m, Plan *plan, FixerContext *c) {
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(plan_done) Plan scratch = {};

        *c = (FixerContext){ .rootfd = rootfd, .old = old, .new = new, .plan = &scratch };
        assert_int_equal(fixer_grub_legacy.run(c), 0);
        assert_int_equal(scratch.n_edits, 0);
        assert_int_equal(map_build(old, new, c->refs, c->n_refs, m, &errors, &warnings), 0);
        assert_null(errors);

        c->mapping = m;
        c->plan = plan;
        c->from_xen = true;
        assert_int_equal(fixer_grub_legacy.run(c), 0);
}

/* Idempotence: a migrated root names no old device or console any more. */
static void assert_plans_nothing(int rootfd, const Inventory *old, const Inventory *new, const Mapping *m) {
        _cleanup_(plan_done) Plan again = {};
        _cleanup_(fixer_context_done)
                FixerContext c = { .rootfd = rootfd, .old = old, .new = new, .plan = &again };

        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        c.mapping = m;
        c.from_xen = true;
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        assert_int_equal(again.n_edits, 0);
        assert_int_equal(again.n_warnings, 0);
}

/*
 * Fixture @name end to end: plan, apply to a copy, compare with expected/;
 * then the migrated copy plans nothing more, and a rollback restores it. The first plan is left in
 * @plan and the references of its scan in @c.
 */
static void migrate_fixture(
        const char *name, const Inventory *old, const Inventory *new, Plan *plan, FixerContext *c) {
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int rootfd = -1;

        dir = copy_fixture(name, &rootfd);
        plan_guest(rootfd, old, new, &m, plan, c);
        for (size_t i = 0; i < plan->n_edits; i++)
                assert_string_equal(plan->edits[i].fixer, "grub-legacy");
        assert_int_equal(apply_plan(rootfd, plan, NULL, NULL), 0);
        assert_tree(name, dir);

        assert_plans_nothing(rootfd, old, new, &m);
        assert_rolled_back(name, dir, rootfd);
}

static void assert_ref(const FixerContext *c, size_t i, const char *name, const char *where) {
        assert_true(i < c->n_refs);
        assert_string_equal(c->refs[i].name, name);
        assert_null(c->refs[i].type);
        assert_string_equal(c->refs[i].where, where);
}

/* The fixtures */

#define U_DEBIAN "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14"

static void test_debian_pvgrub(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext3", .uuid = U_DEBIAN);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f");
        NEW(&new, .name = "sda1", .type = "ext3", .uuid = U_DEBIAN, .partuuid = "000a1b2c-01");
        NEW(&new, .name = "sda2", .type = "swap", .uuid = "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
                .partuuid = "000a1b2c-02");

        migrate_fixture("debian-pvgrub", &old, &new, &plan, &c);
        /* kopt, kopt_2_6_26 and the four kernel lines; not the "## e.g. kopt=" help, not xenkopt. */
        assert_int_equal(c.n_refs, 6);
        assert_ref(&c, 0, "xvda1", "/boot/grub/menu.lst:38");
        assert_ref(&c, 1, "xvda1", "/boot/grub/menu.lst:39");
        assert_ref(&c, 2, "xvda1", "/boot/grub/menu.lst:108");
        assert_ref(&c, 5, "xvda1", "/boot/grub/menu.lst:123");
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, "/boot/grub/menu.lst");
        assert_int_equal(plan.n_warnings, 0);
}

static void test_centos5(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "6e2c0d9a-51f4-4c0b-9d3e-7f81a2b4c5d6";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext3", .uuid = "0b0b0b0b-1111-4222-8333-444455556666");
        OLD(&old, .name = "xvda2", .type = "ext3", .uuid = u);
        NEW(&new, .name = "sda1", .type = "ext3", .uuid = "0b0b0b0b-1111-4222-8333-444455556666");
        NEW(&new, .name = "sda2", .type = "ext3", .uuid = u);

        migrate_fixture("centos5", &old, &new, &plan, &c);
        /* The two kernels of this guest; the hypervisor stanza's module line is dom0's. */
        assert_int_equal(c.n_refs, 2);
        assert_ref(&c, 0, "xvda2", "/boot/grub/grub.conf:16");
        assert_ref(&c, 1, "xvda2", "/boot/grub/grub.conf:20");
        /* grub.conf, menu.lst and /etc/grub.conf are one file: one edit, at the target. */
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, "/boot/grub/grub.conf");
}

static void test_centos6(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "9d2f7c1a-6b3e-4f50-8a71-c2d3e4f5a6b7", *s = "c1d2e3f4-a5b6-4789-8abc-def012345678";

        (void) state;

        /* RHEL 6 kernels call the first disk xvde. */
        OLD(&old, .name = "xvde1", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvde2", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = s);

        migrate_fixture("centos6", &old, &new, &plan, &c);
        assert_int_equal(c.n_refs, 3);
        assert_ref(&c, 0, "xvde1", "/boot/grub/grub.conf:16");
        assert_ref(&c, 2, "xvde2", "/boot/grub/grub.conf:20");
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, "/boot/grub/grub.conf");
}

static void test_arch(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e";

        (void) state;

        /* Linode's layout: filesystems on whole disks, no partition table. */
        OLD(&old, .name = "xvda", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");

        migrate_fixture("arch", &old, &new, &plan, &c);
        /* The "DEVICE NAME CONVERSIONS" comments name xvd disks too: no references. */
        assert_int_equal(c.n_refs, 2);
        assert_int_equal(plan.n_edits, 1);
        assert_int_equal(plan.n_warnings, 0);
}

static void test_gentoo(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8";

        (void) state;

        /* No initrd line in any stanza: the kernel must find its root itself, by PARTUUID. */
        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u, .partuuid = "5a2b3c4d-01");

        migrate_fixture("gentoo", &old, &new, &plan, &c);
        assert_int_equal(c.n_refs, 3);
        assert_int_equal(plan.n_edits, 1);
        assert_int_equal(plan.n_warnings, 0);
}

/* Single rules, on menus written on the spot */

static Device new_devices[] = {
        { .name = "sda1", .type = "ext4", .uuid = U_DEBIAN, .partuuid = "000a1b2c-01", .partition = true },
        { .name = "sdb", .type = "ext4", .uuid = "5b5b5b5b-0000-4000-8000-000000000002" },
};

static MapEntry entries[] = {
        { .old_name = "xvda1", .new = &new_devices[0], .method = MAP_METHOD_UUID },
        { .old_name = "xvdb", .new = &new_devices[1], .method = MAP_METHOD_UUID },
};

static const Inventory new_inventory = { .devices = new_devices, .n = ELEMENTSOF(new_devices) };
static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

/*
 * @menu as /boot/grub/menu.lst of a fresh root (with an initramfs in /boot
 * when @boot_initrd), through both passes: the new content, or NULL when
 * nothing changes. The plan is left in @plan.
 */
static char *fix_menu(const char *menu, bool boot_initrd, bool from_xen, Plan *plan) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int rootfd = -1;
        static unsigned n;
        FixerContext c;
        char *r = NULL;

        assert_true(asprintf(&dir, "%s/menu-%u", tmpdir, n++) > 0);
        assert_int_equal(mkdir(dir, 0755), 0);
        rootfd = open_dir(dir);
        assert_int_equal(mkdir_p_at(rootfd, "boot/grub", 0755), 0);
        assert_int_equal(write_file_atomic_at(rootfd, "boot/grub/menu.lst", menu, strlen(menu), 0644), 0);
        if (boot_initrd)
                assert_int_equal(write_file_atomic_at(rootfd, "boot/initrd.img-6.1", "", 0, 0644), 0);

        c = (FixerContext){ .rootfd = rootfd, .new = &new_inventory, .plan = plan };
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        assert_int_equal(plan->n_edits, 0);
        c.mapping = &mapping;
        c.from_xen = from_xen;
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        fixer_context_done(&c);
        if (plan->n_edits == 0)
                return NULL;
        assert_int_equal(plan->n_edits, 1);
        assert_string_equal(plan->edits[0].path, "/boot/grub/menu.lst");
        assert_non_null(r = strndup(plan->edits[0].new.data, plan->edits[0].new.size));
        return r;
}

static void check_menu(const char *menu, bool boot_initrd, const char *want) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ char *got = fix_menu(menu, boot_initrd, true, &plan);

        if (!want) {
                if (got)
                        fail_msg("wanted no change; got:\n%s", got);
                return;
        }
        if (!got)
                fail_msg("wanted a change, got none, to:\n%s", want);
        assert_string_equal(got, want);
        assert_int_equal(plan.n_warnings, 0);
}

static void test_initrd_per_stanza(void **state) {
        (void) state;

        /* With an initrd line: UUID=; without: PARTUUID= (the kernel finds only that). */
        check_menu("title a\nkernel /vmlinuz root=/dev/xvda1 ro\ninitrd /initrd.img\n"
                   "title b\nkernel /vmlinuz root=/dev/xvda1 ro\n",
                false,
                "title a\nkernel /vmlinuz root=UUID=" U_DEBIAN " ro\ninitrd /initrd.img\n"
                "title b\nkernel /vmlinuz root=PARTUUID=000a1b2c-01 ro\n");
}

static void test_kernel_syntax(void **state) {
        (void) state;

        /* GRUB takes '=' after a command name for a blank; options come before the kernel. */
        check_menu("title a\nkernel=/vmlinuz root=/dev/xvda1\ninitrd=/initrd\n", false,
                "title a\nkernel=/vmlinuz root=UUID=" U_DEBIAN "\ninitrd=/initrd\n");
        check_menu("title a\n\tkernel  --type=linux --no-mem-option (hd0,0)/vmlinuz\troot=/dev/xvda1\n"
                   "\tinitrd /initrd\n",
                false,
                "title a\n\tkernel  --type=linux --no-mem-option (hd0,0)/vmlinuz\troot=UUID=" U_DEBIAN "\n"
                "\tinitrd /initrd\n");
        /* Nothing else on the line is an argument list. */
        check_menu("title root=/dev/xvda1\nroot (hd0,0)\n#kernel /vmlinuz root=/dev/xvda1\n", false, NULL);
}

static void test_all_arguments_dropped(void **state) {
        (void) state;

        /* No blank is left behind at the end of the line. */
        check_menu("title a\nkernel /vmlinuz xencons=tty\n", false, "title a\nkernel /vmlinuz\n");
        check_menu("# defoptions=xencons=tty\n", false, "# defoptions=\n");
}

static void test_crlf_and_no_final_newline(void **state) {
        (void) state;

        check_menu("title a\r\nkernel /vmlinuz root=/dev/xvda1 console=hvc0\r\ninitrd /i\r\n", false,
                "title a\r\nkernel /vmlinuz root=UUID=" U_DEBIAN " " SERIAL "\r\ninitrd /i\r\n");
        /* The initrd line may come first. */
        check_menu("title a\ninitrd /i\nkernel /vmlinuz root=/dev/xvdb", false,
                "title a\ninitrd /i\nkernel /vmlinuz root=UUID=5b5b5b5b-0000-4000-8000-000000000002");
}

static void test_dom0_stanzas_alone(void **state) {
        (void) state;

        /* A hypervisor with modules, and one whose name says so: neither is this guest's kernel. */
        check_menu("title Xen\nkernel /boot/xen-4.0-amd64.gz dom0_mem=512M\n"
                   "module /boot/vmlinuz root=/dev/xvda1 console=hvc0\nmodule /boot/initrd.img\n"
                   "title Xen 2\nkernel /xen.gz-2.6.18-419.el5 console=hvc0\n"
                   "title multiboot\nkernel /boot/mboot.c32 root=/dev/xvda1\nmodule /boot/x\n",
                true, NULL);
        /* The stanza after it is the guest's again. */
        check_menu("title Xen\nkernel /xen.gz\nmodule /vmlinuz root=/dev/xvda1\n"
                   "title Linux\nkernel /vmlinuz root=/dev/xvda1\ninitrd /initrd\n",
                true,
                "title Xen\nkernel /xen.gz\nmodule /vmlinuz root=/dev/xvda1\n"
                "title Linux\nkernel /vmlinuz root=UUID=" U_DEBIAN "\ninitrd /initrd\n");
}

static void test_magic_comments(void **state) {
        (void) state;

        /*
         * Only "# KEY=" from the first column is update-grub's; xenkopt and
         * xenhopt are dom0's; groot is a GRUB device; an altoptions value
         * without its "(title)" is not one update-grub would use.
         */
        check_menu("#kopt=root=/dev/xvda1\n## kopt=root=/dev/xvda1\n  # kopt=root=/dev/xvda1\n"
                   "# xenkopt=root=/dev/xvda1 console=hvc0\n# xenhopt=console=hvc0\n# groot=(hd0,0)\n"
                   "# altoptions=single console=hvc0\n# koptx=root=/dev/xvda1\n# kopt_=root=/dev/xvda1\n",
                true, NULL);
        /* With /boot holding an initramfs, kopt gets UUID=; without, PARTUUID=. */
        check_menu("# kopt=root=/dev/xvda1 ro\n# kopt_2_6_32_5_xen_amd64=root=/dev/xvda1\n", true,
                "# kopt=root=UUID=" U_DEBIAN " ro\n# kopt_2_6_32_5_xen_amd64=root=UUID=" U_DEBIAN "\n");
        check_menu("# kopt=root=/dev/xvda1 ro\n", false, "# kopt=root=PARTUUID=000a1b2c-01 ro\n");
        check_menu("# altoptions=(recovery mode)  single console=hvc0\n", true,
                "# altoptions=(recovery mode)  single " SERIAL "\n");
}

static void test_xen_device_reported(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ char *got = NULL;

        (void) state;

        /* Left as it is: a GRUB under KVM has no (xen/…) disk, and which (hdN) it is cannot be known. */
        got = fix_menu("# groot=(xen/xvda,msdos1)\ntitle a\nroot (xen/xvda,msdos1)\n"
                       "kernel /vmlinuz root=/dev/xvda1\n",
                false, true, &plan);
        assert_string_equal(got,
                "# groot=(xen/xvda,msdos1)\ntitle a\nroot (xen/xvda,msdos1)\n"
                "kernel /vmlinuz root=PARTUUID=000a1b2c-01\n");
        assert_int_equal(plan.n_warnings, 2);
        assert_non_null(strstr(plan.warnings[0], "/boot/grub/menu.lst:1: (xen/xvda,msdos1) "));
        assert_non_null(strstr(plan.warnings[1], "/boot/grub/menu.lst:3: (xen/xvda,msdos1) "));
        assert_non_null(strstr(plan.warnings[1], "check this line by hand"));
}

static void test_not_from_xen(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ char *got = NULL;

        (void) state;

        /* hvc0 of a guest that never ran on Xen is its own console: only devices move. */
        got = fix_menu(
                "title a\nkernel /vmlinuz root=/dev/xvda1 console=hvc0 xencons=tty\n# kopt=console=hvc0\n",
                true, false, &plan);
        assert_string_equal(got,
                "title a\nkernel /vmlinuz root=PARTUUID=000a1b2c-01 console=hvc0 xencons=tty\n"
                "# kopt=console=hvc0\n");
}

static void test_kernel_without_file_refused(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int rootfd = -1;
        _cleanup_free_ char *dir = NULL;
        FixerContext c;

        (void) state;

        assert_true(asprintf(&dir, "%s/refused", tmpdir) > 0);
        assert_int_equal(mkdir(dir, 0755), 0);
        rootfd = open_dir(dir);
        assert_int_equal(mkdir_p_at(rootfd, "boot/grub", 0755), 0);
        assert_int_equal(write_file_atomic_at(
                                 rootfd, "boot/grub/grub.conf", "title a\nkernel --type=linux\n", 28, 0644),
                0);
        /* The scan pass refuses what it cannot read, before anything is planned. */
        c = (FixerContext){ .rootfd = rootfd, .new = &new_inventory, .plan = &plan };
        assert_int_equal(fixer_grub_legacy.run(&c), -EBADMSG);
        fixer_context_done(&c);
}

static void test_missing(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int rootfd = -1;
        _cleanup_free_ char *dir = NULL;
        FixerContext c;

        (void) state;

        assert_true(asprintf(&dir, "%s/missing", tmpdir) > 0);
        assert_int_equal(mkdir(dir, 0755), 0);
        rootfd = open_dir(dir);
        c = (FixerContext){ .rootfd = rootfd, .new = &new_inventory, .mapping = &mapping, .plan = &plan };
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        /* A dangling /etc/grub.conf link, and /boot/grub a file. */
        assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
        assert_int_equal(symlinkat("../boot/grub/grub.conf", rootfd, "etc/grub.conf"), 0);
        assert_int_equal(mkdirat(rootfd, "boot", 0755), 0);
        assert_int_equal(write_file_atomic_at(rootfd, "boot/grub", "", 0, 0644), 0);
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        fixer_context_done(&c);
}

/* Setup */

static int setup(void **state) {
        char exe[PATH_MAX];
        ssize_t n;

        (void) state;

        if (!mkdtemp(tmpdir))
                return -1;
        /* The fixtures are found from the binary (build/ or build-asan/), whatever the working folder. */
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
                return -1;
        exe[n] = 0;
        if (asprintf(&fixtures, "%s/../tests/fixtures/grub", dirname(exe)) < 0)
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
                cmocka_unit_test(test_debian_pvgrub),
                cmocka_unit_test(test_centos5),
                cmocka_unit_test(test_centos6),
                cmocka_unit_test(test_arch),
                cmocka_unit_test(test_gentoo),
                cmocka_unit_test(test_initrd_per_stanza),
                cmocka_unit_test(test_kernel_syntax),
                cmocka_unit_test(test_all_arguments_dropped),
                cmocka_unit_test(test_crlf_and_no_final_newline),
                cmocka_unit_test(test_dom0_stanzas_alone),
                cmocka_unit_test(test_magic_comments),
                cmocka_unit_test(test_xen_device_reported),
                cmocka_unit_test(test_not_from_xen),
                cmocka_unit_test(test_kernel_without_file_refused),
                cmocka_unit_test(test_missing),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
