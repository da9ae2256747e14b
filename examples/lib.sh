# examples/lib.sh: what the figure scripts share; sourced from the repository root.
#
#   make_set DIR K COUNT SEED CORPUS [SPEAKERS]
#                                     COUNT mixtures of K speakers of the list SPEAKERS
#                                     (default: the held-out validation speakers,
#                                     examples/speakers-valid.txt), made once, in DIR
#   score SET SEPDIR NAME             dc-eval of the separations SEPDIR/ID-sK.wav of SET;
#                                     prints "K NAME COUNT SDR SDRi SI-SDR SI-SDRi"
PATH="$(pwd)/bin:$PATH"

make_set() {
	[ -f "$1/list.tsv" ] && [ "$(($(wc -l <"$1/list.tsv") - 1))" -eq "$3" ] && return 0
	rm -rf "$1"
	mkdir -p "$(dirname "$1")"
	dc-mix -n "$3" -k "$2" -s "$4" -S "${6:-examples/speakers-valid.txt}" -o "$1" "$5" 2>/dev/null
}

score() {
	k=$(head -n 2 "$1/list.tsv" | tail -n 1 | cut -f 3 | tr ',' '\n' | wc -l)
	rel=${2#"$1"/}
	tail -n +2 "$1/list.tsv" | awk -F '\t' -v s="$rel" -v k="$k" '{
		ests = ""
		for (i = 1; i <= k; i++)
			ests = ests (i > 1 ? "," : "") s "/" $1 "-s" i ".wav"
		print $1 "\t" $2 "\t" $3 "\t" ests
	}' >"$2.eval.tsv"
	dc-eval -j -l "$2.eval.tsv" >"$2.eval.jsonl"
	tail -n 1 "$2.eval.jsonl" | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
print("%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f" % (sys.argv[1], sys.argv[2], s["files"], s["sdr"], s["sdri"], s["si_sdr"], s["si_sdri"]))
' "$k" "$3"
}
