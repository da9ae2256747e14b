#!/bin/sh
# bench/mpi.sh [epochs [batch]]: the throughput of dc-train-mpi on 2 ranks of 1 thread
# against dc-train, one process of 2 threads, on the same global batches (the
# target: at least 0.9 times). The model of the README's figures (2 BLSTM layers of
# 300 units, D 40), batches of 8 (or batch) segments of 100 frames from 8 mixtures of
# the test speech (20 segments). Each side runs to the end of epoch 1 and of epoch
# 1 + epochs (default 2), alternately, 3 times; the time of the epochs is the
# difference of the two runs' medians (start-up, reading the data and MPI's start
# left out). Prints frames/s of both and the ratio; skips (exit 0, a line saying
# so) without mpirun or dc-train-mpi.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
n=${1:-6}
b=${2:-8}
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$B/bin/dc-train-mpi" ]; then
	echo "bench/mpi.sh: skipped: no mpirun or no $B/bin/dc-train-mpi (sh tools/setup.sh; make)"
	exit 0
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-mpibench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
# a rank that waits in the sum yields its core (else it spins, on a machine with
# other work on it too)
export OMPI_MCA_mpi_yield_when_idle=1
export DCSEP_PRECISION=f32
S=tests/data/speech
i=1
for pair in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332" "so0048_000480014 so0054_000540031" \
    "so0036_000360332 so0053_000530115" "so0048_000480014 ls1034_1034-121119-0000" \
    "so0054_000540031 so0036_000360332" "so0053_000530115 so0048_000480014"; do
	set -- $pair
	"$B/bin/dc-mix" -s $i -o "$out/mix$i.wav" -O "$out/s${i}_%k.wav" "$S/$1.flac" "$S/$2.flac" >/dev/null 2>&1 &&
	"$B/bin/dc-stft" "$out/mix$i.wav" | "$B/bin/dc-oracle" "$out/s${i}_1.wav" "$out/s${i}_2.wav" \
	    >>"$out/train.dcs" 2>/dev/null || { echo "bench/mpi.sh: making the data failed" >&2; exit 1; }
	i=$((i + 1))
done
A="-L 2 -H 300 -D 40 -T 100 -b $b -u drop -e 1000 -q -P f32"
# whole epochs: every segment 100 frames (-u drop), the segments and batches of
# an epoch from dc-train's first line
line=$("$B/bin/dc-train" -L 1 -H 4 -D 3 -T 100 -b "$b" -u drop -e 0 -o "$out/x.dcm" "$out/train.dcs" 2>&1)
nseg=$(echo "$line" | sed -n 's/.* \([0-9]*\) segments of 100 frames.*/\1/p')
nb=$(echo "$line" | sed -n 's/.* \([0-9]*\) batches of.*/\1/p')
[ -n "$nseg" ] && [ -n "$nb" ] || { echo "bench/mpi.sh: $line" >&2; exit 1; }
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
	t "$nb" "$B/bin/dc-train" -t 2 >>"$out/one.a"
	t $((nb * (1 + n))) "$B/bin/dc-train" -t 2 >>"$out/one.b"
	t "$nb" mpirun -np 2 --bind-to none "$B/bin/dc-train-mpi" -t 1 >>"$out/two.a"
	t $((nb * (1 + n))) mpirun -np 2 --bind-to none "$B/bin/dc-train-mpi" -t 1 >>"$out/two.b"
done
med() { sort -n "$1" | sed -n 2p; }
echo
awk -v n="$n" -v b="$b" -v f="$((100 * nseg))" -v oa="$(med "$out/one.a")" -v ob="$(med "$out/one.b")" \
    -v ta="$(med "$out/two.a")" -v tb="$(med "$out/two.b")" 'BEGIN {
	one = n * f / (ob - oa); two = n * f / (tb - ta)
	printf "dc-train 2x300, %d segments of 100 frames an epoch, batches of %d: 1 process x 2 threads %.0f frames/s, " \
	    "2 ranks x 1 thread %.0f frames/s: %.2fx\n", f / 100, b, one, two, two / one }'
