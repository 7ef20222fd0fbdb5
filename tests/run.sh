#!/bin/bash
# Runs hutch's tests and counts them: every unit test binary in
# BUILD_DIR/tests/unit (TAP) and every bats suite under tests/integration
# (bats --tap, one suite file at a time) and every exploit suite under
# tests/security. Prints a line per binary/suite, the
# details of every failure, and ends with exactly one summary line:
#   N passed, N failed[, N skipped]
# Exits non-zero if anything failed. A binary or suite that crashes, times
# out, or runs fewer tests than it planned counts as a failure.
#
#   tests/run.sh BUILD_DIR [unit|integration] [SUITE_FILTER]
# SUITE_FILTER (a substring of the suite path) limits the bats suites run.
set -uo pipefail

usage() {
  echo "usage: $0 BUILD_DIR [unit|integration|all] [SUITE_FILTER]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || {
  echo "run.sh: build dir $1 does not exist (make build first)" >&2
  exit 2
}
what=${2:-all}
filter=${3:-}
case "$what" in unit | integration | all) ;; *) usage ;; esac

export HUTCH_SRC=$src HUTCH_BUILD=$build
export HUTCH_RUNTIME=$build/hutch-runtime HUTCH=$build/hutch
unit_timeout=${HUTCH_UNIT_TIMEOUT:-300}
suite_timeout=${HUTCH_SUITE_TIMEOUT:-1200}

passed=0 failed=0 skipped=0
details=$(mktemp)
trap 'rm -f "$details"' EXIT

# count NAME RC OUTPUT_FILE: tally one TAP stream; a stream with no failing
# test but a bad exit status or a short plan adds one failure for NAME.
count() {
  local name=$1 rc=$2 out=$3
  local p=0 f=0 s=0 plan=-1 line in_fail=0
  while IFS= read -r line; do
    if [[ "$line" =~ ^not\ ok ]]; then
      f=$((f + 1))
      in_fail=1
      echo "--- $name: $line" >>"$details"
    elif [[ "$line" =~ ^ok ]]; then
      in_fail=0
      if [[ "$line" =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
        s=$((s + 1))
      else
        p=$((p + 1))
      fi
    elif [[ "$line" =~ ^1\.\.([0-9]+) ]]; then
      plan=${BASH_REMATCH[1]}
      in_fail=0
    elif [ "$in_fail" = 1 ]; then
      echo "    $line" >>"$details"
    fi
  done <"$out"
  local ran=$((p + f + s)) problem=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    problem="timed out"
  elif [ "$plan" -lt 0 ]; then
    problem="no TAP plan (exit status $rc)"
  elif [ "$ran" -ne "$plan" ]; then
    problem="ran $ran of $plan planned tests (exit status $rc)"
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    problem="exit status $rc with no failing test"
  fi
  if [ -n "$problem" ]; then
    f=$((f + 1))
    {
      echo "--- $name: $problem; its output:"
      sed 's/^/    /' "$out" | tail -n 40
    } >>"$details"
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
  printf '%-50s %3d passed, %d failed%s\n' "$name" "$p" "$f" "$([ "$s" -gt 0 ] && echo ", $s skipped")"
}

run_unit() {
  local t out rc found=0
  out=$(mktemp)
  for t in "$build"/tests/unit/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    found=1
    rc=0
    (cd "$build/tests/unit" && timeout -k 10 "$unit_timeout" "$t") >"$out" 2>&1 </dev/null || rc=$?
    count "unit/$(basename "$t")" "$rc" "$out"
  done
  rm -f "$out"
  if [ "$found" = 0 ]; then
    echo "--- unit: no test binaries in $build/tests/unit (is the build complete?)" >>"$details"
    failed=$((failed + 1))
  fi
}

run_integration() {
  local suite out rc name
  if ! command -v bats >/dev/null; then
    echo "--- integration: bats is not installed (tests/fixtures/deps.sh test)" >>"$details"
    failed=$((failed + 1))
    return
  fi
  out=$(mktemp)
  while IFS= read -r suite; do
    name=${suite#"$src/tests/"}
    name=${name#integration/}
    [ -z "$filter" ] || [[ "$name" == *"$filter"* ]] || continue
    rc=0
    # Suites run from the repo root, one at a time: several of them use
    # host-wide resources (cgroups, the registry port, bridges).
    (cd "$src" && timeout -k 10 "$suite_timeout" bats --tap "$suite") >"$out" 2>&1 </dev/null || rc=$?
    count "$name" "$rc" "$out"
  done < <(find "$src/tests/integration" "$src/tests/security" -name '*.bats' -type f 2>/dev/null | sort)
  rm -f "$out"
}

case "$what" in
  unit) run_unit ;;
  integration) run_integration ;;
  all)
    run_unit
    run_integration
    ;;
esac

if [ -s "$details" ]; then
  echo
  echo "Failures:"
  cat "$details"
  echo
fi
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
