#!/bin/sh
# harness check --rerun N on the real machine: a baseline of gups (64 MiB,
# TLB-bound) with PMD THP always, 6 repetitions, and a candidate with THP
# never and only 2 (fewer than a comparison needs: every gated metric is
# inconclusive). --rerun re-plans the candidate from its stored file, adds
# repetitions to the inconclusive cell through the local target under the
# knob lock, stores them in the candidate sweep and decides again: the
# planted regression (fault.minor, 16385 faults per 64 MiB instead of 33)
# then fails the gate. --rerun 0 is the plain check; bad input, another
# machine or kernel, and a kill half way change nothing they should not.
# Needs root and THP in sysfs; skips otherwise.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
THP=/sys/kernel/mm/transparent_hugepage/enabled
if [ "$(id -u)" != 0 ] || [ ! -w "$THP" ]; then
	echo "# skipped: needs root and $THP"
	finish
	exit 0
fi
KLOCK=/run/lock/harness-knobs.lock
[ -w /run/lock ] || KLOCK=/tmp/harness-knobs.lock
# The setting under the machine's knob lock, once two reads a second apart
# agree: on a shared machine another session's sweep holds the lock while
# it changes THP, and one killed on purpose leaves its value until its
# next command replays the journal.
thp_now() {
	a=$(flock "$KLOCK" cat "$THP") n=0
	while [ $n -lt 30 ]; do
		sleep 1
		b=$(flock "$KLOCK" cat "$THP")
		[ "$a" = "$b" ] && break
		a=$b n=$((n + 1))
	done
	echo "$a"
}
sweep_file() {	# NAME THP-SETTING REPETITIONS
	thp_sweep_file "$@"
	"$H" sweep "$T/$1.ini" --new -q --db "$DB" >"$T/$1.out" 2>"$T/$1.err"
	check "sweep $1 completes" test $? = 0 || cat "$T/$1.err"
}
sweep_file rr-base always 6
sweep_file rr-cand never 2
sweep_file rr-kill never 2
BASE=$(q "$DB" "select id from sweeps where name = 'rr-base'")
CAND=$(q "$DB" "select id from sweeps where name = 'rr-cand'")
KILL=$(q "$DB" "select id from sweeps where name = 'rr-kill'")
runs() { q "$DB" "select count(*) from runs where sweep_id = '$1' and warmup = 0"; }
before=$(thp_now)

"$H" check -b "$BASE" -c "$CAND" --db "$DB" >"$T/plain.out" 2>&1
check "2 candidate runs: the gate cannot tell, exit 0" test $? = 0
check "... fault.minor inconclusive: too few runs" grep -q 'thp/fault.minor (region): too few runs' "$T/plain.out"

sum=$(md5sum <"$DB")
"$H" check -b "$BASE" -c "$CAND" --db "$DB" --rerun 0 >"$T/zero.out" 2>"$T/zero.err"
check "--rerun 0: exit 0, as without it" test $? = 0
check "... the same output" cmp -s "$T/plain.out" "$T/zero.out"
check "... nothing run or stored" test "$(md5sum <"$DB")" = "$sum" -a ! -s "$T/zero.err"

# bad input: one line, exit 2, the database as it was
bad() {	# DESCRIPTION PATTERN DB ARGS...
	d=$1 pat=$2 db=$3; shift 3
	s0=$(md5sum <"$db")
	"$H" check -b "$BASE" -c "$CAND" --db "$db" "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	check "$d: exit 2" test $rc = 2
	check "... one line naming it" sh -c "test \$(wc -l <'$T/bad.err') = 1 && grep -q -- '$pat' '$T/bad.err'" ||
		cat "$T/bad.err"
	check "... the database unchanged" test "$(md5sum <"$db")" = "$s0"
}
bad "--rerun -1" "rerun" "$DB" --rerun -1
bad "--rerun x" "rerun" "$DB" --rerun x
cp "$DB" "$T/other.db"
q "$T/other.db" "update sweeps set machine_id = '0123456789abcdef' where id = '$CAND'"
bad "--rerun of a sweep another machine ran" "ran on another machine" "$T/other.db" --rerun 4
cp "$DB" "$T/other.db"
q "$T/other.db" "update sweeps set kernel_id = '0123456789abcdef', kernel_release = '0.0-other' where id = '$CAND'"
bad "--rerun of a sweep another kernel ran" "ran on kernel 0.0-other" "$T/other.db" --rerun 4
check "... no knob changed by the refusals" test "$(thp_now)" = "$before"

