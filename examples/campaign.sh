#!/bin/sh
# examples/campaign.sh [-cCf] [-d DIR] [-i MODEL] [-n ROUNDS] [-S STEPS] [-t THREADS] [-a RATE]
#                      [-v COUNT] [-Y TRAIN] [-V VALID] [CORPUS]:
# a training campaign that survives interruptions, round after round, in the background:
#
#   nohup examples/campaign.sh -t 1 >/var/tmp/dcsep/campaign.out 2>&1 &
#
# Each round trains STEPS steps (default 1,700) of 8 segments of 400 frames from the
# best model so far (DIR/best.dcm; at the first round, MODEL, default
# models/default.dcm), checkpointing every 5 minutes, on mixtures of 2 or 3 (1:1)
# of the training speakers (the list TRAIN, default examples/speakers-train.txt)
# drawn on the fly (dc-train -X, speed-perturbed by 0.9-1.1, seed n for round n:
# one segment a mixture, none written to the disk). Then it chooses by validation
# SDRi, not loss: the round's model, the mean of its weights with the best's, or
# the best as it was, whichever scores the highest mean of the 2- and 3-speaker
# SDRi on COUNT + COUNT (default 100) seed-7 mixtures of the validation speakers
# (the list VALID, default examples/speakers-valid.txt; examples/tune-kmeans.sh,
# dc-kmeans -b 3 -t 20). The figures of the README are on other mixtures (seed
# 2016, examples/eval-model.sh) and are never used here.
#
# With -f each round draws validation mixtures of its own (seed 1000 + n, deleted
# after the round) and scores the best again on them beside the round's models, so
# that the choice does not favour a best that won on the same mixtures by their luck.
#
# With -C each round continues from the last round's weights (its checkpoint,
# roundN.dcm, with fresh Adam moments), whatever was chosen, so that the rounds add
# up to one long training run; best.dcm is still the best by validation SDRi. The
# model keeps MODEL's units (dc-train -I; the name dcsep-4xH), and a model of fewer
# layers grows to 4.
#
# With -c, as rounds 1-28 of models/README.md were made, each round first draws
# cached streams instead (10,000 mixtures of 2 and 5,000 of 3, seeds 109 + 2n and
# 110 + 2n for round n, as make-train-data.sh draws them; about 14 GB, and most of
# the round's time at 1 thread), deleted after the round; STEPS 0 then trains the
# whole draw (3,426 steps).
#
# Everything lives in DIR (default /var/tmp/dcsep, outside the work tree):
# roundN.dcm (checkpoint), roundN.tsv (dc-train's log), best.dcm (float16),
# best.sdri (its validation SDRi), valid/ (the validation mixtures), cv2.dcs (3 x
# COUNT mixtures of validation speakers for dc-train's validation loss) and
# campaign.tsv, one row a round: round, start, hours, steps, validation loss, then
# SDRi at 2 and 3 speakers of the round's model, the mean, the choice, the model
# kept, and the best before the choice (with -f, on the round's mixtures). Stopped
# (SIGTERM, SIGINT) it lets dc-train write its checkpoint and exits 143; started
# again it resumes the round where it was, in the way (-c or not) the round began.
# ROUNDS (default 1000) bounds the rounds of one invocation; THREADS (default 1) can
# differ from one invocation to the next. RATE is Adam's (default 0.00015; fresh
# moments each round).
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
root=$(pwd)
dir=/var/tmp/dcsep
rounds=1000
threads=1
rate=0.00015
steps=1700
cached=0
cont=0
fresh=0
count=100
train=examples/speakers-train.txt
valid=examples/speakers-valid.txt
init=models/default.dcm
while getopts a:cCd:fi:n:S:t:v:Y:V:h o; do
	case $o in
	a) rate=$OPTARG ;;
	c) cached=1 ;;
	C) cont=1 ;;
	f) fresh=1 ;;
	d) caller_path dir "$OPTARG" ;;
	i) caller_path init "$OPTARG" ;;
	n) rounds=$OPTARG ;;
	S) steps=$OPTARG ;;
	t) threads=$OPTARG ;;
	v) count=$OPTARG ;;
	Y) caller_path train "$OPTARG" ;;
	V) caller_path valid "$OPTARG" ;;
	h) help_text examples/campaign.sh ;;
	*) echo "usage: $0 [-cCf] [-d dir] [-i model] [-n rounds] [-S steps] [-t threads] [-a rate]" \
	    "[-v count] [-Y train] [-V valid] [corpus]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $steps in ''|*[!0-9]*) echo "$0: -S: steps must be a whole number: $steps" >&2; exit 2 ;; esac
