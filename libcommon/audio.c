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
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

#include "dc.h"

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

static SNDFILE *
open_read(const char *path, SF_INFO *si)
{
	SNDFILE *sf;

	memset(si, 0, sizeof *si);
	if (strcmp(path, "-") == 0)
		sf = sf_open_fd(STDIN_FILENO, SFM_READ, si, 0);
	else
		sf = sf_open(path, SFM_READ, si);
	if (sf == NULL)
		set_err(sf_strerror(NULL));
	return sf;
}

/* read_all: every frame of an open file, interleaved; frames counted as read,
 * since a pipe does not know its length in advance. */
static int
read_all(SNDFILE *sf, const SF_INFO *si, float **x, int64_t *frames)
{
	int64_t cap = si->frames > 0 && si->frames < (INT64_C(1) << 40) ? si->frames : 1 << 16;
	int64_t n = 0, lim = dc_limit_elems();
	float *buf = NULL;
	sf_count_t got;

	for (;;) {
		if (n + 4096 > cap || buf == NULL) {
			if (n + 4096 > cap)
				cap = 2 * cap + 4096;
			if (cap * si->channels > lim) {
				free(buf);
				return DC_ELIMIT;
			}
			buf = dc_xrealloc(buf, (size_t)(cap * si->channels) * sizeof *buf);
		}
		got = sf_readf_float(sf, buf + n * si->channels, cap - n);
		if (got <= 0)
			break;
		n += got;
	}
	if (sf_error(sf) != SF_ERR_NO_ERROR) {
		set_err(sf_strerror(sf));
		free(buf);
		return DC_EAUDIO;
	}
	*x = buf;
	*frames = n;
	return DC_OK;
}

int
dc_audio_read_multi(const char *path, float **x, int64_t *frames, int *channels, int *rate)
{
	SF_INFO si;
	SNDFILE *sf = open_read(path, &si);
	int err;

	if (sf == NULL)
		return DC_EAUDIO;
	if (si.channels < 1 || si.samplerate < 1) {
		sf_close(sf);
		set_err("no channels or no sample rate");
		return DC_EAUDIO;
	}
	err = read_all(sf, &si, x, frames);
	sf_close(sf);
	*channels = si.channels;
	*rate = si.samplerate;
	return err;
}

int
dc_audio_read(const char *path, int rate, float **x, int64_t *n, dc_audio_info *info)
{
	float *buf, *mono;
	int64_t frames, i;
	int ch, r, c, err;

	memset(info, 0, sizeof *info);
	if ((err = dc_audio_read_multi(path, &buf, &frames, &ch, &r)) != DC_OK)
		return err;
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
		size_t olen = (size_t)((double)frames * rate / r + 1.5), odone = 0;
		float *out = dc_xmalloc(olen * sizeof *out);
		soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
		soxr_error_t e = soxr_oneshot(r, rate, 1, buf, (size_t)frames, NULL, out, olen, &odone,
		    NULL, &q, NULL);
		free(buf);
		if (e) {
			set_err(e);
			free(out);
			return DC_ERESAMPLE;
		}
		buf = out;
		frames = (int64_t)odone;
		info->resampled = 1;
	}
	*x = buf;
	*n = frames;
	return DC_OK;
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

int
dc_audio_write(const char *path, const float *x, int64_t frames, int channels, int rate, int encoding)
{
	int tostdout = strcmp(path, "-") == 0;
	int major = tostdout ? SF_FORMAT_WAV : major_format(path);
	SF_INFO si;
	SNDFILE *sf;
	dc_atomic a;
	sf_count_t put;
	int fd, err = DC_OK;

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
	if (tostdout) {
		fd = STDOUT_FILENO;
	} else {
		if (dc_atomic_open(&a, path) == NULL) {
			snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
			return DC_EAUDIO;
		}
		fd = fileno(a.f);
	}
	if ((sf = sf_open_fd(fd, SFM_WRITE, &si, 0)) == NULL) {
		set_err(sf_strerror(NULL));
		if (!tostdout)
			dc_atomic_abort(&a);
		return DC_EAUDIO;
	}
	/* PCM: scale +-1.0 to full scale and clip instead of wrapping around */
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* no PEAK chunk in float files: it holds a time stamp, and equal input must give equal bytes */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	put = sf_writef_float(sf, x, frames);
	if (put != frames) {
		set_err(sf_strerror(sf));
		err = DC_EAUDIO;
	}
	sf_write_sync(sf);
	if (sf_close(sf) != 0 && err == DC_OK) {
		set_err("closing the file failed");
		err = DC_EAUDIO;
	}
	if (tostdout)
		return err;
	if (err != DC_OK) {
		dc_atomic_abort(&a);
		return err;
	}
	if (dc_atomic_commit(&a) != DC_OK) {
		snprintf(audio_err, sizeof audio_err, "%s", strerror(errno));
		return DC_EAUDIO;
	}
	return DC_OK;
}
