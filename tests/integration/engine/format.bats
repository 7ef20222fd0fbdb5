#!/usr/bin/env bats
# --format as docker users write it (issue 15, "Templates and filters"):
# Go templates on inspect of every object kind, docker's tables with their
# header rows and aligned columns, "json" one object per line, and the
# errors of a bad template. Where podman is installed, templates made of
# literals only are run through podman too (`podman version --format`
# uses the same Go text/template) and must print the same.

load helpers

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

@test "inspect -f: fields, range, index, if/else, with, printf, json, join, upper, len, variables" {
  hutch create --network none --name fmt1 -l tier=web -l app=x -e A=1 testimg sh -c 'exit 0'
  run hutch inspect -f '{{.Name}}|{{.State.Status}}|{{index .Config.Labels "tier"}}' fmt1
  assert_success
  assert_output "/fmt1|created|web"
  run hutch inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}' fmt1
  assert_output "app=x;tier=web;"
  run hutch inspect -f '{{if eq .State.Status "running"}}up{{else if eq .State.Status "created"}}new{{else}}?{{end}}' fmt1
  assert_output "new"
  run hutch inspect -f '{{with .State}}{{.Status | upper}} {{printf "%5d|%-4s|" .ExitCode "ab"}}{{end}}' fmt1
  assert_output "CREATED     0|ab  |"
  run hutch inspect -f '{{json .Config.Labels}} {{join .Config.Cmd "+"}} {{len .Config.Cmd}}' fmt1
  assert_output '{"app":"x","tier":"web"} sh+-c+exit 0 3'
  run hutch inspect -f '{{$n := .Name}}{{range .Config.Env}}{{if eq . "A=1"}}{{$n}} has {{.}}{{end}}{{end}}' fmt1
  assert_output "/fmt1 has A=1"
  # docker: `inspect -f '{{.State.NoSuch}}'` fails (exit 1) at the chain's second field
  run hutch inspect -f '{{.Name}} {{.State.NoSuch}}' fmt1
  assert_equal "$status" 1
  assert_output 'hutch: template parsing error: template: :1:18: executing "" at <.State.NoSuch>: map has no entry for key "NoSuch"'
  run hutch ps -a --format '{{.Nope}}'
  assert_equal "$status" 1
  assert_output --partial 'map has no entry for key "Nope"'
  run hutch inspect -f '{{.Config.Labels.nope}}|{{.State.Health}}' fmt1
  assert_success
  assert_output '<no value>|<nil>'
  # one line per argument, and the missing one on stderr, exit 1
  hutch create --network none --name fmt2 testimg true
  run hutch inspect -f '{{.Name}}' fmt1 nope fmt2
  assert_failure 1
  assert_line --index 0 "/fmt1"
  assert_line "/fmt2"
  assert_line "hutch: No such object: nope"
  run hutch container inspect --format json fmt1
  assert_success
  [ "$(jq -r .Name <<<"$output")" = "/fmt1" ]
}

@test "a bad template fails before anything is printed, with Go's message, exit 1 as docker" {
  hutch create --network none --name bad1 testimg true
  run hutch inspect -f '{{foo .}}' bad1
  assert_failure 1
  assert_output 'hutch: template parsing error: template: :1: function "foo" not defined'
  run hutch inspect -f '{{.Name' bad1
  assert_failure 1
  assert_output --partial "unclosed action"
  run hutch inspect -f '{{if .Name}}x' bad1
  assert_failure 1
  assert_output --partial "template: :1: unexpected EOF"
  run hutch inspect -f '{{.Name.X}}' bad1
  assert_failure 1
  assert_output --partial "can't evaluate field X in type string"
  run hutch ps -a --format '{{$x}}'
  assert_failure 1
  assert_output --partial 'undefined variable "$x"'
  run hutch images --format '{{nosuch}}'
  assert_failure 1
  run hutch volume ls --format '{{.Name | nosuch}}'
  assert_failure 1
  run hutch network ls --format '{{end}}'
  assert_failure 1
  assert_output --partial "unexpected {{end}}"
}

@test "ps: docker's default table, aligned columns, custom table headers, json lines" {
  hutch create --network none --name tbl-a-very-long-name testimg /bin/hutch-helper sleep 100
  hutch create --network none --name t2 -l k=v testimg true
  run hutch ps -a
  assert_success
  assert_line --index 0 --regexp '^CONTAINER ID   IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
  # NAMES starts at the same column on every line: the columns never run together
  local col
  col=$(head -1 <<<"$output" | awk '{print index($0, "NAMES")}')
  while IFS= read -r line; do
    [ "${line:col-1}" = "NAMES" ] || [ "${line:col-1}" = "t2" ] || [ "${line:col-1}" = "tbl-a-very-long-name" ]
  done <<<"$output"
  assert_line --regexp '"/bin/hutch-helper s…" +Less than a second ago|seconds? ago'
  run hutch ps -a --format 'table {{.Names}}\t{{.Labels}}\t{{.State}}'
  assert_success
  assert_line --index 0 --regexp '^NAMES +LABELS +STATE$'
  assert_line --regexp '^t2 +k=v +created$'
  run hutch ps -a --format '{{.Names}}:{{.Status}}'
  assert_line "t2:Created"
  run hutch ps -a --format 'table {{.Names}}\t{{.Label "k"}}\t{{.Label "com.example.my-key"}}|'
  assert_line --index 0 --regexp '^NAMES +k +my key\|$'
  assert_line --regexp '^t2 +v +\|$'
  run hutch ps -a --format json
  assert_success
  [ "$(wc -l <<<"$output")" -eq 2 ]
  [ "$(jq -r 'select(.Names == "t2") | .Labels + " " + .State + " " + .Status' <<<"$output")" = "k=v created Created" ]
  [ "$(jq -r 'select(.Names == "t2") | .Command' <<<"$output")" = '"true"' ]
  run hutch ps -a --format '{{json .}}'
  [ "$(wc -l <<<"$output")" -eq 2 ]
  run hutch ps -a -q
  [ "$(wc -l <<<"$output")" -eq 2 ]
  assert_line --regexp '^[0-9a-f]{12}$'
}

