/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cmdline: rewriting a kernel command line, for every fixer that holds one
 * (GRUB legacy kernel lines and kopt comments, GRUB 2 defaults and
 * grub.cfg, BLS options, extlinux APPEND, /etc/kernel/cmdline).
 *
 * Arguments are whole tokens: root=/dev/xvda1 is not root=/dev/xvda10, a
 * value inside another argument (rd.lvm.lv=…) is not touched, and the
 * order, quoting and spacing of every other argument survive.
 *
 *   root=, resume=        through the device map; root=UUID= when the kernel
 *                         boots with an initramfs, root=PARTUUID= for a
 *                         partition when it does not (the kernel resolves
 *                         that itself), /dev/sdX for a whole disk without
 *                         one (with a warning)
 *   console=hvc0, xvc0    console=ttyS0,115200n8 (only for a guest from Xen)
 *   xencons=…             removed (likewise)
 */

#include <stdbool.h>

#include "fixer.h"

/**
 * cmdline_rewrite() - rewrite the kernel arguments @args (@len bytes, not
 * NUL-terminated: the part of a line that holds them).
 * @c:         the fixer context (scan pass: references are recorded)
 * @where:     "FILE:LINE" for messages
 * @initramfs: whether this kernel boots with an initramfs
 * @ret:       the new arguments, or NULL when nothing changes
 *
 * Return: 0, or a negative errno.
 */
int cmdline_rewrite(
        FixerContext *c, const char *args, size_t len, const char *where, bool initramfs, char **ret);

/**
 * cmdline_quoting_keeps() - whether @new can stand where @old (@old_len
 * bytes) stood: it brings no more of any character that the quoting there
 * reads as syntax (@special) than @old had. The rewrites only swap whole
 * arguments, so any such character would be new syntax.
 */
bool cmdline_quoting_keeps(const char *old, size_t old_len, const char *new, const char *special);

/**
 * boot_has_initramfs() - whether /boot below @rootfd holds an initramfs
 * (initrd.img-*, initramfs-*, initrd-*), for files that set a command line
 * for every kernel (/etc/default/grub) rather than for one entry.
 */
bool boot_has_initramfs(int rootfd);

/* Whether an argument of the @len bytes at @s (blanks separate, quotes group) begins with @prefix. */
bool cmdline_has_arg(const char *s, size_t len, const char *prefix);
