# harness report --format html of a real sweep, opened in headless
# Chromium (Debian's chromium): a screenshot is saved (build/report-html.png),
# the page logs no console error, every chart is present and not empty,
# and nothing is fetched (no external src, href or script).
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
SHOT="$BUILD/report-html.png"
cat >"$T/html.ini" <<'INI'
[sweep]
name = html
repetitions = 3
warmup = 0
seed = 2
interval = 10
[variant a]
[variant b]
[workload gups]
size = 32m
updates = 100000
[workload ptrchase]
size = 1m, 4m, 16m
accesses = 100000
INI
"$H" sweep "$T/html.ini" -q --db "$DB" >/dev/null 2>"$T/sweep.err"
check "sweep exits 0" test $? = 0
"$H" report --db "$DB" --format html -o "$T/r.html" 2>"$T/html.err"
check "report --format html exits 0" test $? = 0
charts=$(grep -c '<figure class="chart">' "$T/r.html")
check "charts drawn ($charts)" test "$charts" -ge 10
check "a bar chart per metric with CI whiskers" grep -q 'figcaption>gups size=32m updates=100000: fault.minor (region)' "$T/r.html"
check "the ptrchase latency chart over working-set size" grep -q 'figcaption>ptrchase: latency per access over working-set size' "$T/r.html"
check "RSS over time" grep -q 'RSS over time (one run per variant)' "$T/r.html"
check "page-table bytes over time" grep -q 'page-table bytes over time' "$T/r.html"
check "machines, kernels, variants and noise settings" sh -c "grep -q '<caption>machines' '$T/r.html' && grep -q '<caption>kernels' '$T/r.html' && grep -q '<caption>variants' '$T/r.html' && grep -q '<caption>noises' '$T/r.html'"
check "self-contained: no script, no external src or href" sh -c "! grep -qiE '<script|<link|src=\"|href=\"(https?:|//)' '$T/r.html'"

if ! command -v chromium >/dev/null; then
	not_ok "chromium is installed (scripts/install-deps test)"
	finish
	exit
fi
rm -f "$SHOT"
chrome --window-size=1280,2400 --screenshot="$SHOT" "file://$T/r.html" >"$T/shot.out" 2>"$T/shot.err"
check "chromium saved a screenshot ($SHOT)" test -s "$SHOT"
chrome --dump-dom "file://$T/r.html" >"$T/dom.html" 2>"$T/dom.err"
check "chromium dumped the DOM" test -s "$T/dom.html"
check "the page logged no console error" sh -c "! grep -qE 'Uncaught|ERROR:CONSOLE|CONSOLE\\(' '$T/shot.err' '$T/dom.err'"
# Every chart in the rendered DOM: an <svg> with drawn paths and text.
check "every chart present in the DOM and not empty" python3 - "$T/dom.html" "$charts" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
figs = re.findall(r'<figure class="chart">(.*?)</figure>', dom, re.S)
ok = len(figs) == int(sys.argv[2]) and all(
    "<svg" in f and len(re.findall(r"<path", f)) >= 3 and "<text" in f for f in figs)
sys.exit(0 if ok else 1)
PY
finish
