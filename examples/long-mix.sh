#!/bin/sh
# examples/long-mix.sh [-m MINUTES] [-s SEED] [-S SPEAKERS] [-o DIR] [CORPUS]: a long
# two-speaker recording, a conversation of held-out speakers, for the streaming
# pipeline (dc-stft -B) and its per-segment figures (dc-eval -w).
#
# Draws two speakers from SPEAKERS (default examples/speakers-valid.txt: never
# trained on) with seed SEED (default 1), and lays each one's utterances end to end
# in a random order, again and again, with a pause of 0.3 to 4 s before each, until
# MINUTES minutes (default 10); the two tracks are independent, so the speakers
# talk alone, at once and not at all, as in a meeting. dc-mix then normalises
# both to the same active level and mixes them at a random relative level of 0 to
# 5 dB, as the training mixtures are. Writes DIR (default out/long/mSEED) /mix.wav,
# s1.wav and s2.wav (the sources as mixed) and speakers.txt.
set -eu
cd "$(dirname "$0")/.."
minutes=10
seed=1
spk=examples/speakers-valid.txt
out=
while getopts m:s:S:o: o; do
	case $o in
	m) minutes=$OPTARG ;;
	s) seed=$OPTARG ;;
	S) spk=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-m minutes] [-s seed] [-S speakers] [-o dir] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus=${1:-../shared/corpus}
out=${out:-out/long/m$seed}
PATH="$(pwd)/bin:$PATH"
mkdir -p "$out"
secs=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
# two speakers with 10 or more utterances, drawn by the seed
grep -v '^#' "$spk" | while read -r s; do
	[ "$(ls "$corpus/train/$s" 2>/dev/null | wc -l)" -ge 10 ] && echo "$s"
done | awk -v seed="$seed" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -n |
    cut -f 2 | head -n 2 >"$out/speakers.txt"
[ "$(wc -l <"$out/speakers.txt")" -eq 2 ] || { echo "$0: fewer than 2 speakers with 10 utterances in $spk" >&2; exit 1; }
k=0
while read -r s; do
	k=$((k + 1))
	# the utterances, shuffled anew on each pass, each after a pause, to SECS seconds
	ls "$corpus/train/$s"/*.flac >"$out/files$k"
	awk -v seed="$((seed * 2 + k))" -v secs="$secs" -v list="$out/files$k" '
	BEGIN {
		srand(seed)
		while ((getline f < list) > 0) u[n++] = f
		cmd = "soxi -D"
		for (i = 0; i < n; i++) { (cmd " \"" u[i] "\"") | getline d[i]; close(cmd " \"" u[i] "\"") }
		for (t = 0; t < secs; ) {
			for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); x = u[i]; u[i] = u[j]; u[j] = x; y = d[i]; d[i] = d[j]; d[j] = y }
			for (i = 0; i < n && t < secs; i++) {
				p = 0.3 + 3.7 * rand()
				printf "%s\t%.3f\n", u[i], p
				t += p + d[i]
			}
		}
	}' >"$out/plan$k"
	# each utterance with its pause in front, as 8-kHz float WAV pieces, then one file
	i=0
	: >"$out/pieces$k"
	while IFS="$(printf '\t')" read -r f p; do
		i=$((i + 1))
		sox "$f" -r 8000 -c 1 -e float "$out/p$k-$i.wav" pad "$p" 0
		echo "$out/p$k-$i.wav" >>"$out/pieces$k"
	done <"$out/plan$k"
	# shellcheck disable=SC2046
	sox $(cat "$out/pieces$k") "$out/t$k.wav" trim 0 "$secs"
	rm -f "$out"/p"$k"-*.wav "$out/pieces$k" "$out/files$k"
done <"$out/speakers.txt"
dc-mix -s "$seed" -o "$out/mix.wav" -O "$out/s%k.wav" "$out/t1.wav" "$out/t2.wav" >/dev/null
rm -f "$out/t1.wav" "$out/t2.wav"
echo "$out/mix.wav: $minutes min, speakers $(tr '\n' ' ' <"$out/speakers.txt")"
