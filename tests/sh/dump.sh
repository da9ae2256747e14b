# tests/sh/dump.sh: dc-dump's lines, JSON lines and .npy export on real and on
# hand-made streams, checked with python's msgpack, json and numpy; and its errors.
. "$ROOT/tests/lib.sh"
PY=${PY:-/usr/bin/python3}
F1="$DATA/speech/so0048_000480014.flac"
F2="$DATA/speech/so0053_000530115.flac"
dc-stft "$F1" >s1.dcs
dc-stft "$F1" "$F2" >s12.dcs

# --- text lines of a real stream; the statistics against numpy on the raw msgpack
dc-dump s1.dcs >lines
rc=$?
same "text: exit status" "$rc" 0
same "text: three lines" "$(wc -l <lines)" 3
same "text: header line" "$(sed -n 1p lines)" "1 dcsep - version=1 history=[dc-stft]"
same "text: utt line" "$(sed -n 2p lines)" "2 utt so0048_000480014 id=so0048_000480014 source=$F1 source_inode=$(stat -L -c %d:%i "$F1") rate=8000 samples=15951"
same "text: stft line without the statistics" "$(sed -n 3p lines | sed 's/ min=[^ ]* max=[^ ]* mean=[^ ]*//')" \
    "3 stft so0048_000480014 253x129 complex64 nan=0 inf=0 rate=8000 nfft=256 hop=64 samples=15951 window=sqrt-hann"
got=$("$PY" - <<'EOF'
import re
import msgpack
import numpy as np
recs = list(msgpack.Unpacker(open("s1.dcs", "rb"), raw=False))
m = np.abs(np.frombuffer(recs[2]["data"], "<c8").astype(np.complex128))
line = open("lines").read().splitlines()[2]
v = {k: float(x) for k, x in re.findall(r" (min|max|mean)=(\S+)", line)}
ok = (abs(v["min"] - m.min()) <= 1e-6 * m.max() and abs(v["max"] - m.max()) <= 1e-6 * m.max()
      and abs(v["mean"] - m.mean()) <= 1e-6 * m.mean())
print("ok" if ok else f"{v} vs {m.min()} {m.max()} {m.mean()}")
EOF
)
same "text: min, max, mean of the magnitudes equal numpy's" "$got" ok

# --- JSON lines: every field against python's msgpack and numpy
dc-dump -j s12.dcs >json
same "json: exit status" "$?" 0
got=$("$PY" - <<'EOF'
import json
import msgpack
import numpy as np
raw = open("s12.dcs", "rb").read()
up = msgpack.Unpacker(raw=False)
up.feed(raw)
recs, starts, pos, utt, bad = [], [], 0, None, []
for r in up:
    recs.append(r)
    starts.append((pos, up.tell() - pos))
    pos = up.tell()
lines = [json.loads(l) for l in open("json")]
if len(lines) != len(recs):
    bad.append(f"{len(lines)} lines for {len(recs)} records")
for i, (r, j) in enumerate(zip(recs, lines)):
    if r["kind"] == "utt":
        utt = r["id"]
    want = {"record": i + 1, "offset": starts[i][0], "bytes": starts[i][1], "kind": r["kind"], "utt": utt,
            "keys": {k: v for k, v in r.items() if k not in ("kind", "dtype", "shape", "data")}}
    if "data" in r:
        m = np.abs(np.frombuffer(r["data"], "<c8").astype(np.complex128))
        want.update(dtype=r["dtype"], shape=r["shape"], nan=0, inf=0)
        for k, v in (("min", m.min()), ("max", m.max()), ("mean", m.mean())):
            if abs(j.get(k, 1e300) - v) > 1e-6 * m.max():
                bad.append(f"record {i + 1}: {k} {j.get(k)} vs {v}")
            j.pop(k, None)
    if j != want:
        bad.append(f"record {i + 1}: {j} != {want}")
print("; ".join(bad) or "ok")
EOF
)
same "json: record, offset, bytes, kind, utt, keys, dtype, shape, statistics" "$got" ok

