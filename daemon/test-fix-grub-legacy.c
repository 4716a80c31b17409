/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define SERIAL "console=ttyS0,115200n8"

/*
 * Fixture case @name end to end: plan, apply to a copy, compare with
 * root/ with expected/ laid over it; then the migrated copy plans nothing
 * more, and a rollback restores it. The first run is left in @run.
 */
static void migrate(const char *name, const Inventory *old, const Inventory *new, FixtureRun *run) {
        fixture_run_case(
                &(const FixtureCase){
                        .fixer = &fixer_grub_legacy,
                        .name = name,
                        .guest = { .old = old, .new = new, .from_xen = true },
                        .expected_overlay = true,
                },
                run);
}

/* The fixtures */

#define U_DEBIAN "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14"

static void test_debian_pvgrub(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext3", .uuid = U_DEBIAN);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f");
        NEW(&new, .name = "sda1", .type = "ext3", .uuid = U_DEBIAN, .partuuid = "000a1b2c-01");
        NEW(&new, .name = "sda2", .type = "swap", .uuid = "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
                .partuuid = "000a1b2c-02");

        migrate("grub/debian-pvgrub", &old, &new, &run);
        /* kopt, kopt_2_6_26 and the four kernel lines; not the "## e.g. kopt=" help, not xenkopt. */
        assert_int_equal(run.n_refs, 6);
        fixture_assert_ref(run.refs, run.n_refs, 0, "xvda1 - /boot/grub/menu.lst:38");
        fixture_assert_ref(run.refs, run.n_refs, 1, "xvda1 - /boot/grub/menu.lst:39");
        fixture_assert_ref(run.refs, run.n_refs, 2, "xvda1 - /boot/grub/menu.lst:108");
        fixture_assert_ref(run.refs, run.n_refs, 5, "xvda1 - /boot/grub/menu.lst:123");
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].path, "/boot/grub/menu.lst");
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_centos5(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "6e2c0d9a-51f4-4c0b-9d3e-7f81a2b4c5d6";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext3", .uuid = "0b0b0b0b-1111-4222-8333-444455556666");
        OLD(&old, .name = "xvda2", .type = "ext3", .uuid = u);
        NEW(&new, .name = "sda1", .type = "ext3", .uuid = "0b0b0b0b-1111-4222-8333-444455556666");
        NEW(&new, .name = "sda2", .type = "ext3", .uuid = u);

        migrate("grub/centos5", &old, &new, &run);
        /* The two kernels of this guest; the hypervisor stanza's module line is dom0's. */
        assert_int_equal(run.n_refs, 2);
        fixture_assert_ref(run.refs, run.n_refs, 0, "xvda2 - /boot/grub/grub.conf:16");
        fixture_assert_ref(run.refs, run.n_refs, 1, "xvda2 - /boot/grub/grub.conf:20");
        /* grub.conf, menu.lst and /etc/grub.conf are one file: one edit, at the target. */
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].path, "/boot/grub/grub.conf");
}

static void test_centos6(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "9d2f7c1a-6b3e-4f50-8a71-c2d3e4f5a6b7", *s = "c1d2e3f4-a5b6-4789-8abc-def012345678";

        (void) state;

        /* RHEL 6 kernels call the first disk xvde. */
        OLD(&old, .name = "xvde1", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvde2", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = s);

        migrate("grub/centos6", &old, &new, &run);
        assert_int_equal(run.n_refs, 3);
        fixture_assert_ref(run.refs, run.n_refs, 0, "xvde1 - /boot/grub/grub.conf:16");
        fixture_assert_ref(run.refs, run.n_refs, 2, "xvde2 - /boot/grub/grub.conf:20");
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].path, "/boot/grub/grub.conf");
}

