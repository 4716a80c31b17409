#!/bin/bash
# What "make fuzz-replay" (and so "make check") runs: each target's seeds and
# corpus (fuzz/corpus/TARGET/) and every regression input
# (fuzz/regressions/TARGET/) once through the target built in BUILDDIR
# (the ASan+UBSan build with fuzz/replay.c, or a libFuzzer build: both take
# the same arguments). Prints TAP lines, one per target, for tests/run-tests.
#
# Usage: fuzz/replay.sh BUILDDIR TARGET...

set -u
cd "$(dirname "$0")/.." || exit

builddir=$1
shift
n=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for target in "$@"; do
        n=$((n + 1))
        dirs=()
        for d in "fuzz/corpus/$target" "fuzz/regressions/$target"; do
                [ -d "$d" ] && dirs+=("$d")
        done
        rc=0
        "$builddir/fuzz/fuzz-$target" -runs=0 "${dirs[@]}" >"$log" 2>&1 || rc=$?
        count=$(sed -n 's/^\([0-9]*\) inputs$/\1/p' "$log")
        if [ "$rc" -eq 0 ]; then
                echo "ok $n - fuzz-replay $target: ${count:-?} inputs"
        else
                failed=$((failed + 1))
                echo "not ok $n - fuzz-replay $target (exit $rc)"
                # The input it stopped on, and what the sanitizer said.
                grep '^replay: ' "$log" | tail -1 | sed 's/^/# /'
                grep -v '^replay: ' "$log" | head -60 | sed 's/^/# /'
        fi
done
[ "$failed" -eq 0 ]
