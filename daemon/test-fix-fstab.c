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

#include "devname.h"
#include "fixer.h"
#include "map.h"
#include "plan.h"
#include "util.h"

#define U_ROOT "0d1c4f6e-1111-4222-8333-444455556666"
#define U_SWAP "7e2b9a10-2222-4333-8444-555566667777"
#define U_HOME "a3f0c2d4-3333-4444-8555-666677778888"
#define U_SRV "0a1b2c3d-0000-4000-8000-000000000003"
#define U_VFAT "1234-ABCD"
#define U_OTHER "b9e8d7c6-4444-4555-8666-777788889999"

#define XENFS_WARNING(line, type)                                                                           \
        "/etc/fstab:" line ": " type " on /proc/xen gets nofail: there is no Xen under KVM"
#define NAME_WARNING                                                                                        \
        "--rewrite=name: sd names are not stable across boots (the root disk came up as sdb in 2 of 30 "    \
        "boots of a two-disk virtio-scsi guest); UUID= is safer"

static char tmpdir[] = "/tmp/test-fix-fstab-XXXXXX";
static char *fixtures;

/* Inventories, built by hand */

typedef struct Spec {
        const char *name;
        const char *type;
        const char *uuid;
        const char *label;
        const char *partuuid;
        const char *link;
} Spec;

static void add(Inventory *inv, DeviceSource source, Spec s) {
        DevName dn;
        Device d = {
                .name = strdup(s.name),
                .type = strdup_or_null(s.type),
                .uuid = strdup_or_null(s.uuid),
                .label = strdup_or_null(s.label),
                .partuuid = strdup_or_null(s.partuuid),
                .partition = devname_parse(s.name, &dn) == 0 && dn.part > 0,
                .source = source,
        };

        assert_non_null(d.name);
        if (s.link) {
                d.links = calloc(2, sizeof(char *));
                assert_non_null(d.links);
                d.links[0] = strdup(s.link);
                assert_non_null(d.links[0]);
        }
        assert_int_equal(inventory_add(inv, &d), 0);
}

#define OLD(inv, ...) add(inv, DEVICE_SOURCE_SNAPSHOT, (Spec){ __VA_ARGS__ })
#define NEW(inv, ...) add(inv, DEVICE_SOURCE_PROBE, (Spec){ __VA_ARGS__ })

/* A mapping made by hand: @old_name to the device @new_name of @new. */
static void map_add(Mapping *m, const Inventory *new, const char *old_name, const char *new_name) {
        MapEntry *e = realloc(m->entries, sizeof(MapEntry) * (m->n + 1));

        assert_non_null(e);
        m->entries = e;
        e[m->n] = (MapEntry){
                .old_name = strdup(old_name),
                .new = inventory_find(new, new_name),
                .method = MAP_METHOD_UUID,
        };
        assert_non_null(e[m->n].old_name);
        assert_non_null(e[m->n].new);
        m->n++;
}

/* Files */

static char *tmp_path(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        return p;
}

static char *read_fixture(const char *name, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        char *data = NULL;

        assert_true(asprintf(&path, "%s/%s", fixtures, name) > 0);
        assert_int_equal(read_full_at(AT_FDCWD, path, &data, ret_size), 0);
        return data;
}

/* A fresh root folder @name whose /etc/fstab holds @size bytes of @data (no fstab if @data is NULL). */
static int make_root(const char *name, const char *data, size_t size) {
        _cleanup_free_ char *root = tmp_path(name);
        int fd;

        assert_int_equal(mkdir(root, 0755), 0);
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        if (data) {
                assert_int_equal(mkdir_p_at(fd, "etc", 0755), 0);
                assert_int_equal(write_file_atomic_at(fd, "etc/fstab", data, size, 0644), 0);
        }
        return fd;
}

static int make_root_str(const char *name, const char *text) {
        return make_root(name, text, strlen(text));
}

/* What a command prints (stdout and stderr). */
static char *command_output(const char *fmt, ...) _printf_(1, 2);
static char *command_output(const char *fmt, ...) {
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
        (void) pclose(f);
        assert_int_equal(buf_append(&out, "", 0), 0);
        return buf_steal(&out);
}

/*
 * @data, read back by util-linux: "findmnt --verify" must find no parse
 * error, and the entries it lists must be @want (findmnt -P lines).
 */
static void assert_findmnt(const char *data, size_t size, const char *want) {
        _cleanup_free_ char *path = tmp_path("readback.fstab");
        _cleanup_free_ char *verify = NULL, *listing = NULL;
        const char *summary;

        assert_int_equal(write_file_atomic_at(AT_FDCWD, path, data, size, 0644), 0);
        verify = command_output("findmnt --verify --tab-file '%s'", path);
        if (strstr(verify, "parse error at"))
                fail_msg("findmnt reports a parse error:\n%s", verify);
        summary = strstr(verify, "0 parse errors,");
        if (!summary || (summary != verify && summary[-1] != '\n'))
                fail_msg("findmnt --verify said:\n%s", verify);

        listing = command_output("findmnt -s --tab-file '%s' -n -P -o SOURCE,TARGET,FSTYPE,OPTIONS", path);
        assert_string_equal(listing, want);
}

