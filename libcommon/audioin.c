/*
 * audioin.c: audio in through libsndfile, resampled through libsoxr.
 *
 * Reading takes any format libsndfile knows, from a file or from stdin ("-"),
 * averages the channels to mono and resamples to the rate asked for, saying
 * which of these it did in dc_audio_info so that the tool can tell the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sndfile.h>
#include <soxr.h>

#include "util.h"
#include "audio.h"
#include "audio_impl.h"

/* spool_stdin: standard input that is not a regular file, copied to an unlinked
 * temporary file in $TMPDIR (or /tmp): its descriptor, at its start; -1 with
 * the error set */
static int
spool_stdin(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], buf[65536];
	ssize_t n, w, off;
	int fd, e;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/dcsep-stdin-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		e = errno;
		snprintf(buf, sizeof buf, "copying the pipe to %s: %s", dir, strerror(e));
		dc_audio_set_err(buf);
		return -1;
	}
	unlink(path);
	while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		for (off = 0; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) < 0) {
				if (errno != EINTR)
					goto fail;
				w = 0;
			}
	}
	if (lseek(fd, 0, SEEK_SET) == 0)
		return fd;
fail:
	e = errno;
	close(fd);
	snprintf(buf, sizeof buf, "copying the pipe to %s: %s", dir, strerror(e));
	dc_audio_set_err(buf);
	return -1;
}

#define STREAM_NOT_AUDIO "a dcsep stream, not audio"

/* stream_at: whether fd's first bytes are a dcsep stream's (formats/stream.md: a
 * map whose first key is "kind", "dcsep"), read without moving its offset */
static int
stream_at(int fd)
{
	static const char sig[] = "\xa4" "kind" "\xa5" "dcsep";
	unsigned char b[sizeof sig];

	return pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b && (b[0] & 0xf0) == 0x80 &&
	    memcmp(b + 1, sig, sizeof sig - 1) == 0;
}

static SNDFILE *
open_read(const char *path, SF_INFO *si)
{
	SNDFILE *sf;
	struct stat st;
	int in = strcmp(path, "-") == 0;

	memset(si, 0, sizeof *si);
	memset(&st, 0, sizeof st);
	/* audio is never typed: a terminal would be waited on without a word */
	if (in && isatty(STDIN_FILENO)) {
		dc_audio_set_err("a terminal, not audio: give a file, or pipe one in");
		return NULL;
	}
	/* libsndfile opens a directory and calls it "Format not recognised" */
	if ((in ? fstat(STDIN_FILENO, &st) : stat(path, &st)) == 0 && S_ISDIR(st.st_mode)) {
		dc_audio_set_err(strerror(EISDIR));
		return NULL;
	}
	/* and an empty file "Format not recognised" */
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		dc_audio_set_err("empty file");
		return NULL;
	}
	/* a stream where audio was wanted (dc-oracle m.dcs s1.wav); on stdin, asked
	 * first: libsndfile closes a descriptor it fails to open, even one it was
	 * told to leave open */
	if (in && S_ISREG(st.st_mode) && stream_at(STDIN_FILENO)) {
		dc_audio_set_err(STREAM_NOT_AUDIO);
		return NULL;
	}
	if (in && S_ISREG(st.st_mode))
		sf = sf_open_fd(STDIN_FILENO, SFM_READ, si, 0);
	else if (in) {
		/* a pipe: libsndfile seeks in FLAC, Ogg and others, which a pipe
		 * cannot do ("flac decoder lost sync"), so it reads a copy */
		int fd = spool_stdin();
		if (fd < 0)
			return NULL;
		if (fstat(fd, &st) == 0 && st.st_size == 0) {
			close(fd);
			dc_audio_set_err("empty file");
			return NULL;
		}
		if (stream_at(fd)) {
			close(fd);
			dc_audio_set_err(STREAM_NOT_AUDIO);
			return NULL;
		}
		/* failing, it closes fd itself */
		sf = sf_open_fd(fd, SFM_READ, si, 1);
	} else
		sf = sf_open(path, SFM_READ, si);
	if (sf == NULL) {
		/* looked at again only if a regular file: a FIFO's writer is gone */
		int fd = in || !S_ISREG(st.st_mode) ? -1 : open(path, O_RDONLY);

		if (fd >= 0 && stream_at(fd))
			dc_audio_set_err(STREAM_NOT_AUDIO);
		else
			dc_audio_set_err(sf_strerror(NULL));
		if (fd >= 0)
			close(fd);
	}
	return sf;
}

