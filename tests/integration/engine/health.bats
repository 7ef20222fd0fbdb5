#!/usr/bin/env bats
# Health checks (issue 15): --health-* and the image's HEALTHCHECK, run by
# the container's monitor through the exec path, the status in ps
# ("Up … (healthy)") and inspect's State.Health, stored in state.db.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# wait_health NAME STATUS: until State.Health.Status is STATUS
wait_health() { wait_inspect "$1" '{{.State.Health.Status}}' "$2"; }

@test "--health-cmd: starting, unhealthy after the retries, healthy once it passes" {
  hutch_bg run -d --name h --network none --health-cmd 'echo probe; test -f /tmp/ok' \
    --health-interval 500ms --health-retries 2 testimg sleep 60
  run hutch ps
  assert_output --regexp "Up .* \(health: starting\)"
  wait_health h unhealthy
  run hutch ps
  assert_output --regexp "Up .* \(unhealthy\)"
  "$HUTCH" exec h touch /tmp/ok
  wait_health h healthy
  run hutch ps
  assert_output --regexp "Up .* \(healthy\)"
  run "$HUTCH" inspect h
  local health
  health=$(echo "$output" | jq -c '.[0].State.Health')
  assert_equal "$(echo "$health" | jq -r .FailingStreak)" 0
  assert_equal "$(echo "$health" | jq -r '.Log[-1].ExitCode')" 0
  assert_equal "$(echo "$health" | jq -r '.Log[-1].Output')" "probe"
  assert_equal "$(echo "$health" | jq -r '.Log[0].ExitCode')" 1
  [ "$(echo "$health" | jq '.Log | length')" -le 5 ]
  echo "$health" | jq -e '.Log[-1].Start | test("^[0-9-]+T[0-9:.]+Z$")'
  assert_equal "$("$HUTCH" inspect -f '{{json .Config.Healthcheck}}' h | jq -cS .)" \
    '{"Interval":500000000,"Retries":2,"StartPeriod":0,"Test":["CMD-SHELL","echo probe; test -f /tmp/ok"],"Timeout":0}'
  # the results are rows of state.db, not files
  run sqlite3 "$HUTCH_ROOT/state.db" "SELECT health_status FROM containers WHERE name='h'"
  assert_output healthy
}

@test "the log keeps the last five results; a timeout is docker's message" {
  hutch_bg run -d --name ht --network none --health-cmd 'sleep 5' --health-interval 300ms \
    --health-timeout 200ms --health-retries 1 testimg sleep 60
  wait_health ht unhealthy
  local i
  for i in $(seq 100); do
    [ "$("$HUTCH" inspect ht | jq '.[0].State.Health.Log | length')" -ge 5 ] && break
    sleep 0.1
  done
  sleep 1
  run "$HUTCH" inspect ht
  assert_equal "$(echo "$output" | jq '.[0].State.Health.Log | length')" 5
  assert_equal "$(echo "$output" | jq -r '.[0].State.Health.Log[0].ExitCode')" -1
  assert_equal "$(echo "$output" | jq -r '.[0].State.Health.Log[0].Output')" \
    "Health check exceeded timeout (0s)"
  [ "$(echo "$output" | jq -r '.[0].State.Health.FailingStreak')" -ge 5 ]
  run sqlite3 "$HUTCH_ROOT/state.db" \
    "SELECT count(*) FROM container_health_log l JOIN containers c USING (id) WHERE c.name='ht'"
  assert_output 5
}

@test "--health-start-period: failures in it do not count" {
  hutch_bg run -d --name hs --network none --health-cmd false --health-interval 300ms \
    --health-retries 1 --health-start-period 3s testimg sleep 60
  sleep 1.5
  assert_equal "$("$HUTCH" inspect -f '{{.State.Health.Status}}' hs)" starting
  assert_equal "$("$HUTCH" inspect -f '{{.State.Health.FailingStreak}}' hs)" 0
  wait_health hs unhealthy
}

@test "the image's HEALTHCHECK runs; the flags override it; --no-healthcheck drops it" {
  "$HUTCH" save -o "$TEST_DIR/base.tar" testimg
  python3 "$FIXTURES/setconfig.py" "$TEST_DIR/base.tar" "$TEST_DIR/hc.tar" hcimg:latest \
    '{"Healthcheck": {"Test": ["CMD", "/bin/true"], "Interval": 400000000, "Retries": 2}}'
  "$HUTCH" load -i "$TEST_DIR/hc.tar" >/dev/null
  TEST_IMAGES=hcimg:latest
  hutch_bg run -d --name hi --network none hcimg sleep 60
  wait_health hi healthy
  assert_equal "$("$HUTCH" inspect -f '{{json .Config.Healthcheck.Test}}' hi)" '["CMD","/bin/true"]'
  hutch_bg run -d --name ho --network none --health-cmd false hcimg sleep 60
  wait_health ho unhealthy
  assert_equal "$("$HUTCH" inspect -f '{{.Config.Healthcheck.Interval}}' ho)" 400000000
  hutch_bg run -d --name hn --network none --no-healthcheck hcimg sleep 60
  assert_equal "$("$HUTCH" inspect -f '{{json .Config.Healthcheck.Test}}' hn)" '["NONE"]'
  assert_equal "$("$HUTCH" inspect hn | jq '.[0].State.Health')" null
  run hutch ps --filter name=hn
  refute_output --partial health
}

@test "health flags are checked as docker checks them" {
  run hutch run --rm --health-interval 5 testimg true
  assert_failure 125
  assert_line 'invalid argument "5" for "--health-interval" flag: time: invalid duration "5"'
  run hutch run --rm --no-healthcheck --health-cmd true testimg true
  assert_failure 125
  assert_output --partial "--no-healthcheck conflicts with --health-* options"
  run hutch run --rm --health-retries -1 testimg true
  assert_failure 125
  assert_output "hutch: --health-retries cannot be negative"
  run hutch run --rm --health-interval 100us testimg true
  assert_failure 125
  assert_output "hutch: Interval in Healthcheck cannot be less than 1ms"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 0
}

@test "a restarted container's health starts over" {
  hutch_bg run -d --name hr --network none --health-cmd true --health-interval 300ms testimg sleep 60
  wait_health hr healthy
  hutch stop -t 0 hr
  hutch_bg start hr
  assert_equal "$("$HUTCH" inspect -f '{{.State.Health.Status}}' hr)" starting
  wait_health hr healthy
}
