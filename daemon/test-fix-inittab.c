/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

/* inittab */

/* Every entry of the inittab below @dir still has its four fields, as init reads them. */
static void assert_entries_whole(const FixtureRoot *root, const void *userdata) {
        fixture_shell("awk '/^[ \\t]*(#|$)/ { next } { n = split($0, f, \":\"); if (n < 4) { print FILENAME "
                      "\":\" NR "
                      "\": \" "
                      "$0; bad = 1 } } END { exit bad }' '%s/etc/inittab'",
                root->path);
        (void) userdata;
}

static void test_fixture(void **state) {
        fixture_run_console_case(&fixer_inittab, *state, assert_entries_whole);
}

typedef struct Case {
        const char *in;
        const char *out; /* NULL: no edit */
        const char *warning; /* the one warning expected, or NULL */
} Case;

/* The getty's speed stays: the program is not known to take a list (the root has no /sbin/getty). */
#define W_KEPT(line, prog, speed)                                                                           \
        "/etc/inittab:" line ": " prog " is not known to be agetty or BusyBox getty, so its speed " speed   \
        " is left as it is; the kernel console runs at 115200 (console=ttyS0,115200n8)"

static const Case cases[] = {
        /* /sbin/getty that the root does not show to be agetty or BusyBox: the speed stays, with a word. */
        { "1:2345:respawn:/sbin/getty 38400 hvc0\n", "1:2345:respawn:/sbin/getty 38400 ttyS0\n",
                W_KEPT("1", "/sbin/getty", "38400") },
        { "x0:2345:respawn:/sbin/getty 2400 hvc0\n", "x0:2345:respawn:/sbin/getty 2400 ttyS0\n",
                W_KEPT("1", "/sbin/getty", "2400") },
        { "x0:2345:respawn:/sbin/getty hvc0\n", "x0:2345:respawn:/sbin/getty ttyS0\n",
                "/etc/inittab:1: /sbin/getty is not known to be agetty or BusyBox getty, so no speed is "
                "added; "
                "the kernel console runs at 115200 (console=ttyS0,115200n8)" },
        { "x0:2345:respawn:/sbin/getty 115200 hvc0\n", "x0:2345:respawn:/sbin/getty 115200 ttyS0\n" },
        { "::respawn:/sbin/getty -L hvc0 115200 vt100\n", "::respawn:/sbin/getty -L ttyS0 115200 vt100\n" },
        /* agetty: 115200 first, the old rates of 9600 or more after it. */
        { "co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\n",
                "co:2345:respawn:/sbin/agetty ttyS0 115200,9600 vt100-nav\n" },
        { "h0:2345:respawn:/sbin/agetty -8 38400 hvc0 linux\n",
                "h0:2345:respawn:/sbin/agetty -8 115200,38400 ttyS0 linux\n" },
        /* No /sbin/init to tell: an empty runlevel field is BusyBox's, whose id is the tty. */
        { "hvc0::respawn:/sbin/getty 38400 hvc0\n", "ttyS0::respawn:/sbin/getty 38400 ttyS0\n",
                W_KEPT("1", "/sbin/getty", "38400") },
        /* sysvinit: ids are labels of at most four characters, "ttyS0" would be refused. */
        { "hvc0:2345:respawn:/sbin/agetty 38400 hvc0\n",
                "hvc0:2345:respawn:/sbin/agetty 115200,38400 ttyS0\n" },
        /* The speed after the tty; missing; too low; a list; too long a list; 115200 later in it. */
        { "x0:2345:respawn:/sbin/agetty hvc0 38400 vt102\n",
                "x0:2345:respawn:/sbin/agetty ttyS0 115200,38400 vt102\n" },
        { "x0:2345:respawn:/sbin/agetty hvc0\n", "x0:2345:respawn:/sbin/agetty ttyS0 115200\n" },
        { "x0:2345:respawn:/sbin/agetty -L hvc0 vt102\n",
                "x0:2345:respawn:/sbin/agetty -L ttyS0 115200 vt102\n" },
        { "x0:2345:respawn:/sbin/agetty 2400 hvc0\n", "x0:2345:respawn:/sbin/agetty 115200 ttyS0\n" },
        { "x0:2345:respawn:/sbin/agetty hvc0 9600,2400 vt100\n",
                "x0:2345:respawn:/sbin/agetty ttyS0 115200,9600 vt100\n" },
        { "x0:2345:respawn:/sbin/agetty 115200,38400,9600 hvc0 vt100\n",
                "x0:2345:respawn:/sbin/agetty 115200,38400,9600 ttyS0 vt100\n" },
        { "x0:2345:respawn:/sbin/agetty 38400,115200,38400 hvc0\n",
                "x0:2345:respawn:/sbin/agetty 115200,38400 ttyS0\n" },
        { "x0:2345:respawn:/sbin/agetty 9600,19200,38400,57600,230400,460800,500000,576000,921600,1000000 "
          "hvc0\n",
                "x0:2345:respawn:/sbin/agetty "
                "115200,9600,19200,38400,57600,230400,460800,500000,576000,921600 "
                "ttyS0\n" },
        /* Option values are not speeds or ttys. */
        { "x0:2345:respawn:/sbin/agetty -t 60 hvc0 9600\n",
                "x0:2345:respawn:/sbin/agetty -t 60 ttyS0 115200,9600\n" },
        { "x0:2345:respawn:/sbin/agetty -8t 60 hvc0\n",
                "x0:2345:respawn:/sbin/agetty -8t 60 ttyS0 115200\n" },
        { "x0:2345:respawn:/sbin/agetty --timeout 60 -a root /dev/hvc0 38400 linux\n",
                "x0:2345:respawn:/sbin/agetty --timeout 60 -a root /dev/ttyS0 115200,38400 linux\n" },
        { "x0:2345:respawn:/sbin/agetty --autologin=root -t60 hvc0 1200\n",
                "x0:2345:respawn:/sbin/agetty --autologin=root -t60 ttyS0 115200\n" },
        /* sysvinit's "+", BusyBox as a program, tabs, a CRLF line, no final newline. */
        { "x0:2345:respawn:+/sbin/agetty 38400 hvc0\n",
                "x0:2345:respawn:+/sbin/agetty 115200,38400 ttyS0\n" },
        { "x0:2345:respawn:/bin/busybox getty -L hvc0 115200 vt100\n",
                "x0:2345:respawn:/bin/busybox getty -L ttyS0 115200 vt100\n" },
        { "x0:2345:respawn:/bin/busybox getty 38400 hvc0\n",
                "x0:2345:respawn:/bin/busybox getty 115200,38400 ttyS0\n" },
        { "x0:2345:respawn:\t/sbin/agetty\t38400\thvc0\n",
                "x0:2345:respawn:\t/sbin/agetty\t115200,38400\tttyS0\n" },
        { "x0:2345:respawn:/sbin/agetty hvc0\r\n", "x0:2345:respawn:/sbin/agetty ttyS0 115200\r\n" },
        { "1:2345:respawn:/sbin/agetty 38400 hvc0", "1:2345:respawn:/sbin/agetty 115200,38400 ttyS0" },
        /* mingetty sets no speed: none is added, and the plan says so. */
        { "x0:2345:respawn:/sbin/mingetty --noclear xvc0\n",
                "x0:2345:respawn:/sbin/mingetty --noclear ttyS0\n",
                "/etc/inittab:1: /sbin/mingetty sets no line speed; "
                "ttyS0 keeps the one the kernel console gave it (console=ttyS0,115200n8)" },
        /* Left alone: comments, other ttys, other programs, a line init does not read. */
        { "#1:2345:respawn:/sbin/getty 38400 hvc0\n", NULL },
        { "  # co:2345:respawn:/sbin/agetty xvc0 9600\n", NULL },
        { "1:2345:respawn:/sbin/getty 38400 tty1\n", NULL },
        { "1:2345:respawn:/sbin/getty 38400 hvc01\nS1:2345:respawn:/sbin/getty -L ttyS1 9600\n", NULL },
        { "c0:2345:respawn:/usr/bin/screen -S hvc0\n", NULL,
                "/etc/inittab:1: names the Xen console but runs no getty kvmigrate knows; left alone" },
        { "a line that is no entry\n1:2345:respawn:/sbin/agetty 38400 hvc0\n",
                "a line that is no entry\n1:2345:respawn:/sbin/agetty 115200,38400 ttyS0\n" },
};

