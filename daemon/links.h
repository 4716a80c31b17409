/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * links: /dev/xvd* compatibility links under KVM, for whatever nobody knew to
 * rewrite (a script, a config outside the fixers' reach) and for the
 * initramfs, which must find root=/dev/xvda before anything is migrated.
 *
 * The links come from udev rules written from the snapshot under Xen: each
 * old device is matched by its recorded identity (UUID, LABEL, PARTUUID,
 * PTUUID), never by letter, and only on a node whose kernel name is not
 * xvd*, so the rules do nothing while the guest still runs on Xen.
 */

#include "inventory.h"

#define LINKS_RULES_FILE "/etc/udev/rules.d/70-kvmigrate-xvd.rules"

/**
 * links_format_rules() - the udev rules for the old devices of @snapshot.
 * A device with no identity, or one whose identity udev cannot match
 * literally, gets no rule.
 * Return: 0 and a newly allocated text in @ret, or -ENOMEM.
 */
int links_format_rules(const Inventory *snapshot, char **ret);

/**
 * links_save_rules() - write LINKS_RULES_FILE below @rootfd when its content
 * differs (atomically; the folder is made inside the root if missing).
 * Return: 1 when written, 0 when already current, a negative errno.
 */
int links_save_rules(int rootfd, const Inventory *snapshot);

/**
 * links_remove_rules() - remove LINKS_RULES_FILE below @rootfd.
 * Return: 0 (also when absent), or a negative errno.
 */
int links_remove_rules(int rootfd);

#define LINKS_BUS_RULES_FILE "/run/udev/rules.d/70-kvmigrate-xvd-bus.rules"

/**
 * links_format_bus_rules() - for a guest never armed, under KVM: udev rules
 * that link /dev/@xvd's disk ("xvda1": xvda) and its partitions to the
 * X-th disk of @new in the order the host attached them, as if the Xen disks
 * had had no gap, matched by its bus path. What the initramfs needs when
 * root=/dev/xvd* names a disk no rule knows; the run that follows checks
 * that the root it mounted is the one fstab names. Only that disk: another
 * xvd name, which a line left as it is may hold, gets no link.
 * Return: 0 and a newly allocated text in @ret; -EINVAL when @xvd is not an
 * xvd name; -ENOENT when that disk is not there (yet); -ENXIO when the order
 * is not certain (a bus position unknown, disks on more than one
 * controller); -ENOMEM.
 */
int links_format_bus_rules(const Inventory *new, const char *xvd, char **ret);
