#!/usr/bin/env bats
# User-defined networks rootless: bridges, veths and nft rules in the
# user's rootless netns, connected to the host by one slirp4netns
# (net/rootlessns.h, docs/rootless.md). Containers of one user reach each
# other by name; published ports are slirp4netns host forwards.

load helpers

# the rootless netns's slirp4netns opens /dev/net/tun as the user
setup_file() { rootless_setup_file && rootless_tun_open; }
teardown_file() { rootless_teardown_file; }
teardown() { rootless_net_teardown; }

HTTPD='mkdir -p /www && echo "hello-$(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'

# the rootless netns's slirp4netns, as recorded
netns_slirp_pid() { awk '{print $1}' "$RL_XDG/hutch/netns/rootless-netns.slirp"; }
# in_netns CMD...: run CMD (as root) in the rootless netns, whose file is
# bind-mounted in the pause process's mount namespace
in_netns() {
  nsenter -t "$(cat "$RL_XDG/hutch/pause.pid")" -m -- \
    nsenter --net="$RL_XDG/hutch/netns/rootless-netns" "$@"
}

@test "network create, ls, inspect; two containers reach each other by name" {
  run rhutch network create n1
  assert_success
  run rhutch network ls --format '{{.Name}}'
  assert_success
  assert_line n1
  run rhutch run -d --name a -h a --network n1 busybox sh -c "$HTTPD"
  assert_success
  # the rootless netns and its slirp4netns now exist
  [ -f "$RL_XDG/hutch/netns/rootless-netns.slirp" ]
  kill -0 "$(netns_slirp_pid)"
  run rhutch run -d --name b --network n1 busybox sleep 300
  assert_success
  run rhutch exec b wget -q -O - http://a/
  assert_success
  assert_output hello-a
  run rhutch exec b ping -c 1 -W 2 a
  assert_success
  run rhutch exec a cat /etc/hosts
  assert_success
  assert_output --regexp "172\.[0-9.]+[[:space:]]+b"
  run rhutch network inspect -f '{{range .Containers}}{{.Name}} {{end}}' n1
  assert_success
  assert_output --partial a
  assert_output --partial b
  # the bridge is in the rootless netns, not on the host
  run in_netns ip -br link show type bridge
  assert_success
  br=$(echo "$output" | awk '/^br-/ {print $1}')
  [ -n "$br" ]
  run ip link show "$br"
  assert_failure
}

@test "-p 127.0.0.1:PORT:80 on a user network; stop drops the forward, start adds it back" {
  port=$((20000 + RANDOM % 20000))
  run rhutch run -d --name web -h web --network n1 -p "127.0.0.1:$port:80" busybox sh -c "$HTTPD"
  assert_success
  wait_published "$port" hello-web
  run rhutch port web
  assert_success
  assert_output --partial "127.0.0.1:$port"
  run rhutch stop -t 1 web
  assert_success
  run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
  assert_failure
  run rhutch start web
  assert_success
  wait_published "$port" hello-web
  run rhutch rm -f web
  assert_success
  run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
  assert_failure
}

@test "-p 127.0.0.1::80 on a user network: a free port of the host, chosen again at each start" {
  # chosen on the host (a port free in the rootless netns may be taken
  # on the host): --debug names the choice, port shows the same
  run rhutch --debug run -d --name anyweb -h anyweb --network n1 -p 127.0.0.1::80 busybox sh -c "$HTTPD"
  assert_success
  [[ "$output" =~ "publish 80: host port "([0-9]+) ]]
  p=${BASH_REMATCH[1]}
  run rhutch port anyweb 80
  assert_success
  assert_output "127.0.0.1:$p"
  wait_published "$p" hello-anyweb
  # the record keeps "no host port": a restart chooses again
  run rhutch inspect -f '{{json .HostConfig.PortBindings}}' anyweb
  assert_output '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}'
  run rhutch restart -t 1 anyweb
  assert_success
  run rhutch port anyweb 80
  [[ "$output" =~ ^127\.0\.0\.1:([0-9]+)$ ]]
  wait_published "${BASH_REMATCH[1]}" hello-anyweb
  run rhutch rm -f anyweb
  assert_success
}

