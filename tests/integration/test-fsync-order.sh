#!/bin/bash
# What a power cut after "apply" finds depends on the order of the system
# calls, which no comparison of trees after the run can see: a real
# "migratectl --root … apply" (and "rollback") of a fixture case under strace,
# and for every file put in place, the edited files of the guest, their
# backups and the state record alike:
#
#   write(tmp) … fsync(tmp) → renameat(folder, tmp, folder, name) → fsync(folder)
#
# the temporary file synced after its last write and before the rename, and
# the folder synced after the rename, before anything else is created or
# renamed. strace -y names the file behind every descriptor, so the order is
# read from the trace alone.

. "$(dirname "$0")/../lib/testlib.sh"

CASE=$FIXTURES/cases/debian7-pvgrub

need strace || { skip "fsync order" "strace is not installed (Debian package strace)"; finish; exit; }
need python3 || { skip "fsync order" "python3 is not installed"; finish; exit; }
need mkfs.ext4 mkswap sfdisk || { skip "fsync order" "mkfs tools missing"; finish; exit; }
if ! strace -qq -o /dev/null true 2>"$WORK/strace.err"; then
        skip "fsync order" "strace cannot trace here: $(head -1 "$WORK/strace.err")"
        finish
        exit
fi

R=$WORK/root
mkdir -p "$WORK/disks"
cp -a "$CASE/root" "$R"
mapfile -t disks < <(make_disks "$CASE/disks" "$WORK/disks")
cmd=("$MIGRATECTL" --root "$R" --hypervisor kvm "${disks[@]}")

# trace LOG VERB: run migratectl VERB under strace, every process it starts included.
# LeakSanitizer cannot run under ptrace: the sanitizer build goes without it here.
trace() {
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -y -qq -o "$1" \
                -e trace=openat,openat2,creat,write,pwrite64,fsync,fdatasync,renameat,renameat2,rename,symlinkat \
                "${cmd[@]}" "$2"
}

# renames LOG: one line per rename the trace shows, in order: "ok DIR/NAME"
# when a file the run created and wrote is put in place by the protocol above,
# "moved DIR/NAME" when something older is renamed and its folder synced, else
# "bad DIR/NAME: why".
renames() {
        python3 - "$1" <<'EOF'
import re, sys

fd = r'-?\d+<([^>]*)>'
ev = []  # (kind, path, extra)
for line in open(sys.argv[1], encoding='utf-8', errors='replace'):
    line = re.sub(r'^(\[pid\s+)?\d+\]?\s+', '', line.rstrip('\n'))
    m = re.match(r'(renameat2?)\(' + fd + r', "([^"]*)", ' + fd + r', "([^"]*)"(, [^)]*)?\)\s*= 0', line)
    if m:
        ev.append(('rename', m.group(4) + '/' + m.group(5), (m.group(2), m.group(2) + '/' + m.group(3))))
        continue
    m = re.match(r'rename\("([^"]*)", "([^"]*)"\)\s*= 0', line)
    if m:
        ev.append(('rename', m.group(2), (m.group(2).rsplit('/', 1)[0], m.group(1))))
        continue
    m = re.match(r'(openat2?|creat)\(.*O_CREAT.*\)\s*= ' + fd, line) or re.match(r'creat\(.*\)\s*= ' + fd, line)
    if m:
        ev.append(('create', m.group(m.lastindex), None))
        continue
    m = re.match(r'symlinkat\("[^"]*", ' + fd + r', "([^"]*)"\)\s*= 0', line)
    if m:
        ev.append(('create', m.group(1) + '/' + m.group(2), None))
        continue
    m = re.match(r'(p?write(64)?)\(' + fd, line)
    if m:
        ev.append(('write', m.group(3), None))
        continue
    m = re.match(r'(fsync|fdatasync)\(' + fd + r'\)\s*= 0', line)
    if m:
        ev.append(('fsync', m.group(2), None))

for i, (kind, target, extra) in enumerate(ev):
    if kind != 'rename':
        continue
    folder, tmp = extra
    why = []
    made = [j for j in range(i) if ev[j][0] == 'create' and ev[j][1] == tmp]
    first = made[-1] if made else -1
    writes = [j for j in range(first + 1, i) if ev[j][0] == 'write' and ev[j][1] == tmp]
    after = writes[-1] if writes else first
    if first >= 0 and not any(ev[j][0] == 'fsync' and ev[j][1] == tmp for j in range(after + 1, i)):
        why.append('no fsync of %s after its last write and before the rename' % tmp)
    end = next((j for j in range(i + 1, len(ev)) if ev[j][0] in ('rename', 'create')), len(ev))
    if not any(ev[j][0] == 'fsync' and ev[j][1] == folder for j in range(i + 1, end)):
        why.append('no fsync of the folder %s after the rename, before the next file is created or renamed'
                   % folder)
    # Something the run did not write (a folder set aside) only needs its folder synced.
    print(('bad %s: %s' % (target, '; '.join(why))) if why else ('ok ' if first >= 0 else 'moved ') + target)
EOF
}

