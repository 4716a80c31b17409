/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "devname.h"
#include "map.h"
#include "util.h"

const char *map_method_to_string(MapMethod m) {
        static const char *const names[_MAP_METHOD_MAX] = {
                [MAP_METHOD_UUID] = "uuid",
                [MAP_METHOD_LABEL] = "label",
                [MAP_METHOD_PARTUUID] = "partuuid",
                [MAP_METHOD_PTUUID] = "ptuuid",
                [MAP_METHOD_ORDER] = "order",
        };
        return (unsigned) m < _MAP_METHOD_MAX ? names[m] : NULL;
}

void mapping_done(Mapping *m) {
        for (size_t i = 0; i < m->n; i++)
                free(m->entries[i].old_name);
        free(m->entries);
        *m = (Mapping){};
}

const MapEntry *mapping_find(const Mapping *m, const char *old_name) {
        const char *n = startswith(old_name, "/dev/") ?: old_name;

        for (size_t i = 0; i < m->n; i++)
                if (streq(m->entries[i].old_name, n))
                        return &m->entries[i];
        return NULL;
}

static bool is_ext(const char *t) {
        return streq(t, "ext2") || streq(t, "ext3") || streq(t, "ext4");
}

bool fstype_compatible(const char *declared, const char *found) {
        if (!declared || !found)
                return true;
        if (streq(declared, found))
                return true;
        return is_ext(declared) && is_ext(found);
}

/* For the order rule, which has nothing else to go on, a device of unknown type confirms nothing. */
static bool fstype_confirms(const char *declared, const char *found) {
        return found && fstype_compatible(declared, found);
}

/* Whether the file declares a type that can be checked ("auto" and friends say nothing). */
static bool type_is_checkable(const char *t) {
        return t && !streq(t, "auto") && !streq(t, "none") && !streq(t, "");
}

static int compare_names(const void *a, const void *b) {
        const char *x = *(char *const *) a, *y = *(char *const *) b;
        DevName dx, dy;

        if (devname_parse(x, &dx) < 0 || devname_parse(y, &dy) < 0)
                return strcmp(x, y);
        if (!streq(dx.prefix, dy.prefix))
                return strcmp(dx.prefix, dy.prefix);
        if (dx.disk != dy.disk)
                return dx.disk < dy.disk ? -1 : 1;
        return dx.part < dy.part ? -1 : dx.part > dy.part;
}

typedef struct Builder {
        const Inventory *old, *new;
        const Reference *refs;
        size_t n_refs;
        MapEntry *entries;
        size_t n;
        char **errors, **warnings;
        size_t n_errors, n_warnings;
} Builder;

static int note(char ***v, size_t *n, const char *fmt, ...) _printf_(3, 4);
static int note(char ***v, size_t *n, const char *fmt, ...) {
        va_list ap;
        char *s;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return strv_push(v, n, s);
}

static const Reference *first_ref(const Builder *b, const char *name) {
        for (size_t i = 0; i < b->n_refs; i++)
                if (streq(b->refs[i].name, name))
                        return &b->refs[i];
        return NULL;
}

static int add_entry(Builder *b, const char *name, const Device *old, const Device *new, MapMethod m) {
        MapEntry *e = realloc(b->entries, sizeof(MapEntry) * (b->n + 1));

        if (!e)
                return -ENOMEM;
        b->entries = e;
        e[b->n] = (MapEntry){ .old_name = strdup(name), .old = old, .new = new, .method = m };
        if (!e[b->n].old_name)
                return -ENOMEM;
        b->n++;
        return 0;
}

/* A problem with @name: an error when something refers to it, else a warning. */
static int complain(Builder *b, const char *name, const char *fmt, ...) _printf_(3, 4);
static int complain(Builder *b, const char *name, const char *fmt, ...) {
        const Reference *ref = first_ref(b, name);
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0) {
                s = NULL;
                return -ENOMEM;
        }
        if (ref)
                return note(&b->errors, &b->n_errors, "%s (%s): %s", name, ref->where, s);
        return note(
                &b->warnings, &b->n_warnings, "%s: %s; nothing refers to it, so it is not mapped", name, s);
}

