#!/usr/bin/env bats
# hutch as an ordinary user (issue 17): state under the XDG directories, a
# user namespace mapped by newuidmap/newgidmap from the user's subordinate
# ranges, the busybox image unpacked as the user, overlay inside the user
# namespace, --network none and host, no cgroup, and the engine lifecycle.

load helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }
setup() { :; }
teardown() { :; }

@test "run --rm busybox id: root inside, the user's uid and range outside" {
  run rhutch run --rm --network none busybox id
  assert_success
  assert_output --partial "uid=0(root) gid=0(root)"
  run rhutch run --rm --network none busybox cat /proc/self/uid_map /proc/self/gid_map
  assert_success
  # 0 -> the user, 1.. -> the subordinate range
  [ "$(echo "$output" | awk 'NR==1 {print $1, $2, $3}')" = "0 $RL_UID 1" ]
  [ "$(echo "$output" | awk 'NR==2 {print $1, $2, $3}')" = "1 $RL_RANGE_START 65536" ]
  [ "$(echo "$output" | awk 'NR==3 {print $1, $2, $3}')" = "0 $RL_GID 1" ]
}

@test "state lives under the user's XDG directories, not root's" {
  run rhutch run --rm --network none busybox true
  assert_success
  [ -f "$RL_HOME/.local/share/hutch/state.db" ]
  [ -d "$RL_HOME/.local/share/hutch/layers/sha256" ]
  [ -d "$RL_XDG/hutch/engine" ]
  [ -f "$RL_XDG/hutch/pause.pid" ]
  # the pause process is the user's, holding the user namespace
  pid=$(cat "$RL_XDG/hutch/pause.pid")
  [ "$(ps -o uid= -p "$pid" | tr -d ' ')" = "$RL_UID" ]
  [ "$(cat /proc/"$pid"/comm)" = hutch-pause ]
  # nothing of it is owned by root
  [ -z "$(find "$RL_HOME/.local/share/hutch" -maxdepth 1 -user root)" ]
}

@test "XDG_DATA_HOME and HUTCH_ROOT choose the store" {
  run as_user XDG_DATA_HOME="$RL_HOME/xdg" "$RL_BIN/hutch" images -q
  assert_success
  [ -d "$RL_HOME/xdg/hutch/blobs" ]
  run as_user HUTCH_ROOT="$RL_HOME/alt" "$RL_BIN/hutch" images -q
  assert_success
  [ -d "$RL_HOME/alt/blobs" ]
}

@test "layer files and files a container makes are owned by ids of the user's range" {
  run rhutch run --name owners --network none -u 1000:1000 busybox sh -c 'touch /tmp/f && id -u && ls -ln /tmp/f'
  assert_success
  assert_line --index 0 "1000"
  # outside: container uid 1000 is range start + 999
  f=$(find "$RL_HOME/.local/share/hutch/containers" -path '*/upper/tmp/f' | head -1)
  [ -n "$f" ]
  [ "$(stat -c %u:%g "$f")" = "$((RL_RANGE_START + 999)):$((RL_RANGE_START + 999))" ]
  # layer files owned by root inside are the user's outside
  [ "$(stat -c %u "$(find "$RL_HOME/.local/share/hutch/layers" -path '*/bin/busybox' | head -1)")" = "$RL_UID" ]
  run rhutch rm owners
  assert_success
}

@test "engine lifecycle: run -d, ps, logs, exec, inspect, stop, rm" {
  run rhutch run -d --name life --network none busybox sh -c 'echo hello-rootless; exec sleep 300'
  assert_success
  run rhutch ps --format '{{.Names}} {{.Status}}'
  assert_success
  assert_output --partial "life Up"
  for _ in $(seq 50); do
    rhutch logs life | grep -q hello-rootless && break
    sleep 0.1
  done
  run rhutch logs life
  assert_output "hello-rootless"
  run rhutch exec life sh -c 'echo in-$((6*7)); id -u'
  assert_success
  assert_line --index 0 "in-42"
  assert_line --index 1 "0"
  run rhutch inspect -f '{{.State.Status}}' life
  assert_output "running"
  run rhutch stop -t 1 life
  assert_success
  run rhutch inspect -f '{{.State.Status}}' life
  assert_output "exited"
  run rhutch rm life
  assert_success
  run rhutch ps -a --format '{{.Names}}'
  refute_output --partial life
  # rm took the container's dir (files of subordinate owners included)
  [ -z "$(ls "$RL_HOME/.local/share/hutch/containers")" ]
}

@test "--network host sees the host's interfaces; none only lo" {
  run rhutch run --rm --network host busybox ls /sys/class/net
  assert_success
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "$(ls /sys/class/net | sort | tr '\n' ' ')" ]
  run rhutch run --rm --network none busybox ls /sys/class/net
  assert_success
  assert_output "lo"
}

@test "no XDG_RUNTIME_DIR: an error that says what to set" {
  run timeout 30 runuser -u "$RL_USER" -- env -i HOME="$RL_HOME" "$RL_BIN/hutch" ps
  assert_failure
  assert_output --partial "XDG_RUNTIME_DIR is not set"
}

@test "hutch-runtime: default --root under XDG_RUNTIME_DIR, an error without it" {
  run as_user "$RL_BIN/hutch-runtime" list
  assert_success
  run timeout 30 runuser -u "$RL_USER" -- env -i HOME="$RL_HOME" "$RL_BIN/hutch-runtime" list
  assert_failure
  assert_output --partial "XDG_RUNTIME_DIR is not set"
}
