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
#include <string.h>

#include <fftw3.h>

#include "util.h"
#include "stream.h"
#include "stft.h"

void
dc_stft_defaults(dc_stft_params *p)
{
	memset(p, 0, sizeof *p);
	p->rate = 8000;
	p->nfft = 256;
	p->hop = 64;
	strcpy(p->window, "sqrt-hann");
}

int
dc_stft_check(const dc_stft_params *p)
{
	if (p->rate < 1 || p->rate > 1000000 || p->nfft < 4 || p->nfft > 65536 || p->nfft % 2 ||
	    p->hop < 1 || p->hop > p->nfft / 2 || p->samples < 0 || p->samples > (INT64_C(1) << 40))
		return DC_EPARAM;
	if (strcmp(p->window, "sqrt-hann") != 0 && strcmp(p->window, "hann") != 0)
		return DC_EPARAM;
	return DC_OK;
}

int64_t
dc_stft_frames(const dc_stft_params *p)
{
	if (p->samples <= 0)
		return 0;
	return (p->samples - 1 + p->nfft - p->hop) / p->hop + 1;
}

int
dc_stft_window(const dc_stft_params *p, float *w)
{
	int64_t n;

	for (n = 0; n < p->nfft; n++) {
		double h = 0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)p->nfft);
		w[n] = (float)(strcmp(p->window, "hann") == 0 ? h : sqrt(h));
	}
	return DC_OK;
}

int
dc_stft(const float *x, const dc_stft_params *p, dc_tensor *X)
{
	int64_t T, F = p->nfft / 2 + 1, P = p->nfft - p->hop, t, n, shape[2];
	float *w, *buf;
	fftwf_complex *out;
	fftwf_plan plan;
	int err;

	if ((err = dc_stft_check(p)) != DC_OK)
		return err;
	T = dc_stft_frames(p);
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
	plan = fftwf_plan_dft_r2c_1d((int)p->nfft, buf, out, FFTW_ESTIMATE);
	for (t = 0; t < T; t++) {
		for (n = 0; n < p->nfft; n++) {
			int64_t i = t * p->hop + n - P;
			buf[n] = i >= 0 && i < p->samples ? x[i] * w[n] : 0.0f;
		}
		fftwf_execute(plan);
		memcpy((float *)X->data + 2 * t * F, out, (size_t)F * sizeof *out);
	}
	fftwf_destroy_plan(plan);
	fftwf_free(buf);
	fftwf_free(out);
	free(w);
	return DC_OK;
}

int
dc_istft(const float *X, int64_t T, const dc_stft_params *p, float *y)
{
	int64_t F = p->nfft / 2 + 1, P = p->nfft - p->hop, len, t, n;
	double *acc, *wsum;
	float *w, *buf;
	fftwf_complex *in;
	fftwf_plan plan;
	int err;

	if ((err = dc_stft_check(p)) != DC_OK)
		return err;
	if (T != dc_stft_frames(p))
		return DC_ESHAPE;
	if (p->samples == 0)
		return DC_OK;
	len = (T - 1) * p->hop + p->nfft;
	acc = dc_xcalloc((size_t)len, sizeof *acc);
	wsum = dc_xcalloc((size_t)len, sizeof *wsum);
	w = dc_xmalloc((size_t)p->nfft * sizeof *w);
	buf = fftwf_malloc((size_t)p->nfft * sizeof *buf);
	in = fftwf_malloc((size_t)F * sizeof *in);
	if (buf == NULL || in == NULL)
		dc_oom((size_t)p->nfft * sizeof *buf + (size_t)F * sizeof *in);
	dc_stft_window(p, w);
	plan = fftwf_plan_dft_c2r_1d((int)p->nfft, in, buf, FFTW_ESTIMATE);
	for (t = 0; t < T; t++) {
		memcpy(in, X + 2 * t * F, (size_t)F * sizeof *in);
		/* a real signal's DC and Nyquist bins are real: c2r ignores their imaginary parts */
		fftwf_execute(plan);
		for (n = 0; n < p->nfft; n++) {
			acc[t * p->hop + n] += (double)buf[n] / (double)p->nfft * w[n];
			wsum[t * p->hop + n] += (double)w[n] * w[n];
		}
	}
	for (n = 0; n < p->samples; n++) {
		double s = wsum[n + P];
		y[n] = s > 1e-8 ? (float)(acc[n + P] / s) : 0.0f;
	}
	fftwf_destroy_plan(plan);
	fftwf_free(buf);
	fftwf_free(in);
	free(w);
	free(acc);
	free(wsum);
	return DC_OK;
}

double
dc_stft_active(const float *X, int64_t n, double db, unsigned char *a)
{
	double mx = 0.0, pw, floor_;
	float lmax = -INFINITY;
	int64_t i;

	for (i = 0; i < n; i++) {
		pw = (double)X[2 * i] * X[2 * i] + (double)X[2 * i + 1] * X[2 * i + 1];
		mx = pw > mx ? pw : mx;
	}
	for (i = 0; i < n; i++) {
		float l = dc_logmag(X[2 * i], X[2 * i + 1]);
		lmax = l > lmax ? l : lmax;
	}
	floor_ = dc_active_floor(lmax, db);
	for (i = 0; i < n; i++)
		a[i] = dc_logmag(X[2 * i], X[2 * i + 1]) >= floor_;
	return mx;
}

int
dc_rec_stft_params(const dc_record *r, dc_stft_params *p)
{
	memset(p, 0, sizeof *p);
	if (dc_rec_int(r, "rate", &p->rate) || dc_rec_int(r, "nfft", &p->nfft) ||
	    dc_rec_int(r, "hop", &p->hop) || dc_rec_int(r, "samples", &p->samples) ||
	    dc_rec_str(r, "window", p->window, sizeof p->window))
		return DC_EKEY;
	return dc_stft_check(p);
}

void
dc_recb_stft_params(dc_recb *b, const dc_stft_params *p)
{
	dc_recb_int(b, "rate", p->rate);
	dc_recb_int(b, "nfft", p->nfft);
	dc_recb_int(b, "hop", p->hop);
	dc_recb_int(b, "samples", p->samples);
	dc_recb_str(b, "window", p->window);
}
