# tests/sh/hostile_paths.sh: the tools tried as an attacker and as a careless user
# would, class by class (dcsep(7)): 1 output paths from ids, 2 never destroying what
# the user has (failed, refused and killed runs), 3 odd names in text outputs and
# messages. Each case checks the exact message and exit status, that the user's
# files are byte-identical and keep their mode, and that no temporary file is left.
. "$ROOT/tests/lib.sh"
SP="$DATA/speech"
A="$SP/so0048_000480014.flac"
B="$SP/so0053_000530115.flac"

# sum FILE...: md5 and mode of each, one line
sum() { for f in "$@"; do printf '%s %s ' "$(md5sum <"$f" | cut -c1-32)" "$(stat -c %a "$f")"; done; }
# notmp NAME DIR: no temporary file of dcsep under DIR
notmp() { same "$1: no temporary file" "$(find "$2" -name '.dc-tmp-*' | head -3)" ""; }
# long N: an id of N bytes
long() { head -c "$1" /dev/zero | tr '\0' a; }

# ---------------------------------------------------------------- 1. output paths
mkdir -p o
echo keep >keep.wav
for c in '..|dc-istft: id "..": names a directory, not a file in it' \
    '.|dc-istft: id ".": names a directory, not a file in it' \
    '|dc-istft: id "": empty' \
    "-|dc-istft: id \"-\": '-' is not a file name" \
    "a/b|dc-istft: id \"a/b\": holds a '/'" \
    '../keep|dc-istft: id "../keep": holds a '"'/'"; do
	id=${c%%|*}
	check_in "1: id '$id' refused" 1 "${c#*|}" /dev/null \
	    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$id" "$A"
done
esc=$(printf 'x\033[31m')
check "1: id with an escape sequence: refused, printed escaped" 1 \
    'dc-istft: id "x\x1b[31m": holds a control character' \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$esc" "$A"
check "1: id with a newline: refused on one line" 1 \
    'dc-istft: id "a\nb": holds a control character' \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$(printf 'a\nb')" "$A"
check "1: id with a quote and a backslash: quoted" 1 \
    'dc-istft: id "q\"\\/": holds a '"'/'" \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh 'q"\/' "$A"
check "1: id of 256 bytes: too long" 1 "dc-istft: id \"$(long 256)\": longer than 255 bytes" \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$(long 256)" "$A"
check "1: id of 252 bytes, name of 256: too long" 1 \
    "dc-istft: id \"$(long 252)\": the file name would be longer than 255 bytes" \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$(long 252)" "$A"
check "1: id of 251 bytes, name of 255: written" 0 '' \
    sh -c 'dc-stft -i "$1" "$2" | dc-istft -o "o/%u.wav"' sh "$(long 251)" "$A"
same "1: refused ids wrote nothing, anywhere" "$(ls -A o | tr '\n' ' ')$(ls -A | grep -v '^err$\|^out$' | tr '\n' ' ')" \
    "$(long 251).wav keep.wav o "
same "1: keep.wav untouched" "$(cat keep.wav)" keep
check "1: id '-' with a pattern of only %u: a file, never stdout" 1 \
    "dc-istft: id \"-\": '-' is not a file name" \
    sh -c 'dc-stft -i - "$1" | dc-istft -o "%u" >n' sh "$A"
same "1: nothing on stdout, no file '-'" "$(wc -c <n) $(ls -- - 2>/dev/null)" "0 "
check "1: -o - is stdout when the user writes it" 0 '' sh -c 'dc-stft -i - "$1" | dc-istft -o - >std.wav' sh "$A"
same "1: -o -: a WAV on stdout" "$(head -c 4 std.wav)" RIFF
check "1: id '..' in dc-plot's pattern" 1 'dc-plot: id "..": names a directory, not a file in it' \
    sh -c 'dc-stft -i .. "$1" | dc-plot -o "o/%u-%r.png"' sh "$A"
check "1: an id a pattern does not use is no file name" 0 '' \
    sh -c 'dc-stft -i "a/b" "$1" | dc-istft -o "o/fixed.wav"' sh "$A"

