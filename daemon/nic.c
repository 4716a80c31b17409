/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include "libudev-util.h"

#include "nic.h"

void nic_done(Nic *n) {
        free(n->name);
        free(n->mac);
        free(n->driver);
        *n = (Nic){};
}

void nic_list_done(NicList *l) {
        for (size_t i = 0; i < l->n; i++)
                nic_done(&l->nics[i]);
        free(l->nics);
        *l = (NicList){};
}

bool nic_name_is_valid(const char *name) {
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n > 15 || streq(name, ".") || streq(name, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isascii((unsigned char) name[i]) ||
                        !(isalnum((unsigned char) name[i]) || strchr("-_.", name[i])))
                        return false;
        return true;
}

int nic_mac_normalize(const char *s, char **ret) {
        char mac[18];
        bool zero = true, ones = true;

        if (!s || strlen(s) != 17)
                return -EINVAL;
        for (size_t i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                        /* One separator for the whole address, as ip and udev write it. */
                        if ((s[i] != ':' && s[i] != '-') || s[i] != s[2])
                                return -EINVAL;
                        mac[i] = ':';
                        continue;
                }
                if (!isxdigit((unsigned char) s[i]))
                        return -EINVAL;
                mac[i] = (char) tolower((unsigned char) s[i]);
                zero = zero && mac[i] == '0';
                ones = ones && mac[i] == 'f';
        }
        mac[17] = 0;
        if (zero || ones)
                return -EINVAL;
        *ret = strdup(mac);
        return *ret ? 0 : -ENOMEM;
}

int nic_list_add(NicList *l, Nic *nic) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->nics[i].name, nic->name) || (nic->mac && streq_ptr(l->nics[i].mac, nic->mac)))
                        return -EEXIST;
        Nic *v = realloc(l->nics, sizeof(Nic) * (l->n + 1));
        if (!v)
                return -ENOMEM;
        l->nics = v;
        l->nics[l->n++] = *nic;
        *nic = (Nic){};
        return 0;
}

const Nic *nic_list_find(const NicList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->nics[i].name, name))
                        return &l->nics[i];
        return NULL;
}

/* A driver name as the kernel spells one: letters, digits, '_' and '-'. */
static bool driver_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isascii((unsigned char) s[i]) || !(isalnum((unsigned char) s[i]) || strchr("_-", s[i])))
                        return false;
        return true;
}

int nic_parse_arg(const char *arg, Nic *ret) {
        _cleanup_(nic_done) Nic nic = {};
        _cleanup_free_ char *mac = NULL;
        const char *eq = strchr(arg, '='), *comma;
        int r;

        if (!eq || eq == arg) {
                log_error("--nic %s: expected NAME=MAC[,DRIVER]", arg);
                return -EINVAL;
        }
        nic.name = strndup(arg, (size_t) (eq - arg));
        comma = strchr(eq + 1, ',');
        mac = comma ? strndup(eq + 1, (size_t) (comma - eq - 1)) : strdup(eq + 1);
        if (!nic.name || !mac)
                return -ENOMEM;
        if (!nic_name_is_valid(nic.name)) {
                log_error(
                        "--nic %s: NAME must be an interface name (1 to 15 letters, digits, '-', '_', '.')",
                        arg);
                return -EINVAL;
        }
        r = nic_mac_normalize(mac, &nic.mac);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_error("--nic %s: MAC must be six hex pairs, as 52:54:00:12:34:56", arg);
                return -EINVAL;
        }
        nic.name_final = true; /* the caller says what the NIC is called */
        if (comma) {
                if (!driver_is_valid(comma + 1)) {
                        log_error("--nic %s: DRIVER must be a kernel driver name, as virtio_net", arg);
                        return -EINVAL;
                }
                nic.driver = strdup(comma + 1);
                if (!nic.driver)
                        return -ENOMEM;
        }
        *ret = nic;
        nic = (Nic){}; /* cppcheck-suppress unreadVariable ; emptied for its cleanup */
        return 0;
}

