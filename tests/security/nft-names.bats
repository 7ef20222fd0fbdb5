#!/usr/bin/env bats
# Names that reach nftables cannot inject rules or break other networks
# (issue 12). hutch's rules are nft text with bridge names in quotes; a
# bridge name with a quote ended the string (`br"x`), and one bad network
# broke the whole transaction, so every network lost its NAT. Now network
# and bridge names are [A-Za-z0-9_.-] (bridge: shorter than IFNAMSIZ) where
# they enter (`network create`, the records on disk), and a network with a
# bad bridge name gets no rules while the others keep theirs.
#
# Test-only everything: the engine helpers' private root, default bridge
# and nft table; user networks on 10.192.X.0/24 and 10.191.X.0/24 with
# bridges hsa<pid>/hsb<pid>. The hostile names used are syntax errors for
# nft, never valid commands, so even a regression cannot flush a ruleset.

load ../integration/engine/helpers

setup_file() {
  engine_setup_file
  local x=$(($$ % 250))
  export SUB_A=10.192.$x.0/24 SUB_B=10.191.$x.0/24
  export BR_A=hsa$(($$ % 100000)) BR_B=hsb$(($$ % 100000))
}

teardown_file() {
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null || true
  engine_teardown_file
}

teardown() {
  # put back a record the test made hostile, so rm and network rm work
  [ -f "$TEST_DIR/na.json" ] && cp "$TEST_DIR/na.json" "$HUTCH_ROOT/networks/na.json"
  engine_teardown
  local n
  for n in $("$HUTCH" network ls -q 2>/dev/null); do
    "$HUTCH" network rm "$n" >/dev/null 2>&1
  done
  # a regression would have made bridges with odd names: none may stay
  for n in "$BR_A" "$BR_B" "$HUTCH_NET_DEFAULT_BRIDGE" 'br"x' 'br;x' 'br{x}' "br'x" 'br$x'; do
    ip link del "$n" 2>/dev/null || true
  done
}

networks() { "$HUTCH" network ls --format '{{.Name}}' 2>/dev/null | sort | tr '\n' ' '; }

@test "nft names: network names with ; quotes spaces newlines braces are refused, nothing is made" {
  local before name
  before=$(networks)
  for name in 'x;flush ruleset' 'a"b' "a'b" 'a b' $'a\nb' 'a{b}' 'a}' '"'; do
    run hutch network create --subnet "$SUB_A" "$name"
    assert_failure
    assert_output --partial "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
  done
  assert_equal "$(networks)" "$before"
  [ -z "$(ls "$HUTCH_ROOT/networks"/*.json 2>/dev/null | grep -v -e /default.json -e /bridge.json)" ]
}

@test "nft names: bridge names that nft would not take as text are refused, nothing is made" {
  local before br
  before=$(networks)
  for br in 'br"x' 'br;x' 'br{x}' "br'x" 'br$x' 'abcdefghijklmnop'; do
    run hutch network create --subnet "$SUB_A" -o "com.docker.network.bridge.name=$br" nbad
    assert_failure
    assert_output --partial "is not a valid interface name"
    ! ip link show "$br" >/dev/null 2>&1 || fail "bridge $br was created"
  done
  assert_equal "$(networks)" "$before"
}

@test "nft names: a network record with a hostile bridge does not break run on another network" {
  hutch network create --subnet "$SUB_A" -o "com.docker.network.bridge.name=$BR_A" na >/dev/null
  hutch network create --subnet "$SUB_B" -o "com.docker.network.bridge.name=$BR_B" nb >/dev/null
  hutch_bg run -d --name ca --network na testimg sleep 3600
  cp "$HUTCH_ROOT/networks/na.json" "$TEST_DIR/na.json"
  # what a tampered or corrupt store holds: a name that ends nft's string
  jq '.bridge = "x\"{"' "$TEST_DIR/na.json" >"$HUTCH_ROOT/networks/na.json"
  run hutch run --rm --network nb testimg hutch-helper true
  assert_success
  # nb's rules are in place while it has a container; na's hostile name is not
  hutch_bg run -d --name cb --network nb testimg sleep 3600
  run nft list table ip "$HUTCH_NET_TABLE"
  assert_success
  assert_output --partial "oifname \"$BR_B\""
  refute_output --partial 'x\"{'
  run hutch network ls
  assert_success
  assert_output --partial "nb"
}
