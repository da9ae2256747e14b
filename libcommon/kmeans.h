/*
 * kmeans.h: k-means clustering of embeddings (Lloyd's algorithm, k-means++
 * seeding, restarts), drawing from dc_rng (rng.h).
 *
 * Shapes: N points, D dimensions, K clusters. Points are row-major x[N][D],
 * centroids c[K][D], labels l[N] in 0..K-1.
 */
#ifndef DC_KMEANS_H
#define DC_KMEANS_H

#include <stdint.h>

#include "rng.h"

typedef struct {
	int k;              /* K, clusters: 1 or more */
	int restarts;       /* seedings tried; the lowest inertia wins (1 or more) */
	int maxiter;        /* most centroid updates per restart (0 or more) */
	uint64_t seed;      /* restart r draws from dc_rng seeded with seed + r */
} dc_kmeans_opts;

#define DC_KMAX 1000    /* the most clusters or sources (dc-kmeans -k, dc-mask, libdcsep) */

/* dc_kmeans_defaults: K 2, 3 restarts, 100 iterations, seed 1. */
void dc_kmeans_defaults(dc_kmeans_opts *o);

typedef struct {
	double inertia;     /* sum over fitted points of the squared distance to their centroid */
	int restart;        /* which restart won (0-based) */
	int iters;          /* centroid updates of the winning restart */
	int converged;      /* 1 if the winner stopped because no label changed */
	int64_t nfit;       /* points fitted */
} dc_kmeans_info;

/*
 * dc_kmeans: clusters the points x[N][D] for which fit[i] is non-zero (all of
 * them if fit is NULL) into o->k clusters; then gives every point, fitted or not,
 * the label of its nearest centroid (the lowest k on a tie).
 *
 * Each restart seeds with k-means++ (Arthur and Vassilvitskii 2007: the first
 * centroid uniform over the fitted points, each next one drawn with probability
 * proportional to the squared distance to the nearest centroid so far), then
 * alternates assignment and mean updates until no label changes or after
 * o->maxiter updates. A cluster left empty by an update takes the fitted point
 * farthest from its centroid. Squared distances are |x|^2 - 2 x.c + |c|^2.
 *
 * Outputs: labels[N]; centroids[K][D] if not NULL; info if not NULL;
 * inertias[o->restarts], each restart's final inertia, if not NULL.
 * Returns DC_EPARAM for K < 1, restarts < 1, maxiter < 0, D < 1, or fewer fitted
 * points than K. Results depend only on the inputs and the seed.
 */
int dc_kmeans(const float *x, int64_t n, int d, const unsigned char *fit,
    const dc_kmeans_opts *o, int32_t *labels, float *centroids, dc_kmeans_info *info,
    double *inertias);

/*
 * dc_kmeans_soft: soft masks m[K][N] of the points x[N][D]: for each point the
 * softmax over clusters of -beta times its squared distance to the centroids
 * c[K][D] (in double; the nearest gets the most). dc-kmeans -b and dc_cluster.
 */
void dc_kmeans_soft(const float *x, int64_t n, int d, const float *c, int k, double beta,
    float *m);

#endif
