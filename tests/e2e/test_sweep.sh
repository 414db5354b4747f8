# harness sweep on the local target: --dry-run touches nothing, malformed
# files give file:line and exit 2 without a database, knobs in force are
# stored and put back, resume / complete / --new, failures go on and are
# listed, SIGINT restores, noise controls reach the workload, harness sweeps.
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
sum() { [ -e "$1" ] && md5sum <"$1" || echo absent; }
thp_before=$(thp_state)

cat >"$T/two.ini" <<'EOF'
[sweep]
name = two
repetitions = 2
warmup = 1
seed = 3

[variant never]
knob = /sys/kernel/mm/transparent_hugepage/enabled=never

[variant always]
knob = /sys/kernel/mm/transparent_hugepage/enabled=always
knob = /proc/sys/vm/overcommit_memory=1

[workload gups]
size = 4m, 8m
updates = 1000
EOF

# --dry-run: the plan and an estimate; no database, no journal, no knob change.
"$H" sweep "$T/two.ini" --dry-run --db "$DB" >"$T/plan.txt" 2>"$T/plan.err"
check "dry-run exits 0" test $? = 0
check "dry-run prints the cells" grep -q "cells: 4 (2 variants x 2 parameter sets)" "$T/plan.txt"
check "dry-run prints the order with warm-ups first" sh -c "grep -A1 '^order' '$T/plan.txt' | grep -q warm-up"
check "dry-run prints an estimated duration" grep -q "^estimated duration: " "$T/plan.txt"
check "dry-run creates no database" test ! -e "$DB"
check "dry-run writes no journal" test ! -e "$HARNESS_STATE"
check "dry-run leaves THP settings alone" test "$(thp_state)" = "$thp_before"
LOCAL="$(dirname "$0")/../../sweeps/local.ini"
"$H" sweep "$LOCAL" -n --db "$DB" >"$T/local-plan.txt"
check "dry-run of sweeps/local.ini prints its plan" sh -c "grep -q 'variant' '$T/local-plan.txt' && grep -q 'thp-always' '$T/local-plan.txt' && grep -q 'estimated duration' '$T/local-plan.txt'"
check "dry-run of sweeps/local.ini creates no database" test ! -e "$DB"

# A real sweep: every slot once, knobs stored with each run, then restored.
"$H" sweep "$T/two.ini" --db "$DB" >"$T/out.txt" 2>"$T/err.txt"
check "sweep exits 0" test $? = 0
check "measured runs: 2 variants x 2 sizes x 2 reps" test "$(q "$DB" "select count(*) from runs where warmup=0")" = 8
check "warm-ups stored and flagged: one per cell" test "$(q "$DB" "select count(*) from runs where warmup=1")" = 4
check "warm-ups come first in the order" test "$(q "$DB" "select max(seq) from runs where warmup=1")" -lt "$(q "$DB" "select min(seq) from runs where warmup=0")"
check "each slot once" test "$(q "$DB" "select count(*) from (select distinct cell, warmup, rep from runs)")" = 12
check "order indexes 0..11 all stored" test "$(q "$DB" "select count(distinct seq) || ':' || min(seq) || ':' || max(seq) from runs")" = "12:0:11"
check "variant 'never' runs had enabled=never in force" test "$(q "$DB" "select count(*) from runs r join knobs k on k.run_id=r.id where r.variant='never' and k.path='$THP/enabled' and k.value='never'")" = 6
pre=$(echo "$thp_before" | sed -n "s|^$THP/enabled=.*\[\(.*\)\].*|\1|p")
check "knob's previous value is the bracketed word ($pre)" test "$(q "$DB" "select distinct previous from knobs where path='$THP/enabled'")" = "$pre"
check "settings_json shows the knob in force" test "$(q "$DB" "select count(*) from runs where variant='always' and json_extract(settings_json,'\$.thp.enabled')='always'")" = 6
check "a sysctl knob is applied and stored" test "$(q "$DB" "select count(*) from knobs where path='/proc/sys/vm/overcommit_memory' and value='1'")" = 6
check "noise controls recorded with every run" test "$(q "$DB" "select count(*) from runs where json_extract(settings_json,'\$.aslr')='off' and json_extract(settings_json,'\$.sweep.name')='two'")" = 12
check "THP settings restored after the sweep" test "$(thp_state)" = "$thp_before"
check "journal removed" test ! -e "$HARNESS_STATE/knobs.journal"
check "comparison table printed with ratios and verdict marks" sh -c "grep -q '^gups size=4m updates=1000' '$T/out.txt' && grep -q 'fault.minor' '$T/out.txt' && grep -q '[0-9]x[-+~=?]' '$T/out.txt'"
check "sweep status complete" test "$(q "$DB" "select status from sweeps")" = complete
check "plan stored with cells and order" test "$(q "$DB" "select json_array_length(plan_json,'\$.cells') || ':' || json_array_length(plan_json,'\$.order') from sweeps")" = "4:12"
sid=$(q "$DB" "select id from sweeps")

