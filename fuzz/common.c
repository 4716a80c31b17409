/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The harness the fuzz targets share: a root of this process's own, and a
 * fixer run the way migration_plan() runs one, over a fixed guest.
 */

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "map.h"
#include "plan.h"
#include "util.h"

static char root_path[64];
static int root_fd = -1;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

/* Everything below the root (FTW_DEPTH: contents first); the root itself only with @self. */
static void remove_below(bool self) {
        DIR *d;
        struct dirent *de;

        if (self) {
                (void) nftw(root_path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
                return;
        }
        d = opendir(root_path);
        if (!d)
                abort();
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&p, "%s/%s", root_path, de->d_name) < 0)
                        abort();
                if (nftw(p, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
                        abort();
        }
        closedir(d);
}

static void remove_root(void) {
        if (root_fd >= 0)
                remove_below(true);
}

bool fuzz_verbose(void) {
        return getenv("KVMIGRATE_FUZZ_VERBOSE");
}

int fuzz_root(void) {
        const char *base;

        if (root_fd >= 0)
                return root_fd;
        if (!fuzz_verbose())
                log_set_max_level(-1);
        /* tmpfs when there is one: every input is written as a file. */
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ?: "/tmp";
        if ((size_t) snprintf(root_path, sizeof(root_path), "%s/kvmigrate-fuzz-XXXXXX", base) >=
                sizeof(root_path))
                abort();
        if (!mkdtemp(root_path))
                abort();
        root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                abort();
        atexit(remove_root);
        return root_fd;
}

void fuzz_write(const char *path, const void *data, size_t size) {
        fuzz_write_mode(path, data, size, 0644);
}

void fuzz_write_mode(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_close_ int fd = -1;
        int rootfd = fuzz_root();

        fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno == ENOENT) {
                _cleanup_free_ char *dir = strdup(path);
                char *slash = dir ? strrchr(dir, '/') : NULL;

                if (!slash)
                        abort();
                *slash = 0;
                if (mkdir_p_at(rootfd, dir, 0755) < 0)
                        abort();
                fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        }
        if (fd < 0 || write_all(fd, data, size) < 0)
                abort();
}

void fuzz_clear(void) {
        (void) fuzz_root();
        remove_below(false);
}

/* The guest: what it had under Xen (as "migratectl arm" recorded it), and the same filesystems under KVM. */
typedef struct FuzzDevice {
        const char *old, *new, *type, *uuid, *label, *partuuid, *ptuuid;
} FuzzDevice;

static const FuzzDevice guest[] = {
        { "xvda", "sda", NULL, NULL, NULL, NULL, "5f3c1a2b" },
        { "xvda1", "sda1", "ext4", "11111111-1111-4111-8111-111111111111", "root", "5f3c1a2b-01", NULL },
        { "xvda2", "sda2", "swap", "22222222-2222-4222-8222-222222222222", NULL, "5f3c1a2b-02", NULL },
        { "xvda3", "sda3", "ext4", "33333333-3333-4333-8333-333333333333", "home", "5f3c1a2b-03", NULL },
        { "xvdb", "sdb", "ext4", "44444444-4444-4444-8444-444444444444", "data", NULL, NULL },
        { "xvdc", "sdc", "xfs", "55555555-5555-4555-8555-555555555555", NULL, NULL, NULL },
        { "xvdd", "sdd", "crypto_LUKS", "66666666-6666-4666-8666-666666666666", NULL, NULL, NULL },
};

static Inventory old_devices, new_devices;

static void add_device(Inventory *inv, const FuzzDevice *g, bool old) {
        const char *name = old ? g->old : g->new;
        Device d = {
                .name = strdup(name),
                .type = strdup_or_null(g->type),
                .uuid = strdup_or_null(g->uuid),
                .label = strdup_or_null(g->label),
                .partuuid = strdup_or_null(g->partuuid),
                .ptuuid = strdup_or_null(g->ptuuid),
                .partition = name[strlen(name) - 1] >= '0' && name[strlen(name) - 1] <= '9',
                .source = old ? DEVICE_SOURCE_SNAPSHOT : DEVICE_SOURCE_PROBE,
        };

        if (!d.name || inventory_add(inv, &d) < 0)
                abort();
}

static void make_guest(void) {
        if (old_devices.n > 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(guest); i++) {
                add_device(&old_devices, &guest[i], true);
                add_device(&new_devices, &guest[i], false);
        }
        /* The disks were given by name (--disk sda=…): the letters are the order. */
        new_devices.names_given = true;
}

const Inventory *fuzz_old_devices(void) {
        make_guest();
        return &old_devices;
}

const Inventory *fuzz_new_devices(void) {
        make_guest();
        return &new_devices;
}

/* What fixture_run() asserts of every fixer, as aborts: the fuzzer reports them. */
static void check_edits(const Fixer *f, const Plan *p) {
        for (size_t i = 0; i < p->n_edits; i++) {
                const Edit *e = &p->edits[i];

                if (!streq(e->fixer, f->name) || !e->path || e->path[0] != '/') {
                        fprintf(stderr, "%s: an edit of %s that is not well formed (fixer %s)\n", f->name,
                                strempty(e->path), strempty(e->fixer));
                        abort();
                }
        }
}

void fuzz_run_fixer(const Fixer *f) {
        _cleanup_(plan_done) Plan scratch = {};
        _cleanup_(fixer_context_done) FixerContext c = {
                .rootfd = fuzz_root(),
                .old = fuzz_old_devices(),
                .new = fuzz_new_devices(),
                .form = REWRITE_UUID,
                .from_xen = true,
                .plan = &scratch,
        };
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        _cleanup_(mapping_done) Mapping mapping = {};
        size_t n_refs;
        int r;

        r = f->run(&c);
        if (r > 0 || scratch.n_edits > 0) {
                fprintf(stderr, "%s: the scan pass returned %d with %zu edits\n", f->name, r,
                        scratch.n_edits);
                abort();
        }
        if (r >= 0)
                r = map_build(c.old, c.new, c.refs, c.n_refs, &mapping, &errors, &warnings);
        if (fuzz_verbose())
                fprintf(stderr, "fuzz: %s: %zu references, %s\n", f->name, c.n_refs,
                        r < 0 ? strerror(-r) : "mapped");
        if (r < 0)
                return;

        n_refs = c.n_refs;
        c.mapping = &mapping;
        for (RewriteForm form = REWRITE_UUID; form <= REWRITE_NAME; form++) {
                _cleanup_(plan_done) Plan plan = {};
                _cleanup_free_ char *diff = NULL;

                c.form = form;
                c.plan = &plan;
                r = f->run(&c);
                if (r > 0 || c.n_refs != n_refs) {
                        fprintf(stderr,
                                "%s: the rewrite pass returned %d and recorded %zu more references\n",
                                f->name, r, c.n_refs - n_refs);
                        abort();
                }
                check_edits(f, &plan);
                if (fuzz_verbose())
                        fprintf(stderr, "fuzz: %s: rewrite pass (%s): %d, %zu edits, %zu warnings\n",
                                f->name, form == REWRITE_UUID ? "uuid" : "name", r, plan.n_edits,
                                plan.n_warnings);
                /* What "migratectl plan" shows of it. */
                (void) plan_format_diff(&plan, &diff);
        }
}
