/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * inittab: the getty that sysvinit or BusyBox init keeps on the Xen
 * console moves to the first serial port, KVM's console.
 *
 *   1:2345:respawn:/sbin/getty 38400 hvc0              Debian (xen-tools)
 *   co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav   CentOS 5 (anaconda)
 *   h0:2345:respawn:/sbin/agetty -8 38400 hvc0 linux   Gentoo
 *   hvc0::respawn:/sbin/getty 38400 hvc0               BusyBox (Alpine)
 *
 * The tty word becomes ttyS0. A speed of 9600 or more is kept: QEMU's
 * emulated UART runs at any rate, so the administrator's choice stands. A
 * lower one, or none, becomes 115200, the rate of console=ttyS0,115200n8.
 * No -L is added: QEMU's UART reports carrier (DCD) from reset, so a getty
 * without it does not wait for one, and /sbin/getty is not always agetty.
 *
 * BusyBox init runs each process on the tty its id names, so there the id
 * moves too; a sysvinit id is a label of at most four characters and stays.
 * When a getty on ttyS0 exists already, the Xen one is commented out
 * rather than doubled. Comments are never touched.
 *
 * The getty command rules below are shared with the upstart and runit
 * fixers (fix-upstart.c).
 */

#include <ctype.h>
#include <stdint.h>

#include "apply.h"
#include "console.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define INITTAB_PATH "/etc/inittab"
#define SERIAL_TTY "ttyS0"
#define SERIAL_SPEED "115200"
#define MIN_SPEED 9600UL

typedef enum GettyKind {
        GETTY_KIND_NONE,
        GETTY_KIND_SERIAL, /* getty, agetty, BusyBox getty: a tty and a speed */
        GETTY_KIND_CONSOLE, /* mingetty, fgetty: a tty only, no speed */
} GettyKind;

/* Short options of agetty and BusyBox getty that take the next word as their value. */
#define SHORT_OPTIONS_WITH_VALUE "aCdfHIloPrt"

/* runit's chpst: the options that take a value. */
#define CHPST_OPTIONS_WITH_VALUE "uUbe/CnlLmdopfcrt"

/* Long options of agetty and mingetty that do. */
static const char *const long_options_with_value[] = {
        "autologin",
        "chdir",
        "chroot",
        "delay",
        "erase-chars",
        "host",
        "init-string",
        "issue-file",
        "kill-chars",
        "login-options",
        "login-program",
        "loginprog",
        "nice",
        "timeout",
};

/* x86 only: hvc0 is also the native console of virtio-console, ppc64 and arm64 guests. */
static bool console_arch(void) {
        bool x86 = true;

#if !defined(__x86_64__) && !defined(__i386__)
        x86 = false;
#endif
        return x86;
}

static bool word_is(const char *p, size_t len, const char *word) {
        return len == strlen(word) && memcmp(p, word, len) == 0;
}

/* The last path component of a word: "/sbin/agetty" → "agetty". */
static bool basename_is(const char *p, size_t len, const char *name) {
        const char *slash = memrchr(p, '/', len);

        if (slash) {
                len -= (size_t) (slash + 1 - p);
                p = slash + 1;
        }
        return word_is(p, len, name);
}

static bool is_word_char(char ch) {
        return isalnum((unsigned char) ch) || ch == '_';
}

/**
 * xen_console_next() - the next whole word "hvc0" or "xvc0" in @p (@len
 * bytes) from *@pos on: "/dev/hvc0", "agetty-hvc0" and "hvc0.conf" name
 * it, "hvc01" does not.
 * Return: true and its span in @ret (*@pos moves past it); false at the end.
 */
bool xen_console_next(const char *p, size_t len, size_t *pos, Span *ret) {
        for (size_t i = *pos; i + 4 <= len; i++) {
                if ((i > 0 && is_word_char(p[i - 1])) || (i + 4 < len && is_word_char(p[i + 4])))
                        continue;
                if (memcmp(p + i, "hvc0", 4) == 0 || memcmp(p + i, "xvc0", 4) == 0) {
                        *ret = (Span){ i, 4 };
                        *pos = i + 4;
                        return true;
                }
        }
        *pos = len;
        return false;
}

/**
 * xen_console_replace() - @p (@len bytes) with every whole word hvc0 or
 * xvc0 replaced by ttyS0: "hvc0.conf" → "ttyS0.conf".
 * @ret_len: its length, for text that may hold NUL bytes (may be NULL)
 * Return: a new NUL-terminated string, or NULL when out of memory.
 */
