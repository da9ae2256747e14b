#!/bin/sh
# bench/mpi.sh [steps]: the throughput of dc-train-mpi on 2 ranks of 1 thread
# against dc-train, one process of 2 threads, on the same global batches (the
# target: at least 0.9 times). The model of the README's figures (2 BLSTM layers of
# 300 units, D 40), batches of 8 segments of 100 frames from the test speech. Each
# side runs to steps 2 and 2 + steps (default 6), alternately, 3 times; the time
# of a step is the difference of the two runs' medians over steps (start-up,
# reading the data and MPI's start left out). Prints frames/s of both and the
# ratio; skips (exit 0, a line saying so) without mpirun or dc-train-mpi.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
n=${1:-6}
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$B/bin/dc-train-mpi" ]; then
	echo "bench/mpi.sh: skipped: no mpirun or no $B/bin/dc-train-mpi (sh tools/setup.sh; make)"
	exit 0
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-mpibench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export DCSEP_PRECISION=f32
S=tests/data/speech
i=1
for pair in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332" "so0048_000480014 so0054_000540031"; do
	set -- $pair
	"$B/bin/dc-mix" -s $i -o "$out/mix$i.wav" -O "$out/s${i}_%k.wav" "$S/$1.flac" "$S/$2.flac" >/dev/null 2>&1 &&
	"$B/bin/dc-stft" "$out/mix$i.wav" | "$B/bin/dc-oracle" "$out/s${i}_1.wav" "$out/s${i}_2.wav" \
	    >>"$out/train.dcs" 2>/dev/null || { echo "bench/mpi.sh: making the data failed" >&2; exit 1; }
	i=$((i + 1))
done
A="-L 2 -H 300 -D 40 -T 100 -b 8 -u pad -e 1000 -q -P f32"
t() {	# t STEPS CMD...: seconds of one run to STEPS steps
	st=$1
	shift
	s=$(date +%s.%N)
	"$@" $A -S "$st" -o "$out/m.dcm" "$out/train.dcs" 2>"$out/err" ||
	    { echo "bench/mpi.sh: $*: $(tail -n 3 "$out/err")" >&2; exit 1; }
	e=$(date +%s.%N)
	rm -f "$out/m.dcm"
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
}
for r in 1 2 3; do
	t 2 "$B/bin/dc-train" -t 2 >>"$out/one.a"
	t $((2 + n)) "$B/bin/dc-train" -t 2 >>"$out/one.b"
	t 2 mpirun -np 2 --bind-to none "$B/bin/dc-train-mpi" -t 1 >>"$out/two.a"
	t $((2 + n)) mpirun -np 2 --bind-to none "$B/bin/dc-train-mpi" -t 1 >>"$out/two.b"
done
med() { sort -n "$1" | sed -n 2p; }
echo
awk -v n="$n" -v oa="$(med "$out/one.a")" -v ob="$(med "$out/one.b")" -v ta="$(med "$out/two.a")" \
    -v tb="$(med "$out/two.b")" 'BEGIN {
	one = (ob - oa) / n; two = (tb - ta) / n
	printf "dc-train 2x300, batches of 8 x 100 frames: 1 process x 2 threads %.2f s a step (%.0f frames/s), " \
	    "2 ranks x 1 thread %.2f s (%.0f frames/s): %.2fx\n", one, 800 / one, two, 800 / two, one / two }'
