/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stddef.h>

#include "devname.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

const Fixer *const fixer_table[] = {
        &fixer_fstab,
        &fixer_crypttab,
        &fixer_units,
        &fixer_resume,
        &fixer_grub_legacy,
        &fixer_grub2,
        &fixer_grub_scripts,
        &fixer_bls,
        &fixer_extlinux,
        &fixer_devicemap,
        &fixer_getty,
        &fixer_inittab,
        &fixer_upstart,
        &fixer_runit,
        &fixer_securetty,
        &fixer_net,
        NULL,
};

void fixer_context_done(FixerContext *c) {
        for (size_t i = 0; i < c->n_refs; i++) {
                free(c->refs[i].name);
                free(c->refs[i].type);
                free(c->refs[i].where);
        }
        free(c->refs);
        c->refs = NULL;
        c->n_refs = 0;
}

int fixer_old_name(const FixerContext *c, const char *ref, char **ret) {
        const char *rest;
        DevName dn;

        if (devname_parse(ref, &dn) >= 0 && streq(dn.prefix, "xvd") && startswith(ref, "/dev/")) {
                *ret = strdup(ref + strlen("/dev/"));
                return *ret ? 1 : -ENOMEM;
        }
        if (startswith(ref, "/dev/disk/by-path/xen-vbd-")) {
                int r = devname_from_xen_by_path(ref, ret);
                if (r == -EINVAL)
                        return 0;
                return r < 0 ? r : 1;
        }
        /* Other persistent links only say something if the snapshot recorded them. */
        rest = startswith(ref, "/dev/disk/");
        if (rest && c->old)
                for (size_t i = 0; i < c->old->n; i++)
                        for (char **l = c->old->devices[i].links; l && *l; l++)
                                if (streq(*l, ref)) {
                                        *ret = strdup(c->old->devices[i].name);
                                        return *ret ? 1 : -ENOMEM;
                                }
        return 0;
}

typedef enum RefKind {
        REF_NEEDED,
        REF_OPTIONAL,
        REF_ROOT,
} RefKind;

static int record_ref(FixerContext *c, const char *name, const char *type, const char *where, RefKind kind) {
        Reference *refs = realloc(c->refs, sizeof(Reference) * (c->n_refs + 1));

        if (!refs)
                return -ENOMEM;
        c->refs = refs;
        refs[c->n_refs] = (Reference){
                .name = strdup(name),
                .type = strdup_or_null(type),
                .where = strdup(where),
                .optional = kind == REF_OPTIONAL,
                .root = kind == REF_ROOT,
        };
        c->n_refs++;
        if (!refs[c->n_refs - 1].name || !refs[c->n_refs - 1].where || (type && !refs[c->n_refs - 1].type))
                return -ENOMEM;
        return 0;
}

char *fstab_escape(const char *s) {
        Buf b = {};

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                int r = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\') ? buf_printf(&b, "\\%03o", *p)
                                                                              : buf_append(&b, p, 1);
                if (r < 0) {
                        buf_done(&b);
                        return NULL;
                }
        }
        return buf_steal(&b);
}

static int spell(const Device *d, const char *tag, const char *dir, const char *value, DeviceSyntax syntax,
        char **ret) {
        _cleanup_free_ char *enc = NULL;
        int k;

        (void) d;
        enc = syntax == SYNTAX_TAG      ? fstab_escape(value)
                : syntax == SYNTAX_PATH ? udev_encode_string(value)
                                        : strdup(value);
        if (!enc)
                return -ENOMEM;
        k = syntax == SYNTAX_PATH ? asprintf(ret, "/dev/disk/%s/%s", dir, enc)
                                  : asprintf(ret, "%s=%s", tag, enc);
        return k < 0 ? -ENOMEM : 1;
}

const Device *fixer_identifier_clash(const FixerContext *c, const Device *d, size_t offset) {
        const char *want = *(char *const *) ((const char *) d + offset);

        for (size_t i = 0; want && c->new &&i < c->new->n; i++) {
                const Device *o = &c->new->devices[i];
                const char *have = *(char *const *) ((const char *) o + offset);
                if (o != d && have && streq(have, want))
                        return o;
        }
        return NULL;
}

/* Whether @d has the identifier and no other present device carries it: only then may a file name it. */
static bool identifier_unique(const FixerContext *c, const Device *d, size_t offset) {
        return *(char *const *) ((const char *) d + offset) && !fixer_identifier_clash(c, d, offset);
}

