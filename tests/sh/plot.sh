#!/bin/sh
# plot.sh: dc-plot's pictures against numpy: with one pixel per bin (-W T -H F), the
# picture's size, the colour of every spectrogram, mask and label pixel computed from
# the stream (read with formats/dcstream.py) by the documented maps, the embeddings'
# first principal component, -p's stream, -u, -k, and the errors.
. "$ROOT/tests/lib.sh"
EX="$ROOT/examples"
export PYTHONPATH="$ROOT/formats"

dc-stft "$EX/mix.wav" | dc-oracle -m irm "$EX/s1.wav" "$EX/s2.wav" | dc-oracle "$EX/s1.wav" "$EX/s2.wav" |
    dc-mask | dc-embed -m "$ROOT/models/default.dcm" >all.dcs
check_in "dc-plot, one pixel per bin" 0 '' all.dcs dc-plot -W 543 -H 129 -o '%u-%r.png'
same "five pictures" "$(ls *.png | tr '\n' ' ')" "mix-embed.png mix-labels.png mix-masked.png mix-masks.png mix-stft.png "
"$PY" - <<'PYEOF'
import sys, struct, zlib
import numpy as np
import matplotlib.image as mpimg
import dcstream
hdr, utts = dcstream.read("all.dcs")
u = utts[0]
def check(name, ok, why=""):
    print(("PASS: %s" if ok else "FAIL: %s: " + why) % name)
ML, MR, MT, MB, GAP = 64, 88, 26, 40, 14
X = u["stft"]["data"]
T, F = X.shape
def png_size(path):
    b = open(path, "rb").read(24)
    return struct.unpack(">II", b[16:24])
anchors = np.array([[0x44, 0x01, 0x54], [0x47, 0x2d, 0x7b], [0x3b, 0x52, 0x8b], [0x2c, 0x72, 0x8e],
    [0x21, 0x91, 0x8c], [0x28, 0xae, 0x80], [0x5e, 0xc9, 0x62], [0xad, 0xdc, 0x30], [0xfd, 0xe7, 0x25]], float)
def viridis(v):
    v = np.clip(v, 0, 1) * 8
    i = np.minimum(np.floor(v), 7).astype(int)
    x = v - i
    return np.rint(anchors[i] + x[..., None] * (anchors[i + 1] - anchors[i]))
def area(img, k, K):
    y0 = MT + k * (F + GAP)
    return np.rint(img[y0:y0 + F, ML:ML + T, :3] * 255)[::-1].transpose(1, 0, 2)   # [T, F, 3]
for kind, K in (("stft", 1), ("masked", 2), ("masks", 2), ("labels", 1), ("embed", 1)):
    w, h = png_size("mix-%s.png" % kind)
    check("%s: %d x %d pixels" % (kind, ML + T + MR, MT + K * F + (K - 1) * GAP + MB),
          (w, h) == (ML + T + MR, MT + K * F + (K - 1) * GAP + MB), "%d x %d" % (w, h))
def spectra(Z, img, K, name):
    p = np.abs(Z.astype(np.complex128)) ** 2
    db = np.where(p > 0, 10 * np.log10(np.maximum(p, 1e-300) / p.max()), -np.inf)
    want = viridis(1 + db / 80)
    for k in range(K):
        got = area(img, k, K)
        d = np.abs(got - want[k]).max()
        check("%s panel %d: every pixel the colour of its bin's dB (max diff %d)" % (name, k + 1, d), d <= 1, "%d" % d)
spectra(X[None], mpimg.imread("mix-stft.png"), 1, "stft")
spectra(u["masked"]["data"], mpimg.imread("mix-masked.png"), 2, "masked")
M = u["masks"]["data"]
img = mpimg.imread("mix-masks.png")
for k in range(2):
    d = np.abs(area(img, k, 2) - viridis(M[k])).max()
    check("masks panel %d: every pixel viridis(mask) (max diff %d)" % (k + 1, d), d <= 1, "%d" % d)
