/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * grub2: GRUB 2's settings and the menu generated from them.
 *
 * /etc/default/grub (on Red Hat also reached as /etc/sysconfig/grub, a
 * link to it; one file is edited once, at its target) and the fragments
 * /etc/default/grub.d/NAME.cfg, which grub-mkconfig sources after it in
 * name order (Ubuntu's cloud images set the console in
 * 50-cloudimg-settings.cfg).
 * GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT are command lines for
 * every kernel, so /boot says whether they boot with an initramfs. Their
 * quoting is kept; a value that is not one plain, "double" or 'single'
 * quoted word on its line is refused rather than guessed at.
 * GRUB_CMDLINE_XEN* and any fragment with "xen" in its name are for a Xen
 * dom0, not for this guest, and stay as they are. GRUB_DISABLE_LINUX_UUID=
 * true is reported: the next update-grub would write root=/dev/sdX; not
 * when GRUB_CMDLINE_LINUX names a root= of its own, which comes after that
 * one on every entry and is the one the kernel takes.
 *
 * When a Xen console there becomes ttyS0, GRUB's own menu should be on the
 * serial line too, or the first KVM boot shows it on a screen nobody
 * watches (a provider's out-of-band console is the serial line). Every
 * GRUB_TERMINAL gets "serial" and "console", both, so a VGA screen still
 * works. Where no file sets it, it is added to /etc/default/grub (after a
 * commented "#GRUB_TERMINAL=" if there is one), and then stands for
 * GRUB_TERMINAL_INPUT and _OUTPUT as grub-mkconfig reads them.
 * GRUB_SERIAL_COMMAND is added next to the GRUB_TERMINAL that counts (the
 * last) unless some file sets one: an administrator's own stays as it is.
 *
 * The generated /boot/grub/grub.cfg (/boot/grub2/grub.cfg on Red Hat) is
 * edited in place too, so the next boot is right even if nobody runs
 * update-grub: the arguments of each linux, linux16 and linuxefi command.
 * That kernel boots with an initramfs when its menuentry has an initrd
 * command. "search --fs-uuid --set=root" and "set root='hd0,msdos1'" (or
 * 'xen/xvda,msdos1' under GRUB built for Xen) stay: the search finds the
 * filesystem by UUID, whatever the disk is called now; a kernel path on a
 * "(xen/xvda,msdos1)" disk is reported, not rewritten (which (hdN) that
 * disk became cannot be seen from here). The edits only swap whole
 * arguments for ones of plain characters, so the file stays valid GRUB
 * script.
 */

#include <ctype.h>
#include <stdint.h>

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define FIXER_NAME "grub2"
#define DEFAULTS_DIR "/etc/default/grub.d"

/*
 * COM1, the port KVM's ttyS0 is, at the speed and framing the kernel gets
 * with console=ttyS0,115200n8 (GRUB's default would be 9600, and GRUB and
 * the kernel would then talk to the serial line at different speeds).
 */
#define SERIAL_COMMAND "serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1"

static const char *const defaults_paths[] = { "/etc/default/grub", "/etc/sysconfig/grub" };
static const char *const cfg_paths[] = { "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg" };

static const char *const kernel_commands[] = { "linux", "linux16", "linuxefi" };
static const char *const initrd_commands[] = { "initrd", "initrd16", "initrdefi" };

/* Words after which another command starts, in shell and GRUB script alike. */
static const char *const command_keywords[] = { "if", "then", "elif", "else", "while", "until", "do", "!" };

static bool span_in(const char *p, Span s, const char *const *words, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (span_equals(p, s, words[i]))
                        return true;
        return false;
}

/*
 * A lexer for the line-by-line view both file kinds need: words, operators
 * and comments, with quotes and escapes, and the state a quote left open
 * carries into the next line.
 */
typedef struct Lexer {
        const char *ops; /* characters that are operators when not quoted */
        bool backticks; /* `…` quotes (shell) */
        char quote; /* a quote left open at the end of the previous line */
        bool continued; /* the previous line ended in a backslash */
} Lexer;

typedef struct Token {
        Span span;
        char op; /* the operator, or 0 for a word */
        bool command; /* a word where a command name stands */
} Token;

typedef struct Tokens {
        Token *t;
        size_t n, cap;
        bool inside; /* the line starts inside a quote or continues the previous one */
} Tokens;

static void tokens_done(Tokens *t) {
        free(t->t);
        *t = (Tokens){};
}

static int tokens_push(Tokens *t, Span span, char op, bool command) {
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                Token *n = realloc(t->t, cap * sizeof(Token));
                if (!n)
                        return -ENOMEM;
                t->t = n;
                t->cap = cap;
        }
        t->t[t->n++] = (Token){ span, op, command };
        return 0;
}

