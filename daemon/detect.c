/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#if defined(__i386__) || defined(__x86_64__)
#include <cpuid.h>
#endif

#include "detect.h"
#include "root.h"
#include "util.h"

#define CPUID_LEAF_FEATURES 0x1u
#define CPUID_HYPERVISOR_BIT (1u << 31) /* leaf 1, ecx */
#define CPUID_LEAF_HYPERVISOR 0x40000000u
/* Where KVM and Xen move their own leaves when they also present Hyper-V's at the base. */
#define CPUID_LEAF_HYPERVISOR_NEXT 0x40000100u

static const char *const hypervisor_table[_HYPERVISOR_MAX] = {
        [HYPERVISOR_NONE] = "none",
        [HYPERVISOR_XEN] = "xen",
        [HYPERVISOR_KVM] = "kvm",
        [HYPERVISOR_QEMU] = "qemu",
        [HYPERVISOR_OTHER] = "other",
};

static const char *const disk_bus_table[_DISK_BUS_MAX] = {
        [DISK_BUS_UNKNOWN] = "unknown",
        [DISK_BUS_VIRTIO_SCSI] = "virtio-scsi",
        [DISK_BUS_VIRTIO_BLK] = "virtio-blk",
        [DISK_BUS_IDE] = "ide",
        [DISK_BUS_XEN] = "xen",
        [DISK_BUS_OTHER] = "other",
};

static const char *const net_driver_table[_NET_DRIVER_MAX] = {
        [NET_DRIVER_UNKNOWN] = "unknown",
        [NET_DRIVER_VIRTIO] = "virtio-net",
        [NET_DRIVER_E1000] = "e1000",
        [NET_DRIVER_XEN] = "xen",
        [NET_DRIVER_OTHER] = "other",
};

bool cpuid_native(uint32_t leaf, uint32_t regs[4]) {
#if defined(__i386__) || defined(__x86_64__)
        unsigned a, b, c, d;

        /* __get_cpuid() checks the basic and extended ranges only; the hypervisor
         * range has no maximum to check against until its own base leaf is read. */
        if ((leaf & 0xf0000000u) == 0x40000000u)
                __cpuid(leaf, a, b, c, d);
        else if (!__get_cpuid(leaf, &a, &b, &c, &d))
                return false;

        regs[0] = a;
        regs[1] = b;
        regs[2] = c;
        regs[3] = d;
        return true;
#else
        (void) leaf;
        (void) regs;
        return false;
#endif
}

/* Files that are simply not there on this machine: not an error. */
static bool errno_is_absent(int r) {
        return r == -ENOENT || r == -ENOTDIR || r == -ENODEV || r == -ENXIO;
}

/*
 * Every file is read through root.c: links resolve inside the root (an
 * absolute target starts at the root, ".." stops there), and the kernel
 * refuses any link swapped in afterwards. So a guest image whose /proc or
 * /sys is a link to the host's, or holds a FIFO or a device node where a
 * sysfs file belongs, cannot decide the hypervisor or hang the run. On the
 * running system "/" is the root and the real /proc and /sys are read the
 * same way (their files are regular; their links lead to /sys/devices):
 * root_chase_open() for every one.
 */

/* The regular file @path in the root; -EBADFD (and a message) for a FIFO, socket or device. */
static int read_regular_in_root(int rootfd, const char *path, char **ret) {
        int r;

        r = root_read_file(rootfd, path, NULL, ret, NULL);
        if (r == -EBADFD || r == -EISDIR)
                log_error("/%s: not a regular file, refusing to read it", path);
        return r;
}

/* First line of @path below @rootfd without surrounding whitespace; *ret = NULL when absent. */
static int read_value_at(int rootfd, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n, skip;
        int r;

        r = read_regular_in_root(rootfd, path, &s);
        if (r < 0) {
                if (!errno_is_absent(r))
                        return r;
                *ret = NULL;
                return 0;
        }
        s[strcspn(s, "\n")] = 0;

        n = strlen(s);
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        s[n] = 0;
        skip = strspn(s, " \t");
        memmove(s, s + skip, n - skip + 1);

        *ret = TAKE_PTR(s);
        return 0;
}

