/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bls: Boot Loader Specification entries (*.conf in /boot/loader/entries, and
 * the same folder on an ESP at /boot/efi or /efi for systemd-boot), the
 * GRUB environment block that holds their "$kernelopts", and
 * /etc/kernel/cmdline, from which kernel-install writes the options of the
 * next entries.
 *
 * An entry's "options" lines are kernel command lines; the kernel boots
 * with an initramfs when the entry has an "initrd" line. GRUB variables in
 * them ($tuned_params, $kernelopts) are not arguments and are left as they
 * are.
 *
 * RHEL 8 and Fedora up to 32 write "options $kernelopts" and keep the real
 * command line in the grubenv: /boot/grub2/grubenv (on EFI a link to the
 * one in /boot/efi/EFI/<vendor>/), a block of exactly 1024 bytes: the
 * header line, "key=value" lines, then '#' up to the end. GRUB's save_env
 * writes the block in place over the sectors it occupies, so it must keep
 * its size: kernelopts= is rewritten and the padding shortened or
 * lengthened to match, and a command line that would not fit is refused.
 *
 * /etc/kernel/cmdline is taken as booting with an initramfs: kernel-install
 * has one built (dracut, mkinitcpio or initramfs-tools plugins) for every
 * kernel it installs, and the entries it writes carry its initrd line.
 */

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define GRUBENV_PATH "/boot/grub2/grubenv"
#define GRUBENV_EFI_DIR "/boot/efi/EFI"
#define GRUBENV_HEADER "# GRUB Environment Block\n"
#define KERNELOPTS_KEY "kernelopts="
#define KERNEL_CMDLINE_PATH "/etc/kernel/cmdline"

static const char *const entry_dirs[] = {
        "/boot/loader/entries",
        "/boot/efi/loader/entries",
        "/efi/loader/entries",
};

typedef struct BlsRun {
        PathSet seen;
        bool kernelopts_used; /* some entry says "options … $kernelopts …" */
        bool kernelopts_initramfs; /* and every such entry has an initrd */
} BlsRun;

static void bls_run_done(BlsRun *b) {
        path_set_done(&b->seen);
}

/* The part of line @l after its first word and the blanks that follow, without a trailing '\r'. */
static Span line_rest(const Line *l, Span key) {
        size_t start = key.start + key.len, end = l->len;

        while (start < end && is_blank(l->p[start]))
                start++;
        while (end > start && l->p[end - 1] == '\r')
                end--;
        return (Span){ start, end - start };
}

/* Whether the arguments @args name the GRUB variable kernelopts as a word of their own. */
static bool uses_kernelopts(const char *args, size_t len) {
        for (size_t i = 0; i < len;) {
                Span w;

                while (i < len && is_blank(args[i]))
                        i++;
                w.start = i;
                while (i < len && !is_blank(args[i]))
                        i++;
                w.len = i - w.start;
                if (span_equals(args, w, "$kernelopts") || span_equals(args, w, "${kernelopts}"))
                        return true;
        }
        return false;
}

/* One BLS entry: its "options" lines. */
static int bls_fix_entry(FixerContext *c, BlsRun *b, const char *file) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool has_initrd = false, changed = false;
        size_t size, pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        r = fixer_read_once(c, &b->seen, file, &path, &data, &size);
        if (r < 0 || !data)
                return r;

        /* The keys come in any order: look for the initrd first. */
        while (line_next(data, size, &pos, &l)) {
                Span key;

                if (!line_is_comment_or_blank(&l) && fields_split(l.p, l.len, &key, 1) == 1 &&
                        span_equals(l.p, key, "initrd"))
                        has_initrd = true;
        }

        pos = 0;
        l = (Line){};
        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *args = NULL;
                SpanEdit edit = {};
                Span key, rest;

                if (line_is_comment_or_blank(&l) || fields_split(l.p, l.len, &key, 1) != 1 ||
                        !span_equals(l.p, key, "options")) {
                        r = buf_append(&out, l.p, l.len + l.newline);
                        if (r < 0)
                                goto finish;
                        continue;
                }

                rest = line_rest(&l, key);
                if (uses_kernelopts(l.p + rest.start, rest.len)) {
                        b->kernelopts_used = true;
                        if (!has_initrd)
                                b->kernelopts_initramfs = false;
                }
                r = fixer_where(&where, path, l.number);
                if (r < 0)
                        goto finish;
                r = cmdline_rewrite(c, l.p + rest.start, rest.len, where, has_initrd, &args);
                if (r < 0)
                        goto finish;
                if (args) {
                        edit = (SpanEdit){ rest, args };
                        changed = true;
                }
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "bls",
                        "kernel command line of a boot entry");
