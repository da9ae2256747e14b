/*
 * stftparams.c: the STFT's parameters (stft.h) checked, counted, read from and
 * written to records, its window, and the active bins of a spectrum (dc-embed's
 * level reads the window's energy): apart from stft.c, so
 * that a tool that only reads spectra (dc-embed, dc-kmeans, dc-mask) does not
 * load FFTW at its start.
 */
#include <math.h>
#include <string.h>

#include "util.h"
#include "stream.h"
#include "stft.h"

void
dc_stft_defaults(dc_stft_params *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof *p);
	p->rate = 8000;
	p->nfft = 256;
	p->hop = 64;
	strcpy(p->window, "sqrt-hann");
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

void
dc_stft_weights(const float *X, int64_t n, const unsigned char *a, float *w)
{
	float lmax = -INFINITY, v;
	int64_t i;

	for (i = 0; i < n; i++) {
		float l = dc_logmag(X[2 * i], X[2 * i + 1]);
		lmax = l > lmax ? l : lmax;
	}
	for (i = 0; i < n; i++) {
		v = a[i] ? expf(dc_logmag(X[2 * i], X[2 * i + 1]) - lmax) : 0.0f;
		w[i] = a[i] && !(v >= 1e-30f) ? 1e-30f : v;
	}
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
