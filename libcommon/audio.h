/*
 * audio.h: audio files in and out (audio.c, on libsndfile) and resampling (libsoxr).
 */
#ifndef DC_AUDIO_H
#define DC_AUDIO_H

#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- audio */

typedef struct {
	int rate_in;        /* the file's rate */
	int channels_in;    /* the file's channel count */
	int64_t frames_in;
	int resampled;      /* 1 if converted to the requested rate */
	int downmixed;      /* 1 if channels were averaged to mono */
	int64_t frames_claimed; /* the frames the header claims, where the file ends
	                         * before them (cut short); 0 otherwise */
} dc_audio_info;

/* dc_audio_read: any file libsndfile reads ("-" is stdin) as mono float at
 * rate (0 keeps the file's rate): channels averaged, resampled with libsoxr.
 * *x is malloc'd. On DC_EAUDIO, dc_audio_errstr() says why. DC_ENONFINITE if the
 * file holds NaN or Inf; DC_ELIMIT if the file's samples, or the resampled ones,
 * are more than the element limit (checked before allocating); DC_EPARAM for a
 * negative rate or a NULL pointer, before anything is read. */
int dc_audio_read(const char *path, int rate, float **x, int64_t *n, dc_audio_info *info);
/* dc_audio_length: the frames and rate a file's header gives, without reading its
 * samples; DC_EAUDIO (dc_audio_errstr() says why) if libsndfile cannot open it. */
int dc_audio_length(const char *path, int64_t *frames, int *rate);
/* dc_audio_read_mem: the same from a file's bytes in memory (not modified; data
 * may be NULL when len is 0). */
int dc_audio_read_mem(const void *data, size_t len, int rate, float **x, int64_t *n,
    dc_audio_info *info);
/* dc_resample: the n mono samples of *x (malloc'd) from rate from to rate to
 * (libsoxr, high quality); on success *x is replaced by a fresh buffer and *n is
 * its length, on failure both are left as they were. Reading samples of rate r as
 * if at r*f and resampling back to r changes speed and pitch by f. DC_EPARAM for a
 * rate not above 0 or not finite, *n < 0 or a NULL pointer, DC_ELIMIT if the output would pass the element limit,
 * DC_ERESAMPLE if libsoxr fails (dc_audio_errstr() says why), DC_ENONFINITE if the
 * filter overflowed. */
int dc_resample(float **x, int64_t *n, double from, double to);
/*
 * A resampler fed a chunk at a time, with dc_resample's filter, so that its
 * output for the chunks of a signal is dc_resample's output for the whole:
 * dc_resampler_new (DC_EPARAM for a rate not above 0 or not finite,
 * DC_ERESAMPLE as dc_resample); dc_resampler_put takes n samples of x (n 0:
 * the signal's end, after which the filter's last samples come) and sets *y to
 * the samples ready, *ny of them, in a buffer of the resampler's, valid until its
 * next call (DC_ERESAMPLE, DC_ENONFINITE as dc_resample); dc_resampler_free.
 */
typedef struct dc_resampler dc_resampler;
int dc_resampler_new(double from, double to, dc_resampler **r);
int dc_resampler_put(dc_resampler *r, const float *x, int64_t n, const float **y, int64_t *ny);
void dc_resampler_free(dc_resampler *r);
/* dc_audio_read_multi: all channels, interleaved, no resampling; the same checks. */
int dc_audio_read_multi(const char *path, float **x, int64_t *frames, int *channels, int *rate);

/*
 * Reading a file a chunk at a time, in bounded memory: the same samples as
 * dc_audio_read (mono, resampled to rate by the same libsoxr filter, fed a chunk
 * at a time). dc_audio_open fills info (frames_in: the file's frames as its
 * header gives them, -1 when it does not say); dc_audio_pull puts up to max
 * samples in x, *got of them, fewer only at the end (0 when it is passed):
 * DC_ENONFINITE for NaN or Inf in the file or out of the filter, DC_EAUDIO or
 * DC_ERESAMPLE with dc_audio_errstr(), DC_EPARAM for max < 0 or a NULL pointer
 * (dc_audio_open: also a negative rate); dc_audio_in_frames: the file's frames read
 * so far (all channels: one frame); dc_audio_in_exact: whether frames_in is the
 * file's length for certain (a container whose header says it: WAV, W64, RF64,
 * AIFF, AU, CAF, FLAC), not an estimate. No element limit: a caller that keeps
 * every sample applies it.
 */
