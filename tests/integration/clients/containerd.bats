#!/usr/bin/env bats
# containerd 1.6 (ctr, and the io.containerd.runc.v2 shim with
# --runc-binary) driving hutch-runtime: the Kubernetes node path minus the
# CRI plugin. containerd runs privately (its own root, state and socket
# under $CLI_DIR, started here and stopped by pid); images come from the
# local registry over plain HTTP. The shim keeps the runtime's state under
# /run/containerd/runc/<namespace>, so the suite uses a namespace of its
# own ($NS), which ctr also makes the containers' cgroup parent.

load helpers

setup_file() {
  clients_up || return 1
  export CTRD_DIR=$CLI_DIR/containerd NS=$CGPARENT
  export SOCK=$CTRD_DIR/containerd.sock
  export RT_ROOT=/run/containerd/runc/$NS
  # containerd 1.6 puts shim sockets (/run/containerd/s), ctr's stdio
  # fifos (/run/containerd/fifo) and the runtime root under /run/containerd
  # whatever its config says: remove what of that we made.
  RUN_CTRD_EXISTED=$([ -e /run/containerd ] && echo yes || echo no)
  RUN_RUNC_EXISTED=$([ -e /run/containerd/runc ] && echo yes || echo no)
  export RUN_CTRD_EXISTED RUN_RUNC_EXISTED
  containerd_start "$CTRD_DIR" || return 1
  ctr images pull --plain-http "$IMAGE" >/dev/null || return 1
}

teardown_file() {
  local id
  for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s KILL "$id" >/dev/null 2>&1; done
  sleep 0.2
  for id in $(ctr containers ls -q 2>/dev/null); do
    ctr tasks rm -f "$id" >/dev/null 2>&1
    ctr containers rm "$id" >/dev/null 2>&1
  done
  # whatever the shims left in the runtime's state (a shim killed mid-way)
  for id in $(ls "$RT_ROOT" 2>/dev/null); do "$HUTCH_RUNTIME" --root "$RT_ROOT" delete -f "$id" >/dev/null 2>&1; done
  rmdir "$RT_ROOT" 2>/dev/null
  clients_down
  [ "$RUN_RUNC_EXISTED" = yes ] || rmdir /run/containerd/runc 2>/dev/null
  if [ "$RUN_CTRD_EXISTED" = no ]; then
    rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
  fi
  return 0
}

ctr() {
  timeout -k 5 60 /usr/bin/ctr -a "$SOCK" -n "$NS" "$@"
}

crun_() {
  ctr run --runc-binary "$HUTCH_RUNTIME" "$@"
}

new_id() { echo "c-$BATS_TEST_NUMBER-$RANDOM"; }

@test "ctr run --runc-binary hutch-runtime --rm runs an image pulled from the local registry" {
  id=$(new_id)
  run crun_ --rm "$IMAGE" "$id" cat /etc/hutch-file
  assert_success
  assert_output "$CLIENT_IMAGE_FILE_TEXT"
  # the image's WorkingDir (/srv, not in its layers) was created as the cwd
  run crun_ --rm "$IMAGE" "$id" hutch-helper cwd
  assert_output /srv
  run ctr containers ls -q
  assert_output ""
  [ -z "$(ls "$RT_ROOT" 2>/dev/null)" ]
}

@test "ctr run -d, tasks exec/ps/pause/resume/kill, rm" {
  id=$(new_id)
  run crun_ -d "$IMAGE" "$id" hutch-helper trap-term
  assert_success
  # the shim's runtime is hutch-runtime: its state is ours to read
  run "$HUTCH_RUNTIME" --root "$RT_ROOT" state "$id"
  assert_success
  [ "$(echo "$output" | jq -r .status)" = running ]
  pid=$(echo "$output" | jq -r .pid)

  run ctr tasks exec --exec-id e1 "$id" cat /etc/hutch-file
  assert_success
  assert_output "$CLIENT_IMAGE_FILE_TEXT"
  run ctr tasks exec --exec-id e2 "$id" sh -c 'exit 4'
  assert_failure 4

  # `ps --format json`
  run ctr tasks ps "$id"
  assert_success
  assert_line --partial "$pid"

  run ctr tasks pause "$id"
  assert_success
  run ctr tasks ls
  assert_line --regexp "^$id +$pid +PAUSED"
  run ctr tasks resume "$id"
  assert_success
  run ctr tasks ls
  assert_line --regexp "^$id +$pid +RUNNING"

  # SIGTERM goes through `kill`; the payload exits 0 on it
  run ctr tasks kill -s TERM "$id"
  assert_success
  for _ in $(seq 50); do
    ctr tasks ls | grep -q "^$id .*STOPPED" && break
    sleep 0.1
  done
  run ctr tasks ls
  assert_line --regexp "^$id +$pid +STOPPED"
  run ctr tasks rm "$id"
  assert_success
  run ctr containers rm "$id"
  assert_success
  run "$HUTCH_RUNTIME" --root "$RT_ROOT" state "$id"
  assert_failure
}

@test "ctr run passes the exit status through" {
  run crun_ --rm "$IMAGE" "$(new_id)" sh -c 'exit 7'
  assert_failure 7
}

@test "ctr run shows the runtime's error (from its JSON log) for a missing command" {
  run crun_ --rm "$IMAGE" "$(new_id)" /no/such/cmd
  assert_failure
  assert_output --partial 'OCI runtime create failed'
  assert_output --partial '/no/such/cmd'
  run ctr containers ls -q
  assert_output ""
}

@test "ctr run -t: the terminal comes through the shim's console socket" {
  id=$(new_id)
  run bash -c "sleep 5 | script -qec '/usr/bin/ctr -a $SOCK -n $NS run -t --rm \
    --runc-binary $HUTCH_RUNTIME $IMAGE $id hutch-helper isatty 1' /dev/null"
  assert_success
  assert_output --partial 1
  refute_output --partial 0
}

@test "ctr run leaves no cgroup and no runtime state behind" {
  run crun_ --rm "$IMAGE" "$(new_id)" true
  assert_success
  run leftover_cgroups
  assert_output ""
  [ -z "$(ls "$RT_ROOT" 2>/dev/null)" ]
}
