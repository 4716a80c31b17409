/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "links.h"
#include "util.h"

static void add(Inventory *inv, Device d) {
        Device copy = {
                .name = strdup(d.name),
                .uuid = strdup_or_null(d.uuid),
                .label = strdup_or_null(d.label),
                .partuuid = strdup_or_null(d.partuuid),
                .ptuuid = strdup_or_null(d.ptuuid),
        };
        assert_int_equal(inventory_add(inv, &copy), 0);
}

static void test_rules(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *text = NULL;

        (void) state;
        add(&inv, (Device){ .name = "xvda", .ptuuid = "0d0e0f10" });
        add(&inv,
                (Device){
                        .name = "xvda1", .uuid = "11111111-1111-4111-8111-111111111111", .label = "root" });
        add(&inv, (Device){ .name = "xvda2", .partuuid = "0d0e0f10-02" });
        add(&inv, (Device){ .name = "xvdb", .label = "my data" });
        add(&inv, (Device){ .name = "xvdc", .label = "a*b" }); /* a glob: not matched literally */
        add(&inv, (Device){ .name = "xvdd" }); /* nothing recorded */
        add(&inv, (Device){ .name = "sda1", .uuid = "ignored-not-xvd" }); /* not an old Xen name */

        assert_int_equal(links_format_rules(&inv, &text), 0);
        assert_string_equal(text,
                "# /dev/xvd* compatibility links for a guest moved from Xen to KVM, written by\n"
                "# \"migratectl arm\" from the devices it recorded under Xen. Generated: do not edit.\n"
                "SUBSYSTEM!=\"block\", GOTO=\"kvmigrate_end\"\n"
                "ACTION==\"remove\", GOTO=\"kvmigrate_end\"\n"
                "KERNEL==\"xvd*\", GOTO=\"kvmigrate_end\"\n"
                "\n"
                "ENV{DEVTYPE}==\"disk\", ENV{ID_PART_TABLE_UUID}==\"0d0e0f10\", SYMLINK+=\"xvda\"\n"
                "ENV{ID_FS_UUID}==\"11111111-1111-4111-8111-111111111111\", SYMLINK+=\"xvda1\"\n"
                "ENV{ID_PART_ENTRY_UUID}==\"0d0e0f10-02\", SYMLINK+=\"xvda2\"\n"
                "# xvdb: the recorded identity cannot be matched literally, no link\n"
                "# xvdc: the recorded identity cannot be matched literally, no link\n"
                "# xvdd: no identity was recorded, no link\n"
                "\n"
                "LABEL=\"kvmigrate_end\"\n");
}

/* A snapshot someone else wrote: nothing it holds may add a line, a key or a path to the rules. */
static void test_rules_hostile(void **state) {
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_free_ char *text = NULL;
        size_t lines = 0;

        (void) state;
        add(&inv, (Device){ .name = "xvdb/../../../../tmp/evil", .uuid = "1111-2222" });
        add(&inv, (Device){ .name = "xvdc\", RUN+=\"/bin/sh", .uuid = "1111-2223" });
        add(&inv, (Device){ .name = "xvdd\nKERNEL==\"*\", RUN+=\"/bin/sh\"", .uuid = "1111-2224" });
        add(&inv, (Device){ .name = "xvde", .uuid = "x\", RUN+=\"/bin/sh" });
        add(&inv, (Device){ .name = "xvdf", .uuid = "x\nRUN+=\"/bin/sh\"\n" });
        add(&inv, (Device){ .name = "xvdg", .uuid = "a\\", .partuuid = "p*" });
        add(&inv, (Device){ .name = "xvdh", .uuid = "caf\xc3\xa9", .ptuuid = "[ab]" });
        add(&inv, (Device){ .name = "xvdi", .label = "\"\n" });
        add(&inv, (Device){ .name = "xvdj", .uuid = "a b", .label = "ok", .partuuid = "?" });
        add(&inv, (Device){ .name = "xvdk", .uuid = "", .partuuid = "0d0e0f10-02" });

        assert_int_equal(links_format_rules(&inv, &text), 0);
        assert_string_equal(text,
                "# /dev/xvd* compatibility links for a guest moved from Xen to KVM, written by\n"
                "# \"migratectl arm\" from the devices it recorded under Xen. Generated: do not edit.\n"
                "SUBSYSTEM!=\"block\", GOTO=\"kvmigrate_end\"\n"
                "ACTION==\"remove\", GOTO=\"kvmigrate_end\"\n"
                "KERNEL==\"xvd*\", GOTO=\"kvmigrate_end\"\n"
                "\n"
                "# a device with a malformed name was recorded, no link\n"
                "# a device with a malformed name was recorded, no link\n"
                "# a device with a malformed name was recorded, no link\n"
                "# xvde: the recorded identity cannot be matched literally, no link\n"
                "# xvdf: the recorded identity cannot be matched literally, no link\n"
                "# xvdg: the recorded identity cannot be matched literally, no link\n"
                "# xvdh: the recorded identity cannot be matched literally, no link\n"
                "# xvdi: the recorded identity cannot be matched literally, no link\n"
                "ENV{ID_FS_LABEL_ENC}==\"ok\", SYMLINK+=\"xvdj\"\n"
                "ENV{ID_PART_ENTRY_UUID}==\"0d0e0f10-02\", SYMLINK+=\"xvdk\"\n"
                "\n"
                "LABEL=\"kvmigrate_end\"\n");
        for (const char *p = text; *p; p++)
                lines += *p == '\n';
        assert_int_equal(lines, 18);
        assert_null(strstr(text, "RUN"));
        assert_null(strstr(text, ".."));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rules),
                cmocka_unit_test(test_rules_hostile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
