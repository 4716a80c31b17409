/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * systemd units that name a device (What=, and dependencies on
 * dev-xvda1.device and the like), through the units fixer: the input is
 * both a .mount unit and a .swap unit, whose names the fixer also reads.
 */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/systemd/system/srv.mount", data, size);
        fuzz_write("etc/systemd/system/dev-xvda2.swap", data, size);
        fuzz_run_fixer(&fixer_units);
        return 0;
}
