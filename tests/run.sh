#!/bin/sh
# tests/run.sh [PATTERN]: runs every test of dcsep and ends with "N passed, N failed"
# (and ", N skipped" when a check could not run here).
#
# A test file prints one line per check, "PASS: what", "FAIL: what: why" or
# "SKIP: what: why"; a file that prints none of them fails ("ran no check").
# Unit tests are the binaries built from tests/unit/test_*.c; shell tests are
# tests/sh/*.sh; Python tests (numpy/scipy/mir_eval references) are tests/py/*.py,
# run with Debian's /usr/bin/python3. A file that exits non-zero without a FAIL
# line counts as one failure, and so does a file whose output holds a Python
# traceback, or whose Python blocks ("$PY" in a shell test) exited non-zero (a
# block that died, its checks unrun: killed by a signal, or ended by
# sys.exit("why"), it leaves no traceback). A file still running after
# TEST_TIMEOUT seconds (1800; 3600 with VALGRIND=1) is killed, with all it
# started, and fails. Exit status: 0 if all passed, 1 otherwise.
#
# The tools tested are those of the build $B (build, or build-san for the
# sanitized build): $B/bin comes first on PATH, whatever bin/ points at.
# PATTERN may be several words: a test runs if its name contains any of them.
#
# VALGRIND=1 runs every dc-* tool under valgrind's memcheck (wrappers on PATH):
# an error or a definite leak makes the tool exit 99, and after each test file
# the logs of every run are checked, so that errors in a pipeline's inner stages
# fail the test too ("FAIL: valgrind: ..."). Valgrind's messages go to the logs,
# not to stderr, so the tests' exact stderr checks still hold.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
B=${B:-build}
PY=${PY:-/usr/bin/python3}
PYREAL=$PY
pat=${1:-}
[ $# -gt 1 ] && pat="$*"
limit=${TEST_TIMEOUT:-$([ "${VALGRIND:-0}" = 1 ] && echo 3600 || echo 1800)}
export ROOT B PY PYREAL
export LC_ALL=C
# the network's products in fp32 unless a test asks for bf16 (-P bf16): the same
# figures on every CPU (dc_mm_default would pick bf16 on some)
export DCSEP_PRECISION=f32
# where the CPU has AVX-512 (oneDNN's avx512_core: F, BW, VL, DQ) a product gives
# each row the same bits whatever rows go with it; on AVX2 alone, not (lib.sh same_net)
DCSEP_TEST_EXACT=1
flags=" $(grep -m 1 '^flags' /proc/cpuinfo 2>/dev/null) "
for f in avx512f avx512bw avx512vl avx512dq; do
	case $flags in *" $f "*) ;; *) DCSEP_TEST_EXACT=0 ;; esac
done
export DCSEP_TEST_EXACT
# sanitized builds: leaks inside third-party libraries are not ours (tests/lsan.supp)
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
work=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-tests.XXXXXX") || exit 1
# a test file runs in a process group of its own (timeout's): an interrupt
# or a TERM of the runner ends it, and all it started, too
tpid=
trap 'rm -rf "$work"' EXIT
trap '[ -n "$tpid" ] && kill -KILL -"$tpid" 2>/dev/null; exit 130' INT
trap '[ -n "$tpid" ] && kill -KILL -"$tpid" 2>/dev/null; exit 143' TERM
if [ ! -d "$B/bin" ]; then
	echo "run.sh: no $B/bin: build first (make, or make SANITIZE=address,undefined)" >&2
	exit 1
