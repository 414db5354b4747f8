#!/bin/sh
# harness tag: names of sweeps in the database, taken wherever a sweep is
# (sweep --resume here); bad input is one line, exit 2, and the database
# byte for byte as it was.
. "$(dirname "$0")/lib.sh"
DB="$T/results.db"
export HARNESS_STATE="$T/state"

sweep_file() {
	cat >"$T/$1.ini" <<EOT
[sweep]
name = $1
repetitions = 1
warmup = 0
seed = $2

[workload gups]
size = 4m
updates = 1000
EOT
}
sweep_file a 1
sweep_file b 2
"$H" sweep "$T/a.ini" -q --db "$DB" >/dev/null 2>"$T/a.err"
check "a first sweep completes" test $? = 0
"$H" sweep "$T/b.ini" -q --db "$DB" >/dev/null 2>"$T/b.err"
check "a second sweep completes" test $? = 0
A=$(q "$DB" "select id from sweeps where name = 'a'")
B=$(q "$DB" "select id from sweeps where name = 'b'")
check "the database is at schema 8" test "$(q "$DB" "PRAGMA user_version")" = 8

"$H" tag "$(echo "$A" | cut -c1-8)" baseline --db "$DB" >"$T/tag.out"
check "tag SWEEP-PREFIX NAME exits 0" test $? = 0
check "... says what it named" grep -q "tag baseline names sweep $A (a)" "$T/tag.out"
check "... stored" test "$(q "$DB" "select sweep_id from tags where name = 'baseline'")" = "$A"
"$H" tag last newest --db "$DB" >/dev/null
check "tag last NAME names the newest sweep" test "$(q "$DB" "select sweep_id from tags where name = 'newest'")" = "$B"
"$H" tag baseline base.v1 --db "$DB" >/dev/null
check "a tag names a sweep to tag (tag of a tag)" test "$(q "$DB" "select sweep_id from tags where name = 'base.v1'")" = "$A"
"$H" tag "$A" baseline --db "$DB" >"$T/same.out"
check "tagging the sweep a tag already names exits 0" test $? = 0
check "... and says so" grep -q "already names sweep $A" "$T/same.out"

"$H" tag --list --db "$DB" >"$T/list.out"
check "--list exits 0" test $? = 0
check "--list: a header and three tags" test "$(wc -l <"$T/list.out")" = 4
check "--list: by name" test "$(awk 'NR > 1 { printf "%s ", $1 }' "$T/list.out")" = "base.v1 baseline newest "
"$H" tag --list --json --db "$DB" >"$T/list.json"
check "--list --json is JSON with the sweep of each tag" python3 -c "
import json, sys
t = {r['name']: r['sweep'] for r in json.load(open(sys.argv[1]))}
sys.exit(t != {'base.v1': sys.argv[2], 'baseline': sys.argv[2], 'newest': sys.argv[3]})" "$T/list.json" "$A" "$B"

# A tag is taken wherever a sweep is: --resume of a complete sweep by its tag.
"$H" sweep --resume baseline -q --db "$DB" >/dev/null 2>"$T/resume.err"
check "sweep --resume TAG finds the tagged sweep (complete: nothing to resume)" \
	grep -q "$(echo "$A" | cut -c1-8)" "$T/resume.err"
check "... and not an unknown sweep" sh -c "! grep -q 'no such' '$T/resume.err'"

# Bad input: one line naming it, exit 2, database byte-identical.
bad() {
	desc=$1 want=$2
	shift 2
	cp "$DB" "$T/before.db"
	"$H" "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	check "$desc: exit 2" test $rc = 2
	check "$desc: one line" test "$(wc -l <"$T/bad.err")" = 1
	check "$desc: names it" grep -q -- "$want" "$T/bad.err"
	check "$desc: nothing on stdout" test ! -s "$T/bad.out"
	check "$desc: database byte-identical" cmp -s "$DB" "$T/before.db"
	check "$desc: no journal left" test ! -e "$DB-wal" -o ! -s "$DB-wal"
}
bad "unknown sweep id" "sweep 'deadbeef': no such sweep" tag deadbeef x --db "$DB"
bad "unknown tag as sweep" "sweep 'nosuch': no such tag" tag nosuch x --db "$DB"
bad "tag on another sweep" "tag 'newest' already names sweep $(echo "$B" | cut -c1-8), not $(echo "$A" | cut -c1-8) (--force moves it)" \
	tag "$A" newest --db "$DB"
bad "invalid name" "tag '../x': a tag is" tag "$A" ../x --db "$DB"
bad "name like an id" "tag 'cafe': a tag is .*sweep id" tag "$A" cafe --db "$DB"
bad "name 'last'" "tag 'last': a tag is" tag "$A" last --db "$DB"
bad "unknown tag on --delete" "tag 'nosuch': no such tag in" tag --delete nosuch --db "$DB"
bad "--resume with an unknown tag" "no such tag" sweep --resume nosuch -q --db "$DB"
bad "one argument" "give SWEEP NAME, --list or --delete NAME" tag "$A" --db "$DB"
bad "--list with arguments" "takes no arguments" tag --list x --db "$DB"
bad "--delete with --force" "takes no arguments, --force" tag --delete newest --force --db "$DB"
"$H" tag "$A" x --db "$T/missing.db" >/dev/null 2>"$T/missing.err"
check "a missing database: exit 2" test $? = 2
check "... named" grep -q "missing.db: no results database" "$T/missing.err"
check "... and not created" test ! -e "$T/missing.db"

"$H" tag "$A" newest --force --db "$DB" >"$T/force.out"
check "--force moves a tag" test "$(q "$DB" "select sweep_id from tags where name = 'newest'")" = "$A"
check "... and says from where" grep -q "tag newest moved from sweep $B to $A" "$T/force.out"
"$H" tag --delete newest --db "$DB" >"$T/del.out"
check "--delete exits 0" test $? = 0
check "... the tag is gone" test "$(q "$DB" "select count(*) from tags where name = 'newest'")" = 0
check "... the others stay" test "$(q "$DB" "select count(*) from tags")" = 2
check "... the sweep stays" test "$(q "$DB" "select count(*) from sweeps where id = '$A'")" = 1

# A database of schema 5 gets the tags table when first written.
cp "$DB" "$T/v5.db"
# What versions 6, 7 and 8 added goes, so the migrations run on it again.
sqlite3 "$T/v5.db" "DROP TABLE tags; ALTER TABLE kernels DROP COLUMN source;
	ALTER TABLE boots DROP COLUMN mem_total_bytes; ALTER TABLE boots DROP COLUMN mem_physical_bytes;
	ALTER TABLE boots DROP COLUMN mem_reserved_bytes; ALTER TABLE boots DROP COLUMN memmap_bytes;
	ALTER TABLE boots DROP COLUMN memmap_source; ALTER TABLE boots DROP COLUMN memory_reason;
	PRAGMA user_version = 5"
"$H" tag "$B" old.db --db "$T/v5.db" >/dev/null
check "a schema 5 database is migrated and tagged" \
	test "$(q "$T/v5.db" "PRAGMA user_version"):$(q "$T/v5.db" "select sweep_id from tags")" = "8:$B"

finish
