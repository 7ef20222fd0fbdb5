#!/usr/bin/env bats
# Mounts from config.json: bind mounts read-only and read-write, tmpfs, the
# spec's masked and read-only paths; nothing stays mounted on the host.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  mkdir "$TEST_DIR/data"
  echo "from the host" >"$TEST_DIR/data/file"
}

# add_mount DEST SOURCE TYPE OPTIONS_JSON
add_mount() {
  bundle_set '.mounts += [{"destination": $d, "source": $s, "type": $t, "options": $o}]' \
    --arg d "$1" --arg s "$2" --arg t "$3" --argjson o "$4"
}

@test "a read-only bind mount is readable and not writable" {
  add_mount /data "$TEST_DIR/data" bind '["rbind", "ro"]'
  run_helper cat /data/file
  assert_success
  assert_output "from the host"
  run_helper write /data/new text
  assert_failure 1
  assert_output "hutch-helper: write /data/new: EROFS: Read-only file system"
  [ ! -e "$TEST_DIR/data/new" ] || fail "the write reached the host"
  run_helper mkdir /data/dir
  assert_output "EROFS"
}

@test "a read-write bind mount writes through to the host" {
  add_mount /data "$TEST_DIR/data" bind '["rbind", "rw"]'
  run_helper write /data/new "written inside"
  assert_success
  assert_output "ok"
  assert_equal "$(cat "$TEST_DIR/data/new")" "written inside"
}

@test "a bind mount of a single file" {
  add_mount /etc/motd "$TEST_DIR/data/file" bind '["bind", "ro"]'
  run_helper cat /etc/motd
  assert_success
  assert_output "from the host"
}

@test "a bind mount onto a destination missing in the rootfs creates it" {
  add_mount /new/deep/dir "$TEST_DIR/data" bind '["rbind", "ro"]'
  run_helper cat /new/deep/dir/file
  assert_success
  assert_output "from the host"
}

@test "a tmpfs mount is writable even on a read-only root, and private to the container" {
  bundle_set '.root.readonly = true'
  add_mount /scratch tmpfs tmpfs '["nosuid", "nodev", "size=1m"]'
  run_helper write /scratch/f x
  assert_success
  run_helper write /f x
  assert_failure
  assert_output "hutch-helper: write /f: EROFS: Read-only file system"
}

@test "a writable root lets the process write to the rootfs" {
  bundle_set '.root.readonly = false'
  run_helper write /tmp/f "rootfs write"
  assert_success
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/f")" "rootfs write"
}

@test "maskedPaths hide files and readonlyPaths cannot be written" {
  bundle_set '.linux.maskedPaths = ["/proc/kcore", "/etc/group"] | .linux.readonlyPaths = ["/proc/sys"]'
  run_helper cat /etc/group
  assert_success
  assert_output ""
  run_helper write /proc/sys/kernel/hostname x
  assert_failure
  assert_output --partial "EROFS"
}

@test "a mount destination through a symlink stays inside the rootfs" {
  # /evil -> / on the host would be an escape if followed outside the rootfs.
  ln -s "$TEST_DIR" "$BUNDLE/rootfs/evil"
  add_mount /evil/target "$TEST_DIR/data" bind '["rbind", "ro"]'
  run runtime run -b "$BUNDLE" "$ID"
  # Whatever the runtime does (refuse, or mount inside the rootfs), nothing
  # may be mounted on the host's $TEST_DIR/target.
  ! grep -qF " $TEST_DIR/target " /proc/self/mountinfo || fail "mounted outside the rootfs"
  [ ! -e "$TEST_DIR/target" ] || fail "created $TEST_DIR/target on the host"
}

@test "after runs with mounts, nothing of the test's paths is mounted on the host" {
  add_mount /data "$TEST_DIR/data" bind '["rbind", "ro"]'
  add_mount /scratch tmpfs tmpfs '[]'
  run_helper true
  assert_success
  set_args /bin/hutch-helper sleep 100
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime delete -f "$ID"
  assert_success
  run grep -F "$TEST_DIR" /proc/self/mountinfo
  assert_failure
}
