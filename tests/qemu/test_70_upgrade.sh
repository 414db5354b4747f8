#!/bin/sh
# The kernel-upgrade comparison, sweeps/upgrade.ini: the same 4k variant
# built from linux-source-6.12 and from linux-source-7.2, booted in one
# sweep; each variant's runs are stored with their own kernel row, release
# and source, and the report's columns are the two kernels.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"

"$H" sweep sweeps/upgrade.ini --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
check "upgrade sweep exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 10 "$T/err" | sed 's/^/#   /'
for v in 4k-6.12:6.12 4k-7.2:7.2; do
	row=$(q "$DB" "SELECT DISTINCT k.release || ' | ' || k.source FROM runs r JOIN kernels k ON k.id = r.kernel_id
		WHERE r.variant = '${v%%:*}' AND r.status = 'ok'")
	echo "# ${v%%:*}: $row"
	check "${v%%:*}: one kernel, release ${v#*:}, source linux-source-${v#*:}" \
		sh -c "[ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -Eq '^${v#*:}\.[0-9]+ \| linux-source-${v#*:} ${v#*:}\.'" - "$row"
	n=$(q "$DB" "SELECT count(*) FROM runs WHERE variant = '${v%%:*}' AND status = 'ok'")
	check "${v%%:*}: 10 runs ok" [ "$n" = 10 ]
done
check "two kernels rows" [ "$(q "$DB" "SELECT count(DISTINCT kernel_id) FROM runs")" = 2 ]
f6=$(metric "$DB" 4k-6.12 gups region fault.minor)
f7=$(metric "$DB" 4k-7.2 gups region fault.minor)
echo "# gups 16 MiB region faults: 6.12 $f6, 7.2 $f7"
check "gups: the same faults on both (4 KiB pages, 16 MiB: about 4096)" \
	awk -v a="$f6" -v b="$f7" 'BEGIN { exit !(a > 4000 && b > 4000 && a / b > 0.95 && a / b < 1.05) }'
checkhas "the report names both variants" "$(cat "$T/out")" "4k-6.12" "4k-7.2"
no_guests && ok "no guest left running" || not_ok "no guest left running"
finish
