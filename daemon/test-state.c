/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "fixture.h"
#include "state.h"

#define UUID_ROOT "0b5d7d2a-8f0e-4c52-9d2e-3f1a6b7c8d9e"

static const char full_text[] =
        "# kvmigrate state record; see migratectl(1)\n"
        "state=done\n"
        "hypervisor=kvm\n"
        "mode=virtio-scsi+virtio-net\n"
        "started=1732412345000000\n"
        "finished=1732412345100000\n"
        "mapping old=xvda new=sda uuid=" UUID_ROOT " label=root type=ext4 method=uuid\n"
        "mapping old=xvdc2 new=sdb2 type=swap method=order\n"
        "nic old=enX0 new=ens3 old-mac=00:16:3e:5a:01:02 new-mac=52:54:00:12:34:56 method=only\n"
        "edit path=/etc/fstab fixer=fstab result=applied\n"
        "edit path=/boot/grub/menu.lst fixer=grub-legacy\n"
        "warning message=sd\\x20names\\x20are\\x20not\\x20stable\n"
        "error message=xvdb:\\x20no\\x20device\n";

static const char full_json[] =
        "{\"state\":\"done\",\"hypervisor\":\"kvm\",\"mode\":\"virtio-scsi+virtio-net\","
        "\"started\":1732412345000000,\"finished\":1732412345100000,"
        "\"mappings\":["
        "{\"old\":\"xvda\",\"new\":\"sda\",\"uuid\":\"" UUID_ROOT "\",\"label\":\"root\",\"type\":\"ext4\","
        "\"method\":\"uuid\"},"
        "{\"old\":\"xvdc2\",\"new\":\"sdb2\",\"uuid\":null,\"label\":null,\"type\":\"swap\",\"method\":"
        "\"order\"}],"
        "\"nics\":[{\"old\":\"enX0\",\"new\":\"ens3\",\"old_mac\":\"00:16:3e:5a:01:02\","
        "\"new_mac\":\"52:54:00:12:34:56\",\"method\":\"only\"}],"
        "\"edits\":["
        "{\"path\":\"/etc/fstab\",\"fixer\":\"fstab\",\"result\":\"applied\"},"
        "{\"path\":\"/boot/grub/menu.lst\",\"fixer\":\"grub-legacy\",\"result\":null}],"
        "\"warnings\":[\"sd names are not stable\"],"
        "\"errors\":[\"xvdb: no device\"]}";

#define assert_streq_ptr(a, b)                                                                              \
        do {                                                                                                \
                const char *_a = (a), *_b = (b);                                                            \
                if (!_a || !_b)                                                                             \
                        assert_ptr_equal(_a, _b);                                                           \
                else                                                                                        \
                        assert_string_equal(_a, _b);                                                        \
        } while (0)

static void fill_full(StateRecord *r) {
        *r = (StateRecord){};
        r->state = MIGRATION_DONE;
        assert_int_equal(strdup_to(&r->hypervisor, "kvm"), 0);
        assert_int_equal(strdup_to(&r->mode, "virtio-scsi+virtio-net"), 0);
        r->started_usec = 1732412345000000ULL;
        r->finished_usec = 1732412345100000ULL;
        assert_int_equal(state_record_add_mapping(r, "xvda", "sda", UUID_ROOT, "root", "ext4", "uuid"), 0);
        assert_int_equal(state_record_add_mapping(r, "xvdc2", "sdb2", NULL, NULL, "swap", "order"), 0);
        assert_int_equal(
                state_record_add_nic(r, "enX0", "ens3", "00:16:3e:5a:01:02", "52:54:00:12:34:56", "only"),
                0);
        assert_int_equal(state_record_add_edit(r, "/etc/fstab", "fstab", "applied"), 0);
        assert_int_equal(state_record_add_edit(r, "/boot/grub/menu.lst", "grub-legacy", NULL), 0);
        assert_int_equal(state_record_add_warning(r, "sd names are not stable"), 0);
        assert_int_equal(state_record_add_error(r, "xvdb: no device"), 0);
}

static void assert_strv_equal(char **a, char **b) {
        assert_int_equal(strv_length(a), strv_length(b));
        for (size_t i = 0; i < strv_length(a); i++)
                assert_string_equal(a[i], b[i]);
}

static void assert_record_equal(const StateRecord *a, const StateRecord *b) {
        assert_int_equal(a->state, b->state);
        assert_streq_ptr(a->hypervisor, b->hypervisor);
        assert_streq_ptr(a->mode, b->mode);
        assert_int_equal(a->started_usec, b->started_usec);
        assert_int_equal(a->finished_usec, b->finished_usec);
        assert_int_equal(a->n_mappings, b->n_mappings);
        for (size_t i = 0; i < a->n_mappings; i++) {
                assert_streq_ptr(a->mappings[i].old_name, b->mappings[i].old_name);
                assert_streq_ptr(a->mappings[i].new_name, b->mappings[i].new_name);
                assert_streq_ptr(a->mappings[i].uuid, b->mappings[i].uuid);
                assert_streq_ptr(a->mappings[i].label, b->mappings[i].label);
                assert_streq_ptr(a->mappings[i].type, b->mappings[i].type);
                assert_streq_ptr(a->mappings[i].method, b->mappings[i].method);
        }
        assert_int_equal(a->n_edits, b->n_edits);
        for (size_t i = 0; i < a->n_edits; i++) {
                assert_streq_ptr(a->edits[i].path, b->edits[i].path);
                assert_streq_ptr(a->edits[i].fixer, b->edits[i].fixer);
                assert_streq_ptr(a->edits[i].result, b->edits[i].result);
        }
        assert_strv_equal(a->warnings, b->warnings);
        assert_strv_equal(a->errors, b->errors);
}

