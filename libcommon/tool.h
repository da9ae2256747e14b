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
#include "kmeans.h"
#include "audio.h"
#include "text.h"

/* ---------------------------------------------------------------- messages */

/* dc_setprog: the program name for messages, from argv[0]. Also restores the
 * default action of SIGPIPE, so that every tool is killed by it, quietly, when the
 * reader of its output goes away (as filters are), however it was started. */
void dc_setprog(const char *argv0);
/* dc_warnx, dc_errx: "prog: " and the message on stderr; dc_errx then exits. */
void dc_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
DC_NORETURN void dc_errx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dc_errx_hook: fn runs once, after the message of the next dc_errx (or
 * dc_stream_fail) and before its exit, for a tool that holds finished work back
 * (dc-embed -b) to write it; NULL: none. A dc_errx inside fn exits at once. */
void dc_errx_hook(void (*fn)(void));
/* dc_now: a monotonic clock, in seconds */
double dc_now(void);
/* dc_progress: on a terminal, "prog: " and the message (escaped as dc_warnx's,
 * cut to the terminal's width) rewritten in place, at most 4 times a second,
 * and only once the first call is DC_PROGRESS_AFTER seconds old (work that
 * short shows none); nothing where stderr is no terminal. dc_progress_now: the
 * same, at once, for a line that must not wait (what runs next may be long).
 * dc_warnx and dc_errx wipe the line before theirs; dc_progress_end wipes it at
 * the end of the work. */
