#!/bin/bash
# The OCI runtimes side by side, from one busybox bundle (hutch-runtime's
# default spec, ociVersion 1.0.2-dev so that crun 1.8 accepts it):
#   runtime-run   `RUNTIME run` of /bin/true, sequential, for hutch-runtime,
#                 crun and runc, against the floor: unshare with the spec's
#                 namespaces (mount pid net ipc uts cgroup) + chroot + /bin/true
#   runtime-rss   peak RSS of that `run` (GNU time %M: the runtime process
#                 and the children it waited for, the container included)
#   runtime-exec  `RUNTIME exec` of /bin/true into a running `sleep` container
# Each one interleaved (h c r f h c r f …) after a warm-up, so that drift on
# the machine hits every participant alike; every run must exit 0.
#
#   bench/runtime.sh BUILD_DIR       (BENCH_RUNS=20 BENCH_WARMUP=3)
#
# crun 1.8 refuses this machine's hybrid cgroup layout, so it runs in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted. That
# wrapper (unshare + sh + umount) costs time of its own: it is measured as
# one more participant running /bin/true, and "crun - wrapper" is shown too.
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

declare -A bin=([hutch]=$build/hutch-runtime [crun]=$(command -v crun) [runc]=$(command -v runc))
crun_wrap='umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"'

# rt NAME ARGS...: runtime NAME with its own --root (crun in its wrapper).
rt() {
  local name=$1
  shift
  if [ "$name" = crun ]; then
    unshare -m sh -c "$crun_wrap" sh "${bin[crun]}" --root "$work/state-crun" "$@"
  else
    "${bin[$name]}" --root "$work/state-$name" "$@"
  fi
}

# kill and delete whatever containers a runtime still has (ours: the state
# dirs are private)
rt_cleanup() {
  local r id
  for r in hutch crun runc; do
    [ -d "$work/state-$r" ] || continue
    for id in $(ls -1 "$work/state-$r" 2>/dev/null); do
      [ -d "$work/state-$r/$id" ] && rt "$r" delete -f "$id"
    done
    rm -rf "$work/state-$r"
  done
}
bench_defer rt_cleanup

bench_bundle || {
  echo "bench: could not build the bundle" >&2
  exit 1
}
rootfs=$work/bundle/rootfs
for r in hutch crun runc; do
  mkdir -p "$work/state-$r"
  [ -x "${bin[$r]:-}" ] || bench_error[$r]="not installed/built"
done

n=0
for r in hutch crun runc; do
  eval "run_$r() { n=\$((n + 1)); rt $r run -b \"\$work/bundle\" \"bench-\$n\"; }"
done
run_floor() { unshare --mount --pid --fork --net --ipc --uts --cgroup chroot "$rootfs" /bin/true; }
run_wrapper() { unshare -m sh -c "$crun_wrap" sh /bin/true; }

echo "bench: runtime run of /bin/true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" hutch crun runc floor wrapper
entries=$(bench_entries 1000 hutch=hutch-runtime crun=crun runc=runc floor=floor wrapper="crun's wrapper")
entries=$(jq '
  if .crun.median and ."crun'"'"'s wrapper".median
  then . + {"crun - wrapper": {median: (.crun.median - ."crun'"'"'s wrapper".median)}} else . end' <<<"$entries")
bench_write runtime-run "hutch-runtime run /bin/true vs crun, runc and the unshare+chroot floor" ms \
  "$runs" "$warmup" "$entries" '[
    {a: "hutch-runtime", b: "crun", goal: 0.5},
    {a: "hutch-runtime", b: "crun - wrapper", goal: 0.5},
    {a: "hutch-runtime", b: "runc", goal: null},
    {a: "hutch-runtime", b: "floor", goal: 1.5}]' \
  '["floor: unshare --mount --pid --fork --net --ipc --uts --cgroup chroot ROOTFS /bin/true",
    "crun runs in `unshare -m sh -c \"umount /sys/fs/cgroup/unified; exec crun …\"`; the wrapper alone is measured too"]'

# Peak RSS: GNU time around the runtime itself (inside crun's wrapper, so
# that unshare and sh do not count).
rss_runs=$((runs < 10 ? runs : 10))
timebin=/usr/bin/time
if [ -x "$timebin" ] && "$timebin" -f %M true >/dev/null 2>&1; then
  for r in hutch crun runc; do
    eval "run_rss_$r() { n=\$((n + 1)); rt_time $r run -b \"\$work/bundle\" \"bench-\$n\"; }"
    [ -n "${bench_error[$r]:-}" ] && bench_error[rss_$r]=${bench_error[$r]}
  done
  # rt_time NAME ARGS...: rt with GNU time's %M appended to rss_NAME's samples
  rt_time() {
    local name=$1 out=$samples/rss_$1.time
    shift
    if [ "$name" = crun ]; then
      unshare -m sh -c "$crun_wrap" sh "$timebin" -f %M -o "$out" "${bin[crun]}" --root "$work/state-crun" "$@"
    else
      "$timebin" -f %M -o "$out" "${bin[$name]}" --root "$work/state-$name" "$@"
    fi || return
    tail -n 1 "$out" >>"$samples/rss_$name.kib"
  }
  echo "bench: peak RSS of run, $rss_runs runs" >&2
  bench_interleave "$rss_runs" 1 rss_hutch rss_crun rss_runc
  for r in hutch crun runc; do
    # the KiB figures, not bench_time's µs, are this benchmark's samples
    [ -s "$samples/rss_$r.kib" ] && tail -n "$rss_runs" "$samples/rss_$r.kib" >"$samples/rss_$r"
  done
else
  for r in hutch crun runc; do bench_error[rss_$r]="/usr/bin/time (package time) missing"; done
fi
entries=$(bench_entries 1 rss_hutch=hutch-runtime rss_crun=crun rss_runc=runc)
bench_write runtime-rss "peak RSS of hutch-runtime run vs crun and runc" KiB "$rss_runs" 1 "$entries" '[
    {a: "hutch-runtime", b: "crun", goal: 1},
    {a: "hutch-runtime", b: "runc", goal: null}]' \
  '["GNU time -f %M around the runtime: its largest process, the container process included"]'

# exec: one `sleep` container per runtime, then exec /bin/true into it.
bench_bundle_with "$work/bundle-sleep" /bin/sleep 3600
for r in hutch crun runc; do
  [ -n "${bench_error[$r]:-}" ] && { bench_error[exec_$r]=${bench_error[$r]}; continue; }
  if ! rt "$r" run -d -b "$work/bundle-sleep" sleeper </dev/null >/dev/null 2>"$samples/exec_$r.err"; then
    bench_fail "exec_$r" "run -d of the sleep container failed"
    continue
  fi
  eval "run_exec_$r() { rt $r exec sleeper /bin/true; }"
done
echo "bench: runtime exec of /bin/true, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" exec_hutch exec_crun exec_runc
for r in hutch crun runc; do rt "$r" delete -f sleeper >/dev/null 2>&1; done
entries=$(bench_entries 1000 exec_hutch=hutch-runtime exec_crun=crun exec_runc=runc)
bench_write runtime-exec "hutch-runtime exec /bin/true vs crun and runc (into a running sleep)" ms \
  "$runs" "$warmup" "$entries" '[
    {a: "hutch-runtime", b: "crun", goal: 0.5},
    {a: "hutch-runtime", b: "runc", goal: null}]' \
  '["crun exec also runs inside its unshare wrapper"]'
