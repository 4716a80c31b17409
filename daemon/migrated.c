/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * migrated: the state record of a root as org.kvmigrate.Migrate1 on the
 * system bus, and the migration steps as its methods. Started on demand
 * (D-Bus activation), it exits after some idle time; everything it reports
 * comes from the state file, so a restart loses nothing.
 */

#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <sys/inotify.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus-client.h"
#include "migrate.h"
#include "util.h"

#define USEC_PER_SEC 1000000ULL

static const char *arg_root = "/";
static char **arg_disks = NULL;
static size_t arg_n_disks = 0;
static char **arg_nics = NULL;
static size_t arg_n_nics = 0;
static Hypervisor arg_hypervisor = _HYPERVISOR_INVALID;
static RewriteForm arg_form = _REWRITE_DEFAULT;
static uint64_t arg_idle_usec = 30 * USEC_PER_SEC;

typedef struct Context {
        MigrateOptions options;
        int rootfd;
        StateRecord record; /* as last read from the state file */
        int load_error; /* of the last read; logged when it changes */
        sd_event *event;
        sd_bus *bus;
        sd_event_source *idle; /* exits after arg_idle_usec without a message */
        sd_event_source *watch; /* inotify on the state folder, while it exists */
} Context;

static void context_clear(Context *c) {
        c->idle = sd_event_source_disable_unref(c->idle);
        c->watch = sd_event_source_disable_unref(c->watch);
        c->bus = sd_bus_flush_close_unref(c->bus);
        c->event = sd_event_unref(c->event);
        state_record_done(&c->record);
        if (c->rootfd >= 0)
                (void) close(c->rootfd);
        c->rootfd = -1;
}

/* Reading the record */

