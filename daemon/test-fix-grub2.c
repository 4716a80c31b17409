/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "apply.h"
#include "devname.h"
#include "fixer.h"
#include "map.h"
#include "plan.h"
#include "util.h"

extern const Fixer fixer_grub2;

#define SERIAL "console=ttyS0,115200n8"

static char tmpdir[] = "/tmp/test-fix-grub2-XXXXXX";
static char *fixtures;

/* Harness: inventories by hand, a fixture guest copied, migrated and compared */

typedef struct Spec {
        const char *name;
        const char *type;
        const char *uuid;
        const char *partuuid;
} Spec;

static void add(Inventory *inv, DeviceSource source, Spec s) {
        DevName dn;
        Device d = {
                .name = strdup(s.name),
                .type = strdup_or_null(s.type),
                .uuid = strdup_or_null(s.uuid),
                .partuuid = strdup_or_null(s.partuuid),
                .partition = devname_parse(s.name, &dn) == 0 && dn.part > 0,
                .source = source,
        };

        assert_non_null(d.name);
        assert_int_equal(inventory_add(inv, &d), 0);
}

#define OLD(inv, ...) add(inv, DEVICE_SOURCE_SNAPSHOT, (Spec){ __VA_ARGS__ })
#define NEW(inv, ...) add(inv, DEVICE_SOURCE_PROBE, (Spec){ __VA_ARGS__ })

static char *command_output(int *ret_status, const char *fmt, ...) _printf_(2, 3);
static char *command_output(int *ret_status, const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *full = NULL;
        Buf out = {};
        char chunk[4096];
        va_list ap;
        FILE *f;
        size_t n;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(k > 0);
        assert_true(asprintf(&full, "(%s) 2>&1", cmd) > 0);
        f = popen(full, "r");
        assert_non_null(f);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                assert_int_equal(buf_append(&out, chunk, n), 0);
        k = pclose(f);
        if (ret_status)
                *ret_status = k;
        assert_int_equal(buf_append(&out, "", 0), 0);
        return buf_steal(&out);
}

/* Run a shell command; it must succeed. */
static void shell(const char *fmt, ...) _printf_(1, 2);
static void shell(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(k > 0);
        out = command_output(&k, "%s", cmd);
        if (k != 0)
                fail_msg("%s failed: %s", cmd, out);
}

