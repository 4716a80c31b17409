/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The order rule on the bus: new disks sorted by where the host attached them
 * (sysfs trees of links, as the kernel lays them out), not by the sd letters
 * that race; the "/" check; lines the guest boots without.
 */

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fixture.h"
#include "links.h"

#define U_ROOT "0d1c4f6e-1111-4222-8333-444455556666"
#define U_SRV "a3f0c2d4-3333-4444-8555-666677778888"
#define U_SWAP "7e2b9a10-2222-4333-8444-555566667777"

#define REF(n, t, w)                                                                                        \
        { .name = (char *) (n), .type = (char *) (t), .where = (char *) (w) }
#define REF_ROOT(n, t, w)                                                                                   \
        { .name = (char *) (n), .type = (char *) (t), .where = (char *) (w), .root = true }
#define REF_OPTIONAL(n, t, w)                                                                               \
        { .name = (char *) (n), .type = (char *) (t), .where = (char *) (w), .optional = true }

#define assert_lines(v, ...) fixture_assert_strv("line", v, FIXTURE_STRV(__VA_ARGS__))

/* Virtio-scsi on PCI slot 4, SCSI host 2: "target2:0:T/2:0:T:L". */
#define VSCSI(t, l) "../../devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:" #t "/2:0:" #t ":" #l

/* A sysfs of its own: class/block/NAME → DEVICE/block/NAME (or DEVICE/NAME when @nvme). */
static int make_sysfs(const char *tag) {
        _cleanup_free_ char *top = fixture_tmp_path("%s", tag);
        int fd;

        assert_int_equal(mkdir(top, 0755), 0);
        fixture_make_parents(top, "class/block/x");
        fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void sysfs_disk(int sysfd, const char *name, const char *device) {
        _cleanup_free_ char *link = NULL, *target = NULL;

        assert_true(asprintf(&link, "class/block/%s", name) > 0);
        assert_true(
                asprintf(&target, "%s%s%s", device, startswith(name, "nvme") ? "/" : "/block/", name) > 0);
        /* The links dangle here, as nothing below devices/ is made: only the link is read. */
        assert_int_equal(symlinkat(target, sysfd, link), 0);
}

static const char *bus_path(const Inventory *inv, const char *name) {
        const Device *d = inventory_find(inv, name);
        assert_non_null(d);
        return d->bus_path;
}

static void test_compare(void **state) {
        (void) state;

        assert_int_equal(inventory_compare_bus_paths("/devices/a/host9/x", "/devices/a/host10/x"), -1);
        assert_int_equal(inventory_compare_bus_paths("/devices/a/host10/x", "/devices/a/host9/x"), 1);
        /* PCI addresses are fixed-width hex. */
        assert_int_equal(inventory_compare_bus_paths("/devices/pci0000:00/0000:00:0a.0/virtio3",
                                 "/devices/pci0000:00/0000:00:09.0/virtio2"),
                1);
        assert_int_equal(inventory_compare_bus_paths("/devices/pci0000:00/0000:00:1f.2/ata1",
                                 "/devices/pci0000:00/0000:00:10.0/ata1"),
                1);
        assert_int_equal(inventory_compare_bus_paths("2:0:0:1", "2:0:0:10"), -1);
        assert_int_equal(inventory_compare_bus_paths("2:0:1:0", "2:0:0:10"), 1);
        assert_int_equal(inventory_compare_bus_paths("/devices/x", "/devices/x"), 0);
        assert_int_equal(inventory_compare_bus_paths("/devices/x", "/devices/x/y"), -1);
}

static void test_read_bus_paths(void **state) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_close_ int sysfd = make_sysfs("read");

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4");
        NEW(&new, .name = "sda1", .type = "ext4");
        NEW(&new, .name = "nvme0n1", .type = "ext4");
        NEW(&new, .name = "sdb", .type = "ext4");
        NEW(&new, .name = "sdc", .type = "ext4");
        sysfs_disk(sysfd, "sda", VSCSI(1, 0));
        sysfs_disk(sysfd, "nvme0n1", "../../devices/pci0000:00/0000:00:05.0/nvme/nvme0");
        /* sdb has no link; sdc's does not end in its name. */
        assert_int_equal(symlinkat("../../devices/virtual/block/sdz", sysfd, "class/block/sdc"), 0);

        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);
        assert_string_equal(
                bus_path(&new, "sda"), "/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:1/2:0:1:0");
        assert_string_equal(bus_path(&new, "nvme0n1"), "/devices/pci0000:00/0000:00:05.0/nvme/nvme0");
        assert_null(bus_path(&new, "sda1")); /* a partition is placed by its disk */
        assert_null(bus_path(&new, "sdb"));
        assert_null(bus_path(&new, "sdc"));
}

