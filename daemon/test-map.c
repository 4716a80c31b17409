/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define U_ROOT "0d1c4f6e-1111-4222-8333-444455556666"
#define U_SWAP "7e2b9a10-2222-4333-8444-555566667777"
#define U_HOME "a3f0c2d4-3333-4444-8555-666677778888"
#define U_OTHER "b9e8d7c6-4444-4555-8666-777788889999"
#define PARTUUID_1 "5c3e0a7b-01"
#define PTUUID_A "5c3e0a7b"

#define REF(n, t, w)                                                                                        \
        { .name = (char *) (n), .type = (char *) (t), .where = (char *) (w) }

/* @v holds exactly the arguments, in order. */
#define assert_lines(v, ...) fixture_assert_strv("line", v, FIXTURE_STRV(__VA_ARGS__))

static void assert_refused(const Mapping *m) {
        assert_int_equal(m->n, 0);
        assert_null(m->entries);
}

/* By recorded identity */

static void test_uuid(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:9"),
                REF("xvda2", "swap", "/etc/fstab:10"),
        };

        (void) state;

        OLD(&old, .name = "xvda", .ptuuid = PTUUID_A);
        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 3);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_PTUUID);
        fixture_assert_map_entry(&m, 1, "xvda1", "sda1", MAP_METHOD_UUID);
        fixture_assert_map_entry(&m, 2, "xvda2", "sda2", MAP_METHOD_UUID);
        /* The entries point into the inventories. */
        assert_ptr_equal(m.entries[1].old, inventory_find(&old, "xvda1"));
        assert_ptr_equal(m.entries[1].new, inventory_find(&new, "sda1"));
        assert_ptr_equal(m.entries[2].new, inventory_find(&new, "sda2"));

        assert_ptr_equal(mapping_find(&m, "xvda2"), &m.entries[2]);
        assert_ptr_equal(mapping_find(&m, "/dev/xvda1"), &m.entries[1]);
        assert_null(mapping_find(&m, "xvda3"));
        assert_null(mapping_find(&m, "sda1"));
}

static void test_label(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvdb", "xfs", "/etc/fstab:3") };

        (void) state;

        OLD(&old, .name = "xvdb", .type = "xfs", .label = "data");
        /* The UUID on the new device says nothing: the old one recorded none. */
        NEW(&new, .name = "sda", .type = "xfs", .uuid = U_OTHER, .label = "other");
        NEW(&new, .name = "sdb", .type = "xfs", .uuid = U_HOME, .label = "data");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvdb", "sdb", MAP_METHOD_LABEL);
}

static void test_partuuid(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda1", "ext4", "/etc/fstab:1") };

        (void) state;

        CACHED(&old, .name = "xvda1", .type = "ext4", .partuuid = PARTUUID_1);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_OTHER, .partuuid = "11111111-01");
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT, .partuuid = PARTUUID_1);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvda1", "sdb1", MAP_METHOD_PARTUUID);
}

static void test_uuid_before_label(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda1", "ext4", "/etc/fstab:1") };

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT, .label = "root");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_OTHER, .label = "root");
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT, .label = "backup");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvda1", "sdb1", MAP_METHOD_UUID);
}

/* A recorded UUID that is gone means another filesystem: the LABEL does not stand in for it. */
static void test_uuid_gone_label_present(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda1", "ext4", "/etc/fstab:1") };

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT, .label = "root");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_OTHER, .label = "root");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda1 (/etc/fstab:1): UUID " U_ROOT " (from the snapshot) is on no device present now");
        assert_null(warnings);
}

static void test_type_mismatch(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:9"),
                REF("xvda2", "swap", "/etc/fstab:10"),
        };

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda1", .type = "swap", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        /* Nothing is handed out, not even the part that could be mapped. */
        assert_refused(&m);
        assert_lines(
                errors, "xvda1 (/etc/fstab:9): UUID " U_ROOT " is on sda1, but that holds swap, not ext4");
        assert_null(warnings);
}

