#!/bin/sh
# tests/sh/embed_blocks.sh: dc-embed on an utterance in blocks (dc-stft -B), with
# the shipped model. Each block's records go out as they came, followed by an embed
# record of the block's frames; with a context that reaches over the whole
# utterance (-w 1000,1000) each block's embeddings are the whole utterance's, bit
# for bit; with the default context (2 s each side) they stay close to them (mean
# cosine above 0.95); the level dc-embed measures is that of the blocks read so
# far; utterances in blocks and whole ones mix in one stream; a
# block's stft record that disagrees with its block is refused with its message.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh:$ROOT/formats"
SP=$DATA/speech
M=$ROOT/models/default.dcm

# 13 s of the test speech, an odd length
"$PY" - "$SP" <<'EOF' || fail "fixtures" "python failed"
import sys, glob, numpy as np, soundfile as sf
xs = [sf.read(f, dtype="float32")[0] for f in sorted(glob.glob(sys.argv[1] + "/*.flac"))]
x = np.concatenate(xs * 2)[:8000 * 13 - 7]
sf.write("in.wav", x, 8000, subtype="FLOAT")
sf.write("short.wav", x[:8000 * 2], 8000, subtype="FLOAT")
EOF
dc-stft -B 4 in.wav >b.dcs || fail "dc-stft -B 4" "failed"
dc-stft -B 0 in.wav >w.dcs || fail "dc-stft -B 0" "failed"
dc-stft -B 0 short.wav >s.dcs || fail "dc-stft short" "failed"
cat b.dcs s.dcs >bs.dcs

check_in "whole utterance" 0 '' w.dcs dc-embed -m "$M"
mv out we.dcs
check_in "blocks of 4 s, the default context" 0 '' b.dcs dc-embed -m "$M"
mv out be.dcs
check_in "blocks of 4 s, -w 1000,1000: every block sees the whole utterance" 0 '' b.dcs \
    dc-embed -m "$M" -w 1000,1000
mv out bf.dcs
check_in "blocks of 4 s, -w 1,0: no context" 0 '' b.dcs dc-embed -m "$M" -w 1,0
mv out b0.dcs
check_in "blocks, then a whole utterance, in one stream" 0 '' bs.dcs dc-embed -m "$M"
mv out bse.dcs
check_in "the short utterance alone" 0 '' s.dcs dc-embed -m "$M"
mv out se.dcs

"$PY" - <<'EOF'
import os, numpy as np
import dcstream

def check(name, ok, why=""):
    print(("PASS: %s" % name) if ok else ("FAIL: %s: %s" % (name, why)))

def embeds(path):
    return [r for r in dcstream.records(path) if r["kind"] == "embed"]

def arr(r):
    return np.frombuffer(r["data"], np.float32).reshape(r["shape"])

W = arr(embeds("we.dcs")[0])
kinds = [r["kind"] for r in dcstream.records("be.dcs")]
want = ["dcsep", "utt"] + ["block", "stft", "embed"] * 4
check("records: header, utt, then block, stft, embed for each of the 4 blocks", kinds == want, str(kinds))
hdr = next(iter(dcstream.records("be.dcs")))
check("version 2, history dc-stft, dc-embed", hdr["version"] == 2 and hdr["history"] == ["dc-stft", "dc-embed"],
      str(hdr))
blocks = [r for r in dcstream.records("be.dcs") if r["kind"] == "block"]
eb = embeds("be.dcs")
check("each embed record has its block's frames",
      [e["shape"] for e in eb] == [[b["frames"], 129, 40] for b in blocks], str([e["shape"] for e in eb]))
F = np.concatenate([arr(e) for e in embeds("bf.dcs")])
# bit for bit where the CPU has AVX-512; on AVX2 alone a product's bits change with
# its rows (tests/lib.sh same_net): within 1e-5
if os.environ.get("DCSEP_TEST_EXACT", "1") == "1":
    check("-w 1000,1000: the blocks' embeddings are the whole utterance's bit for bit",
          F.shape == W.shape and np.array_equal(F, W), "%s %s" % (F.shape, W.shape))
else:
    d = np.abs(F - W).max() if F.shape == W.shape else np.inf
    check("-w 1000,1000: the blocks' embeddings are the whole utterance's (no AVX-512: within %.2g)" % d,
          d <= 1e-5, "%s %s %.3g" % (F.shape, W.shape, d))
B = np.concatenate([arr(e) for e in eb])
n = np.linalg.norm(W, axis=-1) > 0
cos = (B * W).sum(-1)[n].mean()
B0 = np.concatenate([arr(e) for e in embeds("b0.dcs")])
cos0 = (B0 * W).sum(-1)[n].mean()
check("the default context: mean cosine to the whole utterance's above 0.95 (%.4f)" % cos,
      cos > 0.95, "%.4f" % cos)
