#!/bin/bash
# Issue 10, point 8: the state record quotes the guest's labels and paths,
# byte for byte; what "migratectl status" and migrated show of it must be
# safe. A record written by hand carries invalid UTF-8 (0xff, 0xc3 0x28, a
# truncated sequence, a surrogate) and terminal controls (ESC sequences, CR,
# BEL, C1 CSI) in every string. "status --json" is valid UTF-8 JSON (each
# invalid byte replaced by U+FFFD), the text form writes no control byte
# but newline, and migrated on a private system bus answers for it (D-Bus
# refuses a string that is not UTF-8). The record file itself is not touched.

. "$(dirname "$0")/../lib/testlib.sh"

BUS_NAME=org.kvmigrate.Migrate1
BUS_PATH=/org/kvmigrate/Migrate1
FFFD=$'\xef\xbf\xbd'
export TZ=UTC LC_ALL=C

need python3 timeout || { skip "hostile-output" "python3 or timeout is missing"; finish; exit; }

# The record: "\xHH" is the file's own escaping (value_escape()), so these are the raw bytes once read.
BAD='a\xffb\xc3\x28c\x1b[2J\x1b]0;owned\x07\x0dd\xc2\x9b31m\xe2\x82\xed\xa0\x80e'
ROOT=$WORK/guest
mkdir -p "$ROOT/var/lib/kvmigrate"
cat >"$ROOT/var/lib/kvmigrate/state" <<EOF
# kvmigrate state record; see migratectl(1)
state=degraded
hypervisor=kvm$BAD
mode=virtio-scsi$BAD
started=1732412345000000
finished=1732412346000000
mapping old=xvda$BAD new=sda$BAD uuid=u$BAD label=$BAD type=ext4$BAD method=uuid$BAD
edit path=/etc/fstab$BAD fixer=fstab$BAD result=applied$BAD
warning message=w$BAD
error message=e$BAD
EOF
cp "$ROOT/var/lib/kvmigrate/state" "$WORK/state.orig"

# json_utf8 FILE: FILE is one JSON object in strict UTF-8; prints its first mapping's label.
json_utf8() {
        python3 -c 'import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
if sys.argv[2] == "bus":
    d = json.loads(d["data"][0])
sys.stdout.buffer.write(d["mappings"][0]["label"].encode("utf-8"))' "$1" "${2:-plain}"
}

# text_safe FILE: valid UTF-8, and no byte below 0x20 but newline, no DEL, no C1 control.
text_safe() {
        python3 -c 'import sys, re
t = open(sys.argv[1], "rb").read().decode("utf-8")
bad = re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", t)
sys.exit("raw controls: %r" % bad if bad else 0)' "$1"
}

# The label as the JSON shows it: each invalid byte one U+FFFD, the controls as they were.
WANT_LABEL="a${FFFD}b${FFFD}(c"$'\x1b[2J\x1b]0;owned\x07\rd\xc2\x9b31m'"$FFFD$FFFD$FFFD$FFFD${FFFD}e"

# --- migratectl --root: from the file ------------------------------------------

rc=0
timeout 30 "$MIGRATECTL" --root "$ROOT" status --json >"$WORK/status.json" 2>"$WORK/status.err" || rc=$?
check_eq "status --json of a hostile record exits 2 (degraded)" 2 "$rc"
check "status --json of a hostile record is valid UTF-8 JSON" json_utf8 "$WORK/status.json"
check_eq "status --json replaces each invalid byte by U+FFFD and keeps the rest" \
        "$WANT_LABEL" "$(json_utf8 "$WORK/status.json" 2>&1)"
check "status --json has no raw control byte (json-c escapes them)" \
        bash -c '! LC_ALL=C grep -q "[[:cntrl:]]" <(tr -d "\n" <"$1")' _ "$WORK/status.json"

rc=0
timeout 30 "$MIGRATECTL" --root "$ROOT" status >"$WORK/status.txt" 2>"$WORK/status.err" || rc=$?
check_eq "status (text) of a hostile record exits 2 (degraded)" 2 "$rc"
check "status (text) writes no control byte but newline, and only UTF-8" text_safe "$WORK/status.txt"
check "status (text) shows the label's bytes as \\xHH" \
        grep -qF 'LABEL="a\xffb\xc3(c\x1b[2J\x1b]0;owned\x07\x0dd\xc2\x9b31m\xe2\x82\xed\xa0\x80e"' \
        "$WORK/status.txt"
check "status (text) escapes the edit path, warning and error too" \
        bash -c 'grep -qF "/etc/fstaba\\xffb" "$1" && grep -qF "wa\\xffb" "$1" && grep -qF "ea\\xffb" "$1"' \
        _ "$WORK/status.txt"
check_files_eq "status leaves the record file byte for byte" "$WORK/state.orig" "$ROOT/var/lib/kvmigrate/state"

# --- migrated on a private system bus -------------------------------------------

PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
        rm -rf "$WORK"
}
trap cleanup EXIT

if ! need dbus-daemon busctl; then
        skip "hostile-output: bus" "dbus-daemon or busctl is missing"
        finish
        exit
fi
if [ "$(id -u)" -ne 0 ]; then
        skip "hostile-output: bus" "needs root (a system bus policy)"
        finish
        exit
fi

if ! start_private_bus; then
        not_ok "hostile-output: a private dbus-daemon starts"
        sed 's/^/# /' "$WORK/dbus.log"
        finish
        exit
fi

bctl() { timeout 30 busctl "$@"; }
prop() { bctl get-property "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" "$@"; }

"$MIGRATED" --root "$ROOT" --hypervisor kvm --idle-timeout 0 >"$WORK/migrated.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
        bctl status "$BUS_NAME" >/dev/null 2>&1 && break
        sleep 0.1
done
check "bus: migrated serves the hostile record" bctl status "$BUS_NAME"

for p in State Hypervisor Mode Mappings Edits Warnings Errors; do
        check "bus: property $p answers" prop "$p"
done
check "bus: GetAll answers" bctl introspect "$BUS_NAME" "$BUS_PATH" "$BUS_NAME"
check_eq "bus: State is degraded" 's "degraded"' "$(prop State 2>&1)"

bctl --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_NAME" Describe >"$WORK/describe.json" 2>&1
check_eq "bus: Describe() is valid UTF-8 JSON, invalid bytes as U+FFFD" \
        "$WANT_LABEL" "$(json_utf8 "$WORK/describe.json" bus 2>&1)"

# "/" is the live system: with the bus reachable, status asks migrated, which serves $ROOT.
rc=0
timeout 30 "$MIGRATECTL" status --json >"$WORK/bus-status.json" 2>&1 || rc=$?
check_eq "bus: migratectl status --json through the bus exits 2 (degraded)" 2 "$rc"
check_eq "bus: migratectl status --json through the bus is valid UTF-8, the same label" \
        "$WANT_LABEL" "$(json_utf8 "$WORK/bus-status.json" 2>&1)"
rc=0
timeout 30 "$MIGRATECTL" status >"$WORK/bus-status.txt" 2>&1 || rc=$?
check_eq "bus: migratectl status through the bus exits 2 (degraded)" 2 "$rc"
check "bus: migratectl status (text) through the bus writes no raw control byte" \
        text_safe "$WORK/bus-status.txt"
check "bus: migratectl status (text) through the bus shows U+FFFD and escaped controls" \
        grep -qF "LABEL=\"a${FFFD}b${FFFD}(c\\x1b[2J" "$WORK/bus-status.txt"
check_files_eq "bus: the record file is left byte for byte" "$WORK/state.orig" "$ROOT/var/lib/kvmigrate/state"

finish
