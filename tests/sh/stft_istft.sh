# tests/sh/stft_istft.sh: dc-stft | dc-istft round trips against the original audio,
# masked streams against an independent numpy inverse STFT, and dc-istft's errors.
. "$ROOT/tests/lib.sh"
PY=${PY:-/usr/bin/python3}
SP="$DATA/speech"
F1="$SP/so0048_000480014.flac"          # 15951 samples
F2="$SP/so0053_000530115.flac"          # 24674 samples
export PYTHONPATH="$ROOT/formats"

# db ORIG REC: prints "DB LEN_ORIG LEN_REC", the error energy of REC against ORIG
# relative to ORIG's energy, in dB (over the shorter length; the lengths are checked
# apart). ORIG may be "mean:FILE" for the mean of FILE's channels.
db() {
	"$PY" - "$1" "$2" <<'EOF'
import sys
import numpy as np
import soundfile as sf
a, b = sys.argv[1], sys.argv[2]
x = sf.read(a[5:], always_2d=True)[0].mean(axis=1) if a.startswith("mean:") else sf.read(a)[0]
y = sf.read(b)[0]
n = min(len(x), len(y))
e = np.sum((x[:n] - y[:n]) ** 2) / np.sum(x ** 2)
print(f"{10 * np.log10(max(e, 1e-300)):.1f} {len(x)} {len(y)}")
EOF
}

