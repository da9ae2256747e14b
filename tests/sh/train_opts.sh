#!/bin/sh
# train_opts.sh: dc-train's segments (-u), curriculum (-I), dropout (-d) and
# progress lines (-p), on tiny mixtures of real speech with oracle labels: the
# segment counts are those dc-train(1) gives for each -u; -I starts from another
# model's weights and feature statistics with a fresh optimiser; dropout is
# deterministic and resumes bit for bit; a checkpoint written before -u and -d
# existed resumes as then (whole segments only, no dropout); progress lines when
# stderr is a file; errors with their exact messages and exit status.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats:$ROOT/tests/sh"
S=$DATA/speech

i=1
for pair in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332" "so0048_000480014 so0054_000540031"; do
	set -- $pair
	dc-mix -s $i -o mix$i.wav -O "s${i}_%k.wav" "$S/$1.flac" "$S/$2.flac" >/dev/null 2>&1 &&
	dc-stft mix$i.wav | dc-oracle s${i}_1.wav s${i}_2.wav >u$i.dcs 2>/dev/null ||
	    fail "make mixture $i" "dc-mix, dc-stft or dc-oracle failed"
	i=$((i + 1))
done
cat u1.dcs u2.dcs u3.dcs >train.dcs
# the utterances' frames, from dc-dump's stft lines ("3 stft mix1 253x129 ...")
lens=$(dc-dump train.dcs | awk '$2 == "stft" { split($4, s, "x"); printf "%s%s", n++ ? "," : "", s[1] }')
echo "# utterances of $lens frames"

# -u: the segment counts of dc-train(1), for segment lengths around the utterances'
for sl in 50 100 253 300 389 390 400; do
	for u in drop end pad; do
		dc-train -e 0 -u $u -T $sl -b 4 -L 1 -H 4 -D 2 -o seg.dcm train.dcs 2>err.txt
		echo "$?" >rc.txt
		"$PY" - "$lens" "$sl" "$u" <<'EOF'
