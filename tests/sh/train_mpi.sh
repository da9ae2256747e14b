#!/bin/sh
# train_mpi.sh: dc-train-mpi (data-parallel dc-train over Open MPI) on loopback:
# 2 and 3 ranks give, after some steps, the weights of one process on the same
# global batch within 1e-6 relative (L2; not bit for bit: dc-train(1), MPI), on
# cached streams (with padded segments and a mask-inference head) and on the fly
# (-X); a checkpoint of 1 process resumes on 2 ranks to the model of an
# uninterrupted run; rank 0 alone logs; stdin is refused; a rank that dies ends
# the job with a message and the last checkpoint intact, which -r resumes.
# Without mpirun, or without dc-train-mpi where there is no mpicc, it reports
# skips.
. "$ROOT/tests/lib.sh"
export PYTHONPATH="$ROOT/formats:$ROOT/tests/sh"
S=$DATA/speech

if ! command -v mpirun >/dev/null 2>&1; then
	skip "dc-train-mpi" "no mpirun (sh tools/setup.sh installs Open MPI)"
	exit 0
fi
if ! command -v dc-train-mpi >/dev/null 2>&1; then
	if command -v mpicc >/dev/null 2>&1; then
		fail "dc-train-mpi built" "mpicc is here but $B/bin has no dc-train-mpi"
	else
		skip "dc-train-mpi" "not built: no mpicc (sh tools/setup.sh installs Open MPI)"
	fi
	exit 0
fi
# root (CI, this machine) needs Open MPI's consent; loopback only
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_orte_base_help_aggregate=0
# the sanitized build: Open MPI's plugins, unloaded by MPI_Finalize, leave blocks
# that LeakSanitizer cannot name a library for (no narrow suppression matches), so
# leaks are not checked in the ranks; dc-train's own allocations are, by the tests
# of dc-train (the same source); ASan's and UBSan's other checks stay on
NOLEAK="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
mpi() { n=$1; shift; ASAN_OPTIONS=$NOLEAK mpirun -np "$n" --oversubscribe --bind-to none dc-train-mpi "$@"; }
check "-h: exit 0" 0 '' env ASAN_OPTIONS="$NOLEAK" dc-train-mpi -h
same "-h: the usage names dc-train-mpi, as a usage error's does" "$(head -c 26 out)" "usage: dc-train-mpi [-iqrF"

i=1
for pair in "so0036_000360332 so0048_000480014" "so0053_000530115 so0054_000540031" \
    "ls1034_1034-121119-0000 so0036_000360332"; do
	set -- $pair
	dc-mix -s $i -o mix$i.wav -O "s${i}_%k.wav" "$S/$1.flac" "$S/$2.flac" >/dev/null 2>&1 &&
	dc-stft mix$i.wav | dc-oracle -R s${i}_1.wav s${i}_2.wav >r$i.dcs 2>/dev/null &&
	dc-stft mix$i.wav | dc-oracle s${i}_1.wav s${i}_2.wav >u$i.dcs 2>/dev/null ||
	    fail "make mixture $i" "dc-mix, dc-stft or dc-oracle failed"
	i=$((i + 1))
done
cat u1.dcs u2.dcs u3.dcs >train.dcs
cat r1.dcs r2.dcs r3.dcs >head.dcs
speech_corpus corpus

# close A B NAME: the weights of checkpoints A and B agree within 1e-6 relative
# (L2 norm of the difference over the norm of A), at the same step
close() {
	"$PY" - "$@" <<'EOF'
import sys, numpy as np
from oracle_lib import check, checkpoint
(pa, _, _, sa), _ = checkpoint(sys.argv[1])
(pb, _, _, sb), _ = checkpoint(sys.argv[2])
a, b = (np.frombuffer(p, "<f4").astype(np.float64) for p in (pa, pb))
rel = np.linalg.norm(a - b) / np.linalg.norm(a)
check("%s: step %d, weights within 1e-6 (%.2g)" % (sys.argv[3], sa, rel), sa == sb and rel < 1e-6,
      "steps %d and %d, relative difference %.3g" % (sa, sb, rel))
EOF
}

