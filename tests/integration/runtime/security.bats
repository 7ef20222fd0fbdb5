#!/usr/bin/env bats
# Escape hardening: the container cannot reach the runtime's binary or
# memory before execve, no fd of the caller leaks in, the cwd and mount
# targets stay inside the rootfs, /proc is masked and read-only where the
# spec says, capabilities and seccomp are exactly what the config asks.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  OUTSIDE=""
}

teardown() {
  [ -n "$OUTSIDE" ] && rm -rf "$OUTSIDE"
  hutch_teardown
}

# create_waiting: create the bundle as $ID; its init waits for start, still
# running the runtime's code. Sets INIT_PID.
create_waiting() {
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  INIT_PID=$(state_field "$ID" pid)
}

userns_bundle() {
  chmod 755 "$TEST_DIR" "$BUNDLE"
  bundle_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "the init is not dumpable until execve: its /proc files belong to root, then to its user" {
  # In a user namespace with process.user 1000 the init runs as host uid
  # 101000; only a non-dumpable process has /proc/<pid> owned by root.
  userns_bundle
  bundle_set '.process.user = {"uid": 1000, "gid": 1000}'
  set_args /bin/hutch-helper sleep 300
  create_waiting
  assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$INIT_PID/status")" 101000
  # (The /proc/<pid> directory itself always shows the euid; the files
  # in it show root for a non-dumpable process.)
  assert_equal "$(stat -c %u "/proc/$INIT_PID/environ")" 0
  run runtime start "$ID"
  assert_success
  wait_status "$ID" running
  # After execve of the container's own binary it is dumpable again.
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(stat -c %u "/proc/$INIT_PID/environ")" = 101000 ] && break
    sleep 0.05
  done
  assert_equal "$(stat -c %u "/proc/$INIT_PID/environ")" 101000
}

@test "a process in a created container cannot open the waiting init's /proc/1/exe; the runtime binary is unchanged" {
  set_args /bin/hutch-helper sleep 300
  local before
  before=$(sha256sum <"$RUNTIME")
  create_waiting
  # The init still runs the runtime's binary: the attack of CVE-2019-5736
  # opens it through /proc/1/exe and writes to it.
  run runtime exec "$ID" /bin/hutch-helper write /proc/1/exe x
  assert_failure
  assert_output --partial "EACCES"
  run runtime exec "$ID" sh -c 'readlink /proc/1/exe || echo refused; cat /proc/1/environ && echo read'
  assert_output --partial "refused"
  refute_output --partial "read"
  assert_equal "$(sha256sum <"$RUNTIME")" "$before"
  run runtime start "$ID"
  assert_success
}

@test "a container that may ptrace (CAP_SYS_PTRACE, no user namespace) finds a sealed runtime behind /proc/1/exe" {
  set_args /bin/hutch-helper sleep 300
  bundle_set '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"] | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'
  local before
  before=$(sha256sum <"$RUNTIME")
  create_waiting
  # Non-dumpable is no barrier to CAP_SYS_PTRACE: what the container could
  # reach through /proc/<init>/exe must not be the binary on disk. (The
  # write after the init execs is tests/security/binary-overwrite.bats.)
  run readlink "/proc/$INIT_PID/exe"
  refute_output "$(readlink -f "$RUNTIME")"
  run runtime exec "$ID" /bin/hutch-helper write /proc/1/exe x
  assert_failure
  assert_equal "$(sha256sum <"$RUNTIME")" "$before"
  run runtime start "$ID"
  assert_success
}

@test "every container's init runs the runtime from a detached read-only mount (no copy on the common path)" {
  [ "$(runtime_name)" = hutch-runtime ] || skip "hutch-runtime's own debug log"
  set_args /bin/hutch-helper sleep 300
  timeout -k 5 "$HUTCH_CMD_TIMEOUT" "$RUNTIME" --root "$STATE" --debug create -b "$BUNDLE" "$ID" \
    </dev/null >"$TEST_DIR/create.log" 2>&1
  run grep -c 'from a detached read-only mount' "$TEST_DIR/create.log"
  assert_output 1
  run grep -c 'sealed memfd' "$TEST_DIR/create.log"
  assert_output 0
  INIT_PID=$(state_field "$ID" pid)
  run readlink "/proc/$INIT_PID/exe"
  assert_output /
  run runtime start "$ID"
  assert_success
}

@test "an fd open in the caller (9</etc/hostname) is not open in the container, for run and exec" {
  set_args /bin/hutch-helper fds
  run runtime run -b "$BUNDLE" "$ID" 9</etc/hostname
  assert_success
  assert_output ""
  set_args /bin/hutch-helper sleep 300
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" 9</etc/hostname || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime exec "$ID" /bin/hutch-helper fds 9</etc/hostname
  assert_success
  assert_output ""
}

@test "--preserve-fds 1 keeps fd 3 and nothing else, for run and exec" {
  echo preserved >"$TEST_DIR/three"
  set_args /bin/hutch-helper fds
  run runtime run --preserve-fds 1 -b "$BUNDLE" "$ID" 3<"$TEST_DIR/three" 9</etc/hostname
  assert_success
  assert_output --regexp '^3 [^ ]*three$'
  set_args /bin/hutch-helper sleep 300
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime exec --preserve-fds 1 "$ID" /bin/hutch-helper cat /proc/self/fd/3 3<"$TEST_DIR/three" 9</etc/hostname
  assert_success
  assert_output "preserved"
  run runtime exec --preserve-fds 1 "$ID" /bin/hutch-helper fds 3<"$TEST_DIR/three" 9</etc/hostname
  assert_output --regexp '^3 [^ ]*three$'
}

@test "a process.cwd with .. stays inside the rootfs" {
  bundle_set '.process.cwd = "/tmp/../../../.."'
  set_args /bin/hutch-helper cwd
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "/"
  set_args /bin/hutch-helper ls .
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_line "linuxrc"
}

@test "a cwd through a leaked fd (/proc/self/fd/9 of a host dir) is refused, for run and exec" {
  mkdir -p "$TEST_DIR/hostdir/host-secret"
  bundle_set '.process.cwd = "/proc/self/fd/9"'
  set_args /bin/hutch-helper ls .
  run runtime run -b "$BUNDLE" "$ID" 9<"$TEST_DIR/hostdir"
  assert_failure
  # Refused when init creates a missing cwd in the rootfs (no magic links
  # there), or at the latest by the check after chdir.
  assert_output --regexp "process.cwd /proc/self/fd/9(: Too many levels of symbolic links| is outside the container's root)"
  refute_output --partial "host-secret"
  assert_gone "$ID"

  bundle_set '.process.cwd = "/"'
  set_args /bin/hutch-helper sleep 300
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  run runtime exec --cwd /proc/self/fd/9 "$ID" /bin/hutch-helper ls . 9<"$TEST_DIR/hostdir"
  assert_failure
  assert_output --partial "outside the container's root"
  refute_output --partial "host-secret"
}

@test "a bind mount under a rootfs symlink pointing out lands inside the rootfs" {
  OUTSIDE=/tmp/outside-$$-$RANDOM
  mkdir "$TEST_DIR/data"
  echo "from the host" >"$TEST_DIR/data/file"
  rm -rf "$BUNDLE/rootfs/mnt"
  ln -s "$OUTSIDE" "$BUNDLE/rootfs/mnt"
  bundle_set '.mounts += [{"destination": "/mnt/x", "source": $s, "type": "bind", "options": ["rbind", "ro"]}]' \
    --arg s "$TEST_DIR/data"
  set_args /bin/hutch-helper cat /mnt/x/file
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output "from the host"
  [ ! -e "$OUTSIDE" ] || fail "$OUTSIDE was created on the host"
  [ -d "$BUNDLE/rootfs$OUTSIDE/x" ] || fail "the mount target was not made inside the rootfs"
  ! grep -qF "$OUTSIDE" /proc/self/mountinfo || fail "something is mounted on $OUTSIDE"
}

@test "masked /proc/timer_list and /proc/keys read empty; /proc/sys is read-only" {
  # (This kernel has no /proc/kcore; the default spec masks these two too.)
  local f
  for f in /proc/timer_list /proc/keys; do
    set_args /bin/hutch-helper cat "$f"
    run runtime run -b "$BUNDLE" "$ID"
    assert_success
    assert_output ""
  done
  # Unmasked, the same read is not empty: the mask is what hides it.
  bundle_set '.linux.maskedPaths = []'
  set_args /bin/hutch-helper cat /proc/timer_list
  run runtime run -b "$BUNDLE" "$ID"
  assert_success
  assert_output --partial "Timer List"
  bundle_set '.linux.maskedPaths = ["/proc/timer_list"]'

  local before
  before=$(hostname)
  set_args /bin/hutch-helper write /proc/sys/kernel/hostname escaped
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "EROFS"
  assert_equal "$(hostname)" "$before"
}

@test "caps AUDIT_WRITE, KILL, NET_BIND_SERVICE with noNewPrivileges: CapBnd and CapEff 0x20000420, NoNewPrivs 1" {
  bundle_set '.process.noNewPrivileges = true
    | .process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}' \
    --argjson c '["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
  local field
  for field in CapBnd CapEff CapPrm; do
    run_helper status "$field"
    assert_success
    assert_output "0000000020000420"
  done
  run_helper status NoNewPrivs
  assert_output "1"
}

@test "empty capability lists leave every set at 0" {
  bundle_set '.process.capabilities = {"bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
  local field
  for field in CapBnd CapEff CapPrm CapInh CapAmb; do
    run_helper status "$field"
    assert_success
    assert_output "0000000000000000"
  done
}

@test "seccomp returning EPERM for mkdir/mkdirat: Seccomp 2, mkdir fails, other calls work" {
  bundle_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  bundle_set '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": []}]'
  run_helper status Seccomp
  assert_success
  assert_output "2"
  run_helper mkdir /scratch/d
  assert_failure
  assert_output --partial "EPERM"
  run_helper write /scratch/f data
  assert_success
  run_helper hostname
  assert_success
}

@test "a seccomp listener gets the notify fd and the state with the container's pid" {
  start_seccomp_listener "$TEST_DIR/l.sock" "$TEST_DIR/msg"
  bundle_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
    "listenerMetadata": "agent-data",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$TEST_DIR/l.sock"
  bundle_set '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": []}]'
  set_args sh -c '/bin/hutch-helper mkdir /scratch/d; exec /bin/hutch-helper sleep 300'
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_file "$TEST_DIR/msg"
  local pid
  pid=$(state_field "$ID" pid)
  assert_equal "$(jq -r .pid "$TEST_DIR/msg")" "$pid"
  assert_equal "$(jq -r .state.pid "$TEST_DIR/msg")" "$pid"
  assert_equal "$(jq -r .state.id "$TEST_DIR/msg")" "$ID"
  assert_equal "$(jq -r .metadata "$TEST_DIR/msg")" "agent-data"
  assert_equal "$(jq -c .fds "$TEST_DIR/msg")" '["seccompFd"]'
  # The listener closed the notify fd: mkdir, handed to it, failed.
  wait_file "$TEST_DIR/run.out"
  assert_equal "$(cat "$TEST_DIR/run.out")" "ENOSYS"
}
