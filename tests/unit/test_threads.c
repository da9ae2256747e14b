/*
 * test_threads.c: libdcsep's calls that hold no handle, from several threads at
 * once (libdcsep(3), "Threads"): dc_stft and dc_istft make and destroy FFTW
 * plans, whose planner is not thread-safe, and dc_audio_errstr's message is each
 * thread's own (each sets one, all wait, each reads its own back). Four
 * threads, 4,000 rounds each; every round's spectrum and
 * resynthesis must equal the single-threaded ones bit for bit. Without the
 * planner's lock the test died in glibc ("double free or corruption") in 3 runs
 * of 5; with one message buffer for all threads it failed 3 of 3.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcsep/dcsep.h>
#include "t.h"

#define NTHREAD 4
#define ROUNDS 4000
#define N 2000

static float x[N];
static dc_tensor want;
static float ywant[N];
static pthread_barrier_t all_set;

struct job {
	int index, bad, errs;
};

static void *
work(void *arg)
{
	struct job *j = arg;
	dc_stft_params p;
	dc_tensor X;
	float y[N];
	char msg[16];
	int r;

	dc_stft_defaults(&p);
	p.samples = N;
	for (r = 0; r < ROUNDS; r++) {
		memset(&X, 0, sizeof X);
		if (dc_stft(x, &p, &X) != DC_OK || X.shape[0] != want.shape[0] ||
		    memcmp(X.data, want.data, (size_t)(want.shape[0] * want.shape[1]) * 8) != 0)
			j->bad++;
		else if (dc_istft(X.data, X.shape[0], &p, y) != DC_OK ||
		    memcmp(y, ywant, sizeof y) != 0)
			j->bad++;
		dc_tensor_free(&X);
	}
	/* a message of this thread's, read back after the others wrote theirs */
	snprintf(msg, sizeof msg, "thread %d", j->index);
	dc_audio_set_err(msg);
	pthread_barrier_wait(&all_set);
	j->errs = strcmp(dc_audio_errstr(), msg) != 0;
	return NULL;
}

int
main(void)
{
	pthread_t th[NTHREAD];
	struct job jobs[NTHREAD];
	dc_stft_params p;
	int i, bad = 0, errs = 0;

	for (i = 0; i < N; i++)
		x[i] = (float)(0.3 * sin(0.05 * i) + 0.1 * sin(0.7 * i));
	dc_stft_defaults(&p);
	p.samples = N;
	T_OK("one thread: dc_stft", dc_stft(x, &p, &want) == DC_OK);
	T_OK("one thread: dc_istft", dc_istft(want.data, want.shape[0], &p, ywant) == DC_OK);
	pthread_barrier_init(&all_set, NULL, NTHREAD);
	for (i = 0; i < NTHREAD; i++) {
		jobs[i].index = i;
		jobs[i].bad = jobs[i].errs = 0;
		T_OK("pthread_create", pthread_create(&th[i], NULL, work, &jobs[i]) == 0);
	}
	for (i = 0; i < NTHREAD; i++) {
		pthread_join(th[i], NULL);
		bad += jobs[i].bad;
		errs += jobs[i].errs;
	}
	T_OK("4 threads x 4000 rounds: every spectrum and resynthesis the one thread's", bad == 0);
	T_OK("4 threads: dc_audio_errstr is each thread's own message", errs == 0);
	dc_tensor_free(&want);
	return t_done();
}