# --- hand-made stream: every dtype, NaN and Inf, empty and all-NaN tensors,
# strings that need escaping, a record outside an utterance
"$PY" - <<'EOF'
import msgpack
import numpy as np
def rec(kind, a=None, **k):
    d = {"kind": kind, **k}
    if a is not None:
        d.update(dtype={"<f4": "float32", "<c8": "complex64", "<i4": "int32", "|u1": "uint8",
                        "<f8": "float64", "<i2": "int16"}[a.dtype.str], shape=list(a.shape), data=a.tobytes())
    return msgpack.packb(d, use_bin_type=True)
f = np.array([[1.5, np.nan, -2.0], [np.inf, 4.0, -np.inf]], np.float32)
c = np.array([3 + 4j, np.nan, 0, complex(np.inf, 1), -6 - 8j], np.complex64)
arrs = {"f": f, "c": c, "i": np.array([-7, 3, 2**31 - 1], np.int32), "u": np.array([[0, 255], [9, 10]], np.uint8),
        "d": np.array([1e300, -1e-300, np.nan]), "s": np.array([-32768, 5, 32767], np.int16),
        "e": np.zeros((2, 0), np.float32), "n": np.full(4, np.nan, np.float32)}
np.savez("arrs.npz", **arrs)
odd = 'a "q" \\ b\n\tc é ✓'
b = msgpack.packb({"kind": "dcsep", "version": 1, "history": ["dc-stft", "dc-oracle", "dc-mask"]})
b += rec("note", text="before any utt")
b += rec("utt", id=odd, rate=8000, samples=3, flag=True, none=None, x=0.25, neg=-3, arr=[1, "two", 3.5],
         nested={"a": [1, {"b": 2}]}, big=list(range(20)))
b += msgpack.packb({"kind": "raw", "bad": b"\xff\xfeA", "bin": b"123"}, use_bin_type=False)
for k, a in arrs.items():
    b += rec("t", a, name=k)
b += rec("utt", id="second", rate=8000, samples=3)
b += rec("t", arrs["i"], name="i2")
open("odd.dcs", "wb").write(b)
EOF
check "odd: exit status" 0 "" dc-dump -j odd.dcs
cp out odd.json
got=$("$PY" - <<'EOF'
import json
import numpy as np
arrs = np.load("arrs.npz")
lines = [json.loads(l) for l in open("odd.json")]
bad = []
odd = 'a "q" \\ b\n\tc é ✓'
u = lines[2]
if u["utt"] != odd or u["keys"]["id"] != odd:
    bad.append(f"id {u['utt']!r}")
want = {"id": odd, "rate": 8000, "samples": 3, "flag": True, "none": None, "x": 0.25, "neg": -3,
        "arr": [1, "two", 3.5], "nested": {"a": [1, {"b": 2}]}, "big": list(range(20))}
if u["keys"] != want:
    bad.append(f"keys {u['keys']}")
if lines[1]["utt"] is not None:
    bad.append("a record before any utt has utt null")
if lines[3]["keys"] != {"bad": "\ufffd\ufffdA", "bin": "123"}:
    bad.append(f"invalid UTF-8 {lines[3]['keys']}")
for j in lines[4:12]:
    a = arrs[j["keys"]["name"]]
    v = np.abs(a.astype(np.complex128)) if a.dtype.kind == "c" else a.astype(np.float64)
    fin = v[np.isfinite(v)]
    want = {"dtype": a.dtype.name,
            "shape": list(a.shape), "nan": int(np.isnan(v).sum()), "inf": int(np.isinf(v).sum()),
            "min": fin.min() if fin.size else None, "max": fin.max() if fin.size else None,
            "mean": fin.mean() if fin.size else None}
    for k, w in want.items():
        g = j.get(k, "missing")
        if isinstance(w, float) and isinstance(g, (int, float)):
            if abs(g - w) > 1e-7 * max(abs(w), 1e-300):
                bad.append(f"{j['keys']['name']}: {k} {g} vs {w}")
        elif g != w:
            bad.append(f"{j['keys']['name']}: {k} {g!r} vs {w!r}")
    if a.dtype.kind in "iu" and not all(isinstance(j[k], int) for k in ("min", "max")):
        bad.append(f"{j['keys']['name']}: integer min and max as integers")
if lines[-1]["utt"] != "second" or len(lines) != 14:
    bad.append("second utterance")
print("; ".join(bad) or "ok")
EOF
)
same "odd: escaping, null, bool, nested keys, invalid UTF-8, statistics of every dtype" "$got" ok
dc-dump odd.dcs >odd.txt
same "odd text: header" "$(sed -n 1p odd.txt)" "1 dcsep - version=1 history=[dc-stft,dc-oracle,dc-mask]"
same "odd text: record before any utt" "$(sed -n 2p odd.txt)" '2 note - text="before any utt"'
same "odd text: quoted id and keys" "$(sed -n 3p odd.txt)" \
    '3 utt "a \"q\" \\ b\n\tc é ✓" id="a \"q\" \\ b\n\tc é ✓" rate=8000 samples=3 flag=true none=null x=0.25 neg=-3 arr=[1,two,3.5] nested=map(1) big=array(20)'
