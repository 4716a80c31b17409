/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>

#include "fixture.h"

#include "devname.h"
#include "diff.h"

static char *tmpdir; /* the run's temporary folder, made on first use */
static char *fixtures; /* the source tree's tests/fixtures, found on first use */
static unsigned n_roots; /* for the names of unnamed roots */

const Mapping fixture_no_devices = {};

/* The run's temporary folder */

static const char *tmp_dir(void) {
        const char *base = getenv("TMPDIR");
        char *t;

        if (tmpdir)
                return tmpdir;
        assert_true(asprintf(&t, "%s/%s-XXXXXX", isempty(base) ? "/tmp" : base,
                            program_invocation_short_name) > 0);
        if (!mkdtemp(t)) {
                int k = errno;

                free(t);
                fail_msg("cannot make the temporary folder: %s", strerror(k));
        }
        tmpdir = t;
        return tmpdir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(path);
}

/* rm -rf @path: 0, or -errno (a missing @path is no error). */
static int rm_rf(const char *path) {
        if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int fixture_group_setup(void **state) {
        (void) state;
        n_roots = 0;
        return 0;
}

int fixture_group_teardown(void **state) {
        int r = 0;

        (void) state;
        if (tmpdir)
                r = rm_rf(tmpdir);
        if (r < 0)
                print_error("cannot remove %s: %s\n", tmpdir, strerror(-r));
        free(tmpdir);
        tmpdir = NULL;
        free(fixtures);
        fixtures = NULL;
        return r < 0 ? -1 : 0;
}

static char *vpath_below(const char *dir, const char *fmt, va_list ap) {
        _cleanup_free_ char *rel = NULL;
        char *p;

        assert_true(vasprintf(&rel, fmt, ap) >= 0);
        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        return p;
}

char *fixture_tmp_path(const char *fmt, ...) {
        va_list ap;
        char *p;

        va_start(ap, fmt);
        p = vpath_below(tmp_dir(), fmt, ap);
        va_end(ap);
        return p;
}

static const char *fixtures_dir(void) {
        const char *srcdir = getenv("KVMIGRATE_SRCDIR");
        char *found = NULL;

        if (fixtures)
                return fixtures;
        if (!isempty(srcdir))
                assert_true(asprintf(&found, "%s/tests/fixtures", srcdir) > 0);
        else {
                char exe[PATH_MAX];
                ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

                assert_true(n > 0);
                exe[n] = 0;
                /* build/test-foo or build-asan/test-foo */
                assert_true(asprintf(&found, "%s/../tests/fixtures", dirname(exe)) > 0);
        }
        if (access(found, R_OK) < 0) {
                int k = errno;

                print_error("the fixtures are not at %s (%s); set KVMIGRATE_SRCDIR to the source tree\n",
                        found, strerror(k));
                free(found);
                fail();
        }
        fixtures = found;
        return fixtures;
}

char *fixture_path(const char *fmt, ...) {
        va_list ap;
        char *p;

        va_start(ap, fmt);
        p = vpath_below(fixtures_dir(), fmt, ap);
        va_end(ap);
        return p;
}

char *fixture_read(const char *path, size_t *ret_size) {
        _cleanup_free_ char *full = fixture_path("%s", path);
        char *data = NULL;
        int r;

        r = read_full_at(AT_FDCWD, full, &data, ret_size);
        if (r < 0)
                fail_msg("cannot read %s: %s", full, strerror(-r));
        return data;
}

/* Roots */

FixtureRoot *fixture_root_new(const char *name, const char *case_name) {
        FixtureRoot *root = calloc(1, sizeof(FixtureRoot));
        int r;

        assert_non_null(root);
        root->fd = -1;
        root->path = name ? fixture_tmp_path("%s", name) : fixture_tmp_path("root-%u", ++n_roots);
        r = rm_rf(root->path);
        if (r < 0)
                fail_msg("cannot remove %s: %s", root->path, strerror(-r));
        if (mkdir(root->path, 0755) < 0)
                fail_msg("cannot make %s: %s", root->path, strerror(errno));
        if (case_name) {
                _cleanup_free_ char *src = fixture_path("%s/root", case_name);

                fixture_copy_tree(src, root->path);
        }
        root->fd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root->fd < 0)
                fail_msg("cannot open %s: %s", root->path, strerror(errno));
        return root;
}

