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
#include "root.h"
#include "util.h"

extern const Fixer fixer_getty;

static char tmpdir[] = "/tmp/test-fix-getty-XXXXXX";
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

/* systemd */

#define UNITDIR "/etc/systemd/system"
#define LINK_TTYS0 UNITDIR "/getty.target.wants/serial-getty@ttyS0.service"

/* An enabled serial-getty@ttyS0 still loads: its link leads, inside the root, to the serial template. */
static void assert_link_resolves(int rootfd, const char *dir) {
        _cleanup_free_ char *resolved = NULL;
        struct stat st;
        const char *base;

        (void) dir;
        if (fstatat(rootfd, LINK_TTYS0 + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        assert_int_equal(root_chase(rootfd, LINK_TTYS0, 0, &resolved), 0);
        assert_int_equal(fstatat(rootfd, resolved + 1, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        base = strrchr(resolved, '/') + 1;
        assert_string_equal(base, "serial-getty@.service");
}

static void test_fixture(void **state) {
        check_fixture(&fixer_getty, *state, assert_link_resolves);
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

static void assert_edit(const Edit *e, const char *path, FileKind old_kind, const char *old,
        FileKind new_kind, const char *new) {
        assert_string_equal(e->path, path);
        assert_string_equal(e->fixer, "getty");
        assert_int_equal(e->old.kind, old_kind);
        if (old)
                assert_string_equal(e->old.data, old);
        assert_int_equal(e->new.kind, new_kind);
        if (new)
                assert_string_equal(e->new.data, new);
}

static void test_relative_xvc0(void **state) {
        _cleanup_close_ int fd = empty_root("relative");
        Plan plan = {};

        (void) state;

        /* A relative link, in another *.wants folder, for the old Xen console's name. */
        write_file(fd, "lib/systemd/system/serial-getty@.service", "[Service]\n");
        make_link(fd, "etc/systemd/system/multi-user.target.wants/serial-getty@xvc0.service",
                "../../../../lib/systemd/system/serial-getty@.service");
        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 2);
        assert_edit(&plan.edits[0], UNITDIR "/multi-user.target.wants/serial-getty@xvc0.service",
                FILE_SYMLINK, "../../../../lib/systemd/system/serial-getty@.service", FILE_ABSENT, NULL);
        assert_edit(&plan.edits[1], UNITDIR "/multi-user.target.wants/serial-getty@ttyS0.service",
                FILE_ABSENT, NULL, FILE_SYMLINK, "../../../../lib/systemd/system/serial-getty@.service");
        assert_int_equal(plan.n_warnings, 0);
        plan_done(&plan);
}

static void test_both_templates(void **state) {
        _cleanup_close_ int fd = empty_root("both");
        Plan plan = {};

        (void) state;

        /* getty@hvc0 and serial-getty@hvc0 both enabled: one ttyS0 getty comes of them. */
        write_file(fd, "lib/systemd/system/serial-getty@.service", "[Service]\n");
        write_file(fd, "lib/systemd/system/getty@.service", "[Service]\n");
        make_link(fd, "etc/systemd/system/getty.target.wants/getty@hvc0.service",
                "/lib/systemd/system/getty@.service");
        make_link(fd, "etc/systemd/system/getty.target.wants/serial-getty@hvc0.service",
                "/lib/systemd/system/serial-getty@.service");
        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 3);
        assert_edit(&plan.edits[0], UNITDIR "/getty.target.wants/serial-getty@hvc0.service", FILE_SYMLINK,
                "/lib/systemd/system/serial-getty@.service", FILE_ABSENT, NULL);
        assert_edit(&plan.edits[1], LINK_TTYS0, FILE_ABSENT, NULL, FILE_SYMLINK,
                "/lib/systemd/system/serial-getty@.service");
        assert_edit(&plan.edits[2], UNITDIR "/getty.target.wants/getty@hvc0.service", FILE_SYMLINK,
                "/lib/systemd/system/getty@.service", FILE_ABSENT, NULL);
        assert_int_equal(plan.n_warnings, 0);
        plan_done(&plan);
}

static void test_dropin_names_console(void **state) {
        _cleanup_close_ int fd = empty_root("literal");
        Plan plan = {};

        (void) state;

        /* A drop-in that spells the tty out follows it; "hvc01" is another tty. */
        write_file(fd, "etc/systemd/system/serial-getty@hvc0.service.d/tty.conf",
                "[Unit]\nBindsTo=dev-hvc0.device\n[Service]\nExecStart=\n"
                "ExecStart=-/sbin/agetty --keep-baud 115200 hvc0 $TERM\nEnvironment=OTHER=hvc01\n");
        make_link(
                fd, "etc/systemd/system/serial-getty@hvc0.service.d/shared.conf", "/etc/getty-shared.conf");
        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 4);
        assert_edit(&plan.edits[0], UNITDIR "/serial-getty@hvc0.service.d/shared.conf", FILE_SYMLINK,
                "/etc/getty-shared.conf", FILE_ABSENT, NULL);
        assert_edit(&plan.edits[1], UNITDIR "/serial-getty@ttyS0.service.d/shared.conf", FILE_ABSENT, NULL,
                FILE_SYMLINK, "/etc/getty-shared.conf");
        assert_edit(&plan.edits[2], UNITDIR "/serial-getty@hvc0.service.d/tty.conf", FILE_REGULAR, NULL,
                FILE_ABSENT, NULL);
        assert_edit(&plan.edits[3], UNITDIR "/serial-getty@ttyS0.service.d/tty.conf", FILE_ABSENT, NULL,
                FILE_REGULAR,
                "[Unit]\nBindsTo=dev-ttyS0.device\n[Service]\nExecStart=\n"
                "ExecStart=-/sbin/agetty --keep-baud 115200 ttyS0 $TERM\nEnvironment=OTHER=hvc01\n");
        plan_done(&plan);
}

static void test_left_to_people(void **state) {
        _cleanup_close_ int fd = empty_root("people");
        Plan plan = {};

        (void) state;

        /* An instance unit written out in full, enabled; the template missing; a mask of the template. */
        write_file(fd, "etc/systemd/system/serial-getty@hvc0.service",
                "[Service]\nExecStart=-/sbin/agetty hvc0\n");
        make_link(fd, "etc/systemd/system/getty.target.wants/serial-getty@hvc0.service",
                UNITDIR "/serial-getty@hvc0.service");
        make_link(fd, "etc/systemd/system/default.target.wants/getty@hvc0.service",
                "/usr/lib/systemd/system/getty@.service");
        make_link(fd, "etc/systemd/system/serial-getty@.service", "/dev/null");
        make_link(fd, "etc/systemd/system/serial-getty@xvc0.service", "/dev/null");
        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
        assert_int_equal(plan.n_edits, 2);
        assert_edit(&plan.edits[0], UNITDIR "/default.target.wants/getty@hvc0.service", FILE_SYMLINK,
                "/usr/lib/systemd/system/getty@.service", FILE_ABSENT, NULL);
        assert_edit(&plan.edits[1], UNITDIR "/default.target.wants/serial-getty@ttyS0.service", FILE_ABSENT,
                NULL, FILE_SYMLINK, "/usr/lib/systemd/system/serial-getty@.service");
        assert_int_equal(plan.n_warnings, 4);
        assert_string_equal(plan.warnings[0],
                UNITDIR
                "/default.target.wants/serial-getty@ttyS0.service: the template "
                "/usr/lib/systemd/system/serial-getty@.service is not in this root; the link is made all "
                "the same");
        assert_string_equal(plan.warnings[1],
                UNITDIR "/getty.target.wants/serial-getty@hvc0.service: points at " UNITDIR
                        "/serial-getty@hvc0.service, not at a getty template; move it to ttyS0 by hand");
        assert_string_equal(plan.warnings[2],
                UNITDIR "/serial-getty@.service: masked, so no getty runs on ttyS0, the console under KVM; "
                        "kvmigrate leaves masks alone (systemctl unmask serial-getty@.service)");
        assert_string_equal(plan.warnings[3],
                UNITDIR
                "/serial-getty@hvc0.service: a unit of the Xen console's own; move it to ttyS0 by hand");
        plan_done(&plan);
}

static void test_missing(void **state) {
        _cleanup_close_ int fd = empty_root("missing");
        Plan plan = {};

        (void) state;

        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
        assert_int_equal(mkdir_p_at(fd, "etc/systemd/system/getty.target.wants", 0755), 0);
        assert_int_equal(plan_fixer(&fixer_getty, fd, true, &plan), 0);
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
                FIXTURE("systemd-debian9-autologin"),
                FIXTURE("systemd-centos7-getty"),
                FIXTURE("systemd-ttyS0-masked"),
                FIXTURE("systemd-ttyS0-enabled"),
                cmocka_unit_test(test_relative_xvc0),
                cmocka_unit_test(test_both_templates),
                cmocka_unit_test(test_dropin_names_console),
                cmocka_unit_test(test_left_to_people),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, setup, teardown);
}
