#!/usr/bin/python3
"""test_eval_segments.py: dc-eval -w (figures per segment) and dc-eval on files long
enough to be read in two passes (more than 2^19 samples), against mir_eval and numpy.

1. Two speakers (tests/data/speech), 7.5 s at 8 kHz, estimates that swap halfway
   (at 4 s): with -w 2, four segments (2, 2, 2 and 1.5 s, the remainder being at
   least half a window); every segment's SDR, SIR, SAR, SI-SDR, the mixture's and
   the improvements as mir_eval.separation.bss_eval_sources and numpy give them on
   that segment's samples, within 0.01 dB; the permutation is (1, 2) in the first
   two and (2, 1) in the last two; the whole-file figures are those of a run
   without -w, exactly. With -w 1.7 the 0.7 s left over joins the last segment.
2. The same with the second speaker silent from 2 to 4 s: that segment's BSS Eval
   and SI-SDR figures and permutations are null (mir_eval's framewise evaluation
   leaves such a frame NaN too), the others still agree.
3. 70 s of two coloured-noise sources with a mixture (560000 samples: the two-pass
   path): the whole-file figures and permutations against mir_eval within 0.01 dB,
   and -w 30 (segments of 30 and 40 s) against mir_eval on each.
Prints "PASS: ..."/"FAIL: ..." lines; exits 1 on any failure.
"""
import itertools
import json
import os
import subprocess
import sys

import numpy as np
import soundfile as sf
import scipy.signal
import mir_eval

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import evalref  # noqa: E402
from evalref import DCEVAL, RATE, SPEECH, T, TOL, report, si_sdr, write  # noqa: E402,F401


def expected(R, E, mix):
    """mir_eval and numpy on these samples; None for BSS Eval (and SI-SDR) where a
    signal is silent (constant), as bss_eval_sources_framewise leaves them."""
    k = len(R)
    out = {}
    if any(not np.any(x) for x in list(R) + list(E)):
        out.update(sdr=None, sir=None, sar=None, perm=None)
    else:
        sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(R, E)
        out.update(sdr=sdr, sir=sir, sar=sar, perm=list(perm + 1))
        if mix is not None:
            out["sdr_mix"] = mir_eval.separation.bss_eval_sources(R, np.array([mix] * k),
                                                                  compute_permutation=False)[0]
            out["sdri"] = sdr - out["sdr_mix"]
    if any(np.all(x == x[0]) for x in list(R) + list(E)):
        out.update(si_sdr=None, si_perm=None)
    else:
        m = np.array([[si_sdr(R[r], E[e]) for r in range(k)] for e in range(k)])
        perms = list(itertools.permutations(range(k)))
        best = perms[int(np.argmax([np.mean(m[list(p), np.arange(k)]) for p in perms]))]
        out.update(si_sdr=m[list(best), np.arange(k)], si_perm=[p + 1 for p in best])
        if mix is not None:
            out["si_sdr_mix"] = np.array([si_sdr(R[r], mix) for r in range(k)])
            out["si_sdri"] = out["si_sdr"] - out["si_sdr_mix"]
    return out


def compare(what, got, want):
    """got: a dc-eval JSON object (or segment); want: expected()."""
    for key, w in want.items():
        g = got.get(key, "absent")
        if w is None:
            ok = g is None or (isinstance(g, list) and all(v is None for v in g))
            report(ok, "%s: %s null (got %s)" % (what, key, g))
        elif key.endswith("perm"):
            report(g == w, "%s: %s %s as the reference %s" % (what, key, g, w))
        else:
            a = np.array([np.nan if v is None else v for v in g], dtype=float) if isinstance(g, list) else None
            d = float(np.max(np.abs(a - w))) if a is not None and a.shape == w.shape else np.inf
            report(d <= TOL, "%s: %s %s vs %s, max abs diff %.2e dB" %
                   (what, key, np.round(a, 2).tolist() if a is not None else g, np.round(w, 2).tolist(), d))


def run(argv):
    pr = subprocess.run([DCEVAL] + argv, capture_output=True, text=True)
    objs = [json.loads(l) for l in pr.stdout.splitlines()]
    ok = pr.returncode == 0 and len(objs) == 2
    return ok, objs[0] if ok else {}, pr


def speech(name, n):
    x = sf.read(os.path.join(SPEECH, name + ".flac"), dtype="float64")[0]
    return x[:n] / np.sqrt(np.mean(x[:n] ** 2)) * 0.05