# --dry-run against an existing database: read only, estimates from history.
before=$(sum "$DB")
"$H" sweep "$T/two.ini" -n --db "$DB" >"$T/plan2.txt" 2>&1
check "dry-run leaves an existing database byte for byte" test "$(sum "$DB")" = "$before"
check "dry-run estimates from the earlier runs" grep -q "2 of 2 parameter sets timed from earlier runs" "$T/plan2.txt"

# The same file again: complete, not rerun; --new runs it again.
"$H" sweep "$T/two.ini" --db "$DB" >"$T/again.txt" 2>"$T/again.err"
check "a complete sweep is not rerun" test "$(q "$DB" "select count(*) from runs")" = 12
check "... and says so" grep -q "is complete" "$T/again.err"
check "... showing its table" grep -q "fault.minor" "$T/again.txt"
"$H" sweep "$T/two.ini" --new -q --db "$DB" >/dev/null
check "--new makes a second sweep" test "$(q "$DB" "select count(*) from sweeps")" = 2
check "--new stores a full second set" test "$(q "$DB" "select count(*) from runs")" = 24

# harness sweeps
"$H" sweeps --db "$DB" >"$T/list.txt"
check "harness sweeps lists both with status and counts" test "$(grep -c 'complete .* 8/8 .* 4/4' "$T/list.txt")" = 2
check "harness sweeps --json" sh -c "'$H' sweeps --db '$DB' --json | jq -e 'length == 2 and .[0].done_runs == 8' >/dev/null"

# Malformed files: file:line, exit 2, database untouched.
before=$(sum "$DB")
bad() { # NAME LINE EXPECTED-TEXT, file on stdin
	cat >"$T/$1.ini"
	"$H" sweep "$T/$1.ini" --db "$DB" >/dev/null 2>"$T/$1.err"
	rc=$?
	check "$1: exit 2" test $rc = 2
	check "$1: names $1.ini:$2" grep -q "$1.ini:$2: .*$3" "$T/$1.err"
	"$H" sweep "$T/$1.ini" --db "$T/fresh.db" >/dev/null 2>&1
	check "$1: no database created" test ! -e "$T/fresh.db"
}
printf '[sweep]\nrepetitions = 2\ncolour = blue\n[workload gups]\n' | bad unknown-key 3 "unknown key 'colour'"
printf '[sweep]\n[workload gups]\nsize = 16k..1g\n' | bad bad-grid 3 "size = '16k..1g'"
printf '[sweep]\n[workload gups]\nsize = 1g..16k:x4\n' | bad bad-range 3 "start is above end"
printf '[sweep]\n[workload gups]\nsize = 4m,,8m\n' | bad bad-list 3 "empty value"
printf '[sweep]\n\n[workload nosuch]\n' | bad unknown-workload 3 "unknown workload 'nosuch'"
printf '[sweep]\n[workload gups]\nsize = 4m\nwidth = 3\n' | bad unknown-param 4 "no parameter 'width'"
printf '[sweep]\n[workload gups]\nsize = 4m, 4x\n' | bad bad-value 3 "size=4x"
printf '[sweep]\n[variant v]\nknob = %s/no_such_knob=1\n[workload gups]\n' "$THP" | bad unknown-knob 3 "this kernel has no"
printf '[sweep]\n[variant v]\nknob = /etc/hostname=x\n[workload gups]\n' | bad knob-not-allowed 3 "not allowed"
printf '[sweep]\n[variant v]\nknob = %s/enabled=sometimes\n[workload gups]\n' "$THP" | bad bad-choice 3 "not one of the choices"
printf '[sweep]\n[variant v]\n[workload gups]\n[variant v]\n' | bad duplicate-section 4 "duplicate section \[variant v\] (first at line 2)"
printf '[sweep]\n[workload gups]\nsize = 1m\nsize = 2m\n' | bad duplicate-key 4 "duplicate key 'size'"
printf '[sweep]\ntarget = ssh\n[workload gups]\n' | bad target-ssh 2 "name the machines in \[host NAME\]"
SSHV='[sweep]\ntarget = ssh\n[variant 4k]\n[workload gups]\n[host lab]\n'
printf "${SSHV}host = 127.0.0.1\nidentity = /dev/null\nknown_hosts = /dev/null\n" | bad ssh-no-user 5 "\[host lab\] has no user"
printf "${SSHV}user = root\nhost = 127.0.0.1\nknown_hosts = /dev/null\n" | bad ssh-no-key 5 "has no identity"
printf "${SSHV}user = root\ncolour = red\n" | bad ssh-unknown-key 7 "unknown key 'colour' in \[host lab\]"
printf "${SSHV}user = root\nhost = -oProxyCommand=sh\n" | bad ssh-host-option 7 "host = '-oProxyCommand=sh': not a host"
printf "${SSHV}user = root\nidentity = $T/no-such-key\n" | bad ssh-no-key-file 7 "cannot read it"
printf '[sweep]\n[workload gups]\n[host x]\nuser = u\n' | bad host-on-local 3 "target local runs on no named machine"
# An unreachable machine: refused at plan time, before the database.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf "${SSHV}user = root\nhost = 127.0.0.1\nport = $DEAD\nidentity = /dev/null\nknown_hosts = /dev/null\nboot_timeout = 1\n" |
	bad ssh-unreachable 5 "root@127.0.0.1 port $DEAD: cannot log in: .*Connection refused"
