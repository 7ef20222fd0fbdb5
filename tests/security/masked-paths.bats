#!/usr/bin/env bats
# CVE-2025-31133: masked paths bound from a /dev/null the container swapped.
#
# With no /dev tmpfs, the container's /dev is a directory of the rootfs,
# and a second container sharing that rootfs can replace /dev/null between
# the runtime's mknod and its masking binds. A runtime that binds
# "/dev/null" by name then turns /proc/timer_list into a writable bind of
# whatever the symlink names: here the host's fs.lease-break-time. hutch
# must open /dev/null once without following it, check it is 1:3, bind
# from that fd, and refuse anything else.

load ../integration/helpers

KNOB=/proc/sys/fs/lease-break-time

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  KNOB_BEFORE=$(cat "$KNOB")
  # The container's /dev is the rootfs directory, as in the attack.
  bundle_set '.mounts |= map(select(.destination != "/dev"))'
}

teardown() {
  # If the exploit worked, put the host back before failing.
  [ "$(cat "$KNOB")" = "$KNOB_BEFORE" ] || echo "$KNOB_BEFORE" >"$KNOB"
  hutch_teardown
}

# swap_hook CMD: a createContainer hook (after the runtime made /dev/null,
# before it masks paths) running CMD with $R set to the shared rootfs;
# it plays the other container that replaces /dev/null.
swap_hook() {
  bundle_set '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", $c]}]' \
    --arg c "R=$BUNDLE/rootfs; $1"
}

# The payload writes to both masked files; with a proper mask this is
# /dev/null, with the exploit it is the host's sysctl.
payload() {
  set_args /bin/sh -c 'for f in /proc/timer_list /proc/keys; do stat -c "$f %F %t:%T" "$f"; echo 12345 >"$f"; done'
}

assert_knob_unchanged() {
  assert_equal "$(cat "$KNOB")" "$KNOB_BEFORE"
}

@test "masked paths: without an attack, masked files are the 1:3 device and masked dirs an empty read-only tmpfs" {
  set_args /bin/sh -c 'stat -c "%n %F %t:%T" /proc/timer_list /proc/keys; ls -A /proc/acpi | wc -l; touch /proc/acpi/x 2>/dev/null || echo ro; echo 12345 >/proc/timer_list && echo wrote'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "/proc/timer_list character special file 1:3
/proc/keys character special file 1:3
0
ro
wrote"
  assert_knob_unchanged
}

@test "masked paths: /dev/null swapped for a symlink to a host sysctl: create fails with a clear error, the sysctl is unchanged" {
  payload
  swap_hook 'ln -sfn '"$KNOB"' "$R/dev/null.new" && mv -f "$R/dev/null.new" "$R/dev/null"'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "/dev/null in the container is not the null device (1:3)"
  refute_output --partial "regular file"
  assert_knob_unchanged
  assert_gone "$ID"
}

@test "masked paths: /dev/null swapped for a regular file or another device is refused too" {
  payload
  swap_hook 'rm -f "$R/dev/null"; echo decoy >"$R/dev/null"'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "not the null device"
  assert_equal "$(cat "$BUNDLE/rootfs/dev/null")" decoy

  ID=$(new_id)
  swap_hook 'rm -f "$R/dev/null"; mknod "$R/dev/null" c 1 5'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "not the null device"
  assert_knob_unchanged
}

@test "masked paths: a masked path that is a symlink is refused, not followed" {
  ln -s /etc/hostname "$BUNDLE/rootfs/etc/masked-link"
  echo host-name-file >"$BUNDLE/rootfs/etc/hostname"
  bundle_set '.linux.maskedPaths += ["/etc/masked-link"]'
  set_args /bin/cat /etc/hostname
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "masked path /etc/masked-link is a symlink"
}

@test "masked paths: a second container sharing the rootfs swaps /dev/null in a loop; every create fails cleanly or masks with 1:3" {
  # The attacker: same rootfs, no /dev tmpfs, replacing /dev/null with a
  # symlink to the host knob as fast as it can (rename: atomic).
  local attacker=$TEST_DIR/attacker victim_ok=0 refused=0 i out
  mkdir -p "$attacker"
  jq --arg r "$BUNDLE/rootfs" '.root = {"path": $r, "readonly": false} | .process.args = ["/bin/sh", "-c",
      "while :; do ln -sfn /proc/sys/fs/lease-break-time /dev/n.$$ && mv -f /dev/n.$$ /dev/null; done"]' \
    "$BUNDLE/config.json" >"$attacker/config.json"
  runtime_bg "$TEST_DIR/attacker" run -d -b "$attacker" "$ID-attacker" ||
    fail "attacker: $(cat "$TEST_DIR/attacker.err")"
  payload
  for ((i = 0; i < 25; i++)); do
    run runtime run -b "$BUNDLE" "$ID-$i"
    if [ "$status" -eq 0 ]; then
      # It ran: then both masks were the real null device.
      assert_output "/proc/timer_list character special file 1:3
/proc/keys character special file 1:3"
      victim_ok=$((victim_ok + 1))
    else
      # A clean refusal (ours, or mknod/bind racing the swap), no crash.
      assert_output --regexp 'not the null device|/dev/null|mknod'
      [[ "$output" == *"not the null device"* ]] && refused=$((refused + 1))
    fi
    assert_knob_unchanged
  done
  echo "# $victim_ok masked with 1:3, $refused refused a swapped /dev/null" >&3
  assert_knob_unchanged
}
