#!/bin/bash
# The root being migrated is known for certain: whatever fstab mounts on /
# must map to the filesystem the run works on (here a real ext4 on a loop
# device, mounted as the root), whatever the order rule says. A guest never
# armed, root and /data both ext4 with no recorded identity: named in the
# right order it migrates, named the other way round it refuses and changes
# nothing.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 losetup || { skip "root-check" "mkfs.ext4 or losetup missing"; finish; exit; }
if ! losetup --find >/dev/null 2>&1 || [ ! -e /dev/loop-control ]; then
        skip "root-check" "no loop devices"
        finish
        exit
fi

UR=7d0c5e1a-0000-4000-8000-0000000000a1
UD=7d0c5e1a-0000-4000-8000-0000000000d2
mkfs_image "$WORK/root.img" ext4 "$UR" -
mkfs_image "$WORK/data.img" ext4 "$UD" -
root_loop=$(losetup --find --show "$WORK/root.img")
data_loop=$(losetup --find --show "$WORK/data.img")
R=$WORK/guest
mkdir -p "$R"
trap 'umount "$R" 2>/dev/null; losetup -d "$root_loop" "$data_loop"; rm -rf "$WORK"' EXIT
mount "$root_loop" "$R"
mkdir -p "$R/etc" "$R/data"
printf '/dev/xvda / ext4 defaults 0 1\n/dev/xvdb /data ext4 defaults 0 2\n' >"$R/etc/fstab"
cp "$R/etc/fstab" "$WORK/fstab.orig"

rc=0
"$MIGRATECTL" --root "$R" --hypervisor kvm --disk sda="$data_loop" --disk sdb="$root_loop" apply \
        >"$WORK/out" 2>"$WORK/err" || rc=$?
check_eq "disks named against the mounted root: refused (exit 2)" 2 "$rc"
check_eq "the refusal says which disk holds the root being migrated" \
        "migratectl: error: xvda (/etc/fstab:1): mounted on /, and the order rule gives sda, but the root being migrated is on sdb; refusing to guess" \
        "$(grep 'mounted on /' "$WORK/err")"
check_files_eq "fstab unchanged" "$WORK/fstab.orig" "$R/etc/fstab"

check "disks named in the right order: migrated" \
        "$MIGRATECTL" --root "$R" --hypervisor kvm --disk sda="$root_loop" --disk sdb="$data_loop" apply
check_eq "fstab names both by UUID" \
        "$(printf 'UUID=%s / ext4 defaults 0 1\nUUID=%s /data ext4 defaults 0 2' "$UR" "$UD")" \
        "$(cat "$R/etc/fstab")"
finish
