#!/bin/bash
# Fresh pulls of a ~64 MiB, 5-layer image from a local registry
# (tests/fixtures/registry.sh's docker-registry on 127.0.0.1):
#   hutch pull                  into an empty store (HUTCH_ROOT wiped before each run):
#                               download, verify, unpack
#   podman pull                 into an empty podman root each run (same work)
#   skopeo copy docker:// dir:  download and verify only, no unpack: the
#                               time the issue aims at
# Interleaved (h p s h p s …) after a warm-up; wiping is not timed; every
# run must exit 0.
#
#   bench/pull.sh BUILD_DIR       (BENCH_PULL_RUNS=5 BENCH_WARMUP=1)
#
# The layers are 12.8 MiB each of AES-CTR keystream (openssl enc over
# /dev/zero with a fixed password): incompressible, so that gzip does not
# shrink the transfer, and deterministic, so that every run of the bench
# pulls the same bytes. The OCI layout is built once with umoci and kept
# under tests/fixtures/cache/.
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
runs=${BENCH_PULL_RUNS:-5}
warmup=${BENCH_PULL_WARMUP:-1}
fixtures=$BENCH_REPO/tests/fixtures
layers=5
layer_size=$((64 * 1024 * 1024 / layers))
layout=$fixtures/cache/bench-pull-v1

# build_layout: the image, tag "bench": layer 1 has busybox (so that it
# runs) and every layer one file of incompressible data.
build_layout() {
  local tmp i d
  mkdir -p "$fixtures/cache"
  tmp=$(mktemp -d "$fixtures/cache/.bench-pull.XXXXXX")
  umoci init --layout "$tmp/oci" && umoci new --image "$tmp/oci:bench" || return 1
  for ((i = 1; i <= layers; i++)); do
    d=$tmp/layer$i
    mkdir -p "$d/data"
    if [ "$i" = 1 ]; then
      mkdir -p "$d/bin"
      cp /bin/busybox "$d/bin/busybox"
      for c in sh true sleep cat ls; do ln -s busybox "$d/bin/$c"; done
    fi
    head -c "$layer_size" /dev/zero |
      openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:hutch-bench-layer-$i" >"$d/data/layer$i" || return 1
    tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/layer$i.tar" . &&
      umoci raw add-layer --image "$tmp/oci:bench" --history.created 1970-01-01T00:00:00Z \
        "$tmp/layer$i.tar" || return 1
    rm -rf "$d" "$tmp/layer$i.tar"
  done
  umoci config --image "$tmp/oci:bench" --architecture amd64 --os linux \
    --config.env "PATH=/bin" --config.cmd /bin/sh --created 1970-01-01T00:00:00Z &&
    umoci gc --layout "$tmp/oci" || return 1
  mv -T "$tmp/oci" "$layout" 2>/dev/null || true # a concurrent builder may have won
  rm -rf "$tmp"
}

if ! [ -f "$layout/index.json" ]; then
  echo "bench: building the 64 MiB 5-layer image (once, into $layout)" >&2
  build_layout >"$samples/build.log" 2>&1 || {
    echo "bench: could not build the pull image:" >&2
    cat "$samples/build.log" >&2
    exit 1
  }
fi

regdir=$work/registry
bench_defer "'$fixtures/registry.sh' stop '$regdir'"
reg=$("$fixtures/registry.sh" start "$regdir") &&
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bench" "docker://$reg/hutch/bench64:latest" || {
  echo "bench: could not start the registry or push the image" >&2
  exit 1
}
image=$reg/hutch/bench64:latest
size=$(du -sk "$layout/blobs" | cut -f1)

hroot=$work/pull-hutch
proot=$work/pull-podman
sdir=$work/pull-skopeo
podman_pull=(--root "$proot/root" --runroot "$proot/run" --storage-driver overlay --runtime runc
  --cgroup-manager cgroupfs --events-backend file)

before_hutch() { rm -rf --one-file-system "$hroot"; }
run_hutch() { HUTCH_ROOT=$hroot/root HUTCH_RUN_ROOT=$hroot/run "$build/hutch" pull -q "$image"; }
before_podman() {
  if [ -d "$proot" ]; then
    podman "${podman_pull[@]}" system reset -f >/dev/null 2>&1
    bench_umount_under "$proot"
    rm -rf --one-file-system "$proot"
  fi
}
run_podman() { podman "${podman_pull[@]}" pull -q --tls-verify=false "$image"; }
before_skopeo() { rm -rf "$sdir"; }
run_skopeo() { skopeo copy --quiet --src-tls-verify=false "docker://$image" "dir:$sdir"; }
bench_defer before_podman
bench_defer before_hutch

command -v podman >/dev/null || bench_error[podman]="not installed"
command -v skopeo >/dev/null || bench_error[skopeo]="not installed"
echo "bench: fresh pull of $image ($((size / 1024)) MiB, $layers layers), $warmup warm-up + $runs runs" >&2
bench_interleave "$runs" "$warmup" hutch podman skopeo
# the image really landed: hutch's store lists it after the last run
if [ -z "${bench_error[hutch]:-}" ] &&
  ! HUTCH_ROOT=$hroot/root HUTCH_RUN_ROOT=$hroot/run "$build/hutch" image inspect "$image" >/dev/null 2>&1; then
  bench_error[hutch]="pull exited 0 but the image is not in the store"
fi
entries=$(bench_entries 1000 hutch="hutch pull" podman="podman pull" skopeo="skopeo copy (no unpack)")
bench_write pull "fresh pull of a $((size / 1024)) MiB $layers-layer image from a local registry" ms \
  "$runs" "$warmup" "$entries" '[
    {a: "hutch pull", b: "podman pull", goal: 0.5},
    {a: "hutch pull", b: "skopeo copy (no unpack)", goal: null}]' \
  '["each run starts from an empty store (hutch: new HUTCH_ROOT; podman: new --root; skopeo: new dir:)",
    "layers: 12.8 MiB of AES-CTR keystream each (incompressible, deterministic), gzip"]'
