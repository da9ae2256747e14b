#!/bin/sh
# tests/sh/blocks.sh: utterances in blocks (formats/stream.md, "Blocks"). A long
# input through dc-stft -B, dc-mask and dc-istft gives, block by block, the very
# numbers of the whole utterance: the stft frames, the masked spectra and the audio,
# bit for bit. The reader's checks of the blocks (exact messages and exit codes, the
# same from the Python reader), the tools that read whole utterances refusing them,
# and streams without blocks unchanged (version 1).
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh:$ROOT/formats"
SP=$DATA/speech

# ---------------------------------------------------------------- input
# 25 s: the speech files one after another, over quiet noise, an odd length; the
# same at 16 kHz in stereo (downmixed and resampled as it is read)
"$PY" - "$SP" <<'EOF' || fail "fixtures" "python failed"
import sys, glob, numpy as np, soundfile as sf
xs = [sf.read(f, dtype="float32")[0] for f in sorted(glob.glob(sys.argv[1] + "/*.flac"))]
x = np.concatenate(xs * 4)[:8000 * 25 - 13]
r = np.random.default_rng(3)
x = (x + 0.01 * r.standard_normal(len(x))).astype(np.float32)
sf.write("in.wav", x, 8000, subtype="PCM_16")
sf.write("st16.wav", np.stack([x, 0.5 * x], 1), 16000, subtype="FLOAT")
EOF

# ---------------------------------------------------------------- dc-stft
dc-stft -B 2.5 in.wav >b.dcs || fail "dc-stft -B 2.5" "failed"
dc-stft -B 0 in.wav >w.dcs || fail "dc-stft -B 0" "failed"
dc-stft in.wav >d.dcs || fail "dc-stft" "failed"
if cmp -s d.dcs w.dcs; then
	pass "25 s without -B (under 60 s): whole, the same bytes as -B 0"
else
	fail "25 s without -B" "differs from -B 0"
fi
cat in.wav | dc-stft -B 2.5 >p.dcs || fail "dc-stft -B 2.5 from a pipe" "failed"
dc-stft -B 3 st16.wav >b16.dcs 2>err16 || fail "dc-stft -B 3 of 16 kHz stereo" "failed"
same "16 kHz stereo in blocks: dc-stft's notes" "$(cat err16)" "dc-stft: st16.wav: 2 channels mixed down to mono
dc-stft: st16.wav: resampled from 16000 Hz to 8000 Hz (dc-istft -r 16000 writes the sources at 16000 Hz, with nothing above 4000 Hz)"
dc-stft -B 0 st16.wav >w16.dcs 2>/dev/null
"$PY" - <<'EOF'
import numpy as np, dcstream as ds, oracle_lib as L
def hdr_utt(path):
    h, us = ds.read(path)
    return h, us[0]
hb, b = hdr_utt("b.dcs")
hw, w = hdr_utt("w.dcs")
N = w.head["samples"]
L.check("versions: 2 with blocks, 1 without", (hb["version"], hw["version"]) == (2, 1),
        f"{hb['version']} {hw['version']}")
L.check("the utt record: blocks true, samples the file's",
        b.head.get("blocks") is True and b.head["samples"] == N and "blocks" not in w.head, str(b.head))
bf = int(2.5 * 8000 / 64 + 0.5)       # rounded half up
t0s = [bl.t0 for bl in b.blocks]
L.check(f"blocks of {bf} frames from t0 0, the last one last",
        t0s == list(range(0, w["stft"]["data"].shape[0], bf)) and
        [bl.last for bl in b.blocks] == [False] * (len(t0s) - 1) + [True] and
        all(bl.frames == bf for bl in b.blocks[:-1]), str(t0s))
st = [bl["stft"] for bl in b.blocks]
L.check("each block's stft: T = frames; samples = frames hop, the last the rest",
        all(s["data"].shape[0] == bl.frames for s, bl in zip(st, b.blocks)) and
        all(s["samples"] == bl.frames * 64 for s, bl in zip(st[:-1], b.blocks)) and
        st[-1]["samples"] == N - b.blocks[-1].t0 * 64, "")
