/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * diff: unified diffs of two texts, line by line, as "diff -u" prints them,
 * so that a plan can be read by people and applied with "patch -p1".
 */

#include <stddef.h>

#include "util.h"

/**
 * diff_unified() - append the unified diff (3 lines of context) that turns
 * text @a into text @b to @out.
 * @out:     buffer to append to
 * @label_a: name on the "--- " line (e.g. "a/etc/fstab")
 * @a:       old text, @a_size bytes, need not be NUL-terminated; may be NULL
 *           with size 0 (a new file: label conventionally "/dev/null")
 * @label_b: name on the "+++ " line
 * @b:       new text, @b_size bytes; may be NULL with size 0 (a deleted file)
 *
 * Equal texts append nothing. A last line without a newline is followed by
 * "\ No newline at end of file", as diff does.
 *
 * Return: 0, or -ENOMEM.
 */
int diff_unified(Buf *out, const char *label_a, const char *a, size_t a_size, const char *label_b,
        const char *b, size_t b_size);
