#!/usr/bin/env bats
# The networking library (src/lib/engine/net/) on the real kernel, through
# tests/unit/net_tool: bridges, veth pairs in namespaces the tests create,
# addresses and routes, isolation between networks, published ports through
# DNAT from 127.0.0.1, detach, network removal and stale cleanup.
#
# Everything is test-only: bridges hutch-t<N>a/b, subnets 10.199.<N>.0/24,
# a state dir under $TEST_DIR, and the nft table `hutch` only when none
# exists yet (else hutch_t<pid>). Traffic goes only to 127.0.0.1 and to the
# test namespaces' own addresses. Teardown removes every netns, link and
# table the test made and restores net.ipv4.ip_forward.

load ../helpers

NET_TOOL=${NET_TOOL:-$HUTCH_BUILD/tests/unit/net_tool}

setup() {
  hutch_setup
  export HUTCH_NET_STATE=$TEST_DIR/net
  NETNS_DIR=$TEST_DIR/netns
  # Test-unique names: the test number keeps subnets apart between tests,
  # the pid keeps bridges apart from a parallel run.
  local n=$((BATS_TEST_NUMBER * 2 + 100))
  SUB_A=10.199.$n.0/24
  NET_A=10.199.$n
  SUB_B=10.199.$((n + 1)).0/24
  NET_B=10.199.$((n + 1))
  BR_A=hutch-t$(($$ % 100000))a
  BR_B=hutch-t$(($$ % 100000))b
  if nft list table ip hutch >/dev/null 2>&1; then
    export HUTCH_NET_TABLE=hutch_t$$
  else
    export HUTCH_NET_TABLE=hutch
  fi
  # The table must not exist before the test: then teardown may delete it.
  ! nft list table ip "$HUTCH_NET_TABLE" >/dev/null 2>&1
  OLD_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
  BG_PIDS=""
}

