#!/bin/sh
# examples/oracle-eval.sh [-n COUNT] [-s SEED] [CORPUS]: the oracle figures of the README.
#
# Makes COUNT (default 100) mixtures of 2 and of 3 held-out validation speakers
# (examples/speakers-valid.txt) from CORPUS (default ../shared/corpus) at relative
# levels drawn as wsj0-2mix draws them, separates each with oracle masks (ideal
# binary mask, ideal ratio mask, Wiener-like mask) and scores them with dc-eval.
# Everything goes to out/oracle/; the summary is printed and kept in
# out/oracle/summary.tsv.
set -eu
cd "$(dirname "$0")/.."
n=100
seed=2016
while getopts n:s: o; do
	case $o in
	n) n=$OPTARG ;;
	s) seed=$OPTARG ;;
	*) echo "usage: $0 [-n count] [-s seed] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus=${1:-../shared/corpus}
PATH="$(pwd)/bin:$PATH"
out=out/oracle
rm -rf "$out"
mkdir -p "$out"
printf 'speakers\tmask\tmixtures\tSDR\tSDRi\tSI-SDR\tSI-SDRi\n' >"$out/summary.tsv"

for k in 2 3; do
	set=$out/k$k
	dc-mix -n "$n" -k "$k" -s "$seed" -S examples/speakers-valid.txt -o "$set" "$corpus" 2>/dev/null
	for m in ibm irm wiener; do
		sep=$set/sep-$m
		mkdir -p "$sep"
		dc-stft "$set"/mix/*.wav | dc-oracle -m "$m" -l "$set/list.tsv" | dc-mask |
		    dc-istft -e float -o "$sep/%u-s%k.wav"
		# the evaluation list: id, mixture, references, estimates
		tail -n +2 "$set/list.tsv" | awk -F '\t' -v s="sep-$m" -v k="$k" '{
			ests = ""
			for (i = 1; i <= k; i++)
				ests = ests (i > 1 ? "," : "") s "/" $1 "-s" i ".wav"
			print $1 "\t" $2 "\t" $3 "\t" ests
		}' >"$set/eval-$m.tsv"
		(cd "$set" && dc-eval -j -l "eval-$m.tsv") >"$set/eval-$m.jsonl"
		tail -n 1 "$set/eval-$m.jsonl" | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
print("%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f" % (sys.argv[1], sys.argv[2], s["files"], s["sdr"], s["sdri"], s["si_sdr"], s["si_sdri"]))
' "$k" "$m" >>"$out/summary.tsv"
	done
done
column -t -s "$(printf '\t')" "$out/summary.tsv"
