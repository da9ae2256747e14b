# tests/sh/mix.sh: dc-mix, single mode and list mode, against an independent numpy
# implementation of the P.56 active level: sources sum to the mixture, levels and
# gains agree, seeds reproduce byte for byte, lengths are the shortest; every
# usage and data error with its exact message and exit status.
. "$ROOT/tests/lib.sh"

S=$DATA/speech
A=$S/so0036_000360332.flac      # 3.13 s
B=$S/so0048_000480014.flac      # 1.99 s
C=$S/so0053_000530115.flac      # 3.08 s
L=$S/ls1034_1034-121119-0000.flac
E=$S/so0054_000540031.flac

# ref.py: the checks in numpy. P.56 method B as described in libcommon/p56.h,
# written again from the description: lfilter for the envelope, a running
# "last active sample" for the hangover.
cat >"$T/ref.py" <<'EOF'
import os, sys
import numpy as np
import soundfile as sf
from scipy.signal import lfilter

def p56(x, fs):
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    g = np.exp(-1 / (fs * 0.03))
    hang = int(np.ceil(0.2 * fs - 1e-9))
    q = lfilter([1 - g], [1, -g], lfilter([1 - g], [1, -g], np.abs(x)))
    energy = np.sum(x * x)
    idx = np.arange(n)
    A, C = [], []
    for c in (q.max() * 10 ** (-2 * np.arange(51) / 20))[::-1]:
        last = np.maximum.accumulate(np.where(q >= c, idx, -10 * n - 10 * hang))
        a = np.count_nonzero(idx - last <= hang)
        if a == 0:
            break
        A.append(10 * np.log10(energy / a))
        C.append(20 * np.log10(c))
    d = np.array(A) - np.array(C)
    if d[0] <= 15.9:
        return A[0]
    k = np.nonzero(d <= 15.9)[0]
    if len(k) == 0:
        return A[-1]
    k = k[0]
    t = (d[k - 1] - 15.9) / (d[k - 1] - d[k])
    return A[k - 1] + t * (A[k] - A[k - 1])

def ok(name, cond, why=""):
    print(("PASS: %s" % name) if cond else ("FAIL: %s: %s" % (name, why)))

def read(path):
    x, fs = sf.read(path, dtype="float32")
    return x.astype(np.float64), fs

def original(path):
    """an input as dc-mix takes it: its mean (a DC offset) removed, in float32"""
    x, fs = sf.read(path, dtype="float32")
    return (x - np.float32(x.astype(np.float64).mean())).astype(np.float64), fs

def check_row(tag, row, base_out, base_in, level):
    """one line of list.tsv or of single mode's stdout"""
    f = row.rstrip("\n").split("\t")
    ok(tag + ": 6 columns", len(f) == 6, repr(f))
    if len(f) != 6:
        return
    rid, mix, srcs, origs, gains, n = f
    srcs, origs = srcs.split(","), origs.split(",")
    gains = [float(g) for g in gains.split(",")]
    n = int(n)
    k = len(srcs)
    ok(tag + ": one original and one gain per source", len(origs) == k and len(gains) == k)
    m, fs = read(os.path.join(base_out, mix))
    s = [read(os.path.join(base_out, p))[0] for p in srcs]
    x = [original(os.path.join(base_in, p))[0] for p in origs]
    ok(tag + ": mixture has the printed length", len(m) == n, "%d vs %d" % (len(m), n))
    ok(tag + ": length is the shortest input", n == min(len(v) for v in x),
       "%d vs %s" % (n, [len(v) for v in x]))
    ok(tag + ": sources as long as the mixture", all(len(v) == n for v in s))
    err = np.max(np.abs(m - sum(s)))
    ok(tag + ": sources sum to the mixture (%.2g)" % err, err < 1e-6)
    peak = max(np.max(np.abs(m)), max(np.max(np.abs(v)) for v in s))
    ok(tag + ": peak <= 0.9 (%.6f)" % peak, peak <= 0.9 + 1e-6)
    # each source is its original times one factor; that factor, with the
    # original's active level, gives the level it was set to
    out = []
    for j in range(k):
        xs = x[j][:n]
        fac = np.dot(s[j], xs) / np.dot(xs, xs)
        res = np.max(np.abs(s[j] - fac * xs))
        ok("%s: s%d is a scaled original (residual %.2g)" % (tag, j + 1, res), res < 1e-6)
        out.append(p56(x[j], fs) + 20 * np.log10(fac))
    # every source at level + gain + a common scale (0 dB unless the peak was hit)
    common = [out[j] - gains[j] for j in range(k)]
    spread = max(common) - min(common)
    ok(tag + ": levels minus gains agree (spread %.4f dB)" % spread, spread < 0.01)
    scale = np.mean(common) - level
    if peak < 0.9 - 1e-4:
        ok(tag + ": active level %.4f + gain (no peak scaling)" % level, abs(scale) < 0.01,
           "off by %.4f dB" % scale)
    else:
        ok(tag + ": peak scaled to 0.9 (%.6f), levels lowered (%.3f dB)" % (peak, scale),
           abs(peak - 0.9) < 1e-6 and scale < 0)
    for j in range(1, k):
        rel = out[0] - out[j]
        ok("%s: s1 over s%d is %.4f dB as drawn (%.4f)" % (tag, j + 1, gains[0] - gains[j], rel),
           abs(rel - (gains[0] - gains[j])) < 0.01)
    return gains

