/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * grub-scripts: the shell scripts in /etc/grub.d/ that grub-mkconfig runs
 * to write grub.cfg. A custom one (40_custom, or a copy of 10_linux) that
 * names the Xen disk or console writes it back into grub.cfg at every
 * kernel update, however well grub.cfg itself was fixed.
 *
 * The scripts are those grub-mkconfig runs: executable regular files, not
 * backups ("*~", "#*#"), package leftovers (*.dpkg-*, *.rpmsave, *.rpmnew),
 * README* or *.sig; and, as for /etc/default/grub.d, not one with "xen" in
 * its name (20_linux_xen writes a dom0's entries, not this guest's).
 *
 * Two things are rewritten, in place, every other byte kept:
 *   - a plain shell assignment whose whole value is an old device,
 *     GRUB_DEVICE=/dev/xvda1 or GRUB_DEVICE_BOOT="/dev/xvda1": to the
 *     device's /dev/disk/by-uuid/ path. GRUB_DEVICE is a device node to
 *     grub-mkconfig's scripts (grub-probe --device, test -e, and root=
 *     only as the last resort), so it stays a path; the initramfs's udev
 *     makes the link.
 *   - literal kernel arguments anywhere in the text, in shell words,
 *     quoted strings, heredocs and the GRUB script after "exec tail":
 *     root=/dev/xvd…, resume=, console=hvc0 and xencons=, by cmdline.c's
 *     rules, as on every other kernel command line.
 * An argument is taken only where it stands alone: not inside $(…) or
 * `…`, not glued to a quote, a variable or a brace, not a variable
 * assignment ("root=…" as a command's first word is a shell or GRUB
 * variable). Whatever still names /dev/xvd… (or hvc0, xvc0 when the
 * console moves) after that is left as it is and reported with its file
 * and line: a command substitution, a variable, "search --set=root
 * /dev/xvda", a setting only the script's own logic gives meaning to.
 * Comment lines are not read: neither shell nor GRUB acts on them.
 *
 * The new words are plain characters (checked against the quoting around
 * them), so the script stays valid shell, and the GRUB script it prints
 * valid GRUB script.
 */

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define FIXER_NAME "grub-scripts"
#define SCRIPTS_DIR "/etc/grub.d"

/* Where a run of kernel arguments ends in script text: quotes, shell operators, braces. */
#define BREAKS "\"'`;&|()<>{}"
/* What a word brings as syntax: the new text may not add any of these. */
#define SPECIAL_UNQUOTED " \t\"'`\\$;&|()<>*?[]#~{}"
#define SPECIAL_DOUBLE "\"`\\$"
#define SPECIAL_SINGLE "'"

/* Words before variable assignments: "export GRUB_DEVICE=…", GRUB's "set root=…". */
static const char *const assignment_keywords[] = { "export", "local", "readonly", "declare", "typeset",
        "set" };

typedef enum Mode {
        MODE_SHELL, /* shell commands */
        MODE_HEREDOC, /* the body of a here-document: text the script prints */
        MODE_TAIL, /* after "exec tail -n +N $0": the rest is GRUB script, printed as it is */
} Mode;

typedef struct Script {
        const char *path;
        bool initramfs;
        Mode mode;
        char *delim; /* of the here-document */
        bool strip_tabs; /* <<- */
} Script;

/* Whether grub-mkconfig runs a file of this name (its grub_file_is_not_garbage and loop). */
static bool script_name_runs(const char *name) {
        size_t len = strlen(name);

        if (len == 0 || name[len - 1] == '~' || (name[0] == '#' && name[len - 1] == '#'))
                return false;
        if (strstr(name, ".dpkg-") || endswith(name, ".rpmsave") || endswith(name, ".rpmnew") ||
                endswith(name, ".sig") || startswith(name, "README"))
                return false;
        /* A dom0's entries, as for /etc/default/grub.d. */
        return !strcasestr(name, "xen");
}

static bool is_name_char(char ch, bool first) {
        return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                (!first && ch >= '0' && ch <= '9');
}

