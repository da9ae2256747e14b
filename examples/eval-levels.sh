#!/bin/sh
# examples/eval-levels.sh [-m MODEL] [-n COUNT] [-s SEED] [-g GAINS] [-t THREADS] [CORPUS]:
# how the separation holds up when the recording is louder or quieter than the
# training mixtures, with and without dc-embed's level normalisation.
#
# Makes COUNT mixtures (default 200) of 2 and of 3 held-out speakers with seed SEED
# (default 2016: examples/eval-model.sh's), scales each mixture by every gain of the
# list GAINS (dB, default "-30 -20 -10 0 10"), and separates it with
#   dc-stft | dc-embed -m MODEL -l L | dc-kmeans -k K -b 3 | dc-mask | dc-istft
# for L = none (the features as they are) and L = -21 (dc-embed's default: each
# utterance brought to the training mixtures' level). Says one line per K, gain and
# L with SDRi and SI-SDRi in dB (the references are not scaled: BSS Eval and SI-SDR
# allow any gain) on standard error as each is measured (progress), then prints them
# all as one table with a header on standard output and keeps them in
# out/levels/summary.tsv.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=200
seed=2016
model=models/default.dcm
threads=1
gains="-30 -20 -10 0 10"
while getopts m:n:s:g:t:h o; do
	case $o in
	m) caller_path model "$OPTARG" ;;
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	g) gains=$OPTARG ;;
	t) threads=$OPTARG ;;
	h) help_text examples/eval-levels.sh ;;
	*) echo "usage: $0 [-m model] [-n count] [-s seed] [-g gains] [-t threads] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=out/levels
mkdir -p "$out"
tmp=$out/summary.tsv.tmp
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf 'speakers\tgain,-l\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n' >"$tmp"
for k in 2 3; do
	set=out/sets/k$k-n$n-s$seed
	make_set "$set" "$k" "$n" "$seed" "$corpus"
	for g in $gains; do
		# the set again with its mixtures scaled (32-bit float: no clipping, no
		# rounding), the references as they were
		lset=$out/k$k-n$n-s$seed-g$g
		rm -rf "$lset"
		mkdir -p "$lset/mix"
		cp "$set/list.tsv" "$lset/"
		ln -s "$(pwd)/$set/s1" "$(pwd)/$set/s2" "$lset/"
		[ "$k" -lt 3 ] || ln -s "$(pwd)/$set/s3" "$lset/"
		/usr/bin/python3 - "$set/mix" "$lset/mix" "$g" <<'PY'
import os, sys
import soundfile as sf
src, dst, g = sys.argv[1], sys.argv[2], float(sys.argv[3])
for f in sorted(os.listdir(src)):
    x, r = sf.read(os.path.join(src, f), dtype="float32")
    sf.write(os.path.join(dst, f), x * 10 ** (g / 20), r, subtype="FLOAT")
PY
		for l in none -21; do
			sep=$lset/sep$l
			mkdir -p "$sep"
			dc-stft "$lset"/mix/*.wav | dc-embed -m "$model" -t "$threads" -l "$l" |
			    dc-kmeans -k "$k" -b 3 | dc-mask | dc-istft -e float -o "$(pattern_dir "$sep")/%u-s%k.wav"
			score "$lset" "$sep" "$g,$l" | tee -a "$tmp" >&2
		done
		rm -rf "$lset"
	done
done
mv "$tmp" "$out/summary.tsv"
table "$out/summary.tsv"
