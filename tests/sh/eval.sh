# tests/sh/eval.sh: dc-eval's messages, exit codes and output shapes. The values
# themselves are checked against mir_eval in tests/py/test_eval_mireval.py.
. "$ROOT/tests/lib.sh"

S=$DATA/speech
F="-e floating-point -b 32"
sox $S/so0036_000360332.flac a.wav trim 0 1.5
sox $S/so0048_000480014.flac b.wav trim 0 1.5
sox $S/so0053_000530115.flac c.wav trim 0 1.5
sox -m a.wav b.wav $F mix.wav
# estimates: a source, another leaking in, and 8-bit quantisation noise (no dither)
sox -R -D -m -v 1 a.wav -v 0.3 b.wav -b 8 ea.wav
sox -R -D -m -v 1 b.wav -v 0.2 a.wav -b 8 eb.wav
sox ea.wav $F ea_half.wav vol 0.5                   # the same estimate, quieter
sox a.wav $F a_long.wav pad 0 0.1                   # 800 samples longer
sox a.wav $F a_near.wav pad 0 0.01                  # 80 samples longer
sox a.wav -r 16000 a16.wav
sox -n -r 8000 -c 1 $F zero.wav trim 0 1.5
sox a.wav b.wav -M stereo.wav
echo 'not audio' > bad.wav

# ---------------------------------------------------------------- usage
check "-h exits 0" 0 "" dc-eval -h
same "-h prints the usage on stdout" "$(head -n 1 out)" \
    "usage: dc-eval [-jst] [-i id] [-m mix] [-w seconds] -r ref [-r ref ...] est ..."
USAGE="usage: dc-eval [-jst] [-i id] [-m mix] [-w seconds] -r ref [-r ref ...] est ...
       dc-eval [-jst] [-w seconds] -l list [-e pattern]"
check "no arguments: what, then the usage" 2 "dc-eval: nothing to measure: give -r ref ... est ..., or -l list
$USAGE" dc-eval
check "unknown option" 2 "dc-eval: invalid option -- 'x'
$USAGE" dc-eval -x a.wav
check "more references than estimates" 2 \
    "dc-eval: 2 references but 1 estimate: give as many of each" dc-eval -r a.wav -r b.wav ea.wav
check "estimates without references" 2 \
    "dc-eval: 0 references but 2 estimates: give as many of each" dc-eval ea.wav eb.wav
check "-j and -t together" 2 "dc-eval: -j and -t exclude each other" dc-eval -j -t -r a.wav ea.wav
check "-l with files" 2 "dc-eval: -l: the list names the files: no -r, -m, -i or estimates with it" \
    dc-eval -l list.tsv -r a.wav ea.wav
check "a reference twice" 1 "dc-eval: a.wav: the same file as reference 1: each source's reference once" \
    dc-eval -r a.wav -r a.wav ea.wav eb.wav
ln -s a.wav alink.wav
check "a reference twice, by a link" 1 "dc-eval: alink.wav: the same file as reference 2: each source's reference once" \
    dc-eval -r b.wav -r a.wav -r alink.wav ea.wav eb.wav ea.wav
printf 'm1\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\nm2\tmix.wav\tb.wav,b.wav\tea.wav,eb.wav\n' >ltwice.tsv
check "a reference twice in a list: its line, before any work" 1 "dc-eval: ltwice.tsv:2: b.wav: the same file as reference 1: each source's reference once" \
    dc-eval -t -l ltwice.tsv
same "a reference twice in a list: nothing written" "$(cat out)" ""
check "nine references" 2 "dc-eval: -r: more than 8 references: at most 8 sources" \
    dc-eval -r a.wav -r a.wav -r a.wav -r a.wav -r a.wav -r a.wav -r a.wav -r a.wav -r a.wav ea.wav

# ---------------------------------------------------------------- data errors
check "missing file" 1 "dc-eval: nope.wav: No such file or directory" dc-eval -r a.wav nope.wav
check "missing mixture" 1 "dc-eval: nomix.wav: No such file or directory" \
    dc-eval -m nomix.wav -r a.wav ea.wav
