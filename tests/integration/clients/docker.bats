#!/usr/bin/env bats
# docker (Debian's dockerd 20.10, the docker CLI on PATH) driving
# hutch-runtime as `--runtime hutch`. dockerd runs privately
# (tests/fixtures/clients.sh dockerd_start: data, exec root, socket and
# its containerd under $CLI_DIR; no bridge, no iptables, containers with
# --network none; container cgroups under /$CGPARENT), started here and
# stopped by pid. The image is the fixture image as a docker-archive,
# brought in with `docker load` (no registry, no network).
#
# docker's spec writes every linux.resources field, zero for "unset"
# (blkio weight 0 on a host without blkio.weight or blkio.bfq.weight):
# the runtime must skip those as runc does, or nothing runs at all.

load helpers

setup_file() {
  export CLI_DIR CGPARENT DOCKER_DIR IMAGE DOCKER_HOST
  CLI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-docker.XXXXXX")
  CGPARENT=hutch-cli-$$
  DOCKER_DIR=$CLI_DIR/docker
  DOCKER_HOST=unix://$DOCKER_DIR/docker.sock
  IMAGE=hutch/client:latest
  [ -x "$HUTCH_RUNTIME" ] || {
    echo "$HUTCH_RUNTIME is not built" >&2
    return 1
  }
  # containerd 1.6 keeps shim sockets under /run/containerd/s whatever
  # its config says: remove what of that we made.
  RUN_CTRD_EXISTED=$([ -e /run/containerd ] && echo yes || echo no)
  RUN_CTRD_S_EXISTED=$([ -e /run/containerd/s ] && echo yes || echo no)
  export RUN_CTRD_EXISTED RUN_CTRD_S_EXISTED
  docker_image "$CLI_DIR/img" "$CLI_DIR/client.tar" "$HUTCH_BUILD" || return 1
  dockerd_start "$DOCKER_DIR" "$HUTCH_RUNTIME" "$CGPARENT" || return 1
  docker_ load -i "$CLI_DIR/client.tar" >/dev/null || return 1
}

teardown_file() {
  local ids
  ids=$(docker_ ps -aq 2>/dev/null)
  # shellcheck disable=SC2086 # one id a word
  [ -z "$ids" ] || docker_ rm -f $ids >/dev/null 2>&1
  dockerd_stop "$DOCKER_DIR"
  [ ! -e "$CLI_DIR/preg" ] || registry_stop "$CLI_DIR/preg"
  clients_down
  [ "$RUN_CTRD_S_EXISTED" = yes ] || rmdir /run/containerd/s 2>/dev/null
  [ "$RUN_CTRD_EXISTED" = yes ] || rmdir /run/containerd 2>/dev/null
  return 0
}

docker_() {
  timeout -k 5 60 docker "$@"
}

# drun ARGS...: docker run with the runtime under test, no network.
drun() {
  docker_ run --runtime hutch --network none "$@"
}

# The container's directory in a v1 hierarchy (or the cgroup2 mount).
cgdir() {
  local ctrl=$1 id
  id=$(docker_ inspect -f '{{.Id}}' "$2")
  if [ -d /sys/fs/cgroup/"$ctrl" ]; then
    echo "/sys/fs/cgroup/$ctrl/$CGPARENT/$id"
  else
    echo "/sys/fs/cgroup/$CGPARENT/$id"
  fi
}

