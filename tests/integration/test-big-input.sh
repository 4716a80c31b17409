#!/bin/bash
# Absurd guest files (issue 10, point 12): an fstab of 400k comment lines
# plans in linear time with the same diff as a short one (libmount 2.38 with
# comments on took 24 s for it, quadratic), and a 20 MB fstab is refused
# with the limit named (exit 2). The timeout only stops a hang; how fast it
# runs is measured by tests/bench.sh.

. "$(dirname "$0")/../lib/testlib.sh"

need mkfs.ext4 mkswap timeout || { skip "big-input" "mkfs tools or timeout missing"; finish; exit; }

U1=6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c
U2=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
mkfs_image "$WORK/root.img" ext4 $U1 root
mkfs_image "$WORK/swap.img" swap $U2 -
R=$WORK/guest
cp -a "$FIXTURES/demo-guest" "$R"
kvm=(--root "$R" --hypervisor kvm --disk sda="$WORK/swap.img" --disk sdb="$WORK/root.img")
check "xen: arm records the devices" "$MIGRATECTL" --root "$R" --hypervisor xen \
        --disk xvda="$WORK/root.img" --disk xvdc="$WORK/swap.img" -q arm

# The demo fstab with 400k comment lines after its 3-line header.
N=400000
cp "$R/etc/fstab" "$WORK/fstab.short"
{
        head -n 3 "$WORK/fstab.short"
        yes '# a comment line' | head -n $N
        tail -n +4 "$WORK/fstab.short"
} >"$R/etc/fstab"
check_eq "the fstab has $N comment lines more" $(($(wc -l <"$WORK/fstab.short") + N)) "$(wc -l <"$R/etc/fstab")"

rc=0
timeout 20 "$MIGRATECTL" "${kvm[@]}" plan >"$WORK/plan" 2>"$WORK/err" || rc=$?
check_eq "plan on 400k comment lines: exit 0 within 20 s" 0 "$rc"
# The fstab part of the diff: the hunk at the right line, the same edits as for the short file.
fstab_diff() { sed -n '\,^diff --git a/etc/fstab ,,/^diff --git a\/etc\/default/p' "$1" | sed '$d'; }
check_eq "plan on 400k comment lines: the fstab diff" "$(
        cat <<EOF
diff --git a/etc/fstab b/etc/fstab
--- a/etc/fstab
+++ b/etc/fstab
@@ -$((N + 1)),7 +$((N + 1)),7 @@
 # a comment line
 # a comment line
 # a comment line
-/dev/xvda	/		ext4	errors=remount-ro	0	1
-/dev/xvdc	none		swap	sw			0	0
+UUID=$U1	/		ext4	errors=remount-ro	0	1
+UUID=$U2	none		swap	sw			0	0
 proc		/proc		proc	defaults		0	0
-xenfs		/proc/xen	xenfs	defaults		0	0
+xenfs		/proc/xen	xenfs	defaults,nofail		0	0
EOF
)" "$(fstab_diff "$WORK/plan")"
check_eq "plan on 400k comment lines: the warning names the xenfs line" \
        "migratectl: warning: /etc/fstab:$((N + 7)): xenfs on /proc/xen gets nofail: there is no Xen under KVM" \
        "$(cat "$WORK/err")"

# Everything but the fstab is as it is for the short file.
cp "$WORK/fstab.short" "$R/etc/fstab"
"$MIGRATECTL" "${kvm[@]}" plan >"$WORK/plan.short" 2>/dev/null
check_eq "the rest of the plan is the short file's" \
        "$(sed '\,^diff --git a/etc/fstab ,,/^diff --git a\/etc\/default/{/^diff --git a\/etc\/default/!d}' "$WORK/plan.short")" \
        "$(sed '\,^diff --git a/etc/fstab ,,/^diff --git a\/etc\/default/{/^diff --git a\/etc\/default/!d}' "$WORK/plan")"

# 20 MB of "#" lines: refused before it is parsed, the limit named, nothing written.
yes '#' | head -c 20000000 >"$R/etc/fstab"
cp "$R/etc/fstab" "$WORK/fstab.big"
rc=0
timeout 20 "$MIGRATECTL" "${kvm[@]}" plan >"$WORK/plan" 2>"$WORK/err" || rc=$?
check_eq "plan on a 20 MB fstab: refused (exit 2)" 2 "$rc"
check "plan on a 20 MB fstab: the message names the file and the limit" \
        grep -qx 'migratectl: error: /etc/fstab: more than 16 MiB; no configuration file is that big, refusing it' \
        "$WORK/err"
check_eq "plan on a 20 MB fstab: no diff" "" "$(cat "$WORK/plan")"
rc=0
timeout 20 "$MIGRATECTL" "${kvm[@]}" -q apply >/dev/null 2>"$WORK/err" || rc=$?
check_eq "apply on a 20 MB fstab: refused (exit 2)" 2 "$rc"
check_files_eq "apply on a 20 MB fstab: the fstab is untouched" "$WORK/fstab.big" "$R/etc/fstab"

finish