same "odd text: float32 with NaN and Inf" "$(sed -n 5p odd.txt)" \
    '5 t "a \"q\" \\ b\n\tc é ✓" 2x3 float32 min=-2 max=4 mean=1.16666667 nan=1 inf=2 name=f'
same "odd text: complex64 magnitudes" "$(sed -n 6p odd.txt)" \
    '6 t "a \"q\" \\ b\n\tc é ✓" 5 complex64 min=0 max=10 mean=5 nan=1 inf=1 name=c'
same "odd text: int32 exact" "$(sed -n 7p odd.txt | cut -d' ' -f9-)" "3 int32 min=-7 max=2147483647 mean=715827881 nan=0 inf=0 name=i"
same "odd text: empty tensor" "$(sed -n 11p odd.txt | cut -d' ' -f9-)" "2x0 float32 min=- max=- mean=- nan=0 inf=0 name=e"
same "odd text: all NaN" "$(sed -n 12p odd.txt | cut -d' ' -f9-)" "4 float32 min=- max=- mean=- nan=4 inf=0 name=n"
same "odd text: the second utterance" "$(sed -n 14p odd.txt)" "14 t second 3 int32 min=-7 max=2147483647 mean=715827881 nan=0 inf=0 name=i2"

# --- -H and -u
check "-H: the history, one tool a line" 0 "" dc-dump -H odd.dcs
same "-H: lines" "$(cat out | tr '\n' ' ')" "dc-stft dc-oracle dc-mask "
check "-H -j: a JSON array" 0 "" dc-dump -H -j odd.dcs
same "-H -j: the array" "$(cat out)" '["dc-stft","dc-oracle","dc-mask"]'
check "-u: one utterance's records" 0 "" dc-dump -u so0053_000530115 s12.dcs
same "-u: its two lines" "$(cut -d' ' -f1-4 out | tr '\n' ' ')" "4 utt so0053_000530115 id=so0053_000530115 5 stft so0053_000530115 389x129 "
check "-u: an id not in the stream" 1 "dc-dump: s12.dcs: no utterance 'nope'" dc-dump -u nope s12.dcs

# --- -x: .npy export, read back with numpy against the raw msgpack tensor
check "-x stft:2" 0 "" dc-dump -x stft:2 -o x2.npy s12.dcs
check "-x stft -u" 0 "" dc-dump -x stft -u so0053_000530115 -o xu.npy s12.dcs
check "-x stft to stdout" 0 "" dc-dump -x stft -o - s12.dcs
mv out x1.npy
i=0
for k in f c i u d s e n; do
	i=$((i + 1))
	dc-dump -x "t:$i" -u 'a "q" \ b
	c é ✓' -o "t-$k.npy" odd.dcs 2>>xerr
