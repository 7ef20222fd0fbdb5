#!/usr/bin/env bats
# A hostile image cannot hang or exhaust `hutch run` / `hutch exec -u`
# through /etc/passwd and /etc/group (issue 12): the engine reads them to
# resolve users and groups, and used to read whatever the path led to until
# EOF, so a FIFO blocked it forever and /dev/zero ate memory. Now they must
# be regular files of at most 4 MiB, opened without blocking; anything else
# is a clear error, within seconds. Every command runs under a timeout so a
# regression fails the test instead of hanging the suite.

load ../integration/engine/helpers

# hostile_image NAME SETUP: testimg's rootfs with SETUP run in it (cwd =
# the rootfs), imported as NAME.
hostile_image() {
  local name=$1 setup=$2 dir=$TEST_DIR/rootfs-$1
  "$FIXTURES/mkrootfs.sh" "$dir" "$HUTCH_BUILD" >/dev/null
  (cd "$dir" && eval "$setup")
  tar -C "$dir" -cf "$TEST_DIR/$name.tar" .
  "$HUTCH" import "$TEST_DIR/$name.tar" "$name" >/dev/null
  rm -rf "$dir" "$TEST_DIR/$name.tar"
}

teardown() {
  engine_teardown
  local i
  for i in pw-fifo gr-fifo pw-zero pw-huge gr-huge pw-link; do
    "$HUTCH" rmi -f "$i" >/dev/null 2>&1 || true
  done
}

# t ARGS...: hutch with a short bound; 124 means it hung
t() { timeout -k 2 20 "$HUTCH" "$@"; }

# refused FILE WHY ARGS...: `hutch ARGS` ends quickly with the error that
# FILE in the container WHY
refused() {
  local file=$1 why=$2
  shift 2
  run t "$@"
  [ "$status" -ne 124 ] || { echo "hutch $* hung on $file" >&2; return 1; }
  assert_failure
  assert_output --partial "$file in the container is $why"
}

@test "passwd: a FIFO as /etc/passwd is refused, not waited on" {
  hostile_image pw-fifo 'rm etc/passwd && mkfifo etc/passwd'
  refused /etc/passwd "not a regular file" run --rm --network none pw-fifo true
}

@test "passwd: a FIFO as /etc/group is refused, not waited on" {
  hostile_image gr-fifo 'rm etc/group && mkfifo etc/group'
  refused /etc/group "not a regular file" run --rm --network none -u hutch gr-fifo true
}

@test "passwd: /etc/passwd as a link to a /dev/zero device in the image is refused" {
  hostile_image pw-zero 'mknod dev/zero c 1 5 && rm etc/passwd && ln -s /dev/zero etc/passwd'
  refused /etc/passwd "not a regular file" run --rm --network none pw-zero true
}

@test "passwd: a link to the host's /dev/urandom stays in the image (absent there: ignored)" {
  hostile_image pw-link 'rm etc/passwd && ln -s /dev/urandom etc/passwd'
  run t run --rm --network none -u 1000 pw-link hutch-helper id
  assert_success
}

@test "passwd: a 5 MiB /etc/passwd or /etc/group is refused with the bound in the message" {
  hostile_image pw-huge 'head -c 5242880 /dev/zero | tr "\0" x >>etc/passwd'
  refused /etc/passwd "larger than 4 MiB" run --rm --network none pw-huge true
  hostile_image gr-huge 'head -c 5242880 /dev/zero | tr "\0" x >>etc/group'
  refused /etc/group "larger than 4 MiB" run --rm --network none gr-huge true
}

@test "passwd: a container that turns its /etc/passwd into a FIFO cannot hang exec -u" {
  hutch_bg run -d --name pwx --network none testimg sleep 3600
  run t exec pwx sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
  assert_success
  refused /etc/passwd "not a regular file" exec -u hutch pwx true
}

@test "passwd: an ordinary image still resolves users and groups" {
  run t run --rm --network none -u hutch testimg hutch-helper id
  assert_success
}
