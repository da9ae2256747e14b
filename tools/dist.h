/*
 * dist.h: the little that dc-train needs from a message-passing library to train
 * data-parallel: who am I, how many are we, sum a buffer over everyone, wait for
 * everyone, stop everyone. Built with -DDC_MPI (bin/dc-train-mpi) these are Open
 * MPI's (tools/dist.c); without it, one process alone: the calls are no-ops and
 * the plain build links no MPI.
 *
 * Every call but dc_dist_rank and dc_dist_size is collective: every rank makes
 * it, in the same order, or the job hangs.
 */
#ifndef DC_DIST_H
#define DC_DIST_H

#include <stddef.h>

#ifdef DC_MPI
/* dc_dist_init: MPI started (before the options are read); ranks above 0 name
 * themselves "prog: rank R" in their messages. A process that exits before
 * dc_dist_end (an error, dc_errx) takes the whole job down with it (MPI_Abort),
 * so no rank waits forever in a sum. */
void dc_dist_init(int *argc, char ***argv, const char *prog);
/* dc_dist_end: MPI stopped, after the last collective call. */
void dc_dist_end(void);
int dc_dist_rank(void);
int dc_dist_size(void);
/* dc_dist_sum, dc_dist_sumd: buf replaced by its element-wise sum over the ranks
 * (fp32 and fp64); every rank gets the same bytes. */
void dc_dist_sum(float *buf, size_t n);
void dc_dist_sumd(double *buf, size_t n);
/* dc_dist_any: 1 on every rank if flag is non-zero on any. */
int dc_dist_any(int flag);
void dc_dist_barrier(void);
#else
static inline void dc_dist_init(int *argc, char ***argv, const char *prog) { (void)argc; (void)argv; (void)prog; }
static inline void dc_dist_end(void) {}
static inline int dc_dist_rank(void) { return 0; }
static inline int dc_dist_size(void) { return 1; }
static inline void dc_dist_sum(float *buf, size_t n) { (void)buf; (void)n; }
static inline void dc_dist_sumd(double *buf, size_t n) { (void)buf; (void)n; }
static inline int dc_dist_any(int flag) { return flag != 0; }
static inline void dc_dist_barrier(void) {}
#endif

#endif
