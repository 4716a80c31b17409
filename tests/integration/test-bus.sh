#!/bin/bash
# migrated on a private dbus-daemon that loads the project's own bus policy
# (units/org.kvmigrate.Migrate1.conf), serving a guest root made like the
# "linode" fixture. busctl is the client, as root and as nobody (dbus-send
# where the exact error name matters); migratectl status is checked through
# the bus and from the state file, with hand-written records, and --wait
# both for a run that finishes and for one that never does. The plain
# build's daemon runs once more under valgrind.
#
# Needs root: a system-type bus, setpriv to become nobody.

. "$(dirname "$0")/../lib/testlib.sh"

BUS_NAME=org.kvmigrate.Migrate1
BUS_PATH=/org/kvmigrate/Migrate1
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
UUID_ROOT=11111111-1111-4111-8111-111111111111
UUID_SWAP=22222222-2222-4222-8222-222222222222
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
export TZ=UTC LC_ALL=C

# Every process started here is killed on the way out.
PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
        rm -rf "$WORK"
}
trap cleanup EXIT

need dbus-daemon dbus-send busctl setpriv timeout mkfs.ext4 mkswap sfdisk ||
        { skip "bus" "dbus-daemon, dbus-send, busctl, setpriv or the mkfs tools are missing"; finish; exit; }
[ "$(id -u)" -eq 0 ] || { skip "bus" "needs root (a system bus policy, setpriv)"; finish; exit; }
[ -x "$MIGRATED" ] || { not_ok "bus: $MIGRATED is built"; finish; exit; }

# --- helpers ---------------------------------------------------------------