import re, sys
lens = [int(x) for x in sys.argv[1].split(",")]
T, u = int(sys.argv[2]), sys.argv[3]
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
# dc-train(1): consecutive whole segments from frame 0; -u end and pad add one that
# ends at the utterance's end if frames are left over; -u pad one padded segment of
# each utterance shorter than T
n = sum(l // T + (u != "drop" and l > T and l % T != 0) + (u == "pad" and 0 < l < T) for l in lens)
padded = sum(u == "pad" and 0 < l < T for l in lens)
err = open("err.txt").read().splitlines()
rc = int(open("rc.txt").read())
name = "-u %s -T %d: %d segments%s" % (u, T, n, " (%d padded)" % padded if padded else "")
if n == 0:
    check(name + ": the error", rc == 1 and err == ["dc-train: no utterance has %d frames or more (-T)" % T],
          "exit %d, %s" % (rc, err))
else:
    m = re.search(r", (\d+) segments of (\d+) frames( \((\d+) padded\))?, (\d+) batches of 4;", err[0] if err else "")
    got = (int(m.group(1)), int(m.group(2)), int(m.group(4) or 0), int(m.group(5))) if m else None
    check(name, rc == 0 and got == (n, T, padded, (n + 3) // 4), "exit %d, %s" % (rc, err))
EOF
	done
done
check "-u with a bad mode" 2 "dc-train: -u: tails must be drop, end or pad: all" dc-train -u all -o x.dcm train.dcs
check "unknown option, by its path: the tool's name, then the usage" 2 '*' sh -c '"$(command -v dc-train)" -j -o x.dcm 2>err; [ "$(head -1 err)" = "dc-train: invalid option -- '"'j'"'" ] && sed -n 2p err | grep -q "^usage: dc-train " && exit 2'
check "an option's argument missing" 2 '*' sh -c 'dc-train -q -o 2>err; [ "$(head -1 err)" = "dc-train: option requires an argument -- '"'o'"'" ] && exit 2'
check "-r with -u" 2 "dc-train: -r: the checkpoint fixes -T, -u, -b, -a, -g, -d, -W and -s; leave them out" \
    dc-train -r -u drop -o seg.dcm train.dcs
# padded segments train; a batch of padded segments only runs at its longest
check "-u pad -T 1000: every segment padded, one batch of 3" 0 '*' \
    dc-train -e 2 -u pad -T 1000 -b 4 -L 1 -H 4 -D 2 -o padall.dcm train.dcs
same "-u pad -T 1000: the summary" "$(head -n 1 "$T/err")" \
    "dc-train: 3 utterances, 1036 frames, 3 segments of 1000 frames (3 padded), 1 batches of 4; model 1x4, D = 2, 6642 parameters; up to 2 sources a mixture; f32 products"

# -I: a curriculum of two runs
A="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01"
check "stage 1: 2 epochs of 50 frames" 0 '' dc-train -q $A -e 2 -m attribution=tests -o s1.dcm train.dcs
check "stage 2 from stage 1, no epochs" 0 '' dc-train -q -I s1.dcm -T 100 -b 2 -a 0.005 -s 3 -e 0 -o s2z.dcm train.dcs
check "stage 2: 2 epochs of 100 frames" 0 '' dc-train -q -I s1.dcm -T 100 -b 2 -a 0.005 -s 3 -e 2 -o s2.dcm train.dcs
check "stage 2 stopped at step 5" 0 'dc-train: stopped after step 5 (-S); -r resumes' \
    dc-train -q -I s1.dcm -T 100 -b 2 -a 0.005 -s 3 -e 2 -S 5 -o s2r.dcm train.dcs
check "stage 2 resumed" 0 '' dc-train -q -r -e 2 -o s2r.dcm train.dcs
check "-I from a model of -i" 0 '' sh -c 'dc-train -i -L 1 -H 4 -D 2 -o rnd.dcm &&
    dc-train -q -I rnd.dcm -e 1 -o fromrnd.dcm train.dcs'
check "-I from an export of stage 1, then exported" 0 '' sh -c 'dc-train -x s1.dcm -o s1x.dcm &&
    dc-train -q -I s1x.dcm -T 100 -b 2 -a 0.005 -s 3 -e 1 -o s2x.dcm train.dcs && dc-train -x s2x.dcm -o s2xx.dcm'
check_in "dc-embed reads the stage 2 model" 0 '' u4.dcs dc-embed -m s2.dcm
"$PY" - <<'EOF'
import msgpack, numpy as np
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
s1, z, s2, r = ld("s1.dcm"), ld("s2z.dcm"), ld("s2.dcm"), ld("s2r.dcm")
st = lambda m: msgpack.unpackb(m["train"]["state"], raw=False)
check("-I: the weights, feature statistics and configuration of the model",
      z["params"] == s1["params"] and z["feat_mean"] == s1["feat_mean"] and z["feat_std"] == s1["feat_std"]
      and z["config"] == s1["config"])
check("-I: a fresh optimiser at step 0", z["train"]["step"] == 0 and
      not np.any(np.frombuffer(z["train"]["adam_m"], "<f4")) and not np.any(np.frombuffer(z["train"]["adam_v"], "<f4")))
zs = st(z)
check("-I: the new run's segments, batch, rate and seed", (zs["T"], zs["B"], zs["lr"], zs["seed"], zs["epoch"]) ==
      (100, 2, 0.005, 3, 0), str(zs))
check("-I: meta init, and the first model's attribution kept", z["meta"]["init"] == "s1.dcm" and
      z["meta"]["attribution"] == "tests", str(z["meta"]))
x, xx = ld("s2x.dcm"), ld("s2xx.dcm")
check("-I: the steps of the first model become init_trained_steps",
      "trained_steps" not in x["meta"] and x["meta"].get("init_trained_steps") == str(s1["train"]["step"])
      and s1["train"]["step"] == 12, str(x["meta"]))
check("-I, then -x: trained_steps counts the second run's steps",
      xx["meta"].get("trained_steps") == str(x["train"]["step"]) and x["train"]["step"] == 6
      and xx["meta"].get("init_trained_steps") == "12", str(xx["meta"]))
check("stage 2: 2 epochs of 6 batches of 2 segments of 100 frames", s2["train"]["step"] == 12 and
      st(s2)["segments"] == 11, str(s2["train"]["step"]))
check("stage 2: the feature statistics stay those of stage 1",
      s2["feat_mean"] == s1["feat_mean"] and s2["feat_std"] == s1["feat_std"])
check("stage 2: the weights moved", s2["params"] != s1["params"])
check("stage 2 stopped and resumed: the same model, bit for bit",
      (r["params"], r["train"]["adam_m"], r["train"]["adam_v"]) ==
      (s2["params"], s2["train"]["adam_m"], s2["train"]["adam_v"]))
EOF
check "-I with -r" 2 "dc-train: -I and -r exclude each other" dc-train -r -I s1.dcm -o s2.dcm train.dcs
check "-I with -i" 2 "dc-train: -I and -i exclude each other" dc-train -i -I s1.dcm -o x.dcm
check "-I with -D" 2 "dc-train: -I: the model fixes -D; leave it out" \
    dc-train -I s1.dcm -L 2 -D 8 -o x.dcm train.dcs

# -I with -L: growing a 1-layer model to 3 layers, the first layer kept
check "-I -L 3 from 1 layer, no epochs" 0 '' dc-train -q -I s1.dcm -L 3 -s 7 -e 0 -o g3.dcm train.dcs
check "-i -L 3 -H 16 -D 8 -s 7" 0 '' dc-train -i -L 3 -H 16 -D 8 -s 7 -o r3.dcm
check "-I -L 1 of a 1-layer model: as without -L" 0 '' dc-train -q -I s1.dcm -L 1 -e 0 -o g1.dcm train.dcs
check "-I -L 3 from 1 layer, 2 epochs" 0 '' dc-train -q -I s1.dcm -L 3 -s 7 -e 2 -V u4.dcs -l g.tsv -o g3t.dcm train.dcs
check "-I -L 1 of a 3-layer model" 2 "dc-train: -L 1: fewer layers than the 3 of g3.dcm" \
    dc-train -I g3.dcm -L 1 -o x.dcm train.dcs
check_in "dc-embed reads the grown model" 0 '' u4.dcs dc-embed -m g3t.dcm
"$PY" - <<'EOF'
import msgpack, numpy as np
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
s1, g, r, g1, gt = ld("s1.dcm"), ld("g3.dcm"), ld("r3.dcm"), ld("g1.dcm"), ld("g3t.dcm")
def tensors(m):
    p, out, off = np.frombuffer(m["params"], "<f4"), {}, 0
    for name, shape in m["tensors"]:
        n = int(np.prod(shape))
        out[name] = p[off:off + n]
        off += n
    return out
a, b, c = tensors(s1), tensors(g), tensors(r)
check("grown: 3 layers, H and D of the model", g["config"] == dict(s1["config"], L=3), str(g["config"]))
l0 = [k for k in a if "_l0" in k]
check("grown: every layer-0 tensor is the model's", len(l0) == 8 and all(np.array_equal(a[k], b[k]) for k in l0))
new = [k for k in b if "_l0" not in k]
check("grown: layers 1, 2 and the output layer as -i -s 7 draws them (%d tensors)" % len(new),
      len(new) == 18 and all(np.array_equal(b[k], c[k]) for k in new))
check("grown: the feature statistics of the model", g["feat_mean"] == s1["feat_mean"] and g["feat_std"] == s1["feat_std"])
check("grown: meta init, init_layers 1, attribution kept",
      (g["meta"]["init"], g["meta"]["init_layers"], g["meta"]["attribution"]) == ("s1.dcm", "1", "tests"), str(g["meta"]))
check("-L equal to the model's layers: the model's weights", g1["params"] == s1["params"] and g1["config"] == s1["config"])
rows = [l.split("\t") for l in open("g.tsv").read().splitlines()]
check("grown model trains: finite validation losses", len(rows) == 3 and all(0 < float(x[3]) < 1 for x in rows[1:]), str(rows))
check("grown model trains: the weights moved", gt["params"] != g["params"])
EOF
check "-I without the model" 1 "dc-train: nope.dcm: No such file or directory" dc-train -I nope.dcm -o x.dcm train.dcs

# -I with -H: the 3-layer model of 16 units widened to 24, computing what it did
check "-I -H 24 from 16 units, no epochs" 0 '' dc-train -q -I g3t.dcm -H 24 -s 5 -e 0 -o w.dcm train.dcs
check "-i -L 3 -H 24 -D 8 -s 5" 0 '' dc-train -i -L 3 -H 24 -D 8 -s 5 -o r24.dcm
check "-I -H 24 -L 4 from 3 layers of 16" 0 '' dc-train -q -I g3t.dcm -H 24 -L 4 -s 5 -e 0 -o wl.dcm train.dcs
check "-I -H 16 of a 16-unit model: as without -H" 0 '' dc-train -q -I g3t.dcm -H 16 -e 0 -o w16.dcm train.dcs
check "-I -H 8 of a 16-unit model" 2 "dc-train: -H 8: fewer units than the 16 of g3t.dcm" \
    dc-train -I g3t.dcm -H 8 -o x.dcm train.dcs
check_in "dc-embed -P f32, the model" 0 '' u4.dcs dc-embed -P f32 -m g3t.dcm
cp "$T/out" e16.dcs
check_in "dc-embed -P f32, the model widened" 0 '' u4.dcs dc-embed -P f32 -m w.dcm
cp "$T/out" e24.dcs
check_in "dc-embed -P f32, widened and grown" 0 '' u4.dcs dc-embed -P f32 -m wl.dcm
cp "$T/out" e24l.dcs
check "-I -H 24, 2 epochs" 0 '' dc-train -q -I g3t.dcm -H 24 -s 5 -e 2 -V u4.dcs -l w.tsv -o wt.dcm train.dcs
PYTHONPATH="$ROOT/tests/sh:$ROOT/formats" "$PY" - <<'EOF'
import msgpack, numpy as np
import dcstream
from oracle_lib import check
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
def tensors(m):
    p, out, off = np.frombuffer(m["params"], "<f4"), {}, 0
    for name, shape in m["tensors"]:
        n = int(np.prod(shape))
        out[name] = p[off:off + n].reshape(shape)
        off += n
    return out
emb = lambda p: [u["embed"]["data"] for u in dcstream.read(p)[1]]
g, w, r, wl, w16, wt = (ld(p) for p in ("g3t.dcm", "w.dcm", "r24.dcm", "wl.dcm", "w16.dcm", "wt.dcm"))
check("widened: H 24, the rest of the model's shape", w["config"] == dict(g["config"], H=24), str(w["config"]))
a, b, c = tensors(g), tensors(w), tensors(r)
H, H2 = 16, 24
old, new = np.r_[0:H], np.r_[H:H2]
both_old, both_new = np.r_[old, H2 + old], np.r_[new, H2 + new]  # the two directions' units
ok_old = ok_zero = ok_new = True
for k in a:
    A, B, C = a[k], b[k], c[k]
    if k.startswith("blstm."):
        # rows: the four gates' blocks of H2, the old units first in each
        rows = np.concatenate([q * H2 + old for q in range(4)])
        nrows = np.concatenate([q * H2 + new for q in range(4)])
        ok_new &= np.array_equal(B[nrows], C[nrows])
        if "bias" in k:
            ok_old &= np.array_equal(B[rows], A)
            continue
        if "weight_hh" in k:
            cols, zcols = old, new
        elif "_l0" in k:
            cols, zcols = np.r_[0:A.shape[1]], np.r_[0:0]
        else:
            cols, zcols = both_old, both_new
        ok_old &= np.array_equal(B[np.ix_(rows, cols)], A)
        ok_zero &= not B[np.ix_(rows, zcols)].any()
    elif A.ndim == 2:
        ok_old &= np.array_equal(B[:, both_old], A)
        ok_zero &= not B[:, both_new].any()
    else:
        ok_old &= np.array_equal(B, A)
check("widened: the old units' weights, in their new places", ok_old)
check("widened: the old units and the output layer weigh the new units' outputs 0", ok_zero)
check("widened: the new units' rows as -i -H 24 -s 5 draws them", ok_new)
check("widened: the feature statistics of the model", w["feat_mean"] == g["feat_mean"] and w["feat_std"] == g["feat_std"])
check("widened: meta init_units 16", w["meta"].get("init_units") == "16", str(w["meta"]))
e16, e24, e24l = emb("e16.dcs"), emb("e24.dcs"), emb("e24l.dcs")
d = max(abs(x - y).max() for x, y in zip(e16, e24))
check("widened: the embeddings of the model (max diff %.2g)" % d, len(e16) == len(e24) > 0 and d < 1e-5)
check("widened and grown: 4 layers of 24", wl["config"] == dict(g["config"], H=24, L=4), str(wl["config"]))
d = max(abs(x - y).max() for x, y in zip(e16, e24l))
check("widened and grown: other embeddings (a new top layer; max diff %.2g)" % d, d > 1e-3)
check("-H equal to the model's units: the model's weights", w16["params"] == g["params"] and w16["config"] == g["config"])
rows = [l.split("\t") for l in open("w.tsv").read().splitlines()]
check("widened model trains: finite validation losses", len(rows) == 3 and all(0 < float(x[3]) < 1 for x in rows[1:]), str(rows))
t = tensors(wt)
check("widened model trains: the new units' outgoing weights moved from 0",
      t["lin.weight"][:, both_new].any() and t["blstm.weight_ih_l1"][:, both_new].any())
EOF

# -d: dropout, deterministic, resumed bit for bit, off in validation
check "dropout 0.3" 0 '' dc-train -q $A -d 0.3 -e 3 -V u4.dcs -l d.tsv -o d1.dcm train.dcs
check "dropout 0.3 again" 0 '' dc-train -q $A -d 0.3 -e 3 -o d2.dcm train.dcs
check "dropout 0.3, stopped at step 8" 0 '*' dc-train -q $A -d 0.3 -e 3 -S 8 -o d3.dcm train.dcs
check "dropout 0.3, resumed" 0 '' dc-train -q -r -e 3 -o d3.dcm train.dcs
check "no dropout" 0 '' dc-train -q $A -e 3 -o d0.dcm train.dcs
"$PY" - <<'EOF'
from oracle_lib import check, checkpoint as ld
a, sa = ld("d1.dcm")
check("dropout: the checkpoint records it", sa["dropout"] == 0.3, str(sa))
check("dropout: a seed gives the same model, bit for bit", ld("d2.dcm")[0] == a)
check("dropout: stopped inside an epoch and resumed, the same model", ld("d3.dcm")[0] == a)
check("dropout changes the training", ld("d0.dcm")[0][0] != a[0])
rows = [l.split("\t") for l in open("d.tsv").read().splitlines()]
check("dropout: finite training and validation losses", len(rows) == 4 and
      all(0 < float(r[2]) < 1 and 0 < float(r[3]) < 1 for r in rows[1:]), str(rows))
EOF
check "-d 1" 2 "dc-train: -d: dropout must be a number from 0 to 0.95: 1" dc-train -d 1 -o x.dcm train.dcs
check "-r with -d" 2 "dc-train: -r: the checkpoint fixes -T, -u, -b, -a, -g, -d, -W and -s; leave them out" \
    dc-train -r -d 0.1 -o d1.dcm train.dcs

# -f: the rate of epoch e (from 0) is -a times -f^e; -f 1 is no decay; -r -f changes
# a checkpoint's decay from its next step on
check "no -f, 2 epochs" 0 '' dc-train -q $A -e 2 -o nf.dcm train.dcs
check "-f 1, 2 epochs" 0 '' dc-train -q $A -e 2 -f 1 -o f1.dcm train.dcs
check "-f 0.5, 2 epochs" 0 '*' dc-train $A -e 2 -f 0.5 -o f5.dcm train.dcs
same "-f 0.5: the first line names the rate and the decay" "$(head -n 1 err | sed 's/.*up to 2 sources a mixture//')" \
    "; rate 0.01, x 0.5 an epoch; f32 products"
check "-f 0.5, stopped at step 8" 0 '*' dc-train -q $A -e 2 -f 0.5 -S 8 -o f5s.dcm train.dcs
check "-f 0.5, resumed" 0 '' dc-train -q -r -e 2 -o f5s.dcm train.dcs
check "1 epoch without -f" 0 '' dc-train -q $A -e 1 -o f5r.dcm train.dcs
check "resumed with -f 0.5 for the second" 0 '' dc-train -q -r -f 0.5 -e 2 -o f5r.dcm train.dcs
check "the end of epoch 1 (step 6)" 0 '*' dc-train -q $A -e 2 -S 6 -o s6.dcm train.dcs
check "step 7 at the full rate" 0 '*' dc-train -q $A -e 2 -S 7 -o s7a.dcm train.dcs
check "step 7 at half the rate (-f 0.5)" 0 '*' dc-train -q $A -e 2 -f 0.5 -S 7 -o s7b.dcm train.dcs
"$PY" - <<'PYEOF'
import numpy as np
from oracle_lib import check, checkpoint as ld
nf, snf = ld("nf.dcm")
f5, sf5 = ld("f5.dcm")
check("-f 1: the model of no -f, bit for bit", ld("f1.dcm")[0] == nf)
check("-f: the checkpoint records the decay (1 by default)", snf["decay"] == 1.0 and sf5["decay"] == 0.5,
      str((snf["decay"], sf5["decay"])))
check("-f 0.5 changes the training", f5[0] != nf[0])
check("-f 0.5: stopped inside epoch 2 and resumed, the same model", ld("f5s.dcm")[0] == f5)
r, sr = ld("f5r.dcm")
check("-r -f 0.5 after an epoch at the full rate: the model of -f 0.5 throughout", r == f5)
check("-r -f 0.5: the checkpoint records the new decay", sr["decay"] == 0.5, str(sr["decay"]))
# step 7, the first of epoch 2, from the same state and batch: Adam's step at half the rate
p6, pa, pb = (np.frombuffer(ld(f)[0][0], "<f4").astype(np.float64) for f in ("s6.dcm", "s7a.dcm", "s7b.dcm"))
da, db = pa - p6, pb - p6
big = np.abs(da) > 1e-4
err = np.abs(db[big] / da[big] - 0.5).max()
check("-f 0.5: epoch 2's first step is half as long (%d weights, ratio 0.5 within %.1g)" % (big.sum(), err),
      big.sum() > 100 and err < 1e-2, "%g" % err)
PYEOF
check "-f 0" 2 "dc-train: -f: factor must be a number above 0, at most 1: 0" dc-train -f 0 -o x.dcm train.dcs
check "-f 1.5" 2 "dc-train: -f: factor must be a number above 0, at most 1: 1.5" dc-train -f 1.5 -o x.dcm train.dcs
check "-x with -f" 2 "dc-train: -x: only -o, -n, -m, -w, -M 0 and models to average go with it" dc-train -x f5.dcm -f 0.5 -o x.dcm

# -W mag: each bin within 40 dB weighs its magnitude over the loudest's; the logged
# validation loss against numpy's, from dc-embed's embeddings of the trained model
check "-W vad, 1 epoch" 0 '' dc-train -q $A -W vad -e 1 -V u4.dcs -l wv.tsv -o wv.dcm train.dcs
check "no -W, 1 epoch" 0 '' dc-train -q $A -e 1 -o wn.dcm train.dcs
check "-W mag, 1 epoch" 0 '*' dc-train $A -W mag -e 1 -V u4.dcs -l wm.tsv -o wm.dcm train.dcs
same "-W mag: the first line names the weights" "$(head -n 1 err | sed 's/.*up to 2 sources a mixture//')" "; weights mag; f32 products"
check "-W mag: export" 0 '' dc-train -x wm.dcm -o wm-model.dcm
check "-W vad: export" 0 '' dc-train -x wv.dcm -o wv-model.dcm
check "-W mag: embed the validation mixture (as dc-train validates: -l none)" 0 '' dc-embed -l none -m wm-model.dcm u4.dcs
cp out wm-emb.dcs
check "-W vad: embed the validation mixture (as dc-train validates: -l none)" 0 '' dc-embed -l none -m wv-model.dcm u4.dcs
cp out wv-emb.dcs
"$PY" - <<'PYEOF'
import numpy as np, dcstream
from oracle_lib import check, checkpoint as ld
vad, svad = ld("wv.dcm")
mag, smag = ld("wm.dcm")
check("-W vad: the model of no -W, bit for bit", ld("wn.dcm")[0] == vad)
check("-W: the checkpoint records the weights (vad 0, mag 1)", (svad["weights"], smag["weights"]) == (0, 1),
      str((svad["weights"], smag["weights"])))
check("-W mag changes the training", mag[0] != vad[0])
def loss(embfile, mode):
    u = dcstream.utterances(open(embfile, "rb"))[0]
    X, lab = u["stft"]["data"].astype(np.complex128), u["labels"]["data"]
    V = u["embed"]["data"].astype(np.float64).reshape(-1, u["embed"]["data"].shape[-1])
    f = np.log(np.abs(X).astype(np.float32) + np.float32(1e-8)).astype(np.float64).ravel()
    act = f >= f.max() - 40 * np.log(10) / 20
    W = np.where(act, np.exp(f - f.max()) if mode == "mag" else 1.0, 0.0)
    Y = np.eye(2)[lab.ravel()]
    Vw, Yw = V * np.sqrt(W)[:, None], Y * np.sqrt(W)[:, None]
    l = (np.sum((Vw.T @ Vw) ** 2) - 2 * np.sum((Vw.T @ Yw) ** 2) + np.sum((Yw.T @ Yw) ** 2)) / W.sum() ** 2
    return l, W
for mode, emb, log in (("vad", "wv-emb.dcs", "wv.tsv"), ("mag", "wm-emb.dcs", "wm.tsv")):
    want, W = loss(emb, mode)
    got = float(open(log).read().splitlines()[1].split("\t")[3])
    check("-W %s: validation loss %.6f, numpy's %.6f (weights %.3g to %.3g)" % (mode, got, want, W[W > 0].min(), W.max()),
          abs(got - want) < 2e-6, "%.7f vs %.7f" % (got, want))
PYEOF
check "-W db" 2 "dc-train: -W: weights must be vad or mag: db" dc-train -W db -o x.dcm train.dcs
check "-r with -W" 2 "dc-train: -r: the checkpoint fixes -T, -u, -b, -a, -g, -d, -W and -s; leave them out" \
    dc-train -r -W mag -o wm.dcm train.dcs

# checkpoints written before -u, -d, -f and -W: without "tails", "dropout", "decay" and
# "weights" in their state they resume with whole segments only (-u drop), no dropout,
# no decay and 0/1 weights
check "-u drop, stopped at step 6" 0 '*' dc-train -q $A -u drop -e 3 -S 6 -o old.dcm train.dcs
check "-u pad, stopped at step 6" 0 '*' dc-train -q $A -u pad -e 3 -S 6 -o oldpad.dcm train.dcs
check "-u drop, 3 epochs" 0 '' dc-train -q $A -u drop -e 3 -o new.dcm train.dcs
"$PY" - <<'EOF'
import msgpack
for f in ("old.dcm", "oldpad.dcm"):
    m = msgpack.unpackb(open(f, "rb").read(), raw=False)
    st = msgpack.unpackb(m["train"]["state"], raw=False)
    del st["tails"], st["dropout"], st["decay"], st["weights"]
    m["train"]["state"] = msgpack.packb(st, use_bin_type=True)
    open(f, "wb").write(msgpack.packb(m, use_bin_type=True))
EOF
check "an old checkpoint resumes" 0 '' dc-train -q -r -e 3 -o old.dcm train.dcs
check "an old checkpoint resumes with whole segments only" 1 \
    "dc-train: oldpad.dcm: the checkpoint was trained on 22 segments, the data now gives 19" \
    dc-train -q -r -e 3 -o oldpad.dcm train.dcs
"$PY" - <<'EOF'
import msgpack
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
o, n = ld("old.dcm"), ld("new.dcm")
check("an old checkpoint resumed: the model of an uninterrupted run, bit for bit",
      (o["params"], o["train"]["adam_m"], o["train"]["step"]) == (n["params"], n["train"]["adam_m"], n["train"]["step"]))
EOF

# -p: progress lines when stderr is not a terminal
check "-p: a progress line after each step" 0 '*' dc-train $A -e 1 -p 0.000001 -o p.dcm train.dcs
"$PY" - "$T/err" <<'EOF'
import re, sys
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
err = open(sys.argv[1]).read().splitlines()
prog = err[1:-1]
check("-p: 6 lines of epoch, batch/batches, step, loss, recent loss, |g|, frames/s, precision and ETA",
      len(prog) == 6 and all(re.match(r"dc-train: epoch 1 batch %d/6 step %d loss [0-9.]+ recent [0-9.]+ "
                                       r"\|g\| [0-9.e+-]+ \d+ frames/s f32 ETA \d+:\d\d:\d\d$" % (b + 1, b + 1), l)
                             for b, l in enumerate(prog)), "\n".join(err))
check("-p: then the epoch's line", err[-1].startswith("dc-train: epoch 1 step 6 train loss "), err[-1])
EOF
check "-p 0: no progress lines" 0 '*' dc-train $A -e 1 -p 0 -o p0.dcm train.dcs
same "-p 0: the summary and the epoch's line" "$(wc -l <"$T/err" | tr -d ' ')" 2

# a checkpoint that has taken steps is not replaced but by -r: a new run, -i, -I
# and -x to it are refused, the file untouched; a model without training state
# (-x's) is replaced as any output is
cp p.dcm keep.dcm
msg="dc-train: p.dcm: a checkpoint of 6 steps is there: -r goes on from it; to start anew, remove it or give another -o"
check "a new run onto a checkpoint" 1 "$msg" dc-train $A -e 1 -p 0 -o p.dcm train.dcs
check "-i onto a checkpoint" 1 "$msg" dc-train -i -L 1 -H 16 -D 8 -o p.dcm
check "-I onto a checkpoint" 1 "$msg" dc-train -I p0.dcm -e 1 -p 0 -o p.dcm train.dcs
check "-x onto a checkpoint" 1 "$msg" dc-train -x p0.dcm -o p.dcm
cmp -s p.dcm keep.dcm && pass "the checkpoint untouched" || fail "the checkpoint untouched" "it changed"
check "-r goes on from it" 0 '*' dc-train -r -e 2 -p 0 -o p.dcm train.dcs
check "-x: a model without training state" 0 '' dc-train -x p.dcm -o exported.dcm
check "a new run onto a model without training state: replaced" 0 '*' dc-train $A -e 1 -p 0 \
    -o exported.dcm train.dcs
check "-i: a model without training state" 0 '' dc-train -i -L 1 -H 16 -D 8 -o i0.dcm
check "... replaced by -i again" 0 '' dc-train -i -L 1 -H 16 -D 8 -s 2 -o i0.dcm
check "-p -1" 2 "dc-train: -p: seconds must be a number from 0 to 1000000: -1" dc-train -p -1 -o x.dcm train.dcs
check "-c x" 2 "dc-train: -c: minutes must be a number from 0 to 1000000: x" dc-train -c x -o x.dcm train.dcs
