#!/usr/bin/env bats
# Files in and out of containers: cp both ways (and tar streams), with
# paths resolved inside the rootfs; diff; export then import; a new
# volume gets the image's content; the embedded busybox image runs sh.

load helpers
bats_require_minimum_version 1.5.0

@test "cp out of and into a running container, resolved inside its rootfs" {
  id=$(hutch_bg run -d --network none testimg sh -c 'ln -s /etc /evil; echo ctr >/etc/mine; mkdir -p /d/sub; echo f >/d/sub/f; touch /ready; sleep 60')
  for i in $(seq 50); do hutch exec "$id" test -e /ready && break; sleep 0.1; done
  # a file through the container's symlink to /etc: the container's passwd
  run hutch cp "$id:/evil/passwd" "$TEST_DIR/passwd"
  assert_success
  run grep -c '^hutch:' "$TEST_DIR/passwd"
  assert_output 1
  run grep -c '^hutch:' /etc/passwd
  assert_output 0
  # the link itself is copied as a link
  run hutch cp "$id:/evil" "$TEST_DIR/link"
  assert_success
  assert_equal "$(readlink "$TEST_DIR/link")" /etc
  # a directory into an existing directory lands under its name
  mkdir "$TEST_DIR/out"
  run hutch cp "$id:/d" "$TEST_DIR/out"
  assert_success
  assert_equal "$(cat "$TEST_DIR/out/d/sub/f")" f
  # "SRC/." copies the content
  mkdir "$TEST_DIR/content"
  run hutch cp "$id:/d/." "$TEST_DIR/content"
  assert_success
  assert_equal "$(cat "$TEST_DIR/content/sub/f")" f
  # into the container through the symlink: the container's /etc, not the host's
  echo from-host >"$TEST_DIR/hostfile-$$"
  run hutch cp "$TEST_DIR/hostfile-$$" "$id:/evil/"
  assert_success
  [ ! -e "/etc/hostfile-$$" ]
  run hutch exec "$id" cat "/etc/hostfile-$$"
  assert_output from-host
  # to a new name
  run hutch cp "$TEST_DIR/hostfile-$$" "$id:/tmp/renamed"
  assert_success
  run hutch exec "$id" cat /tmp/renamed
  assert_output from-host
  # a missing parent is an error
  run hutch cp "$TEST_DIR/hostfile-$$" "$id:/no/such/dir/x"
  assert_failure
  # tar streams: out on stdout, in on stdin
  run bash -c "timeout 60 $HUTCH cp $id:/d - | tar -t | sort"
  assert_output "$(printf 'd/\nd/sub/\nd/sub/f')"
  run bash -c "tar -C $TEST_DIR -cf - out | timeout 60 $HUTCH cp - $id:/tmp"
  assert_success
  run hutch exec "$id" cat /tmp/out/d/sub/f
  assert_output f
}

@test "cp works on a stopped container, and what it copied in is there on start" {
  id=$(hutch_bg run -d --network none testimg sh -c 'echo before >/etc/state; sleep 60')
  for i in $(seq 50); do hutch exec "$id" test -e /etc/state && break; sleep 0.1; done
  run hutch stop -t 1 "$id"
  assert_success
  run hutch cp "$id:/etc/state" "$TEST_DIR/state"
  assert_success
  assert_equal "$(cat "$TEST_DIR/state")" before
  echo added >"$TEST_DIR/added"
  run hutch cp "$TEST_DIR/added" "$id:/root/"
  assert_success
  run hutch start "$id"
  assert_success
  run hutch exec "$id" cat /root/added
  assert_output added
}

