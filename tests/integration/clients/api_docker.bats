#!/usr/bin/env bats
# Debian's docker CLI driving hutch through `hutch system service`: the
# Docker Engine API on a private socket over a private store (api.bash).
# Containers made through the socket are the hutch CLI's containers, and
# they outlive the service.

load api

NAME_PREFIX=a

setup_file() { api_setup_file; }
teardown_file() { api_teardown_file; }
teardown() { api_teardown; }

@test "api: the socket is 0660 root:root and /_ping negotiates the API version" {
  run stat -c '%a %U %G %F' "$API_SOCK"
  assert_output "660 root root socket"
  run curl -sS -i --unix-socket "$API_SOCK" http://d/_ping
  assert_success
  assert_output --partial "Api-Version: 1.41"
  assert_output --partial "OK"
  run d version --format '{{.Server.APIVersion}} {{.Client.APIVersion}}'
  assert_success
  assert_output "1.41 1.41"
}

@test "api: versioned paths are checked: too new and too old are 400 with docker's message" {
  run api /v1.41/version
  assert_line --index 1 200
  run api /v1.99/version
  assert_output --partial '"message":"client version 1.99 is not supported'
  assert_line --index 1 400
  run api /v1.12/_ping
  assert_line --index 1 400
  run api /v1.41/nothing/here
  assert_output --partial '"message":"page not found"'
  assert_line --index 1 404
}

@test "api: docker info and docker system df answer from the store" {
  run d info --format '{{.ServerVersion}} {{.Driver}} {{.OSType}}'
  assert_success
  assert_output --regexp '^[0-9.]+ overlay2 linux$'
  run d system df
  assert_success
  assert_output --partial "Images"
}

@test "api: docker pull, images, image inspect, tag, rmi" {
  run d pull "$IMAGE"
  assert_success
  assert_output --partial "Digest: sha256:"
  run d images --format '{{.Repository}}:{{.Tag}}'
  assert_line "${IMAGE}"
  run d tag "$IMAGE" "$REG/hutch/other:v1"
  assert_success
  run d image inspect -f '{{.Os}} {{.Config.WorkingDir}}' "$REG/hutch/other:v1"
  assert_output "linux /srv"
  run h images
  assert_output --regexp "$REG/hutch/other +v1 "
  run d rmi "$REG/hutch/other:v1"
  assert_success
  assert_output --partial "Untagged: $REG/hutch/other:v1"
  run d image inspect "$REG/hutch/other:v1"
  assert_failure
  assert_output --partial "No such image"
}

@test "api: docker images --filter and logs --since/--until go to the service's filters" {
  d pull -q "$IMAGE" >/dev/null
  d tag "$IMAGE" "$REG/hutch/filt:v2"
  run d images --filter "reference=$REG/hutch/filt:*" --format '{{.Repository}}:{{.Tag}}'
  assert_success
  # docker's CLI lists the image's matching names; the image is the one
  assert_line "$REG/hutch/filt:v2"
  refute_line --partial "nomatch"
  run d images --filter "reference=nomatch*" -q
  assert_output ""
  run d images --filter dangling=true -q
  assert_output ""
  run d images --filter bogus=1
  assert_failure
  assert_output --partial "invalid filter 'bogus'"
  d rmi "$REG/hutch/filt:v2" >/dev/null
  local n
  n=$(name)
  drun -d --name "$n" "$IMAGE" sh -c 'echo early; sleep 2; echo late; sleep 30' >/dev/null
  sleep 1
  local mid
  mid=$(date +%s)
  sleep 1.5
  run d logs --until "$mid" "$n"
  assert_output "early"
  run d logs --since "$mid" "$n"
  assert_output "late"
  d rm -f "$n" >/dev/null
}

@test "api: docker run --rm: the output, the container gone" {
  d pull -q "$IMAGE" >/dev/null
  run drun --rm "$IMAGE" sh -c 'echo hello-api'
  assert_success
  assert_output "hello-api"
  # (stdout, stderr and the exit code apart: api_docker_stream.bats)
  run d ps -aq
  assert_output ""
}

