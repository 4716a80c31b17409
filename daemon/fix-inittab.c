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
 * The tty word becomes ttyS0, and the getty's speed agrees with the kernel
 * console's, console=ttyS0,115200n8: agetty and BusyBox getty take a list
 * of speeds (the first is used, a BREAK moves to the next), so 115200 goes
 * first and the old rates of 9600 or more stay after it ("38400" becomes
 * "115200,38400"); a missing speed becomes 115200. Which program runs is
 * known by its name (agetty, "busybox getty"), or for "getty" by what the
 * guest has: a link to agetty or busybox, or the file util-linux installs
 * (Debian and Ubuntu before util-linux 2.25 installed agetty as getty).
 * Another getty keeps its speed, with a warning when it is not 115200.
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
#define SERIAL_SPEED_VALUE 115200UL
#define MIN_SPEED 9600UL
/* agetty and BusyBox getty take at most ten speeds. */
#define MAX_SPEEDS 10

/* Where a getty named without a path is looked for. */
static const char *const getty_dirs[] = { "/sbin", "/usr/sbin", "/bin", "/usr/bin" };

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

/* The first rate of the speed list @p (@len bytes, digits and commas), or 0. */
static unsigned long speed_first(const char *p, size_t len) {
        unsigned long v = 0;

        for (size_t i = 0; i < len && p[i] != ','; i++)
                v = v < 100000000UL ? v * 10 + (unsigned long) (p[i] - '0') : v;
        return v;
}

/**
 * speed_list_fix() - the speed list @p (@len bytes) with 115200 first: the
 * old rates of MIN_SPEED or more follow, each once, at most MAX_SPEEDS in all.
 * Return: 1 and the new list in @ret, 0 when @p is that already, -ENOMEM.
 */
static int speed_list_fix(const char *p, size_t len, char **ret) {
        unsigned long seen[MAX_SPEEDS] = { SERIAL_SPEED_VALUE };
        size_t n_seen = 1;
        Buf b = {};
        int r;

        r = buf_puts(&b, SERIAL_SPEED);
        for (size_t i = 0; i < len && r >= 0 && n_seen < MAX_SPEEDS;) {
                size_t end = i;
                bool dup = false;
                unsigned long v;

                while (end < len && p[end] != ',')
                        end++;
                v = speed_first(p + i, end - i);
                for (size_t k = 0; k < n_seen; k++)
                        dup = dup || seen[k] == v;
                if (!dup && end > i && v >= MIN_SPEED) {
                        seen[n_seen++] = v;
                        r = buf_puts(&b, ",");
                        if (r >= 0)
                                r = buf_append(&b, p + i, end - i);
                }
                i = end + 1;
        }
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        if (b.len == len && memcmp(b.data, p, len) == 0) {
                buf_done(&b);
                return 0;
        }
        *ret = buf_steal(&b);
        return 1;
}

/* Whether the package list @list (@size bytes, one path a line) names @path. */
static bool list_names(const char *list, size_t size, const char *path) {
        size_t pos = 0;
        Line l = {};

        while (line_next(list, size, &pos, &l))
                if (word_is(l.p, l.len, path))
                        return true;
        return false;
}

/* Whether the getty at @path (as the command names it, and canonical @canonical) is util-linux's. */
static bool getty_from_util_linux(int rootfd, const char *path, const char *canonical) {
        _cleanup_free_ char *list = NULL;
        size_t size;

        if (root_read_file(rootfd, "/var/lib/dpkg/info/util-linux.list", NULL, &list, &size) < 0)
                return false;
        return list_names(list, size, path) || list_names(list, size, canonical);
}

/*
 * Whether the getty program @p (@len bytes) takes a list of speeds: agetty,
 * BusyBox's getty (@busybox: run as "busybox getty"), or a "getty" that the
 * guest's root shows is one of them. Unknown without a root (@c NULL).
 */