/* Run @f with its error messages kept in *@ret_log. */
static int run_logged(const Fixer *f, FixerContext *c, char **ret_log) {
        _cleanup_free_ char *path = tmp_path("stderr.log");
        int saved, fd, r;

        fflush(stderr);
        saved = dup(STDERR_FILENO);
        assert_true(saved >= 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        (void) close(fd);

        r = f->run(c);

        fflush(stderr);
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        (void) close(saved);
        assert_int_equal(read_full_at(AT_FDCWD, path, ret_log, NULL), 0);
        return r;
}

/* Checks */

static void assert_ref(
        const FixerContext *c, size_t i, const char *name, const char *type, const char *where) {
        assert_true(i < c->n_refs);
        assert_string_equal(c->refs[i].name, name);
        if (type)
                assert_string_equal(c->refs[i].type, type);
        else
                assert_null(c->refs[i].type);
        assert_string_equal(c->refs[i].where, where);
}

/* @p holds exactly one edit, of @path, from @old to @new. */
static void assert_edit(const Plan *p, const char *path, const char *old, size_t old_size, const char *new,
        size_t new_size) {
        const Edit *e;

        assert_int_equal(p->n_edits, 1);
        e = &p->edits[0];
        assert_string_equal(e->path, path);
        assert_string_equal(e->fixer, "fstab");
        assert_int_equal(e->old.kind, FILE_REGULAR);
        assert_int_equal(e->new.kind, FILE_REGULAR);
        assert_int_equal(e->old.size, old_size);
        assert_memory_equal(e->old.data, old, old_size);
        if (e->new.size != new_size || memcmp(e->new.data, new, new_size) != 0)
                fail_msg("new content differs; got:\n%.*s\n--- wanted:\n%.*s", (int) e->new.size,
                        e->new.data, (int) new_size, new);
}

/* The plan's warnings are exactly @want (ending with NULL), in order. */
static void assert_warnings_equal(const Plan *p, const char *const *want) {
        size_t i = 0;

        for (; want[i]; i++) {
                if (i >= p->n_warnings)
                        fail_msg("warning %zu missing: \"%s\"", i, want[i]);
                assert_string_equal(p->warnings[i], want[i]);
        }
        if (i < p->n_warnings)
                fail_msg("unexpected warning: \"%s\"", p->warnings[i]);
}

#define assert_warnings(p, ...) assert_warnings_equal(p, (const char *const[]){ __VA_ARGS__, NULL })

/* Both passes, as a migration runs them: scan, map, rewrite. */
static void scan_map(FixerContext *c, const Inventory *old, const Inventory *new, Mapping *m) {
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;

        c->mapping = NULL;
        assert_int_equal(fixer_fstab.run(c), 0);
        assert_int_equal(map_build(old, new, c->refs, c->n_refs, m, &errors, &warnings), 0);
        assert_null(errors);
}

/* A debian fstab, end to end */

static void test_debian(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {}, again = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *expected = NULL;
        _cleanup_close_ int rootfd = -1, rootfd2 = -1;
        size_t input_size, expected_size;

        (void) state;

        input = read_fixture("debian/fstab", &input_size);
        expected = read_fixture("debian/fstab.expected", &expected_size);
        rootfd = make_root("debian", input, input_size);

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        OLD(&old, .name = "xvdb", .type = "ext4", .uuid = U_HOME);
        OLD(&old, .name = "xvdc1", .type = "vfat", .uuid = U_VFAT);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_HOME);
        NEW(&new, .name = "sdc1", .type = "vfat", .uuid = U_VFAT);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                /* The comments that mention /dev/xvda1 and the UUID=, LABEL=, proc and sr0 lines are no
                 * references. */
                assert_int_equal(c.n_refs, 4);
                assert_ref(&c, 0, "xvda1", "ext4", "/etc/fstab:9");
                assert_ref(&c, 1, "xvda2", "swap", "/etc/fstab:11");
                assert_ref(&c, 2, "xvdb", "ext4", "/etc/fstab:16");
                assert_ref(&c, 3, "xvdc1", "vfat", "/etc/fstab:18");
                /* The scan proposes nothing. */
                assert_int_equal(scratch.n_edits, 0);

                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
                /* The rewrite pass records nothing more. */
                assert_int_equal(c.n_refs, 4);
        }
        assert_edit(&plan, "/etc/fstab", input, input_size, expected, expected_size);
        assert_warnings(&plan, XENFS_WARNING("19", "xenfs"));
        /* The file on disk is untouched: fixers only propose. */
        {
                _cleanup_free_ char *now = NULL;
                size_t now_size;

                assert_int_equal(read_full_at(rootfd, "etc/fstab", &now, &now_size), 0);
                assert_int_equal(now_size, input_size);
                assert_memory_equal(now, input, input_size);
        }

        assert_findmnt(plan.edits[0].new.data, plan.edits[0].new.size,
                "SOURCE=\"UUID=" U_ROOT "\" TARGET=\"/\" FSTYPE=\"ext4\" OPTIONS=\"errors=remount-ro\"\n"
                "SOURCE=\"UUID=" U_SWAP "\" TARGET=\"none\" FSTYPE=\"swap\" OPTIONS=\"sw\"\n"
                "SOURCE=\"UUID=" U_SRV "\" TARGET=\"/srv\" FSTYPE=\"xfs\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"LABEL=data\" TARGET=\"/data\" FSTYPE=\"ext4\" OPTIONS=\"defaults,noatime\"\n"
                "SOURCE=\"proc\" TARGET=\"/proc\" FSTYPE=\"proc\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"UUID=" U_HOME "\" TARGET=\"/home\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"/dev/sr0\" TARGET=\"/media/cdrom0\" FSTYPE=\"udf,iso9660\" "
                "OPTIONS=\"user,noauto\"\n"
                "SOURCE=\"UUID=" U_VFAT "\" TARGET=\"/mnt/my disk\" FSTYPE=\"vfat\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"none\" TARGET=\"/proc/xen\" FSTYPE=\"xenfs\" OPTIONS=\"defaults,nofail\"\n");

        /* Idempotence: the rewritten file names no old device and proposes nothing more. */
        rootfd2 = make_root("debian-again", expected, expected_size);
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd2, .old = &old, .plan = &again };

                assert_int_equal(fixer_fstab.run(&c), 0);
                assert_int_equal(c.n_refs, 0);
                c.mapping = &m;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_int_equal(again.n_edits, 0);
        assert_int_equal(again.n_warnings, 0);
}

