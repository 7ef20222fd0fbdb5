#!/usr/bin/env bats
# What `hutch run` puts into a container: flags taking effect, docker's
# defaults (capabilities, seccomp, hostname), exit codes, a terminal, and
# copy-on-write isolation between containers of one image.

load helpers
bats_require_minimum_version 1.5.0

@test "-e, --env-file, -w, -u 1000:1000, --hostname take effect" {
  printf 'FROMFILE=f\n# comment\nBOTH=file\n' >"$TEST_DIR/envfile"
  run hutch run --rm -e FOO=bar -e BOTH=flag --env-file "$TEST_DIR/envfile" testimg hutch-helper env FOO
  assert_success
  assert_output bar
  run hutch run --rm -e BOTH=flag --env-file "$TEST_DIR/envfile" testimg hutch-helper env BOTH
  assert_output flag
  run hutch run --rm --env-file "$TEST_DIR/envfile" testimg hutch-helper env FROMFILE
  assert_output f
  run hutch run --rm testimg hutch-helper env PATH
  assert_output /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  run hutch run --rm -w /tmp testimg hutch-helper cwd
  assert_output /tmp
  run hutch run --rm -u 1000:1000 testimg hutch-helper id
  assert_success
  assert_output --regexp '^uid=1000 gid=1000'
  run hutch run --rm --hostname box1 testimg hutch-helper hostname
  assert_output box1
}

@test "-u NAME is resolved in the image's passwd and group" {
  run hutch run --rm -u hutch testimg hutch-helper id
  assert_success
  assert_output --partial "uid=1000 gid=1000"
  run hutch run --rm -u nosuchuser testimg true
  assert_equal "$status" 125
  assert_output --partial "unable to find user nosuchuser"
}

@test "the hostname defaults to the short id" {
  id=$(hutch_bg run -d testimg hutch-helper hostname)
  run hutch wait "$id"
  run hutch logs "$id"
  assert_output "${id:0:12}"
}

@test "-v host:ctr and :ro" {
  mkdir -p "$TEST_DIR/share"
  echo from-host >"$TEST_DIR/share/in"
  run hutch run --rm -v "$TEST_DIR/share:/data" testimg sh -c 'cat /data/in; echo from-ctr >/data/out'
  assert_success
  assert_output from-host
  assert_equal "$(cat "$TEST_DIR/share/out")" from-ctr
  run hutch run --rm -v "$TEST_DIR/share:/data:ro" testimg hutch-helper write /data/x y
  assert_failure
  assert_output --partial EROFS
}

@test "named volumes outlive containers; volume ls, inspect, rm" {
  run hutch run --rm -v vol1:/v testimg sh -c 'echo kept >/v/f'
  assert_success
  run hutch run --rm -v vol1:/v testimg cat /v/f
  assert_output kept
  run hutch volume ls -q
  assert_output --partial vol1
  run hutch volume inspect vol1
  assert_equal "$(echo "$output" | jq -r '.[0].Mountpoint')" "$HUTCH_ROOT/volumes/vol1/_data"
  run hutch volume rm vol1
  assert_success
  run hutch volume ls -q
  refute_output --partial vol1
}

@test "--read-only with --tmpfs; --mount type=tmpfs" {
  run hutch run --rm --read-only testimg hutch-helper write /etc/x y
  assert_failure
  assert_output --partial EROFS
  run hutch run --rm --read-only --tmpfs /scratch testimg sh -c 'echo ok >/scratch/f && cat /scratch/f'
  assert_success
  assert_output ok
  run hutch run --rm --mount type=tmpfs,target=/t,tmpfs-size=1m testimg sh -c 'grep " /t " /proc/mounts'
  assert_output --partial "size=1024k"
}

