/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect.h"
#include "fixture.h"
#include "util.h"

/* The CPU the tests pretend to run on: leaf 1 and up to two hypervisor leaves. */
static struct {
        bool hypervisor_bit;
        const char *base; /* signature at 0x40000000, NULL: no such leaf */
        const char *next; /* signature at 0x40000100 */
        unsigned calls;
} fake;

static void fake_cpu(bool hypervisor_bit, const char *base, const char *next) {
        fake.hypervisor_bit = hypervisor_bit;
        fake.base = base;
        fake.next = next;
        fake.calls = 0;
}

static bool fake_signature(const char *sig, uint32_t regs[4]) {
        char b[12] = {};

        if (!sig)
                return false;
        memcpy(b, sig, strnlen(sig, sizeof b));
        regs[0] = 0x40000001;
        memcpy(&regs[1], b, 4);
        memcpy(&regs[2], b + 4, 4);
        memcpy(&regs[3], b + 8, 4);
        return true;
}

static bool fake_cpuid(uint32_t leaf, uint32_t regs[4]) {
        fake.calls++;
        memset(regs, 0, 4 * sizeof(uint32_t));
        switch (leaf) {
        case 0x1:
                regs[2] = fake.hypervisor_bit ? 1u << 31 : 0;
                return true;
        case 0x40000000:
                return fake_signature(fake.base, regs);
        case 0x40000100:
                return fake_signature(fake.next, regs);
        }
        return false;
}

static int open_fixture(const char *name) {
        const char *srcdir = getenv("KVMIGRATE_SRCDIR") ?: ".";
        _cleanup_free_ char *path = NULL;
        int fd;

        assert_true(asprintf(&path, "%s/tests/fixtures/detect/%s", srcdir, name) >= 0);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                fail_msg("fixture %s: %s (run from the source tree or set KVMIGRATE_SRCDIR)", path,
                        strerror(errno));
        return fd;
}

/* Fields that detect_hypervisor() must not touch are preset to catch stray writes. */
static Detection detection_init(void) {
        Detection d = {
                .hypervisor = _HYPERVISOR_INVALID,
                .xen_dom0 = true,
                .disk_bus = DISK_BUS_OTHER,
                .net_driver = NET_DRIVER_OTHER,
        };

        strcpy(d.vendor, "stale");
        return d;
}

static void check_hypervisor(
        const char *fixture, CpuidFunc cpuid, Hypervisor expected, bool dom0, const char *vendor) {
        _cleanup_close_ int fd = open_fixture(fixture);
        Detection d = detection_init();

        assert_int_equal(detect_hypervisor(fd, cpuid, &d), 0);
        assert_string_equal(hypervisor_to_string(d.hypervisor), hypervisor_to_string(expected));
        assert_int_equal(d.xen_dom0, dom0);
        assert_string_equal(d.vendor, vendor);
        assert_int_equal(d.disk_bus, DISK_BUS_OTHER);
        assert_int_equal(d.net_driver, NET_DRIVER_OTHER);
}

static void check_mode(const char *fixture, const char *expected) {
        _cleanup_close_ int fd = open_fixture(fixture);
        _cleanup_free_ char *s = NULL;
        Detection d = detection_init();

        assert_int_equal(detect_mode(fd, &d), 0);
        s = detection_mode_string(&d);
        assert_non_null(s);
        assert_string_equal(s, expected);
        /* The hypervisor fields are detect_hypervisor()'s. */
        assert_int_equal(d.hypervisor, _HYPERVISOR_INVALID);
        assert_string_equal(d.vendor, "stale");
}

static void test_xen_domu(void **state) {
        (void) state;
        check_hypervisor("xen-domu", NULL, HYPERVISOR_XEN, false, "");
}

static void test_xen_dom0(void **state) {
        (void) state;
        check_hypervisor("xen-dom0", NULL, HYPERVISOR_XEN, true, "");
}

static void test_xen_wins_over_kvm_cpuid(void **state) {
        (void) state;
        fake_cpu(true, "KVMKVMKVM", NULL);
        check_hypervisor("xen-domu", fake_cpuid, HYPERVISOR_XEN, false, "");
}

static void test_kvm_by_cpuid(void **state) {
        (void) state;
        fake_cpu(true, "KVMKVMKVM", NULL);
        /* DMI there says plain QEMU: CPUID comes first. */
        check_hypervisor("kvm-virtio-scsi", fake_cpuid, HYPERVISOR_KVM, false, "");
        assert_int_equal(fake.calls, 2);
}

static void test_qemu_tcg_by_cpuid(void **state) {
        (void) state;
        fake_cpu(true, "TCGTCGTCGTCG", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_QEMU, false, "");
}

