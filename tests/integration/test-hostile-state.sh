#!/bin/bash
# Issue 10: the state folder of a guest is hostile input. Links out of the
# root, FIFOs, folders where files belong, and forged manifest, journal and
# snapshot lines: every command finishes (under "timeout 10"), refuses with
# exit 1 or 2 and a message that names the file, and nothing outside the
# root (a canary folder standing in for the host) or in the guest changes.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap timeout || { skip "hostile-state" "mkfs tools or timeout missing"; finish; exit; }

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
S=var/lib/kvmigrate

# The "host": a folder outside every guest root, with a canary file.
HOST=$WORK/host
mkdir -p "$HOST/dir"
printf 'canary: host data, never to be read, written or moved\n' >"$HOST/canary"
cp "$HOST/canary" "$HOST/dir/canary"
host_sum() { (cd "$HOST" && find . -printf '%p %y %m %s %U\n' | sort && cat canary dir/canary) | md5sum; }
HOST_SUM=$(host_sum)

xen() { echo --root "$1" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img"; }
kvm() { echo --root "$1" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img"; }

# Two starting points: armed under Xen (before apply), and migrated (after apply).
ARMED=$WORK/armed
cp -a "$FIXTURES/demo-guest" "$ARMED"
"$MIGRATECTL" $(xen "$ARMED") arm >/dev/null 2>&1 || not_ok "setup: arm"
APPLIED=$WORK/applied
cp -a "$ARMED" "$APPLIED"
"$MIGRATECTL" $(kvm "$APPLIED") apply >/dev/null 2>&1 || not_ok "setup: apply"
check "setup: apply kept a backup" test -f "$APPLIED/$S/backup/manifest"

# fresh NAME FROM: a copy of a starting point.
fresh() {
        G=$WORK/g-$1
        rm -rf "$G"
        cp -a "$2" "$G"
}

# The guest's files outside the state folder, to show that nothing changed.
guest_sum() { (cd "$1" && find . -path "./$S" -prune -o -printf '%p %y %m %s %l\n' | sort &&
        find . -path "./$S" -prune -o -type f -print0 | sort -z | xargs -0 cat) | md5sum; }

# refuses NAME WHAT PATTERN COMMAND...: the command ends in time with exit 1 or 2 and a message
# matching PATTERN; the host canary and the guest's files are as they were.
refuses() {
        local name=$1 pattern=$2 rc=0 before
        shift 2
        before=$(guest_sum "$G")
        timeout 10 "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
        if [ "$rc" = 1 ] || [ "$rc" = 2 ]; then
                ok "$name: refused (exit $rc)"
        else
                not_ok "$name: refused (exit $rc, 124 is a hang)"
                sed 's/^/# /' "$WORK/err" | head -10
        fi
        if grep -qE -- "$pattern" "$WORK/err"; then
                ok "$name: the message names the file"
        else
                not_ok "$name: the message names the file (/$pattern/)"
                sed 's/^/# /' "$WORK/err" | head -10
        fi
        check_eq "$name: nothing outside the root changed" "$HOST_SUM" "$(host_sum)"
        check_eq "$name: nothing in the guest changed" "$before" "$(guest_sum "$G")"
        if grep -q 'never to be read' "$WORK/out" "$WORK/err"; then
                not_ok "$name: host data is not quoted"
        else
                ok "$name: host data is not quoted"
        fi
}

# exits NAME CODE COMMAND...: like refuses, with one exit code.
exits() {
        local name=$1 want=$2 rc=0
        shift 2
        timeout 10 "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
        check_eq "$name: exit $want" "$want" "$rc"
}

# exits_refused NAME COMMAND...: for rollback: exit 2 once migratectl's verb_rollback maps -EBADMSG
# through exit_for() (it gives 1 for every error today); the record must not turn "degraded".
exits_refused() {
        local name=$1 rc=0
        shift
        timeout 10 "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
        case $rc in 1 | 2) ok "$name: refused (exit $rc)" ;; *) not_ok "$name: refused (exit $rc)" ;; esac
        check_eq "$name: the record still says done" done "$(sed -n 's/^state=//p' "$G/$S/state")"
}

## 1. Links out of the root anywhere below the state folder.

fresh backup-link "$ARMED"
ln -s "$HOST/dir" "$G/$S/backup"
refuses "apply, backup linked to the host" "$S/backup" "$MIGRATECTL" $(kvm "$G") apply
check "apply, backup linked to the host: the link is left, not followed" test -L "$G/$S/backup"

fresh backup-files-link "$ARMED"
mkdir -p "$G/$S/backup"
ln -s "$HOST/dir" "$G/$S/backup/files"
refuses "apply, backup/files linked to the host" "$S/backup" "$MIGRATECTL" $(kvm "$G") apply

