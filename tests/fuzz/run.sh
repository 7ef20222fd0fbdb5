#!/bin/bash
# Run every libFuzzer target of a -Dfuzz=true build for SECONDS each, from
# its seed corpus in tests/fuzz/corpus/<name>/. What a run finds goes into
# BUILD/fuzz/<target>/ (new corpus entries, crash-*/leak-*/timeout-*/slow-*
# inputs); the seed corpus is never written. Exits non-zero when a target
# crashed, leaked or timed out, naming the input that did it.
#   tests/fuzz/run.sh BUILD [SECONDS] [TARGET...]
set -uo pipefail

build=${1:?usage: $0 BUILD [SECONDS] [TARGET...]}
seconds=${2:-60}
shift $(($# > 1 ? 2 : 1))
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$build" && pwd)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$f" ] && [ -f "$f" ] && targets+=("$(basename "$f")")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $build/tests/fuzz" >&2; exit 1; }

failed=()
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  out=$build/fuzz/$t
  mkdir -p "$out/corpus"
  # absolute artifact prefix: fuzz_unpack changes its cwd during a run
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/" \
    "$out/corpus" "$src/corpus/$name" >"$out/log" 2>&1
  rc=$?
  runs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$out/log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$out/log" | tail -1)
  if [ $rc -ne 0 ]; then
    echo "FAIL $t (exit $rc): see $out/log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$out/log" | head -3
    ls "$out" | grep -E '^(crash|leak|timeout|oom)-' | sed "s|^|  input: $out/|"
    failed+=("$t")
  else
    echo "ok   $t: ${runs:-?}s, ${cov:-?}"
  fi
  slow=$(ls "$out" | grep -c '^slow-unit-' || true)
  [ "$slow" -eq 0 ] || echo "     $slow slow input(s) in $out/slow-unit-*"
done
# fuzz_unpack's fixed decoy (see fuzz_unpack.c)
rm -rf /tmp/hutch-fuzz-sentinel
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
