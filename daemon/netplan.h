/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * netplan: what kvmigrate needs from a netplan YAML file, read with libyaml
 * (netplan's own parser): the physical interfaces under network.ethernets,
 * and where in the file each one's "match: macaddress:" stands, so that a
 * new MAC replaces exactly those bytes and nothing else of the file moves.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct NetplanEthernet {
        char *id; /* the key under "ethernets:": the interface name, unless it has a match */
        bool matched; /* it has "match:": the id is only a label */
        char *set_name; /* "set-name:", or NULL */
        unsigned line; /* of the id, from 1 */
        unsigned set_name_line; /* of "set-name:"'s value */
} NetplanEthernet;

typedef struct NetplanMac {
        size_t offset; /* the 17 bytes of "match: macaddress:" in the file */
        unsigned line; /* from 1 */
} NetplanMac;

typedef struct NetplanFile {
        NetplanEthernet *ethernets;
        size_t n_ethernets;
        NetplanMac *macs;
        size_t n_macs;
} NetplanFile;

void netplan_file_done(NetplanFile *f);

/**
 * netplan_parse() - read @data (@size bytes) as a netplan file; @path names
 * it in the error.
 * @ret_error: why it cannot be read, "PATH:LINE:COLUMN: PROBLEM", newly
 *             allocated (not logged: the caller decides what it stops)
 * Return: 0; -EBADMSG with @ret_error (not YAML, or a macaddress that is not
 * a MAC); -ENOMEM.
 */
int netplan_parse(const char *path, const char *data, size_t size, NetplanFile *ret, char **ret_error);
