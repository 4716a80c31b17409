/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "netcfg.h"
#include "nic.h"
#include "util.h"

#define MAC_XEN0 "00:16:3e:5a:01:02"
#define MAC_XEN1 "00:16:3e:5a:01:03"
#define MAC_KVM0 "52:54:00:12:34:56"

#define IFUPDOWN "/etc/network/interfaces"

/* One name netcfg_read() should give: its MAC (NULL for none) and "FILE:LINE". */
typedef struct Want {
        const char *name;
        const char *mac;
        const char *where;
} Want;

/* The names wanted, in order: WANT({ "eth0", NULL, "/etc/network/interfaces:1" }, …); NONE: none. */
#define WANT(...) ((const Want[]){ __VA_ARGS__, {} })
#define NONE ((const Want[]){ {} })

static const char *str_or_null(const char *s) {
        return s ?: "(null)";
}

/* Every name of @c, one a line, for messages. */
static char *format_names(const Netcfg *c) {
        _cleanup_(buf_done) Buf b = {};
        char *s;

        for (size_t i = 0; i < c->n; i++)
                assert_int_equal(buf_printf(&b, "  %s mac=%s %s\n", c->names[i].name,
                                         str_or_null(c->names[i].mac), c->names[i].where),
                        0);
        s = buf_steal(&b);
        assert_non_null(s);
        return s;
}

static char *format_wants(const Want *want) {
        _cleanup_(buf_done) Buf b = {};
        char *s;

        for (const Want *w = want; w->name; w++)
                assert_int_equal(
                        buf_printf(&b, "  %s mac=%s %s\n", w->name, str_or_null(w->mac), w->where), 0);
        s = buf_steal(&b);
        assert_non_null(s);
        return s;
}

/* @c holds exactly @want, in order, with the same MACs and places. */
static void assert_names(const Netcfg *c, const Want *want) {
        size_t n = 0;
        bool same;

        while (want[n].name)
                n++;
        same = c->n == n;
        for (size_t i = 0; same && i < n; i++) {
                const NetcfgName *e = &c->names[i];

                same = e->name && streq(e->name, want[i].name) && streq_ptr(e->mac, want[i].mac) &&
                        e->where && streq(e->where, want[i].where);
        }
        if (!same) {
                _cleanup_free_ char *got = format_names(c), *wanted = format_wants(want);

                fail_msg("netcfg_read() gave %zu names:\n%swanted %zu:\n%s", c->n, got, n, wanted);
        }
        /* netcfg_find() finds each one, where it is. */
        for (size_t i = 0; i < n; i++)
                assert_ptr_equal(netcfg_find(c, want[i].name), &c->names[i]);
}

/* netcfg_read() of @rootfd succeeds and gives exactly @want. */
static void check_read(int rootfd, const Want *want) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;

        assert_int_equal(netcfg_read(rootfd, &c, &error), 0);
        assert_names(&c, want);
}

static int root_fd(void **state) {
        const FixtureRoot *root = *state;

        return root->fd;
}

/* An empty root names nothing, and a reader whose folders are all missing is no error. */
static void test_empty_root(void **state) {
        check_read(root_fd(state), NONE);
}

/* ifupdown */

static void test_ifupdown(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces",
                "# The loopback network interface\n" /* 1 */
                "auto lo\n" /* 2 */
                "iface lo inet loopback\n" /* 3 */
                "\n" /* 4 */
                "auto eth0 eth1\n" /* 5 */
                "allow-hotplug enX0\n" /* 6 */
                "iface eth0 inet static\n" /* 7 */
                "        address 192.0.2.10/24\n" /* 8 */
                "        # gateway 192.0.2.1\n" /* 9 */
                "iface eth0:1 inet static\n" /* 10 */
                "        address 192.0.2.11/24\n" /* 11 */
                "auto eth0.100\n" /* 12 */
                "iface eth0.100 inet manual\n" /* 13 */
                "#auto eth9\n" /* 14 */
                "   # allow-hotplug eth8\n" /* 15 */
                "iface enX0 inet dhcp\n" /* 16 */
                "source /etc/network/interfaces.d/*\n"); /* 17 */
        /* An alias and a VLAN name their NIC when they are its first mention. */
        fixture_write(fd, "etc/network/interfaces.d/eth2",
                "# second NIC\n"
                "iface eth2:1 inet static\n"
                "auto eth3.100 eth2\n");
        /* Backups and hidden files are skipped. */
        fixture_write(fd, "etc/network/interfaces.d/eth2~", "auto eth4\n");
        fixture_write(fd, "etc/network/interfaces.d/.eth5", "auto eth5\n");
        fixture_write(fd, "etc/network/interfaces.d/eth6.dpkg-old", "auto eth6\n");

        check_read(fd,
                WANT({ "eth0", NULL, IFUPDOWN ":5" }, { "eth1", NULL, IFUPDOWN ":5" },
                        { "enX0", NULL, IFUPDOWN ":6" },
                        { "eth2", NULL, "/etc/network/interfaces.d/eth2:2" },
                        { "eth3", NULL, "/etc/network/interfaces.d/eth2:3" }));
}