@test "--memory 32m: a 64 MiB allocation is killed (137, OOMKilled)" {
  run hutch run --memory 32m --name oom testimg hutch-helper memhog 64
  assert_equal "$status" 137
  run hutch inspect oom
  assert_equal "$(echo "$output" | jq -r '.[0].State.OOMKilled')" true
  assert_equal "$(echo "$output" | jq -r '.[0].HostConfig.Memory')" 33554432
  run hutch run --rm --memory 32m testimg hutch-helper memhog 8
  assert_success
}

@test "--pids-limit 5" {
  run hutch run --rm --pids-limit 5 testimg hutch-helper forkbomb 10
  assert_output --partial "EAGAIN"
  run hutch run --rm testimg hutch-helper forkbomb 10
  assert_success
}

@test "--cpus, --cpu-shares, --cpuset-cpus, --ulimit reach the container" {
  id=$(hutch_bg run -d --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --ulimit nofile=100:200 testimg sleep 30)
  spec=$HUTCH_ROOT/containers/$id/config.json
  assert_equal "$(jq -r .linux.resources.cpu.quota "$spec")" 50000
  assert_equal "$(jq -r .linux.resources.cpu.period "$spec")" 100000
  assert_equal "$(jq -r .linux.cgroupsPath "$spec")" "/hutch/$id"
  assert_equal "$(cat /sys/fs/cgroup/cpu/hutch/$id/cpu.cfs_quota_us)" 50000
  assert_equal "$(cat /sys/fs/cgroup/cpu/hutch/$id/cpu.shares)" 512
  assert_equal "$(cat /sys/fs/cgroup/cpuset/hutch/$id/cpuset.cpus)" 0
  run hutch exec "$id" hutch-helper rlimit nofile
  assert_output "100 200"
}

@test "a file written by one container is seen neither by another nor by the image" {
  run hutch run --name writer testimg sh -c 'echo secret >/etc/written; cat /etc/written'
  assert_output secret
  run hutch run --rm testimg cat /etc/written
  assert_failure
  run hutch run --rm testimg ls /etc
  refute_output --partial written
  # the image's layer is untouched; the file lives in writer's upper dir
  id=$(hutch inspect writer | jq -r '.[0].Id')
  [ -f "$HUTCH_ROOT/containers/$id/upper/etc/written" ]
  for d in $(hutch inspect writer | jq -r '.[0].GraphDriver.Data.LowerDir' | tr : ' '); do
    [ ! -e "$d/etc/written" ]
  done
}

@test "a 500-layer image runs, and mounts again from its record after a reboot-like unmount" {
  # 499 layers on testimg's one: overlayfs' limit, past the page that
  # mount(2)'s lowerdir= string holds (about 120 layers)
  TEST_IMAGES=many:500
  layered_image testimg 499 many:500
  [ "$(hutch image inspect many:500 | jq '.[0].RootFS.Layers | length')" = 500 ]
  hutch_bg run -d --name many --network none many:500 sleep 1000
  run hutch exec many cat /f1 /f250 /f499 /top
  assert_success
  assert_output "$(printf '1\n250\n499\n499')"
  run hutch exec many cat /f100
  assert_failure
  assert_output --partial "No such file"
  hutch stop -t 0 many
  # a stopped container's overlay is gone after a reboot: start mounts it
  # again from the LowerDir in its record
  umount "$(hutch inspect -f '{{.GraphDriver.Data.MergedDir}}' many)"
  hutch start many
  run hutch exec many cat /f1 /top
  assert_success
  assert_output "$(printf '1\n499')"
}

@test "exit codes: 127 not found, 126 not executable, 125 our errors, 9 the process's (137 for a signal: see --memory)" {
  run -127 hutch run --rm testimg nosuchcommand
  assert_equal "$status" 127
  assert_output --partial "executable file not found"
  run -126 hutch run --rm testimg /etc/passwd
  assert_equal "$status" 126
  run hutch run --rm --no-such-flag testimg true
  assert_equal "$status" 125
  run hutch run --rm nosuchimage.invalid/x:y true
  assert_equal "$status" 125
  run hutch run --rm testimg sh -c 'exit 9'
  assert_equal "$status" 9
  run hutch ps -aq
  assert_output ""
}

