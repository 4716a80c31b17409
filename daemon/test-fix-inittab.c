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

extern const Fixer fixer_inittab;

static char tmpdir[] = "/tmp/test-fix-inittab-XXXXXX";
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

/* inittab */

/* Every entry of the inittab below @dir still has its four fields, as init reads them. */
static void assert_entries_whole(int rootfd, const char *dir) {
        run("awk '/^[ \\t]*(#|$)/ { next } { n = split($0, f, \":\"); if (n < 4) { print FILENAME \":\" NR "
            "\": \" "
            "$0; bad = 1 } } END { exit bad }' '%s/etc/inittab'",
                dir);
        (void) rootfd;
}

static void test_fixture(void **state) {
        check_fixture(&fixer_inittab, *state, assert_entries_whole);
}

typedef struct Case {
        const char *in;
        const char *out; /* NULL: no edit */
        const char *warning; /* the one warning expected, or NULL */
} Case;

static const Case cases[] = {
        { "1:2345:respawn:/sbin/getty 38400 hvc0\n", "1:2345:respawn:/sbin/getty 38400 ttyS0\n" },
        { "co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\n",
                "co:2345:respawn:/sbin/agetty ttyS0 9600 vt100-nav\n" },
        { "h0:2345:respawn:/sbin/agetty -8 38400 hvc0 linux\n",
                "h0:2345:respawn:/sbin/agetty -8 38400 ttyS0 linux\n" },
        /* No /sbin/init to tell: an empty runlevel field is BusyBox's, whose id is the tty. */
        { "hvc0::respawn:/sbin/getty 38400 hvc0\n", "ttyS0::respawn:/sbin/getty 38400 ttyS0\n" },
        { "::respawn:/sbin/getty -L hvc0 115200 vt100\n", "::respawn:/sbin/getty -L ttyS0 115200 vt100\n" },
        /* sysvinit: ids are labels of at most four characters, "ttyS0" would be refused. */
        { "hvc0:2345:respawn:/sbin/getty 38400 hvc0\n", "hvc0:2345:respawn:/sbin/getty 38400 ttyS0\n" },
        /* The speed after the tty; missing; too low; a list. */
        { "x0:2345:respawn:/sbin/agetty hvc0 38400 vt102\n",
                "x0:2345:respawn:/sbin/agetty ttyS0 38400 vt102\n" },
        { "x0:2345:respawn:/sbin/agetty hvc0\n", "x0:2345:respawn:/sbin/agetty ttyS0 115200\n" },
        { "x0:2345:respawn:/sbin/agetty -L hvc0 vt102\n",
                "x0:2345:respawn:/sbin/agetty -L ttyS0 115200 vt102\n" },
        { "x0:2345:respawn:/sbin/getty 2400 hvc0\n", "x0:2345:respawn:/sbin/getty 115200 ttyS0\n" },
        { "x0:2345:respawn:/sbin/getty hvc0 9600,2400 vt100\n",
                "x0:2345:respawn:/sbin/getty ttyS0 115200 vt100\n" },
        { "x0:2345:respawn:/sbin/agetty 115200,38400,9600 hvc0 vt100\n",
                "x0:2345:respawn:/sbin/agetty 115200,38400,9600 ttyS0 vt100\n" },
        /* Option values are not speeds or ttys. */
        { "x0:2345:respawn:/sbin/agetty -t 60 hvc0 9600\n",
                "x0:2345:respawn:/sbin/agetty -t 60 ttyS0 9600\n" },
        { "x0:2345:respawn:/sbin/agetty -8t 60 hvc0\n",
                "x0:2345:respawn:/sbin/agetty -8t 60 ttyS0 115200\n" },
        { "x0:2345:respawn:/sbin/agetty --timeout 60 -a root /dev/hvc0 38400 linux\n",
                "x0:2345:respawn:/sbin/agetty --timeout 60 -a root /dev/ttyS0 38400 linux\n" },
        { "x0:2345:respawn:/sbin/agetty --autologin=root -t60 hvc0 1200\n",
                "x0:2345:respawn:/sbin/agetty --autologin=root -t60 ttyS0 115200\n" },
        /* sysvinit's "+", BusyBox as a program, tabs and a CRLF line. */
        { "x0:2345:respawn:+/sbin/getty 38400 hvc0\n", "x0:2345:respawn:+/sbin/getty 38400 ttyS0\n" },
        { "x0:2345:respawn:/bin/busybox getty -L hvc0 115200 vt100\n",
                "x0:2345:respawn:/bin/busybox getty -L ttyS0 115200 vt100\n" },
        { "x0:2345:respawn:\t/sbin/getty\t38400\thvc0\n", "x0:2345:respawn:\t/sbin/getty\t38400\tttyS0\n" },
        { "x0:2345:respawn:/sbin/agetty hvc0\r\n", "x0:2345:respawn:/sbin/agetty ttyS0 115200\r\n" },
        { "1:2345:respawn:/sbin/getty 38400 hvc0", "1:2345:respawn:/sbin/getty 38400 ttyS0" },
        /* mingetty sets no speed: none is added, and the plan says so. */
        { "x0:2345:respawn:/sbin/mingetty --noclear xvc0\n",
                "x0:2345:respawn:/sbin/mingetty --noclear ttyS0\n",
                "/etc/inittab:1: /sbin/mingetty sets no line speed; "
                "ttyS0 keeps the one the kernel console gave it (console=ttyS0,115200n8)" },
        /* Two gettys on Xen consoles: the second is commented out. */
        { "co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\nh0:2345:respawn:/sbin/agetty 38400 hvc0\n",
                "co:2345:respawn:/sbin/agetty ttyS0 9600 vt100-nav\n#h0:2345:respawn:/sbin/agetty 38400 "
                "hvc0\n",
                "/etc/inittab:2: a getty on ttyS0 is there already; the one on the Xen console is commented "
                "out" },
        /* Left alone: comments, other ttys, other programs, a line init does not read. */
        { "#1:2345:respawn:/sbin/getty 38400 hvc0\n", NULL },
        { "  # co:2345:respawn:/sbin/agetty xvc0 9600\n", NULL },
        { "1:2345:respawn:/sbin/getty 38400 tty1\n", NULL },
        { "1:2345:respawn:/sbin/getty 38400 hvc01\nS1:2345:respawn:/sbin/getty -L ttyS1 9600\n", NULL },
        { "c0:2345:respawn:/usr/bin/screen -S hvc0\n", NULL,
                "/etc/inittab:1: names the Xen console but runs no getty kvmigrate knows; left alone" },
        { "a line that is no entry\n1:2345:respawn:/sbin/getty 38400 hvc0\n",
                "a line that is no entry\n1:2345:respawn:/sbin/getty 38400 ttyS0\n" },
};

