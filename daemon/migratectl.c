/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * migratectl: the command line. It parses arguments and calls the steps;
 * everything it knows about migrating lives in the modules.
 */

#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <time.h>

#include "bus-client.h"
#include "devname.h"
#include "initramfs.h"
#include "links.h"
#include "migrate.h"
#include "root.h"
#include "util.h"

/* Exit codes of plan, apply, rollback and arm. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,
        EXIT_REFUSED = 2, /* no certain mapping, or a file that cannot be parsed: nothing changed */
        EXIT_USAGE = 64,
};

/* Exit codes of status, after the state. */
enum {
        STATUS_EXIT_OK = 0, /* done, not-needed, armed, rolled-back */
        STATUS_EXIT_FAILED = 1,
        STATUS_EXIT_DEGRADED = 2,
        STATUS_EXIT_RUNNING = 3, /* pending or running */
};

static MigrateOptions arg_options = {
        .root = "/", .hypervisor = _HYPERVISOR_INVALID, .form = _REWRITE_DEFAULT
};
static char **arg_disks = NULL;
static size_t arg_n_disks = 0;
static char **arg_nics = NULL;
static size_t arg_n_nics = 0;
static bool arg_json = false;
static bool arg_wait = false;
static uint64_t arg_timeout_usec = 90 * 1000000ULL;
static bool arg_check = false;
static const char *arg_building = NULL;
static const char *arg_make = NULL;

static void help(void) {
        printf("Usage: migratectl [OPTIONS] COMMAND\n"
               "\n"
               "Migrate a Linux guest from Xen to KVM: map the old /dev/xvd* disks to the new\n"
               "devices and rewrite the files that name them.\n"
               "\n"
               "Commands:\n"
               "  plan       print the unified diff of what a migration would change\n"
               "  apply      migrate now; print what was changed\n"
               "  rollback   restore every file the last apply changed\n"
               "  arm        record the inventory snapshot of the current (Xen) devices\n"
               "  status     print the state record (from migrated when it is reachable)\n"
               "  boot       what every boot runs: arm under Xen, migrate once under KVM\n"
               "  clean      forget this guest's migration (templates: the next Xen boot arms\n"
               "             again); backups are kept\n"
               "  links      list the /dev/xvd* compatibility links and their udev rules\n"
               "             (--make DEV: a udev rule for root=DEV by bus position, for a\n"
               "             guest never armed)\n"
               "  initramfs  whether each kernel's initramfs carries the current rules; rebuild\n"
               "             those that do not (on the running system, not with --check)\n"
               "\n"
               "On the running system (no --root, --disk, --nic, --hypervisor or --rewrite),\n"
               "plan, apply and rollback go through the migrated service when it can be reached.\n"
               "\n"
               "Options:\n"
               "  --root DIR              operate on the guest root DIR (default /)\n"
               "  --disk NAME=PATH        the guest sees PATH (block device or image file) as\n"
               "                          /dev/NAME; replaces enumeration; repeatable\n"
               "  --nic NAME=MAC[,DRIVER] the guest has a NIC NAME with MAC (arm: the Xen one;\n"
               "                          else the one it gets under KVM); repeatable\n"
               "  --hypervisor kvm|xen    do not detect the hypervisor\n"
               "  --rewrite=uuid|name     spell devices as UUID= (default) or /dev/sdX\n"
               "  --json                  status: one JSON object\n"
               "  --wait                  status: while the migration is pending or running,\n"
               "                          wait for it to finish (at once for any other state)\n"
               "  --timeout=SEC           status --wait: wait at most SEC seconds (default 90)\n"
               "  --check                 initramfs: only tell, rebuild nothing\n"
               "  --building KVER         initramfs: what the initramfs hooks call while they\n"
               "                          build KVER's image (under Xen, arm first)\n"
               "  --make DEV              links: under KVM, write " LINKS_BUS_RULES_FILE "\n"
               "                          linking DEV (/dev/xvdX, its disk and partitions) to the\n"
               "                          X-th disk in the order the host attached them, and print\n"
               "                          its name when it changed (the initramfs, for root=/dev/xvd*\n"
               "                          on a guest never armed)\n"
               "  -q, --quiet             only errors\n"
               "  -h, --help              this text\n"
               "      --version           the version\n"
               "\n"
               "Exit codes of plan, apply, rollback, arm, boot, clean:\n"
               "  0 done (or nothing to do), 1 failed, 2 refused: a device could not be mapped\n"
               "  with certainty or a file could not be parsed, and nothing was changed,\n"
               "  64 usage error.\n"
               "Exit codes of initramfs:\n"
               "  0 every initramfs is current, 1 some is not (or could not be rebuilt), 64 usage.\n"
               "Exit codes of status:\n"
               "  0 done, not-needed, armed or rolled-back, 1 failed, 2 degraded (some edits\n"
               "  done, some not), 3 pending or running (also when --wait timed out).\n");
}

