/*
 * dist.c: tools/dist.h over Open MPI, for bin/dc-train-mpi (compiled by mpicc with
 * -DDC_MPI; the plain build never compiles it). MPI_COMM_WORLD throughout.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <mpi.h>

#include "util.h"
#include "dist.h"

static int rank, size = 1, running;
static char name[128];

/* abort_job: at exit while MPI runs (dc_errx: an exit before dc_dist_end): the
 * other ranks are stopped too, with this exit status, instead of waiting in a sum
 * for this one. */
static void
abort_job(int status, void *arg)
{
	(void)arg;
	if (!running)
		return;
	running = 0;
	fflush(stderr);
	if (status == 0) {
		MPI_Finalize();
		return;
	}
	/* mpirun forwards the ranks' stderr: give the message a moment to reach it
	 * before the abort stops the forwarding */
	usleep(300000);
	MPI_Abort(MPI_COMM_WORLD, status);
}

void
dc_dist_init(int *argc, char ***argv, const char *prog)
{
	int rc;

	if ((rc = MPI_Init(argc, argv)) != MPI_SUCCESS) {
		fprintf(stderr, "%s: MPI_Init failed (%d)\n", prog, rc);
		exit(1);
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	running = 1;
	on_exit(abort_job, NULL);
	if (rank > 0) {
		snprintf(name, sizeof name, "%s: rank %d", prog, rank);
		dc_prog_set(name);
	}
}

void
dc_dist_end(void)
{
	if (!running)
		return;
	running = 0;
	MPI_Finalize();
}

int
dc_dist_rank(void)
{
	return rank;
}

int
dc_dist_size(void)
{
	return size;
}

/* sum: MPI_Allreduce in place, in pieces that an int counts. */
static void
sum(void *buf, size_t n, size_t elt, MPI_Datatype t)
{
	char *p = buf;

	while (n > 0) {
		int k = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
		MPI_Allreduce(MPI_IN_PLACE, p, k, t, MPI_SUM, MPI_COMM_WORLD);
		p += (size_t)k * elt;
		n -= (size_t)k;
	}
}

void
dc_dist_sum(float *buf, size_t n)
{
	if (size > 1)
		sum(buf, n, sizeof *buf, MPI_FLOAT);
}

void
dc_dist_sumd(double *buf, size_t n)
{
	if (size > 1)
		sum(buf, n, sizeof *buf, MPI_DOUBLE);
}

int
dc_dist_any(int flag)
{
	int f = flag != 0;

	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return f;
}

void
dc_dist_barrier(void)
{
	if (size > 1)
		MPI_Barrier(MPI_COMM_WORLD);
}
