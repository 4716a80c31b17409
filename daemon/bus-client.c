/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <time.h>
#include <json-c/json.h>

#include "bus-client.h"
#include "util.h"

/* Long enough for a service that is started on demand, short enough that status never seems to hang. */
#define DESCRIBE_TIMEOUT_USEC (10ULL * 1000000ULL)
/* How often bus_client_wait() looks again when no signal came. */
#define WAIT_RECHECK_USEC (1000000ULL)

/* Moves the contents out of @r, leaving it empty for its cleanup. */
static StateRecord record_take(StateRecord *r) {
        StateRecord t = *r;

        *r = (StateRecord){};
        return t;
}

static void json_object_putp(struct json_object **o) {
        if (*o)
                (void) json_object_put(*o);
}

/* A string member, borrowed from @o: NULL when absent or null. */
static int json_get_str(struct json_object *o, const char *key, const char **ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = json_object_get_string(v);
        return 0;
}

/* A timestamp in microseconds: 0 when absent or null. */
static int json_get_usec(struct json_object *o, const char *key, unsigned long long *ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = 0;
                return 0;
        }
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
                return -EBADMSG;
        *ret = json_object_get_uint64(v);
        return 0;
}

/* An array member, borrowed: NULL (no elements) when absent or null. */
static int json_get_array(struct json_object *o, const char *key, struct json_object **ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return -EBADMSG;
        *ret = v;
        return 0;
}

static size_t json_length(struct json_object *a) {
        return a ? json_object_array_length(a) : 0;
}

static int json_object_at(struct json_object *a, size_t i, struct json_object **ret) {
        struct json_object *v = json_object_array_get_idx(a, i);

        if (!v || !json_object_is_type(v, json_type_object))
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_mappings(struct json_object *top, StateRecord *rec) {
        struct json_object *a;
        int r;

        r = json_get_array(top, "mappings", &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                const char *old_name, *new_name, *uuid, *label, *type, *method;
                struct json_object *m;

                r = json_object_at(a, i, &m);
                if (r >= 0)
                        r = json_get_str(m, "old", &old_name);
                if (r >= 0)
                        r = json_get_str(m, "new", &new_name);
                if (r >= 0)
                        r = json_get_str(m, "uuid", &uuid);
                if (r >= 0)
                        r = json_get_str(m, "label", &label);
                if (r >= 0)
                        r = json_get_str(m, "type", &type);
                if (r >= 0)
                        r = json_get_str(m, "method", &method);
                if (r >= 0)
                        r = state_record_add_mapping(rec, old_name, new_name, uuid, label, type, method);
        }
        return r;
}

static int parse_edits(struct json_object *top, StateRecord *rec) {
        struct json_object *a;
        int r;

        r = json_get_array(top, "edits", &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                const char *path, *fixer, *result;
                struct json_object *e;

                r = json_object_at(a, i, &e);
                if (r >= 0)
                        r = json_get_str(e, "path", &path);
                if (r >= 0)
                        r = json_get_str(e, "fixer", &fixer);
                if (r >= 0)
                        r = json_get_str(e, "result", &result);
                if (r >= 0)
                        r = state_record_add_edit(rec, path, fixer, result);
        }
        return r;
}

static int parse_messages(struct json_object *top, const char *key, StateRecord *rec,
        int (*add)(StateRecord *rec, const char *message)) {
        struct json_object *a;
        int r;

        r = json_get_array(top, key, &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                struct json_object *v = json_object_array_get_idx(a, i);

                if (!v || !json_object_is_type(v, json_type_string))
                        return -EBADMSG;
                r = add(rec, json_object_get_string(v));
        }
        return r;
}

int state_from_json(const char *json, StateRecord *ret) {
        _cleanup_(json_object_putp) struct json_object *top = NULL;
        _cleanup_(state_record_done) StateRecord rec = {};
        enum json_tokener_error jerr;
        const char *state, *hypervisor, *mode;
        int r;

        top = json_tokener_parse_verbose(json, &jerr);
        if (!top || !json_object_is_type(top, json_type_object))
                return -EBADMSG;

        r = json_get_str(top, "state", &state);
        if (r < 0)
                return r;
        rec.state = migration_state_from_string(state);
        if (rec.state == _MIGRATION_STATE_INVALID)
                return -EBADMSG;

        r = json_get_str(top, "hypervisor", &hypervisor);
        if (r >= 0)
                r = json_get_str(top, "mode", &mode);
        if (r >= 0)
                r = strdup_to(&rec.hypervisor, hypervisor);
        if (r >= 0)
                r = strdup_to(&rec.mode, mode);
        if (r >= 0)
                r = json_get_usec(top, "started", &rec.started_usec);
        if (r >= 0)
                r = json_get_usec(top, "finished", &rec.finished_usec);
        if (r >= 0)
                r = parse_mappings(top, &rec);
        if (r >= 0)
                r = parse_edits(top, &rec);
        if (r >= 0)
                r = parse_messages(top, "warnings", &rec, state_record_add_warning);
        if (r >= 0)
                r = parse_messages(top, "errors", &rec, state_record_add_error);
        if (r < 0)
                return r;

        *ret = record_take(&rec);
        return 0;
}

int bus_client_open(sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_debug("cannot connect to the system bus: %s", strerror(-r));
                return r;
        }
        *ret = bus;
        return 0;
}

