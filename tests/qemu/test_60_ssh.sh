#!/bin/sh
# The ssh target against an emulated lab machine (tests/qemu/lab.sh): one
# QEMU process with dropbear inside, reached on 127.0.0.1 only. A sweep
# over 4k and 64k switches kernels by kexec done by the agent; a refused
# host key, an unreachable machine and a host without a user are refused
# (exit 2, file:line); killing sshd mid-run retries the run; killing the
# controller mid-sweep resumes it; a kernel that never comes back is
# power-cycled through the QEMU monitor and the sweep goes on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

L="$T/lab"
lab_debs || { not_ok "the lab machine's arm64 .debs (scripts/install-deps ssh)"; finish; exit 1; }
IMG4=$("$H" kernel build 4k -q 2>/dev/null)
check "the 4k kernel is in the cache" [ -f "$IMG4" ]
check "the lab machine is made (busybox, dropbear, host key, disk)" lab_make "$L"
PORT=$(lab_port)
echo "[127.0.0.1]:$PORT $(cat "$L/known_hosts.key")" >"$L/known_hosts"
t0=$(date +%s)
lab_start "$L" "$IMG4" "$PORT"
QPID=$LAB_PID
trap 'kill $QPID 2>/dev/null' EXIT
check "the lab machine answers over ssh" lab_wait "$L" "$PORT" 120
echo "# lab machine up in $(($(date +%s) - t0)) s (QEMU pid $QPID)"

# sweep NAME [HOST KEY LINES] [VARIANT SECTIONS] [REPS]: a sweep file.
sweep() {
	cat <<EOT
[sweep]
name = $1
target = ssh
repetitions = ${4:-1}
warmup = 0
[host lab]
${2:-user = root
host = 127.0.0.1
port = $PORT
identity = $L/id
known_hosts = $L/known_hosts}
dir = /lab/harness-agent
cmdline = rdinit=/init
initrd = $L/initrd.cpio
boot_timeout = 60
power = $REPO/tests/qemu/power-qemu $L/monitor.sock
${3:-[variant 4k]
[variant 64k]}
[workload gups]
size = 4m
updates = ${GUPS_UPDATES:-20000}
EOT
}

# ---- refused before anything runs ----
ssh-keygen -q -t ed25519 -N '' -f "$T/other" && echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/other.pub")" >"$T/wrong_hosts"
sweep refused "user = root
host = 127.0.0.1
port = $PORT
identity = $L/id
known_hosts = $T/wrong_hosts" >"$T/refused.ini"
"$H" sweep "$T/refused.ini" --db "$T/refused.db" >"$T/out" 2>"$T/err"
rc=$?
check "a changed host key: exit 2" [ "$rc" -eq 2 ]
checkhas "it names the file, the line of known_hosts and the refusal" "$(cat "$T/err")" \
	"$T/refused.ini:11:" "host key refused" "$T/wrong_hosts"
check "refused before the database was created" [ ! -e "$T/refused.db" ]

DEAD=$(lab_port)
sweep unreachable "user = root
host = 127.0.0.1
port = $DEAD
identity = $L/id
known_hosts = $L/known_hosts" | sed 's/^boot_timeout = 60/boot_timeout = 3/' >"$T/dead.ini"
"$H" sweep "$T/dead.ini" --db "$T/dead.db" >"$T/out" 2>"$T/err"
rc=$?
check "an unreachable host: exit 2" [ "$rc" -eq 2 ]
checkhas "it names the file, the host's line and the address" "$(cat "$T/err")" "$T/dead.ini:6:" "127.0.0.1 port $DEAD"
check "nothing written" [ ! -e "$T/dead.db" ]

sweep nouser "host = 127.0.0.1
identity = $L/id
known_hosts = $L/known_hosts" >"$T/nouser.ini"
"$H" sweep "$T/nouser.ini" --db "$T/nouser.db" >"$T/out" 2>"$T/err"
rc=$?
check "a host without user: exit 2" [ "$rc" -eq 2 ]
checkhas "it names [host lab]'s line" "$(cat "$T/err")" "$T/nouser.ini:6:" "has no user"
check "the database was not created" [ ! -e "$T/nouser.db" ]

# ---- the kexec sweep ----
DB="$T/lab.db"
sweep kexec >"$T/kexec.ini"
t0=$(date +%s)
"$H" sweep "$T/kexec.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
echo "# kexec sweep (4k, 64k; install, 2 kexecs, 2 runs): $(($(date +%s) - t0)) s"
check "the kexec sweep exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 8 "$T/err" | sed 's/^/#   /'
check "2 runs, both ok" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok' AND target = 'ssh'")" = 2 ]
rel=$(cat "$(dirname "$IMG4")/kernel.release")
check "each run's kernel release is its build's ($rel)" [ "$(q "$DB" "SELECT count(*) FROM runs r
	JOIN kernels k ON k.id = r.kernel_id WHERE k.release = '$rel'")" = 2 ]
check "4k ran with 4096-byte pages, 64k with 65536" [ "$(q "$DB" "SELECT group_concat(r.variant || '=' || k.page_size, ' ')
	FROM (SELECT * FROM runs ORDER BY variant) r JOIN kernels k ON k.id = r.kernel_id")" = "4k=4096 64k=65536" ]
check "each run's command line names its build" [ "$(q "$DB" "SELECT count(*) FROM runs r JOIN kernels k ON k.id = r.kernel_id
	WHERE k.cmdline LIKE '%harness.kernel=%' AND k.cmdline LIKE '%rdinit=/init%'")" = 2 ]