/* A fresh root @name whose /etc/inittab holds @inittab. */
static FixtureRoot *inittab_root(const char *name, const char *inittab) {
        FixtureRoot *root = fixture_root_new(name, NULL);

        fixture_write(root->fd, "etc/inittab", inittab);
        return root;
}

static void test_forms(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(fixture_root_freep) FixtureRoot *root = inittab_root("forms", cases[i].in);
                _cleanup_(fixture_run_done) FixtureRun run = {};

                assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, true), 0);
                if (!cases[i].out)
                        assert_int_equal(run.plan.n_edits, 0);
                else {
                        assert_int_equal(run.plan.n_edits, 1);
                        fixture_assert_edit(&run.plan.edits[0], "inittab", "/etc/inittab", FILE_REGULAR,
                                cases[i].in, FILE_REGULAR, cases[i].out);
                }
                assert_int_equal(run.plan.n_warnings, cases[i].warning ? 1 : 0);
                if (cases[i].warning)
                        assert_string_equal(run.plan.warnings[0], cases[i].warning);
        }
}

static void test_init_kind(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *sysvinit = NULL, *busybox = NULL;
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* sysvinit's /sbin/init is a program: an empty runlevel field does not make the id a tty. */
        sysvinit = inittab_root("sysvinit", "hvc0::respawn:/sbin/getty 38400 hvc0\n");
        fixture_write_full(sysvinit->fd, "sbin/init", "ELF", 3, 0755);
        assert_int_equal(fixture_run_console(&run, &fixer_inittab, sysvinit->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].new.data, "hvc0::respawn:/sbin/getty 38400 ttyS0\n");
        fixture_run_done(&run);

        /* BusyBox reads runlevels nowhere: its id names the tty even when the field is filled. */
        busybox = inittab_root("busybox", "hvc0:2345:respawn:/sbin/getty 38400 hvc0\n");
        fixture_symlink(busybox->fd, "sbin/init", "/bin/busybox");
        assert_int_equal(fixture_run_console(&run, &fixer_inittab, busybox->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 1);
        assert_string_equal(run.plan.edits[0].new.data, "ttyS0:2345:respawn:/sbin/getty 38400 ttyS0\n");
}

/* Which program /sbin/getty is, as the guest's root shows it, decides whether its speed becomes a list. */
/*
 * A getty on ttyS0 "is there already" only when the guest's file had one:
 * the one this run just made from an earlier line gets a message of its own.
 */
static const Case second_getty_cases[] = {
        /* Two gettys on Xen consoles: the second is commented out, and the message says why (not "there
         * already": that ttyS0 getty is this run's own). */
        { "co:2345:respawn:/sbin/agetty xvc0 115200 vt100-nav\nh0:2345:respawn:/sbin/agetty 38400 hvc0\n",
                "co:2345:respawn:/sbin/agetty ttyS0 115200 vt100-nav\n#h0:2345:respawn:/sbin/agetty 38400 "
                "hvc0\n",
                "/etc/inittab:2: a second getty on the Xen console; commented out, since line 1 runs the "
                "getty "
                "on ttyS0 now" },
        /* A ttyS0 getty the guest had: the Xen one is commented out, and its speed is not spoken of. */
        { "S0:2345:respawn:/sbin/getty -L ttyS0 9600 vt100\nh0:2345:respawn:/sbin/getty 38400 hvc0\n",
                "S0:2345:respawn:/sbin/getty -L ttyS0 9600 vt100\n#h0:2345:respawn:/sbin/getty 38400 hvc0\n",
                "/etc/inittab:2: a getty on ttyS0 is there already; the one on the Xen console is commented "
                "out" },
};

static void test_second_getty(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(second_getty_cases); i++) {
                const Case *t = &second_getty_cases[i];
                _cleanup_(fixture_root_freep) FixtureRoot *root = inittab_root("second", t->in);
                _cleanup_(fixture_run_done) FixtureRun run = {};

                assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, true), 0);
                assert_int_equal(run.plan.n_edits, 1);
                fixture_assert_edit(&run.plan.edits[0], "inittab", "/etc/inittab", FILE_REGULAR, t->in,
                        FILE_REGULAR, t->out);
                fixture_assert_warnings(&run.plan, t->warning);
        }
}

