#!/usr/bin/env bats
# hutch attach, and the detach keys of run -it and start -ai (issue 15):
# a client of the container's monitor; Ctrl-P Ctrl-Q (or --detach-keys)
# leaves the container running. Terminals come from tests/helpers/ptyrun.py.

load helpers

PTYRUN="python3 $HUTCH_SRC/tests/helpers/ptyrun.py"

@test "run -it: a shell, its exit code; Ctrl-P Ctrl-Q detaches and it keeps running" {
  run $PTYRUN 'wait:# ' 'send:echo in-$((6*7)); exit 3\r' -- "$HUTCH" run --rm -it testimg sh
  assert_failure 3
  assert_output --partial "in-42"
  run $PTYRUN 'wait:# ' 'send:\x10\x11' -- "$HUTCH" run -it --name d1 testimg sh
  assert_success
  run hutch inspect d1 -f '{{.State.Status}}'
  assert_output "running"
  # attach again: same shell, its exit code
  run $PTYRUN 'sleep:0.3' 'send:echo back-$((1+1)); exit 4\r' -- "$HUTCH" attach d1
  assert_failure 4
  assert_output --partial "back-2"
  # the monitor records the exit just after the client has it
  wait_inspect d1 '{{.State.Status}} {{.State.ExitCode}}' "exited 4"
}

@test "start -ai and --detach-keys; a broken sequence is typed after all" {
  hutch create -it --name d2 testimg sh -c 'read l; echo "$l" | od -An -tx1; exec sh' >/dev/null
  # ctrl-x then y is not ctrl-x,x: both reach the container; then ctrl-x x detaches
  run $PTYRUN 'sleep:0.5' 'send:a\x18y\r' 'wait:61 18 79' 'wait:# ' 'send:\x18x' -- "$HUTCH" start -ai --detach-keys ctrl-x,x d2
  assert_success
  assert_output --partial "61 18 79 0a"
  run hutch inspect d2 -f '{{.State.Status}}'
  assert_output "running"
  # with other keys, ctrl-p ctrl-q is just input: still attached until exit
  run $PTYRUN 'sleep:0.3' 'send:\x10\x11' 'sleep:0.3' 'send:\rexit 6\r' -- "$HUTCH" attach --detach-keys ctrl-x,x d2
  assert_failure 6
}

@test "attach to a non-tty container: stdout and stderr apart, --no-stdin, signals proxied" {
  hutch_bg run -d --name nt testimg sh -c 'trap "echo got-term; exit 7" TERM; i=0; while true; do echo out-$i; echo err-$i >&2; i=$((i+1)); sleep 0.2; done'
  "$HUTCH" attach --no-stdin nt >"$TEST_DIR/out" 2>"$TEST_DIR/err" </dev/null 3>&- &
  pid=$!
  for _ in $(seq 50); do grep -q out- "$TEST_DIR/out" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid" && rc=0 || rc=$?
  [ "$rc" -eq 7 ]
  grep -q "^out-" "$TEST_DIR/out"
  grep -q "^got-term" "$TEST_DIR/out"
  grep -q "^err-" "$TEST_DIR/err"
  ! grep -q "^err-" "$TEST_DIR/out"
  run hutch inspect nt -f '{{.State.ExitCode}}'
  assert_output "7"
}

@test "attach -i: stdin reaches a -di container; --sig-proxy=false keeps signals" {
  hutch_bg run -di --name cat1 testimg sh -c 'read line; echo "read:$line"'
  run bash -c "echo hello | timeout 20 '$HUTCH' attach cat1"
  assert_success
  assert_output "read:hello"
  hutch_bg run -d --name sp testimg sh -c 'trap "echo got-term" TERM; sleep 3; echo done'
  "$HUTCH" attach --sig-proxy=false sp >"$TEST_DIR/out" </dev/null 3>&- &
  pid=$!
  sleep 0.5
  kill -TERM "$pid" || true
  wait "$pid" || true
  run hutch inspect sp -f '{{.State.Status}}'
  assert_output "running"
}

@test "docker's refusals: stopped container, tty without a terminal, bad detach keys" {
  hutch create --name st testimg true >/dev/null
  run hutch attach st
  assert_failure 1
  assert_output "You cannot attach to a stopped container, start it first"
  hutch_bg run -dit --name tt testimg sh
  run bash -c "echo x | timeout 10 '$HUTCH' attach tt"
  assert_failure 1
  assert_output "the input device is not a TTY"
  hutch pause tt
  run hutch attach tt
  assert_failure 1
  assert_output "You cannot attach to a paused container, unpause it first"
  hutch unpause tt
  hutch create -it --name tt2 testimg sh >/dev/null
  run bash -c "echo x | timeout 10 '$HUTCH' start -ai tt2"
  assert_failure 1
  assert_output "the input device is not a TTY"
  run hutch inspect tt2 -f '{{.State.Status}}'
  assert_output "created"
  run $PTYRUN -- "$HUTCH" run -it --detach-keys ctrl-1 --name bk testimg sh
  assert_failure 125
  assert_output --partial "Invalid detach keys (ctrl-1) provided"
  run hutch attach nosuch
  assert_failure 1
  assert_output --partial "No such container: nosuch"
}

@test "exec -it: Ctrl-P Ctrl-Q detaches and the process keeps running; --detach-keys" {
  hutch_bg run -d --name ex testimg sleep 100
  run $PTYRUN 'wait:# ' 'send:\x10\x11' -- "$HUTCH" exec -it ex sh -c 'echo $$ > /tmp/pid; exec sh'
  assert_success
  sleep 0.3
  run hutch exec ex sh -c 'kill -0 $(cat /tmp/pid) && echo alive'
  assert_output "alive"
  run $PTYRUN 'wait:# ' 'send:\x10\x11' 'sleep:0.3' 'send:\rexit 9\r' -- "$HUTCH" exec -it --detach-keys ctrl-a ex sh
  assert_failure 9
  run $PTYRUN -- "$HUTCH" exec -it --detach-keys ctrl-1 ex sh
  assert_failure 1
  assert_output --partial "Invalid detach keys (ctrl-1) provided"
}

@test "attach: the whole stream from attach time, also to a reader slower than the container" {
  hutch_bg run -d --name slow testimg sh -c 'sleep 1; i=0; while [ $i -lt 20000 ]; do echo "line-$i-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; i=$((i+1)); done'
  # the reader takes nothing for 3 s: far more than a socket holds is waiting by then
  run bash -c "timeout 60 '$HUTCH' attach slow | (sleep 3; wc -lc)"
  assert_success
  read -r lines bytes <<<"$output"
  assert_equal "$lines" 20000
  assert_equal "$bytes" "$("$HUTCH" logs slow | wc -c)"
  # run -it: what the container wrote before the client attached comes too (past 16 KiB)
  run $PTYRUN -- "$HUTCH" run --rm -it testimg sh -c 'i=0; while [ $i -lt 3000 ]; do echo "tty-$i-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"; i=$((i+1)); done'
  assert_success
  assert_line --partial "tty-0-b"
  assert_line --partial "tty-2999-b"
  [ "$(echo "$output" | grep -c '^tty-')" -eq 3000 ]
}
