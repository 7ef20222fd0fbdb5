# Common setup for every bats suite: load it with `load ../helpers` (from a
# suite in tests/integration/<area>/).
#
# Each test gets its own temp dir ($TEST_DIR) and its own runtime state dir
# ($STATE, passed as --root; tests never touch the default /run/hutch).
# Teardown force-deletes every container left in $STATE, then fails the test
# if anything of $TEST_DIR is still mounted on the host.
#
# The runtime under test is $RUNTIME (default $HUTCH_RUNTIME, i.e. the
# build's hutch-runtime); RUNTIME=runc runs the same suites against runc.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH_RUNTIME=${HUTCH_RUNTIME:-$HUTCH_BUILD/hutch-runtime}
HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}
RUNTIME=${RUNTIME:-$HUTCH_RUNTIME}
# Upper bound for any one runtime command, so a hang fails one test instead
# of stalling the whole run.
HUTCH_CMD_TIMEOUT=${HUTCH_CMD_TIMEOUT:-60}

# The runtime's name, for the rare assertion that depends on it.
runtime_name() { basename "$RUNTIME"; }

hutch_setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-it.XXXXXX")
  STATE=$TEST_DIR/state
  BUNDLE=$TEST_DIR/bundle
  mkdir -p "$STATE"
}

hutch_teardown() {
  [ -z "${LISTENER_PID:-}" ] || kill "$LISTENER_PID" 2>/dev/null
  [ -n "${TEST_DIR:-}" ] && [ -d "$TEST_DIR" ] || return 0
  local id pid ids leaked=""
  ids=$( { runtime list -q 2>/dev/null; ls -1 "$STATE" 2>/dev/null; } | sort -u)
  for id in $ids; do
    pid=$(runtime state "$id" 2>/dev/null | jq -r '.pid // 0' 2>/dev/null || echo 0)
    if ! runtime delete -f "$id" >/dev/null 2>&1; then
      echo "# teardown: delete -f $id failed" >&3
      # The container's init is ours; do not leave it running.
      [ "${pid:-0}" -gt 0 ] 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
  done
  if grep -qF "$TEST_DIR" /proc/self/mountinfo; then
    leaked=$(grep -F "$TEST_DIR" /proc/self/mountinfo | awk '{print $5}')
    # Unmount so that removing the dir cannot reach into a host directory.
    for m in $(echo "$leaked" | sort -r); do umount -l "$m" 2>/dev/null; done
  fi
  rm -rf --one-file-system "$TEST_DIR"
  if [ -n "$leaked" ]; then
    echo "mounts of the test's paths left on the host:" >&2
    echo "$leaked" >&2
    return 1
  fi
}

setup() { hutch_setup; }
teardown() { hutch_teardown; }

# runtime ARGS...: the runtime under test with this test's state dir.
runtime() {
  timeout -k 5 "$HUTCH_CMD_TIMEOUT" "$RUNTIME" --root "$STATE" "$@"
}

# runtime_bg OUT ARGS...: a runtime command whose container outlives it
# (create, run -d).  The container inherits stdio, so it goes to files
# (OUT.out, OUT.err) and bats' fd 3 is closed; otherwise bats would wait
# for the container before finishing the test.  Returns the runtime's
# status; the runtime's own messages are in OUT.err.
runtime_bg() {
  local out=$1
  shift
  runtime "$@" </dev/null >"$out.out" 2>"$out.err" 3>&-
}

# new_id: a container id unique to this test run.
new_id() { echo "it-${BATS_TEST_NUMBER}-$$-$RANDOM"; }

# make_bundle [ARGS...]: $BUNDLE with a busybox+hutch-helper rootfs and a
# config.json from `$RUNTIME spec`, running ARGS (default: hutch-helper true).
make_bundle() {
  RUNTIME=$RUNTIME "$HUTCH_SRC/tests/fixtures/mkbundle.sh" "$BUNDLE" "$HUTCH_BUILD" -- "$@"
}

