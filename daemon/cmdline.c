/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stddef.h>

#include "cmdline.h"
#include "root.h"
#include "util.h"

#define SERIAL_CONSOLE "console=ttyS0,115200n8"

/* The next argument of @s from *@pos: blanks separate, double quotes group (root="a b"). */
static bool next_token(const char *s, size_t len, size_t *pos, Span *ret) {
        size_t i = *pos;
        bool quoted = false;

        while (i < len && (s[i] == ' ' || s[i] == '\t'))
                i++;
        if (i >= len)
                return false;
        ret->start = i;
        for (; i < len; i++) {
                if (s[i] == '"')
                        quoted = !quoted;
                else if (!quoted && (s[i] == ' ' || s[i] == '\t'))
                        break;
        }
        ret->len = i - ret->start;
        *pos = i;
        return true;
}

static bool is_xen_console(const char *value, size_t len) {
        /* console=hvc0 or console=hvc0,OPTIONS; likewise the very old xvc0 */
        for (const char *const *c = (const char *const[]){ "hvc0", "xvc0", NULL }; *c; c++) {
                size_t l = strlen(*c);
                if (len >= l && strncmp(value, *c, l) == 0 && (len == l || value[l] == ','))
                        return true;
        }
        return false;
}

bool cmdline_has_arg(const char *s, size_t len, const char *prefix) {
        size_t pos = 0;
        Span t;

        while (next_token(s, len, &pos, &t))
                if (t.len >= strlen(prefix) && strncmp(s + t.start, prefix, strlen(prefix)) == 0)
                        return true;
        return false;
}

/*
 * The device spelling for root= or resume=. With an initramfs, what the
 * fixers write everywhere (UUID=…); without one the kernel itself must find
 * the device, and it only knows PARTUUID= and plain names.
 */
static int device_arg(
        FixerContext *c, const char *key, const char *value, const char *where, bool initramfs, char **ret) {
        _cleanup_free_ char *spelled = NULL, *name = NULL;
        const MapEntry *e;
        int r;

        *ret = NULL;
        r = fixer_rewrite_device(c, value, NULL, where, SYNTAX_KERNEL, &spelled);
        if (r <= 0 || !spelled)
                return r;
        if (initramfs || c->form == REWRITE_NAME) {
                r = asprintf(ret, "%s=%s", key, spelled);
                return r < 0 ? -ENOMEM : 1;
        }

        r = fixer_old_name(c, value, &name);
        if (r <= 0)
                return r < 0 ? r : -ENXIO;
        e = mapping_find(c->mapping, name);
        if (!e)
                return -ENXIO;
        if (e->new->partition && e->new->partuuid) {
                /* The kernel takes the first partition it finds with it: it must be the only one. */
                const Device *clone = fixer_identifier_clash(c, e->new, offsetof(Device, partuuid));
                if (clone) {
                        log_error("%s: PARTUUID %s of %s is also on %s (a cloned disk?); refusing to guess",
                                where, e->new->partuuid, e->new->name, clone->name);
                        return -ENXIO;
                }
                r = asprintf(ret, "%s=PARTUUID=%s", key, e->new->partuuid);
        } else {
                r = plan_warn(c->plan,
                        "%s: %s=/dev/%s: a kernel without an initramfs cannot find %s by UUID, and sd names "
                        "may change from one boot to the next",
                        where, key, e->new->name,
                        e->new->partition ? "a partition without a PARTUUID" : "a whole disk");
                if (r < 0)
                        return r;
                r = asprintf(ret, "%s=/dev/%s", key, e->new->name);
        }
        return r < 0 ? -ENOMEM : 1;
}

int cmdline_rewrite(
        FixerContext *c, const char *args, size_t len, const char *where, bool initramfs, char **ret) {
        bool console_ok = fixer_console_moves(c);
        bool have_serial = cmdline_has_arg(args, len, "console=ttyS0");
        bool changed = false, kept_any = false;
        size_t pos = 0, copied = 0;
        Buf out = {};
        Span t;
        int r = 0;

        *ret = NULL;

        while (r >= 0 && next_token(args, len, &pos, &t)) {
                _cleanup_free_ char *token = strndup(args + t.start, t.len), *repl = NULL;
                bool drop = false;
                const char *v;

                if (!token) {
                        r = -ENOMEM;
                        break;
                }
                if ((v = startswith(token, "root=")) || (v = startswith(token, "resume="))) {
                        _cleanup_free_ char *key = strndup(token, (size_t) (v - token - 1));
                        r = key ? device_arg(c, key, v, where, initramfs, &repl) : -ENOMEM;
                        if (r < 0)
                                break;
                } else if ((v = startswith(token, "console=")) && console_ok &&
                        is_xen_console(v, strlen(v))) {
                        if (have_serial)
                                drop = true; /* already there: do not name it twice */
                        else {
                                repl = strdup(SERIAL_CONSOLE);
                                if (!repl) {
                                        r = -ENOMEM;
                                        break;
                                }
                                have_serial = true;
                        }
                } else if (startswith(token, "xencons=") && console_ok)
                        drop = true;

                if (!repl && !drop) {
                        kept_any = true;
                        continue;
                }
                changed = true;
                if (drop) {
                        /*
                         * Take the blanks before the argument with it; for one with nothing kept before it,
                         * the blanks after it, so that what leads the line (its first blank) stays.
                         */
                        size_t from = t.start, to = t.start + t.len;
                        if (kept_any)
                                while (from > copied && (args[from - 1] == ' ' || args[from - 1] == '\t'))
                                        from--;
                        else
                                while (to < len && (args[to] == ' ' || args[to] == '\t'))
                                        to++;
                        r = buf_append(&out, args + copied, from - copied);
                        copied = to;
                        pos = to;
                } else {
                        r = buf_append(&out, args + copied, t.start - copied);
                        if (r >= 0)
                                r = buf_puts(&out, repl);
                        copied = t.start + t.len;
                        kept_any = true;
                }
        }
        if (r > 0)
                r = 0; /* device_arg()'s "it was an old device" is not this function's business */
        if (r >= 0 && changed)
                r = buf_append(&out, args + copied, len - copied);
        if (r < 0 || !changed) {
                buf_done(&out);
                return r;
        }
        *ret = buf_steal(&out);
        return *ret ? 0 : -ENOMEM;
}

static size_t count_char(const char *s, size_t len, char ch) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                n += s[i] == ch;
        return n;
}

bool cmdline_quoting_keeps(const char *old, size_t old_len, const char *new, const char *special) {
        for (const char *s = special; *s; s++)
                if (count_char(new, strlen(new), *s) > count_char(old, old_len, *s))
                        return false;
        return true;
}

bool boot_has_initramfs(int rootfd) {
        _cleanup_(strv_freep) char **names = NULL;

        if (root_list_dir(rootfd, "/boot", true, &names) < 0)
                return false;
        for (char **n = names; *n; n++)
                if (startswith(*n, "initrd.img") || startswith(*n, "initramfs-") ||
                        startswith(*n, "initrd-"))
                        return true;
        return false;
}
