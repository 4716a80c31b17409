/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * fixer: one per kind of file that can name an old device or console.
 *
 * A fixer reads its files below the root and proposes whole-file edits to
 * the plan; it never writes. Each fixer runs twice: first in the scan pass
 * (no mapping yet), where fixer_rewrite_device() only records which old
 * devices the file names and with which type, then in the rewrite pass,
 * where the same call returns the new spelling. So a fixer is written once,
 * and a file that cannot be parsed stops the run before anything changes.
 */

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"
#include "map.h"
#include "plan.h"

typedef enum RewriteForm {
        _REWRITE_DEFAULT = -1, /* as /etc/kvmigrate.conf says (UUID when it says nothing) */
        REWRITE_UUID, /* stable identifiers: UUID=, LABEL=, PARTUUID= (the default) */
        REWRITE_NAME, /* plain /dev/sdX, on request: not stable from boot to boot */
} RewriteForm;

/* "uuid" or "name"; _REWRITE_DEFAULT for anything else. */
RewriteForm rewrite_form_from_string(const char *s);

typedef enum DeviceSyntax {
        SYNTAX_TAG, /* fstab, crypttab: "UUID=…" ("LABEL=a\040b" escaped for fstab) */
        SYNTAX_PATH, /* unit files, keyfiles: "/dev/disk/by-uuid/…" */
        SYNTAX_KERNEL, /* a kernel command line: "UUID=…", never a label that would need escaping */
} DeviceSyntax;

typedef struct FixerContext {
        int rootfd;
        const Inventory *old; /* the old devices, for by-id links */
        const Inventory *new; /* the devices present now: an identifier must name one of them only */
        const Mapping *mapping; /* NULL during the scan pass */
        const NicMapping *nics; /* which new NIC replaces which old one; NULL when the NICs are not known */
        RewriteForm form;
        /*
         * The guest came from Xen: a snapshot or blkid cache of xvd disks, or
         * files that name them. Console fixers only act then: hvc0 is also the
         * console of virtio-console, ppc64 and arm64 guests.
         */
        bool from_xen;
        Plan *plan;
        Reference *refs; /* collected during the scan pass */
        size_t n_refs;
        /* The net fixer left the network as it is (a config it cannot read): no NIC is migrated. */
        bool network_left;
} FixerContext;

typedef struct Fixer {
        const char *name;
        /* Read the files, propose edits to c->plan. Return 0 or a negative errno (logged). */
        int (*run)(FixerContext *c);
} Fixer;

extern const Fixer fixer_fstab;
extern const Fixer fixer_crypttab;
extern const Fixer fixer_units;
extern const Fixer fixer_resume;
extern const Fixer fixer_grub_legacy;
extern const Fixer fixer_grub2;
extern const Fixer fixer_grub_scripts;
extern const Fixer fixer_bls;
extern const Fixer fixer_extlinux;
extern const Fixer fixer_devicemap;
extern const Fixer fixer_getty;
extern const Fixer fixer_inittab;
extern const Fixer fixer_upstart;
extern const Fixer fixer_runit;
extern const Fixer fixer_securetty;
extern const Fixer fixer_net;

/* Every fixer, in the order they run; NULL-terminated. */
extern const Fixer *const fixer_table[];

void fixer_context_done(FixerContext *c);

/**
 * fixer_old_name() - the old device a reference names: "/dev/xvda1",
 * "/dev/disk/by-path/xen-vbd-51712-part1", or a by-id/by-path link the
 * snapshot recorded.
 * Return: 1 and the old kernel name in @ret; 0 when @ref names no old
 * device; -ENOMEM.
 */
int fixer_old_name(const FixerContext *c, const char *ref, char **ret);

/**
 * fixer_rewrite_device() - what @ref becomes.
 * @ref:    the device as the file spells it
 * @type:   the filesystem type the file declares (NULL if it declares none)
 * @where:  "FILE:LINE" for messages
 * @syntax: how the file wants the result spelled
 * @ret:    the new spelling (rewrite pass only)
 *
 * Return: 0 when @ref is not an old device (nothing to do); 1 when it is:
 * in the scan pass the reference is recorded and @ret is NULL, in the
 * rewrite pass @ret holds the new spelling; a negative errno.
 */
