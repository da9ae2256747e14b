"""tests/py/test_dcstream.py: formats/dcstream.py on real dc-stft streams, and the STFT
of dc-stft against an independent numpy computation from formats/stream.md.

The audio is read with python3-soundfile; the reference STFT pads nfft - hop zeros in
front and zeros behind, windows each frame with the periodic (sqrt-)Hann window and
takes np.fft.rfft. Prints PASS/FAIL lines; exits 1 if any check failed.
"""
import io
import os
import subprocess
import sys
import tempfile

import msgpack
import numpy as np
import soundfile as sf

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "formats"))
import dcstream as ds  # noqa: E402

SPEECH = os.path.join(ROOT, "tests", "data", "speech")
BIN = os.path.join(ROOT, os.environ.get("B") or "build", "bin")   # the build tested, as run.sh sets it
sys.path.insert(0, os.path.join(ROOT, "tests", "sh"))
import oracle_lib  # noqa: E402
from oracle_lib import check  # noqa: E402


def raises(name, fn, text):
    try:
        fn()
    except ValueError as e:
        check(name, str(e) == text, f"message {str(e)!r}, wanted {text!r}")
        return
    check(name, False, "no ValueError")


def dc_stft(*args):
    p = subprocess.run([os.path.join(BIN, "dc-stft"), *args], capture_output=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: dc-stft {args}: exit {p.returncode}: {p.stderr.decode()}")
    return p.stdout


def ref_stft(x, nfft, hop, window):
    """formats/stream.md: P = nfft - hop zeros in front; frame t covers padded
    samples [t hop, t hop + nfft); X[t, f] = sum_n xpad[t hop + n] w[n] e^(-2 pi i f n / nfft)."""
    P = nfft - hop
    T = (len(x) - 1 + P) // hop + 1
    xp = np.zeros((T - 1) * hop + nfft)
    xp[P:P + len(x)] = x
    n = np.arange(nfft)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * n / nfft)
    if window == "sqrt-hann":
        w = np.sqrt(w)
    frames = np.stack([xp[t * hop:t * hop + nfft] for t in range(T)])
    return np.fft.rfft(frames * w, axis=1)


# --- one file, default parameters, every field
path = os.path.join(SPEECH, "so0048_000480014.flac")
raw = dc_stft(path)
x, rate = sf.read(path, dtype="float64")
hdr, utts = ds.read(io.BytesIO(raw))
check("header: kind, version, history", hdr == {"kind": "dcsep", "version": 1, "history": ["dc-stft"]}, repr(hdr))
check("one utterance", len(utts) == 1, f"{len(utts)} utterances")
u = utts[0]
want = {"kind": "utt", "id": "so0048_000480014", "source": path,
        "source_inode": "%d:%d" % (os.stat(path).st_dev, os.stat(path).st_ino), "rate": 8000, "samples": len(x)}
check("utt keys", u.head == want, f"{u.head!r}, wanted {want!r}")
check("utt records: one stft", [r["kind"] for r in u.records] == ["stft"], repr([r["kind"] for r in u.records]))
st = u["stft"]
T = (len(x) - 1 + 256 - 64) // 64 + 1
check("stft keys", {k: st[k] for k in ("rate", "nfft", "hop", "samples", "window")} ==
      {"rate": 8000, "nfft": 256, "hop": 64, "samples": len(x), "window": "sqrt-hann"}, repr(st))
check("stft dtype complex64", st["dtype"] == "complex64" and st["data"].dtype == np.complex64, st["dtype"])
check(f"stft shape [T, F] = [{T}, 129]", st["data"].shape == (T, 129), repr(st["data"].shape))
R = ref_stft(x, 256, 64, "sqrt-hann")
err = np.max(np.abs(st["data"] - R)) / np.max(np.abs(R))
check(f"stft equals the numpy STFT (max error {err:.2e} of the max magnitude < 1e-4)", err < 1e-4, f"{err:.3e}")
# the spec's note: frame t + 3 of dcsep is frame t of an unpadded STFT from sample 0
w = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(256) / 256))
U = np.fft.rfft(x[64 * 10:64 * 10 + 256] * w)
err = np.max(np.abs(st["data"][13] - U)) / np.max(np.abs(U))
check(f"frame 13 is the unpadded frame 10 (error {err:.2e})", err < 1e-4, f"{err:.3e}")

