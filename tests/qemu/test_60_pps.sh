#!/bin/sh
# The per-process page size, pluggable and modelled (issue 12), in the
# guest:
# - pps: the 4k kernel built with the test series tests/kernel/pps-series
#   (a prctl whose value shows as PageSizeHint in /proc/PID/status; two .c
#   files, so a build after 4k recompiles two files). The workload reads
#   the value its launcher set: 65536 through the variant's prctl launcher,
#   16384 through the pps-exec wrapper from the bundle, 0 started without a
#   launcher on the same kernel; a personality launcher's flag arrives too.
# - pps-model (sweeps/pps.ini, fewer repetitions): gups faults like 64k's
#   (1/16 of 4k's) with one 64 KiB anon_fault_alloc per 64 KiB touched, a
#   1 KiB file still takes 4096 bytes of page cache, and pps-model-bare (the
#   same kernel and knobs, no launcher) faults like 4k.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_PPS_SERIES="$REPO/tests/kernel/pps-series"

cat >"$T/pps.ini" <<'EOF'
[sweep]
name = pps-launchers
target = qemu
repetitions = 1
warmup = 0
order = grouped
aslr = on
[variant pps]
[variant pps-wrapper]
kernel = pps
launcher = wrapper pps-exec 16384
[variant pps-personality]
kernel = pps
launcher = personality 0x0040000
[variant pps-bare]
kernel = pps
launcher = exec
[workload procattr]
size = 64k
EOF
t0=$(date +%s)
"$H" sweep "$T/pps.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
echo "# pps (build and 4 boots): $(($(date +%s) - t0)) s"
check "pps: the sweep exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 20 "$T/err" | sed 's/^/#   /'
check "pps: four runs, ok" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" = 4 ]
check "pps: its kernel was built with the series" \
	grep -q "0001-prctl-PR_SET_PAGE_SIZE_HINT" "$(dirname "$("$H" kernel build pps 2>/dev/null)")/build.ini"
v() { metric "$DB" "$1" procattr workload "$2"; }
echo "# PageSizeHint: prctl $(v pps status_value), wrapper $(v pps-wrapper status_value), none $(v pps-bare status_value)"
check "pps: the workload started by the prctl launcher reads PageSizeHint 65536" [ "$(v pps status_value)" = 65536.0 ]
check "pps: through the bundle's pps-exec wrapper, 16384" [ "$(v pps-wrapper status_value)" = 16384.0 ]
check "pps: started without a launcher on the same kernel, 0" [ "$(v pps-bare status_value)" = 0.0 ]
check "pps: the personality launcher's ADDR_NO_RANDOMIZE reaches the workload" [ "$(v pps-personality personality)" = 262144.0 ]
check "pps: ... and no other launcher's flag" [ "$(v pps-bare personality)" = 0.0 ]

# pps-model against 4k and 64k: sweeps/pps.ini with 2 repetitions.
sed 's/^repetitions = 5$/repetitions = 2/' "$REPO/sweeps/pps.ini" >"$T/pps-model.ini"
t0=$(date +%s)
"$H" sweep "$T/pps-model.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
echo "# pps-model sweep: $(($(date +%s) - t0)) s"
check "pps-model: the sweep exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 20 "$T/err" | sed 's/^/#   /'
S=$(q "$DB" "SELECT id FROM sweeps WHERE name = 'pps'")
check "pps-model: one sweep named pps stored" [ -n "$S" ] && [ "$(printf '%s\n' "$S" | wc -l)" = 1 ]
check "pps-model: every run ok" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE sweep_id = '$S' AND status <> 'ok'")" = 0 ]
f4=$(metric "$DB" 4k gups region fault.minor "$S")
f64=$(metric "$DB" 64k gups region fault.minor "$S")
fm=$(metric "$DB" pps-model gups region fault.minor "$S")
fb=$(metric "$DB" pps-model-bare gups region fault.minor "$S")
am=$(metric "$DB" pps-model gups region thp.hugepages-64kB.anon_fault_alloc "$S")
echo "# gups 16 MiB faults: 4k $f4, 64k $f64, pps-model $fm ($am 64 KiB folios), pps-model-bare $fb"
check "pps-model: 16 MiB in about 256 faults, as on 64k" within "$fm" 256 3
check "pps-model: within 3% of 64k's faults" within "${fm:-0}" "${f64:-0}" 3
check "pps-model: 1/16 of 4k's faults" within "$(awk -v a="$f4" -v b="$fm" 'BEGIN { print a / b }')" 16 5
check "pps-model: anon_fault_alloc(64 KiB) = bytes touched / 64 KiB" [ "$am" = 256.0 ]
check "pps-model-bare: the process started without the launcher takes 4 KiB faults" within "$fb" 4096 3
check "pps-model-bare: no 64 KiB folio" [ "$(metric "$DB" pps-model-bare gups region thp.hugepages-64kB.anon_fault_alloc "$S")" = 0.0 ]
pc() { metric "$DB" "$1" smallfiles workload pagecache_bytes_per_file "$S"; }
echo "# page cache per 1 KiB file: 4k $(pc 4k), 64k $(pc 64k), pps-model $(pc pps-model)"
check "pps-model: a 1 KiB file takes 4096 bytes of page cache, as on 4k" [ "$(pc pps-model)" = 4096.0 ]
check "64k: 65536" [ "$(pc 64k)" = 65536.0 ]
check "pps-model: the launcher is stored with its runs" \
	[ "$(q "$DB" "SELECT DISTINCT json_extract(settings_json, '\$.launcher[0]') FROM runs WHERE sweep_id = '$S' AND variant = 'pps-model'")" = preload ]
check "pps-model-bare: no launcher stored ([], as 4k's)" \
	[ "$(q "$DB" "SELECT DISTINCT json_extract(settings_json, '\$.launcher') FROM runs WHERE sweep_id = '$S' AND variant = 'pps-model-bare'")" = "[]" ]
checkhas "pps-model: the table shows its faults and folios" "$(cat "$T/out")" "pps-model" "anon_fault_alloc"

# A wrapper the guest bundle lacks: refused at its line, before anything
# is built or booted.
printf '[sweep]\ntarget = qemu\n[variant w]\nkernel = 4k\nlauncher = wrapper taskset -c 0\n[workload procattr]\n' >"$T/nowrap.ini"
"$H" sweep "$T/nowrap.ini" -q --db "$T/nowrap.db" >"$T/out" 2>"$T/err"
rc=$?
check "a wrapper not in the bundle: exit 2" [ "$rc" -eq 2 ]
checkhas "... naming file, line, the wrapper and where it was looked for" "$(cat "$T/err")" \
	"$T/nowrap.ini:5" "launcher 'wrapper taskset'" "the guest has no /harness/bin/taskset"
check "... one line" [ "$(wc -l <"$T/err")" -eq 1 ]
check "... and no database made" [ ! -e "$T/nowrap.db" ]
finish
