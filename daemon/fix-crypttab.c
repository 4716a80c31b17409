/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * crypttab: "name device [keyfile [options]]". The device field names the
 * encrypted device; the key file may be a raw device too (a key on a
 * partition of its own). Both are rewritten in place, nothing else is.
 * A line with nofail or noauto is one the guest boots without: when its
 * devices cannot be mapped, it stays as it is (map_build() warns).
 */

#include "fixer.h"
#include "root.h"
#include "util.h"

#define CRYPTTAB_PATH "/etc/crypttab"

/* Whether the comma-separated @opts (not NUL-terminated) holds @name, alone or as "@name=…". */
static bool option_has(const char *opts, size_t len, const char *name, bool with_value) {
        size_t n = strlen(name);

        for (size_t i = 0; i < len;) {
                size_t end = i;

                while (end < len && opts[end] != ',')
                        end++;
                if (end - i >= n && memcmp(opts + i, name, n) == 0 &&
                        (end - i == n || (with_value && opts[i + n] == '=')))
                        return true;
                i = end + 1;
        }
        return false;
}

/*
 * What blkid should find on the device: a LUKS header unless the options
 * say otherwise. Plain dm-crypt (and so swap and tmp, which are plain) and
 * TrueCrypt leave nothing blkid recognizes.
 */
static const char *crypttab_type(const char *opts, size_t len) {
        if (option_has(opts, len, "plain", false) || option_has(opts, len, "swap", false) ||
                option_has(opts, len, "tmp", true) || option_has(opts, len, "tcrypt", false))
                return NULL;
        if (option_has(opts, len, "bitlk", false))
                return "BitLocker";
        return "crypto_LUKS";
}

static int crypttab_run(FixerContext *c) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        Buf out = {};
        Line l = {};
        size_t size, pos = 0;
        bool changed = false;
        int r;

        r = root_read_file(c->rootfd, CRYPTTAB_PATH, &path, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return -EBADMSG; /* logged with the limit; refused like a file that does not parse */
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", CRYPTTAB_PATH, strerror(-r));

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *field = NULL, *new_device = NULL, *new_keyfile = NULL;
                SpanEdit edits[2] = {};
                int (*rewrite)(
                        FixerContext *, const char *, const char *, const char *, DeviceSyntax, char **);
                Span spans[5];
                bool optional;
                size_t n;

                if (line_is_comment_or_blank(&l)) {
                        r = buf_append(&out, l.p, l.len + l.newline);
                        if (r < 0)
                                goto fail;
                        continue;
                }

                /* One span more than there may be fields, to see a line that has too many. */
                n = fields_split(l.p, l.len, spans, ELEMENTSOF(spans));
                if (n < 2 || n > 4) {
                        log_error(
                                "%s:%u: expected \"name device [keyfile [options]]\", found %s; refusing to "
                                "rewrite %s",
                                path, l.number, n > 4 ? "more than 4 fields" : "1 field", path);
                        r = -EBADMSG;
                        goto fail;
                }
                if (asprintf(&where, "%s:%u", path, l.number) < 0) {
                        where = NULL;
                        r = -ENOMEM;
                        goto fail;
                }

                optional = n >= 4 &&
                        (option_has(l.p + spans[3].start, spans[3].len, "nofail", false) ||
                                option_has(l.p + spans[3].start, spans[3].len, "noauto", false));
                rewrite = optional ? fixer_rewrite_optional_device : fixer_rewrite_device;

                field = strndup(l.p + spans[1].start, spans[1].len);
                if (!field) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = rewrite(c, field,
                        n >= 4 ? crypttab_type(l.p + spans[3].start, spans[3].len) : "crypto_LUKS", where,
                        SYNTAX_TAG, &new_device);
                if (r < 0)
                        goto fail;
                edits[0] = (SpanEdit){ spans[1], new_device };

                /* "none", "-" and key files on a filesystem are no device; fixer_old_name() tells. */
                if (n >= 3) {
                        free(field);
                        field = strndup(l.p + spans[2].start, spans[2].len);
                        if (!field) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                if (n >= 3 && startswith(field, "/dev/")) {
                        r = rewrite(c, field, NULL, where, SYNTAX_PATH, &new_keyfile);
                        if (r < 0)
                                goto fail;
                        edits[1] = (SpanEdit){ spans[2], new_keyfile };
                }

                if (edits[0].text || edits[1].text)
                        changed = true;
                r = line_emit(&out, &l, edits, ELEMENTSOF(edits));
                if (r < 0)
                        goto fail;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "crypttab",
                        "old device names");
fail:
        buf_done(&out);
        return r;
}

const Fixer fixer_crypttab = {
        .name = "crypttab",
        .run = crypttab_run,
};
