#!/bin/sh
# End-to-end checks of the gups and smallfiles binaries against
# docs/protocol.md: command line, parameter errors, a complete framed
# stream (seq, count, CRC-32), the ack handshake and failing verification.
# Standalone: HARNESS_BUILD names the build directory (default: build).
# The last line is "N passed, N failed"; the exit status is 1 on failure.

. "$(dirname "$0")/wl_lib.sh"
trap 'rm -rf "$TMP"' EXIT INT TERM

# bad_param NAME WORKLOAD ARG PATTERN: exit 2 and a one-line stderr with PATTERN.
bad_param() {
	name=$1 wl=$2 arg=$3 pat=$4
	"$WL/$wl" "$arg" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$pat" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
	   [ ! -s "$TMP/out" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc, stderr: $(cat "$TMP/err")"
	fi
}

# --check size=2k: one JSON object with every parameter, size in bytes.
check_params() {
	"$1" --list-params >"$TMP/list" && "$1" --check size=2k >"$TMP/check" &&
	python3 -c '
import json, sys
names = [p["name"] for p in json.load(open(sys.argv[1]))]
o = json.load(open(sys.argv[2]))
assert sorted(o) == sorted(names) and o["size"] == 2048, o' "$TMP/list" "$TMP/check"
}

for wl in gups smallfiles; do
	if [ ! -x "$WL/$wl" ]; then
		not_ok "$wl binary" "$WL/$wl not built"
		continue
	fi
	check "$wl --help" sh -c "'$WL/$wl' --help | grep -q 'size='"
	check "$wl --list-params is a JSON array" sh -c "'$WL/$wl' --list-params |
		python3 -c 'import json,sys; v=json.load(sys.stdin); assert isinstance(v, list) and v'"
	check "$wl --check prints every parameter" check_params "$WL/$wl"
	bad_param "$wl size=12x exits 2 naming it" "$wl" size=12x "parameter size: '12x' is not a size"
	bad_param "$wl size=-1k exits 2" "$wl" size=-1k "'-1k'"
	bad_param "$wl unknown parameter lists known ones" "$wl" nosuch=1 "unknown parameter 'nosuch' (known: "
	bad_param "$wl junk argument" "$wl" junk "'junk' is not key=value"
done
check "gups --list-params has the documented fields" sh -c "'$WL/gups' --list-params | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    assert {\"name\", \"type\", \"default\", \"unit\", \"help\"} <= set(p), p
    assert p[\"type\"] in (\"size\", \"int\", \"double\", \"string\", \"enum\", \"bool\"), p
    assert p[\"type\"] != \"enum\" or p[\"choices\"], p'"
"$WL/gups" size=1k size=2k >/dev/null 2>"$TMP/err"
if [ $? -eq 2 ] && grep -q "given twice" "$TMP/err"; then ok "gups duplicate parameter exits 2"
else not_ok "gups duplicate parameter exits 2" "$(cat "$TMP/err")"; fi
bad_param "gups threads=0 below range" gups threads=0 "parameter threads: '0' is below the minimum 1"
bad_param "gups bad enum" gups bind=socket "parameter bind: 'socket' is not one of none|core"
bad_param "smallfiles bad bool" smallfiles keep=maybe "parameter keep: 'maybe' is not a boolean"
bad_param "smallfiles files=0" smallfiles files=0 "parameter files"

# gups streams
run_stream "gups run: complete stream, verified" 0 \
	"verify=true gups time_s bytes_touched=8388608 table_bytes=8388608 updates=4194304" \
	"$WL/gups" size=8m
run_stream "gups interleaves 128 streams by default, prefetching 16 ahead" 0 \
	"verify=true streams=128 prefetch=16" "$WL/gups" size=1m
run_stream "gups prefetch=0: the hardware alone, verified" 0 "verify=true prefetch=0" \
	"$WL/gups" size=1m prefetch=0
run_stream "gups prefetch is at most streams - 1 (non-2^k table), verified" 0 \
	"verify=true streams=7 prefetch=6" "$WL/gups" size=8200 updates=3001 streams=7
run_stream "gups prefetch=1023 with 1024 streams, verified" 0 "verify=true prefetch=1023" \
	"$WL/gups" size=64k updates=5000 streams=1024 prefetch=1023
bad_param "gups prefetch=1024 above range" gups prefetch=1024 \
	"parameter prefetch: '1024' is above the maximum 1023"
run_stream "gups streams=1: one dependent stream, no prefetch, verified" 0 \
	"verify=true streams=1 prefetch=0" \
	"$WL/gups" size=1m streams=1
# Odd sizes: 1025 entries, 1001 updates over 7 streams (uneven segments).
run_stream "gups streams=7 with uneven table and updates, verified exactly" 0 \
	"verify=true streams=7 updates=1001 table_bytes=8200" \
	"$WL/gups" size=8200 updates=1001 streams=7
run_stream "gups more streams than updates, verified" 0 "verify=true updates=5" \
	"$WL/gups" size=4k updates=5 streams=1024
bad_param "gups streams=0 below range" gups streams=0 "parameter streams: '0' is below the minimum 1"
run_stream "gups threads=2 bind=core" 0 "verify=true gups" \
	"$WL/gups" size=8m threads=2 bind=core
if [ -r /sys/kernel/mm/transparent_hugepage/hpage_pmd_size ]; then
	run_stream "gups pages=thp" 0 "verify=true gups" "$WL/gups" size=8m pages=thp
	run_stream "gups pages=base" 0 "verify=true gups" "$WL/gups" size=8m pages=base
fi
run_stream "gups corrupt=1 fails verification" 1 "verify=false" \
	"$WL/gups" size=1m corrupt=1
if grep -q "gups: verification failed" "$TMP/stderr"; then ok "gups corrupt=1 says so on stderr"
else not_ok "gups corrupt=1 says so on stderr" "$(cat "$TMP/stderr")"; fi
run_stream "gups threads=2 corrupt=1 fails verification" 1 "verify=false" \
	"$WL/gups" size=1m threads=2 corrupt=1

# Stream on stdout when HARNESS_RESULT_FD is unset.
if "$WL/gups" size=64k >"$TMP/stdout.stream" 2>"$TMP/err" &&
   [ "$(stream "$TMP/stdout.stream" verify=true)" = ok ]; then
	ok "gups stream on stdout without HARNESS_RESULT_FD"
else not_ok "gups stream on stdout without HARNESS_RESULT_FD" "$(cat "$TMP/err")"; fi

# Ack handshake: two bytes release the two region edges; EOF means the
# controller died and the workload exits 3.
if printf 'xx' | HARNESS_ACK_FD=0 HARNESS_RESULT_FD=3 "$WL/gups" size=64k \
	3>"$TMP/ack.stream" 2>"$TMP/err" &&
   [ "$(stream "$TMP/ack.stream" verify=true)" = ok ]; then
	ok "gups ack handshake"
else not_ok "gups ack handshake" "$(cat "$TMP/err")"; fi
HARNESS_ACK_FD=0 HARNESS_RESULT_FD=3 "$WL/gups" size=64k </dev/null 3>"$TMP/ack.stream" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "HARNESS_ACK_FD" "$TMP/err"; then ok "gups exits 3 when the ack fd hits EOF"
else not_ok "gups exits 3 when the ack fd hits EOF" "exit $rc: $(cat "$TMP/err")"; fi
HARNESS_RESULT_FD=x "$WL/gups" size=64k >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "HARNESS_RESULT_FD" "$TMP/err"; then ok "bad HARNESS_RESULT_FD exits 2"
else not_ok "bad HARNESS_RESULT_FD exits 2" "exit $rc"; fi

# smallfiles streams. The page cache of a 1 KiB file is one base page.
run_stream "smallfiles run: complete stream, verified" 0 \
	"verify=true path pagecache_bytes_per_file=PAGE pagecache_bytes files_per_s" \
	"$WL/smallfiles" files=200 size=1k
dir=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "path": print(m["path"])' "$TMP/stream")
if [ -n "$dir" ] && [ ! -e "$dir" ]; then ok "smallfiles removes its directory"
else not_ok "smallfiles removes its directory" "'$dir' still there"; fi

run_stream "smallfiles keep=1" 0 "verify=true path" \
	"$WL/smallfiles" files=100 size=1k keep=1
dir=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "path": print(m["path"])' "$TMP/stream")
if [ -d "$dir" ] && [ "$(find "$dir" -type f | wc -l)" -eq 100 ] && grep -qF "$dir" "$TMP/stream"; then
	ok "smallfiles keep=1 keeps 100 files and names the directory"
else not_ok "smallfiles keep=1 keeps 100 files and names the directory" "'$dir'"; fi
# The workload's figure against fincore(1), when util-linux has it.
if command -v fincore >/dev/null && [ -d "$dir" ]; then
	res=$(fincore -b -n -o RES "$dir"/* | python3 -c '
import json, sys
fin = sum(int(l) for l in sys.stdin if l.strip())
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m.get("name") == "pagecache_bytes": wl = m["value"]
print("ok" if fin and abs(wl - fin) <= 0.05 * fin else "workload %d, fincore %d" % (wl, fin))' "$TMP/stream")
	if [ "$res" = ok ]; then ok "smallfiles pagecache_bytes matches fincore within 5%"
	else not_ok "smallfiles pagecache_bytes matches fincore within 5%" "$res"; fi
fi
case $dir in */harness-smallfiles-*) rm -rf "$dir" ;; esac

run_stream "smallfiles corrupt=1 fails verification" 1 "verify=false" \
	"$WL/smallfiles" files=20 corrupt=1
if grep -q "smallfiles: verification failed" "$TMP/stderr"; then
	ok "smallfiles corrupt=1 says so on stderr"
else not_ok "smallfiles corrupt=1 says so on stderr" "$(cat "$TMP/stderr")"; fi

if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	"$WL/smallfiles" dir=/dev/shm >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "parameter dir" "$TMP/err"; then ok "smallfiles rejects tmpfs"
	else not_ok "smallfiles rejects tmpfs" "exit $rc: $(cat "$TMP/err")"; fi
fi
"$WL/smallfiles" dir=/nonexistent/x >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "parameter dir" "$TMP/err"; then ok "smallfiles rejects a missing dir"
else not_ok "smallfiles rejects a missing dir" "exit $rc: $(cat "$TMP/err")"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
