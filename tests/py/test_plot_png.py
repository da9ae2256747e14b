"""tests/py/test_plot_png.py: dc-plot's pictures at their default size (an 800 x 256
plot area a panel, so bins are repeated or skipped), read with a PNG decoder written
here (zlib and struct: the five row filters of the PNG specification), against numpy
statistics of the stream dc-plot read, as formats/dcstream.py gives it.

tests/sh/plot.sh checks every pixel at one pixel per bin with matplotlib's reader;
this checks the other side: the documented resampling (column x shows frame
floor(x T / W), row y bin F - 1 - floor(y F / H)), on the soft masks of the real
pipeline (dc-kmeans -k 2 -b 3) in grey, and the spectrogram's mean colour in viridis.
Prints PASS/FAIL lines; exits 1 if any check failed.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "formats"))
import dcstream  # noqa: E402

ML, MR, MT, MB, GAP = 64, 88, 26, 40, 14        # dc-plot's margins (dc-plot(1))
W, H = 800, 256                                 # its default plot area
sys.path.insert(0, os.path.join(ROOT, "tests", "sh"))
import oracle_lib  # noqa: E402
from oracle_lib import check  # noqa: E402


def png_read(path):
    """The pixels of an 8-bit RGB or RGBA PNG, non-interlaced, as uint8 [h, w, 3]."""
    b = open(path, "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError(f"{path}: bad CRC in {kind!r}")
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"{path}: depth {depth}, colour type {ctype}, interlace {interlace}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = np.zeros((h, stride), np.int64)
    prev = np.zeros(stride, np.int64)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int64)
        cur = np.zeros(stride, np.int64)
        if f in (0, 2):
            cur = (line + (prev if f == 2 else 0)) & 255
        else:   # 1 sub, 3 average, 4 Paeth: each byte depends on the one bpp before it
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                c = prev[i - bpp] if i >= bpp else 0
                up = prev[i]
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + up) // 2
                else:
                    p = a + up - c
                    pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else up if pb <= pc else c
                cur[i] = (line[i] + pred) & 255
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)[:, :, :3].astype(np.uint8)


def grid(T, F):
    """The frame and bin of each plot-area pixel, [H, W] each (dc-plot(1))."""
    t = (np.arange(W) * T) // W
    f = F - 1 - (np.arange(H) * F) // H
    return np.broadcast_to(t[None, :], (H, W)), np.broadcast_to(f[:, None], (H, W))


def panel(img, k):
    y0 = MT + k * (H + GAP)
    return img[y0:y0 + H, ML:ML + W].astype(np.float64)


with tempfile.TemporaryDirectory() as d:
    ex = os.path.join(ROOT, "examples")
    s = os.path.join(d, "s.dcs")
    sh = (f"dc-stft '{ex}/mix.wav' | dc-embed -m '{ROOT}/models/default.dcm' | "
          f"dc-kmeans -k 2 -b 3 -d >'{s}'")
    r = subprocess.run(sh, shell=True, capture_output=True, text=True)
    check("the pipeline's stream", r.returncode == 0, r.stderr)
    r = subprocess.run(["dc-plot", "-k", "masks", "-c", "gray", "-o", os.path.join(d, "g-%r.png"), s],
                       capture_output=True, text=True)
    check("dc-plot -k masks -c gray, default size: exit 0", r.returncode == 0, r.stderr)
    r = subprocess.run(["dc-plot", "-k", "stft", "-o", os.path.join(d, "v-%r.png"), s],
                       capture_output=True, text=True)
    check("dc-plot -k stft, default size: exit 0", r.returncode == 0, r.stderr)
    hdr, utts = dcstream.read(s)
    u = utts[0]
    X = u["stft"]["data"]
    M = u["masks"]["data"]
    T, F = X.shape
    check(f"masks record: by kmeans-soft, 2 x {T} x {F}", u["masks"]["by"] == "kmeans-soft" and
          M.shape == (2, T, F), f"{u['masks']['by']} {M.shape}")
    tt, ff = grid(T, F)

    g = png_read(os.path.join(d, "g-masks.png"))
    size = (g.shape[1], g.shape[0])
    want = (ML + W + MR, MT + 2 * H + GAP + MB)
    check(f"masks picture: {want[0]} x {want[1]} pixels", size == want, f"{size}")
    check("masks picture: grey (R = G = B) in the panels",
          all(np.array_equal(panel(g, k)[..., 0], panel(g, k)[..., c]) for k in range(2) for c in (1, 2)))
    for k in range(2):
        got = panel(g, k)[..., 0]
        ref = np.floor(np.clip(M[k][tt, ff].astype(np.float64), 0, 1) * 255 + 0.5)
        check(f"masks panel {k + 1}: mean grey {got.mean():.4f} = numpy's of the sampled bins "
              f"{ref.mean():.4f}", abs(got.mean() - ref.mean()) < 1e-9,
              f"differ by {got.mean() - ref.mean():.6f}")
        # the mean of each pixel row: the masks' frequency profile, resampled
        prof = np.abs(got.mean(1) - ref.mean(1)).max()
        check(f"masks panel {k + 1}: every row's mean grey as numpy's (max diff {prof:.2e})", prof < 1e-9)
    tot = panel(g, 0)[..., 0] + panel(g, 1)[..., 0]
    check(f"the two panels' greys sum to 255 +- 1 (soft masks sum to 1; range {tot.min():.0f} "
          f"to {tot.max():.0f})", tot.min() >= 254 and tot.max() <= 256)

    v = png_read(os.path.join(d, "v-stft.png"))
    want = (ML + W + MR, MT + H + MB)
    check(f"stft picture: {want[0]} x {want[1]} pixels", (v.shape[1], v.shape[0]) == want,
          f"{v.shape[1]} x {v.shape[0]}")
    anchors = np.array([[0x44, 0x01, 0x54], [0x47, 0x2d, 0x7b], [0x3b, 0x52, 0x8b], [0x2c, 0x72, 0x8e],
                        [0x21, 0x91, 0x8c], [0x28, 0xae, 0x80], [0x5e, 0xc9, 0x62], [0xad, 0xdc, 0x30],
                        [0xfd, 0xe7, 0x25]], float)
    p = np.abs(X.astype(np.complex128)) ** 2
    db = np.where(p > 0, 10 * np.log10(np.maximum(p, 1e-300) / p.max()), -np.inf)
    x = np.clip(1 + db[tt, ff] / 80, 0, 1) * 8
    i = np.minimum(np.floor(x), 7).astype(int)
    ref = np.floor(anchors[i] + (x - i)[..., None] * (anchors[i + 1] - anchors[i]) + 0.5)
    got = panel(v, 0)
    for c, name in enumerate("RGB"):
        check(f"stft picture: mean {name} {got[..., c].mean():.3f} = numpy's {ref[..., c].mean():.3f} "
              "(viridis of dB, within 0.01)", abs(got[..., c].mean() - ref[..., c].mean()) < 0.01)
    # each column's mean colour: the frames as resampled across (a frame dropped or
    # repeated in the wrong place moves these, not the overall mean)
    col = np.abs(got.mean(0) - ref.mean(0)).max()
    check(f"stft picture: every column's mean colour as numpy's (max diff {col:.3f})", col < 0.02,
          f"{col:.3f}")
sys.exit(1 if oracle_lib.failed else 0)
