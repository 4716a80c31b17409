/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixer.h"
#include "netcfg.h"
#include "netplan.h"
#include "root.h"

void netcfg_done(Netcfg *c) {
        for (size_t i = 0; i < c->n; i++) {
                free(c->names[i].name);
                free(c->names[i].mac);
                free(c->names[i].where);
        }
        free(c->names);
        *c = (Netcfg){};
}

const NetcfgName *netcfg_find(const Netcfg *c, const char *name) {
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->names[i].name, name))
                        return &c->names[i];
        return NULL;
}

bool netcfg_name_is_xen_era(const char *name) {
        const char *digits = startswith(name, "eth");

        if (!digits)
                digits = startswith(name, "enX");
        if (!digits || !*digits)
                return false;
        for (; *digits; digits++)
                if (!isdigit((unsigned char) *digits))
                        return false;
        return true;
}

/* One file being read: its canonical path for "FILE:LINE". */
typedef struct Reader {
        Netcfg *out;
        const char *path;
        unsigned line;
        char **error; /* why a file cannot be read as what it is */
} Reader;

static int netcfg_error(Reader *rd, const char *why) {
        if (asprintf(rd->error, "%s:%u: %s", rd->path, rd->line, why) < 0) {
                *rd->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/*
 * Record the name spelled by @len bytes at @p: quotes dropped, an alias or
 * VLAN suffix cut ("eth0:1", "eth0.100"); anything else that is not an
 * interface name is skipped. @mac may be NULL.
 */
static int add_name(Reader *rd, const char *p, size_t len, const char *mac) {
        _cleanup_free_ char *name = NULL, *where = NULL, *m = NULL;

        if (len >= 2 && (p[0] == '"' || p[0] == '\'') && p[len - 1] == p[0]) {
                p++;
                len -= 2;
        }
        for (size_t i = 0; i < len; i++)
                if (p[i] == ':' || p[i] == '.') {
                        len = i;
                        break;
                }
        name = strndup(p, len);
        if (!name)
                return -ENOMEM;
        if (!nic_name_is_valid(name) || streq(name, "lo"))
                return 0;

        NetcfgName *e = (NetcfgName *) netcfg_find(rd->out, name);
        if (e) {
                if (mac && !e->mac)
                        return nic_mac_normalize(mac, &e->mac) == -ENOMEM ? -ENOMEM : 0;
                return 0;
        }
        if (mac && nic_mac_normalize(mac, &m) == -ENOMEM)
                return -ENOMEM;
        if (asprintf(&where, "%s:%u", rd->path, rd->line) < 0)
                return -ENOMEM;
        /* Every name is looked up among the others: a hostile file must not make that quadratic. */
        if (rd->out->n >= NETCFG_NAMES_MAX)
                return netcfg_error(rd, "more interface names than any guest has");
        NetcfgName *v = realloc(rd->out->names, sizeof(NetcfgName) * (rd->out->n + 1));
        if (!v)
                return -ENOMEM;
        rd->out->names = v;
        v[rd->out->n++] =
                (NetcfgName){ .name = TAKE_PTR(name), .mac = TAKE_PTR(m), .where = TAKE_PTR(where) };
        return 0;
}

/* netplan, through libyaml: ids without "match:" are names, and so is each "set-name:". */
static int netplan_names(Reader *rd, const char *data, size_t size) {
        _cleanup_(netplan_file_done) NetplanFile f = {};
        int r;

        r = netplan_parse(rd->path, data, size, &f, rd->error);
        for (size_t i = 0; r >= 0 && i < f.n_ethernets; i++) {
                const NetplanEthernet *e = &f.ethernets[i];
                rd->line = e->line;
                if (!e->matched)
                        r = add_name(rd, e->id, strlen(e->id), NULL);
                if (r >= 0 && e->set_name) {
                        rd->line = e->set_name_line;
                        r = add_name(rd, e->set_name, strlen(e->set_name), NULL);
                }
        }
        return r;
}

/* The words of line @l after its first, each a name: "auto eth0 eth1", "iface eth0 inet dhcp". */
static int ifupdown_line(Reader *rd, const Line *l) {
        Span f[16];
        size_t n = fields_split(l->p, l->len, f, ELEMENTSOF(f));
        int r = 0;

        if (n < 2)
                return 0;
        if (span_equals(l->p, f[0], "iface"))
                return add_name(rd, l->p + f[1].start, f[1].len, NULL);
        if (span_equals(l->p, f[0], "auto") ||
                (f[0].len > 6 && strncmp(l->p + f[0].start, "allow-", 6) == 0))
                for (size_t i = 1; r >= 0 && i < n; i++)
                        r = add_name(rd, l->p + f[i].start, f[i].len, NULL);
        return r;
}

/* The value after "@key=" on line @l (blanks around '=' allowed), or false. */
static bool key_value(const Line *l, const char *key, Span *ret) {
        size_t i = 0, n = strlen(key);

        while (i < l->len && is_blank(l->p[i]))
                i++;
        if (l->len - i < n || strncmp(l->p + i, key, n) != 0)
                return false;
        i += n;
        while (i < l->len && is_blank(l->p[i]))
                i++;
        if (i >= l->len || l->p[i] != '=')
                return false;
        i++;
        while (i < l->len && is_blank(l->p[i]))
                i++;
        size_t end = l->len;
        while (end > i && is_blank(l->p[end - 1]))
                end--;
        *ret = (Span){ i, end - i };
        return true;
}

static bool section_is(const Line *l, const char *name) {
        return l->len >= strlen(name) && strncmp(l->p, name, strlen(name)) == 0;
}

typedef struct Parser {
        bool in_section; /* networkd [Match], NetworkManager [connection] */
} Parser;

static int networkd_line(Reader *rd, Parser *p, const Line *l) {
        Span v;
        int r = 0;

        if (l->len > 0 && l->p[0] == '[')
                p->in_section = section_is(l, "[Match]");
        if (!p->in_section || !key_value(l, "Name", &v))
                return 0;
        if (v.len > 0 && l->p[v.start] == '!')
                return 0; /* the whole list is negated: every interface but these */
        Span f[16];
        size_t n = fields_split(l->p + v.start, v.len, f, ELEMENTSOF(f));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *w = l->p + v.start + f[i].start;
                /* A glob or a negation names no one interface. */
                if (memchr(w, '*', f[i].len) || memchr(w, '?', f[i].len) || memchr(w, '[', f[i].len) ||
                        w[0] == '!')
                        continue;
                r = add_name(rd, w, f[i].len, NULL);
        }
        return r;
}

const char *netcfg_keyfile_line_problem(const Line *l) {
        size_t i = 0;

        while (i < l->len && is_blank(l->p[i]))
                i++;
        if (line_is_comment_or_blank(l))
                return NULL;
        if (l->p[i] == '[')
                return l->p[l->len - 1] == ']' ? NULL : "a group header without its ']'";
        return memchr(l->p, '=', l->len) ? NULL : "neither a [group] nor a key=value line";
}

static int keyfile_line(Reader *rd, Parser *p, const Line *l) {
        const char *problem = netcfg_keyfile_line_problem(l);
        Span v;

        if (problem)
                return netcfg_error(rd, problem);
        if (l->len > 0 && l->p[0] == '[')
                p->in_section = section_is(l, "[connection]");
        if (!p->in_section || !key_value(l, "interface-name", &v))
                return 0;
        return add_name(rd, l->p + v.start, v.len, NULL);
}

static int ifcfg_line(Reader *rd, const Line *l) {
        Span v;

        if (!key_value(l, "DEVICE", &v))
                return 0;
        return add_name(rd, l->p + v.start, v.len, NULL);
}

/* The MAC a persistent-net rule matches: ATTR{address}=="…" */
static bool rule_mac(const Line *l, char mac[18]) {
        const char *k = memmem(l->p, l->len, "ATTR{address}==\"", 16);

        if (!k || (size_t) (k - l->p) + 16 + 18 > l->len || k[16 + 17] != '"')
                return false;
        memcpy(mac, k + 16, 17);
        mac[17] = 0;
        return true;
}

static int rules_line(Reader *rd, const Line *l) {
        const char *k = memmem(l->p, l->len, "NAME=\"", 6);
        char mac[18];

        if (!k || (k > l->p && (isalnum((unsigned char) k[-1]) || k[-1] == '_')))
                return 0;
        k += 6;
        const char *end = memchr(k, '"', l->len - (size_t) (k - l->p));
        if (!end)
                return 0;
        return add_name(rd, k, (size_t) (end - k), rule_mac(l, mac) ? mac : NULL);
}

typedef enum Kind { KIND_IFUPDOWN, KIND_NETWORKD, KIND_KEYFILE, KIND_IFCFG, KIND_NETPLAN, KIND_RULES } Kind;

static bool has_device_line(const char *data, size_t size) {
        size_t pos = 0;
        Line l = {};
        Span v;

        while (line_next(data, size, &pos, &l))
                if (key_value(&l, "DEVICE", &v))
                        return true;
        return false;
}

static int read_one(int rootfd, const char *file, Kind kind, Netcfg *out, char **error) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        Parser p = {};
        Reader rd = { .out = out, .error = error };
        size_t size, pos = 0;
        Line l = {};
        int r = 0;

        r = root_read_file(rootfd, file, &path, &data, &size);
        if (r == -ENOENT || r == -ENOTDIR || r == -EISDIR || (r == -EBADFD && root_is_masked(rootfd, file)))
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", file, strerror(-r));
        rd.path = path;
        if (kind == KIND_NETPLAN)
                return netplan_names(&rd, data, size);
        if (kind == KIND_IFCFG && !has_device_line(data, size)) {
                /* No DEVICE=: the file's name says it (SUSE always, Red Hat's initscripts as a fallback). */
                const char *base = strrchr(path, '/') + 1;
                rd.line = 1;
                return add_name(&rd, base + strlen("ifcfg-"), strlen(base) - strlen("ifcfg-"), NULL);
        }

        while (r >= 0 && line_next(data, size, &pos, &l)) {
                rd.line++;
                if (line_is_comment_or_blank(&l))
                        continue;
                switch (kind) {
                case KIND_IFUPDOWN:
                        r = ifupdown_line(&rd, &l);
                        break;
                case KIND_NETWORKD:
                        r = networkd_line(&rd, &p, &l);
                        break;
                case KIND_KEYFILE:
                        r = keyfile_line(&rd, &p, &l);
                        break;
                case KIND_IFCFG:
                        r = ifcfg_line(&rd, &l);
                        break;
                case KIND_RULES:
                        r = rules_line(&rd, &l);
                        break;
                case KIND_NETPLAN:
                        break;
                }
        }
        return r;
}

