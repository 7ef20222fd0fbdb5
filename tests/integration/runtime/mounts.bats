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

# ---- runtime-spec 1.1/1.2 mount options: recursive attributes, idmap,
# tmpcopyup. The recursive tests need a submount under the bound dir: a
# tmpfs on $TEST_DIR/data/sub, unmounted by teardown_submount.

# make_submount: $TEST_DIR/data/sub is a tmpfs (on the host) with a copy of
# hutch-helper in it.
make_submount() {
  mkdir "$TEST_DIR/data/sub"
  mount -t tmpfs -o size=16m hutch-it-sub "$TEST_DIR/data/sub"
  SUBMOUNT=$TEST_DIR/data/sub
  cp "$BUNDLE/rootfs/bin/hutch-helper" "$TEST_DIR/data/sub/helper"
}

teardown() {
  [ -n "${SUBMOUNT:-}" ] && umount -l "$SUBMOUNT" 2>/dev/null
  hutch_teardown
}

@test "rro makes an rbind and its submounts read-only; ro leaves the submount writable" {
  make_submount
  add_mount /data "$TEST_DIR/data" bind '["rbind", "ro"]'
  run_helper write /data/sub/f "through ro"
  assert_success
  assert_equal "$(cat "$TEST_DIR/data/sub/f")" "through ro"
  run_helper write /data/f x
  assert_output "hutch-helper: write /data/f: EROFS: Read-only file system"

  bundle_set '.mounts[-1].options = ["rbind", "rro"]'
  run_helper write /data/sub/g x
  assert_failure 1
  assert_output "hutch-helper: write /data/sub/g: EROFS: Read-only file system"
  run_helper write /data/g x
  assert_output "hutch-helper: write /data/g: EROFS: Read-only file system"
  [ ! -e "$TEST_DIR/data/sub/g" ] && [ ! -e "$TEST_DIR/data/g" ] || fail "a write reached the host"
  # Both mounts carry the flag in the container's mountinfo.
  run_helper cat /proc/self/mountinfo
  assert_success
  local mi
  mi=$(awk '$5 == "/data" || $5 == "/data/sub" {print $5, $6}' <<<"$output")
  grep -q '^/data ro,' <<<"$mi" || fail "/data is not ro: $mi"
  grep -q '^/data/sub ro,' <<<"$mi" || fail "/data/sub is not ro: $mi"
}

@test "rnoexec reaches the submounts of an rbind; noexec does not" {
  make_submount
  set_args /bin/sh -c '/data/sub/helper true; echo "rc=$?"'
  add_mount /data "$TEST_DIR/data" bind '["rbind", "noexec"]'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "rc=0"
  bundle_set '.mounts[-1].options = ["rbind", "rnoexec"]'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "rc=126"
}

@test "rrw undoes ro for a submount, rnosuid and rnodev land in mountinfo" {
  make_submount
  # Read-only as a mount (the tmpfs itself stays writable).
  mount -o remount,bind,ro "$SUBMOUNT"
  add_mount /data "$TEST_DIR/data" bind '["rbind", "rrw", "rnosuid", "rnodev"]'
  run_helper write /data/sub/f x
  assert_success
  assert_equal "$(cat "$SUBMOUNT/f")" x
  run_helper cat /proc/self/mountinfo
  assert_success
  local mi
  mi=$(awk '$5 == "/data/sub" {print $6}' <<<"$output")
  [[ "$mi" == rw,nosuid,nodev* ]] || fail "/data/sub options: $mi"
  # The host's mount is untouched.
  grep -F " $SUBMOUNT " /proc/self/mountinfo | awk '{print $6}' | grep -q '^ro' ||
    fail "the host's submount changed"
}

# idmap_dir: $TEST_DIR/idm (root's, 0755) with a file owned by 0:0, one
# by 1000:1000 and a directory w owned by 1000:1000 (0755).
idmap_dir() {
  chmod 755 "$TEST_DIR"
  mkdir -m 755 "$TEST_DIR/idm" "$TEST_DIR/idm/w"
  echo root >"$TEST_DIR/idm/by0"
  echo user >"$TEST_DIR/idm/by1000"
  chown 1000:1000 "$TEST_DIR/idm/by1000" "$TEST_DIR/idm/w"
}