fresh rollback-backup-link "$APPLIED"
mv "$G/$S/backup" "$HOST/dir/backup"
HOST_SUM=$(host_sum)
ln -s "$HOST/dir/backup" "$G/$S/backup"
refuses "rollback, backup linked to the host" "$S/backup/manifest" "$MIGRATECTL" --root "$G" rollback
rm -rf "$HOST/dir/backup"
HOST_SUM=$(host_sum)

fresh rollback-file-link "$APPLIED"
f=$(cd "$G/$S/backup/files" && find . -type f | head -1)
ln -sf "$HOST/canary" "$G/$S/backup/files/$f"
refuses "rollback, a backup file linked to the host" "$S/backup/files" "$MIGRATECTL" --root "$G" rollback

fresh journal-link "$APPLIED"
mkdir -p "$HOST/dir/journal"
printf 'edit n=0 path=/etc/fstab new=regular\ncommitted\n' >"$HOST/dir/journal/plan"
cp "$HOST/canary" "$HOST/dir/journal/new-0"
HOST_SUM=$(host_sum)
ln -s "$HOST/dir/journal" "$G/$S/journal"
refuses "boot, journal linked to the host" "$S/journal" "$MIGRATECTL" $(kvm "$G") boot
rm -rf "$HOST/dir/journal"
HOST_SUM=$(host_sum)

fresh state-link "$APPLIED"
ln -sf "$HOST/canary" "$G/$S/state"
refuses "status, state linked to the host" "$S/state" "$MIGRATECTL" --root "$G" status

fresh snapshot-link "$ARMED"
ln -sf "$HOST/canary" "$G/$S/snapshot"
refuses "plan, snapshot linked to the host" "$S/snapshot" "$MIGRATECTL" $(kvm "$G") plan

fresh lock-link "$ARMED"
rm -f "$G/$S/lock" && ln -sf "$HOST/canary" "$G/$S/lock"
refuses "apply, lock linked to the host" "$S/lock" "$MIGRATECTL" $(kvm "$G") apply

## FIFOs: no command may hang.

fresh fifo-state "$APPLIED"
rm "$G/$S/state" && mkfifo "$G/$S/state"
refuses "status, state a FIFO" "$S/state" "$MIGRATECTL" --root "$G" status
refuses "boot, state a FIFO" "$S/state" "$MIGRATECTL" $(kvm "$G") boot

fresh fifo-snapshot "$ARMED"
rm "$G/$S/snapshot" && mkfifo "$G/$S/snapshot"
refuses "plan, snapshot a FIFO" "$S/snapshot" "$MIGRATECTL" $(kvm "$G") plan
# arm writes the snapshot: the FIFO is replaced (renamed over), never opened for writing.
exits "arm, snapshot a FIFO" 0 "$MIGRATECTL" $(xen "$G") arm
check "arm, snapshot a FIFO: a regular snapshot replaces it" test -f "$G/$S/snapshot"

fresh fifo-manifest "$APPLIED"
rm "$G/$S/backup/manifest" && mkfifo "$G/$S/backup/manifest"
refuses "rollback, backup/manifest a FIFO" "$S/backup/manifest" "$MIGRATECTL" --root "$G" rollback

fresh fifo-backup-file "$APPLIED"
f=$(cd "$G/$S/backup/files" && find . -type f | head -1)
rm "$G/$S/backup/files/$f" && mkfifo "$G/$S/backup/files/$f"
refuses "rollback, a backup file a FIFO" "$S/backup/files" "$MIGRATECTL" --root "$G" rollback

fresh fifo-journal "$APPLIED"
mkdir "$G/$S/journal" && mkfifo "$G/$S/journal/plan"
refuses "boot, journal/plan a FIFO" "$S/journal/plan" "$MIGRATECTL" $(kvm "$G") boot

fresh fifo-journal-new "$APPLIED"
mkdir "$G/$S/journal"
printf 'edit n=0 path=/etc/fstab new=regular\ncommitted\n' >"$G/$S/journal/plan"
mkfifo "$G/$S/journal/new-0"
refuses "boot, journal/new-0 a FIFO" "$S/journal/new-0" "$MIGRATECTL" $(kvm "$G") boot

fresh fifo-lock "$ARMED"
rm -f "$G/$S/lock" && mkfifo "$G/$S/lock"
refuses "apply, lock a FIFO" "$S/lock" "$MIGRATECTL" $(kvm "$G") apply

## Point 11: a folder where a file belongs is an error that names it.

fresh dir-snapshot "$ARMED"
rm "$G/$S/snapshot" && mkdir "$G/$S/snapshot"
refuses "plan, snapshot a folder" "$S/snapshot" "$MIGRATECTL" $(kvm "$G") plan

fresh dir-state "$APPLIED"
rm "$G/$S/state" && mkdir "$G/$S/state"
refuses "status, state a folder" "$S/state" "$MIGRATECTL" --root "$G" status