/* Map one device by a recorded identity. Returns 1 if it had one (mapped or complained), 0 if none. */
static int map_by_identity(Builder *b, const char *name, const Device *old) {
        static const struct {
                MapMethod method;
                const char *what;
                size_t offset;
        } keys[] = {
                { MAP_METHOD_UUID, "UUID", offsetof(Device, uuid) },
                { MAP_METHOD_LABEL, "LABEL", offsetof(Device, label) },
                { MAP_METHOD_PARTUUID, "PARTUUID", offsetof(Device, partuuid) },
                { MAP_METHOD_PTUUID, "PTUUID", offsetof(Device, ptuuid) },
        };

        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const char *want = *(char *const *) ((const char *) old + keys[k].offset);
                const Device *found = NULL;
                Buf others = {};
                size_t count = 0;
                int r = 0;

                if (isempty(want))
                        continue;

                /*
                 * Two old devices with one identity: whichever copy survived, the other is lost. Only
                 * a snapshot says what was there at once; a cache may list one filesystem under two
                 * names it had at different times (RHEL's xvde rename).
                 */
                for (size_t i = 0; i < b->old->n && old->source == DEVICE_SOURCE_SNAPSHOT; i++) {
                        const Device *o = &b->old->devices[i];
                        const char *have = *(char *const *) ((const char *) o + keys[k].offset);
                        if (o != old && o->source == DEVICE_SOURCE_SNAPSHOT && have && streq(have, want))
                                return complain(b, name,
                                               "%s %s was on both %s and %s under Xen; refusing to guess",
                                               keys[k].what, want, old->name, o->name) < 0
                                        ? -ENOMEM
                                        : 1;
                }

                for (size_t i = 0; i < b->new->n; i++) {
                        const Device *d = &b->new->devices[i];
                        const char *have = *(char *const *) ((const char *) d + keys[k].offset);

                        if (!have || !streq(have, want))
                                continue;
                        if (count++ == 0)
                                found = d;
                        r = buf_printf(&others, "%s%s", count > 1 ? " and " : "", d->name);
                        if (r < 0)
                                break;
                }

                if (r >= 0) {
                        if (count == 0)
                                r = complain(b, name, "%s %s (from the %s) is on no device present now",
                                        keys[k].what, want, device_source_to_string(old->source));
                        else if (count > 1)
                                r = complain(b, name, "%s %s is on %s (a cloned disk?); refusing to guess",
                                        keys[k].what, want, others.data);
                        else if (!fstype_compatible(old->type, found->type))
                                r = complain(b, name, "%s %s is on %s, but that holds %s, not %s",
                                        keys[k].what, want, found->name, strempty(found->type), old->type);
                        else
                                r = add_entry(b, name, old, found, keys[k].method);
                }
                buf_done(&others);
                return r < 0 ? r : 1;
        }
        return 0;
}

/* The new disks the order rule counts: whole disks of the first prefix present, in kernel order. */
static int new_disks(const Inventory *new, DevName **ret, size_t *ret_n) {
        static const char *const prefixes[] = { "sd", "vd", "hd" };
        DevName *v = NULL;
        size_t n = 0;

        for (size_t p = 0; p < ELEMENTSOF(prefixes) && n == 0; p++)
                for (size_t i = 0; i < new->n; i++) {
                        DevName dn;
                        DevName *nv;

                        if (devname_parse(new->devices[i].name, &dn) < 0 || dn.part != 0 ||
                                !streq(dn.prefix, prefixes[p]))
                                continue;
                        nv = realloc(v, sizeof(DevName) * (n + 1));
                        if (!nv) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = nv;
                        v[n++] = dn;
                }

        /* Kernel order: by disk index. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && v[j - 1].disk > v[j].disk; j--) {
                        DevName t = v[j];
                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
        *ret = v;
        *ret_n = n;
        return 0;
}

typedef struct OrderPick {
        const char *name; /* old name */
        const Device *target; /* NULL: missing */
        size_t unit; /* index of the new disk it lands on */
        char *target_name;
} OrderPick;

/*
 * One reading of the order rule. @split false: each old disk is one unit
 * (xvda1 → sda1). @split true: a disk whose whole name nobody uses is taken
 * as partitions exported one by one (xvda1, xvda2 → sda, sdb), the layout
 * of guests that had each filesystem as its own Xen disk.
 */
