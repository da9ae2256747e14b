#!/bin/sh
# train_otf.sh: dc-train -X, mixtures drawn on the fly from a corpus of speaker
# directories: the features of a drawn utterance against numpy's STFT; a tiny
# model's losses fall; a seed gives the same model bit for bit, and -S then -r
# (inside an epoch) gives the model of an uninterrupted run; a mask-inference head
# trains on the fly; the checkpoint states the mixing; errors with their exact
# messages and exit status.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats:$ROOT/tests/sh"
S=$DATA/speech

# the corpus: the five speakers of tests/data/speech, one utterance each
speech_corpus corpus
mkdir -p two/so0036 two/so0048
cp "$S"/so0036_*.flac two/so0036/
cp "$S"/so0048_*.flac two/so0048/
# a validation stream, as train.sh makes one
dc-mix -s 4 -o v.wav -O 'v_%k.wav' "$S/so0048_000480014.flac" "$S/so0054_000540031.flac" >/dev/null 2>&1 &&
dc-stft v.wav | dc-oracle v_1.wav v_2.wav >v.dcs 2>/dev/null || fail "validation stream" "dc-mix, dc-stft or dc-oracle failed"

# the statistics of a new model are those of its first mixtures: with one speaker
# and one mixture of whole-utterance length, they are those of numpy's STFT of one
# of the utterances times one factor (its level normalisation, fitted here)
check "-K 1 -N 1 -e 0: a model of one drawn utterance" 0 '' \
    dc-train -q -L 1 -H 4 -D 3 -T 1000 -b 1 -K 1 -N 1 -e 0 -X corpus -o one.dcm
"$PY" - "$S" <<'EOF'
import glob, sys, msgpack, numpy as np, soundfile as sf
from oracle_lib import check, stft
m = msgpack.unpackb(open("one.dcm", "rb").read(), raw=False)
mean, std = np.frombuffer(m["feat_mean"], "<f4"), np.frombuffer(m["feat_std"], "<f4")
feat = lambda x: np.log(np.abs(stft(x.astype(np.float64))) + 1e-8)
best = None
for p in sorted(glob.glob(sys.argv[1] + "/*.flac")):
    x, fs = sf.read(p, dtype="float32")
    x = x - np.float32(x.astype(np.float64).mean())    # as dc-mix takes it
    fac = np.exp(-np.median(feat(x).mean(0) - mean))
    f = feat((x * np.float32(fac)).astype(np.float32))
    e = (np.abs(f.std(0) - std).max(), np.abs(f.mean(0) - mean).max())
    best = e if best is None or sum(e) < sum(best) else best
check("-X: feature statistics of a drawn utterance as numpy's (max diff: std %.2g, mean %.2g)" % best,
      best[0] < 5e-3 and best[1] < 2e-2, str(best))
EOF

# a tiny model trained on the fly
A="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -X corpus -K 2,3 -N 22 -R 0.9,1.1"
check "-X: 8 epochs" 0 '*' dc-train $A -e 8 -l log.tsv -V v.dcs -o m.dcm
"$PY" - "$T/err" <<'EOF'
import re, sys, msgpack, numpy as np
from oracle_lib import check
err = open(sys.argv[1]).read().splitlines()
check("-X: a summary line, then one line per epoch", len(err) == 9 and
      err[0] == "dc-train: 22 mixtures of 2 or 3 speakers an epoch, drawn on the fly from 5 speakers, "
                "segments of 50 frames, 6 batches of 4; speeds 0.9 to 1.1; model 1x16, D = 8, 52872 "
                "parameters; up to 3 sources a mixture; f32 products" and
      all(re.match(r"dc-train: epoch %d step %d train loss [0-9.]+ valid loss [0-9.]+ [0-9.]+ s \d+ frames/s$"
                   % (e + 1, 6 * (e + 1)), l) for e, l in enumerate(err[1:])), "\n".join(err))
