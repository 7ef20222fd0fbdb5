#!/bin/bash
# The Docker Engine API side by side: the same docker CLI runs
# `docker run --rm --network none busybox true` against
#   hutch     `hutch system service` (API front-end over the engine)
#   podman    `podman system service` (podman's compat API)
#   dockerd   Debian's dockerd 20.10 (its containerd, runc)
# each on a private socket with a private store holding the same busybox
# image (hutch's own, through `hutch save`). What the API path costs is
# shown by two more rows: `hutch run --rm` of the same container without
# the API (direct), and the docker CLI's own floor, `docker version`
# against hutch's service (client). Interleaved after a warm-up; every
# run must exit 0.
#
#   bench/api.sh BUILD_DIR       (BENCH_RUNS=15 BENCH_WARMUP=2)
#
# podman's service drives runc with --cgroup-manager cgroupfs and the
# ulimits DESIGN.md names (CONTAINERS_CONF); dockerd runs without bridge
# or iptables rules (tests/fixtures/clients.sh dockerd_start).
source "$(dirname "$0")/lib.sh"
# shellcheck source=../tests/fixtures/clients.sh
source "$BENCH_REPO/tests/fixtures/clients.sh"
set +e +u
bench_init "${1:-}"
runs=${BENCH_RUNS:-15}
warmup=${BENCH_WARMUP:-2}
api=$work/api
mkdir -p "$api"
export DOCKER_CONFIG=$api/docker-config

bench_images || exit 1

# api_up NAME SOCK CMD...: CMD in the background (pid in $api/NAME.pid,
# stopped at exit), waited for until SOCK answers /_ping.
api_up() {
  local name=$1 sock=$2 i
  shift 2
  "$@" </dev/null >"$api/$name.log" 2>&1 &
  echo $! >"$api/$name.pid"
  bench_defer "kill $! 2>/dev/null; wait $! 2>/dev/null"
  for i in $(seq 300); do
    curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$api/$name.pid")" 2>/dev/null || break
    sleep 0.1
  done
  bench_error[$name]="the service did not start: $(tail -n 2 "$api/$name.log" | tr '\n' ' ')"
  return 1
}

api_up hutch "$api/hutch.sock" "$build/hutch" system service --time 0 "unix://$api/hutch.sock"

if [ -n "$podman_error" ]; then
  bench_error[podman]=$podman_error
else
  cat >"$api/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
  CONTAINERS_CONF=$api/containers.conf api_up podman "$api/podman.sock" \
    podman "${bench_podman_global[@]}" system service --time 0 "unix://$api/podman.sock"
fi

if ! command -v dockerd >/dev/null; then
  bench_error[dockerd]="dockerd not installed"
elif dockerd_start "$api/dockerd" runc "hutch-bench-api-$$" >/dev/null 2>&1; then
  bench_defer "dockerd_stop $api/dockerd"
  docker -H "unix://$api/dockerd/docker.sock" load -i "$work/busybox.tar" >/dev/null 2>"$samples/dockerd.err" ||
    bench_fail dockerd "docker load failed"
else
  bench_error[dockerd]="dockerd did not start: $(tail -n 2 "$api/dockerd/dockerd.log" | tr '\n' ' ')"
fi

run_hutch() { docker -H "unix://$api/hutch.sock" run --rm --network none busybox true; }
run_podman() { docker -H "unix://$api/podman.sock" run --rm --network none "$podman_image" true; }
run_direct() { "$build/hutch" run --rm --network none busybox true; }
run_client() { docker -H "unix://$api/hutch.sock" version; }
run_dockerd() { docker -H "unix://$api/dockerd/docker.sock" run --rm --network none busybox true; }

echo "bench: docker run --rm true through each API, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" hutch podman dockerd direct client
entries=$(bench_entries 1000 hutch=hutch podman=podman dockerd=dockerd direct="hutch run --rm, no API" \
  client="docker version, hutch's API")
bench_write api-run "docker run --rm --network none busybox true through hutch's, podman's and dockerd's API" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.3}, {a: "hutch", b: "dockerd", goal: null}]' \
  "$(jq -nc --arg d "$(docker --version 2>/dev/null)" --arg p "$(podman --version 2>/dev/null)" \
    --arg s "$(dockerd --version 2>/dev/null)" \
    '["client: \($d)", "\($p) system service, driving runc", "\($s), runc, no bridge or iptables"]')"
