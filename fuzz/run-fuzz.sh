#!/bin/bash
# What "make fuzz" runs once the targets are built and seeded: each target in
# turn (never two at once), for SECONDS, on its corpus fuzz/corpus/TARGET/
# (which grows). A crash, leak, timeout or out-of-memory input is written
# as fuzz/crashes/TARGET-KIND-SHA1 and copied to fuzz/regressions/TARGET/,
# where "make check" replays it until the bug is fixed.
#
# Usage: fuzz/run-fuzz.sh BUILDDIR SECONDS TIMEOUT TARGET...

set -u
cd "$(dirname "$0")/.." || exit

builddir=$1 seconds=$2 timeout=$3
shift 3
failed=()
mkdir -p fuzz/crashes

for target in "$@"; do
        bin=$builddir/fuzz/fuzz-$target
        log=$builddir/fuzz/$target.log
        stamp=$builddir/fuzz/$target.stamp
        touch "$stamp"
        echo "== fuzz $target (${seconds}s)"
        rc=0
        "$bin" -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 \
                -artifact_prefix="fuzz/crashes/$target-" "fuzz/corpus/$target" >"$log" 2>&1 || rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        size=$(find "fuzz/corpus/$target" -maxdepth 1 -type f ! -name '.*' | wc -l)
        printf '%-14s %10s runs %8s exec/s %6d corpus inputs  (log: %s)\n' \
                "$target" "${runs:-?}" "${rate:-?}" "$size" "$log"
        new=0
        while IFS= read -r -d '' art; do
                kind=${art#"fuzz/crashes/$target-"}
                mkdir -p "fuzz/regressions/$target"
                cp "$art" "fuzz/regressions/$target/$kind"
                echo "   $kind: kept as fuzz/regressions/$target/$kind; minimize it with"
                echo "   $bin -minimize_crash=1 -max_total_time=60 -exact_artifact_path=fuzz/regressions/$target/$kind $art"
                new=$((new + 1))
        done < <(find fuzz/crashes -maxdepth 1 -type f -newer "$stamp" \
                \( -name "$target-crash-*" -o -name "$target-leak-*" -o -name "$target-timeout-*" \
                -o -name "$target-oom-*" \) -print0)
        rm -f "$stamp"
        if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
                failed+=("$target")
                grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]|.*runtime error)' "$log" | head -30 | sed 's/^/   /'
        fi
done

if [ ${#failed[@]} -gt 0 ]; then
        echo "fuzz: found crashes in: ${failed[*]}"
        exit 1
fi