rows = [l.split("\t") for l in open("log.tsv").read().splitlines()][1:]
tl, vl = [float(r[2]) for r in rows], [float(r[3]) for r in rows]
check("-X: training loss falls: %.4f -> %.4f" % (tl[0], tl[-1]), tl[-1] < 0.8 * tl[0], str(tl))
check("-X: validation loss falls: %.4f -> %.4f" % (vl[0], vl[-1]), vl[-1] < vl[0], str(vl))
m = msgpack.unpackb(open("m.dcm", "rb").read(), raw=False)
st = msgpack.unpackb(m["train"]["state"], raw=False)
check("-X: the checkpoint states the mixing", (st["mix_k"], st["mix_perturb"], st["mix_plo"], st["mix_phi"],
      st["segments"], st["epoch"], st["batch"]) == (12, 1, 0.9, 1.1, 22, 8, 0), str(st))
check("-X: meta data", m["meta"]["data"] == "mixtures drawn on the fly from corpus", str(m["meta"]))
EOF

check "-X: the same run again" 0 '' dc-train -q $A -e 8 -V v.dcs -o again.dcm
check "-X: another seed" 0 '' dc-train -q $A -s 2 -e 8 -o seed2.dcm
check "-X: stop inside epoch 2 (-S 9)" 0 'dc-train: stopped after step 9 (-S); -r resumes' \
    dc-train -q $A -e 8 -S 9 -o s.dcm
check "-X: resume, stop inside epoch 5 (-S 27)" 0 '*' dc-train -q -r -X corpus -e 8 -S 27 -o s.dcm
check "-X: resume to the end" 0 '' dc-train -q -r -X corpus -e 8 -o s.dcm
check "-X -t 2" 0 '' dc-train -q -t 2 $A -e 2 -o t2a.dcm
check "-X -t 2 again" 0 '' dc-train -q -t 2 $A -e 2 -o t2b.dcm
check "-X: 4 epochs" 0 '' dc-train -q $A -e 4 -o r.dcm
check "-X: resume to 8 epochs" 0 '' dc-train -q -r -X corpus -e 8 -o r.dcm
"$PY" - <<'EOF'
import msgpack
from oracle_lib import check
def ld(p):
    m = msgpack.unpackb(open(p, "rb").read(), raw=False)
    return (m["params"], m["feat_mean"], m["feat_std"], m["train"]["adam_m"], m["train"]["adam_v"],
            m["train"]["step"])
a = ld("m.dcm")
check("-X: a seed gives the same model, bit for bit", ld("again.dcm") == a)
check("-X: another seed another model", ld("seed2.dcm")[0] != a[0])
check("-X: stopped twice inside epochs and resumed: the same model", ld("s.dcm") == a)
check("-X: resumed after epoch 4: the same model", ld("r.dcm") == a)
check("-X -t 2: deterministic", ld("t2a.dcm") == ld("t2b.dcm"))
EOF

# a mask-inference head on the fly: targets for up to 3 sources
check "-X -M 3: a head trains" 0 '*' dc-train -L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -M 3 -A 0.5 -X corpus \
    -K 2,3 -N 16 -e 3 -o mi.dcm
"$PY" - "$T/err" <<'EOF'
import re, sys
from oracle_lib import check
err = open(sys.argv[1]).read().splitlines()
parts = [re.search(r"\(dc ([0-9.]+), mi ([0-9.]+);", l) for l in err[1:]]
check("-X -M 3: both losses on every epoch line, finite", len(err) == 4 and all(parts), "\n".join(err))
EOF

# errors
dc-train -q -i -L 1 -H 4 -D 3 -o init.dcm
mkdir -p bad/so0036 bad/quiet
cp "$S"/so0036_*.flac bad/so0036/
"$PY" -c 'import numpy, soundfile; soundfile.write("bad/quiet/silent.wav", numpy.zeros(16000), 8000)'
check "-X: no corpus" 1 'dc-train: nosuch: No such file or directory' dc-train -X nosuch -o e.dcm
check "-X: fewer speakers than -K" 1 'dc-train: -K 3: only 2 speakers with an utterance of at least 1 s' \
    dc-train -X two -K 2,3 -o e.dcm
check "-X: a silent utterance (drawn on the helper thread)" 1 \
    'dc-train: bad/quiet/silent.wav: no active speech (the signal is silent)' \
    dc-train -q -I init.dcm -X bad -N 4 -b 2 -o e.dcm
