/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * net: the network configuration follows the NIC.
 *
 * The new NIC takes the old one's name (eth0, enX0), so that every config
 * that names the interface keeps working, whichever tool reads it: ifupdown,
 * netplan, NetworkManager, ifcfg, networkd, firewall rules, scripts. One udev
 * rule per NIC, matched on its MAC as 70-persistent-net.rules always did, in
 * a file of kvmigrate's own. A rule, not a systemd .link file: every udev
 * reads rules (eudev, udev before systemd 209), a rule's NAME= wins over the
 * .link files' naming policy, and net.ifnames=0 does not switch it off.
 *
 * When the host gave the NIC a new MAC, the configs that match the NIC by MAC
 * are rewritten to it: ifcfg HWADDR=, networkd [Match] MACAddress=,
 * NetworkManager mac-address=, netplan match: macaddress: (found with
 * libyaml), udev rules' ATTR{address}==. A MAC that sets the address
 * (networkd [Link], netplan macaddress: outside match:, cloned-mac-address=,
 * MACADDR=) is left alone. A netplan file or keyfile that cannot be parsed
 * stops this fixer, with its file and line, before it proposes anything.
 */

#include <ctype.h>

#include "fixer.h"
#include "netcfg.h"
#include "netplan.h"
#include "root.h"
#include "util.h"

#define NET_RULES_HEADER                                                                                    \
        "# Written by kvmigrate: the names these network interfaces had under Xen,\n"                       \
        "# kept on the NICs that replaced them, so the configs that name them still\n"                      \
        "# work. \"migratectl rollback\" removes this file.\n"

static int rule_line(Buf *b, const NicMapEntry *e) {
        return buf_printf(b,
                "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"%s\", "
                "ATTR{type}==\"1\", "
                "NAME=\"%s\"\n",
                e->new->mac, e->old->name);
}

/* Whether @data holds the line @line (with its newline) whole. */
static bool holds_line(const char *data, size_t size, const char *line) {
        size_t n = strlen(line);

        for (size_t pos = 0; pos + n <= size;) {
                const char *p = memmem(data + pos, size - pos, line, n);
                if (!p)
                        return false;
                if (p == data || p[-1] == '\n')
                        return true;
                pos = (size_t) (p - data) + 1;
        }
        return false;
}

/*
 * The rules file: a rule for each NIC whose name changes or is only the
 * kernel's for now (an initramfs run sees eth0 where the real root's udev
 * would say ens3), and each one a run wrote before (after the reboot the
 * names agree; the rule must stay).
 */
static int net_rules(FixerContext *c, Plan *plan) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_(buf_done) Buf out = {}, why = {};
        size_t size = 0;
        bool any = false;
        int r;

        r = root_read_file(c->rootfd, NIC_RULES_FILE, &path, &data, &size);
        if (r == -ENOENT) /* the plan names files by their canonical path, a new one too */
                r = root_chase(c->rootfd, NIC_RULES_FILE, 0, &path);
        if (r == -ENOENT)
                r = strdup_to(&path, NIC_RULES_FILE); /* folders the apply makes */
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", NIC_RULES_FILE, strerror(-r));

        r = buf_puts(&out, NET_RULES_HEADER);
        for (size_t i = 0; r >= 0 && i < c->nics->n; i++) {
                const NicMapEntry *e = &c->nics->entries[i];
                _cleanup_(buf_done) Buf line = {};

                r = rule_line(&line, e);
                if (r < 0)
                        return r;
                /* The same name, for good: nothing to pin (unless a run pinned it before). */
                if (streq(e->old->name, e->new->name) && e->new->name_final &&
                        !(data && holds_line(data, size, line.data)))
                        continue;
                any = true;
                r = buf_append(&out, line.data, line.len);
                if (r >= 0 && !streq(e->old->name, e->new->name))
                        r = buf_printf(&why, "%s%s keeps its name on %s (%s)", why.len ? "; " : "",
                                e->old->name, e->new->name, e->new->mac);
        }
        if (r < 0)
                return r;
        if (!any || (data && size == out.len && memcmp(data, out.data, size) == 0))
                return 0;

        FileContent old = { .kind = data ? FILE_REGULAR : FILE_ABSENT, .data = data, .size = size };
        FileContent new = { .kind = FILE_REGULAR, .data = out.data, .size = out.len };
        return plan_add(plan, path, &old, &new, "net", why.len ? why.data : "the NIC names kvmigrate keeps");
}

