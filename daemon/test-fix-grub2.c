/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "fixture.h"

/* The grub.cfg @userdata (relative to the root) of the migrated @root is still valid GRUB script. */
static void cfg_still_parses(const FixtureRoot *root, const void *userdata) {
        _cleanup_free_ char *after = NULL;

        assert_true(asprintf(&after, "%s/%s", root->path, (const char *) userdata) > 0);
        fixture_assert_grub_script(after);
}

/*
 * Fixture case @name end to end: plan, apply to a copy, compare with root/
 * with expected/ laid over it, and its grub.cfg @cfg (relative to the root)
 * is valid GRUB script before and after; then the migrated copy plans
 * nothing more, and a rollback restores it. The first run is left in @run.
 */
static void migrate(
        const char *name, const char *cfg, const Inventory *old, const Inventory *new, FixtureRun *run) {
        _cleanup_free_ char *before = fixture_path("%s/root/%s", name, cfg);

        fixture_assert_grub_script(before);
        fixture_run_case(
                &(const FixtureCase){
                        .fixer = &fixer_grub2,
                        .name = name,
                        .guest = { .old = old, .new = new, .from_xen = true },
                        .expected_overlay = true,
                        .check = cfg_still_parses,
                        .userdata = cfg,
                },
                run);
}

/* The fixtures */

#define SERIAL "console=ttyS0,115200n8"
#define SERIAL_COMMAND                                                                                      \
        "GRUB_SERIAL_COMMAND=\"serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1\"\n"

static void test_ubuntu_cloud(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "2c4e6a8b-1d3f-4a5b-9c7d-0e1f2a3b4c5d", *s = "7f8e9d0c-1b2a-4394-a5b6-c7d8e9f0a1b2";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u, .partuuid = "c0ffee00-01");
        NEW(&new, .name = "sdb", .type = "swap", .uuid = s);

        migrate("grub/ubuntu-cloud", "boot/grub/grub.cfg", &old, &new, &run);
        /*
         * resume= in /etc/default/grub, root= and resume= on five linux
         * lines; not the dom0 module line, not xen.cfg.
         */
        assert_int_equal(run.n_refs, 11);
        fixture_assert_ref(run.refs, run.n_refs, 0, "xvdb - /etc/default/grub:11");
        fixture_assert_ref(run.refs, run.n_refs, 1, "xvda1 - /boot/grub/grub.cfg:149");
        fixture_assert_ref(run.refs, run.n_refs, 2, "xvdb - /boot/grub/grub.cfg:149");
        assert_int_equal(run.plan.n_edits, 3);
        assert_string_equal(run.plan.edits[0].path, "/etc/default/grub");
        assert_string_equal(run.plan.edits[1].path, "/etc/default/grub.d/50-cloudimg-settings.cfg");
        assert_string_equal(run.plan.edits[2].path, "/boot/grub/grub.cfg");
        /* GRUB_DISABLE_LINUX_UUID=true would bring sd names back at the next update-grub. */
        assert_int_equal(run.plan.n_warnings, 1);
        assert_non_null(strstr(run.plan.warnings[0], "/etc/default/grub: GRUB_DISABLE_LINUX_UUID=true "));
}

static void test_centos7(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *u = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", *s = "e0d1c2b3-a4f5-4e6d-9c8b-7a6f5e4d3c2b";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "xfs", .uuid = u);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "xfs", .uuid = u);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = s);

        migrate("grub/centos7", "boot/grub2/grub.cfg", &old, &new, &run);
        assert_int_equal(run.n_refs, 3);
        fixture_assert_ref(run.refs, run.n_refs, 0, "xvda2 - /etc/default/grub:6");
        fixture_assert_ref(run.refs, run.n_refs, 1, "xvda2 - /boot/grub2/grub.cfg:100");
        /* /etc/sysconfig/grub is a link to /etc/default/grub: one edit, at the target. */
        assert_int_equal(run.plan.n_edits, 2);
        assert_string_equal(run.plan.edits[0].path, "/etc/default/grub");
        assert_string_equal(run.plan.edits[1].path, "/boot/grub2/grub.cfg");
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_grub_script_check(void **state) {
        (void) state;

        /* The fixture tests ran it before and after; here it only says whether it could. */
        if (fixture_grub_script_check())
                return;
        if (streq_ptr(getenv("CI"), "true"))
                fail_msg("grub-script-check is missing and CI=true: install grub-common");
        print_message("grub-script-check not found (apt-get install grub-common): the grub.cfg files "
                      "were not checked with it\n");
        skip();
}

/* Single rules, on files written on the spot */

#define U_ROOT "0d1c4f6e-1111-4222-8333-444455556666"
#define P_ROOT "6c0ffee1-01"
#define U_SWAP "7e2b9a10-2222-4333-8444-555566667777"

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
} File;

