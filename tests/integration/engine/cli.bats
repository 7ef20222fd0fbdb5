#!/usr/bin/env bats
# The command line as docker users type it (issue 15, "Parsing"): flags
# after arguments, exact long names, --help that never acts, prune's
# prompt, run -it without a terminal, flags that work, messages once.
# Where podman is installed, a few exit codes are compared with its own.

load helpers

# podman with a root of its own in this test's directory.
podman_t() {
  timeout -k 5 60 podman --root "$TEST_DIR/podman" --runroot "$TEST_DIR/podman-run" \
    --storage-driver vfs "$@"
}

@test "flags after arguments: rm web -f, inspect x -f, logs x -f; -- ends flags" {
  hutch_bg run -d --name web testimg sleep 100
  run hutch inspect web -f '{{.Name}}'
  assert_success
  assert_output "/web"
  run hutch rm web -f
  assert_success
  assert_output "web"
  run hutch run --name lg testimg echo hello-logs
  assert_success
  run hutch logs lg -f
  assert_success
  assert_output "hello-logs"
  run hutch logs lg -n 0
  assert_success
  assert_output ""
  # after --, -f is a name, not a flag
  run hutch rm -- -f
  assert_failure 1
  assert_output --partial "No such container: -f"
}

@test "run, create and exec stop parsing at the image / container" {
  run hutch run --rm testimg echo -n --help -f
  assert_success
  assert_output "--help -f"
  hutch_bg run -d --name ex testimg sleep 100
  run hutch exec ex echo -d --rm
  assert_success
  assert_output "-d --rm"
}

@test "long flags match exactly: --priv is unknown, --pid=100 is no --pids-limit" {
  run hutch run --priv testimg true
  assert_failure 125
  assert_line --index 0 "unknown flag: --priv"
  assert_line --index 1 "See 'hutch run --help'."
  run hutch run --pid=100 testimg true
  assert_failure 125
  assert_output "hutch: --pid: invalid PID mode"
  run hutch run --pids=100 testimg true
  assert_failure 125
  assert_output --partial "unknown flag: --pids"
  run hutch ps -a --format=json --no-trun
  assert_failure 125
  assert_output --partial "unknown flag: --no-trun"
  run hutch rm -x c
  assert_failure 125
  assert_output --partial "unknown shorthand flag: 'x' in -x"
  run hutch container prune --bogus
  assert_failure 125
  assert_output --partial "See 'hutch container prune --help'."
}

@test "--flag=value, --flag value, -itd, --rm=false, missing values" {
  run hutch run --name=eq --rm=false testimg true
  assert_success
  run hutch inspect -f '{{.HostConfig.AutoRemove}}' eq
  assert_output "false"
  run hutch run --name sp --rm testimg true
  assert_success
  run hutch inspect sp
  assert_failure
  run hutch_bg run -itd --name itd testimg sh
  assert_success
  run hutch inspect -f '{{.Config.Tty}} {{.Config.OpenStdin}}' itd
  assert_output "true true"
  run hutch logs itd --tail
  assert_failure 125
  assert_output --partial "flag needs an argument: --tail"
  run hutch rm
  assert_failure 1
  assert_output --partial "'hutch rm' requires at least 1 argument"
}

@test "--help prints help for every command and subcommand and never acts" {
  hutch run --name stopped testimg true
  hutch volume create keepvol >/dev/null
  local c
  for c in run create exec start stop kill restart rm ps logs inspect wait rename pause unpause \
    top stats port cp diff export images rmi tag import save load pull login logout check \
    "container prune" "container ls" "container rm" "container stats" \
    "image prune" "image inspect" "image ls" \
    "volume create" "volume ls" "volume rm" "volume inspect" "volume prune" \
    "network create" "network ls" "network rm" "network inspect" "network connect" \
    "network disconnect" "network prune" \
    attach update events version info history "image history" "container attach" \
    "container update" "system df" "system prune" "system events" "system info"; do
    # shellcheck disable=SC2086
    run timeout 10 "$HUTCH" $c --help
    [ "$status" -eq 0 ] || fail "$c --help: status $status: $output"
    [[ "${lines[0]}" == "Usage:  hutch $c"* ]] || fail "$c --help: $output"
  done
  for c in container image network volume system; do
    run hutch $c --help
    assert_success
    assert_line --index 0 "Usage:  hutch $c COMMAND"
    assert_output --partial "Commands:"
    run hutch $c -h
    assert_success
  done
  run hutch pause -h
  assert_success
  # nothing was pruned or removed
  run hutch inspect -f '{{.State.Status}}' stopped
  assert_output "exited"
  run hutch volume ls -q
  assert_output --partial keepvol
  hutch volume rm keepvol
}

@test "--help after arguments and with other flags still only helps" {
  hutch_bg run -d --name hp testimg sleep 100
  run hutch rm hp --help
  assert_success
  assert_line --index 0 --partial "Usage:  hutch rm"
  run hutch inspect -f '{{.State.Status}}' hp
  assert_output "running"
  run timeout 5 "$HUTCH" stats --help
  assert_success
}

