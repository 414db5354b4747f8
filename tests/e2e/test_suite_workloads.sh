#!/bin/sh
# End-to-end checks of the workload suite (ptrchase, stream, mmapread,
# forkexec, mallocchurn, collapse, sqlite): command line, complete framed
# streams, verification that fails loudly on corrupted data, and what each
# must show on this machine (cache steps and THP < base latency, different
# RSS for glibc and jemalloc, a real PMD collapse by MADV_COLLAPSE and by
# khugepaged with tuned scan settings, restored afterwards). Ends with one
# run of each through `harness run`.
# Standalone: HARNESS_BUILD names the build directory (default: build).
# The last line is "N passed, N failed"; the exit status is 1 on failure.

. "$(dirname "$0")/wl_lib.sh"
KH=/sys/kernel/mm/transparent_hugepage/khugepaged
KH_SAVED=""
restore_khugepaged() {
	[ -n "$KH_SAVED" ] || return 0
	# shellcheck disable=SC2086
	set -- $KH_SAVED
	echo "$1" >"$KH/scan_sleep_millisecs"
	echo "$2" >"$KH/pages_to_scan"
	echo "$3" >"$KH/max_ptes_none"
	KH_SAVED=""
}
trap 'restore_khugepaged; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# metric FILE NAME: one metric's value from a stream file.
metric() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "metric" and m["name"] == sys.argv[2]: print(m["value"])' "$1" "$2"
}

# corrupted NAME ARGS...: corrupt=1 fails verification loudly.
corrupted() {
	wl=$1; shift
	run_stream "$wl corrupt=1 fails verification (exit 1, verify false)" 1 verify=false \
		"$WL/$wl" "$@" corrupt=1
	if grep -q "^$wl: verification failed" "$TMP/stderr"; then ok "$wl corrupt=1 says so on stderr"
	else not_ok "$wl corrupt=1 says so on stderr" "$(cat "$TMP/stderr")"; fi
}