/* exact_length: whether the format's header gives its frames exactly (others,
 * Ogg among them, estimate them) */
static int
exact_length(const SF_INFO *si)
{
	switch (si->format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV: case SF_FORMAT_WAVEX: case SF_FORMAT_RF64: case SF_FORMAT_W64:
	case SF_FORMAT_AIFF: case SF_FORMAT_AU: case SF_FORMAT_CAF: case SF_FORMAT_FLAC:
		return 1;
	}
	return 0;
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
		dc_audio_set_err("no channels or no sample rate");
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
		dc_audio_set_err(sf_strerror(sf));
		err = DC_EAUDIO;
	}
	/* a FLAC file cut short: its header gave more than its frames decode to */
	if (err == DC_OK && exact_length(si) && si->frames > 0 && si->frames < SF_COUNT_MAX &&
	    n != si->frames) {
		char m[128];
		snprintf(m, sizeof m, "%lld samples read, but the file's header gave %lld",
		    (long long)n, (long long)si->frames);
		dc_audio_set_err(m);
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
	SNDFILE *sf;

	if (path == NULL || x == NULL || frames == NULL || channels == NULL || rate == NULL)
		return DC_EPARAM;
	if ((sf = open_read(path, &si)) == NULL)
		return DC_EAUDIO;
	return read_all(sf, &si, x, frames, channels, rate);
}

