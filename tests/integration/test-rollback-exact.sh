#!/bin/bash
# Rollback gives back the tree exactly as it was, on a real filesystem (ext4
# in an image on a loop device, mounted in a private mount namespace):
# every file's bytes, mode, owner, SELinux label and user.* attributes, no
# folder left that apply made (the getty drop-in's new folder), none
# removed that was there before or holds anything now. A hard-linked file
# is refused before anything changes. xattrs are set and read with python3
# (os.setxattr), which "make deps" installs.

if [ -z "${KVMIGRATE_PRIVATE_NS:-}" ] && command -v unshare >/dev/null 2>&1 &&
        unshare -m --propagation private true 2>/dev/null; then
        KVMIGRATE_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap python3 mount umount || { skip "rollback-exact" "mkfs tools, mount or python3 missing"; finish; exit; }
if [ -z "${KVMIGRATE_PRIVATE_NS:-}" ] || [ ! -e /dev/loop-control ]; then
        skip "rollback-exact" "no private mount namespace or no loop devices"
        finish
        exit
fi

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
mkfs_image "$WORK/guest.img" ext4 0d0d0d0d-1111-4222-8333-444444444444 guest 64
mkdir "$WORK/mnt"
if ! mount -o loop "$WORK/guest.img" "$WORK/mnt"; then
        skip "rollback-exact" "cannot mount a loop device"
        finish
        exit
fi
trap 'umount "$WORK/mnt" 2>/dev/null; rm -rf "$WORK"' EXIT
S=var/lib/kvmigrate
DROPIN=etc/systemd/system/serial-getty@hvc0.service.d
NEWDROPIN=etc/systemd/system/serial-getty@ttyS0.service.d

xen() { echo --root "$1" --hypervisor xen --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img"; }
kvm() { echo --root "$1" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img"; }

setx() { # FILE NAME VALUE (a value with \0 at its end, as SELinux labels have)
        python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode().replace(b"\\0", b"\0"), follow_symlinks=False)' "$@"
}

# Everything below ROOT but the state folder: type, mode, owner, links, size, content, every xattr.
tree() {
        python3 - "$1" "$S" <<'EOF'
import hashlib, os, stat, sys
root, skip = sys.argv[1], sys.argv[2]
for d, dirs, files in sorted(os.walk(root)):
    rel = os.path.relpath(d, root)
    if rel == skip or rel.startswith(skip + "/"):
        dirs[:] = []
        continue
    for name in sorted(dirs + files) if rel != "." else sorted(dirs + files):
        p = os.path.join(d, name)
        r = os.path.relpath(p, root)
        if r == skip or r == "lost+found":
            continue
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            what = "-> " + os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            what = hashlib.sha256(open(p, "rb").read()).hexdigest()[:16]
        else:
            what = ""
        try:
            xa = sorted((n, os.getxattr(p, n, follow_symlinks=False).hex()) for n in os.listxattr(p, follow_symlinks=False))
        except OSError:
            xa = []
        print(r, oct(st.st_mode), st.st_uid, st.st_gid, st.st_nlink, st.st_size, what, xa)
EOF
}

G=$WORK/mnt/g
cp -a "$FIXTURES/demo-guest" "$G"
mkdir -p "$G/$DROPIN" "$G/etc/empty.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root %%I 115200\n' >"$G/$DROPIN/autologin.conf"
chown 0:0 -R "$G"
chmod 0640 "$G/etc/fstab"
chown 12:34 "$G/etc/default/grub"
setx "$G/etc/fstab" security.selinux 'system_u:object_r:etc_t:s0\0'
setx "$G/etc/fstab" user.origin 'xen template 2019'
setx "$G/etc/default/grub" security.selinux 'system_u:object_r:bootloader_etc_t:s0\0'
setx "$G/$DROPIN/autologin.conf" user.note 'autologin on the serial console'
"$MIGRATECTL" $(xen "$G") arm >/dev/null 2>&1 || not_ok "setup: arm"
before=$(tree "$G")
check "setup: the xattrs are there" grep -q "user.origin" <<<"$before"

# Hard links: refused before anything changes, naming the file.
H=$WORK/mnt/h
cp -a "$G" "$H"
ln "$H/etc/fstab" "$H/etc/fstab.xen"
hbefore=$(tree "$H")
rc=0
"$MIGRATECTL" $(kvm "$H") apply >"$WORK/out" 2>"$WORK/err" || rc=$?
if [ "$rc" -ne 0 ]; then ok "a hard-linked fstab: apply refuses (exit $rc)"; else not_ok "a hard-linked fstab: apply refuses"; fi
check "a hard-linked fstab: the message names it" grep -q '/etc/fstab: has 2 hard links' "$WORK/err"
check_eq "a hard-linked fstab: nothing changed" "$hbefore" "$(tree "$H")"
check "a hard-linked fstab: no backup, no journal" test ! -e "$H/$S/backup" -a ! -e "$H/$S/journal"

# apply keeps the label and the user.* attributes of what it replaces.
check "apply" "$MIGRATECTL" $(kvm "$G") -q apply
check "apply moved the drop-in into a new folder" test -f "$G/$NEWDROPIN/autologin.conf"
check "apply changed fstab" grep -q "UUID=$U1" "$G/etc/fstab"
check_eq "apply kept fstab's xattrs" "$(grep '^etc/fstab ' <<<"$before" | sed 's/.*\[/[/')" \
        "$(tree "$G" | grep '^etc/fstab ' | sed 's/.*\[/[/')"
check_eq "apply kept fstab's mode and owner" "$(grep '^etc/fstab ' <<<"$before" | cut -d' ' -f2-4)" \
        "$(tree "$G" | grep '^etc/fstab ' | cut -d' ' -f2-4)"
check "the manifest records the made folder" grep -qx "dir path=/$NEWDROPIN" "$G/$S/backup/manifest"

# Relabelled since (restorecon with another policy), an attribute dropped: rollback gives the originals.
setx "$G/etc/fstab" security.selinux 'system_u:object_r:tmp_t:s0\0'
python3 -c 'import os, sys; os.removexattr(sys.argv[1], "user.origin")' "$G/etc/fstab"
check "rollback" "$MIGRATECTL" $(kvm "$G") -q rollback
check_eq "rollback: the tree exactly as before" "$before" "$(tree "$G")"
check "rollback: the made folder is gone" test ! -e "$G/$NEWDROPIN"
check "rollback: the folder that was there stays" test -d "$G/etc/empty.d"
check "rollback: the record says rolled-back" grep -qx 'state=rolled-back' "$G/$S/state"

# A folder apply made that holds someone's file now stays, with the file.
check "apply again" "$MIGRATECTL" $(kvm "$G") -q apply
echo '[Service]' >"$G/$NEWDROPIN/admin.conf"
check "rollback again" "$MIGRATECTL" $(kvm "$G") -q rollback
check "a made folder that holds a file now stays" test -f "$G/$NEWDROPIN/admin.conf"
check "what apply put there goes" test ! -e "$G/$NEWDROPIN/autologin.conf"
rm "$G/$NEWDROPIN/admin.conf"
rmdir "$G/$NEWDROPIN"
check_eq "and the rest is as before" "$before" "$(tree "$G")"
finish
