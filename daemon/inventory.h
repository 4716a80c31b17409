/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * inventory: the block devices of the guest, old and new.
 *
 * New devices (under KVM) are found by libudev enumeration, or given one by
 * one with --disk NAME=PATH, and probed with libblkid. Old devices (under
 * Xen) come from, in order of trust: kvmigrate's own snapshot, the legacy
 * libblkid cache (/etc/blkid.tab), and the names config files mention.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nic.h"

typedef enum DeviceSource {
        DEVICE_SOURCE_PROBE, /* probed now */
        DEVICE_SOURCE_SNAPSHOT, /* /var/lib/kvmigrate/snapshot */
        DEVICE_SOURCE_BLKID_CACHE, /* /etc/blkid.tab, /etc/blkid/blkid.tab */
        DEVICE_SOURCE_CONFIG, /* only a name some config file mentions */
        DEVICE_SOURCE_RECORD, /* a mapping an earlier run recorded in /var/lib/kvmigrate/state */
        _DEVICE_SOURCE_MAX,
} DeviceSource;

typedef struct Device {
        char *name; /* kernel name without "/dev/": "sda1", "xvda" */
        char *path; /* what was probed (block device or image file); NULL if recorded */
        char *type; /* TYPE: "ext4", "swap", "xfs", "vfat", "crypto_LUKS", ... */
        char *uuid; /* UUID of the filesystem (or LUKS header, swap area) */
        char *label; /* LABEL */
        char *partuuid; /* PARTUUID (PART_ENTRY_UUID) of a partition */
        char *partlabel; /* PARTLABEL (PART_ENTRY_NAME) */
        char *ptuuid; /* PTUUID of a partitioned disk */
        uint64_t size; /* bytes; 0 if unknown */
        bool partition; /* a partition (sda1), not a whole disk */
        char **links; /* other names under /dev (by-id, by-path), NULL-terminated, may be NULL */
        /*
         * Where the host attached a whole disk, from sysfs without the kernel
         * name: "/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:1/2:0:1:0".
         * The sd letters are handed out in probe order and race; this does
         * not change from boot to boot. NULL when unknown.
         */
        char *bus_path;
        dev_t devnum; /* the block device's number; 0 for an image or a recorded device */
        DeviceSource source;
} Device;

typedef struct Inventory {
        Device *devices;
        size_t n;
        /* The caller named each disk (--disk sda=…): the letters are the order, nothing races. */
        bool names_given;
        /* The device that holds the root being migrated (its st_dev); 0 when unknown. */
        dev_t root_devnum;
        /* The NICs: the snapshot's (Xen), or udev's or --nic's (now). */
        NicList nics;
        /* The NICs present now are known (enumerated, or given with --nic): an absent one is gone. */
        bool nics_known;
} Inventory;

void device_done(Device *d);
void inventory_done(Inventory *inv);

/**
 * inventory_add() - append @d, taking over its strings (and zeroing *d).
 * A device of the same name already there is kept (the first source wins)
 * and @d is freed.
 * Return: 0, or -ENOMEM.
 */
int inventory_add(Inventory *inv, Device *d);

/* The device called @name ("sda1"; a leading "/dev/" is ignored), or NULL. */
Device *inventory_find(const Inventory *inv, const char *name);

/* The source as a word: "probe", "snapshot", "blkid-cache", "config". */
const char *device_source_to_string(DeviceSource s);

/**
 * inventory_probe_path() - probe @path as the disk the guest sees as
 * /dev/@name, with libblkid. When it holds a partition table, each
 * partition N is probed as well and added as "@name" + N (for the
 * sd/vd/hd/xvd names that is the kernel's naming).
 * Return: 0, -ENOENT if @path does not exist, -EIO if it cannot be probed,
 * another negative errno.
 */
int inventory_probe_path(Inventory *inv, const char *name, const char *path);

/**
 * inventory_probe_udev() - enumerate the block devices udev knows (disks and
 * partitions; no loop, ram, zram, optical or device-mapper nodes) and probe
 * each with libblkid; links are taken from udev's DEVLINKS.
 * Return: 0, or a negative errno.
 */
int inventory_probe_udev(Inventory *inv);

/**
 * inventory_read_bus_paths() - fill bus_path of every probed whole disk of
 * @inv from the link class/block/NAME below @sysfd (a sysfs mount, or a
 * tree of links that looks like one). A disk whose link is missing or
 * malformed keeps NULL.
 * Return: 0, or -ENOMEM.
 */
int inventory_read_bus_paths(Inventory *inv, int sysfd);

/**
 * inventory_compare_bus_paths() - the order of two bus paths: component by
 * component, numbers by value ("host10" after "host9"; PCI's fixed-width
 * hex compares as text), so the disks sort as the host laid them out.
 */
int inventory_compare_bus_paths(const char *a, const char *b);

/* How sure the order of the new disks is. */
typedef enum DiskOrder {
        DISK_ORDER_LETTERS, /* by letter: the caller named them, or some bus position is unknown */
        DISK_ORDER_BUS, /* by bus position, across controllers: the PCI layout, not something the host
                           promises */
        DISK_ORDER_CONTROLLER, /* by bus position on one controller (target, LUN, port): what the host set */
} DiskOrder;

/**
 * inventory_disks_in_order() - the whole disks of @inv of the first of the
 * prefixes sd, vd, hd present, in the order the host attached them when every
 * one's bus position is known and the caller did not name them, else by
 * letter; @ret_order says which.
 * Return: 0 and a newly allocated array of @ret_n pointers into @inv (NULL
 * when there is none), or -ENOMEM.
 */
int inventory_disks_in_order(const Inventory *inv, const Device ***ret, size_t *ret_n, DiskOrder *ret_order);

/**
 * inventory_load_snapshot() - read /var/lib/kvmigrate/snapshot below @rootfd:
 * the devices ("name=…" lines) and the NICs ("nic=…" lines, see
 * nic_parse_words()). No link is followed inside the state folder and only a
 * regular file is read (a FIFO never blocks). Every line is checked: a name
 * that is not a kernel device name, a key given twice, a device or NIC (name
 * or MAC) listed on two lines refuse the whole file.
 * Return: 0, -ENOENT if there is none (not logged), -EBADMSG on a malformed
 * line (logged with file and line); -EISDIR, -EBADFD, -ELOOP, -ENOTDIR or
 * another negative errno (logged with the path). @inv is unchanged on error.
 */
int inventory_load_snapshot(int rootfd, Inventory *inv);

/**
 * inventory_save_snapshot() - write @inv (devices, then NICs) as /var/lib/kvmigrate/snapshot below
 * @rootfd (atomically: temporary file, fsync, rename, fsync of the folder;
 * a link at "snapshot" is replaced, never followed).
 * Return: 0, or a negative errno (not logged).
 */
int inventory_save_snapshot(int rootfd, const Inventory *inv);

/**
 * inventory_load_blkid_cache() - read the legacy libblkid cache,
 * /etc/blkid.tab or else /etc/blkid/blkid.tab below @rootfd, with
 * libblkid's cache API, without probing or changing it. Only xvd names are
 * taken (the cache also lists whatever else the host once had).
 * Return: 0, -ENOENT if neither file is there, another negative errno.
 */
int inventory_load_blkid_cache(int rootfd, Inventory *inv);

/**
 * inventory_wait_udev() - wait until udev has processed every queued event
 * (all disks are known and probed), at most @timeout_usec; at once when no
 * udev runs.
 * Return: 0, -ETIMEDOUT, or another negative errno.
 */
int inventory_wait_udev(unsigned long long timeout_usec);
