#!/usr/bin/env bats
# The command line itself: --version, --help, unknown verbs, --log and
# --log-format, --debug, --systemd-cgroup without systemd, features.

load ../helpers

@test "--version prints a version and exits 0" {
  run "$RUNTIME" --version
  assert_success
  assert_line --index 0 --regexp 'version [0-9]+\.[0-9]+'
}

@test "--help lists the verbs and exits 0" {
  run "$RUNTIME" --help
  assert_success
  local verb
  for verb in create start run state kill delete list spec; do
    assert_output --regexp "(^|[[:space:]])$verb([[:space:]]|$)"
  done
}

@test "an unknown verb fails and names it" {
  run "$RUNTIME" no-such-verb
  assert_failure
  assert_output --partial "no-such-verb"
}

@test "--log FILE --log-format json writes errors as JSON lines" {
  run "$RUNTIME" --root "$STATE" --log "$TEST_DIR/log.json" --log-format json state no-such-container
  assert_failure
  [ -s "$TEST_DIR/log.json" ] || fail "nothing logged to $TEST_DIR/log.json"
  run jq -e -s 'length > 0 and all(.[]; (.msg | type == "string") and (.level | type == "string"))' \
    "$TEST_DIR/log.json"
  assert_success
}

@test "--debug logs the kernel-level steps of a run" {
  make_bundle
  ID=$(new_id)
  run "$RUNTIME" --root "$STATE" --debug --log "$TEST_DIR/debug.log" run -b "$BUNDLE" "$ID"
  assert_success
  run cat "$TEST_DIR/debug.log"
  assert_output --partial "pivot_root"
  assert_output --regexp "mount.*proc"
}

@test "--systemd-cgroup without systemd fails with a clear error and leaves nothing" {
  [ ! -d /run/systemd/system ] || skip "this host runs systemd"
  make_bundle
  ID=$(new_id)
  run "$RUNTIME" --root "$STATE" --systemd-cgroup run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "systemd"
  assert_gone "$ID"
}

@test "features prints JSON naming the namespaces it supports" {
  run "$RUNTIME" features
  assert_success
  run jq -r '.linux.namespaces | sort | join(",")' <<<"$output"
  assert_output "cgroup,ipc,mount,network,pid,time,user,uts"
}
