/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "fixture.h"
#include "inventory.h"
#include "nic.h"
#include "state.h"
#include "util.h"

#define MAC_XEN0 "00:16:3e:5a:01:02"
#define MAC_XEN1 "00:16:3e:5a:01:03"
#define MAC_KVM0 "52:54:00:12:34:56"
#define MAC_KVM1 "52:54:00:12:34:57"

#define SNAPSHOT_PATH "var/lib/kvmigrate/snapshot"
#define SNAPSHOT_HEADER "# kvmigrate inventory snapshot, written by migratectl arm\n"

#define assert_streq_ptr(a, b)                                                                              \
        do {                                                                                                \
                const char *_a = (a), *_b = (b);                                                            \
                if (!_a || !_b)                                                                             \
                        assert_ptr_equal(_a, _b);                                                           \
                else                                                                                        \
                        assert_string_equal(_a, _b);                                                        \
        } while (0)

/* A NIC made by hand; @driver may be NULL. */
static Nic make_nic(const char *name, const char *mac, const char *driver) {
        Nic n = { .name = strdup(name), .mac = strdup(mac), .driver = driver ? strdup(driver) : NULL };

        assert_non_null(n.name);
        assert_non_null(n.mac);
        if (driver)
                assert_non_null(n.driver);
        return n;
}

static void add_nic(NicList *l, const char *name, const char *mac, const char *driver) {
        Nic n = make_nic(name, mac, driver);

        assert_int_equal(nic_list_add(l, &n), 0);
        assert_null(n.name);
        assert_null(n.mac);
        assert_null(n.driver);
}

static void assert_nic(const Nic *n, const char *name, const char *mac, const char *driver) {
        assert_non_null(n);
        assert_string_equal(n->name, name);
        assert_string_equal(n->mac, mac);
        assert_streq_ptr(n->driver, driver);
}

/* nic_name_is_valid() */

