#!/usr/bin/env bats
# buildah 1.28 with --runtime hutch-runtime: a Containerfile RUN step
# built offline FROM the local registry's fixture image, and `buildah run`
# on the result. Storage is private (--root/--runroot under $CLI_DIR, vfs),
# and so are buildah's bundle dirs (TMPDIR).

load helpers

setup_file() {
  clients_up || return 1
  export BUILDAH_DIR=$CLI_DIR/buildah
  mkdir -p "$BUILDAH_DIR/tmp" "$BUILDAH_DIR/ctx"
}

teardown_file() {
  buildah rm -a >/dev/null 2>&1
  clients_down
}

buildah() {
  TMPDIR=$BUILDAH_DIR/tmp timeout -k 5 120 /usr/bin/buildah --root "$BUILDAH_DIR/root" \
    --runroot "$BUILDAH_DIR/runroot" --storage-driver vfs "$@"
}

# The options every RUN needs here: no network, and ulimits this host's
# hard limits allow (buildah's default nofile is above them).
RUN_OPTS=(--runtime "$HUTCH_RUNTIME" --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# `buildah run` (1.28) has no --ulimit; it keeps the caller's limits.
RUN_CMD_OPTS=(--runtime "$HUTCH_RUNTIME" --network none)

@test "buildah bud --runtime hutch-runtime runs a RUN step" {
  cat >"$BUILDAH_DIR/ctx/Containerfile" <<EOF
FROM $IMAGE
RUN echo built-by-hutch >/etc/built && cat /etc/hutch-file && hutch-helper status NoNewPrivs
EOF
  run buildah bud --tls-verify=false "${RUN_OPTS[@]}" -t localhost/hutch-built "$BUILDAH_DIR/ctx"
  assert_success
  assert_output --partial "$CLIENT_IMAGE_FILE_TEXT"

  # the RUN step's change is in the image
  run buildah from --pull-never localhost/hutch-built
  assert_success
  ctr=$output
  run buildah run "${RUN_CMD_OPTS[@]}" "$ctr" cat /etc/built
  assert_success
  assert_output built-by-hutch
  run buildah rm "$ctr"
  assert_success
  # buildah deleted what the runtime made
  [ -z "$(ls /run/hutch 2>/dev/null | grep -F "$ctr")" ]
}

@test "buildah run shows the runtime's failure" {
  run buildah from --tls-verify=false "$IMAGE"
  assert_success
  ctr=$output
  run buildah run "${RUN_CMD_OPTS[@]}" "$ctr" sh -c 'exit 5'
  assert_failure
  assert_output --partial 'exit status 5'
  run buildah rm "$ctr"
  assert_success
}
