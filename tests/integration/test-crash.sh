#!/bin/bash
# A run killed at any point finishes (or is discarded) on the next run, and
# rollback then restores every original byte for byte.
#
# strace kills "migratectl apply" with SIGKILL on entry to its N-th
# rename, for every N up to the number of renames a whole run makes: each
# durable step (backup, journal commit, each edit, the state record) ends in
# one, so every point between two steps is hit once. Then the same for its
# unlinks: deleted files, and the journal's removal once the run is done.

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

crash_at() { # SYSCALLS N
        local calls=$1 n=$2 r=$WORK/run-$1-$2 rc=0 out
        cp -a "$case/root" "$r"
        # In a subshell, so that the shell's "Killed" notice goes to /dev/null too.
        (strace -f -o /dev/null -e trace="$calls" -e inject="$calls":signal=KILL:when="$n" \
                "$MIGRATECTL" --root "$r" "${args[@]}" -q apply >/dev/null 2>&1; exit $?) 2>/dev/null || rc=$?
        if [ "$rc" -ne 137 ]; then
                not_ok "kill at $calls $n: the run was killed (exit $rc)"
                return
        fi
        rc=0
        out=$("$MIGRATECTL" --root "$r" "${args[@]}" apply 2>&1) || rc=$?
        check_eq "kill at $calls $n: the next run succeeds" 0 "$rc"
        [ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
        check_eq "kill at $calls $n: the same files as an uninterrupted run" "$want" "$(snapshot "$r")"
        check "kill at $calls $n: the record says done" grep -qx 'state=done' "$r/var/lib/kvmigrate/state"
        check_eq "kill at $calls $n: the record lists every edit" "$want_edits" \
                "$(grep -c '^edit .*result=applied' "$r/var/lib/kvmigrate/state")"
        check "kill at $calls $n: no journal left" test ! -e "$r/var/lib/kvmigrate/journal"
        check "kill at $calls $n: rollback" "$MIGRATECTL" --root "$r" "${args[@]}" -q rollback
        check_eq "kill at $calls $n: rollback restores the originals" "$orig" "$(snapshot "$r")"
        rm -rf "$r"
}

want_edits=$(grep -c '^edit .*result=applied' "$WORK/reference/var/lib/kvmigrate/state")
unlinks=$(strace -f -c -e trace=unlink,unlinkat -o "$WORK/count-unlink" \
        "$MIGRATECTL" --root "$(cp -a "$case/root" "$WORK/counted-unlink" && echo "$WORK/counted-unlink")" \
        "${args[@]}" -q apply >/dev/null 2>&1; awk '$NF ~ /^unlink/ { n += $4 } END { print n + 0 }' "$WORK/count-unlink")
check "a whole run makes several unlinks ($unlinks)" test "$unlinks" -ge 5

for n in $(seq 1 "$renames"); do
        crash_at rename,renameat,renameat2 "$n"
done
for n in $(seq 1 "$unlinks"); do
        crash_at unlink,unlinkat "$n"
done
finish
