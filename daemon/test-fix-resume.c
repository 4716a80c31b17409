/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define U_ROOT "2e4d6c8b-0002-4f1e-9d3c-5b7a9f1e3d5c"
#define U_SWAP "9a8b7c6d-0003-4e5f-a1b2-c3d4e5f60718"
#define PT "7c3e9f21"
#define SERIAL "console=ttyS0,115200n8"

/* The guest: root on xvda1, swap on a disk of its own, xvdb; sda1 and sdb now. */
static void guest(Inventory *old, Inventory *new) {
        OLD(old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        OLD(old, .name = "xvdb", .type = "swap", .uuid = U_SWAP);
        NEW(new, .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = PT "-01");
        NEW(new, .name = "sdb", .type = "swap", .uuid = U_SWAP);
}

/* Fixtures, end to end */

static void test_debian_resume(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;
        guest(&old, &new);
        /* dpkg's resume.dpkg-old is read by nobody: no reference there, and it stays. */
        fixture_run_case_from_xen(&run, &fixer_resume, "boot/debian-resume", &old, &new,
                FIXTURE_STRV(
                        "xvdb swap /etc/initramfs-tools/conf.d/resume:1", "xvdb swap /etc/uswsusp.conf:2"));
        assert_int_equal(run.plan.n_edits, 2);
        assert_string_equal(run.plan.edits[0].path, "/etc/initramfs-tools/conf.d/resume");
        assert_string_equal(run.plan.edits[0].fixer, "resume");
        assert_string_equal(run.plan.edits[0].reason, "resume device of initramfs-tools");
        assert_string_equal(run.plan.edits[1].path, "/etc/uswsusp.conf");
        assert_int_equal(run.plan.n_warnings, 0);
}

static void test_fedora_dracut(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};

        (void) state;
        FIXTURE_SKIP_UNLESS_X86();
        guest(&old, &new);
        fixture_run_case_from_xen(&run, &fixer_resume, "boot/fedora-dracut", &old, &new,
                FIXTURE_STRV(
                        "xvdb - /etc/dracut.conf.d/resume.conf:1", "xvdb - /etc/dracut.conf.d/xen.conf:3"));
        assert_int_equal(run.plan.n_edits, 2);
        assert_string_equal(run.plan.edits[0].reason, "devices for dracut");
}

/* Inline cases */

/* The scan pass over @text as @path of a fresh root @name records @want_refs and proposes nothing. */
static void scan(const char *name, const char *path, const char *text, const char *const *want_refs) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new(name, NULL);
        _cleanup_(fixer_context_done) FixerContext c = { .rootfd = root->fd, .plan = &plan };

        fixture_write(root->fd, path, text);
        assert_int_equal(fixer_resume.run(&c), 0);
        fixture_assert_refs(c.refs, c.n_refs, want_refs);
        assert_int_equal(plan.n_edits, 0);
}

static void test_types(void **state) {
        (void) state;

        /* A swap area, unless an offset says the device holds a swap file. */
        scan("type-swap", "etc/initramfs-tools/conf.d/resume", "RESUME=/dev/xvda1\n",
                FIXTURE_STRV("xvda1 swap /etc/initramfs-tools/conf.d/resume:1"));
        scan("type-file", "etc/initramfs-tools/conf.d/resume", "RESUME=/dev/xvda1\nRESUME_OFFSET=34816\n",
                FIXTURE_STRV("xvda1 - /etc/initramfs-tools/conf.d/resume:1"));
        scan("type-empty-offset", "etc/initramfs-tools/initramfs.conf",
                "RESUME_OFFSET=\nRESUME=/dev/xvda1\n",
                FIXTURE_STRV("xvda1 swap /etc/initramfs-tools/initramfs.conf:2"));
        scan("uswsusp-file", "etc/uswsusp.conf", "resume device : /dev/xvda1\nresume offset = 34816\n",
                FIXTURE_STRV("xvda1 - /etc/uswsusp.conf:1"));
        /* Names mkinitramfs does not source. */
        scan("backup", "etc/initramfs-tools/conf.d/resume~", "RESUME=/dev/xvdb\n", FIXTURE_STRV(NULL));
        scan("hidden", "etc/initramfs-tools/conf.d/.resume", "RESUME=/dev/xvdb\n", FIXTURE_STRV(NULL));
        /* add_device names any device. */
        scan("dracut", "etc/dracut.conf", "add_device=\"/dev/xvdb  /dev/xvda1\"\n",
                FIXTURE_STRV("xvdb - /etc/dracut.conf:1", "xvda1 - /etc/dracut.conf:1"));
}

