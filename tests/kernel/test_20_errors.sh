#!/bin/sh
# A missing cross compiler, an unknown config option, an option olddefconfig
# drops, a patch that does not apply and a source that is not a kernel each
# exit 2 with one line naming the cause, and leave the cache as it was; so
# does an interrupted build (exit 3).
. "$(dirname "$0")/lib.sh"

# The default source extracted (a cache hit after test_10_pages.sh).
build 4k
check "4k available" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '#   %s\n' "$err"
img4=$out

# PATH without the cross compiler (everything else still there).
if [ "$(uname -m)" != aarch64 ]; then
	mkdir "$T/bin"
	for d in $(printf '%s' "$PATH" | tr ':' ' '); do
		for f in "$d"/*; do
			case "${f##*/}" in aarch64-linux-gnu-*) continue ;; esac
			[ -e "$T/bin/${f##*/}" ] || ln -s "$f" "$T/bin/${f##*/}" 2>/dev/null
		done
	done
	snapshot
	out=$(PATH="$T/bin" "$H" kernel build 4k 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	expect_usage "missing cross compiler" aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
else
	echo "# native arm64 host: no cross compiler to miss"
fi

# A kernels directory of our own with a bad fragment.
cp -r kernels "$T/kernels"
printf 'CONFIG_HARNESS_NO_SUCH_OPTION=y\n' >"$T/kernels/fragments/unknown.config"
printf '[variant]\nfragments = base virt pages-4k mthp unknown\n' >"$T/kernels/variants/unknown.ini"
snapshot
HARNESS_KERNELS="$T/kernels" build unknown
echo "# unknown option: $took s"
expect_usage "unknown option" CONFIG_HARNESS_NO_SUCH_OPTION "unknown option" unknown.config:1
check "unknown option: log kept in failed/" grep -q HARNESS_NO_SUCH_OPTION "$HARNESS_CACHE/kernels/failed/unknown.log"

# An option whose dependency a later fragment switches off.
printf '# CONFIG_BLK_DEV is not set\n' >"$T/kernels/fragments/noblk.config"
printf '[variant]\nfragments = base virt pages-4k noblk\n' >"$T/kernels/variants/dropped.ini"
snapshot
HARNESS_KERNELS="$T/kernels" build dropped
echo "# dropped option: $took s"
expect_usage "dropped option" CONFIG_VIRTIO_BLK=y "dropped by olddefconfig" base.config

# A patch whose context is not in the tree.
mkdir "$T/badseries"
cat >"$T/badseries/0001-no-such-context.patch" <<'PATCH'
--- a/Makefile
+++ b/Makefile
@@ -1,3 +1,4 @@
 # this line is not in the kernel's Makefile
+# nor is this one
 VERSION = 1
 PATCHLEVEL = 0
PATCH
snapshot
build 4k --patches "$T/badseries"
echo "# bad patch: $took s"
expect_usage "patch that does not apply" 0001-no-such-context.patch "does not apply" Makefile

# Sources that are not kernels: a directory and a tarball.
mkdir -p "$T/notkernel/src"
echo "hello" >"$T/notkernel/README"
snapshot
build 4k --source "$T/notkernel"
expect_usage "directory that is not a kernel tree" "$T/notkernel" "not a kernel tree"
tar -cJf "$T/notkernel.tar.xz" -C "$T" notkernel
snapshot
build 4k --source "$T/notkernel.tar.xz"
expect_usage "tarball that is not a kernel" notkernel.tar.xz "not a kernel tarball"
snapshot
build 4k --source "$T/nonexistent"
expect_usage "source that does not exist" "$T/nonexistent"

# A build interrupted by SIGTERM (a --force rebuild of 4k, whose entry
# must survive): its make is stopped, its temporary trees removed.
snapshot
"$H" kernel build 4k --force >"$T/out" 2>"$T/err" &
pid=$!
sleep 10
kill -TERM "$pid"
wait "$pid"
rc=$?
err=$(cat "$T/err")
check "interrupted build: exit 3" [ "$rc" -eq 3 ]
case "$err" in *"interrupted by signal 15"*) ok "interrupted build: says so" ;;
*) not_ok "interrupted build: says so" "$err" ;; esac
sleep 1
check "interrupted build: cache unchanged" [ "$(listing)" = "$before" ]
check "interrupted build: no temporary trees left" \
	[ -z "$(cd "$HARNESS_CACHE/kernels" && find builds src -maxdepth 2 -name '.tmp-*' -o -maxdepth 2 -name 'obj-*')" ]
check "interrupted build: no make left running" \
	sh -c "! ps -eo args | grep -v grep | grep -q -- 'O=$HARNESS_CACHE/kernels'"
check "interrupted build: the 4k Image still there" is_arm64 "$img4"

# Variant files.
printf '[variant]\nfragments = base\nbogus = 1\n' >"$T/kernels/variants/badkey.ini"
snapshot
HARNESS_KERNELS="$T/kernels" build badkey
expect_usage "variant file error" "badkey.ini:3:" "unknown key 'bogus'"
build no-such-variant
expect_usage "unknown variant" no-such-variant.ini
finish
