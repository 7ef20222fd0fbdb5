#!/usr/bin/env bats
# Debian's docker CLI over `hutch system service`: the streaming and
# hijacked endpoints. The attach goes through the monitor's attach socket
# (stdin, a tty, resize, detach keys; a container that exits at once
# keeps its output), and /events streams the engine's journal.

load api

NAME_PREFIX=s

setup_file() { api_setup_file; }
teardown_file() { api_teardown_file; }
teardown() { api_teardown; }


@test "api attach: a --rm container that exits at once keeps its output and exit code, every time" {
  d pull -q "$IMAGE" >/dev/null
  for i in 1 2 3 4 5; do
    run drun --rm "$IMAGE" echo "quick-$i"
    assert_success
    assert_output "quick-$i"
  done
  drun --rm "$IMAGE" sh -c 'echo out; echo err >&2; exit 3' >"$BATS_TEST_TMPDIR/out" \
    2>"$BATS_TEST_TMPDIR/err" || echo $? >"$BATS_TEST_TMPDIR/rc"
  [ "$(cat "$BATS_TEST_TMPDIR/rc")" = 3 ]
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = out ]
  [ "$(cat "$BATS_TEST_TMPDIR/err")" = err ]
  run d ps -aq
  assert_output ""
}

@test "api attach: docker run -i takes stdin, and its end is the container's EOF" {
  d pull -q "$IMAGE" >/dev/null
  run sh -c "printf 'one\ntwo\n' | timeout -k 5 60 docker run --rm -i --network none $IMAGE sh -c 'cat; echo done-\$?'"
  assert_success
  assert_output $'one\ntwo\ndone-0'
  # more than a message of the attach socket holds, in order
  seq 1 20000 >"$BATS_TEST_TMPDIR/in"
  timeout -k 5 60 docker run --rm -i --network none "$IMAGE" wc -l <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/n"
  [ "$(tr -d ' ' <"$BATS_TEST_TMPDIR/n")" = 20000 ]
  # without -i stdin is not the container's
  run sh -c "echo ignored | timeout -k 5 60 docker run --rm --network none $IMAGE sh -c 'cat; echo empty'"
  assert_output "empty"
}

@test "api attach: docker run -it on a pty: a shell, the terminal size, the exit code" {
  d pull -q "$IMAGE" >/dev/null
  # the pty gets a size first: docker sends it with /resize once started
  run $PTYRUN 'wait:# ' 'send:stty size; echo in-$((6*7)); exit 3\r' -- \
    sh -c "stty rows 31 cols 97; exec docker run --rm -it --network none $IMAGE sh"
  assert_failure 3
  assert_output --partial "in-42"
  assert_line "31 97"
}

@test "api attach: ctrl-p ctrl-q detaches from docker run -it; docker attach comes back" {
  local n
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  # (the pause: docker's CLI makes its terminal raw meanwhile)
  run $PTYRUN 'wait:# ' 'sleep:0.5' 'send:\x10\x11' -- docker run -it --network none --name "$n" "$IMAGE" sh
  assert_success
  run d inspect -f '{{.State.Status}}' "$n"
  assert_output running
  run $PTYRUN 'sleep:0.5' 'send:echo back-$((1+1)); exit 4\r' -- docker attach "$n"
  assert_failure 4
  assert_output --partial "back-2"
  run d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n"
  assert_output "exited 4"
  # other keys: ctrl-p ctrl-q is input, ctrl-x x detaches
  d_bg start "$n" >/dev/null
  # (docker attach says so and exits 1 on a detach, as with dockerd)
  run $PTYRUN 'sleep:0.5' 'send:\x10\x11' 'sleep:0.3' 'send:\x18x' -- docker attach --detach-keys ctrl-x,x "$n"
  assert_output --partial "read escape sequence"
  run d inspect -f '{{.State.Status}}' "$n"
  assert_output running
}

@test "api attach: docker start -a of a created container, and a resize of a stopped one is refused" {
  local n
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  d create --network none --name "$n" "$IMAGE" sh -c 'echo started-once' >/dev/null
  run d start -a "$n"
  assert_success
  assert_output "started-once"
  run api "/v1.41/containers/$n/resize?h=10&w=20" -X POST
  assert_line --index 1 409
}

@test "api events: docker events --since/--until shows create, start, die, destroy of a run" {
  local n t0 t1
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  t0=$(date +%s)
  drun --rm --name "$n" "$IMAGE" true
  sleep 1
  t1=$(date +%s)
  run d events --since "$t0" --until "$t1" --filter "container=$n" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
  assert_success
  assert_line "container create $n"
  assert_line "container start $n"
  assert_line "container die $n"
  assert_line "container destroy $n"
  # a filter that matches nothing gives nothing
  run d events --since "$t0" --until "$t1" --filter "container=nosuch"
  assert_success
  assert_output ""
  run api "/v1.41/events?since=yesterday"
  assert_line --index 1 400
}

@test "api events: docker events follows new events, and other requests go on meanwhile" {
  local n pid
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  docker events --filter "container=$n" --format '{{.Action}}' >"$BATS_TEST_TMPDIR/ev" 2>&1 </dev/null 3>&- &
  pid=$!
  sleep 0.5
  # the stream holds a connection: the service still answers
  run d version --format '{{.Server.APIVersion}}'
  assert_output "1.41"
  drun --name "$n" "$IMAGE" true
  for _ in $(seq 50); do grep -q die "$BATS_TEST_TMPDIR/ev" && break; sleep 0.1; done
  kill "$pid"
  wait "$pid" || true
  run cat "$BATS_TEST_TMPDIR/ev"
  assert_line create
  assert_line start
  assert_line die
}

@test "api top: docker top lists the container's processes, with ps options too" {
  local n
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  d_bg run -d --network none --name "$n" "$IMAGE" sh -c 'sleep 300 & sleep 301 & wait' >/dev/null
  run d top "$n"
  assert_success
  assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY? +TIME +CMD$'
  assert_output --partial "sleep 300"
  assert_output --partial "sleep 301"
  # ps -e lists the host's processes: only the container's come back
  run d top "$n" -eo pid,comm
  assert_success
  [ "${#lines[@]}" -eq 4 ]
  refute_output --partial "hutch-monitor"
  run d stop -t 0 "$n"
  run d top "$n"
  assert_failure
  assert_output --partial "is not running"
}

@test "api stats: docker stats --no-stream shows the container's memory and pids as hutch stats does" {
  local n
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  d_bg run -d --network none --memory 64m --name "$n" "$IMAGE" sh -c 'sleep 300 & sleep 301 & wait' >/dev/null
  run d stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$n"
  assert_success
  assert_output --regexp "^$n [0-9.]+[KMG]?i?B / 64MiB 3$"
  run h stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$n"
  assert_output --regexp "/ 64MiB 3$"
  # the raw reply: docker's StatsJSON with precpu_stats filled
  run curl -sS --unix-socket "$API_SOCK" "http://d/v1.41/containers/$n/stats?stream=false"
  assert_success
  echo "$output" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["precpu_stats"]["system_cpu_usage"] > 0 and s["cpu_stats"]["system_cpu_usage"] > s["precpu_stats"]["system_cpu_usage"] and s["memory_stats"]["limit"] == 64*1024*1024 and s["pids_stats"]["current"] == 3, s'
  # streamed: a sample a second until the client goes
  run timeout 5 sh -c "curl -sS -N --unix-socket $API_SOCK http://d/v1.41/containers/$n/stats 2>/dev/null | head -2"
  assert_success
  [ "${#lines[@]}" -eq 2 ]
}
