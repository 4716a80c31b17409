#!/bin/sh
# dracut initqueue/settled hook: on a guest moved from Xen to KVM that was
# never armed, make root=/dev/xvd* resolvable. The initqueue runs it after
# each udev settle until the root appears.
#
# An armed guest's image carries udev rules that find each old disk by its
# identity; without them, "migratectl links --make DEV" writes a rule that
# links that one disk, /dev/xvdX, and its partitions to the X-th disk in the
# order the host attached them (by its bus path, never by the sd letters,
# which race; only when the disks hang off one controller), and udev is
# told to apply it, so that systemd sees the device too. No other xvd name
# gets a link: a line the migration leaves as it is must not find another
# disk. The migration before switch-root refuses if the root mounted this
# way is not the one fstab names. Under Xen, when switched off, or for any
# other root: nothing.

type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

kvmigrate_dev=$(getarg root=)
kvmigrate_dev=${kvmigrate_dev#block:}
case "$kvmigrate_dev" in
/dev/xvd*)
        if getargbool 1 kvmigrate && [ ! -e "$kvmigrate_dev" ] && [ ! -e /etc/kvmigrate.disabled ] &&
                [ ! -e /etc/udev/rules.d/70-kvmigrate-xvd.rules ] && [ ! -e /lib/udev/rules.d/70-kvmigrate-xvd.rules ] &&
                [ -n "$(migratectl -q links --make "$kvmigrate_dev")" ]; then
                udevadm control --reload
                udevadm trigger --subsystem-match=block --action=change
        fi
        ;;
esac
unset kvmigrate_dev
