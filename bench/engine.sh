#!/bin/bash
# Side-by-side of `hutch run --rm --network none IMAGE true` and
# `podman run --rm --network=none IMAGE true` from the same image (the
# busybox rootfs of tests/fixtures/mkrootfs.sh, imported into hutch and
# loaded into podman from a `hutch save` archive), interleaved (h p h p …)
# after a warm-up. Prints median/mean/min/max and hutch/podman, and writes
# JSON to bench/results/. Both engines use private state dirs.
#
#   bench/engine.sh BUILD_DIR       (BENCH_RUNS=30 BENCH_WARMUP=3)
#
# podman here needs --ulimit nofile/nproc=1024:1024 (its default nofile
# is above this machine's hard limit); see DESIGN.md.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd) || exit 2
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
results=$here/results
mkdir -p "$results"

work=$(mktemp -d /tmp/hutch-bench-engine.XXXXXX)
export HUTCH_ROOT=$work/hutch-root HUTCH_RUN_ROOT=$work/hutch-run
# crun 1.8 refuses this hybrid cgroup layout; podman drives runc instead
podman_args=(--root "$work/podman-root" --runroot "$work/podman-run" --storage-driver overlay --runtime runc)
cleanup() {
  for id in $("$build/hutch" ps -aq --no-trunc 2>/dev/null); do "$build/hutch" rm -f "$id" >/dev/null 2>&1; done
  podman "${podman_args[@]}" rm -af >/dev/null 2>&1
  podman "${podman_args[@]}" system reset -f >/dev/null 2>&1
  for m in $(grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r); do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT INT TERM

"$repo/tests/fixtures/mkrootfs.sh" "$work/rootfs" "$build" >/dev/null || exit 1
tar -C "$work/rootfs" -cf "$work/rootfs.tar" . &&
  "$build/hutch" import "$work/rootfs.tar" benchimg:latest >/dev/null &&
  "$build/hutch" save -o "$work/benchimg.tar" benchimg:latest || {
  echo "bench: could not build the image" >&2
  exit 1
}

declare -A why
cmd() {
  case "$1" in
    hutch) "$build/hutch" run --rm --network none benchimg:latest true ;;
    podman)
      podman "${podman_args[@]}" run --rm --network=none --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 "$podman_image" true
      ;;
  esac
}
if command -v podman >/dev/null; then
  if podman "${podman_args[@]}" load -i "$work/benchimg.tar" >"$work/podman.load" 2>&1; then
    podman_image=$(sed -n 's/^Loaded image[^:]*: *//p' "$work/podman.load" | head -n1)
  else
    why[podman]="load failed: $(tail -n 2 "$work/podman.load" | tr '\n' ' ')"
  fi
else
  why[podman]="not installed"
fi

one() {
  local t0 t1 rc
  t0=$EPOCHREALTIME
  cmd "$1" </dev/null >/dev/null 2>>"$work/$1.err"
  rc=$?
  t1=$EPOCHREALTIME
  echo $(((${t1/./} - ${t0/./}))) >>"$work/$1.samples"
  return $rc
}

active=()
for r in hutch podman; do
  [ -n "${why[$r]:-}" ] && continue
  if one "$r"; then active+=("$r"); else why[$r]="run failed: $(tail -n 3 "$work/$r.err" | tr '\n' ' ')"; fi
  rm -f "$work/$r.samples"
done

echo "bench: run --rm IMAGE true, $warmup warm-up + $runs measured runs each, interleaved: ${active[*]}" >&2
for ((i = 0; i < warmup + runs; i++)); do
  for r in "${active[@]}"; do
    one "$r" || why[$r]="run failed during the benchmark: $(tail -n 3 "$work/$r.err" | tr '\n' ' ')"
  done
  if [ "$i" -eq $((warmup - 1)) ]; then
    for r in "${active[@]}"; do rm -f "$work/$r.samples"; done
  fi
done

stats() {
  jq -s '
    sort as $s | ($s | length) as $n
    | { runs: $n,
        median_ms: ((if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end) / 1000),
        mean_ms: (add / $n / 1000), min_ms: ($s[0] / 1000), max_ms: ($s[-1] / 1000),
        samples_ms: map(. / 1000) }' "$work/$1.samples"
}

json='{}'
for r in hutch podman; do
  if [ -n "${why[$r]:-}" ] || ! [ -s "$work/$r.samples" ]; then
    json=$(jq --arg r "$r" --arg e "${why[$r]:-no samples}" '.[$r] = {error: $e}' <<<"$json")
  else
    json=$(jq --arg r "$r" --argjson s "$(stats "$r")" '.[$r] = $s' <<<"$json")
  fi
done
json=$(jq --arg date "$(date -u +%FT%TZ)" --arg kernel "$(uname -r)" --argjson runs "$runs" \
  --argjson warmup "$warmup" --arg pv "$(podman --version 2>/dev/null | head -n1)" '
  {benchmark: "engine-run-rm-true", date: $date, kernel: $kernel, runs: $runs, warmup: $warmup,
   versions: {podman: $pv}, engines: .,
   ratios: {hutch_over_podman: (if (.hutch.median_ms and .podman.median_ms)
                                then .hutch.median_ms / .podman.median_ms else null end)}}' <<<"$json")

stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "$json" >"$results/engine-$stamp.json"
cp "$results/engine-$stamp.json" "$results/engine-latest.json"
printf '%-10s %10s %10s %10s %10s\n' engine "median ms" "mean ms" "min ms" "max ms"
jq -r '.engines | to_entries[] | [.key, (.value.error // ""), (.value.median_ms // 0), (.value.mean_ms // 0),
  (.value.min_ms // 0), (.value.max_ms // 0)] | map(tostring) | join("|")' <<<"$json" |
  while IFS='|' read -r name err med mean min max; do
    if [ -n "$err" ]; then printf '%-10s %s\n' "$name" "$err"; else
      printf '%-10s %10.2f %10.2f %10.2f %10.2f\n' "$name" "$med" "$mean" "$min" "$max"; fi
  done
jq -r 'def f: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  "hutch/podman: \(.ratios.hutch_over_podman | f)"' <<<"$json"
echo "results: $results/engine-$stamp.json"