/* systemd-networkd */

static void test_networkd(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/systemd/network/10-xen.network",
                "[Match]\n"
                "Name=enX0 eth1\n"
                "\n"
                "[Network]\n"
                "DHCP=yes\n");
        /* Globs and negations name no one interface (not even the NIC of a VLAN glob). */
        fixture_write(fd, "etc/systemd/network/20-glob.network",
                "[Match]\n"
                "Name=en*\n"
                "Name=eth? eth[23] eth5.* enX7:?\n");
        fixture_write(fd, "etc/systemd/network/30-not.network",
                "[Match]\n"
                "Name=!enX1\n");
        /* Name= outside [Match] matches nothing. */
        fixture_write(fd, "etc/systemd/network/40-link.network",
                "[Match]\n"
                "MACAddress=00:16:3e:5a:01:02\n"
                "\n"
                "[Link]\n"
                "Name=eth7\n"
                "[Network]\n"
                "Name=eth8\n");
        /* Blanks around '=' are fine; [Match] again. */
        fixture_write(fd, "etc/systemd/network/50-eth2.network",
                "[Network]\n"
                "DHCP=no\n"
                "[Match]\n"
                "Name = eth2\n");
        /* A .link file is not read. */
        fixture_write(fd, "etc/systemd/network/10-xen.link",
                "[Match]\n"
                "Name=eth9\n"
                "[Link]\n"
                "Name=eth10\n");
        /* Nor a backup. */
        fixture_write(fd, "etc/systemd/network/60-old.network.bak",
                "[Match]\n"
                "Name=eth11\n");

        check_read(fd,
                WANT({ "enX0", NULL, "/etc/systemd/network/10-xen.network:2" },
                        { "eth1", NULL, "/etc/systemd/network/10-xen.network:2" },
                        { "eth2", NULL, "/etc/systemd/network/50-eth2.network:4" }));
}

/*
 * systemd.network(5): "If the list is prefixed with a "!", the test is
 * inverted": "Name=!enX1 enX2" matches every interface but those two.
 */
static void test_networkd_negated_list(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/systemd/network/30-not.network",
                "[Match]\n"
                "Name=!enX1 enX2\n");
        fixture_write(fd, "etc/systemd/network/40-eth0.network",
                "[Match]\n"
                "Name=eth0\n");

        check_read(fd, WANT({ "eth0", NULL, "/etc/systemd/network/40-eth0.network:2" }));
}

/* NetworkManager keyfiles */

static void test_keyfile(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/NetworkManager/system-connections/Wired connection 1.nmconnection",
                "[connection]\n"
                "id=Wired connection 1\n"
                "uuid=3c0f7e5b-2a4c-4c51-9c57-2f1b0c7a4b11\n"
                "type=ethernet\n"
                "interface-name=eth0\n"
                "\n"
                "[ethernet]\n"
                "interface-name=eth1\n"
                "mac-address=00:16:3E:5A:01:02\n"
                "\n"
                "[ipv4]\n"
                "method=auto\n");
        fixture_write(fd, "etc/NetworkManager/system-connections/xen.nmconnection",
                "[vpn]\n"
                "interface-name=eth2\n"
                "\n"
                "[connection]\n"
                "id=xen\n"
                "interface-name = enX0\n");
        fixture_write(fd, "etc/NetworkManager/system-connections/xen.nmconnection~",
                "[connection]\n"
                "interface-name=eth3\n");

        check_read(fd,
                WANT({ "eth0", NULL,
                             "/etc/NetworkManager/system-connections/Wired connection 1.nmconnection:5" },
                        { "enX0", NULL, "/etc/NetworkManager/system-connections/xen.nmconnection:6" }));
}

/* ifcfg */

