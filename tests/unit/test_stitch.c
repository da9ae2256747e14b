/*
 * test_stitch.c: dc_assign against brute force, and dc_kmeans_block on a
 * made-up long utterance whose answer is known: three speakers whose embedding
 * directions turn slowly from frame to frame, one of them silent for three
 * blocks, clustered block by block with and without shared frames. Each
 * speaker must keep one label in every block; k-means block by block without
 * stitching is shown to change them.
 *
 * Shapes: T frames, F bins a frame (N = T F points a block), D dimensions, K
 * speakers; blocks of TB frames, consecutive ones sharing OV frames.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "kmeans.h"
#include "t.h"

#define D 16
#define K 3
#define F 20
#define NB 8            /* blocks */
#define TB 50           /* frames a block */
#define OV 10           /* frames shared by consecutive blocks */
#define STEP (TB - OV)
#define T (NB * STEP + OV)

static double
gauss(dc_rng *r)
{
	double u = dc_rng_uniform(r), v = dc_rng_uniform(r);

	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* orthonormal: n orthonormal vectors of d dimensions into v[n][d]. */
static void
orthonormal(dc_rng *r, double *v, int n, int d)
{
	int a, p, j;
	double pr, nm;

	for (a = 0; a < n; a++) {
		for (j = 0; j < d; j++)
			v[a * d + j] = gauss(r);
		for (p = 0; p < a; p++) {
			for (pr = 0, j = 0; j < d; j++)
				pr += v[a * d + j] * v[p * d + j];
			for (j = 0; j < d; j++)
				v[a * d + j] -= pr * v[p * d + j];
		}
		for (nm = 0, j = 0; j < d; j++)
			nm += v[a * d + j] * v[a * d + j];
		for (j = 0; j < d; j++)
			v[a * d + j] /= sqrt(nm);
	}
}

/*
 * utterance: x[T*F][D] unit embeddings: speaker s at frame t points along
 * cos(a t) p_s + sin(a t) q_s (a: 0.3 degrees a frame, 12 degrees a block
 * step, 99 degrees over the utterance), plus noise of 0.1 a coordinate;
 * each point's speaker drawn among those present at its frame (speaker 2 is
 * absent from frames 120 to 249: blocks 3, 4 and 5 entirely); one point in ten
 * is silence: random, not fitted (fit 0, truth -1).
 */
static void
utterance(float *x, int32_t *truth, unsigned char *fit)
{
	double pq[2 * K * D], a = 0.3 * M_PI / 180, e[D], nm;
	dc_rng r;
	int64_t t, b, i;
	int s, j;

	dc_rng_seed(&r, 2019);
	orthonormal(&r, pq, 2 * K, D);
	for (t = 0; t < T; t++)
		for (b = 0; b < F; b++) {
			i = t * F + b;
			fit[i] = dc_rng_uniform(&r) >= 0.1;
			if (!fit[i]) {
				truth[i] = -1;
				for (j = 0; j < D; j++)
					e[j] = gauss(&r);
			} else {
				int absent = t >= 120 && t < 250;
				s = (int)(dc_rng_uniform(&r) * (absent ? K - 1 : K));
				truth[i] = s;
				for (j = 0; j < D; j++)
					e[j] = cos(a * t) * pq[(2 * s) * D + j] + sin(a * t) * pq[(2 * s + 1) * D + j] +
					    0.1 * gauss(&r);
			}
			for (nm = 0, j = 0; j < D; j++)
				nm += e[j] * e[j];
			for (j = 0; j < D; j++)
				x[i * D + j] = (float)(e[j] / sqrt(nm));
		}
}

/*
 * consistent: over blocks of tb frames from start[b], labels lab[b][tb*F]: the
 * label each speaker has most in block 0 is its label in every block where it
 * speaks, for all but *wrong of the fitted points; *flips counts the (block,
 * speaker) pairs whose majority label differs from block 0's.
 */
static void
consistent(int32_t *const *lab, const int64_t *start, int tb, const int32_t *truth, int64_t *wrong,
    int *flips)
{
	int64_t cnt[K][K], i, n = (int64_t)tb * F;
	int first[K], b, s, l;

	*wrong = 0;
	*flips = 0;
	for (b = 0; b < NB; b++) {
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++) {
			int32_t tr = truth[start[b] * F + i];
			if (tr >= 0)
				cnt[tr][lab[b][i]]++;
		}
		for (s = 0; s < K; s++) {
			int best = 0;
			int64_t tot = 0;
			for (l = 0; l < K; l++) {
				tot += cnt[s][l];
				if (cnt[s][l] > cnt[s][best])
					best = l;
			}
			if (tot == 0)
				continue;       /* absent from the block */
			if (b == 0)
				first[s] = best;
			*flips += best != first[s];
			*wrong += tot - cnt[s][first[s]];
		}
	}
}

