#!/bin/sh
# train_kill.sh: dc-train survives being killed. A tiny model trains on tiny
# mixtures with a checkpoint after every step (-c), and is killed with SIGKILL
# at random moments, half of the time while it writes a checkpoint (the test-only
# DCSEP_TEST_SAVE_SLEEP makes each write pause half-way, and the kill waits for a
# half-written temporary file), then stopped once with SIGTERM; after each kill
# the checkpoint loads (dc-embed) and never goes back, and each run resumes it with
# -r. The model at the end equals, bit for bit, that of a run never interrupted.
# The random moments come from a seed printed first (TRAIN_KILL_SEED sets it).
. "$ROOT/tests/lib.sh"
S=$DATA/speech

i=1
for pair in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332"; do
	set -- $pair
	dc-mix -s $i -o mix$i.wav -O "s${i}_%k.wav" "$S/$1.flac" "$S/$2.flac" >/dev/null 2>&1 &&
	dc-stft mix$i.wav | dc-oracle s${i}_1.wav s${i}_2.wav >u$i.dcs 2>/dev/null ||
	    fail "make mixture $i" "dc-mix, dc-stft or dc-oracle failed"
	i=$((i + 1))
done
cat u1.dcs u2.dcs u3.dcs >train.dcs

A="-L 1 -H 64 -D 8 -T 50 -b 4 -a 0.01 -s 7"
E=150
seed=${TRAIN_KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# seed $seed (TRAIN_KILL_SEED=$seed repeats the moments of the kills)"
# (lib.sh's check uses n, r, e, i and rc: the loops here use other names)
# rnd N LO HI: the N-th number of the seed's sequence, uniform in [LO, HI)
rnd() { awk -v s="$seed" -v n="$1" -v lo="$2" -v hi="$3" \
    'BEGIN { srand(s); for (i = 0; i <= n; i++) r = rand(); printf "%.3f", lo + r * (hi - lo) }'; }
# ckpt: "step epoch batch" of the checkpoint, or "none"
ckpt() {
	[ -f ck.dcm ] || { echo none; return; }
	"$PY" -c '
import msgpack
m = msgpack.unpackb(open("ck.dcm", "rb").read(), raw=False)
s = msgpack.unpackb(m["train"]["state"], raw=False)
print(m["train"]["step"], s["epoch"], s["batch"])'
}
# start MS: dc-train in the background, resuming if there is a checkpoint, with a
# pause of MS milliseconds half-way through each checkpoint write (0: none)
start() {
	ms=$1
	if [ -f ck.dcm ]; then set -- -r; else set -- $A; fi
	env DCSEP_TEST_SAVE_SLEEP=$ms dc-train -q -c 0.000001 -e $E "$@" -o ck.dcm train.dcs 2>>runs.err &
	pid=$!
}

check "the uninterrupted run" 0 '' dc-train -q $A -e $E -c 0 -o ref.dcm train.dcs

# progress: wait until the run started last has written a checkpoint of its own
# (a new inode: each write is a rename), so that every round moves the training
# on however slow the build (sanitizers) or the machine; or until it has ended
progress() {
	polls=0
	while [ "$(stat -c %i ck.dcm 2>/dev/null)" = "$1" ] && [ $polls -lt 6000 ] &&
	    kill -0 $pid 2>/dev/null; do
		sleep 0.01
		polls=$((polls + 1))
	done
}

last=0 inwrite=0 midepoch=0 finished=0 round=0
while [ $round -lt 12 ] && [ $finished -eq 0 ]; do
	rm -f .dc-tmp-*
	before=$(stat -c %i ck.dcm 2>/dev/null)
	if [ $((round % 2)) -eq 0 ]; then
		start 0
		progress "$before"
		sleep "$(rnd $round 0.05 0.6)"
	else
		# a pause of 100 ms half-way through each checkpoint; kill inside one
		start 100
		progress "$before"
		sleep "$(rnd $round 0.05 0.3)"
		polls=0
		while [ -z "$(ls .dc-tmp-* 2>/dev/null)" ] && [ $polls -lt 300 ] && kill -0 $pid 2>/dev/null; do
			sleep 0.01
			polls=$((polls + 1))
		done
	fi
	kill -KILL $pid 2>/dev/null
	wait $pid
	rc=$?
	if [ $rc -ne 137 ]; then
		# the race lost: the run ended first, and the kills below have no subject
		same "round $round: the run ended before the kill, normally" "$rc" 0
		skip "kills after round $round" "the run ended before the kill (a faster machine than E = $E epochs allows for)"
		finished=1
		break
	fi
	pass "round $round: killed"

	[ -n "$(ls .dc-tmp-* 2>/dev/null)" ] && inwrite=$((inwrite + 1))
	set -- $(ckpt)
	if [ "$1" != none ]; then
		check "round $round: the checkpoint of step $1 (epoch $2, batch $3) loads" 0 '' \
		    sh -c 'dc-embed -m ck.dcm <u1.dcs >/dev/null'
		num "round $round: the checkpoint's step never goes back" "$1" '>=' "$last"
		last=$1
		[ "$3" != 0 ] && midepoch=$((midepoch + 1))
	fi
	round=$((round + 1))
done
echo "# $round kills, $inwrite inside a checkpoint write, $midepoch checkpoints inside an epoch; the last at step $last"
if [ $finished -eq 0 ]; then
	num "some kills land inside a checkpoint write" "$inwrite" '>=' 1
	num "some checkpoints lie inside an epoch (-c)" "$midepoch" '>=' 1
	# SIGTERM: the step ends, the checkpoint is written, dc-train dies of the signal
	rm -f .dc-tmp-*
	: >runs.err
	ino=$(stat -c %i ck.dcm 2>/dev/null)
	start 0
	# once it is training (a new checkpoint: a new inode), at a random moment
	polls=0
	while [ "$(stat -c %i ck.dcm 2>/dev/null)" = "$ino" ] && [ $polls -lt 200 ]; do
		sleep 0.01
		polls=$((polls + 1))
	done
	sleep "$(rnd 99 0 0.2)"
	kill -TERM $pid 2>/dev/null
	wait $pid
	rc=$?
	set -- $(ckpt)
	if [ $rc -eq 0 ]; then
		skip "SIGTERM" "the run ended before the signal"
	else
		same "SIGTERM: exit status 143" "$rc" 143
		same "SIGTERM: the message" "$(cat runs.err)" \
		    "dc-train: terminated after step $1; the checkpoint is written; -r resumes"
		same "SIGTERM: no temporary file left" "$(ls .dc-tmp-* 2>/dev/null)" ""
	fi
fi
check "resume to the end" 0 '' dc-train -q -r -e $E -o ck.dcm train.dcs
"$PY" - <<'EOF'
import msgpack
def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
ld = lambda p: msgpack.unpackb(open(p, "rb").read(), raw=False)
a, b = ld("ck.dcm"), ld("ref.dcm")
check("killed and resumed: the step of the uninterrupted run", a["train"]["step"] == b["train"]["step"],
      "%d, %d" % (a["train"]["step"], b["train"]["step"]))
for k in ("params", "feat_mean", "feat_std"):
    check("killed and resumed: %s of the uninterrupted run, bit for bit" % k, a[k] == b[k])
for k in ("adam_m", "adam_v"):
    check("killed and resumed: Adam's %s of the uninterrupted run, bit for bit" % k, a["train"][k] == b["train"][k])
EOF

# SIGTERM on a run that cannot end before it (100,000 epochs): the step ends,
# the checkpoint is written, dc-train dies of the signal; a dc-train that let the
# signal pass would run on, and is killed after 60 s (exit 137, not 143)
: >term.err
dc-train -q $A -e 100000 -c 0.000001 -o term.dcm train.dcs 2>term.err &
tpid=$!
polls=0
while [ ! -f term.dcm ] && [ $polls -lt 3000 ] && kill -0 $tpid 2>/dev/null; do
	sleep 0.01
	polls=$((polls + 1))
done
sleep 0.3
kill -TERM $tpid 2>/dev/null
polls=0
while kill -0 $tpid 2>/dev/null && [ $polls -lt 600 ]; do
	sleep 0.1
	polls=$((polls + 1))
done
kill -KILL $tpid 2>/dev/null
wait $tpid
rc=$?
same "SIGTERM on a long run: exit status 143" "$rc" 143
tstep=$("$PY" -c '
import msgpack
print(msgpack.unpackb(open("term.dcm", "rb").read(), raw=False)["train"]["step"])')
same "SIGTERM on a long run: the message names the checkpoint's step" "$(cat term.err)" \
    "dc-train: terminated after step $tstep; the checkpoint is written; -r resumes"
same "SIGTERM on a long run: no temporary file left" "$(ls -A | grep dc-tmp)" ""