FixtureRoot *fixture_root_free(FixtureRoot *root) {
        if (!root)
                return NULL;
        if (root->fd >= 0)
                (void) close(root->fd);
        free(root->path);
        free(root);
        return NULL;
}

int fixture_root_setup(void **state) {
        *state = fixture_root_new(NULL, NULL);
        return 0;
}

int fixture_root_teardown(void **state) {
        FixtureRoot *root = *state;
        int r = root ? rm_rf(root->path) : 0;

        if (r < 0)
                print_error("cannot remove %s: %s\n", root->path, strerror(-r));
        *state = fixture_root_free(root);
        return r < 0 ? -1 : 0;
}

/* The folders on the way to @path below @rootfd. */
static void make_parents(int rootfd, const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        int r;

        assert_non_null(dir);
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return;
        *slash = 0;
        r = mkdir_p_at(rootfd, dir, 0755);
        if (r < 0)
                fail_msg("cannot make folder %s: %s", dir, strerror(-r));
}

void fixture_write_full(int rootfd, const char *path, const void *data, size_t size, mode_t mode) {
        int r;

        make_parents(rootfd, path);
        r = write_file_atomic_at(rootfd, path, data, size, mode);
        if (r < 0)
                fail_msg("cannot write %s: %s", path, strerror(-r));
}

void fixture_write(int rootfd, const char *path, const char *text) {
        fixture_write_full(rootfd, path, text, strlen(text), 0644);
}

void fixture_symlink(int rootfd, const char *path, const char *target) {
        make_parents(rootfd, path);
        if (symlinkat(target, rootfd, path) < 0)
                fail_msg("cannot make the link %s -> %s: %s", path, target, strerror(errno));
}

void fixture_copy_tree(const char *src, const char *dst) {
        fixture_shell("cp -a -- '%s/.' '%s/'", src, dst);
}

/* Comparing trees */

typedef struct TreeCompare {
        const char *dir;
        const char *want;
        const char *overlay; /* may be NULL */
        FixtureTreeFlags flags;
        Buf report;
        unsigned n;
} TreeCompare;

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* Add the names in folder @path (sorted, without "." and ".."; none when it is no folder) to *@v. */
static void add_names(char ***v, size_t *n, const char *path) {
        struct dirent **entries = NULL;
        int k = scandir(path, &entries, NULL, compare_names);

        if (k < 0) {
                if (errno != ENOENT && errno != ENOTDIR)
                        fail_msg("cannot list %s: %s", path, strerror(errno));
                return;
        }
        for (int i = 0; i < k; i++) {
                const char *name = entries[i]->d_name;

                if (!streq(name, ".") && !streq(name, "..") && !strv_contains(*v, name))
                        assert_int_equal(strv_push(v, n, strdup(name)), 0);
                free(entries[i]);
        }
        free(entries);
}

/* kvmigrate's own backups and journal, which an apply leaves. */
static bool is_state_dir(const char *rel) {
        return streq(rel, "/var/lib/kvmigrate");
}

/* One difference more: a line of the report. */
#define tree_report(t, fmt, ...)                                                                            \
        do {                                                                                                \
                assert_int_equal(buf_printf(&(t)->report, "\n  " fmt, __VA_ARGS__), 0);                     \
                (t)->n++;                                                                                   \
        } while (0)

/*
 * Whether @rel, which the tree has and the wanted one lacks, does not count:
 * the folders made only for kvmigrate's state, and with
 * FIXTURE_TREE_EMPTY_DIRS_OK any folder holding nothing but folders.
 */
static bool extra_is_ignorable(const TreeCompare *t, const char *rel) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_free_ char *path = NULL;
        struct stat st;
        size_t n = 0;

        if (is_state_dir(rel))
                return true;
        assert_true(asprintf(&path, "%s%s", t->dir, rel) > 0);
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                return false;
        if (!(t->flags & FIXTURE_TREE_EMPTY_DIRS_OK) && !streq(rel, "/var") && !streq(rel, "/var/lib"))
                return false;
        add_names(&names, &n, path);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *sub = NULL;

                assert_true(asprintf(&sub, "%s/%s", rel, names[i]) > 0);
                if (!extra_is_ignorable(t, sub))
                        return false;
        }
        return true;
}

