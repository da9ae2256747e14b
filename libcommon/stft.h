/*
 * stft.h: the short-time Fourier transform and its exact inverse (stft.c), and the
 * STFT parameters as keys of a record.
 */
#ifndef DC_STFT_H
#define DC_STFT_H

#include <math.h>

#include "util.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- STFT */

/*
 * Framing (formats/stream.md): the signal is padded with nfft-hop zeros in front
 * and zeros behind; frame t covers padded samples [t*hop, t*hop+nfft), i.e.
 * original samples [t*hop-(nfft-hop), t*hop+hop). T = (N-1+nfft-hop)/hop + 1, so
 * every sample lies in nfft/hop frames and the inverse is exact.
 */
typedef struct {
	int64_t rate;       /* Hz */
	int64_t nfft;       /* window length = FFT size */
	int64_t hop;
	int64_t samples;    /* N of the signal analysed */
	char window[16];    /* "sqrt-hann" or "hann" */
} dc_stft_params;

void dc_stft_defaults(dc_stft_params *p);          /* 8000, 256, 64, sqrt-hann */
int dc_stft_check(const dc_stft_params *p);         /* DC_EPARAM if unusable */
int64_t dc_stft_frames(const dc_stft_params *p);    /* T for p->samples */
/* dc_stft_window: fills w[nfft] (periodic). */
int dc_stft_window(const dc_stft_params *p, float *w);
/* dc_stft: x[N] -> X, a fresh complex64 tensor T x F. DC_EPARAM for parameters
 * dc_stft_check refuses or a NULL pointer (x may be NULL when N is 0),
 * DC_ENONFINITE for NaN or Inf in x. */
int dc_stft(const float *x, const dc_stft_params *p, dc_tensor *X);
/* dc_stft_range: frames t0 .. t0 + T - 1 of the STFT of a signal of which x holds
 * samples x0 .. x0 + xn - 1 (the others count as zeros: the caller has every
 * sample of the signal those frames cover), as a fresh complex64 tensor T x F;
 * the same numbers as those frames of dc_stft (p->samples is not used).
 * DC_EPARAM as dc_stft, or for T or xn < 0; DC_ENONFINITE as dc_stft. */
int dc_stft_range(const float *x, int64_t x0, int64_t xn, const dc_stft_params *p, int64_t t0,
    int64_t T, dc_tensor *X);
/* dc_istft: X (T x F complex64) -> y[p->samples], weighted overlap-add.
 * DC_EPARAM as dc_stft, DC_ESHAPE if T is not p's frames, DC_ENONFINITE for NaN
 * or Inf in X (as from dc_istft_push, for its T frames). */
int dc_istft(const float *X, int64_t T, const dc_stft_params *p, float *y);
/*
 * The inverse STFT frame block by frame block, in bounded memory (what dc_istft
 * does at once, with the same numbers): dc_istft_begin for parameters p (its
 * samples not used; NULL if out of range); dc_istft_push adds the next T frames
 * X[T][F] and writes to y the samples that have become final, *ny of them (at
 * most T * hop; y must hold that many), the first of them sample number (samples
 * handed out before); N is the signal's length when known (the last frames:
 * every sample up to N is then handed out), else -1. The state holds the last
 * nfft - hop sums of the overlap-add (DC_EPARAM for T < 0 or a NULL pointer, X
 * NULL allowed with T 0). dc_istft_end frees it.
 */
typedef struct dc_istft_state dc_istft_state;
dc_istft_state *dc_istft_begin(const dc_stft_params *p);
int dc_istft_push(dc_istft_state *s, const float *X, int64_t T, int64_t N, float *y, int64_t *ny);
void dc_istft_end(dc_istft_state *s);
/* dc_istft_copy: dst, begun with the same parameters, made what src is (its
 * frames so far and its sums), to go on from there or to go back to */
void dc_istft_copy(dc_istft_state *dst, const dc_istft_state *src);
/*
 * Active bins, the one definition (dc-kmeans fits them, dc-plot draws the others
 * dark, training weighs them, dc_nn_weights): a bin is active when its log
 * magnitude, dc_logmag (the network's feature, ln(|X| + 1e-8)), is at least
 * dc_active_floor of the loudest bin's: within db decibels of it.
 */
#define DC_FEAT_EPS 1e-8f
static inline float
dc_logmag(float re, float im)
{
	return logf(sqrtf(re * re + im * im) + DC_FEAT_EPS);
}
/* dc_active_floor: ln m >= ln max - db ln(10) / 20  <=>  20 log10 m >= 20 log10 max - db */
static inline double
dc_active_floor(double loudest, double db)
{
	return loudest - db * log(10.0) / 20.0;
}
/*
 * dc_stft_active: the active bins of a spectrum X[n] (complex64, re and im
 * interleaved): a[i] = 1 for an active bin i, else 0. Returns the loudest bin's
 * power; 0 (digital silence) sets every bin.
 */
double dc_stft_active(const float *X, int64_t n, double db, unsigned char *a);
/*
 * dc_stft_weights: k-means' weights of the bins of X[n] that a marks (the
 * others 0): each bin's magnitude over the loudest's, exp(dc_logmag -
 * loudest's), as training's -W mag weighs them, so that the loud bins, which
 * make most of a separated signal, place the centroids; never below 1e-30, so a
 * marked bin always counts.
 */
void dc_stft_weights(const float *X, int64_t n, const unsigned char *a, float *w);
/* Record helpers: the STFT parameters as keys of a record. */
int dc_rec_stft_params(const dc_record *r, dc_stft_params *p);
void dc_recb_stft_params(dc_recb *b, const dc_stft_params *p);

#ifdef __cplusplus
}
#endif
#endif
