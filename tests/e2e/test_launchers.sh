# Launchers (core/launcher.h, docs/kernels.md "Launchers"): one table of
# kinds, parsed with file:line errors in variant and sweep files alike, and
# each kind applied for real in the workload's process on this machine:
# prctl (PR_SET_NO_NEW_PRIVS, seen as NoNewPrivs in /proc/self/status),
# personality (ADDR_NO_RANDOMIZE, seen by personality(2)), wrapper
# (/usr/bin/env setting a variable the workload reads) and preload
# (launchers/thp-advise.so with 64 KiB mTHP in madvise mode: only the
# launched process faults in 64 KiB folios; sweeps/pps-local.ini).
. "$(dirname "$0")/lib.sh"
export HARNESS_STATE="$T/state"
export HARNESS_CACHE="$T/cache"
# An ASan-built workload refuses a library preloaded before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
S="$T/s"
K="$T/kernels"
mkdir -p "$S" "$K/variants" "$K/fragments"

# one DESCRIPTION CODE PATTERN... -- COMMAND...: exit CODE, one line on
# stderr holding every PATTERN.
one() {
	desc=$1 code=$2
	shift 2
	: >"$T/pats"
	while [ "$1" != "--" ]; do printf '%s\n' "$1" >>"$T/pats"; shift; done
	shift
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	why=""
	[ "$rc" = "$code" ] || why="exit $rc, want $code"
	[ "$(wc -l <"$T/err")" = 1 ] || why="$why; $(wc -l <"$T/err") lines on stderr"
	while IFS= read -r p; do
		grep -qF -- "$p" "$T/err" || why="$why; message lacks '$p'"
	done <"$T/pats"
	if [ -z "$why" ]; then ok "$desc"; else not_ok "$desc" "${why#; }: $(head -c 300 "$T/err")"; fi
}

# ---- procattr, the workload that reads what the launcher set ----
one "procattr: a variable that is not a number exits 2" 2 "parameter env" "'abc' is not a number" -- \
	env HARNESS_LAUNCH_VALUE=abc HARNESS_RESULT_FD=9 "$WL/procattr" 9>/dev/null
out=$(env -u HARNESS_LAUNCH_VALUE "$WL/procattr" field=NoSuchField size=0 2>&1)
case "$out" in
*'"name":"personality"'*'"type":"end"'*) case "$out" in *status_value*|*env_value*) not_ok "procattr: absent field and variable are not reported" "$out" ;;
	*) ok "procattr: absent field and variable are not reported (not 0)" ;; esac ;;
*) not_ok "procattr: a complete stream" "$(printf '%s' "$out" | head -c 300)" ;;
esac

