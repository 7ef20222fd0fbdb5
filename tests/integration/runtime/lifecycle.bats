#!/usr/bin/env bats
# The OCI lifecycle: create -> created (with a pid) -> start -> running ->
# kill -> stopped -> delete -> gone; list, kill by name and number, delete -f.

load ../helpers

setup() {
  hutch_setup
  make_bundle /bin/hutch-helper sleep 100
  ID=$(new_id)
}

# list_status ID: ID's status in `list --format json` (empty if not listed).
list_status() {
  runtime list --format json | jq -r --arg id "$1" '(. // [])[] | select(.id == $id) | .status'
}

@test "create, start, kill, delete walk through created, running, stopped, gone" {
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"

  run runtime state "$ID"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" created
  assert_equal "$(jq -r .id <<<"$output")" "$ID"
  assert_equal "$(jq -r .bundle <<<"$output")" "$BUNDLE"
  jq -e '.ociVersion | type == "string"' <<<"$output" >/dev/null
  local pid
  pid=$(jq -r .pid <<<"$output")
  assert_regex "$pid" '^[1-9][0-9]*$'
  kill -0 "$pid"

  run runtime list -q
  assert_success
  assert_line "$ID"
  assert_equal "$(list_status "$ID")" created

  run runtime start "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  assert_equal "$(state_field "$ID" pid)" "$pid"
  assert_equal "$(list_status "$ID")" running

  run runtime kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  assert_equal "$(list_status "$ID")" stopped
  run runtime list -q
  assert_line "$ID"

  run runtime delete "$ID"
  assert_success
  assert_gone "$ID"
  run runtime list -q
  assert_success
  ! grep -qxF "$ID" <<<"$output" || fail "$ID still listed"
  assert_equal "$(list_status "$ID")" ""
}

@test "the created container has not exec'd the process yet; start does" {
  bundle_set '.process.args = ["/bin/hutch-helper", "write", "/dev/shm/started", "yes"]'
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  local pid
  pid=$(state_field "$ID" pid)
  # The init waits for start: its command line is not hutch-helper yet.
  run tr '\0' ' ' <"/proc/$pid/cmdline"
  refute_output --partial "hutch-helper"
  run runtime start "$ID"
  assert_success
  wait_status "$ID" stopped
  assert_equal "$(cat "$TEST_DIR/create.out")" ok
}

@test "state of an unknown container fails with a message" {
  run runtime state no-such-container
  assert_failure
  assert_output --partial "no-such-container"
}

@test "create refuses an id that already exists" {
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  run runtime_bg "$TEST_DIR/create2" create -b "$BUNDLE" "$ID"
  assert_failure
  assert_equal "$(state_field "$ID" status)" created
}

@test "delete of a running container without -f fails and leaves it running" {
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime delete "$ID"
  assert_failure
  assert_equal "$(state_field "$ID" status)" running
}

@test "delete -f kills and removes a running container" {
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  local pid
  pid=$(state_field "$ID" pid)
  kill -0 "$pid"
  run runtime delete -f "$ID"
  assert_success
  assert_gone "$ID"
  # The process is gone too (reaped by the runtime or its parent).
  local i
  for ((i = 0; i < 100; i++)); do
    [ -d "/proc/$pid" ] && [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" != Z ] ||
      break
    sleep 0.05
  done
  [ ! -d "/proc/$pid" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status")" = Z ] ||
    fail "pid $pid still running after delete -f"
}

@test "delete -f of a created (never started) container" {
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  run runtime delete -f "$ID"
  assert_success
  assert_gone "$ID"
}

# kill_with SIG...: run hutch-helper trap USR1 detached, wait for its handler,
# send `kill ID SIG`, and check the process saw SIGUSR1 and exited.
kill_with() {
  set_args /bin/hutch-helper trap USR1
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_signal_handler "$(state_field "$ID" pid)" 10
  run runtime kill "$ID" "$@"
  assert_success
  wait_status "$ID" stopped
  assert_equal "$(cat "$TEST_DIR/run.out")" "got SIGUSR1"
}

@test "kill ID USR1 (name without SIG) delivers SIGUSR1" {
  kill_with USR1
}

@test "kill ID SIGUSR1 (full name) delivers SIGUSR1" {
  kill_with SIGUSR1
}

@test "kill ID 10 (number) delivers SIGUSR1" {
  kill_with 10
}

@test "kill ID without a signal sends SIGTERM" {
  set_args /bin/hutch-helper trap-term
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_signal_handler "$(state_field "$ID" pid)" 15
  run runtime kill "$ID"
  assert_success
  wait_status "$ID" stopped
  assert_equal "$(cat "$TEST_DIR/run.out")" "got SIGTERM"
}

@test "kill with an unknown signal fails and the container keeps running" {
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime kill "$ID" NOSUCHSIG
  assert_failure
  assert_equal "$(state_field "$ID" status)" running
}

@test "kill of a stopped container fails" {
  set_args /bin/hutch-helper true
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_status "$ID" stopped
  run runtime kill "$ID" KILL
  assert_failure
}

@test "containers created concurrently are all listed and all deleted" {
  local i ids=() pids=()
  for i in 1 2 3 4; do
    ids+=("$ID-$i")
    runtime_bg "$TEST_DIR/create$i" create -b "$BUNDLE" "$ID-$i" &
    pids+=($!)
  done
  for i in 0 1 2 3; do
    wait "${pids[$i]}" || fail "create ${ids[$i]}: $(cat "$TEST_DIR/create$((i + 1)).err")"
  done
  run runtime list -q
  assert_success
  for i in 0 1 2 3; do
    assert_line "${ids[$i]}"
    assert_equal "$(state_field "${ids[$i]}" status)" created
  done
  pids=()
  for i in 0 1 2 3; do
    runtime delete -f "${ids[$i]}" &
    pids+=($!)
  done
  for i in 0 1 2 3; do
    wait "${pids[$i]}" || fail "delete -f ${ids[$i]} failed"
  done
  for i in 0 1 2 3; do
    assert_gone "${ids[$i]}"
  done
  run runtime list -q
  assert_output ""
}

@test "a runtime killed mid-run leaves a state that delete -f cleans completely" {
  runtime run -b "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/run.out" 2>&1 3>&- &
  local runpid=$!
  wait_status "$ID" running
  # SIGKILL the runtime process itself (below the subshell and timeout), as
  # a crash would: found by walking our own children, killed by pid.
  local pid=$runpid next rtpid=""
  while [ -z "$rtpid" ] && next=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) && [ -n "$next" ]; do
    pid=${next%% *}
    # (same file, not same name: hutch-runtime runs from a sealed mount)
    [ "$(stat -L -c %d:%i "/proc/$pid/exe")" = "$(stat -L -c %d:%i "$(command -v "$RUNTIME")")" ] && rtpid=$pid
  done
  [ -n "$rtpid" ] || fail "runtime process not found below $runpid"
  kill -KILL "$rtpid"
  wait "$runpid" 2>/dev/null || true
  # Whatever state the crash left, delete -f removes all of it.
  run runtime delete -f "$ID"
  assert_success
  assert_gone "$ID"
}
