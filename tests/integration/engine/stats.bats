#!/usr/bin/env bats
# docker stats (issue 15): docker's columns and arithmetic, --no-stream,
# --no-trunc, -a, --format, on this host's cgroup layout.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

HEADER_RE='^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'

@test "stats --no-stream: docker's columns, the host's memory for an unlimited container" {
  hutch_bg run -d --name idle --network none testimg sleep 60
  hutch_bg run -d --name lim --network none -m 64m testimg sh -c 'sleep 60 & sleep 60 & wait'
  run hutch stats --no-stream
  assert_success
  assert_line --index 0 --regexp "$HEADER_RE"
  local host
  host=$(awk '/MemTotal/ {printf "%.4g", $2 / 1048576}' /proc/meminfo)
  assert_line --regexp "^[0-9a-f]{12} +idle +[0-9]+\.[0-9]{2}% +[0-9.]+[KMG]?i?B / ${host}GiB +[0-9]+\.[0-9]{2}% +0B / 0B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +1$"
  assert_line --regexp "^[0-9a-f]{12} +lim +[0-9.]+% +[0-9.]+[KM]iB / 64MiB +[0-9.]+% .* 3$"
  refute_output --partial 8796093022208
  assert_equal "${#lines[@]}" 3
}

@test "stats: CPU % as docker computes it, a busy container near a whole CPU" {
  hutch_bg run -d --name busy --network none testimg sh -c 'while :; do :; done'
  run hutch stats --no-stream --format '{{.CPUPerc}}' busy
  assert_success
  local pct=${output%\%}
  # one busy loop: a share of one CPU (the machine may be shared), never above 100%
  awk -v p="$pct" 'BEGIN { exit !(p > 5 && p <= 101) }'
}

@test "stats: NET I/O counts the container's interfaces" {
  hutch_bg run -d --name net testimg sleep 60
  "$HUTCH" exec net ping -c 3 -W 1 "$("$HUTCH" inspect -f '{{.NetworkSettings.IPAddress}}' net)" >/dev/null || true
  "$HUTCH" exec net sh -c 'ping -c 2 -W 1 $(ip route | awk "/default/ {print \$3}")' >/dev/null || true
  run hutch stats --no-stream --format '{{.NetIO}}' net
  assert_success
  refute_output "0B / 0B"
}

@test "stats: BLOCK I/O and PIDS follow the container" {
  hutch_bg run -d --name pids --network none testimg sh -c 'for i in 1 2 3 4; do sleep 60 & done; wait'
  run hutch stats --no-stream --format '{{.PIDs}}' pids
  assert_output 5
}

@test "stats -a shows stopped ones; --no-trunc the full id; names and errors" {
  hutch_bg run -d --name up --network none testimg sleep 60
  hutch create --name down testimg true
  run hutch stats --no-stream
  refute_output --partial down
  run hutch stats --no-stream -a --no-trunc
  assert_line --regexp "^[0-9a-f]{64} +down +0\.00% +0B / 0B +0\.00% +0B / 0B +0B / 0B +0$"
  assert_line --regexp "^[0-9a-f]{64} +up "
  run hutch stats --no-stream --format '{{.Container}} {{.Name}} {{.ID}}' up
  assert_output --regexp "^up up [0-9a-f]{12}$"
  run hutch stats --no-stream nosuch
  assert_failure 1
  assert_output "hutch: No such container: nosuch"
}

@test "stats --format table: a header from the same template, aligned as docker's tabwriter" {
  hutch_bg run -d --name a1 --network none testimg sleep 60
  run hutch stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}\t{{.MemPerc}}'
  assert_success
  assert_line --index 0 --regexp "^NAME +PIDS +MEM %$"
  assert_line --index 1 --regexp "^a1 {8}1 {9}[0-9.]+%$"
  run hutch stats --no-stream --format '{{json .}}' a1
  echo "$output" | jq -e '.Name == "a1" and (.MemUsage | test(" / ")) and .PIDs == "1"'
  run hutch stats --no-stream --format '{{.Nope' a1
  assert_failure 1
}

@test "stats streams until interrupted, redrawing each second" {
  hutch_bg run -d --name s1 --network none testimg sleep 60
  run timeout -s INT 3.5 "$HUTCH" stats s1
  assert_equal "$status" 124
  [ "$(grep -c 's1' <<<"$output")" -ge 2 ]
  assert_output --partial $'\033[2J\033[H'
}
