#!/bin/bash
# make install DESTDIR=... PREFIX=/usr, checked file by file: the exact list
# of installed files with their modes, each one the same bytes as its source;
# the folders are where systemd and dracut look; systemd-analyze verify on the
# installed units (inside the tree with --root, and once more against this
# machine's own units, ordering included); systemctl preset; the D-Bus policy
# is well-formed XML and the activation file, the service unit and the
# installed binary agree; every installed man page renders without a warning
# and is found by name; the dracut module's files are executable shell.

. "$(dirname "$0")/../lib/testlib.sh"

BUS_NAME=org.kvmigrate.Migrate1
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
DEST=$WORK/dest

# --- where things go ---------------------------------------------------------
# The folders the Makefile asks pkg-config for; each fallback is Debian's.
pcvar() {
        local v
        v=$(pkg-config --variable="$2" "$1" 2>/dev/null)
        echo "${v:-$3}"
}
UNITDIR=$(pcvar systemd systemdsystemunitdir /lib/systemd/system)
PRESETDIR=$(pcvar systemd systemdsystempresetdir /lib/systemd/system-preset)
DBUSSERVICEDIR=$(pcvar dbus-1 system_bus_services_dir /usr/share/dbus-1/system-services)
DRACUTDIR=$(pcvar dracut dracutmodulesdir /usr/lib/dracut/modules.d)
DBUSPOLICYDIR=/usr/share/dbus-1/system.d
MANDIR=/usr/share/man

# MODE PATH SOURCE: every file make install must place, and nothing else.
EXPECTED="\
0755 /usr/bin/migratectl $BUILDDIR/migratectl
0755 /usr/lib/kvmigrate/migrated $BUILDDIR/migrated
0644 $UNITDIR/kvmigrate.service units/kvmigrate.service
0644 $UNITDIR/kvmigrate-migrated.service units/kvmigrate-migrated.service
0644 $UNITDIR/kvmigrate-initramfs.service units/kvmigrate-initramfs.service
0644 $PRESETDIR/90-kvmigrate.preset units/90-kvmigrate.preset
0644 $DBUSPOLICYDIR/$BUS_NAME.conf units/$BUS_NAME.conf
0644 $DBUSSERVICEDIR/$BUS_NAME.service units/$BUS_NAME.service
0755 $DRACUTDIR/90kvmigrate/module-setup.sh dracut/90kvmigrate/module-setup.sh
0755 $DRACUTDIR/90kvmigrate/kvmigrate-pre-pivot.sh dracut/90kvmigrate/kvmigrate-pre-pivot.sh
0755 $DRACUTDIR/90kvmigrate/kvmigrate-links.sh dracut/90kvmigrate/kvmigrate-links.sh
0755 /usr/share/initramfs-tools/hooks/kvmigrate initramfs-tools/hooks/kvmigrate
0755 /usr/share/initramfs-tools/scripts/local-bottom/kvmigrate initramfs-tools/scripts/local-bottom/kvmigrate
0755 /usr/share/initramfs-tools/scripts/init-bottom/kvmigrate initramfs-tools/scripts/init-bottom/kvmigrate
0755 /usr/share/initramfs-tools/scripts/local-block/kvmigrate initramfs-tools/scripts/local-block/kvmigrate
0644 /usr/share/kvmigrate/initramfs-console.sh initramfs-tools/kvmigrate-console.sh
0644 $MANDIR/man1/migratectl.1 man/migratectl.1
0644 $MANDIR/man5/kvmigrate.conf.5 man/kvmigrate.conf.5
0644 $MANDIR/man7/kvmigrate-initramfs.7 man/kvmigrate-initramfs.7
0644 $MANDIR/man8/migrated.8 man/migrated.8"

need make pkg-config || { skip "install" "make or pkg-config is missing"; finish; exit; }

# --- make install --------------------------------------------------------------
# SANITIZE=1 with the sanitizer build: should make find a source newer than an
# object there, it rebuilds it the way that folder is built.
make_args=(-C "$TOP" install DESTDIR="$DEST" PREFIX=/usr BUILDDIR="$BUILDDIR")
[ "$(basename "$BUILDDIR")" = build-asan ] && make_args+=(SANITIZE=1)
if out=$(make "${make_args[@]}" 2>&1); then
        ok "make install DESTDIR=... PREFIX=/usr BUILDDIR=$BUILDDIR"