static void test_by_path_and_recorded_links(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *expected = NULL;
        _cleanup_close_ int rootfd = -1;
        size_t input_size, expected_size;

        (void) state;

        input = read_fixture("by-path/fstab", &input_size);
        expected = read_fixture("by-path/fstab.expected", &expected_size);
        rootfd = make_root("by-path", input, input_size);

        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda2", .type = "swap", .uuid = U_SWAP);
        OLD(&old, .name = "xvdb", .type = "xfs", .uuid = U_HOME);
        OLD(&old, .name = "xvdc", .type = "ext4", .uuid = U_SRV, .link = "/dev/disk/by-id/xen-srv-volume");
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sdb", .type = "xfs", .uuid = U_HOME);
        NEW(&new, .name = "sdc", .type = "ext4", .uuid = U_SRV);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                /* The by-id link nobody recorded (line 6) is no reference. */
                assert_int_equal(c.n_refs, 4);
                assert_ref(&c, 0, "xvda1", "ext4", "/etc/fstab:2");
                assert_ref(&c, 1, "xvda2", "swap", "/etc/fstab:3");
                assert_ref(&c, 2, "xvdb", "xfs", "/etc/fstab:4");
                assert_ref(&c, 3, "xvdc", "ext4", "/etc/fstab:5");

                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_edit(&plan, "/etc/fstab", input, input_size, expected, expected_size);
        assert_int_equal(plan.n_warnings, 0);
        assert_findmnt(plan.edits[0].new.data, plan.edits[0].new.size,
                "SOURCE=\"UUID=" U_ROOT "\" TARGET=\"/\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"UUID=" U_SWAP "\" TARGET=\"none\" FSTYPE=\"swap\" OPTIONS=\"sw\"\n"
                "SOURCE=\"UUID=" U_HOME "\" TARGET=\"/var\" FSTYPE=\"xfs\" OPTIONS=\"noatime\"\n"
                "SOURCE=\"UUID=" U_SRV "\" TARGET=\"/srv\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001\" TARGET=\"/mnt\" FSTYPE=\"ext4\" "
                "OPTIONS=\"noauto\"\n");
}

static void test_xenfs(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *expected = NULL;
        _cleanup_close_ int rootfd = -1;
        size_t input_size, expected_size;

        (void) state;

        input = read_fixture("xenfs/fstab", &input_size);
        expected = read_fixture("xenfs/fstab.expected", &expected_size);
        rootfd = make_root("xenfs", input, input_size);

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                assert_int_equal(c.n_refs, 1);
                assert_ref(&c, 0, "xvda", "ext4", "/etc/fstab:1");

                c.mapping = &m;
                c.plan = &plan;
                /* A form that names devices does not change what happens to xenfs. */
                c.form = REWRITE_NAME;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        {
                /* Line 1 becomes /dev/sda under REWRITE_NAME. */
                const char *want_first = "/dev/sda / ext4 defaults 0 1\n";
                const char *rest = strchr(expected, '\n') + 1;
                _cleanup_free_ char *want = NULL;

                assert_true(asprintf(&want, "%s%s", want_first, rest) > 0);
                assert_edit(&plan, "/etc/fstab", input, input_size, want, strlen(want));
        }
        /* The line that had nofail already gets no warning. */
        assert_warnings(&plan, NAME_WARNING, XENFS_WARNING("2", "xenfs"), XENFS_WARNING("4", "auto"));
        assert_findmnt(plan.edits[0].new.data, plan.edits[0].new.size,
                "SOURCE=\"/dev/sda\" TARGET=\"/\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"xenfs\" TARGET=\"/proc/xen\" FSTYPE=\"xenfs\" OPTIONS=\"defaults,nofail\"\n"
                "SOURCE=\"none\" TARGET=\"/proc/xen\" FSTYPE=\"xenfs\" OPTIONS=\"defaults,nofail\"\n"
                "SOURCE=\"none\" TARGET=\"/proc/xen\" FSTYPE=\"auto\" OPTIONS=\"rw,nofail\"\n");
}

