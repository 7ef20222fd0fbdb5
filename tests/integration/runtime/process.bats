#!/usr/bin/env bats
# The container's processes as runc makes and reaches them: kill by status
# and through the cgroup without a pid namespace, delete by status, exec's
# exit statuses, HOME when process.env lacks it, socket activation
# (LISTEN_FDS/LISTEN_PID), hostname/domainname against their sysctls.
load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
}

@test "kill ID 0 checks that the container is alive" {
  start_detached /bin/hutch-helper sleep 300
  run runtime kill "$ID" 0
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  runtime kill "$ID" KILL
  wait_status "$ID" stopped
  run runtime kill "$ID" 0
  assert_failure
}

# no_pidns_family: run detached without a pid namespace, an init that forks a
# child which outlives it; sets CHILD (host pid of the child).
no_pidns_family() {
  bundle_set '.linux.namespaces |= map(select(.type != "pid")) | .root.readonly = false'
  set_args /bin/sh -c "sleep 300 & echo \$! > /tmp/child; exec sleep 300"
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  wait_status "$ID" running
  wait_file "$BUNDLE/rootfs/tmp/child"
  CHILD=$(cat "$BUNDLE/rootfs/tmp/child")
  kill -0 "$CHILD"
}

# wait_dead PID: PID gone (or a zombie) within 5 s.
wait_dead() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ -d "/proc/$1" ] && [ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" != Z ] ||
      return 0
    sleep 0.05
  done
  fail "pid $1 still alive"
}

@test "without a pid namespace, kill --all reaches every process of the container" {
  no_pidns_family
  run runtime kill --all "$ID" KILL
  assert_success
  wait_dead "$CHILD"
}

@test "without a pid namespace, kill KILL reaches every process of the container" {
  no_pidns_family
  run runtime kill "$ID" KILL
  assert_success
  wait_dead "$CHILD"
}

@test "without a pid namespace, delete -f reaches every process of the container" {
  no_pidns_family
  run runtime delete -f "$ID"
  assert_success
  wait_dead "$CHILD"
  assert_gone "$ID"
}

@test "delete without -f of a created container fails and leaves it created" {
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  run runtime delete "$ID"
  assert_failure
  assert_equal "$(state_field "$ID" status)" created
}

@test "exec: a failure of the runtime itself exits 255" {
  run runtime exec nosuch /bin/hutch-helper true
  assert_equal "$status" 255
  start_detached /bin/hutch-helper sleep 300
  run runtime pause "$ID"
  assert_success
  run runtime exec "$ID" /bin/hutch-helper true
  assert_equal "$status" 255
  run runtime resume "$ID"
  run runtime exec "$ID" /bin/hutch-helper exit 4
  assert_equal "$status" 4
}

@test "HOME: without it in process.env, run sets the user's home from /etc/passwd" {
  bundle_set '.process.env = ["PATH=/bin:/sbin"]'
  run_helper env HOME
  assert_success
  assert_output "/root"
}

@test "HOME: a user without a passwd entry gets /, and process.env's HOME wins" {
  bundle_set '.process.env = ["PATH=/bin:/sbin"] | .process.user = {"uid": 4242, "gid": 4242}'
  run_helper env HOME
  assert_success
  assert_output "/"
  bundle_set '.process.env = ["PATH=/bin:/sbin", "HOME=/elsewhere"]'
  ID=$(new_id)
  run_helper env HOME
  assert_success
  assert_output "/elsewhere"
}

@test "HOME: exec without it sets the exec'd user's home" {
  bundle_set '.process.env = ["PATH=/bin:/sbin"]'
  start_detached /bin/hutch-helper sleep 300
  run runtime exec "$ID" /bin/hutch-helper env HOME
  assert_success
  assert_output "/root"
  run runtime exec --user 1000:1000 "$ID" /bin/hutch-helper env HOME
  assert_success
  assert_output "/home/hutch"
  run runtime exec --env HOME=/set "$ID" /bin/hutch-helper env HOME
  assert_success
  assert_output "/set"
}

@test "HOME: a FIFO or /dev/zero as the container's /etc/passwd gives /, at once" {
  bundle_set '.process.env = ["PATH=/bin:/sbin"]'
  rm "$BUNDLE/rootfs/etc/passwd"
  mkfifo "$BUNDLE/rootfs/etc/passwd"
  HUTCH_CMD_TIMEOUT=20 run_helper env HOME
  assert_success
  assert_output "/"
  rm "$BUNDLE/rootfs/etc/passwd"
  ln -s /dev/zero "$BUNDLE/rootfs/etc/passwd"
  ID=$(new_id)
  HUTCH_CMD_TIMEOUT=20 run_helper env HOME
  assert_success
  assert_output "/"
}

# listen_run ARGS...: the runtime with LISTEN_FDS=1 and LISTEN_PID set to its
# own pid (as systemd's socket activation does), fd 3 the listening "socket".
listen_run() {
  echo "activated" >"$TEST_DIR/fd3"
  echo "preserved" >"$TEST_DIR/fd4"
  run timeout -k 5 "$HUTCH_CMD_TIMEOUT" sh -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"' sh \
    "$RUNTIME" --root "$STATE" run "$@" -b "$BUNDLE" "$ID" 3<"$TEST_DIR/fd3" 4<"$TEST_DIR/fd4"
}

@test "LISTEN_FDS: socket activation passes the fds on with LISTEN_PID rewritten" {
  set_args /bin/sh -c 'echo $LISTEN_FDS $LISTEN_PID; cat /proc/self/fd/3; test -e /proc/self/fd/4 || echo no fd 4'
  listen_run
  assert_success
  assert_output "1 1
activated
no fd 4"
}

@test "LISTEN_FDS: --preserve-fds counts after the activation fds" {
  set_args /bin/sh -c 'echo $LISTEN_FDS $LISTEN_PID; cat /proc/self/fd/3 /proc/self/fd/4'
  listen_run --preserve-fds 1
  assert_success
  assert_output "1 1
activated
preserved"
}

@test "LISTEN_FDS: ignored when LISTEN_PID is not the runtime's pid" {
  set_args /bin/sh -c 'echo "[$LISTEN_FDS]"; test -e /proc/self/fd/3 || echo no fd 3'
  run env LISTEN_FDS=1 LISTEN_PID=1 "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID" 3</dev/null
  assert_success
  assert_output "[]
no fd 3"
}

# As runc: a sysctl for what the hostname/domainname field sets is refused
# when that field is set too, whatever the values.
@test "hostname with a kernel.hostname sysctl is refused" {
  bundle_set '.hostname = "box" | .linux.sysctl = {"kernel.hostname": "box"}'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "kernel.hostname"
  assert_output --partial "hostname"
  assert_gone "$ID"
}

@test "domainname with a kernel.domainname sysctl is refused" {
  bundle_set '.domainname = "dom" | .linux.sysctl = {"kernel.domainname": "other"}'
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --partial "kernel.domainname"
  assert_gone "$ID"
}