int
dc_resample(float **x, int64_t *n, double from, double to)
{
	double want;
	size_t olen, odone = 0;
	float *out;
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
	soxr_error_t e;
	int64_t i;

	if (x == NULL || n == NULL || *n < 0 || (*x == NULL && *n > 0) || !(from > 0) ||
	    !(to > 0) || !isfinite(from) || !isfinite(to))
		return DC_EPARAM;
	want = (double)*n * to / from + 1.5;
	if (!isfinite(want))
		return DC_EPARAM;
	if (want > (double)dc_limit_elems() + 1.5)
		return DC_ELIMIT;
	olen = (size_t)want;
	out = dc_xmalloc(olen * sizeof *out);
	e = soxr_oneshot(from, to, 1, *x, (size_t)*n, NULL, out, olen, &odone, NULL, &q, NULL);
	if (e) {
		dc_audio_set_err(e);
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
	SNDFILE *sf;

	if (path == NULL || frames == NULL || rate == NULL)
		return DC_EPARAM;
	if ((sf = open_read(path, &si)) == NULL)
		return DC_EAUDIO;
	sf_close(sf);
	*frames = (int64_t)si.frames;
	*rate = si.samplerate;
	return DC_OK;
}

/*
 * claimed_frames: the frames a file's header claims where the file ends before
 * them (a WAV, AIFF or AU file cut short), 0 otherwise, for other containers
 * (CAF's log counts other bytes), where the encoding's bytes a frame are not
 * fixed, and where the claim is a writer's "length unknown" (a WAV or AIFF
 * written to a pipe: sox puts 0x7ffff000, ffmpeg 0xffffffff, 0x7f000000 and up
 * are taken as such). libsndfile reads what is there and only says so in its
 * log, as "data : 138140 (should be 19920)" for the sound data's chunk (AIFF's
 * SSND, AU's "Data Size"): bytes claimed, then bytes there.
 */
static int64_t
claimed_frames(SNDFILE *sf, const SF_INFO *si)
{
	char log[8192], name[16], *l, *next;
	long long claim, there;
	int64_t bps;
	size_t n;

	switch (si->format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV: case SF_FORMAT_WAVEX: case SF_FORMAT_AIFF: case SF_FORMAT_AU:
		break;
	default:
		return 0;
	}
	switch (si->format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8: case SF_FORMAT_PCM_U8: case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW: bps = 1; break;
	case SF_FORMAT_PCM_16: bps = 2; break;
	case SF_FORMAT_PCM_24: bps = 3; break;
	case SF_FORMAT_PCM_32: case SF_FORMAT_FLOAT: bps = 4; break;
	case SF_FORMAT_DOUBLE: bps = 8; break;
	default: return 0;
	}
	if (si->frames < 0 || si->frames >= SF_COUNT_MAX || si->channels < 1)
		return 0;
	log[0] = '\0';
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
	log[sizeof log - 1] = '\0';
	for (l = log; *l; l = next) {
		if ((next = strchr(l, '\n')) == NULL)
			next = l + strlen(l);
		else
			*next++ = '\0';
		if (sscanf(l, " %15[^:]: %lld (should be %lld)", name, &claim, &there) != 3)
			continue;
		for (n = strlen(name); n > 0 && name[n - 1] == ' '; n--)
			name[n - 1] = '\0';
		if ((strcmp(name, "data") == 0 || strcmp(name, "SSND") == 0 ||
		    strcmp(name, "Data Size") == 0) && there >= 0 && claim > there &&
		    claim < 0x7f000000)
			return si->frames + (claim - there + bps * si->channels - 1) /
			    (bps * si->channels);
	}
	return 0;
}

int
dc_audio_read(const char *path, int rate, float **x, int64_t *n, dc_audio_info *info)
{
	SF_INFO si;
	SNDFILE *sf;
	float *buf;
	int64_t frames, claim;
	int ch, r, err;

	if (info == NULL || x == NULL || n == NULL || rate < 0)
		return DC_EPARAM;
	memset(info, 0, sizeof *info);
	if (path == NULL)
		return DC_EPARAM;
	if ((sf = open_read(path, &si)) == NULL)
		return DC_EAUDIO;
	claim = claimed_frames(sf, &si);
	if ((err = read_all(sf, &si, &buf, &frames, &ch, &r)) != DC_OK)
		return err;
	err = to_mono(buf, frames, ch, r, rate, x, n, info);
	info->frames_claimed = claim > frames ? claim : 0;
	return err;
}

int
dc_audio_read_mem(const void *data, size_t len, int rate, float **x, int64_t *n,
    dc_audio_info *info)
{
	membuf m = { (unsigned char *)(uintptr_t)data, (sf_count_t)len, (sf_count_t)len, 0 };
	SF_INFO si;
	SNDFILE *sf;
	float *buf;
	int64_t frames;
	int ch, r, err;

	if (info == NULL || x == NULL || n == NULL || rate < 0 || (data == NULL && len > 0))
		return DC_EPARAM;
	memset(info, 0, sizeof *info);
	memset(&si, 0, sizeof si);
	if ((sf = dc_audio_open_mem(&m, SFM_READ, &si)) == NULL) {
		dc_audio_set_err(sf_strerror(NULL));
		return DC_EAUDIO;
	}
	if ((err = read_all(sf, &si, &buf, &frames, &ch, &r)) != DC_OK)
		return err;
	return to_mono(buf, frames, ch, r, rate, x, n, info);
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

	if (info == NULL || ap == NULL)
		return DC_EPARAM;
	memset(info, 0, sizeof *info);
	*ap = NULL;
	if (path == NULL || rate < 0)
		return DC_EPARAM;
	if ((sf = open_read(path, &si)) == NULL)
		return DC_EAUDIO;
	if (si.channels < 1 || si.samplerate < 1) {
		sf_close(sf);
		dc_audio_set_err("no channels or no sample rate");
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
	info->frames_claimed = claimed_frames(sf, &si);
	a->exact = exact_length(&si) && info->frames_in >= 0;
	if (a->rate != a->rate_in) {
		/* the same filter as dc_resample's soxr_oneshot, fed a chunk at a time:
		 * the same samples */
		a->soxr = soxr_create(a->rate_in, a->rate, 1, &e, NULL, &q, NULL);
		if (e) {
			dc_audio_set_err(e);
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
			dc_audio_set_err(sf_strerror(a->sf));
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
					dc_audio_set_err(e);
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
			dc_audio_set_err(e);
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

	if (got == NULL)
		return DC_EPARAM;
	*got = 0;
	if (a == NULL || max < 0 || (x == NULL && max > 0))
		return DC_EPARAM;
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

int64_t
dc_audio_beyond(const float *x, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (fabsf(x[i]) > DC_AUDIO_MAX)
			return i;
	return -1;
}
