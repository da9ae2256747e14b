#!/bin/sh
# kmeans_mask.sh: dc-kmeans on embeddings whose clusters are known (noisy codes of a
# real mixture's oracle labels) and on tiny hand-made streams; dc-mask on several
# utterances; both tools' errors with their exact messages.
. "$ROOT/tests/lib.sh"
SP="$DATA/speech"
export PYTHONPATH="$ROOT/tests/sh"

"$PY" - "$SP" <<'EOF' || fail "make mixture" "python failed"
import sys, oracle_lib as L
sp = sys.argv[1]
L.make_mix(sp + "/so0036_000360332.flac", sp + "/so0054_000540031.flac", "mix.wav", "s1.wav", "s2.wav")
EOF
dc-stft mix.wav | dc-oracle s1.wav s2.wav >ibm.dcs

# embeddings: each bin's oracle label as one of two random orthonormal codes in
# D = 20, plus noise, normalised; appended as an embed record
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
recs = L.read_records("ibm.dcs")
utt, rest = L.utterances(recs)[0]
lab = L.tensor(L.last(rest, "labels"))
rng = np.random.default_rng(1)
q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
e = q[:2][lab] + 0.1 * rng.standard_normal(lab.shape + (20,))
e /= np.linalg.norm(e, axis=-1, keepdims=True)
L.write_stream("embed.dcs", [utt] + rest + [L.tensor_rec("embed", e.astype(np.float32), model="synthetic")])
# the same embeddings without the stft record: every bin is fitted
L.write_stream("nostft.dcs", [utt, L.tensor_rec("embed", e.astype(np.float32), model="synthetic")])
EOF

check_in "dc-kmeans -v" 0 '*' embed.dcs dc-kmeans -v
cp out km.dcs
cp err km.err
check_in "dc-kmeans -d" 0 '' embed.dcs dc-kmeans -d
cp out drop.dcs
"$PY" - <<'EOF'
import oracle_lib as L
k, d = L.read_raw("km.dcs"), L.read_raw("drop.dcs")
L.check("-d: the same stream without the embed record, byte for byte",
        [b for r, b in k[1:] if r["kind"] != "embed"] == [b for _, b in d[1:]] and
        "embed" in [r["kind"] for r, _ in k] and "embed" not in [r["kind"] for r, _ in d], "differ")
EOF
"$PY" - <<'EOF'
import re, numpy as np, oracle_lib as L
raw_in, raw_out = L.read_raw("embed.dcs"), L.read_raw("km.dcs")
L.check("records pass through byte for byte", [b for _, b in raw_in[1:]] == [b for _, b in raw_out[1:-1]], "differ")
L.check("history extended", raw_out[0][0]["history"] == ["test", "dc-kmeans"], str(raw_out[0][0]["history"]))
recs = [r for r, _ in raw_out]
km, orc = recs[-1], L.last(recs[:-1], "labels")
lab, ref = L.tensor(km), L.tensor(orc)
L.check("labels record: k, by, dtype, shape", (km["kind"], km["k"], km["by"], km["dtype"], lab.shape) ==
        ("labels", 2, "kmeans", "int32", ref.shape), str((km["kind"], km["k"], km["by"], lab.shape)))
X = L.tensor(L.last(recs, "stft"))
lm = np.log(np.abs(X.astype(np.complex128)) + 1e-8)   # active: within 20 dB of the loudest
fit = lm >= lm.max() - 20 * np.log(10) / 20
msg = open("km.err").read()
m = re.match(r"dc-kmeans: mix: (\d+) of (\d+) bins fitted; restart \d of 3 won with inertia [0-9.e+]+ after \d+ iterations?\n$", msg)
L.check("-v: one line, the bins within 20 dB fitted (%d)" % fit.sum(),
        m is not None and int(m.group(1)) == fit.sum() and int(m.group(2)) == lab.size, repr(msg))
agree = max(np.mean(lab[fit] == ref[fit]), np.mean(lab[fit] == 1 - ref[fit]))
L.check("fitted bins: the oracle partition up to permutation (%.5f)" % agree, agree == 1.0, "%.5f" % agree)
E = L.tensor(L.last(recs, "embed")).astype(np.float64)
c = np.stack([E[fit & (lab == k)].mean(axis=0) for k in (0, 1)])
d = ((E[..., None, :] - c) ** 2).sum(-1)
near = np.argmin(d, axis=-1)
tie = np.abs(d[..., 0] - d[..., 1]) < 1e-5
L.check("every bin, silent ones too, has its nearest centroid's label",
        np.all((near == lab) | tie), "%d differ" % np.sum((near != lab) & ~tie))