# ---------------------------------------------------------------- 2. never destroy
# dc-mix: the same file as an input (by device and inode, not by name)
cp "$A" a.flac
cp "$B" b.flac
dc-mix -o a.wav -O 'as%k.wav' a.flac b.flac >/dev/null
chmod 600 a.wav
before=$(sum a.wav a.flac b.flac)
check "2: dc-mix -o an input" 1 'dc-mix: a.flac: the output is also an input' dc-mix -o a.flac a.flac b.flac
check "2: dc-mix -o an input by another name" 1 'dc-mix: ./x/../b.flac: the output is also an input' \
    sh -c 'mkdir -p x && dc-mix -o ./x/../b.flac a.flac b.flac'
ln b.flac hard.flac
check "2: dc-mix -o a hard link of an input" 1 'dc-mix: hard.flac: the output is also an input' \
    dc-mix -o hard.flac a.flac b.flac
cp b.flac s2.flac
check "2: dc-mix -O a source onto an input" 1 'dc-mix: s2.flac: the output is also an input' \
    dc-mix -o m.wav -O 's%k.flac' a.flac s2.flac
check "2: dc-mix: two outputs one file" 1 'dc-mix: s1.wav: two outputs are the same file' \
    dc-mix -o s1.wav -O 's%k.wav' a.flac b.flac
check "2: dc-mix: two outputs one new file by two names" 1 \
    'dc-mix: ./x/../s1.wav: two outputs are the same file' dc-mix -o s1.wav -O './x/../s%k.wav' a.flac b.flac
same "2: refused runs: inputs and a.wav byte-identical, modes kept" "$(sum a.wav a.flac b.flac)" "$before"
notmp "2: refused runs" .
# failures after writing began: the previous set stays whole
check "2: dc-mix: a source's directory missing" 1 'dc-mix: nodir/s1.wav: No such file or directory' \
    dc-mix -o a.wav -O 'nodir/s%k.wav' a.flac b.flac
mkdir -p d1
cp as1.wav d1/s.wav
before=$(sum a.wav as1.wav as2.wav d1/s.wav)
check "2: dc-mix: an unreadable input after the outputs were opened" 1 '*' \
    dc-mix -o a.wav -O 'as%k.wav' a.flac nofile.flac
check "2: dc-mix: stdout full after the files were written" 1 \
    'dc-mix: stdout: No space left on device' sh -c 'dc-mix -o a.wav -O "as%k.wav" -s 9 a.flac b.flac >/dev/full'
same "2: failed runs: the previous set byte-identical, modes kept" "$(sum a.wav as1.wav as2.wav d1/s.wav)" "$before"
notmp "2: failed runs" .
# a successful rerun replaces the set and keeps each file's mode
check "2: dc-mix rerun" 0 '*' dc-mix -o a.wav -O 'as%k.wav' -s 9 a.flac b.flac
same "2: rerun: a.wav replaced, still 0600" "$(stat -c %a a.wav) $(cmp -s a.wav d1/s.wav; echo $?)" "600 1"
notmp "2: rerun" .

# dc-istft: each utterance's K files as one set; the stream is never an output
dc-stft -i u "$A" >u.dcs
before=$(sum u.dcs)
check "2: dc-istft -o its own stream" 1 'dc-istft: u.dcs: the output is also an input' dc-istft -o u.dcs u.dcs
same "2: the stream is intact" "$(sum u.dcs)" "$before"
# the same stream on stdin (a regular file: an input too)
check_in "2: dc-istft -o its own stream, on stdin" 1 'dc-istft: u.dcs: the output is also an input' \
    u.dcs dc-istft -o u.dcs
check_in "2: dc-dump -o its own stream, on stdin" 1 'dc-dump: u.dcs: the output is also an input' \
    u.dcs dc-dump -x stft -o u.dcs
check_in "2: dc-plot -o its own stream, on stdin" 1 'dc-plot: u.dcs: the output is also an input' \
    u.dcs dc-plot -k stft -o u.dcs
