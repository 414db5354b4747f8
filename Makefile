# harness — see README.md. `make help` lists the targets.
CONFIG ?= config.mk
-include $(CONFIG)

ifeq ($(SANITIZE),1)
O ?= build-asan
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),fuzz)
# libFuzzer builds (clang): every object instrumented, targets linked with
# the fuzzer's main (tests/fuzz/).
O ?= build-fuzz
SAN_FLAGS = -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else
O ?= build
SAN_FLAGS =
endif

# Quiet like the kernel's build; V=1 shows the commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

CSTD = -std=gnu11
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# snprintf into fixed buffers truncates on purpose; gcc alone warns about it.
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN += -Wno-format-truncation
endif
OPT ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SAN_FLAGS) -I. -Iharness -Iworkloads/common \
	-D_GNU_SOURCE -DHARNESS_VERSION='"$(HARNESS_VERSION)"' $(PC_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

CORE_SRC = $(filter-out harness/main.c,$(wildcard harness/*.c harness/*/*.c harness/*/*/*.c analysis/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(O)/obj/%.o)
# Unit tests link the library parts; commands are tested end to end.
LIB_OBJ = $(filter-out $(O)/obj/harness/cmd_%.o,$(CORE_OBJ))
WL_COMMON_SRC = $(wildcard workloads/common/*.c)
WL_COMMON_OBJ = $(WL_COMMON_SRC:%.c=$(O)/obj/%.o)
WL_SRC = $(wildcard workloads/*.c)
WL_BIN = $(WL_SRC:workloads/%.c=$(O)/workloads/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
HARNESS = $(O)/harness
# Launchers' helpers (launchers/, docs/kernels.md): preload libraries in
# lib/ (found by name beside the harness binary, /harness/lib in the
# guest) and wrapper programs in bin/ (/harness/bin, on the guest's PATH).
LAUNCHER_LIB = $(O)/lib/thp-advise.so
LAUNCHER_BIN = $(O)/bin/pps-exec

# Per-workload extra libraries (e.g. LIBS_mallocchurn = $(JEMALLOC_LIBS)).
-include workloads/libs.mk

.SECONDARY:
.PHONY: fuzz fuzz-build all help metrics-doc check check-unit check-e2e check-kernel check-warnings cross-arm64 check-arm64 bench bench-workloads bench-report bench-check-power run install clean distclean guest-arm64 check-qemu check-lava bench-boot
all: $(HARNESS) $(WL_BIN) $(LAUNCHER_LIB) $(LAUNCHER_BIN)

help:
	@echo "make            build harness and workloads into $(O)/"
	@echo "make run        install what is missing, build, run the main job (sweeps/default.ini on qemu)"
	@echo "make check      install what is missing, build, run all tests (plain and ASan+UBSan)"
	@echo "make check-unit / check-e2e   one kind of test on the current build"
	@echo "make check-kernel     long kernel-build tests: 4k/16k/64k (6.12), 4k/64k (7.2), pps, mthp-collapse"
	@echo "make check-qemu       long qemu-target tests: default sweep (7.2), 16k, failures, order, filetree, pps, ssh lab, mTHP collapse, 6.12 vs 7.2"
	@echo "make check-lava       LAVA for real: export, lava-run on a qemu device, ingest, merge (~5 min warm)"
	@echo "make guest-arm64      the arm64 build the qemu guest runs, in $(O)-arm64/"
	@echo "make bench-boot       QEMU start to the first workload (target <= 3 s)"
	@echo "make bench      print measurement-overhead figures"
	@echo "make metrics-doc      regenerate docs/metrics.md's table from harness/measure/metric_table.c"
	@echo "make bench-report     time harness report over 10,000 runs, text and HTML (goal < 2 s)"
	@echo "make bench-check-power  the gate's power at the shipped thresholds (docs/ci.md)"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]"
	@echo "make check-warnings   gcc and clang builds with -Werror"
	@echo "make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS=...]  libFuzzer targets (clang, ASan+UBSan) in build-fuzz/"
	@echo "make cross-arm64      arm64 build in build-arm64/ (Debian multiarch libraries)"
	@echo "make check-arm64      unit tests of the arm64 build under qemu-user"
	@echo "make clean      remove the build directories"
	@echo "SANITIZE=1      build with ASan+UBSan into build-asan/"
	@echo "V=1             show the compiler commands"

config.mk: configure VERSION
	scripts/install-deps test
	./configure

$(O)/obj/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Per-workload compiler flags: CFLAGS_<name> in workloads/libs.mk.
$(O)/obj/workloads/%.o: workloads/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CFLAGS_$*) -MMD -MP -c $< -o $@

$(HARNESS): $(O)/obj/harness/main.o $(CORE_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS) -lm

$(O)/workloads/%: $(O)/obj/workloads/%.o $(WL_COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_$*) $(PC_LIBS) -lpthread -lm

# A preload library is built without the sanitizers: it is loaded before
# an ASan runtime could be.
$(O)/lib/%.so: launchers/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) -fPIC -shared $(CFLAGS) $(LDFLAGS) -o $@ $< -ldl

$(O)/bin/%: launchers/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(O)/tests/%: $(O)/obj/tests/unit/%.o $(LIB_OBJ) $(WL_COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PC_LIBS) -lm

$(O)/obj/tests/unit/%.o: tests/unit/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes -MMD -MP -c $< -o $@

check-unit: $(UNIT_BIN) all
	@tests/unit/run $(UNIT_BIN)

# arm64: the same sources cross-built against Debian's arm64 libraries
# (multiarch), unit tests run under qemu-user. This is where libpfm4's arm64
# event tables are exercised (test_counters_arm), since an x86 libpfm4 has
# none.
config-arm64.mk: configure VERSION
	scripts/install-deps cross
	./configure --host=aarch64-linux-gnu --config=$@

# Under qemu-user the tests run on the host's kernel and cannot exec other
# arm64 programs (no binfmt_misc here), so only tests of pure logic run:
# an allow-list, since a new test may well spawn or count.
ARM64_UNIT = $(addprefix build-arm64/tests/,test_counters_arm test_cli test_stream \
	test_procfs test_record_json test_store test_wl test_wl_suite test_analysis test_wl_gups)

cross-arm64: config-arm64.mk
	$(MAKE) CONFIG=config-arm64.mk O=build-arm64 all $(ARM64_UNIT)

check-arm64: cross-arm64
	@TEST_WRAPPER=qemu-aarch64-static tests/unit/run $(ARM64_UNIT)

check-e2e: all
	@HARNESS_BUILD=$(O) HARNESS_MAKEFLAGS="O=$(O) SANITIZE=$(SANITIZE)" tests/e2e/run

# libFuzzer targets (tests/fuzz/fuzz_*.c), each run FUZZ_SECONDS on a
# copy of its seed corpus (tests/fuzz/seeds); a crash leaves its input in
# build-fuzz/crashes/ and fails the target. tests/fuzz/run says more.
FUZZ_SECONDS ?= 60
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)

$(O)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(O)/fuzz/%: $(O)/obj/tests/fuzz/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PC_LIBS) -lm

fuzz-build: $(FUZZ_BIN) $(HARNESS) $(WL_BIN)

fuzz: config.mk
	$(MAKE) SANITIZE=fuzz CC=clang fuzz-build
	@tests/fuzz/run build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Warning-free under both compilers: every warning is an error here.
check-warnings: config.mk
	$(MAKE) O=build-werror-gcc CC=gcc CFLAGS=-Werror all $(UNIT_BIN:$(O)/%=build-werror-gcc/%)
	$(MAKE) O=build-werror-clang CC=clang CFLAGS=-Werror all $(UNIT_BIN:$(O)/%=build-werror-clang/%)

check: config.mk
	$(MAKE) check-warnings
	$(MAKE) check-arm64
	$(MAKE) check-unit check-e2e
	$(MAKE) SANITIZE=1 check-unit check-e2e

bench: all
	@HARNESS_BUILD=$(O) bench/overhead

# The gate's power at the shipped thresholds (docs/ci.md's table).
bench-check-power: all
	@HARNESS_BUILD=$(O) bench/check-power

# harness report over a synthetic 10,000-run sweep (bench/report_db.py).
bench-report: all
	@HARNESS_BUILD=$(O) bench/report

# The main job: sweeps/default.ini on target qemu (4k, 64k, mthp-64k and mthp-collapse on Linux 7.2
# kernels, built into the cache on first use, booted in qemu-system-aarch64).
# sweeps/local.ini is the same kind of comparison on the running kernel.
run: config.mk all
	scripts/install-deps qemu kernel
	$(MAKE) guest-arm64
	$(HARNESS) sweep sweeps/default.ini

# The man page comes from the same option tables as --help.
$(O)/harness.1: $(HARNESS)
	$(HARNESS) help --man >$@

# docs/metrics.md's generated table (tests/e2e/test_metrics_doc.sh fails
# when the committed file differs from what the metric table gives).
metrics-doc: $(HARNESS)
	scripts/metrics-doc $(HARNESS) docs/metrics.md >docs/metrics.md.tmp
	mv docs/metrics.md.tmp docs/metrics.md

install: all $(O)/harness.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/harness/workloads \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(HARNESS) $(DESTDIR)$(PREFIX)/bin/harness
	install -m 755 $(WL_BIN) $(DESTDIR)$(PREFIX)/libexec/harness/workloads/
	install -d $(DESTDIR)$(PREFIX)/libexec/harness/lib $(DESTDIR)$(PREFIX)/libexec/harness/bin
	install -m 644 $(LAUNCHER_LIB) $(DESTDIR)$(PREFIX)/libexec/harness/lib/
	install -m 755 $(LAUNCHER_BIN) $(DESTDIR)$(PREFIX)/libexec/harness/bin/
	install -m 644 $(O)/harness.1 $(DESTDIR)$(PREFIX)/share/man/man1/harness.1
	# Kernel fragments and variants (found at ../share/harness/kernels from
	# bin/) and the ready sweep files.
	install -d $(DESTDIR)$(PREFIX)/share/harness/kernels/fragments \
		$(DESTDIR)$(PREFIX)/share/harness/kernels/variants $(DESTDIR)$(PREFIX)/share/harness/sweeps
	install -m 644 kernels/fragments/*.config $(DESTDIR)$(PREFIX)/share/harness/kernels/fragments/
	install -m 644 kernels/variants/*.ini $(DESTDIR)$(PREFIX)/share/harness/kernels/variants/
	install -m 644 sweeps/*.ini $(DESTDIR)$(PREFIX)/share/harness/sweeps/
	# The regression gate's default thresholds (harness check).
	install -d $(DESTDIR)$(PREFIX)/share/harness/thresholds
	install -m 644 thresholds/*.ini $(DESTDIR)$(PREFIX)/share/harness/thresholds/
	# The guest's arm64 build (qemu target), when one was made
	# (make guest-arm64): an installed harness finds it there.
	if [ -x $(O)-arm64/harness ]; then \
		install -d $(DESTDIR)$(PREFIX)/libexec/harness/arm64/workloads && \
		install -m 755 $(O)-arm64/harness $(DESTDIR)$(PREFIX)/libexec/harness/arm64/harness && \
		install -m 755 $(O)-arm64/workloads/* $(DESTDIR)$(PREFIX)/libexec/harness/arm64/workloads/ && \
		install -d $(DESTDIR)$(PREFIX)/libexec/harness/arm64/lib $(DESTDIR)$(PREFIX)/libexec/harness/arm64/bin && \
		install -m 644 $(O)-arm64/lib/*.so $(DESTDIR)$(PREFIX)/libexec/harness/arm64/lib/ && \
		install -m 755 $(O)-arm64/bin/* $(DESTDIR)$(PREFIX)/libexec/harness/arm64/bin/; \
	fi

clean:
	rm -rf build build-asan build-werror-gcc build-werror-clang build-arm64 build-fuzz

distclean: clean
	rm -f config.mk config-arm64.mk

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# The long kernel-build tests (tests/kernel/): real arm64 kernel builds into a
# fresh build cache; about half an hour on 2 cores from a cold ccache.
check-kernel: all
	scripts/install-deps kernel
	@HARNESS_BUILD=$(O) tests/kernel/run

# Each workload's throughput against a plain reference loop (bench/ref.c),
# as ratios of interleaved pairs in one run, at the current sizes and at
# 4x the last-level cache, with their spread; it ends with the gates of
# docs/workloads.md (exit 1 when one fails).
$(O)/bench/ref: bench/ref.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PC_LIBS) -lpthread -lm

bench-workloads: all $(O)/bench/ref
	@HARNESS_BUILD=$(O) bench/workloads

# The arm64 build the qemu guest runs (harness as its init, every workload):
# $(O)-arm64 beside $(O), where the harness looks for it (docs/qemu.md).
guest-arm64: config-arm64.mk
	$(MAKE) CONFIG=config-arm64.mk O=$(O)-arm64 all

# The long qemu-target tests (tests/qemu/): sweeps/default.ini with its
# physical facts and a second run that builds nothing; 16k; a panic, a wrong
# console, a cut stream, a hang, a boot timeout, SIGINT; interleaved and
# grouped boots; the pps test series and pps-model (tests/qemu/test_60_pps.sh);
# the ssh target against an emulated lab machine (one QEMU with dropbear,
# kernels switched by kexec: tests/qemu/test_60_ssh.sh, about 5 minutes).
# Kernels (4k, 16k, 64k, pps with tests/kernel/pps-series) and the guest bundle come from the
# build cache (~/.cache/harness or $$HARNESS_CACHE): about 3 minutes when it
# is warm, plus the kernel builds when cold (7-14 min each on 2 cores; pps
# about 1 min after 4k: its series changes two .c files).
check-qemu: all
	scripts/install-deps qemu kernel ssh
	$(MAKE) guest-arm64
	@HARNESS_BUILD=$(O) HARNESS_GUEST_BUILD=$(O)-arm64 tests/qemu/run

# LAVA for real (tests/lava/): the exported jobs validated by lava_common's
# schema and run by lava-run (Debian's lava-dispatcher) on a qemu device,
# their logs ingested and compared with a direct qemu sweep of the same
# cells, then merged with a local and the qemu database. The 4k and 64k
# kernels come from the build cache, as for check-qemu.
check-lava: all
	scripts/install-deps lava qemu kernel
	$(MAKE) guest-arm64
	@HARNESS_BUILD=$(O) HARNESS_GUEST_BUILD=$(O)-arm64 sh tests/lava/test_lava.sh

bench-boot: all
	$(MAKE) guest-arm64
	@HARNESS_BUILD=$(O) HARNESS_GUEST_BUILD=$(O)-arm64 bench/boot
