#!/usr/bin/env bats
# hutch, docker and podman on the same container command lines (issue
# 15, "Tests"): ps's columns, inspect -f of simple fields, and the exit
# codes of common errors: a missing container, a missing image, a
# command that fails, is not found or is not executable. See compare.bash.
#
# Exit codes as docker's CLI: 1 for every error its daemon reports (a
# missing container, a name in use, a container that is not running),
# also for create; 125 only for run's own failures and for bad flags.
# podman differs (125 for most of these) and is asserted as it is.

load compare

@test "ps -a: docker's columns, for hutch and podman" {
  same_columns ps -a
  run columns pm ps -a
  assert_output "$(columns dk ps -a)"
}

@test "ps -q and ps -a -q list the same containers as docker's would" {
  local t
  for t in hu dk pm; do
    $t create --network none --name cmp-c testimg true >/dev/null
  done
  run hu ps -q
  assert_output ""
  run hu ps -aq
  assert_output --regexp '^[0-9a-f]{12}$'
  run dk ps -aq
  assert_output --regexp '^[0-9a-f]{12}$'
}

@test "inspect -f: simple fields as docker prints them" {
  local t
  for t in hu dk pm; do
    $t create --network none --name cmp-i testimg sh -c 'exit 3' >/dev/null
  done
  local f
  for f in '{{.State.Status}}' '{{.State.ExitCode}}' '{{.State.Running}}'; do
    run hu inspect -f "$f" cmp-i
    assert_success
    assert_output "$(dk inspect -f "$f" cmp-i)"
    assert_output "$(pm inspect -f "$f" cmp-i)"
  done
  for f in '{{.Path}}' '{{.HostConfig.NetworkMode}}' '{{.State.Pid}}' '{{.Config.Cmd}}'; do
    run hu inspect -f "$f" cmp-i
    assert_success
    assert_output "$(dk inspect -f "$f" cmp-i)"
  done
  # a field docker's inspect does not have: its error, exit 1; a missing label is no value
  for f in '{{.Nope}}' '{{.Name}} {{.State.Nope}}' '{{.Config.Nope.Deeper}}'; do
    run dk inspect -f "$f" cmp-i
    assert_failure 1
    # docker's stderr (its stdout has an empty line)
    local want
    want=$(dk inspect -f "$f" cmp-i 2>&1 >/dev/null || true)
    run hu inspect -f "$f" cmp-i
    assert_failure 1
    assert_output "hutch: $want"
  done
  for f in '{{.Config.Labels.nope}}' '{{.State.Health}}'; do
    run hu inspect -f "$f" cmp-i
    assert_success
    assert_output "$(dk inspect -f "$f" cmp-i)"
  done
  # .Config.Image: the name as given, as docker's (podman's is the full name)
  run hu inspect -f '{{.Config.Image}}' cmp-i
  assert_output "$(dk inspect -f '{{.Config.Image}}' cmp-i)"
  assert_output "testimg"
  run pm inspect -f '{{.Config.Image}}' cmp-i
  assert_output "docker.io/library/testimg:latest"
  # .Name: docker's has the leading slash, podman's not
  run hu inspect -f '{{.Name}}' cmp-i
  assert_output "$(dk inspect -f '{{.Name}}' cmp-i)"
  assert_output "/cmp-i"
  run pm inspect -f '{{.Name}}' cmp-i
  assert_output "cmp-i"
  # after the run: exited, with the command's status
  for t in hu dk pm; do
    $t start cmp-i >/dev/null 2>&1
    $t wait cmp-i >/dev/null
  done
  for f in '{{.State.Status}}' '{{.State.ExitCode}}'; do
    run hu inspect -f "$f" cmp-i
    assert_output "$(dk inspect -f "$f" cmp-i)"
    assert_output "$(pm inspect -f "$f" cmp-i)"
  done
}

@test "ps --format: simple fields and a table as docker prints them" {
  local t
  for t in hu dk pm; do
    # an argument with a blank is quoted by docker: "sh -c 'exit 0'"
    $t create --network none --name cmp-f testimg sh -c 'exit 0' >/dev/null
  done
  # strconv.Quote of it, cut to 20 characters with …, whole with --no-trunc
  for t in hu dk; do
    $t create --network none --name cmp-g testimg sh -c 'sleep 1; echo "a\b"	x' >/dev/null
  done
  run hu ps -a --filter name=cmp-g --format '{{.Command}}'
  assert_output "\"sh -c 'sleep 1; ech…\""
  assert_output "$(dk ps -a --filter name=cmp-g --format '{{.Command}}')"
  run hu ps -a --no-trunc --filter name=cmp-g --format '{{.Command}}'
  assert_output "\"sh -c 'sleep 1; echo \\\"a\\\\b\\\"\\tx'\""
  assert_output "$(dk ps -a --no-trunc --filter name=cmp-g --format '{{.Command}}')"
  run hu ps -a --filter name=cmp-g
  assert_line --index 1 --partial "\"sh -c 'sleep 1; ech…\""
  hu rm cmp-g >/dev/null
  dk rm cmp-g >/dev/null
  run hu ps -a --format '{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}'
  assert_success
  assert_output "$(dk ps -a --format '{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}')"
  run hu ps -a --format '{{.Names}} {{.Image}}'
  assert_output "$(dk ps -a --format '{{.Names}} {{.Image}}')"
  # podman's .State is "Created", docker's (and hutch's) "created"
  run pm ps -a --format '{{.State}}'
  assert_output "Created"
  run columns hu ps -a --format 'table {{.Names}}\t{{.Status}}\t{{.Image}}'
  assert_output "$(columns dk ps -a --format 'table {{.Names}}\t{{.Status}}\t{{.Image}}')"
}

