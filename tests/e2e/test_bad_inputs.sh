# A catalogue of bad inputs (issue 16), driven through the real binary: every
# command and every file it reads (sweep, variant, fragment, database, boot
# plan). Each case asserts the exit code, one line on stderr naming the
# file, line and value where there are any, and that the results database is
# byte-identical afterwards (cmp), with nothing in a -wal beside it.
# The result stream is read only by the qemu controller: it is covered by
# tests/unit/test_record_json.c and the fuzz_stream target.
. "$(dirname "$0")/lib.sh"
export HARNESS_STATE="$T/state"
DB="$T/results.db"
S="$T/s"
mkdir -p "$S"
"$H" run gups -p size=1m -p updates=1000 -q --db "$DB" >/dev/null 2>&1 || echo "# setup run failed"

# bad DESCRIPTION CODE DBFILE PATTERN... -- COMMAND...
# DBFILE is the database that must keep its bytes ('-' for none).
bad() {
	desc=$1 code=$2 file=$3
	shift 3
	: >"$T/pats"
	while [ "$1" != "--" ]; do printf '%s\n' "$1" >>"$T/pats"; shift; done
	shift
	[ "$file" != - ] && [ -e "$file" ] && cp "$file" "$T/before.bin"
	timeout 30 "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	why=""
	[ "$rc" = "$code" ] || why="exit $rc, want $code"
	[ "$(wc -l <"$T/err")" = 1 ] || why="$why; $(wc -l <"$T/err") lines on stderr"
	while IFS= read -r p; do
		grep -qF -- "$p" "$T/err" || why="$why; message lacks '$p'"
	done <"$T/pats"
	if [ "$file" != - ]; then
		if [ -e "$T/before.bin" ]; then
			cmp -s "$file" "$T/before.bin" || why="$why; $file changed"
		else
			[ -e "$file" ] && why="$why; $file was created"
		fi
		# A reader leaves SQLite's empty -wal/-shm behind; frames would be writes.
		[ -s "$file-wal" ] && why="$why; $file-wal holds frames"
	fi
	rm -f "$T/before.bin"
	if [ -z "$why" ]; then ok "$desc"; else not_ok "$desc" "${why#; }: $(head -c 300 "$T/err")"; fi
}
# sw NAME LINES...: a sweep file $S/NAME.ini, one argument a line.
sw() { n=$1; shift; printf '%s\n' "$@" >"$S/$n.ini"; }
G='[workload gups]'
U='updates = 1000'

