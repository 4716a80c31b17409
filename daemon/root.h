/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * root: files of the guest, seen as if its root directory were "/".
 *
 * Every path the tool touches goes through here. Symlinks are followed the
 * way they would be inside the guest (an absolute target is taken relative
 * to the root, ".." stops at the root), so "--root /mnt/image" and the
 * running system behave alike and nothing ever leads out of the root.
 */

#include <stdbool.h>
#include <sys/types.h>

typedef enum ChaseFlags {
        CHASE_NOFOLLOW_LAST = 1 << 0, /* do not follow a symlink in the last component */
} ChaseFlags;

/**
 * root_chase() - resolve @path inside the root @rootfd.
 * @path: absolute or relative (taken from the root either way)
 * @ret:  the canonical absolute path inside the root, e.g. "/etc/default/grub"
 *
 * The last component need not exist.
 * Return: 0, -ENOENT when a folder on the way is missing, -ENOTDIR, -ELOOP
 * after 40 links, -ENOMEM.
 */
int root_chase(int rootfd, const char *path, ChaseFlags flags, char **ret);

/**
 * root_open() - open the canonical path @path (as root_chase() gives) below
 * @rootfd. The kernel refuses any symlink on the way (openat2 with
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS) so a link swapped in after the
 * chase cannot lead out of the root.
 * Return: a file descriptor, or a negative errno.
 */
int root_open(int rootfd, const char *path, int flags, mode_t mode);

/*
 * The largest guest file root_read_file() reads: 16 MiB. The biggest real
 * configuration files it reads are grub.cfg with hundreds of kernels and
 * udev or blkid caches of thousands of disks, a few MiB at most; beyond the
 * cap the file is hostile or broken, and refusing it keeps every parser's
 * time and memory bounded.
 */
#define ROOT_FILE_MAX (16U << 20)

/**
 * root_chase_open() - root_chase() @path, then root_open() what it names
 * with @flags (and mode 0).
 * @ret_canonical: the canonical path (may be NULL)
 * Return: a file descriptor, or a negative errno as root_chase() and
 * root_open() give.
 */
int root_chase_open(int rootfd, const char *path, int flags, char **ret_canonical);

/**
 * root_read_file() - chase @path and read the regular file it names.
 * @ret_canonical: the canonical path (may be NULL)
 * Return: 0, -ENOENT if absent, -EISDIR, -EBADFD when not a regular file,
 * -EFBIG (logged, with the path and the limit) beyond ROOT_FILE_MAX bytes,
 * other negative errno.
 */
int root_read_file(int rootfd, const char *path, char **ret_canonical, char **ret_data, size_t *ret_size);

/**
 * root_mkdir_p() - make folder @path and its missing parents inside the
 * root (mode @mode), following links the way root_chase() does, so nothing
 * is ever made outside the root.
 * Return: 0, -ENOTDIR when something on the way is not a folder, another
 * negative errno.
 */
int root_mkdir_p(int rootfd, const char *path, mode_t mode);

/**
 * root_open_dir() - open folder @path (chased) inside the root, making it
 * first (0755 parents, 0700 for the folder itself... as root_mkdir_p with
 * 0755) when @create.
 * Return: a file descriptor, -ENOENT when missing and not @create, another
 * negative errno.
 */
int root_open_dir(int rootfd, const char *path, bool create);

/* The type (S_IFREG, S_IFLNK, …) of canonical @path, not following a link at its end; 0 when absent. */
mode_t root_entry_type(int rootfd, const char *path);

/* The path relative to the root's fd: "/etc/fstab" → "etc/fstab", "/" → ".". */
const char *root_rel(const char *canonical);

/**
 * root_list_dir() - the names in folder @path (chased) below @rootfd,
 * sorted, without "." and "..".
 * Return: 0 and a NULL-terminated vector in @ret (empty for a missing
 * folder when @missing_ok), or a negative errno.
 */
int root_list_dir(int rootfd, const char *path, bool missing_ok, char ***ret);

/**
 * root_list_paths() - "@dir/NAME" for each name in folder @dir (chased)
 * below @rootfd that @want accepts, sorted: the files a tool reads from a
 * folder such as /etc/netplan. A missing folder, or a file where the folder
 * should be, has none.
 * Return: 0 and a NULL-terminated vector in @ret, or a negative errno (not
 * logged).
 */
int root_list_paths(int rootfd, const char *dir, bool (*want)(const char *name), char ***ret);

/* Whether @path is masked: a link to /dev/null, the way udev and systemd let one file hide another. */
bool root_is_masked(int rootfd, const char *path);
