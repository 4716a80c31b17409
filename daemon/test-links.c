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
                "# xvdb: no identity was recorded, no link\n"
                "# xvdc: no identity was recorded, no link\n"
                "# xvdd: no identity was recorded, no link\n"
                "\n"
                "LABEL=\"kvmigrate_end\"\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rules),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