# ---- sweep files: exit 2, file:line and the value, database untouched ----
sw section '[sweep]' '[sweeep]'
bad "sweep: unknown section" 2 "$DB" "$S/section.ini:2" "sweeep" -- "$H" sweep "$S/section.ini" --db "$DB"
sw dupkey '[sweep]' 'seed = 1' 'seed = 2' "$G"
bad "sweep: duplicate key" 2 "$DB" "$S/dupkey.ini:3" "seed" -- "$H" sweep "$S/dupkey.ini" --db "$DB"
sw reps0 '[sweep]' 'repetitions = 0' "$G"
bad "sweep: repetitions = 0" 2 "$DB" "$S/reps0.ini:2" "'0'" -- "$H" sweep "$S/reps0.ini" --db "$DB"
sw repsx '[sweep]' 'repetitions = banana' "$G"
bad "sweep: repetitions = banana" 2 "$DB" "$S/repsx.ini:2" "banana" -- "$H" sweep "$S/repsx.ini" --db "$DB"
sw order '[sweep]' 'order = sideways' "$G"
bad "sweep: unknown order" 2 "$DB" "$S/order.ini:2" "sideways" -- "$H" sweep "$S/order.ini" --db "$DB"
sw target '[sweep]' 'target = mars' "$G"
bad "sweep: unknown target" 2 "$DB" "$S/target.ini:2" "mars" -- "$H" sweep "$S/target.ini" --db "$DB"
sw interval '[sweep]' 'interval = 0' "$G"
bad "sweep: interval = 0" 2 "$DB" "$S/interval.ini:2" "interval" -- "$H" sweep "$S/interval.ini" --db "$DB"
sw timeout '[sweep]' 'timeout = 4294967297' "$G"
bad "sweep: timeout beyond a week" 2 "$DB" "$S/timeout.ini:2" "4294967297" -- "$H" sweep "$S/timeout.ini" --db "$DB"
sw cpus '[sweep]' 'cpus = 4096' "$G"
bad "sweep: cpus = 4096" 2 "$DB" "$S/cpus.ini:2" "4096" -- "$H" sweep "$S/cpus.ini" --db "$DB"
sw noeq '[sweep]' 'just words' "$G"
bad "sweep: a line that is not key = value" 2 "$DB" "$S/noeq.ini:2" -- "$H" sweep "$S/noeq.ini" --db "$DB"
printf '[sweep]\nname = a\0b\n' >"$S/nul.ini"
bad "sweep: a NUL byte" 2 "$DB" "$S/nul.ini" -- "$H" sweep "$S/nul.ini" --db "$DB"
sw wl '[sweep]' '[workload nosuch]'
bad "sweep: unknown workload" 2 "$DB" "$S/wl.ini:2" "nosuch" -- "$H" sweep "$S/wl.ini" --db "$DB"
sw param '[sweep]' "$G" 'colour = red'
bad "sweep: unknown parameter" 2 "$DB" "$S/param.ini:3" "colour" -- "$H" sweep "$S/param.ini" --db "$DB"
sw pval '[sweep]' "$G" "$U" 'size = 1m, 1x'
bad "sweep: bad parameter value" 2 "$DB" "$S/pval.ini:4" "1x" -- "$H" sweep "$S/pval.ini" --db "$DB"
sw rep '[sweep]' "$G" "$U" 'size = 1m, 1m'
bad "sweep: a grid value twice" 2 "$DB" "$S/rep.ini:4" "1m" -- "$H" sweep "$S/rep.ini" --db "$DB"
sw same '[sweep]' "$G" "$U" 'size = 1m, 1024k'
bad "sweep: grid values equal once read (16.10)" 2 "$DB" "$S/same.ini:4" "size=1m" "size=1024k" -- "$H" sweep "$S/same.ini" --db "$DB"
sw range '[sweep]' "$G" "$U" 'size = 1m..4m:x1'
bad "sweep: a range with factor 1" 2 "$DB" "$S/range.ini:4" "1m..4m:x1" -- "$H" sweep "$S/range.ini" --db "$DB"
sw shm '[sweep]' '[workload smallfiles]' 'files = 10' 'dir = /dev/shm'
bad "sweep: smallfiles dir on tmpfs (16.6)" 2 "$DB" "$S/shm.ini:4" "/dev/shm" "tmpfs" -- "$H" sweep "$S/shm.ini" --db "$DB"
sw nodir '[sweep]' '[workload smallfiles]' 'files = 10' 'dir = /nonexistent/x'
bad "sweep: smallfiles dir missing (16.6)" 2 "$DB" "$S/nodir.ini:4" "/nonexistent/x" -- "$H" sweep "$S/nodir.ini" --db "$DB"
sw kallow '[sweep]' '[variant v]' 'knob = /etc/hostname=x' "$G"
bad "sweep: knob outside the allow-list" 2 "$DB" "$S/kallow.ini:3" "/etc/hostname" -- "$H" sweep "$S/kallow.ini" --db "$DB"
sw kdots '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/../../etc/x=1' "$G"
bad "sweep: knob path with .." 2 "$DB" "$S/kdots.ini:3" "/sys/kernel/mm/../../etc/x" -- "$H" sweep "$S/kdots.ini" --db "$DB"
sw kchoice '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/transparent_hugepage/enabled=sometimes' "$G"
bad "sweep: knob value not a choice" 2 "$DB" "$S/kchoice.ini:3" "sometimes" -- "$H" sweep "$S/kchoice.ini" --db "$DB"
sw kover '[sweep]' '[variant v]' 'knob = /proc/sys/vm/overcommit_memory=7' "$G"
bad "sweep: overcommit_memory=7 (16.2)" 2 "$DB" "$S/kover.ini:3" "'7'" "0 to 2" -- "$H" sweep "$S/kover.ini" --db "$DB"
bad "sweep -n: overcommit_memory=7 (16.2)" 2 "$DB" "$S/kover.ini:3" "'7'" -- "$H" sweep "$S/kover.ini" -n --db "$DB"
sw kscan '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan=banana' "$G"
bad "sweep: pages_to_scan=banana (16.2)" 2 "$DB" "$S/kscan.ini:3" "banana" -- "$H" sweep "$S/kscan.ini" --db "$DB"
sw kmiss '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/transparent_hugepage/nosuch=1' "$G"
bad "sweep: knob this kernel lacks" 2 "$DB" "$S/kmiss.ini:3" "nosuch" -- "$H" sweep "$S/kmiss.ini" --db "$DB"
sw ktwice '[sweep]' '[variant v]' 'knob = /sys/kernel/mm/transparent_hugepage/enabled=never' 'knob = /sys/kernel/mm/transparent_hugepage/enabled=always' "$G"
bad "sweep: knob set twice" 2 "$DB" "$S/ktwice.ini:4" "enabled" -- "$H" sweep "$S/ktwice.ini" --db "$DB"
sw kernel '[sweep]' '[variant v]' 'kernel = nosuch-kernel' "$G"
bad "sweep: unknown kernel" 2 "$DB" "$S/kernel.ini:3" "nosuch-kernel" -- "$H" sweep "$S/kernel.ini" --db "$DB"
sw launch '[sweep]' '[variant v]' 'launcher = wrapper no-such-launcher' "$G"
bad "sweep: launcher not in PATH" 2 "$DB" "$S/launch.ini:3" "no-such-launcher" -- "$H" sweep "$S/launch.ini" --db "$DB"
mkfifo "$S/fifo.ini"
bad "sweep: a FIFO as sweep file does not hang (16.12)" 2 "$DB" "$S/fifo.ini" "not a regular file" -- "$H" sweep "$S/fifo.ini" --db "$DB"
bad "sweep: a directory as sweep file" 2 "$DB" "$S" -- "$H" sweep "$S" --db "$DB"
bad "sweep: no such sweep file" 2 "$DB" "$S/none.ini" -- "$H" sweep "$S/none.ini" --db "$DB"
bad "sweep: qemu option on a local sweep (16.14)" 2 "$DB" "--qemu-smp is an option of target qemu" "target is local" -- "$H" sweep sweeps/local.ini --qemu-smp 4 --db "$DB"
bad "sweep: --resume of no such sweep (16.5)" 2 "$DB" "nosuch" -- "$H" sweep --resume nosuch --db "$DB"
bad "sweep: FILE and --resume" 2 "$DB" "not both" -- "$H" sweep sweeps/local.ini --resume last --db "$DB"
bad "sweep: --new and --resume" 2 "$DB" "--new" -- "$H" sweep --resume last --new --db "$DB"
bad "sweep: unknown option" 2 "$DB" "--frobnicate" -- "$H" sweep sweeps/local.ini --frobnicate --db "$DB"

