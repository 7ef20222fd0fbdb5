#!/bin/bash
# Rootless engines side by side, as one ordinary user (made for the run,
# with its own subordinate ranges, and removed afterwards with its
# processes and files), from the same busybox image (hutch's own, loaded
# into the user's podman store from a `hutch save` archive):
#   rootless-run       `hutch run --rm busybox true` vs `podman run --rm
#                      … true`, each with its default rootless network
#                      (hutch: pasta when installed; podman 4: slirp4netns)
#   rootless-run-none  the same with --network none: the user namespace,
#                      storage and runtime without the network helper
#   rootless-run-net   hutch alone: the default network (pasta) against
#                      --network slirp4netns, the start of each helper
# Interleaved (h p h p …) after a warm-up; every run must exit 0. Both go
# through the same setpriv (a bare uid/gid switch and exec, ~2 ms), which
# is in both numbers; runuser would add its PAM session (~35 ms here) to
# each run, a cost of the switch, not of either engine.
#
#   bench/rootless.sh BUILD_DIR       (BENCH_RUNS=20 BENCH_WARMUP=3)
#
# Needs root (to make the user) and a /dev/net/tun the user may open: its
# mode is set to 0666 for the run and put back. podman drives runc with
# --cgroup-manager cgroupfs --events-backend file, as in engine.sh.
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

[ "$(id -u)" = 0 ] || {
  echo "bench: rootless: needs root to make the test user" >&2
  exit 1
}
user=hbench$$
range=${BENCH_RL_RANGE:-700000} # another free subordinate range: BENCH_RL_RANGE
useradd -m -s /bin/sh "$user" || exit 1
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
xdg=/run/user/$uid
bin=$(mktemp -d /tmp/hutch-bench-rl.XXXXXX)
tun_mode=$(stat -c %a /dev/net/tun)
rootless_cleanup() {
  local pid
  chmod "$tun_mode" /dev/net/tun
  # the user's processes only: pause, monitors, slirp4netns, containers
  for _ in 1 2 3; do
    for pid in $(ps -e -o pid=,uid= | awk -v u="$uid" -v s="$range" \
      '$2 == u || ($2 >= s && $2 < s + 65536) {print $1}'); do
      kill -9 "$pid" 2>/dev/null
    done
    sleep 0.2
  done
  userdel -r -f "$user" 2>/dev/null
  sed -i "/^$user:/d" /etc/subuid /etc/subgid
  rm -rf --one-file-system "$xdg" "$home" "$bin"
}
bench_defer rootless_cleanup
usermod --del-subuids 1-4294967294 --del-subgids 1-4294967294 "$user" 2>/dev/null
usermod --add-subuids "$range-$((range + 65535))" --add-subgids "$range-$((range + 65535))" "$user"
mkdir -p "$xdg" && chown "$user:" "$xdg" && chmod 700 "$xdg"
chmod 666 /dev/net/tun
cp "$build/hutch" "$build/hutch-runtime" "$build/src/hutch-monitor/hutch-monitor" "$build"/src/hutch/*.so "$bin/"
[ ! -x "$build/src/hutch-init/hutch-init" ] || cp "$build/src/hutch-init/hutch-init" "$bin/"
chmod 755 "$bin" "$bin"/*

as_user() {
  setpriv --reuid="$uid" --regid="$gid" --init-groups -- \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" \
    XDG_RUNTIME_DIR="$xdg" USER="$user" "$@"
}
podman_u=(podman "${bench_podman_opts[@]}")

# the image, once, in each store of the user
as_user "$bin/hutch" run --rm --network none busybox true >/dev/null &&
  as_user "$bin/hutch" save -o "$home/busybox.tar" busybox >/dev/null || {
  echo "bench: rootless: could not make the busybox image as $user" >&2
  exit 1
}
if ! loaded=$(as_user "${podman_u[@]}" load -i "$home/busybox.tar" 2>"$samples/podman.err" |
  sed -n 's/^Loaded image[^:]*: *//p' | head -n1) || [ -z "$loaded" ]; then
  bench_error[podman]="podman load failed: $(tail -n 2 "$samples/podman.err" | tr '\n' ' ')"
  bench_error[none_podman]=${bench_error[podman]}
fi

run_hutch() { as_user "$bin/hutch" run --rm busybox true; }
run_podman() { as_user "${podman_u[@]}" run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$loaded" true; }
run_none_hutch() { as_user "$bin/hutch" run --rm --network none busybox true; }
run_none_podman() {
  as_user "${podman_u[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$loaded" true
}

note=$(jq -nc --arg v "$(podman --version 2>/dev/null)" \
  '["\($v) rootless, driving runc, cgroupfs, file events; both as one user through setpriv"]')
echo "bench: rootless run --rm true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" hutch podman
entries=$(bench_entries 1000 hutch=hutch podman=podman)
bench_write rootless-run "rootless hutch run --rm busybox true vs podman run --rm (default network)" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.15}]' "$note"

echo "bench: rootless run --rm --network none true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" none_hutch none_podman
entries=$(bench_entries 1000 none_hutch=hutch none_podman=podman)
bench_write rootless-run-none "rootless hutch run --rm --network none busybox true vs podman" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.15}]' "$note"

# like for like: slirp4netns on both sides (podman 4.3 has no pasta
# network mode; hutch's default is pasta)
run_slirp_podman() {
  as_user "${podman_u[@]}" run --rm --network slirp4netns --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$loaded" true
}
bench_error[slirp_podman]=${bench_error[podman]:-}
run_pasta_hutch() { as_user "$bin/hutch" run --rm --network pasta busybox true; }
run_slirp_hutch() { as_user "$bin/hutch" run --rm --network slirp4netns busybox true; }
if as_user sh -c 'command -v pasta' >/dev/null; then
  echo "bench: rootless run --rm, --network pasta vs slirp4netns, $warmup warm-up + $runs runs, interleaved" >&2
  bench_interleave "$runs" "$warmup" pasta_hutch slirp_hutch
  entries=$(bench_entries 1000 pasta_hutch=pasta slirp_hutch=slirp4netns)
  bench_write rootless-run-net "rootless hutch run --rm busybox true: pasta vs slirp4netns" ms \
    "$runs" "$warmup" "$entries" '[{a: "pasta", b: "slirp4netns", goal: null}]' \
    '["hutch alone: the user-mode network helper each starts and stops"]'
fi

echo "bench: rootless run --rm, both on --network slirp4netns, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" slirp_hutch slirp_podman
entries=$(bench_entries 1000 slirp_hutch=hutch slirp_podman=podman)
bench_write rootless-run-slirp "rootless hutch vs podman run --rm busybox true, both --network slirp4netns" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.15}]' "$note"
