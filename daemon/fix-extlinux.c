/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * extlinux: SYSLINUX/EXTLINUX configurations (and U-Boot's extlinux.conf,
 * which reads the same way), and the files their generators rebuild them
 * from at every kernel upgrade: Alpine's /etc/update-extlinux.conf
 * (update-extlinux) and Debian's /etc/default/extlinux (extlinux-update).
 * Left alone, those would undo the migration at the next upgrade.
 *
 * Keywords are case-insensitive and may be indented. A LABEL starts an
 * entry; an APPEND before the first LABEL is the global one, which an entry
 * without an APPEND of its own inherits (an entry's APPEND replaces it).
 * A kernel boots with an initramfs when its entry has an INITRD line or its
 * APPEND passes initrd=. "DEFAULT kernel args…" (a DEFAULT that is a command
 * line rather than a label) is a command line too. Lines between TEXT HELP
 * and ENDTEXT are text for people and stay as they are.
 *
 * INCLUDE, MENU INCLUDE and CONFIG name more configuration: those files are
 * read too, each on its own (an entry split across two files is not seen
 * whole). A relative name is taken from the including file's folder, an
 * absolute one from the root or, when /boot is the boot loader's own
 * filesystem, from /boot.
 */

#include <fcntl.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

static const char *const config_paths[] = {
        "/boot/extlinux/extlinux.conf",
        "/boot/syslinux/syslinux.cfg",
        "/boot/syslinux/extlinux.conf",
        "/boot/extlinux.conf",
        "/extlinux.conf",
};

typedef struct Block {
        bool has_initrd; /* an INITRD line, or initrd= in its APPEND */
        bool has_append;
} Block;

/* The first word of @l and what follows it (blanks and a trailing '\r' trimmed). */
static bool split_keyword(const Line *l, Span *ret_key, Span *ret_rest) {
        size_t i = 0, end = l->len;

        while (end > 0 && (l->p[end - 1] == '\r' || is_blank(l->p[end - 1])))
                end--;
        while (i < end && is_blank(l->p[i]))
                i++;
        if (i == end || l->p[i] == '#')
                return false;
        ret_key->start = i;
        while (i < end && !is_blank(l->p[i]))
                i++;
        ret_key->len = i - ret_key->start;
        while (i < end && is_blank(l->p[i]))
                i++;
        *ret_rest = (Span){ i, end - i };
        return true;
}

static bool span_is_word(const char *p, Span s, const char *word) {
        return s.len == strlen(word) && strncasecmp(p + s.start, word, s.len) == 0;
}

/* Whether the @len bytes at @p start with @prefix. */
static bool bytes_startwith(const char *p, size_t len, const char *prefix) {
        return len >= strlen(prefix) && memcmp(p, prefix, strlen(prefix)) == 0;
}

/* Whether the arguments @args pass initrd= to the kernel. */
static bool args_have_initrd(const char *args, size_t len) {
        for (size_t i = 0; i < len;) {
                while (i < len && is_blank(args[i]))
                        i++;
                if (bytes_startwith(args + i, len - i, "initrd="))
                        return true;
                while (i < len && !is_blank(args[i]))
                        i++;
        }
        return false;
}

/* Where a walk through the lines is: inside TEXT HELP … ENDTEXT or not. */
typedef struct Scanner {
        bool in_text;
} Scanner;

/*
 * The keyword of statement @l and the rest of it; false for lines that are
 * no statement (comments, blanks, help text).
 */
static bool scanner_line(Scanner *s, const Line *l, Span *ret_key, Span *ret_rest) {
        if (!split_keyword(l, ret_key, ret_rest))
                return false;
        if (s->in_text) {
                if (span_is_word(l->p, *ret_key, "ENDTEXT"))
                        s->in_text = false;
                return false;
        }
        if (span_is_word(l->p, *ret_key, "TEXT")) {
                s->in_text = true;
                return false;
        }
        return true;
}

/* The entries of the file: block 0 is the global part, block i the i-th LABEL. */
static int collect_blocks(const char *data, size_t size, Block **ret, size_t *ret_n) {
        _cleanup_free_ Block *blocks = calloc(1, sizeof(Block));
        Scanner s = {};
        size_t n = 1, pos = 0;
        Line l = {};

        if (!blocks)
                return -ENOMEM;
        while (line_next(data, size, &pos, &l)) {
                Span key, rest;

                if (!scanner_line(&s, &l, &key, &rest))
                        continue;
                if (span_is_word(l.p, key, "LABEL")) {
                        Block *b = realloc(blocks, sizeof(Block) * (n + 1));
                        if (!b)
                                return -ENOMEM;
                        blocks = b;
                        blocks[n++] = (Block){};
                } else if (span_is_word(l.p, key, "INITRD"))
                        blocks[n - 1].has_initrd = true;
                else if (span_is_word(l.p, key, "APPEND")) {
                        blocks[n - 1].has_append = true;
                        if (args_have_initrd(l.p + rest.start, rest.len))
                                blocks[n - 1].has_initrd = true;
                }
        }
        *ret = TAKE_PTR(blocks);
        *ret_n = n;
        return 0;
}

/*
 * Whether the kernels the global APPEND reaches have an initramfs: its own
 * initrd=, else every entry that inherits it must have one; with no such
 * entry it only reaches a command line typed at the prompt, and /boot says.
 */
static bool global_initramfs(int rootfd, const Block *blocks, size_t n) {
        bool inherited = false;

        if (blocks[0].has_initrd)
                return true;
        for (size_t i = 1; i < n; i++)
                if (!blocks[i].has_append) {
                        if (!blocks[i].has_initrd)
                                return false;
                        inherited = true;
                }
        return inherited || boot_has_initramfs(rootfd);
}

/* Whether a regular file (or a link to one) is at @path below the root. */
static bool file_exists(int rootfd, const char *path) {
        _cleanup_free_ char *canonical = NULL;
        struct stat st;

        return root_chase(rootfd, path, 0, &canonical) >= 0 &&
                fstatat(rootfd, root_rel(canonical), &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode);
}

/* Queue the file that "INCLUDE @name" in @path means; warn when there is none. */
static int follow_include(FixerContext *c, PathSet *q, const char *path, unsigned line, const char *name) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        const char *found = NULL;

        if (name[0] == '/') {
                /* From the root, or from /boot when that is the boot loader's own filesystem. */
                if (asprintf(&a, "%s", name) < 0) {
                        a = NULL;
                        return -ENOMEM;
                }
                if (asprintf(&b, "/boot%s", name) < 0) {
                        b = NULL;
                        return -ENOMEM;
                }
        } else if (asprintf(&a, "%.*s/%s", (int) (strrchr(path, '/') - path), path, name) < 0) {
                /* From the folder of the including file (@path is canonical, so it has a '/'). */
                a = NULL;
                return -ENOMEM;
        }
        if (file_exists(c->rootfd, a))
                found = a;
        else if (b && file_exists(c->rootfd, b))
                found = b;
        if (found)
                return strv_push(&q->paths, &q->n, strdup(found));
        if (!c->mapping)
                return 0;
        return plan_warn(c->plan,
                "%s:%u: %s is not there to be read; look at it for xvd and hvc0 names by hand", path, line,
                name);
}

