#!/bin/bash
# A run killed at any point finishes (or is discarded) on the next run, and
# rollback then restores every original byte for byte.
#
# strace kills "migratectl apply" with SIGKILL on entry to its N-th
# rename, for every N up to the number of renames a whole run makes: each
# durable step (backup, journal commit, each edit, the state record) ends in
# one, so every point between two steps is hit once. Then the same for its
# unlinks: deleted files, and the journal's removal once the run is done.
#
# The record must be true after every fault: strace fails each fsync of a
# run with EIO in turn, and whenever a guest file changed, the record may
# say running, degraded or done, never failed (the folder's fsync after a
# rename fails with the file already in place). And a rollback killed at
# any rename or unlink is finished by the next "boot" (or "rollback"):
# every original back, the record rolled-back.

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

state_of() { sed -n 's/^state=//p' "$1/var/lib/kvmigrate/state" 2>/dev/null; }

fail_fsync_at() { # N: the N-th fsync of a run fails with EIO
        local n=$1 r=$WORK/eio-$1 rc=0 out state
        cp -a "$case/root" "$r"
        strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when="$n" \
                "$MIGRATECTL" --root "$r" "${args[@]}" -q apply >/dev/null 2>&1 || rc=$?
        state=$(state_of "$r")
        if [ "$(snapshot "$r")" != "$orig" ]; then
                case $state in
                running | degraded | done) ok "EIO at fsync $n: files changed, the record says $state" ;;
                *) not_ok "EIO at fsync $n: files changed (exit $rc), yet the record says \"$state\"" ;;
                esac
        else
                ok "EIO at fsync $n: nothing changed (record \"$state\", exit $rc)"
        fi
        rc=0
        out=$("$MIGRATECTL" --root "$r" "${args[@]}" apply 2>&1) || rc=$?
        check_eq "EIO at fsync $n: the next run succeeds" 0 "$rc"
        [ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
        check_eq "EIO at fsync $n: the same files as an uninterrupted run" "$want" "$(snapshot "$r")"
        check_eq "EIO at fsync $n: the record says done" done "$(state_of "$r")"
        check "EIO at fsync $n: rollback" "$MIGRATECTL" --root "$r" "${args[@]}" -q rollback
        check_eq "EIO at fsync $n: rollback restores the originals" "$orig" "$(snapshot "$r")"
        rm -rf "$r"
}

fsyncs=$(strace -f -c -e trace=fsync -o "$WORK/count-fsync" \
        "$MIGRATECTL" --root "$(cp -a "$case/root" "$WORK/counted-fsync" && echo "$WORK/counted-fsync")" \
        "${args[@]}" -q apply >/dev/null 2>&1; awk '$NF == "fsync" { print $4 }' "$WORK/count-fsync")
check "a whole run makes many fsyncs (${fsyncs:-0})" test "${fsyncs:-0}" -ge 10
for n in $(seq 1 "${fsyncs:-0}"); do
        fail_fsync_at "$n"
done

# A migrated copy, to roll back.
cp -a "$case/root" "$WORK/applied"
"$MIGRATECTL" --root "$WORK/applied" "${args[@]}" -q apply >/dev/null 2>&1
check_eq "setup: the migrated copy" "$want" "$(snapshot "$WORK/applied")"

kill_rollback_at() { # SYSCALLS N FINISHER (boot or rollback)
        local calls=$1 n=$2 finisher=$3 r=$WORK/rb-$1-$2 rc=0 out before state
        cp -a "$WORK/applied" "$r"
        (strace -f -o /dev/null -e trace="$calls" -e inject="$calls":signal=KILL:when="$n" \
                "$MIGRATECTL" --root "$r" "${args[@]}" -q rollback >/dev/null 2>&1; exit $?) 2>/dev/null || rc=$?
        if [ "$rc" -ne 137 ]; then
                not_ok "rollback killed at $calls $n: killed (exit $rc)"
                return
        fi
        before=$(snapshot "$r")
        state=$(state_of "$r")
        # Half rolled back is not done: the record says so until it is finished.
        if [ "$before" != "$want" ] && [ "$state" = done ]; then
                not_ok "rollback killed at $calls $n: files restored, yet the record says done"
        else
                ok "rollback killed at $calls $n: the record says $state"
        fi
        rc=0
        out=$("$MIGRATECTL" --root "$r" "${args[@]}" "$finisher" 2>&1) || rc=$?
        check_eq "rollback killed at $calls $n: $finisher succeeds" 0 "$rc"
        [ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
        state=$(state_of "$r")
        if [ "$finisher" = boot ] && [ "$before" = "$want" ] && [ "$state" = done ]; then
                # Killed before it changed anything and before it was recorded: nothing to finish.
                check_eq "rollback killed at $calls $n: boot keeps the migrated files" "$want" "$(snapshot "$r")"
        else
                check_eq "rollback killed at $calls $n: $finisher restores the originals" "$orig" "$(snapshot "$r")"
                check_eq "rollback killed at $calls $n: the record says rolled-back" rolled-back "$state"
        fi
        check "rollback killed at $calls $n: no journal left" test ! -e "$r/var/lib/kvmigrate/journal"
        rm -rf "$r"
}

count_rollback() { # SYSCALLS
        cp -a "$WORK/applied" "$WORK/counted-rb"
        strace -f -c -e trace="$1" -o "$WORK/count-rb" "$MIGRATECTL" --root "$WORK/counted-rb" "${args[@]}" \
                -q rollback >/dev/null 2>&1
        rm -rf "$WORK/counted-rb"
        awk '$NF ~ /^(rename|unlink|rmdir)/ { n += $4 } END { print n + 0 }' "$WORK/count-rb"
}

i=0
for calls in rename,renameat,renameat2 unlink,unlinkat,rmdir; do
        total=$(count_rollback "$calls")
        check "a rollback makes several of $calls ($total)" test "$total" -ge 3
        for n in $(seq 1 "$total"); do
                i=$((i + 1))
                kill_rollback_at "$calls" "$n" "$([ $((i % 2)) -eq 0 ] && echo boot || echo rollback)"
        done
done
finish