bool xen_console_named(const char *p, size_t len) {
        size_t pos = 0;
        Span s;

        return xen_console_next(p, len, &pos, &s);
}

char *xen_console_replace(const char *p, size_t len, size_t *ret_len) {
        size_t pos = 0, at = 0;
        Buf b = {};
        Span s;
        int r = 0;

        while (r >= 0 && xen_console_next(p, len, &pos, &s)) {
                r = buf_append(&b, p + at, s.start - at);
                if (r >= 0)
                        r = buf_puts(&b, SERIAL_TTY);
                at = s.start + s.len;
        }
        if (r >= 0)
                r = buf_append(&b, p + at, len - at);
        if (r < 0) {
                buf_done(&b);
                return NULL;
        }
        if (ret_len)
                *ret_len = b.len;
        return buf_steal(&b);
}

static GettyKind getty_kind(const char *p, size_t len) {
        if (basename_is(p, len, "getty") || basename_is(p, len, "agetty"))
                return GETTY_KIND_SERIAL;
        if (basename_is(p, len, "mingetty") || basename_is(p, len, "fgetty"))
                return GETTY_KIND_CONSOLE;
        return GETTY_KIND_NONE;
}

/* How many of the following words option @p takes as its value: 0 or 1. */
static size_t option_values(const char *p, size_t len) {
        if (len > 2 && p[1] == '-') {
                if (memchr(p, '=', len))
                        return 0;
                for (size_t i = 0; i < ELEMENTSOF(long_options_with_value); i++)
                        if (word_is(p + 2, len - 2, long_options_with_value[i]))
                                return 1;
                return 0;
        }
        /* "-8t" takes the next word, "-t60" holds its value itself. */
        for (size_t k = 1; k < len; k++)
                if (p[k] && strchr(SHORT_OPTIONS_WITH_VALUE, p[k]))
                        return k == len - 1 ? 1 : 0;
        return 0;
}

/* agetty's test: digits and commas only ("115200,38400,9600"). */
static bool is_speed(const char *p, size_t len) {
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isdigit((unsigned char) p[i]) && p[i] != ',')
                        return false;
        return true;
}

/* Whether every rate of a speed list is at least MIN_SPEED. */
static bool speed_ok(const char *p, size_t len) {
        unsigned long v = 0;
        bool digits = false;

        for (size_t i = 0; i <= len; i++) {
                if (i == len || p[i] == ',') {
                        if (!digits || v < MIN_SPEED)
                                return false;
                        v = 0;
                        digits = false;
                } else {
                        v = v < 100000000UL ? v * 10 + (unsigned long) (p[i] - '0') : v;
                        digits = true;
                }
        }
        return true;
}

/**
 * getty_command_fix() - the edits that move the getty command on line @l,
 * from byte @start on, from the Xen console to ttyS0.
 * @c:     for warnings in the rewrite pass; NULL for none
 * @where: "FILE:LINE" for warnings
 * @edits: room for two edits, sorted, relative to the start of @l
 *
 * The command may start with "exec", "setsid" and runit's "chpst"; the
 * program is getty, agetty, BusyBox getty, mingetty or fgetty, with their
 * options. The tty word (plain or /dev/) becomes ttyS0, and the speed is
 * made fit for a serial line (see the top of this file).
 *
 * Return: GETTY_XEN with the edits in @edits and their number in @ret_n;
 * GETTY_SERIAL when the getty runs on ttyS0 already; GETTY_OTHER when the
 * command is no getty, or one on another tty; -ENOMEM.
 */
