#!/bin/bash
# make demo: the whole flow on the bundled example Xen guest
# (tests/fixtures/demo-guest), with disk images made here by mkfs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
M=$top/build/migratectl
work=$top/tests/.work/demo
rm -rf "$work"
mkdir -p "$work"
cp -a "$top/tests/fixtures/demo-guest" "$work/root"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "${*/#$M/migratectl}"; "$@"; }

step "The example guest: a Linode-style Xen guest, root on /dev/xvda, swap on /dev/xvdc (no xvdb)"
cat "$work/root/etc/fstab"
truncate -s 256M "$work/root.img" "$work/swap.img"
mkfs.ext4 -q -F -U 6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c -L root "$work/root.img"
mkswap -U 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d "$work/swap.img" >/dev/null 2>&1

step "1. Still on Xen: kvmigrate records the disks it sees (every boot under Xen does this)"
run "$M" --root "$work/root" --hypervisor xen --disk xvda="$work/root.img" --disk xvdc="$work/swap.img" arm

kvm=(--root "$work/root" --hypervisor kvm --disk sda="$work/swap.img" --disk sdb="$work/root.img")
step "2. Moved to KVM: the images come back as sda and sdb, and this boot the swap disk came first"
step "3. What a migration would change"
run "$M" "${kvm[@]}" plan

step "4. Migrate"
run "$M" "${kvm[@]}" apply

step "5. The record (also served over D-Bus by migrated)"
run "$M" --root "$work/root" status

step "6. A second plan is empty: the migration is idempotent"
run "$M" "${kvm[@]}" plan
echo "(nothing)"

printf '\nThe migrated guest root is in %s; every original is kept in\n%s/var/lib/kvmigrate/backup, and "migratectl --root %s rollback" restores them.\n' \
        "$work/root" "$work/root" "$work/root"
