#!/usr/bin/env bats
# Networking through the engine: `hutch run` on the default network, none,
# host, user networks with name resolution, published ports, network
# connect/disconnect, stop/start, stale cleanup after killed processes, and
# teardown leaving no veth behind.
#
# Everything is test-only: a private engine ($HUTCH_ROOT, $HUTCH_RUN_ROOT),
# the default network on bridge hutch-n<pid> with subnet 10.195.X.0/24,
# user networks on 10.194.X.0/24 and 10.193.X.0/24, nft table hutch_n<pid>.
# Traffic goes only to 127.0.0.1 and to the test containers' addresses.

load ../helpers

setup_file() {
  export NET_DIR
  NET_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-net.XXXXXX")
  export HUTCH_ROOT=$NET_DIR/root HUTCH_RUN_ROOT=$NET_DIR/run
  local x=$(($$ % 250))
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-n$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.195.$x.0/24
  export DEF_PREFIX=10.195.$x. SUB_A=10.194.$x.0/24 PREFIX_A=10.194.$x. SUB_B=10.193.$x.0/24
  export HUTCH_NET_TABLE=hutch_n$$
  export OLD_FORWARD
  OLD_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
  ! nft list table ip "$HUTCH_NET_TABLE" >/dev/null 2>&1
  ! ip link show "$HUTCH_NET_DEFAULT_BRIDGE" >/dev/null 2>&1
}

