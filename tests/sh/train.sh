#!/bin/sh
# train.sh: dc-train on tiny mixtures of real speech with oracle labels: -i writes
# a valid random model; a tiny model's training and validation losses fall; the
# log and checkpoint hold what they should; runs are deterministic, and resuming
# from a checkpoint (at an epoch's end, or inside one after -S) gives the same
# model bit for bit; errors with their exact messages and exit status.
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
dc-stft mix1.wav >nolab.dcs

# -i: a random model
check "-i writes a random model" 0 '' dc-train -i -L 1 -H 4 -D 3 -s 5 -o init.dcm
check "-i again with the same seed" 0 '' dc-train -i -L 1 -H 4 -D 3 -s 5 -o init2.dcm
check "-i with another seed" 0 '' dc-train -i -L 1 -H 4 -D 3 -s 6 -o init3.dcm
check_in "dc-embed reads the random model" 0 '' train.dcs dc-embed -m init.dcm
"$PY" - <<'EOF'
import msgpack, numpy as np
from oracle_lib import check
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
m, m2, m3 = ld("init.dcm"), ld("init2.dcm"), ld("init3.dcm")
c = m["config"]
check("-i: configuration", (c["L"], c["H"], c["D"], c["F"], c["nfft"], c["hop"], c["rate"], c["window"]) ==
      (1, 4, 3, 129, 256, 64, 8000, "sqrt-hann"), str(c))
n = 2 * (16 * 129 + 16 * 4 + 32) + 129 * 3 * 8 + 129 * 3
p = np.frombuffer(m["params"], "<f4")
check("-i: %d parameters, within torch's init bounds" % n, len(p) == n and np.abs(p[:-129 * 3 * 9]).max() <= 0.5
      and np.abs(p[-129 * 3 * 9:]).max() <= 1 / np.sqrt(8), str(len(p)))
check("-i: mean 0, std 1, no training state",
      not np.any(np.frombuffer(m["feat_mean"], "<f4")) and np.all(np.frombuffer(m["feat_std"], "<f4") == 1)
      and "train" not in m)
check("-i: meta name and data", m["meta"]["name"] == "init" and m["meta"]["data"].startswith("none"), str(m["meta"]))
check("-i: a seed gives the same weights", m["params"] == m2["params"])
check("-i: another seed other weights", m["params"] != m3["params"])
EOF

# training a tiny model: progress on stderr, one log row per epoch, falling losses
A="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01"
check "train 8 epochs" 0 '*' dc-train $A -e 8 -l log.tsv -V u4.dcs -o m.dcm train.dcs
"$PY" - "$T/err" <<'EOF'
import re, sys, msgpack, numpy as np
from oracle_lib import check
err = open(sys.argv[1]).read().splitlines()
check("stderr: a summary line, then one line per epoch", len(err) == 9 and
      err[0] == "dc-train: 3 utterances, 1036 frames, 22 segments of 50 frames, 6 batches of 4; "
                "model 1x16, D = 8, 52872 parameters; up to 2 sources a mixture; f32 products" and
      all(re.match(r"dc-train: epoch %d step %d train loss [0-9.]+ valid loss [0-9.]+ [0-9.]+ s \d+ frames/s$"
                   % (e + 1, 6 * (e + 1)), l) for e, l in enumerate(err[1:])), "\n".join(err))
rows = [l.split("\t") for l in open("log.tsv").read().splitlines()]
check("log: header and 8 rows", rows[0] == ["epoch", "step", "train_loss", "valid_loss", "grad_norm", "seconds",
      "frames_per_s", "precision"] and len(rows) == 9 and all(r[7] == "f32" for r in rows[1:]) and [r[:2] for r in rows[1:]] == [[str(e), str(6 * e)] for e in range(1, 9)],
      str(rows))
