#!/bin/sh
# examples/separate-batch.sh [-S sshlogins | -s sshloginfile] [-j jobs] [-k K] [-b beta]
#     [-m model] [-r retries] -o outdir list: separates every recording named in list
# (one path a line; '-' reads the list from stdin) with GNU parallel, on this host or
# over ssh on many, each recording into outdir/NAME/s1.wav, s2.wav, ... (NAME: its file
# name without directory and extension; a list with an empty NAME, as .wav, or two
# recordings of one NAME is refused), by examples/separate-one.sh.
#
#   -S sshlogins   parallel's --sshlogin: ':' is this host (the default), or
#                  '8/host1,4/user@host2' (jobs/host)
#   -s file        parallel's --sshloginfile: one sshlogin a line
#   -j jobs        jobs at a time on each host, a whole number (default: one per core)
#   -k K, -b beta  dc-kmeans's: K (default auto: counted per recording) and the soft
#                  masks' beta (default 3; 0 for binary masks)
#   -m model       the model (default: dc-embed's, the installed models/default.dcm)
#   -r retries     tries of a failing recording, on another host where there is one
#                  (default 2)
#
# On other hosts, dcsep must be installed (make install: the tools on PATH, the
# default model in place); each recording, separate-one.sh and the model given by -m
# are copied there (rsync, by parallel's --transferfile and --basefile), the outputs
# come back (--return) and the copies are removed (--cleanup). outdir/joblog.tsv is
# parallel's job log; the last line says how many recordings were separated and lists
# those that failed after every try (control characters shown as '?'), and the exit status is 0 only if none did.
# The options are checked before anything is made or run, -k, -b and -m by
# separate-one.sh (FILE and OUTDIR '': as dc-kmeans and dc-embed take them, with
# this host's tools where it has them): one refused there stops the batch with the
# stage's message and separate-one.sh's exit status (2; 1 for a model dc-embed
# cannot load), not every recording after its tries.
set -u
export LC_ALL=C         # every list line is a name, whatever its bytes
here=$(cd "$(dirname "$0")" && pwd)
logins=: loginfile= jobs= k=auto beta=3 model= retries=2 out=
usage() { echo "usage: separate-batch.sh [-S sshlogins | -s sshloginfile] [-j jobs] [-k K] [-b beta] [-m model] [-r retries] -o outdir list" >&2; exit 2; }
while getopts S:s:j:k:b:m:r:o:h o; do
	case $o in
	S) logins=$OPTARG ;;
	s) loginfile=$OPTARG ;;
	j) jobs=$OPTARG ;;
	k) k=$OPTARG ;;
	b) beta=$OPTARG ;;
	m) model=$OPTARG ;;
	r) retries=$OPTARG ;;
	o) out=$OPTARG ;;
	h) awk 'NR == 1 || /^#SBATCH/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [ -n "$out" ] || usage
case $out in -*) out=./$out ;; esac
command -v parallel >/dev/null || { echo "separate-batch.sh: GNU parallel is not installed (apt-get install parallel)" >&2; exit 1; }
case $retries in ''|*[!0-9]*) echo "separate-batch.sh: -r: retries must be a whole number: $retries" >&2; exit 2 ;; esac
case $jobs in *[!0-9]*|0*) echo "separate-batch.sh: -j: jobs must be a whole number above 0: $jobs" >&2; exit 2 ;; esac
# K, beta and the model checked once, as each job's separate-one.sh would take them
"$here/separate-one.sh" '' '' "$k" "$beta" "$model" || exit
# the list is read before anything is made
if [ "$1" != - ] && { [ ! -r "$1" ] || [ -d "$1" ]; }; then
	echo "separate-batch.sh: cannot read the list $1" >&2
	exit 1
fi
mkdir -p "$out" || exit 1
list="$out/list.txt"
# (copied, then renamed: the list may be outdir/list.txt itself)
if [ "$1" = - ]; then cat; else cat -- "$1"; fi >"$list.tmp" && mv "$list.tmp" "$list" || exit 1
n=$(grep -c . "$list")
[ "$n" -gt 0 ] || { echo "separate-batch.sh: the list names no recording" >&2; exit 1; }
# names must be unique, as each becomes a directory, and not empty (sorted, an
# empty one comes first)
why=$(grep . "$list" | sed 's|.*/||; s|\.[^.]*$||' | sort |
    awk 'NR == 1 && $0 == "" { print "empty"; exit } NR > 1 && $0 == last { print "dup " $0; exit } { last = $0 }')
case $why in
empty) echo "separate-batch.sh: a recording without a name for its directory (as .wav or dir/)" >&2; exit 1 ;;
dup*) echo "separate-batch.sh: two recordings would both go to $out/${why#dup }" >&2; exit 1 ;;
esac
set -- --joblog "$out/joblog.tsv" --retries "$((retries + 1))" --halt never ${jobs:+-j "$jobs"}
if [ -n "$loginfile" ] || [ "$logins" != : ]; then
	# remote hosts: copy in, bring back, clean up
	if [ -n "$loginfile" ]; then set -- "$@" --sshloginfile "$loginfile"; else set -- "$@" -S "$logins"; fi
	cp "$here/separate-one.sh" "$out/.separate-one.sh"
	set -- "$@" --basefile "$out/.separate-one.sh" --transferfile {} --return "$out/{/.}" --cleanup
	[ -z "$model" ] || set -- "$@" --basefile "$model"
	set -- "$@" sh "$out/.separate-one.sh"
else
	set -- "$@" "$here/separate-one.sh"
fi
# -q: each word of the command goes as one argument, whatever its characters; a
# job log of an earlier run is not read for this one's
rm -f "$out/joblog.tsv"
grep . "$list" | parallel -q "$@" {} "$out/{/.}" "$k" "$beta" "$model" 2>"$out/errors.log"
if [ ! -s "$out/joblog.tsv" ]; then
	# parallel refused its options (-s, -S) and ran nothing: say its first words
	echo "separate-batch.sh: parallel ran no job: $(grep -m 1 . "$out/errors.log" | sed 's/[[:cntrl:]]/?/g')" >&2
	rm -f "$out/.separate-one.sh"
	exit 1
fi
# the job log: a row per try, the sequence number first (the recording's line among
# the list's non-empty lines), the exit status in column 7; the last try counts
grep . "$list" >"$out/.inputs"
awk -F '\t' 'NR == FNR { if (FNR > 1) st[$1] = $7; next }
	{ if (FNR in st && st[FNR] == 0) ok++; else bad = bad (bad ? ", " : "") $0 }
	END { printf "%d\t%s\n", ok, bad }' "$out/joblog.tsv" "$out/.inputs" >"$out/.sum"
ok=$(cut -f 1 "$out/.sum")
failed=$(cut -f 2- "$out/.sum" | sed 's/[[:cntrl:]]/?/g')	# no terminal control from a name
rm -f "$out/.sum" "$out/.inputs" "$out/.separate-one.sh"
if [ "$ok" -eq "$n" ]; then
	echo "separate-batch.sh: $n of $n recordings separated into $out"
	exit 0
fi
echo "separate-batch.sh: $ok of $n recordings separated into $out; failed: $failed (see $out/errors.log)" >&2
exit 1