lm = np.log(np.abs(X.astype(np.complex128)) + 1e-8)   # active: within 40 dB of the loudest
act = lm >= lm.max() - 40 * np.log(10) / 20
L = u["labels"]["data"]
pal = np.array([[0x1f, 0x77, 0xb4], [0xff, 0x7f, 0x0e]], float)
want = np.where(act[..., None], pal[L], 0x20)
got = area(mpimg.imread("mix-labels.png"), 0, 1)
check("labels: each label's colour, silent bins (40 dB down) dark (%d of %d bins silent)" % ((~act).sum(), act.size),
      np.array_equal(got, want), "%d differ" % np.any(got != want, axis=-1).sum())
# the legend right of the labels: a 12-pixel swatch a source, 17 pixels apart,
# then the quiet bins' colour
img = np.rint(mpimg.imread("mix-labels.png")[..., :3] * 255)
sw = [img[MT + 17 * i + 6, ML + T + 14 + 6] for i in range(3)]
check("labels: the legend's swatches: source 1, source 2, quiet",
      np.array_equal(sw[0], pal[0]) and np.array_equal(sw[1], pal[1]) and np.all(sw[2] == 0x20), str(sw))
for kind in ("masks", "masked"):
    img = np.rint(mpimg.imread("mix-%s.png" % kind)[..., :3] * 255)
    # "source k" right-aligned over each panel: dark text pixels in the 10 rows above it
    ink = [np.count_nonzero(img[MT + k * (F + GAP) - 12:MT + k * (F + GAP) - 1, ML + T - 60:ML + T].sum(-1) < 200)
           for k in range(2)]
    check("%s: a name over each panel (%d, %d dark pixels)" % (kind, ink[0], ink[1]), min(ink) > 20, str(ink))
E = u["embed"]["data"].astype(np.float64)[act]
Ec = E - E.mean(0)
w, v = np.linalg.eigh(Ec.T @ Ec)
pc1 = Ec @ v[:, -1]
got = area(mpimg.imread("mix-embed.png"), 0, 1)[act][:, 0]
r = np.corrcoef(got, np.clip((pc1 - np.percentile(pc1, 1)) / (np.percentile(pc1, 99) - np.percentile(pc1, 1)), 0, 1))[0, 1]
check("embed: red is the first principal component (|r| = %.4f)" % abs(r), abs(r) > 0.999, "%.4f" % r)
check("embed: silent bins dark", np.all(area(mpimg.imread("mix-embed.png"), 0, 1)[~act] == 0x20), "")
PYEOF

# -p: the stream passes through; -u, -k select; the default size
check_in "-p: the stream through" 0 '' all.dcs dc-plot -p -k stft -o 'p-%r.png'
"$PY" - <<'PYEOF'
import msgpack
a = list(msgpack.Unpacker(open("all.dcs", "rb"), raw=False))
b = list(msgpack.Unpacker(open("out", "rb"), raw=False))
ok = a[1:] == b[1:] and b[0]["history"] == a[0]["history"] + ["dc-plot"]
print(("PASS: %s" if ok else "FAIL: %s: differ") % "-p: every record as it came, the history extended")
PYEOF
same "-k stft: one picture" "$(ls p-*.png | tr '\n' ' ')" "p-stft.png "
check_in "default size" 0 '' all.dcs dc-plot -k labels -o 'd-%r.png'
same "default size: 800 x 256 plot area" "$("$PY" -c 'import struct; print(struct.unpack(">II", open("d-labels.png","rb").read(24)[16:24]))')" "(952, 322)"
dc-stft "$EX/mix.wav" "$EX/s1.wav" >two.dcs
check_in "-u s1: that utterance only" 0 '' two.dcs dc-plot -u s1 -o 'u-%u-%r.png'
same "-u s1: its picture" "$(ls u-*.png | tr '\n' ' ')" "u-s1-stft.png "
check_in "-c gray" 0 '' two.dcs dc-plot -u mix -c gray -W 543 -H 129 -o 'g-%r.png'
# one file a picture: a name drawn twice in a run is refused, the first picture kept;
# a pattern without %r for an utterance of two kinds, before any picture
check_in "-o without %r, two kinds" 1 \
    "dc-plot: mix: the pattern lacks %r, and there are 2 kinds to draw: give %r, or one kind with -k" \
    all.dcs dc-plot -k stft,labels -o o1.png
