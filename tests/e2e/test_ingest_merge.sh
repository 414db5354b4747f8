#!/bin/sh
# harness ingest and harness merge on real streams and databases: an
# agent's saved output (harness agent on this machine) is ingested into
# runs attributed to its sweep, variant, machine and kernel, once; a cut,
# tampered or missing stream is refused with the reason and nothing stored;
# merging a local-target database with the ingested one keeps every id,
# twice adds nothing, a conflict is named and left out (exit 1), a foreign
# or newer database or an unwritable output changes nothing (exit 2), and
# harness report reads the merged database. The LAVA log itself is
# tests/lava/ (make check-lava).
. "$(dirname "$0")/lib.sh"

SWEEP=aaaaaaaa-1111-4222-8333-444444444444
BOOT=bbbbbbbb-1111-4222-8333-444444444444
cell() { # ID REP
	cat <<EOT
{"id":"$1","workload":"gups","program":"$WL/gups","params":["size=4m","updates=1000"],
 "params_json":{"size":4194304,"updates":1000},"seed":1,"rep":$2,"warmup":false,"sample_ms":100,
 "timeout_s":60,"events":[],"use_cgroup":false,"aslr_off":false,"drop_caches":false,
 "settings":{"sweep":{"id":"$SWEEP","name":"ingest","cell":0,"order_index":$2}}}
EOT
}
# The sweep's stored plan, as sweeps.plan_json holds it (the report reads it).
PLANJ='{\"name\":\"ingest\",\"target\":\"qemu\",\"repetitions\":2,\"warmup\":0,\"order_kind\":\"grouped\",\"seed\":1,\"noise\":{\"aslr\":\"on\",\"drop_caches\":false,\"cpus\":null,\"membind\":false,\"governor\":null,\"interval_ms\":100,\"timeout_s\":60},\"variants\":[{\"name\":\"v1\",\"kernel\":\"4k\",\"knobs\":[],\"launcher\":[],\"optional\":false,\"skipped\":null}],\"cells\":[{\"cell\":0,\"variant\":\"v1\",\"workload\":\"gups\",\"program\":\"gups\",\"group\":0,\"params\":{\"size\":\"4m\",\"updates\":\"1000\"},\"effective\":{\"size\":4194304,\"updates\":1000}}],\"order\":[[0,0,0],[0,0,1]]}'
cat >"$T/plan.json" <<EOT
{"protocol":1,"variant":"v1","target":"qemu","sweep_id":"$SWEEP","hostname":"h","boot_id":"$BOOT",
 "sweep":{"id":"$SWEEP","name":"ingest","target":"qemu","file":"ingest.ini","file_hash":"0123456789abcdef",
  "file_text":"[sweep]\nname = ingest\n","cells":1,"plan_json":"$PLANJ","planned_runs":2,"planned_warmups":0,"machine_id":"0000000000000000"},
 "knobs":[],"launcher":[],"settings":{"emulated":true},
 "test":{"panic_at":-1,"cut_at":-1,"hang_at":-1,"hang_hello":false},
 "cells":[$(cell 11111111-2222-4333-8444-000000000001 0),$(cell 11111111-2222-4333-8444-000000000002 1)]}
EOT
"$H" agent --plan "$T/plan.json" -o "$T/stream" 2>"$T/agent.err"
check "the agent ran the plan" [ $? -eq 0 ]
# Saved output with noise around it, as a console capture has.
{ echo "booting..."; echo "harness-agent: lava: start"; cat "$T/stream"; echo "harness-agent: lava: end"; } >"$T/out.log"

DB=$T/i.db
"$H" ingest --db "$DB" "$T/out.log" >"$T/in1" 2>"$T/err"
check "ingest exits 0" [ $? -eq 0 ]
checkline() { grep -q "$2" "$1" && ok "$3" || not_ok "$3" "$(cat "$1")"; }
checkline "$T/in1" "2 runs of variant v1, sweep $SWEEP .*: 2 stored, 0 already there" "ingest says what it stored"
check "both runs stored, ok, with the stream's ids" [ "$(q "$DB" "SELECT group_concat(id || ':' || status, ' ')
	FROM (SELECT id, status FROM runs ORDER BY id)")" = \
	"11111111-2222-4333-8444-000000000001:ok 11111111-2222-4333-8444-000000000002:ok" ]