static void test_state_names(void **state) {
        static const char *const names[_MIGRATION_STATE_MAX] = {
                "not-needed",
                "armed",
                "pending",
                "running",
                "done",
                "degraded",
                "failed",
                "rolled-back",
        };
        (void) state;

        for (MigrationState s = 0; s < _MIGRATION_STATE_MAX; s++) {
                assert_string_equal(migration_state_to_string(s), names[s]);
                assert_int_equal(migration_state_from_string(names[s]), s);
        }
        assert_null(migration_state_to_string(_MIGRATION_STATE_MAX));
        assert_null(migration_state_to_string(_MIGRATION_STATE_INVALID));
        assert_int_equal(migration_state_from_string("Done"), _MIGRATION_STATE_INVALID);
        assert_int_equal(migration_state_from_string(""), _MIGRATION_STATE_INVALID);
        assert_int_equal(migration_state_from_string(NULL), _MIGRATION_STATE_INVALID);
}

static void test_state_names_round_trip(void **state) {
        (void) state;

        for (MigrationState s = 0; s < _MIGRATION_STATE_MAX; s++) {
                _cleanup_(state_record_done) StateRecord a = { .state = s }, b = {};
                _cleanup_free_ char *text = NULL, *expected = NULL;

                assert_int_equal(state_format(&a, &text), 0);
                assert_true(asprintf(&expected, "# kvmigrate state record; see migratectl(1)\nstate=%s\n",
                                    migration_state_to_string(s)) > 0);
                assert_string_equal(text, expected);
                assert_int_equal(state_parse(text, "t.state", &b), 0);
                assert_int_equal(b.state, s);
        }
}

static void test_format_full(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};
        _cleanup_free_ char *text = NULL;
        (void) state;

        fill_full(&r);
        assert_int_equal(state_format(&r, &text), 0);
        assert_string_equal(text, full_text);
}

static void test_format_invalid_state(void **state) {
        StateRecord r = { .state = _MIGRATION_STATE_MAX };
        char *text = NULL;
        (void) state;

        assert_int_equal(state_format(&r, &text), -EINVAL);
        assert_null(text);
        assert_int_equal(state_to_json(&r, false, &text), -EINVAL);
        assert_null(text);
}

static void test_parse_full(void **state) {
        _cleanup_(state_record_done) StateRecord expected = {}, r = {};
        (void) state;

        fill_full(&expected);
        assert_int_equal(state_parse(full_text, "t.state", &r), 0);
        assert_record_equal(&r, &expected);
        /* Spot checks, so a bug shared by fill_full() and the comparison cannot hide. */
        assert_string_equal(r.mappings[0].uuid, UUID_ROOT);
        assert_null(r.mappings[1].uuid);
        assert_null(r.edits[1].result);
        assert_string_equal(r.warnings[0], "sd names are not stable");
        assert_int_equal(r.started_usec, 1732412345000000ULL);
}

static void test_round_trip_hostile(void **state) {
        static const char hostile[] = "k v=m \\x20 \\ \"quoted\" 'single'\n2nd line\tté\r#=";
        _cleanup_(state_record_done) StateRecord a = {}, b = {};
        _cleanup_free_ char *text = NULL;
        size_t lines = 0;
        (void) state;

        a.state = MIGRATION_DEGRADED;
        assert_int_equal(strdup_to(&a.hypervisor, hostile), 0);
        assert_int_equal(strdup_to(&a.mode, "#not a comment"), 0);
        a.started_usec = 1;
        a.finished_usec = ULLONG_MAX;
        assert_int_equal(state_record_add_mapping(&a, hostile, "new=sda", "", hostile, "a b", "=="), 0);
        assert_int_equal(state_record_add_edit(&a, "/etc/with space/fstab", hostile, "planned"), 0);
        assert_int_equal(state_record_add_warning(&a, hostile), 0);
        assert_int_equal(state_record_add_warning(&a, ""), 0);
        assert_int_equal(state_record_add_error(&a, "old=xvda new=sdz"), 0);

        assert_int_equal(state_format(&a, &text), 0);
        /* Every value stays on its own line, in plain printable ASCII. */
        for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
                if (*p == '\n')
                        lines++;
                else
                        assert_true(*p >= ' ' && *p < 0x7f);
        }
        assert_int_equal(lines, 1 + 5 + 1 + 1 + 2 + 1);
        assert_non_null(strstr(text, "\nmapping old=k\\x20v\\x3dm\\x20\\x5cx20"));
        assert_non_null(strstr(text, " uuid= "));

        assert_int_equal(state_parse(text, "t.state", &b), 0);
        assert_record_equal(&b, &a);
        assert_string_equal(b.mappings[0].uuid, "");
        assert_string_equal(b.hypervisor, hostile);
}

