#!/bin/bash
# The boot test (tests/boot/run) as part of "make check": a Debian 12 guest
# configured as a Linode-style Xen guest boots under QEMU as a KVM guest and
# must come up migrated; its assertions become TAP lines here. The first run
# builds the guest root (a few minutes); later runs start from the cache in
# tests/.cache/boot/.

. "$(dirname "$0")/../lib/testlib.sh"

# KVMIGRATE_BOOT=0 leaves it out of a local "make check" (a skip; under CI a failure).
if [ "${KVMIGRATE_BOOT:-1}" = 0 ]; then
        skip "boot test" "KVMIGRATE_BOOT=0"
        finish
        exit
fi

missing=()
for tool in qemu-system-x86_64 debootstrap zstd mkfs.ext4 debugfs jq; do
        need "$tool" || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
        skip "boot test" "missing ${missing[*]} (make deps installs them)"
        finish
        exit
fi
if [ "$(id -u)" -ne 0 ]; then
        skip "boot test" "needs root (debootstrap, chroot)"
        finish
        exit
fi

rc=0
"$TOP/tests/boot/run" >"$WORK/run.out" 2>"$WORK/run.err" || rc=$?
while IFS= read -r line; do
        case $line in
        "ok - "*) ok "boot: ${line#ok - }" ;;
        "not ok - "*) not_ok "boot: ${line#not ok - }" ;;
        "#"*) echo "$line" ;;
        esac
done <"$WORK/run.out"
if [ "$rc" -ne 0 ] && [ "$_t_failed" -eq 0 ]; then
        not_ok "boot: tests/boot/run exited $rc"
        tail -20 "$WORK/run.err" | sed 's/^/# /'
fi
finish
