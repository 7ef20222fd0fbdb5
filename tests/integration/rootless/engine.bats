#!/usr/bin/env bats
# The engine's other commands as an ordinary user (issue 17): pull from a
# registry, import, save and load with the layers unpacked as the user
# (owners, whiteouts, device nodes left out), cp both ways, volumes, the
# API service on $XDG_RUNTIME_DIR/hutch/hutch.sock driven by the docker
# CLI, and the errors for a host that lacks what rootless needs.

load helpers
# shellcheck source=../../fixtures/registry.sh
source "$HUTCH_SRC/tests/fixtures/registry.sh"
set +u +o pipefail

setup_file() {
  rootless_setup_file
  rootless_tun_open
  export REG_DIR
  REG_DIR=$(mktemp -d /tmp/hutch-rl-reg.XXXXXX)
  export REG
  REG=$(registry_start "$REG_DIR")
  registry_build "$REG_DIR"
  # a second user, made by the tests that need a host without something
  export RL_USER2=hrm$$
}
teardown_file() {
  [ -z "${REG_DIR:-}" ] || registry_stop "$REG_DIR"
  rm -rf "${REG_DIR:-/nonexistent}"
  rootless_teardown_file
  user2_remove
}
setup() { WORK=$(mktemp -d /tmp/hutch-rl-work.XXXXXX) && chmod 755 "$WORK"; }
teardown() {
  [ -z "${SVC_PID:-}" ] || kill "$SVC_PID" 2>/dev/null || true
  [ -z "${FUSE_MODE:-}" ] || chmod "$FUSE_MODE" /dev/fuse
  rm -rf "$WORK"
}

user2_remove() {
  id "$RL_USER2" >/dev/null 2>&1 || return 0
  local u pid
  u=$(id -u "$RL_USER2")
  # its processes and its range's (700000...)
  for pid in $(ps -e -o pid=,uid= | awk -v u="$u" '$2 == u || ($2 >= 700000 && $2 < 765536) {print $1}'); do
    kill -9 "$pid" 2>/dev/null
  done
  for _ in $(seq 50); do [ -z "$(pgrep -u "$u")" ] && break; sleep 0.1; done
  userdel -r -f "$RL_USER2" 2>/dev/null || true
  sed -i "/^$RL_USER2:/d" /etc/subuid /etc/subgid
  rm -rf "/run/user/$u"
}

# user2 [RANGE]: a fresh second user (no pause process yet), with the
# subordinate range RANGE (none when empty); U2 runs a command as it.
user2() {
  user2_remove
  useradd -m -s /bin/sh "$RL_USER2"
  usermod --del-subuids 1-4294967294 --del-subgids 1-4294967294 "$RL_USER2" 2>/dev/null || true
  [ -z "${1:-}" ] || usermod --add-subuids "$1" --add-subgids "$1" "$RL_USER2"
  U2_UID=$(id -u "$RL_USER2")
  U2_HOME=$(getent passwd "$RL_USER2" | cut -d: -f6)
  install -d -o "$RL_USER2" -m 700 "/run/user/$U2_UID"
}
u2() {
  timeout -k 5 "$HUTCH_CMD_TIMEOUT" runuser -u "$RL_USER2" -- env -i \
    PATH="${U2_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" HOME="$U2_HOME" \
    XDG_RUNTIME_DIR="/run/user/$U2_UID" "$@"
}

@test "pull from a registry as the user: layers, whiteouts, owners" {
  run rhutch pull "$REG/hutch/two"
  assert_success
  run rhutch run --rm --network none "$REG/hutch/two" sh -c \
    'cat /etc/first-layer /etc/second-layer; test ! -e /etc/deleted-later && echo gone'
  assert_success
  assert_output "$(printf 'first\nsecond\ngone')"
  # on disk, the whiteout is a 0:0 character device made in the namespace,
  # owned by the user outside
  wh=$(find "$RL_HOME/.local/share/hutch/layers" -name deleted-later -type c | head -1)
  [ -c "$wh" ]
  [ "$(stat -c %u "$wh")" = "$RL_UID" ]
  run rhutch rmi "$REG/hutch/two"
  assert_success
}