static void test_getty_identity(void **state) {
        static const struct {
                const char *name;
                const char *link; /* /sbin/getty is a link to this, or NULL */
                const char *dpkg; /* util-linux's file list, or NULL */
                bool usrmerge; /* /sbin is a link to usr/sbin */
                bool list;
        } gettys[] = {
                { "agetty-link", "agetty", NULL, false, true }, /* Debian 8 and later */
                { "busybox-link", "/bin/busybox", NULL, false, true }, /* Alpine */
                { "util-linux", NULL, "/.\n/sbin\n/sbin/getty\n", false, true }, /* Debian 7, Ubuntu 14.04 */
                { "usrmerge", NULL, "/.\n/sbin\n/sbin/getty\n", true, true },
                { "other-package", NULL, "/.\n/sbin\n/sbin/agetty\n", false, false },
                { "unknown", NULL, NULL, false, false },
                { "other-link", "getty_ps", NULL, false, false },
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(gettys); i++) {
                _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
                _cleanup_(fixture_run_done) FixtureRun run = {};
                const char *dir = gettys[i].usrmerge ? "usr/sbin" : "sbin";
                _cleanup_free_ char *path = NULL, *prog = NULL;

                root = inittab_root(gettys[i].name, "1:2345:respawn:/sbin/getty 38400 hvc0\n");
                if (gettys[i].usrmerge)
                        fixture_symlink(root->fd, "sbin", "usr/sbin");
                assert_true(asprintf(&path, "%s/getty", dir) > 0);
                if (gettys[i].link) {
                        fixture_symlink(root->fd, path, gettys[i].link);
                        /* The program the link names, where the guest has it. */
                        if (gettys[i].link[0] == '/')
                                prog = strdup(gettys[i].link + 1);
                        else
                                assert_true(asprintf(&prog, "%s/%s", dir, gettys[i].link) > 0);
                }
                fixture_write_full(root->fd, prog ? prog : path, "ELF", 3, 0755);
                if (gettys[i].dpkg)
                        fixture_write(root->fd, "var/lib/dpkg/info/util-linux.list", gettys[i].dpkg);

                assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, true), 0);
                assert_int_equal(run.plan.n_edits, 1);
                if (gettys[i].list) {
                        assert_string_equal(run.plan.edits[0].new.data,
                                "1:2345:respawn:/sbin/getty 115200,38400 ttyS0\n");
                        fixture_assert_warnings(&run.plan, NULL);
                } else {
                        assert_string_equal(
                                run.plan.edits[0].new.data, "1:2345:respawn:/sbin/getty 38400 ttyS0\n");
                        fixture_assert_warnings(&run.plan, W_KEPT("1", "/sbin/getty", "38400"));
                }
        }
}

