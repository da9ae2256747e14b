/*
 * nn.c: the deep clustering network's passes (nn.h): forward and backward of
 * features -> L BLSTM layers -> linear -> tanh -> unit-norm embeddings, with
 * padding and dropout; the parameter layout, the workspace and its memory. The
 * rest of the network is in its own files: pool.c (the threads the phases run
 * on), recgemm.c (the recurrent steps' product), dcloss.c (the loss and the
 * bins' weights), adam.c (the optimiser); nn_impl.h is the workspace they share,
 * model.c the model file.
 *
 * Shapes: B batch, T frames, F bins, D embedding dim, H units per direction,
 * G = 4H gate rows, in = F (layer 0) or 2H, FD = F*D. Row r = b*T + t of a
 * (B,T,...) buffer is frame t of utterance b.
 *
 * Layout of the work: every BLSTM layer does, per direction, one GEMM for the
 * input projections of all B*T frames, then T recurrent steps of one (B,H)x(H,4H)
 * product (dc_rec_step: a small-M kernel on W_hh packed once per pass) added in
 * place into the gate buffer, each followed by the fused gate arithmetic; the
 * output layer is one GEMM. The GEMMs go through dc_mm_gemm (mm.h: oneDNN's
 * matmul, in fp32 or with bf16 operands and fp32 accumulation, dc_nn_precision);
 * the recurrent products with bf16 operands in bf16 and mixed precision where the
 * CPU has AVX512_BF16 (recgemm.h), else in fp32, and in mixed inference the
 * output layer's GEMM and the input GEMMs from the third layer on (MIXED_IN_BF16)
 * in bf16 too where bf16 products are the faster; the gate
 * arithmetic, the cell state, the loss and every gradient's accumulation stay
 * fp32. A pass is a sequence of phases, each run on every thread of the pool
 * with the pass's arguments (struct pass): the two directions of a layer run on
 * two threads; the output layer and the input gradients are split by rows over
 * every thread. Forward and backward kernels come in pairs with the same argument
 * order; backward accumulates (+=) into the parameter gradients and overwrites
 * the activations it no longer needs.
 *
 * Results are deterministic for a given CPU kind (AVX-512 or not; in mixed
 * precision, bf16 products the faster or not: dc_mm_bf16_fast), thread count,
 * precision and input; they differ between those in rounding only.
 */
/* The gate and output loops must vectorise: the select in the branch-free math
 * needs no-trapping-math (results are unchanged; this is not fast-math), and -O2's
 * very cheap cost model refuses loops of unknown length. */
#pragma GCC optimize("no-trapping-math", "no-math-errno", "vect-cost-model=dynamic")

#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "util.h"
#include "util_impl.h"
#include "rng.h"
#include "mm.h"
#include "nn.h"
#include "p56.h"
#include "mi.h"
#include "stft.h"
#include "pool.h"
#include "recgemm.h"
#include "nn_impl.h"


/* ---------------------------------------------------------------- layout */

int
dc_nn_config_check(const dc_nn_config *c)
{
	if (c->L < 1 || c->L > DC_NN_MAXL || c->H < 1 || c->H > 8192 || c->D < 1 ||
	    c->D > 1024 || c->F < 1 || c->F > 32769)
		return DC_EMODEL;
	if (c->nfft < 4 || c->nfft > 65536 || c->nfft % 2 || c->F != c->nfft / 2 + 1 ||
	    c->hop < 1 || c->hop > c->nfft / 2 || c->rate < 1 || c->rate > 1000000)
		return DC_EMODEL;
	if (strcmp(c->window, "sqrt-hann") != 0 && strcmp(c->window, "hann") != 0)
		return DC_EMODEL;
	if ((int64_t)c->F * c->D > (INT64_C(1) << 24))
		return DC_EMODEL;
	if (c->C < 0 || c->C > DC_MI_CMAX)
		return DC_EMODEL;
	return DC_OK;
}

int
dc_nn_ntensors(const dc_nn_config *c)
{
	return 8 * c->L + 2 + (c->C > 0 ? 2 : 0);
}

void
dc_nn_tensor(const dc_nn_config *c, int i, char *name, size_t n, int *ndim,
    int64_t shape[2], size_t *offset)
{
	size_t off = 0;
	int64_t G = 4 * (int64_t)c->H;
	int j;

	for (j = 0; j <= i; j++) {
		int k = j / 8, w = j % 8 % 4, rev = j % 8 / 4;
		int64_t in = k == 0 ? c->F : 2 * (int64_t)c->H;
		static const char *const base[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
		const int64_t cols[4] = { in, c->H, 1, 1 };     /* of base[w]; biases 1 */
		int nd;
		int64_t s0, s1;

		if (j >= 8 * c->L) {    /* lin.weight, lin.bias, mi.weight, mi.bias */
			int bias = (j - 8 * c->L) % 2, mi = j - 8 * c->L >= 2;
			nd = bias ? 1 : 2;
			s0 = (int64_t)c->F * (mi ? c->C : c->D);
			s1 = bias ? 1 : 2 * (int64_t)c->H;
			if (j == i)
				snprintf(name, n, "%s.%s", mi ? "mi" : "lin", bias ? "bias" : "weight");
		} else {
			nd = w < 2 ? 2 : 1;
			s0 = G;
			s1 = cols[w];
			if (j == i)
				snprintf(name, n, "blstm.%s_l%d%s", base[w], k, rev ? "_reverse" : "");
		}
		if (j == i) {
			*ndim = nd;
			shape[0] = s0;
			shape[1] = nd == 2 ? s1 : 0;
			*offset = off;
		}
		off += (size_t)(s0 * s1);
	}
}

size_t
dc_nn_nparams(const dc_nn_config *c)
{
	char name[64];
	int64_t shape[2];
	size_t off;
	int nd, last = dc_nn_ntensors(c) - 1;

	dc_nn_tensor(c, last, name, sizeof name, &nd, shape, &off);
	return off + (size_t)shape[0];
}

void
dc_nn_point(dc_nn_params *p, float *buf, const dc_nn_config *c)
{
	char name[64];
	int64_t shape[2];
	size_t off;
	int i, nd;

	memset(p, 0, sizeof *p);
	for (i = 0; i < dc_nn_ntensors(c); i++) {
		float *q;
		dc_nn_tensor(c, i, name, sizeof name, &nd, shape, &off);
		q = buf + off;
		if (i >= 8 * c->L) {
			float **top[4] = { &p->lin_w, &p->lin_b, &p->mi_w, &p->mi_b };
			*top[i - 8 * c->L] = q;
			continue;
		}
		switch (i % 4) {
		case 0: p->w_ih[i / 8][i % 8 / 4] = q; break;
		case 1: p->w_hh[i / 8][i % 8 / 4] = q; break;
		case 2: p->b_ih[i / 8][i % 8 / 4] = q; break;
		case 3: p->b_hh[i / 8][i % 8 / 4] = q; break;
		}
	}
}

/* ---------------------------------------------------------------- math */

/* DC_NN_CLONES: the element-wise loops of the gates and the output layer in
 * 512-bit vectors where the CPU has AVX-512 (a clone chosen once, at load), else
 * as built. Each lane does the same operations, fmaf included, so the results are
 * the same bits either way. */
/* (target_clones needs the C library's ifunc: glibc has it, musl not) */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__GLIBC__) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define DC_NN_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#endif
#endif
#ifndef DC_NN_CLONES
#define DC_NN_CLONES
#endif

