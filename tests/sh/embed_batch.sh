#!/bin/sh
# embed_batch.sh: dc-embed -b, utterances through the network as one batch: the same
# bytes as one utterance at a time, whatever the batch's size, lengths, thread count
# and precision, with -w, with the element limit cutting batches, with an utterance
# of no frames among them, and when the stream fails part way (the utterances read
# before the fault still go out, as without -b); its errors with their exact text.
# The same bytes where the CPU has AVX-512; on AVX2 alone, within 1e-5 (same_net).
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats"
S=$DATA/speech

# utterances of five lengths, and two of the same length
dc-stft "$S/so0048_000480014.flac" "$S/ls1034_1034-121119-0000.flac" "$S/so0036_000360332.flac" \
    "$S/so0053_000530115.flac" "$S/so0054_000540031.flac" >a.dcs &&
    dc-stft -i twin "$S/so0053_000530115.flac" >b.dcs &&
    cat a.dcs b.dcs b.dcs >in.dcs || fail "dc-stft" "exit $?"
# H = 21: an odd K and a last panel of 4 of the 84 gate columns
check "a random model" 0 '' dc-train -i -L 2 -H 21 -D 4 -s 5 -o m.dcm
check_in "-b 1" 0 '' in.dcs dc-embed -m m.dcm -b 1
cp out e1.dcs
check_in "no -b" 0 '' in.dcs dc-embed -m m.dcm
same_out "-b 1 is the default" e1.dcs
for b in 2 3 7 64; do
	check_in "-b $b" 0 '' in.dcs dc-embed -m m.dcm -b $b
	same_net "-b $b: the bytes of one utterance at a time" e1.dcs
done
check_in "-b 4 -t 2" 0 '' in.dcs dc-embed -m m.dcm -b 4 -t 2
same_net "-b 4 -t 2: the same bytes" e1.dcs
for p in bf16 mixed; do
	DCSEP_BF16_FAST=1 check_in "-P $p" 0 '*' in.dcs dc-embed -m m.dcm -P $p
	cp out p1.dcs
	DCSEP_BF16_FAST=1 check_in "-P $p -b 5" 0 '*' in.dcs dc-embed -m m.dcm -P $p -b 5
	same_net "-P $p -b 5: the bytes of -P $p alone" p1.dcs
done
# the element limit: the longest utterance (997 frames x 129 bins x 4 = 514,452)
# fits, it and any other do not, three of about 400 frames do, four do not
DC_MAX_ELEMS=800000 check_in "-b 7 under DC_MAX_ELEMS" 0 '' in.dcs dc-embed -m m.dcm -b 7
same_net "-b 7 in batches the limit allows: the same bytes" e1.dcs
# -w: an utterance longer than its window and context goes through alone, in windows
check_in "-w 2,0.5" 0 '' in.dcs dc-embed -m m.dcm -w 2,0.5
cp out w1.dcs
check_in "-w 2,0.5 -b 4" 0 '' in.dcs dc-embed -m m.dcm -w 2,0.5 -b 4
same_net "-w 2,0.5 -b 4: the bytes of -w alone" w1.dcs

# an utterance of no frames between two others
"$PY" - <<'EOF' || fail "zero-frame stream" "python failed"
import numpy as np, dcstream as D
with open("z.dcs", "wb") as f:
    f.write(D.pack_header(["test"]))
    f.write(D.pack_record("utt", id="empty", samples=0, rate=8000))
    f.write(D.pack_record("stft", np.zeros((0, 129), np.complex64), rate=8000, nfft=256,
                          hop=64, samples=0, window="sqrt-hann"))
EOF
cat a.dcs z.dcs b.dcs >z3.dcs
check_in "an utterance of no frames, -b 1" 0 '' z3.dcs dc-embed -m m.dcm
cp out z1.dcs
check_in "an utterance of no frames, -b 8" 0 '' z3.dcs dc-embed -m m.dcm -b 8
same_net "-b 8 around an utterance of no frames: the same bytes" z1.dcs

