/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <blkid/blkid.h>
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include "libudev-util.h"
#include <stddef.h>
#include <sys/stat.h>

#include "devname.h"
#include "inventory.h"
#include "root.h"
#include "util.h"

#define SNAPSHOT_DIR "var/lib/kvmigrate"
#define SNAPSHOT_FILE SNAPSHOT_DIR "/snapshot"
#define SNAPSHOT_SHOWN "/" SNAPSHOT_FILE
#define SNAPSHOT_HEADER "# kvmigrate inventory snapshot, written by migratectl arm\n"

/* libblkid ships no cleanup helper. */
static inline void blkid_free_probep(blkid_probe *p) {
        if (*p)
                blkid_free_probe(*p);
}

void device_done(Device *d) {
        if (!d)
                return;
        free(d->name);
        free(d->path);
        free(d->type);
        free(d->uuid);
        free(d->label);
        free(d->partuuid);
        free(d->partlabel);
        free(d->ptuuid);
        strv_free(d->links);
        free(d->bus_path);
        *d = (Device){};
}

void inventory_done(Inventory *inv) {
        if (!inv)
                return;
        for (size_t i = 0; i < inv->n; i++)
                device_done(&inv->devices[i]);
        free(inv->devices);
        nic_list_done(&inv->nics);
        *inv = (Inventory){};
}

int inventory_add(Inventory *inv, Device *d) {
        Device *v;

        /* *d is consumed whatever the outcome, so a caller's cleanup never frees twice. */
        if (isempty(d->name)) {
                device_done(d);
                return -EINVAL;
        }
        if (inventory_find(inv, d->name)) {
                device_done(d);
                return 0;
        }

        v = reallocarray(inv->devices, inv->n + 1, sizeof(Device));
        if (!v) {
                device_done(d);
                return -ENOMEM;
        }
        inv->devices = v;
        inv->devices[inv->n++] = *d;
        *d = (Device){};
        return 0;
}

Device *inventory_find(const Inventory *inv, const char *name) {
        const char *n;

        if (!inv || !name)
                return NULL;
        n = startswith(name, "/dev/") ?: name;
        for (size_t i = 0; i < inv->n; i++)
                if (streq_ptr(inv->devices[i].name, n))
                        return &inv->devices[i];
        return NULL;
}

const char *device_source_to_string(DeviceSource s) {
        static const char *const table[_DEVICE_SOURCE_MAX] = {
                [DEVICE_SOURCE_PROBE] = "probe",
                [DEVICE_SOURCE_SNAPSHOT] = "snapshot",
                [DEVICE_SOURCE_BLKID_CACHE] = "blkid-cache",
                [DEVICE_SOURCE_CONFIG] = "config",
                [DEVICE_SOURCE_RECORD] = "record",
        };

        if ((unsigned) s >= _DEVICE_SOURCE_MAX)
                return NULL;
        return table[s];
}

/* Probing with libblkid */

static int open_node(const char *path) {
        struct stat st;
        int fd;

        /* O_NONBLOCK as libblkid itself does: a drive without a medium must not hang the open. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
                (void) close(fd);
                return -ENOTBLK;
        }
        return fd;
}

static int probe_read_values(blkid_probe pr, Device *d) {
        static const struct {
                const char *key;
                size_t offset;
        } table[] = {
                { "TYPE", offsetof(Device, type) },
                { "UUID", offsetof(Device, uuid) },
                { "LABEL", offsetof(Device, label) },
                { "PART_ENTRY_UUID", offsetof(Device, partuuid) },
                { "PART_ENTRY_NAME", offsetof(Device, partlabel) },
                { "PTUUID", offsetof(Device, ptuuid) },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                char **field = (char **) ((char *) d + table[i].offset);
                const char *v = NULL;
                int r;

                if (blkid_probe_lookup_value(pr, table[i].key, &v, NULL) < 0 || !v)
                        continue;
                r = strdup_to(field, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * Probe @size bytes (0: all) of @fd from @offset into @d, with the fresh
 * probe @pr. With @partitions the partition chain runs as well: PTUUID of a
 * disk, PART_ENTRY_* of a kernel partition node. *@ret_table tells whether
 * a partition table was found, whose list @pr then gives.
 */
static int probe_content(blkid_probe pr, int fd, uint64_t offset, uint64_t size, bool partitions,
        const char *what, Device *d, bool *ret_table) {
        blkid_loff_t probed_size;
        const char *pttype = NULL;
        int r;

        if (blkid_probe_set_device(pr, fd, (blkid_loff_t) offset, (blkid_loff_t) size) < 0) {
                log_debug("%s: cannot set up a libblkid probe", what);
                return -EIO;
        }
        if (blkid_probe_enable_superblocks(pr, true) < 0 ||
                blkid_probe_set_superblocks_flags(
                        pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE) < 0)
                return -EIO;
        if (partitions &&
                (blkid_probe_enable_partitions(pr, true) < 0 ||
                        blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS) < 0))
                return -EIO;

        r = blkid_do_safeprobe(pr);
        if (r == -2)
                /* Two signatures (a filesystem made over another): which one counts is not ours to guess. */
                log_debug("%s: ambivalent probing result, leaving its type unknown", what);
        else if (r < 0) {
                log_debug("%s: libblkid probing failed", what);
                return -EIO;
        } else if (r == 0) {
                r = probe_read_values(pr, d);
                if (r < 0)
                        return r;
                (void) blkid_probe_lookup_value(pr, "PTTYPE", &pttype, NULL);
        }

        probed_size = blkid_probe_get_size(pr);
        if (probed_size > 0)
                d->size = (uint64_t) probed_size;

        if (ret_table)
                *ret_table = pttype;
        return 0;
}

