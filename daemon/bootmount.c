/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <blkid.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "bootmount.h"
#include "root.h"
#include "util.h"

static const char *const boot_dirs[] = { "/boot", "/boot/efi" };

static inline void mnt_unref_tablep(struct libmnt_table **t) {
        mnt_unref_table(*t);
}
static inline void mnt_free_contextp(struct libmnt_context **c) {
        mnt_free_context(*c);
}

/* A folder on the same filesystem as its parent is not a mount point. */
static int is_mounted(int rootfd, int fd, const char *canonical) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -1;
        struct stat a, b;

        if (fstat(fd, &a) < 0)
                return -errno;
        parent = strdup(canonical);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = 0;
        pfd = root_open(rootfd, isempty(parent) ? "/" : parent, O_PATH | O_DIRECTORY, 0);
        if (pfd < 0)
                return pfd;
        if (fstat(pfd, &b) < 0)
                return -errno;
        return a.st_dev != b.st_dev;
}

static int mount_one(int fd, struct libmnt_fs *fs) {
        _cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
        char target[64];
        const char *type = mnt_fs_get_fstype(fs);
        int r;

        /* The folder the descriptor holds: the kernel follows this magic link to it, and nowhere else. */
        (void) snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
        cxt = mnt_new_context();
        if (!cxt)
                return -ENOMEM;
        /* The source as the guest's fstab spells it: UUID=, LABEL=, or an xvd name (a compatibility link).
         * No canonicalizing, which would turn the target back into a path; no mount helpers, whose
         * type the guest would choose. */
        r = mnt_context_disable_canonicalize(cxt, 1);
        if (r >= 0)
                r = mnt_context_disable_helpers(cxt, 1);
        if (r >= 0) {
                /* UUID=, LABEL= by libblkid, as libmount does when it canonicalizes; a path as it is. */
                const char *spec = strempty(mnt_fs_get_source(fs));
                _cleanup_free_ char *source = NULL;

                if (blkid_parse_tag_string(spec, NULL, NULL) == 0) {
                        source = blkid_evaluate_tag(spec, NULL, NULL);
                        r = source ? mnt_context_set_source(cxt, source) : -ENODEV;
                } else
                        r = mnt_context_set_source(cxt, spec);
        }
        if (r >= 0)
                r = mnt_context_set_target(cxt, target);
        if (r >= 0 && type && !streq(type, "auto"))
                r = mnt_context_set_fstype(cxt, type);
        if (r >= 0)
                r = mnt_context_set_options(cxt, "rw");
        if (r >= 0)
                r = mnt_context_disable_mtab(cxt, 1);
        if (r >= 0)
                r = mnt_context_mount(cxt);
        if (r == 0 && mnt_context_get_status(cxt) != 1)
                r = -EIO;
        if (r != 0)
                return r < 0 ? r : -EIO;
        return 0;
}

/* The guest's fstab, read inside the root (a link to the host's fstab is the root's own path). */
static int read_fstab(int rootfd, struct libmnt_table *tb) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        FILE *f;
        int r;

        r = root_read_file(rootfd, "/etc/fstab", NULL, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_warning("/etc/fstab: cannot read it (%s); no boot folder is mounted",
                        r == -EBADFD ? "not a regular file" : strerror(-r));
                return 0;
        }
        if (size == 0)
                return 0;
        f = fmemopen(data, size, "r");
        if (!f)
                return -errno;
        r = mnt_table_parse_stream(tb, f, "/etc/fstab");
        (void) fclose(f);
        /* Unparseable: the fstab fixer says so with its line; nothing to mount here. */
        return r < 0 ? 0 : 1;
}

int boot_dirs_mount(int rootfd, const char *root, char ***ret_mounted) {
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        char **mounted = NULL;
        size_t n = 0;
        int r;

        tb = mnt_new_table();
        if (!tb)
                return -ENOMEM;
        r = read_fstab(rootfd, tb);
        if (r < 0)
                return r;
        if (r == 0)
                goto done;

        for (size_t i = 0; i < ELEMENTSOF(boot_dirs); i++) {
                struct libmnt_fs *fs = mnt_table_find_target(tb, boot_dirs[i], MNT_ITER_FORWARD);
                _cleanup_free_ char *canonical = NULL;
                char *where = NULL;
                _cleanup_close_ int fd = -1;

                /* "+": libmount reads a bare "noauto" as "not auto". */
                if (!fs || mnt_fs_match_options(fs, "+noauto") == 1)
                        continue;
                /* Resolved inside the root (a link to "/srv" is the root's /srv) and opened with no link
                 * followed: the mount then goes onto that very folder through /proc/self/fd/N. */
                fd = root_chase_open(rootfd, boot_dirs[i], O_PATH | O_DIRECTORY, &canonical);
                if (fd == -ENOENT)
                        continue; /* nowhere to mount it: the guest has no such folder either */
                if (fd < 0) {
                        log_warning("%s is %s; it is not mounted for the migration and its files are left "
                                    "as they are",
                                boot_dirs[i],
                                fd == -ENOTDIR         ? "not a folder inside the root"
                                        : fd == -ELOOP ? "a link that cannot be resolved inside the root"
                                                       : strerror(-fd));
                        continue;
                }
                if (is_mounted(rootfd, fd, canonical) != 0)
                        continue;
                r = mount_one(fd, fs);
                if (r < 0) {
                        log_warning(
                                "%s (%s) cannot be mounted for the migration (%s); its files are left as "
                                "they are",
                                boot_dirs[i], strempty(mnt_fs_get_source(fs)), strerror(-r));
                        continue;
                }
                if (asprintf(&where, "%s%s", streq(root, "/") ? "" : root, canonical) < 0)
                        where = NULL;
                r = strv_push(&mounted, &n, where); /* takes @where, or frees it on failure */
                if (r < 0) {
                        char target[64];

                        (void) snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
                        (void) umount2(target, 0);
                        boot_dirs_umount(mounted);
                        return r;
                }
                log_debug("mounted %s for the migration", where);
        }
done:
        if (!mounted) {
                mounted = calloc(1, sizeof(char *));
                if (!mounted)
                        return -ENOMEM;
        }
        *ret_mounted = mounted;
        return 0;
}

void boot_dirs_umount(char **mounted) {
        /* The paths are canonical and the run writes no links into them; never follow one at the end. */
        for (size_t i = strv_length(mounted); i > 0; i--)
                if (umount2(mounted[i - 1], UMOUNT_NOFOLLOW) < 0)
                        log_warning("cannot unmount %s: %m", mounted[i - 1]);
        strv_free(mounted);
}
