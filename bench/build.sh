#!/bin/bash
# hutch build vs podman build (buildah) of one 5-step Dockerfile on the
# busybox image (issue 18's goals: fresh <= 0.5x, fully cached <= 0.1x):
#   fresh    every run with --no-cache: FROM, two RUNs, COPY, CMD all done
#   cached   the same build again: every step a cache hit, nothing runs
# Both with --network none; podman with runc and its bench flags (lib.sh).
# Interleaved after a warm-up; every run must exit 0.
#
#   bench/build.sh BUILD_DIR       (BENCH_BUILD_RUNS=5 BENCH_WARMUP=1)
source "$(dirname "$0")/lib.sh"
bench_init "${1:-}"
runs=${BENCH_BUILD_RUNS:-5}
warmup=${BENCH_WARMUP:-1}

bench_images || exit 1
[ -n "$podman_error" ] && bench_error[podman]=$podman_error bench_error[cached_podman]=$podman_error

ctx=$work/build-ctx
mkdir -p "$ctx"
head -c 1048576 /dev/urandom >"$ctx/payload"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
RUN echo one > /one
COPY payload /payload
RUN md5sum /payload > /sum
CMD ["cat", "/sum"]
DF
# the busybox image under the name podman's store has it as
sed 's/^FROM busybox/FROM hutch-bench-busybox/' "$ctx/Dockerfile" >"$ctx/Dockerfile.podman"
podman_build=(build -q --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
  -f "$ctx/Dockerfile.podman" -t hutch-bench-built)

run_hutch() { "$build/hutch" build -q --no-cache --network none -t hutch-bench-built "$ctx"; }
run_podman() { podman "${bench_podman_global[@]}" "${podman_build[@]}" --no-cache "$ctx"; }
run_cached_hutch() { "$build/hutch" build -q --network none -t hutch-bench-built "$ctx"; }
run_cached_podman() { podman "${bench_podman_global[@]}" "${podman_build[@]}" "$ctx"; }

echo "bench: build of a 5-step Dockerfile, fresh (--no-cache), $warmup warm-up + $runs runs" >&2
bench_interleave "$runs" "$warmup" hutch podman
entries=$(bench_entries 1000 hutch="hutch build" podman="podman build")
bench_write build-fresh "hutch build --no-cache vs podman build --no-cache (5 steps, 2 RUNs)" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch build", b: "podman build", goal: 0.5}]' \
  '["FROM busybox; RUN; COPY of 1 MiB; RUN; CMD; --network none; podman drives runc"]'

echo "bench: the same build fully cached, $warmup warm-up + $runs runs" >&2
bench_interleave "$runs" "$warmup" cached_hutch cached_podman
entries=$(bench_entries 1000 cached_hutch="hutch build" cached_podman="podman build")
bench_write build-cached "hutch build vs podman build, every step a cache hit" ms \
  "$runs" "$warmup" "$entries" '[{a: "hutch build", b: "podman build", goal: 0.1}]'
bench_engine_cleanup
