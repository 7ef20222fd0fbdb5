#!/usr/bin/env bats
# OCI hooks cannot hang the runtime (issue 12):
# - The state was written with a blocking write() before the timeout began:
#   a hook that never reads its stdin, given a state larger than the pipe
#   buffer, hung the runtime whatever its timeout.
# - timeout * 1000 was computed in an int: 4294968 s wrapped to 704 ms.
# That SIGPIPE is no longer left ignored for the whole process after hooks
# is checked in tests/unit/test_hooks.c: the container's init resets every
# disposition before execve, so no container can observe it.

load ../integration/helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

teardown() {
  # a hook that outlived a broken runtime is this test's to stop
  local pid
  pid=$(cat "$TEST_DIR/hookpid" 2>/dev/null || true)
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  hutch_teardown
}

# add_hook KIND PATH ARGS_JSON [EXTRA JSON]
add_hook() {
  local kind=$1 path=$2 args=$3 extra=${4:-"{}"}
  bundle_set '.hooks[$k] += [{"path": $p, "args": $a} + $x]' \
    --arg k "$kind" --arg p "$path" --argjson a "$args" --argjson x "$extra"
}

@test "hooks: a hook that never reads a state larger than the pipe buffer times out" {
  # a 512 KiB annotation makes the state JSON far larger than 64 KiB
  head -c 524288 /dev/zero | tr '\0' a >"$TEST_DIR/big"
  bundle_set '.annotations.big = $b' --rawfile b "$TEST_DIR/big"
  add_hook prestart /bin/sh "$(jq -cn --arg f "$TEST_DIR/hookpid" '["sh", "-c", "echo $$ > \($f); exec sleep 1000"]')" \
    '{"timeout": 2}'
  local t0=$SECONDS
  run timeout -k 2 30 "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID"
  [ "$status" -ne 124 ] || fail "the runtime hung writing the state to the hook"
  assert_failure
  assert_output --partial "timed out after 2 s"
  [ $((SECONDS - t0)) -lt 15 ] || fail "run took $((SECONDS - t0))s with a 2s hook timeout"
}

@test "hooks: a timeout of 4294968 s does not wrap around to 704 ms" {
  add_hook prestart /bin/sh '["sh", "-c", "sleep 1.5"]' '{"timeout": 4294968}'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  add_hook poststart /bin/sh '["sh", "-c", "sleep 1.5"]' '{"timeout": 2147483647}'
  ID=$(new_id)
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
}