/* The end of the variable name at @i ("NAME=" follows), or @i when there is none. */
static size_t name_end(const char *p, size_t i, size_t end) {
        size_t k = i;

        while (k < end && is_name_char(p[k], k == i))
                k++;
        return k > i && k < end && p[k] == '=' ? k : i;
}

static bool word_in(const char *p, size_t start, size_t len, const char *const *words, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strlen(words[i]) == len && memcmp(p + start, words[i], len) == 0)
                        return true;
        return false;
}

/* The end of line @l without '\r'. */
static size_t line_end(const Line *l) {
        size_t end = l->len;

        while (end > 0 && l->p[end - 1] == '\r')
                end--;
        return end;
}

/* Past a `…` or $(…) that starts at @i, or the end of the line when it goes on. */
static size_t skip_substitution(const char *p, size_t i, size_t end) {
        size_t depth = 0;

        if (p[i] == '`') {
                const char *close = memchr(p + i + 1, '`', end - i - 1);
                return close ? (size_t) (close - p) + 1 : end;
        }
        for (i++; i < end; i++)
                if (p[i] == '(')
                        depth++;
                else if (p[i] == ')' && --depth == 0)
                        return i + 1;
        return end;
}

static bool starts_substitution(const char *p, size_t i, size_t end) {
        return p[i] == '`' || (p[i] == '$' && i + 1 < end && p[i + 1] == '(');
}

/*
 * Whether a word that touches the break at @i (the left edge of a run of
 * arguments) stands alone there: after a quote that opens a string (one
 * that follows a blank, "=", an operator or the start of the scan at
 * @from), or after ; & | < >. After a closing quote, a brace, $(…) it
 * would be glued to what comes before.
 */
static bool left_alone(const char *p, size_t i, size_t from) {
        if (p[i] == '"' || p[i] == '\'')
                return i == from || is_blank(p[i - 1]) || strchr("=;&|(<>", p[i - 1]);
        return strchr(";&|<>", p[i]);
}

/* The same at the right edge: a quote that ends its string before a blank, an operator or the line's end. */
static bool right_alone(const char *p, size_t i, size_t end) {
        if (p[i] == '"' || p[i] == '\'')
                return i + 1 >= end || is_blank(p[i + 1]) || strchr(";&|)<>", p[i + 1]);
        return strchr(";&|<>", p[i]);
}

typedef struct Edits {
        SpanEdit *e;
        size_t n;
} Edits;

static void edits_done(Edits *x) {
        for (size_t i = 0; i < x->n; i++)
                free((char *) x->e[i].text);
        free(x->e);
        *x = (Edits){};
}

/* Append an edit of @span to @text (taken over, even on failure). */
static int edits_push(Edits *x, Span span, char *text) {
        SpanEdit *e = realloc(x->e, sizeof(SpanEdit) * (x->n + 1));

        if (!e) {
                free(text);
                return -ENOMEM;
        }
        x->e = e;
        e[x->n++] = (SpanEdit){ span, text };
        return 0;
}

/*
 * A plain assignment at the start of shell line @l whose whole value is an
 * old device: its new spelling as an edit. @ret_from: where the arguments
 * scan of the line starts (past the value it took, at the value of another
 * assignment, 0 for a line that is no assignment).
 */