case $count in ''|*[!0-9]*|0) echo "$0: -v: count must be a whole number above 0: $count" >&2; exit 2 ;; esac
if [ "$cached" = 0 ] && [ "$steps" -lt 1 ]; then
	echo "$0: -S $steps: a round on the fly needs at least 1 step" >&2
	exit 2
fi
corpus_arg "$@"
PATH="$root/bin:$PATH"
mkdir -p "$dir"
attr="trained on speechocean762 (Zhang et al. 2021; free for commercial and non-commercial use) and LibriSpeech train-clean-100 (Panayotov et al., ICASSP 2015; CC BY 4.0) speakers of examples/speakers-train.txt, via the dcsep corpus (../shared/corpus)"
log() { echo "campaign: $(date -u '+%F %T') $*"; }

draw() {	# draw NAME COUNT SPEAKERS SEED [SPEAKERLIST]: a cached stream with oracle labels
	[ -f "$dir/$1.dcs" ] && return 0
	rm -rf "${dir:?}/$1"
	# dc-mix's notes (speakers skipped) said only if it fails
	if ! dc-mix -p 0.9,1.1 -n "$2" -k "$3" -s "$4" -S "${5:-$train}" -o "$dir/$1" "$corpus" 2>"$dir/$1.log"; then
		cat "$dir/$1.log" >&2
		exit 1
	fi
	rm -f "$dir/$1.log"
	# the mixtures' names are dc-mix's (000001.wav, ...), DIR's whatever they are
	(cd "$dir/$1" && tail -n +2 list.tsv | cut -f 2 | xargs dc-stft) |
	    dc-oracle -l "$dir/$1/list.tsv" >"$dir/$1.dcs.tmp"
	mv "$dir/$1.dcs.tmp" "$dir/$1.dcs"
	rm -rf "${dir:?}/$1"
}

vsdri() {	# vsdri MODEL SEED: "SDRi2 SDRi3" on the validation mixtures of SEED
	# tune-kmeans.sh's table and its progress rows (stderr) are not the log's: its
	# stderr said only if it fails
	if ! examples/tune-kmeans.sh -m "$1" -n "$count" -s "$2" -t "$threads" -b 3 -T 20 -S "$valid" \
	    -o "$dir/valid" "$corpus" >/dev/null 2>"$dir/valid.log"; then
		cat "$dir/valid.log" >&2
		rm -f "$dir/valid.log"
		return 1
	fi
	rm -f "$dir/valid.log"
	awk -F '\t' 'NR > 1 { s[$1] = $6 } END { if (s[2] == "" || s[3] == "") exit 1; printf "%s %s\n", s[2], s[3] }' \
	    "$dir/valid/tune/summary.tsv"
}

