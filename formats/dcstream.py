"""dcstream: read and write dcsep streams (formats/stream.md) with msgpack and numpy.

    import dcstream
    hdr, utts = dcstream.read("mix.dcs")       # a path, "-" for stdin, or a binary file
    for u in utts:
        X = u["stft"]["data"]                  # numpy complex64 [T, F]; u.id, u.head

records() yields every record as a dict (a tensor record's "data" is a numpy array of
its dtype and shape); utterances() groups them; pack_header() and pack_record() make
the bytes of a stream. Errors raise ValueError.

An utterance in blocks (version 2) has u.blocks, a list of Block (head: the block
record, records: those after it); join(u, kind) puts the blocks' tensors of a kind
back together along T:

    X = dcstream.join(u, "stft")               # complex64 [T, F] of the whole utterance
"""
import os
import re
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


def _limit():
    """The most elements a record may hold: DC_MAX_ELEMS (1 to 2^40) or 2^28, as the C reader."""
    s = os.environ.get("DC_MAX_ELEMS", "")
    if re.fullmatch(r"\s*[+-]?[0-9]+", s) and 1 <= int(s) <= 1 << 40:
        return int(s)
    return 1 << 28


def _tensor(i, rec):
    """The numpy array of record i's tensor, checked as the C reader checks it
    (dc_rec_tensor_bytes): the keys and their types, a known dtype, 1 to 4
    non-negative integer dimensions, the element limit, then the data's length."""
    dtype, shape, data = rec.get("dtype"), rec.get("shape"), rec["data"]
    if not isinstance(dtype, str) or not isinstance(shape, list) or not isinstance(data, bytes):
        raise ValueError(f"record {i}: a tensor's dtype, shape or data missing or of the wrong type")
    if dtype not in DTYPES:
        raise ValueError(f"record {i}: unknown dtype {dtype!r}")
    if not 1 <= len(shape) <= 4 or any(type(d) is not int or d < 0 for d in shape):
        raise ValueError(f"record {i}: shape {shape!r} is not 1 to 4 non-negative integers")
    n, lim = 1, _limit()
    for d in shape:                     # each dimension and each product so far
        n *= d
        if d > lim or n > lim:
            raise ValueError(f"record {i}: more elements than the limit (see DC_MAX_ELEMS)")
    dt = np.dtype(DTYPES[dtype])
    if len(data) != dt.itemsize * n:
        raise ValueError(f"record {i}: shape {shape} does not match the data")
    return np.frombuffer(data, dt).reshape(shape)


def records(src):
    """Yields each record of a stream; checks the header and every tensor."""
    f = sys.stdin.buffer if src == "-" else open(src, "rb") if isinstance(src, (str, os.PathLike)) else src
    cf = _Counter(f)
    up = msgpack.Unpacker(cf, raw=False, max_buffer_size=0, strict_map_key=False,
                          object_pairs_hook=_pairs, unicode_errors="surrogateescape")
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
            if rec["kind"] == "dcsep" and rec.get("version") not in (1, 2):
                raise ValueError(f"record {i}: unsupported stream version {rec.get('version')!r}")
            if "data" in rec:
                rec["data"] = _tensor(i, rec)
            yield rec
    finally:
        if f is not src and f is not sys.stdin.buffer:
            f.close()
    if cf.n == 0:
        raise ValueError("empty stream")
    if end != cf.n:
        raise ValueError(f"stream truncated inside record {i + 1} (byte {end})")


class _Records:
    """A head record and the records after it, in order; x[kind] is the last
    record of that kind, as the tools read it."""
    def __init__(self, head):
        self.head, self.records = head, []

    def __getitem__(self, kind):
        for r in reversed(self.records):
            if r["kind"] == kind:
                return r
        raise KeyError(kind)

    def __contains__(self, kind):
        return any(r["kind"] == kind for r in self.records)


class Block(_Records):
    """A "block" record (head: t0, frames, last) and the records after it."""
    def __init__(self, head):
        super().__init__(head)
        self.t0, self.frames, self.last = head.get("t0"), head.get("frames"), head.get("last")


class Utterance(_Records):
    """A "utt" record (head) and the records after it, in order; u[kind] is the last
    record of that kind, as the tools read it. In blocks (head["blocks"] true),
    u.blocks lists them; u.records still holds every record, block records too."""
    def __init__(self, head):
        super().__init__(head)
        self.blocks = []
        self.id = head.get("id")


# the axis of T in each kind's tensor
T_AXIS = {"stft": 0, "labels": 0, "embed": 0, "masks": 1, "masked": 1, "ref": 1}