static void test_ifcfg(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0",
                "# Xen virtual NIC\n"
                "DEVICE=\"eth0\"\n"
                "BOOTPROTO=dhcp\n"
                "ONBOOT=yes\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0:1",
                "DEVICE='eth0:1'\n"
                "IPADDR=192.0.2.11\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-lo", "DEVICE=lo\n");
        /* DEVICETYPE= is not DEVICE=; blanks before the key are fine. */
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-xen",
                "DEVICETYPE=eth7\n"
                "TYPE=Ethernet\n"
                "  DEVICE=enX0\n");
        /* Files not named ifcfg-*, and backups, are skipped. */
        fixture_write(fd, "etc/sysconfig/network-scripts/network-functions", "DEVICE=eth5\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/route-eth0", "DEVICE=eth6\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0.bak", "DEVICE=eth8\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0~", "DEVICE=eth9\n");
        /* SUSE */
        fixture_write(fd, "etc/sysconfig/network/ifcfg-eth1",
                "BOOTPROTO='dhcp'\n"
                "STARTMODE='auto'\n"
                "DEVICE='eth1'\n");
        fixture_write(fd, "etc/sysconfig/network/config", "DEVICE=eth10\n");

        check_read(fd,
                WANT({ "eth0", NULL, "/etc/sysconfig/network-scripts/ifcfg-eth0:2" },
                        { "enX0", NULL, "/etc/sysconfig/network-scripts/ifcfg-xen:3" },
                        { "eth1", NULL, "/etc/sysconfig/network/ifcfg-eth1:3" }));
}

/* On Red Hat, /etc/sysconfig/network is a file, not the SUSE folder: no error. */
static void test_ifcfg_network_is_a_file(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/sysconfig/network",
                "NETWORKING=yes\n"
                "DEVICE=eth3\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\n");

        check_read(fd, WANT({ "eth0", NULL, "/etc/sysconfig/network-scripts/ifcfg-eth0:1" }));
}

/*
 * SUSE's ifcfg files have no DEVICE=: the interface is the file's name
 * (ifcfg-eth1 configures eth1); Red Hat's initscripts fall back on the
 * file's name too when DEVICE= is missing.
 */
static void test_ifcfg_name_from_file(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/sysconfig/network/ifcfg-eth1",
                "BOOTPROTO='dhcp'\n"
                "STARTMODE='auto'\n");

        check_read(fd, WANT({ "eth1", NULL, "/etc/sysconfig/network/ifcfg-eth1:1" }));
}

/* netplan */

/* The same netplan config, indented by @indent spaces a level. */
static void check_netplan(int fd, unsigned indent) {
        static const struct {
                unsigned level;
                const char *text;
        } lines[] = {
                { 0, "# Written by cloud-init" }, /* 1 */
                { 0, "network:" }, /* 2 */
                { 1, "version: 2" }, /* 3 */
                { 1, "renderer: networkd" }, /* 4 */
                { 1, "ethernets:" }, /* 5 */
                { 2, "eth0:" }, /* 6 */
                { 3, "dhcp4: true" }, /* 7 */
                { 3, "addresses:" }, /* 8 */
                { 4, "- 192.0.2.10/24" }, /* 9 */
                { 3, "routes:" }, /* 10 */
                { 4, "- to: default" }, /* 11 */
                { 4, "  via: 192.0.2.1" }, /* 12 */
                { 3, "nameservers:" }, /* 13 */
                { 4, "search: [example.com]" }, /* 14 */
                { 2, "# the second NIC" }, /* 15 */
                { 2, "nic1:" }, /* 16 */
                { 3, "match:" }, /* 17 */
                { 4, "macaddress: \"00:16:3e:5a:01:03\"" }, /* 18 */
                { 3, "set-name: lan0" }, /* 19 */
                { 3, "dhcp4: true" }, /* 20 */
                { 2, "enX0: {}" }, /* 21 */
                { 2, "\"eth1\":" }, /* 22 */
                { 3, "dhcp6: true" }, /* 23 */
                { 1, "bridges:" }, /* 24 */
                { 2, "br0:" }, /* 25 */
                { 3, "interfaces: [eth0]" }, /* 26 */
                { 2, "eth5:" }, /* 27 */
                { 3, "dhcp4: true" }, /* 28 */
                { 1, "vlans:" }, /* 29 */
                { 2, "vlan10:" }, /* 30 */
                { 3, "id: 10" }, /* 31 */
                { 3, "link: eth0" }, /* 32 */
        };
        _cleanup_(buf_done) Buf b = {};

        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                assert_int_equal(
                        buf_printf(&b, "%*s%s\n", (int) (lines[i].level * indent), "", lines[i].text), 0);
        fixture_write(fd, "etc/netplan/50.yaml", b.data);
        /* Only *.yaml is read. */
        fixture_write(fd, "etc/netplan/50.yaml.dpkg-old", b.data);
        fixture_write(fd, "etc/netplan/60.yml", "network:\n  ethernets:\n    eth7: {}\n");

        check_read(fd,
                WANT({ "eth0", NULL, "/etc/netplan/50.yaml:6" }, { "lan0", NULL, "/etc/netplan/50.yaml:19" },
                        { "enX0", NULL, "/etc/netplan/50.yaml:21" },
                        { "eth1", NULL, "/etc/netplan/50.yaml:22" }));
}

