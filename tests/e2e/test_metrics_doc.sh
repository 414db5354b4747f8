# docs/metrics.md's metric table is what harness/measure/metric_table.c
# gives now, and the table agrees with what the workloads report.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOC="$ROOT/docs/metrics.md"

if "$ROOT/scripts/metrics-doc" "$H" "$DOC" >"$T/metrics.md" 2>"$T/err" &&
   diff -u "$DOC" "$T/metrics.md" >"$T/diff"; then
	ok "docs/metrics.md is up to date with the metric table"
else
	not_ok "docs/metrics.md is up to date with the metric table" \
		"docs/metrics.md is stale: run 'make metrics-doc' and commit docs/metrics.md; the difference:
$(cat "$T/err" "$T/diff" | head -n 20)"
fi
check "the table is between its markers once" \
	test "$(grep -c '^<!-- BEGIN metric table' "$DOC")$(grep -c '^<!-- END metric table' "$DOC")" = 11

# Every counter harness events knows has a row with its unit and direction.
"$H" help --metrics >"$T/table.md"
"$H" events --json >"$T/events.json" 2>/dev/null
if python3 - "$T/events.json" "$T/table.md" >"$T/ev.out" 2>&1 <<'PY'
import json, sys
rows = {l.split("|")[1].strip(" `"): [c.strip() for c in l.split("|")[2:5]]
        for l in open(sys.argv[2]) if l.startswith("| `")}
for e in json.load(open(sys.argv[1])):
    unit, kind, better = rows[e["metric"]]
    assert (unit, kind, better) == (e["unit"], "counter", e["better"]), e["metric"]
PY
then ok "harness events and the table agree on every counter"
else not_ok "harness events and the table agree on every counter" "$(cat "$T/ev.out")"
fi

# Each literal wl_metric("name", value, "unit", "kind", "better") in
# workloads/*.c matches the table's entry for that workload (the runtime
# check under HARNESS_METRICS_STRICT covers the names made at run time).
if python3 - "$ROOT" "$H" >"$T/wl.out" 2>&1 <<'PY'
import fnmatch, glob, os, re, subprocess, sys
root = sys.argv[1]
out = subprocess.run([sys.argv[2], "help", "--metrics"], capture_output=True, text=True).stdout
seen = 0
table, wl = {}, None
for l in out.splitlines():
    m = re.match(r"### Workload `([^`]+)`", l)
    if l.startswith("### "):
        wl = m.group(1) if m else None
    elif wl and l.startswith("| `"):
        c = [x.strip() for x in l.split("|")[1:6]]
        table.setdefault(wl, []).append((c[0].strip("`"), "" if c[1] == "-" else c[1], c[2], c[3]))
bad = []
for f in sorted(glob.glob(os.path.join(root, "workloads", "*.c"))):
    name = os.path.basename(f)[:-2]
    src = open(f).read()
    for m in re.finditer(r'wl_metric\("([^"]+)",[^;]*?,\s*"([^"]*)",\s*"(\w+)",\s*"(\w+)"\);', src):
        n, unit, kind, better = m.groups()
        seen += 1
        exact = [e for e in table.get(name, []) if e[0] == n]
        pat = [e for e in table.get(name, []) if "*" in e[0] and fnmatch.fnmatchcase(n, e[0])]
        e = (exact or pat or [None])[0]
        if e is None or e[1:] != (unit, kind, better):
            bad.append("%s: %s %s %s %s, table: %s" % (name, n, unit, kind, better, e))
if seen < 60:
    bad.append("only %d wl_metric calls found: the pattern no longer fits workloads/*.c" % seen)
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
then ok "every workload's fixed results are in the table as they report them"
else not_ok "every workload's fixed results are in the table as they report them" "$(cat "$T/wl.out")"
fi

# At run time: a documented workload's results pass the strict check.
check "harness run gups passes the strict metric check" \
	sh -c "'$H' run gups -q -p size=4m --db '$T/r.db' >/dev/null 2>'$T/run.err'"
finish