static int open_dir(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

/* A copy of fixture @name's root/ in the temporary folder: its path, and an fd on it in *@ret_fd. */
static char *copy_fixture(const char *name, int *ret_fd) {
        char *dir;

        assert_true(asprintf(&dir, "%s/%s", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s' && cp -a '%s/%s/root/.' '%s/'", dir, dir, fixtures, name, dir);
        *ret_fd = open_dir(dir);
        return dir;
}

/*
 * The tree @dir must be fixture @name's root/ with its expected/ files laid
 * over it, byte for byte and link for link (kvmigrate's own state aside).
 */
static void assert_tree(const char *name, const char *dir) {
        _cleanup_free_ char *want = NULL, *diff = NULL;
        int status;

        assert_true(asprintf(&want, "%s/%s.want", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s/var/lib' && cp -a '%s/%s/root/.' '%s/' && cp -a "
              "'%s/%s/expected/.' "
              "'%s/' && mkdir -p '%s/var/lib'",
                want, want, fixtures, name, want, fixtures, name, want, dir);
        diff = command_output(&status, "diff -ru --no-dereference -x kvmigrate '%s' '%s'", want, dir);
        if (status != 0)
                fail_msg("%s differs from its expected tree:\n%s", name, diff);
}

/* apply_rollback() brings back fixture @name's root/ in @dir, byte for byte and link for link. */
static void assert_rolled_back(const char *name, const char *dir, int rootfd) {
        _cleanup_free_ char *want = NULL, *diff = NULL;
        int status;

        assert_int_equal(apply_rollback(rootfd, NULL), 0);
        assert_true(asprintf(&want, "%s/%s.orig", tmpdir, name) > 0);
        shell("rm -rf '%s' && mkdir -p '%s/var/lib' && cp -a '%s/%s/root/.' '%s/'", want, want, fixtures,
                name, want);
        diff = command_output(&status, "diff -ru --no-dereference -x kvmigrate '%s' '%s'", want, dir);
        if (status != 0)
                fail_msg("%s after rollback differs from its root/:\n%s", name, diff);
}

/*
 * grub-script-check, GRUB's own parser (package grub-common); NULL when it
 * is not installed (test_grub_script_check() then skips, or fails under
 * CI=true).
 */
static const char *script_check(void) {
        static char *found;
        static bool looked;
        int status;

        if (!looked) {
                char *out = command_output(
                        &status, "command -v grub-script-check || command -v grub2-script-check");
                looked = true;
                out[strcspn(out, "\n")] = 0;
                if (status == 0 && out[0])
                        found = out;
                else
                        free(out);
        }
        return found;
}

static void assert_script_check(const char *path) {
        _cleanup_free_ char *out = NULL;
        int status;

        if (!script_check())
                return; /* test_grub_script_check says so */
        out = command_output(&status, "%s '%s'", script_check(), path);
        if (status != 0)
                fail_msg("grub-script-check %s: %s", path, out);
}

/* Scan pass, mapping, rewrite pass, as a migration runs them. The mapping is left in @m. */
static void plan_guest(
        int rootfd, const Inventory *old, const Inventory *new, Mapping *m, Plan *plan, FixerContext *c) {
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(plan_done) Plan scratch = {};

        *c = (FixerContext){ .rootfd = rootfd, .old = old, .new = new, .plan = &scratch };
        assert_int_equal(fixer_grub2.run(c), 0);
        assert_int_equal(scratch.n_edits, 0);
        assert_int_equal(map_build(old, new, c->refs, c->n_refs, m, &errors, &warnings), 0);
        assert_null(errors);

        c->mapping = m;
        c->plan = plan;
        c->from_xen = true;
        assert_int_equal(fixer_grub2.run(c), 0);
}

/* Idempotence: a migrated root names no old device or console any more. */
static void assert_plans_nothing(int rootfd, const Inventory *old, const Inventory *new, const Mapping *m) {
        _cleanup_(plan_done) Plan again = {};
        _cleanup_(fixer_context_done)
                FixerContext c = { .rootfd = rootfd, .old = old, .new = new, .plan = &again };

        assert_int_equal(fixer_grub2.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        c.mapping = m;
        c.from_xen = true;
        assert_int_equal(fixer_grub2.run(&c), 0);
        assert_int_equal(again.n_edits, 0);
        assert_int_equal(again.n_warnings, 0);
}

/*
 * Fixture @name end to end: plan, apply to a copy, compare with expected/,
 * and its grub.cfg @cfg (relative to the root) is valid GRUB script before
 * and after; then the migrated copy plans nothing more, and a rollback
 * restores it. The first plan is left in
 * @plan and the references of its scan in @c.
 */
static void migrate_fixture(const char *name, const char *cfg, const Inventory *old, const Inventory *new,
        Plan *plan, FixerContext *c) {
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int rootfd = -1;

        dir = copy_fixture(name, &rootfd);
        plan_guest(rootfd, old, new, &m, plan, c);
        for (size_t i = 0; i < plan->n_edits; i++)
                assert_string_equal(plan->edits[i].fixer, "grub2");
        assert_int_equal(apply_plan(rootfd, plan, NULL, NULL), 0);
        assert_tree(name, dir);
        if (cfg) {
                _cleanup_free_ char *before = NULL, *after = NULL;

                assert_true(asprintf(&before, "%s/%s/root/%s", fixtures, name, cfg) > 0);
                assert_true(asprintf(&after, "%s/%s", dir, cfg) > 0);
                assert_script_check(before);
                assert_script_check(after);
        }

        assert_plans_nothing(rootfd, old, new, &m);
        assert_rolled_back(name, dir, rootfd);
}

static void assert_ref(const FixerContext *c, size_t i, const char *name, const char *where) {
        assert_true(i < c->n_refs);
        assert_string_equal(c->refs[i].name, name);
        assert_null(c->refs[i].type);
        assert_string_equal(c->refs[i].where, where);
}

/* The fixtures */

#define SERIAL "console=ttyS0,115200n8"
#define SERIAL_COMMAND                                                                                      \
        "GRUB_SERIAL_COMMAND=\"serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1\"\n"

static void test_ubuntu_cloud(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "2c4e6a8b-1d3f-4a5b-9c7d-0e1f2a3b4c5d", *s = "7f8e9d0c-1b2a-4394-a5b6-c7d8e9f0a1b2";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = u);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = u, .partuuid = "c0ffee00-01");
        NEW(&new, .name = "sdb", .type = "swap", .uuid = s);

        migrate_fixture("ubuntu-cloud", "boot/grub/grub.cfg", &old, &new, &plan, &c);
        /*
         * resume= in /etc/default/grub, root= and resume= on five linux
         * lines; not the dom0 module line, not xen.cfg.
         */
        assert_int_equal(c.n_refs, 11);
        assert_ref(&c, 0, "xvdb", "/etc/default/grub:11");
        assert_ref(&c, 1, "xvda1", "/boot/grub/grub.cfg:149");
        assert_ref(&c, 2, "xvdb", "/boot/grub/grub.cfg:149");
        assert_int_equal(plan.n_edits, 3);
        assert_string_equal(plan.edits[0].path, "/etc/default/grub");
        assert_string_equal(plan.edits[1].path, "/etc/default/grub.d/50-cloudimg-settings.cfg");
        assert_string_equal(plan.edits[2].path, "/boot/grub/grub.cfg");
        /* GRUB_DISABLE_LINUX_UUID=true would bring sd names back at the next update-grub. */
        assert_int_equal(plan.n_warnings, 1);
        assert_non_null(strstr(plan.warnings[0], "/etc/default/grub: GRUB_DISABLE_LINUX_UUID=true "));
}

static void test_centos7(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {};
        const char *u = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", *s = "e0d1c2b3-a4f5-4e6d-9c8b-7a6f5e4d3c2b";

        (void) state;

        OLD(&old, .name = "xvda1", .type = "xfs", .uuid = u);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = s);
        NEW(&new, .name = "sda1", .type = "xfs", .uuid = u);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = s);

        migrate_fixture("centos7", "boot/grub2/grub.cfg", &old, &new, &plan, &c);
        assert_int_equal(c.n_refs, 3);
        assert_ref(&c, 0, "xvda2", "/etc/default/grub:6");
        assert_ref(&c, 1, "xvda2", "/boot/grub2/grub.cfg:100");
        /* /etc/sysconfig/grub is a link to /etc/default/grub: one edit, at the target. */
        assert_int_equal(plan.n_edits, 2);
        assert_string_equal(plan.edits[0].path, "/etc/default/grub");
        assert_string_equal(plan.edits[1].path, "/boot/grub2/grub.cfg");
        assert_int_equal(plan.n_warnings, 0);
}

static void test_grub_script_check(void **state) {
        (void) state;

        /* The fixture tests ran it before and after; here it only says whether it could. */
        if (script_check())
                return;
        if (streq_ptr(getenv("CI"), "true"))
                fail_msg("grub-script-check is missing and CI=true: install grub-common");
        print_message("grub-script-check not found (apt-get install grub-common): the grub.cfg files "
                      "were not checked with it\n");
        skip();
}

/* Single rules, on files written on the spot */

#define U_ROOT "0d1c4f6e-1111-4222-8333-444455556666"
#define P_ROOT "6c0ffee1-01"
#define U_SWAP "7e2b9a10-2222-4333-8444-555566667777"

static Device new_devices[] = {
        { .name = "sda1", .type = "ext4", .uuid = U_ROOT, .partuuid = P_ROOT, .partition = true },
        { .name = "sdb", .type = "swap", .uuid = U_SWAP },
        { .name = "sdc1", .type = "ext4", .label = "a$b", .partition = true },
};

static MapEntry entries[] = {
        { .old_name = "xvda1", .new = &new_devices[0], .method = MAP_METHOD_UUID },
        { .old_name = "xvdb", .new = &new_devices[1], .method = MAP_METHOD_UUID },
        { .old_name = "xvdc1", .new = &new_devices[2], .method = MAP_METHOD_LABEL },
};

static const Inventory new_inventory = { .devices = new_devices, .n = ELEMENTSOF(new_devices) };
static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

typedef struct File {
        const char *path; /* relative to the root */
        const char *text; /* NULL: a symlink to @target */
        const char *target;
} File;

typedef struct Guest {
        int rootfd;
        Plan plan;
        int scan; /* what the scan pass returned */
        int rewrite; /* what the rewrite pass returned (not run when the scan failed) */
        size_t n_refs;
} Guest;

static void guest_done(Guest *g) {
        if (g->rootfd >= 0)
                (void) close(g->rootfd);
        plan_done(&g->plan);
}

/* A fresh root holding @files and an initramfs in /boot, through both passes. */
static void guest_run(Guest *g, const File *files, size_t n, bool from_xen) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_(plan_done) Plan scratch = {};
        static unsigned count;
        FixerContext c;

        assert_true(asprintf(&dir, "%s/guest-%u", tmpdir, count++) > 0);
        assert_int_equal(mkdir(dir, 0755), 0);
        *g = (Guest){ .rootfd = open_dir(dir) };
        assert_int_equal(mkdir_p_at(g->rootfd, "boot", 0755), 0);
        assert_int_equal(write_file_atomic_at(g->rootfd, "boot/initrd.img-6.1.0", "", 0, 0644), 0);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *parent = strdup(files[i].path);

                assert_non_null(parent);
                *strrchr(parent, '/') = 0;
                assert_int_equal(mkdir_p_at(g->rootfd, parent, 0755), 0);
                if (files[i].text)
                        assert_int_equal(write_file_atomic_at(g->rootfd, files[i].path, files[i].text,
                                                 strlen(files[i].text), 0644),
                                0);
                else
                        assert_int_equal(symlinkat(files[i].target, g->rootfd, files[i].path), 0);
        }

        c = (FixerContext){ .rootfd = g->rootfd, .new = &new_inventory, .plan = &scratch };
        g->scan = fixer_grub2.run(&c);
        g->n_refs = c.n_refs;
        assert_int_equal(scratch.n_edits, 0);
        if (g->scan >= 0) {
                c.mapping = &mapping;
                c.from_xen = from_xen;
                c.plan = &g->plan;
                g->rewrite = fixer_grub2.run(&c);
        }
        fixer_context_done(&c);
}

