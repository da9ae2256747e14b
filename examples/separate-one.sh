#!/bin/sh
# examples/separate-one.sh FILE OUTDIR [K [BETA [MODEL]]]: separates one recording into
# OUTDIR/s1.wav, OUTDIR/s2.wav, ... with the dcsep pipeline, as the batch recipes run
# it on each host (examples/separate-batch.sh, examples/slurm-separate.sh):
#   dc-stft FILE | dc-embed [-m MODEL] | dc-kmeans -k K -b BETA | dc-mask | dc-istft
# K defaults to auto (counted per recording), BETA to 3 (soft masks; 0: binary), MODEL
# to dc-embed's default. The files are written under a temporary directory beside
# OUTDIR and moved into place when the whole set is there, so OUTDIR is complete or
# absent (an earlier OUTDIR is replaced). Exit status 0, or 1 with the failing
# stage's message on standard error. One thread a job: run jobs side by side.
set -u
[ $# -ge 2 ] && [ $# -le 5 ] || { echo "usage: separate-one.sh file outdir [K [beta [model]]]" >&2; exit 2; }
file=$1 out=$2 k=${3:-auto} beta=${4:-3} model=${5:-}
tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp" || exit 1
bopt=
[ "$beta" = 0 ] || bopt="-b $beta"
# a pipeline's status is its last stage's: each stage's failure ends the stream,
# and dc-istft then fails on it, so the status file tells which stage failed first
st="$tmp/.status"
{ dc-stft "$file" || echo "dc-stft" >>"$st"; } |
    { dc-embed -t 1 ${model:+-m "$model"} || echo "dc-embed" >>"$st"; } |
    { dc-kmeans -k "$k" $bopt || echo "dc-kmeans" >>"$st"; } |
    { dc-mask || echo "dc-mask" >>"$st"; } |
    { dc-istft -o "$tmp/s%k.wav" || echo "dc-istft" >>"$st"; }
if [ -s "$st" ] || ! ls "$tmp"/s1.wav >/dev/null 2>&1; then
	exit 1
fi
rm -f "$st"
rm -rf "$out" && mv "$tmp" "$out"