teardown_file() {
  [ -n "${NET_DIR:-}" ] && [ -d "$NET_DIR" ] || return 0
  ip link del "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null
  echo "$OLD_FORWARD" >/proc/sys/net/ipv4/ip_forward
  local m
  for m in $(grep -F "$NET_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  rm -rf --one-file-system "$NET_DIR"
}

h() { timeout -k 5 60 "$HUTCH" "$@"; }
# a command that leaves a monitor behind: its stdio must not hold bats' pipes
h_bg() { timeout -k 5 60 "$HUTCH" "$@" </dev/null 3>&-; }

setup() {
  hutch_setup
  BR_USER=""
}

teardown() {
  local id n br
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    "$HUTCH" rm -f "$id" >/dev/null 2>&1 || echo "# teardown: rm -f $id failed" >&3
  done
  for n in $("$HUTCH" network ls -q 2>/dev/null); do
    "$HUTCH" network rm "$n" >/dev/null 2>&1
  done
  # what the library might have left if a test failed half way
  for br in $HUTCH_NET_DEFAULT_BRIDGE $BR_USER; do
    ip link del "$br" 2>/dev/null
  done
  for f in "$HUTCH_RUN_ROOT"/netns/*; do
    [ -e "$f" ] || continue
    umount -l "$f" 2>/dev/null
    rm -f "$f"
  done
  hutch_teardown
}

# ip_of NAME: the container's address on its first network (inspect)
ip_of() {
  h inspect "$1" | jq -r '.[0].NetworkSettings.Networks | to_entries[0].value.IPAddress'
}

# wait_http URL: poll until the URL answers (the server starts in the background)
wait_http() {
  local i
  for ((i = 0; i < 50; i++)); do
    curl -s -m 2 "$1" >/dev/null && return 0
    sleep 0.1
  done
  echo "$1 did not answer" >&2
  return 1
}

@test "default network: eth0 has an address, inspect shows it, /etc/hosts names the container, resolv.conf is not empty" {
  run h run --name c1 busybox sh -c 'ip -4 -o addr show eth0; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; hostname'
  assert_success
  local addr
  addr=$(echo "$output" | sed -n 's/.*inet \([0-9.]*\)\/24.*/\1/p')
  [[ "$addr" == "$DEF_PREFIX"* ]] || { echo "eth0 address '$addr' not in $HUTCH_NET_DEFAULT_SUBNET" >&2; false; }
  local hosts resolv hn
  hosts=$(echo "$output" | awk '/^---$/{n++; next} n==1')
  resolv=$(echo "$output" | awk '/^---$/{n++; next} n==2')
  hn=$(echo "$output" | awk '/^---$/{n++; next} n==3')
  echo "$hosts" | grep -E "^$addr[[:space:]].*\bc1\b"
  echo "$hosts" | grep -E "^$addr[[:space:]].*\b$hn\b"
  echo "$resolv" | grep -q '^nameserver '
  # stopped: the address went back to the pool, the record still names the network
  run h inspect c1
  assert_success
  [ "$(echo "$output" | jq -r '.[0].HostConfig.NetworkMode')" = bridge ]
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress')" = "" ]

  h_bg run -d --name c2 busybox sleep 60
  local ip2
  ip2=$(ip_of c2)
  [[ "$ip2" == "$DEF_PREFIX"* ]]
  run h inspect c2
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.IPAddress')" = "$ip2" ]
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Gateway')" = "${DEF_PREFIX}1" ]
  [[ "$(echo "$output" | jq -r '.[0].NetworkSettings.MacAddress')" == 02:42:* ]]
  # the host reaches it over the test bridge
  busybox ping -c1 -W2 "$ip2"
}

@test "--network none has only lo, up" {
  run h run --rm --network none busybox sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate; ip -o link show lo'
  assert_success
  [ "$(echo "$output" | sed -n 1p)" = lo ]
  [ "$(echo "$output" | sed -n 2p)" = unknown ]
  assert_line --partial 'LOOPBACK,UP'
  [ "$(echo "$output" | wc -l)" -eq 3 ]
  run h run --rm --network none busybox cat /etc/hosts
  assert_success
  assert_line --partial localhost
}

@test "--network host sees the host's interfaces and uses the host's resolv.conf" {
  run h run --rm --network host busybox ls /sys/class/net
  assert_success
  [ "$output" = "$(ls /sys/class/net)" ]
  run h run --rm --network host busybox cat /etc/resolv.conf
  assert_success
  [ "$output" = "$(cat /etc/resolv.conf)" ]
  run h run --rm --network host -p 80 busybox true
  assert_failure 125
  assert_output --partial 'port publishing'
}

@test "-p 127.0.0.1:18080:80 on a busybox httpd: curl on the host gets the file; port and inspect show it" {
  ! curl -s -m 1 http://127.0.0.1:18080/ >/dev/null || skip "something on the host already listens on 18080"
  h_bg run -d --name web -p 127.0.0.1:18080:80 busybox \
    sh -c 'mkdir -p /www && echo "hello from $(hostname)" >/www/index.html && exec httpd -f -p 80 -h /www'
  wait_http http://127.0.0.1:18080/
  run curl -s -m 5 http://127.0.0.1:18080/index.html
  assert_success
  local short
  short=$(h inspect web | jq -r '.[0].Id[0:12]')
  assert_output "hello from $short"
  run h port web
  assert_success
  assert_output '80/tcp -> 127.0.0.1:18080'
  run h port web 80/tcp
  assert_output '127.0.0.1:18080'
  run h ps
  assert_line --regexp '127\.0\.0\.1:18080->80/tcp +web$'
  run h inspect web
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')" = 18080 ]
  [ "$(echo "$output" | jq -r '.[0].HostConfig.PortBindings["80/tcp"][0].HostIp')" = 127.0.0.1 ]
  # the port goes with the container
  h rm -f web
  run curl -s -m 2 http://127.0.0.1:18080/
  assert_failure
}

@test "-P with --expose publishes on an ephemeral port" {
  h_bg run -d --name eph --expose 8081 -P busybox \
    sh -c 'mkdir -p /www && echo eph >/www/index.html && exec httpd -f -p 8081 -h /www'
  run h port eph 8081
  assert_success
  local hp=${output##*:}
  [ "$hp" -gt 0 ]
  [[ "$output" == 0.0.0.0:* ]]
  wait_http "http://127.0.0.1:$hp/"
  run curl -s -m 5 "http://127.0.0.1:$hp/"
  assert_output eph
  [ "$(h inspect eph | jq -r '.[0].HostConfig.PublishAllPorts')" = true ]
}

@test "user network: containers reach each other by name and alias; the default network cannot reach them" {
  run h network create --subnet "$SUB_A" testnet
  assert_success
  BR_USER=br-${output:0:12}
  h_bg run -d --name srv --network testnet --network-alias db busybox \
    sh -c 'mkdir -p /www && echo from-srv >/www/index.html && exec httpd -f -p 80 -h /www'
  local sip
  sip=$(ip_of srv)
  [[ "$sip" == "$PREFIX_A"* ]]
  run h inspect srv
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Networks.testnet.IPAddress')" = "$sip" ]
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Networks.testnet.Aliases[0]')" = db ]

  # (busybox wget segfaults in Debian's busybox-static, on the host too: nc)
  run h run --rm --network testnet busybox sh -c \
    'ping -c1 -W2 srv && printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 db 80 && grep srv /etc/hosts'
  assert_success
  assert_line from-srv
  assert_line --regexp "^$sip[[:space:]].*srv"

  run h run --rm busybox ping -c1 -W2 "$sip"
  assert_failure
  run h run --rm busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $sip 80"
  refute_output --partial from-srv

  # the peer's /etc/hosts follows containers coming and going
  h_bg run -d --name late --network testnet busybox sleep 60
  run h exec srv cat /etc/hosts
  assert_line --regexp "[[:space:]]late\b"
  h rm -f late
  run h exec srv cat /etc/hosts
  refute_line --regexp "[[:space:]]late\b"

  run h network inspect testnet
  assert_success
  [ "$(echo "$output" | jq -r '.[0].Containers | to_entries[0].value.Name')" = srv ]
  run h network rm testnet
  assert_failure
  assert_output --partial 'active endpoint'
}

@test "--ip, --hostname, --dns, --add-host on a user network" {
  h network create --subnet "$SUB_A" testnet
  run h run --rm --network testnet --ip "${PREFIX_A}77" --hostname box --dns 10.0.0.53 \
    --add-host db.example:10.1.2.3 busybox sh -c 'ip -4 -o addr show eth0; cat /etc/hosts /etc/resolv.conf; hostname'
  assert_success
  assert_output --partial "inet ${PREFIX_A}77/24"
  assert_line --regexp "^${PREFIX_A}77[[:space:]]box"
  assert_line --regexp "^10\.1\.2\.3[[:space:]]db\.example"
  assert_line 'nameserver 10.0.0.53'
  assert_line box
  run h run --rm --ip 10.0.0.9 busybox true
  assert_failure 125
  assert_output --partial 'user defined networks'
  run h run --rm --network nosuchnet busybox true
  assert_failure 125
  assert_output --partial nosuchnet
}

@test "network connect adds eth1 to a running container, disconnect removes it" {
  h network create --subnet "$SUB_A" neta
  h network create --subnet "$SUB_B" netb
  h_bg run -d --name multi --network neta busybox sleep 60
  run h network connect netb multi
  assert_success
  run h exec multi ls /sys/class/net
  assert_line eth0
  assert_line eth1
  run h inspect multi
  [ "$(echo "$output" | jq -r '.[0].NetworkSettings.Networks | keys | join(",")')" = neta,netb ]
  run h network connect netb multi
  assert_failure
  run h network disconnect netb multi
  assert_success
  run h exec multi ls /sys/class/net
  refute_line eth1
  run h network connect netb nosuch
  assert_failure
}

@test "stop releases the network, start attaches again; --network container: shares it" {
  h_bg run -d --name st busybox sleep 60
  local ip1 ep
  ip1=$(ip_of st)
  ep=$(h inspect st | jq -r '.[0].NetworkSettings.Networks.bridge.EndpointID')
  ip link show "$ep"
  h stop -t 1 st
  ! ip link show "$ep" 2>/dev/null
  [ "$(ip_of st)" = "" ]
  h_bg start st
  [[ "$(ip_of st)" == "$DEF_PREFIX"* ]]
  run h run --rm --network container:st busybox sh -c 'ip -4 -o addr show eth0; hostname'
  assert_success
  assert_output --partial "inet $(ip_of st)/"
  assert_line "$(h inspect st | jq -r '.[0].Config.Hostname')"
  run h run --rm --network container:nosuch busybox true
  assert_failure 125
}

@test "killed monitor and init: the next hutch command removes the container's veth" {
  h_bg run -d --name victim busybox sleep 60
  local id ep mp pid
  id=$(h inspect victim | jq -r '.[0].Id')
  ep=$(h inspect victim | jq -r '.[0].NetworkSettings.Networks.bridge.EndpointID')
  mp=$(sqlite3 "$HUTCH_ROOT/state.db" "SELECT monitor_pid FROM containers WHERE id='$id'")
  pid=$(sqlite3 "$HUTCH_ROOT/state.db" "SELECT pid FROM containers WHERE id='$id'")
  ip link show "$ep"
  # only the monitor: the container still runs, its network stays
  kill -9 "$mp"
  h ps >/dev/null
  ip link show "$ep"
  kill -9 "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  h ps -a >/dev/null
  ! ip link show "$ep" 2>/dev/null
  [ ! -e "$HUTCH_ROOT/networks/attachments/$(h inspect victim | jq -r '.[0].Id').json" ]
}

@test "after rm -f of all containers and network rm, no veth remains on the host" {
  h network create --subnet "$SUB_A" gone
  h_bg run -d --name a1 --network gone busybox sleep 60
  h_bg run -d --name a2 --network gone busybox sleep 60
  h_bg run -d --name d1 -p 127.0.0.1:18081:80 busybox sleep 60
  local eps br n
  eps=$(for n in a1 a2 d1; do h inspect $n | jq -r '.[0].NetworkSettings.Networks[].EndpointID'; done)
  br=br-$(h network inspect gone | jq -r '.[0].Id[0:12]')
  BR_USER=$br
  for n in $eps; do ip link show "$n" >/dev/null; done
  nft list table ip "$HUTCH_NET_TABLE" >/dev/null
  h rm -f a1 a2 d1
  h network rm gone
  for n in $eps; do
    ! ip link show "$n" 2>/dev/null || { echo "veth $n left on the host" >&2; false; }
  done
  ! ip link show "$br" 2>/dev/null
  ! ip link show "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null
  [ -z "$(ip -o link show master "$br" 2>/dev/null)" ]
  [ -z "$(ls -A "$HUTCH_RUN_ROOT/netns" 2>/dev/null)" ]
  ! nft list table ip "$HUTCH_NET_TABLE" >/dev/null 2>&1
}

@test "create, then start: the network comes at start; restart keeps the published port working" {
  h create --name cs -p 127.0.0.1:18082:80 busybox \
    sh -c 'mkdir -p /www && echo cs >/www/index.html && exec httpd -f -p 80 -h /www'
  # created: nothing attached yet, as docker
  [ "$(ip_of cs)" = "" ]
  h_bg start cs
  wait_http http://127.0.0.1:18082/
  run curl -s -m 5 http://127.0.0.1:18082/
  assert_output cs
  local i
  for i in 1 2; do
    h_bg restart -t 1 cs
    wait_http http://127.0.0.1:18082/
    run curl -s -m 5 http://127.0.0.1:18082/
    assert_output cs
  done
  # one attachment, one veth: the old runs left nothing behind
  [ "$(ls "$HUTCH_ROOT/networks/attachments" | wc -l)" -eq 1 ]
  [ "$(ip -o link show master "$HUTCH_NET_DEFAULT_BRIDGE" | wc -l)" -eq 1 ]
}

@test "network ls, inspect, prune: prune keeps networks that a container (even stopped) names" {
  h network create --subnet "$SUB_A" keep
  h network create --subnet "$SUB_B" --internal drop
  run h network create --subnet "$SUB_B" clash
  assert_failure
  assert_output --partial overlaps
  h create --name holder --network keep busybox true
  run h network ls
  assert_success
  assert_line --regexp ' bridge +bridge +local$'
  assert_line --regexp ' keep +bridge +local$'
  assert_line --regexp ' drop +bridge +local$'
  # --filter as docker's: name (a part), id (a prefix), driver, type, label; one key's
  # values any, keys all
  run h network ls --format '{{.Name}}' --filter name=ee
  assert_output keep
  run h network ls --format '{{.Name}}' --filter name=ee --filter name=dro
  assert_line keep
  assert_line drop
  assert_equal "${#lines[@]}" 2
  run h network ls -q --no-trunc --filter id="$(h network inspect -f '{{.Id}}' drop | cut -c1-10)"
  assert_output "$(h network inspect -f '{{.Id}}' drop)"
  run h network ls --format '{{.Name}}' --filter type=builtin
  assert_output bridge
  run h network ls --format '{{.Name}}' --filter type=custom --filter driver=bridge
  assert_line keep
  assert_line drop
  assert_equal "${#lines[@]}" 2
  run h network ls -q --filter driver=null
  assert_output ""
  run h network ls -q --filter label=a
  assert_output ""
  run h network ls --filter type=other
  assert_failure 1
  assert_output "hutch: invalid filter: 'type'='other'"
  run h network ls --filter colour=red
  assert_failure 1
  assert_output "hutch: Invalid filter 'colour'"
  run h network inspect drop
  [ "$(echo "$output" | jq -r '.[0].Internal')" = true ]
  [ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Subnet')" = "$SUB_B" ]
  run h network prune -f
  assert_success
  assert_output "Deleted Networks:
drop"
  run h network ls -q
  [ "$(echo "$output" | wc -l)" -eq 2 ]
  run h network rm bridge
  assert_failure
}
