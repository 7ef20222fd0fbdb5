#!/usr/bin/env bats
# hutch logs --since/--until (issue 15): RFC 3339 times, unix timestamps
# and relative durations as docker takes them, with --tail, -t and -f.

load helpers

setup() {
  engine_setup
  hutch run --name lw testimg sh -c 'echo one; sleep 1.1; echo two; sleep 1.1; echo three' >/dev/null
  # the times the monitor recorded, from logs -t
  mapfile -t T < <(hutch logs -t lw | awk '{print $1}')
  [ "${#T[@]}" -eq 3 ]
}

@test "--since and --until take RFC 3339 times, inclusive" {
  run hutch logs --since "${T[1]}" lw
  assert_success
  assert_output "$(printf 'two\nthree')"
  run hutch logs --until "${T[1]}" lw
  assert_output "$(printf 'one\ntwo')"
  run hutch logs --since "${T[1]}" --until "${T[1]}" -t lw
  assert_output "${T[1]} two"
}

@test "unix timestamps and relative durations" {
  two=$(date -d "${T[1]}" +%s.%N)
  run hutch logs --since "$two" lw
  assert_output "$(printf 'two\nthree')"
  run hutch logs --since 1h lw
  assert_output "$(printf 'one\ntwo\nthree')"
  run hutch logs --until 1h lw
  assert_success
  assert_output ""
}

@test "--tail picks the last lines first, then the window applies" {
  run hutch logs --tail 2 --until "${T[1]}" lw
  assert_output "two"
  run hutch logs -n 1 --since "${T[0]}" lw
  assert_output "three"
}

@test "-f stops at --until; a bad time is refused" {
  hutch_bg run -d --name lf testimg sh -c 'echo a; sleep 100'
  wait_for_log lf a
  until=$(($(date +%s) + 2))
  start=$(date +%s)
  run hutch logs -f --until "$until" lf
  assert_success
  assert_output "a"
  [ $(($(date +%s) - start)) -le 5 ]
  run hutch logs --since tomorrow lw
  assert_failure 1
  assert_output --partial 'invalid value for "since"'
}
