# tests/lib.sh: helpers for the shell tests; sourced, with $ROOT, $T (a fresh
# directory, also the working directory) and bin/ on PATH set by tests/run.sh.
#
#   pass NAME / fail NAME WHY       one check's outcome
#   skip NAME WHY                   a check that could not run here: counted as
#                                   skipped, never as passed
#   check NAME RC ERR CMD...        runs CMD (stdin from /dev/null unless redirected
#                                   by the caller), stdout to $T/out, stderr to $T/err;
#                                   passes if the exit status is RC and, unless ERR is
#                                   '*', stderr is exactly ERR
#   check_in NAME RC ERR INFILE CMD...   the same with stdin from INFILE
#   same NAME GOT WANT              string equality
#   same_out NAME FILE              the last check's output is FILE's bytes
#   same_net NAME FILE              the same where the CPU's products give a row the
#                                   same bits whatever rows go with it, else FILE's
#                                   stream with its float tensors within 1e-5
#   num NAME GOT OP VALUE           numeric comparison with awk (OP: < <= > >= ==)
#   speech_corpus DIR               a corpus as dc-mix -n reads one: the five
#                                   speakers of tests/data/speech, a directory each
#                                   (DIR/speaker/file), one utterance each
set -u
DATA="$ROOT/tests/data"

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

_check() {
	name=$1 want_rc=$2 want_err=$3 in=$4
	shift 4
	"$@" <"$in" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "exit $rc, wanted $want_rc; stderr: $err"
	elif [ "$want_err" != '*' ] && [ "$err" != "$want_err" ]; then
		fail "$name" "stderr '$err', wanted '$want_err'"
	else
		pass "$name"
	fi
}
check() { n=$1 r=$2 e=$3; shift 3; _check "$n" "$r" "$e" /dev/null "$@"; }
check_in() { n=$1 r=$2 e=$3 i=$4; shift 4; _check "$n" "$r" "$e" "$i" "$@"; }

# same_out NAME FILE: passes if the last check's output ($T/out) is not empty and
# holds FILE's bytes
same_out() {
	if [ -s "$T/out" ] && cmp -s "$T/out" "$2"; then pass "$1"; else fail "$1" "output differs from $2"; fi
}

# same_net NAME FILE: the network's outputs of one run against another's that puts
# other rows in its products (a batch, other threads, blocks). Where the CPU has
# AVX-512 (DCSEP_TEST_EXACT=1, tests/run.sh), oneDNN gives each row the same bits
# whatever rows go with it, and the output must be FILE's bytes; without it (AVX2),
# its fp32 products change with the rows in the last bits: the same records, the
# float tensors within 1e-5 of FILE's.
same_net() {
	if [ "${DCSEP_TEST_EXACT:-1}" = 1 ]; then
		same_out "$1" "$2"
	elif [ ! -s "$T/out" ]; then
		fail "$1" "no output"
	elif why=$("$PYREAL" "$ROOT/tests/sh/streamclose.py" "$T/out" "$2" 1e-5); then
		pass "$1 (no AVX-512: within $why)"
	else
		fail "$1" "$why"
	fi
}

same() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', wanted '$3'"; fi
}

num() {
	if awk -v a="$2" -v b="$4" "BEGIN { exit !((a + 0) $3 (b + 0)) }"; then
		pass "$1 ($2 $3 $4)"
	else
		fail "$1" "$2 is not $3 $4"
	fi
}

speech_corpus() {
	for f in "$DATA"/speech/*.flac; do
		b=${f##*/}
		mkdir -p "$1/${b%%_*}"
		cp "$f" "$1/${b%%_*}/"
	done
}