static void test_xen_hvm_by_cpuid(void **state) {
        (void) state;
        fake_cpu(true, "XenVMMXenVMM", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_XEN, false, "");
}

static void test_cpuid_without_hypervisor_bit(void **state) {
        (void) state;
        /* The leaf must not be trusted without the bit: the DMI of the bare machine decides. */
        fake_cpu(false, "KVMKVMKVM", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_NONE, false, "");
        assert_int_equal(fake.calls, 1);
}

static void test_cpuid_null_skips_cpuid(void **state) {
        (void) state;
        /* Same DMI as the CPUID test above, which said KVM: without CPUID, it says QEMU. */
        check_hypervisor("kvm-virtio-scsi", NULL, HYPERVISOR_QEMU, false, "");
}

static void test_kvm_by_dmi(void **state) {
        (void) state;
        check_hypervisor("kvm-virtio-blk", NULL, HYPERVISOR_KVM, false, "");
}

static void test_linode_dmi(void **state) {
        (void) state;
        check_hypervisor("linode", NULL, HYPERVISOR_KVM, false, "");
}

static void test_akamai_dmi(void **state) {
        (void) state;
        check_hypervisor("akamai", NULL, HYPERVISOR_KVM, false, "");
}

static void test_xen_hvm_by_dmi(void **state) {
        (void) state;
        check_hypervisor("xen-hvm", NULL, HYPERVISOR_XEN, false, "");
}

static void test_xen_by_sysfs(void **state) {
        (void) state;
        check_hypervisor("xen-hvm-sysfs", NULL, HYPERVISOR_XEN, false, "");
}

static void test_vmware_by_dmi(void **state) {
        (void) state;
        check_hypervisor("vmware", NULL, HYPERVISOR_OTHER, false, "VMware, Inc.");
}

static void test_vmware_by_cpuid(void **state) {
        (void) state;
        fake_cpu(true, "VMwareVMware", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_OTHER, false, "vmware");
}

static void test_hyperv_by_dmi(void **state) {
        (void) state;
        /* The fixture pads the vendor with spaces, as some firmware does. */
        check_hypervisor("hyperv", NULL, HYPERVISOR_OTHER, false, "Microsoft Corporation");
}

static void test_microsoft_hardware_is_no_vm(void **state) {
        (void) state;
        check_hypervisor("surface", NULL, HYPERVISOR_NONE, false, "");
}

static void test_hyperv_cpuid_defers_to_dmi(void **state) {
        (void) state;
        fake_cpu(true, "Microsoft Hv", NULL);
        check_hypervisor("hyperv", fake_cpuid, HYPERVISOR_OTHER, false, "Microsoft Corporation");
        fake_cpu(true, "Microsoft Hv", NULL);
        check_hypervisor("linode", fake_cpuid, HYPERVISOR_KVM, false, "");
        /* Nothing else to go by: the CPUID guess stands. */
        fake_cpu(true, "Microsoft Hv", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_OTHER, false, "microsoft");
}

static void test_kvm_with_hyperv_enlightenments(void **state) {
        (void) state;
        fake_cpu(true, "Microsoft Hv", "KVMKVMKVM");
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_KVM, false, "");
        fake_cpu(true, "Microsoft Hv", "XenVMMXenVMM");
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_XEN, false, "");
}

static void test_unknown_cpuid_signature(void **state) {
        (void) state;
        fake_cpu(true, "NewVisor\x01", NULL);
        check_hypervisor("bare-metal", fake_cpuid, HYPERVISOR_OTHER, false, "NewVisor?");
        fake_cpu(true, "NewVisor", NULL);
        check_hypervisor("linode", fake_cpuid, HYPERVISOR_KVM, false, "");
}

static void test_bare_metal(void **state) {
        (void) state;
        check_hypervisor("bare-metal", NULL, HYPERVISOR_NONE, false, "");
}

static void test_empty_root(void **state) {
        char tmp[] = "/tmp/test-detect-XXXXXX";
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *s = NULL;
        Detection d = detection_init();

        (void) state;
        assert_non_null(mkdtemp(tmp));
        fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);

        fake_cpu(false, NULL, NULL);
        assert_int_equal(detect_hypervisor(fd, fake_cpuid, &d), 0);
        assert_int_equal(d.hypervisor, HYPERVISOR_NONE);
        assert_false(d.xen_dom0);
        assert_string_equal(d.vendor, "");

        assert_int_equal(detect_mode(fd, &d), 0);
        assert_int_equal(d.disk_bus, DISK_BUS_UNKNOWN);
        assert_int_equal(d.net_driver, NET_DRIVER_UNKNOWN);
        s = detection_mode_string(&d);
        assert_string_equal(s, "unknown+unknown");

        assert_int_equal(rmdir(tmp), 0);
}