int getty_command_fix(
        FixerContext *c, const char *where, const Line *l, size_t start, SpanEdit *edits, size_t *ret_n) {
        Span w[64], pos[3], dev, prog;
        size_t n, i = 0, n_pos = 0, tty = 0, speed = SIZE_MAX;
        SpanEdit dev_edit, speed_edit = {};
        GettyKind kind;

        *ret_n = 0;
        if (start > l->len)
                return GETTY_OTHER;
        n = fields_split(l->p + start, l->len - start, w, ELEMENTSOF(w));
        for (size_t k = 0; k < n; k++)
                w[k].start += start;

        if (i < n && word_is(l->p + w[i].start, w[i].len, "exec"))
                i++;
        if (i < n && basename_is(l->p + w[i].start, w[i].len, "setsid"))
                for (i++; i < n && l->p[w[i].start] == '-'; i++)
                        ;
        /* runit's chpst, as Debian's getty services use it ("chpst -P getty 38400 tty5 linux"). */
        if (i < n && basename_is(l->p + w[i].start, w[i].len, "chpst"))
                for (i++; i < n && l->p[w[i].start] == '-'; i++)
                        if (w[i].len == 2 && strchr(CHPST_OPTIONS_WITH_VALUE, l->p[w[i].start + 1]))
                                i++;
        if (i < n && basename_is(l->p + w[i].start, w[i].len, "busybox"))
                i++;
        if (i >= n)
                return GETTY_OTHER;
        prog = w[i];
        kind = getty_kind(l->p + prog.start, prog.len);
        if (kind == GETTY_KIND_NONE)
                return GETTY_OTHER;

        for (i++; i < n && n_pos < ELEMENTSOF(pos); i++) {
                const char *p = l->p + w[i].start;

                if (strchr(";|&<>#", *p))
                        break; /* the shell's, not the getty's */
                if (*p == '-' && w[i].len > 1)
                        i += option_values(p, w[i].len);
                else
                        pos[n_pos++] = w[i];
        }
        if (n_pos == 0)
                return GETTY_OTHER;
        /* Like agetty and BusyBox: "tty", "speed tty" or "tty speed", then the terminal type. */
        if (kind == GETTY_KIND_SERIAL && is_speed(l->p + pos[0].start, pos[0].len)) {
                if (n_pos < 2)
                        return GETTY_OTHER;
                speed = 0;
                tty = 1;
        } else if (kind == GETTY_KIND_SERIAL && n_pos >= 2 && is_speed(l->p + pos[1].start, pos[1].len))
                speed = 1;

        dev = pos[tty];
        if (dev.len > 5 && memcmp(l->p + dev.start, "/dev/", 5) == 0) {
                dev.start += 5;
                dev.len -= 5;
        }
        if (word_is(l->p + dev.start, dev.len, SERIAL_TTY))
                return GETTY_SERIAL;
        if (!word_is(l->p + dev.start, dev.len, "hvc0") && !word_is(l->p + dev.start, dev.len, "xvc0"))
                return GETTY_OTHER;

        dev_edit = (SpanEdit){ dev, SERIAL_TTY };
        if (speed != SIZE_MAX) {
                if (!speed_ok(l->p + pos[speed].start, pos[speed].len))
                        speed_edit = (SpanEdit){ pos[speed], SERIAL_SPEED };
        } else if (kind == GETTY_KIND_SERIAL)
                speed_edit = (SpanEdit){ { pos[tty].start + pos[tty].len, 0 }, " " SERIAL_SPEED };

        edits[(*ret_n)++] = speed < tty && speed_edit.text ? speed_edit : dev_edit;
        if (speed_edit.text)
                edits[(*ret_n)++] = speed < tty ? dev_edit : speed_edit;

        if (kind == GETTY_KIND_CONSOLE && c && c->mapping) {
                int r = plan_warn(c->plan,
                        "%s: %.*s sets no line speed; ttyS0 keeps the one the kernel console gave it "
                        "(console=ttyS0,115200n8)",
                        where, (int) prog.len, l->p + prog.start);
                if (r < 0)
                        return r;
        }
        return GETTY_XEN;
}

/* The id, runlevels, action and process fields; false when the line has fewer than three colons. */
static bool entry_split(const Line *l, Span f[4]) {
        size_t at = 0;

        for (size_t k = 0; k < 3; k++) {
                const char *colon = memchr(l->p + at, ':', l->len - at);

                if (!colon)
                        return false;
                f[k] = (Span){ at, (size_t) (colon - l->p) - at };
                at = (size_t) (colon - l->p) + 1;
        }
        f[3] = (Span){ at, l->len - at };
        return true;
}

/* Where the command starts: sysvinit's "+" (no utmp bookkeeping) is not part of it. */
static size_t process_start(const Line *l, const Span f[4]) {
        size_t s = f[3].start;

        while (s < l->len && (l->p[s] == ' ' || l->p[s] == '\t'))
                s++;
        return s < l->len && l->p[s] == '+' ? s + 1 : s;
}

typedef enum InitKind {
        INIT_UNKNOWN,
        INIT_BUSYBOX,
        INIT_OTHER,
} InitKind;