@test "exit codes: a missing container" {
  # docker: 1, and podman too for rm
  same_status = rm nosuch-ctr
  # rm -f: reported, no failure (all three)
  same_status = rm -f nosuch-ctr
  run hu rm -f nosuch-ctr
  assert_success
  assert_output "hutch: No such container: nosuch-ctr"
  # docker: 1, podman: 125
  local verb
  for verb in stop start kill restart inspect pause unpause wait; do
    same_status 125 "$verb" nosuch-ctr
  done
}

@test "exit codes: what docker's daemon refuses exits 1, podman 125" {
  local t
  for t in hu dk pm; do
    $t run -d --network none --name cmp-up testimg sleep 100 >/dev/null 3>&-
    $t create --network none --name cmp-down testimg true >/dev/null
  done
  local verb
  for verb in logs port top stats\ --no-stream attach diff export commit; do
    # shellcheck disable=SC2086 # "stats --no-stream": two words
    same_status 125 $verb nosuch-ctr
  done
  same_status 125 exec nosuch-ctr true
  same_status 125 rename nosuch-ctr x
  # a name in use
  same_status 125 rename cmp-up cmp-down
  same_status 125 create --network none --name cmp-up testimg true
  # not running: docker 1, podman 255
  same_status 255 exec cmp-down true
  same_status 125 kill -s NOSUCHSIG cmp-up
  # create: 1 for what the daemon refuses, 125 for what the parser refuses
  same_status 125 create --network none nosuch-image-cmp
  same_status 125 create --network none --memory 1k testimg
  same_status = create --network none --memory lots testimg
  # run: 125 for both
  same_status = run --network none --name cmp-up testimg true
  # (podman: 126, its runtime refuses the limit)
  same_status 126 run --rm --network none --memory 1k testimg true
  run hu create --network none --name cmp-up testimg true
  assert_failure 1
  run hu run --network none --name cmp-up testimg true
  assert_failure 125
}

@test "exit codes: run passes the command's status through; 126, 127 and 125 as docker's" {
  same_status = run --rm --network none testimg true
  same_status = run --rm --network none testimg false
  same_status = run --rm --network none testimg sh -c 'exit 3'
  # not found: 127; not executable: 126
  same_status = run --rm --network none testimg /no/such/cmd
  same_status = run --rm --network none testimg /etc
  # hutch's own errors: 125 (a flag, an image that is nowhere)
  same_status = run --rm --network none --no-such-flag testimg true
  same_status = run --rm --network none 127.0.0.1:1/no/such:image true
}

@test "exit codes: a running container removed without -f; exec's statuses" {
  local t
  for t in hu dk pm; do
    $t run -d --network none --name cmp-busy testimg sleep 100 >/dev/null 3>&-
  done
  # docker: 1 ("stop the container before removing"); podman: 2
  same_status 2 rm cmp-busy
  # the command's status passes through; not executable: 126
  same_status = exec cmp-busy false
  same_status = exec cmp-busy sh -c 'exit 7'
  same_status = exec cmp-busy /etc
  # not found: 127 as podman (and docker from 24 on; this dockerd, 20.10, says 126)
  run hu exec cmp-busy /no/such/cmd
  assert_failure 127
  run pm exec cmp-busy /no/such/cmd
  assert_failure 127
  # what the runtime refuses: 126 (a user or working directory that is not there)
  local a
  for a in "-u nosuchuser" "-w /no/such/dir"; do
    # shellcheck disable=SC2086 # flag and value
    run hu exec $a cmp-busy true
    assert_failure 126
    # shellcheck disable=SC2086
    assert_equal "$status" "$(status dk exec $a cmp-busy true)"
  done
  # bad flags: 125 everywhere
  same_status = exec --no-such-flag cmp-busy true
}

@test "exit codes: a command that is not one: docker 1, podman 125" {
  same_status 125 no-such-command
  run hu no-such-command
  assert_output "hutch: 'no-such-command' is not a hutch command.
See 'hutch --help'."
}
