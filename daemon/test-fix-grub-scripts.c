/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "fixture.h"

#define U_ROOT "11111111-1111-4111-8111-111111111111"
#define U_SWAP "22222222-2222-4222-8222-222222222222"
#define P_ROOT "0d0e0f10-01"
#define SERIAL "console=ttyS0,115200n8"
#define NONE ((const char *const[]){ NULL })
#define LEFT(what)                                                                                          \
        what " is left as it is (kvmigrate rewrites only a plain assignment, or a root=, resume=, "         \
             "console= or xencons= argument that stands alone on a kernel command line): check this line "  \
             "by hand"
#define LEFT_CONSOLE                                                                                        \
        "the Xen console hvc0 is left as it is (kvmigrate rewrites only a console= argument that stands "   \
        "alone on a kernel command line): check this line by hand"
#define LEFT_XENCONS(what)                                                                                  \
        what " is left as it is (kvmigrate removes only an xencons= argument that stands alone on a "       \
             "kernel command line): check this line by hand"

/*
 * The script @path (absolute) is valid shell, and what it prints valid GRUB
 * script. A script that hands over to "exec tail -n +N $0" is shell only up
 * to there: the rest is GRUB script, printed as it is (and no shell would
 * parse the menuentry blocks of a 40_custom). Any other script is run: the
 * fixture scripts only print.
 */
static void assert_script_valid(const char *path) {
        _cleanup_free_ char *cfg = fixture_tmp_path("printed.cfg");
        struct stat st;

        fixture_shell(
                "f='%s'; n=$(sed -n 's/^exec tail -n +\\([0-9]*\\) .*/\\1/p' \"$f\")\n"
                "if [ -n \"$n\" ]; then head -n $((n - 1)) \"$f\" | sh -n && tail -n +$n \"$f\" >'%s'\n"
                "else sh -n \"$f\" && sh \"$f\" >'%s' 2>/dev/null; fi",
                path, cfg, cfg);
        /* grub-script-check refuses a script that does nothing; a script that prints nothing is fine. */
        if (stat(cfg, &st) == 0 && st.st_size > 0)
                fixture_assert_grub_script(cfg);
}

/* The guest of the cases: root on xvda1 and swap on xvda2 then, sda1 and sda2 now. */
static void guest(Inventory *old, Inventory *new) {
        OLD(old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        NEW(new, .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = P_ROOT);
        NEW(new, .name = "sda2", .type = "swap", .uuid = U_SWAP);
}

/*
 * Fixture case cases/@name (one that tests/integration/test-fixtures.sh runs
 * with every fixer: its expected/ holds fstab too) with this fixer alone:
 * it finds @refs and warns what the case's "warnings" file says; apply makes
 * etc/grub.d what expected/ says, each script keeping its mode, valid shell
 * printing valid GRUB script; a second run edits nothing; rollback gives the
 * original back.
 */
static void run_case(const char *name, const char *const *refs, size_t n_edits) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_free_ char *case_name = NULL, *original = NULL, *grubd = NULL, *want = NULL,
                            *expected = NULL, *warnings = NULL;
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
        _cleanup_(strv_freep) char **want_warnings = NULL;
        size_t size = 0, pos = 0, n = 0;
        Line l = {};
        int r;

        guest(&old, &new);
        assert_true(asprintf(&case_name, "cases/%s", name) > 0);
        original = fixture_path("%s/root", case_name);
        root = fixture_root_new(name, case_name);

        r = fixture_run(&run, &fixer_grub_scripts, root->fd,
                &(const FixtureGuest){ .old = &old, .new = &new, .from_xen = true });
        if (r != 0)
                fail_msg("%s: returned %d (%s)", name, r, strerror(-r));
        fixture_assert_refs(run.refs, run.n_refs, refs);
        assert_true(asprintf(&warnings, "%s/warnings", case_name) > 0);
        {
                _cleanup_free_ char *text = fixture_read(warnings, &size);

                want_warnings = calloc(1, sizeof(char *));
                assert_non_null(want_warnings);
                while (line_next(text, size, &pos, &l))
                        assert_int_equal(strv_push(&want_warnings, &n, strndup(l.p, l.len)), 0);
        }
        fixture_assert_strv("warning", run.plan.warnings, (const char *const *) want_warnings);
        assert_int_equal(run.plan.n_edits, n_edits);
        fixture_assert_tree(root->path, original, NULL, 0);

        assert_int_equal(apply_plan(root->fd, &run.plan, NULL, NULL), 0);
        assert_true(asprintf(&grubd, "%s/etc/grub.d", root->path) > 0);
        want = fixture_path("%s/root/etc/grub.d", case_name);
        expected = fixture_path("%s/expected/etc/grub.d", case_name);
        fixture_assert_tree(grubd, want, access(expected, F_OK) == 0 ? expected : NULL, 0);
        for (size_t i = 0; i < run.plan.n_edits; i++) {
                _cleanup_free_ char *before = NULL, *after = NULL;
                struct stat a, b;

                assert_true(asprintf(&before, "%s%s", original, run.plan.edits[i].path) > 0);
                assert_true(asprintf(&after, "%s%s", root->path, run.plan.edits[i].path) > 0);
                assert_int_equal(stat(before, &b), 0);
                assert_int_equal(stat(after, &a), 0);
                /* The scripts are 0755 and grub-mkconfig runs only what is executable. */
                assert_int_equal(b.st_mode & 07777, 0755);
                if ((a.st_mode & 07777) != 0755)
                        fail_msg("%s: mode %04o after apply, was 0755", after, a.st_mode & 07777);
                assert_script_valid(after);
        }

        fixture_assert_idempotent(&fixer_grub_scripts, root->fd,
                &(const FixtureGuest){ .old = &old, .new = &new, .mapping = &run.mapping, .from_xen = true },
                true);
        if (run.plan.n_edits > 0) {
                assert_int_equal(apply_rollback(root->fd, NULL), 0);
                fixture_assert_tree(root->path, original, NULL, 0);
        }
}