check "unreadable file" 1 "dc-eval: bad.wav: Format not recognised" dc-eval -r a.wav bad.wav
check "directory as an estimate" 1 "dc-eval: .: Is a directory" dc-eval -r a.wav .
check "directory as a reference" 1 "dc-eval: .: Is a directory" dc-eval -r . a.wav
# a reference or mixture at another rate is brought to the estimates' (sox made
# a16.wav from a.wav: back at 8 kHz it is a.wav within its band, less two
# resamplings' ripple, so the figures agree to 0.1 dB); estimates of two rates
# are refused
check "a reference at 16 kHz: resampled to the estimates' 8 kHz, said" 0 \
    "dc-eval: a16.wav: resampled from 16000 Hz to 8000 Hz" dc-eval -j -r a16.wav -r b.wav ea.wav eb.wav
tail -n 1 out >r16.json
check "the same at 8 kHz" 0 "" dc-eval -j -r a.wav -r b.wav ea.wav eb.wav
tail -n 1 out >r8.json
"$PY" - <<'PY'
import json
a, b = json.load(open("r16.json")), json.load(open("r8.json"))
d = max(abs(a[m] - b[m]) for m in ("sdr", "sir", "sar", "si_sdr"))
name = "resampled reference: the figures of the original within 0.1 dB"
print("PASS: %s (%.3f)" % (name, d) if d < 0.1 else "FAIL: %s: off by %.3f dB" % (name, d))
PY
check "a mixture at 16 kHz: resampled, said" 0 \
    "dc-eval: a16.wav: resampled from 16000 Hz to 8000 Hz" dc-eval -m a16.wav -r a.wav ea.wav
check "estimates of two rates" 1 "dc-eval: a16.wav: sample rate 16000 Hz, but ea.wav has 8000 Hz" \
    dc-eval -r a.wav -r b.wav ea.wav a16.wav
check "an estimate at 16 kHz: the references brought to it, said" 0 \
    "dc-eval: a.wav: resampled from 8000 Hz to 16000 Hz" dc-eval -r a.wav a16.wav
check "silent estimate" 1 "dc-eval: zero.wav: estimate is silent (all zeros)" \
    dc-eval -r a.wav -r b.wav ea.wav zero.wav
check "silent reference" 1 "dc-eval: zero.wav: reference is silent (all zeros)" \
    dc-eval -r zero.wav -r b.wav ea.wav eb.wav
check "silent mixture" 1 "dc-eval: zero.wav: mixture is silent (all zeros)" \
    dc-eval -m zero.wav -r a.wav -r b.wav ea.wav eb.wav
check "stdout /dev/full" 1 "dc-eval: stdout: No space left on device" \
    sh -c 'dc-eval -r a.wav -r b.wav ea.wav eb.wav >/dev/full'
check "-j to /dev/full" 1 "dc-eval: stdout: No space left on device" \
    sh -c 'dc-eval -j -r a.wav -r b.wav ea.wav eb.wav >/dev/full'

# ---------------------------------------------------------------- warnings
check "lengths within a frame: silent" 0 "" dc-eval -r a_near.wav -r b.wav ea.wav eb.wav
check "lengths differ: truncated, said" 0 \
    "dc-eval: lengths differ by 800 samples (12000 to 12800): all truncated to 12000" \
    dc-eval -r a_long.wav -r b.wav ea.wav eb.wav
check "stereo estimate: mixed down, said" 0 "dc-eval: stereo.wav: 2 channels mixed down to mono" \
    dc-eval -r a.wav stereo.wav

# ---------------------------------------------------------------- table
check "table" 0 "" dc-eval -m mix.wav -r a.wav -r b.wav eb.wav ea.wav
same "table: header" "$(sed -n 1p out)" \
    "id        SDR      SIR      SAR   SI-SDR     SDRi  SI-SDRi"
same "table: a row per mixture and a mean" "$(wc -l <out | tr -d ' ')" 3
same "table: the id is the mixture's name" "$(sed -n 2p out | cut -c1-4)" "mix "
same "table: mean row last" "$(sed -n 3p out | cut -c1-4)" "mean"
same "table: 7 columns" "$(awk '{ print NF }' out | sort -u)" 7
sdr=$(awk 'NR == 2 { print $2 }' out)
num "table: SDR of a 10 dB leak is near 10 dB" "$sdr" ">" 8
num "table: ... and below 13 dB" "$sdr" "<" 13
check "table without mixture" 0 "" dc-eval -r a.wav -r b.wav ea.wav eb.wav
same "table without mixture: 5 columns" "$(awk '{ print NF }' out | sort -u)" 5
same "table without mixture: id of est1" "$(sed -n 2p out | cut -c1-4)" "ea  "
check "-s: a row per source" 0 "" dc-eval -s -i two -m mix.wav -r a.wav -r b.wav eb.wav ea.wav
same "-s: header" "$(sed -n 1p out)" \
    "id   src est      SDR      SIR      SAR   SI-SDR     SDRi  SI-SDRi"
