#!/bin/sh
# badinput.sh: hostile and broken input, for every tool, from a table of
# (case, expected exit status, stdin, command, the exact stderr): empty and random
# input; a record of the wrong kind; records that disagree with their keys, with
# each other, with reference files or with the model; NaN and Inf; records over the
# element limit (DC_MAX_ELEMS), also claims of 2^40 elements that must be refused
# before anything is allocated; missing files, directories and files of the wrong
# kind; a full disk. Then, for every tool: a reader that goes away early (SIGPIPE),
# no output file left behind when a write fails, and a small valid stream cut at
# every byte offset (exit 1, one line on stderr, never a signal).
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh"
SP=$DATA/speech

# ---------------------------------------------------------------- fixtures
# 0.25 s of two speakers and their mixture, and files with one thing wrong
"$PY" - "$SP" <<'EOF' || fail "fixtures: audio" "python failed"
import sys, numpy as np, soundfile as sf
sp = sys.argv[1]
a, _ = sf.read(sp + "/so0036_000360332.flac", dtype="float32")
b, _ = sf.read(sp + "/so0054_000540031.flac", dtype="float32")
a, b = a[8000:10000], b[8000:10000]
w = lambda name, x, rate=8000, sub="FLOAT": sf.write(name, x, rate, subtype=sub)
w("s1.wav", a); w("s2.wav", b); w("mix.wav", a + b)
w("short.wav", a[:1999])                        # a sample short of the mixture
w("s1-16k.wav", np.repeat(a, 2), 16000)         # another rate
w("silent.wav", np.zeros(2000, np.float32))
w("tiny-192k.wav", a[:2], 192000)               # no samples once resampled to 8 kHz
n = a.copy(); n[100] = np.nan; w("nan.wav", n)  # NaN in a float WAV
i = a.copy(); i[7] = np.inf; w("inf.wav", i)
w("t1.wav", a[1000:1002]); w("t2.wav", b[1000:1002]); w("tmix.wav", a[1000:1002] + b[1000:1002])
r = np.random.default_rng(7)
w("long.wav", (0.1 * r.standard_normal(8000 * 40)).astype(np.float32), sub="PCM_16")
data = bytes(r.integers(0, 256, 3000, dtype=np.uint8))
open("random.bin", "wb").write(b"\x17" + data[1:])   # not a msgpack map: no header
open("notaudio.txt", "w").write("this is not audio\n")
# the first bytes of audio files, given where a stream is read, and near misses
for name, head in (("aiff.bin", b"FORM\0\0\0\x20AIFC"), ("ogg.bin", b"OggS\0\2"),
                   ("au.bin", b".snd\0\0\0\x18"), ("caf.bin", b"caff\0\1"),
                   ("id3.bin", b"ID3\4\0"), ("mpeg.bin", b"\xff\xfb\x90\x64"),
                   ("rf64.bin", b"RF64\xff\xff\xff\xffWAVEds64"),
                   ("riffavi.bin", b"RIFF\0\0\0\0AVI LIST"), ("mpegbad.bin", b"\xff\xfb\xf0\x64")):
    open(name, "wb").write(head + bytes(40))
