/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * resume: where the initramfs looks for a hibernation image, and the
 * devices it must bring up, outside the kernel command line (which the
 * boot-loader fixers handle):
 *
 *   initramfs-tools: initramfs.conf and the files of conf.d/ that mkinitramfs sources:
 *       RESUME=/dev/xvdb → RESUME=UUID=…
 *   /etc/uswsusp.conf: resume device = /dev/xvdb → its /dev/disk/by-uuid/ path
 *   dracut: /etc/dracut.conf and the *.conf files in /etc/dracut.conf.d:
 *       add_device+=" /dev/xvdb " → by-uuid paths, kernel_cmdline="resume=/dev/xvdb …"
 *
 * The resume device is a swap area, and says so to the map; with a resume
 * offset it is the filesystem that holds a swap file instead, and its type
 * is left open. initramfs-tools resolves UUID= itself; uswsusp and dracut
 * want a device path, so they get the /dev/disk/by-uuid/ link.
 *
 * The initramfs-tools and dracut files are shell fragments: only a plain
 * assignment (KEY=VALUE, KEY="VALUE", KEY+="VALUE") is rewritten, and one
 * of the settings above that a shell would read some other way is refused.
 */

#include <ctype.h>

#include "cmdline.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define INITRAMFS_TOOLS_CONF "/etc/initramfs-tools/initramfs.conf"
#define INITRAMFS_TOOLS_CONF_D "/etc/initramfs-tools/conf.d"
#define USWSUSP_CONF "/etc/uswsusp.conf"
#define DRACUT_CONF "/etc/dracut.conf"
#define DRACUT_CONF_D "/etc/dracut.conf.d"

typedef enum ValueKind {
        VALUE_RESUME, /* one device, the resume device */
        VALUE_DEVICES, /* blank-separated devices */
        VALUE_CMDLINE, /* kernel arguments */
} ValueKind;

typedef struct Setting {
        const char *key;
        ValueKind kind;
        DeviceSyntax syntax;
} Setting;

static const Setting initramfs_tools_settings[] = {
        { "RESUME", VALUE_RESUME, SYNTAX_TAG },
        {},
};

static const Setting dracut_settings[] = {
        { "add_device", VALUE_DEVICES, SYNTAX_PATH },
        { "kernel_cmdline", VALUE_CMDLINE, SYNTAX_PATH },
        {},
};

typedef struct ResumeRun {
        PathSet seen;
} ResumeRun;

static void resume_run_done(ResumeRun *b) {
        path_set_done(&b->seen);
}
/* The end of line @l without trailing blanks and '\r'. */
static size_t line_trimmed_end(const Line *l) {
        size_t end = l->len;

        while (end > 0 && (l->p[end - 1] == '\r' || is_blank(l->p[end - 1])))
                end--;
        return end;
}

/* The setting line @l assigns ("KEY=…" or "KEY+=…"), and where its value starts. */
static const Setting *shell_setting(const Line *l, const Setting *settings, size_t *ret_value) {
        size_t i = 0, k;

        while (i < l->len && is_blank(l->p[i]))
                i++;
        k = i;
        while (k < l->len &&
                (l->p[k] == '_' || (l->p[k] >= 'A' && l->p[k] <= 'Z') ||
                        (l->p[k] >= 'a' && l->p[k] <= 'z') || (l->p[k] >= '0' && l->p[k] <= '9')))
                k++;
        for (const Setting *s = settings; s->key; s++) {
                size_t n = strlen(s->key), v = k;

                if (k - i != n || memcmp(l->p + i, s->key, n) != 0)
                        continue;
                if (v < l->len && l->p[v] == '+')
                        v++;
                if (v < l->len && l->p[v] == '=') {
                        *ret_value = v + 1;
                        return s;
                }
        }
        return NULL;
}

/* Whether the @len bytes at @p start with @prefix. */
static bool bytes_startwith(const char *p, size_t len, const char *prefix) {
        return len >= strlen(prefix) && memcmp(p, prefix, strlen(prefix)) == 0;
}

