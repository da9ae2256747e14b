/*
 * stft.c: short-time Fourier transform and its exact inverse, on FFTW.
 *
 * Framing: x is padded with P = nfft-hop zeros in front; frame t covers padded
 * samples [t*hop, t*hop+nfft). T = (N-1+P)/hop + 1 frames, so each of the N
 * samples lies in nfft/hop frames and weighted overlap-add, divided by the
 * summed squared window, gives x back to rounding error.
 *
 * X[t][f] = sum_n xpad[t*hop+n] w[n] exp(-2 pi i f n / nfft), f = 0..nfft/2.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "util.h"
#include "stream.h"
#include "stft.h"

int
dc_stft(const float *x, const dc_stft_params *p, dc_tensor *X)
{
	int err;

	if (p == NULL || X == NULL)
		return DC_EPARAM;
	if ((err = dc_stft_check(p)) != DC_OK)
		return err;
	return dc_stft_range(x, 0, p->samples, p, 0, dc_stft_frames(p), X);
}

int
dc_stft_range(const float *x, int64_t x0, int64_t xn, const dc_stft_params *p, int64_t t0,
    int64_t T, dc_tensor *X)
{
	int64_t F, P, t, n, shape[2];
	float *w, *buf;
	fftwf_complex *out;
	fftwf_plan plan;
	dc_stft_params q;
	int err;

	if (X == NULL)
		return DC_EPARAM;
	memset(X, 0, sizeof *X);
	if (p == NULL || T < 0 || xn < 0 || (x == NULL && xn > 0))
		return DC_EPARAM;
	q = *p;
	q.samples = 0;          /* not used */
	if ((err = dc_stft_check(&q)) != DC_OK)
		return err;
	if (xn > 0 && dc_floats_finite(x, xn) != DC_OK)
		return DC_ENONFINITE;
	F = p->nfft / 2 + 1;
	P = p->nfft - p->hop;
	shape[0] = T;
	shape[1] = F;
	if ((err = dc_tensor_alloc(X, DC_C64, 2, shape)) != DC_OK)
		return err;
	if (T == 0)
		return DC_OK;
	w = dc_xmalloc((size_t)p->nfft * sizeof *w);
	buf = fftwf_malloc((size_t)p->nfft * sizeof *buf);
	out = fftwf_malloc((size_t)F * sizeof *out);
	if (buf == NULL || out == NULL)
		dc_oom((size_t)p->nfft * sizeof *buf + (size_t)F * sizeof *out);
	dc_stft_window(p, w);
	dc_fftw_lock();
	plan = fftwf_plan_dft_r2c_1d((int)p->nfft, buf, out, FFTW_ESTIMATE);
	dc_fftw_unlock();
	for (t = 0; t < T; t++) {
		for (n = 0; n < p->nfft; n++) {
			int64_t i = (t0 + t) * p->hop + n - P;
			buf[n] = i >= x0 && i < x0 + xn ? x[i - x0] * w[n] : 0.0f;
		}
		fftwf_execute(plan);
		memcpy((float *)X->data + 2 * t * F, out, (size_t)F * sizeof *out);
	}
	dc_fftw_lock();
	fftwf_destroy_plan(plan);
	dc_fftw_unlock();
	fftwf_free(buf);
	fftwf_free(out);
	free(w);
	return DC_OK;
}

struct dc_istft_state {
	dc_stft_params p;
	double *acc, *wsum;     /* sums at padded positions pos0 .. pos0 + cap - 1 */
	int64_t cap, pos0;
	int64_t t;              /* frames added so far */
	int64_t out;            /* samples handed out so far */
	float *w, *buf;
	fftwf_complex *in;
	fftwf_plan plan;
};

dc_istft_state *
dc_istft_begin(const dc_stft_params *p)
{
	dc_istft_state *s;
	dc_stft_params q;
	int64_t F;

	if (p == NULL)
		return NULL;
	q = *p;
	q.samples = 0;          /* not used */
	if (dc_stft_check(&q) != DC_OK)
		return NULL;
	F = p->nfft / 2 + 1;
	s = dc_xcalloc(1, sizeof *s);
	s->p = *p;
	s->w = dc_xmalloc((size_t)p->nfft * sizeof *s->w);
	s->buf = fftwf_malloc((size_t)p->nfft * sizeof *s->buf);
	s->in = fftwf_malloc((size_t)F * sizeof *s->in);
	if (s->buf == NULL || s->in == NULL)
		dc_oom((size_t)p->nfft * sizeof *s->buf + (size_t)F * sizeof *s->in);
	dc_stft_window(p, s->w);
	dc_fftw_lock();
	s->plan = fftwf_plan_dft_c2r_1d((int)p->nfft, s->in, s->buf, FFTW_ESTIMATE);
	dc_fftw_unlock();
	return s;
}