/*
 * Branch-free exp, sigmoid and tanh that gcc vectorises (Cephes expf and tanhf
 * polynomials, a few ulp): the gate and output loops spend most of their time here.
 */
static inline float
fexp(float x)
{
	union { int32_t i; float f; } u;
	float n, r, p, in = x;

	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	x = x == x ? x : 0.0f;          /* NaN: the integer part below must stay defined */
	n = x * 1.44269504088896341f + 12582912.0f;     /* round to nearest by the 1.5*2^23 trick */
	n -= 12582912.0f;
	r = fmaf(n, -0.693359375f, x);
	r = fmaf(n, 2.12194440e-4f, r);
	p = 1.9875691500e-4f;
	p = fmaf(p, r, 1.3981999507e-3f);
	p = fmaf(p, r, 8.3334519073e-3f);
	p = fmaf(p, r, 4.1665795894e-2f);
	p = fmaf(p, r, 1.6666665459e-1f);
	p = fmaf(p, r, 5.0000001201e-1f);
	p = fmaf(p, r * r, r) + 1.0f;
	u.i = (int32_t)n + 127;         /* 1..254: the shift stays within int32_t */
	u.i <<= 23;
	return in == in ? p * u.f : in;
}

static inline float
fsigm(float x)
{
	return 1.0f / (1.0f + fexp(-x));
}

static inline float
ftanh(float x)
{
	float ax = fabsf(x), z = x * x, p, q;

	p = -5.70498872745e-3f;
	p = fmaf(p, z, 2.06390887954e-2f);
	p = fmaf(p, z, -5.37397155531e-2f);
	p = fmaf(p, z, 1.33314422036e-1f);
	p = fmaf(p, z, -3.33332819422e-1f);
	p = fmaf(p * z, x, x);
	q = 1.0f - 2.0f / (fexp(2.0f * ax) + 1.0f);
	q = x < 0.0f ? -q : q;
	return ax < 0.625f ? p : q;
}

/* ---------------------------------------------------------------- memory */

void *
dc_nn_alloc(size_t bytes)
{
	void *p = dc_huge_alloc(bytes);

	memset(p, 0, bytes);
	return p;
}

/* big: dc_nn_alloc of n floats. */
static float *
big(size_t n)
{
	return dc_nn_alloc(n * sizeof(float));
}

static void
nn_release(dc_nn *n)
{
	int k, d;

	free(n->x0);
	free(n->a);
	free(n->zero);
	/* direction 1's buffers may be direction 0's (nn_alloc) */
	if (n->pack[1] != n->pack[0])
		free(n->pack[1]);
	if (n->ab[1] != n->ab[0])
		free(n->ab[1]);
	free(n->pack[0]);
	free(n->ab[0]);
	memset(n->pack, 0, sizeof n->pack);
	memset(n->ab, 0, sizeof n->ab);
	for (d = 0; d < 2; d++) {
		free(n->dh[d]);
		free(n->dcarry[d]);
	}
	for (k = 0; k < DC_NN_MAXL; k++) {
		free(n->h[k]);
		free(n->hd[k]);
		free(n->dmask[k]);
		n->hd[k] = NULL;
		n->dmask[k] = NULL;
		if (n->gates[k][1] != n->gates[k][0])
			free(n->gates[k][1]);
		free(n->gates[k][0]);
		for (d = 0; d < 2; d++) {
			free(n->cell[k][d]);
			free(n->tcell[k][d]);
			free(n->bias[k][d]);
		}
	}
	n->x0 = n->a = n->zero = NULL;
	memset(n->dh, 0, sizeof n->dh);
	memset(n->dcarry, 0, sizeof n->dcarry);
	memset(n->h, 0, sizeof n->h);
	memset(n->gates, 0, sizeof n->gates);
	memset(n->cell, 0, sizeof n->cell);
	memset(n->tcell, 0, sizeof n->tcell);
	memset(n->bias, 0, sizeof n->bias);
}

/* drop_alloc: the dropout buffers for n->rows frames. */
static void
drop_alloc(dc_nn *n)
{
	size_t BT2H = (size_t)n->rows * 2 * n->c.H;
	int k;

	for (k = 0; k < n->c.L; k++) {
		free(n->hd[k]);
		free(n->dmask[k]);
		n->hd[k] = big(BT2H);
		n->dmask[k] = dc_nn_alloc(BT2H);
	}
}

/* rec_kernel: the recurrent steps' buffers and kernel for n's precision: bf16
 * operands where bf16 or mixed was chosen and the CPU has AVX512_BF16, else fp32. */
static void
rec_kernel(dc_nn *n)
{
	int d, bf = (n->prec == DC_MM_BF16 || n->prec == DC_MM_MIXED) && dc_rec_bf16();

	for (d = 0; d < 2; d++) {
		n->rec[d].P = n->pack[d];
		n->rec[d].ab = n->ab[d];
		n->rec[d].pw = bf ? 0 : dc_rec_pw();
	}
}