/* The new content the plan gives @path (canonical), or NULL when it leaves it alone. */
static const char *planned(const Guest *g, const char *path) {
        const Edit *e = plan_find(&g->plan, path);

        if (!e)
                return NULL;
        assert_int_equal(e->new.kind, FILE_REGULAR);
        assert_int_equal(strlen(e->new.data), e->new.size);
        return e->new.data;
}

static void assert_planned(const Guest *g, const char *path, const char *want) {
        const char *got = planned(g, path);

        if (!want && got)
                fail_msg("%s: wanted no change, got:\n%s", path, got);
        if (want && !got)
                fail_msg("%s: wanted a change, got none, to:\n%s", path, want);
        if (want)
                assert_string_equal(got, want);
}

/* /etc/default/grub holding @text becomes @want (NULL: unchanged). */
static void check_defaults(const char *text, const char *want) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        guest_run(&g, (const File[]){ { "etc/default/grub", text } }, 1, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.rewrite, 0);
        assert_planned(&g, "/etc/default/grub", want);
}

static void test_defaults_quoting(void **state) {
        (void) state;

        check_defaults("GRUB_CMDLINE_LINUX=\"root=/dev/xvda1 quiet\"\n",
                "GRUB_CMDLINE_LINUX=\"root=UUID=" U_ROOT " quiet\"\n");
        check_defaults("GRUB_CMDLINE_LINUX='resume=/dev/xvdb quiet' # swap disk\n",
                "GRUB_CMDLINE_LINUX='resume=UUID=" U_SWAP " quiet' # swap disk\n");
        check_defaults("  export GRUB_CMDLINE_LINUX_DEFAULT=resume=/dev/xvdb\n",
                "  export GRUB_CMDLINE_LINUX_DEFAULT=resume=UUID=" U_SWAP "\n");
        /* An escaped quote inside, and a variable: both stay. */
        check_defaults("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX acpi=\\\"a b\\\" root=/dev/xvda1\"\n",
                "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX acpi=\\\"a b\\\" root=UUID=" U_ROOT "\"\n");
        check_defaults("GRUB_CMDLINE_LINUX=\"\"\nGRUB_CMDLINE_LINUX=\nGRUB_CMDLINE_LINUX=''\n", NULL);
}

