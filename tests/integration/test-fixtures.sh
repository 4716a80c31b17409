#!/bin/bash
# Every guest root in tests/fixtures/cases/: real filesystems made by mkfs in
# image files (identities from the case's "disks" file), then migratectl
# plan / apply / plan / status / rollback against the root, checked byte for
# byte against the case's expected/ tree and the original.
#
# A case folder holds:
#   root/            the guest as it was on Xen
#   disks            the disks the guest sees now (see make_disks in testlib.sh)
#   expected/        every file the migration changes, as it must be after apply
#   mappings         "old new method" lines the state record must hold
#   nics             "old new method" lines of the NICs the state record must hold
#   args             extra migratectl arguments (optional)
#   refused          present when the run must refuse: its lines must all appear
#                    in stderr, exit code 2, nothing changed
#   warnings         the warnings plan prints ("migratectl: warning: " cut), exactly and
#                    in order (optional; not checked without it)

. "$(dirname "$0")/../lib/testlib.sh"

# netplan_accepts CASE W: netplan itself reads the migrated netplan files (in
# a copy: generate writes run/), and each NIC it matches by MAC is one the
# case's --nic gives now.
netplan_accepts() {
        local case=$1 w=$2 name gen macs m bad=""
        name=$(basename "$case")
        if ! command -v netplan >/dev/null; then
                skip "$name: netplan generate accepts the netplan files" "netplan (netplan.io) is not installed"
                return
        fi
        gen=$w/netplan-generate
        rm -rf "$gen" && mkdir -p "$gen/etc"
        cp -a "$w/root/etc/netplan" "$gen/etc/"
        chmod 0600 "$gen"/etc/netplan/*
        # A case whose netplan file kvmigrate cannot read: netplan must not read it either.
        if grep -qs '^/etc/netplan/.*; the network is left as it is$' "$case/warnings"; then
                if netplan generate --root-dir "$gen" >"$w/netplan.log" 2>&1; then
                        not_ok "$name: netplan generate rejects the netplan file kvmigrate cannot read"
                else
                        ok "$name: netplan generate rejects the netplan file kvmigrate cannot read"
                fi
                return
        fi
        if ! netplan generate --root-dir "$gen" >"$w/netplan.log" 2>&1; then
                not_ok "$name: netplan generate accepts the netplan files"
                sed 's/^/# /' "$w/netplan.log"
                return
        fi
        macs=$(grep -rhoi '^PermanentMACAddress=.*' "$gen/run/systemd/network" 2>/dev/null | cut -d= -f2 | sort -u)
        for m in $macs; do
                grep -qi -- "=$m" "$case/args" 2>/dev/null || bad+="$m "
        done
        if [ -z "$bad" ]; then
                ok "$name: netplan generate accepts the netplan files; the MACs it matches are the new ones (${macs:-none})"
        else
                not_ok "$name: netplan generate matches only the MACs the NICs have now (got '$(echo $macs)')"
        fi
}

# ifupdown_up CASE W: ifupdown itself reads the guest's interfaces file, and
# every interface it would bring up (auto, allow-hotplug) exists after the
# migration: the name of a NIC the guest has now (--nic), or the old name a
# rule of kvmigrate's gives the NIC that replaced it. Only for cases that
# migrate a NIC (their "nics" file is not empty).
ifupdown_up() {
        local case=$1 w=$2 name want have=" " bad="" i
        name=$(basename "$case")
        if ! command -v ifquery >/dev/null; then
                skip "$name: ifquery reads the interfaces file" "ifquery (ifupdown) is not installed"
                return
        fi
        if ! want=$( (ifquery -i "$w/root/etc/network/interfaces" --list &&
                ifquery -i "$w/root/etc/network/interfaces" --list --allow=hotplug) 2>"$w/ifquery.err"); then
                not_ok "$name: ifquery reads the interfaces file"
                sed 's/^/# /' "$w/ifquery.err"
                return
        fi
        have+="lo $(grep -o -- '--nic [^=]*' "$case/args" | cut -d' ' -f2 | tr '\n' ' ')"
        have+=" $(sed -n 's/.*NAME="\([^"]*\)".*/\1/p' "$w/root/etc/udev/rules.d/70-kvmigrate-net.rules" 2>/dev/null | tr '\n' ' ') "
        for i in $(printf '%s\n' $want | cut -d: -f1 | sort -u); do
                [[ $have == *" $i "* ]] || bad+="$i "
        done
        check_eq "$name: every interface ifupdown brings up exists after the migration ($(echo $want))" "" "$bad"
}

