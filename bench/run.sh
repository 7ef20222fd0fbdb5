#!/bin/bash
# `make bench`: every benchmark in bench/ against BUILD_DIR's binaries, in
# one work dir (one bundle, one busybox image in one hutch and one podman
# store for all of them). Prints a summary table of the hutch/peer ratios
# and one detail table per benchmark (markdown), writes all of it as one
# JSON file bench/results/STAMP.json (gitignored), and puts the tables into
# bench/README.md between its bench:begin/bench:end markers.
#
#   bench/run.sh [BUILD_DIR]
#   BENCH_ONLY="runtime engine"   a subset of: runtime engine api pull build rootless
#                                 density scale (a subset does not touch the README)
#   BENCH_RUNS, BENCH_WARMUP, BENCH_PULL_RUNS, BENCH_DENSITY,
#   BENCH_DENSITY_PODMAN, BENCH_SCALE_N, BENCH_SCALE_RUNS,
#   BENCH_SCALE_PODMAN            see each script's header
source "$(dirname "$0")/lib.sh"
unset BENCH_WORK BENCH_OUT
bench_init "${1:-}"
export BENCH_WORK=$work BENCH_OUT=$work/out

parts=${BENCH_ONLY:-runtime engine api pull build density scale rootless}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$EPOCHREALTIME
failed=()
files=()
for p in $parts; do
  [ -x "$BENCH_HERE/$p.sh" ] || {
    echo "bench: no benchmark $p" >&2
    exit 2
  }
  echo "bench: == $p ==" >&2
  "$BENCH_HERE/$p.sh" "$build" || failed+=("$p")
done
# in the order the scripts wrote them
[ -f "$BENCH_OUT/order" ] && mapfile -t files <"$BENCH_OUT/order"
elapsed=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000000))
[ "${#files[@]}" -gt 0 ] || {
  echo "bench: no benchmark produced results" >&2
  exit 1
}

buildtype=$(jq -r '.[] | select(.name == "buildtype") | .value' "$build/meson-info/intro-buildoptions.json" 2>/dev/null)
mkdir -p "$BENCH_HERE/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$BENCH_HERE/results/$stamp.json
ver() { "$@" 2>/dev/null | head -n1; }
jq -s --arg date "$(date -u +%FT%TZ)" --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
  --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
  --arg lb "$load_before" --arg la "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson secs "$elapsed" \
  --arg hutch "$(ver "$build/hutch-runtime" --version)" --arg crun "$(ver crun --version)" \
  --arg runc "$(ver runc --version)" --arg podman "$(ver podman --version)" \
  --arg skopeo "$(ver skopeo --version)" --arg build "$build" \
  --arg buildtype "$buildtype" \
  --arg failed "${failed[*]}" '
  {date: $date, seconds: $secs, failed: ($failed | split(" ") | map(select(. != ""))),
   machine: {kernel: $kernel, cpus: $cpus, cpu: $cpu, loadavg_before: $lb, loadavg_after: $la},
   versions: {hutch: $hutch, crun: $crun, runc: $runc, podman: $podman, skopeo: $skopeo},
   build: {dir: $build, buildtype: $buildtype}, benchmarks: .}' "${files[@]}" >"$out"
cp "$out" "$BENCH_HERE/results/latest.json"

report() {
  echo "Run of $(date -u +%F) on $(nproc) cores ($(jq -r .machine.cpu "$out")), kernel $(uname -r);"
  echo "load average $load_before before, $(jq -r .machine.loadavg_after "$out") after; ${elapsed} s in all;"
  echo "hutch built with buildtype=${buildtype:-?}. $(jq -r '.versions | "\(.crun | split(" ")[-1] | "crun " + .), runc \(.runc | split(" ")[-1]), \(.podman), \(.skopeo | split(" ")[0:3] | join(" "))"' "$out")."
  echo
  bench_summary "${files[@]}"
  echo
  bench_table "${files[@]}"
}
report | tee "$work/report.md"
[ "${#failed[@]}" -gt 0 ] && echo "bench: failed: ${failed[*]}" >&2
echo "results: $out" >&2

# The README's table, on full runs only.
readme=$BENCH_HERE/README.md
if [ -z "${BENCH_ONLY:-}" ] && [ -f "$readme" ] && grep -q '^<!-- bench:begin -->$' "$readme"; then
  awk -v rep="$work/report.md" '
    /^<!-- bench:begin -->$/ { print; while ((getline l < rep) > 0) print l; skip = 1; next }
    /^<!-- bench:end -->$/ { skip = 0 }
    !skip' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
  echo "bench: updated the table in $readme" >&2
fi
[ "${#failed[@]}" = 0 ]
