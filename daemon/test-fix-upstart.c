/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

/* upstart and runit */

static void test_fixture(void **state) {
        const char *name = *state;

        fixture_run_console_case(
                startswith(name, "console/runit-") ? &fixer_runit : &fixer_upstart, name, NULL);
}

#define HVC0_JOB                                                                                            \
        "start on stopped rc RUNLEVEL=[2345]\nstop on runlevel [!2345]\n\nrespawn\nexec /sbin/getty -8 "    \
        "38400 hvc0\n"
#define TTYS0_JOB                                                                                           \
        "start on stopped rc RUNLEVEL=[12345]\nstop on runlevel [!12345]\n\nrespawn\nexec /sbin/getty -L "  \
        "115200 ttyS0 vt102\n"

static void test_ttyS0_job_exists(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("exists", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /*
         * The Ubuntu serial console guide's ttyS0.conf is there: the Xen console's job only goes, and its
         * override stays where it is, or it would switch off the ttyS0 job.
         */
        fixture_write(root->fd, "etc/init/hvc0.conf", HVC0_JOB);
        fixture_write(root->fd, "etc/init/hvc0.override", "manual\n");
        fixture_write(root->fd, "etc/init/ttyS0.conf", TTYS0_JOB);
        assert_int_equal(fixture_run_console(&run, &fixer_upstart, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        fixture_assert_edit(
                &run.plan.edits[0], "upstart", "/etc/init/hvc0.conf", FILE_REGULAR, NULL, FILE_ABSENT, NULL);
        assert_int_equal(run.plan.n_warnings, 1);
        assert_string_equal(run.plan.warnings[0],
                "/etc/init/hvc0.conf: /etc/init/ttyS0.conf is there already; the Xen console's job is "
                "removed");
}

static void test_name_taken(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("taken", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* ttyS0.conf is some other job: nothing is replaced. */
        fixture_write(root->fd, "etc/init/hvc0.conf", HVC0_JOB);
        fixture_write(root->fd, "etc/init/ttyS0.conf", "exec /usr/local/bin/serial-logger /dev/ttyS0\n");
        assert_int_equal(fixture_run_console(&run, &fixer_upstart, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
        assert_int_equal(run.plan.n_warnings, 1);
        assert_string_equal(run.plan.warnings[0],
                "/etc/init/hvc0.conf: should become /etc/init/ttyS0.conf, which exists already; left alone");
}

static void test_script_block(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("script", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /*
         * A getty in a script block, a line that names hvc0 without a getty (reported), and a job file
         * that is a link, which is left to whoever made it.
         */
        fixture_write(root->fd, "etc/init/serial-console.conf",
                "start on runlevel [2345]\nscript\n    logger -t console starting on hvc0\n"
                "    exec /sbin/agetty -L hvc0 9600 vt100\nend script\n");
        fixture_write(root->fd, "usr/share/jobs/hvc0.conf", HVC0_JOB);
        fixture_symlink(root->fd, "etc/init/hvc0.conf", "/usr/share/jobs/hvc0.conf");
        assert_int_equal(fixture_run_console(&run, &fixer_upstart, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        fixture_assert_edit(&run.plan.edits[0], "upstart", "/etc/init/serial-console.conf", FILE_REGULAR,
                NULL, FILE_REGULAR,
                "start on runlevel [2345]\nscript\n    logger -t console starting on hvc0\n"
                "    exec /sbin/agetty -L ttyS0 115200,9600 vt100\nend script\n");
        assert_int_equal(run.plan.n_warnings, 1);
        assert_string_equal(run.plan.warnings[0],
                "/etc/init/serial-console.conf:3: "
                "names the Xen console but runs no getty kvmigrate knows; left alone");
}

static void test_override_alone(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("override", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* An override whose job is not there moves nowhere; one of a job edited in place is edited too. */
        fixture_write(root->fd, "etc/init/hvc0.override", "manual\n");
        fixture_write(root->fd, "etc/init/console.conf", HVC0_JOB);
        fixture_write(root->fd, "etc/init/console.override", "exec /sbin/getty -8 9600 hvc0\n");
        assert_int_equal(fixture_run_console(&run, &fixer_upstart, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_edit(&run.plan.edits[0], "upstart", "/etc/init/console.conf", FILE_REGULAR, NULL,
                FILE_REGULAR,
                "start on stopped rc RUNLEVEL=[2345]\nstop on runlevel [!2345]\n\nrespawn\n"
                "exec /sbin/getty -8 38400 ttyS0\n");
        fixture_assert_edit(&run.plan.edits[1], "upstart", "/etc/init/console.override", FILE_REGULAR, NULL,
                FILE_REGULAR, "exec /sbin/getty -8 9600 ttyS0\n");
}

/* Void's agetty-NAME folder, run by the shared script that takes the tty from the name. */
static void void_service(int rootfd, const char *name) {
        _cleanup_free_ char *script = NULL;

        assert_true(asprintf(&script, "etc/sv/%s/run", name) > 0);
        fixture_symlink(rootfd, script, "../agetty-generic/run");
}

static void test_runit_no_sibling(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("nosibling", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        fixture_write(root->fd, "etc/sv/agetty-generic/run",
                "#!/bin/sh\ntty=${PWD##*-}\nexec setsid agetty \"$tty\" 9600\n");
        void_service(root->fd, "agetty-hvc0");
        fixture_symlink(root->fd, "etc/runit/runsvdir/default/agetty-hvc0", "/etc/sv/agetty-hvc0");
        assert_int_equal(fixture_run_console(&run, &fixer_runit, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
        assert_int_equal(run.plan.n_warnings, 1);
        assert_string_equal(run.plan.warnings[0],
                "/etc/sv/agetty-hvc0: runs a getty on the tty its name says "
                "and has no ttyS0 sibling to switch to; make a ttyS0 service of it by hand");
}

static void test_runit_enabled_both(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("both", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        void_service(root->fd, "agetty-hvc0");
        void_service(root->fd, "agetty-ttyS0");
        fixture_symlink(root->fd, "etc/runit/runsvdir/default/agetty-hvc0", "/etc/sv/agetty-hvc0");
        fixture_symlink(root->fd, "etc/runit/runsvdir/default/agetty-ttyS0", "/etc/sv/agetty-ttyS0");
        assert_int_equal(fixture_run_console(&run, &fixer_runit, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        fixture_assert_edit(&run.plan.edits[0], "runit", "/etc/runit/runsvdir/default/agetty-hvc0",
                FILE_SYMLINK, NULL, FILE_ABSENT, NULL);
}

static void test_runit_relative(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("relative", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* A relative link keeps its style; a link reached twice (through /var/service) moves once. */
        void_service(root->fd, "agetty-xvc0");
        void_service(root->fd, "agetty-ttyS0");
        fixture_symlink(root->fd, "etc/runit/runsvdir/default/agetty-xvc0", "../../../sv/agetty-xvc0");
        fixture_symlink(root->fd, "var/service", "/etc/runit/runsvdir/default");
        assert_int_equal(fixture_run_console(&run, &fixer_runit, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_edit(&run.plan.edits[0], "runit", "/etc/runit/runsvdir/default/agetty-xvc0",
                FILE_SYMLINK, NULL, FILE_ABSENT, NULL);
        fixture_assert_edit(&run.plan.edits[1], "runit", "/etc/runit/runsvdir/default/agetty-ttyS0",
                FILE_ABSENT, NULL, FILE_SYMLINK, "../../../sv/agetty-ttyS0");
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_missing(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("missing", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        assert_int_equal(fixture_run_console(&run, &fixer_upstart, root->fd, true), 0);
        assert_int_equal(fixture_run_console(&run, &fixer_runit, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
        assert_int_equal(run.plan.n_warnings, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_TEST(test_fixture, "console", "upstart-ubuntu1404"),
                FIXTURE_TEST(test_fixture, "console", "upstart-ubuntu1204-override"),
                FIXTURE_TEST(test_fixture, "console", "upstart-console-conf"),
                FIXTURE_TEST(test_fixture, "console", "upstart-eventd-ubuntu804"),
                FIXTURE_TEST(test_fixture, "console", "runit-void"),
                FIXTURE_TEST(test_fixture, "console", "runit-debian-custom"),
                cmocka_unit_test(test_ttyS0_job_exists),
                cmocka_unit_test(test_name_taken),
                cmocka_unit_test(test_script_block),
                cmocka_unit_test(test_override_alone),
                cmocka_unit_test(test_runit_no_sibling),
                cmocka_unit_test(test_runit_enabled_both),
                cmocka_unit_test(test_runit_relative),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
