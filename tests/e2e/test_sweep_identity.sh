# A sweep's identity is its file's content plus the machine and, on the
# local target, the running kernel; the machine's knob lock is waited for
# only as long as asked; options of another target are refused.
#
# Booting another kernel is not possible inside a test, so the stored
# sweep is made to look as if another kernel ran it (its kernel_id and
# kernel_release changed in SQL): what the harness then does is what it
# does after a reboot into another kernel.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
KLOCK=/run/lock/harness-knobs.lock
[ -w /run/lock ] || KLOCK=/tmp/harness-knobs.lock
dump() { sqlite3 "$1" .dump | md5sum; }

cat >"$T/id.ini" <<'EOF'
[sweep]
name = ident
repetitions = 2
seed = 5

[workload gups]
size = 4m
updates = 1000
EOF
release=$(uname -r)

"$H" sweep "$T/id.ini" -q --db "$DB" >"$T/first.txt" 2>"$T/first.err"
check "a local sweep completes" test $? = 0
first=$(q "$DB" "select id from sweeps")
check "it stores the machine and the running kernel" \
	test "$(q "$DB" "select count(*) from sweeps s join kernels k on k.id = s.kernel_id where s.kernel_release = '$release' and s.machine_id is not null")" = 1
"$H" sweep "$T/id.ini" -q --db "$DB" >/dev/null 2>"$T/again.err"
check "the same file on the same kernel is shown, not rerun" grep -q "is complete" "$T/again.err"
check "... no second sweep" test "$(q "$DB" "select count(*) from sweeps")" = 1

# As if the machine had booted another kernel since.
q "$DB" "update sweeps set kernel_id = '00000000000000aa', kernel_release = '6.1.0-other' where id = '$first'"
"$H" sweep "$T/id.ini" -q --db "$DB" >"$T/other.txt" 2>"$T/other.err"
check "under another kernel the complete sweep is not shown as the result" sh -c "! grep -q 'is complete' '$T/other.err'"
check "... a new sweep runs" test "$(q "$DB" "select count(*) from sweeps where status = 'complete'")" = 2
check "... its table is of its own runs" grep -q "$(q "$DB" "select substr(id, 1, 8) from sweeps where id <> '$first'")" "$T/other.txt"

# An unfinished sweep of another kernel: found by neither a plain run nor
# --resume; --resume names both kernels and changes nothing.
q "$DB" "update sweeps set status = 'interrupted' where id = '$first'"
before=$(dump "$DB")
"$H" sweep --resume "$first" -q --db "$DB" >/dev/null 2>"$T/resume.err"
check "--resume across kernels exits 2" test $? = 2
check "... naming the sweep's kernel" grep -q "6.1.0-other" "$T/resume.err"
check "... and the running one" grep -qF "$release" "$T/resume.err"
check "... the database unchanged" test "$(dump "$DB")" = "$before"

# Options of a target the sweep does not use are refused, not ignored.
"$H" sweep "$T/id.ini" --qemu-smp 4 -q --db "$T/opt.db" >/dev/null 2>"$T/opt.err"
check "--qemu-smp on a local sweep exits 2" test $? = 2
check "... saying whose option it is" grep -q "qemu-smp is an option of target qemu; this sweep's target is local" "$T/opt.err"
check "... no database made" test ! -e "$T/opt.db"
"$H" sweep "$T/id.ini" --wait 5 --no-wait -q --db "$T/opt.db" >/dev/null 2>"$T/opt2.err"
check "--wait with --no-wait exits 2" test $? = 2

# The lock: held by another local sweep (here: by flock on the machine's
# lock file, as a sweep holds it), --no-wait gives up at once naming the
# holder, --wait gives up after its time, and nothing is written.
(
	exec 9>>"$KLOCK"
	flock 9
	printf '%s\n%s\n' "$$" "sweep holder, /tmp/holder.ini" >"$KLOCK"
	sleep 6
) &
holder=$!
for i in $(seq 1 100); do
	grep -q holder "$KLOCK" 2>/dev/null && break
	sleep 0.05
done
start=$(date +%s)
"$H" sweep "$T/id.ini" --no-wait -q --db "$T/lock.db" >/dev/null 2>"$T/nowait.err"
rc=$?
took=$(($(date +%s) - start))
check "--no-wait exits 3 while another sweep holds the knobs" test "$rc" = 3
check "... at once" test "$took" -le 2
check "... naming the holder's pid and sweep" grep -q "another sweep (pid [0-9]*, sweep holder, /tmp/holder.ini) holds this machine's knobs (--no-wait)" "$T/nowait.err"
check "... having made no database" test ! -e "$T/lock.db"
start=$(date +%s)
"$H" sweep "$T/id.ini" --wait 1 -q --db "$T/lock.db" >/dev/null 2>"$T/wait.err"
rc=$?
took=$(($(date +%s) - start))
check "--wait 1 gives up with exit 3" test "$rc" = 3
check "... after about a second" test "$took" -ge 1 -a "$took" -le 4
check "... saying so" grep -q "gave up after --wait seconds" "$T/wait.err"
wait "$holder"
"$H" sweep "$T/id.ini" --no-wait -q --db "$T/lock.db" >/dev/null 2>&1
check "--no-wait runs when nobody holds the knobs" test $? = 0

# Bounds come from the option tables, 64 bits wide.
"$H" kernel build 4k -j 0 >/dev/null 2>"$T/j.err"
check "kernel build -j 0 exits 2" test $? = 2
check "... naming the range" grep -q -- "--jobs: 0 is out of range" "$T/j.err"
"$H" run gups -p size=1m -p updates=100 --timeout 4294967297 --db "$T/big.db" -q >/dev/null 2>"$T/t.err"
check "--timeout 4294967297 is refused, not truncated to 1 s" test $? = 2
check "... naming the range" grep -q -- "--timeout: 4294967297 is out of range" "$T/t.err"
check "... no database made" test ! -e "$T/big.db"
finish
