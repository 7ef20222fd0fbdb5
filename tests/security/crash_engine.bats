#!/usr/bin/env bats
# Kill -9 of the engine at any moment leaves nothing that `ps -a` does not
# show or clean and `rm -f` cannot remove (issue 12): `hutch run -d` and
# `hutch create` are SIGKILLed after a growing delay, from before the
# container dir exists to after the monitor started it. Before, a kill
# between the dir and its record left a dir (with an overlay mount and an
# image hold) that no command listed or removed.

load ../integration/engine/helpers

teardown() {
  # the lock holder of the "held lock" test, even when it failed early
  [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
  [ -z "${SLEEPER:-}" ] || kill "$SLEEPER" 2>/dev/null || true
  engine_teardown
}

# Container dirs of the engine: everything under containers/.
ctr_dirs() {
  ls -A "$HUTCH_ROOT/containers" 2>/dev/null || true
}

# hold_lock FILE: someone at work on a container holds its lock (-o: the
# lock stays with flock itself, not with its sleeping child);
# release_lock: that someone dies.
hold_lock() {
  flock -o "$1" sleep 30 3>&- &
  HOLDER=$!
  sleep 0.3
  SLEEPER=$(pgrep -P "$HOLDER")
}

release_lock() {
  kill "$HOLDER" 2>/dev/null || true
  wait "$HOLDER" 2>/dev/null || true
  HOLDER=
  kill "$SLEEPER" 2>/dev/null || true
  SLEEPER=
}

overlay_mounts() {
  grep -F "$HUTCH_ROOT/containers" /proc/self/mountinfo | awk '{ print $5 }' || true
}

# kill_at DELAY ARGS...: start hutch ARGS in the background, SIGKILL it
# after DELAY seconds (it may have finished already).
kill_at() {
  local delay=$1 pid
  shift
  "$HUTCH" "$@" </dev/null >/dev/null 2>&1 3>&- &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Every container dir is listed by ps -a (or was cleaned by it), rm -f
# removes each, and then nothing is left: no dir, no overlay mount.
assert_all_removable() {
  local ids d id
  ids=$("$HUTCH" ps -aq --no-trunc)
  for d in $(ctr_dirs); do
    grep -qx -- "$d" <<<"$ids" || { echo "container dir $d is not listed by ps -a: $(ls -A "$HUTCH_ROOT/containers/$d" | tr "\n" " ")" >&2; return 1; }
  done
  for id in $ids; do
    run "$HUTCH" rm -f "$id"
    assert_success
  done
  [ -z "$(ctr_dirs)" ] || { echo "left in containers/: $(ctr_dirs)" >&2; return 1; }
  [ -z "$(overlay_mounts)" ] || { echo "overlay mounts left: $(overlay_mounts)" >&2; return 1; }
  # the state database survived every kill whole: no torn page, no row
  # without its parent
  run sqlite3 "$HUTCH_ROOT/state.db" "PRAGMA integrity_check; PRAGMA foreign_key_check;"
  assert_output ok
  run sqlite3 "$HUTCH_ROOT/state.db" "SELECT count(*) FROM containers"
  assert_output 0
}

@test "engine: SIGKILL of run -d and create at any point; ps -a, rm -f leave nothing" {
  local i delay deadline=$((SECONDS + 240))
  # run -d takes some 80 ms here: 0 to 114 ms in 6 ms steps covers the
  # dir, the overlay, the record, the monitor and the runtime's create
  for i in $(seq 0 19); do
    [ "$SECONDS" -lt "$deadline" ] || { echo "time bound reached at try $i" >&2; return 1; }
    delay=$(printf '0.%03d' $((i * 6)))
    if [ $((i % 2)) -eq 0 ]; then
      kill_at "$delay" run -d --network none testimg sleep 3600
    else
      kill_at "$delay" create --network none testimg sleep 3600
    fi
  done
  assert_all_removable
}

@test "engine: a dir a killed create left (no record, lock free) is cleaned by the next listing" {
  local id id2
  id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  id2=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # what a create killed before its record leaves: the locked-then-
  # renamed dir, a half-made .creating- dir, a half-removed .removing- one
  mkdir -p "$HUTCH_ROOT/containers/$id/upper/x" "$HUTCH_ROOT/containers/$id/merged"
  : >"$HUTCH_ROOT/containers/$id/.lock"
  mkdir -p "$HUTCH_ROOT/containers/.creating-$id2" "$HUTCH_ROOT/containers/.removing-$id2/work"
  # killed between mkdir and its lock: the .new- dir of a dead process
  # goes, that of a live one (a create at that instant) stays
  local dead live
  dead=".new-999999999-1-$id2"
  live=".new-$$-$(awk '{print $22}' /proc/$$/stat)-$id"
  mkdir -p "$HUTCH_ROOT/containers/$dead" "$HUTCH_ROOT/containers/$live"
  # a dir whose lock is held is someone's create in progress: left alone
  local busy
  busy=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  mkdir -p "$HUTCH_ROOT/containers/$busy"
  : >"$HUTCH_ROOT/containers/$busy/.lock"
  hold_lock "$HUTCH_ROOT/containers/$busy/.lock"
  run "$HUTCH" ps -aq --no-trunc
  assert_success
  [ ! -e "$HUTCH_ROOT/containers/$id" ]
  [ ! -e "$HUTCH_ROOT/containers/.creating-$id2" ]
  [ ! -e "$HUTCH_ROOT/containers/.removing-$id2" ]
  [ ! -e "$HUTCH_ROOT/containers/$dead" ]
  [ -d "$HUTCH_ROOT/containers/$live" ]
  rmdir "$HUTCH_ROOT/containers/$live"
  [ -d "$HUTCH_ROOT/containers/$busy" ]
  release_lock
  # once its creator is gone, the next command cleans it
  run "$HUTCH" container prune -f
  assert_success
  [ ! -e "$HUTCH_ROOT/containers/$busy" ]
  [ -z "$(ctr_dirs)" ]
}

@test "engine: SIGKILL of rm -f at any point; the next rm -f or ps -a finishes it" {
  local i delay ids deadline=$((SECONDS + 120))
  for i in $(seq 0 7); do
    [ "$SECONDS" -lt "$deadline" ] || { echo "time bound reached at try $i" >&2; return 1; }
    hutch_bg run -d --network none testimg sleep 3600 >/dev/null
  done
  ids=$("$HUTCH" ps -aq --no-trunc)
  i=0
  for id in $ids; do
    delay=$(printf '0.%03d' $((i * 20)))
    kill_at "$delay" rm -f "$id"
    i=$((i + 1))
  done
  assert_all_removable
}

@test "engine: a name held by a killed create is free again for the next create of that name" {
  local id
  id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$HUTCH" ps -a >/dev/null # the state database exists
  # what a create killed after it reserved the name leaves: an incomplete
  # row and its .creating- dir, whose lock no one holds
  sqlite3 "$HUTCH_ROOT/state.db" \
    "INSERT INTO containers (id, name, created, complete) VALUES ('$id', 'taken', '2026-01-01T00:00:00Z', 0)"
  mkdir -p "$HUTCH_ROOT/containers/.creating-$id"
  : >"$HUTCH_ROOT/containers/.creating-$id/.lock"
  # while its creator lives (holds the lock), the name is taken
  hold_lock "$HUTCH_ROOT/containers/.creating-$id/.lock"
  run "$HUTCH" create --network none --name taken testimg true
  assert_failure
  assert_output --partial 'The container name "/taken" is already in use'
  release_lock
  # once it is dead, the next create of that name reaps it and wins
  run "$HUTCH" create --network none --name taken testimg true
  assert_success
  [ ! -e "$HUTCH_ROOT/containers/.creating-$id" ]
  run sqlite3 "$HUTCH_ROOT/state.db" "SELECT count(*) FROM containers WHERE id='$id'"
  assert_output 0
  assert_all_removable
}
