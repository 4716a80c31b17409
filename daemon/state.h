/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * state: the record of a migration, /var/lib/kvmigrate/state below the root.
 * Plain "key=value" lines (values escaped with value_escape()), so the
 * initramfs shell code can read it with grep and sed:
 *
 *   state=done
 *   hypervisor=kvm
 *   mode=virtio-scsi+virtio-net
 *   started=1732412345000000
 *   finished=1732412345100000
 *   mapping old=xvda new=sda uuid=... label=root type=ext4 method=uuid
 *   nic old=enX0 new=ens3 old-mac=00:16:3e:... new-mac=52:54:00:... method=mac
 *   edit path=/etc/fstab fixer=fstab result=applied
 *   warning message=...
 *   error message=...
 */

#include <stdbool.h>

#include "util.h"

#define STATE_DIR "var/lib/kvmigrate"
#define STATE_FILE STATE_DIR "/state"

typedef enum MigrationState {
        MIGRATION_NOT_NEEDED,
        MIGRATION_ARMED,
        MIGRATION_PENDING,
        MIGRATION_RUNNING,
        MIGRATION_DONE,
        MIGRATION_DEGRADED,
        MIGRATION_FAILED,
        MIGRATION_ROLLED_BACK,
        _MIGRATION_STATE_MAX,
        _MIGRATION_STATE_INVALID = -1,
} MigrationState;

typedef struct StateMapping {
        char *old_name; /* "xvda" */
        char *new_name; /* "sda" */
        char *uuid; /* may be NULL */
        char *label; /* may be NULL */
        char *type; /* may be NULL */
        char *method; /* "uuid", "label", "partuuid", "ptuuid", "order" */
} StateMapping;

typedef struct StateNic {
        char *old_name; /* "enX0": the name the NIC keeps */
        char *new_name; /* "ens3": the name the kernel gave the new NIC */
        char *old_mac; /* may be NULL */
        char *new_mac; /* may be NULL */
        char *method; /* "mac", "only" */
} StateNic;

typedef struct StateEdit {
        char *path; /* "/etc/fstab" */
        char *fixer; /* "fstab" */
        char *result; /* "planned", "applied", "failed", "rolled-back" */
} StateEdit;

typedef struct StateRecord {
        MigrationState state;
        char *hypervisor; /* "kvm", "xen", ... or NULL */
        char *mode; /* "virtio-scsi+virtio-net" or NULL */
        unsigned long long started_usec; /* 0: never */
        unsigned long long finished_usec; /* 0: not finished */
        StateMapping *mappings;
        size_t n_mappings;
        StateNic *nics;
        size_t n_nics;
        StateEdit *edits;
        size_t n_edits;
        char **warnings; /* NULL-terminated, may be NULL */
        char **errors; /* NULL-terminated, may be NULL */
} StateRecord;

const char *migration_state_to_string(MigrationState s); /* "not-needed", "armed", "pending", "running",
                                                            "done", "degraded", "failed", "rolled-back" */
MigrationState migration_state_from_string(const char *s);

/* Frees everything the record holds and zeroes it (state: NOT_NEEDED). */
void state_record_done(StateRecord *r);

/* Appenders copy their arguments. Return 0 or -ENOMEM. */
int state_record_add_mapping(StateRecord *r, const char *old_name, const char *new_name, const char *uuid,
        const char *label, const char *type, const char *method);
int state_record_add_nic(StateRecord *r, const char *old_name, const char *new_name, const char *old_mac,
        const char *new_mac, const char *method);
int state_record_add_edit(StateRecord *r, const char *path, const char *fixer, const char *result);
int state_record_add_warning(StateRecord *r, const char *message);
int state_record_add_error(StateRecord *r, const char *message);

