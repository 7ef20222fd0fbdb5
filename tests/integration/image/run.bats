#!/usr/bin/env bats
# Issue 5's end-to-end checks: images pulled from the local registry
# (gzip layers, zstd layers, an index listing arm64 before amd64), an
# imported rootfs tarball, and an image that went through save, rmi and
# load all run as containers that see the image's files, Env and
# WorkingDir; and issue 13's image of 500 layers (overlayfs' limit). An
# engine root per test ($HUTCH_ROOT, $HUTCH_RUN_ROOT); containers run with
# --network none, so no bridge or nft table is made.

load helpers

setup_file() {
  image_registry_up
  # in case a command touches the default network: never the real ones
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-i$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.197.$(($$ % 250)).0/24
  export HUTCH_NET_TABLE=hutch_i$$
}

teardown_file() {
  image_registry_down
}

setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-imgrun.XXXXXX")
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
}

# Every container is gone (--rm) and nothing of it stays mounted; a test
# that left one fails after it is removed. Images a test names in
# $TEST_IMAGES are removed, whether it passed or not.
teardown() {
  local id left="" mounts m
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    left="$left $id"
    "$HUTCH" rm -f -v "$id" >/dev/null 2>&1
  done
  # shellcheck disable=SC2086 # a list of references
  [ -z "${TEST_IMAGES:-}" ] || "$HUTCH" rmi $TEST_IMAGES >/dev/null 2>&1 || true
  mounts=$(grep -F "$TEST_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r)
  for m in $mounts; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$TEST_DIR"
  if [ -n "$left" ] || [ -n "$mounts" ]; then
    echo "left behind: containers:$left mounts: $mounts" >&2
    return 1
  fi
}

crun() {
  hutch run --rm --network none "$@"
}

# The fixture's two layers as a container sees them: the first layer's
# files, the second's, not the file the second deleted, and the config's
# Env and WorkingDir.
assert_two_layers_run() {
  local img=$1
  run crun "$img" cat /etc/first-layer /etc/second-layer
  assert_success
  assert_output "first
second"
  run crun "$img" cat /etc/deleted-later
  assert_failure 1
  assert_output --partial "No such file"
  run crun "$img" ls -a /etc
  assert_success
  assert_line second-layer
  refute_line deleted-later
  refute_line --partial .wh.
  run crun "$img" sh -c 'echo "$HUTCH_FIXTURE"; echo "$PATH"; pwd'
  assert_success
  assert_output "yes
/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/srv"
}

@test "a two-layer gzip image from the registry runs" {
  run hutch pull -q "$REG/hutch/two"
  assert_success
  assert_two_layers_run "$REG/hutch/two"
}

@test "the same image with zstd layers runs" {
  run sh -c "curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://$REG/v2/hutch/zstd/manifests/latest | jq -r '.layers[].mediaType' | sort -u"
  assert_output application/vnd.oci.image.layer.v1.tar+zstd
  run hutch pull -q "$REG/hutch/zstd"
  assert_success
  assert_two_layers_run "$REG/hutch/zstd"
  # the gzip push of the same image has the same Id (config digest) but
  # another manifest: both are in the store, and both run
  run hutch pull -q "$REG/hutch/two"
  assert_success
  [ "$(hutch image inspect "$REG/hutch/zstd" | jq -r '.[0].Id')" = \
    "$(hutch image inspect "$REG/hutch/two" | jq -r '.[0].Id')" ]
  run crun "$REG/hutch/zstd" cat /etc/second-layer
  assert_success
  assert_output second
  run crun "$REG/hutch/two" cat /etc/second-layer
  assert_success
  assert_output second
}

@test "an index listing linux/arm64 before linux/amd64: the amd64 image runs" {
  [ "$(uname -m)" = x86_64 ] || skip "host is not amd64"
  run sh -c "curl -fsS -H 'Accept: application/vnd.oci.image.index.v1+json' http://$REG/v2/hutch/multi/manifests/latest | jq -r '.manifests[].platform.architecture'"
  assert_output "arm64
amd64"
  run hutch pull -q "$REG/hutch/multi"
  assert_success
  assert_two_layers_run "$REG/hutch/multi"
  run crun "$REG/hutch/multi" cat /etc/arch
  assert_success
  assert_output amd64
  # the busybox in it is really this machine's: uname from inside
  run crun "$REG/hutch/multi" busybox uname -m
  assert_success
  assert_output x86_64
}

@test "hutch import of a rootfs tarball runs" {
  mkdir -p "$TEST_DIR/rootfs/bin" "$TEST_DIR/rootfs/etc"
  cp /bin/busybox "$TEST_DIR/rootfs/bin/busybox"
  echo imported >"$TEST_DIR/rootfs/etc/marker"
  tar -C "$TEST_DIR/rootfs" -czf "$TEST_DIR/rootfs.tgz" .
  run hutch import "$TEST_DIR/rootfs.tgz" imported:tag
  assert_success
  run crun imported:tag /bin/busybox true
  assert_success
  assert_output ""
  run crun imported:tag /bin/busybox cat /etc/marker
  assert_success
  assert_output imported
  # an imported image has no config: no Cmd, so a command is required
  run crun imported:tag
  assert_failure 125
}

@test "save, rmi, load round-trips an image and the loaded image runs" {
  hutch pull -q "$REG/hutch/two" >/dev/null
  id=$(hutch image inspect "$REG/hutch/two" | jq -r '.[0].Id')
  for fmt in docker-archive oci-archive; do
    run hutch save --format "$fmt" -o "$TEST_DIR/$fmt.tar" "$REG/hutch/two"
    assert_success
    run hutch rmi "$REG/hutch/two"
    assert_success
    run hutch images -q
    assert_output ""
    run hutch load -i "$TEST_DIR/$fmt.tar"
    assert_success
    assert_output "Loaded image: $REG/hutch/two:latest"
    [ "$(hutch image inspect "$REG/hutch/two" | jq -r '.[0].Id')" = "$id" ]
    # run would pull a missing image; the exact outputs below (no "Unable
    # to find image") show it ran the loaded one
    assert_two_layers_run "$REG/hutch/two"
  done
}

@test "a 500-layer image loads and runs; at 501 the error names the layer and overlay's limit" {
  TEST_IMAGES="many:500 many:501"
  hutch pull -q "$REG/hutch/one" >/dev/null
  # 499 layers on hutch/one's one: overlayfs' stack limit, and far past
  # the page mount(2)'s lowerdir= string holds (about 120 layers)
  layered_image "$REG/hutch/one" 499 many:500
  [ "$(hutch image inspect many:500 | jq '.[0].RootFS.Layers | length')" = 500 ]
  run crun many:500 cat /f1 /f250 /f499 /etc/first-layer
  assert_success
  assert_output "$(printf '1\n250\n499\nfirst')"
  # /top is rewritten by every layer: the top one's copy shows
  run crun many:500 cat /top
  assert_output 499
  # layer 300 whited out /f100 (layer 100's): hidden, and no .wh. shows
  run crun many:500 cat /f100
  assert_failure 1
  assert_output --partial "No such file"
  run crun many:500 ls -a /
  assert_line f99
  refute_line f100
  refute_line --partial .wh.
  layered_image "$REG/hutch/one" 500 many:501
  run crun many:501 true
  assert_failure 125
  assert_output --regexp 'overlay: add lower layer sha256:[0-9a-f]{64} \(501 of 501\)'
  assert_output --partial "limit is 500"
}
