/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/kvmigrate.conf, through config_load(). */

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Config config;

        fuzz_write("etc/kvmigrate.conf", data, size);
        (void) config_load(fuzz_root(), &config);
        return 0;
}
