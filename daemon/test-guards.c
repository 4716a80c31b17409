/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The fixers' own clone check (fixer.c, identifier_unique()), reached past
 * map_build(): the old device was recorded by its LABEL or PARTUUID, so the
 * map finds it alone, but its new device's UUID is also on another present
 * device. No file may then name it UUID=: the fixer takes the next
 * identifier that is its own, or refuses when none is left.
 */

#include "fixture.h"

#define U_CLONED "0d1c4f6e-1111-4222-8333-444455556666"
#define U_OTHER "7e2b9a10-2222-4333-8444-555566667777"
#define P_ROOT "5c3e0a7b-01"

/* A guest from Xen, its fstab naming /dev/xvda: the map finds xvda by its LABEL alone. */
static void test_fstab_label_when_uuid_is_cloned(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        FixtureRoot *root = *state;

        fixture_write(root->fd, "etc/fstab", "/dev/xvda / ext4 defaults 0 1\n");
        OLD(&old, .name = "xvda", .type = "ext4", .label = "root");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_CLONED, .label = "root");
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_CLONED, .label = "copy");

        assert_int_equal(fixture_run_from_xen(&run, &fixer_fstab, root->fd, &old, &new), 0);
        assert_int_equal(run.mapping.n, 1);
        assert_string_equal(run.mapping.entries[0].new->name, "sda");
        assert_int_equal(run.mapping.entries[0].method, MAP_METHOD_LABEL);
        fixture_assert_planned(&run.plan, "/etc/fstab", "LABEL=root / ext4 defaults 0 1\n");
        assert_int_equal(run.plan.n_warnings, 0);
}

/* The same guest without the clone: UUID= is what the fixer writes by default. */
static void test_fstab_uuid_without_clone(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        FixtureRoot *root = *state;

        fixture_write(root->fd, "etc/fstab", "/dev/xvda / ext4 defaults 0 1\n");
        OLD(&old, .name = "xvda", .type = "ext4", .label = "root");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_CLONED, .label = "root");
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_OTHER, .label = "copy");

        assert_int_equal(fixture_run_from_xen(&run, &fixer_fstab, root->fd, &old, &new), 0);
        fixture_assert_planned(&run.plan, "/etc/fstab", "UUID=" U_CLONED " / ext4 defaults 0 1\n");
        assert_int_equal(run.plan.n_warnings, 0);
}

/* Found by its PARTUUID; its UUID is on a second disk, and it has no LABEL: PARTUUID= it is. */
static void test_fstab_partuuid_when_uuid_is_cloned(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(fixture_run_done) FixtureRun run = {};
        FixtureRoot *root = *state;

        fixture_write(root->fd, "etc/fstab", "/dev/xvda1 / ext4 defaults 0 1\n");
        CACHED(&old, .name = "xvda1", .type = "ext4", .partuuid = P_ROOT);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_CLONED, .partuuid = P_ROOT);
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_CLONED, .partuuid = "6d4f1b8c-01");

        assert_int_equal(fixture_run_from_xen(&run, &fixer_fstab, root->fd, &old, &new), 0);
        assert_int_equal(run.mapping.n, 1);
        assert_int_equal(run.mapping.entries[0].method, MAP_METHOD_PARTUUID);
        fixture_assert_planned(&run.plan, "/etc/fstab", "PARTUUID=" P_ROOT " / ext4 defaults 0 1\n");
        assert_int_equal(run.plan.n_warnings, 0);
}

/*
 * A kernel command line: the LABEL holds a blank, which no kernel argument
 * can carry, and there is no PARTUUID. Nothing names the device alone, so
 * the fixer refuses, and says why.
 */
static void test_kernel_refused_when_uuid_is_cloned(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping mapping = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ char *log = NULL;
        FixtureRoot *root = *state;
        int r;

        fixture_write(root->fd, "boot/grub/menu.lst",
                "default 0\n"
                "\n"
                "title Debian GNU/Linux\n"
                "root (hd0,0)\n"
                "kernel /boot/vmlinuz-6.1.0-18-amd64 root=/dev/xvda1 ro\n"
                "initrd /boot/initrd.img-6.1.0-18-amd64\n");
        fixture_write(root->fd, "boot/vmlinuz-6.1.0-18-amd64", "");
        fixture_write(root->fd, "boot/initrd.img-6.1.0-18-amd64", "");
        OLD(&old, .name = "xvda1", .type = "ext4", .label = "my root");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_CLONED, .label = "my root");
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_CLONED);

        {
                _cleanup_(fixer_context_done) FixerContext c = {
                        .rootfd = root->fd, .old = &old, .new = &new, .form = REWRITE_UUID, .plan = &plan
                };

                /* The scan pass; the map finds xvda1 by its LABEL, on sda1 alone. */
                assert_int_equal(fixer_grub_legacy.run(&c), 0);
                fixture_assert_refs(c.refs, c.n_refs, FIXTURE_STRV("xvda1 - /boot/grub/menu.lst:5"));
                assert_int_equal(map_build(&old, &new, c.refs, c.n_refs, &mapping, &errors, &warnings), 0);
                assert_null(errors);
                assert_int_equal(mapping.n, 1);
                assert_string_equal(mapping.entries[0].new->name, "sda1");
                assert_int_equal(mapping.entries[0].method, MAP_METHOD_LABEL);

                c.mapping = &mapping;
                c.from_xen = true;
                r = fixture_run_logged(&fixer_grub_legacy, &c, &log);
        }
        if (r != -ENXIO)
                fail_msg("the rewrite pass returned %d, wanted -ENXIO; it logged:\n%s", r, log);
        if (!strstr(log,
                    "/boot/grub/menu.lst:5: /dev/xvda1 is sda1, and its identifiers are also on another "
                    "device (a cloned disk?); refusing to guess"))
                fail_msg("the refusal does not say why; the log:\n%s", log);
        if (plan.n_edits > 0)
                fail_msg("refused, but planned an edit of %s:\n%.*s", plan.edits[0].path,
                        (int) plan.edits[0].new.size, strempty(plan.edits[0].new.data));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_ROOT_TEST(test_fstab_label_when_uuid_is_cloned),
                FIXTURE_ROOT_TEST(test_fstab_uuid_without_clone),
                FIXTURE_ROOT_TEST(test_fstab_partuuid_when_uuid_is_cloned),
                FIXTURE_ROOT_TEST(test_kernel_refused_when_uuid_is_cloned),
        };

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
