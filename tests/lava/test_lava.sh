#!/bin/sh
# LAVA for real: tests/lava/lava.ini exported as LAVA jobs, every job
# validated by LAVA's own schema (lava_common) and by lava-run --validate,
# then run by lava-run (Debian's lava-dispatcher) on a qemu device with
# qemu-system-aarch64; the job logs are ingested and their runs compared with
# a direct qemu sweep of the same cells: the footprint figures (faults,
# page cache per file) are the same. The lava-test-case results LAVA
# recorded are the stored values; a cut or tampered log is refused with
# nothing stored; ingesting twice adds nothing; a merge of the LAVA, the
# qemu and a local database passes integrity_check and harness report
# compares the LAVA and the qemu sweep.
. "$(dirname "$0")/../qemu/lib.sh"

PY=/usr/bin/python3	# Debian's: lava_common loads there only
SWEEP=tests/lava/lava.ini
J=$T/jobs
"$H" lava export "$SWEEP" -o "$J" >"$T/jobs.txt" 2>"$T/export.err"
check "lava export exits 0" [ $? -eq 0 ] || cat "$T/export.err"
check "one job per variant (4k, 64k), 4 runs each" [ "$(cut -f2,3 "$T/jobs.txt" | tr '\t\n' ': ')" = "4k:4 runs 64k:4 runs " ]
check "each job has its kernel, initrd and scratch disk" [ -s "$J/4k/Image" ] && [ -s "$J/4k/initrd.cpio" ] && \
	[ -s "$J/64k/scratch.img" ] && [ -s "$J/device-qemu.yaml" ]

# LAVA's own schema, strict, as the server validates a submission.
for v in 4k 64k; do
	out=$($PY - "$J/$v/job.yaml" 2>&1 <<'PY'
import sys, yaml
from lava_common.schemas import validate
validate(yaml.safe_load(open(sys.argv[1])), strict=True)
print("valid")
PY
)
	check "job $v passes lava_common's schema (strict)" [ "$out" = valid ] || echo "# $out"
done

# The board template is valid LAVA too (it cannot be run here).
"$H" lava export "$SWEEP" -o "$T/board" --device board --device-type juno-r2 -q >/dev/null 2>"$T/board.err"
check "lava export --device board exits 0" [ $? -eq 0 ] || cat "$T/board.err"
out=$($PY - "$T/board/4k/job.yaml" 2>&1 <<'PY'
import sys, yaml
from lava_common.schemas import validate
validate(yaml.safe_load(open(sys.argv[1])), strict=True)
print("valid")
PY
)
check "the board job (tftp + u-boot) passes lava_common's schema" [ "$out" = valid ] || echo "# $out"
"$H" lava export "$SWEEP" -o /proc/harness-no-dir -q >/dev/null 2>"$T/err"
check "an unwritable -o: exit 2" [ $? -eq 2 ]

jobid=$$
for v in 4k 64k; do
	jobid=$((jobid + 1))
	lava-run --job-id "$jobid" --output-dir "$T/out-$v" --validate --device "$J/device-qemu.yaml" \
		"$J/$v/job.yaml" >"$T/validate-$v.log" 2>&1
	check "lava-run --validate passes job $v" grep -q '"case": "validate", "definition": "lava", "result": "pass"' "$T/validate-$v.log"
	t0=$(date +%s)
	lava-run --job-id "$jobid" --output-dir "$T/out-$v" --device "$J/device-qemu.yaml" \
		"$J/$v/job.yaml" >"$T/lava-$v.log" 2>&1
	rc=$?
	echo "# lava-run of job $v: exit $rc, $(($(date +%s) - t0)) s, $(wc -l <"$T/lava-$v.log") log lines"
	check "lava-run job $v finishes correctly" [ $rc -eq 0 ] && grep -q '"msg": "Job finished correctly"' "$T/lava-$v.log"
	check "... its monitors test action passed" grep -q '"case": "lava-test-monitor", "definition": "lava".*"result": "pass"' "$T/lava-$v.log"
	check "... LAVA recorded lava-test-case measurements" grep -q '"lvl": "results", "msg": {"case": "gups_0_r0_region_fault_minor"' "$T/lava-$v.log"
done

LDB=$T/lava.db
"$H" ingest --db "$LDB" "$T/lava-4k.log" "$T/lava-64k.log" >"$T/ingest1" 2>"$T/err"
check "ingest of both job logs exits 0" [ $? -eq 0 ] || cat "$T/err"
cat "$T/ingest1" | sed 's/^/# /'
check "8 runs stored, all ok, in one sweep" [ "$(q "$LDB" "SELECT count(*) || ' ' || sum(status = 'ok') || ' '
	|| count(DISTINCT sweep_id) FROM runs")" = "8 8 1" ]
check "the sweep is complete, named as the file" [ "$(q "$LDB" "SELECT name || ' ' || status FROM sweeps")" = "lava-e2e complete" ]
check "each run belongs to its job's boot, with its console" [ "$(q "$LDB" "SELECT count(DISTINCT boot_id) FROM runs")" = 2 ] && \
	[ "$(q "$LDB" "SELECT count(*) FROM boots WHERE status = 'ok' AND console_log LIKE '%lava-test-case%'")" = 2 ]