/* The file an INCLUDE, MENU INCLUDE or CONFIG line names, or NULL (*@ret_name, allocated). */
static int include_name(const Line *l, Span key, Span rest, char **ret_name) {
        size_t i = rest.start, end = rest.start + rest.len;
        Span word;

        *ret_name = NULL;
        if (span_is_word(l->p, key, "MENU")) {
                word.start = i;
                while (i < end && !is_blank(l->p[i]))
                        i++;
                word.len = i - word.start;
                if (!span_is_word(l->p, word, "INCLUDE"))
                        return 0;
                while (i < end && is_blank(l->p[i]))
                        i++;
        } else if (!span_is_word(l->p, key, "INCLUDE") && !span_is_word(l->p, key, "CONFIG"))
                return 0;
        /* The file name is the first word; "MENU INCLUDE file tag" and "CONFIG file dir" say more. */
        word.start = i;
        while (i < end && !is_blank(l->p[i]))
                i++;
        word.len = i - word.start;
        if (word.len == 0)
                return 0;
        *ret_name = strndup(l->p + word.start, word.len);
        return *ret_name ? 1 : -ENOMEM;
}

static int extlinux_fix_file(FixerContext *c, PathSet *q, const char *path, const char *data, size_t size) {
        _cleanup_free_ Block *blocks = NULL;
        size_t n_blocks, block = 0, pos = 0;
        bool changed = false;
        Scanner s = {};
        Buf out = {};
        Line l = {};
        int r;

        r = collect_blocks(data, size, &blocks, &n_blocks);
        if (r < 0)
                return r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *args = NULL, *include = NULL;
                SpanEdit edit = {};
                Span key, rest;
                bool initramfs;

                if (!scanner_line(&s, &l, &key, &rest))
                        goto emit;
                if (span_is_word(l.p, key, "LABEL")) {
                        block++;
                        goto emit;
                }
                r = include_name(&l, key, rest, &include);
                if (r > 0)
                        r = follow_include(c, q, path, l.number, include);
                if (r < 0)
                        goto finish;
                if (include)
                        goto emit;
                if (span_is_word(l.p, key, "APPEND"))
                        initramfs = block == 0 ? global_initramfs(c->rootfd, blocks, n_blocks)
                                               : blocks[block].has_initrd;
                else if (span_is_word(l.p, key, "DEFAULT")) {
                        /* "DEFAULT label" names an entry; "DEFAULT kernel args…" is a command line. */
                        size_t i = rest.start;

                        while (i < rest.start + rest.len && !is_blank(l.p[i]))
                                i++;
                        while (i < rest.start + rest.len && is_blank(l.p[i]))
                                i++;
                        rest = (Span){ i, rest.start + rest.len - i };
                        if (rest.len == 0)
                                goto emit;
                        initramfs = args_have_initrd(l.p + rest.start, rest.len);
                } else
                        goto emit;

                r = fixer_where(&where, path, l.number);
                if (r >= 0)
                        r = cmdline_rewrite(c, l.p + rest.start, rest.len, where, initramfs, &args);
                if (r < 0)
                        goto finish;
                if (args) {
                        edit = (SpanEdit){ rest, args };
                        changed = true;
                }
        emit:
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "extlinux",
                        "kernel command line");
