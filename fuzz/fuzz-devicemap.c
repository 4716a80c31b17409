/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* GRUB's device.map ("(hd0) /dev/xvda"), through the devicemap fixer. */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("boot/grub/device.map", data, size);
        fuzz_run_fixer(&fixer_devicemap);
        return 0;
}