same "-o without %r, two kinds: no picture drawn" "$(ls o1.png 2>/dev/null)" ""
check_in "-o without %u, two utterances" 1 \
    "dc-plot: s1: o2-stft.png was drawn already: the pattern lacks %u, and the stream has more than one utterance" \
    two.dcs dc-plot -o 'o2-%r.png'
check_in "-o without %u or %r, one kind: %u named" 1 \
    "dc-plot: s1: o4.png was drawn already: the pattern lacks %u, and the stream has more than one utterance" \
    two.dcs dc-plot -o o4.png
check_in "-o -: refused" 2 "dc-plot: -o -: pictures are written to files, not to standard output" \
    two.dcs dc-plot -o -
same "-o -: no file named -" "$(ls -- - 2>/dev/null)" ""
cat two.dcs two.dcs >twice.dcs
check_in "-o: two utterances with one id" 1 \
    "dc-plot: mix: o3-mix-stft.png was drawn already for an earlier utterance (two utterances with one id?)" \
    twice.dcs dc-plot -o 'o3-%u-%r.png'
same "-o: the pictures drawn before the refusal stay" "$(ls o2-stft.png o3-*.png | tr '\n' ' ')" \
    "o2-stft.png o3-mix-stft.png o3-s1-stft.png "
"$PY" - <<'PYEOF'
import numpy as np, matplotlib.image as mpimg, dcstream
X = dcstream.read("two.dcs")[1][0]["stft"]["data"]
p = np.abs(X.astype(np.complex128)) ** 2
want = np.rint(np.clip(1 + 10 * np.log10(np.maximum(p, 1e-300) / p.max()) / 80, 0, 1) * 255)
got = np.rint(mpimg.imread("g-stft.png")[26:26 + 129, 64:64 + 543, 0] * 255)[::-1].T
d = np.abs(got - want).max()
name = "-c gray: grey level of each bin's dB (max diff %d)" % d
print("PASS: " + name if d <= 1 else "FAIL: %s: more than 1" % name)
PYEOF

# errors
check "-c jet" 2 'dc-plot: -c: colour map must be viridis or gray: jet' dc-plot -c jet
check "-k foo" 2 'dc-plot: -k: kinds must be of stft, masked, labels, masks, embed: stft,foo' dc-plot -k stft,foo
check "-o %x" 2 "dc-plot: -o: pattern 'a%x.png': % must be followed by u, r or %" dc-plot -o 'a%x.png'
check "-o ''" 2 "dc-plot: -o: empty pattern" dc-plot -o ''
check_in "-k labels on spectra alone: nothing drawn, exit 1" 1 \
    'dc-plot: stdin: nothing drawn: no record of the kinds labels with frames and bins' two.dcs \
    dc-plot -k labels -o 'nl-%u-%r.png'
check_in "-p -k labels on spectra alone: a note, exit 0, the stream passed on" 0 \
    'dc-plot: stdin: nothing drawn: no record of the kinds labels with frames and bins' two.dcs \
    dc-plot -p -k labels -o 'nl-%u-%r.png'
same "-p -k labels: the stream passed on, its records as they came" \
    "$(dc-dump <"$T/out" | tail -n +2 | cksum)" "$(dc-dump two.dcs | tail -n +2 | cksum)"
same "-k labels: no picture" "$(ls nl-* 2>/dev/null)" ""
check "two files: what, then the usage" 2 "dc-plot: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-plot)
usage: dc-plot [-p] [-c viridis | gray] [-k kinds] [-o pattern] [-r dB] [-u id]
               [-W width] [-H height] [file]" dc-plot -o x.png a b