/* Where the MAC at @at of line @l sits: the key before it, as "HWADDR" or "ATTR{address}". */
static bool key_before(const Line *l, size_t at, const char *key) {
        size_t n = strlen(key), i = at;

        /* Skip back over what joins a key to its value: quotes, blanks, '=', ':', '=='. */
        while (i > 0 && strchr("\"' \t=:", l->p[i - 1]))
                i--;
        return i >= n && strncasecmp(l->p + i - n, key, n) == 0 &&
                (i == n ||
                        !(isalnum((unsigned char) l->p[i - n - 1]) || l->p[i - n - 1] == '-' ||
                                l->p[i - n - 1] == '_'));
}

typedef enum MacFile {
        MAC_FILE_UDEV_RULES,
        MAC_FILE_IFCFG,
        MAC_FILE_NETWORKD,
        MAC_FILE_NM_KEYFILE,
        MAC_FILE_NETPLAN,
} MacFile;

/* One run of the fixer: its edits wait in @edits until every file has been read. */
typedef struct NetRun {
        FixerContext *c;
        PathSet seen;
        Plan edits;
        char *error; /* the first file that cannot be read as what it is: "FILE:LINE…: why" */
} NetRun;

static void net_run_done(NetRun *n) {
        path_set_done(&n->seen);
        plan_done(&n->edits);
        free(n->error);
}

