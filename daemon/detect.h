/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * detect: which hypervisor the guest runs on, and in which mode its disks
 * and network are attached. Every file is read below a root directory so
 * that tests and offline runs bring their own /sys and /proc.
 */

#include <stdbool.h>
#include <stdint.h>

typedef enum Hypervisor {
        HYPERVISOR_NONE,
        HYPERVISOR_XEN,
        HYPERVISOR_KVM,
        HYPERVISOR_QEMU, /* plain QEMU (TCG): migrated like KVM */
        HYPERVISOR_OTHER,
        _HYPERVISOR_MAX,
        _HYPERVISOR_INVALID = -1,
} Hypervisor;

typedef enum DiskBus {
        DISK_BUS_UNKNOWN,
        DISK_BUS_VIRTIO_SCSI,
        DISK_BUS_VIRTIO_BLK,
        DISK_BUS_IDE, /* libata: still sd* */
        DISK_BUS_XEN,
        DISK_BUS_OTHER,
        _DISK_BUS_MAX,
} DiskBus;

typedef enum NetDriver {
        NET_DRIVER_UNKNOWN,
        NET_DRIVER_VIRTIO,
        NET_DRIVER_E1000,
        NET_DRIVER_XEN,
        NET_DRIVER_OTHER,
        _NET_DRIVER_MAX,
} NetDriver;

typedef struct Detection {
        Hypervisor hypervisor;
        bool xen_dom0; /* only meaningful for HYPERVISOR_XEN */
        char vendor[64]; /* what named an OTHER hypervisor ("vmware", "Microsoft Corporation") */
        DiskBus disk_bus;
        NetDriver net_driver;
} Detection;

/* Reads CPUID leaf @leaf into eax, ebx, ecx, edx; returns false where there is no such leaf. */
typedef bool (*CpuidFunc)(uint32_t leaf, uint32_t regs[4]);

/* The real CPUID instruction (false on non-x86 builds). */
bool cpuid_native(uint32_t leaf, uint32_t regs[4]);

/**
 * detect_hypervisor() - find the hypervisor, in systemd's order: Xen signs
 * (/proc/xen, with dom0 from /proc/xen/capabilities), then CPUID leaf
 * 0x40000000, then DMI (/sys/class/dmi/id/sys_vendor, product_name), then
 * /sys/hypervisor/type.
 * @rootfd: directory fd of the root to read /proc and /sys under
 * @cpuid:  CPUID reader, or NULL to skip CPUID (an offline root: the build
 *          machine's CPU says nothing about the image)
 * @ret:    filled in (hypervisor, xen_dom0, vendor)
 *
 * Return: 0 (HYPERVISOR_NONE when nothing was found), or a negative errno.
 */
int detect_hypervisor(int rootfd, CpuidFunc cpuid, Detection *ret);

/**
 * detect_mode() - the disk bus and network driver, from the sysfs drivers of
 * /sys/class/block/{sd,vd,hd,xvd}N and /sys/class/net/IFACE under @rootfd.
 * Fills in ret->disk_bus and ret->net_driver.
 * Return: 0 (unknowns stay UNKNOWN), or a negative errno.
 */
int detect_mode(int rootfd, Detection *ret);

/* True for the hypervisors this product migrates to. */
bool hypervisor_is_kvm_like(Hypervisor h);

const char *hypervisor_to_string(Hypervisor h); /* "none", "xen", "kvm", "qemu", "other" */
Hypervisor hypervisor_from_string(const char *s); /* _HYPERVISOR_INVALID if unknown */
const char *disk_bus_to_string(
        DiskBus b); /* "unknown", "virtio-scsi", "virtio-blk", "ide", "xen", "other" */
const char *net_driver_to_string(NetDriver n); /* "unknown", "virtio-net", "e1000", "xen", "other" */

/**
 * detection_mode_string() - "virtio-scsi+virtio-net", "ide+e1000", ...
 * Return: a newly allocated string, or NULL when out of memory.
 */
char *detection_mode_string(const Detection *d);
