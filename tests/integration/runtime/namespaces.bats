#!/usr/bin/env bats
# Namespaces and per-process settings from the spec that the other suites do
# not reach: joining another container's namespaces by path (as nsenter
# does), a user namespace with id maps, the time namespace with offsets,
# sysctl, domainname and oomScoreAdj.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

# start_sleeper: a second container from its own bundle, running sleep;
# sets PEER and PEER_PID.
start_sleeper() {
  PEER=$(new_id)-peer
  local b=$TEST_DIR/peer
  mkdir -p "$b"
  cp -a "$BUNDLE/rootfs" "$b/rootfs"
  jq '.process.args = ["/bin/hutch-helper", "sleep", "300"]' "$BUNDLE/config.json" >"$b/config.json"
  runtime_bg "$TEST_DIR/peer" run -d -b "$b" "$PEER" || fail "run -d: $(cat "$TEST_DIR/peer.err")"
  PEER_PID=$(state_field "$PEER" pid)
  [ "$PEER_PID" -gt 0 ] || fail "peer is not running: $(runtime state "$PEER")"
}

@test "joining another container's pid, network, ipc and uts namespaces by path" {
  start_sleeper
  bundle_set '.linux.namespaces = [
      {"type": "mount"},
      {"type": "pid", "path": "/proc/\($p)/ns/pid"},
      {"type": "network", "path": "/proc/\($p)/ns/net"},
      {"type": "ipc", "path": "/proc/\($p)/ns/ipc"},
      {"type": "uts", "path": "/proc/\($p)/ns/uts"}]
    | del(.hostname)' --arg p "$PEER_PID"
  for ns in pid net ipc uts; do
    run_helper ns "$ns"
    assert_success
    assert_output "$(readlink "/proc/$PEER_PID/ns/$ns")"
  done
  # In the peer's pid namespace this process is not its init.
  run_helper pid
  assert_success
  refute_output 1
  # The runtime went back to its own pid namespace: a later container of
  # its own gets a fresh one again.
  bundle_set '.linux.namespaces = [{"type": "mount"}, {"type": "pid"}]'
  run_helper pid
  assert_output 1
}

@test "a namespace path of the wrong type is refused before anything is made" {
  bundle_set '.linux.namespaces = [{"type": "mount"}, {"type": "network", "path": "/proc/self/ns/uts"}]'
  set_args /bin/hutch-helper true
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "is not a network namespace"
  assert_gone "$ID"
}

@test "a user namespace: uid and gid maps apply, the process is root inside and 100000 outside" {
  chmod 755 "$TEST_DIR" "$BUNDLE"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  run_helper cat /proc/self/uid_map
  assert_success
  assert_output --regexp '^ +0 +100000 +65536$'
  run_helper id
  assert_success
  assert_output --partial "uid=0 gid=0"
}

@test "a time namespace with offsets moves the container's boottime clock" {
  bundle_set '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0},
                            "monotonic": {"secs": 86400, "nanosecs": 0}}'
  run_helper cat /proc/uptime
  assert_success
  local up=${output%%.*}
  [ "$up" -ge 864000 ] || fail "uptime $up is not offset by 864000 s"
}

@test "sysctl, domainname and oomScoreAdj apply" {
  bundle_set '.linux.sysctl = {"kernel.shmmax": "123456789", "net.ipv4.ip_forward": "1"}
    | .domainname = "example.test" | .process.oomScoreAdj = 500'
  run_helper cat /proc/sys/kernel/shmmax
  assert_output 123456789
  run_helper cat /proc/sys/net/ipv4/ip_forward
  assert_output 1
  run_helper domainname
  assert_output example.test
  run_helper cat /proc/self/oom_score_adj
  assert_output 500
}

@test "a sysctl outside the container's namespaces is refused" {
  bundle_set '.linux.sysctl = {"kernel.panic": "1"}'
  set_args /bin/hutch-helper true
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial '"kernel.panic" is not namespaced'
  assert_gone "$ID"
}

# userns_peer: start_sleeper with a user namespace of its own (ids 100000+).
userns_peer() {
  chmod 755 "$TEST_DIR" "$BUNDLE"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  start_sleeper
  chmod 755 "$TEST_DIR/peer"
  bundle_set '.linux.namespaces |= map(select(.type != "user")) + [{type: "user", path: $u}]
    | del(.linux.uidMappings, .linux.gidMappings)' --arg u "/proc/$PEER_PID/ns/user"
}

@test "a new pid namespace next to a joined user namespace: owned by it, the init is pid 1 there" {
  userns_peer
  # Its /proc mounts (the pid namespace is the joined user namespace's),
  # and the init is pid 1 of it.
  set_args /bin/sh -c 'echo "pid=$$"; hutch-helper ns user; hutch-helper ns pid; ls /proc/1/ns >/dev/null && echo proc-ok'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line --index 0 "pid=1"
  assert_line --index 1 "$(readlink "/proc/$PEER_PID/ns/user")"
  refute_line "$(readlink "/proc/$PEER_PID/ns/pid")"
  refute_line "$(readlink /proc/self/ns/pid)"
  assert_line "proc-ok"
  # The new pid namespace belongs to the joined user namespace.
  assert_gone "$ID"
}

@test "joined user namespace + new pid namespace, detached: state names the init, exec and kill reach it" {
  userns_peer
  start_detached /bin/hutch-helper sleep 300
  local pid
  pid=$(state_field "$ID" pid)
  run grep NSpid "/proc/$pid/status"
  assert_output --regexp "^NSpid:[[:space:]]+$pid[[:space:]]+1$"
  assert_equal "$(readlink "/proc/$pid/ns/user")" "$(readlink "/proc/$PEER_PID/ns/user")"
  run runtime exec "$ID" /bin/hutch-helper pid
  assert_success
  assert_output "2"
  kill_and_delete "$ID"
}

@test "joined user namespace + new pid namespace: a seccomp listener's state names the init" {
  userns_peer
  start_seccomp_listener "$TEST_DIR/l.sock" "$TEST_DIR/msg"
  bundle_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$TEST_DIR/l.sock"
  start_detached /bin/hutch-helper sleep 300
  wait_file "$TEST_DIR/msg"
  local pid
  pid=$(state_field "$ID" pid)
  assert_equal "$(jq -r .pid "$TEST_DIR/msg")" "$pid"
  assert_equal "$(jq -r .state.pid "$TEST_DIR/msg")" "$pid"
}
