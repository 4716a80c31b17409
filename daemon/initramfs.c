/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "initramfs.h"
#include "links.h"
#include "root.h"
#include "util.h"

const char *initramfs_freshness_to_string(InitramfsFreshness f) {
        static const char *const table[_INITRAMFS_FRESHNESS_MAX] = {
                [INITRAMFS_CURRENT] = "current",
                [INITRAMFS_NO_HOOK] = "built without kvmigrate's hook",
                [INITRAMFS_OLD_RULES] = "built before the udev rules last changed",
                [INITRAMFS_UNFINISHED] = "its last build did not finish",
        };
        return f < _INITRAMFS_FRESHNESS_MAX ? table[f] : NULL;
}

bool initramfs_kver_is_valid(const char *kver) {
        size_t n = strlen(kver);

        if (n == 0 || n > 128 || streq(kver, ".") || streq(kver, ".."))
                return false;
        for (const char *p = kver; *p; p++)
                if (*p == '/' || *p <= ' ' || *p >= 0x7f)
                        return false;
        return true;
}

/* The rules as they are now; an absent file reads as no rules. */
static int read_rules(int rootfd, char **ret, size_t *ret_size) {
        int r = root_read_file(rootfd, LINKS_RULES_FILE, NULL, ret, ret_size);

        if (r == -ENOENT) {
                *ret = strdup("");
                *ret_size = 0;
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

static bool timespec_after(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/*
 * The freshness of the image whose stat is @image for @kver; @stampfd is the
 * stamp folder (-ENOENT: there is none yet). A stamp is kvmigrate's own file:
 * opened with no link followed, regular only; anything else there counts as
 * no stamp, and the rebuild's record replaces it.
 */
static int image_freshness(int stampfd, const char *kver, const struct stat *image, const char *rules,
        size_t rules_size, InitramfsFreshness *ret) {
        _cleanup_free_ char *stamp = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t stamp_size;
        int r;

        fd = stampfd < 0 ? stampfd : openat_beneath(stampfd, kver, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        r = fd < 0 ? fd : fd_check_regular(fd, &st);
        if (r == -ENOENT || r == -ELOOP || r == -ENOTDIR || r == -EISDIR || r == -EBADFD) {
                *ret = INITRAMFS_NO_HOOK;
                return 0;
        }
        if (r < 0)
                return r;
        /* A stamp longer than the rules differs from them: no need to read it all. */
        r = read_full_fd_capped(fd, rules_size, &stamp, &stamp_size);
        if (r == -EFBIG || (r >= 0 && (stamp_size != rules_size || memcmp(stamp, rules, rules_size) != 0))) {
                *ret = INITRAMFS_OLD_RULES;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = timespec_after(&st.st_mtim, &image->st_mtim) ? INITRAMFS_UNFINISHED : INITRAMFS_CURRENT;
        return 0;
}

/*
 * The image of @kver in /boot, by the names Debian (both tools) and Fedora
 * give it: its canonical path in *ret (NULL if none) and its stat in @st.
 */
static int find_image(int rootfd, const char *kver, char **ret, struct stat *st) {
        static const char *const names[][2] = { { "/boot/initrd.img-", "" },
                { "/boot/initramfs-", ".img" } };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *path = NULL, *canonical = NULL;
                _cleanup_close_ int fd = -1;
                int r;

                if (asprintf(&path, "%s%s%s", names[i][0], kver, names[i][1]) < 0)
                        return -ENOMEM;
                fd = root_chase_open(rootfd, path, O_PATH | O_CLOEXEC, &canonical);
                if (fd == -ENOENT || fd == -ENOTDIR)
                        continue;
                if (fd < 0)
                        return fd;
                r = fd_check_regular(fd, st);
                if (r == -EISDIR || r == -EBADFD)
                        continue;
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(canonical);
                return 0;
        }
        *ret = NULL;
        return 0;
}

void initramfs_list_done(InitramfsList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->images[i].kver);
                free(l->images[i].path);
        }
        free(l->images);
        *l = (InitramfsList){};
}

int initramfs_list(int rootfd, InitramfsList *ret) {
        _cleanup_(initramfs_list_done) InitramfsList l = {};
        _cleanup_(strv_freep) char **kvers = NULL;
        _cleanup_free_ char *rules = NULL;
        _cleanup_close_ int stampfd = -1;
        size_t rules_size;
        int r;

        r = root_list_dir(rootfd, "/lib/modules", true, &kvers);
        if (r < 0)
                return r;
        r = read_rules(rootfd, &rules, &rules_size);
        if (r < 0)
                return r;
        stampfd = root_open_dir(rootfd, INITRAMFS_STAMP_DIR, false);
        if (stampfd < 0 && stampfd != -ENOENT)
                return stampfd;
        for (char **k = kvers; *k; k++) {
                _cleanup_free_ char *image = NULL;
                InitramfsFreshness f;
                InitramfsImage *v;
                struct stat st;

                if (!initramfs_kver_is_valid(*k))
                        continue;
                r = find_image(rootfd, *k, &image, &st);
                if (r < 0)
                        return r;
                if (!image)
                        continue;
                r = image_freshness(stampfd, *k, &st, rules, rules_size, &f);
                if (r < 0)
                        return r;
                v = reallocarray(l.images, l.n + 1, sizeof *v);
                if (!v)
                        return -ENOMEM;
                l.images = v;
                v[l.n] = (InitramfsImage){ .kver = strdup(*k), .path = TAKE_PTR(image), .freshness = f };
                if (!v[l.n++].kver)
                        return -ENOMEM;
        }
        *ret = l;
        /* Handed over: the cleanup must not free it. */
        // cppcheck-suppress unreadVariable
        l = (InitramfsList){};
        return 0;
}

bool initramfs_list_stale(const InitramfsList *l) {
        for (size_t i = 0; i < l->n; i++)
                if (l->images[i].freshness != INITRAMFS_CURRENT)
                        return true;
        return false;
}

int initramfs_record_build(int rootfd, const char *kver) {
        _cleanup_free_ char *rules = NULL;
        _cleanup_close_ int dirfd = -1;
        size_t rules_size;
        int r;

        if (!initramfs_kver_is_valid(kver))
                return -EINVAL;
        r = read_rules(rootfd, &rules, &rules_size);
        if (r < 0)
                return r;
        dirfd = root_open_dir(rootfd, INITRAMFS_STAMP_DIR, true);
        if (dirfd < 0)
                return dirfd;
        return write_file_atomic_at(dirfd, kver, rules, rules_size, 0644);
}

static bool exists_in_root(int rootfd, const char *path) {
        _cleanup_close_ int fd = root_chase_open(rootfd, path, O_PATH | O_CLOEXEC, NULL);

        return fd >= 0 && fd_check_regular(fd, NULL) >= 0;
}

InitramfsTool initramfs_tool(int rootfd) {
        if (exists_in_root(rootfd, "/usr/sbin/update-initramfs") &&
                exists_in_root(rootfd, "/usr/share/initramfs-tools/hooks/kvmigrate"))
                return INITRAMFS_TOOL_INITRAMFS_TOOLS;
        if ((exists_in_root(rootfd, "/usr/bin/dracut") || exists_in_root(rootfd, "/usr/sbin/dracut")) &&
                exists_in_root(rootfd, "/usr/lib/dracut/modules.d/90kvmigrate/module-setup.sh"))
                return INITRAMFS_TOOL_DRACUT;
        return INITRAMFS_TOOL_NONE;
}

int initramfs_rebuild(InitramfsTool tool, const InitramfsImage *img) {
        const char *argv[8];
        int status;
        pid_t pid;

        switch (tool) {
        case INITRAMFS_TOOL_INITRAMFS_TOOLS:
                memcpy(argv, (const char *[]){ "update-initramfs", "-u", "-k", img->kver, NULL },
                        5 * sizeof *argv);
                break;
        case INITRAMFS_TOOL_DRACUT:
                memcpy(argv, (const char *[]){ "dracut", "--force", img->path, img->kver, NULL },
                        5 * sizeof *argv);
                break;
        default:
                return -ENOENT;
        }
        log_info("rebuilding %s: %s %s …", img->path, argv[0], argv[1]);
        (void) fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* The tools are shell scripts that want a sane PATH, whatever ours is. */
                (void) setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
                execvp(argv[0], (char *const *) argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(-EIO, "%s for %s failed (%s %d)", argv[0], img->kver,
                        WIFEXITED(status) ? "exit" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return 0;
}
