/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/fstab, through the fstab fixer (libmount parses the entries, the fixer edits the bytes). */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/fstab", data, size);
        fuzz_run_fixer(&fixer_fstab);
        return 0;
}
