#!/bin/sh
# examples/split-speakers.sh [-s seed] [corpusdir]: a speaker-disjoint split of the
# training corpus into training and validation speakers, for dc-mix -S.
#
# Writes examples/speakers-train.txt and examples/speakers-valid.txt (one speaker
# a line, sorted by name). corpusdir defaults to $DCSEP_CORPUS, else ../shared/corpus beside the
# repository; its speakers.tsv (columns corpus, speaker, ...) names each speaker's
# sub-corpus, or, without it, the speakers are the directories of corpusdir/train
# and the sub-corpus is the name's leading letters (so, ls, fsdd).
#
# The split: within each sub-corpus, the speakers are ordered by the SHA-256 of
# "seed:speaker" (seed "dcsep" unless -s), and the first round(10%) of them, at
# least one, are held out for validation. For the shared corpus that is 23 of the
# 226 so speakers, 25 of the 251 ls speakers and 1 of the 4 fsdd speakers: 49 in
# all. The same seed and corpus give the same lists on any system with sha256sum.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
seed=dcsep
while getopts s:h c; do
	case $c in
	s) seed=$OPTARG ;;
	h) awk 'NR == 1 || /^#SBATCH/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
	*) echo "usage: split-speakers.sh [-s seed] [corpusdir]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus=${1:-${DCSEP_CORPUS:-$here/../../shared/corpus}}
[ -d "$corpus" ] || {
	echo "split-speakers.sh: $corpus: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/split.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# "subcorpus speaker" lines
if [ -f "$corpus/speakers.tsv" ]; then
	awk -F '\t' 'NR > 1 && $2 != "" { print $1, $2 }' "$corpus/speakers.tsv" >"$tmp/spk"
elif [ -d "$corpus/train" ]; then
	for d in "$corpus"/train/*/; do
		d=${d%/}
		d=${d##*/}
		echo "$d"
	done | sed 's/^\([A-Za-z]*\).*/\1 &/' >"$tmp/spk"
else
	echo "split-speakers.sh: $corpus: no speakers.tsv and no train/ directory" >&2
	exit 1
fi
[ -s "$tmp/spk" ] || { echo "split-speakers.sh: $corpus: no speakers" >&2; exit 1; }

# "subcorpus hash speaker" lines, sorted by subcorpus then hash
while read -r sub spk; do
	h=$(printf '%s:%s' "$seed" "$spk" | sha256sum | cut -c 1-16)
	echo "$sub $h $spk"
done <"$tmp/spk" | sort -k 1,1 -k 2,2 >"$tmp/keyed"

# the first round(n/10), at least 1, of each subcorpus to validation
awk -v valid="$tmp/valid" -v train="$tmp/train" '
	{ sub_[NR] = $1; spk[NR] = $3; n[$1]++ }
	END {
		for (i = 1; i <= NR; i++) {
			s = sub_[i]
			want = int(n[s] / 10 + 0.5)
			if (want < 1)
				want = 1
			if (++seen[s] <= want) {
				print spk[i] > valid
				nv[s]++
			} else
				print spk[i] > train
		}
		for (s in n)
			printf "split-speakers.sh: %s: %d train, %d valid\n", s, n[s] - nv[s], nv[s] | "sort 1>&2"
	}' "$tmp/keyed"
sort "$tmp/train" >"$here/speakers-train.txt"
sort "$tmp/valid" >"$here/speakers-valid.txt"
echo "split-speakers.sh: $(wc -l <"$here/speakers-train.txt") train and $(wc -l <"$here/speakers-valid.txt") validation speakers: $here/speakers-train.txt, $here/speakers-valid.txt" >&2
