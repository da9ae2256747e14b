/*
 * resample.c: dc_resampler (audio.h), libsoxr fed a chunk at a time, for
 * dc-istft -r. libsoxr is opened here with dlopen when the first resampler is
 * made, not linked: it brings libgomp, and loading the two took dc-istft's start
 * from about 8 to 18 ms (perf stat -r 200 dc-istft -h), paid by every file of a
 * batch, while -r is rare. The filter is dc_resample's (audioin.c, linked):
 * soxr_quality_spec(SOXR_HQ, 0).
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <soxr.h>

#include "util.h"
#include "audio.h"
#include "audio_impl.h"

/* libsoxr's calls, found once (h NULL: not yet; err: the failure, said again) */
static struct {
	void *h;
	const char *err;
	soxr_quality_spec_t (*quality)(unsigned long, unsigned long);
	soxr_t (*create)(double, double, unsigned, soxr_error_t *, soxr_io_spec_t const *,
	    soxr_quality_spec_t const *, soxr_runtime_spec_t const *);
	soxr_error_t (*process)(soxr_t, soxr_in_t, size_t, size_t *, soxr_out_t, size_t, size_t *);
	void (*del)(soxr_t);
} sx;

/* sx_open: libsoxr's calls in sx; DC_OK, or DC_ERESAMPLE with the reason said */
static int
sx_open(void)
{
	if (sx.h == NULL && sx.err == NULL) {
		if ((sx.h = dlopen("libsoxr.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL)
			sx.err = "libsoxr.so.0 cannot be loaded";
		else if ((*(void **)&sx.quality = dlsym(sx.h, "soxr_quality_spec")) == NULL ||
		    (*(void **)&sx.create = dlsym(sx.h, "soxr_create")) == NULL ||
		    (*(void **)&sx.process = dlsym(sx.h, "soxr_process")) == NULL ||
		    (*(void **)&sx.del = dlsym(sx.h, "soxr_delete")) == NULL)
			sx.err = "libsoxr.so.0 lacks a call";
	}
	if (sx.err) {
		dc_audio_set_err(sx.err);
		return DC_ERESAMPLE;
	}
	return DC_OK;
}

struct dc_resampler {
	soxr_t soxr;
	double ratio;           /* to / from */
	float *out;
	size_t cap;
	int done;               /* the end was given, and all of it handed out */
};

int
dc_resampler_new(double from, double to, dc_resampler **rp)
{
	soxr_quality_spec_t q;
	soxr_error_t e = NULL;
	dc_resampler *r;
	int err;

	if (rp == NULL)
		return DC_EPARAM;
	*rp = NULL;
	if (!(from > 0) || !(to > 0) || !isfinite(from) || !isfinite(to))
		return DC_EPARAM;
	if ((err = sx_open()) != DC_OK)
		return err;
	q = sx.quality(SOXR_HQ, 0);
	r = dc_xcalloc(1, sizeof *r);
	r->soxr = sx.create(from, to, 1, &e, NULL, &q, NULL);
	if (e) {
		dc_audio_set_err(e);
		free(r);
		return DC_ERESAMPLE;
	}
	r->ratio = to / from;
	*rp = r;
	return DC_OK;
}

int
dc_resampler_put(dc_resampler *r, const float *x, int64_t n, const float **y, int64_t *ny)
{
	size_t idone, odone, len = 0;
	soxr_error_t e;
	int64_t i;

	*y = NULL;
	*ny = 0;
	if (n < 0 || (n > 0 && x == NULL) || (n > 0 && r->done))
		return DC_EPARAM;
	/* the output of n samples, and room for what the filter holds back */
	if (r->cap < (size_t)((double)n * r->ratio) + 4096) {
		r->cap = (size_t)((double)n * r->ratio) + 4096;
		r->out = dc_xrealloc(r->out, r->cap * sizeof *r->out);
	}
	for (i = 0; i < n || (n == 0 && !r->done); ) {
		e = sx.process(r->soxr, n ? x + i : NULL, (size_t)(n - i), &idone, r->out + len,
		    r->cap - len, &odone);
		if (e) {
			dc_audio_set_err(e);
			return DC_ERESAMPLE;
		}
		len += odone;
		i += (int64_t)idone;
		if (n == 0 && odone == 0)
			r->done = 1;        /* flushed: nothing more comes */
		if (len == r->cap) {
			r->cap *= 2;
			r->out = dc_xrealloc(r->out, r->cap * sizeof *r->out);
		}
	}
	/* finite input of extreme size can overflow in the filter */
	for (i = 0; i < (int64_t)len; i++)
		if (!isfinite(r->out[i]))
			return DC_ENONFINITE;
	*y = r->out;
	*ny = (int64_t)len;
	return DC_OK;
}

void
dc_resampler_free(dc_resampler *r)
{
	if (r == NULL)
		return;
	sx.del(r->soxr);
	free(r->out);
	free(r);
}
