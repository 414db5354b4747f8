#!/bin/sh
# Linux 7.2 from Debian unstable's linux-source-7.2 (scripts/install-deps
# kernel fetches it into the cache's sources/; tests/kernel/run links the
# user's): 4k and 64k build from it with today's fragments unchanged, their
# release is 7.2 and they are builds of their own beside the 6.12 ones;
# mthp-collapse is knobs on the 7.2 4k build (a cache hit) and is refused
# on 6.12 before anything is built, the tree deciding.
. "$(dirname "$0")/lib.sh"

if ! "$H" kernel show 4k --source linux-source-7.2 >"$T/show" 2>&1 ||
   grep -q "cannot build" "$T/show"; then
	not_ok "linux-source-7.2 is here (scripts/install-deps kernel fetches it)" "$(grep -m1 'cannot build' "$T/show")"
	finish
	exit 1
fi
check "show: the source is the Debian package with its version" grep -Eq '^source +linux-source-7\.2 7\.2\.[0-9]+' "$T/show"

build 4k
img4_612=$out
for v in 4k 64k; do
	build "$v" --source linux-source-7.2
	echo "# $v on 7.2: $took s ($err)"
	check "$v on 7.2: build exits 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || printf '#   %s\n' "$err"
	check "$v on 7.2: an arm64 Image" is_arm64 "$out"
	check "$v on 7.2: kernel.release is 7.2" grep -q '^7\.2\.' "$(dirname "$out")/kernel.release"
	check "$v on 7.2: build.ini names the package and version" \
		grep -Eq '^source_describe = linux-source-7\.2 7\.2\.' "$(dirname "$out")/build.ini"
	eval "img_$v=\$out"
done
check "4k on 7.2 is another build than 4k on 6.12" [ "$img_4k" != "$img4_612" ]

# mthp-collapse names linux-source-7.2 itself: the 7.2 4k build, cached.
build mthp-collapse
echo "# mthp-collapse: $took s ($err)"
check "mthp-collapse: exits 0" [ "$rc" -eq 0 ]
check "mthp-collapse: reuses the 7.2 4k build" [ "$out" = "$img_4k" ]
check "mthp-collapse: a cache hit with the tree check (under 2 s, $took s)" lt "$took" 2
build mthp-collapse-0
check "mthp-collapse-0: the same build" [ "$rc" -eq 0 -a "$out" = "$img_4k" ]

# On 6.12: refused, from the tree (mm/khugepaged.c), nothing built.
snapshot
build mthp-collapse --source linux-source-6.12
expect_usage "mthp-collapse on 6.12" "mthp-collapse.ini:" "requires khugepaged mTHP collapse" \
	"linux-source-6.12 6.12" "--source linux-source-6.12"
src612=$(grep -l "linux-source-6.12" "$HARNESS_CACHE"/kernels/src/*/origin | head -n 1)
check "the 6.12 tree has no per-size collapse counter (the check's ground)" \
	sh -c "! grep -q 'MTHP_STAT_COLLAPSE_ALLOC' '$(dirname "$src612")/linux/mm/khugepaged.c'"
finish
