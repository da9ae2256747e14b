/*
 * test_mi_head.c: the mask-inference head (Chimera++) in the network: the
 * gradient of alpha DC / norm + (1 - alpha) MI / mnorm through the head
 * (dc_mi_head_backward) and the BLSTM (dc_nn_backward_h) against central finite
 * differences, on a tiny model (L = 2, H = 4, D = 3, F = 5, T = 6, B = 2, C = 2
 * sources) with random weights, features, labels, magnitudes and targets, with
 * and without dropout (fixed masks) and a padded sequence; the head's logits
 * against a plain loop; the masks of
 * dc_mi_masks sum to 1 and are the softmax of the head's logits; a model with a
 * head is written as version 2 with mi_sources and reads back the same, one
 * without a head as version 1; the configuration's limits.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "mm.h"
#include "mi.h"
#include "nn.h"
#include "t.h"

enum { B = 2, T = 6, C = 2, NSAMPLE = 10 };
#define STEP 1e-2f
#define TOL 3e-2
#define ALPHA 0.4

static uint64_t rng = 0x2545F4914F6CDD1Dull;

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
static dc_mm *mm;
static float *feat, *V, *dV, *w, *h, *dh, *z, *dz, *mag, *A, *scratch;
static int32_t *lab;
static int F, H2, CF;
static double norm, mnorm;

/* loss_at: the combined loss; dV and dz hold its gradients as the step uses them */
static double
loss_at(void)
{
	double dcl, mil = 0.0;
	int64_t b, i;

	dc_nn_forward(nn, V, h, feat, B, T);
	dcl = dc_nn_loss(nn, dV, V, lab, w, B, T, 3) / norm;
	for (i = 0; i < (int64_t)B * T * F * m.cfg.D; i++)
		dV[i] *= (float)(ALPHA / norm);
	dc_mi_head_forward(mm, z, h, m.p.mi_w, m.p.mi_b, B * T, H2, CF);
	memset(dz, 0, (size_t)B * T * CF * sizeof *dz);
	for (b = 0; b < B; b++)
		mil += dc_mi_segment_loss(dz + b * T * CF, z + b * T * CF, mag + b * T * F,
		    A + b * C * T * F, NULL, C, T, F, (1.0 - ALPHA) / mnorm, scratch);
	return ALPHA * dcl + (1.0 - ALPHA) * mil / mnorm;
}

/* gradient: the analytic gradient of loss_at into grads (zeroed first). */
static void
gradient(float *grads)
{
	memset(grads, 0, m.nparams * sizeof *grads);
	loss_at();
	memset(dh, 0, (size_t)B * T * H2 * sizeof *dh);
	dc_mi_head_backward(mm, grads + (m.p.mi_w - m.params), grads + (m.p.mi_b - m.params), dh, dz,
	    h, m.p.mi_w, B * T, H2, CF);
	dc_nn_backward_h(nn, grads, NULL, dV, dh, feat, B, T);
}

/* check: finite differences over a sample of tensor k's coordinates. */
static void
check(const char *what, int k, const float *g)
{
	char name[64], buf[200];
	int64_t shape[2];
	size_t off, n;
	double maxg = 0.0, maxd = 0.0;
	int nd, s, ns;

	dc_nn_tensor(&m.cfg, k, name, sizeof name, &nd, shape, &off);
	n = (size_t)shape[0] * (nd == 2 ? (size_t)shape[1] : 1);
	ns = n < NSAMPLE ? (int)n : NSAMPLE;
	for (s = 0; s < ns; s++) {
		size_t i = off + (ns == (int)n ? (size_t)s : (size_t)(urand() * (double)n));
		float x0 = m.params[i];
		double lp, lm, fd;
		m.params[i] = x0 + STEP;
		lp = loss_at();
		m.params[i] = x0 - STEP;
		lm = loss_at();
		m.params[i] = x0;
		fd = (lp - lm) / (2.0 * STEP);
		if (fabs(g[i]) > maxg)
			maxg = fabs(g[i]);
		if (!(fabs(fd - g[i]) <= maxd))
			maxd = isnan(fd - g[i]) ? INFINITY : fabs(fd - g[i]);
	}
	snprintf(buf, sizeof buf, "gradcheck %s %s: %d coordinates, max|fd - analytic| %.3g, "
	    "max|analytic| %.3g", what, name, ns, maxd, maxg);
	if (maxg > 0.0 && maxd <= TOL * maxg)
		printf("PASS: %s\n", buf);
	else {
		printf("FAIL: %s (tolerance %g relative)\n", buf, TOL);
		t_failed++;
	}
}

