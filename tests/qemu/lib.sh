# Shared by the qemu-target tests: tests/e2e/lib.sh (H, T, q, check,
# within, finish) plus helpers for sweeps and boots. Source it.
. "$(dirname "$0")/../e2e/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 1
[ -n "${HARNESS_GUEST_BUILD:-}" ] || HARNESS_GUEST_BUILD="$BUILD-arm64"
export HARNESS_GUEST_BUILD
export HARNESS_STATE="$T/state"
# Boot directories (initrd, disk image, socket) under the test's directory.
export TMPDIR="$T"
unset HARNESS_QEMU_TEST HARNESS_KERNELS

# has TEXT WORD...: every WORD occurs in TEXT.
has() { _t=$1; shift; for _w in "$@"; do case "$_t" in *"$_w"*) ;; *) return 1 ;; esac; done; }
# checkhas DESCRIPTION TEXT WORD...
checkhas() { _d=$1; shift; if has "$@"; then ok "$_d"; else not_ok "$_d" "$(printf '%s' "$1" | tail -c 300)"; fi; }
# ge A B / le A B: numeric comparisons that accept decimals.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
# metric DB VARIANT WORKLOAD SCOPE NAME [SWEEP]: mean over ok runs.
metric() {
	q "$1" "SELECT avg(m.value) FROM runs r JOIN metrics m ON m.run_id = r.id
		WHERE r.variant = '$2' AND r.workload = '$3' AND r.status = 'ok' AND r.warmup = 0
		AND m.scope = '$4' AND m.name = '$5' ${6:+AND r.sweep_id = '$6'}"
}
# No qemu-system-aarch64 of this test left running.
no_guests() { ! pgrep -f "qemu-system-aarch64.*$T" >/dev/null; }