open("riff3.bin", "wb").write(b"RIF")
open("nist.bin", "wb").write(b"NIST_1A\n   1024\n" + bytes(40))
open("empty.wav", "wb").close()
sf.write("whole.flac", np.tile(a, 8), 8000)     # 16,000 samples, then cut in half
f = open("whole.flac", "rb").read(); open("cut.flac", "wb").write(f[:len(f) // 2])
for ext in ("wav", "aiff", "au"):               # headers of 16,000 frames, 8,000 there
    sf.write("whole16." + ext, np.tile(a, 8), 8000, subtype="PCM_16")
    f = open("whole16." + ext, "rb").read(); open("cut." + ext, "wb").write(f[:-16000])
sf.write("whole16.caf", np.tile(a, 8), 8000, subtype="PCM_16")  # CAF: no note (its log
f = open("whole16.caf", "rb").read(); open("cut.caf", "wb").write(f[:-1000])  # counts other bytes)
EOF
# WAV and AIFF written to a pipe keep a "length unknown" in their headers (sox
# puts 0x7ffff000): not a file cut short
sox -n -r 8000 -b 16 -c 1 -t wav - synth 0.5 sine 440 2>/dev/null | cat >piped.wav
sox -n -r 8000 -b 16 -c 1 -t aiff - synth 0.5 sine 440 2>/dev/null | cat >piped.aiff
mkdir adir bdir && cp s1.wav adir/s.wav && cp s2.wav bdir/s.flac
dc-stft mix.wav >stft.dcs
dc-stft -B 0.1 mix.wav >mix-blocks.dcs
dc-oracle s1.wav s2.wav <stft.dcs >ibm.dcs
dc-mask <ibm.dcs >masked.dcs
dc-stft -s 32 mix.wav >hop32.dcs
dc-oracle s1.wav s2.wav <hop32.dcs >hop32-ibm.dcs
dc-train -i -L 1 -H 2 -D 2 -o model.dcm
dc-embed -m model.dcm <stft.dcs >embed.dcs
# the truncation streams: nfft 4, hop 2, two samples: T 2, F 3
dc-stft -n 4 -s 2 -i u tmix.wav >t-stft.dcs
dc-oracle t1.wav t2.wav <t-stft.dcs >t-ibm.dcs
dc-mask <t-ibm.dcs >t-masked.dcs
dc-train -q -L 1 -H 1 -D 2 -T 1 -b 1 -e 1 -o t-model.dcm t-ibm.dcs
dc-embed -m t-model.dcm <t-stft.dcs >t-embed.dcs
# an utterance in blocks: 12 samples, nfft 4, hop 2, blocks of 2 frames (7 frames, 4 blocks)
"$PY" -c 'import numpy as np, soundfile as sf
sf.write("t12.wav", np.linspace(-0.5, 0.5, 12, dtype=np.float32), 8000, subtype="FLOAT")'
dc-stft -n 4 -s 2 -B 0.0005 -i u t12.wav | "$PY" "$ROOT/tests/sh/blocks_lib.py" labels >t-blocks.dcs
dc-mask <t-blocks.dcs >t-bmasked.dcs
# hand-made streams, each with one thing wrong
"$PY" - <<'EOF' || fail "fixtures: streams" "python failed"
import numpy as np, oracle_lib as L
recs = L.read_records("ibm.dcs")
(utt, rest), = L.utterances(recs)
# the files' device and inode numbers vary in length from one machine to the next:
# without them the byte offsets in messages below are the same everywhere
utt = {k: v for k, v in utt.items() if k not in ("source_inode", "refs_inodes")}
st, lab = L.last(rest, "stft"), L.last(rest, "labels")
X = L.tensor(st)
keys = {k: st[k] for k in ("rate", "nfft", "hop", "samples", "window")}
w = L.write_stream
w("labels-only.dcs", [utt, lab])                          # no stft record
w("order.dcs", [st, utt])                                 # a record before the first utt
Xn = X.copy(); Xn[3, 4] = np.nan
w("nan-stft.dcs", [utt, L.tensor_rec("stft", Xn, **keys), lab])
w("nan-masked.dcs", [utt, L.tensor_rec("masked", np.stack([Xn, Xn]), k=2, **keys)])
E = L.tensor(L.last(L.read_records("embed.dcs"), "embed")).copy(); E[0, 0, 0] = np.inf
w("inf-embed.dcs", [utt, st, L.tensor_rec("embed", E, model="m")])
w("tshape.dcs", [utt, L.tensor_rec("stft", X[:30], **keys), L.tensor_rec("labels", L.tensor(lab)[:30], k=2, by="x")])
w("fshape.dcs", [utt, L.tensor_rec("stft", X[:, :100], **keys)])
w("lshape.dcs", [utt, st, L.tensor_rec("labels", L.tensor(lab)[:30], k=2, by="x")])
lr = L.tensor(lab).copy()
lr[3, 7] = 2
w("lrange.dcs", [utt, st, L.tensor_rec("labels", lr, k=2, by="x")])
w("lk300.dcs", [utt, st, L.tensor_rec("labels", L.tensor(lab), k=300, by="x")])
w("eshape.dcs", [utt, st, L.tensor_rec("embed", np.zeros((30, 129, 2), np.float32), model="m")])
# a record that claims 2^40 elements and holds 8 bytes: refused before allocating
big = dict(L.tensor_rec("stft", X[:1, :1], **keys), shape=[1 << 20, 1 << 20])
w("huge.dcs", [utt, big, lab])
big = dict(L.tensor_rec("masked", X[:1, :1], **keys), shape=[1 << 20, 1 << 20, 2])
w("huge-masked.dcs", [utt, big])
big = dict(L.tensor_rec("embed", E[:1, :1], model="m"), shape=[1 << 20, 1 << 20, 2])
w("huge-embed.dcs", [utt, st, big])
w("unknown.dcs", [utt, {"kind": "comment", "text": "a kind no tool knows"}, st])
w("nulkind.dcs", [utt, dict(st, kind="stft\0x")])      # a kind with a NUL byte is no "stft"
w("nulid.dcs", [dict(utt, id="a\0/../x"), st])          # nor is an id with one an id ("a")
w("id1023.dcs", [dict(utt, id="a" * 1023), st])        # the longest id (DC_ID_MAX - 1)
w("id1024.dcs", [dict(utt, id="a" * 1024), st])
w("id70k.dcs", [dict(utt, id="a" * 70000), st])
# a second utterance whose id is no string, after a whole one and after one in blocks
w("badid2.dcs", [utt, st, dict(utt, id=7), st])
w("srate-str.dcs", [dict(utt, source_rate="x"), st])      # dc-istft -r source
w("srate-0.dcs", [dict(utt, source_rate=0), st])
import msgpack
open("badid2-blocks.dcs", "wb").write(open("t-bmasked.dcs", "rb").read() +
    msgpack.packb(dict(utt, id=7), use_bin_type=True) + msgpack.packb(st, use_bin_type=True))
# formats: a header of a newer version later in the stream (cat a.dcs b.dcs); a
# record with a key twice; 200,000 one-byte elements (msgpack-c's objects: 24 bytes each)
hdr3 = msgpack.packb({"kind": "dcsep", "version": 3, "history": ["x"]})
plain = b"".join(msgpack.packb(r, use_bin_type=True) for r in
                 [L.read_records("stft.dcs")[0], {k: v for k, v in L.read_records("stft.dcs")[1].items()
                  if k != "source_inode"}] + L.read_records("stft.dcs")[2:])
open("v3mid.dcs", "wb").write(plain + hdr3 + plain)
key = lambda k, v: msgpack.packb(k) + msgpack.packb(v)
hdr1 = msgpack.packb({"kind": "dcsep", "version": 1, "history": ["x"]})
open("dupkey.dcs", "wb").write(hdr1 + b"\x83" + key("kind", "utt") + key("id", "a") + key("id", "b"))
open("elems.dcs", "wb").write(hdr1 + b"\x82" + key("kind", "utt") + msgpack.packb("x") +
    b"\xdd" + (200000).to_bytes(4, "big") + b"\xc0" * 200000)
# many small utterances, for the readers that go away early
u, s8 = L.utterances(L.read_records("t-ibm.dcs"))[0]
many = []
for j in range(3000):
    many += [dict(u, id="u%04d" % j)] + s8
w("many.dcs", many)
ue, se = L.utterances(L.read_records("t-embed.dcs"))[0]
w("many-embed.dcs", [r for j in range(3000) for r in [dict(ue, id="u%04d" % j)] + se])
open("many.tsv", "w").write("".join("u%04d\tx\tt1.wav,t2.wav\n" % j for j in range(3000)))
# lists with a NUL byte (in a row, in a comment after the last row), and an id
# that a list cannot hold, on the list's second line
open("nul.tsv", "wb").write(b"a\x00b\tmix.wav\ts1.wav\ts2.wav\n")
open("nul-end.tsv", "wb").write(b"a\tmix.wav\ts1.wav\ts2.wav\n# \x00\n")
open("blankid.tsv", "w").write("# a comment\n x\tmix.wav\ts1.wav\ts2.wav\n")
open("stdinref.tsv", "w").write("a\tmix.wav\ts1.wav,-\ts1.wav,s2.wav\n")
open("dupid.tsv", "w").write("a\tmix.wav\ts1.wav\ts2.wav\nb\tmix.wav\ts1.wav\ts2.wav\n# c\na\tm.wav\tx.wav\ty.wav\n")
EOF
cp "$DATA/fuzz-regress/model/nan-in-forward" overflow.dcm
cp "$DATA/fuzz-regress/model/huge-config-small-file" huge.dcm
# a checkpoint whose opaque training state claims a map of 2^32-1 entries
dc-train -q -L 1 -H 2 -D 2 -T 4 -e 1 -o ckpt.dcm ibm.dcs
"$PY" - <<'EOF' || fail "fixtures: checkpoint" "python failed"
import msgpack
m = msgpack.unpackb(open("ckpt.dcm", "rb").read(), raw=False)
m["train"]["state"] = b"\xdf\xff\xff\xff\xff"
open("badstate.dcm", "wb").write(msgpack.packb(m, use_bin_type=True))
EOF
export TRAIN="dc-train -q -L 1 -H 2 -D 2 -T 4 -e 1"

# ---------------------------------------------------------------- the table
# case | exit status | stdin ('-' for none) | command (sh -c) | stderr, exactly ('\n'
# between lines, '*' for anything).
table() {
	while IFS='|' read -r name rc in cmd err; do
		name=$(echo "$name" | sed 's/^ *//; s/ *$//')
		case "$name" in ''|'#'*) continue ;; esac
		rc=$(echo "$rc" | tr -d ' ')
		in=$(echo "$in" | tr -d ' ')
		cmd=$(echo "$cmd" | sed 's/^ *//; s/ *$//')
		err=$(echo "$err" | sed 's/^ *//; s/ *$//')
		[ "$in" = - ] && in=/dev/null
		[ "$err" = '*' ] || err=$(printf '%b' "$err")
		check_in "$name" "$rc" "$err" "$in" sh -c "$cmd"
	done
}
table <<'EOF'
dc-stft: empty stdin               | 1 | -              | dc-stft                          | dc-stft: stdin: empty file
dc-stft: an empty file             | 1 | -              | dc-stft empty.wav                | dc-stft: empty.wav: empty file
dc-mix: an empty file              | 1 | -              | dc-mix -o x.wav s1.wav empty.wav | dc-mix: empty.wav: empty file
dc-stft: random bytes              | 1 | random.bin     | dc-stft                          | dc-stft: stdin: Format not recognised
dc-stft: a stream, not audio       | 1 | -              | dc-stft stft.dcs                 | dc-stft: stft.dcs: a dcsep stream, not audio
dc-stft: not audio                 | 1 | -              | dc-stft notaudio.txt             | dc-stft: notaudio.txt: Format not recognised
dc-stft: missing file              | 1 | -              | dc-stft nofile.wav               | dc-stft: nofile.wav: No such file or directory
dc-stft: a directory               | 1 | -              | dc-stft adir                     | dc-stft: adir: Is a directory
dc-stft: stdin a directory         | 1 | adir           | dc-stft                          | dc-stft: stdin: Is a directory
dc-stft: NaN in the audio          | 1 | -              | dc-stft nan.wav                  | dc-stft: nan.wav: NaN or Inf in the data
dc-stft: Inf in the audio          | 1 | -              | dc-stft inf.wav                  | dc-stft: inf.wav: NaN or Inf in the data
dc-stft: samples over the limit    | 1 | -              | DC_MAX_ELEMS=1000 dc-stft mix.wav | dc-stft: mix.wav: more elements than the limit (see DC_MAX_ELEMS)
dc-stft: STFT over the limit       | 1 | -              | DC_MAX_ELEMS=3000 dc-stft mix.wav | dc-stft: mix.wav: more elements than the limit (see DC_MAX_ELEMS)
dc-stft: another rate is resampled | 0 | -              | dc-stft s1-16k.wav >/dev/null    | dc-stft: s1-16k.wav: resampled from 16000 Hz to 8000 Hz (dc-istft -r 16000 writes the sources at 16000 Hz, with nothing above 4000 Hz)
dc-stft: a WAV cut short: a note   | 0 | -              | dc-stft cut.wav >/dev/null       | dc-stft: cut.wav: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft -B: a WAV cut short        | 0 | -              | dc-stft -B 0.5 cut.wav >/dev/null | dc-stft: cut.wav: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft: an AIFF cut short         | 0 | -              | dc-stft cut.aiff >/dev/null      | dc-stft: cut.aiff: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft: an AU file cut short      | 0 | -              | dc-stft cut.au >/dev/null        | dc-stft: cut.au: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft: a WAV cut short, on stdin | 0 | cut.wav        | dc-stft >/dev/null               | dc-stft: stdin: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft: the WAV whole: no note    | 0 | -              | dc-stft whole16.wav >/dev/null   |
dc-stft: a CAF cut short: no note  | 0 | -              | dc-stft cut.caf >/dev/null       |
dc-stft: a WAV from a pipe: no note | 0 | -             | dc-stft piped.wav >/dev/null     |
dc-stft: an AIFF from a pipe: no note | 0 | -           | dc-stft piped.aiff >/dev/null    |
dc-eval: a reference cut short     | 0 | -              | dc-eval -r cut.wav -r whole16.wav whole16.wav cut.wav >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-eval: cut.wav: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-mix: an input cut short         | 0 | -              | dc-mix -o x.wav whole16.wav cut.wav >/dev/null | dc-mix: cut.wav: cut short: its header claims 16000 frames, the file holds 8000 (read as they are)
dc-stft: resampled to no samples   | 1 | -              | dc-stft tiny-192k.wav >/dev/null | dc-stft: tiny-192k.wav: no samples
dc-stft -B: resampled to no samples | 1 | -             | dc-stft -B 1 tiny-192k.wav >/dev/null | dc-stft: tiny-192k.wav: no samples
dc-stft: full disk                 | 1 | -              | dc-stft mix.wav >/dev/full       | dc-stft: stdout: No space left on device
dc-stft: two files, one id         | 2 | -              | dc-stft mix.wav adir/s.wav bdir/s.flac | dc-stft: adir/s.wav and bdir/s.flac would both be utterance 's': rename one, or give each its own dc-stft -i
dc-stft: a file named twice        | 2 | -              | dc-stft s1.wav mix.wav s1.wav     | dc-stft: s1.wav: named twice
dc-stft: an option after a file    | 2 | -              | dc-stft mix.wav -B 0 >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-stft: -B: an option after the operands: options come first (-- before a file whose name starts with -)
dc-stft: -- before a file named -x | 0 | -              | cp mix.wav ./-x.wav; dc-stft -- -x.wav >/dev/null |
dc-stft: no -- before it           | 2 | -              | dc-stft ./mix.wav -x.wav >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-stft: -x.wav: an option after the operands: options come first (-- before a file whose name starts with -)
dc-oracle: an option after refs    | 2 | stft.dcs       | dc-oracle s1.wav s2.wav -m irm >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-oracle: -m: an option after the operands: options come first (-- before a file whose name starts with -)
dc-eval: an option after estimates | 2 | -              | dc-eval s1.wav s2.wav -r s1.wav -r s2.wav 2>e; r=$?; head -1 e >&2; exit $r | dc-eval: -r: an option after the operands: options come first (-- before a file whose name starts with -)
dc-kmeans: an option after a file  | 2 | -              | dc-kmeans embed.dcs -k 3 >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-kmeans: -k: an option after the operands: options come first (-- before a file whose name starts with -)
dc-dump: -- an option's argument   | 2 | -              | dc-dump -u -- stft.dcs -j >/dev/null 2>e; r=$?; head -1 e >&2; exit $r | dc-dump: -j: an option after the operands: options come first (-- before a file whose name starts with -)

dc-istft: empty stdin              | 1 | -              | dc-istft                         | dc-istft: stdin: empty stream
dc-istft: random bytes             | 1 | random.bin     | dc-istft                         | dc-istft: stdin: not a dcsep stream (no header record)
dc-istft: audio, not a stream      | 1 | mix.wav        | dc-istft                         | dc-istft: stdin: WAV audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask | dc-istft)
dc-embed: a FLAC file named        | 1 | -              | dc-embed whole.flac              | dc-embed: whole.flac: FLAC audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed)
dc-oracle: audio on stdin          | 1 | mix.wav        | dc-oracle s1.wav s2.wav          | dc-oracle: stdin: WAV audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-oracle S1 S2)
dc-mask: AIFF bytes                | 1 | aiff.bin       | dc-mask                          | dc-mask: stdin: AIFF audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: Ogg bytes                 | 1 | ogg.bin        | dc-mask                          | dc-mask: stdin: Ogg audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: AU bytes                  | 1 | au.bin         | dc-mask                          | dc-mask: stdin: AU audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: CAF bytes                 | 1 | caf.bin        | dc-mask                          | dc-mask: stdin: CAF audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: an ID3 tag                | 1 | id3.bin        | dc-mask                          | dc-mask: stdin: MP3 audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: an MPEG frame header      | 1 | mpeg.bin       | dc-mask                          | dc-mask: stdin: MP3 audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: RF64 bytes                | 1 | rf64.bin       | dc-mask                          | dc-mask: stdin: WAV audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-mask: NIST SPHERE bytes         | 1 | nist.bin       | dc-mask                          | dc-mask: stdin: NIST SPHERE audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans | dc-mask)
dc-kmeans: WAV bytes               | 1 | mix.wav        | dc-kmeans                        | dc-kmeans: stdin: WAV audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-embed | dc-kmeans)
dc-dump: WAV bytes                 | 1 | mix.wav        | dc-dump                          | dc-dump: stdin: WAV audio, not a stream (dc-stft makes one of it: dc-stft FILE | dc-dump)
dc-mask: RIFF, not WAVE            | 1 | riffavi.bin    | dc-mask                          | dc-mask: stdin: not a dcsep stream (no header record)
dc-mask: MPEG sync, reserved rate  | 1 | mpegbad.bin    | dc-mask                          | dc-mask: stdin: not a dcsep stream (no header record)
dc-mask: 3 bytes of a WAV          | 1 | riff3.bin      | dc-mask                          | dc-mask: stdin: not a dcsep stream (no header record)
dc-istft: record outside an utt    | 1 | order.dcs      | dc-istft                         | dc-istft: stdin: record outside an utterance (record 2, byte 35)
dc-istft: wrong kind               | 1 | labels-only.dcs | dc-istft -o 'x%k.wav'           | dc-istft: mix: no masked or stft record
dc-istft: stft shape vs its keys   | 1 | tshape.dcs     | dc-istft -o x.wav                | dc-istft: mix: stft: shape 30x129 disagrees with its keys: 2000 samples, nfft 256, hop 64 give T = 35 frames of F = 129 bins
dc-istft: NaN in masked            | 1 | nan-masked.dcs | dc-istft -o 'x%k.wav'            | dc-istft: mix: masked: NaN or Inf in the data
dc-istft: a NUL byte in the id     | 1 | nulid.dcs      | dc-istft -o 'n%u.wav'            | dc-istft: stdin: utterance 1: id holds a NUL byte
dc-istft: an id of 1023 bytes      | 0 | id1023.dcs     | dc-istft -o 'n.wav'              |
dc-istft: an id of 1024 bytes      | 1 | id1024.dcs     | dc-istft -o 'n.wav'              | dc-istft: stdin: utterance 1: id longer than 1023 bytes
dc-istft: an id of 70000 bytes     | 1 | id70k.dcs      | dc-istft -o 'n%u.wav'            | dc-istft: stdin: utterance 1: id longer than 1023 bytes
dc-istft: -r source, a bad source_rate | 1 | srate-str.dcs | dc-istft -r source -o 'sr%k.wav' | dc-istft: mix: utt record: key 'source_rate' is not a sample rate from 1 to 1000000 Hz
dc-istft: -r source, source_rate 0 | 1 | srate-0.dcs    | dc-istft -r source -o 'sr%k.wav' | dc-istft: mix: utt record: key 'source_rate' is not a sample rate from 1 to 1000000 Hz
dc-istft: a bad source_rate, no -r source | 0 | srate-str.dcs | dc-istft -o 'sn%k.wav'       |
dc-istft: 2nd utterance's id       | 1 | badid2.dcs     | dc-istft -o 'i2%u.wav'           | dc-istft: stdin: utterance 2: key 'id' missing or not a string
dc-istft: 2nd id, after blocks     | 1 | badid2-blocks.dcs | dc-istft -o 'i3%u-%k.wav'     | dc-istft: stdin: utterance 2: key 'id' missing or not a string
dc-plot: a NUL byte in the id      | 1 | nulid.dcs      | dc-plot -o 'n%u-%r.png'          | dc-plot: stdin: utt record: id holds a NUL byte
dc-plot: an id of 1024 bytes       | 1 | id1024.dcs     | dc-plot -o 'n-%r.png'            | dc-plot: stdin: utt record: id longer than 1023 bytes
dc-embed: an id of 1023 bytes      | 0 | id1023.dcs     | dc-embed -m model.dcm >/dev/null |
dc-embed: an id of 1024 bytes      | 1 | id1024.dcs     | dc-embed -m model.dcm >/dev/null | dc-embed: stdin: utt record: id longer than 1023 bytes
dc-embed: a NUL byte in the id     | 1 | nulid.dcs      | dc-embed -m model.dcm >/dev/null | dc-embed: stdin: utt record: id holds a NUL byte
dc-oracle: an id of 1024 bytes     | 1 | id1024.dcs     | dc-oracle s1.wav s2.wav >/dev/null | dc-oracle: stdin: utt record: id longer than 1023 bytes
dc-stft: -i of 1024 bytes          | 2 | -              | dc-stft -i "$(printf '%01024d' 0)" s1.wav >/dev/null | dc-stft: -i: id longer than 1023 bytes
dc-istft: claim of 2^40 elements   | 1 | huge-masked.dcs | dc-istft -o 'x%k.wav'           | dc-istft: mix: masked: more elements than the limit (see DC_MAX_ELEMS)
dc-istft: over DC_MAX_ELEMS        | 1 | masked.dcs     | DC_MAX_ELEMS=5000 dc-istft -o 'x%k.wav' | dc-istft: mix: masked: more elements than the limit (see DC_MAX_ELEMS)
dc-istft: missing file             | 1 | -              | dc-istft nofile.dcs              | dc-istft: nofile.dcs: No such file or directory
dc-istft: a directory              | 1 | -              | dc-istft adir                    | dc-istft: adir: Is a directory
dc-istft: output dir missing       | 1 | masked.dcs     | dc-istft -o 'nodir/x%k.wav'      | dc-istft: nodir/: No such file or directory (a tool makes no directories)
dc-istft: output dir missing, at once | 1 | -           | dc-istft -o 'nodir/x%k.wav'      | dc-istft: nodir/: No such file or directory (a tool makes no directories)
dc-istft: output dir a file        | 1 | masked.dcs     | dc-istft -o 'mix.wav/x%k.wav'    | dc-istft: mix.wav/: Not a directory (a tool makes no directories)
dc-istft: a dir by %u: per utterance | 1 | masked.dcs   | dc-istft -o '%u-dir/x%k.wav'     | dc-istft: mix-dir/x1.wav: No such file or directory (a tool makes no directories)
dc-istft: a format no tool writes  | 2 | -              | dc-istft -o 'x%k.m4a'            | dc-istft: -o: x%k.m4a: no tool writes m4a audio (the extension picks the format: wav, flac, ogg, opus, mp3, aiff, au, caf or w64)
dc-stft: random bytes from a FIFO  | 1 | -              | rm -f ff && mkfifo ff && { cat random.bin >ff & } && timeout 20 dc-stft ff | dc-stft: ff: Format not recognised
dc-oracle: a stream as a reference | 1 | stft.dcs     | dc-oracle stft.dcs s1.wav        | dc-oracle: stft.dcs: a dcsep stream, not audio: the operands are the sources, and the stream comes on stdin (dc-oracle s1.wav s2.wav <stft.dcs)
dc-oracle: one reference twice     | 1 | stft.dcs       | dc-oracle s1.wav s2.wav ./s1.wav | dc-oracle: ./s1.wav: the same file as reference 1: each source's reference once
dc-mix: one source twice           | 1 | -              | dc-mix -o x.wav s1.wav s2.wav ./s2.wav | dc-mix: ./s2.wav: the same file as source 2: each source once
dc-stft: a stream on stdin (file)  | 1 | stft.dcs       | dc-stft                          | dc-stft: stdin: a dcsep stream, not audio
dc-eval: a stream as an estimate   | 1 | -              | dc-eval -r s1.wav stft.dcs       | dc-eval: stft.dcs: a dcsep stream, not audio
dc-mix: a format no tool writes    | 2 | -              | dc-mix -o x.AAC s1.wav s2.wav    | dc-mix: -o: x.AAC: no tool writes AAC audio (the extension picks the format: wav, flac, ogg, opus, mp3, aiff, au, caf or w64)
dc-mix: -O a format no tool writes | 2 | -              | dc-mix -o x.wav -O 's%k.m4a' s1.wav s2.wav | dc-mix: -O: s%k.m4a: no tool writes m4a audio (the extension picks the format: wav, flac, ogg, opus, mp3, aiff, au, caf or w64)
dc-plot: output dir missing        | 1 | stft.dcs       | dc-plot -o 'nodir/%u-%r.png'     | dc-plot: nodir/: No such file or directory (a tool makes no directories)
dc-istft: full disk, stdout        | 1 | stft.dcs       | dc-istft >/dev/full              | dc-istft: stdout: No space left on device
dc-istft: full disk, -o            | 1 | stft.dcs       | dc-istft -o /dev/full            | dc-istft: /dev/full: No space left on device
dc-istft: labels, no dc-mask: a note | 0 | ibm.dcs     | dc-istft -o 'nm%k.wav'           | dc-istft: mix: no masked record: the mixture was written as it is (the stream passed dc-oracle, but no dc-mask after it: dc-mask makes the sources)
dc-istft: embeddings, no dc-mask     | 0 | embed.dcs   | dc-istft -o 'ne%k.wav'           | dc-istft: mix: no masked record: the mixture was written as it is (the stream passed dc-embed, but no dc-mask after it: dc-mask makes the sources)
dc-istft: masked: no note            | 0 | masked.dcs  | dc-istft -o 'nk%k.wav'           |
dc-istft: an stft alone: no note     | 0 | stft.dcs    | dc-istft -o 'ns.wav'             |
dc-istft: labels, no dc-mask, refused | 1 | ibm.dcs    | dc-istft -o '%u.wav'             | dc-istft: mix.wav: the output would replace the recording the utterance was read from (its utt record's source)

dc-oracle: empty stdin             | 1 | -              | dc-oracle s1.wav s2.wav          | dc-oracle: stdin: empty stream
dc-oracle: random bytes            | 1 | random.bin     | dc-oracle s1.wav s2.wav          | dc-oracle: stdin: not a dcsep stream (no header record)
dc-oracle: record outside an utt   | 1 | order.dcs      | dc-oracle s1.wav s2.wav          | dc-oracle: stdin: record outside an utterance (record 2, byte 35)
dc-oracle: wrong kind              | 1 | labels-only.dcs | dc-oracle s1.wav s2.wav         | dc-oracle: mix: no stft record
dc-oracle: stft shape vs its keys  | 1 | tshape.dcs     | dc-oracle s1.wav s2.wav          | dc-oracle: mix: stft record: shape [30, 129] disagrees with its samples, nfft and hop ([35, 129])
dc-oracle: NaN in stft             | 1 | nan-stft.dcs   | dc-oracle s1.wav s2.wav          | dc-oracle: mix: stft record: NaN or Inf in the data
dc-oracle: NaN in a reference      | 1 | stft.dcs       | dc-oracle s1.wav nan.wav         | dc-oracle: nan.wav: NaN or Inf in the data
dc-oracle: claim of 2^40 elements  | 1 | huge.dcs       | dc-oracle s1.wav s2.wav          | dc-oracle: mix: stft record: more elements than the limit (see DC_MAX_ELEMS)
dc-oracle: ref over DC_MAX_ELEMS   | 1 | stft.dcs       | DC_MAX_ELEMS=5000 dc-oracle s1.wav s2.wav | dc-oracle: mix: ref: more elements than the limit (see DC_MAX_ELEMS)
dc-oracle: reference of other length | 1 | stft.dcs     | dc-oracle s1.wav short.wav       | dc-oracle: short.wav: 1999 samples at 8000 Hz, but utterance mix has 2000
dc-oracle: reference at another rate | 0 | stft.dcs     | dc-oracle s1-16k.wav s2.wav >/dev/null | dc-oracle: s1-16k.wav: resampled from 16000 Hz to 8000 Hz
dc-oracle: resampled, then short    | 1 | stft.dcs     | dc-oracle s1-16k.wav short.wav >/dev/null | dc-oracle: short.wav: 1999 samples at 8000 Hz, but utterance mix has 2000
dc-oracle: blocks, another rate     | 0 | mix-blocks.dcs | dc-oracle s1-16k.wav s2.wav >/dev/null | dc-oracle: s1-16k.wav: resampled from 16000 Hz to 8000 Hz
dc-oracle: blocks, resampled, short | 1 | mix-blocks.dcs | dc-oracle s1-16k.wav short.wav >/dev/null | dc-oracle: short.wav: 1999 samples at 8000 Hz, but utterance mix has 2000
dc-oracle: missing reference       | 1 | stft.dcs       | dc-oracle s1.wav nofile.wav      | dc-oracle: nofile.wav: No such file or directory
dc-oracle: reference a directory   | 1 | stft.dcs       | dc-oracle s1.wav adir            | dc-oracle: adir: Is a directory
dc-oracle: reference not audio     | 1 | stft.dcs       | dc-oracle s1.wav notaudio.txt    | dc-oracle: notaudio.txt: Format not recognised
dc-oracle: missing list            | 1 | stft.dcs       | dc-oracle -l nofile.tsv          | dc-oracle: nofile.tsv: No such file or directory
dc-oracle: list a directory        | 1 | stft.dcs       | dc-oracle -l adir                | dc-oracle: adir: Is a directory
dc-oracle: list of no newline      | 1 | stft.dcs       | dc-oracle -l /dev/zero           | dc-oracle: /dev/zero: a line longer than 65536 bytes: not a list
dc-eval: list of no newline        | 1 | -              | dc-eval -l /dev/zero             | dc-eval: /dev/zero: a line longer than 65536 bytes: not a list
dc-oracle: full disk               | 1 | stft.dcs       | dc-oracle s1.wav s2.wav >/dev/full | dc-oracle: stdout: No space left on device

dc-kmeans: empty stdin             | 1 | -              | dc-kmeans                        | dc-kmeans: stdin: empty stream
dc-mask: unknown option, by its path | 2 | -             | "$(command -v dc-mask)" -q       | dc-mask: invalid option -- 'q'\nusage: dc-mask [-k sources] [file]
dc-mask: an option's argument missing | 2 | -            | dc-mask -k                       | dc-mask: option requires an argument -- 'k'\nusage: dc-mask [-k sources] [file]
dc-mask: an option byte not printable | 2 | -            | dc-mask "$(printf '%b' '-\033')" | dc-mask: invalid option -- '\\x1b'\nusage: dc-mask [-k sources] [file]
dc-kmeans: random bytes            | 1 | random.bin     | dc-kmeans                        | dc-kmeans: stdin: not a dcsep stream (no header record)
dc-kmeans: record outside an utt   | 1 | order.dcs      | dc-kmeans                        | dc-kmeans: stdin: record outside an utterance (record 2, byte 35)
dc-kmeans: wrong kind              | 1 | stft.dcs       | dc-kmeans                        | dc-kmeans: mix: no embed record (dc-embed makes it)
dc-kmeans: embed shape vs stft     | 1 | eshape.dcs     | dc-kmeans                        | dc-kmeans: mix: embed record: shape [30, 129, 2] disagrees with stft record [35, 129]
dc-kmeans: Inf in embed            | 1 | inf-embed.dcs  | dc-kmeans                        | dc-kmeans: mix: embed record: NaN or Inf in the data
dc-kmeans: claim of 2^40 elements  | 1 | huge-embed.dcs | dc-kmeans                        | dc-kmeans: mix: embed record: more elements than the limit (see DC_MAX_ELEMS)
dc-kmeans: over DC_MAX_ELEMS       | 1 | embed.dcs      | DC_MAX_ELEMS=5000 dc-kmeans      | dc-kmeans: mix: embed record: more elements than the limit (see DC_MAX_ELEMS)
dc-kmeans: K above the active bins | 1 | t-embed.dcs    | dc-kmeans -k 7                   | dc-kmeans: u: K = 7 is more than the 6 active bins
dc-kmeans: K = the active bins     | 0 | t-embed.dcs    | dc-kmeans -k 6 >/dev/null        |
dc-kmeans: missing file            | 1 | -              | dc-kmeans nofile.dcs             | dc-kmeans: nofile.dcs: No such file or directory
dc-kmeans: a directory             | 1 | -              | dc-kmeans adir                   | dc-kmeans: adir: Is a directory
dc-kmeans: full disk               | 1 | embed.dcs      | dc-kmeans >/dev/full             | dc-kmeans: stdout: No space left on device

dc-mask: empty stdin               | 1 | -              | dc-mask                          | dc-mask: stdin: empty stream
dc-mask: random bytes              | 1 | random.bin     | dc-mask                          | dc-mask: stdin: not a dcsep stream (no header record)
dc-mask: record outside an utt     | 1 | order.dcs      | dc-mask                          | dc-mask: stdin: record outside an utterance (record 2, byte 35)
dc-mask: wrong kind (no labels)    | 1 | stft.dcs       | dc-mask                          | dc-mask: mix: no labels or masks record (dc-kmeans or dc-oracle makes them)
dc-mask: wrong kind (no stft)      | 1 | labels-only.dcs | dc-mask                         | dc-mask: mix: no stft record
dc-mask: labels shape vs stft      | 1 | lshape.dcs     | dc-mask                          | dc-mask: mix: labels record: shape [30, 129] disagrees with stft record [35, 129]
dc-mask: stft shape vs its keys    | 1 | tshape.dcs     | dc-mask                          | dc-mask: mix: stft record: shape [30, 129] disagrees with its samples, nfft and hop ([35, 129])
dc-mask: NaN in stft               | 1 | nan-stft.dcs   | dc-mask                          | dc-mask: mix: stft record: NaN or Inf in the data
dc-mask: a kind with a NUL byte    | 1 | nulkind.dcs    | dc-mask                          | dc-mask: stdin: not a dcsep record (a map with a "kind") (record 3, byte 106)
dc-mask: claim of 2^40 elements    | 1 | huge.dcs       | dc-mask                          | dc-mask: mix: stft record: more elements than the limit (see DC_MAX_ELEMS)
dc-mask: masked over DC_MAX_ELEMS  | 1 | ibm.dcs        | DC_MAX_ELEMS=5000 dc-mask        | dc-mask: mix: masked: more elements than the limit (see DC_MAX_ELEMS)
dc-mask: missing file              | 1 | -              | dc-mask nofile.dcs               | dc-mask: nofile.dcs: No such file or directory
dc-mask: a directory               | 1 | -              | dc-mask adir                     | dc-mask: adir: Is a directory
dc-mask: full disk                 | 1 | ibm.dcs        | dc-mask >/dev/full               | dc-mask: stdout: No space left on device

dc-dump: empty stdin               | 1 | -              | dc-dump                          | dc-dump: stdin: empty stream
dc-dump: random bytes              | 1 | random.bin     | dc-dump                          | dc-dump: stdin: not a dcsep stream (no header record)
dc-dump: a model file, not a stream | 1 | -            | dc-dump model.dcm                | dc-dump: model.dcm: a model file, not a stream (dc-dump -M shows it, dc-embed -m uses it)
dc-embed: a model as its stream    | 1 | -              | dc-embed -m model.dcm model.dcm  | dc-embed: model.dcm: a model file, not a stream (dc-dump -M shows it, dc-embed -m uses it)
dc-dump: a model on stdin          | 1 | model.dcm      | dc-dump                          | dc-dump: stdin: not a dcsep stream (no header record)
dc-dump: shows a record outside an utt | 0 | order.dcs  | dc-dump >/dev/null               |
dc-dump: shows unknown kinds       | 0 | unknown.dcs    | dc-dump >/dev/null               |
dc-dump: shows NaN                 | 0 | nan-stft.dcs   | dc-dump >/dev/null               |
dc-dump: claim of 2^40 elements    | 1 | huge.dcs       | dc-dump >/dev/null               | dc-dump: stdin: record 3 (stft): more elements than the limit (see DC_MAX_ELEMS)\ndc-dump: stdin: records with a bad tensor: 1
dc-dump: -x of a record without a tensor | 1 | ibm.dcs  | dc-dump -x utt -o x.npy          | dc-dump: stdin: record 2 (utt) holds no tensor
dc-dump: missing file              | 1 | -              | dc-dump nofile.dcs               | dc-dump: nofile.dcs: No such file or directory
dc-dump: a directory               | 1 | -              | dc-dump adir                     | dc-dump: adir: Is a directory
dc-dump: full disk                 | 1 | ibm.dcs        | dc-dump >/dev/full               | dc-dump: stdout: No space left on device
dc-dump: full disk, -o             | 1 | ibm.dcs        | dc-dump -x stft -o /dev/full     | dc-dump: /dev/full: No space left on device

dc-embed: empty stdin              | 1 | -              | dc-embed -m model.dcm            | dc-embed: stdin: empty stream
dc-embed: random bytes             | 1 | random.bin     | dc-embed -m model.dcm            | dc-embed: stdin: not a dcsep stream (no header record)
dc-embed: model from /dev/zero     | 1 | stft.dcs       | dc-embed -m /dev/zero            | dc-embed: /dev/zero: malformed or incompatible model
dc-embed: model from /dev/urandom  | 1 | stft.dcs       | dc-embed -m /dev/urandom         | dc-embed: /dev/urandom: malformed or incompatible model
dc-dump: model from /dev/zero      | 1 | -              | dc-dump -M /dev/zero             | dc-dump: /dev/zero: malformed or incompatible model
dc-embed: record outside an utt    | 1 | order.dcs      | dc-embed -m model.dcm            | dc-embed: stdin: record outside an utterance (record 2, byte 35)
dc-embed: wrong kind               | 1 | labels-only.dcs | dc-embed -m model.dcm           | dc-embed: mix: no stft record
dc-embed: hop other than the model's | 1 | hop32.dcs    | dc-embed -m model.dcm            | dc-embed: mix: stft record: rate 8000, nfft 256, hop 32, sqrt-hann window; the model reads rate 8000, nfft 256, hop 64, sqrt-hann window
dc-embed: F other than nfft's     | 1 | fshape.dcs     | dc-embed -m model.dcm            | dc-embed: mix: stft record: shape [35, 100] disagrees with its samples, nfft and hop ([35, 129])
dc-embed: NaN in stft              | 1 | nan-stft.dcs   | dc-embed -m model.dcm            | dc-embed: mix: stft record: NaN or Inf in the data
dc-embed: claim of 2^40 elements   | 1 | huge.dcs       | dc-embed -m model.dcm            | dc-embed: mix: stft record: more elements than the limit (see DC_MAX_ELEMS)
dc-embed: embed over DC_MAX_ELEMS  | 1 | stft.dcs       | DC_MAX_ELEMS=5000 dc-embed -m model.dcm | dc-embed: mix: embed record: more elements than the limit (see DC_MAX_ELEMS)
dc-embed: stft shape vs its keys | 1 | tshape.dcs | dc-embed -m model.dcm | dc-embed: mix: stft record: shape [30, 129] disagrees with its samples, nfft and hop ([35, 129])
dc-embed: model that overflows to NaN | 1 | stft.dcs | dc-embed -m overflow.dcm >/dev/null | dc-embed: mix: embed record: NaN or Inf in the data
dc-embed: missing model            | 1 | stft.dcs       | dc-embed -m nofile.dcm           | dc-embed: nofile.dcm: No such file or directory
dc-embed: model a directory        | 1 | stft.dcs       | dc-embed -m adir                 | dc-embed: adir: Is a directory
dc-embed: model not a model        | 1 | stft.dcs       | dc-embed -m mix.wav              | dc-embed: mix.wav: malformed or incompatible model
dc-embed: a stream for the model   | 1 | stft.dcs       | dc-embed -m stft.dcs             | dc-embed: stft.dcs: a stream, not a model (dc-dump shows it; dc-embed -m takes a model, models/default.dcm)
dc-embed: 177 bytes that claim a 1.2 TB model | 1 | stft.dcs | dc-embed -m huge.dcm          | dc-embed: huge.dcm: malformed or incompatible model
dc-embed: missing file             | 1 | -              | dc-embed -m model.dcm nofile.dcs | dc-embed: nofile.dcs: No such file or directory
dc-embed: a directory              | 1 | -              | dc-embed -m model.dcm adir       | dc-embed: adir: Is a directory
dc-embed: full disk                | 1 | stft.dcs       | dc-embed -m model.dcm >/dev/full | dc-embed: stdout: No space left on device

dc-train: empty stdin              | 1 | -              | $TRAIN -o m.dcm                  | dc-train: stdin: empty stream
dc-train: random bytes             | 1 | random.bin     | $TRAIN -o m.dcm                  | dc-train: stdin: not a dcsep stream (no header record)
dc-train: record outside an utt    | 1 | order.dcs      | $TRAIN -o m.dcm                  | dc-train: stdin: record outside an utterance (record 2, byte 35)
dc-train: wrong kind (no labels)   | 1 | stft.dcs       | $TRAIN -o m.dcm                  | dc-train: stdin: mix: no labels record
dc-train: wrong kind (no stft)     | 1 | labels-only.dcs | $TRAIN -o m.dcm                 | dc-train: stdin: mix: no stft record
dc-train: labels shape vs stft     | 1 | lshape.dcs     | $TRAIN -o m.dcm                  | dc-train: stdin: mix: labels record: shape [30, 129] disagrees with stft record [35, 129]
dc-train: a label not below k      | 1 | lrange.dcs     | $TRAIN -o m.dcm                  | dc-train: stdin: mix: labels record: label 2 at frame 3, bin 7 is not from 0 to k - 1 = 1
dc-train: k over 255               | 1 | lk300.dcs      | $TRAIN -o m.dcm                  | dc-train: stdin: mix: labels record: k = 300 is not from 1 to 255
dc-mask: a newer version mid-stream | 1 | v3mid.dcs     | dc-mask >/dev/null               | dc-mask: stdin: stream version 3; this dcsep reads versions 1 and 2 (record 4, byte 36303)
dc-mask: a key twice               | 1 | dupkey.dcs     | dc-mask                          | dc-mask: stdin: a record with a key twice (record 2, byte 32)
dc-mask: 200,000 elements in 200 KB | 1 | elems.dcs     | dc-mask                          | dc-mask: stdin: a record of more than 4096 msgpack elements (record 2, byte 32)
dc-dump: a newer version mid-stream | 1 | v3mid.dcs     | dc-dump >/dev/null               | dc-dump: stdin: stream version 3; this dcsep reads versions 1 and 2 (record 4, byte 36303)
dc-dump: a key twice               | 1 | dupkey.dcs     | dc-dump >/dev/null               | dc-dump: stdin: a record with a key twice (record 2, byte 32)
dc-kmeans: 200,000 elements in 200 KB | 1 | elems.dcs   | dc-kmeans                        | dc-kmeans: stdin: a record of more than 4096 msgpack elements (record 2, byte 32)
dc-mask: a label not below k       | 1 | lrange.dcs     | dc-mask                          | dc-mask: mix: labels record: label 2 at frame 3, bin 7 is not from 0 to k - 1 = 1
dc-train: NaN in stft              | 1 | nan-stft.dcs   | $TRAIN -o m.dcm                  | dc-train: stdin: mix: stft record: NaN or Inf in the data
dc-train: claim of 2^40 elements   | 1 | huge.dcs       | $TRAIN -o m.dcm                  | dc-train: stdin: mix: stft record: more elements than the limit (see DC_MAX_ELEMS)
dc-train: over DC_MAX_ELEMS        | 1 | ibm.dcs        | DC_MAX_ELEMS=4000 $TRAIN -o m.dcm | dc-train: stdin: mix: stft record: more elements than the limit (see DC_MAX_ELEMS)
dc-train: stft shape vs its keys | 1 | tshape.dcs | $TRAIN -o m.dcm       | dc-train: stdin: mix: stft record: shape [30, 129] disagrees with its samples, nfft and hop ([35, 129])
dc-train: hop differs between files | 1 | -             | $TRAIN -o m.dcm ibm.dcs hop32-ibm.dcs | dc-train: hop32-ibm.dcs: mix: stft record: rate 8000, nfft 256, hop 32, sqrt-hann window; the first utterance has rate 8000, nfft 256, hop 64, sqrt-hann window
dc-train: validation of another hop | 1 | -             | $TRAIN -o m.dcm -V hop32-ibm.dcs ibm.dcs | dc-train: hop32-ibm.dcs: the STFT parameters differ from the training data's
dc-train: resume from a model without training state | 1 | - | dc-train -q -r -o model.dcm ibm.dcs | dc-train: model.dcm: not a checkpoint of dc-train (no training state)
dc-train: resume from 177 bytes that claim a 1.2 TB model | 1 | - | dc-train -q -r -o huge.dcm ibm.dcs | dc-train: huge.dcm: malformed or incompatible model
dc-train: resume from a state that claims 2^32 entries | 1 | - | dc-train -q -r -e 2 -o badstate.dcm ibm.dcs | dc-train: badstate.dcm: not a checkpoint of dc-train (no training state)
dc-train: missing file             | 1 | -              | $TRAIN -o m.dcm nofile.dcs       | dc-train: nofile.dcs: No such file or directory
dc-train: a directory              | 1 | -              | $TRAIN -o m.dcm adir             | dc-train: adir: Is a directory
dc-train: full disk, -o            | 1 | -              | $TRAIN -o /dev/full ibm.dcs      | dc-train: /dev/full: No space left on device
dc-train: full disk, -l | 1 | - | $TRAIN -o m.dcm -l /dev/full ibm.dcs | dc-train: /dev/full: No space left on device

dc-eval: empty list on stdin       | 1 | -              | dc-eval -l -                     | dc-eval: stdin: no mixtures in the list
dc-eval: random bytes as a list    | 1 | random.bin     | dc-eval -l -                     | dc-eval: stdin: not a text file
dc-eval: text, not a list          | 1 | notaudio.txt   | dc-eval -l -                     | dc-eval: stdin:1: 1 column, wanted 4: id, mix, refs, ests (tab-separated)
dc-eval: random bytes as audio     | 1 | -              | dc-eval -r s1.wav random.bin     | dc-eval: random.bin: Format not recognised
dc-eval: missing estimate          | 1 | -              | dc-eval -r s1.wav nofile.wav     | dc-eval: nofile.wav: No such file or directory
dc-eval: missing mixture           | 1 | -              | dc-eval -r s1.wav -m nofile.wav s2.wav | dc-eval: nofile.wav: No such file or directory
dc-eval: estimate a directory      | 1 | -              | dc-eval -r s1.wav adir           | dc-eval: adir: Is a directory
dc-eval: resampled, then silent    | 1 | -              | dc-eval -r s1-16k.wav -r s2.wav s1.wav silent.wav >/dev/null | dc-eval: silent.wav: estimate is silent (all zeros)
dc-eval: resampled, scored         | 0 | -              | dc-eval -r s1-16k.wav -r s2.wav s1.wav s2.wav >/dev/null | dc-eval: s1-16k.wav: resampled from 16000 Hz to 8000 Hz
dc-eval: estimate not audio        | 1 | -              | dc-eval -r s1.wav notaudio.txt   | dc-eval: notaudio.txt: Format not recognised
dc-eval: estimates' rates differ   | 1 | -              | dc-eval -r s1.wav -r s2.wav s1.wav s1-16k.wav | dc-eval: s1-16k.wav: sample rate 16000 Hz, but s1.wav has 8000 Hz
dc-eval: NaN in an estimate        | 1 | -              | dc-eval -r s1.wav nan.wav        | dc-eval: nan.wav: NaN or Inf in the data
dc-eval: silent estimate           | 1 | -              | dc-eval -r s1.wav silent.wav     | dc-eval: silent.wav: estimate is silent (all zeros)
dc-eval: over DC_MAX_ELEMS         | 1 | -              | DC_MAX_ELEMS=1000 dc-eval -r s1.wav s2.wav | dc-eval: s1.wav: more elements than the limit (see DC_MAX_ELEMS)
dc-eval: missing list              | 1 | -              | dc-eval -l nofile.tsv            | dc-eval: nofile.tsv: No such file or directory
dc-eval: list a directory          | 1 | -              | dc-eval -l adir                  | dc-eval: adir: Is a directory
dc-eval: full disk                 | 1 | -              | dc-eval -r s1.wav s2.wav >/dev/full | dc-eval: stdout: No space left on device
dc-eval: stdin not audio           | 1 | notaudio.txt   | dc-eval -r s1.wav -              | dc-eval: stdin: Format not recognised
dc-eval: a NUL byte in a list      | 1 | -              | dc-eval -l nul.tsv               | dc-eval: nul.tsv: not a text file
dc-eval: a NUL byte after the rows | 1 | -              | dc-eval -l nul-end.tsv           | dc-eval: nul-end.tsv: not a text file
dc-eval: a list's bad id names its line | 1 | -         | dc-eval -l blankid.tsv           | dc-eval: blankid.tsv:2: id " x": begins with '#' or a blank (a list reader skips the row); -j writes any id
dc-eval: an id twice in a list     | 1 | -              | dc-eval -l dupid.tsv             | dc-eval: dupid.tsv:4: id a again (first on line 1)
dc-eval: '-' among a list's files  | 1 | -              | dc-eval -l stdinref.tsv          | dc-eval: stdinref.tsv:1: '-' among the references: a list names files, not stdin
dc-eval: stdin as two references   | 2 | s1.wav         | dc-eval -r - -r - s1.wav s2.wav  | dc-eval: stdin ('-') named 2 times: it can be read once
dc-eval: stdin as mixture and estimate | 2 | s1.wav     | dc-eval -m - -r s1.wav -         | dc-eval: stdin ('-') named 2 times: it can be read once

dc-mix: random bytes as audio      | 1 | -              | dc-mix -o x.wav s1.wav random.bin | dc-mix: random.bin: Format not recognised
dc-mix: missing input              | 1 | -              | dc-mix -o x.wav s1.wav nofile.wav | dc-mix: nofile.wav: No such file or directory
dc-mix: input a directory          | 1 | -              | dc-mix -o x.wav s1.wav adir      | dc-mix: adir: Is a directory
dc-mix: input not audio            | 1 | -              | dc-mix -o x.wav s1.wav notaudio.txt | dc-mix: notaudio.txt: Format not recognised
dc-mix: stdin not audio            | 1 | notaudio.txt   | dc-mix -o x.wav s1.wav -         | dc-mix: stdin: Format not recognised
dc-mix: NaN in an input            | 1 | -              | dc-mix -o x.wav s1.wav nan.wav   | dc-mix: nan.wav: NaN or Inf in the data
dc-mix: silent input               | 1 | -              | dc-mix -o x.wav s1.wav silent.wav | dc-mix: silent.wav: no active speech (the signal is silent)
dc-mix: over DC_MAX_ELEMS          | 1 | -              | DC_MAX_ELEMS=1000 dc-mix -o x.wav s1.wav s2.wav | dc-mix: s1.wav: more elements than the limit (see DC_MAX_ELEMS)
dc-mix: another rate is resampled  | 0 | -              | dc-mix -o x.wav s1-16k.wav s2.wav >/dev/null | dc-mix: s1-16k.wav: resampled from 16000 Hz to 8000 Hz
dc-mix: resampled, then missing    | 1 | -              | dc-mix -o x.wav s1-16k.wav nofile.wav >/dev/null | dc-mix: nofile.wav: No such file or directory
dc-mix: missing corpus             | 1 | -              | dc-mix -n 2 -o outd nodir        | dc-mix: nodir: No such file or directory
dc-mix: output dir missing         | 1 | -              | dc-mix -o nodir/x.wav s1.wav s2.wav | dc-mix: nodir/x.wav: No such file or directory
dc-mix: full disk, -o              | 1 | -              | dc-mix -o /dev/full s1.wav s2.wav | dc-mix: /dev/full: No space left on device
dc-mix: full disk, stdout          | 1 | -              | dc-mix -o x.wav s1.wav s2.wav >/dev/full | dc-mix: stdout: No space left on device
EOF
# a pipe (its row would hold the table's separator): the stream is spooled, then known
check "dc-stft: a stream on stdin (pipe)" 1 "dc-stft: stdin: a dcsep stream, not audio" sh -c 'cat stft.dcs | dc-stft'
rm -f x.wav x1.wav x2.wav m.dcm
# a FLAC cut in half: fewer samples than its header gives, refused (whole, and in
# blocks of 0.5 s), where dc-stft took what was there before
check "dc-stft: a FLAC cut short" 1 '*' dc-stft cut.flac
case $(cat "$T/err") in
"dc-stft: cut.flac: "*" samples read, but the file's header gave 16000") pass "dc-stft: a FLAC cut short: its message" ;;
*) fail "dc-stft: a FLAC cut short: its message" "$(cat "$T/err")" ;;
esac
check "dc-stft -B: a FLAC cut short" 1 '*' dc-stft -B 0.5 cut.flac
case $(cat "$T/err") in
"dc-stft: cut.flac: "*" samples read, but the file's header gave 16000") pass "dc-stft -B: a FLAC cut short: its message" ;;
*) fail "dc-stft -B: a FLAC cut short: its message" "$(cat "$T/err")" ;;
esac
check "dc-stft: the FLAC whole" 0 "" sh -c "dc-stft whole.flac >/dev/null"
# and where the other tools read a file whole (they took what was there)
dc-stft whole.flac >whole.dcs
for c in "dc-eval -r whole.flac -r cut.flac whole.flac whole.flac" \
    "dc-mix -o x.wav whole.flac cut.flac" "dc-oracle whole.flac cut.flac <whole.dcs"; do
	check "${c%% *}: a FLAC cut short" 1 '*' sh -c "$c >/dev/null"
	case $(cat "$T/err") in
	"${c%% *}: cut.flac: "*" samples read, but the file's header gave 16000") pass "${c%% *}: a FLAC cut short: its message" ;;
	*) fail "${c%% *}: a FLAC cut short: its message" "$(cat "$T/err")" ;;
	esac
