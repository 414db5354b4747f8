# make install with DESTDIR: the installed harness finds its workloads in
# libexec and runs them; the man page is installed.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2086
make -s -C "$ROOT" install ${HARNESS_MAKEFLAGS:-} DESTDIR="$T/inst" PREFIX=/usr >"$T/make.log" 2>&1
check "make install succeeds" test $? = 0
check "harness installed" test -x "$T/inst/usr/bin/harness"
check "workloads installed in libexec" test -x "$T/inst/usr/libexec/harness/workloads/gups"
check "man page installed" sh -c "grep -q '^.TH HARNESS 1' '$T/inst/usr/share/man/man1/harness.1'"
check "kernel variants installed" test -r "$T/inst/usr/share/harness/kernels/variants/4k.ini"
check "sweep files installed" test -r "$T/inst/usr/share/harness/sweeps/local.ini"
check "default thresholds installed" test -r "$T/inst/usr/share/harness/thresholds/default.ini"
check "installed harness finds its kernel variants" sh -c "cd / && '$T/inst/usr/bin/harness' kernel list | grep -q 64k"
check "installed harness runs a workload" sh -c "'$T/inst/usr/bin/harness' run gups -q -p size=4m --db '$T/db' >/dev/null"
check "the run is stored" test "$(q "$T/db" "select count(*) from runs where status='ok'")" = 1
finish
