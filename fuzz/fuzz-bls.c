/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A Boot Loader Specification entry (a file in /boot/loader/entries), through the bls fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("boot/loader/entries/fuzz.conf", data, size);
        fuzz_run_fixer(&fixer_bls);
        return 0;
}
