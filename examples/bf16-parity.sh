#!/bin/sh
# examples/bf16-parity.sh [-L layers] [-H units] [-T frames] [-b batch] [-e epochs] [-t threads]
#     [-n count] -V valid.dcs train.dcs ...: the quality parity of bf16 and fp32
# training (issue 16): the same model from the same seed on the same data for the
# same steps, once with dc-train -P f32 and once with -P bf16, one after the other;
# then each one's last validation loss (the log's) and its SDRi on COUNT (default
# 200) held-out mixtures of 2 and of 3 speakers (examples/eval-model.sh, the README's
# figures; its corpus: $DCSEP_CORPUS, else ../shared/corpus). Prints both and their differences; the target is
# validation losses within 1 % and SDRi within 0.2 dB of each other. Choose the data
# and -e so that a run takes at least 30 minutes (an epoch of 2,000 mixtures of 2
# speakers in 400-frame segments, batches of 8, is about 20 minutes of a 2x300 on one
# Zen 5 thread in fp32). On a CPU without bf16 products dc-train says so and the
# second run is fp32 too. Everything goes to out/parity/; a run that is there
# already resumes (dc-train -r), so the script can be stopped and run again.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
L=2 H=300 T=400 b=8 e=1 t=1 n=200 valid=
while getopts L:H:T:b:e:t:n:V:h o; do
	case $o in
	L) L=$OPTARG ;; H) H=$OPTARG ;; T) T=$OPTARG ;; b) b=$OPTARG ;; e) e=$OPTARG ;;
	t) t=$OPTARG ;; n) n=$OPTARG ;; V) caller_path valid "$OPTARG" ;;
	h) help_text examples/bf16-parity.sh ;;
	*) echo "usage: $0 [-L layers] [-H units] [-T frames] [-b batch] [-e epochs] [-t threads] [-n count] -V valid.dcs train.dcs ..." >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$valid" ] || [ $# -eq 0 ]; then
	echo "$0: -V valid.dcs and training streams are required" >&2
	exit 2
fi
# the training streams as the caller named them
for f in "$@"; do
	shift
	caller_path f "$f"
	set -- "$@" "$f"
done
out=out/parity
mkdir -p "$out"
for p in f32 bf16; do
	if [ -f "$out/$p.dcm" ]; then
		bin/dc-train -r -P $p -e "$e" -t "$t" -V "$valid" -l "$out/$p.tsv" -o "$out/$p.dcm" "$@" 2>>"$out/$p.err"
	else
		bin/dc-train -P $p -L "$L" -H "$H" -T "$T" -b "$b" -s 1 -e "$e" -t "$t" -V "$valid" \
		    -l "$out/$p.tsv" -o "$out/$p.dcm" "$@" 2>>"$out/$p.err"
	fi
	examples/eval-model.sh -m "$out/$p.dcm" -n "$n" -t "$t" >/dev/null
	cp out/model/summary.tsv "$out/$p.sdri.tsv"
done
# the last row of each log; SDRi is column 5 of the summaries, by speakers
tail -n 1 "$out/f32.tsv" >"$out/f32.last"
tail -n 1 "$out/bf16.tsv" >"$out/bf16.last"
awk -F '\t' -v f="$out/f32.last" -v b="$out/bf16.last" -v sf="$out/f32.sdri.tsv" -v sb="$out/bf16.sdri.tsv" 'BEGIN {
	getline l < f; split(l, x, "\t"); getline l < b; split(l, y, "\t")
	printf "steps %s (f32) and %s (bf16); seconds of the last epoch %s and %s\n", x[2], y[2], x[6], y[6]
	d = (y[4] - x[4]) / x[4]
	printf "validation loss: f32 %.6f, bf16 %.6f, difference %+.2f%% (target within 1%%: %s)\n",
	    x[4], y[4], 100 * d, (d < 0.01 && d > -0.01) ? "met" : "NOT met"
	while ((getline l < sf) > 0) { split(l, z, "\t"); if (z[1] ~ /^[0-9]+$/) a[z[1]] = z[5] }
	while ((getline l < sb) > 0) { split(l, z, "\t"); if (z[1] ~ /^[0-9]+$/) c[z[1]] = z[5] }
	for (k = 2; k <= 3; k++)
		printf "SDRi, %d speakers: f32 %.2f dB, bf16 %.2f dB, difference %+.2f dB (target within 0.2 dB: %s)\n",
		    k, a[k], c[k], c[k] - a[k], (c[k] - a[k] < 0.2 && c[k] - a[k] > -0.2) ? "met" : "NOT met"
}' | tee "$out/summary.txt"
