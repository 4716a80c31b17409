/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define UUID_LUKS "4f2e8a1c-6b3d-4e5f-8a9b-0c1d2e3f4a5b"
#define UUID_HOME "0a0b0c0d-1111-2222-3333-444455556666"

/* The guest after the move: sda2 holds the LUKS header, sdd is plain dm-crypt swap, sde a raw key. */
static Device new_devices[] = {
        { .name = "sda2", .type = "crypto_LUKS", .uuid = UUID_LUKS, .partition = true },
        { .name = "sdd" },
        { .name = "sde", .label = "key disk" },
};

static MapEntry entries[] = {
        { .old_name = "xvda2", .new = &new_devices[0], .method = MAP_METHOD_UUID },
        { .old_name = "xvdd", .new = &new_devices[1], .method = MAP_METHOD_ORDER },
        { .old_name = "xvde", .new = &new_devices[2], .method = MAP_METHOD_LABEL },
};

static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

/* Tabs, two spaces, a doubled tab, and no newline after the last line. */
static const char crypttab[] =
        "# <target name>\t<source device>\t<key file>\t<options>\n"
        "root_crypt\t/dev/xvda2\tnone\t\tluks,discard\n"
        "swap_crypt  /dev/xvdd   /dev/urandom   swap,cipher=aes-xts-plain64,size=256\n"
        "home_crypt\tUUID=" UUID_HOME "\tnone\tluks\n"
        "vault\tUUID=" UUID_HOME "\t/dev/xvde\tluks,keyfile-size=4096";

static const char crypttab_fixed[] =
        "# <target name>\t<source device>\t<key file>\t<options>\n"
        "root_crypt\tUUID=" UUID_LUKS "\tnone\t\tluks,discard\n"
        "swap_crypt  /dev/sdd   /dev/urandom   swap,cipher=aes-xts-plain64,size=256\n"
        "home_crypt\tUUID=" UUID_HOME "\tnone\tluks\n"
        "vault\tUUID=" UUID_HOME "\t/dev/disk/by-label/key\\x20disk\tluks,keyfile-size=4096";

static void assert_replaced(const Edit *e, const char *path, const char *old, const char *new) {
        fixture_assert_edit(e, "crypttab", path, FILE_REGULAR, old, FILE_REGULAR, new);
        assert_string_equal(e->reason, "old device names");
}

static void test_registered(void **state) {
        bool found = false;

        (void) state;
        for (const Fixer *const *f = fixer_table; *f; f++)
                if (*f == &fixer_crypttab)
                        found = true;
        assert_true(found);
        assert_string_equal(fixer_crypttab.name, "crypttab");
}

static void test_missing(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(fixture_run_done) FixtureRun run = {};

        assert_int_equal(
                fixture_run(&run, &fixer_crypttab, root->fd, &(const FixtureGuest){ .mapping = &mapping }),
                0);
        assert_int_equal(run.n_refs, 0);
        assert_int_equal(run.plan.n_edits, 0);
}

static void test_scan_and_rewrite(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(fixture_run_done) FixtureRun run = {};

        fixture_write(root->fd, "etc/crypttab", crypttab);

        /*
         * Scan: the LUKS device, the plain swap device (no type), the raw key file (no type); nothing
         * proposed. The rewrite pass records nothing (fixture_run() checks both).
         */
        assert_int_equal(
                fixture_run(&run, &fixer_crypttab, root->fd, &(const FixtureGuest){ .mapping = &mapping }),
                0);
        fixture_assert_refs(run.refs, run.n_refs,
                FIXTURE_STRV("xvda2 crypto_LUKS /etc/crypttab:2", "xvdd - /etc/crypttab:3",
                        "xvde - /etc/crypttab:5"));
        assert_int_equal(run.plan.n_edits, 1);
        assert_replaced(&run.plan.edits[0], "/etc/crypttab", crypttab, crypttab_fixed);
        /* sdd has no identifier at all: the plain name, with a warning. */
        assert_int_equal(run.plan.n_warnings, 1);
        assert_string_equal(run.plan.warnings[0],
                "/etc/crypttab:3: sdd has no UUID, LABEL or PARTUUID; naming it "
                "/dev/sdd, which may change from one boot to the next");
}

static void test_fixed_is_left_alone(void **state) {
        FixtureRoot *root = *state;

        /* What the rewrite produced names no old device: a second run changes nothing. */
        fixture_write(root->fd, "etc/crypttab", crypttab_fixed);
        fixture_assert_idempotent(
                &fixer_crypttab, root->fd, &(const FixtureGuest){ .mapping = &mapping }, false);
}

static void test_types(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        fixture_write(root->fd, "etc/crypttab",
                "a /dev/xvda1\n"
                "b /dev/xvda2 none\n"
                "c /dev/xvda3 none tmp=ext4\n"
                "  d /dev/xvda5 none cipher=aes-cbc-essiv:sha256,plain\n"
                "e /dev/xvda6 /dev/xvda7 bitlk\n"
                "f /dev/xvda8 none luks,swapx,plainly\n"
                "g /dev/disk/by-path/xen-vbd-51712-part9 - tmp\n"
                "h /dev/xvda10 /etc/keys/h.key tcrypt,tcrypt-hidden\n"
                "i /dev/sda11 /dev/sdb none\n");
        assert_int_equal(fixer_crypttab.run(&c), 0);
        fixture_assert_refs(c.refs, c.n_refs,
                FIXTURE_STRV("xvda1 crypto_LUKS /etc/crypttab:1", "xvda2 crypto_LUKS /etc/crypttab:2",
                        "xvda3 - /etc/crypttab:3", "xvda5 - /etc/crypttab:4",
                        "xvda6 BitLocker /etc/crypttab:5", "xvda7 - /etc/crypttab:5",
                        "xvda8 crypto_LUKS /etc/crypttab:6", "xvda9 - /etc/crypttab:7",
                        "xvda10 - /etc/crypttab:8"));
        fixer_context_done(&c);
        plan_done(&plan);
}