/* One enumerated interface into @l; anything that is not a NIC on a bus is skipped. */
static int probe_one(struct udev_device *dev, NicList *l) {
        _cleanup_(nic_done) Nic nic = {};
        struct udev_device *parent = udev_device_get_parent(dev); /* owned by @dev */
        const char *type = udev_device_get_sysattr_value(dev, "type");
        const char *name = udev_device_get_sysname(dev);
        const char *address = udev_device_get_sysattr_value(dev, "address");
        const char *driver = parent ? udev_device_get_driver(parent) : NULL;
        int r;

        /* Bridges, bonds, VLANs and tunnels live below /devices/virtual: they have no parent. */
        if (!parent || !streq_ptr(type, "1") || !name || !nic_name_is_valid(name))
                return 0;
        r = nic_mac_normalize(address, &nic.mac);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        /* NET_NAME_USER (3) or NET_NAME_RENAMED (4): not the kernel's own enumeration. */
        const char *assigned = udev_device_get_sysattr_value(dev, "name_assign_type");
        nic.name_final = streq_ptr(assigned, "3") || streq_ptr(assigned, "4");
        nic.name = strdup(name);
        if (!nic.name || (driver && driver_is_valid(driver) && !(nic.driver = strdup(driver))))
                return -ENOMEM; /* cppcheck-suppress memleak ; nic is freed by its cleanup attribute */
        r = nic_list_add(l, &nic);
        return r == -EEXIST ? 0 : r; /* the same MAC twice (a VF, a failover pair): the first stays */
}

int nic_probe_udev(NicList *ret) {
        _cleanup_(udev_unrefp) struct udev *udev = udev_new();
        _cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
        _cleanup_(nic_list_done) NicList l = {};
        struct udev_list_entry *entry;
        int r;

        if (!udev)
                return -ENOMEM;
        e = udev_enumerate_new(udev);
        if (!e)
                return -ENOMEM;
        r = udev_enumerate_add_match_subsystem(e, "net");
        if (r >= 0)
                r = udev_enumerate_scan_devices(e);
        if (r < 0)
                return r;
        udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
                _cleanup_(udev_device_unrefp) struct udev_device *dev =
                        udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
                if (!dev)
                        continue; /* gone since the scan */
                r = probe_one(dev, &l);
                if (r < 0)
                        return r;
        }
        *ret = l;
        l = (NicList){};
        return 0;
}

static int nic_invalid(const char *where, const char *what, const char *value) {
        _cleanup_free_ char *e = value_escape(value);

        if (!e)
                return -ENOMEM;
        log_error("%s: %s \"%s\"", where, what, e);
        return -EBADMSG;
}

int nic_parse_words(char **words, const char *where, Nic *ret) {
        _cleanup_(nic_done) Nic nic = {};
        int r;

        for (char **w = words; w[0] && w[1]; w += 2) {
                const char *k = w[0], *v = w[1];

                if (words_get(w + 2, k))
                        return nic_invalid(where, "a second value for", k);
                if (streq(k, "nic")) {
                        if (!nic_name_is_valid(v))
                                return nic_invalid(where, "not an interface name:", v);
                        r = strdup_to(&nic.name, v);
                } else if (streq(k, "mac")) {
                        r = nic_mac_normalize(v, &nic.mac);
                        if (r == -EINVAL)
                                return nic_invalid(where, "not a MAC address:", v);
                } else if (streq(k, "driver")) {
                        if (!driver_is_valid(v))
                                return nic_invalid(where, "not a driver name:", v);
                        r = strdup_to(&nic.driver, v);
                } else
                        r = 0;
                if (r < 0)
                        return r;
        }
        if (!nic.name || !nic.mac) {
                log_error("%s: a NIC line needs nic= and mac=", where);
                return -EBADMSG;
        }
        *ret = nic;
        nic = (Nic){}; /* cppcheck-suppress unreadVariable ; emptied for its cleanup */
        return 0;
}

int nic_format(Buf *b, const Nic *nic) {
        int r;

        if (!nic_name_is_valid(nic->name) || !nic->mac)
                return -EINVAL;
        r = buf_printf(b, "nic=%s mac=%s", nic->name, nic->mac);
        if (r >= 0 && nic->driver)
                r = buf_printf(b, " driver=%s", nic->driver);
        if (r >= 0)
                r = buf_puts(b, "\n");
        return r;
}

const char *nic_method_to_string(NicMethod m) {
        static const char *const table[_NIC_METHOD_MAX] = {
                [NIC_METHOD_MAC] = "mac",
                [NIC_METHOD_ONLY] = "only",
        };
        return m >= 0 && m < _NIC_METHOD_MAX ? table[m] : NULL;
}

