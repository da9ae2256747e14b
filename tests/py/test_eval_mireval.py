#!/usr/bin/python3
"""test_eval_mireval.py: dc-eval against mir_eval.separation.bss_eval_sources and
an independent numpy SI-SDR.

Seeded cases, written as float WAV: 2 and 3 sources of coloured noise and of real
speech (tests/data/speech), estimates with filtering, interference, noise and
mask-and-resynthesis artifacts, permuted, of different lengths; every SDR, SIR,
SAR, SI-SDR, SDRi and SI-SDRi and both permutations must agree within 0.01 dB.
Prints "PASS: ..."/"FAIL: ..." lines; exits 1 on any failure.
"""
import itertools
import json
import os
import subprocess
import sys
import time

import numpy as np
import soundfile as sf
import scipy.signal
import mir_eval

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import evalref  # noqa: E402
from evalref import DCEVAL, RATE, SPEECH, T, TOL, report, si_sdr, write  # noqa: E402,F401


def si_sdr_sources(refs, ests):
    """Best mean SI-SDR over all permutations; perm[r] = estimate of reference r."""
    k = len(refs)
    m = np.array([[si_sdr(refs[r], ests[e]) for r in range(k)] for e in range(k)])
    perms = list(itertools.permutations(range(k)))
    means = [np.mean(m[list(p), np.arange(k)]) for p in perms]
    best = perms[int(np.argmax(means))]
    return m[list(best), np.arange(k)], np.array(best)


def coloured(rng, n, k):
    """k sources of noise through different random AR(2) filters (speech-like spectra)."""
    out = []
    for _ in range(k):
        r, th = rng.uniform(0.5, 0.9), rng.uniform(0.2, 2.8)
        out.append(scipy.signal.lfilter([1.0], [1, -2 * r * np.cos(th), r * r], rng.standard_normal(n)))
    return np.array(out) / np.array(out).std(axis=1, keepdims=True) * 0.1


def speech(names, n, rng):
    out = []
    for nm in names:
        x = sf.read(os.path.join(SPEECH, nm + ".flac"), dtype="float64")[0]
        start = rng.integers(0, max(1, len(x) - n))
        x = x[start:start + n]
        out.append(x / np.sqrt(np.mean(x ** 2)) * 0.05)
    return np.array(out)


def mask_estimates(refs, mix):
    """Estimates by a ratio mask in the STFT domain: realistic artifacts."""
    _, _, M = scipy.signal.stft(mix, nperseg=256, noverlap=192)
    mags = [np.abs(scipy.signal.stft(r, nperseg=256, noverlap=192)[2]) for r in refs]
    tot = sum(m ** 2 for m in mags) + 1e-12
    ests = []
    for m in mags:
        _, y = scipy.signal.istft(M * (m ** 2 / tot) ** 0.5, nperseg=256, noverlap=192)
        ests.append(y[:mix.size])
    return np.array(ests)


