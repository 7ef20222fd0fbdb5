#!/usr/bin/env bats
# Cgroups for real on this host's v1 controllers: memory, pids and cpu
# limits enforced on a running payload, `update`, `pause`/`resume`, `ps`,
# `events`, the container's own view of /sys/fs/cgroup, and teardown that
# leaves no cgroup dir in any hierarchy. And what runc and crun on this
# host were measured to do: a target cgroup that is frozen or already
# holds processes is refused (nothing left behind, nothing of the
# stranger's touched); exec joins every hierarchy, the hybrid host's
# cgroup2 mount included; linux.devices nodes obey the device cgroup,
# `update -r` changes device rules live, access strings are read as runc
# reads them; pids.limit 0.
#
# Every container gets cgroupsPath /$CGPARENT/$ID with a parent unique to
# the test, so the tests read exactly its dirs on the host and can check
# that delete removed the parent it made too.

load ../helpers

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  CGPARENT=hutch-cgtest-$$-$BATS_TEST_NUMBER
  CGPATH=/$CGPARENT/$ID
  bundle_set '.linux.cgroupsPath = $p' --arg p "$CGPATH"
  STRANGER=""
}

teardown() {
  [ -z "$STRANGER" ] || { kill -9 "$STRANGER" 2>/dev/null; wait "$STRANGER" 2>/dev/null; }
  # A frozen parent left by a failed test would freeze its teardown too.
  [ ! -d "/sys/fs/cgroup/freezer/$CGPARENT" ] ||
    echo THAWED >"/sys/fs/cgroup/freezer/$CGPARENT/freezer.state"
  hutch_teardown
  # A failed test must not leave its cgroups behind either (rmdir only
  # removes empty dirs: nothing of anyone else's can go).
  local h
  for h in /sys/fs/cgroup/*/; do
    rmdir "$h$CGPARENT/$ID" "$h$CGPARENT" 2>/dev/null || true
  done
}

# is_hutch: the runtime under test is ours (RUNTIME=runc runs this suite
# too; hutch's own extensions and messages are checked only for hutch).
is_hutch() { [ "$(runtime_name)" = hutch-runtime ]; }

# cg CONTROLLER FILE: the path of FILE in the container's v1 cgroup.
cg() { echo "/sys/fs/cgroup/$1$CGPATH/$2"; }

# memory_limit BYTES: limit and memsw equal, so the container cannot swap.
memory_limit() {
  bundle_set '.linux.resources.memory = {limit: $l, swap: $l}' --argjson l "$1"
}

# start_bg ARGS...: run -d the bundle with process.args = ARGS.
start_bg() {
  set_args "$@"
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || {
    cat "$TEST_DIR/run.err" >&2
    return 1
  }
  wait_status "$ID" running
}

# make_cgroups PATH: PATH in every v1 hierarchy (and the cgroup2 one).
make_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    mkdir -p "$h${1#/}"
  done
}

# free_char_major: a character major no driver of this host registered;
# a node with it opens with ENXIO where the device cgroup allows it and
# EPERM where it does not, and touches no real device either way.
free_char_major() {
  local m
  for m in $(seq 234 254); do
    awk -v m="$m" '/^Block/ {exit} $1 == m {found = 1} END {exit !found}' /proc/devices || {
      echo "$m"
      return 0
    }
  done
  return 1
}

# with_test_device [RULES_JSON]: linux.devices gets /dev/xdev (a free
# major, minor 7), linux.resources.devices RULES_JSON (default: deny all).
with_test_device() {
  local deny_all='[{"allow":false,"access":"rwm"}]'
  MAJOR=$(free_char_major) || fail "no free character major on this host"
  bundle_set '.linux.devices = [{path: "/dev/xdev", type: "c", major: $m, minor: 7,
                                 fileMode: 438, uid: 0, gid: 0}]
              | .linux.resources.devices = $r' \
    --argjson m "$MAJOR" --argjson r "${1:-$deny_all}"
}

@test "32 MiB memory limit: a 64 MiB allocation is OOM-killed and run exits 137" {
  memory_limit $((32 << 20))
  run_helper memhog 64
  assert_equal "$status" 137
  refute_output --partial "allocated 64 MiB"
  assert_gone "$ID"
}

@test "the same allocation under a 128 MiB limit succeeds (the limit, not the payload, kills)" {
  memory_limit $((128 << 20))
  run_helper memhog 64
  assert_success
  assert_output "allocated 64 MiB"
}

@test "pids.limit 6: forking 12 children fails for some of them" {
  bundle_set '.linux.resources.pids = {limit: 6}'
  run_helper forkbomb 12
  assert_success
  # stdout: the forks made; pid 1 counts against the limit, so at most 5
  assert_line --regexp '^[0-5]$'
  assert_line --partial "forks failed: EAGAIN"
}

@test "cpu quota 20%: a busy loop gets under 0.3 CPU, read from the container's cpuacct" {
  bundle_set '.linux.resources.cpu = {quota: 20000, period: 100000}'
  start_bg /bin/hutch-helper spin 30
  assert_equal "$(cat "$(cg cpu cpu.cfs_quota_us)")" 20000
  sleep 0.5 # past the start-up
  local u0 t0 u1 t1
  u0=$(cat "$(cg cpuacct cpuacct.usage)")
  t0=$(date +%s%N)
  sleep 2
  u1=$(cat "$(cg cpuacct cpuacct.usage)")
  t1=$(date +%s%N)
  # CPU-seconds per wall second, in thousandths
  local rate=$(((u1 - u0) * 1000 / (t1 - t0)))
  echo "# cpu rate: $rate/1000" >&3
  [ "$rate" -lt 300 ] || {
    echo "used $rate/1000 CPU under a 20% quota" >&2
    return 1
  }
  # and it really was spinning, or the bound above proves nothing
  [ "$rate" -gt 100 ] || {
    echo "used only $rate/1000 CPU: the payload was not busy" >&2
    return 1
  }
}

@test "update raises the memory limit of a running container and saves it" {
  memory_limit $((32 << 20))
  start_bg /bin/hutch-helper sleep 60
  assert_equal "$(cat "$(cg memory memory.limit_in_bytes)")" $((32 << 20))
  run runtime update --memory 128m --memory-swap 128m "$ID"
  assert_success
  assert_equal "$(cat "$(cg memory memory.limit_in_bytes)")" $((128 << 20))
  assert_equal "$(cat "$(cg memory memory.memsw.limit_in_bytes)")" $((128 << 20))
  # saved in the state dir's config.json, for later updates and readers
  if is_hutch; then
    run jq -c .linux.resources.memory "$STATE/$ID/config.json"
    assert_output "{\"limit\":$((128 << 20)),\"swap\":$((128 << 20))}"
  fi
}

@test "update --resources - reads linux.resources JSON from stdin; flags go on top" {
  memory_limit $((32 << 20))
  start_bg /bin/hutch-helper sleep 60
  is_hutch || skip "flags on top of --resources are hutch's (runc ignores them)"
  run runtime update -r - --cpu-shares 512 "$ID" <<<'{"pids": {"limit": 42}, "cpu": {"shares": 256}}'
  assert_success
  assert_equal "$(cat "$(cg pids pids.max)")" 42
  assert_equal "$(cat "$(cg cpu cpu.shares)")" 512
  run runtime update --cpu-quota 50000 "$ID"
  assert_success
  assert_equal "$(cat "$(cg cpu cpu.cfs_quota_us)")" 50000
  assert_equal "$(cat "$(cg cpu cpu.shares)")" 512
  if is_hutch; then
    # merged key by key into what was there
    run jq -c '.linux.resources | [.memory.limit, .pids.limit, .cpu.shares, .cpu.quota]' \
      "$STATE/$ID/config.json"
    assert_output "[$((32 << 20)),42,512,50000]"
  fi
}

@test "update refuses bad values and Intel RDT without changing anything" {
  memory_limit $((32 << 20))
  start_bg /bin/hutch-helper sleep 60
  run runtime update --memory 12x "$ID"
  assert_failure
  assert_output --partial "12x"
  run runtime update --l3-cache-schema "L3:0=f" "$ID"
  assert_failure
  ! is_hutch || assert_output --partial "Intel RDT"
  run runtime update -r - "$ID" <<<'{"memory": {"limit": "lots"}}'
  assert_failure
  ! is_hutch || assert_output --partial "memory.limit"
  # v1 keeps limit <= memory+swap: raising one alone is refused, with a hint
  run runtime update --memory 64m "$ID"
  assert_failure
  if is_hutch; then
    assert_output --partial "needs --memory-swap too"
  fi
  assert_equal "$(cat "$(cg memory memory.limit_in_bytes)")" $((32 << 20))
}

@test "update of a stopped container fails" {
  set_args /bin/hutch-helper exit 0
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID"
  wait_status "$ID" stopped
  run runtime update --pids-limit 10 "$ID"
  assert_failure
  ! is_hutch || assert_output --partial "stopped"
}

@test "ps --format json lists the container's pids; table mode shows its ps line" {
  start_bg /bin/sh -c '/bin/hutch-helper sleep 60 & exec /bin/hutch-helper sleep 60'
  local pid
  pid=$(state_field "$ID" pid)
  # wait for the shell's child to exist
  local i n=0
  for ((i = 0; i < 100; i++)); do
    n=$(runtime ps --format json "$ID" | jq length)
    [ "$n" = 2 ] && break
    sleep 0.05
  done
  run runtime ps --format json "$ID"
  assert_success
  run jq -e --argjson p "$pid" 'length == 2 and index($p) != null' <<<"$output"
  assert_success
  # every pid listed is in the container's cgroup on the host
  local p
  for p in $(runtime ps --format json "$ID" | jq '.[]'); do
    grep -qx "$p" "$(cg pids cgroup.procs)"
  done
  run runtime ps "$ID"
  assert_success
  assert_line --index 0 --regexp '^UID +PID +PPID'
  assert_line --regexp "^[^ ]+ +$pid +.*hutch-helper sleep 60"
  assert_equal "${#lines[@]}" 3
}

@test "pause freezes the cgroup and state says paused; resume thaws it" {
  start_bg /bin/hutch-helper sleep 60
  run runtime pause "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" paused
  assert_equal "$(cat "$(cg freezer freezer.state)")" FROZEN
  run runtime pause "$ID"
  assert_failure
  ! is_hutch || assert_output --partial "paused"
  run runtime resume "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  assert_equal "$(cat "$(cg freezer freezer.state)")" THAWED
  run runtime resume "$ID"
  assert_failure
  ! is_hutch || assert_output --partial "running"
}

@test "a paused container can be deleted with -f" {
  start_bg /bin/hutch-helper sleep 60
  runtime pause "$ID"
  run runtime delete -f "$ID"
  assert_success
  assert_gone "$ID"
}

@test "events --stats prints one stats event with memory, cpu and pids" {
  memory_limit $((64 << 20))
  start_bg /bin/hutch-helper sleep 60
  run runtime events --stats "$ID"
  assert_success
  assert_equal "${#lines[@]}" 1
  run jq -e --arg id "$ID" --argjson l $((64 << 20)) \
    '.type == "stats" and .id == $id and .data.memory.usage.limit == $l
     and .data.memory.usage.usage > 0 and .data.pids.current == 1
     and (.data.cpu.usage.total | type) == "number"' <<<"$output"
  assert_success
}

@test "events streams stats and reports an OOM kill inside the container" {
  memory_limit $((32 << 20))
  # the shell (pid 1) survives; its child is the one the OOM killer takes
  start_bg /bin/sh -c 'sleep 1; /bin/hutch-helper memhog 64; sleep 1'
  # hutch's stream ends when the container does; runc's goes on
  run timeout 8 "$RUNTIME" --root "$STATE" events --interval 200ms "$ID"
  if is_hutch; then assert_success; else assert_equal "$status" 124; fi
  run jq -sc --arg id "$ID" '[.[] | select(.id == $id) | .type] | unique' <<<"$output"
  assert_output '["oom","stats"]'
}

@test "after delete no cgroup dir of the container (or the parent it made) remains" {
  start_bg /bin/hutch-helper sleep 60
  local h made=0
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$CGPATH" ] && made=$((made + 1))
  done
  # at least memory, cpu, cpuacct, pids, freezer, devices
  [ "$made" -ge 6 ] || {
    echo "only $made hierarchies have $CGPATH" >&2
    return 1
  }
  run runtime delete -f "$ID"
  assert_success
  for h in /sys/fs/cgroup/*/; do
    [ ! -e "$h$CGPATH" ] || {
      echo "$h$CGPATH left behind" >&2
      return 1
    }
    ! is_hutch || [ ! -e "$h$CGPARENT" ] || {
      echo "parent $h$CGPARENT left behind" >&2
      return 1
    }
  done
  assert_gone "$ID"
}

