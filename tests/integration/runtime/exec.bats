#!/usr/bin/env bats
# `exec`: a new process in a running container joins its namespaces, root,
# cgroup and confinement; its exit status comes back; the flags and a
# process.json change what runs; stopped and paused containers refuse.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  bundle_set '.hostname = "exec-box"'
}

# start_sleeper: run the bundle detached with a long-sleeping init; sets
# INIT_PID (host pid of the container's init).
start_sleeper() {
  set_args /bin/hutch-helper sleep 300
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_status "$ID" running
  INIT_PID=$(state_field "$ID" pid)
}

@test "exec sees the container's hostname, its pid 1 and the same pid namespace" {
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper hostname
  assert_success
  assert_output "exec-box"
  run runtime exec "$ID" /bin/hutch-helper ns pid
  assert_success
  assert_output "$(readlink "/proc/$INIT_PID/ns/pid")"
  run runtime exec "$ID" /bin/hutch-helper cat /proc/1/cmdline
  assert_success
  assert_output --partial "/bin/hutch-helper"
  # Every other namespace is the init's as well.
  local ns
  for ns in mnt net ipc uts cgroup; do
    run runtime exec "$ID" /bin/hutch-helper ns "$ns"
    assert_success
    assert_output "$(readlink "/proc/$INIT_PID/ns/$ns")"
  done
}

@test "exec runs in the container's root and cgroup" {
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper ls /
  assert_success
  assert_line "linuxrc"
  refute_line "$(basename "$TEST_DIR")"
  # Seen from the host, the exec'd process is in the init's cgroups.
  run runtime_bg "$TEST_DIR/exec" exec -d --pid-file "$TEST_DIR/exec.pid" "$ID" /bin/hutch-helper sleep 300
  assert_success
  assert_equal "$(cat "/proc/$(cat "$TEST_DIR/exec.pid")/cgroup")" "$(cat "/proc/$INIT_PID/cgroup")"
  grep -q "/$ID\$" "/proc/$INIT_PID/cgroup" || fail "init is not in the container's cgroup"
}

@test "exec returns the process's exit status, and 128+signo for a signal" {
  start_sleeper
  run runtime exec "$ID" sh -c 'exit 3'
  assert_equal "$status" 3
  run runtime exec "$ID" sh -c 'kill -KILL $$'
  assert_equal "$status" 137
  run runtime exec "$ID" /bin/hutch-helper true
  assert_success
}

@test "a signal to a foreground exec is forwarded to the process" {
  start_sleeper
  "$RUNTIME" --root "$STATE" exec --pid-file "$TEST_DIR/exec.pid" "$ID" /bin/hutch-helper trap TERM \
    </dev/null >"$TEST_DIR/exec.out" 2>&1 3>&- &
  local epid=$!
  wait_file "$TEST_DIR/exec.pid"
  wait_signal_handler "$(cat "$TEST_DIR/exec.pid")" 15
  kill -TERM "$epid"
  local rc=0
  wait "$epid" || rc=$?
  assert_equal "$rc" 0
  assert_equal "$(cat "$TEST_DIR/exec.out")" "got SIGTERM"
}

@test "exec of a missing command fails with the reason and the container keeps running" {
  start_sleeper
  run runtime exec "$ID" /bin/no-such-thing
  assert_failure
  assert_output --partial "/bin/no-such-thing"
  assert_equal "$(state_field "$ID" status)" running
}

@test "exec --process honours the file's args, env and cwd" {
  start_sleeper
  cat >"$TEST_DIR/proc.json" <<'EOF'
{"args": ["sh", "-c", "echo $GREETING; pwd"], "cwd": "/etc",
 "env": ["GREETING=from-process-json", "PATH=/bin:/usr/bin"]}
EOF
  run runtime exec --process "$TEST_DIR/proc.json" "$ID"
  assert_success
  assert_output "from-process-json
/etc"
}

@test "exec --process with a bad process.json names the field" {
  start_sleeper
  echo '{"cwd": "/"}' >"$TEST_DIR/proc.json"
  run runtime exec -p "$TEST_DIR/proc.json" "$ID"
  assert_failure
  assert_output --partial "process.args"
}

@test "exec --env adds and replaces variables of the config, --cwd sets the directory" {
  bundle_set '.process.env += ["KEEP=config", "OVER=config"]'
  start_sleeper
  run runtime exec -e OVER=flag --env NEW=flag --cwd /tmp "$ID" sh -c 'echo "$KEEP $OVER $NEW"; pwd; env | grep -c "^OVER="'
  assert_success
  assert_output "config flag flag
/tmp
1"
}

@test "exec --user 1000:1000 and --additional-gids apply" {
  start_sleeper
  run runtime exec --user 1000:1000 --additional-gids 20 -g 30,40 "$ID" /bin/hutch-helper id
  assert_success
  assert_output "uid=1000 gid=1000 groups=20,30,40"
  run runtime exec -u 1000 "$ID" /bin/hutch-helper id
  assert_success
  assert_output "uid=1000 gid=0 groups="
}

@test "exec gets the container's capabilities; --cap adds one" {
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper status CapEff
  assert_success
  assert_output "0000000020000420"
  run runtime exec "$ID" /bin/hutch-helper status CapBnd
  assert_output "0000000020000420"
  run runtime exec --cap CAP_SYS_ADMIN "$ID" /bin/hutch-helper status CapEff
  assert_success
  assert_output "0000000020200420"
  run runtime exec --cap CAP_NO_SUCH "$ID" true
  assert_failure
  assert_output --partial "CAP_NO_SUCH"
}

