#!/usr/bin/env bats
# CVE-2018-15664: `docker cp` resolved paths by name while the container
# ran, so a container exchanging a directory with a symlink in a loop
# could make the copy write to, or read from, the host. The attacker here
# is hutch-helper's `swap`: renameat2(RENAME_EXCHANGE) of /a/tree/sub (a
# directory) and /a/lnk (an absolute symlink to a directory that exists
# only on the host), as fast as the kernel allows. hutch cp copies trees
# into and out of /a/tree meanwhile, a few seconds each.
#
# A copy that followed the swapped name would write into, or read from,
# the host directory; hutch must stay inside the container whatever it
# finds. Running containers are frozen for the copy (as docker does), so
# the stopped-container case, where another container swaps inside a
# shared volume and nothing is frozen, is what proves the fd-based
# resolution on its own.

load ../integration/engine/helpers
bats_require_minimum_version 1.5.0

# How long each race runs (seconds).
RACE=${HUTCH_CP_RACE_SECONDS:-4}

setup() {
  engine_setup
  # only on the host: where a followed symlink would lead
  HOSTDIR=$(mktemp -d /tmp/hutch-cp-host.XXXXXX)
  SECRET="host-secret-$$-$RANDOM"
  echo "$SECRET" >"$HOSTDIR/secret"
  # what the copies bring in: a tree whose "sub" is the swapped name
  mkdir -p "$TEST_DIR/tree/sub"
  for i in $(seq 200); do echo "in-$i" >"$TEST_DIR/tree/sub/f$i"; done
  tar -C "$TEST_DIR/tree" -cf "$TEST_DIR/files.tar" $(cd "$TEST_DIR/tree" && echo sub/f*)
}

teardown() {
  rm -rf "$HOSTDIR"
  engine_teardown
}

# The attacker's tree under $1 (/a or a volume), then the swap loop.
attacker_cmd() {
  echo "mkdir -p $1/tree/sub && echo ctr >$1/tree/sub/secret && ln -s $HOSTDIR $1/lnk &&" \
    "touch /ready && exec hutch-helper swap $1/tree/sub $1/lnk 300"
}

wait_ready() {
  local i
  for i in $(seq 50); do hutch exec "$1" test -e /ready && return 0; sleep 0.1; done
  return 1
}

# The host dir holds its secret only: nothing was written through the link.
host_untouched() {
  run ls -A "$HOSTDIR"
  assert_output secret
  assert_equal "$(cat "$HOSTDIR/secret")" "$SECRET"
}

# race_in CTR DIR: copy into CTR:DIR/tree for $RACE seconds: a tar stream
# of files below sub/ (sub itself is no entry, so the copy never replaces
# the attacker's link, it only goes through it) and a file into sub/.
race_in() {
  local end=$((SECONDS + RACE)) ok=0
  while [ "$SECONDS" -lt "$end" ]; do
    timeout 60 "$HUTCH" cp - "$1:$2/tree" <"$TEST_DIR/files.tar" 2>/dev/null && ok=$((ok + 1))
    timeout 60 "$HUTCH" cp "$TEST_DIR/tree/sub/f1" "$1:$2/tree/sub/" 2>/dev/null && ok=$((ok + 1))
  done
  echo "# $ok copies into $1 succeeded" >&3
  [ "$ok" -gt 0 ]
}

# race_out CTR DIR: copy the tree out of CTR:DIR (to a dir and as a tar
# stream) for $RACE seconds; the host's secret must never come back.
race_out() {
  local end=$((SECONDS + RACE)) n=0
  while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    timeout 60 "$HUTCH" cp "$1:$2/tree" "$TEST_DIR/out-$n" 2>/dev/null || true
    timeout 60 "$HUTCH" cp "$1:$2/tree" - 2>/dev/null | tar -xOf - 2>/dev/null >>"$TEST_DIR/stream" || true
  done
  echo "# $n copies out of $1" >&3
  run grep -rl "$SECRET" "$TEST_DIR"
  assert_output ""
  # the container's own file did come out
  run grep -rl '^ctr$' "$TEST_DIR"
  assert_output --partial out-
}

@test "cp into and out of a running container that swaps a directory with a symlink to the host" {
  id=$(hutch_bg run -d --network none testimg sh -c "$(attacker_cmd /a)")
  wait_ready "$id"
  race_in "$id" /a
  host_untouched
  race_out "$id" /a
  host_untouched
  # the copy froze it and let it go again: still running, still swapping
  run hutch inspect -f '{{.State.Status}}' "$id"
  assert_output running
}

@test "cp into and out of a stopped container while another swaps inside their shared volume" {
  run hutch volume create "cprace-$$"
  assert_success
  target=$(hutch_bg create --network none -v "cprace-$$:/v" testimg true)
  id=$(hutch_bg run -d --network none -v "cprace-$$:/v" testimg sh -c "$(attacker_cmd /v)")
  wait_ready "$id"
  race_in "$target" /v
  host_untouched
  race_out "$target" /v
  host_untouched
  hutch rm -f "$id" "$target" >/dev/null
  hutch volume rm "cprace-$$" >/dev/null
}
