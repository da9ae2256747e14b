#!/bin/sh
# embed.sh: dc-embed on real speech against a numpy forward pass of the network
# (written again from formats/model.md), with a model file packed in Python from
# the same document; records pass through; -t 2 and $DCSEP_MODEL and the default
# model paths; every error with its exact message and exit status.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats"
S=$DATA/speech

cat >"$T/ref.py" <<'EOF'
import sys
import msgpack
import numpy as np

def write_model(path, L=2, H=8, D=4, nfft=256, hop=64, rate=8000, seed=3, name="tiny-test", f16=False, **bad):
    """A model file as formats/model.md specifies it, random weights; with f16 the
    parameters are stored as float16 (numpy's rounding)."""
    rng = np.random.default_rng(seed)
    F = nfft // 2 + 1
    tensors, params = [], []
    for k in range(L):
        inp = F if k == 0 else 2 * H
        for suf in ("", "_reverse"):
            for base, shape in (("weight_ih", (4 * H, inp)), ("weight_hh", (4 * H, H)),
                                ("bias_ih", (4 * H,)), ("bias_hh", (4 * H,))):
                tensors.append([f"blstm.{base}_l{k}{suf}", list(shape)])
                params.append(rng.normal(0, 0.4, shape).astype(np.float32))
    tensors += [["lin.weight", [F * D, 2 * H]], ["lin.bias", [F * D]]]
    params += [rng.normal(0, 0.4, (F * D, 2 * H)).astype(np.float32),
               rng.normal(0, 0.2, F * D).astype(np.float32)]
    mean = (-4 + rng.normal(0, 1, F)).astype(np.float32)
    std = (1.5 + rng.uniform(0, 1, F)).astype(np.float32)
    m = {"magic": "dcsep-model", "version": 1,
         "config": {"L": L, "H": H, "D": D, "F": F, "nfft": nfft, "hop": hop, "rate": rate,
                    "window": "sqrt-hann"},
         "feat_mean": mean.tobytes(), "feat_std": std.tobytes(), "tensors": tensors,
         "params": np.concatenate([p.ravel() for p in params]).astype("<f2" if f16 else "<f4").tobytes(),
         "meta": {"name": name, "data": "random weights"}}
    if f16:
        m["params_dtype"] = "f16"
    m.update(bad)
    with open(path, "wb") as f:
        f.write(msgpack.packb(m, use_bin_type=True))

def load_model(path):
    m = msgpack.unpackb(open(path, "rb").read(), raw=False)
    c = m["config"]
    p = np.frombuffer(m["params"], "<f2" if m.get("params_dtype") == "f16" else "<f4").astype(np.float64)
    out, off = {}, 0
    for name, shape in m["tensors"]:
        n = int(np.prod(shape))
        out[name] = p[off:off + n].reshape(shape)
        off += n
    assert off == len(p)
    return c, out, np.frombuffer(m["feat_mean"], "<f4"), np.frombuffer(m["feat_std"], "<f4"), m["meta"]

def sig(x):
    return 1 / (1 + np.exp(-x))

def same(x):
    return x