# check_put WHAT PATH LIST: PATH was put in place at least once, and every time by the protocol.
check_put() {
        local what=$1 path=$2 list=$3 lines
        lines=$(awk -v p="$path" '$2 == p || $2 == p ":"' "$list")
        if [ -z "$lines" ]; then
                not_ok "$what: $path is put in place by a rename"
                return
        fi
        check_eq "$what: $path: tmp written, fsync(tmp), renameat, fsync(folder)" "" \
                "$(printf '%s\n' "$lines" | grep -v '^ok ' || true)"
}

mapfile -t edited < <(cd "$CASE/expected" && find . -type f | sed 's|^\./||' | sort)
check_eq "the case edits four files" 4 "${#edited[@]}"

# apply
rc=0
trace "$WORK/apply.trace" apply >"$WORK/apply.out" 2>&1 || rc=$?
check_eq "apply under strace succeeds" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/apply.out" | tail -20
renames "$WORK/apply.trace" >"$WORK/apply.renames"
bad=""
for f in "${edited[@]}"; do
        cmp -s "$CASE/expected/$f" "$R/$f" || bad+="$f "
done
check_eq "apply: the edited files are expected/" "" "$bad"

for f in "${edited[@]}"; do
        check_put "apply: edited file" "$R/$f" "$WORK/apply.renames"
        check_put "apply: backup" "$R/var/lib/kvmigrate/backup/files/$f" "$WORK/apply.renames"
done
check_put "apply: state record" "$R/var/lib/kvmigrate/state" "$WORK/apply.renames"
check_put "apply: backup manifest" "$R/var/lib/kvmigrate/backup/manifest" "$WORK/apply.renames"
check_eq "apply: every rename of the run follows the order" "" \
        "$(grep '^bad' "$WORK/apply.renames" || true)"

# rollback: the originals go back the same way.
rc=0
trace "$WORK/rollback.trace" rollback >"$WORK/rollback.out" 2>&1 || rc=$?
check_eq "rollback under strace succeeds" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/rollback.out" | tail -20
renames "$WORK/rollback.trace" >"$WORK/rollback.renames"
bad=""
for f in "${edited[@]}"; do
        cmp -s "$CASE/root/$f" "$R/$f" || bad+="$f "
done
check_eq "rollback: the files are the originals" "" "$bad"
for f in "${edited[@]}"; do
        check_put "rollback: restored file" "$R/$f" "$WORK/rollback.renames"
done
check_put "rollback: state record" "$R/var/lib/kvmigrate/state" "$WORK/rollback.renames"
check_eq "rollback: every rename of the run follows the order" "" \
        "$(grep '^bad' "$WORK/rollback.renames" || true)"

finish
