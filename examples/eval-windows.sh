#!/bin/sh
# examples/eval-windows.sh [-m MODEL] [-n COUNT] [-s SEED] [-w "WIN,CTX ..."] [CORPUS]:
# what dc-embed -w costs in separation.
#
# Makes COUNT mixtures (default 20) of 2 held-out speakers with seed SEED (default 7:
# other mixtures than examples/eval-model.sh's seed 2016) and separates them on one
# thread with
#   dc-stft | dc-embed -m MODEL [-w WIN,CTX] | dc-kmeans -k 2 -b 3 | dc-mask | dc-istft
# once on whole utterances and once for each setting of the list (default
# "1,0.5 2,0.5 2,1 4,1 8,2"). Prints one line per setting: the mixtures longer than
# WIN + 2 CTX (the others are run whole, as without -w), SDR, SDRi, SI-SDR and
# SI-SDRi in dB; kept in out/windows/summary.tsv.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
n=20
seed=7
model=models/default.dcm
ws="1,0.5 2,0.5 2,1 4,1 8,2"
while getopts m:n:s:w:h o; do
	case $o in
	m) caller_path model "$OPTARG" ;;
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	w) ws=$OPTARG ;;
	h) help_text examples/eval-windows.sh ;;
	*) echo "usage: $0 [-m model] [-n count] [-s seed] [-w 'win,ctx ...'] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=out/windows
mkdir -p "$out"
set=out/sets/k2-n$n-s$seed
make_set "$set" 2 "$n" "$seed" "$corpus"
printf 'speakers\twindows\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\twindowed\n' >"$out/summary.tsv"
for w in whole $ws; do
	sep=$set/windows-$(echo "$w" | tr , _)
	rm -rf "$sep"
	mkdir -p "$sep"
	opt=
	long=0
	if [ "$w" != whole ]; then
		opt="-w $w"
		# mixtures longer than win + 2 ctx seconds
		long=$(for f in "$set"/mix/*.wav; do soxi -D "$f" 2>/dev/null; done |
		    awk -v w="$w" 'BEGIN { split(w, a, ",") } $1 > a[1] + 2 * a[2] { n++ } END { print n + 0 }')
	fi
	# shellcheck disable=SC2086
	dc-stft "$set"/mix/*.wav | dc-embed -m "$model" -t 1 $opt | dc-kmeans -k 2 -b 3 |
	    dc-mask | dc-istft -e float -o "$sep/%u-s%k.wav"
	printf '%s\t%s\n' "$(score "$set" "$sep" "$w")" "$long" >>"$out/summary.tsv"
done
table "$out/summary.tsv"
