#!/bin/bash
# The initramfs-tools side (initramfs-tools/), Debian's and Ubuntu's default:
# - scripts/local-bottom/kvmigrate on a fixture root as ${rootmnt}: when it
#   runs migratectl (due, a journal left over) and when it leaves the root
#   alone (kvmigrate=off, kvmigrate.disabled, done, rolled back, Xen); a
#   read-only root is remounted read-write and back. migratectl is the real
#   one, told the hypervisor and disks a QEMU guest would have.
# - kvmigrate-console.sh, sourced by /init (PID 1) with fds 0-2 closed.
# - scripts/init-bottom/kvmigrate with a ${rootmnt}/dev/console that does not
#   open, as under KVM with console=hvc0.
# - hooks/kvmigrate against a fake DESTDIR with Debian's hook-functions, taken
#   from /usr/share/initramfs-tools, $KVMIGRATE_ITOOLS, an extracted
#   initramfs-tools-core in /tmp/itools, or one apt-get downloads and
#   unpacks here (never installed for this test).
# The scripts run in dash, and also in busybox sh and klibc's sh (the two
# shells of a Debian initramfs) when those are installed.
# Mounts happen in private mount namespaces (unshare -m) only.

# shellcheck disable=SC2016 # the single-quoted scripts expand in the shells they are given to
# shellcheck source=../lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap dash || { skip "initramfs-tools" "mkfs tools or dash missing"; finish; exit; }
if [ -d /proc/xen ] || [ "$(cat /sys/hypervisor/type 2>/dev/null)" = xen ]; then
        skip "initramfs-tools" "this machine is a Xen guest: the scripts rightly do nothing here"
        finish
        exit
fi

ITD=$TOP/initramfs-tools
LOCAL=$ITD/scripts/local-bottom/kvmigrate
INITB=$ITD/scripts/init-bottom/kvmigrate
HOOK=$ITD/hooks/kvmigrate
SNIPPET=$ITD/kvmigrate-console.sh

# The shells a Debian initramfs has: busybox sh (BUSYBOX=y), else klibc's.
SHELLS=(dash)
if need busybox; then SHELLS+=("busybox sh"); else skip "busybox sh" "busybox is not installed"; fi
if [ -x /usr/lib/klibc/bin/sh ]; then SHELLS+=(/usr/lib/klibc/bin/sh); else skip "klibc sh" "klibc-utils is not installed"; fi
NS=yes
unshare -m true 2>/dev/null || { NS=; skip "mount namespaces" "unshare -m does not work here"; }

# mkinitramfs runs scripts directly: they must be executable and parse.
for f in "$HOOK" "$LOCAL" "$INITB"; do
        check "${f#"$TOP"/} is executable and parses" sh -c '[ -x "$1" ] && sh -n "$1"' - "$f"
done
check_eq "local-bottom: no prerequisite" "" "$(dash "$LOCAL" prereqs)"
check_eq "init-bottom: after udev's (which moves /dev)" udev "$(dash "$INITB" prereqs)"
check_eq "hook: after udev's (which copies /etc/udev/rules.d)" udev "$(dash "$HOOK" prereqs)"

# --- local-bottom ---------------------------------------------------------

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
R=$WORK/root
cp -a "$FIXTURES/demo-guest" "$R"
"$MIGRATECTL" --root "$R" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" -q arm >/dev/null

# The migratectl the script finds on PATH: the real one, logging its call.
mkdir -p "$WORK/bin" "$WORK/stub"
cat >"$WORK/bin/migratectl" <<EOS
#!/bin/sh
echo "\$*" >>"$WORK/calls"
exec "$MIGRATECTL" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img" "\$@"
EOS
# A stand-in that only logs, and fails when \$STUB_RC says so.
cat >"$WORK/stub/migratectl" <<EOS
#!/bin/sh
echo "\$*" >>"$WORK/calls"
exit \${STUB_RC:-0}
EOS
chmod +x "$WORK/bin/migratectl" "$WORK/stub/migratectl"

