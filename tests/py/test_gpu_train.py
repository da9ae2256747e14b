"""tests/py/test_gpu_train.py: the parts of examples/gpu-train.py that run without a GPU
or PyTorch. Its model writer gives the shipped model back byte for byte from its own
weights (the C writer's bytes); a model it writes with a mask-inference head loads in
dc-embed, whose embeddings and masks equal numpy's for a network whose BLSTM output is
constant by construction (the output layers' layouts, f*D + d and c*F + f, and the
softmax over sources); the active level of a tone with silence is the tone's power;
pack and load_pack give back every utterance of a small corpus at its length, in
speaker order, close to the level-normalised original; with torch, train --shape makes
a new network of that shape on the CPU that dc-embed runs; -h and a usage error work
without numpy, and a missing numpy or torch is one line. Prints PASS/FAIL lines
(SKIP for train --shape without torch); exits 1 if any check failed.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

import msgpack
import numpy as np

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("B") or "build", "bin")
SCRIPT = os.path.join(ROOT, "examples", "gpu-train.py")
sys.path[:0] = [os.path.join(ROOT, "formats"), os.path.join(ROOT, "tests", "sh")]
import dcstream  # noqa: E402
import oracle_lib  # noqa: E402

from oracle_lib import check  # noqa: E402


spec = importlib.util.spec_from_file_location("gpu_train", SCRIPT)
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)
d = tempfile.mkdtemp(dir=os.environ.get("T"))

# 1. the writer against the C writer's bytes
path = os.path.join(ROOT, "models", "default.dcm")
raw = open(path, "rb").read()
m = msgpack.unpackb(raw, raw=False)
r = g.read_model(path)
named, off = [], 0
for n, shape in m["tensors"]:
    k = int(np.prod(shape))
    named.append((n, r["params"][off:off + k].reshape(shape)))
    off += k
b = g.model_bytes(dict(m["config"]), r["feat_mean"], r["feat_std"], named, m["meta"])
check("model_bytes gives models/default.dcm back byte for byte", b == raw,
      "%d bytes against %d" % (len(b), len(raw)))
try:
    g.model_bytes(dict(m["config"]), r["feat_mean"], r["feat_std"],
                  named[:-1] + [(named[-1][0], named[-1][1] * 0 + 7e4)], m["meta"])
    check("a weight beyond float16's range is refused", False, "no error")
except ValueError as e:
    check("a weight beyond float16's range is refused", "float16" in str(e), str(e))

# 2. a model with a head whose BLSTM output is a constant vector: every weight 0,
# the forget gate's bias -30 (f = 0 in float32), so c = i*g and h = o*tanh(i*g)
rng = np.random.default_rng(5)
L, H, D, C, F = 1, 4, 3, 3, g.F
cfg = {"L": L, "H": H, "D": D, "F": F, "nfft": g.NFFT, "hop": g.HOP, "rate": g.RATE,
       "window": "sqrt-hann", "mi_sources": C}
bias = np.zeros((2, 4 * H), np.float32)
bias[:, :H] = rng.normal(size=(2, H))          # i
bias[:, H:2 * H] = -30                         # f
bias[:, 2 * H:3 * H] = rng.normal(size=(2, H))  # g
bias[:, 3 * H:] = rng.normal(size=(2, H))      # o
bias = bias.astype(np.float16).astype(np.float32)
named = []
for s, rev in (("", 0), ("_reverse", 1)):
    named += [("blstm.weight_ih_l0" + s, np.zeros((4 * H, F), np.float32)),
              ("blstm.weight_hh_l0" + s, np.zeros((4 * H, H), np.float32)),
              ("blstm.bias_ih_l0" + s, bias[rev]),
              ("blstm.bias_hh_l0" + s, np.zeros(4 * H, np.float32))]
f16 = lambda a: a.astype(np.float16).astype(np.float32)  # noqa: E731
lw, lb = f16(rng.normal(size=(F * D, 2 * H))), f16(rng.normal(size=F * D))
mw, mb = f16(rng.normal(size=(C * F, 2 * H))), f16(rng.normal(size=C * F))
named += [("lin.weight", lw), ("lin.bias", lb), ("mi.weight", mw), ("mi.bias", mb)]
mean, std = np.zeros(F, np.float32), np.ones(F, np.float32)
model = os.path.join(d, "head.dcm")
with open(model, "wb") as f:
    f.write(g.model_bytes(cfg, mean, std, named, {"name": "head"}))
sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
h = np.concatenate([sig(bias[k, 3 * H:]) * np.tanh(sig(bias[k, :H]) * np.tanh(bias[k, 2 * H:3 * H]))
                    for k in (0, 1)])
v = np.tanh(lw.astype(np.float64) @ h + lb).reshape(F, D)
v /= np.linalg.norm(v, axis=1, keepdims=True)
z = (mw.astype(np.float64) @ h + mb).reshape(C, F)
mask = np.exp(z) / np.exp(z).sum(0)
wav = os.path.join(ROOT, "tests", "data", "speech", "so0036_000360332.flac")
p = subprocess.run(f'"{BIN}/dc-stft" "{wav}" | "{BIN}/dc-embed" -m "{model}" -t 1', shell=True,
                   capture_output=True)
check("dc-embed reads the model (exit 0, nothing on stderr)", p.returncode == 0 and not p.stderr,
      p.stderr.decode(errors="replace"))
if p.returncode == 0:
    tmp = os.path.join(d, "e.dcs")
    open(tmp, "wb").write(p.stdout)
    _, utts = dcstream.read(tmp)
    u = utts[0]
    E, M = u["embed"]["data"], u["masks"]["data"]
    de = np.abs(E - v[None]).max()
    dm = np.abs(M - mask[:, None, :]).max()
    check(f"embeddings: row f*D + d of lin.weight (max diff {de:.2g})", de < 1e-5, "%.3g" % de)
    check(f"masks: row c*F + f of mi.weight, softmax over c (max diff {dm:.2g})", dm < 1e-5, "%.3g" % dm)
    check("masks record: k=3, by=mi", u["masks"].get("k") == 3 and u["masks"].get("by") == "mi",
          str({k: u["masks"][k] for k in ("k", "by") if k in u["masks"]}))

# 3. the active level: a tone of amplitude 0.1 for 32 frames of 256 samples, then silence
t = np.arange(32 * 256) / g.RATE
x = np.concatenate([0.1 * np.sin(2 * np.pi * 440 * t), np.zeros(g.RATE)]).astype(np.float32)
lev = g.active_power(x)
check(f"active_power of a tone and silence: the tone's power ({lev:.6g})", abs(lev / 0.005 - 1) < 0.01,
      "%.6g against 0.005" % lev)

# 4. pack, then load_pack
corpus = os.path.join(d, "corpus")
files = {"spkb": ["so0048_000480014.flac", "so0053_000530115.flac"], "spka": ["so0054_000540031.flac"]}
for s, names in files.items():
    os.makedirs(os.path.join(corpus, "train", s))
    for n in names:
        os.symlink(os.path.join(ROOT, "tests", "data", "speech", n), os.path.join(corpus, "train", s, n))
spk = os.path.join(d, "speakers.txt")
open(spk, "w").write("spkb\nspka\n")
out = os.path.join(d, "pack")
p = subprocess.run([sys.executable, SCRIPT, "pack", "-c", corpus, "-S", spk, "-n", "2", "-o", out],
                   capture_output=True, text=True)
check("pack: exit 0", p.returncode == 0, p.stderr)
if p.returncode == 0:
    lib = g.sndfile()
    orig = {(s, n): g.read_audio(lib, os.path.join(corpus, "train", s, n)) for s, ns in files.items() for n in ns}
    audio, start, length, first, count = g.load_pack(out, os.path.join(out, "lib"))
    want = [orig[("spka", "so0054_000540031.flac")], orig[("spkb", "so0048_000480014.flac")],
            orig[("spkb", "so0053_000530115.flac")]]
    check("load_pack: three utterances at their lengths, in speaker order",
          list(length) == [len(w) for w in want], str(list(length)))
    check("load_pack: speaker spka first with 1, then spkb with 2",
          list(first) == [0, 1] and list(count) == [1, 2], f"{list(first)} {list(count)}")
    for i, w in enumerate(want):
        w = w * (10 ** (g.LEVEL_DB / 20) / np.sqrt(g.active_power(w)))
        y = audio[start[i]:start[i] + length[i]]
        snr = 10 * np.log10(np.sum(w * w) / np.sum((w - y) ** 2))
        check(f"utterance {i}: at -25 dB, within the codec's error ({snr:.1f} dB SNR)", snr > 8, "%.1f dB" % snr)

# 5. errors: one line on stderr, exit 1, nothing written
for name, spk_line, want in (
        ("a speaker name with a slash", "a/../b", "gpu-train: %s: speaker 'a/../b': not a directory name"),
        ("a speaker without a directory", "nosuch",
         "gpu-train: " + os.path.join(corpus, "train", "nosuch") + ": No such file or directory")):
    bad = os.path.join(d, "bad.txt")
    open(bad, "w").write(spk_line + "\n")
    badout = os.path.join(d, "badpack")
    p = subprocess.run([sys.executable, SCRIPT, "pack", "-c", corpus, "-S", bad, "-o", badout],
                       capture_output=True, text=True)
    want = want % bad if "%s" in want else want
    check("pack, %s: exit 1, one line, no pack" % name, p.returncode == 1 and p.stderr == want + "\n"
          and not os.path.exists(badout), "%d %r" % (p.returncode, p.stderr))

# 5. train --shape: a new 2x8 network with D 5 and a head of 2 sources, three steps
# on the CPU from that pack (-i gives only the feature statistics), which dc-embed
# runs (--export raw: the moving average's model not written); a bad --shape is one line and exit 1 before anything is decoded. Needs torch.
try:
    import torch  # noqa: F401
    has_torch = True
except ImportError:
    has_torch = False
    print("SKIP: train --shape: no torch (apt-get install python3-torch)")
if has_torch:
    check("train --shape: the pack of part 4 is there", os.path.isdir(out), out)
if has_torch and os.path.isdir(out):
    tr = os.path.join(d, "train")
    base = [sys.executable, SCRIPT, "train", "--cpu", "-d", out, "-i", path, "-N", "3", "-b", "2",
            "-T", "40", "-M", "2", "--three", "0", "--head-steps", "1", "--warmup", "1"]
    p = subprocess.run(base + ["-o", tr, "--shape", "2x8x5", "--export", "raw"], capture_output=True, text=True)
    check("train --shape 2x8x5 --export raw: exit 0", p.returncode == 0, p.stderr[-500:])
    parts = sorted(n for n in os.listdir(tr) if n.startswith("raw.dcm.")) if p.returncode == 0 else []
    check("--export raw: no ema.dcm pieces", p.returncode == 0 and
          not [n for n in os.listdir(tr) if n.startswith("ema.")], " ".join(os.listdir(tr)))
    if parts:
        new = os.path.join(d, "new.dcm")
        with open(new, "wb") as f:
            for n in parts:
                f.write(open(os.path.join(tr, n), "rb").read())
        nm = msgpack.unpackb(open(new, "rb").read(), raw=False)
        c = nm["config"]
        check("the new model: L 2, H 8, D 5, 2 sources, float16, the init's feature statistics",
              (c["L"], c["H"], c["D"], c.get("mi_sources"), nm["params_dtype"]) == (2, 8, 5, 2, "f16")
              and nm["feat_mean"] == m["feat_mean"] and nm["feat_std"] == m["feat_std"], str(c))
        p = subprocess.run(f'"{BIN}/dc-stft" "{wav}" | "{BIN}/dc-embed" -m "{new}" -t 1', shell=True,
                           capture_output=True)
        ok = p.returncode == 0 and not p.stderr
        if ok:
            open(os.path.join(d, "n.dcs"), "wb").write(p.stdout)
            _, utts = dcstream.read(os.path.join(d, "n.dcs"))
            ok = utts[0]["embed"]["data"].shape[2] == 5 and utts[0]["masks"]["data"].shape[0] == 2
        check("dc-embed runs it: embeddings of D 5, masks of 2 sources", ok, p.stderr.decode(errors="replace"))
    else:
        check("train --shape 2x8x5: raw.dcm.0 written", False, "no pieces")
    p = subprocess.run(base + ["-o", os.path.join(d, "bad"), "--shape", "9x8"], capture_output=True, text=True)
    check("train --shape 9x8: exit 1, one line, nothing written",
          p.returncode == 1 and p.stderr == "gpu-train: --shape: LxH or LxHxD, 1 to 8 layers, 1 to 2048 units, "
          "D 1 to 512: 9x8\n" and not os.path.exists(os.path.join(d, "bad")), "%d %r" % (p.returncode, p.stderr))

# 6. where numpy (or torch) is missing: run by its path (its #! Debian's python3, as
# the other scripts'), -h and a usage error need neither; a command that does need
# one says so in one line, exit 1, nothing written. The modules are made missing by
# packages of their names on PYTHONPATH that fail to import.
first = open(SCRIPT).readline()
check("gpu-train.py's #!: /usr/bin/python3", first == "#!/usr/bin/python3\n", repr(first))
fake = os.path.join(d, "nomodules")
for mod in ("numpy", "torch"):
    os.makedirs(os.path.join(fake, mod))
    open(os.path.join(fake, mod, "__init__.py"), "w").write(
        "raise ModuleNotFoundError(\"No module named '%s'\", name=%r)\n" % (mod, mod))
env = dict(os.environ, PYTHONPATH=fake)
for args in (["-h"], ["pack", "-h"], ["train", "-h"]):
    p = subprocess.run([SCRIPT] + args, capture_output=True, text=True, env=env)
    check("without numpy: gpu-train.py %s: exit 0, the usage, nothing on stderr" % " ".join(args),
          p.returncode == 0 and p.stdout.startswith("usage: gpu-train.py") and not p.stderr,
          "%d %r" % (p.returncode, p.stderr[-300:]))
p = subprocess.run([SCRIPT, "train", "-d", out, "-i", path, "-o", os.path.join(d, "nonp")],
                   capture_output=True, text=True, env=env)
check("without numpy: train without -m or -N: exit 2, argparse's message",
      p.returncode == 2 and p.stderr.endswith("gpu-train.py: error: train needs -m MINUTES or -N STEPS\n"),
      "%d %r" % (p.returncode, p.stderr[-300:]))
p = subprocess.run([SCRIPT, "pack", "-c", corpus, "-S", spk, "-o", os.path.join(d, "nonp")],
                   capture_output=True, text=True, env=env)
check("without numpy: pack: exit 1, one line, nothing written",
      p.returncode == 1 and p.stderr == "gpu-train: pack needs the Python module numpy\n"
      and not os.path.exists(os.path.join(d, "nonp")), "%d %r" % (p.returncode, p.stderr[-300:]))
os.rename(os.path.join(fake, "numpy"), os.path.join(fake, "numpy.off"))
p = subprocess.run([SCRIPT, "train", "--cpu", "-d", out, "-i", path, "-N", "1", "-o", os.path.join(d, "nonp")],
                   capture_output=True, text=True, env=env)
check("without torch: train: exit 1, one line, nothing written",
      p.returncode == 1 and p.stderr == "gpu-train: train needs the Python module torch\n"
      and not os.path.exists(os.path.join(d, "nonp")), "%d %r" % (p.returncode, p.stderr[-300:]))

sys.exit(1 if oracle_lib.failed else 0)
