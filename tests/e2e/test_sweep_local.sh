# sweeps/local.ini, the default sweep, on this machine: it finishes within
# 3 minutes and shows THP's effect — for the same gups table, minor faults
# (measured region) with THP always at least 100 times fewer than with THP
# never; 64K mTHP, when the kernel has it, 16 times fewer.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
LOCAL="$(dirname "$0")/../../sweeps/local.ini"
THP=/sys/kernel/mm/transparent_hugepage
# Every writable THP/mTHP/khugepaged setting, as path=value lines.
# Comparisons of THP settings hold the machine's knob lock, so on a shared
# machine they wait for someone else's sweep to finish and see settled values.
KLOCK=/run/lock/harness-knobs.lock
[ -w /run/lock ] || KLOCK=/tmp/harness-knobs.lock
THP_CMD='find /sys/kernel/mm/transparent_hugepage -type f -perm -200 ! -path "*/stats/*" | sort | while read -r f; do echo "$f=$(cat "$f")"; done'
thp_state() { flock "$KLOCK" sh -c "$THP_CMD"; }
thp_before=$(thp_state)
# median VARIANT SIZE_BYTES: median region minor faults of the gups runs.
median() {
	q "$DB" "select m.value from runs r join metrics m on m.run_id = r.id
		 where r.workload = 'gups' and r.variant = '$1' and r.warmup = 0 and r.status = 'ok'
		   and json_extract(r.params_json, '\$.size') = $2
		   and m.scope = 'region' and m.name = 'fault.minor'" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

start=$(date +%s)
"$H" sweep "$LOCAL" -q --db "$DB" >"$T/table.txt" 2>"$T/err.txt"
rc=$?
secs=$(($(date +%s) - start))
echo "# sweeps/local.ini took $secs s"
check "local.ini exits 0" test $rc = 0
check "local.ini finishes within 3 minutes ($secs s)" test "$secs" -le 180
check "every planned run stored" test "$(q "$DB" "select planned_runs + planned_warmups from sweeps")" = "$(q "$DB" "select count(*) from runs")"
check "no failed runs" test "$(q "$DB" "select count(*) from runs where status <> 'ok'")" = 0
for wl in gups ptrchase smallfiles collapse; do
	check "$wl ran under every variant" test "$(q "$DB" "select count(distinct variant) from runs where workload = '$wl'")" = "$(q "$DB" "select count(distinct variant) from runs")"
done
check "the comparison table is printed" sh -c "grep -q '^gups size=64m' '$T/table.txt' && grep -q 'thp-always' '$T/table.txt'"

# Under ASan the workloads' shadow memory (an eighth of what they touch) is
# faulted in base page by base page whatever THP does: the 100x holds for
# the plain build; a sanitized one must still show far fewer faults.
want=100
if grep -q __asan_init "$WL/gups" 2>/dev/null; then
	want=5
	echo "# sanitized workloads: THP ratio checked at ${want}x (shadow memory faults per base page)"
fi
for size in 67108864 268435456; do
	never=$(median thp-never $size)
	always=$(median thp-always $size)
	ratio=$(awk -v n="$never" -v a="$always" 'BEGIN { printf "%.0f", (a > 0 ? n / a : 0) }')
	echo "# gups $size B: region minor faults, median: THP never $never, THP always $always (ratio $ratio)"
	check "gups $size B: THP always at least ${want}x fewer minor faults than THP never" test "$ratio" -ge $want
done
if [ $want -lt 100 ]; then
	: # the mTHP ratio is hidden by the shadow memory too
elif [ -d "$THP/hugepages-64kB" ]; then
	never=$(median thp-never 67108864)
	mthp=$(median mthp-64k 67108864)
	echo "# gups 64 MiB: 64K mTHP $mthp minor faults against $never with THP never"
	check "64K mTHP: about 16x fewer faults than base pages" awk -v n="$never" -v m="$mthp" 'BEGIN { exit !(m > 0 && n / m > 12 && n / m < 20) }'
else
	check "no hugepages-64kB: the optional mTHP variant is skipped with its reason" grep -q "mthp-64k: optional variant skipped" "$T/table.txt"
fi
check "THP settings restored" test "$(thp_state)" = "$thp_before"
finish
