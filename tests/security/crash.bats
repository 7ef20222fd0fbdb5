#!/usr/bin/env bats
# Kill -9 at any moment leaves nothing that `delete -f` cannot clean
# (issue 12): hutch-runtime `run -d` is SIGKILLed after a growing delay
# (0 to ~40 ms, across clone, cgroup creation, the child's setup and
# start), then `delete -f` must remove every cgroup dir (all v1
# hierarchies and the unified one), the state dir and every process of
# the container. Before the state dir named the cgroup before making it,
# about half of the early kills left cgroups behind with no state.

load ../integration/helpers

# Everything this test may leave on the host is named with this prefix.
crash_prefix() { echo "crash-${BATS_TEST_NUMBER}-$$"; }

# Cgroup dirs named for any container of this test, in every hierarchy.
crash_cgroups() {
  find /sys/fs/cgroup -mindepth 1 -type d -name "$(crash_prefix)-*" 2>/dev/null
}

# Processes whose command line names a container of this test: the
# runtime's child before execve still has the runtime's argv (with the
# id), the container's init has the marker in its argv.
crash_pids() {
  pgrep -f -- "$(crash_prefix)-" 2>/dev/null || true
}

setup() { hutch_setup; }

teardown() {
  hutch_teardown
  # Whatever the runtime failed to clean, the test cleans: kill, then
  # remove the cgroups deepest first, so the host is left as it was.
  local p d
  for p in $(crash_pids); do kill -9 "$p" 2>/dev/null; done
  for d in $(crash_cgroups | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-); do
    rmdir "$d" 2>/dev/null
  done
}

# pid_dead PID: gone or a zombie (its reaper is not us) within 5 s.
pid_dead() {
  local i
  for i in $(seq 50); do
    [ -e "/proc/$1" ] || return 0
    [ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  echo "pid $1 still alive" >&2
  return 1
}

# After a kill: nothing of the container may remain once delete -f is done.
assert_nothing_left() {
  local id=$1 left
  [ ! -e "$STATE/$id" ] || { echo "state dir of $id left" >&2; return 1; }
  left=$(find /sys/fs/cgroup -mindepth 1 -type d -name "$id" 2>/dev/null)
  [ -z "$left" ] || { echo "cgroups of $id left: $left" >&2; return 1; }
  left=$(pgrep -f -- "$id" || true)
  [ -z "$left" ] || { echo "processes of $id left: $left" >&2; return 1; }
}

@test "runtime: SIGKILL of run -d at any point, then delete -f leaves nothing" {
  make_bundle sh -c 'exec sleep 3600' crash-marker
  # a resource limit makes the runtime write cgroup files too
  bundle_set '.linux.resources.pids.limit = 100'
  local i id pid delay out made=0 deadline=$((SECONDS + 120))
  for i in $(seq 0 19); do
    [ "$SECONDS" -lt "$deadline" ] || { echo "time bound reached at try $i" >&2; return 1; }
    id="$(crash_prefix)-$i"
    # The marker in init's argv lets crash_pids find the container too.
    bundle_set '.process.args[3] = $m' --arg m "$id"
    # 0, 2, 4 ... 38 ms: from before the state dir to after start
    delay=$(printf '0.%03d' $((i * 2)))
    "$RUNTIME" --root "$STATE" run -d -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&- &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # whatever the kill left, list shows it (state dir present → listed)
    if [ -d "$STATE/$id" ]; then
      made=$((made + 1))
      runtime list -q | grep -qx -- "$id" || { echo "$id has a state dir but is not listed" >&2; return 1; }
    fi
    run runtime delete -f "$id"
    if [ "$status" -ne 0 ]; then
      # only acceptable when the kill came before anything was made
      assert_output --partial "does not exist"
      [ -z "$(crash_cgroups | grep -- "/$id\$" || true)" ]
    fi
    assert_nothing_left "$id"
  done
  # the delays must have reached the window where something was made
  [ "$made" -gt 0 ]
}

@test "runtime: delete -f copes with a state that names a missing cgroup and a reused pid" {
  make_bundle sh -c 'exec sleep 3600'
  local id
  id="$(crash_prefix)-reuse"
  runtime_bg "$TEST_DIR/c" create -b "$BUNDLE" "$id"
  local pid
  pid=$(state_field "$id" pid)
  # a reused pid: the record's start time no longer matches its process
  jq '.pid_start_time = 1' "$STATE/$id/state.json" >"$TEST_DIR/s" && cp "$TEST_DIR/s" "$STATE/$id/state.json"
  # and one hierarchy lost the cgroup already
  local one
  one=$(find /sys/fs/cgroup/pids -type d -name "$id" | head -1)
  [ -n "$one" ]
  # the init must not be in that dir for rmdir to work: move it out first
  echo "$pid" >/sys/fs/cgroup/pids/cgroup.procs
  rmdir "$one"
  run runtime delete -f "$id"
  assert_success
  assert_nothing_left "$id"
  # the init was in the container's other cgroups: delete -f killed it
  # through them, not through the (untrusted) pid
  pid_dead "$pid"
}

@test "runtime: delete -f of a state dir with no state.json, or only a 'creating' record" {
  make_bundle true
  local id
  id="$(crash_prefix)-empty"
  mkdir -p "$STATE/$id"
  run runtime list -q
  assert_line "$id"
  run runtime delete -f "$id"
  assert_success
  [ ! -e "$STATE/$id" ]
  # a creating record written before the cgroup (pid 0): the cgroup it
  # names is removed, in every hierarchy where it exists
  id="$(crash_prefix)-creating"
  mkdir -p "$STATE/$id"
  printf '{"id":"%s","pid":0,"creating":true,"cgroup_path":"/hutch/%s"}' "$id" "$id" >"$STATE/$id/state.json"
  mkdir /sys/fs/cgroup/pids/hutch/"$id" /sys/fs/cgroup/memory/hutch/"$id" 2>/dev/null ||
    mkdir -p /sys/fs/cgroup/pids/hutch/"$id" /sys/fs/cgroup/memory/hutch/"$id"
  run runtime state "$id"
  assert_success
  assert_output --partial '"status": "stopped"'
  run runtime delete -f "$id"
  assert_success
  assert_nothing_left "$id"
}
