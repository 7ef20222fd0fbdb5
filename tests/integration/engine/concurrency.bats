#!/usr/bin/env bats
# Many hutch commands at once on one store (issue 13): the state database
# serialises their writes, names are reserved by a unique row, and no
# command sees another's half-made container.

load helpers

setup() { engine_setup; }
teardown() { engine_teardown; }

# Every container dir has its record, every record its dir.
assert_consistent() {
  local ids dirs
  ids=$("$HUTCH" ps -aq --no-trunc | sort)
  dirs=$(ls -A "$HUTCH_ROOT/containers" | sort)
  assert_equal "$dirs" "$ids"
}

@test "20 concurrent run -d, then 20 concurrent rm -f: every one succeeds, nothing is left" {
  local i pids=() failed=0
  for i in $(seq 1 20); do
    hutch_bg run -d --network none --name "c$i" testimg sleep 600 >"$TEST_DIR/run$i" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { failed=1; cat "$TEST_DIR/run$((i + 1))" >&2; }; done
  [ "$failed" = 0 ]
  run hutch ps -q
  assert_equal "$(wc -l <<<"$output")" 20
  assert_consistent
  pids=()
  for i in $(seq 1 20); do
    hutch rm -f "c$i" >"$TEST_DIR/rm$i" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { failed=1; cat "$TEST_DIR/rm$((i + 1))" >&2; }; done
  [ "$failed" = 0 ]
  run hutch ps -aq
  assert_output ""
  [ -z "$(ls -A "$HUTCH_ROOT/containers")" ]
}

@test "20 concurrent create --name same: exactly one wins, the others get docker's conflict" {
  local i wins=0 conflicts=0
  for i in $(seq 1 20); do
    hutch create --network none --name same testimg true >"$TEST_DIR/out$i" 2>"$TEST_DIR/err$i" &
  done
  wait || true
  for i in $(seq 1 20); do
    if [ -s "$TEST_DIR/out$i" ]; then
      wins=$((wins + 1))
    elif grep -q 'Conflict. The container name "/same" is already in use by another container' "$TEST_DIR/err$i"; then
      conflicts=$((conflicts + 1))
    else
      echo "create $i: $(cat "$TEST_DIR/err$i")" >&2
    fi
  done
  assert_equal "$wins" 1
  assert_equal "$conflicts" 19
  run hutch ps -aq
  assert_equal "$(wc -l <<<"$output")" 1
  assert_consistent
}

@test "rename races: two renames to one name, exactly one wins" {
  hutch create --network none --name r1 testimg true
  hutch create --network none --name r2 testimg true
  hutch rename r1 target >"$TEST_DIR/a" 2>&1 &
  hutch rename r2 target >"$TEST_DIR/b" 2>&1 &
  wait || true
  run hutch ps -a --format json
  assert_equal "$(grep -c '"Names":"target"' <<<"$output")" 1
  assert_equal "$(cat "$TEST_DIR/a" "$TEST_DIR/b" | grep -c 'already in use')" 1
}
