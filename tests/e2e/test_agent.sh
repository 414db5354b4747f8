#!/bin/sh
# harness agent: the qemu guest's init, run here on a plan. Its stream is
# framed (seq, count, CRC-32), carries hello with this machine and kernel,
# one complete record per cell with the id the plan gave, and a knob
# outside the allow-list fails its run instead of being written.
. "$(dirname "$0")/lib.sh"

plan() { # [KNOB_PATH]
	knob=""
	[ $# -gt 0 ] && knob="{\"path\":\"$1\",\"value\":\"x\"}"
	cat <<EOT
{"protocol":1,"variant":"v","target":"qemu","sweep_id":"","hostname":"h",
 "knobs":[$knob],"launcher":[],"settings":{"emulated":true},
 "test":{"panic_at":-1,"cut_at":-1,"hang_at":-1,"hang_hello":false},
 "cells":[{"id":"11111111-2222-4333-8444-555555555555","workload":"gups","program":"$WL/gups",
  "params":["size=4m","updates=1000"],"params_json":{"size":4194304},"seed":1,"rep":0,"warmup":false,
  "sample_ms":100,"timeout_s":60,"events":[],"use_cgroup":false,"aslr_off":false,"drop_caches":false}]}
EOT
}
plan >"$T/plan.json"
"$H" agent --plan "$T/plan.json" -o "$T/out" 2>"$T/err"
check "agent exits 0" [ $? -eq 0 ]
check "hello, cell, run, end" [ "$(jq -r .type "$T/out" | tr '\n' ' ')" = "hello cell run end " ]
check "the stream's framing holds (seq, count, CRC-32)" python3 -c '
import json, sys, zlib
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
crc = 0
for i, l in enumerate(lines[:-1]):
    assert json.loads(l)["seq"] == i
    crc = zlib.crc32(l + b"\n", crc)
end = json.loads(lines[-1])
assert end["count"] == len(lines) - 1 and end["crc32"] == "%08x" % crc
' "$T/out"
check "hello describes this kernel" [ "$(jq -r 'select(.type=="hello") | .release' "$T/out")" = "$(uname -r)" ]
check "the run has the plan's id and is ok" [ "$(jq -r 'select(.type=="run") | .record.id + " " + .record.status' "$T/out")" = \
	"11111111-2222-4333-8444-555555555555 ok" ]
check "the run records the plan's settings" [ "$(jq -r 'select(.type=="run") | .record.settings.emulated' "$T/out")" = true ]
check "the run has its metrics" [ "$(jq 'select(.type=="run") | .record.metrics | length' "$T/out")" -gt 10 ]
plan /etc/hostname >"$T/bad.json"
"$H" agent --plan "$T/bad.json" -o "$T/out2" 2>"$T/err"
r=$(jq -r 'select(.type=="run") | .record.status + ": " + .record.reason' "$T/out2")
case "$r" in "failed: agent: knob /etc/hostname: not under"*) ok "a knob outside the allow-list fails the run" ;;
*) not_ok "a knob outside the allow-list fails the run" "$r" ;; esac
check "... and has no metrics" [ "$(jq 'select(.type=="run") | .record.metrics | length' "$T/out2")" = 0 ]
plan | sed 's/"protocol":1/"protocol":7/' >"$T/old.json"
"$H" agent --plan "$T/old.json" -o "$T/out3" 2>"$T/err"
check "a plan of another protocol is refused as bad input (exit 2)" [ $? -eq 2 ]
check "... saying which" grep -q "protocol 7, this agent speaks 1" "$T/err"
finish
