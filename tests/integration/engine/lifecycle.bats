#!/usr/bin/env bats
# The container lifecycle as docker shows it: run -d, ps, logs, exec,
# stop (SIGTERM reaches the trap), ps -a, inspect, rm; --rm; restart
# policy; a killed monitor.

load helpers

@test "run -d --name, ps, logs, exec, stop -t 10, ps -a, inspect, rm" {
  run hutch_bg run -d --name web testimg sh -c 'trap "echo got TERM; exit 3" TERM; echo hello from web; while :; do sleep 0.1; done'
  assert_success
  id=$output
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]

  run hutch ps
  assert_success
  assert_output --partial "${id:0:12}"
  assert_output --partial "web"
  assert_output --partial "Up "

  wait_for_log web "hello from web"

  run hutch exec web sh -c 'echo in the container; exit 7'
  assert_equal "$status" 7
  assert_output "in the container"
  # exec joins the container's pid namespace: its init is pid 1
  run hutch exec web cat /proc/1/cmdline
  assert_output --partial "sh"

  start=$(date +%s%N)
  run hutch stop -t 10 web
  assert_success
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$elapsed_ms" -lt 5000 ]
  wait_for_log web "got TERM"

  run hutch ps
  refute_output --partial "web"
  run hutch ps -a
  assert_output --partial "web"
  assert_output --partial "Exited (3)"

  run hutch inspect web
  assert_success
  assert_equal "$(echo "$output" | jq -r '.[0].State.ExitCode')" 3
  assert_equal "$(echo "$output" | jq -r '.[0].State.Status')" exited
  assert_equal "$(echo "$output" | jq -r '.[0].State.Running')" false
  assert_equal "$(echo "$output" | jq -r '.[0].Name')" /web
  assert_equal "$(echo "$output" | jq -r '.[0].Id')" "$id"

  run hutch rm web
  assert_success
  run hutch ps -a -q
  assert_output ""
  run hutch inspect web
  assert_failure
  [ ! -d "$HUTCH_ROOT/containers/$id" ]
}

@test "names and id prefixes are accepted; a taken name is refused" {
  id=$(hutch_bg run -d --name pfx testimg sleep 30)
  run hutch inspect "${id:0:5}"
  assert_success
  assert_equal "$(echo "$output" | jq -r '.[0].Id')" "$id"
  run hutch_bg run -d --name pfx testimg true
  assert_equal "$status" 125
  assert_output --partial "already in use"
  run hutch rename pfx other
  assert_success
  run hutch kill -s KILL other
  assert_success
  run hutch wait other
  assert_output 137
}

@test "--rm leaves nothing in ps -a, attached and detached" {
  run hutch run --rm testimg hutch-helper true
  assert_success
  hutch_bg run -d --rm --name gone testimg sh -c 'sleep 0.2'
  for i in $(seq 50); do
    [ -z "$("$HUTCH" ps -aq)" ] && break
    sleep 0.1
  done
  run hutch ps -a -q
  assert_output ""
  run ls "$HUTCH_ROOT/containers"
  assert_output ""
}

@test "wait, restart and logs --tail and -t" {
  hutch_bg run -d --name w testimg sh -c 'echo one; echo two; echo three >&2; exit 5'
  run hutch wait w
  assert_output 5
  run hutch logs --tail 1 w
  assert_output "three"
  run hutch logs -t w
  assert_line --index 0 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z one$'
  run hutch start w
  assert_success
  run hutch wait w
  assert_output 5
  run hutch logs w
  assert_equal "$(echo "$output" | grep -c one)" 2
}

@test "--restart on-failure:2 restarts twice, then stays exited" {
  hutch_bg run -d --name rs --restart on-failure:2 testimg sh -c 'echo run; exit 1'
  for i in $(seq 100); do
    [ "$("$HUTCH" inspect rs | jq -r '.[0].RestartCount')" = 2 ] &&
      [ "$("$HUTCH" inspect rs | jq -r '.[0].State.Status')" = exited ] && break
    sleep 0.1
  done
  run hutch inspect rs
  assert_equal "$(echo "$output" | jq -r '.[0].RestartCount')" 2
  assert_equal "$(echo "$output" | jq -r '.[0].State.Status')" exited
  run hutch logs rs
  assert_equal "$(echo "$output" | grep -c run)" 3
}

@test "a container whose monitor and process were killed reads as exited" {
  id=$(hutch_bg run -d --name orphan testimg sleep 60)
  mon=$(sqlite3 "$HUTCH_ROOT/state.db" "SELECT monitor_pid FROM containers WHERE id='$id'")
  pid=$(sqlite3 "$HUTCH_ROOT/state.db" "SELECT pid FROM containers WHERE id='$id'")
  kill -9 "$mon" "$pid"
  sleep 0.3
  run hutch ps -a
  assert_output --partial "Exited"
  run hutch inspect orphan
  assert_equal "$(echo "$output" | jq -r '.[0].State.Running')" false
  run hutch rm orphan
  assert_success
}

@test "pause and unpause" {
  hutch_bg run -d --name p testimg sleep 60
  run hutch pause p
  assert_success
  assert_equal "$("$HUTCH" inspect p | jq -r '.[0].State.Status')" paused
  run hutch unpause p
  assert_success
  assert_equal "$("$HUTCH" inspect p | jq -r '.[0].State.Status')" running
}

@test "stop on a paused container thaws and stops it; unpause then says it is not paused" {
  hutch_bg run -d --network none --name sp testimg sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
  run hutch pause sp
  assert_success
  run hutch pause sp
  assert_failure
  assert_output --regexp "^hutch: Container [0-9a-f]{64} is already paused$"
  SECONDS=0
  run hutch stop -t 20 sp
  assert_success
  # the TERM reached it once thawed: no wait for the SIGKILL
  [ "$SECONDS" -lt 10 ]
  assert_equal "$("$HUTCH" inspect sp | jq -r '.[0].State.Status')" exited
  assert_equal "$("$HUTCH" inspect sp | jq -r '.[0].State.ExitCode')" 3
  run hutch unpause sp
  assert_failure
  assert_output --regexp "^hutch: Container [0-9a-f]{64} is not paused$"
  run hutch pause sp
  assert_output --regexp "^hutch: Container [0-9a-f]{64} is not running$"
}