check "attributed to the sweep (created from the stream), the variant and the boot" \
	[ "$(q "$DB" "SELECT count(*) FROM runs r JOIN sweeps s ON s.id = r.sweep_id JOIN boots b ON b.id = r.boot_id
	WHERE s.name = 'ingest' AND r.variant = 'v1' AND r.target = 'qemu' AND b.id = '$BOOT'")" = 2 ]
check "... to this machine and kernel (the hello's)" [ "$(q "$DB" "SELECT k.release FROM runs r JOIN kernels k
	ON k.id = r.kernel_id LIMIT 1")" = "$(uname -r)" ]
check "... with their cells and places in the order" [ "$(q "$DB" "SELECT group_concat(cell || '/' || seq, ' ')
	FROM (SELECT cell, seq FROM runs ORDER BY seq)")" = "0/0 0/1" ]
check "the sweep is complete: every planned run is there" [ "$(q "$DB" "SELECT status FROM sweeps")" = complete ]
m1=$(q "$DB" "SELECT count(*) FROM metrics")
"$H" ingest --db "$DB" "$T/out.log" "$T/stream" >"$T/in2" 2>"$T/err"
check "ingesting the same streams again exits 0" [ $? -eq 0 ]
checkline "$T/in2" "0 stored, 2 already there" "... and says nothing was new"
check "... and adds nothing" [ "$(q "$DB" "SELECT count(*) || ' ' || (SELECT count(*) FROM metrics) FROM runs")" = "2 $m1" ]

# Damaged streams: refused, nothing stored, the database untouched.
sum0=$(sha256sum "$DB")
head -n 3 "$T/stream" >"$T/cut.log"
"$H" ingest --db "$T/new.db" "$T/cut.log" 2>"$T/err"
check "a stream without its trailer is refused (exit 2)" [ $? -eq 2 ]
checkline "$T/err" "cut.log: the stream that starts at line 1: result stream: ended after 3 lines without a trailer" "... saying so"
check "... and no database is made" [ ! -e "$T/new.db" ]
sed '5s/"rep":1/"rep":7/' "$T/stream" >"$T/tampered.log"
"$H" ingest --db "$DB" "$T/out.log" "$T/tampered.log" 2>"$T/err"
check "a tampered stream is refused (exit 2), with a good file beside it" [ $? -eq 2 ]
checkline "$T/err" "tampered.log:[0-9]*: result stream: checksum mismatch" "... naming the checksum"
check "... and the database is as it was" [ "$(sha256sum "$DB")" = "$sum0" ]
printf 'nothing here\n{"seq":1,"type":"run"}\n' >"$T/none.log"
"$H" ingest --db "$DB" "$T/none.log" 2>"$T/err"
check "a file without a stream is refused (exit 2)" [ $? -eq 2 ]
checkline "$T/err" "none.log: no harness result stream in it" "... saying so"
"$H" ingest --db "$DB" "$T/missing.log" 2>"$T/err"
check "a missing file: exit 2" [ $? -eq 2 ]

# A local-target database beside it.
seed_db "$T/local.db"
check "a local sweep to merge with" [ "$(q "$T/local.db" "SELECT count(*) FROM runs WHERE target = 'local'")" = 1 ]
"$H" merge "$T/local.db" "$DB" -o "$T/all.db" >"$T/m1" 2>"$T/err"
check "merge exits 0" [ $? -eq 0 ]
check "every run is there, with its id" [ "$(q "$T/all.db" "SELECT count(*) FROM runs WHERE id IN
	('11111111-2222-4333-8444-000000000001', '11111111-2222-4333-8444-000000000002',
	 '$(q "$T/local.db" "SELECT id FROM runs")')")" = 3 ]
check "sweeps, boots and machines keep their ids" [ "$(q "$T/all.db" "SELECT (SELECT count(*) FROM sweeps WHERE id IN
	('$SWEEP', '$(q "$T/local.db" "SELECT id FROM sweeps")')) || (SELECT count(*) FROM boots WHERE id = '$BOOT')
	|| (SELECT count(*) FROM machines WHERE id = '$(q "$DB" "SELECT machine_id FROM runs LIMIT 1")')")" = 211 ]
