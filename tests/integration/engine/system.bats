#!/usr/bin/env bats
# hutch version, info, system df and system prune (issue 15): docker's
# blocks and tables, and the same facts through --format.

load helpers

@test "version: Client and Server blocks, --format over the same object" {
  run hutch version
  assert_success
  assert_line "Client:"
  assert_line --regexp "^ Version: +[0-9]+\.[0-9]+\.[0-9]+$"
  assert_line --regexp "^  API version: +1\.41 \(minimum version 1\.12\)$"
  assert_line --regexp "^ OS/Arch: +linux/(amd64|arm64)$"
  assert_line --regexp "^  Kernel Version: +$(uname -r)$"
  want=$("$HUTCH" --version | awk '{print $3}')
  run hutch version --format '{{.Client.Version}} {{.Server.Version}} {{.Server.KernelVersion}}'
  assert_output "$want $want $(uname -r)"
  run hutch version --format json
  echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["Server"]["ApiVersion"] == "1.41", d'
  run hutch version --format '{{.Nope'
  assert_failure 125
}

@test "info: counts, drivers, host facts; --format" {
  hutch_bg run -d --name up testimg sleep 100
  hutch run --name down testimg true
  run hutch info
  assert_success
  assert_line " Containers: 2"
  assert_line "  Running: 1"
  assert_line "  Paused: 0"
  assert_line "  Stopped: 1"
  assert_line " Images: 1"
  assert_line " Storage Driver: overlay2"
  assert_line " Cgroup Driver: cgroupfs"
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then v=2; else v=1; fi
  assert_line " Cgroup Version: $v"
  assert_line " Kernel Version: $(uname -r)"
  assert_line " CPUs: $(nproc)"
  assert_line " Docker Root Dir: $HUTCH_ROOT"
  assert_line --regexp "^ Total Memory: [0-9.]+GiB$"
  assert_line --partial " Runtimes: hutch"
  run hutch info --format '{{.ContainersRunning}}/{{.ContainersStopped}} {{.Driver}} {{.NCPU}} {{.DockerRootDir}}'
  assert_output "1/1 overlay2 $(nproc) $HUTCH_ROOT"
  hutch pause up
  run hutch info --format '{{.ContainersPaused}} {{.ContainersRunning}}'
  assert_output "1 0"
  hutch unpause up
}

@test "system df: the table, sizes from the disk, --format, -v" {
  hutch volume create dfvol
  hutch_bg run -d --name dfa -v dfvol:/data testimg sh -c 'head -c 2000 /dev/zero > /data/f; sleep 100'
  hutch run --name dfb testimg sh -c 'head -c 100000 /dev/zero > /big'
  for _ in $(seq 50); do [ -s "$HUTCH_ROOT/volumes/dfvol/_data/f" ] && break; sleep 0.1; done
  run hutch system df
  assert_success
  assert_line --index 0 "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE"
  assert_line --regexp "^Images          1         1         [0-9.]+[kM]B +0B \(0%\)$"
  assert_line --regexp "^Containers      2         1         100kB     100kB \(100%\)$"
  assert_line "Local Volumes   1         1         2kB       0B (0%)"
  assert_line "Build Cache     0         0         0B        0B"
  run hutch system df --format '{{.Type}}:{{.TotalCount}}:{{.Active}}:{{.Reclaimable}}'
  assert_output "$(printf 'Images:1:1:0B (0%%)\nContainers:2:1:100kB (100%%)\nLocal Volumes:1:1:0B (0%%)\nBuild Cache:0:0:0B')"
  run hutch system df -v
  assert_line "Images space usage:"
  assert_line --regexp "^testimg +latest +[0-9a-f]{12} .* 2$"
  assert_line "Containers space usage:"
  assert_line --regexp '^[0-9a-f]{12} +testimg +"sh -c head -c 10000…" +0 +100kB .* dfb$'
  assert_line "Local Volumes space usage:"
  assert_line --regexp "^dfvol +1 +2kB$"
  hutch rm -f dfa dfb
  hutch volume rm dfvol
}
