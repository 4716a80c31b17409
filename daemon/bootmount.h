/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bootmount: the boot files of many guests (RHEL and CentOS by default) live
 * on a separate /boot, which is not mounted yet when kvmigrate runs early in
 * boot or in the initramfs. A migration that fixed fstab but not grub.conf
 * would be recorded done and never finish; so /boot and /boot/efi, when the
 * guest's fstab lists them and they are not mounted, are mounted below the
 * root for the run, and unmounted after.
 */

/**
 * boot_dirs_mount() - mount /boot and /boot/efi of the fstab below @root
 * (@rootfd) where they are not mounted already. A device that cannot be
 * found or mounted is a warning: the run goes on without it.
 * Return: 0 and the mount points made (NULL-terminated, maybe empty) in
 * @ret_mounted, or -ENOMEM.
 */
int boot_dirs_mount(int rootfd, const char *root, char ***ret_mounted);

/* Unmount what boot_dirs_mount() mounted, last first, and free the list. */
void boot_dirs_umount(char **mounted);