finish:
        buf_done(&out);
        return r;
}

typedef enum ShellKind {
        SHELL_ROOT_DEVICE, /* the device the generator writes as root= */
        SHELL_CMDLINE, /* kernel arguments */
} ShellKind;

typedef struct ShellSetting {
        const char *key;
        ShellKind kind;
} ShellSetting;

static const struct {
        const char *path;
        const char *reason;
        ShellSetting settings[3];
} generators[] = {
        /* Alpine: APPEND root=$root modules=$modules $default_kernel_opts */
        { "/etc/update-extlinux.conf", "root device and kernel options for update-extlinux",
                { { "root", SHELL_ROOT_DEVICE }, { "default_kernel_opts", SHELL_CMDLINE } } },
        /* Debian: append initrd=… $EXTLINUX_ROOT $EXTLINUX_PARAMETERS */
        { "/etc/default/extlinux", "root device and kernel options for extlinux-update",
                { { "EXTLINUX_ROOT", SHELL_CMDLINE }, { "EXTLINUX_PARAMETERS", SHELL_CMDLINE } } },
};

/* The setting of @settings that the assignment @key names, or NULL. Shell variables are case-sensitive. */
static const ShellSetting *find_setting(const ShellSetting *settings, const char *p, Span key) {
        for (const ShellSetting *s = settings; s->key; s++)
                if (key.len == strlen(s->key) && memcmp(p + key.start, s->key, key.len) == 0)
                        return s;
        return NULL;
}

/*
 * A generator's settings, a shell fragment. The kernels it writes entries
 * for are those in /boot, so /boot says whether they have an initramfs.
 */
static int generator_fix(
        FixerContext *c, const char *file, const ShellSetting *settings, const char *reason) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool changed = false, initramfs;
        size_t size, pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        r = root_read_file(c->rootfd, file, &path, &data, &size);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", file, strerror(-r));
        initramfs = boot_has_initramfs(c->rootfd);

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *args = NULL, *root_arg = NULL;
                const ShellSetting *setting;
                SpanEdit edit = {};
                Span key, rest, inner;
                const char *eq;

                if (!split_keyword(&l, &key, &rest) || !(eq = memchr(l.p + key.start, '=', key.len)))
                        goto emit;
                key.len = (size_t) (eq - (l.p + key.start));
                setting = find_setting(settings, l.p, key);
                if (!setting)
                        goto emit;

                /* The value runs from after '=' to the end of the line (trailing blanks trimmed). */
                rest = (Span){ key.start + key.len + 1, rest.start + rest.len - (key.start + key.len + 1) };
                r = fixer_shell_value(path, &l, rest.start, rest.start + rest.len, &inner);
                if (r >= 0)
                        r = fixer_where(&where, path, l.number);
                if (r < 0)
                        goto finish;
                if (setting->kind == SHELL_ROOT_DEVICE) {
                        /* The value is what root= says on the command line: rewrite it as that. */
                        if (asprintf(&root_arg, "root=%.*s", (int) inner.len, l.p + inner.start) < 0) {
                                root_arg = NULL;
                                r = -ENOMEM;
                                goto finish;
                        }
                        r = cmdline_rewrite(c, root_arg, strlen(root_arg), where, initramfs, &args);
                        if (r >= 0 && args && !startswith(args, "root="))
                                r = -EINVAL; /* cmdline_rewrite() keeps the key of what it rewrites */
                } else
                        r = cmdline_rewrite(c, l.p + inner.start, inner.len, where, initramfs, &args);
                if (r < 0)
                        goto finish;
                if (args) {
                        edit = (SpanEdit){ inner,
                                args + (setting->kind == SHELL_ROOT_DEVICE ? strlen("root=") : 0) };
                        changed = true;
                }
        emit:
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "extlinux", reason);
finish:
        buf_done(&out);
        return r;
}

static int extlinux_run(FixerContext *c) {
        /* The files to read, in order; the queue grows as INCLUDE lines are found. */
        _cleanup_(path_set_done) PathSet q = {}, seen = {};
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(config_paths) && r >= 0; i++)
                r = strv_push(&q.paths, &q.n, strdup(config_paths[i]));

        /* /extlinux.conf and /boot/extlinux.conf are often one file, and includes repeat: once each. */
        for (size_t i = 0; i < q.n && r >= 0; i++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size;

                r = fixer_read_once(c, &seen, q.paths[i], &path, &data, &size);
                if (r >= 0 && data)
                        r = extlinux_fix_file(c, &q, path, data, size);
        }
        for (size_t i = 0; i < ELEMENTSOF(generators) && r >= 0; i++)
                r = generator_fix(c, generators[i].path, generators[i].settings, generators[i].reason);
        return r;
}

const Fixer fixer_extlinux = {
        .name = "extlinux",
        .run = extlinux_run,
};
