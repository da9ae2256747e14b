#!/bin/sh
# tools/setup.sh [fuzz]: installs the Debian 12 packages dcsep needs to build and
# test (valgrind for make valgrind, which CI runs), if any is missing; with "fuzz",
# also what make fuzz needs (clang, libFuzzer in libclang-rt-14-dev, and
# llvm-symbolizer in llvm for readable stack traces), which make check does not.
# Runs as root without a prompt; prints what it installs.
set -eu
build="build-essential pkg-config libfftw3-dev libopenblas-dev libsndfile1-dev libmsgpack-dev libsoxr-dev libdnnl-dev"
test="mandoc python3-numpy python3-scipy python3-msgpack python3-mir-eval python3-soundfile python3-matplotlib sox valgrind"
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done"
