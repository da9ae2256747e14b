# tests/sh/kmeans_blocks.sh: dc-kmeans on an utterance in blocks (dc_kmeans_block):
# made-up embeddings with a known answer, added after every stft record by a filter
# (the low half of the bins speaker 0, the high half speaker 1; each speaker's
# direction turning 60 degrees over the 25 s, noise drawn per frame; the high half
# is quiet, so that in some blocks few of its bins are loud enough to be fitted).
# Every bin of every block must have its speaker's label of the first block; -b
# masks agree with the labels; -k auto is refused on blocks; dc-mask and dc-istft
# take the labels block by block.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats"

"$PY" - "$DATA/speech" <<'EOF2' || fail "fixtures" "python failed"
import sys, glob, numpy as np, soundfile as sf
xs = [sf.read(f, dtype="float32")[0] for f in sorted(glob.glob(sys.argv[1] + "/*.flac"))]
x = np.concatenate(xs * 4)[:8000 * 25 - 13]
x = (x + 0.01 * np.random.default_rng(3).standard_normal(len(x))).astype(np.float32)
sf.write("in.wav", x, 8000, subtype="PCM_16")
EOF2
cat >embed.py <<'EOF2'
import sys, msgpack, numpy as np
D, a = 8, np.deg2rad(60) / 3125
r = np.random.default_rng(7)
P = np.linalg.qr(r.standard_normal((D, 4)))[0].T      # p0, q0, p1, q1 orthonormal
up = msgpack.Unpacker(sys.stdin.buffer, raw=False, max_buffer_size=0, strict_map_key=False)
t0, out = 0, sys.stdout.buffer
for rec in up:
    out.write(msgpack.packb(rec, use_bin_type=True))
    k = rec.get("kind")
    if k == "utt":
        t0 = 0
    elif k == "block":
        t0 = rec["t0"]
    elif k == "stft":
        T, F = rec["shape"]
        E = np.empty((T, F, D), np.float32)
        for t in range(T):
            g = t0 + t
            n = np.random.default_rng(10000 + g).standard_normal((F, D)) * 0.1
            for s in (0, 1):
                u = np.cos(a * g) * P[2 * s] + np.sin(a * g) * P[2 * s + 1]
                sl = slice(0, F // 2) if s == 0 else slice(F // 2, F)
                E[t, sl] = u + n[sl]
        E /= np.linalg.norm(E, axis=2, keepdims=True)
        out.write(msgpack.packb({"kind": "embed", "dtype": "float32", "shape": [T, F, D],
                                 "data": E.tobytes()}, use_bin_type=True))
EOF2
dc-stft -B 2.5 in.wav | "$PY" embed.py >be.dcs || fail "blocked embeddings" "failed"

check_in "blocks: dc-kmeans -k 2 -b 4" 0 "" be.dcs sh -c 'dc-kmeans -k 2 -b 4 >bl.dcs'
same "blocks: every bin its speaker's label of the first block; masks agree" "$("$PY" -c '
import numpy as np, dcstream
h, us = dcstream.read("bl.dcs")
u = us[0]
L = dcstream.join(u, "labels")
M = dcstream.join(u, "masks")
F = L.shape[1]
nb = len(u.blocks)
lo, hi = L[:, :F // 2], L[:, F // 2:]
first = (int(np.bincount(lo[:10].ravel()).argmax()), int(np.bincount(hi[:10].ravel()).argmax()))
bad = int((lo != first[0]).sum() + (hi != first[1]).sum())
print(nb, first[0] != first[1], bad, L.shape[0] == sum(b.frames for b in u.blocks), bool((M.argmax(0) == L).all()))
')" "10 True 0 True True"
check_in "blocks: -k auto refused" 1 \
    "dc-kmeans: in: -k auto: an utterance in blocks: K is counted per utterance, and a block is not one (give -k K)" \
    be.dcs dc-kmeans -k auto
same "blocks: -v, a line a block, with the frames of the block before" \
    "$(dc-kmeans -v -k 2 <be.dcs 2>&1 >/dev/null | grep -c '^dc-kmeans: in: block [0-9]*: .* (100 frames of the block before with them)')" 9
check "blocks: dc-mask and dc-istft take the labels" 0 "" \
    sh -c 'dc-kmeans -k 2 <be.dcs | dc-mask | dc-istft -o "o%k.wav"'
same "blocks: two sources of the input's length" "$(soxi -s o1.wav o2.wav | tr '\n' ' ')" \
    "$(soxi -s in.wav) $(soxi -s in.wav) "
