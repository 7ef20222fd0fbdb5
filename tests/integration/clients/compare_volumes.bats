#!/usr/bin/env bats
# hutch, docker and podman on the same volume and network command lines
# (issue 15, "Tests"): volume ls and network ls columns, volume create /
# inspect / ls --format, and exit codes for missing volumes and networks.
# No network is created: docker runs without a bridge here, and a user
# network would make one on the host. See compare.bash.

load compare

@test "volume ls: docker's columns, for hutch and podman" {
  same_columns volume ls
  # podman prints no header for no volumes: give each one
  local t
  for t in hu dk pm; do
    $t volume create cmp-col >/dev/null
  done
  same_columns volume ls
  run columns pm volume ls
  assert_output "$(columns dk volume ls)"
}

@test "volume create, ls -q, ls --format, inspect -f as docker's" {
  local t
  for t in hu dk pm; do
    run $t volume create cmp-vol
    assert_success
    assert_output "cmp-vol"
  done
  run hu volume ls -q
  assert_output "$(dk volume ls -q)"
  run hu volume ls --format '{{.Name}} {{.Driver}}'
  assert_output "$(dk volume ls --format '{{.Name}} {{.Driver}}')"
  assert_output "cmp-vol local"
  local f
  for f in '{{.Name}}' '{{.Driver}}' '{{.Scope}}'; do
    run hu volume inspect -f "$f" cmp-vol
    assert_output "$(dk volume inspect -f "$f" cmp-vol)"
  done
  # creating a name that exists is no error for docker (podman: 125)
  same_status 125 volume create cmp-vol
}

@test "exit codes: a missing volume" {
  same_status = volume rm nosuch-vol
  # docker: 1, podman: 125
  same_status 125 volume inspect nosuch-vol
  # a wrong number of arguments: docker 1, podman 125
  same_status 125 volume rm
}

@test "network ls: docker's columns (podman has no SCOPE)" {
  same_columns network ls
  run columns pm network ls
  assert_output "$(columns dk network ls | grep -vx SCOPE)"
}

@test "exit codes: a missing network, a name in use" {
  same_status = network rm nosuch-net
  # docker: 1, podman: 125
  same_status 125 network inspect nosuch-net
  # docker's networks here are host and none: making one of those names
  # fails in all three without making anything
  same_status 125 network create none
  local t
  for t in hu dk pm; do
    $t run -d --network none --name cmp-n testimg sleep 100 >/dev/null 3>&-
  done
  # (to a running container: docker 20.10 lets a stopped one name a missing network)
  same_status 125 network connect nosuch-net cmp-n
  run hu network create none
  assert_failure 1
}

@test "exit codes: --filter as docker's parser and daemon check it" {
  # no "=": the parser's error, 125 in all three
  same_status = ps --filter nosuch
  same_status = volume ls --filter nosuch
  same_status = network ls --filter nosuch
  # a key or value docker's daemon refuses: 1, podman 125
  same_status 125 ps --filter nosuch=1
  same_status 125 volume ls --filter nosuch=1
  same_status 125 network ls --filter nosuch=1
  same_status 125 network ls --filter type=other
  # the filters that select: the same networks as docker's
  run hu network ls --format '{{.Name}}' --filter type=custom
  assert_output ""
  run dk network ls --format '{{.Name}}' --filter type=custom
  assert_output ""
  run hu network ls --format '{{.Name}}' --filter name=nosuch
  assert_output "$(dk network ls --format '{{.Name}}' --filter name=nosuch)"
}

@test "volume create --driver: local as docker's, another driver refused with docker's reason" {
  local t
  for t in hu dk; do
    run $t volume create --driver local --label tier=db cmp-drv
    assert_success
    assert_output "cmp-drv"
  done
  for f in '{{.Driver}}' '{{.Labels.tier}}'; do
    run hu volume inspect -f "$f" cmp-drv
    assert_output "$(dk volume inspect -f "$f" cmp-drv)"
  done
  run dk volume create -d nosuchdriver cmp-drv2
  local want=${output#Error response from daemon: }
  run hu volume create -d nosuchdriver cmp-drv2
  assert_equal "$status" 1
  assert_output "hutch: $want"
  run hu volume ls -q
  refute_output --partial cmp-drv2
}