typedef struct Guest {
        FixtureRoot *root;
        FixtureRun run; /* run.scan and run.rewrite say how the passes went */
} Guest;

static void guest_done(Guest *g) {
        fixture_root_free(g->root);
        fixture_run_done(&g->run);
}

/* A fresh root holding @files and an initramfs in /boot, through both passes. */
static void guest_run(Guest *g, const File *files, size_t n, bool from_xen) {
        *g = (Guest){ .root = fixture_root_new(NULL, NULL) };
        fixture_write(g->root->fd, "boot/initrd.img-6.1.0", "");
        for (size_t i = 0; i < n; i++)
                if (files[i].text)
                        fixture_write(g->root->fd, files[i].path, files[i].text);
                else
                        fixture_symlink(g->root->fd, files[i].path, files[i].target);
        (void) fixture_run(&g->run, &fixer_grub2, g->root->fd,
                &(const FixtureGuest){ .new = &new_inventory, .mapping = &mapping, .from_xen = from_xen });
}

/* /etc/default/grub holding @text becomes @want (NULL: unchanged). */
static void check_defaults(const char *text, const char *want) {
        _cleanup_(guest_done) Guest g = {};

        guest_run(&g, (const File[]){ { "etc/default/grub", text } }, 1, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/etc/default/grub", want);
}

static void test_defaults_quoting(void **state) {
        (void) state;

        check_defaults("GRUB_CMDLINE_LINUX=\"root=/dev/xvda1 quiet\"\n",
                "GRUB_CMDLINE_LINUX=\"root=UUID=" U_ROOT " quiet\"\n");
        check_defaults("GRUB_CMDLINE_LINUX='resume=/dev/xvdb quiet' # swap disk\n",
                "GRUB_CMDLINE_LINUX='resume=UUID=" U_SWAP " quiet' # swap disk\n");
        check_defaults("  export GRUB_CMDLINE_LINUX_DEFAULT=resume=/dev/xvdb\n",
                "  export GRUB_CMDLINE_LINUX_DEFAULT=resume=UUID=" U_SWAP "\n");
        /* An escaped quote inside, and a variable: both stay. */
        check_defaults("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX acpi=\\\"a b\\\" root=/dev/xvda1\"\n",
                "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX acpi=\\\"a b\\\" root=UUID=" U_ROOT "\"\n");
        check_defaults("GRUB_CMDLINE_LINUX=\"\"\nGRUB_CMDLINE_LINUX=\nGRUB_CMDLINE_LINUX=''\n", NULL);
}

static void test_defaults_leaves_alone(void **state) {
        (void) state;

        /* Dom0's settings, a comment, a string that only looks like an assignment. */
        check_defaults("GRUB_CMDLINE_XEN=\"console=hvc0\"\nGRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=1G\"\n"
                       "GRUB_CMDLINE_LINUX_XEN_REPLACE=\"root=/dev/xvda1 console=hvc0\"\n"
                       "#GRUB_CMDLINE_LINUX=\"root=/dev/xvda1\"\n"
                       "GRUB_INIT_TUNE=\"480 440 1\n"
                       "GRUB_CMDLINE_LINUX=root=/dev/xvda1\"\n"
                       "echo GRUB_CMDLINE_LINUX=root=/dev/xvda1\n",
                NULL);
}

static void test_defaults_refused(void **state) {
        const char *const bad[] = {
                /* A value that goes on over the next line. */
                "GRUB_CMDLINE_LINUX=\"root=/dev/xvda1\n console=hvc0\"\n",
                "GRUB_CMDLINE_LINUX=root=/dev/xvda1\\\n",
                /* Several parts, a command substitution, more after the value. */
                "GRUB_CMDLINE_LINUX=\"root=/dev/xvda1 \"'quiet'\n",
                "GRUB_CMDLINE_LINUX=$(cat /etc/cmdline)\n",
                "GRUB_CMDLINE_LINUX=\"quiet\"; GRUB_TERMINAL=console\n",
                "GRUB_TERMINAL=serial console\n",
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(guest_done) Guest g = {};

                guest_run(&g, (const File[]){ { "etc/default/grub", bad[i] } }, 1, true);
                if (g.run.scan != -EBADMSG)
                        fail_msg("%s: scan returned %d, wanted -EBADMSG", bad[i], g.run.scan);
        }
}

static void test_defaults_value_that_cannot_be_quoted(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /* sdc1 is only known by LABEL=a$b: inside double quotes the shell would expand $b. */
        guest_run(&g, (const File[]){ { "etc/default/grub", "GRUB_CMDLINE_LINUX=\"root=/dev/xvdc1\"\n" } },
                1, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, -EINVAL);
        assert_int_equal(g.run.plan.n_edits, 0);
}

static void test_terminal_added(void **state) {
        (void) state;

        /* No GRUB_TERMINAL anywhere: after the commented one, with the serial command. */
        check_defaults("GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n"
                       "# Uncomment to disable graphical terminal (grub-pc only)\n"
                       "#GRUB_TERMINAL=console\n"
                       "\n"
                       "#GRUB_GFXMODE=640x480\n",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"" SERIAL "\"\n"
                "# Uncomment to disable graphical terminal (grub-pc only)\n"
                "#GRUB_TERMINAL=console\n"
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND "\n"
                "#GRUB_GFXMODE=640x480\n");
        /* At the end, of a file without a final newline; a serial command of the admin's stays. */
        check_defaults(
                "GRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=38400\"\nGRUB_CMDLINE_LINUX=\"console=xvc0\"",
                "GRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=38400\"\nGRUB_CMDLINE_LINUX=\"" SERIAL "\"\n"
                "GRUB_TERMINAL=\"serial console\"\n");
}

static void test_terminal_completed(void **state) {
        (void) state;

        check_defaults("GRUB_TERMINAL=serial\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n",
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND "GRUB_CMDLINE_LINUX=\"" SERIAL "\"\n");
        check_defaults("GRUB_TERMINAL='gfxterm'\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n",
                "GRUB_TERMINAL='serial gfxterm console'\n" SERIAL_COMMAND "GRUB_CMDLINE_LINUX=\"" SERIAL
                "\"\n");
        /* The last assignment is the one that counts: the serial command goes after it. */
        check_defaults("GRUB_TERMINAL=\"console "
                       "serial\"\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\nGRUB_TERMINAL=\"\"\n",
                "GRUB_TERMINAL=\"console serial\"\nGRUB_CMDLINE_LINUX=\"" SERIAL "\"\n"
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND);
}

static void test_terminal_untouched(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /* No Xen console on the command line: GRUB's terminal is none of this fixer's business. */
        check_defaults("GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"root=/dev/xvda1 console=ttyS0\"\n",
                "GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"root=UUID=" U_ROOT " console=ttyS0\"\n");
        /* A guest that never ran on Xen keeps its hvc0, and so its terminal. */
        guest_run(&g,
                (const File[]){ { "etc/default/grub",
                        "GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n" } },
                1, false);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.plan.n_edits, 0);
}

