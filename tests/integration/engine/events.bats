#!/usr/bin/env bats
# hutch events (issue 15): the journal the commands append to, read back
# with --since/--until, docker's filters and --format, and followed live.

load helpers

# since: a unix time with nanoseconds, taken before the test acts
mark() { date +%s.%N; }

@test "a container's life: create, start, die with its exit code, rename, destroy" {
  t0=$(mark)
  run hutch run --name ev1 -l team=blue testimg sh -c 'exit 3'
  assert_failure 3
  hutch rename ev1 ev2
  hutch rm ev2 >/dev/null
  run hutch events --since "$t0" --until 0s --filter type=container
  assert_success
  id=$(echo "$output" | awk 'NR==1 {print $4}')
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  # docker's line: RFC3339Nano time, type, action, id, sorted attributes
  [[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ container\ create\ $id\ \(image=testimg,\ name=ev1,\ team=blue\)$ ]]
  [[ "${lines[1]}" == *" container start $id (image=testimg, name=ev1, team=blue)" ]]
  [[ "${lines[2]}" == *" container die $id (exitCode=3, image=testimg, name=ev1, team=blue)" ]]
  [[ "${lines[3]}" == *" container rename $id (image=testimg, name=ev2, oldName=/ev1, team=blue)" ]]
  [[ "${lines[4]}" == *" container destroy $id (image=testimg, name=ev2, team=blue)" ]]
  [ "${#lines[@]}" -eq 5 ]
}

@test "filters: container, event, label, image, type; values of one key are alternatives" {
  t0=$(mark)
  hutch run --name fa -l app=x testimg true
  hutch run --name fb testimg sh -c 'exit 1' || true
  run hutch events --since "$t0" --until 0s --filter container=fa --filter event=die
  assert_success
  assert_output --regexp '^.* container die [0-9a-f]{64} \(app=x, exitCode=0, image=testimg, name=fa\)$'
  run hutch events --since "$t0" --until 0s --filter event=die --format '{{.Actor.Attributes.name}}={{.Actor.Attributes.exitCode}}'
  assert_success
  assert_output "$(printf 'fa=0\nfb=1')"
  run hutch events --since "$t0" --until 0s --filter label=app=x --filter event=start --format '{{.Actor.Attributes.name}}'
  assert_output "fa"
  run hutch events --since "$t0" --until 0s --filter container=fa --filter container=fb --filter event=create --format '{{.Actor.Attributes.name}}'
  assert_output "$(printf 'fa\nfb')"
  run hutch events --since "$t0" --until 0s --filter image=testimg:latest --filter event=create --format '{{.status}} {{.from}}'
  assert_output "$(printf 'create testimg\ncreate testimg')"
  run hutch events --since "$t0" --until 0s --filter type=image
  assert_output ""
}

@test "--format json is docker's message; bad filters and times are refused" {
  t0=$(mark)
  hutch run --name fj testimg true
  run hutch events --since "$t0" --until 0s --filter event=start --format json
  assert_success
  echo "$output" | python3 -c '
import json, sys
m = json.loads(sys.stdin.read())
assert m["Type"] == "container" and m["Action"] == "start" and m["status"] == "start", m
assert m["Actor"]["Attributes"]["name"] == "fj" and m["from"] == "testimg", m
assert m["scope"] == "local" and m["time"] == m["timeNano"] // 10**9, m'
  run hutch events --filter colour=red --until 0s
  assert_failure 1
  assert_output "hutch: invalid filter 'colour'"
  run hutch events --since yesterday --until 0s
  assert_failure 1
  assert_output --partial 'invalid value for "--since"'
}

@test "since and until bound the window; relative durations work" {
  hutch run --name w1 testimg true
  sleep 1.2
  t1=$(mark)
  hutch run --name w2 testimg true
  run hutch events --since "$t1" --until 0s --filter event=create --format '{{.Actor.Attributes.name}}'
  assert_output "w2"
  run hutch events --since 1h --until "$t1" --filter container=w1 --filter container=w2 --filter event=create --format '{{.Actor.Attributes.name}}'
  assert_output "w1"
  run hutch events --since 1h --until 0s --filter container=w1 --filter container=w2 --filter event=create --format '{{.Actor.Attributes.name}}'
  assert_output "$(printf 'w1\nw2')"
}