@test "api: create with -e, -v, --memory, --name; inspect shows them; the hutch CLI sees the container" {
  local n
  n=$(name)
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  echo from-host >"$BATS_TEST_TMPDIR/vol/f"
  run d create --network none --name "$n" -e FOO=bar -v "$BATS_TEST_TMPDIR/vol:/mnt:ro" \
    --memory 64m "$IMAGE" sh -c 'echo $FOO; cat /mnt/f'
  assert_success
  run d inspect -f '{{.Name}} {{.State.Status}} {{.HostConfig.Memory}}' "$n"
  assert_output "/$n created 67108864"
  run d inspect -f '{{json .Config.Env}}' "$n"
  assert_output --partial '"FOO=bar"'
  run h ps -a
  assert_output --regexp "Created +$n"
  run d start -a "$n"
  assert_success
  assert_output $'bar\nfrom-host'
}

@test "api: run -d, ps, logs, logs -f, stop, start, restart, kill, wait, rename, pause, rm -f" {
  local n
  n=$(name)
  d_bg run -d --network none --name "$n" "$IMAGE" sh -c 'trap "exit 7" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'
  run d ps --format '{{.Names}} {{.State}}'
  assert_line "$n running"
  sleep 0.5
  run d logs "$n"
  assert_line "tick 0"
  run timeout 3 sh -c "docker logs -f $n | head -4"
  assert_line "tick 3"
  d pause "$n"
  run d ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp "$n Up .*\(Paused\)"
  d unpause "$n"
  d rename "$n" "$n-2"
  run d stop -t 1 "$n-2"
  assert_success
  run d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n-2"
  assert_output "exited 7"
  d_bg start "$n-2"
  run d inspect -f '{{.State.Status}}' "$n-2"
  assert_output running
  d_bg restart -t 1 "$n-2"
  run d inspect -f '{{.State.Status}} {{.RestartCount}}' "$n-2"
  assert_output --partial running
  d kill -s TERM "$n-2"
  run d wait "$n-2"
  assert_output 7
  run d kill "$n-2"
  assert_failure
  assert_output --partial "is not running"
  run d rm -f "$n-2"
  assert_success
  run d ps -aq
  assert_output ""
}

@test "api: docker's errors: no such container is 404, a taken name 409, a bad body 400" {
  run d container inspect nosuch-ctr
  assert_failure
  assert_output --partial "No such container: nosuch-ctr"
  run api /v1.41/containers/nosuch-ctr/json
  assert_line --index 1 404
  local n
  n=$(name)
  d create --network none --name "$n" "$IMAGE" true >/dev/null
  run d create --network none --name "$n" "$IMAGE" true
  assert_failure
  assert_output --partial "Conflict"
  run api /v1.41/containers/create -X POST -H 'Content-Type: application/json' -d '{"Image": 7}'
  assert_line --index 1 400
  run api /v1.41/containers/create -X POST -H 'Content-Type: application/json' -d 'not json'
  assert_line --index 1 400
  assert_output --partial '"message":"invalid JSON body'
  run d run --network none nosuch-image-here:1 true
  assert_failure
}

@test "api: a long logs -f does not block other clients" {
  local n
  n=$(name)
  d_bg run -d --network none --name "$n" "$IMAGE" sleep 30
  timeout 20 docker logs -f "$n" </dev/null >/dev/null 2>&1 3>&- &
  local follower=$!
  timeout 20 docker logs -f "$n" </dev/null >/dev/null 2>&1 3>&- &
  local follower2=$!
  sleep 0.3
  run d ps --format '{{.Names}}'
  assert_success
  assert_line "$n"
  run d version --format '{{.Server.Version}}'
  assert_success
  d rm -f "$n"
  # the followers end with the container
  wait "$follower" "$follower2" || true
  ! kill -0 "$follower" 2>/dev/null
}

