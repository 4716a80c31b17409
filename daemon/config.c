/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>

#include "config.h"
#include "root.h"
#include "util.h"

static char *strip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = 0;
        return s;
}

static int parse_bool(const char *v) {
        if (streq(v, "yes") || streq(v, "true") || streq(v, "on") || streq(v, "1"))
                return 1;
        if (streq(v, "no") || streq(v, "false") || streq(v, "off") || streq(v, "0"))
                return 0;
        return -EINVAL;
}

int config_parse(const char *text, size_t size, const char *path, Config *ret) {
        Config c = CONFIG_DEFAULT;
        bool in_section = false;
        size_t pos = 0;
        Line l = {};

        while (line_next(text, size, &pos, &l)) {
                _cleanup_free_ char *copy = strndup(l.p, l.len);
                char *s, *eq, *key, *value;

                if (!copy)
                        return -ENOMEM;
                s = strip(copy);
                if (!*s || *s == '#' || *s == ';')
                        continue;
                if (*s == '[') {
                        if (s[strlen(s) - 1] != ']') {
                                log_error("%s:%u: a section header must end with ']'", path, l.number);
                                return -EBADMSG;
                        }
                        in_section = streq(s, "[Migrate]");
                        if (!in_section) {
                                log_error("%s:%u: unknown section %s (only [Migrate])", path, l.number, s);
                                return -EBADMSG;
                        }
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        log_error("%s:%u: expected KEY=VALUE", path, l.number);
                        return -EBADMSG;
                }
                if (!in_section) {
                        log_error("%s:%u: a setting before the [Migrate] section", path, l.number);
                        return -EBADMSG;
                }
                *eq = 0;
                key = strip(s);
                value = strip(eq + 1);

                if (streq(key, "Enabled")) {
                        int b = parse_bool(value);
                        if (b < 0) {
                                log_error("%s:%u: Enabled=%s: expected yes or no", path, l.number, value);
                                return -EBADMSG;
                        }
                        c.enabled = b;
                } else if (streq(key, "Network")) {
                        int b = parse_bool(value);
                        if (b < 0) {
                                log_error("%s:%u: Network=%s: expected yes or no", path, l.number, value);
                                return -EBADMSG;
                        }
                        c.network = b;
                } else if (streq(key, "Rewrite")) {
                        c.rewrite = rewrite_form_from_string(value);
                        if (c.rewrite == _REWRITE_DEFAULT) {
                                log_error("%s:%u: Rewrite=%s: expected uuid or name", path, l.number, value);
                                return -EBADMSG;
                        }
                } else {
                        log_error("%s:%u: unknown setting %s", path, l.number, key);
                        return -EBADMSG;
                }
        }
        *ret = c;
        return 0;
}

int config_load(int rootfd, Config *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = root_read_file(rootfd, CONFIG_FILE, NULL, &text, &size);
        if (r == -ENOENT) {
                *ret = CONFIG_DEFAULT;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", CONFIG_FILE, strerror(-r));
        return config_parse(text, size, CONFIG_FILE, ret);
}
