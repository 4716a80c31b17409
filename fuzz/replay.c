/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The replay driver: main() for a fuzz target built without libFuzzer, so
 * "make check" replays every seed and regression input with the project's
 * own compiler and its ASan+UBSan objects (no clang needed). It takes what
 * a libFuzzer binary takes for a replay, files and folders (each file in
 * them, sorted), runs each once through the target, and stops on the first
 * input a sanitizer stops or that runs longer than $KVMIGRATE_FUZZ_TIMEOUT
 * seconds (default 25), naming it.
 */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "util.h"

static const char *current;

static void timed_out(int sig) {
        static const char msg[] = "replay: timed out on ";

        (void) sig;
        (void) write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void) write(STDERR_FILENO, current, strlen(current));
        (void) write(STDERR_FILENO, "\n", 1);
        _exit(70);
}

static int replay_file(const char *path, unsigned timeout) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_at(AT_FDCWD, path, &data, &size);
        if (r < 0) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
                return r;
        }
        current = path;
        fprintf(stderr, "replay: %s\n", path);
        alarm(timeout);
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        alarm(0);
        return 0;
}

static int filter_hidden(const struct dirent *de) {
        return de->d_name[0] != '.';
}

int main(int argc, char *argv[]) {
        const char *t = getenv("KVMIGRATE_FUZZ_TIMEOUT");
        unsigned timeout = t ? (unsigned) strtoul(t, NULL, 10) : 25, n = 0;

        signal(SIGALRM, timed_out);
        for (int i = 1; i < argc; i++) {
                struct dirent **names = NULL;
                struct stat st;
                int k;

                if (argv[i][0] == '-')
                        continue; /* libFuzzer's options, for a command line that suits both */
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: %s: %m\n", argv[i]);
                        return EXIT_FAILURE;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i], timeout) < 0)
                                return EXIT_FAILURE;
                        n++;
                        continue;
                }
                k = scandir(argv[i], &names, filter_hidden, alphasort);
                if (k < 0) {
                        fprintf(stderr, "replay: %s: %m\n", argv[i]);
                        return EXIT_FAILURE;
                }
                for (int j = 0; j < k; j++) {
                        _cleanup_free_ char *p = path_join(argv[i], names[j]->d_name);

                        free(names[j]);
                        if (!p || replay_file(p, timeout) < 0) {
                                while (++j < k)
                                        free(names[j]);
                                free(names);
                                return EXIT_FAILURE;
                        }
                        n++;
                }
                free(names);
        }
        printf("%u inputs\n", n);
        return EXIT_SUCCESS;
}