@test "with a cgroup namespace the container sees its own cgroups at /sys/fs/cgroup, read-only" {
  bundle_set '.linux.namespaces |= (map(select(.type != "cgroup")) + [{type: "cgroup"}])'
  memory_limit $((48 << 20))
  run_helper cat /proc/self/cgroup
  assert_success
  assert_line --regexp '^[0-9]+:memory:/$'
  refute_output --partial "$CGPARENT"
  run_helper cat /sys/fs/cgroup/memory/memory.limit_in_bytes
  assert_success
  assert_output $((48 << 20))
  run_helper mkdir /sys/fs/cgroup/memory/sub
  assert_failure
  assert_output --partial "EROFS"
}

# xdev_rule ALLOW ACCESS: a linux.resources object with one rule for /dev/xdev.
xdev_rule() {
  jq -n --argjson m "$MAJOR" --argjson a "$1" --arg acc "$2" \
    '{devices: [{allow: $a, type: "c", major: $m, minor: 7, access: $acc}]}'
}

@test "a frozen target cgroup fails create at once with a clear error and leaves nothing" {
  make_cgroups "/$CGPARENT"
  echo FROZEN >"/sys/fs/cgroup/freezer/$CGPARENT/freezer.state"
  set_args /bin/hutch-helper true
  HUTCH_CMD_TIMEOUT=20 run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  refute [ "$status" -eq 124 ] # not a hang cut short by the timeout
  if is_hutch; then
    assert_output --regexp "^hutch-runtime: .*create cgroup $CGPATH: .*/freezer$CGPATH is frozen"
  fi
  echo THAWED >"/sys/fs/cgroup/freezer/$CGPARENT/freezer.state"
  assert_gone "$ID"
  # The parent was the test's, so it stays.
  [ -d "/sys/fs/cgroup/freezer/$CGPARENT" ]
}

