#!/bin/bash
# Scale (issue 13): how the cost of a hutch command grows with the state it
# has to look at, next to podman doing the same.
#   scale-ps, scale-inspect, scale-create, scale-run, scale-start,
#   scale-stop, scale-rm
#                 with N idle containers in the store (created, never
#                 started: `create --network none busybox true`), for each
#                 N of BENCH_SCALE_N (default "0 100 1000"): `ps -a`,
#                 `inspect ONE`, `create`, `run --rm … true`, `start ONE`
#                 and `stop -t 0 ONE` (ONE runs `sleep 3600`), `rm` of a
#                 container created (untimed) before each run; each at N
#                 against the smallest N
#   scale-fill    the time per container of filling the store: the first
#                 100 created against the last 100
#   scale-images, scale-network-ls, scale-volume-ls
#                 `images` with 500 images (distinct one-file images from
#                 `hutch import`), `network ls` with 100 networks, `volume
#                 ls` with 500 volumes, against the same with none
# podman does the same where it can in the time: with containers up to
# N = BENCH_SCALE_PODMAN (default 100; it takes ~0.3 s to create one
# here), and that many images, networks and volumes at most.
# Interleaved (every command of both engines in turn) after
# BENCH_SCALE_WARMUP (1) warm-up round, BENCH_SCALE_RUNS (10) measured
# rounds at each N; an N at which one `hutch ps -a` takes more than 10 s
# gets one round only (recorded, and said so). Every run must exit 0.
#
#   bench/scale.sh BUILD_DIR
#
# BENCH_SCALE_JOBS (default 1): parallel creates while filling the store
# (on main as of this script, parallel creates contend and are slower).
# Networks get a private nft table (HUTCH_NET_TABLE) and podman a private
# network config dir: nothing here touches the host's firewall or
# /etc/containers/networks. Everything made here is removed at exit.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
set -euo pipefail
bench_init "${1:-}"
read -ra ns <<<"$(tr -s ' ' '\n' <<<"${BENCH_SCALE_N:-0 100 1000}" | sort -n -u | tr '\n' ' ')"
runs=${BENCH_SCALE_RUNS:-10}
warmup=${BENCH_SCALE_WARMUP:-1}
podman_max=${BENCH_SCALE_PODMAN:-100}
jobs=${BENCH_SCALE_JOBS:-1}
batch=10
slow_us=10000000
read -r n_images n_networks n_volumes <<<"${BENCH_SCALE_LISTS:-500 100 500}"

bench_images
export HUTCH_NET_TABLE=hutchbench$$
pnet=$work/scale-podman-networks
mkdir -p "$pnet"
bench_defer "rm -rf '$pnet'"
with_podman=1
if [ -n "$podman_error" ]; then
  with_podman=0
  echo "bench: scale without podman: $podman_error" >&2
fi

h() { "$build/hutch" "$@"; }
p() { podman "${bench_podman_global[@]}" --network-config-dir "$pnet" "$@"; }
ms() { echo $((($1 + 500) / 1000)); }
# elapsed_us T0: microseconds since the $EPOCHREALTIME T0
elapsed_us() { echo $((${EPOCHREALTIME/./} - ${1/./})); }
# note TEXT: a line for scale-ps's notes (and stderr)
notes_all=()
note() {
  notes_all+=("$1")
  echo "bench: $1" >&2
}

# suffix SUFFIX KEY...: the samples (and errors) of KEYs so far become
# KEY_SUFFIX's, so the same run_KEY can measure again in another state.
suffix() {
  local s=$1 k
  shift
  for k in "$@"; do
    [ -f "$samples/$k" ] && mv "$samples/$k" "$samples/${k}_$s"
    [ -f "$samples/$k.err" ] && mv "$samples/$k.err" "$samples/${k}_$s.err"
    if [ -n "${bench_error[$k]:-}" ]; then
      bench_error[${k}_$s]=${bench_error[$k]}
      unset "bench_error[$k]"
    fi
  done
  return 0
}

# ---- images, networks, volumes ----

run_images_h() { h images; }
run_images_p() { p images; }
run_netls_h() { h network ls; }
run_netls_p() { p network ls; }
run_volls_h() { h volume ls; }
run_volls_p() { p volume ls; }

# names PREFIX COUNT: PREFIX-1 … PREFIX-COUNT
names() { [ "$2" -gt 0 ] && seq -f "$1-%g" 1 "$2"; return 0; }
lists_cleanup() {
  local e
  for e in h p; do
    [ "$e" = p ] && [ "$with_podman" = 0 ] && continue
    # names that were never made fail: that is fine
    # shellcheck disable=SC2046 # one name per word
    {
      "$e" rmi -f $(names scale-img "$n_images") || true
      "$e" network rm $(names scale-net "$n_networks") || true
      "$e" volume rm $(names scale-vol "$n_volumes") || true
    } >/dev/null 2>&1
  done
}
bench_defer lists_cleanup

