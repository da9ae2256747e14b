/*
 * t.h: the unit tests' checks. Each prints "PASS: name" or "FAIL: name: why";
 * t_done() returns the exit status (non-zero if any check failed).
 */
#ifndef T_H
#define T_H

#include <math.h>
#include <stdio.h>

static int t_failed;

#define T_OK(name, cond) do { \
	if (cond) \
		printf("PASS: %s\n", name); \
	else { \
		printf("FAIL: %s: %s is false (%s:%d)\n", name, #cond, __FILE__, __LINE__); \
		t_failed++; \
	} \
} while (0)

/* T_CLOSE: |got - want| <= tol. */
#define T_CLOSE(name, got, want, tol) do { \
	double g_ = (got), w_ = (want); \
	if (fabs(g_ - w_) <= (tol)) \
		printf("PASS: %s (%.9g vs %.9g)\n", name, g_, w_); \
	else { \
		printf("FAIL: %s: got %.9g, wanted %.9g within %g (%s:%d)\n", name, g_, w_, \
		    (double)(tol), __FILE__, __LINE__); \
		t_failed++; \
	} \
} while (0)

/* T_EQ_INT: integers equal. */
#define T_EQ_INT(name, got, want) do { \
	long long g_ = (got), w_ = (want); \
	if (g_ == w_) \
		printf("PASS: %s\n", name); \
	else { \
		printf("FAIL: %s: got %lld, wanted %lld (%s:%d)\n", name, g_, w_, __FILE__, __LINE__); \
		t_failed++; \
	} \
} while (0)

static int t_done(void) { return t_failed ? 1 : 0; }

#endif
