#!/bin/bash
# "migratectl boot", what every boot runs, and "clean": the off switches,
# arming under Xen (and writing nothing when nothing changed), migrating once
# under KVM, retrying a refused run, and forgetting it all for a template.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap || { skip "boot-cli" "mkfs tools missing"; finish; exit; }

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
R=$WORK/guest
cp -a "$FIXTURES/demo-guest" "$R"
state() { sed -n 's/^state=//p' "$R/var/lib/kvmigrate/state" 2>/dev/null; }
xen=(--root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img")
kvm=(--root "$R" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img")

# Nothing applied yet: rollback has nothing to do, which is not a failure.
rc=0
out=$("$MIGRATECTL" --root "$R" rollback 2>&1) || rc=$?
check_eq "rollback with nothing applied exits 0" 0 "$rc"
check_eq "rollback with nothing applied says so" "migratectl: nothing to roll back: no backup in /var/lib/kvmigrate/backup" "$out"

# Under Xen: the snapshot, the compatibility rules, "armed".
check "xen: boot arms" "$MIGRATECTL" "${xen[@]}" boot
check_eq "xen: the record says armed" armed "$(state)"
check "xen: the snapshot names xvda by its UUID" grep -q "^name=xvda type=ext4 uuid=$U1" "$R/var/lib/kvmigrate/snapshot"
check_eq "xen: the udev rules give xvda by its UUID" \
        "ENV{ID_FS_UUID}==\"$U1\", SYMLINK+=\"xvda\"" \
        "$(grep -F "$U1" "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules")"
check "xen: the rules leave xvd nodes alone" grep -qx 'KERNEL=="xvd\*", GOTO="kvmigrate_end"' \
        "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules"
before=$(stat -c '%Y.%N' "$R"/var/lib/kvmigrate/* "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules" | md5sum)
sleep 1.1
check "xen: a second boot" "$MIGRATECTL" "${xen[@]}" boot
check_eq "xen: a second boot writes nothing" "$before" \
        "$(stat -c '%Y.%N' "$R"/var/lib/kvmigrate/* "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules" | md5sum)"
check "links lists the recorded devices" sh -c "'$MIGRATECTL' --root '$R' links | grep -q '^/dev/xvdc .*UUID=$U2'"

# The initramfs: built before the rules (no hook), then by a hook, then stale again when the rules change.
K=6.1.0-18-amd64
mkdir -p "$R/lib/modules/$K" "$R/boot"
echo image >"$R/boot/initrd.img-$K"
touch -d '2020-01-01' "$R/boot/initrd.img-$K"
rc=0
out=$("$MIGRATECTL" --root "$R" initramfs --check 2>/dev/null) || rc=$?
check_eq "initramfs --check: an image built before kvmigrate is not current (exit 1)" \
        "1 $K /boot/initrd.img-$K built without kvmigrate's hook" "$rc $(echo $out)"
rc=0
"$MIGRATECTL" --root "$R" initramfs >/dev/null 2>"$WORK/err" || rc=$?
check_eq "initramfs with --root rebuilds nothing and says so (exit 1)" \
        "1 rebuild the initramfs inside the guest" "$rc $(grep -o 'rebuild the initramfs inside the guest' "$WORK/err")"
check_eq "status --json of an armed guest lists the image as not current" \
        "/boot/initrd.img-$K false" \
        "$("$MIGRATECTL" --root "$R" status --json | jq -r '.initramfs[] | "\(.image) \(.current)"')"
check "initramfs --building: the hook records the rules it puts in" \
        "$MIGRATECTL" --root "$R" --hypervisor kvm initramfs --building "$K"
check_files_eq "initramfs --building: a byte copy of the rules" "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules" \
        "$R/var/lib/kvmigrate/initramfs/$K"
touch "$R/boot/initrd.img-$K"
check "initramfs --check: the image written after the hook is current" \
        "$MIGRATECTL" --root "$R" initramfs --check
check_eq "status shows the image current" "Initramfs: /boot/initrd.img-$K: current" \
        "$("$MIGRATECTL" --root "$R" status | grep -o 'Initramfs: .*')"
rc=0
"$MIGRATECTL" --root "$R" initramfs --building ../../etc/passwd 2>/dev/null || rc=$?
check_eq "initramfs --building: a path is not a kernel version (exit 64)" 64 "$rc"
check "initramfs --building: nothing written outside the stamp folder" test ! -e "$R/etc/passwd"

# The off switches: nothing changes.
cp "$R/etc/fstab" "$WORK/fstab.xen"
touch "$R/etc/kvmigrate.disabled"
check "off: /etc/kvmigrate.disabled" "$MIGRATECTL" "${kvm[@]}" boot
check_files_eq "off: /etc/kvmigrate.disabled leaves fstab" "$WORK/fstab.xen" "$R/etc/fstab"
rm "$R/etc/kvmigrate.disabled"
check "off: kvmigrate=off" env KVMIGRATE_PROC_CMDLINE="ro quiet kvmigrate=off" "$MIGRATECTL" "${kvm[@]}" boot
check_files_eq "off: kvmigrate=off leaves fstab" "$WORK/fstab.xen" "$R/etc/fstab"
printf '[Migrate]\nEnabled=no\n' >"$R/etc/kvmigrate.conf"
check "off: Enabled=no" "$MIGRATECTL" "${kvm[@]}" boot
check_files_eq "off: Enabled=no leaves fstab" "$WORK/fstab.xen" "$R/etc/fstab"
printf '[Migrate]\nEnabeld=no\n' >"$R/etc/kvmigrate.conf"
rc=0
"$MIGRATECTL" "${kvm[@]}" boot 2>"$WORK/err" || rc=$?
check_eq "a typo in kvmigrate.conf stops the run (exit 2)" 2 "$rc"
check "the error names the file and line" grep -q '/etc/kvmigrate.conf:2: unknown setting Enabeld' "$WORK/err"
check_files_eq "a bad kvmigrate.conf leaves fstab" "$WORK/fstab.xen" "$R/etc/fstab"
rm "$R/etc/kvmigrate.conf"

# A refused run (the swap disk missing) changes nothing and is tried again on the next boot.
rc=0
"$MIGRATECTL" --root "$R" --hypervisor kvm --disk sdb="$WORK/root.img" boot 2>/dev/null || rc=$?
check_eq "kvm: a run without the swap disk refuses" 2 "$rc"
check_eq "kvm: the record says failed" failed "$(state)"
check_files_eq "kvm: the refused run left fstab" "$WORK/fstab.xen" "$R/etc/fstab"

# Under KVM: migrate once.
check "kvm: boot migrates" "$MIGRATECTL" "${kvm[@]}" boot
check_eq "kvm: the record says done" done "$(state)"
check "kvm: fstab names the root by UUID" grep -q "^UUID=$U1" "$R/etc/fstab"
cp "$R/var/lib/kvmigrate/state" "$WORK/state.done"
check "kvm: a second boot" "$MIGRATECTL" "${kvm[@]}" boot
check_files_eq "kvm: a second boot leaves the record as it was" "$WORK/state.done" "$R/var/lib/kvmigrate/state"

# Rollback restores the original, and keeps what an admin wrote since.
echo "# added by the admin after the migration" >>"$R/etc/fstab"
cp "$R/etc/fstab" "$WORK/fstab.admin"
check "rollback" "$MIGRATECTL" --root "$R" rollback
check_files_eq "rollback restores the Xen fstab" "$WORK/fstab.xen" "$R/etc/fstab"
check_files_eq "rollback keeps the admin's later fstab" "$WORK/fstab.admin" \
        "$(ls -d "$R"/var/lib/kvmigrate/backup.rolled-back-*/replaced/etc/fstab | head -1)"
check_eq "the record says rolled-back" rolled-back "$(state)"
check "a boot after the rollback does nothing" "$MIGRATECTL" "${kvm[@]}" boot
check_files_eq "a boot after the rollback leaves fstab" "$WORK/fstab.xen" "$R/etc/fstab"
check "apply migrates again on request" "$MIGRATECTL" "${kvm[@]}" apply

# An offline arm must be told the image's disks: the build machine's are not the image's.
rc=0
"$MIGRATECTL" --root "$R" --hypervisor xen arm 2>/dev/null || rc=$?
check_eq "arm on an offline root without --disk refuses" 1 "$rc"

# A clone of the migrated template does nothing; "clean" makes it arm again.
check "clean" "$MIGRATECTL" --root "$R" clean
check "clean: the record and snapshot are gone" test ! -e "$R/var/lib/kvmigrate/state" -a \
        ! -e "$R/var/lib/kvmigrate/snapshot"
check "clean: the rules are gone" test ! -e "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules"
check "clean: the backups are kept" sh -c "ls -d '$R'/var/lib/kvmigrate/backup.cleaned-* >/dev/null"
check "after clean, a Xen boot arms again" "$MIGRATECTL" "${xen[@]}" boot
check_eq "after clean: armed" armed "$(state)"
finish
