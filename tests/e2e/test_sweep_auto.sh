# repetitions = auto: each cell gets repetitions_min runs, then one more
# per round while the 95% CI of its median is wider than ci_width, up to
# repetitions_max; the plan and the estimate say so; bad keys name file:line.
. "$(dirname "$0")/lib.sh"
export HARNESS_STATE="$T/state"

mk() { # CI_METRIC CI_WIDTH [EXTRA KEY LINE]
	cat <<EOT
[sweep]
name = auto
repetitions = auto
repetitions_min = 3
repetitions_max = 6
ci_width = $2
ci_metric = $1
warmup = 0
${3:-}
[variant a]
[variant b]
[workload gups]
size = 4m
updates = 1000
EOT
}

# A figure the same in every run (the region's page faults for the same
# bytes): its CI has no width, so three runs a cell settle it.
mk fault.minor 5% >"$T/settle.ini"
"$H" sweep "$T/settle.ini" -n --db "$T/s.db" >"$T/plan.txt"
check "the plan says auto, its bounds and width" grep -q "repetitions auto: 3 to 6 per cell, more while the 95% CI of the median of fault.minor is wider than +-5%" "$T/plan.txt"
check "... marks the conditional runs" grep -q "rep     4?" "$T/plan.txt"
check "... estimates from the minimum to the most" grep -q "estimated duration: .* to .*" "$T/plan.txt"
"$H" sweep "$T/settle.ini" --db "$T/s.db" >"$T/s.txt" 2>"$T/s.err"
check "a settled sweep exits 0" test $? = 0
check "... with exactly the minimum runs per cell" test "$(q "$T/s.db" "select group_concat(n) from (select count(*) n from runs where warmup = 0 group by cell)")" = "3,3"
check "... saying how many were not needed" grep -q "repetitions auto: 6 repetitions not needed" "$T/s.err"
check "... and it is complete" test "$(q "$T/s.db" "select status from sweeps")" = complete

# A width no timing can reach: every cell gets the most.
mk time.wall_s 0.0001% >"$T/wide.ini"
"$H" sweep "$T/wide.ini" -q --db "$T/w.db" >/dev/null 2>&1
check "an unsettled sweep exits 0" test $? = 0
check "... with repetitions_max runs per cell" test "$(q "$T/w.db" "select group_concat(n) from (select count(*) n from runs where warmup = 0 group by cell)")" = "6,6"

# Bad keys: file:line, exit 2, nothing made.
bad() { # DESCRIPTION WANT FILE-TEXT
	printf '%s\n' "$3" >"$T/bad.ini"
	"$H" sweep "$T/bad.ini" -q --db "$T/bad.db" >/dev/null 2>"$T/bad.err"
	rc=$?
	check "$1: exit 2" test "$rc" = 2
	check "$1: says $2" grep -qF "$2" "$T/bad.err"
	check "$1: no database" test ! -e "$T/bad.db"
}
bad "min without auto" "bad.ini:3: repetitions_min, repetitions_max, ci_width and ci_metric go with repetitions = auto" \
	"$(printf '[sweep]\nrepetitions = 3\nrepetitions_min = 2\n[workload gups]\n')"
bad "min above max" "bad.ini:4: repetitions_min = 9 is above repetitions_max = 4" \
	"$(printf '[sweep]\nrepetitions = auto\nrepetitions_max = 4\nrepetitions_min = 9\n[workload gups]\n')"
bad "a width of 0" "bad.ini:3: ci_width = '0%': expected a width" \
	"$(printf '[sweep]\nrepetitions = auto\nci_width = 0%%\n[workload gups]\n')"
bad "a width of 150%" "bad.ini:3: ci_width = '150%'" \
	"$(printf '[sweep]\nrepetitions = auto\nci_width = 150%%\n[workload gups]\n')"
finish
