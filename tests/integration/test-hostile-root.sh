#!/bin/bash
# An untrusted guest cannot reach the host (issue 10, points 3, 4 and 7):
# "migratectl --root" run as root over a guest root someone else wrote.
#  - /boot and /etc/fstab linked out of the root: mounts go only inside it;
#  - /proc and /sys linked out of the root, or FIFOs under them: offline
#    detection reads nothing outside the root and never hangs;
#  - --disk NAMEs that are no kernel block names: usage error, no rule written.
# Links out of the root point at canaries under $WORK, never at real host
# files; every mount is made inside "unshare -m" and checked in its
# /proc/self/mountinfo; every command runs under "timeout 10".

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 debugfs timeout || { skip "hostile-root" "mkfs.ext4, debugfs or timeout missing"; finish; exit; }

UR=5a1b2c3d-0000-4000-8000-0000000000a1
US=5a1b2c3d-0000-4000-8000-0000000000a2
UB=5a1b2c3d-0000-4000-8000-0000000000b1
mkfs_image "$WORK/root.img" ext4 "$UR" -
mkfs_image "$WORK/swap.img" swap "$US" -

CANARY=$WORK/canary
mkdir -p "$CANARY/dir" "$CANARY/proc/xen" "$CANARY/sys/hypervisor"
echo xen >"$CANARY/sys/hypervisor/type"
echo control_d >"$CANARY/proc/xen/capabilities"
printf 'UUID=%s /boot ext4 defaults 0 2\n' "$UB" >"$CANARY/fstab"
echo canary >"$CANARY/dir/file"
canary_sum() { (cd "$CANARY" && find . -printf '%p %y %s %m %T@\n' | sort | md5sum); }
CANARY_SUM=$(canary_sum)

# guest NAME: a fresh copy of the demo guest at $WORK/NAME, printed.
guest() {
        local r=$WORK/$1
        rm -rf "$r"
        cp -a "$FIXTURES/demo-guest" "$r"
        echo "$r"
}

# run OUT CMD...: CMD under timeout 10; its exit code in $rc, its output in file OUT.
run() {
        local out=$1
        shift
        rc=0
        timeout 10 "$@" >"$out" 2>&1 || rc=$?
}

# ---- point 7: --disk NAMEs ----
R=$(guest disk)
evil=$'xvdb"\nKERNEL=="*", RUN+="/bin/touch '"$CANARY"'/pwned'
for bad in sda =img sda= "xvdb/../../../../$CANARY/evil=$WORK/root.img" "$evil=$WORK/root.img" \
        "xvd b=$WORK/root.img" "..=$WORK/root.img" "xvdaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=$WORK/root.img"; do
        shown=$(printf '%q' "$bad")
        run "$WORK/out" "$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk "$bad" arm
        check_eq "--disk $shown: exit 64 (usage)" 64 "$rc"
        check "--disk $shown: says why" grep -q -e 'expected NAME=PATH' -e 'kernel block device name' "$WORK/out"
done
check "no malformed --disk wrote rules or a snapshot" test ! -e "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules" -a \
        ! -e "$R/var/lib/kvmigrate/snapshot"
run "$WORK/out" "$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" -q arm
check_eq "well-formed --disk names still arm" 0 "$rc"
check_eq "the rules hold the two devices, by UUID, and nothing else" \
        "ENV{ID_FS_UUID}==\"$UR\", SYMLINK+=\"xvda\"
ENV{ID_FS_UUID}==\"$US\", SYMLINK+=\"xvdc\"" \
        "$(grep -v -e '^#' -e '^$' -e GOTO -e '^LABEL=' "$R/etc/udev/rules.d/70-kvmigrate-xvd.rules")"

