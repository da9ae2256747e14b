/*
 * audio.h: audio files in and out (audio.c, on libsndfile) and resampling (libsoxr).
 */
#ifndef DC_AUDIO_H
#define DC_AUDIO_H

#include "util.h"

/* ---------------------------------------------------------------- audio */

typedef struct {
	int rate_in;        /* the file's rate */
	int channels_in;    /* the file's channel count */
	int64_t frames_in;
	int resampled;      /* 1 if converted to the requested rate */
	int downmixed;      /* 1 if channels were averaged to mono */
} dc_audio_info;

/* dc_audio_read: any file libsndfile reads ("-" is stdin) as mono float at
 * rate (0 keeps the file's rate): channels averaged, resampled with libsoxr.
 * *x is malloc'd. On DC_EAUDIO, dc_audio_errstr() says why. DC_ENONFINITE if the
 * file holds NaN or Inf; DC_ELIMIT if the file's samples, or the resampled ones,
 * are more than the element limit (checked before allocating). */
int dc_audio_read(const char *path, int rate, float **x, int64_t *n, dc_audio_info *info);
/* dc_audio_length: the frames and rate a file's header gives, without reading its
 * samples; DC_EAUDIO (dc_audio_errstr() says why) if libsndfile cannot open it. */
int dc_audio_length(const char *path, int64_t *frames, int *rate);
/* dc_audio_read_mem: the same from a file's bytes in memory (not modified). */
int dc_audio_read_mem(const void *data, size_t len, int rate, float **x, int64_t *n,
    dc_audio_info *info);
/* dc_resample: the n mono samples of *x (malloc'd) from rate from to rate to
 * (libsoxr, high quality); on success *x is replaced by a fresh buffer and *n is
 * its length, on failure both are left as they were. Reading samples of rate r as
 * if at r*f and resampling back to r changes speed and pitch by f. DC_EPARAM for a
 * rate not above 0, DC_ELIMIT if the output would pass the element limit,
 * DC_ERESAMPLE if libsoxr fails (dc_audio_errstr() says why), DC_ENONFINITE if the
 * filter overflowed. */
int dc_resample(float **x, int64_t *n, double from, double to);
/* dc_audio_read_multi: all channels, interleaved, no resampling; the same checks. */
int dc_audio_read_multi(const char *path, float **x, int64_t *frames, int *channels, int *rate);

enum { DC_PCM16 = 0, DC_FLOAT = 1 };
/* dc_audio_write: interleaved frames*channels samples to path ("-" is stdout).
 * The container follows the extension (wav if none, or stdout); files are written
 * under a temporary name and renamed, so a failure leaves no partial file. */
int dc_audio_write(const char *path, const float *x, int64_t frames, int channels,
    int rate, int encoding);
const char *dc_audio_errstr(void);

#endif