int
dc_istft_push(dc_istft_state *s, const float *X, int64_t T, int64_t N, float *y, int64_t *ny)
{
	const dc_stft_params *p;
	int64_t F, P, need, t, n, e, keep;

	if (ny == NULL)
		return DC_EPARAM;
	*ny = 0;
	if (s == NULL || T < 0 || (X == NULL && T > 0) || y == NULL)
		return DC_EPARAM;
	p = &s->p;
	F = p->nfft / 2 + 1;
	if (T > 0 && dc_floats_finite(X, 2 * T * F) != DC_OK)
		return DC_ENONFINITE;
	P = p->nfft - p->hop;
	/* the sums reach padded position (t + T - 1) hop + nfft - 1 */
	need = (s->t + T - 1) * p->hop + p->nfft - s->pos0;
	if (T > 0 && need > s->cap) {
		s->acc = dc_xrealloc(s->acc, (size_t)need * sizeof *s->acc);
		s->wsum = dc_xrealloc(s->wsum, (size_t)need * sizeof *s->wsum);
		memset(s->acc + s->cap, 0, (size_t)(need - s->cap) * sizeof *s->acc);
		memset(s->wsum + s->cap, 0, (size_t)(need - s->cap) * sizeof *s->wsum);
		s->cap = need;
	}
	for (t = 0; t < T; t++) {
		double *acc = s->acc + (s->t + t) * p->hop - s->pos0;
		double *wsum = s->wsum + (s->t + t) * p->hop - s->pos0;
		memcpy(s->in, X + 2 * t * F, (size_t)F * sizeof *s->in);
		/* a real signal's DC and Nyquist bins are real: c2r ignores their imaginary parts */
		fftwf_execute(s->plan);
		for (n = 0; n < p->nfft; n++) {
			acc[n] += (double)s->buf[n] / (double)p->nfft * s->w[n];
			wsum[n] += (double)s->w[n] * s->w[n];
		}
	}
	s->t += T;
	/* padded positions below t hop have every frame they lie in: final */
	e = s->t * p->hop;
	if (N >= 0 && e > N + P)
		e = N + P;
	for (n = s->out + P; n < e; n++) {
		double w = s->wsum[n - s->pos0];
		y[(*ny)++] = w > 1e-8 ? (float)(s->acc[n - s->pos0] / w) : 0.0f;
	}
	if (e > s->out + P)
		s->out = e - P;
	/* what is final is dropped: the sums keep the last nfft - hop positions */
	if (s->cap > 0 && s->t * p->hop > s->pos0) {
		int64_t drop = s->t * p->hop - s->pos0;
		keep = s->cap - drop;
		if (keep > 0) {
			memmove(s->acc, s->acc + drop, (size_t)keep * sizeof *s->acc);
			memmove(s->wsum, s->wsum + drop, (size_t)keep * sizeof *s->wsum);
		} else
			keep = 0;
		memset(s->acc + keep, 0, (size_t)(s->cap - keep) * sizeof *s->acc);
		memset(s->wsum + keep, 0, (size_t)(s->cap - keep) * sizeof *s->wsum);
		s->pos0 = s->t * p->hop;
	}
	return DC_OK;
}

void
dc_istft_end(dc_istft_state *s)
{
	if (s == NULL)
		return;
	dc_fftw_lock();
	fftwf_destroy_plan(s->plan);
	dc_fftw_unlock();
	fftwf_free(s->buf);
	fftwf_free(s->in);
	free(s->w);
	free(s->acc);
	free(s->wsum);
	free(s);
}

void
dc_istft_copy(dc_istft_state *dst, const dc_istft_state *src)
{
	if (dst->cap < src->cap) {
		dst->acc = dc_xrealloc(dst->acc, (size_t)src->cap * sizeof *dst->acc);
		dst->wsum = dc_xrealloc(dst->wsum, (size_t)src->cap * sizeof *dst->wsum);
	}
	if (src->cap > 0) {
		memcpy(dst->acc, src->acc, (size_t)src->cap * sizeof *dst->acc);
		memcpy(dst->wsum, src->wsum, (size_t)src->cap * sizeof *dst->wsum);
	}
	/* past src's sums dst keeps zeros: push grows and clears only past cap */
	if (dst->cap > src->cap) {
		memset(dst->acc + src->cap, 0, (size_t)(dst->cap - src->cap) * sizeof *dst->acc);
		memset(dst->wsum + src->cap, 0, (size_t)(dst->cap - src->cap) * sizeof *dst->wsum);
	} else
		dst->cap = src->cap;
	dst->pos0 = src->pos0;
	dst->t = src->t;
	dst->out = src->out;
}

int
dc_istft(const float *X, int64_t T, const dc_stft_params *p, float *y)
{
	dc_istft_state *s;
	int64_t ny;
	int err;

	if (p == NULL)
		return DC_EPARAM;
	if ((err = dc_stft_check(p)) != DC_OK)
		return err;
	if (T != dc_stft_frames(p))
		return DC_ESHAPE;
	if (p->samples > 0 && (X == NULL || y == NULL))
		return DC_EPARAM;
	if (p->samples == 0)
		return DC_OK;
	s = dc_istft_begin(p);
	err = dc_istft_push(s, X, T, p->samples, y, &ny);
	dc_istft_end(s);
	return err;
}
