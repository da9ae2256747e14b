/*
 * bsseval.c: BSS Eval v3 (mir_eval.separation.bss_eval_sources) and SI-SDR,
 * in double precision on FFTW and LAPACK (from OpenBLAS).
 *
 * Shapes: K sources, N samples, L = flen filter taps (512), M = N + L - 1 (a
 * signal with its filter tail), Q = nfft = the power of two >= M, nf = Q/2+1.
 *
 * mir_eval decomposes estimate e against reference j as
 *   s_true   = s_j (padded to M)
 *   e_spat   = P_j e - s_true            P_j: projection on s_j delayed by 0..L-1
 *   e_interf = P e - s_true - e_spat     P:   projection on every s_i so delayed
 *   e_artif  = e - s_true - e_spat - e_interf
 * with SDR = |s_true+e_spat|^2 / |e_interf+e_artif|^2, SIR = |s_true+e_spat|^2 /
 * |e_interf|^2, SAR = |s_true+e_spat+e_interf|^2 / |e_artif|^2, in dB.
 *
 * A projection solves G c = d: G (KL x KL) holds the inner products of the
 * delayed references, G[i*L+a][j*L+b] = r_ij[b-a], r_ij[k] = sum_m s_i[m+k] s_j[m],
 * and d[i*L+a] = <s_i delayed by a, e>; all correlations come from FFTs of size Q,
 * exact since Q >= M. mir_eval rebuilds and re-solves G for every pair (estimate,
 * reference); G depends on the references only, so here it is factored once
 * (dgetrf, the LU with partial pivoting of numpy.linalg.solve) and every
 * estimate costs a few FFTs and triangular solves (dgetrs). P_j uses the j-th
 * diagonal block of G, factored once too. Where a factorisation meets an exactly
 * zero pivot numpy raises LinAlgError and mir_eval falls back to
 * numpy.linalg.lstsq: here dgelsd with rcond = -1 (machine precision), as numpy
 * 1.24 calls it. The projected signal is sum_i c_i * s_i, a convolution done by FFT.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "util.h"
#include "bsseval.h"

/* LAPACK, from OpenBLAS; Fortran calling convention, matrices column-major. */
extern void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
extern void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a,
    const int *lda, const int *ipiv, double *b, const int *ldb, int *info);
extern void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda,
    double *b, const int *ldb, double *s, const double *rcond, int *rank, double *work,
    const int *lwork, int *iwork, int *info);

/* A square system factored once: LU factors, or, if singular, the matrix kept
 * for least squares. */
typedef struct {
	int n;
	double *a;      /* n x n: LU factors, or the matrix itself when singular */
	int *ipiv;
	int singular;
} linsys;

struct dc_bss {
	int K, L;
	int64_t N, M, Q, nf;
	double *refs;           /* K x N */
	fftw_complex *sf;       /* K x nf: spectra of the references padded to Q */
	linsys g;               /* KL x KL: all references */
	linsys *gj;             /* K of L x L: one reference each */
	/* work space */
	double *rbuf;           /* Q */
	fftw_complex *cbuf;     /* nf */
	fftw_complex *ef;       /* nf: spectrum of the estimate */
	fftw_complex *acc;      /* nf */
	double *d, *c;          /* KL */
	double *pall, *pj;      /* M */
	fftw_plan r2c, c2r;
	int lstsq_used;
};

/* ---------------------------------------------------------------- linear systems */

/* sys_factor: takes ownership of a (n x n, column-major) and factors it in place;
 * an exactly singular matrix is restored from a copy and marked for dgelsd. */
static void
sys_factor(linsys *s, double *a, int n)
{
	size_t bytes = (size_t)n * n * sizeof *a;
	double *copy = dc_xmalloc(bytes);
	int info;

	memcpy(copy, a, bytes);
	s->n = n;
	s->a = a;
	s->ipiv = dc_xmalloc((size_t)n * sizeof *s->ipiv);
	dgetrf_(&n, &n, s->a, &n, s->ipiv, &info);
	s->singular = info != 0;
	if (s->singular)
		memcpy(s->a, copy, bytes);
	free(copy);
}

static void
sys_free(linsys *s)
{
	free(s->a);
	free(s->ipiv);
	memset(s, 0, sizeof *s);
}

/* sys_solve: x = A^-1 b in place of b (one right-hand side); least squares with
 * the minimum norm (numpy.linalg.lstsq) when A is singular. */
static void
sys_solve(const linsys *s, double *b)
{
	int n = s->n, one = 1, info, rank, lwork = -1, liwork;
	double rcond = -1, wq;
	double *a, *sv, *work;
	int *iwork;

	if (!s->singular) {
		dgetrs_("N", &n, &one, s->a, &n, s->ipiv, b, &n, &info);
		return;
	}
	a = dc_xmalloc((size_t)n * n * sizeof *a);
	memcpy(a, s->a, (size_t)n * n * sizeof *a);
	sv = dc_xmalloc((size_t)n * sizeof *sv);
	dgelsd_(&n, &n, &one, a, &n, b, &n, sv, &rcond, &rank, &wq, &lwork, &liwork, &info);
	lwork = (int)wq + 1;
	work = dc_xmalloc((size_t)lwork * sizeof *work);
	iwork = dc_xmalloc((size_t)(liwork > 1 ? liwork : 1) * sizeof *iwork);
	dgelsd_(&n, &n, &one, a, &n, b, &n, sv, &rcond, &rank, work, &lwork, iwork, &info);
	free(a);
	free(sv);
	free(work);
	free(iwork);
}

