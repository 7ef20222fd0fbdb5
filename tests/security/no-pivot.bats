#!/usr/bin/env bats
# --no-pivot must not hand the container an unmasked procfs (runc's
# GHSA-m8cg-xc2p-r3fc fix, tests/integration/no_pivot.bats in runc).
#
# With --no-pivot the rootfs is entered by MS_MOVE and chroot: the old
# root, the host's /proc and /sys included, stays in the container's mount
# namespace. A process inside that makes a user namespace of its own
# (unshare -mrpf; busybox has it, no capability needed beyond mapping its
# root) may then mount a fresh procfs, because the kernel allows that when
# one is fully visible in the mount namespace, and the host's is. The new
# procfs has none of the masks and read-only paths (sysrq-trigger,
# /proc/sys, kcore...). hutch must detach the host's procfs and sysfs
# before the chroot, so the mount fails as it does with pivot_root.

load ../integration/helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  # Root of the container is host root (no user namespace from the runtime,
  # as in runc's test); it may map itself into a namespace of its own.
  # The attack only mounts and lists: nothing of the host is written.
  bundle_set '.process.capabilities = {
        bounding: ["CAP_SETFCAP", "CAP_SETUID", "CAP_SETGID"],
        effective: ["CAP_SETFCAP", "CAP_SETUID", "CAP_SETGID"],
        permitted: ["CAP_SETFCAP", "CAP_SETUID", "CAP_SETGID"]}
    | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}]'
}

# attack TYPE: process.args mount a fresh TYPE at /tmp/x from a nested
# user+mount+pid+network namespace (sysfs wants a network namespace of the
# mounter's user namespace) and print what it sees.
attack() {
  set_args /usr/bin/unshare -mrpfn /bin/sh -c \
    "mkdir -p /tmp/x && mount -t $1 none /tmp/x && echo MOUNTED && ls /tmp/x | head -3"
}

@test "no-pivot: a nested user namespace cannot mount a fresh procfs" {
  attack proc
  run runtime run --no-pivot -b "$BUNDLE" "$ID"
  refute_output --partial "MOUNTED"
  assert_output --partial "permission denied"
  assert_failure
  assert_gone "$ID"
}

@test "no-pivot: nor a fresh sysfs (the host's /sys/firmware, /sys/fs/cgroup...)" {
  attack sysfs
  run runtime run --no-pivot -b "$BUNDLE" "$ID"
  refute_output --partial "MOUNTED"
  assert_output --partial "permission denied"
  assert_failure
}

@test "no-pivot: the container still has its own /proc and /sys, and the host's are untouched" {
  set_args /bin/sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; ls /sys/fs >/dev/null && echo sys-ok'
  run runtime run --no-pivot -b "$BUNDLE" "$ID"
  assert_success
  assert_line --index 0 "/bin/sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; ls /sys/fs >/dev/null && echo sys-ok "
  assert_line "sys-ok"
  # The detach happened in the container's mount namespace only.
  grep -q ' /proc proc ' /proc/self/mounts
  grep -q ' /sys sysfs ' /proc/self/mounts
}

@test "with pivot_root (the default) the same attack fails too" {
  attack proc
  run runtime run -b "$BUNDLE" "$ID"
  refute_output --partial "MOUNTED"
  assert_failure
}