same "2: stdin: the stream is intact" "$(sum u.dcs)" "$before"
dc-istft -o u.wav u.dcs
chmod 640 u.wav
before=$(sum u.wav)
check "2: dc-istft: directory in the place of an output" 1 'dc-istft: out2/u.wav: Is a directory' \
    sh -c 'mkdir -p out2/u.wav && dc-istft -o "out2/%u.wav" u.dcs'
check "2: dc-istft: a cut stream" 1 '*' sh -c 'head -c 3000 u.dcs | dc-istft -o u.wav'
same "2: dc-istft failed: u.wav byte-identical, 0640" "$(sum u.wav)" "$before"
check "2: dc-istft rerun with -e float" 0 '' dc-istft -e float -o u.wav u.dcs
same "2: dc-istft rerun: replaced, still 0640" "$(stat -c %a u.wav) $([ "$(sum u.wav)" != "$before" ] && echo new)" "640 new"
notmp "2: dc-istft" .

# the recording a stream was read from (its utt record's source) is never an
# output either: by its name, a hard link, or its device and inode (source_inode:
# from another directory, where its relative name names another file, and from
# dc-stft's stdin, which has no name)
mkdir -p rec
cp "$A" rec/m.flac
ln rec/m.flac rec/hard.flac
before=$(sum rec/m.flac)
W="the output would replace the recording the utterance was read from (its utt record's source)"
check "2: dc-istft -o the recording read" 1 "dc-istft: rec/m.flac: $W" \
    sh -c 'dc-stft rec/m.flac | dc-istft -o "rec/%u.flac"'
check "2: dc-istft -o a hard link of it" 1 "dc-istft: rec/hard.flac: $W" \
    sh -c 'dc-stft rec/m.flac | dc-istft -o rec/hard.flac'
check "2: dc-plot -o the recording read" 1 "dc-plot: rec/m.flac: $W" \
    sh -c 'dc-stft rec/m.flac | dc-plot -k stft -o "rec/%u.flac"'
same "2: the recording is intact" "$(sum rec/m.flac)" "$before"
check "2: dc-istft, dc-stft from stdin: refused by its inode" 1 "dc-istft: rec/m.flac: $W" \
    sh -c 'dc-stft -i m - <rec/m.flac | dc-istft -o "rec/%u.flac"'
dc-stft rec/m.flac >rec/m-here.dcs
mkdir -p rec/sub
check "2: dc-istft from another directory: refused by its inode" 1 "dc-istft: ../m.flac: $W" \
    sh -c 'cd rec/sub && dc-istft -o "../%u.flac" ../m-here.dcs'
check "2: dc-plot from another directory: refused by its inode" 1 "dc-plot: ../m.flac: $W" \
    sh -c 'cd rec/sub && dc-plot -k stft -o "../%u.flac" ../m-here.dcs'
same "2: the recording is intact, still" "$(sum rec/m.flac)" "$before"
check "2: another file of the same name there is no recording: written" 0 '' \
    sh -c 'cd rec/sub && cp ../../u.wav m.flac && dc-istft -o "%u.flac" ../m-here.dcs'
PYTHONPATH="$ROOT/formats" "$PY" - rec/m-here.dcs <<'EOF2' || fail "2: source_inode" "python failed"
import os, sys, dcstream as ds
u = ds.read(sys.argv[1])[1][0]
st = os.stat("rec/m.flac")
print("PASS: 2: source_inode is the file's device and inode" if u.head["source_inode"] == "%d:%d" % (st.st_dev, st.st_ino)
      else "FAIL: 2: source_inode: %r" % u.head.get("source_inode"))
EOF2
notmp "2: the recording read" .

