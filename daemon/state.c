/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <json-c/json.h>

#include "root.h"
#include "state.h"

static const char *const migration_state_table[_MIGRATION_STATE_MAX] = {
        [MIGRATION_NOT_NEEDED] = "not-needed",
        [MIGRATION_ARMED] = "armed",
        [MIGRATION_PENDING] = "pending",
        [MIGRATION_RUNNING] = "running",
        [MIGRATION_DONE] = "done",
        [MIGRATION_DEGRADED] = "degraded",
        [MIGRATION_FAILED] = "failed",
        [MIGRATION_ROLLED_BACK] = "rolled-back",
};

const char *migration_state_to_string(MigrationState s) {
        if (s < 0 || s >= _MIGRATION_STATE_MAX)
                return NULL;
        return migration_state_table[s];
}

MigrationState migration_state_from_string(const char *s) {
        if (!s)
                return _MIGRATION_STATE_INVALID;
        for (MigrationState i = 0; i < _MIGRATION_STATE_MAX; i++)
                if (streq(migration_state_table[i], s))
                        return i;
        return _MIGRATION_STATE_INVALID;
}

static void state_mapping_done(StateMapping *m) {
        free(m->old_name);
        free(m->new_name);
        free(m->uuid);
        free(m->label);
        free(m->type);
        free(m->method);
        *m = (StateMapping){};
}

static void state_nic_done(StateNic *n) {
        free(n->old_name);
        free(n->new_name);
        free(n->old_mac);
        free(n->new_mac);
        free(n->method);
        *n = (StateNic){};
}

static void state_edit_done(StateEdit *e) {
        free(e->path);
        free(e->fixer);
        free(e->result);
        *e = (StateEdit){};
}

void state_record_done(StateRecord *r) {
        free(r->hypervisor);
        free(r->mode);
        for (size_t i = 0; i < r->n_mappings; i++)
                state_mapping_done(&r->mappings[i]);
        free(r->mappings);
        for (size_t i = 0; i < r->n_nics; i++)
                state_nic_done(&r->nics[i]);
        free(r->nics);
        for (size_t i = 0; i < r->n_edits; i++)
                state_edit_done(&r->edits[i]);
        free(r->edits);
        strv_free(r->warnings);
        strv_free(r->errors);
        *r = (StateRecord){};
}

int state_record_add_mapping(StateRecord *r, const char *old_name, const char *new_name, const char *uuid,
        const char *label, const char *type, const char *method) {
        StateMapping *v, *m;

        v = reallocarray(r->mappings, r->n_mappings + 1, sizeof(StateMapping));
        if (!v)
                return -ENOMEM;
        r->mappings = v;

        /* Filled in the spare slot, which only counts once complete. */
        m = &v[r->n_mappings];
        *m = (StateMapping){};
        if (strdup_to(&m->old_name, old_name) < 0 || strdup_to(&m->new_name, new_name) < 0 ||
                strdup_to(&m->uuid, uuid) < 0 || strdup_to(&m->label, label) < 0 ||
                strdup_to(&m->type, type) < 0 || strdup_to(&m->method, method) < 0) {
                state_mapping_done(m);
                return -ENOMEM;
        }
        r->n_mappings++;
        return 0;
}

int state_record_add_nic(StateRecord *r, const char *old_name, const char *new_name, const char *old_mac,
        const char *new_mac, const char *method) {
        StateNic *v, *n;

        v = reallocarray(r->nics, r->n_nics + 1, sizeof(StateNic));
        if (!v)
                return -ENOMEM;
        r->nics = v;

        n = &v[r->n_nics];
        *n = (StateNic){};
        if (strdup_to(&n->old_name, old_name) < 0 || strdup_to(&n->new_name, new_name) < 0 ||
                strdup_to(&n->old_mac, old_mac) < 0 || strdup_to(&n->new_mac, new_mac) < 0 ||
                strdup_to(&n->method, method) < 0) {
                state_nic_done(n);
                return -ENOMEM;
        }
        r->n_nics++;
        return 0;
}

int state_record_add_edit(StateRecord *r, const char *path, const char *fixer, const char *result) {
        StateEdit *v, *e;

        v = reallocarray(r->edits, r->n_edits + 1, sizeof(StateEdit));
        if (!v)
                return -ENOMEM;
        r->edits = v;

        e = &v[r->n_edits];
        *e = (StateEdit){};
        if (strdup_to(&e->path, path) < 0 || strdup_to(&e->fixer, fixer) < 0 ||
                strdup_to(&e->result, result) < 0) {
                state_edit_done(e);
                return -ENOMEM;
        }
        r->n_edits++;
        return 0;
}

