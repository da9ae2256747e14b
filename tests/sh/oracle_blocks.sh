#!/bin/sh
# tests/sh/oracle_blocks.sh: dc-oracle on an utterance in blocks (dc-stft -B): the
# sources read a chunk at a time, each block's labels, masks and ref records the
# whole utterance's frames bit for bit, on stdin and with -l; a source shorter or
# longer than the mixture refused with its message; a second utterance after the
# blocks refused.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh:$ROOT/formats"
SP=$DATA/speech

# 13 s of two sources (the test speech), an odd length, and their mixture
"$PY" - "$SP" <<'EOF' || fail "fixtures" "python failed"
import sys, glob, numpy as np, soundfile as sf
xs = [sf.read(f, dtype="float32")[0] for f in sorted(glob.glob(sys.argv[1] + "/*.flac"))]
a = np.concatenate(xs)[:8000 * 13 - 5]
b = np.concatenate(xs[::-1])[:8000 * 13 - 5] * 0.7
sf.write("s1.wav", a, 8000, subtype="FLOAT")
sf.write("s2.wav", b, 8000, subtype="FLOAT")
sf.write("mix.wav", a + b, 8000, subtype="FLOAT")
sf.write("short.wav", b[:-300], 8000, subtype="FLOAT")
sf.write("long.wav", np.concatenate([b, b[:300]]), 8000, subtype="FLOAT")
open("list.tsv", "w").write("id\tmix\tsources\nmix\tmix.wav\ts1.wav,s2.wav\n")
EOF
dc-stft -B 3 mix.wav >b.dcs || fail "dc-stft -B 3" "failed"
dc-stft -B 0 mix.wav >w.dcs || fail "dc-stft -B 0" "failed"
for m in ibm irm wiener; do
	check_in "-m $m -R, blocks" 0 '' b.dcs dc-oracle -m "$m" -R s1.wav s2.wav
	mv out b-$m.dcs
	check_in "-m $m -R, whole" 0 '' w.dcs dc-oracle -m "$m" -R s1.wav s2.wav
	mv out w-$m.dcs
done
check_in "-l list.tsv, blocks" 0 '' b.dcs dc-oracle -m irm -R -l list.tsv
mv out bl-irm.dcs

"$PY" - <<'EOF'
import numpy as np
import dcstream

def check(name, ok, why=""):
    print(("PASS: %s" % name) if ok else ("FAIL: %s: %s" % (name, why)))

DT = {"int32": np.int32, "float32": np.float32, "complex64": np.complex64}
for m, f in (("ibm", "b-ibm.dcs"), ("irm", "b-irm.dcs"), ("wiener", "b-wiener.dcs"), ("irm (-l)", "bl-irm.dcs")):
    recs = list(dcstream.records(f))
    nb = sum(r["kind"] == "block" for r in recs)
    w = dcstream.read("w-%s.dcs" % m.split()[0])[1][0]
    for kind, ax in (("labels", 0), ("masks", 1), ("ref", 1)):
        parts = [np.frombuffer(r["data"], DT[r["dtype"]]).reshape(r["shape"]) for r in recs if r["kind"] == kind]
        if kind not in w:
            check("%s: no %s record" % (m, kind), not parts, str(len(parts)))
            continue
        B = np.concatenate(parts, axis=ax)
        check("%s: %d %s records, one a block, the whole utterance's bit for bit" % (m, len(parts), kind),
              len(parts) == nb and np.array_equal(B, w[kind]["data"]), "%d blocks, %s" % (nb, B.shape))
kinds = [r["kind"] for r in dcstream.records("b-ibm.dcs")][:7]
check("each block: block, stft, then labels and ref", kinds == ["dcsep", "utt", "block", "stft", "labels", "ref", "block"],
      str(kinds))
EOF

check_in "a source shorter than the mixture" 1 \
    "dc-oracle: short.wav: 103695 samples at 8000 Hz, but utterance mix has 103995" \
    b.dcs dc-oracle s1.wav short.wav
check_in "a source longer than the mixture" 1 \
    "dc-oracle: long.wav: 104295 samples at 8000 Hz, but utterance mix has 103995" \
    b.dcs dc-oracle s1.wav long.wav
cat b.dcs w.dcs >bw.dcs
check_in "a second utterance after the blocks" 1 \
    "dc-oracle: stdin: more than one utterance; give the sources of each with -l list.tsv" \
    bw.dcs dc-oracle s1.wav s2.wav
check_in "a missing source" 1 '*' b.dcs dc-oracle s1.wav nosuch.wav
grep -q '^dc-oracle: nosuch.wav: ' err && [ "$(wc -l <err)" -eq 1 ] &&
    pass "... one line naming it: $(cat err)" || fail "... one line naming it" "$(cat err)"
