/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * migrate: one migration from detection to plan, the steps in order; and
 * the record of it. The programs only parse arguments and call these.
 */

#include <errno.h>
#include <stdbool.h>

#include "config.h"
#include "detect.h"
#include "fixer.h"
#include "inventory.h"
#include "map.h"
#include "plan.h"
#include "state.h"

#define MIGRATE_NOT_NEEDED 1 /* not running under a KVM-like hypervisor: nothing to do */
#define MIGRATE_DISABLED 2 /* /etc/kvmigrate.disabled or kvmigrate=off */
#define MIGRATE_ALREADY 3 /* a migration already happened here (or was rolled back, or half done) */

#define MIGRATE_DISABLED_FILE "/etc/kvmigrate.disabled"

/*
 * Whether @r refuses rather than fails: nothing was changed, because something
 * could not be known for certain (a mapping, a file that cannot be parsed or
 * is too big, a file changed under the plan, a hard link a rename would
 * split). migratectl exits 2 for it, migrated answers Error.Refused.
 */
static inline bool migrate_error_is_refusal(int r) {
        return r == -ENXIO || r == -EBADMSG || r == -EFBIG || r == -ESTALE || r == -EEXIST || r == -EMLINK;
}

typedef struct MigrateOptions {
        const char *root; /* "/" for the running system */
        char **disks; /* "NAME=PATH" each, NULL-terminated; NULL: enumerate with libudev */
        char **nics; /* "NAME=MAC[,DRIVER]" each, NULL-terminated; NULL: udev unless @disks */
        Hypervisor hypervisor; /* _HYPERVISOR_INVALID: detect */
        RewriteForm form; /* _REWRITE_DEFAULT: the configuration's */
        /*
         * Detect the hypervisor from the running system even when @root is
         * elsewhere: the initramfs migrates /sysroot, whose /sys is empty.
         */
        bool detect_live;
        /*
         * Only the record is read (status): a typo in kvmigrate.conf, or a
         * machine whose hypervisor cannot be told, must not hide it.
         */
        bool record_only;
} MigrateOptions;

typedef struct Migration {
        int rootfd;
        char *root;
        Config config; /* /etc/kvmigrate.conf of the root */
        RewriteForm form; /* the options', else the configuration's */
        Detection detection;
        Inventory old;
        Inventory new;
        Mapping mapping;
        NicMapping nic_mapping; /* empty when the NICs present now are not known */
        Plan plan;
        char **errors; /* why the run refused, one line each */
        size_t n_errors;
        char **warnings;
        size_t n_warnings;
        int lockfd; /* /var/lib/kvmigrate/lock, held while this run changes anything */
        int sysfd; /* "/" when the running system, not the root, says where we are; else -1 */
        bool mode_known; /* detection.disk_bus and net_driver were looked up */
} Migration;

/* An empty Migration that migration_done() may free: no descriptor is 0 by accident. */
#define MIGRATION_INIT ((Migration){ .rootfd = -1, .lockfd = -1, .sysfd = -1 })

/**
 * migration_open() - open the root, read its configuration and find the
 * hypervisor (or take the one the options name); with @o->record_only, only
 * open the root.
 * Return: 0, or a negative errno (logged).
 */
int migration_open(Migration *m, const MigrateOptions *o);

/**
 * migration_plan() - inventory, scan, map and rewrite: fill m->plan.
 * Return: 0; MIGRATE_NOT_NEEDED when the hypervisor is not KVM-like;
 * -ENXIO when a device cannot be mapped with certainty (m->errors says
 * why); -EBADMSG when a file cannot be parsed (logged with file and line);
 * another negative errno. Nothing is ever written.
 */
int migration_plan(Migration *m, const MigrateOptions *o);

/* Fill @r with the detection, mapping, planned edits, warnings and errors of @m. */
int migration_to_record(const Migration *m, StateRecord *r);

/**
 * migration_arm() - probe the devices present now (under Xen) and write
 * them as the inventory snapshot, and the state "armed".
 * Return: 0, or a negative errno (logged).
 */
int migration_arm(Migration *m, const MigrateOptions *o);

/* What a run tells its caller as it goes; every member may be NULL. */
typedef struct MigrateHooks {
        /* A file was "changed" or "restored" (@verb); @detail says why, or is NULL. */
        void (*file)(const char *verb, const char *path, const char *detail, void *userdata);
        /* The state record was saved with this state. */
        void (*state)(MigrationState state, void *userdata);
        void *userdata;
} MigrateHooks;

/**
 * migration_run() - the whole of "apply": finish a run that was cut off,
 * plan, record "running", apply as one transaction, record the outcome.
 * Return: 0 (done, or nothing to change); MIGRATE_NOT_NEEDED; -ENXIO or
 * -EBADMSG when refused (recorded as failed, nothing changed); another
 * negative errno (recorded as failed or degraded; logged).
 */
int migration_run(Migration *m, const MigrateOptions *o, const MigrateHooks *h);

/**
 * migration_rollback() - restore every original and record "rolled-back".
 * Return: 0, -ENOENT when there is no backup, another negative errno (logged).
 */
int migration_rollback(Migration *m, const MigrateHooks *h);

/**
 * migration_boot() - what every boot does, cheaply: nothing when switched
 * off; under Xen, refresh the snapshot and the compatibility links; under
 * KVM, migrate once. A record that says done, degraded or rolled-back ends
 * it at once (a clone of a migrated template does not run again); a failed
 * run changed nothing, so it is tried again.
 * Return: 0 (migrated, or armed under Xen), MIGRATE_NOT_NEEDED,
 * MIGRATE_DISABLED, MIGRATE_ALREADY, or what migration_run() returns.
 */
int migration_boot(Migration *m, const MigrateOptions *o, const MigrateHooks *h);

/**
 * migration_clean() - forget this guest's migration, like "cloud-init clean"
 * for a template: the record, the snapshot and the compatibility links go;
 * the backups are kept, renamed backup.cleaned-USEC. The next boot under
 * Xen arms it again.
 * Return: 0, or a negative errno (logged).
 */
int migration_clean(Migration *m);

/**
 * migration_activate() - on the running system (root "/"), after files
 * changed: have systemd rerun its generators and reread unit links; when
 * the getty moved, stop the hvc0 one and start the ttyS0 one; when
 * @booting, also start swap.target, whose new units this boot's jobs lack.
 * Return: 0; a negative errno when systemd cannot be asked (logged as a
 * warning: the changes apply from the next boot on).
 */
int migration_activate(const Migration *m, bool booting);

/* Whether the kernel command line (/proc/cmdline, or $KVMIGRATE_PROC_CMDLINE for tests) says kvmigrate=off.
 */
bool kernel_says_off(void);

/* Probe the disks the options name, or enumerate them. */
int migration_probe_new(const MigrateOptions *o, Inventory *inv);

void migration_done(Migration *m);