# ---- point 4: offline detection reads nothing outside the root ----
R=$(guest detect-proc)
ln -s "$CANARY/proc" "$R/proc"
run "$WORK/out" "$MIGRATECTL" --root "$R" plan
check "/proc linked to a host folder does not make the guest xen" grep -q 'hypervisor is none' "$WORK/out"
R=$(guest detect-sys)
ln -s "$CANARY/sys" "$R/sys"
run "$WORK/out" "$MIGRATECTL" --root "$R" plan
check "/sys linked to a host folder does not make the guest xen" grep -q 'hypervisor is none' "$WORK/out"
R=$(guest detect-dotdot)
ln -s ../../../../../../../../../../../../"$CANARY/proc" "$R/proc"
run "$WORK/out" "$MIGRATECTL" --root "$R" plan
check "/proc linked out with \"..\" does not make the guest xen" grep -q 'hypervisor is none' "$WORK/out"
for fifo in sys/hypervisor/type proc/xen/capabilities sys/class/dmi/id/sys_vendor; do
        R=$(guest "fifo-${fifo//\//-}")
        mkdir -p "$R/$(dirname "$fifo")"
        mkfifo "$R/$fifo"
        run "$WORK/out" "$MIGRATECTL" --root "$R" plan
        check "a FIFO as /$fifo: refused, not hung (exit $rc)" test "$rc" = 1
        check "a FIFO as /$fifo: says so" grep -q "/$fifo: not a regular file" "$WORK/out"
done

# ---- point 3: the boot mounts stay inside the root ----
if [ "$(id -u)" != 0 ] || ! need losetup unshare || ! loop=$(losetup --find 2>/dev/null) ||
        ! unshare -m true 2>/dev/null; then
        skip "hostile-root: boot mounts" "needs root, loop devices and unshare -m"
        check_eq "nothing outside the root changed" "$CANARY_SUM" "$(canary_sum)"
        finish
        exit
fi
mkdir -p "$WORK/bootfs/grub"
printf 'default=0\ntimeout=5\ntitle Debian\n\troot (hd0,0)\n\tkernel /vmlinuz ro root=/dev/xvda console=hvc0\n' \
        >"$WORK/bootfs/grub/grub.conf"
# reset_grub: the Xen grub.conf back on the boot filesystem (not mounted at the time).
reset_grub() {
        debugfs -w -R 'rm /grub/grub.conf' "$WORK/boot.img" >/dev/null 2>&1
        debugfs -w -R "write $WORK/bootfs/grub/grub.conf /grub/grub.conf" "$WORK/boot.img" >/dev/null 2>&1
}
grub_migrated() { debugfs -R 'cat /grub/grub.conf' "$WORK/boot.img" 2>/dev/null | grep -q 'console=ttyS0'; }
truncate -s 64M "$WORK/boot.img"
mkfs.ext4 -q -F -U "$UB" -d "$WORK/bootfs" "$WORK/boot.img"
loop=$(losetup --find --show "$WORK/boot.img")
trap 'losetup -d "$loop"; rm -rf "$WORK"' EXIT
grub_kernel() { debugfs -R 'cat /grub/grub.conf' "$WORK/boot.img" 2>/dev/null | grep kernel; }
XEN_KERNEL=$(grub_kernel)

# boot_in_ns NAME: arm under Xen, then "boot" under KVM in a private mount namespace that then
# lists its mounts below $WORK (in $WORK/NAME.mounts, taken after the run and while it runs).
boot_in_ns() {
        local r=$WORK/$1
        "$MIGRATECTL" --root "$r" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdb="$loop" \
                --disk xvdc="$WORK/swap.img" -q arm >/dev/null 2>&1
        run "$WORK/$1.out" unshare -m --propagation private sh -c '
                "$1" --root "$2" --hypervisor kvm --disk sda="$3" --disk sdb="$4" --disk sdc="$5" boot &
                pid=$!
                while kill -0 $pid 2>/dev/null; do grep -F " $6" /proc/self/mountinfo; sleep 0.01; done \
                        >"$7.during"
                wait $pid; rc=$?
                grep -F " $6" /proc/self/mountinfo >"$7"
                exit $rc' sh "$MIGRATECTL" "$r" "$loop" "$WORK/root.img" "$WORK/swap.img" "$WORK" \
                "$WORK/$1.mounts"
}

