/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "apply.h"
#include "bootmount.h"
#include "links.h"
#include "root.h"
#include "systemd.h"
#include "migrate.h"
#include "netcfg.h"
#include "util.h"

void migration_done(Migration *m) {
        if (m->rootfd >= 0)
                (void) close(m->rootfd);
        if (m->lockfd >= 0)
                (void) close(m->lockfd);
        if (m->sysfd >= 0)
                (void) close(m->sysfd);
        free(m->root);
        inventory_done(&m->old);
        inventory_done(&m->new);
        mapping_done(&m->mapping);
        nic_mapping_done(&m->nic_mapping);
        plan_done(&m->plan);
        strv_free(m->errors);
        strv_free(m->warnings);
        *m = MIGRATION_INIT;
}

/*
 * Where am I: the options' word, else the signs of the machine (the root's
 * /sys and /proc, or at boot the running system's even for the initramfs's
 * /sysroot). Only the hypervisor: every boot needs it, the mode only a run.
 */
static int detect(Migration *m, const MigrateOptions *o, bool offline) {
        bool live = !offline;
        int r;

        if (o->detect_live && offline) {
                m->sysfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (m->sysfd < 0)
                        return log_error_errno(-errno, "/: cannot open: %m");
                live = true;
        }
        if (o->hypervisor != _HYPERVISOR_INVALID) {
                m->detection.hypervisor = o->hypervisor;
                return 0;
        }
        /* The build machine's CPU says nothing about an offline image. */
        r = detect_hypervisor(
                m->sysfd >= 0 ? m->sysfd : m->rootfd, live ? cpuid_native : NULL, &m->detection);
        if (r < 0)
                return log_error_errno(r, "cannot detect the hypervisor: %s", strerror(-r));
        return 0;
}

/* The disk bus and NIC driver, for the record: looked up once a run or an arm needs them. */
static void detect_mode_once(Migration *m) {
        if (m->mode_known)
                return;
        if (detect_mode(m->sysfd >= 0 ? m->sysfd : m->rootfd, &m->detection) < 0)
                log_debug("cannot tell the disk and network mode, ignoring");
        m->mode_known = true;
}

int migration_open(Migration *m, const MigrateOptions *o) {
        const char *root = o->root ?: "/";
        int r;

        *m = MIGRATION_INIT;
        m->root = strdup(root);
        if (!m->root)
                return -ENOMEM;
        m->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->rootfd < 0)
                return log_error_errno(-errno, "%s: cannot open the root: %m", root);
        if (o->record_only) {
                m->config = CONFIG_DEFAULT;
                return 0;
        }

        r = config_load(m->rootfd, &m->config);
        if (r < 0)
                return r;
        m->form = o->form == _REWRITE_DEFAULT ? m->config.rewrite : o->form;
        return detect(m, o, !streq(root, "/"));
}

/* The bus positions come from the running system's sysfs, whatever root is migrated. */
static int probe_udev_with_bus(Inventory *inv) {
        _cleanup_close_ int sysfd = -1;
        int r;

        r = inventory_probe_udev(inv);
        if (r < 0)
                return r;
        sysfd = open("/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sysfd < 0) {
                log_debug("/sys: cannot open (%m); the disks are ordered by letter");
                return 0;
        }
        return inventory_read_bus_paths(inv, sysfd);
}

