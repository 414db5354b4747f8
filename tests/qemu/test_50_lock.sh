#!/bin/sh
# A sweep on target qemu writes no host knob and takes no host lock: it
# runs while another sweep holds this machine's knobs, and a local sweep
# runs beside it without waiting (both with --no-wait, which would exit 3
# at once if either waited).
. "$(dirname "$0")/lib.sh"
KLOCK=/run/lock/harness-knobs.lock
[ -w /run/lock ] || KLOCK=/tmp/harness-knobs.lock

cat >"$T/q.ini" <<'EOF'
[sweep]
name = lock-qemu
target = qemu
repetitions = 1
[variant 4k]
; long enough under emulation that the local sweep starts and ends inside it
[workload gups]
size = 4m
updates = 3000000
EOF
cat >"$T/l.ini" <<'EOF'
[sweep]
name = lock-local
repetitions = 1
[workload gups]
size = 4m
updates = 1000
EOF

# The knobs held by someone else, as a local sweep holds them.
(
	exec 9>>"$KLOCK"
	flock 9
	printf '%s\n%s\n' "$$" "sweep holder" >"$KLOCK"
	sleep 120
) &
holder=$!
for i in $(seq 1 100); do
	grep -q holder "$KLOCK" 2>/dev/null && break
	sleep 0.05
done
"$H" sweep "$T/q.ini" --no-wait -q --db "$T/q1.db" >/dev/null 2>"$T/q1.err"
check "a qemu sweep runs while another sweep holds the host's knobs" test $? = 0
check "... it did not wait" sh -c "! grep -q 'holds this machine' '$T/q1.err'"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# A qemu sweep and a local sweep at the same time.
"$H" sweep "$T/q.ini" --new --no-wait -q --db "$T/q2.db" >/dev/null 2>"$T/q2.err" &
qpid=$!
"$H" sweep "$T/l.ini" --no-wait -q --db "$T/l.db" >/dev/null 2>"$T/l.err"
lrc=$?
check "a local sweep runs beside a qemu sweep, not waiting for it" test "$lrc" = 0
check "... while the qemu sweep was still running" kill -0 "$qpid"
wait "$qpid"
check "the qemu sweep completes too" test $? = 0
check "no guest left running" no_guests
finish
