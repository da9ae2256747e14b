/*
 * audio.c: audio in and out through libsndfile; resampling through libsoxr.
 *
 * Reading takes any format libsndfile knows, from a file or from stdin ("-"),
 * averages the channels to mono and resamples to the rate asked for, saying
 * which of these it did in dc_audio_info so that the tool can tell the user.
 * Writing goes to a temporary file renamed into place, so a failed write
 * (full disk, a signal) never leaves a partial file under the final name.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <sndfile.h>
#include <soxr.h>

#include "util.h"
#include "outpath.h"
#include "audio.h"

static char audio_err[256];

const char *
dc_audio_errstr(void)
{
	return audio_err;
}

/* set_err: keeps libsndfile's message without its "System error : " prefix and
 * final period, so that it reads like strerror(3). */
static void
set_err(const char *s)
{
	size_t n;

	if (strncmp(s, "System error : ", 15) == 0)
		s += 15;
	snprintf(audio_err, sizeof audio_err, "%s", s);
	n = strlen(audio_err);
	while (n > 0 && (audio_err[n - 1] == '.' || audio_err[n - 1] == '\n'))
		audio_err[--n] = '\0';
}

/*
 * membuf: a growable buffer that libsndfile reads or writes through SF_VIRTUAL_IO.
 * Writing builds the file in memory, to be copied out, because libsndfile refuses
 * to write WAV (and most containers) to a pipe: it seeks back to patch the header.
 * Reading from memory (dc_audio_read_mem) points p at the caller's bytes; libsndfile
 * never writes to a file opened for reading, so they are not modified.
 */
typedef struct {
	unsigned char *p;
	sf_count_t len, cap, pos;
} membuf;

static sf_count_t
mb_len(void *u)
{
	return ((membuf *)u)->len;
}

static sf_count_t
mb_seek(sf_count_t off, int whence, void *u)
{
	membuf *m = u;
	sf_count_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->len + off;

	if (to < 0)
		return -1;
	return m->pos = to;
}