# run_local ROOT BINDIR CMDLINE [SHELL]: run the script as /init's run_scripts does.
run_local() {
        : >"$WORK/calls"
        printf '%s\n' "$3" >"$WORK/cmdline"
        rootmnt=$1 quiet=n PATH="$2:$PATH" KVMIGRATE_CMDLINE_FILE=$WORK/cmdline ${4:-dash} "$LOCAL" \
                >"$WORK/local.out" 2>"$WORK/local.err"
        echo $? >"$WORK/local.rc"
}
state() { sed -n 's/^state=//p' "$R/var/lib/kvmigrate/state"; }
CMDLINE="BOOT_IMAGE=/vmlinuz root=/dev/xvda ro console=hvc0 quiet"

run_local "$R" "$WORK/bin" "$CMDLINE kvmigrate=off"
check_eq "kvmigrate=off: migratectl is not run" "" "$(cat "$WORK/calls")"
check_eq "kvmigrate=off: still armed" armed "$(state)"
run_local "$R" "$WORK/bin" "kvmigrate=no $CMDLINE"
check_eq "kvmigrate=no: migratectl is not run" "" "$(cat "$WORK/calls")"

touch "$R/etc/kvmigrate.disabled"
run_local "$R" "$WORK/bin" "$CMDLINE"
check_eq "kvmigrate.disabled: migratectl is not run" "" "$(cat "$WORK/calls")"
rm "$R/etc/kvmigrate.disabled"

# Xen: /sys/hypervisor/type says so, in a private mount namespace. The stub
# keeps the root armed; with "kvm" in the same file the script does run it.
X=$WORK/xenroot
mkdir -p "$X/var/lib/kvmigrate"
printf 'version=1\nstate=armed\n' >"$X/var/lib/kvmigrate/state"
if [ -n "$NS" ]; then
        echo xen >"$WORK/hvtype"
        unshare -m bash -c '
                mount_hypervisor_type "$1" || exit
                cat /sys/hypervisor/type >"$2/seen"
                : >"$2/calls"
                rootmnt=$3 quiet=n PATH="$2/stub:$PATH" KVMIGRATE_CMDLINE_FILE=/dev/null dash "$4" 2>&1
                cp "$2/calls" "$2/calls.xen"
                echo kvm >/sys/hypervisor/type
                rootmnt=$3 quiet=n PATH="$2/stub:$PATH" KVMIGRATE_CMDLINE_FILE=/dev/null dash "$4" 2>&1
                cp "$2/calls" "$2/calls.kvm"' - "$WORK/hvtype" "$WORK" "$X" "$LOCAL" >"$WORK/xen.log" 2>&1
        check_eq "Xen: the namespace's /sys/hypervisor/type says xen" xen "$(cat "$WORK/seen" 2>&1)"
        check_eq "Xen (/sys/hypervisor/type): migratectl is not run" "" "$(cat "$WORK/calls.xen" 2>&1)"
        check_eq "the same root, /sys/hypervisor/type kvm: migratectl is run" "--root $X boot" \
                "$(cat "$WORK/calls.kvm" 2>&1)"
else
        skip "Xen: /sys/hypervisor/type" "no mount namespace"
fi

run_local "$R" "$WORK/bin" "$CMDLINE"
check_eq "due: migratectl migrates \${rootmnt}" "--root $R boot" "$(cat "$WORK/calls")"
check_eq "due: the record says done" "done" "$(state)"
check "due: fstab names the root by UUID" grep -q "^UUID=$U1" "$R/etc/fstab"
check_eq "due: exit 0" 0 "$(cat "$WORK/local.rc")"
check_eq "due: the script warns of nothing" "" "$(grep 'kvmigrate: warning' "$WORK/local.err")"

run_local "$R" "$WORK/bin" "$CMDLINE"
check_eq "done: migratectl is not run again" "" "$(cat "$WORK/calls")"

mkdir "$R/var/lib/kvmigrate/journal"
run_local "$R" "$WORK/bin" "$CMDLINE kvmigrate=off kvmigrate"
check_eq "a journal (and the last kvmigrate= wins): migratectl is run to finish it" "--root $R boot" \
        "$(cat "$WORK/calls")"
check "the empty journal is gone" test ! -e "$R/var/lib/kvmigrate/journal"

"$MIGRATECTL" --root "$R" -q rollback
run_local "$R" "$WORK/bin" "$CMDLINE"
check_eq "rolled back: migratectl is not run" "" "$(cat "$WORK/calls")"