@test "prune asks on a terminal and on stdin; -f skips; no answer prunes nothing" {
  hutch run --name p1 testimg true
  run hutch container prune </dev/null
  assert_success
  assert_output --partial "WARNING! This will remove all stopped containers."
  assert_output --partial "Are you sure you want to continue? [y/N]"
  run hutch inspect p1
  assert_success
  run bash -c "echo n | timeout 10 '$HUTCH' container prune"
  assert_success
  run hutch inspect p1
  assert_success
  run bash -c "echo y | timeout 10 '$HUTCH' container prune"
  assert_success
  assert_output --partial "Deleted Containers:"
  run hutch inspect p1
  assert_failure
  hutch run --name p2 testimg true
  run hutch container prune -f
  assert_success
  refute_output --partial "WARNING"
  run hutch inspect p2
  assert_failure
  for c in "volume prune" "network prune" "image prune"; do
    # shellcheck disable=SC2086
    run bash -c "echo n | timeout 10 '$HUTCH' $c"
    assert_success
    assert_output --partial "WARNING! This will remove"
  done
}

@test "run -it with a pipe for stdin fails at once: the input device is not a TTY" {
  run bash -c "echo hi | timeout 10 '$HUTCH' run -it --name notty testimg cat"
  assert_failure 1
  assert_output "the input device is not a TTY"
  run hutch inspect notty
  assert_failure
  hutch_bg run -d --name tx testimg sleep 100
  run bash -c "echo hi | timeout 10 '$HUTCH' exec -it tx cat"
  assert_failure 1
  assert_output "the input device is not a TTY"
  # -i alone reads the pipe
  run bash -c "echo hi | timeout 10 '$HUTCH' run -i --rm testimg cat"
  assert_success
  assert_output "hi"
}

@test "volume ls --format json, --filter dangling=true|false, name=" {
  hutch volume create used >/dev/null
  hutch volume create idle >/dev/null
  hutch run --name vuser -v used:/data testimg true
  run hutch volume ls --format json
  assert_success
  assert_output --partial '"Name":"idle"'
  assert_output --partial '"Driver":"local"'
  run hutch volume ls -q --filter dangling=true
  assert_success
  assert_output "idle"
  run hutch volume ls -q -f dangling=false
  assert_output "used"
  run hutch volume ls --filter name=idl --format '{{.Name}} {{.Driver}}'
  assert_output "idle local"
  run hutch volume ls --filter bogus=1
  assert_failure 1
  run hutch volume create --label a=b lab
  assert_success
  run hutch volume ls -q --filter label=a=b
  assert_output "lab"
  hutch rm vuser
  hutch volume rm used idle lab
}

@test "volume create: --driver local, --label; another driver and --opt refused" {
  run hutch volume create --driver local --label tier=db cv1
  assert_success
  assert_output "cv1"
  run hutch volume inspect -f '{{.Driver}} {{.Labels.tier}}' cv1
  assert_output "local db"
  run hutch volume create -d local cv2
  assert_success
  # docker: Error response from daemon: create cv3: error looking up volume plugin foo: …
  run hutch volume create -d foo cv3
  assert_equal "$status" 1
  assert_output 'hutch: create cv3: error looking up volume plugin foo: plugin "foo" not found'
  run hutch volume create --opt type=tmpfs --opt device=tmpfs cv4
  assert_equal "$status" 1
  assert_output --partial "hutch: create cv4: volume options (--opt type=tmpfs): not supported"
  run hutch volume ls -q --filter name=cv
  assert_output "$(printf 'cv1\ncv2')"
  hutch volume rm cv1 cv2
}

@test "flags that did nothing are gone or work" {
  run hutch inspect -s x
  assert_failure 125
  run hutch exec --privileged x true
  assert_failure 125
  run hutch kill --time 3 x
  assert_failure 125
  run hutch stop --signal KILL x
  assert_failure 125
  run hutch run --pull never nosuchimage:1 true
  assert_failure 125
  refute_output --partial "Unable to find image"
  run hutch run --pull sometimes testimg true
  assert_failure 125
}

@test "docker's messages once, without an errno text" {
  run hutch rm nosuch
  assert_failure 1
  assert_output "hutch: No such container: nosuch"
  run hutch inspect --type container nosuch
  refute_output --partial "No such file or directory"
  hutch run --name taken testimg true
  run hutch run --name taken testimg true
  assert_failure 125
  assert_output --partial 'Conflict. The container name "/taken" is already in use'
  refute_output --partial "File exists"
  run hutch volume rm nosuchvol
  refute_output --partial "No such file or directory"
  # a user's file that cannot be opened keeps its errno text
  run hutch run --env-file /nonexistent testimg true
  assert_failure 125
  assert_output --partial "No such file or directory"
}

@test "exit codes as podman's (docker's CLI), when podman is installed" {
  command -v podman >/dev/null || skip "podman is not installed"
  local args
  for args in "rm --bogus x" "run --priv img" "ps --no-trun" "container prune --bogus"; do
    # shellcheck disable=SC2086
    run "$HUTCH" $args
    local mine=$status
    # shellcheck disable=SC2086
    run podman_t $args
    [ "$status" -eq "$mine" ] || fail "$args: hutch $mine, podman $status: $output"
  done
}