check "two boots of the machine (distinct boot ids), one per variant" [ "$(q "$DB" "SELECT count(DISTINCT
	json_extract(settings_json, '$.ssh.boot_id')) FROM runs")" = 2 ]
check "the sessions are recorded as ok boots of target ssh" [ "$(q "$DB" "SELECT count(*) FROM boots
	WHERE target = 'ssh' AND status = 'ok'")" = 2 ]
check "QEMU was not restarted: the same process ($QPID) runs" kill -0 "$QPID"
boots=$(lab_ssh "$L" "$PORT" cat /lab/boots | wc -l)
check "the machine booted 3 times in that one QEMU (first boot and 2 kexecs): $boots" [ "$boots" = 3 ]
check "the console shows the kexecs" [ "$(grep -c 'kexec_core: Starting new kernel' "$L/console.log")" = 2 ]

# ---- sshd killed mid-run: the run is retried, stored once ----
DB="$T/retry.db"
GUPS_UPDATES=150000000 sweep retry "" "[variant 64k]" 1 >"$T/retry.ini"
"$H" sweep "$T/retry.ini" --db "$DB" >"$T/out" 2>"$T/err" &
hp=$!
killed=no
for i in $(seq 1 120); do
	# busybox has no pgrep; the agent is the harness binary.
	if lab_ssh "$L" "$PORT" 'pidof harness >/dev/null' 2>/dev/null; then
		sleep 2
		lab_ssh "$L" "$PORT" 'killall dropbear' 2>/dev/null
		killed=yes
		break
	fi
	sleep 1
done
wait $hp
rc=$?
check "sshd was killed while the agent ran" [ "$killed" = yes ]
check "the sweep completes (exit 0)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 8 "$T/err" | sed 's/^/#   /'
check "the planned run stored exactly once, ok" [ "$(q "$DB" "SELECT count(*) || ' ' || sum(status = 'ok')
	FROM runs")" = "1 1" ]
check "the run's retry is in a new session of the same boot of the machine" [ "$(q "$DB" "SELECT count(*) FROM boots
	WHERE json_extract(settings_json, '$.ssh.boot_id') = (SELECT json_extract(settings_json, '$.ssh.boot_id') FROM runs)")" = 2 ]
check "the cut session is a failed boot with its reason" [ "$(q "$DB" "SELECT count(*) FROM boots
	WHERE status = 'failed' AND reason <> ''")" -ge 1 ]
checkhas "the controller said it ran the runs again" "$(cat "$T/err")" "failed" "again"

# ---- the controller killed mid-sweep, started again ----
DB="$T/resume.db"
GUPS_UPDATES=1000000 sweep resume "" "" 2 >"$T/resume.ini"
"$H" sweep "$T/resume.ini" --db "$DB" >"$T/out" 2>"$T/err" &
hp=$!
for i in $(seq 1 300); do
	[ "$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" -ge 1 ] && break
	sleep 1
done
kill -9 $hp
wait $hp 2>/dev/null
before=$(q "$DB" "SELECT count(*) FROM runs")
check "killed with runs stored ($before of 4)" [ "$before" -ge 1 ] && [ "$before" -lt 4 ]
"$H" sweep "$T/resume.ini" --db "$DB" >"$T/out" 2>"$T/err2"
rc=$?
check "started again, the sweep completes (exit 0)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 8 "$T/err2" | sed 's/^/#   /'
checkhas "it resumed the same sweep" "$(cat "$T/err2")" "resuming unfinished sweep"
check "every planned run exactly once (4), all ok" [ "$(q "$DB" "SELECT count(*) || ' ' || sum(status = 'ok') || ' ' ||
	count(DISTINCT variant || cell || rep) FROM runs")" = "4 4 4" ]

# ---- a kernel that never comes back: power-cycled, failed, the sweep goes on ----
K="$T/kernels"
cp -r "$REPO/kernels" "$K"
sed -e 's/^cmdline = .*/cmdline = console=ttyAMA0 panic=0 rdinit=\/no-such-init/' \
	"$REPO/kernels/variants/4k.ini" >"$K/variants/lost.ini"
DB="$T/lost.db"
sweep lost "" "[variant lost]
[variant 64k]" | sed 's/^boot_timeout = 60/boot_timeout = 30/' >"$T/lost.ini"
HARNESS_KERNELS="$K" "$H" sweep "$T/lost.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
check "a sweep with a lost kernel ends with failed runs (exit 3)" [ "$rc" -eq 3 ]
checkhas "the machine was power-cycled through the configured command" "$(cat "$T/err")" "power-cycling it"
check "lost's run failed with the reason" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE variant = 'lost'
	AND status = 'failed' AND reason LIKE '%did not come back%power%'")" = 1 ]
check "a failed boot is recorded with that reason" [ "$(q "$DB" "SELECT count(*) FROM boots WHERE variant = 'lost'
	AND status = 'failed' AND reason LIKE '%did not come back%'")" = 1 ]
check "the sweep went on: 64k ran ok after it" [ "$(q "$DB" "SELECT count(*) FROM runs r JOIN kernels k
	ON k.id = r.kernel_id WHERE r.variant = '64k' AND r.status = 'ok' AND k.page_size = 65536")" = 1 ]
check "still the same QEMU process" kill -0 "$QPID"
finish