run_case() {
        local case=$1 name
        name=$(basename "$case")
        local w=$WORK/$name
        mkdir -p "$w/disks"
        cp -a "$case/root" "$w/root"
        cp -a "$case/root" "$w/orig"
        # The run creates its state folder; give the copy the same parents so diff -x kvmigrate suffices.
        mkdir -p "$w/orig/var/lib" "$w/root/var/lib"

        local -a disks extra=()
        mapfile -t disks < <(make_disks "$case/disks" "$w/disks")
        [ -f "$case/args" ] && read -r -a extra <"$case/args"
        local -a cmd=("$MIGRATECTL" --root "$w/root" --hypervisor kvm "${disks[@]}" "${extra[@]}")

        if [ -f "$case/refused" ]; then
                local rc=0
                "${cmd[@]}" apply >"$w/out" 2>"$w/err" || rc=$?
                check_eq "$name: apply refuses with exit code 2" 2 "$rc"
                local line missing=""
                while IFS= read -r line; do
                        grep -qF -- "$line" "$w/err" || missing+="$line"$'\n'
                done <"$case/refused"
                check_eq "$name: the refusal names the devices and files" "" "$missing"
                [ -n "$missing" ] && sed 's/^/# stderr: /' "$w/err"
                check "$name: nothing outside the state folder changed" \
                        diff -r --no-dereference -x kvmigrate "$w/orig" "$w/root"
                check "$name: the record says failed" grep -qx 'state=failed' "$w/root/var/lib/kvmigrate/state"
                return
        fi

        check "$name: plan" "${cmd[@]}" plan
        if [ -f "$case/warnings" ]; then
                "${cmd[@]}" plan >/dev/null 2>"$w/plan.err" || true
                check_eq "$name: the warnings are the case's warnings file" "$(cat "$case/warnings")" \
                        "$(sed -n 's/^migratectl: warning: //p' "$w/plan.err")"
        fi
        check "$name: apply" "${cmd[@]}" apply

        local f bad=""
        while IFS= read -r f; do
                if [ -L "$case/expected/$f" ]; then
                        [ -L "$w/root/$f" ] && [ "$(readlink "$case/expected/$f")" = "$(readlink "$w/root/$f")" ] ||
                                { bad+="$f "; echo "# $f: link to $(readlink "$w/root/$f" 2>&1)"; }
                elif ! cmp -s "$case/expected/$f" "$w/root/$f" || [ -L "$w/root/$f" ]; then
                        bad+="$f "
                        diff -u "$case/expected/$f" "$w/root/$f" 2>&1 | sed 's/^/# /'
                fi
        done < <(cd "$case/expected" 2>/dev/null && find . -type f -o -type l | sed 's|^\./||' | sort)
        check_eq "$name: changed files match expected/ byte for byte" "" "$bad"

        if [ -f "$case/removed" ]; then
                local gone=""
                while IFS= read -r f; do
                        [ -e "$w/root/$f" ] || [ -L "$w/root/$f" ] && gone+="$f "
                done <"$case/removed"
                check_eq "$name: the files listed in removed are gone" "" "$gone"
        fi

        # Everything else is untouched (folders the run made hold only expected files).
        local -a excl=(-x kvmigrate)
        while IFS= read -r f; do
                [ -e "$case/root/$f" ] || excl+=(-x "$(basename "$f")")
        done < <(cd "$case/expected" 2>/dev/null && find . -mindepth 1 -type d | sed 's|^\./||')
        for f in $( (cd "$case/expected" 2>/dev/null && find . -type f -o -type l; cat "$case/removed" 2>/dev/null) | sort -u); do
                f=$(basename "$f")
                excl+=(-x "${f//\\/\\\\}") # a glob: its backslashes are escapes
        done
        check "$name: no other file changed" diff -r --no-dereference "${excl[@]}" "$w/orig" "$w/root"

        if [ -f "$w/root/etc/fstab" ]; then
                local v
                v=$(findmnt --verify --tab-file "$w/root/etc/fstab" 2>&1 || true)
                if ! printf '%s\n' "$v" | grep -q '^0 parse errors'; then
                        not_ok "$name: findmnt --verify parses the new fstab"
                        printf '%s\n' "$v" | sed 's/^/# /'
                else
                        ok "$name: findmnt --verify parses the new fstab"
                fi
        fi

        [ -d "$w/root/etc/netplan" ] && netplan_accepts "$case" "$w"
        [ -f "$w/root/etc/network/interfaces" ] && [ -s "$case/nics" ] && ifupdown_up "$case" "$w"

        check_eq "$name: a second plan is empty" "" "$("${cmd[@]}" plan 2>/dev/null)"

        if [ -f "$case/mappings" ]; then
                check_eq "$name: the record holds the mappings" "$(cat "$case/mappings")" \
                        "$(sed -n 's/^mapping old=\([^ ]*\) new=\([^ ]*\) .*method=\([a-z]*\)$/\1 \2 \3/p' \
                                "$w/root/var/lib/kvmigrate/state")"
        fi
        if [ -f "$case/nics" ]; then
                check_eq "$name: the record holds the NICs" "$(cat "$case/nics")" \
                        "$(sed -n 's/^nic old=\([^ ]*\) new=\([^ ]*\) .*method=\([a-z]*\)$/\1 \2 \3/p' \
                                "$w/root/var/lib/kvmigrate/state")"
        fi
        check "$name: the record says done" grep -qx 'state=done' "$w/root/var/lib/kvmigrate/state"

        [ -d "$case/expected" ] || return 0
        check "$name: rollback" "${cmd[@]}" rollback
        check "$name: rollback restores every original byte for byte" \
                diff -r --no-dereference -x kvmigrate "$w/orig" "$w/root"
        check_eq "$name: modes survive apply and rollback" \
                "$(cd "$w/orig" && find . -path ./var/lib/kvmigrate -prune -o -printf '%p %m %U %G\n' | sort)" \
                "$(cd "$w/root" && find . -path ./var/lib/kvmigrate -prune -o -printf '%p %m %U %G\n' | sort)"
}

need mkfs.ext4 mkswap mkfs.xfs mkfs.vfat sfdisk findmnt || { skip "fixtures" "mkfs tools missing"; finish; exit; }

for case in "$FIXTURES"/cases/*/; do
        run_case "${case%/}"
done
finish
