/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * fixture: the harness the unit tests of the fixers share.
 *
 * A test makes a guest's root below the run's temporary folder (empty, or a
 * copy of a fixture case's root/), writes files into it, builds the old and
 * new inventories by hand, and runs a fixer over it the way
 * migration_plan() does: the scan pass, the map, the rewrite pass. A whole
 * case (tests/fixtures/AREA/CASE/{root,expected}) runs end to end with
 * fixture_run_case(): plan, apply, compare with expected/, plan again
 * (nothing is left to do), roll back, compare with root/.
 *
 * Every helper asserts with cmocka: what goes wrong ends the test with
 * fail_msg() naming the file, the command or the fixer, and what differs.
 *
 * A test binary that uses roots or temporary paths runs its tests with
 * cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "apply.h"
#include "fixer.h"
#include "inventory.h"
#include "map.h"
#include "plan.h"
#include "util.h"

/* A NULL-terminated list of strings, in place: FIXTURE_STRV("a", "b"); FIXTURE_STRV(NULL) is empty. */
#define FIXTURE_STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * One test per fixture case, named after the case: its state is the case's
 * folder below tests/fixtures, "AREA/CASE" (see fixture_run_case()).
 */
#define FIXTURE_TEST(func, area, c)                                                                         \
        { .name = c, .test_func = func, .initial_state = (void *) (area "/" c) }

/* The run's temporary folder */

/**
 * fixture_group_setup() - cmocka group setup. The run's temporary folder is
 * made when first asked for, and unnamed roots are counted from 1 again.
 * Return: 0.
 */
int fixture_group_setup(void **state);

/**
 * fixture_group_teardown() - cmocka group teardown: remove the run's
 * temporary folder and everything below it.
 * Return: 0, or -1 when it could not be removed.
 */
int fixture_group_teardown(void **state);

/**
 * fixture_tmp_path() - a path below the run's temporary folder
 * ("/tmp/test-fix-bls-XXXXXX/" + printf(@fmt)), which is made on first use.
 * Return: the path, newly allocated.
 */
char *fixture_tmp_path(const char *fmt, ...) _printf_(1, 2);

/**
 * fixture_path() - a path below the source tree's tests/fixtures, found from
 * $KVMIGRATE_SRCDIR (tests/run-tests sets it) or else from the test binary
 * (build/ or build-asan/), whatever the working folder.
 * Return: "…/tests/fixtures/" + printf(@fmt), newly allocated.
 */
char *fixture_path(const char *fmt, ...) _printf_(1, 2);

/**
 * fixture_read() - the whole of file @path below tests/fixtures.
 * @ret_size: its size (may be NULL)
 * Return: the bytes, NUL-terminated, newly allocated.
 */
char *fixture_read(const char *path, size_t *ret_size);

/* Roots */

typedef struct FixtureRoot {
        char *path; /* below the run's temporary folder */
        int fd; /* the folder, opened O_DIRECTORY */
} FixtureRoot;

/**
 * fixture_root_new() - a fresh root below the run's temporary folder.
 * @name:      its folder's name; NULL for a new one ("root-N"). A folder of
 *             that name from earlier is removed first.
 * @case_name: a fixture case ("boot/alpine-extlinux") whose root/ the new
 *             root is a copy of (cp -a); NULL for an empty root
 * Return: the root; free it with fixture_root_free(). Its folder stays until
 * fixture_group_teardown().
 */
FixtureRoot *fixture_root_new(const char *name, const char *case_name);

/* fixture_root_free() - close and free @root (NULL is fine). Return: NULL. */
FixtureRoot *fixture_root_free(FixtureRoot *root);

static inline void fixture_root_freep(FixtureRoot **root) {
        fixture_root_free(*root);
}

/* cmocka per-test setup: *@state is a fresh empty root (a FixtureRoot *). Return: 0. */
int fixture_root_setup(void **state);

/* cmocka per-test teardown: remove and free the root in *@state. Return: 0, or -1 if it stays. */
int fixture_root_teardown(void **state);

/*
 * A guest root written by an attacker, and beside it "host": a folder that
 * stands for the host, which nothing in the root may reach.
 */
typedef struct FixtureHostile {
        char top[64]; /* /tmp/NAME-XXXXXX */
        char root[96]; /* top/root */
        char host[96]; /* top/host */
        int rootfd;
} FixtureHostile;

/* fixture_hostile_make() - make both folders below a new /tmp/@name-XXXXXX and open the root. */
void fixture_hostile_make(FixtureHostile *h, const char *name);

/*
 * fixture_hostile_done() - close the root and remove everything, unmounting
 * what is mounted below "host" first (never deleting through a mount).
 */
void fixture_hostile_done(FixtureHostile *h);

/* fixture_make_parents() - mkdir -p of the folders of "@base/@rel", up to its last component. */
void fixture_make_parents(const char *base, const char *rel);

/* A test that finds a fresh empty root in *state (see fixture_root_setup()). */
#define FIXTURE_ROOT_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_root_setup, fixture_root_teardown)

/**
 * fixture_write() - file @path below @rootfd ("etc/fstab") holds @text,
 * mode 0644; the folders on the way are made (0755).
 */
void fixture_write(int rootfd, const char *path, const char *text);

/* fixture_write_full() - as fixture_write(), @size bytes of @data with mode @mode. */
void fixture_write_full(int rootfd, const char *path, const void *data, size_t size, mode_t mode);

/* fixture_symlink() - @path below @rootfd is a symlink to @target; the folders on the way are made. */
void fixture_symlink(int rootfd, const char *path, const char *target);

/*
 * fixture_copy_tree() - copy what folder @src holds into folder @dst (cp -a: modes and links kept).
 * Commands get paths in single quotes: @src and @dst must hold none.
 */
void fixture_copy_tree(const char *src, const char *dst);

/* How fixture_assert_tree() compares. */
typedef enum FixtureTreeFlags {
        /* Folders the tree has and the wanted one lacks, holding nothing but folders, do not count. */
        FIXTURE_TREE_EMPTY_DIRS_OK = 1 << 0,
} FixtureTreeFlags;

/**
 * fixture_assert_tree() - the tree @dir holds what @want holds, with the
 * files of @overlay laid over it: the same names, kinds, bytes and link
 * targets. kvmigrate's own /var/lib/kvmigrate (and /var and /var/lib made
 * only for it) does not count.
 * @overlay: a tree whose entries replace @want's (an expected/ that holds
 *           only the files that change); NULL for none
 *
 * Every difference is listed (with a unified diff of a file that differs)
 * before the test fails.
 */
void fixture_assert_tree(const char *dir, const char *want, const char *overlay, FixtureTreeFlags flags);

/* What the code under test logs */

/*
 * fixture_stderr_start() - from now on what is written to stderr (fd 2, by
 * this process and what it runs) goes to a temporary file instead, until
 * fixture_stderr_end(). One at a time: the two do not nest.
 */
void fixture_stderr_start(void);

/**
 * fixture_stderr_end() - stderr as it was before fixture_stderr_start().
 * Return: what was written to it meanwhile, NUL-terminated ("" for
 * nothing), newly allocated: the caller frees it.
 */
char *fixture_stderr_end(void);

/* Commands */

/**
 * fixture_command_output() - run printf(@fmt) with sh.
 * @ret_status: what pclose() said (may be NULL)
 * Return: what it printed, stdout and stderr, newly allocated.
 */
char *fixture_command_output(int *ret_status, const char *fmt, ...) _printf_(2, 3);

/* fixture_shell() - run printf(@fmt) with sh; it must succeed (what it printed is shown if not). */
void fixture_shell(const char *fmt, ...) _printf_(1, 2);

/**
 * fixture_assert_findmnt() - @size bytes of @data, read back by util-linux:
 * "findmnt --verify" finds no parse error, and "findmnt -P" lists @want
 * (SOURCE, TARGET, FSTYPE and OPTIONS of each entry).
 */
void fixture_assert_findmnt(const char *data, size_t size, const char *want);

/**
 * fixture_grub_script_check() - GRUB's own parser, grub-script-check (or
 * grub2-script-check), from grub-common.
 * Return: its path, or NULL when it is not installed.
 */
const char *fixture_grub_script_check(void);

/* fixture_assert_grub_script() - @path is valid GRUB script (unchecked without grub-script-check). */
void fixture_assert_grub_script(const char *path);

/* Inventories and mappings, by hand */

/* What a device holds; NULL fields are absent. */
typedef struct FixtureDevice {
        const char *name; /* "xvda1": a partition when the name says so */
        const char *type;
        const char *uuid;
        const char *label;
        const char *partuuid;
        const char *ptuuid;
        const char *link; /* one more name under /dev ("/dev/disk/by-id/…"), or NULL */
} FixtureDevice;

/* fixture_add_device() - add @d to @inv as found from @source. */
void fixture_add_device(Inventory *inv, DeviceSource source, FixtureDevice d);

/* Old devices as a snapshot or the blkid cache gives them, new ones as probed now. */
#define OLD(inv, ...) fixture_add_device(inv, DEVICE_SOURCE_SNAPSHOT, (FixtureDevice){ __VA_ARGS__ })
#define CACHED(inv, ...) fixture_add_device(inv, DEVICE_SOURCE_BLKID_CACHE, (FixtureDevice){ __VA_ARGS__ })
#define NEW(inv, ...) fixture_add_device(inv, DEVICE_SOURCE_PROBE, (FixtureDevice){ __VA_ARGS__ })

/* fixture_map_add() - @m maps @old_name to the device @new_name of @new (method "uuid"). */
void fixture_map_add(Mapping *m, const Inventory *new, const char *old_name, const char *new_name);

/* fixture_assert_map_entry() - entry @i of @m maps @old_name to @new_name by @method. */
void fixture_assert_map_entry(
        const Mapping *m, size_t i, const char *old_name, const char *new_name, MapMethod method);

/* An empty mapping: what the console fixers, which move no device, run with. */
extern const Mapping fixture_no_devices;

/* Running a fixer */

/* What a fixer runs with. */
typedef struct FixtureGuest {
        const Inventory *old; /* may be NULL */
        const Inventory *new; /* may be NULL */
        /* A mapping made by hand; NULL: map_build()'s of @old, @new and the scan's references. */
        const Mapping *mapping;
        RewriteForm form;
        bool from_xen; /* for the rewrite pass; the scan pass runs without */
} FixtureGuest;

/* What a run of a fixer gave. */
typedef struct FixtureRun {
        Plan plan; /* the rewrite pass's edits and warnings, added to those of an earlier run */
        Mapping mapping; /* map_build()'s, when the guest brought no mapping */
        Reference *refs; /* what the scan pass recorded */
        size_t n_refs;
        int scan; /* what the scan pass returned */
        int rewrite; /* what the rewrite pass returned; 0 when it did not run */
        size_t n_scan_warnings; /* the scan pass's warnings, which migration_plan() drops */
} FixtureRun;

void fixture_run_done(FixtureRun *run);

/**
 * fixture_run() - run fixer @f on the root @rootfd as migration_plan() does:
 * the scan pass, whose plan must stay empty; the map, unless @g brings
 * one (map_build() must map every reference); the rewrite pass, which must
 * record no more references and whose edits must all be @f's own, into
 * @run->plan. @run's other fields are replaced.
 * Return: the scan pass's result if it failed (the rewrite pass then does
 * not run), else the rewrite pass's.
 */
int fixture_run(FixtureRun *run, const Fixer *f, int rootfd, const FixtureGuest *g);

/* fixture_run_from_xen() - fixture_run() of a guest from Xen whose devices @old are @new now. */
int fixture_run_from_xen(
        FixtureRun *run, const Fixer *f, int rootfd, const Inventory *old, const Inventory *new);

/**
 * fixture_assert_refused() - @f refuses a fresh root whose file @path holds
 * @text: its scan pass (with the devices of @g) returns @want; so does its
 * rewrite pass when @g brings a mapping to run it with; nothing is planned.
 * Return: how many references the scan pass recorded before it refused.
 */
size_t fixture_assert_refused(
        const Fixer *f, const FixtureGuest *g, const char *path, const char *text, int want);

/* fixture_run_console() - fixture_run() of a console fixer, which moves no device: @from_xen decides. */
int fixture_run_console(FixtureRun *run, const Fixer *f, int rootfd, bool from_xen);

/**
 * fixture_run_logged() - @f->run(@c), with what it logs to stderr kept.
 * @ret_log: the messages, newly allocated
 * Return: what the fixer returned.
 */
int fixture_run_logged(const Fixer *f, FixerContext *c, char **ret_log);

/**
 * fixture_assert_idempotent() - a second run of @f on @rootfd (a migrated
 * root) finds nothing left: no reference, no edit, and unless @may_warn no
 * warning (the console fixers warn again of what they leave to people).
 */
void fixture_assert_idempotent(const Fixer *f, int rootfd, const FixtureGuest *g, bool may_warn);

/* A fixture case, end to end. */
typedef struct FixtureCase {
        const Fixer *fixer;
        const char *name; /* below tests/fixtures: "boot/alpine-extlinux", with root/ and expected/ */
        FixtureGuest guest;
        /* All the scan's references, in order ("NAME TYPE WHERE", "-": no type); NULL: not checked. */
        const char *const *refs;
        bool expected_overlay; /* expected/ holds only the files that change (laid over root/) */
        FixtureTreeFlags tree; /* how the trees are compared */
        bool warnings_file; /* the warnings are the lines of the case's "warnings" file (none without one) */
        bool xen_only; /* first: a guest that did not come from Xen gets no edit and no warning */
        bool again_may_warn; /* the second run may still warn (of what is left to people) */
        /* More checks on the migrated root (before the second run and the rollback); may be NULL. */
        void (*check)(const FixtureRoot *root, const void *userdata);
        const void *userdata;
} FixtureCase;

/**
 * fixture_run_case() - fixture case @fc as a migration runs it. On a copy of
 * its root/ (the folder named after the case, kept until the group
 * teardown): fixture_run(), which must succeed and find @fc->refs; the tree
 * is untouched (fixers only propose); apply_plan() makes it expected/; a
 * second run finds nothing left (fixture_assert_idempotent()); when the
 * plan had edits, apply_rollback() gives root/ back.
 * @ret: if not NULL, the first run, for more checks (fixture_run_done() it)
 */
void fixture_run_case(const FixtureCase *fc, FixtureRun *ret);

/**
 * fixture_run_case_from_xen() - fixture_run_case() of case @name, whose
 * expected/ is the whole tree, for a guest from Xen whose devices @old are
 * @new now (mapped by map_build()); the scan finds @refs.
 * @ret: as for fixture_run_case()
 */
void fixture_run_case_from_xen(FixtureRun *ret, const Fixer *f, const char *name, const Inventory *old,
        const Inventory *new, const char *const *refs);

/**
 * fixture_run_console_case() - fixture_run_case() of a console fixer on
 * case @name: no device moves; a guest not from Xen gets nothing; the
 * warnings are the case's "warnings" file (a second run may warn still);
 * expected/ is the whole tree, folders left empty aside; then @check (may
 * be NULL).
 */
void fixture_run_console_case(
        const Fixer *f, const char *name, void (*check)(const FixtureRoot *root, const void *userdata));

/* Checks */

/**
 * fixture_assert_strv() - @v (NULL-terminated, or NULL for none) holds
 * exactly the strings of @want, in order.
 * @what: what one string is, for messages ("warning", "line")
 */
void fixture_assert_strv(const char *what, char *const *v, const char *const *want);

/* The plan's warnings are exactly the arguments, in order: fixture_assert_warnings(&plan, "a", "b"). */
#define fixture_assert_warnings(p, ...)                                                                     \
        fixture_assert_strv("warning", (p)->warnings, FIXTURE_STRV(__VA_ARGS__))

/**
 * fixture_assert_refs() - the @n references @refs are exactly @want, in
 * order, each as "NAME TYPE WHERE" ("-" for no type).
 */
void fixture_assert_refs(const Reference *refs, size_t n, const char *const *want);

/* fixture_assert_ref() - of the @n references @refs, the one at @i is @want ("NAME TYPE WHERE"). */
void fixture_assert_ref(const Reference *refs, size_t n, size_t i, const char *want);

/**
 * fixture_assert_bytes() - @got (@got_size bytes) is @want (@want_size
 * bytes); if not, the test fails with a unified diff headed @what.
 */
void fixture_assert_bytes(
        const char *what, const char *got, size_t got_size, const char *want, size_t want_size);

/**
 * fixture_assert_planned() - @p's edit of @path makes it the regular file
 * @want; @want NULL: @p does not edit @path.
 * Return: the edit (NULL when none was wanted).
 */
const Edit *fixture_assert_planned(const Plan *p, const char *path, const char *want);

/**
 * fixture_assert_edit() - @e is @fixer's edit of @path, from a file of kind
 * @old_kind holding @old to one of kind @new_kind holding @new (text; NULL:
 * the content is not checked).
 */
void fixture_assert_edit(const Edit *e, const char *fixer, const char *path, FileKind old_kind,
        const char *old, FileKind new_kind, const char *new);

/* Platforms and known bugs */

/* Whether hvc0 is a Xen console here: elsewhere it is the platform's own, and cmdline.c leaves it alone. */
bool fixture_console_platform(void);

/* The console tests mean nothing where hvc0 is the platform's own console. */
#define FIXTURE_SKIP_UNLESS_X86()                                                                           \
        do {                                                                                                \
                if (!fixture_console_platform())                                                            \
                        skip();                                                                             \
        } while (0)

/* Known bugs are skipped; KVMIGRATE_SHOW_BUGS=1 runs them, to see them fail. */
#define FIXTURE_SKIP_KNOWN_BUG()                                                                            \
        do {                                                                                                \
                if (!getenv("KVMIGRATE_SHOW_BUGS"))                                                         \
                        skip();                                                                             \
        } while (0)
