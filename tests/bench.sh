#!/bin/bash
# make bench: what kvmigrate costs on every boot, against systemd-detect-virt
# on the same machine, and what a whole migration of the demo guest costs.
#
# The main figure is instructions counted by valgrind's callgrind: the same
# for the same binary and input whatever else the machine does. Wall time
# (mean of many runs, process start included) is printed beside it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
M=$top/build/migratectl
runs=${BENCH_RUNS:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in valgrind systemd-detect-virt mkfs.ext4 mkswap; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

# The guests: the demo guest armed under Xen, and a copy of it already migrated.
cp -a "$top/tests/fixtures/demo-guest" "$work/xen"
truncate -s 256M "$work/root.img" "$work/swap.img"
mkfs.ext4 -q -F -U 6f3c1c0e-8c55-4d5e-9f0a-1d2e3f4a5b6c "$work/root.img"
mkswap -U 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d "$work/swap.img" >/dev/null 2>&1
xen=(--root "$work/xen" --hypervisor xen --disk xvda="$work/root.img" --disk xvdc="$work/swap.img")
kvm=(--hypervisor kvm --disk sda="$work/swap.img" --disk sdb="$work/root.img")
"$M" "${xen[@]}" -q arm >/dev/null
cp -a "$work/xen" "$work/pristine"
cp -a "$work/xen" "$work/done"
"$M" --root "$work/done" "${kvm[@]}" -q apply >/dev/null 2>&1

instructions() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
                sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
walltime_us() {
        local start end i
        start=$(date +%s%N)
        for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 || true; done
        end=$(date +%s%N)
        echo $(((end - start) / runs / 1000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

declare -A ins us
measure() {
        local key=$1
        shift
        ins[$key]=$(instructions "$@")
        us[$key]=$(walltime_us "$@")
        printf '%-34s %12s instructions %8s us/run\n' "$key" "${ins[$key]}" "${us[$key]}"
}

echo "kvmigrate bench: $runs runs each for wall time; $(nproc) cores; $(uname -r)"
measure "systemd-detect-virt" systemd-detect-virt
measure "every boot, migrated (KVM)" "$M" --root "$work/done" --hypervisor kvm boot
measure "every boot, armed (Xen)" "$M" "${xen[@]}" boot

# A whole migration of the demo guest, on a fresh copy each time.
full() { rm -rf "$work/run" && cp -a "$work/pristine" "$work/run" && "$M" --root "$work/run" "${kvm[@]}" -q apply; }
rm -rf "$work/run" && cp -a "$work/pristine" "$work/run"
ins[full]=$(instructions "$M" --root "$work/run" "${kvm[@]}" -q apply)
start=$(date +%s%N)
for ((i = 0; i < 20; i++)); do full >/dev/null 2>&1; done
us[full]=$((($(date +%s%N) - start) / 20 / 1000))
printf '%-34s %12s instructions %8s us/run (copying the root included)\n' "full migration, demo guest" \
        "${ins[full]}" "${us[full]}"

# plan on the demo guest whose fstab holds 400k comment lines (issue 10, point 12: libmount
# 2.38 with comments on is quadratic in them; 24 s before the fixer stopped handing them over).
# Linear means about 400k times the per-line cost on top of a plain plan.
cp -a "$work/pristine" "$work/comments"
{
        head -n 3 "$work/pristine/etc/fstab"
        awk 'BEGIN { for (i = 0; i < 400000; i++) print "# a comment line" }'
        tail -n +4 "$work/pristine/etc/fstab"
} >"$work/comments/etc/fstab"
plan_runs=${BENCH_PLAN_RUNS:-5}
measure_plan() {
        local key=$1 root=$2 start
        ins[$key]=$(instructions "$M" --root "$root" "${kvm[@]}" plan)
        start=$(date +%s%N)
        for ((i = 0; i < plan_runs; i++)); do "$M" --root "$root" "${kvm[@]}" plan >/dev/null 2>&1 || true; done
        us[$key]=$((($(date +%s%N) - start) / plan_runs / 1000))
        printf '%-34s %12s instructions %8s us/run\n' "$key" "${ins[$key]}" "${us[$key]}"
}
measure_plan "plan, demo guest" "$work/pristine"
measure_plan "plan, 400k fstab comment lines" "$work/comments"

base=${ins[systemd-detect-virt]}
kvm_r=$(ratio "${ins[every boot, migrated (KVM)]}" "$base")
xen_r=$(ratio "${ins[every boot, armed (Xen)]}" "$base")
echo
echo "ratio migrated (KVM)/systemd-detect-virt: $kvm_r (wall time $(ratio "${us[every boot, migrated (KVM)]}" "${us[systemd-detect-virt]}"))"
echo "ratio armed (Xen)/systemd-detect-virt: $xen_r (wall time $(ratio "${us[every boot, armed (Xen)]}" "${us[systemd-detect-virt]}"))"
worst=$(awk -v a="$kvm_r" -v b="$xen_r" 'BEGIN { print (a > b ? a : b) }')
echo "ratio every-boot/systemd-detect-virt: $worst"