# cp_through ID: what the container sees at /data (a bind), /vol (a
# volume), /ro (a read-only bind), /etc/hostname (the engine's bind) and
# /link (-> /tmp), running or stopped alike.
cp_through() {
  local id=$1 tag=$2
  echo "bind-$tag" >"$TEST_DIR/f-$tag"
  # into a bind mount: the file is in the host directory
  run hutch cp "$TEST_DIR/f-$tag" "$id:/data/f-$tag"
  assert_success
  assert_equal "$(cat "$TEST_DIR/bind/f-$tag")" "bind-$tag"
  # into a volume, under the source's name
  run hutch cp "$TEST_DIR/f-$tag" "$id:/vol/"
  assert_success
  assert_equal "$(cat "$VOLDATA/f-$tag")" "bind-$tag"
  # out of a bind mount
  run hutch cp "$id:/data/from-host" "$TEST_DIR/out-$tag"
  assert_success
  assert_equal "$(cat "$TEST_DIR/out-$tag")" host
  # the hostname file the engine bind-mounts, not the empty stub below it
  run hutch cp "$id:/etc/hostname" "$TEST_DIR/hostname-$tag"
  assert_success
  assert_equal "$(cat "$TEST_DIR/hostname-$tag")" cpbox
  # a symlinked directory is followed inside the container, with or
  # without the trailing slash, and stays a symlink
  run hutch cp "$TEST_DIR/f-$tag" "$id:/link/"
  assert_success
  run hutch cp "$TEST_DIR/f-$tag" "$id:/link/g-$tag"
  assert_success
  run hutch cp "$id:/tmp/f-$tag" "$TEST_DIR/via-link-$tag"
  assert_success
  assert_equal "$(cat "$TEST_DIR/via-link-$tag")" "bind-$tag"
  run hutch cp "$id:/link/g-$tag" "$TEST_DIR/g-$tag"
  assert_success
  run hutch cp "$id:/link" "$TEST_DIR/link-$tag"
  assert_success
  assert_equal "$(readlink "$TEST_DIR/link-$tag")" /tmp
  # a read-only bind stays read-only
  run hutch cp "$TEST_DIR/f-$tag" "$id:/ro/"
  assert_failure
  [ ! -e "$TEST_DIR/ro/f-$tag" ]
}

@test "cp writes through bind mounts and volumes, running and stopped" {
  mkdir "$TEST_DIR/bind" "$TEST_DIR/ro"
  echo host >"$TEST_DIR/bind/from-host"
  run hutch volume create "cpvol-$$"
  assert_success
  VOLDATA=$(hutch volume inspect "cpvol-$$" | jq -r '.[0].Mountpoint')
  id=$(hutch_bg run -d --network none --hostname cpbox -v "$TEST_DIR/bind:/data" -v "cpvol-$$:/vol" \
    -v "$TEST_DIR/ro:/ro:ro" testimg sh -c 'ln -s /tmp /link; touch /ready; sleep 60')
  for i in $(seq 50); do hutch exec "$id" test -e /ready && break; sleep 0.1; done
  cp_through "$id" running
  run hutch exec "$id" cat /data/f-running /vol/f-running /tmp/f-running /tmp/g-running
  assert_output "$(printf 'bind-running\nbind-running\nbind-running\nbind-running')"
  run hutch exec "$id" test -L /link
  assert_success
  # the copy does not leave the container paused
  run hutch inspect -f '{{.State.Status}}' "$id"
  assert_output running
  run hutch stop -t 1 "$id"
  assert_success
  cp_through "$id" stopped
  # nothing of the copy's mounts is left on the host
  run grep -c "$TEST_DIR" /proc/self/mountinfo
  assert_output 0
  run hutch start "$id"
  assert_success
  run hutch exec "$id" cat /data/f-stopped /vol/f-stopped /tmp/f-stopped
  assert_output "$(printf 'bind-stopped\nbind-stopped\nbind-stopped')"
  hutch rm -f "$id" >/dev/null
  hutch volume rm "cpvol-$$" >/dev/null
}