static void test_defaults_leaves_alone(void **state) {
        (void) state;

        /* Dom0's settings, a comment, a string that only looks like an assignment. */
        check_defaults("GRUB_CMDLINE_XEN=\"console=hvc0\"\nGRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=1G\"\n"
                       "GRUB_CMDLINE_LINUX_XEN_REPLACE=\"root=/dev/xvda1 console=hvc0\"\n"
                       "#GRUB_CMDLINE_LINUX=\"root=/dev/xvda1\"\n"
                       "GRUB_INIT_TUNE=\"480 440 1\n"
                       "GRUB_CMDLINE_LINUX=root=/dev/xvda1\"\n"
                       "echo GRUB_CMDLINE_LINUX=root=/dev/xvda1\n",
                NULL);
}

static void test_defaults_refused(void **state) {
        const char *const bad[] = {
                /* A value that goes on over the next line. */
                "GRUB_CMDLINE_LINUX=\"root=/dev/xvda1\n console=hvc0\"\n",
                "GRUB_CMDLINE_LINUX=root=/dev/xvda1\\\n",
                /* Several parts, a command substitution, more after the value. */
                "GRUB_CMDLINE_LINUX=\"root=/dev/xvda1 \"'quiet'\n",
                "GRUB_CMDLINE_LINUX=$(cat /etc/cmdline)\n",
                "GRUB_CMDLINE_LINUX=\"quiet\"; GRUB_TERMINAL=console\n",
                "GRUB_TERMINAL=serial console\n",
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(guest_done) Guest g = { .rootfd = -1 };

                guest_run(&g, (const File[]){ { "etc/default/grub", bad[i] } }, 1, true);
                if (g.scan != -EBADMSG)
                        fail_msg("%s: scan returned %d, wanted -EBADMSG", bad[i], g.scan);
        }
}