same "-s: sources matched across the swap" "$(awk 'NR > 1 { print $1, $2, $3 }' out | tr '\n' ';')" \
    "two 1 2;two 2 1;mean - -;"

# ---------------------------------------------------------------- TSV
check "TSV" 0 "" dc-eval -t -m mix.wav -r a.wav -r b.wav ea.wav eb.wav
same "TSV: header" "$(sed -n 1p out)" "$(printf 'id\tsdr\tsir\tsar\tsi_sdr\tsdri\tsi_sdri')"
same "TSV: 7 tab-separated fields on every line" "$(awk -F '\t' '{ print NF }' out | sort -u)" 7
same "TSV: mean last" "$(tail -n 1 out | cut -f 1)" mean
check "TSV -s" 0 "" dc-eval -t -s -r a.wav -r b.wav ea.wav eb.wav
same "TSV -s: header" "$(sed -n 1p out)" "$(printf 'id\tsrc\test\tsdr\tsir\tsar\tsi_sdr')"
same "TSV -s: rows" "$(cut -f 1-3 out | tail -n +2 | tr '\t' ' ' | tr '\n' ';')" "ea 1 1;ea 2 2;mean - -;"

# ---------------------------------------------------------------- JSON
check "JSON" 0 "" dc-eval -j -m mix.wav -r a.wav -r b.wav eb.wav ea.wav
same "JSON: two lines" "$(wc -l <out | tr -d ' ')" 2
same "JSON: objects and keys" "$("$PY" -c '
import json, sys
o = [json.loads(l) for l in open("out")]
print(sorted(o[0]), o[0]["perm"], o[0]["si_perm"], o[0]["samples"], o[0]["rate"], sorted(o[1]), o[1]["files"])
')" "['id', 'mean', 'perm', 'rate', 'samples', 'sar', 'sdr', 'sdr_mix', 'sdri', 'si_perm', 'si_sdr', 'si_sdr_mix', 'si_sdri', 'sir', 'sources'] [2, 1] [2, 1] 12000 8000 ['files', 'sar', 'sdr', 'sdri', 'si_sdr', 'si_sdri', 'sir', 'summary'] 1"
check "JSON: one source, SIR infinite" 0 "" dc-eval -j -r a.wav ea.wav
same "JSON: infinity written as 1e999" "$(head -n 1 out | grep -o '"sir":\[[^]]*\]')" '"sir":[1e999]'
check "table: one source, SIR inf" 0 "" dc-eval -r a.wav ea.wav
same "table: inf" "$(awk 'NR == 2 { print $3 }' out)" inf

# ---------------------------------------------------------------- segments (-w)
# values per segment are checked against mir_eval in tests/py/test_eval_segments.py
check "-w 0" 2 "dc-eval: -w: the segment must be a number of seconds from 0.1 to 1e6: 0" \
    dc-eval -w 0 -r a.wav ea.wav
check "-w not a number" 2 "dc-eval: -w: the segment must be a number of seconds from 0.1 to 1e6: x" \
    dc-eval -w x -r a.wav ea.wav
check "-w: table" 0 "" dc-eval -w 0.5 -m mix.wav -r a.wav -r b.wav eb.wav ea.wav
same "-w: table header" "$(sed -n 1p out)" \
    "id      start      end perm      SDR      SIR      SAR   SI-SDR     SDRi  SI-SDRi"
same "-w: the file, its 3 segments, the mean" "$(awk '{ print $1, $2, $3, $4 }' out | tail -n +2 | tr '\n' ';')" \
    "mix - - 2,1;mix 0.00 0.50 2,1;mix 0.50 1.00 2,1;mix 1.00 1.50 2,1;mean - - -;"
same "-w: the file's row as without -w" "$(sed -n 2p out | cut -c 1-4,28-)" \
    "$(dc-eval -m mix.wav -r a.wav -r b.wav eb.wav ea.wav | sed -n 2p)"
