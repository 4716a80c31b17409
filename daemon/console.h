/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * console: what the console fixers (getty, inittab, upstart, runit) share,
 * defined in fix-inittab.c: finding a Xen console word (hvc0, xvc0) and
 * moving a getty command line to ttyS0 with a speed that suits a serial line.
 */

#include <stdbool.h>

#include "fixer.h"

enum {
        GETTY_OTHER, /* not a getty on a Xen console */
        GETTY_XEN, /* a getty on hvc0/xvc0: edits proposed */
        GETTY_SERIAL, /* a getty on ttyS0 already */
};

/* The next hvc0/xvc0 word of @p (@len bytes) from *@pos on; false when there is none. */
bool xen_console_next(const char *p, size_t len, size_t *pos, Span *ret);

/* Whether @p (@len bytes) names a Xen console anywhere. */
bool xen_console_named(const char *p, size_t len);

/* @p with every Xen console word replaced by ttyS0; newly allocated, its length in @ret_len. NULL: no
 * memory. */
char *xen_console_replace(const char *p, size_t len, size_t *ret_len);

/**
 * getty_command_fix() - the edits that move the getty command in @l (from
 * byte @start) to ttyS0; @edits must have room for 2, their count in @ret_n.
 * A new speed list is held in *@ret_speed, which the caller frees once the
 * edits are applied.
 * Return: GETTY_OTHER, GETTY_XEN or GETTY_SERIAL, or a negative errno.
 */
int getty_command_fix(FixerContext *c, const char *where, const Line *l, size_t start, SpanEdit *edits,
        size_t *ret_n, char **ret_speed);

/**
 * getty_instance_speed_fix() - as getty_command_fix() for the getty of a
 * unit whose tty is its instance (ExecStart= of serial-getty@ttyS0): only
 * the speed, one edit at most. Return: GETTY_XEN for a getty, GETTY_OTHER,
 * or a negative errno.
 */
int getty_instance_speed_fix(FixerContext *c, const char *where, const Line *l, size_t start, SpanEdit *edit,
        size_t *ret_n, char **ret_speed);
