/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bus-client.h"

#define assert_streq_ptr(a, b)                                                                              \
        do {                                                                                                \
                const char *_a = (a), *_b = (b);                                                            \
                if (!_a || !_b)                                                                             \
                        assert_ptr_equal(_a, _b);                                                           \
                else                                                                                        \
                        assert_string_equal(_a, _b);                                                        \
        } while (0)

static void assert_strv_equal(char **a, char **b) {
        for (; a && *a; a++, b++) {
                assert_non_null(b);
                assert_non_null(*b);
                assert_string_equal(*a, *b);
        }
        assert_true(!b || !*b);
}

static void assert_records_equal(const StateRecord *a, const StateRecord *b) {
        assert_int_equal(a->state, b->state);
        assert_streq_ptr(a->hypervisor, b->hypervisor);
        assert_streq_ptr(a->mode, b->mode);
        assert_int_equal(a->started_usec, b->started_usec);
        assert_int_equal(a->finished_usec, b->finished_usec);
        assert_int_equal(a->n_mappings, b->n_mappings);
        for (size_t i = 0; i < a->n_mappings; i++) {
                assert_streq_ptr(a->mappings[i].old_name, b->mappings[i].old_name);
                assert_streq_ptr(a->mappings[i].new_name, b->mappings[i].new_name);
                assert_streq_ptr(a->mappings[i].uuid, b->mappings[i].uuid);
                assert_streq_ptr(a->mappings[i].label, b->mappings[i].label);
                assert_streq_ptr(a->mappings[i].type, b->mappings[i].type);
                assert_streq_ptr(a->mappings[i].method, b->mappings[i].method);
        }
        assert_int_equal(a->n_edits, b->n_edits);
        for (size_t i = 0; i < a->n_edits; i++) {
                assert_streq_ptr(a->edits[i].path, b->edits[i].path);
                assert_streq_ptr(a->edits[i].fixer, b->edits[i].fixer);
                assert_streq_ptr(a->edits[i].result, b->edits[i].result);
        }
        assert_strv_equal(a->warnings, b->warnings);
        assert_strv_equal(a->errors, b->errors);
}

/* state_to_json(), then state_from_json(): the same record, and the same JSON again. */
static void round_trip(const StateRecord *r) {
        _cleanup_(state_record_done) StateRecord back = {};
        _cleanup_free_ char *json = NULL, *again = NULL;

        assert_int_equal(state_to_json(r, false, &json), 0);
        assert_int_equal(state_from_json(json, &back), 0);
        assert_records_equal(r, &back);
        assert_int_equal(state_to_json(&back, true, &again), 0);
        state_record_done(&back);
        assert_int_equal(state_from_json(again, &back), 0);
        assert_records_equal(r, &back);
}

static void test_round_trip_full(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};

        (void) state;
        r.state = MIGRATION_DEGRADED;
        assert_int_equal(strdup_to(&r.hypervisor, "kvm"), 0);
        assert_int_equal(strdup_to(&r.mode, "virtio-scsi+virtio-net"), 0);
        r.started_usec = 1732412345000000ULL;
        r.finished_usec = UINT64_MAX; /* past int64: json-c keeps it as uint64 */
        assert_int_equal(state_record_add_mapping(&r, "xvda", "sda", "0b5d7d2a-8f0e-4c52-9d2e-3f1a6b7c8d9e",
                                 "root", "ext4", "uuid"),
                0);
        assert_int_equal(state_record_add_mapping(&r, "xvdc2", "sdb2", NULL, NULL, "swap", "order"), 0);
        assert_int_equal(state_record_add_edit(&r, "/etc/fstab", "fstab", "applied"), 0);
        assert_int_equal(state_record_add_edit(&r, "/boot/grub/menu.lst", "grub-legacy", NULL), 0);
        assert_int_equal(state_record_add_warning(&r, "sd names are not stable"), 0);
        assert_int_equal(state_record_add_warning(&r, "quote \" backslash \\ newline \n tab \t é"), 0);
        assert_int_equal(state_record_add_error(&r, "xvdb: no device"), 0);
        round_trip(&r);
}

static void test_round_trip_empty(void **state) {
        StateRecord r = {};

        (void) state;
        for (MigrationState s = 0; s < _MIGRATION_STATE_MAX; s++) {
                r.state = s;
                round_trip(&r);
        }
}

static void test_missing_keys(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};

        (void) state;
        /* Only the state is required; everything else defaults to absent. */
        assert_int_equal(state_from_json("{\"state\":\"armed\"}", &r), 0);
        assert_int_equal(r.state, MIGRATION_ARMED);
        assert_null(r.hypervisor);
        assert_int_equal(r.started_usec, 0);
        assert_int_equal(r.n_mappings, 0);
        assert_null(r.warnings);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "not json",
                "[]",
                "\"done\"",
                "{}",
                "{\"state\":null}",
                "{\"state\":\"finished\"}",
                "{\"state\":3}",
                "{\"state\":\"done\",\"hypervisor\":1}",
                "{\"state\":\"done\",\"started\":\"now\"}",
                "{\"state\":\"done\",\"started\":-1}",
                "{\"state\":\"done\",\"started\":1.5}",
                "{\"state\":\"done\",\"mappings\":{}}",
                "{\"state\":\"done\",\"mappings\":[\"xvda\"]}",
                "{\"state\":\"done\",\"mappings\":[{\"old\":[]}]}",
                "{\"state\":\"done\",\"edits\":[null]}",
                "{\"state\":\"done\",\"edits\":[{\"path\":{}}]}",
                "{\"state\":\"done\",\"warnings\":\"x\"}",
                "{\"state\":\"done\",\"errors\":[1]}",
                "{\"state\":\"done\",\"errors\":[null]}",
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                StateRecord r = {};
                int k = state_from_json(bad[i], &r);

                if (k != -EBADMSG)
                        fail_msg("state_from_json(%s) = %d, expected -EBADMSG", bad[i], k);
                /* Nothing half-filled is handed out. */
                assert_null(r.hypervisor);
                assert_null(r.mappings);
                assert_null(r.errors);
        }
}

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
                cmocka_unit_test(test_round_trip_full),
                cmocka_unit_test(test_round_trip_empty),
                cmocka_unit_test(test_missing_keys),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_describe_unreachable),
        };

        log_set_program("test-bus-client");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
