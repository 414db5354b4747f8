#!/bin/sh
# Order across kernels: interleaved boots each variant once per repetition
# (one repetition of every cell, warm-ups in the first boot); grouped boots
# each variant once for all of them. A second run of the same file is shown,
# not rerun.
. "$(dirname "$0")/lib.sh"

mk() { # ORDER
	cat <<EOT
[sweep]
name = order-$1
target = qemu
repetitions = 2
warmup = 1
order = $1
[variant 4k]
[variant m]
kernel = mthp-64k
knob = /sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled=never
[workload gups]
size = 4m
updates = 10000
[workload smallfiles]
files = 50
dir = /mnt/scratch
EOT
}
for order in interleaved grouped; do
	DB="$T/$order.db"
	mk "$order" >"$T/$order.ini"
	"$H" sweep "$T/$order.ini" --db "$DB" >"$T/out" 2>"$T/err"
	rc=$?
	check "$order: exits 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 5 "$T/err" | sed 's/^/#   /'
	# Runs of a boot are timed from the boot's start, not from the clock's
	# zero (an ETA of hours for a sweep of a minute).
	check "$order: the progress times each run sensibly (no ETA of an hour)" \
		sh -c "! grep -Eq 'ETA [0-9]+:[0-9]{2}:[0-9]{2}' '$T/err'"
	check "$order: 12 runs (2 cells x (2 + 1 warm-up) x 2 variants)" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" = 12 ]
	per_boot=$(q "$DB" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM runs GROUP BY boot_id ORDER BY n)")
	if [ "$order" = interleaved ]; then
		check "interleaved: 4 boots of 4 and 2 runs (warm-ups in each variant's first)" [ "$per_boot" = "2 2 4 4" ]
		check "interleaved: a boot holds one repetition of each cell" [ "$(q "$DB" "SELECT count(*) FROM (SELECT boot_id
			FROM runs WHERE warmup = 0 GROUP BY boot_id HAVING count(*) = 2 AND count(DISTINCT rep) = 1)")" = 4 ]
	else
		check "grouped: 2 boots of 6 runs" [ "$per_boot" = "6 6" ]
	fi
	check "$order: the sweep's knob beats the kernel variant's" [ "$(q "$DB" "SELECT count(*) FROM knobs k
		JOIN runs r ON r.id = k.run_id WHERE r.variant = 'm' AND k.path LIKE '%64kB/enabled' AND k.value = 'never'")" = 6 ]
	check "$order: boots recorded per variant, with the sweep" [ "$(q "$DB" "SELECT count(DISTINCT variant)
		FROM boots WHERE sweep_id IS NOT NULL AND status = 'ok'")" = 2 ]
done
"$H" sweep "$T/grouped.ini" --db "$T/grouped.db" >"$T/out" 2>"$T/err"
check "a complete sweep is shown again, not rerun" [ "$(q "$T/grouped.db" "SELECT count(*) FROM boots")" = 2 ]
"$H" sweep "$T/grouped.ini" -n --db "$T/grouped.db" >"$T/out" 2>"$T/err"
checkhas "dry run names the kernels booted" "$(cat "$T/out")" "kernel 4k" "kernel mthp-64k"
finish
