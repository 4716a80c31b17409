/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The apply journal, /var/lib/kvmigrate/journal/{plan,done}, through
 * apply_recover(): its parsers are apply.c's own (static), and recovery is
 * the entry point that reads a committed journal (and finishes it). The
 * input is the plan, and after a first NUL byte (which a plan never holds:
 * it is refused) journal/done. The new contents new-0 to new-3 are there,
 * so a valid journal is finished for real. Recovery writes, so each input
 * gets a fresh throwaway root.
 */

#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(strv_freep) char **paths = NULL;
        int r;
        const uint8_t *nul = memchr(data, 0, size);

        fuzz_clear();
        fuzz_write("etc/fstab", "/dev/xvda1 / ext4 defaults 0 1\n", 31);
        for (int i = 0; i < 4; i++) {
                char name[64];

                snprintf(name, sizeof(name), "var/lib/kvmigrate/journal/new-%d", i);
                fuzz_write(name, "/dev/sda1 / ext4 defaults 0 1\n", 30);
        }
        fuzz_write("var/lib/kvmigrate/journal/plan", data, nul ? (size_t) (nul - data) : size);
        if (nul)
                fuzz_write("var/lib/kvmigrate/journal/done", nul + 1, size - (size_t) (nul - data) - 1);
        r = apply_recover(fuzz_root(), &paths);
        if (fuzz_verbose())
                fprintf(stderr, "fuzz: apply_recover: %d, %zu paths\n", r, paths ? strv_length(paths) : 0);
        return 0;
}
