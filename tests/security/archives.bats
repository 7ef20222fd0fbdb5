#!/usr/bin/env bats
# Untrusted archives never start external programs. libarchive's
# *_filter_all bids lrzip, lzop and grzip (and more) and, having no code
# of its own for them, runs the program of that name from PATH, as root:
# a layer, a `hutch load` or `hutch import` tarball, or a `hutch cp -`
# stream starting with their magic would run whatever is first in PATH.
# hutch enables gzip, zstd, xz and bzip2 only, built into libarchive.
#
# The exploit: fake lrzip/lzop/grzip first in PATH, each touching a
# marker; streams with their magic fed to load, import and cp -. The
# command must fail, naming the compression, and no marker may exist.

load ../integration/engine/helpers
bats_require_minimum_version 1.5.0

# A stream whose first bytes make libarchive's bidder pick PROGRAM.
magic() {
  case $1 in
    lrzip) printf 'LRZI\000\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000' ;;
    lzop) printf '\211LZO\000\r\n\032\n\020\060\040\240\011\100\001\005\003\000\000\001' ;;
    grzip) printf 'GRZipII\000\002\004:)\000\000\000\000\000\000\000\000' ;;
  esac
  head -c 4096 /dev/urandom
}

setup() {
  engine_setup
  mkdir "$TEST_DIR/bin"
  for p in lrzip lzop grzip lz4 lzip zstd xz bzip2 gzip; do
    printf '#!/bin/sh\ntouch %s/ran-%s\ncat >/dev/null\n' "$TEST_DIR" "$p" >"$TEST_DIR/bin/$p"
    chmod +x "$TEST_DIR/bin/$p"
  done
}

# (keeps $output: checked after it)
no_program_ran() {
  local ran
  ran=$(ls "$TEST_DIR" | grep ran- || true)
  [ -z "$ran" ] || {
    echo "programs ran: $ran" >&2
    return 1
  }
}

@test "load, import and cp - refuse lrzip, lzop and grzip streams without running a program" {
  id=$(hutch_bg run -d --network none testimg sleep 60)
  for prog in lrzip lzop grzip; do
    magic "$prog" >"$TEST_DIR/$prog.bin"
    run ! env PATH="$TEST_DIR/bin:$PATH" "$HUTCH" load -i "$TEST_DIR/$prog.bin"
    no_program_ran
    assert_output --partial "$prog-compressed"
    run ! env PATH="$TEST_DIR/bin:$PATH" "$HUTCH" import "$TEST_DIR/$prog.bin" "evil-$prog"
    no_program_ran
    assert_output --partial "$prog-compressed"
    run ! bash -c "PATH='$TEST_DIR/bin:$PATH' timeout 60 '$HUTCH' cp - '$id:/tmp' <'$TEST_DIR/$prog.bin'"
    no_program_ran
    assert_output --partial "$prog-compressed"
  done
  # nothing was imported under those names
  run hutch images
  refute_output --partial evil-
}

@test "gzip, zstd, xz and bzip2 still work, in-process" {
  mkdir -p "$TEST_DIR/root/etc"
  echo compressed >"$TEST_DIR/root/etc/mark"
  ln -s /bin "$TEST_DIR/root/bin"
  tar -C "$TEST_DIR/root" -cf "$TEST_DIR/plain.tar" .
  id=$(hutch_bg run -d --network none testimg sleep 60)
  for c in gzip zstd xz bzip2; do
    $c -c "$TEST_DIR/plain.tar" >"$TEST_DIR/l.$c"
    run env PATH="$TEST_DIR/bin:$PATH" "$HUTCH" import "$TEST_DIR/l.$c" "ok-$c"
    assert_success
    run bash -c "PATH='$TEST_DIR/bin:$PATH' timeout 60 '$HUTCH' cp - '$id:/tmp' <'$TEST_DIR/l.$c'"
    assert_success
    run hutch exec "$id" cat /tmp/etc/mark
    assert_output compressed
    hutch exec "$id" rm -rf /tmp/etc /tmp/bin
  done
  no_program_ran
  run hutch image rm ok-gzip ok-zstd ok-xz ok-bzip2
  assert_success
}
