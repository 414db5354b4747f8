# Shared by the standalone workload scripts (test_workloads.sh,
# test_suite_workloads.sh): counters, checks and the stream checker. The
# sourcing script sets its own traps (it owns TMP's removal).
BUILD=${HARNESS_BUILD:-build}
WL=$BUILD/workloads
passed=0 failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX") || exit 1

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }

# check NAME COMMAND...: pass when the command succeeds.
check() {
	name=$1; shift
	if "$@" >"$TMP/check.out" 2>&1; then ok "$name"; else
		not_ok "$name" "$(tail -3 "$TMP/check.out" | tr '\n' ' ')"; fi
}

# Validate a stream file with the independent checker (tests/e2e/check_stream.py):
# prints "ok" or the first reason.
CHECK_STREAM="$(cd "$(dirname "$0")" && pwd)/check_stream.py"
stream() { python3 "$CHECK_STREAM" "$@"; }

# run_stream NAME WANT_RC 'CHECKS' COMMAND...: run with the stream on fd 3,
# expect the exit code, then validate the stream with CHECKS.
run_stream() {
	name=$1 want_rc=$2 checks=$3; shift 3
	HARNESS_RESULT_FD=3 "$@" 3>"$TMP/stream" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ $rc -ne "$want_rc" ]; then
		not_ok "$name" "exit $rc, want $want_rc: $(head -c 300 "$TMP/stderr")"
		return 1
	fi
	# shellcheck disable=SC2086
	res=$(stream "$TMP/stream" $checks 2>&1)
	if [ "$res" != ok ]; then not_ok "$name" "$res"; return 1; fi
	if [ -s "$TMP/stdout" ]; then not_ok "$name" "stdout not empty"; return 1; fi
	ok "$name"
}
