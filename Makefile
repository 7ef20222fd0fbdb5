# Thin front door; the real build is meson (see meson.build).
BUILD ?= build
PREFIX ?= /usr/local
MESON_OPTS ?=

.PHONY: all deps build demo check unit integration bench install format sanitize clean

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

bench:
	@./tests/fixtures/deps.sh bench
	@$(MAKE) --no-print-directory build
	@./bench/run.sh $(BUILD)

install: build
	install -D -m 0755 $(BUILD)/hutch $(DESTDIR)$(PREFIX)/bin/hutch
	install -D -m 0755 $(BUILD)/hutch-runtime $(DESTDIR)$(PREFIX)/bin/hutch-runtime

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan
