/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* GRUB legacy's menu.lst (kernel lines, # kopt= and # groot=), through the grub-legacy fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("boot/grub/menu.lst", data, size);
        fuzz_run_fixer(&fixer_grub_legacy);
        return 0;
}
