#!/usr/bin/env bats
# The README tour runs as written (issue 15, "Also"): the ```sh tour blocks
# of README.md, in order, in one bash with set -e, from the top of the
# checkout, so the test fails when the README drifts from what hutch does.
# The test gives the tour a private engine (HUTCH_ROOT, HUTCH_RUN_ROOT),
# test-only default bridge, subnet and nft table, and TMPDIR, so the
# tour's scratch directory (mktemp -d) and its registry are this test's
# to clean up; the commands themselves are the README's.

load helpers

setup_file() { :; }
teardown_file() { :; }

setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-tour.XXXXXX")
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-t$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.192.$(($$ % 250)).0/24
  export HUTCH_NET_TABLE=hutch_t$$
  mkdir -p "$TEST_DIR/tmp"
  # the tour's runtime part uses hutch-runtime's default root and id "demo"
  if "$HUTCH_BUILD/hutch-runtime" state demo >/dev/null 2>&1; then
    echo "a container named demo exists in /run/hutch: the tour would clash with it" >&2
    return 1
  fi
}

teardown() {
  local f id m
  "$HUTCH_BUILD/hutch-runtime" delete --force demo >/dev/null 2>&1 || true
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    "$HUTCH" rm -f "$id" >/dev/null 2>&1 || echo "# teardown: rm -f $id failed" >&3
  done
  for f in "$TEST_DIR"/tmp/*/registry/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  ip link del "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null || true
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null || true
  for f in "$HUTCH_RUN_ROOT"/netns/*; do
    [ -e "$f" ] && umount -l "$f" 2>/dev/null
  done
  for m in $(grep -F "$TEST_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  rm -rf --one-file-system "$TEST_DIR"
}

# The tour: the lines of every ```sh tour block, in order.
tour_script() {
  awk '/^```sh tour$/ {on=1; next} /^```$/ {on=0} on' "$HUTCH_SRC/README.md"
}

@test "README: the tour blocks exist and name no path outside the checkout" {
  run tour_script
  assert_success
  [ "$(echo "$output" | wc -l)" -gt 20 ]
  assert_output --partial "hutch-runtime run demo"
  assert_output --partial "hutch pull"
  # no link or path that a clone does not have
  run grep -nE '\.\./shared|/work/|DESIGN\.md' "$HUTCH_SRC/README.md" "$HUTCH_SRC"/docs/*.md \
    "$HUTCH_SRC/bench/README.md"
  assert_failure 1
}

@test "README: the tour runs as written, in order" {
  tour_script >"$TEST_DIR/tour.sh"
  cd "$HUTCH_SRC"
  run env TMPDIR="$TEST_DIR/tmp" timeout -k 5 600 bash -e -o pipefail -x "$TEST_DIR/tour.sh"
  echo "$output" | tail -40
  assert_success
  assert_line "hello from the box"
  assert_line "hello"
  # the tour cleaned up after itself: its scratch directory and containers are gone
  [ -z "$(ls -A "$TEST_DIR/tmp")" ]
  run "$HUTCH" ps -aq
  assert_output ""
}
