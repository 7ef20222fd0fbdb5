#!/usr/bin/env bats
# CVE-2019-5736 through the engine: `hutch exec` (and, for a process
# sharing the pid namespace, `hutch run` and
# `hutch start` run hutch itself in the container when the process is a
# script starting "#!/proc/self/exe". A watcher in the container opens the caught process's /proc/PID/exe and writes to it once
# it stops running. hutch runs from a private copy (so a working exploit
# breaks nothing else); each test fails if the copy changed, the payload
# says "wrote", or the watcher never caught anything. (The engine has no
# --pid container: yet; run and create + start through the same runtime
# library are attacked in binary-overwrite.bats.)

load ../integration/engine/helpers

setup_file() {
  engine_setup_file
  local root=$ENGINE_DIR/evil
  "$FIXTURES/mkrootfs.sh" "$root" "$HUTCH_BUILD" >/dev/null
  cp "$HUTCH_BUILD/tests/security/payloads/exe-overwrite" "$root/bin/exe-overwrite"
  printf '#!/proc/self/exe\n' >"$root/evil"
  chmod 0755 "$root/evil" "$root/bin/exe-overwrite"
  # hutch is linked dynamically: an image with the host's libraries (as a
  # Debian image would have them) lets the kernel run it in the container
  local lib
  for lib in $(ldd "$HUTCH" | grep -o '/[^ ]*'); do
    cp -L --parents "$lib" "$root"
  done
  tar -C "$root" -cf "$ENGINE_DIR/evil.tar" .
  "$HUTCH" import "$ENGINE_DIR/evil.tar" evilimg >/dev/null
  rm -rf "$root" "$ENGINE_DIR/evil.tar"
}

setup() {
  engine_setup
  # the copy finds its plugins and helpers through the environment
  export HUTCH_PLUGIN_DIR=$HUTCH_BUILD/src/hutch
  export HUTCH_MONITOR=$HUTCH_BUILD/src/hutch-monitor/hutch-monitor
  export HUTCH_INIT=$HUTCH_BUILD/src/hutch-init/hutch-init
  cp "$HUTCH" "$TEST_DIR/hutch"
  COPY=$TEST_DIR/hutch
  BEFORE=$(sha256sum <"$COPY")
}

teardown() { engine_teardown; }

copy() { timeout -k 5 60 "$COPY" "$@"; }

# watcher NAME ARGS...: a container running the payload for 30 s
watcher() {
  local name=$1
  shift
  run hutch_bg run -d --name "$name" "$@" evilimg /bin/exe-overwrite watch 30
  assert_success
}

# attack_until_caught NAME CMD...: run CMD until the watcher NAME reports a
# catch, then wait for its verdict and check the copy of hutch.
attack_until_caught() {
  local name=$1 i
  shift
  for ((i = 0; i < 100; i++)); do
    hutch logs "$name" 2>/dev/null | grep -q '^caught' && break
    "$@" </dev/null >/dev/null 2>&1 || true
  done
  for ((i = 0; i < 100; i++)); do
    hutch logs "$name" 2>/dev/null | grep -qE '^(wrote|refused|missed)' && break
    sleep 0.1
  done
  hutch logs "$name" >"$TEST_DIR/verdict" 2>&1 || true
  sed 's/^/# /' "$TEST_DIR/verdict" >&3
  run cat "$TEST_DIR/verdict"
  assert_line --regexp '^caught [0-9]+$'
  refute_line wrote
  assert_line --regexp '^refused (EROFS|EPERM)$'
  assert_equal "$(sha256sum <"$COPY")" "$BEFORE"
}

@test "hutch exec of a '#!/proc/self/exe' script: the hutch binary it runs in the container cannot be overwritten" {
  watcher w
  attack_until_caught w copy exec w /evil
}

@test "hutch exec as a container with every capability: still no write to hutch" {
  watcher w --privileged
  attack_until_caught w copy exec w /evil
}

@test "run --init: the container's hutch-init is a private copy, not the host's file" {
  run hutch_bg run -d --init --name i evilimg sleep 60
  assert_success
  local id
  id=$(hutch inspect -f '{{.Id}}' i)
  run hutch exec i sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; stat -c %i /proc/1/exe'
  assert_success
  # the init's binary is the container dir's copy
  [ "$(hutch exec i stat -L -c %i /proc/1/exe)" = "$(stat -c %i "$HUTCH_ROOT/containers/$id/init")" ]
  [ "$(stat -c %i "$HUTCH_ROOT/containers/$id/init")" != "$(stat -c %i "$HUTCH_INIT")" ]
}
