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
#include "fixer.h"
#include "plan.h"
#include "util.h"

extern const Fixer fixer_securetty;

static char tmpdir[] = "/tmp/test-fix-securetty-XXXXXX";
static char *fixtures;
static const Mapping no_devices = {};

/* The fixture harness: the same in each console fixer's test. */

static void run(const char *fmt, ...) _printf_(1, 2);
/* Run a shell command; its output is shown only when it fails. */
static void run(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *full = NULL, *log = NULL, *path = NULL;
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(n > 0);
        assert_true(asprintf(&path, "%s/run.log", tmpdir) > 0);
        assert_true(asprintf(&full, "(%s\n) >'%s' 2>&1", cmd, path) > 0);
        r = system(full);
        if (r != 0) {
                (void) read_full_at(AT_FDCWD, path, &log, NULL);
                print_error("command failed (%d): %s\n%s", r, cmd, strempty(log));
        }
        assert_int_equal(r, 0);
}

/* The scan pass, then the rewrite pass, as migration_plan() runs them; the scan proposes nothing. */
static int plan_fixer(const Fixer *f, int rootfd, bool from_xen, Plan *plan) {
        FixerContext c = { .rootfd = rootfd, .plan = plan };
        int r;

        r = f->run(&c);
        assert_int_equal(plan->n_edits, 0);
        if (r >= 0) {
                c.mapping = &no_devices;
                c.from_xen = from_xen;
                r = f->run(&c);
        }
        fixer_context_done(&c);
        return r;
}

