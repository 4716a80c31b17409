#!/bin/bash
# A file that util-linux's own checker accepts is never refused: for each
# fstab below, when "findmnt --verify --tab-file" finds no parse error,
# migratectl plan must succeed, its rewrite must parse for findmnt as well,
# and a file without a final newline must still have none. The fstabs of
# the fixture guests are run too, for the parse only (their disks are not
# these). Inputs findmnt refuses are named in a comment, not judged.

. "$(dirname "$0")/../lib/testlib.sh"

need findmnt mkfs.ext4 || { skip "findmnt accepts" "findmnt or mkfs.ext4 missing"; finish; exit; }

ROOT_UUID=0d1c4f6e-1111-4222-8333-444455556666
mkdir -p "$WORK/disks"
printf 'sda ext4 %s -\n' "$ROOT_UUID" >"$WORK/disks.spec"
mapfile -t DISKS < <(make_disks "$WORK/disks.spec" "$WORK/disks")

L='/dev/xvda / ext4 defaults 0 1'
# printf formats: the bytes of each fstab.
inputs=(
        "$L\n"
        "$L"
        "# c\n$L"
        "# c\n# d\n$L"
        "# c\n\n  \t# d\n$L"
        "$L\n# c"
        "$L\n# c\n"
        "$L\n  "
        "$L\n\t"
        "$L\n\r"
        "\n\n$L"
        " $L"
        "$L #c\n"
        "$L\r\n# c\r\n"
        "# c\r\n$L\r"
        "# c\r\n$L\r\n# d"
        "\r#x y z\n$L\n"
        "# c\n\r#x y z\n$L"
        "$L\nproc /proc proc\n"
        "$L\nproc /proc proc defaults\n# the end"
        "$L\nxenfs /proc/xen xenfs defaults 0 0"
        "# c\nxenfs /proc/xen xenfs\n$L"
        "$L\n/dev/xvdz /mnt/usb vfat noauto,user 0 0"
        "$L\n\r#x y\n"
        "$L\nproc\n"
        "$L\n\v\n"
)

# parse_refused FILE: stderr FILE holds one of fix-fstab.c's parse refusals.
parse_refused() {
        grep -E '/etc/fstab.*(cannot parse|libmount)' "$1"
}

i=0
for fmt in "${inputs[@]}"; do
        i=$((i + 1))
        r=$WORK/root-$i
        mkdir -p "$r/etc"
        # shellcheck disable=SC2059 # the input is a format on purpose
        printf "$fmt" >"$r/etc/fstab"
        cp "$r/etc/fstab" "$WORK/input-$i"
        label="input $i (${fmt//#/\\043})" # no '#' in a TAP description

        if ! findmnt --verify --tab-file "$r/etc/fstab" 2>&1 | grep -q '^0 parse errors'; then
                echo "# $label: findmnt refuses it; not judged"
                continue
        fi

        rc=0
        "$MIGRATECTL" --root "$r" --hypervisor kvm "${DISKS[@]}" apply >"$WORK/out-$i" 2>"$WORK/err-$i" || rc=$?
        if [ "$rc" -ne 0 ]; then
                not_ok "$label: findmnt accepts it, so must kvmigrate (exit $rc)"
                sed 's/^/# /' "$WORK/err-$i"
                continue
        fi
        ok "$label: findmnt accepts it, and so does kvmigrate"

        v=$(findmnt --verify --tab-file "$r/etc/fstab" 2>&1 || true)
        if printf '%s\n' "$v" | grep -q '^0 parse errors'; then
                ok "$label: the rewritten file parses for findmnt"
        else
                not_ok "$label: the rewritten file parses for findmnt"
                printf '%s\n' "$v" | sed 's/^/# /'
        fi
        check_eq "$label: root is UUID=" "1" \
                "$(grep -c "^ *UUID=$ROOT_UUID / ext4 defaults 0 1" "$r/etc/fstab")"
        check_eq "$label: a final newline only where there was one" \
                "$(tail -c 1 "$WORK/input-$i" | od -An -c | tr -d ' ')" \
                "$(tail -c 1 "$r/etc/fstab" | od -An -c | tr -d ' ')"
done

# The fixture guests' fstabs: whatever their disks say, a file findmnt parses is parsed here.
for f in "$FIXTURES"/cases/*/root/etc/fstab "$FIXTURES"/fstab/*/fstab; do
        [ -f "$f" ] || continue
        name=${f#"$FIXTURES"/}
        findmnt --verify --tab-file "$f" 2>&1 | grep -q '^0 parse errors' || continue
        r=$WORK/fixture-root
        rm -rf "$r"
        mkdir -p "$r/etc"
        cp "$f" "$r/etc/fstab"
        "$MIGRATECTL" --root "$r" --hypervisor kvm "${DISKS[@]}" plan >/dev/null 2>"$WORK/fixture.err" || true
        if parse_refused "$WORK/fixture.err" >/dev/null; then
                not_ok "$name: findmnt parses it, kvmigrate refuses to"
                parse_refused "$WORK/fixture.err" | sed 's/^/# /'
        else
                ok "$name: findmnt parses it, and so does kvmigrate"
        fi
done
finish