EOF
check_in "same seed: same bytes" 0 '' embed.dcs dc-kmeans
cmp -s out km.dcs && pass "same seed: same bytes: equal" || fail "same seed: same bytes: equal" "differ"
check_in "-s 99 -r 1 -i 50" 0 '' embed.dcs dc-kmeans -s 99 -r 1 -i 50
cp out km99.dcs
check_in "no stft record: every bin fitted" 0 '*' nostft.dcs dc-kmeans -v
same "no stft record: -v" "$(sed 's/;.*//' err)" "dc-kmeans: mix: $("$PY" -c 'import oracle_lib as L; e=L.tensor(L.last(L.read_records("nostft.dcs"),"embed")); print("%d of %d bins fitted" % (e.shape[0]*e.shape[1], e.shape[0]*e.shape[1]))')"
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
a = L.tensor(L.last(L.read_records("km.dcs"), "labels"))
b = L.tensor(L.last(L.read_records("km99.dcs"), "labels"))
L.check("another seed: the same partition", np.array_equal(a, b) or np.array_equal(a, 1 - b), "differ")
EOF

# -w mag: each fitted bin weighs |X| over the loudest's; the centroids are weighted
# means, the inertia the weighted sum (numpy, from the labels dc-kmeans gave)
check_in "-w none: the default's bytes" 0 '' embed.dcs dc-kmeans -w none
same_out "-w none: the default's bytes: equal" km.dcs
check_in "-w mag -k 3 -v" 0 '*' embed.dcs dc-kmeans -w mag -k 3 -v
cp out kmw.dcs
cp err kmw.err
check_in "-w none -k 3 -v" 0 '*' embed.dcs dc-kmeans -k 3 -v
cp out kmn.dcs
cp err kmn.err
check_in "-w mag, no stft record to weigh by" 1 'dc-kmeans: mix: -w mag: no stft record to weigh the bins by' \
    nostft.dcs dc-kmeans -w mag
"$PY" - <<'EOF'
import re, numpy as np, oracle_lib as L
def fitted(path, err):
    recs = L.read_records(path)
    X = L.tensor(L.last(recs, "stft")).astype(np.complex128)
    E = L.tensor(L.last(recs, "embed")).astype(np.float64)
    lab = L.tensor(L.last(recs, "labels"))
    a = np.abs(X)
    fit = np.log(a + 1e-8) >= np.log(a + 1e-8).max() - 20 * np.log(10) / 20
    m = re.search(r"inertia ([0-9.e+]+) ", open(err).read())
    return E, lab, a / a.max(), fit, float(m.group(1))
for name, path, err, weigh in (("-w mag", "kmw.dcs", "kmw.err", True), ("-w none", "kmn.dcs", "kmn.err", False)):
    E, lab, w, fit, inertia = fitted(path, err)
    w = w if weigh else np.ones_like(w)
    c = np.stack([np.average(E[fit & (lab == k)], axis=0, weights=w[fit & (lab == k)]) for k in range(3)])
    d = ((E[..., None, :] - c) ** 2).sum(-1)
    got = (w[fit] * d[fit, lab[fit]]).sum()
    L.check("%s: the inertia -v gives is the %s sum over the fitted bins (%.6g, numpy %.6g)" %
            (name, "weighted" if weigh else "plain", inertia, got), abs(inertia - got) <= 2e-5 * got, "differ")
    near, srt = np.argmin(d, axis=-1), np.sort(d, axis=-1)
    tie = srt[..., 1] - srt[..., 0] < 1e-5
    L.check("%s: every bin has the label of the nearest %s mean" % (name, "weighted" if weigh else "plain"),
            np.all((near == lab) | tie), "%d differ" % np.sum((near != lab) & ~tie))
EOF

