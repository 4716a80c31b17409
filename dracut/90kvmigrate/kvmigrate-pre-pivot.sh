#!/bin/sh
# Migrate the real root ($NEWROOT, /sysroot) before switch-root (dracut
# pre-pivot hook), so that the real root's generators already see the new
# fstab.
#
# Nothing to do, and the root is not even remounted, on Xen (the real root's
# kvmigrate.service records the snapshot there) and once the record says the
# migration is over. "migratectl boot" decides the rest from the running system.

type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

kvmigrate_root=${NEWROOT:-/sysroot}

kvmigrate_due() {
        getargbool 1 kvmigrate || return 1
        [ -e "$kvmigrate_root/etc/kvmigrate.disabled" ] && return 1
        [ -d /proc/xen ] && return 1
        read -r _kvm_type 2>/dev/null </sys/hypervisor/type && [ "$_kvm_type" = xen ] && return 1
        [ -d "$kvmigrate_root/var/lib/kvmigrate/journal" ] && return 0
        case "$(sed -n 's/^state=//p' "$kvmigrate_root/var/lib/kvmigrate/state" 2>/dev/null)" in
        done | degraded | rolled-back) return 1 ;;
        esac
        return 0
}

if kvmigrate_due; then
        # Shell only: the initramfs has no awk.
        kvmigrate_ro=
        while read -r _kvm_dev _kvm_mnt _kvm_fs _kvm_opts _kvm_rest; do
                [ "$_kvm_mnt" = "$kvmigrate_root" ] || continue
                case ",$_kvm_opts," in *,ro,*) kvmigrate_ro=1 ;; *) kvmigrate_ro= ;; esac
        done </proc/mounts
        if [ -n "$kvmigrate_ro" ] && ! mount -o remount,rw "$kvmigrate_root"; then
                warn "kvmigrate: cannot remount $kvmigrate_root read-write; the real root's kvmigrate.service will migrate"
        else
                migratectl --root "$kvmigrate_root" boot || warn "kvmigrate: the migration did not finish; see migratectl status"
                if [ -n "$kvmigrate_ro" ]; then
                        mount -o remount,ro "$kvmigrate_root" || warn "kvmigrate: cannot remount $kvmigrate_root read-only"
                fi
        fi
fi
unset kvmigrate_root kvmigrate_ro _kvm_type _kvm_dev _kvm_mnt _kvm_fs _kvm_opts _kvm_rest