# The state parser, in each shell, on a bare record (the stub does not migrate).
S=$WORK/staterec
mkdir -p "$S/var/lib/kvmigrate"
for sh in "${SHELLS[@]}"; do
        for st in armed pending failed "done" degraded rolled-back; do
                printf 'version=1\nhypervisor=xen\nstate=%s\nmapping=xvda state=done\n' "$st" \
                        >"$S/var/lib/kvmigrate/state"
                run_local "$S" "$WORK/stub" "$CMDLINE" "$sh"
                case $st in
                done | degraded | rolled-back) want="" what="is not run" ;;
                *) want="--root $S boot" what="is run" ;;
                esac
                check_eq "$sh: state=$st: migratectl $what" "$want" "$(cat "$WORK/calls")"
        done
        rm "$S/var/lib/kvmigrate/state"
        run_local "$S" "$WORK/stub" "$CMDLINE" "$sh"
        check_eq "$sh: no record yet: migratectl is run" "--root $S boot" "$(cat "$WORK/calls")"
        STUB_RC=1 run_local "$S" "$WORK/stub" "$CMDLINE" "$sh"
        check_eq "$sh: migratectl fails: exit 0 all the same" 0 "$(cat "$WORK/local.rc")"
        check "$sh: migratectl fails: a warning" grep -q "kvmigrate: warning: the migration did not finish" \
                "$WORK/local.err"
        run_local "$S" "$WORK/nowhere" "$CMDLINE" "$sh"
        check_eq "$sh: no migratectl in the image: exit 0, quietly" 0 \
                "$(cat "$WORK/local.rc")$(cat "$WORK/local.out" "$WORK/local.err")"
done

# A read-only root, as the initramfs mounts it: remounted read-write for the
# migration, read-only again after it (a tmpfs in a private namespace), with
# the mount of a Debian initramfs without busybox: klibc's, which wants the
# device and the folder even for a remount.
if [ -x /usr/lib/klibc/bin/mount ]; then
        mkdir -p "$WORK/klibc"
        ln -sf /usr/lib/klibc/bin/mount "$WORK/klibc/mount"
else
        skip "read-only root with klibc's mount" "klibc-utils is not installed"
fi
if [ -n "$NS" ]; then
        R2=$WORK/roroot
        mkdir -p "$R2"
        unshare -m bash -c '
                mount -t tmpfs tmpfs "$1" && cp -a "$2/." "$1" || exit
                "$3" --root "$1" --hypervisor xen --disk xvda="$4/root.img" --disk xvdc="$4/swap.img" -q arm
                mount -o remount,ro "$1" || exit
                : >"$4/calls"
                printf "%s\n" "root=/dev/xvda ro" >"$4/cmdline"
                rootmnt=$1 quiet=n PATH="$4/klibc:$4/bin:$PATH" KVMIGRATE_CMDLINE_FILE=$4/cmdline dash "$5" 2>"$4/ro.err"
                sed -n "s/^state=//p" "$1/var/lib/kvmigrate/state" >"$4/ro.state"
                grep -c "^UUID='"$U1"'" "$1/etc/fstab" >"$4/ro.fstab"
                while read -r d m t o r; do [ "$m" = "$1" ] && echo "${o%%,*}"; done </proc/mounts >"$4/ro.opts"
                ' - "$R2" "$FIXTURES/demo-guest" "$MIGRATECTL" "$WORK" "$LOCAL" >"$WORK/ro.log" 2>&1
        check_eq "read-only root: migratectl migrates it" "--root $R2 boot" "$(cat "$WORK/calls")"
        check_eq "read-only root: the record says done" "done" "$(cat "$WORK/ro.state" 2>&1)"
        check_eq "read-only root: fstab names the root by UUID" 1 "$(cat "$WORK/ro.fstab" 2>&1)"
        check_eq "read-only root: read-only again after" ro "$(cat "$WORK/ro.opts" 2>&1)"
        check_eq "read-only root: the script warns of nothing" "" "$(grep 'kvmigrate: warning' "$WORK/ro.err" 2>&1)"
else
        skip "read-only root" "no mount namespace"
fi

# --- kvmigrate-console.sh -------------------------------------------------