n0=$(runs "$CAND")
"$H" check -b "$BASE" -c "$CAND" --db "$DB" --rerun 4 --junit "$T/j.xml" -f json >"$T/rr.json" 2>"$T/rr.err"
rc=$?
sed 's/^/# /' "$T/rr.err"
check "--rerun 4: the planted regression now exits 1" test $rc = 1
added=$(($(runs "$CAND") - n0))
echo "# runs added to the candidate: $added"
check "... 2 to 4 runs added, stored in the candidate sweep" test "$added" -ge 2 -a "$added" -le 4
check "... numbered after the planned repetitions" test \
	"$(q "$DB" "select count(*) from runs where sweep_id = '$CAND' and warmup = 0 and rep >= 2")" = "$added"
check "... all ok, no other sweep touched" test \
	"$(q "$DB" "select count(*) from runs where sweep_id = '$CAND' and status = 'ok'")" = "$((n0 + added + 1))" -a \
	"$(runs "$BASE")" = 6 -a "$(runs "$KILL")" = 2
check "... JSON: fault.minor fails with its runs added, the count said" /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
f = [i for i in d['items'] if i['outcome'] == 'fail']
print('# failed:', ', '.join('%s %s (n %d, %d added)' % (i['variant'], i['metric'], i['n_candidate'], i['runs_added']) for i in f))
ok = d['rerun'] == {'max': 4, 'runs_added': int(sys.argv[2]), 'cells': 1}
ok = ok and any(i['metric'] == 'fault.minor' and i['runs_added'] == int(sys.argv[2]) and i['n_candidate'] == 2 + int(sys.argv[2]) for i in f)
sys.exit(not ok)" "$T/rr.json" "$added"
check "... JUnit read back: fault.minor failed, rerun.runs_added = $added" /usr/bin/python3 -c "
import sys
from junitparser import JUnitXml, Failure
x = JUnitXml.fromfile(sys.argv[1])
s = next(iter(x))
props = {p.name: p.value for p in s.properties()}
f = [c.name for c in s if any(isinstance(r, Failure) for r in c.result)]
print('# junit properties:', props, 'failed:', f)
sys.exit(not (props.get('rerun.runs_added') == sys.argv[2] and props.get('rerun') == '4'
              and any(n.startswith('thp/fault.minor') for n in f)))" "$T/j.xml" "$added"
check "... the knob as before" test "$(thp_now)" = "$before"
"$H" check -b "$BASE" -c "$CAND" --db "$DB" >"$T/after.out" 2>&1
check "a plain check now reads the added runs: exit 1" test $? = 1

# Killed half way: the runs stored stay, the knob is restored.
k0=$(runs "$KILL")
"$H" check -b "$BASE" -c "$KILL" --db "$DB" --rerun 40 >"$T/kill.out" 2>"$T/kill.err" &
pid=$!
i=0
while [ "$(runs "$KILL")" -le "$k0" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$pid"
wait "$pid"
rc=$?
sed 's/^/# /' "$T/kill.err" | tail -3
k1=$(runs "$KILL")
check "SIGTERM mid-rerun: exit 3 (after $((k1 - k0)) runs)" test $rc = 3 -a "$k1" -gt "$k0" -a "$k1" -lt $((k0 + 40))
check "... says the knobs are restored and the runs kept" grep -q 'knobs restored; the [0-9]* runs it added are stored' "$T/kill.err"
check "... every stored run complete" test "$(q "$DB" "select count(*) from runs where sweep_id = '$KILL' and status <> 'ok'")" = 0
check "... the knob as before, no journal left" test "$(thp_now)" = "$before" -a ! -e "$HARNESS_STATE/knobs.journal"
finish