# -b: soft masks after the labels, the softmax of -beta times the squared distances
# to the centroids (the means of each cluster's fitted bins), against numpy
check_in "-b 4: soft masks" 0 '' embed.dcs dc-kmeans -b 4
cp out soft.dcs
check_in "-b 1e6: soft masks as hard as labels" 0 '' embed.dcs dc-kmeans -b 1e6
cp out hard.dcs
"$PY" - <<'PYEOF'
import numpy as np, oracle_lib as L
raw_k, raw_s = L.read_raw("km.dcs"), L.read_raw("soft.dcs")
L.check("-b: the labels record as without -b, byte for byte", [b for _, b in raw_k[1:]] == [b for _, b in raw_s[1:-1]], "differ")
recs = [r for r, _ in raw_s]
m = recs[-1]
M = L.tensor(m)
lab = L.tensor(L.last(recs, "labels"))
L.check("-b: masks record: k, by, dtype, shape", (m["kind"], m["k"], m["by"], m["dtype"], M.shape) ==
        ("masks", 2, "kmeans-soft", "float32", (2,) + lab.shape), str((m["kind"], m["k"], m["by"], M.shape)))
X = L.tensor(L.last(recs, "stft"))
lm = np.log(np.abs(X.astype(np.complex128)) + 1e-8)   # active: within 20 dB of the loudest
fit = lm >= lm.max() - 20 * np.log(10) / 20
E = L.tensor(L.last(recs, "embed")).astype(np.float64)
c = np.stack([E[fit & (lab == k)].mean(axis=0) for k in (0, 1)])
d = ((E[..., None, :] - c) ** 2).sum(-1)
z = np.exp(-4 * (d - d.min(-1, keepdims=True)))
want = np.moveaxis(z / z.sum(-1, keepdims=True), -1, 0)
err = np.abs(M - want).max()
L.check("-b 4: masks = softmax(-4 d) (max error %.2g)" % err, err < 1e-5, "%.3g" % err)
L.check("-b: the masks sum to 1 (max error %.2g)" % np.abs(M.sum(0) - 1).max(), np.abs(M.sum(0) - 1).max() < 1e-6, "")
H = L.tensor(L.last(L.read_records("hard.dcs"), "masks"))
onehot = np.stack([lab == 0, lab == 1]).astype(np.float32)
L.check("-b 1e6: the masks are the labels' one-hot", np.array_equal(H, onehot), "%d differ" % np.sum(H != onehot))
PYEOF
check_in "dc-mask uses the soft masks after the labels" 0 '' soft.dcs dc-mask
"$PY" - <<'PYEOF'
import numpy as np, oracle_lib as L
recs = L.read_records("out")
Y, X, M = L.tensor(recs[-1]), L.tensor(L.last(recs, "stft")), L.tensor(L.last(recs, "masks"))
L.check("dc-mask: masked = soft masks x mixture", np.allclose(Y, M * X[None], rtol=0, atol=1e-6), "differ")
PYEOF

# the k-means labels separate as the oracle's do
check_in "dc-mask on k-means labels" 0 '' km.dcs dc-mask
cp out kmm.dcs
"$PY" - <<'EOF'
import numpy as np, soundfile as sf, oracle_lib as L
recs = L.read_records("kmm.dcs")
Y, mk = L.tensor(L.last(recs, "masked")), L.last(recs, "masked")
mix, _ = sf.read("mix.wav", dtype="float32")
refs = [sf.read("s%d.wav" % k, dtype="float32")[0] for k in (1, 2)]
est = [L.istft(Y[k].astype(np.complex128), mk["samples"]) for k in (0, 1)]
g = [[L.si_sdr(est[j], refs[k]) - L.si_sdr(mix, refs[k]) for k in (0, 1)] for j in (0, 1)]
best = max((g[0][0] + g[1][1]) / 2, (g[0][1] + g[1][0]) / 2)
print("k-means on synthetic embeddings: mean SI-SDRi %.2f dB" % best)
L.check("k-means labels separate: SI-SDRi > 10 dB (%.2f)" % best, best > 10, "%.2f" % best)
EOF

# dc-mask on two utterances: each gets its masked record
cat ibm.dcs ibm.dcs >two.dcs
check_in "dc-mask: two utterances" 0 '' two.dcs dc-mask
"$PY" - <<'EOF'
import oracle_lib as L
u = L.utterances(L.read_records("out"))
L.check("dc-mask: two utterances, each ending in masked",
        len(u) == 2 and all([r["kind"] for r in rest] == ["stft", "labels", "masked"] for _, rest in u), str(len(u)))
