"""oracle_lib.py: numpy references for the tests of dc-oracle, dc-kmeans and dc-mask.

Independent of libcommon: streams are read and written with msgpack as
formats/stream.md describes them, and the STFT and its inverse follow the spec's
framing with numpy's FFT. Run with Debian's /usr/bin/python3 (numpy, msgpack,
soundfile). Shapes: T frames, F bins, K sources, D embedding dimensions.
"""
import msgpack
import numpy as np
import soundfile as sf

DTYPES = {"float32": "<f4", "complex64": "<c8", "int32": "<i4", "uint8": "u1",
          "float64": "<f8", "int16": "<i2"}


def read_records(path):
    """Every record of a stream file, header included, as dicts."""
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))


def read_raw(path):
    """Every record as (dict, its exact bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    up = msgpack.Unpacker(raw=False, strict_map_key=False)
    up.feed(data)
    out, start = [], 0
    for obj in up:
        end = up.tell()
        out.append((obj, data[start:end]))
        start = end
    return out


def utterances(recs):
    """[(utt record, [records after it])] of a record list."""
    out = []
    for r in recs:
        if r["kind"] == "dcsep":
            continue
        if r["kind"] == "utt":
            out.append((r, []))
        else:
            out[-1][1].append(r)
    return out


def last(recs, kind):
    found = [r for r in recs if r["kind"] == kind]
    return found[-1] if found else None


def tensor(r):
    return np.frombuffer(r["data"], dtype=DTYPES[r["dtype"]]).reshape(r["shape"])


def tensor_rec(kind, arr, **keys):
    """A record dict carrying arr as its tensor."""
    arr = np.ascontiguousarray(arr)
    name = {np.dtype(v): k for k, v in DTYPES.items()}[arr.dtype]
    r = {"kind": kind}
    r.update(keys)
    r.update({"dtype": name, "shape": list(arr.shape), "data": arr.tobytes()})
    return r


def write_stream(path, recs, tool="test"):
    with open(path, "wb") as f:
        f.write(msgpack.packb({"kind": "dcsep", "version": 1, "history": [tool]}, use_bin_type=True))
        for r in recs:
            f.write(msgpack.packb(r, use_bin_type=True))


def window(nfft, name="sqrt-hann"):
    n = np.arange(nfft)
    h = 0.5 - 0.5 * np.cos(2 * np.pi * n / nfft)
    return h if name == "hann" else np.sqrt(h)


def stft(x, nfft=256, hop=64, name="sqrt-hann"):
    """The spec's STFT in float64: P = nfft - hop zeros in front, T frames."""
    x = np.asarray(x, dtype=np.float64)
    N, P = len(x), nfft - hop
    T = (N - 1 + P) // hop + 1
    xp = np.zeros((T - 1) * hop + nfft)
    xp[P:P + N] = x
    idx = np.arange(T)[:, None] * hop + np.arange(nfft)[None, :]
    return np.fft.rfft(xp[idx] * window(nfft, name)[None, :], axis=1)


def istft(X, samples, nfft=256, hop=64, name="sqrt-hann"):
    """Weighted overlap-add divided by the summed squared window."""
    T = X.shape[0]
    w = window(nfft, name)
    frames = np.fft.irfft(X, n=nfft, axis=1) * w[None, :]
    L = (T - 1) * hop + nfft
    acc, ws = np.zeros(L), np.zeros(L)
    for t in range(T):
        acc[t * hop:t * hop + nfft] += frames[t]
        ws[t * hop:t * hop + nfft] += w * w
    P = nfft - hop
    return acc[P:P + samples] / ws[P:P + samples]


def si_sdr(est, ref):
    """Scale-invariant SDR in dB (Le Roux et al. 2019), zero-mean signals."""
    est = np.asarray(est, np.float64) - np.mean(est)
    ref = np.asarray(ref, np.float64) - np.mean(ref)
    t = np.dot(est, ref) / np.dot(ref, ref) * ref
    return 10 * np.log10(np.sum(t * t) / np.sum((est - t) ** 2))


def make_mix(a_path, b_path, out_mix, out_a, out_b):
    """A 0 dB mixture of two files, truncated to the shorter; float WAVs.
    Returns (a, b, mix) as float32 arrays."""
    a, ra = sf.read(a_path, dtype="float32")
    b, rb = sf.read(b_path, dtype="float32")
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    b = (b * np.sqrt(np.sum(a.astype(np.float64) ** 2) / np.sum(b.astype(np.float64) ** 2))).astype(np.float32)
    mix = (a + b).astype(np.float32)
    for path, x in ((out_a, a), (out_b, b), (out_mix, mix)):
        sf.write(path, x, ra, subtype="FLOAT")
    return a, b, mix


failed = 0     # checks that failed so far, for a test's exit status


def check(name, ok, why=""):
    """Prints a PASS or FAIL line (tests/run.sh counts them); returns ok."""
    global failed
    print(("PASS: %s" % name) if ok else ("FAIL: %s: %s" % (name, why)))
    failed += not ok
    return ok


def checkpoint(path):
    """A dc-train checkpoint: (params, adam_m, adam_v, step) as raw bytes and ints,
    and its training state as a dict."""
    m = msgpack.unpackb(open(path, "rb").read(), raw=False)
    t = m["train"]
    return (m["params"], t["adam_m"], t["adam_v"], t["step"]), msgpack.unpackb(t["state"], raw=False)