@test "ps: STATUS and CREATED as docker prints them" {
  hutch run --network none --name ex3 testimg sh -c 'exit 3' || true
  hutch_bg run -d --network none --name up1 testimg sleep 100
  hutch pause up1
  run hutch ps -a --format '{{.Names}}|{{.Status}}|{{.RunningFor}}|{{.State}}'
  assert_success
  assert_line --regexp '^ex3\|Exited \(3\) (Less than a second|[0-9]+ seconds?) ago\|(Less than a second|[0-9]+ seconds?) ago\|exited$'
  assert_line --regexp '^up1\|Up (Less than a second|[0-9]+ seconds?) \(Paused\)\|.* ago\|paused$'
  hutch unpause up1
  run hutch ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^up1 Up (Less than a second|[0-9]+ seconds?)$'
  run hutch ps -a --format '{{.CreatedAt}}'
  assert_line --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \+0000 UTC$'
}

@test "images, volume ls, network ls: docker's tables, templates and json" {
  run hutch images
  assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
  assert_line --regexp '^testimg +latest +[0-9a-f]{12} +.* ago +[0-9.]+[kMG]?B$'
  run hutch images --format '{{.Repository}}:{{.Tag}} {{len .ID}}'
  assert_output "testimg:latest 12"
  run hutch images --format json
  [ "$(jq -r '.Repository + " " + .Containers' <<<"$output")" = "testimg N/A" ]
  run hutch image inspect -f '{{.Id | printf "%.7s"}} {{len .RootFS.Layers}}' testimg
  assert_output "sha256: 1"
  hutch volume create vfmt -q >/dev/null 2>&1 || hutch volume create vfmt
  run hutch volume ls --format 'table {{.Name}}\t{{.Driver}}'
  assert_line --index 0 --regexp '^VOLUME NAME +DRIVER$'
  assert_line --regexp '^vfmt +local$'
  run hutch volume ls --format json
  [ "$(jq -r .Name <<<"$output")" = vfmt ]
  run hutch volume inspect -f '{{.Name}} {{.Driver}} {{.Mountpoint | len | printf "%d" | len | gt 0 | not}}' vfmt
  assert_output "vfmt local true"
  run hutch network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
  assert_line "bridge bridge local"
  run hutch network ls
  assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER +SCOPE$'
  run hutch network inspect -f '{{.Name}}{{range .IPAM.Config}} {{.Subnet}}{{end}}' bridge
  assert_output "bridge $HUTCH_NET_DEFAULT_SUBNET"
  hutch volume rm vfmt
}

@test "templates print as Go's text/template does (compared with podman where installed)" {
  hutch volume create vgo >/dev/null
  local t='{{printf "%05d|%-6s|%q|%x|%v|%5.2f" 42 "ab" "c\"d" 255 1.5 2.0}} {{if and 1 0}}a{{else if or 0 "x"}}b{{end}} {{range $i, $v := split "a,b" ","}}{{$i}}{{$v}}{{end}} {{len "héllo"}} {{index (split "x:y" ":") 1}} {{json "a<b"}} {{- " t " -}} | {{print 1 2 "x" 3}} {{printf "%s %d" 1}} {{slice "abcdef" 1 3}} {{not 0}} {{println "z"}}'
  local want='00042|ab    |"c\"d"|ff|1.5| 2.00 b 0a1b 6 y "a<b" t | 1 2x3 %!s(int=1) %!d(MISSING) bc true z'
  run hutch volume inspect -f "$t" vgo
  assert_success
  assert_output "$want"
  if command -v podman >/dev/null; then
    run timeout 60 podman version --format "$t"
    assert_success
    assert_output "$want"
  fi
  hutch volume rm vgo
}

@test "stats --no-stream --format: templates, json, docker's table header" {
  hutch_bg run -d --network none --name st1 testimg sleep 100
  run hutch stats --no-stream --format '{{.Name}} {{.PIDs}}' st1
  assert_success
  assert_output "st1 1"
  run hutch stats --no-stream --format json st1
  [ "$(jq -r '.Container + " " + .Name + " " + (.ID | length | tostring)' <<<"$output")" = "st1 st1 12" ]
  run hutch stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' st1
  assert_line --index 0 --regexp '^NAME +PIDS$'
  assert_line --index 1 --regexp '^st1 +1$'
  run hutch stats --no-stream --format '{{bad}}' st1
  assert_failure 1
}