# ---- run options: exit 2 naming the option and value, nothing stored ----
bad "run: unknown workload" 2 "$DB" "nosuch" -- "$H" run nosuch --db "$DB"
bad "run: bad parameter value" 2 "$DB" "size" "1x" -- "$H" run gups -p size=1x --db "$DB"
bad "run: unknown parameter" 2 "$DB" "colour" -- "$H" run gups -p colour=red --db "$DB"
bad "run: -p without =" 2 "$DB" "size" -- "$H" run gups -p size --db "$DB"
bad "run: --reps 0" 2 "$DB" "--reps" -- "$H" run gups --reps 0 --db "$DB"
bad "run: --reps banana" 2 "$DB" "banana" -- "$H" run gups --reps banana --db "$DB"
bad "run: --interval 0" 2 "$DB" "--interval" -- "$H" run gups --interval 0 --db "$DB"
bad "run: --interval 4294967297 (16.4)" 2 "$DB" "4294967297" -- "$H" run gups --interval 4294967297 --db "$DB"
bad "run: --timeout 4294967297 (16.4)" 2 "$DB" "4294967297" -- "$H" run gups --timeout 4294967297 --db "$DB"
bad "run: --timeout 4294967296 (16.4)" 2 "$DB" "4294967296" -- "$H" run gups --timeout 4294967296 --db "$DB"
bad "run: --timeout -1" 2 "$DB" "--timeout: -1 is out of range" -- "$H" run gups --timeout -1 --db "$DB"
bad "run: --seed 1e3" 2 "$DB" "1e3" -- "$H" run gups --seed 1e3 --db "$DB"
bad "run: unknown target" 2 "$DB" "mars" -- "$H" run gups --target mars --db "$DB"
bad "run: --variant on target local" 2 "$DB" "--variant" -- "$H" run gups --variant 64k --db "$DB"
bad "run: --qemu-smp on target local (16.14)" 2 "$DB" "--qemu-smp" -- "$H" run gups --qemu-smp 99 --db "$DB"
bad "run: --keep-boot on target local (16.14)" 2 "$DB" "--keep-boot" -- "$H" run gups --keep-boot --db "$DB"
bad "run: unknown counter" 2 "$DB" "tlb.nosuch" -- "$H" run gups -e tlb.nosuch --db "$DB"
bad "run: smallfiles dir on tmpfs (16.6)" 2 "$DB" "/dev/shm" "tmpfs" -- "$H" run smallfiles -p dir=/dev/shm --db "$DB"
bad "run: smallfiles dir missing (16.6)" 2 "$DB" "/nonexistent/x" -- "$H" run smallfiles -p dir=/nonexistent/x --db "$DB"
bad "run: unknown option" 2 "$DB" "--frobnicate" -- "$H" run gups --frobnicate --db "$DB"
bad "run: missing option value" 2 "$DB" "--db" -- "$H" run gups --db
NEW="$T/new.db"
bad "run qemu: --qemu-smp 99, no database created (16.5)" 2 "$NEW" "--qemu-smp: 99 is out of range (1 to 8)" -- "$H" run gups --target qemu --qemu-smp 99 --db "$NEW"
bad "run qemu: --qemu-smp 4294967297 (16.4)" 2 "$NEW" "--qemu-smp: 4294967297 is out of range" -- "$H" run gups --target qemu --qemu-smp 4294967297 --db "$NEW"
bad "run qemu: --boot-timeout 4294967297 (16.4)" 2 "$NEW" "--boot-timeout: 4294967297 is out of range" -- "$H" run gups --target qemu --boot-timeout 4294967297 --db "$NEW"
bad "run qemu: --variant nosuch (16.5)" 2 "$NEW" "nosuch" -- "$H" run gups --target qemu --variant nosuch --db "$NEW"
bad "run qemu: --qemu-mem 2X (16.5)" 2 "$NEW" "2X" -- "$H" run gups --target qemu --qemu-mem 2X --db "$NEW"
bad "run qemu: --scratch-fs btrfs (16.5)" 2 "$NEW" "btrfs" -- "$H" run gups --target qemu --scratch-fs btrfs --db "$NEW"
bad "run qemu: --qemu-cpu with a ;" 2 "$NEW" "max;rm" -- "$H" run gups --target qemu --qemu-cpu 'max;rm' --db "$NEW"