static int describe(sd_bus *bus, uint64_t timeout_usec, StateRecord *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *json;
        int r;

        r = sd_bus_message_new_method_call(
                bus, &call, MIGRATE_BUS_NAME, MIGRATE_BUS_PATH, MIGRATE_BUS_INTERFACE, "Describe");
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, timeout_usec, &error, &reply);
        if (r < 0) {
                log_debug("%s.Describe() failed: %s", MIGRATE_BUS_INTERFACE, error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &json);
        if (r < 0)
                return r;
        r = state_from_json(json, ret);
        if (r < 0)
                log_debug("%s.Describe() gave a record that does not parse", MIGRATE_BUS_INTERFACE);
        return r;
}

int bus_client_describe(sd_bus *bus, StateRecord *ret) {
        return describe(bus, DESCRIBE_TIMEOUT_USEC, ret);
}

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static uint64_t clamp_usec(uint64_t v, uint64_t lo, uint64_t hi) {
        return v < lo ? lo : v > hi ? hi : v;
}

static bool state_is_active(MigrationState s) {
        return s == MIGRATION_PENDING || s == MIGRATION_RUNNING;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        (void) m;
        (void) userdata;
        (void) ret_error;
        /* Only a wake-up: the record is read again as a whole, so no change can be half seen. */
        return 0;
}

int bus_client_wait(sd_bus *bus, uint64_t timeout_usec, StateRecord *ret) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(state_record_done) StateRecord rec = {};
        uint64_t deadline = monotonic_usec() + timeout_usec;
        int r;

        /* Subscribe before the first look, so a change between the two cannot be missed. Any sender:
         * a forged signal only costs one more Describe(). */
        r = sd_bus_match_signal(bus, &slot, NULL, MIGRATE_BUS_PATH, "org.freedesktop.DBus.Properties",
                "PropertiesChanged", on_properties_changed, NULL);
        if (r < 0) {
                log_debug("cannot subscribe to PropertiesChanged: %s", strerror(-r));
                return r;
        }

        for (;;) {
                uint64_t now = monotonic_usec(), left = deadline > now ? deadline - now : 0;

                /* Each look is bounded too, by what is left of the wait (but at least a second). */
                state_record_done(&rec);
                r = describe(bus, clamp_usec(left, WAIT_RECHECK_USEC, DESCRIBE_TIMEOUT_USEC), &rec);
                if (r < 0)
                        return r;
                if (!state_is_active(rec.state))
                        break;

                now = monotonic_usec();
                if (now >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                left = deadline - now;
                r = sd_bus_wait(bus, left < WAIT_RECHECK_USEC ? left : WAIT_RECHECK_USEC);
                if (r < 0)
                        return r;
                do
                        r = sd_bus_process(bus, NULL);
                while (r > 0);
                if (r < 0)
                        return r;
        }

        *ret = record_take(&rec);
        return r;
}

int bus_client_call(sd_bus *bus, const char *method, char **ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *s;
        int r;

        r = sd_bus_message_new_method_call(
                bus, &call, MIGRATE_BUS_NAME, MIGRATE_BUS_PATH, MIGRATE_BUS_INTERFACE, method);
        if (r < 0)
                return r;
        /* Run() waits for a whole migration; allow interactive authorization of the caller. */
        (void) sd_bus_message_set_allow_interactive_authorization(call, true);
        r = sd_bus_call(bus, call, MIGRATE_BUS_RUN_TIMEOUT_USEC, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &s);
        if (r < 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}