/* The NICs present now: udev's on the running system, else the --nic ones (none given: not known). */
static int probe_nics(const MigrateOptions *o, Inventory *inv) {
        int r;

        if (!o->disks && !o->nics) {
                r = nic_probe_udev(&inv->nics);
                if (r < 0)
                        return log_error_errno(r, "cannot list the network interfaces: %s", strerror(-r));
                inv->nics_known = true;
                return 0;
        }
        for (char **a = o->nics; a && *a; a++) {
                _cleanup_(nic_done) Nic nic = {};

                r = nic_parse_arg(*a, &nic);
                if (r < 0)
                        return r;
                r = nic_list_add(&inv->nics, &nic);
                if (r == -EEXIST) {
                        log_error("--nic %s: a NIC of that name or MAC is given twice", *a);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        inv->nics_known = o->nics != NULL;
        return 0;
}

int migration_probe_new(const MigrateOptions *o, Inventory *inv) {
        int r = probe_nics(o, inv);
        if (r < 0)
                return r;
        if (!o->disks)
                return probe_udev_with_bus(inv);
        inv->names_given = true;
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
                r = inventory_probe_path(inv, name, eq + 1);
                if (r < 0)
                        return log_error_errno(
                                r, "--disk %s: cannot probe %s: %s", *d, eq + 1, strerror(-r));
        }
        return 0;
}

/*
 * One run at a time changes a guest: the daemon's Run() and a migratectl
 * working on its own must not both take "originals" and share the journal.
 */
static int lock_state(Migration *m) {
        _cleanup_close_ int statefd = -1, fd = -1;
        struct stat st;

        if (m->lockfd >= 0)
                return 0;
        statefd = root_open_dir(m->rootfd, "/" STATE_DIR, true);
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, strerror(-statefd));
        /* O_NONBLOCK and the type check: a FIFO or device planted as the lock must not hang or be used. */
        fd = openat_beneath(statefd, "lock", O_RDWR | O_CREAT | O_NONBLOCK, 0600);
        if (fd < 0)
                return log_error_errno(fd, "/%s/lock: cannot open: %s", STATE_DIR, file_strerror(fd));
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "/%s/lock: cannot open: %m", STATE_DIR);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(
                        -EBADFD, "/%s/lock: cannot open: %s", STATE_DIR, file_strerror(-EBADFD));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK) {
                        log_error("another kvmigrate run is changing this guest now; try again when it is "
                                  "done");
                        return -EBUSY;
                }
                return log_error_errno(-errno, "/%s/lock: cannot lock: %m", STATE_DIR);
        }
        m->lockfd = TAKE_FD(fd); /* cppcheck-suppress unreadVariable ; fd is reset for its cleanup */
        return 0;
}