static int fix_assignment(
        FixerContext *c, const Script *s, const Line *l, const char *where, Edits *edits, size_t *ret_from) {
        _cleanup_free_ char *value = NULL, *name = NULL, *spelled = NULL;
        size_t end = line_end(l), i, k, v, wend;
        const char *p = l->p;
        bool quoted;
        Span inner;
        int r;

        *ret_from = 0;
        i = strspn(p, " \t");
        k = i;
        while (k < end && !is_blank(p[k]))
                k++;
        if (word_in(p, i, k - i, assignment_keywords, ELEMENTSOF(assignment_keywords)))
                for (i = k; i < end && is_blank(p[i]); i++)
                        ;
        k = name_end(p, i, end);
        if (k == i)
                return 0;
        v = k + 1;
        *ret_from = v;

        /* One "double" or 'single' quoted part, or one plain word: nothing that expands or escapes. */
        quoted = v < end && (p[v] == '"' || p[v] == '\'');
        if (quoted) {
                const char *close = memchr(p + v + 1, p[v], end - v - 1);
                if (!close)
                        return 0;
                wend = (size_t) (close - p) + 1;
        } else
                for (wend = v; wend < end && !is_blank(p[wend]) && !strchr(";&|<>()", p[wend]); wend++)
                        ;
        for (size_t j = quoted ? v + 1 : v; j < (quoted ? wend - 1 : wend); j++)
                if (strchr("\"'`\\$", p[j]))
                        return 0;
        if (wend < end && !is_blank(p[wend]) && !strchr(";&|", p[wend]))
                return 0;
        if (quoted)
                inner = (Span){ v + 1, wend - v - 2 };
        else
                inner = (Span){ v, wend - v };

        value = strndup(p + inner.start, inner.len);
        if (!value)
                return -ENOMEM;
        r = fixer_old_name(c, value, &name);
        if (r <= 0)
                return r;
        /* The helper every shell fragment's value goes through; by the checks above it takes this one. */
        r = fixer_shell_value(s->path, l, v, wend, &inner);
        if (r < 0)
                return r;
        r = fixer_rewrite_device(c, value, NULL, where, SYNTAX_PATH, &spelled);
        if (r < 0)
                return r;
        *ret_from = wend;
        if (!spelled)
                return 0;
        if (!cmdline_quoting_keeps(p + inner.start, inner.len, spelled,
                    p[v] == '"'            ? SPECIAL_DOUBLE
                            : p[v] == '\'' ? SPECIAL_SINGLE
                                           : SPECIAL_UNQUOTED)) {
                log_error("%s: the new value of %.*s, %s, cannot be written inside its quotes", where,
                        (int) (k - i), p + i, spelled);
                return -EINVAL;
        }
        return edits_push(edits, inner, TAKE_PTR(spelled));
}

/*
 * Rewrite the run of words @a to @b of @l (between two breaks) as kernel
 * arguments, leaving out a first or last word glued to what is beyond the
 * run, and variable assignments where a command starts (@command).
 */
static int fix_run(FixerContext *c, const Script *s, const Line *l, size_t from, size_t a, size_t b,
        bool command, const char *where, Edits *edits) {
        _cleanup_free_ char *text = NULL;
        size_t end = line_end(l), start = a, stop = b;
        const char *p = l->p;
        int r;

        if (a > from && start < stop && !is_blank(p[a]) && !left_alone(p, a - 1, from))
                while (start < stop && !is_blank(p[start]))
                        start++;
        if (command)
                for (bool keyword = false;;) {
                        size_t w = start, k;

                        while (w < stop && is_blank(p[w]))
                                w++;
                        for (k = w; k < stop && !is_blank(p[k]);)
                                k++;
                        if (k == w)
                                break;
                        if (word_in(p, w, k - w, assignment_keywords, ELEMENTSOF(assignment_keywords)) &&
                                !keyword)
                                keyword = true;
                        else if (name_end(p, w, k) == w)
                                break;
                        start = k;
                }
        if (b < end && stop > start && !is_blank(p[b - 1]) && !right_alone(p, b, end))
                while (stop > start && !is_blank(p[stop - 1]))
                        stop--;
        if (stop <= start)
                return 0;

        r = cmdline_rewrite(c, p + start, stop - start, where, s->initramfs, &text);
        if (r < 0 || !text)
                return r;
        /* Whether the run is quoted cannot always be told (a quote may close or open): the strictest. */
        if (!cmdline_quoting_keeps(p + start, stop - start, text, SPECIAL_UNQUOTED)) {
                log_error("%s: the new arguments, %s, cannot be written there as they are", where, text);
                return -EINVAL;
        }
        return edits_push(edits, (Span){ start, stop - start }, TAKE_PTR(text));
}