static void test_debian_stock(void **state) {
        (void) state;

        /* Debian 12's grub-common, as shipped: nothing names a device or a console; no edit, no warning. */
        run_case("grubd-debian-stock", NONE, 0);
}

static void test_custom(void **state) {
        (void) state;

        run_case("grubd-custom",
                FIXTURE_STRV("xvda1 - /etc/grub.d/40_custom:11", "xvda1 - /etc/grub.d/40_custom:16",
                        "xvda1 - /etc/grub.d/42_pinned:4", "xvda1 - /etc/grub.d/42_pinned:5",
                        "xvda2 - /etc/grub.d/42_pinned:16", "xvda1 - /etc/grub.d/42_pinned:22"),
                2);
}

/* Single rules, on scripts written on the spot */

static Device new_devices[] = {
        { .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = P_ROOT, .partition = true },
        { .name = "sdb", .type = "swap", .uuid = U_SWAP },
        { .name = "sdc1", .type = "ext4", .label = "a$b", .partition = true },
};

static MapEntry entries[] = {
        { .old_name = "xvda1", .new = &new_devices[0], .method = MAP_METHOD_UUID },
        { .old_name = "xvdb", .new = &new_devices[1], .method = MAP_METHOD_UUID },
        { .old_name = "xvdc1", .new = &new_devices[2], .method = MAP_METHOD_LABEL },
};

static const Inventory new_inventory = { .devices = new_devices, .n = ELEMENTSOF(new_devices) };
static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

typedef struct File {
        const char *path; /* relative to the root */
        const char *text; /* NULL: a symlink to @target */
        const char *target;
        mode_t mode; /* 0: 0755 */
} File;

typedef struct Guest {
        FixtureRoot *root;
        FixtureRun run;
} Guest;

static void guest_done(Guest *g) {
        fixture_root_free(g->root);
        fixture_run_done(&g->run);
}

/* A fresh root holding @files (and an initramfs in /boot when @initramfs), through both passes. */
static void guest_run(Guest *g, const File *files, size_t n, bool from_xen, bool initramfs) {
        *g = (Guest){ .root = fixture_root_new(NULL, NULL) };
        if (initramfs)
                fixture_write(g->root->fd, "boot/initrd.img-6.1.0", "");
        for (size_t i = 0; i < n; i++)
                if (files[i].text)
                        fixture_write_full(g->root->fd, files[i].path, files[i].text, strlen(files[i].text),
                                files[i].mode ?: 0755);
                else
                        fixture_symlink(g->root->fd, files[i].path, files[i].target);
        (void) fixture_run(&g->run, &fixer_grub_scripts, g->root->fd,
                &(const FixtureGuest){ .new = &new_inventory, .mapping = &mapping, .from_xen = from_xen });
}