/* The same check for a LABEL match, from a reference that declares no type. */
static void test_type_mismatch_label(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", NULL, "/etc/default/grub:6") };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .label = "root");
        NEW(&new, .name = "sda", .type = "xfs", .label = "root");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(
                errors, "xvda (/etc/default/grub:6): LABEL root is on sda, but that holds xfs, not ext4");
}

static void test_ext_family(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", "ext3", "/etc/fstab:1") };

        (void) state;

        /* tune2fs -O extents between the snapshot and now: ext3 has become ext4. */
        OLD(&old, .name = "xvda", .type = "ext3", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_UUID);
}

static void test_cloned_disk(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda1", "ext4", "/etc/fstab:9") };

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda1 (/etc/fstab:9): UUID " U_ROOT
                " is on sda1 and sdb1 (a cloned disk?); refusing to guess");
        assert_null(warnings);
}

static void test_cloned_disk_three(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvdb", NULL, "/etc/crypttab:2") };

        (void) state;

        OLD(&old, .name = "xvdb", .type = "crypto_LUKS", .label = "vault");
        NEW(&new, .name = "sda", .type = "crypto_LUKS", .label = "vault");
        NEW(&new, .name = "sdb", .type = "crypto_LUKS", .label = "vault");
        NEW(&new, .name = "sdc", .type = "crypto_LUKS", .label = "vault");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvdb (/etc/crypttab:2): LABEL vault is on sda and sdb and sdc (a cloned disk?); refusing "
                "to guess");
}

/* A clone nothing refers to is reported, but does not stop the run. */
static void test_cloned_unreferenced(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", "ext4", "/etc/fstab:1") };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sdc", .type = "ext4", .uuid = U_HOME);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_lines(warnings,
                "xvdb: UUID " U_HOME
                " is on sdb and sdc (a cloned disk?); refusing to guess; nothing refers to it, "
                "so it is not mapped");
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_UUID);
}

/*
 * Two old devices that had one UUID (a disk cloned under Xen) and one copy
 * left: which of them it is cannot be known, so neither is mapped.
 */
static bool cloned_old_side(void) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvdb1", "ext4", "/etc/fstab:2"),
        };
        int r;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);

        r = map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings);
        assert_int_equal(r, -ENXIO);
        assert_refused(&m);
        assert_non_null(errors);
        assert_non_null(strstr(errors[0], "xvda1 (/etc/fstab:1): "));
        assert_non_null(strstr(errors[0], U_ROOT));
        return false;
}

/* skip() jumps out of the test: the cleanups above must have run by then. */
static void test_cloned_old_side(void **state) {
        (void) state;

        assert_false(cloned_old_side());
}

static void test_missing(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:3"),
                REF("xvdb", "ext4", "/etc/systemd/system/home.mount:5"),
                REF("xvdc", "xfs", "/etc/fstab:4"),
        };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "ext4", .uuid = U_HOME);
        CACHED(&old, .name = "xvdc", .type = "xfs", .label = "data");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        /* One line per device, naming the first place that refers to it. */
        assert_lines(errors,
                "xvdb (/etc/fstab:3): UUID " U_HOME " (from the snapshot) is on no device present now",
                "xvdc (/etc/fstab:4): LABEL data (from the blkid-cache) is on no device present now");
        assert_null(warnings);
}

static void test_missing_unreferenced(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", "ext4", "/etc/fstab:1") };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdc", .type = "ext4", .uuid = U_HOME);
        OLD(&old, .name = "xvdd");
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_lines(warnings,
                "xvdc: UUID " U_HOME
                " (from the snapshot) is on no device present now; nothing refers to it, so it "
                "is not mapped",
                "xvdd: no identity was recorded for it; nothing refers to it, so it is not mapped");
        assert_int_equal(m.n, 1);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_UUID);
        assert_null(mapping_find(&m, "xvdc"));
}