static void compare_files(TreeCompare *t, const char *want, const char *got) {
        _cleanup_free_ char *wd = NULL, *gd = NULL;
        size_t wn = 0, gn = 0;
        Buf diff = {};
        int r;

        r = read_full_at(AT_FDCWD, want, &wd, &wn);
        if (r < 0)
                fail_msg("cannot read %s: %s", want, strerror(-r));
        r = read_full_at(AT_FDCWD, got, &gd, &gn);
        if (r < 0)
                fail_msg("cannot read %s: %s", got, strerror(-r));
        if (wn == gn && memcmp(wd, gd, wn) == 0)
                return;
        assert_int_equal(diff_unified(&diff, want, wd, wn, got, gd, gn), 0);
        tree_report(t, "%s differs from %s:\n%s", got, want, strempty(diff.data));
        buf_done(&diff);
}

static void compare_links(TreeCompare *t, const char *want, const char *got) {
        char wt[PATH_MAX] = {}, gt[PATH_MAX] = {};

        if (readlink(want, wt, sizeof wt - 1) < 0)
                fail_msg("cannot read the link %s: %s", want, strerror(errno));
        if (readlink(got, gt, sizeof gt - 1) < 0)
                fail_msg("cannot read the link %s: %s", got, strerror(errno));
        if (!streq(wt, gt))
                tree_report(t, "%s -> %s, wanted -> %s (as %s)", got, gt, wt, want);
}

static void compare_dir(TreeCompare *t, const char *rel) {
        _cleanup_(strv_freep) char **want_names = NULL, **got_names = NULL;
        _cleanup_free_ char *got_dir = NULL, *want_dir = NULL;
        size_t n_want = 0, n_got = 0;

        assert_true(asprintf(&got_dir, "%s%s", t->dir, rel) > 0);
        assert_true(asprintf(&want_dir, "%s%s", t->want, rel) > 0);
        add_names(&got_names, &n_got, got_dir);
        add_names(&want_names, &n_want, want_dir);
        if (t->overlay) {
                _cleanup_free_ char *overlay_dir = NULL;

                assert_true(asprintf(&overlay_dir, "%s%s", t->overlay, rel) > 0);
                add_names(&want_names, &n_want, overlay_dir);
        }

        for (size_t i = 0; i < n_got; i++) {
                _cleanup_free_ char *sub = NULL;

                assert_true(asprintf(&sub, "%s/%s", rel, got_names[i]) > 0);
                if (!strv_contains(want_names, got_names[i]) && !extra_is_ignorable(t, sub))
                        tree_report(t, "%s%s should not be there", t->dir, sub);
        }
        for (size_t i = 0; i < n_want; i++) {
                _cleanup_free_ char *sub = NULL, *w = NULL, *g = NULL;
                struct stat ws, gs;

                assert_true(asprintf(&sub, "%s/%s", rel, want_names[i]) > 0);
                if (is_state_dir(sub))
                        continue;
                if (t->overlay)
                        assert_true(asprintf(&w, "%s%s", t->overlay, sub) > 0);
                if (!w || lstat(w, &ws) < 0) {
                        free(w);
                        assert_true(asprintf(&w, "%s%s", t->want, sub) > 0);
                        assert_int_equal(lstat(w, &ws), 0);
                }
                assert_true(asprintf(&g, "%s%s", t->dir, sub) > 0);
                if (lstat(g, &gs) < 0)
                        tree_report(t, "%s is missing (wanted as %s)", g, w);
                else if ((ws.st_mode & S_IFMT) != (gs.st_mode & S_IFMT))
                        tree_report(t, "%s is not the same kind of file as %s", g, w);
                else if (S_ISDIR(ws.st_mode))
                        compare_dir(t, sub);
                else if (S_ISLNK(ws.st_mode))
                        compare_links(t, w, g);
                else if (S_ISREG(ws.st_mode))
                        compare_files(t, w, g);
        }
}

