/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fixer.h"
#include "util.h"

#define UUID_LUKS "4f2e8a1c-6b3d-4e5f-8a9b-0c1d2e3f4a5b"
#define UUID_HOME "0a0b0c0d-1111-2222-3333-444455556666"

/* The guest after the move: sda2 holds the LUKS header, sdd is plain dm-crypt swap, sde a raw key. */
static Device new_devices[] = {
        { .name = "sda2", .type = "crypto_LUKS", .uuid = UUID_LUKS, .partition = true },
        { .name = "sdd" },
        { .name = "sde", .label = "key disk" },
};

static MapEntry entries[] = {
        { .old_name = "xvda2", .new = &new_devices[0], .method = MAP_METHOD_UUID },
        { .old_name = "xvdd", .new = &new_devices[1], .method = MAP_METHOD_ORDER },
        { .old_name = "xvde", .new = &new_devices[2], .method = MAP_METHOD_LABEL },
};

static const Mapping mapping = { .entries = entries, .n = ELEMENTSOF(entries) };

/* Tabs, two spaces, a doubled tab, and no newline after the last line. */
static const char crypttab[] =
        "# <target name>\t<source device>\t<key file>\t<options>\n"
        "root_crypt\t/dev/xvda2\tnone\t\tluks,discard\n"
        "swap_crypt  /dev/xvdd   /dev/urandom   swap,cipher=aes-xts-plain64,size=256\n"
        "home_crypt\tUUID=" UUID_HOME "\tnone\tluks\n"
        "vault\tUUID=" UUID_HOME "\t/dev/xvde\tluks,keyfile-size=4096";

static const char crypttab_fixed[] =
        "# <target name>\t<source device>\t<key file>\t<options>\n"
        "root_crypt\tUUID=" UUID_LUKS "\tnone\t\tluks,discard\n"
        "swap_crypt  /dev/sdd   /dev/urandom   swap,cipher=aes-xts-plain64,size=256\n"
        "home_crypt\tUUID=" UUID_HOME "\tnone\tluks\n"
        "vault\tUUID=" UUID_HOME "\t/dev/disk/by-label/key\\x20disk\tluks,keyfile-size=4096";

typedef struct Root {
        char path[64];
        int fd;
} Root;

static int root_setup(void **state) {
        Root *r = calloc(1, sizeof(Root));

        assert_non_null(r);
        strcpy(r->path, "/tmp/test-fix-crypttab.XXXXXX");
        assert_non_null(mkdtemp(r->path));
        r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(r->fd >= 0);
        *state = r;
        return 0;
}

static int remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(path);
}

static int root_teardown(void **state) {
        Root *r = *state;

        close(r->fd);
        assert_int_equal(nftw(r->path, remove_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(r);
        return 0;
}

static void write_file(int rootfd, const char *path, const char *content) {
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -1;

        assert_non_null(dir);
        *strrchr(dir, '/') = 0;
        assert_int_equal(mkdir_p_at(rootfd, dir, 0755), 0);
        fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, content, strlen(content)), 0);
}

static void assert_ref(const Reference *r, const char *name, const char *type, const char *where) {
        assert_string_equal(r->name, name);
        if (type)
                assert_string_equal(r->type, type);
        else
                assert_null(r->type);
        assert_string_equal(r->where, where);
}

static void assert_replaced(const Edit *e, const char *path, const char *old, const char *new) {
        assert_string_equal(e->path, path);
        assert_int_equal(e->old.kind, FILE_REGULAR);
        assert_int_equal(e->old.size, strlen(old));
        assert_memory_equal(e->old.data, old, strlen(old));
        assert_int_equal(e->new.kind, FILE_REGULAR);
        assert_int_equal(e->new.size, strlen(new));
        assert_memory_equal(e->new.data, new, strlen(new));
        assert_string_equal(e->fixer, "crypttab");
        assert_string_equal(e->reason, "old device names");
}

static void test_registered(void **state) {
        bool found = false;

        (void) state;
        for (const Fixer *const *f = fixer_table; *f; f++)
                if (*f == &fixer_crypttab)
                        found = true;
        assert_true(found);
        assert_string_equal(fixer_crypttab.name, "crypttab");
}

