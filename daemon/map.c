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
                [MAP_METHOD_BUS] = "bus",
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
        /* The order rule runs without the optional names, assuming their disks are the absent ones. */
        bool assume_absent;
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

/* Every file that names @name can live without it (nofail, noauto). */
static bool name_is_optional(const Builder *b, const char *name) {
        bool any = false;

        for (size_t i = 0; i < b->n_refs; i++)
                if (streq(b->refs[i].name, name)) {
                        if (!b->refs[i].optional)
                                return false;
                        any = true;
                }
        return any;
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
        if (ref && name_is_optional(b, name))
                return note(&b->warnings, &b->n_warnings,
                        "%s (%s): %s; the guest boots without it, so its line is left as it is", name,
                        ref->where, s);
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

/* A new whole disk the order rule counts. */
typedef struct OrderDisk {
        DevName dn;
} OrderDisk;

/* The new disks the order rule counts, in the order inventory_disks_in_order() gives. */
static int new_disks(const Inventory *new, OrderDisk **ret, size_t *ret_n, DiskOrder *ret_order) {
        _cleanup_free_ const Device **disks = NULL;
        _cleanup_free_ OrderDisk *v = NULL;
        size_t n;
        int r;

        r = inventory_disks_in_order(new, &disks, &n, ret_order);
        if (r < 0)
                return r;
        v = calloc(n + 1, sizeof(OrderDisk));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (devname_parse(disks[i]->name, &v[i].dn) < 0)
                        return -EINVAL; /* inventory_disks_in_order() parsed it */
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

typedef struct OrderPick {
        const char *name; /* old name */
        const Device *target; /* NULL: missing */
        size_t unit; /* index of the old unit, and of the new disk it lands on */
        char *target_name;
} OrderPick;

/* The old units the order rule counts, and the new disks they land on. */
typedef struct OrderRun {
        Builder *b;
        DevName *units; /* old units in use, kernel order */
        size_t n_units;
        OrderDisk *disks;
        size_t n_disks;
        /*
         * The disks sort by bus position on one controller, or the caller named
         * them, and no old disk is assumed absent: same-type disks cannot swap.
         */
        bool certain;
        MapMethod method;
        OrderPick *picks;
        size_t n_picks;
} OrderRun;

static void order_run_done(OrderRun *o) {
        for (size_t i = 0; i < o->n_picks; i++)
                free(o->picks[i].target_name);
        free(o->picks);
        free(o->units);
        free(o->disks);
}

/*
 * The old units in use, in kernel order (@all is sorted). @split false: each
 * old disk is one unit (xvda1 → sda1). @split true: a disk whose whole name
 * nobody uses is taken as partitions exported one by one (xvda1, xvda2 →
 * sda, sdb), the layout of guests that had each filesystem as its own Xen disk.
 */
static int order_collect_units(OrderRun *o, char **all, bool split) {
        for (char **a = all; *a; a++) {
                DevName dn, whole;
                bool seen = false;

                if (devname_parse(*a, &dn) < 0 || !streq(dn.prefix, "xvd"))
                        continue;
                whole = dn;
                if (split) {
                        _cleanup_free_ char *whole_name = devname_format("xvd", dn.disk, 0);
                        if (!whole_name)
                                return -ENOMEM;
                        if (dn.part == 0 || strv_contains(all, whole_name))
                                whole.part = 0;
                } else
                        whole.part = 0;
                for (size_t u = 0; u < o->n_units && !seen; u++)
                        seen = o->units[u].disk == whole.disk && o->units[u].part == whole.part;
                if (!seen) {
                        DevName *v = reallocarray(o->units, o->n_units + 1, sizeof(DevName));
                        if (!v)
                                return -ENOMEM;
                        o->units = v;
                        o->units[o->n_units++] = whole;
                }
        }
        return 0;
}

/* The i-th unit lands on the i-th new disk: the whole disk, or the partition of the same number. */
static int order_pick_targets(OrderRun *o, char **todo) {
        size_t n_todo = strv_length(todo);

        o->picks = calloc(n_todo + 1, sizeof(OrderPick));
        if (!o->picks)
                return -ENOMEM;
        o->n_picks = n_todo;
        for (size_t i = 0; i < n_todo; i++) {
                OrderPick *p = &o->picks[i];
                DevName dn;

                p->name = todo[i];
                p->unit = SIZE_MAX;
                if (devname_parse(todo[i], &dn) < 0)
                        continue;
                for (size_t u = 0; u < o->n_units; u++) {
                        bool whole_unit = o->units[u].part == 0;
                        if (o->units[u].disk != dn.disk || (!whole_unit && o->units[u].part != dn.part))
                                continue;
                        p->unit = u;
                        if (u < o->n_disks) {
                                const DevName *t = &o->disks[u].dn;
                                p->target_name =
                                        devname_format(t->prefix, t->disk, whole_unit ? dn.part : 0);
                                if (!p->target_name)
                                        return -ENOMEM;
                        }
                }
                if (p->target_name)
                        p->target = inventory_find(o->b->new, p->target_name);
        }
        return 0;
}

/*
 * The refusal rules. Each returns 0 when the pick stands, 1 with a message in
 * @ret when it does not, or -ENOMEM.
 */
typedef int (*OrderRule)(const OrderRun *o, const OrderPick *p, const char *where, char **ret);

static int rule_target_present(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        (void) o;
        if (p->target)
                return 0;
        return asprintf(ret,
                       "%s (%s): no recorded identity, and the order rule finds no %s among the present "
                       "devices",
                       p->name, where, p->target_name ?: "new disk for it") < 0
                ? -ENOMEM
                : 1;
}

static int rule_target_unclaimed(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        for (size_t e = 0; e < o->b->n; e++)
                if (o->b->entries[e].new == p->target)
                        return asprintf(ret, "%s (%s): the order rule gives %s, which holds %s by its %s",
                                       p->name, where, p->target->name, o->b->entries[e].old_name,
                                       map_method_to_string(o->b->entries[e].method)) < 0
                                ? -ENOMEM
                                : 1;
        return 0;
}

/* A sibling found by its identity says where this old disk went. */
static int rule_siblings_agree(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        const Builder *b = o->b;

        for (size_t e = 0; e < b->n; e++) {
                DevName me, sib, sib_new, target;
                if (devname_parse(p->name, &me) < 0 || devname_parse(b->entries[e].old_name, &sib) < 0 ||
                        devname_parse(b->entries[e].new->name, &sib_new) < 0 ||
                        devname_parse(p->target->name, &target) < 0)
                        continue;
                if (!streq(sib.prefix, me.prefix) || sib.disk != me.disk)
                        continue;
                if (o->units[p->unit].part != 0 && o->units[p->unit].part != sib.part)
                        continue; /* a partition exported alone: its own unit */
                if (streq(sib_new.prefix, target.prefix) && sib_new.disk == target.disk)
                        continue;
                return asprintf(ret,
                               "%s (%s): the order rule gives %s, but %s, on the same Xen disk, is %s by "
                               "its "
                               "%s; refusing to guess",
                               p->name, where, p->target->name, b->entries[e].old_name,
                               b->entries[e].new->name, map_method_to_string(b->entries[e].method)) < 0
                        ? -ENOMEM
                        : 1;
        }
        return 0;
}

static int rule_type_agrees(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        (void) where;
        for (size_t j = 0; j < o->b->n_refs; j++) {
                const Reference *x = &o->b->refs[j];
                if (!streq(x->name, p->name) || !type_is_checkable(x->type))
                        continue;
                if (!fstype_confirms(x->type, p->target->type))
                        return asprintf(ret,
                                       "%s (%s): declared %s, but the order rule gives %s, which holds %s; "
                                       "refusing to guess",
                                       p->name, x->where, x->type, p->target->name,
                                       p->target->type ?: "no filesystem") < 0
                                ? -ENOMEM
                                : 1;
        }
        return 0;
}

/*
 * Letters handed out in probe order race: a type confirms only what it tells
 * apart, and ext4 on two disks says nothing about which. Disks in bus order
 * on one controller, or named by the caller, do not race; the order of two
 * controllers, or a reading that assumes which old disk is absent, may be
 * wrong, and then too a type must tell the disks apart.
 */
static int rule_type_tells_apart(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        DevName dn;

        (void) where;
        if (o->certain || devname_parse(p->name, &dn) < 0)
                return 0;
        for (size_t j = 0; j < o->b->n_refs; j++) {
                const Reference *x = &o->b->refs[j];

                if (!streq(x->name, p->name) || !type_is_checkable(x->type))
                        continue;
                for (size_t u = 0; u < o->n_disks && u < o->n_units; u++) {
                        _cleanup_free_ char *alt_name = NULL;
                        const Device *alt;

                        if (u == p->unit)
                                continue;
                        alt_name = devname_format(o->disks[u].dn.prefix, o->disks[u].dn.disk,
                                o->units[p->unit].part == 0 ? dn.part : 0);
                        if (!alt_name)
                                return -ENOMEM;
                        alt = inventory_find(o->b->new, alt_name);
                        if (alt && fstype_confirms(x->type, alt->type))
                                return asprintf(ret,
                                               "%s (%s): no recorded identity, and %s holds %s as %s holds "
                                               "%s; the order of the disks may have changed, so kvmigrate "
                                               "will not guess; run \"migratectl arm\" under Xen or name it "
                                               "by UUID",
                                               p->name, x->where, alt->name, alt->type, p->target->name,
                                               p->target->type) < 0
                                        ? -ENOMEM
                                        : 1;
                }
        }
        return 0;
}

/* The order only counts when it pairs every old disk with a new one. */
static int rule_counts_match(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        if (o->n_units == o->n_disks)
                return 0;
        return asprintf(ret,
                       "%s (%s): no recorded identity; %zu Xen disk%s in use, %zu disk%s present now, so "
                       "their "
                       "order says nothing; run \"migratectl arm\" under Xen or name it by UUID",
                       p->name, where, o->n_units, o->n_units == 1 ? " was" : "s were", o->n_disks,
                       o->n_disks == 1 ? " is" : "s are") < 0
                ? -ENOMEM
                : 1;
}

/* Some declared type on the same unit confirms the new disk. */
static int rule_type_confirms(const OrderRun *o, const OrderPick *p, const char *where, char **ret) {
        for (size_t k = 0; k < o->n_picks; k++) {
                const OrderPick *q = &o->picks[k];
                if (q->unit != p->unit || !q->target)
                        continue;
                for (size_t j = 0; j < o->b->n_refs; j++)
                        if (streq(o->b->refs[j].name, q->name) && type_is_checkable(o->b->refs[j].type) &&
                                fstype_confirms(o->b->refs[j].type, q->target->type))
                                return 0;
        }
        return asprintf(ret,
                       "%s (%s): no recorded identity and no declared filesystem type confirms that it is "
                       "now "
                       "%s; run \"migratectl arm\" under Xen or name it by UUID",
                       p->name, where, p->target->name) < 0
                ? -ENOMEM
                : 1;
}

/*
 * One reading of the order rule (see order_collect_units() for @split). On
 * success @ok gets an entry per name of @todo; otherwise @ret_errors says
 * why, one line per name.
 */
static int order_try(Builder *b, char **all, char **todo, bool split, Mapping *ok, char ***ret_errors,
        size_t *ret_n_errors) {
        static const OrderRule rules[] = {
                rule_target_present,
                rule_target_unclaimed,
                rule_siblings_agree,
                rule_type_agrees,
                rule_type_tells_apart,
                rule_counts_match,
                rule_type_confirms,
        };
        _cleanup_(order_run_done) OrderRun o = { .b = b };
        _cleanup_(strv_freep) char **errors = NULL;
        size_t n_errors = 0;
        DiskOrder order;
        int r;

        r = new_disks(b->new, &o.disks, &o.n_disks, &order);
        if (r < 0)
                return r;
        o.certain = (order == DISK_ORDER_CONTROLLER || b->new->names_given) && !b->assume_absent;
        o.method = order == DISK_ORDER_LETTERS ? MAP_METHOD_ORDER : MAP_METHOD_BUS;
        r = order_collect_units(&o, all, split);
        if (r < 0)
                return r;
        r = order_pick_targets(&o, todo);
        if (r < 0)
                return r;

        for (size_t i = 0; i < o.n_picks; i++) {
                const Reference *ref = first_ref(b, o.picks[i].name);
                const char *where = ref ? ref->where : "snapshot";

                for (size_t k = 0; k < ELEMENTSOF(rules); k++) {
                        char *why = NULL;

                        r = rules[k](&o, &o.picks[i], where, &why);
                        if (r < 0)
                                return -ENOMEM;
                        if (r > 0) {
                                r = strv_push(&errors, &n_errors, why);
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
        }

        for (size_t i = 0; i < o.n_picks && n_errors == 0; i++) {
                MapEntry *e = reallocarray(ok->entries, ok->n + 1, sizeof(MapEntry));
                if (!e)
                        return -ENOMEM;
                ok->entries = e;
                e[ok->n] = (MapEntry){ .old_name = strdup(o.picks[i].name),
                        .old = inventory_find(b->old, o.picks[i].name),
                        .new = o.picks[i].target,
                        .method = o.method };
                if (!e[ok->n].old_name)
                        return -ENOMEM;
                ok->n++;
        }

        *ret_errors = TAKE_PTR(errors);
        *ret_n_errors = n_errors;
        return 0;
}

/*
 * The order rule, as whole disks and as partitions exported one by one (see
 * order_collect_units()): the reading that maps every name of @todo in
 * @ret, else the errors of the closer one in @ret_errors.
 */
static int order_best(Builder *b, char **all, char **todo, Mapping *ret, char ***ret_errors) {
        _cleanup_(mapping_done) Mapping whole = {}, split = {};
        _cleanup_(strv_freep) char **e_whole = NULL, **e_split = NULL;
        size_t n_whole, n_split;
        int r;

        r = order_try(b, all, todo, false, &whole, &e_whole, &n_whole);
        if (r < 0)
                return r;
        if (n_whole == 0) {
                *ret = whole;
                whole = (Mapping){};
                *ret_errors = NULL;
                return 0;
        }
        r = order_try(b, all, todo, true, &split, &e_split, &n_split);
        if (r < 0)
                return r;
        if (n_split == 0) {
                *ret = split;
                split = (Mapping){};
                *ret_errors = NULL;
                return 0;
        }
        *ret = (Mapping){};
        *ret_errors = n_whole <= n_split ? TAKE_PTR(e_whole) : TAKE_PTR(e_split);
        return 0;
}

/*
 * Names with no recorded identity, by the order rule. A disk that only
 * optional lines name (nofail, noauto) may be the one not attached now: when
 * the rule fails with them and holds without them, they are left as they are.
 */
static int map_by_order(Builder *b, char **all, char **todo) {
        _cleanup_(mapping_done) Mapping got = {};
        _cleanup_(strv_freep) char **errors = NULL, **optional = NULL;
        size_t n_optional = 0;
        int r;

        if (strv_length(todo) == 0)
                return 0;
        r = order_best(b, all, todo, &got, &errors);
        if (r < 0)
                return r;

        for (char **t = todo; *t && errors; t++)
                if (name_is_optional(b, *t)) {
                        r = strv_push(&optional, &n_optional, strdup(*t));
                        if (r < 0)
                                return r;
                }
        if (errors && n_optional > 0) {
                _cleanup_(strv_freep) char **all_needed = NULL, **todo_needed = NULL, **e_needed = NULL;
                _cleanup_(mapping_done) Mapping needed = {};
                size_t n_all = 0, n_todo = 0;

                for (char **a = all; *a && r >= 0; a++)
                        if (!strv_contains(optional, *a))
                                r = strv_push(&all_needed, &n_all, strdup(*a));
                for (char **t = todo; *t && r >= 0; t++)
                        if (!strv_contains(optional, *t))
                                r = strv_push(&todo_needed, &n_todo, strdup(*t));
                if (r < 0)
                        return r;
                if (n_todo == 0)
                        e_needed = NULL; /* nothing needed is left to map */
                else {
                        /* An assumption, so same-type disks must still be told apart. */
                        b->assume_absent = true;
                        r = order_best(b, all_needed ?: (char *[]){ NULL }, todo_needed, &needed, &e_needed);
                        b->assume_absent = false;
                        if (r < 0)
                                return r;
                }
                if (!e_needed) {
                        for (char **o = optional; *o; o++) {
                                r = complain(b, *o,
                                        "no recorded identity, and the disks present now leave no place for "
                                        "it");
                                if (r < 0)
                                        return r;
                        }
                        strv_free(errors);
                        errors = NULL;
                        mapping_done(&got);
                        got = needed;
                        needed = (Mapping){};
                }
        }

        for (char **e = errors; e && *e; e++) {
                r = strv_push(&b->errors, &b->n_errors, strdup(*e));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < got.n && !errors; i++) {
                r = add_entry(b, got.entries[i].old_name, got.entries[i].old, got.entries[i].new,
                        got.entries[i].method);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What is mounted on "/" must be the filesystem the run migrates, whatever rule mapped it. */
static int check_root(Builder *b) {
        const Device *root = NULL;

        if (b->new->root_devnum == 0)
                return 0;
        for (size_t i = 0; i < b->new->n && !root; i++)
                if (b->new->devices[i].devnum == b->new->root_devnum)
                        root = &b->new->devices[i];
        if (!root)
                return 0; /* on LVM, btrfs, an image: nothing here to compare with */

        for (size_t i = 0; i < b->n_refs; i++) {
                const Reference *x = &b->refs[i];
                const MapEntry *e;
                int r;

                if (!x->root)
                        continue;
                e = mapping_find(&(Mapping){ .entries = b->entries, .n = b->n }, x->name);
                if (!e || e->new == root)
                        continue;
                r = note(&b->errors, &b->n_errors,
                        "%s (%s): mounted on /, and the %s rule gives %s, but the root being migrated is on "
                        "%s; "
                        "refusing to guess",
                        x->name, x->where, map_method_to_string(e->method), e->new->name, root->name);
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
        r = check_root(&b);
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