static bool want_any(const char *n) {
        return n[0] != '.' && !endswith(n, "~") && !endswith(n, ".dpkg-old") && !endswith(n, ".rpmsave");
}
static bool want_network(const char *n) {
        return endswith(n, ".network");
}
static bool want_ifcfg(const char *n) {
        return startswith(n, "ifcfg-") && !strchr(n, '~') && !endswith(n, ".bak");
}
static bool want_yaml(const char *n) {
        return endswith(n, ".yaml");
}
static bool want_persistent(const char *n) {
        return strstr(n, "persistent-net") && endswith(n, ".rules");
}

int netcfg_read(int rootfd, Netcfg *ret, char **ret_error) {
        static const struct {
                const char *dir; /* a folder, or NULL when @name is a file */
                const char *file;
                bool (*want)(const char *name);
                Kind kind;
        } places[] = {
                { NULL, "/etc/network/interfaces", NULL, KIND_IFUPDOWN },
                { "/etc/network/interfaces.d", NULL, want_any, KIND_IFUPDOWN },
                { "/etc/systemd/network", NULL, want_network, KIND_NETWORKD },
                { "/etc/NetworkManager/system-connections", NULL, want_any, KIND_KEYFILE },
                { "/etc/sysconfig/network-scripts", NULL, want_ifcfg, KIND_IFCFG },
                { "/etc/sysconfig/network", NULL, want_ifcfg, KIND_IFCFG },
                { "/etc/netplan", NULL, want_yaml, KIND_NETPLAN },
                { "/etc/udev/rules.d", NULL, want_persistent, KIND_RULES },
        };
        _cleanup_(netcfg_done) Netcfg c = {};
        int r;

        *ret_error = NULL;
        for (size_t i = 0; i < ELEMENTSOF(places); i++) {
                _cleanup_(strv_freep) char **files = NULL;

                if (!places[i].dir) {
                        r = read_one(rootfd, places[i].file, places[i].kind, &c, ret_error);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = root_list_paths(rootfd, places[i].dir, places[i].want, &files);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot list: %s", places[i].dir, strerror(-r));
                for (char **f = files; *f; f++) {
                        r = read_one(rootfd, *f, places[i].kind, &c, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        *ret = c;
        c = (Netcfg){}; /* cppcheck-suppress unreadVariable ; emptied for its cleanup */
        return 0;
}

int netcfg_old_nics(const Netcfg *c, const NicList *now, NicList *ret) {
        _cleanup_(nic_list_done) NicList l = {};

        for (size_t i = 0; i < c->n; i++) {
                const NetcfgName *e = &c->names[i];
                _cleanup_(nic_done) Nic nic = {};

                const Nic *holder = nic_list_find(now, e->name);
                /* A NIC keeps that name for good: no old one to look for. */
                if (!netcfg_name_is_xen_era(e->name) || (holder && holder->name_final))
                        continue;
                nic.name = strdup(e->name);
                if (!nic.name || (e->mac && !(nic.mac = strdup(e->mac))))
                        return -ENOMEM; /* cppcheck-suppress memleak ; nic is freed by its cleanup attribute
                                         */
                int r = nic_list_add(&l, &nic);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        *ret = l;
        l = (NicList){}; /* cppcheck-suppress unreadVariable ; emptied for its cleanup */
        return 0;
}
