# dcsep: deep clustering speech separation tools.
# make [all] | check | bench | lint | install | uninstall | clean | setup | fresh
# make SANITIZE=address,undefined check
# make valgrind | fuzz [FUZZ_SECONDS=60]

include config.mk

# the libraries, by pkg-config (tools/setup.sh -c names the Debian package of each):
# asked when a recipe runs, not when the Makefile is parsed, since make setup may
# have installed them a moment before (recursive variables, expanded at each use)
PKGS = fftw3f fftw3 sndfile msgpack openblas soxr cairo
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libdcsep's own: what libcommon/ calls (no cairo: only dc-plot draws), and oneDNN,
# which has no pkg-config file (dcsep.pc's Requires.private and Libs.private)
LIBPKGS = fftw3f fftw3 sndfile msgpack openblas soxr
LIBDEPS = -ldnnl -lm -lpthread

CFLAGS ?= -O2 -march=x86-64-v3 -g
WARN = -std=c11 -Wall -Wextra -Wshadow -Wpointer-arith -Wno-sign-compare -Wno-unused-parameter
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Ilibcommon $(PKG_CFLAGS)
# dc-embed's default model: $(PREFIX)/share/dcsep/models/default.dcm, where make install puts it
CPPFLAGS += -DDC_PREFIX=\"$(PREFIX)\"
# the one version number, config.mk's (util.h's DC_VERSION)
CPPFLAGS += -DDC_VERSION=\"$(VERSION)\"
LDLIBS += $(PKG_LIBS) -ldnnl -lm -lpthread
# each tool loads only the shared libraries it calls (Debian's gcc does so by
# default, but not with -fsanitize): a library loaded costs every start its
# relocations and constructors (OpenBLAS starts threads); tests/sh/links.sh
LDFLAGS += -Wl,--as-needed
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS = $(WARN) $(CFLAGS)

