#!/usr/bin/env bats
# Flags whose effect the other suites do not show: --label, --stop-signal,
# --memory-swap, --device; exec -t/-it; inspect -f templates and inspect
# of an image.

load helpers
bats_require_minimum_version 1.5.0

@test "--label shows in inspect, with the image's labels" {
  id=$(hutch_bg run -d --network none --label tier=web --label empty testimg true)
  run hutch wait "$id"
  run bash -c "$HUTCH inspect $id | jq -c '.[0].Config.Labels'"
  assert_output '{"empty":"","tier":"web"}'
  run hutch inspect -f '{{.Config.Labels.tier}}' "$id"
  assert_output web
}

@test "--stop-signal USR1 is what stop delivers" {
  id=$(hutch_bg run -d --network none --stop-signal USR1 testimg sh -c 'trap "echo got USR1; exit 5" USR1; trap "echo got TERM; exit 6" TERM; echo ready; while :; do sleep 0.1; done')
  wait_for_log "$id" ready
  run hutch inspect -f '{{.Config.StopSignal}}' "$id"
  assert_output USR1
  run hutch stop -t 10 "$id"
  assert_success
  wait_for_log "$id" "got USR1"
  run hutch logs "$id"
  refute_output --partial "got TERM"
  run hutch inspect -f '{{.State.ExitCode}}' "$id"
  assert_output 5
}

@test "--memory-swap sets memory.memsw.limit_in_bytes" {
  id=$(hutch_bg run -d --network none --memory 32m --memory-swap 64m testimg sleep 30)
  assert_equal "$(cat /sys/fs/cgroup/memory/hutch/$id/memory.limit_in_bytes)" $((32 * 1024 * 1024))
  assert_equal "$(cat /sys/fs/cgroup/memory/hutch/$id/memory.memsw.limit_in_bytes)" $((64 * 1024 * 1024))
  run hutch inspect -f '{{.HostConfig.MemorySwap}}' "$id"
  assert_output $((64 * 1024 * 1024))
  run hutch rm -f "$id"
  assert_success
  [ ! -d "/sys/fs/cgroup/memory/hutch/$id" ]
}

@test "--device /dev/null:/dev/xnull is there and usable" {
  run hutch run --rm --network none --device /dev/null:/dev/xnull testimg sh -c 'stat -c "%t:%T %F" /dev/xnull; echo gone >/dev/xnull && cat /dev/xnull && echo usable'
  assert_success
  assert_output "$(printf '1:3 character special file\nusable')"
  # without it there is no such device
  run hutch run --rm --network none testimg test -e /dev/xnull
  assert_failure
}

@test "exec -t gives a terminal, -it passes input and restores ours" {
  id=$(hutch_bg run -d --network none testimg sleep 60)
  run timeout 60 script -qec "$HUTCH exec -t $id sh -c 'tty; hutch-helper isatty 0; exit 4'" /dev/null </dev/null
  assert_equal "$status" 4
  assert_output --partial "/dev/pts/"
  assert_line --partial "1"
  # the input goes to the process, our terminal settings are back after
  run timeout 60 script -qec "stty -g >$TEST_DIR/before; $HUTCH exec -it $id sh -c 'read l; echo got-\$l; exit 2'; echo rc=\$?; stty -g >$TEST_DIR/after" /dev/null <<<"line"
  assert_output --partial "got-line"
  assert_output --partial "rc=2"
  assert_equal "$(cat "$TEST_DIR/after")" "$(cat "$TEST_DIR/before")"
  # without -t, no terminal
  run hutch exec "$id" hutch-helper isatty 0
  assert_output 0
}

@test "inspect -f: paths, json, several containers; inspect of an image" {
  id=$(hutch_bg run -d --network none --name fmt testimg sleep 30)
  run hutch inspect -f '{{.State.Status}}' fmt
  assert_success
  assert_output running
  run hutch inspect --format '{{.Name}} {{.State.Running}} pid={{.State.Pid}}' fmt
  assert_output --regexp '^/fmt true pid=[0-9]+$'
  run hutch inspect -f '{{json .State}}' fmt
  assert_equal "$(echo "$output" | jq -r .Status)" running
  run hutch inspect -f '{{json .Config.Cmd}}' fmt
  assert_output '["sleep","30"]'
  run hutch inspect -f '{{.Id}}' fmt "${id:0:8}"
  assert_output "$(printf '%s\n%s' "$id" "$id")"
  # docker: the raw JSON with missingkey=error; a label that is not there is no value
  run hutch inspect -f '{{.NoSuchField}}' fmt
  assert_equal "$status" 1
  assert_output 'hutch: template parsing error: template: :1:2: executing "" at <.NoSuchField>: map has no entry for key "NoSuchField"'
  run hutch inspect -f '{{.Config.Labels.nope}}' fmt
  assert_success
  assert_output '<no value>'
  run hutch inspect -f '{{.State.Status' fmt
  assert_equal "$status" 1
  # an image falls through to image inspect
  run bash -c "$HUTCH inspect testimg | jq -r '.[0].RepoTags[0]'"
  assert_output --partial testimg
  run hutch inspect -f '{{.Id}}' testimg
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  run hutch inspect nosuchthing
  assert_equal "$status" 1
  assert_output --partial "No such object"
}
