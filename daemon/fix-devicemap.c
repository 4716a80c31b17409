/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * devicemap: GRUB's device.map, "(hd0)  /dev/xvda", which tells
 * grub-install (and the GRUB legacy shell) which disk is BIOS drive hd0.
 *
 * What a drive becomes: GRUB wants the path of a block device; it opens
 * and stats it, so a /dev/disk/ link will do as well as a node.
 *   - a whole-disk filesystem (Linode's layout) has a filesystem UUID, so
 *     the stable /dev/disk/by-uuid/ path, as unit files get;
 *   - a disk with a partition table has no filesystem UUID and no udev link
 *     made from its partition table; udev's /dev/disk/by-id/ link (made
 *     from the bus and serial) is stable, when the inventory knows it
 *     (probed through udev, not offline);
 *   - else the new kernel name /dev/sdX, which is right for this boot only:
 *     sd names may change from one boot to the next. That is the best an
 *     offline rewrite can do, so the plan says so and asks for grub-install
 *     to be run again (or device.map to be removed: GRUB 2 does not need
 *     it, and grub-install --recheck writes a fresh one).
 * A "(hd0,1) /dev/xvda1" line (a partition) gets the partition's own stable
 * path.
 */

#include "fixer.h"
#include "root.h"
#include "util.h"

static const char *const devicemap_paths[] = {
        "/boot/grub/device.map",
        "/boot/grub2/device.map",
};

/* The /dev/disk/by-id/ link of @d, the first in sort order (deterministic), or NULL. */
static const char *by_id_link(const Device *d) {
        const char *best = NULL;

        for (char **l = d->links; l && *l; l++)
                if (startswith(*l, "/dev/disk/by-id/") && (!best || strcmp(*l, best) < 0))
                        best = *l;
        return best;
}

/*
 * What the device field @ref becomes. Return 0 when it names no old
 * device, 1 when it does (and in the rewrite pass *@ret is its new
 * spelling), a negative errno.
 */
static int devicemap_device(FixerContext *c, const char *ref, const char *where, char **ret) {
        _cleanup_free_ char *name = NULL;
        const MapEntry *e;
        const char *link;
        int r;

        *ret = NULL;
        if (!c->mapping)
                return fixer_rewrite_device(c, ref, NULL, where, SYNTAX_PATH, ret);

        r = fixer_old_name(c, ref, &name);
        if (r <= 0)
                return r;
        e = mapping_find(c->mapping, name);
        /* Filesystems and partitions, and --rewrite=name: the common rules (unmapped names are errors). */
        if (!e || e->new->partition || e->new->uuid || e->new->label || c->form == REWRITE_NAME)
                return fixer_rewrite_device(c, ref, NULL, where, SYNTAX_PATH, ret);

        link = by_id_link(e->new);
        if (link) {
                *ret = strdup(link);
                return *ret ? 1 : -ENOMEM;
        }
        r = plan_warn(c->plan,
                "%s: %s is /dev/%s now, but sd names may change from one boot to the next; "
                "run grub-install again (or remove device.map) once the guest runs under KVM",
                where, ref, e->new->name);
        if (r < 0)
                return r;
        if (asprintf(ret, "/dev/%s", e->new->name) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 1;
}

/* Whether the field @s (@len bytes) is a GRUB drive: "(hd0)", "(fd0)", "(hd0,1)". */
static bool is_drive(const char *s, size_t len) {
        return len >= 3 && s[0] == '(' && s[len - 1] == ')';
}

static int devicemap_fix(FixerContext *c, const char *path, const char *data, size_t size) {
        bool changed = false;
        size_t pos = 0;
        Buf out = {};
        Line l = {};
        int r = 0;

        while (line_next(data, size, &pos, &l)) {
                _cleanup_free_ char *where = NULL, *device = NULL, *new_device = NULL;
                SpanEdit edit = {};
                Span fields[2];
                size_t n;

                if (line_is_comment_or_blank(&l))
                        goto emit;
                /* GRUB reads the drive and the device, and ignores whatever follows. */
                n = fields_split(l.p, l.len, fields, ELEMENTSOF(fields));
                if (n < 2 || !is_drive(l.p + fields[0].start, fields[0].len)) {
                        log_error("%s:%u: expected \"(DRIVE) DEVICE\"; refusing to rewrite %s", path,
                                l.number, path);
                        r = -EBADMSG;
                        goto finish;
                }
                device = strndup(l.p + fields[1].start, fields[1].len);
                if (!device || asprintf(&where, "%s:%u", path, l.number) < 0) {
                        where = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
                r = devicemap_device(c, device, where, &new_device);
                if (r < 0)
                        goto finish;
                if (new_device) {
                        edit = (SpanEdit){ fields[1], new_device };
                        changed = true;
                }
        emit:
                r = line_emit(&out, &l, &edit, 1);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (changed && c->mapping)
                r = plan_replace(c->plan, path, data, size, strempty(out.data), out.len, "devicemap",
                        "BIOS drives of GRUB");
finish:
        buf_done(&out);
        return r;
}

static int devicemap_run(FixerContext *c) {
        _cleanup_free_ char *first = NULL;

        for (size_t i = 0; i < ELEMENTSOF(devicemap_paths); i++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size;
                int r;

                r = root_read_file(c->rootfd, devicemap_paths[i], &path, &data, &size);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", devicemap_paths[i], strerror(-r));
                /* /boot/grub is often a link to /boot/grub2 (or the other way): one file, one edit. */
                if (first && streq(first, path))
                        continue;
                r = devicemap_fix(c, path, data, size);
                if (r < 0)
                        return r;
                if (!first)
                        first = TAKE_PTR(path);
        }
        return 0;
}

const Fixer fixer_devicemap = {
        .name = "devicemap",
        .run = devicemap_run,
};