@test "a container on a user network reaches the host's 127.0.0.1 through 10.0.2.2" {
  rootless_host_server
  run rhutch run --rm --network n1 busybox wget -q -O - "http://10.0.2.2:$SRV_PORT/marker"
  assert_success
  assert_output "from-the-host-$$"
}

@test "-p on a host port in use: one line that says so, nothing left attached" {
  rootless_host_server
  run rhutch run -d --name busy --network n1 -p "127.0.0.1:$SRV_PORT:80" busybox sleep 300
  assert_failure
  assert_output --partial "publish 127.0.0.1:$SRV_PORT/tcp (is the port free on the host?)"
  [ "$(echo "$output" | wc -l)" = 1 ]
  run rhutch network inspect -f '{{len .Containers}}' n1
  assert_output 2
  run rhutch rm -f busy
  assert_success
}

@test "network connect and disconnect" {
  run rhutch network create n2
  assert_success
  run rhutch run -d --name c --network n2 busybox sleep 300
  assert_success
  # b (on n1) joins n2: a second interface, and c resolves it by name
  run rhutch network connect n2 b
  assert_success
  run rhutch exec b ip -4 -o addr show eth1
  assert_success
  run rhutch exec c ping -c 1 -W 2 b
  assert_success
  run rhutch network disconnect n2 b
  assert_success
  run rhutch exec b ip link show eth1
  assert_failure
  run rhutch exec c ping -c 1 -W 2 b
  assert_failure
  # the default network rootless is slirp4netns: nothing to connect
  run rhutch run -d --name d busybox sleep 300
  assert_success
  run rhutch network connect n2 d
  assert_failure
  [ "$(echo "$output" | wc -l)" = 1 ]
  run rhutch rm -f c d
  assert_success
}

@test "network rm: refused while in use, then removed with its bridge" {
  run rhutch network rm n1
  assert_failure
  assert_output --partial "active endpoint"
  run rhutch rm -f a b
  assert_success
  run rhutch network rm n1 n2
  assert_success
  run rhutch network ls --format '{{.Name}}'
  refute_line n1
  refute_line n2
  run in_netns ip -br link show type bridge
  assert_success
  refute_output --partial br-
}

@test "after everything is removed only the rootless netns's slirp4netns is left" {
  run rhutch ps -aq
  assert_success
  assert_output ""
  # the default network's slirp4netns of d goes after SIGTERM
  for _ in $(seq 30); do [ "$(slirp_procs)" = "$(netns_slirp_pid)" ] && break; sleep 0.1; done
  [ "$(slirp_procs)" = "$(netns_slirp_pid)" ]
}

@test "a restarted pause process gets a new rootless netns; the old slirp4netns is stopped" {
  old=$(netns_slirp_pid)
  kill -0 "$old"
  kill -9 "$(cat "$RL_XDG/hutch/pause.pid")"
  run rhutch network create n3
  assert_success
  run rhutch run --rm --network n3 busybox sh -c 'ip -4 -o addr show eth0'
  assert_success
  assert_output --partial "inet 172."
  new=$(netns_slirp_pid)
  [ "$new" != "$old" ]
  for _ in $(seq 30); do [ "$(slirp_procs)" = "$new" ] && break; sleep 0.1; done
  [ "$(slirp_procs)" = "$new" ]
  # the old one is gone (or a zombie init has not reaped yet)
  st=$(ps -o stat= -p "$old" || true)
  [ -z "$st" ] || [[ "$st" == Z* ]]
  run rhutch network rm n3
  assert_success
}

@test "network create: a --subnet overlapping the rootless netns's 10.0.2.0/24 is refused" {
  run rhutch network create --subnet 10.0.0.0/16 clash
  assert_failure
  assert_output "hutch: subnet 10.0.0.0/16 overlaps the rootless network's 10.0.2.0/24 (slirp4netns): Address already in use"
  run rhutch network ls --format '{{.Name}}'
  refute_output --partial clash
}
