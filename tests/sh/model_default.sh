# model_default.sh: the shipped model, loaded and run once, on the shipped example:
# dc-embed without -m finds models/default.dcm beside the build, its embeddings are
# finite and of unit length, and the network pipeline separates the example.
. "$ROOT/tests/lib.sh"
E="$ROOT/examples"
unset DCSEP_MODEL
dc-stft "$E/mix.wav" >mix.dcs
check_in "dc-embed finds the shipped model" 0 '' mix.dcs dc-embed
cp out emb.dcs
"$PY" - <<'PYEOF'
import sys
sys.path.insert(0, __import__("os").environ["ROOT"] + "/formats")
import numpy as np, dcstream
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
recs = list(dcstream.records(open("emb.dcs", "rb")))
st = [r for r in recs if r["kind"] == "stft"][0]
em = [r for r in recs if r["kind"] == "embed"][0]
V, X = em["data"], st["data"]
check("embed: T x F x 40, T and F of the stft", V.shape == (X.shape[0], X.shape[1], 40), str(V.shape))
n = np.linalg.norm(V, axis=2)
check("embed: finite and of unit length", np.isfinite(V).all() and np.abs(n - 1).max() < 1e-4,
      "%g" % np.abs(n - 1).max())
check("embed: names the model", em["model"].startswith("dcsep-4x300"), em["model"])
PYEOF
dc-kmeans -k 2 <emb.dcs | dc-mask | dc-istft -e float -o 'net-s%k.wav'
check "dc-eval of the network's separation" 0 '' dc-eval -t -m "$E/mix.wav" -r "$E/s1.wav" -r "$E/s2.wav" \
    net-s1.wav net-s2.wav
sdri=$(awk -F '\t' '$1 == "mean" { print $6 }' out)
num "the shipped model separates the example: SDRi" "$sdri" ">" 3
