/*
 * audio.c: audio out through libsndfile, and what reading (audioin.c) shares
 * with it. Writing goes to a temporary file renamed into place, so a failed
 * write (full disk, a signal) never leaves a partial file under the final name.
 * Reading, with its resampling through libsoxr, is apart, so that a tool that
 * only writes (dc-istft) does not load libsoxr and its OpenMP runtime.
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

#include "util.h"
#include "outpath.h"
#include "audio.h"
#include "audio_impl.h"

/* the membuf's (audio_impl.h) SF_VIRTUAL_IO */
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

SNDFILE *
dc_audio_open_mem(membuf *m, int mode, SF_INFO *si)
{
	SF_VIRTUAL_IO vio = { mb_len, mb_seek, mb_read, mb_write, mb_tell };

	return sf_open_virtual(&vio, mode, si, m);
}

/* major_format: the container for a path's extension, with its codec where it is
 * a lossy one (the encoding does not apply); WAV if none matches. */
static int
major_format(const char *path)
{
	static const struct {
		const char *ext;
		int fmt;
	} tab[] = {
		{ "wav", SF_FORMAT_WAV }, { "flac", SF_FORMAT_FLAC },
		{ "ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS },
		{ "oga", SF_FORMAT_OGG | SF_FORMAT_VORBIS }, { "opus", SF_FORMAT_OGG | SF_FORMAT_OPUS },
		{ "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III },
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

const char *
dc_audio_unwritable(const char *path)
{
	/* containers of audio that libsndfile reads or writes under no name here */
	static const char *const tab[] = {
		"m4a", "m4b", "mp4", "aac", "alac", "wma", "webm", "mka", "amr", "ac3",
		"ape", "wv", "mp2", "ra", "3gp",
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (strcasecmp(dot + 1, tab[i]) == 0)
				return dot + 1;
	return NULL;
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

/* out_args: DC_EPARAM unless path is given, channels and rate are 1 or more and
 * encoding is DC_PCM16 or DC_FLOAT */
static int
out_args(const char *path, int channels, int rate, int encoding)
{
	if (path == NULL || channels < 1 || rate < 1 || (encoding != DC_PCM16 && encoding != DC_FLOAT))
		return DC_EPARAM;
	return DC_OK;
}

/* out_format: si's format for path's extension and encoding; DC_EAUDIO if the
 * container does not take it */
static int
out_format(SF_INFO *si, const char *path, int channels, int rate, int encoding)
{
	int major = strcmp(path, "-") == 0 ? SF_FORMAT_WAV : major_format(path);

	const char *ext = strcmp(path, "-") == 0 ? NULL : dc_audio_unwritable(path);

	if (ext) {
		char m[128];

		snprintf(m, sizeof m, "no tool writes %.8s audio (the extension picks the "
		    "format: " DC_AUDIO_WRITES ")", ext);
		dc_audio_set_err(m);
		return DC_EAUDIO;
	}
	memset(si, 0, sizeof *si);
	si->samplerate = rate;
	si->channels = channels;
	if (major & SF_FORMAT_SUBMASK)
		si->format = major;     /* Vorbis, Opus, MP3 */
	else if (encoding == DC_FLOAT && major != SF_FORMAT_FLAC)
		si->format = major | SF_FORMAT_FLOAT;
	else
		si->format = major | SF_FORMAT_PCM_16;
	if (!sf_format_check(si)) {
		dc_audio_set_err("the file format does not take this encoding");
		return DC_EAUDIO;
	}
	return DC_OK;
}

/* file_end: the end of writing a file through a (stdout if tostdout) after err:
 * committed in place, or on a fault aborted with the fault said in dc_audio_errstr(). */
static int
file_end(dc_atomic *a, int tostdout, int err)
{
	if (tostdout || err != DC_OK) {
		if (err != DC_OK)
			dc_audio_set_err(strerror(errno));
		if (!tostdout)
			dc_atomic_abort(a);
		return err;
	}
	if (dc_atomic_commit(a) != DC_OK) {
		dc_audio_set_err(strerror(errno));
		return DC_EAUDIO;
	}
	return DC_OK;
}

int
dc_audio_write(const char *path, const float *x, int64_t frames, int channels, int rate, int encoding)
{
	int tostdout;
	membuf m = { 0 };
	SF_INFO si;
	SNDFILE *sf;
	dc_atomic a;
	FILE *f;
	sf_count_t put;
	int err = DC_OK;

	if (out_args(path, channels, rate, encoding) != DC_OK || frames < 0 ||
	    frames > INT64_MAX / channels || (x == NULL && frames > 0))
		return DC_EPARAM;
	if (frames > 0 && dc_floats_finite(x, frames * channels) != DC_OK)
		return DC_ENONFINITE;
	tostdout = strcmp(path, "-") == 0;
	if ((err = out_format(&si, path, channels, rate, encoding)) != DC_OK)
		return err;
	if ((sf = dc_audio_open_mem(&m, SFM_WRITE, &si)) == NULL) {
		dc_audio_set_err(sf_strerror(NULL));
		free(m.p);
		return DC_EAUDIO;
	}
	/* PCM: scale +-1.0 to full scale and clip instead of wrapping around */
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* no PEAK chunk in float files: it holds a time stamp, and equal input must give equal bytes */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	put = put_frames(sf, si.format, x, frames, channels);
	if (put != frames) {
		dc_audio_set_err(sf_strerror(sf));
		err = DC_EAUDIO;
	}
	if (sf_close(sf) != 0 && err == DC_OK) {
		dc_audio_set_err("closing the file failed");
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
		dc_audio_set_err(strerror(errno));
		free(m.p);
		return DC_EAUDIO;
	}
	if (fwrite(m.p, 1, (size_t)m.len, f) != (size_t)m.len || fflush(f) != 0)
		err = DC_EAUDIO;
	free(m.p);
	return file_end(&a, tostdout, err);
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

	if (op == NULL)
		return DC_EPARAM;
	*op = NULL;
	if (out_args(path, channels, rate, encoding) != DC_OK)
		return DC_EPARAM;
	if ((err = out_format(&si, path, channels, rate, encoding)) != DC_OK)
		return err;
	snprintf(name, sizeof name, "%s/.dc-audio-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(name)) < 0) {
		dc_audio_set_err(strerror(errno));
		return DC_EAUDIO;
	}
	unlink(name);
	o = dc_xcalloc(1, sizeof *o);
	if ((o->tmp = fdopen(fd, "w+b")) == NULL) {
		dc_audio_set_err(strerror(errno));
		close(fd);
		free(o);
		return DC_EAUDIO;
	}
	if ((o->sf = sf_open_fd(fd, SFM_WRITE, &si, 0)) == NULL) {
		dc_audio_set_err(sf_strerror(NULL));
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
	if (o == NULL || frames < 0 || frames > INT64_MAX / o->channels || (x == NULL && frames > 0))
		return DC_EPARAM;
	if (frames > 0 && dc_floats_finite(x, frames * o->channels) != DC_OK)
		return DC_ENONFINITE;
	if (frames > 0 && put_frames(o->sf, o->fmt, x, frames, o->channels) != frames) {
		dc_audio_set_err(sf_strerror(o->sf));
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
		dc_audio_set_err("closing the file failed");
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
		dc_audio_set_err(strerror(errno));
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