#define DC_PROGRESS_AFTER 1.0
void dc_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dc_progress_now(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dc_progress_end(void);
/* dc_usage_exit: prints the usage line and exits 2. */
DC_NORETURN void dc_usage_exit(const char *usage);
/* dc_model_errmsg: dc_errmsg(err) for a model at path that failed to load, or,
 * where the file is a stream (its header first), words that say so. */
const char *dc_model_errmsg(const char *path, int err);
/* dc_pattern_dir: exits 1 with "TOOL: dir/: why (a tool makes no directories)"
 * where an output pattern's directory part, when it holds no % conversion, is
 * not a directory: said at once, before the work whose files it would hold. */
void dc_pattern_dir(const char *pat);
/* dc_getopt: getopt(3) on the tool's options, with the two every tool shares
 * handled here: -h calls help and exits 0, and an unknown option or a missing
 * argument prints "TOOL: invalid option -- 'x'" (or "option requires an argument",
 * a byte that is not printable as '\xNN'), then the usage line, and exits 2; so
 * does an operand that starts with '-' (not "-" alone) after the options, unless
 * "--" ended them: "TOOL: -B: an option after the operands: ...". */
int dc_getopt(int argc, char **argv, const char *optstring, const char *usage,
    void (*help)(void));
/* dc_shape_str: "[2, 3, 4]" in buf; returns buf. */
const char *dc_shape_str(const dc_tensor *t, char *buf, size_t n);

/* ---------------------------------------------------------------- streams */

/* dc_arg_path: the one operand left after the options (argv[optind]), or NULL
 * (stdin) when there is none; more than one says so, prints the usage and exits 2. */
const char *dc_arg_path(int argc, char **argv, const char *usage);

/* dc_open_stream: the stream in path (stdin for NULL or "-") with its header read
 * into hdr; *name becomes "stdin" or path, for messages. The reader owns the file.
 * Exits 1 with "prog: name: problem" if it cannot be opened or has no header. */
dc_reader *dc_open_stream(const char *path, dc_record *hdr, const char **name);
/* dc_stream_fail: prints "prog: <what>: <message>", with the record and its byte
 * offset where the reader knows them, and exits 1. */
DC_NORETURN void dc_stream_fail(const char *what, dc_reader *rd, int err);
/* dc_finish_stdout: checks stdout was fully written; exits 1 with a message if not. */
void dc_finish_stdout(void);
/* dc_stdin_not_tty: exits 2 with a message if stdin, where a stream is read, is
 * a terminal (a stream is never typed: the tool would wait without a word). */
void dc_stdin_not_tty(void);
/* dc_stdin_audio_not_tty: the same where audio is read: exits 2 if one of the n
 * paths is "-" and stdin is a terminal (one would be waited on without a word) */
void dc_stdin_audio_not_tty(char *const *paths, int n);
/* dc_stdout_not_tty: exits 2 with a message if stdout is a terminal (for tools
 * that write binary output): what it would be ("WAV audio"), NULL for a stream. */
void dc_stdout_not_tty(const char *what);
/* dc_writer_finish: closes a writer on stdout, then dc_finish_stdout(); on a failed
 * write prints "prog: stdout: <strerror>" and exits 1. */
void dc_writer_finish(dc_writer *w);

/* dc_utt_fn: what a tool does to one utterance (u, whose id is id); it may append
 * records to u. arg is the caller's. */
typedef void dc_utt_fn(dc_utt *u, const char *id, void *arg);
/* dc_each_utt: the loop of a tool that reads a stream utterance by utterance: opens
 * path (stdin for NULL or "-"), calls fn on each utterance, and with a tool name
 * writes the stream to stdout as it goes (the header with tool added to its
 * history, each utterance after fn), refusing a terminal; with tool NULL writes
 * nothing. Exits 1 on an utterance without an id ("prog: <name>: utt record:
 * ..."), a stream error or a failed write. */
void dc_each_utt(const char *path, const char *tool, dc_utt_fn *fn, void *arg);
/* dc_each_utt_use: dc_each_utt on the records of the kinds listed in use alone
 * (dc_reader_select): the others are passed on to stdout byte for byte as they
 * arrive, or dropped with tool NULL, never held; records of the kinds in eat are
 * read but not passed on. fn may only append to u. */
void dc_each_utt_use(const char *path, const char *tool, const char *const *use,
    const char *const *eat, dc_utt_fn *fn, void *arg);

/*
 * Utterances in blocks (formats/stream.md, "Blocks"). A tool that handles a block
 * at a time reads units (stream.h, dc_read_unit): a whole utterance, or one block
 * of an utterance in blocks. dc_unit_fn: what a tool does to one unit u (of the
 * utterance whose id is id; b says whether it is a block, its t0, frames, last,
 * and the utt record). u holds the utt record and the records after it for a
 * whole utterance, the block record and the records after it for a block; fn may
 * append records to u, which follow the unit's records in the output. A tool that
 * works bin by bin (dc-mask) needs nothing else: the block record and everything
 * it does not read pass on.
 */
typedef void dc_unit_fn(dc_utt *u, const char *id, const dc_unit *b, void *arg);
/* dc_each_unit: dc_each_utt_use, unit by unit: whole utterances and blocks alike
 * (use NULL: every record, as dc_each_utt). Exits 1 with "prog: <name>: <what>" on
 * blocks out of order (dc_read_unit). The loops of dc_each_utt and dc_each_utt_use
 * refuse an utterance in blocks instead, with "prog: <name>: <id>: an utterance in
 * blocks; this tool reads whole utterances (dc-stft -B 0)". */
void dc_each_unit(const char *path, const char *tool, const char *const *use,
    const char *const *eat, dc_unit_fn *fn, void *arg);
/*
 * So that a tool's memory holds the records it uses, not more:
 * dc_loop_replace: called before dc_each_utt_use or dc_each_unit, sets
 * dc_reader_replace(later, over) on the loop's reader: a record of a kind in later
 * frees the records of the kinds in over that its unit holds before it is read.
 * dc_loop_writer: in fn, with use and a tool, the writer on stdout, which has the
 * unit's records already: what fn writes to it (dc_write_recb_head and
 * dc_write_bytes: a record written as it is computed) follows them and precedes
 * the records fn appends to u; NULL otherwise. dc_release: in fn, r (a record of
 * u) is no longer needed: with use and a tool it was written when read, and its
 * memory is freed now (it stays in u as an empty record of no kind); otherwise it
 * is kept, to be written after fn.
 */
void dc_loop_replace(const char *const *later, const char *const *over);
dc_writer *dc_loop_writer(void);
void dc_release(dc_record *r);

/* the largest real or imaginary part of a spectrum a tool takes in (its square
 * stays a float); the largest sample, DC_AUDIO_MAX, is audio.h's */
#define DC_SPEC_MAX 1e18
/* dc_get_audio: the audio file at path ("-": stdin) as mono float at rate
 * (dc_audio_read), in a fresh buffer of *n samples, and in *info whether it was
 * mixed down or resampled (dc_audio_notes says so, once the caller has checked
 * what it needs: a tool that refuses its input says one line); exits 1 with
 * "prog: <name>: <why>" when it cannot be read, holds NaN or Inf, or a sample
 * beyond +-DC_AUDIO_MAX. */
float *dc_get_audio(const char *path, const char *name, int64_t rate, int64_t *n,
    dc_audio_info *info);
/* the note for a file cut short (dc_audio_info's frames_claimed), after "name: " */
#define DC_CUT_SHORT "cut short: its header claims %lld frames, the file holds %lld " \
	"(read as they are)"
/* the end of the message for an output whose directory is not there */
#define DC_NO_DIRS " (a tool makes no directories)"
/* dc_audio_notes: the lines on stderr for a file (name) read at rate
 * whose channels were mixed down or rate changed (info: dc_audio_read's); with
 * back, the resampling's says how dc-istft writes the sources at the file's rate. */
void dc_audio_notes(const char *name, const dc_audio_info *info, int64_t rate, int back);
/* dc_audio_range: exits 1 as dc_get_audio does unless every sample of x[n] is
 * within +-DC_AUDIO_MAX; x holds the file's samples from number first on. */
void dc_audio_range(const char *name, const float *x, int64_t n, int64_t first);

/* ---------------------------------------------------------------- records */

/* dc_out_source: the recording an utt record (NULL: none) names as its "source"
 * (dc-stft's file, as it was named) is the current input (dc_out_current), and
 * the files its "refs" name (dc-oracle's references) are too
 * (dc_out_current_ref), so that no output a tool writes for that utterance
 * replaces them. */
void dc_out_source(const dc_record *utt);

/* dc_append: appends the built record b to u (id names it in messages); exits 1
 * with "prog: <id>: <kind>: <why>" if it cannot. */
void dc_append(dc_utt *u, const char *id, const dc_recb *b);

/* dc_get_tensor: the record's tensor, checked for dtype, rank and finite values;
 * else prints "prog: <id>: <kind> record: <problem>" and exits 1. want names the
 * shape in the message, e.g. "[T, F]". */
void dc_get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t);
/* dc_get_stft: an stft record's tensor and parameters, checked for dtype, finite
 * values and a shape that agrees with its samples, nfft and hop; exits 1 else. */
