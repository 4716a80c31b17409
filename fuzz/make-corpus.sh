#!/bin/bash
# Seed corpora for the fuzz targets: fuzz/corpus/TARGET/, from the files of
# tests/fixtures that each parser reads (input trees and expected trees
# alike), the kernel command lines found in them, and the hand-picked seeds
# in fuzz/seeds/TARGET/. Each seed is named by the SHA-1 of its bytes, as
# libFuzzer names what it adds, so running this again adds only what is new
# and never disturbs a corpus a fuzzing run has grown.
#
# Usage: fuzz/make-corpus.sh [TARGET...]   (default: every fuzz/fuzz-*.c)

set -eu
cd "$(dirname "$0")/.." || exit

FIXTURES=tests/fixtures
CORPUS=fuzz/corpus

# add TARGET: file contents on stdin, one seed.
add() {
        local tmp sum
        tmp=$(mktemp "$CORPUS/$1/.seed.XXXXXX")
        cat >"$tmp"
        sum=$(sha1sum <"$tmp")
        sum=${sum%% *}
        if [ -e "$CORPUS/$1/$sum" ]; then
                rm -f "$tmp"
        else
                mv "$tmp" "$CORPUS/$1/$sum"
        fi
}

# add_files TARGET FIND-ARGS...: each regular file below tests/fixtures that FIND-ARGS select.
add_files() {
        local target=$1 f
        shift
        while IFS= read -r -d '' f; do
                add "$target" <"$f"
        done < <(find "$FIXTURES" -type f \( "$@" \) -print0)
}

# add_lines TARGET: each line on stdin, without its newline, one seed.
add_lines() {
        local line
        while IFS= read -r line; do
                [ -n "$line" ] && printf '%s' "$line" | add "$1"
        done
}

# The kernel command lines the fixtures hold, as the fixers hand them to cmdline_rewrite().
cmdlines() {
        find "$FIXTURES" -type f \( -name menu.lst -o -name grub.conf \) -print0 |
                xargs -0 -r sed -n 's/^[[:blank:]]*#\{0,1\}[[:blank:]]*kernel[[:blank:]]\{1,\}[^[:blank:]]*[[:blank:]]\{1,\}//p; s/^#[[:blank:]]*kopt=//p'
        find "$FIXTURES" -type f -path '*/loader/entries/*' -print0 |
                xargs -0 -r sed -n 's/^options[[:blank:]]\{1,\}//p'
        find "$FIXTURES" -type f \( -name extlinux.conf -o -name syslinux.cfg -o -name update-extlinux.conf -o -name extlinux \) -print0 |
                xargs -0 -r sed -n 's/^[[:blank:]]*[Aa][Pp][Pp][Ee][Nn][Dd][[:blank:]]\{1,\}//p; s/^default_kernel_opts=//p'
        find "$FIXTURES" -type f -name grub.cfg -print0 |
                xargs -0 -r sed -n 's/^[[:blank:]]*linux[[:blank:]]\{1,\}[^[:blank:]]*[[:blank:]]\{1,\}//p'
        find "$FIXTURES" -type f \( -path '*/default/grub' -o -path '*/default/grub.d/*' \) -print0 |
                xargs -0 -r sed -n 's/^GRUB_CMDLINE_LINUX[A-Z_]*=//p'
        find "$FIXTURES" -type f -path '*/etc/kernel/cmdline' -print0 | xargs -0 -r cat
}

seed() {
        local target=$1 f
        mkdir -p "$CORPUS/$target"
        case $target in
        fstab) add_files fstab -name fstab -o -name fstab.expected ;;
        crypttab) add_files crypttab -name crypttab ;;
        menu-lst) add_files menu-lst -name menu.lst -o -name grub.conf ;;
        grub-cfg) add_files grub-cfg -name grub.cfg ;;
        default-grub) add_files default-grub -path '*/default/grub' -o -path '*/default/grub.d/*' \
                -o -path '*/sysconfig/grub' ;;
        bls) add_files bls -path '*/loader/entries/*.conf' ;;
        extlinux) add_files extlinux -name extlinux.conf -o -name syslinux.cfg ;;
        inittab) add_files inittab -name inittab ;;
        upstart) add_files upstart -path '*/etc/init/*.conf' -o -path '*/etc/event.d/*' ;;
        cmdline) cmdlines | add_lines cmdline ;;
        blkid-tab) add_files blkid-tab -name blkid.tab ;;
        snapshot) add_files snapshot -path '*/var/lib/kvmigrate/snapshot' ;;
        units) add_files units -path '*/etc/systemd/system/*.mount' -o -path '*/etc/systemd/system/*.swap' ;;
        resume) add_files resume -path '*/initramfs-tools/conf.d/*' -o -name uswsusp.conf \
                -o -path '*/dracut.conf.d/*' -o -name dracut.conf -o -name initramfs.conf ;;
        devicemap) add_files devicemap -name device.map ;;
        securetty) add_files securetty -name securetty ;;
        grub-scripts) add_files grub-scripts -path '*/etc/grub.d/*' ;;
        netplan) add_files netplan -path '*/etc/netplan/*' ;;
        netcfg)
                # The first byte picks the file (see fuzz-netcfg.c).
                for f in $(find "$FIXTURES" -type f \( -path '*/etc/network/interfaces' -o -path '*/etc/systemd/network/*' \
                        -o -path '*/system-connections/*' -o -path '*/ifcfg-*' -o -path '*/etc/netplan/*' \
                        -o -name '70-persistent-net.rules' \)); do
                        case $f in
                        */etc/network/interfaces) k='\000' ;;
                        */etc/systemd/network/*) k='\001' ;;
                        */system-connections/*) k='\002' ;;
                        */ifcfg-*) k='\003' ;;
                        */etc/netplan/*) k='\004' ;;
                        *) k='\005' ;;
                        esac
                        { printf "$k"; cat "$f"; } | add netcfg
                done
                ;;
        state | manifest | journal | config) ;; # no fixture holds one: the seeds below
        *)
                echo "make-corpus.sh: no seeds known for $target" >&2
                return 1
                ;;
        esac
        if [ -d "fuzz/seeds/$target" ]; then
                for f in "fuzz/seeds/$target"/*; do
                        [ -f "$f" ] && add "$target" <"$f"
                done
        fi
        echo "$target: $(find "$CORPUS/$target" -maxdepth 1 -type f ! -name '.*' | wc -l) inputs in $CORPUS/$target"
}

if [ $# -eq 0 ]; then
        for f in fuzz/fuzz-*.c; do
                t=${f#fuzz/fuzz-}
                set -- "$@" "${t%.c}"
        done
fi
for target in "$@"; do
        seed "$target"
done
