/*
 * test_nn_dropout.c: the two training-only paths of the network, dropout
 * (dc_nn_dropout) and padded sequences (dc_nn_lengths), on tiny models.
 *
 * Dropout: with a fixed key the masks are fixed, so dc_nn_backward must agree with
 * central finite differences of the loss (as in test_nn_gradcheck.c: L = 2, H = 4,
 * D = 3, F = 5, T = 6, B = 2, C = 3, p = 0.3; within 2% of the sample's largest
 * gradient plus 0.005, the rounding of the float loss); the same key gives the same loss,
 * another key another loss, two threads the same loss; about p of the outputs are
 * dropped and the kept ones are scaled by 1/(1-p) (read off the linear layer's
 * gradient of one frame: dW[fd][j] = da[fd] hd[j], dlin_b[fd] = da[fd]); an
 * inference workspace ignores dropout.
 *
 * Padding: a batch of sequences of 6, 4 and 1 frames padded to 6 (weight 0 on the
 * padding) gives each sequence's embeddings and the sum of the gradients of
 * running each alone at its own length, to rounding, with one and two threads and
 * in an inference workspace; finite differences agree with its gradients; and
 * dc_nn_lengths(NULL) gives back the unpadded pass bit for bit.
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "nn.h"
#include "t.h"

enum { T = 6, C = 3, NSAMPLE = 10, BMAX = 3 };
#define STEP 1e-2f
#define TOL 2e-2
#define FLOOR 5e-3      /* float rounding of a loss of about 500 over a step of 2e-2 */
#define P 0.3f
#define KEY 0x1234567ull

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
static int B;

static double
loss_at(void)
{
	dc_nn_forward(nn, V, NULL, feat, B, T);
	return dc_nn_loss(nn, dV, V, lab, w, B, T, C);
}

/* fdcheck: finite differences over a sample of x[0..n) against the analytic g. */
static void
fdcheck(const char *what, const char *name, float *x, const float *g, int64_t n)
{
	double maxg = 0.0, maxd = 0.0;
	int s, ns = n < NSAMPLE ? (int)n : NSAMPLE;
	char buf[200];

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
	snprintf(buf, sizeof buf, "%s gradcheck %s: %d coordinates, max|fd - analytic| %.3g, max|analytic| %.3g",
	    what, name, ns, maxd, maxg);
	if (maxg > 0.0 && maxd <= TOL * maxg + FLOOR)
		printf("PASS: %s\n", buf);
	else {
		printf("FAIL: %s (tolerance %g relative + %g)\n", buf, TOL, FLOOR);
		t_failed++;
	}
}

/* gradcheck_all: every parameter tensor and the features. */
static void
gradcheck_all(const char *what, const float *grads, const float *dfeat, int64_t NF)
{
	int k;

	for (k = 0; k < dc_nn_ntensors(&m.cfg); k++) {
		char name[64];
		int64_t sh[2];
		size_t off;
		int nd;
		dc_nn_tensor(&m.cfg, k, name, sizeof name, &nd, sh, &off);
		fdcheck(what, name, m.params + off, grads + off, nd == 2 ? sh[0] * sh[1] : sh[0]);
	}
	if (dfeat)
		fdcheck(what, "features", feat, dfeat, NF);
}

static double
maxabs(const float *x, int64_t n)
{
	double mx = 0.0;
	int64_t i;

	for (i = 0; i < n; i++)
		if (fabs(x[i]) > mx)
			mx = fabs(x[i]);
	return mx;
}

static double
maxdiff(const float *a, const float *b, int64_t n)
{
	double mx = 0.0;
	int64_t i;

	for (i = 0; i < n; i++)
		if (fabs((double)a[i] - b[i]) > mx || isnan(a[i] - b[i]))
			mx = isnan(a[i] - b[i]) ? INFINITY : fabs((double)a[i] - b[i]);
	return mx;
}

static void
tiny_model(int L, int H, uint64_t seed)
{
	dc_nn_config c;
	int64_t i;
	int k;

	memset(&c, 0, sizeof c);
	c.L = L;
	c.H = H;
	c.D = 3;
	c.nfft = 8;
	c.F = 5;
	c.hop = 2;
	c.rate = 8000;
	strcpy(c.window, "sqrt-hann");
	T_EQ_INT("tiny model", dc_model_new(&m, &c, seed), DC_OK);
	for (i = 0; i < (int64_t)m.nparams; i++)
		m.params[i] *= 2.0f;
	for (k = 0; k < c.F; k++) {
		m.feat_mean[k] = (float)(urand() - 0.5);
		m.feat_std[k] = (float)(0.5 + urand());
	}
}

static void
random_data(int64_t NF)
{
	int64_t i;

	for (i = 0; i < NF; i++) {
		double u = urand();
		feat[i] = (float)(4.0 * urand() - 2.0);
		lab[i] = (int32_t)(urand() * C);
		w[i] = u < 0.2 ? 0.0f : u < 0.4 ? 0.5f : 1.0f;
	}
}

