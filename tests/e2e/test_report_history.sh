#!/bin/sh
# The history chart of harness report --format html: a generated database
# (gen_check_db.py) of 30 sweeps of one cell, variants a and b, 10 runs
# each at CV 1%; fault.minor steps +5% at sweep 18 in a only, sim.t -10% at
# sweep 10 in both. The report of the last sweep draws, per gated metric,
# its history with the change points of `harness history` marked (inline
# SVG); opened in headless Chromium: the DOM holds the charts with their
# lines, marks and labels, and the screenshot has the marks' red pixels,
# which the same report of a database with one sweep has none of.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
GEN="$(dirname "$0")/gen_check_db.py"
seed_db "$DB"
check "a real sweep makes the schema" test $? = 0
cp "$DB" "$T/one.db"
python3 - "$T/spec.json" <<'PY'
import json, random, sys
rng = random.Random(3)
spec = []
def metric(name, scope, unit, kind, mu):
    return {"name": name, "scope": scope, "unit": unit, "kind": kind, "better": "lower",
            "values": [mu * rng.lognormvariate(0, 0.01) for _ in range(10)]}
for k in range(30):
    cells = [{"variant": v, "workload": "sim", "params": {"size": "1"},
              "metrics": [metric("fault.minor", "region", "count", "counter",
                                 1000 * (1.05 if v == "a" and k >= 18 else 1.0)),
                          metric("sim.t", "workload", "s", "gauge", 0.9 if k >= 10 else 1.0)]}
             for v in ("a", "b")]
    spec.append({"name": "nightly%02d" % k, "created": "2026-01-%02dT00:00:00.000Z" % (k + 1),
                 "cells": cells})
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$GEN" "$DB" "$T/spec.json" >"$T/ids"
LAST=$(tail -n 1 "$T/ids")
sum0=$(md5sum <"$DB")
"$H" report "$LAST" --db "$DB" --format html -o "$T/r.html" 2>"$T/r.err"
check "report --format html of the last sweep exits 0" test $? = 0 || cat "$T/r.err"
check "a history chart per gated metric, the change points counted in its caption" sh -c "
	grep -q 'figcaption>sim size=1: fault.minor (region) history (30 sweeps, 1 change point marked)' '$T/r.html' &&
	grep -q 'figcaption>sim size=1: sim.t \[s\] history (30 sweeps, 2 change points marked)' '$T/r.html'"
"$H" history --metric fault.minor --workload sim --db "$DB" -f json >"$T/h.json"
check "... the same change points as harness history" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
s = {x['variant']: [c['index'] for c in x['change_points']] for x in d['series']}
sys.exit(s != {'a': [18], 'b': []})" "$T/h.json"
check "self-contained: no script, no external src or href" sh -c "! grep -qiE '<script|<link|src=\"|href=\"(https?:|//)' '$T/r.html'"
check "the report left the database unchanged" test "$(md5sum <"$DB")" = "$sum0"
"$H" report --db "$T/one.db" --format html -o "$T/one.html" 2>"$T/one.err"
check "a database with one sweep: no history chart" sh -c "! grep -q ' history (' '$T/one.html'"

if ! command -v chromium >/dev/null; then
	not_ok "chromium is installed (scripts/install-deps test)"
	finish
	exit
fi
chrome --dump-dom "file://$T/r.html" >"$T/dom.html" 2>"$T/dom.err"
check "chromium dumped the DOM" test -s "$T/dom.html"
check "the page logged no console error" sh -c "! grep -qE 'Uncaught|ERROR:CONSOLE|CONSOLE\\(' '$T/dom.err'"
check "rendered: each history chart an SVG with its two lines, the marks in red and the steps labelled" python3 - "$T/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
figs = {re.search(r"<figcaption>(.*?)</figcaption>", f, re.S).group(1): f
        for f in re.findall(r'<figure class="chart">(.*?)</figure>', dom, re.S)}
want = {"sim size=1: fault.minor (region) history": ["+4.", "+5."],
        "sim size=1: sim.t [s] history": ["-10.", "-9."]}
ok = True
for head, steps in want.items():
    f = next((v for k, v in figs.items() if k.startswith(head)), "")
    texts = re.findall(r"<text[^>]*>([^<]*)<", f)
    red = len(re.findall(r"rgb\(192,\s*0,\s*0\)", f))
    good = ("<svg" in f and len(re.findall(r"<path", f)) >= 4 and "change point" in texts
            and {"a", "b"} <= set(texts) and red >= 2
            and any(any(s in t for s in steps) for t in texts))
    print("# %s: %d paths, %d red elements, labels %s" % (head, len(re.findall(r"<path", f)), red,
          [t for t in texts if "%" in t]))
    ok &= good
sys.exit(not ok)
PY
chrome --window-size=1280,2400 --screenshot="$T/h.png" "file://$T/r.html" >/dev/null 2>&1
chrome --window-size=1280,2400 --screenshot="$T/one.png" "file://$T/one.html" >/dev/null 2>&1
check "chromium saved both screenshots" test -s "$T/h.png" -a -s "$T/one.png"
red=$(/usr/bin/python3 "$(dirname "$0")/png_pixels.py" "$T/h.png" 24 192,0,0)
none=$(/usr/bin/python3 "$(dirname "$0")/png_pixels.py" "$T/one.png" 24 192,0,0)
echo "# red (change point) pixels: $red with history, $none without"
check "the screenshot shows the change point marks (red pixels), the one-sweep report none" \
	test "${red:-0}" -ge 100 -a "${none:-1}" = 0
finish
