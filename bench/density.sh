#!/bin/bash
# Density: many idle detached containers, and what each one costs while it
# idles: hutch's monitor (a double-forked process per container that
# execs the static hutch-monitor once the container runs,
# src/lib/engine/monitor.c) against podman's conmon.
#   density-start  `hutch run -d --network none busybox sleep 3600`, N times
#                  in a row (BENCH_DENSITY, default 200), each one timed, and
#                  the total; podman the same with BENCH_DENSITY_PODMAN
#                  (default 20: podman takes ~1 s a container here)
#   density-rss    VmRSS (and PSS, which splits shared pages between the
#                  processes sharing them) of each monitor, from
#                  /proc/PID/status and /proc/PID/smaps_rollup, once all
#                  are started; the mean is the sum / N the issue asks for
# Then every container is removed (rm -f, timed too). Every run must exit 0.
#
#   bench/density.sh BUILD_DIR
#
# The monitor's pid is the engine's own record of it (monitor_pid in the
# containers table of HUTCH_ROOT/state.db); conmon's is podman inspect's
# State.ConmonPid.
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
n_hutch=${BENCH_DENSITY:-200}
n_podman=${BENCH_DENSITY_PODMAN:-20}

bench_images || exit 1
[ -n "$podman_error" ] && bench_error[podman]=$podman_error

# rss_of PID KEY: VmRSS and PSS (KiB) of PID into KEY_rss and KEY_pss.
rss_of() {
  local rss pss
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null)
  [ -n "$rss" ] && [ -n "$pss" ] || return 1
  bench_sample "$2_rss" "$rss"
  bench_sample "$2_pss" "$pss"
}

# start KEY N CMD...: CMD (which prints a container id) N times, each timed
# into KEY's samples; the ids go to KEY.ids. Stops at the first failure.
start() {
  local key=$1 count=$2 i t0
  shift 2
  t0=$EPOCHREALTIME
  for ((i = 0; i < count; i++)); do
    if ! bench_time "$key" start_one "$key" "$@"; then
      bench_fail "$key" "container $((i + 1)) of $count did not start"
      return 1
    fi
  done
  total[$key]=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
}
# bench_time sends stdout to /dev/null: the id goes to the file here
start_one() {
  local key=$1
  shift
  "$@" >>"$samples/$key.ids"
}
declare -A total rm_ms

remove() {
  local key=$1 t0
  shift
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2046 # one id per word
  "$@" $(cat "$samples/$key.ids") >/dev/null 2>>"$samples/$key.err" ||
    bench_fail "$key" "rm -f failed"
  rm_ms[$key]=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
}

echo "bench: density, $n_hutch hutch containers" >&2
if start hutch "$n_hutch" "$build/hutch" run -d --network none busybox sleep 3600; then
  while read -r id; do
    mp=$(sqlite3 "$HUTCH_ROOT/state.db" "SELECT monitor_pid FROM containers WHERE id='$id'" 2>/dev/null)
    if ! [ "${mp:-0}" -gt 0 ] 2>/dev/null || ! rss_of "$mp" mon_hutch; then
      bench_error[mon_hutch_rss]="no live monitor for container $id" bench_error[mon_hutch_pss]=x
      break
    fi
  done <"$samples/hutch.ids"
  [ -n "${bench_error[mon_hutch_rss]:-}" ] && bench_error[mon_hutch_pss]=${bench_error[mon_hutch_rss]}
  remove hutch "$build/hutch" rm -f
else
  bench_error[mon_hutch_rss]=${bench_error[hutch]} bench_error[mon_hutch_pss]=${bench_error[hutch]}
fi
bench_engine_cleanup

if [ -z "${bench_error[podman]:-}" ]; then
  echo "bench: density, $n_podman podman containers" >&2
  if start podman "$n_podman" podman "${bench_podman_global[@]}" run -d "${bench_podman_run[@]}" \
    "$podman_image" sleep 3600; then
    while read -r id; do
      cp=$(podman "${bench_podman_global[@]}" inspect --format '{{.State.ConmonPid}}' "$id" 2>/dev/null)
      if ! [ "${cp:-0}" -gt 0 ] 2>/dev/null || ! rss_of "$cp" mon_podman; then
        bench_error[mon_podman_rss]="no live conmon for container $id"
        break
      fi
    done <"$samples/podman.ids"
    [ -n "${bench_error[mon_podman_rss]:-}" ] && bench_error[mon_podman_pss]=${bench_error[mon_podman_rss]}
    remove podman podman "${bench_podman_global[@]}" rm -f -t 0
  fi
  bench_engine_cleanup
fi
for k in podman; do
  if [ -n "${bench_error[$k]:-}" ]; then
    bench_error[mon_${k}_rss]=${bench_error[mon_${k}_rss]:-${bench_error[$k]}}
    bench_error[mon_${k}_pss]=${bench_error[mon_${k}_pss]:-${bench_error[$k]}}
  fi
done

notes=$(jq -nc --argjson nh "$n_hutch" --argjson np "$n_podman" --arg th "${total[hutch]:-}" \
  --arg tp "${total[podman]:-}" --arg rh "${rm_ms[hutch]:-}" --arg rp "${rm_ms[podman]:-}" '
  def s: if . == "" then "-" else (tonumber / 1000 * 100 | round / 100 | tostring) + " s" end;
  ["hutch: \($nh) containers started in \($th | s) in all, removed (one rm -f) in \($rh | s)",
   "podman: \($np) containers started in \($tp | s) in all, removed (one rm -f -t 0) in \($rp | s)"
   + (if $np < $nh then " (fewer than hutch: podman is slow to start them here)" else "" end),
   "one container after the other, not interleaved (each engine fills the machine in turn)"]')
entries=$(bench_entries 1000 hutch="hutch run -d" podman="podman run -d")
bench_write density-start "start of one idle detached container, $n_hutch in a row (hutch) / $n_podman (podman)" \
  ms "$n_hutch" 0 "$entries" '[{a: "hutch run -d", b: "podman run -d", goal: null}]' "$notes"

entries=$(bench_entries 1 mon_hutch_rss="hutch monitor RSS" mon_podman_rss="conmon RSS" \
  mon_hutch_pss="hutch monitor PSS" mon_podman_pss="conmon PSS")
bench_write density-rss "memory per idle container: hutch's monitor vs podman's conmon" KiB "$n_hutch" 0 \
  "$entries" '[{a: "hutch monitor RSS", b: "conmon RSS", goal: 0.5},
               {a: "hutch monitor PSS", b: "conmon PSS", goal: null}]' \
  "$(jq -nc --argjson nh "$n_hutch" --argjson np "$n_podman" \
    '["runs: one sample per monitor (\($nh) hutch, \($np) podman); the mean is sum / N"]')"
