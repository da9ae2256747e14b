#!/usr/bin/python3
"""examples/gpu-train.py: train a dcsep model on a GPU with PyTorch, mixing on the fly.

  gpu-train.py pack [-c CORPUS] [-S SPEAKERS] [-r KBPS] [-n SHARDS] -o DIR
  gpu-train.py train -d DIR -i INIT.dcm -o OUTDIR [-m MINUTES | -N STEPS] [options]

dc-train trains on the CPU; a machine with a CUDA GPU trains the same network
(formats/model.md: torch.nn.LSTM and torch.nn.Linear, in the same parameter order)
hundreds of times faster. This script is that path, for such a machine:

pack   reads the FLAC utterances of the training speakers (the -S list, default
       examples/speakers-train.txt) through libsndfile, brings each to the same
       active level, and writes them as SHARDS Ogg/Opus files at KBPS kbit/s
       (default 16 shards, 17 kbit/s: the 4.95 hours of the training speakers
       in 37 MB, small enough to carry to a machine with no access to the
       corpus beside the repository, within 64 MiB) with index.tsv
       (shard, first sample, samples, speaker of each utterance) and the
       libsndfile libraries it needs (DIR/lib), so that train can decode them on
       a machine without libsndfile.

train  decodes the pack onto the GPU and draws every batch there, on the fly:
       two speakers (2/3 of the mixtures) or three, distinct, uniformly; one
       utterance of each, uniformly among the speaker's; a speed factor in
       [0.9, 1.1] (linear interpolation); a segment of T frames at a random
       place (a shorter utterance at a random offset, zeros around it); each
       source at the same active level (-25 dB, as dc-mix) and then its relative
       gain (2 speakers: +g/2 and -g/2, g uniform in [0, 5] dB; 3: each uniform
       in [-2.5, 2.5] dB). The network is dc-embed's, warm-started from INIT
       (its feature statistics are kept); a mask-inference head of C sources
       (Chimera++) is added if INIT has none. With --shape LxH[xD] it is a new
       network of L layers of H units a direction (D of INIT's if not given),
       PyTorch's initial weights, and INIT gives only the feature statistics:
       a larger network than INIT's (4x450 in float16 is 43 MB). The loss is
       alpha * deep clustering (dc-train's, 0/1 weights within 40 dB of the
       loudest bin, divided by the sum of the squared weight sums) +
       (1 - alpha) * the head's (permutation-invariant L1 on truncated
       phase-sensitive targets, divided by the sum of |X|, as dc-train -M).
       For the first --head-steps steps the head learns on a detached network
       (the network trains on deep clustering alone meanwhile), then both
       together. Adam, linear warm-up then cosine decay of the rate to 1/20;
       the head's rate is 2.5 times the network's; gradient norm clipped to 5;
       an exponential moving average of the weights beside them.

       Every --export-every seconds and at the end it writes OUTDIR/raw.dcm.N
       and OUTDIR/ema.dcm.N: the model and the average as float16 dcsep models,
       cut into pieces of at most 15 MiB (join with cat raw.dcm.* > raw.dcm), and
       OUTDIR/train.log; --export raw or ema writes only that one (a machine may
       send back at most 64 MiB: a 4x450's two models are 86 MB). With -m the number of steps is fixed after the first 40
       (from their speed) so that the run lasts MINUTES; the log says how many,
       and -N with that number repeats the schedule (the draws depend on the
       seed, the GPU's kernels on the machine).

Needs numpy, and for train torch (CUDA if present, else the CPU) and msgpack; -h
needs none of them, and a missing one is said in one line. Run by its path it is
Debian's /usr/bin/python3, as the other scripts; a PyTorch of a virtual environment
runs it as python3 examples/gpu-train.py train ...
"""

import argparse
import ctypes
import ctypes.util
import datetime
import math
import os
import shutil
import sys
import time

# numpy is imported by main() once the arguments are parsed, so that -h and a usage
# error need none (torch by train()); a module importing this one gets it at the end
np = None

RATE = 8000
NFFT = 256
HOP = 64
F = NFFT // 2 + 1
LEVEL_DB = -25.0

