#!/bin/bash
# A run killed at any point finishes (or is discarded) on the next run, and
# rollback then restores every original byte for byte.
#
# strace kills "migratectl apply" with SIGKILL on entry to its N-th
# rename, for every N up to the number of renames a whole run makes: each
# durable step (backup, journal commit, each edit, the state record) ends in
# one, so every point between two steps is hit once.

. "$(dirname "$0")/../lib/testlib.sh"

need strace || { skip "crash" "strace is missing"; finish; exit; }

case=$FIXTURES/cases/debian-units
mkdir -p "$WORK/disks"
mapfile -t disks < <(make_disks "$case/disks" "$WORK/disks")
args=(--hypervisor kvm "${disks[@]}")

# The uninterrupted run, for reference.
cp -a "$case/root" "$WORK/reference"
"$MIGRATECTL" --root "$WORK/reference" "${args[@]}" -q apply >/dev/null 2>&1
renames=$(strace -f -c -e trace=rename,renameat,renameat2 -o "$WORK/count" \
        "$MIGRATECTL" --root "$(cp -a "$case/root" "$WORK/counted" && echo "$WORK/counted")" "${args[@]}" -q apply \
        >/dev/null 2>&1; awk '$NF ~ /^rename/ { n += $4 } END { print n + 0 }' "$WORK/count")
check "a whole run makes several renames ($renames)" test "$renames" -ge 10

snapshot() { # the guest's files, without kvmigrate's own folder
        (cd "$1" && find . -path ./var/lib/kvmigrate -prune -o \( -type f -o -type l \) -print0 | sort -z |
                xargs -0 -I{} sh -c 'if [ -L "{}" ]; then echo "{} -> $(readlink "{}")"; else echo "{} $(sha256sum <"{}" | cut -c1-16) $(stat -c %a "{}")"; fi')
}
want=$(snapshot "$WORK/reference")
orig=$(snapshot "$case/root")

for n in $(seq 1 "$renames"); do
        r=$WORK/run-$n
        cp -a "$case/root" "$r"
        rc=0
        # In a subshell, so that the shell's "Killed" notice goes to /dev/null too.
        (strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,renameat2:signal=KILL:when=$n \
                "$MIGRATECTL" --root "$r" "${args[@]}" -q apply >/dev/null 2>&1; exit $?) 2>/dev/null || rc=$?
        if [ "$rc" -ne 137 ]; then
                not_ok "kill at rename $n: the run was killed (exit $rc)"
                continue
        fi
        rc=0
        out=$("$MIGRATECTL" --root "$r" "${args[@]}" apply 2>&1) || rc=$?
        check_eq "kill at rename $n: the next run succeeds" 0 "$rc"
        [ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
        check_eq "kill at rename $n: the same files as an uninterrupted run" "$want" "$(snapshot "$r")"
        check "kill at rename $n: the record says done" grep -qx 'state=done' "$r/var/lib/kvmigrate/state"
        check "kill at rename $n: no journal left" test ! -e "$r/var/lib/kvmigrate/journal"
        check "kill at rename $n: rollback" "$MIGRATECTL" --root "$r" "${args[@]}" -q rollback
        check_eq "kill at rename $n: rollback restores the originals" "$orig" "$(snapshot "$r")"
        rm -rf "$r"
done
finish
