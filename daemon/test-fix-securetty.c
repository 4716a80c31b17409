/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

/* securetty */

static void test_fixture(void **state) {
        fixture_run_console_case(&fixer_securetty, *state, NULL);
}

/* A root @name whose /etc/securetty holds @content (a link to /etc/pam/securetty when @link). */
static FixtureRoot *securetty_root(const char *name, const char *content, bool link) {
        FixtureRoot *root = fixture_root_new(name, NULL);

        assert_int_equal(mkdir_p_at(root->fd, "etc/pam", 0755), 0);
        if (link) {
                fixture_symlink(root->fd, "etc/securetty", "pam/securetty");
                fixture_write_full(root->fd, "etc/pam/securetty", content, strlen(content), 0600);
        } else
                fixture_write_full(root->fd, "etc/securetty", content, strlen(content), 0600);
        return root;
}

static void test_through_link(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = securetty_root("link", "console\nxvc0\n", true);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* The file a link names is the one edited. */
        assert_int_equal(fixture_run_console(&run, &fixer_securetty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].path, "/etc/pam/securetty");
        assert_string_equal(run.plan.edits[0].fixer, "securetty");
        assert_string_equal(run.plan.edits[0].new.data, "console\nxvc0\nttyS0\n");
}

static void test_whole_lines(void **state) {
        (void) state;

        /* pam_securetty compares whole lines: "ttyS0 " and "#ttyS0" are not ttyS0, " hvc0" is not hvc0. */
        {
                _cleanup_(fixture_root_freep) FixtureRoot *root =
                        securetty_root("lines", "hvc0\nttyS0 \n#ttyS0\n", false);
                _cleanup_(fixture_run_done) FixtureRun run = {};

                assert_int_equal(fixture_run_console(&run, &fixer_securetty, root->fd, true), 0);
                assert_int_equal(run.plan.n_edits, 1);
                assert_string_equal(run.plan.edits[0].new.data, "hvc0\nttyS0 \n#ttyS0\nttyS0\n");
        }
        {
                _cleanup_(fixture_root_freep) FixtureRoot *root =
                        securetty_root("indented", " hvc0\nhvc01\n", false);
                _cleanup_(fixture_run_done) FixtureRun run = {};

                assert_int_equal(fixture_run_console(&run, &fixer_securetty, root->fd, true), 0);
                assert_int_equal(run.plan.n_edits, 0);
        }
        {
                _cleanup_(fixture_root_freep) FixtureRoot *root = securetty_root("empty", "", false);
                _cleanup_(fixture_run_done) FixtureRun run = {};

                assert_int_equal(fixture_run_console(&run, &fixer_securetty, root->fd, true), 0);
                assert_int_equal(run.plan.n_edits, 0);
        }
}

static void test_missing(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("missing", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* No /etc/securetty: pam_securetty lets root in everywhere, nothing to add. */
        assert_int_equal(mkdir_p_at(root->fd, "etc", 0755), 0);
        assert_int_equal(fixture_run_console(&run, &fixer_securetty, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_TEST(test_fixture, "console", "securetty-centos5"),
                FIXTURE_TEST(test_fixture, "console", "securetty-no-newline"),
                FIXTURE_TEST(test_fixture, "console", "securetty-debian"),
                FIXTURE_TEST(test_fixture, "console", "securetty-no-xen"),
                cmocka_unit_test(test_through_link),
                cmocka_unit_test(test_whole_lines),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
