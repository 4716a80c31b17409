/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * units: systemd units an administrator wrote into /etc/systemd/system.
 *
 * A .mount or .swap unit names its device in What=; any unit may depend on
 * a device by its unit name (After=dev-xvdb1.device). Both are rewritten in
 * place. A swap unit must be named after its What= path, so when What=
 * changes the file moves, and so do the links that enable it.
 *
 * Symlinks at the top level are enablements, aliases or masks, never unit
 * text of their own: only regular files are read.
 *
 * A .mount or .swap unit that nothing requires is one the guest boots
 * without, as fstab's nofail says: when its What= cannot be mapped, it stays
 * as it is (map_build() warns). Nothing requires it when its [Install] says
 * no RequiredBy= or UpheldBy=, no *.requires/ or *.upholds/ link names it,
 * and it says so itself: Options= holds nofail, or [Install] has WantedBy=.
 * A nofail of a unit that is required all the same does not count: the
 * target that requires it fails without it.
 */

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "devname.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define UNIT_DIR "/etc/systemd/system"

typedef enum UnitKind {
        UNIT_MOUNT,
        UNIT_SWAP,
        UNIT_OTHER,
} UnitKind;

static const struct {
        const char *suffix;
        UnitKind kind;
} unit_suffixes[] = {
        { ".mount", UNIT_MOUNT },
        { ".swap", UNIT_SWAP },
        { ".automount", UNIT_OTHER },
        { ".service", UNIT_OTHER },
        { ".target", UNIT_OTHER },
};

/* The settings whose values are unit names; RequiresMountsFor= takes paths, not units. */
static const char *const dep_keys[] = {
        "Requires",
        "Requisite",
        "Wants",
        "BindsTo",
        "PartOf",
        "Upholds",
        "Conflicts",
        "Before",
        "After",
};

/* Folders whose links pull a unit in; the link is named after the unit. */
static const char *const dep_dir_suffixes[] = { ".wants", ".requires", ".upholds" };

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_dep_key(const Line *l, Span key) {
        for (size_t i = 0; i < ELEMENTSOF(dep_keys); i++)
                if (span_equals(l->p, key, dep_keys[i]))
                        return true;
        return false;
}

/* The settings this fixer reads: a continued line there could not be edited in place. */
static bool key_relevant(UnitKind kind, const Line *l, Span key) {
        if (kind != UNIT_OTHER && span_equals(l->p, key, "What"))
                return true;
        if (kind == UNIT_MOUNT && span_equals(l->p, key, "Type"))
                return true;
        return is_dep_key(l, key);
}

typedef struct UnitParser {
        const char *path;
        UnitKind kind;
        bool continued; /* the previous line ended in a backslash */
        bool continued_requirement; /* a RequiredBy= or UpheldBy= continued onto the next line */
} UnitParser;

/*
 * Classify one line the way systemd's config parser does: comments ('#',
 * ';') and blank lines are skipped even inside a continued line, a line
 * ending in an unescaped backslash continues onto the next one.
 * Return: 1 and the key and value (trimmed) of an assignment that starts a
 * logical line; 0 for anything else; -EBADMSG (logged).
 */
static int unit_parse_line(UnitParser *u, const Line *l, Span *ret_key, Span *ret_value) {
        size_t b = 0, e = l->len, eq, k;
        bool escaped = false, was_continued = u->continued;

        while (b < e && is_ws(l->p[b]))
                b++;
        if (b == e || l->p[b] == '#' || l->p[b] == ';')
                return 0;

        for (size_t i = 0; i < l->len; i++)
                escaped = escaped ? false : l->p[i] == '\\';
        u->continued = escaped;
        if (was_continued)
                return 0;

        while (e > b && is_ws(l->p[e - 1]))
                e--;
        if (l->p[b] == '[') {
                if (escaped || l->p[e - 1] != ']') {
                        log_error("%s:%u: not a valid section header; refusing to touch %s", u->path,
                                l->number, u->path);
                        return -EBADMSG;
                }
                return 0;
        }

        eq = b;
        while (eq < e && l->p[eq] != '=')
                eq++;
        k = eq;
        while (k > b && is_ws(l->p[k - 1]))
                k--;
        if (eq == e || k == b) {
                log_error("%s:%u: neither a section, a comment nor a KEY=VALUE assignment; refusing to "
                          "touch %s",
                        u->path, l->number, u->path);
                return -EBADMSG;
        }
        *ret_key = (Span){ b, k - b };

        if (escaped) {
                if (span_equals(l->p, *ret_key, "RequiredBy") || span_equals(l->p, *ret_key, "UpheldBy"))
                        u->continued_requirement = true; /* unread: taken as a requirement */
                if (key_relevant(u->kind, l, *ret_key)) {
                        log_error("%s:%u: %.*s= continues onto the next line; refusing to edit it in place",
                                u->path, l->number, (int) ret_key->len, l->p + ret_key->start);
                        return -EBADMSG;
                }
                return 0;
        }

        eq++;
        while (eq < e && is_ws(l->p[eq]))
                eq++;
        *ret_value = (Span){ eq, e - eq };
        return 1;
}