static void
gradchecks(const char *what)
{
	float *grads = calloc(m.nparams, sizeof *grads);
	int k;

	gradient(grads);
	for (k = 0; k < dc_nn_ntensors(&m.cfg); k++)
		check(what, k, grads);
	free(grads);
}

static void
masks_and_files(void)
{
	float *masks = calloc((size_t)C * T * F, sizeof *masks);
	double worst = 0.0, worst_sm = 0.0;
	int64_t t, f;
	dc_model r;
	char path[] = "/tmp/test_mi_head.XXXXXX";
	int fd, c, same;

	/* the masks of utterance 0: a softmax over the sources of each bin's logits */
	dc_nn_forward(nn, V, h, feat, B, T);
	dc_mi_head_forward(mm, z, h, m.p.mi_w, m.p.mi_b, B * T, H2, CF);
	dc_mi_masks(masks, z, T, C, F);
	{       /* the head's logits against a plain loop in double */
		double md = 0.0, mz = 0.0;
		int64_t rr, j, q;
		for (rr = 0; rr < (int64_t)B * T; rr++)
			for (j = 0; j < CF; j++) {
				double acc = m.p.mi_b[j];
				for (q = 0; q < H2; q++)
					acc += (double)h[rr * H2 + q] * m.p.mi_w[j * H2 + q];
				md = fmax(md, fabs(acc - z[rr * CF + j]));
				mz = fmax(mz, fabs(acc));
			}
		T_CLOSE("head: z = h W^T + b, as a plain loop", md, 0.0, 1e-5 * mz);
	}
	for (t = 0; t < T; t++)
		for (f = 0; f < F; f++) {
			double s = 0.0, den = 0.0;
			for (c = 0; c < C; c++) {
				s += masks[((int64_t)c * T + t) * F + f];
				den += exp(z[t * CF + c * F + f]);
			}
			worst = fmax(worst, fabs(s - 1.0));
			for (c = 0; c < C; c++)
				worst_sm = fmax(worst_sm, fabs(masks[((int64_t)c * T + t) * F + f] -
				    exp(z[t * CF + c * F + f]) / den));
		}
	T_CLOSE("masks: each bin's sum over the sources is 1", worst, 0.0, 1e-6);
	T_CLOSE("masks: the softmax of the logits (c*F + f of a frame's row)", worst_sm, 0.0, 1e-6);
	free(masks);

	/* the file: version 2 with mi_sources, read back the same */
	fd = mkstemp(path);
	close(fd);
	T_EQ_INT("save a model with a head", dc_model_save(&m, path), DC_OK);
	T_EQ_INT("load it", dc_model_load(&r, path), DC_OK);
	same = r.cfg.C == C && r.nparams == m.nparams &&
	    memcmp(r.params, m.params, m.nparams * sizeof *m.params) == 0 && r.p.mi_w != NULL &&
	    r.p.mi_w - r.params == m.p.mi_w - m.params;
	T_OK("the head's sources and every parameter read back", same);
	{
		FILE *fp = fopen(path, "rb");
		unsigned char buf[64];
		size_t n = fread(buf, 1, sizeof buf, fp), j;
		int found = 0;
		fclose(fp);
		/* "version" then its value as a positive fixint, right after magic */
		for (j = 0; j + 8 <= n; j++)
			found |= memcmp(buf + j, "version\x02", 8) == 0;
		T_OK("written as version 2", found);
	}
	dc_model_free(&r);
	unlink(path);
}

