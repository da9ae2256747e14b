# tests/sh/kmeans_blocks.sh: dc-kmeans on an utterance in blocks (dc_kmeans_block):
# made-up embeddings with a known answer, added after every stft record by a filter
# (the low half of the bins speaker 0, the high half speaker 1; each speaker's
# direction turning 60 degrees over the 25 s, noise drawn per frame; the high half
# is quiet, so that in some blocks few of its bins are loud enough to be fitted).
# Every bin of every block must have its speaker's label of the first block, also
# in blocks shorter than the 100 frames carried from one block to the next; -b
# masks agree with the labels; -k auto counts K on the first block; dc-mask and dc-istft
# take the labels block by block. Memory (the plain build): on 30 s in blocks of 10
# s with D = 40 (25.8 MB of embeddings a block), dc-kmeans's peak RSS is within a
# third of a block's embeddings of its peak on one of those blocks alone (the 100
# frames carried are 2 MB; it was twice a block's more before 2026-12-04): the
# frames carried and the block are clustered where they lie, not copied together.
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

# with -w mag too: the same answer with the bins weighed, the tail's weights carried
# (the high half quiet: its bins weigh little, yet keep their speaker)
for w in none mag; do
	check_in "blocks: dc-kmeans -k 2 -b 4 -w $w" 0 "" be.dcs sh -c "dc-kmeans -k 2 -b 4 -w $w >bl-$w.dcs"
	same "blocks, -w $w: every bin its speaker's label of the first block; masks agree" "$("$PY" -c '
