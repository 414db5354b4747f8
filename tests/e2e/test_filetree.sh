# filetree on the local target against independent figures: the page cache
# of a tree's files equals the sum of their sizes rounded up to the page
# (tree_sizes.py, from lstat alone) and what fincore(1) reports; the size
# histogram; caps; symlinks never followed; bad trees refused with exit 2;
# the running kernel's boot memory stored with a boots row.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
PAGE=$(getconf PAGESIZE)
SIZES="$(dirname "$0")/tree_sizes.py"
FT="$WL/filetree"

# A tree with every kind of entry: sizes around each page size, a symlink
# loop, a dangling symlink, a FIFO (opening it would block), a hard link.
R="$T/tree"
mkdir -p "$R/a/b" "$R/c" "$R/unreadable_dir"
i=0
for s in 0 1 1000 4095 4096 4097 16384 20000 65536 70000 300000 2000000; do
	head -c "$s" /dev/urandom >"$R/a/f$i"; i=$((i + 1))
done
for i in $(seq 1 40); do printf 'key%d = value\n' "$i" >"$R/c/conf$i"; done
ln -s .. "$R/a/b/loop"
ln -s /nonexistent "$R/a/dangling"
mkfifo "$R/c/fifo"
ln "$R/a/f7" "$R/c/hardlink"
echo secret >"$R/unreadable_dir/x"
echo secret >"$R/c/unreadable"

# The harness run: everything is readable for root; the page cache and the
# histogram against tree_sizes.py and fincore.
"$H" run filetree -q -p tree="$R" --db "$DB" >/dev/null 2>"$T/err"
check "filetree run stored ok" test "$(q "$DB" "select status from runs where workload='filetree'")" = ok
m() { q "$DB" "select case when value = cast(value as integer) then cast(value as integer) else value end from metrics where name='$1' and scope='workload' and run_id=(select id from runs where workload='filetree' order by rowid desc limit 1)"; }
python3 "$SIZES" "$PAGE" "$R" >"$T/want"
read -r wfiles wbytes wrounded <"$T/want"
fin=$(find "$R" -type f ! -path "$R/c/hardlink" -print0 | xargs -0 fincore --bytes --noheadings --output RES | awk '{ s += $1 } END { print s }')
echo "# tree: $(m files) files, $(m file_bytes) bytes, page cache $(m pagecache_bytes); independent: $wfiles files, $wbytes bytes, rounded $wrounded; fincore $fin"
check "files: as counted from lstat" test "$(m files)" = "$wfiles"
check "file bytes: as counted from lstat" test "$(m file_bytes)" = "$wbytes"
check "page cache = sizes rounded up to the page (within 1%)" within "$(m pagecache_bytes)" "$wrounded" 1
check "page cache agrees with fincore (within 1%)" within "$(m pagecache_bytes)" "$fin" 1
check "overhead = page cache / file bytes" awk -v o="$(m overhead)" -v p="$(m pagecache_bytes)" -v b="$wbytes" 'BEGIN { exit !(o > 0 && (o - p / b) ^ 2 < 1e-12) }'
hist_ok=1
while read -r cls n; do
	[ "$(m "files_by_size.$cls")" = "$n" ] || { hist_ok=0; echo "# class $cls: $(m "files_by_size.$cls"), want $n"; }
done <<EOT
$(tail -n +2 "$T/want")
EOT
check "size histogram as counted from lstat" test $hist_ok = 1
check "2 symlinks counted, not followed" test "$(m skipped_symlinks)" = 2
check "the FIFO counted as special, never opened" test "$(m skipped_special)" = 1
check "the hard link counted once" test "$(m skipped_hardlinks)" = 1

# mmap mode: the same page cache.
"$H" run filetree -q -p tree="$R" -p mode=mmap --db "$DB" >/dev/null 2>"$T/err"
check "mode=mmap: the same page cache" within "$(m pagecache_bytes)" "$wrounded" 1

# Caps: path order, so the same files on any file system.
"$H" run filetree -q -p tree="$R" -p max_files=5 --db "$DB" >/dev/null 2>"$T/err"
check "max_files=5 reads 5 files" test "$(m files)" = 5
check "max_files=5 counts the rest as capped" test "$(m skipped_capped)" = $((wfiles - 5))
"$H" run filetree -q -p tree="$R" -p max_bytes=1000 --db "$DB" >/dev/null 2>"$T/err"
check "max_bytes=1000: only files within 1000 bytes in all" awk -v b="$(m file_bytes)" 'BEGIN { exit !(b <= 1000) }'

