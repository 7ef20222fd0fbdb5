#!/usr/bin/env bats
# The default rootless network through pasta (net/pasta.c), slirp4netns
# when pasta is not installed or with --network slirp4netns: tap0's
# address and route, published ports, the host's loopback through the
# gateway, no helper left behind, `hutch port`, and the container's
# resolv.conf when the host's resolver is on loopback.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  command -v pasta >/dev/null || skip "pasta (passt) is not installed"
  rootless_setup_file
  rootless_tun_open
}
teardown_file() { rootless_teardown_file; }
setup() { :; }
teardown() { rootless_net_teardown; }

httpd_cmd='mkdir -p /www && echo hello-published > /www/index.html && exec httpd -f -p 80 -h /www'

@test "default network is pasta: tap0 10.0.2.100/24, default via 10.0.2.2; gone after --rm" {
  run rhutch --debug run --rm busybox sh -c 'ip -4 addr show tap0; ip route'
  assert_success
  assert_output --partial "rootless network: pasta (pasta found in PATH)"
  assert_output --partial "inet 10.0.2.100/24"
  assert_output --partial "default via 10.0.2.2 dev tap0"
  wait_none pasta_procs
  run rhutch create --name mode busybox true
  assert_success
  run rhutch inspect -f '{{.HostConfig.NetworkMode}}' mode
  assert_output "pasta"
  run rhutch rm mode
  assert_success
}

@test "pasta: a TCP server on the host's 127.0.0.1 through the gateway 10.0.2.2" {
  rootless_host_server
  run rhutch run --rm busybox wget -q -O - "http://10.0.2.2:$SRV_PORT/marker"
  assert_success
  assert_output "from-the-host-$$"
}

@test "pasta: -p 127.0.0.1:PORT:80 reaches httpd; port, inspect, ps show it; stop and rm end pasta" {
  port=$((20000 + RANDOM % 20000))
  run rhutch run -d --name web -p "127.0.0.1:$port:80" -p "$((port + 1)):81/udp" busybox sh -c "$httpd_cmd"
  assert_success
  [ -n "$(pasta_procs)" ]
  [ -z "$(slirp_procs)" ]
  wait_published "$port" hello-published
  run rhutch port web
  assert_success
  assert_line "80/tcp -> 127.0.0.1:$port"
  assert_line "81/udp -> 0.0.0.0:$((port + 1))"
  run rhutch port web 80
  assert_output "127.0.0.1:$port"
  run rhutch inspect -f '{{json .NetworkSettings.Ports}} {{.NetworkSettings.IPAddress}}' web
  assert_output "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}],\"81/udp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$((port + 1))\"}]} 10.0.2.100"
  run rhutch ps --format '{{.Names}} {{.Ports}}'
  assert_output --partial "web 127.0.0.1:$port->80/tcp"
  run rhutch stop -t 1 web
  assert_success
  wait_none pasta_procs
  run rhutch port web
  assert_output ""
  # started again: a new pasta with the port published again
  run rhutch start web
  assert_success
  wait_published "$port" hello-published
  run rhutch rm -f web
  assert_success
  wait_none pasta_procs
  run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
  assert_failure
  # nothing of it left in the netns dir
  [ -z "$(ls "$RL_XDG/hutch/netns")" ]
}

@test "pasta: -P and -p 127.0.0.1::80 get a free host port; port and inspect show it" {
  run rhutch run -d --name anyport --expose 80 -P -p 127.0.0.1::81 busybox sh -c \
    "$httpd_cmd & mkdir -p /w2 && echo second >/w2/index.html && exec httpd -f -p 81 -h /w2"
  assert_success
  run rhutch port anyport 80
  assert_success
  [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]]
  p80=${BASH_REMATCH[1]}
  run rhutch port anyport 81
  [[ "$output" =~ ^127\.0\.0\.1:([0-9]+)$ ]]
  p81=${BASH_REMATCH[1]}
  [ "$p80" != "$p81" ]
  wait_published "$p80" hello-published
  wait_published "$p81" second
  run rhutch inspect -f '{{(index (index .NetworkSettings.Ports "81/tcp") 0).HostPort}}' anyport
  assert_output "$p81"
  run rhutch rm -f anyport
  assert_success
  wait_none pasta_procs
  [ -z "$(ls "$RL_XDG/hutch/netns")" ]
}