/*
 * /etc/grub.d/40_test holding @text becomes @want (NULL: unchanged), with
 * the warnings @warnings (NULL-terminated); the result is valid shell
 * that prints valid GRUB script.
 */
static void check_with(const char *text, const char *want, const char *const *warnings, bool initramfs) {
        _cleanup_(guest_done) Guest g = {};

        guest_run(&g, (const File[]){ { "etc/grub.d/40_test", text } }, 1, true, initramfs);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/etc/grub.d/40_test", want);
        fixture_assert_strv("warning", g.run.plan.warnings, warnings);
        if (want) {
                _cleanup_free_ char *path = fixture_tmp_path("written.sh");

                fixture_write_full(AT_FDCWD, path, want, strlen(want), 0755);
                assert_script_valid(path);
        }
}

static void check(const char *text, const char *want, const char *const *warnings) {
        check_with(text, want, warnings, true);
}

/*
 * check(), and what the script does after the migration (@want, or @text
 * when nothing changes): passes sh -n, and the shell command @run, with $S
 * the script and stdin empty, prints @want_out (stdout and stderr).
 */
static void check_runs(const char *text, const char *want, const char *const *warnings, const char *run,
        const char *want_out) {
        _cleanup_free_ char *path = fixture_tmp_path("after.sh"), *out = NULL;
        const char *after = want ?: text;
        int status;

        check(text, want, warnings);
        fixture_write_full(AT_FDCWD, path, after, strlen(after), 0755);
        fixture_shell("sh -n '%s'", path);
        out = fixture_command_output(&status, "export S='%s'; timeout 10 sh -c '%s' </dev/null", path, run);
        if (!streq(out, want_out))
                fail_msg("%s printed \"%s\" (status %d), wanted \"%s\"", run, out, status, want_out);
}

#define W(line, what) "/etc/grub.d/40_test:" #line ": " LEFT(what)

static void test_assignments(void **state) {
        (void) state;

        /* Quoted or not, exported, a comment or a command after: a device path stays a path. */
        check("#!/bin/sh\nGRUB_DEVICE=/dev/xvda1\nGRUB_DEVICE_BOOT=\"/dev/xvda1\"  # /boot\n"
              "export GRUB_DEVICE='/dev/xvda1'\nGRUB_DEVICE=/dev/xvda1; export GRUB_DEVICE\n"
              "  swap=/dev/xvdb\n",
                "#!/bin/sh\nGRUB_DEVICE=/dev/disk/by-uuid/" U_ROOT
                "\nGRUB_DEVICE_BOOT=\"/dev/disk/by-uuid/" U_ROOT
                "\"  # /boot\nexport GRUB_DEVICE='/dev/disk/by-uuid/" U_ROOT
                "'\nGRUB_DEVICE=/dev/disk/by-uuid/" U_ROOT
                "; export GRUB_DEVICE\n  swap=/dev/disk/by-uuid/" U_SWAP "\n",
                NONE);
        /* What a shell would expand, or more than one word: left, and said. */
        check("#!/bin/sh\nGRUB_DEVICE=\"/dev/xvda$p\"\nGRUB_DEVICE=/dev/xvda1\"\"\nA=1 B=/dev/xvda1\n"
              "GRUB_DEVICE=${GRUB_DEVICE:-/dev/xvda1}\n",
                NULL,
                FIXTURE_STRV(
                        W(2, "/dev/xvda$p"), W(3, "/dev/xvda1"), W(4, "/dev/xvda1"), W(5, "/dev/xvda1")));
        /* Stock 10_linux's own machinery: no literal device, nothing to say, nothing refused. */
        check("#!/bin/sh\nGRUB_DEVICE=`losetup ${GRUB_DEVICE} | sed -e \"s/^[^(]*(\\([^)]\\+\\)).*/\\1/\"`\n"
              "LINUX_ROOT_DEVICE=${GRUB_DEVICE}\nLINUX_ROOT_DEVICE=UUID=${GRUB_DEVICE_UUID}\n",
                NULL, NONE);
}

