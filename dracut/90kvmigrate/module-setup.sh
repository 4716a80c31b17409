#!/bin/bash
# dracut module: migrate a guest moved from Xen to KVM before switch-root.
#
# The initramfs gets migratectl (and the libraries it links), the udev rules
# "migratectl arm" wrote from the Xen snapshot (so root=/dev/xvda resolves
# to the new node by identity), and the drivers a KVM guest needs even when
# the initramfs was built host-only on Xen. Built under Xen, it arms first,
# so the rules it copies are the current ones. Before switch-root, the real root
# is migrated, so its fstab generator already sees the fixed fstab.

check() {
        require_binaries migratectl || return 1
        return 0
}

depends() {
        echo udev-rules
        return 0
}

installkernel() {
        # Not host-only: these are for the hypervisor the guest is going to.
        hostonly='' instmods virtio_pci virtio_scsi virtio_blk virtio_net sd_mod \
                ata_piix ata_generic e1000 8250 serial_8250
}

install() {
        # Under Xen this arms first; either way it records which rules this
        # kernel's image carries, so a Xen boot can tell a stale image.
        migratectl -q initramfs --building "$kernel" ||
                dwarn "kvmigrate: could not record the initramfs of $kernel; the next Xen boot rebuilds it"
        inst_binary migratectl
        inst_multiple sed
        [ -e /etc/udev/rules.d/70-kvmigrate-xvd.rules ] && inst_rules /etc/udev/rules.d/70-kvmigrate-xvd.rules
        # After the migration: the NICs keep their Xen names in the initramfs too (ip=, rd.neednet).
        [ -e /etc/udev/rules.d/70-kvmigrate-net.rules ] && inst_rules /etc/udev/rules.d/70-kvmigrate-net.rules
        [ -e /etc/kvmigrate.disabled ] && inst_simple /etc/kvmigrate.disabled
        inst_hook pre-pivot 90 "$moddir/kvmigrate-pre-pivot.sh"
        # A guest never armed: root=/dev/xvd* by bus position (see the hook).
        inst_hook initqueue/settled 90 "$moddir/kvmigrate-links.sh"
        inst_multiple udevadm
}