done
dc-dump -x t:3 -o t3.npy odd.dcs
got=$("$PY" - <<'EOF'
import msgpack
import numpy as np
bad = []
recs = list(msgpack.Unpacker(open("s12.dcs", "rb"), raw=False))
st = [np.frombuffer(r["data"], "<c8").reshape(r["shape"]) for r in recs if r["kind"] == "stft"]
for name, want in (("x1.npy", st[0]), ("x2.npy", st[1]), ("xu.npy", st[1])):
    raw = open(name, "rb").read()
    hl = int.from_bytes(raw[8:10], "little")
    if raw[:8] != b"\x93NUMPY\x01\x00" or (10 + hl) % 64 or raw[10 + hl - 1:10 + hl] != b"\n":
        bad.append(f"{name}: header {raw[:10 + hl]!r}")
    a = np.load(name)
    if a.dtype != np.dtype("<c8") or not np.array_equal(a, want):
        bad.append(f"{name}: {a.dtype} {a.shape}")
arrs = np.load("arrs.npz")
for k in "fcudsen" + "i":
    a = np.load(f"t-{k}.npy")
    w = arrs[k]
    if a.dtype != w.dtype or a.shape != w.shape or not np.array_equal(a, w, equal_nan=True):
        bad.append(f"t-{k}.npy: {a.dtype} {a.shape} vs {w.dtype} {w.shape}")
if not np.array_equal(np.load("t3.npy"), arrs["i"]):
    bad.append("t:3 is the third t record")
print("; ".join(bad) or "ok")
EOF
)
same "-x: the .npy files equal the stream's tensors, every dtype" "$got" ok
same "-x: no messages" "$(cat xerr)" ""
check "-x: a record without a tensor" 1 "dc-dump: s12.dcs: record 2 (utt) holds no tensor" dc-dump -x utt -o u.npy s12.dcs
check "-x: not that many" 1 "dc-dump: s12.dcs: no record stft:3 (2 of that kind)" dc-dump -x stft:3 -o u.npy s12.dcs
check "-x: not in that utterance" 1 "dc-dump: s12.dcs: no record stft:2 in utterance 'so0048_000480014' (1 of that kind)" \
    dc-dump -x stft:2 -u so0048_000480014 -o u.npy s12.dcs
check "-x: missing directory" 1 "dc-dump: nodir/x.npy: No such file or directory" dc-dump -x stft -o nodir/x.npy s1.dcs
check "-x: /dev/full" 1 "dc-dump: /dev/full: No space left on device" dc-dump -x stft -o /dev/full s1.dcs
same "-x: failures leave no file" "$(ls u.npy nodir 2>/dev/null)" ""

# --- -M: a model file, its tensors' statistics against numpy on the raw msgpack
dc-train -i -L 2 -H 4 -D 3 -s 5 -n tiny -m 'attribution=a b "c"' -o m.dcm 2>/dev/null
dc-train -x m.dcm -w f16 -o m16.dcm
dc-mix -s 1 -o mx.wav -O 'sx%k.wav' "$F1" "$F2" >/dev/null && dc-stft mx.wav | dc-oracle sx1.wav sx2.wav >lab.dcs
dc-train -q -L 1 -H 2 -D 2 -T 20 -b 2 -e 1 -S 3 -o ck.dcm lab.dcs 2>/dev/null
check "-M: exit 0" 0 "" dc-dump -M m.dcm
cp out mlines
check "-M -j: exit 0" 0 "" dc-dump -M -j m.dcm
cp out mjson
check "-M float16 model" 0 "" dc-dump -M m16.dcm
cp out m16lines
check "-M checkpoint" 0 "" dc-dump -M ck.dcm
cp out cklines
check_in "-M from stdin" 0 "" m.dcm dc-dump -M
same "-M from stdin: the same lines" "$(cat out)" "$(cat mlines)"
same "-M: the model line" "$(head -n 1 mlines)" \
    "model L=2 H=4 D=3 F=129 rate=8000 nfft=256 hop=64 window=sqrt-hann params=8251 weights=f32 checkpoint=no"
same "-M float16: the model line" "$(head -n 1 m16lines)" \
    "model L=2 H=4 D=3 F=129 rate=8000 nfft=256 hop=64 window=sqrt-hann params=8251 weights=f16 checkpoint=no"
