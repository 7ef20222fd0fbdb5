#!/usr/bin/env bats
# Bind sources that are not absolute are refused as docker refuses them
# (issue 12): `-v x/../../..:/data` used to be resolved against the cwd and
# mounted the host's / into the container (creating x/ on the way). docker
# takes a -v source that is not absolute as a volume name, which cannot
# hold "/", and a --mount bind source must be absolute; "." and "./..."
# alone are made absolute against the cwd, as the docker CLI does.

load ../integration/engine/helpers

# A marker at the host's / that the container must not see.
setup() {
  engine_setup
  MARK=hutch-bind-mark-$$
  echo "marker-$MARK" >"/$MARK"
  mkdir -p "$TEST_DIR/a/b/c"
  cd "$TEST_DIR/a/b/c"
}

teardown() {
  rm -f "/$MARK"
  cd /
  engine_teardown
}

no_containers() {
  [ -z "$("$HUTCH" ps -aq)" ] || { echo "a container was created: $("$HUTCH" ps -a)" >&2; return 1; }
}

@test "bind source: -v x/../../../../..:/data is refused, the host's / is not mounted" {
  local up=x$(printf '/..%.0s' $(seq 1 12))
  run hutch run --rm --network none -v "$up:/data" testimg cat "/data/$MARK"
  assert_failure
  refute_output --partial "marker-"
  assert_output --partial "includes invalid characters for a local volume name"
  [ ! -e x ] || { echo "x/ was created in the cwd" >&2; return 1; }
  no_containers
}

@test "bind source: -v ../../..:/data and -v a/b:/data are refused" {
  run hutch run --rm --network none -v "../../../../../../../..:/data" testimg cat "/data/$MARK"
  assert_failure
  refute_output --partial "marker-"
  run hutch run --rm --network none -v "a/b:/data" testimg true
  assert_failure
  assert_output --partial "includes invalid characters for a local volume name"
  no_containers
}

@test "bind source: --mount type=bind with a relative source is refused" {
  local up=x$(printf '/..%.0s' $(seq 1 12))
  run hutch run --rm --network none --mount "type=bind,source=$up,target=/data" testimg cat "/data/$MARK"
  assert_failure
  refute_output --partial "marker-"
  assert_output --partial "mount path must be absolute"
  no_containers
}

@test "bind source: absolute and ./ sources still work" {
  echo inside >"$TEST_DIR/a/b/c/f"
  run hutch run --rm --network none -v "$TEST_DIR/a/b/c:/data" testimg cat /data/f
  assert_success
  assert_output inside
  run hutch run --rm --network none -v "./:/data" testimg cat /data/f
  assert_success
  assert_output inside
  run hutch run --rm --network none --mount "type=bind,src=.,dst=/data,ro" testimg cat /data/f
  assert_success
  assert_output inside
}