/* Past the closing @q of a quote that starts at @i; false when the line ends first. */
static bool skip_quote(const char *p, size_t *i, size_t end, char q) {
        while (*i < end) {
                char ch = p[(*i)++];
                if (ch == q)
                        return true;
                if (ch == '\\' && q != '\'' && *i < end)
                        (*i)++;
        }
        return false;
}

static bool is_op(const Lexer *x, char ch) {
        return ch && strchr(x->ops, ch);
}

/* The rest of a word from @i. */
static size_t lex_word(Lexer *x, const char *p, size_t i, size_t end) {
        while (i < end && !is_blank(p[i]) && !is_op(x, p[i])) {
                char ch = p[i];

                if (ch == '\\') {
                        if (i + 1 >= end) {
                                x->continued = true;
                                return end;
                        }
                        i += 2;
                } else if (ch == '\'' || ch == '"' || (ch == '`' && x->backticks)) {
                        i++;
                        if (!skip_quote(p, &i, end, ch)) {
                                x->quote = ch;
                                return end;
                        }
                } else if (ch == '$' && i + 1 < end && p[i + 1] == '{') {
                        const char *close = memchr(p + i, '}', end - i);
                        i = close ? (size_t) (close - p) + 1 : end;
                } else
                        i++;
        }
        return i;
}

static int lex_line(Lexer *x, const Line *l, Tokens *ret) {
        size_t i = 0, end = l->len;
        bool command;
        int r;

        while (end > 0 && l->p[end - 1] == '\r')
                end--;
        ret->n = 0;
        ret->inside = x->quote || x->continued;
        command = !ret->inside;
        x->continued = false;

        if (x->quote) {
                char q = x->quote;

                if (!skip_quote(l->p, &i, end, q))
                        return 0;
                x->quote = 0;
                i = lex_word(x, l->p, i, end);
                r = tokens_push(ret, (Span){ 0, i }, 0, false);
                if (r < 0)
                        return r;
        }
        for (;;) {
                size_t start;

                while (i < end && is_blank(l->p[i]))
                        i++;
                if (i >= end || l->p[i] == '#')
                        return 0;
                start = i;
                if (is_op(x, l->p[i])) {
                        r = tokens_push(ret, (Span){ i++, 1 }, l->p[start], false);
                        command = true;
                } else {
                        i = lex_word(x, l->p, i, end);
                        r = tokens_push(ret, (Span){ start, i - start }, 0, command);
                        command = span_in(l->p, (Span){ start, i - start }, command_keywords,
                                ELEMENTSOF(command_keywords));
                }
                if (r < 0)
                        return r;
        }
}

/* The count of each of @chars in @s. */
static size_t count_char(const char *s, size_t len, char ch) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                n += s[i] == ch;
        return n;
}

/* Whether the words of @s name a Xen console: console=hvc0 or xvc0, with or without options. */
static bool has_xen_console(const char *s, size_t len) {
        for (size_t i = 0; i < len;) {
                size_t start;

                while (i < len && is_blank(s[i]))
                        i++;
                start = i;
                while (i < len && !is_blank(s[i]))
                        i++;
                for (const char *const *c = (const char *const[]){ "console=hvc0", "console=xvc0", NULL };
                        *c; c++) {
                        size_t n = strlen(*c);
                        if (i - start >= n && memcmp(s + start, *c, n) == 0 &&
                                (i - start == n || s[start + n] == ','))
                                return true;
                }
        }
        return false;
}

/* /etc/default/grub and its fragments */