static void test_fragments(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /*
         * The console is set in a fragment, GRUB_TERMINAL nowhere: it goes
         * to /etc/default/grub. Only *.cfg is read, and nothing with "xen"
         * in its name.
         */
        guest_run(&g,
                (const File[]){
                        { "etc/default/grub", "GRUB_TIMEOUT=5\n" },
                        { "etc/default/grub.d/50-cloudimg-settings.cfg",
                                "GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n" },
                        { "etc/default/grub.d/60-Xen-dom0.cfg",
                                "GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n" },
                        { "etc/default/grub.d/70-notes.txt", "GRUB_CMDLINE_LINUX=root=/dev/xvda1\n" },
                        { "etc/default/grub.d/80-link.cfg", NULL, "50-cloudimg-settings.cfg" },
                },
                5, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.n_refs, 0);
        assert_int_equal(g.run.plan.n_edits, 2);
        fixture_assert_planned(&g.run.plan, "/etc/default/grub",
                "GRUB_TIMEOUT=5\nGRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND);
        fixture_assert_planned(&g.run.plan, "/etc/default/grub.d/50-cloudimg-settings.cfg",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"" SERIAL "\"\n");
}

/* /boot/grub/grub.cfg holding @text becomes @want (NULL: unchanged), with no warning. */
static void check_cfg(const char *text, const char *want) {
        _cleanup_(guest_done) Guest g = {};

        guest_run(&g, (const File[]){ { "boot/grub/grub.cfg", text } }, 1, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/boot/grub/grub.cfg", want);
        assert_int_equal(g.run.plan.n_warnings, 0);
        if (want) {
                _cleanup_free_ char *path = NULL;

                path = fixture_tmp_path("written.cfg");
                fixture_write_full(AT_FDCWD, path, want, strlen(want), 0644);
                fixture_assert_grub_script(path);
        }
}

static void test_cfg_initrd_per_entry(void **state) {
        (void) state;

        check_cfg("menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 ro\n\tinitrd /initrd.img\n}\n"
                  "menuentry 'b' {\n\tlinuxefi /vmlinuz root=/dev/xvda1 ro\n}\n"
                  "submenu 'c' {\n\tmenuentry 'd' --id d {\n\t\tif true; then\n\t\t\tinitrd16 /i\n\t\tfi\n"
                  "\t\tlinux16 /vmlinuz root=/dev/xvda1\n\t}\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=UUID=" U_ROOT " ro\n\tinitrd /initrd.img\n}\n"
                "menuentry 'b' {\n\tlinuxefi /vmlinuz root=PARTUUID=" P_ROOT " ro\n}\n"
                "submenu 'c' {\n\tmenuentry 'd' --id d {\n\t\tif true; then\n\t\t\tinitrd16 /i\n\t\tfi\n"
                "\t\tlinux16 /vmlinuz root=UUID=" U_ROOT "\n\t}\n}\n");
}

static void test_cfg_arguments(void **state) {
        (void) state;

        /* No argument left: no blank either; a comment after the arguments stays. */
        check_cfg("menuentry 'a' {\n\tlinux\t/vmlinuz\txencons=tty\n\tinitrd /i\n}\n",
                "menuentry 'a' {\n\tlinux\t/vmlinuz\n\tinitrd /i\n}\n");
        check_cfg("menuentry 'a' {\n  linux /vmlinuz console=hvc0 $extra \"quoted arg\"  # was hvc0\r\n  "
                  "initrd /i\r\n}\r\n",
                "menuentry 'a' {\n  linux /vmlinuz " SERIAL
                " $extra \"quoted arg\"  # was hvc0\r\n  initrd /i\r\n}\r\n");
        check_cfg("menuentry 'a' {\n\tlinux16 /boot/memtest86+.bin\n}\n", NULL);
        /* Dom0's kernel is a module of the hypervisor: not ours. */
        check_cfg("menuentry 'xen' {\n\tmultiboot /xen.gz console=hvc0\n\tmodule /vmlinuz "
                  "root=/dev/xvda1\n}\n",
                NULL);
}

static void test_cfg_refused(void **state) {
        const char *const bad[] = {
                "menuentry 'a' { linux /vmlinuz root=/dev/xvda1; }\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1; boot\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 \\\n\t\tquiet\n}\n",
                "menuentry 'a' {\n\tlinux\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz\n",
                "}\n",
                "menuentry 'a' {\n\techo 'unterminated\n}\n",
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(guest_done) Guest g = {};

                guest_run(&g, (const File[]){ { "boot/grub/grub.cfg", bad[i] } }, 1, true);
                if (g.run.scan != -EBADMSG)
                        fail_msg("%s: scan returned %d, wanted -EBADMSG", bad[i], g.run.scan);
        }
}

static void test_cfg_xen_device_reported(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        guest_run(&g,
                (const File[]){ { "boot/grub/grub.cfg",
                        "set root='xen/xvda,msdos1'\nsearch --fs-uuid --set=root --hint='xen/xvda,msdos1' "
                        "x\n"
                        "menuentry 'a' {\n\tlinux (xen/xvda,msdos1)/vmlinuz root=/dev/xvda1\n\tinitrd "
                        "/i\n}\n" } },
                1, true);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/boot/grub/grub.cfg",
                "set root='xen/xvda,msdos1'\nsearch --fs-uuid --set=root --hint='xen/xvda,msdos1' x\n"
                "menuentry 'a' {\n\tlinux (xen/xvda,msdos1)/vmlinuz root=UUID=" U_ROOT "\n\tinitrd /i\n}\n");
        /* Only the path names the disk itself; the root and the hints are found again by the search. */
        assert_int_equal(g.run.plan.n_warnings, 1);
        assert_non_null(strstr(g.run.plan.warnings[0], "/boot/grub/grub.cfg:4: (xen/xvda,msdos1) "));
}

static void test_cfg_one_file_two_names(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        guest_run(&g,
                (const File[]){
                        { "boot/grub2/grub.cfg",
                                "menuentry 'a' {\n\tlinux16 /vmlinuz root=/dev/xvda1\n\tinitrd16 /i\n}\n" },
                        { "boot/grub", NULL, "grub2" },
                },
                2, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.n_refs, 1);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.plan.n_edits, 1);
        fixture_assert_planned(&g.run.plan, "/boot/grub2/grub.cfg",
                "menuentry 'a' {\n\tlinux16 /vmlinuz root=UUID=" U_ROOT "\n\tinitrd16 /i\n}\n");
}

