"""tests/py/test_plot_curve.py: examples/plot-curve.py on dc-train logs made here: a TSV
log with an epoch written twice (a resumed run) and a validation loss of nan, and a
stderr log with progress and epoch lines; the PNGs exist and have the size of one
and of two panels; the reader keeps the last row of an epoch; a file that is no log
is an error. Prints PASS/FAIL lines; exits 1 if any check failed.
"""
import importlib.util
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "plot-curve.py")
sys.path.insert(0, os.path.join(ROOT, "tests", "sh"))
import oracle_lib  # noqa: E402
from oracle_lib import check  # noqa: E402


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


spec = importlib.util.spec_from_file_location("plot_curve", SCRIPT)
pc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pc)

d = tempfile.mkdtemp(dir=os.environ.get("T"))
tsv = os.path.join(d, "a.tsv")
with open(tsv, "w") as f:
    f.write("epoch\tstep\ttrain_loss\tvalid_loss\tgrad_norm\tseconds\tframes_per_s\n")
    f.write("1\t6\t0.5\tnan\t0.1\t1.0\t100\n2\t12\t0.4\t0.45\t0.1\t1.0\t100\n")
    f.write("2\t12\t0.39\t0.44\t0.1\t1.0\t100\n3\t18\t0.3\t0.4\t0.1\t1.0\t100\n")
err = os.path.join(d, "b.log")
with open(err, "w") as f:
    f.write("dc-train: 3 utterances, 1036 frames, 22 segments of 50 frames, 6 batches of 4; model 1x16\n")
    for s in range(1, 7):
        f.write(f"dc-train: epoch 1 batch {s}/6 step {s} loss 0.5 recent {0.6 - 0.02 * s:.5f} |g| 0.1 "
                f"1000 frames/s ETA 0:00:0{6 - s}\n")
    f.write("dc-train: epoch 1 step 6 train loss 0.50000 valid loss 0.40000 1.0 s 1000 frames/s\n")
    f.write("dc-train: epoch 2 step 12 train loss 0.30000 valid loss nan 1.0 s 1000 frames/s\n")

ep, st = pc.read_log(tsv)
check("TSV: three epochs, the last row of epoch 2", sorted(ep) == [1, 2, 3] and ep[2] == (12, 0.39, 0.44), str(ep))
check("TSV: no steps", st == [], str(st))
ep, st = pc.read_log(err)
check("stderr: the epoch lines", sorted(ep) == [1, 2] and ep[1] == (6, 0.5, 0.4), str(ep))
check("stderr: six progress lines", [s for s, _ in st] == list(range(1, 7)) and abs(st[0][1] - 0.58) < 1e-9, str(st))

one, two = os.path.join(d, "one.png"), os.path.join(d, "two.png")
r = subprocess.run([sys.executable, SCRIPT, "-o", one, tsv], capture_output=True, text=True)
sz = png_size(one) if r.returncode == 0 else None
check("a TSV log: a PNG of one panel", sz is not None and sz[0] < sz[1] * 2, f"{r.returncode} {r.stderr} {sz}")
r = subprocess.run([sys.executable, SCRIPT, "--chain", "--title", "t", "-o", two, tsv, err],
                   capture_output=True, text=True)
sz2 = png_size(two) if r.returncode == 0 else None
check("a TSV log and a stderr log, chained: a PNG of two panels", sz2 is not None and sz2[0] > sz2[1] * 2,
      f"{r.returncode} {r.stderr} {sz2}")
r = subprocess.run([sys.executable, SCRIPT, "-o", os.path.join(d, "x.png"), SCRIPT], capture_output=True, text=True)
check("a file that is no log: exit 1 and a message", r.returncode == 1 and "no rows of a dc-train log" in r.stderr,
      f"{r.returncode} {r.stderr}")
# dc-train-mpi's lines, named so since its progress lines say dc-train-mpi
mpi = os.path.join(d, "mpi.log")
with open(mpi, "w") as f:
    f.write("dc-train-mpi: epoch 1 batch 1/2 step 1 loss 0.5 recent 0.55000 |g| 0.1 900 frames/s f32 ETA 0:00:01\n")
    f.write("dc-train-mpi: epoch 1 batch 2/2 step 2 loss 0.5 recent 0.45000 |g| 0.1 900 frames/s f32 ETA 0:00:00\n")
    f.write("dc-train-mpi: epoch 1 step 2 train loss 0.50000 valid loss 0.40000 1.0 s 900 frames/s\n")
ep, st = pc.read_log(mpi)
check("dc-train-mpi's stderr: its epoch and progress lines", sorted(ep) == [1] and [s for s, _ in st] == [1, 2],
      f"{ep} {st}")
# -h needs no matplotlib: each plotting script run where importing it fails
stub = os.path.join(d, "nompl")
os.makedirs(os.path.join(stub, "matplotlib"))
with open(os.path.join(stub, "matplotlib", "__init__.py"), "w") as f:
    f.write("raise ImportError('no matplotlib here')\n")
for name in ("plot-curve.py", "plot-progress.py", "plot-segments.py"):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "-h"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=stub))
    check(f"{name} -h without matplotlib: exit 0, its usage", r.returncode == 0 and r.stdout.startswith("usage:"),
          f"{r.returncode} {r.stderr[-200:]}")
sys.exit(1 if oracle_lib.failed else 0)
