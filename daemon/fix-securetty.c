/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * securetty: the ttys root may log in on (pam_securetty, and login(1) on
 * old systems). Where root was allowed on the Xen console, it is allowed on
 * ttyS0, the console under KVM: "ttyS0" is added as a line of its own at the
 * end. hvc0 and xvc0 stay (harmless, and what a rollback returns to).
 *
 * Where the file does not list the Xen console, root was kept off it on
 * purpose, or never needed it; ttyS0 is not granted then. pam_securetty
 * compares whole lines, so only a line that is exactly "ttyS0" counts.
 */

#include "fixer.h"
#include "root.h"
#include "util.h"

#define SECURETTY_PATH "/etc/securetty"
#define SERIAL_TTY "ttyS0"

static bool line_is(const Line *l, const char *word) {
        return l->len == strlen(word) && memcmp(l->p, word, l->len) == 0;
}

static int securetty_run(FixerContext *c) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        bool xen = false;
        size_t size, pos = 0;
        Buf out = {};
        Line l = {};
        int r;

        /* A list of names has nothing to misread: only the rewrite pass of a guest from Xen acts. */
        if (!(c->mapping && fixer_console_moves(c)))
                return 0;

        r = root_read_file(c->rootfd, SECURETTY_PATH, &path, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", SECURETTY_PATH, strerror(-r));

        while (line_next(data, size, &pos, &l)) {
                if (line_is(&l, SERIAL_TTY))
                        return 0;
                xen = xen || line_is(&l, "hvc0") || line_is(&l, "xvc0");
        }
        if (!xen)
                return 0;

        r = buf_append(&out, data, size);
        if (r >= 0 && size > 0 && data[size - 1] != '\n')
                r = buf_append(&out, "\n", 1);
        if (r >= 0)
                r = buf_puts(&out, SERIAL_TTY "\n");
        if (r >= 0)
                r = plan_replace(c->plan, path, data, size, out.data, out.len, "securetty",
                        "root may log in on the console, which is ttyS0 under KVM");
        buf_done(&out);
        return r;
}

const Fixer fixer_securetty = {
        .name = "securetty",
        .run = securetty_run,
};