static int exists_at(int rootfd, const char *path) {
        _cleanup_close_ int fd = -1;

        fd = root_chase_open(rootfd, path, O_PATH, NULL);
        if (fd < 0)
                return errno_is_absent(fd) ? 0 : fd;
        return 1;
}

static void set_vendor(Detection *d, const char *vendor) {
        (void) snprintf(d->vendor, sizeof d->vendor, "%s", strempty(vendor));
}

static int detect_xen_signs(int rootfd, Detection *d) {
        _cleanup_free_ char *caps = NULL;
        int r;

        /* xenfs, mounted on /proc/xen, only exists under Xen; PV guests have no other
         * reliable sign since Xen PV does not override CPUID when nested. */
        r = exists_at(rootfd, "proc/xen");
        if (r <= 0)
                return r;

        d->hypervisor = HYPERVISOR_XEN;

        r = read_regular_in_root(rootfd, "proc/xen/capabilities", &caps);
        if (r < 0 && !errno_is_absent(r))
                return r;
        /* systemd reports a dom0 as "none" since it is the host. It still runs on Xen,
         * so it stays HYPERVISOR_XEN here and the flag lets the caller refuse it. */
        d->xen_dom0 = caps && strstr(caps, "control_d");
        return 1;
}

typedef enum CpuidVerdict {
        CPUID_NOTHING,
        CPUID_WEAK, /* a hypervisor, but DMI or sysfs may name it better */
        CPUID_FOUND,
} CpuidVerdict;

static const struct {
        const char signature[13];
        Hypervisor hypervisor;
        const char *vendor;
} cpuid_signatures[] = {
        { "KVMKVMKVM", HYPERVISOR_KVM, NULL },
        { "TCGTCGTCGTCG", HYPERVISOR_QEMU, NULL },
        { "XenVMMXenVMM", HYPERVISOR_XEN, NULL },
        { "VMwareVMware", HYPERVISOR_OTHER, "vmware" },
        { "VBoxVBoxVBox", HYPERVISOR_OTHER, "virtualbox" },
        { "bhyve bhyve ", HYPERVISOR_OTHER, "bhyve" },
        { " lrpepyh  vr", HYPERVISOR_OTHER, "parallels" },
        { "ACRNACRNACRN", HYPERVISOR_OTHER, "acrn" },
};

#define HYPERV_SIGNATURE "Microsoft Hv"

/* The 12 signature bytes of a hypervisor base leaf, NUL-terminated; false if the leaf is absent. */
static bool cpuid_signature(CpuidFunc cpuid, uint32_t leaf, char ret[13]) {
        uint32_t regs[4] = {};

        if (!cpuid(leaf, regs))
                return false;
        memcpy(ret, &regs[1], 4);
        memcpy(ret + 4, &regs[2], 4);
        memcpy(ret + 8, &regs[3], 4);
        ret[12] = 0;
        return true;
}

static bool cpuid_lookup(const char sig[13], Detection *d) {
        for (size_t i = 0; i < ELEMENTSOF(cpuid_signatures); i++) {
                /* KVM pads with NULs, so compare all 12 bytes, not strings. */
                if (memcmp(sig, cpuid_signatures[i].signature, 12) != 0)
                        continue;
                d->hypervisor = cpuid_signatures[i].hypervisor;
                set_vendor(d, cpuid_signatures[i].vendor);
                return true;
        }
        return false;
}

static CpuidVerdict detect_cpuid(CpuidFunc cpuid, Detection *d) {
        uint32_t regs[4] = {};
        char sig[13];

        /* Without the hypervisor-present bit, leaf 0x40000000 is undefined and may echo
         * whatever the CPU returns for out-of-range leaves. */
        if (!cpuid(CPUID_LEAF_FEATURES, regs) || !(regs[2] & CPUID_HYPERVISOR_BIT))
                return CPUID_NOTHING;

        d->hypervisor = HYPERVISOR_OTHER;
        if (!cpuid_signature(cpuid, CPUID_LEAF_HYPERVISOR, sig))
                return CPUID_WEAK;
        if (cpuid_lookup(sig, d))
                return CPUID_FOUND;

        if (memcmp(sig, HYPERV_SIGNATURE, 12) == 0) {
                /* KVM with Hyper-V enlightenments, and Xen with viridian, put Hyper-V's
                 * signature at the base and their own one leaf block further. Real
                 * Hyper-V has nothing there; then, as in systemd, DMI gets a say. */
                char next[13];

                if (cpuid_signature(cpuid, CPUID_LEAF_HYPERVISOR_NEXT, next) && cpuid_lookup(next, d) &&
                        d->hypervisor != HYPERVISOR_OTHER)
                        return CPUID_FOUND;
                d->hypervisor = HYPERVISOR_OTHER;
                set_vendor(d, "microsoft");
                return CPUID_WEAK;
        }

        /* Unknown signature: keep it printable for the vendor field. */
        for (size_t i = 0; i < 12; i++)
                if (sig[i] && !isprint((unsigned char) sig[i]))
                        sig[i] = '?';
        set_vendor(d, sig);
        return CPUID_WEAK;
}

