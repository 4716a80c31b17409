/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static int parse(const char *text, Config *c) {
        return config_parse(text, strlen(text), "/etc/kvmigrate.conf", c);
}

static void test_defaults(void **state) {
        Config c = { .enabled = false, .rewrite = REWRITE_NAME };

        (void) state;
        assert_int_equal(parse("", &c), 0);
        assert_true(c.enabled);
        assert_int_equal(c.rewrite, REWRITE_UUID);
        assert_int_equal(parse("# only a comment\n\n; and another\n[Migrate]\n", &c), 0);
        assert_true(c.enabled);
}

static void test_settings(void **state) {
        Config c;

        (void) state;
        assert_int_equal(parse("[Migrate]\nEnabled=no\nRewrite=name\n", &c), 0);
        assert_false(c.enabled);
        assert_int_equal(c.rewrite, REWRITE_NAME);
        assert_true(c.network);
        assert_int_equal(parse("[Migrate]\nNetwork=no\n", &c), 0);
        assert_false(c.network);
        assert_true(c.enabled);
        assert_int_equal(parse("  [Migrate]  \n  Enabled = yes  \nRewrite= uuid", &c), 0);
        assert_true(c.enabled);
        assert_int_equal(c.rewrite, REWRITE_UUID);
}

static void test_errors(void **state) {
        static const char *const bad[] = {
                "Enabled=no\n", /* before the section */
                "[Migrate]\nEnabled=maybe\n", /* bad boolean */
                "[Migrate]\nNetwork=sometimes\n", /* bad boolean */
                "[Migrate]\nRewrite=label\n", /* bad value */
                "[Migrate]\nRewirte=name\n", /* a typo must not pass */
                "[Migrate]\njust words\n", /* no '=' */
                "[Other]\nEnabled=no\n", /* unknown section */
                "[Migrate\nEnabled=no\n", /* broken header */
        };
        Config c = CONFIG_DEFAULT;

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                c.enabled = true;
                assert_int_equal(parse(bad[i], &c), -EBADMSG);
                assert_true(c.enabled); /* untouched on error */
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_settings),
                cmocka_unit_test(test_errors),
        };

        log_set_max_level(-1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