/* The mappings an earlier run recorded: after it, the files say UUID= and declare nothing to map by. */
static int load_recorded(Migration *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        r = state_load(m->rootfd, &rec);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        for (size_t i = 0; i < rec.n_mappings; i++) {
                const StateMapping *x = &rec.mappings[i];
                Device d = {
                        .name = strdup(x->old_name),
                        .uuid = strdup_or_null(x->uuid),
                        .label = strdup_or_null(x->label),
                        .type = strdup_or_null(x->type),
                        .source = DEVICE_SOURCE_RECORD,
                };
                if (!d.name || (x->uuid && !d.uuid) || (x->label && !d.label) || (x->type && !d.type)) {
                        device_done(&d);
                        return -ENOMEM;
                }
                if (!d.uuid && !d.label) {
                        device_done(&d); /* nothing to find it by again */
                        continue;
                }
                r = inventory_add(&m->old, &d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_old(Migration *m) {
        int r;

        r = inventory_load_snapshot(m->rootfd, &m->old);
        if (r < 0 && r != -ENOENT)
                return r; /* a broken snapshot is logged with its line; better stop than guess */
        r = load_recorded(m);
        if (r < 0)
                return r;
        if (m->old.n > 0)
                return 0; /* kvmigrate's own records beat a cache that may be years old */
        r = inventory_load_blkid_cache(m->rootfd, &m->old);
        if (r < 0 && r != -ENOENT)
                log_warning("the legacy blkid cache cannot be read (%s), ignoring", strerror(-r));
        return 0;
}

/* "migratectl arm" ran under Xen: the record says so even when every file already uses UUID=. */
static bool armed_under_xen(int rootfd) {
        _cleanup_(state_record_done) StateRecord rec = {};

        return state_load(rootfd, &rec) >= 0 && streq_ptr(rec.hypervisor, "xen");
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

/*
 * A guest never armed: nobody recorded its Xen NICs, but its configs name
 * them (netcfg.h). A NIC present now that a config names already, by a
 * name it keeps, is configured as it is, and takes no old name.
 */
static int nics_from_configs(Migration *m) {
        _cleanup_(netcfg_done) Netcfg cfg = {};
        _cleanup_free_ char *error = NULL;
        NicList *now = &m->new.nics;
        size_t kept = 0;
        int r;

        r = netcfg_read(m->rootfd, &cfg, &error);
        if (r == -EBADMSG) { /* which names the guest used cannot be known: its network is left as it is */
                char *w;
                if (asprintf(&w, "%s; the network is left as it is", error) < 0)
                        return -ENOMEM;
                return strv_push(&m->warnings, &m->n_warnings, w);
        }
        if (r < 0)
                return r;
        r = netcfg_old_nics(&cfg, now, &m->old.nics);
        if (r < 0)
                return r;
        for (size_t i = 0; i < now->n; i++) {
                const NetcfgName *named = netcfg_find(&cfg, now->nics[i].name);
                if (named && now->nics[i].name_final) {
                        log_debug(
                                "%s is configured under its own name (%s)", now->nics[i].name, named->where);
                        nic_done(&now->nics[i]);
                } else
                        now->nics[kept++] = now->nics[i];
        }
        now->n = kept;
        return 0;
}

/* Which new NIC takes each Xen NIC's name; what cannot be known is a warning, not a refusal. */
static int map_nics(Migration *m, bool from_xen, bool initramfs) {
        size_t n_seen = m->new.nics.n; /* before the configured ones are set aside */

        if (!m->config.network) {
                log_debug("%s: Network=no: the NICs keep the names the kernel gives them", CONFIG_FILE);
                return 0;
        }
        if (m->old.nics.n == 0 && from_xen) {
                int r = nics_from_configs(m);
                if (r < 0)
                        return r;
        }
        if (m->old.nics.n == 0)
                return 0;
        /*
         * An initramfs without the new NIC's driver sees no NIC at all. Its run would record the
         * migration done with the network left behind; refused, the real root's run does it all.
         */
        if (initramfs && n_seen == 0 && m->new.nics_known) {
                int r = strv_push(&m->errors, &m->n_errors,
                        strdup("no network interface is visible in the initramfs (its driver is not there): "
                               "the migration is left to the real root's kvmigrate.service"));
                return r < 0 ? r : -ENXIO;
        }
        if (!m->new.nics_known)
                return strv_push(&m->warnings, &m->n_warnings,
                        strdup("the network is left as it is: the NICs the guest has now are not known "
                               "(give --nic NAME=MAC for each)"));
        return nic_map(&m->old.nics, &m->new.nics, &m->nic_mapping, &m->warnings, &m->n_warnings);
}

int migration_plan(Migration *m, const MigrateOptions *o) {
        _cleanup_(plan_done) Plan scratch = {};
        _cleanup_(fixer_context_done) FixerContext c = {
                .rootfd = m->rootfd, .old = &m->old, .new = &m->new, .form = m->form, .plan = &scratch
        };
        _cleanup_(strv_freep) char **errors = NULL, **warnings = NULL;
        struct stat st;
        int r;

        if (!hypervisor_is_kvm_like(m->detection.hypervisor))
                return MIGRATE_NOT_NEEDED;
        detect_mode_once(m);

        r = load_old(m);
        if (r < 0)
                return r;
        r = migration_probe_new(o, &m->new);
        if (r < 0)
                return r;
        if (fstat(m->rootfd, &st) >= 0)
                m->new.root_devnum = st.st_dev;

        /* What says Xen before any file is read; the files' own xvd names are added below. */
        c.from_xen = m->old.n > 0 || armed_under_xen(m->rootfd);
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

        c.from_xen = c.from_xen || c.n_refs > 0;
        r = map_nics(m, c.from_xen, o->detect_live && !streq(m->root, "/"));
        if (r < 0)
                return r;

        c.mapping = &m->mapping;
        c.nics = &m->nic_mapping;
        c.plan = &m->plan;
        r = run_fixers(&c);
        if (r < 0)
                return r;
        if (c.network_left)
                nic_mapping_done(&m->nic_mapping); /* the record must not claim a name that was not kept */
        return push_all(&m->warnings, &m->n_warnings, m->plan.warnings);
}

int migration_to_record(const Migration *m, StateRecord *r) {
        _cleanup_free_ char *mode = detection_mode_string(&m->detection);
        int k;

        if (!mode)
                return -ENOMEM;
        k = strdup_to(&r->hypervisor, hypervisor_to_string(m->detection.hypervisor));
        /* An offline root has no sysfs to tell the mode from. */
        if (k >= 0 &&
                (m->detection.disk_bus != DISK_BUS_UNKNOWN || m->detection.net_driver != NET_DRIVER_UNKNOWN))
                k = strdup_to(&r->mode, mode);
        for (size_t i = 0; i < m->mapping.n && k >= 0; i++) {
                const MapEntry *e = &m->mapping.entries[i];
                k = state_record_add_mapping(r, e->old_name, e->new->name, e->new->uuid, e->new->label,
                        e->new->type, map_method_to_string(e->method));
        }
        for (size_t i = 0; i < m->nic_mapping.n && k >= 0; i++) {
                const NicMapEntry *e = &m->nic_mapping.entries[i];
                k = state_record_add_nic(r, e->old->name, e->new->name, e->old->mac, e->new->mac,
                        nic_method_to_string(e->method));
        }
        for (size_t i = 0; i < m->plan.n_edits && k >= 0; i++)
                k = state_record_add_edit(r, m->plan.edits[i].path, m->plan.edits[i].fixer, "planned");
        for (size_t i = 0; i < m->n_warnings && k >= 0; i++)
                k = state_record_add_warning(r, m->warnings[i]);
        for (size_t i = 0; i < m->n_errors && k >= 0; i++)
                k = state_record_add_error(r, m->errors[i]);
        return k;
}

static bool has_xvd(const Inventory *inv) {
        for (size_t i = 0; i < inv->n; i++)
                if (startswith(inv->devices[i].name, "xvd"))
                        return true;
        return false;
}

/*
 * The NICs to remember: xen-netfront's (udev also lists an HVM guest's
 * emulated NIC and a passed-through one, which do not become virtio-net), or
 * the --nic ones. With none, what an earlier arm recorded stays.
 */
static int arm_nics(Migration *m, const MigrateOptions *o) {
        NicList *l = &m->old.nics;
        size_t kept = 0;

        for (size_t i = 0; i < l->n; i++) {
                if (o->nics || streq_ptr(l->nics[i].driver, NIC_DRIVER_XEN))
                        l->nics[kept++] = l->nics[i];
                else
                        nic_done(&l->nics[i]);
        }
        l->n = kept;
        if (kept > 0)
                return 0;

        _cleanup_(inventory_done) Inventory recorded = {};
        int r = inventory_load_snapshot(m->rootfd, &recorded);
        if (r < 0)
                return 0; /* none, or broken (logged): it is written anew from what is present */
        nic_list_done(l);
        *l = recorded.nics;
        recorded.nics = (NicList){}; /* cppcheck-suppress unreadVariable ; moved out before its cleanup */
        return 0;
}

int migration_arm(Migration *m, const MigrateOptions *o) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_free_ char *mode = NULL;
        int r;

        r = lock_state(m);
        if (r < 0)
                return r;
        if (!streq(m->root, "/") && !o->disks && !o->detect_live) {
                /* The devices of the machine running this are not the image's. */
                log_error("arm on an offline root needs a --disk NAME=PATH for each of its disks");
                return -EINVAL;
        }
        r = migration_probe_new(o, &m->old);
        if (r < 0)
                return r;
        if (!has_xvd(&m->old)) {
                /* Disks named otherwise (an HVM guest's emulated ones): what was recorded stays. */
                _cleanup_(inventory_done) Inventory recorded = {};
                if (inventory_load_snapshot(m->rootfd, &recorded) >= 0 && recorded.n > 0) {
                        log_warning("no xvd disk is present; the recorded snapshot is kept as it is");
                        return 0;
                }
        }
        r = arm_nics(m, o);
        if (r < 0)
                return r;
        r = inventory_save_snapshot(m->rootfd, &m->old);
        if (r < 0)
                return log_error_errno(r, "/%s/snapshot: cannot write: %s", STATE_DIR, file_strerror(r));
        r = links_save_rules(m->rootfd, &m->old);
        if (r < 0)
                return log_error_errno(r, "cannot write %s: %s", LINKS_RULES_FILE, strerror(-r));

        /* Armed already (every Xen boot comes here): leave the record, and the disk, alone. */
        r = state_load(m->rootfd, &rec);
        if (r < 0 && r != -ENOENT)
                return r; /* logged; a record that cannot be read is not overwritten blindly */
        if (r >= 0 && rec.state == MIGRATION_ARMED &&
                streq_ptr(rec.hypervisor, hypervisor_to_string(m->detection.hypervisor)))
                return 0;
        state_record_done(&rec);

        rec.state = MIGRATION_ARMED;
        rec.started_usec = now_usec();
        detect_mode_once(m);
        mode = detection_mode_string(&m->detection);
        if (!mode || strdup_to(&rec.hypervisor, hypervisor_to_string(m->detection.hypervisor)) < 0 ||
                strdup_to(&rec.mode, mode) < 0)
                return -ENOMEM;
        r = state_save(m->rootfd, &rec);
        if (r < 0)
                return log_error_errno(
                        r, "/%s: cannot write the state record: %s", STATE_FILE, file_strerror(r));
        return 0;
}

static int save_record(const Migration *m, const MigrateHooks *h, MigrationState state,
        unsigned long long started, const char *result, size_t n_done) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        rec.state = state;
        rec.started_usec = started;
        if (state != MIGRATION_RUNNING)
                rec.finished_usec = now_usec();
        r = migration_to_record(m, &rec);
        for (size_t i = 0; i < rec.n_edits && r >= 0; i++)
                r = strdup_to(&rec.edits[i].result, i < n_done ? "applied" : result);
        if (r >= 0)
                r = state_save(m->rootfd, &rec);
        if (r < 0)
                return log_error_errno(
                        r, "/%s: cannot write the state record: %s", STATE_FILE, file_strerror(r));
        if (h && h->state)
                h->state(state, h->userdata);
        return 0;
}

/* The record of a run that was cut off and has now been finished from its journal. */
static int mark_recovered(const Migration *m, const MigrateHooks *h) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        r = state_load(m->rootfd, &rec);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (rec.state != MIGRATION_RUNNING && rec.state != MIGRATION_DEGRADED)
                return 0;
        rec.state = MIGRATION_DONE;
        rec.finished_usec = now_usec();
        for (size_t i = 0; i < rec.n_edits && r >= 0; i++)
                r = strdup_to(&rec.edits[i].result, "applied");
        if (r >= 0)
                r = state_save(m->rootfd, &rec);
        if (r >= 0 && h && h->state)
                h->state(MIGRATION_DONE, h->userdata);
        return r;
}

typedef struct Progress {
        const Migration *m;
        const MigrateHooks *hooks;
        unsigned long long started;
        size_t n_done;
} Progress;

static void on_edit(const Edit *e, void *userdata) {
        Progress *p = userdata;

        p->n_done++;
        if (p->hooks && p->hooks->file) {
                _cleanup_free_ char *why = NULL;
                if (asprintf(&why, "%s: %s", e->fixer, e->reason) >= 0)
                        p->hooks->file("changed", e->path, why, p->hooks->userdata);
        }
}

static int on_landed(void *userdata) {
        Progress *p = userdata;

        return save_record(p->m, p->hooks, MIGRATION_DONE, p->started, "applied", p->m->plan.n_edits);
}

/* Finish a run that a crash cut off after its commit point, and its record. */
static int recover(Migration *m, const MigrateHooks *h) {
        _cleanup_(strv_freep) char **recovered = NULL;
        int r;

        /* Every boot comes here: with no journal, no lock (and no write) is needed. */
        if (!apply_pending(m->rootfd))
                return 0;
        r = lock_state(m);
        if (r < 0)
                return r;
        r = apply_recover(m->rootfd, &recovered);
        if (r < 0)
                return r; /* logged */
        if (r == 0)
                return 0;
        for (char **p = recovered; h && h->file && *p; p++)
                h->file("changed", *p, "finished an interrupted run", h->userdata);
        r = mark_recovered(m, h);
        if (r < 0)
                return log_error_errno(r, "cannot update the state record: %s", strerror(-r));
        return 1;
}

int migration_run(Migration *m, const MigrateOptions *o, const MigrateHooks *h) {
        _cleanup_(state_record_done) StateRecord old = {};
        unsigned long long started = now_usec();
        Progress progress = { .m = m, .hooks = h, .started = started };
        bool had_record;
        int r;

        r = lock_state(m);
        if (r < 0)
                return r;
        r = recover(m, h);
        if (r < 0)
                return r;

        r = state_load(m->rootfd, &old);
        if (r < 0 && r != -ENOENT)
                return r; /* logged; nothing changed */
        had_record = r >= 0;
        r = migration_plan(m, o);
        if (r == MIGRATE_NOT_NEEDED)
                return r;
        if (r < 0) {
                /* A refusal changed nothing: the record of an earlier run that did change things stays. */
                if (had_record && (old.state == MIGRATION_DONE || old.state == MIGRATION_DEGRADED))
                        log_warning("the record of the earlier run is kept");
                else
                        (void) save_record(m, h, MIGRATION_FAILED, started, "not-applied", 0);
                return r;
        }

        if (m->plan.n_edits == 0) {
                /* Idempotent: a second run keeps the record of the first. */
                if (had_record && old.state == MIGRATION_DONE)
                        return 0;
                return save_record(m, h, MIGRATION_DONE, started, "applied", 0);
        }

        r = save_record(m, h, MIGRATION_RUNNING, started, "planned", 0);
        if (r < 0)
                return r;
        r = apply_plan_full(m->rootfd, &m->plan, on_edit, on_landed, &progress);
        /* Even when every file landed (a folder's fsync failed after the last rename): not done yet. */
        if (r < 0)
                (void) save_record(m, h, progress.n_done > 0 ? MIGRATION_DEGRADED : MIGRATION_FAILED,
                        started, "failed", progress.n_done);
        return r;
}

int migration_rollback(Migration *m, const MigrateHooks *h) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_(strv_freep) char **paths = NULL;
        int r;

        r = lock_state(m);
        if (r < 0)
                return r;
        r = apply_rollback(m->rootfd, &paths);
        if (r == -ENOENT || r == -EBADMSG)
                return r; /* nothing changed (a damaged backup is logged with its file) */
        if (r < 0) {
                /* Some files may be restored, some not: the record must not say done any more. */
                int k = state_load(m->rootfd, &rec);
                if (k >= 0) {
                        rec.state = MIGRATION_DEGRADED;
                        rec.finished_usec = now_usec();
                        if (state_record_add_error(&rec, "the rollback stopped half-way; run it again") >= 0)
                                (void) state_save(m->rootfd, &rec);
                }
                return log_error_errno(r, "rollback failed: %s", strerror(-r));
        }
        for (char **p = paths; h && h->file && *p; p++)
                h->file("restored", *p, NULL, h->userdata);

        r = state_load(m->rootfd, &rec);
        if (r == -ENOENT)
                r = 0;
        if (r < 0)
                return r;
        rec.state = MIGRATION_ROLLED_BACK;
        rec.finished_usec = now_usec();
        for (size_t i = 0; i < rec.n_edits && r >= 0; i++)
                r = strdup_to(&rec.edits[i].result, "rolled-back");
        if (r >= 0)
                r = state_save(m->rootfd, &rec);
        if (r < 0)
                return log_error_errno(
                        r, "/%s: cannot write the state record: %s", STATE_FILE, file_strerror(r));
        if (h && h->state)
                h->state(MIGRATION_ROLLED_BACK, h->userdata);
        return 0;
}

