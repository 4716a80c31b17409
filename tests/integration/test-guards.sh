#!/bin/bash
# Guards that had one test, at another level: the real migratectl, real
# filesystems, the real CPU.
#
# /proc/xen wins over CPUID (detect.c): a Xen PV guest's CPUID is the real
# CPU's, or that of a hypervisor Xen itself runs nested in, which may well
# say KVMKVMKVM; xenfs on /proc/xen only exists under Xen. "migratectl boot"
# detects on the running system even with --root (the initramfs's /sysroot),
# with the real CPUID. In a private mount namespace /proc becomes a tmpfs
# of links to the real procfs (so /proc/self still works) with a xen folder
# beside them; nothing else differs between the two boots below. The unit
# test (test-detect.c, test_xen_wins_over_kvm_cpuid) has a fake CPUID and a
# fixture root; this one has neither.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap unshare mount || { skip "cpuid vs /proc/xen" "mkfs tools or unshare missing"; finish; exit; }
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
        skip "cpuid vs /proc/xen" "needs root and mount namespaces (unshare -m)"
        finish
        exit
fi

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -

# An armed guest, as every Xen boot leaves it.
G=$WORK/guest
cp -a "$FIXTURES/demo-guest" "$G"
check "the guest is armed under Xen" "$MIGRATECTL" --root "$G" --hypervisor xen \
        --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" boot

# boot_with_proc NAME XEN: "migratectl boot" (no --hypervisor: it detects) on a copy
# $WORK/NAME of the armed guest, the disks as KVM shows them, with /proc/xen
# present (XEN=yes) or not; both under a tmpfs /proc. Its output goes to $WORK/NAME.out.
boot_with_proc() {
        local r=$WORK/$1 real=$WORK/$1.proc
        rm -rf "$r"
        cp -a "$G" "$r"
        mkdir -p "$real"
        # shellcheck disable=SC2016 # expanded by the inner bash
        unshare -m --propagation private bash -c '
                set -e
                real=$1 xen=$2
                shift 2
                mount --rbind /proc "$real"
                mount -t tmpfs -o mode=0555 kvmigrate-proc /proc
                for e in "$real"/*; do ln -s "$e" /proc/; done
                [ "$xen" = yes ] && mkdir /proc/xen
                [ -d /proc/self/fd ] || { echo "no /proc/self here" >&2; exit 99; }
                exec "$@"
        ' sh "$real" "$2" \
                "$MIGRATECTL" --root "$r" --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img" boot \
                >"$WORK/$1.out" 2>&1
}

record() { sed -n "s/^$2=//p" "$WORK/$1/var/lib/kvmigrate/state"; }

# Without /proc/xen the CPU decides. Unless it names KVM, there is no contest to test.
rc=0
boot_with_proc kvm no || rc=$?
if [ "$rc" -ne 0 ] || [ "$(record kvm hypervisor)" != kvm ]; then
        skip "cpuid vs /proc/xen" "this CPU's CPUID does not say KVM (boot said $rc, recorded \"$(record kvm hypervisor)\")"
        sed 's/^/# /' "$WORK/kvm.out" | head -20
        finish
        exit
fi
check_eq "without /proc/xen: CPUID says kvm, and the boot migrates" "done" "$(record kvm state)"
check "without /proc/xen: fstab names the root by UUID" grep -q "^UUID=$U1" "$WORK/kvm/etc/fstab"

rc=0
boot_with_proc xen yes || rc=$?
check_eq "with /proc/xen: boot exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/xen.out" | head -20
check_eq "with /proc/xen: the record says xen, whatever CPUID says" "xen" "$(record xen hypervisor)"
check_eq "with /proc/xen: the guest stays armed" "armed" "$(record xen state)"
check_files_eq "with /proc/xen: fstab is untouched" "$G/etc/fstab" "$WORK/xen/etc/fstab"

finish
