# Helpers for the builder's suites (build, commit, push): an engine root
# per test ($HUTCH_ROOT, $HUTCH_RUN_ROOT) with the busybox image hutch
# imports from the host's busybox-static; containers and RUN steps use
# --network none unless a test says otherwise, so no bridge or nft table
# is made. Teardown removes every container and fails a test that left
# one, or a mount, behind.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}
FIXTURES=$HUTCH_SRC/tests/fixtures

build_setup_file() {
  # in case a command touches the default network: never the real ones
  export HUTCH_NET_DEFAULT_BRIDGE=hutch-b$(($$ % 100000))
  export HUTCH_NET_DEFAULT_SUBNET=10.198.$(($$ % 250)).0/24
  export HUTCH_NET_TABLE=hutch_b$$
}

build_setup() {
  TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-build.XXXXXX")
  export HUTCH_ROOT=$TEST_DIR/root HUTCH_RUN_ROOT=$TEST_DIR/run
  CTX=$TEST_DIR/ctx
  mkdir -p "$CTX"
  # the base image every Dockerfile here starts FROM
  "$HUTCH" run --rm --network none busybox true
}

build_teardown() {
  local id left="" mounts m
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do
    left="$left $id"
    "$HUTCH" rm -f -v "$id" >/dev/null 2>&1
  done
  mounts=$(grep -F "$TEST_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r)
  for m in $mounts; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$TEST_DIR"
  if [ -n "$left" ] || [ -n "$mounts" ]; then
    echo "left behind: containers:$left mounts: $mounts" >&2
    return 1
  fi
}

hutch() {
  timeout 120 "$HUTCH" "$@"
}

crun() {
  hutch run --rm --network none "$@"
}

# The image's config as docker inspect shows it, one jq filter.
cfg() {
  hutch image inspect "$1" | jq -c ".[0]$2"
}
