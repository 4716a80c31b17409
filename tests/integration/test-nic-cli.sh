#!/bin/bash
# The network through migratectl, end to end on a real root and real
# filesystems: arm under Xen records the NIC given with --nic; a later arm
# that sees no Xen NIC keeps it; plan and apply under KVM give the new NIC
# the old name; status shows it (text and JSON); rollback takes it back.
# A malformed --nic is a usage error that names the argument.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap || { skip "nic cli" "mkfs tools missing"; finish; exit; }

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
XEN_MAC=00:16:3e:5a:01:02
KVM_MAC=52:54:00:12:34:56
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -

# --- malformed --nic: exit 64 (usage), the argument named, nothing written ---

G=$WORK/guest
cp -a "$FIXTURES/demo-guest" "$G"
for arg in eth0 =$XEN_MAC "eth0=" eth0=zz:16:3e:5a:01:02 "eth0=$XEN_MAC,bad driver" "../x=$XEN_MAC" \
        "a-name-too-long-x=$XEN_MAC" "eth0=00:00:00:00:00:00"; do
        rc=0
        "$MIGRATECTL" --root "$G" --hypervisor xen --disk xvda="$WORK/root.img" --nic "$arg" arm \
                >"$WORK/out" 2>"$WORK/err" || rc=$?
        check_eq "--nic '$arg': exit 64" 64 "$rc"
        check "--nic '$arg': the message names the argument" grep -qF -- "--nic $arg:" "$WORK/err"
done
check "a malformed --nic writes no snapshot" test ! -e "$G/var/lib/kvmigrate/snapshot"

# --- arm under Xen records the NIC --------------------------------------------

check "arm under Xen with --nic" "$MIGRATECTL" --root "$G" --hypervisor xen \
        --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" --nic enX0=$XEN_MAC,vif arm
check_eq "the snapshot records the NIC" "nic=enX0 mac=$XEN_MAC driver=vif" \
        "$(grep '^nic=' "$G/var/lib/kvmigrate/snapshot")"
# A later Xen boot that sees no xen-netfront NIC (given none here) keeps what was recorded.
check "arm again without --nic" "$MIGRATECTL" --root "$G" --hypervisor xen \
        --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" arm
check_eq "the snapshot still records the NIC" "nic=enX0 mac=$XEN_MAC driver=vif" \
        "$(grep '^nic=' "$G/var/lib/kvmigrate/snapshot")"

# --- under KVM ------------------------------------------------------------------

KVM=(--root "$G" --hypervisor kvm --disk sda="$WORK/root.img" --disk sdb="$WORK/swap.img")
rc=0
"$MIGRATECTL" "${KVM[@]}" plan >"$WORK/plan.out" 2>"$WORK/plan.err" || rc=$?
check_eq "plan without --nic: exit 0" 0 "$rc"
check_eq "plan without --nic warns that the network is left as it is" \
        "migratectl: warning: the network is left as it is: the NICs the guest has now are not known (give --nic NAME=MAC for each)" \
        "$(grep 'network' "$WORK/plan.err")"
check "plan without --nic writes no NIC rule" bash -c '! grep -q 70-kvmigrate-net "$1"' _ "$WORK/plan.out"

check "apply with --nic" "$MIGRATECTL" "${KVM[@]}" --nic ens3=$KVM_MAC,virtio_net apply
check_eq "the rule gives the new NIC the Xen name" \
        "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"$KVM_MAC\", ATTR{type}==\"1\", NAME=\"enX0\"" \
        "$(grep -v '^#' "$G/etc/udev/rules.d/70-kvmigrate-net.rules")"
check_eq "status shows the NIC" "     Network: enX0 → ens3 $KVM_MAC (was $XEN_MAC) (only)" \
        "$("$MIGRATECTL" --root "$G" status | grep 'Network:')"
if need jq; then
        check_eq "status --json holds the NIC" \
                "{\"old\":\"enX0\",\"new\":\"ens3\",\"old_mac\":\"$XEN_MAC\",\"new_mac\":\"$KVM_MAC\",\"method\":\"only\"}" \
                "$("$MIGRATECTL" --root "$G" status --json | jq -c '.nics[]')"
else
        skip "status --json holds the NIC" "jq is missing"
fi
check_eq "a second plan is empty" "" "$("$MIGRATECTL" "${KVM[@]}" --nic ens3=$KVM_MAC,virtio_net plan 2>/dev/null)"
# After the reboot the NIC is enX0: the rule stays, nothing to do.
check_eq "a plan once the NIC has the old name is empty" "" \
        "$("$MIGRATECTL" "${KVM[@]}" --nic enX0=$KVM_MAC,virtio_net plan 2>/dev/null)"

check "rollback" "$MIGRATECTL" --root "$G" rollback
check "rollback removes the NIC rule" test ! -e "$G/etc/udev/rules.d/70-kvmigrate-net.rules"
check "rollback leaves the rules arm wrote" test -s "$G/etc/udev/rules.d/70-kvmigrate-xvd.rules"

finish
