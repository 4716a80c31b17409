/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * netcfg: the interface names the guest's network configuration uses, for a
 * guest that was never armed, whose Xen NICs nobody recorded.
 *
 * Read, never written: ifupdown (/etc/network/interfaces and interfaces.d/:
 * "auto", "allow-*", "iface"), systemd-networkd ([Match] Name= without
 * globs), NetworkManager keyfiles (interface-name=), ifcfg (DEVICE=), netplan
 * through libyaml (the ids under "ethernets:" that have no "match:", and
 * "set-name:"), and
 * the MAC that an old udev's 70-persistent-net.rules pinned each name to.
 * An alias or VLAN ("eth0:1", "eth0.100") names its NIC ("eth0").
 */

#include <stdbool.h>
#include <stddef.h>

#include "nic.h"
#include "util.h"

/* More names than that is a hostile file, not a guest: its network is left as it is. */
#define NETCFG_NAMES_MAX 4096

typedef struct NetcfgName {
        char *name; /* "eth0" */
        char *mac; /* from 70-persistent-net.rules, lower case; NULL when no rule pins it */
        char *where; /* "FILE:LINE" of its first mention */
} NetcfgName;

typedef struct Netcfg {
        NetcfgName *names;
        size_t n;
} Netcfg;

void netcfg_done(Netcfg *c);

/* The entry for @name, or NULL. */
const NetcfgName *netcfg_find(const Netcfg *c, const char *name);

/**
 * netcfg_read() - every interface name the configs below @rootfd use, in the
 * order of the places above, each once; names that are not valid interface
 * names (nic_name_is_valid()) and "lo" are skipped.
 * @ret_error: set with -EBADMSG: "FILE:LINE…: why", newly allocated
 * Return: 0; -EBADMSG when a netplan file is not YAML or a keyfile line is
 * neither a group nor a key (not logged: the caller decides what it stops);
 * another negative errno when a file cannot be read (logged with the file).
 * Otherwise a line this reader does not understand names nothing.
 */
int netcfg_read(int rootfd, Netcfg *ret, char **ret_error);

/*
 * Whether @name is what a Xen guest's NIC was called: the kernel's "ethN",
 * or "enXN" that udev's net_id gives xen-netfront from systemd 250 on.
 */
bool netcfg_name_is_xen_era(const char *name);

/**
 * netcfg_old_nics() - for a guest never armed: the Xen NICs the configs
 * imply. A name counts when it is Xen-era and no NIC has it now for good
 * (@now; a kernel's provisional eth0 in an initramfs does not count); its
 * MAC is the persistent-net rule's, when there is one, else NULL.
 * Return: 0 and the list in @ret (possibly empty), or -ENOMEM.
 */
int netcfg_old_nics(const Netcfg *c, const NicList *now, NicList *ret);

/*
 * What is wrong with line @l of a NetworkManager keyfile (GKeyFile's rules:
 * a [group], a key=value, a comment or blank, leading blanks allowed), or
 * NULL when nothing is.
 */
const char *netcfg_keyfile_line_problem(const Line *l);
