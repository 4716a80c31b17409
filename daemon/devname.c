/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <limits.h>

#include "devname.h"
#include "util.h"

/* Longest first: a name is split at the first prefix that matches. */
static const char *const devname_prefixes[] = { "xvd", "sd", "vd", "hd" };

/* Xen virtual-device numbers (xen-blkfront): major 202 with 16 minors per
 * disk, or the extended form with 256 minors per disk. */
#define XEN_VBD_MAJOR 202UL
#define XEN_VBD_EXTENDED (1UL << 28)

static bool is_lower(char c) {
        return c >= 'a' && c <= 'z';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* A decimal number > 0 made of exactly the @n bytes at @s, no sign, no
 * leading zero, at most @max. */
static int parse_positive(const char *s, size_t n, unsigned long max, unsigned long *ret) {
        unsigned long v = 0;

        if (n == 0 || s[0] == '0')
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned d;

                if (!is_digit(s[i]))
                        return -EINVAL;
                d = (unsigned) (s[i] - '0');
                if (v > (max - d) / 10)
                        return -EINVAL;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

bool devname_is_kernel_name(const char *name) {
        size_t n = 0;

        if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
                return false;
        for (const char *p = name; *p; p++, n++) {
                bool alnum = is_lower(*p) || is_digit(*p) || (*p >= 'A' && *p <= 'Z');

                if (!alnum || n >= DEVNAME_MAX)
                        return false;
        }
        return true;
}

int devname_parse(const char *name, DevName *ret) {
        const char *prefix = NULL, *p = NULL, *s;
        unsigned long long v = 0;
        unsigned long part = 0;

        if (!name)
                return -EINVAL;
        s = startswith(name, "/dev/");
        if (s)
                name = s;

        for (size_t i = 0; i < ELEMENTSOF(devname_prefixes); i++) {
                p = startswith(name, devname_prefixes[i]);
                if (p) {
                        prefix = devname_prefixes[i];
                        break;
                }
        }
        if (!prefix || !is_lower(*p))
                return -EINVAL;

        /* Bijective base 26: a = 1 ... z = 26, so "aa" follows "z". */
        for (; is_lower(*p); p++) {
                v = v * 26 + (unsigned) (*p - 'a' + 1);
                if (v - 1 > UINT_MAX)
                        return -EINVAL;
        }

        if (*p != 0 && parse_positive(p, strlen(p), UINT_MAX, &part) < 0)
                return -EINVAL;

        if (ret) {
                *ret = (DevName){
                        .disk = (unsigned) (v - 1),
                        .part = (unsigned) part,
                };
                strcpy(ret->prefix, prefix);
        }
        return 0;
}

char *devname_format(const char *prefix, unsigned disk, unsigned part) {
        /* 7 letters reach past UINT_MAX, plus the NUL. */
        char letters[8];
        size_t i = sizeof letters;
        unsigned long long n = (unsigned long long) disk + 1;
        char *s;
        int r;

        letters[--i] = 0;
        do {
                n--;
                letters[--i] = (char) ('a' + n % 26);
                n /= 26;
        } while (n > 0);

        if (part > 0)
                r = asprintf(&s, "%s%s%u", prefix, letters + i, part);
        else
                r = asprintf(&s, "%s%s", prefix, letters + i);
        return r < 0 ? NULL : s;
}

unsigned long devname_xen_vbd(unsigned disk) {
        if (disk < 16)
                return XEN_VBD_MAJOR << 8 | (unsigned long) disk << 4;
        return XEN_VBD_EXTENDED | (unsigned long) disk << 8;
}

/* The disk and partition xen-blkfront makes of a virtual-device number; a
 * number with partition bits set is a partition exported alone, which the
 * guest sees as e.g. "xvda1" without any "xvda". The emulated IDE and SCSI
 * majors are refused: the letter they map to depends on the guest kernel
 * (RHEL 6 shifts them by four). */
static int xen_vbd_decode(unsigned long vbd, unsigned *ret_disk, unsigned *ret_part) {
        if (vbd & XEN_VBD_EXTENDED) {
                if (vbd >= XEN_VBD_EXTENDED << 1)
                        return -EINVAL;
                *ret_disk = (unsigned) ((vbd & ~XEN_VBD_EXTENDED) >> 8);
                *ret_part = (unsigned) (vbd & 0xff);
                return 0;
        }
        if (vbd >> 8 != XEN_VBD_MAJOR)
                return -EINVAL;
        *ret_disk = (unsigned) ((vbd >> 4) & 0xf);
        *ret_part = (unsigned) (vbd & 0xf);
        return 0;
}

int devname_from_xen_by_path(const char *path, char **ret) {
        const char *p, *dash;
        unsigned long vbd, part = 0;
        unsigned disk, vbd_part;
        size_t n;
        char *s;

        p = path ? startswith(path, "/dev/disk/by-path/xen-vbd-") : NULL;
        if (!p)
                return -EINVAL;

        dash = strchr(p, '-');
        n = dash ? (size_t) (dash - p) : strlen(p);
        if (parse_positive(p, n, ULONG_MAX, &vbd) < 0)
                return -EINVAL;
        if (dash) {
                const char *m = startswith(dash, "-part");

                if (!m || parse_positive(m, strlen(m), UINT_MAX, &part) < 0)
                        return -EINVAL;
        }
        if (xen_vbd_decode(vbd, &disk, &vbd_part) < 0)
                return -EINVAL;
        /* A partition of something that is itself a partition. */
        if (part > 0 && vbd_part > 0)
                return -EINVAL;

        s = devname_format("xvd", disk, part > 0 ? (unsigned) part : vbd_part);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool unit_char_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == ':' || c == '_' ||
                c == '.';
}

char *unit_name_from_path(const char *path) {
        static const char hex[] = "0123456789abcdef";
        Buf b = {};
        const char *p = path;
        bool first = true;

        for (;;) {
                size_t n;

                p += strspn(p, "/");
                if (*p == 0)
                        break;
                n = strcspn(p, "/");

                /* "." components say nothing, as in systemd's path_simplify(). */
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (!first && buf_append(&b, "-", 1) < 0)
                        goto oom;
                for (size_t i = 0; i < n; i++) {
                        unsigned char c = (unsigned char) p[i];

                        if (unit_char_plain((char) c) && !(first && i == 0 && c == '.')) {
                                if (buf_append(&b, &p[i], 1) < 0)
                                        goto oom;
                        } else {
                                char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

                                if (buf_append(&b, e, sizeof e) < 0)
                                        goto oom;
                        }
                }
                first = false;
                p += n;
        }

        /* The root directory. */
        if (first && buf_append(&b, "-", 1) < 0)
                goto oom;
        return buf_steal(&b);

oom:
        buf_done(&b);
        return NULL;
}

/* Normalised, as systemd requires of an unescaped unit path: absolute, no
 * empty, "." or ".." component, no trailing slash. */
static bool path_is_normalized_abs(const char *p) {
        if (p[0] != '/')
                return false;
        if (streq(p, "/"))
                return true;
        for (p++;;) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += n;
                if (*p == 0)
                        return true;
                p++;
        }
}

char *unit_name_to_path(const char *prefix) {
        Buf b = {};

        if (isempty(prefix))
                return NULL;
        if (streq(prefix, "-"))
                return strdup("/");

        if (buf_append(&b, "/", 1) < 0)
                goto fail;
        for (const char *p = prefix; *p; p++) {
                char c = *p;

                if (c == '-')
                        c = '/';
                else if (c == '\\') {
                        int h, l;

                        if (p[1] != 'x')
                                goto fail;
                        h = unhexchar(p[2]);
                        l = h < 0 ? h : unhexchar(p[3]);
                        if (l < 0 || (h == 0 && l == 0))
                                goto fail;
                        c = (char) (h << 4 | l);
                        p += 3;
                } else if (!unit_char_plain(c))
                        /* Not a character a unit name may hold. */
                        goto fail;
                if (buf_append(&b, &c, 1) < 0)
                        goto fail;
        }
        if (!path_is_normalized_abs(b.data))
                goto fail;
        return buf_steal(&b);

fail:
        buf_done(&b);
        return NULL;
}