static void test_xenfs_fixture_uuid(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *expected = NULL, *want = NULL;
        _cleanup_close_ int rootfd = -1;
        size_t input_size, expected_size;

        (void) state;

        input = read_fixture("xenfs/fstab", &input_size);
        expected = read_fixture("xenfs/fstab.expected", &expected_size);
        rootfd = make_root("xenfs-uuid", input, input_size);

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_true(asprintf(&want, "UUID=" U_ROOT "%s", expected + strlen("/dev/xvda")) > 0);
        assert_edit(&plan, "/etc/fstab", input, input_size, want, strlen(want));
        assert_warnings(&plan, XENFS_WARNING("2", "xenfs"), XENFS_WARNING("4", "auto"));
}

/* nofail alone is an edit, even where no device is renamed. */
static void test_xenfs_only(void **state) {
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_close_ int rootfd = -1;
        const Mapping empty = {};
        const char *input = "UUID=" U_ROOT " / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n";

        (void) state;

        rootfd = make_root_str("xenfs-only", input);
        {
                _cleanup_(fixer_context_done) FixerContext c = { .rootfd = rootfd, .plan = &scratch };

                assert_int_equal(fixer_fstab.run(&c), 0);
                assert_int_equal(c.n_refs, 0);
                assert_int_equal(scratch.n_edits, 0);
                c.mapping = &empty;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_edit(&plan, "/etc/fstab", input, strlen(input),
                "UUID=" U_ROOT " / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults,nofail 0 0\n",
                strlen(input) + strlen(",nofail"));
        assert_warnings(&plan, XENFS_WARNING("2", "xenfs"));
}

/*
 * A file edited on Windows: libmount drops the \r at the end of a line; so
 * must the edit. Returns true when the known bug shows (after cleaning up, so
 * that skip()'s longjmp leaks nothing).
 */
static bool crlf_case(void) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *expected = NULL;
        _cleanup_close_ int rootfd = -1;
        size_t input_size, expected_size;
        const Edit *e;

        input = read_fixture("crlf/fstab", &input_size);
        expected = read_fixture("crlf/fstab.expected", &expected_size);
        rootfd = make_root("crlf", input, input_size);

        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);

        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                assert_int_equal(c.n_refs, 1);
                assert_ref(&c, 0, "xvda", "ext4", "/etc/fstab:2");
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_int_equal(plan.n_edits, 1);
        e = &plan.edits[0];
        assert_edit(&plan, "/etc/fstab", input, input_size, expected, expected_size);
        assert_findmnt(e->new.data, e->new.size,
                "SOURCE=\"UUID=" U_ROOT "\" TARGET=\"/\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"xenfs\" TARGET=\"/proc/xen\" FSTYPE=\"xenfs\" OPTIONS=\"defaults,nofail\"\n"
                "SOURCE=\"none\" TARGET=\"/proc/xen\" FSTYPE=\"xenfs\" OPTIONS=\"defaults,nofail\"\n");
        return false;
}

static void test_crlf(void **state) {
        (void) state;

        assert_false(crlf_case());
}

