#!/usr/bin/env bats
# Pulling through a misbehaving front (tests/fixtures/flaky_proxy.py):
# 429 and 503 are retried, redirects to blob storage are followed, and a
# dropped connection resumes with a Range request.

load helpers

setup_file() {
  image_registry_up
  export PROXY PROXY_LOG=$REG_DIR/proxy.log
  local port
  port=$(registry_free_port)
  python3 "$FIXTURES/flaky_proxy.py" --port "$port" --upstream "http://$REG" \
    --log "$PROXY_LOG" >"$REG_DIR/proxy.out" 2>&1 &
  echo $! >"$REG_DIR/proxy.pid"
  PROXY=127.0.0.1:$port
  for _ in $(seq 1 50); do
    curl -fsS "http://$PROXY/v2/" >/dev/null 2>&1 && break
    sleep 0.1
  done
}

teardown_file() {
  _stop_pidfile "$REG_DIR/proxy.pid"
  image_registry_down
}

setup() { image_setup; }
teardown() { image_teardown; }

@test "429, 503, a redirect and a dropped connection: the pull still succeeds" {
  run hutch pull "$PROXY/hutch/unique"
  assert_success
  # the blob behind the unique layer went through every misbehaviour
  digest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/hutch/unique/manifests/latest" | jq -r '.layers[-1].digest')
  run jq -r --arg d "$digest" 'select(.path | endswith($d)) | "\(.status) \(.range // "-") \(.path | startswith("/_redirect"))"' "$PROXY_LOG"
  assert_line --index 0 "503 - false"
  assert_line --index 1 "307 - false"
  assert_line --index 2 "dropped - true"
  # resumed with a Range request, at the registry's URL (which answers
  # this time) or at the redirect's: either is right
  assert_line --index 3 --regexp '^206 bytes=[1-9][0-9]*- (true|false)$'
  run jq -r 'select(.path | contains("/manifests/")) | .status' "$PROXY_LOG"
  assert_line --index 0 429
  cmp "$(registry_blob_path "$REG_DIR" "$digest")" "$HUTCH_ROOT/blobs/sha256/${digest#sha256:}"
  [ "$(cat "$(layer_dir "$PROXY/hutch/unique" 2)/etc/second-layer")" = second ]
}