# ---------------------------------------------------------------- libsndfile

SFM_READ, SFM_WRITE = 0x10, 0x20
SF_FORMAT_OGG, SF_FORMAT_OPUS, SF_FORMAT_PCM_16 = 0x200000, 0x0064, 0x0002
SFC_SET_COMPRESSION_LEVEL = 0x1301
SFC_SET_BITRATE_MODE = 0x1305
SF_BITRATE_MODE_CONSTANT = 0
LIBS = ["libogg.so.0", "libopus.so.0", "libvorbis.so.0", "libvorbisenc.so.2",
        "libFLAC.so.12", "libmpg123.so.0", "libmp3lame.so.0", "libsndfile.so.1"]


class SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def sndfile(libdir=None):
    """libsndfile through ctypes: the system's, or the copies in libdir."""
    if libdir:
        for name in LIBS:       # its dependencies first, global, so that it links
            lib = ctypes.CDLL(os.path.join(libdir, name), mode=ctypes.RTLD_GLOBAL)
    else:
        lib = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SfInfo)]
    lib.sf_readf_float.restype = ctypes.c_int64
    lib.sf_readf_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_writef_float.restype = ctypes.c_int64
    lib.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_command.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    lib.sf_close.argtypes = [ctypes.c_void_p]
    lib.sf_strerror.restype = ctypes.c_char_p
    lib.sf_strerror.argtypes = [ctypes.c_void_p]
    return lib


def read_audio(lib, path):
    info = SfInfo()
    f = lib.sf_open(path.encode(), SFM_READ, ctypes.byref(info))
    if not f:
        sys.exit("gpu-train: %s: %s" % (path, lib.sf_strerror(None).decode()))
    if info.channels != 1 or info.samplerate != RATE:
        sys.exit("gpu-train: %s: not mono at %d Hz" % (path, RATE))
    out = np.zeros(info.frames, np.float32)
    got = lib.sf_readf_float(f, out.ctypes.data, info.frames)
    lib.sf_close(f)
    return out[:got]


def write_opus(lib, path, x, kbps):
    info = SfInfo(0, RATE, 1, SF_FORMAT_OGG | SF_FORMAT_OPUS, 0, 0)
    f = lib.sf_open(path.encode(), SFM_WRITE, ctypes.byref(info))
    if not f:
        sys.exit("gpu-train: %s: %s" % (path, lib.sf_strerror(None).decode()))
    mode = ctypes.c_int(SF_BITRATE_MODE_CONSTANT)
    lib.sf_command(f, SFC_SET_BITRATE_MODE, ctypes.byref(mode), ctypes.sizeof(mode))
    # libsndfile maps level 0..1 onto Opus's 256 .. 6 kbit/s linearly
    level = ctypes.c_double(min(1.0, max(0.0, (256.0 - kbps) / 250.0)))
    lib.sf_command(f, SFC_SET_COMPRESSION_LEVEL, ctypes.byref(level), ctypes.sizeof(level))
    x = np.ascontiguousarray(x, np.float32)
    if lib.sf_writef_float(f, x.ctypes.data, len(x)) != len(x):
        sys.exit("gpu-train: %s: short write" % path)
    lib.sf_close(f)


def active_power(x, frame=256):
    """Mean power of the frames within 15.9 dB of the mean active power (two passes):
    close to P.56's active level for read speech, and cheap."""
    n = len(x) // frame
    if n == 0:
        return float(np.mean(x * x)) + 1e-12
    p = np.mean(x[:n * frame].reshape(n, frame) ** 2, axis=1)
    level = np.mean(p) + 1e-12
    for _ in range(2):
        act = p[p > level * 10 ** (-15.9 / 10)]
        if len(act):
            level = np.mean(act)
    return float(level) + 1e-12