# ---- the database: refused, never written (exit 2, names the file) ----
printf 'a shopping list\n' >"$T/garbage.db"
bad "db: not SQLite, for writing" 2 "$T/garbage.db" "$T/garbage.db" "not an SQLite database" -- "$H" run gups -p size=1m --db "$T/garbage.db"
bad "db: not SQLite, for reading" 2 "$T/garbage.db" "$T/garbage.db" -- "$H" show last --db "$T/garbage.db"
cp "$DB" "$T/neg.db"; sqlite3 "$T/neg.db" 'PRAGMA user_version = -1'
bad "db: negative user_version, for writing (16.3)" 2 "$T/neg.db" "$T/neg.db" "schema -1" -- "$H" run gups -p size=1m --db "$T/neg.db"
bad "db: negative user_version, for reading (16.3)" 2 "$T/neg.db" "$T/neg.db" "schema -1" -- "$H" sweeps --db "$T/neg.db"
cp "$DB" "$T/newer.db"; sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
bad "db: newer schema" 2 "$T/newer.db" "$T/newer.db" "schema 99" -- "$H" run gups -p size=1m --db "$T/newer.db"
sqlite3 "$T/foreign.db" 'CREATE TABLE contacts (name TEXT)'
bad "db: someone else's SQLite file" 2 "$T/foreign.db" "$T/foreign.db" "not a harness results database" -- "$H" run gups -p size=1m --db "$T/foreign.db"
bad "db: sweep -n with an unusable database (16.8)" 2 "$T/foreign.db" "$T/foreign.db" -- "$H" sweep sweeps/local.ini -n --db "$T/foreign.db"
# A damaged page of the samples table (16.7): found before any write.
cp "$DB" "$T/damaged.db"
page=$(sqlite3 "$T/damaged.db" "select rootpage from sqlite_schema where name = 'samples'")
psize=$(sqlite3 "$T/damaged.db" 'PRAGMA page_size')
printf 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ' |
	dd of="$T/damaged.db" bs=1 seek=$(( (page - 1) * psize + 8 )) conv=notrunc 2>/dev/null
