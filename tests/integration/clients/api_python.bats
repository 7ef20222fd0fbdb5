#!/usr/bin/env bats
# Debian's python3-docker (the docker SDK for Python, 5.0) driving hutch
# through `hutch system service` on a private socket and store (api.bash).
# Each test runs one step of api_python.py, which prints what the SDK got.

load api

setup_file() { api_setup_file; }
teardown_file() { api_teardown_file; }
teardown() { api_teardown; }

# Debian's python and SDK, not another python on PATH; containers the
# script leaves running hold no bats fd.
sdk() {
  timeout -k 5 120 /usr/bin/python3 "$BATS_TEST_DIRNAME/api_python.py" "$1" "$IMAGE" \
    "p$BATS_TEST_NUMBER-$RANDOM" </dev/null 3>&-
}

@test "sdk: version negotiation (version=auto), ping" {
  run sdk version
  assert_success
  assert_output "api 1.41 server 1.41 ping True"
}

@test "sdk: images.pull from the local registry, images.list, images.get; a missing image is ImageNotFound" {
  run sdk images
  assert_success
  assert_line "pulled True True"
  assert_line "listed True"
  assert_line "get True linux /srv"
  assert_line "missing image ImageNotFound 404"
  run h images
  assert_output --partial "$REG/hutch/client"
}

@test "sdk: containers.run, not detached: stdout as the result, a failing command is ContainerError" {
  timeout 60 /usr/bin/python3 -c 'import docker,sys; docker.from_env().images.pull(sys.argv[1])' \
    "$IMAGE"
  run sdk run
  assert_success
  assert_line "run out-sdk"
  assert_line "failed run 3"
  # remove=True: nothing left
  run h ps -aq
  assert_output ""
}

@test "sdk: containers.run detached, list with filters, get, logs, 409 conflicts, stop, remove, NotFound" {
  h pull -q "$IMAGE" >/dev/null
  run sdk detach
  assert_success
  assert_line --regexp "^detached p[0-9]+-[0-9]+ running api-python$"
  assert_line "listed by label True"
  assert_line --regexp "^listed by name \['p[0-9]+-[0-9]+'\]$"
  assert_line "get True True"
  assert_line "logs started"
  assert_line "conflict 409 APIError"
  assert_line "remove running 409"
  assert_line "stopped exited"
  assert_line "removed 404 NotFound"
}

@test "sdk: containers.create, list all and by status, start, wait, logs" {
  h pull -q "$IMAGE" >/dev/null
  run sdk create
  assert_success
  assert_line "created created"
  assert_line "in all True"
  assert_line "not running False"
  assert_line "exit 0"
  assert_line "logs hi"
  assert_line --regexp "^exited list \['p[0-9]+-[0-9]+'\]$"
}

@test "sdk: networks create with labels, list by name and label, connect with aliases, 409 in use, remove" {
  h pull -q "$IMAGE" >/dev/null
  run sdk networks
  assert_success
  assert_line --regexp "^network p[0-9]+-[0-9]+ api-python$"
  assert_line --regexp "^listed \['p[0-9]+-[0-9]+'\]$"
  assert_line --regexp "^by label \['p[0-9]+-[0-9]+'\]$"
  assert_line --regexp "^members \['p[0-9]+-[0-9]+-a'\]$"
  assert_line "connect none 400"
  # connected before its start, the container reaches the other by name
  assert_line "ping exit 0"
  assert_line "remove in use 409"
  assert_line "network gone 404"
}

@test "sdk: volumes create with labels, list with filters, mount in a container, remove" {
  h pull -q "$IMAGE" >/dev/null
  run sdk volumes
  assert_success
  assert_line --regexp "^volume p[0-9]+-[0-9]+ local api-python$"
  assert_line --regexp "^listed \['p[0-9]+-[0-9]+'\]$"
  assert_line --regexp "^by name \['p[0-9]+-[0-9]+'\]$"
  assert_line "used kept"
  assert_line "volume gone 404"
}

@test "sdk: errors are docker's: NotFound (404) with the message, APIError 400 for a bad body and a too-new version" {
  run sdk errors
  assert_success
  assert_line "container 404 No such container: no-such-ctr"
  assert_line "network 404 network no-such-net not found"
  assert_line --regexp "^volume 404 no such volume: no-such-vol$"
  assert_line "bad request 400 APIError"
  assert_line --partial "too new 400 client version 1.99 is not supported"
}

@test "sdk: exec_run (plain, exit code, demux, stream, environment/user/workdir, tty), exec_create/start/inspect" {
  run sdk exec
  assert_success
  assert_line "exec_run ExecResult(exit_code=0, output=b'hi\\n')"
  assert_line "exit 4"
  assert_line "demux 0 (b'out\\n', b'err\\n')"
  assert_line "stream b'a\\nb\\n'"
  assert_line "env user workdir b'V 1000 /tmp\\n'"
  assert_line "tty True"
  assert_line "inspect 6 True sh"
  assert_line "no exec 404"
  assert_line "stopped 409"
}
