#!/bin/sh
# 4k, 16k and 64k each build an arm64 Image whose .config has the page
# size asked for; a second build is a cache hit under a second; mthp-64k
# reuses the 4k build.
. "$(dirname "$0")/lib.sh"

for v in 4k 16k 64k; do
	n=${v%k}
	build "$v"
	check "$v: build exits 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || printf '#   %s\n' "$err"
	echo "# $v: first build $took s ($err)"
	img=$out
	dir=$(dirname "$img")
	check "$v: Image exists" [ -s "$img" ]
	check "$v: Image is an arm64 Image (ARM\\x64 at offset 56)" is_arm64 "$img"
	check "$v: .config has CONFIG_ARM64_${n}K_PAGES=y" grep -qx "CONFIG_ARM64_${n}K_PAGES=y" "$dir/config"
	check "$v: no other page size in .config" \
		[ "$(grep -cE '^CONFIG_ARM64_(4|16|64)K_PAGES=y' "$dir/config")" -eq 1 ]
	check "$v: mTHP contpte built in" grep -qx "CONFIG_ARM64_CONTPTE=y" "$dir/config"
	check "$v: build log beside the Image" grep -q 'arch/arm64/boot/Image' "$dir/build.log"
	check "$v: System.map and kernel.release kept" [ -s "$dir/System.map" -a -s "$dir/kernel.release" ]

	build "$v"
	echo "# $v: second build $took s"
	check "$v: second build exits 0" [ "$rc" -eq 0 ]
	check "$v: second build is the same Image" [ "$out" = "$img" ]
	check "$v: second build says cached" sh -c "printf '%s' \"\$1\" | grep -q cached" - "$err"
	check "$v: cache hit under 1 s ($took s)" lt "$took" 1
	eval "img_$n=\$img"
done

check "4k, 16k and 64k are three builds" \
	[ "$img_4" != "$img_16" -a "$img_4" != "$img_64" -a "$img_16" != "$img_64" ]

build mthp-64k
echo "# mthp-64k: $took s ($err)"
check "mthp-64k: exits 0" [ "$rc" -eq 0 ]
check "mthp-64k: reuses the 4k build" [ "$out" = "$img_4" ]
check "mthp-64k: no build of its own (under 1 s, $took s)" lt "$took" 1
show=$("$H" kernel show mthp-64k)
check "show mthp-64k: the 64K mTHP knob" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 'hugepages-64kB/enabled=always'" - "$show"
check "show mthp-64k: the Image" sh -c "printf '%s\n' \"\$1\" | grep -q \"image *\$2\"" - "$show" "$img_4"

list=$("$H" kernel list)
for v in 4k 16k 64k mthp-64k; do
	check "list: $v built" sh -c "printf '%s\n' \"\$1\" | grep -qE '^$v +.* built '" - "$list"
done
finish