static void test_shell_forms(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
        static const char conf[] = "# RESUME=/dev/xvdb\n"
                                   "RESUME=none\n"
                                   "RESUME=UUID=" U_SWAP "\n"
                                   "  RESUME=\"/dev/xvdb\"  # the swap disk\r\n"
                                   "RESUME='/dev/disk/by-path/xen-vbd-51728'\n"
                                   "RESUMEX=/dev/xvdb\n"
                                   "RESUME=/dev/xvdb";
        static const char fixed[] = "# RESUME=/dev/xvdb\n"
                                    "RESUME=none\n"
                                    "RESUME=UUID=" U_SWAP "\n"
                                    "  RESUME=\"UUID=" U_SWAP "\"  # the swap disk\r\n"
                                    "RESUME='UUID=" U_SWAP "'\n"
                                    "RESUMEX=/dev/xvdb\n"
                                    "RESUME=UUID=" U_SWAP;

        (void) state;
        guest(&old, &new);
        root = fixture_root_new("shell-forms", NULL);
        fixture_write(root->fd, "etc/initramfs-tools/initramfs.conf", conf);
        /* A link to the same file is read once. */
        fixture_symlink(root->fd, "etc/initramfs-tools/conf.d/resume", "../initramfs.conf");
        assert_int_equal(fixture_run_from_xen(&run, &fixer_resume, root->fd, &old, &new), 0);
        assert_int_equal(run.plan.n_edits, 1);
        fixture_assert_planned(&run.plan, "/etc/initramfs-tools/initramfs.conf", fixed);
}

static void test_uswsusp_and_dracut_forms(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;

        (void) state;
        guest(&old, &new);
        root = fixture_root_new("uswsusp-dracut", NULL);
        fixture_write(root->fd, "etc/uswsusp.conf", "  resume device:/dev/xvdb\nsplash = y\n");
        fixture_write(root->fd, "etc/dracut.conf.d/10-devices.conf",
                "add_device+=\" /dev/xvdb /dev/sdz1\t/dev/xvda1 \" # both\n");
        /* Not read by dracut: no .conf suffix, or an editor's backup. */
        fixture_write(root->fd, "etc/dracut.conf.d/10-devices.conf~", "add_device+=\" /dev/xvdq \"\n");
        fixture_write(root->fd, "etc/dracut.conf.d/notes.txt", "add_device+=\" /dev/xvdq \"\n");
        assert_int_equal(fixture_run_from_xen(&run, &fixer_resume, root->fd, &old, &new), 0);
        assert_int_equal(run.plan.n_edits, 2);
        fixture_assert_planned(&run.plan, "/etc/uswsusp.conf",
                "  resume device:/dev/disk/by-uuid/" U_SWAP "\nsplash = y\n");
        fixture_assert_planned(&run.plan, "/etc/dracut.conf.d/10-devices.conf",
                "add_device+=\" /dev/disk/by-uuid/" U_SWAP " /dev/sdz1\t/dev/disk/by-uuid/" U_ROOT
                " \" # both\n");
}

static void test_malformed(void **state) {
        static const char *const bad[][2] = {
                { "etc/initramfs-tools/conf.d/resume", "RESUME=/dev/xvdb;echo\n" },
                { "etc/initramfs-tools/conf.d/resume", "RESUME=\"/dev/xvdb\n" },
                { "etc/initramfs-tools/conf.d/resume", "RESUME=$(blkid -t TYPE=swap -o device)\n" },
                { "etc/initramfs-tools/initramfs.conf", "RESUME=/dev/xvdb quiet\n" },
                { "etc/dracut.conf.d/a.conf", "add_device+=\" /dev/xvdb \"extra\n" },
                { "etc/uswsusp.conf", "resume device /dev/xvdb\n" },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                (void) fixture_assert_refused(
                        &fixer_resume, &(const FixtureGuest){}, bad[i][0], bad[i][1], -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_debian_resume),
                cmocka_unit_test(test_fedora_dracut),
                cmocka_unit_test(test_types),
                cmocka_unit_test(test_shell_forms),
                cmocka_unit_test(test_uswsusp_and_dracut_forms),
                cmocka_unit_test(test_malformed),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