typedef enum DefaultsKey {
        KEY_CMDLINE, /* GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT */
        KEY_TERMINAL,
        KEY_SERIAL_COMMAND,
        KEY_DISABLE_UUID,
        _KEY_MAX,
} DefaultsKey;

static const struct {
        const char *name;
        DefaultsKey key;
} defaults_keys[] = {
        { "GRUB_CMDLINE_LINUX", KEY_CMDLINE },
        { "GRUB_CMDLINE_LINUX_DEFAULT", KEY_CMDLINE },
        { "GRUB_TERMINAL", KEY_TERMINAL },
        { "GRUB_SERIAL_COMMAND", KEY_SERIAL_COMMAND },
        { "GRUB_DISABLE_LINUX_UUID", KEY_DISABLE_UUID },
};

typedef struct Assignment {
        DefaultsKey key;
        Span name;
        Span value; /* as written, quotes included */
        Span inner; /* the words: inside the quotes */
        char quote; /* '"', '\'' or 0 */
} Assignment;

typedef struct Defaults {
        char *path; /* canonical */
        char *data;
        size_t size;
        bool main; /* /etc/default/grub itself, not a fragment */
} Defaults;

static void defaults_free(Defaults *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(d[i].path);
                free(d[i].data);
        }
        free(d);
}

/*
 * One line of a defaults file, a shell script: 1 and the assignment when
 * it sets one of the settings this fixer reads, 0 for anything else,
 * -EBADMSG (logged) for such a setting whose value cannot be edited in
 * place: not one plain, "double" or 'single' quoted word on its line.
 */
static int parse_assignment(Lexer *x, Tokens *tk, const char *path, const Line *l, Assignment *ret) {
        const Token *t;
        size_t k = 0, eq, v, vend;
        int r;

        r = lex_line(x, l, tk);
        if (r < 0)
                return r;
        if (tk->inside || tk->n == 0)
                return 0;
        if (tk->n > 1 && tk->t[0].op == 0 && span_equals(l->p, tk->t[0].span, "export"))
                k = 1;
        t = &tk->t[k];
        if (t->op || !memchr(l->p + t->span.start, '=', t->span.len))
                return 0;
        eq = (size_t) ((const char *) memchr(l->p + t->span.start, '=', t->span.len) - l->p);
        ret->name = (Span){ t->span.start, eq - t->span.start };
        ret->key = _KEY_MAX;
        for (size_t i = 0; i < ELEMENTSOF(defaults_keys); i++)
                if (span_equals(l->p, ret->name, defaults_keys[i].name))
                        ret->key = defaults_keys[i].key;
        if (ret->key == _KEY_MAX)
                return 0;

        v = eq + 1;
        vend = t->span.start + t->span.len;
        ret->value = (Span){ v, vend - v };
        if (k + 1 < tk->n || x->quote || x->continued)
                goto bad;
        if (vend - v >= 2 && (l->p[v] == '"' || l->p[v] == '\'') && l->p[vend - 1] == l->p[v]) {
                size_t i = v + 1;

                ret->quote = l->p[v];
                /* One quoted part: its closing quote is the last character. */
                if (!skip_quote(l->p, &i, vend, ret->quote) || i != vend)
                        goto bad;
                ret->inner = (Span){ v + 1, vend - v - 2 };
                return 1;
        }
        for (size_t i = v; i < vend; i++)
                if (strchr("\"'`\\", l->p[i]) || (l->p[i] == '$' && i + 1 < vend && l->p[i + 1] == '('))
                        goto bad;
        ret->quote = 0;
        ret->inner = ret->value;
        return 1;
bad:
        log_error("%s:%u: %.*s= is not one plain or quoted word on its line; refusing to edit %s in place",
                path, l->number, (int) ret->name.len, l->p + ret->name.start, path);
        return -EBADMSG;
}

static Lexer shell_lexer(void) {
        return (Lexer){ .ops = ";&|()<>", .backticks = true };
}

/* Lines to add to a defaults file: after line @after (0: at the end). */
typedef struct Insertion {
        size_t file;
        unsigned after;
        const char *text;
} Insertion;