tl = [float(r[2]) for r in rows[1:]]
vl = [float(r[3]) for r in rows[1:]]
check("training loss falls: %.4f -> %.4f" % (tl[0], tl[-1]), tl[-1] < 0.6 * tl[0], str(tl))
check("validation loss falls: %.4f -> %.4f" % (vl[0], vl[-1]), vl[-1] < vl[0], str(vl))
m = msgpack.unpackb(open("m.dcm", "rb").read(), raw=False)
t = m["train"]
check("checkpoint: step 48, Adam moments of the parameters' size", t["step"] == 48 and
      len(t["adam_m"]) == len(t["adam_v"]) == len(m["params"]) == 4 * 52872, str(t["step"]))
mean, std = np.frombuffer(m["feat_mean"], "<f4"), np.frombuffer(m["feat_std"], "<f4")
check("checkpoint: feature statistics of the data", np.all(std > 0.1) and mean.min() < mean.max(), "")
check("checkpoint: meta", m["meta"]["name"] == "m" and m["meta"]["data"] == "train.dcs"
      and abs(float(m["meta"]["loss"]) - vl[-1]) < 1e-6 and "dc-train" in m["meta"]["command"], str(m["meta"]))
EOF
check_in "dc-embed reads the checkpoint" 0 '' u4.dcs dc-embed -m m.dcm
same "no temporary files left (.dc-tmp-*)" "$(ls -A | grep dc-tmp)" ""

# determinism and resuming
check "the same run again" 0 '' dc-train -q $A -e 8 -V u4.dcs -o again.dcm train.dcs
check "4 epochs" 0 '' dc-train -q $A -e 4 -V u4.dcs -o r.dcm train.dcs
check "resume to 8 epochs" 0 '' dc-train -q -r -e 8 -V u4.dcs -o r.dcm train.dcs
check "stop inside epoch 2 (-S 7)" 0 'dc-train: stopped after step 7 (-S); -r resumes' \
    dc-train -q $A -e 8 -S 7 -o s.dcm train.dcs
check "resume, stop inside epoch 4 (-S 23)" 0 '*' dc-train -q -r -e 8 -S 23 -o s.dcm train.dcs
check "resume to the end" 0 '' dc-train -q -r -e 8 -o s.dcm train.dcs
check "two threads" 0 '' dc-train -q -t 2 $A -e 3 -o t2a.dcm train.dcs
check "two threads again" 0 '' dc-train -q -t 2 $A -e 3 -o t2b.dcm train.dcs
check "one thread, 3 epochs" 0 '' dc-train -q $A -e 3 -o t1.dcm train.dcs
"$PY" - <<'EOF'
import msgpack, numpy as np
from oracle_lib import check
def ld(p):
    m = msgpack.unpackb(open(p, "rb").read(), raw=False)
    return (m["params"], m["train"]["adam_m"], m["train"]["adam_v"], m["train"]["step"])
a = ld("m.dcm")
check("a seed gives the same model, bit for bit", ld("again.dcm") == a)
check("resumed after epoch 4: the same model, Adam state and step", ld("r.dcm") == a)
check("stopped twice inside epochs and resumed: the same model", ld("s.dcm") == a)
check("two threads: deterministic", ld("t2a.dcm") == ld("t2b.dcm"))
p1, p2 = (np.frombuffer(ld(f)[0], "<f4") for f in ("t1.dcm", "t2a.dcm"))
d = np.abs(p1 - p2).max()
check("two threads agree with one to rounding (max diff %.2g)" % d, d < 1e-3, "%.3g" % d)
EOF

# bf16 products (-P bf16): the same run falls like fp32's, is deterministic for a
# seed and thread count, records its precision, and resumes in either precision.
# On a CPU without bf16: one line, then fp32 (the same model as m.dcm).
check "-P bf16: 8 epochs" 0 '*' dc-train -P bf16 $A -e 8 -l logb.tsv -V u4.dcs -o b.dcm train.dcs
if grep -q 'no bf16 products' err; then bf16=0; else bf16=1; fi
same "-P bf16: the summary names the products" "$(grep utterances err | sed 's/.*up to 2 sources a mixture; //')" \
    "$([ $bf16 = 1 ] && echo "bf16 products" || echo "f32 products")"
