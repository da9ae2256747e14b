/*
 * tool.h: what the tools share above the library (tool.c): messages on stderr in
 * the form "prog: what: why", exit codes (0 ok, 1 data or I/O error, 2 usage),
 * opening input streams, finishing stdout, and one getter per record kind that
 * checks a record before a tool uses it. Unlike the rest of libcommon, these print
 * and exit; nothing in libcommon calls them.
 */
#ifndef DC_TOOL_H
#define DC_TOOL_H

#include "util.h"
#include "stream.h"
#include "stft.h"

/* ---------------------------------------------------------------- messages */

/* dc_setprog: the program name for messages, from argv[0]. Also restores the
 * default action of SIGPIPE, so that every tool is killed by it, quietly, when the
 * reader of its output goes away (as filters are), however it was started. */
void dc_setprog(const char *argv0);
/* dc_warnx, dc_errx: "prog: " and the message on stderr; dc_errx then exits. */
void dc_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void dc_errx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dc_usage_exit: prints the usage line and exits 2. */
_Noreturn void dc_usage_exit(const char *usage);
/* dc_errmsg: the message for an error code that a library call just returned:
 * strerror(errno) for DC_EIO, libsndfile's or libsoxr's for DC_EAUDIO and
 * DC_ERESAMPLE (dc_audio_errstr), else dc_strerror(err). */
const char *dc_errmsg(int err);
/* dc_shape_str: "[2, 3, 4]" in buf; returns buf. */
const char *dc_shape_str(const dc_tensor *t, char *buf, size_t n);

/* ---------------------------------------------------------------- streams */

/* dc_path_name: path as messages name it: "stdin" for "-" or NULL. */
const char *dc_path_name(const char *path);
/* dc_open_stream: the stream in path (stdin for NULL or "-") with its header read
 * into hdr; *name becomes "stdin" or path, for messages. The reader owns the file.
 * Exits 1 with "prog: name: problem" if it cannot be opened or has no header. */
dc_reader *dc_open_stream(const char *path, dc_record *hdr, const char **name);
/* dc_stream_fail: prints "prog: <what>: <message>", with the record and its byte
 * offset where the reader knows them, and exits 1. */
_Noreturn void dc_stream_fail(const char *what, dc_reader *rd, int err);
/* dc_finish_stdout: checks stdout was fully written; exits 1 with a message if not. */
void dc_finish_stdout(void);
/* dc_stdout_not_tty: exits 2 with a message if stdout is a terminal (for tools
 * that write binary streams). */
void dc_stdout_not_tty(void);
/* dc_writer_finish: closes a writer on stdout, then dc_finish_stdout(); on a failed
 * write prints "prog: stdout: <strerror>" and exits 1. */
void dc_writer_finish(dc_writer *w);

/* ---------------------------------------------------------------- records */

/* dc_get_tensor: the record's tensor, checked for dtype, rank and finite values;
 * else prints "prog: <id>: <kind> record: <problem>" and exits 1. want names the
 * shape in the message, e.g. "[T, F]". */
void dc_get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t);
/* dc_get_stft: an stft record's tensor and parameters, checked for dtype, finite
 * values and a shape that agrees with its samples, nfft and hop; exits 1 else. */
void dc_get_stft(const char *id, const dc_record *r, dc_tensor *X, dc_stft_params *p);

#endif
