#!/usr/bin/env bats
# hutch build (issue 18): Dockerfiles that use each instruction, checked
# through the images' filesystems (hutch run … cat/ls/stat) and configs
# (hutch image inspect); stages, build args, .dockerignore, the layer
# cache, the output, errors; and the same Dockerfile built by podman
# (buildah), filesystems compared.

load helpers

setup_file() { build_setup_file; }
setup() { build_setup; }
teardown() { build_teardown; }

build() {
  hutch build --network none "$@"
}

@test "build: RUN, COPY, ENV, ARG, WORKDIR, CMD make the image; docker classic's output" {
  echo file-a >"$CTX/a.txt"
  mkdir -p "$CTX/sub/deep"
  echo s1 >"$CTX/sub/deep/s1"
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
ARG GREETING=hello
ENV WHO=world
RUN echo "$GREETING $WHO" > /greet && rm /bin/vi
COPY a.txt /data/
COPY sub /opt/sub
WORKDIR /data
CMD ["cat", "/greet"]
DF
  run build -t t1 "$CTX"
  assert_success
  assert_line --index 0 'Step 1/8 : FROM busybox'
  assert_line 'Step 4/8 : RUN echo "$GREETING $WHO" > /greet && rm /bin/vi'
  assert_line --regexp '^ ---> Running in [0-9a-f]{12}$'
  assert_line --regexp '^Removing intermediate container [0-9a-f]{12}$'
  assert_line --regexp '^Successfully built [0-9a-f]{12}$'
  assert_line 'Successfully tagged t1:latest'
  run crun t1
  assert_output 'hello world'
  run crun t1 sh -c 'pwd; cat a.txt /opt/sub/deep/s1; [ -e /bin/vi ] || echo no-vi'
  assert_output $'/data\nfile-a\ns1\nno-vi'
  # the RUN's temporary container is gone, intermediates are not listed
  [ -z "$(hutch ps -aq)" ]
  run hutch images
  [ "${#lines[@]}" = 3 ]
  # (both may be made in the same second: no order between them)
  assert_line --regexp '^t1 +latest '
  assert_line --regexp '^busybox +latest '
  # history as docker's classic builder writes it
  local cfgblob
  cfgblob=$HUTCH_ROOT/blobs/sha256/$(cfg t1 .Id | tr -d '"' | cut -d: -f2)
  run jq -c '[.history[] | [.created_by, (.empty_layer // false)]] | .[1:]' "$cfgblob"
  assert_output --partial '["/bin/sh -c #(nop)  ENV WHO=world",true]'
  assert_output --partial '["/bin/sh -c #(nop) WORKDIR /data",true]'
  assert_output --partial '["|1 GREETING=hello /bin/sh -c echo \"$GREETING $WHO\" > /greet && rm /bin/vi",false]'
  # hutch history: newest first, layer sizes on the steps that made one
  run hutch history --no-trunc t1
  assert_success
  [ "${#lines[@]}" = 9 ]
  assert_line --index 1 --regexp '^sha256:[0-9a-f]{64} .*/bin/sh -c #\(nop\)  CMD \["cat", "/greet"\] +0B'
  assert_line --index 5 --regexp '^<missing> .*\|1 GREETING=hello /bin/sh -c echo .* [0-9.]+k?B'
  run hutch image history -q t1
  [ "${#lines[@]}" = 8 ]
}

