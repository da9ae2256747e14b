#!/bin/sh
# examples/plot-stages.sh [OUTDIR]: the pictures of the README: the example mixture at
# each stage of the separation, drawn by dc-plot in the pipeline itself (-p), into
# OUTDIR (default examples/pictures): stft.png, embed.png, labels.png, masks.png,
# masked.png (543 x 129 pixels a panel: one per bin).
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
[ "${1-}" != -h ] || help_text examples/plot-stages.sh
out=examples/pictures
[ $# -eq 0 ] || caller_path out "$1"
mkdir -p "$out"
pat="$(pattern_dir "$out")/%r.png"
P="bin/dc-plot -W 543 -H 129 -p"
bin/dc-stft examples/mix.wav | $P -o "$pat" | bin/dc-embed | bin/dc-kmeans -k 2 -b 3 |
    $P -k embed,labels,masks -o "$pat" | bin/dc-mask | $P -k masked -o "$pat" >/dev/null
ls -l "$out"