def _id_why(head):
    """Why a utt record's id is no id, as the C tools say it (dc_rec_id), or None."""
    i = head.get("id")
    if not isinstance(i, str):
        return "key 'id' missing or not a string"
    if len(i.encode("utf-8", "surrogateescape")) > 1023:
        return "id longer than 1023 bytes"
    if "\0" in i:
        return "id holds a NUL byte"
    return None


def _end_blocks(u):
    """Checks that an utterance in blocks got its last block (as the C reader)."""
    if u is not None and u.head.get("blocks") is True and (not u.blocks or not u.blocks[-1].last):
        t0 = u.blocks[-1].t0 + u.blocks[-1].frames if u.blocks else 0
        raise ValueError(f"utterance '{u.id}' ends before its last block (next t0 {t0})")


def read(src):
    """The header and the list of utterances of a stream; checks each utt record's
    id (a string of at most 1023 bytes without a NUL byte) as the tools do, and the
    blocks of an utterance in blocks as the C reader does (in order from t0 0,
    contiguous, a last one, version 2 only)."""
    it = records(src)
    hdr, utts = next(it), []
    version = hdr.get("version")
    for r in it:
        k = r["kind"]
        if k == "dcsep":                # a later header, from cat: its version
            version = r.get("version")
            continue
        if k == "utt":
            _end_blocks(utts[-1] if utts else None)
            why = _id_why(r)
            if why:
                raise ValueError(f"utt record: {why}")
            b = r.get("blocks", False)
            if not isinstance(b, bool):
                raise ValueError(f"utterance '{r.get('id')}': utt record: key 'blocks' is not true or false")
            if b and version != 2:
                raise ValueError(f"utterance '{r.get('id')}' in blocks in a version {version} stream "
                                 "(blocks need version 2)")
            utts.append(Utterance(r))
            continue
        if not utts:
            raise ValueError(f"record outside an utterance: {k}")
        u = utts[-1]
        if k == "block":
            if u.head.get("blocks") is not True:
                raise ValueError(f"a block record in utterance '{u.id}', which is not in blocks")
            t0, frames, last = r.get("t0"), r.get("frames"), r.get("last")
            if not isinstance(t0, int) or isinstance(t0, bool) or t0 < 0:
                raise ValueError("block record: key 't0' missing or not an integer from 0")
            if not isinstance(frames, int) or isinstance(frames, bool) or frames < 1:
                raise ValueError("block record: key 'frames' missing or not an integer from 1")
            if not isinstance(last, bool):
                raise ValueError("block record: key 'last' missing or not true or false")
            if u.blocks and u.blocks[-1].last:
                raise ValueError(f"utterance '{u.id}': a block after its last block")
            want = u.blocks[-1].t0 + u.blocks[-1].frames if u.blocks else 0
            if t0 != want:
                raise ValueError(f"utterance '{u.id}': block t0 {t0}, expected {want}")
            u.blocks.append(Block(r))
        elif u.head.get("blocks") is True:
            if not u.blocks:
                raise ValueError(f"utterance '{u.id}' is in blocks: a {k} record before its first block")
            u.blocks[-1].records.append(r)
        u.records.append(r)
    _end_blocks(utts[-1] if utts else None)
    return hdr, utts


def join(u, kind):
    """The tensor of the last record of a kind in each block of u, joined along T
    (an utterance not in blocks: its last record's tensor)."""
    if not u.blocks:
        return u[kind]["data"]
    return np.concatenate([b[kind]["data"] for b in u.blocks], axis=T_AXIS.get(kind, 0))


def utterances(src):
    return read(src)[1]


def pack_header(history, version=1):
    """A header; version 2 for a stream with utterances in blocks."""
    return msgpack.packb({"kind": "dcsep", "version": version, "history": list(history)},
                        unicode_errors="surrogateescape")


def pack_record(kind, array=None, **keys):
    """The bytes of one record: kind, then keys, then the array (any dtype of DTYPES)."""
    rec = {"kind": kind, **keys}
    if array is not None:
        a = np.asarray(array)
        name = next((n for n, d in DTYPES.items() if np.dtype(d) == a.dtype.newbyteorder("<")), None)
        if name is None:
            raise ValueError(f"dtype {a.dtype} has no dcsep name")
        rec.update(dtype=name, shape=list(a.shape), data=a.astype(DTYPES[name]).tobytes())
    return msgpack.packb(rec, use_bin_type=True, unicode_errors="surrogateescape")
