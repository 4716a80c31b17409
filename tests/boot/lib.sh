# Shared helpers for the boot test scripts (bash): where the cache lives,
# logging, and bind mounts that are always undone.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOOT_CACHE=${KVMIGRATE_BOOT_CACHE:-$TOP/tests/.cache/boot}
SUITE=bookworm

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# mirror: the Debian archive apt on this machine uses (KVMIGRATE_MIRROR wins).
mirror() {
        local m=${KVMIGRATE_MIRROR:-}
        if [ -z "$m" ]; then
                # deb822 .sources: the URIs of the stanza whose Suites has the release.
                m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
                        /^[[:space:]]*$/ { if (u != "" && ok) { print u; exit } u = ""; ok = 0; next }
                        /^URIs:/ { u = $2 }
                        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
                        END { if (u != "" && ok) print u }' | head -1)
        fi
        if [ -z "$m" ]; then
                m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                        awk -v s="$SUITE" '$1 == "deb" && $0 ~ " " s " " { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' | head -1)
        fi
        echo "${m:-http://deb.debian.org/debian}"
}

# Bind mounts for a chroot, undone by chroot_unmount (call it from a trap).
_mounted=()
chroot_mount() {
        local root=$1 d
        for d in proc sys dev dev/pts; do
                mkdir -p "$root/$d"
                mount --bind "/$d" "$root/$d" || die "bind-mount /$d into $root"
                _mounted=("$root/$d" "${_mounted[@]}")
        done
}
chroot_unmount() {
        local m
        for m in "${_mounted[@]}"; do
                umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
        done
        _mounted=()
}

# unmount_below DIR: whatever is still mounted below DIR (debootstrap's own
# /proc and /sys after a failure), deepest first, so that rm -rf cannot reach
# the host's /dev or /proc through a bind mount.
unmount_below() {
        local dir m
        dir=$(realpath "$1")
        awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do
                        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
                done
}
