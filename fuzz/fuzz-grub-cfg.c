/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A generated GRUB 2 grub.cfg, through the grub2 fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("boot/grub/grub.cfg", data, size);
        fuzz_run_fixer(&fixer_grub2);
        return 0;
}