@test "run -it gives the process a /dev/pts terminal" {
  run timeout 60 script -qec "$HUTCH run --rm -it testimg sh -c 'tty; hutch-helper isatty 0'" /dev/null
  assert_success
  assert_output --partial "/dev/pts/0"
  assert_line --partial "1"
  # without -t there is no terminal
  run hutch run --rm -i testimg hutch-helper isatty 0 </dev/null
  assert_output 0
}

@test "-i passes stdin through" {
  run bash -c "echo piped | timeout 60 $HUTCH run --rm -i testimg cat"
  assert_output piped
}

@test "docker's defaults: CapBnd 0xa80425fb, seccomp filter on, masked paths, /dev/shm 64m" {
  run hutch run --rm testimg hutch-helper status CapBnd
  assert_output 00000000a80425fb
  run hutch run --rm testimg hutch-helper status Seccomp
  assert_output 2
  run hutch run --rm testimg hutch-helper status NoNewPrivs
  assert_output 0
  run hutch run --rm testimg hutch-helper cat /proc/keys
  assert_output ""
  run hutch run --rm testimg sh -c 'grep " /proc/keys " /proc/mounts'
  assert_output --partial "/proc/keys"
  run hutch run --rm testimg sh -c 'grep " /dev/shm " /proc/mounts'
  assert_output --partial "size=65536k"
  # the default profile refuses what docker's refuses
  run hutch run --rm testimg unshare -U true
  assert_failure
}

@test "--cap-add/--cap-drop, --privileged, seccomp=unconfined, no-new-privileges" {
  run hutch run --rm --cap-drop ALL testimg hutch-helper status CapBnd
  assert_output 0000000000000000
  run hutch run --rm --cap-drop ALL --cap-add KILL testimg hutch-helper status CapBnd
  assert_output 0000000000000020
  run hutch run --rm --cap-add SYS_ADMIN testimg hutch-helper status CapBnd
  assert_output 00000000a82425fb
  run hutch run --rm --security-opt seccomp=unconfined testimg hutch-helper status Seccomp
  assert_output 0
  run hutch run --rm --privileged testimg hutch-helper status Seccomp
  assert_output 0
  run hutch run --rm --privileged testimg hutch-helper status CapBnd
  assert_output "$(awk '/^CapBnd/ {print $2}' /proc/self/status)"
  run hutch run --rm --security-opt no-new-privileges testimg hutch-helper status NoNewPrivs
  assert_output 1
}

@test "--network none has only loopback, up; --network host shares the host's" {
  run hutch run --rm --network none testimg cat /sys/class/net/lo/operstate
  assert_output --regexp 'unknown|up'
  run hutch run --rm --network none testimg ls /sys/class/net
  assert_output lo
  run hutch run --rm --network host testimg hutch-helper ns net
  assert_output "$(readlink /proc/self/ns/net)"
}

@test "--entrypoint and CMD override as docker" {
  run hutch run --rm --entrypoint echo testimg a b
  assert_output "a b"
  run hutch run --rm --entrypoint "" testimg hutch-helper true
  assert_success
}

@test "--init: hutch-init is pid 1, reaps, forwards signals, 128+signal status" {
  run hutch run --rm --init testimg hutch-helper ppid
  assert_output 1
  run hutch run --rm --init testimg cat /proc/1/cmdline
  assert_output --partial /dev/init
  run hutch run --rm --init testimg sh -c 'kill -TERM $$; echo not reached'
  assert_equal "$status" 143
  # sleep as pid 1 would ignore SIGTERM; under init, stop is quick
  hutch_bg run -d --init --name initstop testimg sleep 60
  start=$(date +%s)
  run hutch stop -t 20 initstop
  [ $(( $(date +%s) - start )) -lt 10 ]
  assert_equal "$("$HUTCH" inspect initstop | jq -r '.[0].State.ExitCode')" 143
}
