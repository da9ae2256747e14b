#!/bin/sh
# bench/pipeline.sh (make bench): the whole separation command as a user times it, on
# a 10-s two-speaker mixture made from tests/data/speech, one thread:
#   dc-stft | dc-embed -t 1 | dc-kmeans -k 2 -b 3 | dc-mask | dc-istft -o ...
# the median wall time of 5 runs beside the PyTorch peer's whole process
# (torch_dpcl.py infer1: import, build a 2x300 model, embed 1250 frames, k-means;
# median of 3) in the same run; dc-embed's start with no utterance (the model load,
# median of 10); each stage's peak RSS and page faults (GNU time) run alone on its
# cached input; dc-mask's and dc-istft's peak RSS beside the records they use (issue
# 23's target: at most 3x); and a batch figure: 100 copies of the mixture through
# the pipeline, 2 at a time, in CPU seconds per hour of audio, a pipeline per file,
# two pipelines of 50 files each, and the two with dc-embed -b 4 and dc-kmeans -d.
# Environment: B
# (build), PEER.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
PEER=${PEER:-../shared/peers/torch_dpcl.py}
P=$B/bin
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-pbench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
S=tests/data/speech
sox "$S/ls1034_1034-121119-0000.flac" "$S/so0048_000480014.flac" -r 8000 "$out/a.wav" &&
    sox "$S/so0036_000360332.flac" "$S/so0053_000530115.flac" "$S/so0054_000540031.flac" \
    "$S/so0036_000360332.flac" -r 8000 "$out/b.wav" &&
    "$P/dc-mix" -s 1 -o "$out/mix.wav" "$out/a.wav" "$out/b.wav" >/dev/null 2>&1 || exit 1
secs=$(soxi -D "$out/mix.wav" 2>/dev/null)
now() { date +%s.%N; }
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pipeline() {
	"$P/dc-stft" "$out/mix.wav" | "$P/dc-embed" -t 1 | "$P/dc-kmeans" -k 2 -b 3 | "$P/dc-mask" |
	    "$P/dc-istft" -o "$out/sep-%k.wav"
}
pipeline || exit 1      # warm the page cache
for i in 1 2 3 4 5; do
	t0=$(now); pipeline; t1=$(now)
	echo "$t1 - $t0" | bc
done | med >"$out/wall"
/usr/bin/python3 -c 'import msgpack, sys; sys.stdout.buffer.write(msgpack.packb({"kind": "dcsep", "version": 1, "history": ["bench"]}))' >"$out/hdr.dcs"
for i in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(now); "$P/dc-embed" -t 1 <"$out/hdr.dcs" >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc
done | med >"$out/load"
peer=-
if [ -f "$PEER" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	for i in 1 2 3; do
		t0=$(now)
		env -u OPENBLAS_CORETYPE /usr/bin/python3 "$PEER" infer1 --threads 1 --configs 2x300 --infer-T 1250 >/dev/null 2>&1
		t1=$(now)
		echo "$t1 - $t0" | bc
	done | med >"$out/peer"
	peer=$(cat "$out/peer")
fi
printf '\n# the whole command, %s s of two-speaker audio, 1 thread\n' "$secs"
awk -v w="$(cat "$out/wall")" -v p="$peer" -v l="$(cat "$out/load")" -v s="$secs" 'BEGIN {
	printf "%-44s %8.3f s (%.3f x real time)\n", "dcsep pipeline, median of 5", w, w / s
	if (p != "-") printf "%-44s %8.3f s; dcsep / peer %.3f\n", "PyTorch peer whole process, median of 3", p, w / p
	printf "%-44s %8.3f s\n", "dc-embed with no utterance (model load)", l }'

# each stage alone on its cached input: peak RSS and page faults
"$P/dc-stft" "$out/mix.wav" >"$out/1.dcs"

# dc-embed alone in each precision (-P) the CPU runs, median of 5, beside f32
printf '\n# dc-embed alone on the cached STFT, 1 thread, median of 5 (default: %s)\n' \
    "$(env -u DCSEP_PRECISION "$B/bench/mm_peak" -n 64 -s 0.1 | sed -n 's/.* \([a-z0-9]*\) in inference$/\1/p')"
