#!/bin/sh
# links.sh: the pipeline's tools load only the shared libraries they use. Each one
# loaded is paid for at every start, and a batch starts five tools per file: on
# this project's machines (perf stat -r 100 of an empty main linked with each)
# libsndfile and its codecs cost about 3 ms, libfftw3f 5, and OpenBLAS, which
# starts its threads on loading, about 10; dc-embed took 40 ms of CPU to load the
# shipped model with them, 29 without (issue 23 asks for 30).
. "$ROOT/tests/lib.sh"
# libs TOOL: the names of the libraries the tool's binary loads, one line
libs() { ldd "$ROOT/$B/bin/$1" | awk '{ print $1 }' | sed 's,.*/,,; s,\.so.*,,' | sort -u | tr '\n' ' '; }
# lacks TOOL LIB...: the tool loads none of them
lacks() {
	t=$1; shift
	have=$(libs "$t")
	for l in "$@"; do
		case " $have" in
		*" $l "*) fail "$t does not load $l" "it does ($have)" ;;
		*) pass "$t does not load $l" ;;
		esac
	done
}
# the control: the listing sees a library where it is used
case " $(libs dc-train)" in
*" libopenblas "*) pass "dc-train loads libopenblas (the deep clustering loss)" ;;
*) fail "dc-train loads libopenblas (the deep clustering loss)" "$(libs dc-train)" ;;
esac
case " $(libs dc-embed)" in
*" libdnnl "*) pass "dc-embed loads libdnnl" ;;
*) fail "dc-embed loads libdnnl" "$(libs dc-embed)" ;;
esac
lacks dc-stft libopenblas libdnnl libcairo
lacks dc-embed libopenblas libsndfile libfftw3f libsoxr libcairo
lacks dc-kmeans libopenblas libdnnl libsndfile libfftw3f libsoxr libcairo
lacks dc-mask libopenblas libdnnl libsndfile libfftw3f libsoxr libcairo
lacks dc-istft libopenblas libdnnl libsoxr libcairo