/* run: the utterance block by block (tb frames from start[b], nov shared points);
 * stitched, or k-means alone with the same options (plain 1); plain 2: stitched
 * with the shared points and the block's own copied into buffers of their own,
 * as dc-kmeans gives them (its tail, the record's tensor). */
static void
run(const float *x, const unsigned char *fit, const int64_t *start, int tb, int64_t nov, int plain,
    int32_t **lab, int *err)
{
	dc_kmeans_opts o;
	dc_stitch st;
	int b;

	dc_kmeans_defaults(&o);
	o.k = K;
	dc_stitch_init(&st, K, D);
	*err = 0;
	for (b = 0; b < NB; b++) {
		const float *xb = x + start[b] * F * D;
		const unsigned char *fb = fit + start[b] * F;
		int64_t n = (int64_t)tb * F;
		if (plain == 1)
			*err |= dc_kmeans(xb, n, D, fb, &o, lab[b], NULL, NULL, NULL) != DC_OK;
		else if (plain == 2) {
			int64_t s0 = b ? nov : 0;
			float *x0 = dc_xmalloc((size_t)(s0 * D + 1) * sizeof *x0);
			float *x1 = dc_xmalloc((size_t)((n - s0) * D + 1) * sizeof *x1);
			memcpy(x0, xb, (size_t)(s0 * D) * sizeof *x0);
			memcpy(x1, xb + s0 * D, (size_t)((n - s0) * D) * sizeof *x1);
			*err |= dc_kmeans_block(&st, x0, s0, x1, n - s0, fb, &o,
			    b ? lab[b - 1] + n - nov : NULL, lab[b], NULL, NULL) != DC_OK;
			free(x0);
			free(x1);
		} else
			*err |= dc_kmeans_block(&st, b ? xb : NULL, b ? nov : 0, b ? xb + nov * D : xb,
			    b ? n - nov : n, fb, &o, b ? lab[b - 1] + n - nov : NULL, lab[b], NULL,
			    NULL) != DC_OK;
	}
	dc_stitch_free(&st);
}

static void
test_assign(void)
{
	double s3[9] = { 1, 5, 0, 2, 1, 7, 9, 0, 1 }, tie[16] = { 0 }, *s;
	int p[1000], q[10], used[1000] = { 0 }, g, j, ok = 1, c[10];
	double best = -HUGE_VAL, t, h;
	dc_rng r;
	long long m = 0;

	T_CLOSE("assign 3x3: the best total", dc_assign(s3, 3, p), 5 + 7 + 9, 0);
	T_OK("assign 3x3: rows to columns 1, 2, 0", p[0] == 1 && p[1] == 2 && p[2] == 0);
	dc_assign(tie, 4, p);
	T_OK("assign: a tie gives the first permutation", p[0] == 0 && p[1] == 1 && p[2] == 2 && p[3] == 3);

	/* K = 10: the Hungarian method against every one of the 10! permutations */
	dc_rng_seed(&r, 5);
	s = dc_xmalloc(1000 * 1000 * sizeof *s);
	for (g = 0; g < 100; g++)
		s[g] = floor(dc_rng_uniform(&r) * 1000);
	h = dc_assign(s, 10, p);
	for (j = 0; j < 10; j++)
		c[j] = j;
	for (;;) {      /* permutations in lexicographic order (next_permutation) */
		int a, b2, tmp;
		for (t = 0, g = 0; g < 10; g++)
			t += s[g * 10 + c[g]];
		if (t > best) {
			best = t;
			memcpy(q, c, sizeof q);
		}
		m++;
		for (a = 8; a >= 0 && c[a] > c[a + 1]; a--)
			;
		if (a < 0)
			break;
		for (b2 = 9; c[b2] < c[a]; b2--)
			;
		tmp = c[a], c[a] = c[b2], c[b2] = tmp;
		for (a++, b2 = 9; a < b2; a++, b2--)
			tmp = c[a], c[a] = c[b2], c[b2] = tmp;
	}
	T_EQ_INT("brute force tried 10! permutations", m, 3628800);
	T_CLOSE("assign 10x10 (Hungarian): the brute force's best total", h, best, 0);
	for (t = 0, g = 0; g < 10; g++)
		t += s[g * 10 + p[g]];
	T_CLOSE("assign 10x10: the total returned is the permutation's", t, h, 0);

	/* K = 1000: a permutation, at least as good as greedy, exact on a planted one */
	for (g = 0; g < 1000 * 1000; g++)
		s[g] = dc_rng_uniform(&r);
	for (g = 0; g < 1000; g++)
		s[g * 1000 + (g * 7 + 3) % 1000] = 2;  /* the best: every row its own 2 */
	h = dc_assign(s, 1000, p);
	for (g = 0; g < 1000; g++) {
		ok &= p[g] >= 0 && p[g] < 1000 && !used[p[g]];
		if (p[g] >= 0 && p[g] < 1000)
			used[p[g]] = 1;
	}
	T_OK("assign 1000x1000: a permutation", ok);
	T_CLOSE("assign 1000x1000: the planted best (2 a row)", h, 2000, 1e-9);
	free(s);
}