# mktar OUT: a layer tar with files of uid 1000 and 0, a fifo, and the
# device nodes a user namespace may not make
mktar() {
  python3 - "$1" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for d in ("bin", "etc", "home", "home/app", "dev2"):
        i = tarfile.TarInfo(d); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
    i = tarfile.TarInfo("home/app"); i.type = tarfile.DIRTYPE; i.mode = 0o750
    i.uid = i.gid = 1000; t.addfile(i)
    body = b"app-file\n"
    i = tarfile.TarInfo("home/app/note"); i.size = len(body); i.uid = i.gid = 1000; i.mode = 0o640
    t.addfile(i, io.BytesIO(body))
    bb = open("/bin/busybox", "rb").read()
    i = tarfile.TarInfo("bin/busybox"); i.size = len(bb); i.mode = 0o755
    t.addfile(i, io.BytesIO(bb))
    for c in ("sh", "ls", "cat", "stat", "test"):
        i = tarfile.TarInfo("bin/" + c); i.type = tarfile.SYMTYPE; i.linkname = "busybox"
        t.addfile(i)
    i = tarfile.TarInfo("dev2/null"); i.type = tarfile.CHRTYPE; i.devmajor, i.devminor = 1, 3
    t.addfile(i)
    i = tarfile.TarInfo("dev2/loop9"); i.type = tarfile.BLKTYPE; i.devmajor, i.devminor = 7, 9
    t.addfile(i)
    i = tarfile.TarInfo("dev2/fifo"); i.type = tarfile.FIFOTYPE; i.mode = 0o600
    t.addfile(i)
PY
  chmod 644 "$1"
}

@test "import a tar with other owners and device nodes; save and load it" {
  mktar "$WORK/layer.tar"
  run rhutch import "$WORK/layer.tar" rl/imported
  assert_success
  run rhutch run --rm --network none rl/imported sh -c \
    'stat -c "%u:%g %a %n" /home/app /home/app/note; cat /home/app/note; ls /dev2; test -p /dev2/fifo && echo fifo'
  assert_success
  assert_line --index 0 "1000:1000 750 /home/app"
  assert_line --index 1 "1000:1000 640 /home/app/note"
  assert_line --index 2 "app-file"
  # the device nodes are left out (the kernel refuses them in a user
  # namespace), as docker and podman do rootless; the fifo stays
  assert_line --index 3 "fifo"
  assert_line --index 4 "fifo"
  refute_output --partial null
  refute_output --partial loop9
  # save, remove, load: the same image back
  run rhutch save -o "$RL_HOME/img.tar" rl/imported
  assert_success
  run rhutch rmi rl/imported
  assert_success
  run rhutch load -i "$RL_HOME/img.tar"
  assert_success
  run rhutch run --rm --network none rl/imported cat /home/app/note
  assert_success
  assert_output "app-file"
  run rhutch rmi rl/imported
  assert_success
}

@test "cp into and out of a rootless container, and a volume" {
  run rhutch run -d --name cpbox --network none -v rlvol:/data busybox sleep 300
  assert_success
  echo from-host >"$WORK/in.txt"
  chmod 644 "$WORK/in.txt"
  run rhutch cp "$WORK/in.txt" cpbox:/data/in.txt
  assert_success
  run rhutch exec cpbox sh -c 'cat /data/in.txt; echo made-inside >/tmp/out.txt'
  assert_success
  assert_output from-host
  run rhutch cp cpbox:/tmp/out.txt "$RL_HOME/out.txt"
  assert_success
  [ "$(cat "$RL_HOME/out.txt")" = made-inside ]
  [ "$(stat -c %u "$RL_HOME/out.txt")" = "$RL_UID" ]
  # the volume lives in the user's store and outlives the container
  run rhutch volume inspect -f '{{.Mountpoint}}' rlvol
  assert_success
  assert_output "$RL_HOME/.local/share/hutch/volumes/rlvol/_data"
  [ "$(cat "$output/in.txt")" = from-host ]
  run rhutch rm -f cpbox
  assert_success
  run rhutch run --rm --network none -v rlvol:/data busybox cat /data/in.txt
  assert_output from-host
  run rhutch volume ls -q
  assert_output rlvol
  run rhutch volume rm rlvol
  assert_success
  [ ! -e "$RL_HOME/.local/share/hutch/volumes/rlvol" ]
}

