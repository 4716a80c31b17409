/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* extlinux.conf (APPEND, LABEL, INCLUDE lines), through the extlinux fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("boot/extlinux/extlinux.conf", data, size);
        fuzz_run_fixer(&fixer_extlinux);
        return 0;
}