static void test_arguments(void **state) {
        (void) state;

        /* The command line of a linux command in a heredoc, an echo; xencons= goes with its blank. */
        check("#!/bin/sh\ncat <<EOF\nmenuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 ro "
              "console=hvc0\n}\nEOF\n"
              "echo \"\tlinux /vmlinuz root=/dev/xvda1 xencons=tty\"\n"
              "echo '\tlinux /vmlinuz resume=/dev/xvdb'; echo '\tlinux16 /vmlinuz root=/dev/xvda1' | cat\n",
                "#!/bin/sh\ncat <<EOF\nmenuentry 'a' {\n\tlinux /vmlinuz root=UUID=" U_ROOT " ro " SERIAL
                "\n}\nEOF\n"
                "echo \"\tlinux /vmlinuz root=UUID=" U_ROOT "\"\n"
                "echo '\tlinux /vmlinuz resume=UUID=" U_SWAP "'; echo '\tlinux16 /vmlinuz root=UUID=" U_ROOT
                "' | cat\n",
                NONE);
        /* A console=ttyS0 there already: the Xen one goes. */
        check("#!/bin/sh\necho \"linux /vmlinuz console=ttyS0 console=hvc0,38400\"\n",
                "#!/bin/sh\necho \"linux /vmlinuz console=ttyS0\"\n", NONE);
}

static void test_arguments_left(void **state) {
        (void) state;

        /*
         * Inside $(…) and `…`, glued to a quote or a variable, a variable of
         * the shell or of GRUB, a GRUB command: left, each with its line.
         */
        check("#!/bin/sh\n"
              "args=$(echo root=/dev/xvda1)\n"
              "args=`echo console=hvc0`\n"
              "echo \"linux /vmlinuz root=/dev/xvda1\"\"$x\"\n"
              "echo linux /vmlinuz root=/dev/xvda1$x\n"
              "cat <<'EOF'\n"
              "set root=/dev/xvda1\n"
              "search --set=root /dev/xvda\n"
              "EOF\n"
              "echo 'on hvc0'\n",
                NULL,
                FIXTURE_STRV(W(2, "/dev/xvda1"), "/etc/grub.d/40_test:3: " LEFT_CONSOLE, W(4, "/dev/xvda1"),
                        W(5, "/dev/xvda1$x"), W(7, "/dev/xvda1"), W(8, "/dev/xvda"),
                        "/etc/grub.d/40_test:10: " LEFT_CONSOLE));
        /* Comments are read by nobody. */
        check("#!/bin/sh\n# root=/dev/xvda1 console=hvc0\n  # GRUB_DEVICE=/dev/xvda1\n", NULL, NONE);
}

static void test_exec_tail(void **state) {
        (void) state;

        /* After "exec tail" the text is GRUB script: no shell assignments there, GRUB's variables stay. */
        check("#!/bin/sh\nexec tail -n +3 $0\nmenuentry 'a' {\n\tkroot=/dev/xvda1\n"
              "\tlinux /vmlinuz root=/dev/xvda1 xencons=tty\n}\n",
                "#!/bin/sh\nexec tail -n +3 $0\nmenuentry 'a' {\n\tkroot=/dev/xvda1\n"
                "\tlinux /vmlinuz root=UUID=" U_ROOT "\n}\n",
                FIXTURE_STRV(W(4, "/dev/xvda1")));
}

static void test_no_initramfs(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /* The kernel finds a partition by PARTUUID itself. */
        guest_run(&g,
                (const File[]){ { "etc/grub.d/40_test", "echo \"linux /vmlinuz root=/dev/xvda1\"\n" } }, 1,
                true, false);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(
                &g.run.plan, "/etc/grub.d/40_test", "echo \"linux /vmlinuz root=PARTUUID=" P_ROOT "\"\n");
}