import sys, numpy as np, dcstream
h, us = dcstream.read(sys.argv[1])
u = us[0]
L = dcstream.join(u, "labels")
M = dcstream.join(u, "masks")
F = L.shape[1]
nb = len(u.blocks)
lo, hi = L[:, :F // 2], L[:, F // 2:]
first = (int(np.bincount(lo[:10].ravel()).argmax()), int(np.bincount(hi[:10].ravel()).argmax()))
bad = int((lo != first[0]).sum() + (hi != first[1]).sum())
print(nb, first[0] != first[1], bad, L.shape[0] == sum(b.frames for b in u.blocks), bool((M.argmax(0) == L).all()))
' "bl-$w.dcs")" "10 True 0 True True"
done
# labels: the check above on a stream of blocked labels
labels_ok() {
	"$PY" -c '
import sys, numpy as np, dcstream
h, us = dcstream.read(sys.argv[1])
u = us[0]
L = dcstream.join(u, "labels")
F = L.shape[1]
lo, hi = L[:, :F // 2], L[:, F // 2:]
first = (int(np.bincount(lo[:10].ravel()).argmax()), int(np.bincount(hi[:10].ravel()).argmax()))
bad = int((lo != first[0]).sum() + (hi != first[1]).sum())
print(len(u.blocks), u.blocks[0].frames, first[0] != first[1], bad)
' "$1"
}
# -w mag in blocks weighs as a whole utterance does: the whole stream written again
# as one block gives its labels and masks, bit for bit (and differs from -w none)
dc-stft -B 0 in.wav | "$PY" embed.py >whole.dcs || fail "whole embeddings" "failed"
"$PY" - <<'EOF2' || fail "one block" "python failed"
import msgpack
recs = list(msgpack.Unpacker(open("whole.dcs", "rb"), raw=False, max_buffer_size=0, strict_map_key=False))
hdr, utt, rest = recs[0], recs[1], recs[2:]
T = rest[0]["shape"][0]
out = [dict(hdr, version=2), dict(utt, blocks=True), {"kind": "block", "t0": 0, "frames": T, "last": True}] + rest
open("oneblock.dcs", "wb").write(b"".join(msgpack.packb(r, use_bin_type=True) for r in out))
EOF2
for w in mag none; do
	dc-kmeans -k 2 -b 4 -w $w whole.dcs >kw-$w.dcs || fail "whole, -w $w" "failed"
	dc-kmeans -k 2 -b 4 -w $w oneblock.dcs >kb-$w.dcs || fail "one block, -w $w" "failed"
done
same "-w mag: one block's labels and masks are the whole utterance's; -w none's differ" "$("$PY" -c '
import numpy as np, dcstream
def lm(p):
    u = dcstream.read(p)[1][0]
    return dcstream.join(u, "labels"), dcstream.join(u, "masks")
(wl, wm), (bl, bm), (nl, nm) = lm("kw-mag.dcs"), lm("kb-mag.dcs"), lm("kw-none.dcs")
(nbl, nbm) = lm("kb-none.dcs")
print(np.array_equal(wl, bl) and np.array_equal(wm, bm), np.array_equal(nl, nbl) and np.array_equal(nm, nbm),
      not np.array_equal(wm, nm))
')" "True True True"
dc-stft -B 0.5 in.wav | "$PY" embed.py | dc-kmeans -k 2 >bs.dcs || fail "blocks of 0.5 s: dc-kmeans" "failed"
same "blocks of 63 frames, fewer than the 100 carried: every bin its speaker's label" \
    "$(labels_ok bs.dcs)" "50 63 True 0"

# -k auto: K counted on the first block, then kept: the same labels as -k 2, each
# labels record with k_max and the first block's spread (the quiet speaker's few
# loud bins make the first block's spread 0.099: -c 0.05 counts two there)
dc-kmeans -k 2 <be.dcs >b2.dcs || fail "blocks: -k 2" "failed"
dc-kmeans -v -k auto -c 0.05 <be.dcs >ba.dcs 2>auto.err || fail "blocks: -k auto" "failed"
same "blocks: -k auto: K = 2 counted on the first block, once" \
    "$(grep -c '^dc-kmeans: in: K = 2 counted (spread 0\.[0-9]* of [0-9]* bins, at most 4)$' auto.err)" 1
same "blocks: -k auto: every bin its speaker's label, as with -k 2" "$(labels_ok ba.dcs)" \
    "$(labels_ok b2.dcs)"
same "blocks: -k auto: each block's labels say k 2, k_max 4 and the first block's spread" \
    "$("$PY" -c '
import dcstream
h, us = dcstream.read("ba.dcs")
ls = [r for b in us[0].blocks for r in b.records if r["kind"] == "labels"]
print(len(ls), {(r["k"], r["k_max"], r["spread"]) for r in ls} == {(2, 4, ls[0]["spread"])})
')" "10 True"
same "blocks: -v, a line a block, with the frames of the block before" \
    "$(dc-kmeans -v -k 2 <be.dcs 2>&1 >/dev/null | grep -c '^dc-kmeans: in: block [0-9]*: .* (100 frames of the block before with them)')" 9
check "blocks: dc-mask and dc-istft take the labels" 0 "" \
    sh -c 'dc-kmeans -k 2 <be.dcs | dc-mask | dc-istft -o "o%k.wav"'
same "blocks: two sources of the input's length" "$(soxi -s o1.wav o2.wav | tr '\n' ' ')" \
    "$(soxi -s in.wav) $(soxi -s in.wav) "

case "$B" in
*san*) skip "dc-kmeans: peak RSS in blocks" "a sanitized build ($B)"; exit 0 ;;
esac
if [ "${VALGRIND:-0}" = 1 ]; then
	skip "dc-kmeans: peak RSS in blocks" "under valgrind"
	exit 0
fi
"$PY" - <<'EOF2' || fail "memory fixtures" "python failed"
import numpy as np, msgpack
T, F, D = 1250, 129, 40
r = np.random.default_rng(5)
c = r.standard_normal((2, D))
h = {"kind": "dcsep", "version": 2, "history": ["test"]}
keys = dict(rate=8000, nfft=256, hop=64, window="sqrt-hann")
def recs(t0, last, blocked):
    X = (r.standard_normal((T, F)) + 1j * r.standard_normal((T, F))).astype(np.complex64)
    E = c[(np.arange(F) >= F // 2).astype(int)][None, :, :] + 0.3 * r.standard_normal((T, F, D))
    E = (E / np.linalg.norm(E, axis=2, keepdims=True)).astype(np.float32)
    out = []
    if blocked:
        out.append({"kind": "block", "t0": t0, "frames": T, "last": last})
    out.append(dict(kind="stft", dtype="complex64", shape=[T, F], data=X.tobytes(),
                    samples=T * 64 if blocked and not last else T * 64 - 192, **keys))
    out.append({"kind": "embed", "dtype": "float32", "shape": [T, F, D], "data": E.tobytes()})
    return out
with open("mb.dcs", "wb") as f:
    for rec in [h, {"kind": "utt", "id": "m", "rate": 8000}] + recs(0, True, False):
        f.write(msgpack.packb(rec, use_bin_type=True))
with open("mB.dcs", "wb") as f:
    recs3 = recs(0, False, True) + recs(T, False, True) + recs(2 * T, True, True)
    for rec in [h, {"kind": "utt", "id": "m", "rate": 8000, "blocks": True}] + recs3:
        f.write(msgpack.packb(rec, use_bin_type=True))
EOF2
/usr/bin/time -f %M -o r1 dc-kmeans -k 2 -b 3 <mb.dcs >/dev/null || fail "memory: one block alone" "failed"
/usr/bin/time -f %M -o r3 dc-kmeans -k 2 -b 3 <mB.dcs >/dev/null || fail "memory: three blocks" "failed"
num "dc-kmeans: peak RSS on 3 blocks of 1250 frames over one such utterance, KB ($(cat r1) KB alone)" \
    "$(($(cat r3) - $(cat r1)))" "<" $((1250 * 129 * 40 * 4 / 3 / 1024))