/* nn_alloc: the workspace for batches of at most B sequences and rows frames in
 * all (B x T <= rows): a (B,T,...) buffer is laid out by the pass's own T, so its
 * size is a matter of rows alone, and only the per-sequence state of inference,
 * (B,H), of B. Sized by rows, not by the longest T times the largest B that ever
 * came (dc-embed -b: one long utterance and a batch of short ones). */
static void
nn_alloc(dc_nn *n, int B, int64_t rows)
{
	const dc_nn_config *c = &n->c;
	size_t BT = (size_t)rows, H = c->H, G = 4 * H, F = c->F, FD = (size_t)c->F * c->D;
	size_t wide = 2 * H > F ? 2 * H : F;
	/* layers with gates and cells kept, layer outputs: all in training; inference
	 * reuses one, and two outputs in turn */
	int k, d, nl = n->train ? c->L : 1, nh = n->train || c->L < 2 ? c->L : 2;
	/* inference on one thread runs the directions one after the other
	 * (dir_mine): they share the gates and the packed W_hh, 7.5 MB of fresh
	 * memory less for 10 s and 4x300 */
	int share = !n->train && n->nth == 1;

	nn_release(n);
	n->Bmax = B;
	n->rows = rows;
	n->x0 = big(BT * F);
	n->zero = big(H);
	for (d = 0; d < 2; d++) {
		/* W_hh packed for the steps forward (K = H, N = 4H) and backward
		 * (K = 4H, N = H), fp32 panels at most 4H (H + 16) floats, bf16 ones
		 * half that; the bf16 scratch for 8 rows of 4H */
		n->pack[d] = share && d ? n->pack[0] : big(G * (H + 16));
		n->ab[d] = share && d ? n->ab[0] : dc_nn_alloc(8 * ((G + 1) / 2) * sizeof(uint32_t));
	}
	rec_kernel(n);
	for (k = 0; k < nh; k++)
		n->h[k] = big(BT * 2 * H);
	for (k = 0; k < nl; k++)
		for (d = 0; d < 2; d++) {
			n->gates[k][d] = share && d ? n->gates[k][0] : big(BT * G);
			n->cell[k][d] = big(n->train ? BT * H : (size_t)B * H);
			n->tcell[k][d] = big(n->train ? BT * H : (size_t)B * H);
		}
	for (k = 0; k < c->L; k++)
		for (d = 0; d < 2; d++)
			n->bias[k][d] = big(G);
	if (n->train && n->dp > 0.0f)
		drop_alloc(n);
	if (n->train) {
		n->a = big(BT * FD);
		for (d = 0; d < 2; d++) {
			n->dh[d] = big(BT * wide);
			n->dcarry[d] = big((size_t)B * H);
		}
	}
}

dc_nn *
dc_nn_new(const dc_model *m, int Bmax, int Tmax, int nthreads, int train)
{
	dc_nn *n = dc_xcalloc(1, sizeof *n);
	int i;

	n->m = m;
	n->c = m->cfg;
	n->train = train;
	n->nth = nthreads < 1 ? 1 : nthreads;
	if (n->nth > DC_NN_MAXTHREADS)
		n->nth = DC_NN_MAXTHREADS;
	(void)dc_nn_avx512();   /* the CPU check, once, before any thread runs */
	for (i = 0; i < (n->nth > 2 ? n->nth : 2); i++)
		n->mm[i] = dc_mm_new(DC_MM_F32);
	Bmax = Bmax < 1 ? 1 : Bmax;
	nn_alloc(n, Bmax, (int64_t)Bmax * (Tmax < 1 ? 1 : Tmax));
	n->pool = dc_pool_new(n->nth);
	return n;
}

void
dc_nn_free(dc_nn *n)
{
	int i;

	if (n == NULL)
		return;
	dc_pool_free(n->pool);
	nn_release(n);
	for (i = 0; i < DC_NN_MAXTHREADS; i++) {
		dc_mm_free(n->mm[i]);
		dc_mm_free(n->mmo[i]);
		free(n->lossA[i]);
		free(n->lossB[i]);
	}
	free(n->lossb);
	free(n->linbf);
	free(n);
}

void
dc_nn_reserve(dc_nn *n, int B, int T)
{
	int64_t rows = (int64_t)B * T;

	if (B > n->Bmax || rows > n->rows)
		nn_alloc(n, B > n->Bmax ? B : n->Bmax, rows > n->rows ? rows : n->rows);
}

void
dc_nn_precision(dc_nn *n, int prec)
{
	int i;

	prec = prec == DC_MM_BF16 || prec == DC_MM_MIXED ? prec : DC_MM_F32;
	if (prec == n->prec)
		return;
	n->prec = prec;
	n->linbf_ok = 0;
	rec_kernel(n);
	for (i = 0; i < DC_NN_MAXTHREADS; i++) {
		dc_mm_free(n->mmo[i]);
		n->mmo[i] = NULL;
		if (n->mm[i]) {
			dc_mm_free(n->mm[i]);
			n->mm[i] = dc_mm_new(prec);
			/* mixed inference: the output layer's product in bf16 as well,
			 * where that is faster (on the 100 + 100 validation mixtures of
			 * examples/tune-kmeans.sh -b 3 -T 20 no source's SDRi moved by
			 * more than 0.08 dB, the means by 0.0002), and the later
			 * layers' input projections (MIXED_IN_BF16); training in
			 * mixed stays as it was, untried with them */
			if (prec == DC_MM_MIXED && !n->train && dc_mm_bf16_fast())
				n->mmo[i] = dc_mm_new(DC_MM_BF16);
		}
	}
}

void
dc_nn_lengths(dc_nn *n, const int *len)
{
	n->len = len;
}

void
dc_nn_dropout(dc_nn *n, float p, uint64_t key)
{
	if (!(p > 0.0f && p < 1.0f))
		p = 0.0f;
	n->dp = p;
	n->dscale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
	n->dkey = key;
	if (n->train && p > 0.0f && n->hd[0] == NULL)
		drop_alloc(n);
}