void dc_get_stft(const char *id, const dc_record *r, dc_tensor *X, dc_stft_params *p);
/* dc_get_stft_unit: dc_get_stft for the stft record of unit b (NULL: a whole
 * utterance); in a block, the shape must fit the block (dc_spectra_fit). */
void dc_get_stft_unit(const char *id, const dc_record *r, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p);
/* dc_get_stft_view: dc_get_stft_unit, X read in place where it can be
 * (dc_rec_tensor_view): read it only, and free it (dc_tensor_free) before r. */
void dc_get_stft_view(const char *id, const dc_record *r, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p);
/* dc_spectra_fit: whether T frames fit a spectra record's parameters p (its
 * samples, nfft, hop) in unit b: T = dc_stft_frames(p) for a whole utterance (b
 * NULL or not blocked) and for the last block; in a block before the last, T *
 * hop = samples; in a block, T = b->frames too. */
int dc_spectra_fit(int64_t T, const dc_stft_params *p, const dc_unit *b);

/* What dc_check_spectra found wrong: the rules of a record of spectra are checked
 * in one place, and each tool words them (dc_get_stft, and dc-istft its own). */
enum {
	DC_SPEC_OK,
	DC_SPEC_KEY,        /* key *key missing or of the wrong type */
	DC_SPEC_PARAM,      /* the STFT parameters out of range (dc_stft_check) */
	DC_SPEC_TENSOR,     /* no readable tensor: *err says why */
	DC_SPEC_DTYPE,      /* not complex64 */
	DC_SPEC_RANK,       /* not ndim dimensions */
	DC_SPEC_SHAPE       /* T, F (the last two) disagree with samples, nfft and hop */
};
/* dc_check_spectra: a record of STFT spectra, [T, F] (ndim 2) or [K, T, F] (3):
 * reads *p from its keys (rate, nfft, hop, samples, window, in that order) and *X
 * from its tensor, and returns the first fault in the order of the enum, or
 * DC_SPEC_OK. *X is set (and must be freed) from DC_SPEC_DTYPE on. Finite values
 * are left to the caller, who checks them where its messages want them. */
int dc_check_spectra(const dc_record *r, int ndim, dc_tensor *X, dc_stft_params *p,
    const char **key, int *err);
/* dc_check_spectra_unit: the same in unit b (NULL: whole), its shape by dc_spectra_fit. */
int dc_check_spectra_unit(const dc_record *r, int ndim, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p, const char **key, int *err);
/* dc_check_spectra_bytes: the same without the copy: X gets the dtype and shape
 * but no data (nothing to free), *bytes the tensor's bytes in the record
 * (dc_rec_tensor_bytes: valid while r is, not aligned), for a tool that reads
 * them a piece at a time (dc-istft). */
int dc_check_spectra_bytes(const dc_record *r, int ndim, const dc_unit *b, dc_tensor *X,
    const void **bytes, dc_stft_params *p, const char **key, int *err);
/* dc_check_tf: exits 1 with "prog: <id>: <kind> record: shape [..] disagrees with
 * stft record [T, F]" unless t's dimensions at and after at are X's T and F; nothing
 * when X is NULL (no stft record to agree with). */
void dc_check_tf(const char *id, const dc_record *r, const dc_tensor *t, int at,
    const dc_tensor *X);
/* dc_get_k: the record's key k, checked to be from 1 to kmax; exits 1 else. */
int dc_get_k(const char *id, const dc_record *r, int kmax);
/* dc_get_labels: a labels record (formats/stream.md): k from 1 to kmax (*k), int32
 * [T, F] with the stft tensor X's T and F (X NULL: any), every label from 0 to k - 1;
 * else prints "prog: <id>: labels record: <problem>" and exits 1. L is read in
 * place where it can be, as dc_get_embed's E. */
void dc_get_labels(const char *id, const dc_record *r, const dc_tensor *X, int kmax,
    dc_tensor *L, int *k);
/* dc_get_masks: a masks record: k from 1 to kmax (*k), float32 [K, T, F] with K = k
 * and X's T and F, every value in [0, 1]; exits 1 else. M is read in place where
 * it can be, as dc_get_embed's E. */
void dc_get_masks(const char *id, const dc_record *r, const dc_tensor *X, int kmax,
    dc_tensor *M, int *k);
/* dc_get_embed: an embed record: float32 [T, F, D], D of 1 or more, X's T and F;
 * exits 1 else. E is read in place where it can be (dc_rec_tensor_view): read
 * it only, and free it (dc_tensor_free) before r. */
void dc_get_embed(const char *id, const dc_record *r, const dc_tensor *X, dc_tensor *E);

#endif