/* What all the defaults files say together, before any of them is edited. */
typedef struct Survey {
        bool console_moves; /* a command line names a Xen console, which becomes ttyS0 */
        size_t terminal_file; /* the file and line of the last GRUB_TERMINAL=, or SIZE_MAX */
        unsigned terminal_line;
        bool serial_command;
        unsigned anchor_line; /* main file: "#GRUB_TERMINAL=…" to add after, 0 for the end */
        const char *disable_uuid; /* the file that says GRUB_DISABLE_LINUX_UUID=true */
        /*
         * The GRUB_CMDLINE_LINUX that counts (the last) names a root= of its
         * own: grub-mkconfig puts it after its own root= on every entry,
         * recovery ones too, and the kernel takes the last one.
         */
        bool cmdline_root;
} Survey;

/*
 * Whether cmdline_rewrite() turns the Xen console of @s into ttyS0: asked
 * of it in a scan-pass copy of @c (so no reference is recorded twice and
 * the rules stay cmdline.c's, including "only for a guest from Xen").
 */
static int console_moves(const FixerContext *c, const char *s, size_t len, const char *where) {
        _cleanup_(plan_done) Plan scratch = {};
        _cleanup_(fixer_context_done) FixerContext probe = {
                .rootfd = c->rootfd,
                .old = c->old,
                .new = c->new,
                .form = c->form,
                .from_xen = c->from_xen,
                .plan = &scratch,
        };
        _cleanup_free_ char *text = NULL;
        int r;

        if (!has_xen_console(s, len))
                return 0;
        r = cmdline_rewrite(&probe, s, len, where, true, &text);
        if (r < 0)
                return r;
        return text && !has_xen_console(text, strlen(text));
}

/* Whether @s expands $GRUB_CMDLINE_LINUX or ${GRUB_CMDLINE_LINUX}: it keeps what that held. */
static bool expands_cmdline(const char *s, size_t len) {
        static const char name[] = "GRUB_CMDLINE_LINUX";
        const size_t n = sizeof(name) - 1;

        for (size_t i = 0; i + 1 + n <= len; i++) {
                size_t k = i + 1 + (s[i + 1] == '{');

                if (s[i] != '$' || k + n > len || memcmp(s + k, name, n) != 0)
                        continue;
                if (k > i + 1 ? k + n < len && s[k + n] == '}'
                              : k + n == len || !(isalnum((unsigned char) s[k + n]) || s[k + n] == '_'))
                        return true;
        }
        return false;
}

static int defaults_survey(FixerContext *c, Defaults *files, size_t n, Survey *ret) {
        *ret = (Survey){ .terminal_file = SIZE_MAX };

        for (size_t f = 0; f < n; f++) {
                _cleanup_(tokens_done) Tokens tk = {};
                Lexer x = shell_lexer();
                size_t pos = 0;
                Line l = {};

                while (line_next(files[f].data, files[f].size, &pos, &l)) {
                        _cleanup_free_ char *where = NULL;
                        Assignment a;
                        int r = parse_assignment(&x, &tk, files[f].path, &l, &a);

                        if (r < 0)
                                return r;
                        if (r == 0) {
                                if (files[f].main && !tk.inside &&
                                        startswith(l.p + strspn(l.p, " \t"), "#GRUB_TERMINAL="))
                                        ret->anchor_line = l.number;
                                continue;
                        }
                        if (a.key == KEY_TERMINAL) {
                                ret->terminal_file = f;
                                ret->terminal_line = l.number;
                        } else if (a.key == KEY_SERIAL_COMMAND)
                                ret->serial_command = true;
                        else if (a.key == KEY_DISABLE_UUID)
                                ret->disable_uuid = span_equals(l.p, a.inner, "true") ? files[f].path : NULL;
                        if (a.key == KEY_CMDLINE && span_equals(l.p, a.name, "GRUB_CMDLINE_LINUX"))
                                ret->cmdline_root =
                                        cmdline_has_arg(l.p + a.inner.start, a.inner.len, "root=") ||
                                        (ret->cmdline_root &&
                                                expands_cmdline(l.p + a.inner.start, a.inner.len));
                        if (a.key == KEY_CMDLINE && !ret->console_moves) {
                                r = fixer_where(&where, files[f].path, l.number);
                                if (r >= 0)
                                        r = console_moves(c, l.p + a.inner.start, a.inner.len, where);
                                if (r < 0)
                                        return r;
                                ret->console_moves = r > 0;
                        }
                }
        }
        return 0;
}

