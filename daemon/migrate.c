/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "migrate.h"
#include "util.h"

void migration_done(Migration *m) {
        if (m->rootfd >= 0)
                (void) close(m->rootfd);
        free(m->root);
        inventory_done(&m->old);
        inventory_done(&m->new);
        mapping_done(&m->mapping);
        plan_done(&m->plan);
        strv_free(m->errors);
        strv_free(m->warnings);
        *m = (Migration){ .rootfd = -1 };
}

int migration_open(Migration *m, const MigrateOptions *o) {
        const char *root = o->root ?: "/";
        bool offline = !streq(root, "/");

        *m = (Migration){ .rootfd = -1 };
        m->root = strdup(root);
        if (!m->root)
                return -ENOMEM;
        m->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->rootfd < 0)
                return log_error_errno(-errno, "%s: cannot open the root: %m", root);

        if (o->hypervisor != _HYPERVISOR_INVALID)
                m->detection.hypervisor = o->hypervisor;
        else {
                /* The build machine's CPU says nothing about an offline image. */
                int r = detect_hypervisor(m->rootfd, offline ? NULL : cpuid_native, &m->detection);
                if (r < 0)
                        return log_error_errno(r, "cannot detect the hypervisor: %s", strerror(-r));
        }
        if (detect_mode(m->rootfd, &m->detection) < 0)
                log_debug("cannot tell the disk and network mode, ignoring");
        return 0;
}

int migration_probe_new(const MigrateOptions *o, Inventory *inv) {
        if (!o->disks)
                return inventory_probe_udev(inv);
        for (char **d = o->disks; *d; d++) {
                _cleanup_free_ char *name = NULL;
                const char *eq = strchr(*d, '=');

                if (!eq || eq == *d || !eq[1]) {
                        log_error("--disk %s: expected NAME=PATH", *d);
                        return -EINVAL;
                }
                name = strndup(*d, (size_t) (eq - *d));
                if (!name)
                        return -ENOMEM;
                int r = inventory_probe_path(inv, name, eq + 1);
                if (r < 0)
                        return log_error_errno(
                                r, "--disk %s: cannot probe %s: %s", *d, eq + 1, strerror(-r));
        }
        return 0;
}

static int load_old(Migration *m) {
        int r;

        r = inventory_load_snapshot(m->rootfd, &m->old);
        if (r < 0 && r != -ENOENT)
                return r; /* a broken snapshot is logged with its line; better stop than guess */
        r = inventory_load_blkid_cache(m->rootfd, &m->old);
        if (r < 0 && r != -ENOENT)
                log_warning("the legacy blkid cache cannot be read (%s), ignoring", strerror(-r));
        return 0;
}

static int run_fixers(FixerContext *c) {
        for (const Fixer *const *f = fixer_table; *f; f++) {
                int r = (*f)->run(c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int push_all(char ***dst, size_t *n, char **src) {
        for (char **s = src; s && *s; s++) {
                int r = strv_push(dst, n, strdup(*s));
                if (r < 0)
                        return r;
        }
        return 0;
}

int migration_plan(Migration *m, const MigrateOptions *o) {
        _cleanup_(plan_done) Plan scratch = {};
        _cleanup_(fixer_context_done)
                FixerContext c = { .rootfd = m->rootfd, .old = &m->old, .form = o->form, .plan = &scratch };
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        int r;

        if (!hypervisor_is_kvm_like(m->detection.hypervisor))
                return MIGRATE_NOT_NEEDED;

        r = load_old(m);
        if (r < 0)
                return r;
        r = migration_probe_new(o, &m->new);
        if (r < 0)
                return r;

        r = run_fixers(&c);
        if (r < 0)
                return r;

        r = map_build(&m->old, &m->new, c.refs, c.n_refs, &m->mapping, &errors, &warnings);
        if (r < 0 && r != -ENXIO)
                return r;
        if (push_all(&m->warnings, &m->n_warnings, warnings) < 0 ||
                push_all(&m->errors, &m->n_errors, errors) < 0)
                return -ENOMEM;
        if (r == -ENXIO)
                return r;

        c.mapping = &m->mapping;
        c.plan = &m->plan;
        r = run_fixers(&c);
        if (r < 0)
                return r;
        return push_all(&m->warnings, &m->n_warnings, m->plan.warnings);
}

int migration_to_record(const Migration *m, StateRecord *r) {
        _cleanup_free_ char *mode = detection_mode_string(&m->detection);
        int k;

        if (!mode)
                return -ENOMEM;
        k = strdup_to(&r->hypervisor, hypervisor_to_string(m->detection.hypervisor));
        if (k >= 0)
                k = strdup_to(&r->mode, mode);
        for (size_t i = 0; i < m->mapping.n && k >= 0; i++) {
                const MapEntry *e = &m->mapping.entries[i];
                k = state_record_add_mapping(r, e->old_name, e->new->name, e->new->uuid, e->new->label,
                        e->new->type, map_method_to_string(e->method));
        }
        for (size_t i = 0; i < m->plan.n_edits && k >= 0; i++)
                k = state_record_add_edit(r, m->plan.edits[i].path, m->plan.edits[i].fixer, "planned");
        for (size_t i = 0; i < m->n_warnings && k >= 0; i++)
                k = state_record_add_warning(r, m->warnings[i]);
        for (size_t i = 0; i < m->n_errors && k >= 0; i++)
                k = state_record_add_error(r, m->errors[i]);
        return k;
}

int migration_arm(Migration *m, const MigrateOptions *o) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_free_ char *mode = NULL;
        int r;

        r = migration_probe_new(o, &m->old);
        if (r < 0)
                return r;
        r = inventory_save_snapshot(m->rootfd, &m->old);
        if (r < 0)
                return log_error_errno(r, "cannot write the snapshot: %s", strerror(-r));

        rec.state = MIGRATION_ARMED;
        rec.started_usec = now_usec();
        mode = detection_mode_string(&m->detection);
        if (!mode || strdup_to(&rec.hypervisor, hypervisor_to_string(m->detection.hypervisor)) < 0 ||
                strdup_to(&rec.mode, mode) < 0)
                return -ENOMEM;
        r = state_save(m->rootfd, &rec);
        if (r < 0)
                return log_error_errno(r, "cannot write the state record: %s", strerror(-r));
        return 0;
}
