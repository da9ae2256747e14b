#!/bin/sh
# tests/sh/blocks_memory.sh: memory that does not grow with the recording. 10 and 20
# minutes of synthetic audio (noise and a gliding tone) through
#   dc-stft -B 10 | (masks added, tests/sh/blocks_lib.py) | dc-mask | dc-istft -o
# each stage's peak RSS (GNU time) under a generous bound, and no more for 20
# minutes than for 10 (a margin for the allocator's noise), and dc-mask at most 3
# times the records of a block it uses. Measured on the plain
# build only: the sanitizers' and valgrind's own memory is not the tools'.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh:$ROOT/formats"
case "$B" in
*san*) skip "peak RSS of long recordings" "a sanitized build ($B)"; exit 0 ;;
esac
if [ "${VALGRIND:-0}" = 1 ]; then
	skip "peak RSS of long recordings" "under valgrind"
	exit 0
fi

for m in 10 20; do
	"$PY" - $m <<'EOF' || fail "fixtures: $m minutes" "python failed"
import sys, numpy as np, soundfile as sf
m = int(sys.argv[1])
n = 8000 * 60 * m
r = np.random.default_rng(m)
t = np.arange(n) / 8000
x = 0.05 * r.standard_normal(n) + 0.2 * np.sin(2 * np.pi * (300 + 100 * np.sin(2 * np.pi * t / 7)) * t)
sf.write(f"long{m}.wav", x.astype(np.float32), 8000, subtype="PCM_16")
EOF
done

# rss FILE: the peak RSS in KB that GNU time wrote to FILE, or "none"
rss() { case $(cat "$1" 2>/dev/null) in ''|*[!0-9]*) echo none ;; *) cat "$1" ;; esac; }
for m in 10 20; do
	rm -f rs.$m rm.$m ri.$m
	/usr/bin/time -f %M -o rs.$m dc-stft -B 10 long$m.wav |
	    "$PY" "$ROOT/tests/sh/blocks_lib.py" masks |
	    /usr/bin/time -f %M -o rm.$m dc-mask |
	    /usr/bin/time -f %M -o ri.$m dc-istft -o "o$m-%k.wav" || fail "$m minutes: the pipeline" "failed"
	same "$m minutes: both sources, every sample" "$(soxi -s o$m-1.wav) $(soxi -s o$m-2.wav)" \
	    "$((8000 * 60 * m)) $((8000 * 60 * m))"
done
BOUND=65536     # KB, for each stage (measured: 10 to 30 MB)
GROW=8192       # KB, 20 minutes over 10
for s in s:dc-stft m:dc-mask i:dc-istft; do
	a=$(rss r${s%%:*}.10) b=$(rss r${s%%:*}.20) t=${s#*:}
	case "$a$b" in
	*none*) fail "$t: peak RSS" "not measured ($a, $b KB)" ;;
	*)
		num "$t: peak RSS of 20 minutes, KB" "$b" "<" $BOUND
		num "$t: peak RSS of 20 minutes over 10 minutes ($a KB), KB" "$((b - a))" "<" $GROW
		;;
	esac
done
# dc-mask holds a block's records, not the heap's leftovers of the blocks before
# (2026-12-04: tensors from aligned_alloc left holes a little too small for the
# next block's, and 20 minutes took 26 MB): at most 3 times a block's stft and
# masks records (10 s: 1250 x 129 complex64 and 2 x 1250 x 129 float32, 2.58 MB)
b=$(rss rm.20)
[ "$b" = none ] || num "dc-mask: peak RSS of 20 minutes in blocks, KB (3 x a block's records)" "$b" "<" \
    $((3 * 1250 * 129 * 16 / 1024))
