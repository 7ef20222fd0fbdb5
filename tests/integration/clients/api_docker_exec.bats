#!/usr/bin/env bats
# Debian's docker CLI over `hutch system service`: the exec endpoints
# (POST /containers/{id}/exec, /exec/{id}/start, /resize, GET /exec/{id}/json),
# GET /containers/{id}/export and HEAD/GET/PUT /containers/{id}/archive
# (docker cp both ways).
# The start hijacks the connection: frames without a tty, raw with one,
# stdin forwarded; the exit code comes from /exec/{id}/json.

load api

NAME_PREFIX=x

bats_require_minimum_version 1.5.0

setup_file() { api_setup_file; }
teardown_file() { api_teardown_file; }
teardown() { api_teardown; }


# a running container to exec in: its name
running() {
  local n
  n=$(name)
  d pull -q "$IMAGE" >/dev/null
  d_bg run -d --network none --name "$n" "$IMAGE" sleep 300 >/dev/null
  echo "$n"
}

@test "api exec: output, stderr apart, exit codes, not found, -d" {
  local n
  n=$(running)
  run d exec "$n" echo hi
  assert_success
  assert_output "hi"
  d exec "$n" sh -c 'echo out; echo err >&2' >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = out ]
  [ "$(cat "$BATS_TEST_TMPDIR/err")" = err ]
  run d exec "$n" sh -c 'exit 3'
  assert_failure 3
  run -127 d exec "$n" /no/such/cmd
  run d exec "$n" /etc
  assert_failure 126
  run d exec -d "$n" sh -c 'echo detached >/tmp/d'
  assert_success
  for _ in $(seq 50); do d exec "$n" cat /tmp/d 2>/dev/null | grep -q detached && break; sleep 0.1; done
  run d exec "$n" cat /tmp/d
  assert_output "detached"
}

@test "api exec: -e, -u, -w and --privileged reach the process" {
  local n
  n=$(running)
  run d exec -e K=V -u 1000 -w /tmp "$n" sh -c 'echo $K $(id -u) $(pwd)'
  assert_success
  assert_output "V 1000 /tmp"
  run d exec -u 0:0 "$n" sh -c 'grep CapEff /proc/self/status'
  refute_output --partial "000001ffffffffff"
  run d exec --privileged "$n" sh -c 'grep CapEff /proc/self/status'
  assert_output --partial "ffffffff"
  run d exec -w relative "$n" true
  assert_failure
}

@test "api exec: -i takes piped stdin and its end is the process's EOF" {
  local n
  n=$(running)
  run sh -c "printf 'one\ntwo\n' | timeout -k 5 60 docker exec -i $n sh -c 'cat; echo done-\$?'"
  assert_success
  assert_output $'one\ntwo\ndone-0'
  seq 1 20000 >"$BATS_TEST_TMPDIR/in"
  timeout -k 5 60 docker exec -i "$n" wc -l <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/n"
  [ "$(tr -d ' ' <"$BATS_TEST_TMPDIR/n")" = 20000 ]
  # without -i stdin is not the process's
  run sh -c "echo ignored | timeout -k 5 60 docker exec $n sh -c 'cat; echo empty'"
  assert_output "empty"
}

@test "api exec: -it on a pty: a shell, the terminal size, the exit code" {
  local n
  n=$(running)
  run $PTYRUN 'wait:# ' 'send:stty size; tty; echo in-$((6*7)); exit 3\r' -- \
    sh -c "stty rows 31 cols 97; exec docker exec -it $n sh"
  assert_failure 3
  assert_output --partial "in-42"
  assert_line "31 97"
  assert_line --partial "/dev/pts/"
}

