/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * upstart and runit: the getty jobs and services that run on the Xen console.
 *
 * upstart (Ubuntu 9.10 to 14.10) keeps one job per getty in /etc/init; a
 * Xen guest has /etc/init/hvc0.conf with "exec /sbin/getty -8 38400 hvc0".
 * It becomes /etc/init/ttyS0.conf with the getty on ttyS0 (the comments
 * follow the name), and a hvc0.override moves with it. A job of another
 * name that runs such a getty (console.conf) is edited where it is. The
 * upstart of Ubuntu 6.10 to 9.04 kept its jobs in /etc/event.d, without a
 * suffix: the same there. The getty command rules are inittab's.
 *
 * runit: Void ships service folders for both agetty-hvc0 and agetty-ttyS0,
 * and their shared run script takes the tty from the folder name; so only
 * the link that enables the service moves, agetty-hvc0 → agetty-ttyS0.
 * Where there is no such sibling, the scripts of the enabled folder are
 * edited in place and the folder keeps its name: a run script that the
 * plan creates would lose its executable bit.
 */

#include <fcntl.h>
#include <sys/stat.h>

#include "apply.h"
#include "console.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define INIT_DIR "/etc/init"
#define EVENT_DIR "/etc/event.d"
#define REASON "the console is ttyS0 under KVM"

/* Folders of enabled runit services (links to service folders), besides each of /etc/runit/runsvdir/. */
static const char *const runit_enabled_dirs[] = { "/var/service", "/etc/service", "/service" };

/* Whether line @l runs utmpset ("exec utmpset -w hvc0"). */
static bool is_utmpset(const Line *l) {
        Span w[2];
        size_t n = fields_split(l->p, l->len, w, ELEMENTSOF(w)), i = 0;
        const char *slash;

        if (n > 0 && w[0].len == 4 && memcmp(l->p + w[0].start, "exec", 4) == 0)
                i++;
        if (i >= n)
                return false;
        slash = memrchr(l->p + w[i].start, '/', w[i].len);
        if (slash) {
                w[i].len -= (size_t) (slash + 1 - (l->p + w[i].start));
                w[i].start = (size_t) (slash + 1 - l->p);
        }
        return w[i].len == 7 && memcmp(l->p + w[i].start, "utmpset", 7) == 0;
}

/* Append line @l to @out with the Xen console's name replaced wherever it stands. */
static int emit_replaced(Buf *out, const Line *l) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        text = xen_console_replace(l->p, l->len, &len);
        if (!text)
                return -ENOMEM;
        r = buf_append(out, text, len);
        if (r >= 0 && l->newline)
                r = buf_append(out, "\n", 1);
        return r;
}

/*
 * Move every getty on the Xen console in the text @data to ttyS0, into @out
 * (NULL: only look); with @comments, the comments that name the console
 * follow. @c may be NULL (no root to look at, no warnings); @warn: warn
 * (only for text that the plan keeps).
 * Return: GETTY_XEN when a getty (or the utmpset of a runit finish script)
 * moved, else GETTY_SERIAL when a getty runs on ttyS0, else GETTY_OTHER;
 * or -ENOMEM.
 */
static int job_fix(FixerContext *c, const char *path, const char *data, size_t size, bool comments,
        bool warn, Buf *out) {
        bool xen = false, serial = false;
        size_t pos = 0;
        Line l = {};
        int r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *speed = NULL;
                SpanEdit edits[2];
                size_t n = 0;
                bool named = xen_console_named(l.p, l.len);

                if (line_is_comment_or_blank(&l)) {
                        r = !out                    ? 0
                                : comments && named ? emit_replaced(out, &l)
                                                    : line_emit(out, &l, NULL, 0);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (named && asprintf(&where, "%s:%u", path, l.number) < 0) {
                        where = NULL;
                        return -ENOMEM;
                }
                r = getty_command_fix(named ? c : NULL, warn ? where : NULL, &l, 0, edits, &n, &speed);
                if (r < 0)
                        return r;
                if (r == GETTY_XEN)
                        xen = true;
                else if (r == GETTY_SERIAL)
                        serial = true;
                else if (named && is_utmpset(&l)) {
                        /* runit's finish script clears the getty's utmp record: it names the tty. */
                        xen = true;
                        r = out ? emit_replaced(out, &l) : 0;
                        if (r < 0)
                                return r;
                        continue;
                } else if (named && warn && c && c->mapping) {
                        r = plan_warn(c->plan,
                                "%s: names the Xen console but runs no getty kvmigrate knows; left alone",
                                where);
                        if (r < 0)
                                return r;
                }
                if (out) {
                        r = line_emit(out, &l, edits, n);
                        if (r < 0)
                                return r;
                }
        }
        return xen ? GETTY_XEN : serial ? GETTY_SERIAL : GETTY_OTHER;
}