/* ---------------------------------------------------------------- features */

void
dc_nn_features(float *feat, const float *X, int64_t T, int64_t F)
{
	int64_t i;

	for (i = 0; i < T * F; i++) {
		feat[i] = dc_logmag(X[2 * i], X[2 * i + 1]);
	}
}

void
dc_nn_features_gain(float *feat, int64_t n, double db)
{
	const float lo = logf(DC_FEAT_EPS), g = (float)(db * M_LN10 / 20);
	int64_t i;

	if (db == 0)
		return;
	for (i = 0; i < n; i++)
		if (feat[i] > lo) {
			float v = feat[i] + g;
			feat[i] = v > lo ? v : lo;
		}
}

/* model_stft: the STFT the model of config c reads (samples 0) */
static void
model_stft(const dc_nn_config *c, dc_stft_params *p)
{
	dc_stft_defaults(p);
	p->rate = c->rate;
	p->nfft = c->nfft;
	p->hop = c->hop;
	snprintf(p->window, sizeof p->window, "%s", c->window);
	p->samples = 0;
}

double
dc_model_level(const dc_model *m)
{
	const char *v = dc_model_meta_get(m, "level");
	double l;

	if (v == NULL)
		return DC_FEAT_LEVEL;
	if (strcmp(v, "none") == 0)
		return NAN;
	return dc_parse_num(v, -100, 0, &l) == 0 ? l : DC_FEAT_LEVEL;
}

void
dc_nn_level_begin(const dc_nn_config *c, dc_p56f *s)
{
	dc_stft_params p;

	model_stft(c, &p);
	dc_p56f_init(s, &p);
}

double
dc_nn_level(const dc_nn_config *c, const float *X, int64_t T, int64_t F)
{
	dc_p56f s;

	dc_nn_level_begin(c, &s);
	dc_p56f_push(&s, X, T, F);
	return dc_p56f_level(&s);
}

double
dc_nn_level_gain(double to, double level)
{
	double g;

	if (isnan(to) || !isfinite(level))
		return 0.0;
	g = to - level;
	return g > DC_LEVEL_GAINMAX ? DC_LEVEL_GAINMAX : g < -DC_LEVEL_GAINMAX ? -DC_LEVEL_GAINMAX : g;
}

/*
 * features_forward: x0 (BT,F) = (feat - mean) / std.
 * features_backward: dfeat (BT,F) += dx0 / std.
 */
static void
features_forward(float *x0, const float *feat, const float *mean, const float *std,
    int64_t BT, int F)
{
	int64_t r;
	int f;

	for (r = 0; r < BT; r++)
		for (f = 0; f < F; f++)
			x0[r * F + f] = (feat[r * F + f] - mean[f]) / std[f];
}

static void
features_backward(float *dfeat, const float *dx0, const float *std, int64_t BT, int F)
{
	int64_t r;
	int f;

	for (r = 0; r < BT; r++)
		for (f = 0; f < F; f++)
			dfeat[r * F + f] += dx0[r * F + f] / std[f];
}

/* ---------------------------------------------------------------- LSTM */

/*
 * cell_forward: one step of one sequence, j = 0..H-1.
 * g (4H) pre-activations without bias in, activations i,f,g,o out; bias (4H);
 * cp (H) the previous cell; c (H), tc (H) = tanh(c), h (H) out. c may equal cp.
 */
DC_NN_CLONES static void
cell_forward(float *restrict g, float *c, float *restrict tc, float *restrict h,
    const float *cp, const float *restrict bias, int H)
{
	int j;

	for (j = 0; j < H; j++) {
		float i = fsigm(g[j] + bias[j]);
		float f = fsigm(g[H + j] + bias[H + j]);
		float gg = ftanh(g[2 * H + j] + bias[2 * H + j]);
		float o = fsigm(g[3 * H + j] + bias[3 * H + j]);
		float cc = f * cp[j] + i * gg, t = ftanh(cc);
		g[j] = i;
		g[H + j] = f;
		g[2 * H + j] = gg;
		g[3 * H + j] = o;
		c[j] = cc;
		tc[j] = t;
		h[j] = o * t;
	}
}

/*
 * cell_backward: the same step backwards. g (4H) activations in, gradients of the
 * pre-activations out; dc (H) dL/dc from the step after in, dL/dc of the step
 * before out; dh (H) dL/dh; tc (H) tanh(c); cp (H) the previous cell.
 */
static void
cell_backward(float *restrict g, float *restrict dc, const float *restrict dh,
    const float *restrict tc, const float *restrict cp, int H)
{
	int j;

	for (j = 0; j < H; j++) {
		float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
		float t = tc[j], d = dh[j];
		float dct = dc[j] + d * o * (1.0f - t * t);
		g[j] = dct * gg * i * (1.0f - i);
		g[H + j] = dct * cp[j] * f * (1.0f - f);
		g[2 * H + j] = dct * i * (1.0f - gg * gg);
		g[3 * H + j] = d * t * o * (1.0f - o);
		dc[j] = dct * f;
	}
}

/*
 * lstm_forward: direction dir (0 forward in time, 1 backward) of one BLSTM layer.
 * out (B,T,2H): writes columns dir*H .. dir*H+H-1; gates (B,T,4H): activations;
 * cell, tcell (B,T,H) if keep, else (B,H) carry and scratch; inp (B,T,in);
 * w_ih (4H,in); w_hh (4H,H); bias (4H) = b_ih + b_hh; zero (H) zeros; rec the
 * recurrent product (recgemm.h: its panels are scratch for w_hh^T), mm for the
 * input GEMM.
 * len (B) or NULL: frames t >= len[b] of sequence b are padding, where c and h
 * are set to 0, so that the reverse direction starts at frame len[b] - 1 from a
 * zero state as if the sequence ended there.
 */
