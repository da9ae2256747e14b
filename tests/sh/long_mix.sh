#!/bin/sh
# long_mix.sh: examples/long-mix.sh, a long conversation of two speakers, on a
# corpus of two speakers of tests/data/speech with 10 pieces of their utterance
# each: the mixture as long as asked for, the two sources as mixed summing to it,
# each source silent for the pause before its first utterance (0.3 to 4 s) and
# speaking after it; the same seed, the same bytes; usage errors.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/tests/sh"
S=$DATA/speech
for s in so0036 so0048; do
	mkdir -p "corpus/train/$s"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		sox "$S/${s}_"*.flac "corpus/train/$s/${s}_$i.flac" trim "0.$i" ||
		    fail "corpus" "sox failed"
	done
	echo "$s" >>spk.txt
done
echo "# a comment" >>spk.txt
L=$ROOT/examples/long-mix.sh
check "-m 0.5 -s 3" 0 '' "$L" -m 0.5 -s 3 -S spk.txt -o lm corpus
same "its line" "$(cat "$T/out")" "$T/lm/mix.wav: 0.5 min, speakers $(tr '\n' ' ' <lm/speakers.txt)"
same "the speakers, in the order drawn" "$(sort lm/speakers.txt | tr '\n' ' ')" "so0036 so0048 "
same "the files" "$(ls -A lm | tr '\n' ' ')" "mix.wav s1.wav s2.wav speakers.txt "
"$PY" - <<'PY'
import numpy as np, soundfile as sf
from oracle_lib import check
m, r = sf.read("lm/mix.wav", dtype="float64")
s = [sf.read("lm/s%d.wav" % k, dtype="float64")[0] for k in (1, 2)]
check("30 s at 8 kHz (%d samples at %d Hz)" % (len(m), r), r == 8000 and len(m) == 240000)
check("the sources as long", all(len(x) == len(m) for x in s))
e = max(abs(s[0] + s[1] - m))
check("the sources sum to the mixture (max diff %.2g)" % e, e < 1e-3)
for k, x in enumerate(s):
    first = np.flatnonzero(np.abs(x) > 1e-4)[0] / 8000.0
    check("source %d: its first sound after its pause (%.2f s)" % (k + 1, first), 0.3 <= first < 4.5)
    check("source %d: speech in each half of the recording" % (k + 1),
          np.abs(x[:120000]).max() > 0.01 and np.abs(x[120000:]).max() > 0.01)
PY
check "the same seed again" 0 '*' "$L" -m 0.5 -s 3 -S spk.txt -o lm2 corpus
if cmp -s lm/mix.wav lm2/mix.wav; then pass "the same seed: the same mixture"; else fail "the same seed" "the mixtures differ"; fi
check "-m 0" 2 "$L: -m: minutes must be a number above 0: 0" "$L" -m 0 -S spk.txt -o lm3 corpus
check "one speaker with 10 utterances" 1 "$L: fewer than 2 speakers with 10 utterances in $T/one.txt" \
    sh -c 'echo so0036 >one.txt && "$0" -m 0.5 -S one.txt -o lm4 corpus' "$L"

# hostile names: speakers' directories with a leading space, a tab and quotes, files
# with a tab, a newline, '$(...)' and '*' in their names (the same order as before),
# in a corpus whose name ends in a newline: the same mixture as the plain corpus's
nl='
'
for s in so0036 so0048; do
	h=" $s	'\"\$(x)"
	mkdir -p "hostile$nl/train/$h"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		cp "corpus/train/$s/${s}_$i.flac" "hostile$nl/train/$h/${s}_$i	a${nl}b\$(touch pwned)*.flac"
	done
	printf '%s\n' "$h" >>hspk.txt
done
check "hostile names" 0 '*' "$L" -m 0.5 -s 3 -S hspk.txt -o lm5 "hostile$nl"
if cmp -s lm/mix.wav lm5/mix.wav; then pass "hostile names: the same mixture"; else fail "hostile names" "not the same mixture"; fi
same "hostile names: the speakers, as drawn from the plain corpus" "$(cat lm5/speakers.txt)" \
    "$(while read -r s; do printf ' %s\t%s\n' "$s" "'\"\$(x)"; done <lm/speakers.txt)"
same "hostile names: no command run from a name" "$(ls -d "$T/pwned" "$ROOT/pwned" 2>&1 | sed 's/.*: //')" \
    "No such file or directory${nl}No such file or directory"