def pack(args):
    lib = sndfile()
    speakers = [s.strip() for s in open(args.speakers) if s.strip()]
    for s in speakers:     # a directory of corpus/train, and a field of index.tsv
        if s in (".", "..") or "/" in s or "\t" in s:
            sys.exit("gpu-train: %s: speaker '%s': not a directory name" % (args.speakers, s))
    utts = []
    for s in speakers:
        d = os.path.join(args.corpus, "train", s)
        for name in sorted(os.listdir(d)):
            if name.endswith(".flac"):
                utts.append((s, os.path.join(d, name)))
    os.makedirs(args.out, exist_ok=True)
    shards = [[] for _ in range(args.shards)]
    for i, u in enumerate(utts):
        shards[i % args.shards].append(u)
    gain = 10 ** (LEVEL_DB / 20)
    with open(os.path.join(args.out, "index.tsv"), "w") as idx:
        idx.write("shard\tstart\tsamples\tspeaker\n")
        total = 0
        for k, sh in enumerate(shards):
            parts, pos = [], 0
            for s, path in sh:
                x = read_audio(lib, path)
                x = x - x.mean()    # a DC offset is no speech, as dc-mix takes it out
                x = x * (gain / math.sqrt(active_power(x)))
                np.clip(x, -1, 1, out=x)
                idx.write("%d\t%d\t%d\t%s\n" % (k, pos, len(x), s))
                parts.append(x)
                pos += len(x)
            write_opus(lib, os.path.join(args.out, "shard%02d.opus" % k),
                       np.concatenate(parts), args.kbps)
            total += pos
            print("gpu-train: shard %d: %d utterances, %.1f min" % (k, len(sh), pos / RATE / 60),
                  file=sys.stderr)
    libdir = os.path.join(args.out, "lib")
    os.makedirs(libdir, exist_ok=True)
    for name in LIBS:
        path = None
        for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"):
            if os.path.exists(os.path.join(d, name)):
                path = os.path.join(d, name)
                break
        if path is None:
            sys.exit("gpu-train: %s: not found" % name)
        shutil.copy(path, os.path.join(libdir, name))
    print("gpu-train: %d speakers, %d utterances, %.2f hours" %
          (len(speakers), len(utts), total / RATE / 3600), file=sys.stderr)


def load_pack(d, libdir):
    lib = sndfile(libdir)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "index.tsv"))][1:]
    shards, offset, audio = {}, 0, []
    for k in sorted({int(r[0]) for r in rows}):
        x = read_audio(lib, os.path.join(d, "shard%02d.opus" % k))
        shards[k] = offset
        audio.append(x)
        offset += len(x)
    audio = np.concatenate(audio)
    names = sorted({r[3] for r in rows})
    spk = {s: i for i, s in enumerate(names)}
    rows.sort(key=lambda r: (spk[r[3]], int(r[0]), int(r[1])))
    start = np.array([shards[int(r[0])] + int(r[1]) for r in rows], np.int64)
    length = np.array([int(r[2]) for r in rows], np.int64)
    # an utterance cut short by the codec's end is clipped to what was decoded
    length = np.minimum(length, len(audio) - start)
    who = np.array([spk[r[3]] for r in rows], np.int64)
    first = np.searchsorted(who, np.arange(len(names)))
    count = np.bincount(who, minlength=len(names))
    return audio, start, length, first, count


# ---------------------------------------------------------------- the model file

def shape(s, d):
    """--shape LxH or LxHxD: layers 1 to 8, units 1 to 2048, D 1 to 512 (else d)."""
    try:
        v = [int(x) for x in s.split("x")]
        if len(v) == 2:
            v.append(d)
        if len(v) != 3 or not (1 <= v[0] <= 8 and 1 <= v[1] <= 2048 and 1 <= v[2] <= 512):
            raise ValueError
    except ValueError:
        sys.exit("gpu-train: --shape: LxH or LxHxD, 1 to 8 layers, 1 to 2048 units, D 1 to 512: %s" % s)
    return v


def read_model(path):
    import msgpack
    with open(path, "rb") as f:
        m = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    if m.get("magic") != "dcsep-model":
        sys.exit("gpu-train: %s: not a dcsep model" % path)
    dt = np.float16 if m.get("params_dtype") == "f16" else np.float32
    m["params"] = np.frombuffer(m["params"], "<" + np.dtype(dt).str[1:]).astype(np.float32)
    m["feat_mean"] = np.frombuffer(m["feat_mean"], "<f4").copy()
    m["feat_std"] = np.frombuffer(m["feat_std"], "<f4").copy()
    return m


