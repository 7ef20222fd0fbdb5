#!/bin/sh
# `make bench`: runs every benchmark in bench/ against BUILD_DIR's binaries.
# Each writes its JSON to bench/results/ (gitignored) and prints a table.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
"$here/runtime.sh" "$build"