static void
lstm_forward(float *out, float *gates, float *cell, float *tcell, dc_rec *rec, dc_mm *mm,
    const float *inp, const float *w_ih, const float *w_hh, const float *bias, const float *zero,
    const int *len, int B, int T, int in, int H, int dir, int keep)
{
	int G = 4 * H, s, b;
	int64_t ldo = (int64_t)T * 2 * H, ldg = (int64_t)T * G;

	dc_mm_gemm(mm, 0, 1, B * T, G, in, inp, in, w_ih, in, 0, gates, G);
	dc_rec_prepare(rec, w_hh, H, G, 1, H);     /* Bm(k, n) = w_hh[n][k] */
	for (s = 0; s < T; s++) {
		int t = dir ? T - 1 - s : s, tp = dir ? t + 1 : t - 1;
		if (s > 0)
			dc_rec_step(rec, gates + (int64_t)t * G, ldg, out + (int64_t)tp * 2 * H + dir * H, ldo,
			    B, G, H);
		for (b = 0; b < B; b++) {
			int64_t r = (int64_t)b * T + t, rp = (int64_t)b * T + tp;
			float *c = keep ? cell + r * H : cell + (int64_t)b * H;
			float *tc = keep ? tcell + r * H : tcell + (int64_t)b * H;
			const float *cp = zero;         /* the previous cell: none before step 0 */
			if (s > 0)
				cp = keep ? cell + rp * H : c;
			cell_forward(gates + r * G, c, tc, out + r * 2 * H + dir * H, cp, bias, H);
			if (len && t >= len[b]) {
				memset(c, 0, (size_t)H * sizeof *c);
				memset(out + r * 2 * H + dir * H, 0, (size_t)H * sizeof *out);
			}
		}
	}
}

/*
 * lstm_backward: the gradients of lstm_forward, same argument order.
 * dw_ih (4H,in), dw_hh (4H,H), db_ih, db_hh (4H) accumulate; dout (B,T,2H): dL/dout
 * in, and the recurrent gradient is added into it on the way; gates (B,T,4H):
 * activations in, dL/d(pre-activations) out (for the input gradient); dc (B,H)
 * rec the recurrent product (w_hh packed again), mm the GEMMs' context. out, cell, tcell, inp, len as
 * computed by lstm_forward; the padding's gate gradients are 0.
 */
static void
lstm_backward(float *dw_ih, float *dw_hh, float *db_ih, float *db_hh, float *dout,
    float *gates, float *dc, dc_rec *rec, dc_mm *mm, const float *out, const float *cell, const float *tcell,
    const float *inp, const float *w_hh, const float *zero,
    const int *len, int B, int T, int in, int H, int dir)
{
	int G = 4 * H, s, b, j;
	int64_t ldo = (int64_t)T * 2 * H, ldg = (int64_t)T * G, r;

	memset(dc, 0, (size_t)B * H * sizeof *dc);
	dc_rec_prepare(rec, w_hh, G, H, H, 1);     /* Bm(k, n) = w_hh[k][n] */
	for (s = T - 1; s >= 0; s--) {
		int t = dir ? T - 1 - s : s, tp = dir ? t + 1 : t - 1;
		for (b = 0; b < B; b++) {
			int64_t rr = (int64_t)b * T + t, rp = (int64_t)b * T + tp;
			if (len && t >= len[b]) {
				memset(gates + rr * G, 0, (size_t)G * sizeof *gates);
				memset(dc + (int64_t)b * H, 0, (size_t)H * sizeof *dc);
				continue;
			}
			cell_backward(gates + rr * G, dc + (int64_t)b * H, dout + rr * 2 * H + dir * H,
			    tcell + rr * H, s == 0 ? zero : cell + rp * H, H);
		}
		if (s > 0)
			dc_rec_step(rec, dout + (int64_t)tp * 2 * H + dir * H, ldo, gates + (int64_t)t * G, ldg,
			    B, H, G);
	}
	dc_mm_gemm(mm, 1, 0, G, in, B * T, gates, G, inp, in, 1, dw_ih, in);
	if (T > 1 || B > 1) {
		/* step t's gates pair with the state of step tp: forward t = 1..T-1 with
		 * h(t-1); backward t = 0..T-2 with h(t+1). One product over the rows of all
		 * sequences pairs gates row r with state row r -+ 1, B - 1 pairs across two
		 * sequences among them (forward: t = 0 of sequence b > 0 with the last frame
		 * of b - 1; backward: t = T-1 of b < B-1 with frame 0 of b + 1): those are
		 * taken out again, one outer product each (in bf16 the rounding error of
		 * those pairs stays, 2u of one term). */
		int64_t n = (int64_t)B * T - 1;
		const float *g = gates + (dir ? 0 : G), *hp = out + (dir ? 2 * H : 0) + dir * H;
		dc_mm_gemm(mm, 1, 0, G, H, (int)n, g, G, hp, 2 * H, 1, dw_hh, H);
		for (b = 0; b < B - 1; b++) {
			int64_t rg = dir ? (int64_t)b * T + T - 1 : (int64_t)(b + 1) * T, rh = dir ? rg + 1 : rg - 1;
			const float *gr = gates + rg * G, *hr = out + rh * 2 * H + dir * H;
			for (j = 0; j < G; j++) {
				float *dw = dw_hh + (int64_t)j * H;
				int k;
				for (k = 0; k < H; k++)
					dw[k] -= gr[j] * hr[k];
			}
		}
	}
	for (r = 0; r < (int64_t)B * T; r++)
		for (j = 0; j < G; j++) {
			db_ih[j] += gates[r * G + j];
			db_hh[j] += gates[r * G + j];
		}
}

/* ---------------------------------------------------------------- output layer */

/* dotD: sum over d < D of a[d] b[d], in eight partial sums (one vector). */
static inline float
dotD(const float *a, const float *b, int D)
{
	float s8[8] = { 0 }, s;
	int d, q;

	for (d = 0; d + 8 <= D; d += 8)
#pragma GCC unroll 8
		for (q = 0; q < 8; q++)
			s8[q] += a[d + q] * b[d + q];
	s = ((s8[0] + s8[4]) + (s8[1] + s8[5])) + ((s8[2] + s8[6]) + (s8[3] + s8[7]));
	for (; d < D; d++)
		s += a[d] * b[d];
	return s;
}

