/*
 * test_pool.c: the thread pool (libcommon/pool.c): every thread runs each job
 * exactly once with its own id and the pool's size, on the argument given, and the
 * call returns only after all have finished (a thousand jobs in a row, each seeing
 * the last one's results); the shares of dc_pool_split cover a range once, in
 * order; thread counts outside 1 .. DC_POOL_MAXTHREADS are clamped; freeing NULL
 * is a no-op.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "dc.h"
#include "pool.h"
#include "t.h"

typedef struct {
	atomic_int runs[DC_POOL_MAXTHREADS];    /* times each tid ran this job */
	atomic_int badnth;                      /* calls whose nth was not the pool's size */
	int nth;
	int job;                                /* the job's number */
	int seen[DC_POOL_MAXTHREADS];           /* the job number each tid last saw */
} job;

static void
count(void *arg, int tid, int nth)
{
	job *j = arg;

	if (nth != j->nth || tid < 0 || tid >= nth) {
		atomic_fetch_add(&j->badnth, 1);
		return;
	}
	atomic_fetch_add(&j->runs[tid], 1);
	j->seen[tid] = j->job;
}

static void
test_runs(int nthreads, int want)
{
	dc_pool *p = dc_pool_new(nthreads);
	job j;
	char name[96];
	int i, r, ok = 1, behind = 0;

	memset(&j, 0, sizeof j);
	snprintf(name, sizeof name, "dc_pool_new(%d): %d threads", nthreads, want);
	T_EQ_INT(name, dc_pool_size(p), want);
	j.nth = dc_pool_size(p);
	for (r = 1; r <= 1000; r++) {
		j.job = r;
		dc_pool_run(p, count, &j);
		/* every thread has run job r when dc_pool_run returns */
		for (i = 0; i < j.nth; i++)
			behind += j.seen[i] != r;
	}
	for (i = 0; i < DC_POOL_MAXTHREADS; i++)
		ok &= atomic_load(&j.runs[i]) == (i < j.nth ? 1000 : 0);
	snprintf(name, sizeof name, "%d threads: each ran each of 1000 jobs once", want);
	T_OK(name, ok && atomic_load(&j.badnth) == 0);
	snprintf(name, sizeof name, "%d threads: every job finished before the call returned", want);
	T_EQ_INT(name, behind, 0);
	dc_pool_free(p);
}

static void
test_split(void)
{
	static const int64_t totals[] = { 0, 1, 7, 64, 1000003 };
	int t, nth, tid, ok = 1;

	for (t = 0; t < (int)(sizeof totals / sizeof totals[0]); t++)
		for (nth = 1; nth <= 9; nth++) {
			int64_t next = 0, lo, hi;
			for (tid = 0; tid < nth; tid++) {
				dc_pool_split(totals[t], tid, nth, &lo, &hi);
				ok &= lo == next && hi >= lo && hi - lo <= totals[t] / nth + 1;
				next = hi;
			}
			ok &= next == totals[t];
		}
	T_OK("dc_pool_split: shares in order, cover 0..total once, none over total/nth + 1", ok);
}

int
main(void)
{
	test_runs(1, 1);
	test_runs(2, 2);
	test_runs(5, 5);
	test_runs(0, 1);
	test_runs(-3, 1);
	test_runs(DC_POOL_MAXTHREADS + 10, DC_POOL_MAXTHREADS);
	dc_pool_free(NULL);
	test_split();
	return t_done();
}