check "-w: TSV" 0 "" dc-eval -t -w 0.7 -r a.wav -r b.wav ea.wav eb.wav
same "-w: TSV header" "$(sed -n 1p out)" "$(printf 'id\tstart\tend\tperm\tsdr\tsir\tsar\tsi_sdr')"
same "-w: TSV, 0.1 s left over joins the last segment" "$(cut -f 1-4 out | tail -n +2 | tr '\t' ' ' | tr '\n' ';')" \
    "ea - - 1,2;ea 0.000 0.700 1,2;ea 0.700 1.500 1,2;mean - - -;"
check "-w -s: a row per source and segment" 0 "" dc-eval -s -w 1 -r a.wav -r b.wav eb.wav ea.wav
same "-w -s: header" "$(sed -n 1p out)" \
    "id   src est    start      end      SDR      SIR      SAR   SI-SDR"
same "-w -s: rows (0.5 s left over: a segment)" "$(awk 'NR > 1 { print $2, $3, $4, $5 }' out | tr '\n' ';')" \
    "1 2 - -;2 1 - -;1 2 0.00 1.00;2 1 0.00 1.00;1 2 1.00 1.50;2 1 1.00 1.50;- - - -;"
check "-w: JSON" 0 "" dc-eval -j -w 2 -m mix.wav -r a.wav -r b.wav eb.wav ea.wav
same "-w: JSON segments and their keys" "$("$PY" -c '
import json
o = [json.loads(l) for l in open("out")]
s = o[0]["segments"]
print(o[0]["window"], len(s), s[0]["start"], s[0]["samples"], sorted(s[0]), s[0]["perm"], s[0]["sdr"] == o[0]["sdr"])
')" "16000 1 0 12000 ['mean', 'perm', 'samples', 'sar', 'sdr', 'sdr_mix', 'sdri', 'si_perm', 'si_sdr', 'si_sdr_mix', 'si_sdri', 'sir', 'start'] [2, 1] True"

# 3 sources in segments of fewer than 2 x 512 + 1 samples: their delayed
# references span the segment, no artifacts are left, SAR is undefined (nan)
check "-w: 3 sources in 0.1-s segments" 0 \
    "dc-eval: 15 segments of 1025 samples or fewer: SAR undefined (nan) there: 3 sources' 512-tap fit leaves no artifacts that short" \
    dc-eval -t -w 0.1 -r a.wav -r b.wav -r c.wav ea.wav eb.wav c.wav
same "-w: 3 sources in 0.1-s segments: SAR nan in each, not in the file's row" \
    "$(awk -F '\t' 'NR > 1 { print ($2 == "-" ? "file" : "segment"), ($7 == "nan" ? "nan" : "x") }' out |
    sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 2 file x; 15 segment nan;"
check "-w: 3 sources in 0.13-s segments: the last is short" 0 \
    "dc-eval: 1 segment of 1025 samples or fewer: SAR undefined (nan) there: 3 sources' 512-tap fit leaves no artifacts that short" \
    dc-eval -t -w 0.13 -r a.wav -r b.wav -r c.wav ea.wav eb.wav c.wav

# FLAC written to a pipe from a stream of unknown length: its header gives no
# length (libsndfile: the largest count, taken for a long file); read whole, the
# same samples as the WAV (16 bits, or 8 for the estimates, both)
for f in a b ea eb; do
	sox $f.wav -e signed -b 16 -t raw - | sox -t raw -r 8000 -e signed -b 16 -c 1 - -t flac - 2>/dev/null |
	    cat >${f}stream.flac
done
check "files with no length in their headers" 0 "" \
    dc-eval -t -i x -r astream.flac -r bstream.flac eastream.flac ebstream.flac
cp out stream.tsv
check "... the same figures as their WAV files" 0 "" dc-eval -t -i x -r a.wav -r b.wav ea.wav eb.wav
same_out "... the same figures as their WAV files: the table" stream.tsv

# ---------------------------------------------------------------- long files
# more than 2^19 samples: read twice in chunks (dc_bsslong); the same figures as the
# whole-signal path, which a file on stdin takes (it cannot be read twice), and the
# same messages
sox -n -r 8000 -c 1 $F L1.wav synth 70 pinknoise vol 0.1
sox -n -r 8000 -c 1 $F L2.wav synth 70 brownnoise vol 0.1
sox -n -r 8000 -c 1 $F Ln.wav synth 70 whitenoise vol 0.01
sox -m L1.wav -v 0.2 L2.wav Ln.wav $F Le1.wav
sox -m L2.wav -v 0.2 L1.wav Ln.wav $F Le2.wav
sox -m L1.wav L2.wav $F Lmix.wav
sox L1.wav $F L1long.wav pad 0 0.1
sox L1.wav -r 16000 L16.wav
sox -n -r 8000 -c 1 $F Lzero.wav trim 0 70
sox L1.wav L2.wav -M Lst.wav
check "long: two passes" 0 "" dc-eval -t -w 20 -i x -m Lmix.wav -r L1.wav -r L2.wav Le1.wav Le2.wav
cp out long.tsv
check_in "long: one estimate on stdin: the whole-signal path" 0 "" Le1.wav \
    dc-eval -t -w 20 -i x -m Lmix.wav -r L1.wav -r L2.wav - Le2.wav
