#!/usr/bin/env bats
# hutch pull from a local registry: gzip and zstd layers, an index with
# two platforms, corrupt blobs, resumed downloads, and images/rmi.

load helpers

setup_file() { image_registry_up; }
teardown_file() { image_registry_down; }
setup() { image_setup; }
teardown() { image_teardown; }

@test "pull a two-layer gzip image: second layer's file, whiteout for the deleted one" {
  run hutch pull "$REG/hutch/two"
  assert_success
  assert_line "$REG/hutch/two:latest"
  assert_line --regexp '^Digest: sha256:[0-9a-f]{64}$'
  [ "$(layer_dirs "$REG/hutch/two" | wc -l)" -eq 2 ]
  l1=$(layer_dir "$REG/hutch/two" 1)
  l2=$(layer_dir "$REG/hutch/two" 2)
  [ -x "$l1/bin/busybox" ]
  [ "$(cat "$l1/etc/first-layer")" = first ]
  [ "$(cat "$l2/etc/second-layer")" = second ]
  is_whiteout "$l2/etc/deleted-later"
  [ ! -e "$l2/etc/.wh.deleted-later" ]
  # Env and WorkingDir reach the config the engine reads
  run sh -c "'$HUTCH' image inspect '$REG/hutch/two' | jq -r '.[0].Config.Env[], .[0].Config.WorkingDir'"
  assert_line --regexp '^PATH=/usr/local/sbin:'
  assert_line HUTCH_FIXTURE=yes
  assert_line /srv
}

@test "layers are stored once and shared between images" {
  hutch pull -q "$REG/hutch/one"
  hutch pull -q "$REG/hutch/two"
  [ "$(layer_dir "$REG/hutch/one" 1)" = "$(layer_dir "$REG/hutch/two" 1)" ]
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 2 ]
  run hutch pull "$REG/hutch/two"
  assert_success
  assert_output --partial "Already exists"
}

@test "pull -q prints only the name" {
  run hutch pull -q "$REG/hutch/one"
  assert_success
  assert_output "$REG/hutch/one:latest"
}

@test "pull an image with zstd layers" {
  run sh -c "curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://$REG/v2/hutch/zstd/manifests/latest | jq -r '.layers[].mediaType' | sort -u"
  assert_output application/vnd.oci.image.layer.v1.tar+zstd
  run hutch pull "$REG/hutch/zstd"
  assert_success
  l2=$(layer_dir "$REG/hutch/zstd" 2)
  [ "$(cat "$l2/etc/second-layer")" = second ]
  is_whiteout "$l2/etc/deleted-later"
  # the same diff-ids as the gzip image: the unpacked layers are shared
  hutch pull -q "$REG/hutch/two"
  [ "$(layer_dirs "$REG/hutch/zstd")" = "$(layer_dirs "$REG/hutch/two")" ]
}

@test "pull from an index listing arm64 first picks amd64" {
  [ "$(uname -m)" = x86_64 ] || skip "host is not amd64"
  run hutch pull "$REG/hutch/multi"
  assert_success
  [ "$(layer_dirs "$REG/hutch/multi" | wc -l)" -eq 3 ]
  l2=$(layer_dir "$REG/hutch/multi" 2)
  l3=$(layer_dir "$REG/hutch/multi" 3)
  [ "$(cat "$l3/etc/arch")" = amd64 ]
  [ "$(cat "$l2/etc/second-layer")" = second ]
  is_whiteout "$l2/etc/deleted-later"
  run sh -c "'$HUTCH' image inspect '$REG/hutch/multi' | jq -r '.[0].Architecture'"
  assert_output amd64
}

@test "pull --platform linux/arm64 picks the arm64 image" {
  run hutch pull --platform linux/arm64 "$REG/hutch/multi"
  assert_success
  [ "$(cat "$(layer_dir "$REG/hutch/multi" 3)/etc/arch")" = arm64 ]
  run hutch pull --platform linux/s390x "$REG/hutch/multi"
  assert_failure 1
  assert_output --partial "no image for platform linux/s390x"
  assert_output --partial "linux/arm64/v8"
}

@test "a blob whose bytes do not match its digest fails the pull and is not listed" {
  digest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/hutch/unique/manifests/latest" | jq -r '.layers[-1].digest')
  data=$(registry_blob_path "$REG_DIR" "$digest")
  cp "$data" "$TEST_DIR/good"
  size=$(stat -c %s "$data")
  head -c "$size" /dev/urandom >"$data"
  run hutch pull "$REG/hutch/unique"
  cp "$TEST_DIR/good" "$data"
  assert_failure 1
  assert_output --partial "$digest"
  assert_output --partial "digest mismatch"
  [ "$(echo "$output" | grep -c '^hutch: ')" -eq 1 ]
  run hutch images -q
  assert_output ""
  run hutch images
  refute_output --partial hutch/unique
  [ ! -e "$HUTCH_ROOT/blobs/sha256/${digest#sha256:}" ]
  # with the registry fixed, the next pull succeeds
  run hutch pull -q "$REG/hutch/unique"
  assert_success
}

