#!/usr/bin/env bats
# podman 4.3 (and conmon) driving hutch-runtime with --runtime: run --rm,
# run -d/exec/stop/rm, resource limits, a terminal through conmon's
# console socket, errors read back from the runtime's JSON log, pause and
# update. podman keeps its images and containers under $CLI_DIR (private
# --root/--runroot, vfs, cgroupfs with a cgroup parent of our own) and is
# configured by a private containers.conf.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  clients_up || return 1
  export PODMAN_DIR=$CLI_DIR/podman
  mkdir -p "$PODMAN_DIR/tmp"
  # hutch-runtime writes runc's JSON log lines: tell podman so (it passes
  # --log-format=json and reads errors back only for runtimes named here).
  # The ulimits: podman's default nofile is above this host's hard limit.
  export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["crun", "runc", "hutch-runtime"]
EOF
  podman pull -q --tls-verify=false "$IMAGE" >/dev/null || return 1
}

teardown_file() {
  podman rm -af -t 0 >/dev/null 2>&1
  clients_down
}

teardown() {
  podman rm -af -t 0 >/dev/null 2>&1 || true
}

podman() {
  timeout -k 5 120 /usr/bin/podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" \
    --storage-driver vfs --tmpdir "$PODMAN_DIR/tmp" --runtime "$HUTCH_RUNTIME" "$@"
}

prun() {
  podman run --cgroup-parent "/$CGPARENT" "$@"
}

@test "podman run --rm IMAGE cat FILE prints the file" {
  run prun --rm "$IMAGE" cat /etc/hutch-file
  assert_success
  assert_output "$CLIENT_IMAGE_FILE_TEXT"
  # --rm: nothing left in podman nor in the runtime's state
  run podman ps -aq
  assert_output ""
}

@test "podman run -d, exec, stop, rm" {
  run prun -d --name d1 "$IMAGE" hutch-helper trap-term
  assert_success
  id=$output
  run podman inspect d1 --format '{{.State.Status}} {{.OCIRuntime}}'
  # podman names a --runtime given as a path by that path
  assert_output "running $HUTCH_RUNTIME"
  [ "$("$HUTCH_RUNTIME" state "$id" | jq -r .status)" = running ]

  run podman exec d1 cat /etc/hutch-file
  assert_success
  assert_output "$CLIENT_IMAGE_FILE_TEXT"
  run podman exec d1 sh -c 'exit 3'
  assert_failure 3
  run podman exec -w /etc d1 hutch-helper cwd
  assert_output /etc

  # stop delivers SIGTERM through `kill`; the payload exits 0 on it
  run podman stop -t 20 d1
  assert_success
  run podman inspect d1 --format '{{.State.Status}} {{.State.ExitCode}}'
  assert_output "exited 0"
  run podman logs d1
  assert_output --partial "got SIGTERM"

  run podman rm d1
  assert_success
  run "$HUTCH_RUNTIME" state "$id"
  assert_failure
  run podman ps -aq
  assert_output ""
}

@test "podman run --memory 64m --pids-limit 50 runs with the limits in force" {
  run prun --rm --memory 64m --pids-limit 50 "$IMAGE" \
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
  assert_success
  assert_line --index 0 67108864
  assert_line --index 1 50
  # the runtime removed the container's cgroups; only conmon's remain
  run leftover_cgroups
  refute_output --partial libpod-
}

@test "podman run -t: the terminal comes through conmon's console socket" {
  run prun --rm -t "$IMAGE" hutch-helper isatty 0
  assert_success
  assert_output --partial 1
  run prun --rm "$IMAGE" hutch-helper isatty 0
  assert_output 0
}

@test "podman shows the runtime's error and exit status for a missing command" {
  run -127 prun --rm "$IMAGE" /no/such/cmd
  assert_output --partial '/no/such/cmd'
  assert_output --partial 'No such file or directory'
}

@test "podman passes the container's exit status through" {
  run prun --rm "$IMAGE" sh -c 'exit 42'
  assert_failure 42
}

@test "podman pause, unpause and update" {
  run prun -d --name p1 "$IMAGE" sleep 300
  assert_success
  run podman pause p1
  assert_success
  run podman inspect p1 --format '{{.State.Status}}'
  assert_output paused
  run podman unpause p1
  assert_success
  run podman update --memory 32m p1
  assert_success
  run podman exec p1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes
  assert_output 33554432
  run podman rm -f -t 0 p1
  assert_success
}

@test "podman run --device and --privileged: device modes with file type bits are accepted" {
  # podman passes the host's st_mode (type bits included) as fileMode
  run prun --rm --device /dev/null:/dev/mynull "$IMAGE" stat -c '%F %t,%T %a' /dev/mynull
  assert_success
  assert_output "character special file 1,3 666"
  run prun --rm --privileged "$IMAGE" hutch-helper status CapEff
  assert_success
  # every capability the runtime itself may hold
  assert_output "$(awk '/^CapBnd:/ {print $2}' /proc/self/status)"
}
