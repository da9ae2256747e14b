#!/bin/sh
#SBATCH --job-name=dcsep-separate
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --output=dcsep-%A_%a.log
# examples/slurm-separate.sh list outdir [K [beta [model]]]: one task of a Slurm job
# array that separates the recordings of list (one path a line), each into
# outdir/NAME/s1.wav, s2.wav, ... by examples/separate-one.sh. Submit it as an array
# of a range, with or without a step; the task of rank r (r = 0 for the range's
# first id, 1 for the next, ...) takes the non-empty lines r + 1, r + 1 + N, ... of
# the list (N tasks), so every recording is done once whatever N is:
#
#   sbatch --array=0-31 examples/slurm-separate.sh files.txt out
#
# (dcsep installed on the nodes, or its bin/ on PATH; list and outdir on a shared file
# system). A task that fails on a recording goes on with the next, writes the names of
# the failed ones to outdir/failed-JOB-TASK.txt (JOB: the array's job id, TASK: the
# task's; "local" and 0 outside Slurm) and exits 1 at the end; rerun those with
#   sbatch --array=0-3 examples/slurm-separate.sh out/failed-JOB-TASK.txt out
# A task with no failure removes an earlier list of its name. SIGTERM (scancel, the
# time limit) and SIGINT keep the failures so far in the list, then exit 143 and 130.
# Run outside Slurm it is the whole list in one task (SLURM_ARRAY_TASK_ID unset).
# An array of a list of ids (--array=1,5,7) is refused: its ranks are not known.
# K, beta and model are checked before any recording (separate-one.sh with FILE and
# OUTDIR ''): one refused stops the task with the stage's message and status (2).
set -u
export LC_ALL=C         # every list line is a name, whatever its bytes
# -h: this text
[ "$*" != -h ] || { awk 'NR == 1 || /^#SBATCH/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0; }
[ $# -ge 2 ] && [ $# -le 5 ] || { echo "usage: slurm-separate.sh list outdir [K [beta [model]]]" >&2; exit 2; }
list=$1 out=$2
case $list in -*) list=./$list ;; esac
case $out in -*) out=./$out ;; esac
shift 2
here=${SLURM_SUBMIT_DIR:+$SLURM_SUBMIT_DIR/examples}
[ -n "$here" ] && [ -x "$here/separate-one.sh" ] || here=$(cd "$(dirname "$0")" && pwd)
id=${SLURM_ARRAY_TASK_ID:-0}
min=${SLURM_ARRAY_TASK_MIN:-0}
max=${SLURM_ARRAY_TASK_MAX:-}
step=${SLURM_ARRAY_TASK_STEP:-1}
count=${SLURM_ARRAY_TASK_COUNT:-1}
for v in "$id" "$min" "$step" "$count" ${max:+"$max"}; do
	case $v in ''|*[!0-9]*) echo "slurm-separate.sh: the array's task variables are not whole numbers" >&2; exit 2 ;; esac
done
# the task's rank in a range min-max:step (Slurm sets the step only for a range)
task=0
[ "$step" -gt 0 ] && [ "$id" -ge "$min" ] && task=$(((id - min) / step))
if [ "$step" -eq 0 ] || [ "$id" -lt "$min" ] || [ $(((id - min) % step)) -ne 0 ] || [ "$task" -ge "$count" ] ||
    { [ -n "$max" ] && [ $(((max - min) / step + 1)) -ne "$count" ]; }; then
	echo "slurm-separate.sh: task $id: the array is not a range with a step (--array=A-B or A-B:S)" >&2
	exit 2
fi
if [ ! -r "$list" ] || [ -d "$list" ]; then
	echo "slurm-separate.sh: cannot read the list $list" >&2
	exit 1
fi
# K, beta and the model checked once, as each recording's separate-one.sh takes them
"$here/separate-one.sh" '' '' "$@" || exit
mkdir -p "$out" || exit 1
failed="$out/failed-${SLURM_ARRAY_JOB_ID:-local}-$id.txt"
: >"$failed.tmp"
# stopped (scancel, the time limit), it keeps the failures so far
keep() { if [ -s "$failed.tmp" ]; then mv "$failed.tmp" "$failed"; else rm -f "$failed.tmp"; fi; }
trap 'keep; exit 143' TERM
trap 'keep; exit 130' INT
ok=0 bad=0
grep . "$list" | awk -v n="$count" -v i="$task" '(NR - 1) % n == i' | {
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%.*}
		if "$here/separate-one.sh" "$f" "$out/$name" "$@" </dev/null; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
			printf '%s\n' "$f" >>"$failed.tmp"
		fi
	done
	echo "slurm-separate.sh: task $id: $ok separated, $bad failed"
	[ "$bad" -eq 0 ]
}
rc=$?
# the list of this run's failures; none: no list, not an earlier run's
if [ -s "$failed.tmp" ]; then mv "$failed.tmp" "$failed"; else rm -f "$failed.tmp" "$failed"; fi
exit $rc
