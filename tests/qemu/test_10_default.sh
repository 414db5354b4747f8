#!/bin/sh
# The README's main job: sweeps/default.ini on target qemu. It builds (or
# finds) the 4k and 64k kernels from linux-source-7.2 and the guest bundle,
# boots 4k, 64k, mthp-64k, mthp-collapse and pps-model, and the database shows the
# physical facts: for the same bytes gups touches, 16 times fewer faults on
# 64k than on 4k; a 1 KiB file takes 4096 bytes of page cache on 4k and
# 65536 on 64k; mthp-64k's faults are 64 KiB mTHP allocations
# (hugepages-64kB/stats/anon_fault_alloc); on mthp-collapse khugepaged
# turns every partly touched 64 KiB range of the workload's mapping into a
# 64 KiB folio (its own pagemap, and collapse_alloc system-wide) while
# AnonHugePages stays 0; on pps-model (the 4k kernel) the launched
# process's anonymous faults are 64k's while its page cache stays 4k's. A second run builds nothing and reaches the first
# workload within 3 s of QEMU starting.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"

t0=$(date +%s)
"$H" sweep sweeps/default.ini --db "$DB" >"$T/out1" 2>"$T/err1"
rc=$?
echo "# first run: $(($(date +%s) - t0)) s"
check "default sweep exits 0" [ "$rc" -eq 0 ]
widest=$(python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$T/out1")
check "its report fits 80 columns ($widest)" [ "$widest" -le 80 ]
[ "$rc" -eq 0 ] || tail -n 20 "$T/err1" | sed 's/^/#   /'
S1=$(q "$DB" "SELECT id FROM sweeps ORDER BY created LIMIT 1")

# Physical facts, from the database.
f4=$(metric "$DB" 4k gups region fault.minor "$S1")
f64=$(metric "$DB" 64k gups region fault.minor "$S1")
fm=$(metric "$DB" mthp-64k gups region fault.minor "$S1")
b4=$(metric "$DB" 4k gups workload bytes_touched "$S1")
b64=$(metric "$DB" 64k gups workload bytes_touched "$S1")
echo "# gups: $b4 bytes touched on 4k, $b64 on 64k; region faults 4k $f4, 64k $f64, mthp-64k $fm"
check "gups touched the same bytes on 4k and 64k" [ -n "$b4" ] && [ "$b4" = "$b64" ]
check "gups: about 16x fewer faults on 64k than on 4k" \
	awk -v a="$f4" -v b="$f64" 'BEGIN { exit !(b > 0 && a / b > 16 * 0.9 && a / b < 16 * 1.1) }'
p4=$(metric "$DB" 4k smallfiles workload pagecache_bytes_per_file "$S1")
p64=$(metric "$DB" 64k smallfiles workload pagecache_bytes_per_file "$S1")
echo "# smallfiles 1 KiB files: page cache per file $p4 on 4k, $p64 on 64k"
check "smallfiles: 4096 bytes of page cache per 1 KiB file on 4k" within "$p4" 4096 1
check "smallfiles: 65536 bytes of page cache per 1 KiB file on 64k" within "$p64" 65536 1
# pps-model: the launched process gets 64 KiB anonymous folios on the 4k
# kernel; the page cache keeps 4 KiB pages.
fp=$(metric "$DB" pps-model gups region fault.minor "$S1")
ap=$(metric "$DB" pps-model gups process thp.hugepages-64kB.anon_fault_alloc "$S1")
pp=$(metric "$DB" pps-model smallfiles workload pagecache_bytes_per_file "$S1")
echo "# pps-model: gups region faults $fp (64k $f64), 64 KiB anon_fault_alloc $ap, page cache per 1 KiB file $pp"
check "pps-model: the launched process's gups faults like 64k's (within 10%)" \
	awk -v a="$fp" -v b="$f64" 'BEGIN { exit !(a > 0 && a / b > 0.9 && a / b < 1.1) }'
check "pps-model: 64 KiB anon_fault_alloc = bytes touched / 64 KiB (within 2%)" \
	awk -v a="$ap" -v b="$b4" 'BEGIN { exit !(a > 0 && a / (b / 65536) > 0.98 && a / (b / 65536) < 1.02) }'
check "pps-model: 4096 bytes of page cache per 1 KiB file, as on 4k" within "$pp" 4096 1
a64=$(metric "$DB" mthp-64k gups process thp.hugepages-64kB.anon_fault_alloc "$S1")
a4=$(metric "$DB" 4k gups process thp.hugepages-64kB.anon_fault_alloc "$S1")
echo "# gups 64 MiB: hugepages-64kB anon_fault_alloc $a64 on mthp-64k, $a4 on 4k"
check "mthp-64k: anon_fault_alloc counted in hugepages-64kB/stats (64 MiB = 1024 folios)" ge "$a64" 1000
check "4k without the knob: no 64 KiB mTHP allocations" [ "${a4%.*}" = 0 ]
check "mthp-64k: its faults are 64 KiB folios (16x fewer than 4k)" \
	awk -v a="$f4" -v b="$fm" 'BEGIN { exit !(b > 0 && a / b > 14) }'
for v in 4k:4096 64k:65536 mthp-64k:4096 pps-model:4096; do
	ps=$(q "$DB" "SELECT DISTINCT k.page_size FROM runs r JOIN kernels k ON k.id = r.kernel_id
		WHERE r.variant = '${v%%:*}' AND r.status = 'ok'")
	check "${v%%:*}: runs record a ${v#*:}-byte page size" [ "$ps" = "${v#*:}" ]
done
pm=$(q "$DB" "SELECT count(*) FROM knobs k JOIN runs r ON r.id = k.run_id WHERE r.variant = 'mthp-64k'
	AND k.path LIKE '%hugepages-64kB/enabled' AND k.value = 'always' AND k.previous = 'never'")
check "mthp-64k: the knob was applied in the guest and stored with every run (15)" [ "$pm" = 15 ]
check "every run booted Linux 7.2 built from linux-source-7.2" [ "$(q "$DB" "SELECT count(*) FROM runs r
	JOIN kernels k ON k.id = r.kernel_id WHERE r.sweep_id = '$S1' AND k.release LIKE '7.2.%'
	AND k.source LIKE 'linux-source-7.2 7.2.%'")" = 80 ]
check "two kernels (4k and 64k builds; the mTHP variants boot the 4k one)" [ "$(q "$DB" "SELECT
	count(DISTINCT k.page_size || k.version) FROM runs r JOIN kernels k ON k.id = r.kernel_id WHERE r.sweep_id = '$S1'")" = 2 ]
# mthp-collapse: khugepaged collapse into 64 KiB folios (max_ptes_none 511).
# collapse-64k is the collapse program with unit=64k: told apart by its parameters.
c64() { q "$DB" "SELECT avg(m.value) FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.sweep_id = '$S1'
	AND r.variant = 'mthp-collapse' AND r.status = 'ok' AND json_extract(r.params_json, '$.unit') = '64k'
	AND m.scope = '$1' AND m.name = '$2'"; }
units=$(c64 workload units)
uf=$(c64 workload unit_folios)
ca=$(c64 region thp.hugepages-64kB.collapse_alloc)
ahp=$(c64 workload anon_huge_bytes)
echo "# mthp-collapse, 16 MiB, a quarter of each 64 KiB range touched: $uf of $units ranges 64 KiB folios; hugepages-64kB collapse_alloc $ca; AnonHugePages $ahp"
check "mthp-collapse: every 64 KiB range of the mapping is a 64 KiB folio (its own pagemap)" [ -n "$uf" ] && [ "${uf%.*}" = "${units%.*}" ] && [ "${units%.*}" = 256 ]
check "mthp-collapse: hugepages-64kB collapse_alloc counts them (system-wide, >= 256)" ge "$ca" 256
check "mthp-collapse: AnonHugePages unchanged (PMD size never)" [ "${ahp%.*}" = 0 ]
check "collapse-64k ran on mthp-collapse only" [ "$(q "$DB" "SELECT group_concat(DISTINCT variant) FROM runs
	WHERE sweep_id = '$S1' AND json_extract(params_json, '$.unit') = '64k'")" = mthp-collapse ]

# Boots: interleaved order = one boot per variant and repetition, each
# running one repetition of every cell of its variant.
check "25 boots, all ok" [ "$(q "$DB" "SELECT count(*) FROM boots WHERE status = 'ok' AND sweep_id = '$S1'")" = 25 ]
check "5 boots per variant" [ "$(q "$DB" "SELECT group_concat(n) FROM (SELECT count(*) n FROM boots
	WHERE sweep_id = '$S1' GROUP BY variant)")" = "5,5,5,5,5" ]
check "each boot ran one repetition of every cell of its variant" \
	[ "$(q "$DB" "SELECT count(*) FROM (SELECT boot_id, max(variant) v FROM runs WHERE sweep_id = '$S1'
		GROUP BY boot_id HAVING count(*) = count(DISTINCT cell) AND count(DISTINCT rep) = 1
		AND count(*) = CASE WHEN v = 'mthp-collapse' THEN 4 ELSE 3 END)")" = 25 ]
check "every run points at its boot" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE boot_id IS NULL")" = 0 ]
check "every boot keeps its console log" [ "$(q "$DB" "SELECT count(*) FROM boots
	WHERE console_log LIKE '%Run /init as init process%' AND console_log LIKE '%reboot: Power down%'")" = 25 ]
check "every run says it was emulated, on target qemu" [ "$(q "$DB" "SELECT count(*) FROM runs
	WHERE json_extract(settings_json, '$.emulated') = 1 AND target = 'qemu'")" = 80 ]
check "TLB events the emulator does not count are stored as not counted" [ "$(q "$DB" "SELECT count(*)
	FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.name = 'tlb.l1d_refill' AND m.scope = 'process'
	AND m.status = 'not_counted' AND m.value IS NULL")" = 80 ]
# The guest has cgroup v2 with the memory controller: the run's cgroup
# holds the gups table at the region's end, and its peak after exit.
anon4=$(metric "$DB" 4k gups region cgroup.anon "$S1")
peak4=$(metric "$DB" 4k gups process cgroup.memory_peak "$S1")
echo "# gups on 4k: cgroup anon at region end $anon4, memory.peak $peak4, table $b4"
check "cgroup memory.stat anon at region end holds the gups table" ge "$anon4" "$b4"
check "cgroup memory.peak at least the gups table" ge "$peak4" "$b4"
check "cycles are counted" [ "$(q "$DB" "SELECT count(*) FROM metrics WHERE name = 'cpu.cycles'
	AND scope = 'process' AND status IN ('ok', 'scaled')")" = 80 ]
out=$(cat "$T/out1")
checkhas "the table marks times as emulated" "$out" "time.wall_s (region) (emulated)" "[GUP/s] (emulated)"
# The report scales units and marks verdicts: 65536 bytes is "64.0 KiB",
# the ratio "16.0x" with its mark; 5 identical runs a side make it significant.
check "the table shows 64k's page cache per file at 16x" sh -c "printf '%s' \"\$1\" | grep -Eq '64.0 KiB +16.0x[-+~]'" - "$out"
check "the table says the 16x fewer gups faults on 64k are significant" sh -c "printf '%s' \"\$1\" | grep -Eq 'fault.minor \(region\) .* 0.06[0-9]x\+'" - "$out"
checkhas "the table shows the 64 KiB mTHP allocations" "$out" "thp.hugepages-64kB.anon_fault_alloc"
checkhas "the table shows khugepaged's 64 KiB collapses and the workload's own count" "$out" \
	"thp.hugepages-64kB.collapse_alloc" "unit_folios" "anon_huge_bytes"

# The second run: nothing built, fast boots.
builds=$(ls "${HARNESS_CACHE:-$HOME/.cache/harness}/kernels/builds" | sort)
bundles=$(ls -l --time-style=+%s "${HARNESS_CACHE:-$HOME/.cache/harness}/bundles" | grep -c cpio)
t0=$(date +%s)
"$H" sweep sweeps/default.ini --new --db "$DB" >"$T/out2" 2>"$T/err2"
rc=$?
echo "# second run: $(($(date +%s) - t0)) s"
check "second run exits 0" [ "$rc" -eq 0 ]
err=$(cat "$T/err2")
checkhas "second run: every kernel cached" "$err" "kernel 4k: cached" "kernel 64k: cached" "kernel mthp-64k: cached" \
	"kernel mthp-collapse: cached" "kernel pps-model: cached"
checkhas "second run: bundle cached" "$err" ": cached ("
check "second run: no kernel build" sh -c '! printf "%s" "$1" | grep -q "building"' - "$err"
check "second run: no new kernel build in the cache" \
	[ "$(ls "${HARNESS_CACHE:-$HOME/.cache/harness}/kernels/builds" | sort)" = "$builds" ]
check "second run: no new bundle" \
	[ "$(ls -l "${HARNESS_CACHE:-$HOME/.cache/harness}/bundles" | grep -c cpio)" = "$bundles" ]
S2=$(q "$DB" "SELECT id FROM sweeps ORDER BY created DESC LIMIT 1")
times=$(q "$DB" "SELECT printf('%.2f', json_extract(settings_json, '$.first_cell_s')) FROM boots
	WHERE sweep_id = '$S2' ORDER BY 1")
echo "# second run, QEMU start to first workload (s): $(echo $times)"
med=$(printf '%s\n' "$times" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
check "second run: QEMU start to first workload within 3 s (median $med s)" le "$med" 3
no_guests && ok "no guest left running" || not_ok "no guest left running"
finish