# --- reconstruction of every speech file, 32-bit float output
for f in "$SP"/*.flac; do
	b=$(basename "$f" .flac)
	dc-stft "$f" | dc-istft -e float -o rec.wav
	set -- $(db "$f" rec.wav)
	num "float round trip $b: error energy dB" "$1" "<" -90
	same "float round trip $b: length" "$3" "$2"
done

# --- 16-bit output through a pipe (libsndfile cannot seek it) is the original, bit-exact
for f in "$F1" "$F2"; do
	b=$(basename "$f" .flac)
	dc-stft "$f" | dc-istft | cat >pipe.wav
	got=$("$PY" - "$f" pipe.wav <<'EOF'
import sys
import soundfile as sf
x = sf.read(sys.argv[1], dtype="int16")[0]
y, rate = sf.read(sys.argv[2], dtype="int16")
info = sf.info(sys.argv[2])
print(info.format, info.subtype, info.channels, rate, len(y), int((x != y).sum()) if len(x) == len(y) else -1)
EOF
)
	n=$(soxi -s "$f")
	same "pcm16 to a pipe $b: WAV PCM_16 mono 8000 Hz, every sample equal" "$got" "WAV PCM_16 1 8000 $n 0"
done

# --- a 2-channel input is mixed down, with dc-stft's note, and comes back as the mix
sox -M "$F2" "$F1" st.wav
check "stereo: dc-stft's note" 0 "dc-stft: st.wav: 2 channels mixed down to mono" dc-stft st.wav
dc-istft -e float -o st-rec.wav <out
set -- $(db mean:st.wav st-rec.wav)
num "stereo: error energy dB against the channel mean" "$1" "<" -90
same "stereo: length" "$3" "$(soxi -s st.wav)"

# --- a 16 kHz input is resampled to 8 kHz, with dc-stft's note
sox "$F2" -r 16000 up.wav
check "16 kHz: dc-stft's note" 0 "dc-stft: up.wav: resampled from 16000 Hz to 8000 Hz (dc-istft -r 16000 writes the sources at 16000 Hz, with nothing above 4000 Hz)" dc-stft up.wav
dc-istft -e float -o up-rec.wav <out
same "16 kHz: output rate" "$("$PY" -c "import soundfile as sf; print(sf.info('up-rec.wav').samplerate)")" 8000
set -- $(db "$F2" up-rec.wav)
same "16 kHz: length is half the 16 kHz length" "$3" $(($(soxi -s up.wav) / 2))
num "16 kHz: error energy dB against the 8 kHz original (two resamplings)" "$1" "<" -30

# --- a clipped recording: a note that says so, counted (samples at 0.999 and
# above, more than 1 in 1000 and at least 16); a peak at full scale is no clipping
"$PY" - "$F2" <<'EOF'
import sys, numpy as np, soundfile as sf
x, fs = sf.read(sys.argv[1], dtype="float64")
x = x / np.abs(x).max()
sf.write("peak.wav", x * 32767 / 32768, fs, subtype="PCM_16")
sf.write("clip.wav", np.clip(4 * x, -1, 1), fs, subtype="PCM_16")
EOF
set -- $("$PY" -c "
import numpy as np, soundfile as sf
y = sf.read('clip.wav', dtype='float32')[0]
n = int(np.count_nonzero(np.abs(y) >= np.float32(0.999)))
print(n, len(y), '%.1f' % (100 * n / len(y)))")
check "clipped: dc-stft's note" 0 "dc-stft: clip.wav: $1 of $2 samples ($3 %) at full scale: the recording is clipped, and separates less well" dc-stft clip.wav
check "clipped, in blocks: the same note" 0 "dc-stft: clip.wav: $1 of $2 samples ($3 %) at full scale: the recording is clipped, and separates less well" dc-stft -B 0.5 clip.wav
check "a peak at full scale: no note" 0 "" dc-stft peak.wav

# --- other framings round-trip too
for opts in "-n 512 -s 128" "-w hann" "-n 512 -s 128 -w hann" "-n 64 -s 16" "-s 100"; do
	dc-stft $opts "$F2" | dc-istft -e float -o opt.wav
	set -- $(db "$F2" opt.wav)
	num "dc-stft $opts: error energy dB" "$1" "<" -90
	same "dc-stft $opts: length" "$3" "$2"
done

# --- masked streams: K sources, written by the pattern, against a numpy inverse STFT.
# mk.py SPEC OUT STFT...: builds a stream from real dc-stft streams. Per utterance it
# keeps the stft record, adds a decoy masked record (K=3, zeros), then the real one:
# mask m = |X| > median |X|, masked = [X m, X (1 - m)] (SPEC "2"), times a gain (SPEC
# "2x4"), or with one NaN (SPEC "nan"), or one frame short (SPEC "short").
cat >mk.py <<'EOF'
import sys
import numpy as np
import dcstream as ds
spec, out, ins = sys.argv[1], sys.argv[2], sys.argv[3:]
buf = ds.pack_header(["dc-stft", "mk.py"])
for path in ins:
    hdr, utts = ds.read(path)
    for u in utts:
        st = u["stft"]
        X = st["data"]
        keys = {k: st[k] for k in ("rate", "nfft", "hop", "samples", "window")}
        m = (np.abs(X) > np.median(np.abs(X))).astype(np.float32)
        Y = np.stack([X * m, X * (1 - m)]).astype(np.complex64)
        if spec == "2x4":
            Y *= 4
        if spec == "nan":
            Y[1, 5, 7] = np.nan
        if spec == "short":
            Y = Y[:, 1:, :]
        buf += ds.pack_record("utt", **{k: u.head[k] for k in ("id", "rate", "samples")})
        buf += ds.pack_record("stft", X, **keys)
        buf += ds.pack_record("masked", np.zeros((3,) + X.shape, np.complex64), k=3, **keys)
        buf += ds.pack_record("masked", Y, k=len(Y), **keys)
open(out, "wb").write(buf)
EOF
# ref.py STREAM FILE...: the independent inverse of each utterance's last masked
# record (numpy irfft, window, overlap-add, divided by the summed squared window, per
# formats/stream.md) against the files, in order; prints the worst error in dB, then
# the worst error of the sum of the sources against the original signal given by
# "orig:FILE" arguments (one per utterance, after the source files).
cat >ref.py <<'EOF'
import sys
import numpy as np
import soundfile as sf
import dcstream as ds
stream, files = sys.argv[1], sys.argv[2:]
origs = [f[5:] for f in files if f.startswith("orig:")]
files = [f for f in files if not f.startswith("orig:")]
worst, worst_sum = -400.0, -400.0
hdr, utts = ds.read(stream)
for ui, u in enumerate(utts):
    r = u["masked"]
    nfft, hop, N = r["nfft"], r["hop"], r["samples"]
    n = np.arange(nfft)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * n / nfft)
    w = w if r["window"] == "hann" else np.sqrt(w)
    P = nfft - hop
    total = np.zeros(N)
    for k, Xk in enumerate(r["data"]):
        T = Xk.shape[0]
        acc = np.zeros((T - 1) * hop + nfft)
        ws = np.zeros_like(acc)
        frames = np.fft.irfft(Xk.astype(np.complex128), nfft, axis=1) * w
        for t in range(T):
            acc[t * hop:t * hop + nfft] += frames[t]
            ws[t * hop:t * hop + nfft] += w * w
        y = acc[P:P + N] / ws[P:P + N]
        got = sf.read(files.pop(0))[0]
        if len(got) != N:
            print(f"length {len(got)} != {N}")
            sys.exit(1)
        e = np.sum((got - y) ** 2) / np.sum(y ** 2)
        worst = max(worst, 10 * np.log10(max(e, 1e-300)))
        total += got
    if origs:
        x = sf.read(origs[ui])[0]
        e = np.sum((total - x) ** 2) / np.sum(x ** 2)
        worst_sum = max(worst_sum, 10 * np.log10(max(e, 1e-300)))
print(f"{worst:.1f} {worst_sum:.1f}")
EOF
dc-stft "$F1" >s1.dcs
dc-stft "$F2" >s2.dcs
dc-stft "$F1" "$F2" >s12.dcs
"$PY" mk.py 2 m12.dcs s12.dcs
"$PY" mk.py 2 m1.dcs s1.dcs
mkdir sep
check_in "masked: two utterances, K=2, pattern sep/%u-s%k.wav" 0 "" m12.dcs dc-istft -e float -o 'sep/%u-s%k.wav'
same "masked: the four files the pattern names" "$(ls sep | tr '\n' ' ')" \
    "so0048_000480014-s1.wav so0048_000480014-s2.wav so0053_000530115-s1.wav so0053_000530115-s2.wav "
set -- $("$PY" ref.py m12.dcs sep/so0048_000480014-s1.wav sep/so0048_000480014-s2.wav \
    sep/so0053_000530115-s1.wav sep/so0053_000530115-s2.wav orig:"$F1" orig:"$F2")
num "masked: each source against the numpy inverse STFT, error dB" "$1" "<" -100
num "masked: sum of the sources against the original, error dB" "$2" "<" -90

check_in "masked: one utterance to stdout" 0 "" m1.dcs dc-istft -e float
got=$("$PY" - <<'EOF'
import numpy as np
import soundfile as sf
y, rate = sf.read("out", always_2d=True)
a = sf.read("sep/so0048_000480014-s1.wav")[0]
b = sf.read("sep/so0048_000480014-s2.wav")[0]
print(y.shape[1], rate, int(np.array_equal(y[:, 0], a) and np.array_equal(y[:, 1], b)))
EOF
)
same "masked: stdout is one 2-channel WAV equal to the two files" "$got" "2 8000 1"

check_in "literal %% in the pattern" 0 "" m1.dcs dc-istft -o 'pc%%-%u-%k.flac'
same "literal %%: the files" "$(ls pc* | tr '\n' ' ')" "pc%-so0048_000480014-1.flac pc%-so0048_000480014-2.flac "
same "literal %%: a FLAC file" "$(soxi -t 'pc%-so0048_000480014-1.flac')" flac

# clipping: 16-bit output clips and says how many samples; -e float keeps them
"$PY" mk.py 2x4 loud.dcs s1.dcs
dc-istft -e float -o 'loud-f%k.wav' <loud.dcs
n1=$("$PY" -c "import soundfile as sf, numpy as np; print(int((np.abs(sf.read('loud-f1.wav', dtype='float32')[0]) > 1).sum()))")
n2=$("$PY" -c "import soundfile as sf, numpy as np; print(int((np.abs(sf.read('loud-f2.wav', dtype='float32')[0]) > 1).sum()))")
num "clipping: the loud stream goes beyond full scale" "$n1" ">" 0
want="dc-istft: so0048_000480014: source 1: $n1 samples beyond full scale clipped"
[ "$n2" -gt 0 ] && want="$want
dc-istft: so0048_000480014: source 2: $n2 samples beyond full scale clipped"
check_in "clipping: the note for 16-bit output" 0 "$want" loud.dcs dc-istft -o 'loud-%k.wav'

# --- the pattern must name every file
check_in "pattern without %k, K=2" 2 "dc-istft: -o: pattern 'x-%u.wav' lacks %k, and utterance 'so0048_000480014' has 2 sources" \
    m1.dcs dc-istft -o 'x-%u.wav'
check_in "pattern without %u, two utterances" 2 "dc-istft: -o: pattern 'y-%k.wav' lacks %u, and the stream has more than one utterance" \
    m12.dcs dc-istft -o 'y-%k.wav'
same "pattern without %u: no file written" "$(ls x-* y-* 2>/dev/null)" ""
check_in "stdout, two utterances" 2 "dc-istft: stdin: more than one utterance; stdout takes one: name files with -o and %u" \
    s12.dcs dc-istft
same "stdout, two utterances: nothing written" "$(wc -c <out)" 0
check_in "one source needs no %k" 0 "" s1.dcs dc-istft -o 'one.wav'
same "one source needs no %k: the file" "$(soxi -s one.wav)" 15951
check "bad pattern: unknown conversion" 2 "dc-istft: -o: unknown conversion %x in pattern 'a%x.wav' (use %u, %k or %%)" \
    dc-istft -o 'a%x.wav'
check "bad pattern: final %" 2 "dc-istft: -o: pattern 'a%' ends in a lone %; write %% for a %" dc-istft -o 'a%'
check "bad pattern: empty" 2 "dc-istft: -o: empty pattern" dc-istft -o ''
check "bad encoding" 2 "dc-istft: -e: encoding must be pcm16 or float: pcm24" dc-istft -e pcm24
check "two files: what, then the usage" 2 "dc-istft: one stream file at most, not 2 (streams join end to end: cat a.dcs b.dcs | dc-istft)
usage: dc-istft [-e encoding] [-o pattern] [-r rate | source] [file]" dc-istft a b
check "unknown option" 2 "dc-istft: invalid option -- 'q'
usage: dc-istft [-e encoding] [-o pattern] [-r rate | source] [file]" dc-istft -q
check "-h" 0 "" dc-istft -h
same "-h: usage on stdout" "$(head -n 1 out)" "usage: dc-istft [-e encoding] [-o pattern] [-r rate | source] [file]"
cat s1.dcs s1.dcs >dup.dcs
check_in "two utterances with one id" 1 "dc-istft: so0048_000480014: d-so0048_000480014.wav was already written for an earlier utterance (two utterances with one id?)" \
    dup.dcs dc-istft -o 'd-%u.wav'
check_in "missing directory" 1 "dc-istft: nodir/: No such file or directory (a tool makes no directories)" \
    s1.dcs dc-istft -o 'nodir/%u.wav'
check "missing input" 1 "dc-istft: nope.dcs: No such file or directory" dc-istft nope.dcs

# --- bad data
"$PY" mk.py nan nan.dcs s1.dcs
check_in "NaN in masked" 1 "dc-istft: so0048_000480014: masked: NaN or Inf in the data" nan.dcs dc-istft -o 'n%k.wav'
"$PY" mk.py short short.dcs s1.dcs
check_in "masked one frame short" 1 "dc-istft: so0048_000480014: masked: shape 2x252x129 disagrees with its keys: 15951 samples, nfft 256, hop 64 give T = 253 frames of F = 129 bins" \
    short.dcs dc-istft -o 's%k.wav'
"$PY" - <<'EOF'
import numpy as np
import dcstream as ds
h = ds.pack_header(["test"])
u = ds.pack_record("utt", id="u1", rate=8000, samples=100)
keys = dict(rate=8000, nfft=256, hop=64, samples=100, window="sqrt-hann")
open("nostft.dcs", "wb").write(h + u + ds.pack_record("labels", np.zeros((4, 129), np.int32), k=2, by="x"))
open("f32.dcs", "wb").write(h + u + ds.pack_record("stft", np.zeros((5, 129), np.float32), **keys))
bad = dict(keys, nfft=255)
open("nfft.dcs", "wb").write(h + u + ds.pack_record("stft", np.zeros((5, 128), np.complex64), **bad))
nohop = {k: v for k, v in keys.items() if k != "hop"}
open("nohop.dcs", "wb").write(h + u + ds.pack_record("stft", np.zeros((5, 129), np.complex64), **nohop))
open("hdr.dcs", "wb").write(h)
open("noutt.dcs", "wb").write(h + ds.pack_record("stft", np.zeros((5, 129), np.complex64), **keys))
EOF
check_in "no masked or stft record" 1 "dc-istft: u1: no masked or stft record" nostft.dcs dc-istft -o 'z.wav'
check_in "stft of float32" 1 "dc-istft: u1: stft: dtype float32, wanted complex64" f32.dcs dc-istft -o 'z.wav'
check_in "odd nfft" 1 "dc-istft: u1: stft: STFT parameters out of range: rate 8000, nfft 255, hop 64, samples 100, window sqrt-hann" \
    nfft.dcs dc-istft -o 'z.wav'
check_in "no hop key" 1 "dc-istft: u1: stft: key 'hop' missing or not an integer" nohop.dcs dc-istft -o 'z.wav'
check_in "header only, to stdout" 1 "dc-istft: stdin: no utterance in the stream" hdr.dcs dc-istft
check_in "header only, with -o: an error too (a stage before it failed)" 1 "dc-istft: stdin: no utterance in the stream" \
    hdr.dcs dc-istft -o 'z.wav'
check_in "record before the first utt" 1 "dc-istft: stdin: record outside an utterance (record 2, byte 35)" noutt.dcs dc-istft
same "bad data: no file written" "$(ls z.wav n1.wav s1.wav 2>/dev/null)" ""

check "empty stdin" 1 "dc-istft: stdin: empty stream" dc-istft
printf 'hello, world\n' >text
check_in "text" 1 "dc-istft: stdin: not a dcsep stream (no header record)" text dc-istft
"$PY" -c "import random; random.seed(7); open('rand', 'wb').write(bytes(random.randrange(256) for _ in range(4096)))"
check_in "random bytes" 1 "*" rand dc-istft
same "random bytes: one line of stderr, prefixed" "$(wc -l <err) $(cut -c1-16 err)" "1 dc-istft: stdin:"
head -c 40 s1.dcs >hdrpart
cat rand >>hdrpart
check_in "a header, then random bytes" 1 "*" hdrpart dc-istft
same "a header, then random bytes: one line of stderr" "$(wc -l <err) $(cut -c1-16 err)" "1 dc-istft: stdin:"

# --- a real stream cut anywhere: exit 1 and one line, never a crash. The record
# boundaries come from python's msgpack, so that the expected texts are independent.
set -- $("$PY" - <<'EOF'
import msgpack
b = open("s1.dcs", "rb").read()
up = msgpack.Unpacker(raw=False)
up.feed(b)
ends = []
for _ in up:
    ends.append(up.tell())
print(*ends)
EOF
)
e1=$1 e2=$2 e3=$3
same "s1.dcs: three records" "$#" 3
for cut in 1 2 10 $((e1 - 1)) $e1 $((e1 + 1)) $((e1 + 7)) $((e2 - 1)) $e2 $((e2 + 1)) $((e2 + 3)) \
    $((e2 + 20)) 1000 65535 65536 65537 100000 $((e3 - 1)); do
	head -c "$cut" s1.dcs >cut.dcs
	if [ "$cut" -lt "$e1" ]; then
		want="dc-istft: stdin: stream truncated inside a record (record 1, byte 0)"
	elif [ "$cut" -eq "$e1" ]; then
		want="dc-istft: stdin: no utterance in the stream"
	elif [ "$cut" -lt "$e2" ]; then
		want="dc-istft: stdin: stream truncated inside a record (record 2, byte $e1)"
	elif [ "$cut" -eq "$e2" ]; then
		want="dc-istft: so0048_000480014: no masked or stft record"
	else
		want="dc-istft: stdin: stream truncated inside a record (record 3, byte $e2)"
	fi
	check_in "cut at byte $cut of $e3" 1 "$want" cut.dcs dc-istft
done
# cut inside the second utterance: the first is written, then the error
head -c $((e3 + e2 + 100)) s12.dcs >cut2.dcs
check_in "cut in the second utterance" 1 "dc-istft: stdin: stream truncated inside a record (record 5, byte $((e3 + e2 - e1)))" \
    cut2.dcs dc-istft -o 'c-%u.wav'
same "cut in the second utterance: the first utterance's file" "$(ls c-*)" "c-so0048_000480014.wav"

# --- output errors
check_in "-o /dev/full" 1 "dc-istft: /dev/full: No space left on device" s1.dcs dc-istft -o /dev/full
dc-istft <s1.dcs >/dev/full 2>err
rc=$?
same "stdout to /dev/full" "$rc $(cat err)" "1 dc-istft: stdout: No space left on device"

# --- dc-stft: a pipe on stdin, copied to $TMPDIR first (libsndfile seeks in FLAC)
F="$SP/so0036_000360332.flac"
dc-stft -i p "$F" | dc-istft -e float -o pf.wav || fail "FLAC from the file" "failed"
check "FLAC through a pipe" 0 '' sh -c "cat '$F' | dc-stft -i p | dc-istft -e float -o pp.wav"
if cmp -s pf.wav pp.wav; then pass "FLAC through a pipe: the file's samples"; else fail "FLAC through a pipe" "differs from the file"; fi
if [ "${VALGRIND:-0}" = 1 ]; then
	skip "a pipe, TMPDIR missing" "valgrind keeps its own files in TMPDIR"
else
	check "a pipe, TMPDIR missing" 1 "dc-stft: stdin: copying the pipe to $PWD/nodir: No such file or directory" \
	    sh -c "cat '$F' | TMPDIR='$PWD/nodir' dc-stft >/dev/null"
fi

# --- dc-stft: options that cannot work together, said as the user gave them
check "-n 4, the default hop" 2 "dc-stft: -n: nfft 4 takes a hop of at most 2: give -s" dc-stft -n 4 "$F"
check "-n 4 -s 8" 2 "dc-stft: -s: hop 8 is more than nfft/2 = 2" dc-stft -n 4 -s 8 "$F"

# --- the lossy extensions: Vorbis, Opus and MP3 written, and read back whole
dc-stft -i p "$F" >p.dcs
for e in ogg opus mp3; do
	dc-istft -o "p.$e" p.dcs || fail "dc-istft -o p.$e" "failed"
done
same "lossy: the containers and codecs by their first bytes" "$("$PY" -c '
b = [open("p." + e, "rb").read(64) for e in ("ogg", "opus", "mp3")]
print(b[0][:4] == b"OggS" and b"vorbis" in b[0], b[1][:4] == b"OggS" and b"OpusHead" in b[1],
      b[2][:3] == b"ID3" or (b[2][0] == 0xFF and b[2][1] & 0xE0 == 0xE0))')" "True True True"
for e in ogg opus mp3; do
	same "lossy: p.$e read back, every sample" "$(dc-stft "p.$e" | dc-dump | sed -n 's/.* samples=\([0-9]*\).*/\1/p' | head -1)" \
	    "$(dc-dump p.dcs | sed -n 's/.* samples=\([0-9]*\).*/\1/p' | head -1)"
