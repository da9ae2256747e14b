/*
 * pool.c: the thread pool of the network's phases (pool.h). Workers sleep on a
 * condition variable until dc_pool_run raises the generation counter, run the
 * function, and the last one to finish wakes the caller.
 */
#include <pthread.h>
#include <stdlib.h>

#include "util.h"
#include "pool.h"

typedef struct {
	dc_pool *p;
	int id;
} worker_arg;

struct dc_pool {
	int n;                          /* threads, the caller's included */
	pthread_t th[DC_POOL_MAXTHREADS];
	worker_arg wa[DC_POOL_MAXTHREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen;                   /* raised by each run */
	int pending, quit;              /* workers still running this generation; stop */
	dc_pool_fn fn;                  /* this generation's work */
	void *arg;
};

static void *
worker(void *arg)
{
	worker_arg *wa = arg;
	dc_pool *p = wa->p;
	unsigned seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		dc_pool_fn fn;
		void *fa;
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		fn = p->fn;
		fa = p->arg;
		pthread_mutex_unlock(&p->mu);
		fn(fa, wa->id, p->n);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

dc_pool *
dc_pool_new(int nthreads)
{
	dc_pool *p = dc_xcalloc(1, sizeof *p);
	int i;

	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > DC_POOL_MAXTHREADS)
		nthreads = DC_POOL_MAXTHREADS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->n = nthreads;
	for (i = 1; i < nthreads; i++) {
		p->wa[i].p = p;
		p->wa[i].id = i;
		if (pthread_create(&p->th[i], NULL, worker, &p->wa[i]) != 0) {
			p->n = i;       /* run with the threads we have */
			break;
		}
	}
	return p;
}

void
dc_pool_free(dc_pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (i = 1; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p);
}

int
dc_pool_size(const dc_pool *p)
{
	return p->n;
}

void
dc_pool_run(dc_pool *p, dc_pool_fn fn, void *arg)
{
	if (p->n == 1) {
		fn(arg, 0, 1);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->pending = p->n - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	fn(arg, 0, p->n);
	pthread_mutex_lock(&p->mu);
	while (p->pending > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
dc_pool_split(int64_t total, int tid, int nth, int64_t *lo, int64_t *hi)
{
	*lo = total * tid / nth;
	*hi = total * (tid + 1) / nth;
}