check_in "-u an id not in the stream" 1 "dc-plot: stdin: no utterance 'nope'" two.dcs dc-plot -u nope -o 'n-%u-%r.png'
same "-u an id not in the stream: nothing drawn" "$(ls n-*.png 2>/dev/null)" ""
check "-W 8" 2 'dc-plot: -W: width must be an integer from 16 to 8192: 8' dc-plot -W 8
check "-r 0" 2 'dc-plot: -r: range must be a number of dB from 1 to 300: 0' dc-plot -r 0
check "missing file" 1 'dc-plot: nofile.dcs: No such file or directory' dc-plot nofile.dcs
check_in "no output directory: said at once" 1 'dc-plot: nodir/: No such file or directory (a tool makes no directories)' two.dcs dc-plot -o 'nodir/%u-%r.png'
check_in "no output directory named by %u: said for the utterance" 1 'dc-plot: mix-d/mix-stft.png: No such file or directory (a tool makes no directories)' two.dcs dc-plot -o '%u-d/%u-%r.png'
check_in "-p: a full disk" 1 'dc-plot: stdout: No space left on device' two.dcs sh -c 'dc-plot -p -o "f-%u-%r.png" >/dev/full'
"$PY" - "$ROOT/tests/sh" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import oracle_lib as L
recs = L.read_records("two.dcs")
utt, rest = L.utterances(recs)[0]
for name, bad in (("dotdot", ".."), ("slash", "a/b"), ("esc", "x\x1b[31m"), ("empty", "")):
    u = dict(utt); u["id"] = bad
    L.write_stream("id-%s.dcs" % name, [u] + rest)
PYEOF
check_in "id ..: refused" 1 'dc-plot: id "..": names a directory, not a file in it' id-dotdot.dcs dc-plot
check_in "id a/b: refused" 1 "dc-plot: id \"a/b\": holds a '/'" id-slash.dcs dc-plot
check_in "id with an escape: refused, printed escaped" 1 'dc-plot: id "x\x1b[31m": holds a control character' id-esc.dcs dc-plot
# labels, masks and embed records are checked as dc-mask and dc-kmeans check them
"$PY" - "$ROOT/tests/sh" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, oracle_lib as L
utt = {"kind": "utt", "id": "u", "rate": 8000, "samples": 2}
keys = dict(rate=8000, nfft=4, hop=2, samples=2, window="sqrt-hann")
st = L.tensor_rec("stft", np.array([[1, 1e-5, 1], [1e-5, 1, 1e-5]], np.complex64), **keys)
lab = np.array([[0, 1, 1], [0, 0, 1]], np.int32)
L.write_stream("lrange.dcs", [utt, st, L.tensor_rec("labels", lab + 1, k=2, by="x")])
L.write_stream("lnok.dcs", [utt, st, L.tensor_rec("labels", lab, by="x")])
L.write_stream("mrange.dcs", [utt, st, L.tensor_rec("masks", np.full((2, 2, 3), 1.5, np.float32), k=2, by="x")])
L.write_stream("ed0.dcs", [utt, st, L.tensor_rec("embed", np.zeros((2, 3, 0), np.float32), model="m")])
PYEOF
check_in "label out of range" 1 'dc-plot: u: labels record: label 2 at frame 0, bin 1 is not from 0 to k - 1 = 1' \
	lrange.dcs dc-plot -k labels -o 'r-%r.png'
check_in "labels without k" 1 'dc-plot: u: labels record: k: required key missing or of the wrong type' \
	lnok.dcs dc-plot -k labels -o 'r-%r.png'
check_in "mask above 1" 1 'dc-plot: u: masks record: value 1.5 at source 0, frame 0, bin 0 is not in [0, 1]' \
	mrange.dcs dc-plot -k masks -o 'r-%r.png'
check_in "embeddings of D = 0" 1 'dc-plot: u: embed record: shape [2, 3, 0], wanted D of 1 or more' \
	ed0.dcs dc-plot -k embed -o 'r-%r.png'
same "bad records: no picture" "$(ls r-*.png 2>/dev/null)" ""
same "no temporary files left" "$(ls | grep -c '\.png\.')" 0