check "-X: a silent utterance (the statistics' mixtures)" 1 \
    'dc-train: bad/quiet/silent.wav: no active speech (the signal is silent)' dc-train -q -X bad -o e.dcm
printf '# two of them\nso0036\n\n  so0048  \n' >spk2.txt
printf 'so0036\nso0048\0/../x\n' >spknul.txt
check "-Y: a NUL byte in a name" 1 'dc-train: spknul.txt: not a text file' \
    dc-train -X corpus -Y spknul.txt -o e.dcm
check "-Y: two speakers listed, -K 3" 1 'dc-train: -K 3: only 2 speakers with an utterance of at least 1 s' \
    dc-train -X corpus -Y spk2.txt -K 3 -o e.dcm
check "-Y: the two speakers listed" 0 '*' dc-train -L 1 -H 4 -D 3 -T 20 -X corpus -Y spk2.txt -N 4 -e 1 -o y.dcm
case $(head -n 1 "$T/err") in
*"drawn on the fly from 2 speakers"*) pass "-Y: mixtures of the listed speakers" ;;
*) fail "-Y: mixtures of the listed speakers" "$(head -n 1 "$T/err")" ;;
esac
printf 'so0036\na/b\n' >spkbad.txt
check "-Y: a line that is no speaker name" 1 'dc-train: spkbad.txt:2: not a speaker name: a/b' \
    dc-train -X corpus -Y spkbad.txt -o e.dcm
check "-Y: no such file" 1 'dc-train: nosuch.txt: No such file or directory' \
    dc-train -X corpus -Y nosuch.txt -o e.dcm
check "-X with streams" 2 'dc-train: -X: no training streams with it (the mixtures are drawn from corpusdir)' \
    dc-train -X corpus -o e.dcm v.dcs
check "-K without -X" 2 'dc-train: -K: only with -X' dc-train -K 2 -o e.dcm v.dcs
check "-R without -X" 2 'dc-train: -R: only with -X' dc-train -R 0.9,1.1 -o e.dcm v.dcs
check "-Y without -X" 2 'dc-train: -Y: only with -X' dc-train -Y spk.txt -o e.dcm v.dcs
check "-K twice the same" 2 'dc-train: -K: speakers must be distinct integers from 1 to 8, comma-separated: 2,2' \
    dc-train -X corpus -K 2,2 -o e.dcm
check "-K 9" 2 'dc-train: -K: speakers must be distinct integers from 1 to 8, comma-separated: 9' \
    dc-train -X corpus -K 9 -o e.dcm
check "-K 2," 2 'dc-train: -K: speakers must be distinct integers from 1 to 8, comma-separated: 2,' \
    dc-train -X corpus -K 2, -o e.dcm
check "-N 0" 2 'dc-train: -N: count must be an integer from 1 to 100000000: 0' dc-train -X corpus -N 0 -o e.dcm
check "-R 0.9" 2 'dc-train: -R: range must be lo,hi, 0.5 <= lo <= hi <= 2: 0.9' dc-train -X corpus -R 0.9 -o e.dcm
check "-X -i" 2 'dc-train: -i: no training data is read' dc-train -i -X corpus -o e.dcm
check "-r with -N" 2 'dc-train: -r: the checkpoint fixes -K, -N and -R; leave them out' \
    dc-train -r -X corpus -N 5 -o s.dcm
check "-r without -X on a checkpoint made on the fly" 1 \
    'dc-train: s.dcm: the checkpoint was trained on mixtures made on the fly: give -X corpusdir; -r resumes with it' \
    dc-train -r -o s.dcm v.dcs
cp -r corpus other && mkdir other/x && cp "$S"/so0036_*.flac other/x/
check "-r with another corpus" 1 'dc-train: s.dcm: the checkpoint was trained on other data' \
    dc-train -r -X other -o s.dcm
check "-X -M 2 -K 2,3" 2 'dc-train: -K 3: the mask-inference head has 2 sources' \
    dc-train -X corpus -M 2 -K 2,3 -o e.dcm
if [ -e e.dcm ]; then fail "errors leave no model" "e.dcm exists"; else pass "errors leave no model"; fi
