"""tests/py/test_plot_segments.py: examples/plot-segments.py on dc-eval -j -w output
made here (two speakers whose estimates swap halfway, with a mixture) and on made-up
objects: the swapped segments are found, the PNG has a panel per mixture, a segment
without figures (null) is drawn as a gap, and input without segments or a metric
the objects lack is an error with exit status 1. Prints PASS/FAIL lines; exits 1 if
any check failed.
"""
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "plot-segments.py")
DCEVAL = os.path.join(ROOT, os.environ.get("B", "build"), "bin", "dc-eval")
SPEECH = os.path.join(ROOT, "tests", "data", "speech")
sys.path.insert(0, os.path.join(ROOT, "tests", "sh"))
import oracle_lib  # noqa: E402
from oracle_lib import check  # noqa: E402


def png_size(path):
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


spec = importlib.util.spec_from_file_location("plot_segments", SCRIPT)
ps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ps)
d = tempfile.mkdtemp(dir=os.environ.get("T"))


def plot(args, stdin=None):
    return subprocess.run([sys.executable, SCRIPT] + args, input=stdin, capture_output=True, text=True)


# dc-eval's own output: estimates that swap at 1 s of 2 s, segments of 0.5 s
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

a = sf.read(os.path.join(SPEECH, "so0036_000360332.flac"))[0][:16000]
b = sf.read(os.path.join(SPEECH, "so0053_000530115.flac"))[0][:16000]
rng = np.random.default_rng(3)
e0 = np.concatenate([a[:8000] + 0.1 * b[:8000], b[8000:] + 0.1 * a[8000:]]) + 0.001 * rng.standard_normal(16000)
e1 = np.concatenate([b[:8000] + 0.1 * a[:8000], a[8000:] + 0.1 * b[8000:]]) + 0.001 * rng.standard_normal(16000)
files = {}
for name, x in (("a", a), ("b", b), ("mix", a + b), ("e0", e0), ("e1", e1)):
    files[name] = os.path.join(d, name + ".wav")
    sf.write(files[name], x.astype(np.float32), 8000, subtype="FLOAT")
r = subprocess.run([DCEVAL, "-j", "-w", "0.5", "-m", files["mix"], "-r", files["a"], "-r", files["b"],
                    files["e0"], files["e1"]], capture_output=True, text=True)
check("dc-eval -j -w runs", r.returncode == 0, r.stderr)
lines = r.stdout.splitlines()
obj = json.loads(lines[0]) if lines else {}
segperm = [s.get("perm") for s in obj.get("segments", [])]
sw = ps.swaps(obj) if obj.get("segments") else None
want = [i for i, p in enumerate(segperm) if p != obj.get("perm")]
check("the swap: segments 0, 1 matched one way, 2, 3 the other", segperm[:2] == [[1, 2]] * 2 and
      segperm[2:] == [[2, 1]] * 2, segperm)
check("swaps(): the segments matched otherwise than the whole file", sw == want and len(sw) == 2, f"{sw} {want}")
one = os.path.join(d, "one.png")
r = plot(["-o", one], stdin=r.stdout)
sz1 = png_size(one)
check("from standard input: a PNG", r.returncode == 0 and sz1 is not None, f"{r.returncode} {r.stderr}")

# made-up objects: two mixtures, one with a null segment; the summary line is skipped
mk = dict(id="m2", rate=100, samples=300, sources=2, window=100, perm=[1, 2], sdr=[5, 6], si_sdr=[5, 6],
          segments=[dict(start=0, samples=100, perm=[1, 2], sdr=[4, 5], si_sdr=[4, 5]),
                    dict(start=100, samples=100, perm=None, sdr=[None, None], si_sdr=[None, None]),
                    dict(start=200, samples=100, perm=[2, 1], sdr=[1e999, -3], si_sdr=[7, -3])])
two = os.path.join(d, "two.json")
with open(two, "w") as f:
    f.write(lines[0] + "\n" + json.dumps(mk) + "\n" + '{"summary":true,"files":2}\n')
check("swaps(): a null segment is no swap", ps.swaps(mk) == [2], ps.swaps(mk))
png2 = os.path.join(d, "two.png")
r = plot(["-o", png2, "-m", "si_sdr", two])
sz2 = png_size(png2)
check("two mixtures: a panel each (the PNG taller than one)", r.returncode == 0 and sz2 is not None and
      sz1 is not None and sz2[1] > 1.5 * sz1[1] and sz2[0] == sz1[0], f"{r.returncode} {r.stderr} {sz1} {sz2}")

# errors
nos = os.path.join(d, "noseg.json")
with open(nos, "w") as f:
    f.write('{"id":"x","rate":8000,"sources":1,"sdr":[1],"perm":[1]}\n{"summary":true,"files":1}\n')
r = plot(["-o", os.path.join(d, "x.png"), nos])
check("no segments: exit 1 and a message", r.returncode == 1 and
      r.stderr.strip() == "plot-segments.py: no mixture with segments: run dc-eval with -j and -w", r.stderr)
r = plot(["-o", os.path.join(d, "y.png"), "-m", "sdri", two])
check("a metric the objects lack: exit 1", r.returncode == 1 and "no sdri" in r.stderr, r.stderr)
bad = os.path.join(d, "bad.json")
with open(bad, "w") as f:
    f.write("not json\n")
r = plot(["-o", os.path.join(d, "z.png"), bad])
check("not JSON: exit 1 naming the line", r.returncode == 1 and "bad.json:1: not a JSON line" in r.stderr, r.stderr)
sys.exit(1 if oracle_lib.failed else 0)
