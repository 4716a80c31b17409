/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * apply: carry out a plan as one transaction, and undo it.
 *
 * Below /var/lib/kvmigrate:
 *   backup/manifest, backup/files/PATH   every original, kept before anything changes
 *   journal/plan                         the edits; its atomic write is the commit point
 *   journal/new-N                        the new content of edit N
 *   journal/done                         "done=N" appended (and synced) as each edit lands
 *
 * A run cut off before the commit changed nothing and is discarded; a run
 * cut off after it is finished from the journal by apply_recover(). Each
 * file is replaced by writing a temporary file beside it, fsync, rename,
 * fsync of the folder; its mode, owner and SELinux label are kept, and a
 * file reached through a link is replaced at its target.
 */

#include "plan.h"

#define APPLY_E_STALE 1 /* a file changed between plan and apply */

typedef void (*ApplyProgress)(const Edit *e, void *userdata);

/**
 * apply_plan() - back up, journal and apply every edit of @plan below @rootfd.
 * @progress: called after each edit has landed (may be NULL)
 *
 * Return: 0; -ESTALE when a file no longer holds what the plan expected
 * (logged; nothing changed); -EBUSY when an interrupted run must be
 * recovered first; another negative errno (logged).
 */
int apply_plan(int rootfd, const Plan *plan, ApplyProgress progress, void *userdata);

/**
 * apply_plan_full() - apply_plan(), and @landed (if not NULL) is called once
 * every edit has landed and before the journal is removed, so that what it
 * records (the state record) is never lost to a crash: until the journal
 * is gone, the next run finishes this one.
 * Return: as apply_plan(), or what @landed returned.
 */
int apply_plan_full(
        int rootfd, const Plan *plan, ApplyProgress progress, int (*landed)(void *userdata), void *userdata);

/* Whether a journal (an interrupted run, committed or not) is there: the cheap check before recovering. */
bool apply_pending(int rootfd);

/**
 * apply_recover() - finish a run that was cut off after its commit point,
 * or discard one cut off before it.
 * @ret_paths: if not NULL, the paths of the finished run's edits
 * Return: 1 when a committed run was finished, 0 when there was nothing to
 * do (or only an uncommitted journal, now removed), a negative errno.
 */
int apply_recover(int rootfd, char ***ret_paths);

/**
 * apply_rollback() - restore every original kept in the backup, byte for
 * byte, with its mode and owner; files the migration created are removed.
 * A pending journal is discarded first. The backup is then kept as
 * backup.rolled-back-USEC.
 * @ret_paths: if not NULL, the restored paths
 * Return: 0, -ENOENT when there is no backup, another negative errno.
 */
int apply_rollback(int rootfd, char ***ret_paths);

/**
 * read_file_content() - the current FileContent of canonical @path below
 * @rootfd, not following a symlink at its end.
 * Return: 0 (kind FILE_ABSENT when missing), or a negative errno.
 */
int read_file_content(int rootfd, const char *path, FileContent *ret);
