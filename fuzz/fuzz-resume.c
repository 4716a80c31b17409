/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Where the guest resumes from, through the resume fixer: the input is
 * initramfs-tools' conf.d/resume, uswsusp.conf and a dracut.conf.d file at
 * once (the fixer reads each with its own rules).
 */

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write("etc/initramfs-tools/conf.d/resume", data, size);
        fuzz_write("etc/uswsusp.conf", data, size);
        fuzz_write("etc/dracut.conf.d/resume.conf", data, size);
        fuzz_run_fixer(&fixer_resume);
        return 0;
}