check("... closer than without context (%.4f)" % cos0, cos > cos0, "%.4f vs %.4f" % (cos, cos0))
mixed = embeds("bse.dcs")
check("a whole utterance after blocks: its embed record as alone",
      len(mixed) == 5 and np.array_equal(arr(mixed[4]), arr(embeds("se.dcs")[0])), str(len(mixed)))
check("... and the blocks' as alone", all(np.array_equal(arr(a), arr(b)) for a, b in zip(mixed[:4], eb)))
# the level (dc-embed -l): each block's that of the blocks read when it went
# through the network: the last block's, and every block's with a context over the
# whole utterance, the whole utterance's, bit for bit; the first block's its own
# and its context's
wl, bl = embeds("we.dcs")[0], embeds("be.dcs")
check("the level: the last block's is the whole utterance's (%.4f dB)" % wl["level"],
      bl[-1]["level"] == wl["level"] and bl[-1]["gain"] == wl["gain"], str(bl[-1]["level"]))
check("the level: -w 1000,1000: every block's is the whole utterance's",
      all(e["level"] == wl["level"] and e["gain"] == wl["gain"] for e in embeds("bf.dcs")))
check("the level: the first block's, in the default context, another (%.4f dB)" % bl[0]["level"],
      bl[0]["level"] != wl["level"] and abs(bl[0]["level"] - wl["level"]) < 3, str(bl[0]["level"]))

EOF

# the same block with one frame less in its block record than its stft record has
"$PY" - <<'EOF' || fail "bad stream" "python failed"
import msgpack
with open("b.dcs", "rb") as f:
    recs = list(msgpack.Unpacker(f, raw=False))
with open("bad.dcs", "wb") as f:
    for r in recs:
        if r["kind"] == "block" and r["t0"] == 0:
            r = dict(r, frames=r["frames"] - 1)
        if r["kind"] == "block" and r["t0"] > 0:
            r = dict(r, t0=r["t0"] - 1)
        f.write(msgpack.packb(r, use_bin_type=True))
EOF
check_in "a block's stft record with more frames than its block" 1 \
    "dc-embed: in: stft record: shape [500, 129] disagrees with its block at t0 0 (499 frames) and its samples 32000, nfft and hop" \
    bad.dcs dc-embed -m "$M"

# a model with a mask-inference head of 2 sources: a masks record a block, after
# its embed record; with the whole utterance as context, the blocks' masks are the
# whole utterance's bit for bit (each block's sources ordered as the block before's
# by the frames both windows hold: here the same order)
dc-train -q -i -L 1 -H 4 -D 3 -M 2 -o mi.dcm 2>/dev/null || fail "a model with a head" "dc-train failed"
check_in "head: whole" 0 '' w.dcs dc-embed -m mi.dcm
mv out miw.dcs
check_in "head: blocks, -w 1000,1000" 0 '' b.dcs dc-embed -m mi.dcm -w 1000,1000
mv out mif.dcs
check_in "head: blocks, the default context" 0 '' b.dcs dc-embed -m mi.dcm
mv out mid.dcs
"$PY" - <<'PYEOF'
import os, numpy as np
import dcstream

def check(name, ok, why=""):
    print(("PASS: %s" % name) if ok else ("FAIL: %s: %s" % (name, why)))

W = dcstream.read("miw.dcs")[1][0]["masks"]["data"]
kinds = [r["kind"] for r in dcstream.records("mid.dcs")]
check("head: block, stft, embed, masks for each of the 4 blocks",
      kinds == ["dcsep", "utt"] + ["block", "stft", "embed", "masks"] * 4, str(kinds))
for f, exact in (("mif.dcs", True), ("mid.dcs", False)):
    parts = [np.frombuffer(r["data"], np.float32).reshape(r["shape"]) for r in dcstream.records(f)
             if r["kind"] == "masks"]
    B = np.concatenate(parts, axis=1)
    if exact and os.environ.get("DCSEP_TEST_EXACT", "1") == "1":
        check("head, -w 1000,1000: the blocks' masks are the whole utterance's bit for bit",
              B.shape == W.shape and np.array_equal(B, W), str(B.shape))
    elif exact:
        d = np.abs(B - W).max() if B.shape == W.shape else np.inf
        check("head, -w 1000,1000: the blocks' masks are the whole utterance's (no AVX-512: within "
              "%.2g)" % d, d <= 1e-5, "%s %.3g" % (B.shape, d))
    else:
        d = np.abs(B - W).mean()
        check("head, default context: masks within 0.01 of the whole utterance's on average (%.2g)" % d,
              B.shape == W.shape and d < 0.01, "%.3g" % d)
PYEOF