check "-P bf16: the same run again" 0 '*' dc-train -q -P bf16 $A -e 8 -V u4.dcs -o b2.dcm train.dcs
check "-P bf16 -t 2" 0 '*' dc-train -q -P bf16 -t 2 $A -e 3 -o bt2a.dcm train.dcs
check "-P bf16 -t 2 again" 0 '*' dc-train -q -P bf16 -t 2 $A -e 3 -o bt2b.dcm train.dcs
check "-P bf16: stop at step 10" 0 '*' dc-train -q -P bf16 $A -e 8 -S 10 -o bs.dcm train.dcs
check "-P bf16: resumed without -P: bf16 again" 0 '*' dc-train -q -r -e 8 -V u4.dcs -o bs.dcm train.dcs
check "-P bf16: stop at step 10 (again)" 0 '*' dc-train -q -P bf16 $A -e 8 -S 10 -o bx.dcm train.dcs
check "-P bf16: resumed in f32" 0 \
    "$([ $bf16 = 1 ] && echo "dc-train: the checkpoint was made with bf16 products, this run uses f32: the result differs in rounding from an uninterrupted run")" \
    dc-train -q -r -P f32 -e 8 -o bx.dcm train.dcs
check "f32: stop at step 10" 0 '*' dc-train -q -P f32 $A -e 8 -S 10 -o fx.dcm train.dcs
check "f32: resumed in bf16" 0 \
    "$([ $bf16 = 1 ] && echo "dc-train: the checkpoint was made with f32 products, this run uses bf16: the result differs in rounding from an uninterrupted run" ||
    echo "dc-train: -P bf16: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32")" \
    dc-train -q -r -P bf16 -e 8 -o fx.dcm train.dcs
# mixed (fp32 products over all frames, bf16 recurrent steps): the same checks
check "-P mixed: 8 epochs" 0 '*' dc-train -P mixed $A -e 8 -l logm.tsv -V u4.dcs -o mx.dcm train.dcs
same "-P mixed: the summary names the products" "$(grep utterances err | sed 's/.*up to 2 sources a mixture; //')" \
    "$([ $bf16 = 1 ] && echo "mixed products" || echo "f32 products")"
check "-P mixed: stop at step 10" 0 '*' dc-train -q -P mixed $A -e 8 -S 10 -o ms.dcm train.dcs
check "-P mixed: resumed without -P: mixed again" 0 '*' dc-train -q -r -e 8 -V u4.dcs -o ms.dcm train.dcs
check "-P fp16" 2 "dc-train: -P: precision must be bf16, mixed or f32: fp16" dc-train -P fp16 -o x.dcm train.dcs
check "-x with -P" 2 "dc-train: -x: only -o, -n, -m, -w, -M 0 and models to average go with it" \
    dc-train -x m.dcm -P f32 -o x.dcm
for a in "-V train.dcs" "-e 5" "-S 3" "-l x.tsv" "-t 2" "-c 1" "-p 1"; do
	check "-x with $a" 2 "dc-train: -x: only -o, -n, -m, -w, -M 0 and models to average go with it" \
	    dc-train -x m.dcm $a -o x.dcm
done
"$PY" - $bf16 <<'EOF'
import sys, msgpack, numpy as np
from oracle_lib import check
bf16 = int(sys.argv[1])
def raw(p):
    return msgpack.unpackb(open(p, "rb").read(), raw=False)
def ld(p):
    m = raw(p)
    return (m["params"], m["train"]["adam_m"], m["train"]["adam_v"], m["train"]["step"])
def state(p):
    return msgpack.unpackb(raw(p)["train"]["state"], raw=False)