static int print_problems(const Migration *m) {
        for (size_t i = 0; i < m->n_warnings; i++)
                log_warning("%s", m->warnings[i]);
        for (size_t i = 0; i < m->n_errors; i++)
                log_error("%s", m->errors[i]);
        return 0;
}

static int exit_for(int r) {
        if (migrate_error_is_refusal(r))
                return EXIT_REFUSED;
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/*
 * On the live system, plan, apply and rollback go through migrated, so that
 * one process owns the record and its change signals reach every client.
 * Returns the exit code, or -1 when the service cannot be reached (then the
 * work is done here).
 */
static int via_service(const char *method) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *text = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, ret;

        if (!streq(arg_options.root, "/") || arg_disks || arg_nics ||
                arg_options.hypervisor != _HYPERVISOR_INVALID || arg_options.form != _REWRITE_DEFAULT ||
                getenv("KVMIGRATE_NO_SERVICE"))
                return -1;
        if (bus_client_open(&bus) < 0)
                return -1;
        r = bus_client_call(bus, method, &text, &error);
        if (r >= 0) {
                if (streq(method, "Plan"))
                        fputs(text, stdout);
                else if (log_get_max_level() >= LOG_LEVEL_INFO)
                        printf("state: %s\n", text);
                ret = EXIT_OK;
        } else if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                           SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                (!sd_bus_error_is_set(&error) && (r == -ENOENT || r == -ECONNREFUSED))) {
                log_debug("migrated cannot be reached (%s), working here", error.message ?: strerror(-r));
                ret = -1;
        } else if (streq(method, "Rollback") && sd_bus_error_has_name(&error, MIGRATE_BUS_ERROR_NO_BACKUP)) {
                log_info("%s", error.message); /* nothing to do is not a failure */
                ret = EXIT_OK;
        } else {
                log_error("%s", error.message ?: strerror(-r));
                ret = sd_bus_error_has_name(&error, MIGRATE_BUS_ERROR_REFUSED) ? EXIT_REFUSED : EXIT_FAILED;
        }
        sd_bus_error_free(&error);
        return ret;
}

static int verb_plan(Migration *m) {
        _cleanup_free_ char *diff = NULL;
        int r;

        r = via_service("Plan");
        if (r >= 0)
                return r;
        r = migration_plan(m, &arg_options);
        print_problems(m);
        if (r == MIGRATE_NOT_NEEDED) {
                log_info("nothing to do: the hypervisor is %s",
                        hypervisor_to_string(m->detection.hypervisor));
                return EXIT_OK;
        }
        if (r == -ENXIO)
                log_error("refusing to plan: the devices above cannot be mapped with certainty");
        if (r < 0)
                return exit_for(r);

        r = plan_format_diff(&m->plan, &diff);
        if (r < 0)
                return EXIT_FAILED;
        fputs(diff, stdout);
        return EXIT_OK;
}

static void on_file(const char *verb, const char *path, const char *detail, void *userdata) {
        (void) userdata;
        if (log_get_max_level() < LOG_LEVEL_INFO)
                return;
        if (detail)
                printf("%s %s (%s)\n", verb, path, detail);
        else
                printf("%s %s\n", verb, path);
}