done

# --- dc-istft -r: the sources written at another rate through dc-stft's filter (libsoxr,
# fed a chunk at a time): a whole utterance and one in blocks give the same samples,
# the rate and length asked for, within float rounding of dc-stft -r's resampling of
# the 8 kHz output, and below 3.6 kHz within 50 dB of scipy's polyphase resampling
# (an independent filter)
dc-stft -i r "$F" >r.dcs
dc-istft -e float -o r8.wav r.dcs || fail "dc-istft at the stream's rate" "failed"
check "-r 16000" 0 '' dc-istft -e float -r 16000 -o r16.wav r.dcs
check "-r 16000, blocks of 0.5 s" 0 '' sh -c 'dc-stft -i r -B 0.5 "$1" | dc-istft -e float -r 16000 -o r16b.wav' sh "$F"
check "-r 16000 to stdout" 0 '' sh -c 'dc-istft -e float -r 16000 r.dcs >r16s.wav'
check "-r 11025, pcm16" 0 '' dc-istft -r 11025 -o r11.wav r.dcs
dc-stft -r 16000 -i r r8.wav 2>/dev/null | dc-istft -e float -o via.wav
same "-r: rates, lengths, blocks, stdout, dc-stft's filter, scipy" "$("$PY" -c '
import numpy as np, soundfile as sf
from scipy.signal import resample_poly
x8, r8 = sf.read("r8.wav"); x, r = sf.read("r16.wav"); xb, _ = sf.read("r16b.wav"); xs, rs = sf.read("r16s.wav")
x11, r11 = sf.read("r11.wav"); via, _ = sf.read("via.wav")
p = resample_poly(x8, 2, 1)
X, P, f = np.fft.rfft(x), np.fft.rfft(p), np.fft.rfftfreq(len(x), 1 / 16000)
m = f < 3600        # the filters differ in their transition bands, below 4 kHz
snr = 10 * np.log10((np.abs(P[m]) ** 2).sum() / (np.abs(X[m] - P[m]) ** 2).sum())
print(r8, r, rs, r11, len(x) == 2 * len(x8), len(x11) == round(len(x8) * 11025 / 8000),
      np.array_equal(x, xb), np.array_equal(x, xs), np.abs(x - via).max() < 1e-6, snr > 50)
