/*
 * p56.c: active speech level per ITU-T P.56 method B; the algorithm and every
 * choice it makes are described in p56.h.
 *
 * Two passes over the signal: the first finds the peak of the envelope (which
 * anchors the thresholds) and the energy, the second runs the envelope again and
 * counts active samples at every threshold. Nothing is allocated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "p56.h"

/* first_reached: the first j with q >= c[j], DC_P56_NTHR if none: the answer of a
 * scan of the thresholds (highest first), found by bisection with the same
 * comparisons, since q >= c[j] holds for every j after the first that it holds for. */
static int
first_reached(double q, const double *c)
{
	int lo = 0, hi = DC_P56_NTHR;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (q >= c[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * activity: a[j], the samples active at threshold j (step 2 of p56.h). Sample i
 * is active at j if the envelope reached c[j] at one of samples i-I .. i (the
 * hangover), that is if the least first_reached over that window is at most j.
 * The window's first_reached values are counted in cnt; the sample that leaves
 * it has its envelope recomputed by a second filter I+1 samples behind (the same
 * arithmetic, so the same values), so that no memory beyond the stack is needed;
 * the least value of the window counts in hist, and a[j] is their sum up to j.
 * The same counts as one hangover counter per threshold, in a fraction of the time.
 */
static void
activity(const float *x, int64_t n, double g, int64_t hang, const double *c, int64_t *a)
{
	int64_t cnt[DC_P56_NTHR + 1] = { 0 }, hist[DC_P56_NTHR + 1] = { 0 }, i, sum;
	double p = 0, q = 0, p2 = 0, q2 = 0;
	int w = DC_P56_NTHR, j;         /* the window's least first_reached */

	for (i = 0; i < n; i++) {
		double v = x[i];
		int m;
		p = g * p + (1 - g) * fabs(v);
		q = g * q + (1 - g) * p;
		m = first_reached(q, c);
		cnt[m]++;
		if (m < w)
			w = m;
		if (i > hang) {         /* sample i-I-1 leaves the window */
			double u = x[i - hang - 1];
			p2 = g * p2 + (1 - g) * fabs(u);
			q2 = g * q2 + (1 - g) * p2;
			cnt[first_reached(q2, c)]--;
			while (w < DC_P56_NTHR && cnt[w] == 0)
				w++;
		}
		hist[w]++;
	}
	for (j = 0, sum = 0; j < DC_P56_NTHR; j++)
		a[j] = sum += hist[j];
}

/*
 * answer: the level where A - C = M, from the active levels A[j], the thresholds
 * C[j] (dB) and d[j] = A[j] - C[j] of thresholds top .. n-1 (highest first),
 * into r->level and r->threshold
 */
static void
answer(const double *A, const double *d, const double *C, int top, int n, dc_p56 *r)
{
	int j, lo = n - 1;

	/* from the lowest threshold up: the first where A - C <= M */
	if (d[lo] <= DC_P56_MARGIN) {
		r->level = A[lo];
		r->threshold = C[lo];
	} else {
		for (j = lo - 1; j >= top && d[j] > DC_P56_MARGIN; j--)
			;
		if (j < top) {
			/* never reached the margin: the highest threshold any sample reached */
			r->level = A[top];
			r->threshold = C[top];
		} else {
			/* d[j] <= M < d[j+1]: interpolate in dB between thresholds j+1 and j */
			double t = (d[j + 1] - DC_P56_MARGIN) / (d[j + 1] - d[j]);
			r->level = A[j + 1] + t * (A[j] - A[j + 1]);
			r->threshold = r->level - DC_P56_MARGIN;
		}
	}
}

int
dc_p56_level(const float *x, int64_t n, double rate, dc_p56 *r)
{
	double c[DC_P56_NTHR], A[DC_P56_NTHR], C[DC_P56_NTHR], d[DC_P56_NTHR];
	int64_t a[DC_P56_NTHR], hang, i;
	double g, p, q, qmax, sq;
	int j, top;

	r->level = r->longterm = -INFINITY;
	r->activity = 0;
	r->threshold = -INFINITY;
	if (!(rate > 0) || n < 0)
		return DC_EPARAM;
	g = exp(-1.0 / (rate * DC_P56_TIME));
	/* I = H * rate rounded up; the tiny slack keeps 0.2 * 8000 at 1600 */
	hang = (int64_t)ceil(DC_P56_HANG * rate - 1e-9);

	/* pass 1: energy and the envelope's peak */
	p = q = qmax = sq = 0;
	for (i = 0; i < n; i++) {
		double v = x[i];
		sq += v * v;
		p = g * p + (1 - g) * fabs(v);
		q = g * q + (1 - g) * p;
		if (q > qmax)
			qmax = q;
	}
	if (!(sq > 0) || !(qmax > 0))
		return DC_OK;
	r->longterm = 10 * log10(sq / (double)n);

	/* thresholds, highest first: c[0] = peak, then DC_P56_STEP dB apart */
	for (j = 0; j < DC_P56_NTHR; j++)
		c[j] = qmax * pow(10.0, -DC_P56_STEP * j / 20);

	/* pass 2: activity counts with hangover */
	activity(x, n, g, hang, c, a);
	/* the peak sample itself is at or above c[0] (same arithmetic both passes),
	 * but guard against a count of 0 all the same */
	for (top = 0; top < DC_P56_NTHR && a[top] == 0; top++)
		;
	if (top == DC_P56_NTHR)
		return DC_OK;
	for (j = top; j < DC_P56_NTHR; j++) {
		A[j] = 10 * log10(sq / (double)a[j]);
		C[j] = 20 * log10(c[j]);
		d[j] = A[j] - C[j];
	}

	answer(A, d, C, top, DC_P56_NTHR, r);
	r->activity = (sq / (double)n) / pow(10.0, r->level / 10);
	if (r->activity > 1)
		r->activity = 1;
	return DC_OK;
}

/* ---------------------------------------------------------------- from frames */

void
dc_p56f_init(dc_p56f *s, const dc_stft_params *p)
{
	float *w = dc_xmalloc((size_t)p->nfft * sizeof *w);
	int64_t j;

	memset(s, 0, sizeof *s);
	s->hang = (int64_t)ceil(DC_P56_HANG * (double)p->rate / (double)p->hop - 1e-9);
	s->nfft = p->nfft;
	dc_stft_window(p, w);
	for (j = 0; j < p->nfft; j++)
		s->wsq += (double)w[j] * w[j];
	free(w);
	for (j = 0; j < DC_P56F_NTHR; j++)
		s->last[j] = INT64_MIN / 2;
}

void
dc_p56f_push(dc_p56f *s, const float *X, int64_t T, int64_t F)
{
	int64_t t, f;
	int j, m;

	for (t = 0; t < T; t++, s->t++) {
		const float *x = X + 2 * t * F;
		double e = 0, pw;

		/* bins 0 and 1 left out: a DC offset lands there (the window's
		 * leakage to bin 2 is 23 dB down), and is no speech */
		for (f = 2; f < F; f++) {
			double b = (double)x[2 * f] * x[2 * f] + (double)x[2 * f + 1] * x[2 * f + 1];
			e += 2 * f == s->nfft ? b : 2 * b;
		}
		pw = e / (double)s->nfft / s->wsq;      /* Parseval: the window's mean square */
		if (!isfinite(pw))
			continue;
		s->sum += pw;
		/* the first threshold reached: power at or above 10^((TOP - STEP j) / 10) */
		if (pw > 0) {
			double u = ceil((DC_P56F_TOP - 10 * log10(pw)) / DC_P56_STEP - 1e-9);
			m = u < 0 ? 0 : u > DC_P56F_NTHR ? DC_P56F_NTHR : (int)u;
		} else
			m = DC_P56F_NTHR;
		for (j = m; j < DC_P56F_NTHR; j++)
			s->last[j] = s->t;
		for (j = 0; j < DC_P56F_NTHR; j++)
			s->a[j] += s->t - s->last[j] <= s->hang;
	}
}

double
dc_p56f_level(const dc_p56f *s)
{
	double A[DC_P56F_NTHR], C[DC_P56F_NTHR], d[DC_P56F_NTHR];
	dc_p56 r;
	int j, top;

	if (!(s->sum > 0))
		return -INFINITY;
	for (top = 0; top < DC_P56F_NTHR && s->a[top] == 0; top++)
		;
	if (top == DC_P56F_NTHR)
		return -INFINITY;
	for (j = top; j < DC_P56F_NTHR; j++) {
		A[j] = 10 * log10(s->sum / (double)s->a[j]);
		C[j] = DC_P56F_TOP - DC_P56_STEP * j;
		d[j] = A[j] - C[j];
	}
	answer(A, d, C, top, DC_P56F_NTHR, &r);
	return r.level;
}