static void test_untouched(void **state) {
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_close_ int rootfd = -1;
        const Mapping empty = {};
        const char *input = "# /dev/xvda1 was / before; /dev/xvda2 was swap\n"
                            "UUID=" U_ROOT " / ext4 defaults 0 1\n"
                            "LABEL=swap none swap sw 0 0\n"
                            "PARTUUID=5c3e0a7b-03 /boot ext2 defaults 0 2\n"
                            "/dev/sda4 /srv xfs defaults 0 2\n"
                            "/dev/disk/by-uuid/" U_HOME " /home ext4 defaults 0 2\n"
                            "/dev/disk/by-path/pci-0000:00:01.1-ata-1-part5 /var ext4 defaults 0 2\n"
                            "/dev/mapper/vg-xvda /opt ext4 defaults 0 2\n"
                            "tmpfs /tmp tmpfs mode=1777 0 0\n"
                            "   # indented comment with /dev/xvdb\n";

        (void) state;

        rootfd = make_root_str("untouched", input);
        {
                _cleanup_(fixer_context_done) FixerContext c = { .rootfd = rootfd, .plan = &scratch };

                assert_int_equal(fixer_fstab.run(&c), 0);
                assert_int_equal(c.n_refs, 0);
                c.mapping = &empty;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_int_equal(scratch.n_edits, 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 0);
}

/* xvda10 is its own device, not xvda1 with a 0 after it. */
static void test_partition_ten(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_close_ int rootfd = -1;
        const char *input = "/dev/xvda10 /srv xfs defaults 0 2\n/dev/xvda1 / ext4 defaults 0 1\n";

        (void) state;

        rootfd = make_root_str("partition-ten", input);
        OLD(&old, .name = "xvda1", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvda10", .type = "xfs", .uuid = U_SRV);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda10", .type = "xfs", .uuid = U_SRV);
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                assert_int_equal(c.n_refs, 2);
                assert_ref(&c, 0, "xvda10", "xfs", "/etc/fstab:1");
                assert_ref(&c, 1, "xvda1", "ext4", "/etc/fstab:2");
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        {
                const char *want =
                        "UUID=" U_SRV " /srv xfs defaults 0 2\nUUID=" U_ROOT " / ext4 defaults 0 1\n";
                assert_edit(&plan, "/etc/fstab", input, strlen(input), want, strlen(want));
        }
}

static void test_unparsable(void **state) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_free_ char *input = NULL, *log = NULL, *readback = NULL, *path = NULL;
        _cleanup_close_ int rootfd = -1;
        size_t input_size;

        (void) state;

        input = read_fixture("unparsable/fstab", &input_size);
        rootfd = make_root("unparsable", input, input_size);
        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda2", .type = "swap", .uuid = U_SWAP);
        map_add(&m, &new, "xvda1", "sda1");
        map_add(&m, &new, "xvda2", "sda2");

        /* libmount itself refuses the line: without the error callback it would skip it silently. */
        path = tmp_path("unparsable/etc/fstab");
        readback = command_output("findmnt --verify --tab-file '%s'", path);
        assert_non_null(strstr(readback, "parse error at line 3"));

        {
                _cleanup_(fixer_context_done) FixerContext c = { .rootfd = rootfd, .plan = &scratch };

                assert_int_equal(run_logged(&fixer_fstab, &c, &log), -EBADMSG);
                assert_non_null(
                        strstr(log, "/etc/fstab:3: cannot parse this line; refusing to rewrite /etc/fstab"));
                /* Nothing is recorded from a file that cannot be trusted. */
                assert_int_equal(c.n_refs, 0);

                free(log);
                log = NULL;
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(run_logged(&fixer_fstab, &c, &log), -EBADMSG);
                assert_non_null(strstr(log, "/etc/fstab:3: cannot parse this line"));
        }
        assert_int_equal(scratch.n_edits, 0);
        assert_int_equal(plan.n_edits, 0);
}

/* Other lines libmount's parser refuses, each with its line number. */
static void test_unparsable_variants(void **state) {
        static const struct {
                const char *text;
                const char *message;
        } cases[] = {
                { "garbage\n", "/etc/fstab:1: cannot parse this line" },
                { "# fine\n/dev/xvda1 /\n", "/etc/fstab:2: cannot parse this line" },
                { "/dev/xvda1 / ext4 defaults 0 1\n/dev/xvda2 none swap sw x 0\n",
                        "/etc/fstab:2: cannot parse" },
                { "/dev/xvda1 / ext4 defaults 0 zz\n", "/etc/fstab:1: cannot parse this line" },
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(plan_done) Plan plan = {};
                _cleanup_free_ char *name = NULL, *log = NULL;
                _cleanup_close_ int rootfd = -1;
                const Mapping empty = {};

                assert_true(asprintf(&name, "variant-%zu", i) > 0);
                rootfd = make_root_str(name, cases[i].text);
                {
                        _cleanup_(fixer_context_done) FixerContext c = { .rootfd = rootfd, .plan = &plan };

                        assert_int_equal(run_logged(&fixer_fstab, &c, &log), -EBADMSG);
                        if (!strstr(log, cases[i].message))
                                fail_msg("case %zu: wanted \"%s\" in: %s", i, cases[i].message, log);
                        assert_int_equal(c.n_refs, 0);
                        free(log);
                        log = NULL;
                        c.mapping = &empty;
                        assert_int_equal(run_logged(&fixer_fstab, &c, &log), -EBADMSG);
                }
                assert_int_equal(plan.n_edits, 0);
        }
}