int
main(void)
{
	dc_nn_config c;
	int64_t i, NF;
	int k, lens[B] = { T, T - 2 };

	memset(&c, 0, sizeof c);
	c.L = 2;
	c.H = 4;
	c.D = 3;
	c.C = C;
	c.nfft = 8;
	c.F = 5;
	c.hop = 2;
	c.rate = 8000;
	strcpy(c.window, "sqrt-hann");
	T_EQ_INT("tiny model with a head of 2 sources", dc_model_new(&m, &c, 11), DC_OK);
	T_EQ_INT("tensors: 8L + 4", dc_nn_ntensors(&c), 8 * c.L + 4);
	F = c.F;
	H2 = 2 * c.H;
	CF = C * F;
	NF = (int64_t)B * T * F;
	for (i = 0; i < (int64_t)m.nparams; i++)
		m.params[i] *= 2.0f;
	for (k = 0; k < F; k++) {
		m.feat_mean[k] = (float)(urand() - 0.5);
		m.feat_std[k] = (float)(0.5 + urand());
	}
	feat = calloc((size_t)NF, sizeof *feat);
	w = calloc((size_t)NF, sizeof *w);
	lab = calloc((size_t)NF, sizeof *lab);
	V = calloc((size_t)NF * c.D, sizeof *V);
	dV = calloc((size_t)NF * c.D, sizeof *dV);
	h = calloc((size_t)B * T * H2, sizeof *h);
	dh = calloc((size_t)B * T * H2, sizeof *dh);
	z = calloc((size_t)B * T * CF, sizeof *z);
	dz = calloc((size_t)B * T * CF, sizeof *dz);
	mag = calloc((size_t)NF, sizeof *mag);
	A = calloc((size_t)NF * C, sizeof *A);
	scratch = calloc((size_t)2 * T * CF, sizeof *scratch);
	norm = 0.0;
	mnorm = 0.0;
	for (i = 0; i < NF; i++) {
		double u = urand();
		feat[i] = (float)(4.0 * urand() - 2.0);
		lab[i] = (int32_t)(urand() * 3);
		w[i] = u < 0.2 ? 0.0f : 1.0f;
		mag[i] = (float)(0.1 + 2.0 * urand());
		mnorm += mag[i];
	}
	/* targets between 0 and the magnitude, as tPSA's, laid out (B, C, T, F) */
	for (i = 0; i < (int64_t)B * C * T * F; i++) {
		int64_t b = i / (C * T * F), tf = i % (T * F);
		A[i] = (float)(urand() * mag[b * T * F + tf]);
	}
	for (i = 0; i < B; i++) {
		double s = 0.0;
		for (k = 0; k < T * F; k++)
			s += w[i * T * F + k];
		norm += s * s;
	}
	mm = dc_mm_new(DC_MM_F32);
	nn = dc_nn_new(&m, B, T, 1, 1);
	T_OK("combined loss finite and positive", isfinite(loss_at()) && loss_at() > 0.0);
	gradchecks("(no dropout)");
	dc_nn_dropout(nn, 0.3f, 12345);
	gradchecks("(dropout 0.3)");
	dc_nn_dropout(nn, 0.0f, 0);
	/* a padded sequence: its padding has no magnitude, no target, no weight */
	for (k = lens[1] * F; k < T * F; k++) {
		int cc;
		feat[T * F + k] = 0.0f;
		w[T * F + k] = 0.0f;
		mnorm -= mag[T * F + k];
		mag[T * F + k] = 0.0f;
		for (cc = 0; cc < C; cc++)
			A[(C + cc) * T * F + k] = 0.0f;
	}
	dc_nn_lengths(nn, lens);
	gradchecks("(a padded sequence)");
	dc_nn_lengths(nn, NULL);
	masks_and_files();

	c.C = DC_MI_CMAX + 1;
	T_EQ_INT("config: 7 sources refused", dc_nn_config_check(&c), DC_EMODEL);
	c.C = -1;
	T_EQ_INT("config: -1 sources refused", dc_nn_config_check(&c), DC_EMODEL);

	dc_nn_free(nn);
	dc_mm_free(mm);
	dc_model_free(&m);
	free(feat);
	free(w);
	free(lab);
	free(V);
	free(dV);
	free(h);
	free(dh);
	free(z);
	free(dz);
	free(mag);
	free(A);
	free(scratch);
	return t_done();
}
