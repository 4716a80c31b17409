#!/bin/sh
# Migrate the real root in /sysroot before switch-root (dracut pre-pivot hook).
# "migratectl boot" does nothing on Xen beyond its snapshot, and nothing at all
# once the record says done; it decides from the running system, not /sysroot.

type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

getargbool 1 kvmigrate || return 0 2>/dev/null || exit 0
[ -e /sysroot/etc/kvmigrate.disabled ] && { return 0 2>/dev/null || exit 0; }

kvmigrate_ro=
if awk '$2 == "/sysroot" { split($4, o, ","); for (i in o) if (o[i] == "ro") f = 1 } END { exit !f }' /proc/mounts; then
        mount -o remount,rw /sysroot && kvmigrate_ro=1
fi

migratectl --root /sysroot boot || warn "kvmigrate: the migration did not finish; see migratectl status"

if [ -n "$kvmigrate_ro" ]; then
        mount -o remount,ro /sysroot || warn "kvmigrate: cannot remount /sysroot read-only"
fi
unset kvmigrate_ro