# nor are the references dc-oracle read (its utt record's refs): by their names, a
# hard link, from a list, in blocks, for dc-plot
cp "$A" rec/s1.wav
cp "$A" rec/s2.wav
ln rec/s2.wav rec/hard2.wav
dc-stft -i m "$A" >rec/m.dcs
printf 'm\t-\ts1.wav,s2.wav\n' >rec/list.tsv
b1=$(sum rec/s1.wav) b2=$(sum rec/s2.wav)
W="the output would replace a reference the oracle read for the utterance (its utt record's refs)"
check "2: dc-istft -o the oracle's references" 1 "dc-istft: rec/s1.wav: $W" \
    sh -c 'dc-oracle rec/s1.wav rec/s2.wav <rec/m.dcs | dc-mask | dc-istft -o "rec/s%k.wav"'
check "2: dc-istft -o a hard link of a reference" 1 "dc-istft: rec/hard2.wav: $W" \
    sh -c 'dc-oracle rec/s1.wav rec/s2.wav <rec/m.dcs | dc-mask | dc-istft -o "rec/hard%k.wav"'
check "2: dc-istft -o the references of a list's row" 1 "dc-istft: rec/s1.wav: $W" \
    sh -c 'dc-oracle -l rec/list.tsv <rec/m.dcs | dc-mask | dc-istft -o "rec/s%k.wav"'
check "2: dc-istft -o the references, in blocks" 1 "dc-istft: rec/s1.wav: $W" \
    sh -c 'dc-stft -B 0.2 -i m rec/m.flac | dc-oracle rec/s1.wav rec/s2.wav | dc-mask | dc-istft -o "rec/s%k.wav"'
check "2: dc-plot -o a reference" 1 "dc-plot: rec/s2.wav: $W" \
    sh -c 'dc-oracle rec/s1.wav rec/s2.wav <rec/m.dcs | dc-plot -k labels -o rec/s2.wav'
check "2: dc-istft -o a reference, from another directory" 1 "dc-istft: ../s1.wav: $W" \
    sh -c 'dc-oracle rec/s1.wav rec/s2.wav <rec/m.dcs | dc-mask >rec/m-ibm.dcs && cd rec/sub && dc-istft -o "../s%k.wav" ../m-ibm.dcs'
same "2: the references are intact" "$(sum rec/s1.wav) $(sum rec/s2.wav)" "$b1 $b2"
check "2: the oracle's separation, written beside its references" 0 '' \
    sh -c 'dc-oracle rec/s1.wav rec/s2.wav <rec/m.dcs | dc-mask | dc-istft -o "rec/est%k.wav"'
same "2: the estimates written" "$(ls rec/est1.wav rec/est2.wav | tr '\n' ' ')" "rec/est1.wav rec/est2.wav "
notmp "2: the references" .

# dc-train: its data is never its output, and where it writes is checked first
dc-stft "$A" "$B" >train.dcs
before=$(sum train.dcs)
check "2: dc-train -o its training data" 1 'dc-train: train.dcs: the output is also an input' \
    dc-train -q -e 1 -o train.dcs train.dcs
check "2: dc-train -l its training data" 1 'dc-train: train.dcs: the output is also an input' \
    dc-train -q -e 1 -o m.dcm -l train.dcs train.dcs
check "2: dc-train -o its validation data" 1 'dc-train: train.dcs: the output is also an input' \
    dc-train -q -e 1 -o train.dcs -V train.dcs u.dcs
check "2: dc-train -l the same file as -o" 1 'dc-train: ./m.dcm: two outputs are the same file' \
    dc-train -q -e 1 -o m.dcm -l ./m.dcm train.dcs
mkdir -p xc/a xc/b && cp "$A" xc/a/a.flac && cp "$B" xc/b/b.flac
xbefore=$(cksum xc/a/a.flac)
check "2: dc-train -X: -o a corpus utterance" 1 'dc-train: xc/a/a.flac: the output is in the corpus xc (-X reads it)' \
    dc-train -q -L 1 -H 2 -D 2 -e 1 -T 10 -b 1 -N 2 -X xc -o xc/a/a.flac
check "2: dc-train -X: -l a corpus utterance" 1 'dc-train: xc/a/a.flac: the output is in the corpus xc (-X reads it)' \
    dc-train -q -L 1 -H 2 -D 2 -e 1 -T 10 -b 1 -N 2 -X xc -l xc/a/a.flac -o xm.dcm
