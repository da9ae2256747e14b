#!/bin/sh
# tests/fresh/readme-block.sh N [README]: the Nth ```sh block of README.md (default
# the repository's), its lines as they stand, on standard output; exit 1 if there is
# no such block. The fresh-machine test and .ci/run run the README's commands through
# this, never a copy of them.
set -u
n=${1:?usage: readme-block.sh N [README]}
readme=${2:-$(dirname "$0")/../../README.md}
awk -v n="$n" '
	/^```sh$/ { k++; inb = (k == n); next }
	/^```/ { if (inb) { found = 1; exit } inb = 0; next }
	inb { print }
	END { exit !found }' "$readme"
