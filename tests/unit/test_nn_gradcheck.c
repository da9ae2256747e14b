/*
 * test_nn_gradcheck.c: dc_nn_backward against central finite differences of the
 * deep clustering loss, on a tiny model (L = 2, H = 4, D = 3, F = 5, T = 6, B = 2,
 * C = 3) with random weights, features, feature statistics, labels and weights
 * (some 0, some fractional). For each parameter tensor and for the features, a
 * sample of coordinates: (L(x + h) - L(x - h)) / 2h in float with h = 1e-2 must
 * agree with the analytic gradient within 2% of the sample's largest gradient.
 * Also checks that backward accumulates (a second pass doubles the gradients) and
 * that one and two threads agree.
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "nn.h"
#include "t.h"

enum { B = 2, T = 6, C = 3, NSAMPLE = 12 };
#define STEP 1e-2f
#define TOL 2e-2

static uint64_t rng = 88172645463325252ull;

static double
urand(void)     /* [0, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1.0p-53;
}

static dc_model m;
static dc_nn *nn;
static float *feat, *V, *dV, *w;
static int32_t *lab;

static double
loss_at(void)
{
	dc_nn_forward(nn, V, NULL, feat, B, T);
	return dc_nn_loss(nn, dV, V, lab, w, B, T, C);
}

/* check: finite differences over a sample of x[0..n) against the analytic g. */
static void
check(const char *name, float *x, const float *g, int64_t n)
{
	double maxg = 0.0, maxd = 0.0;
	int s, ns = n < NSAMPLE ? (int)n : NSAMPLE;
	char buf[160];

	for (s = 0; s < ns; s++) {
		int64_t i = ns == n ? s : (int64_t)(urand() * (double)n);
		float x0 = x[i];
		double lp, lm, fd;
		x[i] = x0 + STEP;
		lp = loss_at();
		x[i] = x0 - STEP;
		lm = loss_at();
		x[i] = x0;
		fd = (lp - lm) / (2.0 * STEP);
		if (fabs(g[i]) > maxg)
			maxg = fabs(g[i]);
		if (fabs(fd - g[i]) > maxd || isnan(fd - g[i]))
			maxd = isnan(fd - g[i]) ? INFINITY : fabs(fd - g[i]);
	}
	snprintf(buf, sizeof buf, "gradcheck %s: %d coordinates, max|fd - analytic| %.3g, max|analytic| %.3g",
	    name, ns, maxd, maxg);
	if (maxg > 0.0 && maxd <= TOL * maxg)
		printf("PASS: %s\n", buf);
	else {
		printf("FAIL: %s (tolerance %g relative)\n", buf, TOL);
		t_failed++;
	}
}