bool kernel_says_off(void) {
        _cleanup_free_ char *line = NULL;
        const char *env = getenv("KVMIGRATE_PROC_CMDLINE");
        size_t pos = 0;

        if (env)
                line = strdup(env);
        else if (read_line_at(AT_FDCWD, "/proc/cmdline", &line) < 0)
                return false;
        if (!line)
                return false;
        while (line[pos]) {
                size_t len;

                pos += strspn(line + pos, " \t");
                len = strcspn(line + pos, " \t");
                if (len == strlen("kvmigrate=off") && strncmp(line + pos, "kvmigrate=off", len) == 0)
                        return true;
                pos += len;
        }
        return false;
}

int migration_boot(Migration *m, const MigrateOptions *o, const MigrateHooks *h) {
        _cleanup_(state_record_done) StateRecord rec = {};
        char **mounted = NULL;
        _cleanup_free_ char *off = NULL;
        int r;

        if (kernel_says_off())
                return MIGRATE_DISABLED;
        if (root_chase(m->rootfd, MIGRATE_DISABLED_FILE, 0, &off) >= 0 &&
                faccessat(m->rootfd, root_rel(off), F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return MIGRATE_DISABLED;
        if (!m->config.enabled)
                return MIGRATE_DISABLED;

        if (m->detection.hypervisor == HYPERVISOR_XEN) {
                /* A dom0 is the host, not a guest to move. */
                if (m->detection.xen_dom0)
                        return MIGRATE_NOT_NEEDED;
                return migration_arm(m, o);
        }
        if (!hypervisor_is_kvm_like(m->detection.hypervisor))
                return MIGRATE_NOT_NEEDED;

        /* A committed run cut off (a crash, a degraded run) is a transaction to finish, whatever the record
         * says. */
        r = recover(m, h);
        if (r < 0)
                return r;

        r = state_load(m->rootfd, &rec);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0 &&
                (rec.state == MIGRATION_DONE || rec.state == MIGRATION_DEGRADED ||
                        rec.state == MIGRATION_ROLLED_BACK))
                return MIGRATE_ALREADY;
        if (!o->disks) {
                /* Early in boot: a disk udev has not seen yet would look missing. */
                r = inventory_wait_udev(30ULL * 1000000ULL);
                if (r < 0)
                        log_warning(
                                "udev is still busy (%s); going on with the disks it knows", strerror(-r));
        }
        /* A separate /boot is not mounted this early; its files are part of the migration. */
        r = boot_dirs_mount(m->rootfd, m->root, &mounted);
        if (r < 0)
                return r;
        r = migration_run(m, o, h);
        boot_dirs_umount(TAKE_PTR(mounted));
        return r;
}

int migration_clean(Migration *m) {
        _cleanup_close_ int statefd = -1;
        _cleanup_free_ char *keep = NULL;
        int r;

        r = lock_state(m);
        if (r < 0)
                return r;
        r = links_remove_rules(m->rootfd);
        if (r < 0)
                return log_error_errno(r, "cannot remove %s: %s", LINKS_RULES_FILE, strerror(-r));
        statefd = root_open_dir(m->rootfd, "/" STATE_DIR, false);
        if (statefd == -ENOENT)
                return 0;
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, strerror(-statefd));
        if (asprintf(&keep, "backup.cleaned-%llu", now_usec()) < 0)
                return -ENOMEM;
        if (renameat(statefd, "backup", statefd, keep) < 0 && errno != ENOENT)
                return log_error_errno(-errno, "/%s/backup: cannot keep: %m", STATE_DIR);
        for (const char *const *f = (const char *const[]){ "state", "snapshot", NULL }; *f; f++)
                if (unlinkat(statefd, *f, 0) < 0 && errno != ENOENT)
                        return log_error_errno(-errno, "/%s/%s: cannot remove: %m", STATE_DIR, *f);
        return fsync(statefd) < 0 ? -errno : 0;
}