static void test_netplan_indent2(void **state) {
        check_netplan(root_fd(state), 2);
}

static void test_netplan_indent4(void **state) {
        check_netplan(root_fd(state), 4);
}

/* "ethernets:" last in the file, its last id at the end without a newline; one file after another. */
static void test_netplan_eof(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/netplan/01-bridge.yaml",
                "network:\n"
                "  bridges:\n"
                "    br0:\n"
                "      interfaces: [eth0]\n"
                "  ethernets:\n"
                "    eth0:\n"
                "      dhcp4: false\n"
                "    enX1:\n"
                "      match:\n"
                "        driver: vif\n"
                "    eth1: {}");
        fixture_write(fd, "etc/netplan/02-more.yaml",
                "network:\n"
                "  ethernets:\n"
                "    eth2:\n"
                "      dhcp4: true\n");

        check_read(fd,
                WANT({ "eth0", NULL, "/etc/netplan/01-bridge.yaml:6" },
                        { "eth1", NULL, "/etc/netplan/01-bridge.yaml:11" },
                        { "eth2", NULL, "/etc/netplan/02-more.yaml:3" }));
}

/* persistent-net rules */

#define RULES "/etc/udev/rules.d/70-persistent-net.rules"
#define RULE(mac, name)                                                                                     \
        "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"" mac                       \
        "\", ATTR{dev_id}==\"0x0\", ATTR{type}==\"1\", KERNEL==\"eth*\", NAME=\"" name "\"\n"

static void test_persistent_net_rules(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces",
                "auto eth1\n"
                "iface eth1 inet dhcp\n");
        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules",
                "# This file was automatically generated by the /lib/udev/write_net_rules\n" /* 1 */
                "# program, run by the persistent-net-generator.rules rules file.\n" /* 2 */
                "\n" /* 3 */
                "# Xen virtual NIC (vif)\n" /* 4 */
                RULE("00:16:3E:5A:01:02", "eth0") /* 5 */
                "\n" /* 6 */
                RULE("00:16:3e:5a:01:03", "eth1") /* 7 */
                "SUBSYSTEM==\"net\", KERNELS==\"vif-2\", NAME=\"eth2\"\n"); /* 8 */
        /* Other rules files are not read. */
        fixture_write(fd, "etc/udev/rules.d/80-net.rules", RULE("00:16:3e:5a:01:04", "eth3"));
        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules.bak", RULE("00:16:3e:5a:01:05", "eth4"));

        check_read(fd,
                WANT({ "eth1", MAC_XEN1, IFUPDOWN ":1" }, { "eth0", MAC_XEN0, RULES ":5" },
                        { "eth2", NULL, RULES ":8" }));
}

/* A MAC that is no NIC's, or malformed, pins nothing; the name still counts. */
static void test_persistent_net_bad_mac(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules",
                RULE("00:00:00:00:00:00", "eth0") RULE(
                        "00:16:3e:5a:01:0g", "eth1") "ATTR{address}==\"00:16:3e:5a:01:02\", NAME==\"eth5\"\n"
                                                     "ATTR{address}==\"00:16:3e:5a:01\", NAME=\"eth2\"\n");

        check_read(fd,
                WANT({ "eth0", NULL, RULES ":1" }, { "eth1", NULL, RULES ":2" },
                        { "eth2", NULL, RULES ":4" }));
}

/* Hostile input */

