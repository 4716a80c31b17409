/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * kvmigrate's own inventory snapshot, /var/lib/kvmigrate/snapshot, through
 * inventory_load_snapshot(). A snapshot it accepts is written back with
 * inventory_save_snapshot() (as "migratectl arm" does) and must read back
 * the same: the writer's escaping and the reader's checks must agree.
 */

#include <stdio.h>

#include "fuzz.h"
#include "inventory.h"

#define SNAPSHOT "var/lib/kvmigrate/snapshot"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(inventory_done) Inventory inv = {}, again = {};
        int rootfd = fuzz_root(), r;

        fuzz_write(SNAPSHOT, data, size);
        if (inventory_load_snapshot(rootfd, &inv) < 0)
                return 0;
        r = inventory_save_snapshot(rootfd, &inv);
        if (r < 0) {
                fprintf(stderr, "a snapshot that was read cannot be written: %s\n", strerror(-r));
                abort();
        }
        r = inventory_load_snapshot(rootfd, &again);
        if (r < 0 || again.n != inv.n) {
                fprintf(stderr, "a snapshot as written does not read back: %s, %zu of %zu devices\n",
                        strerror(-r), again.n, inv.n);
                abort();
        }
        for (size_t i = 0; i < inv.n; i++)
                if (!streq(inv.devices[i].name, again.devices[i].name) ||
                        !streq_ptr(inv.devices[i].uuid, again.devices[i].uuid) ||
                        !streq_ptr(inv.devices[i].label, again.devices[i].label)) {
                        fprintf(stderr, "a snapshot as written reads back otherwise: %s\n",
                                inv.devices[i].name);
                        abort();
                }
        return 0;
}