static void test_rewrite_name(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_close_ int rootfd = -1;
        const char *input = "/dev/xvda / ext4 defaults 0 1\n/dev/xvdb none swap sw 0 0\n";
        const char *want = "/dev/sdb / ext4 defaults 0 1\n/dev/sda none swap sw 0 0\n";

        (void) state;

        rootfd = make_root_str("name", input);
        /* The disks came back the other way round; the UUIDs know. */
        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        OLD(&old, .name = "xvdb", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sda", .type = "swap", .uuid = U_SWAP);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);
        {
                _cleanup_(fixer_context_done) FixerContext c = {
                        .rootfd = rootfd, .old = &old, .plan = &scratch, .form = REWRITE_NAME
                };

                scan_map(&c, &old, &new, &m);
                assert_int_equal(scratch.n_warnings, 0);
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_edit(&plan, "/etc/fstab", input, strlen(input), want, strlen(want));
        /* Once, however many lines. */
        assert_warnings(&plan, NAME_WARNING);
}

/* With no UUID on the new device: LABEL (fstab-escaped), then PARTUUID, then the bare name with a warning.
 */
static void test_fallbacks(void **state) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_close_ int rootfd = -1;
        const char *input = "/dev/xvdb /data ext4 defaults 0 2\n"
                            "/dev/xvdc1\t/boot\text2\tdefaults\t0\t2\n"
                            "/dev/xvdd /scratch ext4 defaults 0 0\n"
                            "/dev/xvde /odd ext4 defaults 0 0\n";
        const char *want = "LABEL=my\\040data /data ext4 defaults 0 2\n"
                           "PARTUUID=5c3e0a7b-01\t/boot\text2\tdefaults\t0\t2\n"
                           "/dev/sdc /scratch ext4 defaults 0 0\n"
                           "LABEL=a\\134b\\011c /odd ext4 defaults 0 0\n";

        (void) state;

        rootfd = make_root_str("fallbacks", input);
        NEW(&new, .name = "sda", .type = "ext4", .label = "my data");
        NEW(&new, .name = "sdb1", .type = "ext2", .partuuid = "5c3e0a7b-01");
        NEW(&new, .name = "sdc", .type = "ext4");
        NEW(&new, .name = "sdd", .type = "ext4", .label = "a\\b\tc");
        map_add(&m, &new, "xvdb", "sda");
        map_add(&m, &new, "xvdc1", "sdb1");
        map_add(&m, &new, "xvdd", "sdc");
        map_add(&m, &new, "xvde", "sdd");
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .mapping = &m, .plan = &plan };

                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_edit(&plan, "/etc/fstab", input, strlen(input), want, strlen(want));
        assert_warnings(&plan,
                "/etc/fstab:3: sdc has no UUID, LABEL or PARTUUID; naming it /dev/sdc, which may change "
                "from one "
                "boot to the next");
        assert_findmnt(plan.edits[0].new.data, plan.edits[0].new.size,
                "SOURCE=\"LABEL=my data\" TARGET=\"/data\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"PARTUUID=5c3e0a7b-01\" TARGET=\"/boot\" FSTYPE=\"ext2\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"/dev/sdc\" TARGET=\"/scratch\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n"
                "SOURCE=\"LABEL=a\\x5cb\\x09c\" TARGET=\"/odd\" FSTYPE=\"ext4\" OPTIONS=\"defaults\"\n");
}

/* The rewrite pass meets a device the mapping lacks: an error, and no edit. */
static void test_unmapped(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ char *log = NULL;
        _cleanup_close_ int rootfd = -1;
        const Mapping empty = {};

        (void) state;

        rootfd = make_root_str(
                "unmapped", "/dev/xvda / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n");
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .mapping = &empty, .plan = &plan };

                assert_int_equal(run_logged(&fixer_fstab, &c, &log), -ENXIO);
        }
        assert_non_null(strstr(log, "/etc/fstab:1: /dev/xvda was not mapped"));
        assert_int_equal(plan.n_edits, 0);
}

static void test_missing_fstab(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int rootfd = -1, rootfd2 = -1;
        const Mapping empty = {};

        (void) state;

        /* No /etc at all, then an /etc without fstab. */
        rootfd = make_root("missing", NULL, 0);
        rootfd2 = make_root("missing2", NULL, 0);
        assert_int_equal(mkdirat(rootfd2, "etc", 0755), 0);

        for (int i = 0; i < 2; i++) {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = i == 0 ? rootfd : rootfd2, .plan = &plan };

                assert_int_equal(fixer_fstab.run(&c), 0);
                assert_int_equal(c.n_refs, 0);
                c.mapping = &empty;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 0);
}

/* An /etc/fstab that is a symlink: the edit is of the file it leads to, inside the root. */
static void test_symlink(void **state) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_close_ int rootfd = -1;
        const char *input = "/dev/xvda / ext4 defaults 0 1\n";
        const char *want = "UUID=" U_ROOT " / ext4 defaults 0 1\n";

        (void) state;

        rootfd = make_root("symlink", NULL, 0);
        assert_int_equal(mkdir_p_at(rootfd, "etc/fstab.d", 0755), 0);
        assert_int_equal(write_file_atomic_at(rootfd, "etc/fstab.d/real", input, strlen(input), 0644), 0);
        assert_int_equal(symlinkat("/etc/fstab.d/real", rootfd, "etc/fstab"), 0);
        OLD(&old, .name = "xvda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .plan = &scratch };

                scan_map(&c, &old, &new, &m);
                assert_int_equal(c.n_refs, 1);
                assert_ref(&c, 0, "xvda", "ext4", "/etc/fstab.d/real:1");
                c.mapping = &m;
                c.plan = &plan;
                assert_int_equal(fixer_fstab.run(&c), 0);
        }
        assert_edit(&plan, "/etc/fstab.d/real", input, strlen(input), want, strlen(want));
}

/*
 * A disk cloned on the KVM side, found by the order rule: writing UUID= of
 * the clone would let the boot mount either copy.
 */