/*
 * GRUB_TERMINAL's words with "serial" and "console" among them: "serial"
 * goes first, "console" last ("console" → "serial console"); NULL when both
 * are there already.
 */
static int terminal_words(const char *p, Span inner, char **ret) {
        bool serial = false, console = false;
        size_t end = inner.start + inner.len;
        Buf b = {};
        int r = 0;

        *ret = NULL;
        for (size_t i = inner.start; i < end;) {
                Span w;

                while (i < end && is_blank(p[i]))
                        i++;
                w.start = i;
                while (i < end && !is_blank(p[i]))
                        i++;
                w.len = i - w.start;
                serial = serial || span_equals(p, w, "serial");
                console = console || span_equals(p, w, "console");
        }
        if (serial && console)
                return 0;
        /* The words there, without blanks at either end. */
        while (inner.len > 0 && is_blank(p[inner.start])) {
                inner.start++;
                inner.len--;
        }
        while (inner.len > 0 && is_blank(p[inner.start + inner.len - 1]))
                inner.len--;

        if (!serial)
                r = buf_puts(&b, inner.len > 0 ? "serial " : "serial");
        if (r >= 0)
                r = buf_append(&b, p + inner.start, inner.len);
        if (r >= 0 && !console)
                r = buf_puts(&b, " console");
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

/*
 * Rewrite the command lines of @d; when @console_moves, complete its
 * GRUB_TERMINAL= and add the lines of @ins (NULL: none for this file).
 */
static int defaults_fix_file(FixerContext *c, const Defaults *d, bool initramfs, bool console_moves,
        const Insertion *ins, bool *changed) {
        _cleanup_(tokens_done) Tokens tk = {};
        Lexer x = shell_lexer();
        bool file_changed = false, terminal = false, inserted = false;
        size_t pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        while (line_next(d->data, d->size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *text = NULL, *quoted = NULL;
                SpanEdit edit = {};
                Assignment a;

                r = parse_assignment(&x, &tk, d->path, &l, &a);
                if (r < 0)
                        goto finish;
                if (r > 0 && a.key == KEY_CMDLINE) {
                        r = fixer_where(&where, d->path, l.number);
                        if (r >= 0)
                                r = cmdline_rewrite(
                                        c, l.p + a.inner.start, a.inner.len, where, initramfs, &text);
                        if (r < 0)
                                goto finish;
                        if (text &&
                                !cmdline_quoting_keeps(l.p + a.inner.start, a.inner.len, text,
                                        a.quote == '"'    ? "\"\\$`"
                                                : a.quote ? "'"
                                                          : " \t\"'\\$`;&|()<>*?[]#~{}")) {
                                log_error(
                                        "%s: the new value of %.*s, %s, cannot be written inside its quotes",
                                        where, (int) a.name.len, l.p + a.name.start, text);
                                r = -EINVAL;
                                goto finish;
                        }
                        edit = (SpanEdit){ a.inner, text };
                } else if (r > 0 && a.key == KEY_TERMINAL && console_moves) {
                        r = terminal_words(l.p, a.inner, &text);
                        if (r < 0)
                                goto finish;
                        if (text && a.quote == 0) {
                                /* One word no more: quote it. */
                                if (asprintf(&quoted, "\"%s\"", text) < 0) {
                                        quoted = NULL;
                                        r = -ENOMEM;
                                        goto finish;
                                }
                                edit = (SpanEdit){ a.value, quoted };
                        } else
                                edit = (SpanEdit){ a.inner, text };
                        if (edit.text)
                                terminal = true;
                }
                if (edit.text)
                        file_changed = true;
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
                if (ins && ins->after == l.number) {
                        r = l.newline ? 0 : buf_puts(&out, "\n");
                        if (r >= 0)
                                r = buf_puts(&out, ins->text);
                        if (r < 0)
                                goto finish;
                        inserted = true;
                }
        }
        if (ins && !inserted) {
                r = out.len == 0 || out.data[out.len - 1] == '\n' ? 0 : buf_puts(&out, "\n");
                if (r >= 0)
                        r = buf_puts(&out, ins->text);
                if (r < 0)
                        goto finish;
        }
        if (ins)
                file_changed = terminal = true;

        r = 0;
        if (file_changed && c->mapping) {
                *changed = true;
                r = plan_replace(c->plan, d->path, d->data, d->size, strempty(out.data), out.len, FIXER_NAME,
                        terminal ? "kernel command line, and GRUB's menu on the serial console too"
                                 : "kernel command line");
        }
finish:
        buf_done(&out);
        return r;
}

/* Read @path into @files unless it is one read already (a link to it). */
static int defaults_add(FixerContext *c, const char *path, bool main, Defaults **files, size_t *n) {
        _cleanup_free_ char *canonical = NULL, *data = NULL;
        Defaults *f;
        size_t size;
        int r;

        r = root_read_file(c->rootfd, path, &canonical, &data, &size);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));
        for (size_t i = 0; i < *n; i++)
                if (streq((*files)[i].path, canonical))
                        return 0;
        f = realloc(*files, sizeof(Defaults) * (*n + 1));
        if (!f)
                return -ENOMEM;
        *files = f;
        f[(*n)++] = (Defaults){ TAKE_PTR(canonical), TAKE_PTR(data), size, main };
        return 0;
}