# src_snippet SHELL [REDIRECTIONS...]: source the snippet as /init does, then
# write the targets of fds 0-2 and a marker to fd 3 ($WORK/fds). The fds are
# read through command substitutions: a redirection on the reporting command
# itself would show up in the shell's own fd table.
REPORT='. "$0"; f0=$(readlink /proc/$$/fd/0); f1=$(readlink /proc/$$/fd/1); f2=$(readlink /proc/$$/fd/2)
n=$(stat -L -c %t:%T /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | tr "\n" " ")
echo "$f0 $f1 $f2" >&3; echo "$n" >&3; echo marker >&3'
src_closed() { # SHELL: with fds 0, 1 and 2 closed
        # shellcheck disable=SC2086
        $1 -c "$REPORT" "$SNIPPET" 3>"$WORK/fds" <&- >&- 2>&-
}
mkdir -p "$WORK/adir"
: >"$WORK/tty"
: >"$WORK/in"
devnum() { stat -L -c %t:%T "$1" 2>/dev/null; }
for sh in "${SHELLS[@]}"; do
        KVMIGRATE_CONSOLE="$WORK/absent $WORK/adir $WORK/tty" src_closed "$sh"
        check_eq "$sh: fds closed: each gets the first device that opens" "$WORK/tty $WORK/tty $WORK/tty" \
                "$(sed -n 1p "$WORK/fds")"
        check_eq "$sh: fds closed: the shell lives on" marker "$(sed -n 3p "$WORK/fds")"
        check "$sh: a device that is not there is not created" test ! -e "$WORK/absent"

        KVMIGRATE_CONSOLE="$WORK/absent" src_closed "$sh"
        read -r f0 f1 f2 <"$WORK/fds"
        check_eq "$sh: no terminal: stdin /dev/null" /dev/null "$f0"
        check "$sh: no terminal: stdout and stderr to /dev/kmsg (or /dev/null)" \
                bash -c '[ "$1" = "$2" ] && case $1 in /dev/kmsg | /dev/null) ;; *) false ;; esac' - "$f1" "$f2"
        check_eq "$sh: no terminal: the shell lives on" marker "$(sed -n 3p "$WORK/fds")"

        # The real candidates, compared by device number (a container's
        # /dev/console may be a pseudo-terminal bound over it).
        src_closed "$sh"
        want=" $(devnum /dev/console) $(devnum /dev/ttyS0) $(devnum /dev/null) $(devnum /dev/kmsg) "
        got=$(sed -n 2p "$WORK/fds")
        check "$sh: the real devices: fds 0-2 are open on one of them ($got)" \
                bash -c 'want=$2; set -- $1; [ $# = 3 ] || exit 1; for d; do case $want in *" $d "*) ;; *) exit 1 ;; esac; done' \
                - "$got" "$want"
        check_eq "$sh: the real devices: the shell lives on" marker "$(sed -n 3p "$WORK/fds")"

        # shellcheck disable=SC2086
        KVMIGRATE_CONSOLE="$WORK/tty" $sh -c "$REPORT" "$SNIPPET" 3>"$WORK/fds" <"$WORK/in" >"$WORK/o1" 2>"$WORK/o2"
        check_eq "$sh: fds open: nothing changes" "$WORK/in $WORK/o1 $WORK/o2" "$(sed -n 1p "$WORK/fds")"
        # shellcheck disable=SC2086
        KVMIGRATE_CONSOLE="$WORK/tty" $sh -c "$REPORT" "$SNIPPET" 3>"$WORK/fds" <"$WORK/in" >"$WORK/o1" 2>&-
        check_eq "$sh: only stderr closed: only stderr changes" "$WORK/in $WORK/o1 $WORK/tty" \
                "$(sed -n 1p "$WORK/fds")"

        # shellcheck disable=SC2086
        KVMIGRATE_CONSOLE="$WORK/tty" $sh -c 'set >"$1.before"; . "$0"; set >"$1.after"; echo marker >&3' \
                "$SNIPPET" "$WORK/vars" 3>"$WORK/fds" <&- >&- 2>&-
        check_files_eq "$sh: no variable is left behind" "$WORK/vars.before" "$WORK/vars.after"
done

# --- init-bottom ----------------------------------------------------------