check "2: dc-train -X: -o a new file in the corpus" 1 'dc-train: xc/m.dcm: the output is in the corpus xc (-X reads it)' \
    dc-train -q -L 1 -H 2 -D 2 -e 1 -T 10 -b 1 -N 2 -X xc -o xc/m.dcm
same "2: dc-train -X: the corpus as it was" "$(cksum xc/a/a.flac) $(ls xc | tr '\n' ' ')" "$xbefore a b "
check "2: dc-train: no directory for the model: at once, before reading" 1 \
    'dc-train: nodir/m.dcm: No such file or directory' dc-train -q -e 1 -o nodir/m.dcm train.dcs
check "2: dc-train: no directory for the log: at once" 1 \
    'dc-train: nodir/log.tsv: No such file or directory' dc-train -q -e 1 -o m.dcm -l nodir/log.tsv train.dcs
check "2: dc-train: the model's directory a file: at once" 1 \
    'dc-train: keep.wav/m.dcm: Not a directory' dc-train -q -e 1 -o keep.wav/m.dcm train.dcs
mkdir -p adir
check "2: dc-train -o a directory: at once, not at the first save" 1 'dc-train: adir: Is a directory' \
    dc-train -q -e 1 -o adir train.dcs
check "2: dc-train -l a directory: at once" 1 'dc-train: adir: Is a directory' \
    dc-train -q -e 1 -o m.dcm -l adir train.dcs
same "2: dc-train -o a directory: it is left empty" "$(ls -A adir)" ""
same "2: dc-train refusals: the data byte-identical" "$(sum train.dcs)" "$before"
same "2: dc-train refusals: no model, no log" "$(ls m.dcm log.tsv 2>/dev/null)" ""
notmp "2: dc-train" .

# dc-dump -x: never onto its input
check "2: dc-dump -o its input" 1 'dc-dump: u.dcs: the output is also an input' dc-dump -x stft -o u.dcs u.dcs

# dc-mix -n: the whole set (list.tsv last) or nothing
mkdir -p corpus/sa corpus/sb corpus/sc
cp "$A" corpus/sa/sa_1.flac
cp "$B" corpus/sb/sb_1.flac
cp "$SP/so0036_000360332.flac" corpus/sc/sc_1.flac
check "2: dc-mix -n 3" 0 '' dc-mix -n 3 -o set corpus
chmod 600 set/list.tsv
before=$(sum set/list.tsv set/mix/000001.wav set/s1/000003.wav)
rm set/mix/000002.wav && mkdir set/mix/000002.wav
check "2: dc-mix -n rerun fails on the second mixture" 1 'dc-mix: set/mix/000002.wav: Is a directory' \
    dc-mix -n 3 -s 4 -o set corpus
same "2: dc-mix -n failed: list and mixtures byte-identical, modes kept" \
    "$(sum set/list.tsv set/mix/000001.wav set/s1/000003.wav)" "$before"
notmp "2: dc-mix -n failed" set
rmdir set/mix/000002.wav
check "2: dc-mix -n rerun" 0 'dc-mix: set: 3 files of the previous set removed (its list.tsv named them; this set does not)' \
    dc-mix -n 2 -s 4 -o set corpus
same "2: dc-mix -n rerun: the third mixture's files gone with its row" \
    "$(ls set/mix/000003.wav set/s1/000003.wav set/s2/000003.wav 2>/dev/null)" ""
same "2: dc-mix -n rerun: list.tsv new (no stale list), still 0600" \
    "$(wc -l <set/list.tsv) $(stat -c %a set/list.tsv)" "3 600"