for p in f32 mixed bf16; do
	for i in 1 2 3 4 5; do
		t0=$(now); "$P/dc-embed" -t 1 -P $p "$out/1.dcs" >/dev/null 2>"$out/perr"; t1=$(now)
		echo "$t1 - $t0" | bc
	done | med >"$out/p.$p"
	if [ -s "$out/perr" ]; then
		printf '%-44s %s\n' "dc-embed -P $p" "$(cat "$out/perr")"
		continue
	fi
	awk -v p=$p -v t="$(cat "$out/p.$p")" -v f="$(cat "$out/p.f32")" 'BEGIN {
		printf "%-44s %8.3f s; / f32 %.2fx\n", "dc-embed -P " p, t, t / f }'
done
"$P/dc-embed" -t 1 <"$out/1.dcs" >"$out/2.dcs"
"$P/dc-kmeans" -k 2 -b 3 <"$out/2.dcs" >"$out/3.dcs"
"$P/dc-mask" <"$out/3.dcs" >"$out/4.dcs"
printf '\n%-10s %14s %12s %12s %14s\n' stage "input bytes" "peak RSS" "minor faults" "major faults"
for s in "dc-stft $out/mix.wav" "dc-embed -t 1 <$out/1.dcs" "dc-kmeans -k 2 -b 3 <$out/2.dcs" \
    "dc-mask <$out/3.dcs" "dc-istft -o $out/x-%k.wav <$out/4.dcs"; do
	name=${s%% *}
	in=$(echo "$s" | sed -n 's/.*<//p')
	[ -n "$in" ] || in=$out/mix.wav
	/usr/bin/time -f '%M %R %F' -o "$out/time" sh -c "$P/$s >/dev/null"
	read -r rss minor major <"$out/time"
	printf '%-10s %14d %9.1f MB %12d %14d\n' "$name" "$(wc -c <"$in")" "$(echo "$rss / 1024" | bc -l)" "$minor" "$major"
done

# dc-mask and dc-istft (issue 23: peak RSS <= 3x the records they use): the peak
# RSS (median of 3) beside the sizes of the records each uses, read from the
# stream (dc-dump -j): dc-mask stft, the later of labels and masks, and the masked
# record it writes; dc-istft the masked record. Beside them, the same tools on an
# empty stream (a header alone: the C library and the shared libraries mapped at
# start) and on an utterance of no samples (what a tool touches for any utterance:
# dc-istft's FFTW planner), and what the 10-s input takes above the latter. MB
# here are 2^20 bytes, as GNU time's KB are 2^10.
rss() { # rss FILE COMMAND...: the median peak RSS in KB of 3 runs, stdin FILE
	f=$1; shift
	for i in 1 2 3; do
		/usr/bin/time -f %M -o "$out/rss" "$@" <"$f" >/dev/null 2>&1
		tail -n 1 "$out/rss"
	done | med
}
PYTHONPATH=formats /usr/bin/python3 - "$out/z3.dcs" <<'EOF2' || exit 1
import sys, numpy as np, dcstream as D
with open(sys.argv[1], "wb") as f:
    f.write(D.pack_header(["bench"]))
    f.write(D.pack_record("utt", id="z", samples=0, rate=8000))
    f.write(D.pack_record("stft", np.zeros((0, 129), np.complex64), rate=8000, nfft=256,
                          hop=64, samples=0, window="sqrt-hann"))
    f.write(D.pack_record("labels", np.zeros((0, 129), np.int32), k=2, by="bench"))
