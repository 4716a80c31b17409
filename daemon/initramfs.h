/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * initramfs: is the initramfs that the first KVM boot will run current?
 *
 * The udev rules that make root=/dev/xvda resolvable under KVM are written
 * under Xen ("arm"); they reach an initramfs only when it is built after
 * them. The initramfs hooks (dracut module, initramfs-tools hook) record,
 * for each kernel, the rules they put in: a byte copy in
 * /var/lib/kvmigrate/initramfs/KVER. An image is current when that copy
 * equals the rules now and the image was written after the copy (a build
 * that failed after the hook leaves the older image behind).
 */

#include <stdbool.h>
#include <stddef.h>

#define INITRAMFS_STAMP_DIR "/var/lib/kvmigrate/initramfs"

typedef enum InitramfsFreshness {
        INITRAMFS_CURRENT,
        INITRAMFS_NO_HOOK, /* built without kvmigrate's hook (before it was installed) */
        INITRAMFS_OLD_RULES, /* built before the rules last changed */
        INITRAMFS_UNFINISHED, /* the hook ran, but the image was not written after it */
        _INITRAMFS_FRESHNESS_MAX,
} InitramfsFreshness;

typedef struct InitramfsImage {
        char *kver;
        char *path; /* canonical, inside the root: "/boot/initrd.img-6.1.0-18-amd64" */
        InitramfsFreshness freshness;
} InitramfsImage;

typedef struct InitramfsList {
        InitramfsImage *images;
        size_t n;
} InitramfsList;

typedef enum InitramfsTool {
        INITRAMFS_TOOL_NONE,
        INITRAMFS_TOOL_INITRAMFS_TOOLS,
        INITRAMFS_TOOL_DRACUT,
} InitramfsTool;

/* "current", "built without kvmigrate's hook", …: for people. */
const char *initramfs_freshness_to_string(InitramfsFreshness f);

/* A kernel version as a plain name: no "/", not "." or "..", printable, at most 128 bytes. */
bool initramfs_kver_is_valid(const char *kver);

/**
 * initramfs_list() - every kernel below /lib/modules of @rootfd that has an
 * initramfs in /boot (initrd.img-KVER or initramfs-KVER.img), with its
 * freshness; kernels without one boot without one and are left out.
 * Return: 0, or a negative errno (not logged).
 */
int initramfs_list(int rootfd, InitramfsList *ret);

void initramfs_list_done(InitramfsList *l);

/* Whether any image of @l is not current. */
bool initramfs_list_stale(const InitramfsList *l);

/**
 * initramfs_record_build() - what a hook calls while it builds KVER's
 * image: record the rules it is putting in (made inside the root, atomic).
 * Return: 0, -EINVAL for an invalid @kver, another negative errno (not logged).
 */
int initramfs_record_build(int rootfd, const char *kver);

/**
 * initramfs_tool() - the tool that builds this root's initramfs with
 * kvmigrate's hook in it: initramfs-tools when update-initramfs and the
 * hook are installed, else dracut with the 90kvmigrate module, else none.
 */
InitramfsTool initramfs_tool(int rootfd);

/**
 * initramfs_rebuild() - rebuild @img on the running system with @tool; the
 * tool's output goes where ours does. Never for a --root: that would run
 * the guest's programs on the host.
 * Return: 0, -ENOENT without a tool, -EIO when the tool failed (logged),
 * another negative errno.
 */
int initramfs_rebuild(InitramfsTool tool, const InitramfsImage *img);
