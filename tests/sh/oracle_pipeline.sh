#!/bin/sh
# oracle_pipeline.sh: dc-stft | dc-oracle | dc-mask | dc-istft on real two-speaker
# mixtures made here from tests/data/speech: the oracle masks must separate (SI-SDR
# improvement over the mixture, measured with numpy); dc-oracle -R, list mode,
# pass-through, and dc-oracle's errors with their exact messages.
. "$ROOT/tests/lib.sh"
SP="$DATA/speech"
export PYTHONPATH="$ROOT/tests/sh"

# two 0 dB mixtures of different speakers, as float WAVs: A (so0036 F + so0054 M),
# B (ls1034 M + so0048 M); and a 16 kHz copy of A's first source
"$PY" - "$SP" <<'EOF' || fail "make mixtures" "python failed"
import sys, oracle_lib as L
sp = sys.argv[1]
L.make_mix(sp + "/so0036_000360332.flac", sp + "/so0054_000540031.flac", "mixA.wav", "a1.wav", "a2.wav")
L.make_mix(sp + "/ls1034_1034-121119-0000.flac", sp + "/so0048_000480014.flac", "mixB.wav", "b1.wav", "b2.wav")
EOF
sox a1.wav -r 16000 a1_16k.wav 2>/dev/null
sox a1.wav short.wav trim 0 1000s 2>/dev/null

dc-stft mixA.wav >mixA.dcs
dc-stft mixB.wav >mixB.dcs

# sep MODE: dc-oracle -m MODE and dc-mask on mixture A; then SI-SDRi of the
# numpy inverse of the masked record, and of dc-istft's files when it exists
sep() {
	m=$1
	check_in "$m: dc-oracle" 0 '' mixA.dcs dc-oracle -m "$m" a1.wav a2.wav
	cp out "$m.dcs"
	check_in "$m: dc-mask" 0 '' "$m.dcs" dc-mask
	cp out "$m.masked.dcs"
	"$PY" - "$m" <<'EOF'
import sys, numpy as np, soundfile as sf, oracle_lib as L
m = sys.argv[1]
recs = L.read_records(m + ".masked.dcs")
utt, rest = L.utterances(recs)[0]
mk = L.last(rest, "masked")
Y = L.tensor(mk)
L.check(m + ": masked record keys", (mk["k"], mk["nfft"], mk["hop"], mk["window"], mk["rate"]) ==
        (2, 256, 64, "sqrt-hann", 8000) and Y.shape[0] == 2, str(mk.get("k")))
mix, _ = sf.read("mixA.wav", dtype="float32")
for k in (1, 2):
    ref, _ = sf.read("a%d.wav" % k, dtype="float32")
    est = L.istft(Y[k - 1].astype(np.complex128), mk["samples"])
    base, got = L.si_sdr(mix, ref), L.si_sdr(est, ref)
    print("%s: source %d: mixture SI-SDR %.2f dB, separated %.2f dB, SI-SDRi %.2f dB" % (m, k, base, got, got - base))
    L.check("%s: source %d: SI-SDRi > 10 dB (%.2f)" % (m, k, got - base), got - base > 10, "%.2f dB" % (got - base))
EOF
	check_in "$m: dc-istft" 0 '' "$m.masked.dcs" dc-istft -e float -o "$m%k.wav"
		"$PY" - "$m" <<'EOF'
import sys, numpy as np, soundfile as sf, oracle_lib as L
m = sys.argv[1]
mix, _ = sf.read("mixA.wav", dtype="float32")
Y = L.tensor(L.last(L.read_records(m + ".masked.dcs"), "masked"))
for k in (1, 2):
    ref, _ = sf.read("a%d.wav" % k, dtype="float32")
    out, rate = sf.read("%s%d.wav" % (m, k), dtype="float32")
    est = L.istft(Y[k - 1].astype(np.complex128), len(ref))
    L.check("%s: dc-istft out%d: length and rate" % (m, k), len(out) == len(ref) and rate == 8000, "%d samples" % len(out))
    d = np.abs(out - est).max()
    L.check("%s: dc-istft out%d = numpy inverse (max diff %.2g)" % (m, k, d), d < 1e-4, "%.3g" % d)
    gain = L.si_sdr(out, ref) - L.si_sdr(mix, ref)
    print("%s: end to end: out%d SI-SDRi %.2f dB" % (m, k, gain))
    L.check("%s: end to end: out%d SI-SDRi > 10 dB (%.2f)" % (m, k, gain), gain > 10, "%.2f dB" % gain)
EOF
}
sep ibm
sep irm
sep wiener

