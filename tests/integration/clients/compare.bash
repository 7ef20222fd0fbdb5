# Helpers for the compare_*.bats suites (issue 15, "Tests"): the same
# command lines against hutch, podman and docker, comparing output shape
# (header columns, simple --format fields) and exit codes.
#
# docker is the reference: its CLI is what hutch copies, and podman
# differs from it in places (its exit status for a missing container in
# logs/exec is 125, docker's 1). So every check compares hutch with
# docker, and with podman where podman agrees with docker; a check that
# names podman's difference asserts it too, so a podman that changes shows.
#
# Each tool has private state: hutch a $HUTCH_ROOT of its own and a
# test-only default network; podman --root/--runroot under $CMP_DIR (vfs,
# its ulimits and runtime from a CONTAINERS_CONF of our own); docker a
# private dockerd (tests/fixtures/clients.sh: no bridge, no iptables, so
# containers run with --network none, as all three do here). The image
# is the busybox+helper rootfs of tests/fixtures/mkrootfs.sh imported into
# hutch as "testimg", saved with `hutch save` and loaded into podman and
# docker from that tar.

load helpers

HUTCH=${HUTCH:-$HUTCH_BUILD/hutch}

cmp_setup_file() {
  export CMP_DIR CGPARENT DOCKER_DIR DOCKER_HOST CONTAINERS_CONF
  export HUTCH_ROOT HUTCH_RUN_ROOT HUTCH_NET_DEFAULT_BRIDGE HUTCH_NET_DEFAULT_SUBNET HUTCH_NET_TABLE
  CMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-cmp.XXXXXX")
  CGPARENT=hutch-cmp-$$
  DOCKER_DIR=$CMP_DIR/docker
  DOCKER_HOST=unix://$DOCKER_DIR/docker.sock
  HUTCH_ROOT=$CMP_DIR/hutch HUTCH_RUN_ROOT=$CMP_DIR/hutch-run
  HUTCH_NET_DEFAULT_BRIDGE=hutch-c$(($$ % 100000))
  HUTCH_NET_DEFAULT_SUBNET=10.191.$(($$ % 250)).0/24
  HUTCH_NET_TABLE=hutch_c$$
  CONTAINERS_CONF=$CMP_DIR/containers.conf
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
CONF
  "$FIXTURES/mkrootfs.sh" "$CMP_DIR/rootfs" "$HUTCH_BUILD" >/dev/null || return 1
  tar -C "$CMP_DIR/rootfs" -cf "$CMP_DIR/rootfs.tar" . || return 1
  rm -rf "$CMP_DIR/rootfs"
  "$HUTCH" import "$CMP_DIR/rootfs.tar" testimg >/dev/null || return 1
  "$HUTCH" save -o "$CMP_DIR/testimg.tar" testimg || return 1
  pm load -i "$CMP_DIR/testimg.tar" >/dev/null || return 1
  dockerd_start "$DOCKER_DIR" "$HUTCH_RUNTIME" "$CGPARENT" || return 1
  dk load -i "$CMP_DIR/testimg.tar" >/dev/null || return 1
}

cmp_teardown_file() {
  [ -n "${CMP_DIR:-}" ] && [ -d "$CMP_DIR" ] || return 0
  local ids
  ids=$(dk ps -aq 2>/dev/null)
  # shellcheck disable=SC2086 # one id a word
  [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1
  dockerd_stop "$DOCKER_DIR"
  pm rm -af >/dev/null 2>&1
  pm system reset -f >/dev/null 2>&1
  ip link del "$HUTCH_NET_DEFAULT_BRIDGE" 2>/dev/null || true
  nft delete table ip "$HUTCH_NET_TABLE" 2>/dev/null || true
  clients_sweep "$CMP_DIR"
}

# Every container, volume and network a test made, in all three.
cmp_teardown() {
  local id
  for id in $("$HUTCH" ps -aq --no-trunc 2>/dev/null); do "$HUTCH" rm -f "$id" >/dev/null 2>&1; done
  for id in $(dk ps -aq 2>/dev/null); do dk rm -f "$id" >/dev/null 2>&1; done
  pm rm -af >/dev/null 2>&1
  for id in $("$HUTCH" volume ls -q 2>/dev/null); do "$HUTCH" volume rm -f "$id" >/dev/null 2>&1; done
  for id in $(dk volume ls -q 2>/dev/null); do dk volume rm -f "$id" >/dev/null 2>&1; done
  pm volume rm -af >/dev/null 2>&1
  return 0
}

setup_file() { cmp_setup_file; }
teardown_file() { cmp_teardown_file; }
teardown() { cmp_teardown; }

hu() { timeout -k 5 60 "$HUTCH" "$@"; }
pm() {
  timeout -k 5 60 podman --root "$CMP_DIR/podman" --runroot "$CMP_DIR/podman-run" \
    --storage-driver vfs --cgroup-manager cgroupfs "$@"
}
dk() { timeout -k 5 60 docker "$@"; }

# status TOOL ARGS...: the exit status of one tool's command line.
status() {
  "$@" >/dev/null 2>&1
  echo $?
}

# same_status WANT_PODMAN ARGS...: the command line's exit status is
# docker's for hutch; podman's is WANT_PODMAN ("=" when it is docker's).
same_status() {
  local want_pm=$1 d h p
  shift
  d=$(status dk "$@")
  h=$(status hu "$@")
  p=$(status pm "$@")
  [ "$want_pm" = "=" ] && want_pm=$d
  if [ "$h" != "$d" ] || [ "$p" != "$want_pm" ]; then
    echo "'$*': hutch $h, docker $d, podman $p (expected $want_pm)" >&2
    return 1
  fi
}

# columns TOOL ARGS...: the header line's column names, one a line (two
# or more blanks separate them; one blank is inside a name: "IMAGE ID").
columns() {
  "$@" 2>/dev/null | head -1 | sed -E 's/ {2,}/\n/g; s/[[:space:]]+$//' | sed '/^$/d'
}

# same_columns ARGS...: hutch's header is docker's.
same_columns() {
  local h d
  h=$(columns hu "$@")
  d=$(columns dk "$@")
  if [ -z "$d" ] || [ "$h" != "$d" ]; then
    echo "'$*': hutch [$(echo $h)], docker [$(echo $d)]" >&2
    return 1
  fi
}
