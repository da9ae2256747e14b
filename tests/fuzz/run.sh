#!/bin/sh
# tests/fuzz/run.sh [NAME ...]: runs each libFuzzer harness (all of build-fuzz/fuzz_*
# by default) for $FUZZ_SECONDS seconds (60) on its seeds (tests/fuzz/corpus/NAME)
# and the corpus it has grown (build-fuzz/corpus/NAME), with its dictionary
# (tests/fuzz/NAME.dict). A crash, leak, hang (over 30 s: the harnesses run at
# nice 19 beside other work, and an input takes well under 1 s) or memory blow-up
# (over 2 GiB) is written to build-fuzz/crash/NAME/; every harness runs even if
# an earlier one failed. Prints the executions and new inputs of each; exit 1 if
# any harness failed. `make fuzz` builds the harnesses and runs this.
set -u
cd "$(dirname "$0")/../.." || exit 1
FZ=${FZ:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
names=${*:-$(for f in "$FZ"/fuzz_*; do [ -x "$f" ] && echo "${f##*/fuzz_}"; done)}
bad=""
for n in $names; do
	f=$FZ/fuzz_$n
	[ -x "$f" ] || { echo "fuzz: no $f: make fuzzers" >&2; exit 1; }
	mkdir -p "$FZ/corpus/$n" "$FZ/crash/$n"
	dict=
	[ -f "tests/fuzz/$n.dict" ] && dict=-dict=tests/fuzz/$n.dict
	log=$FZ/fuzz-$n.log
	start=$(date +%s)
	"$f" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 $dict \
	    -artifact_prefix="$FZ/crash/$n/" "$FZ/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	ran=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log")
	cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "fuzz: $n: $ran s, ${execs:-?} executions, ${new:-?} new inputs, $cov, exit $rc"
	if [ "$rc" -ne 0 ]; then
		grep -a -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: .*invariant|artifact_prefix)' "$log" | sed 's/^/    /'
		bad="$bad $n"
	fi
done
if [ -n "$bad" ]; then
	echo "fuzz: failed:$bad (logs in $FZ/fuzz-*.log, inputs in $FZ/crash/)"
	exit 1
fi