/* nofail and noauto in the options field, as whole options, make a line one the guest boots without. */
static void test_optional_scan(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = { .rootfd = root->fd, .plan = &plan };
        static const bool want[] = { false, true, true, true, true, false, false, false };

        fixture_write(root->fd, "etc/crypttab",
                "root /dev/xvda2 none luks\n"
                "eph /dev/xvdb none luks,nofail\n"
                "usb /dev/xvdc /dev/xvdk noauto\n" /* the key device too */
                "swap /dev/xvdd /dev/urandom swap,nofail,cipher=aes-xts-plain64\n"
                "a /dev/xvdf none x-nofail\n"
                "b /dev/xvdg none nofailover,noautoa\n"
                "c /dev/xvdh nofail\n"); /* a key file named nofail, no options */
        assert_int_equal(fixer_crypttab.run(&c), 0);
        fixture_assert_refs(c.refs, c.n_refs,
                FIXTURE_STRV("xvda2 crypto_LUKS /etc/crypttab:1", "xvdb crypto_LUKS /etc/crypttab:2",
                        "xvdc crypto_LUKS /etc/crypttab:3", "xvdk - /etc/crypttab:3",
                        "xvdd - /etc/crypttab:4", "xvdf crypto_LUKS /etc/crypttab:5",
                        "xvdg crypto_LUKS /etc/crypttab:6", "xvdh crypto_LUKS /etc/crypttab:7"));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                if (c.refs[i].optional != want[i])
                        fail_msg("%s (%s): optional is %s, wanted %s", c.refs[i].where, c.refs[i].name,
                                c.refs[i].optional ? "true" : "false", want[i] ? "true" : "false");
}

/* The rewrite pass leaves an optional line whose devices are not mapped byte for byte. */
static void test_optional_rewrite(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *input = "root_crypt\t/dev/xvda2\tnone\t\tluks,discard\n"
                            "eph  /dev/xvdb   none   luks,nofail\n"
                            "usb /dev/xvdc /dev/xvdk luks,noauto";
        const char *want = "root_crypt\tUUID=" UUID_LUKS "\tnone\t\tluks,discard\n"
                           "eph  /dev/xvdb   none   luks,nofail\n"
                           "usb /dev/xvdc /dev/xvdk luks,noauto";

        fixture_write(root->fd, "etc/crypttab", input);
        assert_int_equal(
                fixture_run(&run, &fixer_crypttab, root->fd, &(const FixtureGuest){ .mapping = &mapping }),
                0);
        assert_int_equal(run.plan.n_edits, 1);
        assert_replaced(&run.plan.edits[0], "/etc/crypttab", input, want);

        /* Without nofail or noauto, the same unmapped device stops the run. */
        fixture_write(root->fd, "etc/crypttab", "eph /dev/xvdb none luks\n");
        assert_int_equal(
                fixture_run(&run, &fixer_crypttab, root->fd, &(const FixtureGuest){ .mapping = &mapping }),
                -ENXIO);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "ok /dev/xvda2 none luks\nlonely\n",
                "x /dev/xvda2 none luks discard\n", /* a fifth field: a space in the options? */
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                (void) fixture_assert_refused(&fixer_crypttab, &(const FixtureGuest){ .mapping = &mapping },
                        "etc/crypttab", bad[i], -EBADMSG);
}

static void test_rewrite_name(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(fixture_run_done) FixtureRun run = {};

        fixture_write(root->fd, "etc/crypttab", "root_crypt /dev/xvda2 /dev/xvde luks\n");
        assert_int_equal(fixture_run(&run, &fixer_crypttab, root->fd,
                                 &(const FixtureGuest){ .mapping = &mapping, .form = REWRITE_NAME }),
                0);
        assert_int_equal(run.n_refs, 2);
        assert_int_equal(run.plan.n_edits, 1);
        assert_replaced(&run.plan.edits[0], "/etc/crypttab", "root_crypt /dev/xvda2 /dev/xvde luks\n",
                "root_crypt /dev/sda2 /dev/sde luks\n");
        assert_int_equal(run.plan.n_warnings, 1);
        assert_non_null(strstr(run.plan.warnings[0], "--rewrite=name"));
}

static void test_symlinked(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        /* The edit names the file the link leads to, inside the root. */
        fixture_write(root->fd, "etc/crypt/tab", "r /dev/xvda2\n");
        fixture_symlink(root->fd, "etc/crypttab", "/etc/crypt/tab");
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_replaced(&plan.edits[0], "/etc/crypt/tab", "r /dev/xvda2\n", "r UUID=" UUID_LUKS "\n");
        fixer_context_done(&c);
        plan_done(&plan);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registered),
                FIXTURE_ROOT_TEST(test_missing),
                FIXTURE_ROOT_TEST(test_scan_and_rewrite),
                FIXTURE_ROOT_TEST(test_fixed_is_left_alone),
                FIXTURE_ROOT_TEST(test_types),
                FIXTURE_ROOT_TEST(test_optional_scan),
                FIXTURE_ROOT_TEST(test_optional_rewrite),
                cmocka_unit_test(test_malformed),
                FIXTURE_ROOT_TEST(test_rewrite_name),
                FIXTURE_ROOT_TEST(test_symlinked),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