# -R: a ref record whose sum is the mixture's STFT (the mixture is their sum);
# the utt record gains the references' paths (refs) after its keys, the stft record
# passes through byte for byte
check_in "-R: runs" 0 '' mixA.dcs dc-oracle -R a1.wav a2.wav
cp out ref.dcs
"$PY" - <<'EOF'
import os, numpy as np, oracle_lib as L
raw_in, raw_out = L.read_raw("mixA.dcs"), L.read_raw("ref.dcs")
kinds = [r["kind"] for r, _ in raw_out]
L.check("-R: records in order", kinds == ["dcsep", "utt", "stft", "labels", "ref"], str(kinds))
L.check("-R: history extended", raw_out[0][0]["history"] == ["dc-stft", "dc-oracle"], str(raw_out[0][0]))
L.check("-R: stft passes through byte for byte", raw_in[2][1] == raw_out[2][1], "bytes differ")
uin, uout = raw_in[1][0], raw_out[1][0]
ino = lambda f: "%d:%d" % (os.stat(f).st_dev, os.stat(f).st_ino)
L.check("-R: utt: its keys in order, then refs, the references as named, and their inodes",
        list(uout) == list(uin) + ["refs", "refs_inodes"] and all(uout[k] == uin[k] for k in uin) and
        uout["refs"] == ["a1.wav", "a2.wav"] and uout["refs_inodes"] == [ino("a1.wav"), ino("a2.wav")],
        str(uout))
ref, X = raw_out[4][0], L.tensor(raw_out[2][0])
R = L.tensor(ref)
L.check("-R: ref keys", all(ref[k] == raw_out[2][0][k] for k in ("rate", "nfft", "hop", "samples", "window"))
        and ref["dtype"] == "complex64" and R.shape == (2,) + X.shape, str(R.shape))
d = np.abs(R.sum(axis=0) - X).max() / np.abs(X).max()
L.check("-R: sources' spectra sum to the mixture's (rel. diff %.2g)" % d, d < 1e-5, "%.3g" % d)
lab = L.tensor(raw_out[3][0])
p = np.abs(R.astype(np.complex128)) ** 2
L.check("-R: labels = argmax of the ref record", np.array_equal(lab, np.argmax(p, axis=0)), "differ")
EOF

# list mode: two utterances, the list in another order, with a header and a comment
printf 'id\tmix\tsources\n# a comment\n\nmixB\tmixB.wav\tb1.wav,b2.wav\tx\nmixA\tmixA.wav\ta1.wav,a2.wav\n' >list.tsv
cat mixA.dcs mixB.dcs >both.dcs
check_in "-l: two utterances" 0 '' both.dcs dc-oracle -l list.tsv -m irm
cp out list.dcs
check_in "-l: mixture B alone" 0 '' mixB.dcs dc-oracle -m irm b1.wav b2.wav
cp out irmB.dcs
"$PY" - <<'EOF'
import oracle_lib as L
got = [b for r, b in L.read_raw("list.dcs")[1:]]
want = [b for r, b in L.read_raw("irm.dcs")[1:]] + [b for r, b in L.read_raw("irmB.dcs")[1:]]
L.check("-l: each utterance as with its own references", got == want, "%d vs %d records" % (len(got), len(want)))
EOF

# relative source paths are relative to the list's directory, as dc-mix writes them
mkdir -p set/src
cp b1.wav b2.wav set/src/
printf 'mixB\tmix/mixB.wav\tsrc/b1.wav,src/b2.wav\n' >set/list.tsv
check_in "-l: paths relative to the list's directory" 0 '' mixB.dcs dc-oracle -m irm -l set/list.tsv
"$PY" - <<'EOF'
import os, oracle_lib as L
got, want = L.read_raw("out"), L.read_raw("irmB.dcs")
ino = lambda f: "%d:%d" % (os.stat(f).st_dev, os.stat(f).st_ino)
L.check("-l: paths relative to the list's directory: the same records but refs",
        [b for _, b in got[2:]] == [b for _, b in want[2:]] and
        {k: v for k, v in got[1][0].items() if k not in ("refs", "refs_inodes")} ==
        {k: v for k, v in want[1][0].items() if k not in ("refs", "refs_inodes")},
        "differ")
