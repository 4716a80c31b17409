/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "util.h"

/* A scratch folder per test, opened as dirfd, removed afterwards. */
typedef struct Scratch {
        char path[64];
        int fd;
} Scratch;

static int rm_one(
        const char *p, const struct stat *st _unused_, int type _unused_, struct FTW *ftw _unused_) {
        return remove(p) < 0 ? -1 : 0;
}

static int scratch_setup(void **state) {
        Scratch *s = calloc(1, sizeof(Scratch));

        assert_non_null(s);
        strcpy(s->path, "/tmp/test-util-XXXXXX");
        assert_non_null(mkdtemp(s->path));
        s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(s->fd >= 0);
        *state = s;
        return 0;
}

static int scratch_teardown(void **state) {
        Scratch *s = *state;

        (void) close(s->fd);
        assert_int_equal(nftw(s->path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(s);
        return 0;
}

/* The names in folder @dirfd/@path, sorted and joined by spaces. */
static char *list_names(int dirfd, const char *path) {
        int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *names[64];
        size_t n = 0;
        Buf b = {};
        DIR *d;

        assert_true(fd >= 0);
        d = fdopendir(fd);
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                assert_true(n < ELEMENTSOF(names));
                names[n] = strdup(de->d_name);
                assert_non_null(names[n]);
                n++;
        }
        closedir(d);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (strcmp(names[j], names[i]) < 0) {
                                char *t = names[i];
                                names[i] = names[j];
                                names[j] = t;
                        }
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(buf_printf(&b, "%s%s", i ? " " : "", names[i]), 0);
                free(names[i]);
        }
        return buf_steal(&b);
}

static void assert_names(int dirfd, const char *path, const char *expected) {
        char *names = list_names(dirfd, path);

        assert_non_null(names);
        assert_string_equal(names, expected);
        free(names);
}

static void test_buf(void **state _unused_) {
        Buf b = {};
        char *s;

        /* Stealing an untouched buffer gives an empty string, not NULL. */
        s = buf_steal(&b);
        assert_non_null(s);
        assert_string_equal(s, "");
        free(s);

        assert_int_equal(buf_append(&b, "ab\0c", 4), 0);
        assert_int_equal(b.len, 4);
        assert_memory_equal(b.data, "ab\0c", 5);
        assert_int_equal(buf_puts(&b, "de"), 0);
        assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), 0);
        assert_int_equal(b.len, 11);
        assert_memory_equal(b.data, "ab\0cde-42-x", 11);
        assert_int_equal(b.data[11], 0);

        /* Growing past the first allocation keeps every byte. */
        for (int i = 0; i < 1000; i++)
                assert_int_equal(buf_append(&b, "0123456789", 10), 0);
        assert_int_equal(b.len, 10011);
        assert_memory_equal(b.data + 10001, "0123456789", 11);

        s = buf_steal(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_int_equal(b.cap, 0);
        assert_memory_equal(s, "ab\0cde-42-x0123", 15);
        free(s);

        assert_int_equal(buf_puts(&b, "z"), 0);
        buf_done(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
}

static void check_escape(const char *in, const char *escaped) {
        _cleanup_free_ char *e = value_escape(in), *u = NULL;

        assert_non_null(e);
        assert_string_equal(e, escaped);
        /* Nothing that would split a word or a key=value pair survives. */
        for (const char *p = e; *p; p++) {
                assert_true((unsigned char) *p > ' ' && (unsigned char) *p < 0x7f);
                assert_true(*p != '=' && *p != '"' && *p != '\'');
                if (*p == '\\')
                        assert_int_equal(p[1], 'x');
        }
        u = value_unescape(e);
        assert_non_null(u);
        assert_string_equal(u, in);
}

static void test_value_escape(void **state _unused_) {
        check_escape("", "");
        check_escape("plain/path-1.2_3:x", "plain/path-1.2_3:x");
        check_escape("a b", "a\\x20b");
        check_escape("key=value", "key\\x3dvalue");
        check_escape("C:\\dir", "C:\\x5cdir");
        check_escape("two\nlines\ttab\r", "two\\x0alines\\x09tab\\x0d");
        check_escape("\"double\" 'single'", "\\x22double\\x22\\x20\\x27single\\x27");
        check_escape("caf\xc3\xa9 \xe2\x86\x92 sda", "caf\\xc3\\xa9\\x20\\xe2\\x86\\x92\\x20sda");
        check_escape("\x7f\x01", "\\x7f\\x01");
        /* An escaped escape stays itself after one round. */
        check_escape("\\x41", "\\x5cx41");

        /* NULL is the empty value. */
        {
                _cleanup_free_ char *e = value_escape(NULL);
                assert_non_null(e);
                assert_string_equal(e, "");
        }
}

static void test_value_unescape(void **state _unused_) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "x", "x" },
                { "\\x3D\\x3d", "==" }, /* both cases of hex digits */
                { "a\\x20b\\x2", "a b\\x2" }, /* cut short at the end: kept as is */
                { "\\xzz\\", "\\xzz\\" }, /* not hex: kept */
                { "\\y41", "\\y41" },
                { "\\x4g", "\\x4g" },
                { "\\x5cx41", "\\x41" }, /* decoded once, not twice */
                { "\\xc3\\xa9", "\xc3\xa9" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *u = value_unescape(cases[i].in);
                assert_non_null(u);
                assert_string_equal(u, cases[i].out);
        }
}

