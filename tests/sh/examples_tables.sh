#!/bin/sh
# examples_tables.sh: examples/tune-kmeans.sh and examples/eval-levels.sh, on a corpus
# of the five speakers of tests/data/speech: standard output is the table alone (its
# header, a row a setting, as the summary kept aligned), standard error the summary's
# rows as they were measured (progress), nothing else. eval-levels.sh, which writes
# under the repository's out/, runs from a copy of examples/ here.
. "$ROOT/tests/lib.sh"
speech_corpus corpus
ls corpus >all.txt
M=$ROOT/models/default.dcm
# aligned FILE: FILE's tab-separated columns as examples/lib.sh's table prints them
aligned() { (. "$ROOT/examples/lib.sh" && table "$1"); }

check "tune-kmeans.sh -n 2 -b 3 -T '20 30'" 0 '*' "$ROOT/examples/tune-kmeans.sh" -m "$M" -n 2 -t 1 \
    -b 3 -T '20 30' -S all.txt -o tk corpus
same "tune-kmeans.sh: the summary, a row a K and setting" "$(cut -f 1-3 tk/tune/summary.tsv | tr '\t\n' ' |')" \
    "speakers beta dB|2 3 20|2 3 30|3 3 20|3 3 30|"
same "tune-kmeans.sh: stdout the table alone" "$(cat out)" "$(aligned tk/tune/summary.tsv)"
same "tune-kmeans.sh: stderr the rows as measured" "$(cat err)" "$(tail -n +2 tk/tune/summary.tsv)"

mkdir -p r/models
cp -R "$ROOT/examples" r/
cp all.txt r/examples/speakers-valid.txt
check "eval-levels.sh -n 1 -g '-10 0'" 0 '*' r/examples/eval-levels.sh -m "$M" -n 1 -g '-10 0' -t 1 corpus
same "eval-levels.sh: the summary, a row a K, gain and level" \
    "$(cut -f 1-3 r/out/levels/summary.tsv | tr '\t\n' ' |')" \
    "speakers gain,-l mixtures|2 -10,none 1|2 -10,-21 1|2 0,none 1|2 0,-21 1|3 -10,none 1|3 -10,-21 1|3 0,none 1|3 0,-21 1|"
same "eval-levels.sh: stdout the table alone" "$(cat out)" "$(aligned r/out/levels/summary.tsv)"
same "eval-levels.sh: stderr the rows as measured" "$(cat err)" "$(tail -n +2 r/out/levels/summary.tsv)"
