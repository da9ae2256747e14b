/*
 * kmeans.c: k-means of embeddings for dc-kmeans (kmeans.h).
 *
 * Shapes: N points, D dimensions, K clusters; M of the N points are fitted (the
 * others are only labelled at the end). x[N][D] row-major, c[K][D].
 *
 * The cost is the assignment step, M*K dot products of length D per iteration;
 * each point's squared distance is |x|^2 - 2 x.c + |c|^2 with |x|^2 computed once,
 * so an iteration reads x once. Sums for the means are kept in double, so the
 * result does not depend on the order of thousands of float additions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "rng.h"
#include "kmeans.h"

/* ---------------------------------------------------------------- k-means */

void
dc_kmeans_defaults(dc_kmeans_opts *o)
{
	o->k = 2;
	o->restarts = 3;
	o->maxiter = 100;
	o->seed = 1;
}

/* dot: a.b over d floats, in eight partial sums so that the additions do not wait
 * on each other (and the compiler may keep them in one vector register). */
static inline float
dot(const float *a, const float *b, int d)
{
	float s[8] = { 0 }, t;
	int j = 0, l;

	for (; j + 8 <= d; j += 8)
		for (l = 0; l < 8; l++)
			s[l] += a[j + l] * b[j + l];
	t = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
	for (; j < d; j++)
		t += a[j] * b[j];
	return t;
}

/* nearest: the centroid nearest to x (lowest k on a tie); *d2 its squared distance
 * given xx = |x|^2. cc[K] holds |c_k|^2. */
static inline int
nearest(const float *x, float xx, const float *c, const float *cc, int k, int d, float *d2)
{
	float best = cc[0] - 2.0f * dot(x, c, d), v;
	int bk = 0, j;

	for (j = 1; j < k; j++) {
		v = cc[j] - 2.0f * dot(x, c + (size_t)j * d, d);
		if (v < best) {
			best = v;
			bk = j;
		}
	}
	v = xx + best;
	*d2 = v > 0.0f ? v : 0.0f;
	return bk;
}

/* The working state of one k-means run over the M fitted points. */
typedef struct {
	const float *x;
	int d, k;
	const int64_t *idx;     /* [M] fitted point -> row of x */
	int64_t m;
	const float *xx;        /* [M] |x|^2 */
	float *c;               /* [K][D] */
	float *cc;              /* [K] |c|^2 */
	int32_t *lab;           /* [M] */
	float *dist;            /* [M] squared distance to the own centroid */
	double *sum;            /* [K][D] */
	int64_t *cnt;           /* [K] */
} km;

#define ROW(s, j) ((s)->x + (size_t)(s)->idx[j] * (s)->d)

static void
set_norms(km *s)
{
	int j;

	for (j = 0; j < s->k; j++)
		s->cc[j] = dot(s->c + (size_t)j * s->d, s->c + (size_t)j * s->d, s->d);
}

/* seed_pp: k-means++ seeding of s->c from the generator. */
static void
seed_pp(km *s, dc_rng *r)
{
	int64_t i, pick;
	int j;
	double total, u, cum;

	pick = (int64_t)(dc_rng_uniform(r) * (double)s->m);
	if (pick >= s->m)
		pick = s->m - 1;
	memcpy(s->c, ROW(s, pick), (size_t)s->d * sizeof *s->c);
	set_norms(s);
	for (i = 0; i < s->m; i++) {
		float v = s->xx[i] + s->cc[0] - 2.0f * dot(ROW(s, i), s->c, s->d);
		s->dist[i] = v > 0.0f ? v : 0.0f;
	}
	for (j = 1; j < s->k; j++) {
		float *cj = s->c + (size_t)j * s->d;

		total = 0.0;
		for (i = 0; i < s->m; i++)
			total += s->dist[i];
		u = dc_rng_uniform(r);
		if (total > 0.0) {
			/* the first point whose cumulative weight passes u * total; rounding
			 * can leave u * total past the sum, so fall back on the last point
			 * that has any weight */
			pick = -1;
			cum = 0.0;
			for (i = 0; i < s->m; i++) {
				if (s->dist[i] <= 0.0f)
					continue;
				cum += s->dist[i];
				pick = i;
				if (cum > u * total)
					break;
			}
		} else {
			/* every point sits on a centroid: fewer distinct points than K */
			pick = (int64_t)(u * (double)s->m);
			if (pick >= s->m)
				pick = s->m - 1;
		}
		memcpy(cj, ROW(s, pick), (size_t)s->d * sizeof *cj);
		s->cc[j] = dot(cj, cj, s->d);
		for (i = 0; i < s->m; i++) {
			float v = s->xx[i] + s->cc[j] - 2.0f * dot(ROW(s, i), cj, s->d);
			v = v > 0.0f ? v : 0.0f;
			if (v < s->dist[i])
				s->dist[i] = v;
		}
	}
}

/* assign: each fitted point to its nearest centroid; returns how many labels
 * changed and the inertia in *inertia. */
static int64_t
assign(km *s, double *inertia)
{
	int64_t i, changed = 0;
	double in = 0.0;
	int l;

	for (i = 0; i < s->m; i++) {
		l = nearest(ROW(s, i), s->xx[i], s->c, s->cc, s->k, s->d, &s->dist[i]);
		changed += l != s->lab[i];
		s->lab[i] = l;
		in += s->dist[i];
	}
	*inertia = in;
	return changed;
}