printf '[variant]\nfragments = base\n' >"$T/4k.ini"	# a kernel variant file
printf '[sweep]\n[variant v]\nkernel = %s/4k.ini\n[workload gups]\n' "$T" | bad kernel-file 3 "booting kernels needs target qemu"
check "malformed files left the database unchanged" test "$(sum "$DB")" = "$before"
check "malformed files changed no knob" test "$(thp_state)" = "$thp_before"
check "a missing file is exit 2" sh -c "'$H' sweep '$T/none.ini' --db '$DB' 2>/dev/null; test \$? = 2"

# Failures: a crash, a failed verification and a timeout are stored as
# failed runs with a reason; the sweep goes on and lists them.
cat >"$T/fail.ini" <<'EOF'
[sweep]
repetitions = 2
warmup = 0
timeout = 1

[workload ok]
program = gups
size = 4m
updates = 1000

[workload corrupt]
program = gups
size = 4m
updates = 1000
corrupt = 1

[workload slow]
program = gups
size = 4m
updates = 4000000000
EOF
"$H" sweep "$T/fail.ini" --db "$T/fail.db" >"$T/fail.txt" 2>"$T/fail.err"
check "a sweep with failed runs exits 3" test $? = 3
check "the sweep went on: all 6 runs stored" test "$(q "$T/fail.db" "select count(*) from runs")" = 6
check "good runs ok" test "$(q "$T/fail.db" "select count(*) from runs where status='ok'")" = 2
check "verification failure stored with reason and stderr tail" test "$(q "$T/fail.db" "select count(*) from runs where status='failed' and reason like '%verif%' and stderr_tail like '%verification failed%'")" = 2
check "timeout stored as failed" test "$(q "$T/fail.db" "select count(*) from runs where status='failed' and reason like 'timeout%'")" = 2
check "summary lists the failures" sh -c "grep -q '^failed runs' '$T/fail.txt' && grep -q 'timeout' '$T/fail.txt'"
check "sweep complete despite failures" test "$(q "$T/fail.db" "select status from sweeps")" = complete

# SIGINT/SIGTERM mid-run: knobs restored, nothing half stored, resumable.
cat >"$T/int.ini" <<'EOF'
[sweep]
repetitions = 3
warmup = 0
[variant always]
knob = /sys/kernel/mm/transparent_hugepage/enabled=always
[workload gups]
size = 64m
updates = 30000000
EOF
for sig in INT TERM; do
	rm -f "$T/int.db"*
	"$H" sweep "$T/int.ini" -q --db "$T/int.db" >/dev/null 2>"$T/int.err" &
	pid=$!
	for i in $(seq 1 100); do
		[ "$(q "$T/int.db" "select count(*) from runs" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: exit 3" test $rc = 3
	check "SIG$sig: says knobs restored and how to resume" grep -q "knobs restored.*harness sweep" "$T/int.err"
	check "SIG$sig: THP settings restored" test "$(thp_state)" = "$thp_before"
	check "SIG$sig: journal removed" test ! -e "$HARNESS_STATE/knobs.journal"
	check "SIG$sig: status interrupted" test "$(q "$T/int.db" "select status from sweeps")" = interrupted
	check "SIG$sig: only whole runs stored" test "$(q "$T/int.db" "select count(*) from runs r where status='ok' and not exists (select 1 from metrics m where m.run_id=r.id and m.name='gups')")" = 0
done
n=$(q "$T/int.db" "select count(*) from runs")
id=$(q "$T/int.db" "select substr(id,1,8) from sweeps")

# One sweep at a time on a machine, whatever its state directory: a second
# one waits for the first (saying so) before it touches its database or a
# knob, then runs; one stopped while waiting changes nothing.
"$H" sweep "$T/int.ini" --new -q --db "$T/busy.db" >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 100); do
	[ -e "$HARNESS_STATE/knobs.journal" ] && break
	sleep 0.05