@test "a target cgroup that already holds a process is refused; the process stays untouched" {
  make_cgroups "$CGPATH"
  sleep 300 &
  STRANGER=$!
  echo "$STRANGER" >"/sys/fs/cgroup/pids$CGPATH/cgroup.procs"
  set_args /bin/hutch-helper true
  run runtime run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output --regexp "hutch-runtime: .*create cgroup $CGPATH: .*/pids$CGPATH already holds 1 process \\(pid $STRANGER\\)"
  kill -0 "$STRANGER" # still alive
  grep -q "^[0-9]*:pids:$CGPATH\$" "/proc/$STRANGER/cgroup" || fail "the stranger was moved"
  run runtime state "$ID"
  assert_failure
  [ ! -e "$STATE/$ID" ]
  # Its dirs existed before: a refused create removes none of them.
  [ -d "/sys/fs/cgroup/pids$CGPATH" ] && [ -d "/sys/fs/cgroup/memory$CGPATH" ]
}

@test "exec joins the container's cgroup in every hierarchy, the cgroup2 mount included" {
  grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts ||
    fail "this suite expects the hybrid host's cgroup2 mount at /sys/fs/cgroup/unified"
  start_detached /bin/hutch-helper sleep 300
  run runtime_bg "$TEST_DIR/exec" exec -d --pid-file "$TEST_DIR/exec.pid" "$ID" /bin/hutch-helper sleep 300
  assert_success
  local pid
  pid=$(cat "$TEST_DIR/exec.pid")
  run cat "/proc/$pid/cgroup"
  assert_line "0::$CGPATH"
  assert_line --regexp "^[0-9]+:memory:$CGPATH\$"
  assert_line --regexp "^[0-9]+:freezer:$CGPATH\$"
  assert_line --regexp "^[0-9]+:devices:$CGPATH\$"
  # Every line names the container's cgroup: no hierarchy left behind.
  refute_line --regexp ":/$"
}

