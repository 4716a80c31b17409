/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/inittab getty entries, through the inittab fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/inittab", data, size);
        fuzz_run_fixer(&fixer_inittab);
        return 0;
}