void fixture_assert_tree(const char *dir, const char *want, const char *overlay, FixtureTreeFlags flags) {
        TreeCompare t = { .dir = dir, .want = want, .overlay = overlay, .flags = flags };

        compare_dir(&t, "");
        if (t.n > 0) {
                _cleanup_free_ char *report = buf_steal(&t.report);

                fail_msg("%s is not %s%s%s (%u differences):%s", dir, want, overlay ? " with " : "",
                        strempty(overlay), t.n, report);
        }
        buf_done(&t.report);
}

/* What the code under test logs */

static int saved_stderr = -1; /* stderr as it was, while it is redirected */
static FILE *captured; /* where stderr goes meanwhile */

void fixture_stderr_start(void) {
        fflush(stderr);
        captured = tmpfile();
        assert_non_null(captured);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(saved_stderr >= 0);
        assert_true(dup2(fileno(captured), STDERR_FILENO) >= 0);
}

char *fixture_stderr_end(void) {
        char *s = NULL;

        fflush(stderr);
        assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
        (void) close(saved_stderr);
        saved_stderr = -1;
        rewind(captured);
        assert_int_equal(read_full_fd(fileno(captured), &s, NULL), 0);
        fclose(captured);
        captured = NULL;
        return s;
}

/* Commands */

static char *vcommand_output(int *ret_status, const char *fmt, va_list ap) {
        _cleanup_free_ char *cmd = NULL, *full = NULL;
        char chunk[4096];
        Buf out = {};
        FILE *f;
        size_t n;
        int k;

        assert_true(vasprintf(&cmd, fmt, ap) > 0);
        assert_true(asprintf(&full, "(%s\n) 2>&1", cmd) > 0);
        f = popen(full, "r");
        if (!f) {
                fail_msg("cannot run %s: %s", cmd, strerror(errno));
                return NULL;
        }
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                assert_int_equal(buf_append(&out, chunk, n), 0);
        k = pclose(f);
        if (ret_status)
                *ret_status = k;
        assert_int_equal(buf_append(&out, "", 0), 0);
        return buf_steal(&out);
}

char *fixture_command_output(int *ret_status, const char *fmt, ...) {
        va_list ap;
        char *out;

        va_start(ap, fmt);
        out = vcommand_output(ret_status, fmt, ap);
        va_end(ap);
        return out;
}

void fixture_shell(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        va_list ap;
        int k, status;

        va_start(ap, fmt);
        k = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        assert_true(k > 0);
        out = fixture_command_output(&status, "%s", cmd);
        if (status != 0)
                fail_msg("command failed (%d): %s\n%s", status, cmd, out);
}

void fixture_assert_findmnt(const char *data, size_t size, const char *want) {
        _cleanup_free_ char *path = fixture_tmp_path("readback.fstab");
        _cleanup_free_ char *verify = NULL, *listing = NULL;
        const char *summary;

        fixture_write_full(AT_FDCWD, path, data, size, 0644);
        verify = fixture_command_output(NULL, "findmnt --verify --tab-file '%s'", path);
        if (strstr(verify, "parse error at"))
                fail_msg("findmnt reports a parse error:\n%s", verify);
        summary = strstr(verify, "0 parse errors,");
        if (!summary || (summary != verify && summary[-1] != '\n'))
                fail_msg("findmnt --verify said:\n%s", verify);

        listing = fixture_command_output(
                NULL, "findmnt -s --tab-file '%s' -n -P -o SOURCE,TARGET,FSTYPE,OPTIONS", path);
        assert_string_equal(listing, want);
}

