#!/bin/sh
# mi_head.sh: the mask-inference head (Chimera++) end to end on tiny mixtures of
# real speech: dc-train -M trains it beside the embeddings from streams with ref
# records (both losses fall; the checkpoint holds the head; -r resumes bit for bit;
# -I -M adds a head to a model without one; -F trains the head alone); dc-embed appends its masks record (a
# softmax: each bin's masks sum to 1); dc-mask applies them (X times each mask, by
# numpy) and -k keeps the loudest; errors with their exact messages and status.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats:$ROOT/tests/sh"
S=$DATA/speech

i=1
for set in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332 so0054_000540031"; do
	# shellcheck disable=SC2086
	set -- $set
	files=
	for s in "$@"; do files="$files $S/$s.flac"; done
	refs=$(seq -f "s${i}_%g.wav" 1 $#)
	# shellcheck disable=SC2086
	dc-mix -s $i -o mix$i.wav -O "s${i}_%k.wav" $files >/dev/null 2>&1 &&
	dc-stft mix$i.wav | dc-oracle -R $refs >r$i.dcs 2>/dev/null &&
	dc-stft mix$i.wav | dc-oracle $refs >u$i.dcs 2>/dev/null ||
	    fail "make mixture $i" "dc-mix, dc-stft or dc-oracle failed"
	i=$((i + 1))
done
cat r1.dcs r2.dcs >train.dcs

A="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -s 3"
check "train a head of 2 sources" 0 '*' dc-train $A -M 2 -A 0.4 -e 6 -l log.tsv -V r2.dcs -o m.dcm train.dcs
"$PY" - "$T/err" <<'EOF'
import re, sys, msgpack, numpy as np
from oracle_lib import check
err = open(sys.argv[1]).read().splitlines()
check("stderr: the summary names the head and alpha", "; mask-inference head of 2 sources, alpha 0.4;" in err[0],
      err[0])
parts = [re.search(r"train loss ([0-9.]+) valid loss ([0-9.]+) \(dc ([0-9.]+), mi ([0-9.]+); "
                   r"valid dc ([0-9.]+), mi ([0-9.]+)\)", l) for l in err[1:]]
check("stderr: each epoch gives both losses of training and validation", len(parts) == 6 and all(parts),
      "\n".join(err))
p = [[float(x) for x in q.groups()] for q in parts]
check("the training loss is 0.4 dc + 0.6 mi (to the printed digits)",
      all(abs(r[0] - (0.4 * r[2] + 0.6 * r[3])) < 2e-5 for r in p), str(p))
check("the validation loss is 0.4 dc + 0.6 mi", all(abs(r[1] - (0.4 * r[4] + 0.6 * r[5])) < 2e-5 for r in p), str(p))
check("the head's training loss falls: %.4f -> %.4f" % (p[0][3], p[-1][3]), p[-1][3] < 0.8 * p[0][3], str(p))
check("the embeddings' training loss falls: %.4f -> %.4f" % (p[0][2], p[-1][2]), p[-1][2] < p[0][2], str(p))
m = msgpack.unpackb(open("m.dcm", "rb").read(), raw=False)
check("the checkpoint: version 2, mi_sources 2, the head's tensors last",
      m["version"] == 2 and m["config"]["mi_sources"] == 2 and
      m["tensors"][-2:] == [["mi.weight", [258, 32]], ["mi.bias", [258]]], str(m["tensors"][-2:]))
EOF

# -r goes on as if never stopped: 3 epochs, then 3 more, against 6 at once
check "3 epochs" 0 '' dc-train $A -M 2 -A 0.4 -e 3 -q -o r.dcm train.dcs
check "-r: 3 more" 0 '' dc-train -r -e 6 -q -o r.dcm train.dcs
check "6 at once" 0 '' dc-train $A -M 2 -A 0.4 -e 6 -q -o s.dcm train.dcs
"$PY" - <<'EOF'
import msgpack
from oracle_lib import check
r, s = [msgpack.unpackb(open(p, "rb").read(), raw=False) for p in ("r.dcm", "s.dcm")]
check("-r: the same parameters and Adam moments, bit for bit", r["params"] == s["params"] and
      r["train"]["adam_m"] == s["train"]["adam_m"])
EOF

# dc-embed: the masks record; dc-mask applies it
check_in "dc-embed with a head" 0 '' r3.dcs dc-embed -m m.dcm
cp out e3.dcs
check_in "dc-mask: the head's masks" 0 '' e3.dcs dc-mask
cp out m3.dcs
check_in "dc-mask -k 1" 0 '' e3.dcs dc-mask -k 1
cp out k3.dcs
"$PY" - <<'EOF'
import numpy as np
from oracle_lib import check, read_records, tensor
recs = read_records("e3.dcs")
kinds = [r["kind"] for r in recs]
check("records: utt, stft, labels, ref, embed, masks", kinds == ["dcsep", "utt", "stft", "labels", "ref", "embed",
      "masks"], str(kinds))
X, M = tensor(recs[2]), tensor(recs[6])
check("masks: k 2, by mi, the model's name, shape [2, T, F]", recs[6]["k"] == 2 and recs[6]["by"] == "mi" and
      recs[6]["model"] == "m" and M.shape == (2,) + X.shape, str(M.shape))
check("masks: in [0, 1], each bin's sum 1", M.min() >= 0 and M.max() <= 1 and
      np.abs(M.sum(0) - 1).max() < 1e-5, str(np.abs(M.sum(0) - 1).max()))
Y = tensor(read_records("m3.dcs")[-1])
check("dc-mask: X times each mask", np.abs(Y - X[None] * M).max() <= 1e-6 * np.abs(X).max(), "")
e = (np.abs(Y) ** 2).sum(axis=(1, 2))
K1 = tensor(read_records("k3.dcs")[-1])
check("dc-mask -k 1: the masked source of the most energy", K1.shape[0] == 1 and
      np.array_equal(K1[0], Y[np.argmax(e)]), str(e))
EOF

# dc-embed -w: the head's masks of each window's centre frames, as dc-embed gives
# them for the window's frames alone (each cut out as an utterance of its own);
# 8000 Hz, hop 64: -w 0.5,0.2 is 63 frames of centre, 25 of context; -l none, as a
# window cut out alone would take its own level, not the utterance's
check_in "dc-embed -w 0.5,0.2 with a head" 0 '' r3.dcs dc-embed -m m.dcm -l none -w 0.5,0.2
cp out w3.dcs
check_in "dc-embed -w 60,1 with a head" 0 '' r3.dcs dc-embed -m m.dcm -w 60,1
[ -s out ] && cmp -s out e3.dcs && pass "-w 60,1: the bytes of the whole utterance, masks included" ||
    fail "-w 60,1 with a head" "output differs"
# -b: the three mixtures through the network as one batch, masks included
cat r1.dcs r2.dcs r3.dcs >r123.dcs
check_in "dc-embed with a head, one at a time" 0 '' r123.dcs dc-embed -m m.dcm
cp out b1.dcs
check_in "dc-embed -b 3 with a head" 0 '' r123.dcs dc-embed -m m.dcm -b 3
same_net "-b 3 with a head: the same bytes, masks included" b1.dcs
"$PY" - <<'EOF'
import numpy as np
from oracle_lib import read_records, tensor, tensor_rec, write_stream
recs = read_records("r3.dcs")
utt, st = recs[1], recs[2]
X = tensor(st)
T, win, ctx = X.shape[0], 63, 25
Tb = min(T, win + 2 * ctx)
cuts, out = [], []
for i, t0 in enumerate(range(0, T, win)):
    a = min(max(t0 - ctx, 0), T - Tb)
    u = dict(utt, id="w%d" % i)
    keys = {k: v for k, v in st.items() if k not in ("kind", "dtype", "shape", "data")}
    # the samples of Tb frames: Tb = (samples - 1 + nfft - hop) // hop + 1
    n = (Tb - 1) * keys["hop"] - (keys["nfft"] - keys["hop"]) + 1
    for r in (u, keys):
        if "samples" in r:
            r["samples"] = n
    cuts += [u, tensor_rec("stft", X[a:a + Tb], **keys)]
write_stream("cuts.dcs", cuts)
open("win.txt", "w").write("%d %d %d\n" % (T, win, Tb))
EOF
check_in "dc-embed of the windows cut out" 0 '' cuts.dcs dc-embed -m m.dcm -l none
cp out cuts-e.dcs
"$PY" - <<'EOF'
import numpy as np
from oracle_lib import check, read_records, tensor
T, win, Tb = map(int, open("win.txt").read().split())
ctx = 25
W = read_records("w3.dcs")
E0, M0 = tensor(read_records("e3.dcs")[5]), tensor(read_records("e3.dcs")[6])
E, M = tensor(W[5]), tensor(W[6])
check("-w: masks k 2, by mi, shape [2, T, F]", W[6]["k"] == 2 and W[6]["by"] == "mi" and
      M.shape == M0.shape, str(M.shape))
cm = [tensor(r) for r in read_records("cuts-e.dcs") if r["kind"] == "masks"]
ce = [tensor(r) for r in read_records("cuts-e.dcs") if r["kind"] == "embed"]
RM, RE = np.zeros(M.shape), np.zeros(E.shape)
for i, t0 in enumerate(range(0, T, win)):
    t1, a = min(t0 + win, T), min(max(t0 - ctx, 0), T - Tb)
    RM[:, t0:t1] = cm[i][:, t0 - a:t1 - a]
    RE[t0:t1] = ce[i][t0 - a:t1 - a]
dm, de = np.abs(M - RM).max(), np.abs(E - RE).max()
check(f"-w 0.5,0.2: {len(cm)} windows; masks and embeddings those of each window alone "
      f"(max diff {dm:.3g}, {de:.3g})", len(cm) == -(-T // win) and dm < 1e-5 and de < 1e-5)
check(f"-w 0.5,0.2: masks not the whole utterance's (max diff {np.abs(M - M0).max():.3g})",
      np.abs(M - M0).max() > 1e-3)
EOF

# -I -M: a head added to a model without one, which keeps its other weights
check "a model without a head" 0 '' dc-train $A -e 1 -q -o dc.dcm u1.dcs u2.dcs
check "-I -M 3: a head added" 0 '' dc-train -I dc.dcm -M 3 -e 0 -q -o add.dcm train.dcs r3.dcs
"$PY" - <<'EOF'
import msgpack, numpy as np
from oracle_lib import check
a, d = [msgpack.unpackb(open(p, "rb").read(), raw=False) for p in ("add.dcm", "dc.dcm")]
n = len(d["params"]) // 4
pa = np.frombuffer(a["params"], "<f4")
check("-I -M 3: mi_sources 3, %d parameters more" % (3 * 129 * 33), a["config"]["mi_sources"] == 3 and
      len(pa) == n + 3 * 129 * 33, str(len(pa)))
check("-I -M 3: the feature statistics and every weight of the model kept", a["feat_mean"] == d["feat_mean"] and
      a["feat_std"] == d["feat_std"] and a["params"][:4 * n] == d["params"])
check("-I -M 3: the head drawn as torch draws a linear layer's, U(-1/sqrt(2H), 1/sqrt(2H))",
      0 < np.abs(pa[n:]).max() <= 1 / np.sqrt(32), str(np.abs(pa[n:]).max()))
EOF

# -x -M 0: the head dropped; the rest as the model was, so dc-embed's embeddings too
check "-x -M 0: the head dropped" 0 '' dc-train -x add.dcm -M 0 -o nohead.dcm
check "-x -M 0 of a model without a head" 0 '' dc-train -x dc.dcm -M 0 -o nohead2.dcm
"$PY" - <<'EOF'
import msgpack
from oracle_lib import check
h, d, h2 = [msgpack.unpackb(open(p, "rb").read(), raw=False) for p in ("nohead.dcm", "dc.dcm", "nohead2.dcm")]
check("-x -M 0: version 1, no mi_sources, no head tensors", h["version"] == 1 and
      "mi_sources" not in h["config"] and [t[0] for t in h["tensors"]] == [t[0] for t in d["tensors"]])
check("-x -M 0: the statistics and every other weight bit for bit", h["params"] == d["params"] and
      h["feat_mean"] == d["feat_mean"] and h["feat_std"] == d["feat_std"])
check("-x -M 0 without a head: the same weights", h2["params"] == d["params"] and h2["version"] == 1)
EOF
check_in "dc-embed -m nohead.dcm" 0 '' r3.dcs dc-embed -m nohead.dcm
cp out nohead.dcs
check_in "dc-embed -m add.dcm" 0 '' r3.dcs dc-embed -m add.dcm
"$PY" - <<'EOF'
import numpy as np
import dcstream
from oracle_lib import check
_, a = dcstream.read("nohead.dcs")
_, b = dcstream.read("out")
check("dc-embed without the head: no masks record, the head model's embeddings bit for bit",
      len(a) == len(b) > 0 and all("masks" not in u and "masks" in v and
                                   np.array_equal(u["embed"]["data"], v["embed"]["data"]) for u, v in zip(a, b)))
EOF

# -F: only the head trains; every other parameter stays as it was
check "-F: the head alone" 0 '' dc-train -I dc.dcm -M 2 -F -e 2 -q -o f.dcm train.dcs
"$PY" - <<'EOF'
import msgpack, numpy as np
from oracle_lib import check
f, d = [msgpack.unpackb(open(p, "rb").read(), raw=False) for p in ("f.dcm", "dc.dcm")]
n = len(d["params"])
check("-F: every parameter but the head's bit for bit as before", f["params"][:n] == d["params"])
check("-F: the head trained (Adam's moments of the head only)",
      not np.any(np.frombuffer(f["train"]["adam_m"][:n], "<f4")) and
      np.any(np.frombuffer(f["train"]["adam_m"][n:], "<f4")))
EOF

# errors
check "-M 7" 2 "dc-train: -M: sources must be an integer from 1 to 6 (0 with -x): 7" dc-train $A -M 7 -o x.dcm train.dcs
check "-A 1.5" 2 "dc-train: -A: alpha must be a number from 0 to 1: 1.5" dc-train $A -M 2 -A 1.5 -o x.dcm train.dcs
check "-r with -M" 2 "dc-train: -r: the checkpoint fixes -M; leave it out" dc-train -r -M 2 -o m.dcm train.dcs
check "-I with another head" 2 "dc-train: -M 2: add.dcm has a mask-inference head of 3 sources" \
    dc-train -I add.dcm -M 2 -o x.dcm train.dcs
check "no ref record" 1 \
    "dc-train: u1.dcs: mix1: no ref record (the mask-inference head needs the sources: dc-oracle -R)" \
    dc-train $A -M 2 -o x.dcm u1.dcs
check "ref of more sources than the head" 1 \
    "dc-train: r3.dcs: mix3: ref record: wanted complex64 [K, 394, 129] with K from 1 to 2, the head's sources" \
    dc-train $A -M 2 -o x.dcm r3.dcs
check "-F without a head" 2 "dc-train: -F: the model has no mask-inference head to train (-M)" \
    dc-train -I dc.dcm -F -o x.dcm u1.dcs
check "-A without a head" 2 "dc-train: -A: the model has no mask-inference head to weigh against (-M)" \
    dc-train $A -A 0.9 -o x.dcm u1.dcs
check "-A with -I of a model without a head" 2 \
    "dc-train: -A: the model has no mask-inference head to weigh against (-M)" dc-train -I dc.dcm -A 0.9 -o x.dcm u1.dcs
same "-A without a head: no model written" "$(ls x.dcm 2>&1)" "ls: cannot access 'x.dcm': No such file or directory"
"$PY" - <<'EOF'
import numpy as np
from oracle_lib import read_records, tensor, tensor_rec, write_stream
recs = read_records("r1.dcs")[1:]
ref = recs[-1]
S = tensor(ref).copy()
S[0, 3, 7] = np.nan
keys = {k: v for k, v in ref.items() if k not in ("kind", "dtype", "shape", "data")}
write_stream("nanref.dcs", recs[:-1] + [tensor_rec("ref", S, **keys)])
EOF
check "a NaN in the ref record" 1 "dc-train: nanref.dcs: mix1: ref record: NaN or Inf in the data" \
    dc-train $A -M 2 -o x.dcm nanref.dcs
check "-x with -M" 2 "dc-train: -x: only -o, -n, -m, -w, -M 0 and models to average go with it" \
    dc-train -x m.dcm -M 2 -o x.dcm
check "-M 0 without -x" 2 "dc-train: -M 0: only with -x" dc-train $A -M 0 -o x.dcm train.dcs
check_in "dc-mask -k 0" 2 "dc-mask: -k: sources must be an integer from 1 to 1000: 0" e3.dcs dc-mask -k 0
same "no model written by the refused runs" "$(ls x.dcm 2>/dev/null)" ""
