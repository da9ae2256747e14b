#!/bin/sh
# tests/run.sh [PATTERN]: runs every test of dcsep and ends with "N passed, N failed".
#
# A test file prints one line per check, "PASS: what" or "FAIL: what: why".
# Unit tests are the binaries built from tests/unit/test_*.c; shell tests are
# tests/sh/*.sh; Python tests (numpy/scipy/mir_eval references) are tests/py/*.py,
# run with Debian's /usr/bin/python3. A file that exits non-zero without a FAIL
# line counts as one failure. Exit status: 0 if all passed, 1 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
B=${B:-build}
PY=${PY:-/usr/bin/python3}
pat=${1:-}
export ROOT B PY
export PATH="$ROOT/bin:$PATH"
export LC_ALL=C
work=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-tests.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

passed=0
failed=0
failures=""

run_one() {	# run_one NAME CMD...
	name=$1
	shift
	case "$name" in *"$pat"*) ;; *) return ;; esac
	dir="$work/$(echo "$name" | tr '/' '_')"
	mkdir -p "$dir"
	log="$dir.log"
	start=$(date +%s)
	(cd "$dir" && TMPDIR="$dir" T="$dir" "$@") >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited $rc" >>"$log"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-34s %4d passed %3d failed  %ss\n' "$name" "$p" "$f" $(($(date +%s) - start))
	if [ "$f" -ne 0 ]; then
		grep '^FAIL: ' "$log" | sed 's/^/    /'
		echo "    --- last lines of $name:"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$ROOT/$t"
done
for t in tests/sh/*.sh; do
	[ -f "$t" ] && run_one "sh/$(basename "$t" .sh)" sh "$ROOT/$t"
done
for t in tests/py/*.py; do
	[ -f "$t" ] && run_one "py/$(basename "$t" .py)" "$PY" "$ROOT/$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
