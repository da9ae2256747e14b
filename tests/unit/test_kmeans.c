/*
 * test_kmeans.c: the PRNG against splitmix64's published outputs, and k-means on
 * synthetic embeddings whose true partition is known: exact recovery up to a
 * permutation, determinism, restarts keeping the lowest inertia, points left out
 * of the fit, weights (against the points repeated), and the degenerate cases.
 *
 * Shapes: N points, D dimensions, K clusters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "kmeans.h"
#include "t.h"

/* gauss: a standard normal deviate (Box-Muller) from the test's own generator. */
static double
gauss(dc_rng *r)
{
	double u = dc_rng_uniform(r), v = dc_rng_uniform(r);

	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* make_clusters: n unit vectors in d dimensions around nc random orthonormal
 * centres (nc <= d), point i in cluster truth[i] = i % nc, with noise of standard
 * deviation sd per coordinate before normalising. */
static float *
make_clusters(int64_t n, int d, int nc, double sd, uint64_t seed, int32_t *truth)
{
	float *x = dc_xmalloc((size_t)n * d * sizeof *x);
	double *ctr = dc_xmalloc((size_t)nc * d * sizeof *ctr), norm;
	dc_rng r;
	int64_t i;
	int c, j;

	dc_rng_seed(&r, seed);
	for (c = 0; c < nc; c++) {
		int p;
		for (j = 0; j < d; j++)
			ctr[c * d + j] = gauss(&r);
		/* Gram-Schmidt: orthogonal centres, 90 degrees apart, while nc <= d */
		for (p = 0; p < c && p < d; p++) {
			double pr = 0;
			for (j = 0; j < d; j++)
				pr += ctr[c * d + j] * ctr[p * d + j];
			for (j = 0; j < d; j++)
				ctr[c * d + j] -= pr * ctr[p * d + j];
		}
		for (norm = 0, j = 0; j < d; j++)
			norm += ctr[c * d + j] * ctr[c * d + j];
		for (j = 0; j < d; j++)
			ctr[c * d + j] /= sqrt(norm);
	}
	for (i = 0; i < n; i++) {
		double v[64];
		c = (int)(i % nc);
		truth[i] = c;
		for (norm = 0, j = 0; j < d; j++) {
			v[j] = ctr[c * d + j] + sd * gauss(&r);
			norm += v[j] * v[j];
		}
		for (j = 0; j < d; j++)
			x[i * d + j] = (float)(v[j] / sqrt(norm));
	}
	free(ctr);
	return x;
}

/* same_partition: 1 if labels equal truth up to a one-to-one relabelling, over the
 * points where mask is non-zero (all if mask is NULL). */
static int
same_partition(const int32_t *labels, const int32_t *truth, int64_t n, int k,
    const unsigned char *mask)
{
	int map[64], inv[64], ok = 1;
	int64_t i;

	for (i = 0; i < k; i++)
		map[i] = inv[i] = -1;
	for (i = 0; i < n && ok; i++) {
		int t = truth[i], l = labels[i];
		if (mask && !mask[i])
			continue;
		if (l < 0 || l >= k)
			return 0;
		if (map[t] < 0 && inv[l] < 0) {
			map[t] = l;
			inv[l] = t;
		}
		ok = map[t] == l && inv[l] == t;
	}
	return ok;
}

/* inertia_of: sum over fitted points of |x - c_label|^2, in double. */
static double
inertia_of(const float *x, int64_t n, int d, const int32_t *lab, const float *c,
    const unsigned char *fit)
{
	double s = 0.0, e;
	int64_t i;
	int j;

	for (i = 0; i < n; i++) {
		if (fit && !fit[i])
			continue;
		for (j = 0; j < d; j++) {
			e = (double)x[i * d + j] - c[lab[i] * d + j];
			s += e * e;
		}
	}
	return s;
}

/* nearest_ref: brute-force nearest centroid in double, lowest index on a tie. */
static int
nearest_ref(const float *xi, const float *c, int k, int d)
{
	double best = HUGE_VAL, s, e;
	int bk = 0, j, l;

	for (j = 0; j < k; j++) {
		for (s = 0, l = 0; l < d; l++) {
			e = (double)xi[l] - c[j * d + l];
			s += e * e;
		}
		if (s < best) {
			best = s;
			bk = j;
		}
	}
	return bk;
}

static void
test_rng(void)
{
	dc_rng r;
	uint64_t a, b, c;
	double u, lo = 1, hi = 0;
	int i;

	/* Vigna's splitmix64.c from state 0 */
	dc_rng_seed(&r, 0);
	a = dc_rng_next(&r);
	b = dc_rng_next(&r);
	c = dc_rng_next(&r);
	T_OK("splitmix64 output 1 from seed 0", a == UINT64_C(0xe220a8397b1dcdaf));
	T_OK("splitmix64 output 2 from seed 0", b == UINT64_C(0x6e789e6aa1b965f4));
	T_OK("splitmix64 output 3 from seed 0", c == UINT64_C(0x06c45d188009454f));
	dc_rng_seed(&r, 42);
	for (i = 0; i < 100000; i++) {
		u = dc_rng_uniform(&r);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	T_OK("uniform stays in [0, 1)", lo >= 0.0 && hi < 1.0);
	T_OK("uniform covers [0, 1)", lo < 1e-3 && hi > 1.0 - 1e-3);
}

static void
test_recovery(void)
{
	int64_t n = 5000;
	int d = 8, k = 3;
	int32_t *truth = dc_xmalloc((size_t)n * sizeof *truth);
	int32_t *l1 = dc_xmalloc((size_t)n * sizeof *l1), *l2 = dc_xmalloc((size_t)n * sizeof *l2);
	float *x = make_clusters(n, d, k, 0.15, 7, truth);
	float c1[3 * 8], c2[3 * 8];
	dc_kmeans_opts o;
	dc_kmeans_info i1, i2;

	dc_kmeans_defaults(&o);
	o.k = k;
	o.seed = 11;
	T_EQ_INT("3 clusters: runs", dc_kmeans(x, n, d, NULL, &o, l1, c1, &i1, NULL), DC_OK);
	T_OK("3 clusters: true partition up to permutation", same_partition(l1, truth, n, k, NULL));
	T_OK("3 clusters: converged", i1.converged && i1.iters < o.maxiter);
	T_EQ_INT("3 clusters: all points fitted", i1.nfit, n);
	T_CLOSE("3 clusters: reported inertia = recomputed",
	    i1.inertia / inertia_of(x, n, d, l1, c1, NULL), 1.0, 1e-4);

	dc_kmeans(x, n, d, NULL, &o, l2, c2, &i2, NULL);
	T_OK("same seed: same labels", memcmp(l1, l2, (size_t)n * sizeof *l1) == 0);
	T_OK("same seed: same centroids", memcmp(c1, c2, sizeof c1) == 0);
	T_OK("same seed: same inertia", i1.inertia == i2.inertia);

	o.seed = 12345;
	dc_kmeans(x, n, d, NULL, &o, l2, c2, &i2, NULL);
	T_OK("another seed: the same partition", same_partition(l2, truth, n, k, NULL));

	free(truth);
	free(l1);
	free(l2);
	free(x);
}

static void
test_restarts(void)
{
	/* K = 5 on 8 clusters: several local minima, so restarts differ */
	int64_t n = 4000;
	int d = 8, k = 5, R = 12, r, ndiff = 0, argmin = 0;
	int32_t *truth = dc_xmalloc((size_t)n * sizeof *truth);
	int32_t *lab = dc_xmalloc((size_t)n * sizeof *lab), *lab1 = dc_xmalloc((size_t)n * sizeof *lab1);
	float *x = make_clusters(n, d, 8, 0.3, 99, truth);
	float c[5 * 8], c1[5 * 8];
	double in[12], in1, mn;
	dc_kmeans_opts o;
	dc_kmeans_info info, info1;

	dc_kmeans_defaults(&o);
	o.k = k;
	o.restarts = R;
	o.seed = 3;
	T_EQ_INT("restarts: runs", dc_kmeans(x, n, d, NULL, &o, lab, c, &info, in), DC_OK);
	mn = in[0];
	for (r = 1; r < R; r++) {
		ndiff += fabs(in[r] - in[0]) > 1e-6 * in[0];
		if (in[r] < mn) {
			mn = in[r];
			argmin = r;
		}
	}
	printf("restart inertias:");
	for (r = 0; r < R; r++)
		printf(" %.3f", in[r]);
	printf("\n");
	T_OK("restarts: local minima differ (the test means something)", ndiff > 0);
	T_OK("restarts: the lowest inertia wins", info.inertia == mn && info.restart == argmin);
	T_CLOSE("restarts: winner's inertia = recomputed from labels and centroids",
	    inertia_of(x, n, d, lab, c, NULL) / info.inertia, 1.0, 1e-4);
	/* restart r seeds with seed + r: the winner alone gives the same answer */
	o.restarts = 1;
	o.seed = 3 + (uint64_t)argmin;
	dc_kmeans(x, n, d, NULL, &o, lab1, c1, &info1, &in1);
	T_OK("restarts: the winning restart alone gives the same labels",
	    memcmp(lab, lab1, (size_t)n * sizeof *lab) == 0 && memcmp(c, c1, sizeof c) == 0);
	T_OK("restarts: and the same inertia", in1 == info.inertia);

	free(truth);
	free(lab);
	free(lab1);
	free(x);
}

static void
test_unfitted(void)
{
	/* 3 clusters fitted, plus a 4th group of points left out of the fit (the
	 * silent bins): they must not move the centroids, and they get the label of
	 * the nearest centroid */
	int64_t n = 6000, i, bad = 0, m = 0;
	int d = 8, k = 3;
	int32_t *truth = dc_xmalloc((size_t)n * sizeof *truth);
	int32_t *lab = dc_xmalloc((size_t)n * sizeof *lab), *labf = dc_xmalloc((size_t)n * sizeof *labf);
	float *x = make_clusters(n, d, 4, 0.15, 5, truth);
	float *xf = dc_xmalloc((size_t)n * d * sizeof *xf);
	unsigned char *fit = dc_xmalloc((size_t)n);
	float c[3 * 8], cf[3 * 8];
	dc_kmeans_opts o;
	dc_kmeans_info info, infof;

	for (i = 0; i < n; i++)
		fit[i] = truth[i] != 3;
	dc_kmeans_defaults(&o);
	o.k = k;
	o.seed = 8;
	T_EQ_INT("unfitted: runs", dc_kmeans(x, n, d, fit, &o, lab, c, &info, NULL), DC_OK);
	T_EQ_INT("unfitted: only the fitted points count", info.nfit, n / 4 * 3);
	T_OK("unfitted: fitted points recover their 3 clusters", same_partition(lab, truth, n, k, fit));
	for (i = 0; i < n; i++)
		if (!fit[i])
			bad += lab[i] != nearest_ref(x + i * d, c, k, d);
	T_EQ_INT("unfitted: left-out points get the nearest centroid's label", bad, 0);
	/* the same fit on the fitted points alone: the same centroids and labels */
	for (i = 0; i < n; i++)
		if (fit[i])
			memcpy(xf + m++ * d, x + i * d, (size_t)d * sizeof *xf);
	dc_kmeans(xf, m, d, NULL, &o, labf, cf, &infof, NULL);
	T_OK("unfitted: centroids as if the left-out points did not exist", memcmp(c, cf, sizeof c) == 0);
	T_OK("unfitted: inertia of the fitted points only", info.inertia == infof.inertia);

	free(truth);
	free(lab);
	free(labf);
	free(x);
	free(xf);
	free(fit);
}

static void
test_edges(void)
{
	float x[6 * 2] = { 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0 };
	float same[4 * 2] = { 0.6f, 0.8f, 0.6f, 0.8f, 0.6f, 0.8f, 0.6f, 0.8f };
	unsigned char fit[6] = { 1, 0, 0, 0, 0, 1 };
	int32_t lab[6];
	float c[2 * 2];
	dc_kmeans_opts o;
	dc_kmeans_info info;
	int i, ok;

	dc_kmeans_defaults(&o);
	o.k = 3;
	T_EQ_INT("K more than the fitted points: DC_EPARAM", dc_kmeans(x, 6, 2, fit, &o, lab, NULL, NULL, NULL), DC_EPARAM);
	o.k = 0;
	T_EQ_INT("K = 0: DC_EPARAM", dc_kmeans(x, 6, 2, NULL, &o, lab, NULL, NULL, NULL), DC_EPARAM);
	o.k = 2;
	o.restarts = 0;
	T_EQ_INT("0 restarts: DC_EPARAM", dc_kmeans(x, 6, 2, NULL, &o, lab, NULL, NULL, NULL), DC_EPARAM);
	o.restarts = 3;
	T_EQ_INT("K = fitted points = 2", dc_kmeans(x, 6, 2, fit, &o, lab, c, &info, NULL), DC_OK);
	T_OK("K = fitted points: two clusters, zero inertia",
	    lab[0] != lab[5] && info.inertia == 0.0 && lab[1] == lab[0] && lab[4] == lab[5]);
	o.k = 1;
	dc_kmeans(x, 6, 2, NULL, &o, lab, c, &info, NULL);
	for (ok = 1, i = 0; i < 6; i++)
		ok &= lab[i] == 0;
	T_OK("K = 1: one label, centroid the mean", ok && c[0] == 0.5f && c[1] == 0.5f);
	o.k = 2;
	T_EQ_INT("identical points, K = 2: runs", dc_kmeans(same, 4, 2, NULL, &o, lab, c, &info, NULL), DC_OK);
	for (ok = 1, i = 0; i < 4; i++)
		ok &= lab[i] == 0;
	T_OK("identical points: ties go to the lowest label", ok && info.inertia == 0.0);
	o.maxiter = 0;
	dc_kmeans(x, 6, 2, NULL, &o, lab, c, &info, NULL);
	T_OK("maxiter 0: labels from the k-means++ seeds", info.iters == 0 && lab[0] != lab[5]);
}

/*
 * test_soft: dc_kmeans_soft against the plain statement of its masks, one point at
 * a time (each squared distance summed over the dimensions in order, in double; a
 * softmax in double, rounded to float): the same bits, for a count of points that
 * is no multiple of the 16 it computes together; and the labels it gives in the
 * same pass, those of dc_kmeans. A beta whose -beta d overflows gives the nearest 1.
 */
static void
test_soft(void)
{
	enum { N = 1003, D = 7, K = 3 };
	float *x = malloc(N * D * sizeof *x), *m = malloc(K * N * sizeof *m), c[K * D];
	int32_t *lab = malloc(N * sizeof *lab), *lab2 = malloc(N * sizeof *lab2);
	dc_kmeans_opts o;
	dc_rng r;
	int64_t i, bad = 0, badlab = 0, badhot = 0;
	int j, l;

	dc_rng_seed(&r, 11);
	for (i = 0; i < N * D; i++)
		x[i] = (float)gauss(&r);
	dc_kmeans_defaults(&o);
	o.k = K;
	T_EQ_INT("soft: k-means of 1003 points", dc_kmeans(x, N, D, NULL, &o, lab, c, NULL, NULL), DC_OK);
	dc_kmeans_soft(x, N, D, c, K, 3.0, m, lab2);
	for (i = 0; i < N; i++) {
		double dist[K], e[K], mx = -HUGE_VAL, sum = 0.0;
		for (j = 0; j < K; j++) {
			dist[j] = 0.0;
			for (l = 0; l < D; l++) {
				double t = (double)x[i * D + l] - c[j * D + l];
				dist[j] += t * t;
			}
			e[j] = -3.0 * dist[j];
			mx = e[j] > mx ? e[j] : mx;
		}
		for (j = 0; j < K; j++)
			sum += e[j] = exp(e[j] - mx);
		for (j = 0; j < K; j++)
			bad += m[j * N + i] != (float)(e[j] / sum);
		badlab += lab[i] != lab2[i];
	}
	T_OK("soft: 1003 points' masks, the bits of one point at a time", bad == 0);
	T_OK("soft: the labels of its pass, dc_kmeans's", badlab == 0);
	dc_kmeans_soft(x, N, D, c, K, 1e308, m, NULL);
	for (i = 0; i < N; i++)
		for (j = 0; j < K; j++)
			badhot += m[j * N + i] != (j == lab[i] ? 1.0f : 0.0f);
	T_OK("soft: beta 1e308, the nearest 1 and the others 0", badhot == 0);
	free(x);
	free(m);
	free(lab);
	free(lab2);
}

static void
test_weights(void)
{
	/* weights: all 1 give the unweighted run's bits; whole-number weights give
	 * what repeating each point that many times gives (points on a grid of
	 * 1/64, so that every sum is exact either way); the centroids are the
	 * weighted means of their points and the inertia the weighted sum; a fitted
	 * point's weight must be finite and positive */
	int64_t n = 900, m = 0, i, r, bad = 0;
	int d = 6, k = 3, j, l;
	int32_t *truth = dc_xmalloc((size_t)n * sizeof *truth);
	int32_t *lab = dc_xmalloc((size_t)n * sizeof *lab), *lab1 = dc_xmalloc((size_t)n * sizeof *lab1);
	int32_t *labr = dc_xmalloc((size_t)n * 3 * sizeof *labr);
	float *x = make_clusters(n, d, k, 0.1, 21, truth);
	float *xr = dc_xmalloc((size_t)n * 3 * d * sizeof *xr);
	float *w = dc_xmalloc((size_t)n * sizeof *w), c[3 * 6], c1[3 * 6], cr[3 * 6];
	double sum[3 * 6] = { 0 }, wt[3] = { 0 }, in = 0.0, t;
	unsigned char *fit = dc_xmalloc((size_t)n);
	dc_kmeans_opts o;
	dc_kmeans_info info, info1, infor;

	for (i = 0; i < n * d; i++)
		x[i] = roundf(x[i] * 64.0f) / 64.0f;
	dc_kmeans_defaults(&o);
	o.k = k;
	o.seed = 11;
	dc_kmeans(x, n, d, NULL, &o, lab, c, &info, NULL);
	for (i = 0; i < n; i++)
		w[i] = 1.0f;
	T_EQ_INT("weights of 1: runs", dc_kmeans_w(x, n, d, NULL, w, &o, lab1, c1, &info1, NULL), DC_OK);
	T_OK("weights of 1: the unweighted labels, centroids and inertia, bit for bit",
	    memcmp(lab, lab1, (size_t)n * sizeof *lab) == 0 && memcmp(c, c1, sizeof c) == 0 &&
	    info.inertia == info1.inertia);

	/* weights 1, 2 and 3 against the points repeated, each copy next to the others */
	for (i = 0; i < n; i++) {
		w[i] = (float)(1 + (i * 7) % 3);
		for (r = 0; r < (int64_t)w[i]; r++)
			memcpy(xr + m++ * d, x + i * d, (size_t)d * sizeof *xr);
	}
	T_EQ_INT("weights 1-3: runs", dc_kmeans_w(x, n, d, NULL, w, &o, lab, c, &info, NULL), DC_OK);
	dc_kmeans(xr, m, d, NULL, &o, labr, cr, &infor, NULL);
	T_OK("weights 1-3: the centroids of the points repeated, bit for bit", memcmp(c, cr, sizeof c) == 0);
	T_CLOSE("weights 1-3: the inertia of the points repeated", info.inertia, infor.inertia,
	    1e-9 * infor.inertia);
	for (i = 0, m = 0; i < n; i++)
		for (r = 0; r < (int64_t)w[i]; r++)
			bad += labr[m++] != lab[i];
	T_EQ_INT("weights 1-3: each point labelled as its copies", bad, 0);
	T_OK("weights 1-3: the 3 clusters found", same_partition(lab, truth, n, k, NULL));
	for (i = 0; i < n; i++) {
		wt[lab[i]] += w[i];
		for (l = 0; l < d; l++)
			sum[lab[i] * d + l] += (double)w[i] * x[i * d + l];
	}
	for (bad = 0, j = 0; j < k; j++)
		for (l = 0; l < d; l++)
			bad += fabs(sum[j * d + l] / wt[j] - c[j * d + l]) > 1e-6;
	T_EQ_INT("weights 1-3: each centroid the weighted mean of its points", bad, 0);
	for (i = 0; i < n; i++)
		for (l = 0; l < d; l++) {
			t = (double)x[i * d + l] - c[lab[i] * d + l];
			in += w[i] * t * t;
		}
	T_CLOSE("weights 1-3: the inertia the weighted sum of squared distances", info.inertia, in,
	    1e-5 * in);

	/* a fitted point's weight 0, negative or NaN: refused; an unfitted one's 0: taken */
	w[5] = 0.0f;
	T_EQ_INT("weight 0 on a fitted point: DC_EPARAM", dc_kmeans_w(x, n, d, NULL, w, &o, lab, c, NULL, NULL), DC_EPARAM);
	w[5] = -1.0f;
	T_EQ_INT("weight -1: DC_EPARAM", dc_kmeans_w(x, n, d, NULL, w, &o, lab, c, NULL, NULL), DC_EPARAM);
	w[5] = NAN;
	T_EQ_INT("weight NaN: DC_EPARAM", dc_kmeans_w(x, n, d, NULL, w, &o, lab, c, NULL, NULL), DC_EPARAM);
	w[5] = INFINITY;
	T_EQ_INT("weight Inf: DC_EPARAM", dc_kmeans_w(x, n, d, NULL, w, &o, lab, c, NULL, NULL), DC_EPARAM);
	for (i = 0; i < n; i++)
		fit[i] = i != 5;
	w[5] = 0.0f;
	T_EQ_INT("weight 0 on an unfitted point: runs", dc_kmeans_w(x, n, d, fit, w, &o, lab, c, NULL, NULL),
	    DC_OK);

	/* a heavy point pulls its centroid: two points of one cluster, weights 1 and 3 */
	{
		float p[4 * 1] = { 0.0f, 1.0f, 10.0f, 11.0f }, pw[4] = { 1, 3, 1, 1 }, pc[2];
		int32_t pl[4];

		dc_kmeans_defaults(&o);
		o.k = 2;
		dc_kmeans_w(p, 4, 1, NULL, pw, &o, pl, pc, NULL, NULL);
		T_OK("a point of weight 3 pulls its centroid to 0.75",
		    (pc[0] == 0.75f && pc[1] == 10.5f) || (pc[1] == 0.75f && pc[0] == 10.5f));
	}
	free(truth);
	free(lab);
	free(lab1);
	free(labr);
	free(x);
	free(xr);
	free(w);
	free(fit);
}

int
main(void)
{
	test_rng();
	test_soft();
	test_recovery();
	test_restarts();
	test_unfitted();
	test_edges();
	test_weights();
	return t_done();
}
