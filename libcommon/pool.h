/*
 * pool.h: a pool of threads that runs one function on all of them at once and
 * waits for the last: the network's phases (nn.c) split their rows, directions or
 * utterances over it by thread id.
 *
 * A dc_pool is used from one thread at a time (the one that made it). Nothing here
 * prints; out of memory aborts in dc_xcalloc (util.h), as for every allocation.
 */
#ifndef DC_POOL_H
#define DC_POOL_H

#include <stdint.h>

#define DC_POOL_MAXTHREADS 64

typedef struct dc_pool dc_pool;

/* dc_pool_fn: the work of thread tid of nth (0 <= tid < nth) on the argument given
 * to dc_pool_run. */
typedef void (*dc_pool_fn)(void *arg, int tid, int nth);

/* dc_pool_new: a pool of nthreads threads (clamped to 1 .. DC_POOL_MAXTHREADS), the
 * caller's being one of them: nthreads - 1 workers are started. If one cannot be
 * started the pool has the threads started so far (dc_pool_size says how many). */
dc_pool *dc_pool_new(int nthreads);
/* dc_pool_free: stops and joins the workers and releases the pool (NULL is fine). */
void dc_pool_free(dc_pool *p);
/* dc_pool_size: the number of threads fn runs on, the caller included. */
int dc_pool_size(const dc_pool *p);
/* dc_pool_run: runs fn(arg, tid, nth) on every thread of the pool, the caller being
 * tid 0, nth = dc_pool_size(p), and returns when all have returned. */
void dc_pool_run(dc_pool *p, dc_pool_fn fn, void *arg);
/* dc_pool_split: thread tid's share [*lo, *hi) of 0 .. total - 1 among nth, in
 * order; the shares cover the range once. */
void dc_pool_split(int64_t total, int tid, int nth, int64_t *lo, int64_t *hi);

#endif
