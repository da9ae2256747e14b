#!/bin/sh
# kmeans_auto.sh: dc-kmeans -k auto counts the clusters of made-up embeddings whose
# number is known (1 to 4 orthonormal codes with noise, in shares that put each
# spread well inside its band), reports the spread numpy computes, obeys auto:MAX
# and -c, calls digital silence one source, and counts the two speakers of the
# example mixture with the shipped model.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh"

"$PY" - <<'EOF' || fail "make streams" "python failed"
import numpy as np, oracle_lib as L
rng = np.random.default_rng(7)
T, F, D = 60, 33, 20
q, _ = np.linalg.qr(rng.standard_normal((D, D)))
shares = {1: [1.0], 2: [0.65, 0.35], 3: [0.5, 0.3, 0.2], 4: [0.3, 0.25, 0.25, 0.2]}
recs = []
for k, w in shares.items():
    lab = rng.choice(k, size=(T, F), p=w)
    e = q[:k][lab] + 0.05 * rng.standard_normal((T, F, D))
    e /= np.linalg.norm(e, axis=-1, keepdims=True)
    recs += [{"kind": "utt", "id": "k%d" % k, "rate": 8000, "samples": 1000},
             L.tensor_rec("embed", e.astype(np.float32), model="synthetic")]
L.write_stream("codes.dcs", recs)
# digital silence: a zero stft and the same embeddings as k3
X = np.zeros((T, F), np.complex64)
st = L.tensor_rec("stft", X, rate=8000, nfft=64, hop=16, samples=(T - 1) * 16 - 47, window="sqrt-hann")
L.write_stream("silence.dcs", [{"kind": "utt", "id": "zero", "rate": 8000, "samples": (T - 1) * 16 - 47}, st, recs[5]])
EOF

check_in "-k auto -v" 0 '*' codes.dcs dc-kmeans -k auto -v
cp out auto.dcs
cp err auto.err
"$PY" - <<'EOF'
import re, numpy as np, oracle_lib as L
recs = L.read_records("auto.dcs")
cuts = [0.345, 0.575, 0.67]
msgs = open("auto.err").read().splitlines()
for utt, rest in L.utterances(recs):
    k = int(utt["id"][1])
    E = L.tensor(L.last(rest, "embed")).astype(np.float64)
    lab = L.last(rest, "labels")
    s = 1 - np.sum(E.reshape(-1, E.shape[-1]).mean(0) ** 2)
    want = 1 + sum(s >= c for c in cuts)
    L.check("%s: the rule counts %d (spread %.4f)" % (utt["id"], k, s), want == k, "counts %d" % want)
    L.check("%s: labels k = %d, k_max 4" % (utt["id"], k), (lab["k"], lab["k_max"]) == (k, 4), str((lab["k"], lab["k_max"])))
    L.check("%s: spread as numpy's (%.3g off)" % (utt["id"], abs(lab["spread"] - s)), abs(lab["spread"] - s) < 1e-6, "%r" % lab["spread"])
    got = L.tensor(lab)
    L.check("%s: labels 0 .. %d" % (utt["id"], k - 1), sorted(np.unique(got)) == list(range(k)), str(np.unique(got)))
    line = "dc-kmeans: %s: K = %d counted (spread %.4f of %d bins, at most 4)" % (utt["id"], k, s, E.shape[0] * E.shape[1])
    L.check("%s: -v names the count" % utt["id"], line in msgs, repr(msgs))
EOF
check_in "-k auto:2 caps the count" 0 '' codes.dcs dc-kmeans -k auto:2
"$PY" - <<'EOF'
import oracle_lib as L
ks = [L.last(r, "labels")["k"] for _, r in L.utterances(L.read_records("out"))]
L.check("auto:2: K of 1, 2, 2, 2", ks == [1, 2, 2, 2], str(ks))
EOF
check_in "-c 0.9: one threshold, high" 0 '' codes.dcs dc-kmeans -k auto -c 0.9
"$PY" - <<'EOF'
import oracle_lib as L
ks = [L.last(r, "labels")["k"] for _, r in L.utterances(L.read_records("out"))]
L.check("-c 0.9: every utterance one source", ks == [1, 1, 1, 1], str(ks))
EOF
check_in "-c 0.1,0.2,0.3: low thresholds" 0 '' codes.dcs dc-kmeans -k auto -c 0.1,0.2,0.3
"$PY" - <<'EOF'
import oracle_lib as L
ks = [L.last(r, "labels")["k"] for _, r in L.utterances(L.read_records("out"))]
L.check("-c 0.1,0.2,0.3: 1 below, the rest 4", ks == [1, 4, 4, 4], str(ks))
EOF
check_in "-k 3: no count keys" 0 '' codes.dcs dc-kmeans -k 3
"$PY" - <<'EOF'
import oracle_lib as L
lab = [L.last(r, "labels") for _, r in L.utterances(L.read_records("out"))]
L.check("-k 3: k 3 everywhere, no spread or k_max", all(l["k"] == 3 and "spread" not in l and "k_max" not in l for l in lab), "")
EOF
check_in "digital silence: one source" 0 'dc-kmeans: zero: K = 1 counted (digital silence)' silence.dcs sh -c 'dc-kmeans -k auto -v 2>&1 >/dev/null | head -n 1 >&2'
check_in "digital silence: labels k 1" 0 '' silence.dcs dc-kmeans -k auto
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
lab = L.last(L.read_records("out"), "labels")
L.check("silence: k = 1, spread 0, every label 0", (lab["k"], lab["spread"]) == (1, 0) and not L.tensor(lab).any(), str(lab))
EOF

# the example mixture, two speakers held out of training, with the shipped model
dc-stft "$ROOT/examples/mix.wav" | dc-embed -m "$ROOT/models/default.dcm" >mix.dcs
check_in "example mixture: K = 2 counted" 0 '*' mix.dcs dc-kmeans -k auto -v
same "example mixture: -v" "$(grep -c 'mix: K = 2 counted' err)" 1

# usage errors
check "-k auto:0" 2 "dc-kmeans: -k: auto's MAX must be an integer from 1 to 8: auto:0" dc-kmeans -k auto:0
check "-k auto:9" 2 "dc-kmeans: -k: auto's MAX must be an integer from 1 to 8: auto:9" dc-kmeans -k auto:9
check "-k autox" 2 'dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: autox' dc-kmeans -k autox
check "-c decreasing" 2 'dc-kmeans: -c: thresholds must be 1 to 7 increasing numbers from 0 to 1, comma-separated: 0.5,0.4' dc-kmeans -c 0.5,0.4
check "-c trailing comma" 2 'dc-kmeans: -c: thresholds must be 1 to 7 increasing numbers from 0 to 1, comma-separated: 0.5,' dc-kmeans -c 0.5,
check "-c an empty field" 2 'dc-kmeans: -c: thresholds must be 1 to 7 increasing numbers from 0 to 1, comma-separated: 0.2,,0.4' dc-kmeans -c 0.2,,0.4
check "-c above 1" 2 'dc-kmeans: -c: thresholds must be 1 to 7 increasing numbers from 0 to 1, comma-separated: 1.5' dc-kmeans -c 1.5
check "-c eight" 2 'dc-kmeans: -c: thresholds must be 1 to 7 increasing numbers from 0 to 1, comma-separated: .1,.2,.3,.4,.5,.6,.7,.8' dc-kmeans -c .1,.2,.3,.4,.5,.6,.7,.8
