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
 *     makes the link. With no initramfs in /boot nothing would make it,
 *     and root=$GRUB_DEVICE would not boot: the assignment is left, and
 *     said (unless plain sd names were asked for).
 *   - kernel command lines: root=/dev/xvd…, resume=, console=hvc0 and
 *     xencons=, by cmdline.c's rules. A kernel command line is what
 *     follows "linux", "linux16", "linuxefi" or "kernel" and the kernel's
 *     path where a command starts (a line, or after ";" or "{", or at the
 *     start of a string: GRUB script in heredocs, in echo'ed strings,
 *     after "exec tail"), up to the end of that command or string; and the
 *     value of an assignment to GRUB_CMDLINE_LINUX*, or to a variable that
 *     the script expands nowhere but as whole words of such command lines
 *     (KOPTS=…; linux $kernel $KOPTS).
 * Only there: anywhere else a word is the script's own (grep -q xencons=
 * /proc/cmdline, [ "$x" = xencons=tty ], a case pattern), and taking it
 * away would change what the script does.
 *
 * An argument is taken only where it stands alone: not inside $(…) or
 * `…`, not glued to a quote or a variable. Whatever still names /dev/xvd…
 * (or hvc0, xvc0, xencons= when the console moves) after that is left as
 * it is and reported with its file and line: a command substitution, a
 * variable, "search --set=root /dev/xvda", a test of the running kernel's
 * command line. Comment lines are not read: neither shell nor GRUB acts on
 * them.
 *
 * The new words are plain characters (checked against the quoting around
 * them), so the script stays valid shell, and the GRUB script it prints
 * valid GRUB script; a new spelling that the quoting would read as syntax
 * (a LABEL with a "$") leaves that spot as it is, with a warning.
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
/* How the warnings say where kvmigrate rewrites arguments. */
#define ON_CMDLINE "that stands alone on a kernel command line"
#define BY_HAND "check this line by hand"

/* Words before variable assignments: "export GRUB_DEVICE=…", GRUB's "set root=…". */
static const char *const assignment_keywords[] = { "export", "local", "readonly", "declare", "typeset",
        "set" };

/* The GRUB commands (and GRUB legacy's) whose arguments after the kernel's path are its command line. */
static const char *const kernel_words[] = { "linux", "linux16", "linuxefi", "kernel" };

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
        /* Variables whose value is a kernel command line: expanded only as whole words of one. */
        char **cmdline_vars;
        size_t n_cmdline_vars;
} Script;

static void script_done(Script *s) {
        free(s->delim);
        strv_free(s->cmdline_vars);
        *s = (Script){};
}

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

/* A ${…} at @i: part of a word, not GRUB's braces. */
static bool starts_braced(const char *p, size_t i, size_t end) {
        return p[i] == '$' && i + 1 < end && p[i + 1] == '{';
}