def peak_hz(path):
    x, fs = read(path)
    X = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.argmax(X) * fs / len(x)

cmd = sys.argv[1]
if cmd == "tone":       # tone NAME FILE HZ: the strongest frequency is HZ within 2 Hz
    f = peak_hz(sys.argv[3])
    ok("%s: peak at %.1f Hz, expected %s" % (sys.argv[2], f, sys.argv[4]), abs(f - float(sys.argv[4])) <= 2)
elif cmd == "speeds":   # speeds OUTDIR CORPUSDIR LO HI: list.tsv of a run with -p
    out, corpus, lo, hi = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    rows = open(os.path.join(out, "list.tsv")).read().splitlines()
    ok("-p list: header", rows[0] == "id\tmix\tsources\toriginals\tgains_db\tsamples\tspeeds", repr(rows[0]))
    for row in rows[1:]:
        f = row.split("\t")
        tag = "-p list %s" % f[0]
        sp = [float(v) for v in f[6].split(",")]
        ok(tag + ": speeds %s within [%g, %g]" % (f[6], lo, hi), all(lo <= v <= hi for v in sp))
        x = [read(os.path.join(corpus, p))[0] for p in f[3].split(",")]
        want = min(len(v) / r for v, r in zip(x, sp))
        ok(tag + ": length %s is the shortest sped-up input (%.1f)" % (f[5], want), abs(int(f[5]) - want) <= 1)
        m = read(os.path.join(out, f[1]))[0]
        s = [read(os.path.join(out, p))[0] for p in f[2].split(",")]
        err = np.max(np.abs(m - sum(s)))
        ok(tag + ": sources sum to the mixture (%.2g)" % err, len(m) == int(f[5]) and err < 1e-6)
elif cmd == "single":     # single LINEFILE LEVEL: the stdout line of a run in cwd
    check_row(sys.argv[4] if len(sys.argv) > 4 else "single", open(sys.argv[2]).read(),
              ".", ".", float(sys.argv[3]))
elif cmd == "list":     # list OUTDIR CORPUSDIR K
    out, corpus, k = sys.argv[2], sys.argv[3], int(sys.argv[4])
    rows = open(os.path.join(out, "list.tsv")).read().splitlines()
    ok("list: header", rows[0] == "id\tmix\tsources\toriginals\tgains_db\tsamples", repr(rows[0]))
    for i, row in enumerate(rows[1:], 1):
        f = row.split("\t")
        tag = "list %s" % f[0]
        ok(tag + ": id numbered", f[0] == "%06d" % i, f[0])
        ok(tag + ": file names", f[1] == "mix/%s.wav" % f[0] and
           f[2] == ",".join("s%d/%s.wav" % (j, f[0]) for j in range(1, k + 1)), row)
        spk = [p.split("/")[-2] for p in f[3].split(",")]
        ok(tag + ": %d distinct speakers %s" % (k, spk), len(set(spk)) == k)
        ok(tag + ": file of its speaker", all(os.path.basename(p).startswith(sp + "_")
                                               for p, sp in zip(f[3].split(","), spk)))
        check_row(tag, row, out, corpus, -25)
EOF

# ---- single mode
check "two files: exit 0, quiet" 0 '' dc-mix -s 11 -o mix.wav -O 'src%k.wav' "$A" "$B"
cp out line11
same "two files: id, file names" "$(cut -f 1-4 line11)" "mix	mix.wav	src1.wav,src2.wav	$A,$B"
g1=$(cut -f 5 line11 | cut -d, -f 1)
g2=$(cut -f 5 line11 | cut -d, -f 2)
num "two files: SNR >= 0" "$g1" '>=' 0
num "two files: SNR <= 5" "$g1" '<=' 2.5
same "two files: gains +snr/2, -snr/2" "$(awk -v a="$g1" -v b="$g2" 'BEGIN { print a + b == 0 }')" 1
"$PY" "$T/ref.py" single line11 -25 "2 speakers"
mkdir -p keep11 && cp mix.wav src1.wav src2.wav keep11/
# the SNR is uniform in [0, 5] dB: source 1's gain, +SNR/2, over 60 seeds spans
# [0, 2.5] (a range drawn too narrow or too wide shows)
for s in $(seq 1 60); do
	dc-mix -s $s -o snr.wav "$A" "$B" | cut -f 5 | cut -d, -f 1
done >gains60
same "60 seeds: SNR/2 in [0, 2.5], the lowest below 0.25, the highest above 2.25, mean 1.25 +- 0.3" \
    "$(awk '{ n++; s += $1; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
    END { print n, (lo >= 0 && lo < 0.25), (hi <= 2.5 && hi > 2.25), (s / n > 0.95 && s / n < 1.55) }' gains60)" \
    "60 1 1 1"