def segment_case(tag, R, E, mix, win, bounds, perms=None):
    paths = [write("%s_ref%d" % (tag, i), x)[0] for i, x in enumerate(R)]
    epaths = [write("%s_est%d" % (tag, i), x)[0] for i, x in enumerate(E)]
    mpath = write(tag + "_mix", mix)[0]
    R = np.array([sf.read(p, dtype="float64")[0] for p in paths])
    E = np.array([sf.read(p, dtype="float64")[0] for p in epaths])
    mix = sf.read(mpath, dtype="float64")[0]
    args = ["-j", "-m", mpath] + sum([["-r", p] for p in paths], []) + epaths
    ok, o, pr = run(["-w", str(win)] + args)
    report(ok, "%s: dc-eval -w %s exits 0 with 2 JSON lines (%s)" % (tag, win, pr.stderr.strip()))
    ok0, o0, _ = run(args)
    whole = {k: v for k, v in o.items() if k not in ("segments", "window")}
    report(ok0 and whole == o0, "%s: the whole-file figures are those of a run without -w" % tag)
    segs = o.get("segments", [])
    got_bounds = [(s["start"], s["samples"]) for s in segs]
    report(got_bounds == bounds and o.get("window") == int(round(win * RATE)),
           "%s: segments (start, samples) %s, window %s" % (tag, got_bounds, o.get("window")))
    for i, s in enumerate(segs):
        a, n = s["start"], s["samples"]
        want = expected(R[:, a:a + n], E[:, a:a + n], mix[a:a + n])
        compare("%s segment %d" % (tag, i), s, want)
    if perms is not None:
        report([s.get("perm") for s in segs] == perms,
               "%s: the permutation per segment shows the swap: %s" % (tag, [s.get("perm") for s in segs]))
    return segs


def main():
    if not os.access(DCEVAL, os.X_OK):
        report(False, "dc-eval built: no " + DCEVAL)
        return 1
    rng = np.random.default_rng(19)
    n = 60000
    s0 = speech("ls1034_1034-121119-0000", n)
    s1 = np.concatenate([speech(nm, 30000) for nm in ("so0036_000360332", "so0053_000530115")] +
                        [speech("so0054_000540031", 20000)])[:n]
    s1 = s1 / np.sqrt(np.mean(s1 ** 2)) * 0.05
    half = 32000
    a = s0 + 0.2 * s1 + 0.002 * rng.standard_normal(n)
    b = s1 + 0.1 * s0 + 0.002 * rng.standard_normal(n)
    e0 = np.concatenate([a[:half], b[half:]])
    e1 = np.concatenate([b[:half], a[half:]])
    R, E, mix = np.array([s0, s1]), np.array([e0, e1]), s0 + s1
    segment_case("swap", R, E, mix, 2, [(0, 16000), (16000, 16000), (32000, 16000), (48000, 12000)],
                 perms=[[1, 2], [1, 2], [2, 1], [2, 1]])
    segment_case("merged", R, E, mix, 1.7, [(0, 13600), (13600, 13600), (27200, 13600), (40800, 19200)])

    # the second speaker silent from 2 to 4 s: its estimate holds only leakage there
    g1 = s1.copy()
    g1[16000:32000] = 0
    ga = s0 + 0.2 * g1 + 0.002 * rng.standard_normal(n)
    gb = g1 + 0.1 * s0 + 0.002 * rng.standard_normal(n)
    gb[16000:32000] = 0
    segs = segment_case("gap", np.array([s0, g1]), np.array([ga, gb]), s0 + g1, 2,
                        [(0, 16000), (16000, 16000), (32000, 16000), (48000, 12000)])
    report(len(segs) == 4 and segs[1].get("perm") is None and segs[1].get("si_perm") is None
           and segs[0].get("perm") == [1, 2], "gap: the segment with a silent source has no permutation")

    # 70 s: the two-pass path
    n = 560000
    src = []
    for th in (0.4, 2.0):
        x = scipy.signal.lfilter([1.0], [1, -2 * 0.8 * np.cos(th), 0.64], rng.standard_normal(n))
        src.append(0.1 * x / x.std())
    s = np.array(src)
    e0 = s[1] + 0.25 * s[0] + 0.01 * rng.standard_normal(n)
    e1 = scipy.signal.lfilter([0.9, 0.3], [1], s[0]) + 0.1 * s[1] + 0.01 * rng.standard_normal(n)
    paths = [write("long_ref%d" % i, x)[0] for i, x in enumerate(s)]
    epaths = [write("long_est%d" % i, x)[0] for i, x in enumerate([e0, e1])]
    mpath = write("long_mix", s.sum(0))[0]
    R = np.array([sf.read(p, dtype="float64")[0] for p in paths])
    E = np.array([sf.read(p, dtype="float64")[0] for p in epaths])
    mix = sf.read(mpath, dtype="float64")[0]
    ok, o, pr = run(["-j", "-w", "30", "-m", mpath] + sum([["-r", p] for p in paths], []) + epaths)
    report(ok and o.get("samples") == n, "long: dc-eval -j -w 30 on 70 s exits 0 (%s)" % pr.stderr.strip())
    compare("long, whole file", o, expected(R, E, mix))
    segs = o.get("segments", [])
    report([(x["start"], x["samples"]) for x in segs] == [(0, 240000), (240000, 320000)],
           "long: segments of 30 and 40 s: %s" % [(x["start"], x["samples"]) for x in segs])
    for i, x in enumerate(segs):
        a, m = x["start"], x["samples"]
        want = expected(R[:, a:a + m], E[:, a:a + m], None)
        compare("long, segment %d" % i, x, want)
    return 1 if evalref.failed else 0


if __name__ == "__main__":
    sys.exit(main())
