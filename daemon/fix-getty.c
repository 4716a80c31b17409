/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * getty: systemd's gettys on the Xen console move to the first serial port.
 *
 * An administrator who ran "systemctl enable serial-getty@hvc0.service"
 * left a link in a *.wants/ folder of /etc/systemd/system (getty.target.wants
 * as a rule) to the template, /lib/systemd/system/serial-getty@.service.
 * It becomes serial-getty@ttyS0.service, a link to the same template;
 * getty@hvc0.service becomes serial-getty@ttyS0.service too, a link to the
 * serial template in the folder of the old one (getty@.service is made for
 * virtual consoles). When serial-getty@ttyS0.service is enabled already,
 * the Xen console's link only goes.
 *
 * Drop-ins in serial-getty@hvc0.service.d/ (autologin, overrides) move to
 * serial-getty@ttyS0.service.d/, a file at a time; where they name the
 * console itself (a literal hvc0 in ExecStart=) that follows, and the speed
 * of an ExecStart= getty agrees with the kernel console's as inittab's
 * rules make it (115200 first for agetty; the template's own --keep-baud
 * list starts with 115200 already). Those of
 * getty@hvc0.service were written for a virtual console's command line and
 * are only reported.
 *
 * Masks are the administrator's word: a masked serial-getty@ttyS0.service
 * is reported, never removed. A getty the kernel command line asks for
 * (console=hvc0) is the generator's, and follows the command line.
 */

#include <fcntl.h>
#include <sys/stat.h>

#include "apply.h"
#include "console.h"
#include "fixer.h"
#include "root.h"
#include "util.h"

#define UNIT_DIR "/etc/systemd/system"
#define SERIAL_UNIT "serial-getty@ttyS0.service"
#define SERIAL_TEMPLATE "serial-getty@.service"
#define VT_TEMPLATE "getty@.service"
#define REASON "the console is ttyS0 under KVM"

static const char *const xen_units[] = {
        "serial-getty@hvc0.service",
        "getty@hvc0.service",
        "serial-getty@xvc0.service",
        "getty@xvc0.service",
};