def bf16(x):
    """x rounded to bfloat16 (nearest even), as float64: the operands of dcsep's
    bf16 products (-P bf16)."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7fff + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32).astype(np.float64)

def lstm(x, Wih, Whh, bih, bhh, reverse, q=same, qr=None):
    T, H = x.shape[0], Whh.shape[1]
    qr = q if qr is None else qr
    G = q(x) @ q(Wih).T + bih + bhh
    Whh = qr(Whh)
    h, c, out = np.zeros(H), np.zeros(H), np.zeros((T, H))
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        g = G[t] + Whh @ qr(h)
        i, f, gg, o = sig(g[:H]), sig(g[H:2 * H]), np.tanh(g[2 * H:3 * H]), sig(g[3 * H:])
        c = f * c + i * gg
        h = o * np.tanh(c)
        out[t] = h
    return out

def level(X, nfft=256, hop=64, rate=8000):
    """The active speech level of dc-embed(1), written again from its words: ITU-T
    P.56 method B on the frames, each frame's power the mean square of its
    sqrt-Hann-windowed samples over the window's (Parseval) less the first two
    bins (where a DC offset lands), a 0.2-s hangover,
    thresholds 2 dB apart from +40 dB down over 240 dB, the level where the active
    power is 15.9 dB above the threshold (linear in dB between thresholds). dB, or
    -inf."""
    b = np.abs(X.astype(np.complex128)) ** 2
    e = b[:, -1] + 2 * b[:, 2:-1].sum(axis=1)
    w2 = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(nfft) / nfft)
    p = e / nfft / w2.sum()
    hang = int(np.ceil(0.2 * rate / hop - 1e-9))
    S = p.sum()
    if not S > 0:
        return -np.inf
    A, C = [], []
    for j in range(121):
        above = p >= 10 ** ((40 - 2 * j) / 10)
        # active: a frame at or above, or one within the hangover before it
        last = np.where(above, np.arange(len(p)), -10 ** 9)
        last = np.maximum.accumulate(last)
        a = np.count_nonzero(np.arange(len(p)) - last <= hang)
        A.append(10 * np.log10(S / a) if a else np.nan)
        C.append(40 - 2.0 * j)
    A, C = np.array(A), np.array(C)
    top = int(np.argmax(~np.isnan(A)))
    d = A - C
    if d[120] <= 15.9:
        return A[120]
    j = 119
    while j >= top and d[j] > 15.9:
        j -= 1
    if j < top:
        return A[top]
    t = (d[j + 1] - 15.9) / (d[j + 1] - d[j])
    return A[j + 1] + t * (A[j] - A[j + 1])

def gain(X, to=-21.0):
    """dc-embed -l to's gain in dB: to - level, within 60 either way; 0 if silent
    or to is None (-l none)"""
    lv = level(X)
    if to is None or not np.isfinite(lv):
        return 0.0
    return float(np.clip(to - lv, -60, 60))

def embed(path, X, q=same, qr=None, qo=None, qfrom=None, to=-21.0, g=None):
    """The forward pass in float64; with q=bf16 the operands of the input,
    recurrent and output products rounded as dcsep's -P bf16 rounds them; with
    qr=bf16 alone, those of the recurrent products, qo=bf16 those of the output
    layer, and qfrom=k those of the input projections of layer k on (-P mixed: qr,
    and qo and qfrom=2 where bf16 products are the faster)."""
    qo = q if qo is None else qo
    qr = q if qr is None else qr
    c, P, mean, std, _ = load_model(path)
    f = np.log(np.abs(X.astype(np.complex128)) + 1e-8)
    # the gain on the features, a bin of 0 (ln 1e-8) staying one
    lo = np.log(np.float32(1e-8))
    g = gain(X, to) if g is None else g     # g: a gain given (a window: its utterance's)
    f = np.where(f > lo + 1e-6, np.maximum(f + g * np.log(10) / 20, lo), f)
    x = (f - mean) / std
    for k in range(c["L"]):
        qk = bf16 if qfrom is not None and k >= qfrom else q
        x = np.concatenate([lstm(x, *(P[f"blstm.{n}_l{k}{s}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")),
                                 s == "_reverse", qk, qr) for s in ("", "_reverse")], axis=1)
    v = np.tanh(qo(x) @ qo(P["lin.weight"]).T + P["lin.bias"]).reshape(X.shape[0], X.shape[1], c["D"])
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
EOF

"$PY" - <<'EOF' || fail "write models" "python failed"
import sys; sys.path.insert(0, ".")
import ref
ref.write_model("tiny.dcm")
ref.write_model("r16k.dcm", rate=16000)
ref.write_model("nan.dcm", params=b"\0\0\xc0\x7f" * 10)
ref.write_model("v3.dcm", version=3)
ref.write_model("tiny16.dcm", f16=True, seed=4, name="tiny16")
ref.write_model("tiny3.dcm", L=3, seed=6, name="tiny3")
ref.write_model("f16short.dcm", params_dtype="f16")           # float32 bytes: twice too long
ref.write_model("bf16.dcm", f16=True, params_dtype="bf16")
ref.write_model("f16nan.dcm", f16=True, params=b"\x00\x7e" * 3000)
ref.write_model("f16train.dcm", f16=True, train={"step": 1})
ref.write_model("big.dcm", seed=5)
import msgpack, numpy as np
m = msgpack.unpackb(open("big.dcm", "rb").read())
p = np.frombuffer(m["params"], "<f4").copy()
p[7] = 70000.0
m["params"] = p.tobytes()
open("big.dcm", "wb").write(msgpack.packb(m, use_bin_type=True))
# float16's edges: signed zeros, the largest value, normal and subnormal limits,
# ties (to even), values that round to zero, and a spread of tiny magnitudes
e = np.array([0.0, -0.0, 65504, -65504, 65503.9, 2.0**-14, -2.0**-14, 2.0**-24, 2.0**-25,
              1.5 * 2.0**-25, 2.0**-26, 1 + 2.0**-11, 1 + 3 * 2.0**-11, -(1 + 2.0**-11),
              2.0**-14 - 2.0**-25, 2.0**-14 - 2.0**-26, 1e-10, 1 - 2.0**-12, 2047.5, 2049.0],
             dtype=np.float32)
r = np.random.default_rng(9)
t = (r.choice([-1, 1], 2000) * 2.0 ** r.uniform(-27, 16, 2000)).astype(np.float32)
p = np.frombuffer(m["params"], "<f4").copy()
p[:len(e)] = e
p[len(e):len(e) + len(t)] = t
m["params"] = p.tobytes()
open("edge.dcm", "wb").write(msgpack.packb(m, use_bin_type=True))
EOF
printf 'not a model' >junk.dcm

dc-stft "$S/so0048_000480014.flac" "$S/so0036_000360332.flac" >in.dcs || fail "dc-stft" "exit $?"
check_in "dc-embed -m tiny.dcm" 0 '' in.dcs dc-embed -m tiny.dcm
cp out e1.dcs
check_in "dc-embed -t 2 (file argument)" 0 '' /dev/null dc-embed -t 2 -m tiny.dcm in.dcs
cp out e2.dcs
# bf16 products (-P bf16): on a CPU without them, one line and the fp32 result
check_in "dc-embed -P f32" 0 '' in.dcs dc-embed -P f32 -m tiny.dcm
cmp -s out e1.dcs && pass "-P f32: the tests' default (DCSEP_PRECISION=f32)" || fail "-P f32" "output differs"
DCSEP_NO_BF16=1 check_in "-P bf16 on a CPU without bf16" 0 \
    "dc-embed: -P bf16: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32" in.dcs \
    dc-embed -P bf16 -m tiny.dcm
cmp -s out e1.dcs && pass "-P bf16 without bf16: the fp32 result" || fail "-P bf16 without bf16" "output differs"
check_in "dc-embed -P bf16" 0 '*' in.dcs dc-embed -P bf16 -m tiny.dcm
cp out eb.dcs
if [ -s err ]; then bf16=0; else bf16=1; fi
same "-P bf16: silent where the CPU has bf16, else the fallback line" "$(cat err)" \
    "$([ $bf16 = 0 ] && echo "dc-embed: -P bf16: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32")"
check_in "dc-embed -P bf16 -t 2" 0 '*' in.dcs dc-embed -P bf16 -t 2 -m tiny.dcm
cp out eb2.dcs
# mixed: bf16 operands in the recurrent steps and, where bf16 products are the
# faster (DCSEP_BF16_FAST=1 says so on any CPU with them), in the output layer;
# the input projections in fp32
DCSEP_NO_BF16=1 check_in "-P mixed on a CPU without bf16" 0 \
    "dc-embed: -P mixed: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32" in.dcs \
    dc-embed -P mixed -m tiny.dcm
cmp -s out e1.dcs && pass "-P mixed without bf16: the fp32 result" || fail "-P mixed without bf16" "output differs"
DCSEP_BF16_FAST=1 check_in "dc-embed -P mixed" 0 "$([ $bf16 = 0 ] &&
    echo "dc-embed: -P mixed: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32")" \
    in.dcs dc-embed -P mixed -m tiny.dcm
cp out em.dcs
DCSEP_BF16_FAST=1 check_in "dc-embed -P mixed -t 2" 0 '*' in.dcs dc-embed -P mixed -t 2 -m tiny.dcm
cp out em2.dcs
DCSEP_BF16_FAST=1 DCSEP_PRECISION=mixed check_in "DCSEP_PRECISION=mixed" 0 '*' in.dcs \
    dc-embed -m tiny.dcm
cmp -s out em.dcs && pass "DCSEP_PRECISION=mixed: the output of -P mixed" ||
    fail "DCSEP_PRECISION=mixed" "output differs"
DCSEP_BF16_FAST=0 check_in "dc-embed -P mixed, bf16 products not the faster" 0 '*' in.dcs \
    dc-embed -P mixed -m tiny.dcm
cp out emn.dcs
check_in "dc-embed -P mixed, by the CPU" 0 '*' in.dcs dc-embed -P mixed -m tiny.dcm
{ cmp -s out em.dcs || cmp -s out emn.dcs; } && pass "-P mixed by the CPU: one of the two" ||
    fail "-P mixed by the CPU" "the output of neither DCSEP_BF16_FAST=1 nor 0"
check "-P fp16" 2 "dc-embed: -P: precision must be bf16, mixed or f32: fp16" dc-embed -P fp16 -m tiny.dcm
DCSEP_MODEL=tiny.dcm check_in "model from \$DCSEP_MODEL" 0 '' in.dcs dc-embed
cmp -s out e1.dcs && pass "\$DCSEP_MODEL: same output as -m" || fail "\$DCSEP_MODEL" "output differs"
DCSEP_MODEL=nosuch.dcm check_in "\$DCSEP_MODEL stale: the message names it" 1 \
    'dc-embed: DCSEP_MODEL=nosuch.dcm: No such file or directory' in.dcs dc-embed
DCSEP_MODEL=nosuch.dcm check_in "-m over a stale \$DCSEP_MODEL: -m's file named" 1 \
    'dc-embed: nosuch2.dcm: No such file or directory' in.dcs dc-embed -m nosuch2.dcm

"$PY" - $bf16 <<'EOF'
import sys; sys.path.insert(0, ".")
import msgpack, numpy as np, dcstream, ref

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

raw_in = list(msgpack.Unpacker(open("in.dcs", "rb"), raw=False))
raw_out = list(msgpack.Unpacker(open("e1.dcs", "rb"), raw=False))
hdr, utts = dcstream.read("e1.dcs")
_, utts2 = dcstream.read("e2.dcs")
check("history extended", hdr["history"] == ["dc-stft", "dc-embed"], str(hdr["history"]))
check("two utterances", len(utts) == 2, str(len(utts)))
kept = [r for r in raw_out[1:] if r["kind"] != "embed"]
check("every input record passes through unchanged, in order", kept == raw_in[1:], "differ")
check("one embed record, last in each utterance",
      all(u.records[-1]["kind"] == "embed" and sum(r["kind"] == "embed" for r in u.records) == 1 for u in utts))
for u, u2 in zip(utts, utts2):
    e, X = u["embed"], u["stft"]["data"]
    V = e["data"]
    check(f"{u.id}: embed float32 [T, F, D] = {list(V.shape)}, model tiny-test",
          e["dtype"] == "float32" and V.shape == X.shape + (4,) and e["model"] == "tiny-test",
          str((e["dtype"], V.shape, e["model"])))
    n = np.linalg.norm(V.astype(np.float64), axis=-1)
    check(f"{u.id}: unit vectors (max |1 - |v|| {np.abs(n - 1).max():.2g})", np.abs(n - 1).max() < 1e-5)
    R = ref.embed("tiny.dcm", X)
    d = np.abs(V - R).max()
    check(f"{u.id}: equals the numpy forward pass (max diff {d:.3g})", d < 1e-4, "%.3g" % d)
    lv = ref.level(X)
    check(f"{u.id}: the level measured, as numpy measures it ({e['level']:.4f} dB against {lv:.4f})",
          abs(e["level"] - lv) < 1e-6, "%r vs %r" % (e["level"], lv))
    check(f"{u.id}: the gain, to -21 dB ({e['gain']:.4f})", abs(e["gain"] - (-21 - lv)) < 1e-6,
          "%r" % e["gain"])
    d2 = np.abs(u2["embed"]["data"] - V).max()
    check(f"{u.id}: -t 2 agrees with -t 1 (max diff {d2:.3g})", d2 < 1e-5, "%.3g" % d2)
# bf16: the products of this model's forward pass (two input GEMMs, the recurrent
# steps, the output layer) take operands rounded to 8 bits (u = 2^-8), each off by about 2u
# relative: on average over the unit vectors' entries within 2u of the exact
# forward pass, and not fp32 (more than 1e-4 off on average). This random model's
# recurrences amplify single roundings in a few bins (0.16 at most, measured), so
# no bound on the largest difference; instead the numpy pass with the same bf16
# roundings must be ten times closer on average than the exact one.
bf16 = int(sys.argv[1])
_, ub = dcstream.read("eb.dcs")
_, ub2 = dcstream.read("eb2.dcs")
for u, b, b2 in zip(utts, ub, ub2):
    X, Vb = u["stft"]["data"], b["embed"]["data"]
    R = ref.embed("tiny.dcm", X)
    d = np.abs(Vb - R).mean()
    if bf16:
        db = np.abs(Vb - ref.embed("tiny.dcm", X, ref.bf16)).mean()
        check(f"{u.id}: -P bf16: mean |diff| {d:.3g} from the numpy forward pass, within 2u, "
              "not fp32", 1e-4 < d <= 2 * 2.0**-8, "%.3g" % d)
        check(f"{u.id}: -P bf16: the pass with bf16 operands is ten times closer (mean {db:.3g})",
              db < d / 10, "%.3g vs %.3g" % (db, d))
    else:
        d = np.abs(Vb - R).max()
        check(f"{u.id}: -P bf16 without bf16: fp32 (max diff {d:.3g})", d < 1e-4, "%.3g" % d)
    if bf16:
        check(f"{u.id}: -P bf16: -t 2 agrees with -t 1", np.array_equal(b2["embed"]["data"], Vb))
    else:   # fp32: as -t 2 and -t 1 above
        d2 = np.abs(b2["embed"]["data"] - Vb).max()
        check(f"{u.id}: -P bf16 without bf16: -t 2 agrees with -t 1 (max diff {d2:.3g})", d2 < 1e-5)
# mixed: only the recurrent products' operands rounded (u = 2^-8 each), and with
# DCSEP_BF16_FAST=1 the output layer's (em.dcs; emn.dcs without), so closer to
# the exact pass than bf16 but not fp32; the numpy pass with those roundings alone
# must again be ten times closer on average than the exact one.
_, um = dcstream.read("em.dcs")
_, um2 = dcstream.read("em2.dcs")
_, umn = dcstream.read("emn.dcs")
for u, b, m, m2, mn in zip(utts, ub, um, um2, umn):
    R = ref.embed("tiny.dcm", u["stft"]["data"])
    for V, out, name in ((m["embed"]["data"], ref.bf16, "recurrent and output"),
                         (mn["embed"]["data"], ref.same, "recurrent")):
        d = np.abs(V - R).mean()
        if bf16:
            dm = np.abs(V - ref.embed("tiny.dcm", u["stft"]["data"], qr=ref.bf16, qo=out)).mean()
            db = np.abs(b["embed"]["data"] - R).mean()
            check(f"{u.id}: -P mixed ({name}): mean |diff| {d:.3g} from the numpy forward pass, "
                  f"not fp32, and below -P bf16's ({db:.3g})", 1e-5 < d < db, "%.3g" % d)
            check(f"{u.id}: -P mixed: the pass with bf16 {name} operands is ten times closer "
                  f"(mean {dm:.3g})", dm < d / 10, "%.3g vs %.3g" % (dm, d))
        else:
            d = np.abs(V - R).max()
            check(f"{u.id}: -P mixed ({name}) without bf16: fp32 (max diff {d:.3g})", d < 1e-4, "%.3g" % d)
    if bf16:
        check(f"{u.id}: -P mixed: the output layer in bf16 or not, not the same",
              not np.array_equal(m["embed"]["data"], mn["embed"]["data"]))
    if bf16:
        check(f"{u.id}: -P mixed: -t 2 agrees with -t 1",
              np.array_equal(m2["embed"]["data"], m["embed"]["data"]))
    else:
        d2 = np.abs(m2["embed"]["data"] - m["embed"]["data"]).max()
        check(f"{u.id}: -P mixed without bf16: -t 2 agrees with -t 1 (max diff {d2:.3g})", d2 < 1e-5)
EOF

# -P mixed with three layers: where bf16 products are the faster, the third layer's
# input projections take bf16 operands too (nn.c, MIXED_IN_BF16), not the first
# two's; where they are not, only the recurrent steps'. The numpy pass with those
# roundings must be ten times closer on average than the exact one, and than the
# pass that leaves the third layer's inputs exact.
DCSEP_BF16_FAST=1 check_in "-P mixed, 3 layers" 0 '*' in.dcs dc-embed -P mixed -m tiny3.dcm
cp out m3f.dcs
DCSEP_BF16_FAST=0 check_in "-P mixed, 3 layers, bf16 products not the faster" 0 '*' in.dcs \
    dc-embed -P mixed -m tiny3.dcm
cp out m3n.dcs
"$PY" - $bf16 <<'EOF' || fail "-P mixed, 3 layers: the numpy passes" "python failed"
import sys; sys.path.insert(0, ".")
import numpy as np, dcstream, ref

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

bf16 = int(sys.argv[1])
_, uf = dcstream.read("m3f.dcs")
_, un = dcstream.read("m3n.dcs")
for f, n in zip(uf, un):
    X = f["stft"]["data"]
    R = ref.embed("tiny3.dcm", X)
    Vf, Vn = f["embed"]["data"], n["embed"]["data"]
    if not bf16:
        d = max(np.abs(Vf - R).max(), np.abs(Vn - R).max())
        check(f"{f.id}: -P mixed, 3 layers, without bf16: fp32 (max diff {d:.3g})", d < 1e-4, "%.3g" % d)
        continue
    d = np.abs(Vf - R).mean()
    dw = np.abs(Vf - ref.embed("tiny3.dcm", X, qr=ref.bf16, qo=ref.bf16, qfrom=2)).mean()
    dn = np.abs(Vf - ref.embed("tiny3.dcm", X, qr=ref.bf16, qo=ref.bf16)).mean()
    check(f"{f.id}: -P mixed, 3 layers: the pass with the third layer's inputs in bf16 is ten "
          f"times closer ({dw:.3g}) than the exact one ({d:.3g}) and than the pass without "
          f"them ({dn:.3g})", dw < d / 10 and dw < dn / 10, "%.3g, %.3g, %.3g" % (dw, d, dn))
    d = np.abs(Vn - R).mean()
    dm = np.abs(Vn - ref.embed("tiny3.dcm", X, qr=ref.bf16)).mean()
    check(f"{f.id}: -P mixed, 3 layers, bf16 products not the faster: only the recurrent "
          f"steps in bf16 (mean {dm:.3g} against {d:.3g})", dm < d / 10, "%.3g vs %.3g" % (dm, d))
EOF

# float16 weights (formats/model.md, params_dtype): dc-embed widens them exactly
check_in "dc-embed -m tiny16.dcm (float16 weights)" 0 '' in.dcs dc-embed -m tiny16.dcm
cp out e16.dcs
check "dc-train -x -w f16" 0 '' dc-train -x tiny.dcm -w f16 -o t16.dcm
check "dc-train -x -w f32 of a float16 model" 0 '' dc-train -x t16.dcm -w f32 -o t32.dcm
check "dc-train -x keeps float16" 0 '' dc-train -x t16.dcm -o t16b.dcm
check "dc-train -x -w f16: float16's edges" 0 '' dc-train -x edge.dcm -w f16 -o edge16.dcm
"$PY" - <<'EOF'
import sys; sys.path.insert(0, ".")
import msgpack, numpy as np, dcstream, ref

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

def raw(path):
    return msgpack.unpackb(open(path, "rb").read(), raw=False)

_, utts = dcstream.read("e16.dcs")
for u in utts:
    V, R = u["embed"]["data"], ref.embed("tiny16.dcm", u["stft"]["data"])
    d = np.abs(V - R).max()
    check(f"{u.id}: float16 model equals the numpy forward pass (max diff {d:.3g})", d < 1e-4, "%.3g" % d)
a, b, c, b2 = raw("tiny.dcm"), raw("t16.dcm"), raw("t32.dcm"), raw("t16b.dcm")
p32 = np.frombuffer(a["params"], "<f4")
check("-w f16: params_dtype f16, 2 bytes a weight", b.get("params_dtype") == "f16" and len(b["params"]) == 2 * len(p32),
      str((b.get("params_dtype"), len(b["params"]))))
check("-w f16: every weight rounded as numpy rounds to float16",
      b["params"] == p32.astype("<f2").tobytes())
check("-w f32: the float16 weights widened exactly, no params_dtype",
      "params_dtype" not in c and c["params"] == p32.astype("<f2").astype("<f4").tobytes())
check("-x of a float16 model keeps float16", b2.get("params_dtype") == "f16" and b2["params"] == b["params"])
e, e16 = raw("edge.dcm"), raw("edge16.dcm")
pe = np.frombuffer(e["params"], "<f4")
bad = np.nonzero(np.frombuffer(e16["params"], "<u2") != pe.astype("<f2").view("<u2"))[0]
check("-w f16: edges, ties and subnormals round as numpy's float16", len(bad) == 0,
      "first differences at %s: %s" % (bad[:5], pe[bad[:5]]))
check("-w f16: statistics stay float32", b["feat_mean"] == a["feat_mean"] and b["feat_std"] == a["feat_std"])
EOF
check_in "float16 params of float32 length" 1 "dc-embed: f16short.dcm: malformed or incompatible model" in.dcs dc-embed -m f16short.dcm
check_in "params_dtype bf16" 1 "dc-embed: bf16.dcm: malformed or incompatible model" in.dcs dc-embed -m bf16.dcm
check_in "float16 NaN" 1 "dc-embed: f16nan.dcm: malformed or incompatible model" in.dcs dc-embed -m f16nan.dcm
check_in "float16 checkpoint" 1 "dc-embed: f16train.dcm: malformed or incompatible model" in.dcs dc-embed -m f16train.dcm
check "-w f16: a weight beyond 65504" 1 "dc-train: big.dcm: a weight beyond the float16 range (65504): use -w f32" \
    dc-train -x big.dcm -w f16 -o big16.dcm
same "-w f16 beyond range: no file" "$(ls big16.dcm 2>/dev/null)" ""
check "-w f8" 2 "dc-train: -w: weights must be f16 or f32: f8" dc-train -x tiny.dcm -w f8 -o x.dcm
check "-w without -x" 2 "dc-train: -w: only with -x" dc-train -i -w f16 -o x.dcm
# training from a float16 model: float32 from there on, checkpoints included
dc-mix -s 1 -o m.wav -O 's%k.wav' "$S/so0048_000480014.flac" "$S/so0036_000360332.flac" >/dev/null &&
    dc-stft m.wav | dc-oracle s1.wav s2.wav >tr.dcs || fail "training stream" "failed"
check "dc-train -I float16 model" 0 '' dc-train -q -I t16.dcm -S 2 -e 1 -o ck.dcm tr.dcs
"$PY" -c "
import msgpack
m = msgpack.unpackb(open('ck.dcm', 'rb').read(), raw=False)
print('PASS: -I float16: the checkpoint is float32' if 'params_dtype' not in m and 'train' in m else 'FAIL: -I float16: checkpoint ' + str(m.get('params_dtype')))"

# default models beside the binary: an installation (../share/dcsep/models) and the
# build tree (../../models); PREFIX is /usr/local in the tests' build
mkdir -p inst/bin inst/share/dcsep/models tree/build/bin tree/models
cp "$ROOT/$B/bin/dc-embed" inst/bin/
cp "$ROOT/$B/bin/dc-embed" tree/build/bin/
cp tiny.dcm inst/share/dcsep/models/default.dcm
cp tiny.dcm tree/models/default.dcm
# a binary finds the model beside it first, wherever PREFIX's is
(unset DCSEP_MODEL; check_in "default model in ../share/dcsep/models" 0 '' in.dcs inst/bin/dc-embed)
cmp -s out e1.dcs && pass "installed default: same output" || fail "installed default" "output differs"
(unset DCSEP_MODEL; check_in "default model in ../../models (build tree)" 0 '' in.dcs tree/build/bin/dc-embed)
cmp -s out e1.dcs && pass "build-tree default: same output" || fail "build-tree default" "output differs"
rm tree/models/default.dcm
if [ -e /usr/local/share/dcsep/models/default.dcm ]; then
	# installed here: the build tree without a model falls back to PREFIX's
	(unset DCSEP_MODEL; check_in "no model beside: PREFIX's" 0 '' in.dcs tree/build/bin/dc-embed)
else
	(unset DCSEP_MODEL; check_in "no default model" 1 \
	    "dc-embed: no model: give -m or set DCSEP_MODEL (no file at $T/tree/build/bin/../share/dcsep/models/default.dcm, $T/tree/build/bin/../../models/default.dcm, /usr/local/share/dcsep/models/default.dcm)" \
	    in.dcs tree/build/bin/dc-embed)
fi

# -w win,ctx: windows through the network as one batch, the centre of each kept.
# The tiny model against the numpy forward pass of each window (an independent
# statement of the windows: 8000 Hz, hop 64: 125 frames a second, so -w 0.5,0.2 is
# 63 frames of centre and 25 of context, every window 113 frames long, shifted
# inside the utterance at its ends)
check_in "-w 0.5,0.2" 0 '' in.dcs dc-embed -m tiny.dcm -w 0.5,0.2
cp out ew.dcs
# a batch over the element limit runs in as many as needed (windows of 113 x 129 x 4
# = 58308 elements: 4 a batch under 240000; the utterances' 5 and 7 windows in two)
DC_MAX_ELEMS=240000 check_in "-w 0.5,0.2 in batches of 4 windows (DC_MAX_ELEMS)" 0 '' in.dcs \
    dc-embed -m tiny.dcm -w 0.5,0.2
same_net "-w in batches of 4: the bytes of one batch" ew.dcs
check_in "-w longer than the utterances" 0 '' in.dcs dc-embed -m tiny.dcm -w 60,0
[ -s out ] && cmp -s out e1.dcs && pass "-w 60,0: the bytes of the whole utterance" || fail "-w 60,0" "output differs"
check_in "-w window + 2 context as long as the utterances" 0 '' in.dcs dc-embed -m tiny.dcm -w 1,30
[ -s out ] && cmp -s out e1.dcs && pass "-w 1,30: the bytes of the whole utterance" || fail "-w 1,30" "output differs"
"$PY" - <<'EOF'
import sys; sys.path.insert(0, ".")
import numpy as np, dcstream, ref

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

_, uw = dcstream.read("ew.dcs")
_, u1 = dcstream.read("e1.dcs")
win, ctx = 63, 25
for u, w in zip(u1, uw):
    X, V = u["stft"]["data"], w["embed"]["data"]
    T = X.shape[0]
    Tb = min(T, win + 2 * ctx)
    R = np.zeros(V.shape)
    for t0 in range(0, T, win):
        t1, a = min(t0 + win, T), min(max(t0 - ctx, 0), T - Tb)
        R[t0:t1] = ref.embed("tiny.dcm", X[a:a + Tb], g=ref.gain(X))[t0 - a:t1 - a]
    d = np.abs(V - R).max()
    check(f"{w.id}: -w 0.5,0.2: {-(-T // win)} windows, each the numpy pass of its frames "
          f"(max diff {d:.3g})", V.shape == u["embed"]["data"].shape and d < 1e-4, "%.3g" % d)
    d1 = np.abs(V - u["embed"]["data"]).max()
    check(f"{w.id}: -w 0.5,0.2 is not the whole utterance's pass (max diff {d1:.3g})", d1 > 1e-2)
EOF

# the shipped model on a 9.9-s two-speaker mixture (as bench/pipeline.sh makes it):
# windowed embeddings are unit vectors and point where the whole utterance's do,
# more so with context than without. Measured (fp32, dc-mix removing the sources'
# DC offsets): the cosine of the two in each bin has median 0.9835 for -w 2,0.5 and
# 0.9907 for -w 4,1 (0.9552 with no context, -w 2,0), and is above 0.9 in 82.4 %
# and 87.6 % of the bins against 67.4 % without context. (The whole utterance's
# own embeddings of the first 3 s turn with a 1-dB change of its level, so this
# mixture is a hard case: before the DC offsets were removed, 98 % and 99.5 %.)
# So: median above 0.98, and at least 10 points more bins above 0.9 than -w 2,0.
if [ -r "$ROOT/models/default.dcm" ]; then
	sox "$S/ls1034_1034-121119-0000.flac" "$S/so0048_000480014.flac" -r 8000 a10.wav &&
	    sox "$S/so0036_000360332.flac" "$S/so0053_000530115.flac" "$S/so0054_000540031.flac" \
	    "$S/so0036_000360332.flac" -r 8000 b10.wav &&
	    dc-mix -s 1 -o m10.wav a10.wav b10.wav >/dev/null 2>&1 &&
	    dc-stft m10.wav >m10.dcs || fail "10-s mixture" "failed"
	D="$ROOT/models/default.dcm"
	check_in "default model, whole utterance" 0 '' m10.dcs dc-embed -m "$D"
	cp out w0.dcs
	check_in "default model -w 2,0.5" 0 '' m10.dcs dc-embed -m "$D" -w 2,0.5
	cp out w2.dcs
	check_in "default model -w 4,1" 0 '' m10.dcs dc-embed -m "$D" -w 4,1
	cp out w4.dcs
	check_in "default model -w 2,0" 0 '' m10.dcs dc-embed -m "$D" -w 2,0
	cp out w20.dcs
	check_in "default model -w 4,3 (windows of 10 s: the whole)" 0 '' m10.dcs dc-embed -m "$D" -w 4,3
	[ -s out ] && cmp -s out w0.dcs && pass "-w 4,3 on 9.9 s: the bytes of the whole utterance" || fail "-w 4,3" "output differs"
	"$PY" - <<'EOF'
import numpy as np, dcstream

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

V0 = dcstream.read("w0.dcs")[1][0]["embed"]["data"].astype(np.float64)
V = dcstream.read("w20.dcs")[1][0]["embed"]["data"].astype(np.float64)
none = ((V * V0).sum(-1) > 0.9).mean()
for f, w in (("w2.dcs", "2,0.5"), ("w4.dcs", "4,1")):
    V = dcstream.read(f)[1][0]["embed"]["data"].astype(np.float64)
    check(f"-w {w}: shape {list(V.shape)} as the whole utterance's", V.shape == V0.shape, str(V.shape))
    n = np.abs(np.linalg.norm(V, axis=-1) - 1).max()
    check(f"-w {w}: unit vectors (max |1 - |v|| {n:.2g})", n < 1e-5)
    c = (V * V0).sum(-1)
    med, hi = np.median(c), (c > 0.9).mean()
    check(f"-w {w}: cosine with the whole utterance's: median {med:.4f} > 0.98, "
          f"{100 * hi:.1f} % of the bins > 0.9, 10 points above -w 2,0's {100 * none:.1f} %",
          med > 0.98 and hi >= none + 0.1)
EOF
else
	fail "default model" "no models/default.dcm"
fi

# errors
check_in "missing model file" 1 "dc-embed: nope.dcm: No such file or directory" in.dcs dc-embed -m nope.dcm
check_in "not a model" 1 "dc-embed: junk.dcm: malformed or incompatible model" in.dcs dc-embed -m junk.dcm
check_in "NaN parameters" 1 "dc-embed: nan.dcm: malformed or incompatible model" in.dcs dc-embed -m nan.dcm
check_in "model version 3" 1 "dc-embed: v3.dcm: malformed or incompatible model" in.dcs dc-embed -m v3.dcm
check_in "model for another rate" 1 \
    "dc-embed: so0048_000480014: stft record: rate 8000, nfft 256, hop 64, sqrt-hann window; the model reads rate 16000, nfft 256, hop 64, sqrt-hann window" \
    in.dcs dc-embed -m r16k.dcm
"$PY" - <<'EOF'
import dcstream
open("nostft.dcs", "wb").write(dcstream.pack_header(["test"]) +
    dcstream.pack_record("utt", id="u1", rate=8000, samples=10))
EOF
check_in "utterance without stft" 1 "dc-embed: u1: no stft record" nostft.dcs dc-embed -m tiny.dcm
check_in "empty input" 1 "dc-embed: stdin: empty stream" /dev/null dc-embed -m tiny.dcm
check "-t 0" 2 "dc-embed: -t: threads must be an integer from 1 to 64: 0" dc-embed -t 0 -m tiny.dcm
check "unknown option" 2 "dc-embed: invalid option -- 'x'
usage: dc-embed [-b utts] [-l level | none] [-m model] [-P bf16 | mixed | f32] [-t threads]
                [-w win,ctx] [file]" dc-embed -x
check "two files: what, then the usage" 2 "dc-embed: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-embed)
usage: dc-embed [-b utts] [-l level | none] [-m model] [-P bf16 | mixed | f32] [-t threads]
                [-w win,ctx] [file]" dc-embed -m tiny.dcm a b
for w in 0,1 4 4,-1 4, ,1 4,1,2 abc,1 nan,1 4,inf 3601,0 4,3601; do
	check "-w $w" 2 "dc-embed: -w: must be win,ctx in seconds, win in (0, 3600], ctx in [0, 3600]: $w" \
	    dc-embed -m tiny.dcm -w "$w"
done
check_in "-w shorter than a frame" 2 \
    "dc-embed: -w: a window of 0.001 s is less than one frame of the model (0.008 s): 0.001,1" \
    in.dcs dc-embed -m tiny.dcm -w 0.001,1
check "-h" 0 '' dc-embed -h
dc-embed -m tiny.dcm <in.dcs >/dev/full 2>err
rc=$?
same "stdout /dev/full: exit 1 with a message" "$rc $(cat err)" "1 dc-embed: stdout: No space left on device"

# -l: the level the features are brought to. The same speech 30 dB quieter and
# 12 dB louder (float WAV: no rounding, no clipping) gives the embeddings of the
# original; with -l none it does not; -l none is the numpy pass without a gain; a
# silent utterance gets no gain and no level key
"$PY" - "$S/so0048_000480014.flac" <<'EOF2' || fail "-l fixtures" "python failed"
import sys, numpy as np, soundfile as sf
x, r = sf.read(sys.argv[1], dtype="float32")
for name, g in (("q.wav", 10 ** (-30 / 20)), ("l.wav", 10 ** (12 / 20)), ("o.wav", 1.0)):
    sf.write(name, (x * g).astype(np.float32), r, subtype="FLOAT")
sf.write("z.wav", np.zeros(4000, np.float32), r, subtype="FLOAT")
sf.write("c.wav", (x + np.float32(0.02)).astype(np.float32), r, subtype="FLOAT")
EOF2
dc-stft o.wav q.wav l.wav z.wav c.wav >lv.dcs || fail "dc-stft -l fixtures" "exit $?"
check_in "-l: the default" 0 '' lv.dcs dc-embed -m tiny.dcm
mv out lvd.dcs
check_in "-l none" 0 '' lv.dcs dc-embed -m tiny.dcm -l none
mv out lvn.dcs
check_in "-l -30" 0 '' lv.dcs dc-embed -m tiny.dcm -l -30
mv out lv30.dcs
"$PY" - <<'EOF2'
import sys; sys.path.insert(0, ".")
import numpy as np, dcstream, ref

def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))

_, d = dcstream.read("lvd.dcs")
_, n = dcstream.read("lvn.dcs")
_, m = dcstream.read("lv30.dcs")
o, q, l = (u["embed"] for u in d[:3])
lo = o["level"]
check("-l: 30 dB quieter: the level 30 dB lower (%.3f, %.3f)" % (lo, q["level"]),
      abs(q["level"] - (lo - 30)) < 0.05, "%r" % q["level"])
check("-l: 12 dB louder: the level 12 dB higher", abs(l["level"] - (lo + 12)) < 0.05, "%r" % l["level"])
# a DC offset is no speech: 0.02 (-34 dB, 10 dB under this speech's level) added
# moves the level by less than 0.01 dB (counted, it would be 0.31 dB more)
c = d[4]["embed"]
check("-l: a DC offset of 0.02: the level as without it (%.4f, %.4f)" % (lo, c["level"]),
      abs(c["level"] - lo) < 0.01, "%r" % c["level"])
# the same up to the features' 1e-8, which weighs more in quieter bins (this random
# model's recurrences amplify such differences in a few bins: the mean, not the most)
for u, un, what in ((q, n[1]["embed"], "30 dB quieter"), (l, n[2]["embed"], "12 dB louder")):
    dd = np.abs(u["data"] - o["data"]).mean()
    dn = np.abs(un["data"] - n[0]["embed"]["data"]).mean()
    check(f"-l: {what}: the original's embeddings (mean |diff| {dd:.2g}; -l none: {dn:.2g})",
          dd < 1e-3 and dn > 100 * dd, "%.3g, %.3g" % (dd, dn))
for u in n[:3]:
    R = ref.embed("tiny.dcm", u["stft"]["data"], to=None)
    dd = np.abs(u["embed"]["data"] - R).max()
    check(f"-l none: {u.id}: the numpy pass without a gain (max diff {dd:.2g}), gain 0",
          dd < 1e-4 and u["embed"]["gain"] == 0, "%.3g, %r" % (dd, u["embed"]["gain"]))
for u in m[:3]:
    e = u["embed"]
    R = ref.embed("tiny.dcm", u["stft"]["data"], to=-30.0)
    dd = np.abs(e["data"] - R).max()
    check(f"-l -30: {u.id}: gain -30 - level ({e['gain']:.3f}), the numpy pass (max diff {dd:.2g})",
          abs(e["gain"] - (-30 - e["level"])) < 1e-9 and dd < 1e-4, "%r, %.3g" % (e["gain"], dd))
z = d[3]["embed"]
check("-l: a silent utterance: no level key, gain 0", "level" not in z and z["gain"] == 0,
      str({k: z[k] for k in z if k in ("level", "gain")}))
EOF2
# the model's level (meta "level", formats/model.md): the default of -l; -l over it
"$PY" - <<'EOF2' || fail "models with a level" "python failed"
import sys; sys.path.insert(0, ".")
import ref
ref.write_model("lv30.dcm", meta={"name": "tiny-test", "level": "-30"})
ref.write_model("lvnone.dcm", meta={"name": "tiny-test", "level": "none"})
ref.write_model("lvbad.dcm", meta={"name": "tiny-test", "level": "loud"})
EOF2
check_in "a model with level -30" 0 '' lv.dcs dc-embed -m lv30.dcm
cmp -s out lv30.dcs && pass "a model with level -30: as -l -30" || fail "a model with level -30" "output differs from -l -30's"
check_in "a model with level none" 0 '' lv.dcs dc-embed -m lvnone.dcm
cmp -s out lvn.dcs && pass "a model with level none: as -l none" || fail "a model with level none" "output differs from -l none's"
check_in "a model with level none, -l -30" 0 '' lv.dcs dc-embed -m lvnone.dcm -l -30
cmp -s out lv30.dcs && pass "-l over the model's level" || fail "-l over the model's level" "output differs from -l -30's"
check_in "a model with a level not a number: the default" 0 '' lv.dcs dc-embed -m lvbad.dcm
cmp -s out lvd.dcs && pass "a model with a level not a number: -21" || fail "a model with level loud" "output differs from the default's"
check_in "-l -100: the gain at its bound, -60 dB" 0 '' lv.dcs dc-embed -m tiny.dcm -l -100
"$PY" - <<'EOF2'
import dcstream
_, d = dcstream.read("out")
print(("PASS: " if d[0]["embed"]["gain"] == -60 else "FAIL: ") + "-l -100: gain -60 for a level of %.2f" % d[0]["embed"]["level"])
EOF2
for l in 5 -101 x nan '' -21dB; do
	check "-l '$l'" 2 "dc-embed: -l: level must be a number of dB from -100 to 0, or none: $l" \
	    dc-embed -m tiny.dcm -l "$l"
done