@test "exec gets the container's no_new_privs and rlimits; --no-new-privs sets it" {
  bundle_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 2000}]'
  bundle_set '.process.noNewPrivileges = false'
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper status NoNewPrivs
  assert_output "0"
  run runtime exec --no-new-privs "$ID" /bin/hutch-helper status NoNewPrivs
  assert_output "1"
  run runtime exec "$ID" /bin/hutch-helper rlimit NOFILE
  assert_success
  assert_output "1000 2000"
}

@test "exec gets the container's seccomp filter" {
  bundle_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper status Seccomp
  assert_output "2"
  run runtime exec "$ID" /bin/hutch-helper mkdir /tmp/d
  assert_failure
  assert_output --partial "EPERM"
}

@test "exec into a container with a user namespace joins it" {
  # The mapped root must be able to reach the rootfs.
  chmod 755 "$TEST_DIR" "$BUNDLE"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  start_sleeper
  run runtime exec "$ID" /bin/hutch-helper ns user
  assert_success
  assert_output "$(readlink "/proc/$INIT_PID/ns/user")"
  run runtime exec "$ID" /bin/hutch-helper id
  assert_output "uid=0 gid=0 groups="
  run runtime exec "$ID" /bin/hutch-helper hostname
  assert_output "exec-box"
}

@test "exec --detach --pid-file returns at once with the process's host pid" {
  start_sleeper
  run runtime_bg "$TEST_DIR/exec" exec --detach --pid-file "$TEST_DIR/exec.pid" "$ID" /bin/hutch-helper sleep 300
  assert_success
  local pid
  pid=$(cat "$TEST_DIR/exec.pid")
  [ -n "$pid" ] && kill -0 "$pid" || fail "pid file: '$pid' is not a live process"
  assert_equal "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$INIT_PID/ns/pid")"
  assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "/bin/hutch-helper sleep 300 "
  # delete -f kills it with the container.
  run runtime delete -f "$ID"
  assert_success
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$pid" 2>/dev/null || fail "exec'd process $pid survived delete -f"
}

@test "exec into a stopped container fails with a message" {
  set_args /bin/hutch-helper true
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_status "$ID" stopped
  run runtime exec "$ID" /bin/hutch-helper true
  assert_failure
  assert_output "$(runtime_name): cannot exec container $ID: it is stopped"
}

@test "exec into an unknown container fails with a message" {
  run runtime exec nosuch /bin/hutch-helper true
  assert_failure
  assert_output --partial "container nosuch does not exist"
}

@test "exec into a paused container fails unless --ignore-paused; then it runs on resume" {
  start_sleeper
  run runtime pause "$ID"
  assert_success
  run runtime exec "$ID" /bin/hutch-helper true
  assert_failure
  assert_output --partial "cannot exec container $ID: it is paused"
  run runtime_bg "$TEST_DIR/exec" exec --ignore-paused -d --pid-file "$TEST_DIR/exec.pid" "$ID" \
    /bin/hutch-helper sleep 0.2
  assert_success
  local pid
  pid=$(cat "$TEST_DIR/exec.pid")
  # Frozen with the rest of the container until resume.
  sleep 0.5
  kill -0 "$pid" || fail "the exec'd process ran while the container was paused"
  run runtime resume "$ID"
  assert_success
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$pid" 2>/dev/null || fail "exec'd process did not finish after resume"
}

@test "exec without a command or with a bad flag is a usage error" {
  run runtime exec "$ID"
  assert_failure
  assert_output --partial "give a COMMAND or --process FILE"
  run runtime exec --preserve-fds x "$ID" true
  assert_failure
  assert_output --partial "--preserve-fds"
}

@test "exec --tty sends the pty master to --console-socket; the process's stdio is that terminal" {
  local sock=$TEST_DIR/console.sock
  "$HUTCH_BUILD/tests/helpers/hutch-recvtty" "$sock" >"$TEST_DIR/tty" 2>"$TEST_DIR/recvtty.err" 3>&- &
  local recv=$! i
  for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
  start_sleeper
  run runtime exec -t --console-socket "$sock" "$ID" sh -c '/bin/hutch-helper isatty 0; /bin/hutch-helper isatty 1; tty'
  assert_success
  wait "$recv" || fail "hutch-recvtty failed: $(cat "$TEST_DIR/recvtty.err")"
  assert_equal "$(tr -d '\r' <"$TEST_DIR/tty")" "1
1
/dev/pts/0"
}

@test "exec --tty without --console-socket proxies a pty in the foreground and returns the status" {
  start_sleeper
  # As runc, the runtime needs a terminal of its own here: script gives it one.
  run script -qec "$(printf '%q ' "$RUNTIME" --root "$STATE" exec -t "$ID" sh -c '/bin/hutch-helper isatty 1; exit 7')" /dev/null </dev/null
  assert_equal "$status" 7
  assert_regex "$(tr -d '\r' <<<"$output")" '(^|[^0-9])1$'
}

@test "exec --apparmor and --process-label are refused on a host without those LSMs" {
  [ ! -d /sys/kernel/security/apparmor ] || fail "this test expects a host without AppArmor"
  [ ! -d /sys/fs/selinux ] || fail "this test expects a host without SELinux"
  start_sleeper
  run runtime exec --apparmor some-profile "$ID" /bin/hutch-helper true
  assert_failure
  assert_output --partial "process.apparmorProfile: AppArmor is not enabled on this host"
  run runtime exec --process-label system_u:system_r:container_t:s0 "$ID" /bin/hutch-helper true
  assert_failure
  assert_output --partial "process.selinuxLabel: SELinux is not enabled on this host"
}
