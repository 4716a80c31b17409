/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <libmount.h>
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
static int is_mounted(int rootfd, const char *dir) {
        _cleanup_free_ char *canonical = NULL, *parent = NULL;
        struct stat a, b;
        int r;

        r = root_chase(rootfd, dir, 0, &canonical);
        if (r < 0)
                return r;
        if (fstatat(rootfd, root_rel(canonical), &a, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        parent = strdup(canonical);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = 0;
        if (fstatat(rootfd, isempty(parent) ? "." : root_rel(parent), &b, 0) < 0)
                return -errno;
        return a.st_dev != b.st_dev;
}

static int mount_one(const char *root, struct libmnt_fs *fs, char **ret_where) {
        _cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
        _cleanup_free_ char *where = NULL;
        const char *type = mnt_fs_get_fstype(fs);
        int r;

        if (asprintf(&where, "%s%s", streq(root, "/") ? "" : root, mnt_fs_get_target(fs)) < 0)
                return -ENOMEM;
        cxt = mnt_new_context();
        if (!cxt)
                return -ENOMEM;
        /* The source as the guest's fstab spells it: UUID=, LABEL=, or an xvd name (a compatibility link).
         */
        r = mnt_context_set_source(cxt, mnt_fs_get_source(fs));
        if (r >= 0)
                r = mnt_context_set_target(cxt, where);
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
        *ret_where = TAKE_PTR(where);
        return 0;
}

int boot_dirs_mount(int rootfd, const char *root, char ***ret_mounted) {
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        _cleanup_free_ char *fstab = NULL;
        char **mounted = NULL;
        size_t n = 0;
        int r;

        if (asprintf(&fstab, "/proc/self/fd/%d/etc/fstab", rootfd) < 0)
                return -ENOMEM;
        tb = mnt_new_table();
        if (!tb)
                return -ENOMEM;
        /* Unparseable or absent: the fstab fixer says so with its line; nothing to mount here. */
        if (mnt_table_parse_fstab(tb, fstab) < 0)
                goto done;

        for (size_t i = 0; i < ELEMENTSOF(boot_dirs); i++) {
                struct libmnt_fs *fs = mnt_table_find_target(tb, boot_dirs[i], MNT_ITER_FORWARD);
                char *where = NULL;

                /* "+": libmount reads a bare "noauto" as "not auto". */
                if (!fs || mnt_fs_match_options(fs, "+noauto") == 1 || is_mounted(rootfd, boot_dirs[i]) != 0)
                        continue;
                r = mount_one(root, fs, &where);
                if (r < 0) {
                        log_warning(
                                "%s (%s) cannot be mounted for the migration (%s); its files are left as "
                                "they are",
                                boot_dirs[i], strempty(mnt_fs_get_source(fs)), strerror(-r));
                        continue;
                }
                log_debug("mounted %s for the migration", where);
                r = strv_push(&mounted, &n, where);
                if (r < 0) {
                        boot_dirs_umount(mounted);
                        return r;
                }
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
        for (size_t i = strv_length(mounted); i > 0; i--)
                if (umount2(mounted[i - 1], 0) < 0)
                        log_warning("cannot unmount %s: %m", mounted[i - 1]);
        strv_free(mounted);
}