static int rewrite_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, RefKind kind, char **ret) {
        _cleanup_free_ char *name = NULL;
        const MapEntry *e;
        const Device *d;
        int r;

        *ret = NULL;
        r = fixer_old_name(c, ref, &name);
        if (r <= 0)
                return r;

        if (!c->mapping) {
                r = record_ref(c, name, type, where, kind);
                return r < 0 ? r : 1;
        }

        e = mapping_find(c->mapping, name);
        if (!e && kind == REF_OPTIONAL)
                return 0; /* map_build() warned: the guest boots without it */
        if (!e) {
                log_error("%s: %s was not mapped", where, ref);
                return -ENXIO;
        }
        d = e->new;

        if (c->form == REWRITE_UUID) {
                /* The first identifier that names this device alone; one on two devices is a clone. */
                bool clash = false;

                if (d->uuid) {
                        if (identifier_unique(c, d, offsetof(Device, uuid)))
                                return spell(d, "UUID", "by-uuid", d->uuid, syntax, ret);
                        clash = true;
                }
                /* A kernel command line cannot carry a blank, and nothing there undoes an escape. */
                if (d->label && (syntax != SYNTAX_KERNEL || !strpbrk(d->label, " \t\n\"'\\"))) {
                        if (identifier_unique(c, d, offsetof(Device, label)))
                                return spell(d, "LABEL", "by-label", d->label, syntax, ret);
                        clash = true;
                }
                if (d->partuuid) {
                        if (identifier_unique(c, d, offsetof(Device, partuuid)))
                                return spell(d, "PARTUUID", "by-partuuid", d->partuuid, syntax, ret);
                        clash = true;
                }
                if (clash) {
                        log_error("%s: %s is %s, and its identifiers are also on another device (a cloned "
                                  "disk?); refusing to guess",
                                where, ref, d->name);
                        return -ENXIO;
                }
                if (!d->uuid && !d->label && !d->partuuid)
                        r = plan_warn(c->plan,
                                "%s: %s has no UUID, LABEL or PARTUUID; naming it /dev/%s, which may change "
                                "from "
                                "one boot to the next",
                                where, d->name, d->name);
                else
                        r = plan_warn(c->plan,
                                "%s: the LABEL of %s cannot be written on a kernel command line; naming it "
                                "/dev/%s, which may change from one boot to the next",
                                where, d->name, d->name);
                if (r < 0)
                        return r;
        } else {
                r = plan_warn(c->plan,
                        "--rewrite=name: sd names are not stable across boots (the root disk came up as sdb "
                        "in 2 of 30 boots of a two-disk virtio-scsi guest); UUID= is safer");
                if (r < 0)
                        return r;
        }
        if (asprintf(ret, "/dev/%s", d->name) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 1;
}

int fixer_rewrite_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret) {
        return rewrite_device(c, ref, type, where, syntax, REF_NEEDED, ret);
}

int fixer_rewrite_optional_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret) {
        return rewrite_device(c, ref, type, where, syntax, REF_OPTIONAL, ret);
}

int fixer_rewrite_root_device(FixerContext *c, const char *ref, const char *type, const char *where,
        DeviceSyntax syntax, char **ret) {
        return rewrite_device(c, ref, type, where, syntax, REF_ROOT, ret);
}

size_t fields_split(const char *line, size_t len, Span *spans, size_t max) {
        size_t n = 0, i = 0;

        /* A CRLF file: the \r belongs to no field. */
        while (len > 0 && line[len - 1] == '\r')
                len--;

        while (i < len && n < max) {
                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i >= len)
                        break;
                spans[n].start = i;
                while (i < len && line[i] != ' ' && line[i] != '\t')
                        i++;
                spans[n].len = i - spans[n].start;
                n++;
        }
        return n;
}

int line_emit(Buf *out, const Line *l, const SpanEdit *edits, size_t n) {
        size_t at = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                if (!edits[i].text)
                        continue;
                r = buf_append(out, l->p + at, edits[i].span.start - at);
                if (r >= 0)
                        r = buf_puts(out, edits[i].text);
                if (r < 0)
                        return r;
                at = edits[i].span.start + edits[i].span.len;
        }
        r = buf_append(out, l->p + at, l->len - at);
        if (r >= 0 && l->newline)
                r = buf_append(out, "\n", 1);
        return r;
}

int fixer_where(char **ret, const char *path, unsigned line) {
        if (asprintf(ret, "%s:%u", path, line) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

bool fixer_console_moves(const FixerContext *c) {
#if defined(__x86_64__) || defined(__i386__)
        return c->from_xen;
#else
        (void) c;
        return false;
#endif
}

int fixer_shell_value(const char *path, const Line *l, size_t start, size_t end, Span *ret) {
        size_t i = start;

        if (i < end && (l->p[i] == '"' || l->p[i] == '\'')) {
                char q = l->p[i++];

                *ret = (Span){ .start = i };
                while (i < end && l->p[i] != q)
                        i += q == '"' && l->p[i] == '\\' ? 2 : 1;
                if (i >= end)
                        goto bad;
                ret->len = i++ - ret->start;
        } else {
                *ret = (Span){ .start = i };
                while (i < end && !is_blank(l->p[i])) {
                        if (strchr("\"'\\`;&|", l->p[i]))
                                goto bad;
                        i++;
                }
                ret->len = i - ret->start;
        }
        while (i < end && is_blank(l->p[i]))
                i++;
        if (i == end || (l->p[i] == '#' && is_blank(l->p[i - 1])))
                return 0;
bad:
        log_error(
                "%s:%u: expected KEY=VALUE or KEY=\"VALUE\"; refusing to rewrite %s", path, l->number, path);
        return -EBADMSG;
}

void path_set_done(PathSet *s) {
        strv_free(s->paths);
        *s = (PathSet){};
}

int fixer_read_once(FixerContext *c, PathSet *seen, const char *path, char **ret_canonical, char **ret_data,
        size_t *ret_size) {
        _cleanup_free_ char *canonical = NULL, *data = NULL;
        int r;

        *ret_canonical = *ret_data = NULL;
        r = root_read_file(c->rootfd, path, &canonical, &data, ret_size);
        if (r == -ENOENT || r == -ENOTDIR || r == -EISDIR ||
                (r == -EBADFD && root_is_masked(c->rootfd, path)))
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));
        if (strv_contains(seen->paths, canonical))
                return 0;
        r = strv_push(&seen->paths, &seen->n, strdup(canonical));
        if (r < 0)
                return r;
        *ret_canonical = TAKE_PTR(canonical);
        *ret_data = TAKE_PTR(data);
        return 0;
}

RewriteForm rewrite_form_from_string(const char *s) {
        if (streq(s, "uuid"))
                return REWRITE_UUID;
        if (streq(s, "name"))
                return REWRITE_NAME;
        return _REWRITE_DEFAULT;
}
