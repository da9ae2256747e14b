#!/bin/sh
# tests/fresh/run.sh (make fresh): the README's two commands on a bare Debian 12, as a
# newcomer runs them. Needs root, mmdebstrap (installed with apt-get if missing) and
# Debian's package mirror.
#
# A bare root file system (mmdebstrap --variant=minbase bookworm: no make, no compiler,
# no pkg-config) is made once and kept as a tarball in $DCSEP_FRESH_CACHE (default
# /var/cache/dcsep-fresh), with the .deb files apt downloads into it, so that later
# runs set up in seconds. Into a fresh copy of it goes a clean export of HEAD (git
# archive: what a clone has, nothing of the work tree's), and in a chroot:
#   1. the README's first sh block, from README.md itself: exit 0, mix-s1.wav and
#      mix-s2.wav written, two WAV files as long as the mixture;
#   2. then its second sh block (the whole test suite): exit 0, closing on
#      "N passed, 0 failed";
#   3. make install, then the pipeline from another directory with the installed
#      tools and model, examples/separate.c built there against the installed
#      libdcsep with pkg-config (its output the pipeline's, byte for byte),
#      man -w dc-stft (man-db installed for it), make uninstall: nothing of the
#      install left;
# in a second fresh copy the second block alone, on a bare machine; and in a third,
# with only make installed, make -j2 setup all (the Makefile's own path: it fails if
# the build flags are fixed when the Makefile is parsed, before setup has run).
# Prints "PASS: ..." or "FAIL: ..." per check and "N passed, N failed"; a run that
# cannot start here (not root, no mmdebstrap and none to install) prints "SKIP: ..."
# and "0 passed, 0 failed, 1 skipped", and exits 0: skipped, never passed.
#
# The copies (about 1.7 GB each) are made under $TMPDIR (default /var/tmp) as
# dcsep-fresh.PID.XXXXXX. The test runs in mount and PID namespaces of its own
# (unshare -m -p --kill-child): its mounts (/proc, /sys, /dev, /dev/pts, apt's archives)
# are never seen outside, and when it ends, even by SIGKILL, the kernel ends every
# process it started in the chroots and drops the mounts. Every exit removes the
# copies, and a later run removes those of a killed one (its PID gone).
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$(pwd)
cache=${DCSEP_FRESH_CACHE:-/var/cache/dcsep-fresh}
tar=$cache/bookworm-minbase.tar
tmp=${TMPDIR:-/var/tmp}
passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
skipall() { echo "SKIP: fresh machine: $1"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
t0=$(date +%s)
el() { echo "$(($(date +%s) - t0)) s"; }

if [ -z "${DCSEP_FRESH_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skipall "needs root (chroot, mount)"
	# the copies of runs that were killed: removed when nothing is mounted in them
	for d in "$tmp"/dcsep-fresh.*.*; do
		[ -d "$d" ] || continue
		p=${d#"$tmp"/dcsep-fresh.}
		p=${p%%.*}
		case $p in '' | *[!0-9]*) continue ;; esac
		kill -0 "$p" 2>/dev/null && continue
		grep -q " $d/" /proc/mounts || rm -rf --one-file-system "$d"
	done
	# unshare keeps this PID while the test runs, as the parent of the namespace's
	# first process
	DCSEP_FRESH_NS=$$ exec unshare --mount --propagation private --pid --fork --kill-child \
	    sh "$repo/tests/fresh/run.sh"
	skipall "unshare could not make mount and PID namespaces"
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null 2>&1 ||
	    skipall "no mmdebstrap, and apt-get could not install it"
fi
mkdir -p "$cache/archives/partial" || { fail "fresh machine" "cannot make $cache"; finish; }
if [ ! -s "$tar" ]; then
	if mmdebstrap --variant=minbase --format=tar --quiet bookworm "$cache/new.tar" \
	    http://deb.debian.org/debian >"$cache/mmdebstrap.log" 2>&1; then
		mv "$cache/new.tar" "$tar"
		echo "fresh: bare Debian 12 root made ($(du -h "$tar" | cut -f 1), $(el))"
	else
		rm -rf "$cache/new.tar"
		fail "bare root" "mmdebstrap failed: $(tail -n 1 "$cache/mmdebstrap.log")"
		finish
	fi
fi
git -C "$repo" rev-parse --verify -q HEAD >/dev/null || { fail "fresh machine" "no git HEAD to export"; finish; }

roots=""
cleanup() {	# unmounts, and removes a copy only when nothing is mounted in it any more
	for r in $roots; do
		for m in var/cache/apt/archives dev/pts dev sys proc; do
			mountpoint -q "$r/$m" 2>/dev/null && umount -l "$r/$m"
		done
		if grep -q " $r/" /proc/mounts; then
			echo "fresh: $r still has mounts; left in place" >&2
		else
			rm -rf --one-file-system "$r"
		fi
	done
}
# discard: cleanup of the copies made so far; any still there, or with a mount in
# it, is named in $leftover (checked at the end)
leftover=""
discard() {
	cleanup 2>/dev/null
	for d in $roots; do
		{ [ -e "$d" ] || grep -q " $d/" /proc/mounts; } && leftover="$leftover $d"
	done
	roots=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# newroot: a fresh copy of the bare root with HEAD in /root/dcsep, its path in $r (in
# this shell, not a subshell: cleanup must know every copy)
newroot() {
	r=$(mktemp -d "$tmp/dcsep-fresh.$DCSEP_FRESH_NS.XXXXXX") || return 1
	roots="$roots $r"
	tar -C "$r" -xf "$tar" || return 1
	mount -t proc proc "$r/proc" && mount -t sysfs sysfs "$r/sys" &&
	    mount --bind /dev "$r/dev" && mount --bind /dev/pts "$r/dev/pts" &&
	    mount --bind "$cache/archives" "$r/var/cache/apt/archives" || return 1
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
	# no fsync per file while dpkg unpacks: the copy is thrown away after the test
	echo force-unsafe-io >"$r/etc/dpkg/dpkg.cfg.d/dcsep-fresh-test"
	mkdir -p "$r/root/dcsep" && git -C "$repo" archive HEAD | tar -C "$r/root/dcsep" -xf - || return 1
}
# inroot ROOT DIR SCRIPT: runs the shell text SCRIPT as root in the chroot, in DIR
inroot() {
	chroot "$1" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    LANG=C.UTF-8 /bin/sh -c "cd '$2' && $3"
}

# suite NAME LOG: the README's second block in the chroot $r: exit 0, closing on
# "N passed, 0 failed"
suite() {
	inroot "$r" /root/dcsep "$b2" >"$2" 2>&1
	rc=$?
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ $rc -eq 0 ] && echo "$last" | grep -Eq '^[1-9][0-9]* passed, 0 failed'; then
		pass "$1: exit 0, $last ($(el))"
	else
		fail "$1" "exit $rc, last line '$last'; $(grep '^    FAIL' "$2" | head -n 3 | tr '\n' ' ')"
	fi
}

b1=$(tests/fresh/readme-block.sh 1) || { fail "README" "no first sh block"; finish; }
b2=$(tests/fresh/readme-block.sh 2) || { fail "README" "no second sh block"; finish; }
log=$cache/last

# 1-3 on one machine
newroot || { fail "fresh root" "could not set one up"; finish; }
if [ -x "$r/usr/bin/make" ] || [ -x "$r/usr/bin/cc" ] || [ -x "$r/usr/bin/pkg-config" ]; then
	fail "the root is bare" "it has make, cc or pkg-config"
else
	pass "the root is bare: no make, cc or pkg-config"
fi
inroot "$r" /root/dcsep "$b1" >"$log.1" 2>&1
rc=$?
if [ $rc -eq 0 ]; then pass "README's first command: exit 0 ($(el))"; else fail "README's first command" "exit $rc: $(tail -n 3 "$log.1" | tr '\n' ' ')"; fi
n=0
for k in 1 2; do
	f=$r/root/dcsep/mix-s$k.wav
	[ -s "$f" ] && [ "$(head -c 4 "$f")" = RIFF ] && n=$((n + 1))
done
if [ $n -eq 2 ]; then pass "README's first command: mix-s1.wav and mix-s2.wav"; else fail "README's first command" "$n of mix-s1.wav, mix-s2.wav written"; fi
# the two outputs as long as the mixture, in samples
lens=$(inroot "$r" /root/dcsep "python3 -c 'import soundfile as f; print(*(f.info(p).frames for p in (\"examples/mix.wav\", \"mix-s1.wav\", \"mix-s2.wav\")))'" 2>&1)
set -- $lens
if [ $# -eq 3 ] && [ "$1" = "$2" ] && [ "$1" = "$3" ]; then pass "the outputs: as long as the mixture ($1 samples)"; else fail "the outputs" "lengths: $lens"; fi

suite "README's second command after the first" "$log.2"

# make install, use from elsewhere, man, make uninstall
inroot "$r" / "find /usr/local -mindepth 1 | sort" >"$log.before"
inroot "$r" /root/dcsep "make install" >"$log.3" 2>&1 && pass "make install" || fail "make install" "$(tail -n 2 "$log.3" | tr '\n' ' ')"
inroot "$r" /tmp "dc-stft /root/dcsep/examples/mix.wav | dc-embed | dc-kmeans -k 2 -b 3 | dc-mask | dc-istft -o 'i%k.wav' && ls i1.wav i2.wav" >"$log.4" 2>&1 &&
    pass "installed tools and model, from /tmp" || fail "installed tools and model, from /tmp" "$(tail -n 2 "$log.4" | tr '\n' ' ')"
# the installed library: examples/separate.c built with pkg-config in /tmp and run with
# the installed model, no LD_LIBRARY_PATH (make install ran ldconfig): the pipeline's
# two files, byte for byte
inroot "$r" /tmp "cc -o separate /root/dcsep/examples/separate.c \$(pkg-config --cflags --libs dcsep) &&
    ./separate /usr/local/share/dcsep/models/default.dcm /root/dcsep/examples/mix.wav lib &&
    cmp lib-1.wav i1.wav && cmp lib-2.wav i2.wav" >"$log.4l" 2>&1 &&
    pass "examples/separate.c against the installed libdcsep (pkg-config): the pipeline's files" ||
    fail "examples/separate.c against the installed libdcsep" "$(tail -n 2 "$log.4l" | tr '\n' ' ')"
inroot "$r" / "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends man-db >/dev/null 2>&1; readlink -f \"\$(man -w dc-stft)\"" >"$log.5" 2>&1
same=$(cat "$log.5")
if [ "$same" = /usr/local/share/man/man1/dc-stft.1 ]; then pass "man dc-stft finds the installed page"; else fail "man dc-stft" "man -w said '$same'"; fi
inroot "$r" /root/dcsep "make uninstall" >"$log.6" 2>&1 && pass "make uninstall" || fail "make uninstall" "$(tail -n 2 "$log.6" | tr '\n' ' ')"
inroot "$r" / "find /usr/local -mindepth 1 | sort" >"$log.after"
if cmp -s "$log.before" "$log.after"; then pass "make uninstall: /usr/local as before the install"; else fail "make uninstall" "left: $(comm -13 "$log.before" "$log.after" | head -n 5 | tr '\n' ' ')"; fi
discard

# the second command alone, on another bare machine
newroot || { fail "fresh root" "could not set up a second one"; finish; }
suite "README's second command alone" "$log.7"
discard

# make's own setup target, with only make there first: the build flags are asked
# when the recipes run, after setup has installed the libraries (make -j2 is safe)
newroot || { fail "fresh root" "could not set up a third one"; finish; }
inroot "$r" / "DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq --no-install-recommends make" >"$log.8" 2>&1
inroot "$r" /root/dcsep "make -j2 setup all" >"$log.9" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -x "$r/root/dcsep/bin/dc-stft" ]; then
	pass "make -j2 setup all, with only make installed first ($(el))"
else
	fail "make -j2 setup all, with only make installed first" "exit $rc: $(grep -m 3 'undefined reference\|Error\|error:' "$log.9" | tr '\n' ' ')"
fi
discard
if [ -z "$leftover" ] && ! ls -d "$tmp/dcsep-fresh.$DCSEP_FRESH_NS".* >/dev/null 2>&1; then
	pass "the three copies unmounted and removed"
else
	fail "the copies" "left behind:$leftover $(ls -d "$tmp/dcsep-fresh.$DCSEP_FRESH_NS".* 2>/dev/null | tr '\n' ' ')"
fi
finish