/*
 * The defaults files: every one that exists, in the order grub-mkconfig
 * reads them. @ret_disable_uuid: the file that sets
 * GRUB_DISABLE_LINUX_UUID=true (newly allocated), or NULL.
 */
static int defaults_fix(FixerContext *c, bool *changed, char **ret_disable_uuid) {
        _cleanup_(strv_freep) char **names = NULL;
        Defaults *files = NULL;
        size_t n = 0, main = SIZE_MAX;
        Insertion ins = { .file = SIZE_MAX };
        bool initramfs;
        Survey s;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(defaults_paths); i++) {
                r = defaults_add(c, defaults_paths[i], true, &files, &n);
                if (r < 0)
                        goto finish;
        }
        r = root_list_dir(c->rootfd, DEFAULTS_DIR, true, &names);
        if (r == -ENOTDIR)
                r = 0;
        else if (r < 0) {
                log_error("%s: cannot list: %s", DEFAULTS_DIR, strerror(-r));
                goto finish;
        }
        for (char **name = names; name && *name; name++) {
                _cleanup_free_ char *path = NULL;
                size_t len = strlen(*name);

                /* grub-mkconfig sources NAME.cfg only; a Xen fragment sets dom0's options. */
                if (len < 4 || !streq(*name + len - 4, ".cfg") || strcasestr(*name, "xen"))
                        continue;
                if (asprintf(&path, "%s/%s", DEFAULTS_DIR, *name) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
                r = defaults_add(c, path, false, &files, &n);
                if (r == -EISDIR || r == -EBADFD)
                        r = 0;
                if (r < 0)
                        goto finish;
        }
        for (size_t i = 0; i < n && main == SIZE_MAX; i++)
                if (files[i].main)
                        main = i;

        r = defaults_survey(c, files, n, &s);
        if (r < 0)
                goto finish;
        if (s.console_moves && s.terminal_file != SIZE_MAX) {
                /* Next to the GRUB_TERMINAL= that counts, the last one. */
                if (!s.serial_command)
                        ins = (Insertion){ s.terminal_file, s.terminal_line,
                                "GRUB_SERIAL_COMMAND=\"" SERIAL_COMMAND "\"\n" };
        } else if (s.console_moves && main != SIZE_MAX) {
                ins = (Insertion){ main, s.anchor_line,
                        s.serial_command ? "GRUB_TERMINAL=\"serial console\"\n"
                                         : "GRUB_TERMINAL=\"serial console\"\n"
                                           "GRUB_SERIAL_COMMAND=\"" SERIAL_COMMAND "\"\n" };
        } else if (s.console_moves && c->mapping) {
                r = plan_warn(c->plan,
                        "%s: the console moves to ttyS0, but there is no /etc/default/grub to "
                        "put GRUB's menu there too",
                        DEFAULTS_DIR);
                if (r < 0)
                        goto finish;
        }

        initramfs = boot_has_initramfs(c->rootfd);
        for (size_t i = 0; i < n; i++) {
                r = defaults_fix_file(
                        c, &files[i], initramfs, s.console_moves, i == ins.file ? &ins : NULL, changed);
                if (r < 0)
                        goto finish;
        }
        *ret_disable_uuid = NULL;
        /* With a root= of its own on every entry, what grub-mkconfig writes before it does not count. */
        r = strdup_to(ret_disable_uuid, s.cmdline_root ? NULL : s.disable_uuid);
finish:
        defaults_free(files, n);
        return r;
}

