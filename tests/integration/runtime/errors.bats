#!/usr/bin/env bats
# Failures: a malformed config.json or a missing executable makes create/run
# exit non-zero with a message that names what is wrong, and leaves nothing
# behind: no state dir, no mount, no cgroup.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

# fails_cleanly VERB PATTERN: `VERB` (run or create) of the bundle fails,
# its message contains PATTERN, and nothing of the container remains.
fails_cleanly() {
  local verb=$1 pattern=$2
  run runtime_bg "$TEST_DIR/$verb" "$verb" -b "$BUNDLE" "$ID"
  local out
  out=$(cat "$TEST_DIR/$verb.out" "$TEST_DIR/$verb.err")
  [ "$status" -ne 0 ] || fail "$verb succeeded; output: $out"
  [[ "$out" == *"$pattern"* ]] || fail "$verb: message does not name '$pattern': $out"
  assert_gone "$ID"
  [ -z "$(ls -A "$STATE")" ] || fail "left in --root: $(ls -A "$STATE")"
}

@test "run: invalid JSON in config.json" {
  echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
  fails_cleanly run config.json
}

@test "create: invalid JSON in config.json" {
  echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
  fails_cleanly create config.json
}

@test "run: missing config.json" {
  rm "$BUNDLE/config.json"
  fails_cleanly run config.json
}

@test "run: process.user.uid of the wrong type" {
  bundle_set '.process.user.uid = "zero"'
  fails_cleanly run process.user.uid
}

@test "create: process.user.uid of the wrong type" {
  bundle_set '.process.user.uid = "zero"'
  fails_cleanly create process.user.uid
}

@test "run: process.args missing" {
  bundle_set 'del(.process.args)'
  fails_cleanly run process.args
}

@test "run: process.args empty" {
  bundle_set '.process.args = []'
  fails_cleanly run process.args
}

@test "run: the executable does not exist in the rootfs" {
  set_args /bin/no-such-program
  fails_cleanly run /bin/no-such-program
}

@test "create: the executable does not exist in the rootfs" {
  set_args /bin/no-such-program
  fails_cleanly create /bin/no-such-program
}

@test "run: the executable is not executable" {
  chmod 0644 "$BUNDLE/rootfs/bin/hutch-helper"
  fails_cleanly run /bin/hutch-helper
}

@test "run: the rootfs does not exist" {
  bundle_set '.root.path = "no-such-rootfs"'
  fails_cleanly run no-such-rootfs
}

@test "run: a mount source that does not exist" {
  bundle_set '.mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind"]}]' \
    --arg s "$TEST_DIR/no-such-dir"
  fails_cleanly run "$TEST_DIR/no-such-dir"
}