static void test_defaults_value_that_cannot_be_quoted(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        /* sdc1 is only known by LABEL=a$b: inside double quotes the shell would expand $b. */
        guest_run(&g, (const File[]){ { "etc/default/grub", "GRUB_CMDLINE_LINUX=\"root=/dev/xvdc1\"\n" } },
                1, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.rewrite, -EINVAL);
        assert_int_equal(g.plan.n_edits, 0);
}

static void test_terminal_added(void **state) {
        (void) state;

        /* No GRUB_TERMINAL anywhere: after the commented one, with the serial command. */
        check_defaults("GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n"
                       "# Uncomment to disable graphical terminal (grub-pc only)\n"
                       "#GRUB_TERMINAL=console\n"
                       "\n"
                       "#GRUB_GFXMODE=640x480\n",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"" SERIAL "\"\n"
                "# Uncomment to disable graphical terminal (grub-pc only)\n"
                "#GRUB_TERMINAL=console\n"
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND "\n"
                "#GRUB_GFXMODE=640x480\n");
        /* At the end, of a file without a final newline; a serial command of the admin's stays. */
        check_defaults(
                "GRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=38400\"\nGRUB_CMDLINE_LINUX=\"console=xvc0\"",
                "GRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=38400\"\nGRUB_CMDLINE_LINUX=\"" SERIAL "\"\n"
                "GRUB_TERMINAL=\"serial console\"\n");
}

