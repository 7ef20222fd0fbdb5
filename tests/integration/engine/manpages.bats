#!/usr/bin/env bats
# Man pages (issue 15, "Also"): `hutch __man DIR` writes one page per
# command and subcommand from the tables the parser reads; the build makes
# them (build/docs/man1) and `make install` installs them with the
# completion scripts. Every page must render without a warning.

load helpers

# No engine state here: the pages come from the tables alone.
setup_file() { :; }
teardown_file() { :; }
setup() { TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-man.XXXXXX"); }
teardown() { rm -rf "$TEST_DIR"; }

# Every page name hutch --help and each management command's --help list:
# hutch, hutch-run, hutch-container, hutch-container-ls …
listed_pages() {
  local c sub
  echo hutch
  for c in $("$HUTCH" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
    echo "hutch-$c"
    for sub in $("$HUTCH" "$c" --help 2>&1 | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
      echo "hutch-$c-$sub"
    done
  done
}

@test "__man: one page for every command and subcommand, and no other" {
  run "$HUTCH" __man "$TEST_DIR/man1"
  assert_success
  assert_output ""
  local want got
  want=$(listed_pages | sort)
  got=$(cd "$TEST_DIR/man1" && ls | sed 's/\.1$//' | sort)
  [ "$(echo "$want" | wc -l)" -gt 60 ]
  if [ "$want" != "$got" ]; then
    diff <(echo "$want") <(echo "$got") >&2
    return 1
  fi
}

@test "every page renders without a warning at 80 columns" {
  "$HUTCH" __man "$TEST_DIR/man1"
  local p w bad=0
  for p in "$TEST_DIR"/man1/*.1; do
    w=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
    if [ -n "$w" ]; then
      echo "$(basename "$p"): $w" >&2
      bad=1
    fi
  done
  [ "$bad" = 0 ]
}

@test "a page: name, synopsis, options with types and help, see also" {
  "$HUTCH" __man "$TEST_DIR/man1"
  run env MANWIDTH=200 man -l "$TEST_DIR/man1/hutch-rm.1"
  assert_success
  assert_line --regexp '^ +hutch-rm - Remove containers$'
  assert_line --regexp '^ +hutch rm \[OPTIONS\] CONTAINER \[CONTAINER\.\.\.\]$'
  assert_line --regexp '^ +-f, --force$'
  assert_line --regexp 'Force the removal of a running container \(uses SIGKILL\)$'
  assert_line --regexp '^ +hutch\(1\)$'
  run env MANWIDTH=200 man -l "$TEST_DIR/man1/hutch-run.1"
  assert_line --regexp '^ +--name string$'
  assert_line --regexp '^ +-e, --env list$'
  # hidden flags are accepted, not documented
  refute_line --regexp '^ +--net '
  run env MANWIDTH=200 man -l "$TEST_DIR/man1/hutch-container.1"
  assert_line --regexp '^ +hutch-container-ls\(1\)$'
  run env MANWIDTH=200 man -l "$TEST_DIR/man1/hutch.1"
  assert_output --partial 'HUTCH_ROOT'
  assert_line --regexp '^ +hutch-run\(1\)$'
}

@test "the build made the pages and the completion scripts" {
  "$HUTCH" __man "$TEST_DIR/man1"
  run diff -r "$TEST_DIR/man1" "$HUTCH_BUILD/docs/man1"
  assert_success
  run diff <("$HUTCH" completion bash) "$HUTCH_BUILD/docs/hutch.bash"
  assert_success
  run diff <("$HUTCH" completion zsh) "$HUTCH_BUILD/docs/_hutch"
  assert_success
  run diff <("$HUTCH" completion fish) "$HUTCH_BUILD/docs/hutch.fish"
  assert_success
}

@test "make install: man pages and completion scripts in the standard places" {
  run make -C "$HUTCH_SRC" --no-print-directory install BUILD="$HUTCH_BUILD" \
    DESTDIR="$TEST_DIR/dest" PREFIX=/usr/local
  assert_success
  local d=$TEST_DIR/dest/usr/local
  [ -x "$d/bin/hutch" ]
  [ -f "$d/share/man/man1/hutch.1" ]
  [ -f "$d/share/man/man1/hutch-container-ls.1" ]
  [ "$(ls "$d/share/man/man1" | wc -l)" = "$(ls "$HUTCH_BUILD/docs/man1" | wc -l)" ]
  grep -q '^complete -o default -F _hutch hutch$' "$d/share/bash-completion/completions/hutch"
  head -1 "$d/share/zsh/site-functions/_hutch" | grep -qx '#compdef hutch'
  grep -q '^complete -c hutch ' "$d/share/fish/vendor_completions.d/hutch.fish"
  # man finds an installed page by name
  run env MANPATH="$d/share/man" MANWIDTH=80 man hutch-run
  assert_success
  assert_output --partial 'Create and run a new container from an image'
}

@test "__man: errors name the directory, once, and leave nothing" {
  touch "$TEST_DIR/file"
  run "$HUTCH" __man "$TEST_DIR/file"
  assert_failure 1
  assert_output "hutch: open $TEST_DIR/file: Not a directory"
  run "$HUTCH" __man "$TEST_DIR/no/such/dir"
  assert_failure 1
  assert_output "hutch: create $TEST_DIR/no/such/dir: No such file or directory"
  # a stale page of a command that is gone is removed
  mkdir "$TEST_DIR/man1"
  touch "$TEST_DIR/man1/hutch-gone.1" "$TEST_DIR/man1/other.1"
  "$HUTCH" __man "$TEST_DIR/man1"
  [ ! -e "$TEST_DIR/man1/hutch-gone.1" ]
  [ -e "$TEST_DIR/man1/other.1" ]
}
