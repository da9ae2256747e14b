/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each harness fuzz_<name>.c defines fuzz_<name>(data, size), which feeds one input
 * to a part of libcommon that reads untrusted bytes and checks what it returns;
 * FUZZ_CHECK aborts on a broken invariant, so that libFuzzer (and the sanitizers)
 * report it as a crash. Built with clang -fsanitize=fuzzer, the harness also
 * defines LLVMFuzzerTestOneInput; tests/unit/test_fuzz_regress.c includes the
 * harnesses with FUZZ_NO_MAIN defined and replays the seeds and every input that
 * once crashed (tests/data/fuzz-regress/) under make check.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dc.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz: %s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* The element limit the harnesses run under: small enough that the largest
 * buffers stay well within libFuzzer's memory limit, large enough for the seeds. */
#define FUZZ_MAX_ELEMS "4194304"

static inline void
fuzz_init(void)
{
	setenv("DC_MAX_ELEMS", FUZZ_MAX_ELEMS, 1);
}

/* fuzz_err_ok: err is a code of the table, with a message. */
static inline int
fuzz_err_ok(int err)
{
	return err >= 0 && err < DC_NERR && dc_strerror(err) != NULL;
}

#endif
