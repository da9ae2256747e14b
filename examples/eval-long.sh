#!/bin/sh
# examples/eval-long.sh [-m MINUTES] [-s SEED] [-B SECONDS] [-w SECONDS] [-n COUNT] [-t THREADS] [CORPUS]:
# the streaming pipeline on a long conversation of two held-out speakers, against
# the same model on short mixtures of the same two speakers.
#
# examples/long-mix.sh makes MINUTES (default 10) minutes of two validation
# speakers (seed SEED, default 1); then, as a user would, one pipeline in blocks of
# SECONDS (default 10):
#   dc-stft -B SECONDS | dc-embed -t THREADS | dc-kmeans -k 2 -b 3 -d | dc-mask | dc-istft
# each stage under GNU time (its peak RSS and CPU seconds); dc-eval scores the whole
# file and its segments of -w SECONDS (default 30), and examples/plot-segments.py
# draws them (out/long/mSEED-MINUTES/segments.png, where everything of the run
# goes). For comparison COUNT (default 40) short mixtures of the same two speakers
# (dc-mix -n, seed SEED) go through the pipeline of the README, whole. Prints the
# stages, the whole file's SDRi and SI-SDRi, the short mixtures' means, and the
# segments where the estimates swap speakers.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
minutes=10
seed=1
block=10
win=30
count=40
threads=1
while getopts m:s:B:w:n:t:h o; do
	case $o in
	m) minutes=$OPTARG ;;
	s) seed=$OPTARG ;;
	B) block=$OPTARG ;;
	w) win=$OPTARG ;;
	n) count=$OPTARG ;;
	t) threads=$OPTARG ;;
	h) help_text examples/eval-long.sh ;;
	*) echo "usage: $0 [-m minutes] [-s seed] [-B seconds] [-w seconds] [-n count] [-t threads] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
corpus_arg "$@"
d=out/long/m$seed-$minutes
examples/long-mix.sh -m "$minutes" -s "$seed" -o "$d" "$corpus"
T() {	# T NAME CMD...: CMD under GNU time, its peak RSS (KB), user and system seconds to $d/NAME.time
	n=$1
	shift
	/usr/bin/time -f '%M %U %S' -o "$d/$n.time" "$@"
}
t0=$(date +%s.%N)
T stft dc-stft -B "$block" "$d/mix.wav" | T embed dc-embed -t "$threads" | T kmeans dc-kmeans -k 2 -b 3 -d |
    T mask dc-mask | T istft dc-istft -o "$d/est-s%k.wav"
t1=$(date +%s.%N)
printf '%s: %s min, blocks of %s s, %s thread(s)\n' "$d/mix.wav" "$minutes" "$block" "$threads"
printf '%-10s %12s %12s\n' stage "peak RSS" "CPU s"
for s in stft embed kmeans mask istft; do
	read -r rss u sy <"$d/$s.time"
	awk -v s="dc-$s" -v r="$rss" -v u="$u" -v y="$sy" 'BEGIN { printf "%-10s %9.1f MB %12.2f\n", s, r / 1024, u + y }'
done
awk -v a="$t0" -v b="$t1" -v m="$minutes" 'BEGIN { printf "wall %.1f s: %.4f x real time\n", b - a, (b - a) / (m * 60) }'
dc-eval -j -w "$win" -m "$d/mix.wav" -r "$d/s1.wav" -r "$d/s2.wav" "$d/est-s1.wav" "$d/est-s2.wav" >"$d/eval.json"
/usr/bin/python3 examples/plot-segments.py -o "$d/segments.png" -m sdri \
    --title "$minutes min of two held-out speakers, blocks of $block s: SDRi per $win s" "$d/eval.json" ||
    echo "$0: no plot (matplotlib?)" >&2
# short mixtures of the same two speakers, whole, as the README separates them
rm -rf "$d/short"
dc-mix -n "$count" -k 2 -s "$seed" -S "$d/speakers.txt" -o "$d/short" "$corpus" >/dev/null 2>&1
mkdir -p "$d/short/est"
dc-stft "$d/short"/mix/*.wav | dc-embed -t "$threads" | dc-kmeans -k 2 -b 3 -d | dc-mask |
    dc-istft -e float -o "$d/short/est/%u-s%k.wav"
score "$d/short" "$d/short/est" 3 >"$d/short.tsv"
/usr/bin/python3 - "$d/eval.json" "$d/short.tsv" "$win" <<'EOF'
import json, sys
m = next(o for o in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if "segments" in o)
f = open(sys.argv[2]).read().split("\t")
print("long file: SDRi %.2f dB, SI-SDRi %.2f dB" % (m["mean"]["sdri"], m["mean"]["si_sdri"]))
print("%s short mixtures of the same speakers: SDRi %s dB, SI-SDRi %s dB" % (f[2], f[4], f[6].strip()))
seg = [s for s in m["segments"] if s.get("perm")]
swaps = [s for s in seg if s["perm"] != m["perm"]]
print("segments of %s s: %d with figures, %d with the estimates swapped%s" % (sys.argv[3], len(seg), len(swaps),
      "".join(" (%.0f s)" % (s["start"] / m["rate"]) for s in swaps[:10])))
EOF
