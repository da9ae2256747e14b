#!/bin/sh
# examples/separate-one.sh FILE OUTDIR [K [BETA [MODEL]]]: separates one recording into
# OUTDIR/s1.wav, OUTDIR/s2.wav, ... with the dcsep pipeline, as the batch recipes run
# it on each host (examples/separate-batch.sh, examples/slurm-separate.sh):
#   dc-stft FILE | dc-embed [-m MODEL] | dc-kmeans -k K -b BETA | dc-mask | dc-istft
# K defaults to auto (counted per recording), BETA to 3 (soft masks; 0: binary), MODEL
# to dc-embed's default. The files are written under a temporary directory beside
# OUTDIR and moved into place when the whole set is there, so OUTDIR is complete or
# absent (an earlier OUTDIR is replaced). OUTDIR names a directory of its own: not
# '', '.', '..' or '/' (trailing slashes are dropped), and an OUTDIR that exists must
# be an earlier one, a directory of nothing but s1.wav, s2.wav, ... (or a symbolic
# link, which is replaced, not what it points to); it gets the mode mkdir would give
# it. Exit status 0, 1 with the failing stage's message on standard error, or 2
# for wrong arguments (a K or BETA a stage refuses included). With FILE and OUTDIR
# both '' it separates nothing: it checks K, BETA and MODEL (if given) as dc-kmeans
# and dc-embed take them, on an empty stream, and exits as a separation with them
# would (2, or 1 for a MODEL dc-embed cannot load, with the stage's message; 0 if
# they are taken, or if there are no tools to check with), as
# examples/separate-batch.sh does once before its jobs. One thread a job: run jobs
# side by side. The tools are those on PATH; where PATH has none, those
# of the built clone this script is in (its bin/ beside examples/).
set -u
# -h: this text
[ "$*" != -h ] || { awk 'NR == 1 || /^#SBATCH/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0; }
# no tools on PATH: those of the clone this script is in, where it was built
d=$(dirname "$0")/../bin
command -v dc-stft >/dev/null || { [ -x "$d/dc-stft" ] && PATH=$PATH:$(cd "$d" && pwd); }
usage() { echo "usage: separate-one.sh file outdir [K [beta [model]]]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 5 ] || usage
file=$1 out=$2 k=${3:-auto} beta=${4:-3} model=${5:-}
bopt=
[ "$beta" = 0 ] || bopt="-b $beta"
case $model in -*) model=./$model ;; esac
# FILE and OUTDIR '': the arguments checked, nothing separated
if [ -z "$1" ] && [ -z "$2" ]; then
	# stage_check CMD...: the stage CMD on an empty stream; a refusal of its options
	# or its model is said in its words, and the script exits with its status
	stage_check() {
		e=$("$@" </dev/null 2>&1 >/dev/null)
		r=$?
		case $r:$e in 0:*|1:*': stdin: empty stream') return 0 ;; esac
		printf '%s\n' "$e" >&2
		exit "$r"
	}
	command -v dc-kmeans >/dev/null || exit 0
	stage_check dc-kmeans -k "$k" $bopt
	[ -z "$model" ] || stage_check dc-embed -t 1 -m "$model"
	exit 0
fi
while :; do case $out in */) out=${out%/} ;; *) break ;; esac; done
case $out in
''|.|..|*/.|*/..) echo "separate-one.sh: outdir must name a directory of its own: '$2'" >&2; exit 2 ;;
esac
# a name that starts with '-' is not an option to the tools
case $file in -?*) file=./$file ;; esac
case $out in -*) out=./$out ;; esac
# an existing OUTDIR is replaced only if it is an earlier separation's
if [ -d "$out" ] && [ ! -L "$out" ]; then
	# (by glob, not ls: a name holding a newline is one name)
	other=
	for f in "$out"/* "$out"/.[!.]* "$out"/..?*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case ${f##*/} in
		s*[!0-9]*.wav) other=1; break ;;
		s*.wav) ;;
		*) other=1; break ;;
		esac
	done
	if [ -n "$other" ]; then
		echo "separate-one.sh: $out holds other files than s1.wav, s2.wav, ...: not replaced" >&2
		exit 2
	fi
elif [ -e "$out" ] && [ ! -L "$out" ]; then
	echo "separate-one.sh: $out exists and is not a directory" >&2
	exit 2
fi
tmp=
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$(dirname "$out")" && tmp=$(mktemp -d "$out.tmp.XXXXXX") || exit 1
# dc-istft -o takes a pattern: a '%' of the directory's name is written '%%'
pat=$(printf '%s\n' "$tmp" | sed 's/%/%%/g')/s%k.wav
# a pipeline's status is its last stage's, so each stage notes its own failure in
# the status file. The stages' messages are held back, then said once: a failing
# stage ends the stream and every stage after it fails on an empty one, so those
# lines go unsaid when another stage says what went wrong
st="$tmp/.status" err="$tmp/.err"
{ dc-stft "$file" 2>>"$err" || echo "dc-stft $?" >>"$st"; } |
    { dc-embed -t 1 ${model:+-m "$model"} 2>>"$err" || echo "dc-embed $?" >>"$st"; } |
    { dc-kmeans -k "$k" $bopt 2>>"$err" || echo "dc-kmeans $?" >>"$st"; } |
    { dc-mask 2>>"$err" || echo "dc-mask $?" >>"$st"; } |
    { dc-istft -o "$pat" 2>>"$err" || echo "dc-istft $?" >>"$st"; }
empty=': stdin: (empty stream|no utterance in the stream)$'
if [ -s "$err" ]; then
	if grep -Eqv "$empty" "$err"; then grep -Ev "$empty" "$err" >&2; else cat "$err" >&2; fi
fi
# a stage's usage error (K or BETA out of range: dc-kmeans exits 2) is ours
if [ -s "$st" ] && grep -q ' 2$' "$st"; then
	exit 2
fi
if [ -s "$st" ] || ! ls "$tmp"/s1.wav >/dev/null 2>&1; then
	exit 1
fi
rm -f "$st" "$err"
# mktemp -d made it 0700: as mkdir would have made it, 0777 less the umask
chmod "$(umask -S)" "$tmp" &&
rm -rf "$out" && mv "$tmp" "$out"