/* The warnings of the job @path (@data, @size bytes) whose new text the plan keeps. */
static int job_warn(FixerContext *c, const char *path, const char *data, size_t size) {
        Buf scratch = {};
        int r = job_fix(c, path, data, size, false, true, &scratch);

        buf_done(&scratch);
        return r < 0 ? r : 0;
}

/*
 * One upstart job file @name in folder @dir: a getty on the Xen console
 * moves to ttyS0, and the file to the name that says ttyS0 when its name
 * says hvc0. @follow: an .override whose job moved, which moves whatever
 * it holds. *@ret_moved tells whether the file moves to its new name.
 */
static int upstart_job(FixerContext *c, const char *dir, const char *name, bool follow, bool *ret_moved) {
        _cleanup_free_ char *path = NULL, *data = NULL, *new_name = NULL, *new_path = NULL;
        _cleanup_(file_content_done) FileContent there = {};
        FileContent old = { .kind = FILE_REGULAR }, new = { .kind = FILE_REGULAR };
        Buf out = {};
        size_t size;
        bool move;
        int r, kind;

        *ret_moved = false;
        path = path_join(dir, name);
        new_name = xen_console_replace(name, strlen(name), NULL);
        if (!path || !new_name)
                return -ENOMEM;
        /* A link is some package's business; only files written here are jobs of this guest's own. */
        if (root_entry_type(c->rootfd, path) != S_IFREG)
                return 0;
        r = root_read_file(c->rootfd, path, NULL, &data, &size);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));

        /* Warnings wait until it is known whether the new text is kept (not for a job that goes). */
        kind = job_fix(c, path, data, size, !streq(name, new_name), false, &out);
        if (kind < 0) {
                buf_done(&out);
                return kind;
        }
        move = !streq(name, new_name) && (kind == GETTY_XEN || follow);
        if (kind != GETTY_XEN && !move) {
                buf_done(&out);
                return 0;
        }
        old.data = data;
        old.size = size;
        new.data = (char *) strempty(out.data);
        new.size = out.len;
        if (!move) {
                r = plan_add(c->plan, path, &old, &new, "upstart", REASON);
                if (r >= 0)
                        r = job_warn(c, path, data, size);
                buf_done(&out);
                return r;
        }

        new_path = path_join(dir, new_name);
        if (!new_path) {
                buf_done(&out);
                return -ENOMEM;
        }
        r = read_file_content(c->rootfd, new_path, &there);
        if (r < 0) {
                buf_done(&out);
                return log_error_errno(r, "%s: cannot read: %s", new_path, strerror(-r));
        }
        if (there.kind == FILE_ABSENT) {
                r = plan_move(c->plan, path, &old, new_path, &new, "upstart", REASON);
                *ret_moved = r >= 0;
                if (r >= 0)
                        r = job_warn(c, path, data, size);
        } else if (file_content_equal(&there, &new) ||
                (there.kind == FILE_REGULAR &&
                        job_fix(NULL, new_path, there.data, there.size, false, false, NULL) ==
                                GETTY_SERIAL)) {
                const FileContent absent = { .kind = FILE_ABSENT };

                /* Not moved: an override of the Xen console's job must not reach the job that stays. */
                r = plan_add(c->plan, path, &old, &absent, "upstart", REASON);
                if (r >= 0)
                        r = plan_warn(c->plan, "%s: %s is there already; the Xen console's job is removed",
                                path, new_path);
        } else {
                r = plan_warn(
                        c->plan, "%s: should become %s, which exists already; left alone", path, new_path);
                buf_done(&out);
                return r;
        }
        buf_done(&out);
        return r;
}