# --- other parameters, a longer file
path2 = os.path.join(SPEECH, "ls1034_1034-121119-0000.flac")
x2, _ = sf.read(path2, dtype="float64")
for args, nfft, hop, win in [(["-n", "512", "-s", "128"], 512, 128, "sqrt-hann"),
                             (["-w", "hann"], 256, 64, "hann"),
                             (["-n", "64", "-s", "30", "-w", "hann"], 64, 30, "hann")]:
    s = ds.read(io.BytesIO(dc_stft(*args, path2)))[1][0]["stft"]
    R = ref_stft(x2, nfft, hop, win)
    ok = s["data"].shape == R.shape and s["nfft"] == nfft and s["hop"] == hop and s["window"] == win
    err = np.max(np.abs(s["data"] - R)) / np.max(np.abs(R)) if s["data"].shape == R.shape else np.inf
    check(f"dc-stft {' '.join(args)}: keys and shape {R.shape}", ok, f"{s['data'].shape} {s}")
    check(f"dc-stft {' '.join(args)}: equals the numpy STFT (max error {err:.2e})", err < 1e-4, f"{err:.3e}")

# --- several files, a concatenated stream, reading from a path and from a pipe
files = [os.path.join(SPEECH, f) for f in sorted(os.listdir(SPEECH))]
two = dc_stft(*files[:2])
ids = [u.id for u in ds.read(io.BytesIO(two))[1]]
check("two files: two utterances in order", ids == [os.path.basename(f)[:-5] for f in files[:2]], repr(ids))
cat = two + dc_stft(files[2])
h, us = ds.read(io.BytesIO(cat))
check("cat of two streams: the later header is skipped, three utterances",
      len(us) == 3 and all(list(u.records[0]["data"].shape)[1:] == [129] for u in us), repr([u.id for u in us]))
tmp = os.path.join(os.environ.get("T", "/tmp"), "two.dcs")
with open(tmp, "wb") as f:
    f.write(two)
check("read from a path", [u.id for u in ds.read(tmp)[1]] == ids)
p = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import dcstream as ds; "
                    "print(' '.join(u.id for u in ds.utterances('-')))", os.path.join(ROOT, "formats")],
                   input=two, capture_output=True)
check("read from stdin", p.stdout.decode().split() == ids, p.stdout.decode() + p.stderr.decode())
rs = list(ds.records(io.BytesIO(two)))
check("records(): every record, in order", [r["kind"] for r in rs] == ["dcsep", "utt", "stft", "utt", "stft"],
      repr([r["kind"] for r in rs]))

# --- writing: pack_record round-trips every dtype, and the C tools read what it writes
arrs = [np.arange(6, dtype=np.float32).reshape(2, 3), (np.arange(4) + 1j).astype(np.complex64),
        np.array([[-5, 7]], np.int32), np.array([0, 255], np.uint8), np.array([1e300, -2.5]),
        np.array([-32768, 32767], np.int16), np.zeros((2, 0, 3), np.float32)]
buf = ds.pack_header(["t"]) + ds.pack_record("utt", id="a", rate=8000, samples=1)
buf += b"".join(ds.pack_record("x", a, n=i) for i, a in enumerate(arrs))
back = ds.read(io.BytesIO(buf))[1][0].records
check("pack_record: dtype, shape and values of every dtype",
      all(b["data"].dtype == a.dtype and np.array_equal(b["data"], a) and b["n"] == i
          for i, (a, b) in enumerate(zip(arrs, back))), repr(back))
big = np.array([1.5, 2], dtype=">f4")
b = msgpack.unpackb(ds.pack_record("x", big))
check("pack_record: a big-endian array is written little-endian", b["dtype"] == "float32" and
      b["data"] == np.array([1.5, 2], "<f4").tobytes(), repr(b))
p = subprocess.run([os.path.join(BIN, "dc-dump"), "-j"], input=buf, capture_output=True)
check("dc-dump reads what pack_record writes", p.returncode == 0 and len(p.stdout.splitlines()) == 9,
      p.stderr.decode())

# --- errors
raises("empty stream", lambda: ds.read(io.BytesIO(b"")), "empty stream")
raises("not a stream", lambda: ds.read(io.BytesIO(b"hello")), 'record 1: not a dcsep record (a map with a "kind")')
raises("no header", lambda: ds.read(io.BytesIO(ds.pack_record("utt", id="a"))), "not a dcsep stream (no header record)")
raises("version 3", lambda: ds.read(io.BytesIO(msgpack.packb({"kind": "dcsep", "version": 3}))),
       "record 1: unsupported stream version 3")
kv = lambda k, v: msgpack.packb(k) + msgpack.packb(v)
dup = ds.pack_header([]) + b"\x83" + kv("kind", "utt") + kv("id", "a") + kv("id", "b")
raises("a key twice", lambda: ds.read(io.BytesIO(dup)),
       f"record 2: a record with a key twice (byte {len(ds.pack_header([]))})")
p = subprocess.run([os.path.join(BIN, "dc-dump")], input=dup, capture_output=True)
check("dc-dump refuses the same record", p.returncode == 1 and p.stderr.decode() ==
      f"dc-dump: stdin: a record with a key twice (record 2, byte {len(ds.pack_header([]))})\n",
      p.stderr.decode())