EOF

# records a stage does not read are passed on byte for byte and never held: dc-mask
# on k-means output with embeddings of D = 400 takes no more memory than on the
# same stream without them (-d), and dc-istft writes the same audio from both
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
recs = L.read_records("kmm.dcs")
utt, rest = L.utterances(recs)[0]
e = np.random.default_rng(2).standard_normal(L.tensor(L.last(rest, "labels")).shape + (400,))
big = L.tensor_rec("embed", e.astype(np.float32), model="synthetic")
L.write_stream("big.dcs", [utt, L.last(rest, "stft"), big])
EOF
dc-kmeans -k 2 <big.dcs >bigkm.dcs && dc-kmeans -k 2 -d <big.dcs >smallkm.dcs || fail "k-means on D = 400" "failed"
check_in "dc-mask passes the embeddings on" 0 '' bigkm.dcs dc-mask
cp out bigm.dcs
"$PY" - <<'EOF'
import oracle_lib as L
a, b = L.read_raw("bigkm.dcs"), L.read_raw("bigm.dcs")
L.check("dc-mask: the input's records byte for byte, then masked",
        [x for _, x in a[1:]] == [x for _, x in b[1:-1]] and b[-1][0]["kind"] == "masked" and
        [r["kind"] for r, _ in a].count("embed") == 1, "differ")
EOF
# rss CMD...: its peak RSS in KB by GNU time (tools/setup.sh installs it); "none"
# if it could not be measured, which fails the comparisons below
rss() {
	rm -f rss.txt
	/usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1
	case $(cat rss.txt 2>/dev/null) in ''|*[!0-9]*) echo none ;; *) cat rss.txt ;; esac
}
measured() { case "$1$2" in *none*) return 1 ;; esac; }
big=$(rss dc-mask bigkm.dcs)
small=$(rss dc-mask smallkm.dcs)
ebytes=$(($(wc -c <bigkm.dcs) - $(wc -c <smallkm.dcs)))
if measured "$big" "$small" && [ $(((big - small) * 1024)) -lt $((ebytes / 8)) ]; then
	pass "dc-mask: peak RSS $big KB with $ebytes bytes of embeddings, $small KB without"
else
	fail "dc-mask: peak RSS grows with the embeddings" "$big KB with, $small KB without ($ebytes bytes)"
fi
dc-mask smallkm.dcs >smallm.dcs || fail "dc-mask without embeddings" "failed"
small=$(rss dc-istft -o 's-%k.wav' smallm.dcs)
big=$(rss dc-istft -o 'b-%k.wav' bigm.dcs)
if cmp -s b-1.wav s-1.wav && cmp -s b-2.wav s-2.wav && measured "$big" "$small" &&
    [ $(((big - small) * 1024)) -lt $((ebytes / 8)) ]; then
	pass "dc-istft: the same audio with and without the embeddings; peak RSS $big KB and $small KB"
else
	fail "dc-istft: the same audio with and without the embeddings, in the same memory" \
	    "peak RSS $big KB with, $small KB without"
fi

