/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bootmount.h"
#include "fixture.h"
#include "util.h"

/*
 * boot_dirs_mount() on a guest root someone else wrote. The mounts are real
 * (tmpfs, which needs no device), so the tests run as root in a private mount
 * namespace and are skipped elsewhere. TOP/root is the guest; TOP/host stands
 * for a host folder (a canary: no real host path is ever the target).
 */

static bool private_ns;

typedef struct Guest {
        FixtureHostile h;
        char **mounted;
} Guest;

static void guest_make(Guest *g) {
        if (!private_ns)
                skip();
        fixture_hostile_make(&g->h, "test-bootmount");
        g->mounted = NULL;
}

static void guest_done(Guest *g) {
        (void) alarm(0);
        boot_dirs_umount(g->mounted);
        /* Whatever a broken build mounted goes with the namespace; it is unmounted, not deleted through. */
        fixture_hostile_done(&g->h);
}

static void put(Guest *g, const char *base, const char *rel, const char *text) {
        _cleanup_free_ char *p = NULL;
        FILE *f;

        fixture_make_parents(base, rel);
        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        (void) g;
        if (!text) {
                assert_int_equal(mkdir(p, 0755), 0);
                return;
        }
        f = fopen(p, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void put_link(const char *base, const char *rel, const char *target) {
        _cleanup_free_ char *p = NULL;

        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        assert_int_equal(symlink(target, p), 0);
}

/* Whether @path is the root of a mount: another device than its parent's. */
static bool is_mount_point(const char *path) {
        _cleanup_free_ char *parent = NULL;
        struct stat a, b;

        assert_true(asprintf(&parent, "%s/..", path) >= 0);
        if (stat(path, &a) < 0 || stat(parent, &b) < 0)
                return false;
        return a.st_dev != b.st_dev;
}

static void test_mounts_in_root(void **state) {
        _cleanup_free_ char *boot = NULL;
        Guest g;

        (void) state;
        guest_make(&g);
        put(&g, g.h.root, "etc/fstab", "tmpfs /boot tmpfs defaults 0 0\n");
        put(&g, g.h.root, "boot", NULL);
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_true(asprintf(&boot, "%s/boot", g.h.root) >= 0);
        assert_int_equal(strv_length(g.mounted), 1);
        assert_string_equal(g.mounted[0], boot);
        assert_true(is_mount_point(boot));
        boot_dirs_umount(TAKE_PTR(g.mounted));
        assert_false(is_mount_point(boot));
        guest_done(&g);
}

/*
 * /boot is a link to @link (NULL: the canary's absolute host path): mounted at
 * the guest's own @inside (NULL: that same path inside the root; made here),
 * never at the canary.
 */
static void check_link(const char *link, const char *inside) {
        _cleanup_free_ char *where = NULL;
        Guest g;

        guest_make(&g);
        inside = inside ?: g.h.host;
        put(&g, g.h.root, "etc/fstab", "tmpfs /boot tmpfs defaults 0 0\n");
        assert_true(asprintf(&where, "%s%s", g.h.root, inside) >= 0);
        put(&g, g.h.root, inside + 1, NULL);
        put_link(g.h.root, "boot", link ?: g.h.host);
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_false(is_mount_point(g.h.host));
        assert_int_equal(strv_length(g.mounted), 1);
        assert_string_equal(g.mounted[0], where);
        assert_true(is_mount_point(where));
        guest_done(&g);
}

static void test_boot_link_to_host(void **state) {
        (void) state;
        /* The guest's /boot names the canary by its host path: that path is taken inside the root. */
        check_link(NULL, NULL);
}

static void test_boot_dotdot_to_host(void **state) {
        (void) state;
        /* ".." stops at the root: this is the root's own /host, not the canary beside the root. */
        check_link("../host", "/host");
}

static void test_boot_link_to_host_missing_inside(void **state) {
        Guest g;

        (void) state;
        guest_make(&g);
        put(&g, g.h.root, "etc/fstab",
                "tmpfs /boot tmpfs defaults 0 0\ntmpfs /boot/efi tmpfs defaults 0 0\n");
        put_link(g.h.root, "boot", g.h.host);
        put(&g, g.h.host, "efi", NULL);
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_int_equal(strv_length(g.mounted), 0);
        assert_false(is_mount_point(g.h.host));
        guest_done(&g);
}

static void test_boot_link_inside_root(void **state) {
        _cleanup_free_ char *target = NULL, *where = NULL;
        Guest g;

        (void) state;
        guest_make(&g);
        put(&g, g.h.root, "etc/fstab", "tmpfs /boot tmpfs defaults 0 0\n");
        /* An absolute link the guest means inside itself: mounted there, at the guest's folder. */
        assert_true(asprintf(&target, "/%s-boot", strrchr(g.h.top, '/') + 1) >= 0);
        put(&g, g.h.root, target + 1, NULL);
        put_link(g.h.root, "boot", target);
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_true(asprintf(&where, "%s%s", g.h.root, target) >= 0);
        assert_int_equal(strv_length(g.mounted), 1);
        assert_string_equal(g.mounted[0], where);
        assert_true(is_mount_point(where));
        assert_false(is_mount_point(target));
        guest_done(&g);
}

static void test_boot_not_a_folder(void **state) {
        Guest g;

        (void) state;
        guest_make(&g);
        put(&g, g.h.root, "etc/fstab", "tmpfs /boot tmpfs defaults 0 0\n");
        put(&g, g.h.root, "boot", "a file\n");
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_int_equal(strv_length(g.mounted), 0);
        guest_done(&g);
}

static void test_fstab_link_to_host(void **state) {
        _cleanup_free_ char *boot = NULL, *hostfstab = NULL;
        Guest g;

        (void) state;
        guest_make(&g);
        /* The host's fstab (a canary) would mount /boot; the guest's own has no /etc/fstab at all. */
        put(&g, g.h.host, "fstab", "tmpfs /boot tmpfs defaults 0 0\n");
        put(&g, g.h.root, "boot", NULL);
        put(&g, g.h.root, "etc", NULL);
        assert_true(asprintf(&hostfstab, "%s/fstab", g.h.host) >= 0);
        put_link(g.h.root, "etc/fstab", hostfstab);
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_int_equal(strv_length(g.mounted), 0);
        assert_true(asprintf(&boot, "%s/boot", g.h.root) >= 0);
        assert_false(is_mount_point(boot));
        guest_done(&g);
}

static void test_fstab_fifo(void **state) {
        _cleanup_free_ char *fstab = NULL;
        Guest g;

        (void) state;
        guest_make(&g);
        put(&g, g.h.root, "etc", NULL);
        assert_true(asprintf(&fstab, "%s/etc/fstab", g.h.root) >= 0);
        assert_int_equal(mkfifo(fstab, 0644), 0);
        (void) alarm(5); /* a blocking open fails the test instead of hanging it */
        assert_int_equal(boot_dirs_mount(g.h.rootfd, g.h.root, &g.mounted), 0);
        assert_int_equal(strv_length(g.mounted), 0);
        guest_done(&g);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mounts_in_root),
                cmocka_unit_test(test_boot_link_to_host),
                cmocka_unit_test(test_boot_dotdot_to_host),
                cmocka_unit_test(test_boot_link_to_host_missing_inside),
                cmocka_unit_test(test_boot_link_inside_root),
                cmocka_unit_test(test_boot_not_a_folder),
                cmocka_unit_test(test_fstab_link_to_host),
                cmocka_unit_test(test_fstab_fifo),
        };

        /* Mounts made here stay here and vanish with the process. */
        private_ns = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
                mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
        if (!private_ns)
                fprintf(stderr,
                        "test-bootmount: not root or no mount namespace, the mount tests are skipped\n");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