# 19 whole segments (-u drop), batches of 4: rank 0 takes 2 of each, rank 1 2
A="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -u drop -q"
check "1 process, 8 steps" 0 'dc-train: stopped after step 8 (-S); -r resumes' dc-train $A -S 8 -o one.dcm train.dcs
check "2 ranks, 8 steps" 0 'dc-train-mpi: stopped after step 8 (-S); -r resumes' mpi 2 $A -S 8 -l log.tsv -o two.dcm train.dcs
close one.dcm two.dcm "2 ranks as 1 process"
same "2 ranks: one log row per epoch, from rank 0" "$(cut -f 1,2 log.tsv | tr '\t\n' ', ')" "epoch,step 1,5 "
# its progress lines named as its other lines are (they said dc-train)
A1=$(echo "$A" | sed 's/ -q$//')
check "2 ranks, progress" 0 '*' mpi 2 $A1 -S 2 -p 0.000001 -o prog.dcm train.dcs
same "2 ranks: every line of rank 0 by dc-train-mpi" "$(grep -c -v '^dc-train-mpi: ' err)" 0
same "2 ranks: a progress line for each of the 2 steps" "$(grep -c '^dc-train-mpi: epoch 1 batch ' err)" 2
# the check can fail: another batch size gives other weights
check "1 process, batches of 2" 0 'dc-train: stopped after step 8 (-S); -r resumes' dc-train -L 1 -H 16 -D 8 -T 50 -b 2 -a 0.01 -u drop -q -S 8 -o b2.dcm train.dcs
"$PY" - <<'EOF'
import numpy as np
from oracle_lib import check, checkpoint
a, b = (np.frombuffer(checkpoint(p)[0][0], "<f4").astype(np.float64) for p in ("one.dcm", "b2.dcm"))
rel = np.linalg.norm(a - b) / np.linalg.norm(a)
check("another batch: weights differ (%.2g)" % rel, rel > 1e-3, "%.3g" % rel)
EOF

# 3 ranks on batches of 3 with padded segments (-u pad): shares of 1 segment each
B3="-L 1 -H 16 -D 8 -T 50 -b 3 -a 0.01 -u pad -q"
check "1 process, padded segments, 10 steps" 0 'dc-train: stopped after step 10 (-S); -r resumes' dc-train $B3 -S 10 -o p1.dcm train.dcs
check "3 ranks, padded segments" 0 'dc-train-mpi: stopped after step 10 (-S); -r resumes' mpi 3 $B3 -S 10 -o p3.dcm train.dcs
close p1.dcm p3.dcm "3 ranks, padded segments"

# a mask-inference head (Chimera++): both losses' normalisers summed over the ranks
H="-L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -M 2 -A 0.4 -q"
check "1 process, a head, 6 steps" 0 'dc-train: stopped after step 6 (-S); -r resumes' dc-train $H -S 6 -o h1.dcm head.dcs
check "2 ranks, a head" 0 'dc-train-mpi: stopped after step 6 (-S); -r resumes' mpi 2 $H -S 6 -o h2.dcm head.dcs
close h1.dcm h2.dcm "2 ranks, a mask-inference head"

# on the fly: each rank mixes its own share of each batch
X="-L 1 -H 16 -D 8 -T 40 -b 4 -N 12 -a 0.01 -q"
check "1 process, -X, 6 steps" 0 'dc-train: stopped after step 6 (-S); -r resumes' dc-train $X -S 6 -X corpus -o x1.dcm
check "2 ranks, -X" 0 'dc-train-mpi: stopped after step 6 (-S); -r resumes' mpi 2 $X -S 6 -X corpus -o x2.dcm
close x1.dcm x2.dcm "2 ranks, mixing on the fly"