static void test_malformed(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        /* A line naming the Xen console that is no entry stops the scan pass, whatever the guest. */
        root = inittab_root("malformed", "id:2:initdefault:\n1:2345/sbin/getty 38400 hvc0\n");
        assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, false), -EBADMSG);
        assert_int_equal(run.scan, -EBADMSG);
        assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, true), -EBADMSG);
        assert_int_equal(run.scan, -EBADMSG);
        assert_int_equal(run.plan.n_edits, 0);
}

static void test_missing(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("empty", NULL);
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;

        assert_int_equal(fixture_run_console(&run, &fixer_inittab, root->fd, true), 0);
        assert_int_equal(run.plan.n_edits, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_TEST(test_fixture, "console", "inittab-debian7"),
                FIXTURE_TEST(test_fixture, "console", "inittab-centos5"),
                FIXTURE_TEST(test_fixture, "console", "inittab-busybox"),
                FIXTURE_TEST(test_fixture, "console", "inittab-gentoo"),
                FIXTURE_TEST(test_fixture, "console", "inittab-ttyS0-exists"),
                cmocka_unit_test(test_forms),
                cmocka_unit_test(test_init_kind),
                cmocka_unit_test(test_second_getty),
                cmocka_unit_test(test_getty_identity),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_missing),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