static const char *basename_of(const char *path) {
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

/* Whether canonical @path exists now, or will once the plan so far is carried out. */
static bool exists_after_plan(FixerContext *c, const char *path) {
        const Edit *e = plan_find(c->plan, path);

        return e ? e->new.kind != FILE_ABSENT : root_entry_type(c->rootfd, path) != 0;
}

static int plan_remove(FixerContext *c, const char *path, const FileContent *old) {
        const FileContent absent = { .kind = FILE_ABSENT };

        return plan_add(c->plan, path, old, &absent, "getty", REASON);
}

/* Whether the template @target (as the link in @dir says it) is in the root, for the unit to load. */
static bool template_exists(FixerContext *c, const char *dir, const char *target) {
        _cleanup_free_ char *full = NULL, *resolved = NULL;

        full = target[0] == '/' ? strdup(target) : path_join(dir, target);
        return full && root_chase(c->rootfd, full, 0, &resolved) >= 0 &&
                root_entry_type(c->rootfd, resolved) == S_IFREG;
}

/* The link @unit in the *.wants/ folder @wants (canonical), if there is one, moves to serial-getty@ttyS0. */
static int move_enablement(FixerContext *c, const char *wants, const char *unit) {
        _cleanup_free_ char *link = NULL, *new_link = NULL, *target = NULL;
        _cleanup_(file_content_done) FileContent old = {};
        FileContent new;
        const char *base;
        int r;

        link = path_join(wants, unit);
        new_link = path_join(wants, SERIAL_UNIT);
        if (!link || !new_link)
                return -ENOMEM;
        if (root_entry_type(c->rootfd, link) == 0)
                return 0;
        r = read_file_content(c->rootfd, link, &old);
        if (r == -EBADFD || (r >= 0 && old.kind != FILE_SYMLINK))
                return plan_warn(c->plan, "%s: not a link to a unit; left alone", link);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", link, strerror(-r));

        if (exists_after_plan(c, new_link))
                return plan_remove(c, link, &old);

        base = basename_of(old.data);
        if (streq(base, SERIAL_TEMPLATE))
                target = strdup(old.data);
        else if (streq(base, VT_TEMPLATE)) {
                if (asprintf(&target, "%.*s%s", (int) (base - old.data), old.data, SERIAL_TEMPLATE) < 0)
                        target = NULL;
        } else
                /* An instance unit written out in full: not for a guess. */
                return plan_warn(c->plan,
                        "%s: points at %s, not at a getty template; move it to ttyS0 by hand", link,
                        old.data);
        if (!target)
                return -ENOMEM;

        if (!template_exists(c, wants, target)) {
                r = plan_warn(c->plan,
                        "%s: the template %s is not in this root; the link is made all the same", new_link,
                        target);
                if (r < 0)
                        return r;
        }
        new = (FileContent){ .kind = FILE_SYMLINK, .data = target, .size = strlen(target) };
        return plan_move(c->plan, link, &old, new_link, &new, "getty", REASON);
}

/*
 * @data (@size bytes, a drop-in) with the speed of each ExecStart= getty
 * made to agree with the kernel console, into @out. @path: the drop-in's
 * path for warnings; NULL for none.
 */
static int dropin_speed_fix(FixerContext *c, const char *path, const char *data, size_t size, Buf *out) {
        size_t pos = 0;
        Line l = {};
        int r;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *speed = NULL;
                SpanEdit edit = {};
                size_t i = 0, n = 0;

                while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
                        i++;
                if (l.len - i >= 9 && memcmp(l.p + i, "ExecStart", 9) == 0) {
                        for (i += 9; i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'); i++)
                                ;
                        if (i < l.len && l.p[i] == '=') {
                                /* systemd's prefixes: "-", "@", ":", "+", "!", "!!". */
                                for (i++; i < l.len && strchr(" \t-@:+!", l.p[i]); i++)
                                        ;
                                if (path && asprintf(&where, "%s:%u", path, l.number) < 0)
                                        return -ENOMEM;
                                r = getty_instance_speed_fix(c, where, &l, i, &edit, &n, &speed);
                                if (r < 0)
                                        return r;
                        }
                }
                r = line_emit(out, &l, &edit, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One entry @name of the drop-in folder @src moves to the folder @dst. */
static int move_dropin(FixerContext *c, const char *src, const char *dst, const char *name) {
        _cleanup_free_ char *path = NULL, *new_path = NULL, *text = NULL;
        _cleanup_(file_content_done) FileContent old = {}, there = {};
        _cleanup_(buf_done) Buf fixed = {};
        const Edit *planned;
        size_t text_size = 0;
        FileContent new;
        int r;

        path = path_join(src, name);
        new_path = path_join(dst, name);
        if (!path || !new_path)
                return -ENOMEM;
        if (root_entry_type(c->rootfd, path) == S_IFDIR)
                return 0; /* systemd reads no folders in a drop-in folder */
        r = read_file_content(c->rootfd, path, &old);
        if (r == -EBADFD)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, strerror(-r));

        new = old;
        if (old.kind == FILE_REGULAR) {
                text = xen_console_replace(old.data, old.size, &text_size);
                if (!text)
                        return -ENOMEM;
                r = dropin_speed_fix(c, NULL, text, text_size, &fixed);
                if (r < 0)
                        return r;
                new.data = (char *) strempty(fixed.data);
                new.size = fixed.len;
        }

        planned = plan_find(c->plan, new_path);
        if (planned) {
                r = file_content_copy(&there, &planned->new);
                if (r < 0)
                        return r;
        } else {
                r = read_file_content(c->rootfd, new_path, &there);
                if (r == -EBADFD)
                        there.kind = FILE_REGULAR; /* a folder or device: in the way, and never equal */
                else if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", new_path, strerror(-r));
        }
        if (there.kind == FILE_ABSENT) {
                r = plan_move(c->plan, path, &old, new_path, &new, "getty", REASON);
                if (r >= 0 && old.kind == FILE_REGULAR) {
                        /* Now that the text is kept: the warnings of what is left to people. */
                        _cleanup_(buf_done) Buf scratch = {};

                        r = dropin_speed_fix(c, new_path, text, text_size, &scratch);
                }
                return r;
        }
        if (file_content_equal(&there, &new))
                return plan_remove(c, path, &old);
        return plan_warn(
                c->plan, "%s: %s differs from it already; both are left as they are", path, new_path);
}

/* The drop-in folder @name of /etc/systemd/system (@dir) moves to serial-getty@ttyS0.service.d/. */
static int move_dropins(FixerContext *c, const char *dir, const char *name) {
        _cleanup_free_ char *src_path = NULL, *src = NULL, *dst_path = NULL, *dst = NULL;
        _cleanup_(strv_freep) char **names = NULL;
        int r;

        src_path = path_join(dir, name);
        dst_path = path_join(dir, SERIAL_UNIT ".d");
        if (!src_path || !dst_path)
                return -ENOMEM;
        r = root_chase(c->rootfd, src_path, 0, &src);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0; /* no /etc/systemd/system at all (a guest with only /etc/systemd/network) */
        if (r >= 0 && root_entry_type(c->rootfd, src) != S_IFDIR)
                return 0;
        if (r >= 0)
                r = root_chase(c->rootfd, dst_path, 0, &dst);
        if (r >= 0)
                r = root_list_dir(c->rootfd, src, false, &names);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", src_path, strerror(-r));

        for (char **n = names; *n; n++) {
                r = move_dropin(c, src, dst, *n);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What needs a person: masks in the way, drop-ins and unit files this fixer does not move. */
static int report(FixerContext *c, const char *dir, char **names) {
        int r = 0;

        for (char **n = names; *n && r >= 0; n++) {
                _cleanup_(file_content_done) FileContent fc = {};
                _cleanup_free_ char *path = path_join(dir, *n);

                if (!path)
                        return -ENOMEM;
                if (streq(*n, SERIAL_UNIT) || streq(*n, SERIAL_TEMPLATE)) {
                        if (read_file_content(c->rootfd, path, &fc) >= 0 && fc.kind == FILE_SYMLINK &&
                                streq(fc.data, "/dev/null"))
                                r = plan_warn(c->plan,
                                        "%s: masked, so no getty runs on ttyS0, the console under KVM; "
                                        "kvmigrate leaves masks alone (systemctl unmask %s)",
                                        path, *n);
                } else if (streq(*n, "getty@hvc0.service.d") || streq(*n, "getty@xvc0.service.d"))
                        r = plan_warn(c->plan,
                                "%s: drop-ins for a virtual console's getty; move what still applies to "
                                "%s.d by hand",
                                path, SERIAL_UNIT);
                else {
                        for (size_t i = 0; i < ELEMENTSOF(xen_units) && r >= 0; i++)
                                if (streq(*n, xen_units[i]) &&
                                        read_file_content(c->rootfd, path, &fc) >= 0 &&
                                        !(fc.kind == FILE_SYMLINK && streq(fc.data, "/dev/null")))
                                        r = plan_warn(c->plan,
                                                "%s: a unit of the Xen console's own; "
                                                "move it to ttyS0 by hand",
                                                path);
                }
        }
        return r;
}

static int getty_run(FixerContext *c) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        /* Links and drop-ins hold nothing to misread: only the rewrite pass of a guest from Xen acts. */
        if (!(c->mapping && fixer_console_moves(c)))
                return 0;

        r = root_chase(c->rootfd, UNIT_DIR, 0, &dir);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot resolve: %s", UNIT_DIR, strerror(-r));
        r = root_list_dir(c->rootfd, dir, true, &names);
        if (r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, strerror(-r));

        for (char **n = names; *n; n++) {
                _cleanup_free_ char *wants = NULL;

                if (!endswith(*n, ".wants"))
                        continue;
                wants = path_join(dir, *n);
                if (!wants)
                        return -ENOMEM;
                if (root_entry_type(c->rootfd, wants) != S_IFDIR)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(xen_units); i++) {
                        r = move_enablement(c, wants, xen_units[i]);
                        if (r < 0)
                                return r;
                }
        }

        r = move_dropins(c, dir, "serial-getty@hvc0.service.d");
        if (r >= 0)
                r = move_dropins(c, dir, "serial-getty@xvc0.service.d");
        if (r >= 0)
                r = report(c, dir, names);
        return r;
}

const Fixer fixer_getty = {
        .name = "getty",
        .run = getty_run,
};
