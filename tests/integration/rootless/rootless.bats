#!/usr/bin/env bats
# hutch as an ordinary user (issue 17): state under the XDG directories, a
# user namespace mapped by newuidmap/newgidmap from the user's subordinate
# ranges, the busybox image unpacked as the user, overlay inside the user
# namespace, --network none and host, no cgroup, and the engine lifecycle.

load helpers

setup_file() {
  rootless_setup_file
  rootless_tun_open
}
teardown_file() { rootless_teardown_file; }
setup() { :; }
teardown() { rootless_net_teardown; }

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

@test "--network slirp4netns: tap0 with slirp4netns' address and route, gone after the container" {
  run rhutch run --rm --network slirp4netns busybox sh -c 'ip -4 addr show tap0; ip route'
  assert_success
  assert_output --partial "inet 10.0.2.100/24"
  assert_output --partial "default via 10.0.2.2"
  # --rm: the monitor stopped slirp4netns with the container
  for _ in $(seq 30); do [ -z "$(slirp_procs)" ] && break; sleep 0.1; done
  [ -z "$(slirp_procs)" ]
}

@test "--network slirp4netns: a TCP server on the host's 127.0.0.1 through the gateway" {
  rootless_host_server
  run rhutch run --rm --network slirp4netns busybox wget -q -O - "http://10.0.2.2:$SRV_PORT/marker"
  assert_success
  assert_output "from-the-host-$$"
}

@test "--network slirp4netns -p 127.0.0.1:PORT:80 reaches httpd in the container; stop and rm end slirp4netns" {
  port=$((20000 + RANDOM % 20000))
  run rhutch run -d --name web --network slirp4netns -p "127.0.0.1:$port:80" busybox \
    sh -c 'mkdir -p /www && echo hello-published > /www/index.html && exec httpd -f -p 80 -h /www'
  assert_success
  [ -n "$(slirp_procs)" ]
  wait_published "$port" hello-published
  run rhutch stop -t 1 web
  assert_success
  for _ in $(seq 30); do [ -z "$(slirp_procs)" ] && break; sleep 0.1; done
  [ -z "$(slirp_procs)" ]
  # started again: a new slirp4netns with the port published again
  run rhutch start web
  assert_success
  wait_published "$port" hello-published
  run rhutch rm -f web
  assert_success
  for _ in $(seq 30); do [ -z "$(slirp_procs)" ] && break; sleep 0.1; done
  [ -z "$(slirp_procs)" ]
  run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
  assert_failure
}

@test "--network slirp4netns without access to /dev/net/tun: an error that says what to fix" {
  chmod 600 /dev/net/tun
  run rhutch run --rm --network slirp4netns busybox true
  chmod 666 /dev/net/tun
  assert_failure
  assert_output --partial "/dev/net/tun"
  assert_output --partial "Permission denied"
  [ "$(echo "$output" | wc -l)" = 1 ]
  [ -z "$(slirp_procs)" ]
}

@test "cgroup v1: --memory, --cpus, --pids-limit warn once and run without limits" {
  [ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "cgroup v2 host"
  run rhutch run --rm --network none --memory 64m --cpus 0.5 --pids-limit 100 busybox echo ran-ok
  assert_success
  assert_line "ran-ok"
  [ "$(echo "$output" | grep -c 'WARNING: Resource limits are not supported and ignored on cgroups V1 rootless systems')" = 1 ]
  # no flag, no warning
  run rhutch run --rm --network none busybox echo ran-ok
  assert_success
  assert_output "ran-ok"
}

@test "cgroup v1: stats and pause say why they can't" {
  [ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "cgroup v2 host"
  run rhutch run -d --name nocg --network none busybox sleep 300
  assert_success
  run rhutch stats --no-stream nocg
  assert_failure
  assert_output --partial "rootless"
  assert_output --partial "cgroup"
  [ "$(echo "$output" | wc -l)" = 1 ]
  run rhutch pause nocg
  assert_failure
  assert_output --partial "rootless"
  assert_output --partial "cgroup"
  [ "$(echo "$output" | wc -l)" = 1 ]
  run rhutch inspect -f '{{.State.Status}}' nocg
  assert_output "running"
  run rhutch rm -f nocg
  assert_success
}

@test "hutch-runtime spec --rootless: the bundle runs as the user, root inside" {
  b=$RL_HOME/bundle
  mkdir -p "$b/rootfs/bin"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  chown -R "$RL_USER:" "$b"
  run as_user sh -c "cd '$b' && '$RL_BIN/hutch-runtime' spec --rootless"
  assert_success
  jq '.process.args = ["/bin/busybox", "sh", "-c", "id -u; cat /proc/self/uid_map; ls /sys/class/net"]
      | .process.terminal = false' "$b/config.json" >"$b/c.json"
  mv "$b/c.json" "$b/config.json"
  chown "$RL_USER:" "$b/config.json"
  run as_user "$RL_BIN/hutch-runtime" run -b "$b" rl-spec
  as_user "$RL_BIN/hutch-runtime" delete -f rl-spec 2>/dev/null || true
  assert_success
  assert_line --index 0 "0"
  [ "$(echo "${lines[1]}" | awk '{print $1, $2, $3}')" = "0 $RL_UID 1" ]
  # no network namespace of its own: the host's interfaces (eth0), not only lo
  assert_line eth0
}

@test "--network slirp4netns: a killed monitor's slirp4netns is stopped by the next command" {
  run rhutch run -d --name orphan --network slirp4netns busybox sleep 300
  assert_success
  [ -n "$(slirp_procs)" ]
  kill_monitor orphan
  run rhutch ps -a
  assert_success
  for _ in $(seq 30); do [ -z "$(slirp_procs)" ] && break; sleep 0.1; done
  [ -z "$(slirp_procs)" ]
  run rhutch rm -f orphan
  assert_success
}