static void test_name_is_valid(void **state) {
        static const char *const good[] = {
                "eth0",
                "enX0",
                "ens3",
                "enp0s3",
                "a",
                "abcdefghijklmno", /* 15: IFNAMSIZ - 1 */
                "enp0s31f6.100",
                "br-lan_0",
                "...",
        };
        static const char *const bad[] = {
                "",
                "abcdefghijklmnop", /* 16 */
                "enp0s31f6abcdefgh",
                ".",
                "..",
                "eth/0",
                "/",
                "eth 0",
                " eth0",
                "eth0\"",
                "eth0:1",
                "eth0\n",
                "eth\t0",
                "eth\xc3\xa9", /* é in UTF-8 */
                "\x80",
                "eth0=",
                "eth0\\",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                if (!nic_name_is_valid(good[i]))
                        fail_msg("\"%s\" is refused, wanted it taken", good[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (nic_name_is_valid(bad[i]))
                        fail_msg("bad name %zu (\"%s\") is taken", i, bad[i]);
        }
        assert_false(nic_name_is_valid(NULL));
}

/* nic_mac_normalize() */

static void test_mac_normalize(void **state) {
        static const struct {
                const char *in, *out;
        } good[] = {
                { "00:16:3E:5A:01:02", MAC_XEN0 },
                { "00:16:3e:5a:01:02", MAC_XEN0 },
                { "00-16-3e-5a-01-02", MAC_XEN0 },
                { "00-16-3E-5A-01-02", MAC_XEN0 },
                { "52:54:00:12:34:56", MAC_KVM0 },
                { "AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff" },
                /* Not all zero, not all ones: a NIC. */
                { "00:00:00:00:00:01", "00:00:00:00:00:01" },
                { "ff:ff:ff:ff:ff:fe", "ff:ff:ff:ff:ff:fe" },
        };
        static const char *const bad[] = {
                "00:16-3e:5a:01:02", /* mixed separators */
                "00-16:3e:5a:01:02",
                "00:16:3e:5a:01-02",
                "00:16:3e:5a:01", /* wrong length */
                "00:16:3e:5a:01:0",
                "00:16:3e:5a:01:02:",
                "00:16:3e:5a:01:02:03",
                "00:16:3e:5a:01:020",
                "",
                "00:16:3g:5a:01:02", /* not hex */
                "zz:zz:zz:zz:zz:zz",
                "00:16:3e:5a:01: 2",
                "00.16.3e.5a.01.02", /* another separator */
                "00 16 3e 5a 01 02",
                "00163e:5a:01:02:1", /* separators in the wrong places */
                "0:016:3e:5a:01:02",
                "00:00:00:00:00:00", /* no NIC */
                "00-00-00-00-00-00",
                "ff:ff:ff:ff:ff:ff",
                "FF:FF:FF:FF:FF:FF",
                "ff-ff-ff-ff-ff-ff",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *mac = NULL;

                assert_int_equal(nic_mac_normalize(good[i].in, &mac), 0);
                assert_non_null(mac);
                assert_string_equal(mac, good[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *mac = (char *) "untouched";
                int r = nic_mac_normalize(bad[i], &mac);

                if (r != -EINVAL)
                        fail_msg("\"%s\": returned %d, wanted -EINVAL", bad[i], r);
                /* Nothing is handed out on failure. */
                assert_string_equal(mac, "untouched");
        }
        {
                char *mac = (char *) "untouched";

                assert_int_equal(nic_mac_normalize(NULL, &mac), -EINVAL);
                assert_string_equal(mac, "untouched");
        }
}

/* nic_parse_arg() */

static void test_parse_arg(void **state) {
        static const struct {
                const char *arg, *name, *mac, *driver;
        } good[] = {
                { "ens3=52:54:00:12:34:56", "ens3", MAC_KVM0, NULL },
                { "ens3=52:54:00:12:34:56,virtio_net", "ens3", MAC_KVM0, "virtio_net" },
                { "eth0=52-54-00-12-34-56,e1000", "eth0", MAC_KVM0, "e1000" },
                { "enp0s3=52:54:00:12:34:56", "enp0s3", MAC_KVM0, NULL },
                { "ens3=52:54:00:AB:CD:EF,8139too", "ens3", "52:54:00:ab:cd:ef", "8139too" },
        };
        static const struct {
                const char *arg, *log;
        } bad[] = {
                { "=52:54:00:12:34:56", "--nic =52:54:00:12:34:56: expected NAME=MAC[,DRIVER]" },
                { "ens3", "--nic ens3: expected NAME=MAC[,DRIVER]" },
                { "", "--nic : expected NAME=MAC[,DRIVER]" },
                { "ens3=", "--nic ens3=: MAC must be six hex pairs, as 52:54:00:12:34:56" },
                { "ens3=zz", "--nic ens3=zz: MAC must be six hex pairs, as 52:54:00:12:34:56" },
                { "ens3=,virtio_net",
                        "--nic ens3=,virtio_net: MAC must be six hex pairs, as 52:54:00:12:34:56" },
                { "ens3=00:00:00:00:00:00",
                        "--nic ens3=00:00:00:00:00:00: MAC must be six hex pairs, as 52:54:00:12:34:56" },
                { "ens3=52:54:00:12:34:56=x",
                        "--nic ens3=52:54:00:12:34:56=x: MAC must be six hex pairs, as 52:54:00:12:34:56" },
                { "bad/name=52:54:00:12:34:56",
                        "--nic bad/name=52:54:00:12:34:56: NAME must be an interface name (1 to 15 letters, "
                        "digits, '-', '_', '.')" },
                { "..=52:54:00:12:34:56",
                        "--nic ..=52:54:00:12:34:56: NAME must be an interface name (1 to 15 letters, "
                        "digits, "
                        "'-', '_', '.')" },
                { "abcdefghijklmnop=52:54:00:12:34:56",
                        "--nic abcdefghijklmnop=52:54:00:12:34:56: NAME must be an interface name (1 to 15 "
                        "letters, digits, '-', '_', '.')" },
                { "ens3=52:54:00:12:34:56,bad driver",
                        "--nic ens3=52:54:00:12:34:56,bad driver: DRIVER must be a kernel driver name, as "
                        "virtio_net" },
                { "ens3=52:54:00:12:34:56,",
                        "--nic ens3=52:54:00:12:34:56,: DRIVER must be a kernel driver name, as "
                        "virtio_net" },
                { "ens3=52:54:00:12:34:56,virtio_net,e1000",
                        "--nic ens3=52:54:00:12:34:56,virtio_net,e1000: DRIVER must be a kernel driver "
                        "name, "
                        "as virtio_net" },
                { "ens3=52:54:00:12:34:56,../x",
                        "--nic ens3=52:54:00:12:34:56,../x: DRIVER must be a kernel driver name, as "
                        "virtio_net" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_(nic_done) Nic n = {};

                assert_int_equal(nic_parse_arg(good[i].arg, &n), 0);
                assert_nic(&n, good[i].name, good[i].mac, good[i].driver);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *log = NULL, *expected = NULL;
                Nic n = {};
                int r;

                fixture_stderr_start();
                r = nic_parse_arg(bad[i].arg, &n);
                log = fixture_stderr_end();
                if (r != -EINVAL)
                        fail_msg("\"%s\": returned %d, wanted -EINVAL", bad[i].arg, r);
                assert_true(asprintf(&expected, "test-nic: error: %s\n", bad[i].log) > 0);
                assert_string_equal(log, expected);
                /* A refused argument hands nothing out. */
                assert_null(n.name);
                assert_null(n.mac);
                assert_null(n.driver);
        }
}

/* nic_list_add(), nic_list_find() */

static void test_list_add_find(void **state) {
        _cleanup_(nic_list_done) NicList l = {};
        _cleanup_(nic_done) Nic same_name = make_nic("enX0", MAC_XEN1, "vif"),
                                same_mac = make_nic("enX1", MAC_XEN0, NULL);
        const char *name = same_name.name, *mac = same_name.mac, *driver = same_name.driver;
        (void) state;

        assert_null(nic_list_find(&l, "enX0"));

        add_nic(&l, "enX0", MAC_XEN0, "vif");
        assert_int_equal(l.n, 1);

        /* The same name: refused, and the argument is still the caller's. */
        assert_int_equal(nic_list_add(&l, &same_name), -EEXIST);
        assert_int_equal(l.n, 1);
        assert_ptr_equal(same_name.name, name);
        assert_ptr_equal(same_name.mac, mac);
        assert_ptr_equal(same_name.driver, driver);
        assert_nic(&same_name, "enX0", MAC_XEN1, "vif");

        /* The same MAC under another name: refused as well. */
        name = same_mac.name;
        mac = same_mac.mac;
        assert_int_equal(nic_list_add(&l, &same_mac), -EEXIST);
        assert_int_equal(l.n, 1);
        assert_ptr_equal(same_mac.name, name);
        assert_ptr_equal(same_mac.mac, mac);
        assert_nic(&same_mac, "enX1", MAC_XEN0, NULL);
        assert_nic(&l.nics[0], "enX0", MAC_XEN0, "vif");

        add_nic(&l, "enX1", MAC_XEN1, NULL);
        add_nic(&l, "eth0", MAC_KVM0, "virtio_net");
        assert_int_equal(l.n, 3);

        assert_ptr_equal(nic_list_find(&l, "enX0"), &l.nics[0]);
        assert_ptr_equal(nic_list_find(&l, "enX1"), &l.nics[1]);
        assert_ptr_equal(nic_list_find(&l, "eth0"), &l.nics[2]);
        assert_nic(nic_list_find(&l, "eth0"), "eth0", MAC_KVM0, "virtio_net");
        assert_null(nic_list_find(&l, "eth1"));
        assert_null(nic_list_find(&l, "enX"));
        assert_null(nic_list_find(&l, "ENX0"));
        /* By name only, never by MAC. */
        assert_null(nic_list_find(&l, MAC_XEN0));
}

/* nic_parse_words(), nic_format() */

/* nic_parse_words() of @line; what it logs in *@ret_log when that is not NULL. */
static int parse_line(const char *line, Nic *ret, char **ret_log) {
        _cleanup_(strv_freep) char **words = NULL;
        int r;

        assert_int_equal(words_parse(line, &words), 0);
        if (ret_log)
                fixture_stderr_start();
        r = nic_parse_words(words, "snapshot:7", ret);
        if (ret_log)
                *ret_log = fixture_stderr_end();
        return r;
}

static void test_words_round_trip(void **state) {
        static const struct {
                const char *line, *name, *mac, *driver, *formatted;
        } cases[] = {
                { "nic=enX0 mac=00:16:3e:5a:01:02 driver=vif", "enX0", MAC_XEN0, "vif",
                        "nic=enX0 mac=00:16:3e:5a:01:02 driver=vif\n" },
                { "nic=enX0 mac=00:16:3E:5A:01:02", "enX0", MAC_XEN0, NULL,
                        "nic=enX0 mac=00:16:3e:5a:01:02\n" },
                /* The order of the words does not matter; what is written is. */
                { "driver=virtio_net mac=52-54-00-12-34-56 nic=ens3", "ens3", MAC_KVM0, "virtio_net",
                        "nic=ens3 mac=52:54:00:12:34:56 driver=virtio_net\n" },
                /* Keys of a newer kvmigrate are ignored. */
                { "nic=eth0 mac=00:16:3e:5a:01:02 mtu=9000 flag speed=", "eth0", MAC_XEN0, NULL,
                        "nic=eth0 mac=00:16:3e:5a:01:02\n" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(nic_done) Nic n = {}, again = {};
                _cleanup_(buf_done) Buf b = {}, b2 = {};

                assert_int_equal(parse_line(cases[i].line, &n, NULL), 0);
                assert_nic(&n, cases[i].name, cases[i].mac, cases[i].driver);

                assert_int_equal(nic_format(&b, &n), 0);
                assert_non_null(b.data);
                assert_string_equal(b.data, cases[i].formatted);

                /* What was written reads back as the same NIC, and is written the same again. */
                assert_int_equal(parse_line(b.data, &again, NULL), 0);
                assert_nic(&again, cases[i].name, cases[i].mac, cases[i].driver);
                assert_int_equal(nic_format(&b2, &again), 0);
                assert_string_equal(b2.data, cases[i].formatted);
        }

        /* nic_format() appends. */
        {
                _cleanup_(buf_done) Buf b = {};
                Nic a = { .name = (char *) "enX0", .mac = (char *) MAC_XEN0, .driver = (char *) "vif" };
                Nic c = { .name = (char *) "enX1", .mac = (char *) MAC_XEN1 };

                assert_int_equal(buf_puts(&b, "# head\n"), 0);
                assert_int_equal(nic_format(&b, &a), 0);
                assert_int_equal(nic_format(&b, &c), 0);
                assert_string_equal(b.data,
                        "# head\n"
                        "nic=enX0 mac=00:16:3e:5a:01:02 driver=vif\n"
                        "nic=enX1 mac=00:16:3e:5a:01:03\n");
        }
}

static void test_words_malformed(void **state) {
        static const struct {
                const char *line, *log;
        } cases[] = {
                /* A key twice: which value is meant? */
                { "nic=enX0 mac=00:16:3e:5a:01:02 nic=enX1", "snapshot:7: a second value for \"nic\"" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 mac=00:16:3e:5a:01:03",
                        "snapshot:7: a second value for \"mac\"" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 mac=00:16:3e:5a:01:02",
                        "snapshot:7: a second value for \"mac\"" },
                { "nic=enX0 driver=vif mac=00:16:3e:5a:01:02 driver=vif",
                        "snapshot:7: a second value for \"driver\"" },
                /* nic= and mac= are what make a NIC. */
                { "nic=enX0", "snapshot:7: a NIC line needs nic= and mac=" },
                { "nic=enX0 driver=vif", "snapshot:7: a NIC line needs nic= and mac=" },
                { "mac=00:16:3e:5a:01:02 driver=vif", "snapshot:7: a NIC line needs nic= and mac=" },
                { "", "snapshot:7: a NIC line needs nic= and mac=" },
                /* Bad values, shown escaped. */
                { "nic=bad/name mac=00:16:3e:5a:01:02", "snapshot:7: not an interface name: \"bad/name\"" },
                { "nic=bad\\x20name mac=00:16:3e:5a:01:02",
                        "snapshot:7: not an interface name: \"bad\\x20name\"" },
                { "nic= mac=00:16:3e:5a:01:02", "snapshot:7: not an interface name: \"\"" },
                { "nic=.. mac=00:16:3e:5a:01:02", "snapshot:7: not an interface name: \"..\"" },
                { "nic=abcdefghijklmnop mac=00:16:3e:5a:01:02",
                        "snapshot:7: not an interface name: \"abcdefghijklmnop\"" },
                { "nic=enX0 mac=zz", "snapshot:7: not a MAC address: \"zz\"" },
                { "nic=enX0 mac=", "snapshot:7: not a MAC address: \"\"" },
                { "nic=enX0 mac=00:00:00:00:00:00", "snapshot:7: not a MAC address: \"00:00:00:00:00:00\"" },
                { "nic=enX0 mac=00:16-3e:5a:01:02", "snapshot:7: not a MAC address: \"00:16-3e:5a:01:02\"" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 driver=", "snapshot:7: not a driver name: \"\"" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 driver=bad\\x20driver",
                        "snapshot:7: not a driver name: \"bad\\x20driver\"" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 driver=../vif",
                        "snapshot:7: not a driver name: \"../vif\"" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *log = NULL, *expected = NULL;
                Nic n = {};
                int r = parse_line(cases[i].line, &n, &log);

                if (r != -EBADMSG)
                        fail_msg("\"%s\": returned %d, wanted -EBADMSG", cases[i].line, r);
                assert_true(asprintf(&expected, "test-nic: error: %s\n", cases[i].log) > 0);
                assert_string_equal(log, expected);
                assert_null(n.name);
                assert_null(n.mac);
                assert_null(n.driver);
        }
}

static void test_format_invalid(void **state) {
        _cleanup_(buf_done) Buf b = {};
        Nic no_mac = { .name = (char *) "enX0" };
        Nic bad_name = { .name = (char *) "bad/name", .mac = (char *) MAC_XEN0 };
        Nic long_name = { .name = (char *) "abcdefghijklmnop", .mac = (char *) MAC_XEN0 };
        Nic no_name = { .mac = (char *) MAC_XEN0 };
        (void) state;

        assert_int_equal(nic_format(&b, &no_mac), -EINVAL);
        assert_int_equal(nic_format(&b, &bad_name), -EINVAL);
        assert_int_equal(nic_format(&b, &long_name), -EINVAL);
        assert_int_equal(nic_format(&b, &no_name), -EINVAL);
        /* Nothing of a refused NIC is written. */
        assert_int_equal(b.len, 0);
}

/* nic_map() */

static void assert_entry(const NicMapping *m, size_t i, const char *old_name, const char *old_mac,
        const char *new_name, const char *new_mac, NicMethod method) {
        assert_true(i < m->n);
        assert_non_null(m->entries[i].old);
        assert_non_null(m->entries[i].new);
        assert_string_equal(m->entries[i].old->name, old_name);
        assert_string_equal(m->entries[i].old->mac, old_mac);
        assert_string_equal(m->entries[i].new->name, new_name);
        assert_string_equal(m->entries[i].new->mac, new_mac);
        assert_string_equal(nic_method_to_string(m->entries[i].method), nic_method_to_string(method));
        assert_int_equal(m->entries[i].method, method);
}

static void test_method_to_string(void **state) {
        (void) state;

        assert_string_equal(nic_method_to_string(NIC_METHOD_MAC), "mac");
        assert_string_equal(nic_method_to_string(NIC_METHOD_ONLY), "only");
        assert_null(nic_method_to_string(_NIC_METHOD_MAX));
        assert_null(nic_method_to_string((NicMethod) -1));
}

/* A NIC nic_map() is given. */
typedef struct NicSpec {
        const char *name, *mac, *driver;
} NicSpec;

/* The NICs of one side, in order: NICS({ "eth0", MAC_XEN0, "vif" }, …); NO_NICS: none. */
#define NICS(...) ((const NicSpec[]){ __VA_ARGS__, {} })
#define NO_NICS ((const NicSpec[]){ {} })

/* An entry nic_map() should give: the old NIC's name, the new NIC's, and how it was found. */
typedef struct WantEntry {
        const char *old, *new;
        NicMethod method;
} WantEntry;

/* The entries wanted, in order: ENTRIES({ "eth0", "ens3", NIC_METHOD_MAC }, …); NO_ENTRIES: none. */
#define ENTRIES(...) ((const WantEntry[]){ __VA_ARGS__, {} })
#define NO_ENTRIES ((const WantEntry[]){ {} })

#define NO_WARNINGS FIXTURE_STRV(NULL)

static void add_nics(NicList *l, const NicSpec *spec) {
        for (; spec->name; spec++)
                add_nic(l, spec->name, spec->mac, spec->driver);
}

/* Where NIC @name stands in @spec. */
static size_t spec_index(const NicSpec *spec, const char *name) {
        for (size_t i = 0; spec[i].name; i++)
                if (streq(spec[i].name, name))
                        return i;
        fail_msg("the case has no NIC %s", name);
        return SIZE_MAX;
}

/*
 * nic_map() of a fresh list of the NICs @old_spec to one of @new_spec gives
 * exactly the entries @want, in order, each pointing at its NICs in the two
 * lists, and exactly the warnings @want_warnings.
 */
static void check_map(const NicSpec *old_spec, const NicSpec *new_spec, const WantEntry *want,
        const char *const *want_warnings) {
        _cleanup_(nic_list_done) NicList old = {}, new = {};
        _cleanup_(nic_mapping_done) NicMapping m = {};
        _cleanup_(strv_freep) char **warnings = NULL;
        size_t n_warnings = 0, n_want = 0, n_want_warnings = 0;

        add_nics(&old, old_spec);
        add_nics(&new, new_spec);
        while (want[n_want].old)
                n_want++;
        while (want_warnings[n_want_warnings])
                n_want_warnings++;

        assert_int_equal(nic_map(&old, &new, &m, &warnings, &n_warnings), 0);
        assert_int_equal(m.n, n_want);
        if (n_want == 0)
                assert_null(m.entries);
        for (size_t k = 0; k < n_want; k++) {
                size_t i = spec_index(old_spec, want[k].old), j = spec_index(new_spec, want[k].new);

                assert_entry(
                        &m, k, want[k].old, old_spec[i].mac, want[k].new, new_spec[j].mac, want[k].method);
                assert_ptr_equal(m.entries[k].old, &old.nics[i]);
                assert_ptr_equal(m.entries[k].new, &new.nics[j]);
        }
        assert_int_equal(n_warnings, n_want_warnings);
        if (n_want_warnings == 0)
                assert_null(warnings);
        fixture_assert_strv("warning", warnings, want_warnings);
}

/* (a) The host kept the MAC. */
static void test_map_same_mac(void **state) {
        (void) state;
        check_map(NICS({ "enX0", MAC_XEN0, "vif" }), NICS({ "ens3", MAC_XEN0, "virtio_net" }),
                ENTRIES({ "enX0", "ens3", NIC_METHOD_MAC }), NO_WARNINGS);
}

/* (b) One NIC on each side, another MAC: that one. */
static void test_map_only(void **state) {
        (void) state;
        check_map(NICS({ "enX0", MAC_XEN0, "vif" }), NICS({ "ens3", MAC_KVM0, "virtio_net" }),
                ENTRIES({ "enX0", "ens3", NIC_METHOD_ONLY }), NO_WARNINGS);
}

/* The only new NIC already has the old one's name: nobody else holds it, so it is taken. */
static void test_map_only_same_name(void **state) {
        (void) state;
        check_map(NICS({ "eth0", MAC_XEN0, "vif" }), NICS({ "eth0", MAC_KVM0, "e1000" }),
                ENTRIES({ "eth0", "eth0", NIC_METHOD_ONLY }), NO_WARNINGS);
}

/* (c) Two on each side, no MAC kept: guessing is left to people. */
static void test_map_ambiguous(void **state) {
        (void) state;
        check_map(NICS({ "eth0", MAC_XEN0, "vif" }, { "eth1", MAC_XEN1, "vif" }),
                NICS({ "ens3", MAC_KVM0, "virtio_net" }, { "ens4", MAC_KVM1, "virtio_net" }), NO_ENTRIES,
                FIXTURE_STRV("NIC eth0 (" MAC_XEN0
                             ") is not migrated: no NIC has its MAC, and more than one "
                             "is left; its configs still name it, so give the NIC that replaces it the name "
                             "eth0 by hand",
                        "NIC eth1 (" MAC_XEN1 ") is not migrated: no NIC has its MAC, and more than one is "
                        "left; its configs still name it, so give the NIC that replaces it the name eth1 by "
                        "hand"));
}

/* (d) One kept its MAC; the other is the only one left on each side. */
static void test_map_mac_then_only(void **state) {
        (void) state;

        /* The kept MAC is on the second new NIC: not the order, the MAC decides. */
        check_map(NICS({ "eth0", MAC_XEN0, "vif" }, { "eth1", MAC_XEN1, "vif" }),
                NICS({ "ens3", MAC_KVM0, "virtio_net" }, { "ens4", MAC_XEN1, "virtio_net" }),
                ENTRIES({ "eth0", "ens3", NIC_METHOD_ONLY }, { "eth1", "ens4", NIC_METHOD_MAC }),
                NO_WARNINGS);

        /* The other way round: the first new NIC kept a MAC, the one left is the second. */
        check_map(NICS({ "eth0", MAC_XEN0, "vif" }, { "eth1", MAC_XEN1, "vif" }),
                NICS({ "ens3", MAC_XEN0, "virtio_net" }, { "ens4", MAC_KVM1, "virtio_net" }),
                ENTRIES({ "eth0", "ens3", NIC_METHOD_MAC }, { "eth1", "ens4", NIC_METHOD_ONLY }),
                NO_WARNINGS);
}

/* (e) eth0's MAC is on the new eth1 while another new NIC is eth0: the kernel names swapped. */
static void test_map_name_held(void **state) {
        (void) state;
        check_map(NICS({ "eth0", MAC_XEN0, "vif" }),
                NICS({ "eth0", MAC_KVM0, "e1000" }, { "eth1", MAC_XEN0, "e1000" }), NO_ENTRIES,
                FIXTURE_STRV("NIC eth0 (" MAC_XEN0 ") is not migrated: another NIC holds that name now, and "
                             "udev cannot swap two names safely; its configs still name it, so give the NIC "
                             "that replaces it the name eth0 by hand"));
}

/* (f) No NIC now. */
static void test_map_no_new(void **state) {
        (void) state;
        check_map(NICS({ "enX0", MAC_XEN0, "vif" }), NO_NICS, NO_ENTRIES,
                FIXTURE_STRV("NIC enX0 (" MAC_XEN0 ") is not migrated: no NIC is left for it; its configs "
                             "still name it, so give the NIC that replaces it the name enX0 by hand"));
}

/* Two old NICs, one new with the first's MAC: none is left for the second. */
static void test_map_none_left(void **state) {
        (void) state;
        check_map(NICS({ "enX0", MAC_XEN0, "vif" }, { "enX1", MAC_XEN1, "vif" }),
                NICS({ "ens3", MAC_XEN0, "virtio_net" }), ENTRIES({ "enX0", "ens3", NIC_METHOD_MAC }),
                FIXTURE_STRV("NIC enX1 (" MAC_XEN1 ") is not migrated: no NIC is left for it; its configs "
                             "still name it, so give the NIC that replaces it the name enX1 by hand"));
}

/* (g) No old NIC: nothing to do, nothing to say. */
static void test_map_no_old(void **state) {
        (void) state;
        check_map(NO_NICS, NICS({ "ens3", MAC_KVM0, "virtio_net" }, { "ens4", MAC_KVM1, "virtio_net" }),
                NO_ENTRIES, NO_WARNINGS);

        /* Nothing on either side. */
        check_map(NO_NICS, NO_NICS, NO_ENTRIES, NO_WARNINGS);
}

/* The warnings are appended to what is there; a mapping given in is replaced. */
static void test_map_appends(void **state) {
        _cleanup_(nic_list_done) NicList old = {}, new = {};
        _cleanup_(nic_mapping_done) NicMapping m = {};
        _cleanup_(strv_freep) char **warnings = NULL;
        size_t n_warnings = 0;
        (void) state;

        assert_int_equal(strv_push(&warnings, &n_warnings, strdup("an earlier warning")), 0);
        add_nic(&old, "enX0", MAC_XEN0, "vif");
        add_nic(&old, "enX1", MAC_XEN1, "vif");
        add_nic(&new, "ens3", MAC_XEN0, "virtio_net");

        assert_int_equal(nic_map(&old, &new, &m, &warnings, &n_warnings), 0);
        assert_int_equal(m.n, 1);
        assert_int_equal(n_warnings, 2);
        assert_string_equal(warnings[0], "an earlier warning");
        assert_non_null(
                strstr(warnings[1], "NIC enX1 (" MAC_XEN1 ") is not migrated: no NIC is left for it"));
        assert_null(warnings[2]);

        /* Mapped again into the same (filled) mapping: replaced, not added to, and not leaked. */
        nic_list_done(&new);
        add_nic(&new, "ens3", MAC_KVM0, "virtio_net");
        add_nic(&new, "ens4", MAC_XEN1, "virtio_net");
        assert_int_equal(nic_map(&old, &new, &m, &warnings, &n_warnings), 0);
        assert_int_equal(m.n, 2);
        assert_entry(&m, 0, "enX0", MAC_XEN0, "ens3", MAC_KVM0, NIC_METHOD_ONLY);
        assert_entry(&m, 1, "enX1", MAC_XEN1, "ens4", MAC_XEN1, NIC_METHOD_MAC);
        assert_int_equal(n_warnings, 2);
}

/* The snapshot's NICs */

#define UUID_ROOT "3f2a6c1e-8b0d-4e57-9a31-2c5e7d9f0b14"

/* A root whose snapshot holds @text. */
static FixtureRoot *snapshot_root(const char *name, const char *text) {
        FixtureRoot *root = fixture_root_new(name, NULL);

        assert_int_equal(mkdir_p_at(root->fd, "var/lib/kvmigrate", 0755), 0);
        fixture_write(root->fd, SNAPSHOT_PATH, text);
        return root;
}

static void test_snapshot_load_nics(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = snapshot_root("load",
                SNAPSHOT_HEADER "name=xvda1 type=ext4 uuid=" UUID_ROOT " partition=1\n"
                                "nic=enX0 mac=00:16:3E:5A:01:02 driver=vif\n"
                                "name=xvdb type=swap\n"
                                "  nic=enX1 mac=00-16-3e-5a-01-03 future=1\n");
        _cleanup_(inventory_done) Inventory inv = {};
        (void) state;

        assert_int_equal(inventory_load_snapshot(root->fd, &inv), 0);
        assert_int_equal(inv.n, 2);
        assert_string_equal(inv.devices[0].name, "xvda1");
        assert_string_equal(inv.devices[0].type, "ext4");
        assert_string_equal(inv.devices[0].uuid, UUID_ROOT);
        assert_true(inv.devices[0].partition);
        assert_int_equal(inv.devices[0].source, DEVICE_SOURCE_SNAPSHOT);
        assert_string_equal(inv.devices[1].name, "xvdb");
        assert_string_equal(inv.devices[1].type, "swap");

        assert_int_equal(inv.nics.n, 2);
        assert_nic(&inv.nics.nics[0], "enX0", MAC_XEN0, "vif");
        assert_nic(&inv.nics.nics[1], "enX1", MAC_XEN1, NULL);
        /* The snapshot says what the NICs were, not that they are there now. */
        assert_false(inv.nics_known);
}

static void test_snapshot_nics_malformed(void **state) {
        static const struct {
                const char *text, *log;
        } cases[] = {
                /* The same name twice. */
                { SNAPSHOT_HEADER "name=xvda\n"
                                  "nic=enX0 mac=00:16:3e:5a:01:02 driver=vif\n"
                                  "nic=enX0 mac=00:16:3e:5a:01:03 driver=vif\n",
                        "/var/lib/kvmigrate/snapshot:4: NIC enX0 (00:16:3e:5a:01:03) is listed a second "
                        "time" },
                /* The same MAC under another name, spelt otherwise. */
                { SNAPSHOT_HEADER "nic=enX0 mac=00:16:3e:5a:01:02\n"
                                  "name=xvda\n"
                                  "nic=enX1 mac=00-16-3E-5A-01-02\n",
                        "/var/lib/kvmigrate/snapshot:4: NIC enX1 (00:16:3e:5a:01:02) is listed a second "
                        "time" },
                /* The same line twice. */
                { "nic=eth0 mac=00:16:3e:5a:01:02\nnic=eth0 mac=00:16:3e:5a:01:02\n",
                        "/var/lib/kvmigrate/snapshot:2: NIC eth0 (00:16:3e:5a:01:02) is listed a second "
                        "time" },
                /* A bad NIC line spoils the good device lines too. */
                { "name=xvda\nnic=enX0 mac=00:00:00:00:00:00\n",
                        "/var/lib/kvmigrate/snapshot:2: not a MAC address: \"00:00:00:00:00:00\"" },
                { "name=xvda\nnic=enX0\n", "/var/lib/kvmigrate/snapshot:2: a NIC line needs nic= and mac=" },
                { "nic=enX0 mac=00:16:3e:5a:01:02 nic=enX1\n",
                        "/var/lib/kvmigrate/snapshot:1: a second value for \"nic\"" },
                { "nic=../../etc mac=00:16:3e:5a:01:02\n",
                        "/var/lib/kvmigrate/snapshot:1: not an interface name: \"../../etc\"" },
                /* A bad device line spoils the good NIC lines. */
                { "nic=enX0 mac=00:16:3e:5a:01:02\nname=xvda size=12k\n",
                        "/var/lib/kvmigrate/snapshot:2: invalid size \"12k\"" },
        };
        _cleanup_(inventory_done) Inventory inv = {};
        Nic kept = make_nic("eth9", MAC_KVM1, "e1000");
        Device d = { .name = strdup("sda"), .uuid = strdup("probed"), .source = DEVICE_SOURCE_PROBE };
        (void) state;

        assert_non_null(d.name);
        assert_int_equal(inventory_add(&inv, &d), 0);
        assert_int_equal(nic_list_add(&inv.nics, &kept), 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(fixture_root_freep) FixtureRoot *root = snapshot_root("bad", cases[i].text);
                _cleanup_free_ char *log = NULL, *expected = NULL;
                const Nic *nics = inv.nics.nics;
                int r;

                fixture_stderr_start();
                r = inventory_load_snapshot(root->fd, &inv);
                log = fixture_stderr_end();
                if (r != -EBADMSG)
                        fail_msg("case %zu: returned %d, wanted -EBADMSG; the snapshot:\n%s", i, r,
                                cases[i].text);
                assert_true(asprintf(&expected, "test-nic: error: %s\n", cases[i].log) > 0);
                assert_string_equal(log, expected);

                /* What was there stays, and nothing of the file is taken. */
                assert_int_equal(inv.n, 1);
                assert_string_equal(inv.devices[0].name, "sda");
                assert_string_equal(inv.devices[0].uuid, "probed");
                assert_int_equal(inv.nics.n, 1);
                assert_ptr_equal(inv.nics.nics, nics);
                assert_nic(&inv.nics.nics[0], "eth9", MAC_KVM1, "e1000");
        }
}

static void test_snapshot_save_nics(void **state) {
        static const char expected[] =
                SNAPSHOT_HEADER "name=xvda1 type=ext4 uuid=" UUID_ROOT " partition=1\n"
                                "name=xvdb\n"
                                "nic=enX0 mac=00:16:3e:5a:01:02 driver=vif\n"
                                "nic=enX1 mac=00:16:3e:5a:01:03\n";
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("save", NULL);
        _cleanup_(inventory_done) Inventory inv = {}, back = {};
        _cleanup_free_ char *text = NULL, *again = NULL;
        Device d = {
                .name = strdup("xvda1"),
                .type = strdup("ext4"),
                .uuid = strdup(UUID_ROOT),
                .partition = true,
                .source = DEVICE_SOURCE_PROBE,
        };
        (void) state;

        assert_int_equal(inventory_add(&inv, &d), 0);
        d = (Device){ .name = strdup("xvdb") };
        assert_int_equal(inventory_add(&inv, &d), 0);
        add_nic(&inv.nics, "enX0", MAC_XEN0, "vif");
        add_nic(&inv.nics, "enX1", MAC_XEN1, NULL);

        assert_int_equal(inventory_save_snapshot(root->fd, &inv), 0);
        assert_int_equal(read_full_at(root->fd, SNAPSHOT_PATH, &text, NULL), 0);
        assert_string_equal(text, expected);

        assert_int_equal(inventory_load_snapshot(root->fd, &back), 0);
        assert_int_equal(back.n, 2);
        assert_string_equal(back.devices[0].name, "xvda1");
        assert_string_equal(back.devices[0].uuid, UUID_ROOT);
        assert_string_equal(back.devices[1].name, "xvdb");
        assert_int_equal(back.nics.n, 2);
        assert_nic(&back.nics.nics[0], "enX0", MAC_XEN0, "vif");
        assert_nic(&back.nics.nics[1], "enX1", MAC_XEN1, NULL);

        /* What was loaded is saved as the same bytes. */
        assert_int_equal(inventory_save_snapshot(root->fd, &back), 0);
        assert_int_equal(read_full_at(root->fd, SNAPSHOT_PATH, &again, NULL), 0);
        assert_string_equal(again, expected);
}

/* A snapshot of NICs and no device (a guest armed before it had disks listed). */
static void test_snapshot_only_nics(void **state) {
        _cleanup_(fixture_root_freep) FixtureRoot *root = fixture_root_new("only-nics", NULL);
        _cleanup_(inventory_done) Inventory inv = {}, back = {};
        _cleanup_free_ char *text = NULL;
        (void) state;

        add_nic(&inv.nics, "eth0", MAC_XEN0, "vif");
        assert_int_equal(inventory_save_snapshot(root->fd, &inv), 0);
        assert_int_equal(read_full_at(root->fd, SNAPSHOT_PATH, &text, NULL), 0);
        assert_string_equal(text, SNAPSHOT_HEADER "nic=eth0 mac=00:16:3e:5a:01:02 driver=vif\n");

        assert_int_equal(inventory_load_snapshot(root->fd, &back), 0);
        assert_int_equal(back.n, 0);
        assert_int_equal(back.nics.n, 1);
        assert_nic(&back.nics.nics[0], "eth0", MAC_XEN0, "vif");
}

/* The state record's NICs */

#define NIC_LINE "nic old=enX0 new=ens3 old-mac=00:16:3e:5a:01:02 new-mac=52:54:00:12:34:56 method=mac\n"

static void test_state_nic_format_parse(void **state) {
        static const char expected[] = "# kvmigrate state record; see migratectl(1)\n"
                                       "state=done\n" NIC_LINE "nic old=eth1 new=ens4 method=only\n";
        _cleanup_(state_record_done) StateRecord r = { .state = MIGRATION_DONE }, back = {};
        _cleanup_free_ char *text = NULL, *again = NULL;
        (void) state;

        assert_int_equal(state_record_add_nic(&r, "enX0", "ens3", MAC_XEN0, MAC_KVM0, "mac"), 0);
        assert_int_equal(state_record_add_nic(&r, "eth1", "ens4", NULL, NULL, "only"), 0);
        assert_int_equal(r.n_nics, 2);

        assert_int_equal(state_format(&r, &text), 0);
        assert_string_equal(text, expected);
        assert_non_null(strstr(text, "\n" NIC_LINE));

        assert_int_equal(state_parse(text, "t.state", &back), 0);
        assert_int_equal(back.state, MIGRATION_DONE);
        assert_int_equal(back.n_nics, 2);
        assert_string_equal(back.nics[0].old_name, "enX0");
        assert_string_equal(back.nics[0].new_name, "ens3");
        assert_string_equal(back.nics[0].old_mac, MAC_XEN0);
        assert_string_equal(back.nics[0].new_mac, MAC_KVM0);
        assert_string_equal(back.nics[0].method, "mac");
        assert_string_equal(back.nics[1].old_name, "eth1");
        assert_string_equal(back.nics[1].new_name, "ens4");
        assert_null(back.nics[1].old_mac);
        assert_null(back.nics[1].new_mac);
        assert_string_equal(back.nics[1].method, "only");
        assert_int_equal(back.n_mappings, 0);

        assert_int_equal(state_format(&back, &again), 0);
        assert_string_equal(again, expected);
}

static void test_state_nic_malformed(void **state) {
        static const struct {
                const char *text, *log;
        } cases[] = {
                { "state=done\nnic new=ens3\n", "t.state:2: nic without old=" },
                { "nic new=ens3 old-mac=00:16:3e:5a:01:02 method=mac\n", "t.state:1: nic without old=" },
                { "nic old=enX0\n", "t.state:1: nic without new=" },
                { "nic\n", "t.state:1: nic without old=" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                StateRecord r = { .state = MIGRATION_PENDING };
                _cleanup_free_ char *log = NULL, *expected = NULL;

                fixture_stderr_start();
                assert_int_equal(state_parse(cases[i].text, "t.state", &r), -EBADMSG);
                log = fixture_stderr_end();
                assert_true(asprintf(&expected, "test-nic: error: %s\n", cases[i].log) > 0);
                assert_string_equal(log, expected);
                assert_int_equal(r.state, MIGRATION_PENDING);
                assert_null(r.nics);
                assert_int_equal(r.n_nics, 0);
        }
}

static void test_state_nic_json(void **state) {
        _cleanup_(state_record_done) StateRecord r = { .state = MIGRATION_DONE }, back = {};
        _cleanup_free_ char *json = NULL, *again = NULL;
        struct json_object *o, *a, *n, *v;
        (void) state;

        assert_int_equal(state_record_add_nic(&r, "enX0", "ens3", MAC_XEN0, MAC_KVM0, "mac"), 0);
        assert_int_equal(state_record_add_nic(&r, "eth1", "ens4", NULL, NULL, "only"), 0);

        assert_int_equal(state_to_json(&r, false, &json), 0);
        assert_non_null(strstr(json,
                "\"nics\":[{\"old\":\"enX0\",\"new\":\"ens3\",\"old_mac\":\"00:16:3e:5a:01:02\","
                "\"new_mac\":\"52:54:00:12:34:56\",\"method\":\"mac\"},"
                "{\"old\":\"eth1\",\"new\":\"ens4\",\"old_mac\":null,\"new_mac\":null,\"method\":\"only\"}"
                "]"));

        o = json_tokener_parse(json);
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "nics", &a));
        assert_int_equal(json_object_get_type(a), json_type_array);
        assert_int_equal(json_object_array_length(a), 2);
        n = json_object_array_get_idx(a, 0);
        assert_int_equal(json_object_get_type(n), json_type_object);
        assert_int_equal(json_object_object_length(n), 5);
        assert_true(json_object_object_get_ex(n, "old", &v));
        assert_string_equal(json_object_get_string(v), "enX0");
        assert_true(json_object_object_get_ex(n, "new", &v));
        assert_string_equal(json_object_get_string(v), "ens3");
        assert_true(json_object_object_get_ex(n, "old_mac", &v));
        assert_string_equal(json_object_get_string(v), MAC_XEN0);
        assert_true(json_object_object_get_ex(n, "new_mac", &v));
        assert_string_equal(json_object_get_string(v), MAC_KVM0);
        assert_true(json_object_object_get_ex(n, "method", &v));
        assert_string_equal(json_object_get_string(v), "mac");
        n = json_object_array_get_idx(a, 1);
        assert_true(json_object_object_get_ex(n, "old_mac", &v));
        assert_null(v);
        assert_true(json_object_object_get_ex(n, "new_mac", &v));
        assert_null(v);
        json_object_put(o);

        assert_int_equal(state_from_json(json, &back), 0);
        assert_int_equal(back.state, MIGRATION_DONE);
        assert_int_equal(back.n_nics, 2);
        assert_string_equal(back.nics[0].old_name, "enX0");
        assert_string_equal(back.nics[0].new_name, "ens3");
        assert_string_equal(back.nics[0].old_mac, MAC_XEN0);
        assert_string_equal(back.nics[0].new_mac, MAC_KVM0);
        assert_string_equal(back.nics[0].method, "mac");
        assert_string_equal(back.nics[1].old_name, "eth1");
        assert_string_equal(back.nics[1].new_name, "ens4");
        assert_null(back.nics[1].old_mac);
        assert_null(back.nics[1].new_mac);
        assert_string_equal(back.nics[1].method, "only");

        assert_int_equal(state_to_json(&back, false, &again), 0);
        assert_string_equal(again, json);
}

/* A record without NICs has an empty "nics" array. */
static void test_state_nic_json_empty(void **state) {
        _cleanup_(state_record_done) StateRecord r = { .state = MIGRATION_ARMED }, back = {};
        _cleanup_free_ char *json = NULL;
        (void) state;

        assert_int_equal(state_to_json(&r, false, &json), 0);
        assert_non_null(strstr(json, "\"nics\":[]"));
        assert_int_equal(state_from_json(json, &back), 0);
        assert_int_equal(back.n_nics, 0);
        assert_null(back.nics);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_is_valid),
                cmocka_unit_test(test_mac_normalize),
                cmocka_unit_test(test_parse_arg),
                cmocka_unit_test(test_list_add_find),
                cmocka_unit_test(test_words_round_trip),
                cmocka_unit_test(test_words_malformed),
                cmocka_unit_test(test_format_invalid),
                cmocka_unit_test(test_method_to_string),
                cmocka_unit_test(test_map_same_mac),
                cmocka_unit_test(test_map_only),
                cmocka_unit_test(test_map_only_same_name),
                cmocka_unit_test(test_map_ambiguous),
                cmocka_unit_test(test_map_mac_then_only),
                cmocka_unit_test(test_map_name_held),
                cmocka_unit_test(test_map_no_new),
                cmocka_unit_test(test_map_none_left),
                cmocka_unit_test(test_map_no_old),
                cmocka_unit_test(test_map_appends),
                cmocka_unit_test(test_snapshot_load_nics),
                cmocka_unit_test(test_snapshot_nics_malformed),
                cmocka_unit_test(test_snapshot_save_nics),
                cmocka_unit_test(test_snapshot_only_nics),
                cmocka_unit_test(test_state_nic_format_parse),
                cmocka_unit_test(test_state_nic_malformed),
                cmocka_unit_test(test_state_nic_json),
                cmocka_unit_test(test_state_nic_json_empty),
        };

        log_set_program("test-nic");
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