/* The warnings of a guest whose /etc/default/grub holds @defaults and whose grub.cfg changes. */
static void check_disable_uuid(const char *defaults, bool warned) {
        _cleanup_(guest_done) Guest g = {};

        guest_run(&g,
                (const File[]){
                        { "etc/default/grub", defaults },
                        { "boot/grub/grub.cfg",
                                "menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 ro\n\tinitrd /i\n}\n" },
                },
                2, true);
        assert_int_equal(g.run.rewrite, 0);
        fixture_assert_planned(&g.run.plan, "/boot/grub/grub.cfg",
                "menuentry 'a' {\n\tlinux /vmlinuz root=UUID=" U_ROOT " ro\n\tinitrd /i\n}\n");
        if (warned)
                fixture_assert_warnings(&g.run.plan,
                        "/etc/default/grub: GRUB_DISABLE_LINUX_UUID=true makes the next update-grub write "
                        "root=/dev/sdX, and sd names may change from one boot to the next; remove it to get "
                        "root=UUID=");
        else
                assert_int_equal(g.run.plan.n_warnings, 0);
}

static void test_disable_uuid_with_own_root(void **state) {
        (void) state;

        /*
         * grub-mkconfig writes GRUB_CMDLINE_LINUX after its own root= on every
         * entry, recovery ones too: the kernel takes that root=, whatever
         * GRUB_DISABLE_LINUX_UUID makes of the first.
         */
        check_disable_uuid(
                "GRUB_DISABLE_LINUX_UUID=true\nGRUB_CMDLINE_LINUX=\"root=/dev/xvda1 quiet\"\n", false);
        check_disable_uuid(
                "GRUB_CMDLINE_LINUX='root=/dev/xvda1'\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX quiet\"\n"
                "GRUB_DISABLE_LINUX_UUID=true\n",
                false);
        /* Without one that counts, the warning is true. */
        check_disable_uuid("GRUB_DISABLE_LINUX_UUID=true\nGRUB_CMDLINE_LINUX=\"quiet\"\n", true);
        /* _DEFAULT is not on the recovery entries. */
        check_disable_uuid(
                "GRUB_DISABLE_LINUX_UUID=true\nGRUB_CMDLINE_LINUX_DEFAULT=\"root=/dev/xvda1\"\n", true);
        /* A later assignment replaces it. */
        check_disable_uuid("GRUB_CMDLINE_LINUX=\"root=/dev/xvda1\"\nGRUB_CMDLINE_LINUX=\"quiet\"\n"
                           "GRUB_DISABLE_LINUX_UUID=true\n",
                true);
}