static void test_arch(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e";

        (void) state;

        /* Linode's layout: filesystems on whole disks, no partition table. */
        OLD(&old, .name = "xvda", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");

        migrate("grub/arch", &old, &new, &run);
        /* The "DEVICE NAME CONVERSIONS" comments name xvd disks too: no references. */
        assert_int_equal(run.n_refs, 2);
        assert_int_equal(run.plan.n_edits, 1);
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_gentoo(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8";

        (void) state;

        /* No initrd line in any stanza: the kernel must find its root itself, by PARTUUID. */
        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = u);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u, .partuuid = "5a2b3c4d-01");

        migrate("grub/gentoo", &old, &new, &run);
        assert_int_equal(run.n_refs, 3);
        assert_int_equal(run.plan.n_edits, 1);
        assert_int_equal(run.plan.n_warnings, 0);
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
 * nothing changes. The run is left in @run.
 */
static char *fix_menu(const char *menu, bool boot_initrd, bool from_xen, FixtureRun *run) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new(NULL, NULL);
        char *r = NULL;

        fixture_write(root->fd, "boot/grub/menu.lst", menu);
        if (boot_initrd)
                fixture_write(root->fd, "boot/initrd.img-6.1", "");
        assert_int_equal(fixture_run(run, &fixer_grub_legacy, root->fd,
                                 &(const FixtureGuest){
                                         .new = &new_inventory, .mapping = &mapping, .from_xen = from_xen }),
                0);
        if (run->plan.n_edits == 0)
                return NULL;
        assert_int_equal(run->plan.n_edits, 1);
        assert_string_equal(run->plan.edits[0].path, "/boot/grub/menu.lst");
        assert_non_null(r = strndup(run->plan.edits[0].new.data, run->plan.edits[0].new.size));
        return r;
}

static void check_menu(const char *menu, bool boot_initrd, const char *want) {
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_free_ char *got = fix_menu(menu, boot_initrd, true, &run);

        if (!want) {
                if (got)
                        fail_msg("wanted no change; got:\n%s", got);
                return;
        }
        if (!got)
                fail_msg("wanted a change, got none, to:\n%s", want);
        assert_string_equal(got, want);
        assert_int_equal(run.plan.n_warnings, 0);
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
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_free_ char *got = NULL;

        (void) state;

        /* Left as it is: a GRUB under KVM has no (xen/…) disk, and which (hdN) it is cannot be known. */
        got = fix_menu("# groot=(xen/xvda,msdos1)\ntitle a\nroot (xen/xvda,msdos1)\n"
                       "kernel /vmlinuz root=/dev/xvda1\n",
                false, true, &run);
        assert_string_equal(got,
                "# groot=(xen/xvda,msdos1)\ntitle a\nroot (xen/xvda,msdos1)\n"
                "kernel /vmlinuz root=PARTUUID=000a1b2c-01\n");
        assert_int_equal(run.plan.n_warnings, 2);
        assert_non_null(strstr(run.plan.warnings[0], "/boot/grub/menu.lst:1: (xen/xvda,msdos1) "));
        assert_non_null(strstr(run.plan.warnings[1], "/boot/grub/menu.lst:3: (xen/xvda,msdos1) "));
        assert_non_null(strstr(run.plan.warnings[1], "check this line by hand"));
}

static void test_not_from_xen(void **state) {
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_free_ char *got = NULL;

        (void) state;

        /* hvc0 of a guest that never ran on Xen is its own console: only devices move. */
        got = fix_menu(
                "title a\nkernel /vmlinuz root=/dev/xvda1 console=hvc0 xencons=tty\n# kopt=console=hvc0\n",
                true, false, &run);
        assert_string_equal(got,
                "title a\nkernel /vmlinuz root=PARTUUID=000a1b2c-01 console=hvc0 xencons=tty\n"
                "# kopt=console=hvc0\n");
}

static void test_kernel_without_file_refused(void **state) {
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("refused", NULL);

        (void) state;

        fixture_write(root->fd, "boot/grub/grub.conf", "title a\nkernel --type=linux\n");
        /* The scan pass refuses what it cannot read, before anything is planned. */
        (void) fixture_run(&run, &fixer_grub_legacy, root->fd,
                &(const FixtureGuest){ .new = &new_inventory, .mapping = &mapping, .from_xen = true });
        assert_int_equal(run.scan, -EBADMSG);
}

static void test_missing(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("missing", NULL);
        FixerContext c = { .rootfd = root->fd, .new = &new_inventory, .mapping = &mapping, .plan = &plan };

        (void) state;

        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        /* A dangling /etc/grub.conf link, and /boot/grub a file. */
        fixture_symlink(root->fd, "etc/grub.conf", "../boot/grub/grub.conf");
        fixture_write(root->fd, "boot/grub", "");
        assert_int_equal(fixer_grub_legacy.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        fixer_context_done(&c);
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

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
