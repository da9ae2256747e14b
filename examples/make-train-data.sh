#!/bin/sh
# examples/make-train-data.sh [OUTDIR] [CORPUS]: the training and validation data of the
# shipped model: wsj0-2mix-style mixtures of the training speakers (2 and 3 at a time)
# and of the held-out validation speakers, cached as dcsep streams with oracle labels
# (dc-stft | dc-oracle), ready for dc-train: tr2 and tr3 (stage 1), tr2b and tr3b (a
# second draw, for stage 2), tr2c, tr3c, tr2d, tr3d, tr2e and tr3e (a third, fourth
# and fifth draw, every source's speed and pitch perturbed by 0.9 to 1.1, for the
# later stages), cv2 (validation). Each draw's audio can go once its stream is made.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
[ "${1-}" != -h ] || help_text examples/make-train-data.sh
out=/work/train
[ $# -lt 1 ] || caller_path out "$1"
[ $# -lt 1 ] || shift
corpus_arg "$@"
mkdir -p "$out"
make_set() {	# make_set NAME COUNT SPEAKERS SEED SPEAKERLIST [DC-MIX OPTION ...]
	[ -f "$out/$1.dcs" ] && return 0
	name=$1 count=$2 k=$3 seed=$4 list=$5
	shift 5
	dc-mix "$@" -n "$count" -k "$k" -s "$seed" -S "$list" -o "$out/$name" "$corpus" 2>/dev/null
	set -- "$name"
	tail -n +2 "$out/$1/list.tsv" | cut -f 2 | sed "s|^|$out/$1/|" |
	    xargs dc-stft | dc-oracle -l "$out/$1/list.tsv" >"$out/$1.dcs.tmp"
	mv "$out/$1.dcs.tmp" "$out/$1.dcs"
	echo "$1: $(du -h "$out/$1.dcs" | cut -f 1)"
}
make_set tr2 10000 2 101 examples/speakers-train.txt
make_set tr3 2500 3 102 examples/speakers-train.txt
# a second draw of the same speakers (other pairs, other utterances together) for stage 2
make_set tr2b 10000 2 103 examples/speakers-train.txt
make_set tr3b 2500 3 104 examples/speakers-train.txt
# a third, with speed perturbation, and twice the share of 3-speaker mixtures
make_set tr2c 10000 2 105 examples/speakers-train.txt -p 0.9,1.1
make_set tr3c 5000 3 106 examples/speakers-train.txt -p 0.9,1.1
make_set tr2d 10000 2 107 examples/speakers-train.txt -p 0.9,1.1
make_set tr3d 5000 3 108 examples/speakers-train.txt -p 0.9,1.1
make_set tr2e 10000 2 109 examples/speakers-train.txt -p 0.9,1.1
make_set tr3e 5000 3 110 examples/speakers-train.txt -p 0.9,1.1
make_set cv2 300 2 201 examples/speakers-valid.txt