finish:
        buf_done(&out);
        return r;
}

/* GRUB's escaping in the environment block: a backslash takes the next byte literally. */
static char *env_unescape(const char *p, size_t len) {
        Buf b = {};

        for (size_t i = 0; i < len; i++) {
                if (p[i] == '\\' && i + 1 < len)
                        i++;
                if (buf_append(&b, p + i, 1) < 0) {
                        buf_done(&b);
                        return NULL;
                }
        }
        if (buf_append(&b, "", 0) < 0) {
                buf_done(&b);
                return NULL;
        }
        return buf_steal(&b);
}

/* What grub-editenv writes: backslash and newline get a backslash before them. */
static int env_escape(Buf *out, const char *s) {
        for (; *s; s++) {
                int r = (*s == '\\' || *s == '\n') ? buf_printf(out, "\\%c", *s) : buf_append(out, s, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The end of the variable that starts at @p: the first newline no backslash escapes, or @end. */
static const char *env_line_end(const char *p, const char *end) {
        for (; p < end; p++) {
                if (*p == '\\' && p + 1 < end)
                        p++;
                else if (*p == '\n')
                        break;
        }
        return p;
}

static int grubenv_fix(FixerContext *c, BlsRun *b, const char *file, bool initramfs) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        const char *p, *end, *used_end;
        size_t size, header_len = strlen(GRUBENV_HEADER);
        unsigned number = 1;
        bool changed = false;
        Buf out = {};
        int r;

        r = fixer_read_once(c, &b->seen, file, &path, &data, &size);
        if (r < 0 || !data)
                return r;

        if (size < header_len || memcmp(data, GRUBENV_HEADER, header_len) != 0) {
                log_error("%s:1: not a GRUB environment block (no \"# GRUB Environment Block\" header); "
                          "refusing to touch it",
                        path);
                return -EBADMSG;
        }
        /* Everything after the last newline is the padding, and GRUB's padding is '#'. */
        end = data + size;
        used_end = (const char *) memrchr(data, '\n', size) + 1;
        for (p = used_end; p < end; p++)
                if (*p != '#') {
                        log_error("%s: the block does not end in '#' padding; refusing to touch it", path);
                        return -EBADMSG;
                }

        r = buf_append(&out, data, header_len);
        for (p = data + header_len; r >= 0 && p < used_end;) {
                _cleanup_free_ char *where = NULL, *value = NULL, *args = NULL;
                const char *line_end = env_line_end(p, used_end);
                const char *v = p + strlen(KERNELOPTS_KEY);
                size_t len = (size_t) (line_end - p);
                unsigned first = ++number;

                if (line_end == used_end) {
                        log_error("%s:%u: an escaped newline runs into the padding; refusing to touch it",
                                path, first);
                        r = -EBADMSG;
                        break;
                }
                /* An escaped newline inside a value still starts a line for people reading the file. */
                for (const char *q = p; q < line_end; q++)
                        number += *q == '\n';

                /* Other variables, and '#' lines (which GRUB skips), stay as they are. */
                if (len < strlen(KERNELOPTS_KEY) || memcmp(p, KERNELOPTS_KEY, strlen(KERNELOPTS_KEY)) != 0) {
                        r = buf_append(&out, p, len + 1);
                        p = line_end + 1;
                        continue;
                }
                r = fixer_where(&where, path, first);
                if (r < 0)
                        break;
                value = env_unescape(v, (size_t) (line_end - v));
                if (!value) {
                        r = -ENOMEM;
                        break;
                }
                r = cmdline_rewrite(c, value, strlen(value), where, initramfs, &args);
                if (r < 0)
                        break;
                if (args) {
                        changed = true;
                        r = buf_puts(&out, KERNELOPTS_KEY);
                        if (r >= 0)
                                r = env_escape(&out, args);
                        if (r >= 0)
                                r = buf_append(&out, "\n", 1);
                } else
                        r = buf_append(&out, p, len + 1);
                p = line_end + 1;
        }
        if (r < 0)
                goto finish;

        if (out.len > size) {
                log_error("%s: the new kernelopts= needs %zu bytes more than the %zu the environment "
                          "block holds; refusing to grow it (GRUB rewrites it in place)",
                        path, out.len - size, size);
                r = -ENOSPC;
                goto finish;
        }
        while (r >= 0 && out.len < size)
                r = buf_append(&out, "#", 1);
        if (r >= 0 && changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, out.data, out.len, "bls",
                        "kernelopts in the GRUB environment block");
finish:
        buf_done(&out);
        return r;
}

static int grubenv_fix_all(FixerContext *c, BlsRun *b) {
        _cleanup_(strv_freep) char **vendors = NULL;
        bool initramfs;
        int r;

        /* Entries that use $kernelopts say whether their kernels have an initramfs; else /boot does. */
        initramfs = b->kernelopts_used ? b->kernelopts_initramfs : boot_has_initramfs(c->rootfd);

        r = grubenv_fix(c, b, GRUBENV_PATH, initramfs);
        if (r < 0)
                return r;

        r = root_list_dir(c->rootfd, GRUBENV_EFI_DIR, true, &vendors);
        if (r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", GRUBENV_EFI_DIR, strerror(-r));
        for (char **v = vendors; *v; v++) {
                _cleanup_free_ char *file = NULL;

                if (asprintf(&file, "%s/%s/grubenv", GRUBENV_EFI_DIR, *v) < 0) {
                        file = NULL;
                        return -ENOMEM;
                }
                r = grubenv_fix(c, b, file, initramfs);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* /etc/kernel/cmdline: the arguments on its lines ('#' lines are comments to kernel-install). */
static int kernel_cmdline_fix(FixerContext *c, BlsRun *b) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool changed = false;
        size_t size, pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        r = fixer_read_once(c, &b->seen, KERNEL_CMDLINE_PATH, &path, &data, &size);
        if (r < 0 || !data)
                return r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *args = NULL;
                SpanEdit edit = {};
                size_t len = l.len;

                if (!line_is_comment_or_blank(&l)) {
                        while (len > 0 && l.p[len - 1] == '\r')
                                len--;
                        r = fixer_where(&where, path, l.number);
                        if (r >= 0)
                                r = cmdline_rewrite(c, l.p, len, where, true, &args);
                        if (r < 0)
                                goto finish;
                        if (args) {
                                edit = (SpanEdit){ { 0, len }, args };
                                changed = true;
                        }
                }
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "bls",
                        "kernel command line for kernel-install");
finish:
        buf_done(&out);
        return r;
}

static bool is_conf(const char *name) {
        size_t n = strlen(name);

        return n > strlen(".conf") && streq(name + n - strlen(".conf"), ".conf") && name[0] != '.';
}

static int bls_run(FixerContext *c) {
        _cleanup_(bls_run_done) BlsRun b = { .kernelopts_initramfs = true };
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(entry_dirs) && r >= 0; i++) {
                _cleanup_(strv_freep) char **names = NULL;

                r = root_list_dir(c->rootfd, entry_dirs[i], true, &names);
                if (r == -ENOTDIR) {
                        r = 0;
                        continue;
                }
                if (r < 0) {
                        r = log_error_errno(r, "%s: cannot list: %s", entry_dirs[i], strerror(-r));
                        break;
                }
                for (char **n = names; *n && r >= 0; n++) {
                        _cleanup_free_ char *file = NULL;

                        if (!is_conf(*n))
                                continue;
                        if (asprintf(&file, "%s/%s", entry_dirs[i], *n) < 0) {
                                file = NULL;
                                r = -ENOMEM;
                                break;
                        }
                        r = bls_fix_entry(c, &b, file);
                }
        }
        if (r >= 0)
                r = grubenv_fix_all(c, &b);
        if (r >= 0)
                r = kernel_cmdline_fix(c, &b);
        return r;
}

const Fixer fixer_bls = {
        .name = "bls",
        .run = bls_run,
};
