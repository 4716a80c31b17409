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
 * NetworkManager mac-address=, netplan match: macaddress:, udev rules'
 * ATTR{address}==. A MAC that sets the address (networkd [Link], netplan
 * macaddress: outside match:, cloned-mac-address=, MACADDR=) is left alone.
 */

#include <ctype.h>

#include "fixer.h"
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
 * The rules file: a rule for each NIC whose name changes, and each one a
 * run wrote before (after the reboot the names agree; the rule must stay).
 */
static int net_rules(FixerContext *c) {
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
                if (streq(e->old->name, e->new->name) && !(data && holds_line(data, size, line.data)))
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
        return plan_add(
                c->plan, path, &old, &new, "net", why.len ? why.data : "the NIC names kvmigrate keeps");
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

/* The parser state of one file, line by line: where a matching MAC may stand. */
typedef struct MacScan {
        MacFile kind;
        bool in_match; /* networkd: in [Match] */
        size_t match_indent; /* netplan: the indentation of the last "match:" key, or SIZE_MAX */
} MacScan;

static size_t indent_of(const Line *l) {
        size_t i = 0;
        while (i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'))
                i++;
        return i;
}

/* Move @s past line @l (sections, indentation) before its MACs are looked at. */
static void mac_scan_line(MacScan *s, const Line *l) {
        size_t i = indent_of(l);

        if (s->kind == MAC_FILE_NETWORKD && i < l->len && l->p[i] == '[')
                s->in_match = l->len - i >= 7 && strncmp(l->p + i, "[Match]", 7) == 0;
        if (s->kind == MAC_FILE_NETPLAN && i < l->len && l->p[i] != '#') {
                if (s->match_indent != SIZE_MAX && i <= s->match_indent)
                        s->match_indent = SIZE_MAX; /* left the match: mapping */
                if (l->len - i >= 6 && strncmp(l->p + i, "match:", 6) == 0)
                        s->match_indent = i;
        }
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
                /* In a block "match:" mapping, or a flow one on the same line. */
                return key_before(l, at, "macaddress") &&
                        (s->match_indent != SIZE_MAX || memmem(l->p, at, "match:", 6) != NULL);
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

static int mac_file(FixerContext *c, PathSet *seen, const char *file, MacFile kind) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_(buf_done) Buf out = {}, why = {};
        MacScan s = { .kind = kind, .match_indent = SIZE_MAX };
        size_t size, pos = 0;
        bool changed = false;
        Line l = {};
        int r;

        r = fixer_read_once(c, seen, file, &path, &data, &size);
        if (r < 0 || !data)
                return r;

        while (line_next(data, size, &pos, &l)) {
                SpanEdit edits[8];
                char spelled[8][18];
                size_t n = 0;

                mac_scan_line(&s, &l);
                for (size_t at = 0;
                        !line_is_comment_or_blank(&l) && at + 17 <= l.len && n < ELEMENTSOF(edits); at++) {
                        const NicMapEntry *e = mac_at(c, &l, at);
                        if (!e || !mac_is_match(&s, &l, at))
                                continue;
                        mac_spell(spelled[n], e->new->mac, l.p + at);
                        edits[n] = (SpanEdit){ .span = { at, 17 }, .text = spelled[n] };
                        n++;
                        r = buf_printf(&why, "%s%s: %s → %s", why.len ? "; " : "", e->old->name, e->old->mac,
                                e->new->mac);
                        if (r < 0)
                                return r;
                        at += 16;
                }
                changed = changed || n > 0;
                r = line_emit(&out, &l, edits, n);
                if (r < 0)
                        return r;
        }
        if (!changed)
                return 0;
        return plan_replace(c->plan, path, data, size, out.data, out.len, "net", why.data);
}

/* The files of folder @dir whose names pass @want. */
static int mac_dir(
        FixerContext *c, PathSet *seen, const char *dir, bool (*want)(const char *name), MacFile kind) {
        _cleanup_(strv_freep) char **files = NULL;
        int r;

        r = root_list_paths(c->rootfd, dir, want, &files);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, strerror(-r));
        for (char **f = files; *f; f++) {
                r = mac_file(c, seen, *f, kind);
                if (r < 0)
                        return r;
        }
        return 0;
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

static int net_run(FixerContext *c) {
        _cleanup_(path_set_done) PathSet seen = {};
        bool mac_changed = false;
        int r;

        if (!c->mapping || !c->nics || c->nics->n == 0)
                return 0;

        r = net_rules(c);
        if (r < 0)
                return r;

        for (size_t i = 0; i < c->nics->n; i++)
                mac_changed = mac_changed ||
                        (c->nics->entries[i].old->mac &&
                                !streq(c->nics->entries[i].old->mac, c->nics->entries[i].new->mac));
        if (!mac_changed)
                return 0;

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
        for (size_t i = 0; i < ELEMENTSOF(places); i++) {
                r = mac_dir(c, &seen, places[i].dir, places[i].want, places[i].kind);
                if (r < 0)
                        return r;
        }
        return 0;
}

const Fixer fixer_net = {
        .name = "net",
        .run = net_run,
};
