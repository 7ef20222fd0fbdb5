#!/usr/bin/env bats
# run/create --runtime (issue 15): the container runs with another OCI
# runtime binary (runc, crun, or a path), which hutch drives through its
# command line with a state root of its own under $HUTCH_RUN_ROOT; the
# monitor still owns the container (logs, exit code, --rm). docker's
# refusal for a runtime that is not there.
#
# crun 1.8 refuses hybrid cgroup hosts (this one): its tests run hutch in
# a private mount namespace without /sys/fs/cgroup/unified, as DESIGN.md
# says.

load helpers
bats_require_minimum_version 1.5.0

RUNC=$(command -v runc || true)
CRUN=$(command -v crun || true)

# The runtime's own state: what it still lists under hutch's root for it.
rt_list() {
  "$1" --root "$HUTCH_RUN_ROOT/engine/runtimes/$(basename "$1")" list -q 2>/dev/null
}

teardown() {
  engine_teardown
  local rt left
  for rt in $RUNC $CRUN; do
    left=$(rt_list "$rt")
    for id in $left; do "$rt" --root "$HUTCH_RUN_ROOT/engine/runtimes/$(basename "$rt")" delete -f "$id"; done
    if [ -n "$left" ]; then
      echo "$rt state left: $left" >&2
      return 1
    fi
  done
}

# pids.max of container $1's cgroup (v1 and hybrid hosts, or v2)
pids_max() {
  cat "/sys/fs/cgroup/pids/hutch/$1/pids.max" 2>/dev/null || cat "/sys/fs/cgroup/hutch/$1/pids.max"
}

need_runc() { [ -n "$RUNC" ] || skip "runc is not installed"; }

# crun_hutch ARGS…: hutch in a mount namespace where crun 1.8 accepts the host
crun_hutch() {
  unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
    timeout -k 5 120 "$HUTCH" "$@"
}

@test "run --rm --runtime runc: output, exit codes, nothing left" {
  need_runc
  run hutch run --rm --network none --runtime runc testimg echo hi
  assert_success
  assert_output "hi"
  run hutch run --rm --network none --runtime runc testimg sh -c 'echo out; echo err >&2; exit 3'
  assert_equal "$status" 3
  assert_output "$(printf 'out\nerr')"
  # a path to it; no terminal: pipes
  run hutch run --rm --network none --runtime "$RUNC" testimg hutch-helper isatty
  assert_output "0"
  run -127 hutch run --rm --network none --runtime runc testimg nosuchcmd
  assert_output --partial 'exec: "nosuchcmd": executable file not found'
  [ -z "$(hutch ps -aq)" ]
}

@test "run -d --runtime runc: ps, logs, exec, pause, top, stats, stop, rm; inspect shows it" {
  need_runc
  hutch_bg run -d --name r1 --network none --runtime runc testimg \
    sh -c 'trap "echo bye; exit 7" TERM; echo started; while :; do sleep 0.1; done'
  wait_for_log r1 started
  run hutch inspect -f '{{.HostConfig.Runtime}} {{.State.Status}}' r1
  assert_output "runc running"
  id=$(hutch inspect -f '{{.Id}}' r1)
  # runc knows it, under hutch's root
  run rt_list "$RUNC"
  assert_output "$id"
  run hutch ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^r1 Up '
  run hutch exec r1 sh -c 'echo in-exec; exit 5'
  assert_equal "$status" 5
  assert_output "in-exec"
  run -127 hutch exec r1 nosuchcmd
  # exec -t: runc's console socket and a detached process we reap
  run timeout 60 script -qec "$HUTCH exec -t r1 sh -c 'tty; exit 4'" /dev/null </dev/null
  assert_equal "$status" 4
  assert_output --partial "/dev/pts/"
  run hutch pause r1
  assert_success
  run hutch ps --format '{{.Status}}'
  assert_output --partial "(Paused)"
  run hutch inspect -f '{{.State.Paused}}' r1
  assert_output "true"
  hutch unpause r1
  # update goes through runc update, into the cgroup runc made
  run hutch update --pids-limit 42 r1
  assert_success
  run pids_max "$id"
  assert_output "42"
  run hutch top r1
  assert_success
  assert_output --partial "sleep"
  run hutch stats --no-stream --format '{{.Name}} {{.PIDs}}' r1
  assert_success
  assert_output --regexp '^r1 [1-9]'
  run hutch stop r1
  assert_success
  run hutch inspect -f '{{.State.Status}} {{.State.ExitCode}}' r1
  assert_output "exited 7"
  run hutch logs r1
  assert_output "$(printf 'started\nbye')"
  # stopped: runc deleted it; start runs it again through runc
  [ -z "$(rt_list "$RUNC")" ]
  hutch start r1
  wait_inspect r1 '{{.State.Status}}' running
  [ "$(rt_list "$RUNC")" = "$id" ]
  run hutch rm -f r1
  assert_success
  [ -z "$(rt_list "$RUNC")" ]
}

@test "run -t and -it --runtime runc: a terminal, input, the exit code; -d -t logs" {
  need_runc
  run timeout 60 script -qec "$HUTCH run --rm -t --network none --runtime runc testimg sh -c 'tty; hutch-helper isatty; exit 5'" /dev/null </dev/null
  assert_equal "$status" 5
  assert_output --partial "/dev/pts/"
  assert_line --partial "1"
  run timeout 60 script -qec "$HUTCH run --rm -it --network none --runtime runc testimg sh -c 'read l; echo got-\$l'" /dev/null <<<"line"
  assert_success
  assert_output --partial "got-line"
  hutch_bg run -d -t --name rt1 --network none --runtime runc testimg sh -c 'tty; sleep 100'
  wait_for_log rt1 /dev/pts/
  hutch rm -f rt1
}

@test "create --runtime runc, then start -a: the exit code" {
  need_runc
  hutch create --name r2 --network none --runtime runc testimg sh -c 'echo created-ran; exit 4'
  run hutch inspect -f '{{.HostConfig.Runtime}}' r2
  assert_output "runc"
  run hutch start -a r2
  assert_equal "$status" 4
  assert_output "created-ran"
}

@test "--runtime crun and a path to it" {
  [ -n "$CRUN" ] || skip "crun is not installed"
  run crun_hutch run --rm --network none --runtime crun testimg echo crun-hi
  assert_success
  assert_output "crun-hi"
  run crun_hutch run --rm --network none --runtime "$CRUN" testimg sh -c 'exit 6'
  assert_equal "$status" 6
  [ -z "$(rt_list "$CRUN")" ]
}

@test "an unknown runtime is refused as docker refuses it" {
  run hutch run --rm --runtime nosuchruntime testimg true
  assert_equal "$status" 125
  assert_output "hutch: unknown or invalid runtime name: nosuchruntime"
  # docker's create exits 1 for what its daemon refuses
  run hutch create --runtime /nonexistent/runc testimg true
  assert_equal "$status" 1
  assert_output "hutch: unknown or invalid runtime name: /nonexistent/runc"
  run hutch run --rm --runtime /etc/passwd testimg true
  assert_equal "$status" 125
  [ -z "$(hutch ps -aq)" ]
  # the default is hutch's own, and says so
  hutch create --name r3 --network none testimg true
  run hutch inspect -f '{{.HostConfig.Runtime}}' r3
  assert_output "hutch"
}