/* The kernel arguments of line @l from @from on, run by run. */
static int fix_arguments(
        FixerContext *c, const Script *s, const Line *l, size_t from, const char *where, Edits *edits) {
        size_t end = line_end(l), i = from;
        bool command = from == 0;
        const char *p = l->p;

        while (i < end) {
                size_t a = i;
                int r;

                while (i < end && !strchr(BREAKS, p[i]) && !starts_substitution(p, i, end))
                        i++;
                r = fix_run(c, s, l, from, a, i, command, where, edits);
                if (r < 0)
                        return r;
                if (i >= end)
                        break;
                command = strchr(";&|({", p[i]) && !starts_substitution(p, i, end);
                i = starts_substitution(p, i, end) ? skip_substitution(p, i, end) : i + 1;
        }
        return 0;
}

/* Where @needle stands in @p (@len bytes) as a word of its own, or NULL. */
static const char *find_word(const char *p, size_t len, const char *needle) {
        size_t n = strlen(needle);

        for (const char *q = p; (q = memmem(q, len - (size_t) (q - p), needle, n)); q++) {
                bool before = q > p && (isalnum((unsigned char) q[-1]) || q[-1] == '_');
                bool after = (size_t) (q - p) + n < len && isalnum((unsigned char) q[n]);
                if (!before && !after)
                        return q;
        }
        return NULL;
}

/* The length of the word at @p, up to @end: what a message quotes. */
static int word_len(const char *p, const char *end) {
        const char *q = p;
        size_t braces = 0;

        /* A "}" closes a "${" of the word, or ends it ("${GRUB_DEVICE:-/dev/xvda}"). */
        for (; q < end && !is_blank(*q) && !strchr("\"'`;&|()<>\r\n", *q); q++)
                if (*q == '{')
                        braces++;
                else if (*q == '}' && braces-- == 0)
                        break;
        return (int) (q - p);
}

/* A warning for the line @text (as it is after the edits) when it still names an old device or console. */
static int warn_leftover(FixerContext *c, const char *where, const char *text, size_t len) {
        const char *dev = memmem(text, len, "/dev/xvd", strlen("/dev/xvd")), *con = NULL;

        if (fixer_console_moves(c) && !(con = find_word(text, len, "hvc0")))
                con = find_word(text, len, "xvc0");
        if (dev)
                return plan_warn(c->plan,
                        "%s: %.*s is left as it is (kvmigrate rewrites only a plain assignment, or a root=, "
                        "resume=, console= or xencons= argument that stands alone): check this line by hand",
                        where, word_len(dev, text + len), dev);
        if (con)
                return plan_warn(c->plan,
                        "%s: the Xen console %.4s is left as it is (kvmigrate rewrites only a console= "
                        "argument that stands alone): check this line by hand",
                        where, con);
        return 0;
}

/* In shell mode: a here-document that starts on @l, or "exec tail", after which the text is printed. */
static int shell_mode_next(Script *s, const Line *l) {
        size_t end = line_end(l), i = strspn(l->p, " \t");
        const char *p = l->p;
        char quote = 0;
        Buf delim = {};

        if (end - i >= strlen("exec tail ") && memcmp(p + i, "exec tail ", strlen("exec tail ")) == 0) {
                s->mode = MODE_TAIL;
                return 0;
        }
        for (; i < end; i++) {
                if (quote) {
                        if (p[i] == quote)
                                quote = 0;
                        else if (p[i] == '\\' && quote == '"')
                                i++;
                } else if (p[i] == '"' || p[i] == '\'')
                        quote = p[i];
                else if (p[i] == '\\')
                        i++;
                else if (p[i] == '#' && (i == 0 || is_blank(p[i - 1])))
                        return 0;
                else if (p[i] == '<' && i + 1 < end && p[i + 1] == '<' && (i + 2 >= end || p[i + 2] != '<'))
                        break;
        }
        if (i >= end)
                return 0;
        i += 2;
        s->strip_tabs = i < end && p[i] == '-';
        if (s->strip_tabs)
                i++;
        while (i < end && is_blank(p[i]))
                i++;
        /* The word, its quotes and backslashes removed: they only say that the body does not expand. */
        for (; i < end && !is_blank(p[i]) && !strchr(";&|<>()", p[i]); i++) {
                int r = 0;

                if (p[i] == '\\' && i + 1 < end)
                        r = buf_append(&delim, p + ++i, 1);
                else if (p[i] != '"' && p[i] != '\'')
                        r = buf_append(&delim, p + i, 1);
                if (r < 0) {
                        buf_done(&delim);
                        return r;
                }
        }
        if (delim.len == 0)
                return 0;
        free(s->delim);
        s->delim = buf_steal(&delim);
        if (!s->delim)
                return -ENOMEM;
        s->mode = MODE_HEREDOC;
        return 0;
}

