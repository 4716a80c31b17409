# Shared helpers for the integration tests (bash). Each test script prints
# TAP-style lines, "ok N - name", "not ok N - name", "ok N - name # SKIP why";
# tests/run-tests counts them.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BUILDDIR:=build}"
MIGRATECTL=${MIGRATECTL:-$TOP/$BUILDDIR/migratectl}
MIGRATED=${MIGRATED:-$TOP/$BUILDDIR/migrated}
FIXTURES=$TOP/tests/fixtures

_t_n=0
_t_failed=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvmigrate-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $*"; }
not_ok() { _t_n=$((_t_n + 1)); _t_failed=$((_t_failed + 1)); echo "not ok $_t_n - $*"; }

# skip NAME WHY: under CI a missing prerequisite is a failure, not a skip.
skip() {
        local name=$1 why=$2
        if [ "${CI:-}" = true ]; then
                not_ok "$name (cannot run under CI: $why)"
        else
                _t_n=$((_t_n + 1))
                echo "ok $_t_n - $name # SKIP $why"
        fi
}

# check NAME COMMAND...: passes when the command succeeds; shows its output when not.
check() {
        local name=$1 out
        shift
        if out=$("$@" 2>&1); then
                ok "$name"
        else
                not_ok "$name"
                printf '%s\n' "$out" | sed 's/^/# /' | head -40
        fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1"
                diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/# /' | head -40
        fi
}

# check_files_eq NAME EXPECTED_FILE ACTUAL_FILE: byte for byte.
check_files_eq() {
        if cmp -s "$2" "$3"; then
                ok "$1"
        else
                not_ok "$1"
                diff -u "$2" "$3" 2>&1 | sed 's/^/# /' | head -40
        fi
}

need() {
        local tool
        for tool in "$@"; do
                command -v "$tool" >/dev/null 2>&1 || return 1
        done
}

finish() {
        [ "$_t_failed" -eq 0 ]
}

# mkfs_image FILE TYPE UUID LABEL [SIZE_MB]: a real filesystem with a chosen
# identity ("-" for no label). xfs needs 300 MiB; files are sparse.
mkfs_image() {
        local file=$1 type=$2 uuid=$3 label=$4 size=${5:-}
        local -a l=()
        [ "$label" != - ] && l=(-L "$label")
        [ -n "$size" ] || case $type in xfs) size=300 ;; *) size=64 ;; esac
        rm -f "$file"
        truncate -s "${size}M" "$file"
        case $type in
        ext2 | ext3 | ext4) mkfs."$type" -q -F -U "$uuid" "${l[@]}" "$file" ;;
        swap) mkswap -U "$uuid" "${l[@]}" "$file" >/dev/null 2>&1 ;;
        xfs) mkfs.xfs -q -f -m uuid="$uuid" "${l[@]}" "$file" ;;
        vfat)
                [ "$label" != - ] && l=(-n "$label")
                mkfs.vfat -i "${uuid//-/}" "${l[@]}" "$file" >/dev/null ;;
        none) ;;
        *) echo "mkfs_image: unknown type $type" >&2; return 1 ;;
        esac
}

