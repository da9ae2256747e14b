"""dcstream: read and write dcsep streams (formats/stream.md) with msgpack and numpy.

    import dcstream
    hdr, utts = dcstream.read("mix.dcs")       # a path, "-" for stdin, or a binary file
    for u in utts:
        X = u["stft"]["data"]                  # numpy complex64 [T, F]; u.id, u.head

records() yields every record as a dict (a tensor record's "data" is a numpy array of
its dtype and shape); utterances() groups them; pack_header() and pack_record() make
the bytes of a stream. Errors raise ValueError.
"""
import os
import sys

import msgpack
import numpy as np

DTYPES = {"float32": "<f4", "complex64": "<c8", "int32": "<i4", "uint8": "|u1",
          "float64": "<f8", "int16": "<i2"}


class _DupKey(ValueError):
    pass


def _pairs(pairs):
    """A map as a dict, refusing a string key that appears twice (as the C reader does)."""
    keys = [k for k, _ in pairs if isinstance(k, str)]
    if len(set(keys)) != len(keys):
        raise _DupKey()
    return dict(pairs)


class _Counter:
    """A file that counts the bytes read from it, to tell truncation from the end."""
    def __init__(self, f):
        self.f, self.n = f, 0

    def read(self, n=-1):
        b = self.f.read(n)
        self.n += len(b)
        return b


def records(src):
    """Yields each record of a stream; checks the header and every tensor."""
    f = sys.stdin.buffer if src == "-" else open(src, "rb") if isinstance(src, (str, os.PathLike)) else src
    cf = _Counter(f)
    up = msgpack.Unpacker(cf, raw=False, max_buffer_size=0, strict_map_key=False,
                          object_pairs_hook=_pairs)
    i = end = 0
    try:
        while True:
            try:
                rec = next(up)
            except StopIteration:
                break
            except _DupKey:
                raise ValueError(f"record {i + 1}: a record with a key twice (byte {end})") from None
            except (msgpack.UnpackException, ValueError) as e:
                raise ValueError(f"record {i + 1}: malformed stream (not msgpack) (byte {end})") from e
            i, end = i + 1, up.tell()
            if not isinstance(rec, dict) or not isinstance(rec.get("kind"), str):
                raise ValueError(f"record {i}: not a dcsep record (a map with a \"kind\")")
            if i == 1 and rec["kind"] != "dcsep":
                raise ValueError("not a dcsep stream (no header record)")
            if rec["kind"] == "dcsep" and rec.get("version") != 1:
                raise ValueError(f"record {i}: unsupported stream version {rec.get('version')!r}")
            if "data" in rec:
                dt = np.dtype(DTYPES[rec["dtype"]])
                if len(rec["data"]) != dt.itemsize * int(np.prod(rec["shape"])):
                    raise ValueError(f"record {i}: shape {rec['shape']} does not match the data")
                rec["data"] = np.frombuffer(rec["data"], dt).reshape(rec["shape"])
            yield rec
    finally:
        if f is not src and f is not sys.stdin.buffer:
            f.close()
    if cf.n == 0:
        raise ValueError("empty stream")
    if end != cf.n:
        raise ValueError(f"stream truncated inside record {i + 1} (byte {end})")


class Utterance:
    """A "utt" record (head) and the records after it, in order; u[kind] is the last
    record of that kind, as the tools read it."""
    def __init__(self, head):
        self.head, self.records = head, []
        self.id = head.get("id")

    def __getitem__(self, kind):
        for r in reversed(self.records):
            if r["kind"] == kind:
                return r
        raise KeyError(kind)

    def __contains__(self, kind):
        return any(r["kind"] == kind for r in self.records)


def read(src):
    """The header and the list of utterances of a stream."""
    it = records(src)
    hdr, utts = next(it), []
    for r in it:
        if r["kind"] == "utt":
            utts.append(Utterance(r))
        elif r["kind"] != "dcsep":     # a later header, from cat: skipped
            if not utts:
                raise ValueError(f"record outside an utterance: {r['kind']}")
            utts[-1].records.append(r)
    return hdr, utts


def utterances(src):
    return read(src)[1]


def pack_header(history):
    return msgpack.packb({"kind": "dcsep", "version": 1, "history": list(history)})


def pack_record(kind, array=None, **keys):
    """The bytes of one record: kind, then keys, then the array (any dtype of DTYPES)."""
    rec = {"kind": kind, **keys}
    if array is not None:
        a = np.asarray(array)
        name = next((n for n, d in DTYPES.items() if np.dtype(d) == a.dtype.newbyteorder("<")), None)
        if name is None:
            raise ValueError(f"dtype {a.dtype} has no dcsep name")
        rec.update(dtype=name, shape=list(a.shape), data=a.astype(DTYPES[name]).tobytes())
    return msgpack.packb(rec, use_bin_type=True)