/* Warnings come back with the errors too, so the report can show both. */
static void test_errors_and_warnings(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", "ext4", "/etc/fstab:1") };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/etc/fstab:1): UUID " U_ROOT " (from the snapshot) is on no device present now");
        assert_lines(warnings,
                "xvdb: UUID " U_SWAP
                " (from the snapshot) is on no device present now; nothing refers to it, so it "
                "is not mapped");
}

static void test_empty(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = { .n = 99 };
        char **errors = (char **) 1, **warnings = (char **) 1;

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        assert_int_equal(map_build(&old, &new, NULL, 0, &m, &errors, &warnings), 0);
        assert_int_equal(m.n, 0);
        assert_null(errors);
        assert_null(warnings);
}

/* The snapshot knows better than the letters: xvda's filesystem came back as sdb. */
static void test_snapshot_beats_order(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
        };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda", "sdb", MAP_METHOD_UUID);
        fixture_assert_map_entry(&m, 1, "xvdb", "sda", MAP_METHOD_UUID);
}

/* The order rule must not hand out a disk that a recorded identity already placed elsewhere. */
static void test_order_collides_with_identity(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "ext4", "/etc/fstab:2"),
        };

        (void) state;

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors, "xvdb (/etc/fstab:2): the order rule gives sdb, which holds xvda by its uuid");
}

/*
 * The disks came back the other way round: the snapshot places xvda1 on sdb1
 * by its UUID, so xvda2 (added after the snapshot, no identity) sits beside
 * it on sdb, not on sda where the letter order points.
 */
static bool order_ignores_identified_sibling(void) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:2"),
                REF("xvdb1", "ext4", "/etc/fstab:3"),
        };
        int r;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb1", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sda", .ptuuid = "11111111");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_OTHER);
        NEW(&new, .name = "sdb", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sdb1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb2", .type = "swap", .uuid = U_SWAP);

        r = map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings);
        if (r == 0) {
                assert_int_equal(m.n, 3);
                fixture_assert_map_entry(&m, 0, "xvda1", "sdb1", MAP_METHOD_UUID);
                fixture_assert_map_entry(&m, 1, "xvda2", "sdb2", MAP_METHOD_ORDER);
                fixture_assert_map_entry(&m, 2, "xvdb1", "sda1", MAP_METHOD_UUID);
        } else {
                assert_int_equal(r, -ENXIO);
                assert_refused(&m);
                assert_non_null(errors);
                assert_non_null(strstr(errors[0], "xvda2 (/etc/fstab:2): "));
        }
        return false;
}

static void test_order_ignores_identified_sibling(void **state) {
        (void) state;

        assert_false(order_ignores_identified_sibling());
}

/* By order, for names with no recorded identity */

static void test_order_gap(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdc", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdc", "sdb", MAP_METHOD_ORDER);
        assert_null(m.entries[0].old);
        assert_null(m.entries[1].old);
}

/* A disk the snapshot placed by UUID still takes its place in the order. */
static void test_order_counts_identified_disks(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvdb", "ext4", "/etc/fstab:1"),
                REF("xvdd", "swap", "/etc/fstab:2"),
        };

        (void) state;

        OLD(&old, .name = "xvdb", .type = "ext4", .uuid = U_ROOT);
        fixture_add_device(&old, DEVICE_SOURCE_CONFIG, (FixtureDevice){ .name = "xvdd" });
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvdb", "sda", MAP_METHOD_UUID);
        fixture_assert_map_entry(&m, 1, "xvdd", "sdb", MAP_METHOD_ORDER);
        assert_ptr_equal(m.entries[1].old, inventory_find(&old, "xvdd"));
}

static void test_order_rhel6(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvde1", "ext4", "/etc/fstab:9"),
                REF("xvde2", "swap", "/etc/fstab:10"),
                REF("xvde1", NULL, "/boot/grub/grub.conf:15"),
        };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvde1", "sda1", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvde2", "sda2", MAP_METHOD_ORDER);
}