@test "build: the metadata instructions set docker's config fields" {
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
LABEL a=1 "b c"="d e"
EXPOSE 80 53/udp 8000-8001
VOLUME ["/v1", "/v2"]
VOLUME /v3
STOPSIGNAL SIGINT
USER 1000:1000
HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
ONBUILD RUN echo trig > /tmp/trig
ENTRYPOINT ["/bin/echo", "ep"]
CMD ["arg"]
MAINTAINER someone
DF
  build -q -t meta "$CTX"
  [ "$(cfg meta .Config.Labels)" = '{"a":"1","b c":"d e"}' ]
  [ "$(cfg meta '.Config.ExposedPorts | keys')" = '["53/udp","80/tcp","8000/tcp","8001/tcp"]' ]
  [ "$(cfg meta '.Config.Volumes | keys')" = '["/v1","/v2","/v3"]' ]
  [ "$(cfg meta .Config.StopSignal)" = '"SIGINT"' ]
  [ "$(cfg meta .Config.User)" = '"1000:1000"' ]
  [ "$(cfg meta .Config.Healthcheck)" = '{"Test":["CMD","true"],"Interval":5000000000,"Retries":2}' ]
  [ "$(cfg meta .Config.OnBuild)" = '["RUN echo trig > /tmp/trig"]' ]
  [ "$(cfg meta .Config.Entrypoint)" = '["/bin/echo","ep"]' ]
  [ "$(cfg meta .Author)" = '"someone"' ]
  run crun meta
  assert_output 'ep arg'
  # the ONBUILD trigger runs in a build FROM it, and is not inherited
  printf 'FROM meta\nUSER 0\n' >"$CTX/Dockerfile"
  run build -t child "$CTX"
  assert_success
  assert_line '# Executing 1 build trigger'
  run crun --entrypoint cat child /tmp/trig
  assert_output trig
  [ "$(cfg child .Config.OnBuild)" = null ]
}

@test "build: SHELL, exec-form RUN, ENTRYPOINT in shell form" {
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
SHELL ["/bin/sh", "-xc"]
RUN echo shell > /s
RUN ["/bin/sh", "-c", "echo exec > /e"]
ENTRYPOINT echo "entry $0"
DF
  run build -t sh1 "$CTX"
  assert_success
  assert_output --partial '+ echo shell'
  [ "$(cfg sh1 .Config.Shell)" = '["/bin/sh","-xc"]' ]
  [ "$(cfg sh1 .Config.Entrypoint)" = '["/bin/sh","-xc","echo \"entry $0\""]' ]
  run crun sh1
  assert_output --partial 'entry /bin/sh'
  run crun --entrypoint cat sh1 /s /e
  assert_output $'shell\nexec'
}

