/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The state record, /var/lib/kvmigrate/state, through state_load(). A record
 * it accepts goes where "migratectl status" and the daemon take it: the text
 * form must parse back to the same text, the JSON form must parse back, and
 * the terminal and D-Bus forms are made (their escaping reads every byte).
 */

#include <stdio.h>

#include "fuzz.h"
#include "state.h"

#define STATE "var/lib/kvmigrate/state"

static void fail(const char *what, int r) {
        fprintf(stderr, "a state record that was read: %s (%s)\n", what, strerror(-r));
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(state_record_done) StateRecord rec = {}, back = {}, from_json = {}, shown = {}, bus = {};
        _cleanup_free_ char *text = NULL, *text_again = NULL, *json = NULL;
        int r;

        fuzz_write(STATE, data, size);
        if (state_load(fuzz_root(), &rec) < 0)
                return 0;

        r = state_format(&rec, &text);
        if (r < 0)
                fail("cannot be formatted", r);
        r = state_parse(text, "/" STATE, &back);
        if (r < 0)
                fail("as formatted does not parse", r);
        r = state_format(&back, &text_again);
        if (r < 0 || !streq(text, text_again))
                fail("as formatted parses to another record", r);

        r = state_to_json(&rec, false, &json);
        if (r < 0)
                fail("cannot be shown as JSON", r);
        r = state_from_json(json, &from_json);
        if (r < 0)
                fail("as JSON does not parse back", r);

        /* The copies "migratectl status" escapes for a terminal, and the daemon makes valid UTF-8. */
        if (state_parse(text, "/" STATE, &shown) < 0 || state_parse(text, "/" STATE, &bus) < 0)
                abort();
        r = state_record_escape(&shown);
        if (r < 0)
                fail("cannot be escaped", r);
        r = state_record_to_utf8(&bus);
        if (r < 0)
                fail("cannot be made UTF-8", r);
        return 0;
}