static void test_which_scripts(void **state) {
        _cleanup_(guest_done) Guest g = {};
        const char *text = "GRUB_DEVICE=/dev/xvda1\necho \"linux /vmlinuz root=/dev/xvda1 console=hvc0\"\n";

        (void) state;

        /* No /etc/grub.d, or a file there: nothing to do. */
        guest_run(&g, NULL, 0, true, true);
        assert_int_equal(g.run.rewrite, 0);
        guest_done(&g);
        guest_run(&g, (const File[]){ { "etc/grub.d", "", NULL, 0644 } }, 1, true, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.plan.n_edits, 0);
        guest_done(&g);

        /*
         * Only what grub-mkconfig runs: not a script switched off with
         * chmod -x, backups, package leftovers, README, a dom0's; a link to
         * a script is read once, at its target.
         */
        guest_run(&g,
                (const File[]){
                        { "etc/grub.d/41_off", text, NULL, 0644 },
                        { "etc/grub.d/40_custom~", text },
                        { "etc/grub.d/#40_custom#", text },
                        { "etc/grub.d/40_custom.dpkg-old", text },
                        { "etc/grub.d/40_custom.rpmnew", text },
                        { "etc/grub.d/README", text },
                        { "etc/grub.d/20_linux_xen", text },
                        { "etc/grub.d/50_link", NULL, "60_real" },
                        { "etc/grub.d/60_real", text },
                        { "etc/grub.d/70_dir/x", text },
                        { "etc/grub.d/80_dangling", NULL, "nowhere" },
                },
                11, true, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.n_refs, 2);
        assert_int_equal(g.run.plan.n_edits, 1);
        fixture_assert_planned(&g.run.plan, "/etc/grub.d/60_real",
                "GRUB_DEVICE=/dev/disk/by-uuid/" U_ROOT "\necho \"linux /vmlinuz root=UUID=" U_ROOT
                " " SERIAL "\"\n");
        assert_int_equal(g.run.plan.n_warnings, 0);
}

static void test_not_from_xen(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;
        FIXTURE_SKIP_UNLESS_X86();

        /* hvc0 is the console of a guest that never ran on Xen: it stays, and nothing is said of it. */
        guest_run(&g,
                (const File[]){ { "etc/grub.d/40_test",
                        "echo \"linux /vmlinuz root=/dev/xvda1 console=hvc0\"\n$(x hvc0)\n" } },
                1, false, true);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/etc/grub.d/40_test",
                "echo \"linux /vmlinuz root=UUID=" U_ROOT " console=hvc0\"\n$(x hvc0)\n");
        assert_int_equal(g.run.plan.n_warnings, 0);
}

static void test_cannot_be_written(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /*
         * sdc1 is only known by LABEL=a$b: the shell would expand $b. That
         * spot is left, and said; the rest of the script, and the migration,
         * go on.
         */
        guest_run(&g,
                (const File[]){ { "etc/grub.d/40_test",
                        "echo \"linux /vmlinuz root=/dev/xvdc1 console=hvc0\"\nGRUB_DEVICE=\"/dev/xvdc1\"\n"
                        "echo \"linux /vmlinuz root=/dev/xvda1\"\n" } },
                1, true, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/etc/grub.d/40_test",
                "echo \"linux /vmlinuz root=/dev/xvdc1 console=hvc0\"\nGRUB_DEVICE=\"/dev/xvdc1\"\n"
                "echo \"linux /vmlinuz root=UUID=" U_ROOT "\"\n");
        fixture_assert_strv("warning", g.run.plan.warnings,
                FIXTURE_STRV(
                        "/etc/grub.d/40_test:1: root=/dev/xvdc1 console=hvc0 is left as it is: the new "
                        "arguments, root=LABEL=a$b console=ttyS0,115200n8, cannot be written there (the "
                        "shell would read part of them as syntax): check this line by hand",
                        "/etc/grub.d/40_test:2: GRUB_DEVICE=/dev/xvdc1 is left as it is: its new value, "
                        "/dev/disk/by-label/a$b, cannot be written inside its quoting (the shell would read "
                        "part of it as syntax): check this line by hand"));
}

/*
 * What the review found: words of the script's own that look like kernel
 * arguments (a pattern, a test, a case label) are not taken away; each is
 * left, with its line, and the script does what it did.
 */
