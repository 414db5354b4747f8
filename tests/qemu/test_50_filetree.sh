#!/bin/sh
# filetree on the 4k, 16k and 64k kernels reading real trees shipped as
# read-only ext4 disks (issue 13): a fixture tree of files around each page
# size and the kernel source's mm/ ({kernel_source}). The page cache must
# equal the files' sizes rounded up to each kernel's page size (within 1%,
# computed here from lstat by tests/e2e/tree_sizes.py); the memory map
# (vmstat nr_memmap*) must be 1/4 of 4k's on 16k and 1/16 on 64k for the
# same guest memory, and MemTotal larger by about the difference. One boot
# per variant (order grouped, one repetition): under a minute when cached.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
SIZES="$REPO/tests/e2e/tree_sizes.py"

R="$T/tree"
mkdir -p "$R/a/b" "$R/conf"
i=0
for s in 0 1 1000 4095 4096 4097 16384 20000 65536 70000 300000; do
	head -c "$s" /dev/urandom >"$R/a/f$i"; i=$((i + 1))
done
for i in $(seq 1 200); do printf 'option%d = yes\n' "$i" >"$R/conf/c$i.conf"; done
ln -s .. "$R/a/b/loop"

cat >"$T/ft.ini" <<EOT
[sweep]
target = qemu
repetitions = 1
warmup = 0
order = grouped
[variant 4k]
[variant 16k]
[variant 64k]
[workload filetree]
tree = $R:{kernel_source}/mm
EOT
t0=$(date +%s)
"$H" sweep "$T/ft.ini" --db "$DB" >"$T/out" 2>"$T/err"
rc=$?
echo "# filetree sweep, 3 boots: $(($(date +%s) - t0)) s"
check "filetree sweep on 4k, 16k, 64k exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 20 "$T/err" | sed 's/^/#   /'
check "three runs, ok" [ "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" = 3 ]
tree=$(q "$DB" "SELECT json_extract(params_json, '$.tree') FROM runs WHERE variant = '4k'")
checkhas "{kernel_source} expanded to the source tree in the cache" "$tree" "$R:" "/linux/mm"
checkhas "the disks were made from the host's directories" "$(cat "$T/err")" "tree $R: built disk" "linux/mm: "

for v in 4k:4096 16k:16384 64k:65536; do
	name=${v%%:*} page=${v#*:}
	got=$(metric "$DB" "$name" filetree workload pagecache_bytes)
	set -- $(python3 "$SIZES" "$page" "$tree" | head -1)
	echo "# $name: page cache $got, files $(metric "$DB" "$name" filetree workload files) (lstat: $1), sizes rounded to $page: $3"
	check "$name: page cache = sizes rounded up to $page bytes (within 1%)" within "$got" "$3" 1
	check "$name: the same files as on the host" [ "$(metric "$DB" "$name" filetree workload files | cut -d. -f1)" = "$1" ]
done

b() { q "$DB" "SELECT $2 FROM boots WHERE variant = '$1' AND status = 'ok'"; }
mm4=$(b 4k memmap_bytes) mm16=$(b 16k memmap_bytes) mm64=$(b 64k memmap_bytes)
mt4=$(b 4k mem_total_bytes) mt16=$(b 16k mem_total_bytes) mt64=$(b 64k mem_total_bytes)
echo "# memmap: 4k $mm4, 16k $mm16, 64k $mm64; MemTotal: 4k $mt4, 16k $mt16, 64k $mt64; reserved: $(b 4k mem_reserved_bytes) $(b 16k mem_reserved_bytes) $(b 64k mem_reserved_bytes)"
check "every boot has its memory map from vmstat" [ "$(q "$DB" "SELECT count(*) FROM boots WHERE memmap_source = 'vmstat' AND memmap_bytes > 0")" = 3 ]
check "every boot has MemTotal and reserved" [ "$(q "$DB" "SELECT count(*) FROM boots WHERE mem_total_bytes > 0 AND mem_reserved_bytes > 0")" = 3 ]
check "memory map on 16k = 1/4 of 4k's (within 2%)" within "$mm16" "$(awk -v a="$mm4" 'BEGIN { print a / 4 }')" 2
check "memory map on 64k = 1/16 of 4k's (within 5%)" within "$mm64" "$(awk -v a="$mm4" 'BEGIN { print a / 16 }')" 5
check "MemTotal on 16k larger by about the memory map saved (within 10%)" within "$((mt16 - mt4))" "$((mm4 - mm16))" 10
check "MemTotal on 64k larger by about the memory map saved (within 10%)" within "$((mt64 - mt4))" "$((mm4 - mm64))" 10
"$H" report --db "$DB" >"$T/report" 2>&1
checkhas "the report shows the boot's memory per variant" "$(cat "$T/report")" "boot.memmap" "boot.mem_total" "boot.mem_reserved"

# Bad trees on this target: exit 2 before any boot, nothing stored.
runs=$(q "$DB" "SELECT count(*) FROM runs") boots=$(q "$DB" "SELECT count(*) FROM boots")
"$H" run filetree --target qemu --variant 4k -p tree="$R" --tree-disk-max 1M --db "$DB" >/dev/null 2>"$T/big.err"
rc=$?
check "a tree larger than the disk limit: exit 2, says so" sh -c "[ $rc -eq 2 ] && grep -q 'more than the limit' '$T/big.err'"
"$H" run filetree --target qemu --variant 4k -p tree=/sys/kernel/mm/transparent_hugepage --db "$DB" >/dev/null 2>"$T/sys.err"
rc=$?
check "a tree over the guest's own /sys: exit 2, says so" sh -c "[ $rc -eq 2 ] && grep -q 'the guest' '$T/sys.err'"
check "nothing stored by either" [ "$(q "$DB" "SELECT count(*) FROM runs"):$(q "$DB" "SELECT count(*) FROM boots")" = "$runs:$boots" ]
check "no guest left running" no_guests
finish
