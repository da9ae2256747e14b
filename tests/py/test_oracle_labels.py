"""test_oracle_labels.py: dc-oracle's labels and masks against numpy, and dc-mask's
output against X * mask.

The references are independent of libcommon: the sources' STFTs are computed with
numpy's FFT following the framing of formats/stream.md, in float64. IBM labels must
equal numpy's argmax exactly except where the two loudest sources are within
rounding of each other; IRM and Wiener masks must match to float32 rounding where
the bin is not silent; dc-mask's masked spectra must equal X * mask exactly.
Prints PASS:/FAIL: lines; run with /usr/bin/python3.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "sh"))
import oracle_lib as L  # noqa: E402

BIN = os.path.join(ROOT, os.environ.get("B") or "build", "bin")   # the build tested, as run.sh sets it
SP = os.path.join(ROOT, "tests", "data", "speech")
check = L.check


def run(args, stdin_path, out_path):
    """Runs a tool with stdin from a file and stdout to a file; returns stderr."""
    with open(stdin_path, "rb") as fi, open(out_path, "wb") as fo:
        p = subprocess.run([os.path.join(BIN, args[0])] + args[1:], stdin=fi, stdout=fo,
                           stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("FAIL: %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.decode()))
    return p.stderr.decode()


def main():
    os.chdir(tempfile.mkdtemp(dir=os.environ.get("T")))
    import soundfile as sf
    # three sources: two 0 dB mixtures of two, and one of three speakers
    a, b, _ = L.make_mix(SP + "/so0048_000480014.flac", SP + "/so0053_000530115.flac", "mix2.wav", "s1.wav", "s2.wav")
    c, _ = sf.read(SP + "/so0036_000360332.flac", dtype="float32")
    c = c[:len(a)]
    sf.write("s3.wav", c, 8000, subtype="FLOAT")
    sf.write("mix3.wav", (a + b + c).astype(np.float32), 8000, subtype="FLOAT")
    subprocess.run([BIN + "/dc-stft", "mix2.wav"], stdout=open("mix2.dcs", "wb"), check=True)
    subprocess.run([BIN + "/dc-stft", "mix3.wav"], stdout=open("mix3.dcs", "wb"), check=True)

    S = np.stack([L.stft(x) for x in (a, b, c)])       # [3, T, F] float64 reference
    mag = np.abs(S)

    for K, mix in ((2, "mix2.dcs"), (3, "mix3.dcs")):
        refs = ["s%d.wav" % (k + 1) for k in range(K)]
        Sk, mk = S[:K], mag[:K]
        # IBM
        run(["dc-oracle", "-R"] + refs, mix, "ibm.dcs")
        recs = L.read_records("ibm.dcs")
        lab_rec = L.last(recs, "labels")
        lab = L.tensor(lab_rec)
        check("K=%d: labels record: k, by, dtype, shape" % K,
              (lab_rec["k"], lab_rec["by"], lab_rec["dtype"], lab.shape) == (K, "oracle-ibm", "int32", Sk.shape[1:]),
              str((lab_rec["k"], lab_rec["by"], lab.shape)))
        want = np.argmax(mk, axis=0)
        srt = np.sort(mk, axis=0)
        near_tie = srt[-1] - srt[-2] <= 1e-5 * (srt[-1] + 1e-30) + 1e-6 * mk.max()
        diff = lab != want
        print("K=%d: %d of %d labels differ from numpy's argmax, %d bins are near ties"
              % (K, diff.sum(), lab.size, near_tie.sum()))
        check("K=%d: IBM labels = numpy argmax |S_k| except near ties" % K, not np.any(diff & ~near_tie),
              "%d differ away from ties" % np.sum(diff & ~near_tie))
        R = L.tensor(L.last(recs, "ref")).astype(np.complex128)
        d = np.abs(R - Sk).max() / np.abs(Sk).max()
        check("K=%d: ref record = numpy STFT of the sources (rel. %.2g)" % (K, d), d < 1e-5, "%.3g" % d)

        # dc-mask on labels: masked[k] = X where label == k, 0 elsewhere, exactly
        run(["dc-mask"], "ibm.dcs", "ibm.masked.dcs")
        recs = L.read_records("ibm.masked.dcs")
        X = L.tensor(L.last(recs, "stft"))
        Y = L.tensor(L.last(recs, "masked"))
        want = np.stack([np.where(lab == k, X, np.complex64(0)) for k in range(K)])
        check("K=%d: dc-mask with labels = X * [label == k], bit for bit" % K,
              Y.dtype == np.complex64 and np.array_equal(Y.view(np.uint32), want.view(np.uint32)), "differ")

        # soft masks
        for mode, p in (("irm", 1), ("wiener", 2)):
            run(["dc-oracle", "-m", mode] + refs, mix, mode + ".dcs")
            recs = L.read_records(mode + ".dcs")
            mrec = L.last(recs, "masks")
            M = L.tensor(mrec)
            check("K=%d: %s: masks record: k, by, dtype, shape" % (K, mode),
                  (mrec["k"], mrec["by"], mrec["dtype"], M.shape) == (K, "oracle-" + mode, "float32", Sk.shape),
                  str((mrec["k"], mrec["by"], M.shape)))
            tot = np.sum(mk ** p, axis=0)
            ref = mk ** p / np.where(tot > 0, tot, 1)
            loud = mk.max(axis=0) > 1e-3 * mk.max()
            d = np.abs(M - ref)[:, loud].max()
            print("K=%d: %s: largest difference from numpy in the %d bins within 60 dB: %.3g"
                  % (K, mode, loud.sum(), d))
            check("K=%d: %s masks = numpy |S_k|^%d / sum |S_j|^%d (%.2g)" % (K, mode, p, p, d), d < 1e-4, "%.3g" % d)
            check("K=%d: %s masks in [0, 1], summing to 1" % (K, mode),
                  M.min() >= 0 and M.max() <= 1 and np.abs(M.sum(axis=0) - 1).max() < 1e-5, "range or sum")
            run(["dc-mask"], mode + ".dcs", mode + ".masked.dcs")
            recs = L.read_records(mode + ".masked.dcs")
            Y = L.tensor(L.last(recs, "masked"))
            want = np.empty_like(Y)
            want.real = X.real[None] * M
            want.imag = X.imag[None] * M
            check("K=%d: dc-mask with %s masks = X * mask, bit for bit" % (K, mode),
                  np.array_equal(Y.view(np.uint32), want.view(np.uint32)), "differ")

    # dc-mask uses the later of the last labels and the last masks
    run(["dc-oracle", "-m", "irm", "s1.wav", "s2.wav"], "mix2.dcs", "m.dcs")
    run(["dc-oracle", "-m", "ibm", "s1.wav", "s2.wav"], "m.dcs", "ml.dcs")
    run(["dc-oracle", "-m", "irm", "s1.wav", "s2.wav"], "ml.dcs", "mlm.dcs")
    for src, kind in (("ml.dcs", "labels"), ("mlm.dcs", "masks")):
        run(["dc-mask"], src, "o.dcs")
        recs = L.read_records("o.dcs")
        X = L.tensor(L.last(recs, "stft"))
        Y = L.tensor(L.last(recs, "masked"))
        r = L.last(recs, kind)
        if kind == "labels":
            want = np.stack([np.where(L.tensor(r) == k, X, 0) for k in range(2)])
        else:
            want = X[None] * L.tensor(r)
        kinds = [x["kind"] for x in recs[1:]]
        check("dc-mask after %s: uses the %s record" % (" + ".join(kinds[2:-1]), kind),
              np.array_equal(Y, want.astype(np.complex64)), "differ")
    return 1 if L.failed else 0


if __name__ == "__main__":
    sys.exit(main())