static void test_terminal_completed(void **state) {
        (void) state;

        check_defaults("GRUB_TERMINAL=serial\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n",
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND "GRUB_CMDLINE_LINUX=\"" SERIAL "\"\n");
        check_defaults("GRUB_TERMINAL='gfxterm'\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n",
                "GRUB_TERMINAL='serial gfxterm console'\n" SERIAL_COMMAND "GRUB_CMDLINE_LINUX=\"" SERIAL
                "\"\n");
        /* The last assignment is the one that counts: the serial command goes after it. */
        check_defaults("GRUB_TERMINAL=\"console "
                       "serial\"\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\nGRUB_TERMINAL=\"\"\n",
                "GRUB_TERMINAL=\"console serial\"\nGRUB_CMDLINE_LINUX=\"" SERIAL "\"\n"
                "GRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND);
}

static void test_terminal_untouched(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        /* No Xen console on the command line: GRUB's terminal is none of this fixer's business. */
        check_defaults("GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"root=/dev/xvda1 console=ttyS0\"\n",
                "GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"root=UUID=" U_ROOT " console=ttyS0\"\n");
        /* A guest that never ran on Xen keeps its hvc0, and so its terminal. */
        guest_run(&g,
                (const File[]){ { "etc/default/grub",
                        "GRUB_TERMINAL=console\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n" } },
                1, false);
        assert_int_equal(g.rewrite, 0);
        assert_int_equal(g.plan.n_edits, 0);
}

static void test_fragments(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        /*
         * The console is set in a fragment, GRUB_TERMINAL nowhere: it goes
         * to /etc/default/grub. Only *.cfg is read, and nothing with "xen"
         * in its name.
         */
        guest_run(&g,
                (const File[]){
                        { "etc/default/grub", "GRUB_TIMEOUT=5\n" },
                        { "etc/default/grub.d/50-cloudimg-settings.cfg",
                                "GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n" },
                        { "etc/default/grub.d/60-Xen-dom0.cfg",
                                "GRUB_CMDLINE_LINUX_DEFAULT=\"console=hvc0\"\n" },
                        { "etc/default/grub.d/70-notes.txt", "GRUB_CMDLINE_LINUX=root=/dev/xvda1\n" },
                        { "etc/default/grub.d/80-link.cfg", NULL, "50-cloudimg-settings.cfg" },
                },
                5, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.rewrite, 0);
        assert_int_equal(g.n_refs, 0);
        assert_int_equal(g.plan.n_edits, 2);
        assert_planned(&g, "/etc/default/grub",
                "GRUB_TIMEOUT=5\nGRUB_TERMINAL=\"serial console\"\n" SERIAL_COMMAND);
        assert_planned(&g, "/etc/default/grub.d/50-cloudimg-settings.cfg",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"" SERIAL "\"\n");
}

/* /boot/grub/grub.cfg holding @text becomes @want (NULL: unchanged), with no warning. */
static void check_cfg(const char *text, const char *want) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        guest_run(&g, (const File[]){ { "boot/grub/grub.cfg", text } }, 1, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.rewrite, 0);
        assert_planned(&g, "/boot/grub/grub.cfg", want);
        assert_int_equal(g.plan.n_warnings, 0);
        if (want) {
                _cleanup_free_ char *path = NULL;

                assert_true(asprintf(&path, "%s/written.cfg", tmpdir) > 0);
                assert_int_equal(write_file_atomic_at(AT_FDCWD, path, want, strlen(want), 0644), 0);
                assert_script_check(path);
        }
}

static void test_cfg_initrd_per_entry(void **state) {
        (void) state;

        check_cfg("menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 ro\n\tinitrd /initrd.img\n}\n"
                  "menuentry 'b' {\n\tlinuxefi /vmlinuz root=/dev/xvda1 ro\n}\n"
                  "submenu 'c' {\n\tmenuentry 'd' --id d {\n\t\tif true; then\n\t\t\tinitrd16 /i\n\t\tfi\n"
                  "\t\tlinux16 /vmlinuz root=/dev/xvda1\n\t}\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=UUID=" U_ROOT " ro\n\tinitrd /initrd.img\n}\n"
                "menuentry 'b' {\n\tlinuxefi /vmlinuz root=PARTUUID=" P_ROOT " ro\n}\n"
                "submenu 'c' {\n\tmenuentry 'd' --id d {\n\t\tif true; then\n\t\t\tinitrd16 /i\n\t\tfi\n"
                "\t\tlinux16 /vmlinuz root=UUID=" U_ROOT "\n\t}\n}\n");
}

static void test_cfg_arguments(void **state) {
        (void) state;

        /* No argument left: no blank either; a comment after the arguments stays. */
        check_cfg("menuentry 'a' {\n\tlinux\t/vmlinuz\txencons=tty\n\tinitrd /i\n}\n",
                "menuentry 'a' {\n\tlinux\t/vmlinuz\n\tinitrd /i\n}\n");
        check_cfg("menuentry 'a' {\n  linux /vmlinuz console=hvc0 $extra \"quoted arg\"  # was hvc0\r\n  "
                  "initrd /i\r\n}\r\n",
                "menuentry 'a' {\n  linux /vmlinuz " SERIAL
                " $extra \"quoted arg\"  # was hvc0\r\n  initrd /i\r\n}\r\n");
        check_cfg("menuentry 'a' {\n\tlinux16 /boot/memtest86+.bin\n}\n", NULL);
        /* Dom0's kernel is a module of the hypervisor: not ours. */
        check_cfg("menuentry 'xen' {\n\tmultiboot /xen.gz console=hvc0\n\tmodule /vmlinuz "
                  "root=/dev/xvda1\n}\n",
                NULL);
}

