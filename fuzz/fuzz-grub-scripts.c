/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * A script grub-mkconfig runs, /etc/grub.d/40_custom (executable, or the
 * fixer would skip it), through the grub-scripts fixer.
 */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write_mode("etc/grub.d/40_custom", data, size, 0755);
        fuzz_run_fixer(&fixer_grub_scripts);
        return 0;
}