fi
export PATH="$ROOT/$B/bin:$PATH"
if [ "${VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "run.sh: VALGRIND=1: no valgrind" >&2; exit 1; }
	mkdir -p "$work/vgbin" "$work/vglog"
	for t in "$ROOT/$B"/bin/dc-*; do
		# valgrind finds the tool on PATH, so that its argv[0] (in getopt's
		# messages) is the bare name, as without valgrind
		cat >"$work/vgbin/${t##*/}" <<-EOF
		#!/bin/sh
		PATH="$ROOT/$B/bin:\$PATH" exec valgrind -q --error-exitcode=99 --leak-check=full \\
		    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
		    --log-file="$work/vglog/${t##*/}.%p" ${t##*/} "\$@"
		EOF
		chmod +x "$work/vgbin/${t##*/}"
	done
	export PATH="$work/vgbin:$PATH"
	# big records in malloc's memory, where memcheck sees their bounds, not in
	# the reader's kept mappings (libcommon/stream.c)
	export DCSEP_MALLOC_BIG=1
fi

passed=0
failed=0
skipped=0
failures=""

run_one() {	# run_one NAME CMD...
	name=$1
	shift
	if [ -n "$pat" ]; then
		m=0
		for w in $pat; do
			case "$name" in *"$w"*) m=1 ;; esac
		done
		[ "$m" = 1 ] || return
	fi
	dir="$work/$(echo "$name" | tr '/' '_')"
	mkdir -p "$dir"
	log="$dir.log"
	start=$(date +%s)
	# stdin /dev/null: a tool left reading it ends, whatever the runner's was
	# (a terminal would be refused: tests/py/test_tty.py)
	case $name in sh/*) py="$ROOT/tests/pywrap.sh" ;; *) py=$PYREAL ;; esac
	# timeout leads a process group of its own: waited for here, so that the
	# traps above run at once; after it, whatever the test left running (a
	# child that ignored the TERM of the timeout) is killed
	(cd "$dir" && TMPDIR="$dir" T="$dir" PY="$py" PYFAILS="$dir.pyfail" \
	    exec timeout -k 10 "$limit" "$@") </dev/null >"$log" 2>&1 &
	tpid=$!
	wait "$tpid"
	rc=$?
	kill -KILL -"$tpid" 2>/dev/null
	tpid=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL: $name: still running after $limit s (TEST_TIMEOUT): killed" >>"$log"
	fi
	if [ "${VALGRIND:-0}" = 1 ]; then
		for v in "$work"/vglog/*; do
			[ -s "$v" ] || continue
			echo "FAIL: valgrind: ${v##*/}: $(grep -m 1 -E '(Invalid|uninitialised|definitely|Mismatched|overlap)' "$v")"
			sed 's/^/  /' "$v"
		done >>"$log"
		rm -f "$work"/vglog/*
	fi
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	# a Python block of a shell test that dies leaves its checks unrun, and the
	# shell goes on: its traceback fails the test
	tb=$(grep -c '^Traceback (most recent call last):' "$log")
	if [ "$tb" -gt 0 ]; then
		echo "FAIL: $name: $tb Python traceback(s): $(grep -m 1 -A 20 '^Traceback' "$log" | grep -m 1 -E '^[A-Za-z_.]*(Error|Exception)')" >>"$log"
	fi
	# a block that died shows a traceback, or (killed, sys.exit) none: each is
	# one failure, the larger count of the two
	np=0
	[ -s "$dir.pyfail" ] && np=$(wc -l <"$dir.pyfail")
	if [ "$np" -gt 0 ]; then
		echo "FAIL: $name: $np Python block(s) exited non-zero, the first: $(head -n 1 "$dir.pyfail")" >>"$log"
	fi
	f=$((f + (tb > np ? tb : np)))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited $rc" >>"$log"
		f=1
	elif [ $((p + f + s)) -eq 0 ]; then
		echo "FAIL: $name: ran no check" >>"$log"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	printf '%-34s %4d passed %3d failed  %ss%s\n' "$name" "$p" "$f" $(($(date +%s) - start)) \
	    "$([ "$s" -gt 0 ] && echo ", $s skipped")"
	[ "$s" -gt 0 ] && grep '^SKIP: ' "$log" | sed 's/^/    /'
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
	[ -f "$t" ] && run_one "py/$(basename "$t" .py)" "$PYREAL" "$ROOT/$t"
done

echo "$passed passed, $failed failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