# bundle_set FILTER [JQ ARGS...]: edit $BUNDLE/config.json with jq, e.g.
#   bundle_set '.hostname = $h' --arg h box
bundle_set() {
  local filter=$1
  shift
  jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
    mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# json_array ARGS...: the arguments as a JSON array of strings.  One raw
# string per argument: jq 1.6 would parse "-c" after --args as its own option.
json_array() {
  local a
  for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .
}

# set_args ARGS...: process.args of the bundle.
set_args() {
  bundle_set '.process.args = $a' --argjson a "$(json_array "$@")"
}

# state_field ID FIELD: one field of `state ID` (jq path without the dot).
state_field() {
  runtime state "$1" | jq -r ".$2"
}

# wait_status ID STATUS [SECONDS]: poll `state` until it reports STATUS.
wait_status() {
  local id=$1 want=$2 limit=${3:-10} i got=""
  for ((i = 0; i < limit * 20; i++)); do
    got=$(runtime state "$id" 2>/dev/null | jq -r .status 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 0.05
  done
  echo "container $id: status '$got' after ${limit}s, want '$want'" >&2
  return 1
}

# wait_signal_handler PID SIGNO [SECONDS]: wait until PID has a handler for
# SIGNO (its bit in SigCgt), i.e. hutch-helper trap is ready.
wait_signal_handler() {
  local pid=$1 sig=$2 limit=${3:-10} i mask
  for ((i = 0; i < limit * 20; i++)); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    if [ -n "$mask" ] && (((0x$mask >> (sig - 1)) & 1)); then
      return 0
    fi
    sleep 0.05
  done
  echo "pid $pid: no handler for signal $sig after ${limit}s" >&2
  return 1
}

# wait_file FILE [SECONDS]: poll until FILE exists and is not empty.
wait_file() {
  local f=$1 limit=${2:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    [ -s "$f" ] && return 0
    sleep 0.05
  done
  echo "$f: still missing or empty after ${limit}s" >&2
  return 1
}

# assert_no_cgroup ID: no cgroup directory named ID under any hierarchy.
assert_no_cgroup() {
  local found
  found=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$1" 2>/dev/null)
  if [ -n "$found" ]; then
    echo "cgroups of $1 left behind:" >&2
    echo "$found" >&2
    return 1
  fi
}

# assert_gone ID: the runtime knows nothing of ID and left nothing behind:
# `state` fails, no state dir, no cgroup, nothing of $TEST_DIR mounted.
assert_gone() {
  local id=$1
  run runtime state "$id"
  assert_failure
  [ ! -e "$STATE/$id" ] || {
    echo "state dir $STATE/$id left behind" >&2
    return 1
  }
  assert_no_cgroup "$id"
  if grep -F "$TEST_DIR" /proc/self/mountinfo >&2; then
    echo "mounts of $TEST_DIR left behind (above)" >&2
    return 1
  fi
}

# start_seccomp_listener SOCK MSG: a seccomp agent on the unix socket SOCK
# (linux.seccomp.listenerPath) in the background (LISTENER_PID, killed by
# hutch_teardown). It writes the first message it gets to MSG (renamed
# into place) and closes the notify fds it came with, so the notified
# syscalls fail with ENOSYS.
start_seccomp_listener() {
  command -v python3 >/dev/null || fail "python3 is needed for the listener"
  cat >"$TEST_DIR/listener.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
open(out + ".ready", "w").write("1")
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 65536, 4)
with open(out + ".tmp", "w") as f:
    f.write(msg.decode())
os.rename(out + ".tmp", out)
for fd in fds:
    os.close(fd)
EOF
  python3 "$TEST_DIR/listener.py" "$1" "$2" </dev/null >/dev/null 2>&1 3>&- &
  LISTENER_PID=$!
  wait_file "$2.ready"
}

# kill_and_delete ID: SIGKILL the container, wait until it is stopped,
# delete it, and check that nothing of it is left.
kill_and_delete() {
  run runtime kill "$1" KILL
  assert_success
  wait_status "$1" stopped
  run runtime delete "$1"
  assert_success
  assert_gone "$1"
}

# run_helper ARGS...: `run` (bats) the bundle as container $ID with
# process.args = hutch-helper ARGS; $status and $output are the runtime's.
run_helper() {
  set_args /bin/hutch-helper "$@"
  run runtime run -b "$BUNDLE" "$ID"
}

# start_detached ARGS...: run the bundle detached as $ID with process.args
# ARGS, and wait until it is running.
start_detached() {
  set_args "$@"
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_status "$ID" running
}
