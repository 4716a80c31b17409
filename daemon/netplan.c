/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "netplan.h"
#include "nic.h"
#include "util.h"

void netplan_file_done(NetplanFile *f) {
        for (size_t i = 0; i < f->n_ethernets; i++) {
                free(f->ethernets[i].id);
                free(f->ethernets[i].set_name);
        }
        free(f->ethernets);
        free(f->macs);
        *f = (NetplanFile){};
}

typedef struct Walk {
        yaml_document_t *doc;
        const char *data;
        size_t size;
        const char *path;
        NetplanFile *out;
        char **error;
} Walk;

static int walk_error(Walk *w, const yaml_mark_t *mark, const char *problem) {
        if (asprintf(w->error, "%s:%zu:%zu: %s", w->path, mark->line + 1, mark->column + 1, problem) < 0) {
                *w->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/* The scalar @n as text, or NULL when it is not a scalar. */
static const char *scalar(const yaml_node_t *n) {
        return n && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value : NULL;
}

/* The value of key @key in mapping @map, or NULL. */
static yaml_node_t *lookup(yaml_document_t *doc, const yaml_node_t *map, const char *key) {
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
                if (streq_ptr(scalar(yaml_document_get_node(doc, p->key)), key))
                        return yaml_document_get_node(doc, p->value);
        return NULL;
}

/*
 * libyaml counts characters, not bytes: the byte offset of @mark is after
 * that many UTF-8 sequences (and a byte order mark, which it skips unseen).
 */
static size_t byte_offset(const Walk *w, const yaml_mark_t *mark) {
        size_t pos = w->size >= 3 && memcmp(w->data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

        for (size_t chars = 0; chars < mark->index && pos < w->size; chars++) {
                pos++;
                while (pos < w->size && ((unsigned char) w->data[pos] & 0xc0) == 0x80)
                        pos++;
        }
        return pos;
}

/* "match: macaddress:": where its 17 bytes stand in the file (inside quotes, if any). */
static int add_mac(Walk *w, const yaml_node_t *n) {
        const char *value = scalar(n);
        _cleanup_free_ char *mac = NULL;

        if (!value || nic_mac_normalize(value, &mac) < 0)
                return walk_error(w, &n->start_mark, "macaddress: is not a MAC address");
        size_t start = byte_offset(w, &n->start_mark), end = byte_offset(w, &n->end_mark);
        if (end > w->size || end < start)
                return walk_error(w, &n->start_mark, "macaddress: cannot be located in the file");
        for (size_t at = start; at + 17 <= end; at++)
                if (strncasecmp(w->data + at, value, 17) == 0) {
                        NetplanMac *v = realloc(w->out->macs, sizeof(NetplanMac) * (w->out->n_macs + 1));
                        if (!v)
                                return -ENOMEM;
                        w->out->macs = v;
                        v[w->out->n_macs++] =
                                (NetplanMac){ .offset = at, .line = (unsigned) n->start_mark.line + 1 };
                        return 0;
                }
        /* Escapes or a folded scalar: the file spells it in some other way; do not guess where. */
        return walk_error(w, &n->start_mark, "macaddress: not written out as a plain MAC address");
}

static int add_ethernet(Walk *w, const yaml_node_t *key, const yaml_node_t *value) {
        const yaml_node_t *match = lookup(w->doc, value, "match");
        const yaml_node_t *mac = lookup(w->doc, match, "macaddress");
        const yaml_node_t *set_name = lookup(w->doc, value, "set-name");
        NetplanEthernet e = {
                .matched = match != NULL,
                .line = (unsigned) key->start_mark.line + 1,
                .set_name_line = set_name ? (unsigned) set_name->start_mark.line + 1 : 0,
        };

        if (!scalar(key))
                return walk_error(w, &key->start_mark, "an interface id is not a string");
        if (mac) {
                int r = add_mac(w, mac);
                if (r < 0)
                        return r;
        }
        e.id = strdup(scalar(key));
        e.set_name = strdup_or_null(scalar(set_name));
        NetplanEthernet *v = realloc(w->out->ethernets, sizeof(NetplanEthernet) * (w->out->n_ethernets + 1));
        if (!e.id || (scalar(set_name) && !e.set_name) || !v) {
                free(e.id);
                free(e.set_name);
                if (v)
                        w->out->ethernets = v;
                return -ENOMEM;
        }
        w->out->ethernets = v;
        v[w->out->n_ethernets++] = e;
        return 0;
}

static inline void yaml_parser_deletep(yaml_parser_t *p) {
        yaml_parser_delete(p);
}

static inline void yaml_document_deletep(yaml_document_t **d) {
        if (*d)
                yaml_document_delete(*d);
}

int netplan_parse(const char *path, const char *data, size_t size, NetplanFile *ret, char **ret_error) {
        _cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
        yaml_document_t doc;
        _cleanup_(yaml_document_deletep) yaml_document_t *loaded = NULL;
        _cleanup_(netplan_file_done) NetplanFile f = {};
        Walk w = { .doc = &doc, .data = data, .size = size, .path = path, .out = &f, .error = ret_error };

        *ret_error = NULL;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) data, size);
        if (!yaml_parser_load(&parser, &doc)) {
                if (parser.error == YAML_MEMORY_ERROR)
                        return -ENOMEM;
                if (!parser.context)
                        return walk_error(
                                &w, &parser.problem_mark, parser.problem ? parser.problem : "not YAML");
                _cleanup_free_ char *why = NULL;
                if (asprintf(&why, "%s (%s that starts on line %zu)",
                            parser.problem ? parser.problem : "not YAML", parser.context,
                            parser.context_mark.line + 1) < 0)
                        return -ENOMEM;
                return walk_error(&w, &parser.problem_mark, why);
        }
        loaded = &doc; /* cppcheck-suppress unreadVariable ; deleted by its cleanup */

        /* An empty file, or one without network.ethernets, has nothing for us. */
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        yaml_node_t *ethernets = lookup(&doc, lookup(&doc, root, "network"), "ethernets");
        if (ethernets && ethernets->type != YAML_MAPPING_NODE)
                return walk_error(&w, &ethernets->start_mark, "ethernets: is not a mapping");
        for (yaml_node_pair_t *p = ethernets ? ethernets->data.mapping.pairs.start : NULL;
                p && p < ethernets->data.mapping.pairs.top; p++) {
                int r = add_ethernet(
                        &w, yaml_document_get_node(&doc, p->key), yaml_document_get_node(&doc, p->value));
                if (r < 0)
                        return r;
        }
        *ret = f;
        f = (NetplanFile){}; /* cppcheck-suppress unreadVariable ; emptied for its cleanup */
        return 0;
}
