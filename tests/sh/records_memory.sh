#!/bin/sh
# tests/sh/records_memory.sh: dc-mask and dc-istft hold the records they use, not
# more (issue 23). On a synthetic utterance of 6000 frames (48 s: stft, labels and
# masks of 3 to 6 MB, masked 12 MB):
# - dc-mask's output, byte for byte as numpy builds and msgpack packs it, for the
#   later of labels and masks in either order, and with -k 1;
# - dc-istft uses the last masked record, also when a stft record or an earlier
#   masked record comes before it or a stft record after it, or a key after its
#   data: the same files;
# - peak RSS (GNU time; the plain build only: the sanitizers' memory is not the
#   tools'): a labels record before the masks record, or a stft record before the
#   masked one, is not held beside it (a quarter of its size at most), and above
#   an utterance of no samples, dc-mask takes at most 1.5 times the records it
#   uses (stft, masks, masked), and dc-istft a third of the masked record (its
#   data is read as it comes, into samples: a quarter of its bytes).
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh"

"$PY" - <<'EOF' || fail "fixtures" "python failed"
import numpy as np, oracle_lib as L
rng = np.random.default_rng(3)
T, F = 6000, 129
keys = dict(rate=8000, nfft=256, hop=64, samples=T * 64 - 192, window="sqrt-hann")
utt = {"kind": "utt", "id": "long", "rate": 8000, "samples": keys["samples"]}
X = (rng.standard_normal((T, F)) + 1j * rng.standard_normal((T, F))).astype(np.complex64)
X[:, 5] = -np.abs(X[:, 5].real) - 1j * np.abs(X[:, 5].imag)  # times masks of 0: zeros' signs
st = L.tensor_rec("stft", X, **keys)
lab = rng.integers(0, 2, (T, F)).astype(np.int32)
M = rng.random((2, T, F)).astype(np.float32)
M[0, :, 5], M[1, :, 5] = 0, 1
lr = L.tensor_rec("labels", lab, k=2, by="x")
mr = L.tensor_rec("masks", M, k=2, by="x")
L.write_stream("lm.dcs", [utt, st, lr, mr])
L.write_stream("ml.dcs", [utt, st, mr, lr])
L.write_stream("m.dcs", [utt, st, mr])
z = dict(keys, samples=0)
L.write_stream("z.dcs", [{"kind": "utt", "id": "z", "rate": 8000, "samples": 0},
    L.tensor_rec("stft", np.zeros((0, F), np.complex64), **z),
    L.tensor_rec("masks", np.zeros((2, 0, F), np.float32), k=2, by="x")])
EOF
for f in lm ml m z; do
	dc-mask $f.dcs >$f.out || fail "dc-mask $f.dcs" "failed"
done
dc-mask -k 1 lm.dcs >lm1.out || fail "dc-mask -k 1" "failed"

"$PY" - <<'EOF'
import numpy as np, msgpack, oracle_lib as L

def masked(recs, keep=0):
    """The masked record's bytes: X split by the later of labels and masks."""
    st = L.last(recs, "stft")
    X = L.tensor(st)
    lm = [r for r in recs if r["kind"] in ("labels", "masks")][-1]
    A = L.tensor(lm)
    if lm["kind"] == "labels":
        Y = np.zeros((lm["k"],) + X.shape, np.complex64)
        for k in range(lm["k"]):
            Y[k][A == k] = X[A == k]
    else:   # each part times the mask in float32, as the tool does
        Y = np.stack([X.real[None] * A, X.imag[None] * A], -1).astype(np.float32)
        Y = Y.view(np.complex64)[..., 0]
    if keep:
        e = [np.sum(Y[k].view(np.float32).astype(np.float64) ** 2) for k in range(len(Y))]
        Y = Y[sorted(np.argsort(e, kind="stable")[::-1][:keep])]
    rec = {"kind": "masked"}
    rec.update({k: st[k] for k in ("rate", "nfft", "hop", "samples", "window")})
    rec.update(k=len(Y), dtype="complex64", shape=list(Y.shape), data=Y.tobytes())
    return msgpack.packb(rec, use_bin_type=True)

