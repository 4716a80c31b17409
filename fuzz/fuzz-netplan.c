/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * A guest's netplan file through netplan_parse() (libyaml), as the net
 * fixer and netcfg read it. What it accepts must hold: each "match:
 * macaddress:" it reports lies inside the file and spells a MAC there, byte
 * for byte, for the fixer replaces exactly those 17 bytes.
 */

#include <stdio.h>

#include "fuzz.h"
#include "netplan.h"
#include "nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(netplan_file_done) NetplanFile f = {};
        _cleanup_free_ char *error = NULL, *text = strndup((const char *) data, size);
        int r;

        if (!text)
                return 0;
        r = netplan_parse("/etc/netplan/50.yaml", (const char *) data, size, &f, &error);
        if (r == -EBADMSG && !error) {
                fprintf(stderr, "netplan_parse() refused without saying why\n");
                abort();
        }
        if (r < 0)
                return 0;
        for (size_t i = 0; i < f.n_macs; i++) {
                _cleanup_free_ char *mac = NULL, *spelled = NULL;

                if (f.macs[i].offset + 17 > size ||
                        !(spelled = strndup((const char *) data + f.macs[i].offset, 17)) ||
                        nic_mac_normalize(spelled, &mac) < 0) {
                        fprintf(stderr, "macaddress %zu at byte %zu is not a MAC in the file\n", i,
                                f.macs[i].offset);
                        abort();
                }
        }
        for (size_t i = 0; i < f.n_ethernets; i++)
                if (!f.ethernets[i].id || f.ethernets[i].line == 0) {
                        fprintf(stderr, "ethernet %zu has no id or line\n", i);
                        abort();
                }
        return 0;
}