/*
 * Root disk at target 0, /srv at target 1, swap at target 2 — but the letters
 * came up the other way round, as they do in some two-CPU boots.
 */
static void test_letters_race(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("race");
        const Reference refs[] = {
                REF_ROOT("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
                REF("xvdc", "swap", "/etc/fstab:3"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdc", .type = "swap", .uuid = U_SWAP);
        sysfs_disk(sysfd, "sda", VSCSI(1, 0));
        sysfs_disk(sysfd, "sdb", VSCSI(0, 0));
        sysfs_disk(sysfd, "sdc", VSCSI(2, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 3);
        fixture_assert_map_entry(&m, 0, "xvda", "sdb", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvdb", "sda", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 2, "xvdc", "sdc", MAP_METHOD_BUS);
}

/* Without every bus position the letters are all there is, and same-type disks refuse. */
static void test_letters_alone_refuse(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("alone");
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext3", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext3", .uuid = U_SRV);
        sysfs_disk(sysfd, "sda", VSCSI(0, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
        /* Each message says what each disk holds. */
        assert_lines(errors,
                "xvda (/etc/fstab:1): no recorded identity, and sdb holds ext3 as sda holds ext4; the order "
                "of "
                "the disks may have changed, so kvmigrate will not guess; run \"migratectl arm\" under Xen "
                "or "
                "name it by UUID",
                "xvdb (/etc/fstab:2): no recorded identity, and sda holds ext4 as sdb holds ext3; the order "
                "of "
                "the disks may have changed, so kvmigrate will not guess; run \"migratectl arm\" under Xen "
                "or "
                "name it by UUID");
}

/* Disks named on the command line (--disk) are in the order of their letters. */
static void test_names_given(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        new.names_given = true;

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdb", "sdb", MAP_METHOD_ORDER);
}

/* One virtio-scsi target, two LUNs; the partitions follow their disk. */
static void test_luns(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("luns");
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:2"),
                REF("xvdb1", "ext4", "/etc/fstab:3"),
        };

        (void) state;

        NEW(&new, .name = "sda");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sdb");
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb2", .type = "swap", .uuid = U_SWAP);
        sysfs_disk(sysfd, "sda", VSCSI(0, 10));
        sysfs_disk(sysfd, "sdb", VSCSI(0, 2));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 3);
        fixture_assert_map_entry(&m, 0, "xvda1", "sdb1", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvda2", "sdb2", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 2, "xvdb1", "sda1", MAP_METHOD_BUS);
}

/* IDE (full virtualization): the ATA port orders, not the SCSI host number. */
static void test_ide(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("ide");
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);
        sysfs_disk(sysfd, "sda", "../../devices/pci0000:00/0000:00:01.1/ata2/host1/target1:0:0/1:0:0:0");
        sysfs_disk(sysfd, "sdb", "../../devices/pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0");
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        fixture_assert_map_entry(&m, 0, "xvda", "sdb", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvdb", "sda", MAP_METHOD_BUS);
}

/* virtio-blk: one PCI function per disk; slot 0x0a comes after slot 9. */
static void test_virtio_blk(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("vblk");
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "vda", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "vdb", .type = "ext4", .uuid = U_ROOT);
        sysfs_disk(sysfd, "vda", "../../devices/pci0000:00/0000:00:0a.0/virtio3");
        sysfs_disk(sysfd, "vdb", "../../devices/pci0000:00/0000:00:09.0/virtio2");
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        fixture_assert_map_entry(&m, 0, "xvda", "vdb", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvdb", "vda", MAP_METHOD_BUS);
}

/*
 * Disks on two controllers: their order is the PCI layout, which the host
 * does not promise. Sorted by bus, but two of one type must still be told
 * apart, as with letters.
 */
static void test_two_controllers(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("two-hbas");
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_SRV);
        sysfs_disk(sysfd, "sda", "../../devices/pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0");
        sysfs_disk(sysfd, "sdb", VSCSI(0, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
        assert_lines(errors,
                "xvda (/etc/fstab:1): no recorded identity, and sdb holds ext4 as sda holds ext4; the order "
                "of "
                "the disks may have changed, so kvmigrate will not guess; run \"migratectl arm\" under Xen "
                "or "
                "name it by UUID",
                "xvdb (/etc/fstab:2): no recorded identity, and sda holds ext4 as sdb holds ext4; the order "
                "of "
                "the disks may have changed, so kvmigrate will not guess; run \"migratectl arm\" under Xen "
                "or "
                "name it by UUID");
}

/* Xen letters with a gap (xvda, xvdc) become consecutive bus positions. */
static void test_gap(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("gap");
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdc", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);
        sysfs_disk(sysfd, "sda", VSCSI(3, 0));
        sysfs_disk(sysfd, "sdb", VSCSI(1, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        fixture_assert_map_entry(&m, 0, "xvda", "sdb", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvdc", "sda", MAP_METHOD_BUS);
}

/* What fstab mounts on "/" must be the filesystem being migrated, whatever the rule says. */
static void test_root_contradicts(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("root");
        const Reference refs[] = {
                REF_ROOT("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_SRV);
        inventory_find(&new, "sda")->devnum = makedev(8, 0);
        inventory_find(&new, "sdb")->devnum = makedev(8, 16);
        sysfs_disk(sysfd, "sda", VSCSI(0, 0));
        sysfs_disk(sysfd, "sdb", VSCSI(1, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        /* The root being migrated is on sda: the map holds. */
        new.root_devnum = makedev(8, 0);
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_BUS);
        mapping_done(&m);

        /* Not on a disk here (LVM, btrfs): nothing to compare with. */
        new.root_devnum = makedev(253, 0);
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        mapping_done(&m);

        /* On sdb: the host attached the disks in another order than Xen had them. */
        new.root_devnum = makedev(8, 16);
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
        assert_lines(errors,
                "xvda (/etc/fstab:1): mounted on /, and the bus rule gives sda, but the root being migrated "
                "is "
                "on sdb; refusing to guess");
}

/* An optional disk not attached now: its line stays, the rest migrates. */
static void test_optional_absent(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("optional");
        const Reference refs[] = {
                REF_ROOT("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
                REF_OPTIONAL("xvdc", "ext4", "/etc/fstab:3"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = U_SWAP);
        sysfs_disk(sysfd, "sda", VSCSI(0, 0));
        sysfs_disk(sysfd, "sdb", VSCSI(1, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_BUS);
        fixture_assert_map_entry(&m, 1, "xvdb", "sdb", MAP_METHOD_BUS);
        assert_lines(warnings,
                "xvdc (/etc/fstab:3): no recorded identity, and the disks present now leave no place for "
                "it; "
                "the guest boots without it, so its line is left as it is");
}

/* A needed disk missing still refuses, even beside an optional one. */
static void test_needed_absent_refuses(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
                REF_OPTIONAL("xvdc", "ext4", "/etc/fstab:3"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
        assert_non_null(errors);
}

/* An optional disk with a recorded identity that is not here: a warning, not a refusal. */
static void test_optional_identity_absent(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF_OPTIONAL("xvdb", "ext4", "/etc/fstab:2"),
                /* Named also by a line that needs it: then it is needed. */
                REF_OPTIONAL("xvdc", "ext4", "/etc/fstab:3"),
                REF("xvdc", "ext4", "/etc/crypttab:1"),
        };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "ext4", .uuid = U_SRV);
        OLD(&old, .name = "xvdc", .type = "ext4", .uuid = U_SWAP);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_lines(errors,
                "xvdc (/etc/fstab:3): UUID " U_SWAP " (from the snapshot) is on no device present now");
        assert_lines(warnings,
                "xvdb (/etc/fstab:2): UUID " U_SRV " (from the snapshot) is on no device present now; the "
                "guest boots without it, so its line is left as it is");
}

/* A guest never armed: the initramfs links the root's disk by its bus path, and no other. */
static void test_bus_rules(void **state) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_close_ int sysfd = make_sysfs("rules");
        _cleanup_free_ char *text = NULL;

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_SRV);
        NEW(&new, .name = "sdb");
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sr0");
        sysfs_disk(sysfd, "sda", VSCSI(1, 0));

        /* Without sdb's bus position its letter would be a guess. */
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);
        assert_int_equal(links_format_bus_rules(&new, "xvda1", &text), -ENXIO);
        assert_null(text);

        sysfs_disk(sysfd, "sdb", VSCSI(0, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);
        assert_int_equal(links_format_bus_rules(&new, "sda", &text), -EINVAL);
        /* A third disk is not there (yet): the hook asks again. */
        assert_int_equal(links_format_bus_rules(&new, "xvdc", &text), -ENOENT);
        assert_int_equal(links_format_bus_rules(&new, "xvda1", &text), 0);
        assert_string_equal(text,
                "# /dev/xvda for root=xvda1 of a guest moved from Xen to KVM that was never armed: the\n"
                "# disk at bus position 1 (sdb in this boot). Written by \"migratectl links --make\".\n"
                "SUBSYSTEM!=\"block\", GOTO=\"kvmigrate_bus_end\"\n"
                "ACTION==\"remove\", GOTO=\"kvmigrate_bus_end\"\n"
                "ENV{DEVTYPE}==\"disk\", "
                "DEVPATH==\"/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/"
                "2:0:0:0/*\", SYMLINK+=\"xvda\"\n"
                "ENV{DEVTYPE}==\"partition\", DEVPATH==\"/devices/pci0000:00/0000:00:04.0/virtio1/host2/"
                "target2:0:0/2:0:0:0/*\", SYMLINK+=\"xvda%n\"\n"
                "LABEL=\"kvmigrate_bus_end\"\n");
        free(text);
        text = NULL;

        /* The second disk for root=/dev/xvdb. */
        assert_int_equal(links_format_bus_rules(&new, "xvdb", &text), 0);
        assert_non_null(strstr(text,
                "DEVPATH==\"/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:1/2:0:1:0/*\", "
                "SYMLINK+=\"xvdb\""));
        free(text);
        text = NULL;

        /* Across two controllers the order is not certain. */
        free(inventory_find(&new, "sda")->bus_path);
        inventory_find(&new, "sda")->bus_path =
                strdup("/devices/pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0");
        assert_int_equal(links_format_bus_rules(&new, "xvda", &text), -ENXIO);
}

/* The reviewer's guest: the disk that is missing is a needed one, not the optional one. */
static void test_optional_not_last(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int sysfd = make_sysfs("optional-middle");
        const Reference refs[] = {
                REF_ROOT("xvda", "ext4", "/etc/fstab:1"),
                REF_OPTIONAL("xvdb", "ext4", "/etc/fstab:2"),
                REF("xvdc", "ext4", "/etc/fstab:3"),
        };

        (void) state;

        /* Root, and the scratch disk that was xvdb: the data disk, xvdc, is not attached. */
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_SRV);
        sysfs_disk(sysfd, "sda", VSCSI(0, 0));
        sysfs_disk(sysfd, "sdb", VSCSI(1, 0));
        assert_int_equal(inventory_read_bus_paths(&new, sysfd), 0);

        /* Assuming xvdb absent would put /data on the scratch disk: same type, so not told apart. */
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
        assert_non_null(errors);

        /* The same with the disks named on the command line. */
        strv_free(errors);
        errors = NULL;
        strv_free(warnings);
        warnings = NULL;
        new.names_given = true;
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_int_equal(m.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_compare),
                cmocka_unit_test(test_read_bus_paths),
                cmocka_unit_test(test_letters_race),
                cmocka_unit_test(test_letters_alone_refuse),
                cmocka_unit_test(test_names_given),
                cmocka_unit_test(test_luns),
                cmocka_unit_test(test_ide),
                cmocka_unit_test(test_virtio_blk),
                cmocka_unit_test(test_two_controllers),
                cmocka_unit_test(test_gap),
                cmocka_unit_test(test_root_contradicts),
                cmocka_unit_test(test_optional_absent),
                cmocka_unit_test(test_needed_absent_refuses),
                cmocka_unit_test(test_optional_identity_absent),
                cmocka_unit_test(test_bus_rules),
                cmocka_unit_test(test_optional_not_last),
        };

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