# In a private namespace, a tmpfs as ${rootmnt}/dev holds the nodes. A char
# device with a major no driver has (62, "local/experimental") does not open,
# as /dev/console does not without a kernel console.
if [ -n "$NS" ] && need mknod; then
        for sh in "${SHELLS[@]}"; do
                IB=$WORK/ibroot
                mkdir -p "$IB/dev"
                rm -f "$WORK"/ib.*
                unshare -m bash -c '
                        D=$1/dev W=$3
                        opens() { ( exec 2>/dev/null <"$1" >"$1" ); }
                        outcome() { # NAME: what run-init would find, and what is mounted
                                if opens "$D/console"; then echo opens; else echo "does not open"; fi >"$W/ib.$1"
                                stat -L -c %t:%T "$D/console" >>"$W/ib.$1"
                                grep -c " $D/console " /proc/self/mountinfo >>"$W/ib.$1"
                        }
                        mount -t tmpfs tmpfs "$D" || exit
                        mknod "$D/console" c 62 0 && mknod "$D/ttyS0" c 1 5 && mknod "$D/null" c 1 3 || exit
                        opens "$D/console" && echo "console opens before" >&2
                        rootmnt=$1 quiet=n $2 "$4" >"$3/ib.out1" 2>&1; echo $? >"$3/ib.rc1"
                        outcome tty
                        umount "$D/console"
                        rm "$D/ttyS0" && mknod "$D/ttyS0" c 62 1 || exit
                        rootmnt=$1 quiet=n $2 "$4" >"$3/ib.out2" 2>&1; echo $? >"$3/ib.rc2"
                        outcome null
                        umount "$D/console"
                        rm "$D/console" && mknod "$D/console" c 1 5 || exit
                        rootmnt=$1 quiet=n $2 "$4" >"$3/ib.out3" 2>&1; echo $? >"$3/ib.rc3"
                        outcome fine
                        ' - "$IB" "$sh" "$WORK" "$INITB" >"$WORK/ib.log" 2>&1
                check_eq "$sh: init-bottom, no console: ttyS0 is bound over it, and it opens" \
                        "$(printf 'opens\n1:5\n1')" "$(cat "$WORK/ib.tty" 2>&1)"
                check_eq "$sh: init-bottom, no console: exit 0" 0 "$(cat "$WORK/ib.rc1" 2>&1)"
                check "$sh: init-bottom, no console: says so" grep -q "kvmigrate: warning: no kernel console" \
                        "$WORK/ib.out1"
                check_eq "$sh: init-bottom, no console nor ttyS0: /dev/null is bound over it" \
                        "$(printf 'opens\n1:3\n1')" "$(cat "$WORK/ib.null" 2>&1)"
                check_eq "$sh: init-bottom, a console that opens: nothing is mounted" \
                        "$(printf 'opens\n1:5\n0')" "$(cat "$WORK/ib.fine" 2>&1)"
                check_eq "$sh: init-bottom, a console that opens: silent, exit 0" 0 \
                        "$(cat "$WORK/ib.rc3" "$WORK/ib.out3" 2>&1)"
        done
else
        skip "init-bottom" "no mount namespace or no mknod"
fi

# --- hook -----------------------------------------------------------------

VER=6.1.0-kvmtest
# new_destdir DIR: the layout mkinitramfs makes before it runs the hooks.
new_destdir() {
        rm -rf "$1"
        local d
        for d in bin lib lib64 sbin; do
                mkdir -p "$1/usr/$d" && ln -s "usr/$d" "$1/$d"
        done
        mkdir -p "$1/conf/conf.d" "$1/etc" "$1/run" "$1/scripts" "$1/lib/modules/$VER"
}
# run_hook DESTDIR PATH: the environment mkinitramfs exports to hooks.
run_hook() {
        DESTDIR=$1 version=$VER MODULESDIR=$WORK/modules/$VER CONFDIR=/etc/initramfs-tools verbose=n \
                PATH=$2 sh "$HOOK" >"$WORK/hook.out" 2>"$WORK/hook.err"
        echo $? >"$WORK/hook.rc"
}

new_destdir "$WORK/dest0"
(cd "$WORK/dest0" && find . | sort) >"$WORK/dest0.before"
run_hook "$WORK/dest0" /usr/bin:/sbin:/bin
check_eq "hook, no migratectl: exit 0, quietly" 0 "$(cat "$WORK/hook.rc" "$WORK/hook.out" "$WORK/hook.err")"
check_eq "hook, no migratectl: the image is left alone" "$(cat "$WORK/dest0.before")" \
        "$(cd "$WORK/dest0" && find . | sort)"

