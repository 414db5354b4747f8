#!/bin/sh
# harness check: the regression gate on a database of known values
# (gen_check_db.py): exit codes, text, JSON, JUnit read back by junitparser,
# and bad input (one line, exit 2, nothing written, database unchanged).
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
GEN="$(dirname "$0")/gen_check_db.py"

seed_db "$DB"
check "a real sweep makes the schema, machine and kernel rows" test $? = 0

# base/cand/same: two variants, two groups; cand has a 10% regression of
# sim.lat in variant b of group size=1, a 10% improvement of sim.tput, and
# an ungated metric (fault.major) worse by 50%; 'same' is base again.
python3 - "$T/spec.json" <<'PY'
import json, random, sys
rng = random.Random(7)
def vals(mu, n=10, cv=0.01):
    return [mu * rng.lognormvariate(0, cv) for _ in range(n)]
def sweep(name, tag=None, lat=1.0, tput=1.0, fm=1.0):
    cells = []
    for size in ("1", "2"):
        for v in ("a", "b"):
            reg = v == "b" and size == "1"
            cells.append({"variant": v, "workload": "sim", "params": {"size": size},
                "metrics": [
                 {"name": "sim.lat", "unit": "s", "kind": "gauge", "better": "lower",
                  "values": vals(lat if reg else 1.0)},
                 {"name": "sim.tput", "unit": "op/s", "kind": "rate", "better": "higher",
                  "values": vals(tput if reg else 1.0)},
                 {"name": "fault.major", "scope": "process", "unit": "count", "kind": "counter",
                  "better": "lower", "values": vals(100 * (fm if reg else 1.0))}]})
    return {"name": name, "tag": tag, "cells": cells}
json.dump([sweep("base", "baseline"), sweep("cand", None, 1.10, 1.10, 1.5), sweep("same", "same")],
          open(sys.argv[1], "w"))
PY
python3 "$GEN" "$DB" "$T/spec.json" >"$T/ids"
check "the generator adds three sweeps" test "$(wc -l <"$T/ids")" = 3
CAND=$(sed -n 2p "$T/ids")

"$H" check --baseline baseline --candidate "$CAND" --db "$DB" --junit "$T/j.xml" >"$T/fail.out" 2>"$T/fail.err"
check "a 10% regression exits 1" test $? = 1
cat "$T/fail.out"
check "... the failure names the cell and metric" grep -q "b/sim.lat \[s\]:" "$T/fail.out"
check "... under its group" grep -q "^  sim size=1" "$T/fail.out"
# (Lines are wrapped at 80 columns: joined and blanks squeezed first.)
check "... with the threshold and where it came from" sh -c "tr -s '\\n ' '  ' <'$T/fail.out' | grep -q 'threshold 3% (/[^ ]*/thresholds/default.ini:[0-9]*)'"
check "... failures come before improvements" sh -c "grep -n 'FAILED' '$T/fail.out' | cut -d: -f1 | { read a; b=\$(grep -n '^improved' '$T/fail.out' | cut -d: -f1); test \"\$a\" -lt \"\$b\"; }"
check "... the improvement is listed" grep -q "b/sim.tput \[op/s\]: baseline" "$T/fail.out"
check "... counts (fault.major is not gated by the shipped file)" grep -q "^12 compared: 1 failed, 1 improved, [0-9] passed, [0-9] inconclusive, 4 not gated" "$T/fail.out"
check "... at most 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/fail.out")" -le 80
check "... nothing on stderr" test ! -s "$T/fail.err"

check "the JUnit file is read by junitparser: 8 cases (the gated ones), 1 failure" /usr/bin/python3 - "$T/j.xml" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for s in xml for c in s]
fails = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
print("# junit: %d test cases, %d failures" % (len(cases), len(fails)))
f = fails[0]
ok = (len(cases) == 8 and len(fails) == 1 and f.classname == "sim size=1"
      and f.name == "b/sim.lat [s]" and "ratio 1.1" in f.result[0].message
      and "threshold 3%" in f.result[0].message)
