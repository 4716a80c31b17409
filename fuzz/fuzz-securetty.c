/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/securetty, through the securetty fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/securetty", data, size);
        fuzz_run_fixer(&fixer_securetty);
        return 0;
}