check "same seed: exit 0" 0 '' dc-mix -s 11 -o mix.wav -O 'src%k.wav' "$A" "$B"
same "same seed: same line" "$(cat out)" "$(cat line11)"
for f in mix.wav src1.wav src2.wav; do
	if cmp -s $f keep11/$f; then pass "same seed: $f identical bytes"; else fail "same seed: $f" "differs"; fi
done
check "other seed: exit 0" 0 '' dc-mix -s 12 -o mix.wav -O 'src%k.wav' "$A" "$B"
if cmp -s mix.wav keep11/mix.wav; then fail "other seed: mixture differs" "identical"; else pass "other seed: mixture differs"; fi
if [ "$(cut -f 5 out)" != "$(cut -f 5 line11)" ]; then pass "other seed: other gains"; else fail "other seed: other gains" "same"; fi
"$PY" "$T/ref.py" single out -25 "seed 12"
check "default seed is 0" 0 '' dc-mix -o m0.wav "$A" "$B"
cp out line0
check "-s 0" 0 '' dc-mix -s 0 -o m0.wav "$A" "$B"
same "default seed is 0: same gains" "$(cut -f 5 out)" "$(cut -f 5 line0)"
same "no -O: sources column '-'" "$(cut -f 3 out)" "-,-"

# longer file first or second: the length is the shortest either way
check "order B A" 0 '' dc-mix -s 3 -o ba.wav -O 'ba%k.wav' "$B" "$A"
"$PY" "$T/ref.py" single out -25 "B first"
check "ls with so" 0 '' dc-mix -s 4 -o la.wav -O 'la%k.wav' "$L" "$C"
"$PY" "$T/ref.py" single out -25 "ls and so"
# a DC offset is no speech: removed before the level (the corpus has a file
# with one of -0.25, whose speech P.56 would otherwise measure 20 dB too loud)
"$PY" -c "import soundfile as sf; x, fs = sf.read('$C', dtype='float32'); sf.write('dc.wav', x - 0.25, fs, subtype='FLOAT')"
check "a DC offset of -0.25" 0 '' dc-mix -g 0 -o dm.wav -O 'dm%k.wav' dc.wav "$A"
"$PY" "$T/ref.py" single out -25 "DC offset"
same "a DC offset: the mixture as the one without it" \
    "$(dc-mix -g 0 -o dn.wav "$C" "$A" | cut -f 5); $("$PY" -c "
import soundfile as sf, numpy as np
a, b = sf.read('dm.wav')[0], sf.read('dn.wav')[0]
print('%.4f' % abs(10 * np.log10(np.sum(a * a) / np.sum(b * b))))")" "0.0000,0.0000; 0.0000"

check "-g 3: exit 0" 0 '' dc-mix -g 3 -o g.wav -O 'g%k.wav' "$A" "$C"
same "-g 3: gains" "$(cut -f 5 out)" "1.5000,-1.5000"
"$PY" "$T/ref.py" single out -25 "-g 3"
check "-g -4.5: exit 0" 0 '' dc-mix -g -4.5 -o g.wav -O 'g%k.wav' "$A" "$C"
same "-g -4.5: gains" "$(cut -f 5 out)" "-2.2500,2.2500"
check "-G 10,10" 0 '' dc-mix -G 10,10 -o g.wav -O 'g%k.wav' "$A" "$C"
same "-G 10,10: gains" "$(cut -f 5 out)" "5.0000,-5.0000"
"$PY" "$T/ref.py" single out -25 "-G 10,10"
check "-l -30" 0 '' dc-mix -l -30 -s 5 -o l.wav -O 'l%k.wav' "$A" "$B"
"$PY" "$T/ref.py" single out -30 "-l -30"
check "-l 0 (peak scaling)" 0 '' dc-mix -l 0 -s 5 -o p.wav -O 'p%k.wav' "$A" "$B"
"$PY" "$T/ref.py" single out 0 "-l 0"

mkdir -p x
check "three files: exit 0" 0 '' dc-mix -s 9 -o m3.wav -O 'x/s%k.wav' "$A" "$L" "$C"
same "three files: sources" "$(cut -f 3 out)" "x/s1.wav,x/s2.wav,x/s3.wav"
"$PY" "$T/ref.py" single out -25 "3 speakers"
same "three files: gains within +-2.5" \
    "$(cut -f 5 out | tr , '\n' | awk '$1 < -2.5 || $1 > 2.5 { bad++ } END { print NR, bad + 0 }')" "3 0"
check "three files -g 4" 0 '' dc-mix -g 4 -o m3.wav -O 'y%k.wav' "$A" "$L" "$C"
same "three files -g 4: gains spread evenly" "$(cut -f 5 out)" "2.0000,0.0000,-2.0000"
"$PY" "$T/ref.py" single out -25 "3 speakers -g 4"
check "five files -G 0,2" 0 '' dc-mix -G 0,2 -s 1 -o m5.wav -O 'f%k.wav' "$A" "$B" "$C" "$L" "$E"
same "five files: gains within +-1" \
    "$(cut -f 5 out | tr , '\n' | awk '$1 < -1 || $1 > 1 { bad++ } END { print NR, bad + 0 }')" "5 0"
