# harness run against independent tools: fincore for page cache, perf stat
# for page faults, /usr/bin/time for peak RSS; hardware events stored as
# not measured; --json output; harness show.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
PAGE=$(getconf PAGESIZE)

# smallfiles: page cache per 1 KiB file is one page, checked with fincore.
mkdir -p "$T/sf"
"$H" run smallfiles -q -p files=1000 -p size=1k -p keep=1 -p dir="$T/sf" --db "$DB" --json >"$T/sf.json"
check "smallfiles run stored ok" test "$(q "$DB" "select status from runs where workload='smallfiles'")" = ok
check "--json stdout is JSON only" sh -c "jq -e 'length == 1' '$T/sf.json' >/dev/null"
per_file=$(q "$DB" "select value from metrics where name='pagecache_bytes_per_file'")
harness_bytes=$(q "$DB" "select value from metrics where name='pagecache.cached_bytes' and scope='region'")
nfiles=$(q "$DB" "select value from metrics where name='pagecache.files' and scope='region'")
sfdir=$(ls -d "$T"/sf/harness-smallfiles-* | head -1)
fincore_bytes=$(fincore --bytes --noheadings --output RES "$sfdir"/* | awk '{ s += $1 } END { print s }')
fincore_per_file=$(awk -v b="$fincore_bytes" 'BEGIN { print b / 1000 }')
echo "# smallfiles: workload $per_file B/file, harness $harness_bytes B over $nfiles files, fincore $fincore_per_file B/file, page $PAGE"
check "page cache per 1 KiB file is the page size (within 5%)" within "$per_file" "$PAGE" 5
check "page cache per file agrees with fincore (within 5%)" within "$per_file" "$fincore_per_file" 5
check "harness's own page-cache probe agrees with fincore (within 5%)" within "$harness_bytes" "$fincore_bytes" 5
check "harness saw all 1000 files" test "${nfiles%.*}" = 1000

# gups: minor faults against perf stat, peak RSS against /usr/bin/time.
"$H" run gups -q -p size=256m -p updates=1048576 --db "$DB" >/dev/null
run=$(q "$DB" "select id from runs where workload='gups' order by started_ns desc limit 1")
faults=$(q "$DB" "select value from metrics where run_id='$run' and scope='process' and name='fault.minor'")
rss=$(q "$DB" "select value from metrics where run_id='$run' and name='mem.rss_peak'")
perf stat -x, -e page-faults -o "$T/perf.txt" "$WL/gups" --seed 1 size=256m updates=1048576 >/dev/null 2>&1
perf_faults=$(awk -F, '/page-faults/ { print $1 }' "$T/perf.txt")
/usr/bin/time -v "$WL/gups" --seed 1 size=256m updates=1048576 >/dev/null 2>"$T/time.txt"
time_rss=$(awk -F: '/Maximum resident set size/ { print $2 * 1024 }' "$T/time.txt")
echo "# gups 256m: harness $faults minor faults, perf stat $perf_faults; harness peak RSS $rss, time -v $time_rss"
check "minor faults agree with perf stat (within 2%)" within "$faults" "$perf_faults" 2
check "peak RSS agrees with /usr/bin/time -v (within 5%)" within "$rss" "$time_rss" 5
check "256 MiB touched takes at least 256M/page faults" awk -v f="$faults" -v p="$PAGE" 'BEGIN { exit !(f >= 268435456 / p) }'

# Hardware events: this VM has no PMU; never a measured 0.
hw_ok=$(q "$DB" "select count(*) from metrics where run_id='$run' and source='pmu' and status in ('ok','scaled')")
hw_missing=$(q "$DB" "select count(*) from metrics where run_id='$run' and source='pmu' and status in ('not_measured','not_counted') and value is null and reason <> ''")
if perf stat -e instructions true 2>&1 | grep -q 'not supported'; then
	check "no PMU here: hardware counters stored as not measured with a reason" test "$hw_ok" = 0 -a "$hw_missing" -gt 0
else
	check "PMU present: hardware counters measured" test "$hw_ok" -gt 0
fi
check "no not-measured metric carries a value" test "$(q "$DB" "select count(*) from metrics where status in ('not_measured','not_counted') and value is not null")" = 0
check "samples were stored" test "$(q "$DB" "select count(*) from samples")" -gt 0

# Region and process scopes both present for counters.
check "region-scope minor faults stored" test -n "$(q "$DB" "select value from metrics where run_id='$run' and scope='region' and name='fault.minor'")"

# show
check "harness show last prints the run" sh -c "'$H' show last --db '$DB' | grep -q '$run'"
check "harness show by prefix" sh -c "'$H' show $(echo "$run" | cut -c1-8) --db '$DB' | grep -q gups"
check "harness show --json is JSON" sh -c "'$H' show last --db '$DB' --json | jq -e .run.id >/dev/null"

# Repetitions are runs of their own with distinct ids.
"$H" run gups -q -r 3 -p size=8m --db "$DB" >/dev/null
check "-r 3 stores 3 runs" test "$(q "$DB" "select count(distinct id) from runs where workload='gups' and params_json like '%8388608%'")" = 3

# A workload that fails verification is stored as failed, without numbers.
"$H" run gups -q -p size=4m -p corrupt=1 --db "$DB" >/dev/null 2>&1
rc=$?
check "a failed run exits 3" test $rc = 3
check "failed run stored with its reason" test -n "$(q "$DB" "select reason from runs where status='failed' and reason like '%verif%'")"
check "failed run kept no metrics" test "$(q "$DB" "select count(*) from metrics m join runs r on r.id=m.run_id where r.status='failed'")" = 0

check "every run names its variant's definition" test "$(q "$DB" "select count(*) from runs r join variants v on v.id = r.variant_id where v.name = 'running'")" = "$(q "$DB" "select count(*) from runs")"
"$H" run gups -q -p size=4m --no-cgroup --db "$DB" >/dev/null
check "--no-cgroup: cgroup figures not measured, saying why" test "$(q "$DB" "select count(*) from metrics m join runs r on r.id = m.run_id where r.id = (select id from runs order by started_ns desc limit 1) and m.name = 'cgroup.memory_peak' and m.status = 'not_measured' and m.reason like '%--no-cgroup%'")" = 1
check "events lists the portable counters" sh -c "'$H' events | grep -q tlb.dtlb_walk"
finish
