#!/bin/sh
# examples/count-speakers.sh [-m MODEL] [-n COUNT] [-s SEED] [-K COUNTS] [-M MAX] [-b BETA] [-t THREADS] [CORPUS]:
# how well dc-kmeans -k auto counts the speakers, and what a wrong count costs.
#
# Makes COUNT mixtures (default 100) of each number of validation speakers in COUNTS
# (default "1 2 3"; dc-mix -k 1 makes one-speaker "mixtures" at the same active level),
# seed SEED (default 2016, the README's held-out mixtures; -s 7 gives the mixtures
# the thresholds were chosen on), embeds them once with MODEL (default the shipped
# model), and separates them twice, as users would:
#   dc-kmeans -k auto:MAX -b BETA | dc-mask | dc-istft     (the counted K)
#   dc-kmeans -k K -b BETA | dc-mask | dc-istft            (the true K)
# It prints the confusion matrix of true (rows) and counted (columns) speakers, the
# share counted right, and for 2 speakers and more the mean SDRi and SI-SDRi of both
# runs, scored by dc-eval against the true sources. Where the count is wrong: a
# speaker left without an output gets the mixture as its estimate (an improvement of
# 0 dB, what a user who has only the mixture for that speaker gets), and outputs
# beyond the true number are dropped, the quietest first. The spreads dc-kmeans
# counted from go to out/count/spread.tsv (true K, mixture, spread, counted K).
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=100
seed=2016
model=models/default.dcm
threads=1
counts="1 2 3"
max=4
beta=3
while getopts b:K:m:M:n:s:t:h o; do
	case $o in
	b) beta=$OPTARG ;;
	K) counts=$OPTARG ;;
	m) caller_path model "$OPTARG" ;;
	M) max=$OPTARG ;;
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) threads=$OPTARG ;;
	h) help_text examples/count-speakers.sh ;;
	*) echo "usage: $0 [-m model] [-n count] [-s seed] [-K counts] [-M max] [-b beta] [-t threads] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=out/count
mkdir -p "$out"
printf 'true_k\tmixture\tspread\tcounted_k\n' >"$out/spread.tsv"
: >"$out/sdri.tsv"
for k in $counts; do
	set=out/sets/k$k-n$n-s$seed
	make_set "$set" "$k" "$n" "$seed" "$corpus"
	emb=$out/k$k.dcs
	dc-stft "$set"/mix/*.wav | dc-embed -m "$model" -t "$threads" >"$emb"
	rm -rf "$set/auto" "$set/true"
	mkdir -p "$set/auto" "$set/true"
	dc-kmeans -v -k "auto:$max" -b "$beta" "$emb" 2>"$out/k$k.log" | dc-mask |
	    dc-istft -e float -o "$set/auto/%u-s%k.wav"
	sed -n 's/^dc-kmeans: \(.*\): K = \([0-9]*\) counted (spread \([0-9.]*\) .*/\1 \3 \2/p' "$out/k$k.log" |
	    awk -v k="$k" 'BEGIN { OFS = "\t" } { print k, $1, $2, $3 }' >>"$out/spread.tsv"
	if [ "$k" -lt 2 ]; then
		rm -f "$emb"
		continue
	fi
	dc-kmeans -k "$k" -b "$beta" "$emb" | dc-mask | dc-istft -e float -o "$set/true/%u-s%k.wav"
	score "$set" "$set/true" true >>"$out/sdri.tsv"
	# the counted run: as many estimates as sources, by the rule above
	/usr/bin/python3 - "$set" "$out/spread.tsv" "$k" >"$set/auto.eval.tsv" <<'EOF'
import sys, numpy as np, soundfile as sf
setdir, spreads, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
counted = {}
for line in open(spreads).read().splitlines()[1:]:
    t, mix, s, c = line.split("\t")
    if int(t) == k:
        counted[mix] = int(c)
for line in open(setdir + "/list.tsv").read().splitlines()[1:]:
    f = line.split("\t")
    uid, mix, refs = f[0], f[1], f[2]
    ests = ["auto/%s-s%d.wav" % (uid, j + 1) for j in range(counted[uid])]
    if len(ests) > k:
        energy = [float(np.sum(sf.read(setdir + "/" + e, dtype="float64")[0] ** 2)) for e in ests]
        keep = sorted(np.argsort(energy)[::-1][:k])
        ests = [ests[j] for j in keep]
    ests += [mix] * (k - len(ests))
    print("\t".join([uid, mix, refs, ",".join(ests)]))
EOF
	(cd "$set" && dc-eval -j -l auto.eval.tsv) | tail -n 1 | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
print("%s\tcounted\t%d\t%.2f\t%.2f\t%.2f\t%.2f" % (sys.argv[1], s["files"], s["sdr"], s["sdri"], s["si_sdr"], s["si_sdri"]))
' "$k" >>"$out/sdri.tsv"
	rm -rf "$set/auto" "$set/true"
	rm -f "$emb"
done
awk -F '\t' -v max="$max" 'NR > 1 { c[$1, $4]++; n[$1]++; if ($1 == $4) ok++; all++; ks[$1] = 1 }
END {
	printf "true\\counted"
	for (j = 1; j <= max; j++) printf "\t%d", j
	printf "\tright\n"
	for (k = 1; k <= 8; k++) if (k in ks) {
		printf "%d", k
		for (j = 1; j <= max; j++) printf "\t%d", c[k, j]
		printf "\t%.0f %%\n", 100 * c[k, k] / n[k]
		if (k <= 3) { ok3 += c[k, k]; all3 += n[k] }
	}
	printf "counted right: %d of %d (%.1f %%)", ok, all, 100 * ok / all
	if (all3 < all && all3 > 0) printf "; of 1 to 3 speakers: %d of %d (%.1f %%)", ok3, all3, 100 * ok3 / all3
	printf "\n"
}' "$out/spread.tsv"
if [ -s "$out/sdri.tsv" ]; then
	printf 'speakers\tK\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n'
	cat "$out/sdri.tsv"
fi
