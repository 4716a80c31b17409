/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * fstab: the device field of each line that names an old Xen device, and
 * nofail for Xen-only mounts (xenfs on /proc/xen), which would otherwise
 * drop the first KVM boot into emergency mode. A line marked nofail or
 * noauto (an ephemeral or removable disk) is one the guest boots without:
 * when its device cannot be mapped, it stays as it is (map_build() warns).
 *
 * libmount parses the file (so what counts as an entry is what mount and
 * systemd's fstab generator think), but the rewrite edits the original
 * bytes: only the fields that change are touched.
 *
 * libmount is handed only the lines it would not skip itself, with comments
 * off: its comment handling (2.38) is quadratic in the number of comment
 * lines (400k of them took 24 s), and a comment before a last line without
 * a newline makes it fail. The line walk below keeps the comments byte for
 * byte; it never needed libmount's copy of them.
 */

#include <libmount.h>
#include <sys/mman.h>

#include "fixer.h"
#include "root.h"
#include "util.h"

#define FSTAB_PATH "/etc/fstab"

static inline void mnt_unref_tablep(struct libmnt_table **t) {
        mnt_unref_table(*t);
}
static inline void mnt_free_iterp(struct libmnt_iter **i) {
        mnt_free_iter(*i);
}

/* libmount skips a line it cannot parse unless told to stop: stop, and remember where. */
static int parse_error_cb(struct libmnt_table *tb, const char *filename, int line) {
        int *bad = mnt_table_get_userdata(tb);

        (void) filename;
        if (bad && *bad == 0)
                *bad = line;
        return -EINVAL;
}

/*
 * Whether libmount's fstab parser skips @l on its own: once a final carriage
 * return is cut, nothing but blanks (space, tab), or blanks and a '#'. Every
 * other line is handed to it exactly as it is in the file.
 */
static bool libmount_skips(const Line *l) {
        size_t len = l->len, i = 0;

        if (len > 0 && l->p[len - 1] == '\r')
                len--;
        while (i < len && (l->p[i] == ' ' || l->p[i] == '\t'))
                i++;
        return i == len || l->p[i] == '#';
}

/* The number in the file of the @nth line (from 1) libmount was handed; 0 if there is none. */
static unsigned handed_line_number(const char *data, size_t size, unsigned nth) {
        Line l = {};
        size_t pos = 0;

        while (line_next(data, size, &pos, &l))
                if (!libmount_skips(&l) && --nth == 0)
                        return l.number;
        return 0;
}

/*
 * Parse the entries of @data (@size bytes) into @tb, from a memory file that
 * holds only the lines libmount does not skip: linear in @size.
 * Return: 0, -EBADMSG (logged, with the line in the file) when a line does
 * not parse, another negative errno.
 */
static int parse_entries(struct libmnt_table *tb, const char *path, const char *data, size_t size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *procpath = NULL;
        Buf text = {};
        Line l = {};
        size_t pos = 0;
        int bad_line = 0, r = 0;

        while (line_next(data, size, &pos, &l)) {
                if (libmount_skips(&l))
                        continue;
                r = buf_append(&text, l.p, l.len + l.newline);
                if (r < 0)
                        goto done;
        }

        /* A file, not fmemopen(): only mnt_table_parse_fstab() fixes the format to fstab (the stream
         * parser would take a first line "1 2 …" for mountinfo). */
        fd = memfd_create("kvmigrate-fstab", MFD_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                goto done;
        }
        r = write_all(fd, text.data, text.len);
        if (r < 0)
                goto done;
        if (asprintf(&procpath, "/proc/self/fd/%d", fd) < 0) {
                procpath = NULL;
                r = -ENOMEM;
                goto done;
        }

        mnt_table_set_userdata(tb, &bad_line);
        mnt_table_set_parser_errcb(tb, parse_error_cb);
        r = mnt_table_parse_fstab(tb, procpath);
        mnt_table_set_userdata(tb, NULL);
        if (bad_line > 0) {
                log_error("%s:%u: cannot parse this line; refusing to rewrite %s (a parser would drop it)",
                        path, handed_line_number(data, size, (unsigned) bad_line), path);
                r = -EBADMSG;
        } else if (r < 0) {
                log_error("%s: cannot parse: %s", path, strerror(-r));
                r = -EBADMSG;
        }
done:
        buf_done(&text);
        return r;
}

static bool is_xen_only(struct libmnt_fs *fs) {
        return streq_ptr(mnt_fs_get_fstype(fs), "xenfs") || streq_ptr(mnt_fs_get_target(fs), "/proc/xen");
}

static bool has_option(struct libmnt_fs *fs, const char *name) {
        const char *opts = mnt_fs_get_options(fs);

        return opts && mnt_optstr_get_option(opts, name, NULL, NULL) == 0;
}

/* nofail and noauto as whole options ("x-nofail" is another): the boot goes on without the device. */
static bool is_optional(struct libmnt_fs *fs) {
        return has_option(fs, "nofail") || has_option(fs, "noauto");
}

/*
 * The root line must map to the filesystem being migrated; the guest boots
 * without a nofail or noauto line's device, so an unmappable one stays.
 */
static int rewrite_source(FixerContext *c, struct libmnt_fs *fs, const char *where, char **ret) {
        const char *source = strempty(mnt_fs_get_source(fs)), *type = mnt_fs_get_fstype(fs);

        if (streq_ptr(mnt_fs_get_target(fs), "/"))
                return fixer_rewrite_root_device(c, source, type, where, SYNTAX_TAG, ret);
        if (is_optional(fs))
                return fixer_rewrite_optional_device(c, source, type, where, SYNTAX_TAG, ret);
        return fixer_rewrite_device(c, source, type, where, SYNTAX_TAG, ret);
}

static int fstab_run(FixerContext *c) {
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = NULL;
        _cleanup_free_ char *path = NULL, *data = NULL;
        Buf out = {};
        Line l = {};
        size_t size, pos = 0;
        bool changed = false;
        int r;

        r = root_read_file(c->rootfd, FSTAB_PATH, &path, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return -EBADMSG; /* logged with the limit; refused like a file that does not parse */
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", FSTAB_PATH, strerror(-r));

        tb = mnt_new_table();
        it = mnt_new_iter(MNT_ITER_FORWARD);
        if (!tb || !it)
                return -ENOMEM;
        r = parse_entries(tb, path, data, size);
        if (r < 0)
                return r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *new_source = NULL, *new_options = NULL;
                struct libmnt_fs *fs = NULL;
                SpanEdit edits[2] = {};
                Span spans[6];
                size_t n;

                /* libmount's word on what is an entry: "\r#x y z" is one (source "\r#x"), as for mount. */
                if (libmount_skips(&l)) {
                        r = buf_append(&out, l.p, l.len + l.newline);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if (mnt_table_next_fs(tb, it, &fs) != 0) {
                        log_error(
                                "%s:%u: libmount does not see this line as an entry; refusing to rewrite %s",
                                path, l.number, path);
                        r = -EBADMSG;
                        goto fail;
                }
                if (asprintf(&where, "%s:%u", path, l.number) < 0) {
                        where = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                n = fields_split(l.p, l.len, spans, ELEMENTSOF(spans));

                r = rewrite_source(c, fs, where, &new_source);
                if (r < 0)
                        goto fail;
                if (new_source && n >= 1)
                        edits[0] = (SpanEdit){ spans[0], new_source };

                if (is_xen_only(fs) && !has_option(fs, "nofail") && n >= 3) {
                        if (n >= 4) {
                                if (asprintf(&new_options, "%.*s,nofail", (int) spans[3].len,
                                            l.p + spans[3].start) < 0)
                                        new_options = NULL;
                                edits[1] = (SpanEdit){ spans[3], new_options };
                        } else {
                                new_options = strdup("\tdefaults,nofail");
                                edits[1] = (SpanEdit){ { spans[2].start + spans[2].len, 0 }, new_options };
                        }
                        if (!new_options) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        r = plan_warn(c->plan, "%s: %s on %s gets nofail: there is no Xen under KVM", where,
                                strempty(mnt_fs_get_fstype(fs)), strempty(mnt_fs_get_target(fs)));
                        if (r < 0)
                                goto fail;
                }
                if (edits[0].text || edits[1].text)
                        changed = true;
                r = line_emit(&out, &l, edits, ELEMENTSOF(edits));
                if (r < 0)
                        goto fail;
        }

        if (mnt_table_next_fs(tb, it, &(struct libmnt_fs *){ NULL }) == 0) {
                log_error(
                        "%s: libmount sees more entries than there are lines; refusing to rewrite it", path);
                r = -EBADMSG;
                goto fail;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, out.data, out.len, "fstab", "old device names");
fail:
        buf_done(&out);
        return r;
}

const Fixer fixer_fstab = {
        .name = "fstab",
        .run = fstab_run,
};
