#!/bin/sh
# examples/tune-kmeans.sh [-m MODEL] [-n COUNT] [-s SEED] [-t THREADS] [-b BETAS] [-T DBS]
#                         [-S SPEAKERS] [-o DIR] [CORPUS]:
# the clustering settings of a model, chosen on mixtures that are not the figures'.
#
# Makes COUNT mixtures (default 100) of 2 and of 3 held-out speakers (those of the
# list SPEAKERS, default examples/speakers-valid.txt) with seed SEED
# (default 7: other mixtures than examples/eval-model.sh's seed 2016), embeds them
# once with MODEL, and separates them with every pair of
#   dc-kmeans -b BETA (soft masks; 0: binary masks, the paper's) and -t DB (the bins fitted)
# from the lists BETAS (default "0 2 3 4 5 6") and DBS (default "15 20 25 30 40").
# Says one line per pair and K, SDRi and SI-SDRi in dB, on standard error as each is
# measured (progress), then prints them all as one table with a header on standard
# output and keeps them in DIR/tune/summary.tsv (DIR default out); the mixtures are
# kept in DIR/sets for the next run, and the embeddings in DIR/tune while they are
# used (about 12 MB a mixture).
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=100
seed=7
model=models/default.dcm
threads=1
betas="0 2 3 4 5 6"
dbs="15 20 25 30 40"
speakers=examples/speakers-valid.txt
top=out
while getopts m:n:s:t:b:T:S:o:h o; do
	case $o in
	m) caller_path model "$OPTARG" ;;
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) threads=$OPTARG ;;
	b) betas=$OPTARG ;;
	T) dbs=$OPTARG ;;
	S) caller_path speakers "$OPTARG" ;;
	o) caller_path top "$OPTARG" ;;
	h) help_text examples/tune-kmeans.sh ;;
	*) echo "usage: $0 [-m model] [-n count] [-s seed] [-t threads] [-b betas] [-T dbs] [-S speakers] [-o dir] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=$top/tune
mkdir -p "$out"
# the summary replaces the last one only when complete; the embeddings go however
# the script ends
tmp=$out/summary.tsv.tmp emb=
trap 'rm -f "$tmp" ${emb:+"$emb"}' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf 'speakers\tbeta\tdB\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n' >"$tmp"
for k in 2 3; do
	set=$top/sets/k$k-n$n-s$seed
	make_set "$set" "$k" "$n" "$seed" "$corpus" "$speakers"
	emb=$out/k$k-$(basename "$model" .dcm).dcs
	dc-stft "$set"/mix/*.wav | dc-embed -m "$model" -t "$threads" >"$emb"
	for b in $betas; do
		for t in $dbs; do
			sep=$set/tune-b$b-t$t
			rm -rf "$sep"
			mkdir -p "$sep"
			opt=
			[ "$b" = 0 ] || opt="-b $b"
			# shellcheck disable=SC2086
			dc-kmeans -k "$k" -t "$t" $opt "$emb" | dc-mask |
			    dc-istft -e float -o "$(pattern_dir "$sep")/%u-s%k.wav"
			score "$set" "$sep" "$b" | awk -F '\t' -v t="$t" 'BEGIN { OFS = "\t" }
			    { print $1, $2, t, $3, $4, $5, $6, $7 }' | tee -a "$tmp" >&2
			rm -rf "$sep"
		done
	done
	rm -f "$emb"
done
mv "$tmp" "$out/summary.tsv"
table "$out/summary.tsv"