/* Kernel order, not string order: xvdz comes before xvdaa. */
static void test_order_two_letters(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvdaa", "xfs", "/etc/fstab:3"),
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdz", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sdc", .type = "xfs", .uuid = U_HOME);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 3);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdz", "sdb", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 2, "xvdaa", "sdc", MAP_METHOD_ORDER);
}

static void test_order_xvdaa_beside_xvda(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvdaa", "xfs", "/etc/fstab:2"),
                REF("xvda", "ext4", "/etc/fstab:1"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "xfs", .uuid = U_HOME);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdaa", "sdb", MAP_METHOD_ORDER);
}

static void test_order_partitions_as_disks(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_null(warnings);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda1", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvda2", "sdb", MAP_METHOD_ORDER);
}

/* Partitions exported alone beside a whole disk: each is a disk of its own. */
static void test_order_partitions_as_disks_mixed(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvdb2", "swap", "/etc/fstab:3"),
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb1", "xfs", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "xfs", .uuid = U_HOME);
        NEW(&new, .name = "sdc", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 3);
        fixture_assert_map_entry(&m, 0, "xvda", "sda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdb1", "sdb", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 2, "xvdb2", "sdc", MAP_METHOD_ORDER);
}

static void test_order_partitioned(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda2", "swap", "/etc/fstab:2"),
                REF("xvda1", "ext4", "/etc/fstab:1"),
        };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda1", "sda1", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvda2", "sda2", MAP_METHOD_ORDER);
}

/* One declared type confirms the whole disk: the other partition rides along. */
static void test_order_confirmed_by_sibling(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda3", NULL, "/etc/crypttab:1"),
        };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda3", .type = "crypto_LUKS", .uuid = U_OTHER);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda1", "sda1", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvda3", "sda3", MAP_METHOD_ORDER);
}

static void test_order_contradicted(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
        };

        (void) state;

        /* The disks came back the other way round (sd names are not stable). */
        NEW(&new, .name = "sda", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/etc/fstab:1): declared ext4, but the order rule gives sda, which holds swap; "
                "refusing to guess",
                "xvdb (/etc/fstab:2): declared swap, but the order rule gives sdb, which holds ext4; "
                "refusing to guess");
}

/* A later reference that contradicts is enough, whatever earlier ones said. */
static void test_order_contradicted_later(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvda", "xfs", "/etc/systemd/system/srv.mount:4"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/etc/systemd/system/srv.mount:4): declared xfs, but the order rule gives sda, which "
                "holds "
                "ext4; refusing to guess");
}

static void test_order_unconfirmed(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", NULL, "/boot/grub/menu.lst:12"),
                REF("xvdb", "auto", "/etc/fstab:2"),
                REF("xvdc", "none", "/etc/fstab:3"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sdc", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/boot/grub/menu.lst:12): no recorded identity and no declared filesystem type "
                "confirms "
                "that it is now sda; run \"migratectl arm\" under Xen or name it by UUID",
                "xvdb (/etc/fstab:2): no recorded identity and no declared filesystem type confirms "
                "that it is now sdb; run \"migratectl arm\" under Xen or name it by UUID",
                "xvdc (/etc/fstab:3): no recorded identity and no declared filesystem type confirms "
                "that it is now sdc; run \"migratectl arm\" under Xen or name it by UUID");
}

static void test_order_no_disk_left(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        /* One disk is gone: the order pairs nothing with certainty, not even xvda with sda. */
        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/etc/fstab:1): no recorded identity; 2 Xen disks were in use, 1 disk is present now, "
                "so "
                "their order says nothing; run \"migratectl arm\" under Xen or name it by UUID",
                "xvdb (/etc/fstab:2): no recorded identity, and the order rule finds no new disk for it "
                "among "
                "the present devices");
}