/* Whether @l ends the here-document. */
static bool heredoc_ends(const Script *s, const Line *l) {
        size_t i = 0;

        if (s->strip_tabs)
                while (i < l->len && l->p[i] == '\t')
                        i++;
        return l->len - i == strlen(s->delim) && memcmp(l->p + i, s->delim, l->len - i) == 0;
}

static int script_fix(FixerContext *c, Script *s, const char *data, size_t size) {
        bool changed = false;
        size_t pos = 0;
        Buf out = {}, line = {};
        Line l = {};
        int r = 0;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_(edits_done) Edits edits = {};
                _cleanup_free_ char *where = NULL;
                Mode mode = s->mode;
                bool text = !line_is_comment_or_blank(&l);
                size_t from = 0;

                if (mode == MODE_HEREDOC && heredoc_ends(s, &l)) {
                        s->mode = MODE_SHELL;
                        text = false; /* the delimiter */
                } else if (mode == MODE_SHELL && text) {
                        r = shell_mode_next(s, &l);
                        if (r < 0)
                                goto finish;
                }

                line.len = 0;
                if (text) {
                        r = fixer_where(&where, s->path, l.number);
                        if (r >= 0 && mode == MODE_SHELL)
                                r = fix_assignment(c, s, &l, where, &edits, &from);
                        if (r >= 0)
                                r = fix_arguments(c, s, &l, from, where, &edits);
                        if (r < 0)
                                goto finish;
                }
                r = line_emit(&line, &l, edits.e, edits.n);
                if (r >= 0 && where && c->mapping)
                        r = warn_leftover(c, where, strempty(line.data), line.len);
                if (r >= 0)
                        r = buf_append(&out, line.data, line.len);
                if (r < 0)
                        goto finish;
                changed = changed || edits.n > 0;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, s->path, data, size, strempty(out.data), out.len, FIXER_NAME,
                        "the kernel's root and console in a script of grub-mkconfig");
finish:
        buf_done(&out);
        buf_done(&line);
        return r;
}

/* Whether @path (in the root) is what grub-mkconfig's "test -f && test -x" takes. */
static int script_runs(FixerContext *c, const char *path) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = root_chase_open(c->rootfd, path, O_PATH, NULL);
        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                return 0;
        if (fd < 0)
                return log_error_errno(fd, "%s: cannot open: %s", path, strerror(-fd));
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                return log_error_errno(r, "%s: cannot stat: %s", path, strerror(-r));
        }
        return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static int grub_scripts_run(FixerContext *c) {
        _cleanup_(path_set_done) PathSet seen = {};
        _cleanup_(strv_freep) char **names = NULL;
        bool initramfs;
        int r;

        r = root_list_dir(c->rootfd, SCRIPTS_DIR, true, &names);
        if (r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", SCRIPTS_DIR, strerror(-r));
        initramfs = boot_has_initramfs(c->rootfd);

        for (char **name = names; *name; name++) {
                _cleanup_free_ char *path = NULL, *canonical = NULL, *data = NULL;
                Script s = { .initramfs = initramfs };
                size_t size;

                if (!script_name_runs(*name))
                        continue;
                path = path_join(SCRIPTS_DIR, *name);
                if (!path)
                        return -ENOMEM;
                r = script_runs(c, path);
                if (r <= 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                r = fixer_read_once(c, &seen, path, &canonical, &data, &size);
                if (r < 0)
                        return r;
                if (!data)
                        continue;
                s.path = canonical;
                r = script_fix(c, &s, data, size);
                free(s.delim);
                if (r < 0)
                        return r;
        }
        return 0;
}

const Fixer fixer_grub_scripts = {
        .name = FIXER_NAME,
        .run = grub_scripts_run,
};