pid=
trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" || :; fi; log stopped; exit 143' TERM INT
[ -f "$dir/cv2.dcs" ] || draw cv2 $((3 * count)) 2 201 "$valid"
[ -f "$dir/best.dcm" ] || cp "$init" "$dir/best.dcm"
# every round's model has the best's units (the name dcsep-4xH)
units=$(dc-dump -M "$dir/best.dcm" | sed -n 's/^model L=[0-9]* H=\([0-9]*\) .*/\1/p')
[ -n "$units" ] || { echo "$0: $dir/best.dcm: not a model dc-dump reads" >&2; exit 1; }
# (written whole or not at all: a restart trusts it)
[ -f "$dir/best.sdri" ] || { vsdri "$dir/best.dcm" 7 >"$dir/best.sdri.tmp" && mv "$dir/best.sdri.tmp" "$dir/best.sdri"; }
[ -f "$dir/campaign.tsv" ] || printf 'round\tstart\thours\tsteps\tvalid_loss\tround_2\tround_3\tmean_2\tmean_3\tchosen\tbest_2\tbest_3\twas_2\twas_3\n' >"$dir/campaign.tsv"
# (a campaign.tsv of an earlier version, without the last two columns, gets them)
head -n 1 "$dir/campaign.tsv" | grep -q 'was_3$' || sed -i '1s/$/\twas_2\twas_3/' "$dir/campaign.tsv"
n=$(($(wc -l <"$dir/campaign.tsv")))
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	t0=$(date +%s)     # the hours column counts this invocation's part of the round
	ck=$dir/round$n.dcm
	# a round keeps the way it began: cached draws while they (or -c) are there
	if [ -f "$dir/tr2-r$n.dcs" ] || { [ "$cached" = 1 ] && ! [ -f "$ck" ]; }; then
		log "round $n: drawing"
		draw "tr2-r$n" 10000 2 $((109 + 2 * n))
		draw "tr3-r$n" 5000 3 $((110 + 2 * n))
		set -- "$dir/tr2-r$n.dcs" "$dir/tr3-r$n.dcs"
		what=cached
	else
		rm -rf "${dir:?}/tr2-r$n" "${dir:?}/tr3-r$n"	# a draw cut short
		set -- -X "$corpus" -Y "$train"
		what="on the fly"
	fi
	if [ -f "$ck" ]; then
		set -- -r "$@"
	else
		[ "$what" = cached ] || set -- "$@" -K 2,3 -N $((steps * 8)) -R 0.9,1.1
		from=$dir/best.dcm
		if [ "$cont" = 1 ] && [ "$n" -gt 1 ]; then
			from=$dir/round$((n - 1)).dcm
			[ -f "$from" ] || { echo "$0: -C: $from, the last round's checkpoint, is missing" >&2; exit 1; }
		fi
		set -- -I "$from" -L 4 -T 400 -b 8 -a "$rate" -d 0.1 -g 5 -s "$n" "$@"
	fi
	log "round $n: training $what ($*), threads: $threads"
	env -u OPENBLAS_CORETYPE dc-train -e 1 -S "$steps" -c 5 -t "$threads" -V "$dir/cv2.dcs" \
	    -l "$dir/round$n.tsv" -n "dcsep-4x$units" -m "attribution=$attr" -o "$ck" "$@" &
	pid=$!
	wait "$pid"
	pid=
	dc-train -x "$ck" -w f16 -o "$dir/round$n-f16.dcm"
	dc-train -x "$ck" -w f16 -o "$dir/round$n-mean.dcm" "$dir/best.dcm"
	vs=7
	[ "$fresh" = 0 ] || vs=$((1000 + n))
	r=$(vsdri "$dir/round$n-f16.dcm" "$vs")	# (an assignment: set -e ends the script if it fails)
	m=$(vsdri "$dir/round$n-mean.dcm" "$vs")
	if [ "$fresh" = 1 ]; then
		b=$(vsdri "$dir/best.dcm" "$vs")
		rm -rf "$dir/valid/sets/k2-n$count-s$vs" "$dir/valid/sets/k3-n$count-s$vs"
	else
		b=$(cat "$dir/best.sdri")
	fi
	# shellcheck disable=SC2086
	set -- $r $m $b
	chosen=$(echo "$@" | awk '{ r = $1 + $2; m = $3 + $4; b = $5 + $6
	    print (r >= m && r > b) ? "round" : (m > r && m > b) ? "mean" : "best" }')
	case $chosen in
	round) cp "$dir/round$n-f16.dcm" "$dir/best.dcm.tmp"; echo "$1 $2" >"$dir/best.sdri.tmp" ;;
	mean) cp "$dir/round$n-mean.dcm" "$dir/best.dcm.tmp"; echo "$3 $4" >"$dir/best.sdri.tmp" ;;
	*) echo "$5 $6" >"$dir/best.sdri.tmp" ;;	# (with -f, the best's figures afresh)
	esac
	[ "$chosen" = best ] || mv "$dir/best.dcm.tmp" "$dir/best.dcm"
	mv "$dir/best.sdri.tmp" "$dir/best.sdri"
	nsteps=$(dc-dump -M "$dir/round$n-f16.dcm" | sed -n 's/^meta trained_steps=//p')
	# the validation loss of the round's last epoch; none when -S ended it inside one
	loss=$(awk -F '\t' 'NR > 1 { v = $4 } END { print v }' "$dir/round$n.tsv" 2>/dev/null)
	hours=$(awk -v a="$t0" -v b="$(date +%s)" 'BEGIN { printf "%.2f", (b - a) / 3600 }')
	printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$(date -u -d "@$t0" '+%FT%TZ')" \
	    "$hours" "${nsteps:-?}" "${loss:-?}" "$1" "$2" "$3" "$4" "$chosen" "$(cat "$dir/best.sdri")" "$5" "$6" |
	    tr ' ' '\t' >>"$dir/campaign.tsv"
	log "round $n: $chosen (validation SDRi $(cat "$dir/best.sdri"))"
	rm -f "$dir/tr2-r$n.dcs" "$dir/tr3-r$n.dcs"
	n=$((n + 1))
done
