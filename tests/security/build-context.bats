#!/usr/bin/env bats
# Attacks on hutch build through its context (issue 18): a Dockerfile and
# context come from whoever wrote them, and the builder runs as root. Each
# test runs the exploit and fails if it reaches the host.

load ../integration/build/helpers

setup_file() { build_setup_file; }
setup() {
  build_setup
  echo host-secret >"$TEST_DIR/secret"
}
teardown() { build_teardown; }

build() {
  hutch build --network none "$@"
}

@test "build context: an absolute symlink to a host file is resolved inside the context" {
  ln -s "$TEST_DIR/secret" "$CTX/evil"
  printf 'FROM busybox\nCOPY evil /x\n' >"$CTX/Dockerfile"
  run build -t leak1 "$CTX"
  assert_failure
  assert_output --partial "file not found in build context"
  run hutch image inspect leak1
  assert_failure
}

@test "build context: a symlinked dir cannot lead COPY out of the context" {
  ln -s "$TEST_DIR" "$CTX/up"
  ln -s ../.. "$CTX/rel"
  printf 'FROM busybox\nCOPY up/secret /x\n' >"$CTX/Dockerfile"
  run build -t leak2 "$CTX"
  assert_failure
  printf 'FROM busybox\nCOPY rel/secret /x\n' >"$CTX/Dockerfile"
  run build -t leak3 "$CTX"
  assert_failure
  refute_output --partial host-secret
}

@test "build context: ../ in a COPY source is refused" {
  printf 'FROM busybox\nCOPY ../secret /x\n' >"$CTX/Dockerfile"
  run build -t leak4 "$CTX"
  assert_failure
  assert_output --partial "outside the build context"
}

@test "build context: ADD of a hostile tar writes nothing outside the image" {
  python3 - "$CTX/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"pwned\n"
    for name in ("../../../../../../tmp/hutch-build-escape", "/tmp/hutch-build-abs"):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    l = tarfile.TarInfo("link")
    l.type = tarfile.SYMTYPE
    l.linkname = "/tmp"
    t.addfile(l)
    i = tarfile.TarInfo("link/hutch-build-via-link")
    i.size = len(data)
    t.addfile(i, io.BytesIO(data))
PY
  rm -f /tmp/hutch-build-escape /tmp/hutch-build-abs /tmp/hutch-build-via-link
  printf 'FROM busybox\nADD evil.tar /dst/\n' >"$CTX/Dockerfile"
  run build -t leak5 "$CTX"
  [ ! -e /tmp/hutch-build-escape ]
  [ ! -e /tmp/hutch-build-abs ]
  [ ! -e /tmp/hutch-build-via-link ]
}