static int upstart_dir(FixerContext *c, const char *dir_path, bool suffixed) {
        _cleanup_(strv_freep) char **names = NULL, **moved = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t n_moved = 0;
        int r;

        r = root_chase(c->rootfd, dir_path, 0, &dir);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot resolve: %s", dir_path, strerror(-r));
        r = root_list_dir(c->rootfd, dir, true, &names);
        if (r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, strerror(-r));

        /* The jobs first, then the overrides, which follow their job. */
        for (char **n = names; *n; n++) {
                bool m;

                if (suffixed && !endswith(*n, ".conf"))
                        continue;
                r = upstart_job(c, dir, *n, false, &m);
                if (r < 0)
                        return r;
                if (m && suffixed) {
                        r = strv_push(&moved, &n_moved, strndup(*n, strlen(*n) - strlen(".conf")));
                        if (r < 0)
                                return r;
                }
        }
        for (char **n = names; suffixed && *n; n++) {
                const char *suffix = endswith(*n, ".override");
                bool follow = false, m;

                if (!suffix)
                        continue;
                for (char **j = moved; j && *j; j++)
                        if (strlen(*j) == (size_t) (suffix - *n) && strncmp(*j, *n, strlen(*j)) == 0)
                                follow = true;
                r = upstart_job(c, dir, *n, follow, &m);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int upstart_run(FixerContext *c) {
        int r;

        /* Nothing here can be misread: a job is only looked at in the rewrite pass, for a guest from Xen. */
        if (!(c->mapping && fixer_console_moves(c)))
                return 0;
        r = upstart_dir(c, INIT_DIR, true);
        if (r < 0)
                return r;
        return upstart_dir(c, EVENT_DIR, false);
}

const Fixer fixer_upstart = {
        .name = "upstart",
        .run = upstart_run,
};

/* runit */

/* Switch the enabled link @link (holding @old) to the sibling folder @sibling of the one it names. */
static int runit_switch(FixerContext *c, const char *edir, const char *name, const char *link,
        const FileContent *old, const char *sibling) {
        _cleanup_free_ char *new_name = NULL, *new_link = NULL, *target = NULL, *resolved = NULL;
        const FileContent absent = { .kind = FILE_ABSENT };
        const Edit *planned;
        FileContent new;
        int r;

        new_name = xen_console_replace(name, strlen(name), NULL);
        new_link = new_name ? path_join(edir, new_name) : NULL;
        if (!new_link)
                return -ENOMEM;

        planned = plan_find(c->plan, new_link);
        if (root_entry_type(c->rootfd, new_link) != 0 || (planned && planned->new.kind != FILE_ABSENT))
                /* Enabled already: only the Xen console's service goes. */
                return plan_add(c->plan, link, old, &absent, "runit", REASON);

        /* The link keeps its style (absolute or relative) when the same words lead to the sibling. */
        target = xen_console_replace(old->data, old->size, NULL);
        if (!target)
                return -ENOMEM;
        if (target[0] != '/') {
                _cleanup_free_ char *rel = path_join(edir, target);

                if (!rel)
                        return -ENOMEM;
                r = root_chase(c->rootfd, rel, 0, &resolved);
        } else
                r = root_chase(c->rootfd, target, 0, &resolved);
        if (r < 0 || !streq(resolved, sibling)) {
                free(target);
                target = strdup(sibling);
                if (!target)
                        return -ENOMEM;
        }
        new = (FileContent){ .kind = FILE_SYMLINK, .data = target, .size = strlen(target) };
        return plan_move(c->plan, link, old, new_link, &new, "runit", REASON);
}

/* No ttyS0 sibling: edit the scripts of service folder @folder where they are. */
static int runit_in_place(FixerContext *c, const char *folder) {
        _cleanup_(strv_freep) char **names = NULL;
        bool changed = false;
        int r;

        r = root_list_dir(c->rootfd, folder, true, &names);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", folder, strerror(-r));
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *path = path_join(folder, *n), *data = NULL;
                Buf out = {};
                size_t size;
                int kind;

                if (!path)
                        return -ENOMEM;
                if (root_entry_type(c->rootfd, path) != S_IFREG)
                        continue;
                r = root_read_file(c->rootfd, path, NULL, &data, &size);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));
                kind = job_fix(c, path, data, size, false, true, &out);
                r = kind == GETTY_XEN ? plan_replace(c->plan, path, data, size, strempty(out.data), out.len,
                                                "runit", REASON)
                                      : kind;
                buf_done(&out);
                if (r < 0)
                        return r;
                changed = changed || kind == GETTY_XEN;
        }
        if (changed)
                return plan_warn(c->plan,
                        "%s: its getty runs on ttyS0 now, but the service keeps its name "
                        "(a run script the plan created would not be executable)",
                        folder);
        return plan_warn(c->plan,
                "%s: runs a getty on the tty its name says and has no ttyS0 sibling to switch to; "
                "make a ttyS0 service of it by hand",
                folder);
}

