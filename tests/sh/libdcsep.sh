#!/bin/sh
# libdcsep.sh: the installed library. make install into a DESTDIR puts the shared
# library (its soname), the static one, the headers, dcsep.pc and libdcsep(3);
# programs in C99 and in C++11 build against that copy's headers, pedantic;
# examples/separate.c builds against that copy through pkg-config, shared and static,
# and separates examples/mix.wav into the very bytes of the pipeline
#   dc-stft | dc-embed | dc-kmeans -k 2 -b 3 | dc-mask | dc-istft -o
# and, counting the speakers (dc_count_sources), those of dc-kmeans -k auto on one,
# two and three speakers;
# (one thread, fp32: run.sh sets DCSEP_PRECISION=f32); its errors; make uninstall
# takes everything back. The plain build (build/) is the one installed, whichever
# build the suite tests: a sanitized library would need the sanitizer's runtime in
# the example too.
. "$ROOT/tests/lib.sh"
EX="$ROOT/examples"
TB="$ROOT/build/bin"
D="$T/dest"
P="$D/usr/local"
VERSION=$(sed -n 's/^VERSION *= *//p' "$ROOT/config.mk")
# the plain build, whatever the make that runs the suite was given
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE

check "make install DESTDIR" 0 '*' make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local
missing=""
for f in lib/libdcsep.so.$VERSION lib/libdcsep.so.0 lib/libdcsep.so lib/libdcsep.a \
    lib/pkgconfig/dcsep.pc include/dcsep/dcsep.h include/dcsep/stream.h include/dcsep/stft.h \
    include/dcsep/kmeans.h include/dcsep/bsseval.h share/man/man3/libdcsep.3 \
    share/dcsep/models/default.dcm; do
	[ -e "$P/$f" ] || missing="$missing $f"
done
same "installed: libraries, headers, dcsep.pc, libdcsep(3), the model" "$missing" ""
same "libdcsep.so.0 -> libdcsep.so.$VERSION" "$(readlink "$P/lib/libdcsep.so.0")" "libdcsep.so.$VERSION"
same "the shared library's soname" \
    "$(readelf -d "$P/lib/libdcsep.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" "libdcsep.so.0"
same "no tool helper (dc_errx) in the shared library" \
    "$(nm -D --defined-only "$P/lib/libdcsep.so.$VERSION" | grep -c ' dc_errx$')" "0"
# the functions of the public headers are exported, the internal ones are not
same "exports: dc_embed and dc_stft, not dc_nn_new, dc_mm_gemm or dc_mix_make" \
    "$(nm -D --defined-only "$P/lib/libdcsep.so.$VERSION" | awk '{ print $3 }' |
    grep -xE 'dc_embed|dc_stft|dc_nn_new|dc_mm_gemm|dc_mix_make' | sort | tr '\n' ' ')" "dc_embed dc_stft "
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
same "pkg-config --modversion dcsep" "$(pkg-config --modversion dcsep 2>&1)" "$VERSION"
md=$(pkg-config --variable=modeldir dcsep 2>&1)
[ -f "$md/default.dcm" ] && cmp -s "$md/default.dcm" "$ROOT/models/default.dcm" &&
    pass "pkg-config --variable=modeldir dcsep: the installed model's directory" ||
    fail "pkg-config --variable=modeldir dcsep" "$md"

# the installed headers in C99 and in C++11, pedantic (no C11 _Noreturn, no hexadecimal
# float constant): a program of each, linked to libdcsep.so, runs; 1 - 2^-53 from
# dc_unit53 tells its constant is exact. g++ comes with build-essential (tools/setup.sh)
cat >hdr.c <<'END'
#include <stdio.h>
#include <dcsep/dcsep.h>

int
main(void)
{
	dc_kmeans_opts o;

	dc_kmeans_defaults(&o);
	printf("%s %d %.17g %s\n", dc_version(), o.k, dc_unit53(~UINT64_C(0)), dc_strerror(DC_EPARAM));
	return 0;
}
END
cp hdr.c hdr.cc
hdr_out="$VERSION 2 0.99999999999999989 parameter out of range"
check "cc -std=c99 -pedantic: dcsep.h" 0 '' sh -c "cc -std=c99 -Wall -Wextra -pedantic -Werror \
    -o hdr-c99 hdr.c \$(pkg-config --cflags --libs dcsep)"
