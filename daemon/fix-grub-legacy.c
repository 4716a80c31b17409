/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * grub-legacy: the menu of GRUB 0.97, /boot/grub/menu.lst (Debian, Ubuntu,
 * Arch, Gentoo; what PV-GRUB and pygrub read on Xen) or
 * /boot/grub/grub.conf (Red Hat, where menu.lst and /etc/grub.conf are
 * links to it). One file reached by several names is edited once, at its
 * target.
 *
 * A "kernel" line's arguments are a kernel command line. Its stanza (from
 * one "title" to the next) boots with an initramfs when it has an "initrd"
 * line. A stanza with "module" lines, or whose kernel is xen*.gz, boots the
 * Xen hypervisor with a dom0 kernel: that is not this guest's, and it stays
 * as it is.
 *
 * Debian's update-grub rebuilds its stanzas at every kernel upgrade from
 * the "magic" comments "# kopt=", "# kopt_2_6_32=" (one kernel version),
 * "# defoptions=" and "# altoptions=(title suffix) args". Their values are
 * command lines too: they stay comments and change with the kernel lines,
 * or the next upgrade undoes the migration. "# xenkopt=" and "# xenhopt="
 * only feed dom0 stanzas and stay; "# groot=" is a GRUB device.
 *
 * GRUB devices are not rewritten. "(hd0,0)" means the first BIOS disk,
 * which is the disk KVM boots from, for PV-GRUB and for a GRUB in the MBR
 * alike. "(xen/xvda…)" is how GRUB built for Xen names a disk; GRUB under
 * KVM has no such device, and which (hdN) the disk became depends on the
 * order of the controllers, which nothing here can see. Such a line is left
 * alone and named in the plan's warnings, for a person to check.
 */

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define FIXER_NAME "grub-legacy"

static const char *const menu_paths[] = {
        "/boot/grub/menu.lst",
        "/boot/grub/grub.conf",
        "/etc/grub.conf",
};

typedef struct Stanza {
        bool has_initrd;
        bool dom0; /* Xen hypervisor + dom0 kernel: not ours */
} Stanza;

/* The end of @l without trailing blanks and the '\r' of a CRLF file. */
static size_t content_end(const Line *l) {
        size_t end = l->len;

        while (end > 0 && (l->p[end - 1] == '\r' || is_blank(l->p[end - 1])))
                end--;
        return end;
}

/*
 * A command line of the menu: its name and its arguments. GRUB separates
 * the name from the arguments by blanks or '=' ("timeout=5" is "timeout
 * 5"). False for blank lines and comments.
 */
static bool parse_command(const Line *l, Span *ret_name, Span *ret_args) {
        size_t i = 0, end = content_end(l);

        while (i < end && is_blank(l->p[i]))
                i++;
        if (i == end || l->p[i] == '#')
                return false;
        ret_name->start = i;
        while (i < end && !is_blank(l->p[i]) && l->p[i] != '=')
                i++;
        ret_name->len = i - ret_name->start;
        while (i < end && (is_blank(l->p[i]) || l->p[i] == '='))
                i++;
        *ret_args = (Span){ i, end - i };
        return true;
}

/* The word that starts at @i of @l, up to @end. */
static Span word_at(const Line *l, size_t i, size_t end) {
        Span w = { .start = i };

        while (i < end && !is_blank(l->p[i]))
                i++;
        w.len = i - w.start;
        return w;
}

/*
 * The kernel of a "kernel [--type=T] [--no-mem-option] FILE ARGS…" line.
 * Return: true and the file's span, or false when the line names none.
 */
static bool kernel_file(const Line *l, Span args, Span *ret) {
        size_t i = args.start, end = args.start + args.len;

        for (;;) {
                Span w;

                while (i < end && is_blank(l->p[i]))
                        i++;
                if (i == end)
                        return false;
                w = word_at(l, i, end);
                if (w.len < 2 || l->p[w.start] != '-' || l->p[w.start + 1] != '-') {
                        *ret = w;
                        return true;
                }
                i = w.start + w.len;
        }
}

/* "xen.gz", "xen.gz-2.6.18-419.el5", "xen-4.1-amd64.gz": the hypervisor, not a Linux kernel. */
static bool is_hypervisor(const Line *l, Span file) {
        size_t base = file.start;

        for (size_t i = file.start; i < file.start + file.len; i++)
                if (l->p[i] == '/' || l->p[i] == ')')
                        base = i + 1;
        return file.start + file.len - base >= 3 && memcmp(l->p + base, "xen", 3) == 0 &&
                memmem(l->p + base, file.start + file.len - base, ".gz", 3);
}

/* What the stanza that starts at @pos holds, up to the next "title" line. */
static Stanza stanza_scan(const char *data, size_t size, size_t pos) {
        Stanza s = {};
        Line l = {};

        while (line_next(data, size, &pos, &l)) {
                Span name, args, file;

                if (!parse_command(&l, &name, &args))
                        continue;
                if (span_equals(l.p, name, "title"))
                        break;
                if (span_equals(l.p, name, "initrd"))
                        s.has_initrd = true;
                else if (span_equals(l.p, name, "module") || span_equals(l.p, name, "modulenounzip"))
                        s.dom0 = true;
                else if (span_equals(l.p, name, "kernel") && kernel_file(&l, args, &file) &&
                        is_hypervisor(&l, file))
                        s.dom0 = true;
        }
        return s;
}

/*
 * update-grub's magic comment: "# KEY=VALUE" from the first column on
 * (what its "sed -n 's/^# KEY=\(.*\)/\1/p'" reads).
 */
