/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fixture.h"

#define UUID_DATA "0e0c6a1d-2b3c-4d5e-9f60-718293a4b5c6"
#define UUID_SWAP "c3f4a1b2-1111-4222-8333-944455566677"
/* systemd-escape --path of the by-uuid links: '-' in a component is \x2d. */
#define UNIT_DATA "dev-disk-by\\x2duuid-0e0c6a1d\\x2d2b3c\\x2d4d5e\\x2d9f60\\x2d718293a4b5c6"
#define UNIT_SWAP "dev-disk-by\\x2duuid-c3f4a1b2\\x2d1111\\x2d4222\\x2d8333\\x2d944455566677"

#define UNITDIR "/etc/systemd/system"

/* xvdb is a partitioned disk now called sdb (no identity of its own), xvdb1 its ext4, xvdc a swap disk. */
static Device new_devices[] = {
        { .name = "sdb", .ptuuid = "1c2d3e4f" },
        { .name = "sdb1", .type = "ext4", .uuid = UUID_DATA, .partition = true },
        { .name = "sdc", .type = "swap", .uuid = UUID_SWAP },
        { .name = "sdd", .type = "xfs", .label = "data 50%" },
};

static MapEntry entries[] = {
        { .old_name = "xvdb", .new = &new_devices[0], .method = MAP_METHOD_PTUUID },
        { .old_name = "xvdb1", .new = &new_devices[1], .method = MAP_METHOD_UUID },
        { .old_name = "xvdc", .new = &new_devices[2], .method = MAP_METHOD_UUID },
        { .old_name = "xvdd", .new = &new_devices[3], .method = MAP_METHOD_LABEL },
};

static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

/* Type= after What=, blanks before What=, and a continued Description= that only looks like a What=. */
static const char data_mount[] = "[Unit]\n"
                                 "Description=Data disk \\\n"
                                 "  What=/dev/xvdq\n"
                                 "After=dev-xvdb1.device  local-fs-pre.target\n"
                                 "\n"
                                 "[Mount]\n"
                                 "\t What = /dev/xvdb1\n"
                                 "Where=/data\n"
                                 "; Type=xfs\n"
                                 "Type=ext4\n"
                                 "Options=noatime";

static const char data_mount_fixed[] = "[Unit]\n"
                                       "Description=Data disk \\\n"
                                       "  What=/dev/xvdq\n"
                                       "After=" UNIT_DATA ".device  local-fs-pre.target\n"
                                       "\n"
                                       "[Mount]\n"
                                       "\t What = /dev/disk/by-uuid/" UUID_DATA "\n"
                                       "Where=/data\n"
                                       "; Type=xfs\n"
                                       "Type=ext4\n"
                                       "Options=noatime";

static const char swap_unit[] = "[Unit]\n"
                                "Description=Swap on the second disk\n"
                                "\n"
                                "[Swap]\n"
                                "What=/dev/xvdc\n"
                                "Priority=10\n";

static const char swap_unit_fixed[] = "[Unit]\n"
                                      "Description=Swap on the second disk\n"
                                      "\n"
                                      "[Swap]\n"
                                      "What=/dev/disk/by-uuid/" UUID_SWAP "\n"
                                      "Priority=10\n";

static const char storage_service[] = "[Unit]\n"
                                      "Description=Storage agent\n"
                                      "Requires=dev-xvdb.device\n"
                                      "Wants=dev-xvdb1.device\tnetwork-online.target\n"
                                      "After=dev-xvdb.device dev-xvdb1.device dev-xvdc.swap\n"
                                      "BindsTo=dev-sdz.device\n"
                                      "RequiresMountsFor=/dev/xvdb1\n"
                                      "\n"
                                      "[Service]\n"
                                      "Type=oneshot\n"
                                      "ExecStart=/usr/bin/true dev-xvdb.device\n";

static const char storage_service_fixed[] = "[Unit]\n"
                                            "Description=Storage agent\n"
                                            "Requires=dev-sdb.device\n"
                                            "Wants=" UNIT_DATA ".device\tnetwork-online.target\n"
                                            "After=dev-sdb.device " UNIT_DATA ".device " UNIT_SWAP ".swap\n"
                                            "BindsTo=dev-sdz.device\n"
                                            "RequiresMountsFor=/dev/xvdb1\n"
                                            "\n"
                                            "[Service]\n"
                                            "Type=oneshot\n"
                                            "ExecStart=/usr/bin/true dev-xvdb.device\n";