@test "a linux.devices node is not usable under a deny-all rule list" {
  with_test_device
  run_helper write /dev/xdev x
  assert_failure
  assert_output --partial "EPERM"
  # The default allow-list still holds: /dev/null works.
  run_helper write /dev/null x
  assert_success
}

@test "a linux.devices node is usable where a rule allows it (access \"rwa\" reads as rw)" {
  with_test_device '[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":'"$(free_char_major)"',"minor":7,"access":"rwa"}]'
  # Allowed: the open reaches the (absent) driver.
  run_helper write /dev/xdev x
  assert_failure
  assert_output --partial "ENXIO"
}

@test "access strings that grant nothing are refused, naming the field, and nothing is left" {
  local acc
  for acc in "" "q" "r w"; do
    with_test_device '[{"allow":true,"type":"c","major":1,"minor":3,"access":"'"$acc"'"}]'
    run_helper true
    assert_failure
    if is_hutch; then
      assert_output --partial "linux.resources.devices[0].access: must be letters with at least one of r, w and m, got \"$acc\""
    fi
    assert_gone "$ID"
  done
}

@test "update -r changes device rules of a running container live" {
  with_test_device
  start_detached /bin/hutch-helper sleep 300
  run runtime exec "$ID" /bin/hutch-helper write /dev/xdev x
  assert_output --partial "EPERM"
  run runtime update -r <(xdev_rule true rw) "$ID"
  assert_success
  run runtime exec "$ID" /bin/hutch-helper write /dev/xdev x
  assert_output --partial "ENXIO"
  # The defaults stay in force after an update: /dev/null still works.
  run runtime exec "$ID" /bin/hutch-helper write /dev/null x
  assert_success
  run runtime update -r <(xdev_rule false w) "$ID"
  assert_success
  run runtime exec "$ID" /bin/hutch-helper write /dev/xdev x
  assert_output --partial "EPERM"
  # A bad rule changes nothing and says why.
  echo '{"devices":[{"allow":true,"access":""}]}' >"$TEST_DIR/bad.json"
  run runtime update -r "$TEST_DIR/bad.json" "$ID"
  assert_failure
  if is_hutch; then
    assert_output --partial "devices[0].access: must be letters"
  fi
  run runtime exec "$ID" /bin/hutch-helper write /dev/null x
  assert_success
}

@test "pids.limit 0 is a real limit, as runc makes it since runtime-spec 1.3: pids.max 1, no fork" {
  bundle_set '.linux.resources.pids = {limit: 0}'
  start_detached /bin/hutch-helper sleep 300
  run cat "/sys/fs/cgroup/pids$CGPATH/pids.max"
  assert_output "1"
  # exec joins (a move ignores pids.max), but nothing in there can fork.
  run runtime exec "$ID" /bin/hutch-helper forkbomb 3
  assert_line "0"
  assert_line --partial "forks failed: EAGAIN"
}
