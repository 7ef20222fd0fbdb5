#!/usr/bin/env bats
# `hutch check`: the proof, shipped. It reports the kernel features hutch
# relies on and runs the self-protection probes (sealed re-exec of each
# binary hutch execs, the private procfs, /dev/null, RESOLVE_IN_ROOT)
# against the binaries under test. These tests check its rows and exit
# status on this host, that it computes the cgroup layout the host really
# has, that a binary which cannot run sealed is a FAIL with exit 1, and
# that it needs no engine store and leaves nothing mounted.

load ../integration/helpers
bats_require_minimum_version 1.5.0

ROWS=(kernel cgroups userns userns-unprivileged overlayfs overlay-lowerdir+ seccomp
  seccomp-notify openat2 pidfd_open mount-api idmapped-mounts memfd-seal lsm seal-hutch
  seal-hutch-runtime seal-hutch-monitor hutch-init procfs dev-null resolve-in-root)

setup() {
  hutch_setup
  # An engine that was never used: check must not need or create it.
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
}

teardown() { hutch_teardown; }

check() {
  timeout -k 5 "$HUTCH_CMD_TIMEOUT" "$HUTCH" check "$@"
}

# The layout statfs shows, computed here rather than assumed.
expected_cgroup_layout() {
  local root unified
  root=$(stat -fc %T /sys/fs/cgroup)
  unified=$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null || true)
  case "$root/$unified" in
    cgroup2fs/*) echo v2 ;;
    tmpfs/cgroup2fs) echo hybrid ;;
    tmpfs/* | cgroupfs/*) echo v1 ;;
    *) echo "unknown: $root/$unified" ;;
  esac
}

@test "check: the table has every row with a valid status, and exits 0 on this host" {
  run check
  assert_success
  assert_line --index 0 --regexp '^CHECK +STATUS +DETAIL$'
  local r
  for r in "${ROWS[@]}"; do
    assert_line --regexp "^${r//+/\\+} +(ok|missing|fallback|FAIL) +[^ ]"
  done
  refute_line --regexp '^[^ ]+ +FAIL '
  assert_equal "${#lines[@]}" $((${#ROWS[@]} + 1))
}

@test "check --format json: an array with each check once, a valid status, detail and enables" {
  run check --format json
  assert_success
  local json=$output
  jq -e 'type == "array"' <<<"$json"
  run jq -r '.[].check' <<<"$json"
  assert_equal "$output" "$(printf '%s\n' "${ROWS[@]}")"
  jq -e 'all(.[]; (.status | IN("ok", "missing", "fallback", "FAIL"))
    and (.detail | type == "string" and length > 0) and (.enables | type == "string")
    and (keys == ["check", "detail", "enables", "status"]))' <<<"$json"
  jq -e 'all(.[]; .status != "FAIL")' <<<"$json"
}

@test "check: the cgroup row names the layout statfs shows here (hybrid on this VM)" {
  local want
  want=$(expected_cgroup_layout)
  run check --format json
  assert_success
  run jq -r '.[] | select(.check == "cgroups") | .status + " " + .detail' <<<"$output"
  assert_output --regexp "^ok $want: "
  if [ "$want" = hybrid ]; then
    assert_output --partial "cgroup2 at /sys/fs/cgroup/unified"
  fi
}

@test "check: the binaries under test run sealed from a read-only mount, procfs is private" {
  run check --format json
  assert_success
  local json=$output r
  for r in seal-hutch seal-hutch-runtime seal-hutch-monitor; do
    run jq -r --arg r "$r" '.[] | select(.check == $r) | .status + " " + .detail' <<<"$json"
    assert_output --regexp '^ok /.*: runs from a detached read-only mount'
  done
  run jq -r '.[] | select(.check == "seal-hutch") | .detail' <<<"$json"
  assert_output --partial "$(readlink -f "$HUTCH")"
  run jq -r '.[] | select(.check == "procfs" or .check == "dev-null") | .status' <<<"$json"
  assert_output "ok
ok"
}

@test "check: a helper hutch would exec that does not exist is FAIL, exit 1" {
  HUTCH_MONITOR=$TEST_DIR/no-such-monitor run check
  assert_failure 1
  assert_line --regexp "^seal-hutch-monitor +FAIL +$TEST_DIR/no-such-monitor: No such file or directory"
  HUTCH_MONITOR=$TEST_DIR/no-such-monitor run check --format json
  assert_failure 1
  run jq -r '.[] | select(.status == "FAIL") | .check' <<<"$output"
  assert_output seal-hutch-monitor
}

@test "check: a runtime that is not executable, or on a noexec mount, is FAIL" {
  cp "$HUTCH_RUNTIME" "$TEST_DIR/hutch-runtime"
  chmod 0644 "$TEST_DIR/hutch-runtime"
  HUTCH_RUNTIME=$TEST_DIR/hutch-runtime run check
  assert_failure 1
  assert_line --regexp '^seal-hutch-runtime +FAIL +.*not executable \(mode 0644\)'
  # In a private mount namespace, so the tmpfs goes with it.
  mkdir "$TEST_DIR/noexec"
  run unshare -m --propagation private sh -c '
    mount -t tmpfs -o noexec tmpfs "$1" && cp "$2" "$1/hutch-runtime" &&
    HUTCH_RUNTIME=$1/hutch-runtime "$3" check' sh "$TEST_DIR/noexec" "$HUTCH_RUNTIME" "$HUTCH"
  assert_failure 1
  assert_line --regexp '^seal-hutch-runtime +FAIL +.*noexec'
}

@test "check: works with no engine store, creates none, leaves no mount behind" {
  run unshare -m --propagation private sh -c '
    cat /proc/self/mountinfo >"$1/before" && "$2" check >/dev/null; s=$?
    cat /proc/self/mountinfo >"$1/after"; exit $s' sh "$TEST_DIR" "$HUTCH"
  assert_success
  run diff "$TEST_DIR/before" "$TEST_DIR/after"
  assert_success
  [ ! -e "$HUTCH_ROOT" ] || fail "check created $HUTCH_ROOT"
  [ ! -e "$HUTCH_RUN_ROOT" ] || fail "check created $HUTCH_RUN_ROOT"
}

@test "check is not re-executed from a sealed copy (it starts no container)" {
  run --separate-stderr timeout -k 5 "$HUTCH_CMD_TIMEOUT" "$HUTCH" --debug check
  assert_success
  [[ "$stderr" != *"read-only mount"* && "$stderr" != *"sealed memfd"* ]] ||
    fail "check re-executed itself sealed: $stderr"
}

@test "check --help prints usage and probes nothing; unknown flags are usage errors" {
  run check --help
  assert_success
  assert_line --index 0 'Usage:  hutch check [OPTIONS]'
  refute_line --regexp '^CHECK'
  run check --bogus
  assert_failure 125
  assert_output "unknown flag: --bogus
See 'hutch check --help'."
  run check --format yaml
  assert_failure 1
  assert_output --partial "hutch: check: --format takes table or json"
  run check extra
  assert_failure 1
}