@test "pasta: a killed monitor's pasta is stopped by the next command" {
  run rhutch run -d --name orphan busybox sleep 300
  assert_success
  [ -n "$(pasta_procs)" ]
  kill_monitor orphan
  run rhutch ps -a
  assert_success
  wait_none pasta_procs
  run rhutch rm -f orphan
  assert_success
}

@test "--network slirp4netns: slirp4netns, not pasta; its ports in hutch port" {
  port=$((20000 + RANDOM % 20000))
  run rhutch run -d --name sl --network slirp4netns -p "127.0.0.1:$port:80" busybox sh -c "$httpd_cmd"
  assert_success
  [ -n "$(slirp_procs)" ]
  [ -z "$(pasta_procs)" ]
  wait_published "$port" hello-published
  run rhutch exec sl ip -4 addr show tap0
  assert_output --partial "inet 10.0.2.100/24"
  run rhutch inspect -f '{{.HostConfig.NetworkMode}}' sl
  assert_output "slirp4netns"
  run rhutch port sl
  assert_output "80/tcp -> 127.0.0.1:$port"
  run rhutch rm -f sl
  assert_success
  wait_none slirp_procs
}

@test "--network pasta explicitly; --ip with it is refused" {
  run rhutch run --rm --network pasta busybox ip -4 addr show tap0
  assert_success
  assert_output --partial "inet 10.0.2.100/24"
  run rhutch run --rm --network pasta --ip 10.0.2.50 busybox true
  assert_failure
  assert_output --partial "not with the pasta network"
}

@test "no pasta in PATH: the default network falls back to slirp4netns" {
  T_DIR=$(mktemp -d /tmp/hutch-pasta-path.XXXXXX)
  chmod 755 "$T_DIR"
  for f in /usr/bin/*; do
    case ${f##*/} in pasta* | passt*) ;; *) ln -s "$f" "$T_DIR/" ;; esac
  done
  run as_user PATH="$T_DIR:/usr/sbin" "$RL_BIN/hutch" --debug run --rm busybox ip -4 addr show tap0
  assert_success
  assert_output --partial "rootless network: slirp4netns (no pasta in PATH)"
  assert_output --partial "inet 10.0.2.100/24"
}

# pasta_wrapped SCRIPT: T_DIR holds a `pasta` running SCRIPT (sh), first
# in the PATH that `pasta_path` gives
pasta_wrapped() {
  T_DIR=$(mktemp -d /tmp/hutch-pasta-wrap.XXXXXX)
  chmod 755 "$T_DIR"
  printf '#!/bin/sh\n%s\n' "$1" >"$T_DIR/pasta"
  chmod 755 "$T_DIR/pasta"
}
pasta_path() { echo "PATH=$T_DIR:/usr/sbin:/usr/bin:/sbin:/bin"; }

@test "pasta starts while the container is created: a slow pasta is still up before the process runs" {
  # the container is created in parallel; its process must wait for pasta
  pasta_wrapped 'sleep 1; exec /usr/bin/pasta "$@"'
  run as_user "$(pasta_path)" "$RL_BIN/hutch" run --rm busybox sh -c 'ip -4 addr show tap0; ip route'
  assert_success
  assert_output --partial "inet 10.0.2.100/24"
  assert_output --partial "default via 10.0.2.2 dev tap0"
  wait_none pasta_procs
}