# ---- parsing: variant files ----
cp kernels/fragments/*.config "$K/fragments/"
printf '[variant]\nfragments = base virt pages-4k mthp\ncmdline = x\nlauncher = chroot /x\n' >"$K/variants/kind.ini"
printf '[variant]\nkernel = 4k\nlauncher = prctl 0x70707301 big\n' >"$K/variants/num.ini"
printf '[variant]\nkernel = 4k\nlauncher = personality 1 2\n' >"$K/variants/count.ini"
printf '[variant]\nkernel = 4k\nlauncher = preload thp-advise NOT-AN-ASSIGNMENT\n' >"$K/variants/env.ini"
printf '[variant]\nkernel = 4k\nlauncher =\n' >"$K/variants/empty.ini"
cp kernels/variants/4k.ini "$K/variants/"
one "kernel build: unknown launcher kind names file, line and value" 2 \
	"$K/variants/kind.ini:4" "launcher 'chroot /x': unknown kind" "wrapper CMD [ARG]..." -- \
	"$H" kernel build "$K/variants/kind.ini"
check "... and nothing was built or extracted" test ! -e "$HARNESS_CACHE/kernels/builds" -a ! -e "$HARNESS_CACHE/kernels/src"
one "kernel show: prctl argument not a number" 2 "$K/variants/num.ini:3" "'big' is not a number" -- \
	"$H" kernel show "$K/variants/num.ini"
one "kernel show: personality takes one argument" 2 "$K/variants/count.ini:3" "personality takes 1 to 1 arguments" -- \
	"$H" kernel show "$K/variants/count.ini"
one "kernel show: preload variables are VAR=VALUE" 2 "$K/variants/env.ini:3" "'NOT-AN-ASSIGNMENT' is not VAR=VALUE" -- \
	"$H" kernel show "$K/variants/env.ini"
one "kernel show: empty launcher" 2 "$K/variants/empty.ini:3" "empty" -- \
	"$H" kernel show "$K/variants/empty.ini"
out=$("$H" kernel show pps-model 2>&1)
checkline() { printf '%s\n' "$2" | grep -q "$3" && ok "$1" || not_ok "$1" "$(printf '%s' "$2" | head -c 300)"; }
checkline "kernel show pps-model: reuses 4k, its launcher is the preload" "$out" "^launcher *preload thp-advise GLIBC_TUNABLES=glibc.malloc.hugetlb=1"
checkline "kernel show pps: the test series' prctl" "$("$H" kernel show pps 2>&1)" "^launcher *prctl 0x70707301 65536"
# A qemu sweep naming a variant with a bad launcher: refused at plan time.
printf '[sweep]\ntarget = qemu\n[variant kind]\n[workload procattr]\n' >"$S/qkind.ini"
one "sweep (qemu): a kernel variant's unknown launcher, before anything is built" 2 \
	"$S/qkind.ini:3" "kind.ini:4" "unknown kind" -- env HARNESS_KERNELS="$K" "$H" sweep "$S/qkind.ini" -n --db "$T/q.db"
check "... nothing built" test ! -e "$HARNESS_CACHE/kernels/builds"

# ---- parsing: sweep files ----
sw() { name=$1; shift; printf '%s\n' "$@" '[workload procattr]' >"$S/$name.ini"; }
sw skind '[sweep]' '[variant v]' 'launcher = taskset -c 0'
one "sweep: unknown launcher kind" 2 "$S/skind.ini:3" "launcher 'taskset -c 0': unknown kind" -- "$H" sweep "$S/skind.ini" --db "$T/x.db"
sw swrap '[sweep]' '[variant v]' 'launcher = wrapper no-such-program-here'
one "sweep: wrapper not in PATH" 2 "$S/swrap.ini:3" "no-such-program-here" -- "$H" sweep "$S/swrap.ini" --db "$T/x.db"
sw slib '[sweep]' '[variant v]' 'launcher = preload no-such-lib'
one "sweep: preload library missing" 2 "$S/slib.ini:3" "preload no-such-lib" "no such library" -- "$H" sweep "$S/slib.ini" --db "$T/x.db"
sw snum '[sweep]' '[variant v]' 'launcher = personality ADDR_NO_RANDOMIZE'
one "sweep: personality flags are numbers" 2 "$S/snum.ini:3" "'ADDR_NO_RANDOMIZE' is not a number" -- "$H" sweep "$S/snum.ini" --db "$T/x.db"
check "... no database was made by the refused sweeps" test ! -e "$T/x.db"
sw smiss '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/transparent_hugepage/hugepages-8192kB/enabled=madvise' \
	'launcher = preload thp-advise'
one "sweep: an mTHP size this kernel lacks is refused at its line" 2 "$S/smiss.ini:3" "hugepages-8192kB" -- \
	"$H" sweep "$S/smiss.ini" --db "$T/x.db"

# ---- each kind, for real, on this kernel ----
DB="$T/l.db"
cat >"$S/kinds.ini" <<'EOF'
[sweep]
repetitions = 1
warmup = 0
aslr = on
[variant plain]
[variant prctl]
launcher = prctl 38 1
[variant personality]
launcher = personality 0x0040000
[variant wrapper]
launcher = wrapper /usr/bin/env HARNESS_LAUNCH_VALUE=42
[variant refused]
launcher = prctl 0x70707301 65536
[workload procattr]
field = NoNewPrivs
size = 64k
EOF
"$H" sweep "$S/kinds.ini" -q --db "$DB" >/dev/null 2>"$T/kinds.err" || sed "s/^/# /" "$T/kinds.err"
wm() { q "$DB" "SELECT m.value FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.variant = '$1' AND m.name = '$2'"; }
check "prctl: PR_SET_NO_NEW_PRIVS reached the workload (NoNewPrivs 1)" test "$(wm prctl status_value)" = 1.0
check "... a process started without it has NoNewPrivs 0" test "$(wm plain status_value)" = 0.0
check "personality: ADDR_NO_RANDOMIZE in the workload (0x40000)" test "$(wm personality personality)" = 262144.0
check "... not in the plain run (aslr = on)" test "$(wm plain personality)" = 0.0
check "wrapper: the variable the wrapper set reached the workload" test "$(wm wrapper env_value)" = 42.0
check "... and is absent (not 0) without it" test -z "$(wm plain env_value)"
check "the launcher is recorded with the run" test "$(q "$DB" "SELECT json_extract(settings_json, '\$.launcher') FROM runs WHERE variant = 'wrapper'")" = '["wrapper","/usr/bin/env","HARNESS_LAUNCH_VALUE=42"]'
reason=$(q "$DB" "SELECT status || ': ' || reason FROM runs WHERE variant = 'refused'")
case "$reason" in
"failed: cannot apply the launcher prctl 0x70707301 65536: Invalid argument") ok "a prctl this kernel lacks fails the run with the reason" ;;
*) not_ok "a prctl this kernel lacks fails the run with the reason" "$reason" ;;
esac

# ---- preload: pps-model on this kernel (sweeps/pps-local.ini) ----
if [ ! -e /sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled ] ||
   [ ! -e /sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled ]; then
	echo "# no 64 KiB mTHP (or no 2 MiB PMD) in this kernel: pps-local refuses, as checked:"
	one "pps-local refuses without 64 KiB mTHP" 2 "sweeps/pps-local.ini:" "hugepages-" -- \
		"$H" sweep sweeps/pps-local.ini --db "$T/p.db"
	finish
	exit
fi
DB="$T/p.db"
sed -e 's/^repetitions = 5/repetitions = 1/' -e 's/^warmup = 1/warmup = 0/' \
	-e 's/^updates = 1000000/updates = 100000/' sweeps/pps-local.ini >"$S/pps-local.ini"
"$H" sweep "$S/pps-local.ini" -q --db "$DB" >/dev/null 2>"$T/p.err"
check "pps-local: every run ok" test "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" = 4
pm() { q "$DB" "SELECT m.value FROM runs r JOIN metrics m ON m.run_id = r.id
	WHERE r.variant = '$1' AND r.workload = '$2' AND m.scope = '$3' AND m.name = '$4'"; }
f=$(pm pps-model gups region fault.minor) a=$(pm pps-model gups region thp.hugepages-64kB.anon_fault_alloc)
fb=$(pm bare gups region fault.minor) ab=$(pm bare gups region thp.hugepages-64kB.anon_fault_alloc)
echo "# gups 16 MiB: pps-model $f faults, $a 64 KiB folios; bare $fb faults, $ab folios"
# The same bytes in 64 KiB instead of 4 KiB faults: 4096 - 256 fewer.
# (An ASan build adds the same shadow-memory faults to both.)
check "pps-model: 3840 faults fewer than bare for 16 MiB (4096 - 256)" \
	within "$(awk -v a="$fb" -v b="$f" 'BEGIN { print a - b }')" 3840 3
case "$BUILD" in *asan*) ;; *)
check "pps-model: 16 MiB in about 256 faults (16 MiB / 64 KiB)" within "$f" 256 5 ;;
esac
check "pps-model: 256 64 KiB anon_fault_alloc (system-wide: other processes may add)" awk -v a="$a" 'BEGIN { exit !(a >= 256 && a < 512) }'
case "$BUILD" in *asan*) ;; *)
check "bare (no launcher, same knobs): about 4096 faults (4 KiB pages)" within "$fb" 4096 5 ;;
esac
check "bare: not its table in 64 KiB folios (system-wide count < 128)" awk -v a="$ab" 'BEGIN { exit !(a < 128) }'
check "pps-model: no PMD THP (AnonHugePages peak 0)" test "$(pm pps-model gups process mem.AnonHugePages_peak)" = 0.0
pc=$(pm pps-model smallfiles workload pagecache_bytes_per_file)
pcb=$(pm bare smallfiles workload pagecache_bytes_per_file)
echo "# smallfiles 1 KiB: page cache per file $pc (pps-model), $pcb (bare)"
check "pps-model: a 1 KiB file still takes 4096 bytes of page cache" test "$pc" = 4096.0
check "... as without the launcher" test "$pcb" = 4096.0
finish
