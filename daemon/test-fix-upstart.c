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

extern const Fixer fixer_upstart;
extern const Fixer fixer_runit;

static char tmpdir[] = "/tmp/test-fix-upstart-XXXXXX";
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

/* upstart and runit */

static void test_fixture(void **state) {
        const char *name = *state;

        check_fixture(startswith(name, "runit-") ? &fixer_runit : &fixer_upstart, name, NULL);
}

/* A fresh empty root @name below the temporary folder. */
static int empty_root(const char *name) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        run("rm -rf '%s' && mkdir -p '%s'", dir, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void make_parent(int rootfd, const char *path) {
        _cleanup_free_ char *d = strdup(path);

        assert_non_null(d);
        *strrchr(d, '/') = 0;
        assert_int_equal(mkdir_p_at(rootfd, d, 0755), 0);
}

static void write_file(int rootfd, const char *path, const char *content) {
        make_parent(rootfd, path);
        assert_int_equal(write_file_atomic_at(rootfd, path, content, strlen(content), 0644), 0);
}

static void make_link(int rootfd, const char *path, const char *target) {
        make_parent(rootfd, path);
        assert_int_equal(symlinkat(target, rootfd, path), 0);
}

static void assert_edit(const Edit *e, const char *fixer, const char *path, FileKind old_kind,
        FileKind new_kind, const char *new) {
        assert_string_equal(e->path, path);
        assert_string_equal(e->fixer, fixer);
        assert_int_equal(e->old.kind, old_kind);
        assert_int_equal(e->new.kind, new_kind);
        if (new)
                assert_string_equal(e->new.data, new);
}

#define HVC0_JOB                                                                                            \
        "start on stopped rc RUNLEVEL=[2345]\nstop on runlevel [!2345]\n\nrespawn\nexec /sbin/getty -8 "    \
        "38400 hvc0\n"
#define TTYS0_JOB                                                                                           \
        "start on stopped rc RUNLEVEL=[12345]\nstop on runlevel [!12345]\n\nrespawn\nexec /sbin/getty -L "  \
        "115200 ttyS0 vt102\n"

static void test_ttyS0_job_exists(void **state) {
        _cleanup_close_ int fd = empty_root("exists");
        Plan plan = {};

        (void) state;

        /*
         * The Ubuntu serial console guide's ttyS0.conf is there: the Xen console's job only goes, and its
         * override stays where it is, or it would switch off the ttyS0 job.
         */
        write_file(fd, "etc/init/hvc0.conf", HVC0_JOB);
        write_file(fd, "etc/init/hvc0.override", "manual\n");
        write_file(fd, "etc/init/ttyS0.conf", TTYS0_JOB);
        assert_int_equal(plan_fixer(&fixer_upstart, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_edit(&plan.edits[0], "upstart", "/etc/init/hvc0.conf", FILE_REGULAR, FILE_ABSENT, NULL);
        assert_int_equal(plan.n_warnings, 1);
        assert_string_equal(plan.warnings[0],
                "/etc/init/hvc0.conf: /etc/init/ttyS0.conf is there already; the Xen console's job is "
                "removed");
        plan_done(&plan);
}

static void test_name_taken(void **state) {
        _cleanup_close_ int fd = empty_root("taken");
        Plan plan = {};

        (void) state;

        /* ttyS0.conf is some other job: nothing is replaced. */
        write_file(fd, "etc/init/hvc0.conf", HVC0_JOB);
        write_file(fd, "etc/init/ttyS0.conf", "exec /usr/local/bin/serial-logger /dev/ttyS0\n");
        assert_int_equal(plan_fixer(&fixer_upstart, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 1);
        assert_string_equal(plan.warnings[0],
                "/etc/init/hvc0.conf: should become /etc/init/ttyS0.conf, which exists already; left alone");
        plan_done(&plan);
}

static void test_script_block(void **state) {
        _cleanup_close_ int fd = empty_root("script");
        Plan plan = {};

        (void) state;

        /*
         * A getty in a script block, a line that names hvc0 without a getty (reported), and a job file
         * that is a link, which is left to whoever made it.
         */
        write_file(fd, "etc/init/serial-console.conf",
                "start on runlevel [2345]\nscript\n    logger -t console starting on hvc0\n"
                "    exec /sbin/agetty -L hvc0 9600 vt100\nend script\n");
        write_file(fd, "usr/share/jobs/hvc0.conf", HVC0_JOB);
        make_link(fd, "etc/init/hvc0.conf", "/usr/share/jobs/hvc0.conf");
        assert_int_equal(plan_fixer(&fixer_upstart, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_edit(&plan.edits[0], "upstart", "/etc/init/serial-console.conf", FILE_REGULAR, FILE_REGULAR,
                "start on runlevel [2345]\nscript\n    logger -t console starting on hvc0\n"
                "    exec /sbin/agetty -L ttyS0 9600 vt100\nend script\n");
        assert_int_equal(plan.n_warnings, 1);
        assert_string_equal(plan.warnings[0],
                "/etc/init/serial-console.conf:3: "
                "names the Xen console but runs no getty kvmigrate knows; left alone");
        plan_done(&plan);
}

static void test_override_alone(void **state) {
        _cleanup_close_ int fd = empty_root("override");
        Plan plan = {};

        (void) state;

        /* An override whose job is not there moves nowhere; one of a job edited in place is edited too. */
        write_file(fd, "etc/init/hvc0.override", "manual\n");
        write_file(fd, "etc/init/console.conf", HVC0_JOB);
        write_file(fd, "etc/init/console.override", "exec /sbin/getty -8 9600 hvc0\n");
        assert_int_equal(plan_fixer(&fixer_upstart, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 2);
        assert_edit(&plan.edits[0], "upstart", "/etc/init/console.conf", FILE_REGULAR, FILE_REGULAR,
                "start on stopped rc RUNLEVEL=[2345]\nstop on runlevel [!2345]\n\nrespawn\n"
                "exec /sbin/getty -8 38400 ttyS0\n");
        assert_edit(&plan.edits[1], "upstart", "/etc/init/console.override", FILE_REGULAR, FILE_REGULAR,
                "exec /sbin/getty -8 9600 ttyS0\n");
        plan_done(&plan);
}

/* Void's agetty-NAME folder, run by the shared script that takes the tty from the name. */
static void void_service(int fd, const char *name) {
        _cleanup_free_ char *script = NULL;

        assert_true(asprintf(&script, "etc/sv/%s/run", name) > 0);
        make_link(fd, script, "../agetty-generic/run");
}

static void test_runit_no_sibling(void **state) {
        _cleanup_close_ int fd = empty_root("nosibling");
        Plan plan = {};

        (void) state;

        write_file(fd, "etc/sv/agetty-generic/run",
                "#!/bin/sh\ntty=${PWD##*-}\nexec setsid agetty \"$tty\" 9600\n");
        void_service(fd, "agetty-hvc0");
        make_link(fd, "etc/runit/runsvdir/default/agetty-hvc0", "/etc/sv/agetty-hvc0");
        assert_int_equal(plan_fixer(&fixer_runit, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 1);
        assert_string_equal(plan.warnings[0],
                "/etc/sv/agetty-hvc0: runs a getty on the tty its name says "
                "and has no ttyS0 sibling to switch to; make a ttyS0 service of it by hand");
        plan_done(&plan);
}

static void test_runit_enabled_both(void **state) {
        _cleanup_close_ int fd = empty_root("both");
        Plan plan = {};

        (void) state;

        void_service(fd, "agetty-hvc0");
        void_service(fd, "agetty-ttyS0");
        make_link(fd, "etc/runit/runsvdir/default/agetty-hvc0", "/etc/sv/agetty-hvc0");
        make_link(fd, "etc/runit/runsvdir/default/agetty-ttyS0", "/etc/sv/agetty-ttyS0");
        assert_int_equal(plan_fixer(&fixer_runit, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_edit(&plan.edits[0], "runit", "/etc/runit/runsvdir/default/agetty-hvc0", FILE_SYMLINK,
                FILE_ABSENT, NULL);
        plan_done(&plan);
}

static void test_runit_relative(void **state) {
        _cleanup_close_ int fd = empty_root("relative");
        Plan plan = {};

        (void) state;

        /* A relative link keeps its style; a link reached twice (through /var/service) moves once. */
        void_service(fd, "agetty-xvc0");
        void_service(fd, "agetty-ttyS0");
        make_link(fd, "etc/runit/runsvdir/default/agetty-xvc0", "../../../sv/agetty-xvc0");
        make_link(fd, "var/service", "/etc/runit/runsvdir/default");
        assert_int_equal(plan_fixer(&fixer_runit, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 2);
        assert_edit(&plan.edits[0], "runit", "/etc/runit/runsvdir/default/agetty-xvc0", FILE_SYMLINK,
                FILE_ABSENT, NULL);
        assert_edit(&plan.edits[1], "runit", "/etc/runit/runsvdir/default/agetty-ttyS0", FILE_ABSENT,
                FILE_SYMLINK, "../../../sv/agetty-ttyS0");
        assert_int_equal(plan.n_warnings, 0);
        plan_done(&plan);
}

static void test_missing(void **state) {
        _cleanup_close_ int fd = empty_root("missing");
        Plan plan = {};

        (void) state;

        assert_int_equal(plan_fixer(&fixer_upstart, fd, true, &plan), 0);
        assert_int_equal(plan_fixer(&fixer_runit, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 0);
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
                FIXTURE("upstart-ubuntu1404"),
                FIXTURE("upstart-ubuntu1204-override"),
                FIXTURE("upstart-console-conf"),
                FIXTURE("upstart-eventd-ubuntu804"),
                FIXTURE("runit-void"),
                FIXTURE("runit-debian-custom"),
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
        return cmocka_run_group_tests(tests, setup, teardown);
}
