# SIGKILL of harness run mid-run: the database passes integrity_check,
# keeps every run completed before the kill, and no workload is left.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"

for round in 1 2 3; do
	"$H" run gups -q -r 50 -p size=16m --db "$DB" >/dev/null 2>&1 &
	pid=$!
	# Kill once some runs are stored, at a different moment each round.
	want=$((round * 2))
	for i in $(seq 1 200); do
		n=$(q "$DB" "select count(*) from runs" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$want" ] && break
		sleep 0.05
	done
	sleep "0.0$round"
	before=$(q "$DB" "select count(*) from runs" 2>/dev/null || echo 0)
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	sleep 0.2
	after=$(q "$DB" "select count(*) from runs")
	check "round $round: integrity_check ok" test "$(q "$DB" 'PRAGMA integrity_check')" = ok
	check "round $round: runs stored before the kill are kept ($before <= $after)" test "$after" -ge "$before"
	# [/] keeps the pattern from matching this shell's own command line.
	check "round $round: no orphan workload" sh -c "! pgrep -f '[/]${WL#/}/gups' >/dev/null"
	check "round $round: every stored run is complete" test "$(q "$DB" "select count(*) from runs r where status='ok' and not exists (select 1 from metrics m where m.run_id=r.id and m.name='gups')")" = 0
done
finish
