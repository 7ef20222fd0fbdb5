#!/usr/bin/env bats
# The Docker API socket is root on the host: whoever can write to it can
# run a privileged container with / bound in. `hutch system service` makes
# it as docker does: 0660, root's (or --group's), and never listens on
# TCP unless asked with tcp://. Here an unprivileged user (nobody) tries
# it; the directories on the way are opened up so that only the socket's
# own mode and owner stand in the way.

load ../integration/helpers

HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}

setup() {
  hutch_setup
  chmod 0755 "$TEST_DIR"
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
  mkdir -p "$HUTCH_RUN_ROOT"
  chmod 0755 "$HUTCH_RUN_ROOT"
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  hutch_teardown
}

# serve SOCK [ARGS...]: the service (its pid in PIDS), up once SOCK answers.
serve() {
  local sock=$1
  shift
  "$HUTCH" system service --time 0 "$@" </dev/null >"$TEST_DIR/service.log" 2>&1 3>&- &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$TEST_DIR/service.log" >&2
  return 1
}

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

@test "api socket: the default socket is 0660 root:root; nobody cannot connect, with curl or docker" {
  local sock=$HUTCH_RUN_ROOT/hutch.sock
  serve "$sock"
  run stat -c '%a %U %G' "$sock"
  assert_output "660 root root"
  # the way there is open: only the socket's mode stops nobody
  as_nobody test -x "$HUTCH_RUN_ROOT"
  run as_nobody /usr/bin/python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.strerror)' "$sock"
  assert_output "Permission denied"
  run as_nobody curl -sS --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"x","HostConfig":{"Privileged":true,"Binds":["/:/host"]}}' \
    http://d/containers/create
  assert_failure
  run as_nobody env DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$TEST_DIR/dc" docker ps
  assert_failure
  assert_output --partial "permission denied"
  # root can
  run curl -sS --unix-socket "$sock" http://d/_ping
  assert_output OK
}

@test "api socket: --group gives the socket to a group; its members connect, others do not" {
  local sock=$TEST_DIR/grp.sock
  serve "$sock" --group nogroup "unix://$sock"
  run stat -c '%a %U %G' "$sock"
  assert_output "660 root nogroup"
  run as_nobody curl -sS --unix-socket "$sock" http://d/_ping
  assert_success
  assert_output OK
  # a user outside the group still cannot
  run setpriv --reuid=nobody --regid=daemon --clear-groups curl -sS --unix-socket "$sock" \
    http://d/_ping
  assert_failure
  run "$HUTCH" system service --time 1 --group no-such-group "unix://$TEST_DIR/x.sock"
  assert_failure
  assert_output --partial "no such group 'no-such-group'"
  [ ! -e "$TEST_DIR/x.sock" ]
}

@test "api socket: no TCP listener unless a tcp:// URL asks for one" {
  local sock=$HUTCH_RUN_ROOT/hutch.sock pid
  serve "$sock"
  pid=${PIDS[0]}
  run ss -Hltnp
  refute_output --partial "pid=$pid,"
}