static bool clone_case(void) {
        _cleanup_(inventory_done) Inventory old = {}, new = {};
        _cleanup_(plan_done) Plan scratch = {}, plan = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_close_ int rootfd = -1;
        const char *input = "/dev/xvda / ext4 defaults 0 1\n";
        int r;

        rootfd = make_root_str("clone", input);
        NEW(&new, .name = "sda", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .uuid = U_ROOT);
        {
                _cleanup_(fixer_context_done)
                        FixerContext c = { .rootfd = rootfd, .old = &old, .new = &new, .plan = &scratch };

                assert_int_equal(fixer_fstab.run(&c), 0);
                assert_int_equal(c.n_refs, 1);
                r = map_build(&old, &new, c.refs, c.n_refs, &m, &errors, &warnings);
                if (r == -ENXIO) {
                        assert_non_null(errors);
                        assert_non_null(strstr(errors[0], "xvda (/etc/fstab:1): "));
                        return false;
                }
                assert_int_equal(r, 0);
                c.mapping = &m;
                c.plan = &plan;
                r = fixer_fstab.run(&c);
        }
        /* UUID= would name both disks: refused before anything is written. */
        assert_int_equal(r, -ENXIO);
        assert_int_equal(plan.n_edits, 0);
        return false;
}

static void test_clone_not_spelled_by_uuid(void **state) {
        (void) state;

        assert_false(clone_case());
}

/* The helpers fixers share */

static void test_old_name(void **state) {
        _cleanup_(inventory_done) Inventory old = {};
        static const struct {
                const char *ref;
                const char *name; /* NULL: no old device */
        } cases[] = {
                { "/dev/xvda", "xvda" },
                { "/dev/xvda1", "xvda1" },
                { "/dev/xvda10", "xvda10" },
                { "/dev/xvdaa2", "xvdaa2" },
                { "/dev/disk/by-path/xen-vbd-51712", "xvda" },
                { "/dev/disk/by-path/xen-vbd-51712-part1", "xvda1" },
                { "/dev/disk/by-path/xen-vbd-51728-part10", "xvdb10" },
                /* A partition exported alone: the partition bits are in the number. */
                { "/dev/disk/by-path/xen-vbd-51714", "xvda2" },
                /* The extended range: 1 << 28 | 26 << 8. */
                { "/dev/disk/by-path/xen-vbd-268442112", "xvdaa" },
                { "/dev/disk/by-id/xen-recorded", "xvdc1" },
                { "xvda1", NULL },
                { "/dev/sda1", NULL },
                { "/dev/xvd", NULL },
                { "/dev/xvda01", NULL },
                { "/dev/mapper/xvda", NULL },
                { "UUID=" U_ROOT, NULL },
                { "/dev/disk/by-path/xen-vbd-junk", NULL },
                { "/dev/disk/by-path/xen-vbd-51712-part1-part2", NULL },
                { "/dev/disk/by-path/pci-0000:00:01.1-ata-1", NULL },
                { "/dev/disk/by-id/not-recorded", NULL },
                { "", NULL },
        };

        (void) state;

        OLD(&old, .name = "xvdc1", .type = "ext4", .link = "/dev/disk/by-id/xen-recorded");
        for (int with_old = 0; with_old < 2; with_old++) {
                const FixerContext c = { .old = with_old ? &old : NULL };

                for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                        _cleanup_free_ char *name = NULL;
                        /* Without an old inventory no recorded link is known. */
                        const char *want = !with_old && startswith(cases[i].ref, "/dev/disk/by-id/")
                                ? NULL
                                : cases[i].name;
                        int r = fixer_old_name(&c, cases[i].ref, &name);

                        if (r != (want ? 1 : 0))
                                fail_msg("%s: fixer_old_name() gave %d, wanted %d", cases[i].ref, r,
                                        want ? 1 : 0);
                        if (want)
                                assert_string_equal(name, want);
                }
        }
}

static void test_rewrite_device_scan(void **state) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = { .plan = &plan };
        char *ret = (char *) "untouched";

        (void) state;

        assert_int_equal(fixer_rewrite_device(&c, "/dev/sda1", "ext4", "/etc/fstab:1", SYNTAX_TAG, &ret), 0);
        assert_null(ret);
        assert_int_equal(c.n_refs, 0);
        assert_int_equal(
                fixer_rewrite_device(&c, "/dev/xvda1", NULL, "/etc/crypttab:4", SYNTAX_TAG, &ret), 1);
        assert_null(ret);
        assert_int_equal(fixer_rewrite_device(&c, "/dev/disk/by-path/xen-vbd-51712-part2", "swap",
                                 "/etc/fstab:7", SYNTAX_PATH, &ret),
                1);
        assert_null(ret);
        assert_int_equal(c.n_refs, 2);
        assert_ref(&c, 0, "xvda1", NULL, "/etc/crypttab:4");
        assert_ref(&c, 1, "xvda2", "swap", "/etc/fstab:7");
}

