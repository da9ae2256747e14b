#!/bin/sh
# resources.sh (issue 18, classes 4 and 6): numbers that would overflow on the way
# are refused where they enter; no tool writes Inf or NaN it was not given; closed
# standard streams never send output into the wrong file; out of memory is exit 1
# with one line, never a crash or a hang, at any memory limit.
. "$ROOT/tests/lib.sh"

"$PY" - <<'EOF' || fail "fixtures" "python failed"
import numpy as np, soundfile as sf
x = np.zeros(8000, np.float32)
x[100], x[200] = 1e38, -3e5
sf.write("huge.wav", x, 8000, subtype="FLOAT")
x[100] = 0
sf.write("loud.wav", x, 8000, subtype="FLOAT")
EOF

# numbers: a float sample of 1e38 made a spectrum of Inf and NaN without a word
# (dc-eval computes in double, where they do not overflow)
check "dc-stft: a sample of 1e38" 1 \
	'dc-stft: huge.wav: sample 101 is 1e+38, beyond +-1e+06 (float audio is nominally within +-1)' \
	sh -c 'dc-stft huge.wav >x.dcs'
check "dc-oracle: a source with a sample of 1e38" 1 \
	'dc-oracle: huge.wav: sample 101 is 1e+38, beyond +-1e+06 (float audio is nominally within +-1)' \
	sh -c 'dc-stft loud.wav | dc-oracle loud.wav huge.wav >x.dcs'
check "dc-stft: 3e5 is taken" 0 '' sh -c 'dc-stft loud.wav >loud.dcs'
check "dc-mix: a source with a sample of 1e38" 1 \
	'dc-mix: huge.wav: sample 101 is 1e+38, beyond +-1e+06 (float audio is nominally within +-1)' \
	dc-mix -o m.wav huge.wav "$DATA/speech/so0036_000360332.flac"
check "dc-eval: a reference with a sample of 1e38" 1 \
	'dc-eval: huge.wav: sample 101 is 1e+38, beyond +-1e+06 (float audio is nominally within +-1)' \
	dc-eval -r huge.wav loud.wav
PYTHONPATH="$ROOT/tests/sh" "$PY" - <<'EOF' || fail "fixtures: masked" "python failed"
import numpy as np, oracle_lib as L
utt, rest = L.utterances(L.read_records("loud.dcs"))[0]
st = L.last(rest, "stft")
Y = np.full((1,) + L.tensor(st).shape, 3e38 + 3e38j, np.complex64)
keys = {k: st[k] for k in ("rate", "nfft", "hop", "samples", "window")}
L.write_stream("hugem.dcs", [utt, st, L.tensor_rec("masked", Y, k=1, **keys)])
X = L.tensor(st).copy()
X[5, 7] = 3e19
L.write_stream("hugestft.dcs", [utt, L.tensor_rec("stft", X, **keys)])
EOF
for t in "dc-embed" "dc-plot -o p.png"; do
	check_in "${t%% *}: a spectrum value of 3e19 (finite; its square is not)" 1 \
		"${t%% *}: loud: stft record: value 3e+19 at frame 5, bin 7 is beyond +-1e+18 (its square overflows)" \
		hugestft.dcs $t
done
for e in pcm16 float; do
	check_in "dc-istft -e $e: finite spectra that overflow on the way back" 1 \
		'dc-istft: loud: the inverse STFT overflows to Inf or NaN (spectrum values too large)' \
		hugem.dcs dc-istft -e $e -o "hm-$e.wav"
	[ -e "hm-$e.wav" ] && fail "dc-istft -e $e: no file of the failed run" "hm-$e.wav exists" ||
		pass "dc-istft -e $e: no file of the failed run"
done

# closed standard streams: /dev/null takes their place, so no file opened later
# gets their number; a stream to a closed stdout is an error, not /dev/null
dc-stft "$ROOT/examples/mix.wav" >mix.dcs
dc-oracle "$ROOT/examples/s1.wav" "$ROOT/examples/s2.wav" <mix.dcs >ibm.dcs
dc-train -L 1 -H 4 -D 2 -T 50 -e 1 -l log.tsv -o m.dcm ibm.dcs 2>&-
rc=$?
if [ $rc -eq 0 ] && [ "$(cut -f 1 log.tsv | sort -u | tr '\n' ' ')" = "1 epoch " ]; then
	pass "dc-train with stderr closed: its log holds only its rows"
else
	fail "dc-train with stderr closed: its log holds only its rows" "exit $rc; $(head -c 300 log.tsv)"
fi
sh -c 'dc-stft "$1" >&-' sh "$ROOT/examples/mix.wav" 2>err
same "dc-stft with stdout closed: exit 1, one line" "$? $(cat err)" "1 dc-stft: stdout: Bad file descriptor"
sh -c 'dc-mask <&-' 2>err
same "dc-mask with stdin closed: an empty stream" "$? $(cat err)" "1 dc-mask: stdin: empty stream"

# out of memory: at any address-space limit, exit 0, or exit 1 with one line
# (oneDNN crashed when memory ran out inside it; the tools aborted)
if [ "$B" != build ] || [ "${VALGRIND:-0}" = 1 ]; then
	skip "dc-embed under memory limits" "sanitizers and valgrind reserve more address space than the limits"
	exit 0
fi
bad=
for v in 150000 200000 250000 300000 330000 340000 350000 370000 400000 450000; do
	# a hang is a failure, not a stuck suite (OpenBLAS's idle threads spun for
	# ever under a limit, and the exit waited for them)
	(ulimit -v $v && exec timeout 120 dc-embed -t 1 <mix.dcs >/dev/null 2>err)
	rc=$?
	case "$rc $(cat err)" in
	"0 " | "1 dc-embed: out of memory allocating "*" bytes") ;;
	*) bad="$bad [$v KB: exit $rc: $(head -c 200 err)]" ;;
	esac
done
[ -z "$bad" ] && pass "dc-embed under 10 memory limits: exit 0 or the out-of-memory line" ||
	fail "dc-embed under memory limits" "$bad"
