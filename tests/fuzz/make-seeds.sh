#!/bin/sh
# tests/fuzz/make-seeds.sh [B]: writes the seed corpora of the fuzz harnesses into
# tests/fuzz/corpus/{stream,model,audio}/ from files the tools make: small streams
# at each stage of the pipeline (nfft 16, so that records are short), model files
# and checkpoints, and audio in every container dc-istft writes. B is the build
# whose tools are used (build by default). The seeds are committed; run this again
# when the formats change. Needs /usr/bin/python3 with numpy, msgpack, soundfile.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B=${1:-build}
PATH="$ROOT/$B/bin:$PATH"
C=tests/fuzz/corpus
SP=tests/data/speech
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$C"
mkdir -p "$C/stream" "$C/model" "$C/audio"

# 30 ms of two speakers, 8 kHz, and their sum
/usr/bin/python3 - "$SP" "$tmp" <<'PY'
import sys, soundfile as sf, numpy as np
sp, t = sys.argv[1], sys.argv[2]
a, _ = sf.read(sp + "/so0036_000360332.flac", dtype="float32")
b, _ = sf.read(sp + "/so0054_000540031.flac", dtype="float32")
a, b = a[8000:8240], b[8000:8240]
sf.write(t + "/s1.wav", a, 8000, subtype="FLOAT")
sf.write(t + "/s2.wav", b, 8000, subtype="FLOAT")
sf.write(t + "/mix.wav", a + b, 8000, subtype="PCM_16")
sf.write(t + "/stereo16k.wav", np.stack([np.repeat(a, 2), np.repeat(b, 2)], 1), 16000, subtype="PCM_16")
sf.write(t + "/u8.wav", a[:80], 8000, subtype="PCM_U8")
sf.write(t + "/pcm24.aiff", a[:80], 8000, subtype="PCM_24")
PY
cd "$tmp"
S="-n 16 -s 8"
dc-stft $S mix.wav >stft.dcs
dc-oracle s1.wav s2.wav <stft.dcs >ibm.dcs
dc-oracle -m irm -R s1.wav s2.wav <stft.dcs >irm.dcs
dc-mask <ibm.dcs >masked.dcs
dc-mask <irm.dcs >masked-irm.dcs
cat stft.dcs stft.dcs >concat.dcs
dc-istft -o 'est%k.wav' <masked.dcs
dc-istft -e float -o 'estf%k.wav' <masked-irm.dcs
for ext in flac ogg aiff au caf w64; do dc-istft -o "out.$ext" <stft.dcs; done
dc-mix -s 1 -r 8000 -o dcmix.wav s1.wav s2.wav >/dev/null

# a tiny model for nfft 16 (F = 9), written as formats/model.md says, and the
# embeddings and k-means labels it gives; a checkpoint of dc-train on ibm.dcs
/usr/bin/python3 - <<'PY'
import msgpack, numpy as np
rng = np.random.default_rng(1)
L, H, D, F = 1, 2, 2, 9
t, p = [], []
for k in range(L):
    for s in ("", "_reverse"):
        for n, sh in (("weight_ih", (4 * H, F if k == 0 else 2 * H)), ("weight_hh", (4 * H, H)),
                      ("bias_ih", (4 * H,)), ("bias_hh", (4 * H,))):
            t.append([f"blstm.{n}_l{k}{s}", list(sh)])
            p.append(rng.normal(0, 0.5, sh).astype("<f4"))
t += [["lin.weight", [F * D, 2 * H]], ["lin.bias", [F * D]]]
p += [rng.normal(0, 0.5, (F * D, 2 * H)).astype("<f4"), rng.normal(0, 0.5, F * D).astype("<f4")]
m = {"magic": "dcsep-model", "version": 1,
     "config": {"L": L, "H": H, "D": D, "F": F, "nfft": 16, "hop": 8, "rate": 8000, "window": "sqrt-hann"},
     "feat_mean": np.full(F, -3, "<f4").tobytes(), "feat_std": np.full(F, 2, "<f4").tobytes(),
     "tensors": t, "params": np.concatenate([x.ravel() for x in p]).tobytes(),
     "meta": {"name": "seed", "data": "random"}}
open("tiny.dcm", "wb").write(msgpack.packb(m, use_bin_type=True))
PY
dc-embed -m tiny.dcm <stft.dcs >embed.dcs
dc-kmeans <embed.dcs >kmeans.dcs
dc-train -q -L 1 -H 2 -D 2 -T 4 -b 2 -e 1 -o ckpt.dcm ibm.dcs
dc-train -i -L 1 -H 1 -D 1 -o init.dcm
dc-train -x tiny.dcm -w f16 -o tiny16.dcm

cd "$ROOT"
for f in stft ibm irm masked masked-irm concat embed kmeans; do cp "$tmp/$f.dcs" "$C/stream/$f.dcs"; done
cp "$tmp/tiny.dcm" "$tmp/tiny16.dcm" "$tmp/ckpt.dcm" "$tmp/init.dcm" "$C/model/"
for f in mix.wav s1.wav stereo16k.wav u8.wav pcm24.aiff est1.wav estf2.wav dcmix.wav \
    out.flac out.ogg out.aiff out.au out.caf out.w64; do
	cp "$tmp/$f" "$C/audio/$f"
done
du -sh "$C"
