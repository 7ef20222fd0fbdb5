#!/usr/bin/env bats
# hutch import, save and load: round trips, interchange with skopeo's
# docker-archive: and oci-archive:, and hostile tarballs.

load helpers

setup() {
  image_setup
  ROOTFS=$TEST_DIR/rootfs
  mkdir -p "$ROOTFS/bin" "$ROOTFS/etc"
  cp /bin/busybox "$ROOTFS/bin/busybox"
  ln -s busybox "$ROOTFS/bin/sh"
  echo imported >"$ROOTFS/etc/marker"
  tar -C "$ROOTFS" -czf "$TEST_DIR/rootfs.tgz" .
}
teardown() { image_teardown; }

# python's tarfile writes the hostile archives: names and links as given
hostile_tar() {
  python3 - "$@" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
t = tarfile.open(out, "w")
def f(name, data=b"x"):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
def link(name, target, type):
    i = tarfile.TarInfo(name); i.type = type; i.linkname = target; t.addfile(i)
if kind == "dotdot":
    f("ok"); f("../../escaped-dotdot")
elif kind == "symlink":
    link("hostdir", sys.argv[3], tarfile.SYMTYPE); f("hostdir/pwned")
elif kind == "hardlink":
    link("passwd", "/etc/passwd", tarfile.LNKTYPE)
t.close()
PY
}

@test "import a rootfs tarball" {
  run hutch import "$TEST_DIR/rootfs.tgz" local/imported:1
  assert_success
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  id=$output
  run hutch images --format json
  [ "$(echo "$output" | jq -r '.Repository + ":" + .Tag')" = "local/imported:1" ]
  l1=$(layer_dir local/imported:1 1)
  [ "$(cat "$l1/etc/marker")" = imported ]
  [ -L "$l1/bin/sh" ]
  run sh -c "'$HUTCH' image inspect local/imported:1 | jq -r '.[0].Id'"
  assert_output "$id"
  # from standard input, unnamed
  run sh -c "'$HUTCH' import - <'$TEST_DIR/rootfs.tgz'"
  assert_success
  run hutch import /nonexistent.tar x
  assert_failure 1
  assert_output --partial "/nonexistent.tar"
}

@test "images lists from the index alone: it reads no config blob, and shows the creation time" {
  run hutch import "$TEST_DIR/rootfs.tgz" local/listed:1
  assert_success
  run hutch images --format json
  assert_success
  [ -n "$(echo "$output" | jq -r 'select(.Repository == "local/listed") | .CreatedAt')" ]
  run strace -f -e trace=openat -o "$TEST_DIR/images.strace" "$HUTCH" images
  assert_success
  run grep -c 'blobs/' "$TEST_DIR/images.strace"
  assert_output 0
}

@test "save, rmi, load round-trips an image (docker-archive and oci-archive)" {
  hutch import "$TEST_DIR/rootfs.tgz" local/rt:1 >/dev/null
  before=$(hutch image inspect local/rt:1 | jq -c '.[0] | {Id, RootFS, ManifestDigest}')
  for fmt in docker-archive oci-archive; do
    run hutch save --format "$fmt" -o "$TEST_DIR/$fmt.tar" local/rt:1
    assert_success
    run hutch rmi local/rt:1
    assert_success
    run hutch images -q
    assert_output ""
    [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 0 ]
    run hutch load -i "$TEST_DIR/$fmt.tar"
    assert_success
    assert_output "Loaded image: docker.io/local/rt:1"
    after=$(hutch image inspect local/rt:1 | jq -c '.[0] | {Id, RootFS}')
    [ "$after" = "$(echo "$before" | jq -c '{Id, RootFS}')" ]
    [ "$(cat "$(layer_dir local/rt:1 1)/etc/marker")" = imported ]
  done
}