same "long: the same figures both ways (4 decimals)" "$(cat long.tsv)" "$(cat out)"
same "long: the file, 3 segments of 20 s and one of 10 s, the mean" "$(cut -f 1-4 long.tsv | tr '\t' ' ' | tr '\n' ';')" \
    "id start end perm;x - - 1,2;x 0.000 20.000 1,2;x 20.000 40.000 1,2;x 40.000 60.000 1,2;x 60.000 70.000 1,2;mean - - -;"
check "long: lengths differ, said" 0 \
    "dc-eval: lengths differ by 800 samples (560000 to 560800): all truncated to 560000" \
    dc-eval -r L1long.wav -r L2.wav Le1.wav Le2.wav
check "long: a reference at 16 kHz: read whole, resampled, said" 0 \
    "dc-eval: L16.wav: resampled from 16000 Hz to 8000 Hz" dc-eval -j -r L16.wav Le1.wav
check "long: estimates of two rates" 1 "dc-eval: L16.wav: sample rate 16000 Hz, but Le1.wav has 8000 Hz" \
    dc-eval -r L1.wav -r L2.wav Le1.wav L16.wav
check "long: silent estimate" 1 "dc-eval: Lzero.wav: estimate is silent (all zeros)" \
    dc-eval -r L1.wav -r L2.wav Le1.wav Lzero.wav
check "long: silent mixture" 1 "dc-eval: Lzero.wav: mixture is silent (all zeros)" \
    dc-eval -m Lzero.wav -r L1.wav -r L2.wav Le1.wav Le2.wav
check "long: stereo estimate mixed down, said" 0 "dc-eval: Lst.wav: 2 channels mixed down to mono" \
    dc-eval -r L1.wav Lst.wav
check "long: a list names its line" 1 "dc-eval: ll.tsv:1: Lzero.wav: estimate is silent (all zeros)" \
    sh -c 'printf "m\tLmix.wav\tL1.wav,L2.wav\tLe1.wav,Lzero.wav\n" >ll.tsv; dc-eval -l ll.tsv'
# a file shorter than its header says (a FLAC of 35 s whose STREAMINFO claims 70 s):
# the message gives the length of its own header, not that of the shortest file,
# alone: the note on the lengths that differ is held with the mixture's scores
sox L1.wav -b 16 Lcut.flac trim 0 35
"$PY" -c '
b = bytearray(open("Lcut.flac", "rb").read())
v = int.from_bytes(b[18:26], "big") >> 36 << 36 | 560000   # total samples: 36 bits
b[18:26] = v.to_bytes(8, "big")
open("Lcut.flac", "wb").write(b)'
sox Le2.wav Le2short.wav trim 0 69
check "long: a file shorter than its header" 1 \
    "dc-eval: Lcut.flac: ended after 280000 samples, fewer than its header says (560000)" \
    dc-eval -r Lcut.flac -r L2.wav Le1.wav Le2short.wav

# ---------------------------------------------------------------- properties
dc-eval -t -r a.wav -r b.wav ea.wav eb.wav >full.tsv
dc-eval -t -r a.wav -r b.wav ea_half.wav eb.wav >half.tsv
same "scale invariance: half the estimate, the same scores" "$(tail -n 1 half.tsv)" "$(tail -n 1 full.tsv)"
dc-eval -t -m mix.wav -r a.wav -r b.wav mix.wav mix.wav >mm.tsv
same "the mixture as its own estimate improves nothing" "$(tail -n 1 mm.tsv | cut -f 6,7)" \
    "$(printf '0.0000\t0.0000')"
dc-eval -t -r a.wav -r b.wav a.wav b.wav >perfect.tsv
num "perfect estimates: SDR above 100 dB" "$(tail -n 1 perfect.tsv | cut -f 2)" ">" 100

