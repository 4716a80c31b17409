#!/bin/bash
# "migratectl status" reads the record and nothing else: a typo in
# kvmigrate.conf stops every run that would act (exit 2, file and line), but
# must not hide how the migration went.

. "$(dirname "$0")/../lib/testlib.sh"

R=$WORK/root
mkdir -p "$R/etc" "$R/var/lib/kvmigrate"
printf '[Migrate]\nRewirte=name\n' >"$R/etc/kvmigrate.conf"
printf 'state=done\nhypervisor=kvm\nmode=virtio-scsi+virtio-net\n' >"$R/var/lib/kvmigrate/state"

rc=0
out=$("$MIGRATECTL" --root "$R" status 2>"$WORK/err") || rc=$?
check_eq "status with a typo in kvmigrate.conf: exit 0" 0 "$rc"
check_eq "status with a typo in kvmigrate.conf: the record" \
        "       State: done
  Hypervisor: kvm (virtio-scsi+virtio-net)" "$out"
check_eq "status with a typo in kvmigrate.conf: nothing on stderr" "" "$(cat "$WORK/err")"

rc=0
"$MIGRATECTL" --root "$R" --hypervisor kvm plan >/dev/null 2>"$WORK/err" || rc=$?
check_eq "plan with a typo in kvmigrate.conf: exit 2" 2 "$rc"
check_eq "plan with a typo in kvmigrate.conf: names the file and line" \
        "migratectl: error: /etc/kvmigrate.conf:2: unknown setting Rewirte" "$(cat "$WORK/err")"
finish