/* update: each centroid to the mean of its points; an empty cluster takes the
 * point farthest from its own centroid (which no other empty cluster then takes). */
static void
update(km *s)
{
	int64_t i, far;
	int j, l, d = s->d;

	memset(s->sum, 0, (size_t)s->k * d * sizeof *s->sum);
	memset(s->cnt, 0, (size_t)s->k * sizeof *s->cnt);
	for (i = 0; i < s->m; i++) {
		const float *xi = ROW(s, i);
		double *sj = s->sum + (size_t)s->lab[i] * d;

		for (l = 0; l < d; l++)
			sj[l] += xi[l];
		s->cnt[s->lab[i]]++;
	}
	for (j = 0; j < s->k; j++) {
		float *cj = s->c + (size_t)j * d;

		if (s->cnt[j] > 0) {
			for (l = 0; l < d; l++)
				cj[l] = (float)(s->sum[(size_t)j * d + l] / (double)s->cnt[j]);
			continue;
		}
		far = 0;
		for (i = 1; i < s->m; i++)
			if (s->dist[i] > s->dist[far])
				far = i;
		memcpy(cj, ROW(s, far), (size_t)d * sizeof *cj);
		s->dist[far] = -1.0f;
	}
	set_norms(s);
}

int
dc_kmeans(const float *x, int64_t n, int d, const unsigned char *fit,
    const dc_kmeans_opts *o, int32_t *labels, float *centroids, dc_kmeans_info *info,
    double *inertias)
{
	km s;
	int64_t i, m = 0, *idx;
	float *xx, *best, d2;
	double inertia, best_in = HUGE_VAL;
	int r, it, converged, k = o->k;
	dc_kmeans_info bi = { 0 };

	if (k < 1 || o->restarts < 1 || o->maxiter < 0 || d < 1 || n < 0)
		return DC_EPARAM;
	for (i = 0; i < n; i++)
		m += fit == NULL || fit[i];
	if (m < k)
		return DC_EPARAM;

	idx = dc_xmalloc((size_t)m * sizeof *idx);
	xx = dc_xmalloc((size_t)m * sizeof *xx);
	for (i = 0, m = 0; i < n; i++)
		if (fit == NULL || fit[i]) {
			xx[m] = dot(x + (size_t)i * d, x + (size_t)i * d, d);
			idx[m++] = i;
		}
	memset(&s, 0, sizeof s);
	s.x = x;
	s.d = d;
	s.k = k;
	s.idx = idx;
	s.m = m;
	s.xx = xx;
	s.c = dc_xmalloc((size_t)k * d * sizeof *s.c);
	s.cc = dc_xmalloc((size_t)k * sizeof *s.cc);
	s.lab = dc_xmalloc((size_t)m * sizeof *s.lab);
	s.dist = dc_xmalloc((size_t)m * sizeof *s.dist);
	s.sum = dc_xmalloc((size_t)k * d * sizeof *s.sum);
	s.cnt = dc_xmalloc((size_t)k * sizeof *s.cnt);
	best = dc_xmalloc((size_t)k * d * sizeof *best);

	for (r = 0; r < o->restarts; r++) {
		dc_rng rng;

		dc_rng_seed(&rng, o->seed + (uint64_t)r);
		seed_pp(&s, &rng);
		for (i = 0; i < m; i++)
			s.lab[i] = -1;
		converged = 0;
		for (it = 0;; it++) {
			if (assign(&s, &inertia) == 0) {
				converged = 1;
				break;
			}
			if (it == o->maxiter)
				break;
			update(&s);
		}
		if (inertias)
			inertias[r] = inertia;
		if (inertia < best_in) {
			best_in = inertia;
			memcpy(best, s.c, (size_t)k * d * sizeof *best);
			bi.inertia = inertia;
			bi.restart = r;
			bi.iters = it;
			bi.converged = converged;
		}
	}
	bi.nfit = m;

	/* every point, fitted or not, to the winner's nearest centroid */
	memcpy(s.c, best, (size_t)k * d * sizeof *best);
	set_norms(&s);
	for (i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * d;
		labels[i] = nearest(xi, dot(xi, xi, d), s.c, s.cc, k, d, &d2);
	}
	if (centroids)
		memcpy(centroids, best, (size_t)k * d * sizeof *best);
	if (info)
		*info = bi;

	free(idx);
	free(xx);
	free(s.c);
	free(s.cc);
	free(s.lab);
	free(s.dist);
	free(s.sum);
	free(s.cnt);
	free(best);
	return DC_OK;
}

void
dc_kmeans_soft(const float *x, int64_t n, int d, const float *c, int k, double beta, float *m)
{
	double *e = dc_xmalloc((size_t)k * sizeof *e), mx, sum, dist, t;
	int64_t i;
	int j, l;

	for (i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * d;

		mx = -HUGE_VAL;
		for (j = 0; j < k; j++) {
			for (l = 0, dist = 0.0; l < d; l++) {
				t = (double)xi[l] - c[(size_t)j * d + l];
				dist += t * t;
			}
			e[j] = -beta * dist;
			mx = e[j] > mx ? e[j] : mx;
		}
		for (j = 0, sum = 0.0; j < k; j++)
			sum += e[j] = exp(e[j] - mx);
		for (j = 0; j < k; j++)
			m[(size_t)j * n + i] = (float)(e[j] / sum);
	}
	free(e);
}
