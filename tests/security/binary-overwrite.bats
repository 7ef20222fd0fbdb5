#!/usr/bin/env bats
# CVE-2019-5736, run as an attack: a process in the container catches a
# process that runs one of hutch's host binaries, opens its /proc/PID/exe
# and writes to it once the binary stops running. The kernel runs the host
# binary in the container for us when the runtime's child executes a script
# starting "#!/proc/self/exe". Each test attacks a private copy of the
# binary (so a working exploit breaks nothing else) and fails if the copy
# changed or the payload reports "wrote". It also requires "caught": an
# attack that never reached its target proves nothing.

load ../integration/helpers

PAYLOAD=$HUTCH_BUILD/tests/security/payloads/exe-overwrite

setup() {
  hutch_setup
  make_bundle
  ID=$(new_id)
  cp "$HUTCH_RUNTIME" "$TEST_DIR/hutch-runtime"
  RUNTIME=$TEST_DIR/hutch-runtime
  BEFORE=$(sha256sum <"$RUNTIME")
  cp "$PAYLOAD" "$BUNDLE/rootfs/bin/exe-overwrite"
  printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
  chmod 0755 "$BUNDLE/rootfs/evil" "$BUNDLE/rootfs/bin/exe-overwrite"
}

teardown() { hutch_teardown; }

# attack_until_caught OUT CMD...: run CMD (which makes a hutch binary run in
# the container) until the watcher writing to OUT reports, then wait for its
# verdict.
attack_until_caught() {
  local out=$1 i
  shift
  for ((i = 0; i < 200; i++)); do
    grep -q '^caught' "$out" 2>/dev/null && break
    "$@" >/dev/null 2>&1 || true
  done
  for ((i = 0; i < 100; i++)); do
    grep -qE '^(wrote|refused)' "$out" 2>/dev/null && break
    sleep 0.1
  done
  cat "$out" >&3 2>/dev/null || true
  run cat "$out"
  assert_line --regexp '^caught [0-9]+$'
  refute_line wrote
  assert_line --regexp '^refused (EROFS|EPERM)$'
  assert_equal "$(sha256sum <"$RUNTIME")" "$BEFORE"
}

@test "exec of a '#!/proc/self/exe' script: the runtime binary it runs in the container cannot be overwritten" {
  set_args /bin/exe-overwrite watch 30
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  attack_until_caught "$TEST_DIR/run.out" runtime exec "$ID" /evil
}

@test "exec with CAP_SYS_PTRACE and every capability: still no write to the runtime binary" {
  bundle_set '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}' \
    --argjson c "$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' | tr a-z A-Z | jq -Rsc 'split("\n") | map(select(length > 0))')"
  set_args /bin/exe-overwrite watch 30
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  attack_until_caught "$TEST_DIR/run.out" runtime exec "$ID" /evil
}

# victim_bundle: a second bundle on the same rootfs whose init is /evil,
# joining the pid namespace of the watcher (the running container $ID).
victim_bundle() {
  local pid
  pid=$(state_field "$ID" pid)
  mkdir "$TEST_DIR/victim"
  jq --arg ns "/proc/$pid/ns/pid" --arg root "$BUNDLE/rootfs" \
    '.root.path = $root | .process.args = ["/evil"]
     | .linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $ns else . end]' \
    "$BUNDLE/config.json" >"$TEST_DIR/victim/config.json"
}

@test "run of a container whose init is the script, watched from a shared pid namespace" {
  set_args /bin/exe-overwrite watch 30
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  victim_bundle
  attack_until_caught "$TEST_DIR/run.out" \
    bash -c "'$RUNTIME' --root '$STATE' run -b '$TEST_DIR/victim' $ID-v; '$RUNTIME' --root '$STATE' delete -f $ID-v"
}

@test "create + start of a container whose init is the script, watched from a shared pid namespace" {
  set_args /bin/exe-overwrite watch 30
  runtime_bg "$TEST_DIR/run" run -d -b "$BUNDLE" "$ID" || fail "run -d: $(cat "$TEST_DIR/run.err")"
  victim_bundle
  attack_until_caught "$TEST_DIR/run.out" \
    bash -c "'$RUNTIME' --root '$STATE' create -b '$TEST_DIR/victim' $ID-v </dev/null;
             '$RUNTIME' --root '$STATE' start $ID-v; sleep 0.05; '$RUNTIME' --root '$STATE' delete -f $ID-v"
}

@test "the runtime's waiting init, caught from the host by pid, cannot be written once it execs" {
  set_args /bin/hutch-helper sleep 300
  runtime_bg "$TEST_DIR/create" create -b "$BUNDLE" "$ID" || fail "create: $(cat "$TEST_DIR/create.err")"
  local pid
  pid=$(state_field "$ID" pid)
  # the attacker holds the waiting init's /proc/PID/exe and retries the
  # write for 5 s; start makes the init exec the container's binary, after
  # which a runtime binary on disk would no longer be busy
  "$PAYLOAD" pid "$pid" >"$TEST_DIR/attack.out" &
  local attacker=$!
  sleep 0.3
  runtime start "$ID"
  wait "$attacker"
  run cat "$TEST_DIR/attack.out"
  assert_line "caught $pid"
  refute_line wrote
  assert_line --regexp '^refused (EROFS|EPERM)$'
  assert_equal "$(sha256sum <"$RUNTIME")" "$BEFORE"
}
