/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "root.h"
#include "util.h"

#define GRUB_TEXT "GRUB_CMDLINE_LINUX=\"console=hvc0 root=/dev/xvda1\"\n"
#define PASSWD_TEXT "root:x:0:0:inside the test root:/root:/bin/sh\n"
#define CHAIN_LINKS 40

/* A guest root in a temporary folder, and its fd. */
typedef struct Root {
        char path[64];
        int fd;
} Root;

static int rm_one(
        const char *p, const struct stat *st _unused_, int type _unused_, struct FTW *ftw _unused_) {
        return remove(p) < 0 ? -1 : 0;
}

static void put_file(int dirfd, const char *path, const char *text) {
        assert_int_equal(write_file_atomic_at(dirfd, path, text, strlen(text), 0644), 0);
}

static void put_link(int dirfd, const char *path, const char *target) {
        assert_int_equal(symlinkat(target, dirfd, path), 0);
}

/*
 * etc/default/grub                 regular
 * etc/sysconfig/grub            -> ../default/grub
 * etc/alt                       -> /etc/default          (absolute: the root's, not the host's)
 * etc/escape                    -> /../../../../etc/passwd
 * etc/escape-rel                -> ../../../../../../etc/passwd
 * etc/up                        -> ../../../../..
 * etc/loop1 -> loop2, etc/loop2 -> /etc/loop1, etc/self -> self
 * chain/l0 -> l1 -> ... -> l40 -> file
 */
static int root_setup(void **state) {
        Root *r = calloc(1, sizeof(Root));

        assert_non_null(r);
        strcpy(r->path, "/tmp/test-root-XXXXXX");
        assert_non_null(mkdtemp(r->path));
        r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(r->fd >= 0);

        assert_int_equal(mkdir_p_at(r->fd, "etc/default", 0755), 0);
        assert_int_equal(mkdir_p_at(r->fd, "etc/sysconfig", 0755), 0);
        assert_int_equal(mkdir_p_at(r->fd, "chain", 0755), 0);
        assert_int_equal(mkdir_p_at(r->fd, "empty", 0755), 0);
        put_file(r->fd, "etc/default/grub", GRUB_TEXT);
        put_file(r->fd, "etc/default/only-in-test-root", "inside\n");
        put_file(r->fd, "etc/default/zeta", "");
        put_file(r->fd, "etc/default/alpha", "");
        put_file(r->fd, "etc/default/Beta", "");
        put_file(r->fd, "etc/passwd", PASSWD_TEXT);
        put_link(r->fd, "etc/default/grub-link", "grub");
        put_link(r->fd, "etc/sysconfig/grub", "../default/grub");
        put_link(r->fd, "etc/alt", "/etc/default");
        put_link(r->fd, "etc/escape", "/../../../../etc/passwd");
        put_link(r->fd, "etc/escape-rel", "../../../../../../etc/passwd");
        put_link(r->fd, "etc/up", "../../../../..");
        put_link(r->fd, "etc/loop1", "loop2");
        put_link(r->fd, "etc/loop2", "/etc/loop1");
        put_link(r->fd, "etc/self", "self");
        put_link(r->fd, "etc/dangling", "default/absent");
        put_link(r->fd, "etc/dangling-dir", "/nowhere/file");
        put_link(r->fd, "etc/dotted", "./default/../default/./grub");
        put_link(r->fd, "etc/slashes", "//etc///default//");
        put_file(r->fd, "chain/file", "end\n");
        for (int i = 0; i <= CHAIN_LINKS; i++) {
                char name[32], target[32];

                (void) snprintf(name, sizeof name, "chain/l%d", i);
                if (i == CHAIN_LINKS)
                        strcpy(target, "file");
                else
                        (void) snprintf(target, sizeof target, "l%d", i + 1);
                put_link(r->fd, name, target);
        }
        assert_int_equal(mkfifoat(r->fd, "fifo", 0600), 0);

        *state = r;
        return 0;
}