done
HARNESS_STATE="$T/state2" "$H" sweep "$T/two.ini" -q --db "$T/second.db" >/dev/null 2>"$T/second.err" &
second=$!
HARNESS_STATE="$T/state3" "$H" sweep "$T/two.ini" -q --db "$T/third.db" >/dev/null 2>"$T/third.err" &
third=$!
for i in $(seq 1 100); do
	grep -q waiting "$T/second.err" && grep -q waiting "$T/third.err" && break
	sleep 0.05
done
check "a second sweep waits, naming the running one" grep -q "another sweep (pid $pid) holds this machine's knobs; waiting" "$T/second.err"
check "... before creating its database" test ! -e "$T/second.db"
kill -INT $third
wait $third
check "a waiting sweep stopped by SIGINT exits 3" test $? = 3
check "... having created no database" test ! -e "$T/third.db"
kill -INT $pid
wait $pid
wait $second
check "the waiting sweep runs once the first is done" test $? = 0
check "... all of it" test "$(q "$T/second.db" "select count(*) from runs")" = 12
check "THP settings restored after both" test "$(thp_state)" = "$thp_before"
"$H" sweep --resume "$id" -q --db "$T/int.db" >/dev/null 2>"$T/resume.err"
check "--resume ID finishes the sweep" test "$(q "$T/int.db" "select count(*) || ':' || count(distinct rep) from runs")" = "3:3"
check "--resume ID says so" grep -q "resuming sweep" "$T/resume.err"
check "... after $n stored, exactly the missing ran" test "$(q "$T/int.db" "select status from sweeps")" = complete

# Noise controls reach the workload: a launcher that reports what it runs
# under, then execs the workload.
cat >"$T/launch.sh" <<'EOF'
echo "personality $(cat /proc/self/personality)" >&2
grep Cpus_allowed_list /proc/self/status >&2
exec "$@"
EOF
cat >"$T/noise.ini" <<EOF
[sweep]
repetitions = 1
warmup = 0
cpus = 0
drop_caches = yes
[variant aslr-off]
launcher = wrapper sh $T/launch.sh
[workload gups]
size = 4m
updates = 1000
EOF
"$H" sweep "$T/noise.ini" -q --db "$T/noise.db" >/dev/null 2>&1
check "launcher ran the workload" test "$(q "$T/noise.db" "select status from runs")" = ok
check "ASLR off in the workload (ADDR_NO_RANDOMIZE)" test "$(q "$T/noise.db" "select count(*) from runs where stderr_tail like '%personality 00040000%'")" = 1
check "CPU binding in the workload" test "$(q "$T/noise.db" "select count(*) from runs where instr(stderr_tail, 'Cpus_allowed_list:' || char(9) || '0' || char(10)) > 0")" = 1
check "binding and drop_caches recorded" test "$(q "$T/noise.db" "select json_extract(settings_json,'\$.cpuset') || ':' || json_extract(settings_json,'\$.drop_caches') from runs")" = "0:1"
check "governor recorded (null with a reason without cpufreq)" test -n "$(q "$T/noise.db" "select coalesce(json_extract(settings_json,'\$.governor'), json_extract(settings_json,'\$.governor_reason')) from runs")"
sed -i 's/^cpus = 0/aslr = on/' "$T/noise.ini"
"$H" sweep "$T/noise.ini" -q --db "$T/noise.db" >/dev/null 2>&1
check "aslr = on leaves randomisation on" test "$(q "$T/noise.db" "select count(*) from runs where stderr_tail like '%personality 00000000%'")" = 1

check "THP settings as before the tests" test "$(thp_state)" = "$thp_before"
finish
