#!/usr/bin/env bats
# hutch image history / hutch history (issue 15): the config's history,
# newest first, each entry with the layer it made (empty_layer: none).

load helpers

setup_file() {
  engine_setup_file
  "$HUTCH" save testimg -o "$ENGINE_DIR/base.tar"
  python3 "$FIXTURES/mkhistory.py" "$ENGINE_DIR/base.tar" "$ENGINE_DIR/hist.tar" hist:1
  "$HUTCH" load -i "$ENGINE_DIR/hist.tar" >/dev/null
  rm -f "$ENGINE_DIR/base.tar" "$ENGINE_DIR/hist.tar"
}

@test "the table: newest first, <missing> below the top, sizes of the layers" {
  id=$(hutch image inspect hist:1 --format '{{.Id}}')
  run hutch history hist:1
  assert_success
  assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
  assert_line --index 1 --regexp "^${id:7:12}   .* ago +/bin/sh -c #\(nop\)  CMD \[\"sh\"\] +0B +$"
  # docker's ellipsis: 45 characters, the last one …
  assert_line --index 2 --regexp "^<missing>      .* ago +/bin/sh -c printf 'hello world, this is a lo… +6kB +made by a test$"
  assert_line --index 3 --regexp '^<missing> .* /bin/sh -c #\(nop\)  ENV X=1 +0B'
  assert_line --index 4 --regexp '^<missing> .* hutch import +2\.[0-9]+MB'
  [ "${#lines[@]}" -eq 5 ]
  # image history is the same command
  run hutch image history hist:1
  assert_line --index 4 --regexp '^<missing> .* hutch import'
}

@test "-H=false, --no-trunc, -q, --format" {
  id=$(hutch image inspect hist:1 --format '{{.Id}}')
  run hutch history -H=false --no-trunc hist:1
  assert_success
  assert_line --index 1 --regexp "^$id   2024-01-01T00:00:03Z +/bin/sh -c #\(nop\)  CMD \[\"sh\"\] +0 +$"
  assert_line --index 2 --partial "2024-01-01T00:00:02Z   /bin/sh -c printf 'hello world, this is a long command line' > /hello && echo done   6000 "
  run hutch history -q hist:1
  assert_output "$(printf '%s\n<missing>\n<missing>\n<missing>' "${id:7:12}")"
  run hutch history --format '{{.Size}}|{{.Comment}}|{{.CreatedAt}}' -H=false hist:1
  assert_line --index 0 "0||2024-01-01T00:00:03Z"
  assert_line --index 1 "6000|made by a test|2024-01-01T00:00:02Z"
  assert_line --index 2 "0||2024-01-01T00:00:01Z"
  assert_line --index 3 --regexp '^[0-9]+\|\|[0-9T:-]+Z$'
  [ "${#lines[@]}" -eq 4 ]
  run hutch history --format 'table {{.ID}}\t{{.Size}}' -H=false hist:1
  assert_line --index 0 "IMAGE          SIZE"
  assert_line --index 2 "<missing>      6000"
  run hutch history nosuchimage
  assert_failure 1
}