@test "pasta that fails: the run fails with pasta's words, nothing runs and nothing is left" {
  pasta_wrapped 'echo "No routable interface for IPv4: IPv4 is disabled" >&2; exit 1'
  run as_user "$(pasta_path)" "$RL_BIN/hutch" run --name failing busybox touch /ran
  assert_failure
  [[ "$output" =~ ^hutch:\ .*rootless\ network\ of\ [0-9a-f]{12}:\ pasta:\ No\ routable\ interface ]]
  [ "$(echo "$output" | wc -l)" = 1 ]
  # created, never started, as docker leaves a container that failed to start
  run rhutch inspect -f '{{.State.Status}} {{.State.Pid}}' failing
  assert_output "created 0"
  run rhutch diff failing
  refute_output --partial "/ran"
  [ -z "$(pasta_procs)" ]
  run rhutch rm failing
  assert_success
  [ -z "$(ls "$RL_XDG/hutch/netns" 2>/dev/null | grep -v '^rootless-netns')" ]
}

@test "a container that cannot start (no such command): its pasta does not outlive the failed run" {
  # pasta slowed down: the create fails while pasta is still starting
  pasta_wrapped 'sleep 1; exec /usr/bin/pasta "$@"'
  run -127 as_user "$(pasta_path)" "$RL_BIN/hutch" run --rm busybox /no/such/cmd
  assert_output --partial "/no/such/cmd"
  wait_none pasta_procs
  [ -z "$(ls "$RL_XDG/hutch/netns" 2>/dev/null | grep -v '^rootless-netns')" ]
}

@test "resolv.conf: 10.0.2.3 when the host's resolvers are all on loopback, else the host's" {
  T_DIR=$(mktemp -d /tmp/hutch-pasta-dns.XXXXXX)
  chmod 755 "$T_DIR"
  printf 'nameserver 127.0.0.53\nnameserver ::1\noptions edns0\n' >"$T_DIR/loop"
  printf 'nameserver 127.0.0.53\nnameserver 192.0.2.53\n' >"$T_DIR/mixed"
  chmod 644 "$T_DIR"/*
  for net in pasta slirp4netns; do
    run as_user HUTCH_HOST_RESOLV_CONF="$T_DIR/loop" "$RL_BIN/hutch" run --rm --network "$net" busybox cat /etc/resolv.conf
    assert_success
    [ "$(echo "$output" | grep nameserver)" = "nameserver 10.0.2.3" ]
    assert_line "options edns0"
  done
  run as_user HUTCH_HOST_RESOLV_CONF="$T_DIR/mixed" "$RL_BIN/hutch" run --rm busybox cat /etc/resolv.conf
  assert_success
  [ "$(echo "$output" | grep nameserver)" = "nameserver 192.0.2.53" ]
  run as_user HUTCH_HOST_RESOLV_CONF="$T_DIR/loop" "$RL_BIN/hutch" run --rm --dns 192.0.2.1 busybox cat /etc/resolv.conf
  assert_success
  [ "$(echo "$output" | grep nameserver)" = "nameserver 192.0.2.1" ]
  # --network none: no forwarder there, docker's fallback as before
  run as_user HUTCH_HOST_RESOLV_CONF="$T_DIR/loop" "$RL_BIN/hutch" run --rm --network none busybox cat /etc/resolv.conf
  refute_output --partial "10.0.2.3"
}

@test "pasta without access to /dev/net/tun: an error that says what to fix" {
  chmod 600 /dev/net/tun
  run rhutch run --rm busybox true
  chmod 666 /dev/net/tun
  assert_failure
  # one line: which container, the device, what to do, the errno
  [[ "$output" =~ ^hutch:\ rootless\ network\ of\ [0-9a-f]{12}:\ .*/dev/net/tun.*mode\ 0666.*Permission\ denied$ ]]
  [ -z "$(pasta_procs)" ]
}

@test "as root, --network pasta and slirp4netns are refused with the reason" {
  T_DIR=$(mktemp -d /tmp/hutch-pasta-root.XXXXXX)
  for net in pasta slirp4netns; do
    run env HUTCH_ROOT="$T_DIR/root" HUTCH_RUN_ROOT="$T_DIR/run" "$HUTCH" create --network "$net" busybox true
    assert_failure
    assert_output --partial "--network $net: a rootless network mode (hutch runs as root"
  done
  run env HUTCH_ROOT="$T_DIR/root" HUTCH_RUN_ROOT="$T_DIR/run" "$HUTCH" ps -aq
  assert_output ""
}
