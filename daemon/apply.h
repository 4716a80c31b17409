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
 *   journal/rollback                     a rollback under way (see apply_rollback())
 *
 * The manifest has "file" lines (path, kind, mode, owner), "xattr" lines
 * (the original's SELinux label and user.* attributes, hex) and "dir" lines
 * (folders apply made because they were missing); older manifests have
 * "file" lines only, and are still read.
 *
 * A run cut off before the commit changed nothing and is discarded; a run
 * cut off after it is finished from the journal by apply_recover(). Each
 * file is replaced by writing a temporary file beside it, fsync, rename,
 * fsync of the folder; its mode, owner, SELinux label and user.* attributes
 * are kept (where the filesystem has xattrs), and a file reached through a
 * link is replaced at its target. A file with more than one hard link is
 * refused before anything changes (-EMLINK): a rename would split the link.
 *
 * The state folder belongs to the guest and is not trusted: below it no
 * link is followed, no ".." taken, and only regular files are read (opened
 * with O_NONBLOCK, so a FIFO never blocks). Every record read back (the
 * manifest, the journal's plan and done lines) is checked field by field;
 * anything wrong refuses the whole operation with "FILE:LINE: what"
 * (-EBADMSG, logged) before any file changes.
 */

#include "plan.h"

#define APPLY_E_STALE 1 /* a file changed between plan and apply */

typedef void (*ApplyProgress)(const Edit *e, void *userdata);

/**
 * apply_plan() - back up, journal and apply every edit of @plan below @rootfd.
 * @progress: called after each edit has landed (may be NULL)
 *
 * An edit whose file changed is reported to @progress even when an error
 * follows (the folder's fsync after the rename failed): the caller's record
 * must count it as applied.
 * Return: 0; -ESTALE when a file no longer holds what the plan expected
 * (logged; nothing changed); -EMLINK when a file to replace has more than
 * one hard link (logged with its name; nothing changed); -EBUSY when an interrupted run must be
 * recovered first; -EBADMSG when the manifest of an earlier run is invalid
 * (logged with file and line; nothing changed); -ELOOP, -ENOTDIR, -EISDIR,
 * -EBADFD when a link, folder or FIFO stands where the backup or journal
 * goes (logged with the path); another negative errno (logged).
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
 * Every edit and every new content is read and checked before the first
 * file changes.
 * An interrupted rollback (journal/rollback) is finished first, as
 * apply_rollback() would, and its record set to rolled-back.
 * Return: 1 when a committed run or an interrupted rollback was finished, 0 when there was nothing to
 * do (or only an uncommitted journal, now removed); -EBADMSG when the
 * journal is invalid or incomplete (logged with file and line, nothing
 * changed); -ELOOP, -ENOTDIR, -EISDIR, -EBADFD for a link, folder or FIFO in
 * the journal (logged with the path); another negative errno (logged).
 */
int apply_recover(int rootfd, char ***ret_paths);

/**
 * apply_rollback() - restore every original kept in the backup, byte for
 * byte, with its mode, owner, SELinux label and user.* attributes; files
 * the migration created are removed, and so are the folders it made, when
 * they are empty. The manifest and every backup file are read and checked
 * first. Then journal/rollback is written and the record (if there is one)
 * says degraded, with an error: a rollback cut off from here on is finished
 * by the next apply_recover() (every boot) or apply_rollback(). Once every
 * file is back, the backup is kept as backup.rolled-back-USEC, the record
 * says rolled-back, and the journal (with a pending run's) is removed.
 * @ret_paths: if not NULL, the restored paths
 * Return: 0, -ENOENT when there is no backup (not logged); -EBADMSG when
 * the manifest is invalid (a path that is not absolute and normalized, an
 * unknown or missing kind=, a mode= beyond 07777, a uid=/gid= that is not
 * an ID), or a link, folder, FIFO or missing file stands where the
 * manifest or a backup file belongs (logged with file and line or path;
 * nothing changed); another negative errno (logged; files may have been
 * restored).
 */
int apply_rollback(int rootfd, char ***ret_paths);

/**
 * read_file_content() - the current FileContent of canonical @path below
 * @rootfd, not following a symlink at its end.
 * Return: 0 (kind FILE_ABSENT when missing), or a negative errno.
 */
int read_file_content(int rootfd, const char *path, FileContent *ret);