/* Whether a line of @data sets @key to something (RESUME_OFFSET=123). */
static bool sets_nonempty(const char *data, size_t size, const char *key) {
        size_t pos = 0, n = strlen(key);
        Line l = {};

        while (line_next(data, size, &pos, &l)) {
                size_t i = 0;

                while (i < l.len && is_blank(l.p[i]))
                        i++;
                if (bytes_startwith(l.p + i, l.len - i, key) && l.len - i > n + 1 && l.p[i + n] == '=' &&
                        !is_blank(l.p[i + n + 1]))
                        return true;
        }
        return false;
}

static void span_edits_free(SpanEdit *edits, size_t n) {
        for (size_t i = 0; i < n; i++)
                free((char *) edits[i].text);
}

/* Each blank-separated device in @value: its new spelling as an edit. */
static int fix_device_list(FixerContext *c, const Line *l, Span value, DeviceSyntax syntax,
        const char *where, SpanEdit *edits, size_t *n) {
        for (size_t i = value.start, end = value.start + value.len; i < end;) {
                _cleanup_free_ char *device = NULL;
                char *new_device = NULL;
                size_t start;
                int r;

                while (i < end && is_blank(l->p[i]))
                        i++;
                start = i;
                while (i < end && !is_blank(l->p[i]))
                        i++;
                if (start == i)
                        break;
                device = strndup(l->p + start, i - start);
                if (!device)
                        return -ENOMEM;
                r = fixer_rewrite_device(c, device, NULL, where, syntax, &new_device);
                if (r < 0)
                        return r;
                if (new_device)
                        edits[(*n)++] = (SpanEdit){ { start, i - start }, new_device };
        }
        return 0;
}

/* A shell fragment: rewrite the values of @settings. */
static int shell_file_fix(FixerContext *c, const char *path, const char *data, size_t size,
        const Setting *settings, const char *reason) {
        bool changed = false, resume_offset = sets_nonempty(data, size, "RESUME_OFFSET");
        size_t pos = 0;
        Buf out = {};
        Line l = {};
        int r = 0;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *value = NULL;
                _cleanup_free_ SpanEdit *edits = NULL;
                const Setting *s = NULL;
                size_t n = 0, at;
                Span inner;

                if (!line_is_comment_or_blank(&l))
                        s = shell_setting(&l, settings, &at);
                if (!s) {
                        r = buf_append(&out, l.p, l.len + l.newline);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                r = fixer_shell_value(path, &l, at, line_trimmed_end(&l), &inner);
                if (r >= 0)
                        r = fixer_where(&where, path, l.number);
                if (r < 0)
                        goto finish;
                /* No more words than half the characters, rounded up. */
                edits = calloc(inner.len / 2 + 1, sizeof(SpanEdit));
                if (!edits) {
                        r = -ENOMEM;
                        goto finish;
                }

                switch (s->kind) {
                case VALUE_RESUME: {
                        char *new_device = NULL;

                        value = strndup(l.p + inner.start, inner.len);
                        if (!value) {
                                r = -ENOMEM;
                                break;
                        }
                        r = fixer_rewrite_device(
                                c, value, resume_offset ? NULL : "swap", where, s->syntax, &new_device);
                        if (new_device)
                                edits[n++] = (SpanEdit){ inner, new_device };
                        break;
                }
                case VALUE_DEVICES:
                        r = fix_device_list(c, &l, inner, s->syntax, where, edits, &n);
                        break;
                case VALUE_CMDLINE: {
                        char *args = NULL;

                        /* dracut builds the initramfs these arguments are for. */
                        r = cmdline_rewrite(c, l.p + inner.start, inner.len, where, true, &args);
                        if (args)
                                edits[n++] = (SpanEdit){ inner, args };
                        break;
                }
                }
                if (r >= 0)
                        r = line_emit(&out, &l, edits, n);
                if (n > 0)
                        changed = true;
                span_edits_free(edits, n);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "resume", reason);
finish:
        buf_done(&out);
        return r;
}

/*
 * The files of /etc/initramfs-tools/conf.d that mkinitramfs sources: names
 * of letters, digits, '.', '_' and '-' that start with a letter or digit,
 * and are no dpkg leftover (.dpkg-old, .dpkg-dist).
 */
static bool initramfs_tools_reads(const char *name) {
        if (!isalnum((unsigned char) name[0]) || strstr(name, ".dpkg-"))
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("._-", *p))
                        return false;
        return true;
}

