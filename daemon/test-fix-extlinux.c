/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define U_BOOT "6f1a2b3c-0001-4a5b-8c6d-7e8f90a1b2c3"
#define U_ROOT "2e4d6c8b-0002-4f1e-9d3c-5b7a9f1e3d5c"
#define U_SWAP "9a8b7c6d-0003-4e5f-a1b2-c3d4e5f60718"
#define PT "7c3e9f21"
#define SERIAL "console=ttyS0,115200n8"

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

/* Fixtures, end to end */

static void test_alpine(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;
        FIXTURE_SKIP_UNLESS_X86();
        guest(&old, &new);
        /* The TEXT HELP line that looks like an APPEND is text: no reference there. */
        fixture_run_case_from_xen(&run, &fixer_extlinux, "boot/alpine-extlinux", &old, &new,
                FIXTURE_STRV("xvda1 - /boot/extlinux.conf:12", "xvda1 - /boot/extlinux.conf:20",
                        "xvda1 - /etc/update-extlinux.conf:15"));
        assert_int_equal(run.plan.n_edits, 2);
        assert_string_equal(run.plan.edits[0].path, "/boot/extlinux.conf");
        assert_string_equal(run.plan.edits[0].fixer, "extlinux");
        assert_string_equal(run.plan.edits[1].path, "/etc/update-extlinux.conf");
        assert_string_equal(run.plan.edits[1].reason, "root device and kernel options for update-extlinux");
        /* The entry without an initramfs got root=PARTUUID=: nothing to warn about. */
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_arch_syslinux(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;
        FIXTURE_SKIP_UNLESS_X86();
        guest_arch(&old, &new);
        /* Mixed-case keywords, and an INCLUDEd file with a CRLF line. */
        fixture_run_case_from_xen(&run, &fixer_extlinux, "boot/arch-syslinux", &old, &new,
                FIXTURE_STRV("xvda3 - /boot/syslinux/syslinux.cfg:15",
                        "xvda3 - /boot/syslinux/syslinux.cfg:21", "xvda3 - /boot/syslinux/local.cfg:5",
                        "xvda2 - /boot/syslinux/local.cfg:5"));
        assert_int_equal(run.plan.n_edits, 2);
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_debian_extlinux(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;
        FIXTURE_SKIP_UNLESS_X86();
        guest(&old, &new);
        /* initrd= on the APPEND line is the initramfs; the included theme is read and left alone. */
        fixture_run_case_from_xen(&run, &fixer_extlinux, "boot/debian-extlinux", &old, &new,
                FIXTURE_STRV("xvda1 - /boot/extlinux/extlinux.conf:17",
                        "xvda1 - /boot/extlinux/extlinux.conf:22", "xvda1 - /etc/default/extlinux:15"));
        assert_int_equal(run.plan.n_edits, 2);
        assert_string_equal(run.plan.edits[1].path, "/etc/default/extlinux");
        assert_int_equal(run.plan.n_warnings, 0);
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
                _cleanup_(fixture_run_done) FixtureRun run = {};
                _cleanup_free_ char *name = NULL;
                _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;

                assert_true(asprintf(&name, "global-%zu", i) > 0);
                root = fixture_root_new(name, NULL);
                fixture_write(root->fd, "boot/extlinux/extlinux.conf", cases[i][0]);
                assert_int_equal(fixture_run_from_xen(&run, &fixer_extlinux, root->fd, &old, &new), 0);
                fixture_assert_planned(&run.plan, "/boot/extlinux/extlinux.conf", cases[i][1]);
                assert_int_equal(run.plan.n_warnings, 0);
        }
}

static void test_includes(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;

        (void) state;
        guest(&old, &new);
        root = fixture_root_new("includes", NULL);
        /*
         * An absolute name from the boot filesystem's root (/boot here), one that is nowhere, a file that
         * includes itself, and /extlinux.conf, a link to the same file as /boot/extlinux.conf.
         */
        fixture_write(root->fd, "boot/extlinux.conf",
                "include /syslinux/common.cfg\n"
                "MENU INCLUDE /menus/extra.cfg Extra\n"
                "INCLUDE extlinux.conf\n"
                "LABEL a\n  INITRD /initrd\n  APPEND root=/dev/xvda1\n");
        fixture_write(root->fd, "boot/syslinux/common.cfg",
                "LABEL b\n  INITRD /initrd\n  APPEND ro root=/dev/xvda1\n");
        fixture_symlink(root->fd, "extlinux.conf", "boot/extlinux.conf");
        assert_int_equal(fixture_run_from_xen(&run, &fixer_extlinux, root->fd, &old, &new), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_planned(&run.plan, "/boot/extlinux.conf",
                "include /syslinux/common.cfg\n"
                "MENU INCLUDE /menus/extra.cfg Extra\n"
                "INCLUDE extlinux.conf\n"
                "LABEL a\n  INITRD /initrd\n  APPEND " UUID_ARG "\n");
        fixture_assert_planned(&run.plan, "/boot/syslinux/common.cfg",
                "LABEL b\n  INITRD /initrd\n  APPEND ro " UUID_ARG "\n");
        fixture_assert_warnings(&run.plan,
                "/boot/extlinux.conf:2: /menus/extra.cfg is not there to be read; look at it for xvd and "
                "hvc0 names by hand");
}

static void test_generators(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
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
        root = fixture_root_new("generators", NULL);
        fixture_write(root->fd, "boot/initramfs-lts", "");
        fixture_write(root->fd, "etc/update-extlinux.conf", update);
        fixture_write(root->fd, "etc/default/extlinux", "EXTLINUX_ROOT=root=/dev/xvda1\n");
        assert_int_equal(fixture_run_from_xen(&run, &fixer_extlinux, root->fd, &old, &new), 0);
        fixture_assert_planned(&run.plan, "/etc/update-extlinux.conf", update_fixed);
        fixture_assert_planned(&run.plan, "/etc/default/extlinux", "EXTLINUX_ROOT=" UUID_ARG "\n");
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
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                (void) fixture_assert_refused(&fixer_extlinux,
                        &(const FixtureGuest){ .old = &old, .new = &new }, "etc/update-extlinux.conf",
                        bad[i], -EBADMSG);
}

static void test_not_from_xen(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
        static const char conf[] =
                "LABEL a\n  INITRD /i\n  APPEND root=/dev/xvda1 console=hvc0 xencons=tty\n";
        static const char fixed[] = "LABEL a\n  INITRD /i\n  APPEND " UUID_ARG " console=hvc0 xencons=tty\n";

        (void) state;
        guest(&old, &new);
        root = fixture_root_new("not-from-xen", NULL);
        fixture_write(root->fd, "boot/syslinux/syslinux.cfg", conf);
        assert_int_equal(fixture_run(&run, &fixer_extlinux, root->fd,
                                 &(const FixtureGuest){ .old = &old, .new = &new }),
                0);
        fixture_assert_planned(&run.plan, "/boot/syslinux/syslinux.cfg", fixed);
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
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
