# The command line: help everywhere, version, exit codes, bad input leaves
# the database exactly as it was.
. "$(dirname "$0")/lib.sh"

check "harness --version" sh -c "'$H' --version | grep -q '^harness [0-9]'"
check "harness help lists run, show, events" sh -c "'$H' help | grep -q '^  run ' && '$H' help | grep -q '^  show ' && '$H' help | grep -q '^  events '"
for cmd in $("$H" help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	check "harness $cmd --help exits 0 and shows usage" sh -c "'$H' $cmd --help | grep -q '^usage: harness $cmd'"
done
check "harness help --man is troff" sh -c "'$H' help --man | head -1 | grep -q '^.TH HARNESS 1'"

expect_usage() { # DESCRIPTION MESSAGE-PATTERN ARGS...: exit 2, one line naming it
	d=$1 pat=$2; shift 2
	"$H" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$pat" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$d"
	else
		not_ok "$d" "exit $rc, stderr: $(cat "$T/err")"
	fi
}
expect_usage "unknown command" "unknown command 'frobnicate'" frobnicate
expect_usage "unknown option" "unknown" run --bogus gups
expect_usage "missing workload argument" "expected WORKLOAD" run

# A database with one stored run, to check bad input leaves it unchanged.
DB="$T/results.db"
"$H" run gups -q -p size=4m --db "$DB" >/dev/null 2>&1
check "a run is stored" test "$(q "$DB" 'select count(*) from runs')" = 1
sum_before=$(cat "$DB" "$DB"-wal 2>/dev/null | sha256sum)
expect_usage "unknown workload names the known ones" "unknown workload 'nosuch' (known: .*gups" run nosuch --db "$DB"
expect_usage "unknown parameter is named" "bogus" run gups -p bogus=1 --db "$DB"
expect_usage "malformed parameter value is named" "12x" run gups -p size=12x --db "$DB"
expect_usage "parameter without =" "oops" run gups -p oops --db "$DB"
expect_usage "unknown counter" "unknown counter 'tlb.nope'" run gups -e tlb.nope --db "$DB"
expect_usage "--reps 0" "reps" run gups -r 0 --db "$DB"
check "bad input left the database unchanged" test "$sum_before" = "$(cat "$DB" "$DB"-wal 2>/dev/null | sha256sum)"

printf 'this is not a database, just some text that is long enough to look like a header\n' >"$T/garbage.db"
sum=$(sha256sum <"$T/garbage.db")
expect_usage "corrupt database file" "garbage.db" run gups -p size=4m --db "$T/garbage.db"
check "corrupt database left unchanged" test "$sum" = "$(sha256sum <"$T/garbage.db")"

cp "$DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
sum=$(sha256sum <"$T/newer.db")
expect_usage "database from a newer schema" "newer" run gups -p size=4m --db "$T/newer.db"
check "newer database left unchanged" test "$sum" = "$(sha256sum <"$T/newer.db")"

: >"$T/afile"
expect_usage "unwritable database path" "afile" run gups -p size=4m --db "$T/afile/sub/results.db"
# An immutable file is unwritable even for root.
cp "$DB" "$T/immutable.db"
if chattr +i "$T/immutable.db" 2>/dev/null; then
	sum=$(sha256sum <"$T/immutable.db")
	expect_usage "unwritable database file" "immutable.db: not writable" run gups -p size=4m --db "$T/immutable.db"
	check "unwritable database left unchanged" test "$sum" = "$(sha256sum <"$T/immutable.db")"
	chattr -i "$T/immutable.db"
else
	echo "# skip: this filesystem has no immutable flag; unwritable-file case not run"
fi
expect_usage "show of an unknown run" "nosuchrun" show nosuchrun --db "$DB"
expect_usage "show on a missing database" "missing.db" show last --db "$T/missing.db"
check "show on a missing database did not create it" test ! -e "$T/missing.db"

finish
