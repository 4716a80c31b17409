#!/bin/bash
# The plan is a diff that the usual tools apply: for every guest root in
# tests/fixtures/cases/, "patch -p1" (GNU patch) in one copy of the root,
# "git apply" in a second and "migratectl apply" in a third must leave the
# same tree: the same files, bytes, file types and link targets (issue 10,
# point 13: a moved link became a regular file under patch).

. "$(dirname "$0")/../lib/testlib.sh"

# One line per entry: type, path, link target; then every file's bytes by checksum.
tree_listing() {
        (cd "$1" && find . -path ./var/lib/kvmigrate -prune -o -printf '%y %p %l\n' | LC_ALL=C sort &&
                find . -path ./var/lib/kvmigrate -prune -o -type f -print0 | LC_ALL=C sort -z |
                xargs -0 -r sha256sum)
}

run_case() {
        local case=$1 name
        name=$(basename "$case")
        local w=$WORK/$name
        mkdir -p "$w/disks"
        local t
        for t in patch git apply; do
                cp -a "$case/root" "$w/$t"
                mkdir -p "$w/$t/var/lib"
        done

        local -a disks extra=()
        mapfile -t disks < <(make_disks "$case/disks" "$w/disks")
        [ -f "$case/args" ] && read -r -a extra <"$case/args"
        local -a cmd=("$MIGRATECTL" --root "$w/apply" --hypervisor kvm "${disks[@]}" "${extra[@]}")

        local rc=0
        "${cmd[@]}" plan >"$w/plan.diff" 2>"$w/err" || rc=$?
        if [ -f "$case/refused" ]; then
                check_eq "$name: plan refuses, so there is nothing to apply" 2 "$rc"
                return
        fi
        check_eq "$name: plan" 0 "$rc"
        [ "$rc" -eq 0 ] || { sed 's/^/# /' "$w/err"; return; }
        check "$name: apply" "${cmd[@]}" apply

        if [ ! -s "$w/plan.diff" ]; then
                check_eq "$name: an empty plan, and apply changed nothing" "$(tree_listing "$w/patch")" \
                        "$(tree_listing "$w/apply")"
                return
        fi
        check "$name: patch -p1 applies the plan" \
                sh -c 'cd "$1" && patch -p1 --batch <"$2"' sh "$w/patch" "$w/plan.diff"
        # Outside any repository, so that git apply works on the folder it is run in.
        check "$name: git apply applies the plan" \
                env GIT_CEILING_DIRECTORIES="$WORK" sh -c 'cd "$1" && git apply "$2"' sh "$w/git" "$w/plan.diff"

        check_eq "$name: patch -p1 makes what migratectl apply makes" "$(tree_listing "$w/apply")" \
                "$(tree_listing "$w/patch")"
        check_eq "$name: git apply makes what migratectl apply makes" "$(tree_listing "$w/apply")" \
                "$(tree_listing "$w/git")"
        check "$name: the trees are equal to diff -r, links compared as links" \
                diff -r --no-dereference -x kvmigrate "$w/apply" "$w/patch"
}

need mkfs.ext4 mkswap mkfs.xfs mkfs.vfat sfdisk patch git || { skip "plan patch" "tools missing"; finish; exit; }

for case in "$FIXTURES"/cases/*/; do
        run_case "${case%/}"
done
finish
