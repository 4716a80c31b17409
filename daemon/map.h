/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * map: which new device holds what an old Xen device held.
 *
 * By recorded identity first (UUID, then LABEL, then PARTUUID, then the
 * partition table's PTUUID), checked against TYPE. Names with no recorded
 * identity follow the order rule the kernel applies when the disks come
 * back as sd*: the i-th Xen disk letter in use becomes the i-th new disk
 * (xvda + xvdc become sda + sdb; RHEL 6's xvde becomes sda). That rule is
 * only trusted for a disk where a declared filesystem type confirms it.
 * Anything ambiguous is an error; nothing is guessed.
 */

#include "inventory.h"

typedef enum MapMethod {
        MAP_METHOD_UUID,
        MAP_METHOD_LABEL,
        MAP_METHOD_PARTUUID,
        MAP_METHOD_PTUUID,
        MAP_METHOD_ORDER, /* the order rule, the new disks by letter */
        MAP_METHOD_BUS, /* the order rule, the new disks by bus position */
        _MAP_METHOD_MAX,
} MapMethod;

/* A place where a config file names an old device. */
typedef struct Reference {
        char *name; /* old kernel name: "xvda1" */
        char *type; /* the filesystem type the file declares, or NULL */
        char *where; /* "/etc/fstab:3" */
        /*
         * The file can live without the device (fstab nofail/noauto, a unit's
         * nofail): when it cannot be mapped, its line is left as it is, with a
         * warning, instead of stopping the whole migration.
         */
        bool optional;
        /* fstab mounts it on "/". */
        bool root;
} Reference;

typedef struct MapEntry {
        char *old_name;
        const Device *old; /* in the old inventory */
        const Device *new; /* in the new inventory */
        MapMethod method;
} MapEntry;

typedef struct Mapping {
        MapEntry *entries;
        size_t n;
} Mapping;

void mapping_done(Mapping *m);
const MapEntry *mapping_find(const Mapping *m, const char *old_name);
/* "uuid", "label", "partuuid", "ptuuid", "order", "bus" */
const char *map_method_to_string(MapMethod m);

/* True when two filesystem types are the same for mounting purposes (ext2/3/4 are one family). */
bool fstype_compatible(const char *declared, const char *found);

/**
 * map_build() - map every old device (all of @old and every name in @refs).
 * @old:  the old devices (snapshot, blkid cache); names only seen in
 *        @refs are treated as having no recorded identity
 * @new:  the devices present now
 * @refs: the references the fixers found
 * @ret:  the mapping; entries sorted by old name in kernel order
 * @ret_errors:   why a referenced device could not be mapped (one line each)
 * @ret_warnings: old devices nothing refers to that could not be mapped,
 *                and optional ones (Reference.optional) left as they are
 *
 * When @new knows the device that holds the root being migrated
 * (root_devnum), whatever a Reference.root names must map to it.
 *
 * Return: 0; -ENXIO when some referenced device cannot be mapped with
 * certainty (@ret_errors says which and why; @ret is then empty); -ENOMEM.
 */
int map_build(const Inventory *old, const Inventory *new, const Reference *refs, size_t n_refs, Mapping *ret,
        char ***ret_errors, char ***ret_warnings);