# wait_for N CMD...: retry CMD every 0.2 s, up to N tries.
wait_for() {
  local n=$1 i
  shift
  for i in $(seq 1 "$n"); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

name() { echo "d$BATS_TEST_NUMBER-$RANDOM"; }

# sleeper: a detached container running `sleep 1000`; prints its name.
sleeper() {
  local n
  n=$(name)
  drun -d --name "$n" "$IMAGE" sleep 1000 >/dev/null && echo "$n"
}

@test "docker run --runtime hutch runs the loaded image (zero resource values are unset, not written)" {
  run drun --rm "$IMAGE" true
  assert_success
  run drun --rm "$IMAGE" cat /etc/hutch-file
  assert_success
  assert_output "$CLIENT_IMAGE_FILE_TEXT"
  run drun --rm "$IMAGE" sh -c 'exit 7'
  assert_failure 7
  # it really was hutch-runtime: its cgroup is under our parent
  run drun --rm "$IMAGE" cat /proc/self/cgroup
  assert_success
  assert_output --partial ":/$CGPARENT/"
}

@test "docker run -d: a detached container runs, logs, and stops" {
  n=$(name)
  run drun -d --name "$n" "$IMAGE" sh -c 'echo started; exec sleep 1000'
  assert_success
  run docker_ inspect -f '{{.State.Status}} {{.HostConfig.Runtime}}' "$n"
  assert_output "running hutch"
  wait_for 25 sh -c "docker logs $n 2>&1 | grep -q started"
  run docker_ stop -t 1 "$n"
  assert_success
  run docker_ inspect -f '{{.State.Status}}' "$n"
  assert_output exited
  docker_ rm "$n" >/dev/null
}

@test "docker exec runs a process in a running container" {
  n=$(sleeper)
  run docker_ exec "$n" sh -c 'cat /etc/hutch-file; echo pid1=$(cat /proc/1/comm)'
  assert_success
  assert_line "$CLIENT_IMAGE_FILE_TEXT"
  assert_line pid1=sleep
  run docker_ exec "$n" sh -c 'exit 4'
  assert_failure 4
  run docker_ exec -w /tmp -e X=y "$n" sh -c 'echo $(pwd) $X'
  assert_output "/tmp y"
  docker_ rm -f "$n" >/dev/null
}

@test "docker top lists the container's processes" {
  n=$(sleeper)
  run docker_ top "$n"
  assert_success
  assert_line --regexp '^root +[0-9]+ .* sleep 1000$'
  docker_ rm -f "$n" >/dev/null
}

@test "docker pause / unpause freeze and thaw the container" {
  n=$(sleeper)
  run docker_ pause "$n"
  assert_success
  run docker_ inspect -f '{{.State.Status}} {{.State.Paused}}' "$n"
  assert_output "paused true"
  run cat "$(cgdir freezer "$n")/freezer.state"
  assert_output FROZEN
  run docker_ unpause "$n"
  assert_success
  run docker_ inspect -f '{{.State.Status}}' "$n"
  assert_output running
  run docker_ exec "$n" echo thawed
  assert_output thawed
  docker_ rm -f "$n" >/dev/null
}

@test "docker stats --no-stream reports memory, cpu and pids" {
  n=$(name)
  # 20 MiB of shmem, a second of cpu, three processes (sh, spin, sleep)
  drun -d --name "$n" "$IMAGE" sh -c \
    'dd if=/dev/zero of=/dev/shm/x bs=1M count=20 2>/dev/null; hutch-helper spin 60 & sleep 1000; :' >/dev/null
  wait_for 50 sh -c "[ \$(docker top $n | wc -l) -ge 4 ]"
  sleep 1
  run curl -sf --unix-socket "$DOCKER_DIR/docker.sock" "http://docker/containers/$n/stats?stream=false"
  assert_success
  stats=$output
  mem=$(jq '.memory_stats.usage' <<<"$stats")
  cpu=$(jq '.cpu_stats.cpu_usage.total_usage' <<<"$stats")
  pids=$(jq '.pids_stats.current' <<<"$stats")
  [ "$mem" -ge $((20 << 20)) ] || fail "memory usage $mem < 20 MiB"
  [ "$cpu" -ge 500000000 ] || fail "cpu usage $cpu ns < 0.5 s"
  [ "$pids" -eq 3 ] || fail "pids $pids, want 3"
  run docker_ stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$n"
  assert_success
  assert_output --regexp "^$n (2[0-9]|[3-9][0-9])(\.[0-9]+)?MiB / [0-9.]+[GM]iB 3$"
  docker_ rm -f "$n" >/dev/null
}

@test "docker update --memory changes the running container's limits" {
  n=$(sleeper)
  d=$(cgdir memory "$n")
  run docker_ update --memory 64m --memory-swap 128m "$n"
  assert_success
  assert_equal "$(cat "$d/memory.limit_in_bytes")" $((64 << 20))
  [ ! -e "$d/memory.memsw.limit_in_bytes" ] ||
    assert_equal "$(cat "$d/memory.memsw.limit_in_bytes")" $((128 << 20))
  # growing both: memsw first, or the kernel refuses the limit
  run docker_ update --memory 256m --memory-swap 512m "$n"
  assert_success
  assert_equal "$(cat "$d/memory.limit_in_bytes")" $((256 << 20))
  run docker_ update --cpus 0.5 --pids-limit 50 "$n"
  assert_success
  assert_equal "$(cat "$(cgdir cpu "$n")/cpu.cfs_quota_us")" 50000
  assert_equal "$(cat "$(cgdir pids "$n")/pids.max")" 50
  run docker_ inspect -f '{{.HostConfig.Memory}}' "$n"
  assert_output $((256 << 20))
  docker_ rm -f "$n" >/dev/null
}

@test "docker run --memory: an out-of-memory kill exits 137 and is reported as OOMKilled" {
  n=$(name)
  run drun --name "$n" --memory 32m --memory-swap 32m "$IMAGE" hutch-helper memhog 200
  assert_failure 137
  run docker_ inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$n"
  assert_output "true 137"
  # a process within the limit is not touched
  run drun --rm --memory 32m --memory-swap 32m "$IMAGE" hutch-helper memhog 8
  assert_success
  assert_output "allocated 8 MiB"
  docker_ rm "$n" >/dev/null
}

@test "docker rm -f removes a running container, its processes and cgroups" {
  n=$(name)
  drun -d --name "$n" "$IMAGE" sh -c 'sleep 1000 & sleep 1000' >/dev/null
  id=$(docker_ inspect -f '{{.Id}}' "$n")
  pid=$(docker_ inspect -f '{{.State.Pid}}' "$n")
  kill -0 "$pid"
  run docker_ rm -f "$n"
  assert_success
  run docker_ ps -aq --filter "name=$n"
  assert_output ""
  ! kill -0 "$pid" 2>/dev/null || fail "pid $pid still runs"
  run find /sys/fs/cgroup -maxdepth 3 -type d -name "$id"
  assert_output ""
}

@test "docker run --restart on-failure:2 restarts the container twice" {
  n=$(name)
  drun -d --name "$n" --restart on-failure:2 "$IMAGE" sh -c 'exit 3' >/dev/null
  wait_for 100 sh -c "[ \"\$(docker inspect -f '{{.RestartCount}} {{.State.Status}}' $n)\" = '2 exited' ]" ||
    fail "$(docker_ inspect -f '{{.RestartCount}} {{.State.Status}}' "$n")"
  run docker_ inspect -f '{{.State.ExitCode}}' "$n"
  assert_output 3
  docker_ rm -f "$n" >/dev/null
}

@test "docker run -it: a TTY, input typed into it, and the exit status" {
  # script(1) gives docker a terminal; docker's own checks need one.
  run timeout -k 5 60 script -qec "docker run -it --rm --runtime hutch --network none $IMAGE sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'" /dev/null
  assert_success
  assert_output --regexp '/dev/pts/[0-9]+'
  assert_output --partial stdin-is-a-tty
  run timeout -k 5 60 script -qec "docker run -it --rm --runtime hutch --network none $IMAGE sh" /dev/null \
    <<<'echo typed-$((6*7)); exit 5'
  assert_failure 5
  assert_output --partial typed-42
  n=$(sleeper)
  run timeout -k 5 60 script -qec "docker exec -it $n sh -c 'tty'" /dev/null
  assert_success
  assert_output --regexp '/dev/pts/[0-9]+'
  docker_ rm -f "$n" >/dev/null
}

@test "docker pulls and runs (with its own runc) what hutch built and pushed, both formats" {
  local H="$HUTCH_BUILD/hutch" ctx=$CLI_DIR/push-ctx reg f out
  export HUTCH_ROOT=$CLI_DIR/hroot HUTCH_RUN_ROOT=$CLI_DIR/hrun
  mkdir -p "$ctx"
  echo content >"$ctx/f"
  printf 'FROM busybox\nCOPY f /f\nRUN echo built > /b && rm /bin/vi\nENV PUSHED=yes\nWORKDIR /srv\nCMD ["sh", "-c", "cat /f /b; echo $PUSHED; pwd; [ ! -e /bin/vi ] && echo no-vi"]\n' >"$ctx/Dockerfile"
  "$H" build -q --network none -t pushed "$ctx" >/dev/null
  reg=$(registry_start "$CLI_DIR/preg")
  for f in docker oci; do
    "$H" tag pushed "$reg/hutch/pushed-$f:v1"
    "$H" push -q --format "$f" "$reg/hutch/pushed-$f:v1"
    # 127.0.0.0/8 is an insecure registry to dockerd by default: plain http
    docker_ pull -q "$reg/hutch/pushed-$f:v1" >/dev/null
    run docker_ run --rm --network none "$reg/hutch/pushed-$f:v1"
    assert_success
    assert_output $'content\nbuilt\nyes\n/srv\nno-vi'
    out=$(docker_ image inspect -f '{{.Config.WorkingDir}} {{index .Config.Env 1}}' "$reg/hutch/pushed-$f:v1")
    [ "$out" = "/srv PUSHED=yes" ] || fail "docker sees config: $out"
    docker_ rmi "$reg/hutch/pushed-$f:v1" >/dev/null
  done
  registry_stop "$CLI_DIR/preg"
  for id in $("$H" ps -aq); do "$H" rm -f "$id" >/dev/null; done
}

@test "docker: no container, cgroup or runtime process of ours is left after rm" {
  ids=$(docker_ ps -aq)
  # shellcheck disable=SC2086 # one id a word
  [ -z "$ids" ] || docker_ rm -f $ids >/dev/null
  run leftover_cgroups
  assert_output ""
  # --bridge=none: dockerd made no network device
  run ip link show docker0
  assert_failure
  # by executable: dockerd's own command line names the runtime
  rt=$(readlink -f "$HUTCH_RUNTIME")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" != "$rt" ] || fail "${p#/proc/} runs $rt"
  done
}