static void test_script_words_kept(void **state) {
        (void) state;

        /* grep without its pattern reads stdin: grub-mkconfig would hang. */
        check_runs("#!/bin/sh\nif grep -q xencons= /proc/cmdline; then echo xen; else echo kvm; fi\n", NULL,
                FIXTURE_STRV("/etc/grub.d/40_test:2: " LEFT_XENCONS("xencons=")),
                "f=$(mktemp); echo \"root=/dev/xvda1 xencons=tty\" >$f; "
                "sed \"s|/proc/cmdline|$f|\" \"$S\" | sh; rm -f $f",
                "xen\n");
        check_runs("#!/bin/sh\nx=$1\nif [ \"$x\" = xencons=tty ]; then echo same; else echo other; fi\n",
                NULL, FIXTURE_STRV("/etc/grub.d/40_test:3: " LEFT_XENCONS("xencons=tty")),
                "sh \"$S\" xencons=tty", "same\n");
        check_runs("#!/bin/sh\ncase $1 in xencons=tty) echo tty ;; *) echo other ;; esac\n", NULL,
                FIXTURE_STRV("/etc/grub.d/40_test:2: " LEFT_XENCONS("xencons=tty")), "sh \"$S\" xencons=tty",
                "tty\n");
        check_runs(
                "#!/bin/sh\ngrep -q console=hvc0 /proc/cmdline && echo hvc0\necho root=/dev/xvda1 | cat\n",
                NULL, FIXTURE_STRV("/etc/grub.d/40_test:2: " LEFT_CONSOLE, W(3, "/dev/xvda1")),
                "f=$(mktemp); echo console=hvc0 >$f; sed \"s|/proc/cmdline|$f|\" \"$S\" | sh; rm -f $f",
                "hvc0\nroot=/dev/xvda1\n");
}

/* The forms of a kernel command line: GRUB's variables and $(…) in it, braces, linuxefi, kernel. */
static void test_kernel_lines(void **state) {
        (void) state;

        check_runs("#!/bin/sh\n"
                   "echo \"\tlinux\t${rel_dirname}/${basename} root=/dev/xvda1 ro ${args} console=hvc0\"\n"
                   "echo \"\tlinuxefi $(echo /vmlinuz) root=/dev/xvda1 $(echo quiet) xencons=tty\"\n"
                   "cat <<EOF\n"
                   "menuentry 'b' { linux /vmlinuz root=/dev/xvda1; initrd /initrd.img; }\n"
                   "\tkernel (hd0,0)/vmlinuz root=/dev/xvda1 console=hvc0\n"
                   "EOF\n"
                   "echo \"kernel root=/dev/xvda1 is not a command\"\n",
                "#!/bin/sh\n"
                "echo \"\tlinux\t${rel_dirname}/${basename} root=UUID=" U_ROOT " ro ${args} " SERIAL "\"\n"
                "echo \"\tlinuxefi $(echo /vmlinuz) root=UUID=" U_ROOT " $(echo quiet) \"\n"
                "cat <<EOF\n"
                "menuentry 'b' { linux /vmlinuz root=UUID=" U_ROOT "; initrd /initrd.img; }\n"
                "\tkernel (hd0,0)/vmlinuz root=UUID=" U_ROOT " " SERIAL "\n"
                "EOF\n"
                "echo \"kernel root=/dev/xvda1 is not a command\"\n",
                FIXTURE_STRV(W(8, "/dev/xvda1")), "rel_dirname=/boot basename=vmlinuz sh \"$S\"",
                "\tlinux\t/boot/vmlinuz root=UUID=" U_ROOT " ro  " SERIAL "\n"
                "\tlinuxefi /vmlinuz root=UUID=" U_ROOT " quiet \n"
                "menuentry 'b' { linux /vmlinuz root=UUID=" U_ROOT "; initrd /initrd.img; }\n"
                "\tkernel (hd0,0)/vmlinuz root=UUID=" U_ROOT " " SERIAL "\n"
                "kernel root=/dev/xvda1 is not a command\n");
}

/*
 * A variable's value is a kernel command line when it is GRUB_CMDLINE_LINUX*
 * or expanded only as whole words of one; one the script also tests or
 * compares is its own, and left.
 */