int
main(void)
{
	dc_nn_config c;
	float *grads, *grads2, *dfeat, *g1;
	int64_t i, NF;
	int k, F, D;
	double l1, l2;

	memset(&c, 0, sizeof c);
	c.L = 2;
	c.H = 4;
	c.D = 3;
	c.nfft = 8;
	c.F = 5;
	c.hop = 2;
	c.rate = 8000;
	strcpy(c.window, "sqrt-hann");
	T_EQ_INT("tiny model", dc_model_new(&m, &c, 7), DC_OK);
	F = c.F;
	D = c.D;
	NF = (int64_t)B * T * F;
	/* weights a little larger than torch's init, so that the gates saturate somewhat */
	for (i = 0; i < (int64_t)m.nparams; i++)
		m.params[i] *= 2.0f;
	for (k = 0; k < F; k++) {
		m.feat_mean[k] = (float)(urand() - 0.5);
		m.feat_std[k] = (float)(0.5 + urand());
	}
	feat = calloc((size_t)NF, sizeof *feat);
	w = calloc((size_t)NF, sizeof *w);
	lab = calloc((size_t)NF, sizeof *lab);
	V = calloc((size_t)NF * D, sizeof *V);
	dV = calloc((size_t)NF * D, sizeof *dV);
	dfeat = calloc((size_t)NF, sizeof *dfeat);
	grads = calloc(m.nparams, sizeof *grads);
	grads2 = calloc(m.nparams, sizeof *grads2);
	for (i = 0; i < NF; i++) {
		double u = urand();
		feat[i] = (float)(4.0 * urand() - 2.0);
		lab[i] = (int32_t)(urand() * C);
		w[i] = u < 0.2 ? 0.0f : u < 0.4 ? 0.5f : 1.0f;
	}

	nn = dc_nn_new(&m, B, T, 1, 1);
	l1 = loss_at();
	dc_nn_backward(nn, grads, dfeat, dV, feat, B, T);
	printf("# loss %.6g\n", l1);
	T_OK("loss is finite and positive", isfinite(l1) && l1 > 0.0);

	/* backward accumulates: a second forward/backward doubles the gradients */
	memcpy(grads2, grads, m.nparams * sizeof *grads);
	l2 = loss_at();
	dc_nn_backward(nn, grads2, NULL, dV, feat, B, T);
	{
		double md = 0.0, mg = 0.0;
		for (i = 0; i < (int64_t)m.nparams; i++) {
			if (fabs(grads2[i] - 2.0 * grads[i]) > md)
				md = fabs(grads2[i] - 2.0 * grads[i]);
			if (fabs(grads[i]) > mg)
				mg = fabs(grads[i]);
		}
		T_OK("loss repeats exactly", l1 == l2);
		T_CLOSE("backward accumulates (+=): a second pass doubles the gradients", md, 0.0, 1e-6 * mg);
	}

	/* one and two threads */
	{
		dc_nn *n2 = dc_nn_new(&m, B, T, 2, 1);
		double md = 0.0, l3;
		g1 = calloc(m.nparams, sizeof *g1);
		dc_nn_forward(n2, V, NULL, feat, B, T);
		l3 = dc_nn_loss(n2, dV, V, lab, w, B, T, C);
		dc_nn_backward(n2, g1, NULL, dV, feat, B, T);
		for (i = 0; i < (int64_t)m.nparams; i++)
			if (fabs(g1[i] - grads[i]) > md)
				md = fabs(g1[i] - grads[i]);
		T_CLOSE("two threads: same loss", l3, l1, 1e-6 * l1);
		T_CLOSE("two threads: same gradients", md, 0.0, 1e-5 * l1);
		dc_nn_free(n2);
		free(g1);
	}

	/* Adam and the sum of squares: against a reference in double that keeps its
	 * own moments and parameters over the steps; the same bits on one and two
	 * threads */
	{
		enum { NP = 1003 };
		float p1[NP], m1[NP], v1[NP], p2[NP], m2[NP], v2[NP], g[NP];
		static double pr[NP], mr[NP], vr[NP];
		double md = 0.0, dm = 0.0, dv = 0.0, s1, s2, sref = 0.0;
		dc_nn *n2 = dc_nn_new(&m, B, T, 2, 1);
		int step;
		for (i = 0; i < NP; i++) {
			p1[i] = p2[i] = (float)(urand() - 0.5);
			pr[i] = p1[i];
			m1[i] = m2[i] = v1[i] = v2[i] = 0.0f;
			mr[i] = vr[i] = 0.0;
		}
		for (step = 1; step <= 3; step++) {
			for (i = 0; i < NP; i++) {
				double gg;
				g[i] = (float)(urand() - 0.5);
				gg = 0.5 * g[i];
				mr[i] = 0.9 * mr[i] + 0.1 * gg;
				vr[i] = 0.999 * vr[i] + 0.001 * gg * gg;
				pr[i] -= 0.01 / (1 - pow(0.9, step)) * mr[i] /
				    (sqrt(vr[i] / (1 - pow(0.999, step))) + 1e-8);
				dc_nn_adam(nn, p1 + i, m1 + i, v1 + i, g + i, 1, 0.5f, 0.01, step);
				if (fabs(p1[i] - pr[i]) > md)
					md = fabs(p1[i] - pr[i]);
				dm = fmax(dm, fabs(m1[i] - mr[i]));
				dv = fmax(dv, fabs(v1[i] - vr[i]));
			}
			dc_nn_adam(n2, p2, m2, v2, g, NP, 0.5f, 0.01, step);
		}
		T_CLOSE("dc_nn_adam agrees with Adam in double over 3 steps: parameters", md, 0.0, 1e-6);
		/* |g| < 0.25 after the 0.5 scale: m within 0.25, v within 0.0625 */
		T_CLOSE("... first moments", dm, 0.0, 1e-7);
		T_CLOSE("... second moments", dv, 0.0, 1e-9);
		T_OK("dc_nn_adam: vectors on two threads give the bits of scalars on one",
		    memcmp(p1, p2, sizeof p1) == 0 && memcmp(m1, m2, sizeof m1) == 0 && memcmp(v1, v2, sizeof v1) == 0);
		for (i = 0; i < NP; i++)
			sref += (double)g[i] * g[i];
		s1 = dc_nn_sumsq(nn, g, NP);
		s2 = dc_nn_sumsq(n2, g, NP);
		T_CLOSE("dc_nn_sumsq, one thread", s1, sref, 1e-12 * sref);
		T_CLOSE("dc_nn_sumsq, two threads", s2, sref, 1e-12 * sref);
		dc_nn_free(n2);
	}

	for (k = 0; k < dc_nn_ntensors(&c); k++) {
		char name[64];
		int64_t sh[2];
		size_t off;
		int nd;
		dc_nn_tensor(&c, k, name, sizeof name, &nd, sh, &off);
		check(name, m.params + off, grads + off, nd == 2 ? sh[0] * sh[1] : sh[0]);
	}
	check("features", feat, dfeat, NF);

	dc_nn_free(nn);
	dc_model_free(&m);
	free(feat);
	free(w);
	free(lab);
	free(V);
	free(dV);
	free(dfeat);
	free(grads);
	free(grads2);
	return t_done();
}