static void assert_edit(const Edit *e, const char *path, FileKind old_kind, const char *old,
        FileKind new_kind, const char *new, const char *reason) {
        fixture_assert_edit(e, "units", path, old_kind, old, new_kind, new);
        assert_string_equal(e->reason, reason);
}

static bool has_warning(const Plan *p, const char *w) {
        for (size_t i = 0; i < p->n_warnings; i++)
                if (streq(p->warnings[i], w))
                        return true;
        return false;
}

/* The whole guest: a mount, an enabled swap unit, a service, and what must be left alone. */
static void make_guest(int rootfd) {
        fixture_write(rootfd, "etc/systemd/system/data.mount", data_mount);
        fixture_write(rootfd, "etc/systemd/system/dev-xvdc.swap", swap_unit);
        fixture_symlink(
                rootfd, "etc/systemd/system/swap.target.wants/dev-xvdc.swap", UNITDIR "/dev-xvdc.swap");
        fixture_symlink(
                rootfd, "etc/systemd/system/local-fs.target.requires/dev-xvdc.swap", "../dev-xvdc.swap");
        /* Another unit enabled next to it stays where it is. */
        fixture_symlink(rootfd, "etc/systemd/system/swap.target.wants/other.swap", UNITDIR "/other.swap");
        fixture_write(rootfd, "etc/systemd/system/dev-xvdc.swap.d/override.conf", "[Swap]\nPriority=5\n");
        fixture_write(rootfd, "etc/systemd/system/storage.service", storage_service);
        fixture_write(rootfd, "etc/systemd/system/clean.target", "[Unit]\nWants=dev-sda1.device\n");
        /* A symlink is an alias or a mask, not unit text: never read, even when it leads to a unit. */
        fixture_write(rootfd, "usr/lib/systemd/system/vendor.mount", "[Mount]\nWhat=/dev/xvdz\nWhere=/v\n");
        fixture_symlink(rootfd, "etc/systemd/system/vendor.mount", "/usr/lib/systemd/system/vendor.mount");
        fixture_symlink(rootfd, "etc/systemd/system/tmp.mount", "/dev/null");
        /* Not a unit kind this fixer reads. */
        fixture_write(rootfd, "etc/systemd/system/notes.txt", "What=/dev/xvdb1\n");
        fixture_write(rootfd, "etc/systemd/system/x.socket", "[Unit]\nAfter=dev-xvdb1.device\n");
        /* Below the top level. */
        fixture_write(rootfd, "etc/systemd/system/sub/deep.mount", "[Mount]\nWhat=/dev/xvdb1\n");
}

static void test_registered(void **state) {
        bool found = false;

        (void) state;
        for (const Fixer *const *f = fixer_table; *f; f++)
                if (*f == &fixer_units)
                        found = true;
        assert_true(found);
        assert_string_equal(fixer_units.name, "units");
}

