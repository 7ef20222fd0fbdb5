#!/bin/bash
# The engines side by side, from the same busybox image (hutch's own, the
# one `hutch run busybox` imports from the host's busybox-static, loaded
# into podman from a `hutch save` archive); both with private stores:
#   engine-run    `hutch run --rm --network none busybox true` vs
#                 `podman run --rm --network=none … true`
#   engine-exec   `hutch exec ID true` vs `podman exec ID true` into a
#                 running `sleep` container
# Interleaved (h p h p …) after a warm-up; every run must exit 0.
#
#   bench/engine.sh BUILD_DIR       (BENCH_RUNS=20 BENCH_WARMUP=3)
#
# podman here drives runc (its crun refuses hybrid cgroups), with
# --cgroup-manager cgroupfs --events-backend file and --ulimit
# nofile/nproc=1024:1024 (its default nofile is above this machine's hard
# limit); see DESIGN.md.
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

bench_images || exit 1
[ -n "$podman_error" ] && bench_error[podman]=$podman_error bench_error[exec_podman]=$podman_error

run_hutch() { "$build/hutch" run --rm --network none busybox true; }
run_podman() { podman "${bench_podman_global[@]}" run --rm "${bench_podman_run[@]}" "$podman_image" true; }

echo "bench: engine run --rm true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" hutch podman
entries=$(bench_entries 1000 hutch=hutch podman=podman)
bench_write engine-run "hutch run --rm --network none busybox true vs podman run --rm" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.1}]' \
  "$(jq -nc --arg v "$(podman --version 2>/dev/null)" '["\($v), driving runc, cgroupfs, file events"]')"

# exec into one sleeping container per engine
if hid=$("$build/hutch" run -d --network none busybox sleep 3600 2>"$samples/exec_hutch.err" </dev/null); then
  run_exec_hutch() { "$build/hutch" exec "$hid" true; }
else
  bench_fail exec_hutch "run -d of the sleep container failed"
fi
if [ -z "${bench_error[exec_podman]:-}" ]; then
  if pid=$(podman "${bench_podman_global[@]}" run -d "${bench_podman_run[@]}" "$podman_image" sleep 3600 \
    2>"$samples/exec_podman.err" </dev/null); then
    run_exec_podman() { podman "${bench_podman_global[@]}" exec "$pid" true; }
  else
    bench_fail exec_podman "run -d of the sleep container failed"
  fi
fi
echo "bench: engine exec true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" exec_hutch exec_podman
bench_engine_cleanup
entries=$(bench_entries 1000 exec_hutch=hutch exec_podman=podman)
bench_write engine-exec "hutch exec ID true vs podman exec (into a running sleep)" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch", b: "podman", goal: 0.5}]'
