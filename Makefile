# apsim: thin wrapper around Meson + Ninja (make demo | check | bench | fuzz | install).
BUILD       ?= build
BENCH_BUILD ?= build-bench
FUZZ_BUILD  ?= build-fuzz
TSAN_BUILD  ?= build-tsan
FUZZ_SECONDS ?= 30

.PHONY: all deps demo check bench fuzz tsan install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@sh scripts/install-deps.sh

# The default build runs everything under AddressSanitizer and UndefinedBehaviorSanitizer.
$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true

demo: all
	@sh scripts/demo.sh $(BUILD)

check: all
	@sh scripts/s390-tools.sh $(BUILD) >/dev/null || echo "check: s390-tools 2.16 unavailable, their tests will skip"
	@sh scripts/s390-tools.sh $(BUILD) 2.35 >/dev/null || echo "check: s390-tools 2.35 unavailable, their tests will skip"
	@sh scripts/libvirt.sh || echo "check: libvirt unavailable, its tests will skip"
	@sh scripts/chromium.sh || echo "check: chromium unavailable, the live page test will skip"
	@ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD) --print-errorlogs --num-processes 2; rc=$$?; \
		sh scripts/test-summary.sh $(BUILD); exit $$rc

bench: | deps
	[ -f $(BENCH_BUILD)/build.ninja ] || meson setup $(BENCH_BUILD) --buildtype=release -Dtests=false
	ninja -C $(BENCH_BUILD)
	@sh scripts/bench.sh $(BENCH_BUILD)

fuzz: | deps
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ_BUILD)
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The daemon and its stress test under ThreadSanitizer.
tsan: | deps
	[ -f $(TSAN_BUILD)/build.ninja ] || CC=clang meson setup $(TSAN_BUILD) -Db_sanitize=thread -Db_lundef=false
	ninja -C $(TSAN_BUILD)
	TSAN_OPTIONS=halt_on_error=1 meson test -C $(TSAN_BUILD) --suite t --print-errorlogs

# PREFIX (default /usr/local) and DESTDIR (staged installs) as usual.
PREFIX ?= /usr/local
install: | deps
	[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=false --prefix=$(PREFIX)
	ninja -C build-release
	meson install -C build-release $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf $(BUILD) $(BENCH_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD) build-release