# tiny streams: nfft 4, hop 2, 2 samples: stft [2, 3]; three loud bins, three at -100 dB
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
utt = {"kind": "utt", "id": "u", "rate": 8000, "samples": 2}
keys = dict(rate=8000, nfft=4, hop=2, samples=2, window="sqrt-hann")
X = np.array([[1, 1e-5, 1], [1e-5, 1, 1e-5]], np.complex64)
st = L.tensor_rec("stft", X, **keys)
E = np.zeros((2, 3, 2), np.float32)
E[..., 0] = 1
lab = np.array([[0, 1, 1], [0, 0, 1]], np.int32)
M = np.full((2, 2, 3), 0.5, np.float32)
w = L.write_stream
w("k5.dcs", [utt, st, L.tensor_rec("embed", E, model="m")])
w("eshape.dcs", [utt, st, L.tensor_rec("embed", np.zeros((3, 3, 2), np.float32), model="m")])
w("e2d.dcs", [utt, st, L.tensor_rec("embed", np.zeros((6, 2), np.float32), model="m")])
En = E.copy(); En[1, 2, 1] = np.nan
w("enan.dcs", [utt, st, L.tensor_rec("embed", En, model="m")])
w("edtype.dcs", [utt, st, L.tensor_rec("embed", E.astype(np.float64), model="m")])
w("noembed.dcs", [utt, st])
w("nostft.dcs", [utt, L.tensor_rec("labels", lab, k=2, by="x")])
w("nolabels.dcs", [utt, st])
w("lshape.dcs", [utt, st, L.tensor_rec("labels", lab.T.copy(), k=2, by="x")])
w("lrange.dcs", [utt, st, L.tensor_rec("labels", lab + 1, k=2, by="x")])
w("ldtype.dcs", [utt, st, L.tensor_rec("labels", lab.astype(np.float32), k=2, by="x")])
w("lnok.dcs", [utt, st, L.tensor_rec("labels", lab, by="x")])
w("mk.dcs", [utt, st, L.tensor_rec("masks", M, k=3, by="x")])
w("mshape.dcs", [utt, st, L.tensor_rec("masks", np.full((2, 3, 2), 0.5, np.float32), k=2, by="x")])
M2 = M.copy(); M2[1, 1, 2] = 1.5
w("mrange.dcs", [utt, st, L.tensor_rec("masks", M2, k=2, by="x")])
Xn = X.copy(); Xn[0, 0] = np.inf
w("snan.dcs", [utt, L.tensor_rec("stft", Xn, **keys), L.tensor_rec("labels", lab, k=2, by="x")])
k2 = dict(keys, samples=9)
w("sparams.dcs", [utt, L.tensor_rec("stft", X, **k2), L.tensor_rec("labels", lab, k=2, by="x")])
w("ok.dcs", [utt, st, L.tensor_rec("labels", lab, k=2, by="x")])
w("okm.dcs", [utt, st, L.tensor_rec("masks", M, k=2, by="x")])
EOF
check_in "K larger than the active bins" 1 'dc-kmeans: u: K = 5 is more than the 3 active bins' k5.dcs dc-kmeans -k 5
check_in "K = active bins" 0 '' k5.dcs dc-kmeans -k 3
check_in "-s 2^63" 2 'dc-kmeans: -s: seed must be an integer from 0 to 2^63-1: 9223372036854775808' \
    k5.dcs dc-kmeans -s 9223372036854775808
check_in "-v: one iteration, singular" 0 '*' k5.dcs dc-kmeans -v -k 1
case $(cat err) in
*"after 1 iteration"|*"after 1 iteration (not converged)") pass "-v: 'after 1 iteration'" ;;
*) fail "-v: 'after 1 iteration'" "$(cat err)" ;;
esac
check_in "-t 200: all six bins active" 0 '' k5.dcs dc-kmeans -k 6 -t 200
check_in "embed shape disagrees with stft" 1 \
	'dc-kmeans: u: embed record: shape [3, 3, 2] disagrees with stft record [2, 3]' eshape.dcs dc-kmeans
check_in "embed of rank 2" 1 'dc-kmeans: u: embed record: shape [6, 2], wanted [T, F, D]' e2d.dcs dc-kmeans
check_in "NaN in embed" 1 'dc-kmeans: u: embed record: NaN or Inf in the data' enan.dcs dc-kmeans
check_in "embed of float64" 1 'dc-kmeans: u: embed record: dtype float64, wanted float32' edtype.dcs dc-kmeans
check_in "no embed record" 1 'dc-kmeans: u: no embed record (dc-embed makes it)' noembed.dcs dc-kmeans
check "stream as a file argument" 0 '' dc-kmeans -k 3 k5.dcs
check "missing stream file" 1 'dc-kmeans: nofile.dcs: No such file or directory' dc-kmeans nofile.dcs
check "dc-kmeans: empty stdin" 1 'dc-kmeans: stdin: empty stream' dc-kmeans
printf 'garbage\n' >garbage
check_in "dc-kmeans: garbage" 1 'dc-kmeans: stdin: not a dcsep stream (no header record)' garbage dc-kmeans
head -c 3000 embed.dcs >trunc.dcs
check_in "dc-kmeans: truncated" 1 '*' trunc.dcs dc-kmeans
same "dc-kmeans: truncated: message" "$(sed 's/ (record.*//' err)" 'dc-kmeans: stdin: stream truncated inside a record'
check_in "dc-kmeans: full disk" 1 'dc-kmeans: stdout: No space left on device' k5.dcs sh -c 'dc-kmeans -k 3 >/dev/full'
check "-k 0" 2 'dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: 0' dc-kmeans -k 0
check "-t -3" 2 'dc-kmeans: -t: threshold must be a number of dB from 0 to 1000: -3' dc-kmeans -t -3
check "-r x" 2 'dc-kmeans: -r: restarts must be an integer from 1 to 1000: x' dc-kmeans -r x
check "-b 0" 2 'dc-kmeans: -b: beta must be a number from 1e-6 to 1e6: 0' dc-kmeans -b 0
check "-w power" 2 'dc-kmeans: -w: weights must be mag or none: power' dc-kmeans -w power
check "two files: what, then the usage" 2 'dc-kmeans: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-kmeans)
usage: dc-kmeans [-dv] [-b beta] [-c s1,s2,...] [-k K | auto[:MAX]] [-r restarts] [-s seed]
                 [-i maxiter] [-t dB] [-w mag | none] [file]' dc-kmeans a b