"$PY" "$T/ref.py" single out -25 "5 speakers"
check "template %%" 0 '' dc-mix -o pc.wav -O 'p%%%k.wav' "$A" "$B"
same "template %%: names" "$(cut -f 3 out)" "p%1.wav,p%2.wav"

# a stereo 16 kHz input is mixed down and resampled, and says so
sox -q "$A" -r 16000 -c 2 st.wav
check "stereo 16 kHz input" 0 "dc-mix: st.wav: 2 channels mixed down to mono
dc-mix: st.wav: resampled from 16000 Hz to 8000 Hz" dc-mix -o st-mix.wav st.wav "$B"

# ---- speed perturbation: tones show the factor as a shift in pitch
sox -q -n -r 8000 -c 1 -b 16 t400.wav synth 2 sine 400 gain -6
sox -q -n -r 8000 -c 1 -b 16 t600.wav synth 3 sine 600 gain -6
check "-p 1.25,1.25: exit 0" 0 '' dc-mix -p 1.25,1.25 -o tp.wav -O 'tp%k.wav' t400.wav t600.wav
same "-p 1.25,1.25: speeds column" "$(cut -f 7 out)" "1.2500,1.2500"
same "-p 1.25,1.25: length is 2 s / 1.25" "$(cut -f 6 out)" 12800
"$PY" "$T/ref.py" tone "-p 1.25: 400 Hz source" tp1.wav 500
"$PY" "$T/ref.py" tone "-p 1.25: 600 Hz source" tp2.wav 750
check "-p 0.8,0.8: exit 0" 0 '' dc-mix -p 0.8,0.8 -o tq.wav -O 'tq%k.wav' t400.wav t600.wav
same "-p 0.8,0.8: length is 2 s / 0.8" "$(cut -f 6 out)" 20000
"$PY" "$T/ref.py" tone "-p 0.8: 400 Hz source" tq1.wav 320
check "-p 1,1: exit 0" 0 '' dc-mix -p 1,1 -s 11 -o mix.wav -O 'src%k.wav' "$A" "$B"
same "-p 1,1: the line of no -p, and speeds" "$(cat out)" "$(cat line11)	1.0000,1.0000"
for f in mix.wav src1.wav src2.wav; do
	if cmp -s $f keep11/$f; then pass "-p 1,1: $f as without -p"; else fail "-p 1,1: $f" "differs"; fi
done
check "-p 0.9,1.1: exit 0" 0 '' dc-mix -p 0.9,1.1 -s 11 -o mix.wav -O 'src%k.wav' "$A" "$B"
same "-p 0.9,1.1: gains as without -p" "$(cut -f 1-5 out)" "$(cut -f 1-5 line11)"
same "-p 0.9,1.1: two speeds in range" \
    "$(cut -f 7 out | tr , '\n' | awk '$1 >= 0.9 && $1 <= 1.1 && length($1) == 6 { n++ } END { print n + 0 }')" 2

# ---- errors in single mode
rm -f e*.wav
check "missing file" 1 "dc-mix: nothere.flac: No such file or directory" \
    dc-mix -o emix.wav -O 'es%k.wav' "$A" nothere.flac
echo "not audio at all" >notaudio.wav
check "not audio" 1 "dc-mix: notaudio.wav: Format not recognised" \
    dc-mix -o emix.wav -O 'es%k.wav' "$A" notaudio.wav
sox -q -D -n -r 8000 -c 1 -b 16 silent.wav trim 0 1
check "silent input" 1 "dc-mix: silent.wav: no active speech (the signal is silent)" \
    dc-mix -o emix.wav -O 'es%k.wav' silent.wav "$A"
# dither alone: +-1 LSB of 16 bits at random, active level about -95 dB
"$PY" -c "
import numpy as np, soundfile as sf
r = np.random.default_rng(1)
sf.write('dither.wav', r.integers(-1, 2, 8000).astype(np.int16), 8000, subtype='PCM_16')"
check "dither only" 1 "*" dc-mix -o emix.wav -O 'es%k.wav' "$A" dither.wav
same "dither only: message" "$(sed 's/level -[0-9.]* dB/level X dB/' err)" \
    "dc-mix: dither.wav: no active speech (active level X dB, below -70 dB)"
: >blank.wav
check "empty file" 1 "dc-mix: blank.wav: empty file" dc-mix -o emix.wav "$A" blank.wav
check "one input" 2 "dc-mix: at least 2 input files are needed, not 1" dc-mix -o emix.wav "$A"
check "no input" 2 "dc-mix: at least 2 input files are needed, not 0" dc-mix -o emix.wav
check "nine inputs" 2 "dc-mix: at most 8 input files, not 9" \
    dc-mix -o emix.wav "$A" "$A" "$A" "$A" "$A" "$A" "$A" "$A" "$A"
check "no -o" 2 "dc-mix: -o: an output file is required" dc-mix "$A" "$B"
check "-o -" 2 "dc-mix: -o: a file, not stdout (stdout carries the summary line)" dc-mix -o - "$A" "$B"
check "-O without %k" 2 "dc-mix: -O: template needs %k (the source number) and no other % but %%: s.wav" \
    dc-mix -o emix.wav -O s.wav "$A" "$B"
