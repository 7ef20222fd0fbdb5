#!/usr/bin/env bats
# A killed client does not break a container's state: the monitor, not the
# CLI, owns the container (issue 15). An attached `run` keeps its monitor
# in a session of its own, so SIGKILL to the client's whole process group
# (what `timeout -s KILL` sends) leaves it to record the exit and to apply
# --rm.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# wait_status NAME STATUS: until State.Status is STATUS
wait_status() { wait_inspect "$1" '{{.State.Status}}' "$2"; }

@test "a killed attached run still records the exit code and FinishedAt" {
  # not bats' run: the monitor keeps its stdout open until the container exits
  local st=0
  timeout -s KILL 1 "$HUTCH" run --name k --network none testimg sh -c 'sleep 3; exit 5' \
    >"$TEST_DIR/out" 2>&1 </dev/null 3>&- || st=$?
  assert_equal "$st" 137
  assert_equal "$("$HUTCH" inspect k | jq -r '.[0].State.Status')" running
  wait_status k exited
  run "$HUTCH" inspect k
  assert_equal "$(echo "$output" | jq -r '.[0].State.ExitCode')" 5
  refute_output --partial '"FinishedAt": "0001-01-01'
  run hutch ps -a
  assert_output --regexp "Exited \(5\) [0-9]+ seconds? ago|Exited \(5\) Less than a second ago"
}

@test "a killed attached run --rm still removes the container when it exits" {
  local st=0
  timeout -s KILL 1 "$HUTCH" run --rm --name krm --network none testimg sh -c 'sleep 3' \
    >"$TEST_DIR/out" 2>&1 </dev/null 3>&- || st=$?
  assert_equal "$st" 137
  run hutch inspect krm
  assert_success
  local i
  for i in $(seq 100); do
    "$HUTCH" inspect krm >/dev/null 2>&1 || break
    sleep 0.1
  done
  run hutch inspect krm
  assert_failure
  assert_output --partial "No such object: krm"
}

@test "a killed client's container keeps logging" {
  timeout -s KILL 1 "$HUTCH" run --name kl --network none testimg sh -c 'sleep 1.5; echo after' \
    >"$TEST_DIR/out" 2>&1 </dev/null 3>&- || true
  wait_status kl exited
  run hutch logs kl
  assert_output after
}

@test "an attached run still gives the exit status, its output and signals" {
  run hutch run --rm --network none testimg sh -c 'echo out; echo err >&2; exit 7'
  assert_equal "$status" 7
  assert_output --partial out
  assert_output --partial err
  run -127 hutch run --rm --network none testimg nosuchcmd
  # a TERM to the client reaches the container through the monitor
  "$HUTCH" run --rm --name sig --network none testimg \
    sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done' >"$TEST_DIR/out" 2>&1 </dev/null 3>&- &
  local cli=$! st=0
  wait_status sig running
  kill -TERM "$cli"
  wait "$cli" || st=$?
  assert_equal "$st" 9
}