lkeys=(images_h netls_h volls_h)
[ "$with_podman" = 1 ] && lkeys+=(images_p netls_p volls_p)
pmin() { echo $(($1 < podman_max ? $1 : podman_max)); }
pi=$(pmin "$n_images") pn=$(pmin "$n_networks") pv=$(pmin "$n_volumes")
[ "$with_podman" = 1 ] || pi=0 pn=0 pv=0
base_images=$(h images -q | wc -l)
base_pimages=0
[ "$with_podman" = 1 ] && base_pimages=$(p images -q | wc -l)

echo "bench: scale, images/network ls/volume ls empty, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" "${lkeys[@]}"
suffix 0 "${lkeys[@]}"

# make ENGINE KIND COUNT: COUNT images, networks or volumes, one after
# the other; the time goes into made[ENGINE_KIND] (ms) or the error into
# bench_error of the KIND's keys.
declare -A made
make_things() {
  local e=$1 kind=$2 count=$3 i t0 key
  case $kind in images) key=images_$e ;; networks) key=netls_$e ;; volumes) key=volls_$e ;; esac
  t0=$EPOCHREALTIME
  for ((i = 1; i <= count; i++)); do
    if ! case $kind in
      images) "$e" import "$tars/$i.tar" "scale-img-$i" ;;
      networks) "$e" network create "scale-net-$i" ;;
      volumes) "$e" volume create "scale-vol-$i" ;;
    esac >/dev/null 2>>"$samples/$key.err"; then
      bench_fail "$key" "$kind $i of $count could not be made"
      return 0
    fi
  done
  made[${e}_$kind]=$(ms "$(elapsed_us "$t0")")
}
# distinct one-file images: a tar each
tars=$work/scale-tars
mkdir -p "$tars/f"
bench_defer "rm -rf '$tars'"
for ((i = 1; i <= n_images; i++)); do
  echo "$i" >"$tars/f/id"
  tar -C "$tars/f" -cf "$tars/$i.tar" id
done
echo "bench: scale, making $n_images images, $n_networks networks, $n_volumes volumes (podman: $pi, $pn, $pv)" >&2
make_things h images "$n_images"
make_things h networks "$n_networks"
make_things h volumes "$n_volumes"
if [ "$with_podman" = 1 ]; then
  make_things p images "$pi"
  make_things p networks "$pn"
  make_things p volumes "$pv"
fi

echo "bench: scale, images/network ls/volume ls full, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" "${lkeys[@]}"
suffix full "${lkeys[@]}"
lists_cleanup

