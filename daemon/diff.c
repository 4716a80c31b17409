/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diff.h"
#include "util.h"

#define DIFF_CONTEXT 3

typedef struct DiffLine {
        const char *p;
        size_t len; /* with the newline, if any: "x" and "x\n" differ, as for diff */
        uint64_t hash;
} DiffLine;

typedef struct DiffText {
        DiffLine *lines;
        size_t n;
        bool *changed; /* deleted (old text) or inserted (new text) */
} DiffText;

typedef struct Diff {
        DiffText a, b;
        /* Furthest reaching x per diagonal, forward and backward, offset so
         * that every diagonal of the largest subproblem has a slot. */
        ssize_t *vf, *vb;
} Diff;

static void text_done(DiffText *t) {
        free(t->lines);
        free(t->changed);
}

static uint64_t hash_bytes(const char *p, size_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static int text_split(DiffText *t, const char *s, size_t size) {
        size_t n = 0, i = 0;

        for (size_t k = 0; k < size; k++)
                if (s[k] == '\n')
                        n++;
        if (size > 0 && s[size - 1] != '\n')
                n++;

        *t = (DiffText){};
        /* One spare slot keeps calloc() from being asked for nothing. */
        t->lines = calloc(n + 1, sizeof(DiffLine));
        t->changed = calloc(n + 1, sizeof(bool));
        if (!t->lines || !t->changed)
                return -ENOMEM;

        for (size_t start = 0; start < size; i++) {
                const char *nl = memchr(s + start, '\n', size - start);
                size_t len = nl ? (size_t) (nl - (s + start)) + 1 : size - start;

                t->lines[i] = (DiffLine){ .p = s + start, .len = len, .hash = hash_bytes(s + start, len) };
                start += len;
        }
        t->n = n;
        return 0;
}

static bool line_eq(const DiffLine *x, const DiffLine *y) {
        return x->hash == y->hash && x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

static bool eq(const Diff *d, size_t i, size_t j) {
        return line_eq(&d->a.lines[i], &d->b.lines[j]);
}

static void mark(bool *changed, size_t from, size_t to) {
        for (size_t k = from; k < to; k++)
                changed[k] = true;
}

/*
 * The middle of a shortest edit script between a[a0..a1) and b[b0..b1), by
 * Myers' bidirectional search: both ends step one edit at a time until the
 * forward and the backward furthest-reaching paths meet on a diagonal.
 * Diagonal k is x - y (forward) or u - v in the reversed texts (backward);
 * a slot holds -1 where the diagonal is not reachable at that cost. Only
 * moves that stay inside the edit graph count, so no point found lies
 * outside it. Returns false only if the search found nothing, which a
 * correct search cannot do.
 */
static bool middle_point(Diff *d, size_t a0, size_t a1, size_t b0, size_t b1, size_t *ret_x, size_t *ret_y) {
        ssize_t n = (ssize_t) (a1 - a0), m = (ssize_t) (b1 - b0);
        ssize_t delta = n - m, dmax = (n + m + 1) / 2;
        bool odd = delta & 1;
        /* Slot of diagonal k: k + m + 1, so -m - 1 .. n + 1 all fit. */
        ssize_t *vf = d->vf + m + 1, *vb = d->vb + m + 1;

        for (ssize_t e = 0; e <= dmax; e++) {
                for (ssize_t k = -e; k <= e; k += 2) {
                        ssize_t x = -1;

                        if (k < -m || k > n)
                                continue;
                        if (e == 0)
                                x = 0;
                        else {
                                /* Right from k - 1, or down from k + 1, whichever gets further. */
                                if (k > -e && k - 1 >= -m && vf[k - 1] >= 0 && vf[k - 1] < n)
                                        x = vf[k - 1] + 1;
                                if (k < e && k + 1 <= n && vf[k + 1] >= 0 && vf[k + 1] - k <= m &&
                                        vf[k + 1] > x)
                                        x = vf[k + 1];
                        }
                        if (x >= 0) {
                                ssize_t y = x - k;

                                while (x < n && y < m && eq(d, a0 + x, b0 + y))
                                        x++, y++;
                        }
                        vf[k] = x;

                        if (x >= 0 && odd) {
                                ssize_t kb = delta - k;

                                if (kb >= -(e - 1) && kb <= e - 1 && kb >= -m && kb <= n && vb[kb] >= 0 &&
                                        x + vb[kb] >= n) {
                                        *ret_x = a0 + (size_t) x;
                                        *ret_y = b0 + (size_t) (x - k);
                                        return true;
                                }
                        }
                }

                for (ssize_t k = -e; k <= e; k += 2) {
                        ssize_t u = -1;

                        if (k < -m || k > n)
                                continue;
                        if (e == 0)
                                u = 0;
                        else {
                                if (k > -e && k - 1 >= -m && vb[k - 1] >= 0 && vb[k - 1] < n)
                                        u = vb[k - 1] + 1;
                                if (k < e && k + 1 <= n && vb[k + 1] >= 0 && vb[k + 1] - k <= m &&
                                        vb[k + 1] > u)
                                        u = vb[k + 1];
                        }
                        if (u >= 0) {
                                ssize_t v = u - k;

                                while (u < n && v < m && eq(d, a1 - 1 - (size_t) u, b1 - 1 - (size_t) v))
                                        u++, v++;
                        }
                        vb[k] = u;

                        if (u >= 0 && !odd) {
                                ssize_t kf = delta - k;

                                if (kf >= -e && kf <= e && kf >= -m && kf <= n && vf[kf] >= 0 &&
                                        vf[kf] + u >= n) {
                                        *ret_x = a1 - (size_t) u;
                                        *ret_y = b1 - (size_t) (u - k);
                                        return true;
                                }
                        }
                }
        }
        return false;
}

static void compare(Diff *d, size_t a0, size_t a1, size_t b0, size_t b1) {
        size_t x, y;

        while (a0 < a1 && b0 < b1 && eq(d, a0, b0))
                a0++, b0++;
        while (a0 < a1 && b0 < b1 && eq(d, a1 - 1, b1 - 1))
                a1--, b1--;

        if (a0 == a1) {
                mark(d->b.changed, b0, b1);
                return;
        }
        if (b0 == b1) {
                mark(d->a.changed, a0, a1);
                return;
        }

        /* Both sides still hold lines and differ at both ends, so two edits or
         * more remain and the middle point splits the problem in two smaller
         * ones. Should that ever fail, marking it all changed is longer but
         * still correct, and cannot recurse forever. */
        if (!middle_point(d, a0, a1, b0, b1, &x, &y) || (x == a0 && y == b0) || (x == a1 && y == b1)) {
                mark(d->a.changed, a0, a1);
                mark(d->b.changed, b0, b1);
                return;
        }
        compare(d, a0, x, b0, y);
        compare(d, x, a1, y, b1);
}

/* A run of deleted lines of the old text and inserted lines of the new
 * one, at the same place. */
typedef struct Change {
        size_t a, n_del;
        size_t b, n_ins;
} Change;

/* GNU's ranges: "l" for one line, "l,0" with l the line before for none. */
static int put_range(Buf *out, size_t start, size_t count) {
        if (count == 0)
                return buf_printf(out, "%zu,0", start);
        if (count == 1)
                return buf_printf(out, "%zu", start + 1);
        return buf_printf(out, "%zu,%zu", start + 1, count);
}

static int put_line(Buf *out, char mark_char, const DiffLine *l) {
        int r;

        r = buf_append(out, &mark_char, 1);
        if (r < 0)
                return r;
        r = buf_append(out, l->p, l->len);
        if (r < 0)
                return r;
        if (l->len == 0 || l->p[l->len - 1] != '\n')
                return buf_puts(out, "\n\\ No newline at end of file\n");
        return 0;
}

static int put_hunk(Buf *out, const Diff *d, const Change *c, size_t n_changes) {
        const Change *last = &c[n_changes - 1];
        size_t a_end_changes = last->a + last->n_del;
        size_t lead = c->a < DIFF_CONTEXT ? c->a : DIFF_CONTEXT;
        size_t trail = d->a.n - a_end_changes < DIFF_CONTEXT ? d->a.n - a_end_changes : DIFF_CONTEXT;
        size_t a_start = c->a - lead, b_start = c->b - lead;
        size_t a_end = a_end_changes + trail, b_end = last->b + last->n_ins + trail;
        size_t i = a_start;
        int r;

        r = buf_puts(out, "@@ -");
        if (r >= 0)
                r = put_range(out, a_start, a_end - a_start);
        if (r >= 0)
                r = buf_puts(out, " +");
        if (r >= 0)
                r = put_range(out, b_start, b_end - b_start);
        if (r >= 0)
                r = buf_puts(out, " @@\n");
        if (r < 0)
                return r;

        for (size_t k = 0; k < n_changes; k++) {
                for (; i < c[k].a; i++) {
                        r = put_line(out, ' ', &d->a.lines[i]);
                        if (r < 0)
                                return r;
                }
                for (size_t j = 0; j < c[k].n_del; j++, i++) {
                        r = put_line(out, '-', &d->a.lines[i]);
                        if (r < 0)
                                return r;
                }
                for (size_t j = 0; j < c[k].n_ins; j++) {
                        r = put_line(out, '+', &d->b.lines[c[k].b + j]);
                        if (r < 0)
                                return r;
                }
        }
        for (; i < a_end; i++) {
                r = put_line(out, ' ', &d->a.lines[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int put_diff(Buf *out, const Diff *d, const char *label_a, const char *label_b) {
        _cleanup_free_ Change *changes = NULL;
        size_t n_changes = 0, i = 0, j = 0;
        int r;

        /* Never more changes than lines in both texts, plus one. */
        changes = calloc(d->a.n + d->b.n + 1, sizeof(Change));
        if (!changes)
                return -ENOMEM;

        while (i < d->a.n || j < d->b.n) {
                Change c = { .a = i, .b = j };

                if (i < d->a.n && j < d->b.n && !d->a.changed[i] && !d->b.changed[j]) {
                        i++, j++;
                        continue;
                }
                while (i < d->a.n && d->a.changed[i])
                        i++;
                while (j < d->b.n && d->b.changed[j])
                        j++;
                c.n_del = i - c.a;
                c.n_ins = j - c.b;
                /* Unchanged lines left on one side only: the marks are inconsistent. */
                if (c.n_del == 0 && c.n_ins == 0)
                        return -EINVAL;
                changes[n_changes++] = c;
        }
        if (n_changes == 0)
                return 0;

        r = buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
        if (r < 0)
                return r;

        /* One hunk while the unchanged lines between two changes are no
         * more than both contexts together, as GNU diff does. */
        for (size_t k = 0; k < n_changes;) {
                size_t e = k + 1;

                while (e < n_changes &&
                        changes[e].a - (changes[e - 1].a + changes[e - 1].n_del) <= 2 * DIFF_CONTEXT)
                        e++;
                r = put_hunk(out, d, changes + k, e - k);
                if (r < 0)
                        return r;
                k = e;
        }
        return 0;
}

int diff_unified(Buf *out, const char *label_a, const char *a, size_t a_size, const char *label_b,
        const char *b, size_t b_size) {
        Diff d = {};
        Buf text = {};
        size_t pre = 0, na, nb;
        int r;

        if (a_size == b_size && (a_size == 0 || memcmp(a, b, a_size) == 0))
                return 0;

        r = text_split(&d.a, a, a_size);
        if (r >= 0)
                r = text_split(&d.b, b, b_size);
        if (r < 0)
                goto finish;

        /* The common ends are cheap to find and are usually nearly all of it. */
        na = d.a.n;
        nb = d.b.n;
        while (pre < na && pre < nb && eq(&d, pre, pre))
                pre++;
        while (na > pre && nb > pre && eq(&d, na - 1, nb - 1))
                na--, nb--;

        d.vf = calloc((na - pre) + (nb - pre) + 3, sizeof(ssize_t));
        d.vb = calloc((na - pre) + (nb - pre) + 3, sizeof(ssize_t));
        if (!d.vf || !d.vb) {
                r = -ENOMEM;
                goto finish;
        }
        compare(&d, pre, na, pre, nb);

        /* Built aside, so that @out gets all of the diff or nothing. */
        r = put_diff(&text, &d, label_a, label_b);
        if (r >= 0 && text.len > 0)
                r = buf_append(out, text.data, text.len);

finish:
        buf_done(&text);
        free(d.vf);
        free(d.vb);
        text_done(&d.a);
        text_done(&d.b);
        return r < 0 ? r : 0;
}

/* GNU patch and git apply both read C-style quoted names; without quotes,
 * patch stops a name at a space and git apply at a tab. */
static bool name_needs_quotes(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == '"' || *s == 0x7f)
                        return true;
        return false;
}

/* "a/" or "b/" and @path, quoted when needed. */
static int put_name(Buf *out, const char *prefix, const char *path) {
        _cleanup_free_ char *s = NULL;
        int r;

        if (asprintf(&s, "%s%s", prefix, path) < 0)
                return -ENOMEM;
        if (!name_needs_quotes(s))
                return buf_puts(out, s);

        r = buf_puts(out, "\"");
        for (const char *p = s; r >= 0 && *p; p++) {
                unsigned char c = (unsigned char) *p;

                if (c == '"' || c == '\\')
                        r = buf_printf(out, "\\%c", c);
                else if (c == '\t')
                        r = buf_puts(out, "\\t");
                else if (c == '\n')
                        r = buf_puts(out, "\\n");
                else if (c < ' ' || c == 0x7f)
                        r = buf_printf(out, "\\%03o", c);
                else
                        r = buf_append(out, p, 1);
        }
        return r < 0 ? r : buf_puts(out, "\"");
}

/* One "diff --git" section: a change in place, a creation (mode_a 0) or a deletion (mode_b 0). */
static int put_git_section(Buf *out, const char *path, unsigned mode_a, const char *a, size_t a_size,
        unsigned mode_b, const char *b, size_t b_size) {
        Buf name_a = {}, name_b = {};
        int r;

        r = put_name(&name_a, "a/", path);
        if (r >= 0)
                r = put_name(&name_b, "b/", path);
        if (r >= 0)
                r = buf_printf(out, "diff --git %s %s\n", name_a.data, name_b.data);
        if (r >= 0 && mode_a == 0)
                r = buf_printf(out, "new file mode %06o\n", mode_b);
        else if (r >= 0 && mode_b == 0)
                r = buf_printf(out, "deleted file mode %06o\n", mode_a);
        else if (r >= 0 && mode_a != mode_b)
                r = buf_printf(out, "old mode %06o\nnew mode %06o\n", mode_a, mode_b);
        /* e69de29 is git's empty blob: GNU patch deletes an empty file only when told so. */
        if (r >= 0 && mode_a == 0 && b_size == 0)
                r = buf_puts(out, "index 0000000..e69de29\n");
        else if (r >= 0 && mode_b == 0 && a_size == 0)
                r = buf_puts(out, "index e69de29..0000000\n");
        if (r >= 0)
                r = diff_unified(out, mode_a ? name_a.data : "/dev/null", a, a_size,
                        mode_b ? name_b.data : "/dev/null", b, b_size);
        buf_done(&name_a);
        buf_done(&name_b);
        return r;
}

static bool mode_is_valid(unsigned mode) {
        return mode == 0 || mode == DIFF_MODE_SYMLINK || (mode & ~0777u) == 0100000u;
}

int diff_git(Buf *out, const char *path, unsigned mode_a, const char *a, size_t a_size, unsigned mode_b,
        const char *b, size_t b_size) {
        Buf text = {};
        int r;

        if (!mode_is_valid(mode_a) || !mode_is_valid(mode_b))
                return -EINVAL;
        if (mode_a == 0)
                a_size = 0;
        if (mode_b == 0)
                b_size = 0;
        if (mode_a == mode_b && a_size == b_size && (a_size == 0 || memcmp(a, b, a_size) == 0))
                return 0;

        /* Built aside, so that @out gets all of it or nothing. */
        if (mode_a != 0 && mode_b != 0 && (mode_a == DIFF_MODE_SYMLINK || mode_b == DIFF_MODE_SYMLINK)) {
                r = put_git_section(&text, path, mode_a, a, a_size, 0, NULL, 0);
                if (r >= 0)
                        r = put_git_section(&text, path, 0, NULL, 0, mode_b, b, b_size);
        } else
                r = put_git_section(&text, path, mode_a, a, a_size, mode_b, b, b_size);
        if (r >= 0)
                r = buf_append(out, text.data, text.len);
        buf_done(&text);
        return r < 0 ? r : 0;
}
