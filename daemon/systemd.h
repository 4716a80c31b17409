/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * systemd: the little kvmigrate asks of the service manager after it has
 * changed files under a running system. The early boot unit runs before
 * the D-Bus broker, so the manager is reached on its private socket, the
 * way systemctl does as root.
 */

/**
 * systemd_reload() - "systemctl daemon-reload": rerun the generators so that
 * mount and swap units follow the new fstab, and read changed unit links.
 * Return: 0; -ENOENT / -ECONNREFUSED when no systemd runs (a container, the
 * initramfs before switch-root: nothing to reload); another negative errno.
 */
int systemd_reload(void);

/**
 * systemd_start_unit() - start @name ("serial-getty@ttyS0.service"), not
 * waiting for the job to finish.
 * Return: 0, or a negative errno as systemd_reload().
 */
int systemd_start_unit(const char *name);

/* systemd_stop_unit() - stop @name (its pending start job is cancelled). Return as systemd_start_unit(). */
int systemd_stop_unit(const char *name);