R=$(guest boot-abs)
printf 'UUID=%s /boot ext4 defaults 0 2\n' "$UB" >>"$R/etc/fstab"
rm -rf "$R/boot"
ln -s "$CANARY/dir" "$R/boot"
boot_in_ns boot-abs
check_eq "/boot linked to a host folder: boot exits 0" 0 "$rc"
check "/boot linked to a host folder: the host folder was never a mount point" \
        sh -c "! grep -qF ' $CANARY/dir ' '$WORK/boot-abs.mounts.during' '$WORK/boot-abs.mounts'"
check_eq "/boot linked to a host folder: its path inside the root is missing, so nothing is mounted" "" \
        "$(cat "$WORK/boot-abs.mounts.during" "$WORK/boot-abs.mounts")"
check_eq "/boot linked to a host folder: grub.conf on the boot filesystem is left alone" "$XEN_KERNEL" "$(grub_kernel)"

R=$(guest boot-in-root)
printf 'UUID=%s /boot ext4 defaults 0 2\n' "$UB" >>"$R/etc/fstab"
rm -rf "$R/boot"
ln -s "$CANARY/dir" "$R/boot"
mkdir -p "$R/$CANARY/dir"
reset_grub
boot_in_ns boot-in-root
check_eq "/boot linked to a path that exists in the root too: boot exits 0" 0 "$rc"
check "... the host folder was never a mount point" \
        sh -c "! grep -qF ' $CANARY/dir ' '$WORK/boot-in-root.mounts.during' '$WORK/boot-in-root.mounts'"
check "... the boot filesystem was mounted at the path inside the root" \
        grep -qF " $R$CANARY/dir " "$WORK/boot-in-root.mounts.during"
check_eq "... and unmounted after" "" "$(cat "$WORK/boot-in-root.mounts")"
check "... grub.conf on the boot filesystem was migrated" grub_migrated

R=$(guest boot-dotdot)
printf 'UUID=%s /boot ext4 defaults 0 2\n' "$UB" >>"$R/etc/fstab"
rm -rf "$R/boot"
mkdir -p "$R/canary/dir"
ln -s ../canary/dir "$R/boot" # from the root's parent, $WORK/canary/dir is the host canary
reset_grub
boot_in_ns boot-dotdot
check "/boot linked with \"..\": the host folder beside the root was never a mount point" \
        sh -c "! grep -qF ' $CANARY/dir ' '$WORK/boot-dotdot.mounts.during' '$WORK/boot-dotdot.mounts'"
check "/boot linked with \"..\": mounted at the root's own /canary/dir, grub.conf migrated there" grub_migrated

R=$(guest fstab-link)
rm -f "$R/etc/fstab"
ln -s "$CANARY/fstab" "$R/etc/fstab"
reset_grub
boot_in_ns fstab-link
check_eq "/etc/fstab linked to the host's: nothing is mounted (the host's fstab is not read)" "" \
        "$(cat "$WORK/fstab-link.mounts.during" "$WORK/fstab-link.mounts")"
check_eq "/etc/fstab linked to the host's: grub.conf on the boot filesystem is left alone" "$XEN_KERNEL" \
        "$(grub_kernel)"

R=$(guest boot-file)
printf 'UUID=%s /boot ext4 defaults 0 2\n' "$UB" >>"$R/etc/fstab"
rm -rf "$R/boot"
echo not a folder >"$R/boot"
reset_grub
boot_in_ns boot-file
check "/boot that is a file: not mounted, and says so" grep -q '/boot is not a folder inside the root' \
        "$WORK/boot-file.out"
check_eq "/boot that is a file: nothing is mounted" "" \
        "$(cat "$WORK/boot-file.mounts.during" "$WORK/boot-file.mounts")"

check "no mount below \$WORK is left in this namespace" sh -c "! grep -qF ' $WORK' /proc/self/mountinfo"
check_eq "nothing outside the root changed" "$CANARY_SUM" "$(canary_sum)"
finish
