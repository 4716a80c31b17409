/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The interface names a never-armed guest's network configs use, through
 * netcfg_read() on a root of our own: the first byte of the input picks the
 * file (ifupdown, networkd, NetworkManager keyfile, ifcfg, netplan,
 * persistent-net rules), the rest is its content. Every name it returns must
 * be one kvmigrate may write into a udev rule, once.
 */

#include <stdio.h>

#include "fuzz.h"
#include "netcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const files[] = {
                "etc/network/interfaces",
                "etc/systemd/network/10.network",
                "etc/NetworkManager/system-connections/wired.nmconnection",
                "etc/sysconfig/network-scripts/ifcfg-eth0",
                "etc/netplan/50.yaml",
                "etc/udev/rules.d/70-persistent-net.rules",
        };
        _cleanup_(netcfg_done) Netcfg c = {};
        _cleanup_free_ char *error = NULL;
        int r;

        if (size == 0)
                return 0;
        fuzz_clear();
        fuzz_write(files[data[0] % ELEMENTSOF(files)], data + 1, size - 1);
        r = netcfg_read(fuzz_root(), &c, &error);
        if (r == -EBADMSG && !error) {
                fprintf(stderr, "netcfg_read() refused without saying why\n");
                abort();
        }
        for (size_t i = 0; r >= 0 && i < c.n; i++) {
                if (!nic_name_is_valid(c.names[i].name) || streq(c.names[i].name, "lo") ||
                        !c.names[i].where) {
                        fprintf(stderr, "netcfg_read() returned the name \"%s\"\n", c.names[i].name);
                        abort();
                }
                for (size_t j = 0; j < i; j++)
                        if (streq(c.names[i].name, c.names[j].name)) {
                                fprintf(stderr, "netcfg_read() returned %s twice\n", c.names[i].name);
                                abort();
                        }
        }
        return 0;
}