# add_idmap_mount OPTIONS_JSON CONTAINER_ID HOST_ID: $TEST_DIR/idm on /idm
# with one uid and gid mapping of size 1.
add_idmap_mount() {
  add_mount /idm "$TEST_DIR/idm" bind "$1"
  set_idmap "$2" "$3"
}

# set_idmap CONTAINER_ID HOST_ID: the last mount's uid and gid mappings.
set_idmap() {
  bundle_set '.mounts[-1].uidMappings = [{"containerID": $c, "hostID": $h, "size": 1}]
    | .mounts[-1].gidMappings = .mounts[-1].uidMappings' --argjson c "$1" --argjson h "$2"
}

@test "idmap without a user namespace: files show the mapping's hostID; writes store the containerID" {
  idmap_dir
  # Kernel and runc semantics: an id containerID on disk shows as hostID.
  # 1000 -> 0: the host's uid 1000 files are root's in the container.
  add_idmap_mount '["rbind", "idmap"]' 1000 0
  # The container's root has no CAP_DAC_OVERRIDE: it writes in w as w's
  # owner. (The kernel refuses writes to an inode whose owner the mount
  # does not map, such as the idm dir itself here.)
  set_args /bin/sh -c 'stat -c "%n %u:%g" /idm/by0 /idm/by1000 /idm/w && echo new >/idm/w/new && stat -c "%n %u:%g" /idm/w/new'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "/idm/by1000 0:0"
  assert_line "/idm/w 0:0"
  assert_line "/idm/by0 65534:65534"
  assert_line "/idm/w/new 0:0"
  # Root's new file went to disk as 1000.
  assert_equal "$(stat -c %u:%g "$TEST_DIR/idm/w/new")" "1000:1000"
  # The other way round (0 -> 1000): root's files show as 1000.
  set_idmap 0 1000
  set_args /bin/sh -c 'stat -c "%n %u:%g" /idm/by0 /idm/by1000'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "/idm/by0 1000:1000"
  assert_line "/idm/by1000 65534:65534"
  # Without the option the host's ids show as they are.
  bundle_set '.mounts[-1].options = ["rbind"]'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "/idm/by0 0:0"
  assert_line "/idm/by1000 1000:1000"
}

@test "idmap in a user namespace: the container's own mappings by default, or the mount's" {
  idmap_dir
  chmod 755 "$BUNDLE"
  # The container's root cannot create mount targets in a rootfs owned by
  # the host's root.
  mkdir "$BUNDLE/rootfs/plain" "$BUNDLE/rootfs/idm"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  add_mount /plain "$TEST_DIR/idm" bind '["rbind"]'
  add_mount /idm "$TEST_DIR/idm" bind '["rbind", "idmap"]'
  set_args /bin/sh -c 'stat -c "%n %u:%g" /plain/by0 /idm/by0 /idm/by1000 && echo new >/idm/new
    echo x >/plain/new || echo refused'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  # Host root is unmapped in the container; through the idmapped mount the
  # files are the container's root's and uid 1000's, and root writes as 0.
  assert_line "/plain/by0 65534:65534"
  assert_line "/idm/by0 0:0"
  assert_line "/idm/by1000 1000:1000"
  assert_line "refused"
  assert_equal "$(stat -c %u:%g "$TEST_DIR/idm/new")" "0:0"
  # The mount's own mappings: disk 1000 is the container's 0 (host 100000).
  set_idmap 1000 100000
  set_args /bin/sh -c 'stat -c "%n %u:%g" /idm/by1000'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "/idm/by1000 0:0"
}