teardown() {
  local p f l
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  # veths on our bridges, then the bridges themselves
  for l in $BR_A $BR_B; do
    for f in $(ip -o link show master "$l" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$f" 2>/dev/null
    done
    ip link del "$l" 2>/dev/null
  done
  for f in "$NETNS_DIR"/*; do
    [ -e "$f" ] || continue
    umount -l "$f" 2>/dev/null
    rm -f "$f"
  done
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null
  echo "$OLD_FORWARD" >/proc/sys/net/ipv4/ip_forward
  hutch_teardown
}

nt() { timeout 30 "$NET_TOOL" "$@"; }

# in_ns NAME CMD...: run CMD inside the test namespace NAME
in_ns() {
  local ns=$NETNS_DIR/$1
  shift
  timeout 20 nsenter --net="$ns" "$@"
}

# field KEY LINE: value of key=value in net_tool's attachment line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

make_ns() { run nt netns-create "$NETNS_DIR" "$1"; assert_success; }

@test "two containers on one network: eth0 with an address and a default route, they reach each other" {
  run nt create tnet --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  make_ns c1
  make_ns c2
  touch "$TEST_DIR/c1.hosts" "$TEST_DIR/c2.hosts"
  run nt attach tnet "$NETNS_DIR/c1" c1 --name one --own-netns --hosts "$TEST_DIR/c1.hosts" \
    --hostname h1 --add-host reg:192.0.2.1
  assert_success
  local ip1 mac1
  ip1=$(field ip "$output")
  mac1=$(field mac "$output")
  assert_equal "$ip1" "$NET_A.2"
  run nt attach tnet "$NETNS_DIR/c2" c2 --name two --ip "$NET_A.77" --own-netns \
    --hosts "$TEST_DIR/c2.hosts" --alias deux
  assert_success
  assert_equal "$(field ip "$output")" "$NET_A.77"

  # /etc/hosts: each names itself, the --add-host entry, and the other one;
  # c1's file was rewritten (in place) when c2 arrived
  run cat "$TEST_DIR/c1.hosts"
  assert_line "127.0.0.1	localhost"
  assert_line "$NET_A.2	h1 one"
  assert_line "192.0.2.1	reg"
  assert_line "$NET_A.77	two deux c2"
  run cat "$TEST_DIR/c2.hosts"
  assert_line "$NET_A.77	two deux"
  assert_line "$NET_A.2	one c1"

  # eth0 in the namespace: address, MAC, up; default route via the gateway
  run in_ns c1 ip -o -4 addr show dev eth0
  assert_success
  assert_output --partial "inet $NET_A.2/24"
  run in_ns c1 ip -o link show dev eth0
  assert_output --partial "link/ether $mac1"
  assert_output --partial "state UP"
  run in_ns c1 ip route show default
  assert_output --partial "default via $NET_A.1 dev eth0"
  run in_ns c1 ip -o link show dev lo
  assert_output --regexp "<LOOPBACK,UP"
  # no eth0 on the host, the host end is on the bridge, which has the gateway
  run ip -o link show master "$BR_A"
  refute_output --partial "eth0"
  run ip -o -4 addr show dev "$BR_A"
  assert_output --partial "inet $NET_A.1/24"
  [ "$(ip -o link show master "$BR_A" | wc -l)" -eq 2 ]
  [ "$(cat /proc/sys/net/ipv4/conf/$BR_A/route_localnet)" = 1 ]

  run in_ns c1 busybox ping -c 1 -W 2 "$NET_A.77"
  assert_success
  run in_ns c2 busybox ping -c 1 -W 2 "$NET_A.2"
  assert_success

  # the address in use cannot be taken by a third container
  make_ns c3
  run nt attach tnet "$NETNS_DIR/c3" c3 --ip "$NET_A.77"
  assert_failure
  assert_output --partial "already in use"
  [ "$(ip -o link show master "$BR_A" | wc -l)" -eq 2 ]

  # inspect lists both; peers give name resolution on a user network
  run nt inspect tnet
  assert_output --partial "\"IPv4Address\": \"$NET_A.77/24\""
  run nt peers tnet c1
  assert_output "$NET_A.77	two deux c2"

  # a network in use cannot be removed
  run nt rm tnet
  assert_failure
  assert_output --partial "active endpoint"

  run nt detach c2
  assert_success
  # c2 is gone from c1's /etc/hosts
  run cat "$TEST_DIR/c1.hosts"
  refute_output --partial "two"
  assert_line "$NET_A.2	h1 one"
  run nt detach c1
  assert_success
  [ ! -e "$NETNS_DIR/c1" ] && [ ! -e "$NETNS_DIR/c2" ]
}

@test "isolation: a container on another network cannot reach the first one" {
  run nt create neta --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  run nt create netb --subnet "$SUB_B" --bridge "$BR_B"
  assert_success
  make_ns a1
  make_ns b1
  run nt attach neta "$NETNS_DIR/a1" a1 --own-netns
  assert_success
  run nt attach netb "$NETNS_DIR/b1" b1 --own-netns
  assert_success
  # the library turned on forwarding (as docker does): only the rule isolates
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
  run in_ns b1 busybox ping -c 1 -W 2 "$NET_B.1"
  assert_success
  run in_ns b1 busybox ping -c 1 -W 2 "$NET_A.2"
  assert_failure
  run in_ns a1 busybox ping -c 1 -W 2 "$NET_B.2"
  assert_failure
  run nft list chain ip "$HUTCH_NET_TABLE" forward
  assert_output --partial "iifname \"$BR_B\" oifname \"$BR_A\" drop"
  # Without the rule the same ping goes through: the test sees the rule.
  nft flush chain ip "$HUTCH_NET_TABLE" forward
  run in_ns b1 busybox ping -c 1 -W 2 "$NET_A.2"
  assert_success
  run nt detach a1
  assert_success
  run nt detach b1
  assert_success
}

@test "published ports: 127.0.0.1:<port> and an ephemeral port reach httpd in the container" {
  run nt create web --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  make_ns w1
  local hp=$((18000 + BATS_TEST_NUMBER + $$ % 500))
  run nt attach web "$NETNS_DIR/w1" w1 --own-netns -p "127.0.0.1:$hp:80" -p 80
  assert_success
  local eph
  eph=$(echo "$output" | tr ' ' '\n' | sed -n 's/^port=\([0-9]*\):80\/tcp$/\1/p' | grep -v "^$hp$")
  [ -n "$eph" ] && [ "$eph" -gt 0 ]
  mkdir -p "$TEST_DIR/www"
  echo "hello from w1" >"$TEST_DIR/www/index.html"
  nsenter --net="$NETNS_DIR/w1" busybox httpd -f -p 80 -h "$TEST_DIR/www" &
  BG_PIDS="$BG_PIDS $!"
  local i
  for i in $(seq 50); do in_ns w1 curl -s -o /dev/null -m 1 http://127.0.0.1/ && break; sleep 0.1; done
  run curl -s -m 5 "http://127.0.0.1:$hp/index.html"
  assert_success
  assert_output "hello from w1"
  run curl -s -m 5 "http://127.0.0.1:$eph/index.html"
  assert_success
  assert_output "hello from w1"
  # the same host port cannot be published twice
  make_ns w2
  run nt attach web "$NETNS_DIR/w2" w2 -p "127.0.0.1:$hp:80"
  assert_failure
  assert_output --partial "already published"
  # hairpin: a neighbour on the same bridge through the host's address.
  # (With br_netfilter loaded, as here, conntrack fixes the reply even
  # without the hairpin masquerade rule; without it, only the rule does.)
  make_ns w3
  run nt attach web "$NETNS_DIR/w3" w3 --own-netns
  assert_success
  run in_ns w3 curl -s -m 5 "http://$NET_A.1:$eph/index.html"
  assert_success
  assert_output "hello from w1"
  run nt detach w3
  assert_success
  run nt detach w1
  assert_success
  run curl -s -m 3 "http://127.0.0.1:$hp/index.html"
  assert_failure
}

@test "detach removes the veth; the last one removes bridge and nft table; network rm" {
  run nt create tnet --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  make_ns d1
  make_ns d2
  run nt attach tnet "$NETNS_DIR/d1" d1 --own-netns
  assert_success
  local h1
  h1=$(field host_ifname "$output")
  run nt attach tnet "$NETNS_DIR/d2" d2 --own-netns
  assert_success
  local h2
  h2=$(field host_ifname "$output")
  ip link show "$h1" >/dev/null
  nft list table ip "$HUTCH_NET_TABLE" >/dev/null

  run nt detach d1
  assert_success
  run ip link show "$h1"
  assert_failure
  [ ! -e "$NETNS_DIR/d1" ]
  ip link show "$h2" >/dev/null
  ip link show "$BR_A" >/dev/null
  nft list table ip "$HUTCH_NET_TABLE" >/dev/null

  run nt detach d2
  assert_success
  run ip link show "$h2"
  assert_failure
  run ip link show "$BR_A"
  assert_failure
  run nft list table ip "$HUTCH_NET_TABLE"
  assert_failure

  run nt rm tnet
  assert_success
  run nt ls
  refute_output --partial tnet
}

@test "network rm removes a bridge left behind and the address pool" {
  run nt create tnet --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  make_ns r1
  run nt attach tnet "$NETNS_DIR/r1" r1 --own-netns
  assert_success
  # Simulate a crash after the record went but before the bridge did.
  rm "$HUTCH_NET_STATE/attachments/r1.json"
  ip link show "$BR_A" >/dev/null
  run nt rm tnet
  assert_success
  run ip link show "$BR_A"
  assert_failure
  [ ! -e "$HUTCH_NET_STATE/ipam/tnet.json" ]
  run nft list table ip "$HUTCH_NET_TABLE"
  assert_failure
}

@test "cleanup_stale removes what a dead container left, and nothing of a live one" {
  run nt create tnet --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  make_ns live
  make_ns dead
  sleep 300 &
  local live_pid=$!
  BG_PIDS="$BG_PIDS $live_pid"
  sleep 300 &
  local dead_pid=$!
  BG_PIDS="$BG_PIDS $dead_pid"
  run nt attach tnet "$NETNS_DIR/live" live --own-netns --owner "$live_pid"
  assert_success
  local hl
  hl=$(field host_ifname "$output")
  run nt attach tnet "$NETNS_DIR/dead" dead --own-netns
  assert_success
  local hd ipd
  hd=$(field host_ifname "$output")
  ipd=$(field ip "$output")
  run nt set-owner dead "$dead_pid"
  assert_success

  run nt cleanup-stale
  assert_success
  assert_output 0
  ip link show "$hd" >/dev/null

  kill "$dead_pid"
  wait "$dead_pid" 2>/dev/null || true
  run nt cleanup-stale
  assert_success
  assert_output 1
  run ip link show "$hd"
  assert_failure
  [ ! -e "$NETNS_DIR/dead" ]
  ! grep -q "\"$ipd\"" "$HUTCH_NET_STATE/ipam/tnet.json"
  # the live one is untouched and still reachable from the host
  ip link show "$hl" >/dev/null
  [ -e "$NETNS_DIR/live" ]
  run ping_host "$NET_A.2"
  assert_success

  kill "$live_pid"
  wait "$live_pid" 2>/dev/null || true
  run nt cleanup-stale
  assert_output 1
  run ip link show "$BR_A"
  assert_failure
  run nft list table ip "$HUTCH_NET_TABLE"
  assert_failure
}

ping_host() { timeout 10 busybox ping -c 1 -W 2 "$1"; }

@test "internal network: no default route, no published ports, no way out" {
  run nt create inet --subnet "$SUB_A" --bridge "$BR_A" --internal
  assert_success
  make_ns i1
  run nt attach inet "$NETNS_DIR/i1" i1 --own-netns -p "127.0.0.1:18999:80"
  assert_failure
  assert_output --partial "internal"
  run ip link show "$BR_A"
  assert_failure
  run nt attach inet "$NETNS_DIR/i1" i1 --own-netns
  assert_success
  run in_ns i1 ip route show default
  assert_output ""
  run nft list chain ip "$HUTCH_NET_TABLE" forward
  assert_output --partial "iifname \"$BR_A\" oifname != \"$BR_A\" drop"
  run nft list chain ip "$HUTCH_NET_TABLE" postrouting
  refute_output --partial "$SUB_A"
  run nt detach i1
  assert_success
}

@test "connect/disconnect: a second network gives eth1, keeps the first default route" {
  run nt create neta --subnet "$SUB_A" --bridge "$BR_A"
  assert_success
  run nt create netb --subnet "$SUB_B" --bridge "$BR_B"
  assert_success
  make_ns m1
  run nt attach neta "$NETNS_DIR/m1" m1 --own-netns
  assert_success
  run nt attach netb "$NETNS_DIR/m1" m1 --ifname eth1
  assert_success
  run nt attach netb "$NETNS_DIR/m1" m1 --ifname eth2
  assert_failure
  assert_output --partial "already attached"
  run in_ns m1 ip -o -4 addr show dev eth1
  assert_output --partial "inet $NET_B.2/24"
  run in_ns m1 ip route show default
  assert_output --partial "via $NET_A.1 dev eth0"
  run nt show m1
  assert_line --partial "network=netb ifname=eth1"
  # disconnect from netb only: eth1 and bridge B go, eth0 and the netns stay
  run nt detach m1 netb
  assert_success
  run in_ns m1 ip link show eth1
  assert_failure
  run ip link show "$BR_B"
  assert_failure
  in_ns m1 ip link show eth0 >/dev/null
  [ -e "$NETNS_DIR/m1" ]
  run nt detach m1
  assert_success
  [ ! -e "$NETNS_DIR/m1" ]
}
