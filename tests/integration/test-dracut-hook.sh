#!/bin/bash
# The dracut pre-pivot hook's own logic, on a fixture root as $NEWROOT:
# when it runs migratectl, and when it leaves the root alone (done,
# rolled back, switched off, kvmigrate=off); a committed journal is always
# finished. dracut-lib's getargbool and warn are stand-ins here; migratectl
# is the real one, told the hypervisor and disks a QEMU guest would have.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap dash || { skip "dracut-hook" "mkfs tools or dash missing"; finish; exit; }
if [ -d /proc/xen ]; then
        skip "dracut-hook" "this machine is a Xen guest: the hook rightly does nothing here"
        finish
        exit
fi

HOOK=$TOP/dracut/90kvmigrate/kvmigrate-pre-pivot.sh
U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
R=$WORK/sysroot
cp -a "$FIXTURES/demo-guest" "$R"
"$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" -q arm >/dev/null

# The migratectl the hook finds on PATH: the real one, logging its call.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/migratectl" <<EOS
#!/bin/sh
echo "\$*" >>"$WORK/calls"
exec "$MIGRATECTL" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img" "\$@"
EOS
chmod +x "$WORK/bin/migratectl"

# run_hook on|off: source the hook the way dracut does, in dash; getargbool answers for kvmigrate=.
run_hook() {
        : >"$WORK/calls"
        NEWROOT=$R PATH="$WORK/bin:$PATH" ARGBOOL=$([ "$1" = on ] && echo 0 || echo 1) dash -c '
                getargbool() { return "$ARGBOOL"; }
                warn() { echo "warn: $*" >&2; }
                . "$0"' "$HOOK" >"$WORK/hook.out" 2>"$WORK/hook.err"
}

state() { sed -n 's/^state=//p' "$R/var/lib/kvmigrate/state"; }

run_hook off
check_eq "kvmigrate=off: migratectl is not run" "" "$(cat "$WORK/calls")"
check_eq "kvmigrate=off: still armed" armed "$(state)"

touch "$R/etc/kvmigrate.disabled"
run_hook on
check_eq "kvmigrate.disabled: migratectl is not run" "" "$(cat "$WORK/calls")"
rm "$R/etc/kvmigrate.disabled"

# Under Xen the hook leaves the root alone: a private mount namespace whose
# /sys/hypervisor/type says xen (and then kvm, the control in the same namespace).
if unshare -m true 2>/dev/null; then
        echo xen >"$WORK/hvtype"
        unshare -m bash -c '
                mount_hypervisor_type "$1" || exit
                cat /sys/hypervisor/type >"$2/seen"
                run() {
                        : >"$2/calls"
                        NEWROOT=$3 PATH="$2/bin:$PATH" dash -c "
                                getargbool() { return 0; }
                                warn() { echo \"warn: \$*\" >&2; }
                                . \"\$0\"" "$4" >/dev/null 2>&1
                        cp "$2/calls" "$2/calls.$1"
                }
                run xen "$2" "$3" "$4"
                cp "$3/var/lib/kvmigrate/state" "$2/state.xen"
                echo kvm >/sys/hypervisor/type
                run kvm "$2" "$3" "$4"' - "$WORK/hvtype" "$WORK" "$R" "$HOOK" >"$WORK/xen.log" 2>&1
        check_eq "Xen: the namespace's /sys/hypervisor/type says xen" xen "$(cat "$WORK/seen" 2>&1)"
        check_eq "Xen: migratectl is not run" "" "$(cat "$WORK/calls.xen" 2>&1)"
        check_eq "Xen: still armed" "state=armed" "$(grep '^state=' "$WORK/state.xen" 2>&1)"
        check_eq "the same root, /sys/hypervisor/type kvm: migratectl is run" "--root $R boot" \
                "$(cat "$WORK/calls.kvm" 2>&1)"
        "$MIGRATECTL" --root "$R" -q rollback
        rm -rf "$R/var/lib/kvmigrate/backup"
        "$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" -q \
                arm >/dev/null
else
        skip "Xen: /sys/hypervisor/type" "no mount namespace"
fi

run_hook on
check_eq "due: migratectl migrates \$NEWROOT" "--root $R boot" "$(cat "$WORK/calls")"
check_eq "due: the record says done" done "$(state)"
check "due: fstab names the root by UUID" grep -q "^UUID=$U1" "$R/etc/fstab"
check_eq "due: the hook warns of nothing" "" "$(grep '^warn:' "$WORK/hook.err")"

run_hook on
check_eq "done: migratectl is not run again" "" "$(cat "$WORK/calls")"

mkdir "$R/var/lib/kvmigrate/journal"
run_hook on
check_eq "a journal: migratectl is run to finish it" "--root $R boot" "$(cat "$WORK/calls")"
check "the empty journal is gone" test ! -e "$R/var/lib/kvmigrate/journal"

"$MIGRATECTL" --root "$R" -q rollback
run_hook on
check_eq "rolled back: migratectl is not run" "" "$(cat "$WORK/calls")"
finish