static void test_missing(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        /* No /etc/systemd at all, then an empty folder. */
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(mkdir_p_at(root->fd, "etc/systemd/system", 0755), 0);
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        c.mapping = &mapping;
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_scan(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        make_guest(root->fd);
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(c.n_refs, 8);
        fixture_assert_refs(c.refs, c.n_refs,
                FIXTURE_STRV("xvdb1 - " UNITDIR "/data.mount:4", "xvdb1 ext4 " UNITDIR "/data.mount:7",
                        "xvdc swap " UNITDIR "/dev-xvdc.swap:5", "xvdb - " UNITDIR "/storage.service:3",
                        "xvdb1 - " UNITDIR "/storage.service:4", "xvdb - " UNITDIR "/storage.service:5",
                        "xvdb1 - " UNITDIR "/storage.service:5", "xvdc swap " UNITDIR "/storage.service:5"));
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_rewrite(void **state) {
        static const char reason[] = "old device names; dev-xvdc.swap is now " UNIT_SWAP
                                     ".swap (a swap unit is named after What=)";
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        make_guest(root->fd);
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        assert_int_equal(plan.n_edits, 8);

        assert_edit(&plan.edits[0], UNITDIR "/data.mount", FILE_REGULAR, data_mount, FILE_REGULAR,
                data_mount_fixed, "old device names");
        /* The swap unit moves to the name of its new What=, and so do the links that enable it. */
        assert_edit(&plan.edits[1], UNITDIR "/dev-xvdc.swap", FILE_REGULAR, swap_unit, FILE_ABSENT, NULL,
                reason);
        assert_edit(&plan.edits[2], UNITDIR "/" UNIT_SWAP ".swap", FILE_ABSENT, NULL, FILE_REGULAR,
                swap_unit_fixed, reason);
        assert_edit(&plan.edits[3], UNITDIR "/local-fs.target.requires/dev-xvdc.swap", FILE_SYMLINK,
                "../dev-xvdc.swap", FILE_ABSENT, NULL, reason);
        assert_edit(&plan.edits[4], UNITDIR "/local-fs.target.requires/" UNIT_SWAP ".swap", FILE_ABSENT,
                NULL, FILE_SYMLINK, "../" UNIT_SWAP ".swap", reason);
        assert_edit(&plan.edits[5], UNITDIR "/swap.target.wants/dev-xvdc.swap", FILE_SYMLINK,
                UNITDIR "/dev-xvdc.swap", FILE_ABSENT, NULL, reason);
        assert_edit(&plan.edits[6], UNITDIR "/swap.target.wants/" UNIT_SWAP ".swap", FILE_ABSENT, NULL,
                FILE_SYMLINK, UNITDIR "/" UNIT_SWAP ".swap", reason);
        assert_edit(&plan.edits[7], UNITDIR "/storage.service", FILE_REGULAR, storage_service, FILE_REGULAR,
                storage_service_fixed, "old device names");

        assert_int_equal(plan.n_warnings, 4);
        assert_true(has_warning(&plan,
                UNITDIR "/storage.service:3: sdb has no UUID, LABEL or PARTUUID; naming it "
                        "/dev/sdb, which may change from one boot to the next"));
        assert_true(has_warning(&plan,
                UNITDIR "/storage.service:5: sdb has no UUID, LABEL or PARTUUID; naming it "
                        "/dev/sdb, which may change from one boot to the next"));
        assert_true(has_warning(&plan,
                UNITDIR "/dev-xvdc.swap: renamed to " UNIT_SWAP ".swap, since systemd "
                        "requires a swap unit to be named after its What="));
        assert_true(has_warning(&plan,
                UNITDIR "/dev-xvdc.swap.d: belongs to the old name dev-xvdc.swap; move it to " UNIT_SWAP
                        ".swap.d by hand"));
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_fixed_is_left_alone(void **state) {
        FixtureRoot *root = *state;

        /* The guest as the plan leaves it: nothing names an old device any more. */
        fixture_write(root->fd, "etc/systemd/system/data.mount", data_mount_fixed);
        fixture_write(root->fd, "etc/systemd/system/" UNIT_SWAP ".swap", swap_unit_fixed);
        fixture_symlink(root->fd, "etc/systemd/system/swap.target.wants/" UNIT_SWAP ".swap",
                UNITDIR "/" UNIT_SWAP ".swap");
        fixture_write(root->fd, "etc/systemd/system/storage.service", storage_service_fixed);
        fixture_assert_idempotent(
                &fixer_units, root->fd, &(const FixtureGuest){ .mapping = &mapping }, false);
}

static void test_rewrite_name(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping, .form = REWRITE_NAME };

        fixture_write(root->fd, "etc/systemd/system/data.mount",
                "[Unit]\nAfter=dev-xvdb1.device\n[Mount]\nWhat=/dev/disk/by-path/"
                "xen-vbd-51728-part1\nType=ext4\n");
        fixture_write(root->fd, "etc/systemd/system/dev-xvdc.swap", "[Swap]\nWhat=/dev/xvdc\n");
        fixture_symlink(root->fd, "etc/systemd/system/swap.target.wants/dev-xvdc.swap", "dev-xvdc.swap");

        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(plan.n_edits, 5);
        assert_edit(&plan.edits[0], UNITDIR "/data.mount", FILE_REGULAR,
                "[Unit]\nAfter=dev-xvdb1.device\n[Mount]\nWhat=/dev/disk/by-path/"
                "xen-vbd-51728-part1\nType=ext4\n",
                FILE_REGULAR, "[Unit]\nAfter=dev-sdb1.device\n[Mount]\nWhat=/dev/sdb1\nType=ext4\n",
                "old device names");
        assert_edit(&plan.edits[1], UNITDIR "/dev-xvdc.swap", FILE_REGULAR, "[Swap]\nWhat=/dev/xvdc\n",
                FILE_ABSENT, NULL,
                "old device names; dev-xvdc.swap is now dev-sdc.swap (a swap unit is named after What=)");
        assert_edit(&plan.edits[2], UNITDIR "/dev-sdc.swap", FILE_ABSENT, NULL, FILE_REGULAR,
                "[Swap]\nWhat=/dev/sdc\n",
                "old device names; dev-xvdc.swap is now dev-sdc.swap (a swap unit is named after What=)");
        assert_edit(&plan.edits[3], UNITDIR "/swap.target.wants/dev-xvdc.swap", FILE_SYMLINK,
                "dev-xvdc.swap", FILE_ABSENT, NULL,
                "old device names; dev-xvdc.swap is now dev-sdc.swap (a swap unit is named after What=)");
        assert_edit(&plan.edits[4], UNITDIR "/swap.target.wants/dev-sdc.swap", FILE_ABSENT, NULL,
                FILE_SYMLINK, "dev-sdc.swap",
                "old device names; dev-xvdc.swap is now dev-sdc.swap (a swap unit is named after What=)");
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_label(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        /*
         * udev's link for the label "data 50%" is by-label/data\x2050%: in What= the '%' must be doubled or
         * it starts a specifier; the device unit escapes both '\' and '%' (as systemd-escape --path does).
         */
        fixture_write(root->fd, "etc/systemd/system/srv.mount",
                "[Unit]\nBindsTo=dev-xvdd.device\n[Mount]\nWhat=/dev/xvdd\nWhere=/srv\nType=xfs\n");
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_edit(&plan.edits[0], UNITDIR "/srv.mount", FILE_REGULAR,
                "[Unit]\nBindsTo=dev-xvdd.device\n[Mount]\nWhat=/dev/xvdd\nWhere=/srv\nType=xfs\n",
                FILE_REGULAR,
                "[Unit]\nBindsTo=dev-disk-by\\x2dlabel-data\\x5cx2050\\x25.device\n"
                "[Mount]\nWhat=/dev/disk/by-label/data\\x2050%%\nWhere=/srv\nType=xfs\n",
                "old device names");
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_misnamed_swap(void **state) {
        static const char reason[] =
                "old device names; myswap.swap is now " UNIT_SWAP ".swap (a swap unit is named after What=)";
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        /* systemd never loaded it under this name; after the move it will, under the name it insists on. */
        fixture_write(root->fd, "etc/systemd/system/myswap.swap", "[Swap]\nWhat=/dev/xvdc\n");
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(plan.n_edits, 2);
        assert_edit(&plan.edits[0], UNITDIR "/myswap.swap", FILE_REGULAR, "[Swap]\nWhat=/dev/xvdc\n",
                FILE_ABSENT, NULL, reason);
        assert_edit(&plan.edits[1], UNITDIR "/" UNIT_SWAP ".swap", FILE_ABSENT, NULL, FILE_REGULAR,
                "[Swap]\nWhat=/dev/disk/by-uuid/" UUID_SWAP "\n", reason);
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_swap_name_taken(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        /* The new name exists already: the plan must not overwrite it. */
        fixture_write(root->fd, "etc/systemd/system/dev-xvdc.swap", swap_unit);
        fixture_write(root->fd, "etc/systemd/system/" UNIT_SWAP ".swap", "[Swap]\nWhat=/dev/sdq\n");
        assert_int_equal(fixer_units.run(&c), -EEXIST);
        assert_int_equal(plan.n_edits, 0);
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "[Mount]\nWhat /dev/xvdb1\n", /* no '=' */
                "[Mount\nWhat=/dev/xvdb1\n", /* an unclosed section */
                "[Unit]\n=dev-xvdb1.device\n", /* no key */
                "[Unit]\nAfter=local-fs-pre.target \\\n dev-xvdb1.device\n", /* a setting it edits, continued
                                                                              */
                "[Mount]\nWhat=\\\n/dev/xvdb1\n",
        };

        (void) state;
        /* Both passes refuse, and nothing is recorded from a file that cannot be read. */
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(
                        fixture_assert_refused(&fixer_units, &(const FixtureGuest){ .mapping = &mapping },
                                "etc/systemd/system/bad.mount", bad[i], -EBADMSG),
                        0);
}

static void test_continued_other_setting(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        /*
         * A continued setting the fixer does not edit is fine, a comment inside it is skipped (as systemd
         * does), and "\\" at the end is an escaped backslash, not a continuation.
         */
        fixture_write(root->fd, "etc/systemd/system/job.service",
                "[Service]\n"
                "ExecStart=/bin/sh -c \\\n"
                "# a comment in between\n"
                "  'echo After=dev-xvdb.device'\n"
                "Environment=A=\\\\\n"
                "After=dev-xvdb1.device\n");
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(c.n_refs, 1);
        fixture_assert_refs(c.refs, c.n_refs, FIXTURE_STRV("xvdb1 - " UNITDIR "/job.service:6"));
        fixer_context_done(&c);
        plan_done(&plan);
}

/*
 * Which units the guest boots without: a .mount or .swap that nothing
 * requires, and that says so (Options= with nofail, or WantedBy= only).
 */
static void test_optional_scan(void **state) {
        static const struct {
                const char *name;
                const char *text;
                bool optional;
        } units[] = {
                { "a.mount", "[Mount]\nWhat=/dev/xvde\nWhere=/a\nOptions=noatime,nofail\n", true },
                { "b.mount", "[Mount]\nWhat=/dev/xvdf\nWhere=/b\n[Install]\nWantedBy=local-fs.target\n",
                        true },
                { "c.mount", "[Mount]\nWhat=/dev/xvdg\nWhere=/c\n[Install]\nRequiredBy=local-fs.target\n",
                        false },
                /* nofail, but required all the same: local-fs.target fails without it. */
                { "d.mount",
                        "[Mount]\nWhat=/dev/xvdh\nWhere=/d\nOptions=nofail\n[Install]\nWantedBy=a.target\n"
                        "RequiredBy=local-fs.target\n",
                        false },
                /* Enabled through a .requires/ link, whatever [Install] says now. */
                { "e.mount", "[Mount]\nWhat=/dev/xvdi\nWhere=/e\n[Install]\nWantedBy=local-fs.target\n",
                        false },
                { "f.mount", "[Mount]\nWhat=/dev/xvdj\nWhere=/f\nOptions=x-nofail,nofailover\n", false },
                /* The last Options= counts; an empty WantedBy= resets the list. */
                { "g.mount", "[Mount]\nWhat=/dev/xvdk\nWhere=/g\nOptions=nofail\nOptions=noatime\n", false },
                { "h.mount", "[Mount]\nWhat=/dev/xvdl\nWhere=/h\n[Install]\nWantedBy=x.target\nWantedBy=\n",
                        false },
                /* A RequiredBy= continued onto the next line is taken as a requirement. */
                { "i.mount",
                        "[Mount]\nWhat=/dev/xvdm\nWhere=/i\nOptions=nofail\n[Install]\nRequiredBy=a.target "
                        "\\\n"
                        "  b.target\n",
                        false },
                { "dev-xvdn.swap", "[Swap]\nWhat=/dev/xvdn\nOptions=nofail\n", true },
                { "dev-xvdo.swap",
                        "[Swap]\nWhat=/dev/xvdo\n[Install]\nWantedBy=swap.target\nUpheldBy=swap.target\n",
                        false },
                { "plain.mount", "[Mount]\nWhat=/dev/xvdp\nWhere=/plain\n", false },
        };
        FixtureRoot *root = *state;
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_(fixer_context_done) FixerContext c = { .rootfd = root->fd, .plan = &plan };

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *path = NULL;

                assert_true(asprintf(&path, "etc/systemd/system/%s", units[i].name) > 0);
                fixture_write(root->fd, path, units[i].text);
        }
        fixture_symlink(root->fd, "etc/systemd/system/local-fs.target.requires/e.mount", "../e.mount");

        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(c.n_refs, ELEMENTSOF(units));
        for (size_t i = 0; i < c.n_refs; i++) {
                const char *base = strrchr(c.refs[i].where, '/') + 1;
                bool found = false;

                for (size_t k = 0; k < ELEMENTSOF(units); k++)
                        if (startswith(base, units[k].name) && base[strlen(units[k].name)] == ':') {
                                found = true;
                                if (c.refs[i].optional != units[k].optional)
                                        fail_msg("%s: optional is %s, wanted %s", c.refs[i].where,
                                                c.refs[i].optional ? "true" : "false",
                                                units[k].optional ? "true" : "false");
                        }
                assert_true(found);
        }
}

/* The rewrite pass leaves the What= of an optional unit whose device is not mapped as it is. */
static void test_optional_rewrite(void **state) {
        FixtureRoot *root = *state;
        _cleanup_(fixture_run_done) FixtureRun run = {};
        const char *eph = "[Mount]\nWhat=/dev/xvdz\nWhere=/mnt/ephemeral\nOptions=defaults,nofail\n";

        fixture_write(root->fd, "etc/systemd/system/mnt-ephemeral.mount", eph);
        fixture_write(root->fd, "etc/systemd/system/data.mount", data_mount);
        assert_int_equal(
                fixture_run(&run, &fixer_units, root->fd, &(const FixtureGuest){ .mapping = &mapping }), 0);
        assert_int_equal(run.plan.n_edits, 1);
        fixture_assert_edit(&run.plan.edits[0], "units", UNITDIR "/data.mount", FILE_REGULAR, data_mount,
                FILE_REGULAR, data_mount_fixed);

        /* Required: the run stops. */
        fixture_write(root->fd, "etc/systemd/system/mnt-ephemeral.mount",
                "[Mount]\nWhat=/dev/xvdz\nWhere=/mnt/ephemeral\n[Install]\nRequiredBy=local-fs.target\n");
        assert_int_equal(
                fixture_run(&run, &fixer_units, root->fd, &(const FixtureGuest){ .mapping = &mapping }),
                -ENXIO);
}

static void test_words(void **state) {
        FixtureRoot *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        /* Only dev-*.device and dev-*.swap names of old devices count; specifiers and junk are left alone.
         */
        fixture_write(root->fd, "etc/systemd/system/w.target",
                "[Unit]\n"
                "Wants=dev-xvdb1.mount xvdb1.device dev-xvd%i.device dev-xvdb1.devices "
                "dev-xvdb1\\xzz.device\n"
                "Before=dev-disk-by\\x2dpath-xen\\x2dvbd\\x2d51744.device\n"
                "PartOf=sys-devices-vbd\\x2d51712-block-xvda.device\n"
                "Conflicts=dev-xvdz.swap\n");
        assert_int_equal(fixer_units.run(&c), 0);
        assert_int_equal(c.n_refs, 2);
        fixture_assert_refs(c.refs, c.n_refs,
                FIXTURE_STRV("xvdc - " UNITDIR "/w.target:3", "xvdz swap " UNITDIR "/w.target:5"));
        fixer_context_done(&c);
        plan_done(&plan);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registered),
                FIXTURE_ROOT_TEST(test_missing),
                FIXTURE_ROOT_TEST(test_scan),
                FIXTURE_ROOT_TEST(test_rewrite),
                FIXTURE_ROOT_TEST(test_fixed_is_left_alone),
                FIXTURE_ROOT_TEST(test_rewrite_name),
                FIXTURE_ROOT_TEST(test_label),
                FIXTURE_ROOT_TEST(test_misnamed_swap),
                FIXTURE_ROOT_TEST(test_swap_name_taken),
                cmocka_unit_test(test_malformed),
                FIXTURE_ROOT_TEST(test_continued_other_setting),
                FIXTURE_ROOT_TEST(test_words),
                FIXTURE_ROOT_TEST(test_optional_scan),
                FIXTURE_ROOT_TEST(test_optional_rewrite),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