static void test_errors_propagate(void **state) {
        Detection d = detection_init();

        (void) state;
        assert_int_equal(detect_hypervisor(-1, NULL, &d), -EBADF);
        assert_int_equal(detect_mode(-1, &d), -EBADF);
        /* Nothing written on failure. */
        assert_int_equal(d.hypervisor, _HYPERVISOR_INVALID);
        assert_true(d.xen_dom0);
        assert_int_equal(d.disk_bus, DISK_BUS_OTHER);
}

static void test_mode_virtio_scsi(void **state) {
        (void) state;
        /* loop0 sorts first and docker0 has no device: both passed over. */
        check_mode("kvm-virtio-scsi", "virtio-scsi+virtio-net");
}

static void test_mode_ide(void **state) {
        (void) state;
        check_mode("kvm-ide", "ide+e1000");
}

static void test_mode_virtio_blk(void **state) {
        (void) state;
        check_mode("kvm-virtio-blk", "virtio-blk+virtio-net");
}

static void test_mode_xen(void **state) {
        (void) state;
        check_mode("xen-domu", "xen+xen");
}

static void test_mode_xen_pv_partitions(void **state) {
        (void) state;
        /* "xvda1" is a whole disk here: no "partition" file, so the digits do not matter. */
        check_mode("xen-pv-partitions", "xen+unknown");
}

static void test_mode_other(void **state) {
        (void) state;
        /* NVMe is no disk name we know; the USB stick "sdb" is; r8169 is other. */
        check_mode("bare-metal", "other+other");
}

static void test_mode_skips_partitions(void **state) {
        (void) state;
        check_mode("mode-partition", "virtio-blk+unknown");
}

static void test_mode_links_stay_in_root(void **state) {
        (void) state;
        /* Absolute targets and surplus ".." resolve inside the fixture, not on this machine. */
        check_mode("mode-confined", "virtio-scsi+virtio-net");
}

static void test_mode_without_sysfs(void **state) {
        (void) state;
        check_mode("linode", "unknown+unknown");
}

/*
 * A hostile offline root, made at run time: TOP/root is the root, TOP/host a
 * folder outside it that stands for the host's /proc or /sys (a canary: the
 * real host files are never used).
 */
typedef FixtureHostile Hostile;

static void hostile_make(Hostile *h) {
        fixture_hostile_make(h, "test-detect-hostile");
}

static void hostile_done(Hostile *h) {
        (void) alarm(0);
        fixture_hostile_done(h);
}