fresh dir-manifest "$APPLIED"
rm "$G/$S/backup/manifest" && mkdir "$G/$S/backup/manifest"
refuses "rollback, backup/manifest a folder" "$S/backup/manifest" "$MIGRATECTL" --root "$G" rollback

## 2. Forged records: exit 2, "FILE:LINE: what", nothing changed.

# manifest LINE: the applied guest's manifest with its first record replaced by LINE.
forge_manifest() {
        fresh "manifest-$1" "$APPLIED"
        awk -v l="$2" '/^file / && !done { print l; done = 1; next } { print }' \
                "$APPLIED/$S/backup/manifest" >"$G/$S/backup/manifest"
}
up=$(printf '/..%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
forge_manifest dotdot "file path=$up$HOST/canary kind=regular mode=0644 uid=0 gid=0"
refuses "rollback, manifest path=/../..$HOST/canary" "$S/backup/manifest:2:" \
        "$MIGRATECTL" --root "$G" rollback
check "rollback, manifest path with ..: no host file copied into the guest" test ! -e "$G$HOST/canary"
exits_refused "rollback, manifest path with .." "$MIGRATECTL" --root "$G" rollback

forge_manifest relative "file path=etc/fstab kind=regular mode=0644 uid=0 gid=0"
refuses "rollback, manifest path not absolute" "$S/backup/manifest:2: path=" "$MIGRATECTL" --root "$G" rollback
forge_manifest bogus-kind "file path=/etc/fstab kind=bogus mode=0644 uid=0 gid=0"
refuses "rollback, manifest kind=bogus" "$S/backup/manifest:2: kind=" "$MIGRATECTL" --root "$G" rollback
check "rollback, manifest kind=bogus: fstab is still there" test -s "$G/etc/fstab"
exits_refused "rollback, manifest kind=bogus" "$MIGRATECTL" --root "$G" rollback
forge_manifest no-kind "file path=/etc/fstab mode=0644 uid=0 gid=0"
refuses "rollback, manifest without kind=" "$S/backup/manifest:2: missing kind=" "$MIGRATECTL" --root "$G" rollback
forge_manifest mode "file path=/etc/fstab kind=regular mode=xyz uid=0 gid=0"
refuses "rollback, manifest mode=xyz" "$S/backup/manifest:2: mode=" "$MIGRATECTL" --root "$G" rollback
forge_manifest mode-big "file path=/etc/fstab kind=regular mode=17777 uid=0 gid=0"
refuses "rollback, manifest mode=17777" "$S/backup/manifest:2: mode=" "$MIGRATECTL" --root "$G" rollback
forge_manifest uid "file path=/etc/fstab kind=regular mode=0644 uid=-5 gid=0"
refuses "rollback, manifest uid=-5" "$S/backup/manifest:2: uid=" "$MIGRATECTL" --root "$G" rollback
exits_refused "rollback, manifest uid=-5" "$MIGRATECTL" --root "$G" rollback
forge_manifest gid "file path=/etc/fstab kind=regular mode=0644 uid=0 gid=99999999999"
refuses "rollback, manifest gid=99999999999" "$S/backup/manifest:2: gid=" "$MIGRATECTL" --root "$G" rollback

# journal: a committed plan whose edit says new=bogus must not delete fstab.
fresh journal-bogus "$APPLIED"
mkdir "$G/$S/journal"
printf 'edit n=0 path=/etc/fstab new=bogus\ncommitted\n' >"$G/$S/journal/plan"
refuses "boot, journal new=bogus" "$S/journal/plan:1: new=" "$MIGRATECTL" $(kvm "$G") boot
check "boot, journal new=bogus: fstab is still there" test -s "$G/etc/fstab"
exits "boot, journal new=bogus" 2 "$MIGRATECTL" $(kvm "$G") boot
fresh journal-dotdot "$APPLIED"
mkdir "$G/$S/journal"
printf 'edit n=0 path=%s new=absent\ncommitted\n' "$up$HOST/canary" >"$G/$S/journal/plan"
refuses "boot, journal path with .." "$S/journal/plan:1: path=" "$MIGRATECTL" $(kvm "$G") boot

## 3. A snapshot naming one device twice is refused, not "first line wins".

fresh snapshot-twice "$ARMED"
printf 'name=xvda type=ext4 uuid=%s\n' $U2 >>"$G/$S/snapshot"
n=$(wc -l <"$G/$S/snapshot")
refuses "plan, xvda twice in the snapshot" "$S/snapshot:$n: .*xvda" "$MIGRATECTL" $(kvm "$G") plan
exits "plan, xvda twice in the snapshot" 2 "$MIGRATECTL" $(kvm "$G") plan

fresh snapshot-name "$ARMED"
printf 'name=xvdb/../../tmp type=ext4 uuid=%s\n' $U2 >>"$G/$S/snapshot"
refuses "plan, a snapshot name that is not a device" "$S/snapshot:[0-9]+: " "$MIGRATECTL" $(kvm "$G") plan

finish