@test "api exec: the endpoints' errors and /exec/{id}/json" {
  local n id
  n=$(running)
  run api "/v1.41/containers/nosuch/exec" -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}'
  assert_line --index 1 404
  run api "/v1.41/containers/$n/exec" -X POST -H 'Content-Type: application/json' -d '{"Cmd":[]}'
  assert_line --index 1 400
  run api "/v1.41/containers/$n/exec" -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"],"Tty":"yes"}'
  assert_line --index 1 400
  run api "/v1.41/exec/$(printf '%064d' 0)/json"
  assert_line --index 1 404
  run api "/v1.41/exec/$(printf '%064d' 0)/start" -X POST -H 'Content-Type: application/json' -d '{"Detach":true}'
  assert_line --index 1 404
  id=$(api "/v1.41/containers/$n/exec" -X POST -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","exit 5"],"User":"1000"}' | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
  run api "/v1.41/exec/$id/json"
  assert_line --index 0 --partial '"Running":false'
  assert_line --index 0 --partial '"ExitCode":null'
  run api "/v1.41/exec/$id/start" -X POST -H 'Content-Type: application/json' -d '{"Detach":true}'
  assert_output --partial 200
  for _ in $(seq 50); do api "/v1.41/exec/$id/json" | grep -q '"ExitCode":5' && break; sleep 0.1; done
  run api "/v1.41/exec/$id/json"
  assert_line --index 0 --partial '"ExitCode":5'
  assert_line --index 0 --partial '"entrypoint":"sh"'
  assert_line --index 0 --partial '"user":"1000"'
  assert_line --index 0 --partial "\"ContainerID\":\"$(d inspect -f '{{.Id}}' "$n")\""
  # one start only
  run api "/v1.41/exec/$id/start" -X POST -H 'Content-Type: application/json' -d '{"Detach":true}'
  assert_line --index 1 409
  # a stopped container: 409
  d stop -t 1 "$n" >/dev/null
  run api "/v1.41/containers/$n/exec" -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}'
  assert_line --index 1 409
  run d exec "$n" true
  assert_failure
}

@test "api exec: exec events are recorded" {
  local n t0
  n=$(running)
  t0=$(date +%s)
  d exec "$n" sh -c 'exit 2' || true
  sleep 1
  run d events --since "$t0" --until "$(date +%s)" --filter "container=$n" --format '{{.Action}}'
  assert_line --partial "exec_create: sh -c exit 2"
  assert_line --partial "exec_start: sh -c exit 2"
  assert_line "exec_die"
}

@test "api exec: a client that goes before the process ends still gets its exit code recorded" {
  local n t0 pid id="" i
  n=$(running)
  t0=$(date +%s)
  docker exec "$n" sh -c 'touch /tmp/exec-began; sleep 2; exit 9' </dev/null >/dev/null 2>&1 3>&- &
  pid=$!
  # the client goes once its process runs (a slow start is not the point)
  for i in $(seq 100); do
    d exec "$n" test -e /tmp/exec-began 2>/dev/null && break
    sleep 0.1
  done
  kill "$pid"
  wait "$pid" || true
  for i in $(seq 100); do
    id=$(d events --since "$t0" --until "$(date +%s)" --filter "container=$n" --filter event=exec_die \
      --format '{{.Actor.Attributes.execID}} {{.Actor.Attributes.exitCode}}' | awk '$2 == 9 {print $1}')
    [ -z "$id" ] || break
    sleep 0.2
  done
  [ -n "$id" ]
  run api "/v1.41/exec/$id/json"
  assert_line --index 0 --partial '"Running":false'
  assert_line --index 0 --partial '"ExitCode":9'
}

@test "api export: docker export of a running and of a stopped container is its rootfs as a tar" {
  local n
  n=$(running)
  d exec "$n" sh -c 'echo marker-in-rootfs >/srv-marker'
  d export "$n" >"$BATS_TEST_TMPDIR/run.tar"
  run tar -xOf "$BATS_TEST_TMPDIR/run.tar" srv-marker
  assert_output "marker-in-rootfs"
  run tar -tf "$BATS_TEST_TMPDIR/run.tar"
  assert_line --regexp '^(\./)?bin/sh$'
  d stop -t 1 "$n" >/dev/null
  d export -o "$BATS_TEST_TMPDIR/stopped.tar" "$n"
  run tar -xOf "$BATS_TEST_TMPDIR/stopped.tar" srv-marker
  assert_output "marker-in-rootfs"
  run d export nosuch-ctr
  assert_failure
  assert_output --partial "No such container"
}