static void test_order_no_partition(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", NULL, "/etc/default/grub:9"),
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda5", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda5 (/etc/fstab:2): no recorded identity, and the order rule finds no sda5 among the "
                "present "
                "devices");
}

/* Both readings fail: the one with fewer errors is the one reported. */
static void test_order_fewer_errors_reported(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        /* Neither reading works; the first one's reasons are given. */
        assert_lines(errors,
                "xvda1 (/etc/fstab:1): no recorded identity, and the order rule finds no sda1 among the "
                "present "
                "devices",
                "xvda2 (/etc/fstab:2): no recorded identity, and the order rule finds no sda2 among the "
                "present "
                "devices");
}

/* The vd disks of virtio-blk count when there is no sd disk. */
static void test_order_virtio_blk(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda", "ext4", "/etc/fstab:1"),
                REF("xvdb", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "vdb", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "vda", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda", "vda", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvdb", "vdb", MAP_METHOD_ORDER);
}

/*
 * A disk with no filesystem on it (here: a partition table) cannot confirm a
 * declared ext4; the rule's "which holds no filesystem" message exists for it.
 */
static void test_order_target_without_type(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = { REF("xvda", "ext4", "/etc/fstab:1") };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        assert_lines(errors,
                "xvda (/etc/fstab:1): declared ext4, but the order rule gives sda, which holds no "
                "filesystem; "
                "refusing to guess");
}

/* Nor may the partitions-as-disks reading land on blank disks. */
static void test_order_split_onto_blank_disks(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:2"),
        };

        (void) state;

        NEW(&new, .name = "sda");
        NEW(&new, .name = "sdb");

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), -ENXIO);
        assert_refused(&m);
        /* Both readings fail (sda1, sda2 absent; sda, sdb blank): the whole-disk one is reported on a tie.
         */
        assert_lines(errors,
                "xvda1 (/etc/fstab:1): no recorded identity, and the order rule finds no sda1 among the "
                "present "
                "devices",
                "xvda2 (/etc/fstab:2): no recorded identity, and the order rule finds no sda2 among the "
                "present "
                "devices");
}

/* Partition numbers are numbers: xvda10 is not xvda1. */

static void test_partition_ten_identity(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda10", "xfs", "/etc/fstab:2"),
                REF("xvda1", "ext4", "/etc/fstab:1"),
                REF("xvda2", "swap", "/etc/fstab:3"),
        };

        (void) state;

        OLD(&old, .name = "xvda10", .type = "xfs", .uuid = U_HOME);
        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda10", .type = "xfs", .uuid = U_HOME);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 3);
        /* Kernel order: 1, 2, 10. */
        fixture_assert_map_entry(&m, 0, "xvda1", "sda1", MAP_METHOD_UUID);
        fixture_assert_map_entry(&m, 1, "xvda2", "sda2", MAP_METHOD_UUID);
        fixture_assert_map_entry(&m, 2, "xvda10", "sda10", MAP_METHOD_UUID);
        assert_string_equal(mapping_find(&m, "xvda1")->new->name, "sda1");
        assert_string_equal(mapping_find(&m, "/dev/xvda10")->new->name, "sda10");
}

static void test_partition_ten_order(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        const Reference refs[] = {
                REF("xvda10", "xfs", "/etc/fstab:2"),
                REF("xvda1", "ext4", "/etc/fstab:1"),
        };

        (void) state;

        NEW(&new, .name = "sda", .ptuuid = PTUUID_A);
        NEW(&new, .name = "sda10", .type = "xfs", .uuid = U_HOME);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);

        assert_int_equal(map_build(&old, &new, refs, ELEMENTSOF(refs), &m, &errors, &warnings), 0);
        assert_null(errors);
        assert_int_equal(m.n, 2);
        fixture_assert_map_entry(&m, 0, "xvda1", "sda1", MAP_METHOD_ORDER);
        fixture_assert_map_entry(&m, 1, "xvda10", "sda10", MAP_METHOD_ORDER);
}

