/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <cmocka.h>

#include "inventory.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-inventory-XXXXXX";
static char *fixtures;

#define MiB (UINT64_C(1024) * 1024)

static void run(const char *fmt, ...) _printf_(1, 2);
/* Run a shell command, its chatter kept in a log that is shown only when it fails. */
static void run(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *full = NULL, *log = NULL;
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(n > 0);
        assert_true(asprintf(&full, "(%s\n) >'%s/run.log' 2>&1", cmd, tmpdir) > 0);
        r = system(full);
        if (r != 0) {
                _cleanup_free_ char *path = NULL;

                assert_true(asprintf(&path, "%s/run.log", tmpdir) > 0);
                (void) read_full_at(AT_FDCWD, path, &log, NULL);
                print_error("command failed (%d): %s\n%s", r, cmd, strempty(log));
        }
        assert_int_equal(r, 0);
}

/* A fresh folder below the test's temporary folder. */
static char *make_dir(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        assert_int_equal(mkdir(p, 0755), 0);
        return p;
}

static char *tmp_path(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        return p;
}

static int open_dir(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static char *read_text(const char *path) {
        char *s = NULL;

        assert_int_equal(read_full_at(AT_FDCWD, path, &s, NULL), 0);
        return s;
}

static void write_text(int dirfd, const char *path, const char *text) {
        assert_int_equal(write_file_atomic_at(dirfd, path, text, strlen(text), 0644), 0);
}

/* Assert each field of @d, NULL meaning absent. */
static void assert_device(const Device *d, const char *name, const char *path, const char *type,
        const char *uuid, const char *label, const char *partuuid, const char *partlabel, const char *ptuuid,
        uint64_t size, bool partition, DeviceSource source) {
        assert_non_null(d);
        assert_string_equal(d->name, name);
#define ASSERT_FIELD(field, want)                                                                           \
        do {                                                                                                \
                if (want)                                                                                   \
                        assert_string_equal(d->field, want);                                                \
                else if (d->field)                                                                          \
                        fail_msg("%s: unexpected " #field " \"%s\"", name, d->field);                       \
        } while (0)
        ASSERT_FIELD(path, path);
        ASSERT_FIELD(type, type);
        ASSERT_FIELD(uuid, uuid);
        ASSERT_FIELD(label, label);
        ASSERT_FIELD(partuuid, partuuid);
        ASSERT_FIELD(partlabel, partlabel);
        ASSERT_FIELD(ptuuid, ptuuid);
#undef ASSERT_FIELD
        assert_int_equal(d->size, size);
        assert_int_equal(d->partition, partition);
        assert_int_equal(d->source, source);
}

/* mkfs a @size_sectors file with @mkfs (the file name is appended) and put it into @disk at @start. */
static void fs_into_disk(const char *disk, uint64_t start, uint64_t size_sectors, const char *mkfs) {
        _cleanup_free_ char *part = tmp_path("part.img");

        run("rm -f '%s' && truncate -s %" PRIu64 " '%s'", part, size_sectors * 512, part);
        run("%s '%s'", mkfs, part);
        run("dd if='%s' of='%s' bs=512 seek=%" PRIu64 " conv=notrunc,sparse status=none", part, disk, start);
        run("rm -f '%s'", part);
}

/* Basic operations */

static void test_add_first_wins(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        Device d = { .source = DEVICE_SOURCE_PROBE };

        (void) state;

        d.name = strdup("sda1");
        d.uuid = strdup("aaaa");
        assert_int_equal(inventory_add(&inv, &d), 0);
        /* Taken over: *d is empty now. */
        assert_null(d.name);
        assert_null(d.uuid);

        d = (Device){ .name = strdup("sda1"), .uuid = strdup("bbbb"), .source = DEVICE_SOURCE_SNAPSHOT };
        assert_int_equal(inventory_add(&inv, &d), 0);
        assert_null(d.name);
        assert_int_equal(inv.n, 1);
        assert_string_equal(inv.devices[0].uuid, "aaaa");
        assert_int_equal(inv.devices[0].source, DEVICE_SOURCE_PROBE);

        d = (Device){ .name = strdup("sda2"), .source = DEVICE_SOURCE_CONFIG };
        assert_int_equal(inventory_add(&inv, &d), 0);
        assert_int_equal(inv.n, 2);
        assert_string_equal(inv.devices[1].name, "sda2");

        d = (Device){ .uuid = strdup("cccc") };
        assert_int_equal(inventory_add(&inv, &d), -EINVAL);
        assert_null(d.uuid);
        assert_int_equal(inv.n, 2);
}

static void test_find(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        Device d = { .name = strdup("xvda1") };

        (void) state;

        assert_null(inventory_find(&inv, "xvda1"));
        assert_int_equal(inventory_add(&inv, &d), 0);
        d = (Device){ .name = strdup("xvda10") };
        assert_int_equal(inventory_add(&inv, &d), 0);

        assert_ptr_equal(inventory_find(&inv, "xvda1"), &inv.devices[0]);
        assert_ptr_equal(inventory_find(&inv, "/dev/xvda1"), &inv.devices[0]);
        assert_ptr_equal(inventory_find(&inv, "/dev/xvda10"), &inv.devices[1]);
        assert_null(inventory_find(&inv, "xvda"));
        assert_null(inventory_find(&inv, "/dev/xvda"));
        assert_null(inventory_find(&inv, "dev/xvda1"));
        assert_null(inventory_find(&inv, NULL));
}

static void test_source_to_string(void **state) {
        (void) state;

        assert_string_equal(device_source_to_string(DEVICE_SOURCE_PROBE), "probe");
        assert_string_equal(device_source_to_string(DEVICE_SOURCE_SNAPSHOT), "snapshot");
        assert_string_equal(device_source_to_string(DEVICE_SOURCE_BLKID_CACHE), "blkid-cache");
        assert_string_equal(device_source_to_string(DEVICE_SOURCE_CONFIG), "config");
        assert_null(device_source_to_string(_DEVICE_SOURCE_MAX));
        assert_null(device_source_to_string((DeviceSource) -1));
}

/* Probing real filesystems in image files */

static void test_probe_ext4(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("ext4.img");

        (void) state;

        run("truncate -s 64M '%s'", img);
        run("mkfs.ext4 -q -F -U 0d1c4f6e-1111-4222-8333-444455556666 -L rootfs '%s'", img);

        assert_int_equal(inventory_probe_path(&inv, "xvda", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "xvda", img, "ext4", "0d1c4f6e-1111-4222-8333-444455556666", "rootfs",
                NULL, NULL, NULL, 64 * MiB, false, DEVICE_SOURCE_PROBE);
        assert_null(inv.devices[0].links);

        /* A second probe under the same name does not replace the first. */
        assert_int_equal(inventory_probe_path(&inv, "/dev/xvda", img), 0);
        assert_int_equal(inv.n, 1);
}

static void test_probe_swap(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("swap.img");

        (void) state;

        run("truncate -s 16M '%s'", img);
        run("mkswap -U 9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f -L swap0 '%s'", img);

        /* A leading "/dev/" is not part of the name. */
        assert_int_equal(inventory_probe_path(&inv, "/dev/sdb", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "sdb", img, "swap", "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", "swap0",
                NULL, NULL, NULL, 16 * MiB, false, DEVICE_SOURCE_PROBE);
}

static void test_probe_xfs(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("xfs.img");

        (void) state;

        run("truncate -s 300M '%s'", img);
        run("mkfs.xfs -q -f -m uuid=7c7c7c7c-0000-4111-8222-333344445555 -L data '%s'", img);

        assert_int_equal(inventory_probe_path(&inv, "sdc", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "sdc", img, "xfs", "7c7c7c7c-0000-4111-8222-333344445555", "data",
                NULL, NULL, NULL, 300 * MiB, false, DEVICE_SOURCE_PROBE);
        run("rm -f '%s'", img);
}

static void test_probe_vfat(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("vfat.img");

        (void) state;

        run("truncate -s 32M '%s'", img);
        run("mkfs.vfat -i 1234ABCD -n BOOT '%s'", img);

        assert_int_equal(inventory_probe_path(&inv, "vda", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "vda", img, "vfat", "1234-ABCD", "BOOT", NULL, NULL, NULL, 32 * MiB,
                false, DEVICE_SOURCE_PROBE);
}

static void make_gpt_disk(const char *img) {
        run("truncate -s 64M '%s'", img);
        run("sfdisk -q '%s' <<'EOF'\n"
            "label: gpt\n"
            "label-id: 11111111-2222-3333-4444-555555555555\n"
            "start=2048, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, "
            "uuid=AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE, name=\"root part\"\n"
            "start=43008, size=20480, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, "
            "uuid=12345678-1234-1234-1234-123456789ABC, name=swap\n"
            "EOF",
                img);
        fs_into_disk(img, 2048, 40960, "mkfs.ext4 -q -F -U 3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14 -L root");
        fs_into_disk(img, 43008, 20480, "mkswap -U c1d2e3f4-a5b6-4789-8abc-def012345678");
}

static void test_probe_gpt(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("gpt.img");

        (void) state;

        make_gpt_disk(img);

        assert_int_equal(inventory_probe_path(&inv, "sda", img), 0);
        assert_int_equal(inv.n, 3);
        assert_device(&inv.devices[0], "sda", img, NULL, NULL, NULL, NULL, NULL,
                "11111111-2222-3333-4444-555555555555", 64 * MiB, false, DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[1], "sda1", img, "ext4", "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14", "root",
                "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "root part", NULL, 40960 * 512, true,
                DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[2], "sda2", img, "swap", "c1d2e3f4-a5b6-4789-8abc-def012345678", NULL,
                "12345678-1234-1234-1234-123456789abc", "swap", NULL, 20480 * 512, true,
                DEVICE_SOURCE_PROBE);
}

static void test_probe_partition_names(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("gpt2.img");

        (void) state;

        make_gpt_disk(img);

        /* A disk name ending in a digit gets "p" before the number, as the kernel does. */
        assert_int_equal(inventory_probe_path(&inv, "nvme0n1", img), 0);
        assert_int_equal(inv.n, 3);
        assert_string_equal(inv.devices[0].name, "nvme0n1");
        assert_string_equal(inv.devices[1].name, "nvme0n1p1");
        assert_string_equal(inv.devices[2].name, "nvme0n1p2");

        /* Partition 1 of xvda is xvda1, never confused with the xvda10 of another disk. */
        assert_int_equal(inventory_probe_path(&inv, "xvda", img), 0);
        assert_int_equal(inv.n, 6);
        assert_string_equal(inv.devices[4].name, "xvda1");
        assert_string_equal(inv.devices[5].name, "xvda2");
}

static void test_probe_dos(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("dos.img");

        (void) state;

        run("truncate -s 64M '%s'", img);
        run("sfdisk -q '%s' <<'EOF'\n"
            "label: dos\n"
            "label-id: 0x12345678\n"
            "start=2048, size=40960, type=83\n"
            "start=43008, size=81920, type=5\n"
            "start=45056, size=20480, type=82\n"
            "start=67584, size=20480, type=c\n"
            "EOF",
                img);
        fs_into_disk(img, 2048, 40960, "mkfs.ext4 -q -F -U 5a5a5a5a-0000-4111-8222-333344445555 -L boot");
        fs_into_disk(img, 45056, 20480, "mkswap -U 6b6b6b6b-0000-4111-8222-333344445555 -L swap");
        fs_into_disk(img, 67584, 20480, "mkfs.vfat -i 0BADCAFE -n SHARED");

        assert_int_equal(inventory_probe_path(&inv, "sda", img), 0);
        assert_int_equal(inv.n, 5);
        assert_device(&inv.devices[0], "sda", img, NULL, NULL, NULL, NULL, NULL, "12345678", 64 * MiB, false,
                DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[1], "sda1", img, "ext4", "5a5a5a5a-0000-4111-8222-333344445555", "boot",
                "12345678-01", NULL, NULL, 40960 * 512, true, DEVICE_SOURCE_PROBE);
        /* The extended container is listed (the kernel makes a node for it) but holds no filesystem. */
        assert_device(&inv.devices[2], "sda2", img, NULL, NULL, NULL, "12345678-02", NULL, NULL, 81920 * 512,
                true, DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[3], "sda5", img, "swap", "6b6b6b6b-0000-4111-8222-333344445555", "swap",
                "12345678-05", NULL, NULL, 20480 * 512, true, DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[4], "sda6", img, "vfat", "0BAD-CAFE", "SHARED", "12345678-06", NULL, NULL,
                20480 * 512, true, DEVICE_SOURCE_PROBE);
}

static void test_probe_empty(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("empty.img");

        (void) state;

        run("truncate -s 8M '%s'", img);
        assert_int_equal(inventory_probe_path(&inv, "sdd", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "sdd", img, NULL, NULL, NULL, NULL, NULL, NULL, 8 * MiB, false,
                DEVICE_SOURCE_PROBE);
}

static void test_probe_ambivalent(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *img = tmp_path("twofs.img");
        _cleanup_free_ char *xfs = tmp_path("xfs-sb.img");

        (void) state;

        /* An xfs superblock (sector 0) over an ext4 one (offset 1024): libblkid will not choose. */
        run("truncate -s 20M '%s'", img);
        run("mkfs.ext4 -q -F -U 0d1c4f6e-1111-4222-8333-444455556666 '%s'", img);
        run("truncate -s 300M '%s'", xfs);
        run("mkfs.xfs -q -f '%s'", xfs);
        run("dd if='%s' of='%s' bs=512 count=1 conv=notrunc status=none", xfs, img);
        run("rm -f '%s'", xfs);

        assert_int_equal(inventory_probe_path(&inv, "sde", img), 0);
        assert_int_equal(inv.n, 1);
        assert_device(&inv.devices[0], "sde", img, NULL, NULL, NULL, NULL, NULL, NULL, 20 * MiB, false,
                DEVICE_SOURCE_PROBE);
}

static void test_probe_errors(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *missing = tmp_path("missing.img");

        (void) state;

        assert_int_equal(inventory_probe_path(&inv, "sda", missing), -ENOENT);
        assert_int_equal(inventory_probe_path(&inv, "sda", tmpdir), -ENOTBLK);
        assert_int_equal(inventory_probe_path(&inv, "", "/dev/null"), -EINVAL);
        assert_int_equal(inv.n, 0);
}

/* libudev enumeration, on this machine */

static void test_probe_udev(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *size = NULL;

        (void) state;

        assert_int_equal(inventory_probe_udev(&inv), 0);
        for (size_t i = 0; i < inv.n; i++) {
                const Device *d = &inv.devices[i];

                assert_false(isempty(d->name));
                assert_non_null(d->path);
                assert_non_null(startswith(d->path, "/dev/"));
                assert_int_equal(d->source, DEVICE_SOURCE_PROBE);
                assert_true(d->size > 0);
                assert_null(startswith(d->name, "loop"));
                assert_null(startswith(d->name, "zram"));
                assert_null(startswith(d->name, "ram"));
                assert_null(startswith(d->name, "dm-"));
                assert_null(startswith(d->name, "sr"));
                for (char **l = d->links; l && *l; l++)
                        assert_true(
                                startswith(*l, "/dev/disk/by-id/") || startswith(*l, "/dev/disk/by-path/"));
        }

        /* The disk this machine has, with the size sysfs gives. */
        if (read_line_at(AT_FDCWD, "/sys/class/block/vda/size", &size) >= 0) {
                const Device *d = inventory_find(&inv, "vda");

                assert_non_null(d);
                assert_string_equal(d->path, "/dev/vda");
                assert_false(d->partition);
                assert_int_equal(d->size, strtoull(size, NULL, 10) * 512);
        } else
                print_message("no /sys/class/block/vda here; only the generic checks ran\n");
}

/* The snapshot */

static const char snapshot_expected[] =
        "# kvmigrate inventory snapshot, written by migratectl arm\n"
        "name=xvda ptuuid=11111111-2222-3333-4444-555555555555 size=67108864 "
        "link=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001 link=/dev/disk/by-path/xen-vbd-51712\n"
        "name=xvda1 type=ext4 uuid=3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14 label=my\\x20root\\x20fs "
        "partuuid=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee partlabel=a\\x3db\\x5cc size=20971520 partition=1\n"
        "name=xvdb\n";

static void build_snapshot_inventory(Inventory *inv) {
        Device d = {
                .name = strdup("xvda"),
                .path = strdup("/dev/xvda"),
                .ptuuid = strdup("11111111-2222-3333-4444-555555555555"),
                .size = 64 * MiB,
                .source = DEVICE_SOURCE_PROBE,
        };
        size_t n = 0;

        assert_int_equal(strv_push(&d.links, &n, strdup("/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001")), 0);
        assert_int_equal(strv_push(&d.links, &n, strdup("/dev/disk/by-path/xen-vbd-51712")), 0);
        assert_int_equal(inventory_add(inv, &d), 0);

        d = (Device){
                .name = strdup("xvda1"),
                .path = strdup("/dev/xvda1"),
                .type = strdup("ext4"),
                .uuid = strdup("3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14"),
                .label = strdup("my root fs"),
                .partuuid = strdup("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
                .partlabel = strdup("a=b\\c"),
                .size = 20 * MiB,
                .partition = true,
                .source = DEVICE_SOURCE_BLKID_CACHE,
        };
        assert_int_equal(inventory_add(inv, &d), 0);

        d = (Device){ .name = strdup("xvdb") };
        assert_int_equal(inventory_add(inv, &d), 0);
}

static void test_snapshot_round_trip(void **state) {
        _cleanup_(inventory_done) Inventory inv = {}, back = {};
        _cleanup_free_ char *root = make_dir("snap-root"), *file = NULL, *text = NULL;
        _cleanup_close_ int rootfd = open_dir(root);
        struct stat st;

        (void) state;

        build_snapshot_inventory(&inv);
        assert_int_equal(inventory_save_snapshot(rootfd, &inv), 0);

        assert_true(asprintf(&file, "%s/var/lib/kvmigrate/snapshot", root) > 0);
        text = read_text(file);
        assert_string_equal(text, snapshot_expected);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);

        assert_int_equal(inventory_load_snapshot(rootfd, &back), 0);
        assert_int_equal(back.n, 3);
        assert_device(&back.devices[0], "xvda", NULL, NULL, NULL, NULL, NULL, NULL,
                "11111111-2222-3333-4444-555555555555", 64 * MiB, false, DEVICE_SOURCE_SNAPSHOT);
        assert_int_equal(strv_length(back.devices[0].links), 2);
        assert_string_equal(back.devices[0].links[0], "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001");
        assert_string_equal(back.devices[0].links[1], "/dev/disk/by-path/xen-vbd-51712");
        assert_device(&back.devices[1], "xvda1", NULL, "ext4", "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14",
                "my root fs", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "a=b\\c", NULL, 20 * MiB, true,
                DEVICE_SOURCE_SNAPSHOT);
        assert_null(back.devices[1].links);
        assert_device(&back.devices[2], "xvdb", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false,
                DEVICE_SOURCE_SNAPSHOT);

        /* Saving what was loaded gives the same bytes. */
        assert_int_equal(inventory_save_snapshot(rootfd, &back), 0);
        free(text);
        text = read_text(file);
        assert_string_equal(text, snapshot_expected);
}

static void test_snapshot_lenient(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("snap-lenient");
        _cleanup_close_ int rootfd = open_dir(root);
        Device d = { .name = strdup("xvdb"), .uuid = strdup("probed"), .source = DEVICE_SOURCE_PROBE };

        (void) state;

        assert_int_equal(mkdir_p_at(rootfd, "var/lib/kvmigrate", 0755), 0);
        write_text(rootfd, "var/lib/kvmigrate/snapshot",
                "# kvmigrate inventory snapshot, written by migratectl arm\n"
                "\n"
                "   # an indented comment\n"
                "name=xvda1 type=ext4 future=something flag uuid=u1\n"
                "\t\n"
                "name=xvdb uuid=fromsnapshot\n"
                "name=xvdc partition=0 size=0 label=");
        assert_int_equal(inventory_add(&inv, &d), 0);

        assert_int_equal(inventory_load_snapshot(rootfd, &inv), 0);
        assert_int_equal(inv.n, 3);
        /* What was there first stays. */
        assert_device(&inv.devices[0], "xvdb", NULL, NULL, "probed", NULL, NULL, NULL, NULL, 0, false,
                DEVICE_SOURCE_PROBE);
        assert_device(&inv.devices[1], "xvda1", NULL, "ext4", "u1", NULL, NULL, NULL, NULL, 0, false,
                DEVICE_SOURCE_SNAPSHOT);
        /* An empty value is an empty string, not an absent one; the last line needs no newline. */
        assert_device(&inv.devices[2], "xvdc", NULL, NULL, NULL, "", NULL, NULL, NULL, 0, false,
                DEVICE_SOURCE_SNAPSHOT);
}

static void test_snapshot_malformed(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("snap-bad");
        _cleanup_close_ int rootfd = open_dir(root);
        static const char *const bad[] = {
                "# header\nname=xvda1 type=ext4\ntype=ext4 uuid=1234\n",
                "name=xvda1\nname= type=swap\n",
                "name=xvda1 size=12k\n",
                "name=xvda1 size=-1\n",
                "name=xvda1 partition=yes\n",
                /* Issue 10: one device twice (which UUID is it?), a name that is no device, a key twice. */
                "name=xvda uuid=1111\nname=xvdb uuid=2222\nname=xvda uuid=3333\n",
                "name=xvda uuid=1111\nname=xvda uuid=1111\n",
                "name=xvdb/../../../tmp/evil uuid=1111\n",
                "name=.. uuid=1111\n",
                "name=xvda\\x22 uuid=1111\n",
                "name=xvda uuid=1111 uuid=2222\n",
        };

        (void) state;

        assert_int_equal(mkdir_p_at(rootfd, "var/lib/kvmigrate", 0755), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_text(rootfd, "var/lib/kvmigrate/snapshot", bad[i]);
                assert_int_equal(inventory_load_snapshot(rootfd, &inv), -EBADMSG);
                /* Nothing of a malformed file is taken, not even its good lines. */
                assert_int_equal(inv.n, 0);
        }
}

static void test_snapshot_missing(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("snap-none");
        _cleanup_close_ int rootfd = open_dir(root);

        (void) state;

        assert_int_equal(inventory_load_snapshot(rootfd, &inv), -ENOENT);
        assert_int_equal(inv.n, 0);
}

/* Issue 10: a link, FIFO or folder as the snapshot is refused at once, with the path named. */
static void test_snapshot_hostile(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("snap-hostile"), *outside = make_dir("snap-hostile-host");
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int rootfd = open_dir(root), ofd = open_dir(outside);
        int r;

        (void) state;

        write_text(ofd, "snapshot", "name=xvda uuid=from-the-host\n");
        assert_int_equal(mkdir_p_at(rootfd, "var/lib/kvmigrate", 0755), 0);
        assert_true(asprintf(&target, "%s/snapshot", outside) > 0);
        assert_int_equal(symlinkat(target, rootfd, "var/lib/kvmigrate/snapshot"), 0);
        assert_int_equal(inventory_load_snapshot(rootfd, &inv), -ELOOP);
        assert_int_equal(unlinkat(rootfd, "var/lib/kvmigrate/snapshot", 0), 0);

        assert_int_equal(mkfifoat(rootfd, "var/lib/kvmigrate/snapshot", 0600), 0);
        assert_int_equal(inventory_load_snapshot(rootfd, &inv), -EBADFD);
        /* arm replaces it with a regular file (renamed over, never opened for writing). */
        assert_int_equal(inventory_save_snapshot(rootfd, &inv), 0);
        assert_int_equal(inventory_load_snapshot(rootfd, &inv), 0);
        assert_int_equal(unlinkat(rootfd, "var/lib/kvmigrate/snapshot", 0), 0);

        assert_int_equal(mkdirat(rootfd, "var/lib/kvmigrate/snapshot", 0700), 0);
        assert_int_equal(inventory_load_snapshot(rootfd, &inv), -EISDIR);
        r = inventory_save_snapshot(rootfd, &inv);
        assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
        assert_int_equal(inv.n, 0);
}

/* The legacy blkid cache */

/* Everything below @dir, as "name size mtime" lines, to see that nothing changed. */
static char *tree_listing(const char *dir) {
        char *s = NULL;
        _cleanup_free_ char *out = tmp_path("listing.txt");

        run("cd '%s' && find . -printf '%%p %%s %%T@ %%m\\n' | sort > '%s'", dir, out);
        s = read_text(out);
        return s;
}

/* Copy fixture @name to a fresh root, load its cache; the tree must be untouched afterwards. */
static int load_fixture_cache(const char *name, Inventory *inv) {
        _cleanup_free_ char *root = make_dir(name), *before = NULL, *after = NULL;
        _cleanup_close_ int rootfd = -1;
        int r;

        run("cp -a '%s/%s/.' '%s/'", fixtures, name, root);
        before = tree_listing(root);
        run("cd '%s' && find . -type f -exec sha256sum {} + | sort > '%s/%s.sha256'", root, tmpdir, name);

        rootfd = open_dir(root);
        r = inventory_load_blkid_cache(rootfd, inv);

        after = tree_listing(root);
        assert_string_equal(after, before);
        run("cd '%s' && sha256sum --quiet -c '%s/%s.sha256'", root, tmpdir, name);
        return r;
}

static void test_blkid_cache_debian(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};

        (void) state;

        assert_int_equal(load_fixture_cache("debian", &inv), 0);
        assert_int_equal(inv.n, 2);
        assert_device(&inv.devices[0], "xvda1", NULL, "ext4", "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14", "root",
                NULL, NULL, NULL, 0, true, DEVICE_SOURCE_BLKID_CACHE);
        assert_device(&inv.devices[1], "xvdb", NULL, "swap", "9b1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", NULL,
                NULL, NULL, NULL, 0, false, DEVICE_SOURCE_BLKID_CACHE);
}

static void test_blkid_cache_centos(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};

        (void) state;

        /* Only /etc/blkid/blkid.tab there: the fallback. */
        assert_int_equal(load_fixture_cache("centos", &inv), 0);
        assert_int_equal(inv.n, 2);
        assert_device(&inv.devices[0], "xvde1", NULL, "ext3", "6e2c0d9a-51f4-4c0b-9d3e-7f81a2b4c5d6", "/",
                NULL, NULL, NULL, 0, true, DEVICE_SOURCE_BLKID_CACHE);
        assert_device(&inv.devices[1], "xvde2", NULL, "swap", "c1d2e3f4-a5b6-4789-8abc-def012345678",
                "SWAP-xvde2", NULL, NULL, NULL, 0, true, DEVICE_SOURCE_BLKID_CACHE);
}

static void test_blkid_cache_mixed(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};

        (void) state;

        /*
         * The host's sda1, mapper and dm nodes, an entry without TYPE, a
         * non-xvd path, a garbage line and a broken quote are left out; a
         * continued line is joined; of two xvda1 entries the first counts.
         */
        assert_int_equal(load_fixture_cache("mixed", &inv), 0);
        assert_int_equal(inv.n, 3);
        assert_device(&inv.devices[0], "xvda1", NULL, "ext4", "5a5a5a5a-0000-4111-8222-333344445555", "root",
                NULL, NULL, NULL, 0, true, DEVICE_SOURCE_BLKID_CACHE);
        assert_device(&inv.devices[1], "xvda2", NULL, "swap", "6b6b6b6b-0000-4111-8222-333344445555", NULL,
                NULL, NULL, NULL, 0, true, DEVICE_SOURCE_BLKID_CACHE);
        assert_device(&inv.devices[2], "xvdc", NULL, "xfs", "7c7c7c7c-0000-4111-8222-333344445555",
                "data disk", NULL, NULL, NULL, 0, false, DEVICE_SOURCE_BLKID_CACHE);
}

static void test_blkid_cache_preference(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("cache-both");
        _cleanup_close_ int rootfd = -1;

        (void) state;

        /* With both files, /etc/blkid.tab is read and the other not. */
        run("cp -a '%s/centos/.' '%s/' && cp '%s/debian/etc/blkid.tab' '%s/etc/'", fixtures, root, fixtures,
                root);
        rootfd = open_dir(root);
        assert_int_equal(inventory_load_blkid_cache(rootfd, &inv), 0);
        assert_int_equal(inv.n, 2);
        assert_string_equal(inv.devices[0].name, "xvda1");
        assert_string_equal(inv.devices[1].name, "xvdb");
}

static void test_blkid_cache_symlink_in_root(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("cache-link"), *link = NULL;
        _cleanup_close_ int rootfd = -1;

        (void) state;

        /* An absolute link means the guest's file, not the host's (which has none). */
        run("mkdir -p '%s/etc/old' && cp '%s/debian/etc/blkid.tab' '%s/etc/old/kvmigrate-test-blkid.tab'",
                root, fixtures, root);
        assert_true(asprintf(&link, "%s/etc/blkid.tab", root) > 0);
        assert_int_equal(symlink("/etc/old/kvmigrate-test-blkid.tab", link), 0);

        rootfd = open_dir(root);
        assert_int_equal(inventory_load_blkid_cache(rootfd, &inv), 0);
        assert_int_equal(inv.n, 2);
        assert_string_equal(inv.devices[0].name, "xvda1");
        assert_string_equal(inv.devices[0].uuid, "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14");
}

static void test_blkid_cache_missing(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *root = make_dir("cache-none");
        _cleanup_close_ int rootfd = open_dir(root);

        (void) state;

        assert_int_equal(inventory_load_blkid_cache(rootfd, &inv), -ENOENT);
        assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
        assert_int_equal(inventory_load_blkid_cache(rootfd, &inv), -ENOENT);
        assert_int_equal(inv.n, 0);
}

/* Setup */

static int setup(void **state) {
        char exe[PATH_MAX];
        ssize_t n;

        (void) state;

        if (!mkdtemp(tmpdir))
                return -1;

        /* The fixtures are found from the binary (build/ or build-asan/), whatever the working folder. */
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
                return -1;
        exe[n] = 0;
        if (asprintf(&fixtures, "%s/../tests/fixtures/inventory", dirname(exe)) < 0)
                return -1;
        return access(fixtures, R_OK) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;

        (void) state;

        free(fixtures);
        if (asprintf(&cmd, "rm -rf -- '%s'", tmpdir) < 0)
                return -1;
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_first_wins),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_source_to_string),
                cmocka_unit_test(test_probe_ext4),
                cmocka_unit_test(test_probe_swap),
                cmocka_unit_test(test_probe_xfs),
                cmocka_unit_test(test_probe_vfat),
                cmocka_unit_test(test_probe_gpt),
                cmocka_unit_test(test_probe_partition_names),
                cmocka_unit_test(test_probe_dos),
                cmocka_unit_test(test_probe_empty),
                cmocka_unit_test(test_probe_ambivalent),
                cmocka_unit_test(test_probe_errors),
                cmocka_unit_test(test_probe_udev),
                cmocka_unit_test(test_snapshot_round_trip),
                cmocka_unit_test(test_snapshot_lenient),
                cmocka_unit_test(test_snapshot_malformed),
                cmocka_unit_test(test_snapshot_missing),
                cmocka_unit_test(test_blkid_cache_debian),
                cmocka_unit_test(test_blkid_cache_centos),
                cmocka_unit_test(test_blkid_cache_mixed),
                cmocka_unit_test(test_blkid_cache_preference),
                cmocka_unit_test(test_blkid_cache_symlink_in_root),
                cmocka_unit_test(test_blkid_cache_missing),
                cmocka_unit_test(test_snapshot_hostile),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