static sf_count_t
mb_read(void *ptr, sf_count_t n, void *u)
{
	membuf *m = u;

	if (n <= 0 || m->pos >= m->len)
		return 0;
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(ptr, m->p + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t
mb_write(const void *ptr, sf_count_t n, void *u)
{
	membuf *m = u;

	if (m->pos + n > m->cap) {
		sf_count_t cap = m->cap ? 2 * m->cap : 1 << 16;
		while (cap < m->pos + n)
			cap *= 2;
		m->p = dc_xrealloc(m->p, (size_t)cap);
		m->cap = cap;
	}
	if (m->pos > m->len)    /* a seek past the end leaves a hole of zeros */
		memset(m->p + m->len, 0, (size_t)(m->pos - m->len));
	memcpy(m->p + m->pos, ptr, (size_t)n);
	m->pos += n;
	if (m->pos > m->len)
		m->len = m->pos;
	return n;
}

static sf_count_t
mb_tell(void *u)
{
	return ((membuf *)u)->pos;
}

static SNDFILE *
open_read(const char *path, SF_INFO *si)
{
	SNDFILE *sf;
	struct stat st;
	int in = strcmp(path, "-") == 0;

	memset(si, 0, sizeof *si);
	/* libsndfile opens a directory and calls it "Format not recognised" */
	if ((in ? fstat(STDIN_FILENO, &st) : stat(path, &st)) == 0 && S_ISDIR(st.st_mode)) {
		set_err(strerror(EISDIR));
		return NULL;
	}
	if (in)
		sf = sf_open_fd(STDIN_FILENO, SFM_READ, si, 0);
	else
		sf = sf_open(path, SFM_READ, si);
	if (sf == NULL)
		set_err(sf_strerror(NULL));
	return sf;
}

/*
 * read_all: every frame of an open file, interleaved, as float; frames are
 * counted as read, since a pipe does not know its length in advance and a header
 * may lie. More than the element limit of samples is DC_ELIMIT; NaN or Inf in
 * the file (float formats hold them) is DC_ENONFINITE. Closes sf.
 */
static int
read_all(SNDFILE *sf, const SF_INFO *si, float **x, int64_t *frames, int *channels, int *rate)
{
	int64_t ch = si->channels, lim = dc_limit_elems() / (si->channels > 0 ? si->channels : 1);
	int64_t cap = si->frames > 0 && si->frames < lim ? si->frames + 1 : 1 << 16;
	int64_t n = 0, i;
	float *buf = NULL;
	sf_count_t got;
	int err = DC_OK;

	if (si->channels < 1 || si->samplerate < 1) {
		sf_close(sf);
		set_err("no channels or no sample rate");
		return DC_EAUDIO;
	}
	if (cap > lim + 1)
		cap = lim + 1;
	buf = dc_xmalloc((size_t)(cap * ch) * sizeof *buf);
	for (;;) {
		if (n == cap) {
			/* one frame past the limit is room to see that there are too many */
			if (n > lim) {
				err = DC_ELIMIT;
				break;
			}
			cap = 2 * cap > lim + 1 ? lim + 1 : 2 * cap;
			buf = dc_xrealloc(buf, (size_t)(cap * ch) * sizeof *buf);
		}
		got = sf_readf_float(sf, buf + n * ch, cap - n);
		if (got <= 0)
			break;
		n += got;
	}
	if (err == DC_OK && n > lim)
		err = DC_ELIMIT;
	if (err == DC_OK && sf_error(sf) != SF_ERR_NO_ERROR) {
		set_err(sf_strerror(sf));
		err = DC_EAUDIO;
	}
	for (i = 0; err == DC_OK && i < n * ch; i++)
		if (!isfinite(buf[i]))
			err = DC_ENONFINITE;
	sf_close(sf);
	if (err != DC_OK) {
		free(buf);
		return err;
	}
	*x = buf;
	*frames = n;
	*channels = si->channels;
	*rate = si->samplerate;
	return DC_OK;
}

int
dc_audio_read_multi(const char *path, float **x, int64_t *frames, int *channels, int *rate)
{
	SF_INFO si;
	SNDFILE *sf = open_read(path, &si);

	if (sf == NULL)
		return DC_EAUDIO;
	return read_all(sf, &si, x, frames, channels, rate);
}

int
dc_resample(float **x, int64_t *n, double from, double to)
{
	double want = (double)*n * to / from + 1.5;
	size_t olen, odone = 0;
	float *out;
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
	soxr_error_t e;
	int64_t i;

	if (!(from > 0) || !(to > 0) || !isfinite(want))
		return DC_EPARAM;
	if (want > (double)dc_limit_elems() + 1.5)
		return DC_ELIMIT;
	olen = (size_t)want;
	out = dc_xmalloc(olen * sizeof *out);
	e = soxr_oneshot(from, to, 1, *x, (size_t)*n, NULL, out, olen, &odone, NULL, &q, NULL);
	if (e) {
		set_err(e);
		free(out);
		return DC_ERESAMPLE;
	}
	/* finite input of extreme size can overflow in the filter */
	for (i = 0; i < (int64_t)odone; i++)
		if (!isfinite(out[i])) {
			free(out);
			return DC_ENONFINITE;
		}
	free(*x);
	*x = out;
	*n = (int64_t)odone;
	return DC_OK;
}

/*
 * to_mono: the frames of buf (ch channels at rate r, owned) averaged to mono and
 * resampled to rate (0: kept), into *x; the output may not exceed the element
 * limit either.
 */
static int
to_mono(float *buf, int64_t frames, int ch, int r, int rate, float **x, int64_t *n,
    dc_audio_info *info)
{
	float *mono;
	int64_t i;
	int c;

	info->rate_in = r;
	info->channels_in = ch;
	info->frames_in = frames;
	if (ch > 1) {
		mono = dc_xmalloc((size_t)(frames ? frames : 1) * sizeof *mono);
		for (i = 0; i < frames; i++) {
			double s = 0;
			for (c = 0; c < ch; c++)
				s += buf[i * ch + c];
			mono[i] = (float)(s / ch);
		}
		free(buf);
		buf = mono;
		info->downmixed = 1;
	}
	if (rate > 0 && rate != r) {
		int err = dc_resample(&buf, &frames, r, rate);
		if (err != DC_OK) {
			free(buf);
			return err;
		}
		info->resampled = 1;
	}
	*x = buf;
	*n = frames;
	return DC_OK;
}

int
dc_audio_length(const char *path, int64_t *frames, int *rate)
{
	SF_INFO si;
	SNDFILE *sf = open_read(path, &si);

	if (sf == NULL)
		return DC_EAUDIO;
	sf_close(sf);
	*frames = (int64_t)si.frames;
	*rate = si.samplerate;
	return DC_OK;
}

int
dc_audio_read(const char *path, int rate, float **x, int64_t *n, dc_audio_info *info)
{
	float *buf;
	int64_t frames;
	int ch, r, err;

	memset(info, 0, sizeof *info);
	if ((err = dc_audio_read_multi(path, &buf, &frames, &ch, &r)) != DC_OK)
		return err;
	return to_mono(buf, frames, ch, r, rate, x, n, info);
}

int
dc_audio_read_mem(const void *data, size_t len, int rate, float **x, int64_t *n,
    dc_audio_info *info)
{
	SF_VIRTUAL_IO vio = { mb_len, mb_seek, mb_read, mb_write, mb_tell };
	membuf m = { (unsigned char *)(uintptr_t)data, (sf_count_t)len, (sf_count_t)len, 0 };
	SF_INFO si;
	SNDFILE *sf;
	float *buf;
	int64_t frames;
	int ch, r, err;

	memset(info, 0, sizeof *info);
	memset(&si, 0, sizeof si);
	if ((sf = sf_open_virtual(&vio, SFM_READ, &si, &m)) == NULL) {
		set_err(sf_strerror(NULL));
		return DC_EAUDIO;
	}
	if ((err = read_all(sf, &si, &buf, &frames, &ch, &r)) != DC_OK)
		return err;
	return to_mono(buf, frames, ch, r, rate, x, n, info);
}

/* major_format: the container for a path's extension; WAV if none matches. */
static int
major_format(const char *path)
{
	static const struct {
		const char *ext;
		int fmt;
	} tab[] = {
		{ "wav", SF_FORMAT_WAV }, { "flac", SF_FORMAT_FLAC }, { "ogg", SF_FORMAT_OGG },
		{ "aiff", SF_FORMAT_AIFF }, { "aif", SF_FORMAT_AIFF }, { "au", SF_FORMAT_AU },
		{ "caf", SF_FORMAT_CAF }, { "w64", SF_FORMAT_W64 },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (strcasecmp(dot + 1, tab[i].ext) == 0)
				return tab[i].fmt;
	return SF_FORMAT_WAV;
}

/* put_frames: frames x[frames][channels] to sf, of format fmt; returns the count written */
static sf_count_t
put_frames(SNDFILE *sf, int fmt, const float *x, int64_t frames, int channels)
{
	sf_count_t put;

	if ((fmt & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16) {
		/* 16 bits converted here: libsndfile's clipping conversion rounds toward
		 * -inf (-1e-5 becomes -1), so 16-bit audio would not come back bit-exact;
		 * x * 32768 rounded to nearest is the inverse of its reading (s / 32768). */
		size_t i, ns = (size_t)(frames * channels);
		short *s = dc_xmalloc((ns ? ns : 1) * sizeof *s);
		for (i = 0; i < ns; i++) {
			double v = (double)x[i] * 32768.0;
			s[i] = v >= 32767.0 ? 32767 : v <= -32768.0 ? -32768 : v == v ? (short)lrint(v) : 0;
		}
		put = sf_writef_short(sf, s, frames);
		free(s);
	} else
		put = sf_writef_float(sf, x, frames);
	return put;
}

/* out_format: si's format for path's extension and encoding; DC_EAUDIO if the
 * container does not take it */
static int
out_format(SF_INFO *si, const char *path, int channels, int rate, int encoding)
{
	int major = strcmp(path, "-") == 0 ? SF_FORMAT_WAV : major_format(path);

	memset(si, 0, sizeof *si);
	si->samplerate = rate;
	si->channels = channels;
	if (major == SF_FORMAT_OGG)
		si->format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
	else if (encoding == DC_FLOAT && major != SF_FORMAT_FLAC)
		si->format = major | SF_FORMAT_FLOAT;
	else
		si->format = major | SF_FORMAT_PCM_16;
	if (!sf_format_check(si)) {
		set_err("the file format does not take this encoding");
		return DC_EAUDIO;
	}
	return DC_OK;
}

/* file_end: the end of writing a file through a (stdout if tostdout) after err:
 * committed in place, or on a fault aborted with the fault said in audio_err. */
static int
file_end(dc_atomic *a, int tostdout, int err)
{
	if (tostdout || err != DC_OK) {
		if (err != DC_OK)
			snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
		if (!tostdout)
			dc_atomic_abort(a);
		return err;
	}
	if (dc_atomic_commit(a) != DC_OK) {
		snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
		return DC_EAUDIO;
	}
	return DC_OK;
}

int
dc_audio_write(const char *path, const float *x, int64_t frames, int channels, int rate, int encoding)
{
	int tostdout = strcmp(path, "-") == 0;
	int major = tostdout ? SF_FORMAT_WAV : major_format(path);
	SF_VIRTUAL_IO vio = { mb_len, mb_seek, mb_read, mb_write, mb_tell };
	membuf m = { 0 };
	SF_INFO si;
	SNDFILE *sf;
	dc_atomic a;
	FILE *f;
	sf_count_t put;
	int err = DC_OK;

	memset(&si, 0, sizeof si);
	si.samplerate = rate;
	si.channels = channels;
	if (major == SF_FORMAT_OGG)
		si.format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
	else if (encoding == DC_FLOAT && major != SF_FORMAT_FLAC)
		si.format = major | SF_FORMAT_FLOAT;
	else
		si.format = major | SF_FORMAT_PCM_16;
	if (!sf_format_check(&si)) {
		set_err("the file format does not take this encoding");
		return DC_EAUDIO;
	}
	if ((sf = sf_open_virtual(&vio, SFM_WRITE, &si, &m)) == NULL) {
		set_err(sf_strerror(NULL));
		free(m.p);
		return DC_EAUDIO;
	}
	/* PCM: scale +-1.0 to full scale and clip instead of wrapping around */
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* no PEAK chunk in float files: it holds a time stamp, and equal input must give equal bytes */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	put = put_frames(sf, si.format, x, frames, channels);
	if (put != frames) {
		set_err(sf_strerror(sf));
		err = DC_EAUDIO;
	}
	if (sf_close(sf) != 0 && err == DC_OK) {
		set_err("closing the file failed");
		err = DC_EAUDIO;
	}
	if (err != DC_OK) {
		free(m.p);
		return err;
	}
	/* the whole file is in memory: copy it out */
	if (tostdout)
		f = stdout;
	else if ((f = dc_atomic_open(&a, path)) == NULL) {
		snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
		free(m.p);
		return DC_EAUDIO;
	}
	if (fwrite(m.p, 1, (size_t)m.len, f) != (size_t)m.len || fflush(f) != 0)
		err = DC_EAUDIO;
	free(m.p);
	return file_end(&a, tostdout, err);
}

/* ---------------------------------------------------------------- streaming */

#define PULL 8192       /* frames read from the file at a time */

struct dc_audio_in {
	SNDFILE *sf;
	int ch, rate_in, rate;
	soxr_t soxr;            /* NULL: no resampling */
	float *raw;             /* PULL frames as read */
	float *mono;            /* PULL samples */
	float *out;             /* resampled samples not yet handed out */
	size_t outcap, outlen, outpos;
	int eof, flushed;
	int exact;              /* the header's frame count is exact (dc_audio_in_exact) */
	int64_t frames_read;
};

int
dc_audio_open(const char *path, int rate, dc_audio_in **ap, dc_audio_info *info)
{
	dc_audio_in *a;
	SF_INFO si;
	SNDFILE *sf;
	soxr_error_t e = NULL;
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);

	memset(info, 0, sizeof *info);
	*ap = NULL;
	if ((sf = open_read(path, &si)) == NULL)
		return DC_EAUDIO;
	if (si.channels < 1 || si.samplerate < 1) {
		sf_close(sf);
		set_err("no channels or no sample rate");
		return DC_EAUDIO;
	}
	a = dc_xcalloc(1, sizeof *a);
	a->sf = sf;
	a->ch = si.channels;
	a->rate_in = si.samplerate;
	a->rate = rate > 0 ? rate : si.samplerate;
	a->raw = dc_xmalloc((size_t)PULL * (size_t)a->ch * sizeof *a->raw);
	a->mono = dc_xmalloc((size_t)PULL * sizeof *a->mono);
	info->rate_in = si.samplerate;
	info->channels_in = si.channels;
	info->frames_in = si.frames > 0 && si.frames < SF_COUNT_MAX ? (int64_t)si.frames : si.frames == 0 ? 0 : -1;
	info->downmixed = si.channels > 1;
	switch (si.format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV: case SF_FORMAT_WAVEX: case SF_FORMAT_RF64: case SF_FORMAT_W64:
	case SF_FORMAT_AIFF: case SF_FORMAT_AU: case SF_FORMAT_CAF: case SF_FORMAT_FLAC:
		a->exact = info->frames_in >= 0;
		break;
	}
	if (a->rate != a->rate_in) {
		/* the same filter as dc_resample's soxr_oneshot, fed a chunk at a time:
		 * the same samples */
		a->soxr = soxr_create(a->rate_in, a->rate, 1, &e, NULL, &q, NULL);
		if (e) {
			set_err(e);
			dc_audio_in_close(a);
			return DC_ERESAMPLE;
		}
		info->resampled = 1;
	}
	a->outcap = (size_t)((double)PULL * a->rate / a->rate_in) + PULL + 1024;
	a->out = dc_xmalloc(a->outcap * sizeof *a->out);
	*ap = a;
	return DC_OK;
}

/* read_mono: up to PULL frames from the file into a->mono; *n = 0 at its end */
static int
read_mono(dc_audio_in *a, int64_t *n)
{
	sf_count_t got = sf_readf_float(a->sf, a->raw, PULL);
	int64_t i;
	int c;

	*n = 0;
	if (got <= 0) {
		if (sf_error(a->sf) != SF_ERR_NO_ERROR) {
			set_err(sf_strerror(a->sf));
			return DC_EAUDIO;
		}
		return DC_OK;
	}
	for (i = 0; i < got * a->ch; i++)
		if (!isfinite(a->raw[i]))
			return DC_ENONFINITE;
	if (a->ch == 1)
		memcpy(a->mono, a->raw, (size_t)got * sizeof *a->mono);
	else
		for (i = 0; i < got; i++) {
			double sum = 0;
			for (c = 0; c < a->ch; c++)
				sum += a->raw[i * a->ch + c];
			a->mono[i] = (float)(sum / a->ch);
		}
	a->frames_read += got;
	*n = got;
	return DC_OK;
}

/* refill: the next chunk of the file, downmixed and resampled, into a->out (empty
 * before); after the file's end, the resampler's last samples; a->flushed when
 * nothing is left */
static int
refill(dc_audio_in *a)
{
	size_t idone, odone;
	soxr_error_t e;
	int64_t n, i;
	int err;

	a->outlen = a->outpos = 0;
	if (!a->eof) {
		if ((err = read_mono(a, &n)) != DC_OK)
			return err;
		if (n == 0)
			a->eof = 1;
		else if (a->soxr == NULL) {
			memcpy(a->out, a->mono, (size_t)n * sizeof *a->out);
			a->outlen = (size_t)n;
			return DC_OK;
		} else
			for (i = 0; i < n; i += (int64_t)idone) {
				if (a->outlen == a->outcap) {
					a->outcap *= 2;
					a->out = dc_xrealloc(a->out, a->outcap * sizeof *a->out);
				}
				e = soxr_process(a->soxr, a->mono + i, (size_t)(n - i), &idone,
				    a->out + a->outlen, a->outcap - a->outlen, &odone);
				if (e) {
					set_err(e);
					return DC_ERESAMPLE;
				}
				a->outlen += odone;
			}
	}
	if (a->eof) {
		if (a->soxr == NULL) {
			a->flushed = 1;
			return DC_OK;
		}
		e = soxr_process(a->soxr, NULL, 0, NULL, a->out, a->outcap, &odone);
		if (e) {
			set_err(e);
			return DC_ERESAMPLE;
		}
		a->outlen = odone;
		a->flushed = odone == 0;
	}
	/* finite input of extreme size can overflow in the filter */
	for (i = 0; i < (int64_t)a->outlen; i++)
		if (!isfinite(a->out[i]))
			return DC_ENONFINITE;
	return DC_OK;
}

int
dc_audio_pull(dc_audio_in *a, float *x, int64_t max, int64_t *got)
{
	size_t k;
	int err;

	*got = 0;
	while (*got < max) {
		if (a->outpos == a->outlen) {
			if (a->flushed)
				break;
			if ((err = refill(a)) != DC_OK)
				return err;
			continue;
		}
		k = a->outlen - a->outpos;
		if ((int64_t)k > max - *got)
			k = (size_t)(max - *got);
		memcpy(x + *got, a->out + a->outpos, k * sizeof *x);
		a->outpos += k;
		*got += (int64_t)k;
	}
	return DC_OK;
}

int64_t
dc_audio_in_frames(const dc_audio_in *a)
{
	return a->frames_read;
}

int
dc_audio_in_exact(const dc_audio_in *a)
{
	return a->exact;
}

void
dc_audio_in_close(dc_audio_in *a)
{
	if (a == NULL)
		return;
	if (a->sf)
		sf_close(a->sf);
	if (a->soxr)
		soxr_delete(a->soxr);
	free(a->raw);
	free(a->mono);
	free(a->out);
	free(a);
}

struct dc_audio_out {
	SNDFILE *sf;
	FILE *tmp;              /* the file libsndfile writes, unlinked */
	int fmt, channels;
	int64_t frames;
};

int
dc_audio_out_open(const char *path, int channels, int rate, int encoding, dc_audio_out **op)
{
	const char *dir = getenv("TMPDIR");
	char name[4096];
	dc_audio_out *o;
	SF_INFO si;
	int fd, err;

	*op = NULL;
	if ((err = out_format(&si, path, channels, rate, encoding)) != DC_OK)
		return err;
	snprintf(name, sizeof name, "%s/.dc-audio-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(name)) < 0) {
		set_err(strerror(errno));
		return DC_EAUDIO;
	}
	unlink(name);
	o = dc_xcalloc(1, sizeof *o);
	if ((o->tmp = fdopen(fd, "w+b")) == NULL) {
		set_err(strerror(errno));
		close(fd);
		free(o);
		return DC_EAUDIO;
	}
	if ((o->sf = sf_open_fd(fd, SFM_WRITE, &si, 0)) == NULL) {
		set_err(sf_strerror(NULL));
		fclose(o->tmp);
		free(o);
		return DC_EAUDIO;
	}
	sf_command(o->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	sf_command(o->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	o->fmt = si.format;
	o->channels = channels;
	*op = o;
	return DC_OK;
}

int
dc_audio_out_put(dc_audio_out *o, const float *x, int64_t frames)
{
	if (frames > 0 && put_frames(o->sf, o->fmt, x, frames, o->channels) != frames) {
		set_err(sf_strerror(o->sf));
		return DC_EAUDIO;
	}
	o->frames += frames;
	return DC_OK;
}

int
dc_audio_out_close(dc_audio_out *o, const char *path)
{
	char buf[1 << 16];
	int tostdout, err = DC_OK;
	dc_atomic a;
	size_t n;
	FILE *f = NULL;

	if (o == NULL)
		return DC_OK;
	if (sf_close(o->sf) != 0) {
		set_err("closing the file failed");
		err = DC_EAUDIO;
	}
	if (path == NULL || err != DC_OK) {
		fclose(o->tmp);
		free(o);
		return err;
	}
	/* the file is complete: copy it out, as dc_audio_write does */
	tostdout = strcmp(path, "-") == 0;
	if (tostdout)
		f = stdout;
	else if ((f = dc_atomic_open(&a, path)) == NULL) {
		snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
		fclose(o->tmp);
		free(o);
		return DC_EAUDIO;
	}
	rewind(o->tmp);
	while ((n = fread(buf, 1, sizeof buf, o->tmp)) > 0)
		if (fwrite(buf, 1, n, f) != n) {
			err = DC_EAUDIO;
			break;
		}
	if (err == DC_OK && (ferror(o->tmp) || fflush(f) != 0))
		err = DC_EAUDIO;
	fclose(o->tmp);
	free(o);
	return file_end(&a, tostdout, err);
}

const char *
dc_errmsg(int err)
{
	if (err == DC_EIO)
		return strerror(errno);
	if (err == DC_EAUDIO || err == DC_ERESAMPLE)
		return dc_audio_errstr();
	return dc_strerror(err);
}
