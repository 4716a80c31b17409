/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * A kernel command line, through cmdline_rewrite(): the word scanner every
 * boot fixer shares (root=, resume=, console=, xencons=). The input is the
 * arguments as a fixer hands them over: bytes of a line, not NUL-terminated
 * (a copy of exactly that size, so reading past it is caught). It runs as a
 * fixer of its own, so the scan and rewrite passes are migration_plan()'s;
 * each pass rewrites it for a kernel with and without an initramfs.
 */

#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "fuzz.h"
#include "util.h"

static const uint8_t *input;
static size_t input_size;

static int cmdline_run(FixerContext *c) {
        for (int initramfs = 0; initramfs <= 1; initramfs++) {
                _cleanup_free_ char *args = malloc(input_size ?: 1), *new = NULL;
                int r;

                if (!args)
                        return -ENOMEM;
                memcpy(args, input, input_size);
                r = cmdline_rewrite(c, args, input_size, "/etc/kernel/cmdline:1", initramfs, &new);
                if (r < 0)
                        return r;
                if (new)
                        (void) cmdline_quoting_keeps(args, input_size, new, "\"'\\$`");
        }
        return 0;
}

static const Fixer fixer_cmdline = { .name = "cmdline", .run = cmdline_run };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        input = data;
        input_size = size;
        fuzz_run_fixer(&fixer_cmdline);
        return 0;
}