@test "build: COPY globs, --chown with names, --chmod, ADD unpacks a local tar, a file into a dir" {
  mkdir -p "$CTX/src" "$CTX/t"
  echo x >"$CTX/src/x.c"
  echo y >"$CTX/src/y.c"
  echo h >"$CTX/src/h.h"
  echo inner >"$CTX/t/inner"
  tar -C "$CTX/t" -czf "$CTX/arch.tar.gz" inner
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
RUN echo 'app:x:1234:2345::/:/bin/sh' >> /etc/passwd && echo 'app:x:2345:' >> /etc/group
COPY src/*.c /cfiles/
COPY --chown=app:app --chmod=600 src/h.h /own/h.h
COPY --chown=77 src/x.c /num/
ADD arch.tar.gz /unpacked/
COPY src/x.c /etc
DF
  build -q -t cp1 "$CTX"
  run crun cp1 sh -c 'ls /cfiles; stat -c "%u:%g %a" /own/h.h /own; stat -c "%u:%g" /num/x.c; cat /unpacked/inner; cat /etc/x.c'
  assert_output $'x.c\ny.c\n1234:2345 600\n1234:2345 755\n77:77\ninner\nx'
}

@test "build: ADD of a URL is refused clearly, nothing is tagged" {
  printf 'FROM busybox\nADD http://127.0.0.1:1/x /x\n' >"$CTX/Dockerfile"
  run build -t url "$CTX"
  assert_failure 1
  assert_output --partial 'hutch: Dockerfile:2: ADD: source http://127.0.0.1:1/x: ADD of a URL is not supported by hutch'
  run hutch image inspect url
  assert_failure
}

@test "build: multi-stage, COPY --from a stage and an image, only the needed stages, --target" {
  cat >"$CTX/Dockerfile" <<'DF'
ARG BASE=busybox
FROM ${BASE} AS builder
RUN echo built > /artifact
FROM busybox AS unused
RUN echo unused-stage-ran && false
FROM busybox AS second
RUN echo second > /second
FROM scratch
COPY --from=builder /artifact /artifact
COPY --from=2 /second /second
COPY --from=busybox /bin/busybox /bin/busybox
CMD ["/bin/busybox", "cat", "/artifact", "/second"]
DF
  run build -t ms "$CTX"
  assert_success
  refute_output --partial 'unused-stage-ran'
  run crun ms
  assert_output $'built\nsecond'
  [ "$(cfg ms '.RootFS.Layers | length')" = 3 ]
  run build -q --target unused -t tgt "$CTX"
  assert_failure
  assert_output --partial "The command '/bin/sh -c echo unused-stage-ran && false' returned a non-zero code: 1"
  run build -q --target second -t tgt "$CTX"
  assert_success
  run crun tgt cat /second
  assert_output second
  run build --target nosuch "$CTX"
  assert_failure 1
  assert_output 'hutch: target stage "nosuch" could not be found'
}

@test "build: --build-arg, ARG defaults per stage, a build arg in FROM" {
  cat >"$CTX/Dockerfile" <<'DF'
ARG IMG=nosuchimage
FROM ${IMG}
ARG IMG
ARG V=default
ARG W
ENV FROM_ENV=${V:-x}-${W:-unset}
RUN echo "$IMG $V $W" > /args
DF
  build -q --build-arg IMG=busybox --build-arg V=given -t ba "$CTX"
  run crun ba sh -c 'cat /args; echo $FROM_ENV; echo "[$V]"'
  assert_output $'busybox given \ngiven-unset\n[]'
}

@test "build: .dockerignore leaves files out, ! takes them back" {
  mkdir -p "$CTX/logs" "$CTX/keep"
  echo 1 >"$CTX/logs/a.log"
  echo 2 >"$CTX/keep/b.log"
  echo 3 >"$CTX/secret.txt"
  echo 4 >"$CTX/ok.txt"
  printf '**/*.log\n!keep/*.log\nsecret.txt\n' >"$CTX/.dockerignore"
  printf 'FROM busybox\nCOPY . /ctx/\n' >"$CTX/Dockerfile"
  build -q -t ign "$CTX"
  run crun ign sh -c 'cd /ctx && find . -type f | sort'
  assert_output $'./.dockerignore\n./Dockerfile\n./keep/b.log\n./ok.txt'
  printf 'FROM busybox\nCOPY secret.txt /\n' >"$CTX/Dockerfile"
  run build "$CTX"
  assert_failure 1
  assert_output --partial 'file not found in build context or excluded by .dockerignore'
}

@test "build: the cache: a rebuild runs nothing and is fast; a changed file rebuilds from its COPY" {
  echo one >"$CTX/f1"
  echo two >"$CTX/f2"
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
RUN echo ran >> /runs
COPY f1 /f1
RUN echo after-f1 > /a
COPY f2 /f2
RUN cat /f1 /f2 > /both
DF
  build -q -t c1 "$CTX"
  local start end
  start=$(date +%s%N)
  run build -t c1 "$CTX"
  end=$(date +%s%N)
  assert_success
  [ "$(grep -c 'Using cache' <<<"$output")" = 5 ]
  refute_output --partial 'Running in'
  echo "cached rebuild: $(((end - start) / 1000000)) ms" >&3
  [ $(((end - start) / 1000000)) -lt 1000 ]
  echo TWO >"$CTX/f2"
  touch "$CTX/f1" # times do not count
  run build -t c1 "$CTX"
  assert_success
  [ "$(grep -c 'Using cache' <<<"$output")" = 3 ]
  [ "$(grep -c 'Running in' <<<"$output")" = 1 ]
  run crun c1 cat /both /runs
  assert_output $'one\nTWO\nran'
  run build --no-cache -t c1 "$CTX"
  refute_output --partial 'Using cache'
}

@test "build: a Dockerfile on stdin, a context tar on stdin, -f" {
  printf 'FROM busybox\nRUN echo stdin > /s\n' | build -q -t in1 -
  run crun in1 cat /s
  assert_output stdin
  echo ctxfile >"$CTX/f"
  printf 'FROM busybox\nCOPY f /f\n' >"$CTX/Other.dockerfile"
  tar -C "$CTX" -cf - f Other.dockerfile | build -q -f Other.dockerfile -t in2 -
  run crun in2 cat /f
  assert_output ctxfile
  build -q -f "$CTX/Other.dockerfile" -t in3 "$CTX"
  run crun in3 cat /f
  assert_output ctxfile
}

@test "build: errors name the Dockerfile line and leave no container behind" {
  printf 'FROM busybox\n\nFOO bar\n' >"$CTX/Dockerfile"
  run build "$CTX"
  assert_failure 1
  assert_output 'hutch: Dockerfile:3: unknown instruction: FOO'
  printf 'FROM busybox\nRUN exit 3\n' >"$CTX/Dockerfile"
  run build "$CTX"
  assert_failure 1
  assert_output --partial "hutch: Dockerfile:2: RUN: The command '/bin/sh -c exit 3' returned a non-zero code: 3"
  [ -z "$(hutch ps -aq)" ]
  run build "$TEST_DIR/nodir"
  assert_failure 1
  run hutch build --network bogus "$CTX"
  assert_failure 1
}

@test "build: heredocs: RUN scripts (shell, #! file, <<-, with a command), COPY files (expanded or not)" {
  cat >"$CTX/Dockerfile" <<'DF'
# syntax=docker/dockerfile:1
FROM busybox
ARG WHO=world
RUN <<EOF
echo "one $WHO" > /one
echo two >> /one
EOF
RUN <<-EOT
	echo tabs > /tabs
	EOT
RUN cat <<A > /a && cat <<'B' > /b
first $WHO
A
second $WHO
B
RUN <<EOF
#!/bin/busybox sh
echo "script at $0" > /script
EOF
COPY <<EOF /etc/greeting
hello ${WHO}
EOF
COPY <<"RAW" <<two.txt /docs/
raw ${WHO}
RAW
two
two.txt
DF
  run build -t hd "$CTX"
  assert_success
  run crun hd cat /one /tabs /a /b /script /etc/greeting /docs/RAW /docs/two.txt
  assert_success
  assert_output $'one world\ntwo\ntabs\nfirst world\nsecond $WHO\nscript at /dev/pipes/EOF\nhello world\nraw ${WHO}\ntwo'
  # the script's mount is not in the layer; heredoc files are root's 0644
  run crun hd sh -c 'ls /dev/pipes 2>&1; stat -c "%a %u" /etc/greeting /docs/two.txt'
  assert_output --partial $'644 0\n644 0'
  [ -z "$(ls "$HUTCH_ROOT/tmp" | grep pipes)" ]
  # the same file is a full cache hit; a changed heredoc line is a miss
  run build -t hd "$CTX"
  [ "$(grep -c 'Using cache' <<<"$output")" = 7 ]
  sed -i 's/^echo two >> \/one$/echo 2 >> \/one/' "$CTX/Dockerfile"
  run build -t hd "$CTX"
  assert_success
  [ "$(grep -c 'Using cache' <<<"$output")" = 1 ]
  run crun hd cat /one
  assert_output $'one world\n2'
  # an unterminated heredoc names its line
  printf 'FROM busybox\nRUN <<EOF\necho\n' >"$CTX/Dockerfile"
  run build "$CTX"
  assert_failure 1
  assert_output 'hutch: Dockerfile:2: unterminated heredoc: no line EOF ends it'
}

@test "build: a build killed mid-RUN takes its RUN container with it (TERM, KILL)" {
  printf 'FROM busybox\nRUN echo started; sleep 60 # %s\n' "$BATS_TEST_NUMBER" >"$CTX/Dockerfile"
  local sig pid i
  for sig in TERM KILL; do
    # the hutch process itself (the helpers wrap it in timeout)
    "$HUTCH" build --network none --no-cache "$CTX" >"$TEST_DIR/out" 2>&1 &
    pid=$!
    for i in $(seq 100); do
      grep -q '^started' "$TEST_DIR/out" && break
      sleep 0.1
    done
    grep -q '^started' "$TEST_DIR/out"
    [ -n "$(hutch ps -q)" ]
    kill -"$sig" "$pid"
    wait "$pid" || true
    # the monitor saw its owner go: the RUN is killed and removed
    for i in $(seq 100); do
      [ -z "$(hutch ps -aq)" ] && break
      sleep 0.1
    done
    [ -z "$(hutch ps -aq)" ]
    ! pgrep -f "sleep 60 # $BATS_TEST_NUMBER" >/dev/null
  done
}

@test "build: --label on the final image; -q prints only the id" {
  printf 'FROM busybox\nLABEL a=1\n' >"$CTX/Dockerfile"
  run build -q --label b=2 -t lab "$CTX"
  assert_success
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  [ "$(cfg lab .Id)" = "\"$output\"" ]
  [ "$(cfg lab .Config.Labels)" = '{"a":"1","b":"2"}' ]
}

# The files of an image's rootfs, one line each: path, type, mode, owner,
# size and a content digest; the runtime's mount targets left out.
fs_listing() {
  (cd "$1" && find . -mindepth 1 -xdev ! -path ./proc ! -path ./sys ! -path ./dev ! -path ./run \
    ! -path ./etc/hostname ! -path ./etc/hosts ! -path ./etc/resolv.conf -printf '%p %y %m %U:%G %s\n' |
    sort)
  (cd "$1" && find . -xdev -type f ! -path ./etc/hostname ! -path ./etc/hosts \
    ! -path ./etc/resolv.conf -exec md5sum {} + | sort)
}

@test "build: podman (buildah) builds the same Dockerfile into the same filesystem" {
  command -v podman >/dev/null || skip "podman is not installed"
  mkdir -p "$CTX/dir/sub"
  echo a >"$CTX/dir/a"
  echo b >"$CTX/dir/sub/b"
  chmod 640 "$CTX/dir/a"
  cat >"$CTX/Dockerfile" <<'DF'
FROM busybox
RUN mkdir -p /made/x && echo m > /made/x/m && rm -rf /usr /bin/vi && ln -s /made /link
COPY dir /copied/
COPY --chown=5:6 dir/a /owned
WORKDIR /w
RUN echo w > w.txt
DF
  build -q -t cmp "$CTX"
  local P="podman --root $TEST_DIR/proot --runroot $TEST_DIR/prun --runtime runc"
  hutch save -o "$TEST_DIR/bb.tar" busybox
  $P load -i "$TEST_DIR/bb.tar" >/dev/null
  $P build -q --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -t cmp "$CTX" >/dev/null
  local pm hx
  pm=$($P image mount cmp)
  mkdir "$TEST_DIR/hx"
  hutch create --name cmpc --network none cmp true >/dev/null
  hutch export cmpc | tar -C "$TEST_DIR/hx" -xf -
  hutch rm cmpc >/dev/null
  fs_listing "$pm" >"$TEST_DIR/podman.txt"
  fs_listing "$TEST_DIR/hx" >"$TEST_DIR/hutch.txt"
  $P image umount cmp >/dev/null
  $P rmi -a -f >/dev/null 2>&1 || true
  run diff "$TEST_DIR/podman.txt" "$TEST_DIR/hutch.txt"
  assert_success
  [ "$(cfg cmp .Config.WorkingDir)" = '"/w"' ]
}