check "-O with %d" 2 "dc-mix: -O: template needs %k (the source number) and no other % but %%: s%k%d.wav" \
    dc-mix -o emix.wav -O 's%k%d.wav' "$A" "$B"
check "-s -1" 2 "dc-mix: -s: seed must be an integer from 0 to 2^63-1: -1" dc-mix -s -1 -o emix.wav "$A" "$B"
check "-s x" 2 "dc-mix: -s: seed must be an integer from 0 to 2^63-1: x" dc-mix -s x -o emix.wav "$A" "$B"
check "-g 61" 2 "dc-mix: -g: SNR must be a number of dB from -60 to 60: 61" dc-mix -g 61 -o emix.wav "$A" "$B"
check "-G 5,1" 2 "dc-mix: -G: range must be lo,hi in dB, -60 <= lo <= hi <= 60: 5,1" dc-mix -G 5,1 -o emix.wav "$A" "$B"
check "-G 5" 2 "dc-mix: -G: range must be lo,hi in dB, -60 <= lo <= hi <= 60: 5" dc-mix -G 5 -o emix.wav "$A" "$B"
check "-G a,b" 2 "dc-mix: -G: range must be lo,hi in dB, -60 <= lo <= hi <= 60: a,b" dc-mix -G a,b -o emix.wav "$A" "$B"
check "-p 0.4,1" 2 "dc-mix: -p: range must be lo,hi, 0.5 <= lo <= hi <= 2: 0.4,1" dc-mix -p 0.4,1 -o emix.wav "$A" "$B"
check "-p 1.2,1.1" 2 "dc-mix: -p: range must be lo,hi, 0.5 <= lo <= hi <= 2: 1.2,1.1" dc-mix -p 1.2,1.1 -o emix.wav "$A" "$B"
check "-p 1" 2 "dc-mix: -p: range must be lo,hi, 0.5 <= lo <= hi <= 2: 1" dc-mix -p 1 -o emix.wav "$A" "$B"
check "-p 1,nan" 2 "dc-mix: -p: range must be lo,hi, 0.5 <= lo <= hi <= 2: 1,nan" dc-mix -p 1,nan -o emix.wav "$A" "$B"
check "-g and -G" 2 "dc-mix: -g and -G exclude each other" dc-mix -g 1 -G 0,5 -o emix.wav "$A" "$B"
check "-l 1" 2 "dc-mix: -l: level must be a number of dB from -100 to 0: 1" dc-mix -l 1 -o emix.wav "$A" "$B"
check "-r 0" 2 "dc-mix: -r: sample rate must be an integer from 1 to 1000000: 0" dc-mix -r 0 -o emix.wav "$A" "$B"
check "-k without -n" 2 "dc-mix: -k: only with -n" dc-mix -k 2 -o emix.wav "$A" "$B"
check "-m without -n" 2 "dc-mix: -m: only with -n" dc-mix -m 2 -o emix.wav "$A" "$B"
check "-S without -n" 2 "dc-mix: -S: only with -n" dc-mix -S x -o emix.wav "$A" "$B"
check "unknown option" 2 "*" dc-mix -x -o emix.wav "$A" "$B"
same "unknown option: usage" "$(sed -n 2p err | cut -c 1-14)" "usage: dc-mix "
check "-h" 0 '' dc-mix -h
same "-h: usage on stdout" "$(head -c 14 out)" "usage: dc-mix "
same "errors: no output file left" "$(ls e*.wav 2>/dev/null)" ""

# outputs that cannot be written: exit 1 and no file left behind
check "mixture into a missing dir" 1 "dc-mix: nodir/mix.wav: No such file or directory" \
    dc-mix -o nodir/mix.wav -O 'w%k.wav' "$A" "$B"
mkdir -p wd
check "second source unwritable" 1 "dc-mix: wd/s2/w.wav: No such file or directory" \
    sh -c "mkdir -p wd/s1 && dc-mix -o wd/mix.wav -O 'wd/s%k/w.wav' '$A' '$B'"
same "second source unwritable: nothing left" "$(find wd -type f)" ""
# a source name too long for rename(2): refused before anything is written, so
# the mixture the user had is not replaced (the temporaries' names are short)
echo keep >wd/keep.wav
ylong=$(printf '%0260d' 0)
check "a source's name too long" 1 "dc-mix: wd/${ylong}1.wav: File name too long" \
    dc-mix -o wd/keep.wav -O "wd/$ylong%k.wav" "$A" "$B"
same "a source's name too long: the mixture kept, no summary" "$(cat wd/keep.wav out)" "keep"
rm wd/keep.wav
: >wd/file
check "under a regular file" 1 "dc-mix: wd/file/mix.wav: Not a directory" dc-mix -o wd/file/mix.wav "$A" "$B"
check "stdout full" 1 "dc-mix: stdout: No space left on device" \
    sh -c "dc-mix -o wd/full.wav -O 'wd/f%k.wav' '$A' '$B' >/dev/full"
same "stdout full: nothing left" "$(find wd -type f)" "wd/file"