static void test_missing(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        c.mapping = &mapping;
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_scan_and_rewrite(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        write_file(root->fd, "etc/crypttab", crypttab);

        /* Scan: the LUKS device, the plain swap device (no type), the raw key file (no type). */
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 3);
        assert_ref(&c.refs[0], "xvda2", "crypto_LUKS", "/etc/crypttab:2");
        assert_ref(&c.refs[1], "xvdd", NULL, "/etc/crypttab:3");
        assert_ref(&c.refs[2], "xvde", NULL, "/etc/crypttab:5");
        assert_int_equal(plan.n_edits, 0);

        c.mapping = &mapping;
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 3); /* the rewrite pass records nothing */
        assert_int_equal(plan.n_edits, 1);
        assert_replaced(&plan.edits[0], "/etc/crypttab", crypttab, crypttab_fixed);
        /* sdd has no identifier at all: the plain name, with a warning. */
        assert_int_equal(plan.n_warnings, 1);
        assert_string_equal(plan.warnings[0],
                "/etc/crypttab:3: sdd has no UUID, LABEL or PARTUUID; naming it "
                "/dev/sdd, which may change from one boot to the next");

        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_fixed_is_left_alone(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        /* What the rewrite produced names no old device: a second run changes nothing. */
        write_file(root->fd, "etc/crypttab", crypttab_fixed);
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 0);
        c.mapping = &mapping;
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(plan.n_edits, 0);
        assert_int_equal(plan.n_warnings, 0);
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_types(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan };

        write_file(root->fd, "etc/crypttab",
                "a /dev/xvda1\n"
                "b /dev/xvda2 none\n"
                "c /dev/xvda3 none tmp=ext4\n"
                "  d /dev/xvda5 none cipher=aes-cbc-essiv:sha256,plain\n"
                "e /dev/xvda6 /dev/xvda7 bitlk\n"
                "f /dev/xvda8 none luks,swapx,plainly\n"
                "g /dev/disk/by-path/xen-vbd-51712-part9 - tmp\n"
                "h /dev/xvda10 /etc/keys/h.key tcrypt,tcrypt-hidden\n"
                "i /dev/sda11 /dev/sdb none\n");
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 9);
        assert_ref(&c.refs[0], "xvda1", "crypto_LUKS", "/etc/crypttab:1");
        assert_ref(&c.refs[1], "xvda2", "crypto_LUKS", "/etc/crypttab:2");
        assert_ref(&c.refs[2], "xvda3", NULL, "/etc/crypttab:3");
        assert_ref(&c.refs[3], "xvda5", NULL, "/etc/crypttab:4");
        assert_ref(&c.refs[4], "xvda6", "BitLocker", "/etc/crypttab:5");
        assert_ref(&c.refs[5], "xvda7", NULL, "/etc/crypttab:5");
        assert_ref(&c.refs[6], "xvda8", "crypto_LUKS", "/etc/crypttab:6");
        assert_ref(&c.refs[7], "xvda9", NULL, "/etc/crypttab:7");
        assert_ref(&c.refs[8], "xvda10", NULL, "/etc/crypttab:8");
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "ok /dev/xvda2 none luks\nlonely\n",
                "x /dev/xvda2 none luks discard\n", /* a fifth field: a space in the options? */
        };
        Root *root = *state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Plan plan = {};
                FixerContext c = { .rootfd = root->fd, .plan = &plan };

                write_file(root->fd, "etc/crypttab", bad[i]);
                assert_int_equal(fixer_crypttab.run(&c), -EBADMSG);
                c.mapping = &mapping;
                assert_int_equal(fixer_crypttab.run(&c), -EBADMSG);
                assert_int_equal(plan.n_edits, 0);
                fixer_context_done(&c);
                plan_done(&plan);
        }
}

static void test_rewrite_name(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .form = REWRITE_NAME };

        write_file(root->fd, "etc/crypttab", "root_crypt /dev/xvda2 /dev/xvde luks\n");
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(c.n_refs, 2);
        c.mapping = &mapping;
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_replaced(&plan.edits[0], "/etc/crypttab", "root_crypt /dev/xvda2 /dev/xvde luks\n",
                "root_crypt /dev/sda2 /dev/sde luks\n");
        assert_int_equal(plan.n_warnings, 1);
        assert_non_null(strstr(plan.warnings[0], "--rewrite=name"));
        fixer_context_done(&c);
        plan_done(&plan);
}

static void test_symlinked(void **state) {
        Root *root = *state;
        Plan plan = {};
        FixerContext c = { .rootfd = root->fd, .plan = &plan, .mapping = &mapping };

        /* The edit names the file the link leads to, inside the root. */
        write_file(root->fd, "etc/crypt/tab", "r /dev/xvda2\n");
        assert_int_equal(symlinkat("/etc/crypt/tab", root->fd, "etc/crypttab"), 0);
        assert_int_equal(fixer_crypttab.run(&c), 0);
        assert_int_equal(plan.n_edits, 1);
        assert_replaced(&plan.edits[0], "/etc/crypt/tab", "r /dev/xvda2\n", "r UUID=" UUID_LUKS "\n");
        fixer_context_done(&c);
        plan_done(&plan);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registered),
                cmocka_unit_test_setup_teardown(test_missing, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_scan_and_rewrite, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_fixed_is_left_alone, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_types, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_malformed, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_rewrite_name, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_symlinked, root_setup, root_teardown),
        };

        log_set_max_level(LOG_LEVEL_ERROR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
