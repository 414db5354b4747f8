#!/bin/sh
# The change-point simulation through the real `harness history` path: one
# SQLite database made for the test (gen_check_db.py) holds 60 nightly
# sweeps; each simulated series is one cell (workload sim, its own
# parameter set) present in the first 20-60 of them, each sweep's runs
# (10, as a sweep's repetitions) drawn lognormal at the series' CV (1-3%)
# around its level (seeded). One `harness history --format json` reads
# every series back and places its change points; each is scored against
# what was planted:
#   200 series with one or two steps of 2-10% (up or down, at least 8
#       sweeps apart and from the ends): the change points found are the
#       planted ones at exactly their sweep in at least 95%;
#   100 series without a step: at most 5% show one.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
GEN="$(dirname "$0")/gen_check_db.py"
N_STEP=${HISTORY_SIM_STEP:-200}
N_NULL=${HISTORY_SIM_NULL:-100}
RUNS=${HISTORY_SIM_RUNS:-10}

seed_db "$DB"
check "a real sweep makes the schema, machine and kernel rows" test $? = 0
python3 - "$T/spec.json" "$T/truth.json" "$N_STEP" "$N_NULL" "$RUNS" <<'PY'
import json, math, random, sys
rng = random.Random(20261201)
n_step, n_null, runs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
MIN_SEG, MAXN = 8, 60
truth, series = [], []
for i in range(n_step + n_null):
    nstep = 0 if i >= n_step else 1 + i % 2
    n = rng.randint(max(20, (nstep + 1) * MIN_SEG), MAXN)
    cv = rng.uniform(0.01, 0.03)
    room = n - (nstep + 1) * MIN_SEG
    a, b = sorted(rng.randint(0, room) for _ in range(2))
    steps = [MIN_SEG + a] if nstep == 1 else [MIN_SEG + a, 2 * MIN_SEG + b] if nstep else []
    sizes = [rng.uniform(0.02, 0.10) * rng.choice((1, -1)) for _ in steps]
    sigma = math.sqrt(math.log1p(cv * cv))
    level, k, vals = 1000.0, 0, []
    for j in range(n):
        if k < len(steps) and j == steps[k]:
            level *= 1 + sizes[k]
            k += 1
        vals.append([level * math.exp(sigma * rng.gauss(0, 1)) for _ in range(runs)])
    truth.append({"series": str(i), "steps": steps, "sizes": sizes, "cv": cv, "n": n})
    series.append(vals)
spec = []
for k in range(MAXN):
    cells = [{"variant": "v", "workload": "sim", "params": {"series": str(i)},
              "metrics": [{"name": "sim.t", "unit": "s", "kind": "gauge", "better": "lower",
                           "values": s[k]}]} for i, s in enumerate(series) if k < len(s)]
    spec.append({"name": "nightly%02d" % k, "created": "2026-01-01T%02d:%02d:00.000Z" % (k // 60, k % 60),
                 "cells": cells})
json.dump(spec, open(sys.argv[1], "w"))
json.dump(truth, open(sys.argv[2], "w"))
PY
python3 "$GEN" "$DB" "$T/spec.json" >"$T/ids"
check "the generator adds 60 sweeps" test "$(wc -l <"$T/ids")" = 60
sum0=$(md5sum <"$DB")

"$H" history --metric sim.t --workload sim --db "$DB" --format json >"$T/h.json" 2>"$T/h.err"
check "harness history reads every series: exit 0" test $? = 0 || cat "$T/h.err"
/usr/bin/python3 - "$T/h.json" "$T/truth.json" "$T/ids" >"$T/score" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
truth = {t["series"]: t for t in json.load(open(sys.argv[2]))}
ids = [l.strip() for l in open(sys.argv[3])]
got = {}
for s in d["series"]:
    key = json.loads(s["params"])["series"] if isinstance(s["params"], str) else s["params"]["series"]
    got[key] = s
exact = missed = extra = misplaced = null_any = nstep = nnull = bad_sweep = 0
for key, t in truth.items():
    s = got[key]
    cps = s["change_points"]
    found = [c["index"] for c in cps]
    bad_sweep += any(c["sweep"] != ids[c["index"]] for c in cps)
    if t["steps"]:
        nstep += 1
        if found == t["steps"]:
            exact += 1
        elif len(found) < len(t["steps"]):
            missed += 1
            print("# missed: planted %s (%s, CV %.1f%%) found %s" % (t["steps"], ", ".join("%+.1f%%" % (100 * x) for x in t["sizes"]), 100 * t["cv"], found))
        elif len(found) > len(t["steps"]):
            extra += 1
        else:
            misplaced += 1
            print("# misplaced: planted %s (%s, CV %.1f%%) found %s" % (t["steps"], ", ".join("%+.1f%%" % (100 * x) for x in t["sizes"]), 100 * t["cv"], found))
    else:
        nnull += 1
        null_any += bool(found)
print("SCORE %d %d %d %d %d %d %d %d" % (nstep, exact, missed, extra, misplaced, nnull, null_any, bad_sweep))
PY
grep '^#' "$T/score"
set -- $(sed -n 's/^SCORE //p' "$T/score")
pct() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.1f%%", 100 * a / n }'; }
echo "# $1 series with 1 or 2 steps of 2-10%, CV 1-3%, $RUNS runs a sweep: $2 placed exactly ($(pct "$2" "$1")), $3 with a step missed, $4 with an extra one, $5 misplaced"
echo "# $6 series without a step: $7 show one ($(pct "$7" "$6"))"
check "every series scored" test "$1" = "$N_STEP" -a "$6" = "$N_NULL"
check "each change point names the sweep at its index" test "$8" = 0
check "planted steps placed at the exact sweep in at least 95%" test $(( $2 * 100 )) -ge $(( 95 * $1 ))
check "no step: at most 5% show one" test $(( $7 * 100 )) -le $(( 5 * $6 ))
check "history left the database unchanged" test "$(md5sum <"$DB")" = "$sum0"
finish
