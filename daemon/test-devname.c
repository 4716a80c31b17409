/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devname.h"
#include "util.h"

static void check_parse(const char *name, const char *prefix, unsigned disk, unsigned part) {
        DevName d = { .prefix = "junk", .disk = 999, .part = 999 };

        assert_int_equal(devname_parse(name, &d), 0);
        assert_string_equal(d.prefix, prefix);
        assert_int_equal(d.disk, disk);
        assert_int_equal(d.part, part);
}

static void test_parse(void **state) {
        (void) state;

        check_parse("xvda", "xvd", 0, 0);
        check_parse("/dev/xvda1", "xvd", 0, 1);
        check_parse("xvdz", "xvd", 25, 0);
        check_parse("xvdaa", "xvd", 26, 0);
        check_parse("xvdaz", "xvd", 51, 0);
        check_parse("xvdba", "xvd", 52, 0);
        check_parse("xvdzz", "xvd", 701, 0);
        check_parse("xvdaaa", "xvd", 702, 0);
        check_parse("xvda10", "xvd", 0, 10);
        check_parse("xvda1", "xvd", 0, 1);
        check_parse("sdaa1", "sd", 26, 1);
        check_parse("/dev/sdb", "sd", 1, 0);
        check_parse("vdc3", "vd", 2, 3);
        check_parse("hdd", "hd", 3, 0);
        check_parse("sda4294967295", "sd", 0, 4294967295u);
        /* Not "sd" + "vda": the prefix is read first, the rest are letters. */
        check_parse("sdvda", "sd", 14976, 0);
        /* The largest index an unsigned holds. */
        check_parse("sdmwlqkwv", "sd", 4294967295u, 0);
}

static void test_parse_null_ret(void **state) {
        (void) state;

        assert_int_equal(devname_parse("xvdb2", NULL), 0);
        assert_int_equal(devname_parse("xvd", NULL), -EINVAL);
}

static void test_parse_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "/dev/",
                "xvd",
                "/dev/xvd",
                "xvd1",
                "sda0",
                "sda01",
                "sda00",
                "XVDA",
                "Sda",
                "xvdA",
                "sda1x",
                "sda-1",
                "sda 1",
                "sda1 ",
                " sda",
                "sda+1",
                "dev/sda",
                "/dev//sda",
                "/sys/sda",
                "nvme0n1",
                "mmcblk0p1",
                "xvda1b",
                "sd",
                "s",
                "sda4294967296",
                "sda99999999999999999999",
                "sdmwlqkww",
                "sdzzzzzzzzzzzzzz",
                "loop0",
                "xvda\n",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                DevName d = {};

                if (devname_parse(bad[i], &d) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[i]);
        }
        assert_int_equal(devname_parse(NULL, NULL), -EINVAL);
}

