#!/bin/sh
# campaign.sh: examples/campaign.sh, the training campaign, on a corpus of the five
# speakers of tests/data/speech and a 4x8 model: two rounds on mixtures drawn on the
# fly, each row of campaign.tsv against the validation SDRi that
# examples/tune-kmeans.sh gives the round's models afresh, the choice by the rule,
# best.dcm the chosen model byte for byte; a round stopped by SIGTERM exits 143 with
# its checkpoint written, and resumes from it (dc-train -r) when started again;
# with -C a round starts from the last round's weights; with -f it is chosen on
# mixtures of its own; usage errors.
. "$ROOT/tests/lib.sh"
speech_corpus corpus
ls corpus >all.txt
C="$ROOT/examples/campaign.sh -d camp -i init.dcm -v 2 -Y all.txt -V all.txt -a 0.01"
check "a 4x8 model to start from" 0 '' dc-train -i -L 4 -H 8 -D 4 -s 3 -o init.dcm

# shellcheck disable=SC2086
check "two rounds of 2 steps on the fly" 0 '*' $C -n 2 -S 2 -t 1 corpus
cp "$T/out" two.out
same "the rounds' log lines" "$(sed -n 's/^campaign: [0-9-]* [0-9:]* //p' two.out | sed 's/ (validation SDRi .*//')" \
"round 1: training on the fly (-I $T/camp/best.dcm -L 4 -T 400 -b 8 -a 0.01 -d 0.1 -g 5 -s 1 -X $T/corpus -Y $T/all.txt -K 2,3 -N 16 -R 0.9,1.1), threads: 1
round 1: $(awk -F '\t' 'NR == 2 { print $10 }' camp/campaign.tsv)
round 2: training on the fly (-I $T/camp/best.dcm -L 4 -T 400 -b 8 -a 0.01 -d 0.1 -g 5 -s 2 -X $T/corpus -Y $T/all.txt -K 2,3 -N 16 -R 0.9,1.1), threads: 1
round 2: $(awk -F '\t' 'NR == 3 { print $10 }' camp/campaign.tsv)"
same "campaign.tsv: its header and two rows" "$(cut -f 1,4 camp/campaign.tsv | tr '\t\n' ' |')" \
    "round steps|1 2|2 2|"
same "campaign.tsv: its header's last columns" "$(head -n 1 camp/campaign.tsv | cut -f 10-)" \
    "chosen	best_2	best_3	was_2	was_3"

# vsdri MODEL [SEED]: "SDRi2 SDRi3" of MODEL by tune-kmeans.sh, as the campaign asks for them
vsdri() {
	"$ROOT/examples/tune-kmeans.sh" -m "$1" -n 2 -s "${2:-7}" -t 1 -b 3 -T 20 -S all.txt -o v corpus >/dev/null &&
	    awk -F '\t' 'NR > 1 { s[$1] = $6 } END { printf "%s %s\n", s[2], s[3] }' v/tune/summary.tsv
}
best=init.dcm
bsdri=$(vsdri init.dcm)
for r in 1 2; do
	row=$(awk -F '\t' -v r=$r '$1 == r' camp/campaign.tsv)
	set -- $row
	same "round $r: its model's validation SDRi" "$6 $7" "$(vsdri camp/round$r-f16.dcm)"
	same "round $r: the mean's validation SDRi" "$8 $9" "$(vsdri camp/round$r-mean.dcm)"
	want=$(echo "$6 $7 $8 $9 $bsdri" | awk '{ r = $1 + $2; m = $3 + $4; b = $5 + $6
	    print (r >= m && r > b) ? "round" : (m > r && m > b) ? "mean" : "best" }')
	same "round $r: the choice among round ($6 $7), mean ($8 $9), best ($bsdri)" "${10}" "$want"
	same "round $r: the best's figures before the choice" "${13} ${14}" "$bsdri"
	case ${10} in
	round) best=camp/round$r-f16.dcm bsdri="$6 $7" ;;
	mean) best=camp/round$r-mean.dcm bsdri="$8 $9" ;;
	esac
	same "round $r: the best's figures in its row" "${11} ${12}" "$bsdri"
done
if cmp -s camp/best.dcm "$best"; then pass "best.dcm is $best"; else fail "best.dcm" "not $best"; fi
same "best.sdri" "$(cat camp/best.sdri)" "$bsdri"

