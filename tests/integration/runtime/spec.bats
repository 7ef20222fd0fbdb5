#!/usr/bin/env bats
# `spec`: writes a default config.json like runc's; --rootless adds a user
# namespace with mappings for the caller.

load ../helpers

@test "spec writes a valid config.json with ociVersion, process and root" {
  cd "$TEST_DIR"
  run "$RUNTIME" spec
  assert_success
  run jq -r '[.ociVersion, (.process.args | length > 0), .root.path, .process.terminal] | map(tostring) | join(" ")' config.json
  assert_success
  assert_regex "$output" '^1\.[0-9]+\.[0-9]+(-dev)? true rootfs (true|false)$'
  run jq -r '[.linux.namespaces[].type] | sort | join(",")' config.json
  assert_output --regexp '^(cgroup,)?ipc,mount,network,pid,uts$'
}

@test "spec refuses to overwrite an existing config.json" {
  cd "$TEST_DIR"
  echo '{"mine": true}' >config.json
  run "$RUNTIME" spec
  assert_failure
  assert_equal "$(cat config.json)" '{"mine": true}'
}

@test "spec --rootless has a user namespace mapping the caller to root, and no network namespace" {
  cd "$TEST_DIR"
  run "$RUNTIME" spec --rootless
  assert_success
  run jq -r '[.linux.namespaces[].type] | sort | join(",")' config.json
  assert_output --partial "user"
  refute_output --partial "network"
  run jq -r '.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' config.json
  assert_output "0 $(id -u) 1"
  run jq -r '.linux.gidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' config.json
  assert_output "0 $(id -g) 1"
}

@test "a bundle from spec (with only args and terminal changed) runs" {
  make_bundle /bin/hutch-helper hostname
  ID=$(new_id)
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  # runc's and hutch's default hostname
  assert_output "$(jq -r .hostname "$BUNDLE/config.json")"
}
