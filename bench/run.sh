#!/bin/sh
# bench/run.sh (make bench): dcsep's network next to the PyTorch peer, in one run, on
# this machine, with the same environment, threads and batch.
#
# Both run in the peer's best environment (../shared/peers/README.md): OpenBLAS picks
# its kernels for this CPU (OPENBLAS_CORETYPE unset), glibc keeps freed memory
# (GLIBC_TUNABLES), and OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE:
# torch's spinning OpenMP threads and OpenBLAS's threads fight over 2 cores
# otherwise, and the peer's 2-thread training falls from about 1,970 to 540
# frames/s; dcsep has no OpenMP). Measured: training frames/s (forward, loss, backward, Adam; batch
# 8 of 400 frames) on 1 and 2 threads, and the real-time factor of inference on one
# 10-s utterance on 1 thread, for 2x300 and 4x600 (D = 40); dcsep's GFLOP/s by the
# peer's FLOP model, as a fraction of OpenBLAS sgemm's peak measured here too.
# Environment: PEER (the peer script), CONFIGS (default "2x300 4x600"), QUICK=1
# (fewer repetitions). Run it on a quiet machine: anything else running skews it.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
PEER=${PEER:-../shared/peers/torch_dpcl.py}
CONFIGS=${CONFIGS:-2x300 4x600}
PY=/usr/bin/python3
RUN="env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736"
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-bench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM

peer=1
if [ ! -f "$PEER" ]; then
	echo "bench: no peer at $PEER: dcsep alone" >&2
	peer=0
elif ! $PY -c 'import torch' 2>/dev/null; then
	echo "bench: python3-torch is not installed (apt-get install python3-torch): dcsep alone" >&2
	peer=0
fi

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for t in 1 2; do
	$RUN "$B/bench/sgemm_peak" -t $t | tee -a "$out/peak"
done
peak1=$(awk '/threads=1 /{print $(NF-1)}' "$out/peak")
peak2=$(awk '/threads=2 /{print $(NF-1)}' "$out/peak")

# flop per frame, the peer's model: training 3 x (forward + loss), inference forward
fpf() { case "$1" in 2x300) echo "39203496 12633360" ;; 4x600) echo "215437896 71378160" ;; esac; }
steps=5
[ "${QUICK:-0}" = 1 ] && steps=2

printf '\n%-6s %-24s %7s %12s %12s %8s %10s %8s\n' config measure threads dcsep peer ratio "GFLOP/s" "of peak"
for c in $CONFIGS; do
	set -- $(fpf "$c")
	ftrain=$1 finfer=$2
	for t in 1 2; do
		$RUN "$B/bench/bench_nn" -c "$c" -t $t -b 8 -T 400 -n $steps >"$out/dc.$c.$t" 2>&1
		if [ $peer = 1 ]; then
			$RUN $PY "$PEER" bench --threads $t --configs "$c" --batches 8 --steps $steps \
			    --min-time 2 >"$out/peer.$c.$t" 2>&1
		fi
		d=$(sed -n 's/^train .*-> \([0-9.]*\) frames\/s.*/\1/p' "$out/dc.$c.$t")
		p=$(sed -n 's/^train .*-> \([0-9.]*\) frames\/s.*/\1/p' "$out/peer.$c.$t" 2>/dev/null)
		echo "$c $t ${d:-0} ${p:-0}" >>"$out/train"
		pk=$([ $t = 1 ] && echo "$peak1" || echo "$peak2")
		awk -v c="$c" -v t=$t -v d="$d" -v p="${p:-}" -v f=$ftrain -v pk="$pk" 'BEGIN {
			g = d * f / 1e9
			printf "%-6s %-24s %7d %12.0f %12s %8s %10.1f %7.0f%%\n", c, "train frames/s (B=8)", t, d,
			    p == "" ? "-" : sprintf("%.0f", p), p == "" ? "-" : sprintf("%.2fx", d / p), g, 100 * g / pk }'
		if [ $t = 1 ]; then
			d=$(sed -n 's/^infer .*RTF \([0-9.]*\).*/\1/p' "$out/dc.$c.$t")
			p=$(sed -n 's/^infer .*RTF \([0-9.]*\).*/\1/p' "$out/peer.$c.$t" 2>/dev/null)
			awk -v c="$c" -v d="$d" -v p="${p:-}" -v f=$finfer -v pk="$peak1" 'BEGIN {
				g = 1250 * f / (d * 10) / 1e9
				printf "%-6s %-24s %7d %12.4f %12s %8s %10.1f %7.0f%%\n", c, "inference RTF (10 s)", 1, d,
				    p == "" ? "-" : sprintf("%.4f", p), p == "" ? "-" : sprintf("%.2fx", d / p), g, 100 * g / pk }'
		fi
	done
done
# the issue's measure: each at its best thread count
if [ $peer = 1 ]; then
	echo
	awk '{ if ($3 > d[$1]) { d[$1] = $3; dt[$1] = $2 } if ($4 > p[$1]) { p[$1] = $4; pt[$1] = $2 } }
	    END { for (c in d) if (p[c] > 0)
		printf "%-6s training at its best: dcsep %.0f frames/s (%d threads), the peer %.0f (%d), %.2fx\n",
		    c, d[c], dt[c], p[c], pt[c], d[c] / p[c] }' "$out/train" | sort
fi
echo
echo "ratio: dcsep over the peer (training: higher is better; RTF: lower is better)."
echo "GFLOP/s by the peer's FLOP model (torch_dpcl.py flops); peak: sgemm n=2048 above."
