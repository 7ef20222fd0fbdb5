#!/usr/bin/env bats
# Debian's docker CLI over `hutch system service`: docker save and load
# (GET /images/get, GET /images/{name}/get, POST /images/load).

load api

NAME_PREFIX=i

setup_file() { api_setup_file; }
teardown_file() { api_teardown_file; }
teardown() { api_teardown; }


@test "api save/load: docker save | docker load round trip, the image runs after" {
  d pull -q "$IMAGE" >/dev/null
  d save "$IMAGE" >"$BATS_TEST_TMPDIR/img.tar"
  run tar -tf "$BATS_TEST_TMPDIR/img.tar"
  assert_line "manifest.json"
  id=$(d inspect -f '{{.Id}}' "$IMAGE")
  d rmi "$IMAGE" >/dev/null
  run d image inspect "$IMAGE"
  assert_failure
  run d load -i "$BATS_TEST_TMPDIR/img.tar"
  assert_success
  assert_output --partial "Loaded image: $IMAGE"
  run d inspect -f '{{.Id}}' "$IMAGE"
  assert_output "$id"
  run d run --rm --network none "$IMAGE" echo after-load
  assert_output "after-load"
  # through a pipe, and /images/{name}/get
  run sh -c "timeout -k 5 60 docker save $IMAGE | timeout -k 5 60 docker load"
  assert_success
  assert_output --partial "Loaded image: $IMAGE"
  run sh -c "curl -sS --unix-socket $API_SOCK 'http://d/v1.41/images/$IMAGE/get' | tar -t"
  assert_line "manifest.json"
}

@test "api save/load: a missing image is a 404, a bad tar a 400" {
  run d save no-such-image:1
  assert_failure
  run api "/v1.41/images/get?names=no-such-image:1"
  assert_line --index 1 404
  run api "/v1.41/images/get"
  assert_line --index 1 400
  echo "not a tar" >"$BATS_TEST_TMPDIR/bad"
  run api "/v1.41/images/load" -X POST -T "$BATS_TEST_TMPDIR/bad"
  assert_line --index 1 400
}
