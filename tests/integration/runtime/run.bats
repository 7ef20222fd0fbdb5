#!/usr/bin/env bats
# `run`: a busybox bundle runs isolated (pid 1, own hostname, own mount
# table, host files invisible) and its exit status comes back as run's.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

@test "run returns the exit status of the process" {
  run_helper exit 3
  assert_equal "$status" 3
  assert_gone "$ID"
}

@test "run returns 0 for a process that exits 0" {
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output ""
}

@test "run returns 128+signo for a process killed by a signal (SIGSEGV as pid 1)" {
  run_helper kill-self SEGV
  assert_equal "$status" 139
}

@test "run returns 137 for a process that kills itself with SIGKILL (no pid namespace)" {
  # A pid-namespace init cannot kill itself, so this one shares the host's.
  bundle_set '.linux.namespaces |= map(select(.type != "pid"))'
  run_helper kill-self KILL
  assert_equal "$status" 137
}

@test "run returns 137 when the container is killed with SIGKILL from outside" {
  set_args /bin/hutch-helper sleep 100
  runtime run -b "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/run.out" 2>&1 3>&- &
  local runpid=$!
  wait_status "$ID" running
  run runtime kill "$ID" KILL
  assert_success
  local rc=0
  wait "$runpid" || rc=$?
  assert_equal "$rc" 137
}

@test "the process is pid 1 with parent 0 in its own pid namespace" {
  run_helper pid
  assert_success
  assert_output "1"
  run_helper ppid
  assert_success
  assert_output "0"
}

@test "the hostname comes from config.json and the host's is unchanged" {
  local before
  before=$(hostname)
  bundle_set '.hostname = "hutch-box"'
  run_helper hostname
  assert_success
  assert_output "hutch-box"
  assert_equal "$(hostname)" "$before"
}

@test "each namespace in config.json is a new one, not the host's" {
  local ns
  for ns in pid mnt uts ipc net; do
    run_helper ns "$ns"
    assert_success
    assert_output --regexp "^$ns:\[[0-9]+\]$"
    refute_output "$(readlink /proc/self/ns/$ns)"
  done
}

@test "the root is the bundle's rootfs: host files are invisible" {
  echo secret >"$TEST_DIR/secret"
  run_helper cat "$TEST_DIR/secret"
  assert_failure 1
  assert_output "hutch-helper: cat $TEST_DIR/secret: ENOENT: No such file or directory"
  run_helper ls /
  assert_success
  assert_output "$(ls -1 "$BUNDLE/rootfs" | sort)"
}

@test "the mount table is the container's own: / and the standard mounts only" {
  run_helper mountinfo
  assert_success
  assert_line --index 0 "/"
  assert_line "/proc"
  assert_line "/dev"
  assert_line "/dev/pts"
  assert_line "/dev/shm"
  assert_line "/dev/mqueue"
  assert_line "/sys"
  # Nothing of the host's other mounts (/work, /tmp, /run, ...) is there.
  local line
  for line in "${lines[@]}"; do
    [[ "$line" =~ ^/(proc|dev|sys)?(/.*)?$ ]] || fail "unexpected mount in the container: $line"
  done
}

@test "env and cwd come from config.json" {
  bundle_set '.process.env += ["HUTCH_TEST=forty two"] | .process.cwd = "/home/hutch"'
  run_helper env HUTCH_TEST
  assert_success
  assert_output "forty two"
  run_helper cwd
  assert_success
  assert_output "/home/hutch"
  run_helper env
  assert_success
  assert_line "HUTCH_TEST=forty two"
  assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

@test "rlimits apply (NOFILE 1024:2048)" {
  bundle_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}]'
  run_helper rlimit NOFILE
  assert_success
  assert_output "1024 2048"
}

@test "process.user uid, gid and additionalGids apply" {
  bundle_set '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [1001]}'
  run_helper id
  assert_success
  assert_output "uid=1000 gid=1000 groups=1001"
}

@test "process.user without additionalGids has no supplementary groups" {
  bundle_set '.process.user = {"uid": 1000, "gid": 1001}'
  run_helper id
  assert_success
  assert_output "uid=1000 gid=1001 groups="
}

@test "process.user.umask applies" {
  bundle_set '.process.user.umask = 23' # 0027
  run_helper umask
  assert_success
  assert_output "0027"
}

@test "--pid-file gets the container's host pid" {
  set_args /bin/hutch-helper sleep 100
  runtime_bg "$TEST_DIR/run" run -d --pid-file "$TEST_DIR/pid" -b "$BUNDLE" "$ID" ||
    fail "run -d: $(cat "$TEST_DIR/run.err")"
  [ -s "$TEST_DIR/pid" ] || fail "pid file not written"
  local pid
  pid=$(cat "$TEST_DIR/pid")
  assert_regex "$pid" '^[0-9]+$'
  assert_equal "$pid" "$(state_field "$ID" pid)"
  # That host pid is pid 1 inside: the last NSpid entry.
  run awk '/^NSpid:/ {print $NF}' "/proc/$pid/status"
  assert_output "1"
}

@test "run -d detaches and leaves the container running" {
  set_args /bin/hutch-helper sleep 100
  local t0=$SECONDS
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  [ $((SECONDS - t0)) -lt 30 ] || fail "run -d took $((SECONDS - t0))s"
  assert_equal "$(state_field "$ID" status)" running
  local pid
  pid=$(state_field "$ID" pid)
  kill -0 "$pid"
  kill_and_delete "$ID"
}

@test "the container lands in its own cgroup, removed on delete" {
  set_args /bin/hutch-helper sleep 100
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  local pid
  pid=$(state_field "$ID" pid)
  # Every v1 hierarchy the host has, and the unified one, name the container.
  run grep -E '^[0-9]+:(memory|pids|cpu,cpuacct|):' "/proc/$pid/cgroup"
  assert_success
  local line
  for line in "${lines[@]}"; do
    [[ "$line" == *"$ID"* ]] || fail "not in its own cgroup: $line"
  done
  run runtime delete -f "$ID"
  assert_success
  assert_gone "$ID"
}
