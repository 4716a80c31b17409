/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * migratectl: the command line. It parses arguments and calls the steps;
 * everything it knows about migrating lives in the modules.
 */

#include <getopt.h>
#include <time.h>

#include "migrate.h"
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

static MigrateOptions arg_options = { .root = "/", .hypervisor = _HYPERVISOR_INVALID, .form = REWRITE_UUID };
static char **arg_disks = NULL;
static size_t arg_n_disks = 0;
static bool arg_json = false;

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
               "  status     print the state record\n"
               "\n"
               "Options:\n"
               "  --root DIR              operate on the guest root DIR (default /)\n"
               "  --disk NAME=PATH        the guest sees PATH (block device or image file) as\n"
               "                          /dev/NAME; replaces enumeration; repeatable\n"
               "  --hypervisor kvm|xen    do not detect the hypervisor\n"
               "  --rewrite=uuid|name     spell devices as UUID= (default) or /dev/sdX\n"
               "  --json                  status: one JSON object\n"
               "  -q, --quiet             only errors\n"
               "  -h, --help              this text\n"
               "      --version           the version\n"
               "\n"
               "Exit codes of plan, apply, rollback, arm:\n"
               "  0 done (or nothing to do), 1 failed, 2 refused: a device could not be mapped\n"
               "  with certainty or a file could not be parsed, and nothing was changed,\n"
               "  64 usage error.\n"
               "Exit codes of status:\n"
               "  0 done, not-needed, armed or rolled-back, 1 failed, 2 degraded (some edits\n"
               "  done, some not), 3 pending or running.\n");
}

static int print_problems(const Migration *m) {
        for (size_t i = 0; i < m->n_warnings; i++)
                log_warning("%s", m->warnings[i]);
        for (size_t i = 0; i < m->n_errors; i++)
                log_error("%s", m->errors[i]);
        return 0;
}

static int exit_for(int r) {
        if (r == -ENXIO || r == -EBADMSG || r == -ESTALE || r == -EEXIST)
                return EXIT_REFUSED;
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

static int verb_plan(Migration *m) {
        _cleanup_free_ char *diff = NULL;
        int r;

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
        return exit_for(r);
}

static int verb_rollback(Migration *m) {
        const MigrateHooks hooks = { .file = on_file };
        int r;

        r = migration_rollback(m, &hooks);
        if (r == -ENOENT)
                log_error("nothing to roll back: no backup in /var/lib/kvmigrate/backup");
        return r < 0 ? EXIT_FAILED : EXIT_OK;
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

static int verb_status(Migration *m) {
        _cleanup_(state_record_done) StateRecord rec = {};
        int r;

        r = state_load(m->rootfd, &rec);
        if (r < 0 && r != -ENOENT)
                return EXIT_FAILED;

        if (arg_json) {
                _cleanup_free_ char *json = NULL;
                r = state_to_json(&rec, false, &json);
                if (r < 0)
                        return EXIT_FAILED;
                puts(json);
                return status_exit(rec.state);
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
        for (size_t i = 0; i < rec.n_edits; i++)
                printf("%12s%s %s (%s) %s\n", i == 0 ? "Edits" : "", i == 0 ? ":" : " ", rec.edits[i].path,
                        rec.edits[i].fixer, rec.edits[i].result);
        for (char **w = rec.warnings; w && *w; w++)
                printf("%12s%s %s\n", w == rec.warnings ? "Warnings" : "", w == rec.warnings ? ":" : " ",
                        *w);
        for (char **e = rec.errors; e && *e; e++)
                printf("%12s%s %s\n", e == rec.errors ? "Errors" : "", e == rec.errors ? ":" : " ", *e);
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
};

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_DISK, ARG_HYPERVISOR, ARG_REWRITE, ARG_JSON, ARG_VERSION };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "disk", required_argument, NULL, ARG_DISK },
                { "hypervisor", required_argument, NULL, ARG_HYPERVISOR },
                { "rewrite", required_argument, NULL, ARG_REWRITE },
                { "json", no_argument, NULL, ARG_JSON },
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
                        if (strv_push(&arg_disks, &arg_n_disks, strdup(optarg)) < 0)
                                return -ENOMEM;
                        break;
                case ARG_HYPERVISOR:
                        arg_options.hypervisor = hypervisor_from_string(optarg);
                        if (arg_options.hypervisor == _HYPERVISOR_INVALID) {
                                log_error("--hypervisor %s: expected kvm, qemu, xen or none", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_REWRITE:
                        if (streq(optarg, "uuid"))
                                arg_options.form = REWRITE_UUID;
                        else if (streq(optarg, "name"))
                                arg_options.form = REWRITE_NAME;
                        else {
                                log_error("--rewrite=%s: expected uuid or name", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
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
        return 1;
}

int main(int argc, char *argv[]) {
        Migration m = { .rootfd = -1 };
        int r, ret = EXIT_USAGE;

        log_set_program("migratectl");
        r = parse_argv(argc, argv);
        if (r <= 0) {
                strv_free(arg_disks);
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        }
        if (optind != argc - 1) {
                log_error("expected one command (plan, apply, rollback, arm, status); see --help");
                strv_free(arg_disks);
                return EXIT_USAGE;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(argv[optind], verbs[i].name))
                        continue;
                r = migration_open(&m, &arg_options);
                ret = r < 0 ? EXIT_FAILED : verbs[i].fn(&m);
                migration_done(&m);
                strv_free(arg_disks);
                return ret;
        }
        log_error("unknown command \"%s\"; see --help", argv[optind]);
        strv_free(arg_disks);
        return ret;
}
