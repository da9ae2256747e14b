#!/bin/sh
# examples/eval-model.sh [-M] [-m MODEL] [-c KMEANS-OPTIONS] [-n COUNT] [-s SEED] [-S SPEAKERS] [-t THREADS] [CORPUS]:
# the model figures of the README.
#
# Separates the same held-out mixtures as examples/oracle-eval.sh (COUNT of 2 and of 3
# validation speakers, default 200, seed 2016) with the network:
#   dc-stft | dc-embed -m MODEL | dc-kmeans -k K | dc-mask | dc-istft
# and scores them with dc-eval. MODEL defaults to models/default.dcm; -c adds options
# to dc-kmeans (e.g. -c '-b 4 -t 20': soft masks, fitted within 20 dB). The summary is
# printed and kept in out/model/summary.tsv. With -S examples/speakers-train.txt the
# mixtures are of training speakers instead (other mixtures than the model was trained
# on): how far the model is from fitting its training speakers at all. With -M the
# masks of the model's mask-inference head (Chimera++) separate instead of k-means:
#   dc-stft | dc-embed -m MODEL | dc-mask -k K | dc-istft
# (-k K: the K of the head's sources with the most energy).
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=200
seed=2016
model=models/default.dcm
threads=1
spk=examples/speakers-valid.txt
kopt=
head=
while getopts Mc:m:n:s:S:t:h o; do
	case $o in
	M) head=1 ;;
	c) kopt=$OPTARG ;;
	m) caller_path model "$OPTARG" ;;
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	S) caller_path spk "$OPTARG" ;;
	t) threads=$OPTARG ;;
	h) help_text examples/eval-model.sh ;;
	*) echo "usage: $0 [-M] [-m model] [-c kmeans-options] [-n count] [-s seed] [-S speakers] [-t threads] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=out/model
mkdir -p "$out"
# the summary replaces the last one only when complete
tmp=$out/summary.tsv.tmp
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf 'speakers\tmodel\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n' >"$tmp"
name=$(basename "$model" .dcm)
[ -z "$kopt" ] || name="$name$(echo "$kopt" | tr -d ' ')"
[ -z "$head" ] || name="$name-mi"
for k in 2 3; do
	set=out/sets/k$k-n$n-s$seed
	cmp -s "$spk" examples/speakers-valid.txt || set=$set-$(basename "$spk" .txt)
	make_set "$set" "$k" "$n" "$seed" "$corpus" "$spk"
	sep=$set/model-$name
	rm -rf "$sep"
	mkdir -p "$sep"
	# shellcheck disable=SC2086
	if [ -n "$head" ]; then
		dc-stft "$set"/mix/*.wav | dc-embed -m "$model" -t "$threads" | dc-mask -k "$k" |
		    dc-istft -e float -o "$(pattern_dir "$sep")/%u-s%k.wav"
	else
		dc-stft "$set"/mix/*.wav | dc-embed -m "$model" -t "$threads" | dc-kmeans -k "$k" $kopt |
		    dc-mask | dc-istft -e float -o "$(pattern_dir "$sep")/%u-s%k.wav"
	fi
	score "$set" "$sep" "$name" >>"$tmp"
done
mv "$tmp" "$out/summary.tsv"
table "$out/summary.tsv"
