/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "diff.h"
#include "util.h"

/* Diff two NUL-terminated texts (NULL: no file) and compare with @expected;
 * the diff must be appended after what the buffer held. */
static void check_diff(const char *a, const char *b, const char *expected) {
        Buf out = {};

        assert_int_equal(buf_puts(&out, "KEEP\n"), 0);
        assert_int_equal(diff_unified(&out, a ? "a" : "/dev/null", a, a ? strlen(a) : 0,
                                 b ? "b" : "/dev/null", b, b ? strlen(b) : 0),
                0);
        assert_non_null(out.data);
        assert_memory_equal(out.data, "KEEP\n", 5);
        assert_string_equal(out.data + 5, expected);
        buf_done(&out);
}

static const char ten[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
static const char twenty[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n";

static void test_identical(void **state) {
        (void) state;

        check_diff(ten, ten, "");
        check_diff("", "", "");
        check_diff(NULL, NULL, "");
        check_diff(NULL, "", "");
        check_diff("x", "x", "");
}

static void test_change_middle(void **state) {
        (void) state;

        check_diff(ten, "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n",
                "--- a\n+++ b\n"
                "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

static void test_change_first_and_last(void **state) {
        (void) state;

        check_diff(ten, "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
                "--- a\n+++ b\n"
                "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n");
        check_diff(ten, "1\n2\n3\n4\n5\n6\n7\n8\n9\nten\n",
                "--- a\n+++ b\n"
                "@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n");
        check_diff(ten, "one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n",
                "--- a\n+++ b\n"
                "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n"
                "@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n");
}

static void test_insertion(void **state) {
        (void) state;

        check_diff(ten, "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n10\n",
                "--- a\n+++ b\n"
                "@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+new\n 6\n 7\n 8\n");
        /* Before the first line. */
        check_diff("1\n2\n3\n4\n5\n6", "0\n1\n2\n3\n4\n5\n6",
                "--- a\n+++ b\n"
                "@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n");
        /* After the last. */
        check_diff(ten, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n",
                "--- a\n+++ b\n"
                "@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+11\n");
}

static void test_deletion(void **state) {
        (void) state;

        check_diff(ten, "1\n2\n3\n4\n6\n7\n8\n9\n10\n",
                "--- a\n+++ b\n"
                "@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n");
        check_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\n6\n7\n8\n",
                "--- a\n+++ b\n"
                "@@ -6,4 +6,3 @@\n 6\n 7\n 8\n-9\n");
        /* Down to one line, and to none. */
        check_diff("a\nb\n", "a\n", "--- a\n+++ b\n@@ -1,2 +1 @@\n a\n-b\n");
        check_diff("a\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n");
}

static void test_replace_block(void **state) {
        (void) state;

        check_diff("a\nb\n", "x\ny\nz\n", "--- a\n+++ b\n@@ -1,2 +1,3 @@\n-a\n-b\n+x\n+y\n+z\n");
}

static void test_two_distant_changes(void **state) {
        (void) state;

        check_diff(twenty, "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n13\n14\n15\n16\n17\n18\n19\n20\n",
                "--- a\n+++ b\n"
                "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
                "@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+twelve\n 13\n 14\n 15\n");
        /* Seven unchanged lines between: the contexts do not meet. */
        check_diff(twenty, "1\n2\nx\n4\n5\n6\n7\n8\n9\n10\ny\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
                "--- a\n+++ b\n"
                "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+x\n 4\n 5\n 6\n"
                "@@ -8,7 +8,7 @@\n 8\n 9\n 10\n-11\n+y\n 12\n 13\n 14\n");
}

static void test_two_close_changes(void **state) {
        (void) state;

        /* Six unchanged lines between: the contexts touch, one hunk. */
        check_diff(twenty, "1\n2\nx\n4\n5\n6\n7\n8\n9\ny\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
                "--- a\n+++ b\n"
                "@@ -1,13 +1,13 @@\n 1\n 2\n-3\n+x\n 4\n 5\n 6\n 7\n 8\n 9\n-10\n+y\n 11\n 12\n 13\n");
        /* Two unchanged lines between: the contexts overlap. */
        check_diff(ten, "1\n2\n3\nx\n5\n6\ny\n8\n9\n10\n",
                "--- a\n+++ b\n"
                "@@ -1,10 +1,10 @@\n 1\n 2\n 3\n-4\n+x\n 5\n 6\n-7\n+y\n 8\n 9\n 10\n");
}

static void test_no_newline(void **state) {
        (void) state;

        /* Old text lacks it. */
        check_diff("1\n2\n3", "1\n2\n3\n",
                "--- a\n+++ b\n"
                "@@ -1,3 +1,3 @@\n 1\n 2\n-3\n\\ No newline at end of file\n+3\n");
        /* New text lacks it. */
        check_diff("1\n2\n3\n", "1\n2\n3",
                "--- a\n+++ b\n"
                "@@ -1,3 +1,3 @@\n 1\n 2\n-3\n+3\n\\ No newline at end of file\n");
        /* Both lack it, last lines differ. */
        check_diff("1\n2\n3", "1\n2\nthree",
                "--- a\n+++ b\n"
                "@@ -1,3 +1,3 @@\n 1\n 2\n-3\n\\ No newline at end of file\n+three\n"
                "\\ No newline at end of file\n");
        /* Both lack it, the last line is context. */
        check_diff("1\n2\n3\n4\n5", "1\nX\n3\n4\n5",
                "--- a\n+++ b\n"
                "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n\\ No newline at end of file\n");
}

static void test_new_file(void **state) {
        (void) state;

        check_diff(NULL, "a\nb\n", "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n");
        check_diff(NULL, "x", "--- /dev/null\n+++ b\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n");
        check_diff("", "a\nb\nc\n", "--- a\n+++ b\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n");
}

static void test_deleted_file(void **state) {
        (void) state;

        check_diff("a\nb\nc", NULL,
                "--- a\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n\\ No newline at end of file\n");
        check_diff("a\nb\n", "", "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-a\n-b\n");
}

static void test_not_nul_terminated(void **state) {
        static const char a[] = { 'x', '\n', 'y', '\n', 'Z' };
        static const char b[] = { 'x', '\n', 'z', '\n', 'Z' };
        Buf out = {};
        (void) state;

        /* The sizes stop before the 'Z' that would make the texts differ in their last lines. */
        assert_int_equal(diff_unified(&out, "A", a, 4, "B", b, 4), 0);
        assert_string_equal(out.data, "--- A\n+++ B\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n");
        buf_done(&out);
}

static void test_empty_lines_and_nul_bytes(void **state) {
        static const char a[] = "\n\n\0a\n\n";
        static const char b[] = "\n\n\0b\n\n";
        static const char expected[] = "--- A\n+++ B\n@@ -1,4 +1,4 @@\n \n \n-\0a\n+\0b\n \n";
        Buf out = {};
        (void) state;

        assert_int_equal(diff_unified(&out, "A", a, sizeof a - 1, "B", b, sizeof b - 1), 0);
        assert_int_equal(out.len, sizeof expected - 1);
        assert_memory_equal(out.data, expected, sizeof expected - 1);
        buf_done(&out);
}

/* A tiny deterministic generator, so failures repeat. */
static uint32_t rnd_next(uint32_t *s) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

static char *split_next_line(const char **p, const char *end, size_t *ret_len) {
        const char *nl = memchr(*p, '\n', (size_t) (end - *p));
        const char *start = *p;

        *ret_len = nl ? (size_t) (nl - start) + 1 : (size_t) (end - start);
        *p += *ret_len;
        return (char *) start;
}

/*
 * Apply a unified diff to @a the way patch would, checking on the way that
 * every context and removed line is where the diff says, that the hunk
 * headers count right, and that hunks carry GNU's context: three lines
 * where there are three, and more than six unchanged lines between hunks.
 * Returns the new text and the number of +/- lines.
 */
static char *apply_diff(const char *a, const char *diff, size_t *ret_edits) {
        const char *ap = a, *aend = a + strlen(a);
        const char *p = diff, *end = diff + strlen(diff);
        size_t a_line = 0, b_line = 0, edits = 0, len;
        size_t prev_trailing = SIZE_MAX;
        Buf out = {};

        assert_int_equal(buf_append(&out, "", 0), 0);
        if (p == end) {
                *ret_edits = 0;
                assert_int_equal(buf_puts(&out, a), 0);
                return buf_steal(&out);
        }
        split_next_line(&p, end, &len);
        split_next_line(&p, end, &len);

        while (p < end) {
                const char *hdr = split_next_line(&p, end, &len);
                unsigned long sa, ca = 1, sb, cb = 1;
                size_t a0, b0, gap, used_a = 0, used_b = 0, leading = 0, trailing = 0;
                bool seen_change = false;

                if (sscanf(hdr, "@@ -%lu,%lu +", &sa, &ca) != 2)
                        assert_int_equal(sscanf(hdr, "@@ -%lu +", &sa), 1);
                {
                        const char *plus = strchr(hdr, '+');

                        assert_non_null(plus);
                        if (sscanf(plus, "+%lu,%lu @@", &sb, &cb) != 2)
                                assert_int_equal(sscanf(plus, "+%lu @@", &sb), 1);
                }
                a0 = ca == 0 ? sa : sa - 1;
                b0 = cb == 0 ? sb : sb - 1;

                /* Lines between hunks are copied unchanged. */
                assert_true(a0 >= a_line);
                gap = a0 - a_line;
                for (; a_line < a0; a_line++, b_line++) {
                        const char *l = split_next_line(&ap, aend, &len);
                        assert_int_equal(buf_append(&out, l, len), 0);
                }
                assert_int_equal(b_line, b0);

                while (p < end && *p != '@') {
                        char kind = *p;
                        const char *l = split_next_line(&p, end, &len);
                        const char *content = l + 1;
                        size_t clen = len - 1;

                        if (p < end && *p == '\\') {
                                size_t skip;

                                split_next_line(&p, end, &skip);
                                assert_int_equal(skip, strlen("\\ No newline at end of file\n"));
                                clen--;
                        }
                        if (kind == ' ' || kind == '-') {
                                const char *al = split_next_line(&ap, aend, &len);

                                assert_int_equal(len, clen);
                                assert_memory_equal(al, content, clen);
                                a_line++;
                                used_a++;
                        }
                        if (kind == ' ' || kind == '+') {
                                assert_int_equal(buf_append(&out, content, clen), 0);
                                b_line++;
                                used_b++;
                        }
                        if (kind == ' ') {
                                if (seen_change)
                                        trailing++;
                                else
                                        leading++;
                        } else {
                                assert_true(kind == '-' || kind == '+');
                                seen_change = true;
                                trailing = 0;
                                edits++;
                        }
                }
                assert_true(seen_change);
                assert_int_equal(used_a, ca);
                assert_int_equal(used_b, cb);
                /* Three lines of context before the first change, or all there are. */
                assert_true(leading == 3 || (leading < 3 && a0 == 0));
                assert_true(trailing <= 3);
                if (prev_trailing != SIZE_MAX) {
                        assert_int_equal(prev_trailing, 3);
                        assert_true(prev_trailing + gap + leading > 6);
                }
                prev_trailing = trailing;
        }
        /* After the last hunk: three lines of context unless the text ended. */
        if (prev_trailing != SIZE_MAX && prev_trailing < 3)
                assert_true(ap == aend);
        assert_int_equal(buf_append(&out, ap, (size_t) (aend - ap)), 0);
        *ret_edits = edits;
        return buf_steal(&out);
}

/* Insertions plus deletions of a shortest edit script, by dynamic programming. */
static size_t min_edits(char **la, size_t na, char **lb, size_t nb) {
        _cleanup_free_ size_t *row = calloc((nb + 1) * (na + 1), sizeof(size_t));

        assert_non_null(row);
#define L(i, j) row[(i) * (nb + 1) + (j)]
        for (size_t i = na + 1; i-- > 0;)
                for (size_t j = nb + 1; j-- > 0;) {
                        if (i == na || j == nb)
                                L(i, j) = 0;
                        else if (streq(la[i], lb[j]))
                                L(i, j) = L(i + 1, j + 1) + 1;
                        else
                                L(i, j) = L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
                }
        return na + nb - 2 * L(0, 0);
#undef L
}

static void test_random_minimal(void **state) {
        static const char *const words[] = { "a\n", "b\n", "c\n", "d\n" };
        uint32_t seed = 0x9e3779b9;
        (void) state;

        for (int round = 0; round < 3000; round++) {
                char *la[40] = {}, *lb[40] = {};
                size_t na = rnd_next(&seed) % 40, nb = rnd_next(&seed) % 40, edits;
                unsigned alphabet = 2 + rnd_next(&seed) % 3;
                Buf a = {}, b = {}, out = {};
                _cleanup_free_ char *patched = NULL;

                for (size_t i = 0; i < na; i++) {
                        la[i] = (char *) words[rnd_next(&seed) % alphabet];
                        assert_int_equal(buf_puts(&a, la[i]), 0);
                }
                /* Mostly an edited copy, sometimes unrelated. */
                for (size_t j = 0; j < nb; j++) {
                        lb[j] = j < na && rnd_next(&seed) % 4 ? la[j]
                                                              : (char *) words[rnd_next(&seed) % alphabet];
                        assert_int_equal(buf_puts(&b, lb[j]), 0);
                }
                assert_int_equal(buf_append(&a, "", 0), 0);
                assert_int_equal(buf_append(&b, "", 0), 0);

                assert_int_equal(diff_unified(&out, "a", a.data, a.len, "b", b.data, b.len), 0);
                assert_int_equal(buf_append(&out, "", 0), 0);
                patched = apply_diff(a.data, out.data, &edits);
                assert_string_equal(patched, b.data);
                if (edits != min_edits(la, na, lb, nb))
                        fail_msg("round %d: %zu edits, %zu needed:\n%s", round, edits,
                                min_edits(la, na, lb, nb), out.data);
                buf_done(&a);
                buf_done(&b);
                buf_done(&out);
        }
}

static void test_large(void **state) {
        Buf a = {}, b = {}, out = {};
        _cleanup_free_ char *patched = NULL;
        size_t edits;
        (void) state;

        /* 3000 lines rewritten completely: every line goes, every line comes. */
        for (int i = 0; i < 3000; i++) {
                assert_int_equal(buf_printf(&a, "old %d\n", i), 0);
                assert_int_equal(buf_printf(&b, "new %d\n", i), 0);
        }
        assert_int_equal(diff_unified(&out, "a", a.data, a.len, "b", b.data, b.len), 0);
        assert_true(startswith(out.data, "--- a\n+++ b\n@@ -1,3000 +1,3000 @@\n-old 0\n-old 1\n"));
        patched = apply_diff(a.data, out.data, &edits);
        assert_string_equal(patched, b.data);
        assert_int_equal(edits, 6000);
        buf_done(&a);
        buf_done(&b);
        buf_done(&out);
}

static int write_file(const char *path, const char *data, size_t size) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        return write_all(fd, data, size);
}

/* What GNU diff prints for the two texts, or NULL if it could not run. */
static char *gnu_diff(const char *dir, const char *a, size_t a_size, const char *b, size_t b_size) {
        char pa[256], pb[256], cmd[1024];
        _cleanup_free_ char *text = NULL;
        size_t size;
        FILE *f;

        snprintf(pa, sizeof pa, "%s/a", dir);
        snprintf(pb, sizeof pb, "%s/b", dir);
        assert_int_equal(write_file(pa, a, a_size), 0);
        assert_int_equal(write_file(pb, b, b_size), 0);
        snprintf(cmd, sizeof cmd, "LC_ALL=C diff -u --label A --label B '%s' '%s'", pa, pb);
        f = popen(cmd, "r");
        assert_non_null(f);
        assert_int_equal(read_full_fd(fileno(f), &text, &size), 0);
        /* diff exits 1 when the files differ, 0 when they do not, 2 on trouble. */
        if (WEXITSTATUS(pclose(f)) > 1)
                return NULL;
        return TAKE_PTR(text);
}

static void compare_with_gnu(const char *dir, const char *a, size_t a_size, const char *b, size_t b_size) {
        _cleanup_free_ char *expected = gnu_diff(dir, a, a_size, b, b_size);
        Buf out = {};

        assert_non_null(expected);
        assert_int_equal(diff_unified(&out, "A", a, a_size, "B", b, b_size), 0);
        assert_int_equal(buf_append(&out, "", 0), 0);
        assert_string_equal(out.data, expected);
        buf_done(&out);
}

static void test_against_gnu_diff(void **state) {
        static const struct {
                const char *a, *b;
        } pairs[] = {
                { "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n" },
                { "root=/dev/xvda1\n", "root=UUID=0a1b\n" },
                { "a\nb\nc\n", "a\nb\nc\nd\n" },
                { "a\nb\nc\nd\n", "b\nc\nd\n" },
                { "a\nb\nc", "a\nb\nc\n" },
                { "a\nb\nc\n", "a\nB\nc" },
                { "x", "y" },
                { "", "only\n" },
                { "gone\nalso gone\n", "" },
                { "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
                        "1\nB\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nO\n16\n" },
                { "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
                        "1\nB\n3\n4\n5\n6\n7\n8\n9\nJ\n11\n12\n13\n14\n15\n16\n" },
                { "/dev/xvda1 / ext4 defaults 0 1\n/dev/xvdb none swap sw 0 0\n",
                        "UUID=0a1b / ext4 defaults 0 1\nUUID=2c3d none swap sw 0 0\n" },
        };
        const char *dir = *state;
        uint32_t seed = 12345;
        Buf big = {};

        for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
                compare_with_gnu(dir, pairs[i].a, strlen(pairs[i].a), pairs[i].b, strlen(pairs[i].b));

        /* A grub.cfg-sized file of distinct lines with a few lines replaced,
         * added and removed, each for a fresh line: only one shortest script. */
        for (int i = 0; i < 3000; i++)
                assert_int_equal(buf_printf(&big, "line %d of grub.cfg\n", i), 0);
        for (int round = 0; round < 20; round++) {
                Buf edited = {};
                const char *p = big.data, *end = big.data + big.len;
                int line = 0;

                while (p < end) {
                        size_t len;
                        const char *l = split_next_line(&p, end, &len);
                        uint32_t r = rnd_next(&seed) % 400;

                        if (r == 0)
                                assert_int_equal(buf_printf(&edited, "replaced %d/%d\n", round, line), 0);
                        else if (r == 1)
                                ; /* removed */
                        else {
                                if (r == 2)
                                        assert_int_equal(
                                                buf_printf(&edited, "added %d/%d\n", round, line), 0);
                                assert_int_equal(buf_append(&edited, l, len), 0);
                        }
                        line++;
                }
                compare_with_gnu(dir, big.data, big.len, edited.data, edited.len);
                buf_done(&edited);
        }
        buf_done(&big);
}

/* diff_git() of one file, appended after what the buffer held, compared with @expected. */
static void check_git(const char *path, unsigned mode_a, const char *a, unsigned mode_b, const char *b,
        const char *expected) {
        Buf out = {};

        assert_int_equal(buf_puts(&out, "KEEP\n"), 0);
        assert_int_equal(
                diff_git(&out, path, mode_a, a, a ? strlen(a) : 0, mode_b, b, b ? strlen(b) : 0), 0);
        assert_string_equal(out.data + 5, expected);
        buf_done(&out);
}

#define REG DIFF_MODE_REGULAR
#define LNK DIFF_MODE_SYMLINK

/* Issue 10, point 13: a link that moves is a deleted link and a new one, each with its mode. */
static void test_git_link_moves(void **state) {
        (void) state;

        check_git("etc/systemd/system/getty.target.wants/serial-getty@hvc0.service", LNK,
                "/lib/systemd/system/serial-getty@.service", 0, NULL,
                "diff --git a/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service "
                "b/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service\n"
                "deleted file mode 120000\n"
                "--- a/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service\n"
                "+++ /dev/null\n"
                "@@ -1 +0,0 @@\n"
                "-/lib/systemd/system/serial-getty@.service\n"
                "\\ No newline at end of file\n");
        check_git("etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service", 0, NULL, LNK,
                "/lib/systemd/system/serial-getty@.service",
                "diff --git a/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service "
                "b/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service\n"
                "new file mode 120000\n"
                "--- /dev/null\n"
                "+++ b/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service\n"
                "@@ -0,0 +1 @@\n"
                "+/lib/systemd/system/serial-getty@.service\n"
                "\\ No newline at end of file\n");
        /* A new target: GNU patch changes a link only through a deletion and a creation. */
        check_git("l", LNK, "/old", LNK, "/new",
                "diff --git a/l b/l\ndeleted file mode 120000\n--- a/l\n+++ /dev/null\n"
                "@@ -1 +0,0 @@\n-/old\n"
                "\\ No newline at end of file\n"
                "diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/new\n"
                "\\ No newline at end of file\n");
}

static void test_git_files(void **state) {
        (void) state;

        check_git("etc/fstab", REG, "a\nb\n", REG, "a\nc\n",
                "diff --git a/etc/fstab b/etc/fstab\n--- a/etc/fstab\n+++ b/etc/fstab\n"
                "@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
        check_git("etc/new.conf", 0, NULL, REG, "x=1\n",
                "diff --git a/etc/new.conf b/etc/new.conf\nnew file mode 100644\n--- /dev/null\n"
                "+++ b/etc/new.conf\n@@ -0,0 +1 @@\n+x=1\n");
        check_git("etc/old.conf", REG, "old\n", 0, NULL,
                "diff --git a/etc/old.conf b/etc/old.conf\ndeleted file mode 100644\n--- a/etc/old.conf\n"
                "+++ /dev/null\n@@ -1 +0,0 @@\n-old\n");
        /* A file that becomes a link, and back. */
        check_git("etc/inittab", REG, "co\n", LNK, "/etc/inittab.kvmigrate",
                "diff --git a/etc/inittab b/etc/inittab\ndeleted file mode 100644\n--- a/etc/inittab\n"
                "+++ /dev/null\n@@ -1 +0,0 @@\n-co\n"
                "diff --git a/etc/inittab b/etc/inittab\nnew file mode 120000\n--- /dev/null\n"
                "+++ b/etc/inittab\n@@ -0,0 +1 @@\n+/etc/inittab.kvmigrate\n\\ No newline at end of file\n");
        check_git("x", LNK, "/y", REG, "z\n",
                "diff --git a/x b/x\ndeleted file mode 120000\n--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-/y\n"
                "\\ No newline at end of file\n"
                "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+z\n");
        /* Empty files: no hunk, so git's empty blob tells patch what to do. */
        check_git(
                "e", 0, NULL, REG, "", "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n");
        check_git("e", REG, "", 0, NULL,
                "diff --git a/e b/e\ndeleted file mode 100644\nindex e69de29..0000000\n");
        /* Only the mode changes. */
        check_git("s", 0100644, "x\n", 0100755, "x\n",
                "diff --git a/s b/s\nold mode 100644\nnew mode 100755\n");
        /* Nothing changes. */
        check_git("s", REG, "x\n", REG, "x\n", "");
        check_git("l", LNK, "/t", LNK, "/t", "");
        check_git("n", 0, NULL, 0, NULL, "");
}

static void test_git_quoted_names(void **state) {
        (void) state;

        /* A backslash alone (systemd's "\x2d") needs no quotes: both tools take it as it is. */
        check_git("a\\x2db", REG, "1\n", REG, "2\n",
                "diff --git a/a\\x2db b/a\\x2db\n--- a/a\\x2db\n+++ b/a\\x2db\n@@ -1 +1 @@\n-1\n+2\n");
        check_git("sp ace", REG, "1\n", REG, "2\n",
                "diff --git \"a/sp ace\" \"b/sp ace\"\n--- \"a/sp ace\"\n+++ \"b/sp ace\"\n@@ -1 +1 "
                "@@\n-1\n+2\n");
        check_git("q\"u\\o\tt\ne\x01", 0, NULL, REG, "1\n",
                "diff --git \"a/q\\\"u\\\\o\\tt\\ne\\001\" \"b/q\\\"u\\\\o\\tt\\ne\\001\"\nnew file mode "
                "100644\n"
                "--- /dev/null\n+++ \"b/q\\\"u\\\\o\\tt\\ne\\001\"\n@@ -0,0 +1 @@\n+1\n");
}

static void test_git_invalid_mode(void **state) {
        Buf out = {};
        (void) state;

        assert_int_equal(diff_git(&out, "x", 0040755, "", 0, REG, "1", 1), -EINVAL);
        assert_int_equal(diff_git(&out, "x", REG, "1", 1, 0020644, "", 0), -EINVAL);
        assert_int_equal(out.len, 0);
        buf_done(&out);
}

/* What the tools must make of each case, in a tree that held the old side. */
static const struct {
        const char *path;
        unsigned mode_a;
        const char *a;
        unsigned mode_b;
        const char *b;
} git_cases[] = {
        { "etc/fstab", REG, "/dev/xvda1 / ext4\nproc /proc proc\n", REG,
                "UUID=1 / ext4\nproc /proc proc\n" },
        { "wants/serial-getty@hvc0.service", LNK, "/lib/getty@.service", 0, NULL },
        { "wants/serial-getty@ttyS0.service", 0, NULL, LNK, "/lib/getty@.service" },
        { "etc/retarget", LNK, "/old/target", LNK, "../new/target" },
        { "etc/inittab", REG, "co:2345:respawn\n", LNK, "/etc/inittab.kvmigrate" },
        { "etc/was-link", LNK, "/x", REG, "now a file\n" },
        { "etc/empty-gone", REG, "", 0, NULL },
        { "etc/empty-new", 0, NULL, REG, "" },
        { "etc/gone", REG, "last\nlines", 0, NULL },
        { "new.d/kvmigrate.conf", 0, NULL, REG, "[Service]\nTTYVTDisallocate=no" },
        { "etc/dev-disk-by\\x2duuid-1.swap", 0, NULL, REG, "[Swap]\n" },
        { "etc/sp ace", REG, "x\n", REG, "y\n" },
        { "etc/quo\"te", REG, "x\n", REG, "y\n" },
        { "etc/t\tab", 0, NULL, LNK, "/t" },
};

/* @dir/@name, newly allocated. */
static char *join(const char *dir, const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) >= 0);
        return p;
}

static void git_tree_make(const char *dir) {
        assert_int_equal(mkdir(dir, 0755), 0);
        for (const char *const *d = (const char *const[]){ "etc", "wants", NULL }; *d; d++) {
                _cleanup_free_ char *p = join(dir, *d);

                assert_int_equal(mkdir(p, 0755), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(git_cases); i++) {
                _cleanup_free_ char *p = join(dir, git_cases[i].path);

                if (git_cases[i].mode_a == LNK)
                        assert_int_equal(symlink(git_cases[i].a, p), 0);
                else if (git_cases[i].mode_a == REG)
                        assert_int_equal(write_file(p, git_cases[i].a, strlen(git_cases[i].a)), 0);
        }
}

static void git_tree_check(const char *dir, const char *tool) {
        for (size_t i = 0; i < ELEMENTSOF(git_cases); i++) {
                _cleanup_free_ char *p = join(dir, git_cases[i].path), *data = NULL;
                struct stat st;
                size_t size;

                if (git_cases[i].mode_b == 0) {
                        if (lstat(p, &st) == 0)
                                fail_msg("%s: %s is still there", tool, git_cases[i].path);
                        continue;
                }
                if (lstat(p, &st) < 0)
                        fail_msg("%s: %s is missing", tool, git_cases[i].path);
                if (git_cases[i].mode_b == LNK) {
                        char target[512];
                        ssize_t n;

                        if (!S_ISLNK(st.st_mode))
                                fail_msg("%s: %s is not a link", tool, git_cases[i].path);
                        n = readlink(p, target, sizeof target - 1);
                        assert_true(n >= 0);
                        target[n] = 0;
                        assert_string_equal(target, git_cases[i].b);
                        continue;
                }
                if (!S_ISREG(st.st_mode))
                        fail_msg("%s: %s is not a regular file", tool, git_cases[i].path);
                assert_int_equal(read_full_at(AT_FDCWD, p, &data, &size), 0);
                assert_int_equal(size, strlen(git_cases[i].b));
                assert_memory_equal(data, git_cases[i].b, size);
        }
}

/* Runs "cd @dir/@tool && @what '@dir/plan.diff'" and checks the tree it leaves. */
static void git_apply_with(const char *dir, const char *tool, const char *what) {
        _cleanup_free_ char *tree = join(dir, tool), *cmd = NULL;

        git_tree_make(tree);
        assert_true(asprintf(&cmd, "cd '%s' && %s '%s/plan.diff'", tree, what, dir) >= 0);
        if (system(cmd) != 0)
                fail_msg("%s failed: %s", tool, cmd);
        git_tree_check(tree, tool);
}

/* What the headers are for: GNU patch and git apply make the same tree from them, links included. */
static void test_git_applies(void **state) {
        char dir[] = "/tmp/test-diff-git-XXXXXX";
        _cleanup_free_ char *plan = NULL, *rm = NULL;
        Buf out = {};
        (void) state;

        if (system("command -v patch >/dev/null && command -v git >/dev/null") != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(git_cases); i++) {
                const char *a = git_cases[i].a, *b = git_cases[i].b;

                assert_int_equal(diff_git(&out, git_cases[i].path, git_cases[i].mode_a, a, a ? strlen(a) : 0,
                                         git_cases[i].mode_b, b, b ? strlen(b) : 0),
                        0);
        }
        plan = join(dir, "plan.diff");
        assert_int_equal(write_file(plan, out.data, out.len), 0);
        buf_done(&out);

        git_apply_with(dir, "patch", "patch -p1 --batch --quiet <");
        /* Outside any repository: git apply then patches the folder it runs in. */
        git_apply_with(dir, "git", "GIT_CEILING_DIRECTORIES=/tmp git apply");

        assert_true(asprintf(&rm, "rm -rf '%s'", dir) >= 0);
        assert_int_equal(system(rm), 0);
}

/* The scratch folder for GNU diff's input files, removed even when a test fails. */
static int scratch_setup(void **state) {
        static char dir[] = "/tmp/test-diff-XXXXXX";

        if (!mkdtemp(dir))
                return -1;
        *state = dir;
        return 0;
}

static int scratch_teardown(void **state) {
        const char *dir = *state;
        char path[256];

        snprintf(path, sizeof path, "%s/a", dir);
        (void) unlink(path);
        snprintf(path, sizeof path, "%s/b", dir);
        (void) unlink(path);
        return rmdir(dir) < 0 ? -1 : 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_identical),
                cmocka_unit_test(test_change_middle),
                cmocka_unit_test(test_change_first_and_last),
                cmocka_unit_test(test_insertion),
                cmocka_unit_test(test_deletion),
                cmocka_unit_test(test_replace_block),
                cmocka_unit_test(test_two_distant_changes),
                cmocka_unit_test(test_two_close_changes),
                cmocka_unit_test(test_no_newline),
                cmocka_unit_test(test_new_file),
                cmocka_unit_test(test_deleted_file),
                cmocka_unit_test(test_not_nul_terminated),
                cmocka_unit_test(test_empty_lines_and_nul_bytes),
                cmocka_unit_test(test_random_minimal),
                cmocka_unit_test(test_large),
                cmocka_unit_test(test_git_link_moves),
                cmocka_unit_test(test_git_files),
                cmocka_unit_test(test_git_quoted_names),
                cmocka_unit_test(test_git_invalid_mode),
                cmocka_unit_test(test_git_applies),
                cmocka_unit_test_setup_teardown(test_against_gnu_diff, scratch_setup, scratch_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
