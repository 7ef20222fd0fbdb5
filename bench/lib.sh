# shellcheck shell=bash
# What every bench script shares (sourced, bash): setup of the work dir and
# cleanup on exit or interrupt, one timed command with its exit status
# checked, interleaved rounds after a warm-up, statistics, the JSON of one
# benchmark, and the fixtures two scripts use (the bundle, the busybox
# image in a hutch store and in a podman store).
#
# A benchmark that does not check exit codes measures failures (crun 1.8
# exits fast with "unknown version specified" on ociVersion 1.2.0): every
# timed run must exit 0, and a participant whose run fails is dropped from
# the rest of the benchmark with the error recorded instead of its numbers.
#
# Environment:
#   BENCH_RUNS, BENCH_WARMUP   runs per participant (defaults per script)
#   BENCH_WORK                 shared work dir (set by run.sh; otherwise a
#                              private one, deleted on exit)
#   BENCH_OUT                  where each benchmark's JSON goes (set by
#                              run.sh; otherwise bench/results/ID-STAMP.json)

set -uo pipefail

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_REPO=$(cd "$BENCH_HERE/.." && pwd)

# podman's flags on this machine (DESIGN.md): its crun refuses hybrid
# cgroups, so runc; a private store; no systemd, no journald.
# bench_podman_opts: all of them but the store's dirs.
bench_podman_opts=(--storage-driver overlay --runtime runc --cgroup-manager cgroupfs --events-backend file)
bench_podman_global=()
bench_podman_run=(--network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# bench_init BUILD_DIR: sets build, work, samples, and the exit trap.
bench_init() {
  build=$(cd "${1:-$BENCH_REPO/build}" && pwd) || {
    echo "bench: no build dir ${1:-$BENCH_REPO/build}" >&2
    exit 2
  }
  if [ -n "${BENCH_WORK:-}" ]; then
    work=$BENCH_WORK
    mkdir -p "$work"
    own_work=0
  else
    work=$(mktemp -d /tmp/hutch-bench.XXXXXX)
    own_work=1
  fi
  samples=$(mktemp -d "$work/samples.XXXXXX")
  bench_deferred=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bench_podman_global=(--root "$work/podman-root" --runroot "$work/podman-run" "${bench_podman_opts[@]}")
}

# bench_defer CMD: run the shell command CMD at exit, last deferred first.
bench_defer() { bench_deferred+=("$1"); }

bench_cleanup() {
  local i
  # to the end, whatever fails (a script may run under set -e)
  set +e
  trap - EXIT INT TERM
  for ((i = ${#bench_deferred[@]} - 1; i >= 0; i--)); do
    eval "${bench_deferred[$i]}" >/dev/null 2>&1
  done
  rm -rf "$samples"
  if [ "$own_work" = 1 ]; then
    bench_podman_reset
    bench_umount_under "$work"
    rm -rf --one-file-system "$work"
  fi
}

# bench_umount_under DIR: lazy-unmount whatever is still mounted below DIR
# (overlays of containers a crash left behind), deepest first.
bench_umount_under() {
  local m
  for m in $(awk -v d="$1" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null
  done
}

# bench_time KEY CMD...: runs CMD once with stdin, stdout from/to /dev/null,
# stderr appended to KEY.err; on exit 0 appends the wall time in
# microseconds to KEY's samples. Returns CMD's status.
bench_time() {
  local key=$1 t0 t1 rc
  shift
  t0=$EPOCHREALTIME
  "$@" </dev/null >/dev/null 2>>"$samples/$key.err"
  rc=$?
  t1=$EPOCHREALTIME
  if [ "$rc" = 0 ]; then
    echo $((${t1/./} - ${t0/./})) >>"$samples/$key"
  else
    echo "(exit status $rc)" >>"$samples/$key.err"
  fi
  return "$rc"
}

# bench_sample KEY VALUE: a sample measured some other way (RSS in KiB).
bench_sample() { echo "$2" >>"$samples/$1"; }

# bench_fail KEY MESSAGE: KEY's numbers are void; its JSON entry is the error.
declare -A bench_error
bench_fail() {
  bench_error[$1]="$2: $(tail -n 3 "$samples/$1.err" 2>/dev/null | tr '\n' ' ')"
}

# bench_interleave RUNS WARMUP KEY...: calls the function run_KEY, timed
# by bench_time, for each KEY in turn (A B C A B C …): one checked run
# each first (a KEY that fails is dropped), WARMUP rounds that are
# discarded, then RUNS measured rounds. before_KEY, when defined, runs
# untimed before each run of KEY (to wipe a store). Sets bench_active to
# the KEYs that ran to the end.
bench_interleave() {
  local runs=$1 warmup=$2 k i
  shift 2
  bench_active=()
  for k in "$@"; do
    [ -n "${bench_error[$k]:-}" ] && continue
    declare -F "before_$k" >/dev/null && "before_$k"
    if bench_time "$k" "run_$k"; then bench_active+=("$k"); else bench_fail "$k" "check run failed"; fi
    rm -f "$samples/$k"
  done
  for ((i = 0; i < warmup + runs; i++)); do
    local still=()
    for k in "${bench_active[@]}"; do
      declare -F "before_$k" >/dev/null && "before_$k"
      if bench_time "$k" "run_$k"; then still+=("$k"); else bench_fail "$k" "run $((i + 1)) failed"; fi
    done
    bench_active=("${still[@]}")
    if [ "$i" = $((warmup - 1)) ]; then
      for k in "${bench_active[@]}"; do rm -f "$samples/$k"; done
    fi
  done
}

# bench_entries SCALE KEY=LABEL...: the JSON object {LABEL: stats or
# {error}} of the KEYs' samples, divided by SCALE (1000: µs to ms).
bench_entries() {
  local scale=$1 json='{}' kv k label
  shift
  for kv in "$@"; do
    k=${kv%%=*}
    label=${kv#*=}
    if [ -n "${bench_error[$k]:-}" ] || ! [ -s "$samples/$k" ]; then
      json=$(jq --arg l "$label" --arg e "${bench_error[$k]:-no samples}" '.[$l] = {error: $e}' <<<"$json")
    else
      json=$(jq --arg l "$label" --argjson scale "$scale" --slurpfile s "$samples/$k" '
        ($s | map(. / $scale) | sort) as $v | ($v | length) as $n
        | .[$l] = {runs: $n,
                   median: (if $n % 2 == 1 then $v[($n - 1) / 2] else ($v[$n / 2 - 1] + $v[$n / 2]) / 2 end),
                   mean: ($v | add / $n), min: $v[0], max: $v[-1], samples: ($s | map(. / $scale))}' \
        <<<"$json")
    fi
  done
  echo "$json"
}

# bench_write ID TITLE UNIT RUNS WARMUP ENTRIES_JSON COMPARISONS_JSON [NOTES_JSON]:
# writes one benchmark's JSON. COMPARISONS is a list of {a, b, goal}
# (labels of ENTRIES; goal is the ratio a/b the issue asks for, or null),
# or {a, limit} for a goal in absolute terms (a's median ≤ limit, in the
# benchmark's unit); the ratios are filled in here.
bench_write() {
  local id=$1 title=$2 unit=$3 runs=$4 warmup=$5 entries=$6 comps notes out json
  # COMPARISONS and NOTES may be written as jq expressions (unquoted keys)
  comps=$(jq -nc "$7") && notes=$(jq -nc "${8:-[]}") || return 1
  json=$(jq -n --arg id "$id" --arg title "$title" --arg unit "$unit" --argjson runs "$runs" \
    --argjson warmup "$warmup" --argjson e "$entries" --argjson c "$comps" --argjson notes "$notes" \
    --arg date "$(date -u +%FT%TZ)" '
    {id: $id, title: $title, unit: $unit, runs: $runs, warmup: $warmup, date: $date, entries: $e,
     notes: $notes,
     comparisons: [$c[] | (if .b then $e[.b].median else null end) as $bm
                   | . + {a_median: $e[.a].median, b_median: $bm,
                          ratio: (if ($e[.a].median and $bm and $bm != 0) then $e[.a].median / $bm else null end)}]
                   | map(. + {met: (if .limit != null then (if .a_median == null then null else .a_median <= .limit end)
                                    elif .ratio == null or .goal == null then null else .ratio <= .goal end)})}')
  if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    out=$BENCH_OUT/$id.json
    echo "$out" >>"$BENCH_OUT/order"
  else
    mkdir -p "$BENCH_HERE/results"
    out=$BENCH_HERE/results/$id-$(date -u +%Y%m%dT%H%M%SZ).json
  fi
  echo "$json" >"$out"
  [ -n "${BENCH_OUT:-}" ] || bench_table "$out"
}

# bench_table FILE...: the detail table of each benchmark JSON in FILEs,
# as markdown.
bench_table() {
  jq -r -s '
    def f: if . == null then "-" elif . >= 100 then (. | round | tostring)
           else (. * 100 | round / 100 | tostring) end;
    .[] | . as $b | "#### \(.title)",
      "", "\(.unit); \(.runs) measured runs" + (if .warmup > 0 then " after \(.warmup) warm-up, interleaved" else "" end),
      "",
      "| | n | median | mean | min | max |", "|---|---:|---:|---:|---:|---:|",
      (.entries | to_entries[] |
        if .value.error then "| \(.key) | | \(.value.error | gsub("\\|"; "/")) | | | |"
        else "| \(.key) | \(.value.runs // "") | \(.value.median | f) | \(.value.mean | f) | \(.value.min | f) | \(.value.max | f) |" end),
      "",
      (.comparisons[] |
        if .limit != null then "- \(.a): **\(.a_median | f) \($b.unit)** (goal ≤ \(.limit) \($b.unit))"
        else "- \(.a) / \(.b): **\(.ratio | f)**" + (if .goal then " (goal ≤ \(.goal))" else "" end) end),
      (.notes[] | "- \(.)"),
      ""' "$@"
}

# bench_summary FILE...: one markdown table of every comparison.
bench_summary() {
  jq -r -s '
    def f: if . == null then "-" elif . >= 100 then (. | round | tostring)
           else (. * 100 | round / 100 | tostring) end;
    "| benchmark | hutch vs peer | hutch | peer | unit | hutch/peer | goal | met |",
    "|---|---|---:|---:|---|---:|---:|---|",
    (.[] | . as $b | .comparisons[] |
      if .limit != null then
        "| \($b.id) | \(.a) (absolute) | \(.a_median | f) | | \($b.unit) | | ≤ \(.limit) \($b.unit) | "
      else
        "| \($b.id) | \(.a) vs \(.b) | \(.a_median | f) | \(.b_median | f) | \($b.unit) | \(.ratio | f) | " +
        (if .goal then "≤ \(.goal)" else "" end) + " | "
      end +
      (if .met == true then "yes" elif .met == false then "no" else "" end) + " |")' "$@"
}

# bench_bundle: $work/bundle, busybox with /bin/true, from hutch-runtime's
# default spec with ociVersion 1.0.2-dev (crun 1.8 rejects 1.2.0).
bench_bundle() {
  [ -s "$work/bundle/config.json" ] && return 0
  "$BENCH_REPO/tests/fixtures/mkbundle.sh" "$work/bundle" "$build" -- /bin/true >/dev/null || return 1
  jq '.ociVersion = "1.0.2-dev"' "$work/bundle/config.json" >"$work/bundle/config.json.tmp" &&
    mv "$work/bundle/config.json.tmp" "$work/bundle/config.json"
}

# bench_bundle_with DIR ARGS...: a bundle at DIR sharing $work/bundle's
# rootfs (read-only in the spec) with other process args.
bench_bundle_with() {
  local dir=$1 args
  shift
  mkdir -p "$dir"
  args=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .)
  jq --argjson args "$args" --arg root "$work/bundle/rootfs" \
    '.process.args = $args | .root.path = $root | .root.readonly = true' \
    "$work/bundle/config.json" >"$dir/config.json"
}

# bench_images: hutch's busybox image in the store $work/hutch-root (the
# one `hutch run busybox` imports from the host's busybox-static), and the
# same image (through `hutch save`) in podman's store $work/podman-root.
# Sets podman_image (empty when podman could not load it) and
# podman_error. Every container of both stores is removed at exit.
bench_images() {
  bench_defer bench_engine_cleanup
  export HUTCH_ROOT=$work/hutch-root HUTCH_RUN_ROOT=$work/hutch-run
  podman_image= podman_error=
  if ! [ -s "$work/busybox.tar" ]; then
    "$build/hutch" run --rm --network none busybox true >/dev/null &&
      "$build/hutch" save -o "$work/busybox.tar.tmp" busybox >/dev/null &&
      mv "$work/busybox.tar.tmp" "$work/busybox.tar" || {
      echo "bench: could not build the busybox image" >&2
      return 1
    }
  fi
  if ! command -v podman >/dev/null; then
    podman_error="podman not installed"
  elif podman "${bench_podman_global[@]}" image exists hutch-bench-busybox 2>/dev/null; then
    podman_image=hutch-bench-busybox
  elif bench_podman_busybox "${bench_podman_global[@]}"; then
    podman_image=hutch-bench-busybox
  else
    podman_error="podman load failed: $(tail -n 2 "$work/podman.load" | tr '\n' ' ')"
  fi
}

# bench_podman_busybox FLAGS...: $work/busybox.tar loaded into the store of
# podman's global FLAGS and tagged hutch-bench-busybox; on a failure,
# status 1 and podman's output in $work/podman.load.
bench_podman_busybox() {
  local loaded
  podman "$@" load -i "$work/busybox.tar" >"$work/podman.load" 2>&1 || return 1
  loaded=$(sed -n 's/^Loaded image[^:]*: *//p' "$work/podman.load" | head -n1)
  podman "$@" tag "$loaded" hutch-bench-busybox >>"$work/podman.load" 2>&1
}

# bench_engine_cleanup: remove every container of the bench's hutch and
# podman stores (containers we made: the stores are private).
bench_engine_cleanup() {
  local ids
  # never the default store: only the one bench_images pointed at
  [ "${HUTCH_ROOT:-}" = "$work/hutch-root" ] || return 0
  ids=$("$build/hutch" ps -aq --no-trunc 2>/dev/null)
  # shellcheck disable=SC2086 # one id per word
  [ -n "$ids" ] && "$build/hutch" rm -f $ids >/dev/null 2>&1
  if [ -d "$work/podman-root" ]; then
    podman "${bench_podman_global[@]}" rm -af -t 0 >/dev/null 2>&1
  fi
}

# bench_podman_reset: at the end of a run.sh run (or a script's private
# work dir), podman's store goes: reset, then whatever it left mounted.
bench_podman_reset() {
  [ -d "$work/podman-root" ] || return 0
  podman "${bench_podman_global[@]}" system reset -f >/dev/null 2>&1
  bench_umount_under "$work/podman-root"
  bench_umount_under "$work/podman-run"
}
