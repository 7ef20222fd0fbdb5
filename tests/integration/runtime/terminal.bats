#!/usr/bin/env bats
# process.terminal with --console-socket (the pty master goes to the socket,
# received here by hutch-recvtty), and which fds cross into the container.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  RECVTTY=$HUTCH_BUILD/tests/helpers/hutch-recvtty
  SOCK=$TEST_DIR/console.sock
}

teardown() {
  [ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
  hutch_teardown
}

# start_recvtty: hutch-recvtty on $SOCK, writing what it gets to $TEST_DIR/tty.
start_recvtty() {
  "$RECVTTY" "$SOCK" >"$TEST_DIR/tty" 2>"$TEST_DIR/recvtty.err" 3>&- &
  RECV_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$SOCK" ] && return 0
    sleep 0.05
  done
  fail "hutch-recvtty did not listen: $(cat "$TEST_DIR/recvtty.err")"
}

# tty_output: sets $output to what the container wrote to its terminal,
# once recvtty is done, with the pty's \r\n turned into \n.  (Not under
# `run`: recvtty is a child of this shell, not of run's subshell.)
tty_output() {
  wait "$RECV_PID" || fail "hutch-recvtty failed: $(cat "$TEST_DIR/recvtty.err")"
  RECV_PID=
  output=$(tr -d '\r' <"$TEST_DIR/tty")
}

@test "terminal: run -d --console-socket gives the process a pty on 0, 1 and 2" {
  bundle_set '.process.terminal = true'
  set_args /bin/sh -c 'hutch-helper isatty 0; hutch-helper isatty 1; hutch-helper isatty 2; test -c /dev/console && echo console'
  start_recvtty
  # As with runc, a console socket goes with -d (or create).
  runtime_bg "$TEST_DIR/run" run -d --console-socket "$SOCK" -b "$BUNDLE" "$ID" ||
    fail "run -d: $(cat "$TEST_DIR/run.err")"
  tty_output
  assert_output "1
1
1
console"
  wait_status "$ID" stopped
}

@test "terminal: a foreground run without a console socket proxies a pty and returns the status" {
  bundle_set '.process.terminal = true'
  set_args /bin/sh -c 'hutch-helper isatty 1; exit 5'
  # Like runc, the runtime needs a terminal of its own here: script gives it one.
  run script -qec "$(printf '%q ' "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID")" /dev/null </dev/null
  assert_equal "$status" 5
  # script may echo a ^@ for the end of its stdin before the output.
  assert_regex "$(tr -d '\r' <<<"$output")" '(^|[^0-9])1$'
}

@test "terminal: create --console-socket, then start, writes to the pty" {
  bundle_set '.process.terminal = true'
  set_args /bin/hutch-helper hostname
  bundle_set '.hostname = "tty-box"'
  start_recvtty
  runtime_bg "$TEST_DIR/create" create --console-socket "$SOCK" -b "$BUNDLE" "$ID" ||
    fail "create: $(cat "$TEST_DIR/create.err")"
  run runtime start "$ID"
  assert_success
  tty_output
  assert_output "tty-box"
  assert_equal "$(cat "$TEST_DIR/create.out")" ""
}

@test "terminal: without process.terminal, stdio are not ttys" {
  run_helper isatty 1
  assert_success
  assert_output "0"
}

@test "fds: nothing but 0, 1 and 2 crosses into the container" {
  exec 7<"$BUNDLE/config.json"
  run_helper fds
  exec 7<&-
  assert_success
  assert_output ""
}

@test "fds: --preserve-fds 1 passes fd 3 through" {
  echo "passed in" >"$TEST_DIR/fd3"
  set_args /bin/hutch-helper cat /proc/self/fd/3
  run runtime run --preserve-fds 1 -b "$BUNDLE" "$ID" 3<"$TEST_DIR/fd3"
  assert_success
  assert_output "passed in"
}

@test "terminal: a foreground run clears ONLCR on its pty, so a newline stays one byte (as runc)" {
  bundle_set '.process.terminal = true'
  set_args /bin/sh -c 'echo hello'
  # The runtime's stdout is a pipe, so nothing but the container's pty
  # could turn \n into \r\n.
  run script -qec "$(printf '%q ' "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID") | od -An -c" /dev/null </dev/null
  assert_success
  assert_regex "$output" 'h +e +l +l +o +\\n'
}
