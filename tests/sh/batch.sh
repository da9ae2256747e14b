#!/bin/sh
# batch.sh: examples/separate-batch.sh (GNU parallel, this host as -S :) separates a
# list of recordings into the same bytes as one plain pipeline over all of them,
# retries a recording that fails once, reports one that always fails, refuses two
# recordings of one name, refuses the options separate-one.sh refuses before any
# job; examples/slurm-separate.sh's tasks, run by hand with Slurm's variables, cover
# the list once between them.
. "$ROOT/tests/lib.sh"
SP="$DATA/speech"
EX="$ROOT/examples"

dc-mix -s 1 -o "mix one.wav" "$SP/so0036_000360332.flac" "$SP/so0054_000540031.flac" 2>/dev/null
dc-mix -s 2 -o mix2.wav "$SP/so0048_000480014.flac" "$SP/ls1034_1034-121119-0000.flac" 2>/dev/null
dc-mix -s 3 -o mix3.wav "$SP/so0053_000530115.flac" "$SP/so0036_000360332.flac" 2>/dev/null
cp "$SP/so0048_000480014.flac" solo.flac
printf '%s\n' "mix one.wav" mix2.wav "" mix3.wav solo.flac >list.txt

# the reference: one pipeline over every file, as a user without the recipe runs it
mkdir plain
dc-stft "mix one.wav" mix2.wav mix3.wav solo.flac | dc-embed -t 1 | dc-kmeans -k auto -b 3 | dc-mask |
    dc-istft -o 'plain/%u-s%k.wav'
check "4 recordings with -S :" 0 '' "$EX/separate-batch.sh" -S : -j 2 -o sep list.txt
same "4 recordings: stdout" "$(cat out)" "separate-batch.sh: 4 of 4 recordings separated into sep"
n=0
for f in plain/*.wav; do
	b=${f#plain/}
	id=${b%-s*}
	k=${b##*-}
	if cmp -s "$f" "sep/$id/$k"; then n=$((n + 1)); else fail "same bytes as the plain pipeline: $b" "differ"; fi
done
same "every output as the plain pipeline's, byte for byte" "$n $(find sep -name 's*.wav' | wc -l)" "$(ls plain | wc -l) $(ls plain | wc -l)"
num "the plain pipeline wrote files" "$(ls plain | wc -l)" ">=" 4
same "solo.flac: one speaker counted, one file" "$(ls sep/solo)" "s1.wav"
same "mixtures: two speakers counted" "$(ls sep/mix2 | tr '\n' ' ')" "s1.wav s2.wav "
same "no temporary directories left" "$(find sep -name '*.tmp.*' | wc -l)" 0

# a recording whose first try fails (a dc-stft that fails once on it) is retried
mkdir -p flaky
cat >flaky/dc-stft <<EOF2
#!/bin/sh
case "\$1" in *mix2.wav) if [ ! -f "$T/tried" ]; then : >"$T/tried"; echo "dc-stft: flaky" >&2; exit 1; fi ;; esac
exec "$ROOT/$B/bin/dc-stft" "\$@"
EOF2
chmod +x flaky/dc-stft
check "a failure retried" 0 '' env PATH="$T/flaky:$PATH" "$EX/separate-batch.sh" -j 1 -o out2 list.txt
same "a failure retried: stdout" "$(cat out)" "separate-batch.sh: 4 of 4 recordings separated into out2"
num "a failure retried: it failed once" "$(test -f tried && echo 1 || echo 0)" "==" 1
cmp -s sep/mix2/s1.wav out2/mix2/s1.wav && pass "a failure retried: the same output" || fail "a failure retried: the same output" "differ"

# one that always fails: reported, the others done, exit 1
printf '%s\n' mix2.wav nosuch.wav mix3.wav >bad.txt
check "a recording that fails: reported" 1 'separate-batch.sh: 2 of 3 recordings separated into out3; failed: nosuch.wav (see out3/errors.log)' \
    "$EX/separate-batch.sh" -r 1 -o out3 bad.txt
same "a recording that fails: the others separated" "$(ls out3 | grep -v '\.' | tr '\n' ' ')" "mix2 mix3 "
same "a recording that fails: its error kept" "$(grep -c 'dc-stft: nosuch.wav: No such file or directory' out3/errors.log)" 1
num "a recording that fails: tried twice" "$(awk -F '\t' 'NR > 1 && $NF ~ /nosuch/' out3/joblog.tsv | wc -l)" ">=" 1

# two recordings of one name would share a directory
mkdir -p d
cp mix2.wav d/mix2.wav
printf '%s\n' mix2.wav d/mix2.wav >dup.txt
check "two recordings of one name" 1 'separate-batch.sh: two recordings would both go to out4/mix2' "$EX/separate-batch.sh" -o out4 dup.txt
check "no outdir" 2 'usage: separate-batch.sh [-S sshlogins | -s sshloginfile] [-j jobs] [-k K] [-b beta] [-m model] [-r retries] -o outdir list' \
    "$EX/separate-batch.sh" list.txt
check "-r x" 2 'separate-batch.sh: -r: retries must be a whole number: x' "$EX/separate-batch.sh" -r x -o out5 list.txt

# Slurm: three tasks of an array, run by hand, cover the list once
for i in 4 5 6; do
	SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_JOB_ID=77 \
	    "$EX/slurm-separate.sh" list.txt sl >>sl.out 2>&1
done
same "slurm: each task's line" "$(cat sl.out)" "slurm-separate.sh: task 4: 2 separated, 0 failed
slurm-separate.sh: task 5: 1 separated, 0 failed
slurm-separate.sh: task 6: 1 separated, 0 failed"
same "slurm: every recording once" "$(ls sl | tr '\n' ' ')" "mix one mix2 mix3 solo "
n=0
for f in sep/*/s*.wav; do cmp -s "$f" "sl/${f#sep/}" && n=$((n + 1)); done
same "slurm: the same bytes as parallel's" "$n" "$(ls plain | wc -l)"
check "slurm: a failing recording" 1 '*' env SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=1 SLURM_ARRAY_JOB_ID=78 "$EX/slurm-separate.sh" bad.txt sl2
same "slurm: a failing recording: listed" "$(cat sl2/failed-78-0.txt)" "nosuch.wav"
same "slurm: a failing recording: summary" "$(tail -n 1 out)" "slurm-separate.sh: task 0: 2 separated, 1 failed"

