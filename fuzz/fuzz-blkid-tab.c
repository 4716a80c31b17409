/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The legacy libblkid cache, /etc/blkid.tab, through inventory_load_blkid_cache(). */

#include "fuzz.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(inventory_done) Inventory inv = {};

        fuzz_write("etc/blkid.tab", data, size);
        (void) inventory_load_blkid_cache(fuzz_root(), &inv);
        return 0;
}