static int detect_dmi(int rootfd, Detection *d) {
        _cleanup_free_ char *vendor = NULL, *product = NULL;
        const char *v, *p;
        int r;

        r = read_value_at(rootfd, "sys/class/dmi/id/sys_vendor", &vendor);
        if (r < 0)
                return r;
        r = read_value_at(rootfd, "sys/class/dmi/id/product_name", &product);
        if (r < 0)
                return r;
        v = strempty(vendor);
        p = strempty(product);

        if (startswith(v, "Xen") || startswith(p, "HVM domU"))
                d->hypervisor = HYPERVISOR_XEN;
        else if (startswith(p, "KVM") || startswith(v, "Linode") || startswith(v, "Akamai"))
                d->hypervisor = HYPERVISOR_KVM;
        else if (startswith(v, "QEMU"))
                /* QEMU's DMI looks the same with or without KVM underneath. */
                d->hypervisor = HYPERVISOR_QEMU;
        else if (startswith(v, "VMware") || startswith(p, "VMware") || startswith(v, "innotek GmbH") ||
                startswith(p, "VirtualBox") || startswith(v, "Parallels") || startswith(v, "Amazon EC2") ||
                startswith(v, "Google") ||
                /* Surface and other Microsoft hardware share the vendor name. */
                (startswith(v, "Microsoft Corporation") && startswith(p, "Virtual Machine"))) {
                d->hypervisor = HYPERVISOR_OTHER;
                set_vendor(d, isempty(v) ? p : v);
        } else
                return 0;
        return 1;
}

static int detect_sysfs_hypervisor(int rootfd, Detection *d) {
        _cleanup_free_ char *type = NULL;
        int r;

        r = read_value_at(rootfd, "sys/hypervisor/type", &type);
        if (r < 0)
                return r;
        if (isempty(type))
                return 0;

        if (streq(type, "xen"))
                d->hypervisor = HYPERVISOR_XEN;
        else {
                d->hypervisor = HYPERVISOR_OTHER;
                set_vendor(d, type);
        }
        return 1;
}

int detect_hypervisor(int rootfd, CpuidFunc cpuid, Detection *ret) {
        /* What CPUID said; when it only guessed, used if nothing later knows better. */
        Detection by_cpuid = { .hypervisor = HYPERVISOR_NONE };
        Detection d = { .hypervisor = HYPERVISOR_NONE };
        int r;

        /* systemd-detect-virt's order, reduced to what tells Xen from KVM. /proc/xen comes
         * first: a PV guest's CPUID is the real CPU's, or that of a hypervisor Xen runs
         * nested in. An HVM guest's CPUID says Xen as well, so it ends up xen either way. */
        r = detect_xen_signs(rootfd, &d);
        if (r < 0)
                return r;
        if (r > 0)
                goto done;

        /* CPUID names the hypervisor even when a cloud rewrites DMI. */
        if (cpuid && detect_cpuid(cpuid, &by_cpuid) == CPUID_FOUND) {
                d = by_cpuid;
                goto done;
        }

        r = detect_dmi(rootfd, &d);
        if (r < 0)
                return r;
        if (r > 0)
                goto done;

        r = detect_sysfs_hypervisor(rootfd, &d);
        if (r < 0)
                return r;
        if (r > 0)
                goto done;

        d = by_cpuid;
done:
        ret->hypervisor = d.hypervisor;
        ret->xen_dom0 = d.hypervisor == HYPERVISOR_XEN && d.xen_dom0;
        memcpy(ret->vendor, d.vendor, sizeof ret->vendor);
        log_debug("detect: hypervisor %s%s%s%s", hypervisor_to_string(d.hypervisor),
                ret->xen_dom0 ? " (dom0)" : "", d.vendor[0] ? ", vendor " : "", d.vendor);
        return 0;
}

