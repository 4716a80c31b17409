/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "initramfs.h"
#include "links.h"
#include "util.h"

#define KVER "6.1.0-18-amd64"
#define RULES "ENV{ID_FS_UUID}==\"4c1d3a52\", SYMLINK+=\"xvda\"\n"

/* @path below @rootfd gets modification time @sec (seconds since the epoch). */
static void set_mtime(int rootfd, const char *path, time_t sec) {
        const struct timespec ts[2] = { { .tv_sec = sec }, { .tv_sec = sec } };

        assert_int_equal(utimensat(rootfd, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* The one image of the root, checked to be @kver's at @path; its freshness. */
static InitramfsFreshness only_image(int rootfd, const char *kver, const char *path) {
        _cleanup_(initramfs_list_done) InitramfsList l = {};

        assert_int_equal(initramfs_list(rootfd, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.images[0].kver, kver);
        assert_string_equal(l.images[0].path, path);
        assert_int_equal(initramfs_list_stale(&l), l.images[0].freshness != INITRAMFS_CURRENT);
        return l.images[0].freshness;
}

static void test_lifecycle(void **state) {
        FixtureRoot *root = *state;
        _cleanup_free_ char *stamp = NULL;
        size_t size;

        fixture_write(root->fd, "lib/modules/" KVER "/modules.dep", "");
        fixture_write(root->fd, "boot/initrd.img-" KVER, "image");
        set_mtime(root->fd, "boot/initrd.img-" KVER, 1000);
        /* The distribution built it before kvmigrate was there. */
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_NO_HOOK);

        /* A build with the hook, and no rules yet (installed, never armed): the copy is empty. */
        assert_int_equal(initramfs_record_build(root->fd, KVER), 0);
        assert_int_equal(read_full_at(root->fd, "var/lib/kvmigrate/initramfs/" KVER, &stamp, &size), 0);
        assert_int_equal(size, 0);
        set_mtime(root->fd, "var/lib/kvmigrate/initramfs/" KVER, 1000);
        set_mtime(root->fd, "boot/initrd.img-" KVER, 1001);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_CURRENT);

        /* Armed on Xen afterwards: the image lacks the rules. */
        fixture_write(root->fd, "etc/udev/rules.d/70-kvmigrate-xvd.rules", RULES);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_OLD_RULES);

        /* The hook ran again, but the build failed after it: the old image is still there. */
        assert_int_equal(initramfs_record_build(root->fd, KVER), 0);
        set_mtime(root->fd, "var/lib/kvmigrate/initramfs/" KVER, 2000);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_UNFINISHED);

        /* The image written after the hook: current, and it carries these very rules. */
        set_mtime(root->fd, "boot/initrd.img-" KVER, 2001);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_CURRENT);
        free(stamp);
        assert_int_equal(read_full_at(root->fd, "var/lib/kvmigrate/initramfs/" KVER, &stamp, &size), 0);
        assert_int_equal(size, strlen(RULES));
        assert_memory_equal(stamp, RULES, size);

        /* Disarmed (clean): the rules are gone, the image still has them. */
        assert_int_equal(unlinkat(root->fd, "etc/udev/rules.d/70-kvmigrate-xvd.rules", 0), 0);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_OLD_RULES);
}

/* kvmigrate's own stamp is never read through a link, even one that stays in the root. */
static void test_stamp_link(void **state) {
        FixtureRoot *root = *state;

        fixture_write(root->fd, "lib/modules/" KVER "/modules.dep", "");
        fixture_write(root->fd, "boot/initrd.img-" KVER, "image");
        fixture_write(root->fd, "etc/udev/rules.d/70-kvmigrate-xvd.rules", RULES);
        fixture_write(root->fd, "srv/copy", RULES);
        set_mtime(root->fd, "srv/copy", 1000);
        set_mtime(root->fd, "boot/initrd.img-" KVER, 2000);
        fixture_symlink(root->fd, "var/lib/kvmigrate/initramfs/" KVER, "/srv/copy");
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_NO_HOOK);

        /* The next build's record replaces the link with a file. */
        assert_int_equal(initramfs_record_build(root->fd, KVER), 0);
        set_mtime(root->fd, "var/lib/kvmigrate/initramfs/" KVER, 1500);
        assert_int_equal(only_image(root->fd, KVER, "/boot/initrd.img-" KVER), INITRAMFS_CURRENT);
}