X, W = ds.join(b, "stft"), w["stft"]["data"]
L.check("the blocks' stft, joined, is the whole utterance's bit for bit",
        X.shape == W.shape and X.tobytes() == W.tobytes(), f"{X.shape} {W.shape}")
_, p = hdr_utt("p.dcs")
X = ds.join(p, "stft")
L.check("from a pipe (length not asked): the same blocks, the same frames",
        p.head.get("blocks") is True and len(p.blocks) == len(b.blocks) and X.tobytes() == W.tobytes(), "")
_, b16 = hdr_utt("b16.dcs")
_, w16 = hdr_utt("w16.dcs")
X, W = ds.join(b16, "stft"), w16["stft"]["data"]
L.check("16 kHz stereo: downmixed and resampled a chunk at a time, the same frames bit for bit",
        "samples" not in b16.head and X.shape == W.shape and X.tobytes() == W.tobytes(),
        f"{X.shape} {W.shape} {b16.head}")
EOF

# ---------------------------------------------------------------- dc-mask
for m in labels masks; do
	"$PY" "$ROOT/tests/sh/blocks_lib.py" $m <b.dcs | dc-mask >bm-$m.dcs || fail "dc-mask, $m, blocks" "failed"
	"$PY" "$ROOT/tests/sh/blocks_lib.py" $m <w.dcs | dc-mask >wm-$m.dcs || fail "dc-mask, $m, whole" "failed"
	"$PY" - $m <<'EOF'
import sys, dcstream as ds, oracle_lib as L
m = sys.argv[1]
hb, (b,) = ds.read(f"bm-{m}.dcs")
_, (w,) = ds.read(f"wm-{m}.dcs")
X, W = ds.join(b, "masked"), w["masked"]["data"]
L.check(f"dc-mask, {m}: a masked record in each block, joined the whole one's bit for bit",
        hb["version"] == 2 and all("masked" in bl for bl in b.blocks) and X.shape == W.shape and
        X.tobytes() == W.tobytes(), f"{X.shape} {W.shape}")
L.check(f"dc-mask, {m}: each block's records in order: block, stft, {m}, masked",
        all([r["kind"] for r in bl.records] == ["stft", m, "masked"] for bl in b.blocks), "")
EOF
done

# ---------------------------------------------------------------- dc-istft
dc-istft -e float -o 'b-%k.wav' bm-masks.dcs || fail "dc-istft, blocks" "failed"
dc-istft -e float -o 'w-%k.wav' wm-masks.dcs || fail "dc-istft, whole" "failed"
if cmp -s b-1.wav w-1.wav && cmp -s b-2.wav w-2.wav; then
	pass "dc-istft: blocks overlap-added as they come, the same float files as the whole utterance's"
else
	fail "dc-istft: blocks and whole" "files differ"
fi
# each block's masked record read as it comes (dc_reader_sink): an earlier masked
# record of silence in each block, a stft record after it, or a masked record
# with a key after its data (held whole) give the same files
"$PY" - <<'EOF'
import msgpack, oracle_lib as L
raw = L.read_raw("bm-masks.dcs")
def out(path, f):
    with open(path, "wb") as o:
        for r, x in raw:
            o.write(f(r, x) if r["kind"] == "masked" else x)