static void
test_dropout(void)
{
	int F = 5, D = 3;
	int64_t NF = (int64_t)BMAX * T * F;
	float *grads, *dfeat;
	double l1, l2, l3, l0;

	tiny_model(2, 4, 7);
	B = 2;
	random_data(NF);
	grads = calloc(m.nparams, sizeof *grads);
	dfeat = calloc((size_t)NF, sizeof *dfeat);
	nn = dc_nn_new(&m, B, T, 1, 1);

	l0 = loss_at();
	dc_nn_dropout(nn, P, KEY);
	l1 = loss_at();
	dc_nn_backward(nn, grads, dfeat, dV, feat, B, T);
	l2 = loss_at();
	printf("# loss %.6g without dropout, %.6g with\n", l0, l1);
	T_OK("dropout: the same key gives the same loss, bit for bit", l1 == l2);
	T_OK("dropout changes the loss", l1 != l0);
	dc_nn_dropout(nn, P, KEY + 1);
	l3 = loss_at();
	T_OK("dropout: another key, another loss", l3 != l1);
	{
		dc_nn *n2 = dc_nn_new(&m, B, T, 2, 1), *ni = dc_nn_new(&m, B, T, 1, 0);
		double l4, l5;
		dc_nn_dropout(n2, P, KEY);
		dc_nn_forward(n2, V, NULL, feat, B, T);
		l4 = dc_nn_loss(n2, dV, V, lab, w, B, T, C);
		T_CLOSE("dropout: two threads draw the same masks (the same loss)", l4, l1, 1e-6 * l1);
		dc_nn_dropout(ni, P, KEY);
		dc_nn_forward(ni, V, NULL, feat, B, T);
		l5 = dc_nn_loss(ni, dV, V, lab, w, B, T, C);
		T_CLOSE("dropout: an inference workspace ignores it", l5, l0, 1e-6 * l0);
		dc_nn_free(n2);
		dc_nn_free(ni);
	}
	dc_nn_dropout(nn, P, KEY);
	gradcheck_all("dropout", grads, dfeat, (int64_t)B * T * F);
	dc_nn_dropout(nn, 0.0f, 0);
	T_OK("dropout off again: the loss without dropout, bit for bit", loss_at() == l0);
	dc_nn_free(nn);
	dc_model_free(&m);
	free(grads);
	free(dfeat);

	/* the fraction dropped and the scale: one frame of a model with 2H = 512 outputs */
	{
		enum { H = 256, NKEY = 10 };
		float *g = NULL, hout[2 * H];
		int64_t kept = 0, total = 0, fd, j;
		double worst = 0.0;
		int key;
		tiny_model(1, H, 3);
		B = 1;
		nn = dc_nn_new(&m, 1, 1, 1, 1);
		g = calloc(m.nparams, sizeof *g);
		for (key = 0; key < NKEY; key++) {
			const float *dw, *db;
			memset(g, 0, m.nparams * sizeof *g);
			dc_nn_dropout(nn, 0.5f, (uint64_t)key);
			dc_nn_forward(nn, V, hout, feat, 1, 1);
			dc_nn_loss(nn, dV, V, lab, NULL, 1, 1, C);
			dc_nn_backward(nn, g, NULL, dV, feat, 1, 1);
			dw = g + (m.p.lin_w - m.params);
			db = g + (m.p.lin_b - m.params);
			fd = 0;
			for (j = 0; j < (int64_t)F * D; j++)
				if (fabs(db[j]) > fabs(db[fd]))
					fd = j;
			for (j = 0; j < 2 * H; j++) {
				total++;
				if (dw[fd * 2 * H + j] != 0.0f) {
					double s = dw[fd * 2 * H + j] / ((double)db[fd] * hout[j]);
					kept++;
					if (fabs(s - 2.0) > worst)
						worst = fabs(s - 2.0);
				}
			}
		}
		printf("# p = 0.5: %lld of %lld outputs kept\n", (long long)kept, (long long)total);
		T_OK("dropout p = 0.5: between 47% and 53% of 5120 outputs kept",
		    kept > 0.47 * total && kept < 0.53 * total);
		T_CLOSE("dropout p = 0.5: kept outputs scaled by 2", worst, 0.0, 1e-4);
		dc_nn_free(nn);
		dc_model_free(&m);
		free(g);
	}
}