static void span_edits_free(SpanEdit *edits, size_t n) {
        for (size_t i = 0; i < n; i++)
                free((char *) edits[i].text);
        free(edits);
}

/* '%' starts a specifier in unit files; a literal one is "%%". */
static char *specifier_escape(const char *s) {
        Buf b = {};

        for (; *s; s++)
                if ((*s == '%' ? buf_puts(&b, "%%") : buf_append(&b, s, 1)) < 0) {
                        buf_done(&b);
                        return NULL;
                }
        return buf_steal(&b);
}

/*
 * One word of a dependency list: "dev-xvdb1.device" (or the swap unit of
 * such a device, "dev-xvdc.swap", which systemd names the same way) that
 * names an old device becomes the unit of its new spelling.
 */
static int fix_dep_word(FixerContext *c, const char *word, const char *where, char **ret) {
        _cleanup_free_ char *prefix = NULL, *path = NULL, *new_path = NULL, *new_prefix = NULL;
        const char *suffix;
        int r;

        *ret = NULL;
        suffix = endswith(word, ".device");
        if (!suffix)
                suffix = endswith(word, ".swap");
        /* Specifiers expand at load time: nothing to say about such a name. */
        if (!suffix || !startswith(word, "dev-") || strchr(word, '%'))
                return 0;

        prefix = strndup(word, (size_t) (suffix - word));
        if (!prefix)
                return -ENOMEM;
        path = unit_name_to_path(prefix);
        if (!path)
                return 0; /* not a valid escaped path: no device of ours */

        r = fixer_rewrite_device(
                c, path, streq(suffix, ".swap") ? "swap" : NULL, where, SYNTAX_PATH, &new_path);
        if (r <= 0 || !new_path)
                return r;
        new_prefix = unit_name_from_path(new_path);
        if (!new_prefix || asprintf(ret, "%s%s", new_prefix, suffix) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 1;
}

static int fix_deps(
        FixerContext *c, const Line *l, Span value, const char *where, SpanEdit **ret_edits, size_t *ret_n) {
        _cleanup_free_ Span *words = NULL;
        SpanEdit *edits = NULL;
        size_t n_words, n = 0;
        int r;

        /* No more words than half the characters, rounded up. */
        words = calloc(value.len / 2 + 1, sizeof(Span));
        if (!words)
                return -ENOMEM;
        n_words = fields_split(l->p + value.start, value.len, words, value.len / 2 + 1);

        for (size_t i = 0; i < n_words; i++) {
                _cleanup_free_ char *word = NULL, *new_word = NULL;

                word = strndup(l->p + value.start + words[i].start, words[i].len);
                if (!word) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = fix_dep_word(c, word, where, &new_word);
                if (r < 0)
                        goto fail;
                if (!new_word)
                        continue;
                if (!edits) {
                        edits = calloc(n_words, sizeof(SpanEdit));
                        if (!edits) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                edits[n++] = (SpanEdit){
                        .span = { value.start + words[i].start, words[i].len },
                        .text = TAKE_PTR(new_word),
                };
        }
        *ret_edits = edits;
        *ret_n = n;
        return 0;
fail:
        span_edits_free(edits, n);
        return r;
}

static int fix_what(FixerContext *c, const Line *l, Span value, const char *type, bool optional,
        const char *where, SpanEdit **ret_edits, size_t *ret_n, char **ret_new_what) {
        _cleanup_free_ char *what = NULL, *new = NULL;
        SpanEdit *edit;
        int r;

        what = strndup(l->p + value.start, value.len);
        if (!what)
                return -ENOMEM;
        r = (optional ? fixer_rewrite_optional_device : fixer_rewrite_device)(
                c, what, type, where, SYNTAX_PATH, &new);
        if (r <= 0 || !new)
                return r;

        edit = calloc(1, sizeof(SpanEdit));
        if (!edit)
                return -ENOMEM;
        *edit = (SpanEdit){ .span = value, .text = specifier_escape(new) };
        if (!edit->text) {
                free(edit);
                return -ENOMEM;
        }
        *ret_edits = edit;
        *ret_n = 1;
        *ret_new_what = TAKE_PTR(new);
        return 1;
}

/* What a unit says of itself before its lines are rewritten. */
typedef struct UnitInfo {
        char *type; /* the last Type= of a .mount unit, or NULL */
        bool nofail; /* the last Options= holds nofail */
        bool wanted; /* [Install] has WantedBy= */
        bool required; /* [Install] has RequiredBy= or UpheldBy= */
} UnitInfo;

/* Whether the comma-separated @p (@len bytes) holds the option @name, alone or with a value. */
static bool options_have(const char *p, size_t len, const char *name) {
        size_t n = strlen(name);

        for (size_t i = 0; i < len;) {
                size_t end = i;

                while (end < len && p[end] != ',')
                        end++;
                if (end - i >= n && memcmp(p + i, name, n) == 0 && (end - i == n || p[i + n] == '='))
                        return true;
                i = end + 1;
        }
        return false;
}

/*
 * Read what @data says of the unit, by systemd's rule: the last assignment
 * wins, an empty one resets (a list too).
 */
static int unit_scan(const char *path, const char *data, size_t size, UnitKind kind, UnitInfo *ret) {
        UnitParser u = { .path = path, .kind = kind };
        UnitInfo info = {};
        bool upheld = false, required = false;
        Line l = {};
        size_t pos = 0;

        /* Also the syntax check, for every unit, before anything is recorded. */
        while (line_next(data, size, &pos, &l)) {
                Span key, value;
                int r = unit_parse_line(&u, &l, &key, &value);

                if (r < 0) {
                        free(info.type);
                        return r;
                }
                if (r == 0)
                        continue;
                if (span_equals(l.p, key, "Options"))
                        info.nofail = options_have(l.p + value.start, value.len, "nofail");
                else if (span_equals(l.p, key, "WantedBy"))
                        info.wanted = value.len > 0;
                else if (span_equals(l.p, key, "RequiredBy"))
                        required = value.len > 0;
                else if (span_equals(l.p, key, "UpheldBy"))
                        upheld = value.len > 0;
                else if (kind == UNIT_MOUNT && span_equals(l.p, key, "Type")) {
                        free(info.type);
                        info.type = value.len > 0 ? strndup(l.p + value.start, value.len) : NULL;
                        if (value.len > 0 && !info.type)
                                return -ENOMEM;
                }
        }
        info.required = required || upheld || u.continued_requirement;
        *ret = info;
        return 0;
}

/* Whether a *.requires/ or *.upholds/ folder of @dir (whose entries are @names) holds a link named @name. */
static bool required_by_link(FixerContext *c, const char *dir, char **names, const char *name) {
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *link = NULL;

                if (!endswith(*n, ".requires") && !endswith(*n, ".upholds"))
                        continue;
                if (asprintf(&link, "%s/%s/%s", dir, *n, name) < 0)
                        return true; /* out of memory: the safe answer */
                if (root_entry_type(c->rootfd, link) != 0)
                        return true;
        }
        return false;
}

/* What is at @path, not following a link at its end. */
static int read_entry(int rootfd, const char *path, FileContent *ret) {
        struct stat st;
        ssize_t n;

        if (fstatat(rootfd, root_rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
                *ret = (FileContent){ .kind = FILE_ABSENT };
                return 0;
        }
        if (S_ISREG(st.st_mode)) {
                *ret = (FileContent){ .kind = FILE_REGULAR };
                return root_read_file(rootfd, path, NULL, &ret->data, &ret->size);
        }
        if (!S_ISLNK(st.st_mode))
                return -EBADFD;

        *ret = (FileContent){ .kind = FILE_SYMLINK, .data = malloc(PATH_MAX) };
        if (!ret->data)
                return -ENOMEM;
        n = readlinkat(rootfd, root_rel(path), ret->data, PATH_MAX - 1);
        if (n < 0) {
                file_content_done(ret);
                return -errno;
        }
        ret->data[n] = 0;
        ret->size = (size_t) n;
        return 0;
}

/* Propose that @old_path (holding @old) goes, and @new_path, which must not exist yet, holds @new. */
static int plan_move_checked(FixerContext *c, const char *old_path, const FileContent *old,
        const char *new_path, const FileContent *new, const char *reason) {
        FileContent there = {};
        int r;

        r = read_entry(c->rootfd, new_path, &there);
        if (r < 0)
                return log_error_errno(r, "%s: cannot inspect: %s", new_path, strerror(-r));
        if (there.kind != FILE_ABSENT) {
                file_content_done(&there);
                log_error("%s: should become %s, but that exists already; refusing to replace it", old_path,
                        new_path);
                return -EEXIST;
        }
        return plan_move(c->plan, old_path, old, new_path, new, "units", reason);
}

/* Move every link named @old_name in a *.wants/, *.requires/ or *.upholds/ folder to @new_name. */
static int move_dep_links(FixerContext *c, const char *dir, char **names, const char *old_name,
        const char *new_name, const char *reason) {
        int r;

        for (char **n = names; *n; n++) {
                _cleanup_free_ char *link = NULL, *canonical = NULL, *new_link = NULL, *new_target = NULL;
                FileContent content = {}, moved;
                bool dep_dir = false;
                const char *base;

                for (size_t i = 0; i < ELEMENTSOF(dep_dir_suffixes); i++)
                        if (endswith(*n, dep_dir_suffixes[i]))
                                dep_dir = true;
                if (!dep_dir)
                        continue;

                if (asprintf(&link, "%s/%s/%s", dir, *n, old_name) < 0) {
                        link = NULL;
                        return -ENOMEM;
                }
                r = root_chase(c->rootfd, link, CHASE_NOFOLLOW_LAST, &canonical);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "%s: cannot resolve: %s", link, strerror(-r));
                r = read_entry(c->rootfd, canonical, &content);
                if (r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", canonical, strerror(-r));
                if (content.kind == FILE_ABSENT)
                        continue;

                moved = content;
                if (content.kind == FILE_SYMLINK) {
                        /* The target is the unit file: it moves the same way, wherever the link says it is.
                         */
                        base = strrchr(content.data, '/');
                        base = base ? base + 1 : content.data;
                        if (streq(base, old_name)) {
                                if (asprintf(&new_target, "%.*s%s", (int) (base - content.data),
                                            content.data, new_name) < 0) {
                                        new_target = NULL;
                                        file_content_done(&content);
                                        return -ENOMEM;
                                }
                                moved = (FileContent){
                                        .kind = FILE_SYMLINK, .data = new_target, .size = strlen(new_target)
                                };
                        }
                }

                base = strrchr(canonical, '/');
                if (asprintf(&new_link, "%.*s/%s", (int) (base - canonical), canonical, new_name) < 0) {
                        new_link = NULL;
                        file_content_done(&content);
                        return -ENOMEM;
                }
                r = plan_move_checked(c, canonical, &content, new_link, &moved, reason);
                file_content_done(&content);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The swap unit @name now says What=@new_what: give it the name systemd expects. */
static int rename_swap(FixerContext *c, const char *dir, char **names, const char *name, const char *path,
        const char *new_what, const char *old_data, size_t old_size, const char *data, size_t size) {
        _cleanup_free_ char *prefix = NULL, *new_name = NULL, *new_path = NULL, *reason = NULL;
        const FileContent old = { .kind = FILE_REGULAR, .data = (char *) old_data, .size = old_size };
        const FileContent new = { .kind = FILE_REGULAR, .data = (char *) data, .size = size };
        int r;

        prefix = unit_name_from_path(new_what);
        if (!prefix || asprintf(&new_name, "%s.swap", prefix) < 0) {
                new_name = NULL;
                return -ENOMEM;
        }
        if (streq(new_name, name))
                /* Misnamed before, right now: systemd would not have loaded it under its old What=. */
                return plan_replace(
                        c->plan, path, old_data, old_size, data, size, "units", "old device names");
        if (asprintf(&new_path, "%s/%s", dir, new_name) < 0) {
                new_path = NULL;
                return -ENOMEM;
        }
        if (asprintf(&reason, "old device names; %s is now %s (a swap unit is named after What=)", name,
                    new_name) < 0) {
                reason = NULL;
                return -ENOMEM;
        }

        r = plan_move_checked(c, path, &old, new_path, &new, reason);
        if (r < 0)
                return r;
        r = move_dep_links(c, dir, names, name, new_name, reason);
        if (r < 0)
                return r;
        r = plan_warn(c->plan,
                "%s: renamed to %s, since systemd requires a swap unit to be named after its What=", path,
                new_name);
        if (r < 0)
                return r;

        /* Drop-ins and dependency folders of the old name would silently stop applying. */
        for (char **n = names; *n; n++) {
                const char *rest = startswith(*n, name);

                if (rest &&
                        (streq(rest, ".d") || streq(rest, ".wants") || streq(rest, ".requires") ||
                                streq(rest, ".upholds"))) {
                        r = plan_warn(c->plan, "%s/%s: belongs to the old name %s; move it to %s%s by hand",
                                dir, *n, name, new_name, rest);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int units_fix_file(FixerContext *c, const char *dir, char **names, const char *name, UnitKind kind) {
        _cleanup_free_ char *unit = NULL, *path = NULL, *data = NULL, *new_what = NULL;
        UnitParser u = { .kind = kind };
        UnitInfo info = {};
        bool optional;
        struct stat st;
        Buf out = {};
        Line l = {};
        size_t size, pos = 0;
        bool changed = false;
        int r;

        if (asprintf(&unit, "%s/%s", dir, name) < 0) {
                unit = NULL;
                return -ENOMEM;
        }
        r = root_chase(c->rootfd, unit, CHASE_NOFOLLOW_LAST, &path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot resolve: %s", unit, strerror(-r));
        if (fstatat(c->rootfd, root_rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(-errno, "%s: cannot inspect: %s", path, strerror(errno));
        }
        if (!S_ISREG(st.st_mode))
                return 0;

        r = root_read_file(c->rootfd, path, NULL, &data, &size);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));

        r = unit_scan(path, data, size, kind, &info);
        if (r < 0)
                return r;
        optional = kind != UNIT_OTHER && !info.required && (info.nofail || info.wanted) &&
                !required_by_link(c, dir, names, name);

        u.path = path;
        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL;
                SpanEdit *edits = NULL;
                size_t n = 0;
                Span key, value;

                r = unit_parse_line(&u, &l, &key, &value);
                if (r < 0)
                        goto finish;
                if (r > 0 && value.len > 0 &&
                        ((kind != UNIT_OTHER && span_equals(l.p, key, "What")) || is_dep_key(&l, key))) {
                        if (asprintf(&where, "%s:%u", path, l.number) < 0) {
                                where = NULL;
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (span_equals(l.p, key, "What")) {
                                /* The last What= is the one that counts for the unit's name. */
                                free(new_what);
                                new_what = NULL;
                                r = fix_what(c, &l, value, kind == UNIT_SWAP ? "swap" : info.type, optional,
                                        where, &edits, &n, &new_what);
                        } else
                                r = fix_deps(c, &l, value, where, &edits, &n);
                        if (r < 0)
                                goto finish;
                }
                if (n > 0)
                        changed = true;
                r = line_emit(&out, &l, edits, n);
                span_edits_free(edits, n);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping && kind == UNIT_SWAP && new_what)
                r = rename_swap(
                        c, dir, names, name, path, new_what, data, size, strempty(out.data), out.len);
        else if (changed && c->mapping)
                r = plan_replace(
                        c->plan, path, data, size, strempty(out.data), out.len, "units", "old device names");
finish:
        free(info.type);
        buf_done(&out);
        return r;
}

static int units_run(FixerContext *c) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        r = root_chase(c->rootfd, UNIT_DIR, 0, &dir);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot resolve: %s", UNIT_DIR, strerror(-r));
        r = root_list_dir(c->rootfd, dir, true, &names);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, strerror(-r));

        for (char **n = names; *n; n++)
                for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++)
                        if (endswith(*n, unit_suffixes[i].suffix)) {
                                r = units_fix_file(c, dir, names, *n, unit_suffixes[i].kind);
                                if (r < 0)
                                        return r;
                                break;
                        }
        return 0;
}

const Fixer fixer_units = {
        .name = "units",
        .run = units_run,
};