static void test_hostile_names(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces",
                "auto abcdefghijklmno abcdefghijklmnop\n" /* 15 bytes: taken; 16: not */
                "auto eth/0 ../../etc eth\"1 eth1'\n"
                "iface /etc/passwd inet dhcp\n"
                "auto \xc3\xa9th0 eth\\2\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth3", "DEVICE=\"et\"h3\"\n");
        fixture_write(fd, "etc/NetworkManager/system-connections/x.nmconnection",
                "[connection]\n"
                "interface-name=eth4 eth5\n");
        fixture_write(fd, "etc/netplan/50.yaml",
                "network:\n"
                "  ethernets:\n"
                "    \"et'h6\":\n"
                "      dhcp4: true\n"
                "    abcdefghijklmnopq:\n"
                "      dhcp4: true\n"
                "    eth7:\n"
                "      match: {}\n"
                "      set-name: eth/7\n");
        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules",
                "ATTR{address}==\"00:16:3e:5a:01:02\", NAME=\"eth'8\"\n"
                "ATTR{address}==\"00:16:3e:5a:01:03\", NAME=\"0123456789abcdef\"\n");

        check_read(fd, WANT({ "abcdefghijklmno", NULL, IFUPDOWN ":1" }));
}

/* A config that links out of the root is followed inside it: the host's files are never read. */
static void test_symlink_out_of_root(void **state) {
        _cleanup_free_ char *abs_file = NULL, *abs_dir = NULL;
        FixtureHostile h;
        (void) state;

        fixture_hostile_make(&h, "test-netcfg");
        /* What the host has, beside the root. */
        fixture_shell("mkdir -p '%s/netplan' && printf 'auto eth7\\n' >'%s/interfaces' && "
                      "printf 'network:\\n  ethernets:\\n    eth8: {}\\n' >'%s/netplan/50.yaml' && "
                      "printf '[Match]\\nName=eth9\\n' >'%s/netplan/10.network'",
                h.host, h.host, h.host, h.host);
        assert_true(asprintf(&abs_file, "%s/interfaces", h.host) > 0);
        assert_true(asprintf(&abs_dir, "%s/netplan", h.host) > 0);

        /* root/etc/network/interfaces -> top/host/interfaces on the host, /host/interfaces in the root */
        fixture_symlink(h.rootfd, "etc/network/interfaces", "../../../host/interfaces");
        fixture_symlink(h.rootfd, "etc/network/interfaces.d/abs", abs_file);
        fixture_symlink(h.rootfd, "etc/sysconfig/network-scripts/ifcfg-eth0", "../../../../host/interfaces");
        fixture_symlink(h.rootfd, "etc/netplan", abs_dir);
        fixture_symlink(h.rootfd, "etc/systemd/network", "../../../host/netplan");

        check_read(h.rootfd, NONE);
        fixture_hostile_done(&h);
}

/* The same links, when the root has what they name: that is what is read. */
static void test_symlink_in_root(void **state) {
        int fd = root_fd(state);

        /* The host has /etc/passwd; the root's is read. */
        fixture_write(fd, "etc/passwd", "auto enX5\n");
        fixture_symlink(fd, "etc/network/interfaces", "/etc/passwd");
        fixture_write(fd, "etc/hostname", "auto enX6\n");
        fixture_symlink(fd, "etc/network/interfaces.d/up", "../../../../../../../etc/hostname");
        fixture_write(fd, "srv/netplan/50.yaml", "network:\n  ethernets:\n    eth1: {}\n");
        fixture_symlink(fd, "etc/netplan", "/../../srv/netplan");

        check_read(fd,
                WANT({ "enX5", NULL, "/etc/passwd:1" }, { "enX6", NULL, "/etc/hostname:1" },
                        { "eth1", NULL, "/srv/netplan/50.yaml:3" }));
}

/* A FIFO is refused at once with an error, never waited on: the alarm fails the test if it hangs. */
static void test_fifo(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *log = NULL, *expected = NULL;
        int fd = root_fd(state);
        int r;

        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\n");
        fixture_make_parents(((const FixtureRoot *) *state)->path, "etc/network/interfaces");
        assert_int_equal(mkfifoat(fd, "etc/network/interfaces", 0644), 0);

        (void) alarm(5);
        fixture_stderr_start();
        r = netcfg_read(fd, &c, &error);
        log = fixture_stderr_end();
        (void) alarm(0);

        assert_int_equal(r, -EBADFD);
        assert_null(c.names);
        assert_int_equal(c.n, 0);
        assert_true(asprintf(&expected, "test-netcfg: error: " IFUPDOWN ": cannot read: %s\n",
                            strerror(EBADFD)) > 0);
        assert_string_equal(log, expected);
}