/*
 * Whether udev gives every old name a link to the node the mapping chose:
 * each was mapped by an identity the compatibility rules (written under Xen
 * from the snapshot, in place since before this boot's udevd started) match
 * on. Then the mount and swap units this boot queued from the old files find
 * their devices as they are, now or as soon as udev has seen the disk.
 */
static bool old_names_have_links(const Migration *m) {
        _cleanup_free_ char *rules = NULL;

        if (root_read_file(m->rootfd, LINKS_RULES_FILE, NULL, &rules, NULL) < 0)
                return false;
        for (size_t i = 0; i < m->mapping.n; i++) {
                const MapEntry *e = &m->mapping.entries[i];
                _cleanup_free_ char *link = NULL;

                if (e->method == MAP_METHOD_ORDER || asprintf(&link, "SYMLINK+=\"%s\"", e->old_name) < 0 ||
                        !strstr(rules, link))
                        return false;
        }
        return true;
}

/* The next whitespace-separated field of @line[*pos..len), or false at the end. */
static bool next_field(const char *line, size_t len, size_t *pos, const char **ret, size_t *ret_len) {
        while (*pos < len && is_blank(line[*pos]))
                (*pos)++;
        if (*pos >= len)
                return false;
        *ret = line + *pos;
        while (*pos < len && !is_blank(line[*pos]))
                (*pos)++;
        *ret_len = (size_t) (line + *pos - *ret);
        return true;
}