# separate-one.sh: the output directory as written, names that look like options
mkdir -p one
cp mix2.wav one/-m.wav
check "separate-one: outdir with a trailing slash" 0 '' "$EX/separate-one.sh" mix2.wav one/a/
check "separate-one: again, replacing it" 0 '' "$EX/separate-one.sh" mix2.wav one/a//
same "separate-one: outdir/ is outdir, no directory left inside" "$(ls one/a | tr '\n' ' ')" "s1.wav s2.wav "
mkdir probe
same "separate-one: outdir's mode as mkdir makes it (not mktemp's 0700)" "$(stat -c %a one/a)" "$(stat -c %a probe)"
(umask 027 && "$EX/separate-one.sh" mix2.wav one/u27)
same "separate-one: outdir's mode under umask 027" "$(stat -c %a one/u27)" 750
rm -r probe one/u27
cmp -s one/a/s1.wav sep/mix2/s1.wav && pass "separate-one: outdir/: the batch's bytes" ||
    fail "separate-one: outdir/: the batch's bytes" "differ"
for d in . .. / '' one/.; do
	check "separate-one: outdir '$d'" 2 "separate-one.sh: outdir must name a directory of its own: '$d'" \
	    "$EX/separate-one.sh" mix2.wav "$d"
done
(cd one && check "separate-one: a file and an outdir named -m, -o" 0 '' "$EX/separate-one.sh" -m.wav -o)
cmp -s one/-o/s1.wav sep/mix2/s1.wav && pass "separate-one: -m.wav into -o: the batch's bytes" ||
    fail "separate-one: -m.wav into -o: the batch's bytes" "differ"
check "separate-one: a '%' in outdir" 0 '' "$EX/separate-one.sh" mix2.wav 'one/%k%u'
same "separate-one: a '%' in outdir: the files" "$(ls 'one/%k%u' | tr '\n' ' ')" "s1.wav s2.wav "
# a stage's failure is said once, without the empty streams after it
check "separate-one: a stage's usage error: one message, exit 2" 2 "dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: x" \
    "$EX/separate-one.sh" mix2.wav one/b x
# no tools on PATH: those of the clone the script is in (bin/, which make links)
if [ -x "$ROOT/bin/dc-stft" ]; then
	check "separate-one: no tools on PATH: the clone's bin/" 0 '' env PATH=/usr/bin:/bin "$EX/separate-one.sh" mix2.wav one/np
	same "separate-one: the clone's bin/: two sources" "$(ls one/np | tr '\n' ' ')" "s1.wav s2.wav "
	rm -r one/np
else
	skip "separate-one: no tools on PATH" "no $ROOT/bin (make links it)"
fi
check "separate-one: no such file" 1 "dc-stft: nosuch.wav: No such file or directory" \
    "$EX/separate-one.sh" nosuch.wav one/b
same "separate-one: failures leave nothing" "$(ls one | tr '\n' ' ')" "%k%u -m.wav -o a "

# separate-batch.sh: arguments checked before anything is made
check "separate-batch: -j x" 2 "separate-batch.sh: -j: jobs must be a whole number above 0: x" \
    "$EX/separate-batch.sh" -j x -o out6 list.txt
