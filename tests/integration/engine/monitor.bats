#!/usr/bin/env bats
# The detached monitor: once the container runs it is the small static
# hutch-monitor (src/hutch-monitor), which writes the log and, at the
# exit, execs `hutch __monitor` back in the same process to record the
# exit, restart the container or remove it for --rm.

load helpers

# monitor_pid ID: the monitor's pid in the container's record
monitor_pid() {
  sqlite3 "$HUTCH_ROOT/state.db" "SELECT monitor_pid FROM containers WHERE id='$1'"
}

# wait_gone PID: until the process is gone (10 s)
wait_gone() {
  local i
  for i in $(seq 100); do
    [ -d "/proc/$1" ] || return 0
    sleep 0.1
  done
  echo "process $1 still there" >&2
  return 1
}

@test "run -d: the monitor is hutch-monitor, small and static, and it writes the log" {
  run hutch_bg run -d testimg sh -c 'echo out line; echo err line >&2; exec sleep 60'
  assert_success
  id=$output
  wait_for_log "$id" "err line"
  mp=$(monitor_pid "$id")
  [ "$mp" -gt 0 ]
  # (it runs from a sealed, detached read-only mount of that file)
  run stat -L -c %d:%i "/proc/$mp/exe"
  assert_output "$(stat -c %d:%i "$HUTCH_BUILD/src/hutch-monitor/hutch-monitor")"
  run readlink "/proc/$mp/exe"
  assert_output /
  # static (but for sanitizer builds): it maps no shared library, none of
  # the engine's dependencies stay
  if ! ldd "$HUTCH_BUILD/src/hutch-monitor/hutch-monitor" >/dev/null 2>&1; then
    run grep -c '\.so' "/proc/$mp/maps"
    assert_output 0
  fi
  # the container's init is its child
  pid=$(hutch inspect -f '{{.State.Pid}}' "$id")
  run awk '/^PPid:/ {print $2}' "/proc/$pid/status"
  assert_output "$mp"
  log=$HUTCH_ROOT/containers/$id/$id-json.log
  run jq -r '"\(.stream) \(.log)"' "$log"
  assert_line --index 0 "stdout out line"
  assert_line --index 1 "stderr err line"
  run jq -r .time "$log"
  assert_line --index 0 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$'

  run hutch stop -t 1 "$id"
  assert_success
  wait_gone "$mp"
  run hutch inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id"
  assert_output "exited 137"
  run hutch inspect -f '{{.State.FinishedAt}}' "$id"
  refute_output --partial "0001-01-01"
}

@test "the exit goes back through hutch in the same process: exit code, restarts, --rm" {
  run hutch_bg run -d --restart on-failure:2 testimg sh -c 'echo run; sleep 0.3; exit 3'
  assert_success
  id=$output
  mp=$(monitor_pid "$id")
  wait_gone "$mp"
  run hutch inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' "$id"
  assert_output "2 exited 3"
  # three runs, one monitor process for all of them
  [ "$(monitor_pid "$id")" = "$mp" ]
  run hutch logs "$id"
  assert_output "$(printf 'run\nrun\nrun')"

  run hutch_bg run -d --rm testimg sh -c 'exit 0'
  assert_success
  id=$output
  mp=$(monitor_pid "$id" 2>/dev/null || true)
  for i in $(seq 100); do
    [ -d "$HUTCH_ROOT/containers/$id" ] || break
    sleep 0.1
  done
  [ ! -d "$HUTCH_ROOT/containers/$id" ]
}

@test "run -dt: the pty is held and logged by hutch-monitor" {
  run hutch_bg run -d -t testimg sh -c 'echo on the tty; tty; exec sleep 60'
  assert_success
  id=$output
  wait_for_log "$id" "/dev/pts/"
  run jq -r .stream "$HUTCH_ROOT/containers/$id/$id-json.log"
  assert_line --index 0 stdout
  mp=$(monitor_pid "$id")
  run stat -L -c %d:%i "/proc/$mp/exe"
  assert_output "$(stat -c %d:%i "$HUTCH_BUILD/src/hutch-monitor/hutch-monitor")"
  run hutch rm -f "$id"
  assert_success
  wait_gone "$mp"
}

@test "run -di: stdin stays open (the write end is held by hutch-monitor)" {
  run hutch_bg run -d -i testimg sh -c 'read line; echo read returned'
  assert_success
  id=$output
  sleep 1
  run hutch inspect -f '{{.State.Status}}' "$id"
  assert_output running
  run hutch rm -f "$id"
  assert_success
}

@test "without hutch-monitor the monitor stays in hutch and works as before" {
  HUTCH_MONITOR=/nonexistent/hutch-monitor run hutch_bg run -d testimg sh -c 'echo fallback; exec sleep 60'
  assert_success
  id=$output
  wait_for_log "$id" fallback
  mp=$(monitor_pid "$id")
  run stat -L -c %d:%i "/proc/$mp/exe"
  assert_output "$(stat -L -c %d:%i "$HUTCH")"
  run grep -F "monitoring in this process" "$HUTCH_ROOT/containers/$id/monitor.log"
  assert_success
  run hutch stop -t 1 "$id"
  assert_success
  run hutch inspect -f '{{.State.ExitCode}}' "$id"
  assert_output 137
}