EOF2
"$P/dc-mask" <"$out/z3.dcs" >"$out/z4.dcs" || exit 1
sizes=$("$P/dc-dump" -j "$out/4.dcs" | /usr/bin/python3 -c '
import json, sys
last = {}
for line in sys.stdin:
    r = json.loads(line)
    last[r["kind"]] = (r["record"], r["bytes"])
lm = max(last[k] for k in ("labels", "masks") if k in last)
print("stft+%s+masked" % ("labels" if lm == last.get("labels") else "masks"),
      last["stft"][1] + lm[1] + last["masked"][1], last["masked"][1])')
set -- $sizes
printf '\n# peak RSS of dc-mask and dc-istft on %s s beside the records they use (target: <= 3x)\n' "$secs"
printf '%-9s %-19s %8s %9s %6s %9s %9s %9s %6s\n' tool "records used" MB "peak RSS" ratio \
    "empty" "0 samples" "above it" ratio
for t in mask istft; do
	if [ $t = mask ]; then
		what=$1 bytes=$2
		peak=$(rss "$out/3.dcs" "$P/dc-mask")
		empty=$(rss "$out/hdr.dcs" "$P/dc-mask")
		zero=$(rss "$out/z3.dcs" "$P/dc-mask")
	else
		what=masked bytes=$3
		peak=$(rss "$out/4.dcs" "$P/dc-istft" -o "$out/r-%k.wav")
		empty=$(rss "$out/hdr.dcs" "$P/dc-istft" -o "$out/r-%k.wav")
		zero=$(rss "$out/z4.dcs" "$P/dc-istft" -o "$out/r-%k.wav")
	fi
	awk -v t=dc-$t -v w="$what" -v b="$bytes" -v p="$peak" -v e="$empty" -v z="$zero" 'BEGIN {
		mb = b / 1048576; p /= 1024; e /= 1024; z /= 1024
		printf "%-9s %-19s %8.2f %6.1f MB %5.2fx %6.1f MB %6.1f MB %6.1f MB %5.2fx\n",
		    t, w, mb, p, p / mb, e, z, p - z, (p - z) / mb }'
done

# batch: 100 copies, 2 at a time, a pipeline per file and then the same files as
# two streams of 50 utterances (dc-stft f1 ... f50 | ... | dc-istft -o '%u-s%k.wav':
# each tool starts, and the model loads, once a stream); CPU seconds (user +
# system) per hour of audio; then the two streams as a batch job would run them:
# dc-embed -b 4 (four utterances through the network at once) and dc-kmeans -d (the
# embeddings dropped once clustered)
mkdir -p "$out/batch"
i=0
while [ $i -lt 100 ]; do i=$((i + 1)); ln -s "$out/mix.wav" "$out/batch/m$i.wav"; done
cat >"$out/sep.sh" <<EOF2
#!/bin/sh
"$P/dc-stft" "\$@" | "$P/dc-embed" -t 1 | "$P/dc-kmeans" -k 2 -b 3 | "$P/dc-mask" | "$P/dc-istft" -o "$out/batch/%u-s%k.wav"
EOF2
cat >"$out/sepb.sh" <<EOF2
#!/bin/sh
"$P/dc-stft" "\$@" | "$P/dc-embed" -t 1 -b 4 | "$P/dc-kmeans" -d -k 2 -b 3 | "$P/dc-mask" | "$P/dc-istft" -o "$out/batch/%u-s%k.wav"
EOF2
chmod +x "$out/sep.sh" "$out/sepb.sh"
batch() { # batch N WHAT [SCRIPT]: the 100 files N to a pipeline, 2 pipelines at a time
	rm -f "$out"/batch/*-s*.wav
	/usr/bin/time -f '%e %U %S' -o "$out/btime" sh -c "seq 1 100 | sed 's|.*|$out/batch/m&.wav|' | xargs -P 2 -n $1 $out/${3:-sep.sh}"
	read -r e u sy <"$out/btime"
	awk -v e="$e" -v u="$u" -v sy="$sy" -v s="$secs" -v w="$2" -v n="$(ls "$out/batch" | grep -c -- '-s2\.wav$')" 'BEGIN {
		h = 100 * s / 3600
		printf "# batch: 100 x %.1f s, %s, 2 at a time: %.1f s wall, %.1f s CPU: %.1f s of CPU per hour of audio (%.1f s wall; %d of 100 separated)\n",
		    s, w, e, u + sy, (u + sy) / h, e / h, n }'
}
echo
batch 1 "a pipeline per file"
batch 50 "2 streams of 50 files"
batch 50 "2 streams of 50, dc-embed -b 4, dc-kmeans -d" sepb.sh