done
cp whole.flac whole2.flac
check "dc-mix: the FLAC whole" 0 "" sh -c "dc-mix -o x.wav whole.flac whole2.flac >/dev/null"
# a model through a pipe: read to the end of its one object, and no further
check_in "dc-embed: a model through a pipe" 0 '' stft.dcs \
    sh -c 'cat model.dcm | dc-embed -m /dev/stdin stft.dcs >/dev/null'
check_in "dc-embed: a model through a pipe, a byte after it" 1 \
    'dc-embed: /dev/stdin: malformed or incompatible model' stft.dcs \
    sh -c '(cat model.dcm; printf x) | dc-embed -m /dev/stdin stft.dcs'

# ---------------------------------------------------------------- SIGPIPE
# A reader that goes away: the tool is killed by SIGPIPE, quietly (exit status
# 128 + 13 in the shell), as filters are, also when started with SIGPIPE ignored.
# Each output is far larger than a pipe holds; dc-eval, dc-mix and dc-train write
# a line or none, which the pipe takes whole: they finish (exit 0).
sigpipe() {	# sigpipe NAME WANT_RC ignore|- STDIN CMD
	rm -f rc
	if [ "$3" = ignore ]; then
		(trap '' PIPE; { sh -c "$5" <"$4" 2>err; echo $? >rc; } | head -c 10 >/dev/null)
	else
		{ sh -c "$5" <"$4" 2>err; echo $? >rc; } | head -c 10 >/dev/null
	fi
	got=$(cat rc)
	if [ "$got" != "$2" ]; then
		fail "$1" "exit $got, wanted $2; stderr: $(cat err)"
	elif [ -s err ]; then
		fail "$1" "stderr '$(cat err)', wanted none"
	else
		pass "$1"
	fi
}
while IFS='|' read -r name rc in cmd; do
	in=$(echo "$in" | tr -d ' ')
	rc=$(echo "$rc" | tr -d ' ')
	[ "$in" = - ] && in=/dev/null
	name=$(echo "$name" | sed 's/ *$//')
	sigpipe "$name: reader goes away" "$rc" - "$in" "$cmd"
	sigpipe "$name: reader goes away, SIGPIPE ignored" "$rc" ignore "$in" "$cmd"
