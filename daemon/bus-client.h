/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bus-client: the client side of org.kvmigrate.Migrate1, for migratectl.
 * The names below are the service's interface; migrated uses them too.
 *
 * None of these functions logs above debug: an unreachable bus or service is
 * an ordinary condition (offline root, early boot), and the caller falls back
 * to reading the state file.
 */

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "state.h"

#define MIGRATE_BUS_NAME "org.kvmigrate.Migrate1"
#define MIGRATE_BUS_PATH "/org/kvmigrate/Migrate1"
#define MIGRATE_BUS_INTERFACE "org.kvmigrate.Migrate1"

/* Plan() or Run() would have to guess a device, or a file cannot be parsed: nothing changed. */
#define MIGRATE_BUS_ERROR_REFUSED MIGRATE_BUS_INTERFACE ".Error.Refused"
/* Rollback() found no backup to restore. */
#define MIGRATE_BUS_ERROR_NO_BACKUP MIGRATE_BUS_INTERFACE ".Error.NoBackup"

/**
 * bus_client_open() - connect to the system bus ($DBUS_SYSTEM_BUS_ADDRESS
 * when set).
 * Return: 0 and the connection in @ret; -ENOENT, -ECONNREFUSED or another
 * negative errno when there is no bus to reach.
 */
int bus_client_open(sd_bus **ret);

/**
 * bus_client_describe() - the state record as the service reports it, from
 * its Describe() method.
 * @ret: an empty record, filled in
 * Return: 0 and the record in @ret; a negative errno when the service cannot
 * be reached (-EHOSTDOWN, -ETIMEDOUT, ...) or -EBADMSG when its answer does
 * not parse.
 */
int bus_client_describe(sd_bus *bus, StateRecord *ret);

/**
 * bus_client_wait() - wait until the State of the service is neither
 * "pending" nor "running": each PropertiesChanged signal of the service (and,
 * in case one is missed, every second) the record is read again.
 * @timeout_usec: the longest wait, in microseconds
 * @ret:          an empty record, filled in
 * Return: 0 and the final record in @ret; -ETIMEDOUT and the last record
 * seen in @ret; another negative errno when the service stops answering
 * (@ret left empty).
 */
int bus_client_wait(sd_bus *bus, uint64_t timeout_usec, StateRecord *ret);

/* How long Run() and Rollback() may take: a migration probes every disk. */
#define MIGRATE_BUS_RUN_TIMEOUT_USEC (5ULL * 60ULL * 1000000ULL)

/**
 * bus_client_call() - call @method (Plan, Run or Rollback), which takes no
 * arguments and returns one string.
 * @error: filled in when the service answered with an error
 * Return: 0 and the newly allocated string in @ret; a negative errno.
 */
int bus_client_call(sd_bus *bus, const char *method, char **ret, sd_bus_error *error);
