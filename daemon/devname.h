/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Kernel block device name arithmetic, the kernel's way: the disk letters
 * count a..z, then aa..zz, then aaa.. (sd_format_disk_name()), and the
 * partition number follows the letters directly (xvda10 is partition 10
 * of xvda, never partition 1 of "xvda1").
 */

#include <stdbool.h>

typedef struct DevName {
        char prefix[8]; /* "xvd", "sd", "vd", "hd" */
        unsigned disk; /* a = 0, z = 25, aa = 26, ... */
        unsigned part; /* 0 for the whole disk */
} DevName;

/**
 * devname_parse() - split a kernel disk name into prefix, disk index, partition
 * @name: "xvda1", "sdaa", or the same with a leading "/dev/"
 * @ret:  where to store the result
 *
 * Return: 0 on success, -EINVAL when @name is not such a name.
 */
int devname_parse(const char *name, DevName *ret);

/* The longest kernel block device name (DISK_NAME_LEN in the kernel, less its NUL). */
#define DEVNAME_MAX 31

/**
 * devname_is_kernel_name() - whether @name can be a kernel block device name
 * as it appears under /dev and in a udev rule: a letter, then letters and
 * digits only ("xvda", "xvdaa10", "sda", "vda", "nvme0n1p1", "mmcblk0p2"),
 * at most DEVNAME_MAX characters. No "/", "..", quote, space or control
 * character can pass, so such a name is safe to write into a path or a rule.
 */
bool devname_is_kernel_name(const char *name);

/**
 * devname_format() - the kernel name of disk @disk, partition @part (0: whole disk)
 * Return: a newly allocated string, or NULL when out of memory.
 */
char *devname_format(const char *prefix, unsigned disk, unsigned part);

/**
 * devname_xen_vbd() - the Xen virtual-device number of xvd disk @disk, as it
 * appears in /dev/disk/by-path/xen-vbd-N (202 << 8 | disk << 4 below 16
 * disks, 1 << 28 | disk << 8 for the extended range).
 */
unsigned long devname_xen_vbd(unsigned disk);

/**
 * devname_from_xen_by_path() - the old device name behind a
 * "/dev/disk/by-path/xen-vbd-N[-partM]" path.
 * Return: 0 and a newly allocated name ("xvda1") in @ret, -EINVAL if @path
 * is not such a path, -ENOMEM.
 */
int devname_from_xen_by_path(const char *path, char **ret);

/**
 * unit_name_from_path() - systemd's path escaping, as "systemd-escape --path":
 * "/dev/disk/by-uuid/a-b" becomes "dev-disk-by\x2duuid-a\x2db".
 * Return: a newly allocated string, or NULL when out of memory.
 */
char *unit_name_from_path(const char *path);

/**
 * unit_name_to_path() - the reverse of unit_name_from_path() for the part of a
 * unit name before its suffix ("dev-xvdb" gives "/dev/xvdb").
 * Return: a newly allocated string, or NULL on a malformed name or no memory.
 */
char *unit_name_to_path(const char *prefix);
