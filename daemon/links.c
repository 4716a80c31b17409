/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "devname.h"
#include "links.h"
#include "root.h"
#include "util.h"

/* Longer than any UUID, PARTUUID or encoded label (a label is at most 255 bytes, encoded less than 4×). */
#define UDEV_VALUE_MAX 1024

/*
 * What may stand between the quotes of a udev match: udev compares with glob
 * patterns and reads backslash escapes, and the values come from a snapshot
 * the guest could have written, or from sysfs. Only bytes that mean
 * themselves pass: ASCII letters, digits and the punctuation @also allows
 * (for identities "#+-.:=@_", what udev's own encoding keeps), never a quote,
 * backslash, glob character, space, control character or non-ASCII byte. A
 * value with anything else gets no rule.
 */
static bool udev_literal(const char *s, const char *also) {
        size_t n = 0;

        if (!s || !*s)
                return false;
        for (const char *p = s; *p; p++, n++) {
                char c = *p;

                if (n >= UDEV_VALUE_MAX)
                        return false;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            strchr(also, c)))
                        return false;
        }
        return true;
}

#define IDENTITY_PUNCT "#+-.:=@_"

static int format_rule(Buf *b, const Device *d) {
        _cleanup_free_ char *enc = NULL;

        /* The name goes into SYMLINK+= and must be a plain kernel name: no "/", "..", quote or newline. */
        if (!devname_is_kernel_name(d->name))
                return buf_puts(b, "# a device with a malformed name was recorded, no link\n");
        if (udev_literal(d->uuid, IDENTITY_PUNCT))
                return buf_printf(b, "ENV{ID_FS_UUID}==\"%s\", SYMLINK+=\"%s\"\n", d->uuid, d->name);
        if (d->label) {
                enc = udev_encode_string(d->label);
                if (!enc)
                        return -ENOMEM;
                /* A \xHH in a rule value would be read as a glob escape: such labels get no rule. */
                if (udev_literal(enc, IDENTITY_PUNCT))
                        return buf_printf(
                                b, "ENV{ID_FS_LABEL_ENC}==\"%s\", SYMLINK+=\"%s\"\n", enc, d->name);
        }
        if (udev_literal(d->partuuid, IDENTITY_PUNCT))
                return buf_printf(
                        b, "ENV{ID_PART_ENTRY_UUID}==\"%s\", SYMLINK+=\"%s\"\n", d->partuuid, d->name);
        if (udev_literal(d->ptuuid, IDENTITY_PUNCT))
                return buf_printf(b,
                        "ENV{DEVTYPE}==\"disk\", ENV{ID_PART_TABLE_UUID}==\"%s\", SYMLINK+=\"%s\"\n",
                        d->ptuuid, d->name);
        if (d->uuid || d->label || d->partuuid || d->ptuuid)
                return buf_printf(
                        b, "# %s: the recorded identity cannot be matched literally, no link\n", d->name);
        return buf_printf(b, "# %s: no identity was recorded, no link\n", d->name);
}

int links_format_rules(const Inventory *snapshot, char **ret) {
        Buf b = {};
        int r;

        r = buf_puts(&b,
                "# /dev/xvd* compatibility links for a guest moved from Xen to KVM, written by\n"
                "# \"migratectl arm\" from the devices it recorded under Xen. Generated: do not edit.\n"
                "SUBSYSTEM!=\"block\", GOTO=\"kvmigrate_end\"\n"
                "ACTION==\"remove\", GOTO=\"kvmigrate_end\"\n"
                "KERNEL==\"xvd*\", GOTO=\"kvmigrate_end\"\n"
                "\n");
        for (size_t i = 0; i < snapshot->n && r >= 0; i++)
                if (startswith(snapshot->devices[i].name, "xvd"))
                        r = format_rule(&b, &snapshot->devices[i]);
        if (r >= 0)
                r = buf_puts(&b, "\nLABEL=\"kvmigrate_end\"\n");
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int links_save_rules(int rootfd, const Inventory *snapshot) {
        _cleanup_free_ char *text = NULL, *old = NULL;
        _cleanup_close_ int dfd = -1;
        const char *name = strrchr(LINKS_RULES_FILE, '/') + 1;
        int r;

        r = links_format_rules(snapshot, &text);
        if (r < 0)
                return r;
        dfd = root_open_dir(rootfd, "/etc/udev/rules.d", true);
        if (dfd < 0)
                return dfd;
        /* Read in the root, never blocking: a FIFO or a link out of the root is simply replaced. */
        if (root_read_file(rootfd, LINKS_RULES_FILE, NULL, &old, NULL) >= 0 && streq(old, text))
                return 0;
        r = write_file_atomic_at(dfd, name, text, strlen(text), 0644);
        return r < 0 ? r : 1;
}

int links_remove_rules(int rootfd) {
        _cleanup_close_ int dfd = -1;

        dfd = root_open_dir(rootfd, "/etc/udev/rules.d", false);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (unlinkat(dfd, strrchr(LINKS_RULES_FILE, '/') + 1, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int links_format_bus_rules(const Inventory *new, const char *xvd, char **ret) {
        _cleanup_free_ const Device **disks = NULL;
        _cleanup_free_ char *disk_name = NULL;
        _cleanup_(buf_done) Buf b = {};
        const Device *disk;
        DiskOrder order;
        size_t n_disks;
        DevName want;
        int r;

        *ret = NULL;
        if (devname_parse(xvd, &want) < 0 || !streq(want.prefix, "xvd"))
                return -EINVAL;
        r = inventory_disks_in_order(new, &disks, &n_disks, &order);
        if (r < 0)
                return r;
        /* Across controllers the order is the PCI layout, not something the host promises. */
        if (n_disks > 0 && order != DISK_ORDER_CONTROLLER && !(order == DISK_ORDER_BUS && n_disks == 1))
                return -ENXIO;
        if (want.disk >= n_disks)
                return -ENOENT;
        disk = disks[want.disk];
        /* A sysfs path goes into a glob: "/devices/pci0000:00/0000:00:04.0/…". */
        if (!startswith(disk->bus_path, "/") || !udev_literal(disk->bus_path, "/:._-"))
                return -ENXIO;
        disk_name = devname_format("xvd", want.disk, 0);
        if (!disk_name)
                return -ENOMEM;

        /* The path, not the kernel name: a disk added later under a reused name gets no link. */
        r = buf_printf(&b,
                "# /dev/%s for root=%s of a guest moved from Xen to KVM that was never armed: the\n"
                "# disk at bus position %u (%s in this boot). Written by \"migratectl links --make\".\n"
                "SUBSYSTEM!=\"block\", GOTO=\"kvmigrate_bus_end\"\n"
                "ACTION==\"remove\", GOTO=\"kvmigrate_bus_end\"\n"
                "ENV{DEVTYPE}==\"disk\", DEVPATH==\"%s/*\", SYMLINK+=\"%s\"\n"
                "ENV{DEVTYPE}==\"partition\", DEVPATH==\"%s/*\", SYMLINK+=\"%s%%n\"\n"
                "LABEL=\"kvmigrate_bus_end\"\n",
                disk_name, xvd, want.disk + 1, disk->name, disk->bus_path, disk_name, disk->bus_path,
                disk_name);
        if (r < 0)
                return r;
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}