static int net_error(NetRun *n, const char *path, unsigned line, const char *why) {
        if (asprintf(&n->error, "%s:%u: %s", path, line, why) < 0) {
                n->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/* Where a matching MAC may stand in one file, line by line. */
typedef struct MacScan {
        MacFile kind;
        bool in_match; /* networkd: in [Match] */
        const char *data; /* netplan: the file, for byte offsets */
        const NetplanFile *netplan; /* netplan: where its "match: macaddress:" values stand */
} MacScan;

/* Move @s past line @l before its MACs are looked at. */
static void mac_scan_line(MacScan *s, const Line *l) {
        size_t i = 0;

        while (i < l->len && is_blank(l->p[i]))
                i++;
        if (s->kind == MAC_FILE_NETWORKD && i < l->len && l->p[i] == '[')
                s->in_match = l->len - i >= 7 && strncmp(l->p + i, "[Match]", 7) == 0;
}

/* Whether the MAC at @at of @l matches a NIC (rather than setting an address). */
static bool mac_is_match(const MacScan *s, const Line *l, size_t at) {
        switch (s->kind) {
        case MAC_FILE_UDEV_RULES:
                return key_before(l, at, "ATTR{address}") || key_before(l, at, "ATTRS{address}");
        case MAC_FILE_IFCFG:
                return key_before(l, at, "HWADDR");
        case MAC_FILE_NETWORKD:
                return s->in_match &&
                        (key_before(l, at, "MACAddress") || key_before(l, at, "PermanentMACAddress"));
        case MAC_FILE_NM_KEYFILE:
                return key_before(l, at, "mac-address");
        case MAC_FILE_NETPLAN:
                for (size_t i = 0; i < s->netplan->n_macs; i++)
                        if (s->netplan->macs[i].offset == (size_t) (l->p - s->data) + at)
                                return true;
                return false;
        }
        return false;
}

/* The entry whose old MAC is spelled at @p (any case, not inside a longer hex run), or NULL. */
static const NicMapEntry *mac_at(const FixerContext *c, const Line *l, size_t at) {
        if (at + 17 > l->len ||
                (at > 0 && (isxdigit((unsigned char) l->p[at - 1]) || l->p[at - 1] == ':')) ||
                (at + 17 < l->len && (isxdigit((unsigned char) l->p[at + 17]) || l->p[at + 17] == ':')))
                return NULL;
        for (size_t i = 0; i < c->nics->n; i++) {
                const NicMapEntry *e = &c->nics->entries[i];
                if (e->old->mac && !streq(e->old->mac, e->new->mac) &&
                        strncasecmp(l->p + at, e->old->mac, 17) == 0)
                        return e;
        }
        return NULL;
}

/* @mac in the case the file wrote the old one in. */
static void mac_spell(char out[18], const char *mac, const char *as) {
        bool upper = false;

        for (size_t i = 0; i < 17; i++)
                upper = upper || isupper((unsigned char) as[i]);
        for (size_t i = 0; i < 17; i++)
                out[i] = upper ? (char) toupper((unsigned char) mac[i]) : mac[i];
        out[17] = 0;
}

static int mac_file(NetRun *n, const char *file, MacFile kind) {
        _cleanup_free_ char *path = NULL, *data = NULL, *yaml_error = NULL;
        _cleanup_(buf_done) Buf out = {}, why = {};
        _cleanup_(netplan_file_done) NetplanFile netplan = {};
        MacScan s = { .kind = kind, .netplan = &netplan };
        size_t size, pos = 0;
        unsigned lineno = 0;
        bool changed = false;
        Line l = {};
        int r;

        r = fixer_read_once(n->c, &n->seen, file, &path, &data, &size);
        if (r < 0 || !data)
                return r;
        s.data = data;
        if (kind == MAC_FILE_NETPLAN) {
                r = netplan_parse(path, data, size, &netplan, &yaml_error);
                if (r == -EBADMSG)
                        n->error = TAKE_PTR(yaml_error);
                if (r < 0)
                        return r;
        }

        while (line_next(data, size, &pos, &l)) {
                SpanEdit edits[8];
                char spelled[8][18];
                size_t k = 0;

                lineno++;
                const char *problem = kind == MAC_FILE_NM_KEYFILE ? netcfg_keyfile_line_problem(&l) : NULL;
                if (problem)
                        return net_error(n, path, lineno, problem);
                mac_scan_line(&s, &l);
                for (size_t at = 0;
                        !line_is_comment_or_blank(&l) && at + 17 <= l.len && k < ELEMENTSOF(edits); at++) {
                        const NicMapEntry *e = mac_at(n->c, &l, at);
                        if (!e || !mac_is_match(&s, &l, at))
                                continue;
                        mac_spell(spelled[k], e->new->mac, l.p + at);
                        edits[k] = (SpanEdit){ .span = { at, 17 }, .text = spelled[k] };
                        k++;
                        r = buf_printf(&why, "%s%s: %s → %s", why.len ? "; " : "", e->old->name, e->old->mac,
                                e->new->mac);
                        if (r < 0)
                                return r;
                        at += 16;
                }
                changed = changed || k > 0;
                r = line_emit(&out, &l, edits, k);
                if (r < 0)
                        return r;
        }
        if (!changed)
                return 0;
        return plan_replace(&n->edits, path, data, size, out.data, out.len, "net", why.data);
}

static bool is_rules(const char *n) {
        return endswith(n, ".rules") && !streq(n, NIC_RULES_NAME);
}
static bool is_ifcfg(const char *n) {
        return startswith(n, "ifcfg-") && !endswith(n, "~") && !strchr(n, '.');
}
static bool is_networkd(const char *n) {
        return endswith(n, ".network") || endswith(n, ".link") || endswith(n, ".netdev");
}
static bool is_keyfile(const char *n) {
        return n[0] != '.' && !endswith(n, "~");
}
static bool is_yaml(const char *n) {
        return endswith(n, ".yaml") || endswith(n, ".yml");
}

/* The configs that match a NIC by a MAC that changed. */
static int mac_files(NetRun *n) {
        static const struct {
                const char *dir;
                bool (*want)(const char *name);
                MacFile kind;
        } places[] = {
                { "/etc/udev/rules.d", is_rules, MAC_FILE_UDEV_RULES },
                { "/etc/sysconfig/network-scripts", is_ifcfg, MAC_FILE_IFCFG },
                { "/etc/sysconfig/network", is_ifcfg, MAC_FILE_IFCFG },
                { "/etc/systemd/network", is_networkd, MAC_FILE_NETWORKD },
                { "/etc/NetworkManager/system-connections", is_keyfile, MAC_FILE_NM_KEYFILE },
                { "/etc/netplan", is_yaml, MAC_FILE_NETPLAN },
        };
        bool changed = false;

        for (size_t i = 0; i < n->c->nics->n; i++) {
                const NicMapEntry *e = &n->c->nics->entries[i];
                changed = changed || (e->old->mac && !streq(e->old->mac, e->new->mac));
        }
        for (size_t i = 0; changed && i < ELEMENTSOF(places); i++) {
                _cleanup_(strv_freep) char **files = NULL;

                int r = root_list_paths(n->c->rootfd, places[i].dir, places[i].want, &files);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot list: %s", places[i].dir, strerror(-r));
                for (char **f = files; *f; f++) {
                        r = mac_file(n, *f, places[i].kind);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int net_run(FixerContext *c) {
        _cleanup_(net_run_done) NetRun n = { .c = c };
        int r;

        if (!c->mapping || !c->nics || c->nics->n == 0)
                return 0;

        /*
         * A config that cannot be read stops the network part only, with its file and line: the
         * disks still move (a guest must boot first), and the network is left as the guest had it.
         */
        r = mac_files(&n);
        if (r == -EBADMSG) {
                c->network_left = true;
                return plan_warn(c->plan, "%s; the network is left as it is", n.error);
        }
        if (r < 0)
                return r;
        r = net_rules(c, &n.edits);
        for (size_t i = 0; r >= 0 && i < n.edits.n_edits; i++) {
                const Edit *e = &n.edits.edits[i];
                r = plan_add(c->plan, e->path, &e->old, &e->new, e->fixer, e->reason);
        }
        return r;
}

const Fixer fixer_net = {
        .name = "net",
        .run = net_run,
};
