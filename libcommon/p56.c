/*
 * p56.c: active speech level per ITU-T P.56 method B; the algorithm and every
 * choice it makes are described in p56.h.
 *
 * Two passes over the signal: the first finds the peak of the envelope (which
 * anchors the thresholds) and the energy, the second runs the envelope again and
 * counts active samples at every threshold. Nothing is allocated.
 */
#include <math.h>
#include <string.h>

#include "util.h"
#include "p56.h"

int
dc_p56_level(const float *x, int64_t n, double rate, dc_p56 *r)
{
	double c[DC_P56_NTHR], A[DC_P56_NTHR], d[DC_P56_NTHR];
	int64_t a[DC_P56_NTHR], h[DC_P56_NTHR], hang, i;
	double g, p, q, qmax, sq;
	int j, lo, top;

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
	for (j = 0; j < DC_P56_NTHR; j++) {
		c[j] = qmax * pow(10.0, -DC_P56_STEP * j / 20);
		a[j] = 0;
		h[j] = hang;
	}

	/* pass 2: activity counts with hangover */
	p = q = 0;
	for (i = 0; i < n; i++) {
		double v = x[i];
		p = g * p + (1 - g) * fabs(v);
		q = g * q + (1 - g) * p;
		for (j = 0; j < DC_P56_NTHR; j++) {
			if (q >= c[j]) {
				a[j]++;
				h[j] = 0;
			} else if (h[j] < hang) {
				a[j]++;
				h[j]++;
			}
		}
	}
	/* the peak sample itself is at or above c[0] (same arithmetic both passes),
	 * but guard against a count of 0 all the same */
	for (top = 0; top < DC_P56_NTHR && a[top] == 0; top++)
		;
	if (top == DC_P56_NTHR)
		return DC_OK;
	for (j = top; j < DC_P56_NTHR; j++) {
		A[j] = 10 * log10(sq / (double)a[j]);
		d[j] = A[j] - 20 * log10(c[j]);
	}

	/* from the lowest threshold up: the first where A - C <= M */
	lo = DC_P56_NTHR - 1;
	if (d[lo] <= DC_P56_MARGIN) {
		r->level = A[lo];
		r->threshold = 20 * log10(c[lo]);
	} else {
		for (j = lo - 1; j >= top && d[j] > DC_P56_MARGIN; j--)
			;
		if (j < top) {
			/* never reached the margin: the highest threshold any sample reached */
			r->level = A[top];
			r->threshold = 20 * log10(c[top]);
		} else {
			/* d[j] <= M < d[j+1]: interpolate in dB between thresholds j+1 and j */
			double t = (d[j + 1] - DC_P56_MARGIN) / (d[j + 1] - d[j]);
			r->level = A[j + 1] + t * (A[j] - A[j + 1]);
			r->threshold = r->level - DC_P56_MARGIN;
		}
	}
	r->activity = (sq / (double)n) / pow(10.0, r->level / 10);
	if (r->activity > 1)
		r->activity = 1;
	return DC_OK;
}
