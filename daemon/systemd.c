/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <systemd/sd-bus.h>

#include "systemd.h"
#include "util.h"

#define SYSTEMD_PRIVATE "unix:path=/run/systemd/private"

static int connect_manager(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, SYSTEMD_PRIVATE);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int call_manager(const char *method, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = connect_manager(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(
                bus, &m, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", method);
        if (r < 0)
                return r;
        if (types) {
                va_list ap;
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        /* A reload reruns every generator; on a slow first boot that can take a while. */
        r = sd_bus_call(bus, m, 120 * 1000000ULL, &error, &reply);
        if (r < 0)
                log_debug("%s: %s", method, error.message ?: strerror(-r));
        sd_bus_error_free(&error);
        return r;
}

int systemd_reload(void) {
        return call_manager("Reload", NULL);
}

int systemd_start_unit(const char *name) {
        return call_manager("StartUnit", "ss", name, "replace");
}

int systemd_stop_unit(const char *name) {
        return call_manager("StopUnit", "ss", name, "replace");
}