static void assert_words(char **w, const char *const *expected, size_t n) {
        assert_non_null(w);
        assert_int_equal(strv_length(w), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(w[i], expected[i]);
        assert_null(w[n]);
}

static void test_words_parse(void **state _unused_) {
        {
                _cleanup_(strv_freep) char **w = NULL;
                static const char *const e[] = { "a", "1", "b", "x y", "c", "" };

                assert_int_equal(words_parse("a=1 b=x\\x20y c", &w), 0);
                assert_words(w, e, ELEMENTSOF(e));
                assert_string_equal(words_get(w, "a"), "1");
                assert_string_equal(words_get(w, "b"), "x y");
                assert_string_equal(words_get(w, "c"), "");
                assert_null(words_get(w, "d"));
                assert_null(words_get(w, "1")); /* a value is never a key */
        }
        {
                /* Runs of blanks, tabs, a final newline; only the first '=' splits; the first of two equal
                 * keys wins. */
                _cleanup_(strv_freep) char **w = NULL;
                static const char *const e[] = { "edit", "", "path", "/etc/a b", "x", "1=2", "x", "3", "",
                        "v" };

                assert_int_equal(words_parse("  edit\t\tpath=/etc/a\\x20b  x=1=2 x=3 =v\n", &w), 0);
                assert_words(w, e, ELEMENTSOF(e));
                assert_string_equal(words_get(w, "x"), "1=2");
                assert_string_equal(words_get(w, ""), "v");
        }
        {
                _cleanup_(strv_freep) char **w = NULL;

                assert_int_equal(words_parse(" \t\n", &w), 0);
                assert_words(w, NULL, 0);
                assert_null(words_get(w, "a"));
        }
        assert_null(words_get(NULL, "a"));
}

static void test_strv(void **state _unused_) {
        _cleanup_(strv_freep) char **v = NULL;
        size_t n = 0;

        assert_int_equal(strv_length(NULL), 0);
        assert_int_equal(strv_push(&v, &n, strdup("one")), 0);
        assert_int_equal(strv_push(&v, &n, strdup("two")), 0);
        assert_int_equal(strv_push(&v, &n, strdup("")), 0);
        assert_int_equal(n, 3);
        assert_int_equal(strv_length(v), 3);
        assert_string_equal(v[0], "one");
        assert_string_equal(v[1], "two");
        assert_string_equal(v[2], "");
        assert_null(v[3]);

        /* A failed strdup() reaches strv_push() as NULL: refused, vector untouched. */
        assert_int_equal(strv_push(&v, &n, NULL), -ENOMEM);
        assert_int_equal(n, 3);
        assert_null(v[3]);

        strv_free(NULL);
}

static void test_string_helpers(void **state _unused_) {
        _cleanup_free_ char *s = NULL;

        assert_true(streq_ptr(NULL, NULL));
        assert_false(streq_ptr("a", NULL));
        assert_false(streq_ptr(NULL, "a"));
        assert_true(streq_ptr("a", "a"));
        assert_false(streq_ptr("a", "ab"));

        assert_string_equal(startswith("console=hvc0", "console="), "hvc0");
        assert_null(startswith("consol", "console="));
        assert_string_equal(startswith("abc", ""), "abc");

        assert_true(isempty(NULL));
        assert_true(isempty(""));
        assert_false(isempty(" "));
        assert_string_equal(strempty(NULL), "");

        assert_null(strdup_or_null(NULL));
        assert_int_equal(strdup_to(&s, "first"), 0);
        assert_string_equal(s, "first");
        assert_int_equal(strdup_to(&s, "second"), 0);
        assert_string_equal(s, "second");
        assert_int_equal(strdup_to(&s, NULL), 0);
        assert_null(s);
}

static void test_read_full_at(void **state) {
        Scratch *s = *state;
        static const char data[] = "line one\n\0binary\xff\nlast";
        _cleanup_free_ char *got = NULL, *line = NULL, *big = NULL, *bigread = NULL;
        size_t size = 0;
        int fd;

        fd = openat(s->fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, data, sizeof data - 1), 0);
        assert_int_equal(close(fd), 0);

        assert_int_equal(read_full_at(s->fd, "f", &got, &size), 0);
        assert_int_equal(size, sizeof data - 1);
        assert_memory_equal(got, data, sizeof data - 1);
        assert_int_equal(got[size], 0);

        assert_int_equal(read_line_at(s->fd, "f", &line), 0);
        assert_string_equal(line, "line one");

        /* Larger than one read() chunk. */
        big = malloc(100000);
        assert_non_null(big);
        for (size_t i = 0; i < 100000; i++)
                big[i] = (char) ('a' + i % 26);
        assert_int_equal(write_file_atomic_at(s->fd, "big", big, 100000, 0600), 0);
        assert_int_equal(read_full_at(s->fd, "big", &bigread, &size), 0);
        assert_int_equal(size, 100000);
        assert_memory_equal(bigread, big, 100000);

        {
                _cleanup_free_ char *e = NULL;
                assert_int_equal(write_file_atomic_at(s->fd, "empty", "", 0, 0600), 0);
                assert_int_equal(read_full_at(s->fd, "empty", &e, NULL), 0);
                assert_non_null(e);
                assert_string_equal(e, "");
        }

        {
                char *never = (char *) 0x1;
                assert_int_equal(read_full_at(s->fd, "missing", &never, &size), -ENOENT);
                assert_ptr_equal(never, (char *) 0x1);
                assert_int_equal(read_full_at(s->fd, "f/x", &never, &size), -ENOTDIR);
                assert_int_equal(read_line_at(s->fd, "missing", &never), -ENOENT);
        }
}