const char *fixture_grub_script_check(void) {
        static char *found;
        static bool looked;

        if (!looked) {
                int status;
                char *out = fixture_command_output(
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

void fixture_assert_grub_script(const char *path) {
        _cleanup_free_ char *out = NULL;
        int status;

        if (!fixture_grub_script_check())
                return;
        out = fixture_command_output(&status, "'%s' '%s'", fixture_grub_script_check(), path);
        if (status != 0)
                fail_msg("grub-script-check %s: %s", path, out);
}

/* Inventories and mappings */

void fixture_add_device(Inventory *inv, DeviceSource source, FixtureDevice s) {
        DevName dn;
        Device d = {
                .name = strdup(s.name),
                .type = strdup_or_null(s.type),
                .uuid = strdup_or_null(s.uuid),
                .label = strdup_or_null(s.label),
                .partuuid = strdup_or_null(s.partuuid),
                .ptuuid = strdup_or_null(s.ptuuid),
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

void fixture_map_add(Mapping *m, const Inventory *new, const char *old_name, const char *new_name) {
        MapEntry *e = realloc(m->entries, sizeof(MapEntry) * (m->n + 1));

        assert_non_null(e);
        m->entries = e;
        e[m->n] = (MapEntry){
                .old_name = strdup(old_name),
                .new = inventory_find(new, new_name),
                .method = MAP_METHOD_UUID,
        };
        assert_non_null(e[m->n].old_name);
        if (!e[m->n].new)
                fail_msg("no device %s to map %s to", new_name, old_name);
        m->n++;
}

/* Running a fixer */

static void references_free(FixtureRun *run) {
        FixerContext c = { .refs = run->refs, .n_refs = run->n_refs };

        fixer_context_done(&c);
        run->refs = NULL;
        run->n_refs = 0;
}

void fixture_run_done(FixtureRun *run) {
        references_free(run);
        mapping_done(&run->mapping);
        plan_done(&run->plan);
        *run = (FixtureRun){};
}

int fixture_run(FixtureRun *run, const Fixer *f, int rootfd, const FixtureGuest *g) {
        static const Inventory none = {};
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(plan_done) Plan scratch = {};
        FixerContext c = {
                .rootfd = rootfd, .old = g->old, .new = g->new, .form = g->form, .plan = &scratch
        };
        size_t first_edit = run->plan.n_edits;

        references_free(run);
        mapping_done(&run->mapping);
        run->scan = run->rewrite = 0;
        run->n_scan_warnings = 0;

        run->scan = f->run(&c);
        if (run->scan > 0)
                fail_msg("%s: the scan pass returned %d, not 0 or a negative errno", f->name, run->scan);
        if (scratch.n_edits > 0)
                fail_msg("%s: the scan pass proposed an edit of %s", f->name, scratch.edits[0].path);
        run->n_scan_warnings = scratch.n_warnings;
        if (run->scan == 0) {
                const Mapping *m = g->mapping;
                size_t n_refs = c.n_refs;

                if (!m) {
                        int r = map_build(g->old ?: &none, g->new ?: &none, c.refs, c.n_refs, &run->mapping,
                                &errors, &warnings);
                        if (r < 0)
                                fail_msg("%s: map_build() failed (%s): %s", f->name, strerror(-r),
                                        errors ? errors[0] : "");
                        assert_null(errors);
                        m = &run->mapping;
                }
                c.mapping = m;
                c.plan = &run->plan;
                c.from_xen = g->from_xen;
                run->rewrite = f->run(&c);
                if (c.n_refs != n_refs)
                        fail_msg("%s: the rewrite pass recorded %zu more references", f->name,
                                c.n_refs - n_refs);
                for (size_t i = first_edit; i < run->plan.n_edits; i++)
                        if (!streq(run->plan.edits[i].fixer, f->name))
                                fail_msg("%s: the edit of %s is %s's", f->name, run->plan.edits[i].path,
                                        run->plan.edits[i].fixer);
        }
        run->refs = TAKE_PTR(c.refs);
        run->n_refs = c.n_refs;
        return run->scan < 0 ? run->scan : run->rewrite;
}

int fixture_run_from_xen(
        FixtureRun *run, const Fixer *f, int rootfd, const Inventory *old, const Inventory *new) {
        return fixture_run(
                run, f, rootfd, &(const FixtureGuest){ .old = old, .new = new, .from_xen = true });
}

size_t fixture_assert_refused(
        const Fixer *f, const FixtureGuest *g, const char *path, const char *text, int want) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new(NULL, NULL);
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = {
                .rootfd = root->fd, .old = g->old, .new = g->new, .form = g->form, .plan = &plan
        };
        size_t n_refs;
        int r;

        fixture_write(root->fd, path, text);
        r = f->run(&c);
        if (r != want)
                fail_msg("%s: the scan pass returned %d, wanted %d (%s); %s holds:\n%s", f->name, r, want,
                        strerror(-want), path, text);
        n_refs = c.n_refs;
        if (g->mapping) {
                c.mapping = g->mapping;
                c.from_xen = g->from_xen;
                r = f->run(&c);
                if (r != want)
                        fail_msg("%s: the rewrite pass returned %d, wanted %d (%s); %s holds:\n%s", f->name,
                                r, want, strerror(-want), path, text);
        }
        if (plan.n_edits > 0)
                fail_msg("%s: refused %s, but planned an edit of %s", f->name, path, plan.edits[0].path);
        return n_refs;
}

int fixture_run_console(FixtureRun *run, const Fixer *f, int rootfd, bool from_xen) {
        return fixture_run(run, f, rootfd,
                &(const FixtureGuest){ .mapping = &fixture_no_devices, .from_xen = from_xen });
}

int fixture_run_logged(const Fixer *f, FixerContext *c, char **ret_log) {
        int r;

        fixture_stderr_start();
        r = f->run(c);
        *ret_log = fixture_stderr_end();
        return r;
}

void fixture_assert_idempotent(const Fixer *f, int rootfd, const FixtureGuest *g, bool may_warn) {
        _cleanup_(fixture_run_done) FixtureRun again = {};
        int r;

        r = fixture_run(&again, f, rootfd, g);
        if (r != 0)
                fail_msg("%s: the second run returned %d (%s)", f->name, r, strerror(-r));
        if (again.n_refs > 0)
                fail_msg("%s: the second run still finds %s at %s", f->name, again.refs[0].name,
                        again.refs[0].where);
        if (again.plan.n_edits > 0)
                fail_msg("%s: the second run still edits %s", f->name, again.plan.edits[0].path);
        if (again.plan.n_warnings > 0 && !may_warn)
                fail_msg("%s: the second run still warns: %s", f->name, again.plan.warnings[0]);
}

/* The lines of fixture file @path (NULL-terminated), or none when there is no such file. */
static char **read_lines(const char *path) {
        _cleanup_free_ char *full = fixture_path("%s", path), *text = NULL;
        char **v = calloc(1, sizeof(char *));
        size_t size = 0, pos = 0, n = 0;
        Line l = {};

        assert_non_null(v);
        if (read_full_at(AT_FDCWD, full, &text, &size) < 0)
                size = 0;
        while (line_next(text, size, &pos, &l))
                assert_int_equal(strv_push(&v, &n, strndup(l.p, l.len)), 0);
        return v;
}

void fixture_run_case(const FixtureCase *fc, FixtureRun *ret) {
        _cleanup_(fixture_run_done) FixtureRun run = {};
        _cleanup_free_ char *original = fixture_path("%s/root", fc->name),
                            *expected = fixture_path("%s/expected", fc->name);
        _cleanup_(fixture_root_freep) FixtureRoot *root = NULL;
        const char *base = strrchr(fc->name, '/');
        FixtureGuest again = fc->guest;
        int r;

        root = fixture_root_new(base ? base + 1 : fc->name, fc->name);
        if (fc->xen_only) {
                _cleanup_(fixture_run_done) FixtureRun not_xen = {};
                FixtureGuest g = fc->guest;

                g.from_xen = false;
                assert_int_equal(fixture_run(&not_xen, fc->fixer, root->fd, &g), 0);
                if (not_xen.plan.n_edits > 0)
                        fail_msg("%s: a guest not from Xen gets an edit of %s", fc->name,
                                not_xen.plan.edits[0].path);
                if (not_xen.plan.n_warnings > 0)
                        fail_msg("%s: a guest not from Xen gets a warning: %s", fc->name,
                                not_xen.plan.warnings[0]);
        }

        r = fixture_run(&run, fc->fixer, root->fd, &fc->guest);
        if (r != 0)
                fail_msg("%s: %s returned %d (%s)", fc->name, fc->fixer->name, r, strerror(-r));
        if (fc->refs)
                fixture_assert_refs(run.refs, run.n_refs, fc->refs);
        if (fc->warnings_file) {
                _cleanup_free_ char *path = NULL, *what = NULL;
                _cleanup_(strv_freep) char **want = NULL;

                assert_true(asprintf(&path, "%s/warnings", fc->name) > 0);
                assert_true(asprintf(&what, "%s: warning", path) > 0);
                want = read_lines(path);
                fixture_assert_strv(what, run.plan.warnings, (const char *const *) want);
        }
        /* Fixers only propose. */
        fixture_assert_tree(root->path, original, NULL, fc->tree);

        r = apply_plan(root->fd, &run.plan, NULL, NULL);
        if (r < 0)
                fail_msg("%s: apply_plan() failed: %s", fc->name, strerror(-r));
        if (fc->expected_overlay)
                fixture_assert_tree(root->path, original, expected, fc->tree);
        else
                fixture_assert_tree(root->path, expected, NULL, fc->tree);
        if (fc->check)
                fc->check(root, fc->userdata);

        if (!again.mapping)
                again.mapping = &run.mapping;
        fixture_assert_idempotent(fc->fixer, root->fd, &again, fc->again_may_warn);

        if (run.plan.n_edits > 0) {
                r = apply_rollback(root->fd, NULL);
                if (r < 0)
                        fail_msg("%s: apply_rollback() failed: %s", fc->name, strerror(-r));
                fixture_assert_tree(root->path, original, NULL, fc->tree);
        }
        if (ret) {
                *ret = run;
                run = (FixtureRun){};
        }
}

void fixture_run_case_from_xen(FixtureRun *ret, const Fixer *f, const char *name, const Inventory *old,
        const Inventory *new, const char *const *refs) {
        fixture_run_case(
                &(const FixtureCase){
                        .fixer = f,
                        .name = name,
                        .guest = { .old = old, .new = new, .from_xen = true },
                        .refs = refs,
                },
                ret);
}

void fixture_run_console_case(
        const Fixer *f, const char *name, void (*check)(const FixtureRoot *root, const void *userdata)) {
        fixture_run_case(
                &(const FixtureCase){
                        .fixer = f,
                        .name = name,
                        .guest = { .mapping = &fixture_no_devices, .from_xen = true },
                        .tree = FIXTURE_TREE_EMPTY_DIRS_OK,
                        .warnings_file = true,
                        .xen_only = true,
                        .again_may_warn = true,
                        .check = check,
                },
                NULL);
}

/* Checks */

static char *format_strv(char *const *v) {
        Buf b = {};

        assert_int_equal(buf_puts(&b, ""), 0);
        for (; v && *v; v++)
                assert_int_equal(buf_printf(&b, "\n  \"%s\"", *v), 0);
        return buf_steal(&b);
}

void fixture_assert_strv(const char *what, char *const *v, const char *const *want) {
        size_t i = 0;

        for (; want[i]; i++) {
                if (!v || !v[i]) {
                        _cleanup_free_ char *all = format_strv(v);

                        fail_msg("%s %zu missing: wanted \"%s\"; got:%s", what, i, want[i], all);
                }
                if (!streq(v[i], want[i])) {
                        _cleanup_free_ char *all = format_strv(v);

                        fail_msg("%s %zu is \"%s\", wanted \"%s\"; got:%s", what, i, v[i], want[i], all);
                }
        }
        if (v && v[i]) {
                _cleanup_free_ char *all = format_strv(v);

                fail_msg("unexpected %s %zu: \"%s\"; got:%s", what, i, v[i], all);
        }
}

/* The references as "NAME TYPE WHERE" lines. */
static char **format_refs(const Reference *refs, size_t n) {
        char **v = NULL;
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                char *s;

                assert_true(asprintf(&s, "%s %s %s", refs[i].name, refs[i].type ?: "-", refs[i].where) > 0);
                assert_int_equal(strv_push(&v, &k, s), 0);
        }
        return v;
}

void fixture_assert_refs(const Reference *refs, size_t n, const char *const *want) {
        _cleanup_(strv_freep) char **got = format_refs(refs, n);

        fixture_assert_strv("reference", got, want);
}

void fixture_assert_ref(const Reference *refs, size_t n, size_t i, const char *want) {
        _cleanup_(strv_freep) char **got = format_refs(refs, n);

        if (i >= n) {
                _cleanup_free_ char *all = format_strv(got);

                fail_msg("reference %zu missing: wanted \"%s\"; got:%s", i, want, all);
        }
        assert_string_equal(got[i], want);
}

void fixture_assert_bytes(
        const char *what, const char *got, size_t got_size, const char *want, size_t want_size) {
        Buf diff = {};

        if (got_size == want_size && memcmp(got, want, want_size) == 0)
                return;
        assert_int_equal(diff_unified(&diff, "wanted", want, want_size, "got", got, got_size), 0);
        if (diff.len > 0)
                fail_msg("%s differs:\n%s", what, diff.data);
        fail_msg("%s differs; got %zu bytes:\n%.*s\n--- wanted %zu bytes:\n%.*s", what, got_size,
                (int) got_size, got, want_size, (int) want_size, want);
}

const Edit *fixture_assert_planned(const Plan *p, const char *path, const char *want) {
        const Edit *e = plan_find(p, path);

        if (!want) {
                if (e)
                        fail_msg("%s: wanted no change, got:\n%.*s", path, (int) e->new.size,
                                strempty(e->new.data));
                return NULL;
        }
        if (!e)
                fail_msg("%s: wanted a change, got none, to:\n%s", path, want);
        if (e->new.kind != FILE_REGULAR)
                fail_msg("%s: the edit makes it %s, wanted a regular file", path,
                        file_kind_to_string(e->new.kind));
        fixture_assert_bytes(path, e->new.data, e->new.size, want, strlen(want));
        return e;
}

static void assert_content(
        const char *path, const char *side, const FileContent *f, FileKind kind, const char *text) {
        _cleanup_free_ char *what = NULL;

        if (f->kind != kind)
                fail_msg("%s: the %s content is %s, wanted %s", path, side, file_kind_to_string(f->kind),
                        file_kind_to_string(kind));
        if (kind == FILE_ABSENT || !text)
                return;
        assert_true(asprintf(&what, "%s (%s)", path, side) > 0);
        fixture_assert_bytes(what, f->data, f->size, text, strlen(text));
}

void fixture_assert_edit(const Edit *e, const char *fixer, const char *path, FileKind old_kind,
        const char *old, FileKind new_kind, const char *new) {
        assert_string_equal(e->path, path);
        assert_string_equal(e->fixer, fixer);
        assert_content(path, "old", &e->old, old_kind, old);
        assert_content(path, "new", &e->new, new_kind, new);
}

/* Platforms */

bool fixture_console_platform(void) {
#if defined(__x86_64__) || defined(__i386__)
        return true;
#else
        return false;
#endif
}

void fixture_hostile_make(FixtureHostile *h, const char *name) {
        *h = (FixtureHostile){ .rootfd = -1 };
        assert_true((size_t) snprintf(h->top, sizeof h->top, "/tmp/%s-XXXXXX", name) < sizeof h->top);
        assert_non_null(mkdtemp(h->top));
        (void) snprintf(h->root, sizeof h->root, "%s/root", h->top);
        (void) snprintf(h->host, sizeof h->host, "%s/host", h->top);
        assert_int_equal(mkdir(h->root, 0755), 0);
        assert_int_equal(mkdir(h->host, 0755), 0);
        h->rootfd = open(h->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(h->rootfd >= 0);
}

void fixture_hostile_done(FixtureHostile *h) {
        _cleanup_free_ char *cmd = NULL;

        (void) close(h->rootfd);
        assert_true(asprintf(&cmd, "umount -R '%s' 2>/dev/null; rm -rf --one-file-system '%s'", h->host,
                            h->top) >= 0);
        (void) system(cmd);
}

void fixture_make_parents(const char *base, const char *rel) {
        _cleanup_free_ char *p = NULL;

        assert_true(asprintf(&p, "%s/%s", base, rel) >= 0);
        for (char *slash = strchr(p + strlen(base) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                assert_true(mkdir(p, 0755) >= 0 || errno == EEXIST);
                *slash = '/';
        }
}

void fixture_assert_map_entry(
        const Mapping *m, size_t i, const char *old_name, const char *new_name, MapMethod method) {
        assert_true(i < m->n);
        assert_string_equal(m->entries[i].old_name, old_name);
        assert_non_null(m->entries[i].new);
        assert_string_equal(m->entries[i].new->name, new_name);
        assert_string_equal(map_method_to_string(m->entries[i].method), map_method_to_string(method));
        assert_int_equal(m->entries[i].method, method);
}