static int verb_apply(Migration *m) {
        const MigrateHooks hooks = { .file = on_file };
        int r;

        r = via_service("Run");
        if (r >= 0)
                return r;
        r = migration_run(m, &arg_options, &hooks);
        print_problems(m);
        if (r == MIGRATE_NOT_NEEDED) {
                log_info("nothing to do: the hypervisor is %s",
                        hypervisor_to_string(m->detection.hypervisor));
                return EXIT_OK;
        }
        if (r == -ENXIO)
                log_error("refusing to migrate: the devices above cannot be mapped with certainty; "
                          "nothing was changed");
        else if (r >= 0 && m->plan.n_edits == 0)
                log_info("nothing to change");
        if (r >= 0)
                (void) migration_activate(m, false);
        return exit_for(r);
}

static int verb_rollback(Migration *m) {
        const MigrateHooks hooks = { .file = on_file };
        int r;

        r = via_service("Rollback");
        if (r >= 0)
                return r;
        r = migration_rollback(m, &hooks);
        if (r == -ENOENT) {
                log_info("nothing to roll back: no backup in /var/lib/kvmigrate/backup");
                return EXIT_OK;
        }
        /* A damaged backup (-EBADMSG) refuses before anything changes: 2, like a refused apply. */
        return exit_for(r);
}

static int verb_arm(Migration *m) {
        int r;

        if (hypervisor_is_kvm_like(m->detection.hypervisor))
                log_warning("arm records the devices present now, and this is %s, not Xen",
                        hypervisor_to_string(m->detection.hypervisor));
        r = migration_arm(m, &arg_options);
        if (r < 0)
                return EXIT_FAILED;
        for (size_t i = 0; i < m->old.n; i++) {
                const Device *d = &m->old.devices[i];
                printf("%-8s %-12s", d->name, d->type ?: "-");
                if (d->uuid)
                        printf(" UUID=%s", d->uuid);
                if (d->label)
                        printf(" LABEL=\"%s\"", d->label);
                if (d->partuuid)
                        printf(" PARTUUID=%s", d->partuuid);
                putchar('\n');
        }
        printf("recorded %zu devices in /var/lib/kvmigrate/snapshot\n", m->old.n);
        return EXIT_OK;
}

static int verb_boot(Migration *m) {
        const MigrateHooks hooks = { .file = on_file };
        int r;

        r = migration_boot(m, &arg_options, &hooks);
        print_problems(m);
        switch (r) {
        case MIGRATE_DISABLED:
                log_info("switched off (%s or kvmigrate=off)", MIGRATE_DISABLED_FILE);
                return EXIT_OK;
        case MIGRATE_NOT_NEEDED:
                log_debug("nothing to do: the hypervisor is %s",
                        hypervisor_to_string(m->detection.hypervisor));
                return EXIT_OK;
        case MIGRATE_ALREADY:
                log_debug("already migrated");
                return EXIT_OK;
        }
        if (r < 0)
                return exit_for(r);
        if (m->detection.hypervisor == HYPERVISOR_XEN) {
                log_debug("armed: %zu devices recorded", m->old.n);
                return EXIT_OK;
        }
        (void) migration_activate(m, true);
        return EXIT_OK;
}

static int verb_clean(Migration *m) {
        return migration_clean(m) < 0 ? EXIT_FAILED : EXIT_OK;
}

/*
 * A guest never armed has no rules that find root=/dev/xvda by identity: the
 * initramfs links that disk by its bus position instead (its hook reloads
 * udev when this prints the file it wrote).
 */