@test "cp -a keeps owners, -L follows a symlink given as SRC" {
  id=$(hutch_bg run -d --network none testimg sh -c 'echo t >/tmp/t; chown 1000:1001 /tmp/t; ln -s /tmp/t /tl; touch /ready; sleep 60')
  for i in $(seq 50); do hutch exec "$id" test -e /ready && break; sleep 0.1; done
  run hutch cp -L "$id:/tl" "$TEST_DIR/followed"
  assert_success
  [ -f "$TEST_DIR/followed" ] && [ ! -L "$TEST_DIR/followed" ]
  run hutch cp -a "$id:/tmp/t" "$TEST_DIR/kept"
  assert_success
  assert_equal "$(stat -c %u:%g "$TEST_DIR/kept")" 1000:1001
  run hutch cp "$id:/tmp/t" "$TEST_DIR/mine"
  assert_success
  assert_equal "$(stat -c %u:%g "$TEST_DIR/mine")" 0:0
  # a directory is never replaced by a file
  mkdir -p "$TEST_DIR/d/t"
  run hutch cp "$id:/tmp/t" "$TEST_DIR/d/"
  assert_failure
  [ -d "$TEST_DIR/d/t" ]
}

@test "diff: A, C and D from the overlay's upper dir" {
  run hutch run --name differ --network none testimg sh -c 'rm /etc/group; echo x >>/etc/passwd; mkdir -p /new/sub; echo y >/new/sub/f'
  assert_success
  run hutch diff differ
  assert_success
  assert_line "C /etc"
  assert_line "D /etc/group"
  assert_line "C /etc/passwd"
  assert_line "A /new"
  assert_line "A /new/sub"
  assert_line "A /new/sub/f"
  # the engine's mount targets are not the container's changes
  refute_line "A /etc/hostname"
  refute_line --partial "/bin"
}

@test "export -o and to stdout; import of the export runs" {
  run hutch run --name exp --network none testimg sh -c 'echo exported >/etc/mark'
  assert_success
  run hutch export -o "$TEST_DIR/exp.tar" exp
  assert_success
  run tar -tf "$TEST_DIR/exp.tar"
  assert_line "etc/mark"
  assert_line "bin/busybox"
  run hutch import "$TEST_DIR/exp.tar" exported:1
  assert_success
  run hutch run --rm --network none exported:1 cat /etc/mark
  assert_success
  assert_output exported
  run bash -c "timeout 60 $HUTCH export exp | tar -tf - | grep -c '^etc/mark$'"
  assert_output 1
  run hutch rmi exported:1
  assert_success
}

@test "a new named volume gets the image's content at its mount point; a used one keeps its own" {
  run hutch run --rm --network none -v seeded:/home testimg sh -c 'stat -c "%u:%g %a" /home/hutch'
  assert_success
  assert_output "1000:1000 755"
  data=$(hutch volume inspect seeded | jq -r '.[0].Mountpoint')
  [ -d "$data/hutch" ]
  # not copied again over what the volume holds
  run hutch run --rm --network none -v seeded:/home testimg sh -c 'rm -r /home/hutch; echo mine >/home/f'
  assert_success
  run hutch run --rm --network none -v seeded:/home testimg ls /home
  assert_output f
  run hutch volume rm seeded
  assert_success
}

@test "the embedded busybox image has Cmd sh: run -it busybox gives a shell" {
  run hutch image inspect busybox
  # imported on first use
  run hutch run --rm --network none busybox true
  assert_success
  run bash -c "$HUTCH image inspect busybox | jq -c '.[0].Config.Cmd'"
  assert_output '["sh"]'
  run timeout 60 script -qec "printf 'echo in-\$((6*7)); exit 3\n' | $HUTCH run --rm -i --network none busybox" /dev/null
  assert_equal "$status" 3
  assert_output --partial "in-42"
  run timeout 60 script -qec "$HUTCH run --rm -it --network none busybox" /dev/null <<<"tty; exit 4"
  assert_equal "$status" 4
  assert_output --partial "/dev/pts/0"
}
