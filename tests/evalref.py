"""tests/evalref.py: what the dc-eval tests against mir_eval share
(tests/py/test_eval_mireval.py, test_eval_segments.py): the paths, the tolerance,
a PASS/FAIL reporter that counts failures (evalref.failed), float WAV fixtures and
an independent SI-SDR. A module, not a test: tests/run.sh runs tests/py/*.py only."""
import os

import numpy as np
import soundfile as sf

ROOT = os.environ.get("ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DCEVAL = os.path.join(ROOT, os.environ["B"] if os.environ.get("B") else "", "bin", "dc-eval")
SPEECH = os.path.join(ROOT, "tests", "data", "speech")
T = os.environ.get("T", os.getcwd())
RATE = 8000
TOL = 0.01
failed = 0


def report(ok, what):
    global failed
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failed += 1


def write(name, x):
    """x as a float WAV; returns the path and the samples as read back (float32)."""
    path = os.path.join(T, name + ".wav")
    sf.write(path, np.asarray(x, dtype=np.float32), RATE, subtype="FLOAT")
    return path, sf.read(path, dtype="float64")[0]


def si_sdr(ref, est):
    """Le Roux et al. 2019, on zero-mean signals."""
    ref = ref - ref.mean()
    est = est - est.mean()
    target = np.dot(est, ref) / np.dot(ref, ref) * ref
    noise = est - target
    return 10 * np.log10(np.dot(target, target) / np.dot(noise, noise))