@test "follows new events until --until, without busy polling" {
  out=$TEST_DIR/events.out
  # a relative --until is before now, as docker's: give a time
  "$HUTCH" events --until $(($(date +%s) + 4)) --filter type=container --format '{{.status}} {{.Actor.Attributes.name}}' >"$out" 2>&1 3>&- &
  pid=$!
  sleep 0.5
  # waiting in poll(): the follower is asleep, not spinning
  state=$(awk '{print $3}' "/proc/$pid/stat")
  [ "$state" = S ]
  hutch run --name live testimg true
  for _ in $(seq 50); do grep -q "die live" "$out" && break; sleep 0.1; done
  run cat "$out"
  assert_line "create live"
  assert_line "start live"
  assert_line "die live"
  # it ends by itself at --until
  wait "$pid"
}

@test "stop, kill, pause, unpause and exec record docker's events" {
  t0=$(mark)
  hutch_bg run -d --name act testimg sleep 100
  hutch pause act
  hutch unpause act
  hutch exec act sh -c 'exit 4' || true
  hutch stop -t 1 act
  run hutch events --since "$t0" --until 0s --filter container=act --format '{{.Action}} {{.Actor.Attributes.exitCode}}'
  assert_success
  assert_output "$(printf 'create <no value>\nstart <no value>\npause <no value>\nunpause <no value>\nexec_create: sh -c exit 4 <no value>\nexec_start: sh -c exit 4 <no value>\nexec_die 4\nkill <no value>\nkill <no value>\ndie 137\nstop <no value>')"
  run hutch events --since "$t0" --until 0s --filter event=kill --format '{{.Actor.Attributes.signal}}'
  # sleep as pid 1 ignores SIGTERM: SIGKILL follows the timeout
  assert_output "$(printf '15\n9')"
}

@test "image and volume events: tag, untag, volume create and destroy" {
  t0=$(mark)
  hutch tag testimg evtag:1
  hutch rmi evtag:1
  hutch volume create evvol
  hutch volume rm evvol
  run hutch events --since "$t0" --until 0s --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
  assert_success
  assert_output "$(printf 'image tag evtag:1\nimage untag docker.io/library/evtag:1\nvolume create <no value>\nvolume destroy <no value>')"
  run hutch events --since "$t0" --until 0s --filter volume=evvol --format '{{.Action}} {{.Actor.ID}}'
  assert_output "$(printf 'create evvol\ndestroy evvol')"
}

@test "volume mount events as a container starts; network create, connect, destroy" {
  t0=$(mark)
  hutch run --name vm -v evdata:/data:ro testimg true
  id=$(hutch inspect vm -f '{{.Id}}')
  run hutch events --since "$t0" --until 0s --filter type=volume
  assert_success
  assert_line --index 0 --regexp "^.* volume create evdata \(driver=local\)$"
  assert_line --index 1 --regexp "^.* volume mount evdata \(container=$id, destination=/data, driver=local, propagation=, read/write=false\)$"
  hutch rm vm
  hutch volume rm evdata
  t1=$(mark)
  hutch network create --subnet 10.196.$((RANDOM % 200 + 20)).0/24 evnet >/dev/null
  hutch create --name nc testimg true >/dev/null
  hutch network connect evnet nc
  hutch network disconnect evnet nc
  hutch rm nc
  hutch network rm evnet
  run hutch events --since "$t1" --until 0s --filter type=network --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}'
  assert_success
  cid=$(hutch events --since "$t1" --until 0s --filter event=create --filter type=container --format '{{.Actor.ID}}')
  assert_output "$(printf 'create evnet <no value>\nconnect evnet %s\ndisconnect evnet %s\ndestroy evnet <no value>' "$cid" "$cid")"
}
