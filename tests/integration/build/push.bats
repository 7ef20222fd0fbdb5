#!/usr/bin/env bats
# hutch push (issue 18): built images into the local registry fixture
# (tests/fixtures/registry.sh: docker-registry on 127.0.0.1, and its TLS +
# token-auth variant), with blob HEAD checks, monolithic and chunked
# uploads, cross-repository mounts, Docker v2 and OCI manifests; pulled
# back and run by hutch (a fresh store) and by podman.

load helpers

# shellcheck source=../../fixtures/registry.sh
source "$FIXTURES/registry.sh"
set +u +o pipefail

setup_file() {
  build_setup_file
  export REG_DIR AUTH_DIR REG AREG
  REG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-preg.XXXXXX")
  REG=$(registry_start "$REG_DIR")
  AUTH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-pauth.XXXXXX")
  AREG=$(registry_start_auth "$AUTH_DIR")
}

teardown_file() {
  registry_stop "$REG_DIR"
  registry_stop "$AUTH_DIR"
  rm -rf "$REG_DIR" "$AUTH_DIR"
}

setup() {
  build_setup
  export HOME=$TEST_DIR/home
  mkdir -p "$HOME"
  unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR
  echo content >"$CTX/f"
  printf 'FROM busybox\nCOPY f /f\nRUN echo built > /b\nCMD ["cat", "/f", "/b"]\n' >"$CTX/Dockerfile"
  hutch build -q --network none -t img "$CTX" >/dev/null
}
teardown() { build_teardown; }

# Pull NAME into a fresh store and run it there.
pull_run() {
  HUTCH_ROOT=$TEST_DIR/fresh hutch pull -q --tls-verify=false "$1" >/dev/null
  HUTCH_ROOT=$TEST_DIR/fresh hutch run --rm --network none "$1"
}

@test "push: a built image goes up (Docker v2), then layers already exist; hutch pulls and runs it" {
  hutch tag img "$REG/b/one:v1"
  run hutch push "$REG/b/one:v1"
  assert_success
  assert_line --index 0 "The push refers to repository [$REG/b/one]"
  [ "$(grep -c ': Pushed$' <<<"$output")" = 3 ]
  assert_line --regexp '^v1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
  local mt
  mt=$(curl -sS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/b/one/manifests/v1" | jq -r '.mediaType, .config.mediaType, .layers[0].mediaType')
  [ "$mt" = $'application/vnd.docker.distribution.manifest.v2+json\napplication/vnd.docker.container.image.v1+json\napplication/vnd.docker.image.rootfs.diff.tar.gzip' ]
  run hutch push "$REG/b/one:v1"
  [ "$(grep -c ': Layer already exists$' <<<"$output")" = 3 ]
  run pull_run "$REG/b/one:v1"
  assert_success
  assert_output $'content\nbuilt'
}

@test "push: --format oci, blobs mounted from another repository, chunked uploads" {
  hutch tag img "$REG/b/src"
  hutch push -q "$REG/b/src"
  hutch tag img "$REG/b/dst"
  run hutch push --format oci "$REG/b/dst"
  assert_success
  [ "$(grep -c ': Mounted from b/src$' <<<"$output")" = 3 ]
  run curl -sS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/b/dst/manifests/latest"
  [ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(jq -r '.layers[0].mediaType' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+gzip ]
  run pull_run "$REG/b/dst"
  assert_output $'content\nbuilt'
  # a store that knows no other repository there: a real upload, in chunks
  hutch rmi "$REG/b/src" "$REG/b/dst" >/dev/null
  hutch tag img "$REG/b/chunked"
  run env HUTCH_PUSH_CHUNK=65536 "$HUTCH" --debug push "$REG/b/chunked"
  assert_success
  [ "$(grep -c 'PATCH http' <<<"$output")" -gt 2 ]
  run pull_run "$REG/b/chunked"
  assert_output $'content\nbuilt'
}

@test "push: podman pulls and runs what hutch pushed, both formats" {
  command -v podman >/dev/null || skip "podman is not installed"
  local P="podman --root $TEST_DIR/proot --runroot $TEST_DIR/prun --runtime runc"
  local f
  for f in docker oci; do
    hutch tag img "$REG/b/pod-$f"
    hutch push -q --format "$f" "$REG/b/pod-$f"
    $P pull -q --tls-verify=false "$REG/b/pod-$f" >/dev/null
    run $P run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$REG/b/pod-$f"
    assert_success
    assert_output $'content\nbuilt'
  done
  $P rmi -a -f >/dev/null 2>&1 || true
}

@test "push: token auth from hutch login; refused clearly without it" {
  export HUTCH_CERTS_DIR=$AUTH_DIR/certs.d
  hutch tag img "$AREG/b/auth"
  run hutch push "$AREG/b/auth"
  assert_failure 1
  assert_output --partial 'token server refused anonymous access'
  hutch login -u hutch -p s3cret "$AREG" >/dev/null
  : >"$AUTH_DIR/token.log"
  run hutch push "$AREG/b/auth"
  assert_success
  run jq -r 'select(.path=="/token") | .user + " " + (.query.scope | join(" "))' "$AUTH_DIR/token.log"
  assert_line 'hutch repository:b/auth:pull,push'
  run hutch pull -q "$AREG/b/auth"
  assert_success
}

@test "push: errors: no such image, bad format, unreachable registry" {
  run hutch push "$REG/b/none"
  assert_failure 1
  assert_output --partial 'no such image'
  run hutch push --format bogus "$REG/b/none"
  assert_failure 1
  assert_output 'hutch: push: --format takes docker or oci, not "bogus"'
  hutch tag img 127.0.0.1:1/b/x
  run hutch push 127.0.0.1:1/b/x
  assert_failure 1
  assert_output --partial 'registry 127.0.0.1:1'
}
