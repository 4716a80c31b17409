/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * fuzz: one libFuzzer target per parser of guest input (fuzz/fuzz-NAME.c).
 *
 * Each target hands its input to the real parser through the real entry
 * point: most parsers read a file below a root, so the input is written as
 * that file into a root of this process's own (on /dev/shm when there is
 * one), and the fixer, loader or recovery runs on it as migratectl would.
 * The same target files are built twice: with clang and libFuzzer for
 * "make fuzz", and with the project's compiler and fuzz/replay.c against
 * the ASan+UBSan objects for "make fuzz-replay" (what "make check" runs).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fixer.h"

/* What libFuzzer calls, once per input; fuzz/replay.c calls it too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_root() - the root directory of this process (made, and logging
 * silenced unless $KVMIGRATE_FUZZ_VERBOSE is set, on first use; removed at
 * exit).
 * Return: its descriptor. Aborts when it cannot be made: the harness, not
 * the product, is broken then.
 */
int fuzz_root(void);

/* Whether $KVMIGRATE_FUZZ_VERBOSE is set: the product logs, and the harness says what each input did. */
bool fuzz_verbose(void);

/*
 * fuzz_write() - file @path (relative, "etc/fstab") below the root holds the
 * @size bytes of @data, mode 0644; the folders on the way are made. Aborts on
 * failure.
 */
void fuzz_write(const char *path, const void *data, size_t size);

/* fuzz_write_mode() - as fuzz_write(), with mode @mode (when it makes the file). */
void fuzz_write_mode(const char *path, const void *data, size_t size, mode_t mode);

/* fuzz_clear() - remove everything below the root, for targets whose entry point writes. */
void fuzz_clear(void);

/**
 * fuzz_run_fixer() - run fixer @f on the root as migration_plan() does: the
 * scan pass, map_build() over a fixed guest (old Xen devices recorded by a
 * snapshot, the same filesystems found again as sd devices), and when that
 * maps every reference, the rewrite pass, once for each rewrite form.
 * Errors of the fixer are expected (hostile input); only what the
 * sanitizers catch counts, and an edit the fixer proposes must be its own
 * and well formed (else abort).
 */
void fuzz_run_fixer(const Fixer *f);

/* The fixed guest's old and new devices (made on first use). */
const Inventory *fuzz_old_devices(void);
const Inventory *fuzz_new_devices(void);
