# Helpers for the client suites: podman, containerd and buildah driving
# the build's hutch-runtime. Each file starts a local registry with the
# fixture image (tests/fixtures/clients.sh) in setup_file and stops it,
# by pid, in teardown_file; a service that cannot start fails the file.
# Clients run with private storage under $CLI_DIR, never the host's.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH_RUNTIME=${HUTCH_RUNTIME:-$HUTCH_BUILD/hutch-runtime}
FIXTURES=$HUTCH_SRC/tests/fixtures

# shellcheck source=../../fixtures/clients.sh
source "$FIXTURES/clients.sh"
# The fixture's strict mode is for its own commands: drop its -u and
# pipefail, but keep -e: bats fails a test through it (set +e hid every
# failed assertion but a test's last).
set +u +o pipefail

# clients_up: $CLI_DIR, registry + fixture image ($IMAGE), and a
# cgroup parent of our own ($CGPARENT) for what the clients create.
clients_up() {
  export CLI_DIR CGPARENT IMAGE REG
  CLI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-cli.XXXXXX")
  CGPARENT=hutch-cli-$$
  [ -x "$HUTCH_RUNTIME" ] || {
    echo "$HUTCH_RUNTIME is not built" >&2
    return 1
  }
  REG=$(clients_image "$CLI_DIR/reg" "$HUTCH_BUILD") || return 1
  IMAGE=$REG/hutch/client:latest
}

clients_down() {
  [ -n "${CLI_DIR:-}" ] || return 0
  registry_stop "$CLI_DIR/reg"
  containerd_stop "$CLI_DIR/containerd"
  clients_sweep "$CLI_DIR"
}

# clients_sweep DIR: unmount what is left under DIR, remove the (empty)
# cgroups under $CGPARENT, then DIR.
clients_sweep() {
  local dir=$1 m h d
  for m in $(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  # rmdir only removes empty dirs: nothing of anyone else's can go.
  for h in /sys/fs/cgroup/*/; do
    for d in $(find "$h$CGPARENT" -mindepth 1 -depth -type d 2>/dev/null); do rmdir "$d" 2>/dev/null; done
    rmdir "$h$CGPARENT" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}

# The cgroup dirs left under $CGPARENT in any hierarchy, one a line.
leftover_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    find "$h$CGPARENT" -mindepth 1 -type d 2>/dev/null
  done
}