static void test_fstype_compatible(void **state) {
        (void) state;

        assert_true(fstype_compatible("ext3", "ext4"));
        assert_true(fstype_compatible("ext4", "ext3"));
        assert_true(fstype_compatible("ext2", "ext4"));
        assert_true(fstype_compatible("ext4", "ext4"));
        assert_true(fstype_compatible("swap", "swap"));
        assert_true(fstype_compatible("xfs", "xfs"));
        assert_false(fstype_compatible("ext4", "xfs"));
        assert_false(fstype_compatible("xfs", "ext4"));
        assert_false(fstype_compatible("ext4", "swap"));
        assert_false(fstype_compatible("vfat", "ext4"));
        assert_false(fstype_compatible("ext4", "ext4dev"));
        assert_false(fstype_compatible("ext", "ext4"));
        assert_false(fstype_compatible("ext4", "EXT4"));
        /* Unknown on either side: nothing to contradict. */
        assert_true(fstype_compatible(NULL, "ext4"));
        assert_true(fstype_compatible("ext4", NULL));
}

static void test_method_names(void **state) {
        (void) state;

        assert_string_equal(map_method_to_string(MAP_METHOD_UUID), "uuid");
        assert_string_equal(map_method_to_string(MAP_METHOD_LABEL), "label");
        assert_string_equal(map_method_to_string(MAP_METHOD_PARTUUID), "partuuid");
        assert_string_equal(map_method_to_string(MAP_METHOD_PTUUID), "ptuuid");
        assert_string_equal(map_method_to_string(MAP_METHOD_ORDER), "order");
        assert_null(map_method_to_string(_MAP_METHOD_MAX));
        assert_null(map_method_to_string((MapMethod) -1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_uuid),
                cmocka_unit_test(test_label),
                cmocka_unit_test(test_partuuid),
                cmocka_unit_test(test_uuid_before_label),
                cmocka_unit_test(test_uuid_gone_label_present),
                cmocka_unit_test(test_type_mismatch),
                cmocka_unit_test(test_type_mismatch_label),
                cmocka_unit_test(test_ext_family),
                cmocka_unit_test(test_cloned_disk),
                cmocka_unit_test(test_cloned_disk_three),
                cmocka_unit_test(test_cloned_unreferenced),
                cmocka_unit_test(test_cloned_old_side),
                cmocka_unit_test(test_missing),
                cmocka_unit_test(test_missing_unreferenced),
                cmocka_unit_test(test_errors_and_warnings),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_snapshot_beats_order),
                cmocka_unit_test(test_order_collides_with_identity),
                cmocka_unit_test(test_order_ignores_identified_sibling),
                cmocka_unit_test(test_order_gap),
                cmocka_unit_test(test_order_counts_identified_disks),
                cmocka_unit_test(test_order_rhel6),
                cmocka_unit_test(test_order_two_letters),
                cmocka_unit_test(test_order_xvdaa_beside_xvda),
                cmocka_unit_test(test_order_partitions_as_disks),
                cmocka_unit_test(test_order_partitions_as_disks_mixed),
                cmocka_unit_test(test_order_partitioned),
                cmocka_unit_test(test_order_confirmed_by_sibling),
                cmocka_unit_test(test_order_contradicted),
                cmocka_unit_test(test_order_contradicted_later),
                cmocka_unit_test(test_order_unconfirmed),
                cmocka_unit_test(test_order_no_disk_left),
                cmocka_unit_test(test_order_no_partition),
                cmocka_unit_test(test_order_fewer_errors_reported),
                cmocka_unit_test(test_order_virtio_blk),
                cmocka_unit_test(test_order_target_without_type),
                cmocka_unit_test(test_order_split_onto_blank_disks),
                cmocka_unit_test(test_partition_ten_identity),
                cmocka_unit_test(test_partition_ten_order),
                cmocka_unit_test(test_fstype_compatible),
                cmocka_unit_test(test_method_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