/* Whether two fstab lines differ at most in their first field, the device. */
static bool same_but_device(const Line *a, const Line *b) {
        size_t pa = 0, pb = 0, la, lb;
        const char *fa, *fb;
        bool first = true;

        for (;;) {
                bool ha = next_field(a->p, a->len, &pa, &fa, &la),
                     hb = next_field(b->p, b->len, &pb, &fb, &lb);

                if (ha != hb)
                        return false;
                if (!ha)
                        return true;
                if (!first && (la != lb || memcmp(fa, fb, la) != 0))
                        return false;
                first = false;
        }
}

/*
 * Whether the running manager may go on with the units it generated from
 * the old files: every edit it would read is only a new spelling of a
 * device the compatibility links still resolve. An option that changed (a
 * xenfs line that gets nofail), crypttab or a unit file does need the
 * generators to run again; boot loader and initramfs files do not concern
 * it, and the getty is switched by hand.
 */
static bool units_still_valid(const Migration *m) {
        if (!old_names_have_links(m))
                return false;
        for (size_t i = 0; i < m->plan.n_edits; i++) {
                const Edit *e = &m->plan.edits[i];
                size_t po = 0, pn = 0;
                Line lo = {}, ln = {};

                /* The enablement links only: a drop-in must reach the getty started by hand. */
                if (streq(e->fixer, "getty") && e->old.kind != FILE_REGULAR && e->new.kind != FILE_REGULAR)
                        continue;
                if (startswith(e->path, "/etc/systemd/") || startswith(e->path, "/run/") ||
                        startswith(e->path, "/usr/lib/systemd/") || startswith(e->path, "/lib/systemd/") ||
                        streq(e->path, "/etc/crypttab"))
                        return false;
                if (!streq(e->path, "/etc/fstab"))
                        continue;
                if (e->old.kind != FILE_REGULAR || e->new.kind != FILE_REGULAR)
                        return false;
                for (;;) {
                        bool ho = line_next(e->old.data, e->old.size, &po, &lo),
                             hn = line_next(e->new.data, e->new.size, &pn, &ln);

                        if (ho != hn)
                                return false;
                        if (!ho)
                                break;
                        if (line_is_comment_or_blank(&lo) != line_is_comment_or_blank(&ln) ||
                                (!line_is_comment_or_blank(&lo) && !same_but_device(&lo, &ln)))
                                return false;
                }
        }
        return true;
}

