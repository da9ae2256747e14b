#!/bin/sh
# examples_help.sh: -h of every script of examples/, run from another directory:
# exit status 0, nothing on stderr, and on stdout the script's leading comment
# without its marks (the shebang and #SBATCH lines left out), as a separate reading
# of the file in Python finds it; the first lines of three written out; -h after
# an option does nothing else (no directory made); a file named -h among other
# arguments is a file, not the option.
. "$ROOT/tests/lib.sh"
E=$ROOT/examples
for f in "$E"/*.sh; do
	b=${f##*/}
	[ "$b" = lib.sh ] && continue
	check "$b -h: exit 0, stderr empty" 0 '' sh "$f" -h
	"$PY" - "$f" >want <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")[1:]
for l in lines:
    if l.startswith("#SBATCH"):
        continue
    if not l.startswith("#"):
        break
    l = l[1:]
    print(l[1:] if l.startswith(" ") else l)
PY
	if [ -s want ] && cmp -s out want; then
		pass "$b -h: its leading comment ($(wc -l <want) lines)"
	else
		fail "$b -h" "stdout differs from the leading comment: $(diff out want | head -3)"
	fi
done
check "tune-kmeans.sh -h" 0 '' sh "$E/tune-kmeans.sh" -h
same "tune-kmeans.sh -h: its synopsis" "$(head -n 2 out)" \
    "examples/tune-kmeans.sh [-m MODEL] [-n COUNT] [-s SEED] [-t THREADS] [-b BETAS] [-T DBS]
                        [-S SPEAKERS] [-o DIR] [CORPUS]:"
check "slurm-separate.sh -h" 0 '' sh "$E/slurm-separate.sh" -h
same "slurm-separate.sh -h: no #SBATCH line" "$(head -n 1 out)" \
    "examples/slurm-separate.sh list outdir [K [beta [model]]]: one task of a Slurm job"
check "separate-one.sh -h" 0 '' sh "$E/separate-one.sh" -h
same "separate-one.sh -h: its last line" "$(tail -n 1 out)" "of the built clone this script is in (its bin/ beside examples/)."
check "campaign.sh -d new -h: exit 0" 0 '' sh "$E/campaign.sh" -d new -h
same "campaign.sh -d new -h: no directory made" "$(ls -A)" "err
out
want"
check "separate-one.sh -h out: the file ./-h, not -h" 1 '*' sh "$E/separate-one.sh" -h sep
case $(cat err) in
*dc-stft*) pass "separate-one.sh -h out: dc-stft's message" ;;
*) fail "separate-one.sh -h out" "stderr: $(cat err)" ;;
esac
same "separate-one.sh -h out: nothing made" "$(ls -A)" "err
out
want"

# the corpus: the last argument, else $DCSEP_CORPUS, else ../shared/corpus beside
# the repository; none there is said before any work, with the way to give one
for b in tune-kmeans.sh eval-model.sh oracle-eval.sh count-speakers.sh; do
	check "$b: no corpus, said" 1 "$b: $PWD/nocorpus: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)" \
	    sh "$E/$b" -n 1 nocorpus
	check "$b: DCSEP_CORPUS, said" 1 "$b: $PWD/gone: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)" \
	    env DCSEP_CORPUS=gone sh "$E/$b" -n 1
done
check "split-speakers.sh: no corpus, said" 1 "split-speakers.sh: nocorpus: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)" \
    sh "$E/split-speakers.sh" nocorpus
same "no corpus: no set made" "$(ls -d "$ROOT/out/sets/k2-n1-s7" 2>/dev/null)" ""