int
main(void)
{
	float *x = dc_xmalloc((size_t)T * F * D * sizeof *x);
	int32_t *truth = dc_xmalloc((size_t)T * F * sizeof *truth), *lab[NB];
	unsigned char *fit = dc_xmalloc((size_t)T * F);
	int64_t start[NB], wrong, tot = 0, i;
	int b, flips, err;
	dc_stitch st;
	dc_kmeans_opts o;

	test_assign();
	utterance(x, truth, fit);
	for (i = 0; i < (int64_t)T * F; i++)
		tot += fit[i];
	for (b = 0; b < NB; b++)
		lab[b] = dc_xmalloc((size_t)TB * F * sizeof *lab[b]);

	/* blocks sharing OV frames */
	for (b = 0; b < NB; b++)
		start[b] = (int64_t)b * STEP;
	run(x, fit, start, TB, (int64_t)OV * F, 1, lab, &err);
	consistent(lab, start, TB, truth, &wrong, &flips);
	T_OK("k-means alone, block by block: some speaker changes label", !err && flips > 0);
	run(x, fit, start, TB, (int64_t)OV * F, 0, lab, &err);
	consistent(lab, start, TB, truth, &wrong, &flips);
	T_OK("stitched over shared frames: runs", !err);
	T_EQ_INT("stitched over shared frames: every speaker keeps its label in every block", flips, 0);
	T_OK("stitched over shared frames: fewer than 1 % of the points elsewhere", wrong * 100 < tot);
	printf("# shared frames: %lld of %lld fitted points off their speaker's label\n", (long long)wrong,
	    (long long)tot);
	{
		int32_t *keep[NB];
		int same = 1;
		for (b = 0; b < NB; b++) {
			keep[b] = dc_xmalloc((size_t)TB * F * sizeof *keep[b]);
			memcpy(keep[b], lab[b], (size_t)TB * F * sizeof *keep[b]);
		}
		run(x, fit, start, TB, (int64_t)OV * F, 2, lab, &err);
		for (b = 0; b < NB; b++) {
			same &= memcmp(keep[b], lab[b], (size_t)TB * F * sizeof *keep[b]) == 0;
			free(keep[b]);
		}
		T_OK("shared points and block in buffers of their own: the same labels", !err && same);
	}

	/* blocks that share nothing: the centroids decide */
	for (b = 0; b < NB; b++)
		start[b] = (int64_t)b * STEP;
	run(x, fit, start, STEP, 0, 0, lab, &err);
	consistent(lab, start, STEP, truth, &wrong, &flips);
	T_OK("stitched without shared frames: runs", !err);
	T_EQ_INT("stitched without shared frames: every speaker keeps its label", flips, 0);
	T_OK("stitched without shared frames: fewer than 1 % of the points elsewhere", wrong * 100 < tot);

	/* the shared frames outweigh the centroids: carried centroids swapped, labels kept */
	dc_kmeans_defaults(&o);
	o.k = K;
	dc_stitch_init(&st, K, D);
	dc_kmeans_block(&st, NULL, 0, x, (int64_t)TB * F, fit, &o, NULL, lab[0], NULL, NULL);
	{
		float tmp[D];
		int map[K];
		int64_t n = (int64_t)TB * F, same = 0, shared = 0;
		memcpy(tmp, st.c, sizeof tmp);
		memcpy(st.c, st.c + D, sizeof tmp);
		memcpy(st.c + D, tmp, sizeof tmp);
		dc_kmeans_block(&st, x + STEP * F * D, (int64_t)OV * F, x + (STEP + OV) * F * D,
		    n - (int64_t)OV * F, fit + STEP * F, &o, lab[0] + n - OV * F, lab[1], map, NULL);
		for (i = 0; i < (int64_t)OV * F; i++)
			if (fit[STEP * F + i]) {
				shared++;
				same += lab[1][i] == lab[0][n - OV * F + i];
			}
		T_OK("carried centroids swapped: the shared frames keep their labels", same == shared);
		T_OK("... and map is a permutation", map[0] != map[1] && map[1] != map[2] && map[0] != map[2]);
	}
	T_EQ_INT("a label outside 0..K-1 among prev refused",
	    dc_kmeans_block(&st, x, 100, x + 100 * D, 0, fit, &o, truth, lab[2], NULL, NULL), DC_EPARAM);
	o.k = 2;
	T_EQ_INT("o->k other than the state's refused",
	    dc_kmeans_block(&st, NULL, 0, x, 100, fit, &o, NULL, lab[2], NULL, NULL), DC_EPARAM);
	dc_stitch_free(&st);
	T_EQ_INT("stitch_init: K 0 refused", dc_stitch_init(&st, 0, D), DC_EPARAM);

	for (b = 0; b < NB; b++)
		free(lab[b]);
	free(x);
	free(truth);
	free(fit);
	return t_done();
}
