# SIGKILL of harness sweep at random moments, several times (KILL_ROUNDS,
# default 6; bench/kill-sweep runs 25), then a rerun:
# the sweep completes with exactly `repetitions` (4) runs per cell, no
# duplicates, PRAGMA integrity_check ok, no workload left behind, and every
# THP/mTHP/khugepaged setting back to its value before the sweep (the next
# harness command replays the knob journal and says so), and no scratch
# directory of smallfiles left in /var/tmp (the next command removes it).
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
THP=/sys/kernel/mm/transparent_hugepage
# Every writable THP/mTHP/khugepaged setting, as path=value lines.
# Comparisons of THP settings hold the machine's knob lock, so on a shared
# machine they wait for someone else's sweep to finish and see settled values.
KLOCK=/run/lock/harness-knobs.lock
[ -w /run/lock ] || KLOCK=/tmp/harness-knobs.lock
THP_CMD='find /sys/kernel/mm/transparent_hugepage -type f -perm -200 ! -path "*/stats/*" | sort | while read -r f; do echo "$f=$(cat "$f")"; done'
thp_state() { flock "$KLOCK" sh -c "$THP_CMD"; }
thp_before=$(thp_state)
overcommit_before=$(cat /proc/sys/vm/overcommit_memory)

cat >"$T/kill.ini" <<'EOF'
[sweep]
name = kill
repetitions = 4
warmup = 1
seed = 11

[variant never]
knob = /sys/kernel/mm/transparent_hugepage/enabled=never
knob = /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs=100

[variant always]
knob = /sys/kernel/mm/transparent_hugepage/enabled=always
knob = /sys/kernel/mm/transparent_hugepage/defrag=always
knob = /proc/sys/vm/overcommit_memory=1

[variant mthp-64k]
optional = yes
knob = /sys/kernel/mm/transparent_hugepage/enabled=never
knob = /sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled=always

[workload gups]
size = 16m, 32m
updates = 10000000

[workload smallfiles]
files = 3000
size = 4k
EOF
# Scratch directories of this build's smallfiles (locked, sticky-marked).
scratch_left() { find /var/tmp -maxdepth 1 -name 'harness-smallfiles-*' -perm -1000 -user "$(id -u)" 2>/dev/null | wc -l; }
cells=$("$H" sweep "$T/kill.ini" -n --db "$DB" | sed -n 's/^cells: \([0-9]*\) .*/\1/p')
skipped=$("$H" sweep "$T/kill.ini" -n --db "$DB" | grep -c '\[skipped\]')
live=$((cells - skipped))

# Kill at a random moment, a different one each round (awk's rand seeded
# per round): the first round very early (while planning or taking the
# journal), the others once the sweep has stored at least one more run than
# before, plus a random part of a run, so kills land in every phase (knobs,
# run, save, restore) and the sweep is still unfinished at the end.
stored() { if [ -e "$DB" ]; then q "$DB" "select count(*) from runs" 2>/dev/null || echo 0; else echo 0; fi; }
rounds=${KILL_ROUNDS:-6}
replayed=0
for round in $(seq 1 $rounds); do
	delay=$(awk -v r="$round" -v s="$$" 'BEGIN { srand(s + r * 7919); print (r == 1 ? 0.05 : rand() * 0.6) }')
	want=$(($(stored) + 1))
	when="${delay}s after run $want was stored"
	[ "$round" = 1 ] && when="${delay}s after the start"
	"$H" sweep "$T/kill.ini" -q --db "$DB" >/dev/null 2>&1 &
	pid=$!
	if [ "$round" -gt 1 ]; then
		for i in $(seq 1 400); do
			[ "$(stored)" -ge "$want" ] && break
			sleep 0.05
		done
	fi
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.1
	journal=no
	[ -e "$HARNESS_STATE/knobs.journal" ] && journal=yes
	# Any command replays a journal left behind, and says so — once no
	# other sweep (someone else's, on a shared machine) holds the knobs.
	: >"$T/replay.err"
	for i in $(seq 1 240); do
		"$H" sweeps --db "$DB" >/dev/null 2>>"$T/replay.err"
		[ -e "$HARNESS_STATE/knobs.journal" ] || break
		sleep 0.5
	done
	if [ "$journal" = yes ]; then
		replayed=$((replayed + 1))
		check "round $round (killed $when): the next command says it restored knobs" grep -q "restored from" "$T/replay.err"
	fi
	check "round $round: journal gone after the next command" test ! -e "$HARNESS_STATE/knobs.journal"
	check "round $round: THP settings back to their values before the sweep" test "$(thp_state)" = "$thp_before"
	integrity=ok	# killed before the database was created: nothing to check
	[ -e "$DB" ] && integrity=$(q "$DB" 'PRAGMA integrity_check')
	check "round $round: integrity_check ok" test "$integrity" = ok
	check "round $round: no orphan workload" sh -c "! pgrep -f '[/]${WL#/}/(gups|smallfiles)' >/dev/null"
	check "round $round: no smallfiles scratch directory left after the next command" test "$(scratch_left)" = 0
done
echo "# $replayed of $rounds kills left a journal that the next command replayed"
check "at least one kill left knobs changed and they were restored" test "$replayed" -ge 1

# The rerun finds the unfinished sweep by its content and completes it.
echo "# before the rerun: $(q "$DB" "select count(*) from runs") of $((live * 5)) runs stored"
"$H" sweep "$T/kill.ini" -q --db "$DB" >"$T/final.txt" 2>"$T/final.err"
check "rerun exits 0" test $? = 0
check "rerun says it resumes the unfinished sweep" grep -q "resuming unfinished sweep" "$T/final.err"
check "one sweep in the database" test "$(q "$DB" "select count(*) from sweeps")" = 1
check "status complete" test "$(q "$DB" "select status from sweeps")" = complete
check "exactly 4 measured runs in each of the $live cells" test "$(q "$DB" "select count(*) from (select cell, count(*) n from runs where warmup=0 group by cell) where n = 4")" = "$live"
check "exactly 1 warm-up per cell" test "$(q "$DB" "select count(*) from (select cell, count(*) n from runs where warmup=1 group by cell) where n = 1")" = "$live"
check "no duplicates: every (cell, warm-up, rep) once" test "$(q "$DB" "select count(*) - count(distinct cell || '/' || warmup || '/' || rep) from runs")" = 0
check "total runs = cells x (4 + 1)" test "$(q "$DB" "select count(*) from runs")" = $((live * 5))
check "no smallfiles scratch directory left" test "$(scratch_left)" = 0
check "order positions unique" test "$(q "$DB" "select count(*) - count(distinct seq) from runs")" = 0
check "integrity_check ok" test "$(q "$DB" 'PRAGMA integrity_check')" = ok
check "foreign_key_check clean" test -z "$(q "$DB" 'PRAGMA foreign_key_check')"
check "every ok run is complete (has its workload metric)" test "$(q "$DB" "select count(*) from runs r where status='ok' and not exists (select 1 from metrics m where m.run_id=r.id and m.scope='workload')")" = 0
check "every THP/mTHP/khugepaged setting as before the sweep" test "$(thp_state)" = "$thp_before"
check "sysctl knob as before the sweep" test "$(cat /proc/sys/vm/overcommit_memory)" = "$overcommit_before"
check "comparison table printed" grep -q "fault.minor" "$T/final.txt"
finish