/* The enabled service @name in folder @edir. */
static int runit_service(FixerContext *c, const char *edir, const char *name) {
        _cleanup_free_ char *link = NULL, *folder = NULL, *sibling_name = NULL, *sibling = NULL;
        _cleanup_(file_content_done) FileContent fc = {};
        const char *base;
        mode_t type;
        int r;

        link = path_join(edir, name);
        if (!link)
                return -ENOMEM;
        type = root_entry_type(c->rootfd, link);
        if (type == S_IFDIR)
                return runit_in_place(c, link);
        if (type != S_IFLNK)
                return 0;

        r = read_file_content(c->rootfd, link, &fc);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", link, strerror(-r));
        r = root_chase(c->rootfd, link, 0, &folder);
        if (r == -ENOENT || r == -ENOTDIR || (r >= 0 && root_entry_type(c->rootfd, folder) != S_IFDIR))
                return plan_warn(c->plan, "%s: enables %s, which is no service folder here; left alone",
                        link, fc.data);
        if (r < 0)
                return log_error_errno(r, "%s: cannot resolve: %s", link, strerror(-r));

        base = strrchr(folder, '/') + 1;
        sibling_name = xen_console_replace(base, strlen(base), NULL);
        if (!sibling_name || asprintf(&sibling, "%.*s%s", (int) (base - folder), folder, sibling_name) < 0) {
                sibling = NULL;
                return -ENOMEM;
        }
        if (!streq(sibling_name, base) && root_entry_type(c->rootfd, sibling) == S_IFDIR)
                return runit_switch(c, edir, name, link, &fc, sibling);
        return runit_in_place(c, folder);
}

/* Every folder of enabled services, canonical, each once: Void's /var/service is runsvdir/current. */
static int runit_enabled_folders(FixerContext *c, char ***ret) {
        _cleanup_(strv_freep) char **runsvdirs = NULL, **dirs = NULL;
        _cleanup_(strv_freep) char **candidates = NULL;
        size_t n = 0, n_candidates = 0;
        int r;

        r = root_list_dir(c->rootfd, "/etc/runit/runsvdir", true, &runsvdirs);
        if (r < 0 && r != -ENOTDIR)
                return log_error_errno(r, "/etc/runit/runsvdir: cannot list: %s", strerror(-r));
        for (char **s = runsvdirs; s && *s; s++) {
                r = strv_push(&candidates, &n_candidates, path_join("/etc/runit/runsvdir", *s));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(runit_enabled_dirs); i++) {
                r = strv_push(&candidates, &n_candidates, strdup(runit_enabled_dirs[i]));
                if (r < 0)
                        return r;
        }

        for (char **s = candidates; s && *s; s++) {
                _cleanup_free_ char *dir = NULL;
                bool seen = false;

                r = root_chase(c->rootfd, *s, 0, &dir);
                if (r == -ENOENT || r == -ENOTDIR || (r >= 0 && root_entry_type(c->rootfd, dir) != S_IFDIR))
                        continue;
                if (r < 0)
                        return log_error_errno(r, "%s: cannot resolve: %s", *s, strerror(-r));
                for (char **d = dirs; d && *d; d++)
                        seen = seen || streq(*d, dir);
                if (seen)
                        continue;
                r = strv_push(&dirs, &n, TAKE_PTR(dir));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(dirs);
        return 0;
}

static int runit_run(FixerContext *c) {
        _cleanup_(strv_freep) char **dirs = NULL;
        int r;

        if (!(c->mapping && fixer_console_moves(c)))
                return 0;
        r = runit_enabled_folders(c, &dirs);
        if (r < 0)
                return r;
        for (char **d = dirs; d && *d; d++) {
                _cleanup_(strv_freep) char **names = NULL;

                r = root_list_dir(c->rootfd, *d, false, &names);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot list: %s", *d, strerror(-r));
                for (char **n = names; *n; n++) {
                        if (!strstr(*n, "getty") || !xen_console_named(*n, strlen(*n)))
                                continue;
                        r = runit_service(c, *d, *n);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

const Fixer fixer_runit = {
        .name = "runit",
        .run = runit_run,
};