@test "ridmap idmaps the submounts, idmap only the top" {
  idmap_dir
  mkdir "$TEST_DIR/idm/sub"
  mount -t tmpfs -o size=1m,mode=755 hutch-it-sub "$TEST_DIR/idm/sub"
  SUBMOUNT=$TEST_DIR/idm/sub
  echo x >"$SUBMOUNT/by0"
  add_idmap_mount '["rbind", "ridmap"]' 0 1000
  set_args /bin/sh -c 'stat -c "%n %u" /idm/by0 /idm/sub/by0'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "/idm/by0 1000"
  assert_line "/idm/sub/by0 1000"
  bundle_set '.mounts[-1].options = ["rbind", "idmap"]'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "/idm/by0 1000"
  assert_line "/idm/sub/by0 0"
}

@test "idmap errors: a filesystem without idmapped mounts, no mappings, not a bind" {
  add_mount /k /sys/kernel bind '["rbind", "idmap"]'
  set_idmap 0 1000
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "/k: the filesystem of /sys/kernel does not support idmapped mounts"
  assert_gone "$ID"
  bundle_set 'del(.mounts[-1]) | .mounts += [{"destination": "/d", "source": $s, "type": "bind",
      "options": ["rbind", "idmap"]}]' --arg s "$TEST_DIR/data"
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "/d: idmap without uidMappings and gidMappings needs a user namespace"
  bundle_set '.mounts[-1] = {"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "/t: idmap and ridmap apply to bind mounts only"
  assert_gone "$ID"
}

@test "tmpcopyup: a tmpfs over /etc starts with /etc's content and is writable without touching the rootfs" {
  bundle_set '.root.readonly = true'
  mkdir "$BUNDLE/rootfs/etc/sub"
  echo deep >"$BUNDLE/rootfs/etc/sub/file"
  chmod 604 "$BUNDLE/rootfs/etc/sub/file"
  chown 12:34 "$BUNDLE/rootfs/etc/sub/file"
  ln -s ../etc/passwd "$BUNDLE/rootfs/etc/link"
  add_mount /etc tmpfs tmpfs '["tmpcopyup", "nosuid", "size=8m"]'
  set_args /bin/sh -c 'cat /etc/passwd; stat -c "%n %a %u:%g" /etc/sub/file; cat /etc/sub/file;
    readlink /etc/link; stat -c "%n %a" /etc; echo changed >/etc/passwd && echo new >/etc/new && echo written'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "$(head -1 "$BUNDLE/rootfs/etc/passwd")"
  assert_line "/etc/sub/file 604 12:34"
  assert_line "deep"
  assert_line "../etc/passwd"
  assert_line "/etc $(stat -c %a "$BUNDLE/rootfs/etc")"
  assert_line "written"
  # The rootfs is untouched.
  run grep -c changed "$BUNDLE/rootfs/etc/passwd"
  assert_output 0
  [ ! -e "$BUNDLE/rootfs/etc/new" ] || fail "the write reached the rootfs"
  # Without tmpcopyup the tmpfs starts empty.
  bundle_set '.mounts[-1].options = ["nosuid", "size=8m"]'
  set_args /bin/hutch-helper cat /etc/passwd
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "ENOENT"
}

@test "tmpcopyup on a read-only tmpfs: copied, then read-only" {
  add_mount /etc tmpfs tmpfs '["tmpcopyup", "ro"]'
  set_args /bin/sh -c 'head -1 /etc/passwd; echo x >/etc/new || echo refused'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "$(head -1 "$BUNDLE/rootfs/etc/passwd")"
  assert_line "refused"
}

@test "features lists the recursive options, idmap, ridmap and tmpcopyup; idmap is enabled" {
  run runtime features
  assert_success
  local o
  for o in rro rrw rnosuid rnodev rnoexec rnoatime rnosymfollow idmap ridmap tmpcopyup; do
    jq -e --arg o "$o" '.mountOptions | index($o)' <<<"$output" >/dev/null || fail "$o not listed"
  done
  assert_equal "$(jq -r .linux.mountExtensions.idmap.enabled <<<"$output")" true
}
