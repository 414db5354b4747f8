# harness report: a six-variant sweep's text fits 80 columns and is the
# very table the sweep printed; read-only in every format; several sweeps
# in one table; --baseline, --metrics, csv and json column sets; bad input
# is one line, exit 2 and nothing written.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
sum() { md5sum <"$1"; }
# widest DISPLAY width of a file's lines (µ is one column)
widest() { python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$1"; }

# Six variants without knobs (the running kernel six times): A/A data.
{
	printf '[sweep]\nname = six\nrepetitions = 4\nwarmup = 0\nseed = 5\n'
	for v in baseline-kernel second-variant third-variant fourth fifth sixth-with-a-long-name; do
		printf '[variant %s]\n' "$v"
	done
	printf '[workload gups]\nsize = 4m\nupdates = 1000\n'
} >"$T/six.ini"
"$H" sweep "$T/six.ini" -q --db "$DB" >"$T/sweep.txt" 2>"$T/sweep.err"
check "six-variant sweep exits 0" test $? = 0
SID=$(q "$DB" "select id from sweeps")
check "the sweep's table fits 80 columns ($(widest "$T/sweep.txt"))" test "$(widest "$T/sweep.txt")" -le 80
check "... in blocks led by the baseline" test "$(grep -c '^  median of  *baseline-kernel' "$T/sweep.txt")" -ge 2
check "... every variant shown" sh -c "for v in second-variant third-variant fourth fifth sixth-with-a-long-name; do grep -q \"\$v\" '$T/sweep.txt' || exit 1; done"
check "... with a legend and the verdict counts" sh -c "grep -q '^legend:' '$T/sweep.txt' && grep -q '^verdicts: ' '$T/sweep.txt'"
check "... units scaled" grep -q 'MiB' "$T/sweep.txt"

before=$(sum "$DB")
"$H" report "$SID" --db "$DB" >"$T/report.txt" 2>"$T/report.err"
check "harness report ID exits 0" test $? = 0
check "... prints the sweep's own table (one formatter)" cmp -s "$T/sweep.txt" "$T/report.txt"
"$H" report --db "$DB" >"$T/last.txt"
check "no argument: the last sweep" cmp -s "$T/report.txt" "$T/last.txt"
"$H" report "$T/six.ini" --db "$DB" >"$T/file.txt"
check "a sweep file: its latest sweep" cmp -s "$T/report.txt" "$T/file.txt"
"$H" report "$(echo "$SID" | cut -c1-8)" --db "$DB" >"$T/prefix.txt"
check "an id prefix" cmp -s "$T/report.txt" "$T/prefix.txt"
for f in text md html csv json; do
	"$H" report "$SID" --db "$DB" --format "$f" -o "$T/out.$f" 2>"$T/$f.err"
	check "--format $f exits 0 and writes -o" sh -c "test \$? = 0 && test -s '$T/out.$f'" 
done
"$H" report "$SID" --db "$DB" --format csv --rows runs -o "$T/runs.csv"
check "read-only: the database is byte for byte the same after every format" test "$(sum "$DB")" = "$before"

# --baseline, --metrics
"$H" report "$SID" --db "$DB" --baseline fifth >"$T/b.txt"
check "--baseline fifth: ratios to fifth" grep -q "ratio to fifth" "$T/b.txt"
check "... its blocks led by fifth" grep -q '^  median of  *fifth' "$T/b.txt"
"$H" report "$SID" --db "$DB" --metrics 'fault.*' >"$T/m.txt"
check "--metrics 'fault.*': fault rows only" sh -c "grep -q 'fault.minor' '$T/m.txt' && ! grep -q 'mem.rss_peak' '$T/m.txt' && ! grep -q 'GUP/s' '$T/m.txt'"

# CSV and JSON: the documented columns.
check "csv comparison header" test "$(head -n 1 "$T/out.csv")" = "group,workload,metric,scope,unit,kind,better,emulated,variant,baseline,n,not_measured,median,ci_lo,ci_hi,mad,cv,min,max,ratio,ratio_lo,ratio_hi,diff,p,q,verdict,reason"
check "csv runs header" test "$(head -n 1 "$T/runs.csv")" = "sweep_id,run_id,variant,variant_name,target,emulated,kernel_release,hostname,workload,params_json,rep,run_status,run_reason,scope,metric,value,unit,kind,better,status,reason"
check "csv runs: every stored metric of the 24 runs" test "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$T/runs.csv")" = "$(q "$DB" "select count(*) from metrics")"
check "csv runs: not-measured rows keep status and reason, no value" python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] in ("not_measured", "not_counted")]
sys.exit(0 if all(r["value"] == "" and r["reason"] for r in rows) else 1)' "$T/runs.csv"
check "json: runs, comparison, variants" jq -e >/dev/null '(.runs | length) == 24 and (.comparison | length) > 0 and (.variants | length) == 6 and .baseline == "baseline-kernel"' "$T/out.json"
check "json: a verdict for every non-baseline comparison" jq -e >/dev/null '[.comparison[] | select(.variant != .baseline) | .verdict] | all(. == "better" or . == "worse" or . == "changed" or . == "no difference" or . == "inconclusive")' "$T/out.json"
check "md: a table per group" grep -q '^| metric | baseline-kernel |' "$T/out.md"

# Two sweeps of the same file in one table: told apart.
"$H" sweep "$T/six.ini" --new -q --db "$DB" >/dev/null 2>&1
SID2=$(q "$DB" "select id from sweeps where id <> '$SID'")
"$H" report "$SID" "$SID2" --db "$DB" >"$T/two.txt"
check "two sweeps: one table, columns variant@sweep" grep -q "baseline-kernel@$(echo "$SID2" | cut -c1-8)" "$T/two.txt"
check "... still 80 columns ($(widest "$T/two.txt"))" test "$(widest "$T/two.txt")" -le 80

# Bad input: one line naming it, exit 2, nothing written.
before=$(sum "$DB")
bad() { # DESCRIPTION EXPECTED-TEXT ARGS...
	what=$1 want=$2
	shift 2
	rm -f "$T/bad.out"
	"$H" report "$@" >"$T/bad.stdout" 2>"$T/bad.err"
	rc=$?
	check "$what: exit 2" test $rc = 2
	check "$what: one line naming it" sh -c "test \$(wc -l <'$T/bad.err') = 1 && grep -q -- '$want' '$T/bad.err'"
	check "$what: nothing on stdout, no -o file" sh -c "test ! -s '$T/bad.stdout' && test ! -e '$T/bad.out'"
}
bad "unknown sweep id" "no such sweep" deadbeef --db "$DB" -o "$T/bad.out"
bad "baseline not a variant" "--baseline nosuch: not a variant" "$SID" --baseline nosuch --db "$DB" -o "$T/bad.out"
bad "unknown format" "--format pdf: unknown format" "$SID" --format pdf --db "$DB" -o "$T/bad.out"
bad "unwritable -o" "-o $T/no/such/dir/r.txt" "$SID" --db "$DB" -o "$T/no/such/dir/r.txt"
bad "a directory as -o" "is a directory" "$SID" --db "$DB" -o "$T"
check "bad input left the database unchanged" test "$(sum "$DB")" = "$before"
cp "$DB" "$T/newer.db"
sqlite3 "$T/newer.db" "PRAGMA user_version = 99"
nb=$(sum "$T/newer.db")
bad "a database of a newer schema" "newer" --db "$T/newer.db" -o "$T/bad.out"
check "... left byte for byte" test "$(sum "$T/newer.db")" = "$nb"
finish
