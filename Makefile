# Thin front door; the real build is meson (see meson.build).
BUILD ?= build
PREFIX ?= /usr/local
MESON_OPTS ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build demo check unit integration bench install format format-check sanitize fuzz clean

all: build

deps:
	@./tests/fixtures/deps.sh build

$(BUILD)/build.ninja:
	@command -v meson >/dev/null && command -v ninja >/dev/null || ./tests/fixtures/deps.sh build
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo:
	@./tests/fixtures/deps.sh build
	@$(MAKE) --no-print-directory build
	@./tests/fixtures/demo.sh $(BUILD)

check:
	@./tests/fixtures/deps.sh test
	@$(MAKE) --no-print-directory build
	@./tests/run.sh $(BUILD)

unit: build
	@./tests/run.sh $(BUILD) unit

integration: build
	@./tests/run.sh $(BUILD) integration

sanitize:
	@./tests/fixtures/deps.sh build
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dstatic_helper=false 2>/dev/null || true
	ninja -C build-asan
	@./tests/run.sh build-asan unit

# libFuzzer targets (tests/fuzz), FUZZ_SECONDS each; needs clang
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)" >&2; exit 1; }
	test -f build-fuzz/build.ninja || CC=clang meson setup build-fuzz -Dfuzz=true \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dstatic_helper=false
	ninja -C build-fuzz $$(ninja -C build-fuzz -t targets all | grep -oE '^tests/fuzz/fuzz_[a-z_]+' | sort -u)
	@./tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench:
	@./tests/fixtures/deps.sh bench
	@$(MAKE) --no-print-directory build
	@./bench/run.sh $(BUILD)

install: build
	install -D -m 0755 $(BUILD)/hutch $(DESTDIR)$(PREFIX)/bin/hutch
	install -D -m 0755 $(BUILD)/hutch-runtime $(DESTDIR)$(PREFIX)/bin/hutch-runtime
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(BUILD)/docs/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 $(BUILD)/docs/hutch.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hutch
	install -D -m 0644 $(BUILD)/docs/_hutch $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_hutch
	install -D -m 0644 $(BUILD)/docs/hutch.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/hutch.fish

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# Fails (and names each file and line) when any C file is not formatted.
format-check:
	@./tests/fixtures/deps.sh test
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan build-fuzz
