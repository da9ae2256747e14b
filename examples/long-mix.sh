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
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
minutes=10
seed=1
spk=examples/speakers-valid.txt
out=
while getopts m:s:S:o:h o; do
	case $o in
	m) minutes=$OPTARG ;;
	s) seed=$OPTARG ;;
	S) caller_path spk "$OPTARG" ;;
	o) caller_path out "$OPTARG" ;;
	h) help_text examples/long-mix.sh ;;
	*) echo "usage: $0 [-m minutes] [-s seed] [-S speakers] [-o dir] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
out=${out:-out/long/m$seed}
secs=$(awk -v m="$minutes" 'BEGIN { if (m + 0 > 0 && m ~ /^[0-9.]+$/) printf "%d", m * 60; else print 0 }')
[ "$secs" -gt 0 ] || { echo "$0: -m: minutes must be a number above 0: $minutes" >&2; exit 2; }
mkdir -p "$out"
# the pieces are made in a directory of their own, removed however the script ends;
# DIR gets only the finished files
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# two speakers with 10 or more utterances, drawn by the seed (any bytes in the
# speakers' names but a newline, and in the files' names)
grep -v '^#' "$spk" | while IFS= read -r s; do
	set -- "$corpus/train/$s"/*.flac
	[ $# -ge 10 ] && printf '%s\n' "$s"
done | awk -v seed="$seed" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -n |
    cut -f 2- | head -n 2 >"$work/speakers.txt"
[ "$(wc -l <"$work/speakers.txt")" -eq 2 ] || { echo "$0: fewer than 2 speakers with 10 utterances in $spk" >&2; exit 1; }
k=0
while IFS= read -r s; do
	k=$((k + 1))
	# the utterances, "$@", and their lengths, one a line
	set -- "$corpus/train/$s"/*.flac
	for f; do soxi -D "$f"; done >"$work/secs$k"
	# shuffled anew on each pass, each after a pause, to SECS seconds: "index pause"
	awk -v seed="$((seed * 2 + k))" -v secs="$secs" '
	{ u[NR - 1] = NR; d[NR] = $1 }
	END {
		n = NR
		srand(seed)
		for (t = 0; t < secs; ) {
			for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); x = u[i]; u[i] = u[j]; u[j] = x }
			for (i = 0; i < n && t < secs; i++) {
				p = 0.3 + 3.7 * rand()
				printf "%d %.3f\n", u[i], p
				t += p + d[u[i]]
			}
		}
	}' "$work/secs$k" >"$work/plan$k"
	# each utterance with its pause in front, as 8-kHz float WAV pieces, then one
	# file; each utterance's DC offset taken out first, as dc-mix takes out the
	# track's: the pauses stay silent
	i=0
	while read -r u p; do
		i=$((i + 1))
		eval "f=\${$u}"
		dc=$(sox "$f" -n stat 2>&1 | awk '$1 == "Mean" && $2 == "amplitude:" { print -$3 }')
		sox "$f" -r 8000 -c 1 -e float "$work/p$k-$(printf '%06d' "$i").wav" dcshift "${dc:-0}" pad "$p" 0
	done <"$work/plan$k"
	sox "$work/p$k-"*.wav "$work/t$k.wav" trim 0 "$secs"
	rm -f "$work/p$k-"*.wav
done <"$work/speakers.txt"
# -O is a template: a '%' of DIR is written '%%'
dc-mix -s "$seed" -o "$out/mix.wav" -O "$(pattern_dir "$out")/s%k.wav" "$work/t1.wav" "$work/t2.wav" >/dev/null
mv "$work/speakers.txt" "$out/speakers.txt"
echo "$out/mix.wav: $minutes min, speakers $(tr '\n' ' ' <"$out/speakers.txt")"