# Build outputs: a separate tree per sanitizer setting, so plain and sanitized
# builds never mix objects.
B = build$(if $(SANITIZE),-san)
LIBSRC := $(sort $(wildcard libcommon/*.c))
LIBOBJ := $(LIBSRC:%.c=$(B)/%.o)
LIB := $(B)/libdcsep.a
# the installed libraries: the same objects compiled with -fPIC into $(B)/pic/, less
# tool.c and toolaudio.c (messages and exits: the tools', not a library's), as the shared library
# (soname libdcsep.so.MAJOR of config.mk's VERSION) and a static one
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libdcsep.so.$(SOMAJOR)
SO := $(B)/libdcsep.so.$(VERSION)
PICOBJ := $(filter-out %/tool.o %/toolaudio.o,$(LIBSRC:%.c=$(B)/pic/%.o))
PICLIB := $(B)/pic/libdcsep.a
# the public headers: dcsep.h and the parts of libcommon/ it includes (libdcsep(3))
PUBHDR := include/dcsep/dcsep.h $(addprefix libcommon/,util.h stream.h stft.h audio.h kmeans.h rng.h bsseval.h)
TOOLS := $(sort $(patsubst tools/%.c,%,$(wildcard tools/dc-*.c)))
BINS := $(TOOLS:%=$(B)/bin/%)
UNITSRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNITSRC:tests/unit/%.c=$(B)/tests/%)
BENCHSRC := $(sort $(wildcard bench/*.c))
BENCHES := $(BENCHSRC:bench/%.c=$(B)/bench/%)
MANS := $(sort $(wildcard man/*.1 man/*.3 man/*.5 man/*.7))

all: $(BINS) $(B)/bin/dc-train-mpi $(if $(SANITIZE),,bin)

# bin/ holds links to the plain build, so scripts have one path; a sanitized build
# leaves them alone (tests/run.sh finds the tools of the build it tests in $(B)/bin).
bin: $(BINS) $(B)/bin/dc-train-mpi
	@mkdir -p bin
	@for t in $(TOOLS); do ln -sf ../$(B)/bin/$$t bin/$$t; done
	@if [ -e $(B)/bin/dc-train-mpi ]; then ln -sf ../$(B)/bin/dc-train-mpi bin/dc-train-mpi; fi
.PHONY: bin

# deps: before anything compiles, the libraries are there, or one line names their
# Debian packages; after setup when both are asked for (make -j2 setup all)
deps: $(filter setup,$(MAKECMDGOALS))
	@sh tools/setup.sh -c

$(B)/%.o: %.c libcommon/dc.h $(wildcard libcommon/*.h) include/dcsep/dcsep.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/pic/%.o: %.c libcommon/dc.h $(wildcard libcommon/*.h) include/dcsep/dcsep.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(PICLIB): $(PICOBJ)
	rm -f $@
	$(AR) rcs $@ $^

# the shared library exports the functions its public headers declare, no others:
# the version script is made from them (a name followed by a parenthesis)
$(B)/pic/dcsep.map: $(PUBHDR)
	@mkdir -p $(dir $@)
	{ echo '{ global:'; grep -ho '\bdc_[a-z0-9_]*(' $(PUBHDR) | tr -d '(' | sort -u | \
	    sed 's/$$/;/'; echo 'local: *; };'; } >$@

$(SO): $(PICOBJ) $(B)/pic/dcsep.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined \
	    -Wl,--version-script,$(B)/pic/dcsep.map -o $@ $(PICOBJ) \
	    $$(pkg-config --libs $(LIBPKGS)) $(LIBDEPS)

# lib: the shared and static libraries (make install puts them, with the headers and
# a dcsep.pc written for its PREFIX)
lib: $(SO) $(PICLIB)

$(B)/bin/%: $(B)/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/tools/dc-train.o: tools/dist.h

# dc-train-mpi: dc-train data-parallel over Open MPI (tools/dist.c), compiled by
# mpicc with -DDC_MPI when there is one (sh tools/setup.sh installs it; asked when
# the recipe runs); without it, a note, and the other tools need no MPI
MPICC = mpicc
$(B)/bin/dc-train-mpi: tools/dc-train.c tools/dist.c tools/dist.h $(wildcard libcommon/*.h) $(LIB)
	@mkdir -p $(B)/tools-mpi $(dir $@)
	@if command -v $(MPICC) >/dev/null 2>&1; then \
	    echo "$(MPICC) -DDC_MPI ... -o $@"; \
	    $(MPICC) $(CPPFLAGS) -DDC_MPI $(ALL_CFLAGS) -c -o $(B)/tools-mpi/dc-train.o tools/dc-train.c && \
	    $(MPICC) $(CPPFLAGS) -DDC_MPI $(ALL_CFLAGS) -c -o $(B)/tools-mpi/dist.o tools/dist.c && \
	    $(MPICC) $(LDFLAGS) -o $@ $(B)/tools-mpi/dc-train.o $(B)/tools-mpi/dist.o $(LIB) $(LDLIBS); \
	else echo "make: no $(MPICC): dc-train-mpi not built (sh tools/setup.sh installs Open MPI)"; fi

$(B)/tests/%: $(B)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/bench/%: $(B)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

units: $(UNITS)
.PHONY: units

# the fuzz regression test compiles the harnesses in
$(B)/tests/unit/test_fuzz_regress.o: tests/fuzz/fuzz.h $(wildcard tests/fuzz/fuzz_*.c)

check: all units
	B=$(B) tests/run.sh

# valgrind: the pipeline tests under valgrind (memcheck), every dc-* tool wrapped;
# any error or definite leak fails. VALGRIND_TESTS picks the tests (patterns of
# run.sh); left out: sh/eval (BSS Eval takes 11 minutes under valgrind), sh/embed
# (compares AVX-512 embeddings bit for bit, and valgrind has no AVX-512), sh/train*.
VALGRIND_TESTS = sh/badinput sh/blocks sh/dump sh/kmeans_mask sh/mix sh/oracle_pipeline sh/stft_istft
valgrind: all units
	B=$(B) VALGRIND=1 tests/run.sh $(VALGRIND_TESTS)

# fuzz: the libFuzzer harnesses of tests/fuzz/, built with clang into build-fuzz/
# (ASan and UBSan), each run for FUZZ_SECONDS on the seeds of tests/fuzz/corpus/
# (tests/fuzz/run.sh); new inputs go to build-fuzz/corpus/, crashes to
# build-fuzz/crash/. Needs clang and libclang-rt-14-dev (sh tools/setup.sh fuzz);
# make check does not: it replays the seeds and tests/data/fuzz-regress/ through
# the same harnesses built by $(CC) (tests/unit/test_fuzz_regress.c).
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_NICE = nice -n 19
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FZ = build-fuzz
FUZZSRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(FUZZSRC:tests/fuzz/%.c=$(FZ)/%)
FZLIBOBJ := $(LIBSRC:%.c=$(FZ)/%.o)

$(FZ)/%.o: %.c libcommon/dc.h $(wildcard libcommon/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) -O1 -march=x86-64-v3 $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# the network's kernels (nn.c, recgemm.c) are built as in build/: instrumenting
# their AVX-512 code takes clang many minutes, and the harnesses fuzz the readers
# (the sanitized test suite covers the kernels)
$(FZ)/libcommon/nn.o $(FZ)/libcommon/recgemm.o: $(FZ)/libcommon/%.o: libcommon/%.c libcommon/dc.h $(wildcard libcommon/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(FZ)/libcommon.a: $(FZLIBOBJ)
	$(AR) rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ)/libcommon.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FZ)/libcommon.a $(LDLIBS)

fuzzers: $(FUZZERS)

fuzz: fuzzers
	FZ=$(FZ) FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_NICE) tests/fuzz/run.sh

bench: all $(BENCHES)
	B=$(B) bench/run.sh
	B=$(B) bench/kmeans.sh
	B=$(B) bench/eval.sh
	B=$(B) bench/pipeline.sh
	B=$(B) bench/mpi.sh

lint:
	@for m in $(MANS); do mandoc -Tlint -W warning $$m || exit 1; done; echo "lint: $(words $(MANS)) pages clean"

# setup: installs the Debian packages that are missing (root, no prompt).
setup:
	sh tools/setup.sh

install: all lib
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5 \
	    $(DESTDIR)$(MANPREFIX)/man7 \
	    $(DESTDIR)$(PREFIX)/share/dcsep/models $(DESTDIR)$(MANPREFIX)/man3 \
	    $(DESTDIR)$(PREFIX)/include/dcsep $(DESTDIR)$(PREFIX)/lib/pkgconfig
	for t in $(TOOLS); do cp -f $(B)/bin/$$t $(DESTDIR)$(PREFIX)/bin/$$t; chmod 755 $(DESTDIR)$(PREFIX)/bin/$$t; done
	if [ -e $(B)/bin/dc-train-mpi ]; then cp -f $(B)/bin/dc-train-mpi $(DESTDIR)$(PREFIX)/bin/; chmod 755 $(DESTDIR)$(PREFIX)/bin/dc-train-mpi; fi
	for m in $(wildcard man/*.1); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	for m in $(wildcard man/*.5); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man5/; done
	for m in $(wildcard man/*.7); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man7/; done
	for f in $(wildcard models/*.dcm); do cp -f $$f $(DESTDIR)$(PREFIX)/share/dcsep/models/; done
	for m in $(wildcard man/*.3); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man3/; done
	cp -f $(PUBHDR) $(DESTDIR)$(PREFIX)/include/dcsep/
	cp -f $(PICLIB) $(DESTDIR)$(PREFIX)/lib/libdcsep.a
	# dcsep.pc: its prefix found from where it lies (PREFIX/lib/pkgconfig), so that a copy
	# under DESTDIR or moved elsewhere builds against its own headers and libraries;
	# libs_private (oneDNN has no .pc) for a static link beside shared dependencies;
	# modeldir, where the shipped model lies (pkg-config --variable=modeldir dcsep)
	cp -f $(SO) $(DESTDIR)$(PREFIX)/lib/libdcsep.so.$(VERSION)
	ln -sf libdcsep.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libdcsep.so
	printf '%s\n' 'prefix=$${pcfiledir}/../..' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' \
	    'modeldir=$${prefix}/share/dcsep/models' 'libs_private=$(LIBDEPS)' '' \
	    'Name: dcsep' 'Description: deep clustering speech separation (libdcsep(3))' \
	    'Version: $(VERSION)' 'Requires.private: $(LIBPKGS)' \
	    'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -ldcsep' \
	    'Libs.private: $${libs_private}' >$(DESTDIR)$(PREFIX)/lib/pkgconfig/dcsep.pc
	# the dynamic linker's cache learns the new library (a real install as root)
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	for t in $(TOOLS) dc-train-mpi; do rm -f $(DESTDIR)$(PREFIX)/bin/$$t; done
	for m in $(notdir $(wildcard man/*.1)); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$$m; done
	for m in $(notdir $(wildcard man/*.5)); do rm -f $(DESTDIR)$(MANPREFIX)/man5/$$m; done
	for m in $(notdir $(wildcard man/*.7)); do rm -f $(DESTDIR)$(MANPREFIX)/man7/$$m; done
	rm -rf $(DESTDIR)$(PREFIX)/share/dcsep $(DESTDIR)$(PREFIX)/include/dcsep
	for m in $(notdir $(wildcard man/*.3)); do rm -f $(DESTDIR)$(MANPREFIX)/man3/$$m; done
	rm -f $(DESTDIR)$(PREFIX)/lib/libdcsep.a $(DESTDIR)$(PREFIX)/lib/libdcsep.so \
	    $(DESTDIR)$(PREFIX)/lib/$(SONAME) $(DESTDIR)$(PREFIX)/lib/libdcsep.so.$(VERSION) \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/dcsep.pc
	for d in man1 man3 man5 man7; do rmdir $(DESTDIR)$(MANPREFIX)/$$d 2>/dev/null || true; done
	rmdir $(DESTDIR)$(PREFIX)/lib/pkgconfig 2>/dev/null || true
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# fresh: the README's two commands on a bare Debian 12 in a chroot (tests/fresh/run.sh;
# root, mmdebstrap and the Debian mirror); not part of check, which it runs inside
fresh:
	tests/fresh/run.sh

clean:
	rm -rf build build-san build-fuzz bin

# objects are kept, not deleted as intermediates: a rebuild compiles only what changed
.SECONDARY:

.PHONY: all lib check valgrind fuzz fuzzers bench lint setup deps install uninstall clean fresh
