/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * plan: the ordered list of edits a migration makes. Fixers add to it; it
 * changes nothing itself. Each edit names one file by its canonical path
 * inside the root and holds its whole old and new content, so the plan can
 * be shown as a diff, journalled, applied and compared.
 */

#include <stdbool.h>
#include <stdio.h>

#include "util.h"

typedef enum FileKind {
        FILE_ABSENT,
        FILE_REGULAR,
        FILE_SYMLINK,
} FileKind;

typedef struct FileContent {
        FileKind kind;
        char *data; /* regular: the bytes (NUL-terminated copy); symlink: the target */
        size_t size;
} FileContent;

typedef struct Edit {
        char *path; /* canonical, absolute inside the root: "/etc/fstab" */
        FileContent old;
        FileContent new;
        char *fixer; /* "fstab" */
        char *reason; /* one line for people: "xvda → sda (UUID=...)" */
} Edit;

typedef struct Plan {
        Edit *edits;
        size_t n_edits;
        char **warnings; /* NULL-terminated, may be NULL */
        size_t n_warnings;
} Plan;

void plan_done(Plan *p);

/**
 * plan_replace() - propose that the regular file @path (canonical) holding
 * @old now holds @new instead. An edit of the same path proposed earlier is
 * an error unless it proposes the same bytes (then it is dropped): two
 * fixers reaching one file through a link must agree.
 * Return: 0, -EEXIST on a conflict (logged), -ENOMEM.
 */
int plan_replace(Plan *p, const char *path, const char *old, size_t old_size, const char *new,
        size_t new_size, const char *fixer, const char *reason);

/**
 * plan_add() - the general form: any FileContent kinds (create, delete,
 * symlink). Copies everything it is given.
 * Return: as plan_replace().
 */
int plan_add(Plan *p, const char *path, const FileContent *old, const FileContent *new, const char *fixer,
        const char *reason);

/* plan_move() - @old_path (holding @old) goes, @new_path (absent now) comes with @new. Return as plan_add().
 */
int plan_move(Plan *p, const char *old_path, const FileContent *old, const char *new_path,
        const FileContent *new, const char *fixer, const char *reason);

/* A note for the report ("sd names are not stable ..."); duplicates are dropped. Return 0 or -ENOMEM. */
int plan_warn(Plan *p, const char *fmt, ...) _printf_(2, 3);

/* The edit of @path, or NULL. */
const Edit *plan_find(const Plan *p, const char *path);

/**
 * plan_format_diff() - the plan as one unified diff with git's extended
 * headers ("diff --git a/PATH b/PATH", "new file mode", "deleted file mode";
 * see diff_git()), edits in plan order, so that "patch -p1" (GNU patch 2.7)
 * and "git apply" in the root both make what apply makes, links included.
 * A link is shown as its target without a newline, as git shows it; a link
 * that moves or changes target is a deletion and a creation.
 * Return: 0 and a newly allocated string, -EINVAL, -ENOMEM.
 */
int plan_format_diff(const Plan *p, char **ret);

int file_content_copy(FileContent *dst, const FileContent *src);
void file_content_done(FileContent *c);
bool file_content_equal(const FileContent *a, const FileContent *b);
const char *file_kind_to_string(FileKind k);