/* ---------------------------------------------------------------- helpers */

int
dc_bss_silent(const double *x, int64_t N)
{
	int64_t i;

	if (x == NULL)
		return 0;
	for (i = 0; i < N; i++)
		if (x[i] != 0)
			return 0;
	return 1;
}

int
dc_bss_constant(const double *x, int64_t N)
{
	int64_t i;

	if (x == NULL)
		return 0;
	for (i = 1; i < N; i++)
		if (x[i] != x[0])
			return 0;
	return 1;
}

/* all_finite: 1 if the n doubles of x are neither NaN nor infinite. */
static int
all_finite(const double *x, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* safe_db: mir_eval's _safe_db: +inf for a zero denominator. */
static double
safe_db(double num, double den)
{
	if (den == 0)
		return INFINITY;
	return 10 * log10(num / den);
}

/* spectrum: x[n] zero-padded to Q, transformed into out[nf]. */
static void
spectrum(dc_bss *b, const double *x, int64_t n, fftw_complex *out)
{
	memcpy(b->rbuf, x, (size_t)n * sizeof *x);
	memset(b->rbuf + n, 0, (size_t)(b->Q - n) * sizeof *b->rbuf);
	fftw_execute_dft_r2c(b->r2c, b->rbuf, out);
}

/* xcorr: b->rbuf[k] = sum_m x[m+k] y[m] (indices modulo Q) for the spectra
 * X, Y: the inverse transform of X conj(Y), normalised. */
static void
xcorr(dc_bss *b, const fftw_complex *X, const fftw_complex *Y)
{
	int64_t f;
	double s = 1.0 / (double)b->Q;

	for (f = 0; f < b->nf; f++) {
		b->cbuf[f][0] = X[f][0] * Y[f][0] + X[f][1] * Y[f][1];
		b->cbuf[f][1] = X[f][1] * Y[f][0] - X[f][0] * Y[f][1];
	}
	fftw_execute_dft_c2r(b->c2r, b->cbuf, b->rbuf);
	for (f = 0; f < b->Q; f++)
		b->rbuf[f] *= s;
}

/* lag: r[k] for a lag k in (-Q, Q) of a correlation held modulo Q. */
static double
lag(const dc_bss *b, int64_t k)
{
	return b->rbuf[k < 0 ? k + b->Q : k];
}

/*
 * gram_factor: the Gram matrix of the K references delayed by 0..L-1 from
 * their correlations rl[(i*K + j)*(2L-1) + k + L-1] = r_ij[k] = sum_m s_i[m+k]
 * s_j[m] (j <= i, |k| < L), factored into g (KL x KL) and gj[K] (its diagonal
 * blocks, L x L); 1 if any was exactly singular. Column-major: element (row,
 * col) at [col*KL + row]. Filled as mir_eval leaves it: for each pair i >= j,
 * block (i, j) is toeplitz(r_ij) (element (a, c) = r_ij[c-a]) and block (j, i)
 * its transpose, written last, so that a diagonal block is the transpose.
 */
static int
gram_factor(linsys *g, linsys *gj, const double *rl, int K, int L)
{
	int i, j, a, c, KL = K * L, singular = 0;
	double *m = dc_xmalloc((size_t)KL * KL * sizeof *m);

	for (i = 0; i < K; i++)
		for (j = 0; j <= i; j++) {
			const double *r = rl + (size_t)(i * K + j) * (2 * L - 1) + L - 1;
			for (c = 0; c < L; c++)
				for (a = 0; a < L; a++)
					m[(size_t)(j * L + c) * KL + i * L + a] = r[c - a];
			for (c = 0; c < L; c++)
				for (a = 0; a < L; a++)
					m[(size_t)(i * L + a) * KL + j * L + c] = r[c - a];
		}
	for (j = 0; j < K; j++) {
		double *mjj = dc_xmalloc((size_t)L * L * sizeof *mjj);
		for (c = 0; c < L; c++)
			memcpy(mjj + (size_t)c * L, m + (size_t)(j * L + c) * KL + j * L,
			    (size_t)L * sizeof *mjj);
		sys_factor(&gj[j], mjj, L);
		singular |= gj[j].singular;
	}
	sys_factor(g, m, KL);
	return singular | g->singular;
}

/* ---------------------------------------------------------------- dc_bss */

int
dc_bss_new(dc_bss **bp, const double *refs, int K, int64_t N, int flen)
{
	dc_bss *b;
	int64_t Q = 1;
	int i, j, k, L = flen;
	double *rl;

	if (bp == NULL)
		return DC_EPARAM;
	*bp = NULL;
	if (refs == NULL || K < 1 || K > DC_BSS_MAXSRC || N < 1 || flen < 1 || N > (INT64_C(1) << 40))
		return DC_EPARAM;
	if (!all_finite(refs, (int64_t)K * N))
		return DC_ENONFINITE;
	for (i = 0; i < K; i++)
		if (dc_bss_silent(refs + (size_t)i * N, N))
			return DC_EPARAM;
	while (Q < N + L - 1)
		Q *= 2;
	b = dc_xcalloc(1, sizeof *b);
	b->K = K;
	b->L = L;
	b->N = N;
	b->M = N + L - 1;
	b->Q = Q;
	b->nf = Q / 2 + 1;
	b->refs = dc_xmalloc((size_t)K * N * sizeof *b->refs);
	memcpy(b->refs, refs, (size_t)K * N * sizeof *refs);
	b->rbuf = fftw_malloc((size_t)Q * sizeof *b->rbuf);
	b->sf = fftw_malloc((size_t)K * b->nf * sizeof *b->sf);
	b->cbuf = fftw_malloc((size_t)b->nf * sizeof *b->cbuf);
	b->ef = fftw_malloc((size_t)b->nf * sizeof *b->ef);
	b->acc = fftw_malloc((size_t)b->nf * sizeof *b->acc);
	if (!b->rbuf || !b->sf || !b->cbuf || !b->ef || !b->acc) {
		dc_bss_free(b);
		return DC_ENOMEM;
	}
	dc_fftw_lock();
	b->r2c = fftw_plan_dft_r2c_1d((int)Q, b->rbuf, b->cbuf, FFTW_ESTIMATE);
	b->c2r = fftw_plan_dft_c2r_1d((int)Q, b->cbuf, b->rbuf, FFTW_ESTIMATE);
	dc_fftw_unlock();
	if (b->r2c == NULL || b->c2r == NULL) {
		dc_bss_free(b);
		return DC_ENOMEM;
	}
	b->d = dc_xmalloc((size_t)K * L * sizeof *b->d);
	b->c = dc_xmalloc((size_t)K * L * sizeof *b->c);
	b->pall = dc_xmalloc((size_t)b->M * sizeof *b->pall);
	b->pj = dc_xmalloc((size_t)b->M * sizeof *b->pj);
	for (i = 0; i < K; i++)
		spectrum(b, b->refs + (size_t)i * N, N, b->sf + (size_t)i * b->nf);

	rl = dc_xmalloc((size_t)K * K * (2 * L - 1) * sizeof *rl);
	for (i = 0; i < K; i++)
		for (j = 0; j <= i; j++) {
			xcorr(b, b->sf + (size_t)i * b->nf, b->sf + (size_t)j * b->nf);
			for (k = 1 - L; k < L; k++)
				rl[(size_t)(i * K + j) * (2 * L - 1) + k + L - 1] = lag(b, k);
		}
	b->gj = dc_xcalloc((size_t)K, sizeof *b->gj);
	b->lstsq_used = gram_factor(&b->g, b->gj, rl, K, L);
	free(rl);
	*bp = b;
	return DC_OK;
}

void
dc_bss_free(dc_bss *b)
{
	int j;

	if (b == NULL)
		return;
	dc_fftw_lock();
	if (b->r2c)
		fftw_destroy_plan(b->r2c);
	if (b->c2r)
		fftw_destroy_plan(b->c2r);
	dc_fftw_unlock();
	fftw_free(b->rbuf);
	fftw_free(b->sf);
	fftw_free(b->cbuf);
	fftw_free(b->ef);
	fftw_free(b->acc);
	if (b->gj)
		for (j = 0; j < b->K; j++)
			sys_free(&b->gj[j]);
	free(b->gj);
	sys_free(&b->g);
	free(b->refs);
	free(b->d);
	free(b->c);
	free(b->pall);
	free(b->pj);
	free(b);
}

int
dc_bss_lstsq(const dc_bss *b)
{
	return b ? b->lstsq_used : 0;
}

/* filter_add: b->acc += spectrum of the filter h[L] times the spectrum S. */
static void
filter_add(dc_bss *b, const double *h, const fftw_complex *S)
{
	int64_t f;

	spectrum(b, h, b->L, b->cbuf);
	for (f = 0; f < b->nf; f++) {
		double re = b->cbuf[f][0] * S[f][0] - b->cbuf[f][1] * S[f][1];
		double im = b->cbuf[f][0] * S[f][1] + b->cbuf[f][1] * S[f][0];
		b->acc[f][0] += re;
		b->acc[f][1] += im;
	}
}

/* synth: out[M] = the inverse transform of b->acc (the filtered references). */
static void
synth(dc_bss *b, double *out)
{
	int64_t t;
	double s = 1.0 / (double)b->Q;

	fftw_execute_dft_c2r(b->c2r, b->acc, b->rbuf);
	for (t = 0; t < b->M; t++)
		out[t] = b->rbuf[t] * s;
}

int
dc_bss_spans(int K, int64_t N, int flen)
{
	return (int64_t)K * flen >= N + flen - 1;
}

int
dc_bss_crit(dc_bss *b, const double *est, double *sdr, double *sir, double *sar)
{
	int K, L, i, j, a;
	int64_t N, t;

	if (b == NULL || est == NULL || sdr == NULL || sir == NULL || sar == NULL)
		return DC_EPARAM;
	K = b->K;
	L = b->L;
	N = b->N;
	if (!all_finite(est, N))
		return DC_ENONFINITE;
	if (dc_bss_silent(est, N))
		return DC_EPARAM;
	spectrum(b, est, N, b->ef);
	/* d[i*L+a] = <s_i delayed by a, e> = r_{s_i,e}[-a] */
	for (i = 0; i < K; i++) {
		xcorr(b, b->sf + (size_t)i * b->nf, b->ef);
		for (a = 0; a < L; a++)
			b->d[i * L + a] = lag(b, -a);
	}
	/* P e: every reference */
	memcpy(b->c, b->d, (size_t)K * L * sizeof *b->c);
	sys_solve(&b->g, b->c);
	memset(b->acc, 0, (size_t)b->nf * sizeof *b->acc);
	for (i = 0; i < K; i++)
		filter_add(b, b->c + i * L, b->sf + (size_t)i * b->nf);
	synth(b, b->pall);

	for (j = 0; j < K; j++) {
		const double *s = b->refs + (size_t)j * N;
		double ss = 0, nd = 0, ni = 0, sa = 0, na = 0;

		/* P_j e: reference j alone */
		memcpy(b->c, b->d + j * L, (size_t)L * sizeof *b->c);
		sys_solve(&b->gj[j], b->c);
		memset(b->acc, 0, (size_t)b->nf * sizeof *b->acc);
		filter_add(b, b->c, b->sf + (size_t)j * b->nf);
		synth(b, b->pj);
		/* the components in mir_eval's order of operations */
		for (t = 0; t < b->M; t++) {
			double st = t < N ? s[t] : 0;
			double espat = b->pj[t] - st;
			double einterf = (b->pall[t] - st) - espat;
			double eartif = ((-st - espat) - einterf) + (t < N ? est[t] : 0);
			double sfilt = st + espat;
			double u = einterf + eartif, v = sfilt + einterf;
			ss += sfilt * sfilt;
			nd += u * u;
			ni += einterf * einterf;
			sa += v * v;
			na += eartif * eartif;
		}
		sdr[j] = safe_db(ss, nd);
		sir[j] = safe_db(ss, ni);
		sar[j] = dc_bss_spans(K, N, L) ? NAN : safe_db(sa, na);
	}
	return DC_OK;
}

/* ---------------------------------------------------------------- permutations */

struct permstate {
	const double *score;
	int K, byinf;
	int cur[DC_BSS_MAXSRC], used[DC_BSS_MAXSRC];
	int *best;
	double bestmean, bestkey[2];
	int found;
};

/*
 * better: does the permutation in p->cur beat the best so far? numpy.argmax
 * semantics on the mean; with byinf, on the key (count of +inf minus count of
 * -inf, sum of the finite values) instead, which orders as the mean does when
 * all values are finite and, unlike the mean, tells apart two permutations that
 * both match an exact estimate (+inf).
 */
static int
better(struct permstate *p, double mean, const double *key)
{
	if (!p->found)
		return 1;
	if (p->byinf)
		return key[0] > p->bestkey[0] || (key[0] == p->bestkey[0] && key[1] > p->bestkey[1]);
	return !isnan(p->bestmean) && (isnan(mean) || mean > p->bestmean);
}

static void
perm_walk(struct permstate *p, int r)
{
	int e;

	if (r == p->K) {
		double sum = 0, mean, key[2] = { 0, 0 };
		for (e = 0; e < p->K; e++) {
			double v = p->score[p->cur[e] * p->K + e];
			sum += v;
			if (isinf(v))
				key[0] += v > 0 ? 1 : -1;
			else if (!isnan(v))
				key[1] += v;
		}
		mean = sum / p->K;
		if (better(p, mean, key)) {
			p->found = 1;
			p->bestmean = mean;
			p->bestkey[0] = key[0];
			p->bestkey[1] = key[1];
			memcpy(p->best, p->cur, (size_t)p->K * sizeof *p->best);
		}
		return;
	}
	for (e = 0; e < p->K; e++) {
		if (p->used[e])
			continue;
		p->used[e] = 1;
		p->cur[r] = e;
		perm_walk(p, r + 1);
		p->used[e] = 0;
	}
}

static double
best_perm(const double *score, int K, int *perm, int byinf)
{
	struct permstate p;

	if (score == NULL || perm == NULL || K < 1 || K > DC_BSS_MAXSRC)
		return NAN;
	memset(&p, 0, sizeof p);
	p.score = score;
	p.K = K;
	p.byinf = byinf;
	p.best = perm;
	perm_walk(&p, 0);
	return p.bestmean;
}

double
dc_best_perm(const double *score, int K, int *perm)
{
	return best_perm(score, K, perm, 0);
}

double
dc_best_perm_inf(const double *score, int K, int *perm)
{
	return best_perm(score, K, perm, 1);
}

/* ---------------------------------------------------------------- whole sets */

int
dc_bss_eval_sources(const double *refs, const double *ests, int K, int64_t N,
    double *sdr, double *sir, double *sar, int *perm)
{
	double m[3][DC_BSS_MAXSRC * DC_BSS_MAXSRC];
	dc_bss *b;
	int e, r, err;

	if (refs == NULL || ests == NULL || perm == NULL || K < 1 || K > DC_BSS_MAXSRC || N < 1)
		return DC_EPARAM;
	if (!all_finite(ests, (int64_t)K * N))
		return DC_ENONFINITE;
	if ((err = dc_bss_new(&b, refs, K, N, DC_BSS_FLEN)) != DC_OK)
		return err;
	for (e = 0; e < K; e++)
		if ((err = dc_bss_crit(b, ests + (size_t)e * N, m[0] + e * K, m[1] + e * K,
		    m[2] + e * K)) != DC_OK) {
			dc_bss_free(b);
			return err;
		}
	dc_bss_free(b);
	dc_best_perm(m[1], K, perm);
	for (r = 0; r < K; r++) {
		if (sdr)
			sdr[r] = m[0][perm[r] * K + r];
		if (sir)
			sir[r] = m[1][perm[r] * K + r];
		if (sar)
			sar[r] = m[2][perm[r] * K + r];
	}
	return DC_OK;
}

double
dc_si_sdr(const double *ref, const double *est, int64_t N)
{
	double mr = 0, me = 0, dot = 0, rr = 0, num = 0, den = 0, alpha;
	int64_t t;

	if (ref == NULL || est == NULL || N < 1)
		return NAN;
	for (t = 0; t < N; t++) {
		mr += ref[t];
		me += est[t];
	}
	mr /= (double)N;
	me /= (double)N;
	for (t = 0; t < N; t++) {
		double r = ref[t] - mr, e = est[t] - me;
		dot += r * e;
		rr += r * r;
	}
	if (rr == 0)
		return NAN;
	alpha = dot / rr;
	for (t = 0; t < N; t++) {
		double s = alpha * (ref[t] - mr), n = (est[t] - me) - s;
		num += s * s;
		den += n * n;
	}
	return safe_db(num, den);
}

int
dc_si_sdr_sources(const double *refs, const double *ests, int K, int64_t N, double *si, int *perm)
{
	double m[DC_BSS_MAXSRC * DC_BSS_MAXSRC];
	int e, r;

	if (refs == NULL || ests == NULL || si == NULL || perm == NULL || K < 1 ||
	    K > DC_BSS_MAXSRC || N < 1)
		return DC_EPARAM;
	if (!all_finite(refs, (int64_t)K * N) || !all_finite(ests, (int64_t)K * N))
		return DC_ENONFINITE;
	for (e = 0; e < K; e++)
		if (dc_bss_constant(refs + (size_t)e * N, N) || dc_bss_constant(ests + (size_t)e * N, N))
			return DC_EPARAM;
	for (e = 0; e < K; e++)
		for (r = 0; r < K; r++)
			m[e * K + r] = dc_si_sdr(refs + (size_t)r * N, ests + (size_t)e * N, N);
	best_perm(m, K, perm, 1);
	for (r = 0; r < K; r++)
		si[r] = m[perm[r] * K + r];
	return DC_OK;
}

/* ---------------------------------------------------------------- long signals */

/*
 * dc_bsslong: the same decomposition in two passes over the samples, block by
 * block, so that memory does not grow with N. Shapes: S = K + E signals (the
 * K references, then the E estimates), P = the FFT size, B = P - (L-1) samples
 * a block, nf = P/2+1, ns = nf rounded up to 4 (the stride of spectra side by
 * side, so that each is as aligned as the first for FFTW).
 *
 * Pass 1 gathers what the projections need: h_iy[k] = sum_m s_i[m-k] y[m]
 * (reference i delayed by k, against signal y, 0 <= k < L), summed over blocks
 * in the frequency domain: a block of y (B samples) against s_i's samples from
 * L-1 before the block to its end (P >= B + L - 1, so no lag wraps). Then
 * r_ij[k] = h_ji[k] for k >= 0 and h_ij[-k] below, the Gram matrix as
 * dc_bss_new builds it, d[i*L+a] = h_ie[a], and the filters c = G^-1 d and
 * c_j = G_jj^-1 d_j. Pass 2 filters the references block by block (overlap-
 * save with the same L-1 samples of history), runs L-1 samples past the end
 * for the filters' tail (M = N + L - 1), and sums the energies of the
 * components in dc_bss_crit's order of operations.
 *
 * SI-SDR: pass 1 sums every signal (its mean), pass 2 the centred products
 * <s_r, y>, |s_r|^2 and |y|^2; the noise energy is |y|^2 - <s_r, y>^2 / |s_r|^2.
 */
struct dc_bsslong {
	int K, E, S, L, pass;
	int64_t P, B, nf, ns;
	int64_t n1, n2;         /* samples fed in pass 1, pass 2 (tail included) */
	int64_t fill;           /* samples in the current block */
	double *buf;            /* S x P: L-1 samples of history, the block, zeros */
	double *rbuf;           /* P */
	double *pall, *pj;      /* P: a block's projections */
	fftw_complex *cbuf;     /* nf */
	fftw_complex *xs;       /* K x ns: the references' spectra with history */
	fftw_complex *acc;      /* K x S x ns: pass 1's cross spectra */
	fftw_complex *cf;       /* E x K x ns: spectra of c, block i */
	fftw_complex *cjf;      /* E x K x ns: spectra of c_j */
	fftw_plan r2c, c2r;
	double *sum;            /* S: pass 1's sums */
	int *nonzero;           /* S */
	double *en;             /* E x K x 5: ss, nd, ni, sa, na */
	double *dot;            /* K x S: centred <s_r, y> */
	double *sq;             /* S: centred |y|^2 */
	int lstsq_used;
};

void
dc_bsslong_free(dc_bsslong *b)
{
	if (b == NULL)
		return;
	dc_fftw_lock();
	if (b->r2c)
		fftw_destroy_plan(b->r2c);
	if (b->c2r)
		fftw_destroy_plan(b->c2r);
	dc_fftw_unlock();
	fftw_free(b->buf);
	fftw_free(b->rbuf);
	fftw_free(b->cbuf);
	fftw_free(b->xs);
	fftw_free(b->acc);
	fftw_free(b->cf);
	fftw_free(b->cjf);
	fftw_free(b->pall);
	fftw_free(b->pj);
	free(b->sum);
	free(b->nonzero);
	free(b->en);
	free(b->dot);
	free(b->sq);
	free(b);
}

int
dc_bsslong_new(dc_bsslong **bp, int K, int E, int flen, int64_t nfft)
{
	dc_bsslong *b;
	int64_t P = nfft, S = K + E;

	if (bp == NULL)
		return DC_EPARAM;
	*bp = NULL;
	if (K < 1 || K > DC_BSS_MAXSRC || E < 1 || E > DC_BSS_MAXSRC + 1 || flen < 1)
		return DC_EPARAM;
	if (P == 0)
		for (P = 1 << 16; P < 8 * (int64_t)flen; P *= 2)
			;
	if (P < 2 * (int64_t)flen || P > (1 << 26) || (P & (P - 1)) != 0)
		return DC_EPARAM;
	b = dc_xcalloc(1, sizeof *b);
	b->K = K;
	b->E = E;
	b->S = (int)S;
	b->L = flen;
	b->P = P;
	b->B = P - (flen - 1);
	b->nf = P / 2 + 1;
	b->ns = (b->nf + 3) & ~(int64_t)3;
	b->pass = 1;
	b->buf = fftw_malloc((size_t)(S * P) * sizeof *b->buf);
	b->rbuf = fftw_malloc((size_t)P * sizeof *b->rbuf);
	b->cbuf = fftw_malloc((size_t)b->nf * sizeof *b->cbuf);
	b->xs = fftw_malloc((size_t)(K * b->ns) * sizeof *b->xs);
	b->acc = fftw_malloc((size_t)(K * S * b->ns) * sizeof *b->acc);
	if (!b->buf || !b->rbuf || !b->cbuf || !b->xs || !b->acc) {
		dc_bsslong_free(b);
		return DC_ENOMEM;
	}
	dc_fftw_lock();
	b->r2c = fftw_plan_dft_r2c_1d((int)P, b->rbuf, b->cbuf, FFTW_ESTIMATE);
	b->c2r = fftw_plan_dft_c2r_1d((int)P, b->cbuf, b->rbuf, FFTW_ESTIMATE);
	dc_fftw_unlock();
	if (b->r2c == NULL || b->c2r == NULL) {
		dc_bsslong_free(b);
		return DC_ENOMEM;
	}
	memset(b->buf, 0, (size_t)(S * P) * sizeof *b->buf);
	memset(b->acc, 0, (size_t)(K * S * b->ns) * sizeof *b->acc);
	b->pall = fftw_malloc((size_t)P * sizeof *b->pall);
	b->pj = fftw_malloc((size_t)P * sizeof *b->pj);
	if (!b->pall || !b->pj) {
		dc_bsslong_free(b);
		return DC_ENOMEM;
	}
	b->sum = dc_xcalloc((size_t)S, sizeof *b->sum);
	b->nonzero = dc_xcalloc((size_t)S, sizeof *b->nonzero);
	b->en = dc_xcalloc((size_t)E * K * 5, sizeof *b->en);
	b->dot = dc_xcalloc((size_t)(K * S), sizeof *b->dot);
	b->sq = dc_xcalloc((size_t)S, sizeof *b->sq);
	*bp = b;
	return DC_OK;
}

/* fwd: out[nf] = the transform of x[P]. */
static void
fwd(dc_bsslong *b, const double *x, fftw_complex *out)
{
	fftw_execute_dft_r2c(b->r2c, (double *)x, out);
}

/* block1: pass 1 on the current block (b->fill samples). */
static void
block1(dc_bsslong *b)
{
	int64_t nf = b->nf, ns = b->ns, f, nb = b->fill, L1 = b->L - 1;
	int i, y;

	for (i = 0; i < b->K; i++)
		fwd(b, b->buf + i * b->P, b->xs + i * ns);
	for (y = 0; y < b->S; y++) {
		memcpy(b->rbuf, b->buf + y * b->P + L1, (size_t)nb * sizeof *b->rbuf);
		memset(b->rbuf + nb, 0, (size_t)(b->P - nb) * sizeof *b->rbuf);
		fftw_execute_dft_r2c(b->r2c, b->rbuf, b->cbuf);
		for (i = 0; i < b->K; i++) {
			const fftw_complex *X = b->xs + i * ns;
			fftw_complex *A = b->acc + (i * b->S + y) * ns;
			for (f = 0; f < nf; f++) {
				A[f][0] += X[f][0] * b->cbuf[f][0] + X[f][1] * b->cbuf[f][1];
				A[f][1] += X[f][1] * b->cbuf[f][0] - X[f][0] * b->cbuf[f][1];
			}
		}
	}
}

/* project: out[P] = the inverse transform of the sum over i < n of F[i] X[i]
 * (F, X: n spectra, strides fs, xstr), normalised. */
static void
project(dc_bsslong *b, const fftw_complex *F, int64_t fs, const fftw_complex *X, int64_t xstr,
    int n, double *out)
{
	int64_t f, nf = b->nf;
	double s = 1.0 / (double)b->P;
	int i;

	memset(b->cbuf, 0, (size_t)nf * sizeof *b->cbuf);
	for (i = 0; i < n; i++) {
		const fftw_complex *a = F + i * fs, *x = X + i * xstr;
		for (f = 0; f < nf; f++) {
			b->cbuf[f][0] += a[f][0] * x[f][0] - a[f][1] * x[f][1];
			b->cbuf[f][1] += a[f][0] * x[f][1] + a[f][1] * x[f][0];
		}
	}
	fftw_execute_dft_c2r(b->c2r, b->cbuf, out);
	for (f = 0; f < b->P; f++)
		out[f] *= s;
}

/* block2: pass 2 on the current block, whose first sample is t0 (samples from
 * N on are the tail: zeros, and no part of the SI-SDR sums). */
static void
block2(dc_bsslong *b, int64_t t0)
{
	int64_t ns = b->ns, nb = b->fill, L1 = b->L - 1, N = b->n1, v, real;
	int K = b->K, i, j, e, y;

	for (i = 0; i < K; i++)
		fwd(b, b->buf + i * b->P, b->xs + i * ns);
	for (e = 0; e < b->E; e++) {
		const double *est = b->buf + (K + e) * b->P + L1;
		project(b, b->cf + (size_t)e * K * ns, ns, b->xs, ns, K, b->pall);
		for (j = 0; j < K; j++) {
			const double *s = b->buf + j * b->P + L1;
			double *en = b->en + ((size_t)e * K + j) * 5;
			double ss = 0, nd = 0, ni = 0, sa = 0, na = 0;
			project(b, b->cjf + ((size_t)e * K + j) * ns, 0, b->xs + j * ns, 0, 1, b->pj);
			for (v = 0; v < nb; v++) {
				double st = s[v];
				double espat = b->pj[L1 + v] - st;
				double einterf = (b->pall[L1 + v] - st) - espat;
				double eartif = ((-st - espat) - einterf) + est[v];
				double sfilt = st + espat;
				double u = einterf + eartif, w = sfilt + einterf;
				ss += sfilt * sfilt;
				nd += u * u;
				ni += einterf * einterf;
				sa += w * w;
				na += eartif * eartif;
			}
			en[0] += ss;
			en[1] += nd;
			en[2] += ni;
			en[3] += sa;
			en[4] += na;
		}
	}
	real = t0 >= N ? 0 : N - t0 < nb ? N - t0 : nb;
	for (y = 0; y < b->S; y++) {
		const double *x = b->buf + y * b->P + L1;
		double my = b->sum[y] / (double)N, q = 0;
		for (v = 0; v < real; v++)
			q += (x[v] - my) * (x[v] - my);
		b->sq[y] += q;
		for (i = 0; i < K; i++) {
			const double *s = b->buf + i * b->P + L1;
			double mi = b->sum[i] / (double)N, d = 0;
			for (v = 0; v < real; v++)
				d += (s[v] - mi) * (x[v] - my);
			b->dot[i * b->S + y] += d;
		}
	}
}

/* next_block: the block's last L-1 samples become the history of the next. */
static void
next_block(dc_bsslong *b)
{
	int64_t L1 = b->L - 1;
	int y;

	for (y = 0; y < b->S; y++) {
		double *x = b->buf + y * b->P;
		memmove(x, x + b->fill, (size_t)L1 * sizeof *x);
		memset(x + L1, 0, (size_t)(b->P - L1) * sizeof *x);
	}
	b->fill = 0;
}

/* feed: n samples of every signal (x NULL: zeros) into the blocks. */
static void
feed(dc_bsslong *b, const double *const *x, int64_t n)
{
	int64_t L1 = b->L - 1, done = 0, m, v;
	int y;

	while (done < n) {
		m = b->B - b->fill < n - done ? b->B - b->fill : n - done;
		for (y = 0; y < b->S; y++) {
			double *dst = b->buf + y * b->P + L1 + b->fill;
			if (x == NULL) {
				memset(dst, 0, (size_t)m * sizeof *dst);
				continue;
			}
			memcpy(dst, x[y] + done, (size_t)m * sizeof *dst);
			if (b->pass == 1)
				for (v = 0; v < m; v++) {
					b->sum[y] += dst[v];
					b->nonzero[y] |= dst[v] != 0;
				}
		}
		b->fill += m;
		done += m;
		if (b->pass == 1)
			b->n1 += m;
		else
			b->n2 += m;
		if (b->fill == b->B) {
			if (b->pass == 1)
				block1(b);
			else
				block2(b, b->n2 - b->fill);
			next_block(b);
		}
	}
}

int
dc_bsslong_feed(dc_bsslong *b, const double *const *x, int64_t n)
{
	int y;

	if (b == NULL || b->pass == 3 || n < 0 || (b->pass == 2 && b->n2 + n > b->n1))
		return DC_EPARAM;
	if (n == 0)
		return DC_OK;
	if (x == NULL)
		return DC_EPARAM;
	for (y = 0; y < b->S; y++)
		if (x[y] == NULL)
			return DC_EPARAM;
	for (y = 0; y < b->S; y++)
		if (!all_finite(x[y], n))
			return DC_ENONFINITE;
	feed(b, x, n);
	return DC_OK;
}

/* solve: the end of pass 1: correlations, Gram matrix, filters and their spectra. */
static int
solve(dc_bsslong *b)
{
	int K = b->K, L = b->L, S = b->S, KL = K * L, i, j, k, e, y;
	int64_t nf = b->nf, ns = b->ns, P = b->P;
	double s = 1.0 / (double)P, *h, *rl, *c;
	linsys g, *gj;

	/* h[(i*S + y)*L + k] = h_iy[k] */
	h = dc_xmalloc((size_t)K * S * L * sizeof *h);
	for (i = 0; i < K; i++)
		for (y = 0; y < S; y++) {
			memcpy(b->cbuf, b->acc + (i * S + y) * ns, (size_t)nf * sizeof *b->cbuf);
			fftw_execute_dft_c2r(b->c2r, b->cbuf, b->rbuf);
			for (k = 0; k < L; k++)
				h[((size_t)i * S + y) * L + k] = b->rbuf[L - 1 - k] * s;
		}
	fftw_free(b->acc);
	b->acc = NULL;
	rl = dc_xmalloc((size_t)K * K * (2 * L - 1) * sizeof *rl);
	for (i = 0; i < K; i++)
		for (j = 0; j <= i; j++)
			for (k = 1 - L; k < L; k++)
				rl[(size_t)(i * K + j) * (2 * L - 1) + k + L - 1] = k >= 0 ?
				    h[((size_t)j * S + i) * L + k] : h[((size_t)i * S + j) * L - k];
	gj = dc_xcalloc((size_t)K, sizeof *gj);
	memset(&g, 0, sizeof g);
	b->lstsq_used = gram_factor(&g, gj, rl, K, L);
	free(rl);
	b->cf = fftw_malloc((size_t)(b->E * K * ns) * sizeof *b->cf);
	b->cjf = fftw_malloc((size_t)(b->E * K * ns) * sizeof *b->cjf);
	c = dc_xmalloc((size_t)KL * sizeof *c);
	if (b->cf && b->cjf)
		for (e = 0; e < b->E; e++) {
			for (i = 0; i < K; i++)
				memcpy(c + i * L, h + ((size_t)i * S + K + e) * L, (size_t)L * sizeof *c);
			sys_solve(&g, c);
			for (i = 0; i < K; i++) {
				memset(b->rbuf, 0, (size_t)P * sizeof *b->rbuf);
				memcpy(b->rbuf, c + i * L, (size_t)L * sizeof *c);
				fwd(b, b->rbuf, b->cf + ((size_t)e * K + i) * ns);
			}
			for (j = 0; j < K; j++) {
				memcpy(c, h + ((size_t)j * S + K + e) * L, (size_t)L * sizeof *c);
				sys_solve(&gj[j], c);
				memset(b->rbuf, 0, (size_t)P * sizeof *b->rbuf);
				memcpy(b->rbuf, c, (size_t)L * sizeof *c);
				fwd(b, b->rbuf, b->cjf + ((size_t)e * K + j) * ns);
			}
		}
	free(c);
	free(h);
	sys_free(&g);
	for (j = 0; j < K; j++)
		sys_free(&gj[j]);
	free(gj);
	return b->cf && b->cjf ? DC_OK : DC_ENOMEM;
}

int
dc_bsslong_end(dc_bsslong *b)
{
	int y, err;

	if (b == NULL)
		return DC_EPARAM;
	if (b->pass == 1) {
		if (b->n1 == 0)
			return DC_EPARAM;
		for (y = 0; y < b->S; y++)
			if (!b->nonzero[y])
				return DC_EPARAM;
		if (b->fill > 0)
			block1(b);
		next_block(b);
		/* pass 2 starts with no history */
		for (y = 0; y < b->S; y++)
			memset(b->buf + y * b->P, 0, (size_t)(b->L - 1) * sizeof *b->buf);
		if ((err = solve(b)) != DC_OK)
			return err;
		b->pass = 2;
		return DC_OK;
	}
	if (b->pass != 2 || b->n2 != b->n1)
		return DC_EPARAM;
	feed(b, NULL, b->L - 1);        /* the filters' tail */
	if (b->fill > 0)
		block2(b, b->n2 - b->fill);
	b->pass = 3;
	return DC_OK;
}

int
dc_bsslong_lstsq(const dc_bsslong *b)
{
	return b ? b->lstsq_used : 0;
}

int
dc_bsslong_crit(const dc_bsslong *b, int e, double *sdr, double *sir, double *sar)
{
	int j;

	if (b == NULL || sdr == NULL || sir == NULL || sar == NULL || b->pass != 3 || e < 0 ||
	    e >= b->E)
		return DC_EPARAM;
	for (j = 0; j < b->K; j++) {
		const double *en = b->en + ((size_t)e * b->K + j) * 5;
		sdr[j] = safe_db(en[0], en[1]);
		sir[j] = safe_db(en[0], en[2]);
		sar[j] = safe_db(en[3], en[4]);
	}
	return DC_OK;
}

int
dc_bsslong_si(const dc_bsslong *b, int e, double *si)
{
	int r, y;

	if (b == NULL || si == NULL || b->pass != 3 || e < 0 || e >= b->E)
		return DC_EPARAM;
	y = b->K + e;
	for (r = 0; r < b->K; r++) {
		double rr = b->sq[r], d = b->dot[r * b->S + y], num, den;
		if (rr == 0) {
			si[r] = NAN;
			continue;
		}
		num = d * d / rr;
		den = b->sq[y] - num;
		si[r] = safe_db(num, den > 0 ? den : 0);
	}
	return DC_OK;
}