static int strv_append(char ***v, const char *s) {
        size_t n = strv_length(*v);

        /* The lists are NULL-terminated, so a NULL message is stored as "". */
        return strv_push(v, &n, strdup(strempty(s)));
}

int state_record_add_warning(StateRecord *r, const char *message) {
        return strv_append(&r->warnings, message);
}

int state_record_add_error(StateRecord *r, const char *message) {
        return strv_append(&r->errors, message);
}

/* Appends "SEPKEY=VALUE" with VALUE escaped; nothing when @value is NULL. */
static int append_scalar(Buf *b, const char *key, const char *value) {
        int r;

        if (!value)
                return 0;
        r = buf_put_word(b, "", key, value);
        if (r < 0)
                return r;
        return buf_puts(b, "\n");
}

static int append_usec(Buf *b, const char *key, unsigned long long usec) {
        if (usec == 0)
                return 0;
        return buf_printf(b, "%s=%llu\n", key, usec);
}

static int append_mapping(Buf *b, const StateMapping *m) {
        int r;

        /* old= and new= are what make a mapping; always write them so the file stays parseable. */
        r = buf_puts(b, "mapping");
        if (r >= 0)
                r = buf_put_word(b, " ", "old", strempty(m->old_name));
        if (r >= 0)
                r = buf_put_word(b, " ", "new", strempty(m->new_name));
        if (r >= 0)
                r = buf_put_word(b, " ", "uuid", m->uuid);
        if (r >= 0)
                r = buf_put_word(b, " ", "label", m->label);
        if (r >= 0)
                r = buf_put_word(b, " ", "type", m->type);
        if (r >= 0)
                r = buf_put_word(b, " ", "method", m->method);
        if (r >= 0)
                r = buf_puts(b, "\n");
        return r;
}

static int append_nic(Buf *b, const StateNic *n) {
        int r;

        r = buf_puts(b, "nic");
        if (r >= 0)
                r = buf_put_word(b, " ", "old", strempty(n->old_name));
        if (r >= 0)
                r = buf_put_word(b, " ", "new", strempty(n->new_name));
        if (r >= 0)
                r = buf_put_word(b, " ", "old-mac", n->old_mac);
        if (r >= 0)
                r = buf_put_word(b, " ", "new-mac", n->new_mac);
        if (r >= 0)
                r = buf_put_word(b, " ", "method", n->method);
        if (r >= 0)
                r = buf_puts(b, "\n");
        return r;
}

static int append_edit(Buf *b, const StateEdit *e) {
        int r;

        r = buf_puts(b, "edit");
        if (r >= 0)
                r = buf_put_word(b, " ", "path", strempty(e->path));
        if (r >= 0)
                r = buf_put_word(b, " ", "fixer", e->fixer);
        if (r >= 0)
                r = buf_put_word(b, " ", "result", e->result);
        if (r >= 0)
                r = buf_puts(b, "\n");
        return r;
}