same "the C99 program runs" "$(LD_LIBRARY_PATH="$P/lib" ./hdr-c99 2>&1)" "$hdr_out"
if command -v g++ >/dev/null 2>&1; then
	check "g++ -std=c++11 -pedantic: dcsep.h" 0 '' sh -c "g++ -std=c++11 -Wall -Wextra -pedantic \
	    -Werror -o hdr-cxx hdr.cc \$(pkg-config --cflags --libs dcsep)"
	same "the C++ program runs" "$(LD_LIBRARY_PATH="$P/lib" ./hdr-cxx 2>&1)" "$hdr_out"
else
	fail "g++ -std=c++11 -pedantic: dcsep.h" "no g++ (sh tools/setup.sh installs build-essential)"
fi
# the installed headers include no msgpack.h (stream_impl.h is not installed), so a
# C++ program with msgpack-cxx includes them in either order (msgpack's C and C++
# headers conflict when msgpack.h comes after msgpack.hpp)
same "no installed header includes msgpack.h" "$(grep -l '#include <msgpack' "$P"/include/dcsep/*.h)" ""
if [ -r /usr/include/msgpack.hpp ] && command -v g++ >/dev/null 2>&1; then
	printf '#include <msgpack.hpp>\n#include <dcsep/dcsep.h>\nint main() { msgpack::sbuffer b; msgpack::pack(b, 1); return dc_version()[0] == 0; }\n' >mp.cc
	check "g++: msgpack.hpp, then dcsep.h" 0 '' sh -c "g++ -std=c++11 -Wall -Wextra -Werror -o mp mp.cc \
	    \$(pkg-config --cflags --libs dcsep)"
else
	fail "g++: msgpack.hpp, then dcsep.h" "no msgpack-cxx headers (Debian's libmsgpack-dev brings them) or no g++"
fi

# the pipeline's sources, then the example's, shared and static
"$TB/dc-stft" "$EX/mix.wav" | "$TB/dc-embed" -m "$ROOT/models/default.dcm" -t 1 |
    "$TB/dc-kmeans" -k 2 -b 3 | "$TB/dc-mask" | "$TB/dc-istft" -o 'pipe-%k.wav'
CF="-std=c11 -Wall -Wextra -pedantic -Werror"
check "cc separate.c \$(pkg-config --cflags --libs dcsep)" 0 '' \
    sh -c "cc $CF -o sep-shared '$EX/separate.c' \$(pkg-config --cflags --libs dcsep)"
same "sep-shared needs libdcsep.so.0" "$(readelf -d sep-shared | grep -c 'NEEDED.*\[libdcsep\.so\.0\]')" "1"
check "sep-shared on mix.wav" 0 '' env LD_LIBRARY_PATH="$P/lib" ./sep-shared \
    "$P/share/dcsep/models/default.dcm" "$EX/mix.wav" shared
# static: libdcsep.a by -Bstatic, then its dependencies, shared: those of Requires,
# Requires.private and libs_private (pkg-config --static would ask for static copies
# of libsndfile's codecs, which Debian's -dev packages of it do not bring)
check "cc separate.c, libdcsep.a" 0 '' sh -c "cc $CF -o sep-static '$EX/separate.c' \
    \$(pkg-config --cflags dcsep) \$(pkg-config --libs-only-L dcsep) -Wl,-Bstatic -ldcsep \
    -Wl,-Bdynamic \$(pkg-config --libs \$(pkg-config --print-requires --print-requires-private dcsep)) \
    \$(pkg-config --variable=libs_private dcsep)"
same "sep-static needs no libdcsep.so" "$(readelf -d sep-static | grep -c libdcsep)" "0"
check "sep-static on mix.wav" 0 '' ./sep-static "$ROOT/models/default.dcm" "$EX/mix.wav" static
for k in 1 2; do
	for v in shared static; do
		if [ -s "pipe-$k.wav" ] && cmp "$v-$k.wav" "pipe-$k.wav" >/dev/null 2>&1; then
			pass "$v: speaker $k is the pipeline's, byte for byte ($(wc -c <"pipe-$k.wav") bytes)"
		else
			fail "$v: speaker $k" "$(cmp "$v-$k.wav" "pipe-$k.wav" 2>&1)"
		fi
	done