static void test_parse_lenient(void **state) {
        _cleanup_(state_record_done) StateRecord r = {}, empty = {}, bare = {};
        (void) state;

        assert_int_equal(state_parse("\n   \n# comment\n  # indented=comment\nfuture=1\nstate=armed\n"
                                     "snapshot taken=yes\nmapping old=xvda colour=blue new=sda\n"
                                     "\tedit   path=/etc/fstab\nwarning message=w future=x",
                                 "t.state", &r),
                0);
        assert_int_equal(r.state, MIGRATION_ARMED);
        assert_null(r.hypervisor);
        assert_null(r.mode);
        assert_int_equal(r.started_usec, 0);
        assert_int_equal(r.n_mappings, 1);
        assert_string_equal(r.mappings[0].old_name, "xvda");
        assert_string_equal(r.mappings[0].new_name, "sda");
        assert_null(r.mappings[0].uuid);
        assert_null(r.mappings[0].method);
        assert_int_equal(r.n_edits, 1);
        assert_string_equal(r.edits[0].path, "/etc/fstab");
        assert_null(r.edits[0].fixer);
        assert_int_equal(strv_length(r.warnings), 1);
        assert_string_equal(r.warnings[0], "w");
        assert_null(r.errors);

        /* No state= line: nothing to migrate. */
        assert_int_equal(state_parse("hypervisor=xen\nstarted=0\n", "t.state", &bare), 0);
        assert_int_equal(bare.state, MIGRATION_NOT_NEEDED);
        assert_string_equal(bare.hypervisor, "xen");
        assert_int_equal(bare.started_usec, 0);

        assert_int_equal(state_parse("", "t.state", &empty), 0);
        assert_int_equal(empty.state, MIGRATION_NOT_NEEDED);
        assert_null(empty.hypervisor);
        assert_int_equal(empty.n_mappings, 0);
        assert_null(empty.mappings);
}

