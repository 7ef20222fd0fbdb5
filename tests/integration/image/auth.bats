#!/usr/bin/env bats
# The TLS + token-auth registry: bearer tokens from the WWW-Authenticate
# challenge, credentials from hutch login / docker's config.json, and the
# per-registry CA in certs.d.

load helpers

setup_file() {
  image_registry_up
  export AUTH_DIR
  AUTH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-auth.XXXXXX")
  export AREG
  AREG=$(registry_start_auth "$AUTH_DIR")
  registry_push_auth "$AUTH_DIR" "oci:$REG_DIR/oci:two" hutch/two:latest
}

teardown_file() {
  registry_stop "$AUTH_DIR"
  rm -rf "$AUTH_DIR"
  image_registry_down
}

setup() {
  image_setup
  export HOME=$TEST_DIR/home
  mkdir -p "$HOME"
  unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR XDG_CONFIG_HOME
  export HUTCH_CERTS_DIR=$AUTH_DIR/certs.d
}
teardown() { image_teardown; }

@test "login writes \$XDG_CONFIG_HOME/hutch/auth.json when XDG_CONFIG_HOME is set" {
  export XDG_CONFIG_HOME=$TEST_DIR/xdg
  run hutch login -u hutch --password-stdin "$AREG" <<<"s3cret"
  assert_success
  [ -f "$XDG_CONFIG_HOME/hutch/auth.json" ]
  [ ! -e "$HOME/.config/hutch/auth.json" ]
  run hutch pull -q "$AREG/hutch/two"
  assert_success
  run hutch logout "$AREG"
  assert_success
}

@test "anonymous pull from a token-auth registry is refused clearly" {
  run hutch pull "$AREG/hutch/two"
  assert_failure 1
  assert_output --partial "token server refused anonymous access"
}

@test "login checks the password, then pull uses a bearer token" {
  run hutch login -u hutch -p wrong "$AREG"
  assert_failure 1
  assert_output --partial "wrong username or password"
  [ ! -e "$HOME/.config/hutch/auth.json" ]
  run hutch login -u hutch --password-stdin "$AREG" <<<"s3cret"
  assert_success
  assert_output "Login Succeeded"
  [ "$(stat -c %a "$HOME/.config/hutch/auth.json")" = 600 ]
  [ "$(jq -r --arg r "$AREG" '.auths[$r].auth' "$HOME/.config/hutch/auth.json" | base64 -d)" = "hutch:s3cret" ]
  : >"$AUTH_DIR/token.log"
  run hutch --debug pull "$AREG/hutch/two"
  assert_success
  assert_output --partial "https://$AREG (TLS verified)"
  # the token asked for this repository's pull scope, as the user
  run jq -r 'select(.path=="/token") | .user + " " + (.query.scope[0] // "")' "$AUTH_DIR/token.log"
  assert_line "hutch repository:hutch/two:pull"
  [ "$(cat "$(layer_dir "$AREG/hutch/two" 2)/etc/second-layer")" = second ]
  run hutch logout "$AREG"
  assert_success
  run hutch logout "$AREG"
  assert_failure 1
  assert_output --partial "not logged in to $AREG"
  run hutch pull "$AREG/hutch/two"
  assert_failure 1
}

@test "credentials from ~/.docker/config.json and \$REGISTRY_AUTH_FILE" {
  mkdir -p "$HOME/.docker"
  printf '{"auths":{"https://%s":{"auth":"%s"}}}' "$AREG" "$(printf hutch:s3cret | base64)" \
    >"$HOME/.docker/config.json"
  run hutch pull -q "$AREG/hutch/two"
  assert_success
  rm "$HOME/.docker/config.json"
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$AREG" "$(printf hutch:s3cret | base64)" \
    >"$TEST_DIR/auth.json"
  hutch rmi "$AREG/hutch/two"
  REGISTRY_AUTH_FILE=$TEST_DIR/auth.json run hutch pull -q "$AREG/hutch/two"
  assert_success
}

@test "without the registry's CA, a loopback registry is used without TLS checks (docker's rule)" {
  export REGISTRY_AUTH_FILE=$TEST_DIR/auth.json
  hutch login -u hutch -p s3cret "$AREG" >/dev/null
  HUTCH_CERTS_DIR=$TEST_DIR/none run hutch --debug pull -q "$AREG/hutch/two"
  assert_success
  assert_output --partial "(TLS not verified)"
}