name = "bf16" if bf16 else "f32"
f = [l.split("\t") for l in open("log.tsv").read().splitlines()][1:]
b = [l.split("\t") for l in open("logb.tsv").read().splitlines()][1:]
check("-P bf16: the log's precision column says %s" % name, all(r[7] == name for r in b), str(b))
tf, tb = [float(r[2]) for r in f], [float(r[2]) for r in b]
vf, vb = [float(r[3]) for r in f], [float(r[3]) for r in b]
check("-P bf16: training loss falls like fp32's: %.4f -> %.4f (fp32 %.4f -> %.4f)" % (tb[0], tb[-1], tf[0], tf[-1]),
      tb[-1] < 0.6 * tb[0] and abs(tb[-1] - tf[-1]) <= 0.05 * tf[-1], str(tb))
check("-P bf16: validation loss within 5%% of fp32's after 8 epochs: %.4f vs %.4f" % (vb[-1], vf[-1]),
      abs(vb[-1] - vf[-1]) <= 0.05 * vf[-1], str(vb))
if bf16:
    check("-P bf16: not the fp32 model", ld("b.dcm")[0] != ld("m.dcm")[0])
else:
    check("-P bf16 without bf16: the fp32 model, bit for bit", ld("b.dcm") == ld("m.dcm"))
check("-P bf16: a seed gives the same model, bit for bit", ld("b2.dcm") == ld("b.dcm"))
check("-P bf16 -t 2: deterministic", ld("bt2a.dcm") == ld("bt2b.dcm"))
check("-P bf16: resumed without -P: the model of an uninterrupted run, bit for bit", ld("bs.dcm") == ld("b.dcm"))
check("-P bf16: checkpoint state and meta say %s" % name, state("b.dcm")["precision"] == bf16 and
      raw("b.dcm")["meta"]["precision"] == name, str(raw("b.dcm")["meta"]))
check("-P bf16: the checkpoint's weights and moments are float32",
      "params_dtype" not in raw("b.dcm") and len(raw("b.dcm")["params"]) == len(raw("m.dcm")["params"]))
check("fp32 checkpoint: state and meta say f32", state("m.dcm")["precision"] == 0 and
      raw("m.dcm")["meta"]["precision"] == "f32")
check("resumed in f32: the checkpoint says f32", state("bx.dcm")["precision"] == 0 and
      raw("bx.dcm")["meta"]["precision"] == "f32")
check("resumed in bf16: the checkpoint says %s" % name, state("fx.dcm")["precision"] == bf16)
mname = "mixed" if bf16 else "f32"
m = [l.split("\t") for l in open("logm.tsv").read().splitlines()][1:]
check("-P mixed: the log's precision column says %s" % mname, all(r[7] == mname for r in m), str(m))
tm, vm = [float(r[2]) for r in m], [float(r[3]) for r in m]
check("-P mixed: training loss falls like fp32's: %.4f -> %.4f" % (tm[0], tm[-1]),
      tm[-1] < 0.6 * tm[0] and abs(tm[-1] - tf[-1]) <= 0.05 * tf[-1], str(tm))
check("-P mixed: validation loss within 5%% of fp32's after 8 epochs: %.4f vs %.4f" % (vm[-1], vf[-1]),
      abs(vm[-1] - vf[-1]) <= 0.05 * vf[-1], str(vm))
if bf16:
    check("-P mixed: neither the fp32 nor the bf16 model",
          ld("mx.dcm")[0] != ld("m.dcm")[0] and ld("mx.dcm")[0] != ld("b.dcm")[0])
else:
    check("-P mixed without bf16: the fp32 model, bit for bit", ld("mx.dcm") == ld("m.dcm"))
check("-P mixed: resumed without -P: the model of an uninterrupted run, bit for bit", ld("ms.dcm") == ld("mx.dcm"))
check("-P mixed: checkpoint state and meta say %s" % mname, state("mx.dcm")["precision"] == (2 if bf16 else 0) and
      raw("mx.dcm")["meta"]["precision"] == mname, str(raw("mx.dcm")["meta"]))