/* A copy of fixture @name's root/ at @dir; its descriptor. */
static int copy_root(const char *name, const char *dir) {
        int fd;

        run("rm -rf '%s' && mkdir -p '%s' && cp -a '%s/%s/root/.' '%s/'", dir, dir, fixtures, name, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* @dir must be @expected byte for byte, links by their targets; kvmigrate's state and empty folders aside.
 */
static void assert_tree(const char *dir, const char *expected) {
        run("rm -rf '%s.cmp' && cp -a '%s' '%s.cmp' && rm -rf '%s.cmp/var/lib/kvmigrate' && "
            "find '%s.cmp' -mindepth 1 -depth -type d -empty -delete && diff -r --no-dereference '%s' "
            "'%s.cmp'",
                dir, dir, dir, dir, dir, expected, dir);
}

/* The plan's warnings must be the lines of the fixture's "warnings" file, in order (none without one). */
static void assert_warnings(const Plan *plan, const char *name) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size = 0, pos = 0, i = 0;
        Line l = {};

        assert_true(asprintf(&path, "%s/%s/warnings", fixtures, name) > 0);
        if (read_full_at(AT_FDCWD, path, &text, &size) < 0)
                size = 0;
        while (line_next(text, size, &pos, &l)) {
                assert_true(i < plan->n_warnings);
                if (strlen(plan->warnings[i]) != l.len || memcmp(plan->warnings[i], l.p, l.len) != 0)
                        fail_msg("warning %zu: \"%s\", expected \"%.*s\"", i, plan->warnings[i], (int) l.len,
                                l.p);
                i++;
        }
        for (; i < plan->n_warnings; i++)
                fail_msg("unexpected warning: %s", plan->warnings[i]);
}

/*
 * The whole cycle on fixture @name: the plan carried out by apply gives
 * expected/ (and passes @check), its warnings are the expected ones, a
 * second plan is empty, and rollback gives root/ back. A guest that did
 * not come from Xen gets nothing.
 */
static void check_fixture(const Fixer *f, const char *name, void (*check)(int rootfd, const char *dir)) {
        _cleanup_free_ char *dir = NULL, *expected = NULL, *original = NULL;
        _cleanup_close_ int fd = -1;
        Plan plan = {}, again = {}, not_xen = {};

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        assert_true(asprintf(&expected, "%s/%s/expected", fixtures, name) > 0);
        assert_true(asprintf(&original, "%s/%s/root", fixtures, name) > 0);

        fd = copy_root(name, dir);
        assert_int_equal(plan_fixer(f, fd, false, &not_xen), 0);
        assert_int_equal(not_xen.n_edits, 0);
        assert_int_equal(not_xen.n_warnings, 0);

        assert_int_equal(plan_fixer(f, fd, true, &plan), 0);
        assert_warnings(&plan, name);
        assert_int_equal(apply_plan(fd, &plan, NULL, NULL), 0);
        assert_tree(dir, expected);
        if (check)
                check(fd, dir);

        assert_int_equal(plan_fixer(f, fd, true, &again), 0);
        assert_int_equal(again.n_edits, 0);

        if (plan.n_edits > 0) {
                assert_int_equal(apply_rollback(fd, NULL), 0);
                assert_tree(dir, original);
        }
        plan_done(&plan);
        plan_done(&again);
        plan_done(&not_xen);
}

/* securetty */

static void test_fixture(void **state) {
        check_fixture(&fixer_securetty, *state, NULL);
}

/* A root @name whose /etc/securetty holds @content (a link to /etc/pam/securetty when @link). */
static int securetty_root(const char *name, const char *content, bool link) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        run("rm -rf '%s' && mkdir -p '%s/etc/pam'", dir, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        if (link) {
                assert_int_equal(symlinkat("pam/securetty", fd, "etc/securetty"), 0);
                assert_int_equal(
                        write_file_atomic_at(fd, "etc/pam/securetty", content, strlen(content), 0600), 0);
        } else
                assert_int_equal(
                        write_file_atomic_at(fd, "etc/securetty", content, strlen(content), 0600), 0);
        return fd;
}

static void test_through_link(void **state) {
        _cleanup_close_ int fd = securetty_root("link", "console\nxvc0\n", true);
        Plan plan = {};

        (void) state;

        /* The file a link names is the one edited. */
        assert_int_equal(plan_fixer(&fixer_securetty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, "/etc/pam/securetty");
        assert_string_equal(plan.edits[0].fixer, "securetty");
        assert_string_equal(plan.edits[0].new.data, "console\nxvc0\nttyS0\n");
        plan_done(&plan);
}

static void test_whole_lines(void **state) {
        Plan plan = {};

        (void) state;

        /* pam_securetty compares whole lines: "ttyS0 " and "#ttyS0" are not ttyS0, " hvc0" is not hvc0. */
        {
                _cleanup_close_ int fd = securetty_root("lines", "hvc0\nttyS0 \n#ttyS0\n", false);

                assert_int_equal(plan_fixer(&fixer_securetty, fd, true, &plan), 0);
                assert_int_equal(plan.n_edits, 1);
                assert_string_equal(plan.edits[0].new.data, "hvc0\nttyS0 \n#ttyS0\nttyS0\n");
                plan_done(&plan);
        }
        {
                _cleanup_close_ int fd = securetty_root("indented", " hvc0\nhvc01\n", false);

                assert_int_equal(plan_fixer(&fixer_securetty, fd, true, &plan), 0);
                assert_int_equal(plan.n_edits, 0);
                plan_done(&plan);
        }
        {
                _cleanup_close_ int fd = securetty_root("empty", "", false);

                assert_int_equal(plan_fixer(&fixer_securetty, fd, true, &plan), 0);
                assert_int_equal(plan.n_edits, 0);
                plan_done(&plan);
        }
}

static void test_missing(void **state) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -1;
        Plan plan = {};

        (void) state;

        /* No /etc/securetty: pam_securetty lets root in everywhere, nothing to add. */
        assert_true(asprintf(&dir, "%s/missing", tmpdir) > 0);
        run("rm -rf '%s' && mkdir -p '%s/etc'", dir, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(plan_fixer(&fixer_securetty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 0);
        plan_done(&plan);
}

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
        if (asprintf(&fixtures, "%s/../tests/fixtures/console", dirname(exe)) < 0)
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

/* One test per fixture, named after it. */
#define FIXTURE(c)                                                                                          \
        { .name = c, .test_func = test_fixture, .initial_state = (void *) c }

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE("securetty-centos5"),
                FIXTURE("securetty-no-newline"),
                FIXTURE("securetty-debian"),
                FIXTURE("securetty-no-xen"),
                cmocka_unit_test(test_through_link),
                cmocka_unit_test(test_whole_lines),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, setup, teardown);
}