static int write_root(const char *name, const char *inittab) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        run("rm -rf '%s' && mkdir -p '%s/etc'", dir, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write_file_atomic_at(fd, "etc/inittab", inittab, strlen(inittab), 0644), 0);
        return fd;
}

static void test_forms(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_ int fd = write_root("forms", cases[i].in);
                Plan plan = {};

                assert_int_equal(plan_fixer(&fixer_inittab, fd, true, &plan), 0);
                if (!cases[i].out)
                        assert_int_equal(plan.n_edits, 0);
                else {
                        assert_int_equal(plan.n_edits, 1);
                        assert_string_equal(plan.edits[0].path, "/etc/inittab");
                        assert_string_equal(plan.edits[0].fixer, "inittab");
                        assert_int_equal(plan.edits[0].old.kind, FILE_REGULAR);
                        assert_string_equal(plan.edits[0].old.data, cases[i].in);
                        assert_int_equal(plan.edits[0].new.kind, FILE_REGULAR);
                        assert_string_equal(plan.edits[0].new.data, cases[i].out);
                }
                assert_int_equal(plan.n_warnings, cases[i].warning ? 1 : 0);
                if (cases[i].warning)
                        assert_string_equal(plan.warnings[0], cases[i].warning);
                plan_done(&plan);
        }
}

static void test_init_kind(void **state) {
        _cleanup_close_ int fd = -1;
        Plan plan = {};

        (void) state;

        /* sysvinit's /sbin/init is a program: an empty runlevel field does not make the id a tty. */
        fd = write_root("sysvinit", "hvc0::respawn:/sbin/getty 38400 hvc0\n");
        assert_int_equal(mkdirat(fd, "sbin", 0755), 0);
        assert_int_equal(write_file_atomic_at(fd, "sbin/init", "ELF", 3, 0755), 0);
        assert_int_equal(plan_fixer(&fixer_inittab, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].new.data, "hvc0::respawn:/sbin/getty 38400 ttyS0\n");
        plan_done(&plan);
        close(fd);

        /* BusyBox reads runlevels nowhere: its id names the tty even when the field is filled. */
        fd = write_root("busybox", "hvc0:2345:respawn:/sbin/getty 38400 hvc0\n");
        assert_int_equal(mkdirat(fd, "sbin", 0755), 0);
        assert_int_equal(symlinkat("/bin/busybox", fd, "sbin/init"), 0);
        assert_int_equal(plan_fixer(&fixer_inittab, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].new.data, "ttyS0:2345:respawn:/sbin/getty 38400 ttyS0\n");
        plan_done(&plan);
}

static void test_malformed(void **state) {
        _cleanup_close_ int fd = -1;
        Plan plan = {};

        (void) state;

        /* A line naming the Xen console that is no entry stops the scan pass, whatever the guest. */
        fd = write_root("malformed", "id:2:initdefault:\n1:2345/sbin/getty 38400 hvc0\n");
        assert_int_equal(plan_fixer(&fixer_inittab, fd, false, &plan), -EBADMSG);
        assert_int_equal(plan_fixer(&fixer_inittab, fd, true, &plan), -EBADMSG);
        assert_int_equal(plan.n_edits, 0);
        plan_done(&plan);
}

static void test_missing(void **state) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -1;
        Plan plan = {};

        (void) state;

        assert_true(asprintf(&dir, "%s/empty", tmpdir) > 0);
        run("rm -rf '%s' && mkdir '%s'", dir, dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(plan_fixer(&fixer_inittab, fd, true, &plan), 0);
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
                FIXTURE("inittab-debian7"),
                FIXTURE("inittab-centos5"),
                FIXTURE("inittab-busybox"),
                FIXTURE("inittab-gentoo"),
                FIXTURE("inittab-ttyS0-exists"),
                cmocka_unit_test(test_forms),
                cmocka_unit_test(test_init_kind),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, setup, teardown);
}