bctl() { timeout 30 busctl "$@"; }
call() { bctl call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" "$@"; }
prop() { bctl get-property "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" "$@"; }
nobody_busctl() { "${NOBODY[@]}" timeout 30 busctl "$@"; }
# dbus-send prints the error name: "Error org.freedesktop.DBus.Error.AccessDenied: ..."
nobody_send() { "${NOBODY[@]}" timeout 30 dbus-send --system --print-reply --dest="$BUS_NAME" "$BUS_PATH" "$BUS_NAME.$1" 2>&1; }

# wait_for_name TENTHS: until Describe() answers.
wait_for_name() {
        local i
        for ((i = 0; i < $1; i++)); do
                call Describe >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

proc_state() { sed -n 's/.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null; }

# wait_exit PID SECONDS: wait until PID ends (SIGKILL after SECONDS); its exit code in $RC.
wait_exit() {
        local pid=$1 i s
        for ((i = 0; i < $2 * 10; i++)); do
                s=$(proc_state "$pid")
                [ -z "$s" ] || [ "$s" = Z ] && break
                sleep 0.1
        done
        s=$(proc_state "$pid")
        [ -n "$s" ] && [ "$s" != Z ] && kill -KILL "$pid" 2>/dev/null
        RC=0
        wait "$pid" 2>/dev/null || RC=$?
}

# start_daemon LOG COMMAND...: COMMAND (migrated, maybe wrapped) on the guest, in the background.
start_daemon() {
        local log=$1
        shift
        "$@" --root "$ROOT" --hypervisor kvm "${DISKS[@]}" >"$log" 2>&1 &
        DAEMON_PID=$!
        PIDS+=("$DAEMON_PID")
}

# monitor_start FILE: capture PropertiesChanged of the object; returns once the capture sees signals.
monitor_start() {
        local i
        timeout 60 busctl monitor \
                --match="type='signal',path='$BUS_PATH',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
                >"$1" 2>&1 &
        MON_PID=$!
        PIDS+=("$MON_PID")
        for ((i = 0; i < 50; i++)); do
                bctl emit "$BUS_PATH" org.freedesktop.DBus.Properties PropertiesChanged 'sa{sv}as' \
                        org.kvmigrate.Sentinel 0 0 >/dev/null 2>&1
                grep -q Sentinel "$1" && return 0
                sleep 0.1
        done
        return 1
}

# monitor_saw FILE PROPERTY VALUE: a PropertiesChanged carried PROPERTY with the string VALUE.
monitor_saw() {
        local i
        for ((i = 0; i < 50; i++)); do
                grep -A4 "STRING \"$2\";" "$1" | grep -q "STRING \"$3\";" && return 0
                sleep 0.1
        done
        return 1
}

monitor_stop() {
        kill "$MON_PID" 2>/dev/null
        wait "$MON_PID" 2>/dev/null
}

# write_record ROOT STATE: a state record written by hand, atomically (as state_save does).
write_record() {
        local dir=$1/var/lib/kvmigrate result=applied
        mkdir -p "$dir"
        case $2 in failed) result=not-applied ;; running) result=planned ;; esac
        {
                echo "# kvmigrate state record; see migratectl(1)"
                echo "state=$2"
                echo "hypervisor=kvm"
                echo "mode=virtio-scsi+virtio-net"
                echo "started=1732412345000000"
                [ "$2" = running ] || echo "finished=1732412346000000"
                echo "mapping old=xvda new=sda uuid=$UUID_ROOT label=linode-root type=ext4 method=uuid"
                echo "mapping old=xvdb new=sdb uuid=$UUID_SWAP type=swap method=uuid"
                if [ "$2" = degraded ]; then
                        echo "edit path=/etc/fstab fixer=fstab result=applied"
                        echo "edit path=/etc/crypttab fixer=crypttab result=failed"
                        echo 'warning message=sd\x20names\x20are\x20not\x20stable'
                        echo 'error message=/etc/crypttab:\x20Read-only\x20file\x20system'
                else
                        echo "edit path=/etc/fstab fixer=fstab result=$result"
                fi
                [ "$2" = failed ] && echo 'error message=xvdc:\x20no\x20device\x20holds\x20UUID\x3d33'
        } >"$dir/state.new"
        mv -f "$dir/state.new" "$dir/state"
}

# json_state: the "state" of the JSON object on stdin, wrapped in busctl --json output when $1 is "bus".
if need python3 && python3 -c 'import json' 2>/dev/null; then
        json_state() {
                python3 -c 'import json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "bus":
    d = json.loads(d["data"][0])
print(d["state"])' "${1:-plain}"
        }
elif need jq; then
        json_state() {
                if [ "${1:-plain}" = bus ]; then jq -er '.data[0] | fromjson | .state'; else jq -er .state; fi
        }
else
        json_state() { return 2; }
fi

usec_now() { date +%s%N | sed 's/...$//'; }

# --- a private system bus with the project's policy ------------------------

chmod 755 "$WORK" # nobody must reach the bus socket
if ! start_private_bus; then
        not_ok "bus: a private dbus-daemon starts with the project's policy"
        sed 's/^/# /' "$WORK/dbus.log"
        finish
        exit
fi
ok "bus: a private dbus-daemon starts with the project's policy"

# --- the guest ---------------------------------------------------------------

CASE=$FIXTURES/cases/linode
ROOT=$WORK/guest/root
mkdir -p "$WORK/guest/disks"
cp -a "$CASE/root" "$ROOT"
mkdir -p "$ROOT/var/lib"
cp "$ROOT/etc/fstab" "$WORK/fstab.orig"
mapfile -t DISKS < <(make_disks "$CASE/disks" "$WORK/guest/disks")
[ ${#DISKS[@]} -eq 4 ] || { not_ok "bus: the linode disks are made"; finish; exit; }
# Its network as Xen left it: networkd configures enX0 (the guest was never
# armed, so its configs tell the Xen NIC); the NIC it has now is ens3.
mkdir -p "$ROOT/etc/systemd/network"
printf '[Match]\nName=enX0\n\n[Network]\nDHCP=yes\n' >"$ROOT/etc/systemd/network/10-xen.network"
DISKS+=(--nic ens3=52:54:00:12:34:56,virtio_net)
GUEST_DISKS=("${DISKS[@]}")

# --- migrated, with readiness reported to a notify socket --------------------

NOTIFY=()
if need python3; then
        python3 - "$WORK/notify" >"$WORK/notify.out" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
while True:
    m = s.recv(4096).decode()
    print(m, flush=True)
    if "READY=1" in m:
        break
EOF
        PIDS+=($!)
        NOTIFY_PID=$!
        for ((i = 0; i < 50; i++)); do [ -S "$WORK/notify" ] && break; sleep 0.1; done
        NOTIFY=(env NOTIFY_SOCKET="$WORK/notify")
fi

start_daemon "$WORK/migrated.log" "${NOTIFY[@]}" "$MIGRATED" --idle-timeout 0
if ! wait_for_name 100; then
        not_ok "bus: migrated owns $BUS_NAME"
        sed 's/^/# /' "$WORK/migrated.log" "$WORK/dbus.log"
        finish
        exit
fi
ok "bus: migrated owns $BUS_NAME"

if [ ${#NOTIFY[@]} -gt 0 ]; then
        wait_exit "$NOTIFY_PID" 10
        check_eq "bus: sd_notify READY=1 with the state as status text" \
                $'READY=1\nSTATUS=State: not-needed' "$(grep -v '^$' "$WORK/notify.out")"
else
        skip "bus: sd_notify READY=1" "python3 is missing"
fi

# --- introspection and properties ------------------------------------------

bctl introspect "$BUS_NAME" "$BUS_PATH" >"$WORK/introspect" 2>&1
check "bus: introspect lists the interface" grep -q "^$BUS_NAME *interface " "$WORK/introspect"
check_eq "bus: introspect lists the methods with their signatures" \
        ".Arm - -
.Describe - s
.Plan - s
.Rollback - s
.Run - s" \
        "$(bctl introspect "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" | awk '$2 == "method" { print $1, $3, $4 }')"
check_eq "bus: introspect lists each property with its type and flags" \
        ".Edits a(sss) emits-change
.Errors as emits-change
.FinishedUSec t emits-change
.Hypervisor s emits-change
.Mappings a(ssssss) emits-change
.Mode s emits-change
.Network a(sssss) emits-change
.StartedUSec t emits-change
.State s emits-change
.Version s const
.Warnings as emits-change" \
        "$(bctl introspect "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" | awk '$2 == "property" { print $1, $3, $NF }')"

check_eq "bus: properties before any run" \
        's "not-needed"
s ""
s ""
a(ssssss) 0
a(sss) 0
as 0
as 0
t 0
t 0
s "'"$VERSION"'"' \
        "$(prop State Hypervisor Mode Mappings Edits Warnings Errors StartedUSec FinishedUSec Version)"

if out=$(bctl --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Describe | json_state bus); then
        check_eq "bus: Describe() parses as JSON and says not-needed" not-needed "$out"
elif [ $? -eq 2 ]; then
        skip "bus: Describe() parses as JSON" "neither python3 nor jq is installed"
else
        not_ok "bus: Describe() parses as JSON"
fi

# --- nobody: may read and plan, may not change ----------------------------

check_eq "bus: nobody reads State" 's "not-needed"' \
        "$(nobody_busctl get-property "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" State 2>&1)"
check "bus: nobody introspects (GetAll)" nobody_busctl introspect "$BUS_NAME" "$BUS_PATH" "$BUS_NAME"
check "bus: nobody gets the plan, and it rewrites the root to its UUID" \
        grep -q "UUID=$UUID_ROOT" <(nobody_busctl call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Plan 2>&1)

for method in Run Rollback Arm; do
        out=$(nobody_send "$method")
        check_eq "bus: nobody calling $method() gets AccessDenied from the bus policy" \
                "Error org.freedesktop.DBus.Error.AccessDenied" "$(printf '%s\n' "$out" | grep -o '^Error [^:]*')"
done
check "bus: busctl as nobody fails on Run() too" \
        bash -c '! "$@"' _ "${NOBODY[@]}" timeout 30 busctl call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Run
check_files_eq "bus: nobody's calls changed nothing (fstab)" "$WORK/fstab.orig" "$ROOT/etc/fstab"
check "bus: nobody's calls wrote no record" test ! -e "$ROOT/var/lib/kvmigrate"
check_eq "bus: nobody's calls left State alone" 's "not-needed"' "$(prop State)"

# --- root runs: PropertiesChanged, the record, the files ------------------

if monitor_start "$WORK/monitor.run"; then
        check_eq "bus: Run() as root returns the new state" 's "done"' "$(call Run 2>&1)"
        check "bus: PropertiesChanged says State running during Run()" monitor_saw "$WORK/monitor.run" State running
        check "bus: PropertiesChanged says State done after Run()" monitor_saw "$WORK/monitor.run" State done
        monitor_stop
else
        not_ok "bus: busctl monitor captures PropertiesChanged"
        sed 's/^/# /' "$WORK/monitor.run"
        call Run >/dev/null 2>&1
fi
check_files_eq "bus: Run() rewrote fstab as expected" "$CASE/expected/etc/fstab" "$ROOT/etc/fstab"
check_eq "bus: properties after Run()" \
        's "done"
s "kvm"
a(ssssss) 2 "xvda" "sda" "'$UUID_ROOT'" "linode-root" "ext4" "order" "xvdb" "sdb" "'$UUID_SWAP'" "" "swap" "order"
a(sssss) 1 "enX0" "ens3" "" "52:54:00:12:34:56" "only"
a(sss) 2 "/etc/fstab" "fstab" "applied" "/etc/udev/rules.d/70-kvmigrate-net.rules" "net" "applied"' \
        "$(prop State Hypervisor Mappings Network Edits)"
check_eq "bus: Run() gave the new NIC the Xen name" \
        'SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="52:54:00:12:34:56", ATTR{type}=="1", NAME="enX0"' \
        "$(grep -v '^#' "$ROOT/etc/udev/rules.d/70-kvmigrate-net.rules")"
started=$(prop StartedUSec | cut -d' ' -f2)
finished=$(prop FinishedUSec | cut -d' ' -f2)
check "bus: StartedUSec and FinishedUSec are set, in order" test "$started" -gt 0 -a "$finished" -ge "$started"
check_eq "bus: a second Plan() is empty" 's ""' "$(call Plan 2>&1)"

# The daemon's own check, with the policy widened (as a careless local policy might).
cat >"$WORK/bus.d/wide-open.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
        "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy context="default"><allow send_destination="$BUS_NAME"/></policy></busconfig>
EOF
bctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
for method in Run Rollback Arm; do
        out=$(nobody_send "$method")
        check_eq "bus: with the policy widened, migrated itself denies $method() to nobody" \
                "Error org.freedesktop.DBus.Error.AccessDenied: $method() is for root only; the caller is uid 65534" \
                "$(printf '%s\n' "$out" | grep '^Error')"
done
rm -f "$WORK/bus.d/wide-open.conf"
bctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
check_files_eq "bus: and nothing changed (fstab)" "$CASE/expected/etc/fstab" "$ROOT/etc/fstab"
check_eq "bus: and State is still done" 's "done"' "$(prop State)"

# --- migratectl status through the bus ------------------------------------

# "/" is the live system: with the bus reachable, status asks migrated, which serves $ROOT.
rc=0
via_bus=$(timeout 30 "$MIGRATECTL" status 2>&1) || rc=$?
via_file=$(timeout 30 "$MIGRATECTL" --root "$ROOT" status 2>&1)
check_eq "migratectl status through the bus exits 0 for done" 0 "$rc"
check_eq "migratectl status through the bus prints what the file says" "$via_file" "$via_bus"
check "migratectl status through the bus says done" grep -qx '       State: done' <<<"$via_bus"

check_eq "bus: Rollback() returns the new state" 's "rolled-back"' "$(call Rollback 2>&1)"
check_files_eq "bus: Rollback() restores fstab byte for byte" "$WORK/fstab.orig" "$ROOT/etc/fstab"
check_eq "bus: State after Rollback()" 's "rolled-back"' "$(prop State)"
# Nothing left to roll back: a named error on the bus; for migratectl, nothing to do (exit 0).
out=$(timeout 30 dbus-send --system --print-reply --dest="$BUS_NAME" "$BUS_PATH" "$BUS_NAME.Rollback" 2>&1)
check "bus: a second Rollback() is the NoBackup error" grep -q "org.kvmigrate.Migrate1.Error.NoBackup" <<<"$out"
rc=0
out=$(timeout 30 "$MIGRATECTL" rollback 2>&1) || rc=$?
check_eq "migratectl rollback through the bus with nothing to roll back exits 0" 0 "$rc"
check_eq "migratectl rollback through the bus says there is nothing to roll back" \
        "migratectl: nothing to roll back: no backup in /var/lib/kvmigrate/backup" "$out"

# A record changed underneath migrated (the boot-time run) is signalled too.
if monitor_start "$WORK/monitor.ext"; then
        write_record "$ROOT" failed
        check "bus: a record written by someone else is signalled (State failed)" \
                monitor_saw "$WORK/monitor.ext" State failed
        monitor_stop
else
        not_ok "bus: busctl monitor captures PropertiesChanged"
        write_record "$ROOT" failed
fi
rc=0
out=$(timeout 30 "$MIGRATECTL" status 2>&1) || rc=$?
check_eq "migratectl status through the bus exits 1 for failed" 1 "$rc"
check "migratectl status through the bus says failed" grep -qx '       State: failed' <<<"$out"

# --wait through the bus: a run that never ends is given up after --timeout ...
write_record "$ROOT" running
t0=$(usec_now)
rc=0
timeout 30 "$MIGRATECTL" status --wait --timeout=1 >"$WORK/wait.out" 2>&1 || rc=$?
t1=$(usec_now)
check_eq "migratectl status --wait through the bus gives up on a run that never ends: exit 3" 3 "$rc"; [ "$rc" = 3 ] || sed "s/^/# /" "$WORK/wait.out"
check "migratectl status --wait through the bus waited about --timeout (1 s)" \
        test $((t1 - t0)) -ge 1000000 -a $((t1 - t0)) -lt 10000000

# ... and one that finishes is seen at once, by its PropertiesChanged.
t0=$(usec_now)
timeout 30 "$MIGRATECTL" status --wait --timeout=20 >"$WORK/wait.out" 2>&1 &
waiter=$!
PIDS+=("$waiter")
sleep 0.5
write_record "$ROOT" done
wait_exit "$waiter" 30
t1=$(usec_now)
check_eq "migratectl status --wait through the bus returns 0 when the run finishes" 0 "$RC"
check "migratectl status --wait through the bus prints the final record" \
        grep -qx '       State: done' "$WORK/wait.out"
check "migratectl status --wait through the bus returned soon after the change" \
        test $((t1 - t0)) -lt 5000000

kill -TERM "$DAEMON_PID"
wait_exit "$DAEMON_PID" 30
check_eq "bus: migrated exits 0 after SIGTERM (sanitizers quiet)" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/# /' "$WORK/migrated.log" | tail -40

# --- migratectl status from the file ----------------------------------------

started_text=$(date -u -d @1732412345 '+%a %Y-%m-%d %H:%M:%S %Z')
finished_text=$(date -u -d @1732412346 '+%a %Y-%m-%d %H:%M:%S %Z')
head_text() {
        printf '%12s: %s\n' State "$1" Hypervisor "kvm (virtio-scsi+virtio-net)" Started "$started_text" \
                Finished "$finished_text"
        printf '    Mappings: xvda → sda UUID=%s LABEL="linode-root" (uuid, ext4)\n' "$UUID_ROOT"
        printf '              xvdb → sdb UUID=%s (uuid, swap)\n' "$UUID_SWAP"
}
declare -A expect_rc=([done]=0 [failed]=1 [degraded]=2 [not-needed]=0)
declare -A expect_text
expect_text[done]="$(head_text done)
       Edits: /etc/fstab (fstab) applied"
expect_text[failed]="$(head_text failed)
       Edits: /etc/fstab (fstab) not-applied
      Errors: xvdc: no device holds UUID=33"
expect_text[degraded]="$(head_text degraded)
       Edits: /etc/fstab (fstab) applied
              /etc/crypttab (crypttab) failed
    Warnings: sd names are not stable
      Errors: /etc/crypttab: Read-only file system"
expect_text[not-needed]="       State: not-needed"

for state in done failed degraded not-needed; do
        r=$WORK/status-$state
        mkdir -p "$r"
        [ "$state" = not-needed ] || write_record "$r" "$state"
        rc=0
        out=$(timeout 30 "$MIGRATECTL" --root "$r" status 2>&1) || rc=$?
        check_eq "migratectl status: a $state record exits ${expect_rc[$state]}" "${expect_rc[$state]}" "$rc"
        check_eq "migratectl status: a $state record is printed in full" "${expect_text[$state]}" "$out"
        rc=0
        out=$(timeout 30 "$MIGRATECTL" --root "$r" status --json 2>&1 | json_state) || rc=$?
        if [ "$rc" -eq 2 ]; then
                skip "migratectl status --json: a $state record" "neither python3 nor jq is installed"
        else
                check_eq "migratectl status --json: a $state record parses and says $state" "$state" "$out"
        fi
done

# --wait from the file: at once for a run that will never start ...
t0=$(usec_now)
rc=0
timeout 30 "$MIGRATECTL" --root "$WORK/status-not-needed" status --wait >/dev/null 2>&1 || rc=$?
t1=$(usec_now)
check_eq "migratectl status --wait returns 0 at once for not-needed" 0 "$rc"
check "migratectl status --wait did not wait for not-needed" test $((t1 - t0)) -lt 2000000
rc=0
timeout 30 "$MIGRATECTL" --root "$WORK/status-failed" status --wait >/dev/null 2>&1 || rc=$?
check_eq "migratectl status --wait returns 1 at once for failed" 1 "$rc"

# ... gives up on one left "running" after --timeout ...
r=$WORK/status-running
mkdir -p "$r"
write_record "$r" running
t0=$(usec_now)
rc=0
timeout 30 "$MIGRATECTL" --root "$r" status --wait --timeout=1 >"$WORK/wait.out" 2>&1 || rc=$?
t1=$(usec_now)
check_eq "migratectl status --wait gives up on a record left running: exit 3" 3 "$rc"
check "migratectl status --wait waited about --timeout (1 s)" \
        test $((t1 - t0)) -ge 1000000 -a $((t1 - t0)) -lt 10000000
check "migratectl status --wait says it gave up" grep -q 'gave up waiting' "$WORK/wait.out"

# ... and sees one finish within its 100 ms polling.
t0=$(usec_now)
timeout 30 "$MIGRATECTL" --root "$r" status --wait --timeout=20 >"$WORK/wait.out" 2>&1 &
waiter=$!
PIDS+=("$waiter")
sleep 0.5
write_record "$r" degraded
wait_exit "$waiter" 30
t1=$(usec_now)
check_eq "migratectl status --wait returns when the run finishes (degraded: 2)" 2 "$RC"
check "migratectl status --wait prints the final record" grep -qx '       State: degraded' "$WORK/wait.out"
check "migratectl status --wait returned soon after the change" test $((t1 - t0)) -lt 5000000

# --- idle exit ----------------------------------------------------------------

start_daemon "$WORK/idle.log" "$MIGRATED" --idle-timeout 1
wait_for_name 100
wait_exit "$DAEMON_PID" 20
check_eq "bus: migrated exits 0 by itself after --idle-timeout" 0 "$RC"
check "bus: and gives its name back" bash -c '! busctl status '"$BUS_NAME"' >/dev/null 2>&1'

# --- a mapping that would need a guess is refused, with the reasons ----------

CLONED=$FIXTURES/cases/cloned
ROOT=$WORK/cloned/root
mkdir -p "$WORK/cloned/disks"
cp -a "$CLONED/root" "$ROOT"
mapfile -t DISKS < <(make_disks "$CLONED/disks" "$WORK/cloned/disks")
start_daemon "$WORK/cloned.log" "$MIGRATED" --idle-timeout 0
if wait_for_name 100; then
        reason=$(head -1 "$CLONED/refused")
        for method in Plan Run; do
                out=$(timeout 30 dbus-send --system --print-reply --dest="$BUS_NAME" "$BUS_PATH" "$BUS_NAME.$method" 2>&1)
                check_eq "bus: $method() on a cloned disk is refused with the reason" \
                        "Error $BUS_NAME.Error.Refused: $reason" "$out"
        done
        check_files_eq "bus: the refused Run() changed nothing" "$CLONED/root/etc/fstab" "$ROOT/etc/fstab"
        check_eq "bus: the refused Run() is recorded as failed, with the reason" \
                "s \"failed\"
as 1 \"$reason\"" "$(prop State Errors)"
        kill -TERM "$DAEMON_PID"
        wait_exit "$DAEMON_PID" 30
        check_eq "bus: migrated exits 0 after SIGTERM (cloned)" 0 "$RC"
else
        not_ok "bus: migrated owns $BUS_NAME (cloned)"
        sed 's/^/# /' "$WORK/cloned.log"
fi
ROOT=$WORK/guest/root
DISKS=("${GUEST_DISKS[@]}")

# --- valgrind, with the plain build -------------------------------------------

PLAIN=$TOP/build/migrated
if ! need valgrind; then
        skip "bus: migrated under valgrind" "valgrind is missing"
elif [ ! -x "$PLAIN" ]; then
        skip "bus: migrated under valgrind" "$PLAIN is not built (make)"
else
        VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible)
        start_daemon "$WORK/vg.log" "${VG[@]}" "$PLAIN" --idle-timeout 0
        if wait_for_name 300; then
                # Every path once: reads, plan, a run and its signals, both denials, rollback, a change underneath.
                bctl introspect "$BUS_NAME" "$BUS_PATH" >/dev/null 2>&1
                nobody_busctl call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Plan >/dev/null 2>&1
                nobody_send Run >/dev/null
                echo "<busconfig><policy context=\"default\"><allow send_destination=\"$BUS_NAME\"/></policy></busconfig>" \
                        >"$WORK/bus.d/wide-open.conf"
                bctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
                nobody_send Run >/dev/null
                rm -f "$WORK/bus.d/wide-open.conf"
                bctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
                check_eq "valgrind: Run()" 's "done"' "$(call Run 2>&1)"
                call Arm >/dev/null 2>&1 # records "armed" (the snapshot of the disks given)
                check_eq "valgrind: Rollback()" 's "rolled-back"' "$(call Rollback 2>&1)"
                call Rollback >/dev/null 2>&1 # nothing left to restore: an error reply
                write_record "$ROOT" done
                check_eq "valgrind: Describe() after a change underneath" "done" \
                        "$(bctl --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Describe | json_state bus)"
                kill -TERM "$DAEMON_PID"
                wait_exit "$DAEMON_PID" 60
                check_eq "valgrind: migrated exits 0 after SIGTERM, with no errors or leaks" 0 "$RC"
                [ "$RC" -eq 0 ] || sed 's/^/# /' "$WORK/vg.log" | tail -60
                grep -h 'ERROR SUMMARY\|in use at exit' "$WORK/vg.log" | sed 's/^==[0-9]*== */# valgrind: /'
        else
                not_ok "valgrind: migrated owns $BUS_NAME"
                sed 's/^/# /' "$WORK/vg.log" | tail -40
        fi
        start_daemon "$WORK/vg-idle.log" "${VG[@]}" "$PLAIN" --idle-timeout 1
        wait_for_name 300
        wait_exit "$DAEMON_PID" 60
        check_eq "valgrind: migrated exits 0 when idle, with no errors or leaks" 0 "$RC"
        [ "$RC" -eq 0 ] || sed 's/^/# /' "$WORK/vg-idle.log" | tail -60
        grep -h 'ERROR SUMMARY\|in use at exit' "$WORK/vg-idle.log" | sed 's/^==[0-9]*== */# valgrind: /'
fi

finish