for name, out, keep in (("lm.dcs", "lm.out", 0), ("ml.dcs", "ml.out", 0), ("lm.dcs", "lm1.out", 1)):
    a, b = L.read_raw(name), L.read_raw(out)
    used = [r["kind"] for r, _ in a if r["kind"] in ("labels", "masks")][-1]
    L.check("dc-mask %s%s: the records in, then masked by %s, byte for byte as numpy's"
            % ("-k 1 " if keep else "", name, used),
            [x for _, x in a[1:]] + [masked([r for r, _ in a], keep)] == [x for _, x in b[1:]],
            "differ")
recs = L.read_records("ml.out")
utt, mk = recs[1], L.last(recs, "masked")
st = L.last(recs, "stft")
quiet = dict(mk, data=bytes(len(mk["data"])))  # an earlier masked record: silence
L.write_stream("a.dcs", [utt, mk])
L.write_stream("b.dcs", [utt, st, mk])
L.write_stream("c.dcs", [utt, st, quiet, mk])
L.write_stream("d.dcs", [utt, quiet, mk, st])
# a key after the data: read whole, not as it comes
L.write_stream("e.dcs", [utt, st, dict(mk, after=1)])
EOF
dc-istft -e float -o 'a-%k.wav' a.dcs || fail "dc-istft a.dcs" "failed"
for f in b c d e; do
	dc-istft -e float -o "$f-%k.wav" $f.dcs || fail "dc-istft $f.dcs" "failed"
	if cmp -s a-1.wav $f-1.wav && cmp -s a-2.wav $f-2.wav && [ ! -e $f-3.wav ]; then
		pass "dc-istft $f.dcs: the last masked record's files, as from it alone"
	else
		fail "dc-istft $f.dcs: the last masked record's files" "differ from a.dcs's"
	fi
done

case "$B" in
*san*) skip "peak RSS of dc-mask and dc-istft" "a sanitized build ($B)"; exit 0 ;;
esac
if [ "${VALGRIND:-0}" = 1 ]; then
	skip "peak RSS of dc-mask and dc-istft" "under valgrind"
	exit 0
fi
# rss CMD...: its peak RSS in KB by GNU time, or "none"
rss() {
	rm -f rss.txt
	/usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1
	case $(cat rss.txt 2>/dev/null) in ''|*[!0-9]*) echo none ;; *) cat rss.txt ;; esac
}
# below NAME A B BOUND: A - B (KB) is below BOUND, both measured
below() {
	case "$2$3" in
	*none*) fail "$1" "not measured ($2, $3 KB)" ;;
	*) num "$1" "$(($2 - $3))" "<" "$4" ;;
	esac
}
# bytes F KIND: the bytes of the last record of KIND in stream F
bytes() {
	"$PY" -c 'import sys, oracle_lib as L
print([len(x) for r, x in L.read_raw(sys.argv[1]) if r["kind"] == sys.argv[2]][-1])' "$1" "$2"
}
lab=$(bytes lm.dcs labels) stft=$(bytes lm.dcs stft) masks=$(bytes lm.dcs masks)
mkd=$(bytes lm.out masked)
a=$(rss dc-mask lm.dcs) b=$(rss dc-mask m.dcs) z=$(rss dc-mask z.dcs)
below "dc-mask: peak RSS with a labels record before the masks, KB above without" \
    "$a" "$b" "$((lab / 4096))"
below "dc-mask: peak RSS above an utterance of no samples ($z KB), KB" "$b" "$z" \
    "$(((stft + masks + mkd) * 3 / 2048))"
a=$(rss dc-istft -o 'r-%k.wav' a.dcs) b=$(rss dc-istft -o 'r-%k.wav' b.dcs)
z=$(rss dc-istft -o 'r-%k.wav' z.out)
below "dc-istft: peak RSS with a stft record before the masked, KB above without" \
    "$b" "$a" "$((stft / 4096))"
below "dc-istft: peak RSS above an utterance of no samples ($z KB), KB" "$a" "$z" \
    "$((mkd / 3072))"