# ---- list mode on a tiny corpus: five speakers, one with a second utterance and
# one with only a 0.5 s utterance
mkdir -p corpus/train
for f in "$A" "$B" "$C" "$L" "$E"; do
	b=$(basename "$f")
	spk=${b%%_*}
	mkdir -p "corpus/train/$spk"
	cp "$f" "corpus/train/$spk/"
done
sox -q "$L" corpus/train/so0036/so0036_second.flac trim 1 2.5
mkdir -p corpus/train/fsdd-x
sox -q "$A" corpus/train/fsdd-x/fsdd-x_0.wav trim 0 0.5
echo "readme" >corpus/train/so0036/README.txt

check "list: 6 mixtures" 0 "dc-mix: 1 speaker without an utterance of at least 1 s skipped: fsdd-x" \
    dc-mix -n 6 -s 5 -o out5 corpus
same "list: files" "$(cd out5 && find . -type f | sort | tr '\n' ' ')" \
    "./list.tsv $(for d in mix s1 s2; do for i in 1 2 3 4 5 6; do printf './%s/00000%d.wav ' $d $i; done; done)"
same "list: 7 lines" "$(wc -l <out5/list.tsv)" 7
"$PY" "$T/ref.py" list out5 corpus 2
same "list: originals under train/" "$(sed 1d out5/list.tsv | cut -f 4 | tr , '\n' | grep -vc '^train/so[0-9]*/\|^train/ls[0-9]*/')" 0

check "list: same seed again" 0 '*' dc-mix -n 6 -s 5 -o out5b corpus
if diff -r out5 out5b >/dev/null; then pass "list: same seed, same bytes"; else fail "list: same seed" "differs"; fi
check "list: prefix" 0 '*' dc-mix -n 3 -s 5 -o out5c corpus
same "list: 3 mixtures are the first 3 of 6" "$(cat out5c/list.tsv)" "$(head -n 4 out5/list.tsv)"
# a rerun into a set's directory replaces the set: the files of the old list the
# new set does not write go, and nothing else (a file of the user's, a name the
# old list gives that dc-mix never writes, a path out of the directory)
cp -r out5 outR
echo mine >outR/mix/notes.txt
echo keep >outR/mix/000007.flac
echo keep >victim.wav
printf 'x\t../victim.wav\tmix/notes.txt,s1/../../victim.wav\n' >>outR/list.tsv
check "list: a rerun with fewer: the previous set's other files removed, said" 0 \
    "dc-mix: 1 speaker without an utterance of at least 1 s skipped: fsdd-x
dc-mix: outR: 9 files of the previous set removed (its list.tsv named them; this set does not)" \
    dc-mix -n 3 -s 5 -o outR corpus
same "list: a rerun with fewer: one set, as its list says, the user's files kept" \
    "$(cd outR && find . -type f | sort | tr '\n' ' ')" \
    "./list.tsv ./mix/000001.wav ./mix/000002.wav ./mix/000003.wav ./mix/000007.flac ./mix/notes.txt ./s1/000001.wav ./s1/000002.wav ./s1/000003.wav ./s2/000001.wav ./s2/000002.wav ./s2/000003.wav "
same "list: a rerun: nothing out of the directory removed" "$(cat victim.wav)" keep
same "list: a rerun: the same files as a fresh set" "$(cd outR && cat list.tsv mix/000003.wav s2/000003.wav | cksum)" \
    "$(cd out5c && cat list.tsv mix/000003.wav s2/000003.wav | cksum)"
check "list: a rerun with fewer sources" 0 '*' dc-mix -n 2 -k 3 -s 5 -o outK corpus
check "list: ... then 2 sources: s3/ goes with its files" 0 '*' dc-mix -n 2 -k 2 -s 5 -o outK corpus
same "list: ... s3/ gone" "$(ls outK | tr '\n' ' ')" "list.tsv mix s1 s2 "
# ... never through a link: a set's sK/ that is a link to elsewhere keeps that
# directory's files; a list.tsv that is a FIFO, or a link to /dev/zero, is no list
check "list: a set of 3 sources, again" 0 '*' dc-mix -n 2 -k 3 -s 5 -o outL corpus
mkdir elsewhere && echo precious >elsewhere/000001.wav
rm -r outL/s3 && ln -s ../elsewhere outL/s3
check "list: ... then 2: s3/ a link: not followed" 0 '*' dc-mix -n 2 -k 2 -s 5 -o outL corpus
same "list: ... the file it leads to kept" "$(cat elsewhere/000001.wav)" precious
mkdir outFifo && mkfifo outFifo/list.tsv
check "list: list.tsv a FIFO: refused at once, one line" 1 "dc-mix: outFifo/list.tsv: not a regular file (a set's list is one)" \
    timeout 20 dc-mix -n 2 -s 5 -o outFifo corpus
mkdir outZero && ln -s /dev/zero outZero/list.tsv
check "list: list.tsv a link to /dev/zero: refused" 1 "dc-mix: outZero/list.tsv: not a regular file (a set's list is one)" \
    timeout 20 dc-mix -n 2 -s 5 -o outZero corpus