/* grub.cfg */

typedef struct CfgLine {
        bool kernel; /* "linux PATH ARGS…" from the start of the line */
        size_t path_end;
        Span args; /* up to the last argument */
        size_t block; /* the innermost { } block the line starts in; 0 is the file */
} CfgLine;

typedef struct Cfg {
        CfgLine *lines; /* by line number - 1 */
        size_t n_lines;
        bool *block_initrd; /* by block: an initrd command somewhere inside it */
        size_t n_blocks;
} Cfg;

static void cfg_done(Cfg *g) {
        free(g->lines);
        free(g->block_initrd);
        *g = (Cfg){};
}

static int cfg_new_block(Cfg *g, size_t *ret) {
        bool *b = realloc(g->block_initrd, sizeof(bool) * (g->n_blocks + 1));

        if (!b)
                return -ENOMEM;
        g->block_initrd = b;
        b[g->n_blocks] = false;
        *ret = g->n_blocks++;
        return 0;
}

#define CFG_MAX_DEPTH 64

/*
 * Read grub.cfg as GRUB's own lexer would, far enough to find every kernel
 * command, its arguments and the block it belongs to; anything a rewrite
 * in place could not handle is refused (-EBADMSG, logged).
 */
static int cfg_parse(const char *path, const char *data, size_t size, Cfg *ret) {
        _cleanup_(tokens_done) Tokens tk = {};
        Lexer x = { .ops = ";&|<>{}" };
        size_t stack[CFG_MAX_DEPTH], depth = 0, pos = 0;
        Line l = {};
        int r;

        *ret = (Cfg){};
        ret->n_lines = count_char(data, size, '\n') + 1;
        ret->lines = calloc(ret->n_lines, sizeof(CfgLine));
        if (!ret->lines)
                return -ENOMEM;
        r = cfg_new_block(ret, &stack[0]);
        if (r < 0)
                return r;

        while (line_next(data, size, &pos, &l)) {
                CfgLine *cl = &ret->lines[l.number - 1];

                r = lex_line(&x, &l, &tk);
                if (r < 0)
                        return r;
                cl->block = stack[depth];
                for (size_t i = 0; i < tk.n; i++) {
                        const Token *t = &tk.t[i];

                        if (t->op == '{') {
                                if (depth + 1 >= CFG_MAX_DEPTH) {
                                        log_error("%s:%u: blocks nested too deep; refusing to edit %s", path,
                                                l.number, path);
                                        return -EBADMSG;
                                }
                                r = cfg_new_block(ret, &stack[++depth]);
                                if (r < 0)
                                        return r;
                        } else if (t->op == '}') {
                                if (depth == 0) {
                                        log_error("%s:%u: a } that closes nothing; refusing to edit %s",
                                                path, l.number, path);
                                        return -EBADMSG;
                                }
                                depth--;
                        } else if (t->command &&
                                span_in(l.p, t->span, initrd_commands, ELEMENTSOF(initrd_commands))) {
                                ret->block_initrd[stack[depth]] = true;
                        } else if (t->command &&
                                span_in(l.p, t->span, kernel_commands, ELEMENTSOF(kernel_commands))) {
                                /* Only the form grub-mkconfig writes can be edited in place. */
                                bool ok = i == 0 && tk.n >= 2 && !x.quote && !x.continued;

                                for (size_t j = 1; j < tk.n && ok; j++)
                                        ok = tk.t[j].op == 0;
                                if (!ok) {
                                        log_error("%s:%u: %.*s without a kernel, or not alone on its line; "
                                                  "refusing to edit %s in place",
                                                path, l.number, (int) t->span.len, l.p + t->span.start,
                                                path);
                                        return -EBADMSG;
                                }
                                cl->kernel = true;
                                cl->path_end = tk.t[1].span.start + tk.t[1].span.len;
                                cl->args = tk.n > 2 ? (Span){ tk.t[2].span.start,
                                        tk.t[tk.n - 1].span.start + tk.t[tk.n - 1].span.len -
                                                tk.t[2].span.start }
                                                    : (Span){ cl->path_end, 0 };
                                break;
                        }
                }
        }
        if (depth > 0 || x.quote) {
                log_error(
                        "%s: ends inside a %s; refusing to edit it", path, x.quote ? "quote" : "{ } block");
                return -EBADMSG;
        }
        return 0;
}