static void test_rewrite_device_path_syntax(void **state) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_(mapping_done) Mapping m = {};
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = { .mapping = &m, .plan = &plan };
        _cleanup_free_ char *a = NULL, *b = NULL;

        (void) state;

        NEW(&new, .name = "sda1", .type = "ext4", .uuid = U_ROOT);
        NEW(&new, .name = "sdb", .type = "ext4", .label = "my data");
        map_add(&m, &new, "xvda1", "sda1");
        map_add(&m, &new, "xvdb", "sdb");

        assert_int_equal(fixer_rewrite_device(&c, "/dev/xvda1", "ext4", "x:1", SYNTAX_PATH, &a), 1);
        assert_string_equal(a, "/dev/disk/by-uuid/" U_ROOT);
        /* udev's encoding of a label, as in /dev/disk/by-label/. */
        assert_int_equal(fixer_rewrite_device(&c, "/dev/xvdb", "ext4", "x:2", SYNTAX_PATH, &b), 1);
        assert_string_equal(b, "/dev/disk/by-label/my\\x20data");
        assert_int_equal(plan.n_warnings, 0);
}

static void test_fstab_escape(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "root", "root" },
                { "my data", "my\\040data" },
                { "a\tb", "a\\011b" },
                { "a\nb", "a\\012b" },
                { "a\\b", "a\\134b" },
                { "  ", "\\040\\040" },
                { "é#=,", "é#=," },
        };

        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = fstab_escape(cases[i].in);

                assert_non_null(s);
                assert_string_equal(s, cases[i].out);
        }
}

static void test_fields_split(void **state) {
        const char *line = "  /dev/xvda1\t/ ext4\t\tdefaults  0 1 extra  ";
        Span spans[6];

        (void) state;

        assert_int_equal(fields_split(line, strlen(line), spans, ELEMENTSOF(spans)), 6);
        assert_int_equal(spans[0].start, 2);
        assert_int_equal(spans[0].len, strlen("/dev/xvda1"));
        assert_int_equal(spans[1].start, 13);
        assert_int_equal(spans[1].len, 1);
        assert_int_equal(spans[2].start, 15);
        assert_int_equal(spans[2].len, 4);
        assert_int_equal(spans[3].start, 21);
        assert_int_equal(spans[3].len, 8);
        assert_int_equal(spans[4].start, 31);
        assert_int_equal(spans[5].start, 33);
        assert_int_equal(spans[5].len, 1);

        assert_int_equal(fields_split(line, strlen(line), spans, 2), 2);
        assert_int_equal(fields_split("", 0, spans, 6), 0);
        assert_int_equal(fields_split(" \t ", 3, spans, 6), 0);
        /* Only @len bytes count. */
        assert_int_equal(fields_split("a b c", 3, spans, 6), 2);
        assert_int_equal(spans[1].start, 2);
        assert_int_equal(spans[1].len, 1);
}

static void test_line_emit(void **state) {
        const char *text = "/dev/xvda1\t/  ext4 defaults\n/dev/xvdb none swap";
        size_t pos = 0;
        Line l = {};
        Buf out = {};

        (void) state;

        assert_true(line_next(text, strlen(text), &pos, &l));
        {
                const SpanEdit edits[] = {
                        { { 0, 10 }, "UUID=x" },
                        { { 11, 1 }, NULL },
                        { { 19, 8 }, "defaults,nofail" },
                };
                assert_int_equal(line_emit(&out, &l, edits, ELEMENTSOF(edits)), 0);
        }
        assert_true(line_next(text, strlen(text), &pos, &l));
        assert_false(l.newline);
        {
                /* An insertion at the end of a last line without newline. */
                const SpanEdit edits[] = {
                        { { 0, 9 }, "/dev/sdb" },
                        { { l.len, 0 }, "\tdefaults,nofail" },
                };
                assert_int_equal(line_emit(&out, &l, edits, ELEMENTSOF(edits)), 0);
        }
        assert_int_equal(line_emit(&out, &l, NULL, 0), 0);
        assert_string_equal(out.data,
                "UUID=x\t/  ext4 defaults,nofail\n"
                "/dev/sdb none swap\tdefaults,nofail"
                "/dev/xvdb none swap");
        buf_done(&out);
}

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
        if (asprintf(&fixtures, "%s/../tests/fixtures/fstab", dirname(exe)) < 0)
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
                cmocka_unit_test(test_debian),
                cmocka_unit_test(test_by_path_and_recorded_links),
                cmocka_unit_test(test_xenfs),
                cmocka_unit_test(test_xenfs_fixture_uuid),
                cmocka_unit_test(test_xenfs_only),
                cmocka_unit_test(test_crlf),
                cmocka_unit_test(test_untouched),
                cmocka_unit_test(test_partition_ten),
                cmocka_unit_test(test_unparsable),
                cmocka_unit_test(test_unparsable_variants),
                cmocka_unit_test(test_rewrite_name),
                cmocka_unit_test(test_fallbacks),
                cmocka_unit_test(test_unmapped),
                cmocka_unit_test(test_missing_fstab),
                cmocka_unit_test(test_symlink),
                cmocka_unit_test(test_clone_not_spelled_by_uuid),
                cmocka_unit_test(test_old_name),
                cmocka_unit_test(test_rewrite_device_scan),
                cmocka_unit_test(test_rewrite_device_path_syntax),
                cmocka_unit_test(test_fstab_escape),
                cmocka_unit_test(test_fields_split),
                cmocka_unit_test(test_line_emit),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