for p in ("bx.dcm", "fx.dcm"):
    d = np.abs(np.frombuffer(ld(p)[0], "<f4") - np.frombuffer(ld("m.dcm")[0], "<f4")).max()
    check("%s: resumed in the other precision, 8 epochs: near the fp32 model (max diff %.2g)" % (p, d),
          ld(p)[3] == 48 and np.isfinite(d) and d < 0.1, "%.3g" % d)
EOF

# errors
check "no -o" 2 "dc-train: -o: the model file is required" dc-train train.dcs
check "-r with -b" 2 "dc-train: -r: the checkpoint fixes -T, -u, -b, -a, -g, -d, -W and -s; leave them out" \
    dc-train -r -b 4 -o m.dcm train.dcs
check "-r with -H" 2 "dc-train: -r: the checkpoint fixes -L, -H and -D; leave them out" \
    dc-train -r -H 4 -o m.dcm train.dcs
check "-i with data" 2 "dc-train: -i: no training data is read" dc-train -i -o x.dcm train.dcs
# options that mean nothing without training are refused, not ignored
for a in "-S 3" "-e 5" "-V train.dcs" "-l x.tsv" "-a 0.01" "-T 50" "-P f32" "-F" "-A 0.2" "-t 2"; do
	check "-i with $a" 2 "dc-train: -i: ${a%% *} does not go with it (only -L, -H, -D, -M, -s, -n, -m and -o do: no training is done)" \
	    dc-train -i $a -o x.dcm
done
check "-i -o -: refused" 2 "dc-train: -o -: a model is written to a file, not to standard output" dc-train -i -o -
same "-o -: no file named -" "$(ls -- - 2>/dev/null)" ""
check "-a 0" 2 "dc-train: -a: rate must be a number above 0, at most 1: 0" dc-train -a 0 -o x.dcm train.dcs
check "-r without a checkpoint" 1 "dc-train: nope.dcm: No such file or directory" dc-train -r -o nope.dcm train.dcs
check "-r on a model without training state" 1 \
    "dc-train: init.dcm: not a checkpoint of dc-train (no training state)" dc-train -r -o init.dcm train.dcs
check "-r with other data" 1 "dc-train: m.dcm: the checkpoint was trained on 22 segments, the data now gives 6" \
    dc-train -q -r -e 9 -o m.dcm u1.dcs
cat u2.dcs u1.dcs u3.dcs >other.dcs
check "-r with the data in another order" 1 "dc-train: m.dcm: the checkpoint was trained on other data" \
    dc-train -q -r -e 9 -o m.dcm other.dcs
check "no labels record" 1 "dc-train: nolab.dcs: mix1: no labels record" dc-train -o x.dcm nolab.dcs
check "segments longer than every utterance, -u drop" 1 "dc-train: no utterance has 100000 frames or more (-T)" \
    dc-train -u drop -T 100000 -o x.dcm train.dcs
check "segments longer than every utterance, -u end" 1 "dc-train: no utterance has 100000 frames or more (-T)" \
    dc-train -u end -T 100000 -o x.dcm train.dcs
check "output into a missing directory" 1 "dc-train: nodir/x.dcm: No such file or directory" \
    dc-train -i -o nodir/x.dcm
check_in "empty input" 1 "dc-train: stdin: empty stream" /dev/null dc-train -o x.dcm

# -x: the model of a checkpoint without its training state
check "-x exports the model of a checkpoint" 0 '' dc-train -x m.dcm -n small -o exported.dcm
check_in "-x: dc-embed with the checkpoint" 0 '' u4.dcs dc-embed -m m.dcm
cp out emb-ckpt.dcs
check_in "-x: dc-embed with the export" 0 '' u4.dcs dc-embed -m exported.dcm
cp out emb-exp.dcs
"$PY" - <<'PYEOF'
import msgpack
from oracle_lib import check
c = msgpack.unpackb(open("m.dcm", "rb").read(), raw=False)
e = msgpack.unpackb(open("exported.dcm", "rb").read(), raw=False)
check("-x: same parameters and statistics", e["params"] == c["params"] and e["feat_mean"] == c["feat_mean"]
      and e["feat_std"] == c["feat_std"] and e["config"] == c["config"])
