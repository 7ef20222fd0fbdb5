#!/usr/bin/env bats
# hutch, docker and podman on the same image command lines (issue 15,
# "Tests"): the images table, image inspect -f of simple fields, and
# exit codes. See compare.bash; the image each holds is testimg, loaded
# into docker and podman from the tar `hutch save` wrote.
#
# Exit codes: what docker's daemon refuses (a missing image, an image in
# use) exits 1, as docker's CLI; podman says 125 for most. A field the
# image lacks prints docker's zero value ([] for .Config.Cmd).

load compare

@test "images: docker's columns, for hutch and podman" {
  same_columns images
  run columns pm images
  assert_output "$(columns dk images)"
  same_columns images --digests
}

@test "images: the image hutch saved is the image docker and podman loaded" {
  local id
  id=$(hu image inspect -f '{{.Id}}' testimg)
  [[ $id == sha256:* ]]
  run dk image inspect -f '{{.Id}}' testimg
  assert_output "$id"
  run pm image inspect -f '{{.Id}}' testimg
  assert_output "${id#sha256:}"
  run hu images -q testimg
  assert_output "$(dk images -q testimg)"
}

@test "image inspect -f: simple fields as docker prints them" {
  local f
  for f in '{{.Os}}' '{{.Architecture}}' '{{.RootFS.Type}}'; do
    run hu image inspect -f "$f" testimg
    assert_success
    assert_output "$(dk image inspect -f "$f" testimg)"
  done
  # what the image leaves out: docker's zero values, nil lists and maps
  for f in '{{.Config.Cmd}}' '{{.Config.Entrypoint}}' '{{.Config.Labels}}' \
    '{{.Config.ExposedPorts}}' '{{.Config.User}}|{{.Config.WorkingDir}}' '{{json .Config.Cmd}}'; do
    run hu image inspect -f "$f" testimg
    assert_success
    assert_output "$(dk image inspect -f "$f" testimg)"
  done
  run hu image inspect -f '{{.Config.Cmd}} {{.Config.Labels}}' testimg
  assert_output "[] map[]"
  run hu image inspect -f '{{.Os}}/{{.Architecture}}' testimg
  assert_output "$(pm image inspect -f '{{.Os}}/{{.Architecture}}' testimg)"
}

@test "images --format: simple fields and a table as docker prints them" {
  run hu images --format '{{.Repository}}:{{.Tag}}'
  assert_success
  assert_output "$(dk images --format '{{.Repository}}:{{.Tag}}')"
  run columns hu images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}'
  assert_output "$(columns dk images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}')"
}

@test "tag and rmi: the new name lists, the image stays until its last name goes" {
  local t
  for t in hu dk pm; do
    $t tag testimg cmp-tag:1
  done
  run hu images -q cmp-tag:1
  assert_output "$(dk images -q cmp-tag:1)"
  same_status = rmi cmp-tag:1
  run hu images -q testimg
  assert_output "$(dk images -q testimg)"
}

@test "exit codes: bad flags and arguments" {
  same_status = images --no-such-flag
  # a wrong number of arguments: docker 1, podman 125
  same_status 125 rmi
  same_status 125 tag testimg
  same_status 125 image inspect
}

@test "exit codes: a missing image or one in use: docker 1, podman 125 (1 or 2)" {
  same_status = rmi nosuch-img
  local verb
  for verb in history save image\ inspect; do
    # shellcheck disable=SC2086 # "image inspect": two words
    same_status 125 $verb nosuch-img
  done
  same_status 125 tag nosuch-img cmp/x
  local t
  for t in hu dk pm; do
    $t create --network none --name cmp-user testimg true >/dev/null
  done
  # in use by a container
  same_status 2 rmi testimg
  run hu rmi nosuch-img
  assert_failure 1
}