int fixer_rewrite_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret);

/**
 * fixer_rewrite_optional_device() - fixer_rewrite_device() for a line the
 * guest boots without (fstab nofail or noauto, crypttab nofail or noauto, a
 * unit with nofail): when nothing maps the device and every file names it so,
 * map_build() warns instead of refusing, and the rewrite pass returns 0 with
 * @ret NULL, so the line stays as it is.
 * Return: as fixer_rewrite_device().
 */
int fixer_rewrite_optional_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret);

/**
 * fixer_rewrite_root_device() - fixer_rewrite_device() for the device fstab
 * mounts on "/": map_build() refuses a mapping that contradicts the
 * filesystem the run migrates. (Not root= on a command line: a boot entry may
 * start another system.)
 * Return: as fixer_rewrite_device().
 */
int fixer_rewrite_root_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret);

/**
 * Line-oriented text helpers for fixers that edit in place: the bytes a
 * fixer does not change must survive exactly (tabs, alignment, a missing
 * final newline).
 */
typedef struct Span {
        size_t start;
        size_t len;
} Span;

/* Split @line (without newline) into whitespace-separated fields; at most @max spans. Returns the count. */
size_t fields_split(const char *line, size_t len, Span *spans, size_t max);

/* A replacement of part of a line; a zero-length span inserts. */
typedef struct SpanEdit {
        Span span;
        const char *text;
} SpanEdit;

/*
 * Append line @l to @out with @edits applied (sorted by start, not
 * overlapping; NULL text keeps the span), and its newline if it had one.
 * Return 0 or -ENOMEM.
 */
int line_emit(Buf *out, const Line *l, const SpanEdit *edits, size_t n);

/*
 * Another present device with the identifier at @offset of @d (offsetof(Device,
 * uuid), …), or NULL: a cloned disk, which no file may name by that identifier.
 */
const Device *fixer_identifier_clash(const FixerContext *c, const Device *d, size_t offset);

/* Whether @s of @p spells @word exactly. */
static inline bool span_equals(const char *p, Span s, const char *word) {
        return s.len == strlen(word) && memcmp(p + s.start, word, s.len) == 0;
}

/* "PATH:LINE", for messages and references. Return 0 or -ENOMEM. */
int fixer_where(char **ret, const char *path, unsigned line);

/*
 * Whether a Xen console (hvc0, xvc0) moves to ttyS0: only for a guest that
 * came from Xen, and only on x86, where hvc0 is not the native console as
 * it is on ppc64 and arm64.
 */
bool fixer_console_moves(const FixerContext *c);

/*
 * The part of a shell assignment's value (bytes @start to @end of @l) that
 * holds its words: inside the quotes, or an unquoted word; a comment may
 * follow. Return 0, or -EBADMSG (logged with @path and the line: an unquoted
 * blank would end the value, and what follows would be a command).
 */
int fixer_shell_value(const char *path, const Line *l, size_t start, size_t end, Span *ret);

/* Canonical paths a fixer has read in this run: a file reached by two names is edited once. */
typedef struct PathSet {
        char **paths;
        size_t n;
} PathSet;

void path_set_done(PathSet *s);

/**
 * fixer_read_once() - read @path (chased in the root) unless this run read
 * its canonical path already.
 * Return: 0 with the canonical path and content, or 0 with NULLs when it is
 * absent, masked (a link to /dev/null) or read already; a negative errno
 * (logged).
 */
int fixer_read_once(FixerContext *c, PathSet *seen, const char *path, char **ret_canonical, char **ret_data,
        size_t *ret_size);

/* fstab's escaping of a field: space, tab, newline and backslash as \ooo octal. Newly allocated or NULL. */
char *fstab_escape(const char *s);