pk = lambda r: msgpack.packb(r, use_bin_type=True)
out("q.dcs", lambda r, x: pk(dict(r, data=bytes(len(r["data"])))) + x)
out("s.dcs", lambda r, x: x + pk(dict(r, kind="stft", shape=r["shape"][1:],
    data=bytes(len(r["data"]) // r["shape"][0]))))
out("a.dcs", lambda r, x: pk(dict(r, after=1)))
EOF
for f in q s a; do
	dc-istft -e float -o "$f-%k.wav" $f.dcs || fail "dc-istft $f.dcs" "failed"
	if cmp -s b-1.wav $f-1.wav && cmp -s b-2.wav $f-2.wav; then
		pass "dc-istft, blocks ($f.dcs): the same files"
	else
		fail "dc-istft, blocks ($f.dcs)" "files differ"
	fi
done
dc-istft <b.dcs >b.wav && dc-istft <w.dcs >w.wav
if cmp -s b.wav w.wav; then
	pass "dc-istft to stdout: the stft's blocks, the same 16-bit WAV as the whole"
else
	fail "dc-istft to stdout, blocks" "differs from the whole"
fi
same "dc-istft: the blocks' WAV has every sample" "$(soxi -s b.wav)" "$((8000 * 25 - 13))"
# v1 then v2 (cat): dc-mask's output gets a header of version 2 before the blocks
cat wm-labels.dcs bm-labels.dcs | dc-mask >cat.dcs || fail "cat v1 v2 | dc-mask" "failed"
dc-istft -e float -o 'c-%u-%k.wav' cat.dcs 2>/dev/null
"$PY" - <<'EOF'
import dcstream as ds, oracle_lib as L
recs = [r["version"] for r in ds.records("cat.dcs") if r["kind"] == "dcsep"]
L.check("cat v1.dcs v2.dcs | dc-mask: a version 2 header before the blocks", recs == [1, 2], str(recs))
EOF
check "cat v1 v2: two utterances with one id: refused by dc-istft's %u pattern" 1 \
    "dc-istft: in: c-in-1.wav was already written for an earlier utterance (two utterances with one id?)" \
    dc-istft -o 'c-%u-%k.wav' cat.dcs

# ---------------------------------------------------------------- refusals
W1="an utterance in blocks; this tool reads whole utterances (dc-stft -B 0)"
check_in "dc-kmeans reads blocks: without embeddings, said" 1 "dc-kmeans: in: no embed record (dc-embed makes it)" b.dcs \
    dc-kmeans -k 2
cp in.wav in2.wav
check_in "dc-oracle takes blocks (tests/sh/oracle_blocks.sh)" 0 '' b.dcs dc-oracle in.wav in2.wav
check_in "dc-plot refuses blocks" 1 "dc-plot: stdin: in: $W1" b.dcs dc-plot -o 'x-%u.png'
dc-train -q -i -L 1 -H 2 -D 2 -o m.dcm 2>/dev/null
check_in "dc-embed takes blocks (tests/sh/embed_blocks.sh)" 0 '' b.dcs dc-embed -m m.dcm
nb=$(dc-dump out | grep -c '^[0-9]* embed ')
same "... one embed record a block" "$nb" "$(dc-dump b.dcs | grep -c '^[0-9]* block ')"
check "dc-train refuses blocks" 1 "dc-train: bm-labels.dcs: in: $W1" dc-train -q -L 1 -H 2 -D 2 -e 1 -o m2.dcm bm-labels.dcs
check_in "dc-mask -k: refused on blocks" 1 \
    "dc-mask: in: -k: an utterance in blocks: the loudest sources of the whole utterance are not known block by block" \
    bm-labels.dcs dc-mask -k 1

# ---------------------------------------------------------------- bad blocks
# nfft 4, hop 2: F = 3; a block of 2 frames before the last covers 4 samples
"$PY" - <<'EOF'
import numpy as np, dcstream as ds
H2, H1 = ds.pack_header(["t"], 2), ds.pack_header(["t"], 1)
def utt(**kw): return ds.pack_record("utt", id="u", rate=8000, **kw)
def blk(t0, frames, last=None, **kw):
    keys = dict(t0=t0, frames=frames, **kw)
    if last is not None: keys["last"] = last
    return ds.pack_record("block", **keys)
def st(T, samples):
    return ds.pack_record("stft", np.full((T, 3), 0.5, np.complex64), rate=8000, nfft=4, hop=2,
                          samples=samples, window="sqrt-hann")
def lab(T): return ds.pack_record("labels", np.zeros((T, 3), np.int32), k=2, by="t")
def mk(T, samples, K=2):
    return ds.pack_record("masked", np.full((K, T, 3), 0.5, np.complex64), rate=8000, nfft=4, hop=2,
                          samples=samples, window="sqrt-hann", k=K)
cases = {
    "gap": [H2, utt(blocks=True), blk(0, 2, False), st(2, 4), lab(2), blk(3, 2, True), st(2, 2), lab(2)],
    "first1": [H2, utt(blocks=True), blk(1, 2, True), st(2, 2), lab(2)],
    "eof": [H2, utt(blocks=True), blk(0, 2, False), st(2, 4), lab(2)],
    "nextutt": [H2, utt(blocks=True), blk(0, 2, False), st(2, 4), lab(2), utt(), st(2, 2), lab(2)],
    "stray": [H2, utt(), st(2, 2), lab(2), blk(0, 2, True)],
    "v1": [H1, utt(blocks=True), blk(0, 2, True), st(2, 2), lab(2)],
    "before": [H2, utt(blocks=True), st(2, 2), blk(0, 2, True)],
    "after": [H2, utt(blocks=True), blk(0, 2, True), st(2, 2), lab(2), blk(2, 2, True)],
    "frames0": [H2, utt(blocks=True), blk(0, 0, True)],
    "nolast": [H2, utt(blocks=True), blk(0, 2)],
    "blocks1": [H2, utt(blocks=1)],
    "tshape": [H2, utt(blocks=True), blk(0, 2, False), st(3, 6), lab(3)],
    "samples": [H2, utt(blocks=True), blk(0, 2, False), st(2, 5), lab(2)],
    "mixed": [H2, utt(blocks=True), blk(0, 2, False), st(2, 4), mk(2, 4), blk(2, 2, True), st(2, 2)],
    "kdiff": [H2, utt(blocks=True), blk(0, 2, False), st(2, 4), mk(2, 4), blk(2, 2, True), mk(2, 2, 3)],
    "uttlen": [H2, utt(blocks=True, samples=7), blk(0, 2, False), st(2, 4), blk(2, 2, True), st(2, 2)],
    "good": [H2, utt(blocks=True, samples=6), blk(0, 2, False), st(2, 4), lab(2), blk(2, 2, True), st(2, 2), lab(2)],
}
with open("where.txt", "w") as f:
    for name, recs in cases.items():
        open(name + ".dcs", "wb").write(b"".join(recs))
        # the record number and byte offset of each record, for the messages
        off = np.cumsum([0] + [len(r) for r in recs])
        f.write(name + " " + " ".join(f"{i + 1}:{off[i]}" for i in range(len(recs))) + "\n")
EOF
at() { sed -n "s/^$1 .* $2:\([0-9]*\).*/(record $2, byte \1)/p" where.txt; }
check_in "good blocks: dc-mask" 0 '' good.dcs dc-mask
check_in "good blocks: dc-istft" 0 '' good.dcs dc-istft -o g.wav
same "good blocks: 6 samples" "$(soxi -s g.wav)" 6
check_in "dc-dump: records of a block with its number" 0 '' good.dcs dc-dump
same "dc-dump: kinds and utterances" "$(awk '{ print $2, $3 }' out | tr '\n' ' ')" \
    "dcsep - utt u block u#0 stft u#0 labels u#0 block u#1 stft u#1 labels u#1 "
check_in "dc-dump -j: the block's number" 0 '' good.dcs dc-dump -j
same "dc-dump -j: a block record" "$(sed -n 6p out)" \
    "{\"record\":6,\"offset\":$(at good 6 | sed 's/.*byte \([0-9]*\).*/\1/'),\"bytes\":30,\"kind\":\"block\",\"utt\":\"u\",\"block\":1,\"keys\":{\"t0\":2,\"frames\":2,\"last\":true}}"
check_in "dc-dump shows blocks out of order too" 0 '' gap.dcs dc-dump
check_in "a gap between blocks" 1 "dc-mask: stdin: utterance 'u': block t0 3, expected 2 $(at gap 6)" gap.dcs dc-mask
check_in "a first block not at 0" 1 "dc-mask: stdin: utterance 'u': block t0 1, expected 0 $(at first1 3)" first1.dcs dc-mask
check_in "the stream ends before the last block" 1 "dc-mask: stdin: utterance 'u' ends before its last block (next t0 2)" eof.dcs dc-mask
check_in "the next utterance before the last block" 1 "dc-mask: stdin: utterance 'u' ends before its last block (next t0 2)" nextutt.dcs dc-mask
check_in "a block record in an utterance not in blocks" 1 "dc-mask: stdin: a block record in utterance 'u', which is not in blocks $(at stray 5)" stray.dcs dc-mask
check_in "blocks in a version 1 stream" 1 "dc-mask: stdin: utterance 'u' in blocks in a version 1 stream (blocks need version 2) $(at v1 2)" v1.dcs dc-mask
check_in "a record before the first block" 1 "dc-mask: stdin: utterance 'u' is in blocks: a stft record before its first block $(at before 3)" before.dcs dc-mask
check_in "a block after the last" 1 "dc-mask: stdin: utterance 'u': a block after its last block $(at after 6)" after.dcs dc-mask
check_in "a block of 0 frames" 1 "dc-mask: stdin: block record: key 'frames' missing or not an integer from 1 $(at frames0 3)" frames0.dcs dc-mask
check_in "a block without last" 1 "dc-mask: stdin: block record: key 'last' missing or not true or false $(at nolast 3)" nolast.dcs dc-mask
check_in "blocks: 1, not true" 1 "dc-mask: stdin: utterance 'u': utt record: key 'blocks' is not true or false $(at blocks1 2)" blocks1.dcs dc-mask
check_in "a block's stft of more frames than the block" 1 "dc-mask: u: stft record: shape [3, 3] disagrees with its block at t0 0 (2 frames) and its samples 6, nfft and hop" tshape.dcs dc-mask
check_in "a block's samples not frames x hop" 1 "dc-mask: u: stft record: shape [2, 3] disagrees with its block at t0 0 (2 frames) and its samples 5, nfft and hop" samples.dcs dc-mask
check_in "dc-istft: the stream ends before the last block" 1 "dc-istft: stdin: utterance 'u' ends before its last block (next t0 2)" eof.dcs dc-istft -o e.wav
same "dc-istft: no file from an utterance cut short" "$(ls e.wav .dc-tmp* 2>/dev/null)" ""
check_in "dc-istft: masked in one block, not in the next" 1 "dc-istft: u: block at t0 2: no masked record, but the blocks before had one" mixed.dcs dc-istft -o 'x%k.wav'
check_in "dc-istft: K changes between blocks" 1 "dc-istft: u: masked: block at t0 2: 3 sources, rate 8000, nfft 4, hop 2, window sqrt-hann; the blocks before: 2, 8000, 4, 2, sqrt-hann" kdiff.dcs dc-istft -o 'x%k.wav'
check_in "dc-istft: the blocks end elsewhere than the utt record's samples" 1 "dc-istft: u: the blocks end at sample 6, but the utt record says 7 samples" uttlen.dcs dc-istft -o x.wav
same "dc-istft: no file left by the refusals" "$(ls x*.wav .dc-tmp* 2>/dev/null)" ""
# the Python reader says the same
"$PY" - <<'EOF'
import dcstream as ds, oracle_lib as L
want = {
    "gap": "utterance 'u': block t0 3, expected 2",
    "eof": "utterance 'u' ends before its last block (next t0 2)",
    "nextutt": "utterance 'u' ends before its last block (next t0 2)",
    "stray": "a block record in utterance 'u', which is not in blocks",
    "v1": "utterance 'u' in blocks in a version 1 stream (blocks need version 2)",
    "before": "utterance 'u' is in blocks: a stft record before its first block",
    "after": "utterance 'u': a block after its last block",
    "frames0": "block record: key 'frames' missing or not an integer from 1",
    "nolast": "block record: key 'last' missing or not true or false",
    "blocks1": "utterance 'u': utt record: key 'blocks' is not true or false",
}
for name, msg in want.items():
    try:
        ds.read(name + ".dcs")
        got = "no error"
    except ValueError as e:
        got = str(e)
    L.check(f"dcstream.read, {name}: {msg}", got == msg, got)
EOF