/*
 * Resolve the symlink @path (relative to the root) by its text: its folder is
 * found inside the root (links on the way resolved there), an absolute target
 * starts at the root and ".." stops there, so sysfs links never lead out of
 * an offline root. The target need not exist (a driver's folder may not, in a
 * copy of /sys). A @path that is no symlink resolves to itself.
 */
static int resolve_at(int rootfd, const char *path, char **ret) {
        _cleanup_free_ char *target = NULL, *joined = NULL, *out = NULL;
        const char *slash;
        size_t n = 0;
        ssize_t k;

        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -1;
        const char *base;
        int r;

        /* The folder holding the link is found inside the root too: its own path may have links. */
        slash = strrchr(path, '/');
        base = slash ? slash + 1 : path;
        if (slash) {
                _cleanup_free_ char *dir = strndup(path, (size_t) (slash - path));

                if (!dir)
                        return -ENOMEM;
                r = root_chase(rootfd, dir, 0, &parent);
        } else
                r = root_chase(rootfd, "/", 0, &parent);
        if (r < 0)
                return r;
        pfd = root_open(rootfd, parent, O_PATH | O_DIRECTORY, 0);
        if (pfd < 0)
                return pfd;

        target = malloc(PATH_MAX);
        if (!target)
                return -ENOMEM;
        k = readlinkat(pfd, base, target, PATH_MAX);
        if (k < 0) {
                if (errno != EINVAL)
                        return -errno;
                /* Not a link: older kernels had real folders in /sys/class. */
                if (streq(parent, "/"))
                        out = strdup(base);
                else if (asprintf(&out, "%s/%s", root_rel(parent), base) < 0)
                        out = NULL;
                if (!out)
                        return -ENOMEM;
                *ret = TAKE_PTR(out);
                return 0;
        }
        if (k >= PATH_MAX)
                return -ENAMETOOLONG;
        target[k] = 0;

        if (target[0] == '/')
                joined = strdup(target);
        else if (asprintf(&joined, "%s/%s", root_rel(parent), target) < 0)
                joined = NULL;
        if (!joined)
                return -ENOMEM;

        out = malloc(strlen(joined) + 2);
        if (!out)
                return -ENOMEM;
        for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--; /* the separator */
                        continue;
                }
                if (n > 0)
                        out[n++] = '/';
                memcpy(out + n, c, strlen(c));
                n += strlen(c);
        }
        if (n == 0)
                out[n++] = '.';
        out[n] = 0;

        *ret = TAKE_PTR(out);
        return 0;
}

