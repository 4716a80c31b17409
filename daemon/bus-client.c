/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <time.h>

#include "bus-client.h"
#include "util.h"

/* Long enough for a service that is started on demand, short enough that status never seems to hang. */
#define DESCRIBE_TIMEOUT_USEC (10ULL * 1000000ULL)
/* How often bus_client_wait() looks again when no signal came. */
#define WAIT_RECHECK_USEC (1000000ULL)

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

static uint64_t clamp_usec(uint64_t v, uint64_t lo, uint64_t hi) {
        return v < lo ? lo : v > hi ? hi : v;
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
                if (!migration_state_is_active(rec.state))
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

        *ret = state_record_take(&rec);
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