bad "db: a damaged page, for writing (16.7)" 2 "$T/damaged.db" "$T/damaged.db" "damaged" -- "$H" run gups -p size=1m --db "$T/damaged.db"
bad "db: --db '' (16.11)" 2 - "--db ''" -- "$H" run gups -p size=1m --db ''
bad "db: --db '' for reading (16.11)" 2 - "--db ''" -- "$H" show last --db ''
bad "db: a directory" 2 - "$S" "not a regular file" -- "$H" show last --db "$S"
bad "db: missing, for reading" 2 "$T/absent.db" "$T/absent.db" "no such results database" -- "$H" show last --db "$T/absent.db"
bad "db: missing, for sweeps" 2 "$T/absent.db" "$T/absent.db" -- "$H" sweeps --db "$T/absent.db"
bad "show: no such run" 2 "$DB" "ffffffff" -- "$H" show ffffffff --db "$DB"
bad "show: a run reference too short" 2 "$DB" "'zz'" -- "$H" show zz --db "$DB"
bad "show: extra arguments" 2 "$DB" "extra" -- "$H" show last more --db "$DB"

# ---- kernel variants and fragments (kernel show) ----
K="$T/k"
mkdir -p "$K/variants" "$K/fragments"
printf 'CONFIG_A=y\nthis is junk\n' >"$K/fragments/junk.config"
printf '[variant]\nfragments = base nosuchfrag\n' >"$K/variants/nofrag.ini"
printf '[variant]\nfragments = junk\n' >"$K/variants/junk.ini"
printf '[variant]\nkernel = 4k\nknob = /sys/kernel/mm/transparent_hugepage/enabled=never\nknob = /sys/kernel/mm/transparent_hugepage/enabled=always\n' >"$K/variants/twice.ini"
printf '[variant]\nkernel = 4k\ncolour = red\n' >"$K/variants/key.ini"
printf '[variant]\n' >"$K/variants/empty.ini"
mkdir "$K/variants/dir.ini"
mkfifo "$K/variants/fifo.ini"
bad "kernel show: unknown fragment (16.13)" 2 - "$K/variants/nofrag.ini:2" "nosuchfrag" -- "$H" kernel show "$K/variants/nofrag.ini"
bad "kernel show: fragment syntax (16.13)" 2 - "$K/fragments/junk.config:2" "this is junk" -- "$H" kernel show "$K/variants/junk.ini"
bad "kernel show: knob twice (16.13)" 2 - "$K/variants/twice.ini:4" "enabled" -- "$H" kernel show "$K/variants/twice.ini"
bad "kernel show: unknown key" 2 - "$K/variants/key.ini:3" "colour" -- "$H" kernel show "$K/variants/key.ini"
bad "kernel show: no fragments" 2 - "$K/variants/empty.ini" "fragments" -- "$H" kernel show "$K/variants/empty.ini"
bad "kernel show: a directory (16.13)" 2 - "$K/variants/dir.ini" "a directory" -- "$H" kernel show "$K/variants/dir.ini"
bad "kernel show: a FIFO (16.12)" 2 - "$K/variants/fifo.ini" "not a regular file" -- "$H" kernel show "$K/variants/fifo.ini"
bad "kernel show: no such variant" 2 - "nosuch" -- "$H" kernel show nosuch
bad "kernel show: not a variant name" 2 - "'a b'" -- "$H" kernel show 'a b'
bad "kernel build: -j 0 (16.14)" 2 - "--jobs: 0 is out of range (1 to 4096)" -- "$H" kernel build 4k -j 0
bad "kernel: --all on show" 2 - "--all" -- "$H" kernel show 4k --all
bad "kernel: unknown subcommand" 2 - "frobnicate" -- "$H" kernel frobnicate