static void test_variables(void **state) {
        (void) state;

        check_runs("#!/bin/sh\n"
                   "GRUB_CMDLINE_LINUX=\"console=hvc0 xencons=tty quiet\"\n"
                   "export GRUB_CMDLINE_LINUX_DEFAULT='root=/dev/xvda1 ro'\n"
                   "KOPTS=\"xencons=tty elevator=noop\"\n"
                   "EXTRA=console=hvc0\n"
                   "echo \"\tlinux /vmlinuz $KOPTS ${EXTRA}\"\n"
                   "x=xencons=tty\n"
                   "if [ \"$1\" = \"$x\" ]; then echo same; fi\n"
                   "DEBUG=\"console=hvc0\"\n"
                   "[ -n \"$DEBUG\" ] && echo \"\tlinux /vmlinuz $DEBUG\"\n"
                   "echo \"# $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT\"\n",
                "#!/bin/sh\n"
                "GRUB_CMDLINE_LINUX=\"" SERIAL " quiet\"\n"
                "export GRUB_CMDLINE_LINUX_DEFAULT='root=UUID=" U_ROOT " ro'\n"
                "KOPTS=\"elevator=noop\"\n"
                "EXTRA=" SERIAL "\n"
                "echo \"\tlinux /vmlinuz $KOPTS ${EXTRA}\"\n"
                "x=xencons=tty\n"
                "if [ \"$1\" = \"$x\" ]; then echo same; fi\n"
                "DEBUG=\"console=hvc0\"\n"
                "[ -n \"$DEBUG\" ] && echo \"\tlinux /vmlinuz $DEBUG\"\n"
                "echo \"# $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT\"\n",
                FIXTURE_STRV("/etc/grub.d/40_test:7: " LEFT_XENCONS("xencons=tty"),
                        "/etc/grub.d/40_test:9: " LEFT_CONSOLE),
                "sh \"$S\" xencons=tty",
                "\tlinux /vmlinuz elevator=noop " SERIAL "\nsame\n\tlinux /vmlinuz console=hvc0\n# " SERIAL
                " quiet root=UUID=" U_ROOT " ro\n");
}

/*
 * No initramfs: a device path in a variable would become a /dev/disk/
 * link, which only the initramfs's udev makes; root=$GRUB_DEVICE would
 * not boot. Left, and said; a literal root= takes PARTUUID=.
 */
static void test_no_initramfs_device(void **state) {
        (void) state;

        check_with(
                "#!/bin/sh\nGRUB_DEVICE=/dev/xvda1\nexport GRUB_DEVICE_BOOT=\"/dev/xvda1\"\n"
                "echo \"\tlinux /vmlinuz root=$GRUB_DEVICE\"\necho \"\tlinux /vmlinuz root=/dev/xvda1\"\n",
                "#!/bin/sh\nGRUB_DEVICE=/dev/xvda1\nexport GRUB_DEVICE_BOOT=\"/dev/xvda1\"\n"
                "echo \"\tlinux /vmlinuz root=$GRUB_DEVICE\"\necho \"\tlinux /vmlinuz root=PARTUUID=" P_ROOT
                "\"\n",
                FIXTURE_STRV(
                        "/etc/grub.d/40_test:2: GRUB_DEVICE=/dev/xvda1 is left as it is: /boot holds no "
                        "initramfs, a kernel without one cannot find a root= given as a /dev/disk/ link, "
                        "and a script can put this value on root=: check this line by hand",
                        "/etc/grub.d/40_test:3: GRUB_DEVICE_BOOT=/dev/xvda1 is left as it is: /boot holds "
                        "no "
                        "initramfs, a kernel without one cannot find a root= given as a /dev/disk/ link, "
                        "and a script can put this value on root=: check this line by hand"),
                false);
}

/*
 * Fixture case grubd-no-initramfs (run by test-fixtures.sh with every fixer
 * too): a guest that boots its kernel without an initramfs.
 */
static void test_custom_no_initramfs(void **state) {
        (void) state;

        run_case("grubd-no-initramfs", FIXTURE_STRV("xvda1 - /etc/grub.d/40_custom:9"), 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_debian_stock),
                cmocka_unit_test(test_custom),
                cmocka_unit_test(test_assignments),
                cmocka_unit_test(test_arguments),
                cmocka_unit_test(test_arguments_left),
                cmocka_unit_test(test_exec_tail),
                cmocka_unit_test(test_no_initramfs),
                cmocka_unit_test(test_which_scripts),
                cmocka_unit_test(test_not_from_xen),
                cmocka_unit_test(test_cannot_be_written),
                cmocka_unit_test(test_script_words_kept),
                cmocka_unit_test(test_kernel_lines),
                cmocka_unit_test(test_variables),
                cmocka_unit_test(test_no_initramfs_device),
                cmocka_unit_test(test_custom_no_initramfs),
        };

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
