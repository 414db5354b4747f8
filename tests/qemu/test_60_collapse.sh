#!/bin/sh
# khugepaged collapse into 64 KiB mTHP on Linux 7.2 (mthp-collapse, the 4k
# kernel from linux-source-7.2 with knobs): a quarter of each 64 KiB range
# of 16 MiB touched. With max_ptes_none = 511 every range becomes a 64 KiB
# folio of the workload's own mapping (pagemap + kpageflags) and
# hugepages-64kB collapse_alloc counts them; with 0 none does, and none is
# even tried: 7.2 skips a range whose present PTEs fall short at its
# bitmap check (mthp_collapse() in mm/khugepaged.c), so
# collapse_exceed_none_pte stays 0 too (it counts only ranges that fail
# later, at isolation); with 0 and every page touched they collapse again.
# AnonHugePages stays 0 throughout (PMD size never).
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
P="-p size=16m -p unit=64k -p method=khugepaged -p poll_ms=100 -p timeout=60"

# collapse VARIANT FRACTION: one run, its id in $id.
collapse() {
	# shellcheck disable=SC2086
	"$H" run collapse --target qemu --variant "$1" $P -p fraction="$2" -q --db "$DB" \
		>"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || tail -n 5 "$T/err" | sed 's/^/#   /'
}
val() {	# VARIANT SCOPE NAME: the metric of the run with fraction $f
	q "$DB" "SELECT m.value FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.variant = '$1'
		AND json_extract(r.params_json, '$.fraction') = $f AND m.scope = '$2' AND m.name = '$3'"
}

for case in mthp-collapse:0.25 mthp-collapse-0:0.25 mthp-collapse-0:1; do
	v=${case%:*} f=${case#*:}
	collapse "$v" "$f"
	check "$v fraction $f: run exits 0" [ "$rc" -eq 0 ]
	uf=$(val "$v" workload unit_folios)
	ca=$(val "$v" process thp.hugepages-64kB.collapse_alloc)
	ex=$(val "$v" process thp.hugepages-64kB.collapse_exceed_none_pte)
	ahp=$(val "$v" process mem.AnonHugePages_peak)
	scans=$(val "$v" workload khugepaged_full_scans)
	echo "# $v fraction $f: unit_folios $uf of 256, collapse_alloc $ca, collapse_exceed_none_pte $ex, AnonHugePages $ahp, full scans $scans"
	check "$v fraction $f: AnonHugePages stays 0" [ "${ahp%.*}" = 0 ]
	case "$case" in
	mthp-collapse:*|*:1)
		check "$v fraction $f: all 256 ranges are 64 KiB folios" [ "${uf%.*}" = 256 ]
		check "$v fraction $f: collapse_alloc >= 256" ge "$ca" 256 ;;
	*)
		check "$v fraction $f: no range collapsed" [ "${uf%.*}" = 0 ]
		check "$v fraction $f: no 64 KiB collapse_alloc" [ "${ca%.*}" = 0 ]
		check "$v fraction $f: collapse_exceed_none_pte stored (0: skipped before isolation)" [ -n "$ex" ]
		check "$v fraction $f: the wait ended after five full scans, not the timeout" ge "$scans" 5 ;;
	esac
done
knob=$(q "$DB" "SELECT value FROM knobs k JOIN runs r ON r.id = k.run_id WHERE r.variant = 'mthp-collapse-0'
	AND k.path LIKE '%khugepaged/max_ptes_none' LIMIT 1")
check "mthp-collapse-0: max_ptes_none 0 applied in the guest" [ "$knob" = 0 ]
no_guests && ok "no guest left running" || not_ok "no guest left running"
finish