/* embed_act: one row of the output layer: a (F*D) = tanh(a + b) in place, V (F, D)
 * = a / max(|a|, eps) per D-vector. Returns 1 if V holds a NaN or an infinity, else
 * 0: ftanh gives values in [-1, 1] or NaN, so a D-vector is finite exactly when its
 * squared norm is, and only the F norms need checking. */
DC_NN_CLONES static int
embed_act(float *restrict a, float *restrict V, const float *restrict bias, int F, int D)
{
	int64_t FD = (int64_t)F * D, f;
	int d, bad = 0;

	for (f = 0; f < FD; f++)
		a[f] = ftanh(a[f] + bias[f]);
	for (f = 0; f < F; f++) {
		float s = dotD(a + f * D, a + f * D, D), nrm = sqrtf(s);
		bad |= !isfinite(s);
		nrm = 1.0f / (nrm > DC_NN_EPS ? nrm : DC_NN_EPS);
		for (d = 0; d < D; d++)
			V[f * D + d] = a[f * D + d] * nrm;
	}
	return bad;
}

/*
 * embed_forward: rows [lo, hi) of BT. a (BT,FD) = tanh(inp w^T + b) (train; may be
 * V in inference), V (BT,F,D) = a / max(|a|, eps) per D-vector; mm the GEMM's
 * context; inp (BT,2H); w (FD,2H), or wbf if not NULL: w in bf16; b (FD).
 */
static int
embed_forward(float *a, float *V, dc_mm *mm, const float *inp, const float *w, const uint16_t *wbf,
    const float *bias, int64_t lo, int64_t hi, int K, int F, int D)
{
	int64_t FD = (int64_t)F * D, r;
	int bad = 0;

	if (hi <= lo)
		return 0;
	if (wbf)
		dc_mm_gemm_b16(mm, 0, 1, (int)(hi - lo), (int)FD, K, inp + lo * K, K, wbf, 0,
		    a + lo * FD, FD);
	else
		dc_mm_gemm(mm, 0, 1, (int)(hi - lo), (int)FD, K, inp + lo * K, K, w, K, 0, a + lo * FD, FD);
	for (r = lo; r < hi; r++)
		bad |= embed_act(a + r * FD, V + r * FD, bias, F, D);
	return bad;
}

/*
 * embed_backward: rows [lo, hi): da (BT,FD) = dL/d(pre-tanh), written over a (the
 * tanh values from embed_forward), from dV (BT,F,D); then dinp (BT,2H) = da w.
 * The weight gradients need all rows: embed_backward_w.
 */
static void
embed_backward(float *dinp, float *a, dc_mm *mm, const float *dV, const float *w,
    int64_t lo, int64_t hi, int K, int F, int D)
{
	int64_t FD = (int64_t)F * D, r;
	int f, d;

	if (hi <= lo)
		return;
	for (r = lo; r < hi; r++) {
		float *ar = a + r * FD;
		const float *g = dV + r * FD;
		for (f = 0; f < F; f++) {
			float *af = ar + f * D;
			const float *gf = g + f * D;
			float nrm = sqrtf(dotD(af, af, D)), vg, inv;
			if (nrm > DC_NN_EPS) {
				inv = 1.0f / nrm;
				vg = dotD(af, gf, D) * inv * inv;    /* (v . dv) / |a| with v = a / |a| */
				for (d = 0; d < D; d++)
					af[d] = (gf[d] - af[d] * vg) * inv * (1.0f - af[d] * af[d]);
			} else {
				for (d = 0; d < D; d++)
					af[d] = gf[d] / DC_NN_EPS * (1.0f - af[d] * af[d]);
			}
		}
	}
	dc_mm_gemm(mm, 0, 0, (int)(hi - lo), K, (int)FD, a + lo * FD, FD, w, K, 0, dinp + lo * K, K);
}

/*
 * embed_backward_w: output rows [lo, hi) of FD: dw (FD,2H) += da^T inp, db (FD) +=
 * column sums of da (BT,FD); inp (BT,2H).
 */
static void
embed_backward_w(float *dw, float *db, dc_mm *mm, const float *da, const float *inp,
    int64_t lo, int64_t hi, int64_t BT, int K, int64_t FD)
{
	int64_t r, j;

	if (hi <= lo)
		return;
	dc_mm_gemm(mm, 1, 0, (int)(hi - lo), K, (int)BT, da + lo, FD, inp, K, 1, dw + lo * K, K);
	for (r = 0; r < BT; r++)
		for (j = lo; j < hi; j++)
			db[j] += da[r * FD + j];
}

/* ---------------------------------------------------------------- phases */

/* pass: the arguments of one forward or backward pass, as its phases (run on every
 * thread of the pool) read them. */
typedef struct {
	dc_nn *n;
	int B, T, k;                    /* batch, frames, the layer in progress */
	float *V;                       /* forward: (B,T,F,D) out, of rows [r0, r1) */
	int64_t r0, r1;                 /* forward: the output layer's rows of B*T */
	const float *dV;                /* backward: (B,T,F,D) dL/dV */
	const float *dh;                /* backward: (B,T,2H) added to dL/d(last layer's output), or NULL */
	float *dfeat;                   /* backward: (B,T,F) dL/dfeat (+=), or NULL */
	dc_nn_params g;                 /* backward: named pointers into the gradients */
	int *bad;                       /* forward: [thread] the output layer's rows held NaN or Inf */
} pass;

#define LK(n, k) ((n)->train ? (k) : 0)                    /* index of per-layer buffers */
#define HK(n, k) ((n)->train ? (k) : (k) & 1)              /* index of layer outputs */

static int
dir_mine(int d, int tid, int nth)
{
	return nth == 1 || d == tid;
}

/* dropping: 1 if this pass drops out (train workspace, dp > 0). */
static int
dropping(const dc_nn *n)
{
	return n->train && n->dp > 0.0f;
}

/* layer_out: layer k's output as the next layer and the linear layer read it: the
 * dropped copy when dropping. */
static const float *
layer_out(const dc_nn *n, int k)
{
	return dropping(n) ? n->hd[k] : n->h[HK(n, k)];
}

/* drop_keep: whether element i (of the (B,T,2H) output) of layer k is kept; a
 * counter-based hash (splitmix64's finaliser) of the key, the layer and i. */