static bool getty_takes_list(const FixerContext *c, const char *p, size_t len, bool busybox) {
        _cleanup_free_ char *prog = NULL;

        if (busybox || basename_is(p, len, "agetty"))
                return true;
        if (!c || !basename_is(p, len, "getty"))
                return false;
        prog = strndup(p, len);
        if (!prog)
                return false;

        for (size_t i = 0; i < (prog[0] == '/' ? 1 : ELEMENTSOF(getty_dirs)); i++) {
                _cleanup_free_ char *path = NULL, *canonical = NULL;
                const char *base;

                path = prog[0] == '/' ? strdup(prog) : path_join(getty_dirs[i], prog);
                if (!path || root_chase(c->rootfd, path, 0, &canonical) < 0 ||
                        root_entry_type(c->rootfd, canonical) != S_IFREG)
                        continue;
                base = strrchr(canonical, '/') + 1;
                return streq(base, "agetty") || streq(base, "busybox") ||
                        getty_from_util_linux(c->rootfd, path, canonical);
        }
        return false;
}

/**
 * getty_command_fix() - the edits that move the getty command on line @l,
 * from byte @start on, from the Xen console to ttyS0.
 * @c:     the root, to tell which getty runs, and the plan for warnings in
 *         the rewrite pass; NULL for neither
 * @where: "FILE:LINE" for warnings; NULL for none (a line that is not kept)
 * @edits: room for two edits, sorted, relative to the start of @l
 * @ret_speed: what a speed edit's text points at, to be freed after the
 *         edits are used (NULL when there is none)
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
static int getty_fix(FixerContext *c, const char *where, const Line *l, size_t start, bool instance,
        SpanEdit *edits, size_t *ret_n, char **ret_speed) {
        _cleanup_free_ char *new_speed = NULL;
        Span w[64], pos[3], dev, prog;
        size_t n, i = 0, n_pos = 0, tty = 0, speed = SIZE_MAX;
        SpanEdit dev_edit, speed_edit = {};
        bool busybox = false, list;
        GettyKind kind;
        int r;

        *ret_n = 0;
        *ret_speed = NULL;
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
        if (i < n && basename_is(l->p + w[i].start, w[i].len, "busybox")) {
                busybox = true;
                i++;
        }
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
        if (instance)
                ; /* the unit's tty, which the unit's name gives: only the speed is this line's */
        else if (word_is(l->p + dev.start, dev.len, SERIAL_TTY))
                return GETTY_SERIAL;
        else if (!word_is(l->p + dev.start, dev.len, "hvc0") && !word_is(l->p + dev.start, dev.len, "xvc0"))
                return GETTY_OTHER;

        dev_edit = (SpanEdit){ dev, SERIAL_TTY };
        list = kind == GETTY_KIND_SERIAL && getty_takes_list(c, l->p + prog.start, prog.len, busybox);
        if (speed != SIZE_MAX && list) {
                r = speed_list_fix(l->p + pos[speed].start, pos[speed].len, &new_speed);
                if (r < 0)
                        return r;
                if (r > 0)
                        speed_edit = (SpanEdit){ pos[speed], new_speed };
        } else if (list)
                speed_edit = (SpanEdit){ { pos[tty].start + pos[tty].len, 0 }, " " SERIAL_SPEED };

        r = 0;
        if (!c || !c->mapping || !where)
                ;
        else if (speed != SIZE_MAX && !list &&
                speed_first(l->p + pos[speed].start, pos[speed].len) != SERIAL_SPEED_VALUE)
                r = plan_warn(c->plan,
                        "%s: %.*s is not known to be agetty or BusyBox getty, so its speed %.*s is "
                        "left as it is; the kernel console runs at 115200 (console=ttyS0,115200n8)",
                        where, (int) prog.len, l->p + prog.start, (int) pos[speed].len,
                        l->p + pos[speed].start);
        else if (speed == SIZE_MAX && !list && kind == GETTY_KIND_SERIAL)
                r = plan_warn(c->plan,
                        "%s: %.*s is not known to be agetty or BusyBox getty, so no speed is added; "
                        "the kernel console runs at 115200 (console=ttyS0,115200n8)",
                        where, (int) prog.len, l->p + prog.start);
        else if (kind == GETTY_KIND_CONSOLE)
                r = plan_warn(c->plan,
                        "%s: %.*s sets no line speed; ttyS0 keeps the one the kernel console gave it "
                        "(console=ttyS0,115200n8)",
                        where, (int) prog.len, l->p + prog.start);
        if (r < 0)
                return r;

        *ret_speed = TAKE_PTR(new_speed); /* what the speed edit points at */
        if (instance) {
                if (speed_edit.text && speed != SIZE_MAX)
                        edits[(*ret_n)++] = speed_edit;
                return GETTY_XEN;
        }
        edits[(*ret_n)++] = speed < tty && speed_edit.text ? speed_edit : dev_edit;
        if (speed_edit.text)
                edits[(*ret_n)++] = speed < tty ? dev_edit : speed_edit;
        return GETTY_XEN;
}