/* Which init reads the file: /sbin/init is a link to busybox where BusyBox is init. */
static InitKind init_kind(int rootfd) {
        _cleanup_(file_content_done) FileContent fc = {};
        _cleanup_free_ char *path = NULL;
        const char *base;

        if (root_chase(rootfd, "/sbin/init", CHASE_NOFOLLOW_LAST, &path) < 0 ||
                read_file_content(rootfd, path, &fc) < 0 || fc.kind == FILE_ABSENT)
                return INIT_UNKNOWN;
        if (fc.kind != FILE_SYMLINK)
                return INIT_OTHER;
        base = strrchr(fc.data, '/');
        return streq(base ? base + 1 : fc.data, "busybox") ? INIT_BUSYBOX : INIT_OTHER;
}

static int inittab_fix_line(FixerContext *c, const char *path, const Line *l, InitKind init,
        bool *serial_exists, Buf *out, bool *changed) {
        _cleanup_free_ char *where = NULL;
        SpanEdit edits[3] = {};
        size_t n = 0;
        Span f[4];
        int r;

        if (line_is_comment_or_blank(l) || !entry_split(l, f) || !xen_console_named(l->p, l->len))
                return line_emit(out, l, NULL, 0);
        if (asprintf(&where, "%s:%u", path, l->number) < 0) {
                where = NULL;
                return -ENOMEM;
        }

        r = getty_command_fix(c, where, l, process_start(l, f), edits + 1, &n);
        if (r < 0)
                return r;
        if (r != GETTY_XEN) {
                r = plan_warn(c->plan,
                        "%s: names the Xen console but runs no getty kvmigrate knows; left alone", where);
                return r < 0 ? r : line_emit(out, l, NULL, 0);
        }

        *changed = true;
        if (*serial_exists) {
                r = plan_warn(c->plan,
                        "%s: a getty on ttyS0 is there already; the one on the Xen console is commented out",
                        where);
                if (r < 0)
                        return r;
                edits[0] = (SpanEdit){ { 0, 0 }, "#" };
                return line_emit(out, l, edits, 1);
        }

        /* BusyBox opens the tty the id names; sysvinit ids are labels of at most four characters. */
        if ((word_is(l->p + f[0].start, f[0].len, "hvc0") || word_is(l->p + f[0].start, f[0].len, "xvc0")) &&
                (init == INIT_BUSYBOX || (init == INIT_UNKNOWN && f[1].len == 0)))
                edits[0] = (SpanEdit){ f[0], SERIAL_TTY };
        *serial_exists = true;
        return line_emit(out, l, edits, n + 1);
}

static int inittab_run(FixerContext *c) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool serial_exists = false, changed = false;
        size_t size, pos = 0;
        InitKind init;
        Buf out = {};
        Line l = {};
        int r;

        /* The scan pass checks the file whatever the guest; from_xen is only known for the rewrite. */
        if (!console_arch() || (c->mapping && !c->from_xen))
                return 0;

        r = root_read_file(c->rootfd, INITTAB_PATH, &path, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", INITTAB_PATH, strerror(-r));

        /* Every entry first: one that names the Xen console must be understood, and ttyS0 may be served. */
        while (line_next(data, size, &pos, &l)) {
                SpanEdit edits[2];
                size_t n;
                Span f[4];

                if (line_is_comment_or_blank(&l))
                        continue;
                if (!entry_split(&l, f)) {
                        if (!xen_console_named(l.p, l.len))
                                continue; /* init skips it, and so does kvmigrate */
                        log_error("%s:%u: not an id:runlevels:action:process entry; refusing to edit %s",
                                path, l.number, path);
                        return -EBADMSG;
                }
                r = getty_command_fix(NULL, NULL, &l, process_start(&l, f), edits, &n);
                if (r < 0)
                        return r;
                if (r == GETTY_SERIAL)
                        serial_exists = true;
        }
        if (!c->mapping)
                return 0;

        init = init_kind(c->rootfd);
        pos = 0;
        l = (Line){};
        while (line_next(data, size, &pos, &l)) {
                r = inittab_fix_line(c, path, &l, init, &serial_exists, &out, &changed);
                if (r < 0)
                        goto finish;
        }
        r = 0;
        if (changed)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "inittab",
                        "the console is ttyS0 under KVM");
finish:
        buf_done(&out);
        return r;
}

const Fixer fixer_inittab = {
        .name = "inittab",
        .run = inittab_run,
};