ITOOLS=
for d in ${KVMIGRATE_ITOOLS:-} /usr/share/initramfs-tools /tmp/itools/x/usr/share/initramfs-tools; do
        [ -r "$d/hook-functions" ] && { ITOOLS=$d; break; }
done
# Debian's own hook-functions, unpacked here, never installed: installing
# initramfs-tools on this machine would rebuild its initramfs.
if [ -z "$ITOOLS" ] && need apt-get dpkg-deb; then
        if (cd "$WORK" && apt-get download -q initramfs-tools-core >/dev/null 2>&1) &&
                dpkg-deb -x "$WORK"/initramfs-tools-core_*.deb "$WORK/itools" 2>/dev/null &&
                [ -r "$WORK/itools/usr/share/initramfs-tools/hook-functions" ]; then
                ITOOLS=$WORK/itools/usr/share/initramfs-tools
        fi
fi
if [ -z "$NS" ] || [ -z "$ITOOLS" ]; then
        skip "hook in a fake DESTDIR" "no mount namespace, or no initramfs-tools hook-functions (set KVMIGRATE_ITOOLS)"
        finish
        exit
fi

# The kernel: modules as kmod's modprobe --show-depends reports them;
# ata_piix is missing from this kernel and 8250 is built in.
M=$WORK/modules/$VER
mkdir -p "$M/kernel" "$WORK/ovl/sbin" "$WORK/ovl/share" "$WORK/prefix/bin" "$WORK/prefix/share/kvmigrate" \
        "$WORK/elf/bin" "$WORK/ovl/etc.up" "$WORK/ovl/etc.work" "$WORK/ovl/var.up" "$WORK/ovl/var.work"
for m in virtio_pci virtio_scsi virtio_blk virtio_net sd_mod ata_generic e1000; do
        echo "fake $m" >"$M/kernel/$m.ko"
done
echo 8250 >"$M/builtin"
cat >"$WORK/ovl/sbin/modprobe" <<EOS
#!/bin/sh
# kmod's modprobe, as far as hook-functions' manual_add_modules uses it.
echo "\$*" >>"$WORK/modprobe.log"
rc=0
for a; do
        case \$a in -*) continue ;; esac
        if [ -f "$M/kernel/\$a.ko" ]; then echo "insmod $M/kernel/\$a.ko "
        elif grep -qx "\$a" "$M/builtin"; then echo "builtin \$a"
        else rc=1; fi
done
exit \$rc
EOS
printf '#!/bin/sh\n' >"$WORK/prefix/bin/modinfo"
chmod +x "$WORK/ovl/sbin/modprobe" "$WORK/prefix/bin/modinfo"
# Debian's hook-functions where the hook sources it; /usr/share/kvmigrate is
# hidden (a whiteout), so the console snippet is only where the prefix puts it.
ln -s "$ITOOLS" "$WORK/ovl/share/initramfs-tools"
mknod "$WORK/ovl/share/kvmigrate" c 0 0
cp "$SNIPPET" "$WORK/prefix/share/kvmigrate/initramfs-console.sh"
RULES=/etc/udev/rules.d/70-kvmigrate-xvd.rules
# The migratectl of the hook: logs; "initramfs --building" rewrites the rules
# (as arm does under Xen), or fails when $WORK/fail-building exists.
cat >"$WORK/prefix/bin/migratectl" <<EOS
#!/bin/sh
echo "\$*" >>"$WORK/hook.calls"
case " \$* " in *" initramfs "*)
        [ -e "$WORK/fail-building" ] && exit 1
        echo "# written by --building" >$RULES ;;
esac
exit 0
EOS
chmod +x "$WORK/prefix/bin/migratectl"
ln -s "$MIGRATECTL" "$WORK/elf/bin/migratectl"

new_destdir "$WORK/dest1"
new_destdir "$WORK/dest2"
mkdir -p "$WORK/dest2/lib/udev/rules.d"
echo "# stale" >"$WORK/dest2/lib/udev/rules.d/${RULES##*/}"
new_destdir "$WORK/dest3"

