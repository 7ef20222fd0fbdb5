#!/usr/bin/env bats
# The CLI's startup cost: the code that needs libcurl, libarchive,
# libnftables and libcrypto lives in dlopen()ed plugins (src/hutch/plugins.c), so the
# executable itself loads only a few shared libraries, and a command
# loads a plugin only when it uses one.

load helpers

@test "hutch links none of libcurl, libarchive, libnftables; ps loads no plugin" {
  run ldd "$HUTCH"
  assert_success
  refute_output --partial libcurl
  refute_output --partial libarchive
  refute_output --partial libnftables
  refute_output --partial libcrypto
  # vdso, ld.so, libc, jansson, seccomp, cap, mnl, and libsqlite3 (the
  # state database every container command reads) with its libm
  [ "$(echo "$output" | wc -l)" -le 9 ]
  run bash -c "LD_DEBUG=files $HUTCH ps 2>&1 >/dev/null | grep -c 'file=.*hutch-.*\.so' || true"
  assert_output 0
}

@test "a plugin loads on first use; a missing one is a clear error" {
  id=$(hutch_bg run -d --network none testimg sh -c 'echo x >/f; sleep 30')
  run bash -c "LD_DEBUG=files timeout 60 $HUTCH diff $id 2>&1 >/dev/null | grep -o 'file=[^ ]*hutch-archive.so' | head -1"
  assert_output --partial hutch-archive.so
  mkdir "$TEST_DIR/noplugins"
  cp "$HUTCH" "$TEST_DIR/noplugins/hutch"
  run env HUTCH_PLUGIN_DIR="$TEST_DIR/noplugins" "$TEST_DIR/noplugins/hutch" diff "$id"
  assert_failure
  assert_output --partial "plugin hutch-archive.so"
  # commands that need no plugin work without them
  run env HUTCH_PLUGIN_DIR="$TEST_DIR/noplugins" "$TEST_DIR/noplugins/hutch" ps -q --no-trunc
  assert_success
  assert_output "$id"
}

@test "run --rm --network none of a present image loads no plugin" {
  run bash -c "LD_DEBUG=files timeout 60 $HUTCH run --rm --network none testimg true 2>&1 >/dev/null | grep -c 'file=.*hutch-.*\.so' || true"
  assert_output 0
}
