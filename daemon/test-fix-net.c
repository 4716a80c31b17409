/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The net fixer on NICs whose names are the same on both sides: a name the
 * NIC keeps needs no rule; a name the kernel handed out for now (eth0 in an
 * initramfs without udev's naming rules) must be pinned, or the real root's
 * udev renames it and the guest's eth0 config finds nothing. (The fixture
 * cases of tests/fixtures/cases/net-* cover the rest end to end, but --nic
 * always names a NIC for good.)
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fixer.h"
#include "fixture.h"

#define MAC_XEN "00:16:3e:5a:01:02"
#define MAC_KVM "52:54:00:12:34:56"

static void run_net(int rootfd, bool name_final, Plan *plan) {
        Nic old = { .name = (char *) "eth0", .mac = (char *) MAC_XEN };
        Nic new = { .name = (char *) "eth0", .mac = (char *) MAC_KVM, .name_final = name_final };
        NicMapEntry entry = { .old = &old, .new = &new, .method = NIC_METHOD_ONLY };
        NicMapping nics = { .entries = &entry, .n = 1 };
        Mapping mapping = {};
        FixerContext c = { .rootfd = rootfd, .mapping = &mapping, .nics = &nics, .plan = plan };

        assert_int_equal(fixer_net.run(&c), 0);
        assert_false(c.network_left);
}

static void test_same_name_provisional_is_pinned(void **state) {
        const FixtureRoot *root = *state;
        _cleanup_(plan_done) Plan plan = {};

        run_net(root->fd, false, &plan);
        assert_int_equal(plan.n_edits, 1);
        assert_string_equal(plan.edits[0].path, NIC_RULES_FILE);
        assert_int_equal(plan.edits[0].old.kind, FILE_ABSENT);
        assert_non_null(strstr(plan.edits[0].new.data,
                "\nSUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"" MAC_KVM
                "\", ATTR{type}==\"1\", NAME=\"eth0\"\n"));
}

static void test_same_name_final_needs_nothing(void **state) {
        const FixtureRoot *root = *state;
        _cleanup_(plan_done) Plan plan = {};

        run_net(root->fd, true, &plan);
        assert_int_equal(plan.n_edits, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_ROOT_TEST(test_same_name_provisional_is_pinned),
                FIXTURE_ROOT_TEST(test_same_name_final_needs_nothing),
        };
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