# All hook runs in one namespace: /usr/sbin, /usr/share, /etc and /var get
# overlays; what the hook or migratectl writes there stays in $WORK.
unshare -m bash -c '
        W=$1 RULES=$2 V=$3 HOOK=$4
        mount -t overlay overlay -o lowerdir="$W/ovl/sbin:/usr/sbin" /usr/sbin &&
                mount -t overlay overlay -o lowerdir="$W/ovl/share:/usr/share" /usr/share &&
                mount -t overlay overlay -o lowerdir=/etc,upperdir="$W/ovl/etc.up",workdir="$W/ovl/etc.work" /etc &&
                mount -t overlay overlay -o lowerdir=/var,upperdir="$W/ovl/var.up",workdir="$W/ovl/var.work" /var ||
                exit
        [ -r /usr/share/initramfs-tools/hook-functions ] && [ ! -e /usr/share/kvmigrate ] || exit
        mkdir -p "${RULES%/*}"
        echo "# before --building" >"$RULES"

        run() { # N PATH
                : >"$W/hook.calls"
                : >"$W/modprobe.log"
                DESTDIR=$W/dest$1 version=$V MODULESDIR=$W/modules/$V CONFDIR=/etc/initramfs-tools verbose=n \
                        PATH=$2 sh "$HOOK" >"$W/hook$1.out" 2>"$W/hook$1.err"
                echo $? >"$W/hook$1.rc"
                cp "$W/hook.calls" "$W/hook$1.calls"
                cp "$W/modprobe.log" "$W/hook$1.modprobe"
        }
        run 1 "$W/prefix/bin:/usr/bin:/sbin:/bin"

        # --building fails and the rules are gone: the stale copy must go too.
        # No console snippet where the prefix puts it either.
        touch "$W/fail-building"
        rm "$RULES"
        rm -r "$W/prefix/share"
        run 2 "$W/prefix/bin:/usr/bin:/sbin:/bin"

        # The real migratectl (this is no Xen guest: it only records), and its libraries.
        rm "$W/fail-building"
        run 3 "$W/elf/bin:$W/prefix/bin:/usr/bin:/sbin:/bin"
        ' - "$WORK" "$RULES" "$VER" "$HOOK" >"$WORK/hookns.log" 2>&1
[ -s "$WORK/hookns.log" ] && sed 's/^/# /' "$WORK/hookns.log"

D1=$WORK/dest1
check_eq "hook: exit 0, no warning" 0 "$(cat "$WORK/hook1.rc" "$WORK/hook1.out" "$WORK/hook1.err" 2>&1)"
check_eq "hook: migratectl records the image being built" "-q initramfs --building $VER" \
        "$(cat "$WORK/hook1.calls" 2>&1)"