static void test_kernel_name(void **state) {
        static const char *const good[] = {
                "xvda", "xvdaa", "xvda10", "sda", "vda", "hda1", "nvme0n1p1", "mmcblk0p2", "sdzzz",
                "abcdefghijklmnopqrstuvwxyz01234", /* DEVNAME_MAX */
        };
        static const char *const bad[] = {
                "", "1sda", "/dev/sda", "xvdb/../../../../tmp/evil", "..", ".", "sda\n", "sda\"",
                "xvda\"\nKERNEL==\"*\", RUN+=\"/bin/sh\"", "sd a", "sda ", "sda-1", "dm-0", "sda=", "sda*",
                "sd?", "sd[a]", "sd\\a", "sd\xc3\xa4", "\tsda",
                "abcdefghijklmnopqrstuvwxyz012345", /* one over */
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (!devname_is_kernel_name(good[i]))
                        fail_msg("\"%s\" was refused", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (devname_is_kernel_name(bad[i]))
                        fail_msg("\"%s\" was accepted", bad[i]);
        assert_false(devname_is_kernel_name(NULL));
}

static void check_format(const char *prefix, unsigned disk, unsigned part, const char *expected) {
        _cleanup_free_ char *s = devname_format(prefix, disk, part);

        assert_non_null(s);
        assert_string_equal(s, expected);
}

static void test_format(void **state) {
        (void) state;

        check_format("xvd", 0, 0, "xvda");
        check_format("xvd", 0, 1, "xvda1");
        check_format("xvd", 25, 0, "xvdz");
        check_format("xvd", 26, 0, "xvdaa");
        check_format("xvd", 51, 0, "xvdaz");
        check_format("xvd", 52, 0, "xvdba");
        check_format("xvd", 701, 0, "xvdzz");
        check_format("xvd", 702, 0, "xvdaaa");
        check_format("xvd", 0, 10, "xvda10");
        check_format("sd", 26, 1, "sdaa1");
        check_format("vd", 2, 3, "vdc3");
        check_format("sd", 4294967295u, 4294967295u, "sdmwlqkwv4294967295");
}

static void test_round_trip(void **state) {
        static const unsigned parts[] = { 0, 1, 9, 10, 15, 16, 255 };
        (void) state;

        for (unsigned disk = 0; disk < 20000; disk++)
                for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                        _cleanup_free_ char *s = devname_format(disk % 2 ? "sd" : "xvd", disk, parts[i]);
                        DevName d = {};

                        assert_non_null(s);
                        assert_int_equal(devname_parse(s, &d), 0);
                        assert_string_equal(d.prefix, disk % 2 ? "sd" : "xvd");
                        assert_int_equal(d.disk, disk);
                        assert_int_equal(d.part, parts[i]);
                }
}

static void test_xen_vbd(void **state) {
        (void) state;

        assert_int_equal(devname_xen_vbd(0), 51712);
        assert_int_equal(devname_xen_vbd(1), 51728);
        assert_int_equal(devname_xen_vbd(15), 51952);
        assert_int_equal(devname_xen_vbd(16), (1UL << 28) | (16UL << 8));
        assert_int_equal(devname_xen_vbd(16), 268439552);
        assert_int_equal(devname_xen_vbd(26), 268442112);
}

static void check_by_path(const char *path, const char *expected) {
        _cleanup_free_ char *s = NULL;

        assert_int_equal(devname_from_xen_by_path(path, &s), 0);
        assert_string_equal(s, expected);
}

static void test_xen_by_path(void **state) {
        (void) state;

        check_by_path("/dev/disk/by-path/xen-vbd-51712", "xvda");
        check_by_path("/dev/disk/by-path/xen-vbd-51712-part1", "xvda1");
        check_by_path("/dev/disk/by-path/xen-vbd-51728", "xvdb");
        check_by_path("/dev/disk/by-path/xen-vbd-51728-part15", "xvdb15");
        check_by_path("/dev/disk/by-path/xen-vbd-51952-part2", "xvdp2");
        /* A partition exported alone. */
        check_by_path("/dev/disk/by-path/xen-vbd-51713", "xvda1");
        check_by_path("/dev/disk/by-path/xen-vbd-51746", "xvdc2");
        /* The extended range. */
        check_by_path("/dev/disk/by-path/xen-vbd-268439552", "xvdq");
        check_by_path("/dev/disk/by-path/xen-vbd-268439552-part3", "xvdq3");
        check_by_path("/dev/disk/by-path/xen-vbd-268439553", "xvdq1");
        check_by_path("/dev/disk/by-path/xen-vbd-268442112", "xvdaa");
}

static void test_xen_by_path_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "xen-vbd-51712",
                "/dev/disk/by-path/xen-vbd-",
                "/dev/disk/by-path/xen-vbd-051712",
                "/dev/disk/by-path/xen-vbd-51712-part0",
                "/dev/disk/by-path/xen-vbd-51712-part01",
                "/dev/disk/by-path/xen-vbd-51712-part",
                "/dev/disk/by-path/xen-vbd-51712-partx",
                "/dev/disk/by-path/xen-vbd-51712-part1x",
                "/dev/disk/by-path/xen-vbd-51712x",
                "/dev/disk/by-path/xen-vbd-51712-",
                "/dev/disk/by-path/xen-vbd-51712-1",
                "/dev/disk/by-path/xen-vbd--51712",
                "/dev/disk/by-path/xen-vbd-+51712",
                /* Emulated SCSI and IDE majors, whose letters depend on the guest kernel. */
                "/dev/disk/by-path/xen-vbd-2048",
                "/dev/disk/by-path/xen-vbd-768",
                /* Partition of a partition. */
                "/dev/disk/by-path/xen-vbd-51713-part1",
                /* Above the 28-bit extended range. */
                "/dev/disk/by-path/xen-vbd-536870912",
                "/dev/disk/by-path/xen-vbd-99999999999999999999999",
                "/dev/disk/by-path/pci-0000:00:05.0",
                "/dev/disk/by-path/xen-vbd-51712/",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *s = NULL;

                if (devname_from_xen_by_path(bad[i], &s) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[i]);
                assert_null(s);
        }
}