# make_disks SPEC DIR: build the disk images a fixture's "disks" file
# describes, and print the matching --disk arguments.
#   sda  ext4  UUID  LABEL          whole-disk filesystem
#   sdb  gpt   -     -              partition table; partitions follow:
#   sdb1 ext4  UUID  LABEL [PARTUUID]
make_disks() {
        local spec=$1 dir=$2 name type uuid label partuuid args=() table="" disk=""
        local -A parts=()
        while read -r name type uuid label partuuid; do
                case $name in '' | '#'*) continue ;; esac
                case $type in
                gpt | dos)
                        disk=$name table=$type
                        truncate -s 0 "$dir/$name.img"
                        args+=("--disk" "$name=$dir/$name.img")
                        echo "label: $type" >"$dir/$name.sfdisk"
                        [ "$uuid" != - ] && echo "label-id: $uuid" >>"$dir/$name.sfdisk"
                        ;;
                *)
                        if [ -n "$disk" ] && [[ $name == "$disk"[0-9]* ]]; then
                                mkfs_image "$dir/$name.part" "$type" "$uuid" "$label" || return 1
                                local size=$(($(stat -c %s "$dir/$name.part") / 512))
                                local line="size=$size"
                                [ "$table" = gpt ] && [ -n "${partuuid:-}" ] && line="$line, uuid=$partuuid"
                                [ "$table" = dos ] && { [ "$type" = swap ] && line="$line, type=82" || line="$line, type=83"; }
                                echo "$line" >>"$dir/$disk.sfdisk"
                                parts[$name]=$disk
                        else
                                disk=""
                                mkfs_image "$dir/$name.img" "$type" "$uuid" "$label" || return 1
                                args+=("--disk" "$name=$dir/$name.img")
                        fi
                        ;;
                esac
        done <"$spec"

        # Assemble each partitioned disk: table first, then each filesystem at its offset.
        local d
        for d in $(printf '%s\n' "${parts[@]}" | sort -u); do
                local total=2048
                for p in "${!parts[@]}"; do
                        [ "${parts[$p]}" = "$d" ] && total=$((total + $(stat -c %s "$dir/$p.part") / 512 + 2048))
                done
                truncate -s $(((total + 2048) * 512)) "$dir/$d.img"
                sfdisk -q "$dir/$d.img" <"$dir/$d.sfdisk" >/dev/null || return 1
                sfdisk -d "$dir/$d.img" | sed -n "s|^$dir/$d.img\([0-9]*\) : start= *\([0-9]*\),.*|\1 \2|p" |
                        while read -r num start; do
                                dd if="$dir/$d$num.part" of="$dir/$d.img" bs=512 seek="$start" conv=notrunc,sparse status=none
                        done
        done
        printf '%s\n' "${args[@]}"
}

# mount_hypervisor_type FILE: in a private mount namespace (unshare -m), make
# /sys/hypervisor/type read what FILE holds, and what is written to it later:
# FILE bound over it, or a tmpfs where this machine has no /sys/hypervisor.
# Exported, for the "bash -c" that unshare runs.
mount_hypervisor_type() {
        if [ -e /sys/hypervisor/type ]; then
                mount --bind "$1" /sys/hypervisor/type
        elif [ -d /sys/hypervisor ]; then
                mount -t tmpfs tmpfs /sys/hypervisor && cp "$1" /sys/hypervisor/type
        else
                mount -t tmpfs tmpfs /sys && mkdir /sys/hypervisor && cp "$1" /sys/hypervisor/type
        fi
}
export -f mount_hypervisor_type

# start_private_bus: a dbus-daemon on $WORK/bus with the system bus's
# default-deny policy (dbus's system.conf), the project's own policy, and
# $WORK/bus.d for a test's additions; its pid goes to the caller's PIDS
# array, DBUS_SYSTEM_BUS_ADDRESS points at it, its log is $WORK/dbus.log.
# Return: 1 when it did not start.
start_private_bus() {
        local i
        mkdir -p "$WORK/bus.d"
        cat >"$WORK/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
        "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
        <type>system</type>
        <listen>unix:path=$WORK/bus</listen>
        <auth>EXTERNAL</auth>
        <!-- The default-deny policy of the system bus (dbus's system.conf). -->
        <policy context="default">
                <allow user="*"/>
                <deny own="*"/>
                <deny send_type="method_call"/>
                <allow send_type="signal"/>
                <allow send_requested_reply="true" send_type="method_return"/>
                <allow send_requested_reply="true" send_type="error"/>
                <allow receive_type="method_call"/>
                <allow receive_type="method_return"/>
                <allow receive_type="error"/>
                <allow receive_type="signal"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
        </policy>
        <!-- For busctl monitor. -->
        <policy user="root">
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
        </policy>
        <include>$TOP/units/org.kvmigrate.Migrate1.conf</include>
        <includedir>$WORK/bus.d</includedir>
</busconfig>
EOF
        dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile --print-address=3 \
                3>"$WORK/bus.address" 2>"$WORK/dbus.log" &
        PIDS+=($!)
        for ((i = 0; i < 100; i++)); do
                [ -S "$WORK/bus" ] && [ -s "$WORK/bus.address" ] && break
                sleep 0.1
        done
        [ -S "$WORK/bus" ] || return 1
        export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus
}
