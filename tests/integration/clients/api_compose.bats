#!/usr/bin/env bats
# Debian's docker-compose (1.29, docker-py underneath) driving hutch
# through `hutch system service` on a private socket and store (api.bash):
# a project of two services on the project network that reach each other
# by service name, a named volume, depends_on, environment and a port
# published on 127.0.0.1.

load api

setup_file() {
  api_setup_file || return 1
  export PROJ=hc$$ PORT=$((20000 + $$ % 20000))
  export PROJ_DIR=$CLI_DIR/project
  mkdir -p "$PROJ_DIR"
  # db writes $GREETING into the volume and serves it; app waits for it.
  cat >"$PROJ_DIR/docker-compose.yml" <<YML
version: "3.7"
services:
  db:
    image: $IMAGE
    command: ["sh", "-c", "echo \$\$GREETING >/data/index.html; echo boot >>/data/boots; echo db-started; exec httpd -f -p 80 -h /data"]
    environment:
      GREETING: \${GREETING:-hello-from-db}
    volumes:
      - dbdata:/data
    ports:
      - "127.0.0.1:$PORT:80"
  app:
    image: $IMAGE
    command: ["sh", "-c", "echo app-started TARGET=\$\$TARGET; exec sleep 300"]
    depends_on:
      - db
    environment:
      - TARGET=db
volumes:
  dbdata:
YML
}
teardown_file() { api_teardown_file; }
teardown() {
  dc down -v >/dev/null 2>&1
  api_teardown
}

# compose's containers outlive it: no bats fd for them to hold
dc() { (cd "$PROJ_DIR" && timeout -k 5 120 docker-compose -p "$PROJ" --ansi never "$@" </dev/null 3>&-); }

@test "compose: up -d makes the network, the volume and both services, db first; ps shows them" {
  run dc up -d
  assert_success
  assert_output --partial "Creating network \"${PROJ}_default\""
  assert_output --partial "Creating volume \"${PROJ}_dbdata\""
  # depends_on: db is created before app
  [[ "$output" =~ Creating\ ${PROJ}_db_1.*Creating\ ${PROJ}_app_1 ]]
  run dc ps
  assert_success
  assert_output --regexp "${PROJ}_db_1 .* Up +127\.0\.0\.1:$PORT->80/tcp"
  assert_output --regexp "${PROJ}_app_1 .* Up"
  # the same objects through the hutch CLI, with compose's labels
  run h network inspect -f '{{.Name}}' "${PROJ}_default"
  assert_output "${PROJ}_default"
  run docker network ls -q --filter "label=com.docker.compose.project=$PROJ"
  assert_success
  [ "$(echo "$output" | wc -l)" = 1 ]
  run docker volume ls -q --filter "label=com.docker.compose.project=$PROJ"
  assert_output "${PROJ}_dbdata"
  run h ps --format '{{.Names}}'
  assert_line "${PROJ}_db_1"
  assert_line "${PROJ}_app_1"
  # up again: nothing to change
  run dc up -d
  assert_success
  assert_output --partial "${PROJ}_db_1 is up-to-date"
}

@test "compose: the published port answers on 127.0.0.1 with the volume's content" {
  dc up -d >/dev/null
  wait_http /
  run curl -fsS -m 3 "http://127.0.0.1:$PORT/"
  assert_success
  assert_output "hello-from-db"
}

# wait_http PATH: until the published port answers for PATH
wait_http() {
  for _ in $(seq 50); do
    curl -fsS -m 2 "http://127.0.0.1:$PORT$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
}

@test "compose: up -d after a change recreates that service only; its named volume is kept" {
  dc up -d >/dev/null
  wait_http /boots
  GREETING=changed run dc up -d
  assert_success
  assert_output --regexp "Recreating .*${PROJ}_db_1 .*done"
  assert_output --partial "${PROJ}_app_1 is up-to-date"
  wait_http /boots
  run curl -fsS -m 3 "http://127.0.0.1:$PORT/"
  assert_output changed
  # the volume of the first db, not a new one
  run curl -fsS -m 3 "http://127.0.0.1:$PORT/boots"
  assert_output "boot
boot"
  run h ps -a --format '{{.Names}}'
  assert_line "${PROJ}_db_1"
  [ "$(echo "$output" | wc -l)" = 2 ]
}

@test "compose: logs of both services, environment included" {
  dc up -d >/dev/null
  local i
  for i in $(seq 50); do
    dc logs | grep -q app-started && break
    sleep 0.1
  done
  run dc logs
  assert_success
  assert_output --regexp "db_1 +\| db-started"
  assert_output --regexp "app_1 +\| app-started TARGET=db"
  run dc logs db
  refute_output --partial app-started
}

@test "compose: run --rm -T reaches the services by name on the project network" {
  dc up -d >/dev/null
  run dc run --rm -T app sh -c 'sleep 1; printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 db 80; ping -c1 -W2 app >/dev/null && echo app-reached; echo TARGET=$TARGET'
  assert_success
  assert_output --partial "hello-from-db"
  assert_output --partial "app-reached"
  assert_output --partial "TARGET=db"
  # --rm: the one-off container is gone
  run h ps -a --format '{{.Names}}'
  refute_output --partial "_run_"
  # a failing one-off command gives compose its exit code
  run dc run --rm -T app sh -c 'sleep 1; exit 7'
  assert_equal "$status" 7
}

@test "compose: exec -T runs in the service's container, with its environment and exit code" {
  dc up -d >/dev/null
  run dc exec -T app sh -c 'echo TARGET=$TARGET; hostname'
  assert_success
  assert_line "TARGET=db"
  assert_line "$(h inspect -f '{{.Config.Hostname}}' "${PROJ}_app_1")"
  run sh -c "echo piped | timeout -k 5 60 docker-compose -p $PROJ -f $PROJ_DIR/docker-compose.yml exec -T db cat"
  assert_output "piped"
  run dc exec -T -e X=1 -u 1000 -w /tmp app sh -c 'echo $X $(id -u) $(pwd); exit 5'
  assert_equal "$status" 5
  assert_output "1 1000 /tmp"
}

@test "compose: down -v leaves no containers, networks or volumes" {
  dc up -d >/dev/null
  run dc down -v
  assert_success
  assert_output --partial "Removing network ${PROJ}_default"
  assert_output --partial "Removing volume ${PROJ}_dbdata"
  run h ps -aq
  assert_output ""
  run h network ls --format '{{.Name}}'
  assert_output "bridge"
  run h volume ls -q
  assert_output ""
  run curl -sS -m 2 "http://127.0.0.1:$PORT/"
  assert_failure
}
