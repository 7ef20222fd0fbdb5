# Helpers for the API suites (api_docker, api_compose, api_python): a
# private engine ($HUTCH_ROOT, $HUTCH_RUN_ROOT under $CLI_DIR), a test-only
# default bridge, subnet and nft table, the local registry with the
# fixture image ($IMAGE, tests/fixtures/clients.sh), and
# `hutch system service` on $API_SOCK, started in setup_file and stopped
# by its pid in teardown_file. Each test's teardown removes every
# container, network and volume it left, through the hutch CLI.

load helpers

HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}

h() { timeout -k 5 60 "$HUTCH" "$@"; }

# api_service_start SOCK [ARGS...]: the service on SOCK, its pid in
# $CLI_DIR/api.pid, its log in $CLI_DIR/api.log; waits for /_ping. Its
# stdio must not hold bats' pipes (the monitors it forks inherit them).
api_service_start() {
  local sock=$1 i
  shift
  "$HUTCH" --debug system service "$@" "unix://$sock" </dev/null >"$CLI_DIR/api.log" 2>&1 3>&- &
  echo $! >"$CLI_DIR/api.pid"
  for i in $(seq 100); do
    curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$CLI_DIR/api.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "the API service did not start:" >&2
  cat "$CLI_DIR/api.log" >&2
  return 1
}

api_service_stop() {
  local pid
  pid=$(cat "$CLI_DIR/api.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  return 0
}

api_setup_file() {
  clients_up || return 1
  export HUTCH_ROOT=$CLI_DIR/root HUTCH_RUN_ROOT=$CLI_DIR/run API_SOCK=$CLI_DIR/api.sock
  export DOCKER_HOST=unix://$CLI_DIR/api.sock
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-a$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.192.$(($$ % 250)).0/24
  export HUTCH_NET_TABLE=hutch_a$$
  # docker's client keeps its config here, not in the host's ~/.docker
  export DOCKER_CONFIG=$CLI_DIR/docker-config
  api_service_start "$API_SOCK" --time 0
}

api_teardown_file() {
  api_service_stop
  ip link del "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null
  clients_down
}

api_teardown() {
  local id n v
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    "$HUTCH" rm -f -v "$id" >/dev/null 2>&1 || echo "# teardown: rm -f $id failed" >&3
  done
  for n in $("$HUTCH" network ls -q 2>/dev/null); do
    "$HUTCH" network rm "$n" >/dev/null 2>&1
  done
  for v in $("$HUTCH" volume ls -q 2>/dev/null); do
    "$HUTCH" volume rm -f "$v" >/dev/null 2>&1
  done
  for f in "$HUTCH_RUN_ROOT"/netns/*; do
    [ -e "$f" ] || continue
    umount -l "$f" 2>/dev/null
    rm -f "$f"
  done
  return 0
}

# api PATH [CURL ARGS...]: a raw request to the service (status in the
# last line).
api() {
  local path=$1
  shift
  curl -sS --unix-socket "$API_SOCK" -w '\n%{http_code}' "$@" "http://d$path"
}

# The docker CLI against the service (DOCKER_HOST is set by api_setup_file).
PTYRUN="python3 $HUTCH_SRC/tests/helpers/ptyrun.py"
d() { timeout -k 5 60 docker "$@"; }
# a docker command that leaves something running: not on bats' pipes
d_bg() { timeout -k 5 60 docker "$@" </dev/null 3>&-; }
drun() { d run --network none "$@"; }
# a container name of this test: the file's $NAME_PREFIX, the test's number
name() { echo "${NAME_PREFIX:-c}$BATS_TEST_NUMBER-$RANDOM"; }