done
# the two speakers differ (not one source written twice)
cmp -s shared-1.wav shared-2.wav && fail "two speakers" "identical files" || pass "two speakers, two different files"

# K counted (dc_count_sources): the pipeline's dc-kmeans -k auto, file for file, on
# one speaker (1), the example (2) and three speakers summed at equal power (3)
SP="$ROOT/tests/data/speech"
"$PY" - "$SP" <<'EOF2' || fail "three.wav" "python failed"
import sys, numpy as np, soundfile as sf
xs = [sf.read("%s/%s.flac" % (sys.argv[1], f))[0] for f in
      ("ls1034_1034-121119-0000", "so0036_000360332", "so0053_000530115")]
n = min(len(x) for x in xs)
y = sum(x[:n] / np.sqrt(np.mean(x[:n] ** 2)) for x in xs)
sf.write("three.wav", 0.2 * y / np.abs(y).max(), 8000, subtype="PCM_16")
EOF2
for c in "one $SP/so0036_000360332.flac 1" "mix $EX/mix.wav 2" "three three.wav 3"; do
	set -- $c
	"$TB/dc-stft" "$2" | "$TB/dc-embed" -m "$ROOT/models/default.dcm" -t 1 |
	    "$TB/dc-kmeans" -k auto -b 3 | "$TB/dc-mask" | "$TB/dc-istft" -o "pa-$1-%k.wav"
	check "separate, K auto: $1" 0 '' ./sep-static "$ROOT/models/default.dcm" "$2" "auto-$1" auto
	same "K auto: $1: $3 speakers counted, as dc-kmeans -k auto" \
	    "$(ls "auto-$1"-*.wav 2>/dev/null | wc -l | tr -d ' ') $(ls "pa-$1"-*.wav 2>/dev/null | wc -l |
	    tr -d ' ')" "$3 $3"
	diff=""
	for f in "pa-$1"-*.wav; do
		cmp -s "$f" "auto-${f#pa-}" || diff="$diff ${f#pa-}"
	done
	same "K auto: $1: the pipeline's bytes" "$diff" ""
done
check "separate: K 3 on the example" 0 '' ./sep-static "$ROOT/models/default.dcm" "$EX/mix.wav" k3 3
same "K 3: three files" "$(ls k3-*.wav | tr '\n' ' ')" "k3-1.wav k3-2.wav k3-3.wav "
check "separate: K 9" 2 "separate: K must be a number from 1 to 8, or auto: 9" \
    ./sep-static "$ROOT/models/default.dcm" "$EX/mix.wav" res 9
check "separate: K 2x" 2 "separate: K must be a number from 1 to 8, or auto: 2x" \
    ./sep-static "$ROOT/models/default.dcm" "$EX/mix.wav" res 2x
check "separate: five arguments" 2 "usage: separate model.dcm in.wav out [K | auto]" \
    ./sep-static "$ROOT/models/default.dcm" "$EX/mix.wav" res 2 2

# errors: the library's codes, said by the example
check "no model: errno's message (DC_EIO)" 1 "separate: nosuch.dcm: No such file or directory" \
    ./sep-static nosuch.dcm "$EX/mix.wav" res
printf 'DCM?' >bad.dcm
check "not a model: DC_EMODEL" 1 "separate: bad.dcm: malformed or incompatible model" \
    ./sep-static bad.dcm "$EX/mix.wav" res
check "no audio: libsndfile's message (DC_EAUDIO)" 1 "separate: nosuch.wav: No such file or directory" \
    ./sep-static "$ROOT/models/default.dcm" nosuch.wav res
same "no output on failure" "$(ls res* 2>/dev/null)" ""

check "make uninstall DESTDIR" 0 '*' make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr/local
same "nothing left under DESTDIR" "$(find "$D" ! -type d | sed "s|^$D||")" ""