@test "api archive: docker cp out of a container (a file to stdout, a directory), its symlinks stay inside" {
  local n
  n=$(running)
  d exec "$n" sh -c 'mkdir -p /data/sub && echo one >/data/a && echo two >/data/sub/b && ln -s / /data/esc && echo inside >/etc/cp-marker'
  run sh -c "timeout -k 5 60 docker cp $n:/etc/hostname - | tar -xO"
  assert_success
  assert_output "$(d exec "$n" cat /etc/hostname)"
  d cp "$n:/data" "$BATS_TEST_TMPDIR/out"
  [ "$(cat "$BATS_TEST_TMPDIR/out/a")" = one ]
  [ "$(cat "$BATS_TEST_TMPDIR/out/sub/b")" = two ]
  [ -L "$BATS_TEST_TMPDIR/out/esc" ]
  # through the symlink to "/": the container's root, never the host's
  run sh -c "timeout -k 5 60 docker cp $n:/data/esc/etc/cp-marker - | tar -xO"
  assert_output "inside"
  run sh -c "timeout -k 5 60 docker cp $n:/data/esc/../../../etc/cp-marker - | tar -xO"
  assert_output "inside"
  # the stat header: a directory's mode has Go's ModeDir
  run sh -c "curl -sS -I --unix-socket $API_SOCK 'http://d/v1.41/containers/$n/archive?path=/data' | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | base64 -d"
  assert_output --partial '"name":"data"'
  assert_output --partial "\"mode\":$(((1 << 31) | 0755))"
  run d cp "$n:/no/such" -
  assert_failure
  assert_output --partial "Could not find the file /no/such"
  run api "/v1.41/containers/$n/archive" -I
  assert_output --partial 400
}

@test "api archive: docker cp into a container (a file, a directory), a symlink in the way stays inside" {
  local n u
  n=$(running)
  u=cp-in-$RANDOM$RANDOM
  echo filedata >"$BATS_TEST_TMPDIR/$u"
  mkdir -p "$BATS_TEST_TMPDIR/dir/sub"
  echo deep >"$BATS_TEST_TMPDIR/dir/sub/f"
  d cp "$BATS_TEST_TMPDIR/$u" "$n:/tmp/"
  run d exec "$n" cat "/tmp/$u"
  assert_output "filedata"
  d cp "$BATS_TEST_TMPDIR/dir" "$n:/srv/copied"
  run d exec "$n" cat /srv/copied/sub/f
  assert_output "deep"
  # a tar through the API's PUT directly; a missing directory is a 404
  tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/t.tar" "$u"
  run api "/v1.41/containers/$n/archive?path=/srv" -X PUT -T "$BATS_TEST_TMPDIR/t.tar"
  assert_output --partial 200
  run d exec "$n" cat "/srv/$u"
  assert_output "filedata"
  run api "/v1.41/containers/$n/archive?path=/no/such/dir" -X PUT -T "$BATS_TEST_TMPDIR/t.tar"
  assert_line --index 1 404
  # through a symlink to "/": the container's /tmp, not the host's
  d exec "$n" sh -c 'mkdir -p /data && ln -s / /data/esc'
  echo escdata >"$BATS_TEST_TMPDIR/$u-esc"
  rm -f "/tmp/$u-esc"
  d cp "$BATS_TEST_TMPDIR/$u-esc" "$n:/data/esc/tmp/"
  [ ! -e "/tmp/$u-esc" ]
  run d exec "$n" cat "/tmp/$u-esc"
  assert_output "escdata"
}