def make_cases():
    rng = np.random.default_rng(20240611)
    cases = []

    # 1: 2 sources of coloured noise; filtered target, interference, noise; swapped
    n = 12000
    s = coloured(rng, n, 2)
    e0 = scipy.signal.lfilter([0.9, 0.3, -0.1], [1], s[0]) + 0.25 * s[1] + 0.01 * rng.standard_normal(n)
    e1 = s[1] + 0.1 * s[0] + 0.02 * rng.standard_normal(n)
    cases.append(dict(id="noise2", refs=s, ests=[e1, e0], mix=s.sum(0)))

    # 2: 3 sources, no mixture, estimates 100 samples longer (within a frame), permuted
    n = 10000
    s = coloured(rng, n, 3)
    pad = lambda x: np.concatenate([x, 0.01 * rng.standard_normal(100)])
    ests = [pad(s[2] + 0.3 * s[0] + 0.02 * rng.standard_normal(n)),
            pad(np.roll(s[0], 3) + 0.2 * s[1] + 0.01 * rng.standard_normal(n)),
            pad(0.5 * s[1] + 0.4 * s[2] + 0.05 * rng.standard_normal(n))]
    cases.append(dict(id="noise3", refs=s, ests=ests, mix=None))

    # 3: 2 real speakers, ratio-mask estimates, mixture, reference 400 samples longer
    n = 12000
    s = speech(["ls1034_1034-121119-0000", "so0036_000360332"], n + 400, rng)
    mix = s[:, :n].sum(0)
    ests = mask_estimates(s[:, :n], mix + 0.002 * rng.standard_normal(n))
    cases.append(dict(id="speech2", refs=s, ests=list(ests[::-1]), mix=mix, warn=True))

    # 4: 3 real speakers, mixture, estimates with leakage and noise
    n = 12000
    s = speech(["so0048_000480014", "so0053_000530115", "so0054_000540031"], n, rng)
    mix = s.sum(0)
    ests = [s[1] + 0.3 * s[0] + 0.003 * rng.standard_normal(n),
            scipy.signal.lfilter([1, -0.5], [1], s[2]) + 0.2 * s[1] + 0.002 * rng.standard_normal(n),
            s[0] + 0.1 * mix + 0.002 * rng.standard_normal(n)]
    cases.append(dict(id="speech3", refs=s, ests=ests, mix=mix))

    # 5: 2 speakers, mask estimates from a noisy mixture
    n = 10000
    s = speech(["so0054_000540031", "ls1034_1034-121119-0000"], n, rng)
    mix = s.sum(0) + 0.005 * rng.standard_normal(n)
    cases.append(dict(id="speech2noisy", refs=s, ests=list(mask_estimates(s, mix)), mix=mix))

    # 6: 3 speakers in 800 samples: 3 x 512 delayed references span every
    # signal of 800 + 511 samples, so no artifacts are left but rounding (SAR
    # undefined: mir_eval gives 150 to 300 dB of noise, dc-eval NaN and a note)
    n = 800
    s = speech(["so0048_000480014", "so0053_000530115", "so0054_000540031"], n, rng)
    ests = [s[1] + 0.3 * s[0] + 0.003 * rng.standard_normal(n),
            s[2] + 0.2 * s[1] + 0.002 * rng.standard_normal(n),
            s[0] + 0.1 * s[2] + 0.002 * rng.standard_normal(n)]
    cases.append(dict(id="short3", refs=s, ests=ests, mix=None, short=True))
    return cases


def reference(case, files):
    """mir_eval and numpy on the signals as written, truncated to the shortest."""
    refs, ests, mix = files["refs"], files["ests"], files["mix"]
    n = min([len(x) for x in refs + ests] + ([len(mix)] if mix is not None else []))
    R = np.array([x[:n] for x in refs])
    E = np.array([x[:n] for x in ests])
    sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(R, E)
    si, si_perm = si_sdr_sources(R, E)
    out = dict(samples=n, sdr=sdr, sir=sir, sar=sar, perm=perm, si_sdr=si, si_perm=si_perm)
    if mix is not None:
        M = np.array([mix[:n]] * len(refs))
        sdr_mix = mir_eval.separation.bss_eval_sources(R, M, compute_permutation=False)[0]
        si_mix = np.array([si_sdr(R[r], mix[:n]) for r in range(len(refs))])
        out.update(sdr_mix=sdr_mix, si_sdr_mix=si_mix, sdri=sdr - sdr_mix, si_sdri=si - si_mix)
    return out


