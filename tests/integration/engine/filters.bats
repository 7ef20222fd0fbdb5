#!/usr/bin/env bats
# --filter as docker users write it (issue 15, "Templates and filters"):
# ps's keys (AND across keys, OR within one, labels AND), -n, -l, -s;
# images' dangling, reference, label, before, since; docker's errors.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

names() {
  hutch ps "$@" --format '{{.Names}}' | sort | tr '\n' ' '
}

@test "ps --filter: name, id, label, status, exited; AND across keys, OR within one" {
  hutch create --network none --name web-1 -l tier=web -l env=prod testimg true
  hutch create --network none --name web-2 -l tier=web -l env=dev testimg true
  hutch create --network none --name db-1 -l tier=db testimg true
  hutch run --network none --name ex0 testimg true
  hutch run --network none --name ex7 testimg sh -c 'exit 7' || true
  [ "$(names -a -f name=web)" = "web-1 web-2 " ]
  [ "$(names -a -f name=^/web-1$)" = "web-1 " ]
  [ "$(names -a -f name=web-1 -f name=db)" = "db-1 web-1 " ]
  [ "$(names -a -f label=tier)" = "db-1 web-1 web-2 " ]
  [ "$(names -a -f label=tier=web)" = "web-1 web-2 " ]
  [ "$(names -a -f label=tier=web -f label=env=dev)" = "web-2 " ]
  [ "$(names -a -f label=tier=web -f name=1)" = "web-1 " ]
  [ "$(names -a -f status=created)" = "db-1 web-1 web-2 " ]
  [ "$(names -f status=exited)" = "ex0 ex7 " ]
  [ "$(names -a -f exited=7)" = "ex7 " ]
  [ "$(names -a -f exited=0 -f exited=7)" = "ex0 ex7 " ]
  [ "$(names -a -f exited=0 -f status=created)" = "" ]
  local id
  id=$(hutch inspect -f '{{.Id}}' db-1)
  [ "$(names -a -f id="${id:0:10}")" = "db-1 " ]
  [ "$(names -a -f health=none -f label=tier=db)" = "db-1 " ]
  [ "$(names -a -f health=healthy)" = "" ]
  # without -a only running containers, as docker
  [ "$(names)" = "" ]
  [ "$(names -f label=tier)" = "" ]
}

@test "ps --filter: ancestor, before, since, volume, network; -n, -l" {
  hutch tag testimg local/alias:1
  hutch create --network none --name first testimg true
  hutch create --network none --name second -v vflt:/data local/alias:1 true
  hutch create --name third testimg true
  [ "$(names -a -f ancestor=testimg)" = "first second third " ]
  [ "$(names -a -f ancestor=local/alias:1)" = "first second third " ]
  [ "$(names -a -f ancestor=no/such:image)" = "" ]
  [ "$(names -a -f before=third)" = "first second " ]
  [ "$(names -a -f since=first)" = "second third " ]
  [ "$(names -a -f since=first -f before=third)" = "second " ]
  [ "$(names -a -f volume=vflt)" = "second " ]
  [ "$(names -a -f volume=/data)" = "second " ]
  [ "$(names -a -f network=bridge)" = "third " ]
  [ "$(names -a -f network=none -f network=other)" = "" ]
  run hutch ps -n 2 --format '{{.Names}}'
  assert_output "$(printf 'third\nsecond')"
  run hutch ps -l --format '{{.Names}}'
  assert_output "third"
  run hutch ps -l -f label=none --format '{{.Names}}'
  assert_output ""
  run hutch ps -a -f before=nosuch
  assert_failure 1
  assert_output --partial "No such container: nosuch"
  hutch rm -f -v second
  hutch volume rm vflt
  hutch rmi local/alias:1
}

