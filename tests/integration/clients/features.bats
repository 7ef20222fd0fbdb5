#!/usr/bin/env bats
# What clients ask the runtime before they run anything: `features` (the
# runtime-spec features document containerd and CRI-O read) and the
# verbs hutch-runtime does not have yet (checkpoint/restore), which must
# fail clearly, also in the JSON log clients read back.

load helpers

setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-feat.XXXXXX")
}

teardown() {
  rm -rf "$TEST_DIR"
}

@test "features is valid JSON with ociVersionMax and linux.namespaces" {
  run "$HUTCH_RUNTIME" features
  assert_success
  echo "$output" >"$TEST_DIR/f.json"
  jq -e . "$TEST_DIR/f.json" >/dev/null
  run jq -r '.ociVersionMin, .ociVersionMax' "$TEST_DIR/f.json"
  assert_output $'1.0.0\n1.2.0'
  run jq -r '.linux.namespaces | sort | join(",")' "$TEST_DIR/f.json"
  assert_output "cgroup,ipc,mount,network,pid,time,user,uts"
  run jq -r '.hooks | join(",")' "$TEST_DIR/f.json"
  assert_output "prestart,createRuntime,createContainer,startContainer,poststart,poststop"
}

@test "features lists every capability of this kernel and the seccomp vocabulary" {
  "$HUTCH_RUNTIME" features >"$TEST_DIR/f.json"
  last=$(cat /proc/sys/kernel/cap_last_cap)
  run jq -r '.linux.capabilities | length' "$TEST_DIR/f.json"
  assert_output "$((last + 1))"
  run jq -r '.linux.capabilities[]' "$TEST_DIR/f.json"
  assert_line CAP_CHOWN
  assert_line CAP_SYS_ADMIN
  assert_line CAP_NET_RAW
  run jq -r '.linux.seccomp | [.enabled, (.actions | length), (.operators | length)] | join(" ")' \
    "$TEST_DIR/f.json"
  assert_output "true 9 7"
  run jq -r '.linux.seccomp.actions[]' "$TEST_DIR/f.json"
  assert_line SCMP_ACT_ERRNO
  assert_line SCMP_ACT_NOTIFY
  run jq -r '.linux.seccomp.archs[]' "$TEST_DIR/f.json"
  assert_line SCMP_ARCH_X86_64
  assert_line SCMP_ARCH_AARCH64
  run jq -r '.linux.seccomp.knownFlags[]' "$TEST_DIR/f.json"
  assert_line SECCOMP_FILTER_FLAG_TSYNC
  run jq -c '.linux.cgroup' "$TEST_DIR/f.json"
  assert_output '{"v1":true,"v2":true,"systemd":false,"systemdUser":false}'
}

@test "features reports apparmor and selinux as this host has them" {
  "$HUTCH_RUNTIME" features >"$TEST_DIR/f.json"
  aa=false
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -d /sys/kernel/security/apparmor ] && aa=true
  se=false
  [ -e /sys/fs/selinux/enforce ] && se=true
  run jq -r '"\(.linux.apparmor.enabled) \(.linux.selinux.enabled)"' "$TEST_DIR/f.json"
  assert_output "$aa $se"
  run jq -r '.annotations["io.github.seccomp.libseccomp.version"]' "$TEST_DIR/f.json"
  assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+$'
}

@test "checkpoint and restore: not supported, exit 1, also in the JSON log" {
  run "$HUTCH_RUNTIME" --root "$TEST_DIR/state" checkpoint --image-path "$TEST_DIR/img" c1
  assert_failure 1
  assert_output "hutch-runtime: checkpoint: not supported (no CRIU support yet)"
  run "$HUTCH_RUNTIME" --root "$TEST_DIR/state" --log "$TEST_DIR/log.json" --log-format json \
    restore --bundle "$TEST_DIR" c1
  assert_failure 1
  run jq -r '"\(.level) \(.msg)"' "$TEST_DIR/log.json"
  assert_output "error restore: not supported (no CRIU support yet)"
}

@test "an unknown command is an error in the JSON log too" {
  run "$HUTCH_RUNTIME" --log "$TEST_DIR/log.json" --log-format json frobnicate c1
  assert_failure 1
  assert_output 'hutch-runtime: unknown command "frobnicate"'
  run jq -r '"\(.level) \(.msg)"' "$TEST_DIR/log.json"
  assert_output 'error unknown command "frobnicate"'
}
