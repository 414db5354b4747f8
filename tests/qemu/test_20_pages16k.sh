#!/bin/sh
# The 16k variant boots (its kernel is built on first use) and its runs
# record a 16 KiB page size: in the kernels row, in the workload's own hello
# and in the fault count for the bytes touched.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"

t0=$(date +%s)
"$H" run gups --target qemu --variant 16k -p size=16m -p updates=100000 -r 2 --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
echo "# 16k: $(($(date +%s) - t0)) s"
check "16k: harness run --target qemu exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 20 "$T/err" | sed 's/^/#   /'
check "16k: two runs stored, ok" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok' AND variant = '16k'")" = 2 ]
check "16k: the runs' kernel has 16384-byte pages" \
	[ "$(q "$DB" "SELECT DISTINCT k.page_size FROM runs r JOIN kernels k ON k.id = r.kernel_id")" = 16384 ]
check "16k: its PMD is 32 MiB" \
	[ "$(q "$DB" "SELECT DISTINCT k.pmd_size FROM runs r JOIN kernels k ON k.id = r.kernel_id")" = 33554432 ]
check "16k: the boot was checked and is ok" [ "$(q "$DB" "SELECT status FROM boots")" = ok ]
f=$(metric "$DB" 16k gups region fault.minor)
echo "# gups 16 MiB on 16k: $f region faults"
check "16k: 16 MiB touched in about 1024 faults" within "$f" 1025 2
checkhas "16k: the progress says the page size" "$(cat "$T/err")" "16384-byte pages"
finish