static void test_parse_malformed(void **state) {
        static const struct {
                const char *text;
                const char *log;
        } cases[] = {
                { "# c\nstate=exploded\n", "t.state:2: unknown state \"exploded\"" },
                { "state=done\\x0a\n", "t.state:1: unknown state \"done\\x0a\"" },
                { "state\n", "t.state:1: unknown state \"\"" },
                { "state=done\nstate=failed\n", "t.state:2: duplicate state= line" },
                { "hypervisor=kvm\nhypervisor=xen\n", "t.state:2: duplicate hypervisor= line" },
                { "state=done\n\nstarted=12a\n", "t.state:3: started= is not a number of microseconds" },
                { "finished=-5\n", "t.state:1: finished= is not a number of microseconds" },
                { "finished=+5\n", "t.state:1: finished= is not a number of microseconds" },
                { "started=\n", "t.state:1: started= is not a number of microseconds" },
                { "started=99999999999999999999999\n",
                        "t.state:1: started= is not a number of microseconds" },
                { "state=done\nmapping new=sda uuid=x\n", "t.state:2: mapping without old=" },
                { "mapping old=xvda uuid=x\n", "t.state:1: mapping without new=" },
                { "edit fixer=fstab result=applied\n", "t.state:1: edit without path=" },
                { "warning\n", "t.state:1: warning without message=" },
                { "\n\n\nerror text=x\n", "t.state:4: error without message=" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                StateRecord r = { .state = MIGRATION_PENDING };
                _cleanup_free_ char *log = NULL, *expected = NULL;

                fixture_stderr_start();
                assert_int_equal(state_parse(cases[i].text, "t.state", &r), -EBADMSG);
                log = fixture_stderr_end();
                assert_true(asprintf(&expected, "test-state: error: %s\n", cases[i].log) > 0);
                assert_string_equal(log, expected);
                /* A refused record leaves the output alone. */
                assert_int_equal(r.state, MIGRATION_PENDING);
                assert_null(r.hypervisor);
                assert_null(r.mappings);
        }
}

static void test_record_helpers(void **state) {
        StateRecord r = {};
        char *name = strdup("xvda");
        (void) state;

        assert_non_null(name);

        /* The appenders copy: changing the caller's buffer later does not reach the record. */
        assert_int_equal(state_record_add_mapping(&r, name, "sda", NULL, NULL, NULL, NULL), 0);
        assert_int_equal(state_record_add_edit(&r, name, NULL, NULL), 0);
        assert_int_equal(state_record_add_warning(&r, name), 0);
        assert_int_equal(state_record_add_error(&r, NULL), 0);
        /* Freed before use: ASan and the checks below catch a record that kept the pointer. */
        memset(name, 'X', 4);
        free(name);
        assert_string_equal(r.mappings[0].old_name, "xvda");
        assert_string_equal(r.edits[0].path, "xvda");
        assert_string_equal(r.warnings[0], "xvda");
        assert_null(r.warnings[1]);
        assert_string_equal(r.errors[0], "");

        r.state = MIGRATION_FAILED;
        r.started_usec = 5;
        state_record_done(&r);
        assert_int_equal(r.state, MIGRATION_NOT_NEEDED);
        assert_int_equal(r.started_usec, 0);
        assert_null(r.mappings);
        assert_int_equal(r.n_mappings, 0);
        assert_null(r.edits);
        assert_int_equal(r.n_edits, 0);
        assert_null(r.warnings);
        assert_null(r.errors);
        /* Done twice is harmless. */
        state_record_done(&r);
}

static int make_root(char *template) {
        int fd;

        assert_non_null(mkdtemp(template));
        fd = open(template, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void remove_root(int rootfd, const char *root) {
        (void) unlinkat(rootfd, STATE_FILE, 0);
        (void) unlinkat(rootfd, STATE_DIR, AT_REMOVEDIR);
        (void) unlinkat(rootfd, "var/lib", AT_REMOVEDIR);
        (void) unlinkat(rootfd, "var", AT_REMOVEDIR);
        assert_int_equal(rmdir(root), 0);
}

/* The names in the state folder, sorted, joined by spaces. */
static char *list_state_dir(const char *root) {
        struct dirent **entries = NULL;
        _cleanup_free_ char *dir = NULL;
        Buf b = {};
        int n;

        assert_true(asprintf(&dir, "%s/" STATE_DIR, root) > 0);
        n = scandir(dir, &entries, NULL, alphasort);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                if (!streq(entries[i]->d_name, ".") && !streq(entries[i]->d_name, ".."))
                        assert_int_equal(buf_printf(&b, "%s%s", b.len ? " " : "", entries[i]->d_name), 0);
                free(entries[i]);
        }
        free(entries);
        return buf_steal(&b);
}

static void test_save_load(void **state) {
        _cleanup_(state_record_done) StateRecord a = {}, b = {}, c = {}, d = {};
        _cleanup_free_ char *text = NULL, *names = NULL, *names2 = NULL;
        char root[] = "/tmp/test-state-XXXXXX";
        _cleanup_close_ int rootfd = -1;
        mode_t old_umask = umask(0022);
        struct stat st;
        (void) state;

        rootfd = make_root(root);
        fill_full(&a);
        assert_int_equal(state_save(rootfd, &a), 0);

        assert_int_equal(fstatat(rootfd, STATE_DIR, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(fstatat(rootfd, STATE_FILE, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644);
        names = list_state_dir(root);
        assert_string_equal(names, "state");

        assert_int_equal(read_full_at(rootfd, STATE_FILE, &text, NULL), 0);
        assert_string_equal(text, full_text);

        assert_int_equal(state_load(rootfd, &b), 0);
        assert_record_equal(&b, &a);

        /* Overwrite: the mode is put back to 0644 and the new record replaces the old one whole. */
        assert_int_equal(fchmodat(rootfd, STATE_FILE, 0600, 0), 0);
        c.state = MIGRATION_ROLLED_BACK;
        assert_int_equal(state_record_add_error(&c, "rolled back by root"), 0);
        assert_int_equal(state_save(rootfd, &c), 0);
        assert_int_equal(fstatat(rootfd, STATE_FILE, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        names2 = list_state_dir(root);
        assert_string_equal(names2, "state");
        assert_int_equal(state_load(rootfd, &d), 0);
        assert_record_equal(&d, &c);
        assert_null(d.hypervisor);
        assert_int_equal(d.n_mappings, 0);

        remove_root(rootfd, root);
        (void) umask(old_umask);
}

static void test_save_invalid_creates_nothing(void **state) {
        char root[] = "/tmp/test-state-XXXXXX";
        _cleanup_close_ int rootfd = -1;
        StateRecord r = { .state = (MigrationState) 42 };
        struct stat st;
        (void) state;

        rootfd = make_root(root);
        assert_int_equal(state_save(rootfd, &r), -EINVAL);
        assert_int_equal(fstatat(rootfd, "var", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(errno, ENOENT);
        remove_root(rootfd, root);
}

static void test_load_missing(void **state) {
        char root[] = "/tmp/test-state-XXXXXX";
        _cleanup_close_ int rootfd = -1;
        StateRecord r = { .state = MIGRATION_RUNNING };
        (void) state;

        rootfd = make_root(root);
        assert_int_equal(state_load(rootfd, &r), -ENOENT);
        assert_int_equal(mkdir_p_at(rootfd, STATE_DIR, 0755), 0);
        assert_int_equal(state_load(rootfd, &r), -ENOENT);
        assert_int_equal(r.state, MIGRATION_RUNNING);
        remove_root(rootfd, root);
}

static void test_load_malformed(void **state) {
        static const char with_nul[] = "state=done\nhypervisor=kvm\0mode=x\n";
        char root[] = "/tmp/test-state-XXXXXX";
        _cleanup_close_ int rootfd = -1;
        _cleanup_free_ char *log = NULL, *log2 = NULL;
        StateRecord r = {};
        (void) state;

        rootfd = make_root(root);
        assert_int_equal(mkdir_p_at(rootfd, STATE_DIR, 0755), 0);

        assert_int_equal(
                write_file_atomic_at(rootfd, STATE_FILE, "state=done\nstarted=soon\n", 24, 0644), 0);
        fixture_stderr_start();
        assert_int_equal(state_load(rootfd, &r), -EBADMSG);
        log = fixture_stderr_end();
        assert_string_equal(log,
                "test-state: error: /var/lib/kvmigrate/state:2: started= is not a number of microseconds\n");

        /* A NUL byte would hide the rest of the line from the parser. */
        assert_int_equal(write_file_atomic_at(rootfd, STATE_FILE, with_nul, sizeof with_nul - 1, 0644), 0);
        fixture_stderr_start();
        assert_int_equal(state_load(rootfd, &r), -EBADMSG);
        log2 = fixture_stderr_end();
        assert_string_equal(log2, "test-state: error: /var/lib/kvmigrate/state:2: NUL byte in the record\n");

        assert_null(r.hypervisor);
        remove_root(rootfd, root);
}

/* Issue 10: a link out of the root, a FIFO, a folder as the state file: refused at once, path named. */
static void test_load_hostile(void **state) {
        char root[] = "/tmp/test-state-XXXXXX", host[] = "/tmp/test-state-host-XXXXXX";
        _cleanup_close_ int rootfd = -1;
        _cleanup_free_ char *target = NULL, *log = NULL, *log2 = NULL, *log3 = NULL;
        StateRecord r = {};
        FILE *f;
        (void) state;

        rootfd = make_root(root);
        assert_non_null(mkdtemp(host));
        assert_true(asprintf(&target, "%s/state", host) > 0);
        f = fopen(target, "w");
        assert_non_null(f);
        fputs("state=done\nhypervisor=host-secret\n", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(mkdir_p_at(rootfd, STATE_DIR, 0755), 0);

        assert_int_equal(symlinkat(target, rootfd, STATE_FILE), 0);
        fixture_stderr_start();
        assert_int_equal(state_load(rootfd, &r), -ELOOP);
        log = fixture_stderr_end();
        assert_non_null(strstr(log, "/var/lib/kvmigrate/state: cannot read: "));
        assert_null(strstr(log, "host-secret"));
        assert_null(r.hypervisor);
        assert_int_equal(unlinkat(rootfd, STATE_FILE, 0), 0);

        assert_int_equal(mkfifoat(rootfd, STATE_FILE, 0600), 0);
        fixture_stderr_start();
        assert_int_equal(state_load(rootfd, &r), -EBADFD);
        log2 = fixture_stderr_end();
        assert_non_null(strstr(log2, "/var/lib/kvmigrate/state: cannot read: not a regular file"));
        assert_int_equal(unlinkat(rootfd, STATE_FILE, 0), 0);

        assert_int_equal(mkdirat(rootfd, STATE_FILE, 0700), 0);
        fixture_stderr_start();
        assert_int_equal(state_load(rootfd, &r), -EISDIR);
        log3 = fixture_stderr_end();
        assert_non_null(strstr(log3, "/var/lib/kvmigrate/state: cannot read: a folder"));
        assert_int_equal(unlinkat(rootfd, STATE_FILE, AT_REMOVEDIR), 0);

        /* Saving replaces a link, never writes through it. */
        assert_int_equal(symlinkat(target, rootfd, STATE_FILE), 0);
        r.state = MIGRATION_ARMED;
        assert_int_equal(state_save(rootfd, &r), 0);
        f = fopen(target, "r");
        assert_non_null(f);
        {
                char line[64] = "";
                assert_non_null(fgets(line, sizeof line, f));
                assert_string_equal(line, "state=done\n");
        }
        (void) fclose(f);
        assert_int_equal(unlink(target), 0);
        assert_int_equal(rmdir(host), 0);
        remove_root(rootfd, root);
}

static void test_json_full(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};
        _cleanup_free_ char *plain = NULL, *pretty = NULL;
        struct json_object *o, *p, *v, *a, *m;
        (void) state;

        fill_full(&r);
        assert_int_equal(state_to_json(&r, false, &plain), 0);
        assert_string_equal(plain, full_json);

        o = json_tokener_parse(plain);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "state", &v));
        assert_int_equal(json_object_get_type(v), json_type_string);
        assert_string_equal(json_object_get_string(v), "done");
        assert_true(json_object_object_get_ex(o, "started", &v));
        assert_int_equal(json_object_get_type(v), json_type_int);
        assert_int_equal(json_object_get_int64(v), 1732412345000000LL);
        assert_true(json_object_object_get_ex(o, "finished", &v));
        assert_int_equal(json_object_get_type(v), json_type_int);
        assert_int_equal(json_object_get_int64(v), 1732412345100000LL);
        assert_true(json_object_object_get_ex(o, "mappings", &a));
        assert_int_equal(json_object_get_type(a), json_type_array);
        assert_int_equal(json_object_array_length(a), 2);
        m = json_object_array_get_idx(a, 1);
        assert_true(json_object_object_get_ex(m, "uuid", &v));
        assert_null(v);
        assert_int_equal(json_object_get_type(v), json_type_null);
        m = json_object_array_get_idx(a, 0);
        assert_true(json_object_object_get_ex(m, "uuid", &v));
        assert_string_equal(json_object_get_string(v), UUID_ROOT);
        assert_true(json_object_object_get_ex(o, "warnings", &a));
        assert_int_equal(json_object_array_length(a), 1);
        assert_string_equal(
                json_object_get_string(json_object_array_get_idx(a, 0)), "sd names are not stable");

        /* Pretty is the same document, laid out for people. */
        assert_int_equal(state_to_json(&r, true, &pretty), 0);
        assert_non_null(strchr(pretty, '\n'));
        assert_non_null(strstr(pretty, "\"/etc/fstab\""));
        p = json_tokener_parse(pretty);
        assert_non_null(p);
        assert_true(json_object_equal(o, p));

        json_object_put(p);
        json_object_put(o);
}

static void test_json_empty(void **state) {
        StateRecord r = {};
        _cleanup_free_ char *plain = NULL;
        struct json_object *o, *v;
        (void) state;

        assert_int_equal(state_to_json(&r, false, &plain), 0);
        assert_string_equal(plain,
                "{\"state\":\"not-needed\",\"hypervisor\":null,\"mode\":null,\"started\":null,\"finished\":"
                "null,"
                "\"mappings\":[],\"nics\":[],\"edits\":[],\"warnings\":[],\"errors\":[]}");
        o = json_tokener_parse(plain);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "started", &v));
        assert_null(v);
        assert_true(json_object_object_get_ex(o, "errors", &v));
        assert_int_equal(json_object_get_type(v), json_type_array);
        json_object_put(o);
}

static void test_json_hostile(void **state) {
        static const char hostile[] = "a \"q\" \\ / \n\té";
        _cleanup_(state_record_done) StateRecord r = {};
        _cleanup_free_ char *plain = NULL;
        struct json_object *o, *v;
        (void) state;

        assert_int_equal(strdup_to(&r.mode, hostile), 0);
        assert_int_equal(state_record_add_error(&r, hostile), 0);
        assert_int_equal(state_to_json(&r, false, &plain), 0);
        assert_null(strchr(plain, '\n'));
        o = json_tokener_parse(plain);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "mode", &v));
        assert_string_equal(json_object_get_string(v), hostile);
        assert_true(json_object_object_get_ex(o, "errors", &v));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), hostile);
        json_object_put(o);
}

/* state_to_json(), then state_from_json(): the same record, and the same JSON again. */
static void json_round_trip(const StateRecord *r) {
        _cleanup_(state_record_done) StateRecord back = {};
        _cleanup_free_ char *json = NULL, *again = NULL;

        assert_int_equal(state_to_json(r, false, &json), 0);
        assert_int_equal(state_from_json(json, &back), 0);
        assert_record_equal(r, &back);
        assert_int_equal(state_to_json(&back, true, &again), 0);
        state_record_done(&back);
        assert_int_equal(state_from_json(again, &back), 0);
        assert_record_equal(r, &back);
}

/* Bytes a guest can put into a label or a file name: invalid UTF-8, and terminal controls. */
#define HOSTILE_BYTES                                                                                       \
        "a\xff"                                                                                             \
        "b\xc3\x28"                                                                                         \
        "c\x1b[2J\rd"

/* Whether @s is valid UTF-8, as json-c's strict parser sees it (another implementation than ours). */
static bool json_is_valid_utf8(const char *s) {
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o;

        assert_non_null(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, s, (int) strlen(s) + 1);
        json_tokener_free(tok);
        if (!o)
                return false;
        json_object_put(o);
        return true;
}

static void test_string_to_utf8(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "plain ASCII\t\x1b\r\x7f", "plain ASCII\t\x1b\r\x7f" }, /* controls are JSON's to escape */
                { "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe",
                        "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe" },
                { "\xff", "\xef\xbf\xbd" },
                { "a\xc3\x28", "a\xef\xbf\xbd(" }, /* a lead byte without its tail */
                { "\xc3", "\xef\xbf\xbd" }, /* cut at the end */
                { "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" }, /* one U+FFFD per byte */
                { "\x80\xbf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* stray continuation bytes */
                { "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong "/" */
                { "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong "/" */
                { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
                { "\xf4\x90\x80\x80",
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* past U+10FFFF */
                { "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" }, /* U+10FFFF itself */
                { "\xef\xbf\xbd", "\xef\xbf\xbd" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *t = NULL;

                assert_int_equal(state_string_to_utf8(cases[i].in, &t), 0);
                assert_string_equal(t, cases[i].out);
        }

        char *t = (char *) "not NULL";
        assert_int_equal(state_string_to_utf8(NULL, &t), 0);
        assert_null(t);
}

static void test_string_escape(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" }, { "root /etc/fstab", "root /etc/fstab" },
                { "\xc3\xa9t\xc3\xa9 \xe2\x82\xac",
                        "\xc3\xa9t\xc3\xa9 \xe2\x82\xac" }, /* valid UTF-8 stays */
                { "\x1b[31mred\r\n\t\x7f", "\\x1b[31mred\\x0d\\x0a\\x09\\x7f" },
                { "\xc2\x9b"
                  "2J \xc2\xa0",
                        "\\xc2\\x9b2J \xc2\xa0" }, /* C1 CSI escaped, U+00A0 kept */
                { "a\xff"
                  "b\xc3\x28",
                        "a\\xffb\\xc3(" },
                { "\\x41", "\\x5cx41" }, /* the backslash too: the escaped text tells the bytes */
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *t = NULL;

                assert_int_equal(state_string_escape(cases[i].in, &t), 0);
                assert_string_equal(t, cases[i].out);
        }

        char *t = (char *) "not NULL";
        assert_int_equal(state_string_escape(NULL, &t), 0);
        assert_null(t);
}

static void fill_hostile(StateRecord *r) {
        *r = (StateRecord){};
        r->state = MIGRATION_DEGRADED;
        assert_int_equal(strdup_to(&r->hypervisor, "kvm" HOSTILE_BYTES), 0);
        assert_int_equal(strdup_to(&r->mode, HOSTILE_BYTES), 0);
        assert_int_equal(
                state_record_add_mapping(r, "xvda" HOSTILE_BYTES, "sda" HOSTILE_BYTES, "uuid" HOSTILE_BYTES,
                        "label" HOSTILE_BYTES, "ext4" HOSTILE_BYTES, "uuid" HOSTILE_BYTES),
                0);
        assert_int_equal(
                state_record_add_edit(r, "/etc/" HOSTILE_BYTES, "fstab" HOSTILE_BYTES, "applied\xff"), 0);
        assert_int_equal(state_record_add_warning(r, "warning " HOSTILE_BYTES), 0);
        assert_int_equal(state_record_add_error(r, "error " HOSTILE_BYTES), 0);
}

static void test_json_invalid_utf8(void **state) {
        _cleanup_(state_record_done) StateRecord r = {}, back = {};
        _cleanup_free_ char *plain = NULL, *pretty = NULL, *text = NULL;
        (void) state;

        fill_hostile(&r);
        assert_int_equal(state_to_json(&r, false, &plain), 0);
        assert_int_equal(state_to_json(&r, true, &pretty), 0);
        assert_true(json_is_valid_utf8(plain));
        assert_true(json_is_valid_utf8(pretty));
        for (const unsigned char *p = (const unsigned char *) plain; *p; p++)
                assert_true(*p >= 0x20);
        assert_non_null(strstr(plain,
                "\"label\":\"labela\xef\xbf\xbd"
                "b\xef\xbf\xbd(c\\u001b[2J\\rd\""));
        assert_non_null(strstr(plain, "\"result\":\"applied\xef\xbf\xbd\""));

        /* What comes back is the replaced text, and it stays as it is from then on. */
        assert_int_equal(state_from_json(plain, &back), 0);
        assert_string_equal(back.mappings[0].label,
                "labela\xef\xbf\xbd"
                "b\xef\xbf\xbd(c\x1b[2J\rd");
        json_round_trip(&back);

        /* The record file itself keeps the bytes. */
        state_record_done(&back);
        assert_int_equal(state_format(&r, &text), 0);
        assert_int_equal(state_parse(text, "t.state", &back), 0);
        assert_record_equal(&r, &back);
}

static void test_record_to_utf8(void **state) {
        static const char replaced[] = "a\xef\xbf\xbd"
                                       "b\xef\xbf\xbd(c\x1b[2J\rd";
        _cleanup_(state_record_done) StateRecord r = {};
        _cleanup_free_ char *json = NULL;
        (void) state;

        fill_hostile(&r);
        assert_int_equal(state_record_to_utf8(&r), 0);
        assert_string_equal(r.hypervisor,
                "kvm"
                "a\xef\xbf\xbd"
                "b\xef\xbf\xbd(c\x1b[2J\rd");
        assert_string_equal(r.mode, replaced);
        assert_string_equal(r.mappings[0].uuid,
                "uuid"
                "a\xef\xbf\xbd"
                "b\xef\xbf\xbd(c\x1b[2J\rd");
        assert_string_equal(r.edits[0].result, "applied\xef\xbf\xbd");
        assert_string_equal(r.errors[0],
                "error "
                "a\xef\xbf\xbd"
                "b\xef\xbf\xbd(c\x1b[2J\rd");
        /* Every string is valid UTF-8 now: the JSON of it is the JSON of the original. */
        assert_int_equal(state_to_json(&r, false, &json), 0);
        assert_true(json_is_valid_utf8(json));
}

static void test_record_escape(void **state) {
        static const char escaped[] = "a\\xffb\\xc3(c\\x1b[2J\\x0dd";
        _cleanup_(state_record_done) StateRecord r = {};
        (void) state;

        fill_hostile(&r);
        assert_int_equal(state_record_escape(&r), 0);
        assert_string_equal(r.mode, escaped);
        assert_string_equal(r.mappings[0].label,
                "label"
                "a\\xffb\\xc3(c\\x1b[2J\\x0dd");
        assert_string_equal(r.mappings[0].new_name,
                "sda"
                "a\\xffb\\xc3(c\\x1b[2J\\x0dd");
        assert_string_equal(r.edits[0].path,
                "/etc/"
                "a\\xffb\\xc3(c\\x1b[2J\\x0dd");
        assert_string_equal(r.edits[0].result, "applied\\xff");
        assert_string_equal(r.warnings[0],
                "warning "
                "a\\xffb\\xc3(c\\x1b[2J\\x0dd");
}

static void test_from_json_round_trip_full(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};

        (void) state;
        r.state = MIGRATION_DEGRADED;
        assert_int_equal(strdup_to(&r.hypervisor, "kvm"), 0);
        assert_int_equal(strdup_to(&r.mode, "virtio-scsi+virtio-net"), 0);
        r.started_usec = 1732412345000000ULL;
        r.finished_usec = UINT64_MAX; /* past int64: json-c keeps it as uint64 */
        assert_int_equal(state_record_add_mapping(&r, "xvda", "sda", "0b5d7d2a-8f0e-4c52-9d2e-3f1a6b7c8d9e",
                                 "root", "ext4", "uuid"),
                0);
        assert_int_equal(state_record_add_mapping(&r, "xvdc2", "sdb2", NULL, NULL, "swap", "order"), 0);
        assert_int_equal(state_record_add_edit(&r, "/etc/fstab", "fstab", "applied"), 0);
        assert_int_equal(state_record_add_edit(&r, "/boot/grub/menu.lst", "grub-legacy", NULL), 0);
        assert_int_equal(state_record_add_warning(&r, "sd names are not stable"), 0);
        assert_int_equal(state_record_add_warning(&r, "quote \" backslash \\ newline \n tab \t é"), 0);
        assert_int_equal(state_record_add_error(&r, "xvdb: no device"), 0);
        json_round_trip(&r);
}

static void test_from_json_round_trip_empty(void **state) {
        StateRecord r = {};

        (void) state;
        for (MigrationState s = 0; s < _MIGRATION_STATE_MAX; s++) {
                r.state = s;
                json_round_trip(&r);
        }
}

static void test_from_json_missing_keys(void **state) {
        _cleanup_(state_record_done) StateRecord r = {};

        (void) state;
        /* Only the state is required; everything else defaults to absent. */
        assert_int_equal(state_from_json("{\"state\":\"armed\"}", &r), 0);
        assert_int_equal(r.state, MIGRATION_ARMED);
        assert_null(r.hypervisor);
        assert_int_equal(r.started_usec, 0);
        assert_int_equal(r.n_mappings, 0);
        assert_null(r.warnings);
}

static void test_from_json_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "not json",
                "[]",
                "\"done\"",
                "{}",
                "{\"state\":null}",
                "{\"state\":\"finished\"}",
                "{\"state\":3}",
                "{\"state\":\"done\",\"hypervisor\":1}",
                "{\"state\":\"done\",\"started\":\"now\"}",
                "{\"state\":\"done\",\"started\":-1}",
                "{\"state\":\"done\",\"started\":1.5}",
                "{\"state\":\"done\",\"mappings\":{}}",
                "{\"state\":\"done\",\"mappings\":[\"xvda\"]}",
                "{\"state\":\"done\",\"mappings\":[{\"old\":[]}]}",
                "{\"state\":\"done\",\"edits\":[null]}",
                "{\"state\":\"done\",\"edits\":[{\"path\":{}}]}",
                "{\"state\":\"done\",\"warnings\":\"x\"}",
                "{\"state\":\"done\",\"errors\":[1]}",
                "{\"state\":\"done\",\"errors\":[null]}",
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                StateRecord r = {};
                int k = state_from_json(bad[i], &r);

                if (k != -EBADMSG)
                        fail_msg("state_from_json(%s) = %d, expected -EBADMSG", bad[i], k);
                /* Nothing half-filled is handed out. */
                assert_null(r.hypervisor);
                assert_null(r.mappings);
                assert_null(r.errors);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_state_names),
                cmocka_unit_test(test_state_names_round_trip),
                cmocka_unit_test(test_format_full),
                cmocka_unit_test(test_format_invalid_state),
                cmocka_unit_test(test_parse_full),
                cmocka_unit_test(test_round_trip_hostile),
                cmocka_unit_test(test_parse_lenient),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_record_helpers),
                cmocka_unit_test(test_save_load),
                cmocka_unit_test(test_save_invalid_creates_nothing),
                cmocka_unit_test(test_load_missing),
                cmocka_unit_test(test_load_malformed),
                cmocka_unit_test(test_json_full),
                cmocka_unit_test(test_json_empty),
                cmocka_unit_test(test_json_hostile),
                cmocka_unit_test(test_from_json_round_trip_full),
                cmocka_unit_test(test_from_json_round_trip_empty),
                cmocka_unit_test(test_from_json_missing_keys),
                cmocka_unit_test(test_from_json_malformed),
                cmocka_unit_test(test_load_hostile),
                cmocka_unit_test(test_string_to_utf8),
                cmocka_unit_test(test_string_escape),
                cmocka_unit_test(test_json_invalid_utf8),
                cmocka_unit_test(test_record_to_utf8),
                cmocka_unit_test(test_record_escape),
        };

        log_set_program("test-state");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
