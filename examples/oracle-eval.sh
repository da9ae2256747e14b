#!/bin/sh
# examples/oracle-eval.sh [-n COUNT] [-s SEED] [CORPUS]: the oracle figures of the README.
#
# Makes COUNT (default 200) mixtures of 2 and of 3 held-out validation speakers from
# CORPUS (default $DCSEP_CORPUS, else ../shared/corpus) at relative levels drawn as
# wsj0-2mix draws them, separates each with oracle masks (ideal binary mask, ideal
# ratio mask, Wiener-like mask) and scores them with dc-eval. Under the repository's
# out/: the mixtures in sets/kK-nCOUNT-sSEED/, each mask's separations in
# oracle-MASK/ there and their scores beside it (oracle-MASK.eval.jsonl, a line a
# mixture); the summary is printed and kept in out/oracle/summary.tsv.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=200
seed=2016
while getopts n:s:h o; do
	case $o in
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	h) help_text examples/oracle-eval.sh ;;
	*) echo "usage: $0 [-n count] [-s seed] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=out/oracle
rm -rf "$out"
mkdir -p "$out"
printf 'speakers\tmask\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n' >"$out/summary.tsv"
for k in 2 3; do
	set=out/sets/k$k-n$n-s$seed
	make_set "$set" "$k" "$n" "$seed" "$corpus"
	for m in ibm irm wiener; do
		sep=$set/oracle-$m
		rm -rf "$sep"
		mkdir -p "$sep"
		dc-stft "$set"/mix/*.wav | dc-oracle -m "$m" -l "$set/list.tsv" | dc-mask |
		    dc-istft -e float -o "$sep/%u-s%k.wav"
		score "$set" "$sep" "$m" >>"$out/summary.tsv"
	done
done
table "$out/summary.tsv"