static int append_messages(Buf *b, const char *kind, char **messages) {
        for (char **m = messages; m && *m; m++) {
                int r = buf_puts(b, kind);
                if (r >= 0)
                        r = buf_put_word(b, " ", "message", *m);
                if (r >= 0)
                        r = buf_puts(b, "\n");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int state_format_buf(Buf *b, const StateRecord *rec) {
        const char *state = migration_state_to_string(rec->state);
        int r;

        /* An unknown state would make a file that state_parse() refuses. */
        if (!state)
                return -EINVAL;

        r = buf_puts(b, "# kvmigrate state record; see migratectl(1)\n");
        if (r >= 0)
                r = append_scalar(b, "state", state);
        if (r >= 0)
                r = append_scalar(b, "hypervisor", rec->hypervisor);
        if (r >= 0)
                r = append_scalar(b, "mode", rec->mode);
        if (r >= 0)
                r = append_usec(b, "started", rec->started_usec);
        if (r >= 0)
                r = append_usec(b, "finished", rec->finished_usec);
        for (size_t i = 0; r >= 0 && i < rec->n_mappings; i++)
                r = append_mapping(b, &rec->mappings[i]);
        for (size_t i = 0; r >= 0 && i < rec->n_nics; i++)
                r = append_nic(b, &rec->nics[i]);
        for (size_t i = 0; r >= 0 && i < rec->n_edits; i++)
                r = append_edit(b, &rec->edits[i]);
        if (r >= 0)
                r = append_messages(b, "warning", rec->warnings);
        if (r >= 0)
                r = append_messages(b, "error", rec->errors);
        return r;
}

int state_format(const StateRecord *rec, char **ret) {
        Buf b = {};
        int r;

        r = state_format_buf(&b, rec);
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

/* Moves the contents out of @r, leaving it empty for its cleanup. */
StateRecord state_record_take(StateRecord *r) {
        StateRecord t = *r;

        *r = (StateRecord){};
        return t;
}

/* Which single-valued keys a parse has seen, to refuse a second one. */
enum {
        SEEN_STATE = 1 << 0,
        SEEN_HYPERVISOR = 1 << 1,
        SEEN_MODE = 1 << 2,
        SEEN_STARTED = 1 << 3,
        SEEN_FINISHED = 1 << 4,
};

static int parse_usec(const char *s, unsigned long long *ret) {
        unsigned long long v;
        char *end;

        /* strtoull() would accept blanks, a sign and an empty string. */
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_words(StateRecord *rec, char **w, unsigned *seen, const char *path, unsigned line) {
        static const struct {
                const char *key;
                unsigned bit;
        } scalars[] = {
                { "state", SEEN_STATE },
                { "hypervisor", SEEN_HYPERVISOR },
                { "mode", SEEN_MODE },
                { "started", SEEN_STARTED },
                { "finished", SEEN_FINISHED },
        };
        const char *key = w[0], *value = w[1];

        for (size_t i = 0; i < ELEMENTSOF(scalars); i++) {
                if (!streq(key, scalars[i].key))
                        continue;
                /* Two values for one key: which one the shell code would pick is anybody's guess. */
                if (*seen & scalars[i].bit) {
                        log_error("%s:%u: duplicate %s= line", path, line, key);
                        return -EBADMSG;
                }
                *seen |= scalars[i].bit;
                break;
        }

        if (streq(key, "state")) {
                MigrationState s = migration_state_from_string(value);
                if (s < 0) {
                        _cleanup_free_ char *e = value_escape(value);
                        if (!e)
                                return -ENOMEM;
                        log_error("%s:%u: unknown state \"%s\"", path, line, e);
                        return -EBADMSG;
                }
                rec->state = s;
                return 0;
        }
        if (streq(key, "hypervisor"))
                return strdup_to(&rec->hypervisor, value);
        if (streq(key, "mode"))
                return strdup_to(&rec->mode, value);
        if (streq(key, "started") || streq(key, "finished")) {
                unsigned long long *usec = streq(key, "started") ? &rec->started_usec : &rec->finished_usec;
                if (parse_usec(value, usec) < 0) {
                        log_error("%s:%u: %s= is not a number of microseconds", path, line, key);
                        return -EBADMSG;
                }
                return 0;
        }
        if (streq(key, "mapping")) {
                const char *old_name = words_get(w, "old"), *new_name = words_get(w, "new");
                if (!old_name || !new_name) {
                        log_error("%s:%u: mapping without %s=", path, line, old_name ? "new" : "old");
                        return -EBADMSG;
                }
                return state_record_add_mapping(rec, old_name, new_name, words_get(w, "uuid"),
                        words_get(w, "label"), words_get(w, "type"), words_get(w, "method"));
        }
        if (streq(key, "nic")) {
                const char *old_name = words_get(w, "old"), *new_name = words_get(w, "new");
                if (!old_name || !new_name) {
                        log_error("%s:%u: nic without %s=", path, line, old_name ? "new" : "old");
                        return -EBADMSG;
                }
                return state_record_add_nic(rec, old_name, new_name, words_get(w, "old-mac"),
                        words_get(w, "new-mac"), words_get(w, "method"));
        }
        if (streq(key, "edit")) {
                const char *p = words_get(w, "path");
                if (!p) {
                        log_error("%s:%u: edit without path=", path, line);
                        return -EBADMSG;
                }
                return state_record_add_edit(rec, p, words_get(w, "fixer"), words_get(w, "result"));
        }
        if (streq(key, "warning") || streq(key, "error")) {
                const char *m = words_get(w, "message");
                if (!m) {
                        log_error("%s:%u: %s without message=", path, line, key);
                        return -EBADMSG;
                }
                return streq(key, "warning") ? state_record_add_warning(rec, m)
                                             : state_record_add_error(rec, m);
        }

        /* Written by a newer kvmigrate: skip rather than refuse the whole record. */
        log_debug("%s:%u: ignoring unknown key \"%s\"", path, line, key);
        return 0;
}

int state_parse(const char *text, const char *path, StateRecord *ret) {
        _cleanup_(state_record_done) StateRecord rec = {};
        unsigned seen = 0, line = 0;
        int r;

        for (const char *p = text; *p;) {
                _cleanup_(strv_freep) char **w = NULL;
                _cleanup_free_ char *l = NULL;
                size_t len = strcspn(p, "\n");

                l = strndup(p, len);
                if (!l)
                        return -ENOMEM;
                line++;
                p += len;
                if (*p)
                        p++;

                if (l[strspn(l, " \t")] == '#')
                        continue;

                r = words_parse(l, &w);
                if (r < 0)
                        return r;
                if (!w[0])
                        continue;

                r = parse_words(&rec, w, &seen, path, line);
                if (r < 0)
                        return r;
        }

        *ret = state_record_take(&rec);
        return 0;
}

int state_load(int rootfd, StateRecord *ret) {
        static const char path[] = "/" STATE_FILE;
        _cleanup_free_ char *text = NULL;
        size_t size, len;
        int r;

        _cleanup_close_ int statefd = root_open_dir(rootfd, "/" STATE_DIR, false);
        if (statefd == -ENOENT)
                return statefd;
        if (statefd < 0)
                return log_error_errno(statefd, "/%s: cannot open: %s", STATE_DIR, file_strerror(statefd));
        /* No link followed, a FIFO or folder refused: the guest's state folder is not trusted. */
        r = read_regular_at(statefd, "state", &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", path, file_strerror(r));

        /* A NUL would silently cut the record short. */
        len = strlen(text);
        if (len != size) {
                unsigned line = 1;
                for (size_t i = 0; i < len; i++)
                        line += text[i] == '\n';
                log_error("%s:%u: NUL byte in the record", path, line);
                return -EBADMSG;
        }

        return state_parse(text, path, ret);
}

int state_save(int rootfd, const StateRecord *rec) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = state_format(rec, &text);
        if (r < 0)
                return r;
        /* Through a descriptor of the folder, resolved inside the root: a link never leads out. */
        _cleanup_close_ int statefd = root_open_dir(rootfd, "/" STATE_DIR, true);
        if (statefd < 0)
                return statefd;
        return write_file_atomic_at(statefd, "state", text, strlen(text), 0644);
}

/* Output: what leaves the program is valid UTF-8, and nothing reaches a terminal raw */

/* The length of the valid UTF-8 sequence (RFC 3629) at @p, or 0 when none starts there. */
static size_t utf8_sequence_length(const unsigned char *p) {
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;

        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2;
        else if (p[0] >= 0xe0 && p[0] <= 0xef) {
                n = 3;
                if (p[0] == 0xe0)
                        lo = 0xa0; /* overlong */
                else if (p[0] == 0xed)
                        hi = 0x9f; /* surrogates */
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                n = 4;
                if (p[0] == 0xf0)
                        lo = 0x90; /* overlong */
                else if (p[0] == 0xf4)
                        hi = 0x8f; /* past U+10FFFF */
        } else
                return 0; /* a continuation byte, 0xc0, 0xc1, 0xf5..0xff */

        if (p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++) /* a NUL stops here too: it is no continuation byte */
                if (p[i] < 0x80 || p[i] > 0xbf)
                        return 0;
        return n;
}

/* Whether the valid sequence at @p of length @n is a control character: C0, DEL or C1. */
static bool utf8_is_control(const unsigned char *p, size_t n) {
        return (n == 1 && (p[0] < 0x20 || p[0] == 0x7f)) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

int state_string_to_utf8(const char *s, char **ret) {
        Buf b = {};

        if (!s) {
                *ret = NULL;
                return 0;
        }
        if (buf_puts(&b, "") < 0)
                return -ENOMEM;
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                size_t n = utf8_sequence_length(p);
                int r = n > 0 ? buf_append(&b, p, n) : buf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
                if (r < 0) {
                        buf_done(&b);
                        return -ENOMEM;
                }
                p += n > 0 ? n : 1;
        }
        *ret = buf_steal(&b);
        return 0;
}

int state_string_escape(const char *s, char **ret) {
        Buf b = {};

        if (!s) {
                *ret = NULL;
                return 0;
        }
        if (buf_puts(&b, "") < 0)
                return -ENOMEM;
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                size_t n = utf8_sequence_length(p);
                int r = 0;

                if (n == 0 || *p == '\\' || utf8_is_control(p, n)) {
                        /* Each byte of it, so the escaped text tells the bytes exactly. */
                        for (size_t i = 0; r >= 0 && i < (n > 0 ? n : 1); i++)
                                r = buf_printf(&b, "\\x%02x", p[i]);
                } else
                        r = buf_append(&b, p, n);
                if (r < 0) {
                        buf_done(&b);
                        return -ENOMEM;
                }
                p += n > 0 ? n : 1;
        }
        *ret = buf_steal(&b);
        return 0;
}

/* Replaces the string in *@s by @fn's version of it. */
static int string_map(char **s, int (*fn)(const char *s, char **ret)) {
        char *t;
        int r;

        r = fn(*s, &t);
        if (r < 0)
                return r;
        free(*s);
        *s = t;
        return 0;
}

static int state_record_map(StateRecord *rec, int (*fn)(const char *s, char **ret)) {
        int r;

        r = string_map(&rec->hypervisor, fn);
        if (r >= 0)
                r = string_map(&rec->mode, fn);
        for (size_t i = 0; r >= 0 && i < rec->n_mappings; i++) {
                StateMapping *m = &rec->mappings[i];
                char **fields[] = { &m->old_name, &m->new_name, &m->uuid, &m->label, &m->type, &m->method };

                for (size_t j = 0; r >= 0 && j < ELEMENTSOF(fields); j++)
                        r = string_map(fields[j], fn);
        }
        for (size_t i = 0; r >= 0 && i < rec->n_nics; i++) {
                StateNic *n = &rec->nics[i];
                char **fields[] = { &n->old_name, &n->new_name, &n->old_mac, &n->new_mac, &n->method };

                for (size_t j = 0; r >= 0 && j < ELEMENTSOF(fields); j++)
                        r = string_map(fields[j], fn);
        }
        for (size_t i = 0; r >= 0 && i < rec->n_edits; i++) {
                StateEdit *e = &rec->edits[i];
                char **fields[] = { &e->path, &e->fixer, &e->result };

                for (size_t j = 0; r >= 0 && j < ELEMENTSOF(fields); j++)
                        r = string_map(fields[j], fn);
        }
        for (char **w = rec->warnings; r >= 0 && w && *w; w++)
                r = string_map(w, fn);
        for (char **e = rec->errors; r >= 0 && e && *e; e++)
                r = string_map(e, fn);
        return r;
}

int state_record_to_utf8(StateRecord *rec) {
        return state_record_map(rec, state_string_to_utf8);
}

int state_record_escape(StateRecord *rec) {
        return state_record_map(rec, state_string_escape);
}

static void json_object_putp(struct json_object **o) {
        if (*o)
                (void) json_object_put(*o);
}

/* Adds @v (NULL: JSON null) under @key; @v is consumed either way. */
static int json_add(struct json_object *o, const char *key, struct json_object *v) {
        if (json_object_object_add(o, key, v) < 0) {
                (void) json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* A JSON string of @s made valid UTF-8 (json-c copies bytes >= 0x80 as they are); NULL on -ENOMEM. */
static struct json_object *json_new_string_utf8(const char *s) {
        _cleanup_free_ char *t = NULL;

        if (state_string_to_utf8(s, &t) < 0)
                return NULL;
        return json_object_new_string(t);
}

static int json_add_string(struct json_object *o, const char *key, const char *s) {
        struct json_object *v = NULL;

        if (s) {
                v = json_new_string_utf8(s);
                if (!v)
                        return -ENOMEM;
        }
        return json_add(o, key, v);
}

static int json_add_usec(struct json_object *o, const char *key, unsigned long long usec) {
        struct json_object *v = NULL;

        if (usec != 0) {
                /* int64 covers the next 292000 years; past that, keep the value rather than wrap. */
                v = usec <= INT64_MAX ? json_object_new_int64((int64_t) usec) : json_object_new_uint64(usec);
                if (!v)
                        return -ENOMEM;
        }
        return json_add(o, key, v);
}

static int json_array_push(struct json_object *a, struct json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                (void) json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static struct json_object *json_mapping(const StateMapping *m) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "old", m->old_name) < 0 || json_add_string(o, "new", m->new_name) < 0 ||
                json_add_string(o, "uuid", m->uuid) < 0 || json_add_string(o, "label", m->label) < 0 ||
                json_add_string(o, "type", m->type) < 0 || json_add_string(o, "method", m->method) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static struct json_object *json_nic(const StateNic *n) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "old", n->old_name) < 0 || json_add_string(o, "new", n->new_name) < 0 ||
                json_add_string(o, "old_mac", n->old_mac) < 0 ||
                json_add_string(o, "new_mac", n->new_mac) < 0 || json_add_string(o, "method", n->method) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static struct json_object *json_edit(const StateEdit *e) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "path", e->path) < 0 || json_add_string(o, "fixer", e->fixer) < 0 ||
                json_add_string(o, "result", e->result) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static int json_add_strv(struct json_object *o, const char *key, char **v) {
        struct json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (char **s = v; s && *s; s++) {
                int r = json_array_push(a, json_new_string_utf8(*s));
                if (r < 0) {
                        (void) json_object_put(a);
                        return r;
                }
        }
        return json_add(o, key, a);
}

static struct json_object *state_json_object(const StateRecord *rec) {
        _cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
        struct json_object *a;

        if (!o || json_add_string(o, "state", migration_state_to_string(rec->state)) < 0 ||
                json_add_string(o, "hypervisor", rec->hypervisor) < 0 ||
                json_add_string(o, "mode", rec->mode) < 0 ||
                json_add_usec(o, "started", rec->started_usec) < 0 ||
                json_add_usec(o, "finished", rec->finished_usec) < 0)
                return NULL;

        a = json_object_new_array();
        if (!a || json_add(o, "mappings", a) < 0)
                return NULL;
        for (size_t i = 0; i < rec->n_mappings; i++)
                if (json_array_push(a, json_mapping(&rec->mappings[i])) < 0)
                        return NULL;

        a = json_object_new_array();
        if (!a || json_add(o, "nics", a) < 0)
                return NULL;
        for (size_t i = 0; i < rec->n_nics; i++)
                if (json_array_push(a, json_nic(&rec->nics[i])) < 0)
                        return NULL;

        a = json_object_new_array();
        if (!a || json_add(o, "edits", a) < 0)
                return NULL;
        for (size_t i = 0; i < rec->n_edits; i++)
                if (json_array_push(a, json_edit(&rec->edits[i])) < 0)
                        return NULL;

        if (json_add_strv(o, "warnings", rec->warnings) < 0 || json_add_strv(o, "errors", rec->errors) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int state_to_json(const StateRecord *rec, bool pretty, char **ret) {
        _cleanup_(json_object_putp) struct json_object *o = NULL;
        const char *s;
        char *copy;

        if (!migration_state_to_string(rec->state))
                return -EINVAL;

        o = state_json_object(rec);
        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o,
                JSON_C_TO_STRING_NOSLASHESCAPE |
                        (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                : JSON_C_TO_STRING_PLAIN));
        if (!s)
                return -ENOMEM;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

/* A string member, borrowed from @o: NULL when absent or null. */
static int json_get_str(struct json_object *o, const char *key, const char **ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = json_object_get_string(v);
        return 0;
}

/* A timestamp in microseconds: 0 when absent or null. */
static int json_get_usec(struct json_object *o, const char *key, unsigned long long *ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = 0;
                return 0;
        }
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
                return -EBADMSG;
        *ret = json_object_get_uint64(v);
        return 0;
}

/* An array member, borrowed: NULL (no elements) when absent or null. */
static int json_get_array(struct json_object *o, const char *key, struct json_object **ret) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return -EBADMSG;
        *ret = v;
        return 0;
}

static size_t json_length(struct json_object *a) {
        return a ? json_object_array_length(a) : 0;
}

static int json_object_at(struct json_object *a, size_t i, struct json_object **ret) {
        struct json_object *v = json_object_array_get_idx(a, i);

        if (!v || !json_object_is_type(v, json_type_object))
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_mappings(struct json_object *top, StateRecord *rec) {
        struct json_object *a;
        int r;

        r = json_get_array(top, "mappings", &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                const char *old_name, *new_name, *uuid, *label, *type, *method;
                struct json_object *m;

                r = json_object_at(a, i, &m);
                if (r >= 0)
                        r = json_get_str(m, "old", &old_name);
                if (r >= 0)
                        r = json_get_str(m, "new", &new_name);
                if (r >= 0)
                        r = json_get_str(m, "uuid", &uuid);
                if (r >= 0)
                        r = json_get_str(m, "label", &label);
                if (r >= 0)
                        r = json_get_str(m, "type", &type);
                if (r >= 0)
                        r = json_get_str(m, "method", &method);
                if (r >= 0)
                        r = state_record_add_mapping(rec, old_name, new_name, uuid, label, type, method);
        }
        return r;
}

static int parse_nics(struct json_object *top, StateRecord *rec) {
        struct json_object *a;
        int r;

        r = json_get_array(top, "nics", &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                const char *old_name, *new_name, *old_mac, *new_mac, *method;
                struct json_object *n;

                r = json_object_at(a, i, &n);
                if (r >= 0)
                        r = json_get_str(n, "old", &old_name);
                if (r >= 0)
                        r = json_get_str(n, "new", &new_name);
                if (r >= 0)
                        r = json_get_str(n, "old_mac", &old_mac);
                if (r >= 0)
                        r = json_get_str(n, "new_mac", &new_mac);
                if (r >= 0)
                        r = json_get_str(n, "method", &method);
                if (r >= 0)
                        r = state_record_add_nic(rec, old_name, new_name, old_mac, new_mac, method);
        }
        return r;
}

static int parse_edits(struct json_object *top, StateRecord *rec) {
        struct json_object *a;
        int r;

        r = json_get_array(top, "edits", &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                const char *path, *fixer, *result;
                struct json_object *e;

                r = json_object_at(a, i, &e);
                if (r >= 0)
                        r = json_get_str(e, "path", &path);
                if (r >= 0)
                        r = json_get_str(e, "fixer", &fixer);
                if (r >= 0)
                        r = json_get_str(e, "result", &result);
                if (r >= 0)
                        r = state_record_add_edit(rec, path, fixer, result);
        }
        return r;
}

static int parse_messages(struct json_object *top, const char *key, StateRecord *rec,
        int (*add)(StateRecord *rec, const char *message)) {
        struct json_object *a;
        int r;

        r = json_get_array(top, key, &a);
        for (size_t i = 0; r >= 0 && i < json_length(a); i++) {
                struct json_object *v = json_object_array_get_idx(a, i);

                if (!v || !json_object_is_type(v, json_type_string))
                        return -EBADMSG;
                r = add(rec, json_object_get_string(v));
        }
        return r;
}

int state_from_json(const char *json, StateRecord *ret) {
        _cleanup_(json_object_putp) struct json_object *top = NULL;
        _cleanup_(state_record_done) StateRecord rec = {};
        enum json_tokener_error jerr;
        const char *state, *hypervisor, *mode;
        int r;

        top = json_tokener_parse_verbose(json, &jerr);
        if (!top || !json_object_is_type(top, json_type_object))
                return -EBADMSG;

        r = json_get_str(top, "state", &state);
        if (r < 0)
                return r;
        rec.state = migration_state_from_string(state);
        if (rec.state == _MIGRATION_STATE_INVALID)
                return -EBADMSG;

        r = json_get_str(top, "hypervisor", &hypervisor);
        if (r >= 0)
                r = json_get_str(top, "mode", &mode);
        if (r >= 0)
                r = strdup_to(&rec.hypervisor, hypervisor);
        if (r >= 0)
                r = strdup_to(&rec.mode, mode);
        if (r >= 0)
                r = json_get_usec(top, "started", &rec.started_usec);
        if (r >= 0)
                r = json_get_usec(top, "finished", &rec.finished_usec);
        if (r >= 0)
                r = parse_mappings(top, &rec);
        if (r >= 0)
                r = parse_nics(top, &rec);
        if (r >= 0)
                r = parse_edits(top, &rec);
        if (r >= 0)
                r = parse_messages(top, "warnings", &rec, state_record_add_warning);
        if (r >= 0)
                r = parse_messages(top, "errors", &rec, state_record_add_error);
        if (r < 0)
                return r;

        *ret = state_record_take(&rec);
        return 0;
}

bool migration_state_is_active(MigrationState s) {
        return s == MIGRATION_PENDING || s == MIGRATION_RUNNING;
}