# resume on another rank count: 1 process to step 3, 2 ranks to step 8
check "1 process, 3 steps" 0 'dc-train: stopped after step 3 (-S); -r resumes' dc-train $A -S 3 -o res.dcm train.dcs
check "-r on 2 ranks, to step 8" 0 'dc-train-mpi: stopped after step 8 (-S); -r resumes' mpi 2 -r -q -S 8 -o res.dcm train.dcs
close one.dcm res.dcm "resumed on 2 ranks"

check "2 ranks: stdin refused" 2 '*' mpi 2 -q -o in.dcm
num "2 ranks: stdin refused: rank 0 says why, once" \
    "$(grep -c 'the training streams must be files: only rank 0 has stdin$' err)" "==" 1
same "2 ranks: stdin refused: the message" "$(grep 'only rank 0 has stdin' err)" \
    "dc-train-mpi: the training streams must be files: only rank 0 has stdin"
same "2 ranks: stdin refused: no model" "$(ls in.dcm 2>/dev/null)" ""

# a rank that dies: the job ends with mpirun's message, the last checkpoint
# (an epoch's end) stays whole, and -r goes on from it
ASAN_OPTIONS=$NOLEAK mpirun -np 2 --oversubscribe --bind-to none dc-train-mpi -L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -u drop -q \
    -e 100000 -o kill.dcm train.dcs >kill.out 2>kill.err &
job=$!
n=0
while [ ! -f kill.dcm ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
sleep 0.5
victim=
for p in $(pgrep -P $job); do
	tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$p
done
if [ -n "$victim" ]; then
	kill -9 "$victim"
	wait $job
	rc=$?
	num "rank 1 killed: the job fails" "$rc" "!=" 0
	num "rank 1 killed: mpirun says so" "$(grep -c 'exited on signal 9' kill.err)" ">=" 1
	s0=$("$PY" -c 'from oracle_lib import checkpoint; print(checkpoint("kill.dcm")[0][3])')
	num "rank 1 killed: the checkpoint reads, at an epoch's end" "$((s0 % 5))" "==" 0
	check "rank 1 killed: -r goes on from it" 0 "dc-train: stopped after step $((s0 + 3)) (-S); -r resumes" dc-train -r -q -e 100000 -S $((s0 + 3)) -o kill.dcm train.dcs
	same "rank 1 killed: -r: 3 steps on" "$("$PY" -c 'from oracle_lib import checkpoint; print(checkpoint("kill.dcm")[0][3])')" \
	    "$((s0 + 3))"
else
	kill "$job" 2>/dev/null
	wait $job
	fail "rank 1 killed" "no rank 1 among the children of mpirun (pid $job): $(pgrep -P $job | tr '\n' ' ')"
fi

# SIGTERM to mpirun: every rank stops after the same step, rank 0 writes the
# checkpoint there (inside an epoch: -c 0, no other checkpoint), -r goes on
rm -f sig.dcm
ASAN_OPTIONS=$NOLEAK mpirun -np 2 --oversubscribe --bind-to none dc-train-mpi -L 1 -H 16 -D 8 -T 50 -b 4 -a 0.01 -u drop -q \
    -e 100000 -c 0 -o sig.dcm train.dcs >sig.out 2>sig.err &
job=$!
n=0
while [ ! -f sig.dcm ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
sleep 1
kill -TERM $job
wait $job
num "SIGTERM: the job fails" "$?" "!=" 0
s1=$("$PY" -c 'from oracle_lib import checkpoint; print(checkpoint("sig.dcm")[0][3])')
same "SIGTERM: rank 0 says where it stopped" "$(grep 'terminated after' sig.err)" \
    "dc-train-mpi: terminated after step $s1; the checkpoint is written; -r resumes"
check "SIGTERM: -r goes on" 0 "dc-train: stopped after step $((s1 + 2)) (-S); -r resumes" \
    dc-train -r -q -e 100000 -S $((s1 + 2)) -o sig.dcm train.dcs
