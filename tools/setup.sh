#!/bin/sh
# tools/setup.sh [-c] [fuzz]: installs the Debian 12 packages dcsep needs to build and
# test (valgrind for make valgrind, which CI runs, and GNU parallel for the batch
# recipe), those that are missing and no others, with one apt-get update first; with
# "fuzz", also what make fuzz needs (clang, libFuzzer in libclang-rt-14-dev, and
# llvm-symbolizer in llvm for readable stack traces), which make check does not.
# It needs only /bin/sh, dpkg-query and apt-get, so it is the first command on a bare
# machine; it runs as root without a prompt, says what it installs, and says in one
# line what to do when it cannot (not root, no network).
#
# With -c it installs nothing: it asks pkg-config for each library the build links
# and, if any is missing, names its Debian package in one line and exits 1 (make
# runs this before it compiles, instead of a wall of compiler and linker errors).
set -eu
build="build-essential pkg-config libfftw3-dev libopenblas-dev libsndfile1-dev libmsgpack-dev libsoxr-dev libcairo2-dev fonts-dejavu-core libdnnl-dev"
test="mandoc time parallel openmpi-bin libopenmpi-dev python3-numpy python3-scipy python3-msgpack python3-mir-eval python3-soundfile python3-matplotlib sox valgrind"
# pkg-config's name of each library the Makefile links (its PKGS), and its package
libs="fftw3f:libfftw3-dev fftw3:libfftw3-dev sndfile:libsndfile1-dev msgpack:libmsgpack-dev openblas:libopenblas-dev soxr:libsoxr-dev cairo:libcairo2-dev"

if [ "${1:-}" = -c ]; then
	if ! command -v pkg-config >/dev/null 2>&1; then
		echo "dcsep: pkg-config is missing: run sh tools/setup.sh as root (or apt-get install pkg-config)" >&2
		exit 1
	fi
	miss=""
	for l in $libs; do
		pkg-config --exists "${l%%:*}" 2>/dev/null && continue
		case " $miss " in *" ${l#*:} "*) ;; *) miss="$miss ${l#*:}" ;; esac
	done
	# oneDNN has no pkg-config file: its header
	[ -e /usr/include/oneapi/dnnl/dnnl.h ] || miss="$miss libdnnl-dev"
	[ -z "$miss" ] && exit 0
	echo "dcsep: missing libraries:$miss; run sh tools/setup.sh as root (or apt-get install$miss)" >&2
	exit 1
fi
fuzz=""
[ "${1:-}" = fuzz ] && fuzz="clang libclang-rt-14-dev llvm"
missing=""
for p in $build $test $fuzz; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing:$missing; run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT     # (a signal runs the EXIT trap only through exit)
trap 'exit 143' TERM
# apt-get update exits 0 when it cannot fetch: the install then fails, and says why
if ! apt-get update -qq >"$log" 2>&1; then
	echo "setup: apt-get update failed ($(grep -m 1 '^[EW]:' "$log" || tail -n 1 "$log")); run as root: apt-get update && apt-get install$missing" >&2
	exit 1
fi
if ! apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
	why=$(grep -m 1 '^E:' "$log" || tail -n 1 "$log")
	grep -q '^W:.*\(Failed to fetch\|Temporary failure\|Could not resolve\)' "$log" && why="$why; no network?"
	echo "setup: apt-get install failed ($why); run as root, with a network: apt-get update && apt-get install$missing" >&2
	exit 1
fi
echo "setup: done"