@test "ps -s: the writable layer's size and the virtual size" {
  hutch run --network none --name sz testimg sh -c 'head -c 5000 /dev/zero >/big'
  run hutch ps -a -s --format '{{.Names}} {{.Size}}'
  assert_success
  assert_output --regexp '^sz 5[0-9.]*kB \(virtual [0-9.]+[kMG]B\)$'
  run hutch ps -a -s
  assert_line --index 0 --regexp 'NAMES +SIZE$'
}

@test "bad filters: docker's messages, exit 1 (125 for a filter without =)" {
  run hutch ps -f foo=bar
  assert_failure 1
  assert_output "hutch: invalid filter 'foo'"
  run hutch ps -f status=sleeping
  assert_failure 1
  assert_output "hutch: invalid filter 'status=sleeping'"
  # no "=": docker's parser refuses it, 125, for every command's --filter
  run hutch ps -f status
  assert_failure 125
  assert_output "invalid argument \"status\" for \"-f, --filter\" flag: bad format of filter (expected name=value)
See 'hutch ps --help'."
  local c
  for c in images "volume ls" "network ls" "system prune -f" "container prune -f" "events --until 0s"; do
    # shellcheck disable=SC2086 # two words
    run hutch $c --filter nosuch
    assert_failure 125
    assert_line --index 0 --partial "bad format of filter (expected name=value)"
  done
  run hutch ps -a -f exited=x
  assert_failure 1
  assert_output --partial 'strconv.Atoi: parsing "x": invalid syntax'
  run hutch images -f foo=1
  assert_failure 1
  assert_output "hutch: invalid filter 'foo'"
  run hutch images -f dangling=maybe
  assert_failure 1
  assert_output "hutch: invalid filter 'dangling=maybe'"
  run hutch volume ls -f nope=1
  assert_failure 1
  assert_output --partial "invalid filter 'nope'"
}

@test "images --filter: dangling, reference globs, label, before, since" {
  mkdir -p "$TEST_DIR/r/etc"
  echo one >"$TEST_DIR/r/etc/one"
  tar -C "$TEST_DIR/r" -cf "$TEST_DIR/r.tar" .
  hutch tag testimg local/app:1
  hutch tag testimg local/app:2
  sleep 1.1
  hutch import "$TEST_DIR/r.tar" >/dev/null
  run hutch images -f dangling=true --format '{{.Repository}}:{{.Tag}}'
  assert_output "<none>:<none>"
  run hutch images -f dangling=false --format '{{.Repository}}:{{.Tag}}'
  refute_output --partial "<none>"
  run hutch images -f reference='local/*' --format '{{.Repository}}:{{.Tag}}'
  assert_output "$(printf 'local/app:1\nlocal/app:2')"
  run hutch images -f reference='local/app:2' -f reference=testimg --format '{{.Repository}}:{{.Tag}}'
  assert_output "$(printf 'testimg:latest\nlocal/app:2')"
  run hutch images -f reference='app*' --format '{{.Repository}}'
  assert_output ""
  run hutch images -f label=nosuch --format '{{.Repository}}'
  assert_output ""
  run hutch images -f since=testimg --format '{{.Repository}}:{{.Tag}}'
  assert_output "<none>:<none>"
  local id
  id=$(hutch images -f dangling=true -q)
  run hutch images -f before="$id" --format '{{.Repository}}' -f reference=testimg
  assert_output "testimg"
  hutch rmi "$id" local/app:1 local/app:2 >/dev/null
}

@test "volume ls --filter and --format together" {
  hutch volume create vf-a >/dev/null
  hutch volume create vf-b >/dev/null
  hutch create --network none --name vuser -v vf-a:/x testimg true
  run hutch volume ls -f dangling=true --format '{{.Name}}'
  assert_output "vf-b"
  run hutch volume ls -f name=vf- -f driver=local --format 'table {{.Name}}'
  assert_output "$(printf 'VOLUME NAME\nvf-a\nvf-b')"
  hutch rm vuser
  hutch volume rm vf-a vf-b
}