check "... on the emulated machine the plan named" [ "$(q "$LDB" "SELECT DISTINCT hostname FROM machines")" = qemu-neoverse-n1-2cpu-3G ]
v=$(q "$LDB" "SELECT m.value FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.variant = '4k' AND r.workload = 'gups'
	AND r.rep = 0 AND m.scope = 'region' AND m.name = 'fault.minor'")
check "LAVA's lava-test-case measurement is the stored value ($v)" \
	grep -q "\"case\": \"gups_0_r0_region_fault_minor\", \"definition\": \"4k\".*\"measurement\": \"$(printf %s "$v" | sed 's/\.0$//')\"" "$T/lava-4k.log"
check "a metric QEMU does not count is a skip in LAVA" grep -q '"case": "gups_0_r0_region_tlb_l1d_refill".*"result": "skip"' "$T/lava-4k.log"
n=$(q "$LDB" "SELECT count(*) || '/' || (SELECT count(*) FROM metrics) || '/' || (SELECT count(*) FROM samples) FROM runs")
"$H" ingest --db "$LDB" "$T/lava-4k.log" "$T/lava-64k.log" >"$T/ingest2" 2>"$T/err"
check "ingesting the logs again adds nothing" [ $? -eq 0 ] && [ "$(q "$LDB" "SELECT count(*) || '/' || (SELECT count(*) FROM metrics)
	|| '/' || (SELECT count(*) FROM samples) FROM runs")" = "$n" ]

# A cut log and a tampered one: refused, nothing stored.
lines=$(grep -n '"msg": "{' "$T/lava-64k.log" | tail -n 1 | cut -d: -f1)
head -n $((lines - 1)) "$T/lava-64k.log" >"$T/cut.log"
"$H" ingest --db "$T/cut.db" "$T/cut.log" 2>"$T/err"
check "a log cut before the stream's trailer is refused (exit 2)" [ $? -eq 2 ] && grep -q "without a trailer" "$T/err"
check "... nothing stored" [ ! -e "$T/cut.db" ]
first=$(grep -n '"msg": "{.*record' "$T/lava-64k.log" | head -n 1 | cut -d: -f1)
sed "${first}s/fault.minor/fault.minur/" "$T/lava-64k.log" >"$T/tampered.log"
"$H" ingest --db "$T/cut.db" "$T/tampered.log" 2>"$T/err"
check "a tampered log is refused (exit 2), the checksum named" [ $? -eq 2 ] && grep -q "checksum mismatch" "$T/err"
check "... nothing stored" [ ! -e "$T/cut.db" ]

# The same cells straight on the qemu target.
QDB=$T/qemu.db
t0=$(date +%s)
"$H" sweep "$SWEEP" --db "$QDB" -q >"$T/qemu.out" 2>"$T/qemu.err"
check "the direct qemu sweep of the same file exits 0" [ $? -eq 0 ] || tail -5 "$T/qemu.err"
echo "# direct qemu sweep: $(($(date +%s) - t0)) s"
LS=$(q "$LDB" "SELECT id FROM sweeps") QS=$(q "$QDB" "SELECT id FROM sweeps")
for pair in "4k gups region fault.minor" "64k gups region fault.minor" \
	"4k smallfiles workload pagecache_bytes_per_file" "64k smallfiles workload pagecache_bytes_per_file" \
	"4k smallfiles region pagecache.cached_bytes" "64k smallfiles region pagecache.cached_bytes" \
	"4k smallfiles region pagecache.files" "64k smallfiles region pagecache.files"; do
	set -- $pair
	a=$(metric "$LDB" "$1" "$2" "$3" "$4") b=$(metric "$QDB" "$1" "$2" "$3" "$4")
	echo "# $1 $2 $3 $4: LAVA $a, qemu $b"
	check "$1 $2 $4: LAVA's runs equal the qemu target's ($a)" [ -n "$a" ] && [ "$a" = "$b" ]
done
# The same kernel builds as the direct boots (release, build banner, page
# size). The ids differ since kernels carry their source (schema 7): the
# direct boot knows its build's source, a stream ingested from a LAVA log
# does not (kernels.source NULL), a gap docs/lava.md names.
kq="SELECT group_concat(k) FROM (SELECT DISTINCT k.release || ' ' || k.version || ' ' || k.page_size k
	FROM runs r JOIN kernels k ON k.id = r.kernel_id ORDER BY k)"
check "the same kernel builds as the direct boots" [ -n "$(q "$LDB" "$kq")" ] && [ "$(q "$LDB" "$kq")" = "$(q "$QDB" "$kq")" ]

# One database from three: a local sweep, the qemu one and LAVA's.
seed_db "$T/local.db"
"$H" merge "$T/local.db" "$QDB" "$LDB" -o "$T/all.db" >"$T/merge" 2>"$T/err"
check "merge of a local, a qemu and a LAVA database exits 0" [ $? -eq 0 ] || cat "$T/err"
sed 's/^/# /' "$T/merge"
check "integrity_check ok" [ "$(q "$T/all.db" "PRAGMA integrity_check")" = ok ]
check "every run of the three is there" [ "$(q "$T/all.db" "SELECT count(*) FROM runs")" = 17 ]
"$H" merge "$LDB" -o "$T/all.db" >/dev/null 2>&1
check "merging LAVA's again adds nothing" [ "$(q "$T/all.db" "SELECT count(*) FROM runs")" = 17 ]
"$H" report --db "$T/all.db" "$LS" "$QS" >"$T/report" 2>"$T/err"
check "harness report compares the LAVA and the qemu sweep in the merged database" [ $? -eq 0 ] || cat "$T/err"
check "... both sweeps' columns" grep -q "4k@${LS%%-*}" "$T/report" && grep -q "4k@${QS%%-*}" "$T/report"
sed -n '1,25p' "$T/report" | sed 's/^/# /'
check "no guest left running" no_guests
finish