check("-x: no training state", "train" not in e and "train" in c, str(list(e)))
check("-x: trained_steps and the new name", e["meta"].get("trained_steps") == str(c["train"]["step"])
      and e["meta"]["name"] == "small", str(e["meta"]))
def embeds(path):
    recs = list(msgpack.Unpacker(open(path, "rb"), raw=False))
    return [r["data"] for r in recs if r.get("kind") == "embed"]
check("-x: the same embeddings as the checkpoint", embeds("emb-ckpt.dcs") == embeds("emb-exp.dcs") != [])
PYEOF
check "-x of an export (a model without training state)" 0 '' dc-train -x exported.dcm -m note=again -o re.dcm
"$PY" - <<'PYEOF'
import msgpack
from oracle_lib import check
c = msgpack.unpackb(open("m.dcm", "rb").read(), raw=False)
r = msgpack.unpackb(open("re.dcm", "rb").read(), raw=False)
check("-x of an export: keeps its trained_steps, adds the entry", r["meta"].get("trained_steps") == str(c["train"]["step"])
      and r["meta"].get("note") == "again" and r["params"] == c["params"], str(r["meta"]))
PYEOF
check "-x with -r" 2 "dc-train: -x: only -o, -n, -m, -w, -M 0 and models to average go with it" dc-train -x m.dcm -r -o y.dcm

# -x with more models: the mean of their weights
check "-x averages a checkpoint, an export and a checkpoint" 0 '' dc-train -x m.dcm -o avg.dcm exported.dcm t1.dcm
"$PY" - <<'PYEOF'
import msgpack, numpy as np
from oracle_lib import check
ld = lambda f: msgpack.unpackb(open(f, "rb").read(), raw=False)
c, t, a = ld("m.dcm"), ld("t1.dcm"), ld("avg.dcm")
p = [np.frombuffer(x["params"], "<f4").astype(np.float64) for x in (c, c, t)]
want = ((p[0] + p[1] + p[2]) / 3).astype("<f4")
got = np.frombuffer(a["params"], "<f4")
check("-x average: numpy's mean of the three, exactly", np.array_equal(got, want) and not np.array_equal(got, p[0]),
      "max diff %g" % np.abs(got - want).max())
check("-x average: the statistics and configuration of the first", a["feat_mean"] == c["feat_mean"]
      and a["feat_std"] == c["feat_std"] and a["config"] == c["config"] and "train" not in a)
check("-x average: names its models, keeps the first's steps",
      a["meta"].get("averaged") == "m.dcm exported.dcm t1.dcm"
      and a["meta"].get("trained_steps") == str(c["train"]["step"]), str(a["meta"]))
PYEOF
check "-x average of another network" 1 \
    "dc-train: init.dcm: another network than m.dcm's (1x16, D = 8): cannot average" \
    dc-train -x m.dcm -o y.dcm t1.dcm init.dcm
check "-i: a 1x16 model without training data" 0 '' dc-train -i -L 1 -H 16 -D 8 -o i16.dcm
check "-x average with other feature statistics" 1 \
    "dc-train: i16.dcm: other feature statistics (other training data) than m.dcm's (1x16, D = 8): cannot average" \
    dc-train -x m.dcm -o y.dcm i16.dcm
check "-x average with a stream" 1 "dc-train: train.dcs: malformed or incompatible model" \
    dc-train -x m.dcm -o y.dcm train.dcs
check "-x average with a missing file" 1 "dc-train: nope.dcm: No such file or directory" \
    dc-train -x m.dcm -o y.dcm nope.dcm
check "-x average: no model written after an error" 1 '' test -e y.dcm
check "-x of a missing file" 1 "dc-train: nope.dcm: No such file or directory" dc-train -x nope.dcm -o y.dcm