done <<'EOF'
dc-stft    | 141 | -              | dc-stft long.wav
dc-istft   | 141 | -              | dc-stft long.wav | dc-istft
dc-oracle  | 141 | many.dcs       | dc-oracle -l many.tsv
dc-kmeans  | 141 | many-embed.dcs | dc-kmeans
dc-mask    | 141 | many.dcs       | dc-mask
dc-dump    | 141 | many.dcs       | dc-dump
dc-dump -x | 141 | -              | dc-stft long.wav | dc-dump -x stft -o -
dc-embed   | 141 | many.dcs       | dc-embed -m t-model.dcm
dc-eval    | 0   | -              | dc-eval -r s1.wav s2.wav
dc-mix     | 0   | -              | dc-mix -o x.wav s1.wav s2.wav
dc-train   | 0   | -              | rm -f sp.dcm; $TRAIN -o sp.dcm ibm.dcs
EOF

# ---------------------------------------------------------------- no partial files
# Writes that fail midway (a file size limit, with SIGXFSZ ignored so that write(2)
# fails with EFBIG) leave nothing under the final name, nor a temporary file.
partial() {	# partial NAME STDIN CMD
	rm -rf pf
	mkdir pf
	(cd pf && sh -c "trap '' XFSZ; ulimit -f 4; $3" >/dev/null 2>../err) <"$2"
	rc=$?
	left=$(ls -A pf | tr '\n' ' ')
	if [ "$rc" -ne 1 ]; then
		fail "$1" "exit $rc, wanted 1; stderr: $(cat err)"
	elif [ -n "$left" ]; then
		fail "$1" "left behind: $left"
	elif ! grep -q 'File too large' err; then
		fail "$1" "stderr '$(cat err)'"
	else
		pass "$1"
	fi
}
partial "dc-istft -o: no partial file" masked.dcs "dc-istft -o 'x%k.wav'"
partial "dc-mix -o -O: no partial file" /dev/null "dc-mix -o x.wav -O 's%k.wav' ../s1.wav ../s2.wav"
partial "dc-dump -o: no partial file" ibm.dcs "dc-dump -x stft -o x.npy"
partial "dc-train -i -o: no partial file" /dev/null "dc-train -i -L 1 -H 8 -D 2 -o m.dcm"
partial "dc-train -o: no partial file" /dev/null "$TRAIN -o m.dcm ../ibm.dcs"
# dc-istft: a source that cannot be written takes the utterance's others with it
rm -rf pf && mkdir -p pf/1
check_in "dc-istft: second source fails" 1 'dc-istft: pf/2/x.wav: No such file or directory (a tool makes no directories)' masked.dcs \
    dc-istft -o 'pf/%k/x.wav'
