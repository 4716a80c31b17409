/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* /etc/default/grub (shell assignments of GRUB_CMDLINE_LINUX…), through the grub2 fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/default/grub", data, size);
        fuzz_run_fixer(&fixer_grub2);
        return 0;
}
