/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/crypttab lines, through the crypttab fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/crypttab", data, size);
        fuzz_run_fixer(&fixer_crypttab);
        return 0;
}