same "dc-istft: second source fails: the first removed" "$(ls -A pf/1)" ""
rm -rf pf

# ---------------------------------------------------------------- truncation
# A small valid stream (nfft 4: T 2, F 3) cut at every byte offset: inside a record,
# exit 1 and exactly "stream truncated inside a record (record N, byte B)", N the
# record's number and B its first byte (record boundaries found by Python's msgpack);
# at a boundary what is left is a whole stream, and the tool succeeds or says in
# one line what is missing; never a signal, never more than one line. The
# sanitizers' tools (B=build-san) take 10 times as long to start: there, only the
# bytes around each boundary and every 16th; valgrind's 100 times: only the bytes
# around each boundary (fuzz_stream cuts streams anywhere under the sanitizers,
# in-process).
"$PY" - <<'EOF'
import msgpack, os, subprocess

def check(name, ok, why):
    print(("PASS: %s" % name) if ok else ("FAIL: %s: %s" % (name, why)), flush=True)

def truncate_all(tool, path, cmd, what=""):
    data = open(path, "rb").read()
    up = msgpack.Unpacker(raw=False, strict_map_key=False)
    up.feed(data)
    starts = []
    for _ in up:
        starts.append(len(starts) and end or 0)
        end = up.tell()
    bad = []
    offsets = range(len(data))
    near = {b + d for b in starts + [len(data)] for d in (-1, 0, 1)}
    if os.environ.get("VALGRIND") == "1":
        offsets = [o for o in offsets if o in near]
    elif os.environ.get("B", "build").endswith("-san"):
        offsets = [o for o in offsets if o in near or o % 16 == 0]
    for o in offsets:
        p = subprocess.run(cmd, shell=True, input=data[:o], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        err = p.stderr.decode(errors="replace")
        rec = max(i for i, s in enumerate(starts) if s <= o)
        if o == 0:
            want = tool + ": stdin: empty stream"
        elif o != starts[rec]:
            want = "%s: stdin: stream truncated inside a record (record %d, byte %d)" % (tool, rec + 1, starts[rec])
        else:
            want = None
        lines = err.count("\n")
        if p.returncode < 0 or p.returncode > 1:
            bad.append("at %d: exit %d: %r" % (o, p.returncode, err))
        elif want is not None and (p.returncode != 1 or err != want + "\n"):
            bad.append("at %d: exit %d, %r; wanted exit 1, %r" % (o, p.returncode, err, want))
        elif lines > 1 or (p.returncode == 1 and lines != 1) or (err and not err.endswith("\n")):
            bad.append("at %d: exit %d with %d lines on stderr: %r" % (o, p.returncode, lines, err))
    check("%s%s: cut at %d of %d byte offsets" % (tool, what, len(offsets), len(data)), not bad, "; ".join(bad[:5]))

truncate_all("dc-istft", "t-masked.dcs", "dc-istft -o 'x%k.wav'")
truncate_all("dc-oracle", "t-stft.dcs", "dc-oracle t1.wav t2.wav")
truncate_all("dc-kmeans", "t-embed.dcs", "dc-kmeans")
truncate_all("dc-mask", "t-ibm.dcs", "dc-mask")
truncate_all("dc-mask", "t-blocks.dcs", "dc-mask", " (blocks)")
truncate_all("dc-istft", "t-bmasked.dcs", "dc-istft -o 'x%k.wav'", " (blocks)")
truncate_all("dc-dump", "t-bmasked.dcs", "dc-dump", " (blocks)")
truncate_all("dc-dump", "t-ibm.dcs", "dc-dump")
truncate_all("dc-embed", "t-stft.dcs", "dc-embed -m t-model.dcm")
# (a run that trains leaves a checkpoint, which the next would not replace)
truncate_all("dc-train", "t-ibm.dcs", "rm -f m.dcm; dc-train -q -L 1 -H 1 -D 2 -T 1 -e 1 -o m.dcm")
EOF

# -h: the summary is output like any other, so a full disk is an error
for t in dc-dump dc-embed dc-eval dc-istft dc-kmeans dc-mask dc-mix dc-oracle dc-plot dc-stft dc-train; do
	check "$t -h to a full disk" 1 "$t: stdout: No space left on device" sh -c "$t -h >/dev/full"
done

# --help and --version where an option stands; any other word of two dashes refused
# by its name; one that is an option's argument, or after --, is not an option
v=$(sed -n 's/^VERSION *= *//p' "$ROOT/config.mk")
for t in dc-dump dc-embed dc-eval dc-istft dc-kmeans dc-mask dc-mix dc-oracle dc-plot dc-stft dc-train; do
	check "$t --version" 0 "" "$t" --version
	same "$t --version: its output" "$(cat "$T/out")" "$t (dcsep) $v"
	"$t" -h >"$T/h.out" 2>&1
	check "$t --help" 0 "" "$t" --help
	same_out "$t --help: the -h summary" "$T/h.out"
	check "$t --version to a full disk" 1 "$t: stdout: No space left on device" sh -c "$t --version >/dev/full"
	check "$t: a long option not its" 2 '*' "$t" --rate 8000
	# the usage as any usage error gives it (-Z is no tool's option)
	u=$("$t" -Z 2>&1 | tail -n +2)
	same "$t: a long option not its: the message, then the usage" "$(cat "$T/err")" \
	    "$t: --rate: unknown option (options are single letters: -h lists them)
$u"
	case $u in "usage: $t "*) pass "$t: -Z: a usage" ;; *) fail "$t: -Z: a usage" "$u" ;; esac