static void
test_lengths(void)
{
	static const int len[BMAX] = { 6, 4, 1 };
	int F = 5, D = 3, b, nth;
	int64_t NF = (int64_t)BMAX * T * F, i, t;
	float *grads, *gsum, *g1, *dfeat, *Vs, *V0;
	double l, ls = 0.0;

	tiny_model(2, 4, 11);
	B = BMAX;
	random_data(NF);
	for (b = 0; b < B; b++)         /* padding: weight 0, junk features */
		for (i = (int64_t)len[b] * F; i < (int64_t)T * F; i++)
			w[b * T * F + i] = 0.0f;
	grads = calloc(m.nparams, sizeof *grads);
	gsum = calloc(m.nparams, sizeof *gsum);
	g1 = calloc(m.nparams, sizeof *g1);
	dfeat = calloc((size_t)NF, sizeof *dfeat);
	Vs = calloc((size_t)T * F * D, sizeof *Vs);
	V0 = calloc((size_t)NF * D, sizeof *V0);

	/* each sequence alone at its own length */
	nn = dc_nn_new(&m, 1, T, 1, 1);
	for (b = 0; b < B; b++) {
		dc_nn_forward(nn, Vs, NULL, feat + b * T * F, 1, len[b]);
		ls += dc_nn_loss(nn, dV, Vs, lab + b * T * F, w + b * T * F, 1, len[b], C);
		dc_nn_backward(nn, gsum, NULL, dV, feat + b * T * F, 1, len[b]);
		memcpy(V0 + b * T * F * D, Vs, (size_t)len[b] * F * D * sizeof *Vs);
	}
	dc_nn_free(nn);

	for (nth = 1; nth <= 2; nth++) {
		char name[128];
		double dv = 0.0;
		nn = dc_nn_new(&m, B, T, nth, 1);
		memset(grads, 0, m.nparams * sizeof *grads);
		dc_nn_lengths(nn, len);
		l = loss_at();
		dc_nn_backward(nn, grads, dfeat, dV, feat, B, T);
		for (b = 0; b < B; b++)
			for (t = 0; t < len[b]; t++) {
				double d = maxdiff(V + (b * T + t) * F * D, V0 + (b * T + t) * F * D, (int64_t)F * D);
				dv = d > dv ? d : dv;
			}
		snprintf(name, sizeof name, "padding, %d thread%s: embeddings of each sequence alone", nth,
		    nth > 1 ? "s" : "");
		T_CLOSE(name, dv, 0.0, 1e-5);
		snprintf(name, sizeof name, "padding, %d thread%s: the loss of the sequences alone", nth,
		    nth > 1 ? "s" : "");
		T_CLOSE(name, l, ls, 1e-5 * ls);
		snprintf(name, sizeof name, "padding, %d thread%s: the sum of their gradients", nth,
		    nth > 1 ? "s" : "");
		T_CLOSE(name, maxdiff(grads, gsum, (int64_t)m.nparams), 0.0, 1e-5 * maxabs(gsum, (int64_t)m.nparams));
		if (nth == 1) {
			memset(dfeat, 0, (size_t)NF * sizeof *dfeat);
			memset(grads, 0, m.nparams * sizeof *grads);
			loss_at();
			dc_nn_backward(nn, grads, dfeat, dV, feat, B, T);
			gradcheck_all("padding", grads, dfeat, NF);
			/* back to unpadded passes: as a workspace that never saw lengths */
			{
				dc_nn *n2 = dc_nn_new(&m, B, T, 1, 1);
				double la, lb;
				memset(g1, 0, m.nparams * sizeof *g1);
				memset(grads, 0, m.nparams * sizeof *grads);
				dc_nn_lengths(nn, NULL);
				la = loss_at();
				dc_nn_backward(nn, grads, NULL, dV, feat, B, T);
				dc_nn_forward(n2, V, NULL, feat, B, T);
				lb = dc_nn_loss(n2, dV, V, lab, w, B, T, C);
				dc_nn_backward(n2, g1, NULL, dV, feat, B, T);
				T_OK("dc_nn_lengths(NULL): the unpadded pass, bit for bit",
				    la == lb && memcmp(grads, g1, m.nparams * sizeof *g1) == 0);
				dc_nn_free(n2);
			}
		}
		dc_nn_free(nn);
	}

	/* an inference workspace (dc-embed's, the validation's) pads the same way */
	{
		double dv = 0.0;
		nn = dc_nn_new(&m, B, T, 1, 0);
		dc_nn_lengths(nn, len);
		dc_nn_forward(nn, V, NULL, feat, B, T);
		for (b = 0; b < B; b++)
			for (t = 0; t < len[b]; t++) {
				double d = maxdiff(V + (b * T + t) * F * D, V0 + (b * T + t) * F * D, (int64_t)F * D);
				dv = d > dv ? d : dv;
			}
		T_CLOSE("padding, inference workspace: embeddings of each sequence alone", dv, 0.0, 1e-5);
		dc_nn_free(nn);
	}
	dc_model_free(&m);
	free(grads);
	free(gsum);
	free(g1);
	free(dfeat);
	free(Vs);
	free(V0);
}

int
main(void)
{
	int64_t NF = (int64_t)BMAX * T * 5;

	feat = calloc((size_t)NF, sizeof *feat);
	w = calloc((size_t)NF, sizeof *w);
	lab = calloc((size_t)NF, sizeof *lab);
	V = calloc((size_t)NF * 3, sizeof *V);
	dV = calloc((size_t)NF * 3, sizeof *dV);
	test_dropout();
	test_lengths();
	free(feat);
	free(w);
	free(lab);
	free(V);
	free(dV);
	return t_done();
}