static int order_try(Builder *b, char **all, char **todo, bool split, Mapping *ok, char ***ret_errors,
        size_t *ret_n_errors) {
        _cleanup_free_ DevName *disks = NULL;
        _cleanup_free_ OrderPick *picks = NULL;
        char **errors = NULL;
        size_t n_disks, n_errors = 0, n_units = 0, n_todo = strv_length(todo);
        DevName units[256];
        int r;

        r = new_disks(b->new, &disks, &n_disks);
        if (r < 0)
                return r;

        /* The old units in use, in kernel order (@all is sorted). */
        for (char **a = all; *a; a++) {
                DevName dn, whole;
                _cleanup_free_ char *whole_name = NULL;
                bool seen = false;

                if (devname_parse(*a, &dn) < 0 || !streq(dn.prefix, "xvd"))
                        continue;
                whole = dn;
                if (split) {
                        whole_name = devname_format("xvd", dn.disk, 0);
                        if (!whole_name)
                                return -ENOMEM;
                        if (dn.part == 0 || strv_contains(all, whole_name))
                                whole.part = 0;
                } else
                        whole.part = 0;
                for (size_t u = 0; u < n_units; u++)
                        if (units[u].disk == whole.disk && units[u].part == whole.part)
                                seen = true;
                if (!seen && n_units < ELEMENTSOF(units))
                        units[n_units++] = whole;
        }

        picks = calloc(n_todo + 1, sizeof(OrderPick));
        if (!picks)
                return -ENOMEM;

        for (size_t i = 0; i < n_todo; i++) {
                DevName dn;
                OrderPick *p = &picks[i];

                p->name = todo[i];
                p->unit = SIZE_MAX;
                if (devname_parse(todo[i], &dn) < 0)
                        continue;
                for (size_t u = 0; u < n_units; u++) {
                        bool whole_unit = units[u].part == 0;
                        if (units[u].disk != dn.disk || (!whole_unit && units[u].part != dn.part))
                                continue;
                        p->unit = u;
                        if (u < n_disks)
                                p->target_name = devname_format(
                                        disks[u].prefix, disks[u].disk, whole_unit ? dn.part : 0);
                }
                if (p->target_name)
                        p->target = inventory_find(b->new, p->target_name);
        }

        /* Check each new disk the rule lands on: a declared type must confirm it, none may contradict it. */
        for (size_t i = 0; i < n_todo && r >= 0; i++) {
                OrderPick *p = &picks[i];
                const Reference *ref = first_ref(b, p->name);
                bool confirmed = false;

                if (!p->target) {
                        r = note(&errors, &n_errors,
                                "%s (%s): no recorded identity, and the order rule finds no %s among the "
                                "present devices",
                                p->name, ref ? ref->where : "snapshot", p->target_name ?: "new disk for it");
                        continue;
                }
                for (size_t e = 0; e < b->n; e++)
                        if (b->entries[e].new == p->target) {
                                r = note(&errors, &n_errors,
                                        "%s (%s): the order rule gives %s, which holds %s by its %s",
                                        p->name, ref ? ref->where : "snapshot", p->target->name,
                                        b->entries[e].old_name, map_method_to_string(b->entries[e].method));
                                goto next;
                        }
                /* A sibling found by its identity says where this old disk went now. */
                for (size_t e = 0; e < b->n; e++) {
                        DevName me, sib, sib_new, target;
                        if (devname_parse(p->name, &me) < 0 ||
                                devname_parse(b->entries[e].old_name, &sib) < 0 ||
                                devname_parse(b->entries[e].new->name, &sib_new) < 0 ||
                                devname_parse(p->target->name, &target) < 0)
                                continue;
                        if (!streq(sib.prefix, me.prefix) || sib.disk != me.disk)
                                continue;
                        if (units[p->unit].part != 0 && units[p->unit].part != sib.part)
                                continue; /* a partition exported alone: its own unit */
                        if (streq(sib_new.prefix, target.prefix) && sib_new.disk == target.disk)
                                continue;
                        r = note(&errors, &n_errors,
                                "%s (%s): the order rule gives %s, but %s, on the same Xen disk, is %s by "
                                "its %s; "
                                "refusing to guess",
                                p->name, ref ? ref->where : "snapshot", p->target->name,
                                b->entries[e].old_name, b->entries[e].new->name,
                                map_method_to_string(b->entries[e].method));
                        goto next;
                }
                for (size_t j = 0; j < b->n_refs && r >= 0; j++) {
                        const Reference *x = &b->refs[j];
                        if (!streq(x->name, p->name) || !type_is_checkable(x->type))
                                continue;
                        if (!fstype_confirms(x->type, p->target->type)) {
                                r = note(&errors, &n_errors,
                                        "%s (%s): declared %s, but the order rule gives %s, which holds %s; "
                                        "refusing to guess",
                                        p->name, x->where, x->type, p->target->name,
                                        p->target->type ?: "no filesystem");
                                goto next;
                        }
                }
                /* A type confirms only what it tells apart: ext4 on two disks says nothing about which. */
                for (size_t j = 0; j < b->n_refs && r >= 0; j++) {
                        const Reference *x = &b->refs[j];
                        DevName dn;

                        if (!streq(x->name, p->name) || !type_is_checkable(x->type) ||
                                devname_parse(p->name, &dn) < 0)
                                continue;
                        for (size_t u = 0; u < n_disks && u < n_units; u++) {
                                _cleanup_free_ char *alt_name = NULL;
                                const Device *alt;

                                if (u == p->unit)
                                        continue;
                                alt_name = devname_format(disks[u].prefix, disks[u].disk,
                                        units[p->unit].part == 0 ? dn.part : 0);
                                if (!alt_name) {
                                        r = -ENOMEM;
                                        break;
                                }
                                alt = inventory_find(b->new, alt_name);
                                if (alt && fstype_confirms(x->type, alt->type)) {
                                        r = note(&errors, &n_errors,
                                                "%s (%s): no recorded identity, and %s holds %s just as %s "
                                                "does; "
                                                "the order of the disks may have changed, so kvmigrate will "
                                                "not "
                                                "guess; run \"migratectl arm\" under Xen or name it by UUID",
                                                p->name, x->where, alt->name, x->type, p->target->name);
                                        goto next;
                                }
                        }
                }
                /* The order only counts when it pairs every old disk with a new one. */
                if (n_units != n_disks) {
                        r = note(&errors, &n_errors,
                                "%s (%s): no recorded identity; %zu Xen disk%s in use, %zu disk%s present "
                                "now, "
                                "so their order says nothing; run \"migratectl arm\" under Xen or name it "
                                "by UUID",
                                p->name, ref ? ref->where : "snapshot", n_units,
                                n_units == 1 ? " was" : "s were", n_disks, n_disks == 1 ? " is" : "s are");
                        goto next;
                }
                for (size_t k = 0; k < n_todo && !confirmed; k++) {
                        if (picks[k].unit != p->unit || !picks[k].target)
                                continue;
                        for (size_t j = 0; j < b->n_refs; j++)
                                if (streq(b->refs[j].name, picks[k].name) &&
                                        type_is_checkable(b->refs[j].type) &&
                                        fstype_confirms(b->refs[j].type, picks[k].target->type))
                                        confirmed = true;
                }
                if (!confirmed)
                        r = note(&errors, &n_errors,
                                "%s (%s): no recorded identity and no declared filesystem type confirms "
                                "that it is now %s; "
                                "run \"migratectl arm\" under Xen or name it by UUID",
                                p->name, ref ? ref->where : "snapshot", p->target->name);
        next:;
        }

        for (size_t i = 0; i < n_todo && r >= 0 && n_errors == 0; i++) {
                MapEntry *e = realloc(ok->entries, sizeof(MapEntry) * (ok->n + 1));
                if (!e) {
                        r = -ENOMEM;
                        break;
                }
                ok->entries = e;
                e[ok->n] = (MapEntry){ .old_name = strdup(picks[i].name),
                        .old = inventory_find(b->old, picks[i].name),
                        .new = picks[i].target,
                        .method = MAP_METHOD_ORDER };
                if (!e[ok->n].old_name) {
                        r = -ENOMEM;
                        break;
                }
                ok->n++;
        }

        for (size_t i = 0; i < n_todo; i++)
                free(picks[i].target_name);
        if (r < 0) {
                strv_free(errors);
                return r;
        }
        *ret_errors = errors;
        *ret_n_errors = n_errors;
        return 0;
}