/**
 * state_load() - read the record below @rootfd. No link is followed inside
 * the state folder and only a regular file is read (a FIFO never blocks).
 * Return: 0, -ENOENT if there is none (not logged), -EBADMSG if a line is
 * malformed (logged with file and line); -EISDIR (a folder), -EBADFD (a
 * FIFO, socket or device), -ELOOP or -ENOTDIR (a link), another negative
 * errno: all logged with the path.
 */
int state_load(int rootfd, StateRecord *ret);

/**
 * state_save() - write the record below @rootfd atomically (temporary file in
 * the same folder, fsync, rename, fsync of the folder), creating
 * /var/lib/kvmigrate (mode 0755) if needed. A link at "state" is replaced,
 * never followed.
 * Return: 0, -EISDIR when a folder stands at "state", or another negative
 * errno (not logged).
 */
int state_save(int rootfd, const StateRecord *r);

/**
 * state_format() - the record in the file's text form.
 * Return: 0 and a newly allocated string in @ret, or -ENOMEM.
 */
int state_format(const StateRecord *r, char **ret);

/**
 * state_parse() - the reverse of state_format(); @path names the file in
 * error messages ("PATH:LINE: ...").
 * Return: 0, -EBADMSG, -ENOMEM.
 */
int state_parse(const char *text, const char *path, StateRecord *ret);

/*
 * The record keeps the bytes it was given (labels and paths come from the
 * guest's disks and files); what is shown is made safe on the way out.
 */

/**
 * state_string_to_utf8() - @s as valid UTF-8 (RFC 3629): each byte that does
 * not begin a valid sequence (a stray continuation byte, a truncated or
 * overlong sequence, a surrogate, anything above U+10FFFF) is replaced by
 * U+FFFD, one for each byte; everything else is kept as it is.
 * Return: 0 and a newly allocated string in @ret (NULL when @s is NULL), or
 * -ENOMEM.
 */
int state_string_to_utf8(const char *s, char **ret);

/**
 * state_string_escape() - @s for a terminal: control characters (C0, DEL,
 * and U+0080..U+009F), bytes that are not valid UTF-8, and the backslash
 * itself are written as "\xHH", one for each byte; other valid UTF-8 is kept.
 * Return: 0 and a newly allocated string in @ret (NULL when @s is NULL), or
 * -ENOMEM.
 */
int state_string_escape(const char *s, char **ret);

/**
 * state_record_to_utf8() - every string of @rec through state_string_to_utf8(),
 * in place: what D-Bus carries ("s" must be valid UTF-8).
 * Return: 0 or -ENOMEM (@rec then partly converted, still valid to free).
 */
int state_record_to_utf8(StateRecord *rec);

/**
 * state_record_escape() - every string of @rec through state_string_escape(),
 * in place: for the text form of "migratectl status".
 * Return: 0 or -ENOMEM (@rec then partly converted, still valid to free).
 */
int state_record_escape(StateRecord *rec);

/**
 * state_to_json() - the record as one JSON object (json-c), with the keys
 * state, hypervisor, mode, started, finished (microseconds since the epoch,
 * null when 0), mappings [{old, new, uuid, label, type, method}],
 * nics [{old, new, old_mac, new_mac, method}],
 * edits [{path, fixer, result}], warnings [..], errors [..].
 * Absent strings are JSON null. Every string is made valid UTF-8 with
 * state_string_to_utf8(); json-c escapes the control characters.
 * Return: 0 and a newly allocated string in @ret, or -ENOMEM.
 */
int state_to_json(const StateRecord *r, bool pretty, char **ret);

/**
 * state_from_json() - the reverse of state_to_json(): absent keys and JSON
 * null are absent values.
 * Return: 0 and the record in @ret; -EBADMSG when @json is not such an
 * object (a wrong type, an unknown state); -ENOMEM.
 */
int state_from_json(const char *json, StateRecord *ret);

/* Moves the contents out of @r, leaving it empty for its cleanup. */
StateRecord state_record_take(StateRecord *r);

/* Pending or running: a migration is under way. */
bool migration_state_is_active(MigrationState s);