L.check("-l: refs_inodes: the files in the list's directory",
        got[1][0]["refs_inodes"] == [ino("set/src/b1.wav"), ino("set/src/b2.wav")], str(got[1][0]))
L.check("-l: refs as the list's directory gives them", got[1][0]["refs"] == ["set/src/b1.wav", "set/src/b2.wav"],
        str(got[1][0].get("refs")))
EOF

# dc-mix's own list.tsv: a data set of two 0 dB mixtures from a corpus of four
# speakers, separated with the oracle through the whole pipeline
for s in so0036 so0048 so0053 so0054; do
		mkdir -p "corpus/train/$s"
		cp "$SP/$s"_*.flac "corpus/train/$s/"
	done
	check "dc-mix: a data set of 2" 0 '*' dc-mix -n 2 -s 3 -g 0 -o ds corpus
	dc-stft ds/mix/*.wav >ds.dcs
	check_in "-l: dc-mix's list.tsv" 0 '' ds.dcs dc-oracle -l ds/list.tsv
	cp out ds.ibm.dcs
	check_in "-l: dc-mix's list.tsv: dc-mask" 0 '' ds.ibm.dcs dc-mask
	cp out ds.masked.dcs
	"$PY" - <<'EOF'
import numpy as np, soundfile as sf, oracle_lib as L
rows = [l.rstrip("\n").split("\t") for l in open("ds/list.tsv")][1:]
u = L.utterances(L.read_records("ds.masked.dcs"))
L.check("dc-mix's list: an utterance per row", sorted(r[0] for r in rows) == sorted(x["id"] for x, _ in u), str(rows))
for utt, rest in u:
    row = [r for r in rows if r[0] == utt["id"]][0]
    mix, _ = sf.read("ds/" + row[1], dtype="float32")
    Y = L.tensor(L.last(rest, "masked"))
    for k, src in enumerate(row[2].split(",")):
        ref, _ = sf.read("ds/" + src, dtype="float32")
        g = L.si_sdr(L.istft(Y[k].astype(np.complex128), len(ref)), ref) - L.si_sdr(mix, ref)
        print("dc-mix mixture %s: source %d: IBM SI-SDRi %.2f dB" % (utt["id"], k + 1, g))
        L.check("dc-mix mixture %s: source %d: SI-SDRi > 10 dB (%.2f)" % (utt["id"], k + 1, g), g > 10, "%.2f" % g)
EOF

# a reference at another rate is resampled, and the tool says so
check_in "resampled reference" 0 'dc-oracle: a1_16k.wav: resampled from 16000 Hz to 8000 Hz' \
	mixA.dcs dc-oracle a1_16k.wav a2.wav
cp out res.dcs
"$PY" - <<'EOF'
import numpy as np, oracle_lib as L
a = L.tensor(L.last(L.read_records("ibm.dcs"), "labels"))
b = L.tensor(L.last(L.read_records("res.dcs"), "labels"))
agree = np.mean(a == b)
L.check("resampled reference: labels agree with the 8 kHz one (%.4f)" % agree, agree > 0.97, "%.4f" % agree)
EOF

# errors
n=$("$PY" -c 'import soundfile as sf; print(sf.info("mixA.wav").frames)')
check_in "reference length differs" 1 "dc-oracle: short.wav: 1000 samples at 8000 Hz, but utterance mixA has $n" \
	mixA.dcs dc-oracle a1.wav short.wav
check_in "missing reference" 1 'dc-oracle: nofile.wav: No such file or directory' mixA.dcs dc-oracle a1.wav nofile.wav
check_in "one reference" 2 'dc-oracle: 1 reference, wanted 2 or more' mixA.dcs dc-oracle a1.wav
check_in "no reference" 2 "dc-oracle: no references: give the sources' files, or -l list.tsv
"'usage: dc-oracle [-R] [-m ibm | irm | wiener] ref ... | -l list.tsv' mixA.dcs dc-oracle
check_in "bad mode" 2 'dc-oracle: -m: mode must be ibm, irm or wiener: ibn' mixA.dcs dc-oracle -m ibn a1.wav a2.wav
check_in "reference on stdin" 2 "dc-oracle: a reference cannot be '-': the stream comes on stdin" \
	mixA.dcs dc-oracle a1.wav -
check_in "list on stdin" 2 "dc-oracle: -l: the list cannot be '-': the stream comes on stdin" \
	mixA.dcs dc-oracle -l -
check_in "-l and references" 2 'dc-oracle: -l: the sources come from list.tsv: no reference arguments with it' \
	mixA.dcs dc-oracle -l list.tsv a1.wav a2.wav
check_in "two utterances without -l" 1 \
	'dc-oracle: stdin: more than one utterance; give the sources of each with -l list.tsv' \
	both.dcs dc-oracle a1.wav a2.wav
check "empty stdin" 1 'dc-oracle: stdin: empty stream' dc-oracle a1.wav a2.wav
printf 'garbage\n' >garbage
check_in "garbage on stdin" 1 'dc-oracle: stdin: not a dcsep stream (no header record)' garbage dc-oracle a1.wav a2.wav
head -c 5000 mixA.dcs >trunc.dcs
check_in "truncated stream" 1 '*' trunc.dcs dc-oracle a1.wav a2.wav
same "truncated stream: message" "$(sed 's/ (record.*//' err)" 'dc-oracle: stdin: stream truncated inside a record'
check_in "full disk" 1 'dc-oracle: stdout: No space left on device' mixA.dcs sh -c 'dc-oracle a1.wav a2.wav >/dev/full'
"$PY" - <<'EOF'
import oracle_lib as L
L.write_stream("nostft.dcs", [{"kind": "utt", "id": "u", "rate": 8000, "samples": 100}])
L.write_stream("header.dcs", [])
EOF
check_in "no stft record" 1 'dc-oracle: u: no stft record' nostft.dcs dc-oracle a1.wav a2.wav
check_in "no utterance" 1 'dc-oracle: stdin: no utterance' header.dcs dc-oracle a1.wav a2.wav
check_in "-l: header only is fine" 0 '' header.dcs dc-oracle -l list.tsv
printf 'mixA\tmixA.wav\ta1.wav,a2.wav\n' >listA.tsv
check_in "-l: utterance not in the list" 1 'dc-oracle: mixB: no line with this id in listA.tsv' \
	both.dcs dc-oracle -l listA.tsv
