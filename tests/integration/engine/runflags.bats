#!/usr/bin/env bats
# run/create's flags of issue 15: namespaces, sysctls, /dev/shm, groups,
# --cidfile, --cgroup-parent, logging, resources; each checked as docker
# checks it and shown in inspect where docker shows it.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() {
  engine_teardown
  rmdir /sys/fs/cgroup/*/hutch-t15-$$ 2>/dev/null || true
}

hc() { "$HUTCH" inspect -f "{{json .HostConfig.$2}}" "$1"; }

@test "--pid/--ipc/--uts host share the host's namespaces" {
  run hutch run --rm --network none --pid host --ipc host --uts host testimg \
    sh -c 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname'
  assert_success
  assert_output "$(for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname)"
  run hutch run --rm --network none testimg readlink /proc/self/ns/ipc
  refute_output "$(readlink /proc/self/ns/ipc)"
  run hutch create --name nsc --pid host --ipc shareable --uts host --userns host testimg true
  assert_success
  assert_equal "$(hc nsc PidMode)$(hc nsc IpcMode)$(hc nsc UTSMode)$(hc nsc UsernsMode)" \
    '"host""shareable""host""host"'
}

@test "--pid/--ipc container:NAME join a running container's namespaces" {
  hutch_bg run -d --name donor --ipc shareable --network none testimg \
    sh -c 'echo shared > /dev/shm/note; sleep 60'
  run hutch run --rm --network none --pid container:donor --ipc container:donor testimg \
    sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep'
  assert_success
  assert_equal "$output" "$("$HUTCH" exec donor sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc')
1"
  # a shareable donor's /dev/shm is the joiner's too (a tmpfs on the host)
  run hutch run --rm --network none --ipc container:donor testimg cat /dev/shm/note
  assert_output shared
  hutch_bg run -d --name private --network none testimg sleep 60
  run hutch run --rm --ipc container:private testimg true
  assert_failure 125
  assert_output "hutch: can't join IPC of container private: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
  # rm unmounts it
  local id
  id=$("$HUTCH" inspect -f '{{.Id}}' donor)
  grep -q "$id/shm" /proc/self/mountinfo
  hutch rm -f donor
  run grep -c "$id/shm" /proc/self/mountinfo
  assert_output 0
  hutch create --name stopped testimg true
  run hutch run --rm --pid container:stopped testimg true
  assert_failure 125
  assert_output "hutch: cannot join PID of a non running container: stopped"
  run hutch run --rm --ipc container:nosuch testimg true
  assert_failure 125
  assert_output "hutch: No such container: nosuch"
}

@test "namespace modes refused as docker refuses them" {
  run hutch run --rm --pid=100 testimg true
  assert_failure 125
  assert_output "hutch: --pid: invalid PID mode"
  run hutch run --rm --ipc=shared testimg true
  assert_output "hutch: --ipc: invalid IPC mode"
  run hutch run --rm --uts=container:x testimg true
  assert_output "hutch: --uts: invalid UTS mode"
  run hutch run --rm --userns=private testimg true
  assert_output "hutch: --userns: invalid USER mode"
  run hutch run --rm --uts host -h name testimg true
  assert_failure 125
  assert_output "hutch: Conflicting options: hostname and the UTS mode"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 0
}

@test "--sysctl sets the namespaced ones and refuses the rest" {
  run hutch run --rm --network none --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=12345 \
    --sysctl fs.mqueue.msg_max=20 testimg \
    cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max
  assert_success
  assert_output "$(printf '1\n12345\n20')"
  run hutch run --rm --sysctl kernel.hostname=x testimg true
  assert_failure 125
  assert_line 'invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl '"'kernel.hostname=x'"' is not allowed'
  run hutch run --rm --sysctl vm.swappiness=1 testimg true
  assert_failure 125
  run hutch run --rm --network host --sysctl net.ipv4.ip_forward=1 testimg true
  assert_failure 125
  assert_output 'hutch: sysctl "net.ipv4.ip_forward" not allowed in host network namespace'
  run hutch create --name sc --sysctl net.core.somaxconn=100 testimg true
  assert_equal "$(hc sc Sysctls)" '{"net.core.somaxconn":"100"}'
}

@test "--shm-size sizes /dev/shm; --ipc none has none" {
  run hutch run --rm --network none --shm-size 2m testimg sh -c 'df -k /dev/shm | tail -1'
  assert_output --regexp "^shm +2048 "
  run hutch run --rm --network none testimg sh -c 'df -k /dev/shm | tail -1'
  assert_output --regexp "^shm +65536 "
  run hutch run --rm --network none --ipc none testimg sh -c 'grep -c " /dev/shm " /proc/mounts; true'
  assert_output 0
  run hutch run --rm --shm-size big testimg true
  assert_failure 125
  assert_line --partial 'invalid argument "big" for "--shm-size" flag'
  run hutch create --name shm --shm-size 2m testimg true
  assert_equal "$(hc shm ShmSize)" 2097152
}

@test "--group-add adds groups by name or gid" {
  run hutch run --rm --network none --group-add extra --group-add 4242 testimg id -G
  assert_success
  assert_output "0 1001 4242"
  run hutch run --rm --network none --group-add nosuch testimg true
  assert_failure 125
  assert_output "hutch: Unable to find group nosuch"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 0
}

@test "--cidfile writes the id and refuses an existing file" {
  run hutch create --cidfile "$TEST_DIR/cid" testimg true
  assert_success
  assert_equal "$(cat "$TEST_DIR/cid")" "$output"
  assert_equal "$(hc "$output" ContainerIDFile)" "\"$TEST_DIR/cid\""
  run hutch run --rm --cidfile "$TEST_DIR/cid" testimg true
  assert_failure 125
  assert_output "hutch: Container ID file found, make sure the other container isn't running or delete $TEST_DIR/cid"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 1
}

@test "--cgroup-parent puts the container's cgroup under it" {
  hutch_bg run -d --name cg --network none --cgroup-parent "/hutch-t15-$$" testimg sleep 60
  local id
  id=$("$HUTCH" inspect -f '{{.Id}}' cg)
  [ -d "/sys/fs/cgroup/pids/hutch-t15-$$/$id" ] || [ -d "/sys/fs/cgroup/hutch-t15-$$/$id" ]
  assert_equal "$(hc cg CgroupParent)" "\"/hutch-t15-$$\""
  run hutch stats --no-stream cg
  assert_success
  hutch rm -f cg
}

@test "--cpus above the host's CPUs, cpusets and --blkio-weight are checked as docker does" {
  local n
  n=$(nproc)
  run hutch run --rm --cpus 99 testimg true
  assert_failure 125
  assert_output "hutch: range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"
  run hutch run --rm --cpuset-cpus "0-$((n + 3))" testimg true
  assert_failure 125
  assert_output "hutch: Requested CPUs are not available - requested 0-$((n + 3)), available: $(cat /sys/devices/system/cpu/online)"
  run hutch run --rm --cpuset-mems 7 testimg true
  assert_failure 125
  assert_output --partial "hutch: Requested memory nodes are not available - requested 7"
  run hutch run --rm --cpuset-cpus 1-0 testimg true
  assert_output "hutch: Invalid value 1-0 for cpuset cpus"
  run hutch run --rm --blkio-weight 5 testimg true
  assert_failure 125
  assert_output "hutch: Range of blkio weight is from 10 to 1000"
  run hutch run --rm --network none --cpuset-cpus 0 --cpuset-mems 0 testimg \
    sh -c 'grep -E "^(Cpus|Mems)_allowed_list" /proc/self/status'
  assert_success
  assert_line --regexp "^Cpus_allowed_list:.0$"
  assert_line --regexp "^Mems_allowed_list:.0$"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 0
}

@test "--oom-kill-disable turns the OOM killer off for the container's cgroup" {
  [ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory controller"
  run hutch run --rm --network none -m 64m --oom-kill-disable testimg \
    sh -c 'grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control'
  assert_success
  assert_output "oom_kill_disable 1"
  run hutch create --name ok --oom-kill-disable testimg true
  assert_output --partial "WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous."
  assert_equal "$(hc ok OomKillDisable)" true
}

@test "--log-driver none: nothing is logged and logs says so" {
  run hutch run --name ln --network none --log-driver none testimg echo hi
  assert_output hi
  run hutch logs ln
  assert_failure 1
  assert_output "hutch: configured logging driver does not support reading"
  assert_equal "$(hc ln LogConfig | jq -cS .)" '{"Config":{},"Type":"none"}'
  [ -z "$(ls "$HUTCH_ROOT/containers/$("$HUTCH" inspect -f '{{.Id}}' ln)" | grep json.log)" ]
  # journald: refused, saying why (this machine has no systemd)
  run hutch run --rm --log-driver journald testimg true
  assert_failure 125
  if [ ! -e /run/systemd/journal/socket ]; then
    assert_output "hutch: failed to initialize logging driver: journald is not enabled on this host: systemd-journald is not running (no /run/systemd/journal/socket)"
  else
    assert_output --partial "journald: not supported"
  fi
  local before
  before=$("$HUTCH" ps -aq | wc -l)
  run hutch create --log-driver journald testimg true
  assert_failure 1
  assert_equal "$("$HUTCH" ps -aq | wc -l)" "$before"
  # journald's options are checked before the driver is refused
  run hutch run --rm --log-driver journald --log-opt max-size=1k testimg true
  assert_failure 125
  assert_output "hutch: unknown log opt 'max-size' for journald log driver"
  run hutch run --rm --log-driver syslog testimg true
  assert_output "hutch: logger: no log driver named 'syslog' is registered"
}

@test "--log-opt max-size/max-file rotate the json-file log" {
  hutch_bg run -d --name lr --network none --log-opt max-size=1k --log-opt max-file=3 testimg \
    sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done'
  "$HUTCH" wait lr
  local log
  log=$("$HUTCH" inspect -f '{{.LogPath}}' lr)
  [ -f "$log.1" ] && [ -f "$log.2" ] && [ ! -e "$log.3" ]
  local f
  for f in "$log" "$log.1" "$log.2"; do
    [ "$(stat -c %s "$f")" -le 1100 ]
  done
  # logs reads the kept files oldest first, ending with the last line
  run hutch logs lr
  assert_line --index 0 --regexp '^line-[0-9]+$'
  assert_equal "${lines[-1]}" line-299
  assert_equal "$(hc lr LogConfig | jq -cS .)" '{"Config":{"max-file":"3","max-size":"1k"},"Type":"json-file"}'
  run hutch run --rm --log-opt max-file=2 testimg true
  assert_failure 125
  assert_output "hutch: max-file can only be set if max-size is set"
  run hutch run --rm --log-opt colour=red testimg true
  assert_output "hutch: unknown log opt 'colour' for json-file log driver"
  run hutch run --rm --log-opt max-size=lots testimg true
  assert_failure 125
  assert_output "hutch: invalid size: 'lots'"
  run hutch run --rm --log-opt max-size testimg true
  assert_failure 125
  assert_output "hutch: invalid key value pair format in logging options: max-size"
  run hutch run --rm --log-driver none --log-opt max-size=1k testimg true
  assert_failure 125
  assert_output "hutch: configured logging driver does not support config options"
}

@test "--stop-signal is recorded and used by stop" {
  hutch_bg run -d --name ss --network none --stop-signal USR1 testimg \
    sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
  assert_equal "$("$HUTCH" inspect -f '{{.Config.StopSignal}}' ss)" USR1
  run hutch stop ss
  assert_success
  assert_equal "$("$HUTCH" inspect -f '{{.State.ExitCode}}' ss)" 42
  run hutch run --rm --stop-signal NOPE testimg true
  assert_failure 125
}

@test "--runtime: hutch's own runs; an unknown one is docker's error (others: runtime-flag.bats)" {
  run hutch run --rm --network none --runtime hutch testimg echo ok
  assert_success
  assert_output ok
  run hutch run --rm --runtime nosuch-runtime testimg true
  assert_failure 125
  assert_output "hutch: unknown or invalid runtime name: nosuch-runtime"
  run hutch run --rm --runtime /nonexistent/runc testimg true
  assert_output "hutch: unknown or invalid runtime name: /nonexistent/runc"
  assert_equal "$("$HUTCH" ps -aq | wc -l)" 0
}

@test "--ipc shareable: the host-side /dev/shm comes back on start after a reboot took it" {
  hutch_bg run -d --name sh1 --ipc shareable --shm-size 3m --network none testimg sleep 60
  local dir
  dir="$HUTCH_ROOT/containers/$("$HUTCH" inspect -f '{{.Id}}' sh1)"
  hutch stop -t 0 sh1
  umount "$dir/shm"
  hutch_bg start sh1
  mountpoint -q "$dir/shm"
  run hutch exec sh1 sh -c 'df -k /dev/shm | tail -1'
  assert_output --regexp "^shm +3072 "
}
