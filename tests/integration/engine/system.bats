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
  assert_failure 1
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
  # "table TEMPLATE": docker's header names over the chosen columns
  run hutch system df --format 'table {{.Type}}\t{{.Active}}'
  assert_line --index 0 "TYPE            ACTIVE"
  assert_line --index 1 "Images          1"
  run hutch system df --format '{{.Type}}:{{.TotalCount}}:{{.Active}}:{{.Reclaimable}}'
  assert_output "$(printf 'Images:1:1:0B (0%%)\nContainers:2:1:100kB (100%%)\nLocal Volumes:1:1:0B (0%%)\nBuild Cache:0:0:0B')"
  run hutch system df -v
  assert_line "Images space usage:"
  assert_line --regexp "^testimg +latest +[0-9a-f]{12} .* 2$"
  assert_line "Containers space usage:"
  assert_line --regexp "^[0-9a-f]{12} +testimg +\"sh -c 'head -c 1000…\" +0 +100kB .* dfb$"
  assert_line "Local Volumes space usage:"
  assert_line --regexp "^dfvol +1 +2kB$"
  # SHARED SIZE: the layers another image has too; UNIQUE SIZE the rest
  assert_equal "$(hutch system df -v | awk '$1 == "testimg" { print $(NF-2) }')" 0B
  hutch commit dfb dfimg >/dev/null
  local size shared unique
  read -r size shared unique < <(hutch system df -v | awk '$1 == "testimg" { print $(NF-3), $(NF-2), $(NF-1) }')
  [ "$shared" != 0B ] && [[ $size == *MB ]] && [[ $shared == *MB ]] && [[ $unique == *B ]]
  [[ $unique != *MB ]]
  read -r size shared unique < <(hutch system df -v | awk '$1 == "dfimg" { print $(NF-3), $(NF-2), $(NF-1) }')
  [[ $shared == *MB ]] && [[ $unique == *B ]] && [[ $unique != *MB ]]
  hutch rmi dfimg >/dev/null
  hutch rm -f dfa dfb
  hutch volume rm dfvol
}

@test "system prune: docker's question, stopped containers, unused networks, anonymous volumes" {
  hutch_bg run -d --name keepup -v /anon1 testimg sleep 100
  before=$(hutch volume ls -q)
  hutch run --name gone1 -v /anon2 testimg sh -c 'head -c 30000 /dev/zero > /f'
  anon2=$(hutch volume ls -q | grep -vxF "$before")
  hutch volume create named1
  hutch network create --subnet 10.196.$((RANDOM % 200 + 20)).0/24 prnet >/dev/null
  run bash -c "echo n | timeout 10 '$HUTCH' system prune --volumes"
  assert_success
  assert_output "$(printf 'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - all dangling build cache\n\nAre you sure you want to continue? [y/N] ')"
  hutch inspect gone1 >/dev/null
  gone=$(hutch inspect gone1 -f '{{.Id}}')
  run hutch system prune -f --volumes
  assert_success
  assert_line "Deleted Containers:"
  assert_line "$gone"
  assert_line "Deleted Networks:"
  assert_line "prnet"
  assert_line "Deleted Volumes:"
  assert_line "$anon2"
  assert_line --regexp '^Total reclaimed space: 30(\.[0-9]+)?kB$'
  refute_line "named1"
  # what is in use stays; images in use stay
  hutch inspect keepup >/dev/null
  run hutch volume ls -q
  assert_line "named1"
  hutch image inspect testimg >/dev/null
  hutch rm -f -v keepup
  hutch volume rm named1
}

@test "system prune --filter label and until; -a takes unused images" {
  hutch run --name lk -l keep=1 testimg true
  hutch run --name lg testimg true
  run bash -c "echo n | timeout 10 '$HUTCH' system prune --filter label!=keep=1"
  assert_output --partial "$(printf '  Items to be pruned will be filtered with:\n  - label!=keep=1')"
  lg=$(hutch inspect lg -f '{{.Id}}')
  run hutch system prune -f --filter label!=keep=1
  assert_success
  assert_line "$lg"
  hutch inspect lk >/dev/null
  run hutch inspect lg
  assert_failure
  # until: only what was created before it
  run hutch system prune -f --filter until=1h
  refute_line "Deleted Containers:"
  hutch inspect lk >/dev/null
  run hutch system prune -f --filter until=$(($(date +%s) + 5))
  assert_line "Deleted Containers:"
  run hutch inspect lk
  assert_failure
  run hutch system prune -f --filter colour=red
  assert_failure 1
  assert_output "hutch: invalid filter 'colour'"
  # -a: an image no container uses goes, one in use stays
  mkdir -p "$TEST_DIR/img" && echo x >"$TEST_DIR/img/x"
  tar -C "$TEST_DIR/img" -cf "$TEST_DIR/img.tar" .
  pid=$(hutch import "$TEST_DIR/img.tar" prunable:1)
  hutch_bg run -d --name user1 testimg sleep 100
  run hutch system prune -a -f
  assert_success
  assert_line "Deleted Images:"
  assert_line "deleted: $pid"
  run hutch image inspect prunable:1
  assert_failure
  hutch image inspect testimg >/dev/null
  hutch rm -f user1
}
