#!/bin/sh
# bench/run.sh (make bench): dcsep's network next to the PyTorch peer, in one run, on
# this machine, with the same environment, threads and batch.
#
# Both run in the peer's best environment (../shared/peers/README.md): OpenBLAS picks
# its kernels for this CPU (OPENBLAS_CORETYPE unset), glibc keeps freed memory
# (GLIBC_TUNABLES), and OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE:
# torch's spinning OpenMP threads and OpenBLAS's threads fight over 2 cores
# otherwise, and the peer's 2-thread training falls from about 1,970 to 540
# frames/s; dcsep's oneDNN runs one OpenMP thread per call, on its own pool's
# threads). Measured: training frames/s (forward, loss, backward, Adam; batch
# 8 of 400 frames) on 1 and 2 threads, and the real-time factor of inference on one
# 10-s utterance on 1 thread, for 2x300 and 4x600 (D = 40), each with fp32 products
# and, where the CPU has them, bf16 ones (dc-train -P); dcsep's GFLOP/s by the
# peer's FLOP model, as a fraction of OpenBLAS sgemm's peak measured here too, and
# the peaks of one matmul through oneDNN in fp32 and bf16; the peak memory of
# training in each precision; then the targets of issue 16 as ratios of this run.
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
cpu() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'; }
flags=$(cpu flags)
has() { case " $flags " in *" $1 "*) echo yes ;; *) echo no ;; esac; }
echo "# CPU: vendor $(cpu vendor_id), family $(cpu 'cpu family'), model $(cpu 'model	'), avx512_bf16 $(has avx512_bf16), amx_bf16 $(has amx_bf16)"
for t in 1 2; do
	$RUN "$B/bench/sgemm_peak" -t $t | tee -a "$out/peak"
done
$RUN "$B/bench/mm_peak" | tee "$out/mm"
peak1=$(awk '/threads=1 /{print $(NF-1)}' "$out/peak")
peak2=$(awk '/threads=2 /{print $(NF-1)}' "$out/peak")
precs=f32
grep -q '^bf16 products: yes' "$out/mm" && precs="f32 bf16"

# flop per frame, the peer's model: training 3 x (forward + loss), inference forward
fpf() { case "$1" in 2x300) echo "39203496 12633360" ;; 4x600) echo "215437896 71378160" ;; esac; }
steps=5
[ "${QUICK:-0}" = 1 ] && steps=2
get() { sed -n "s/^$2 .*$3 \([0-9.]*\).*/\1/p" "$1" 2>/dev/null; }

printf '\n%-6s %-22s %7s %10s %10s %10s %9s %9s %9s %8s\n' config measure threads f32 bf16 peer bf16/f32 \
    best/peer "GFLOP/s" "of peak"
for c in $CONFIGS; do
	set -- $(fpf "$c")
	ftrain=$1 finfer=$2
	for t in 1 2; do
		for p in $precs; do
			$RUN "$B/bench/bench_nn" -c "$c" -P $p -t $t -b 8 -T 400 -n $steps >"$out/dc.$c.$t.$p" 2>&1
		done
		if [ $peer = 1 ]; then
			$RUN $PY "$PEER" bench --threads $t --configs "$c" --batches 8 --steps $steps \
			    --min-time 2 >"$out/peer.$c.$t" 2>&1
		fi
		f=$(get "$out/dc.$c.$t.f32" train '->'); b=$(get "$out/dc.$c.$t.bf16" train '->')
		pe=$(get "$out/peer.$c.$t" train '->')
		echo "$c $t ${f:-0} ${b:-0} ${pe:-0}" >>"$out/train"
		pk=$([ $t = 1 ] && echo "$peak1" || echo "$peak2")
		awk -v c="$c" -v t=$t -v f="$f" -v b="${b:-}" -v p="${pe:-}" -v fl=$ftrain -v pk="$pk" 'BEGIN {
			best = b != "" && b > f ? b : f; g = best * fl / 1e9
			printf "%-6s %-22s %7d %10.0f %10s %10s %9s %9s %9.1f %7.0f%%\n", c, "train frames/s (B=8)", t, f,
			    b == "" ? "-" : sprintf("%.0f", b), p == "" ? "-" : sprintf("%.0f", p),
			    b == "" ? "-" : sprintf("%.2fx", b / f), p == "" ? "-" : sprintf("%.2fx", best / p), g,
			    100 * g / pk }'
		if [ $t = 1 ]; then
			f=$(get "$out/dc.$c.$t.f32" infer RTF); b=$(get "$out/dc.$c.$t.bf16" infer RTF)
			pe=$(get "$out/peer.$c.$t" infer RTF)
			echo "$c ${f:-0} ${b:-0} ${pe:-0}" >>"$out/infer"
			awk -v c="$c" -v f="$f" -v b="${b:-}" -v p="${pe:-}" -v fl=$finfer -v pk="$peak1" 'BEGIN {
				best = b != "" && b < f ? b : f; g = 1250 * fl / (best * 10) / 1e9
				printf "%-6s %-22s %7d %10.4f %10s %10s %9s %9s %9.1f %7.0f%%\n", c, "inference RTF (10 s)", 1,
				    f, b == "" ? "-" : sprintf("%.4f", b), p == "" ? "-" : sprintf("%.4f", p),
				    b == "" ? "-" : sprintf("%.2fx", b / f), p == "" ? "-" : sprintf("%.2fx", best / p), g,
				    100 * g / pk }'
		fi
	done
	f=$(sed -n 's/^peak memory \([0-9]*\) MiB/\1/p' "$out/dc.$c.2.f32")
	b=$(sed -n 's/^peak memory \([0-9]*\) MiB/\1/p' "$out/dc.$c.2.bf16" 2>/dev/null)
	echo "$c ${f:-0} ${b:-0}" >>"$out/mem"
	awk -v c="$c" -v f="$f" -v b="${b:-}" 'BEGIN {
		printf "%-6s %-22s %7d %10s %10s %10s %9s\n", c, "peak memory MiB (train)", 2, f,
		    b == "" ? "-" : b, "-", b == "" ? "-" : sprintf("%.2fx", b / f) }'