/* A FIFO in a folder that is listed: the same. */
static void test_fifo_in_folder(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *log = NULL;
        int fd = root_fd(state);
        int r;

        fixture_write(fd, "etc/netplan/01.yaml", "network:\n  ethernets:\n    eth0: {}\n");
        assert_int_equal(mkfifoat(fd, "etc/netplan/50.yaml", 0644), 0);

        (void) alarm(5);
        fixture_stderr_start();
        r = netcfg_read(fd, &c, &error);
        log = fixture_stderr_end();
        (void) alarm(0);

        assert_int_equal(r, -EBADFD);
        assert_int_equal(c.n, 0);
        assert_non_null(strstr(log, "/etc/netplan/50.yaml: cannot read"));
}

/*
 * A rules file linked to /dev/null is masked (udev, and systemd for its own
 * files): Debian's way to turn the persistent-net generator off is
 * "ln -s /dev/null /etc/udev/rules.d/75-persistent-net-generator.rules".
 * On the running system (root "/") /dev/null is there; it names nothing and
 * is no reason to fail.
 */
static void test_masked_by_dev_null(void **state) {
        const FixtureRoot *root = *state;
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *log = NULL;
        int r;

        fixture_make_parents(root->path, "dev/null");
        if (mknodat(root->fd, "dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0)
                skip(); /* not allowed to make devices here */
        fixture_write(root->fd, "etc/network/interfaces", "auto eth0\n");
        fixture_symlink(root->fd, "etc/udev/rules.d/75-persistent-net-generator.rules", "/dev/null");
        fixture_symlink(root->fd, "etc/systemd/network/99-default.network", "/dev/null");

        fixture_stderr_start();
        r = netcfg_read(root->fd, &c, &error);
        log = fixture_stderr_end();
        if (r < 0)
                fail_msg("netcfg_read() returned %d (%s); it logged: %s", r, strerror(-r), log);
        assert_names(&c, WANT({ "eth0", NULL, IFUPDOWN ":1" }));
}

/*
 * The biggest file root_read_file() hands over (16 MiB) of one name is read
 * to its end: the alarm only stops a hang (scanning on from every name to
 * the end of the file took minutes at that size), it times nothing.
 */
static void test_biggest_file_ends(void **state) {
        static const char line[] = "auto enX0\n";
        const size_t n = ((16U << 20) - 1) / (sizeof line - 1);
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *data = NULL;
        int fd = root_fd(state);

        data = malloc(n * (sizeof line - 1) + 1);
        assert_non_null(data);
        for (size_t i = 0; i < n; i++)
                memcpy(data + i * (sizeof line - 1), line, sizeof line - 1);
        fixture_write_full(fd, "etc/network/interfaces", data, n * (sizeof line - 1), 0644);

        (void) alarm(300);
        assert_int_equal(netcfg_read(fd, &c, &error), 0);
        (void) alarm(0);
        assert_names(&c, WANT({ "enX0", NULL, IFUPDOWN ":1" }));
}

/* More distinct names than any guest has: a hostile file; it names the line, and nothing is taken. */
static void test_too_many_names(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL, *want = NULL;
        _cleanup_(buf_done) Buf b = {};
        int fd = root_fd(state);

        for (unsigned i = 0; i <= NETCFG_NAMES_MAX; i++)
                assert_int_equal(buf_printf(&b, "auto eth%u\n", i), 0);
        fixture_write_full(fd, "etc/network/interfaces", b.data, b.len, 0644);

        assert_int_equal(netcfg_read(fd, &c, &error), -EBADMSG);
        assert_int_equal(c.n, 0);
        assert_true(asprintf(&want, "/etc/network/interfaces:%u: more interface names than any guest has",
                            NETCFG_NAMES_MAX + 1) > 0);
        assert_string_equal(error, want);
}

/* A folder where a file is read, a file where a folder is listed: names nothing, no error. */
static void test_wrong_kinds(void **state) {
        int fd = root_fd(state);

        assert_int_equal(mkdirat(fd, "etc", 0755), 0);
        assert_int_equal(mkdirat(fd, "etc/network", 0755), 0);
        assert_int_equal(mkdirat(fd, "etc/network/interfaces", 0755), 0);
        fixture_write(fd, "etc/network/interfaces.d", "auto eth1\n");
        fixture_write(fd, "etc/netplan", "network:\n  ethernets:\n    eth2: {}\n");
        fixture_write(fd, "etc/systemd/network/10.network/x", "[Match]\nName=eth3\n");
        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules/x", RULE("00:16:3e:5a:01:02", "eth4"));
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth5", "DEVICE=eth5\n");

        check_read(fd, WANT({ "eth5", NULL, "/etc/sysconfig/network-scripts/ifcfg-eth5:1" }));
}

/* /etc/network is a file: /etc/network/interfaces is not there, and that is no error. */
static void test_parent_is_a_file(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/network", "auto eth1\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\n");

        check_read(fd, WANT({ "eth0", NULL, "/etc/sysconfig/network-scripts/ifcfg-eth0:1" }));
}

/* The order of the places, each name once, at its first mention. */
static void test_order_and_once(void **state) {
        int fd = root_fd(state);

        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules", RULE("00:16:3e:5a:01:02", "eth0"));
        fixture_write(fd, "etc/netplan/50.yaml", "network:\n  ethernets:\n    eth0: {}\n    eth1: {}\n");
        fixture_write(fd, "etc/sysconfig/network/ifcfg-eth2", "DEVICE=eth2\n");
        fixture_write(fd, "etc/sysconfig/network-scripts/ifcfg-eth3", "DEVICE=eth3\n");
        fixture_write(fd, "etc/NetworkManager/system-connections/a", "[connection]\ninterface-name=eth4\n");
        fixture_write(fd, "etc/systemd/network/b.network", "[Match]\nName=eth5 eth1\n");
        fixture_write(fd, "etc/network/interfaces.d/c", "auto eth6\n");
        fixture_write(fd, "etc/network/interfaces", "auto eth7 eth2\n");

        check_read(fd,
                WANT({ "eth7", NULL, IFUPDOWN ":1" }, { "eth2", NULL, IFUPDOWN ":1" },
                        { "eth6", NULL, "/etc/network/interfaces.d/c:1" },
                        { "eth5", NULL, "/etc/systemd/network/b.network:2" },
                        { "eth1", NULL, "/etc/systemd/network/b.network:2" },
                        { "eth4", NULL, "/etc/NetworkManager/system-connections/a:2" },
                        { "eth3", NULL, "/etc/sysconfig/network-scripts/ifcfg-eth3:1" },
                        { "eth0", MAC_XEN0, "/etc/netplan/50.yaml:3" }));
}

/* netcfg_name_is_xen_era() */

static void test_name_is_xen_era(void **state) {
        static const char *const yes[] = { "eth0", "eth12", "enX0", "enX3", "enX10" };
        static const char *const no[] = {
                "",
                "eth",
                "enX",
                "ethx",
                "enx0",
                "ENX0",
                "ens3",
                "eth0a",
                "enX0s1",
                "enp0s3",
                "eth0.100",
                "eth-1",
                "lo",
                "br0",
                "xeth0",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (!netcfg_name_is_xen_era(yes[i]))
                        fail_msg("\"%s\" is not taken as a Xen NIC's name", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (netcfg_name_is_xen_era(no[i]))
                        fail_msg("\"%s\" is taken as a Xen NIC's name", no[i]);
}

/* netcfg_old_nics() */

/* A NIC present now, whose name udev gave it for good. */
static void add_nic(NicList *l, const char *name, const char *mac) {
        Nic n = {
                .name = strdup(name), .mac = strdup(mac), .driver = strdup("virtio_net"), .name_final = true
        };

        assert_non_null(n.name);
        assert_non_null(n.mac);
        assert_non_null(n.driver);
        assert_int_equal(nic_list_add(l, &n), 0);
}

static void assert_old_nic(const Nic *n, const char *name, const char *mac) {
        assert_non_null(n);
        assert_string_equal(n->name, name);
        if (!streq_ptr(n->mac, mac))
                fail_msg("%s: MAC %s, wanted %s", name, str_or_null(n->mac), str_or_null(mac));
        assert_null(n->driver);
}

static void test_old_nics(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_(nic_list_done) NicList now = {}, old = {};
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces", "auto eth0 enX0 ens3 br0\n");
        fixture_write(fd, "etc/udev/rules.d/70-persistent-net.rules", RULE("00:16:3e:5a:01:02", "eth0"));
        add_nic(&now, "ens3", MAC_KVM0);
        add_nic(&now, "enX0", MAC_XEN1);

        assert_int_equal(netcfg_read(fd, &c, &error), 0);
        assert_names(&c,
                WANT({ "eth0", MAC_XEN0, IFUPDOWN ":1" }, { "enX0", NULL, IFUPDOWN ":1" },
                        { "ens3", NULL, IFUPDOWN ":1" }, { "br0", NULL, IFUPDOWN ":1" }));

        assert_int_equal(netcfg_old_nics(&c, &now, &old), 0);
        assert_int_equal(old.n, 1);
        assert_old_nic(&old.nics[0], "eth0", MAC_XEN0);
        /* @now is left as it was. */
        assert_int_equal(now.n, 2);
        assert_string_equal(now.nics[0].name, "ens3");
        assert_string_equal(now.nics[1].name, "enX0");
}

/* Without a rule, no MAC; two such names are two NICs. */
static void test_old_nics_no_mac(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_(nic_list_done) NicList now = {}, old = {};
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces", "auto eth0 ens3 enX1\n");
        add_nic(&now, "ens3", MAC_KVM0);

        assert_int_equal(netcfg_read(fd, &c, &error), 0);
        assert_int_equal(netcfg_old_nics(&c, &now, &old), 0);
        assert_int_equal(old.n, 2);
        assert_old_nic(&old.nics[0], "eth0", NULL);
        assert_old_nic(&old.nics[1], "enX1", NULL);
}

/*
 * In an initramfs without udev's naming rules the NIC is the kernel's eth0
 * for now; the real root's udev would call it ens3. A provisional eth0 does
 * not hold the name the guest's configs use.
 */
static void test_old_nics_provisional(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_(nic_list_done) NicList now = {}, old = {};
        Nic n = { .name = strdup("eth0"), .mac = strdup(MAC_KVM0) };
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces", "auto eth0\n");
        assert_non_null(n.name);
        assert_non_null(n.mac);
        assert_int_equal(nic_list_add(&now, &n), 0);

        assert_int_equal(netcfg_read(fd, &c, &error), 0);
        assert_int_equal(netcfg_old_nics(&c, &now, &old), 0);
        assert_int_equal(old.n, 1);
        assert_old_nic(&old.nics[0], "eth0", NULL);
}

/* Nothing Xen-era, or every Xen-era name held now: an empty list. */
static void test_old_nics_none(void **state) {
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_(nic_list_done) NicList now = {}, old = {}, none = {};
        const Netcfg empty = {};
        int fd = root_fd(state);

        fixture_write(fd, "etc/network/interfaces", "auto eth0 ens3\n");
        add_nic(&now, "eth0", MAC_KVM0);

        assert_int_equal(netcfg_read(fd, &c, &error), 0);
        assert_int_equal(netcfg_old_nics(&c, &now, &old), 0);
        assert_int_equal(old.n, 0);
        assert_null(old.nics);
        assert_int_equal(netcfg_old_nics(&empty, &now, &none), 0);
        assert_int_equal(none.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                FIXTURE_ROOT_TEST(test_empty_root),
                FIXTURE_ROOT_TEST(test_ifupdown),
                FIXTURE_ROOT_TEST(test_networkd),
                FIXTURE_ROOT_TEST(test_networkd_negated_list),
                FIXTURE_ROOT_TEST(test_keyfile),
                FIXTURE_ROOT_TEST(test_ifcfg),
                FIXTURE_ROOT_TEST(test_ifcfg_network_is_a_file),
                FIXTURE_ROOT_TEST(test_ifcfg_name_from_file),
                FIXTURE_ROOT_TEST(test_netplan_indent2),
                FIXTURE_ROOT_TEST(test_netplan_indent4),
                FIXTURE_ROOT_TEST(test_netplan_eof),
                FIXTURE_ROOT_TEST(test_persistent_net_rules),
                FIXTURE_ROOT_TEST(test_persistent_net_bad_mac),
                FIXTURE_ROOT_TEST(test_hostile_names),
                cmocka_unit_test(test_symlink_out_of_root),
                FIXTURE_ROOT_TEST(test_symlink_in_root),
                FIXTURE_ROOT_TEST(test_fifo),
                FIXTURE_ROOT_TEST(test_fifo_in_folder),
                FIXTURE_ROOT_TEST(test_masked_by_dev_null),
                FIXTURE_ROOT_TEST(test_biggest_file_ends),
                FIXTURE_ROOT_TEST(test_too_many_names),
                FIXTURE_ROOT_TEST(test_wrong_kinds),
                FIXTURE_ROOT_TEST(test_parent_is_a_file),
                FIXTURE_ROOT_TEST(test_order_and_once),
                cmocka_unit_test(test_name_is_xen_era),
                FIXTURE_ROOT_TEST(test_old_nics),
                FIXTURE_ROOT_TEST(test_old_nics_no_mac),
                FIXTURE_ROOT_TEST(test_old_nics_none),
                FIXTURE_ROOT_TEST(test_old_nics_provisional),
        };

        log_set_program("test-netcfg");
        return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
