#!/bin/sh
# bench/kmeans.sh (make bench): what counting the speakers (dc-kmeans -k auto) adds to
# dc-kmeans's time. The example mixture's embeddings, 10 times over, clustered with
# -k 2 and with -k auto:2 -c 1e-6 (counted, and always 2: the same k-means work plus
# the count), alternately, 5 times each; the medians and their ratio.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
out=$(mktemp -d "${TMPDIR:-/tmp}/dcsep-kbench.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
"$B/bin/dc-stft" examples/mix.wav | "$B/bin/dc-embed" -m models/default.dcm >"$out/one.dcs" || exit 1
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$out/one.dcs"; done >"$out/emb.dcs"
t() {	# t ARGS...: seconds of one dc-kmeans run
	s=$(date +%s.%N)
	"$B/bin/dc-kmeans" "$@" "$out/emb.dcs" >/dev/null || exit 1
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
}
for i in 1 2 3 4 5; do
	t -k 2 -b 3 >>"$out/fixed"
	t -k auto:2 -c 1e-6 -b 3 >>"$out/auto"
done
med() { sort -n "$1" | sed -n 3p; }
echo
awk -v f="$(med "$out/fixed")" -v a="$(med "$out/auto")" 'BEGIN {
	printf "dc-kmeans, 10 x examples/mix.wav: -k 2 %.3f s, -k auto:2 %.3f s: counting adds %.1f%%\n",
	    f, a, 100 * (a / f - 1) }'