int getty_command_fix(FixerContext *c, const char *where, const Line *l, size_t start, SpanEdit *edits,
        size_t *ret_n, char **ret_speed) {
        return getty_fix(c, where, l, start, false, edits, ret_n, ret_speed);
}

/**
 * getty_instance_speed_fix() - the speed edit of the getty command on line
 * @l, from byte @start on, of a unit whose tty its instance name gives (a
 * drop-in's ExecStart= of serial-getty@ttyS0.service): the tty word stays,
 * the speed becomes as getty_command_fix() makes it.
 * @edit: room for one edit; *@ret_n is 0 or 1
 * Return: GETTY_XEN when the command is a getty, else GETTY_OTHER; -ENOMEM.
 */
int getty_instance_speed_fix(FixerContext *c, const char *where, const Line *l, size_t start, SpanEdit *edit,
        size_t *ret_n, char **ret_speed) {
        return getty_fix(c, where, l, start, true, edit, ret_n, ret_speed);
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

/*
 * @serial_before: the original file runs a getty on ttyS0
 * @serial_made:   the line number of the Xen getty this run moved to ttyS0, or 0
 */
static int inittab_fix_line(FixerContext *c, const char *path, const Line *l, InitKind init,
        bool serial_before, unsigned *serial_made, Buf *out, bool *changed) {
        _cleanup_free_ char *where = NULL;
        _cleanup_free_ char *speed = NULL;
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

        /* A getty that is commented out gets no word about its speed. */
        r = getty_command_fix(c, serial_before || *serial_made > 0 ? NULL : where, l, process_start(l, f),
                edits + 1, &n, &speed);
        if (r < 0)
                return r;
        if (r != GETTY_XEN) {
                r = plan_warn(c->plan,
                        "%s: names the Xen console but runs no getty kvmigrate knows; left alone", where);
                return r < 0 ? r : line_emit(out, l, NULL, 0);
        }

        *changed = true;
        if (serial_before || *serial_made > 0) {
                /* A fact about the guest's file, or about this run's edit: never the one for the other. */
                if (serial_before)
                        r = plan_warn(c->plan,
                                "%s: a getty on ttyS0 is there already; the one on the Xen console is "
                                "commented out",
                                where);
                else
                        r = plan_warn(c->plan,
                                "%s: a second getty on the Xen console; commented out, since line %u runs "
                                "the getty on ttyS0 now",
                                where, *serial_made);
                if (r < 0)
                        return r;
                edits[0] = (SpanEdit){ { 0, 0 }, "#" };
                return line_emit(out, l, edits, 1);
        }

        /* BusyBox opens the tty the id names; sysvinit ids are labels of at most four characters. */
        if ((word_is(l->p + f[0].start, f[0].len, "hvc0") || word_is(l->p + f[0].start, f[0].len, "xvc0")) &&
                (init == INIT_BUSYBOX || (init == INIT_UNKNOWN && f[1].len == 0)))
                edits[0] = (SpanEdit){ f[0], SERIAL_TTY };
        *serial_made = l->number;
        return line_emit(out, l, edits, n + 1);
}

static int inittab_run(FixerContext *c) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool serial_exists = false, changed = false;
        unsigned serial_made = 0;
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
                _cleanup_free_ char *speed = NULL;
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
                r = getty_command_fix(NULL, NULL, &l, process_start(&l, f), edits, &n, &speed);
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
                r = inittab_fix_line(c, path, &l, init, serial_exists, &serial_made, &out, &changed);
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
