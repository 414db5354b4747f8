# Shared helpers for the kernel-build tests: they drive the real harness
# binary and real kernel builds (minutes each). Source it; end with `finish`.
# HARNESS_CACHE is shared by all scripts of one `tests/kernel/run` (set
# there); a script run alone gets a cache of its own.
BUILD=${HARNESS_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$(pwd)/$BUILD" ;; esac
H="$BUILD/harness"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/harness-kernel.XXXXXX")
if [ -z "${HARNESS_CACHE:-}" ]; then
	HARNESS_CACHE="$T/cache"
	# install-deps' fetched sources (linux-source-7.N), from the user's cache
	_src=${XDG_CACHE_HOME:-$HOME/.cache}/harness/kernels/sources
	mkdir -p "$HARNESS_CACHE/kernels"
	[ -d "$_src" ] && ln -s "$_src" "$HARNESS_CACHE/kernels/sources"
fi
export HARNESS_CACHE
trap 'rm -rf "$T"' EXIT
unset HARNESS_KERNELS HARNESS_KERNEL_SOURCE HARNESS_PPS_SERIES HARNESS_MTHP_COLLAPSE_SERIES
cd "$REPO" || exit 1
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '#   %s\n' "$2"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }

now() { date +%s.%N; }
# secs START END: elapsed seconds, two decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# An arm64 Image has "ARM\x64" ("ARMd") at offset 56.
is_arm64() { [ "$(dd if="$1" bs=1 skip=56 count=4 2>/dev/null)" = "ARMd" ]; }
# What the cache holds: finished builds and extracted sources.
listing() { (cd "$HARNESS_CACHE/kernels" 2>/dev/null && find builds src -maxdepth 2 | sort); }
lines() { printf '%s\n' "$1" | wc -l; }

# build VARIANT [ARG]...: runs `harness kernel build`, setting rc, out (the
# Image path), err (stderr) and took (seconds).
build() {
	_t0=$(now)
	out=$("$H" kernel build "$@" 2>"$T/err")
	rc=$?
	took=$(secs "$_t0" "$(now)")
	err=$(cat "$T/err")
}

# expect_usage DESCRIPTION WORD...: the last build failed with exit 2 and
# one line naming every WORD, and left the cache listing as it was.
expect_usage() {
	_d=$1
	shift
	check "$_d: exit 2" [ "$rc" -eq 2 ]
	check "$_d: one line on stderr" [ "$(lines "$err")" -eq 1 ]
	for _w in "$@"; do
		case "$err" in
		*"$_w"*) ok "$_d: names '$_w'" ;;
		*) not_ok "$_d: names '$_w'" "$err" ;;
		esac
	done
	check "$_d: nothing on stdout" [ -z "$out" ]
	if [ "$(listing)" = "$before" ]; then ok "$_d: cache unchanged"
	else not_ok "$_d: cache unchanged" "$(listing | diff - "$T/before" | head -5)"; fi
}

snapshot() { before=$(listing); printf '%s\n' "$before" >"$T/before"; }