check "dc-kmeans -h" 0 '' dc-kmeans -h

check_in "dc-mask: tiny labels" 0 '' ok.dcs dc-mask
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
recs = L.read_records("out")
m = recs[-1]
Y = L.tensor(m)
want = np.array([[[1, 0, 0], [1e-5, 1, 0]], [[0, 1e-5, 1], [0, 0, 1e-5]]], np.complex64)
L.check("dc-mask: tiny labels: masked record", m["kind"] == "masked" and m["k"] == 2 and
        (m["nfft"], m["hop"], m["samples"], m["window"]) == (4, 2, 2, "sqrt-hann") and np.array_equal(Y, want), str(Y))
EOF
check_in "dc-mask: tiny masks" 0 '' okm.dcs dc-mask
check_in "dc-mask: no stft record" 1 'dc-mask: u: no stft record' nostft.dcs dc-mask
check_in "dc-mask: no labels or masks" 1 'dc-mask: u: no labels or masks record (dc-kmeans or dc-oracle makes them)' nolabels.dcs dc-mask
check_in "dc-mask: labels shape" 1 'dc-mask: u: labels record: shape [3, 2] disagrees with stft record [2, 3]' \
	lshape.dcs dc-mask
check_in "dc-mask: label out of range" 1 \
	'dc-mask: u: labels record: label 2 at frame 0, bin 1 is not from 0 to k - 1 = 1' lrange.dcs dc-mask
check_in "dc-mask: labels of float32" 1 'dc-mask: u: labels record: dtype float32, wanted int32' ldtype.dcs dc-mask
check_in "dc-mask: labels without k" 1 \
	'dc-mask: u: labels record: k: required key missing or of the wrong type' lnok.dcs dc-mask
check_in "dc-mask: masks k disagrees with their shape" 1 'dc-mask: u: masks record: k = 3 but shape [2, 2, 3]' \
	mk.dcs dc-mask
check_in "dc-mask: masks shape" 1 'dc-mask: u: masks record: shape [2, 3, 2] disagrees with stft record [2, 3]' \
	mshape.dcs dc-mask
check_in "dc-mask: mask above 1" 1 \
	'dc-mask: u: masks record: value 1.5 at source 1, frame 1, bin 2 is not in [0, 1]' mrange.dcs dc-mask
check_in "dc-mask: Inf in stft" 1 'dc-mask: u: stft record: NaN or Inf in the data' snan.dcs dc-mask
check_in "dc-mask: stft shape disagrees with its keys" 1 \
	'dc-mask: u: stft record: shape [2, 3] disagrees with its samples, nfft and hop ([6, 3])' sparams.dcs dc-mask
check "dc-mask: empty stdin" 1 'dc-mask: stdin: empty stream' dc-mask
check_in "dc-mask: garbage" 1 'dc-mask: stdin: not a dcsep stream (no header record)' garbage dc-mask
check_in "dc-mask: full disk" 1 'dc-mask: stdout: No space left on device' ok.dcs sh -c 'dc-mask >/dev/full'
check "dc-mask: two files: what, then the usage" 2 'dc-mask: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-mask)
usage: dc-mask [-k sources] [file]' dc-mask a b
check "dc-mask -h" 0 '' dc-mask -h