int migration_activate(const Migration *m, bool booting) {
        bool getty = false, swap = false;
        int r;

        if (!streq(m->root, "/") || m->plan.n_edits == 0)
                return 0;
        /* udev named the NICs before the rules that keep their old names existed. */
        if (nic_rename_now(&m->nic_mapping) > 0)
                (void) inventory_wait_udev(10 * 1000 * 1000ULL);
        for (size_t i = 0; i < m->plan.n_edits; i++) {
                getty = getty || streq(m->plan.edits[i].fixer, "getty");
                swap = swap || endswith(m->plan.edits[i].path, ".swap") ||
                        streq(m->plan.edits[i].path, "/etc/fstab");
        }

        /*
         * Early in a first boot, a reload is the dearest step (seconds under emulation), and it swaps
         * the swap units from under their queued jobs. Where the compatibility links stand in for every
         * old name, this boot's units work as queued and the next boot's generators read the new files.
         */
        if (booting && units_still_valid(m)) {
                log_debug("the edits only respell devices the links resolve; no reload");
                swap = false;
        } else {
                r = systemd_reload();
                if (r < 0) {
                        log_warning("cannot reload systemd (%s); the changes apply from the next boot on",
                                strerror(-r));
                        return r;
                }
        }
        /*
         * The jobs of this boot were queued before the files changed: the new swap units (named after
         * their devices) have none, and the hvc0 getty's job waits for a device that will never come.
         */
        if (booting && swap)
                (void) systemd_start_unit("swap.target");
        if (getty) {
                (void) systemd_stop_unit("serial-getty@hvc0.service");
                r = systemd_start_unit("serial-getty@ttyS0.service");
                if (r < 0)
                        log_warning("cannot start serial-getty@ttyS0.service (%s)", strerror(-r));
        }
        return 0;
}
