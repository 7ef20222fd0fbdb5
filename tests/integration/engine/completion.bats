#!/usr/bin/env bats
# Shell completion (issue 15, "Also"): `hutch completion bash|zsh|fish`
# and the `hutch __complete` the scripts ask at each TAB. The bash script
# is sourced and its function called as bash calls it (COMP_LINE,
# COMP_POINT), and COMPREPLY checked; fish runs its script for real
# (`complete -C`); zsh's is parsed. One test holds the candidates to the
# flags every command's --help lists, so completion cannot drift.

load helpers

setup() {
  engine_setup
  # the scripts call `hutch` by name
  mkdir -p "$TEST_DIR/bin"
  ln -s "$HUTCH" "$TEST_DIR/bin/hutch"
  export PATH=$TEST_DIR/bin:$PATH
}

# comp LINE: COMPREPLY for LINE (the cursor at its end), "|"-joined, in a
# fresh bash that sourced `hutch completion bash`.
comp() {
  bash -c 'source <(hutch completion bash) || exit 9
    COMP_LINE=$1 COMP_POINT=${#1}
    COMPREPLY=()
    _hutch
    (IFS="|"; echo "${COMPREPLY[*]}")' bash "$1"
}

@test "bash: the script registers _hutch for hutch" {
  run bash -c 'source <(hutch completion bash) && complete -p hutch'
  assert_success
  assert_output "complete -o default -F _hutch hutch"
}

@test "bash: commands, subcommands and flags" {
  run comp "hutch ru"
  assert_success
  assert_output "run"
  run comp "hutch run --na"
  assert_output "--name"
  run comp "hutch container l"
  assert_output "logs|ls"
  run comp "hutch -D ima"
  assert_output "image|images"
  run comp "hutch image "
  assert_line --regexp '(^|\|)prune(\||$)'
  run comp "hutch logs --ta"
  assert_output "--tail"
  # a short flag's help goes with it, not into COMPREPLY
  run comp "hutch rm -"
  assert_output --partial "--force|-f|--volumes|-v|--help"
  # hidden flags are accepted but not offered
  run comp "hutch run --ne"
  refute_output --partial "--net|"
}

@test "bash: rm lists containers, start the stopped ones, stop none of them" {
  hutch create --name cmp-one testimg true
  hutch create --name cmp-two testimg true
  run comp "hutch rm "
  assert_success
  assert_output --regexp '^(cmp-one\|cmp-two|cmp-two\|cmp-one)$'
  run comp "hutch rm cmp-o"
  assert_output "cmp-one"
  run comp "hutch container start cmp-t"
  assert_output "cmp-two"
  run comp "hutch stop "
  assert_output ""
  # flags may come after arguments: still a container after `rm -f x`
  run comp "hutch rm -f cmp-one cmp-t"
  assert_output "cmp-two"
}

@test "bash: cp completes containers as NAME:, local paths, and paths inside a running container" {
  hutch_bg run -d --name cpc testimg sh -c 'mkdir -p /srv/data && touch /srv/data/x1 && ln -s ../../../.. /srv/up && sleep 100'
  for _ in $(seq 50); do hutch exec cpc test -e /srv/up && break; sleep 0.1; done
  mkdir -p "$TEST_DIR/loc/dir" && touch "$TEST_DIR/loc/file"
  # no blank after a candidate: the path goes on (cobra's NoSpace, 2 | NoFileComp, 4)
  run hutch __complete cp cp
  assert_output "$(printf 'cpc:\ttestimg\n:6')"
  run comp "hutch cp cpc:/sr"
  assert_output "/srv/"
  run comp "hutch cp cpc:/srv/da"
  assert_output "/srv/data/"
  run comp "hutch cp cpc:srv/data/"
  assert_output "srv/data/x1"
  run comp "hutch cp cpc:/srv/data/x1 $TEST_DIR/loc/"
  assert_output --regexp "^($TEST_DIR/loc/dir/\|$TEST_DIR/loc/file|$TEST_DIR/loc/file\|$TEST_DIR/loc/dir/)$"
  run comp "hutch cp $TEST_DIR/loc/f"
  assert_output "$TEST_DIR/loc/file"
  run bash -c 'source <(hutch completion bash); compopt() { opts+="$* "; }
    COMP_LINE="hutch cp cpc:/sr" COMP_POINT=16; _hutch; echo "$opts"'
  assert_output "+o default -o nospace "
  # a symlink in the container resolves inside it: its root, not the host's
  run hutch __complete cp cpc:/srv/up/
  assert_line "cpc:/srv/up/linuxrc"
  refute_line --partial "cpc:/srv/up/work"
  refute_line --partial "cpc:/srv/up/lost+found"
  # a stopped container has no paths to offer
  hutch stop -t 0 cpc >/dev/null
  run hutch __complete cp cpc:/
  assert_output ":6"
}

@test "bash: images, volumes and flag values" {
  run comp "hutch run tes"
  assert_output "testimg:latest"
  run comp "hutch rmi "
  assert_output --partial "testimg:latest"
  hutch volume create cmp-vol
  run comp "hutch volume rm cmp"
  assert_output "cmp-vol"
  hutch volume rm cmp-vol
  # --flag=value: bash replaces what follows "=", so that is what it gets
  run comp "hutch run --network=ho"
  assert_output "host"
  run comp "hutch run --network no"
  assert_output "none"
  run comp "hutch run --restart on"
  assert_output "on-failure"
  # after the image the words are the container's command: files
  run comp "hutch run testimg --na"
  assert_output ""
}

@test "__complete: descriptions and the directive for the shells" {
  run hutch __complete ru
  assert_success
  assert_line --index 0 "run	Create and run a new container from an image"
  assert_line --index 1 ":4"
  # a file argument lets the shell complete file names
  run hutch __complete import ""
  assert_output ":0"
  run hutch __complete ps --format ""
  assert_output ":0"
  run hutch __complete ps ""
  assert_output ":4"
}

# Every command's flags as its --help lists them, and as __complete offers
# them: the same set, for every command and subcommand hutch --help lists.
@test "completion offers exactly the flags each command's --help lists" {
  local cmds c sub subs help_flags comp_flags checked=0
  cmds=$(hutch --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
  [ -n "$cmds" ]
  for c in $cmds; do
    subs=$(hutch "$c" --help 2>&1 | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
    for sub in ${subs:-""}; do
      # shellcheck disable=SC2086 # sub is empty for a plain command
      help_flags=$(hutch "$c" $sub --help 2>&1 | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' |
        grep -oE -- '--[a-z0-9-]+' | sort)
      # shellcheck disable=SC2086
      comp_flags=$(hutch __complete "$c" $sub -- | grep -oE '^--[a-z0-9-]+' | grep -vx -- --help | sort)
      if [ "$help_flags" != "$comp_flags" ]; then
        echo "hutch $c $sub: --help lists [$help_flags], completion offers [$comp_flags]" >&2
        return 1
      fi
      checked=$((checked + 1))
    done
  done
  [ "$checked" -gt 40 ]
}

@test "zsh: the script parses and defines _hutch" {
  command -v zsh >/dev/null || { echo "zsh is not installed (tests/fixtures/deps.sh test)" >&2; return 1; }
  hutch completion zsh >"$TEST_DIR/_hutch"
  run zsh -n "$TEST_DIR/_hutch"
  assert_success
  run zsh -fc "autoload -Uz compinit && compinit -D && source $TEST_DIR/_hutch && whence -w _hutch && echo \${_comps[hutch]}"
  assert_success
  assert_line "_hutch: function"
  assert_line "_hutch"
}

# zsh's completion system needs a terminal; _hutch is called as compsys
# would call it (words, CURRENT), with _describe and _files standing in
# for compsys's, to see what it hands them.
@test "zsh: _hutch hands _describe the candidates with their descriptions" {
  command -v zsh >/dev/null || { echo "zsh is not installed (tests/fixtures/deps.sh test)" >&2; return 1; }
  hutch create --name cmp-zsh testimg true
  run zsh -fc '
    compdef() { :; }
    _describe() { print -rl -- "${(@P)argv[-1]}"; }
    _files() { print -r -- "<files>"; }
    source <(hutch completion zsh)
    words=(hutch ru); CURRENT=2; _hutch
    words=(hutch rm cmp-z); CURRENT=3; _hutch
    words=(hutch run --network=ho); CURRENT=3; _hutch
    words=(hutch import ""); CURRENT=3; _hutch'
  assert_success
  assert_line --index 0 "run:Create and run a new container from an image"
  assert_line --index 1 "cmp-zsh:testimg"
  assert_line --index 2 "--network=host"
  assert_line --index 3 "<files>"
}

@test "fish: the script parses and completes" {
  command -v fish >/dev/null || { echo "fish is not installed (tests/fixtures/deps.sh test)" >&2; return 1; }
  hutch completion fish >"$TEST_DIR/hutch.fish"
  run fish -n "$TEST_DIR/hutch.fish"
  assert_success
  hutch create --name cmp-fish testimg true
  run fish -c "source $TEST_DIR/hutch.fish; complete -C 'hutch ru'; complete -C 'hutch rm cmp-f'; complete -C 'hutch run --network=n'"
  assert_success
  assert_line "run	Create and run a new container from an image"
  assert_line "cmp-fish	testimg"
  assert_line "--network=none"
}

@test "completion: a shell hutch has no script for" {
  run hutch completion powershell
  assert_failure 1
  assert_output --partial "unknown command: hutch completion powershell"
  run hutch completion bash extra
  assert_failure 1
}
