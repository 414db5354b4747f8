#!/bin/sh
# pps refuses without its series, naming what to supply and where; with a
# dummy series (one comment added to one file) it builds, mostly from
# ccache, without touching the shared source tree. (mthp-collapse needs no
# series since Linux 7.2: test_40_linux72.sh.)
. "$(dirname "$0")/lib.sh"

for v in pps; do
	snapshot
	build "$v"
	expect_usage "$v without a series" "kernels/series/$v" --patches
done
check "pps refusal names HARNESS_PPS_SERIES" \
	sh -c "HARNESS_PPS_SERIES= '$H' kernel build pps 2>&1 | grep -q HARNESS_PPS_SERIES"

# The dummy series patch the pristine source; find it via the 4k build.
build 4k
check "4k available" [ "$rc" -eq 0 ]
img4=$out
src=$(ls -d "$HARNESS_CACHE"/kernels/src/*/linux | head -n 1)
# dummy_series DIR FILE: DIR/0001-harness-dummy.patch adds a comment at the
# end of FILE (no line moves, so the object may even come from ccache).
dummy_series() {
	mkdir -p "$T/a/${2%/*}" "$T/b/${2%/*}" "$1"
	cp "$src/$2" "$T/a/$2"
	cp "$src/$2" "$T/b/$2"
	echo "/* harness test: dummy $(basename "$1") series */" >>"$T/b/$2"
	(cd "$T" && diff -u "a/$2" "b/$2") >"$1/0001-harness-dummy.patch"
	rm -rf "$T/a" "$T/b"
}
dummy_series "$T/series/pps" mm/memory.c

export HARNESS_PPS_SERIES="$T/series/pps"
build pps
echo "# pps with the dummy series: $took s ($err)"
check "pps: builds with the series in HARNESS_PPS_SERIES" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '#   %s\n' "$err"
check "pps: an arm64 Image" is_arm64 "$out"
check "pps: its own build, not the 4k one" [ "$out" != "$img4" ]
check "pps: the patch in its build log" grep -q "0001-harness-dummy.patch" "$(dirname "$out")/build.log"
check "pps: shared source tree untouched" sh -c "! grep -q 'harness test: dummy' '$src/mm/memory.c'"
pps_img=$out
build pps
check "pps: second build is the same Image" [ "$rc" -eq 0 -a "$out" = "$pps_img" ]
check "pps: second build is a hit under 1 s ($took s)" lt "$took" 1
show=$("$H" kernel show pps)
check "show pps: the patch and the launcher" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 0001-harness-dummy.patch && printf '%s\n' \"\$1\" | grep -q '^launcher *prctl 0x70707301 65536'" - "$show"
unset HARNESS_PPS_SERIES
# The harness's own pps test series (tests/qemu/test_60_pps.sh boots it)
# applies to the default source as it is, with no fuzz.
check "tests/kernel/pps-series applies to the source with --fuzz=0" \
	patch -p1 --fuzz=0 --dry-run -s -d "$src" -i "$REPO/tests/kernel/pps-series/0001-prctl-PR_SET_PAGE_SIZE_HINT-shown-in-proc-status.patch"
# Built here, it is shared with check-qemu (HARNESS_KERNEL_SHARE), which
# boots it (tests/qemu/test_60_pps.sh): two .c files recompiled.
build pps --patches "$REPO/tests/kernel/pps-series"
echo "# pps with tests/kernel/pps-series: $took s ($err)"
check "pps: builds with the test series" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '#   %s\n' "$err"
check "pps: the test series' PageSizeHint line is in its Image" grep -q -a "PageSizeHint" "$out"

# A series on a knob-only variant's base: --patches builds 4k's recipe
# patched, its own cache entry.
build 4k --patches "$T/series/pps"
check "4k --patches: its own build" [ "$rc" -eq 0 -a "$out" != "$img4" ]
check "4k --patches: the pps build (same inputs, same key)" [ "$out" = "$pps_img" ]
check "shared source tree untouched" sh -c "! grep -q 'harness test: dummy' '$src/mm/memory.c'"
finish
