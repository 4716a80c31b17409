/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* An upstart job on the Xen console (/etc/init/hvc0.conf), through the upstart fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/init/hvc0.conf", data, size);
        fuzz_run_fixer(&fixer_upstart);
        return 0;
}