@test "a partial download is resumed with a Range request" {
  digest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/hutch/unique/manifests/latest" | jq -r '.layers[-1].digest')
  data=$(registry_blob_path "$REG_DIR" "$digest")
  mkdir -p "$HUTCH_ROOT/tmp"
  partial=$HUTCH_ROOT/tmp/${digest#sha256:}.partial
  # a wrong prefix proves the partial file is used: only its bytes are
  # kept, so the result cannot match and the pull names the digest
  head -c 1000 /dev/zero >"$partial"
  run hutch pull -q "$REG/hutch/unique"
  assert_failure 1
  assert_output --partial "$digest"
  [ ! -e "$partial" ]
  # a correct prefix completes into the right blob
  head -c 1000 "$data" >"$partial"
  run hutch pull -q "$REG/hutch/unique"
  assert_success
  cmp "$data" "$HUTCH_ROOT/blobs/sha256/${digest#sha256:}"
}

@test "pull by digest" {
  digest=$(curl -fsS -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/hutch/one/manifests/latest" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
  run hutch pull "$REG/hutch/one@$digest"
  assert_success
  run hutch image inspect "$REG/hutch/one@$digest"
  assert_success
  run hutch pull "$REG/hutch/one@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  assert_failure 1
}

@test "errors: unknown image, bad reference, no registry" {
  run hutch pull "$REG/hutch/nope"
  assert_failure 1
  assert_line --regexp "^hutch: .*hutch/nope.*404"
  [ "${#lines[@]}" -eq 1 ] || [ "$(echo "$output" | grep -c '^hutch:')" -eq 1 ]
  run hutch pull "Not_A_Ref"
  assert_failure 1
  assert_output --partial "invalid reference format"
  port=$(registry_free_port)
  run hutch pull "127.0.0.1:$port/x"
  assert_failure 1
  assert_output --partial "registry 127.0.0.1:$port"
}

@test "images and rmi agree; rmi frees layers nothing else uses" {
  hutch pull -q "$REG/hutch/one"
  hutch pull -q "$REG/hutch/two"
  run hutch images --format json
  [ "$(echo "$output" | jq -r .Repository | sort | tr '\n' ' ')" = "$REG/hutch/one $REG/hutch/two " ]
  run hutch rmi "$REG/hutch/two"
  assert_success
  assert_line "Untagged: $REG/hutch/two:latest"
  assert_line --regexp '^Deleted: sha256:'
  run hutch images --format json
  [ "$(echo "$output" | jq -r .Repository)" = "$REG/hutch/one" ]
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 1 ]
  run hutch rmi "$REG/hutch/two"
  assert_failure 1
  assert_output --partial "no such image"
  # an image with two names: rmi by id needs -f
  hutch tag "$REG/hutch/one" local/other:1
  id=$(hutch images -q | head -1)
  run hutch rmi "$id"
  assert_failure 1
  assert_output --partial "referenced by 2 names"
  run hutch rmi -f "$id"
  assert_success
  run hutch images -q
  assert_output ""
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 0 ]
  [ "$(ls "$HUTCH_ROOT/blobs/sha256" | wc -l)" -eq 0 ]
}

@test "image prune removes unnamed images" {
  hutch pull -q "$REG/hutch/two"
  # re-point the name: the old image becomes <none>
  hutch pull -q "$REG/hutch/one"
  hutch tag "$REG/hutch/one" "$REG/hutch/two"
  run hutch images
  assert_line --regexp '^<none> +<none> '
  run hutch image prune -f
  assert_success
  assert_output --partial "Deleted Images:"
  run hutch images
  refute_output --partial "<none>"
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 1 ]
}

@test "concurrent pulls of images sharing layers all succeed" {
  hutch pull -q "$REG/hutch/two" >"$TEST_DIR/a" 2>&1 &
  a=$!
  hutch pull -q "$REG/hutch/two" >"$TEST_DIR/b" 2>&1 &
  b=$!
  hutch pull -q "$REG/hutch/zstd" >"$TEST_DIR/c" 2>&1 &
  c=$!
  wait $a
  wait $b
  wait $c
  run hutch images --format json
  [ "$(echo "$output" | jq -r .Repository | sort | tr '\n' ' ')" = "$REG/hutch/two $REG/hutch/zstd " ]
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 2 ]
  run ls "$HUTCH_ROOT/tmp"
  assert_output ""
}