nested = ds.pack_header([]) + b"\x82" + kv("kind", "utt") + msgpack.packb("m") + b"\x82" + kv("a", 1) + kv("a", 2)
raises("a key twice in a nested map", lambda: ds.read(io.BytesIO(nested)),
       f"record 2: a record with a key twice (byte {len(ds.pack_header([]))})")
p = subprocess.run([os.path.join(BIN, "dc-dump")], input=nested, capture_output=True)
check("dc-dump refuses it too", p.returncode == 1 and p.stderr.decode() ==
      f"dc-dump: stdin: a record with a key twice (record 2, byte {len(ds.pack_header([]))})\n",
      p.stderr.decode())
raises("record before the first utt", lambda: ds.read(io.BytesIO(ds.pack_header([]) + ds.pack_record("stft"))),
       "record outside an utterance: stft")
bad = ds.pack_header([]) + msgpack.packb({"kind": "x", "dtype": "float32", "shape": [3], "data": b"\0" * 8},
                                         use_bin_type=True)
raises("shape that disagrees with the data", lambda: ds.read(io.BytesIO(bad)), "record 2: shape [3] does not match the data")
# tensors the C reader refuses, refused here too: the Python message, and dc-dump's
# (its category: dc_rec_tensor_bytes) for the same bytes
WRONG = "record 3: a tensor's dtype, shape or data missing or of the wrong type"
LIMIT = "record 3: more elements than the limit (see DC_MAX_ELEMS)"
for name, rec, text, ctext in [
        ("unknown dtype", {"dtype": "float16", "shape": [1], "data": b"\0\0"},
         "record 3: unknown dtype 'float16'", "unknown or unexpected dtype"),
        ("no dimension", {"dtype": "float32", "shape": [], "data": b""},
         "record 3: shape [] is not 1 to 4 non-negative integers", "shape does not match the data"),
        ("five dimensions", {"dtype": "float32", "shape": [1] * 5, "data": b"\0" * 4},
         "record 3: shape [1, 1, 1, 1, 1] is not 1 to 4 non-negative integers", "shape does not match the data"),
        ("a negative dimension", {"dtype": "float32", "shape": [-1], "data": b""},
         "record 3: shape [-1] is not 1 to 4 non-negative integers", "shape does not match the data"),
        ("a dimension true", {"dtype": "float32", "shape": [True], "data": b"\0" * 4},
         "record 3: shape [True] is not 1 to 4 non-negative integers", "shape does not match the data"),
        ("a dimension over the limit", {"dtype": "float32", "shape": [2 ** 28 + 1], "data": b""},
         LIMIT, "more elements than the limit (see DC_MAX_ELEMS)"),
        ("a product over the limit before a 0", {"dtype": "float32", "shape": [2 ** 20, 2 ** 20, 0], "data": b""},
         LIMIT, "more elements than the limit (see DC_MAX_ELEMS)"),
        ("a dimension of 2^64 - 1", {"dtype": "float32", "shape": [2 ** 64 - 1], "data": b""},
         LIMIT, "more elements than the limit (see DC_MAX_ELEMS)"),
        ("shape a string", {"dtype": "float32", "shape": "3", "data": b""},
         WRONG, "required key missing or of the wrong type"),
        ("data a string", {"dtype": "float32", "shape": [3], "data": "abc"},
         WRONG, "required key missing or of the wrong type"),
        ("no dtype", {"shape": [1], "data": b"\0" * 4},
         WRONG, "required key missing or of the wrong type")]:
    traw = ds.pack_header([]) + ds.pack_record("utt", id="a") + \
        msgpack.packb({"kind": "stft", **rec}, use_bin_type=True)
    raises(f"tensor: {name}", lambda: ds.read(io.BytesIO(traw)), text)
    p = subprocess.run([os.path.join(BIN, "dc-dump")], input=traw, capture_output=True)
    check(f"tensor: {name}: dc-dump refuses it too", p.returncode == 1 and
          p.stderr.decode().startswith(f"dc-dump: stdin: record 3 (stft): {ctext}\n"), p.stderr.decode())
