#!/usr/bin/env bats
# Failed and killed pulls do not leave tmp/*.partial in the image store
# forever (issue 12): a failed pull removes the empty partial files it
# made, the next pull removes every partial no live puller holds (its
# flock) and it does not resume, and image prune removes the rest.

load ../integration/image/helpers

setup_file() { image_registry_up; }
teardown_file() { image_registry_down; }
setup() { image_setup; }
teardown() {
  [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
  [ -z "${SLEEPER:-}" ] || kill "$SLEEPER" 2>/dev/null || true
  image_teardown
}

layer_digest() {
  curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/$1/manifests/latest" | jq -r ".layers[$2].digest"
}

partials() {
  find "$HUTCH_ROOT/tmp" -name '*.partial' 2>/dev/null || true
}

fake_hex() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

@test "pull: a failed pull removes the empty partial files it made" {
  local digest data
  digest=$(layer_digest hutch/unique -1)
  data=$(registry_blob_path "$REG_DIR" "$digest")
  mv "$data" "$TEST_DIR/blob"
  run hutch pull -q "$REG/hutch/unique"
  mv "$TEST_DIR/blob" "$data"
  assert_failure
  [ ! -e "$HUTCH_ROOT/tmp/${digest#sha256:}.partial" ]
  [ -z "$(find "$HUTCH_ROOT/tmp" -name '*.partial' -empty)" ]
}

@test "pull: the next pull removes partials no puller holds; image prune the rest" {
  mkdir -p "$HUTCH_ROOT/tmp"
  local stale busy
  stale=$HUTCH_ROOT/tmp/$(fake_hex).partial
  busy=$HUTCH_ROOT/tmp/$(fake_hex).partial
  # what a killed pull leaves: a partial download nobody holds
  head -c 1000 /dev/urandom >"$stale"
  # a pull in progress elsewhere holds its partial's lock
  head -c 1000 /dev/urandom >"$busy"
  flock -o "$busy" sleep 60 3>&- &
  HOLDER=$!
  sleep 0.3
  SLEEPER=$(pgrep -P "$HOLDER")
  run hutch pull -q "$REG/hutch/one"
  assert_success
  [ ! -e "$stale" ]
  [ -e "$busy" ]
  kill "$HOLDER"
  wait "$HOLDER" 2>/dev/null || true
  HOLDER=
  kill "$SLEEPER" 2>/dev/null || true
  SLEEPER=
  run hutch image prune -f
  assert_success
  [ -z "$(partials)" ]
}

@test "pull: SIGKILL of pulls at any point; the next pull and prune leave tmp/ empty" {
  local i pid deadline=$((SECONDS + 120))
  for i in $(seq 0 9); do
    [ "$SECONDS" -lt "$deadline" ] || { echo "time bound reached at try $i" >&2; return 1; }
    "$HUTCH" pull -q "$REG/hutch/unique" </dev/null >/dev/null 2>&1 3>&- &
    pid=$!
    sleep "$(printf '0.%03d' $((i * 12)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # the stored image, if the pull finished, would hide the partials
    "$HUTCH" rmi -f "$REG/hutch/unique" >/dev/null 2>&1 || true
  done
  # a pull of an image with other layers: none of the left partials is
  # resumed, so none may remain
  run hutch pull -q "$REG/hutch/zstd"
  assert_success
  [ -z "$(partials)" ] || { echo "left: $(partials)" >&2; return 1; }
  run hutch image prune -a -f
  assert_success
  [ -z "$(ls -A "$HUTCH_ROOT/tmp")" ] || { echo "tmp/: $(ls -A "$HUTCH_ROOT/tmp")" >&2; return 1; }
}