# a long utterance among many short ones: the batch runs before its padding would
# pass its frames twice over, and the network's buffers grow by frames, not by the
# longest utterance times the largest batch: the peak of -b 64 stays within three
# times that of -b 1 (a batch may be half padding; before, 359 MB against 18 here,
# 600 against 80 with the shipped model)
sox "$S/ls1034_1034-121119-0000.flac" "$S/so0036_000360332.flac" "$S/so0053_000530115.flac" \
    "$S/ls1034_1034-121119-0000.flac" "$S/so0054_000540031.flac" -r 8000 long.wav &&
    sox "$S/so0048_000480014.flac" -r 8000 short.wav trim 0 0.05 || fail "long and short audio" "sox failed"
{ dc-stft -B 0 long.wav; i=0; while [ $i -lt 64 ]; do dc-stft -i s$i short.wav; i=$((i + 1)); done; } >ls.dcs
/usr/bin/time -f %M -o rss1 dc-embed -m m.dcm <ls.dcs >ls1.dcs
/usr/bin/time -f %M -o rss64 dc-embed -m m.dcm -b 64 <ls.dcs >out
same_net "-b 64, a long utterance and 64 short ones: the same bytes" ls1.dcs
num "-b 64, a long utterance and 64 short ones: peak RSS (KB) within 3x -b 1's ($(tail -n 1 rss1))" \
    "$(tail -n 1 rss64)" "<=" "$((3 * $(tail -n 1 rss1)))"

# faults part way: the fourth utterance's STFT is not the model's; the stream cut
# inside the fourth. The utterances before go out, as one at a time, then the error.
dc-stft -n 512 -s 128 -i wide "$S/so0053_000530115.flac" >w.dcs
dc-stft "$S/so0048_000480014.flac" "$S/ls1034_1034-121119-0000.flac" "$S/so0036_000360332.flac" >three.dcs
cat three.dcs w.dcs b.dcs >bad.dcs
msg="dc-embed: wide: stft record: rate 8000, nfft 512, hop 128, sqrt-hann window; the model reads rate 8000, nfft 256, hop 64, sqrt-hann window"
check_in "a wrong STFT, -b 1" 1 "$msg" bad.dcs dc-embed -m m.dcm
cp out f1.dcs
check_in "a wrong STFT, -b 8" 1 "$msg" bad.dcs dc-embed -m m.dcm -b 8
same_net "-b 8, a wrong STFT: the three before it out, as with -b 1" f1.dcs
n=$(($(wc -c <three.dcs) + $(wc -c <b.dcs) / 2))
head -c $n in.dcs >cut.dcs
check_in "a cut stream, -b 1" 1 '*' cut.dcs dc-embed -m m.dcm
cp out c1.dcs
cp err c1.err
check_in "a cut stream, -b 8" 1 "$(cat c1.err)" cut.dcs dc-embed -m m.dcm -b 8
same_net "-b 8, a cut stream: the utterances before out, as with -b 1" c1.dcs
case $(cat c1.err) in
"dc-embed: stdin: stream truncated inside a record"*) pass "a cut stream: truncated" ;;
*) fail "a cut stream" "$(cat c1.err)" ;;
esac

for b in 0 65 x 3x; do
	check "-b $b" 2 "dc-embed: -b: utterances must be an integer from 1 to 64: $b" dc-embed -m m.dcm -b $b
done

# the shipped model, in mixed precision as users run it: the same bytes
if [ -r "$ROOT/models/default.dcm" ]; then
	D="$ROOT/models/default.dcm"
	DCSEP_BF16_FAST=1 check_in "default model, -P mixed" 0 '*' three.dcs dc-embed -m "$D" -P mixed
	cp out d1.dcs
	DCSEP_BF16_FAST=1 check_in "default model, -P mixed -b 3" 0 '*' three.dcs dc-embed -m "$D" -P mixed -b 3
	same_net "default model -b 3: the same bytes" d1.dcs
else
	skip "default model" "models/default.dcm is not here"
fi