static bool magic_comment(const Line *l, Span *ret_key, Span *ret_value) {
        size_t i = 2, end = content_end(l);

        if (end < 2 || l->p[0] != '#' || l->p[1] != ' ')
                return false;
        while (i < end &&
                (l->p[i] == '_' || (l->p[i] >= 'a' && l->p[i] <= 'z') ||
                        (l->p[i] >= 'A' && l->p[i] <= 'Z') || (l->p[i] >= '0' && l->p[i] <= '9')))
                i++;
        if (i == 2 || i == end || l->p[i] != '=')
                return false;
        *ret_key = (Span){ 2, i - 2 };
        *ret_value = (Span){ i + 1, end - i - 1 };
        return true;
}

/*
 * The part of a magic comment's value that is a command line, or false
 * when the key holds none of this guest's (xenkopt, xenhopt, groot, …).
 */
static bool magic_cmdline(const Line *l, Span key, Span value, Span *ret) {
        size_t i = value.start, end = value.start + value.len;

        if (span_equals(l->p, key, "kopt") || span_equals(l->p, key, "defoptions") ||
                (key.len > strlen("kopt_") && memcmp(l->p + key.start, "kopt_", strlen("kopt_")) == 0)) {
                *ret = value;
                return true;
        }
        if (!span_equals(l->p, key, "altoptions"))
                return false;
        /* "(recovery mode) single": the part in parentheses goes into the title. */
        if (i == end || l->p[i] != '(')
                return false;
        while (i < end && l->p[i] != ')')
                i++;
        if (i == end)
                return false;
        i++;
        while (i < end && is_blank(l->p[i]))
                i++;
        *ret = (Span){ i, end - i };
        return true;
}

/*
 * Rewrite the command line @args of @l. When every argument goes, the
 * blanks before them go too (from @blank_from), so no line ends in a blank
 * it did not have.
 */
static int rewrite_args(FixerContext *c, const Line *l, Span args, size_t blank_from, const char *where,
        bool initramfs, SpanEdit *edit, char **ret_text) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = cmdline_rewrite(c, l->p + args.start, args.len, where, initramfs, &text);
        if (r < 0 || !text)
                return r < 0 ? r : 0;
        if (isempty(text))
                args = (Span){ blank_from, args.start + args.len - blank_from };
        *edit = (SpanEdit){ args, text };
        *ret_text = TAKE_PTR(text);
        return 1;
}

/* A line that names a GRUB-on-Xen disk: reported, not rewritten (see the top of this file). */
static int warn_xen_device(FixerContext *c, const char *path, const Line *l) {
        const char *dev = memmem(l->p, l->len, "(xen/", strlen("(xen/"));
        size_t len;

        if (!dev || !c->mapping)
                return 0;
        len = strcspn(dev, ")\n");
        return plan_warn(c->plan,
                "%s:%u: %.*s) is a disk of GRUB built for Xen, which GRUB under KVM does not have "
                "(the boot disk is (hd0) there); left as it is: check this line by hand",
                path, l->number, (int) len, dev);
}

static int menu_fix_file(FixerContext *c, const char *path, const char *data, size_t size) {
        bool changed = false, boot_initramfs = boot_has_initramfs(c->rootfd);
        Stanza stanza = stanza_scan(data, size, 0);
        size_t pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *text = NULL;
                Span name, args, key, file;
                SpanEdit edit = {};

                if (magic_comment(&l, &key, &args)) {
                        Span value = args;

                        if (span_equals(l.p, key, "groot")) {
                                r = warn_xen_device(c, path, &l);
                                if (r < 0)
                                        goto finish;
                        }
                        if (!magic_cmdline(&l, key, value, &args))
                                goto emit;
                        r = fixer_where(&where, path, l.number);
                        if (r >= 0)
                                r = rewrite_args(
                                        c, &l, args, args.start, where, boot_initramfs, &edit, &text);
                        if (r < 0)
                                goto finish;
                        goto emit;
                }
                if (!parse_command(&l, &name, &args))
                        goto emit;
                if (span_equals(l.p, name, "title")) {
                        stanza = stanza_scan(data, size, pos);
                        goto emit;
                }
                if (stanza.dom0)
                        goto emit;
                r = warn_xen_device(c, path, &l);
                if (r < 0)
                        goto finish;
                if (!span_equals(l.p, name, "kernel"))
                        goto emit;

                if (!kernel_file(&l, args, &file)) {
                        log_error("%s:%u: a kernel line without a kernel; refusing to rewrite %s", path,
                                l.number, path);
                        r = -EBADMSG;
                        goto finish;
                }
                args = (Span){ file.start + file.len, args.start + args.len - file.start - file.len };
                while (args.len > 0 && is_blank(l.p[args.start])) {
                        args.start++;
                        args.len--;
                }
                r = fixer_where(&where, path, l.number);
                if (r >= 0)
                        r = rewrite_args(
                                c, &l, args, file.start + file.len, where, stanza.has_initrd, &edit, &text);
                if (r < 0)
                        goto finish;
        emit:
                if (edit.text)
                        changed = true;
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, FIXER_NAME,
                        "kernel command lines (and update-grub's kopt comments)");
finish:
        buf_done(&out);
        return r;
}

static int grub_legacy_run(FixerContext *c) {
        /* menu.lst, grub.conf and /etc/grub.conf are often one file under three names. */
        _cleanup_(path_set_done) PathSet seen = {};

        for (size_t i = 0; i < ELEMENTSOF(menu_paths); i++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size;
                int r;

                r = fixer_read_once(c, &seen, menu_paths[i], &path, &data, &size);
                if (r >= 0 && data)
                        r = menu_fix_file(c, path, data, size);
                if (r < 0)
                        return r;
        }
        return 0;
}

const Fixer fixer_grub_legacy = {
        .name = FIXER_NAME,
        .run = grub_legacy_run,
};