static void test_names(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(initramfs_list_done) InitramfsList l = {};

        /* Fedora's name, a kernel with no initramfs (left out), and a link to the image. */
        fixture_write(root->fd, "usr/lib/modules/5.14.0-70.el9.x86_64/modules.dep", "");
        fixture_write(root->fd, "usr/lib/modules/5.10.0-no-initramfs/modules.dep", "");
        fixture_write(root->fd, "usr/lib/modules/4.19.0-linked/modules.dep", "");
        fixture_symlink(root->fd, "lib", "usr/lib");
        fixture_write(root->fd, "boot/initramfs-5.14.0-70.el9.x86_64.img", "image");
        fixture_write(root->fd, "boot/real-image", "image");
        fixture_symlink(root->fd, "boot/initrd.img-4.19.0-linked", "real-image");
        /* An image name that only a link to a folder outside would satisfy. */
        fixture_symlink(root->fd, "boot/initrd.img-5.10.0-no-initramfs", "/");

        assert_int_equal(initramfs_list(root->fd, &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.images[0].kver, "4.19.0-linked");
        assert_string_equal(l.images[0].path, "/boot/real-image");
        assert_string_equal(l.images[1].kver, "5.14.0-70.el9.x86_64");
        assert_string_equal(l.images[1].path, "/boot/initramfs-5.14.0-70.el9.x86_64.img");
        assert_int_equal(l.images[1].freshness, INITRAMFS_NO_HOOK);
}

static void test_no_kernels(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(initramfs_list_done) InitramfsList l = {};

        assert_int_equal(initramfs_list(root->fd, &l), 0);
        assert_int_equal(l.n, 0);
        assert_false(initramfs_list_stale(&l));
        assert_int_equal(initramfs_tool(root->fd), INITRAMFS_TOOL_NONE);
}

static void test_kver(void **state) {
        FixtureRoot *root = *state;

        assert_true(initramfs_kver_is_valid("6.1.0-18-amd64"));
        assert_true(initramfs_kver_is_valid("5.14.0-70.13.1.el9_0.x86_64"));
        assert_false(initramfs_kver_is_valid(""));
        assert_false(initramfs_kver_is_valid("."));
        assert_false(initramfs_kver_is_valid(".."));
        assert_false(initramfs_kver_is_valid("../../etc/passwd"));
        assert_false(initramfs_kver_is_valid("a b"));
        assert_false(initramfs_kver_is_valid("a\nb"));
        assert_int_equal(initramfs_record_build(root->fd, "../escape"), -EINVAL);
        assert_int_equal(faccessat(root->fd, "var/lib/kvmigrate/escape", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

static void test_tool(void **state) {
        FixtureRoot *root = *state;

        /* dracut alone is not enough: its module must be there to put the rules in. */
        fixture_write(root->fd, "usr/bin/dracut", "");
        assert_int_equal(initramfs_tool(root->fd), INITRAMFS_TOOL_NONE);
        fixture_write(root->fd, "usr/lib/dracut/modules.d/90kvmigrate/module-setup.sh", "");
        assert_int_equal(initramfs_tool(root->fd), INITRAMFS_TOOL_DRACUT);
        /* Both installed: the one with kvmigrate's hook that Debian runs, initramfs-tools. */
        fixture_write(root->fd, "usr/sbin/update-initramfs", "");
        assert_int_equal(initramfs_tool(root->fd), INITRAMFS_TOOL_DRACUT);
        fixture_write(root->fd, "usr/share/initramfs-tools/hooks/kvmigrate", "");
        assert_int_equal(initramfs_tool(root->fd), INITRAMFS_TOOL_INITRAMFS_TOOLS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_ROOT_TEST(test_lifecycle),
                FIXTURE_ROOT_TEST(test_stamp_link),
                FIXTURE_ROOT_TEST(test_names),
                FIXTURE_ROOT_TEST(test_no_kernels),
                FIXTURE_ROOT_TEST(test_kver),
                FIXTURE_ROOT_TEST(test_tool),
        };

        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
