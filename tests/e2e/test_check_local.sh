#!/bin/sh
# harness check on the real machine: a local sweep of gups (TLB-bound) with
# PMD THP always as the baseline, the same sweep with THP never as the
# candidate (a planted regression: 16385 faults per 64 MiB instead of 33),
# and the baseline's sweep run again unchanged. The sweeps set their knob
# under the machine's knob lock. Needs root and THP in sysfs; skips
# otherwise.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
THP=/sys/kernel/mm/transparent_hugepage/enabled
if [ "$(id -u)" != 0 ] || [ ! -w "$THP" ]; then
	echo "# skipped: needs root and $THP"
	finish
	exit 0
fi
sweep_file() {	# NAME THP-SETTING
	thp_sweep_file "$1" "$2" 6
}
sweep_file gate-base always
sweep_file gate-again always
sweep_file gate-cand never
for s in gate-base gate-again gate-cand; do
	"$H" sweep "$T/$s.ini" --new -q --db "$DB" >"$T/$s.out" 2>"$T/$s.err"
	check "sweep $s completes" test $? = 0 || cat "$T/$s.err"
done
"$H" tag "$(q "$DB" "select id from sweeps where name = 'gate-base'")" baseline --db "$DB" >/dev/null
AGAIN=$(q "$DB" "select id from sweeps where name = 'gate-again'")
CAND=$(q "$DB" "select id from sweeps where name = 'gate-cand'")

"$H" check --baseline baseline --candidate "$CAND" --db "$DB" --junit "$T/j.xml" >"$T/cand.out" 2>&1
check "THP never against THP always: exit 1" test $? = 1
cat "$T/cand.out" | sed 's/^/# /'
check "... naming fault.minor of the cell" sh -c "sed -n '/^FAILED/,/^\$/p' '$T/cand.out' | grep -q 'thp/fault.minor (region)'"
check "... under gups size=64m" sh -c "sed -n '/^FAILED/,/^\$/p' '$T/cand.out' | grep -q '^  gups size=64m'"
check "... JUnit read back: fault.minor failed" /usr/bin/python3 -c "
import sys
from junitparser import JUnitXml, Failure
c = [c for s in JUnitXml.fromfile(sys.argv[1]) for c in s]
f = [x.name for x in c if any(isinstance(r, Failure) for r in x.result)]
print('# junit: %d cases, failed: %s' % (len(c), ', '.join(f)))
sys.exit(not any(n.startswith('thp/fault.minor') for n in f))" "$T/j.xml"

# The unchanged sweep is checked on what does not drift between two sweeps
# run one after the other on a shared machine: faults and memory. Its
# times drift by 2x under a competing load (docs/ci.md).
cat >"$T/footprint.ini" <<EOT
[default]
gate = no
[metric fault.minor]
gate = yes
[metric mem.*]
gate = yes
EOT
"$H" check --baseline baseline --candidate "$AGAIN" --thresholds "$T/footprint.ini" --db "$DB" >"$T/again.out" 2>&1
rc=$?
cat "$T/again.out" | sed 's/^/# /'
check "the same sweep run again: exit 0 on its footprint" test $rc = 0
check "... fault.minor and memory gated, passing" sh -c "grep -q ' compared: 0 failed, .* [1-9][0-9]* passed' '$T/again.out'"
finish
