#!/usr/bin/env bash
# Runs every fuzz target in the module for N executions each (make fuzz; N defaults to 10^6), or
# for a time each when given a duration such as 10s (make fuzz-short, which make test runs).
# go test -fuzz takes one target at a time, so this lists them and runs them in turn, one worker
# each (-parallel 1): the host's cores are shared.
set -euo pipefail
cd "$(dirname "$0")/.."
execs=${1:-1000000}
fuzztime="${execs}x"
if [[ $execs =~ [a-z]$ ]]; then
	fuzztime=$execs
fi
status=0
# One go list for every package: a call per package costs more than a short run of a target.
while read -r pkg dir; do
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target: -fuzztime ${fuzztime}"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 1 "$pkg"; then
			status=1
		fi
	done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' ./...)
exit $status