@test "system service on \$XDG_RUNTIME_DIR/hutch/hutch.sock: the docker CLI runs a container" {
  as_user "$RL_BIN/hutch" system service >"$WORK/svc.log" 2>&1 &
  SVC_PID=$!
  sock=$RL_XDG/hutch/hutch.sock
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  [ -S "$sock" ]
  [ "$(stat -c %u "$sock")" = "$RL_UID" ]
  run as_user curl -sf --unix-socket "$sock" http://d/_ping
  assert_output OK
  run as_user docker -H "unix://$sock" run --rm --network none busybox sh -c 'echo via-api; id -u'
  assert_success
  assert_line --index 0 via-api
  assert_line --index 1 0
  run as_user docker -H "unix://$sock" ps -a -q
  assert_success
  assert_output ""
  # root's socket is not the user's
  [ "$sock" != /run/hutch/hutch.sock ]
}

@test "no subordinate range: a warning, and a single-id map that runs busybox" {
  user2 ""
  run u2 "$RL_BIN/hutch" run --rm --network none busybox sh -c 'id -u; cat /proc/self/uid_map'
  assert_success
  assert_output --partial "no subordinate range for $RL_USER2 in /etc/subuid: mapping only id $U2_UID"
  assert_output --partial "usermod --add-subuids"
  assert_line --regexp "^ +0 +$U2_UID +1\$"
}

@test "newuidmap missing: an error that names the package, nothing left behind" {
  user2 700000-765535
  mkdir -p "$WORK/bin"
  U2_PATH=$WORK/bin run u2 "$RL_BIN/hutch" run --rm --network none busybox true
  assert_failure
  assert_output "hutch: newuidmap not found: install the uidmap package: No such file or directory"
  # no pause process was left holding a namespace without maps
  [ ! -e "/run/user/$U2_UID/hutch/pause.pid" ]
  [ -z "$(pgrep -u "$U2_UID" -x hutch-pause)" ]
}

