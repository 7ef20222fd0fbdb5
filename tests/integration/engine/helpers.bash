# Helpers for the engine suites: a private engine per file ($HUTCH_ROOT
# for images, containers and volumes; $HUTCH_RUN_ROOT for the runtime's
# state), and a test image "testimg" imported once per file from the
# busybox rootfs of tests/fixtures/mkrootfs.sh (with /bin/hutch-helper).
# Teardown force-removes every container the test left and the images it
# named in $TEST_IMAGES, and fails it if anything under the test roots is
# still mounted or a cgroup is left.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}
FIXTURES=$HUTCH_SRC/tests/fixtures
# shellcheck source=../../fixtures/layered.sh
source "$FIXTURES/layered.sh"

hutch() {
  timeout -k 5 120 "$HUTCH" "$@"
}

# hutch_bg ARGS...: a command that leaves a monitor behind (run -d): its
# stdio must not hold bats' pipes open.
hutch_bg() {
  timeout -k 5 120 "$HUTCH" "$@" </dev/null 3>&-
}

engine_setup_file() {
  export ENGINE_DIR
  ENGINE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-eng.XXXXXX")
  export HUTCH_ROOT=$ENGINE_DIR/root HUTCH_RUN_ROOT=$ENGINE_DIR/run
  # The default network is bridge: a test-only bridge, subnet and nft
  # table, so the suites never touch a real hutch0 or the table `hutch`.
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-e$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.196.$(($$ % 250)).0/24
  export HUTCH_NET_TABLE=hutch_e$$
  "$FIXTURES/mkrootfs.sh" "$ENGINE_DIR/rootfs" "$HUTCH_BUILD" >/dev/null
  tar -C "$ENGINE_DIR/rootfs" -cf "$ENGINE_DIR/rootfs.tar" .
  "$HUTCH" import "$ENGINE_DIR/rootfs.tar" testimg >/dev/null
  rm -rf "$ENGINE_DIR/rootfs" "$ENGINE_DIR/rootfs.tar"
}

engine_teardown_file() {
  [ -n "${ENGINE_DIR:-}" ] && [ -d "$ENGINE_DIR" ] || return 0
  local m
  for m in $(grep -F "$ENGINE_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  rm -rf --one-file-system "$ENGINE_DIR"
}

engine_setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-engt.XXXXXX")
}

engine_teardown() {
  local id leaked=""
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    "$HUTCH" rm -f -v "$id" >/dev/null 2>&1 || echo "# teardown: rm -f $id failed" >&3
  done
  # images a test made for itself ($TEST_IMAGES), whether it passed or not
  if [ -n "${TEST_IMAGES:-}" ]; then
    # shellcheck disable=SC2086 # a list of references
    "$HUTCH" rmi $TEST_IMAGES >/dev/null 2>&1 || echo "# teardown: rmi $TEST_IMAGES failed" >&3
  fi
  # every container dir is gone, so no overlay may be mounted
  if grep -F "$ENGINE_DIR/root/containers" /proc/self/mountinfo | grep -q .; then
    leaked=$(grep -F "$ENGINE_DIR/root/containers" /proc/self/mountinfo | awk '{print $5}')
    for m in $leaked; do umount -l "$m" 2>/dev/null; done
  fi
  # nothing of a removed container may stay: netns files, runtime state
  local left
  left=$(ls -A "$HUTCH_RUN_ROOT/netns" "$HUTCH_RUN_ROOT/engine" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true)
  for f in $left; do umount "$HUTCH_RUN_ROOT/netns/$f" 2>/dev/null; rm -rf "$HUTCH_RUN_ROOT/netns/$f"; done
  rm -rf "$TEST_DIR"
  if [ -n "$leaked" ]; then
    echo "overlay mounts left: $leaked" >&2
    return 1
  fi
  if [ -n "$left" ]; then
    echo "netns or runtime state left: $left" >&2
    return 1
  fi
}

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# wait_for_log NAME TEXT: poll logs until TEXT shows up (5 s).
wait_for_log() {
  local i
  for i in $(seq 50); do
    "$HUTCH" logs "$1" 2>&1 | grep -qF "$2" && return 0
    sleep 0.1
  done
  echo "log of $1 never showed '$2':" >&2
  "$HUTCH" logs "$1" >&2
  return 1
}

# wait_inspect NAME FORMAT VALUE: until `inspect -f FORMAT NAME` prints
# VALUE (15 s); shows the state when it never does
wait_inspect() {
  local i
  for i in $(seq 150); do
    [ "$("$HUTCH" inspect -f "$2" "$1" 2>/dev/null)" = "$3" ] && return 0
    sleep 0.1
  done
  "$HUTCH" inspect "$1" | jq '.[0].State' >&3
  return 1
}