# ---- kernel sources (issue 12): exit 2, file:line and the value, nothing
# built: a fresh cache must have no builds/ afterwards ----
export HARNESS_CACHE="$T/cache"
fake_tree() {	# DIR [TEXT-IN-KHUGEPAGED]: enough of a tree for a source to resolve
	mkdir -p "$1/arch/arm64" "$1/mm"
	printf 'VERSION = 7\nPATCHLEVEL = 2\n' >"$1/Makefile"
	printf '/* khugepaged */\n%s\n' "${2:-}" >"$1/mm/khugepaged.c"
}
fake_tree "$T/linux-612"
: >"$T/linux.tar.xz"
fake_tree "$T/linux-72" 'count_mthp_stat(order, MTHP_STAT_COLLAPSE_ALLOC);'
printf '[variant]\nkernel = 4k\nsource = /nonexistent/linux\n' >"$K/variants/nosrc.ini"
printf '[variant]\nkernel = 4k\nsource = linux-source-9.9\n' >"$K/variants/nopkg.ini"
printf '[variant]\nkernel = 4k\nref = v7.2\n' >"$K/variants/refonly.ini"
printf '[variant]\nkernel = 4k\nrequires = mm/khugepaged.c\n' >"$K/variants/reqtext.ini"
printf '[variant]\nkernel = 4k\nrequires = ../etc/passwd root\n' >"$K/variants/reqdots.ini"
bad "kernel build: a variant's source that does not exist" 2 - "$K/variants/nosrc.ini:3" "/nonexistent/linux" -- "$H" kernel build "$K/variants/nosrc.ini"
bad "kernel build: a Debian package that is not there" 2 - "$K/variants/nopkg.ini:3" "linux-source-9.9" "install-deps" -- "$H" kernel build "$K/variants/nopkg.ini"
bad "kernel show: ref without source" 2 - "$K/variants/refonly.ini:3" "v7.2" -- "$H" kernel show "$K/variants/refonly.ini"
bad "kernel show: requires without its text" 2 - "$K/variants/reqtext.ini:3" "mm/khugepaged.c" -- "$H" kernel show "$K/variants/reqtext.ini"
bad "kernel show: requires outside the tree" 2 - "$K/variants/reqdots.ini:3" "../etc/passwd" -- "$H" kernel show "$K/variants/reqdots.ini"
bad "kernel build: mthp-collapse on a tree without mTHP collapse" 2 - "mthp-collapse.ini:" "requires khugepaged mTHP collapse" "$T/linux-612" -- "$H" kernel build mthp-collapse --source "$T/linux-612"
bad "kernel build: --source that is not there" 2 - "--source $T/absent" -- "$H" kernel build 4k --source "$T/absent"
bad "kernel build: --ref of a tarball" 2 - "ref 'v1'" "not a git repository" -- "$H" kernel build 4k --source "$T/linux.tar.xz" --ref v1
git -c init.defaultBranch=main init -q "$T/linux-git" 2>/dev/null && cp -r "$T/linux-72/." "$T/linux-git/" &&
	git -C "$T/linux-git" add -A && git -C "$T/linux-git" -c user.name=t -c user.email=t@t commit -qm v && git -C "$T/linux-git" tag v7.2