same "-M: metadata lines" "$(grep '^meta name=\|^meta attrib' mlines)" 'meta name=tiny
meta attribution="a b \"c\""'
same "-M checkpoint: the train line" "$(tail -n 1 cklines | sed 's/state_bytes=[0-9]*/state_bytes=N/')" "train step=3 state_bytes=N"
check "-M -x lin.weight" 0 "" dc-dump -M -x lin.weight -o lw.npy m.dcm
check "-M -x feat_std" 0 "" dc-dump -M -x feat_std -o fs.npy m.dcm
check "-M -x of the float16 model" 0 "" dc-dump -M -x blstm.weight_hh_l1_reverse -o w16.npy m16.dcm
got=$("$PY" - <<'EOF'
import json, re
import msgpack
import numpy as np
bad = []
def load(path):
    m = msgpack.unpackb(open(path, "rb").read(), raw=False)
    dt = "<f2" if m.get("params_dtype") == "f16" else "<f4"
    p, off, out = np.frombuffer(m["params"], dt).astype(np.float32), 0, {}
    out["feat_mean"] = np.frombuffer(m["feat_mean"], "<f4")
    out["feat_std"] = np.frombuffer(m["feat_std"], "<f4")
    for name, shape in m["tensors"]:
        n = int(np.prod(shape))
        out[name] = p[off:off + n].reshape(shape)
        off += n
    return out
for path, lines in (("m.dcm", "mlines"), ("m16.dcm", "m16lines")):
    T = load(path)
    rows = [l for l in open(lines).read().splitlines() if l.startswith("tensor ")]
    if [r.split()[1] for r in rows] != list(T):
        bad.append(f"{path}: names {[r.split()[1] for r in rows]}")
    for r in rows:
        f = r.split()
        x = T[f[1]].astype(np.float64)
        v = {k: float(y) for k, y in re.findall(r" (min|max|mean)=(\S+)", r)}
        shape = "x".join(str(d) for d in x.shape)
        sc = max(np.abs(x).max(), 1e-30)
        if f[2] != shape or f[3] != "float32" or abs(v["min"] - x.min()) > 1e-6 * sc or \
           abs(v["max"] - x.max()) > 1e-6 * sc or abs(v["mean"] - x.mean()) > 1e-6 * sc:
            bad.append(f"{path}: {r} vs {shape} {x.min()} {x.max()} {x.mean()}")
J = [json.loads(l) for l in open("mjson")]
T = load("m.dcm")
if J[0] != {"kind": "model", "L": 2, "H": 4, "D": 3, "F": 129, "rate": 8000, "nfft": 256, "hop": 64,
            "window": "sqrt-hann", "params": 8251, "weights": "f32", "checkpoint": False}:
    bad.append(f"json model {J[0]}")
js = [j for j in J if j["kind"] == "tensor"]
if [j["name"] for j in js] != list(T) or any(j["shape"] != list(T[j["name"]].shape) for j in js):
    bad.append("json tensors")
if {j["key"]: j["value"] for j in J if j["kind"] == "meta"}.get("attribution") != 'a b "c"':
    bad.append("json meta")
if not np.array_equal(np.load("lw.npy"), T["lin.weight"]):
    bad.append("-x lin.weight")
if not np.array_equal(np.load("fs.npy"), T["feat_std"]):
    bad.append("-x feat_std")
if not np.array_equal(np.load("w16.npy"), load("m16.dcm")["blstm.weight_hh_l1_reverse"]):
    bad.append("-x float16")
print("ok" if not bad else "; ".join(bad))
EOF
)
same "-M: lines, JSON lines and -x against numpy" "$got" ok
check "-M: missing file" 1 "dc-dump: nope.dcm: No such file or directory" dc-dump -M nope.dcm
check "-M: a stream is no model, said" 1 "dc-dump: s1.dcs: a stream, not a model (dc-dump shows it; dc-embed -m takes a model, models/default.dcm)" dc-dump -M s1.dcs
check_in "-M: empty stdin" 1 "dc-dump: stdin: malformed or incompatible model" /dev/null dc-dump -M
check "-M -x: no such tensor" 1 \
    "dc-dump: m.dcm: no tensor 'lin.w' (feat_mean, feat_std, blstm.*, lin.weight, lin.bias)" \
    dc-dump -M -x lin.w -o a.npy m.dcm