static int probe_once(int fd, uint64_t offset, uint64_t size, bool partitions, const char *what, Device *d) {
        _cleanup_(blkid_free_probep) blkid_probe pr = blkid_new_probe();

        if (!pr)
                return -ENOMEM;
        return probe_content(pr, fd, offset, size, partitions, what, d, NULL);
}

/* The kernel's partition name: "sda" + 1 = "sda1", but "nvme0n1" + 1 = "nvme0n1p1". */
static int partition_name(const char *disk, int partno, char **ret) {
        size_t l = strlen(disk);
        bool digit = l > 0 && isdigit((unsigned char) disk[l - 1]);
        char *s;

        if (asprintf(&s, "%s%s%i", disk, digit ? "p" : "", partno) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int compare_partno(const void *a, const void *b) {
        int x = blkid_partition_get_partno(*(const blkid_partition *) a);
        int y = blkid_partition_get_partno(*(const blkid_partition *) b);

        return (x > y) - (x < y);
}

/* Add the partitions of the table @pr found on @fd, in the order of their numbers. */
static int probe_partitions(Inventory *inv, const char *disk, const char *path, int fd, blkid_probe pr) {
        _cleanup_free_ blkid_partition *parts = NULL;
        blkid_partlist ls;
        int n;

        ls = blkid_probe_get_partitions(pr);
        if (!ls)
                return 0;
        n = blkid_partlist_numof_partitions(ls);
        if (n <= 0)
                return 0;

        parts = calloc((size_t) n, sizeof(blkid_partition));
        if (!parts)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                parts[i] = blkid_partlist_get_partition(ls, i);
                if (!parts[i])
                        return -EIO;
        }
        qsort(parts, (size_t) n, sizeof(blkid_partition), compare_partno);

        for (int i = 0; i < n; i++) {
                _cleanup_(device_done) Device d = { .partition = true, .source = DEVICE_SOURCE_PROBE };
                blkid_partition par = parts[i];
                /* libblkid counts partitions in 512-byte sectors, whatever the disk's sector size. */
                uint64_t start = (uint64_t) blkid_partition_get_start(par) * 512;
                uint64_t size = (uint64_t) blkid_partition_get_size(par) * 512;
                int r;

                r = partition_name(disk, blkid_partition_get_partno(par), &d.name);
                if (r < 0)
                        return r;
                r = strdup_to(&d.path, path);
                if (r < 0)
                        return r;
                d.size = size;
                r = strdup_to(&d.partuuid, blkid_partition_get_uuid(par));
                if (r < 0)
                        return r;
                r = strdup_to(&d.partlabel, blkid_partition_get_name(par));
                if (r < 0)
                        return r;

                /* An extended partition only holds the chain of logical ones, listed on their own. */
                if (!blkid_partition_is_extended(par) && size > 0) {
                        r = probe_once(fd, start, size, false, d.name, &d);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                log_debug("%s: partition %s cannot be probed, listing it without identity",
                                        path, d.name);
                        /* The table's size, not what the probe could read of a truncated image. */
                        d.size = size;
                }

                r = inventory_add(inv, &d);
                if (r < 0)
                        return r;
        }
        return 0;
}

int inventory_probe_path(Inventory *inv, const char *name, const char *path) {
        _cleanup_(device_done) Device d = { .source = DEVICE_SOURCE_PROBE };
        _cleanup_(blkid_free_probep) blkid_probe pr = NULL;
        _cleanup_close_ int fd = -1;
        const char *disk;
        bool table = false;
        struct stat st;
        int r;

        if (isempty(name) || isempty(path))
                return -EINVAL;
        disk = startswith(name, "/dev/") ?: name;

        fd = open_node(path);
        if (fd < 0)
                return fd;
        pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;

        r = strdup_to(&d.name, disk);
        if (r < 0)
                return r;
        r = strdup_to(&d.path, path);
        if (r < 0)
                return r;

        r = probe_content(pr, fd, 0, 0, true, path, &d, &table);
        if (r < 0)
                return r;
        if (fstat(fd, &st) >= 0 && S_ISBLK(st.st_mode))
                d.devnum = st.st_rdev;

        r = inventory_add(inv, &d);
        if (r < 0)
                return r;

        if (!table)
                return 0;
        return probe_partitions(inv, disk, path, fd, pr);
}

/* Enumeration with libudev */

static bool udev_name_skipped(const char *sysname) {
        /* Nodes that never hold a migrated guest's filesystems, or that stack on top of real disks. */
        static const char *const prefixes[] = {
                "loop",
                "ram",
                "zram",
                "sr",
                "fd",
                "dm-",
                "md",
        };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (startswith(sysname, prefixes[i]))
                        return true;
        return false;
}

static int udev_links(struct udev_device *dev, char ***ret) {
        _cleanup_(strv_freep) char **links = NULL;
        struct udev_list_entry *e;
        size_t n = 0;
        int r;

        udev_list_entry_foreach(e, udev_device_get_devlinks_list_entry(dev)) {
                const char *l = udev_list_entry_get_name(e);

                if (!l || (!startswith(l, "/dev/disk/by-id/") && !startswith(l, "/dev/disk/by-path/")))
                        continue;
                r = strv_push(&links, &n, strdup(l));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(links);
        return 0;
}

static int probe_udev_device(Inventory *inv, struct udev_device *dev) {
        _cleanup_(device_done) Device d = { .source = DEVICE_SOURCE_PROBE };
        const char *sysname, *devnode, *size;
        unsigned long long sectors = 0;
        int r, fd;

        sysname = udev_device_get_sysname(dev);
        devnode = udev_device_get_devnode(dev);
        if (!sysname || !devnode || udev_name_skipped(sysname))
                return 0;

        size = udev_device_get_sysattr_value(dev, "size");
        if (size) {
                char *end;

                errno = 0;
                sectors = strtoull(size, &end, 10);
                if (errno != 0 || end == size)
                        sectors = 0;
        }
        /* Empty: a card reader without a card, an unattached nbd; nothing to map. */
        if (!size || sectors == 0)
                return 0;

        r = strdup_to(&d.name, sysname);
        if (r < 0)
                return r;
        r = strdup_to(&d.path, devnode);
        if (r < 0)
                return r;
        /* sysfs counts 512-byte sectors whatever the logical block size. */
        d.size = (uint64_t) sectors * 512;
        d.partition = streq_ptr(udev_device_get_devtype(dev), "partition");
        d.devnum = udev_device_get_devnum(dev);
        r = udev_links(dev, &d.links);
        if (r < 0)
                return r;

        /* The kernel lists the partitions itself, each with its node: no table scan here. */
        fd = open_node(devnode);
        if (fd >= 0) {
                r = probe_once(fd, 0, 0, true, devnode, &d);
                (void) close(fd);
        } else
                r = fd;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                /* Still list it: a known device without identity says more than a missing one. */
                log_debug("%s: cannot probe (%s), listing it without identity", devnode, strerror(-r));

        return inventory_add(inv, &d);
}

int inventory_probe_udev(Inventory *inv) {
        _cleanup_(udev_unrefp) struct udev *udev = NULL;
        _cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
        struct udev_list_entry *item;
        int r;

        udev = udev_new();
        if (!udev)
                return errno > 0 ? -errno : -ENOMEM;
        e = udev_enumerate_new(udev);
        if (!e)
                return errno > 0 ? -errno : -ENOMEM;

        r = udev_enumerate_add_match_subsystem(e, "block");
        if (r < 0)
                return r;
        /* Without a running udev (early initramfs, a container) no device is ever "initialized". */
        if (access("/run/udev/control", F_OK) >= 0) {
                r = udev_enumerate_add_match_is_initialized(e);
                if (r < 0)
                        return r;
        }
        r = udev_enumerate_scan_devices(e);
        if (r < 0)
                return r;

        udev_list_entry_foreach(item, udev_enumerate_get_list_entry(e)) {
                _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

                dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(item));
                if (!dev) {
                        if (errno == ENOMEM)
                                return -ENOMEM;
                        continue; /* gone since the scan */
                }
                r = probe_udev_device(inv, dev);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Bus positions */

static int bus_path_from_link(const char *target, const char *name, char **ret) {
        const char *p = strstr(target, "/devices/");
        size_t len, nlen = strlen(name);

        *ret = NULL;
        if (!p)
                return 0;
        len = strlen(p);
        /* ".../block/sda" for SCSI, ATA and virtio-blk; ".../nvme0/nvme0n1" for NVMe. */
        if (len <= nlen + 1 || p[len - nlen - 1] != '/' || !streq(p + len - nlen, name))
                return 0;
        len -= nlen + 1;
        if (len > strlen("/block") && memcmp(p + len - strlen("/block"), "/block", strlen("/block")) == 0)
                len -= strlen("/block");
        if (len <= strlen("/devices"))
                return 0;
        *ret = strndup(p, len);
        return *ret ? 0 : -ENOMEM;
}

int inventory_read_bus_paths(Inventory *inv, int sysfd) {
        for (size_t i = 0; i < inv->n; i++) {
                Device *d = &inv->devices[i];
                _cleanup_free_ char *link = NULL;
                char target[PATH_MAX];
                ssize_t k;
                int r;

                if (d->partition || d->source != DEVICE_SOURCE_PROBE || !devname_is_kernel_name(d->name))
                        continue;
                if (asprintf(&link, "class/block/%s", d->name) < 0) {
                        link = NULL;
                        return -ENOMEM;
                }
                k = readlinkat(sysfd, link, target, sizeof(target) - 1);
                if (k < 0)
                        continue;
                target[k] = '\0';
                free(d->bus_path);
                r = bus_path_from_link(target, d->name, &d->bus_path);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Runs of hex digits compare by value: PCI addresses are fixed-width hex
 * ("0000:00:0a.0" after "0000:00:09.0"), and a decimal run reads the same way
 * ("host10" after "host9").
 */
int inventory_compare_bus_paths(const char *a, const char *b) {
        while (*a && *b) {
                if (is_hex(*a) && is_hex(*b)) {
                        size_t la = 0, lb = 0;

                        while (*a == '0' && is_hex(a[1]))
                                a++;
                        while (*b == '0' && is_hex(b[1]))
                                b++;
                        while (is_hex(a[la]))
                                la++;
                        while (is_hex(b[lb]))
                                lb++;
                        if (la != lb)
                                return la < lb ? -1 : 1;
                        for (; la > 0; la--, a++, b++) {
                                int x = tolower((unsigned char) *a), y = tolower((unsigned char) *b);
                                if (x != y)
                                        return x < y ? -1 : 1;
                        }
                        continue;
                }
                if (*a != *b)
                        return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
                a++;
                b++;
        }
        return *a ? 1 : *b ? -1 : 0;
}

typedef struct OrderKey {
        const Device *d;
        DevName dn;
} OrderKey;

static int compare_by_bus(const void *a, const void *b) {
        return inventory_compare_bus_paths(
                ((const OrderKey *) a)->d->bus_path, ((const OrderKey *) b)->d->bus_path);
}

static int compare_by_letter(const void *a, const void *b) {
        unsigned x = ((const OrderKey *) a)->dn.disk, y = ((const OrderKey *) b)->dn.disk;
        return x < y ? -1 : x > y;
}

/* Whether @s, @len bytes, is a PCI function: "0000:00:04.0". */
static bool is_pci_function(const char *s, size_t len) {
        if (len != strlen("0000:00:04.0") || s[4] != ':' || s[7] != ':' || s[10] != '.')
                return false;
        for (size_t i = 0; i < len; i++)
                if (i != 4 && i != 7 && i != 10 && !is_hex(s[i]))
                        return false;
        return true;
}

/* The length of @path up to its last PCI function (the controller), or 0 when it has none. */
static size_t controller_len(const char *path) {
        size_t end = 0;

        for (const char *c = path; *c;) {
                const char *next;
                size_t len;

                c += *c == '/';
                next = strchrnul(c, '/');
                len = (size_t) (next - c);
                if (is_pci_function(c, len))
                        end = (size_t) (next - path);
                c = next;
        }
        return end;
}

/* Whether every disk hangs off one controller: only then is its order what the host configured. */
static bool one_controller(const OrderKey *keys, size_t n) {
        size_t len = n > 0 ? controller_len(keys[0].d->bus_path) : 0;

        if (len == 0)
                return false;
        for (size_t i = 1; i < n; i++)
                if (controller_len(keys[i].d->bus_path) != len ||
                        strncmp(keys[i].d->bus_path, keys[0].d->bus_path, len) != 0)
                        return false;
        return true;
}

int inventory_disks_in_order(
        const Inventory *inv, const Device ***ret, size_t *ret_n, DiskOrder *ret_order) {
        static const char *const prefixes[] = { "sd", "vd", "hd" };
        _cleanup_free_ OrderKey *keys = NULL;
        const Device **v;
        size_t n = 0;
        bool by_bus = !inv->names_given;

        keys = calloc(inv->n + 1, sizeof(OrderKey));
        if (!keys)
                return -ENOMEM;
        for (size_t p = 0; p < ELEMENTSOF(prefixes) && n == 0; p++)
                for (size_t i = 0; i < inv->n; i++) {
                        const Device *d = &inv->devices[i];
                        DevName dn;

                        if (devname_parse(d->name, &dn) < 0 || dn.part != 0 ||
                                !streq(dn.prefix, prefixes[p]))
                                continue;
                        keys[n++] = (OrderKey){ .d = d, .dn = dn };
                        by_bus = by_bus && d->bus_path;
                }
        by_bus = by_bus && n > 0;
        if (n > 0)
                qsort(keys, n, sizeof(OrderKey), by_bus ? compare_by_bus : compare_by_letter);

        v = n > 0 ? calloc(n, sizeof(Device *)) : NULL;
        if (n > 0 && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = keys[i].d;
        *ret = v;
        *ret_n = n;
        *ret_order = !by_bus              ? DISK_ORDER_LETTERS
                : one_controller(keys, n) ? DISK_ORDER_CONTROLLER
                                          : DISK_ORDER_BUS;
        return 0;
}

/* The snapshot */

static int parse_u64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = (uint64_t) v;
        return 0;
}

/* A kernel block device name as udev rules and /dev paths take it: a letter, then letters and digits. */
static bool snapshot_name_is_valid(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n > 31 || !isalpha((unsigned char) name[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isascii((unsigned char) name[i]) || !isalnum((unsigned char) name[i]))
                        return false;
        return true;
}

/* Log "FILE:LINE: @what \"@value\"" (escaped) and return -EBADMSG. */
static int snapshot_invalid(unsigned lineno, const char *what, const char *value) {
        _cleanup_free_ char *e = value_escape(value);

        if (!e)
                return -ENOMEM;
        log_error("%s:%u: %s \"%s\"", SNAPSHOT_SHOWN, lineno, what, e);
        return -EBADMSG;
}

/* Fill the empty @d from one line; on failure the caller frees what is there. */
static int snapshot_parse_line(const char *line, unsigned lineno, Device *d) {
        _cleanup_(strv_freep) char **words = NULL;
        size_t nlinks = 0;
        int r;

        r = words_parse(line, &words);
        if (r < 0)
                return r;

        for (char **w = words; w[0] && w[1]; w += 2) {
                const char *k = w[0], *v = w[1];

                r = 0;
                /* A second value would silently win over the first: which one is meant? */
                if (!streq(k, "link") && words_get(w + 2, k))
                        return snapshot_invalid(lineno, "a second value for", k);
                if (streq(k, "name")) {
                        if (!snapshot_name_is_valid(v))
                                return snapshot_invalid(lineno, "not a kernel device name:", v);
                        r = strdup_to(&d->name, v);
                } else if (streq(k, "type"))
                        r = strdup_to(&d->type, v);
                else if (streq(k, "uuid"))
                        r = strdup_to(&d->uuid, v);
                else if (streq(k, "label"))
                        r = strdup_to(&d->label, v);
                else if (streq(k, "partuuid"))
                        r = strdup_to(&d->partuuid, v);
                else if (streq(k, "partlabel"))
                        r = strdup_to(&d->partlabel, v);
                else if (streq(k, "ptuuid"))
                        r = strdup_to(&d->ptuuid, v);
                else if (streq(k, "link"))
                        r = strv_push(&d->links, &nlinks, strdup(v));
                else if (streq(k, "size")) {
                        if (parse_u64(v, &d->size) < 0)
                                return snapshot_invalid(lineno, "invalid size", v);
                } else if (streq(k, "partition")) {
                        if (!streq(v, "0") && !streq(v, "1"))
                                return snapshot_invalid(lineno, "partition= is not 0 or 1:", v);
                        d->partition = streq(v, "1");
                }
                /* Any other key comes from a newer kvmigrate: ignored. */
                if (r < 0)
                        return r;
        }

        if (isempty(d->name)) {
                log_error("%s:%u: device line without name=", SNAPSHOT_SHOWN, lineno);
                return -EBADMSG;
        }

        d->source = DEVICE_SOURCE_SNAPSHOT;
        return 0;
}

/* A "nic=NAME mac=MAC …" line; a NIC listed twice (by name or MAC) refuses the file. */
static int snapshot_add_nic(Inventory *inv, const char *line, unsigned lineno) {
        _cleanup_(strv_freep) char **words = NULL;
        _cleanup_(nic_done) Nic nic = {};
        _cleanup_free_ char *where = NULL;
        int r;

        r = words_parse(line, &words);
        if (r < 0)
                return r;
        if (asprintf(&where, "%s:%u", SNAPSHOT_SHOWN, lineno) < 0)
                return -ENOMEM;
        r = nic_parse_words(words, where, &nic);
        if (r < 0)
                return r;
        r = nic_list_add(&inv->nics, &nic);
        if (r == -EEXIST) {
                log_error("%s: NIC %s (%s) is listed a second time", where, nic.name, nic.mac);
                return -EBADMSG;
        }
        return r;
}

int inventory_load_snapshot(int rootfd, Inventory *inv) {
        _cleanup_(inventory_done) Inventory loaded = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ unsigned *first_line = NULL;
        unsigned lineno = 0;
        char *line, *next;
        size_t size;
        int r;

        _cleanup_close_ int statefd = root_open_dir(rootfd, "/" SNAPSHOT_DIR, false);
        if (statefd == -ENOENT)
                return statefd;
        if (statefd < 0)
                return log_error_errno(
                        statefd, "/%s: cannot open: %s", SNAPSHOT_DIR, file_strerror(statefd));
        /* No link followed, a FIFO or folder refused: the guest's state folder is not trusted. */
        r = read_regular_at(statefd, "snapshot", &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", SNAPSHOT_SHOWN, file_strerror(r));
        if (strlen(text) != size) {
                log_error("%s: a NUL byte in the file", SNAPSHOT_SHOWN);
                return -EBADMSG;
        }

        /* Parse all before adding any, so a malformed file leaves @inv as it was. */
        for (line = text; line; line = next) {
                _cleanup_(device_done) Device d = {};
                const char *p;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;

                p = line + strspn(line, " \t\r");
                if (*p == 0 || *p == '#')
                        continue;

                if (startswith(p, "nic=")) {
                        r = snapshot_add_nic(&loaded, p, lineno);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = snapshot_parse_line(p, lineno, &d);
                if (r < 0)
                        return r;
                /* Two lines for one device (two UUIDs for xvda?): neither is to be trusted. */
                for (size_t i = 0; i < loaded.n; i++)
                        if (streq(loaded.devices[i].name, d.name)) {
                                log_error("%s:%u: device %s is listed a second time (first on line %u)",
                                        SNAPSHOT_SHOWN, lineno, d.name, first_line[i]);
                                return -EBADMSG;
                        }
                unsigned *fl = realloc(first_line, sizeof(unsigned) * (loaded.n + 1));
                if (!fl)
                        return -ENOMEM;
                first_line = fl;
                first_line[loaded.n] = lineno;
                r = inventory_add(&loaded, &d);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < loaded.n; i++) {
                r = inventory_add(inv, &loaded.devices[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < loaded.nics.n; i++) {
                r = nic_list_add(&inv->nics, &loaded.nics.nics[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

static int snapshot_put_device(Buf *b, const Device *d) {
        _cleanup_free_ char *name = NULL;
        int r;

        if (isempty(d->name))
                return -EINVAL;
        name = value_escape(d->name);
        if (!name)
                return -ENOMEM;

        r = buf_printf(b, "name=%s", name);
        if (r >= 0)
                r = buf_put_word(b, " ", "type", d->type);
        if (r >= 0)
                r = buf_put_word(b, " ", "uuid", d->uuid);
        if (r >= 0)
                r = buf_put_word(b, " ", "label", d->label);
        if (r >= 0)
                r = buf_put_word(b, " ", "partuuid", d->partuuid);
        if (r >= 0)
                r = buf_put_word(b, " ", "partlabel", d->partlabel);
        if (r >= 0)
                r = buf_put_word(b, " ", "ptuuid", d->ptuuid);
        if (r >= 0 && d->size > 0)
                r = buf_printf(b, " size=%" PRIu64, d->size);
        if (r >= 0 && d->partition)
                r = buf_puts(b, " partition=1");
        for (char **l = d->links; r >= 0 && l && *l; l++)
                r = buf_put_word(b, " ", "link", *l);
        if (r >= 0)
                r = buf_puts(b, "\n");
        return r;
}

int inventory_save_snapshot(int rootfd, const Inventory *inv) {
        _cleanup_(buf_done) Buf b = {};
        int r;

        r = buf_puts(&b, SNAPSHOT_HEADER);
        if (r < 0)
                return r;
        for (size_t i = 0; i < inv->n; i++) {
                r = snapshot_put_device(&b, &inv->devices[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < inv->nics.n; i++) {
                r = nic_format(&b, &inv->nics.nics[i]);
                if (r < 0)
                        return r;
        }

        /* Through a descriptor of the folder, resolved inside the root: a link never leads out. */
        _cleanup_close_ int statefd = root_open_dir(rootfd, "/" SNAPSHOT_DIR, true);
        if (statefd < 0)
                return statefd;
        /* Every Xen boot arms again: write (and fsync) only what changed. */
        _cleanup_free_ char *old = NULL;
        size_t old_size;
        if (read_regular_at(statefd, "snapshot", &old, &old_size) >= 0 && old_size == b.len &&
                memcmp(old, b.data, b.len) == 0)
                return 0;
        return write_file_atomic_at(statefd, "snapshot", b.data, b.len, 0644);
}

/*
 * The legacy libblkid cache.
 *
 * Not read through libblkid's cache API: its reader (util-linux 2.38 at
 * least; blkid_get_dev() with BLKID_DEV_CREATE) drops every entry whose
 * device node does not exist on the running system, and under KVM no
 * /dev/xvd* exists, so it would hand back nothing. Nor could the guest's
 * file be rewritten by accident. The format is simple; this reader
 * follows libblkid's read.c: one "<device TAG="value" ...>/dev/name</device>"
 * per line (a trailing backslash continues it), '#' comments, other "<...>"
 * lines skipped, DEVNO/TIME/PRI not tags, entries without TYPE dropped.
 */

typedef struct CacheEntry {
        char *devname;
        char **tags; /* TAG, value, TAG, value, ... */
        size_t n;
} CacheEntry;

static void cache_entry_done(CacheEntry *e) {
        free(e->devname);
        strv_free(e->tags);
        *e = (CacheEntry){};
}

static const char *cache_entry_get(const CacheEntry *e, const char *tag) {
        const char *v = NULL;

        /* The last one wins, as libblkid's blkid_set_tag() replaces. */
        for (char **t = e->tags; t && t[0] && t[1]; t += 2)
                if (streq(t[0], tag))
                        v = t[1];
        return v;
}

/*
 * Fill the empty @e from @line. Return 1 for an entry, 0 for a line without
 * one, -EBADMSG for a malformed line; the caller frees @e in every case.
 */
static int cache_parse_line(const char *line, CacheEntry *e) {
        const char *p = line + strspn(line, " \t\r\n");
        size_t l;

        if (*p == 0 || *p == '#')
                return 0;
        if (!startswith(p, "<device")) {
                if (*p == '<')
                        return 0;
                return -EBADMSG;
        }
        p += strlen("<device");

        for (;;) {
                const char *key, *value;
                size_t kl, vl;
                int r;

                p += strspn(p, " \t\r\n");
                if (*p == '>') {
                        p++;
                        break;
                }
                if (*p == 0)
                        return -EBADMSG;

                key = p;
                kl = strcspn(p, "= \t\r\n>");
                if (kl == 0 || key[kl] != '=')
                        return -EBADMSG;
                p += kl + 1;
                if (*p == '"') {
                        const char *q = strchr(++p, '"');
                        if (!q)
                                return -EBADMSG;
                        value = p;
                        vl = (size_t) (q - p);
                        p = q + 1;
                } else {
                        value = p;
                        vl = strcspn(p, " \t\r\n<>");
                        p += vl;
                }

                r = strv_push(&e->tags, &e->n, strndup(key, kl));
                if (r < 0)
                        return r;
                r = strv_push(&e->tags, &e->n, strndup(value, vl));
                if (r < 0)
                        return r;
        }

        p += strspn(p, " \t");
        l = strcspn(p, " \t\r\n<");
        if (l == 0)
                return -EBADMSG;
        e->devname = strndup(p, l);
        if (!e->devname)
                return -ENOMEM;
        return 1;
}

/* "/dev/xvda1" → "xvda1"; NULL for any other name (the host's, mapper nodes, ...). */
static const char *cache_xvd_name(const char *devname) {
        const char *name = startswith(devname, "/dev/"), *p;

        if (!name || !(p = startswith(name, "xvd")))
                return NULL;
        if (!islower((unsigned char) *p))
                return NULL;
        p += strspn(p, "abcdefghijklmnopqrstuvwxyz");
        p += strspn(p, "0123456789");
        return *p == 0 ? name : NULL;
}

static int cache_add_entry(Inventory *inv, const CacheEntry *e) {
        _cleanup_(device_done) Device d = { .source = DEVICE_SOURCE_BLKID_CACHE };
        const char *name = cache_xvd_name(e->devname);
        size_t l;
        int r;

        if (!name)
                return 0;

        d.name = strdup(name);
        if (!d.name)
                return -ENOMEM;
        l = strlen(name);
        d.partition = isdigit((unsigned char) name[l - 1]);

        r = strdup_to(&d.type, cache_entry_get(e, "TYPE"));
        if (r >= 0)
                r = strdup_to(&d.uuid, cache_entry_get(e, "UUID"));
        if (r >= 0)
                r = strdup_to(&d.label, cache_entry_get(e, "LABEL"));
        if (r >= 0)
                r = strdup_to(&d.partuuid, cache_entry_get(e, "PARTUUID"));
        if (r >= 0)
                r = strdup_to(&d.partlabel, cache_entry_get(e, "PARTLABEL"));
        if (r >= 0)
                r = strdup_to(&d.ptuuid, cache_entry_get(e, "PTUUID"));
        if (r < 0)
                return r;

        return inventory_add(inv, &d);
}

static int cache_parse(const char *shown, char *text, Inventory *inv) {
        unsigned lineno = 0;
        char *line, *next;

        for (line = text; line; line = next) {
                _cleanup_(cache_entry_done) CacheEntry e = {};
                unsigned first = ++lineno;
                size_t l;
                int r;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* A trailing backslash joins the next line, in place of the backslash. */
                while (next && (l = strlen(line)) > 0 && line[l - 1] == '\\') {
                        char *after = strchr(next, '\n');

                        if (after)
                                *after++ = 0;
                        memmove(line + l - 1, next, strlen(next) + 1);
                        next = after;
                        lineno++;
                }

                r = cache_parse_line(line, &e);
                if (r == -EBADMSG) {
                        /* libblkid skips such lines too; the cache is only a hint. */
                        log_debug("%s:%u: not a blkid cache entry, ignoring", shown, first);
                        continue;
                }
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                if (!cache_entry_get(&e, "TYPE")) {
                        log_debug("%s:%u: entry without TYPE, ignoring", shown, first);
                        continue;
                }

                r = cache_add_entry(inv, &e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int inventory_load_blkid_cache(int rootfd, Inventory *inv) {
        static const char *const paths[] = { "/etc/blkid.tab", "/etc/blkid/blkid.tab" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *text = NULL;
                int r;

                /* Chased inside the root: a guest's absolute link must not lead to the host. */
                r = root_read_file(rootfd, paths[i], NULL, &text, NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                return cache_parse(paths[i], text, inv);
        }
        return -ENOENT;
}

int inventory_wait_udev(unsigned long long timeout_usec) {
        _cleanup_(udev_unrefp) struct udev *udev = NULL;
        struct udev_queue *queue;
        unsigned long long deadline = now_usec() + timeout_usec;
        int r = 0;

        if (access("/run/udev/control", F_OK) < 0)
                return 0; /* no udev: nothing to wait for */
        udev = udev_new();
        if (!udev)
                return -ENOMEM;
        queue = udev_queue_new(udev);
        if (!queue)
                return -ENOMEM;
        while (!udev_queue_get_queue_is_empty(queue)) {
                if (now_usec() >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                (void) usleep(20 * 1000);
        }
        udev_queue_unref(queue);
        return r;
}
