# Helpers for the image suites: a private image store per test
# ($HUTCH_ROOT), and one local registry per file from
# tests/fixtures/registry.sh (started in setup_file, stopped in
# teardown_file, by pid).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}
FIXTURES=$HUTCH_SRC/tests/fixtures

# shellcheck source=../../fixtures/registry.sh
source "$FIXTURES/registry.sh"
# shellcheck source=../../fixtures/layered.sh
source "$FIXTURES/layered.sh"
# The fixture's strict mode is for its own commands: drop its -u and
# pipefail, but keep -e: bats fails a test through it, and with set +e a
# failed assertion went unnoticed and every test passed.
set +u +o pipefail

image_registry_up() {
  export REG_DIR
  REG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-reg.XXXXXX")
  export REG
  REG=$(registry_start "$REG_DIR")
  registry_build "$REG_DIR"
}

image_registry_down() {
  [ -n "${REG_DIR:-}" ] || return 0
  registry_stop "$REG_DIR"
  rm -rf "$REG_DIR"
}

image_setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-img.XXXXXX")
  export HUTCH_ROOT=$TEST_DIR/store
}

image_teardown() {
  rm -rf "$TEST_DIR"
}

hutch() {
  timeout 120 "$HUTCH" "$@"
}

# The unpacked layer directories of an image, lowest first, one a line.
layer_dirs() {
  "$HUTCH" image inspect "$1" | jq -r '.[0].GraphDriver.Data.LowerDir' | tr ':' '\n' | tac
}

# The n-th (from 1, lowest first) layer directory of an image.
layer_dir() {
  layer_dirs "$1" | sed -n "${2}p"
}

is_whiteout() {
  [ -c "$1" ] && [ "$(stat -c '%t:%T' "$1")" = "0:0" ]
}