check "-M -x: /dev/full" 1 "dc-dump: /dev/full: No space left on device" dc-dump -M -x lin.bias -o /dev/full m.dcm
check "-M with -u" 2 "dc-dump: -M: not with -H or -u" dc-dump -M -u x m.dcm
check "-M with -H" 2 "dc-dump: -M: not with -H or -u" dc-dump -M -H m.dcm
same "-M: failures leave no file" "$(ls a.npy 2>/dev/null)" ""
dc-dump -M m.dcm >/dev/full 2>err
rc=$?
same "-M: stdout to /dev/full" "$rc $(cat err)" "1 dc-dump: stdout: No space left on device"

# --- usage
U="usage: dc-dump [-j] [-u id] [file]
       dc-dump -H [-j] [file]
       dc-dump -x kind[:n] -o file.npy [-u id] [file]
       dc-dump -M [-j] [-x tensor -o file.npy] [model.dcm]"
check "-x without -o" 2 "dc-dump: -x: needs -o file.npy" dc-dump -x stft s1.dcs
check "-o without -x" 2 "dc-dump: -o: only with -x" dc-dump -o a.npy s1.dcs
check "-H with -x" 2 "dc-dump: -H: not with -x or -u" dc-dump -H -x stft -o a.npy s1.dcs
check "-j with -x" 2 "dc-dump: -j: not with -x" dc-dump -j -x stft -o a.npy s1.dcs
check "-x stft:0" 2 "dc-dump: -x: n must be a positive integer: stft:0" dc-dump -x stft:0 -o a.npy s1.dcs
check "-x :2" 2 "dc-dump: -x: a record kind of 1 to 31 characters: :2" dc-dump -x :2 -o a.npy s1.dcs
check "two files: what, then the usage" 2 "dc-dump: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-dump)
$U" dc-dump a b
check "-h" 0 "" dc-dump -h
same "-h: usage on stdout" "$(head -n 4 out)" "$U"

# --- stream errors: the lines before the error, then one line
check "empty stdin" 1 "dc-dump: stdin: empty stream" dc-dump
printf 'hello\n' >text
check_in "text" 1 "dc-dump: stdin: not a dcsep stream (no header record)" text dc-dump
check "missing file" 1 "dc-dump: nope.dcs: No such file or directory" dc-dump nope.dcs
# where the stft record starts, and the stream's length: both depend on the
# length of the source path in the utt record, so on where the tree is checked out
r3=$("$PY" -c 'import msgpack, sys
u = msgpack.Unpacker(open("s1.dcs", "rb")); next(u); next(u); print(u.tell())')
len1=$(wc -c <s1.dcs)
for cut in 10 100 $((r3 + 54)) 100000 $((len1 - 1)); do
	head -c $cut s1.dcs >cut.dcs
	case $cut in
	10) want="record 1, byte 0" nl=0 ;;
	100) want="record 2, byte 38" nl=1 ;;
	*) want="record 3, byte $r3" nl=2 ;;
	esac
	check_in "cut at $cut" 1 "dc-dump: stdin: stream truncated inside a record ($want)" cut.dcs dc-dump
	same "cut at $cut: the lines before" "$(wc -l <out)" $nl
done
"$PY" - "$r3" <<'EOF'
import msgpack, sys
s = open("s1.dcs", "rb").read()
open("nokind.dcs", "wb").write(s + msgpack.packb({"id": "x"}))
open("badshape.dcs", "wb").write(s + msgpack.packb({"kind": "masks", "dtype": "float32", "shape": [2, 3],
                                                    "data": b"\0" * 20}, use_bin_type=True) + s[int(sys.argv[1]):])
EOF
check_in "a map without kind" 1 "dc-dump: stdin: not a dcsep record (a map with a \"kind\") (record 4, byte $len1)" \
    nokind.dcs dc-dump
same "a map without kind: the three lines before" "$(wc -l <out)" 3
check_in "a tensor whose shape disagrees with its data" 1 "dc-dump: stdin: record 4 (masks): shape does not match the data
dc-dump: stdin: records with a bad tensor: 1" badshape.dcs dc-dump
same "bad tensor: its line, and the records after it" "$(sed -n 4p out; wc -l <out)" \
    '4 masks so0048_000480014 error="shape does not match the data" dtype=float32 shape=[2,3] data=bin(20)
5'
dc-dump s1.dcs >/dev/full 2>err
rc=$?
same "stdout to /dev/full" "$rc $(cat err)" "1 dc-dump: stdout: No space left on device"