static int
drop_keep(uint64_t key, int k, int64_t i, float p)
{
	uint64_t z = dc_mix64(key + ((uint64_t)k << 48 | (uint64_t)i) * DC_RNG_GOLDEN +
	    UINT64_C(0x632be59bd9b4e019));

	return dc_unit53(z) >= (double)p;
}

/* ph_dropout: rows of layer k: dmask = kept, hd = h * dscale where kept, else 0. */
static void
ph_dropout(void *arg, int tid, int nth)
{
	const pass *a = arg;
	const dc_nn *n = a->n;
	int k = a->k;
	int64_t lo, hi, i, W = 2 * (int64_t)n->c.H;
	const float *h = n->h[k];
	float *hd = n->hd[k], s = n->dscale;
	uint8_t *mk = n->dmask[k];

	dc_pool_split((int64_t)a->B * a->T, tid, nth, &lo, &hi);
	for (i = lo * W; i < hi * W; i++) {
		mk[i] = (uint8_t)drop_keep(n->dkey, k, i, n->dp);
		hd[i] = mk[i] ? h[i] * s : 0.0f;
	}
}

/* drop_backward: rows [lo, hi) of dh (B,T,2H), dL/d(dropped output) of layer k,
 * become dL/d(output). */
static void
drop_backward(const dc_nn *n, float *dh, int k, int64_t lo, int64_t hi)
{
	int64_t i, W = 2 * (int64_t)n->c.H;
	const uint8_t *mk = n->dmask[k];
	float s = n->dscale;

	for (i = lo * W; i < hi * W; i++)
		dh[i] = mk[i] ? dh[i] * s : 0.0f;
}

/* MIXED_IN_BF16: in mixed inference where bf16 products are the faster (n->mmo),
 * the input projections of this layer (from 0) and those after it take bf16
 * operands too. Chosen on the 100 + 100 validation mixtures of
 * examples/tune-kmeans.sh -n 100 -s 7 -b 3 -T 20 (the shipped 4x300 model): from
 * layer 2 on, no source's SDRi moved by more than 0.04 dB and the means by 0.0002
 * (8.3404 -> 8.3406, 6.4720 -> 6.4722), for 13-15 % less CPU in dc-embed; from layer
 * 1 on, one 3-speaker mixture's clusters came out differently and lost 12.8 dB
 * (mean 6.39), from layer 0 (-P bf16) one 2-speaker mixture's 5.6 dB (8.29). */
#define MIXED_IN_BF16 2

static void
ph_lstm_forward(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	const dc_nn_params *p = &n->m->p;
	int k = a->k, d, in = k == 0 ? c->F : 2 * c->H;
	const float *inp = k == 0 ? n->x0 : layer_out(n, k - 1);

	for (d = 0; d < 2; d++) {
		if (!dir_mine(d, tid, nth))
			continue;
		lstm_forward(n->h[HK(n, k)], n->gates[LK(n, k)][d], n->cell[LK(n, k)][d],
		    n->tcell[LK(n, k)][d], &n->rec[d], k >= MIXED_IN_BF16 && n->mmo[d] ? n->mmo[d] : n->mm[d],
		    inp, p->w_ih[k][d], p->w_hh[k][d], n->bias[k][d], n->zero,
		    n->len, a->B, a->T, in, c->H, d, n->train);
	}
}

static void
ph_embed_forward(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	int64_t lo, hi, FD = (int64_t)c->F * c->D, K = 2 * c->H;

	dc_pool_split(a->r1 - a->r0, tid, nth, &lo, &hi);
	a->bad[tid] = embed_forward(n->train ? n->a + a->r0 * FD : a->V, a->V,
	    n->mmo[tid] ? n->mmo[tid] : n->mm[tid],
	    layer_out(n, c->L - 1) + a->r0 * K, n->m->p.lin_w, n->linbf_ok ? n->linbf : NULL,
	    n->m->p.lin_b, lo, hi, (int)K, c->F, c->D);
}

/* embed_pass: the output layer's rows [a->r0, a->r1) on the pool; in inference with
 * its product in bf16 its weights are rounded first, once per forward pass (dc-embed
 * computes V in pieces of 32 frames, and rounding the 3.1 M weights of 4x300's
 * output layer for each piece took 15 % of its time in bf16, more than the piece's
 * product). */
static int
embed_pass(dc_nn *n, pass *a)
{
	const dc_nn_config *c = &n->c;
	size_t FD = (size_t)c->F * c->D, K = 2 * (size_t)c->H;
	int bad[DC_NN_MAXTHREADS] = { 0 }, t, any = 0;

	if (!n->train && (n->prec == DC_MM_BF16 || n->mmo[0] != NULL) && !n->linbf_ok) {
		if (n->linbf == NULL)
			n->linbf = dc_nn_alloc(FD * K * sizeof *n->linbf);
		dc_mm_to_bf16(n->linbf, n->m->p.lin_w, (int64_t)FD, (int64_t)K, (int64_t)K);
		n->linbf_ok = 1;
	}
	a->bad = bad;
	dc_pool_run(n->pool, ph_embed_forward, a);
	for (t = 0; t < DC_NN_MAXTHREADS; t++)
		any |= bad[t];
	return any ? DC_ENONFINITE : DC_OK;
}