# list_bench ID WHAT KEY COUNT PCOUNT BASE PBASE: the JSON of one list
# command, empty and with COUNT things (PCOUNT for podman); BASE images
# are there before (busybox).
list_bench() {
  local id=$1 what=$2 key=$3 count=$4 pcount=$5 base=$6 pbase=$7 kind hl0 hl pl0 pl entries comps
  kind=${what##* }
  hl0="hutch with $base" hl="hutch with $((base + count))"
  pl0="podman with $pbase" pl="podman with $((pbase + pcount))"
  entries=$(bench_entries 1000 "${key}_h_0=$hl0" "${key}_h_full=$hl" \
    "${key}_p_0=$pl0" "${key}_p_full=$pl")
  [ "$with_podman" = 1 ] || entries=$(bench_entries 1000 "${key}_h_0=$hl0" "${key}_h_full=$hl")
  comps=$(jq -nc --arg a "$hl" --arg b "$hl0" --arg pa "$pl" --arg pb "$pl0" \
    --argjson same "$([ "$pcount" = "$count" ] && echo true || echo false)" \
    --argjson wp "$with_podman" '
    [{a: $a, limit: 50}, {a: $a, b: $b, goal: null}]
    + if $wp == 1 then [{a: $pa, b: $pb, goal: null}] else [] end
    + if $wp == 1 and $same then [{a: $a, b: $pa, goal: null}] else [] end')
  bench_write "$id" "$what, none and $count (podman: $pcount)" ms "$runs" "$warmup" "$entries" "$comps" \
    "$(jq -nc --arg h "${made[h_$kind]:--}" --arg p "${made[p_$kind]:--}" --argjson c "$count" \
      --argjson pc "$pcount" --arg k "$kind" '
      ["made one after the other: hutch \($c) \($k) in \($h) ms, podman \($pc) in \($p) ms"]
      + if $pc < $c then ["podman: fewer (BENCH_SCALE_PODMAN), so no hutch/podman ratio"] else [] end')"
}
list_bench scale-images "hutch images vs podman images" images "$n_images" "$pi" "$base_images" "$base_pimages"
list_bench scale-network-ls "hutch network ls vs podman network ls, networks" netls "$n_networks" "$pn" 1 1
list_bench scale-volume-ls "hutch volume ls vs podman volume ls, volumes" volls "$n_volumes" "$pv" 0 0

# ---- N containers ----

cmds=(ps inspect create run start stop rm)
run_ps_h() { h ps -a; }
run_ps_p() { p ps -a; }
run_inspect_h() { h inspect scale-one; }
run_inspect_p() { p inspect scale-one; }
before_create_h() { h rm -f scale-c >/dev/null 2>&1 || true; }
before_create_p() { p rm -f scale-c >/dev/null 2>&1 || true; }
run_create_h() { h create --name scale-c --network none busybox true; }
run_create_p() { p create --name scale-c "${bench_podman_run[@]}" "$podman_image" true; }
run_run_h() { h run --rm --network none busybox true; }
run_run_p() { p run --rm "${bench_podman_run[@]}" "$podman_image" true; }
run_start_h() { h start scale-one; }
run_start_p() { p start scale-one; }
run_stop_h() { h stop -t 0 scale-one; }
run_stop_p() { p stop -t 0 scale-one; }
before_rm_h() { h create --name scale-r --network none busybox true >/dev/null 2>&1 || true; }
before_rm_p() { p create --name scale-r "${bench_podman_run[@]}" "$podman_image" true >/dev/null 2>&1 || true; }
run_rm_h() { h rm scale-r; }
run_rm_p() { p rm scale-r; }

# fill ENGINE COUNT: COUNT more idle containers, in batches of $batch
# ($jobs creates at a time); each batch's time / its size is one sample
# (µs per container) of fill_ENGINE, in order. Returns 1 on a failure.
declare -A filled
filled[h]=0 filled[p]=0
fill() {
  local e=$1 count=$2 b size t0 cmd
  if [ "$e" = h ]; then
    cmd=("$build/hutch" create --network none busybox true)
  else
    cmd=(podman "${bench_podman_global[@]}" --network-config-dir "$pnet" create "${bench_podman_run[@]}"
      "$podman_image" true)
  fi
  for ((b = 0; b < count; b += batch)); do
    size=$((count - b < batch ? count - b : batch))
    t0=$EPOCHREALTIME
    if ! seq "$size" | xargs -P "$jobs" -I{} "${cmd[@]}" >/dev/null 2>>"$samples/fill_$e.err"; then
      bench_fail "fill_$e" "a create failed after $((filled[$e] + b)) containers"
      return 1
    fi
    bench_sample "fill_$e" $(($(elapsed_us "$t0") / size))
  done
  filled[$e]=$((filled[$e] + count))
}

# ONE: the container inspected, started and stopped
if ! h create --name scale-one --network none busybox sleep 3600 >/dev/null 2>"$samples/one.err" ||
  { [ "$with_podman" = 1 ] &&
    ! p create --name scale-one "${bench_podman_run[@]}" "$podman_image" sleep 3600 >/dev/null 2>>"$samples/one.err"; }; then
  echo "bench: could not create the ONE container: $(tail -n 2 "$samples/one.err")" >&2
  exit 1
fi

hns=() pns=()
for n in "${ns[@]}"; do
  echo "bench: scale, filling the stores to $n containers" >&2
  fill h $((n - filled[h])) || break
  keys=()
  if [ "$with_podman" = 1 ] && [ "$n" -le "$podman_max" ] && [ -z "${bench_error[fill_p]:-}" ] &&
    fill p $((n - filled[p])); then
    pns+=("$n")
    for c in "${cmds[@]}"; do keys+=("${c}_h" "${c}_p"); done
  else
    for c in "${cmds[@]}"; do keys+=("${c}_h"); done
  fi
  hns+=("$n")
  # one ps -a first: a store at which it takes more than 10 s gets one
  # round, and that ps -a is its only sample
  t0=$EPOCHREALTIME
  probe_ok=1
  h ps -a >/dev/null 2>>"$samples/ps_h.err" || probe_ok=0
  probe=$(elapsed_us "$t0")
  r=$runs w=$warmup
  if [ "$probe" -gt "$slow_us" ]; then
    r=1 w=0
    note "N=$n: one round only, and the one ps -a (it took $(ms "$probe") ms)"
    if [ "$probe_ok" = 1 ]; then bench_sample ps_h "$probe"; else bench_fail ps_h "ps -a failed"; fi
  fi
  timed=()
  for k in "${keys[@]}"; do [ "$r" = 1 ] && [ "$k" = ps_h ] || timed+=("$k"); done
  echo "bench: scale, N=$n, $w warm-up + $r runs, interleaved" >&2
  bench_interleave "$r" "$w" "${timed[@]}"
  suffix "$n" "${keys[@]}"
done

# remove every container (timed, for the notes)
t0=$EPOCHREALTIME
bench_engine_cleanup || true
note "all containers removed (hutch rm -f of all ${filled[h]}+, podman rm -af of ${filled[p]}+) in $(ms "$(elapsed_us "$t0")") ms"
notes_json=$(printf '%s\n' "N idle containers (create, never started) besides ONE (runs sleep 3600 when started)" \
  "rounds at each N: $runs measured after $warmup warm-up, every command of both engines in turn" \
  "podman: N up to $podman_max (BENCH_SCALE_PODMAN)" "${notes_all[@]}" | jq -Rsc 'split("\n") | map(select(. != ""))')

# the goals of issue 13: ratio at N to at the smallest N, or ms
declare -A goal=([ps]=null [inspect]=1.2 [create]=1.1 [run]=1.1 [start]=1.2 [stop]=1.2 [rm]=1.2)
declare -A what=([ps]="ps -a" [inspect]="inspect ONE" [create]="create" [run]="run --rm … true"
  [start]="start ONE" [stop]="stop -t 0 ONE" [rm]="rm of a created container")
h0=${hns[0]:-0}
for c in "${cmds[@]}"; do
  kv=()
  for n in "${hns[@]}"; do kv+=("${c}_h_$n=hutch N=$n"); done
  for n in "${pns[@]}"; do kv+=("${c}_p_$n=podman N=$n"); done
  entries=$(bench_entries 1000 "${kv[@]}")
  comps=$(jq -nc --arg c "$c" --argjson goal "${goal[$c]}" --arg h0 "$h0" \
    --argjson hns "$(printf '%s\n' "${hns[@]}" | jq -sc .)" \
    --argjson pns "$(printf '%s\n' "${pns[@]}" | jq -sc 'map(select(type == "number"))')" '
    ($hns[1:] | map(tostring)) as $hn
    | (if $c == "ps" then [$hn[] | {a: "hutch N=\(.)", limit: 50}] else [] end)
    + [$hn[] | {a: "hutch N=\(.)", b: "hutch N=\($h0)", goal: $goal}]
    + if ($pns | length) > 1 then [{a: "podman N=\($pns[-1])", b: "podman N=\($pns[0])", goal: null}] else [] end
    + if ($pns | length) > 0 then [{a: "hutch N=\($pns[-1])", b: "podman N=\($pns[-1])", goal: null}] else [] end')
  bench_write "scale-$c" "hutch ${what[$c]} with N containers in the store (podman: N ≤ $podman_max)" ms \
    "$runs" "$warmup" "$entries" "$comps" "$notes_json"
  notes_json='["stores and rounds as for scale-ps"]'
done

# filling: first 100 (or half) against the last 100
fill_bench() {
  local e=$1 name=$2 count=${filled[$1]} k
  k=$(((count / 2 < 100 ? count / 2 : 100) / batch))
  [ "$k" -gt 0 ] || return 0
  head -n "$k" "$samples/fill_$e" >"$samples/fill_${e}_first"
  tail -n "$k" "$samples/fill_$e" >"$samples/fill_${e}_last"
  [ -n "${bench_error[fill_$e]:-}" ] && bench_error[fill_${e}_last]=${bench_error[fill_$e]}
  fill_kv+=("fill_${e}_first=$name, first $((k * batch))" "fill_${e}_last=$name, last $((k * batch)) of $count")
  fill_comps+=("{\"a\": \"$name, last $((k * batch)) of $count\", \"b\": \"$name, first $((k * batch))\", \"goal\": null}")
  fill_total[$e]=$(($(paste -sd+ "$samples/fill_$e" | bc) * batch / 1000))
}
fill_kv=() fill_comps=()
declare -A fill_total
fill_bench h "hutch create"
[ "$with_podman" = 1 ] && fill_bench p "podman create"
if [ "${#fill_kv[@]}" -gt 0 ]; then
  entries=$(bench_entries 1000 "${fill_kv[@]}")
  bench_write scale-fill "time per container while filling the store with idle containers" ms \
    "$(wc -l <"$samples/fill_h")" 0 \
    "$entries" "$(printf '%s\n' "${fill_comps[@]}" | jq -sc .)" \
    "$(jq -nc --arg b "$batch" --arg j "$jobs" --arg th "${fill_total[h]:--}" --arg tp "${fill_total[p]:--}" \
      --arg nh "${filled[h]}" --arg np "${filled[p]}" '
      ["samples: batches of \($b) creates, \($j) at a time (BENCH_SCALE_JOBS); each is the batch time / \($b)",
       "hutch: \($nh) containers in about \($th) ms, podman: \($np) in about \($tp) ms",
       "last / first near 1: creating is linear in the number of containers"]')"
fi
