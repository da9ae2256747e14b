#!/bin/sh
# batch_hosts.sh: examples/separate-batch.sh over GNU parallel's host list with this
# host alone (-S :, 2 jobs) on 10 mixtures gives, file for file, the bytes of the
# plain loop a user without it runs (one pipeline per file), and its summary line.
# (tests/sh/batch.sh covers retries, failures, names and the Slurm example.)
. "$ROOT/tests/lib.sh"
SP="$DATA/speech"
set -- "$SP"/*.flac
n=0
for a in "$@"; do
	for b in "$@"; do
		[ "$a" \< "$b" ] || continue
		n=$((n + 1))
		dc-mix -s $n -o "m$n.wav" "$a" "$b" 2>/dev/null || fail "dc-mix $n" "failed"
		echo "m$n.wav" >>list.txt
	done
done
same "10 mixtures of the 5 speakers two by two" "$(wc -l <list.txt)" 10

mkdir plain
while read -r f; do
	mkdir "plain/${f%.wav}"
	dc-stft "$f" | dc-embed -t 1 | dc-kmeans -k auto -b 3 | dc-mask | dc-istft -o "plain/${f%.wav}/s%k.wav" ||
	    fail "plain pipeline: $f" "failed"
done <list.txt

check "-S : -j 2, 10 recordings" 0 '' "$ROOT/examples/separate-batch.sh" -S : -j 2 -o sep list.txt
same "-S :: the summary" "$(cat out)" "separate-batch.sh: 10 of 10 recordings separated into sep"
k=0 d=0
for f in plain/*/*.wav; do
	if cmp -s "$f" "sep/${f#plain/}"; then k=$((k + 1)); else d=$((d + 1)); fi
done
num "the plain loop wrote 2 or more files a mixture" "$(find plain -name '*.wav' | wc -l)" ">=" 20
same "every output as the plain loop's, byte for byte" "$k $d $(find sep -name 's*.wav' | wc -l)" \
    "$(find plain -name '*.wav' | wc -l) 0 $(find plain -name '*.wav' | wc -l)"
same "10 rows in parallel's job log, every one exit 0" \
    "$(awk -F '\t' 'NR > 1 && $7 == 0' sep/joblog.tsv | wc -l)" 10
