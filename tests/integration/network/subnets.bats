#!/usr/bin/env bats
# Default subnets (issue 15, "Also"): docker's scheme, never podman's
# 10.88/10.89. The default network takes 172.17.0.0/16, user networks the
# first free subnet of docker's default pools (172.18.0.0/16 … 172.31,
# then 192.168.N.0/20); a subnet the host routes or holds an address in
# is skipped. No container runs here, so no bridge is made: the networks
# are records in a private engine; the one host change is a veth pair of
# this test (this kernel has no dummy driver), removed in teardown.

load ../helpers

setup() {
  hutch_setup
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-s$(($$ % 100000)) HUTCH_NET_TABLE=hutch_s$$
  unset HUTCH_NET_DEFAULT_SUBNET
  DUMMY=hsub$(($$ % 100000))
}

teardown() {
  ip link del "$DUMMY" 2>/dev/null
  ip link del "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null
  hutch_teardown
}

h() { timeout -k 5 60 "$HUTCH" "$@"; }

subnet_of() { h network inspect "$1" | jq -r '.[0].IPAM.Config[0].Subnet'; }

# docker's pools in order, after 172.17 (docker0's)
pools() {
  local i
  for i in $(seq 18 31); do echo "172.$i.0.0/16"; done
  for i in $(seq 0 16 240); do echo "192.168.$i.0/20"; done
}

# held SUBNET: does the host route into it or hold an address in it? (the
# /16 and /20 pools are compared by their leading octets)
held() {
  local lead
  case $1 in
    172.*) lead=$(echo "$1" | cut -d. -f1-2). ;;
    *) lead=$(echo "$1" | cut -d. -f1-2).$(($(echo "$1" | cut -d. -f3) / 16)) ;;
  esac
  { ip -4 route show table main | awk '{print $1}'; ip -4 -o addr | awk '{print $4}'; } |
    while read -r a; do
      case $1 in
        172.*) [[ $a == "$lead"* ]] && echo y ;;
        *) [[ $a == 192.168.* ]] && [ "$(($(echo "$a" | cut -d. -f3) / 16))" = "${lead##*.}" ] && echo y ;;
      esac
    done | grep -q y
}

# the first pool subnet the host leaves free, after those given
first_free() {
  local s skip
  for s in $(pools); do
    for skip in "$@"; do [ "$s" = "$skip" ] && continue 2; done
    held "$s" || { echo "$s"; return 0; }
  done
  return 1
}

@test "network create: the first free subnet of docker's pools, then the next" {
  local want1 want2
  want1=$(first_free)
  want2=$(first_free "$want1")
  run h network create sub-a
  assert_success
  run subnet_of sub-a
  assert_output "$want1"
  run bash -c "'$HUTCH' network inspect sub-a | jq -r '.[0].IPAM.Config[0].Gateway'"
  assert_output "${want1%.0/*}.1"
  run h network create sub-b
  assert_success
  run subnet_of sub-b
  assert_output "$want2"
  # never podman's
  refute_output --regexp '^10\.(88|89)\.'
  # an explicit --subnet is kept as given
  run h network create --subnet 10.89.7.0/24 sub-c
  assert_success
  run subnet_of sub-c
  assert_output "10.89.7.0/24"
}

@test "the default network is docker0's 172.17.0.0/16" {
  held 172.17.0.0/16 && { echo "this host holds 172.17.0.0/16 already" >&2; return 1; }
  run h network ls
  assert_success
  assert_line --regexp ' bridge +bridge +local$'
  run subnet_of bridge
  assert_output "172.17.0.0/16"
}

@test "a subnet with an address on a host interface is skipped, down or up" {
  local want skipped
  skipped=$(first_free)
  want=$(first_free "$skipped")
  ip link add "$DUMMY" type veth peer name "${DUMMY}p"
  # down: an address, no route
  ip addr add "${skipped%.0/*}.9/${skipped#*/}" dev "$DUMMY"
  ! ip -4 route show dev "$DUMMY" | grep -q .
  run h --debug network create sub-down
  assert_success
  assert_output --partial "subnet $skipped is taken by an address of the host"
  run subnet_of sub-down
  assert_output "$want"
  h network rm sub-down
  # up: its route holds it too
  ip link set "$DUMMY" up
  ip -4 route show dev "$DUMMY" | grep -q "^$skipped"
  run h --debug network create sub-up
  assert_success
  assert_output --partial "subnet $skipped is taken by a route of the host"
  run subnet_of sub-up
  assert_output "$want"
  # asked for by name, it is refused
  run h network create --subnet "$skipped" sub-clash
  assert_failure 1
  assert_output --partial "subnet $skipped overlaps a route of the host"
}
