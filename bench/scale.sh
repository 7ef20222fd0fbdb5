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
#   scale-fill    the time per container of filling the largest store:
#                 the first 100 created against the last 100
#   scale-images, scale-network-ls, scale-volume-ls
#                 `images` with 500 images (distinct one-file images from
#                 `hutch import`), `network ls` with 100 networks, `volume
#                 ls` with 500 volumes, against the same with none
# Every N has a store of its own (HUTCH_ROOT, HUTCH_RUN_ROOT; podman's
# --root, --runroot, --tmpdir, --network-config-dir), with the busybox
# image and ONE. All of them are filled first; then the N take turns: each
# round runs every command at every N, N ascending, podman right after
# hutch at each N (ps at N0, N100, N1000, inspect at N0, …), so a change
# of machine load hits every N alike. The lists likewise: a store with
# none and one with all, in turn.
# podman does the same where it can in the time: with containers up to
# N = BENCH_SCALE_PODMAN (default 100; it takes ~0.3 s to create one
# here), and that many images, networks and volumes at most.
# BENCH_SCALE_WARMUP (1) warm-up rounds, then BENCH_SCALE_RUNS (10)
# measured rounds; a store in which one `hutch ps -a` takes more than 10 s
# stays out of them and gets one round of its own afterwards, with that
# ps -a as its only ps -a sample (recorded, and said so). Every run must
# exit 0.
#
#   bench/scale.sh BUILD_DIR
#
# BENCH_SCALE_JOBS (default 1): parallel creates while filling the stores
# (one at a time keeps the fill samples comparable; two at a time fill
# faster). Networks get a private nft table (HUTCH_NET_TABLE): nothing
# here touches the host's firewall or /etc/containers/networks. Every
# store made here is removed at exit.
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
with_podman=1
if [ -n "$podman_error" ]; then
  with_podman=0
  echo "bench: scale without podman: $podman_error" >&2
fi

# ---- the stores ----

# $stores/S: store S of both engines (S: l0 and lf for the lists, nN
# for N containers); h and p act on store $cur.
stores=$work/scale
mkdir -p "$stores"
cur=
h() { HUTCH_ROOT=$stores/$cur/hroot HUTCH_RUN_ROOT=$stores/$cur/hrun "$build/hutch" "$@"; }
# pflags S: podman's global flags for store S, into pf
pflags() {
  pf=(--root "$stores/$1/proot" --runroot "$stores/$1/prun" --tmpdir "$stores/$1/ptmp"
    --network-config-dir "$stores/$1/pnet" "${bench_podman_opts[@]}")
}
p() {
  local pf
  pflags "$cur"
  podman "${pf[@]}" "$@"
}
ms() { echo $((($1 + 500) / 1000)); }
# elapsed_us T0: microseconds since the $EPOCHREALTIME T0
elapsed_us() { echo $((${EPOCHREALTIME/./} - ${1/./})); }
# note TEXT: a line for scale-ps's notes (and stderr)
notes_all=()
note() {
  notes_all+=("$1")
  echo "bench: $1" >&2
}

# store_make S PODMAN: store S with the busybox image, hutch's and (PODMAN
# 1) podman's; 1 with the error on stderr when one could not be made.
store_make() {
  local pf
  cur=$1
  mkdir -p "$stores/$1/pnet"
  if ! h load -i "$work/busybox.tar" >/dev/null 2>"$samples/store.err"; then
    echo "bench: store $1: hutch load failed: $(tail -n 2 "$samples/store.err")" >&2
    return 1
  fi
  [ "$2" = 1 ] || return 0
  pflags "$1"
  bench_podman_busybox "${pf[@]}" || {
    echo "bench: store $1: podman load failed: $(tail -n 2 "$work/podman.load")" >&2
    return 1
  }
}

# rm_all S: every container of store S removed (both engines)
rm_all() {
  local ids=
  cur=$1
  if [ -d "$stores/$1/hroot" ]; then
    ids=$(h ps -aq --no-trunc) || true
    # shellcheck disable=SC2086 # one id per word
    [ -z "$ids" ] || h rm -f $ids >/dev/null || true
  fi
  if [ -d "$stores/$1/proot" ]; then p rm -af -t 0 >/dev/null || true; fi
}

# names PREFIX COUNT: PREFIX-1 … PREFIX-COUNT
names() { [ "$2" -gt 0 ] && seq -f "$1-%g" 1 "$2"; return 0; }