def main():
    if not os.access(DCEVAL, os.X_OK):
        report(False, "dc-eval built: no " + DCEVAL)
        return 1
    cases = make_cases()
    lines = []
    want = {}
    for c in cases:
        files = dict(refs=[], ests=[], mix=None)
        paths = dict(refs=[], ests=[], mix=None)
        for kind in ("refs", "ests"):
            for i, x in enumerate(c[kind]):
                p, y = write("%s_%s%d" % (c["id"], kind[:3], i + 1), x)
                paths[kind].append(p)
                files[kind].append(y)
        if c["mix"] is not None:
            paths["mix"], files["mix"] = write(c["id"] + "_mix", c["mix"])
        c["paths"] = paths
        t0 = time.time()
        want[c["id"]] = reference(c, files)
        print("# %s: %d sources, mir_eval %.2f s" % (c["id"], len(c["refs"]), time.time() - t0))
        lines.append("\t".join([c["id"], paths["mix"] or "-", ",".join(paths["refs"]), ",".join(paths["ests"])]))

    # one mixture at a time from the command line
    got = {}
    for c in cases:
        argv = [DCEVAL, "-j"]
        for p in c["paths"]["refs"]:
            argv += ["-r", p]
        if c["paths"]["mix"]:
            argv += ["-m", c["paths"]["mix"]]
        argv += ["-i", c["id"]] + c["paths"]["ests"]
        t0 = time.time()
        pr = subprocess.run(argv, capture_output=True, text=True)
        dt = time.time() - t0
        objs = [json.loads(l) for l in pr.stdout.splitlines()]
        report(pr.returncode == 0 and len(objs) == 2 and objs[1].get("summary") is True,
               "%s: dc-eval -j exits 0 with 2 JSON lines (%.2f s)" % (c["id"], dt))
        short = "800 samples: SAR undefined (nan): 3 sources' 512-tap fit leaves no artifacts in 1025 or fewer"
        report((short in pr.stderr) == bool(c.get("short")),
               "%s: SAR note %s" % (c["id"], "given" if c.get("short") else "absent"))
        warned = "lengths differ by" in pr.stderr
        report(warned == bool(c.get("warn")),
               "%s: length warning %s (stderr: %r)" % (c["id"], "given" if c.get("warn") else "absent",
                                                     pr.stderr.strip()))
        got[c["id"]] = objs[0] if objs else {}

    worst = {}
    for c in cases:
        w, g = want[c["id"]], got[c["id"]]
        report(g.get("samples") == w["samples"], "%s: truncated to %d samples" % (c["id"], w["samples"]))
        report(list(np.array(g.get("perm", [])) - 1) == list(w["perm"]),
               "%s: BSS Eval permutation %s as mir_eval %s" % (c["id"], g.get("perm"), list(w["perm"] + 1)))
        report(list(np.array(g.get("si_perm", [])) - 1) == list(w["si_perm"]),
               "%s: SI-SDR permutation %s" % (c["id"], g.get("si_perm")))
        if c.get("short"):
            a = np.array([np.nan if v is None else v for v in g.get("sar", [0])], dtype=float)
            report(np.isnan(a).all() and len(a) == 3 and (w["sar"] > 120).all(),
                   "%s: SAR NaN where mir_eval's is rounding (%s dB)" %
                   (c["id"], np.round(w["sar"], 1).tolist()))
        for key in ("sdr", "sir", "sar", "si_sdr", "sdr_mix", "si_sdr_mix", "sdri", "si_sdri"):
            if key not in w or (key == "sar" and c.get("short")):
                continue
            a = np.array(g.get(key, [np.nan] * len(w[key])), dtype=float)
            d = float(np.max(np.abs(a - w[key]))) if a.shape == w[key].shape else np.inf
            worst[key] = max(worst.get(key, 0.0), d)
            report(d <= TOL, "%s: %s %s vs %s, max abs diff %.2e dB" %
                   (c["id"], key, np.round(a, 3).tolist(), np.round(w[key], 3).tolist(), d))
        m = g.get("mean", {})
        d = abs(m.get("sdr", np.nan) - np.mean(w["sdr"]))
        report(d <= TOL, "%s: mean SDR, diff %.2e dB" % (c["id"], d))
    for key, d in worst.items():
        report(d <= TOL, "all cases: %s max abs diff %.2e dB (tolerance %g)" % (key, d, TOL))

    # the same mixtures from a list: the cases with a mixture (a list names a
    # mixture on every line or on none)
    withmix = [l for c, l in zip(cases, lines) if c["mix"] is not None]
    lst = os.path.join(T, "list.tsv")
    with open(lst, "w") as f:
        f.write("# id\tmix\trefs\tests\n\n" + "\n".join(withmix) + "\n")
    pr = subprocess.run([DCEVAL, "-j", "-l", lst], capture_output=True, text=True)
    objs = [json.loads(l) for l in pr.stdout.splitlines()]
    report(pr.returncode == 0 and len(objs) == len(withmix) + 1,
           "list: exit 0 and %d objects (got %d, exit %d)" % (len(withmix) + 1, len(objs), pr.returncode))
    dmax = 0.0
    for o in objs[:-1]:
        w = got[o["id"]]
        for key in ("sdr", "sir", "sar", "si_sdr", "sdri", "si_sdri"):
            dmax = max(dmax, float(np.max(np.abs(np.array(o[key]) - np.array(w[key])))))
    report(dmax == 0.0, "list: the same values as one at a time (max diff %.1e)" % dmax)
    s = objs[-1]
    for key in ("sdr", "sir", "sar", "si_sdr", "sdri", "si_sdri"):
        want_mean = np.mean([np.mean(want[c["id"]][key]) for c in cases if c["mix"] is not None])
        d = abs(s.get(key, np.nan) - want_mean)
        report(s.get("summary") is True and s.get("files") == len(withmix) and d <= TOL,
               "list summary: %s %.3f is the mean of the per-file means, diff %.2e dB" %
               (key, s.get(key, np.nan), d))
    return 1 if evalref.failed else 0


if __name__ == "__main__":
    sys.exit(main())