/* The last component of the link @dir/@name's target; *ret = NULL when there is no such link. */
static int link_basename_at(int rootfd, const char *dir, const char *name, char **ret) {
        _cleanup_free_ char *path = NULL, *target = NULL;
        const char *base;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        r = resolve_at(rootfd, path, &target);
        if (r < 0) {
                if (!errno_is_absent(r))
                        return r;
                *ret = NULL;
                return 0;
        }
        base = strrchr(target, '/');
        *ret = strdup(base ? base + 1 : target);
        return *ret ? 0 : -ENOMEM;
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The entries of the folder @path below @rootfd, sorted; an empty list when it is missing. */
static int list_sorted_at(int rootfd, const char *path, char ***ret, size_t *ret_n) {
        _cleanup_(strv_freep) char **v = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0;
        DIR *dir;
        int r = 0;

        fd = root_chase_open(rootfd, path, O_RDONLY | O_DIRECTORY, NULL);
        if (fd < 0) {
                if (!errno_is_absent(fd))
                        return fd;
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        dir = fdopendir(fd);
        if (!dir)
                return -errno;
        TAKE_FD(fd);

        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(dir);
                if (!de) {
                        r = -errno;
                        break;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = strv_push(&v, &n, strdup(de->d_name));
                if (r < 0)
                        break;
        }
        (void) closedir(dir);
        if (r < 0)
                return r;

        if (n > 1)
                qsort(v, n, sizeof(char *), cmp_strp);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* "virtio1" for @prefix "virtio": the prefix followed by a number and nothing else. */
static bool is_numbered(const char *s, const char *prefix) {
        const char *p = startswith(s, prefix);

        return p && *p && strspn(p, "0123456789") == strlen(p);
}

/* The prefix of a whole-disk name we know, or NULL. */
static const char *disk_name_prefix(const char *name) {
        static const char *const prefixes[] = { "xvd", "sd", "vd", "hd" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                const char *p = startswith(name, prefixes[i]);

                if (p && islower((unsigned char) *p))
                        return prefixes[i];
        }
        return NULL;
}

/* What the device path says: the parent devices name the transport, the driver often cannot ("sd"). */
static DiskBus disk_bus_from_path(const char *path) {
        bool virtio = false, scsi_host = false, ata = false, xen = false;
        const char *p = path;

        while (*p) {
                size_t l = strcspn(p, "/");

                if (l <= NAME_MAX) {
                        char c[NAME_MAX + 1];

                        memcpy(c, p, l);
                        c[l] = 0;
                        if (startswith(c, "vbd-") || streq(c, "xen"))
                                xen = true;
                        else if (is_numbered(c, "virtio"))
                                virtio = true;
                        else if (is_numbered(c, "host"))
                                scsi_host = true;
                        else if (is_numbered(c, "ata") || is_numbered(c, "ide"))
                                ata = true;
                }
                p += l;
                p += strspn(p, "/");
        }

        if (xen)
                return DISK_BUS_XEN;
        if (virtio)
                return scsi_host ? DISK_BUS_VIRTIO_SCSI : DISK_BUS_VIRTIO_BLK;
        if (ata)
                return DISK_BUS_IDE;
        return DISK_BUS_UNKNOWN;
}

static DiskBus disk_bus_from_driver(const char *driver) {
        if (!driver)
                return DISK_BUS_UNKNOWN;
        if (streq(driver, "virtio_blk"))
                return DISK_BUS_VIRTIO_BLK;
        if (streq(driver, "vbd"))
                return DISK_BUS_XEN;
        if (startswith(driver, "ide-"))
                return DISK_BUS_IDE;
        return DISK_BUS_UNKNOWN;
}

static DiskBus disk_bus_from_name(const char *prefix) {
        if (streq(prefix, "vd"))
                return DISK_BUS_VIRTIO_BLK;
        if (streq(prefix, "xvd"))
                return DISK_BUS_XEN;
        if (streq(prefix, "hd"))
                return DISK_BUS_IDE;
        return DISK_BUS_OTHER;
}

/* Classify the block device @name: 1 when classified, 0 when it is no whole disk we know. */
static int classify_disk(int rootfd, const char *name, DiskBus *ret) {
        _cleanup_free_ char *link = NULL, *devpath = NULL, *partition = NULL, *driver = NULL;
        const char *prefix;
        DiskBus bus;
        int r;

        prefix = disk_name_prefix(name);
        if (!prefix)
                return 0;

        if (asprintf(&link, "sys/class/block/%s", name) < 0)
                return -ENOMEM;
        r = resolve_at(rootfd, link, &devpath);
        if (r < 0)
                return errno_is_absent(r) ? 0 : r;

        if (asprintf(&partition, "%s/partition", devpath) < 0)
                return -ENOMEM;
        r = exists_at(rootfd, partition);
        if (r != 0)
                return r < 0 ? r : 0;

        bus = disk_bus_from_path(devpath);
        if (bus == DISK_BUS_UNKNOWN) {
                _cleanup_free_ char *devlink = NULL, *device = NULL;

                /* Only here: "sd" names no transport, but "virtio_blk" or "vbd" would. */
                if (asprintf(&devlink, "%s/device", devpath) < 0)
                        return -ENOMEM;
                r = resolve_at(rootfd, devlink, &device);
                if (r < 0 && !errno_is_absent(r))
                        return r;
                if (r >= 0) {
                        r = link_basename_at(rootfd, device, "driver", &driver);
                        if (r < 0)
                                return r;
                }
                bus = disk_bus_from_driver(driver);
        }
        if (bus == DISK_BUS_UNKNOWN)
                bus = disk_bus_from_name(prefix);

        log_debug("detect: disk %s at %s: %s", name, devpath, disk_bus_to_string(bus));
        *ret = bus;
        return 1;
}

static int detect_disk_bus(int rootfd, DiskBus *ret) {
        _cleanup_(strv_freep) char **names = NULL;
        size_t n;
        int r;

        r = list_sorted_at(rootfd, "sys/class/block", &names, &n);
        if (r < 0)
                return r;

        /* The first whole disk by name; "sda" is what a fresh KVM guest boots from. */
        for (size_t i = 0; i < n; i++) {
                r = classify_disk(rootfd, names[i], ret);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        *ret = DISK_BUS_UNKNOWN;
        return 0;
}

static NetDriver net_driver_from_name(const char *driver) {
        if (streq(driver, "virtio_net"))
                return NET_DRIVER_VIRTIO;
        if (streq(driver, "e1000") || streq(driver, "e1000e"))
                return NET_DRIVER_E1000;
        if (streq(driver, "vif")) /* xen-netfront */
                return NET_DRIVER_XEN;
        return NET_DRIVER_OTHER;
}

static int detect_net_driver(int rootfd, NetDriver *ret) {
        _cleanup_(strv_freep) char **names = NULL;
        size_t n;
        int r;

        r = list_sorted_at(rootfd, "sys/class/net", &names, &n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *link = NULL, *ifpath = NULL, *devlink = NULL, *device = NULL,
                                    *driver = NULL;

                if (streq(names[i], "lo"))
                        continue;

                if (asprintf(&link, "sys/class/net/%s", names[i]) < 0)
                        return -ENOMEM;
                r = resolve_at(rootfd, link, &ifpath);
                if (r < 0) {
                        if (errno_is_absent(r))
                                continue;
                        return r;
                }

                /* Bridges, bonds, tunnels: no device, nothing to say about the hypervisor. */
                if (asprintf(&devlink, "%s/device", ifpath) < 0)
                        return -ENOMEM;
                r = resolve_at(rootfd, devlink, &device);
                if (r < 0) {
                        if (errno_is_absent(r))
                                continue;
                        return r;
                }

                r = link_basename_at(rootfd, device, "driver", &driver);
                if (r < 0)
                        return r;

                *ret = driver ? net_driver_from_name(driver) : NET_DRIVER_OTHER;
                log_debug("detect: interface %s, driver %s: %s", names[i], strempty(driver),
                        net_driver_to_string(*ret));
                return 0;
        }
        *ret = NET_DRIVER_UNKNOWN;
        return 0;
}

int detect_mode(int rootfd, Detection *ret) {
        DiskBus bus = DISK_BUS_UNKNOWN;
        NetDriver net = NET_DRIVER_UNKNOWN;
        int r;

        r = detect_disk_bus(rootfd, &bus);
        if (r < 0)
                return r;
        r = detect_net_driver(rootfd, &net);
        if (r < 0)
                return r;

        ret->disk_bus = bus;
        ret->net_driver = net;
        return 0;
}

bool hypervisor_is_kvm_like(Hypervisor h) {
        return h == HYPERVISOR_KVM || h == HYPERVISOR_QEMU;
}

const char *hypervisor_to_string(Hypervisor h) {
        if (h < 0 || h >= _HYPERVISOR_MAX)
                return NULL;
        return hypervisor_table[h];
}

Hypervisor hypervisor_from_string(const char *s) {
        if (!s)
                return _HYPERVISOR_INVALID;
        for (Hypervisor h = 0; h < _HYPERVISOR_MAX; h++)
                if (streq(hypervisor_table[h], s))
                        return h;
        return _HYPERVISOR_INVALID;
}

const char *disk_bus_to_string(DiskBus b) {
        if ((unsigned) b >= _DISK_BUS_MAX)
                return NULL;
        return disk_bus_table[b];
}

const char *net_driver_to_string(NetDriver n) {
        if ((unsigned) n >= _NET_DRIVER_MAX)
                return NULL;
        return net_driver_table[n];
}

char *detection_mode_string(const Detection *d) {
        char *s;

        /* An out-of-range value is a caller's bug; show it rather than hide it as "unknown". */
        if (asprintf(&s, "%s+%s", disk_bus_to_string(d->disk_bus) ?: "invalid",
                    net_driver_to_string(d->net_driver) ?: "invalid") < 0)
                return NULL;
        return s;
}