def model_bytes(cfg, mean, std, named, meta):
    """A float16 dcsep model (formats/model.md), keys in the writers' order."""
    import msgpack
    params = np.concatenate([p.reshape(-1) for _, p in named]).astype(np.float32)
    if not np.all(np.isfinite(params)) or np.max(np.abs(params)) > 65504:
        raise ValueError("a weight is not finite or beyond float16's range")
    m = {"magic": "dcsep-model", "version": 2 if cfg.get("mi_sources") else 1,
         "config": cfg,
         "feat_mean": mean.astype("<f4").tobytes(), "feat_std": std.astype("<f4").tobytes(),
         "tensors": [[n, list(p.shape)] for n, p in named],
         "params_dtype": "f16", "params": params.astype("<f2").tobytes(), "meta": meta}
    return msgpack.packb(m, use_bin_type=True)


def write_pieces(outdir, name, data, piece=15 << 20):
    for old in os.listdir(outdir):
        if old.startswith(name + "."):
            os.remove(os.path.join(outdir, old))
    for i in range(0, (len(data) + piece - 1) // piece):
        tmp = os.path.join(outdir, ".%s.%d" % (name, i))
        with open(tmp, "wb") as f:
            f.write(data[i * piece:(i + 1) * piece])
        os.replace(tmp, os.path.join(outdir, "%s.%d" % (name, i)))


# ---------------------------------------------------------------- training

def train(args):
    import torch
    import torch.nn as nn

    if args.shape is not None:
        shape(args.shape, 1)    # a bad one stops the run before the pack is decoded
    dev = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    torch.manual_seed(args.seed)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "train.log"), "a")

    def log(msg):
        line = "gpu-train: %s %s" % (time.strftime("%H:%M:%S"), msg)
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    t0 = time.time()
    audio, ustart, ulen, sfirst, scount = load_pack(args.data, args.lib or os.path.join(args.data, "lib"))
    log("pack: %d speakers, %d utterances, %.2f hours, decoded in %.1f s; device %s" %
        (len(sfirst), len(ustart), len(audio) / RATE / 3600, time.time() - t0,
         torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"))
    audio = torch.from_numpy(audio).to(dev)
    ustart_t = torch.from_numpy(ustart).to(dev)
    ulen_t = torch.from_numpy(ulen).to(dev)
    sfirst_t = torch.from_numpy(sfirst).to(dev)
    scount_t = torch.from_numpy(scount).to(dev)
    nspk = len(sfirst)

    init = read_model(args.init)
    cfg = dict(init["config"])
    if cfg["F"] != F or cfg["nfft"] != NFFT or cfg["hop"] != HOP or cfg["rate"] != RATE:
        sys.exit("gpu-train: %s: not the default STFT" % args.init)
    fresh = args.shape is not None
    if fresh:   # a new network of that shape; only the feature statistics are -i's
        cfg["L"], cfg["H"], cfg["D"] = shape(args.shape, cfg["D"])
        cfg.pop("mi_sources", None)
    L, H, D = cfg["L"], cfg["H"], cfg["D"]
    C = cfg.get("mi_sources") or args.sources
    cfg["mi_sources"] = C

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blstm = nn.LSTM(F, H, L, batch_first=True, bidirectional=True,
                                 dropout=args.dropout)
            self.lin = nn.Linear(2 * H, F * D)
            self.mi = nn.Linear(2 * H, C * F)

        def forward(self, x, detach_head):
            h, _ = self.blstm(x)
            B, T, _ = h.shape
            v = torch.tanh(self.lin(h)).view(B, T * F, D)
            v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            z = self.mi(h.detach() if detach_head else h).view(B, T, C, F)
            return v, torch.softmax(z, dim=2)

    net = Net().to(dev)
    p = init["params"]
    named = list(net.named_parameters())
    off = 0
    with torch.no_grad():
        for n, t in named:
            if fresh or (n.startswith("mi.") and "mi_sources" not in init["config"]):
                continue
            k = t.numel()
            t.copy_(torch.from_numpy(p[off:off + k].reshape(t.shape)))
            off += k
    if not fresh and off != len(p):
        sys.exit("gpu-train: %s: %d parameters, the network has %d" % (args.init, len(p), off))
    mean = torch.from_numpy(init["feat_mean"]).to(dev)
    std = torch.from_numpy(init["feat_std"]).to(dev)
    ema = [t.detach().clone() for _, t in named]

    head = [t for n, t in named if n.startswith("mi.")]
    body = [t for n, t in named if not n.startswith("mi.")]
    opt = torch.optim.Adam([{"params": body, "lr": args.rate},
                            {"params": head, "lr": args.rate * 2.5}])
    window = torch.hann_window(NFFT, periodic=True, device=dev).sqrt()
    T = args.frames
    N = HOP * (T - 1) + NFFT
    Bt = args.batch
    n_out = torch.arange(N, device=dev, dtype=torch.float64)
    level = 10 ** (LEVEL_DB / 10)
    perms = torch.tensor([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
                         if C == 3 else [[0, 1], [1, 0]], device=dev)

    def rand(*shape):
        return torch.rand(*shape, generator=gen, device=dev)

    def draw():
        """B mixtures of C source slots: (B, C, N) sources, the mixtures' speakers."""
        k3 = (rand(Bt) < args.three).long() + 2 if C == 3 else torch.full((Bt,), 2, device=dev)
        spk = torch.multinomial(torch.ones(Bt, nspk, device=dev), C, replacement=False,
                                generator=gen)                            # (B, C)
        u = sfirst_t[spk] + (rand(Bt, C) * scount_t[spk]).long().clamp_max(scount_t[spk] - 1)
        # positions in float64: float32 cannot address hours of samples
        st, ln = ustart_t[u].double(), ulen_t[u].double()
        speed = (0.9 + 0.2 * rand(Bt, C) if args.speed else torch.ones(Bt, C, device=dev)).double()
        span = (N - 1) * speed                                            # input samples
        room = (ln - 1 - span).clamp_min(0)
        first = st + rand(Bt, C).double() * room                                   # long: a random place
        off = torch.where(ln - 1 >= span, torch.zeros_like(ln),
                          rand(Bt, C).double() * (N - (ln - 1) / speed).clamp_min(0))  # short: an offset
        rel = (n_out - off[..., None]) * speed[..., None]                 # into the utterance
        ok = (rel >= 0) & (rel <= (ln - 1)[..., None] - 1)
        pos = (first[..., None] + rel.clamp_min(0)).clamp(max=len(audio) - 2)
        i0 = pos.floor().long()
        fr = (pos - i0).float()
        x = (audio[i0] * (1 - fr) + audio[i0 + 1] * fr) * ok               # (B, C, N)
        fp = x[..., :N // 256 * 256].reshape(Bt, C, -1, 256).pow(2).mean(-1)
        lev = fp.mean(-1, keepdim=True).clamp_min(1e-8)
        for _ in range(2):
            act = fp > lev * 10 ** (-15.9 / 10)
            lev = (fp * act).sum(-1, keepdim=True) / act.sum(-1, keepdim=True).clamp_min(1)
            lev = lev.clamp_min(1e-8)
        if C == 3:
            g3 = rand(Bt, 3) * 5 - 2.5
        g = rand(Bt) * 5
        g2 = torch.stack([g / 2, -g / 2, torch.zeros_like(g)], 1)[:, :C]
        gdb = torch.where((k3 == 3)[:, None], g3, g2) if C == 3 else g2
        x = x * (level / lev).sqrt() * 10 ** (gdb[..., None] / 20)
        x = x * (torch.arange(C, device=dev)[None, :] < k3[:, None])[..., None]
        return x

    def losses(x, detach_head):
        S = torch.stft(x.reshape(-1, N), NFFT, HOP, window=window, center=False,
                       return_complex=True).view(Bt, C, F, -1).transpose(2, 3)  # (B, C, T, F)
        X = S.sum(1)
        mag = X.abs()
        feat = ((mag + 1e-8).log() - mean) / std
        v, m = net(feat, detach_head)
        amax = mag.flatten(1).amax(1)
        w = (mag >= amax[:, None, None] * 10 ** (-40 / 20)).float().view(Bt, -1)
        y = torch.nn.functional.one_hot(S.abs().argmax(1), C).float().view(Bt, -1, C)
        vw, yw = v * w[..., None], y * w[..., None]
        vv = torch.bmm(vw.transpose(1, 2), vw)
        vy = torch.bmm(vw.transpose(1, 2), yw)
        yy = torch.bmm(yw.transpose(1, 2), yw)
        dc = (vv.pow(2).sum() - 2 * vy.pow(2).sum() + yy.pow(2).sum()) / w.sum(1).pow(2).sum()
        # truncated phase-sensitive targets: |S| cos(dtheta) = Re(S conj X) / |X|
        a = ((S * X.conj()[:, None]).real / (mag[:, None] + 1e-8)).clamp_min(0)
        a = torch.minimum(a, mag[:, None])
        est = m.transpose(1, 2) * mag[:, None]                            # (B, C, T, F)
        cost = (est[:, :, None] - a[:, None]).abs().sum((3, 4))           # (B, Ci, Cj)
        pc = cost[:, torch.arange(C, device=dev)[None, :], perms].sum(-1)  # (B, perms)
        mi = pc.min(1).values.sum() / mag.sum()
        return dc, mi

    def export(step, note):
        with torch.no_grad():
            for name, ws in (("raw", [t for _, t in named]), ("ema", ema)):
                if args.export not in ("both", name):
                    continue
                tensors = [(n, t.detach().float().cpu().numpy()) for (n, _), t in zip(named, ws)]
                meta = {"name": "dcsep-%dx%d" % (L, H),
                        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "command": " ".join(["gpu-train.py"] + sys.argv[1:]),
                        "data": "mixtures drawn on the fly from %d training speakers (%s), %d steps of %d x %d frames, %s"
                                % (nspk, os.path.basename(args.data.rstrip("/")), step, Bt, T,
                                   "the weights' moving average" if name == "ema" else "the last weights"),
                        "precision": "tf32" if dev.type == "cuda" else "f32",
                        "loss": note}
                for k, val in init["meta"].items():
                    if k == "attribution":
                        meta[k] = val
                write_pieces(args.out, name + ".dcm", model_bytes(cfg, init["feat_mean"],
                             init["feat_std"], tensors, meta))

    total = args.steps or 10 ** 9
    step, last_export, tstart = 0, time.time(), time.time()
    run = {"dc": 0.0, "mi": 0.0, "n": 0}
    log("model %dx%d D %d C %d (%s), batch %d x %d frames, alpha %.3g, rate %.3g, %s" %
        (L, H, D, C, "new" if fresh else "from " + os.path.basename(args.init), Bt, T, args.alpha, args.rate,
         "%d steps" % args.steps if args.steps else "%.1f minutes" % args.minutes))
    while step < total:
        if step == 5:
            tstart = time.time()    # the first steps tune cuDNN's kernels: time from here
        if args.minutes and not args.steps and step == 45:
            rate = 40 / (time.time() - tstart)
            total = 45 + int(rate * (args.minutes * 60 - (time.time() - t0)))
            log("%.2f steps/s: %d steps in all (repeat with -N %d)" % (rate, total, total))
        warm = min(1.0, (step + 1) / args.warmup)
        frac = step / max(1, total) if total < 10 ** 9 else 0.0
        lr = args.rate * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))
        opt.param_groups[0]["lr"] = lr
        opt.param_groups[1]["lr"] = lr * 2.5
        detach = step < args.head_steps
        net.train()
        with torch.no_grad():
            x = draw()
            if step == 0:
                pw = x.pow(2).mean(-1)
                on = pw > 0
                log("first batch: %d sources, %d mixtures of 3; source power %.1f dB (mean of those on)"
                    % (on.sum().item(), (on.sum(1) == 3).sum().item(),
                       10 * math.log10(pw[on].mean().item())))
        dc, mi = losses(x, detach)
        loss = (dc + mi) if detach else args.alpha * dc + (1 - args.alpha) * mi
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        with torch.no_grad():
            d = min(args.ema, (1 + step) / (10 + step))
            for e, (_, t) in zip(ema, named):
                e.mul_(d).add_(t.detach(), alpha=1 - d)
        run["dc"] += dc.item() if step % 10 == 0 else 0
        run["mi"] += mi.item() if step % 10 == 0 else 0
        run["n"] += step % 10 == 0
        if step % args.log_every == 0 or step == total:
            el = time.time() - t0
            log("step %d/%d dc %.4f mi %.4f |g| %.3g lr %.3g %.0f frames/s %.0f s" %
                (step, total, run["dc"] / max(1, run["n"]), run["mi"] / max(1, run["n"]),
                 gn.item(), lr, max(0, step - 5) * Bt * T / max(1e-9, time.time() - tstart), el))
            run = {"dc": 0.0, "mi": 0.0, "n": 0}
        if time.time() - last_export > args.export_every:
            export(step, "step %d" % step)
            last_export = time.time()
            log("exported at step %d" % step)
        if args.deadline and time.time() - t0 > args.deadline * 60:
            log("deadline: stopping at step %d" % step)
            break
    export(step, "step %d" % step)
    log("done: %d steps, %.1f million frames, %.0f s" % (step, step * Bt * T / 1e6, time.time() - t0))


def main():
    global np
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(prog="gpu-train.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pack")
    a.add_argument("-c", dest="corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    a.add_argument("-S", dest="speakers", default=os.path.join(here, "speakers-train.txt"))
    a.add_argument("-r", dest="kbps", type=float, default=17)
    a.add_argument("-n", dest="shards", type=int, default=16)
    a.add_argument("-o", dest="out", required=True)
    a = sub.add_parser("train")
    a.add_argument("-d", dest="data", required=True)
    a.add_argument("-i", dest="init", required=True)
    a.add_argument("-o", dest="out", required=True)
    a.add_argument("-m", dest="minutes", type=float, default=0)
    a.add_argument("-N", dest="steps", type=int, default=0)
    a.add_argument("--deadline", type=float, default=0, help="stop after this many minutes whatever -N says")
    a.add_argument("--lib", default=None)
    a.add_argument("-b", dest="batch", type=int, default=128)
    a.add_argument("-T", dest="frames", type=int, default=400)
    a.add_argument("-a", dest="rate", type=float, default=4e-4)
    a.add_argument("-A", dest="alpha", type=float, default=0.75)
    a.add_argument("-M", dest="sources", type=int, default=3)
    a.add_argument("--three", type=float, default=1 / 3, help="the share of 3-speaker mixtures")
    a.add_argument("--speed", type=int, default=1)
    a.add_argument("--dropout", type=float, default=0.1)
    a.add_argument("--warmup", type=int, default=150)
    a.add_argument("--head-steps", type=int, default=300)
    a.add_argument("--ema", type=float, default=0.998)
    a.add_argument("--export", choices=("both", "raw", "ema"), default="both",
                   help="the models written: both, or only one (a 4x450's pair, 86 MB, is more than 64 MiB)")
    a.add_argument("--seed", type=int, default=17)
    a.add_argument("--log-every", type=int, default=50)
    a.add_argument("--export-every", type=float, default=120)
    a.add_argument("--cpu", action="store_true")
    a.add_argument("--shape", default=None,
                   help="LxH or LxHxD: train a new network of this shape (-i gives only the feature statistics)")
    args = ap.parse_args()
    if args.cmd == "train" and not args.minutes and not args.steps:
        ap.error("train needs -m MINUTES or -N STEPS")
    try:
        import numpy as np
        pack(args) if args.cmd == "pack" else train(args)
    except ModuleNotFoundError as e:    # numpy, torch or msgpack not installed: one line
        sys.exit("gpu-train: %s needs the Python module %s" % (args.cmd, e.name))
    except OSError as e:    # a file or directory missing or unwritable: one line
        sys.exit("gpu-train: %s: %s" % (e.filename or "", e.strerror or e))


if __name__ == "__main__":
    main()
else:   # imported as a module (tests/py/test_gpu_train.py): its functions need numpy
    import numpy as np  # noqa: E402
