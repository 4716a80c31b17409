/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "fixture.h"
#include "root.h"

/* systemd */

#define UNITDIR "/etc/systemd/system"
#define LINK_TTYS0 UNITDIR "/getty.target.wants/serial-getty@ttyS0.service"

/* An enabled serial-getty@ttyS0 still loads: its link leads, inside the root, to the serial template. */
static void assert_link_resolves(const FixtureRoot *root, const void *userdata) {
        _cleanup_free_ char *resolved = NULL;
        struct stat st;
        const char *base;

        (void) userdata;
        if (fstatat(root->fd, LINK_TTYS0 + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        assert_int_equal(root_chase(root->fd, LINK_TTYS0, 0, &resolved), 0);
        assert_int_equal(fstatat(root->fd, resolved + 1, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        base = strrchr(resolved, '/') + 1;
        assert_string_equal(base, "serial-getty@.service");
}

static void test_fixture(void **state) {
        fixture_run_console_case(&fixer_getty, *state, assert_link_resolves);
}

static void test_relative_xvc0(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("relative", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* A relative link, in another *.wants folder, for the old Xen console's name. */
        fixture_write(root->fd, "lib/systemd/system/serial-getty@.service", "[Service]\n");
        fixture_symlink(root->fd, "etc/systemd/system/multi-user.target.wants/serial-getty@xvc0.service",
                "../../../../lib/systemd/system/serial-getty@.service");
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_edit(&run.plan.edits[0], "getty",
                UNITDIR "/multi-user.target.wants/serial-getty@xvc0.service", FILE_SYMLINK,
                "../../../../lib/systemd/system/serial-getty@.service", FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[1], "getty",
                UNITDIR "/multi-user.target.wants/serial-getty@ttyS0.service", FILE_ABSENT, NULL,
                FILE_SYMLINK, "../../../../lib/systemd/system/serial-getty@.service");
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_both_templates(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("both", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* getty@hvc0 and serial-getty@hvc0 both enabled: one ttyS0 getty comes of them. */
        fixture_write(root->fd, "lib/systemd/system/serial-getty@.service", "[Service]\n");
        fixture_write(root->fd, "lib/systemd/system/getty@.service", "[Service]\n");
        fixture_symlink(root->fd, "etc/systemd/system/getty.target.wants/getty@hvc0.service",
                "/lib/systemd/system/getty@.service");
        fixture_symlink(root->fd, "etc/systemd/system/getty.target.wants/serial-getty@hvc0.service",
                "/lib/systemd/system/serial-getty@.service");
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 3);
        fixture_assert_edit(&run.plan.edits[0], "getty",
                UNITDIR "/getty.target.wants/serial-getty@hvc0.service", FILE_SYMLINK,
                "/lib/systemd/system/serial-getty@.service", FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[1], "getty", LINK_TTYS0, FILE_ABSENT, NULL, FILE_SYMLINK,
                "/lib/systemd/system/serial-getty@.service");
        fixture_assert_edit(&run.plan.edits[2], "getty", UNITDIR "/getty.target.wants/getty@hvc0.service",
                FILE_SYMLINK, "/lib/systemd/system/getty@.service", FILE_ABSENT, NULL);
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_dropin_names_console(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("literal", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* A drop-in that spells the tty out follows it; "hvc01" is another tty. */
        fixture_write(root->fd, "etc/systemd/system/serial-getty@hvc0.service.d/tty.conf",
                "[Unit]\nBindsTo=dev-hvc0.device\n[Service]\nExecStart=\n"
                "ExecStart=-/sbin/agetty --keep-baud 115200 hvc0 $TERM\nEnvironment=OTHER=hvc01\n");
        fixture_symlink(root->fd, "etc/systemd/system/serial-getty@hvc0.service.d/shared.conf",
                "/etc/getty-shared.conf");
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 4);
        fixture_assert_edit(&run.plan.edits[0], "getty", UNITDIR "/serial-getty@hvc0.service.d/shared.conf",
                FILE_SYMLINK, "/etc/getty-shared.conf", FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[1], "getty", UNITDIR "/serial-getty@ttyS0.service.d/shared.conf",
                FILE_ABSENT, NULL, FILE_SYMLINK, "/etc/getty-shared.conf");
        fixture_assert_edit(&run.plan.edits[2], "getty", UNITDIR "/serial-getty@hvc0.service.d/tty.conf",
                FILE_REGULAR, NULL, FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[3], "getty", UNITDIR "/serial-getty@ttyS0.service.d/tty.conf",
                FILE_ABSENT, NULL, FILE_REGULAR,
                "[Unit]\nBindsTo=dev-ttyS0.device\n[Service]\nExecStart=\n"
                "ExecStart=-/sbin/agetty --keep-baud 115200 ttyS0 $TERM\nEnvironment=OTHER=hvc01\n");
}

/*
 * A drop-in's ExecStart= getty with the Xen-era speed: agetty's list gets
 * 115200 first, as the kernel console; a getty not known to take a list
 * keeps its speed, with a warning; the template's --keep-baud list that
 * starts with 115200 and an ExecStart= that resets are left as they are.
 */
static void test_dropin_speed(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("speed", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        fixture_write(root->fd, "etc/systemd/system/serial-getty@hvc0.service.d/autologin.conf",
                "[Service]\nExecStart=\n"
                "ExecStart=-/sbin/agetty --autologin root -8 38400 %I $TERM\n");
        fixture_write(root->fd, "etc/systemd/system/serial-getty@hvc0.service.d/keep.conf",
                "[Service]\nExecStart=\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud "
                "115200,57600,38400,9600 - $TERM\n");
        fixture_write(root->fd, "etc/systemd/system/serial-getty@hvc0.service.d/other.conf",
                "[Service]\nExecStart=\nExecStart=-/usr/local/sbin/getty 9600 %I\n");
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 6);
        fixture_assert_edit(&run.plan.edits[1], "getty",
                UNITDIR "/serial-getty@ttyS0.service.d/autologin.conf", FILE_ABSENT, NULL, FILE_REGULAR,
                "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root -8 115200,38400 %I "
                "$TERM\n");
        fixture_assert_edit(&run.plan.edits[3], "getty", UNITDIR "/serial-getty@ttyS0.service.d/keep.conf",
                FILE_ABSENT, NULL, FILE_REGULAR,
                "[Service]\nExecStart=\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud "
                "115200,57600,38400,9600 - $TERM\n");
        fixture_assert_edit(&run.plan.edits[5], "getty", UNITDIR "/serial-getty@ttyS0.service.d/other.conf",
                FILE_ABSENT, NULL, FILE_REGULAR,
                "[Service]\nExecStart=\nExecStart=-/usr/local/sbin/getty 9600 %I\n");
        fixture_assert_warnings(&run.plan,
                UNITDIR
                "/serial-getty@ttyS0.service.d/other.conf:3: /usr/local/sbin/getty is not known to be "
                "agetty or BusyBox getty, so its speed 9600 is left as it is; the kernel console runs at "
                "115200 (console=ttyS0,115200n8)");
}

static void test_left_to_people(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("people", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* An instance unit written out in full, enabled; the template missing; a mask of the template. */
        fixture_write(root->fd, "etc/systemd/system/serial-getty@hvc0.service",
                "[Service]\nExecStart=-/sbin/agetty hvc0\n");
        fixture_symlink(root->fd, "etc/systemd/system/getty.target.wants/serial-getty@hvc0.service",
                UNITDIR "/serial-getty@hvc0.service");
        fixture_symlink(root->fd, "etc/systemd/system/default.target.wants/getty@hvc0.service",
                "/usr/lib/systemd/system/getty@.service");
        fixture_symlink(root->fd, "etc/systemd/system/serial-getty@.service", "/dev/null");
        fixture_symlink(root->fd, "etc/systemd/system/serial-getty@xvc0.service", "/dev/null");
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_edit(&run.plan.edits[0], "getty", UNITDIR "/default.target.wants/getty@hvc0.service",
                FILE_SYMLINK, "/usr/lib/systemd/system/getty@.service", FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[1], "getty",
                UNITDIR "/default.target.wants/serial-getty@ttyS0.service", FILE_ABSENT, NULL, FILE_SYMLINK,
                "/usr/lib/systemd/system/serial-getty@.service");
        assert_int_equal(run.plan.n_warnings, 4);
        assert_string_equal(run.plan.warnings[0],
                UNITDIR
                "/default.target.wants/serial-getty@ttyS0.service: the template "
                "/usr/lib/systemd/system/serial-getty@.service is not in this root; the link is made all "
                "the same");
        assert_string_equal(run.plan.warnings[1],
                UNITDIR "/getty.target.wants/serial-getty@hvc0.service: points at " UNITDIR
                        "/serial-getty@hvc0.service, not at a getty template; move it to ttyS0 by hand");
        assert_string_equal(run.plan.warnings[2],
                UNITDIR "/serial-getty@.service: masked, so no getty runs on ttyS0, the console under KVM; "
                        "kvmigrate leaves masks alone (systemctl unmask serial-getty@.service)");
        assert_string_equal(run.plan.warnings[3],
                UNITDIR
                "/serial-getty@hvc0.service: a unit of the Xen console's own; move it to ttyS0 by hand");
}

static void test_missing(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("missing", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(mkdir_p_at(root->fd, "etc/systemd/system/getty.target.wants", 0755), 0);
        assert_int_equal(fixture_run_console(&run, &fixer_getty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
        assert_int_equal(run.plan.n_warnings, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_TEST(test_fixture, "console", "systemd-debian9-autologin"),
                FIXTURE_TEST(test_fixture, "console", "systemd-centos7-getty"),
                FIXTURE_TEST(test_fixture, "console", "systemd-ttyS0-masked"),
                FIXTURE_TEST(test_fixture, "console", "systemd-ttyS0-enabled"),
                cmocka_unit_test(test_relative_xvc0),
                cmocka_unit_test(test_both_templates),
                cmocka_unit_test(test_dropin_names_console),
                cmocka_unit_test(test_dropin_speed),
                cmocka_unit_test(test_left_to_people),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
