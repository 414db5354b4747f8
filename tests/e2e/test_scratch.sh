# Scratch space of a killed run (issue 16.9): smallfiles holds an flock on
# its harness-smallfiles-XXXXXX directory while it runs; after a SIGKILL of
# the sweep the next harness removes the directory, a live run's is kept.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
# On disk (not tmpfs) and private, so no one else's scratch is involved.
SD=$(mktemp -d /var/tmp/harness-e2e-scratch.XXXXXX)
trap 'rm -rf "$T" "$SD"' EXIT
cat >"$T/files.ini" <<EOF
[sweep]
name = scratch
repetitions = 2

[variant base]

[workload smallfiles]
files = 20000
size = 1k
dir = $SD
EOF
scratch() { find "$SD" -maxdepth 1 -name 'harness-smallfiles-*' | wc -l; }
# Kill the sweep once its workload has made its directory.
"$H" sweep "$T/files.ini" -q --db "$DB" >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 400); do [ "$(scratch)" -ge 1 ] && break; sleep 0.05; done
kill -9 "$pid"; wait "$pid" 2>/dev/null
for i in $(seq 1 100); do pgrep -f "[/]${WL#/}/smallfiles" >/dev/null || break; sleep 0.1; done
check "killed: the workload's directory is left behind (the case to clean up)" test "$(scratch)" = 1
check "killed: its directory carries the sticky bit of a locking workload" sh -c "find '$SD' -maxdepth 1 -name 'harness-smallfiles-*' -perm -1000 | grep -q ."
# A live run's directory (its lock held: here by flock(1), as a running
# workload holds it) is kept while the resumed sweep cleans its cells' dir.
mkdir -m 1700 "$SD/harness-smallfiles-live01"
flock -x -o "$SD/harness-smallfiles-live01" sleep 600 &
holder=$!
sleep 0.2
"$H" sweep "$T/files.ini" --db "$DB" >"$T/out.txt" 2>"$T/err.txt"
check "resumed sweep exits 0" test $? = 0
check "resumed sweep says it removed the killed run's directory" grep -q "removed $SD/harness-smallfiles-.*left by a killed run" "$T/err.txt"
check "resumed sweep removed one directory only" test "$(grep -c 'left by a killed run' "$T/err.txt")" = 1
check "the locked (live) directory is still there" test -d "$SD/harness-smallfiles-live01"
check "no other scratch directory left" test "$(scratch)" = 1
# flock(1) keeps the lock itself (-o): end its sleep child, then it.
kill $(pgrep -P "$holder") "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
"$H" sweep "$T/files.ini" --new -q --db "$DB" >/dev/null 2>"$T/new.err"
check "once unlocked it is stale and removed" test "$(scratch)" = 0
check "every run of the first sweep exactly once" test "$(q "$DB" "select count(*) || '/' || count(distinct rep) from runs r join sweeps s on s.id = r.sweep_id where warmup = 0 and s.rowid = 1")" = "2/2"
finish