done
if [ $peer = 1 ]; then
	echo
	awk '{ f = $3 > $4 ? $3 : $4; if (f > d[$1]) { d[$1] = f; dt[$1] = $2 } if ($5 > p[$1]) { p[$1] = $5; pt[$1] = $2 } }
	    END { for (c in d) if (p[c] > 0)
		printf "%-6s training at its best: dcsep %.0f frames/s (%d threads), the peer %.0f (%d), %.2fx\n",
		    c, d[c], dt[c], p[c], pt[c], d[c] / p[c] }' "$out/train" | sort
fi
# oneDNN's LSTM primitive against dcsep's recurrent layer (why the products go
# through matmul and the recurrence stays dcsep's)
echo
[ "${QUICK:-0}" = 1 ] || $RUN OMP_NUM_THREADS=1 "$B/bench/lstm_probe"
# issue 16's targets, as ratios of this run
echo
if [ "$precs" = f32 ]; then
	echo "targets (bf16): this CPU has no bf16 products; fp32 only"
else
	awk -v t="$out/train" -v i="$out/infer" -v m="$out/mem" 'BEGIN {
		while ((getline l < t) > 0) { split(l, a, " "); if (a[2] == 2) { f[a[1]] = a[3]; b[a[1]] = a[4]; p[a[1]] = a[5] } }
		while ((getline l < i) > 0) { split(l, a, " "); rf[a[1]] = a[2]; rb[a[1]] = a[3] }
		while ((getline l < m) > 0) { split(l, a, " "); mf[a[1]] = a[2]; mb[a[1]] = a[3] }
		ok = "met"; no = "NOT met"
		if ("2x300" in f) {
			printf "target: 2x300 training, 2 threads, bf16 / our f32 = %.2fx (>= 1.7x: %s)\n", b["2x300"] / f["2x300"], (b["2x300"] >= 1.7 * f["2x300"]) ? ok : no
			if (p["2x300"] > 0)
				printf "target: 2x300 training, 2 threads, bf16 / the peer = %.2fx (>= 4x: %s)\n", b["2x300"] / p["2x300"], (b["2x300"] >= 4 * p["2x300"]) ? ok : no
		}
		if ("4x600" in f)
			printf "target: 4x600 training, 2 threads, bf16 / our f32 = %.2fx (>= 1.7x: %s)\n", b["4x600"] / f["4x600"], (b["4x600"] >= 1.7 * f["4x600"]) ? ok : no
		for (c in rf)
			printf "target: %s inference RTF, 1 thread, bf16 / our f32 = %.2fx (<= 0.6x: %s)\n", c, rb[c] / rf[c], (rb[c] <= 0.6 * rf[c]) ? ok : no
		for (c in mf)
			printf "target: %s training peak memory, bf16 / f32 = %.2fx (<= 1x: %s)\n", c, mb[c] / mf[c], (mb[c] <= mf[c]) ? ok : no
	}'
fi
echo
echo "ratio: bf16/f32 and best/peer (training: higher is better; RTF, memory: lower is better)."
echo "GFLOP/s of the faster precision by the peer's FLOP model (torch_dpcl.py flops); peak: sgemm n=2048 above."