else
        not_ok "make install DESTDIR=... PREFIX=/usr BUILDDIR=$BUILDDIR"
        printf '%s\n' "$out" | sed 's/^/# /' | tail -40
        finish
        exit
fi

# --- the files, their modes and their contents -------------------------------
check_eq "installed files and modes" \
        "$(printf '%s\n' "$EXPECTED" | awk '{ print $1, $2 }' | sort -k2)" \
        "$(find "$DEST" \( -type f -o -type l \) -printf '%#m /%P\n' | sort -k2)"

while read -r _ path src; do
        if [ ! -f "$DEST$path" ]; then
                not_ok "$path is installed"
        elif [ -L "$DEST$path" ]; then
                not_ok "$path is a file, not a link"
        else
                [[ $src == /* ]] || src=$TOP/$src # BUILDDIR may be absolute
                check_files_eq "$path is ${src#"$TOP/"}" "$src" "$DEST$path"
        fi
done <<<"$EXPECTED"

check_eq "/var/lib/kvmigrate is made, mode 0755" "0755 directory" \
        "$(stat -c '%#a %F' "$DEST/var/lib/kvmigrate" 2>&1)"
check_eq "migratectl --version" "kvmigrate $VERSION" "$("$DEST/usr/bin/migratectl" --version 2>&1)"
check_eq "migrated --version" "kvmigrate $VERSION" "$("$DEST/usr/lib/kvmigrate/migrated" --version 2>&1)"

# --- the folders are the ones the readers use --------------------------------
if need systemd-analyze; then
        check "$UNITDIR is on systemd's unit search path" \
                grep -qxF "$UNITDIR" <(systemd-analyze unit-paths 2>/dev/null)
else
        skip "$UNITDIR is on systemd's unit search path" "systemd-analyze is missing"
fi
# dracut reads modules from $dracutbasedir/modules.d, /usr/lib/dracut unless pkg-config says else.
check_eq "the dracut module is in dracut's modules.d" "modules.d" "$(basename "$DRACUTDIR")"

# --- systemd-analyze verify --------------------------------------------------
# systemd 252's "verify --root=DIR" reads the units from DIR's unit folders
# and resolves ExecStart= binaries inside DIR (verify_executable() with the
# root), so a missing binary or a misspelt path in the tree is an error. The
# man: links in Documentation= are checked by running man(1), which knows
# nothing of --root: MANPATH points it at the tree. What the tree cannot hold
# is the rest of the system: a unit pulled in as a dependency (Type=dbus needs
# dbus.socket, default dependencies need sysinit.target) is "not found" there.
# Only those lines are dropped, and only for units this machine's systemd has
# and the tree does not.
#
# The second run is the converse: the installed unit files against this
# machine's unit path (every dependency resolves), where only the binaries,
# which are in the tree and not installed here, are missing.
host_has_unit() {
        local d
        [ -n "$(find "$DEST" -name "$1" -print -quit)" ] && return 1
        for d in $(systemd-analyze unit-paths 2>/dev/null); do
                [ -e "$d/$1" ] && return 0
        done
        return 1
}

# filter_verify KIND: verify's output on stdin without what lies outside the tree.
filter_verify() {
        local line re_unit='^[^:]+: Failed to create [^ ]+/start: Unit ([^ ]+) not found\.$'
        local re_exec='^[^:]+: Command (/[^ ]+) is not executable: No such file or directory$'
        while IFS= read -r line; do
                if [ "$1" = root ] && [[ $line =~ $re_unit ]] && host_has_unit "${BASH_REMATCH[1]}"; then
                        echo "# outside the tree, ignored: $line" >&2
                elif [ "$1" = host ] && [[ $line =~ $re_exec ]] && [ -x "$DEST${BASH_REMATCH[1]}" ]; then
                        echo "# in the tree only, ignored: $line" >&2
                else
                        printf '%s\n' "$line"
                fi
        done
}

UNITS=("$DEST$UNITDIR/kvmigrate.service" "$DEST$UNITDIR/kvmigrate-migrated.service")
if need systemd-analyze man; then
        out=$(cd / && MANPATH=$DEST$MANDIR SYSTEMD_LOG_COLOR=0 systemd-analyze verify --root="$DEST" "${UNITS[@]}" 2>&1)
        check_eq "systemd-analyze verify --root=DESTDIR kvmigrate.service kvmigrate-migrated.service" "" \
                "$(printf '%s\n' "$out" | filter_verify root | sed '/^$/d')"
        out=$(cd / && MANPATH=$DEST$MANDIR SYSTEMD_LOG_COLOR=0 systemd-analyze verify "${UNITS[@]}" 2>&1)
        check_eq "systemd-analyze verify of the installed units against this machine's units" "" \
                "$(printf '%s\n' "$out" | filter_verify host | sed '/^$/d')"
else
        skip "systemd-analyze verify --root=DESTDIR" "systemd-analyze or man is missing"
        skip "systemd-analyze verify against this machine's units" "systemd-analyze or man is missing"
fi

# verify only orders the jobs of the units it is given and what they pull
# in; kvmigrate.service only orders itself against the early-boot services,
# which boot pulls in anyway (local-fs.target wants systemd-remount-fs, the
# fstab generator systemd-fsck-root). So put them into one transaction, as
# boot does, and look for an ordering cycle: systemd breaks one by dropping
# a job, which could be the migration or the root's fsck.
if need systemd-analyze && host_has_unit systemd-fsck-root.service && host_has_unit systemd-remount-fs.service; then
        mkdir -p "$WORK/order"
        cat >"$WORK/order/kvmigrate-order-check.target" <<-EOF
	[Unit]
	Description=kvmigrate.service in one transaction with the early-boot units
	Wants=kvmigrate.service systemd-fsck-root.service systemd-remount-fs.service local-fs.target
	EOF
        out=$(cd / && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no \
                "$WORK/order/kvmigrate-order-check.target" "$DEST$UNITDIR/kvmigrate.service" 2>&1)
        check_eq "kvmigrate.service: no ordering cycle with systemd-fsck-root and systemd-remount-fs" "" \
                "$(printf '%s\n' "$out" | grep -i 'ordering cycle\|Found dependency on')"
else
        skip "kvmigrate.service: no ordering cycle with the early-boot units" \
                "systemd-analyze or systemd-fsck-root.service is missing"
fi

if need systemctl; then
        rm -rf "$WORK/preset" && cp -a "$DEST" "$WORK/preset"
        out=$(systemctl --root="$WORK/preset" preset kvmigrate.service kvmigrate-initramfs.service \
                kvmigrate-migrated.service 2>&1)
        check_eq "systemctl preset enables kvmigrate.service in sysinit.target" "$UNITDIR/kvmigrate.service" \
                "$(readlink "$WORK/preset/etc/systemd/system/sysinit.target.wants/kvmigrate.service" 2>&1 || printf '%s\n' "$out")"
        check_eq "systemctl preset enables kvmigrate-initramfs.service in multi-user.target" \
                "$UNITDIR/kvmigrate-initramfs.service" \
                "$(readlink "$WORK/preset/etc/systemd/system/multi-user.target.wants/kvmigrate-initramfs.service" 2>&1 || printf '%s\n' "$out")"
else
        skip "systemctl preset" "systemctl is missing"
fi

# --- D-Bus ---------------------------------------------------------------------
POLICY=$DEST$DBUSPOLICYDIR/$BUS_NAME.conf
if need xmllint; then
        # --nonet: the DOCTYPE names the DTD by URL; well-formedness needs no network.
        check "D-Bus policy is well-formed XML (xmllint)" xmllint --noout --nonet "$POLICY"
elif need python3; then
        check "D-Bus policy is well-formed XML (python3)" python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$POLICY"
else
        skip "D-Bus policy is well-formed XML" "neither xmllint nor python3"
fi
if need python3; then
        check_eq "D-Bus policy: <busconfig>, root owns $BUS_NAME" "busconfig root-owns" "$(python3 - "$POLICY" "$BUS_NAME" <<-'EOF' 2>&1
	import sys, xml.dom.minidom
	doc = xml.dom.minidom.parse(sys.argv[1]).documentElement
	owns = any(p.getAttribute("user") == "root" and
	           any(a.getAttribute("own") == sys.argv[2] for a in p.getElementsByTagName("allow"))
	           for p in doc.getElementsByTagName("policy"))
	print(doc.tagName, "root-owns" if owns else "root-does-not-own")
	EOF
        )"
else
        skip "D-Bus policy: root owns $BUS_NAME" "python3 is missing"
fi

# key FILE KEY: the value of KEY= in an ini-style file (the last one).
key() { sed -n "s/^$2=//p" "$1" | tail -1; }
ACT=$DEST$DBUSSERVICEDIR/$BUS_NAME.service
check_eq "activation file: Name=" "$BUS_NAME" "$(key "$ACT" Name)"
exec_path=$(key "$ACT" Exec)
check_eq "activation file: Exec= names the installed migrated" /usr/lib/kvmigrate/migrated "$exec_path"
check "activation file: Exec= is executable in the tree" test -x "$DEST${exec_path%% *}"
svc=$(key "$ACT" SystemdService)
check "activation file: SystemdService=$svc is installed" test -f "$DEST$UNITDIR/$svc"
if [ -f "$DEST$UNITDIR/$svc" ]; then
        check_eq "$svc: BusName= is the activation file's Name=" "$BUS_NAME" "$(key "$DEST$UNITDIR/$svc" BusName)"
        check_eq "$svc: ExecStart= is the activation file's Exec=" "$exec_path" "$(key "$DEST$UNITDIR/$svc" ExecStart)"
fi
exec_start=$(key "$DEST$UNITDIR/kvmigrate.service" ExecStart)
check "kvmigrate.service: ExecStart=$exec_start is executable in the tree" test -x "$DEST${exec_start%% *}"

# --- man pages -----------------------------------------------------------------
if need man groff; then
        for page in "$DEST$MANDIR"/man*/*; do
                [ -f "$page" ] || continue
                rel=${page#"$DEST"}
                check_eq "man -l $rel renders without warnings" "" \
                        "$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)"
                check_eq "groff -man -ww $rel: no warnings" "" "$(groff -man -ww -z "$page" 2>&1)"
        done
        for ref in 1:migratectl 5:kvmigrate.conf 8:migrated; do
                check_eq "man $ref finds the installed page" "$DEST$MANDIR/man${ref%%:*}/${ref#*:}.${ref%%:*}" \
                        "$(man -M "$DEST$MANDIR" -w "${ref%%:*}" "${ref#*:}" 2>&1)"
        done
        # Every Documentation=man:PAGE(N) of the units is installed.
        for unit in "$DEST$UNITDIR"/*.service; do
                for doc in $(key "$unit" Documentation); do
                        [[ $doc =~ ^man:([^\(]+)\(([0-9])\)$ ]] || continue
                        check "$(basename "$unit"): Documentation=$doc is installed" \
                                test -f "$DEST$MANDIR/man${BASH_REMATCH[2]}/${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
                done
        done
else
        skip "man pages render without warnings" "man or groff is missing"
fi

# --- dracut module -------------------------------------------------------------
for f in module-setup.sh kvmigrate-pre-pivot.sh kvmigrate-links.sh; do
        check "dracut $f is executable" test -x "$DEST$DRACUTDIR/90kvmigrate/$f"
done
check "dracut module-setup.sh: bash -n" bash -n "$DEST$DRACUTDIR/90kvmigrate/module-setup.sh"
# The hooks run in the initramfs's /bin/sh, which may be dash or busybox.
for f in kvmigrate-pre-pivot.sh kvmigrate-links.sh; do
        if need dash; then
                check "dracut $f: dash -n" dash -n "$DEST$DRACUTDIR/90kvmigrate/$f"
        else
                check "dracut $f: sh -n" sh -n "$DEST$DRACUTDIR/90kvmigrate/$f"
        fi
done

finish
