#!/bin/sh
# tools/setup.sh: installs the Debian 12 packages dcsep needs to build and test,
# if any is missing. Runs as root without a prompt; prints what it installs.
set -eu
build="build-essential pkg-config libfftw3-dev libopenblas-dev libsndfile1-dev libmsgpack-dev libsoxr-dev"
test="mandoc python3-numpy python3-scipy python3-msgpack python3-mir-eval python3-soundfile sox"
missing=""
for p in $build $test; do
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
