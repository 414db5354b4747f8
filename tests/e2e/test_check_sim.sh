#!/bin/sh
# The simulation behind the gate's defaults, through the real `harness
# check` path: one database made for the test (gen_check_db.py) holds a
# pair of sweeps per simulated check, runs drawn from known lognormal
# distributions (seeded); each pair is one `harness check` process and its
# exit status is the counted decision.
#   A/A: 200 checks, each of 5 metrics (3 lower-better, 2 higher-better),
#        n = 10, CV 1%, 2% or 3%: exit 1 in at most 1% of checks.
#   5% regression at CV 1%, n = 10 (100 checks, half lower-better, half
#        higher-better): exit 1 in at least 95%.
#   2% shift at n = 20, CV 1%, a thresholds file that allows it (noise
#        floor 0.5%; 100 checks): with regression 1% exit 1 in at least 90%;
#        with regression 1.5% the shift is found (verdict worse) in at least
#        90% and exits 1 in at least 90% (92 of 100 at this seed: near the
#        edge, the median ratio at n = 20 and CV 1% has an sd of about 0.4%,
#        so a true 1.02 lands below 1.015 in about one check of ten). With a noise floor of 1% the checks exit
#        1 in about 70% (printed, not a limit): the ratio's 95% CI is about
#        +-0.8%, so its lower end clears 1.01 only part of the time.
#   5% or 10% improvement, CV 1-3%, n = 10 (100 checks): never exit 1.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"
GEN="$(dirname "$0")/gen_check_db.py"
N_AA=${CHECK_SIM_AA:-200}
N_EFF=${CHECK_SIM_EFFECT:-100}

seed_db "$DB"
check "a real sweep makes the schema, machine and kernel rows" test $? = 0

python3 - "$T/spec.json" "$N_AA" "$N_EFF" <<'PY'
import json, random, sys
rng = random.Random(20261201)
n_aa, n_eff = int(sys.argv[2]), int(sys.argv[3])
spec = []
def metrics(n, cv, shift, k=5):
    # shift: the factor by which the first metric gets worse (1: none; < 1 better)
    out = []
    for j in range(k):
        better = "lower" if j % 2 == 0 else "higher"
        f = shift if j == 0 else 1.0
        if better == "higher":
            f = 1.0 / f
        out.append({"name": "sim.m%d" % j, "unit": "s" if better == "lower" else "op/s",
                    "kind": "gauge" if better == "lower" else "rate", "better": better,
                    "values": [f * rng.lognormvariate(0, cv) for _ in range(n)]})
    return out
def pair(kind, i, n, cv, shift, k=5):
    for side, s in (("-base", 1.0), ("-cand", shift)):
        spec.append({"name": "%s%d%s" % (kind, i, side), "tag": "%s%d%s" % (kind, i, side),
                     "cells": [{"variant": "v", "workload": "sim", "params": {"size": "1"},
                                "metrics": metrics(n, cv, s, k)}]})
for i in range(n_aa):
    pair("aa", i, 10, (0.01, 0.02, 0.03)[i % 3], 1.0)
for i in range(n_eff):
    # half the regressions on a lower-better metric, half on a higher-better one
    pair("r5", i, 10, 0.01, 1.05, k=1 if i % 2 == 0 else 2)
for i in range(n_eff):
    pair("s2", i, 20, 0.01, 1.02, k=1)
for i in range(n_eff):
    pair("im", i, 10, (0.01, 0.02, 0.03)[i % 3], (0.95, 0.90)[i % 2])
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$GEN" "$DB" "$T/spec.json" >"$T/ids"
check "the generator adds the sweeps" test "$(wc -l <"$T/ids")" = $((2 * N_AA + 6 * N_EFF))

printf '[default]\nregression = 1%%\nnoise_floor = 0.5%%\n' >"$T/tight.ini"
printf "[default]\nregression = 1.5%%\nnoise_floor = 0.5%%\n" >"$T/tight15.ini"
printf '[default]\nregression = 1%%\nnoise_floor = 1%%\n' >"$T/tight1.ini"
sum0=$(md5sum <"$DB")
# run KIND COUNT [ARGS]: prints how many of the checks exited 0, 1, other,
# and in how many a metric's verdict was "worse" (found, whatever the
# threshold says)
run() {
	kind=$1; count=$2; shift 2
	e0=0; e1=0; other=0; worse=0; i=0
	while [ $i -lt "$count" ]; do
		"$H" check -b "${kind}${i}-base" -c "${kind}${i}-cand" --db "$DB" -f json "$@" >"$T/out.json" 2>"$T/err"
		case $? in 0) e0=$((e0 + 1)) ;; 1) e1=$((e1 + 1)) ;; *) other=$((other + 1)); cat "$T/err" >&2 ;; esac
		grep -q '"verdict": "worse"' "$T/out.json" && worse=$((worse + 1))
		i=$((i + 1))
	done
	echo "$e0 $e1 $other $worse"
}
rate() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.1f%%", 100 * a / n }'; }

set -- $(run aa "$N_AA")
echo "# A/A, 5 metrics a check, n = 10, CV 1-3%, default thresholds: exit 1 in $2 of $N_AA checks ($(rate "$2" "$N_AA"))"
check "A/A: exit 1 in at most 1% of checks" test $(( $2 * 100 )) -le "$N_AA"
check "... every check decided (exit 0 or 1)" test "$3" = 0
set -- $(run r5 "$N_EFF")
echo "# 5% regression, CV 1%, n = 10, default thresholds: exit 1 in $2 of $N_EFF ($(rate "$2" "$N_EFF"))"
check "5% regression at CV 1%, n = 10: exit 1 in at least 95%" test $(( $2 * 100 )) -ge $(( 95 * N_EFF ))
set -- $(run s2 "$N_EFF" --thresholds "$T/tight.ini")
echo "# 2% regression, CV 1%, n = 20, regression 1%, noise floor 0.5%: exit 1 in $2 of $N_EFF ($(rate "$2" "$N_EFF"))"
check "2% shift at n = 20 with a 1% threshold: exit 1 in at least 90%" test $(( $2 * 100 )) -ge $(( 90 * N_EFF ))
set -- $(run s2 "$N_EFF" --thresholds "$T/tight15.ini")
echo "# the same with regression 1.5%, noise floor 0.5%: found (verdict worse) in $4 of $N_EFF ($(rate "$4" "$N_EFF")), exit 1 in $2 ($(rate "$2" "$N_EFF"))"
check "2% shift at n = 20, noise floor 0.5%, regression 1.5%: found in at least 90%" test $(( $4 * 100 )) -ge $(( 90 * N_EFF ))
check "... and exit 1 in at least 90%" test $(( $2 * 100 )) -ge $(( 90 * N_EFF ))
set -- $(run s2 "$N_EFF" --thresholds "$T/tight1.ini")
echo "# the same with noise floor 1%: exit 1 in $2 of $N_EFF ($(rate "$2" "$N_EFF"))"
set -- $(run s2 "$N_EFF")
echo "# the same 2% shift at the default thresholds (3%): exit 1 in $2 of $N_EFF ($(rate "$2" "$N_EFF"))"
set -- $(run im "$N_EFF")
echo "# 5% or 10% improvement, CV 1-3%, n = 10: exit 1 in $2 of $N_EFF"
check "an improvement never exits 1" test "$2" = 0
check "... and every one was decided" test "$3" = 0
check "the checks left the database unchanged" test "$(md5sum <"$DB")" = "$sum0"
[ -n "${CHECK_SIM_KEEP:-}" ] && cp "$DB" "$CHECK_SIM_KEEP"
finish