@test "max_user_namespaces 0: an error that says how to enable them" {
  user2 700000-765535
  # The limit is per user namespace, and the host's is not ours to
  # change: the user runs hutch in a namespace of root's (ids 0-65535
  # mapped as they are) whose max_user_namespaces is 0.
  mkfifo "$WORK/go"
  cat >"$WORK/inner.sh" <<SH
echo 0 >/proc/sys/user/max_user_namespaces || exit 9
exec setpriv --reuid=$U2_UID --regid=$U2_UID --clear-groups env -i PATH=/usr/bin:/bin \\
  HOME=$U2_HOME XDG_RUNTIME_DIR=/run/user/$U2_UID $RL_BIN/hutch run --rm --network none busybox true
SH
  # sh loses its caps in the exec before the map is written; the inner
  # script's exec, as uid 0 of the namespace, has them
  unshare -U sh -c "read _ <'$WORK/go'; exec sh '$WORK/inner.sh'" >"$WORK/out" 2>&1 &
  ns=$!
  # once it is in its own user namespace, map it
  for _ in $(seq 50); do
    [ "$(readlink "/proc/$ns/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.05
  done
  echo "0 0 65536" >"/proc/$ns/uid_map"
  echo "0 0 65536" >"/proc/$ns/gid_map"
  echo go >"$WORK/go"
  # (not through run: a subshell cannot wait for this shell's child)
  rc=0
  wait "$ns" || rc=$?
  [ "$rc" -ne 0 ]
  run cat "$WORK/out"
  assert_output "hutch: user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0): as root, run sysctl -w user.max_user_namespaces=15000: No space left on device"
  [ ! -e "/run/user/$U2_UID/hutch/pause.pid" ]
}

@test "fuse-overlayfs as the mount program: the lifecycle, and no daemon left after rm" {
  # distributions ship /dev/fuse 0666; this VM 0600 (put back in teardown)
  FUSE_MODE=$(stat -c %a /dev/fuse)
  chmod 666 /dev/fuse
  run as_user HUTCH_MOUNT_PROGRAM=fuse-overlayfs "$RL_BIN/hutch" run -d --name fusebox --network none busybox sleep 300
  assert_success
  run rhutch exec fusebox sh -c 'awk "\$5 == \"/\" {print \$9}" /proc/self/mountinfo; echo data >/tmp/f; cat /tmp/f'
  assert_success
  assert_line --index 0 fuse-overlayfs
  assert_line --index 1 data
  [ -n "$(pgrep -u "$RL_UID" -x fuse-overlayfs)" ]
  # the upper dir holds what the container wrote, owned in the range
  f=$(find "$RL_HOME/.local/share/hutch/containers" -path '*/upper/tmp/f' | head -1)
  [ "$(cat "$f")" = data ]
  run rhutch rm -f fusebox
  assert_success
  for _ in $(seq 30); do [ -z "$(pgrep -u "$RL_UID" -x fuse-overlayfs)" ] && break; sleep 0.1; done
  [ -z "$(pgrep -u "$RL_UID" -x fuse-overlayfs)" ]
  # a program that is not there: the error names it, nothing is left
  run as_user HUTCH_MOUNT_PROGRAM=/nonexistent/fuse-overlayfs "$RL_BIN/hutch" run --rm --network none busybox true
  assert_failure
  assert_output --partial "mount /nonexistent/fuse-overlayfs on "
  assert_output --partial "No such file or directory"
  run rhutch ps -a -q
  assert_output ""
  [ -z "$(ls "$RL_HOME/.local/share/hutch/containers")" ]
  [ -z "$(pgrep -u "$RL_UID" -x fuse-overlayfs)" ]
}

@test "--network container: shares another rootless container's namespace" {
  run rhutch run -d --name netowner busybox sh -c 'echo shared >/tmp/i; httpd -p 8080 -h /tmp; exec sleep 300'
  assert_success
  run rhutch run --rm --network container:netowner busybox sh -c \
    'ip -4 -o addr show tap0 | awk "{print \$4}"; wget -q -O - http://127.0.0.1:8080/i'
  assert_success
  assert_output "$(printf '10.0.2.100/24\nshared')"
  run rhutch rm -f netowner
  assert_success
}

@test "two users: each sees only its own containers and images; root's store is not touched" {
  user2 700000-765535
  run u2 "$RL_BIN/hutch" run -d --name only-user2 --network none busybox sleep 300
  assert_success
  run rhutch run -d --name only-user1 --network none busybox sleep 300
  assert_success
  run u2 "$RL_BIN/hutch" ps -a --format '{{.Names}}'
  assert_output only-user2
  run rhutch ps -a --format '{{.Names}}'
  assert_output only-user1
  # the second user's store is its own; neither wrote into root's
  [ -f "$U2_HOME/.local/share/hutch/state.db" ]
  [ -z "$(find /var/lib/hutch /run/hutch -maxdepth 3 \( -user "$RL_UID" -o -user "$U2_UID" \) 2>/dev/null)" ]
  # one user cannot read the other's store
  run u2 ls "$RL_HOME/.local/share/hutch"
  assert_failure
  run u2 "$RL_BIN/hutch" rm -f only-user2
  assert_success
  run rhutch rm -f only-user1
  assert_success
}