static bool strv_equal(char **a, char **b) {
        for (; a && *a && b && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return (!a || !*a) && (!b || !*b);
}

static bool mappings_equal(const StateRecord *a, const StateRecord *b) {
        if (a->n_mappings != b->n_mappings)
                return false;
        for (size_t i = 0; i < a->n_mappings; i++) {
                const StateMapping *x = &a->mappings[i], *y = &b->mappings[i];
                if (!streq_ptr(x->old_name, y->old_name) || !streq_ptr(x->new_name, y->new_name) ||
                        !streq_ptr(x->uuid, y->uuid) || !streq_ptr(x->label, y->label) ||
                        !streq_ptr(x->type, y->type) || !streq_ptr(x->method, y->method))
                        return false;
        }
        return true;
}

static bool nics_equal(const StateRecord *a, const StateRecord *b) {
        if (a->n_nics != b->n_nics)
                return false;
        for (size_t i = 0; i < a->n_nics; i++) {
                const StateNic *x = &a->nics[i], *y = &b->nics[i];
                if (!streq_ptr(x->old_name, y->old_name) || !streq_ptr(x->new_name, y->new_name) ||
                        !streq_ptr(x->old_mac, y->old_mac) || !streq_ptr(x->new_mac, y->new_mac) ||
                        !streq_ptr(x->method, y->method))
                        return false;
        }
        return true;
}

static bool edits_equal(const StateRecord *a, const StateRecord *b) {
        if (a->n_edits != b->n_edits)
                return false;
        for (size_t i = 0; i < a->n_edits; i++) {
                const StateEdit *x = &a->edits[i], *y = &b->edits[i];
                if (!streq_ptr(x->path, y->path) || !streq_ptr(x->fixer, y->fixer) ||
                        !streq_ptr(x->result, y->result))
                        return false;
        }
        return true;
}

static int on_state_folder(sd_event_source *s, const struct inotify_event *ev, void *userdata);

/*
 * Watch the state folder for changes made by others (the boot-time
 * migratectl apply, an administrator): each one is signalled at once, which
 * is what "migratectl status --wait" waits for. A missing folder is not
 * created here; the watch is tried again on each reload, and the folder
 * exists by the time anyone has something to wait for.
 */
static int context_watch(Context *c) {
        _cleanup_close_ int fd = -1;
        int r;

        if (c->watch || !c->event)
                return 0;
        fd = openat(c->rootfd, STATE_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = sd_event_add_inotify_fd(c->event, &c->watch, fd,
                IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
                        IN_ONLYDIR,
                on_state_folder, c);
        if (r < 0)
                log_warning("cannot watch %s/%s (%s), ignoring", arg_root, STATE_DIR, strerror(-r));
        return r;
}

/*
 * Read the record again and signal the properties that changed. The file is
 * a few hundred bytes: reading it on every message is cheaper than the
 * message, and leaves no window in which a stale record is served.
 */
static int context_reload(Context *c) {
        _cleanup_(state_record_done) StateRecord rec = {};
        const char *changed[16];
        size_t n = 0;
        int r;

        (void) context_watch(c);

        r = state_load(c->rootfd, &rec);
        if (r == -ENOENT)
                r = 0; /* no record: nothing was ever needed */
        if (r < 0) {
                if (r != c->load_error)
                        log_warning("cannot read %s/%s (%s), serving the record read before", arg_root,
                                STATE_FILE, strerror(-r));
                c->load_error = r;
                return r;
        }
        c->load_error = 0;
        /* The record quotes the guest's labels and paths, in whatever bytes they came; D-Bus refuses a
         * string that is not UTF-8, so a getter (and Describe(), and the change signal) would fail. */
        r = state_record_to_utf8(&rec);
        if (r < 0)
                return log_error_errno(r, "out of memory");

        if (rec.state != c->record.state)
                changed[n++] = "State";
        if (!streq_ptr(rec.hypervisor, c->record.hypervisor))
                changed[n++] = "Hypervisor";
        if (!streq_ptr(rec.mode, c->record.mode))
                changed[n++] = "Mode";
        if (!mappings_equal(&rec, &c->record))
                changed[n++] = "Mappings";
        if (!nics_equal(&rec, &c->record))
                changed[n++] = "Network";
        if (!edits_equal(&rec, &c->record))
                changed[n++] = "Edits";
        if (!strv_equal(rec.warnings, c->record.warnings))
                changed[n++] = "Warnings";
        if (!strv_equal(rec.errors, c->record.errors))
                changed[n++] = "Errors";
        if (rec.started_usec != c->record.started_usec)
                changed[n++] = "StartedUSec";
        if (rec.finished_usec != c->record.finished_usec)
                changed[n++] = "FinishedUSec";
        changed[n] = NULL;

        state_record_done(&c->record);
        c->record = state_record_take(&rec);

        if (n == 0 || !c->bus)
                return 0;
        if (streq(changed[0], "State")) {
                log_info("state: %s", migration_state_to_string(c->record.state));
                (void) sd_notifyf(false, "STATUS=State: %s", migration_state_to_string(c->record.state));
        }
        r = sd_bus_emit_properties_changed_strv(
                c->bus, MIGRATE_BUS_PATH, MIGRATE_BUS_INTERFACE, (char **) changed);
        if (r < 0)
                log_warning("cannot signal the changed properties (%s), ignoring", strerror(-r));
        return 0;
}

static int on_state_folder(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Context *c = userdata;

        (void) s;
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
                /* The folder went away: watch it again once it is back. */
                c->watch = sd_event_source_disable_unref(c->watch);
        else if (ev->len > 0 && !streq(ev->name, "state"))
                return 0; /* a temporary file, a backup */
        (void) context_reload(c);
        return 0;
}

/* Property getters: each reads the record context_reload() keeps. */

static int property_get_state(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply, void *userdata,
        sd_bus_error *error _unused_) {
        const MigrationState *s = userdata;

        return sd_bus_message_append(reply, "s", migration_state_to_string(*s));
}

static int property_get_string(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply, void *userdata,
        sd_bus_error *error _unused_) {
        char *const *s = userdata;

        return sd_bus_message_append(reply, "s", strempty(*s));
}

static int property_get_usec(sd_bus *bus _unused_, const char *path _unused_, const char *interface _unused_,
        const char *property _unused_, sd_bus_message *reply, void *userdata, sd_bus_error *error _unused_) {
        const unsigned long long *usec = userdata;

        return sd_bus_message_append(reply, "t", (uint64_t) *usec);
}

static int property_get_strv(sd_bus *bus _unused_, const char *path _unused_, const char *interface _unused_,
        const char *property _unused_, sd_bus_message *reply, void *userdata, sd_bus_error *error _unused_) {
        char **const *v = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (char **s = *v; r >= 0 && s && *s; s++)
                r = sd_bus_message_append(reply, "s", *s);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_mappings(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply, void *userdata,
        sd_bus_error *error _unused_) {
        const StateRecord *rec = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        for (size_t i = 0; r >= 0 && i < rec->n_mappings; i++) {
                const StateMapping *m = &rec->mappings[i];
                r = sd_bus_message_append(reply, "(ssssss)", strempty(m->old_name), strempty(m->new_name),
                        strempty(m->uuid), strempty(m->label), strempty(m->type), strempty(m->method));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_network(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply, void *userdata,
        sd_bus_error *error _unused_) {
        const StateRecord *rec = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sssss)");
        for (size_t i = 0; r >= 0 && i < rec->n_nics; i++) {
                const StateNic *x = &rec->nics[i];
                r = sd_bus_message_append(reply, "(sssss)", strempty(x->old_name), strempty(x->new_name),
                        strempty(x->old_mac), strempty(x->new_mac), strempty(x->method));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_edits(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply, void *userdata,
        sd_bus_error *error _unused_) {
        const StateRecord *rec = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < rec->n_edits; i++) {
                const StateEdit *e = &rec->edits[i];
                r = sd_bus_message_append(
                        reply, "(sss)", strempty(e->path), strempty(e->fixer), strempty(e->result));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_version(sd_bus *bus _unused_, const char *path _unused_,
        const char *interface _unused_, const char *property _unused_, sd_bus_message *reply,
        void *userdata _unused_, sd_bus_error *error _unused_) {
        return sd_bus_message_append(reply, "s", KVMIGRATE_VERSION);
}

/* Method handlers */

/* Push the idle exit back: on each message, and again after a long run, so its outcome can be asked for. */
static void context_touch(Context *c) {
        if (!c->idle)
                return;
        (void) sd_event_source_set_time_relative(c->idle, arg_idle_usec);
        (void) sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
}

/*
 * The changing methods are for root only. The bus policy says so too; this
 * check holds even where the policy was left out or widened. The effective
 * uid comes from /proc (augmented) because the bus driver only knows the uid
 * the caller had when it connected.
 */
static int check_root(sd_bus_message *m, const char *method, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                        "%s() is for root only, and the caller's user cannot be told: %s", method,
                        strerror(-r));
        if (euid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                        "%s() is for root only; the caller is uid %u", method, (unsigned) euid);
        return 0;
}

static int open_migration(Context *c, Migration *m, sd_bus_error *error) {
        int r;

        r = migration_open(m, &c->options);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot open the root %s: %m", arg_root);
        return 0;
}

/* Why nothing was done: the engine's reasons, one per line. */
static int set_refused(const Migration *m, int r, sd_bus_error *error) {
        _cleanup_(buf_done) Buf b = {};
        _cleanup_free_ char *message = NULL;
        const char *why = r == -ENXIO ? "the devices cannot be mapped with certainty"
                                      : "a file cannot be used as it is (see the log of migrated)";

        for (size_t i = 0; i < m->n_errors; i++)
                if (buf_printf(&b, "%s%s", i > 0 ? "\n" : "", m->errors[i]) < 0)
                        return -ENOMEM;
        if (m->n_errors == 0 && buf_printf(&b, "%s; nothing was changed", why) < 0)
                return -ENOMEM;
        /* The reasons quote the guest's files: only valid UTF-8 goes on the bus. */
        if (state_string_to_utf8(b.data, &message) < 0)
                return -ENOMEM;
        return sd_bus_error_set(error, MIGRATE_BUS_ERROR_REFUSED, message);
}

static int method_plan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(migration_done) Migration mig = MIGRATION_INIT;
        _cleanup_free_ char *diff = NULL;
        Context *c = userdata;
        int r;

        r = open_migration(c, &mig, error);
        if (r < 0)
                return r;
        r = migration_plan(&mig, &c->options);
        context_touch(c);
        if (r == MIGRATE_NOT_NEEDED)
                return sd_bus_reply_method_return(m, "s", "");
        if (migrate_error_is_refusal(r))
                return set_refused(&mig, r, error);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot plan: %m");
        r = plan_format_diff(&mig.plan, &diff);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", diff);
}

static void on_run_file(const char *verb, const char *path, const char *detail, void *userdata) {
        (void) userdata;
        if (detail)
                log_info("%s %s (%s)", verb, path, detail);
        else
                log_info("%s %s", verb, path);
}

static void on_run_state(MigrationState state, void *userdata) {
        (void) state;
        /* Signal "running" while the run goes on, not only its outcome. */
        (void) context_reload(userdata);
}

static int method_run(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(migration_done) Migration mig = MIGRATION_INIT;
        Context *c = userdata;
        const MigrateHooks hooks = { .file = on_run_file, .state = on_run_state, .userdata = c };
        int r;

        r = check_root(m, "Run", error);
        if (r < 0)
                return r;
        r = open_migration(c, &mig, error);
        if (r < 0)
                return r;
        r = migration_run(&mig, &c->options, &hooks);
        if (r >= 0 && r != MIGRATE_NOT_NEEDED)
                (void) migration_activate(&mig, false);
        context_touch(c);
        (void) context_reload(c);
        if (r == MIGRATE_NOT_NEEDED)
                return sd_bus_reply_method_return(m, "s", migration_state_to_string(MIGRATION_NOT_NEEDED));
        if (migrate_error_is_refusal(r))
                return set_refused(&mig, r, error);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "the migration failed (the record says %s): %m",
                        migration_state_to_string(c->record.state));
        return sd_bus_reply_method_return(m, "s", migration_state_to_string(c->record.state));
}

static int method_rollback(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(migration_done) Migration mig = MIGRATION_INIT;
        Context *c = userdata;
        const MigrateHooks hooks = { .file = on_run_file, .state = on_run_state, .userdata = c };
        int r;

        r = check_root(m, "Rollback", error);
        if (r < 0)
                return r;
        r = open_migration(c, &mig, error);
        if (r < 0)
                return r;
        r = migration_rollback(&mig, &hooks);
        context_touch(c);
        (void) context_reload(c);
        if (r == -ENOENT)
                return sd_bus_error_set(error, MIGRATE_BUS_ERROR_NO_BACKUP,
                        "nothing to roll back: no backup in /" STATE_DIR "/backup");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "the rollback failed: %m");
        return sd_bus_reply_method_return(m, "s", migration_state_to_string(c->record.state));
}

static int method_arm(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(migration_done) Migration mig = MIGRATION_INIT;
        Context *c = userdata;
        int r;

        r = check_root(m, "Arm", error);
        if (r < 0)
                return r;
        r = open_migration(c, &mig, error);
        if (r < 0)
                return r;
        r = migration_arm(&mig, &c->options);
        context_touch(c);
        (void) context_reload(c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot record the snapshot: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_describe(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_) {
        _cleanup_free_ char *json = NULL;
        Context *c = userdata;
        int r;

        r = state_to_json(&c->record, false, &json);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", json);
}

/* The vtable: offsets are into Context, the object's userdata. */

static const sd_bus_vtable migrate_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_get_state, offsetof(Context, record.state),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Hypervisor", "s", property_get_string, offsetof(Context, record.hypervisor),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Mode", "s", property_get_string, offsetof(Context, record.mode),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Mappings", "a(ssssss)", property_get_mappings, offsetof(Context, record),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Network", "a(sssss)", property_get_network, offsetof(Context, record),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Edits", "a(sss)", property_get_edits, offsetof(Context, record),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Warnings", "as", property_get_strv, offsetof(Context, record.warnings),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Errors", "as", property_get_strv, offsetof(Context, record.errors),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StartedUSec", "t", property_get_usec, offsetof(Context, record.started_usec),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FinishedUSec", "t", property_get_usec, offsetof(Context, record.finished_usec),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* UNPRIVILEGED everywhere: sd-bus would otherwise demand CAP_SYS_ADMIN; check_root() decides. */
        SD_BUS_METHOD_WITH_ARGS(
                "Plan", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", diff), method_plan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(
                "Run", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", state), method_run, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Rollback", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", state), method_rollback,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(
                "Arm", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_arm, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Describe", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json), method_describe,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* Every incoming message: push the idle exit back, and make sure what is served is current. */
static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_) {
        Context *c = userdata;

        context_touch(c);
        if (sd_bus_message_is_method_call(m, NULL, NULL))
                (void) context_reload(c);
        return 0;
}

static int on_idle(sd_event_source *s, uint64_t usec _unused_, void *userdata) {
        Context *c = userdata;
        int r;

        log_info("idle for %llu s, exiting", (unsigned long long) (arg_idle_usec / USEC_PER_SEC));
        /* Give the name back first: a call that comes from now on starts a new instance instead of
         * being lost with this one. Calls already queued are answered before the exit (run()). */
        r = sd_bus_release_name(c->bus, MIGRATE_BUS_NAME);
        if (r < 0)
                log_warning("cannot release %s (%s), ignoring", MIGRATE_BUS_NAME, strerror(-r));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int connect_bus(Context *c) {
        int r;

        r = sd_bus_open_system(&c->bus);
        if (r < 0)
                return log_error_errno(r, "cannot connect to the system bus: %s", strerror(-r));
        r = sd_bus_add_filter(c->bus, NULL, on_message, c);
        if (r < 0)
                return log_error_errno(r, "cannot add the message filter: %s", strerror(-r));
        /* The object before the name: a caller woken by the name must find the object. */
        r = sd_bus_add_object_vtable(
                c->bus, NULL, MIGRATE_BUS_PATH, MIGRATE_BUS_INTERFACE, migrate_vtable, c);
        if (r < 0)
                return log_error_errno(r, "cannot add the object %s: %s", MIGRATE_BUS_PATH, strerror(-r));
        r = sd_bus_request_name(c->bus, MIGRATE_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "cannot own %s: %s", MIGRATE_BUS_NAME, strerror(-r));
        r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "cannot attach the bus to the event loop: %s", strerror(-r));
        return 0;
}

static void help(void) {
        printf("Usage: migrated [OPTIONS]\n"
               "\n"
               "Serve the kvmigrate state record as %s on the system bus.\n"
               "\n"
               "Options:\n"
               "  --root DIR              the guest root whose record to serve (default /)\n"
               "  --disk NAME=PATH        for Plan() and Run(): the guest sees PATH as /dev/NAME;\n"
               "                          replaces enumeration; repeatable\n"
               "  --nic NAME=MAC[,DRIVER] for Plan() and Run(): the guest has this NIC now;\n"
               "                          replaces enumeration; repeatable\n"
               "  --hypervisor kvm|xen    do not detect the hypervisor\n"
               "  --rewrite=uuid|name     spell devices as UUID= (default) or /dev/sdX\n"
               "  --idle-timeout SECONDS  exit after this long without a call (default 30;\n"
               "                          0: never)\n"
               "  -h, --help              this text\n"
               "      --version           the version\n",
                MIGRATE_BUS_NAME);
}

static int parse_seconds(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || *end || *s == '-' || v > UINT64_MAX / USEC_PER_SEC)
                return -EINVAL;
        *ret = v * USEC_PER_SEC;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_ROOT = 0x100,
                ARG_DISK,
                ARG_NIC,
                ARG_HYPERVISOR,
                ARG_REWRITE,
                ARG_IDLE_TIMEOUT,
                ARG_VERSION
        };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "disk", required_argument, NULL, ARG_DISK },
                { "nic", required_argument, NULL, ARG_NIC },
                { "hypervisor", required_argument, NULL, ARG_HYPERVISOR },
                { "rewrite", required_argument, NULL, ARG_REWRITE },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_DISK:
                        if (strv_push(&arg_disks, &arg_n_disks, strdup(optarg)) < 0)
                                return log_error_errno(-ENOMEM, "out of memory");
                        break;
                case ARG_NIC: {
                        _cleanup_(nic_done) Nic nic = {};
                        if (nic_parse_arg(optarg, &nic) < 0)
                                return -EINVAL;
                        if (strv_push(&arg_nics, &arg_n_nics, strdup(optarg)) < 0)
                                return log_error_errno(-ENOMEM, "out of memory");
                        break;
                }
                case ARG_HYPERVISOR:
                        arg_hypervisor = hypervisor_from_string(optarg);
                        if (arg_hypervisor == _HYPERVISOR_INVALID)
                                return log_error_errno(
                                        -EINVAL, "--hypervisor %s: expected kvm, qemu, xen or none", optarg);
                        break;
                case ARG_REWRITE:
                        arg_form = rewrite_form_from_string(optarg);
                        if (arg_form == _REWRITE_DEFAULT)
                                return log_error_errno(
                                        -EINVAL, "--rewrite=%s: expected uuid or name", optarg);
                        break;
                case ARG_IDLE_TIMEOUT:
                        if (parse_seconds(optarg, &arg_idle_usec) < 0)
                                return log_error_errno(
                                        -EINVAL, "--idle-timeout %s: expected a number of seconds", optarg);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        puts("kvmigrate " KVMIGRATE_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "unexpected argument \"%s\"; see --help", argv[optind]);
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_(context_clear) Context c = { .rootfd = -1 };
        int r;

        log_set_program("migrated");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;

        c.options = (MigrateOptions){
                .root = arg_root,
                .disks = arg_disks,
                .nics = arg_nics,
                .hypervisor = arg_hypervisor,
                .form = arg_form,
        };
        c.rootfd = open(arg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c.rootfd < 0)
                return log_error_errno(-errno, "%s: cannot open the root: %m", arg_root);

        r = sd_event_new(&c.event);
        if (r < 0)
                return log_error_errno(r, "cannot make the event loop: %s", strerror(-r));
        r = sd_event_set_signal_exit(c.event, true);
        if (r < 0)
                return log_error_errno(r, "cannot handle SIGTERM and SIGINT: %s", strerror(-r));
        (void) context_reload(&c);

        r = connect_bus(&c);
        if (r < 0)
                return r;
        if (arg_idle_usec > 0) {
                r = sd_event_add_time_relative(
                        c.event, &c.idle, CLOCK_MONOTONIC, arg_idle_usec, 0, on_idle, &c);
                if (r < 0)
                        return log_error_errno(r, "cannot arm the idle timer: %s", strerror(-r));
        }

        (void) sd_notifyf(false, "READY=1\nSTATUS=State: %s", migration_state_to_string(c.record.state));
        r = sd_event_loop(c.event);
        (void) sd_notify(false, "STOPPING=1");
        if (r < 0)
                return log_error_errno(r, "the event loop failed: %s", strerror(-r));

        /* Answer what arrived before the name was given back. */
        while (sd_bus_process(c.bus, NULL) > 0)
                ;
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        r = run(argc, argv);
        strv_free(arg_disks);
        strv_free(arg_nics);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
