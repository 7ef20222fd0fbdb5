# Rootless suites: a test user with subordinate id ranges, made once per
# file and removed (with its processes, its namespaces' mounts and its
# home) in teardown_file, even when a test failed. The build's binaries are
# copied to a directory the user can execute (the worktree may be under a
# root-only path). Commands run as the user through `as_user`.

load ../helpers

RL_USER=${RL_USER:-hrl$$}
RL_RANGE_START=600000

rootless_setup_file() {
  RL_BIN=$(mktemp -d /tmp/hutch-rl-bin.XXXXXX)
  chmod 755 "$RL_BIN"
  cp "$HUTCH" "$HUTCH_RUNTIME" "$HUTCH_BUILD/src/hutch-monitor/hutch-monitor" \
    "$HUTCH_BUILD"/src/hutch/*.so "$RL_BIN/"
  [ ! -x "$HUTCH_BUILD/src/hutch-init/hutch-init" ] || cp "$HUTCH_BUILD/src/hutch-init/hutch-init" "$RL_BIN/"
  chmod 755 "$RL_BIN"/*
  useradd -m -s /bin/sh "$RL_USER"
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
  # a range of our own (useradd may have added one: replace it)
  usermod --del-subuids 1-4294967294 --del-subgids 1-4294967294 "$RL_USER" 2>/dev/null || true
  usermod --add-subuids "$RL_RANGE_START-$((RL_RANGE_START + 65535))" \
    --add-subgids "$RL_RANGE_START-$((RL_RANGE_START + 65535))" "$RL_USER"
  RL_XDG=/run/user/$RL_UID
  mkdir -p "$RL_XDG"
  chown "$RL_USER:" "$RL_XDG"
  chmod 700 "$RL_XDG"
  export RL_BIN RL_UID RL_GID RL_HOME RL_XDG RL_USER
}

# The default rootless network (slirp4netns) opens /dev/net/tun as the
# user: distributions ship it 0666, this VM 0600. Opened for the file's
# tests, its mode put back in teardown_file.
rootless_tun_open() {
  RL_TUN_MODE=$(stat -c %a /dev/net/tun)
  export RL_TUN_MODE
  chmod 666 /dev/net/tun
}

rootless_teardown_file() {
  [ -z "${RL_TUN_MODE:-}" ] || chmod "$RL_TUN_MODE" /dev/net/tun
  [ -n "${RL_UID:-}" ] || return 0
  local pid
  # the user's processes: the pause process, monitors, containers (the
  # mounts of the user's namespaces go with them)
  for _ in 1 2 3; do
    for pid in $(ps -e -o pid=,uid= | awk -v u="$RL_UID" -v s="$RL_RANGE_START" \
      '$2 == u || ($2 >= s && $2 < s + 65536) {print $1}'); do
      kill -9 "$pid" 2>/dev/null
    done
    sleep 0.2
  done
  userdel -r -f "$RL_USER" 2>/dev/null || true
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  rm -rf --one-file-system "$RL_XDG" "$RL_HOME" "$RL_BIN"
}

# as_user [VAR=VALUE...] PROGRAM ARGS...: run as the test user, with its
# XDG_RUNTIME_DIR and HOME.
as_user() {
  timeout -k 5 "$HUTCH_CMD_TIMEOUT" runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" USER="$RL_USER" "$@"
}

rhutch() { as_user "$RL_BIN/hutch" "$@"; }

# ---- the network tests' host side (rootless.bats, pasta.bats, usernet.bats) ----

# rootless_net_teardown: the host server a test started (by pid, ours
# only) and the test's files
rootless_net_teardown() {
  [ -z "${SRV_PID:-}" ] || kill "$SRV_PID" 2>/dev/null || true
  [ -z "${SRV_DIR:-}" ] || rm -rf "$SRV_DIR"
  [ -z "${T_DIR:-}" ] || rm -rf --one-file-system "$T_DIR"
}

# rootless_host_server: an HTTP server on the host's 127.0.0.1:$SRV_PORT serving
# /marker, whose text is "from-the-host-$$"
rootless_host_server() {
  SRV_DIR=$(mktemp -d /tmp/hutch-rl-srv.XXXXXX)
  echo "from-the-host-$$" >"$SRV_DIR/marker"
  SRV_PORT=$((20000 + RANDOM % 20000))
  python3 -m http.server "$SRV_PORT" --bind 127.0.0.1 --directory "$SRV_DIR" >/dev/null 2>&1 &
  SRV_PID=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$SRV_PORT/marker" >/dev/null && break; sleep 0.1; done
}

# wait_published PORT TEXT: the host's 127.0.0.1:PORT answers TEXT
wait_published() {
  local out=
  for _ in $(seq 50); do
    out=$(curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$1/") && break
    sleep 0.1
  done
  [ "$out" = "$2" ]
}

# pasta (its process is passt or passt.avx2) and slirp4netns of the test
# user that still run (zombies init has not reaped yet do not count)
helper_procs() {
  ps -u "$RL_UID" -o pid=,stat=,comm= | awk -v re="$1" '$2 !~ /^Z/ && $3 ~ re {print $1}'
}
pasta_procs() { helper_procs '^(pasta|passt)'; }
slirp_procs() { helper_procs '^slirp4netns$'; }
# wait_none FN: FN lists nothing within 3 s
wait_none() {
  for _ in $(seq 30); do [ -z "$($1)" ] && return 0; sleep 0.1; done
  [ -z "$($1)" ]
}

# kill_monitor NAME: kill -9 the container's monitor and init, as a crash
# would, and wait until the init is gone
kill_monitor() {
  local pid mon
  pid=$(rhutch inspect -f '{{.State.Pid}}' "$1")
  mon=$(ps -o ppid= -p "$pid" | tr -d ' ')
  [ "$(cat /proc/"$mon"/comm)" = hutch-monitor ] || return 1
  kill -9 "$mon" "$pid"
  for _ in $(seq 30); do ! kill -0 "$pid" 2>/dev/null && break; sleep 0.1; done
}