@test "hutch save archives are read by skopeo, and skopeo's by hutch load" {
  hutch import "$TEST_DIR/rootfs.tgz" local/sk:1 >/dev/null
  hutch save -o "$TEST_DIR/d.tar" local/sk:1
  hutch save --format oci-archive -o "$TEST_DIR/o.tar" local/sk:1
  id=$(hutch image inspect local/sk:1 | jq -r '.[0].Id')
  run skopeo inspect --config "docker-archive:$TEST_DIR/d.tar"
  assert_success
  [ "$(echo "$output" | jq -r '.rootfs.diff_ids[0]')" = "$(hutch image inspect local/sk:1 | jq -r '.[0].RootFS.Layers[0]')" ]
  run skopeo inspect "oci-archive:$TEST_DIR/o.tar"
  assert_success
  # skopeo-written archives (gzip layers in its oci-archive) load into hutch
  skopeo copy --quiet "docker-archive:$TEST_DIR/d.tar" "docker-archive:$TEST_DIR/sk-d.tar:example.com/from/skopeo:d"
  skopeo copy --quiet --dest-compress "oci-archive:$TEST_DIR/o.tar" "oci-archive:$TEST_DIR/sk-o.tar:example.com/from/skopeo:o"
  hutch rmi local/sk:1
  run hutch load -i "$TEST_DIR/sk-d.tar"
  assert_success
  assert_output "Loaded image: example.com/from/skopeo:d"
  run hutch load -i "$TEST_DIR/sk-o.tar"
  assert_success
  assert_output "Loaded image: example.com/from/skopeo:o"
  [ "$(hutch image inspect example.com/from/skopeo:d | jq -r '.[0].Id')" = "$id" ]
  [ "$(cat "$(layer_dir example.com/from/skopeo:o 1)/etc/marker")" = imported ]
}

@test "load refuses what is not an image archive" {
  tar -C "$ROOTFS" -cf "$TEST_DIR/plain.tar" .
  run hutch load -i "$TEST_DIR/plain.tar"
  assert_failure 1
  assert_output --partial "neither a docker archive"
  run hutch images -q
  assert_output ""
}

@test "hostile layer: ../ names are refused, nothing written outside" {
  hostile_tar "$TEST_DIR/dotdot.tar" dotdot
  run hutch import "$TEST_DIR/dotdot.tar" evil/dotdot
  assert_failure 1
  assert_output --partial "escapes the layer"
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  run find "$TEST_DIR" -name 'escaped-dotdot'
  assert_output ""
  run hutch images -q
  assert_output ""
  [ "$(ls "$HUTCH_ROOT/layers/sha256" | wc -l)" -eq 0 ]
}

@test "hostile layer: a symlink to a host dir then a file under it stays inside" {
  mkdir "$TEST_DIR/hostdir"
  hostile_tar "$TEST_DIR/sym.tar" symlink "$TEST_DIR/hostdir"
  run hutch import "$TEST_DIR/sym.tar" evil/sym
  assert_success
  [ ! -e "$TEST_DIR/hostdir/pwned" ]
  l1=$(layer_dir evil/sym 1)
  [ -L "$l1/hostdir" ]
  [ -f "$l1$TEST_DIR/hostdir/pwned" ]
}

@test "hostile layer: a hardlink to /etc/passwd is refused" {
  links=$(stat -c %h /etc/passwd)
  hostile_tar "$TEST_DIR/hl.tar" hardlink
  run hutch import "$TEST_DIR/hl.tar" evil/hl
  assert_failure 1
  assert_output --partial "hardlink target is not in the layer"
  [ "$(stat -c %h /etc/passwd)" -eq "$links" ]
  run hutch images -q
  assert_output ""
}

@test "tag and rmi of a tag keep the image until its last name goes" {
  hutch import "$TEST_DIR/rootfs.tgz" local/a:1 >/dev/null
  hutch tag local/a:1 local/b:2
  run hutch images --format json
  [ "$(echo "$output" | wc -l)" -eq 2 ]
  run hutch rmi local/a:1
  assert_success
  assert_output "Untagged: docker.io/local/a:1"
  [ -d "$(layer_dir local/b:2 1)" ]
  run hutch rmi local/b:2
  assert_line --regexp '^Deleted: '
  run hutch tag nothing/here local/c
  assert_failure 1
  assert_output --partial "no such image"
}

@test "--help for every image command" {
  for c in pull images rmi tag import save load login logout "image" "image inspect" "image prune"; do
    run $HUTCH $c --help
    assert_success
    assert_output --partial "Usage:  hutch"
  done
}
