/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The backup manifest, /var/lib/kvmigrate/backup/manifest, through
 * apply_rollback(): its parser is apply.c's own (static), and rollback is
 * the only entry point that reads it. Rollback writes, so each input gets a
 * fresh throwaway root: the manifest, one kept original
 * (backup/files/etc/fstab, for a manifest that names it) and the file it
 * would restore. Nothing it writes can leave the root (openat2 resolves
 * every path in it).
 */

#include <stdio.h>

#include "apply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(strv_freep) char **paths = NULL;
        int r;

        fuzz_clear();
        fuzz_write("etc/fstab", "/dev/sda1 / ext4 defaults 0 1\n", 30);
        fuzz_write("var/lib/kvmigrate/backup/files/etc/fstab", "/dev/xvda1 / ext4 defaults 0 1\n", 31);
        fuzz_write("var/lib/kvmigrate/backup/manifest", data, size);
        r = apply_rollback(fuzz_root(), &paths);
        if (fuzz_verbose())
                fprintf(stderr, "fuzz: apply_rollback: %d, %zu paths\n", r, paths ? strv_length(paths) : 0);
        return 0;
}
