/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nic: the network interfaces of the guest, old and new, and which new NIC
 * takes over each old one.
 *
 * On Xen a NIC is xen-netfront (driver "vif"), named eth0, or enX0 by
 * systemd >= 250; under KVM it is virtio-net or e1000 on PCI, named ens3.
 * Every config that names the interface (ifupdown, netplan, NetworkManager,
 * ifcfg, networkd, firewall rules) keeps working when the new NIC takes the
 * old name, so the old name is what is kept (see fix-net.c). An old NIC maps
 * to the new NIC with its MAC; else, when exactly one NIC is left on each
 * side, to that one. Anything else is left to people, with a warning: a
 * server whose network is guessed wrong is as unreachable as one with none.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef struct Nic {
        char *name; /* "eth0", "enX0", "ens3" */
        char *mac; /* "00:16:3e:12:34:56", lower case; NULL only for an old NIC the configs name (netcfg.h)
                    */
        char *driver; /* "vif", "virtio_net", "e1000"; NULL when unknown */
        /*
         * The name is the one the NIC keeps: udev or a user gave it, or --nic
         * says so. A name the kernel handed out (eth0 in an initramfs without
         * udev's naming rules) is provisional: the real root's udev renames
         * it (ens3) unless a rule pins it.
         */
        bool name_final;
} Nic;

typedef struct NicList {
        Nic *nics;
        size_t n;
} NicList;

void nic_done(Nic *n);
void nic_list_done(NicList *l);

/* The udev rules that give the new NICs the old names (see fix-net.c). */
#define NIC_RULES_NAME "70-kvmigrate-net.rules"
#define NIC_RULES_FILE "/etc/udev/rules.d/" NIC_RULES_NAME

/* The driver of xen-netfront's NICs. */
#define NIC_DRIVER_XEN "vif"

/*
 * An interface name kvmigrate writes into a udev rule: 1 to 15 bytes (the
 * kernel's IFNAMSIZ), letters, digits, '-', '_' and '.', not "." or "..".
 */
bool nic_name_is_valid(const char *name);

/**
 * nic_mac_normalize() - @s ("00:16:3E:12:34:56", or with '-') as six
 * lower-case hex pairs joined by ':'. The all-zero and broadcast addresses
 * name no NIC.
 * Return: 0 and a newly allocated string in @ret, -EINVAL, -ENOMEM.
 */
int nic_mac_normalize(const char *s, char **ret);

/**
 * nic_list_add() - append @nic, taking over its strings (and zeroing *nic).
 * Return: 0; -EEXIST when a NIC of that name or MAC is listed already
 * (@nic untouched); -ENOMEM.
 */
int nic_list_add(NicList *l, Nic *nic);

/* The NIC called @name, or NULL. */
const Nic *nic_list_find(const NicList *l, const char *name);

/**
 * nic_parse_arg() - "--nic NAME=MAC[,DRIVER]", the NIC an offline guest gets.
 * Return: 0 and the NIC in @ret; -EINVAL (logged, naming the argument);
 * -ENOMEM.
 */
int nic_parse_arg(const char *arg, Nic *ret);

/**
 * nic_probe_udev() - the Ethernet NICs of the running system that sit on a
 * bus (no loopback, bridge, bond, VLAN or tunnel), with their drivers.
 * Return: 0, or a negative errno (not logged).
 */
int nic_probe_udev(NicList *ret);

/**
 * nic_parse_words() - one snapshot line, already split into key/value
 * @words ("nic", NAME, "mac", MAC, "driver", DRIVER); @where is "FILE:LINE".
 * Unknown keys are ignored (a newer kvmigrate wrote them).
 * Return: 0 and the NIC in @ret; -EBADMSG (logged with @where); -ENOMEM.
 */
int nic_parse_words(char **words, const char *where, Nic *ret);

/* The snapshot line of @nic, with its newline. Return 0, -EINVAL, -ENOMEM. */
int nic_format(Buf *b, const Nic *nic);

typedef enum NicMethod {
        NIC_METHOD_MAC, /* the same MAC: the host kept it */
        NIC_METHOD_ONLY, /* the only NIC left on each side */
        _NIC_METHOD_MAX,
} NicMethod;

/* "mac", "only" */
const char *nic_method_to_string(NicMethod m);

typedef struct NicMapEntry {
        const Nic *old; /* in the old list */
        const Nic *new; /* in the new list */
        NicMethod method;
} NicMapEntry;

typedef struct NicMapping {
        NicMapEntry *entries;
        size_t n;
} NicMapping;

void nic_mapping_done(NicMapping *m);

/**
 * nic_map() - map each NIC of @old to one of @new: by MAC, else by
 * elimination when one NIC is left on each side.
 * @ret_warnings: each old NIC left unmapped, and why (appended to)
 *
 * An old NIC is also left when the new NIC that would take its name is not
 * the one that holds the name now (two NICs would have to swap kernel names,
 * which udev cannot do safely).
 * Return: 0, or -ENOMEM.
 */
int nic_map(
        const NicList *old, const NicList *new, NicMapping *ret, char ***ret_warnings, size_t *n_warnings);

/**
 * nic_rename_now() - on the running system, have udev apply the new rules to
 * each NIC of @m that changes name: it named them before the rules existed.
 * A synthetic "add" event (what "udevadm trigger" sends) for each one that
 * is down; one that is up keeps its name until the next boot (udev cannot
 * rename it), with a warning.
 * Return: how many NICs were sent an event, or a negative errno (logged).
 */
int nic_rename_now(const NicMapping *m);
