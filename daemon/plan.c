/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "diff.h"
#include "plan.h"

const char *file_kind_to_string(FileKind k) {
        switch (k) {
        case FILE_ABSENT:
                return "absent";
        case FILE_REGULAR:
                return "regular";
        case FILE_SYMLINK:
                return "symlink";
        }
        return NULL;
}

void file_content_done(FileContent *c) {
        free(c->data);
        *c = (FileContent){};
}

int file_content_copy(FileContent *dst, const FileContent *src) {
        FileContent c = { .kind = src->kind, .size = src->size };

        if (src->kind != FILE_ABSENT) {
                c.data = malloc(src->size + 1);
                if (!c.data)
                        return -ENOMEM;
                if (src->size)
                        memcpy(c.data, src->data, src->size);
                c.data[src->size] = 0;
        } else
                c.size = 0;
        *dst = c;
        return 0;
}

bool file_content_equal(const FileContent *a, const FileContent *b) {
        if (a->kind != b->kind)
                return false;
        if (a->kind == FILE_ABSENT)
                return true;
        return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

static void edit_done(Edit *e) {
        free(e->path);
        file_content_done(&e->old);
        file_content_done(&e->new);
        free(e->fixer);
        free(e->reason);
}

void plan_done(Plan *p) {
        for (size_t i = 0; i < p->n_edits; i++)
                edit_done(&p->edits[i]);
        free(p->edits);
        strv_free(p->warnings);
        *p = (Plan){};
}

const Edit *plan_find(const Plan *p, const char *path) {
        for (size_t i = 0; i < p->n_edits; i++)
                if (streq(p->edits[i].path, path))
                        return &p->edits[i];
        return NULL;
}

int plan_add(Plan *p, const char *path, const FileContent *old, const FileContent *new, const char *fixer,
        const char *reason) {
        const Edit *existing;
        Edit e = {}, *edits;
        int r;

        if (file_content_equal(old, new))
                return 0;

        existing = plan_find(p, path);
        if (existing) {
                if (file_content_equal(&existing->new, new))
                        return 0;
                log_error(
                        "%s: the %s and %s fixers propose different contents", path, existing->fixer, fixer);
                return -EEXIST;
        }

        e.path = strdup(path);
        e.fixer = strdup(fixer);
        e.reason = strdup(strempty(reason));
        if (!e.path || !e.fixer || !e.reason) {
                edit_done(&e);
                return -ENOMEM;
        }
        r = file_content_copy(&e.old, old);
        if (r >= 0)
                r = file_content_copy(&e.new, new);
        if (r < 0) {
                edit_done(&e);
                return r;
        }

        edits = realloc(p->edits, sizeof(Edit) * (p->n_edits + 1));
        if (!edits) {
                edit_done(&e);
                return -ENOMEM;
        }
        p->edits = edits;
        p->edits[p->n_edits++] = e;
        return 0;
}

int plan_replace(Plan *p, const char *path, const char *old, size_t old_size, const char *new,
        size_t new_size, const char *fixer, const char *reason) {
        const FileContent o = { .kind = FILE_REGULAR, .data = (char *) old, .size = old_size };
        const FileContent n = { .kind = FILE_REGULAR, .data = (char *) new, .size = new_size };

        return plan_add(p, path, &o, &n, fixer, reason);
}

int plan_move(Plan *p, const char *old_path, const FileContent *old, const char *new_path,
        const FileContent *new, const char *fixer, const char *reason) {
        const FileContent absent = { .kind = FILE_ABSENT };
        int r;

        r = plan_add(p, old_path, old, &absent, fixer, reason);
        if (r < 0)
                return r;
        return plan_add(p, new_path, &absent, new, fixer, reason);
}

int plan_warn(Plan *p, const char *fmt, ...) {
        char *s;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_warnings; i++)
                if (streq(p->warnings[i], s)) {
                        free(s);
                        return 0;
                }
        return strv_push(&p->warnings, &p->n_warnings, s);
}

/* The git mode of one side: a new regular file gets 0644 from apply, and apply keeps an old one's mode. */
static unsigned content_mode(const FileContent *c) {
        switch (c->kind) {
        case FILE_REGULAR:
                return DIFF_MODE_REGULAR;
        case FILE_SYMLINK:
                return DIFF_MODE_SYMLINK;
        case FILE_ABSENT:
                break;
        }
        return 0;
}

int plan_format_diff(const Plan *p, char **ret) {
        Buf b = {};
        int r = 0;

        for (size_t i = 0; i < p->n_edits && r >= 0; i++) {
                const Edit *e = &p->edits[i];

                /* Canonical paths are absolute: "a/etc/fstab" for "/etc/fstab". */
                r = diff_git(&b, e->path + strspn(e->path, "/"), content_mode(&e->old), e->old.data,
                        e->old.size, content_mode(&e->new), e->new.data, e->new.size);
        }
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}