# ---------------------------------------------------------------- lists
printf '# id\tmix\trefs\tests\n\nm1\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\n  # indented comment\nm2\tmix.wav\tb.wav,a.wav\tea.wav,eb.wav\n' >list.tsv
check "list" 0 "" dc-eval -t -l list.tsv
same "list: a row per mixture, then the mean" "$(cut -f 1 out | tr '\n' ' ')" "id m1 m2 mean "
same "list: the same as one at a time" "$(sed -n 2p out | cut -f 2-)" \
    "$(dc-eval -t -m mix.wav -r a.wav -r b.wav ea.wav eb.wav | sed -n 2p | cut -f 2-)"
check_in "list from stdin" 0 "" list.tsv dc-eval -j -l -
same "list from stdin: 3 JSON lines" "$(wc -l <out | tr -d ' ')" 3
m=$("$PY" -c '
import json
o = [json.loads(l) for l in open("out")]
print("%.9f" % abs(o[2]["sdr"] - (o[0]["mean"]["sdr"] + o[1]["mean"]["sdr"]) / 2))')
num "list: the summary is the mean of the rows" "$m" "<" 1e-9
# a list in a directory of a long path: its line still named in full
d=$(printf '%0200d' 0)/$(printf '%0200d' 1)
mkdir -p "$d"
printf 'm\t-\ta.wav\tea.wav\n' >"$d/l.tsv"
check "list of a long path: the message names its line" 1 \
    "dc-eval: $d/l.tsv:1: $d/a.wav: No such file or directory" dc-eval -l "$d/l.tsv"
printf 'm1\t-\ta.wav,b.wav\tea.wav,eb.wav\nm2\t\tb.wav,c.wav\teb.wav,ea.wav\n' >nomix.tsv
check "list without mixtures" 0 "" dc-eval -l nomix.tsv
same "list without mixtures: 5 columns" "$(awk '{ print NF }' out | sort -u)" 5
printf 'm1\tmix.wav\ta.wav,b.wav\n' >l3.tsv
check "list: 3 columns" 1 "dc-eval: l3.tsv:1: 3 columns, wanted 4: id, mix, refs, ests (tab-separated)" \
    dc-eval -l l3.tsv
printf 'm1\tmix.wav\ta.wav\tea.wav\tx\n' >l5.tsv
check "list: 5 columns" 1 "dc-eval: l5.tsv:1: more than 4 columns, wanted 4: id, mix, refs, ests (tab-separated; -e takes the estimates from a pattern)" \
    dc-eval -l l5.tsv
printf '# c\nm1\tmix.wav\ta.wav,b.wav\tea.wav\n' >lc.tsv
check "list: count mismatch" 1 "dc-eval: lc.tsv:2: 2 references but 1 estimate" dc-eval -l lc.tsv
printf 'm1\tmix.wav\ta.wav,,b.wav\tea.wav,eb.wav\n' >le.tsv
check "list: empty path" 1 "dc-eval: le.tsv:1: an empty path among the references" dc-eval -l le.tsv
printf '\tmix.wav\ta.wav\tea.wav\n' >li.tsv
check "list: empty id" 1 "dc-eval: li.tsv:1: empty id" dc-eval -l li.tsv
printf 'm1\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\nm2\t-\ta.wav,b.wav\tea.wav,eb.wav\n' >lm.tsv
check "list: mixture on some lines only" 1 \
    "dc-eval: lm.tsv:2: line 1 names a mixture and line 2 none: give a mixture on every line or on none" \
    dc-eval -l lm.tsv
printf '# nothing\n\n' >l0.tsv
check "list: empty" 1 "dc-eval: l0.tsv: no mixtures in the list" dc-eval -l l0.tsv
check "list: missing" 1 "dc-eval: nolist.tsv: No such file or directory" dc-eval -l nolist.tsv
printf 'm1\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\nm2\tmix.wav\ta.wav,b.wav\tea.wav,nope.wav\n' >lf.tsv
check "list: a missing file names its line" 1 "dc-eval: lf.tsv:2: nope.wav: No such file or directory" \
    dc-eval -l lf.tsv
check "list: a missing file is found before any mixture is measured" 1 '*' dc-eval -t -l lf.tsv
same "list: ... nothing written, not even the header" "$(cat out)" ""
printf 'm1\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\nm2\tmix.wav\ta.wav,b.wav\tea.wav,zero.wav\n' >ls.tsv
check "list: a file refused as its mixture is measured: its line" 1 "dc-eval: ls.tsv:2: zero.wav: estimate is silent (all zeros)" \
    dc-eval -t -l ls.tsv
same "list: ... the rows before it were written, and no mean row" "$(cut -f 1 out | tr '\n' ' ')" "id m1 "

# -e: a set as dc-mix makes it (list.tsv: a header, six columns), separated with
# its oracle masks into sep/ID-sK.wav, scored from its own list: the same figures
# as the four-column list that names the estimates
speech_corpus corpus
dc-mix -n 3 -k 2 -s 1 -o eset corpus 2>/dev/null || fail "-e: dc-mix" "failed"
mkdir -p esep
for id in 000001 000002 000003; do dc-stft "eset/mix/$id.wav"; done |
    dc-oracle -l eset/list.tsv | dc-mask | dc-istft -o 'esep/%u-s%k.wav' || fail "-e: separation" "failed"
tail -n +2 eset/list.tsv | awk -F '\t' -v d="$PWD" '{ print $1 "\t" $2 "\t" $3 "\t" d "/esep/" $1 "-s1.wav," d "/esep/" $1 "-s2.wav" }' >eset/four.tsv
check "-e: four columns named" 0 '' dc-eval -t -l eset/four.tsv
cp out four.out
check "-e: dc-mix's list.tsv and a pattern" 0 '' dc-eval -t -l eset/list.tsv -e 'esep/%u-s%k.wav'
same "-e: the same rows" "$(cat out)" "$(cat four.out)"
same "-e: three mixtures and the mean, the oracle's SDRi above 9 dB" \
    "$(awk -F '\t' 'NR > 1 { n++; ok += $6 > 9 } END { print n, ok }' out)" "4 4"
printf 'id\tmix.wav\ta.wav,b.wav\tea.wav,eb.wav\n' >lid.tsv
check "a mixture named id, on the first line: scored, no header" 0 '' dc-eval -t -l lid.tsv
same "a mixture named id: its row" "$(cut -f 1 out | tr '\n' ' ')" "id id mean "
check "-e without -l" 2 "dc-eval: -e: only with -l (the estimates of a list's mixtures)" \
    dc-eval -e 'x%u-%k.wav' -r a.wav ea.wav
check "-e without -l, a pattern without %u: -l is said first" 2 \
    "dc-eval: -e: only with -l (the estimates of a list's mixtures)" dc-eval -e 'x%k' -r a.wav ea.wav
check "-e without %k" 2 "dc-eval: -e: the pattern takes %u (the id) and %k (the source number), and %% for a %: x%u.wav" \
    dc-eval -l eset/list.tsv -e 'x%u.wav'
check "-e with %r" 2 "dc-eval: -e: the pattern takes %u (the id) and %k (the source number), and %% for a %: %u-%k-%r.wav" \
    dc-eval -l eset/list.tsv -e '%u-%k-%r.wav'
printf 'id\tmix\trefs\nm1\tmix.wav\n' >e2.tsv
check "-e: two columns" 1 "dc-eval: e2.tsv:2: 2 columns, wanted 3 or more with -e: id, mix, refs (tab-separated)" \
    dc-eval -l e2.tsv -e '%u-%k.wav'
printf '../x\tmix.wav\ta.wav\n' >e3.tsv
check "-e: an id that cannot name a file" 1 'dc-eval: e3.tsv:1: id "../x": holds a '"'/'"' (-e)' \
    dc-eval -l e3.tsv -e 'esep/%u-s%k.wav'
check "-e: a missing estimate names its line" 1 "dc-eval: eset/list.tsv:2: ../esep/000001-s1.wav: No such file or directory" \
    dc-eval -l eset/list.tsv -e '../esep/%u-s%k.wav'

# list paths are relative to the list's directory, so a data set can be moved
mkdir -p set/sub
cp mix.wav a.wav b.wav ea.wav eb.wav set/sub/
printf 'm1\tsub/mix.wav\tsub/a.wav,sub/b.wav\tsub/ea.wav,sub/eb.wav\n' >set/rel.tsv
(cd set && dc-eval -t -l rel.tsv) >here.tsv 2>&1
check "list: paths relative to the list's directory" 0 '' dc-eval -t -l set/rel.tsv
same "list: ... the same scores from another directory" "$(cat out)" "$(cat here.tsv)"