static void test_missing(void **state) {
        _cleanup_(guest_done) Guest g = {};

        (void) state;

        /* Nothing there, and /etc/default/grub.d a file. */
        guest_run(&g, (const File[]){ { "etc/default/grub.d", "" } }, 1, true);
        assert_int_equal(g.run.scan, 0);
        assert_int_equal(g.run.rewrite, 0);
        assert_int_equal(g.run.plan.n_edits, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ubuntu_cloud),
                cmocka_unit_test(test_centos7),
                cmocka_unit_test(test_grub_script_check),
                cmocka_unit_test(test_defaults_quoting),
                cmocka_unit_test(test_defaults_leaves_alone),
                cmocka_unit_test(test_defaults_refused),
                cmocka_unit_test(test_defaults_value_that_cannot_be_quoted),
                cmocka_unit_test(test_terminal_added),
                cmocka_unit_test(test_terminal_completed),
                cmocka_unit_test(test_terminal_untouched),
                cmocka_unit_test(test_fragments),
                cmocka_unit_test(test_cfg_initrd_per_entry),
                cmocka_unit_test(test_cfg_arguments),
                cmocka_unit_test(test_cfg_refused),
                cmocka_unit_test(test_cfg_xen_device_reported),
                cmocka_unit_test(test_cfg_one_file_two_names),
                cmocka_unit_test(test_disable_uuid_with_own_root),
                cmocka_unit_test(test_missing),
        };

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