void
dc_nn_forward(dc_nn *n, float *V, float *h_out, const float *feat, int B, int T)
{
	const dc_nn_config *c = &n->c;
	const dc_nn_params *p = &n->m->p;
	pass a = { .n = n, .B = B, .T = T, .V = V, .r0 = 0, .r1 = (int64_t)B * T };
	int k, d, j, b, t;

	dc_nn_reserve(n, B, T);
	n->B = B;
	n->T = T;
	n->linbf_ok = 0;        /* the weights may have changed since the last pass */
	if ((int64_t)B * T == 0)
		return;
	for (k = 0; k < c->L; k++)
		for (d = 0; d < 2; d++)
			for (j = 0; j < 4 * c->H; j++)
				n->bias[k][d][j] = p->b_ih[k][d][j] + p->b_hh[k][d][j];
	features_forward(n->x0, feat, n->m->feat_mean, n->m->feat_std, (int64_t)B * T, c->F);
	for (k = 0; k < c->L; k++) {
		a.k = k;
		dc_pool_run(n->pool, ph_lstm_forward, &a);
		if (dropping(n))
			dc_pool_run(n->pool, ph_dropout, &a);
	}
	if (h_out)
		memcpy(h_out, n->h[HK(n, c->L - 1)], (size_t)B * T * 2 * c->H * sizeof *h_out);
	if (V == NULL)
		return;
	if (n->train) {
		embed_pass(n, &a);
		return;
	}
	/* in inference, each utterance's rows DC_NN_PIECE at a time, as dc-embed asks
	 * dc_nn_embed_rows for them: a product's bits may depend on its row count (oneDNN
	 * on AVX2), and the pieces keep dc_embed's V the tool's */
	for (b = 0; b < B; b++)
		for (t = 0; t < T; t += DC_NN_PIECE) {
			a.r0 = (int64_t)b * T + t;
			a.r1 = a.r0 + (T - t < DC_NN_PIECE ? T - t : DC_NN_PIECE);
			a.V = V + a.r0 * c->F * c->D;
			embed_pass(n, &a);
		}
}

const float *
dc_nn_hidden(const dc_nn *n)
{
	return n->h[HK(n, n->c.L - 1)];
}

int
dc_nn_embed_rows(dc_nn *n, float *V, int64_t r0, int64_t r1)
{
	pass a = { .n = n, .B = n->B, .T = n->T, .V = V, .r0 = r0, .r1 = r1 };

	return r1 > r0 ? embed_pass(n, &a) : DC_OK;
}

/* add_rows: rows [lo, hi) of x (rows of w floats) added to those of y. */
static void
add_rows(float *y, const float *x, int64_t lo, int64_t hi, int64_t w)
{
	int64_t i;

	for (i = lo * w; i < hi * w; i++)
		y[i] += x[i];
}

static void
ph_embed_backward(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	int64_t lo, hi;

	dc_pool_split((int64_t)a->B * a->T, tid, nth, &lo, &hi);
	embed_backward(n->dh[(c->L - 1) & 1], n->a, n->mm[tid], a->dV, n->m->p.lin_w, lo, hi, 2 * c->H,
	    c->F, c->D);
	if (dropping(n))
		drop_backward(n, n->dh[(c->L - 1) & 1], c->L - 1, lo, hi);
	if (a->dh != NULL)
		add_rows(n->dh[(c->L - 1) & 1], a->dh, lo, hi, 2 * (int64_t)c->H);
}

static void
ph_embed_backward_w(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	int64_t lo, hi, FD = (int64_t)c->F * c->D;

	dc_pool_split(FD, tid, nth, &lo, &hi);
	embed_backward_w(a->g.lin_w, a->g.lin_b, n->mm[tid], n->a, layer_out(n, c->L - 1), lo, hi,
	    (int64_t)a->B * a->T, 2 * c->H, FD);
}

static void
ph_lstm_backward(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	const dc_nn_params *p = &n->m->p;
	int k = a->k, d, in = k == 0 ? c->F : 2 * c->H;
	const float *inp = k == 0 ? n->x0 : layer_out(n, k - 1);

	for (d = 0; d < 2; d++) {
		if (!dir_mine(d, tid, nth))
			continue;
		lstm_backward(a->g.w_ih[k][d], a->g.w_hh[k][d], a->g.b_ih[k][d], a->g.b_hh[k][d],
		    n->dh[k & 1], n->gates[k][d], n->dcarry[d], &n->rec[d], n->mm[d], n->h[k], n->cell[k][d], n->tcell[k][d],
		    inp, p->w_hh[k][d], n->zero, n->len, a->B, a->T, in, c->H, d);
	}
}

/* ph_lstm_dinp: rows of dL/d(layer input) = dG_fwd w_ih_fwd + dG_bwd w_ih_bwd; for
 * layer 0 into x0 (no longer needed), then dfeat += dx0 / std. */
static void
ph_lstm_dinp(void *arg, int tid, int nth)
{
	const pass *a = arg;
	dc_nn *n = a->n;
	const dc_nn_config *c = &n->c;
	const dc_nn_params *p = &n->m->p;
	int k = a->k, d, G = 4 * c->H, in = k == 0 ? c->F : 2 * c->H;
	float *dinp = k == 0 ? n->x0 : n->dh[(k - 1) & 1];
	int64_t lo, hi;

	dc_pool_split((int64_t)a->B * a->T, tid, nth, &lo, &hi);
	if (hi <= lo)
		return;
	for (d = 0; d < 2; d++)
		dc_mm_gemm(n->mm[tid], 0, 0, (int)(hi - lo), in, G, n->gates[k][d] + lo * G, G, p->w_ih[k][d],
		    in, d, dinp + lo * in, in);
	if (k == 0)
		features_backward(a->dfeat + lo * c->F, n->x0 + lo * c->F, n->m->feat_std, hi - lo, c->F);
	else if (dropping(n))
		drop_backward(n, dinp, k - 1, lo, hi);
}

void
dc_nn_backward(dc_nn *n, float *grads, float *dfeat, const float *dV, const float *feat,
    int B, int T)
{
	dc_nn_backward_h(n, grads, dfeat, dV, NULL, feat, B, T);
}

void
dc_nn_backward_h(dc_nn *n, float *grads, float *dfeat, const float *dV, const float *dh,
    const float *feat, int B, int T)
{
	const dc_nn_config *c = &n->c;
	pass a = { .n = n, .B = B, .T = T, .dV = dV, .dh = dh, .dfeat = dfeat };
	int k;

	if (!n->train || B != n->B || T != n->T || (int64_t)B * T == 0)
		return;
	dc_nn_point(&a.g, grads, c);
	dc_pool_run(n->pool, ph_embed_backward, &a);
	dc_pool_run(n->pool, ph_embed_backward_w, &a);
	for (k = c->L - 1; k >= 0; k--) {
		a.k = k;
		dc_pool_run(n->pool, ph_lstm_backward, &a);
		if (k > 0 || dfeat)
			dc_pool_run(n->pool, ph_lstm_dinp, &a);
	}
}