# a round stopped inside its training, then resumed from its checkpoint
# shellcheck disable=SC2086
$C -n 1 -S 100000 -t 1 corpus >stop.out 2>stop.err &
pid=$!
i=0
until grep -q 'an epoch, drawn on the fly' stop.err || [ $i -ge 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 3
kill -TERM $pid
# a dc-train that let the signal pass would hold the campaign: after 120 s
# both are killed (exit 137, not 143)
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $pid 2>/dev/null; then
	pkill -KILL -P $pid
	kill -KILL $pid
fi
wait $pid
same "SIGTERM: the campaign's exit status" "$?" 143
same "SIGTERM: its last line" "$(tail -n 1 stop.out | sed 's/^campaign: [0-9-]* [0-9:]* //')" "stopped"
k=$("$PY" -c '
import msgpack
m = msgpack.unpackb(open("camp/round3.dcm", "rb").read(), raw=False)
print(m["train"]["step"])' 2>&1)
num "SIGTERM: the checkpoint's steps" "$k" ">=" 1
# shellcheck disable=SC2086
check "started again: round 3 resumes" 0 '*' $C -n 1 -S $((k + 2)) -t 1 corpus
same "started again: its log line" "$(sed -n 's/^campaign: [0-9-]* [0-9:]* //p' "$T/out" | head -n 1)" \
    "round 3: training on the fly (-r -X $T/corpus -Y $T/all.txt), threads: 1"
same "started again: the row's steps" "$(awk -F '\t' '$1 == 3 { print $4 }' camp/campaign.tsv)" $((k + 2))
same "started again: the model's trained_steps" \
    "$(dc-dump -M camp/round3-f16.dcm | sed -n 's/^meta trained_steps=//p')" $((k + 2))

same "the rounds' model name" "$(dc-dump -M camp/round1-f16.dcm | sed -n 's/^meta name=//p')" dcsep-4x8

# -C: a round continues from the last round's weights (its fp32 checkpoint), not
# from the best (float16); a rate of 1e-12 leaves them as they were to 9 digits
D="$ROOT/examples/campaign.sh -C -d cont -i init.dcm -v 2 -Y all.txt -V all.txt -n 1 -S 2 -t 1"
# shellcheck disable=SC2086
check "-C: round 1" 0 '*' $D -a 0.01 corpus
# shellcheck disable=SC2086
check "-C: round 2, at a rate of 1e-12" 0 '*' $D -a 1e-12 corpus
same "-C: round 2's log line" "$(sed -n 's/^campaign: [0-9-]* [0-9:]* //p' "$T/out" | head -n 1)" \
"round 2: training on the fly (-I $T/cont/round1.dcm -L 4 -T 400 -b 8 -a 1e-12 -d 0.1 -g 5 -s 2 -X $T/corpus -Y $T/all.txt -K 2,3 -N 16 -R 0.9,1.1), threads: 1"
minmax() { dc-dump -M "$1" | awk '$1 == "tensor" { print $2, $5, $6 }'; }
minmax cont/round1.dcm >r1.mm
minmax cont/best.dcm >best.mm
minmax cont/round2.dcm >r2.mm
num "-C: tensors of round 1's checkpoint" "$(wc -l <r1.mm)" ">=" 20
if cmp -s r1.mm best.mm; then fail "-C: the best's weights" "the same as round 1's checkpoint's"; else pass "-C: the best's weights (float16) differ from round 1's"; fi
same "-C: round 2's weights are round 1's" "$(cat r2.mm)" "$(cat r1.mm)"
mv cont/round2.dcm cont/round2.bak
# shellcheck disable=SC2086
check "-C: the last round's checkpoint missing" 1 \
    "$ROOT/examples/campaign.sh: -C: $T/cont/round2.dcm, the last round's checkpoint, is missing" $D corpus
same "-C: no row for round 3" "$(wc -l <cont/campaign.tsv)" 3

# -f: a round's own validation mixtures (seed 1000 + n), the best scored again on them
check "-f: a round" 0 '*' "$ROOT/examples/campaign.sh" -f -d fr -i init.dcm -v 2 -Y all.txt -V all.txt \
    -a 0.01 -n 1 -S 2 -t 1 corpus
set -- $(awk -F '\t' '$1 == 1' fr/campaign.tsv)
same "-f: the round's model on the seed-1001 mixtures" "$6 $7" "$(vsdri fr/round1-f16.dcm 1001)"
same "-f: the mean on them" "$8 $9" "$(vsdri fr/round1-mean.dcm 1001)"
b=$(vsdri init.dcm 1001)
want=$(echo "$6 $7 $8 $9 $b" | awk '{ r = $1 + $2; m = $3 + $4; b = $5 + $6
    print (r >= m && r > b) ? "round" : (m > r && m > b) ? "mean" : "best" }')
same "-f: the choice among round ($6 $7), mean ($8 $9), best on the same mixtures ($b)" "${10}" "$want"
same "-f: the best's figures on them in the row" "${13} ${14}" "$b"
case $want in round) b="$6 $7" ;; mean) b="$8 $9" ;; esac
same "-f: the kept model's figures in the row and best.sdri" "${11} ${12} $(cat fr/best.sdri)" "$b $b"
same "-f: the round's mixtures deleted, seed 7's kept" "$(ls fr/valid/sets | tr '\n' ' ')" "k2-n2-s7 k3-n2-s7 "

# usage errors
check "-S 0 on the fly" 2 "$ROOT/examples/campaign.sh: -S 0: a round on the fly needs at least 1 step" \
    "$ROOT/examples/campaign.sh" -d camp -S 0
check "an unknown option" 2 '*' "$ROOT/examples/campaign.sh" -z
same "an unknown option: the usage line" "$(tail -n 1 "$T/err")" \
    "usage: $ROOT/examples/campaign.sh [-cCf] [-d dir] [-i model] [-n rounds] [-S steps] [-t threads] [-a rate] [-v count] [-Y train] [-V valid] [corpus]"
check "-S abc" 2 "$ROOT/examples/campaign.sh: -S: steps must be a whole number: abc" \
    "$ROOT/examples/campaign.sh" -d camp -S abc
check "-v 0" 2 "$ROOT/examples/campaign.sh: -v: count must be a whole number above 0: 0" \
    "$ROOT/examples/campaign.sh" -d camp -v 0
check "no corpus" 1 "campaign.sh: $T/nocorpus: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)" \
    "$ROOT/examples/campaign.sh" -d camp2 nocorpus
same "no corpus: nothing made" "$(ls -d camp2 2>/dev/null)" ""
# a DIR of characters that mean something to sed, xargs and the shell
check "-d with a space, '|' and a quote: a round" 0 '*' \
    "$ROOT/examples/campaign.sh" -d "c d|'q" -i init.dcm -v 2 -Y all.txt -V all.txt -n 1 -S 1 corpus
same "-d with a space, '|' and a quote: cv2.dcs holds 6 mixtures" \
    "$(dc-dump "c d|'q/cv2.dcs" | grep -c ' utt ')" 6
same "-d with a space, '|' and a quote: one round" "$(cut -f 1 "c d|'q/campaign.tsv" | tr '\n' ' ')" "round 1 "
