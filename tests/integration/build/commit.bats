#!/usr/bin/env bats
# hutch commit (issue 18): a container's changes (added, changed and
# deleted files, an opaque directory) as a new layer that `hutch run`
# sees, config changes from -c, the message and author in the history.

load helpers

setup_file() { build_setup_file; }
setup() { build_setup; }
teardown() { build_teardown; }

@test "commit: added, changed and deleted files become a layer that run sees" {
  hutch run --name c1 --network none busybox sh -c \
    'echo hello >/hello; echo changed >/etc/motd; rm /bin/vi; mkdir -p /d/e; touch /d/e/x'
  run hutch commit c1 committed:v1
  assert_success
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  run crun committed:v1 sh -c 'cat /hello /etc/motd; ls /d/e; [ -e /bin/vi ] || echo vi-gone'
  assert_success
  assert_output $'hello\nchanged\nx\nvi-gone'
  # one layer more than busybox, and the layer holds the whiteout
  [ "$(cfg committed:v1 '.RootFS.Layers | length')" = 2 ]
  hutch rm c1
}

@test "commit: an emptied and re-made directory is opaque in the layer" {
  hutch run --name c2a --network none busybox sh -c 'mkdir -p /o/sub; touch /o/a /o/sub/b'
  hutch commit c2a base2
  hutch run --name c2 --network none base2 sh -c 'rm -rf /o; mkdir /o; echo only >/o/only'
  hutch commit c2 opq
  run crun opq ls -R /o
  assert_success
  assert_output $'/o:\nonly'
  hutch rm c2 c2a
}

@test "commit: -c changes the config, -m and -a go into the history" {
  hutch run --name c3 --network none busybox true
  run hutch commit -c 'CMD ["echo", "from-cmd"]' -c 'ENV A=1 B="two words"' \
    -c 'EXPOSE 8080' -c 'WORKDIR /tmp' -c 'LABEL k=v' -c 'USER 1:2' \
    -m 'my message' -a 'Me <me@x>' c3 cfgimg
  assert_success
  run crun cfgimg
  assert_output from-cmd
  run crun cfgimg sh -c 'echo "$A|$B|$(pwd)|$(id -u):$(id -g)"'
  assert_output '1|two words|/tmp|1:2'
  [ "$(cfg cfgimg '.Config.ExposedPorts')" = '{"8080/tcp":{}}' ]
  [ "$(cfg cfgimg '.Config.Labels.k')" = '"v"' ]
  [ "$(cfg cfgimg '.Author')" = '"Me <me@x>"' ]
  run hutch history cfgimg
  assert_line --index 1 --regexp "^$(cfg cfgimg .Id | cut -c9-20) .* my message\$"
  [ "${#lines[@]}" = 3 ]
  hutch rm c3
}

@test "commit: an instruction -c does not take is refused, nothing is stored" {
  hutch run --name c4 --network none busybox true
  local before
  before=$(hutch images -q | wc -l)
  run hutch commit -c 'RUN echo x' c4 bad
  assert_failure 1
  assert_output 'hutch: change "RUN echo x": RUN is not a valid change command'
  run hutch commit -c 'BOGUS x' c4 bad
  assert_failure 1
  assert_output --partial 'unknown instruction: BOGUS'
  [ "$(hutch images -q | wc -l)" = "$before" ]
  run hutch commit nosuch x
  assert_failure 1
  hutch rm c4
}

@test "commit: a running container is paused meanwhile and goes on running" {
  hutch run -d --name c5 --network none busybox sh -c 'echo run >/ran; sleep 100'
  sleep 0.5
  run hutch commit c5 live
  assert_success
  [ "$(hutch inspect -f '{{.State.Status}}' c5)" = running ]
  run crun live cat /ran
  assert_output run
  hutch rm -f c5
}