# ids the tools refuse (dc_rec_id), refused here with the same words; dc-istft's for the same bytes
with tempfile.TemporaryDirectory() as tmp:
    for name, idv, why in [("an id of 1024 bytes", "a" * 1024, "id longer than 1023 bytes"),
                           ("an id of 512 two-byte characters", "\u00e9" * 512, "id longer than 1023 bytes"),
                           ("an id with a NUL byte", "a\0/../x", "id holds a NUL byte"),
                           ("an id that is a number", 7, "key 'id' missing or not a string"),
                           ("no id", None, "key 'id' missing or not a string")]:
        keys = {} if idv is None else {"id": idv}
        traw = ds.pack_header([]) + ds.pack_record("utt", rate=8000, samples=256, **keys) + \
            ds.pack_record("stft", np.zeros((7, 129), np.complex64), rate=8000, nfft=256, hop=64,
                           samples=256, window="sqrt-hann")
        raises(f"id: {name}", lambda: ds.read(io.BytesIO(traw)), f"utt record: {why}")
        p = subprocess.run([os.path.join(BIN, "dc-istft"), "-o", "x.wav"], input=traw, capture_output=True,
                           cwd=tmp)
        check(f"id: {name}: dc-istft refuses it too", p.returncode == 1 and
              p.stderr.decode() == f"dc-istft: stdin: utterance 1: {why}\n", p.stderr.decode())
    traw = ds.pack_header([]) + ds.pack_record("utt", id="\u00e9" * 511 + "a", rate=8000, samples=256) + \
        ds.pack_record("stft", np.zeros((7, 129), np.complex64), rate=8000, nfft=256, hop=64,
                       samples=256, window="sqrt-hann")
    check("id: 1023 bytes are an id", ds.read(io.BytesIO(traw))[1][0].id == "\u00e9" * 511 + "a")
    p = subprocess.run([os.path.join(BIN, "dc-istft"), "-o", "x.wav"], input=traw, capture_output=True, cwd=tmp)
    check("id: 1023 bytes: dc-istft takes them too", p.returncode == 0 and p.stderr == b"", p.stderr.decode())
    # an id that is not UTF-8 is an id to both readers (a file name is bytes): the
    # Python one gives its bytes as surrogate escapes, and packs them back as they were
    utt = ds.pack_record("utt", id="m", rate=8000, samples=256)
    traw = ds.pack_header([]) + utt.replace(b"\xa2id\xa1m", b"\xa2id\xa2\xff\xfe") + \
        ds.pack_record("stft", np.zeros((7, 129), np.complex64), rate=8000, nfft=256, hop=64,
                       samples=256, window="sqrt-hann")
    uid = ds.read(io.BytesIO(traw))[1][0].id
    check("id: not UTF-8: read, its bytes as surrogate escapes", os.fsencode(uid) == b"\xff\xfe", repr(uid))
    check("id: not UTF-8: packed back byte for byte",
          ds.pack_record("utt", id=uid, rate=8000, samples=256) in traw)
    p = subprocess.run([os.path.join(BIN, "dc-istft"), "-o", "%u.wav"], input=traw, capture_output=True, cwd=tmp)
    check("id: not UTF-8: dc-istft takes it too, as the file name's bytes",
          p.returncode == 0 and p.stderr == b"" and os.path.isfile(os.path.join(os.fsencode(tmp), b"\xff\xfe.wav")),
          p.stderr.decode())
# DC_MAX_ELEMS lowers the limit for both readers
traw = ds.pack_header([]) + ds.pack_record("utt", id="a") + ds.pack_record("stft", np.zeros(3, np.float32))
os.environ["DC_MAX_ELEMS"] = "2"
raises("DC_MAX_ELEMS=2: 3 elements", lambda: ds.read(io.BytesIO(traw)), LIMIT)
p = subprocess.run([os.path.join(BIN, "dc-dump")], input=traw, capture_output=True)
check("DC_MAX_ELEMS=2: dc-dump refuses it too", p.returncode == 1, p.stderr.decode())
os.environ["DC_MAX_ELEMS"] = "3"
check("DC_MAX_ELEMS=3: 3 elements read", ds.read(io.BytesIO(traw))[1][0]["stft"]["data"].shape == (3,))
os.environ["DC_MAX_ELEMS"] = "0"
check("DC_MAX_ELEMS=0: ignored, as the C reader does", ds.read(io.BytesIO(traw))[1][0]["stft"]["data"].shape == (3,))
del os.environ["DC_MAX_ELEMS"]
raises("not msgpack", lambda: ds.read(io.BytesIO(ds.pack_header([]) + b"\xc1")),
       f"record 2: malformed stream (not msgpack) (byte {len(ds.pack_header([]))})")
ends, up = [], msgpack.Unpacker()
up.feed(raw)
for _ in up:
    ends.append(up.tell())
for cut in [1, ends[0] - 1, ends[0] + 1, ends[1] - 1, ends[1] + 5, 70000, len(raw) - 1]:
    rec = sum(e <= cut for e in ends) + 1
    start = max([0] + [e for e in ends if e <= cut])
    raises(f"truncated at byte {cut}", lambda: ds.read(io.BytesIO(raw[:cut])),
           f"stream truncated inside record {rec} (byte {start})")

sys.exit(1 if oracle_lib.failed else 0)
