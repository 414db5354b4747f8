#!/bin/sh
# harness history: a generated database (gen_check_db.py) of 30 sweeps of
# one cell, 10 runs each at CV 1%, with a planted 5% step of fault.minor
# at sweep 18 in variant a and none in variant b; text and JSON.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
GEN="$(dirname "$0")/gen_check_db.py"
seed_db "$DB"
check "a real sweep makes the schema" test $? = 0
python3 - "$T/spec.json" <<'PY'
import json, random, sys
rng = random.Random(3)
spec = []
for k in range(30):
    cells = []
    for v in ("a", "b"):
        mu = 1000 * (1.05 if v == "a" and k >= 18 else 1.0)
        cells.append({"variant": v, "workload": "sim", "params": {"size": "1"},
                      "metrics": [{"name": "fault.minor", "scope": "region", "unit": "count",
                                   "kind": "counter", "better": "lower",
                                   "values": [mu * rng.lognormvariate(0, 0.01) for _ in range(10)]}]})
    spec.append({"name": "nightly%02d" % k, "created": "2026-01-%02dT00:00:00.000Z" % (k + 1),
                 "tag": "rc-%d" % k if k == 18 else None, "cells": cells})
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$GEN" "$DB" "$T/spec.json" >"$T/ids"
STEP=$(sed -n 19p "$T/ids")
sum0=$(md5sum <"$DB")

"$H" history --metric fault.minor --workload sim --variant a --db "$DB" >"$T/a.out"
check "history exits 0" test $? = 0
sed 's/^/# /' "$T/a.out" | tail -4
check "... 30 sweeps in order" sh -c "grep -c 'nightly' '$T/a.out' | grep -qx 31 && grep -n nightly00 '$T/a.out' | grep -q '^2:'"
check "... the change names the first sweep after it, with its tag" grep -q "^  change at $(echo "$STEP" | cut -c1-8) nightly18 \[rc-18\]: .* (+5\.[0-9]%)" "$T/a.out"
"$H" history --metric fault.minor --variant b --db "$DB" >"$T/b.out"
check "no step planted: no change point" grep -q "no change point" "$T/b.out"
"$H" history --metric fault.minor --db "$DB" --format json >"$T/all.json"
check "JSON: two series, one change point at index 18 in a, step 4-6%" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
s = {x['variant']: x for x in d['series'] if x['workload'] == 'sim'}
cp = s['a']['change_points']
sys.exit(not (len(s['a']['points']) == 30 and len(cp) == 1 and cp[0]['index'] == 18
              and cp[0]['sweep'] == sys.argv[2] and 0.04 < cp[0]['step'] < 0.06
              and cp[0]['tags'] == 'rc-18' and s['b']['change_points'] == []))" "$T/all.json" "$STEP"
"$H" history --metric no.such --db "$DB" >"$T/none.out" 2>"$T/none.err"
check "an unknown metric: exit 2" test $? = 2
check "... one line naming it" sh -c "test \"\$(wc -l <'$T/none.err')\" = 1 && grep -q 'no stored value of no.such' '$T/none.err'"
"$H" history --db "$DB" >/dev/null 2>&1
check "no --metric: exit 2" test $? = 2
check "the database unchanged" test "$(md5sum <"$DB")" = "$sum0"
finish