# killed runs: SIGTERM, SIGINT and SIGHUP remove the temporaries, then kill. dc-mix
# opens its outputs (temporaries) before it reads; an input from a FIFO with no
# writer holds it there, so the signal always comes while temporaries exist. A
# watchdog kills a run that would not die (exit 137: a failure, never a hang).
# waitdog PID: waits for PID, killing it after 20 s; its exit status in $rc
# await COND: polls the shell condition COND every 0.1 s for at most 10 s; $n is
# 100 if it never held
await() {
	n=0
	while ! eval "$1" && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
waitdog() {
	( sleep 20; kill -KILL "$1" 2>/dev/null ) &
	wd=$!
	wait "$1"
	rc=$?
	kill "$wd" 2>/dev/null
}
for sig in TERM INT HUP; do
	rm -f fifo.wav && mkfifo fifo.wav
	before=$(sum a.wav as1.wav)
	# a background job of a script ignores SIGINT, and a run under nohup SIGHUP (a
	# tool keeps an ignored signal ignored): env gives them back their defaults
	env --default-signal=INT,HUP dc-mix -o a.wav -O 'as%k.wav' fifo.wav b.flac >/dev/null 2>err.$sig &
	pid=$!
	await 'find . -maxdepth 1 -name ".dc-tmp-*" | grep -q .'
	if [ $n -ge 100 ]; then
		skip "2: kill -$sig mid-run" "no temporary file appeared in 10 s"
		kill -KILL $pid 2>/dev/null
		wait $pid
		continue
	fi
	kill -$sig $pid
	waitdog $pid
	case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; esac
	same "2: kill -$sig mid-run: died of the signal" "$rc $(cat err.$sig)" "$want "
	same "2: kill -$sig mid-run: the previous files byte-identical" "$(sum a.wav as1.wav)" "$before"
	notmp "2: kill -$sig mid-run" .
done
# dc-istft killed inside a set: source 1 is written to its temporary file, source
# 2 goes to a FIFO no one reads, where it waits
dc-mix -o km.wav -O 'ks%k.wav' a.flac b.flac >/dev/null
dc-stft km.wav | dc-oracle ks1.wav ks2.wav | dc-mask >k2.dcs
dc-istft -o 'ko%k.wav' k2.dcs
chmod 604 ko1.wav
before=$(sum ko1.wav)
rm -f ko2.wav && mkfifo ko2.wav
dc-istft -e float -o 'ko%k.wav' k2.dcs 2>err.ko &
pid=$!
await 'find . -maxdepth 1 -name ".dc-tmp-*" | grep -q .'
kill -TERM $pid
waitdog $pid
if [ $n -ge 100 ]; then
	skip "2: dc-istft killed inside a set" "no temporary file appeared in 10 s"
else
	same "2: dc-istft killed inside a set: died of SIGTERM" "$rc $(cat err.ko)" "143 "
	same "2: dc-istft killed inside a set: source 1 byte-identical, 0604" "$(sum ko1.wav)" "$before"
	notmp "2: dc-istft killed inside a set" .
fi

# dc-istft stopped while it waits for the next utterance (the writer keeps the
# FIFO open): the first utterance is a whole file, nothing else is left
dc-stft "$A" "$B" "$SP/so0036_000360332.flac" >three.dcs
rm -f fifo.dcs && mkfifo fifo.dcs
dc-istft -o 'k-%u.wav' fifo.dcs 2>err.k &
pid=$!
exec 3>fifo.dcs
cat three.dcs >&3
await '[ -f k-so0048_000480014.wav ]'
kill -TERM $pid
waitdog $pid
exec 3>&-
if [ $n -ge 100 ]; then
	skip "2: dc-istft killed mid-stream" "the first utterance's file did not appear in 10 s"
else
	dc-stft "$A" | dc-istft -o k1.wav
	same "2: dc-istft killed mid-stream: died of SIGTERM" "$rc $(cat err.k)" "143 "
	same "2: dc-istft killed mid-stream: the first utterance whole" \
	    "$(cmp k-so0048_000480014.wav k1.wav && echo same)" same
	notmp "2: dc-istft killed mid-stream" .
fi

# ---------------------------------------------------------------- 3. text outputs
tab=$(printf 'm\tx')
check "3: dc-mix: a tab in the mixture's name" 1 \
    'dc-mix: name "m\tx": holds a control character (tab, newline, ...), which a list cannot hold' \
    dc-mix -o "$tab.wav" a.flac b.flac
check "3: dc-mix: a comma in an input's name" 1 \
    'dc-mix: name "c,d.flac": holds a comma, which separates the paths of a list'"'"'s column' \
    sh -c 'cp a.flac c,d.flac && dc-mix -o cd.wav c,d.flac b.flac'
check "3: dc-mix: an id beginning with '#'" 1 \
    "dc-mix: name \"#m\": begins with '#' or a blank (a list reader skips the row)" \
    dc-mix -o '#m.wav' a.flac b.flac
same "3: refused names wrote nothing" "$(ls "$tab.wav" cd.wav '#m.wav' 2>/dev/null)" ""
mkdir -p corpus2/sa corpus2/sb
cp "$A" "corpus2/sa/sa,1.flac"
cp "$B" corpus2/sb/sb_1.flac
check "3: dc-mix -n: a comma in a corpus file's name" 1 \
    'dc-mix: name "sa/sa,1.flac": holds a comma, which separates the paths of a list'"'"'s column' \
    dc-mix -n 1 -o set2 corpus2
same "3: dc-mix -n refused: no list.tsv" "$(ls set2/list.tsv 2>/dev/null)" ""
dc-mix -o ev.wav -O 'ev%k.wav' a.flac b.flac >/dev/null
check "3: dc-eval -t: an id with a control byte" 1 \
    'dc-eval: id "a\x01b": holds a control character (tab, newline, ...), which a list cannot hold; -j writes any id' \
    dc-eval -t -i "$(printf 'a\001b')" -r ev1.wav -r ev2.wav ev1.wav ev2.wav
check "3: dc-eval -j: the same id, escaped in JSON" 0 '' \
    dc-eval -j -i "$(printf 'a\001b')" -r ev1.wav -r ev2.wav ev1.wav ev2.wav
same "3: dc-eval -j: the id as JSON escapes it" "$(head -c 19 out)" '{"id":"a\u0001b","r'
check "3: a file name in a message: escaped, one line" 1 \
    'dc-istft: no\nfile\x1b[2J: No such file or directory' dc-istft "$(printf 'no\nfile\033[2J')"
check "3: a corpus name in a message: escaped" 1 '*' dc-mix -n 1 -o set3 "$(printf 'c\rx')"
same "3: ... as \\r" "$(grep -c 'c\\rx' err)" 1
# a message over 4096 bytes (a 4095-byte path and its error) loses its middle, not
# its end; one of the escapes the cut would split is kept whole or left out
lp=$(/usr/bin/python3 -c 's = "/" + "/".join(["\x01" + "d" * 249] * 17); print(s[:4095].rstrip("/"))')
check "3: a 4095-byte path in a message" 1 '*' dc-embed -m "$lp" /dev/null
same "3: ... on one line of 4109 bytes: prefix, 2048, '...', 2048" "$(wc -l <err) $(awk '{ print length($0) }' err)" "1 4109"
same "3: ... that ends with the reason" "$(tail -c 28 err)" ": No such file or directory"
same "3: ... and begins as the path does" "$(head -c 20 err)" 'dc-embed: /\x01ddddd'
# ... and a path of bytes that are no UTF-8 (0x80, a continuation byte, 250 to a
# name) keeps as much: a cut moves at most 3 bytes to leave a character whole
lp=$(/usr/bin/python3 -c 'import sys; s = b"/" + b"/".join([b"\x80" * 250] * 17); sys.stdout.buffer.write(s[:4095])')
check "3: a 4095-byte path of 0x80 bytes in a message" 1 '*' dc-embed -m "$lp" /dev/null
same "3: ... on one line of 4103 bytes: prefix, 2045, '...', 2045" "$(wc -l <err) $(awk '{ print length($0) }' err)" "1 4103"
same "3: ... that ends with the reason" "$(tail -c 28 err)" ": No such file or directory"