check_files_eq "hook: migratectl is in the image, on /init's PATH" "$WORK/prefix/bin/migratectl" "$D1/usr/bin/migratectl"
check_eq "hook: the image has the rules as --building left them (copied after it)" "# written by --building" \
        "$(cat "$D1/lib/udev/rules.d/${RULES##*/}" 2>&1)"
check_files_eq "hook: the console snippet is in /conf/conf.d" "$SNIPPET" "$D1/conf/conf.d/kvmigrate-console"
check "hook: modprobe was asked for every KVM driver, 8250 included" \
        grep -q -- "--show-depends virtio_pci virtio_scsi virtio_blk virtio_net sd_mod ata_piix ata_generic e1000 8250" \
        "$WORK/hook1.modprobe"
check_eq "hook: the modules this kernel has are in the image; not the missing, not the built-in" \
        "ata_generic.ko e1000.ko sd_mod.ko virtio_blk.ko virtio_net.ko virtio_pci.ko virtio_scsi.ko" \
        "$(find "$D1" -name '*.ko' -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"

D2=$WORK/dest2
check_eq "hook, --building fails: exit 0 all the same" 0 "$(cat "$WORK/hook2.rc" 2>&1)"
check "hook, --building fails: a warning" grep -q "^W: kvmigrate: could not record the initramfs of $VER" \
        "$WORK/hook2.err"
check "hook, --building fails: migratectl is in the image all the same" test -x "$D2/usr/bin/migratectl"
check "hook, no rules any more: the stale copy is gone" test ! -e "$D2/lib/udev/rules.d/${RULES##*/}"
check "hook, no console snippet installed: a warning" grep -q "^W: kvmigrate: no console fallback" "$WORK/hook2.err"
check "hook, no console snippet installed: none in the image" test ! -e "$D2/conf/conf.d/kvmigrate-console"

D3=$WORK/dest3
check_eq "hook, the real migratectl: exit 0" 0 "$(cat "$WORK/hook3.rc" 2>&1)"
check "hook, the real migratectl: in the image as an ELF program" \
        bash -c 'head -c 4 "$(readlink -f "$1")" | grep -q ELF' - "$D3/usr/bin/migratectl"
check "hook, the real migratectl: its libraries too (libblkid, libmount, libc)" \
        bash -c 'for l in libblkid.so.1 libmount.so.1 libc.so.6; do [ -n "$(find "$1" -name "$l")" ] || exit 1; done' \
        - "$D3"

# scripts/local-block/kvmigrate: for root=/dev/xvd* that does not appear on a
# guest never armed, "migratectl links --make"; nothing for any other device
# or when switched off. The stub prints nothing, so udev is not touched here.
BLOCK=$ITD/scripts/local-block/kvmigrate
check "scripts/local-block/kvmigrate is executable and parses" sh -c '[ -x "$1" ] && sh -n "$1"' - "$BLOCK"
check_eq "local-block: no prerequisite" "" "$(dash "$BLOCK" prereqs)"
run_block() {
        : >"$WORK/calls"
        printf '%s\n' "$2" >"$WORK/cmdline"
        PATH="$WORK/stub:$PATH" KVMIGRATE_CMDLINE_FILE=$WORK/cmdline ${3:-dash} "$BLOCK" "$1" >"$WORK/block.out" 2>&1
        echo $? >"$WORK/block.rc"
}
for sh in "${SHELLS[@]}"; do
        run_block /dev/xvda "root=/dev/xvda ro" "$sh"
        check_eq "local-block ($sh): root=/dev/xvda missing: migratectl links --make /dev/xvda" "-q links --make /dev/xvda" "$(cat "$WORK/calls")"
        check_eq "local-block ($sh): exit 0" 0 "$(cat "$WORK/block.rc")"
        run_block /dev/xvda "root=/dev/xvda ro kvmigrate=off" "$sh"
        check_eq "local-block ($sh): kvmigrate=off: nothing" "" "$(cat "$WORK/calls")"
        run_block /dev/sda "root=/dev/sda ro" "$sh"
        check_eq "local-block ($sh): another device: nothing" "" "$(cat "$WORK/calls")"
        run_block UUID=$U1 "root=UUID=$U1 ro" "$sh"
        check_eq "local-block ($sh): root by UUID: nothing" "" "$(cat "$WORK/calls")"
done

# The real "links --make" under Xen: the names are the kernel's own, nothing
# is written. (Told so: this machine's CPUID would outrank a namespace's
# /sys/hypervisor/type.) A private /run all the same, should it write.
if [ -n "$NS" ]; then
        unshare -m bash -c '
                mount -t tmpfs tmpfs /run
                "$1" --hypervisor xen links --make /dev/xvda >"$2/make.out" 2>&1
                echo $? >"$2/make.rc"
                ls -A /run >"$2/run.after"' - "$MIGRATECTL" "$WORK" >"$WORK/make.log" 2>&1
        check_eq "links --make under Xen: exit 0" 0 "$(cat "$WORK/make.rc" 2>&1)"
        check_eq "links --make under Xen: prints nothing" "" "$(cat "$WORK/make.out" 2>&1)"
        check_eq "links --make under Xen: writes nothing" "" "$(cat "$WORK/run.after" 2>&1)"
else
        skip "links --make under Xen" "no mount namespace"
fi
rc=0
"$MIGRATECTL" --root "$WORK/root" links --make /dev/xvda >/dev/null 2>&1 || rc=$?
check_eq "links --make on another root: a usage error (64)" 64 "$rc"
rc=0
"$MIGRATECTL" links --make /dev/sda >/dev/null 2>&1 || rc=$?
check_eq "links --make of a device that is not a Xen one: a usage error (64)" 64 "$rc"
finish