printf 'mixA\tmixA.wav\ta1.wav,a2.wav\nmixA\tmixA.wav\ta2.wav,a1.wav\n' >dup.tsv
check_in "-l: repeated id" 1 'dc-oracle: dup.tsv:2: id mixA again (first on line 1)' mixA.dcs dc-oracle -l dup.tsv
printf 'mixA\tmixA.wav\n' >short.tsv
check_in "-l: missing column" 1 'dc-oracle: short.tsv:1: wanted an id, a mixture and sources, separated by tabs' \
	mixA.dcs dc-oracle -l short.tsv
printf 'mixA\tmixA.wav\ta1.wav\n' >one.tsv
check_in "-l: one source" 1 'dc-oracle: one.tsv:1: 1 source, wanted 2 or more' mixA.dcs dc-oracle -l one.tsv
check_in "-l: missing list" 1 'dc-oracle: nolist.tsv: No such file or directory' mixA.dcs dc-oracle -l nolist.tsv
check "-h" 0 '' dc-oracle -h
same "-h: usage on stdout" "$(head -n 1 out)" 'usage: dc-oracle [-R] [-m ibm | irm | wiener] ref ... | -l list.tsv'
printf 'mixA\tmixA.wav\t-\n' >nosrc.tsv
check_in "-l: no source files" 1 "dc-oracle: nosrc.tsv:1: no source files ('-')" mixA.dcs dc-oracle -l nosrc.tsv

# a reference through a pipe (a FIFO, as <(...) gives): read once, by the oracle, not
# looked at first for a stream, and its labels those of the file itself
EX="$ROOT/examples"
dc-stft "$EX/mix.wav" >exmix.dcs
check_in "two files" 0 '' exmix.dcs dc-oracle "$EX/s1.wav" "$EX/s2.wav"
dc-dump -x labels -o lab-files.npy out
rm -f ref.fifo && mkfifo ref.fifo
cat "$EX/s2.wav" >ref.fifo &
check_in "a reference through a FIFO" 0 '' exmix.dcs timeout 900 dc-oracle "$EX/s1.wav" ref.fifo
kill $! 2>/dev/null     # a writer still waiting for a reader that never came
wait
dc-dump -x labels -o lab-fifo.npy out
cmp -s lab-files.npy lab-fifo.npy && pass "a reference through a FIFO: the labels of the file" ||
    fail "a reference through a FIFO" "other labels"