done
check "--help as an option's argument" 2 "dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: --help" dc-kmeans -dk --help
check "--version after a cluster of options" 0 "" dc-kmeans -d --version
same "--version after a cluster of options: its output" "$(cat "$T/out")" "dc-kmeans (dcsep) $v"
check "--help after --: a file" 1 "dc-mask: --help: No such file or directory" dc-mask -- --help
check "--help after an operand: options come first" 2 "dc-mask: --help: an option after the operands: options come first (-- before a file whose name starts with -)
usage: dc-mask [-k sources] [file]" dc-mask x.dcs --help
check "a long option's bytes escaped" 2 "dc-mask: --a\\x1bb: unknown option (options are single letters: -h lists them)
usage: dc-mask [-k sources] [file]" dc-mask "$(printf '%b' '--a\033b')"
check "--help=x is no --help" 2 "dc-mask: --help=x: unknown option (options are single letters: -h lists them)
usage: dc-mask [-k sources] [file]" dc-mask --help=x

# a stage before dc-istft failed (dc-mask, with nothing to mask): the stream ends
# cleanly after the mixture's records, which dc-istft would have written as a source
check "dc-istft: the stream passed dc-mask, which failed: refused" 1 "dc-mask: mix: no labels or masks record (dc-kmeans or dc-oracle makes them)
dc-istft: mix: no masked record, though the stream passed dc-mask: a stage before dc-istft failed on this utterance (its message is above); nothing written" \
    sh -c "dc-mask <stft.dcs | dc-istft -o 'fm%k.wav'"