static void assert_file(int dirfd, const char *path, const char *data, size_t size, mode_t mode) {
        _cleanup_free_ char *got = NULL;
        struct stat st;
        size_t n;

        assert_int_equal(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, mode);
        assert_int_equal(read_full_at(dirfd, path, &got, &n), 0);
        assert_int_equal(n, size);
        assert_memory_equal(got, data, size);
}

static void test_write_file_atomic_at(void **state) {
        Scratch *s = *state;
        mode_t old_umask = umask(077);
        struct stat st1, st2;
        int r;

        assert_int_equal(mkdirat(s->fd, "sub", 0755), 0);

        /* The mode is the one asked for, whatever the umask. */
        assert_int_equal(write_file_atomic_at(s->fd, "sub/state", "a=1\n", 4, 0644), 0);
        assert_file(s->fd, "sub/state", "a=1\n", 4, 0644);
        assert_int_equal(fstatat(s->fd, "sub/state", &st1, 0), 0);

        /* Replacing: new bytes, new mode, a new inode (renamed over), no temporary left. */
        assert_int_equal(write_file_atomic_at(s->fd, "sub/state", "b=2\nc=3\n", 8, 0600), 0);
        assert_file(s->fd, "sub/state", "b=2\nc=3\n", 8, 0600);
        assert_int_equal(fstatat(s->fd, "sub/state", &st2, 0), 0);
        assert_int_not_equal(st1.st_ino, st2.st_ino);
        assert_names(s->fd, "sub", "state");

        /* Shorter content than before: nothing of the old tail is left. */
        assert_int_equal(write_file_atomic_at(s->fd, "sub/state", "x", 1, 0640), 0);
        assert_file(s->fd, "sub/state", "x", 1, 0640);

        /* A stale temporary from an interrupted run is reused and gone afterwards. */
        assert_int_equal(
                write_file_atomic_at(s->fd, "sub/state.kvmigrate-tmp", "junk junk junk", 14, 0600), 0);
        assert_int_equal(write_file_atomic_at(s->fd, "sub/state", "y\n", 2, 0644), 0);
        assert_file(s->fd, "sub/state", "y\n", 2, 0644);
        assert_names(s->fd, "sub", "state");

        /* A symlink at the path is replaced, never written through. */
        assert_int_equal(write_file_atomic_at(s->fd, "victim", "keep\n", 5, 0644), 0);
        assert_int_equal(symlinkat("victim", s->fd, "sub/link"), 0);
        assert_int_equal(write_file_atomic_at(s->fd, "sub/link", "new\n", 4, 0600), 0);
        assert_file(s->fd, "sub/link", "new\n", 4, 0600);
        assert_file(s->fd, "victim", "keep\n", 5, 0644);

        /* A symlink at the temporary name is not followed either: refused (or replaced), the target
         * untouched. */
        assert_int_equal(symlinkat("../victim", s->fd, "sub/other.kvmigrate-tmp"), 0);
        r = write_file_atomic_at(s->fd, "sub/other", "o\n", 2, 0644);
        assert_file(s->fd, "victim", "keep\n", 5, 0644);
        if (r == 0)
                assert_file(s->fd, "sub/other", "o\n", 2, 0644);
        else {
                assert_int_equal(r, -ELOOP);
                assert_int_equal(unlinkat(s->fd, "sub/other.kvmigrate-tmp", 0), 0);
        }

        /* A missing folder: refused, nothing made. */
        assert_int_equal(write_file_atomic_at(s->fd, "nodir/state", "z", 1, 0644), -ENOENT);
        assert_names(s->fd, ".", "sub victim");

        /* Plain paths with AT_FDCWD. */
        {
                _cleanup_free_ char *abs = NULL;
                assert_true(asprintf(&abs, "%s/sub/abs", s->path) > 0);
                assert_int_equal(write_file_atomic_at(AT_FDCWD, abs, "abs", 3, 0604), 0);
                assert_file(s->fd, "sub/abs", "abs", 3, 0604);
        }

        (void) umask(old_umask);
}

