#!/bin/sh
# bench/eval.sh [MINUTES...] (make bench): dc-eval on long recordings: time and peak
# RSS at 1, 10 and 60 minutes (or the MINUTES given) of two synthetic sources at
# 8 kHz (sox's pink and brown noise, gated by a slow tremolo), a mixture and two
# estimates with 20 % and 10 % leakage and noise; then the user CPU seconds a minute
# (on a shared machine steadier than the wall clock), whose ratio between the longest
# and the shortest run past 2^19 samples shows how far the time is from linear, and
# the same with -w 10 (segments of 10 s). Needs sox
# and GNU time; the 60-minute files take 580 MB of disk under TMPDIR.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
[ -x /usr/bin/time ] || { echo "bench/eval.sh: needs GNU time (/usr/bin/time)" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-ebench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
F="-r 8000 -c 1 -e floating-point -b 32"
run() {	# run MIN ARGS...: "MIN SECONDS KB CPU-SECONDS" of one dc-eval run on the files of MIN minutes
	m=$1
	shift
	/usr/bin/time -f "%e %M %U" -o "$out/time" "$B/bin/dc-eval" "$@" -m "$out/mix.wav" \
	    -r "$out/s1.wav" -r "$out/s2.wav" "$out/e2.wav" "$out/e1.wav" >/dev/null || exit 1
	echo "$m $(cat "$out/time")"
}
echo
echo "dc-eval: two sources with a mixture at 8 kHz (minutes, seconds, peak RSS, user CPU seconds)"
for m in ${*:-1 10 60}; do
	s=$((m * 60))
	sox -n $F "$out/s1.wav" synth $s pinknoise tremolo 0.3 90 vol 0.1 2>/dev/null &&
	sox -n $F "$out/s2.wav" synth $s brownnoise tremolo 0.23 90 vol 0.1 2>/dev/null &&
	sox -n $F "$out/n.wav" synth $s whitenoise vol 0.002 2>/dev/null &&
	sox -m $F "$out/s1.wav" "$out/s2.wav" "$out/mix.wav" 2>/dev/null &&
	sox -m -v 1 "$out/s1.wav" -v 0.2 "$out/s2.wav" -v 1 "$out/n.wav" $F "$out/e1.wav" 2>/dev/null &&
	sox -m -v 1 "$out/s2.wav" -v 0.1 "$out/s1.wav" -v 1 "$out/n.wav" $F "$out/e2.wav" 2>/dev/null || exit 1
	run "$m" >>"$out/whole"
	run "$m" -w 10 >>"$out/seg"
	rm -f "$out"/*.wav
done
awk -v seg="$out/seg" '
	function show(f, what,   m, s, kb, n, first, last) {
		n = 0
		while ((getline line < f) > 0) {
			split(line, x, " ")
			printf "  %-8s %4d min %8.2f s %8.1f MB %8.2f s CPU  %.3f CPU s/min\n", what, x[1], x[2],
			    x[3] / 1024, x[4], x[4] / x[1]
			if (x[1] * 60 * 8000 > 524288) {
				if (!n++) first = x[4] / x[1]
				last = x[4] / x[1]
			}
		}
		if (n > 1)
			printf "  %-8s longest / shortest two-pass run: %.2f times the CPU seconds a minute\n", what,
			    last / first
	}
	BEGIN { show(ARGV[1], "whole"); show(seg, "-w 10") }' "$out/whole"