same "dc-istft: the stream passed dc-mask, which failed: nothing written" "$(ls fm* 2>/dev/null)" ""
check "dc-istft: the same in blocks: refused" 1 "dc-mask: long: no labels or masks record (dc-kmeans or dc-oracle makes them)
dc-istft: long: no masked record, though the stream passed dc-mask: a stage before dc-istft failed on this utterance (its message is above); nothing written" \
    sh -c "dc-stft -B 10 long.wav | dc-mask | dc-istft -o 'fb%k.wav'"
same "dc-istft: the same in blocks: nothing written" "$(ls fb* 2>/dev/null)" ""
# streams joined end to end (cat) each have their own history: an utterance of a
# stream that did not pass dc-mask is the mixture, as asked, in either order
dc-stft -i other s1.wav >other.dcs
check "dc-istft: masked, then a stream without dc-mask, joined: written" 0 '' \
    sh -c "cat masked.dcs other.dcs | dc-istft -o 'j1%u-%k.wav'"
check "dc-istft: a stream without dc-mask, then masked, joined: written" 0 '' \
    sh -c "cat other.dcs masked.dcs | dc-istft -o 'j2%u-%k.wav'"
same "dc-istft: joined streams: every file" "$(ls j1* j2* | tr '\n' ' ')" \
    "j1mix-1.wav j1mix-2.wav j1other-1.wav j2mix-1.wav j2mix-2.wav j2other-1.wav "