/* A path inside a GRUB-on-Xen disk, "(xen/xvda,msdos1)/vmlinuz": reported, not rewritten. */
static int cfg_warn_xen_device(FixerContext *c, const char *path, const Line *l) {
        const char *dev;

        if (!c->mapping || line_is_comment_or_blank(l) || !(dev = memmem(l->p, l->len, "(xen/", 5)))
                return 0;
        return plan_warn(c->plan,
                "%s:%u: %.*s) names a disk of GRUB built for Xen, which GRUB under KVM does not have; "
                "left as it is: check this line by hand",
                path, l->number, (int) strcspn(dev, ")\n"), dev);
}

static int cfg_fix_file(FixerContext *c, const char *path, const char *data, size_t size, bool *changed) {
        _cleanup_(cfg_done) Cfg g = {};
        bool file_changed = false;
        size_t pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        r = cfg_parse(path, data, size, &g);
        if (r < 0)
                return r;

        while (line_next(data, size, &pos, &l)) {
                const CfgLine *cl = &g.lines[l.number - 1];
                _cleanup_free_ char *where = NULL, *text = NULL;
                SpanEdit edit = {};

                r = cfg_warn_xen_device(c, path, &l);
                if (r >= 0 && cl->kernel) {
                        r = fixer_where(&where, path, l.number);
                        if (r >= 0)
                                r = cmdline_rewrite(c, l.p + cl->args.start, cl->args.len, where,
                                        g.block_initrd[cl->block], &text);
                }
                if (r < 0)
                        goto finish;
                if (text &&
                        !cmdline_quoting_keeps(l.p + cl->args.start, cl->args.len, text, "\"'\\$;&|<>{}#")) {
                        log_error("%s: the new arguments, %s, cannot be written there as they are", where,
                                text);
                        r = -EINVAL;
                        goto finish;
                }
                if (text && isempty(text))
                        /* No argument left: no blank after the kernel either. */
                        edit = (SpanEdit){ { cl->path_end, cl->args.start + cl->args.len - cl->path_end },
                                text };
                else if (text)
                        edit = (SpanEdit){ cl->args, text };
                if (edit.text)
                        file_changed = true;
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (file_changed && c->mapping) {
                *changed = true;
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, FIXER_NAME,
                        "kernel command lines of the generated menu");
        }
finish:
        buf_done(&out);
        return r;
}

static int grub2_run(FixerContext *c) {
        /* /boot/grub may be a link to /boot/grub2: one file, edited once. */
        _cleanup_(path_set_done) PathSet seen = {};
        _cleanup_free_ char *disable_uuid = NULL;
        bool changed = false;
        int r;

        r = defaults_fix(c, &changed, &disable_uuid);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(cfg_paths); i++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size;

                r = fixer_read_once(c, &seen, cfg_paths[i], &path, &data, &size);
                if (r >= 0 && data)
                        r = cfg_fix_file(c, path, data, size, &changed);
                if (r < 0)
                        return r;
        }

        if (changed && disable_uuid)
                return plan_warn(c->plan,
                        "%s: GRUB_DISABLE_LINUX_UUID=true makes the next update-grub write root=/dev/sdX, "
                        "and sd names may change from one boot to the next; remove it to get root=UUID=",
                        disable_uuid);
        return 0;
}

const Fixer fixer_grub2 = {
        .name = FIXER_NAME,
        .run = grub2_run,
};
