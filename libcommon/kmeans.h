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

#ifdef __cplusplus
extern "C" {
#endif

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
 * dc_kmeans_w: the same with weights w[N] (NULL: dc_kmeans): the objective is
 * the weighted inertia, sum of w_i |x_i - c|^2; the first centroid is drawn in
 * proportion to w, the next ones to w times the squared distance, and each
 * centroid is its points' weighted mean (a point of weight 2 counts as two
 * points of weight 1 would; weights of 1 give dc_kmeans's result, bit for bit).
 * dc-kmeans -w mag weighs the bins by dc_stft_weights (stft.h). DC_EPARAM for
 * a fitted point's weight that is not finite and positive.
 *
 * Outputs: labels[N] if not NULL (NULL: the fit alone, for dc_kmeans_soft's
 * labels); centroids[K][D] if not NULL; info if not NULL;
 * inertias[o->restarts], each restart's final inertia, if not NULL.
 * Returns DC_EPARAM for K < 1, restarts < 1, maxiter < 0, D < 1, or fewer fitted
 * points than K. Results depend only on the inputs and the seed.
 */
int dc_kmeans(const float *x, int64_t n, int d, const unsigned char *fit,
    const dc_kmeans_opts *o, int32_t *labels, float *centroids, dc_kmeans_info *info,
    double *inertias);
int dc_kmeans_w(const float *x, int64_t n, int d, const unsigned char *fit, const float *w,
    const dc_kmeans_opts *o, int32_t *labels, float *centroids, dc_kmeans_info *info,
    double *inertias);

/*
 * dc_kmeans_soft: soft masks m[K][N] of the points x[N][D]: for each point the
 * softmax over clusters of -beta times its squared distance to the centroids
 * c[K][D] (in double; the nearest gets the most). dc-kmeans -b and dc_cluster.
 * Where beta is so large that -beta d overflows for every cluster, the nearest
 * gets 1 and the others 0 (the limit). beta > 0, finite. labels[N], if not
 * NULL, receives in the same pass over x each point's nearest centroid as
 * dc_kmeans labels it from the same centroids (the same bits).
 */
void dc_kmeans_soft(const float *x, int64_t n, int d, const float *c, int k, double beta,
    float *m, int32_t *labels);

/*
 * dc_assign: the permutation perm[K] (row g to column perm[g]) with the largest
 * total of score[g*K + perm[g]], score K x K; returns that total. Up to K = 8
 * every permutation is tried, in lexicographic order, and the first of the best
 * totals wins (a tie has one answer, the same on every machine); beyond, the
 * Hungarian method (Kuhn-Munkres, O(K^3)), which is exact too but breaks ties
 * by the order of its search: K! would be 3.6 million permutations at K = 10,
 * and a greedy match is not always the best.
 */
double dc_assign(const double *score, int k, int *perm);

/*
 * Long utterances clustered block by block, each speaker keeping its label
 * from block to block (as continuous speech separation stitches its chunks):
 * dc_stitch carries the centroids c[K][D] of the labels from one block to the
 * next. dc_stitch_init: DC_EPARAM for K outside 1 .. DC_KMAX or D < 1.
 */
typedef struct {
	int k, d;
	int started;        /* a block has been clustered */
	float *c;           /* [K][D]: each label's centroid, from the last block it was in */
} dc_stitch;

int dc_stitch_init(dc_stitch *st, int k, int d);
void dc_stitch_free(dc_stitch *st);

/*
 * dc_kmeans_block: the next block's points clustered into K = st->k = o->k
 * clusters and labelled in st's labels: the nov points xov[nov][D] that the
 * block before had too (its last frames, labelled prev[nov]), then the block's
 * own x[N][D]; fit[nov + N] as in dc_kmeans. The two parts are read where
 * they lie, not copied together.
 *
 * Restart 0 of the k-means starts from the carried centroids, the others from
 * k-means++ (seed + r), and the lowest inertia wins, as in dc_kmeans. The
 * first block's clusters are its labels. For a later one, each label g goes
 * to the cluster j of the permutation (dc_assign) with the largest total of
 * agree[g][j] W - |carried_g - c_j|^2, where agree[g][j] counts the shared
 * points (fitted ones) that the block before labelled g and this one puts in
 * j, and W is large enough that one point outweighs any distances: the
 * labels of the frames both blocks hold decide, the centroids where there are
 * none (nov 0). prev is in st's labels (DC_EPARAM if one is outside 0..K-1).
 *
 * A speaker absent from a block: k-means still makes K clusters, and one
 * speaker comes out in two. A cluster whose centroid is nearest to the carried
 * centroid of another label h, and nearer to h's own cluster than half the
 * least distance between the carried centroids, takes label h too; its label
 * is absent from the block's clusters and keeps its centroid from the last
 * block it was in, and every point, fitted or not, then takes the label of the
 * nearest of the labels' centroids (so that a speaker none of whose bins were
 * fitted still gets its own). The other labels carry their new centroids.
 *
 * Outputs: labels[nov + N], the shared points' first; map[K], the label of
 * each cluster, if not NULL; info. DC_EPARAM as dc_kmeans, or if o->k is not
 * st->k. dc_kmeans_block_w: the same with weights wt[nov + N] (NULL:
 * dc_kmeans_block), as dc_kmeans_w.
 */
int dc_kmeans_block(dc_stitch *st, const float *xov, int64_t nov, const float *x, int64_t n,
    const unsigned char *fit, const dc_kmeans_opts *o, const int32_t *prev, int32_t *labels,
    int *map, dc_kmeans_info *info);
int dc_kmeans_block_w(dc_stitch *st, const float *xov, int64_t nov, const float *x, int64_t n,
    const unsigned char *fit, const float *wt, const dc_kmeans_opts *o, const int32_t *prev,
    int32_t *labels, int *map, dc_kmeans_info *info);

/*
 * Counting the sources (dc-kmeans -k auto, dc_count_sources): deep clustering
 * pushes the embeddings of one source together and those of different sources
 * towards orthogonal directions, so that for K such clusters holding shares w_k
 * of the points the spread 1 - |mean|^2 is 1 - sum w_k^2: 0 for one source,
 * 1 - 1/K for K equal ones.
 *
 * dc_kmeans_spread: 1 - |mean|^2 of the points x[N][D] with fit[i] set (all if
 * fit is NULL); 0 when none is.
 * dc_kmeans_count: K from a spread s, 1 plus the thresholds cuts[0..kmax-2] it
 * reaches (an increasing list; NULL: the defaults); 1 to kmax, kmax capped at
 * DC_COUNT_MAX.
 * dc_kmeans_cuts: the default thresholds into cuts[DC_COUNT_MAX - 1] (kmeans.c
 * says how they were chosen).
 */
#define DC_COUNT_MAX 8  /* the most sources counted */
double dc_kmeans_spread(const float *x, int64_t n, int d, const unsigned char *fit);
int dc_kmeans_count(double s, int kmax, const double *cuts);
void dc_kmeans_cuts(double *cuts);

#ifdef __cplusplus
}
#endif
#endif
