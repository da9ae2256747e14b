/*
 * tool.c: what the tools share above the library (tool.h): messages, exits, input
 * streams, stdout, and the record getters. It calls the library below it (util,
 * stream, stft, audio); nothing in libcommon calls it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "stream.h"
#include "stft.h"
#include "audio.h"
#include "text.h"
#include "tool.h"

/* ---------------------------------------------------------------- messages */

void
dc_setprog(const char *argv0)
{
	dc_prog_set(dc_path_base(argv0));
	/* a reader that goes away ends the tool quietly, as it ends any filter, even
	 * if the tool was started with SIGPIPE ignored (some shells and job runners
	 * do that): no "Broken pipe" message, whatever started it */
	signal(SIGPIPE, SIG_DFL);
}

static void
vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", dc_prog());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
dc_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
dc_errx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void
dc_usage_exit(const char *usage)
{
	fprintf(stderr, "usage: %s %s\n", dc_prog(), usage);
	exit(2);
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

/* ---------------------------------------------------------------- streams */

const char *
dc_path_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
}

/* open_in: stdin for "-" or NULL, else fopen(path, "rb"); NULL + errno on failure. */
static FILE *
open_in(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return stdin;
	return fopen(path, "rb");
}

void
dc_stream_fail(const char *what, dc_reader *rd, int err)
{
	if (err == DC_EIO)
		dc_errx(1, "%s: %s", what, strerror(errno));
	if (rd && err == DC_EORDER)     /* the record was read whole: it is the last one */
		dc_errx(1, "%s: %s (record %llu, byte %llu)", what, dc_strerror(err),
		    (unsigned long long)dc_reader_count(rd),
		    (unsigned long long)dc_reader_record_offset(rd));
	if (rd && (err == DC_ETRUNC || err == DC_EMALFORMED || err == DC_ENOTREC))
		dc_errx(1, "%s: %s (record %llu, byte %llu)", what, dc_strerror(err),
		    (unsigned long long)dc_reader_count(rd) + 1,
		    (unsigned long long)dc_reader_offset(rd));
	dc_errx(1, "%s: %s", what, dc_strerror(err));
}

dc_reader *
dc_open_stream(const char *path, dc_record *hdr, const char **name)
{
	dc_reader *rd;
	FILE *in;
	int err;

	*name = dc_path_name(path);
	if ((in = open_in(path)) == NULL)
		dc_errx(1, "%s: %s", *name, strerror(errno));
	rd = dc_reader_file(in);
	dc_reader_own_file(rd);
	if ((err = dc_read_header(rd, hdr)) != DC_OK)
		dc_stream_fail(*name, rd, err);
	return rd;
}

void
dc_writer_finish(dc_writer *w)
{
	int err = dc_writer_close(w);

	if (err == DC_EIO)
		dc_errx(1, "stdout: %s", strerror(errno));
	if (err != DC_OK)
		dc_errx(1, "stdout: %s", dc_strerror(err));
	dc_finish_stdout();
}

void
dc_stdout_not_tty(void)
{
	if (isatty(STDOUT_FILENO))
		dc_errx(2, "stdout is a terminal: redirect it to a file or pipe it (dc-dump shows a stream)");
}

void
dc_finish_stdout(void)
{
	if (dc_fclose_checked(stdout) != DC_OK)
		dc_errx(1, "stdout: %s", strerror(errno));
}

const char *
dc_shape_str(const dc_tensor *t, char *buf, size_t n)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, n - o, "[");
	for (i = 0; i < t->ndim && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
	if (o < n)
		snprintf(buf + o, n - o, "]");
	return buf;
}

void
dc_get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t)
{
	char sb[96];
	int err;

	if ((err = dc_rec_tensor(r, t)) != DC_OK)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(err));
	if (t->dtype != dtype)
		dc_errx(1, "%s: %s record: dtype %s, wanted %s", id, r->kind, dc_dtype_name(t->dtype),
		    dc_dtype_name(dtype));
	if (t->ndim != ndim)
		dc_errx(1, "%s: %s record: shape %s, wanted %s", id, r->kind,
		    dc_shape_str(t, sb, sizeof sb), want);
	if (dc_tensor_finite(t) != DC_OK)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
}

void
dc_get_stft(const char *id, const dc_record *r, dc_tensor *X, dc_stft_params *p)
{
	char sb[96];
	int err;

	if ((err = dc_rec_stft_params(r, p)) != DC_OK)
		dc_errx(1, "%s: stft record: %s", id, dc_strerror(err));
	dc_get_tensor(id, r, DC_C64, 2, "[T, F]", X);
	if (X->shape[0] != dc_stft_frames(p) || X->shape[1] != p->nfft / 2 + 1)
		dc_errx(1, "%s: stft record: shape %s disagrees with its samples, nfft and hop "
		    "([%lld, %lld])", id, dc_shape_str(X, sb, sizeof sb), (long long)dc_stft_frames(p),
		    (long long)(p->nfft / 2 + 1));
}