# bad_param NAME WORKLOAD PATTERN ARG...: exit 2, one stderr line with
# PATTERN, nothing on stdout (errors found at run time: the stream is on fd 3).
bad_param() {
	name=$1 wl=$2 pat=$3; shift 3
	HARNESS_RESULT_FD=3 "$WL/$wl" "$@" 3>/dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$pat" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
	   [ ! -s "$TMP/out" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc, stderr: $(cat "$TMP/err")"
	fi
}

# --check prints every parameter of --list-params, defaults filled.
check_params() {
	"$1" --list-params >"$TMP/list" && "$1" --check >"$TMP/check" &&
	python3 -c '
import json, sys
ps = json.load(open(sys.argv[1]))
o = json.load(open(sys.argv[2]))
assert sorted(o) == sorted(p["name"] for p in ps), o
for p in ps:
    assert {"name", "type", "default", "unit", "help"} <= set(p), p
    assert p["type"] != "enum" or p["choices"], p
assert any(p["name"] == "corrupt" and p["type"] == "bool" for p in ps)' "$TMP/list" "$TMP/check"
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ratio A B COND: awk condition on a and b, e.g. 'a < 0.95 * b'.
holds() { awk -v a="$1" -v b="$2" "BEGIN { exit !($3) }"; }

# Whether an mTHP size below the PMD can be allocated in MADV_HUGEPAGE ranges.
mthp_enabled() {
	t=/sys/kernel/mm/transparent_hugepage
	g=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$t/enabled")
	for d in "$t"/hugepages-*kB; do
		[ -r "$d/enabled" ] || continue
		kb=${d##*hugepages-}
		[ $((${kb%kB} * 1024)) -lt "$(cat "$t/hpage_pmd_size")" ] || continue
		c=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$d/enabled")
		[ "$c" = inherit ] && c=$g
		case $c in always|madvise) return 0 ;; esac
	done
	return 1
}

SUITE="ptrchase stream mmapread forkexec mallocchurn collapse sqlite"
for wl in $SUITE; do
	if [ ! -x "$WL/$wl" ]; then
		not_ok "$wl binary" "$WL/$wl not built"
		continue
	fi
	check "$wl --help" sh -c "'$WL/$wl' --help | grep -q 'corrupt='"
	check "$wl --check prints every parameter; --list-params is complete" check_params "$WL/$wl"
	bad_param "$wl unknown parameter exits 2" "$wl" "unknown parameter 'nosuch'" nosuch=1
done
# THP tests need PMD THP usable in MADV_HUGEPAGE ranges.
THP=0
if [ -r /sys/kernel/mm/transparent_hugepage/hpage_pmd_size ] &&
   ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
	THP=1
else
	echo "# transparent hugepages unavailable or disabled: THP and collapse checks skipped"
fi
PAGE=$(getconf PAGESIZE)

# ---- ptrchase
bad_param "ptrchase sizes list error names the parameter" ptrchase \
	"parameter sizes: '1x' is not a size" sizes=16k..1x
bad_param "ptrchase --check refuses a bad sizes list" ptrchase "parameter sizes" --check sizes=4k,,
bad_param "ptrchase stride not a multiple of 8" ptrchase "parameter stride: '12' is not a multiple of 8" stride=12
bad_param "ptrchase size below two pointers" ptrchase "parameter size" size=64 stride=64
run_stream "ptrchase one size: ns_per_access, verified" 0 \
	"verify=true ns_per_access ns_per_access.1048576 accesses=100000 bytes_touched=1048576 windows=1" \
	"$WL/ptrchase" size=1m accesses=100000 windows=1 window=0
run_stream "ptrchase order=seq" 0 "verify=true ns_per_access" \
	"$WL/ptrchase" size=1m order=seq accesses=100000 windows=2 window=0
# Windows: one figure each, median and best; each window repeats batches
# of accesses loads until it lasts window seconds.
if run_stream "ptrchase windows=3: per-window figures, median and best" 0 \
	"verify=true window_ns.1048576.0 window_ns.1048576.2 ns_per_access_best windows=3 accesses>30000 cpu_share>0" \
	"$WL/ptrchase" size=1m accesses=10000 windows=3 window=0.05; then
	m=$(metric "$TMP/stream" ns_per_access) b=$(metric "$TMP/stream" ns_per_access_best)
	if holds "$b" "$m" 'a <= b && a > 0'; then ok "ptrchase best $b <= median $m"
	else not_ok "ptrchase best <= median" "best $b, median $m"; fi
fi
for f in map chain none; do
	run_stream "ptrchase fresh=$f verified" 0 "verify=true ns_per_access.16384 ns_per_access.262144" \
		"$WL/ptrchase" sizes=16k,256k accesses=20000 windows=3 window=0 fresh=$f
done
# The latency in cycles of a dependent add timed beside each batch: an L1
# hit costs a few cycles on every core (3 on a Cortex-A53, 4-5 on
# Neoverse and recent x86-64; sanitizers add some), more at 1 MiB; the
# cycles agree with ns times the chains' clock.
if run_stream "ptrchase calibrated: cycles per access and the clock" 0 \
	"verify=true cycles_per_access.16384 cycles_per_access_best.1048576 clock_ghz>0" \
	"$WL/ptrchase" sizes=16k,1m accesses=200000 windows=3 window=0.05 fresh=none; then
	c1=$(metric "$TMP/stream" cycles_per_access_best.16384) c2=$(metric "$TMP/stream" cycles_per_access_best.1048576)
	ghz=$(metric "$TMP/stream" clock_ghz) n1=$(metric "$TMP/stream" ns_per_access_best.16384)
	if holds "$c1" "$c2" 'a >= 2 && a <= 12 && b > a'; then ok "ptrchase L1 hit $c1 cycles, 1 MiB $c2"
	else not_ok "ptrchase L1 hit 2..12 cycles, fewer than at 1 MiB" "16 KiB $c1, 1 MiB $c2"; fi
	if holds "$ghz" 1 'a > 0.05 && a < 10'; then ok "ptrchase clock_ghz $ghz is a clock"
	else not_ok "ptrchase clock_ghz is a clock" "$ghz"; fi
	if holds "$(awk -v n="$n1" -v g="$ghz" 'BEGIN { print n * g }')" "$c1" 'a > 0.7 * b && a < 1.4 * b'; then
		ok "ptrchase ns x GHz agrees with cycles at 16 KiB ($n1 ns x $ghz GHz, $c1)"
	else not_ok "ptrchase ns x GHz agrees with cycles" "$n1 ns x $ghz GHz against $c1 cycles"; fi
fi
run_stream "ptrchase calibrate=0: no cycles" 0 "verify=true ns_per_access" \
	"$WL/ptrchase" size=64k accesses=20000 windows=1 window=0 calibrate=0
if grep -q '"cycles_per_access\|"clock_ghz"' "$TMP/stream"; then not_ok "ptrchase calibrate=0 reports no cycles" "$(grep -c cycles "$TMP/stream") lines"
else ok "ptrchase calibrate=0 reports no cycles"; fi
run_stream "ptrchase clock=wall" 0 "verify=true ns_per_access" \
	"$WL/ptrchase" size=64k accesses=20000 windows=2 window=0 clock=wall
bad_param "ptrchase windows=0 below range" ptrchase "parameter windows: '0' is below the minimum 1" windows=0
corrupted ptrchase size=64k accesses=1000
# The latency curve: cache steps from 16 KiB to 1 GiB in one run. Each
# level is the lower of two neighbouring sizes (other work on the machine
# only ever adds latency).
if run_stream "ptrchase sizes=16k..1g: one metric per size" 0 \
	"verify=true ns_per_access.16384 ns_per_access.1048576 ns_per_access.1073741824" \
	"$WL/ptrchase" sizes=16k..1g accesses=1000000 pages=base windows=3 window=0 fresh=none; then
	lo2() { awk -v a="$(metric "$TMP/stream" "ns_per_access_best.$1")" \
		-v b="$(metric "$TMP/stream" "ns_per_access_best.$2")" 'BEGIN { print a < b ? a : b }'; }
	l1=$(lo2 16384 32768) l2=$(lo2 262144 524288) l3=$(lo2 4194304 8388608)
	mem=$(lo2 536870912 1073741824)
	if holds "$l1" "$l2" 'a * 2 < b' && holds "$l2" "$l3" 'a * 2 < b' && holds "$l3" "$mem" 'a * 3 < b'; then
		ok "ptrchase curve has cache steps (L1 $l1, L2 $l2, L3 $l3, memory $mem ns)"
	else not_ok "ptrchase curve has cache steps" "L1 $l1, L2 $l2, L3 $l3, memory $mem ns"; fi
fi
# THP against base pages far beyond the TLB reach (256 MiB = 65536 base
# pages): one cache line per page, as test-tlb, so the walks dominate.
# Five interleaved pairs; the lowest of each (interference only adds).
if [ $THP -eq 1 ]; then
	: >"$TMP/base"; : >"$TMP/thp"
	for _ in 1 2 3 4 5; do
		for p in base thp; do
			HARNESS_RESULT_FD=3 "$WL/ptrchase" size=256m stride=$((PAGE + 64)) \
				accesses=1000000 windows=1 window=0 pages=$p 3>"$TMP/pc.$p" >/dev/null 2>&1
			metric "$TMP/pc.$p" ns_per_access >>"$TMP/$p"
		done
	done
	b=$(sort -g "$TMP/base" | head -1) t=$(sort -g "$TMP/thp" | head -1)
	bm=$(median <"$TMP/base") tm=$(median <"$TMP/thp")
	thp_bytes=$(metric "$TMP/pc.thp" thp_bytes)
	if [ "$(wc -l <"$TMP/thp")" -eq 5 ] && holds "$t" "$b" 'a < 0.9 * b'; then
		ok "ptrchase 256m: thp $t ns < 0.9 x base $b ns (best of 5; medians $tm, $bm)"
	else not_ok "ptrchase 256m: thp < 0.9 x base (best of 5)" "thp $t, base $b (medians $tm, $bm)"; fi
	if holds "$thp_bytes" 268435456 'a == b'; then ok "ptrchase pages=thp is backed by THP"
	else not_ok "ptrchase pages=thp is backed by THP" "thp_bytes $thp_bytes"; fi
	# Below the PMD size the working set is rounded up to a whole huge page.
	pmd=$(cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size)
	run_stream "ptrchase pages=thp size=16k is backed by one huge page" 0 \
		"verify=true thp_bytes=$pmd" "$WL/ptrchase" size=16k pages=thp windows=1 window=0
	run_stream "ptrchase pages=thp curve: a huge page per size" 0 \
		"verify=true thp_bytes.16384=$pmd thp_bytes.1048576=$pmd" \
		"$WL/ptrchase" sizes=16k,1m pages=thp windows=2 window=0 accesses=10000
	if ! mthp_enabled; then
		bad_param "ptrchase pages=mthp without an enabled mTHP size exits 2" ptrchase \
			"parameter pages: 'mthp'" pages=mthp size=1m
	else
		run_stream "ptrchase pages=mthp" 0 "verify=true" "$WL/ptrchase" pages=mthp size=4m \
			windows=2 window=0
	fi
fi

# ---- stream
run_stream "stream threads=2: four kernels, validated" 0 \
	"verify=true copy_bytes_per_s>0 scale_bytes_per_s>0 add_bytes_per_s>0 triad_bytes_per_s>0 array_bytes=8388608" \
	"$WL/stream" size=8m threads=2 ntimes=3
run_stream "stream stores=plain bind=core" 0 "verify=true copy_bytes_per_s nt_stores=0" \
	"$WL/stream" size=4m threads=2 bind=core stores=plain ntimes=3
# stores=auto decides by the run's footprint, three arrays: at 0.3 x LLC
# (0.9 x LLC) every kernel keeps ordinary stores, at 0.4 x LLC (1.2 x LLC)
# every kernel streams, copy too.
run_stream "stream reports its LLC" 0 "verify=true llc_bytes" "$WL/stream" size=1m ntimes=2
llc=$(metric "$TMP/stream" llc_bytes | cut -d. -f1)
if [ "${llc:-0}" -gt 0 ] && [ "$llc" -le $((1024 * 1048576)) ]; then
	run_stream "stream stores=auto at 0.3 x LLC: every kernel plain" 0 \
		"verify=true copy_nt_stores=0 scale_nt_stores=0 add_nt_stores=0 triad_nt_stores=0 nt_stores=0" \
		"$WL/stream" size=$((llc * 3 / 10 / 64 * 64)) ntimes=2
	run_stream "stream stores=auto at 0.4 x LLC: every kernel nt, copy too" 0 \
		"verify=true copy_nt_stores=1 scale_nt_stores=1 add_nt_stores=1 triad_nt_stores=1 nt_stores=4" \
		"$WL/stream" size=$((llc * 2 / 5 / 64 * 64)) ntimes=2
else
	ok "stream stores=auto by footprint: # SKIP LLC unknown or above 1 GiB ($llc)"
fi
[ $THP -eq 1 ] && run_stream "stream pages=thp" 0 "verify=true triad_bytes_per_s" \
	"$WL/stream" size=8m pages=thp ntimes=2
bad_param "stream ntimes=1 below range" stream "parameter ntimes: '1' is below the minimum 2" ntimes=1
corrupted stream size=1m ntimes=2

# ---- mmapread
run_stream "mmapread seq: bytes/s, page cache = file, a path" 0 \
	"verify=true path bytes_per_s major_faults>0 pagecache_bytes=16777216 file_bytes=16777216 evict_residual_bytes=0" \
	"$WL/mmapread" size=16m
f=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "path": print(m["path"])' "$TMP/stream")
if [ -n "$f" ] && [ ! -e "$f" ]; then ok "mmapread removes its file"
else not_ok "mmapread removes its file" "'$f'"; fi
# MADV_RANDOM turns readahead off: one major fault per page.
run_stream "mmapread random + MADV_RANDOM: a major fault per page" 0 \
	"verify=true major_faults>$((8 * 1048576 * 9 / 10 / PAGE)) bytes_per_major_fault<$((PAGE * 2))" \
	"$WL/mmapread" size=8m order=random advice=random
run_stream "mmapread advice=willneed block=64k" 0 "verify=true bytes_per_s" \
	"$WL/mmapread" size=8m advice=willneed block=64k order=random
bad_param "mmapread block not a multiple of 8" mmapread "parameter block" block=12
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	bad_param "mmapread rejects tmpfs" mmapread "parameter dir" dir=/dev/shm size=1m
fi
corrupted mmapread size=1m

# ---- forkexec
run_stream "forkexec fork+exec self" 0 "verify=true spawns_per_s us_per_spawn spawns=50" \
	"$WL/forkexec" count=50 rss=16m
run_stream "forkexec vfork + /bin/true" 0 "verify=true spawns_per_s" \
	"$WL/forkexec" count=50 rss=16m mode=vfork exec=true
run_stream "forkexec posix_spawn" 0 "verify=true spawns_per_s" \
	"$WL/forkexec" count=50 rss=16m mode=posix_spawn
bad_param "forkexec posix_spawn without exec exits 2" forkexec "parameter exec: 'none'" \
	mode=posix_spawn exec=none
# The page-table copy: fork from a large parent costs more than from a small one.
run_stream "forkexec fork exec=none rss=0" 0 "verify=true" "$WL/forkexec" count=30 rss=0 exec=none pages=base
small=$(metric "$TMP/stream" us_per_spawn)
run_stream "forkexec fork exec=none rss=256m" 0 "verify=true parent_pte_bytes>$((256 * 1048576 * 8 * 9 / 10 / PAGE))" \
	"$WL/forkexec" count=30 rss=256m exec=none pages=base
big=$(metric "$TMP/stream" us_per_spawn)
if holds "$small" "$big" 'a * 2 < b'; then ok "forkexec: fork of a 256 MiB parent costs more ($small us vs $big us)"
else not_ok "forkexec: fork of a 256 MiB parent costs more" "$small us vs $big us"; fi
corrupted forkexec count=3 rss=1m

# ---- mallocchurn: the same pattern, two allocators.
for a in glibc jemalloc; do
	run_stream "mallocchurn allocator=$a" 0 \
		"verify=true ops_per_s rss_bytes heap_rss_bytes live_bytes fragmentation allocations=200000" \
		"$WL/mallocchurn" ops=200000 allocator=$a
	eval "rss_$a=\$(metric \"\$TMP/stream\" heap_rss_bytes)"
	eval "live_$a=\$(metric \"\$TMP/stream\" live_bytes)"
done
# shellcheck disable=SC2154
if [ "$live_glibc" = "$live_jemalloc" ] && holds "$rss_glibc" "$rss_jemalloc" 'a > 1.05 * b || b > 1.05 * a'; then
	ok "mallocchurn: same live bytes ($live_glibc), RSS glibc $rss_glibc vs jemalloc $rss_jemalloc"
else not_ok "mallocchurn: same live bytes, different RSS" \
	"live $live_glibc/$live_jemalloc, rss $rss_glibc/$rss_jemalloc"; fi
run_stream "mallocchurn pattern=burst keeps freed memory resident" 0 "verify=true fragmentation>2" \
	"$WL/mallocchurn" ops=100000 pattern=burst
run_stream "mallocchurn pattern=fifo touch=0" 0 "verify=true ops_per_s" \
	"$WL/mallocchurn" ops=100000 pattern=fifo touch=0 sizes=64
bad_param "mallocchurn sizes below 8" mallocchurn "parameter sizes" sizes=4..64
corrupted mallocchurn ops=1000 allocator=jemalloc

# ---- collapse
if [ $THP -eq 1 ]; then
	pmd=$(cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size)
	size=$((16 * pmd))
	a0=$(awk '$1 == "thp_collapse_alloc" { print $2 }' /proc/vmstat)
	run_stream "collapse MADV_COLLAPSE: every PMD collapsed, RSS to the whole range" 0 \
		"verify=true complete=1 collapsed_fraction=1 collapsed_bytes=$size rss_before_bytes=$((size / 2)) rss_after_bytes=$size thp_collapse_alloc>15 collapse_s" \
		"$WL/collapse" size=$size fraction=0.5 method=madv_collapse
	a1=$(awk '$1 == "thp_collapse_alloc" { print $2 }' /proc/vmstat)
	if [ $((a1 - a0)) -ge 16 ]; then ok "collapse: /proc/vmstat thp_collapse_alloc rose by $((a1 - a0))"
	else not_ok "collapse: /proc/vmstat thp_collapse_alloc rose" "$a0 -> $a1"; fi
	echo "# collapse MADV_COLLAPSE: $(metric "$TMP/stream" collapse_s) s for $size bytes"
	corrupted collapse size="$pmd"
	bad_param "collapse MADV_COLLAPSE of an mTHP unit exits 2" collapse "parameter method" \
		unit=64k method=madv_collapse
	bad_param "collapse unit not a power of two" collapse "parameter unit" unit=3k
	# khugepaged with tuned scan settings (the variant's job in a sweep).
	if [ -w "$KH/scan_sleep_millisecs" ]; then
		KH_SAVED="$(cat "$KH/scan_sleep_millisecs") $(cat "$KH/pages_to_scan") $(cat "$KH/max_ptes_none")"
		echo 100 >"$KH/scan_sleep_millisecs"
		echo $((size * 4 / PAGE)) >"$KH/pages_to_scan"
		echo $((pmd / PAGE - 1)) >"$KH/max_ptes_none"
		a0=$(awk '$1 == "thp_collapse_alloc" { print $2 }' /proc/vmstat)
		run_stream "collapse khugepaged (scan every 100 ms): every PMD collapsed" 0 \
			"verify=true complete=1 collapsed_fraction=1 rss_after_bytes=$size thp_collapse_alloc>0 collapse_s first_collapse_s" \
			"$WL/collapse" size=$size fraction=0.25 method=khugepaged timeout=60
		a1=$(awk '$1 == "thp_collapse_alloc" { print $2 }' /proc/vmstat)
		echo "# collapse khugepaged: $(metric "$TMP/stream" collapse_s) s for $size bytes"
		if [ $((a1 - a0)) -ge 16 ]; then ok "collapse khugepaged: thp_collapse_alloc rose by $((a1 - a0))"
		else not_ok "collapse khugepaged: thp_collapse_alloc rose" "$a0 -> $a1"; fi
		# max_ptes_none below the untouched pages: khugepaged must refuse.
		echo 8 >"$KH/max_ptes_none"
		run_stream "collapse khugepaged honours max_ptes_none (times out)" 0 \
			"verify=true complete=0 collapsed_bytes=0" \
			"$WL/collapse" size=$((2 * pmd)) fraction=0.25 method=khugepaged timeout=1
		saved=$KH_SAVED
		restore_khugepaged
		now="$(cat "$KH/scan_sleep_millisecs") $(cat "$KH/pages_to_scan") $(cat "$KH/max_ptes_none")"
		if [ "$now" = "$saved" ]; then ok "khugepaged settings restored ($now)"
		else not_ok "khugepaged settings restored" "now $now, were $saved"; fi
	else
		echo "# khugepaged settings not writable: khugepaged collapse not tested"
	fi
fi

# ---- sqlite
run_stream "sqlite db=file: three phases, a path, page cache" 0 \
	"verify=true path insert_per_s select_per_s scan_rows_per_s rss_bytes db_bytes>0 pagecache_bytes>0" \
	"$WL/sqlite" rows=20000
d=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "path": print(m["path"])' "$TMP/stream")
if [ -n "$d" ] && [ ! -e "$d" ]; then ok "sqlite removes its directory"
else not_ok "sqlite removes its directory" "'$d'"; fi
run_stream "sqlite db=memory page=64k order=seq" 0 "verify=true insert_per_s select_per_s" \
	"$WL/sqlite" rows=20000 db=memory page=64k order=seq
bad_param "sqlite page not a power of two" sqlite "parameter page" page=3000 rows=10
corrupted sqlite rows=1000

# ---- determinism: the same seed, the same data.
for s in 1 1 2; do
	HARNESS_RESULT_FD=3 "$WL/mallocchurn" --seed $s ops=20000 3>"$TMP/seed.$s.stream" >/dev/null 2>&1
	metric "$TMP/seed.$s.stream" live_bytes >>"$TMP/seeds"
done
if [ "$(sed -n 1p "$TMP/seeds")" = "$(sed -n 2p "$TMP/seeds")" ] &&
   [ "$(sed -n 1p "$TMP/seeds")" != "$(sed -n 3p "$TMP/seeds")" ]; then
	ok "mallocchurn: the same seed gives the same live bytes, another seed others"
else not_ok "mallocchurn --seed determinism" "$(tr '\n' ' ' <"$TMP/seeds")"; fi

# ---- each workload once through the controller, stored ok.
for spec in "ptrchase -p size=4m -p accesses=100000" "stream -p size=4m -p ntimes=2" \
	"mmapread -p size=4m" "forkexec -p count=10 -p rss=4m" "mallocchurn -p ops=10000" \
	"collapse -p size=4m" "sqlite -p rows=2000"; do
	# shellcheck disable=SC2086
	set -- $spec
	if "$BUILD/harness" run "$@" --db "$TMP/h.db" -q >"$TMP/h.out" 2>&1 &&
	   "$BUILD/harness" show last --db "$TMP/h.db" >"$TMP/h.show" 2>&1 &&
	   grep -q "^status *ok" "$TMP/h.show" && grep -q "^workload *$1" "$TMP/h.show"; then
		ok "harness run $1: stored ok"
	else not_ok "harness run $1: stored ok" "$(tail -3 "$TMP/h.out" "$TMP/h.show" | tr '\n' ' ')"; fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