static int root_teardown(void **state) {
        Root *r = *state;

        (void) close(r->fd);
        assert_int_equal(nftw(r->path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(r);
        return 0;
}

static void check_chase(int rootfd, const char *path, ChaseFlags flags, const char *expected) {
        _cleanup_free_ char *c = NULL;
        int r;

        r = root_chase(rootfd, path, flags, &c);
        if (r < 0)
                fail_msg("root_chase(\"%s\"): %s", path, strerror(-r));
        assert_non_null(c);
        if (!streq(c, expected))
                fail_msg("root_chase(\"%s\") = \"%s\", expected \"%s\"", path, c, expected);
}

static void check_chase_fails(int rootfd, const char *path, ChaseFlags flags, int expected) {
        char *c = (char *) 0x1;

        assert_int_equal(root_chase(rootfd, path, flags, &c), expected);
        assert_ptr_equal(c, (char *) 0x1);
}

static void test_chase_plain(void **state) {
        Root *r = *state;

        check_chase(r->fd, "/etc/default/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "etc/default/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "//etc/./default//grub/", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/default", 0, "/etc/default");
        check_chase(r->fd, "/", 0, "/");
        check_chase(r->fd, "", 0, "/");
        check_chase(r->fd, ".", 0, "/");
        check_chase(r->fd, "/etc/default/../sysconfig/../default/grub", 0, "/etc/default/grub");
}

static void test_chase_dotdot_stops_at_root(void **state) {
        Root *r = *state;

        check_chase(r->fd, "..", 0, "/");
        check_chase(r->fd, "/../../..", 0, "/");
        check_chase(r->fd, "/../../etc/default/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "etc/../../../etc", 0, "/etc");
        /* A link whose target climbs far above the root. */
        check_chase(r->fd, "/etc/up", 0, "/");
        check_chase(r->fd, "/etc/up/etc/default/grub", 0, "/etc/default/grub");
}

static void test_chase_relative_link(void **state) {
        Root *r = *state;

        check_chase(r->fd, "/etc/sysconfig/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/default/grub-link", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/dotted", 0, "/etc/default/grub");
}

static void test_chase_absolute_link(void **state) {
        Root *r = *state;
        _cleanup_free_ char *canonical = NULL, *data = NULL;
        size_t size;

        check_chase(r->fd, "/etc/alt", 0, "/etc/default");
        check_chase(r->fd, "/etc/alt/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/alt/../sysconfig/grub", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/slashes/grub", 0, "/etc/default/grub");

        /* What the link names is the test root's /etc/default, not the host's: this file exists only here.
         */
        assert_int_equal(root_read_file(r->fd, "/etc/alt/only-in-test-root", &canonical, &data, &size), 0);
        assert_string_equal(canonical, "/etc/default/only-in-test-root");
        assert_int_equal(size, 7);
        assert_memory_equal(data, "inside\n", 7);
}

static void test_chase_escape_attempts(void **state) {
        Root *r = *state;
        static const char *const paths[] = { "/etc/escape", "/etc/escape-rel", "etc/up/etc/escape" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *canonical = NULL, *data = NULL;
                size_t size;

                check_chase(r->fd, paths[i], 0, "/etc/passwd");
                /* ... and reading it gives the root's passwd, not the host's. */
                assert_int_equal(root_read_file(r->fd, paths[i], &canonical, &data, &size), 0);
                assert_string_equal(canonical, "/etc/passwd");
                assert_int_equal(size, strlen(PASSWD_TEXT));
                assert_memory_equal(data, PASSWD_TEXT, size);
        }
}

static void test_chase_loops(void **state) {
        Root *r = *state;
        int fd;

        check_chase_fails(r->fd, "/etc/loop1", 0, -ELOOP);
        check_chase_fails(r->fd, "/etc/loop2/x", 0, -ELOOP);
        check_chase_fails(r->fd, "/etc/self", 0, -ELOOP);

        /* 40 links in a row are still fine, 41 are too many: the kernel's own limit. */
        check_chase(r->fd, "/chain/l1", 0, "/chain/file");
        check_chase_fails(r->fd, "/chain/l0", 0, -ELOOP);
        fd = openat(r->fd, "chain/l1", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        (void) close(fd);
        assert_int_equal(openat(r->fd, "chain/l0", O_RDONLY | O_CLOEXEC), -1);
        assert_int_equal(errno, ELOOP);

        /* A loop is not followed at the end with CHASE_NOFOLLOW_LAST. */
        check_chase(r->fd, "/etc/loop1", CHASE_NOFOLLOW_LAST, "/etc/loop1");
}

static void test_chase_missing(void **state) {
        Root *r = *state;

        /* The last component need not exist. */
        check_chase(r->fd, "/etc/default/absent", 0, "/etc/default/absent");
        check_chase(r->fd, "/etc/alt/absent", 0, "/etc/default/absent");
        check_chase(r->fd, "/etc/new/", 0, "/etc/new");
        /* A dangling link at the end names where its target would be. */
        check_chase(r->fd, "/etc/dangling", 0, "/etc/default/absent");

        /* A folder on the way must. */
        check_chase_fails(r->fd, "/etc/nothing/x", 0, -ENOENT);
        check_chase_fails(r->fd, "/nothing/etc/default/grub", 0, -ENOENT);
        check_chase_fails(r->fd, "/etc/dangling-dir", 0, -ENOENT);
        check_chase_fails(r->fd, "/etc/dangling/x", 0, -ENOENT);

        /* A file is no folder. */
        check_chase_fails(r->fd, "/etc/default/grub/x", 0, -ENOTDIR);
        check_chase_fails(r->fd, "/etc/sysconfig/grub/x", 0, -ENOTDIR);
}

static void test_chase_file_then_dots(void **state) {
        Root *r = *state;

        check_chase_fails(r->fd, "/etc/default/grub/..", 0, -ENOTDIR);
        check_chase_fails(r->fd, "/etc/default/grub/.", 0, -ENOTDIR);
}

static void test_chase_nofollow_last(void **state) {
        Root *r = *state;

        check_chase(r->fd, "/etc/sysconfig/grub", CHASE_NOFOLLOW_LAST, "/etc/sysconfig/grub");
        check_chase(r->fd, "/etc/alt", CHASE_NOFOLLOW_LAST, "/etc/alt");
        check_chase(r->fd, "/etc/escape", CHASE_NOFOLLOW_LAST, "/etc/escape");
        check_chase(r->fd, "/etc/dangling", CHASE_NOFOLLOW_LAST, "/etc/dangling");
        /* Links before the last component are still followed. */
        check_chase(r->fd, "/etc/alt/grub-link", CHASE_NOFOLLOW_LAST, "/etc/default/grub-link");
        check_chase(r->fd, "/etc/alt/grub-link", 0, "/etc/default/grub");
        check_chase(r->fd, "/etc/up/etc/sysconfig/grub", CHASE_NOFOLLOW_LAST, "/etc/sysconfig/grub");
        check_chase(r->fd, "/etc/default/absent", CHASE_NOFOLLOW_LAST, "/etc/default/absent");
        check_chase_fails(r->fd, "/etc/nothing/x", CHASE_NOFOLLOW_LAST, -ENOENT);
}

static void assert_fd_content(int fd, const char *text) {
        _cleanup_free_ char *data = NULL;
        size_t size;

        assert_int_equal(read_full_fd(fd, &data, &size), 0);
        assert_int_equal(size, strlen(text));
        assert_memory_equal(data, text, size);
}

static void test_root_open(void **state) {
        Root *r = *state;
        struct stat st, st_root;
        mode_t old_umask;
        int fd;

        fd = root_open(r->fd, "/etc/default/grub", O_RDONLY, 0);
        assert_true(fd >= 0);
        assert_fd_content(fd, GRUB_TEXT);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        (void) close(fd);

        /* It expects canonical paths: a link anywhere on the way is refused. */
        assert_int_equal(root_open(r->fd, "/etc/sysconfig/grub", O_RDONLY, 0), -ELOOP);
        assert_int_equal(root_open(r->fd, "/etc/alt/grub", O_RDONLY, 0), -ELOOP);
        assert_int_equal(root_open(r->fd, "/etc/escape", O_RDONLY, 0), -ELOOP);
        assert_int_equal(root_open(r->fd, "/etc/alt", O_RDONLY | O_DIRECTORY, 0), -ELOOP);
        assert_int_equal(root_open(r->fd, "/etc/default/absent", O_RDONLY, 0), -ENOENT);

        /* ".." cannot climb out: the kernel keeps it in the root. */
        fd = root_open(r->fd, "/../../etc/passwd", O_RDONLY, 0);
        assert_true(fd >= 0);
        assert_fd_content(fd, PASSWD_TEXT);
        (void) close(fd);

        /* "/" is the root itself. */
        fd = root_open(r->fd, "/", O_RDONLY | O_DIRECTORY, 0);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(fstat(r->fd, &st_root), 0);
        assert_int_equal(st.st_ino, st_root.st_ino);
        assert_int_equal(st.st_dev, st_root.st_dev);
        (void) close(fd);

        /* Creating takes the mode (less the umask). */
        old_umask = umask(022);
        fd = root_open(r->fd, "/etc/default/created", O_WRONLY | O_CREAT | O_EXCL, 0664);
        assert_true(fd >= 0);
        (void) close(fd);
        (void) umask(old_umask);
        assert_int_equal(fstatat(r->fd, "etc/default/created", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(
                root_open(r->fd, "/etc/default/created", O_WRONLY | O_CREAT | O_EXCL, 0664), -EEXIST);
        /* Nor is a file created through a dangling link. */
        assert_int_equal(root_open(r->fd, "/etc/dangling", O_WRONLY | O_CREAT, 0644), -ELOOP);
        assert_int_equal(fstatat(r->fd, "etc/default/absent", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(errno, ENOENT);
}

static void test_root_rel(void **state _unused_) {
        assert_string_equal(root_rel("/etc/fstab"), "etc/fstab");
        assert_string_equal(root_rel("//etc/fstab"), "etc/fstab");
        assert_string_equal(root_rel("etc"), "etc");
        assert_string_equal(root_rel("/"), ".");
        assert_string_equal(root_rel(""), ".");
}

static void test_read_file(void **state) {
        Root *r = *state;
        _cleanup_free_ char *canonical = NULL, *data = NULL;
        size_t size = 0;

        /* Through a link: the target's canonical path and bytes. */
        assert_int_equal(root_read_file(r->fd, "/etc/sysconfig/grub", &canonical, &data, &size), 0);
        assert_string_equal(canonical, "/etc/default/grub");
        assert_int_equal(size, strlen(GRUB_TEXT));
        assert_memory_equal(data, GRUB_TEXT, size + 1);
        free(canonical);
        free(data);
        canonical = data = NULL;

        /* No canonical path wanted; an empty file. */
        assert_int_equal(root_read_file(r->fd, "etc/default/zeta", NULL, &data, &size), 0);
        assert_int_equal(size, 0);
        assert_string_equal(data, "");
        free(data);
        data = NULL;

        /* 41 links: too many, as for the kernel. */
        assert_int_equal(root_read_file(r->fd, "/chain/l0", NULL, &data, &size), -ELOOP);
        assert_int_equal(root_read_file(r->fd, "/chain/l1", &canonical, &data, &size), 0);
        assert_string_equal(canonical, "/chain/file");
        assert_string_equal(data, "end\n");
        free(canonical);
        free(data);
        canonical = data = NULL;

        {
                char *c = (char *) 0x1, *d = (char *) 0x1;

                assert_int_equal(root_read_file(r->fd, "/etc/default/absent", &c, &d, &size), -ENOENT);
                assert_int_equal(root_read_file(r->fd, "/etc/dangling", &c, &d, &size), -ENOENT);
                assert_int_equal(root_read_file(r->fd, "/etc/nothing/x", &c, &d, &size), -ENOENT);
                assert_int_equal(root_read_file(r->fd, "/etc/default", &c, &d, &size), -EISDIR);
                assert_int_equal(root_read_file(r->fd, "/etc/alt", &c, &d, &size), -EISDIR);
                assert_int_equal(root_read_file(r->fd, "/etc/loop1", &c, &d, &size), -ELOOP);
                assert_int_equal(root_read_file(r->fd, "/etc/default/grub/x", &c, &d, &size), -ENOTDIR);
                assert_ptr_equal(c, (char *) 0x1);
                assert_ptr_equal(d, (char *) 0x1);
        }
}

static void test_read_file_fifo(void **state) {
        Root *r = *state;
        pid_t pid;
        int status;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *c = NULL, *d = NULL;
                size_t size;

                (void) alarm(2);
                _exit(root_read_file(r->fd, "/fifo", &c, &d, &size) == -EBADFD ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* A sparse file made with ftruncate() of @size bytes at @path. */
static void put_sized(int dirfd, const char *path, off_t size) {
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, size), 0);
        assert_int_equal(close(fd), 0);
}

/* Up to ROOT_FILE_MAX bytes are read; one byte more is refused before anything is read. */
static void test_read_file_cap(void **state) {
        Root *r = *state;
        _cleanup_free_ char *canonical = NULL, *data = NULL;
        size_t size = 0;

        put_sized(r->fd, "etc/at-cap", (off_t) ROOT_FILE_MAX);
        assert_int_equal(root_read_file(r->fd, "/etc/at-cap", &canonical, &data, &size), 0);
        assert_int_equal(size, ROOT_FILE_MAX);
        assert_string_equal(canonical, "/etc/at-cap");
        assert_int_equal(data[0], 0);
        assert_int_equal(data[size - 1], 0);
        assert_int_equal(unlinkat(r->fd, "etc/at-cap", 0), 0);

        put_sized(r->fd, "etc/past-cap", (off_t) ROOT_FILE_MAX + 1);
        {
                char *c = (char *) 0x1, *d = (char *) 0x1;

                size = 7;
                assert_int_equal(root_read_file(r->fd, "/etc/past-cap", &c, &d, &size), -EFBIG);
                assert_ptr_equal(c, (char *) 0x1);
                assert_ptr_equal(d, (char *) 0x1);
                assert_int_equal(size, 7);
        }
        /* Absurd sizes too: the refusal never depends on reading the file. */
        put_sized(r->fd, "etc/past-cap", (off_t) 1 << 40);
        assert_int_equal(root_read_file(r->fd, "/etc/past-cap", NULL, &data, &size), -EFBIG);
        assert_int_equal(unlinkat(r->fd, "etc/past-cap", 0), 0);
}

static void assert_strv(char **v, const char *const *expected, size_t n) {
        assert_non_null(v);
        assert_int_equal(strv_length(v), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v[i], expected[i]);
        assert_null(v[n]);
}

static void test_list_dir(void **state) {
        Root *r = *state;
        static const char *const etc_default[] = { "Beta", "alpha", "grub", "grub-link", "only-in-test-root",
                "zeta" };

        {
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_dir(r->fd, "/etc/default", false, &v), 0);
                assert_strv(v, etc_default, ELEMENTSOF(etc_default));
        }
        {
                /* Through an absolute link: the root's folder. */
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_dir(r->fd, "/etc/alt", false, &v), 0);
                assert_strv(v, etc_default, ELEMENTSOF(etc_default));
        }
        {
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_dir(r->fd, "/empty", false, &v), 0);
                assert_strv(v, NULL, 0);
        }
        {
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_dir(r->fd, "/etc/kernel/install.d", true, &v), 0);
                assert_strv(v, NULL, 0);
        }
        {
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_dir(r->fd, "/etc/default/absent", true, &v), 0);
                assert_strv(v, NULL, 0);
        }
        {
                char **v = (char **) 0x1;
                assert_int_equal(root_list_dir(r->fd, "/etc/kernel/install.d", false, &v), -ENOENT);
                assert_int_equal(root_list_dir(r->fd, "/etc/default/absent", false, &v), -ENOENT);
                assert_int_equal(root_list_dir(r->fd, "/etc/default/grub", false, &v), -ENOTDIR);
                assert_int_equal(root_list_dir(r->fd, "/etc/default/grub", true, &v), -ENOTDIR);
                assert_int_equal(root_list_dir(r->fd, "/etc/loop1", true, &v), -ELOOP);
                assert_ptr_equal(v, (char **) 0x1);
        }
}

static bool starts_lower(const char *name) {
        return name[0] >= 'a' && name[0] <= 'z';
}

static void test_list_paths(void **state) {
        Root *r = *state;
        static const char *const lower[] = { "/etc/alt/alpha", "/etc/alt/grub", "/etc/alt/grub-link",
                "/etc/alt/only-in-test-root", "/etc/alt/zeta" };

        {
                /* Named as asked (the folder's own spelling), filtered, sorted. */
                _cleanup_(strv_freep) char **v = NULL;
                assert_int_equal(root_list_paths(r->fd, "/etc/alt", starts_lower, &v), 0);
                assert_strv(v, lower, ELEMENTSOF(lower));
        }
        {
                /* A missing folder, or a file where the folder should be: nothing to read. */
                _cleanup_(strv_freep) char **a = NULL, **b = NULL, **c = NULL;
                assert_int_equal(root_list_paths(r->fd, "/etc/kernel/install.d", starts_lower, &a), 0);
                assert_strv(a, NULL, 0);
                assert_int_equal(root_list_paths(r->fd, "/etc/default/grub", starts_lower, &b), 0);
                assert_strv(b, NULL, 0);
                assert_int_equal(root_list_paths(r->fd, "/empty", starts_lower, &c), 0);
                assert_strv(c, NULL, 0);
        }
        {
                char **v = (char **) 0x1;
                assert_int_equal(root_list_paths(r->fd, "/etc/loop1", starts_lower, &v), -ELOOP);
                assert_ptr_equal(v, (char **) 0x1);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_chase_plain, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_dotdot_stops_at_root, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_relative_link, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_absolute_link, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_escape_attempts, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_loops, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_missing, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_file_then_dots, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_chase_nofollow_last, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_root_open, root_setup, root_teardown),
                cmocka_unit_test(test_root_rel),
                cmocka_unit_test_setup_teardown(test_read_file, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_read_file_fifo, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_read_file_cap, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_list_dir, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_list_paths, root_setup, root_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