static int links_make(Migration *m) {
        _cleanup_(inventory_done) Inventory new = {};
        _cleanup_free_ char *text = NULL, *old = NULL;
        _cleanup_close_ int runfd = -1;
        const char *name = strrchr(LINKS_BUS_RULES_FILE, '/') + 1;
        int r;

        if (!streq(arg_options.root, "/") || arg_options.disks) {
                log_error("links --make works on the running system's own disks only");
                return EXIT_USAGE;
        }
        if (!hypervisor_is_kvm_like(m->detection.hypervisor))
                return EXIT_OK; /* under Xen the names are the kernel's own */
        r = migration_probe_new(&arg_options, &new);
        if (r < 0) {
                log_error("cannot list the disks: %s", strerror(-r));
                return EXIT_FAILED;
        }
        r = links_format_bus_rules(&new, startswith(arg_make, "/dev/") ?: arg_make, &text);
        if (r == -ENOENT) {
                log_debug("%s: no disk at that bus position yet", arg_make);
                return EXIT_OK; /* the hook asks again */
        }
        if (r == -ENXIO) {
                log_error("%s: the disks' order is not certain (a bus position unknown, or more than one "
                          "controller); no link is made, as its letter would be a guess",
                        arg_make);
                return EXIT_REFUSED;
        }
        if (r < 0)
                return EXIT_FAILED;

        runfd = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = runfd < 0 ? -errno : mkdir_p_at(runfd, "udev/rules.d", 0755);
        if (r >= 0 && read_regular_at(runfd, LINKS_BUS_RULES_FILE + strlen("/run/"), &old, NULL) >= 0 &&
                streq(old, text))
                return EXIT_OK;
        if (r >= 0) {
                _cleanup_close_ int dfd = openat(runfd, "udev/rules.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = dfd < 0 ? -errno : write_file_atomic_at(dfd, name, text, strlen(text), 0644);
        }
        if (r < 0) {
                log_error("%s: cannot write: %s", LINKS_BUS_RULES_FILE, strerror(-r));
                return EXIT_FAILED;
        }
        puts(LINKS_BUS_RULES_FILE);
        return EXIT_OK;
}

static int verb_links(Migration *m) {
        _cleanup_(inventory_done) Inventory snapshot = {};
        _cleanup_free_ char *rules = NULL;
        bool live = streq(arg_options.root, "/");
        int r;

        if (arg_make)
                return links_make(m);

        r = inventory_load_snapshot(m->rootfd, &snapshot);
        if (r == -ENOENT) {
                log_info("no snapshot: \"migratectl arm\" records one under Xen");
                return EXIT_OK;
        }
        if (r < 0)
                return EXIT_FAILED;
        for (size_t i = 0; i < snapshot.n; i++) {
                const Device *d = &snapshot.devices[i];
                _cleanup_free_ char *dev = NULL;
                char target[256];
                ssize_t n = -1;

                if (!startswith(d->name, "xvd"))
                        continue;
                if (live && asprintf(&dev, "/dev/%s", d->name) >= 0)
                        n = readlink(dev, target, sizeof target - 1);
                if (n >= 0)
                        target[n] = 0;
                printf("/dev/%-8s -> %-10s %s%s\n", d->name, n >= 0 ? target : "-", d->uuid ? "UUID=" : "",
                        d->uuid ?: d->partuuid ?: d->ptuuid ?: "(no identity)");
        }
        if (links_format_rules(&snapshot, &rules) < 0)
                return EXIT_FAILED;
        printf("\n# %s\n%s", LINKS_RULES_FILE, rules);
        return EXIT_OK;
}

static void print_initramfs(const InitramfsList *l) {
        for (size_t i = 0; i < l->n; i++)
                printf("%-28s %-44s %s\n", l->images[i].kver, l->images[i].path,
                        initramfs_freshness_to_string(l->images[i].freshness));
}

/* Whether "/" is not the root of PID 1: an image builder's chroot, whose disks are not the machine's. */
static bool in_chroot(void) {
        struct stat a, b;

        return stat("/proc/1/root/", &a) < 0 || stat("/", &b) < 0 || a.st_dev != b.st_dev ||
                a.st_ino != b.st_ino;
}

/* From the hooks, while the image of --building is made: arm under Xen, then record what goes in. */
static int initramfs_building(Migration *m) {
        bool off = !m->config.enabled || kernel_says_off() ||
                root_entry_type(m->rootfd, MIGRATE_DISABLED_FILE) != 0;
        int r;

        if (streq(m->root, "/") && m->detection.hypervisor == HYPERVISOR_XEN && !m->detection.xen_dom0 &&
                !off && !in_chroot() && migration_arm(m, &arg_options) < 0)
                log_warning("the initramfs of %s gets the rules recorded before", arg_building);
        r = initramfs_record_build(m->rootfd, arg_building);
        if (r == -EINVAL) {
                log_error("--building %s: not a kernel version", arg_building);
                return EXIT_USAGE;
        }
        if (r < 0) {
                log_error("cannot record the initramfs of %s in %s: %s", arg_building, INITRAMFS_STAMP_DIR,
                        strerror(-r));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

static int verb_initramfs(Migration *m) {
        _cleanup_(initramfs_list_done) InitramfsList l = {};
        bool live = streq(m->root, "/"), failed = false;
        InitramfsTool tool;
        int r;

        if (arg_building)
                return initramfs_building(m);
        if (!m->config.enabled && !arg_check) {
                log_info("switched off (Enabled=no in /etc/kvmigrate.conf): no initramfs is rebuilt");
                return EXIT_OK;
        }
        r = initramfs_list(m->rootfd, &l);
        if (r < 0) {
                log_error("cannot look at the initramfs images: %s", strerror(-r));
                return EXIT_FAILED;
        }
        if (!initramfs_list_stale(&l) || arg_check || !live) {
                print_initramfs(&l);
                if (!initramfs_list_stale(&l))
                        return EXIT_OK;
                if (!live)
                        log_warning("rebuild the initramfs inside the guest (update-initramfs -u, or dracut "
                                    "--force) before it boots under KVM");
                return EXIT_FAILED;
        }

        tool = initramfs_tool(m->rootfd);
        if (tool == INITRAMFS_TOOL_NONE) {
                print_initramfs(&l);
                log_error("no initramfs tool with kvmigrate's hook is installed; nothing rebuilt");
                return EXIT_FAILED;
        }
        /* A tool that failed may have removed the image (dracut does): the list after would not show it. */
        for (size_t i = 0; i < l.n; i++)
                if (l.images[i].freshness != INITRAMFS_CURRENT && initramfs_rebuild(tool, &l.images[i]) < 0)
                        failed = true;
        initramfs_list_done(&l);
        r = initramfs_list(m->rootfd, &l);
        if (r < 0) {
                log_error("cannot look at the initramfs images: %s", strerror(-r));
                return EXIT_FAILED;
        }
        print_initramfs(&l);
        return failed || initramfs_list_stale(&l) ? EXIT_FAILED : EXIT_OK;
}

static void print_time(const char *field, unsigned long long usec) {
        char buf[64];
        time_t t = (time_t) (usec / 1000000ULL);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) ||
                strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return;
        printf("%12s: %s\n", field, buf);
}

static int status_exit(MigrationState s) {
        switch (s) {
        case MIGRATION_FAILED:
                return STATUS_EXIT_FAILED;
        case MIGRATION_DEGRADED:
                return STATUS_EXIT_DEGRADED;
        case MIGRATION_PENDING:
        case MIGRATION_RUNNING:
                return STATUS_EXIT_RUNNING;
        default:
                return STATUS_EXIT_OK;
        }
}

/* Without the service: read the file again every 100 ms until the run is over or @deadline. */
static int status_wait_file(int rootfd, uint64_t deadline, StateRecord *rec) {
        while (migration_state_is_active(rec->state)) {
                StateRecord next = {};
                uint64_t now = monotonic_usec();
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                (void) usleep(deadline - now < 100000 ? (useconds_t) (deadline - now) : 100000);
                r = state_load(rootfd, &next); /* fills @next only when it succeeds */
                if (r < 0 && r != -ENOENT)
                        return r;
                state_record_done(rec);
                *rec = next;
        }
        return 0;
}

/*
 * The record: on the live system from migrated when it answers (it may be
 * running the migration itself), else from the file. With --wait, once the
 * migration is no longer pending or running, or -ETIMEDOUT with the last
 * record seen.
 */
static int status_read(Migration *m, StateRecord *rec) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t deadline = monotonic_usec() + arg_timeout_usec;
        int r;

        if (streq(m->root, "/") && bus_client_open(&bus) >= 0 && bus_client_describe(bus, rec) >= 0) {
                if (!arg_wait || !migration_state_is_active(rec->state))
                        return 0;
                state_record_done(rec);
                r = bus_client_wait(bus, arg_timeout_usec, rec);
                if (r >= 0 || r == -ETIMEDOUT)
                        return r;
                log_debug("migrated stopped answering (%s), reading the state file", strerror(-r));
        }

        r = state_load(m->rootfd, rec);
        if (r < 0 && r != -ENOENT)
                return r;
        return arg_wait ? status_wait_file(m->rootfd, deadline, rec) : 0;
}

/* A JSON string of @s made valid UTF-8 (the guest names its kernels and images); NULL on -ENOMEM. */
static json_object *json_new_string_utf8(const char *s) {
        _cleanup_free_ char *t = NULL;

        if (state_string_to_utf8(s, &t) < 0)
                return NULL;
        return json_object_new_string(t);
}

/* Add "initramfs": [{"kernel", "image", "current", "detail"}, …] to the JSON text in *@json. */
static int json_add_initramfs(char **json, const InitramfsList *l) {
        json_object *o = json_tokener_parse(*json), *a;
        char *s;

        if (!o || !(a = json_object_new_array())) {
                json_object_put(o);
                return -ENOMEM;
        }
        json_object_object_add(o, "initramfs", a);
        for (size_t i = 0; i < l->n; i++) {
                json_object *e = json_object_new_object();

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        json_object_put(o);
                        return -ENOMEM;
                }
                json_object_object_add(e, "kernel", json_new_string_utf8(l->images[i].kver));
                json_object_object_add(e, "image", json_new_string_utf8(l->images[i].path));
                json_object_object_add(
                        e, "current", json_object_new_boolean(l->images[i].freshness == INITRAMFS_CURRENT));
                json_object_object_add(e, "detail",
                        json_object_new_string(initramfs_freshness_to_string(l->images[i].freshness)));
        }
        s = strdup(
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE | JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        if (!s)
                return -ENOMEM;
        free(*json);
        *json = s;
        return 0;
}

static int verb_status(Migration *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_(initramfs_list_done) InitramfsList images = {};
        int r;

        r = status_read(m, &rec);
        if (r == -ETIMEDOUT)
                log_warning("gave up waiting after %.1f s: the migration is still %s",
                        (double) arg_timeout_usec / 1e6, migration_state_to_string(rec.state));
        else if (r == -EBADMSG)
                return EXIT_FAILED; /* logged with file and line */
        else if (r < 0) {
                log_error("cannot read the state record: %s", strerror(-r));
                return EXIT_FAILED;
        }

        /* Armed, the question is whether the first KVM boot gets an initramfs that finds its disks. */
        if (rec.state == MIGRATION_ARMED && initramfs_list(m->rootfd, &images) < 0)
                images = (InitramfsList){};

        if (arg_json) {
                _cleanup_free_ char *json = NULL;
                r = state_to_json(&rec, false, &json);
                if (r >= 0 && rec.state == MIGRATION_ARMED)
                        r = json_add_initramfs(&json, &images);
                if (r < 0)
                        return EXIT_FAILED;
                puts(json);
                return status_exit(rec.state);
        }

        /* Nothing from the record reaches the terminal raw: it quotes the guest's labels and paths. */
        if (state_record_escape(&rec) < 0) {
                log_error("out of memory");
                return EXIT_FAILED;
        }
        printf("%12s: %s\n", "State", migration_state_to_string(rec.state));
        if (rec.hypervisor)
                printf("%12s: %s%s%s%s\n", "Hypervisor", rec.hypervisor, rec.mode ? " (" : "",
                        strempty(rec.mode), rec.mode ? ")" : "");
        print_time("Started", rec.started_usec);
        print_time("Finished", rec.finished_usec);
        for (size_t i = 0; i < rec.n_mappings; i++) {
                const StateMapping *x = &rec.mappings[i];
                printf("%12s%s %s → %s", i == 0 ? "Mappings" : "", i == 0 ? ":" : " ", x->old_name,
                        x->new_name);
                if (x->uuid)
                        printf(" UUID=%s", x->uuid);
                if (x->label)
                        printf(" LABEL=\"%s\"", x->label);
                printf(" (%s%s%s)\n", strempty(x->method), x->type ? ", " : "", strempty(x->type));
        }
        for (size_t i = 0; i < rec.n_nics; i++) {
                const StateNic *x = &rec.nics[i];
                printf("%12s%s %s → %s", i == 0 ? "Network" : "", i == 0 ? ":" : " ", x->old_name,
                        x->new_name);
                if (x->new_mac)
                        printf(" %s", x->new_mac);
                if (x->old_mac && !streq_ptr(x->old_mac, x->new_mac))
                        printf(" (was %s)", x->old_mac);
                printf(" (%s)\n", strempty(x->method));
        }
        for (size_t i = 0; i < rec.n_edits; i++)
                printf("%12s%s %s (%s) %s\n", i == 0 ? "Edits" : "", i == 0 ? ":" : " ", rec.edits[i].path,
                        rec.edits[i].fixer, rec.edits[i].result);
        for (char **w = rec.warnings; w && *w; w++)
                printf("%12s%s %s\n", w == rec.warnings ? "Warnings" : "", w == rec.warnings ? ":" : " ",
                        *w);
        for (char **e = rec.errors; e && *e; e++)
                printf("%12s%s %s\n", e == rec.errors ? "Errors" : "", e == rec.errors ? ":" : " ", *e);
        for (size_t i = 0; i < images.n; i++) {
                const InitramfsImage *x = &images.images[i];
                _cleanup_free_ char *path = NULL;

                if (state_string_escape(x->path, &path) < 0) {
                        log_error("out of memory");
                        return EXIT_FAILED;
                }
                printf("%12s%s %s: %s%s\n", i == 0 ? "Initramfs" : "", i == 0 ? ":" : " ", strempty(path),
                        initramfs_freshness_to_string(x->freshness),
                        x->freshness == INITRAMFS_CURRENT ? ""
                                                          : " — NOT READY for KVM: migratectl initramfs");
        }
        return status_exit(rec.state);
}

static const struct {
        const char *name;
        int (*fn)(Migration *m);
} verbs[] = {
        { "plan", verb_plan },
        { "apply", verb_apply },
        { "rollback", verb_rollback },
        { "arm", verb_arm },
        { "status", verb_status },
        { "boot", verb_boot },
        { "clean", verb_clean },
        { "links", verb_links },
        { "initramfs", verb_initramfs },
};

/*
 * "--disk NAME=PATH": NAME becomes a udev link and a path below /dev, so it
 * must be a kernel block name ("xvda", "sdb1", "nvme0n1p1"), never "..", "/"
 * or a quote; PATH must be there. Logs what is wrong.
 */
static bool disk_arg_is_valid(const char *arg) {
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *name = NULL;

        if (!eq || eq == arg || !eq[1]) {
                log_error("--disk %s: expected NAME=PATH", arg);
                return false;
        }
        name = strndup(arg, (size_t) (eq - arg));
        if (!name) {
                log_error("--disk: out of memory");
                return false;
        }
        if (!devname_is_kernel_name(name)) {
                /* The name may hold anything: do not echo it. */
                log_error("--disk NAME=PATH: NAME must be a kernel block device name (letters and digits, "
                          "at most %d, e.g. xvda, sdb1, nvme0n1p1)",
                        DEVNAME_MAX);
                return false;
        }
        return true;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_ROOT = 0x100,
                ARG_DISK,
                ARG_NIC,
                ARG_HYPERVISOR,
                ARG_REWRITE,
                ARG_JSON,
                ARG_WAIT,
                ARG_TIMEOUT,
                ARG_CHECK,
                ARG_BUILDING,
                ARG_MAKE,
                ARG_VERSION
        };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "disk", required_argument, NULL, ARG_DISK },
                { "nic", required_argument, NULL, ARG_NIC },
                { "hypervisor", required_argument, NULL, ARG_HYPERVISOR },
                { "rewrite", required_argument, NULL, ARG_REWRITE },
                { "json", no_argument, NULL, ARG_JSON },
                { "wait", no_argument, NULL, ARG_WAIT },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "check", no_argument, NULL, ARG_CHECK },
                { "building", required_argument, NULL, ARG_BUILDING },
                { "make", required_argument, NULL, ARG_MAKE },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT:
                        arg_options.root = optarg;
                        break;
                case ARG_DISK:
                        if (!disk_arg_is_valid(optarg))
                                return -EINVAL;
                        if (strv_push(&arg_disks, &arg_n_disks, strdup(optarg)) < 0)
                                return -ENOMEM;
                        break;
                case ARG_NIC: {
                        _cleanup_(nic_done) Nic nic = {};
                        /* Checked here, so a malformed one is a usage error. */
                        if (nic_parse_arg(optarg, &nic) < 0)
                                return -EINVAL;
                        if (strv_push(&arg_nics, &arg_n_nics, strdup(optarg)) < 0)
                                return -ENOMEM;
                        break;
                }
                case ARG_HYPERVISOR:
                        arg_options.hypervisor = hypervisor_from_string(optarg);
                        if (arg_options.hypervisor == _HYPERVISOR_INVALID) {
                                log_error("--hypervisor %s: expected kvm, qemu, xen or none", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_REWRITE:
                        arg_options.form = rewrite_form_from_string(optarg);
                        if (arg_options.form == _REWRITE_DEFAULT) {
                                log_error("--rewrite=%s: expected uuid or name", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_WAIT:
                        arg_wait = true;
                        break;
                case ARG_TIMEOUT: {
                        char *end;
                        double sec;

                        errno = 0;
                        sec = strtod(optarg, &end);
                        /* The upper bound keeps the microseconds in range; a day is plenty. */
                        if (errno != 0 || end == optarg || *end || !(sec >= 0 && sec <= 86400)) {
                                log_error("--timeout=%s: expected seconds, 0 to 86400", optarg);
                                return -EINVAL;
                        }
                        arg_timeout_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case ARG_CHECK:
                        arg_check = true;
                        break;
                case ARG_BUILDING:
                        arg_building = optarg;
                        break;
                case ARG_MAKE: {
                        DevName dn;

                        if (devname_parse(optarg, &dn) < 0 || !streq(dn.prefix, "xvd")) {
                                log_error(
                                        "--make %s: expected a Xen device, /dev/xvdX or /dev/xvdXN", optarg);
                                return -EINVAL;
                        }
                        arg_make = optarg;
                        break;
                }
                case 'q':
                        log_set_max_level(LOG_LEVEL_WARNING);
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
        arg_options.disks = arg_disks;
        arg_options.nics = arg_nics;
        return 1;
}

int main(int argc, char *argv[]) {
        Migration m = MIGRATION_INIT;
        int r, ret = EXIT_USAGE;

        log_set_program("migratectl");
        r = parse_argv(argc, argv);
        if (r <= 0) {
                strv_free(arg_disks);
                strv_free(arg_nics);
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        }
        if (optind != argc - 1) {
                log_error("expected one command (plan, apply, rollback, arm, status, boot, clean, links, "
                          "initramfs); see --help");
                strv_free(arg_disks);
                strv_free(arg_nics);
                return EXIT_USAGE;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(argv[optind], verbs[i].name))
                        continue;
                /* At boot the running system says where we are, even for the initramfs's /sysroot. */
                arg_options.detect_live = verbs[i].fn == verb_boot;
                arg_options.record_only = verbs[i].fn == verb_status;
                r = migration_open(&m, &arg_options);
                /* status has its own exit codes: 2 there means degraded. */
                ret = r < 0 ? (verbs[i].fn == verb_status ? STATUS_EXIT_FAILED : exit_for(r))
                            : verbs[i].fn(&m);
                migration_done(&m);
                strv_free(arg_disks);
                strv_free(arg_nics);
                return ret;
        }
        log_error("unknown command \"%s\"; see --help", argv[optind]);
        strv_free(arg_disks);
        strv_free(arg_nics);
        return ret;
}
