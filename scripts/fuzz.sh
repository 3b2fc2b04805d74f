#!/usr/bin/env bash
# Runs every fuzz target in the module for N executions each (make fuzz; N defaults to 10^6).
# go test -fuzz takes one target at a time, so this lists them and runs them in turn.
set -euo pipefail
cd "$(dirname "$0")/.."
execs=${1:-1000000}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target: ${execs} executions"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${execs}x" "$pkg"; then
			status=1
		fi
	done
done
exit $status