static void test_xen_round_trip(void **state) {
        (void) state;

        for (unsigned disk = 0; disk < 2000; disk++) {
                char path[64];
                _cleanup_free_ char *s = NULL, *expected = devname_format("xvd", disk, 7);

                assert_non_null(expected);
                snprintf(path, sizeof path, "/dev/disk/by-path/xen-vbd-%lu-part7", devname_xen_vbd(disk));
                assert_int_equal(devname_from_xen_by_path(path, &s), 0);
                assert_string_equal(s, expected);
        }
}

/* Expected strings as printed by systemd 252's "systemd-escape --path". */
static const struct {
        const char *path;
        const char *escaped;
} escapes[] = {
        { "/dev/disk/by-uuid/0a1b-2c3d", "dev-disk-by\\x2duuid-0a1b\\x2d2c3d" },
        { "/dev/disk/by-label/My Data", "dev-disk-by\\x2dlabel-My\\x20Data" },
        { "/dev/disk/by-path/xen-vbd-51712-part1", "dev-disk-by\\x2dpath-xen\\x2dvbd\\x2d51712\\x2dpart1" },
        { "/dev/xvdb", "dev-xvdb" },
        { "/", "-" },
        { "/.hidden/a.b", "\\x2ehidden-a.b" },
        { "/a/\xc3\xa9", "a-\\xc3\\xa9" },
        { "/mnt/x_y:z", "mnt-x_y:z" },
        { "/a\\b", "a\\x5cb" },
        { "/-", "\\x2d" },
};

static void test_unit_name_from_path(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(escapes); i++) {
                _cleanup_free_ char *s = unit_name_from_path(escapes[i].path);

                assert_non_null(s);
                assert_string_equal(s, escapes[i].escaped);
        }
}

static void test_unit_name_from_path_simplifies(void **state) {
        static const struct {
                const char *path;
                const char *escaped;
        } cases[] = {
                { "//dev//xvdb/", "dev-xvdb" },
                { "///", "-" },
                { "/.", "-" },
                { "/a/./b", "a-b" },
                { "/./.a", "\\x2ea" },
                { "/a/.b", "a-.b" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = unit_name_from_path(cases[i].path);

                assert_non_null(s);
                assert_string_equal(s, cases[i].escaped);
        }
}

static void test_unit_name_to_path(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(escapes); i++) {
                _cleanup_free_ char *s = unit_name_to_path(escapes[i].escaped);

                assert_non_null(s);
                assert_string_equal(s, escapes[i].path);
        }

        {
                _cleanup_free_ char *s = unit_name_to_path("A\\x41");
                assert_non_null(s);
                assert_string_equal(s, "/AA");
        }
        {
                _cleanup_free_ char *s = unit_name_to_path(".a");
                assert_non_null(s);
                assert_string_equal(s, "/.a");
        }
        {
                /* Upper-case hex digits are read too. */
                _cleanup_free_ char *s = unit_name_to_path("a\\x2Db");
                assert_non_null(s);
                assert_string_equal(s, "/a-b");
        }
}

static void test_unit_name_to_path_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "a--b",
                "-a",
                "a-",
                "--",
                "\\x2e",
                "a-.",
                "a-..",
                "..",
                "a\\x2",
                "a\\x",
                "a\\",
                "a\\x2g",
                "a\\n",
                "a\\X41",
                "a\\x00b",
                "a b",
                "a/b",
                "a\\x2f",
                "a\\x2f\\x2fb",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *s = unit_name_to_path(bad[i]);

                if (s) {
                        free(s);
                        fail_msg("\"%s\" was accepted", bad[i]);
                }
        }
        assert_null(unit_name_to_path(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_null_ret),
                cmocka_unit_test(test_parse_invalid),
                cmocka_unit_test(test_kernel_name),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_xen_vbd),
                cmocka_unit_test(test_xen_by_path),
                cmocka_unit_test(test_xen_by_path_invalid),
                cmocka_unit_test(test_xen_round_trip),
                cmocka_unit_test(test_unit_name_from_path),
                cmocka_unit_test(test_unit_name_from_path_simplifies),
                cmocka_unit_test(test_unit_name_to_path),
                cmocka_unit_test(test_unit_name_to_path_invalid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
