# shellcheck shell=sh
# examples/lib.sh: what the figure scripts share; sourced from the repository root.
#
#   make_set DIR K COUNT SEED CORPUS [SPEAKERS]
#                                     COUNT mixtures of K speakers of the list SPEAKERS
#                                     (default: the held-out validation speakers,
#                                     examples/speakers-valid.txt), made in DIR once
#                                     for the same arguments and speakers
#   caller_path NAME PATH             sets the variable NAME to PATH as the caller
#                                     meant it: relative to the directory the script
#                                     was started in ($caller), not to the repository
#                                     root it runs in; a variable, not printed, so a
#                                     path's trailing newlines stay
#   pattern_dir DIR                   DIR for the front of an output template of the
#                                     tools (dc-istft -o, dc-mix -O, dc-plot -o): '%'
#                                     written '%%'
#   table FILE                        FILE's tab-separated columns aligned, two spaces
#                                     apart (as column -t, which a bare Debian lacks)
#   help_text FILE                    FILE's leading comment, its usage and what it
#                                     does, on stdout without the marks, then exit 0
#                                     (-h of the scripts)
#   corpus_arg [CORPUS]               sets corpus to CORPUS (as caller_path), else to
#                                     $DCSEP_CORPUS, else to ../shared/corpus beside
#                                     the repository; exits 1 saying how to give one if
#                                     no such directory is there
#   score SET SEPDIR NAME             dc-eval of the separations SEPDIR/ID-sK.wav of SET;
#                                     prints "K NAME COUNT SDR SDRi SI-SDR SI-SDRi"
PATH="$(pwd)/bin:$PATH"

caller_path() {
	# shellcheck disable=SC2034 # read by the eval
	case $2 in
	''|/*) caller_path_p=$2 ;;
	*) caller_path_p=${caller:?}/$2 ;;
	esac
	eval "$1=\$caller_path_p"
}

corpus_arg() {
	if [ $# -gt 0 ]; then
		caller_path corpus "$1"
	elif [ -n "${DCSEP_CORPUS-}" ]; then
		caller_path corpus "$DCSEP_CORPUS"
	else
		corpus=../shared/corpus
	fi
	[ -d "$corpus" ] || {
		printf '%s: %s: no corpus there (give its directory as the last argument, or set DCSEP_CORPUS)\n' \
		    "${0##*/}" "$corpus" >&2
		exit 1
	}
}

help_text() {
	awk 'NR == 1 || /^#SBATCH/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"
	exit 0
}

pattern_dir() { printf '%s\n' "$1" | sed 's/%/%%/g'; }

make_set() {
	# the set is kept while what drew it is the same: its key, with the speakers'
	# list by content; dc-mix's notes (speakers skipped) are said only if it fails
	# mixing 2: dc-mix takes each source's DC offset out (a set drawn before is
	# drawn again)
	key="k=$2 n=$3 seed=$4 corpus=$5 mixing=2 speakers=$(cksum <"${6:-examples/speakers-valid.txt}")" || return 1
	[ -f "$1/list.tsv" ] && [ "$(cat "$1/.key" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$1"
	mkdir -p "$(dirname "$1")"
	if ! dc-mix -n "$3" -k "$2" -s "$4" -S "${6:-examples/speakers-valid.txt}" -o "$1" "$5" 2>"$1.log"; then
		cat "$1.log" >&2
		rm -f "$1.log"
		return 1
	fi
	rm -f "$1.log"
	printf '%s\n' "$key" >"$1/.key"
}

score() {
	k=$(head -n 2 "$1/list.tsv" | tail -n 1 | cut -f 3 | tr ',' '\n' | wc -l)
	dc-eval -j -l "$1/list.tsv" -e "$(pattern_dir "$2")/%u-s%k.wav" >"$2.eval.jsonl"
	tail -n 1 "$2.eval.jsonl" | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
print("%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f" % (sys.argv[1], sys.argv[2], s["files"], s["sdr"], s["sdri"], s["si_sdr"], s["si_sdri"]))
' "$k" "$3"
}

table() {
	awk -F '\t' 'NR == FNR { for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i); next }
	    { s = ""; for (i = 1; i < NF; i++) s = s sprintf("%-*s  ", w[i], $i); print s $NF }' "$1" "$1"
}