same "list: ... nothing written" "$(ls outFifo/mix outZero/mix)" "outFifo/mix:

outZero/mix:"
# a set's directory that is a link into the corpus: its utterances are not written over
mkdir -p linkC && ln -s ../corpus/train/so0036 linkC/mix
before=$(cksum corpus/train/so0036/* | sort)
check "list: mix/ a link into the corpus: refused, one line" 1 \
    "dc-mix: linkC/mix: leads into the corpus corpus (a link?): the set would be written over what it reads" \
    dc-mix -n 1 -s 5 -o linkC corpus
same "list: ... the corpus as it was" "$(cksum corpus/train/so0036/* | sort)" "$before"
check "list: other seed" 0 '*' dc-mix -n 6 -s 6 -o out6 corpus
if cmp -s out5/list.tsv out6/list.tsv; then fail "list: other seed, other list" "same"; else pass "list: other seed, other list"; fi
check "list: corpus path with a slash" 0 '*' dc-mix -n 6 -s 5 -o out5d "$T/corpus/"
# the speakers are corpus/train's: a set made there is refused, and one
# beside train/ in the corpus too (a shared corpus is not written into)
skipped="dc-mix: 1 speaker without an utterance of at least 1 s skipped: fsdd-x"
check "list: the output directory the corpus" 1 \
    "dc-mix: corpus/train/: the output directory is in the corpus corpus: a set is made outside what it is drawn from" \
    dc-mix -n 2 -o corpus/train/ corpus
check "list: the output directory in the corpus, not there yet" 1 \
    "dc-mix: ./corpus/train/new/set: the output directory is in the corpus $T/corpus/: a set is made outside what it is drawn from" \
    dc-mix -n 2 -o ./corpus/train/new/set "$T/corpus/"
check "list: the output directory beside train/ in the corpus" 1 \
    "dc-mix: corpus/x: the output directory is in the corpus corpus: a set is made outside what it is drawn from" \
    dc-mix -n 2 -o corpus/x corpus
mkdir -p linkX && ln -s ../corpus linkX/mix
check "list: mix/ a link into the corpus beside train/" 1 \
    "dc-mix: linkX/mix: leads into the corpus corpus (a link?): the set would be written over what it reads" \
    dc-mix -n 1 -s 5 -o linkX corpus
same "list: nothing made in the corpus" "$(ls -d corpus/x corpus/mix corpus/train/new corpus/train/mix corpus/train/list.tsv 2>/dev/null)" ""
if cmp -s out5/list.tsv out5d/list.tsv; then pass "list: list independent of the corpus path"; else fail "list: corpus path" "list differs"; fi

check "list: -p 0.9,1.1" 0 '*' dc-mix -n 6 -s 5 -p 0.9,1.1 -o outP corpus
"$PY" "$T/ref.py" speeds outP corpus 0.9 1.1
same "list: -p: mixture 1 draws as without -p" "$(sed -n 2p outP/list.tsv | cut -f 1-5)" "$(sed -n 2p out5/list.tsv | cut -f 1-5)"
check "list: -p again" 0 '*' dc-mix -n 6 -s 5 -p 0.9,1.1 -o outP2 corpus
if diff -r outP outP2 >/dev/null; then pass "list: -p: same seed, same bytes"; else fail "list: -p: same seed" "differs"; fi

check "list: -k 3" 0 '*' dc-mix -n 5 -k 3 -s 2 -o out3 corpus
"$PY" "$T/ref.py" list out3 corpus 3
check "list: -k 4" 0 '*' dc-mix -n 3 -k 4 -s 2 -o out4 corpus
"$PY" "$T/ref.py" list out4 corpus 4
check "list: -k 5, every speaker" 0 '*' dc-mix -n 2 -k 5 -s 2 -o outk5 corpus
check "list: -k 6 too many: one line, with who was skipped" 1 \
    "dc-mix: -k 6: only 5 speakers with an utterance of at least 1 s (1 skipped: fsdd-x)" dc-mix -n 2 -k 6 -o outk6 corpus
same "list: -k 6: no list" "$(ls outk6/list.tsv 2>/dev/null)" ""
check "list: -m 0 keeps the short one" 0 '' dc-mix -n 2 -k 6 -m 0 -o outm0 corpus
same "list: -m 0: the short speaker is in" "$(cut -f 4 outm0/list.tsv | grep -c fsdd-x)" 2
check "list: -m 3.1 leaves 3 speakers" 1 \
    "dc-mix: -k 4: only 3 speakers with an utterance of at least 3.1 s (3 skipped: fsdd-x so0048 so0053)" \
    dc-mix -n 2 -k 4 -m 3.1 -o outm corpus

printf 'so0036\n\n# a comment\nls1034  \nso0053\n' >three.txt
check "list: -S three speakers" 0 '' dc-mix -n 8 -k 2 -S three.txt -o outS corpus
same "list: -S: only those speakers" \
    "$(sed 1d outS/list.tsv | cut -f 4 | tr , '\n' | cut -d/ -f 2 | sort -u | tr '\n' ' ')" "ls1034 so0036 so0053 "
check "list: -S three, -k 4" 1 "dc-mix: -k 4: only 3 speakers with an utterance of at least 1 s" \
    dc-mix -n 2 -k 4 -S three.txt -o outS4 corpus
printf 'so0036\nnobody\n' >bad.txt
check "list: -S unknown speaker" 1 "dc-mix: bad.txt:2: corpus/train/nobody: No such file or directory" \
    dc-mix -n 2 -S bad.txt -o outB corpus
printf 'so0036\nls1034\nso0036\n' >dup.txt
check "list: -S duplicate" 1 "dc-mix: dup.txt:3: so0036 listed twice" dc-mix -n 2 -S dup.txt -o outB corpus
printf 'so0036\n../x\n' >path.txt
check "list: -S a path" 1 "dc-mix: path.txt:2: not a speaker name: ../x" dc-mix -n 2 -S path.txt -o outB corpus
check "list: -S missing file" 1 "dc-mix: nolist.txt: No such file or directory" dc-mix -n 2 -S nolist.txt -o outB corpus
printf 'so0036\nls\000x\n' >nul.txt
check "list: -S a NUL byte" 1 "dc-mix: nul.txt: not a text file" dc-mix -n 2 -S nul.txt -o outB corpus
# long names: the file's name and line in full, and the reason after a long path
long=$(printf '%080d' 0).txt
cp bad.txt "$long"
check "list: -S of a long name: its line named" 1 \
    "dc-mix: $long:2: corpus/train/nobody: No such file or directory" dc-mix -n 2 -S "$long" -o outB corpus
deep=$(printf '%0250d' 0)
deep=deep/$deep/$deep/$deep/$deep/$deep
mkdir -p "$deep"
printf 'nobody\n' >nobody.txt
check "list: -S, a corpus of a long path: the reason" 1 \
    "dc-mix: nobody.txt:1: $deep/nobody: No such file or directory" dc-mix -n 2 -S nobody.txt -o outB "$deep"

# speakers right under the corpus directory, no train/
mkdir -p flat
cp -r corpus/train/so0036 corpus/train/so0053 flat/
check "list: flat corpus" 0 '' dc-mix -n 2 -o outF flat
same "list: flat corpus: originals relative to it" "$(sed -n 2p outF/list.tsv | cut -f 4 | tr , '\n' | grep -c '^so00[35][36]/')" 2
"$PY" "$T/ref.py" list outF flat 2

# a corrupt utterance in the corpus
mkdir -p badcorpus/a badcorpus/b
cp "$A" badcorpus/a/
echo junk >badcorpus/b/b_1.flac
check "list: corrupt utterance" 1 "dc-mix: badcorpus/b/b_1.flac: Format not recognised" dc-mix -n 1 -o outC badcorpus

check "list: missing corpus" 1 "dc-mix: nocorpus: No such file or directory" dc-mix -n 2 -o outX nocorpus
check "list: corpus is a file" 1 "dc-mix: three.txt: Not a directory" dc-mix -n 2 -o outX three.txt
check "list: outdir parent missing" 1 "dc-mix: no/such/out: No such file or directory" dc-mix -n 2 -o no/such/out flat
check "list: outdir is a file" 1 "dc-mix: three.txt: Not a directory" dc-mix -n 2 -o three.txt flat
check "list: -n 0" 2 "dc-mix: -n: count must be an integer from 1 to 100000000: 0" dc-mix -n 0 -o outX corpus
check "list: -k 0" 2 "dc-mix: -k: speakers must be an integer from 1 to 8: 0" dc-mix -n 2 -k 0 -o outX corpus
check "list: -k 9" 2 "dc-mix: -k: speakers must be an integer from 1 to 8: 9" dc-mix -n 2 -k 9 -o outX corpus
check "list: -m -1" 2 "dc-mix: -m: minsec must be a number of seconds from 0 to 3600: -1" dc-mix -n 2 -m -1 -o outX corpus
check "list: -O" 2 "dc-mix: -O: not with -n (sources go to outdir/s1, outdir/s2, ...)" dc-mix -n 2 -O 's%k.wav' -o outX corpus
check "list: two corpora" 2 "dc-mix: -n: one corpus directory expected, not 2 operands" dc-mix -n 2 -o outX corpus flat
check "list: no -o" 2 "dc-mix: -o: an output directory is required" dc-mix -n 2 corpus
same "list: errors before mixing made no output" "$(ls -d outX outB outS4 outC outm outk6 2>/dev/null)" ""

# an utterance that fails only when mixed: the directories stay, no list.tsv and
# no file of the failed mixture
mkdir -p silentcorpus/a silentcorpus/s
cp "$A" silentcorpus/a/
sox -q -D -n -r 8000 -c 1 -b 16 silentcorpus/s/s_1.wav trim 0 2
check "list: silent utterance" 1 "dc-mix: silentcorpus/s/s_1.wav: no active speech (the signal is silent)" \
    dc-mix -n 1 -o outQ silentcorpus
same "list: silent utterance: empty directories, no list" "$(find outQ | sort | tr '\n' ' ')" "outQ outQ/mix outQ/s1 outQ/s2 "