/* Past the ${…} that starts at @i, or the end of the line when it goes on. */
static size_t skip_braced(const char *p, size_t i, size_t end) {
        size_t depth = 0;

        for (i++; i < end; i++)
                if (p[i] == '{')
                        depth++;
                else if (p[i] == '}' && --depth == 0)
                        return i + 1;
        return end;
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

/*
 * Whether a command starts at @i: at the start of the line, after ";" or a
 * "{" of GRUB's, or at the start of a string (a quote after a blank or "=").
 */
static bool command_starts(const char *p, size_t i) {
        while (i > 0 && is_blank(p[i - 1]))
                i--;
        if (i == 0 || p[i - 1] == ';' || (p[i - 1] == '{' && (i < 2 || p[i - 2] != '$')))
                return true;
        return (p[i - 1] == '"' || p[i - 1] == '\'') && (i < 2 || is_blank(p[i - 2]) || p[i - 2] == '=');
}

/*
 * The next kernel command line in bytes *@pos to @end of @p: the words
 * after "linux /vmlinuz" (or linux16, linuxefi, kernel, and the kernel as
 * a path, a variable or a GRUB device), up to what ends the command or
 * the string that holds it. A $(…) or ${…} inside is part of it.
 */
static bool kernel_line_next(const char *p, size_t end, size_t *pos, Span *ret) {
        for (size_t i = *pos; i < end; i++) {
                size_t k = i;

                if (starts_substitution(p, i, end) || starts_braced(p, i, end)) {
                        i = (starts_braced(p, i, end) ? skip_braced(p, i, end)
                                                      : skip_substitution(p, i, end)) -
                                1;
                        continue;
                }
                if ((i > 0 && !is_blank(p[i - 1]) && !strchr(BREAKS, p[i - 1])) || !command_starts(p, i))
                        continue;
                while (k < end && !is_blank(p[k]) && !strchr(BREAKS, p[k]))
                        k++;
                if (!word_in(p, i, k - i, kernel_words, ELEMENTSOF(kernel_words)) || k >= end ||
                        !is_blank(p[k]))
                        continue;
                while (k < end && is_blank(p[k]))
                        k++;
                if (k >= end || !strchr("/$(", p[k]))
                        continue;
                while (k < end && !is_blank(p[k]))
                        if (starts_substitution(p, k, end))
                                k = skip_substitution(p, k, end);
                        else if (starts_braced(p, k, end))
                                k = skip_braced(p, k, end);
                        else if (strchr("\"'`;&|<>{}", p[k]))
                                break;
                        else
                                k++;
                ret->start = k;
                /* A $(…) goes on to its end; the arguments around it are taken one by one. */
                while (k < end)
                        if (starts_substitution(p, k, end))
                                k = skip_substitution(p, k, end);
                        else if (starts_braced(p, k, end))
                                k = skip_braced(p, k, end);
                        else if (strchr(BREAKS, p[k]))
                                break;
                        else
                                k++;
                ret->len = k - ret->start;
                *pos = k;
                return true;
        }
        *pos = end;
        return false;
}

/* The end of the shell word at @i: quotes, $(…), ${…} and backslashes are part of it. */
static size_t shell_word_end(const char *p, size_t i, size_t end) {
        while (i < end && !is_blank(p[i]) && !strchr(";&|<>()", p[i]))
                if (p[i] == '\\')
                        i += 2;
                else if (p[i] == '\'') {
                        const char *close = memchr(p + i + 1, '\'', end - i - 1);
                        i = close ? (size_t) (close - p) + 1 : end;
                } else if (p[i] == '"') {
                        for (i++; i < end && p[i] != '"'; i++)
                                if (p[i] == '\\')
                                        i++;
                        i++;
                } else if (starts_substitution(p, i, end))
                        i = skip_substitution(p, i, end);
                else if (starts_braced(p, i, end))
                        i = skip_braced(p, i, end);
                else
                        i++;
        return i < end ? i : end;
}

/*
 * The variable that shell line @p assigns where it starts ("NAME=…",
 * "export NAME=…"): the name in @ret, true; false when it assigns none.
 */
static bool assignment_name(const char *p, size_t end, Span *ret) {
        size_t i = strspn(p, " \t"), k = i;

        while (k < end && !is_blank(p[k]))
                k++;
        if (word_in(p, i, k - i, assignment_keywords, ELEMENTSOF(assignment_keywords)))
                for (i = k; i < end && is_blank(p[i]); i++)
                        ;
        k = name_end(p, i, end);
        *ret = (Span){ i, k - i };
        return k > i;
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

/* What one line's reading gives: its edits, and whether it has had its warning. */
typedef struct LineFix {
        const Line *l;
        const char *where;
        Edits edits;
        bool warned;
} LineFix;

/*
 * Rewrite the run of words @a to @b of the line (between two breaks) as
 * kernel arguments, leaving out a first word glued to what is before it
 * (unless the run starts the scan, at @from) and a last one glued to what
 * follows (unless the run ends at @limit, where the word ends).
 */
static int fix_run(
        FixerContext *c, const Script *s, LineFix *f, size_t from, size_t limit, size_t a, size_t b) {
        _cleanup_free_ char *text = NULL;
        size_t end = line_end(f->l), start = a, stop = b;
        const char *p = f->l->p;
        int r;

        if (a > from && start < stop && !is_blank(p[a]) && !left_alone(p, a - 1, from))
                while (start < stop && !is_blank(p[start]))
                        start++;
        if (b < limit && stop > start && !is_blank(p[b - 1]) && !right_alone(p, b, end))
                while (stop > start && !is_blank(p[stop - 1]))
                        stop--;
        if (stop <= start)
                return 0;

        r = cmdline_rewrite(c, p + start, stop - start, f->where, s->initramfs, &text);
        if (r < 0 || !text)
                return r;
        /* Whether the run is quoted cannot always be told (a quote may close or open): the strictest. */
        if (!cmdline_quoting_keeps(p + start, stop - start, text, SPECIAL_UNQUOTED)) {
                const char *new = text + strspn(text, " \t");
                size_t n = strlen(new);

                while (n > 0 && is_blank(new[n - 1]))
                        n--;
                if (!c->mapping)
                        return 0;
                f->warned = true;
                /* The arguments, without the blanks around them. */
                while (start < stop && is_blank(p[start]))
                        start++;
                while (stop > start && is_blank(p[stop - 1]))
                        stop--;
                return plan_warn(c->plan,
                        "%s: %.*s is left as it is: the new arguments, %.*s, cannot be written there (the "
                        "shell would read part of them as syntax): " BY_HAND,
                        f->where, (int) (stop - start), p + start, (int) n, new);
        }
        return edits_push(&f->edits, (Span){ start, stop - start }, TAKE_PTR(text));
}

/* The kernel arguments in bytes @from to @to of the line, run by run between quotes and $(…). */
static int fix_runs(FixerContext *c, const Script *s, LineFix *f, size_t from, size_t to, size_t limit) {
        const char *p = f->l->p;
        size_t i = from;

        while (i < to) {
                size_t a = i;
                int r;

                while (i < to && !strchr(BREAKS, p[i]) && !starts_substitution(p, i, to))
                        i = starts_braced(p, i, to) ? skip_braced(p, i, to) : i + 1;
                r = fix_run(c, s, f, from, limit, a, i);
                if (r < 0)
                        return r;
                if (i >= to)
                        break;
                i = starts_substitution(p, i, to) ? skip_substitution(p, i, to) : i + 1;
        }
        return 0;
}

/* The kernel command lines of the line from @from on. */
static int fix_kernel_lines(FixerContext *c, const Script *s, LineFix *f, size_t from) {
        size_t end = line_end(f->l), pos = from;
        Span k;

        while (kernel_line_next(f->l->p, end, &pos, &k)) {
                int r = fix_runs(c, s, f, k.start, k.start + k.len, end);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether @v holds the @len bytes at @p. */
static bool strv_contains_span(char *const *v, const char *p, size_t len) {
        for (; v && *v; v++)
                if (strlen(*v) == len && memcmp(*v, p, len) == 0)
                        return true;
        return false;
}

/* Whether the variable @name (@len bytes) holds a kernel command line. */
static bool is_cmdline_var(const Script *s, const char *name, size_t len) {
        const char *prefix = "GRUB_CMDLINE_LINUX";

        return (len >= strlen(prefix) && memcmp(name, prefix, strlen(prefix)) == 0) ||
                strv_contains_span(s->cmdline_vars, name, len);
}

/*
 * A plain assignment at the start of shell line @l: a kernel command line
 * as its value is rewritten as one, an old device as its new spelling.
 * @ret_from: where the search for kernel command lines of the line goes on
 * (past the value it took, 0 for a line that is no assignment).
 */
static int fix_assignment(FixerContext *c, const Script *s, LineFix *f, size_t *ret_from) {
        _cleanup_free_ char *value = NULL, *name = NULL, *spelled = NULL;
        const Line *l = f->l;
        size_t end = line_end(l), v, wend;
        const char *p = l->p;
        bool quoted;
        Span var, inner;
        int r;

        *ret_from = 0;
        if (!assignment_name(p, end, &var))
                return 0;
        v = var.start + var.len + 1;
        *ret_from = v;

        if (is_cmdline_var(s, p + var.start, var.len)) {
                wend = shell_word_end(p, v, end);
                *ret_from = wend;
                return fix_runs(c, s, f, v, wend, wend);
        }

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
        *ret_from = wend;
        if (!s->initramfs && c->form != REWRITE_NAME) {
                /* The /dev/disk/ link would be made by udev, which runs in an initramfs. */
                if (!c->mapping)
                        return 0;
                f->warned = true;
                return plan_warn(c->plan,
                        "%s: %.*s=%s is left as it is: /boot holds no initramfs, a kernel without one "
                        "cannot "
                        "find a root= given as a /dev/disk/ link, and a script can put this value on "
                        "root=: " BY_HAND,
                        f->where, (int) var.len, p + var.start, value);
        }
        r = fixer_rewrite_device(c, value, NULL, f->where, SYNTAX_PATH, &spelled);
        if (r < 0 || !spelled)
                return r < 0 ? r : 0;
        if (!cmdline_quoting_keeps(p + inner.start, inner.len, spelled,
                    p[v] == '"'            ? SPECIAL_DOUBLE
                            : p[v] == '\'' ? SPECIAL_SINGLE
                                           : SPECIAL_UNQUOTED)) {
                if (!c->mapping)
                        return 0;
                f->warned = true;
                return plan_warn(c->plan,
                        "%s: %.*s=%s is left as it is: its new value, %s, cannot be written inside its "
                        "quoting (the shell would read part of it as syntax): " BY_HAND,
                        f->where, (int) var.len, p + var.start, value, spelled);
        }
        return edits_push(&f->edits, inner, TAKE_PTR(spelled));
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

/* Where the argument xencons= starts a word in @p (@len bytes), or NULL. */
static const char *find_xencons(const char *p, size_t len) {
        for (const char *q = p; (q = memmem(q, len - (size_t) (q - p), "xencons=", strlen("xencons="))); q++)
                if (q == p || !(isalnum((unsigned char) q[-1]) || q[-1] == '_' || q[-1] == '.'))
                        return q;
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
        const char *dev = memmem(text, len, "/dev/xvd", strlen("/dev/xvd")), *con = NULL, *xencons = NULL;

        if (fixer_console_moves(c)) {
                if (!(con = find_word(text, len, "hvc0")))
                        con = find_word(text, len, "xvc0");
                xencons = find_xencons(text, len);
        }
        if (dev)
                return plan_warn(c->plan,
                        "%s: %.*s is left as it is (kvmigrate rewrites only a plain assignment, or a root=, "
                        "resume=, console= or xencons= argument " ON_CMDLINE "): " BY_HAND,
                        where, word_len(dev, text + len), dev);
        if (con)
                return plan_warn(c->plan,
                        "%s: the Xen console %.4s is left as it is (kvmigrate rewrites only a console= "
                        "argument " ON_CMDLINE "): " BY_HAND,
                        where, con);
        if (xencons)
                return plan_warn(c->plan,
                        "%s: %.*s is left as it is (kvmigrate removes only an xencons= argument " ON_CMDLINE
                        "): " BY_HAND,
                        where, word_len(xencons, text + len), xencons);
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

/*
 * The next line of the script from *@pos, in @l, with the mode it is read
 * in (@ret_mode) and whether it is text to read (@ret_text: not a comment,
 * a blank line or the end of a here-document). Return 1, 0 at the end, or
 * -ENOMEM.
 */
static int script_line_next(
        Script *s, const char *data, size_t size, size_t *pos, Line *l, Mode *ret_mode, bool *ret_text) {
        int r = 0;

        if (!line_next(data, size, pos, l))
                return 0;
        *ret_mode = s->mode;
        *ret_text = !line_is_comment_or_blank(l);
        if (s->mode == MODE_HEREDOC && heredoc_ends(s, l)) {
                s->mode = MODE_SHELL;
                *ret_text = false; /* the delimiter */
        } else if (s->mode == MODE_SHELL && *ret_text)
                r = shell_mode_next(s, l);
        return r < 0 ? r : 1;
}

/*
 * Whether the variable named at bytes @i to @k of @p (@end bytes) is expanded as a whole
 * word ($NAME, ${NAME}) of one of the kernel command lines @k_lines.
 */
static bool expanded_on_kernel_line(
        const char *p, size_t end, size_t i, size_t k, const Span *k_lines, size_t n) {
        size_t ws, we;

        if (i >= 1 && p[i - 1] == '$')
                ws = i - 1, we = k;
        else if (i >= 2 && p[i - 1] == '{' && p[i - 2] == '$' && k < end && p[k] == '}')
                ws = i - 2, we = k + 1;
        else
                return false;
        for (size_t j = 0; j < n; j++) {
                size_t a = k_lines[j].start, b = a + k_lines[j].len;
                if (ws >= a && we <= b && (ws == a || is_blank(p[ws - 1])) && (we == b || is_blank(p[we])))
                        return true;
        }
        return false;
}

/*
 * The variables whose value is a kernel command line: every name the
 * script's shell text holds is either assigned where a line starts, or
 * expanded as whole words of a kernel command line, at least once. Any
 * other mention (a test, a loop, an export, another expansion) and the
 * value is the script's own. Heredoc bodies count as shell text, quoted
 * delimiter or not: reading too much only leaves more as it is.
 */
static int script_find_cmdline_vars(Script *s, const char *data, size_t size) {
        _cleanup_(strv_freep) char **used = NULL, **other = NULL;
        _cleanup_free_ Span *k_lines = NULL;
        size_t n_used = 0, n_other = 0, pos = 0;
        Line l = {};
        Mode mode;
        bool text;
        int r;

        while ((r = script_line_next(s, data, size, &pos, &l, &mode, &text)) > 0) {
                size_t end = line_end(&l), n = 0, kpos = 0;
                const char *p = l.p;
                Span var = {}, k;

                if (!text || mode == MODE_TAIL)
                        continue;
                if (mode == MODE_SHELL)
                        (void) assignment_name(p, end, &var);
                while (kernel_line_next(p, end, &kpos, &k)) {
                        Span *grown = realloc(k_lines, sizeof(Span) * (n + 1));
                        if (!grown)
                                return -ENOMEM;
                        k_lines = grown;
                        k_lines[n++] = k;
                }
                for (size_t i = 0; i < end; i++) {
                        size_t j = i;
                        bool use;

                        if (!is_name_char(p[i], true) || (i > 0 && is_name_char(p[i - 1], false)))
                                continue;
                        while (j < end && is_name_char(p[j], false))
                                j++;
                        if (var.len > 0 && i == var.start) {
                                i = j - 1;
                                continue;
                        }
                        use = expanded_on_kernel_line(p, end, i, j, k_lines, n);
                        if (!strv_contains_span(use ? used : other, p + i, j - i)) {
                                r = use ? strv_push(&used, &n_used, strndup(p + i, j - i))
                                        : strv_push(&other, &n_other, strndup(p + i, j - i));
                                if (r < 0)
                                        return r;
                        }
                        i = j - 1;
                }
        }
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_used; i++)
                if (!strv_contains(other, used[i])) {
                        r = strv_push(&s->cmdline_vars, &s->n_cmdline_vars, strdup(used[i]));
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int script_fix(FixerContext *c, Script *s, const char *data, size_t size) {
        bool changed = false, text;
        size_t pos = 0;
        Buf out = {}, line = {};
        Line l = {};
        Mode mode;
        int r;

        r = script_find_cmdline_vars(s, data, size);
        if (r < 0)
                return r;
        s->mode = MODE_SHELL;

        while ((r = script_line_next(s, data, size, &pos, &l, &mode, &text)) > 0) {
                _cleanup_free_ char *where = NULL;
                LineFix f = { .l = &l };
                size_t from = 0;

                line.len = 0;
                if (text) {
                        r = fixer_where(&where, s->path, l.number);
                        f.where = where;
                        if (r >= 0 && mode == MODE_SHELL)
                                r = fix_assignment(c, s, &f, &from);
                        if (r >= 0)
                                r = fix_kernel_lines(c, s, &f, from);
                }
                if (r >= 0)
                        r = line_emit(&line, &l, f.edits.e, f.edits.n);
                if (r >= 0 && where && c->mapping && !f.warned)
                        r = warn_leftover(c, where, strempty(line.data), line.len);
                if (r >= 0)
                        r = buf_append(&out, line.data, line.len);
                changed = changed || f.edits.n > 0;
                edits_done(&f.edits);
                if (r < 0)
                        goto finish;
        }
        if (r < 0)
                goto finish;

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
                script_done(&s);
                if (r < 0)
                        return r;
        }
        return 0;
}

const Fixer fixer_grub_scripts = {
        .name = FIXER_NAME,
        .run = grub_scripts_run,
};
