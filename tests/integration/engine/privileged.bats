#!/usr/bin/env bats
# --privileged as docker gives it (issue 15): the host's device nodes
# (all of /dev's char and block devices, /dev/net/tun, the ttys), every
# capability we hold, no seccomp, no masked paths, a writable /sys.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# the device nodes under a /dev, without the container's own (pts, shm,
# mqueue, console, ptmx)
DEVLIST='find /dev \( -path /dev/pts -o -path /dev/shm -o -path /dev/mqueue -o -path /dev/fd \) -prune -o \( -type c -o -type b \) -print | grep -v -e "^/dev/console$" -e "^/dev/ptmx$" | sort'

@test "--privileged gives the host's devices, /dev/net/tun and the ttys included" {
  local host
  host=$(sh -c "$DEVLIST")
  run hutch run --rm --privileged --network none testimg sh -c "$DEVLIST"
  assert_success
  assert_equal "$output" "$host"
  run hutch run --rm --privileged --network none testimg ls -l /dev/net/tun /dev/tty1 /dev/loop0
  assert_success
  assert_output --regexp "c[rwx-]+ +1 root +root +10, +200 .* /dev/net/tun"
  assert_output --regexp "b[rwx-]+ .* /dev/loop0"
  # and the device cgroup lets it use them: /dev/net/tun opens (EBADFD, not EPERM)
  run hutch run --rm --privileged --network none testimg sh -c 'cat /dev/net/tun 2>&1; true'
  refute_output --partial "Operation not permitted"
}

@test "without --privileged only docker's default devices" {
  run hutch run --rm --network none testimg sh -c "$DEVLIST"
  assert_success
  assert_output "$(printf '/dev/full\n/dev/null\n/dev/random\n/dev/tty\n/dev/urandom\n/dev/zero')"
}

@test "--privileged: every capability, no seccomp, no masked paths, a writable /sys" {
  local bnd
  bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  run hutch run --rm --privileged --network none testimg sh -c \
    'grep -E "^(CapBnd|CapEff|Seccomp):" /proc/self/status; grep " /sys " /proc/mounts; grep -c -e " /proc/kcore " -e " /proc/keys " /proc/self/mountinfo; true'
  assert_success
  assert_line "CapBnd:	$bnd"
  assert_line "CapEff:	$bnd"
  assert_line "Seccomp:	0"
  assert_line --regexp "^sysfs /sys sysfs rw,"
  assert_line 0
  run hutch run --rm --network none testimg sh -c \
    'grep -E "^Seccomp:" /proc/self/status; grep " /sys " /proc/mounts'
  assert_line "Seccomp:	2"
  assert_line --regexp "^sysfs /sys sysfs ro,"
}

@test "--device-cgroup-rule is validated as docker does and lets the container mknod" {
  run hutch create --device-cgroup-rule 'x 1:3 rwm' testimg true
  assert_failure 125
  assert_output --partial "invalid device cgroup format 'x 1:3 rwm'"
  run hutch create --device-cgroup-rule 'c 1:3 rwq' testimg true
  assert_failure 125
  # without the rule the device cgroup refuses a node made with mknod
  run hutch run --rm --network none testimg sh -c 'mknod /tmp/n b 7 0 && head -c1 /tmp/n >/dev/null && echo read'
  refute_output --partial read
  run hutch run --rm --network none --device-cgroup-rule 'b 7:0 rw' testimg \
    sh -c 'mknod /tmp/n b 7 0 && head -c1 /tmp/n >/dev/null && echo read'
  assert_success
  assert_output read
  run hutch inspect -f '{{json .HostConfig.DeviceCgroupRules}}' $(hutch create --device-cgroup-rule 'c 1:9 rwm' --device-cgroup-rule 'b *:* m' testimg true)
  assert_output '["c 1:9 rwm","b *:* m"]'
}

@test "--privileged /dev is podman's (runc) /dev" {
  # the same rootfs as an image of podman's, in a storage of this test's own
  local root="$TEST_DIR/podman"
  local P=(podman --root "$root/storage" --runroot "$root/run" --runtime runc)
  "$HUTCH" export -o "$TEST_DIR/rootfs.tar" "$("$HUTCH" create testimg true)"
  "${P[@]}" import "$TEST_DIR/rootfs.tar" localhost/privtest >/dev/null
  run "${P[@]}" run --rm --privileged --network=none --ulimit nofile=1024:1024 \
    --ulimit nproc=1024:1024 localhost/privtest ls /dev
  local theirs=$output
  "${P[@]}" rmi -f localhost/privtest >/dev/null
  umount "$root/storage/overlay" 2>/dev/null || true
  rm -rf "$root"
  run hutch run --rm --privileged --network none testimg ls /dev
  assert_success
  # hutch adds the /dev/core link to /proc/kcore, as docker's runc does
  assert_equal "$(grep -vx core <<<"$output")" "$theirs"
}