typedef struct dc_audio_in dc_audio_in;
int dc_audio_open(const char *path, int rate, dc_audio_in **a, dc_audio_info *info);
int dc_audio_pull(dc_audio_in *a, float *x, int64_t max, int64_t *got);
int64_t dc_audio_in_frames(const dc_audio_in *a);
int dc_audio_in_exact(const dc_audio_in *a);
void dc_audio_in_close(dc_audio_in *a);

enum { DC_PCM16 = 0, DC_FLOAT = 1 };
/* the largest sample magnitude a tool takes in (120 dB above full scale: float
 * audio is nominally within +-1, and 1e38 overflows squares and sums on the way);
 * dc_audio_beyond: the index of the first sample of x[n] beyond it, or -1 */
#define DC_AUDIO_MAX 1e6
int64_t dc_audio_beyond(const float *x, int64_t n);
/* dc_audio_write: interleaved frames*channels samples to path ("-" is stdout).
 * The container follows the extension (wav if none, or stdout); files are written
 * under a temporary name and renamed, so a failure leaves no partial file.
 * DC_EPARAM, with nothing written, for path NULL, frames < 0, channels or rate
 * below 1, an encoding other than DC_PCM16 and DC_FLOAT, or x NULL with frames;
 * DC_ENONFINITE, with nothing written, for NaN or Inf in x (as from
 * dc_audio_out_put, for its frames, none of which it writes then). */
int dc_audio_write(const char *path, const float *x, int64_t frames, int channels,
    int rate, int encoding);
/* the extensions that pick a container (any other writes WAV) */
#define DC_AUDIO_WRITES "wav, flac, ogg, opus, mp3, aiff, au, caf or w64"
/* dc_audio_unwritable: path's extension (after the '.') where it names audio that
 * none of those holds (.m4a, .aac, .wma...): writing it is refused with
 * DC_EAUDIO rather than a WAV file under that name; NULL for any other path */
const char *dc_audio_unwritable(const char *path);
/*
 * Writing a file a chunk at a time: dc_audio_out_open makes the file (the container
 * of path's extension, as dc_audio_write) in an unlinked temporary file under
 * $TMPDIR (or /tmp); dc_audio_out_put appends frames x[frames][channels];
 * dc_audio_out_close completes it and copies it to path ("-": stdout) as
 * dc_audio_write writes its file (under a temporary name, renamed), or with path
 * NULL discards it. The same bytes as dc_audio_write of all the frames at once.
 * DC_EPARAM as dc_audio_write's, with no file made; from dc_audio_out_put for
 * frames < 0 or x NULL with frames.
 */
typedef struct dc_audio_out dc_audio_out;
int dc_audio_out_open(const char *path, int channels, int rate, int encoding, dc_audio_out **o);
int dc_audio_out_put(dc_audio_out *o, const float *x, int64_t frames);
int dc_audio_out_close(dc_audio_out *o, const char *path);
const char *dc_audio_errstr(void);
/* dc_audio_set_err: dc_audio_errstr's message from libsndfile's, without its
 * "System error : " prefix and final period, so that it reads like strerror(3). */
void dc_audio_set_err(const char *s);
/* dc_errmsg: the message for an error code that a library call just returned, as
 * the tools and dc-mix's draws word it: strerror(errno) for DC_EIO, libsndfile's or
 * libsoxr's for DC_EAUDIO and DC_ERESAMPLE (dc_audio_errstr), else dc_strerror(err). */
const char *dc_errmsg(int err);

#ifdef __cplusplus
}
#endif
#endif
