#!/bin/bash
# A separate /boot (RHEL's default) is not mounted when kvmigrate runs early
# in boot: "migratectl boot" mounts it (a real ext4 on a loop device, found by
# its UUID as the guest's fstab says), migrates grub.conf on it, and unmounts
# it again.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 losetup debugfs || { skip "bootmount" "mkfs.ext4, losetup or debugfs missing"; finish; exit; }
if ! loop=$(losetup --find 2>/dev/null) || [ ! -e /dev/loop-control ]; then
        skip "bootmount" "no loop devices"
        finish
        exit
fi

UR=5a1b2c3d-0000-4000-8000-00000000000a
UB=5a1b2c3d-0000-4000-8000-00000000000b
mkdir -p "$WORK/bootfs/grub"
printf 'default=0\ntimeout=5\ntitle CentOS (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=/dev/xvda console=hvc0 xencons=tty\n\tinitrd /initramfs-2.6.32-754.el6.x86_64.img\n' \
        >"$WORK/bootfs/grub/grub.conf"
: >"$WORK/bootfs/initramfs-2.6.32-754.el6.x86_64.img"
truncate -s 64M "$WORK/boot.img"
mkfs.ext4 -q -F -U "$UB" -d "$WORK/bootfs" "$WORK/boot.img"
mkfs_image "$WORK/root.img" ext4 "$UR" -
loop=$(losetup --find --show "$WORK/boot.img")
trap 'umount "$WORK/guest/boot" 2>/dev/null; losetup -d "$loop"; rm -rf "$WORK"' EXIT

R=$WORK/guest
mkdir -p "$R/etc" "$R/boot"
printf '/dev/xvda / ext4 defaults 1 1\nUUID=%s /boot ext4 defaults 1 2\n' "$UB" >"$R/etc/fstab"
check "arm under Xen" "$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdb="$loop" -q arm
check "boot under KVM" "$MIGRATECTL" --root "$R" --hypervisor kvm --disk sda="$loop" --disk sdb="$WORK/root.img" boot
check "/boot is unmounted again" sh -c "! grep -q ' $R/boot ' /proc/mounts"
check "nothing was written into the root's own /boot folder" test -z "$(ls -A "$R/boot")"
losetup -d "$loop"
trap 'rm -rf "$WORK"' EXIT
check_eq "grub.conf on the /boot filesystem was migrated" \
        "	kernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=$UR console=ttyS0,115200n8" \
        "$(debugfs -R 'cat /grub/grub.conf' "$WORK/boot.img" 2>/dev/null | grep kernel)"
check "the record lists the edit of grub.conf" grep -q '^edit path=/boot/grub/grub.conf ' "$R/var/lib/kvmigrate/state"
finish