')" "8000 16000 16000 11025 True True True True True True"
check "-r 0" 2 'dc-istft: -r: sample rate must be an integer from 1 to 1000000, or source: 0' dc-istft -r 0 r.dcs
check "-r x" 2 'dc-istft: -r: sample rate must be an integer from 1 to 1000000, or source: x' dc-istft -r x r.dcs
# -r source: each utterance at the rate of the recording it came from (the utt
# record's source_rate, which dc-stft writes where it resampled; without it, the
# stream's rate): 16 kHz, 11025 Hz and 8 kHz recordings in one stream, the bytes
# of -r with each rate alone
sox r8.wav -r 11025 r11in.wav
dc-stft -i a up.wav >src3.dcs 2>/dev/null && dc-stft -i b r11in.wav >>src3.dcs 2>/dev/null &&
    dc-stft -i c r8.wav >>src3.dcs || fail "-r source: the stream" "dc-stft failed"
same "-r source: dc-stft's source_rate keys" "$(dc-dump src3.dcs | grep ' utt ' | sed 's/.*rate=\([0-9]*\) source_rate=\([0-9]*\).*/\1 \2/; s/.* rate=\([0-9]*\) samples.*/\1 -/')" \
    "8000 16000
8000 11025
8000 -"
check "-r source" 0 '' dc-istft -e float -r source -o 'src-%u.wav' src3.dcs
dc-stft -i a up.wav 2>/dev/null | dc-istft -e float -r 16000 -o one-a.wav
dc-stft -i b r11in.wav 2>/dev/null | dc-istft -e float -r 11025 -o one-b.wav
dc-stft -i c r8.wav | dc-istft -e float -o one-c.wav
for u in a b c; do
	if cmp -s "src-$u.wav" "one-$u.wav"; then pass "-r source: $u as -r its rate"; else fail "-r source: $u" "differs"; fi
done
same "-r source: the recordings' rates and lengths" \
    "$(for f in src-a.wav src-b.wav src-c.wav; do soxi -r $f; done | tr '\n' ' ')$(soxi -s up.wav) $(soxi -s src-a.wav)" \
    "16000 11025 8000 $(soxi -s src-a.wav) $(soxi -s up.wav)"
check "-r 8000, the stream's rate: the same bytes" 0 '' dc-istft -e float -r 8000 -o r8b.wav r.dcs
if cmp -s r8.wav r8b.wav; then pass "-r 8000: byte for byte"; else fail "-r 8000" "differs"; fi
