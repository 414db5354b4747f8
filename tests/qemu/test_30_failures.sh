#!/bin/sh
# What goes wrong in a guest becomes a failed run with the reason and the
# console log, never a partial one, and a sweep goes on with its other
# variants: a kernel that never reaches the agent (no init: it panics), a
# wrong console, a guest that panics under the agent, a result stream cut
# in the middle of a line, a hang, a boot timeout, an interrupted
# controller. The faults inside the agent come from HARNESS_QEMU_TEST
# (docs/qemu.md).
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"

# nothing_partial DB: failed runs have no metrics, samples or PMU rows.
nothing_partial() {
	[ "$(q "$1" "SELECT count(*) FROM runs r WHERE r.status = 'failed' AND (
		EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.id) OR
		EXISTS (SELECT 1 FROM series s WHERE s.run_id = r.id) OR
		EXISTS (SELECT 1 FROM pmu_events p WHERE p.run_id = r.id))")" = 0 ]
}

# A sweep whose middle variants fail: the others still run.
printf '[variant]\nkernel = 4k\ncmdline = console=ttyS0 panic=-1\n' >"$T/badcon.ini"
printf '[variant]\nkernel = 4k\ncmdline = console=ttyAMA0 panic=-1 rdinit=/no/such/init\n' >"$T/noinit.ini"
cat >"$T/fail.ini" <<EOT
[sweep]
name = failures
target = qemu
repetitions = 1
warmup = 0
order = grouped
[variant noinit]
kernel = $T/noinit.ini
[variant badcon]
kernel = $T/badcon.ini
[variant 4k]
[workload gups]
size = 4m
updates = 10000
EOT
"$H" sweep "$T/fail.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
check "sweep with failing variants exits 3" [ "$rc" -eq 3 ]
check "the sweep went on: 4k's run is ok" \
	[ "$(q "$DB" "SELECT status FROM runs WHERE variant = '4k'")" = ok ]
r=$(q "$DB" "SELECT reason FROM runs WHERE variant = 'noinit'")
checkhas "no init: failed with the kernel's panic, before the agent" "$r" "guest kernel panic before the agent started: Kernel panic - not syncing"
check "no init: the boot's console log has the panic" \
	[ "$(q "$DB" "SELECT count(*) FROM boots WHERE variant = 'noinit' AND status = 'failed' AND console_log LIKE '%Kernel panic%'")" = 1 ]
checkhas "no init: the run's stderr tail is the console's end" \
	"$(q "$DB" "SELECT stderr_tail FROM runs WHERE variant = 'noinit'")" "Kernel panic"
r=$(q "$DB" "SELECT reason FROM runs WHERE variant = 'badcon'")
checkhas "wrong console: failed, saying the console is not ttyAMA0" "$r" "console is not ttyAMA0" "console=ttyS0"
check "wrong console: its boot is recorded as failed" \
	[ "$(q "$DB" "SELECT status FROM boots WHERE variant = 'badcon'")" = failed ]
checkhas "the table lists the failures" "$(cat "$T/out")" "failed runs" "noinit gups" "badcon gups"
check "sweeps: nothing partial stored" nothing_partial "$DB"

# run_fault FAULT [ARGS]: three repetitions in one boot of 4k.
run_fault() {
	_f=$1
	shift
	HARNESS_QEMU_TEST=$_f "$H" run gups --target qemu --variant 4k -p size=4m -p updates=10000 -r 3 \
		--db "$T/$_f.db" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	fdb="$T/$_f.db"
}
status_list() { q "$fdb" "SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY rep)"; }

run_fault panic=1
check "panic: exit 3" [ "$rc" -eq 3 ]
check "panic: the run before it is ok, the rest failed" [ "$(status_list)" = "ok failed failed" ]
checkhas "panic: the reason is the kernel's panic line" "$(q "$fdb" "SELECT reason FROM runs WHERE rep = 1")" \
	"guest kernel panic: Kernel panic - not syncing: Attempted to kill init"
check "panic: console log stored with the boot" \
	[ "$(q "$fdb" "SELECT count(*) FROM boots WHERE status = 'failed' AND console_log LIKE '%Kernel panic%'")" = 1 ]
check "panic: nothing partial" nothing_partial "$fdb"

run_fault cut=1
check "cut stream: exit 3" [ "$rc" -eq 3 ]
check "cut stream: the complete run is kept, the cut one and the rest failed" [ "$(status_list)" = "ok failed failed" ]
checkhas "cut stream: the reason says where it was cut" "$(q "$fdb" "SELECT reason FROM runs WHERE rep = 1")" \
	"result stream: cut short in the middle of line"
check "cut stream: console log stored" [ "$(q "$fdb" "SELECT length(console_log) > 0 FROM boots")" = 1 ]
check "cut stream: nothing partial" nothing_partial "$fdb"

t0=$(date +%s)
run_fault hang=0 --timeout 2
echo "# hang detected after $(($(date +%s) - t0)) s"
check "hang: exit 3" [ "$rc" -eq 3 ]
check "hang: every run failed" [ "$(status_list)" = "failed failed failed" ]
checkhas "hang: the reason says so" "$(q "$fdb" "SELECT reason FROM runs WHERE rep = 0")" "hang: no message from the guest"

run_fault hang_hello --boot-timeout 5
check "boot timeout: exit 3" [ "$rc" -eq 3 ]
checkhas "boot timeout: the reason says so" "$(q "$fdb" "SELECT reason FROM runs WHERE rep = 0")" \
	"boot timeout: no hello from the guest's agent within 5 s"
checkhas "boot timeout: the console shows how far the boot got" \
	"$(q "$fdb" "SELECT console_log FROM boots")" "Run /init as init process"
no_guests && ok "faults: no guest left running" || not_ok "faults: no guest left running"

# SIGINT while a guest runs: the guest is stopped, the run in progress is
# not stored.
HARNESS_QEMU_TEST=hang=0 "$H" run gups --target qemu --variant 4k -p size=4m --db "$T/int.db" >/dev/null 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do
	[ "$(q "$T/int.db" "SELECT count(*) FROM boots" 2>/dev/null)" = 1 ] && grep -q " up in " "$T/err" && break
	sleep 0.2
done
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT: exit 3" [ "$rc" -eq 3 ]
check "SIGINT: no run stored" [ "$(q "$T/int.db" "SELECT count(*) FROM runs")" = 0 ]
checkhas "SIGINT: the boot says it was interrupted" "$(q "$T/int.db" "SELECT reason FROM boots")" "interrupted"
no_guests && ok "SIGINT: no guest left running" || not_ok "SIGINT: no guest left running"
finish