static void assert_dir(int dirfd, const char *path, mode_t mode) {
        struct stat st;

        assert_int_equal(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, mode);
}

static void test_mkdir_p_at(void **state) {
        Scratch *s = *state;
        mode_t old_umask = umask(0);
        int r;

        assert_int_equal(mkdir_p_at(s->fd, "a/b/c", 0750), 0);
        assert_dir(s->fd, "a", 0750);
        assert_dir(s->fd, "a/b", 0750);
        assert_dir(s->fd, "a/b/c", 0750);

        /* Existing folders are fine and keep their mode; new ones below get the new mode. */
        assert_int_equal(mkdir_p_at(s->fd, "a/b/c/d/e", 0700), 0);
        assert_dir(s->fd, "a/b", 0750);
        assert_dir(s->fd, "a/b/c/d", 0700);
        assert_dir(s->fd, "a/b/c/d/e", 0700);
        assert_int_equal(mkdir_p_at(s->fd, "a/b/c", 0700), 0);

        /* Doubled and trailing slashes. */
        assert_int_equal(mkdir_p_at(s->fd, "x//y/", 0755), 0);
        assert_dir(s->fd, "x/y", 0755);

        /* An absolute path with AT_FDCWD. */
        {
                _cleanup_free_ char *abs = NULL;
                assert_true(asprintf(&abs, "%s/abs/one", s->path) > 0);
                assert_int_equal(mkdir_p_at(AT_FDCWD, abs, 0711), 0);
                assert_dir(s->fd, "abs/one", 0711);
        }

        /* A file in the way of a folder on the way. */
        assert_int_equal(write_file_atomic_at(s->fd, "a/file", "f", 1, 0644), 0);
        assert_int_equal(mkdir_p_at(s->fd, "a/file/sub", 0755), -ENOTDIR);

        /* Through a link to a folder: refused (a guest's state folder may hold links out of the root). */
        assert_int_equal(symlinkat("a/b", s->fd, "lnk"), 0);
        r = mkdir_p_at(s->fd, "lnk/new", 0755);
        assert_true(r == -ELOOP || r == -ENOTDIR);
        assert_int_equal(faccessat(s->fd, "a/b/new", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        r = mkdir_p_at(s->fd, "lnk", 0755);
        assert_true(r == -ELOOP || r == -ENOTDIR);
        assert_int_equal(mkdir_p_at(s->fd, "a/../x", 0755), -EXDEV);

        (void) umask(old_umask);
}

static void test_mkdir_p_at_file_in_the_way(void **state) {
        Scratch *s = *state;

        assert_int_equal(write_file_atomic_at(s->fd, "plain", "f", 1, 0644), 0);
        assert_int_equal(mkdir_p_at(s->fd, "plain", 0755), -EEXIST);
}

static void test_mkdir_p_at_empty(void **state) {
        Scratch *s = *state;

        assert_int_equal(mkdir_p_at(s->fd, "", 0755), -ENOENT);
}

static void test_fsync_parent_at(void **state) {
        Scratch *s = *state;

        assert_int_equal(mkdirat(s->fd, "d", 0755), 0);
        assert_int_equal(fsync_parent_at(s->fd, "d/anything"), 0);
        assert_int_equal(fsync_parent_at(s->fd, "top-level-name"), 0);
        assert_int_equal(fsync_parent_at(AT_FDCWD, "/etc"), 0);
        assert_int_equal(fsync_parent_at(s->fd, "missing/x"), -ENOENT);
}

/* Issue 10: kvmigrate's own files below a guest's state folder never follow a link, never block. */
static void test_read_regular_at_hostile(void **state) {
        Scratch *s = *state;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        assert_int_equal(mkdirat(s->fd, "host", 0755), 0);
        assert_int_equal(write_file_atomic_at(s->fd, "host/secret", "canary\n", 7, 0600), 0);
        assert_int_equal(mkdirat(s->fd, "state", 0755), 0);
        assert_int_equal(write_file_atomic_at(s->fd, "state/good", "ok\n", 3, 0600), 0);
        assert_int_equal(read_regular_at(s->fd, "state/good", &data, &size), 0);
        assert_int_equal(size, 3);
        free(TAKE_PTR(data));

        /* A link at the end, and a link on the way, to a folder outside. */
        assert_int_equal(symlinkat("../host/secret", s->fd, "state/file-link"), 0);
        assert_int_equal(read_regular_at(s->fd, "state/file-link", &data, &size), -ELOOP);
        assert_int_equal(symlinkat("../host", s->fd, "state/dir-link"), 0);
        r = read_regular_at(s->fd, "state/dir-link/secret", &data, &size);
        assert_true(r == -ELOOP || r == -ENOTDIR);
        assert_int_equal(read_regular_at(s->fd, "state/../host/secret", &data, &size), -EXDEV);
        assert_int_equal(read_regular_at(s->fd, "/etc/hostname", &data, &size), -EXDEV);

        /* A FIFO returns at once (a blocking open would hang this test), a folder is named as such. */
        assert_int_equal(mkfifoat(s->fd, "state/fifo", 0600), 0);
        assert_int_equal(read_regular_at(s->fd, "state/fifo", &data, &size), -EBADFD);
        assert_int_equal(read_regular_at(s->fd, "state", &data, &size), -EISDIR);
        assert_null(data);
        assert_non_null(strstr(file_strerror(-EBADFD), "FIFO"));
        assert_non_null(strstr(file_strerror(-ELOOP), "link"));

        /* Writing through a linked folder is refused; the file outside is untouched. */
        r = write_file_atomic_at(s->fd, "state/dir-link/secret", "evil", 4, 0644);
        assert_true(r == -ELOOP || r == -ENOTDIR);
        assert_int_equal(read_regular_at(s->fd, "host/secret", &data, &size), 0);
        assert_string_equal(data, "canary\n");
        assert_int_equal(write_file_atomic_at(s->fd, "state/../host/x", "evil", 4, 0644), -EXDEV);
        r = fsync_parent_at(s->fd, "state/dir-link/secret");
        assert_true(r == -ELOOP || r == -ENOTDIR);
}

static void test_path_is_normalized_absolute(void **state) {
        (void) state;
        assert_true(path_is_normalized_absolute("/etc/fstab"));
        assert_true(path_is_normalized_absolute("/a"));
        assert_true(path_is_normalized_absolute("/etc/.hidden..name"));
        assert_false(path_is_normalized_absolute(NULL));
        assert_false(path_is_normalized_absolute(""));
        assert_false(path_is_normalized_absolute("/"));
        assert_false(path_is_normalized_absolute("etc/fstab"));
        assert_false(path_is_normalized_absolute("/../../../../etc/shadow"));
        assert_false(path_is_normalized_absolute("/etc/../shadow"));
        assert_false(path_is_normalized_absolute("/etc/./fstab"));
        assert_false(path_is_normalized_absolute("/etc//fstab"));
        assert_false(path_is_normalized_absolute("/etc/"));
        assert_false(path_is_normalized_absolute("/etc/fs\ntab"));
}

typedef struct ExpectedLine {
        const char *text;
        bool newline;
        size_t len; /* 0: strlen(text) */
} ExpectedLine;

static void check_lines(const char *data, size_t size, const ExpectedLine *e, size_t n) {
        Line l = {};
        size_t pos = 0, i = 0;

        while (line_next(data, size, &pos, &l)) {
                assert_true(i < n);
                assert_int_equal(l.len, e[i].len ? e[i].len : strlen(e[i].text));
                assert_memory_equal(l.p, e[i].text, l.len);
                assert_int_equal(l.newline, e[i].newline);
                assert_int_equal(l.number, i + 1);
                i++;
        }
        assert_int_equal(i, n);
        assert_int_equal(pos, size);
        /* Once at the end, it stays there. */
        assert_false(line_next(data, size, &pos, &l));
        assert_int_equal(l.number, n);
}

static void test_line_next(void **state _unused_) {
        static const ExpectedLine with_final[] = { { "a", true }, { "", true }, { "bc d", true } };
        static const ExpectedLine without_final[] = { { "a", true }, { "last", false } };
        static const ExpectedLine only_newline[] = { { "", true } };
        static const ExpectedLine two_newlines[] = { { "", true }, { "", true } };
        static const ExpectedLine no_newline[] = { { "x", false } };
        static const ExpectedLine nul_inside[] = { { "a\0b", true, 3 }, { "c", false } };
        static const ExpectedLine none[1] = {};

        check_lines("a\n\nbc d\n", 8, with_final, ELEMENTSOF(with_final));
        check_lines("a\nlast", 6, without_final, ELEMENTSOF(without_final));
        check_lines("", 0, none, 0);
        check_lines(NULL, 0, none, 0);
        check_lines("\n", 1, only_newline, ELEMENTSOF(only_newline));
        check_lines("\n\n", 2, two_newlines, ELEMENTSOF(two_newlines));
        check_lines("x", 1, no_newline, ELEMENTSOF(no_newline));
        /* The size, not a NUL, ends the text. */
        check_lines("a\0b\nc", 5, nul_inside, ELEMENTSOF(nul_inside));
        check_lines("a\nlast\nignored", 6, without_final, ELEMENTSOF(without_final));
}

static bool comment_or_blank(const char *s) {
        Line l = { .p = s, .len = strlen(s), .newline = true, .number = 1 };
        return line_is_comment_or_blank(&l);
}

static void test_line_is_comment_or_blank(void **state _unused_) {
        assert_true(comment_or_blank(""));
        assert_true(comment_or_blank("   "));
        assert_true(comment_or_blank("\t \r"));
        assert_true(comment_or_blank("#"));
        assert_true(comment_or_blank("# /dev/xvda1 / ext4"));
        assert_true(comment_or_blank(" \t# indented"));
        assert_false(comment_or_blank("/dev/xvda1 / ext4 defaults 0 1 # trailing"));
        assert_false(comment_or_blank("x"));
        assert_false(comment_or_blank(" ;comment"));
        assert_false(comment_or_blank("\v#"));

        /* Only @len counts: "#" beyond the line's end is not part of it. */
        {
                Line l = { .p = "  # no", .len = 2 };
                assert_true(line_is_comment_or_blank(&l));
                l = (Line){ .p = "ab#", .len = 2 };
                assert_false(line_is_comment_or_blank(&l));
        }
}

static void test_now_usec(void **state _unused_) {
        unsigned long long a = now_usec(), b = now_usec();

        /* Later than 2020-01-01 and not going backwards between two calls. */
        assert_true(a > 1577836800000000ULL);
        assert_true(b >= a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buf),
                cmocka_unit_test(test_value_escape),
                cmocka_unit_test(test_value_unescape),
                cmocka_unit_test(test_words_parse),
                cmocka_unit_test(test_strv),
                cmocka_unit_test(test_string_helpers),
                cmocka_unit_test_setup_teardown(test_read_full_at, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(test_write_file_atomic_at, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(test_mkdir_p_at, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(
                        test_mkdir_p_at_file_in_the_way, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(test_mkdir_p_at_empty, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(test_fsync_parent_at, scratch_setup, scratch_teardown),
                cmocka_unit_test_setup_teardown(
                        test_read_regular_at_hostile, scratch_setup, scratch_teardown),
                cmocka_unit_test(test_path_is_normalized_absolute),
                cmocka_unit_test(test_line_next),
                cmocka_unit_test(test_line_is_comment_or_blank),
                cmocka_unit_test(test_now_usec),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
