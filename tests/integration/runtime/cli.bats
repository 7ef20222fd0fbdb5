#!/usr/bin/env bats
# The command line itself: --version, --help, unknown verbs, --log and
# --log-format, --debug, --systemd-cgroup without systemd, features; and
# where runc's CLI and hutch-runtime's must agree: options after the ID,
# `VERB -h` for every verb, a missing --root, logrus-formatted log lines.

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

# verbs: the verbs `--help` lists, one a line.
verbs() {
  "$RUNTIME" --help | awk '/^Commands:/ {on = 1; next} on && NF == 0 {exit} on {print $1}'
}

@test "every verb answers -h and --help with its usage on stdout, exit 0, and does nothing" {
  make_bundle
  ID=$(new_id)
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  local verb flag n=0
  cd "$TEST_DIR" # `spec -h` must not write a config.json here
  for verb in $(verbs); do
    n=$((n + 1))
    for flag in -h --help; do
      run --separate-stderr runtime "$verb" "$flag" "$ID"
      assert_success
      assert_line --index 0 --regexp "^Usage: $(runtime_name) $verb( |$)"
    done
  done
  [ "$n" -ge 17 ] || fail "only $n verbs listed"
  # The help after the ID is still help (the flags are permuted).
  run runtime delete "$ID" --help
  assert_success
  [ ! -e "$TEST_DIR/config.json" ] || fail "spec -h wrote a config.json"
  [ "$(state_field "$ID" status)" = created ] || fail "a -h changed the container"
}

@test "checkpoint and restore: help succeeds, the verb itself fails clearly" {
  run runtime checkpoint --help
  assert_success
  assert_output --partial "no CRIU support"
  run runtime checkpoint --image-path /tmp/x some-id
  assert_failure
  assert_output "hutch-runtime: checkpoint: not supported (no CRIU support yet)"
}

@test "options after the container ID are parsed: update ID --memory, kill ID --all, delete ID --force" {
  make_bundle
  ID=$(new_id)
  bundle_set '.linux.cgroupsPath = $p' --arg p "/hutch-cli-$$-$BATS_TEST_NUMBER/$ID"
  start_detached /bin/hutch-helper sleep 300
  run runtime update "$ID" --memory 64m --memory-swap 64m
  assert_success
  run cat "/sys/fs/cgroup/memory/hutch-cli-$$-$BATS_TEST_NUMBER/$ID/memory.limit_in_bytes"
  assert_output $((64 << 20))
  run runtime kill "$ID" --all KILL
  assert_success
  wait_status "$ID" stopped
  run runtime delete "$ID" --force
  assert_success
  assert_gone "$ID"
  rmdir "/sys/fs/cgroup/memory/hutch-cli-$$-$BATS_TEST_NUMBER" 2>/dev/null || true
}

@test "list with a --root that does not exist lists nothing, as runc and crun; a file is an error" {
  run "$RUNTIME" --root "$TEST_DIR/missing" list -q
  assert_success
  assert_output ""
  [ ! -e "$TEST_DIR/missing" ] || fail "list created the root"
  touch "$TEST_DIR/file"
  run "$RUNTIME" --root "$TEST_DIR/file" list
  assert_failure
  assert_output --regexp "^hutch-runtime: .*$TEST_DIR/file: Not a directory$"
}

@test "--log FILE writes runc's logrus text lines: time=\"…\" level=… msg=\"…\"" {
  make_bundle
  ID=$(new_id)
  run "$RUNTIME" --root "$STATE" --debug --log "$TEST_DIR/debug.log" run -b "$BUNDLE" "$ID"
  assert_success
  run grep -cv '^time="[0-9]\{4\}-[0-9-]\{5\}T[0-9:]\{8\}\(\.[0-9]*\)\?Z" level=\(debug\|info\|warning\|error\) msg=".*"$' "$TEST_DIR/debug.log"
  assert_output 0 # every line
  run grep -c ' level=debug msg="pivot_root' "$TEST_DIR/debug.log"
  refute_output 0
  # An error goes to the log the same way, and once to stderr for people.
  run --separate-stderr "$RUNTIME" --root "$STATE" --log "$TEST_DIR/err.log" state no-such
  assert_failure
  assert_equal "$stderr" "hutch-runtime: container no-such does not exist"
  run cat "$TEST_DIR/err.log"
  assert_output --regexp '^time="[^"]+" level=error msg="container no-such does not exist"$'
}

@test "--debug without --log writes the same logrus lines to stderr" {
  run --separate-stderr "$RUNTIME" --root "$STATE" --debug list
  assert_success
  [ -z "$stderr" ] || [[ "$stderr" =~ ^time=\" ]] || fail "stderr: $stderr"
  make_bundle
  ID=$(new_id)
  run --separate-stderr "$RUNTIME" --root "$STATE" --debug run -b "$BUNDLE" "$ID"
  assert_success
  echo "$stderr" | grep -q '^time="[^"]*" level=debug msg="pivot_root' || fail "stderr: $stderr"
}

@test "--log-format json: every line is {level, msg, time} with an RFC 3339 time" {
  make_bundle
  ID=$(new_id)
  run "$RUNTIME" --root "$STATE" --debug --log "$TEST_DIR/log.json" --log-format json run -b "$BUNDLE" "$ID"
  assert_success
  run jq -s -e 'length > 10 and all(.[]; (keys == ["level", "msg", "time"]) and
      (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]+)?Z$")))' "$TEST_DIR/log.json"
  assert_success
}

@test "features: ociVersionMax is the spec version --version names; systemd cgroups off" {
  run "$RUNTIME" --version
  local spec
  spec=$(sed -n 's/^spec: //p' <<<"$output")
  [ -n "$spec" ] || fail "--version names no spec version"
  run "$RUNTIME" features
  assert_success
  assert_equal "$(jq -r .ociVersionMax <<<"$output")" "$spec"
  assert_equal "$(jq -c '.linux.cgroup | [.v1, .v2, .systemd]' <<<"$output")" "[true,true,false]"
}