check "separate-batch: -j 0" 2 "separate-batch.sh: -j: jobs must be a whole number above 0: 0" \
    "$EX/separate-batch.sh" -j 0 -o out6 list.txt
check "separate-batch: no list" 1 "separate-batch.sh: cannot read the list nosuch.txt" \
    "$EX/separate-batch.sh" -o out6 nosuch.txt
# parallel refusing its options runs no job: said in its words, and a job log left
# by an earlier run into the same outdir is not counted as this one's
mkdir -p out7 && printf '1\t:\t0\t0\t0\t0\t0\t0\tx\n' >out7/joblog.tsv
check "separate-batch: a hosts file parallel cannot open" 1 \
    "separate-batch.sh: parallel ran no job: parallel: Error: Cannot open nosuch-hosts." \
    "$EX/separate-batch.sh" -s nosuch-hosts -o out7 list.txt
same "separate-batch: the earlier job log gone" "$(ls out7/joblog.tsv 2>/dev/null)" ""
# K, beta and the model: refused once, before any job, as separate-one.sh refuses them
check "separate-one: -k 0" 2 "dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: 0" \
    "$EX/separate-one.sh" mix2.wav out6 0
for a in "-k 0|2|dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: 0" \
    "-k auto:9|2|dc-kmeans: -k: auto's MAX must be an integer from 1 to 8: auto:9" \
    "-b -1|2|dc-kmeans: -b: beta must be a number from 1e-6 to 1e6: -1" \
    "-b x|2|dc-kmeans: -b: beta must be a number from 1e-6 to 1e6: x" \
    "-m nosuch.dcm|1|dc-embed: nosuch.dcm: No such file or directory" \
    "-m list.txt|1|dc-embed: list.txt: malformed or incompatible model"; do
	opt=${a%%|*} rc=${a#*|} msg=${a#*|*|}
	rc=${rc%%|*}
	# shellcheck disable=SC2086
	check "separate-batch: $opt" "$rc" "$msg" "$EX/separate-batch.sh" $opt -o out6 list.txt
done
check "separate-one: '' '' (the check alone): taken" 0 '' "$EX/separate-one.sh" '' '' 2 0 "$ROOT/models/default.dcm"
same "separate-one: '' '': nothing on stdout" "$(cat out)" ""
check "separate-one: '' '' 0: refused" 2 "dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: 0" \
    "$EX/separate-one.sh" '' '' 0
same "separate-batch: no outdir made on a refusal" "$(ls -d out6 2>/dev/null)" ""

# Slurm: an array with a step (--array=10-14:2) covers the list once; a list of ids
# is refused; a missing list fails
for i in 10 12 14; do
	SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_MAX=14 SLURM_ARRAY_TASK_STEP=2 \
	    SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_JOB_ID=79 "$EX/slurm-separate.sh" list.txt sl3 >>sl3.out 2>&1
done
same "slurm, step 2: each task's line" "$(cat sl3.out)" "slurm-separate.sh: task 10: 2 separated, 0 failed
slurm-separate.sh: task 12: 1 separated, 0 failed
slurm-separate.sh: task 14: 1 separated, 0 failed"
same "slurm, step 2: every recording once" "$(ls sl3 | tr '\n' ' ')" "mix one mix2 mix3 solo "
check "slurm: an array of a list of ids" 2 \
    "slurm-separate.sh: task 5: the array is not a range with a step (--array=A-B or A-B:S)" \
    env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 \
    "$EX/slurm-separate.sh" list.txt sl4
check "slurm: no list" 1 "slurm-separate.sh: cannot read the list nosuch.txt" "$EX/slurm-separate.sh" nosuch.txt sl4
check "slurm: -k 0 refused once, before any recording" 2 \
    "dc-kmeans: -k: K must be an integer from 1 to 1000, or auto[:MAX]: 0" \
    env SLURM_ARRAY_JOB_ID=6 "$EX/slurm-separate.sh" list.txt sl4 0
same "slurm: refusals make no outdir" "$(ls -d sl4 2>/dev/null)" ""

# hostile names: the command's words each one argument, whatever their characters
check "separate-batch: outdir 'o;touch INJECTED;'" 1 \
    "separate-batch.sh: 2 of 3 recordings separated into o;touch INJECTED;; failed: nosuch.wav (see o;touch INJECTED;/errors.log)" \
    "$EX/separate-batch.sh" -r 0 -j 1 -o 'o;touch INJECTED;' bad.txt
same "outdir 'o;touch INJECTED;': no command run" "$(ls -d INJECTED o 2>/dev/null)" ""
same "outdir 'o;touch INJECTED;': the outputs in it" "$(ls 'o;touch INJECTED;' | grep -v '\.' | tr '\n' ' ')" "mix2 mix3 "
printf '%s\n' mix2.wav >one.txt
check "separate-batch: outdir and model with spaces" 0 '' \
    sh -c 'cp "$1" "my model.dcm" && "$2" -j 1 -m "my model.dcm" -o "my out" one.txt' sh "$ROOT/models/default.dcm" "$EX/separate-batch.sh"
same "outdir with a space: the outputs" "$(ls 'my out/mix2' | tr '\n' ' ')" "s1.wav s2.wav "
# a name that would be no directory, or outdir itself
mkdir -p keep/earlier d2
: >keep/earlier/s1.wav
cp mix2.wav d2/.wav
printf '%s\n' mix2.wav d2/.wav >noname.txt
check "separate-batch: a recording without a name" 1 \
    "separate-batch.sh: a recording without a name for its directory (as .wav or dir/)" \
    "$EX/separate-batch.sh" -j 1 -o keep noname.txt
same "a recording without a name: outdir kept" "$(ls keep | tr '\n' ' ')" "earlier list.txt "
printf '\n%s\n\n%s\n' mix2.wav d/mix2.wav >dup2.txt
check "separate-batch: two of one name among blank lines" 1 'separate-batch.sh: two recordings would both go to out8/mix2' \
    "$EX/separate-batch.sh" -o out8 dup2.txt
# the list inside outdir
mkdir -p in
printf '%s\n' mix3.wav >in/list.txt
check "separate-batch: the list in outdir" 0 '' "$EX/separate-batch.sh" -j 1 -o in in/list.txt
same "the list in outdir: kept" "$(cat in/list.txt)" "mix3.wav"
: >empty.txt
check "separate-batch: an empty list" 1 "separate-batch.sh: the list names no recording" \
    "$EX/separate-batch.sh" -o out9 empty.txt
# separate-one.sh replaces only an earlier separation
echo precious >notes.txt
check "separate-one: outdir a file" 2 "separate-one.sh: notes.txt exists and is not a directory" \
    "$EX/separate-one.sh" mix2.wav notes.txt
same "outdir a file: kept" "$(cat notes.txt)" "precious"
mkdir -p rec
cp mix2.wav rec/talk.wav
check "separate-one: outdir with other files" 2 \
    "separate-one.sh: rec holds other files than s1.wav, s2.wav, ...: not replaced" "$EX/separate-one.sh" rec/talk.wav rec
same "outdir with other files: kept" "$(ls rec)" "talk.wav"
mkdir -p nl
nlname='s1.wav
s2.wav'
echo precious >"nl/$nlname"
check "separate-one: outdir with a file 's1.wav<newline>s2.wav'" 2 \
    "separate-one.sh: nl holds other files than s1.wav, s2.wav, ...: not replaced" "$EX/separate-one.sh" mix2.wav nl
same "that file: kept" "$(cat "nl/$nlname")" "precious"
mkdir -p dot && echo precious >dot/.hidden && echo precious >dot/s.wav
check "separate-one: outdir with a hidden file" 2 \
    "separate-one.sh: dot holds other files than s1.wav, s2.wav, ...: not replaced" "$EX/separate-one.sh" mix2.wav dot
check "separate-one: the current directory" 2 \
    "separate-one.sh: $T holds other files than s1.wav, s2.wav, ...: not replaced" "$EX/separate-one.sh" mix2.wav "$T"
# slurm: a line '-' does not read the rest of the list; no failures, no failed list
printf '%s\n' mix2.wav - mix3.wav >dash.txt
check "slurm: a line '-'" 1 '*' env SLURM_ARRAY_JOB_ID=5 "$EX/slurm-separate.sh" dash.txt sl5
same "slurm: a line '-': summary" "$(tail -n 1 out)" "slurm-separate.sh: task 0: 2 separated, 1 failed"
same "slurm: a line '-': listed" "$(cat sl5/failed-5-0.txt)" "-"
check "slurm: its failed list run again" 1 '*' env SLURM_ARRAY_JOB_ID=5 "$EX/slurm-separate.sh" sl5/failed-5-0.txt sl5
printf '%s\n' mix2.wav >ok.txt
cp ok.txt sl5/failed-5-0.txt
check "slurm: all separated" 0 '' env SLURM_ARRAY_JOB_ID=5 "$EX/slurm-separate.sh" sl5/failed-5-0.txt sl5
same "slurm: all separated: summary" "$(cat out)" "slurm-separate.sh: task 0: 1 separated, 0 failed"
same "slurm: all separated: no failed list left" "$(ls sl5 | grep failed)" ""
printf 'x\033]0;t\007.wav\n' >esc.txt
check "separate-batch: a failed name's control characters shown as '?'" 1 \
    "separate-batch.sh: 0 of 1 recordings separated into out10; failed: x?]0;t?.wav (see out10/errors.log)" \
    "$EX/separate-batch.sh" -r 0 -j 1 -o out10 esc.txt