# Unreadable entries are counted skips, not errors (as an unprivileged user).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod -R o+rX "$T" && chmod o+x "$(dirname "$T")"
	chmod 0 "$R/c/unreadable" "$R/unreadable_dir"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FT" tree="$R" >"$T/nobody.out" 2>"$T/nobody.err"
	rc=$?
	sk=$(jq -r 'select(.name=="skipped_unreadable") | .value | floor' "$T/nobody.out")
	skd=$(jq -r 'select(.name=="skipped_unreadable_dirs") | .value | floor' "$T/nobody.out")
	check "unreadable file and directory: exit 0, counted ($sk, $skd)" test "$rc:$sk:$skd" = "0:1:1"
	chmod 755 "$R/unreadable_dir"; chmod 644 "$R/c/unreadable"
else
	echo "# not root: the unreadable-entry check needs setpriv to drop privileges"
fi

# Bad trees: exit 2 naming the parameter and the path, nothing stored.
bad() {
	desc=$1 want=$2; shift 2
	before=$(q "$DB" "select count(*) from runs")
	"$@" >/dev/null 2>"$T/bad.err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$want" "$T/bad.err" && [ "$(q "$DB" "select count(*) from runs")" = "$before" ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc: $(head -c 300 "$T/bad.err")"
	fi
}
mkdir -p "$T/empty" "$T/loops/x"
ln -s ../x "$T/loops/x/up"
ln -s . "$T/loops/self"
bad "a tree that does not exist" "parameter tree: '$T/none'" "$H" run filetree -p tree="$T/none" --db "$DB"
bad "a file, not a tree" "is not a directory" "$H" run filetree -p tree="$R/a/f1" --db "$DB"
bad "an empty tree" "has no regular file" "$H" run filetree -p tree="$T/empty" --db "$DB"
bad "a tree of symlink loops only: refused, not walked forever" "no regular file" timeout 20 "$H" run filetree -p tree="$T/loops" --db "$DB"
bad "overlapping trees" "overlap" "$H" run filetree -p tree="$R:$R/a" --db "$DB"
bad "{kernel_source} on the local target" "kernel_source" "$H" run filetree -p tree="{kernel_source}/mm" --db "$DB"
printf '[sweep]\nrepetitions = 1\nwarmup = 0\n\n[workload filetree]\ntree = %s\n' "$T/none" >"$T/bad.ini"
bad "a sweep naming a missing tree: refused before it runs, with the line" "bad.ini:6" "$H" sweep "$T/bad.ini" --db "$DB"

"$FT" tree="$R" corrupt=1 >/dev/null 2>"$T/corrupt.err"
rc=$?
check "corrupt=1 fails verification (exit 1, said on stderr)" sh -c "[ $rc -eq 1 ] && grep -q 'verification failed' '$T/corrupt.err'"

# The running kernel's boot: one boots row, the runs point at it, its
# figures are /proc's.
boot=$(cat /proc/sys/kernel/random/boot_id)
check "one boots row for the running kernel, keyed by its boot_id" test "$(q "$DB" "select count(*) from boots where id='$boot' and target='local'")" = 1
check "every local run points at it" test "$(q "$DB" "select count(*) from runs where boot_id is not '$boot'")" = 0
mt=$(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo)
check "boot MemTotal is /proc/meminfo's (within 1%)" within "$(q "$DB" "select mem_total_bytes from boots where id='$boot'")" "$mt" 1
mm=$(awk -v p="$PAGE" '/^nr_memmap(_boot)?_pages / { s += $2 } END { print s * p }' /proc/vmstat)
if [ -n "$mm" ] && [ "$mm" != 0 ]; then
	check "boot memmap is /proc/vmstat's nr_memmap pages x page size" test "$(q "$DB" "select memmap_bytes from boots where id='$boot'")" = "$mm"
fi
res=$(q "$DB" "select coalesce(mem_reserved_bytes, 'null') || '|' || coalesce(memory_reason, '') from boots where id='$boot'")
log=$(dmesg 2>/dev/null | sed -n 's/.*Memory: .*, \([0-9]*\)K reserved.*/\1/p' | head -1)
if [ -n "$log" ]; then
	check "boot reserved is the kernel log's (${log}K)" test "${res%%|*}" = $((log * 1024))
else
	check "boot reserved not in the log: NULL with a reason" sh -c "case '$res' in 'null|'?*) true ;; *) false ;; esac"
fi
finish
