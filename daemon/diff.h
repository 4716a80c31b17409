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

/* The modes of git's extended headers; 0 is "no file". */
#define DIFF_MODE_REGULAR 0100644u
#define DIFF_MODE_SYMLINK 0120000u

/**
 * diff_git() - append the change of one file to @out as git prints it:
 * "diff --git a/PATH b/PATH", "new file mode" / "deleted file mode" lines,
 * then the unified diff, so that both "patch -p1" (GNU patch 2.7) and
 * "git apply" reproduce it, links included.
 * @out:    buffer to append to
 * @path:   path inside the tree, without a leading "/" ("etc/fstab")
 * @mode_a: DIFF_MODE_REGULAR, DIFF_MODE_SYMLINK, or 0 when there is no old file
 * @a:      old content, @a_size bytes: the bytes of a file, the target of a
 *          link (no newline)
 * @mode_b: the same for the new file
 * @b:      new content, @b_size bytes
 *
 * A link whose target changes, and a file that changes type, are shown as a
 * deletion followed by a creation of the same path: GNU patch changes a link
 * only from a "new file mode 120000" or "deleted file mode 120000" header.
 * An empty file created or deleted also gets the "index" line of git's empty
 * blob, without which GNU patch will not delete it. A name holding a space, a
 * double quote or a control character is quoted in C style, as git does.
 * Nothing is appended when both sides are equal.
 *
 * Return: 0, -EINVAL for a mode other than the three above, or -ENOMEM.
 */
int diff_git(Buf *out, const char *path, unsigned mode_a, const char *a, size_t a_size, unsigned mode_b,
        const char *b, size_t b_size);
