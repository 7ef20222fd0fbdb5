#!/usr/bin/env bats
# CVE-2025-52881: the runtime's writes to /proc files.
#
# By the time the runtime writes linux.sysctl, oomScoreAdj or its exec
# labels, the container's /proc is a mount the config (or a rootfs shared
# with another container) may have covered with a bind or a tmpfs. A
# runtime writing "/proc/sys/..." by path then writes into whatever is
# there (here: a directory of the host) and the knob is never set. hutch
# writes through a procfs of its own, refusing links and mount crossings.

load ../integration/helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

@test "procfs: a host directory bound over /proc/sys/kernel: the sysctl reaches the kernel, the host file is untouched" {
  local fake=$TEST_DIR/fake-kernel
  mkdir -p "$fake"
  echo untouched >"$fake/hostname"
  bundle_set 'del(.hostname) | .linux.sysctl = {"kernel.hostname": "from-sysctl"}
    | .mounts += [{"destination": "/proc/sys/kernel", "type": "bind", "source": $f, "options": ["rbind"]}]' \
    --arg f "$fake"
  set_args /bin/sh -c 'hutch-helper hostname; cat /proc/sys/kernel/hostname'
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  # The container's UTS namespace has the sysctl's value; the bind still
  # shows the host file, which nothing wrote to.
  assert_output "from-sysctl
untouched"
  assert_equal "$(cat "$fake/hostname")" untouched
}

@test "procfs: a tmpfs over the whole of /proc: sysctl and oomScoreAdj still reach the kernel, nothing lands in the tmpfs" {
  bundle_set 'del(.hostname) | .linux.sysctl = {"kernel.hostname": "from-sysctl"}
    | .process.oomScoreAdj = 321
    | .mounts += [{"destination": "/proc", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}]'
  set_args /bin/sh -c 'hutch-helper hostname; ls -A /proc | wc -l; exec hutch-helper sleep 300'
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_file "$TEST_DIR/run.out"
  local pid i
  pid=$(state_field "$ID" pid)
  for ((i = 0; i < 100; i++)); do
    [ "$(wc -l <"$TEST_DIR/run.out")" -ge 2 ] && break
    sleep 0.05
  done
  assert_equal "$(cat "$TEST_DIR/run.out")" "from-sysctl
0"
  assert_equal "$(cat "/proc/$pid/oom_score_adj")" 321
}

@test "procfs: the exec fifo is reopened through hutch's procfs, not the container's /proc/self/fd" {
  # /proc/self/fd of the container is a tmpfs dir here: create/start must
  # still work (the fifo is reopened through hutch's own procfs).
  bundle_set '.mounts += [{"destination": "/proc/self/fd", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}]
    | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
  set_args /bin/hutch-helper hostname
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  run runtime start "$ID"
  assert_success
  wait_status "$ID" stopped
}
