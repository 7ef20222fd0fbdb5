#!/usr/bin/env bats
# OCI hooks: run at the right points, get the container state on stdin,
# honour env and timeout, and a failing hook fails the container cleanly.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

# add_hook KIND SCRIPT [EXTRA JSON]: append a /bin/sh -c SCRIPT hook to hooks.KIND.
add_hook() {
  local kind=$1 script=$2 extra=${3:-"{}"}
  bundle_set '.hooks[$k] += [{"path": "/bin/sh", "args": ["sh", "-c", $s]} + $x]' \
    --arg k "$kind" --arg s "$script" --argjson x "$extra"
}

@test "prestart and poststop hooks get the container state on stdin" {
  add_hook prestart "cat > $TEST_DIR/prestart.json"
  add_hook poststop "cat > $TEST_DIR/poststop.json"
  run runtime run -b "$BUNDLE" "$ID"
  assert_success

  run jq -r '[.ociVersion != null, .id, .bundle, (.pid > 0)] | map(tostring) | join(" ")' \
    "$TEST_DIR/prestart.json"
  assert_success
  assert_output "true $ID $BUNDLE true"

  run jq -r '[.id, .bundle, .status] | join(" ")' "$TEST_DIR/poststop.json"
  assert_success
  assert_output "$ID $BUNDLE stopped"
}

@test "the prestart hook sees the container's pid while it exists" {
  add_hook prestart "jq -r .pid > $TEST_DIR/pid; kill -0 \$(cat $TEST_DIR/pid) && echo alive > $TEST_DIR/alive"
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(cat "$TEST_DIR/alive")" alive
}

@test "hooks run in order: prestart, createRuntime, createContainer, poststart, poststop" {
  local kind
  for kind in poststop poststart createContainer createRuntime prestart; do
    add_hook "$kind" "echo $kind >> $TEST_DIR/order"
  done
  set_args /bin/hutch-helper sleep 0.5
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  run cat "$TEST_DIR/order"
  assert_output "prestart
createRuntime
createContainer
poststart
poststop"
}

@test "hook env and args apply" {
  bundle_set '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo \"$0 $HOOK_VAR\" > \($f)", "arg0"], "env": ["HOOK_VAR=hooked"]}]' \
    --arg f "$TEST_DIR/env"
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(cat "$TEST_DIR/env")" "arg0 hooked"
}

@test "a failing prestart hook fails run and leaves nothing behind" {
  add_hook prestart "exit 7"
  set_args /bin/hutch-helper write /dev/shm/ran yes
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  refute_line "ok"
  assert_gone "$ID"
}

@test "a prestart hook that outlives its timeout fails create and leaves nothing behind" {
  add_hook prestart "exec sleep 30" '{"timeout": 1}'
  local t0=$SECONDS
  run runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID"
  assert_failure
  [ $((SECONDS - t0)) -lt 20 ] || fail "create took $((SECONDS - t0))s with a 1s hook timeout"
  assert_gone "$ID"
}

@test "a failing poststop hook does not keep delete from removing the container" {
  add_hook poststop "exit 3"
  set_args /bin/hutch-helper sleep 100
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime delete -f "$ID"
  assert_gone "$ID"
}

@test "a hook without env inherits the runtime's environment" {
  add_hook prestart "echo \"\$HOOK_INHERITED\" > $TEST_DIR/env"
  HOOK_INHERITED=from-runtime run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(cat "$TEST_DIR/env")" "from-runtime"
}

@test "the state on each hook's stdin has the status of its point in the lifecycle" {
  local kind lib
  for kind in prestart createRuntime createContainer poststart poststop; do
    add_hook "$kind" "echo $kind \$(jq -r .status) >> $TEST_DIR/status"
  done
  # startContainer runs in the container, after pivot_root: give it jq.
  bundle_set ".root.readonly = false"
  add_hook startContainer "echo startContainer \$(jq -r .status) > /hookstatus"
  cp "$(command -v jq)" "$BUNDLE/rootfs/bin/jq"
  for lib in $(ldd "$(command -v jq)" | grep -o '/[^ ]*'); do
    mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
    cp "$lib" "$BUNDLE/rootfs$lib"
  done
  set_args /bin/hutch-helper true
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  run cat "$TEST_DIR/status"
  assert_output "prestart creating
createRuntime creating
createContainer creating
poststart running
poststop stopped"
  run cat "$BUNDLE/rootfs/hookstatus"
  assert_output "startContainer created"
}

@test "a failing poststart hook warns; the other poststart hooks run and so does the process" {
  add_hook poststart "exit 3"
  add_hook poststart "echo second > $TEST_DIR/second"
  set_args /bin/hutch-helper exit 6
  run runtime run -b "$BUNDLE" "$ID"
  assert_equal "$status" 6
  assert_equal "$(cat "$TEST_DIR/second")" second
}

@test "a failing poststop hook warns; the other poststop hooks run" {
  add_hook poststop "exit 3"
  add_hook poststop "echo second > $TEST_DIR/second"
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(cat "$TEST_DIR/second")" second
  assert_gone "$ID"
}
