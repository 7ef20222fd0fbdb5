#!/usr/bin/env bats
# hutch update (issue 15): limits applied live to a running container's
# cgroup, kept for a stopped one's next start, shown by inspect; the
# restart policy; docker's refusals.

load helpers

# cg CONTROLLER FILE ID: a container's cgroup file (v1 and hybrid hosts,
# or v2).
cg() {
  local f
  for f in "/sys/fs/cgroup/$1/hutch/$3/$2" "/sys/fs/cgroup/hutch/$3/$2"; do
    [ -e "$f" ] && { cat "$f"; return; }
  done
  echo "no $2 for $3" >&2
  return 1
}

v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

@test "a running container: memory, cpus, cpu-shares, pids-limit, cpuset live" {
  hutch_bg run -d --name u1 testimg sleep 100
  id=$(hutch inspect u1 -f '{{.Id}}')
  run hutch update --memory 64m --cpus 0.5 --cpu-shares 512 --pids-limit 50 --cpuset-cpus 0 u1
  assert_success
  assert_output "u1"
  if v2; then
    [ "$(cg memory memory.max "$id")" = 67108864 ]
    [ "$(cg cpu cpu.max "$id")" = "50000 100000" ]
  else
    [ "$(cg memory memory.limit_in_bytes "$id")" = 67108864 ]
    [ "$(cg cpu cpu.cfs_quota_us "$id")" = 50000 ]
    [ "$(cg cpu cpu.shares "$id")" = 512 ]
    [ "$(cg cpuset cpuset.cpus "$id")" = 0 ]
  fi
  [ "$(cg pids pids.max "$id")" = 50 ]
  run hutch inspect u1 -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpusetCpus}}'
  assert_output "67108864 500000000 512 50 0"
  # the container saw it: a fork bomb of 60 stops at 50 pids
  run hutch exec u1 sh -c 'for i in $(seq 60); do sleep 5 & done 2>/dev/null; wait'
  [ "$(cg pids pids.max "$id")" = 50 ]
  # --cpu-period/--cpu-quota, and -1 lifts the pids limit
  run hutch update --cpu-period 50000 --cpu-quota 25000 --pids-limit -1 u1
  assert_success
  v2 || [ "$(cg cpu cpu.cfs_quota_us "$id")" = 25000 ]
  [ "$(cg pids pids.max "$id")" = max ]
}

@test "memory above the swap in force needs --memory-swap too, as docker says" {
  hutch_bg run -d -m 64m --name sw testimg sleep 100
  run hutch update -m 256m sw
  assert_failure 1
  assert_output "hutch: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"
  run hutch update -m 256m --memory-swap 512m sw
  assert_success
  run hutch inspect sw -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}'
  assert_output "268435456 536870912"
  id=$(hutch inspect sw -f '{{.Id}}')
  v2 || [ "$(cg memory memory.limit_in_bytes "$id")" = 268435456 ]
}

@test "a stopped container keeps the update for its next start" {
  hutch create --name u2 testimg sleep 100 >/dev/null
  run hutch update -m 48m --pids-limit 20 u2
  assert_success
  assert_output "u2"
  hutch start u2
  id=$(hutch inspect u2 -f '{{.Id}}')
  if v2; then
    [ "$(cg memory memory.max "$id")" = 50331648 ]
  else
    [ "$(cg memory memory.limit_in_bytes "$id")" = 50331648 ]
  fi
  [ "$(cg pids pids.max "$id")" = 20 ]
  # and again after a stop and start
  hutch stop -t 0 u2
  hutch start u2
  [ "$(cg pids pids.max "$id")" = 20 ]
}

@test "--restart changes the policy the monitor applies" {
  hutch_bg run -d --name u3 testimg sh -c 'sleep 1; exit 3'
  run hutch update --restart on-failure:2 u3
  assert_success
  run hutch inspect u3 -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'
  assert_output "on-failure:2"
  # it exits 3 and is restarted twice, then stays exited
  for _ in $(seq 100); do
    [ "$(hutch inspect u3 -f '{{.RestartCount}} {{.State.Status}}')" = "2 exited" ] && break
    sleep 0.1
  done
  run hutch inspect u3 -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}'
  assert_output "2 exited 3"
}

@test "docker's refusals: no flags, bad values, too many cpus, no such container" {
  hutch create --name u4 testimg true >/dev/null
  run hutch update u4
  assert_failure 1
  assert_output "hutch: You must provide one or more flags when using this command."
  run hutch update --memory 1m u4
  assert_failure 1
  assert_output "hutch: Minimum memory limit allowed is 6MB"
  run hutch update --cpus 999 u4
  assert_failure 1
  assert_output "hutch: Range of CPUs is from 0.01 to $(nproc).00, as there are only $(nproc) CPUs available"
  run hutch update --cpus 1 --cpu-period 100000 u4
  assert_failure 1
  assert_output --partial "Conflicting options"
  run hutch update --memory lots u4
  assert_failure 125
  assert_output --partial 'invalid argument "lots" for "--memory" flag'
  run hutch update --restart sometimes u4
  assert_failure 1
  run hutch update --memory 64m nosuch
  assert_failure 1
  assert_output --partial "No such container: nosuch"
  # nothing half-made: u4 is as it was
  run hutch inspect u4 -f '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}'
  assert_output "0 no"
}