sys.exit(0 if ok else 1)
PY

"$H" check --baseline baseline --candidate same --db "$DB" --format json >"$T/pass.json"
check "the same values again exit 0" test $? = 0
check "... JSON: result pass, 12 items, none failed" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d['result'] == 'pass' and d['exit'] == 0 and len(d['items']) == 12 and d['counts']['fail'] == 0))" "$T/pass.json"

"$H" check --baseline baseline --candidate "$CAND" --db "$DB" --metrics 'sim.tput' >"$T/imp.out"
check "an improvement alone exits 0" test $? = 0
check "... and is listed" grep -q "^improved (2)\|^improved (1)" "$T/imp.out"

cat >"$T/loose.ini" <<EOT
[metric sim.lat]
regression = 20%

[metric fault.major]
gate = no
EOT
"$H" check --baseline baseline --candidate "$CAND" --db "$DB" --thresholds "$T/loose.ini" >"$T/loose.out" 2>&1
check "a thresholds file allowing 20% passes the 10% regression" test $? = 0 || cat "$T/loose.out"

# Inconclusive: 2 runs a side.
python3 - "$T/few.json" <<'PY'
import json, sys
m = lambda v: [{"variant": "a", "workload": "few", "params": {"size": "1"},
                "metrics": [{"name": "sim.lat", "values": v}]}]
json.dump([{"name": "few1", "tag": "few1", "cells": m([1.0, 1.01])},
           {"name": "few2", "tag": "few2", "cells": m([1.2, 1.21])}], open(sys.argv[1], "w"))
PY
python3 "$GEN" "$DB" "$T/few.json" >/dev/null
"$H" check -b few1 -c few2 --db "$DB" --junit "$T/few.xml" >"$T/few.out"
check "inconclusive passes by default" test $? = 0
check "... and is reported as inconclusive" grep -q "^inconclusive (passing.*(1):" "$T/few.out"
check "... a <skipped> test case in JUnit" /usr/bin/python3 -c "
import sys
from junitparser import JUnitXml, Skipped
c = [c for s in JUnitXml.fromfile(sys.argv[1]) for c in s]
sys.exit(not (len(c) == 1 and isinstance(c[0].result[0], Skipped)))" "$T/few.xml"
"$H" check -b few1 -c few2 --db "$DB" --inconclusive fail >/dev/null
check "--inconclusive fail makes it exit 1" test $? = 1

# Bad input: one line naming it, exit 2, nothing written, database unchanged.
sum0=$(md5sum <"$DB")
bad() {
	d=$1; want=$2; shift 2
	"$H" check "$@" --db "$DB" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -q -- "$want" "$T/bad.err" &&
	   [ ! -s "$T/bad.out" ] && [ "$(md5sum <"$DB")" = "$sum0" ]; then ok "$d"; else
		not_ok "$d" "rc $rc: $(cat "$T/bad.err")"; fi
}
bad "an unknown tag" "nosuchtag" --baseline nosuchtag --candidate last
bad "an unknown candidate" "zzzz-nope" --baseline baseline --candidate zzzz-nope
bad "no cell in common" "no cell and metric in common" --baseline baseline --candidate few1
printf '[default]\nregression = 3\n' >"$T/bad.ini"
bad "a thresholds file with errors (file:line)" "bad.ini:2:" -b baseline -c same --thresholds "$T/bad.ini"
bad "a missing thresholds file" "missing.ini" -b baseline -c same --thresholds "$T/missing.ini"
bad "an unwritable --junit path" "--junit $T/no/dir/j.xml" -b baseline -c "$CAND" --junit "$T/no/dir/j.xml"
check "... nothing written there" test ! -e "$T/no/dir/j.xml"
bad "the same sweep twice" "same sweep" -b baseline -c baseline
bad "no --baseline" "--baseline" -c same
bad "a bad --format" "--format" -b baseline -c same --format xml
bad "a bad --inconclusive" "--inconclusive" -b baseline -c same --inconclusive maybe

finish