@test "api: containers outlive the service, which leaves its socket behind clean" {
  local n sock=$CLI_DIR/second.sock pid
  n=$(name)
  # a second service on a socket of its own
  "$HUTCH" system service --time 0 "unix://$sock" </dev/null >"$CLI_DIR/second.log" 2>&1 3>&- &
  pid=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  DOCKER_HOST=unix://$sock timeout 30 docker run -d --network none --name "$n" "$IMAGE" sleep 60 </dev/null 3>&-
  kill "$pid"
  wait "$pid" || true
  [ ! -e "$sock" ]
  run h ps
  assert_output --regexp "Up .* $n"
  run d ps --format '{{.Names}} {{.State}}'
  assert_line "$n running"
}

@test "api: --time: the service exits once idle, not while a connection is open" {
  local sock=$CLI_DIR/idle.sock pid
  "$HUTCH" system service --time 1 "unix://$sock" </dev/null >"$CLI_DIR/idle.log" 2>&1 3>&- &
  pid=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  # an events stream holds a connection open for 3 s
  timeout 3 curl -sS --unix-socket "$sock" http://d/v1.41/events >/dev/null 2>&1 || true
  kill -0 "$pid"
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null
  [ ! -e "$sock" ]
}

@test "api: socket activation: the service serves the socket systemd passes (LISTEN_FDS)" {
  local sock=$CLI_DIR/act.sock pid
  systemd-socket-activate -l "$sock" "$HUTCH" system service --time 0 </dev/null \
    >"$CLI_DIR/act.log" 2>&1 3>&- &
  pid=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  run curl -sS --unix-socket "$sock" http://d/_ping
  kill "$pid"
  wait "$pid" || true
  assert_output OK
  # it was not ours to make: the default socket was never created
  [ ! -e "$HUTCH_RUN_ROOT/hutch.sock" ]
}

@test "api: tcp only when asked, with a warning; bad addresses refused" {
  run h system service --time 1 tcp://127.0.0.1:1
  assert_output --partial "anyone who can reach it controls this host"
  run h system service --time 1 http://x
  assert_failure
  assert_output "hutch: API service: invalid address 'http://x': want unix://PATH or tcp://HOST:PORT"
  run h system service --time -1
  assert_failure
  run h system service --time 0 "unix://$API_SOCK"
  assert_failure
  assert_output --partial "another service is listening there"
}

@test "api: docker volume create, ls, inspect, rm; a named volume in run -v" {
  run d volume create apivol
  assert_success
  assert_output apivol
  run d volume ls --format '{{.Name}} {{.Driver}}'
  assert_line "apivol local"
  run h volume ls
  assert_output --partial apivol
  run drun --rm -v apivol:/data "$IMAGE" sh -c 'echo kept >/data/f'
  assert_success
  run drun --rm -v apivol:/data "$IMAGE" cat /data/f
  assert_output kept
  run d volume inspect -f '{{.Mountpoint}}' apivol
  assert_output --partial "/volumes/apivol/_data"
  run d volume rm apivol
  assert_success
  run d volume inspect apivol
  assert_failure
  assert_output --partial "apivol"
}

@test "api: docker network create, ls, inspect, connect, rm; containers reach each other by name" {
  local sub=10.191.$(($$ % 250)).0/24 a b
  run d network create --subnet "$sub" apinet
  assert_success
  run d network ls --format '{{.Name}}'
  assert_line apinet
  run d network inspect -f '{{(index .IPAM.Config 0).Subnet}}' apinet
  assert_output "$sub"
  a=$(name)
  b=$(name)
  d_bg run -d --network apinet --name "$a" "$IMAGE" sleep 30
  d_bg create --network none --name "$b" "$IMAGE" sh -c "ping -c1 -W2 $a"
  run d network connect apinet "$b"
  assert_failure
  d rm -f "$b" >/dev/null
  run d run --rm --network apinet "$IMAGE" ping -c1 -W2 "$a"
  assert_success
  run d network rm apinet
  assert_failure
  d rm -f "$a" >/dev/null
  run d network rm apinet
  assert_success
  run d network inspect apinet
  assert_failure
}