void nic_mapping_done(NicMapping *m) {
        free(m->entries);
        *m = (NicMapping){};
}

static int warn_unmapped(char ***warnings, size_t *n, const Nic *old, const char *why) {
        char *s;

        if (asprintf(&s,
                    "NIC %s (%s) is not migrated: %s; its configs still name it, so give the NIC that "
                    "replaces it the name %s by hand",
                    old->name, old->mac ? old->mac : "MAC not recorded", why, old->name) < 0)
                return -ENOMEM;
        return strv_push(warnings, n, s);
}

static ssize_t find_mac(const NicList *l, const char *mac) {
        if (!mac)
                return -1;
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->nics[i].mac, mac))
                        return (ssize_t) i;
        return -1;
}

int nic_map(
        const NicList *old, const NicList *new, NicMapping *ret, char ***ret_warnings, size_t *n_warnings) {
        _cleanup_free_ bool *taken = calloc(new->n + 1, sizeof(bool));
        _cleanup_free_ NicMapEntry *entries = calloc(old->n + 1, sizeof(NicMapEntry));
        _cleanup_free_ ssize_t *pick = calloc(old->n + 1, sizeof(ssize_t));
        size_t n_left_old = 0, n_left_new = 0, n = 0;
        ssize_t last_new = -1;
        int r;

        if (!taken || !entries || !pick)
                return -ENOMEM;
        for (size_t i = 0; i < old->n; i++) {
                pick[i] = find_mac(new, old->nics[i].mac);
                if (pick[i] >= 0)
                        taken[pick[i]] = true;
                else
                        n_left_old++;
        }
        for (size_t j = 0; j < new->n; j++)
                if (!taken[j]) {
                        n_left_new++;
                        last_new = (ssize_t) j;
                }

        for (size_t i = 0; i < old->n; i++) {
                const Nic *o = &old->nics[i];
                NicMethod method = NIC_METHOD_MAC;
                ssize_t j = pick[i];

                if (j < 0) {
                        if (n_left_old != 1 || n_left_new != 1) {
                                r = warn_unmapped(ret_warnings, n_warnings, o,
                                        n_left_new == 0 ? "no NIC is left for it"
                                                        : "no NIC has its MAC, and more than one is left");
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        j = last_new;
                        method = NIC_METHOD_ONLY;
                }

                /* Another NIC holds the name now (kernel names, eth0 and eth1 swapped): no safe rename. */
                const Nic *holder = nic_list_find(new, o->name);
                if (holder && holder != &new->nics[j]) {
                        r = warn_unmapped(ret_warnings, n_warnings, o,
                                "another NIC holds that name now, and udev cannot swap two names safely");
                        if (r < 0)
                                return r;
                        continue;
                }
                entries[n++] = (NicMapEntry){ .old = o, .new = &new->nics[j], .method = method };
        }

        nic_mapping_done(ret);
        ret->entries = n > 0 ? TAKE_PTR(entries) : NULL;
        ret->n = n;
        return 0;
}

int nic_rename_now(const NicMapping *m) {
        int n = 0;

        for (size_t i = 0; i < m->n; i++) {
                const NicMapEntry *e = &m->entries[i];
                _cleanup_free_ char *flags_path = NULL, *uevent_path = NULL, *flags = NULL;
                _cleanup_close_ int fd = -1;

                if (streq(e->old->name, e->new->name))
                        continue;
                /* Validated names only: nothing but a NIC's own folder is reached. */
                if (!nic_name_is_valid(e->new->name) ||
                        asprintf(&flags_path, "/sys/class/net/%s/flags", e->new->name) < 0 ||
                        asprintf(&uevent_path, "/sys/class/net/%s/uevent", e->new->name) < 0)
                        return -ENOMEM;
                if (read_line_at(AT_FDCWD, flags_path, &flags) < 0)
                        continue; /* gone, or renamed already */
                if (strtoul(flags, NULL, 16) & IFF_UP) {
                        log_warning(
                                "%s is up: it becomes %s from the next boot on", e->new->name, e->old->name);
                        continue;
                }
                fd = open(uevent_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0 || write_all(fd, "add\n", 4) < 0) {
                        log_warning(
                                "%s: cannot ask udev to rename it (%m); it becomes %s from the next boot on",
                                e->new->name, e->old->name);
                        continue;
                }
                n++;
        }
        return n;
}
