"""blocks_lib.py: helpers for the tests of utterances in blocks (tests/sh/blocks*.sh).

add_masks: a filter (stdin to stdout, a record at a time, so that its memory does
not grow with the stream) that adds after every stft record a labels record
("labels": bin (t, f) is source 1 where |X| > 0.05, else source 0) or a masks
record ("masks": K = 2, m0 = |X|^2 / (|X|^2 + 0.01), m1 = 1 - m0): both depend on
the bin alone, so that a whole utterance and its blocks get the same ones.
Run with Debian's /usr/bin/python3 (numpy, msgpack).
"""
import sys

import msgpack
import numpy as np


def add_masks(mode, src, dst):
    up = msgpack.Unpacker(src, raw=False, max_buffer_size=0, strict_map_key=False)
    for rec in up:
        dst.write(msgpack.packb(rec, use_bin_type=True))
        if rec.get("kind") != "stft":
            continue
        X = np.frombuffer(rec["data"], "<c8").reshape(rec["shape"])
        p = np.abs(X).astype(np.float32) ** 2
        if mode == "labels":
            L = (np.abs(X) > 0.05).astype(np.int32)
            out = {"kind": "labels", "k": 2, "by": "test", "dtype": "int32",
                   "shape": list(L.shape), "data": L.tobytes()}
        else:
            m0 = p / (p + np.float32(0.01))
            M = np.stack([m0, np.float32(1) - m0]).astype(np.float32)
            out = {"kind": "masks", "k": 2, "by": "test", "dtype": "float32",
                   "shape": list(M.shape), "data": M.tobytes()}
        dst.write(msgpack.packb(out, use_bin_type=True))


if __name__ == "__main__":
    add_masks(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.buffer.flush()
