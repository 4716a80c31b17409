/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bus-client.h"

static void test_describe_unreachable(void **state) {
        sd_bus *bus = NULL;

        (void) state;
        /* A bus address that leads nowhere: quietly an error, never a hang. */
        assert_int_equal(
                setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/kvmigrate-test-bus", 1), 0);
        assert_true(bus_client_open(&bus) < 0);
        assert_null(bus);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_describe_unreachable),
        };

        log_set_program("test-bus-client");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