static void test_cfg_refused(void **state) {
        const char *const bad[] = {
                "menuentry 'a' { linux /vmlinuz root=/dev/xvda1; }\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1; boot\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz root=/dev/xvda1 \\\n\t\tquiet\n}\n",
                "menuentry 'a' {\n\tlinux\n}\n",
                "menuentry 'a' {\n\tlinux /vmlinuz\n",
                "}\n",
                "menuentry 'a' {\n\techo 'unterminated\n}\n",
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(guest_done) Guest g = { .rootfd = -1 };

                guest_run(&g, (const File[]){ { "boot/grub/grub.cfg", bad[i] } }, 1, true);
                if (g.scan != -EBADMSG)
                        fail_msg("%s: scan returned %d, wanted -EBADMSG", bad[i], g.scan);
        }
}

static void test_cfg_xen_device_reported(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        guest_run(&g,
                (const File[]){ { "boot/grub/grub.cfg",
                        "set root='xen/xvda,msdos1'\nsearch --fs-uuid --set=root --hint='xen/xvda,msdos1' "
                        "x\n"
                        "menuentry 'a' {\n\tlinux (xen/xvda,msdos1)/vmlinuz root=/dev/xvda1\n\tinitrd "
                        "/i\n}\n" } },
                1, true);
        assert_int_equal(g.rewrite, 0);
        assert_planned(&g, "/boot/grub/grub.cfg",
                "set root='xen/xvda,msdos1'\nsearch --fs-uuid --set=root --hint='xen/xvda,msdos1' x\n"
                "menuentry 'a' {\n\tlinux (xen/xvda,msdos1)/vmlinuz root=UUID=" U_ROOT "\n\tinitrd /i\n}\n");
        /* Only the path names the disk itself; the root and the hints are found again by the search. */
        assert_int_equal(g.plan.n_warnings, 1);
        assert_non_null(strstr(g.plan.warnings[0], "/boot/grub/grub.cfg:4: (xen/xvda,msdos1) "));
}

static void test_cfg_one_file_two_names(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        guest_run(&g,
                (const File[]){
                        { "boot/grub2/grub.cfg",
                                "menuentry 'a' {\n\tlinux16 /vmlinuz root=/dev/xvda1\n\tinitrd16 /i\n}\n" },
                        { "boot/grub", NULL, "grub2" },
                },
                2, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.n_refs, 1);
        assert_int_equal(g.rewrite, 0);
        assert_int_equal(g.plan.n_edits, 1);
        assert_planned(&g, "/boot/grub2/grub.cfg",
                "menuentry 'a' {\n\tlinux16 /vmlinuz root=UUID=" U_ROOT "\n\tinitrd16 /i\n}\n");
}

static void test_missing(void **state) {
        _cleanup_(guest_done) Guest g = { .rootfd = -1 };

        (void) state;

        /* Nothing there, and /etc/default/grub.d a file. */
        guest_run(&g, (const File[]){ { "etc/default/grub.d", "" } }, 1, true);
        assert_int_equal(g.scan, 0);
        assert_int_equal(g.rewrite, 0);
        assert_int_equal(g.plan.n_edits, 0);
}

/* Setup */

static int setup(void **state) {
        char exe[PATH_MAX];
        ssize_t n;

        (void) state;

        if (!mkdtemp(tmpdir))
                return -1;
        /* The fixtures are found from the binary (build/ or build-asan/), whatever the working folder. */
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
                return -1;
        exe[n] = 0;
        if (asprintf(&fixtures, "%s/../tests/fixtures/grub", dirname(exe)) < 0)
                return -1;
        return access(fixtures, R_OK) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;

        (void) state;

        free(fixtures);
        if (asprintf(&cmd, "rm -rf -- '%s'", tmpdir) < 0)
                return -1;
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ubuntu_cloud),
                cmocka_unit_test(test_centos7),
                cmocka_unit_test(test_grub_script_check),
                cmocka_unit_test(test_defaults_quoting),
                cmocka_unit_test(test_defaults_leaves_alone),
                cmocka_unit_test(test_defaults_refused),
                cmocka_unit_test(test_defaults_value_that_cannot_be_quoted),
                cmocka_unit_test(test_terminal_added),
                cmocka_unit_test(test_terminal_completed),
                cmocka_unit_test(test_terminal_untouched),
                cmocka_unit_test(test_fragments),
                cmocka_unit_test(test_cfg_initrd_per_entry),
                cmocka_unit_test(test_cfg_arguments),
                cmocka_unit_test(test_cfg_refused),
                cmocka_unit_test(test_cfg_xen_device_reported),
                cmocka_unit_test(test_cfg_one_file_two_names),
                cmocka_unit_test(test_missing),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
