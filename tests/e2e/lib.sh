# Shared helpers for the end-to-end tests: they drive the real harness
# binary against real SQLite files. Source it; end with `finish`.
BUILD=${HARNESS_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$(pwd)/$BUILD" ;; esac
H="$BUILD/harness"
# A metric name missing from the metric table, or a workload result that
# disagrees with its entry, stops the harness here (metric_table.h).
export HARNESS_METRICS_STRICT=1
WL="$BUILD/workloads"
T=$(mktemp -d "${TMPDIR:-/tmp}/harness-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '#   %s\n' "$2"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# within A B PCT: |A-B| <= PCT% of B.
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != 0 && d <= b * p / 100) }'; }
# q DB SQL: one value from the database.
q() { sqlite3 -batch -noheader "$1" "$2"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
# seed_db DB: a real one-run sweep, so DB has the schema and this machine's
# and kernel's rows for a generator (gen_check_db.py) to add sweeps to.
seed_db() {
	printf '[sweep]\nname = seed\nrepetitions = 1\nwarmup = 0\n\n[workload gups]\nsize = 4m\nupdates = 1000\n' >"$T/seed.ini"
	"$H" sweep "$T/seed.ini" -q --db "$1" >/dev/null 2>"$T/seed.err"
}

# chrome ARGS...: headless Chromium (Debian's chromium) on a page, nothing
# fetched, its own profile under $T.
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" --enable-logging=stderr --v=0 "$@"
}

# thp_sweep_file NAME THP-SETTING REPETITIONS: $T/NAME.ini, a local sweep
# of gups over 64 MiB under one setting of $THP (the THP enabled file),
# for the gate's tests on the real machine.
thp_sweep_file() {
	cat >"$T/$1.ini" <<EOT
[sweep]
name = $1
target = local
repetitions = $3
warmup = 1
order = interleaved
seed = 1

[variant thp]
knob = $THP=$2

[workload gups]
size = 64m
updates = 500000
EOT
}