bad "kernel build: a ref the repository does not have" 2 - "ref 'v9.9'" "$T/linux-git" -- "$H" kernel build 4k --source "$T/linux-git" --ref v9.9
sw srcnone '[sweep]' 'target = qemu' '[variant 4k]' "source = $T/absent" "$G"
bad "sweep: a variant's source that does not exist" 2 "$DB" "$S/srcnone.ini:4" "$T/absent" -- "$H" sweep "$S/srcnone.ini" -n --db "$DB"
sw srcpkg '[sweep]' 'target = qemu' '[variant 4k]' 'source = linux-source-9.9' "$G"
bad "sweep: a Debian package that is not there" 2 "$DB" "$S/srcpkg.ini:4" "linux-source-9.9" -- "$H" sweep "$S/srcpkg.ini" -n --db "$DB"
sw src612 '[sweep]' 'target = qemu' '[variant 4k]' '[variant mthp-collapse]' "source = $T/linux-612" "$G"
bad "sweep: mthp-collapse on a tree without the feature" 2 "$DB" "$S/src612.ini:5" "requires khugepaged mTHP collapse" "$T/linux-612" -- "$H" sweep "$S/src612.ini" -n --db "$DB"
sw srclocal '[sweep]' '[variant v]' 'source = linux-source-7.2' "$G"
bad "sweep: source on target local" 2 "$DB" "$S/srclocal.ini:3" "linux-source-7.2" "target qemu" -- "$H" sweep "$S/srclocal.ini" --db "$DB"
sw only '[sweep]' '[variant v]' "$G" 'variants = w'
bad "sweep: a workload's variants = names no variant" 2 "$DB" "$S/only.ini:4" "'w'" -- "$H" sweep "$S/only.ini" --db "$DB"
check "kernel sources: nothing was built" test ! -e "$T/cache/kernels/builds"
# The same checks pass a tree that has the feature, and a git ref resolves.
sw src72 '[sweep]' 'target = qemu' '[variant mthp-collapse]' "source = $T/linux-72" '[variant 4k-ref]' 'kernel = 4k' "source = $T/linux-git" 'ref = v7.2' "$G" 'variants = mthp-collapse'
check "sweep -n: a tree with mTHP collapse and a git ref pass the plan" "$H" sweep "$S/src72.ini" -n --db "$DB" >"$T/src72.out" 2>&1
check "... the plan names each variant's source and ref" grep -q "source $T/linux-git ref v7.2" "$T/src72.out"
check "... and leaves the workload out where variants = says" grep -q "not on this variant" "$T/src72.out"
"$H" kernel show 4k --source "$T/linux-git" --ref v7.2 >"$T/show-ref.out" 2>&1
check "kernel show: a git ref is the ref's commit" grep -q "git $T/linux-git v7.2 $(git -C "$T/linux-git" rev-parse HEAD) (git ref" "$T/show-ref.out"
check "kernel sources: still nothing built" test ! -e "$T/cache/kernels/builds"
unset HARNESS_CACHE

# ---- the agent's boot plan (16.15) ----
printf '{"protocol": 1,\n "variant": }\n' >"$T/plan-syntax.json"
bad "agent: plan syntax error names file:line" 2 - "$T/plan-syntax.json:2" -- "$H" agent --plan "$T/plan-syntax.json" -o "$T/stream"
bad "agent: no such plan, no 'line -1'" 2 - "$T/absent.json" -- "$H" agent --plan "$T/absent.json" -o "$T/stream"
check "agent: the message for a missing plan has no line -1" sh -c "! grep -q 'line -1' '$T/err'"
PLAN="$(dirname "$0")/../fuzz/seeds/bootplan/plan.json"
jq '.cells[0].rep = 1099511627776' "$PLAN" >"$T/plan-rep.json"
bad "agent: rep beyond int" 2 - "$T/plan-rep.json" "1099511627776" -- "$H" agent --plan "$T/plan-rep.json" -o "$T/stream"
jq '.protocol = 99' "$PLAN" >"$T/plan-proto.json"
bad "agent: another protocol" 2 - "$T/plan-proto.json" "protocol 99" -- "$H" agent --plan "$T/plan-proto.json" -o "$T/stream"
jq '.cells = {}' "$PLAN" >"$T/plan-cells.json"
bad "agent: cells not an array" 2 - "$T/plan-cells.json" "cells" -- "$H" agent --plan "$T/plan-cells.json" -o "$T/stream"
jq '.cells[0].timeout_s = -5' "$PLAN" >"$T/plan-tmo.json"
bad "agent: negative timeout" 2 - "$T/plan-tmo.json" "timeout_s -5" -- "$H" agent --plan "$T/plan-tmo.json" -o "$T/stream"

# ---- other commands ----
bad "unknown command" 2 - "frobnicate" -- "$H" frobnicate
bad "events: extra argument" 2 - "events" -- "$H" events extra
bad "help: unknown command" 2 - "frobnicate" -- "$H" help frobnicate
check "the database passes integrity_check after every case" test "$(q "$DB" 'PRAGMA integrity_check')" = ok
check "the database still holds its one run" test "$(q "$DB" 'select count(*) from runs')" = 1
finish