check "metrics and samples came along" [ "$(q "$T/all.db" "SELECT count(*) FROM metrics")" = \
	"$(($(q "$T/local.db" "SELECT count(*) FROM metrics") + m1))" ]
check "integrity_check ok after the merge" [ "$(q "$T/all.db" "PRAGMA integrity_check")" = ok ]
check "foreign keys hold" [ -z "$(q "$T/all.db" "PRAGMA foreign_key_check")" ]
"$H" tag "$(q "$T/local.db" "SELECT id FROM sweeps")" base --db "$T/local.db" >/dev/null 2>&1
n0="$(q "$T/all.db" "SELECT count(*) FROM runs")/$(q "$T/all.db" "SELECT count(*) FROM samples")"
"$H" merge "$DB" "$DB" "$T/local.db" -o "$T/all.db" >"$T/m2" 2>"$T/err"
check "merging the same databases again exits 0" [ $? -eq 0 ]
checkline "$T/m2" "i.db: 0 runs added, 2 already there; 0 conflicts" "... and says nothing was new"
check "... adds no run and no sample" [ "$(q "$T/all.db" "SELECT count(*) FROM runs")/$(q "$T/all.db" "SELECT count(*) FROM samples")" = "$n0" ]
check "... but brings the new tag" [ "$(q "$T/all.db" "SELECT sweep_id FROM tags WHERE name = 'base'")" = \
	"$(q "$T/local.db" "SELECT id FROM sweeps")" ]
"$H" report --db "$T/all.db" "$(q "$T/local.db" "SELECT id FROM sweeps")" "$SWEEP" >"$T/report" 2>"$T/err"
check "harness report compares the local and the ingested sweep in the merged database" [ $? -eq 0 ] || cat "$T/err"
checkline "$T/report" "v1" "... with the ingested variant's column"

cp "$DB" "$T/conflict.db"
q "$T/conflict.db" "UPDATE runs SET reason = 'edited' WHERE id = '11111111-2222-4333-8444-000000000002'"
sum1=$(q "$T/all.db" "SELECT group_concat(id || coalesce(reason, ''), ',') FROM runs")
"$H" merge "$T/conflict.db" -o "$T/all.db" >"$T/m3" 2>"$T/err"
check "a conflicting row: exit 1" [ $? -eq 1 ]
checkline "$T/err" "conflict: runs 11111111-2222-4333-8444-000000000002: same id, other content (reason): left out" "... named with the column"
check "... and left out" [ "$(q "$T/all.db" "SELECT group_concat(id || coalesce(reason, ''), ',') FROM runs")" = "$sum1" ]

sqlite3 "$T/other.db" "CREATE TABLE t (x)"
"$H" merge "$T/other.db" -o "$T/x.db" 2>"$T/err"
check "a database that is not the harness's: exit 2" [ $? -eq 2 ]
check "... one line naming it" [ "$(wc -l <"$T/err")" = 1 ] && checkline "$T/err" "other.db: an SQLite database, but not a harness results database" "... saying what it is"
check "... and no output made" [ ! -e "$T/x.db" ]
cp "$DB" "$T/newer.db"
q "$T/newer.db" "PRAGMA user_version = 99"
sum2=$(sha256sum "$T/all.db")
"$H" merge "$T/newer.db" -o "$T/all.db" 2>"$T/err"
check "a database of a newer schema: exit 2" [ $? -eq 2 ]
checkline "$T/err" "newer.db: written by a newer harness (schema 99" "... saying so"
check "... and the output unchanged" [ "$(sha256sum "$T/all.db")" = "$sum2" ]
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" -eq 0 ]; then ro="/proc/harness-no-such-dir/all.db"; else ro="$T/ro/all.db"; fi
"$H" merge "$DB" -o "$ro" 2>"$T/err"
check "an unwritable output: exit 2, one line" [ $? -eq 2 ] && [ "$(wc -l <"$T/err")" = 1 ]
"$H" merge "$DB" -o "$DB" 2>"$T/err"
check "an input as the output: exit 2" [ $? -eq 2 ]
finish
