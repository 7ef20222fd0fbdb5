#!/usr/bin/env bats
# The container's filesystem view against the OCI spec and runc (issue 14,
# "Namespaces, mounts, propagation"): a spec without a mount namespace,
# rootfsPropagation, a read-only /dev, tmpfs modes, fuse bind sources, a
# /proc that is a symlink, bind sources a user
# namespace cannot reach, and the fds a created container's init holds.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

# add_mount DEST SOURCE TYPE OPTIONS_JSON
add_mount() {
  bundle_set '.mounts += [{"destination": $d, "source": $s, "type": $t, "options": $o}]' \
    --arg d "$1" --arg s "$2" --arg t "$3" --argjson o "$4"
}

# userns: a user namespace mapping 0 to 100000 (the bundle made reachable).
userns() {
  chmod 755 "$TEST_DIR" "$BUNDLE"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# root_line: the line of / in the /proc/self/mountinfo printed as $output.
root_line() {
  echo "$output" | awk '$5 == "/"' | tail -1
}

@test "without a mount namespace the container shares the runtime's, chrooted into the rootfs" {
  bundle_set '.linux.namespaces |= map(select(.type != "mount"))
    | del(.linux.maskedPaths, .linux.readonlyPaths) | .mounts = [] | .root.readonly = false'
  # The shared namespace is the host's: the host provides the rootfs's /proc.
  mount -t proc proc "$BUNDLE/rootfs/proc"
  run_helper ns mnt
  local rc=$status out=$output
  run_helper ls /
  local ls_out=$output
  # runc leaves its bind of the rootfs on itself behind; hutch-runtime
  # mounts nothing in a namespace it shares.
  local left
  left=$(grep -F "$BUNDLE/rootfs" /proc/self/mountinfo | awk '{print $5}')
  while grep -qF "$BUNDLE/rootfs" /proc/self/mountinfo; do
    umount -l "$(grep -F "$BUNDLE/rootfs" /proc/self/mountinfo | tail -1 | awk '{print $5}')" || break
  done
  [ "$rc" = 0 ] || fail "run without a mount namespace failed: $out"
  assert_equal "$out" "$(readlink /proc/self/ns/mnt)"
  [[ "$ls_out" == *hutch-helper* || "$ls_out" == *bin* ]] || fail "/ is not the rootfs: $ls_out"
  if [ "$(runtime_name)" != runc ]; then
    assert_equal "$left" "$BUNDLE/rootfs/proc"
  fi
}

@test "without a mount namespace, maskedPaths are refused before anything is made" {
  bundle_set '.linux.namespaces |= map(select(.type != "mount")) | .mounts = []'
  run_helper true
  assert_failure
  assert_output --regexp 'mount namespace|MNT namespace'
  assert_gone "$ID"
}

@test "rootfsPropagation shared, slave and private apply to the container's / after pivot_root" {
  bundle_set '.linux.rootfsPropagation = "shared"'
  run_helper cat /proc/self/mountinfo
  assert_success
  [[ "$(root_line)" == *shared:* ]] || fail "/ is not shared: $(root_line)"
  bundle_set '.linux.rootfsPropagation = "rprivate"'
  run_helper cat /proc/self/mountinfo
  assert_success
  [[ "$(root_line)" != *shared:* && "$(root_line)" != *master:* ]] ||
    fail "/ is not private: $(root_line)"
  # (a slave of the host's / has a master only where the host's is shared)
  bundle_set '.linux.rootfsPropagation = "rslave"'
  run_helper cat /proc/self/mountinfo
  assert_success
  [[ "$(root_line)" != *shared:* ]] || fail "/ is shared: $(root_line)"
}

@test "a config.json changed after create has no effect: start runs what create saved" {
  bundle_set '.root.readonly = false'
  set_args /bin/hutch-helper write /created-args original
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  set_args /bin/hutch-helper write /changed-args changed
  bundle_set '.hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c", $c]}]' \
    --arg c "touch $TEST_DIR/hook-ran"
  bundle_set '.linux.rootfsPropagation = "shared"'
  run runtime start "$ID"
  assert_success
  wait_status "$ID" stopped
  [ -e "$BUNDLE/rootfs/created-args" ] || fail "the saved process did not run"
  [ ! -e "$BUNDLE/rootfs/changed-args" ] || fail "start ran the changed config.json's process"
  [ ! -e "$TEST_DIR/hook-ran" ] || fail "start ran a hook added after create"
}

@test "a read-only /dev still gets /dev/pts, /dev/shm, /dev/mqueue and its device nodes" {
  bundle_set '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
  run_helper cat /proc/self/mountinfo
  assert_success
  local dev pts shm mq
  dev=$(echo "$output" | awk '$5 == "/dev"')
  pts=$(echo "$output" | awk '$5 == "/dev/pts"')
  shm=$(echo "$output" | awk '$5 == "/dev/shm"')
  mq=$(echo "$output" | awk '$5 == "/dev/mqueue"')
  [[ "$dev" == *" ro,"* ]] || fail "/dev is not read-only: $dev"
  [ -n "$pts" ] && [ -n "$shm" ] && [ -n "$mq" ] || fail "mounts under /dev missing: $output"
  run_helper write /dev/null discarded
  assert_success
  run_helper write /dev/new text
  assert_failure
  assert_output --partial EROFS
  run_helper ls /dev/pts
  assert_success
  assert_output --partial ptmx
}

@test "a tmpfs keeps the mode of the directory it covers (sticky, setgid) unless its options give mode=" {
  mkdir "$BUNDLE/rootfs/sticky" "$BUNDLE/rootfs/sgid" "$BUNDLE/rootfs/explicit"
  chmod 1770 "$BUNDLE/rootfs/sticky"
  chmod 2775 "$BUNDLE/rootfs/sgid" "$BUNDLE/rootfs/explicit"
  add_mount /sticky tmpfs tmpfs '["nosuid"]'
  add_mount /sgid tmpfs tmpfs '["nosuid", "size=1m"]'
  add_mount /explicit tmpfs tmpfs '["mode=0700"]'
  set_args /bin/stat -c '%n %a' /sticky /sgid /explicit
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "/sticky 1770
/sgid 2775
/explicit 700"
}

@test "a read-only bind of a fuse mount works, with and without a user namespace" {
  command -v fuse-overlayfs >/dev/null || skip "no fuse-overlayfs"
  [ -e /dev/fuse ] || skip "no /dev/fuse"
  mkdir -p "$TEST_DIR/lower" "$TEST_DIR/upper" "$TEST_DIR/work" "$TEST_DIR/fuse"
  echo "through fuse" >"$TEST_DIR/lower/file"
  fuse-overlayfs -o "lowerdir=$TEST_DIR/lower,upperdir=$TEST_DIR/upper,workdir=$TEST_DIR/work,allow_other,nosuid,nodev,noexec" \
    "$TEST_DIR/fuse"
  add_mount /data "$TEST_DIR/fuse" bind '["rbind", "ro"]'
  run_helper cat /data/file
  local rc1=$status out1=$output
  run_helper write /data/new x
  local out2=$output
  userns
  run_helper cat /data/file
  local rc3=$status out3=$output
  fusermount -u "$TEST_DIR/fuse" || umount -l "$TEST_DIR/fuse"
  [ "$rc1" = 0 ] || fail "ro bind of a fuse mount: $out1"
  assert_equal "$out1" "through fuse"
  [[ "$out2" == *EROFS* ]] || fail "the fuse bind is writable: $out2"
  [ "$rc3" = 0 ] || fail "ro bind of a fuse mount in a user namespace: $out3"
  assert_equal "$out3" "through fuse"
}

# proc_symlink TARGET: the rootfs's /proc replaced by a symlink to TARGET.
proc_symlink() {
  rm -rf "$BUNDLE/rootfs/proc"
  ln -s "$1" "$BUNDLE/rootfs/proc"
}

@test "a /proc that is a symlink in the rootfs is refused, not followed" {
  mkdir "$BUNDLE/rootfs/fakeproc"
  proc_symlink /fakeproc
  HUTCH_CMD_TIMEOUT=20 run_helper true
  assert_failure
  [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "the runtime hung (status $status)"
  assert_output --regexp '/proc.*(symlink|ordinary directory)'
  [ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ] || fail "procfs was mounted through the symlink"
  assert_gone "$ID"
}

@test "attack: a hostile rootfs whose /proc points at a host directory mounts nothing there" {
  mkdir "$TEST_DIR/hostdir"
  echo "host secret" >"$TEST_DIR/hostdir/keep"
  for target in "$TEST_DIR/hostdir" "../../../../../../../../..$TEST_DIR/hostdir"; do
    proc_symlink "$target"
    HUTCH_CMD_TIMEOUT=20 run_helper true
    assert_failure
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "the runtime hung (status $status)"
    assert_output --regexp '/proc.*(symlink|ordinary directory)'
    ! grep -F "$TEST_DIR/hostdir" /proc/self/mountinfo || fail "a mount reached the host dir"
    assert_equal "$(ls -A "$TEST_DIR/hostdir")" keep
    assert_gone "$ID"
  done
  # /sys too: sysfs is refused through a symlink as well.
  rm -f "$BUNDLE/rootfs/proc"
  mkdir "$BUNDLE/rootfs/proc"
  rmdir "$BUNDLE/rootfs/sys"
  ln -s "$TEST_DIR/hostdir" "$BUNDLE/rootfs/sys"
  HUTCH_CMD_TIMEOUT=20 run_helper true
  assert_failure
  assert_output --regexp '/sys.*(symlink|ordinary directory)'
  assert_equal "$(ls -A "$TEST_DIR/hostdir")" keep
}

# private_source: $TEST_DIR/private (0700, root's) holding data/file.
private_source() {
  mkdir -p "$TEST_DIR/private/data"
  echo "behind 0700" >"$TEST_DIR/private/data/file"
  chmod 700 "$TEST_DIR/private"
  chmod 755 "$TEST_DIR/private/data"
}

@test "a bind source under a 0700 parent is mounted in a user namespace (opened before entering it)" {
  userns
  private_source
  mkdir "$BUNDLE/rootfs/data"
  touch "$BUNDLE/rootfs/file"
  add_mount /data "$TEST_DIR/private/data" bind '["rbind", "ro"]'
  run_helper cat /data/file
  assert_success
  assert_output "behind 0700"
  add_mount /file "$TEST_DIR/private/data/file" bind '["bind"]'
  run_helper cat /file
  assert_success
  assert_output "behind 0700"
}

@test "a bind source under a 0700 parent is mounted when joining another container's user namespace" {
  userns
  local peer=$(new_id)-peer b=$TEST_DIR/peer
  mkdir -p "$b"
  chmod 755 "$b"
  cp -a "$BUNDLE/rootfs" "$b/rootfs"
  jq '.process.args = ["/bin/hutch-helper", "sleep", "300"]' "$BUNDLE/config.json" >"$b/config.json"
  runtime_bg "$TEST_DIR/peer" run -d -b "$b" "$peer" || fail "run -d: $(cat "$TEST_DIR/peer.err")"
  local ppid
  ppid=$(state_field "$peer" pid)
  private_source
  mkdir "$BUNDLE/rootfs/data"
  # Its pid namespace too: a new one would be made at clone, owned by the
  # runtime's user namespace, where the container's root cannot mount proc.
  bundle_set '(.linux.namespaces[] | select(.type == "user")) .path = $u
    | (.linux.namespaces[] | select(.type == "pid")) .path = $p' \
    --arg u "/proc/$ppid/ns/user" --arg p "/proc/$ppid/ns/pid"
  add_mount /data "$TEST_DIR/private/data" bind '["rbind", "ro"]'
  run_helper cat /data/file
  assert_success
  assert_output "behind 0700"
}

@test "a created container's init holds no fd of the caller beyond stdio and --preserve-fds" {
  echo caller >"$TEST_DIR/caller-file"
  echo preserved >"$TEST_DIR/preserved"
  echo gone >"$TEST_DIR/gone"
  set_args /bin/hutch-helper true
  exec 6<"$TEST_DIR/gone"
  rm "$TEST_DIR/gone"
  runtime create --preserve-fds 1 -b "$BUNDLE" "$ID" 3<"$TEST_DIR/preserved" \
    4<"$TEST_DIR/caller-file" 7</dev/null </dev/null >/dev/null 2>"$TEST_DIR/create.err" ||
    true
  exec 6<&-
  [ -s "$TEST_DIR/create.err" ] && fail "create: $(cat "$TEST_DIR/create.err")"
  local pid
  pid=$(state_field "$ID" pid)
  local fds
  fds=$(ls -l "/proc/$pid/fd" | awk 'NR > 1 {print $9, $11, $12}' | sed 's/ *$//')
  echo "$fds" >&2
  [[ "$fds" != *caller-file* ]] || fail "the caller's fd 4 reached the init"
  [[ "$fds" != *gone* ]] || fail "the caller's fd of a deleted file reached the init"
  [[ "$fds" != *"7 /dev/null"* ]] || fail "the caller's fd 7 (/dev/null) reached the init"
  echo "$fds" | grep -q '^3 .*preserved$' || fail "--preserve-fds 1: fd 3 is not the preserved file"
}