static int map_by_order(Builder *b, char **all, char **todo) {
        _cleanup_(mapping_done) Mapping whole = {}, split = {};
        _cleanup_(strv_freep) char **e_whole = NULL, **e_split = NULL;
        size_t n_whole, n_split;
        Mapping *use;
        char **use_errors;
        int r;

        if (strv_length(todo) == 0)
                return 0;
        r = order_try(b, all, todo, false, &whole, &e_whole, &n_whole);
        if (r < 0)
                return r;
        r = order_try(b, all, todo, true, &split, &e_split, &n_split);
        if (r < 0)
                return r;

        use = n_whole == 0 || n_split > 0 ? &whole : &split;
        use_errors = n_whole <= n_split || n_split == 0 ? e_whole : e_split;
        if (n_whole > 0 && n_split == 0)
                use_errors = NULL;

        for (char **e = use_errors; e && *e; e++) {
                r = strv_push(&b->errors, &b->n_errors, strdup(*e));
                if (r < 0)
                        return r;
        }
        if (use_errors)
                return 0;
        for (size_t i = 0; i < use->n; i++) {
                r = add_entry(b, use->entries[i].old_name, use->entries[i].old, use->entries[i].new,
                        MAP_METHOD_ORDER);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_entries(const void *a, const void *b) {
        const char *x = ((const MapEntry *) a)->old_name, *y = ((const MapEntry *) b)->old_name;
        return compare_names(&x, &y);
}

int map_build(const Inventory *old, const Inventory *new, const Reference *refs, size_t n_refs, Mapping *ret,
        char ***ret_errors, char ***ret_warnings) {
        Builder b = { .old = old, .new = new, .refs = refs, .n_refs = n_refs };
        _cleanup_(strv_freep) char **all = NULL, **todo = NULL;
        size_t n_all = 0, n_todo = 0;
        int r = 0;

        for (size_t i = 0; i < old->n && r >= 0; i++)
                if (!strv_contains(all, old->devices[i].name))
                        r = strv_push(&all, &n_all, strdup(old->devices[i].name));
        for (size_t i = 0; i < n_refs && r >= 0; i++)
                if (!strv_contains(all, refs[i].name))
                        r = strv_push(&all, &n_all, strdup(refs[i].name));
        if (r < 0)
                goto fail;
        if (!all) {
                all = calloc(1, sizeof(char *));
                if (!all) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        qsort(all, n_all, sizeof(char *), compare_names);

        for (char **a = all; *a; a++) {
                const Device *d = inventory_find(old, *a);

                r = d ? map_by_identity(&b, *a, d) : 0;
                if (r < 0)
                        goto fail;
                if (r > 0)
                        continue;
                if (first_ref(&b, *a))
                        r = strv_push(&todo, &n_todo, strdup(*a));
                else
                        r = complain(&b, *a, "no identity was recorded for it");
                if (r < 0)
                        goto fail;
        }
        if (!todo) {
                todo = calloc(1, sizeof(char *));
                if (!todo) {
                        r = -ENOMEM;
                        goto fail;
                }
        }

        r = map_by_order(&b, all, todo);
        if (r < 0)
                goto fail;

        if (b.n > 0)
                qsort(b.entries, b.n, sizeof(MapEntry), compare_entries);
        *ret_warnings = b.warnings;
        b.warnings = NULL;
        if (b.n_errors > 0) {
                *ret_errors = b.errors;
                mapping_done(&(Mapping){ .entries = b.entries, .n = b.n });
                *ret = (Mapping){};
                return -ENXIO;
        }
        *ret_errors = NULL;
        *ret = (Mapping){ .entries = b.entries, .n = b.n };
        return 0;

fail:
        mapping_done(&(Mapping){ .entries = b.entries, .n = b.n });
        strv_free(b.errors);
        strv_free(b.warnings);
        return r;
}