# store_drop S: store S gone (containers, networks, podman's reset, mounts
# left behind, its dirs)
store_drop() {
  [ -d "$stores/$1" ] || return 0
  rm_all "$1" 2>/dev/null
  cur=$1
  # the lists' networks: never made ones fail, that is fine
  # shellcheck disable=SC2046 # one name per word
  if [ "$1" = lf ]; then h network rm $(names scale-net "$n_networks") >/dev/null 2>&1 || true; fi
  if [ -d "$stores/$1/proot" ]; then p system reset -f >/dev/null 2>&1 || true; fi
  bench_umount_under "$stores/$1/"
  rm -rf --one-file-system "${stores:?}/$1"
}
scale_cleanup() {
  local d
  for d in "$stores"/*/; do
    [ -d "$d" ] && store_drop "$(basename "$d")"
  done
  rm -rf --one-file-system "$stores"
}
bench_defer scale_cleanup

# wrap KEY S TAG: run_KEY_TAG (and before_KEY_TAG) is run_KEY (before_KEY)
# in store S
wrap() {
  eval "run_$1_$3() { cur=$2; run_$1; }"
  if declare -F "before_$1" >/dev/null; then eval "before_$1_$3() { cur=$2; before_$1; }"; fi
}

# ---- images, networks, volumes ----

run_images_h() { h images; }
run_images_p() { p images; }
run_netls_h() { h network ls; }
run_netls_p() { p network ls; }
run_volls_h() { h volume ls; }
run_volls_p() { p volume ls; }

pmin() { echo $(($1 < podman_max ? $1 : podman_max)); }
pi=$(pmin "$n_images") pn=$(pmin "$n_networks") pv=$(pmin "$n_volumes")
[ "$with_podman" = 1 ] || pi=0 pn=0 pv=0
store_make l0 "$with_podman" && store_make lf "$with_podman" || exit 1
cur=l0
base_images=$(h images -q | wc -l)
base_pimages=0
[ "$with_podman" = 1 ] && base_pimages=$(p images -q | wc -l)
lkeys=()
for l in images netls volls; do
  for s in 0 full; do
    for e in h p; do
      [ "$e" = p ] && [ "$with_podman" = 0 ] && continue
      wrap "${l}_$e" "$([ "$s" = 0 ] && echo l0 || echo lf)" "$s"
      lkeys+=("${l}_${e}_$s")
    done
  done
done

# make_things ENGINE KIND COUNT: COUNT images, networks or volumes in store
# lf, one after the other; the time goes into made[ENGINE_KIND] (ms) or
# the error into bench_error of the KIND's keys.
declare -A made
make_things() {
  local e=$1 kind=$2 count=$3 i t0 key
  case $kind in images) key=images_${e}_full ;; networks) key=netls_${e}_full ;; volumes) key=volls_${e}_full ;; esac
  cur=lf
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

echo "bench: scale, images/network ls/volume ls, none and all, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" "${lkeys[@]}"
store_drop l0
store_drop lf
rm -rf "$tars"

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
      ["made one after the other: hutch \($c) \($k) in \($h) ms, podman \($pc) in \($p) ms",
       "a store with none and a store with all, measured in turn"]
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

# fill ENGINE N: N idle containers into store nN, in batches of $batch
# ($jobs creates at a time); each batch's time / its size is one sample
# (µs per container) of fill_ENGINE_N, in order. Returns 1 on a failure.
declare -A fill_ms
fill() {
  local e=$1 n=$2 key=fill_$1_$2 b size t0 t00 cmd pf
  if [ "$e" = h ]; then
    cmd=("$build/hutch" create --network none busybox true)
  else
    pflags "n$n"
    cmd=(podman "${pf[@]}" create "${bench_podman_run[@]}" "$podman_image" true)
  fi
  t00=$EPOCHREALTIME
  for ((b = 0; b < n; b += batch)); do
    size=$((n - b < batch ? n - b : batch))
    t0=$EPOCHREALTIME
    if ! seq "$size" | HUTCH_ROOT=$stores/n$n/hroot HUTCH_RUN_ROOT=$stores/n$n/hrun \
      xargs -P "$jobs" -I{} "${cmd[@]}" >/dev/null 2>>"$samples/$key.err"; then
      bench_fail "$key" "a create failed after $b containers"
      return 1
    fi
    bench_sample "$key" $(($(elapsed_us "$t0") / size))
  done
  fill_ms[${e}_$n]=$(ms "$(elapsed_us "$t00")")
}

# the stores, filled: ONE, then N idle containers
hns=() pns=()
declare -A with_p
for n in "${ns[@]}"; do
  pe=0
  [ "$with_podman" = 1 ] && [ "$n" -le "$podman_max" ] && pe=1
  echo "bench: scale, store N=$n: ONE and $n containers (podman: $([ "$pe" = 1 ] && echo "the same" || echo none))" >&2
  store_make "n$n" "$pe" || exit 1
  cur=n$n
  # ONE: the container inspected, started and stopped
  if ! h create --name scale-one --network none busybox sleep 3600 >/dev/null 2>"$samples/one.err" ||
    { [ "$pe" = 1 ] &&
      ! p create --name scale-one "${bench_podman_run[@]}" "$podman_image" sleep 3600 >/dev/null 2>>"$samples/one.err"; }; then
    echo "bench: could not create the ONE container: $(tail -n 2 "$samples/one.err")" >&2
    exit 1
  fi
  if ! fill h "$n"; then
    note "N=$n: left out, filling hutch's store failed"
    continue
  fi
  hns+=("$n")
  if [ "$pe" = 1 ]; then
    if fill p "$n"; then
      pns+=("$n") with_p[$n]=1
    else
      note "N=$n: podman left out, filling its store failed"
    fi
  fi
done

# keys_at N: the keys of every command at N, into keys
keys_at() {
  local c
  keys=()
  for c in "${cmds[@]}"; do
    keys+=("${c}_h_$1")
    [ -n "${with_p[$1]:-}" ] && keys+=("${c}_p_$1")
  done
  return 0
}
# one ps -a in each store first: a store in which it takes more than 10 s
# gets one round of its own, and that ps -a is its only sample
main=() slow=()
for n in "${hns[@]}"; do
  cur=n$n
  keys_at "$n"
  for k in "${keys[@]}"; do wrap "${k%_*}" "n$n" "$n"; done
  t0=$EPOCHREALTIME
  probe_ok=1
  h ps -a >/dev/null 2>>"$samples/ps_h_$n.err" || probe_ok=0
  probe=$(elapsed_us "$t0")
  if [ "$probe" -gt "$slow_us" ]; then
    slow+=("$n")
    note "N=$n: one round of its own, and the one ps -a (it took $(ms "$probe") ms)"
    if [ "$probe_ok" = 1 ]; then bench_sample "ps_h_$n" "$probe"; else bench_fail "ps_h_$n" "ps -a failed"; fi
  else
    main+=("$n")
  fi
done
# every command, at every N in turn
timed=()
for c in "${cmds[@]}"; do
  for n in "${main[@]}"; do
    timed+=("${c}_h_$n")
    [ -n "${with_p[$n]:-}" ] && timed+=("${c}_p_$n")
  done
done
echo "bench: scale, N=${main[*]}, $warmup warm-up + $runs runs, interleaved" >&2
bench_interleave "$runs" "$warmup" "${timed[@]}"
for n in "${slow[@]}"; do
  keys_at "$n"
  timed=()
  for k in "${keys[@]}"; do [ "$k" = "ps_h_$n" ] || timed+=("$k"); done
  echo "bench: scale, N=$n, one round" >&2
  bench_interleave 1 0 "${timed[@]}"
done

# remove every container (timed, for the notes)
rm_notes=()
for n in "${ns[@]}"; do
  t0=$EPOCHREALTIME
  rm_all "n$n"
  rm_notes+=("N=$n $(ms "$(elapsed_us "$t0")") ms")
  store_drop "n$n"
done
rm_list=$(printf '%s, ' "${rm_notes[@]}")
note "all containers removed (in each store hutch rm -f of all, podman rm -af -t 0): ${rm_list%, }"
notes_json=$(printf '%s\n' "N idle containers (create, never started) besides ONE (runs sleep 3600 when started)" \
  "a store per N, all filled first; then $runs rounds after $warmup warm-up, each with every command at every N in turn (N ascending, podman after hutch at each N)" \
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

# filling the largest store: first 100 (or half) against the last 100
fill_bench() {
  local e=$1 n=$2 name=$3 k
  k=$(((n / 2 < 100 ? n / 2 : 100) / batch))
  [ "$k" -gt 0 ] || return 0
  head -n "$k" "$samples/fill_${e}_$n" >"$samples/fill_${e}_first"
  tail -n "$k" "$samples/fill_${e}_$n" >"$samples/fill_${e}_last"
  fill_kv+=("fill_${e}_first=$name, first $((k * batch))" "fill_${e}_last=$name, last $((k * batch)) of $n")
  fill_comps+=("{\"a\": \"$name, last $((k * batch)) of $n\", \"b\": \"$name, first $((k * batch))\", \"goal\": null}")
  fill_runs=${fill_runs:-$(wc -l <"$samples/fill_${e}_$n")}
}
fill_kv=() fill_comps=() fill_runs=
nh=0 np=0
[ "${#hns[@]}" = 0 ] || nh=${hns[-1]}
[ "${#pns[@]}" = 0 ] || np=${pns[-1]}
fill_bench h "$nh" "hutch create"
[ "${#pns[@]}" -gt 0 ] && fill_bench p "$np" "podman create"
if [ "${#fill_kv[@]}" -gt 0 ]; then
  entries=$(bench_entries 1000 "${fill_kv[@]}")
  bench_write scale-fill "time per container while filling the largest store with idle containers" ms \
    "$fill_runs" 0 \
    "$entries" "$(printf '%s\n' "${fill_comps[@]}" | jq -sc .)" \
    "$(jq -nc --arg b "$batch" --arg j "$jobs" --arg th "${fill_ms[h_$nh]:--}" --arg tp "${fill_ms[p_$np]:--}" \
      --arg nh "$nh" --arg np "$np" '
      ["samples: batches of \($b) creates, \($j) at a time (BENCH_SCALE_JOBS); each is the batch time / \($b)",
       "hutch: \($nh) containers in \($th) ms, podman: \($np) in \($tp) ms",
       "last / first near 1: creating is linear in the number of containers"]')"
fi