static void put_file(const char *base, const char *rel, const char *text) {
        _cleanup_free_ char *p = NULL;
        FILE *f;

        fixture_make_parents(base, rel);
        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void put_link(const char *base, const char *rel, const char *target) {
        _cleanup_free_ char *p = NULL;

        fixture_make_parents(base, rel);
        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        assert_int_equal(symlink(target, p), 0);
}

static void put_fifo(const char *base, const char *rel) {
        _cleanup_free_ char *p = NULL;

        fixture_make_parents(base, rel);
        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        assert_int_equal(mkfifo(p, 0644), 0);
}

static Hypervisor hostile_detect(Hostile *h) {
        Detection d = detection_init();

        assert_int_equal(detect_hypervisor(h->rootfd, NULL, &d), 0);
        return d.hypervisor;
}

static void test_offline_proc_link_to_host(void **state) {
        Hostile h;

        (void) state;
        hostile_make(&h);
        /* The host folder says Xen; the root's own /proc does not exist. */
        put_file(h.host, "xen/capabilities", "control_d\n");
        put_link(h.root, "proc", h.host);
        assert_string_equal(hypervisor_to_string(hostile_detect(&h)), "none");
        hostile_done(&h);
}

static void test_offline_proc_dotdot_to_host(void **state) {
        Hostile h;

        (void) state;
        hostile_make(&h);
        put_file(h.host, "xen/capabilities", "\n");
        /* ".." stops at the root: "../host" is the root's own (missing) /host, not the canary beside it. */
        put_link(h.root, "proc", "../host");
        assert_string_equal(hypervisor_to_string(hostile_detect(&h)), "none");
        hostile_done(&h);
}

static void test_offline_sys_link_to_host(void **state) {
        Hostile h;
        Detection d = detection_init();

        (void) state;
        hostile_make(&h);
        put_file(h.host, "hypervisor/type", "xen\n");
        put_file(h.host, "devices/virtual/dmi/id/sys_vendor", "Xen\n");
        put_link(h.host, "class/dmi/id", "../../devices/virtual/dmi/id");
        fixture_make_parents(h.host, "class/block/vda/x");
        put_link(h.root, "sys", h.host);
        assert_string_equal(hypervisor_to_string(hostile_detect(&h)), "none");
        /* Nor does the host's sysfs tell the disk bus. */
        assert_int_equal(detect_mode(h.rootfd, &d), 0);
        assert_int_equal(d.disk_bus, DISK_BUS_UNKNOWN);
        hostile_done(&h);
}

static void test_offline_sys_inner_link_to_host(void **state) {
        Hostile h;
        Detection d = detection_init();

        (void) state;
        hostile_make(&h);
        /* Links deeper down, on the way to a file: sys/class and sys/hypervisor are the host's. */
        fixture_make_parents(h.host, "block/xvda/x");
        put_file(h.host, "dmi/id/sys_vendor", "Xen\n");
        put_file(h.host, "type", "xen\n");
        put_link(h.root, "sys/class", h.host);
        put_link(h.root, "sys/hypervisor", h.host);
        assert_string_equal(hypervisor_to_string(hostile_detect(&h)), "none");
        assert_int_equal(detect_mode(h.rootfd, &d), 0);
        assert_int_equal(d.disk_bus, DISK_BUS_UNKNOWN);
        hostile_done(&h);
}

/* A FIFO is refused at once, never opened for reading: the alarm fails the test if it hangs. */
static void check_fifo(const char *rel, const char *also_dir) {
        Hostile h;
        Detection d = detection_init();

        hostile_make(&h);
        if (also_dir)
                fixture_make_parents(h.root, also_dir);
        put_fifo(h.root, rel);
        (void) alarm(5);
        assert_int_equal(detect_hypervisor(h.rootfd, NULL, &d), -EBADFD);
        hostile_done(&h);
}

static void test_offline_fifo_hypervisor_type(void **state) {
        (void) state;
        check_fifo("sys/hypervisor/type", NULL);
}

static void test_offline_fifo_xen_capabilities(void **state) {
        (void) state;
        check_fifo("proc/xen/capabilities", NULL);
}

static void test_offline_fifo_dmi(void **state) {
        (void) state;
        check_fifo("sys/class/dmi/id/sys_vendor", NULL);
}

static void test_offline_regular_files_still_read(void **state) {
        Hostile h;

        (void) state;
        hostile_make(&h);
        /* Links inside the root still resolve, as sysfs has them. */
        put_file(h.root, "sys/devices/virtual/dmi/id/sys_vendor", "Xen\n");
        put_link(h.root, "sys/class/dmi/id", "/sys/devices/virtual/dmi/id");
        assert_string_equal(hypervisor_to_string(hostile_detect(&h)), "xen");
        hostile_done(&h);
}

static void test_mode_string(void **state) {
        Detection d = { .disk_bus = DISK_BUS_VIRTIO_SCSI, .net_driver = NET_DRIVER_VIRTIO };
        char *s;

        (void) state;
        s = detection_mode_string(&d);
        assert_string_equal(s, "virtio-scsi+virtio-net");
        free(s);

        d = (Detection){ .disk_bus = DISK_BUS_OTHER, .net_driver = NET_DRIVER_XEN };
        s = detection_mode_string(&d);
        assert_string_equal(s, "other+xen");
        free(s);

        d = (Detection){ .disk_bus = _DISK_BUS_MAX, .net_driver = NET_DRIVER_E1000 };
        s = detection_mode_string(&d);
        assert_string_equal(s, "invalid+e1000");
        free(s);
}

static void test_strings(void **state) {
        static const char *const hypervisors[] = { "none", "xen", "kvm", "qemu", "other" };
        static const char *const buses[] = { "unknown", "virtio-scsi", "virtio-blk", "ide", "xen", "other" };
        static const char *const drivers[] = { "unknown", "virtio-net", "e1000", "xen", "other" };

        (void) state;
        assert_int_equal(ELEMENTSOF(hypervisors), _HYPERVISOR_MAX);
        for (Hypervisor h = 0; h < _HYPERVISOR_MAX; h++) {
                assert_string_equal(hypervisor_to_string(h), hypervisors[h]);
                assert_int_equal(hypervisor_from_string(hypervisors[h]), h);
        }
        assert_null(hypervisor_to_string(_HYPERVISOR_MAX));
        assert_null(hypervisor_to_string(_HYPERVISOR_INVALID));
        assert_int_equal(hypervisor_from_string("KVM"), _HYPERVISOR_INVALID);
        assert_int_equal(hypervisor_from_string(""), _HYPERVISOR_INVALID);
        assert_int_equal(hypervisor_from_string(NULL), _HYPERVISOR_INVALID);

        assert_int_equal(ELEMENTSOF(buses), _DISK_BUS_MAX);
        for (DiskBus b = 0; b < _DISK_BUS_MAX; b++)
                assert_string_equal(disk_bus_to_string(b), buses[b]);
        assert_null(disk_bus_to_string(_DISK_BUS_MAX));

        assert_int_equal(ELEMENTSOF(drivers), _NET_DRIVER_MAX);
        for (NetDriver n = 0; n < _NET_DRIVER_MAX; n++)
                assert_string_equal(net_driver_to_string(n), drivers[n]);
        assert_null(net_driver_to_string(_NET_DRIVER_MAX));
}

static void test_kvm_like(void **state) {
        (void) state;
        assert_false(hypervisor_is_kvm_like(HYPERVISOR_NONE));
        assert_false(hypervisor_is_kvm_like(HYPERVISOR_XEN));
        assert_true(hypervisor_is_kvm_like(HYPERVISOR_KVM));
        assert_true(hypervisor_is_kvm_like(HYPERVISOR_QEMU));
        assert_false(hypervisor_is_kvm_like(HYPERVISOR_OTHER));
}

static void test_cpuid_native(void **state) {
        uint32_t regs[4] = {};

        (void) state;
#if defined(__i386__) || defined(__x86_64__)
        /* Leaf 0: highest basic leaf (at least 1 on any x86-64) and the vendor in ebx. */
        assert_true(cpuid_native(0, regs));
        assert_true(regs[0] >= 1);
        assert_int_not_equal(regs[1], 0);
        assert_true(cpuid_native(1, regs));
        /* Far beyond any basic leaf: refused rather than echoing another leaf. */
        assert_false(cpuid_native(0x3fffffff, regs));
#else
        assert_false(cpuid_native(0, regs));
#endif
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_xen_domu),
                cmocka_unit_test(test_xen_dom0),
                cmocka_unit_test(test_xen_wins_over_kvm_cpuid),
                cmocka_unit_test(test_kvm_by_cpuid),
                cmocka_unit_test(test_qemu_tcg_by_cpuid),
                cmocka_unit_test(test_xen_hvm_by_cpuid),
                cmocka_unit_test(test_cpuid_without_hypervisor_bit),
                cmocka_unit_test(test_cpuid_null_skips_cpuid),
                cmocka_unit_test(test_kvm_by_dmi),
                cmocka_unit_test(test_linode_dmi),
                cmocka_unit_test(test_akamai_dmi),
                cmocka_unit_test(test_xen_hvm_by_dmi),
                cmocka_unit_test(test_xen_by_sysfs),
                cmocka_unit_test(test_vmware_by_dmi),
                cmocka_unit_test(test_vmware_by_cpuid),
                cmocka_unit_test(test_hyperv_by_dmi),
                cmocka_unit_test(test_microsoft_hardware_is_no_vm),
                cmocka_unit_test(test_hyperv_cpuid_defers_to_dmi),
                cmocka_unit_test(test_kvm_with_hyperv_enlightenments),
                cmocka_unit_test(test_unknown_cpuid_signature),
                cmocka_unit_test(test_bare_metal),
                cmocka_unit_test(test_empty_root),
                cmocka_unit_test(test_errors_propagate),
                cmocka_unit_test(test_mode_virtio_scsi),
                cmocka_unit_test(test_mode_ide),
                cmocka_unit_test(test_mode_virtio_blk),
                cmocka_unit_test(test_mode_xen),
                cmocka_unit_test(test_mode_xen_pv_partitions),
                cmocka_unit_test(test_mode_other),
                cmocka_unit_test(test_mode_skips_partitions),
                cmocka_unit_test(test_mode_links_stay_in_root),
                cmocka_unit_test(test_mode_without_sysfs),
                cmocka_unit_test(test_offline_proc_link_to_host),
                cmocka_unit_test(test_offline_proc_dotdot_to_host),
                cmocka_unit_test(test_offline_sys_link_to_host),
                cmocka_unit_test(test_offline_sys_inner_link_to_host),
                cmocka_unit_test(test_offline_fifo_hypervisor_type),
                cmocka_unit_test(test_offline_fifo_xen_capabilities),
                cmocka_unit_test(test_offline_fifo_dmi),
                cmocka_unit_test(test_offline_regular_files_still_read),
                cmocka_unit_test(test_mode_string),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_kvm_like),
                cmocka_unit_test(test_cpuid_native),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
