/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * config: /etc/kvmigrate.conf below the root, systemd-style:
 *
 *   [Migrate]
 *   Enabled=yes          # no: like /etc/kvmigrate.disabled
 *   Rewrite=uuid         # or name: write /dev/sdX (not stable across boots)
 *   Network=yes          # no: the NICs keep the names the kernel gives them under KVM
 *
 * A command-line option wins over the file. An unknown key or a bad value
 * stops the run with the file and line named: a typo must not silently
 * change what a migration writes.
 */

#include <stdbool.h>

#include "fixer.h"

#define CONFIG_FILE "/etc/kvmigrate.conf"

typedef struct Config {
        bool enabled;
        RewriteForm rewrite;
        bool network; /* the new NICs take the old names (fix-net.c) */
} Config;

#define CONFIG_DEFAULT ((Config){ .enabled = true, .rewrite = REWRITE_UUID, .network = true })

/**
 * config_parse() - parse @text (the file's content); @path names it in errors.
 * Return: 0, or -EBADMSG (logged as "PATH:LINE: …").
 */
int config_parse(const char *text, size_t size, const char *path, Config *ret);

/**
 * config_load() - read CONFIG_FILE below @rootfd; defaults when it is absent.
 * Return: 0, -EBADMSG, or another negative errno.
 */
int config_load(int rootfd, Config *ret);