/* The files of /etc/dracut.conf.d that dracut reads: *.conf. */
static bool dracut_reads(const char *name) {
        size_t n = strlen(name);

        return n > strlen(".conf") && streq(name + n - strlen(".conf"), ".conf");
}

static int shell_file_fix_path(
        FixerContext *c, ResumeRun *b, const char *file, const Setting *settings, const char *reason) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t size;
        int r;

        r = fixer_read_once(c, &b->seen, file, &path, &data, &size);
        if (r < 0 || !data)
                return r;
        return shell_file_fix(c, path, data, size, settings, reason);
}

/* @file, then the files of folder @dir the tool reads (@reads tells), as shell fragments. */
static int shell_files_fix(FixerContext *c, ResumeRun *b, const char *file, const char *dir,
        bool (*reads)(const char *name), const Setting *settings, const char *reason) {
        _cleanup_(strv_freep) char **files = NULL;
        int r;

        r = shell_file_fix_path(c, b, file, settings, reason);
        if (r < 0)
                return r;

        r = root_list_paths(c->rootfd, dir, reads, &files);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, strerror(-r));
        for (char **f = files; *f; f++) {
                r = shell_file_fix_path(c, b, *f, settings, reason);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* /etc/uswsusp.conf: "resume device = /dev/xvdb" (or "resume device: …"). */
static int uswsusp_fix(FixerContext *c, ResumeRun *b) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool changed = false, offset = false;
        size_t size, pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        r = fixer_read_once(c, &b->seen, USWSUSP_CONF, &path, &data, &size);
        if (r < 0 || !data)
                return r;

        /* With a resume offset, the device is the filesystem that holds a swap file. */
        while (line_next(data, size, &pos, &l)) {
                size_t i = 0;

                while (i < l.len && is_blank(l.p[i]))
                        i++;
                if (bytes_startwith(l.p + i, l.len - i, "resume offset"))
                        offset = true;
        }

        pos = 0;
        l = (Line){};
        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *device = NULL, *new_device = NULL;
                size_t i = 0, end = line_trimmed_end(&l);
                SpanEdit edit = {};
                Span value;

                while (i < end && is_blank(l.p[i]))
                        i++;
                if (line_is_comment_or_blank(&l) || end - i < strlen("resume device") ||
                        strncmp(l.p + i, "resume device", strlen("resume device")) != 0)
                        goto emit;
                i += strlen("resume device");
                while (i < end && is_blank(l.p[i]))
                        i++;
                if (i == end || (l.p[i] != '=' && l.p[i] != ':')) {
                        log_error("%s:%u: expected \"resume device = DEVICE\"; refusing to rewrite %s", path,
                                l.number, path);
                        r = -EBADMSG;
                        goto finish;
                }
                i++;
                while (i < end && is_blank(l.p[i]))
                        i++;
                value = (Span){ i, end - i };
                device = strndup(l.p + value.start, value.len);
                r = device ? fixer_where(&where, path, l.number) : -ENOMEM;
                if (r >= 0)
                        r = fixer_rewrite_device(
                                c, device, offset ? NULL : "swap", where, SYNTAX_PATH, &new_device);
                if (r < 0)
                        goto finish;
                if (new_device) {
                        edit = (SpanEdit){ value, new_device };
                        changed = true;
                }
        emit:
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "resume",
                        "resume device of s2disk");
finish:
        buf_done(&out);
        return r;
}

static int resume_run(FixerContext *c) {
        _cleanup_(resume_run_done) ResumeRun b = {};
        int r;

        r = shell_files_fix(c, &b, INITRAMFS_TOOLS_CONF, INITRAMFS_TOOLS_CONF_D, initramfs_tools_reads,
                initramfs_tools_settings, "resume device of initramfs-tools");
        if (r >= 0)
                r = uswsusp_fix(c, &b);
        if (r >= 0)
                r = shell_files_fix(c, &b, DRACUT_CONF, DRACUT_CONF_D, dracut_reads, dracut_settings,
                        "devices for dracut");
        return r;
}

const Fixer fixer_resume = {
        .name = "resume",
        .run = resume_run,
};
