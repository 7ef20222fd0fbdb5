#!/usr/bin/env bats
# CVE-2025-52565: the pty bind mount on /dev/console.
#
# With no /dev tmpfs, /dev/console is whatever the rootfs (shared with
# another container, or from a hostile image) put there. A runtime that
# binds the terminal on "/dev/console" by name follows a symlink and
# mounts it over any file of the container; one that opens the slave by
# its /dev/pts name can be handed another file. hutch binds from the slave
# fd (checked to be a devpts pty) onto a /dev/console opened without
# following links, and refuses anything that is not a file or a device.

load ../integration/helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  # A writable root: /dev/console is created in the rootfs's own /dev.
  bundle_set '.process.terminal = true | .root.readonly = false
    | .mounts |= map(select(.destination != "/dev"))'
}

teardown() { hutch_teardown; }

# run_tty: a foreground run with a terminal of its own (ptyrun.py gives
# the runtime one and types nothing into it: script would send its EOF
# character, which the container's pty echoes into the output; the
# runtime makes the container's pty and proxies it). $status is the
# runtime's, $output what it and the container wrote, \r removed.
run_tty() {
  run timeout -k 5 "$HUTCH_CMD_TIMEOUT" python3 "$HUTCH_SRC/tests/helpers/ptyrun.py" -- \
    "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID" </dev/null
  output=$(tr -d '\r' <<<"$output")
}

@test "console: /dev/console is the container's pty (the slave of fd 0), a devpts char device" {
  set_args /bin/sh -c 'stat -c "%F" /dev/console; [ "$(stat -c %t:%T /dev/console)" = "$(stat -L -c %t:%T /proc/self/fd/0)" ] && echo same-as-stdin'
  run_tty
  assert_success
  assert_output --partial "character special file
same-as-stdin"
}

@test "console: /dev/console a symlink to a file of the container: refused, nothing is mounted over the file" {
  echo host-name-file >"$BUNDLE/rootfs/etc/hostname"
  ln -sfn /etc/hostname "$BUNDLE/rootfs/dev/console"
  set_args /bin/sh -c 'test -c /etc/hostname && echo HIJACKED; true'
  run_tty
  assert_failure
  assert_output --partial "/dev/console in the container is not a file or a device"
  refute_output --partial HIJACKED
  assert_equal "$(readlink "$BUNDLE/rootfs/dev/console")" /etc/hostname
}

@test "console: /dev/console a symlink to a host sysctl or a directory: refused" {
  ln -sfn /proc/sys/fs/lease-break-time "$BUNDLE/rootfs/dev/console"
  set_args /bin/true
  run_tty
  assert_failure
  assert_output --partial "/dev/console in the container is not a file or a device"

  ID=$(new_id)
  rm -f "$BUNDLE/rootfs/dev/console"
  mkdir "$BUNDLE/rootfs/dev/console"
  run_tty
  assert_failure
  assert_output --partial "/dev/console in the container is not a file or a device"
}
