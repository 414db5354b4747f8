#!/bin/sh
# The committed SciPy fixture of tests/unit/test_analysis.c is current:
# regenerated with Debian's python3-scipy, it is byte for byte the same.
. "$(dirname "$0")/lib.sh"

py=/usr/bin/python3	# Debian's, where python3-scipy loads
root=$(cd "$(dirname "$0")/../.." && pwd)
fixture=$root/tests/fixtures/analysis_ref.h
if ! "$py" -c 'import scipy' 2>/dev/null; then
	not_ok "fixture regeneration: $py cannot import scipy (scripts/install-deps test)"
else
	if "$py" "$root/tests/fixtures/make_analysis_ref.py" >"$T/ref.h" 2>"$T/err"; then
		ok "make_analysis_ref.py runs"
	else
		not_ok "make_analysis_ref.py runs" "$(head -3 "$T/err")"
	fi
	if cmp -s "$T/ref.h" "$fixture"; then
		ok "$fixture matches a fresh regeneration"
	else
		not_ok "$fixture matches a fresh regeneration" \
			"$(diff "$fixture" "$T/ref.h" | head -5)"
	fi
fi
finish
