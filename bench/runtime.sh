#!/bin/bash
# Side-by-side of `RUNTIME run` of /bin/true (busybox) in one bundle, for
# hutch-runtime, crun and runc: sequential runs, interleaved (h c r h c r ...)
# after a warm-up, so that drift on the machine hits every runtime alike.
# Prints a table of wall times and the ratios hutch/crun and hutch/runc, and
# writes the numbers as JSON to bench/results/.
#
#   bench/runtime.sh BUILD_DIR       (BENCH_RUNS=50 BENCH_WARMUP=5)
#
# crun 1.8 refuses this machine's hybrid cgroup layout, so it runs in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted. That
# wrapper (unshare + sh + umount) costs time of its own: it is measured as a
# fourth interleaved command running /bin/true, and crun's figures are shown
# both raw and with the wrapper's median subtracted.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd) || exit 2
runs=${BENCH_RUNS:-50}
warmup=${BENCH_WARMUP:-5}
results=$here/results
mkdir -p "$results"

work=$(mktemp -d /tmp/hutch-bench.XXXXXX)
cleanup() {
  local r
  for r in hutch crun runc; do
    [ -d "$work/state-$r" ] || continue
    for id in $(ls -1 "$work/state-$r" 2>/dev/null); do
      runtime_cmd "$r" delete -f "$id" >/dev/null 2>&1
    done
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT INT TERM

declare -A bin=([hutch]=$build/hutch-runtime [crun]=$(command -v crun) [runc]=$(command -v runc))

# runtime_cmd NAME ARGS...: NAME with its own --root; crun in the wrapper.
runtime_cmd() {
  local name=$1
  shift
  case "$name" in
    crun)
      unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
        "${bin[crun]}" --root "$work/state-crun" "$@"
      ;;
    wrapper) unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh /bin/true ;;
    *) "${bin[$name]}" --root "$work/state-$name" "$@" ;;
  esac
}

# The bundle: config.json from runc spec (the reference format), so every
# runtime reads the same file; args /bin/true, no terminal.
RUNTIME=runc "$repo/tests/fixtures/mkbundle.sh" "$work/bundle" "$build" -- /bin/true >/dev/null || {
  echo "bench: could not build the bundle" >&2
  exit 1
}
for r in hutch crun runc; do mkdir -p "$work/state-$r"; done

n=0
# one NAME: one timed `run`, wall time in microseconds appended to the
# NAME's sample file; returns the runtime's status.
one() {
  local name=$1 t0 t1 rc
  n=$((n + 1))
  t0=$EPOCHREALTIME
  if [ "$name" = wrapper ]; then
    runtime_cmd wrapper >/dev/null 2>>"$work/$name.err"
  else
    runtime_cmd "$name" run -b "$work/bundle" "bench-$n" </dev/null >/dev/null 2>>"$work/$name.err"
  fi
  rc=$?
  t1=$EPOCHREALTIME
  echo $(((${t1/./} - ${t0/./}))) >>"$work/$name.samples"
  return $rc
}

# Which runtimes work here at all: one checked run each.
active=()
declare -A why
for r in hutch crun runc wrapper; do
  if [ "$r" != wrapper ] && ! [ -x "${bin[$r]:-}" ]; then
    why[$r]="not installed/built"
    continue
  fi
  if one "$r"; then
    active+=("$r")
  else
    why[$r]="run failed: $(tail -n 3 "$work/$r.err" | tr '\n' ' ')"
  fi
  rm -f "$work/$r.samples"
done

echo "bench: run of /bin/true, $warmup warm-up + $runs measured runs each, interleaved: ${active[*]}" >&2
for ((i = 0; i < warmup + runs; i++)); do
  for r in "${active[@]}"; do
    one "$r" || { why[$r]="run failed during the benchmark: $(tail -n 3 "$work/$r.err" | tr '\n' ' ')"; }
  done
  if [ "$i" -eq $((warmup - 1)) ]; then
    for r in "${active[@]}"; do rm -f "$work/$r.samples"; done
  fi
done

# stats NAME: JSON {median_ms, mean_ms, min_ms, max_ms, samples_ms} of NAME's samples.
stats() {
  jq -s '
    sort as $s | ($s | length) as $n
    | { runs: $n,
        median_ms: ((if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end) / 1000),
        mean_ms: (add / $n / 1000), min_ms: ($s[0] / 1000), max_ms: ($s[-1] / 1000),
        samples_ms: map(. / 1000) }' "$work/$1.samples"
}

json='{}'
for r in hutch crun runc wrapper; do
  if [ -n "${why[$r]:-}" ] || ! [ -s "$work/$r.samples" ]; then
    json=$(jq --arg r "$r" --arg e "${why[$r]:-no samples}" '.[$r] = {error: $e}' <<<"$json")
  else
    json=$(jq --arg r "$r" --argjson s "$(stats "$r")" '.[$r] = $s' <<<"$json")
  fi
done
json=$(jq --arg date "$(date -u +%FT%TZ)" --arg kernel "$(uname -r)" --argjson runs "$runs" \
  --argjson warmup "$warmup" \
  --arg hv "$("${bin[hutch]}" --version 2>/dev/null | head -n1)" \
  --arg cv "$(crun --version | head -n1)" --arg rv "$(runc --version | head -n1)" '
  def ratio(a; b): if (a.median_ms and b.median_ms) then (a.median_ms / b.median_ms) else null end;
  (if (.crun.median_ms and .wrapper.median_ms)
     then .crun.median_ms - .wrapper.median_ms else null end) as $crun_adj
  | {benchmark: "runtime-run-true", date: $date, kernel: $kernel, runs: $runs, warmup: $warmup,
     versions: {hutch: $hv, crun: $cv, runc: $rv},
     runtimes: ., crun_adjusted_median_ms: $crun_adj,
     ratios: {hutch_over_crun: ratio(.hutch; .crun),
              hutch_over_crun_adjusted: (if (.hutch.median_ms and $crun_adj) then .hutch.median_ms / $crun_adj else null end),
              hutch_over_runc: ratio(.hutch; .runc)}}' <<<"$json")

stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "$json" >"$results/runtime-$stamp.json"
cp "$results/runtime-$stamp.json" "$results/runtime-latest.json"

printf '%-26s %10s %10s %10s %10s\n' runtime "median ms" "mean ms" "min ms" "max ms"
jq -r '.runtimes | to_entries[] | [.key, (.value.error // ""), (.value.median_ms // 0), (.value.mean_ms // 0),
  (.value.min_ms // 0), (.value.max_ms // 0)] | map(tostring) | join("|")' <<<"$json" |
  while IFS='|' read -r name err med mean min max; do
    [ "$name" = wrapper ] && name="wrapper (crun's unshare)"
    if [ -n "$err" ]; then
      printf '%-26s %s\n' "$name" "$err"
    else
      printf '%-26s %10.2f %10.2f %10.2f %10.2f\n' "$name" "$med" "$mean" "$min" "$max"
    fi
  done
jq -r 'def f: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  "crun minus wrapper: \(.crun_adjusted_median_ms | f) ms",
  "hutch/crun: \(.ratios.hutch_over_crun | f) (vs crun minus wrapper: \(.ratios.hutch_over_crun_adjusted | f))   hutch/runc: \(.ratios.hutch_over_runc | f)"' <<<"$json"
echo "results: $results/runtime-$stamp.json"
