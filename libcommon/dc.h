/*
 * dc.h: the one header of libcommon, the code the dcsep tools share.
 *
 * Shapes, everywhere in dcsep: T frames, F frequency bins (nfft/2+1), D embedding
 * dimension, K sources or clusters, N samples. Tensors are row-major (C order),
 * little-endian; the last index varies fastest.
 *
 * The library never prints and never exits (except dc_xmalloc on out of memory):
 * functions return DC_OK or an error code from the one table below, and the tools
 * turn codes into messages with dc_strerror(). The stream format is specified in
 * formats/stream.md.
 */
#ifndef DC_H
#define DC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#define DC_VERSION "0.1.0"
#define DC_STREAM_VERSION 1

/* ---------------------------------------------------------------- errors */

enum {
	DC_OK = 0,
	DC_EEOF,        /* clean end of stream: not a failure for a reader */
	DC_EIO,         /* read or write failed; errno tells why */
	DC_ETRUNC,      /* stream ends inside a record */
	DC_EMALFORMED,  /* bytes that are not msgpack */
	DC_ENOTREC,     /* a msgpack object that is not a record (map with "kind") */
	DC_ENOHEADER,   /* stream does not begin with a dcsep header record */
	DC_EVERSION,    /* stream version this build does not read */
	DC_EORDER,      /* record outside an utterance */
	DC_EKEY,        /* required key missing or of the wrong type */
	DC_EDTYPE,      /* unknown dtype, or the wrong dtype for this record kind */
	DC_ESHAPE,      /* shape disagrees with the data length or with another record */
	DC_ELIMIT,      /* more elements than the limit (DC_MAX_ELEMS) */
	DC_ENONFINITE,  /* NaN or Inf in the data */
	DC_ENOMEM,      /* allocation failed */
	DC_EAUDIO,      /* libsndfile could not open, read or write the audio */
	DC_ERESAMPLE,   /* the resampler failed */
	DC_EPARAM,      /* a parameter out of its range */
	DC_EMISSING,    /* the utterance lacks a record the tool needs */
	DC_EMODEL,      /* model file malformed or incompatible */
	DC_EEMPTY,      /* empty input where a stream was expected */
	DC_NERR
};

/* dc_strerror: a short lower-case message for an error code; never NULL. */
const char *dc_strerror(int err);

/* ---------------------------------------------------------------- memory */

/* dc_xmalloc, dc_xcalloc: allocate or print the size asked for and abort. */
void *dc_xmalloc(size_t n);
void *dc_xcalloc(size_t n, size_t size);
void *dc_xrealloc(void *p, size_t n);
char *dc_xstrdup(const char *s);

/* dc_limit_elems: most elements one record may hold; DC_MAX_ELEMS in the
 * environment overrides the default of 2^28. */
int64_t dc_limit_elems(void);

/* ---------------------------------------------------------------- tensors */

enum { DC_NONE = 0, DC_F32, DC_C64, DC_I32, DC_U8, DC_F64, DC_I16 };
#define DC_MAXDIM 4

typedef struct {
	int dtype;
	int ndim;
	int64_t shape[DC_MAXDIM];
	void *data;     /* owned, 64-byte aligned; NULL when empty */
} dc_tensor;

size_t dc_dtype_size(int dtype);
const char *dc_dtype_name(int dtype);           /* "float32", "complex64", ... */
int dc_dtype_parse(const char *s, size_t len);  /* DC_NONE if unknown */
int64_t dc_tensor_count(const dc_tensor *t);    /* product of the shape */

/* dc_tensor_alloc: a zeroed tensor of the given shape. DC_ELIMIT past the limit. */
int dc_tensor_alloc(dc_tensor *t, int dtype, int ndim, const int64_t *shape);
/* dc_tensor_free: frees the data; the tensor is empty afterwards. */
void dc_tensor_free(dc_tensor *t);
/* dc_tensor_finite: DC_OK, or DC_ENONFINITE if any float element is NaN or Inf. */
int dc_tensor_finite(const dc_tensor *t);

/* ---------------------------------------------------------------- records */

/*
 * A record is one msgpack map with a string "kind". A dc_record owns the
 * unpacked object; accessors read keys from it. Reading into a record again, or
 * dc_record_free(), invalidates what the accessors returned.
 */
typedef struct {
	char kind[32];
	msgpack_object map;
	msgpack_zone *zone;     /* owns map */
} dc_record;

void dc_record_free(dc_record *r);
/* dc_record_copy: deep copy of src into dst (dst is overwritten, not freed). */
void dc_record_copy(dc_record *dst, const dc_record *src);

const msgpack_object *dc_rec_get(const dc_record *r, const char *key);
/* Each returns DC_EKEY if the key is missing or of another type. */
int dc_rec_int(const dc_record *r, const char *key, int64_t *v);
int dc_rec_num(const dc_record *r, const char *key, double *v);  /* int or float */
int dc_rec_str(const dc_record *r, const char *key, char *buf, size_t n);
/* dc_rec_tensor: the "dtype", "shape", "data" of a record as a fresh tensor,
 * checked: known dtype, 1 to DC_MAXDIM non-negative dims, elements within the
 * limit, data length equal to the shape's. */
int dc_rec_tensor(const dc_record *r, dc_tensor *t);
int dc_rec_has_tensor(const dc_record *r);

/* ---------------------------------------------------------------- reader */

typedef struct dc_reader dc_reader;

/* dc_reader_file, dc_reader_mem: a reader on an open file or on memory (which
 * must outlive the reader). */
dc_reader *dc_reader_file(FILE *f);
dc_reader *dc_reader_mem(const void *buf, size_t len);
void dc_reader_free(dc_reader *rd);
/* dc_reader_own_file: dc_reader_free will also fclose the file (unless stdin). */
void dc_reader_own_file(dc_reader *rd);
/* dc_read: the next record. DC_EEOF at a clean end; after any other error the
 * reader stays in that error. */
int dc_read(dc_reader *rd, dc_record *r);
/* dc_read_header: the first record, which must be the stream header. */
int dc_read_header(dc_reader *rd, dc_record *hdr);
/* dc_reader_offset: bytes consumed by complete records so far. */
uint64_t dc_reader_offset(const dc_reader *rd);
/* dc_reader_count: records read so far. */
uint64_t dc_reader_count(const dc_reader *rd);
/* dc_msgpack_check: whether buf[0..len) begins with one complete msgpack object,
 * nested at most 32 deep; *objlen its length. DC_OK, DC_ETRUNC or DC_EMALFORMED.
 * Walks the bytes without allocating: msgpack-c allocates what a container claims
 * before it reads the elements, so a reader of untrusted bytes checks them first
 * (a complete object's containers cannot claim more elements than it has bytes). */
int dc_msgpack_check(const void *buf, size_t len, size_t *objlen);
/* dc_reader_record_offset: where the last record read begins (the record that
 * DC_EORDER refuses). */
uint64_t dc_reader_record_offset(const dc_reader *rd);

/*
 * An utterance is a "utt" record and every record after it up to the next "utt"
 * record or the end of the stream.
 */
typedef struct {
	dc_record *recs;
	int n, cap;
} dc_utt;

/* dc_read_utt: the next utterance; DC_EEOF when there is none. u is cleared first. */
int dc_read_utt(dc_reader *rd, dc_utt *u);
/* dc_utt_find: the last record of that kind in the utterance, or NULL. */
dc_record *dc_utt_find(const dc_utt *u, const char *kind);
/* dc_utt_id: the utterance's id ("utt" key of its first record) into buf. */
int dc_utt_id(const dc_utt *u, char *buf, size_t n);
/* dc_utt_drop: removes every record of that kind from the utterance. */
void dc_utt_drop(dc_utt *u, const char *kind);
void dc_utt_clear(dc_utt *u);   /* frees the records, keeps the array */
void dc_utt_free(dc_utt *u);

/* ---------------------------------------------------------------- writer */

typedef struct dc_writer dc_writer;

dc_writer *dc_writer_file(FILE *f);
dc_writer *dc_writer_mem(void);
/* dc_writer_buf: for a memory writer, the bytes written so far. */
const void *dc_writer_buf(const dc_writer *w, size_t *len);
/* dc_writer_error: the first error (sticky), DC_OK if none. */
int dc_writer_error(const dc_writer *w);
/* dc_writer_close: flushes, returns the sticky error (errno set for DC_EIO), frees
 * the writer (not the file). */
int dc_writer_close(dc_writer *w);

/* dc_write_header: a header naming this tool; in (may be NULL) is the header
 * read upstream, whose history is kept and extended. */
int dc_write_header(dc_writer *w, const dc_record *in, const char *tool);
/* dc_write_record: a record as read (pass-through). */
int dc_write_record(dc_writer *w, const dc_record *r);
int dc_write_utt(dc_writer *w, const dc_utt *u);

/* A record to write: the kind, then up to DC_MAXFIELDS fields in order. The
 * builder keeps pointers: strings and tensors must live until it is written. */
#define DC_MAXFIELDS 24
enum { DC_FINT = 1, DC_FNUM, DC_FSTR, DC_FTENSOR };
typedef struct {
	const char *kind;
	int n;
	struct {
		const char *key;
		int type;
		int64_t i;
		double f;
		const char *s;
		const dc_tensor *t;
	} f[DC_MAXFIELDS];
} dc_recb;

void dc_recb_init(dc_recb *b, const char *kind);
void dc_recb_int(dc_recb *b, const char *key, int64_t v);
void dc_recb_num(dc_recb *b, const char *key, double v);
void dc_recb_str(dc_recb *b, const char *key, const char *v);
/* dc_recb_tensor: adds "dtype", "shape" and "data". */
void dc_recb_tensor(dc_recb *b, const dc_tensor *t);
int dc_write_recb(dc_writer *w, const dc_recb *b);
/* dc_recb_to_record: builds a record in memory (to append to a dc_utt). */
int dc_recb_to_record(const dc_recb *b, dc_record *r);
/* dc_utt_append: appends a copy of the built record to the utterance. */
int dc_utt_append(dc_utt *u, const dc_recb *b);

/* ---------------------------------------------------------------- STFT */

/*
 * Framing (formats/stream.md): the signal is padded with nfft-hop zeros in front
 * and zeros behind; frame t covers padded samples [t*hop, t*hop+nfft), i.e.
 * original samples [t*hop-(nfft-hop), t*hop+hop). T = (N-1+nfft-hop)/hop + 1, so
 * every sample lies in nfft/hop frames and the inverse is exact.
 */
typedef struct {
	int64_t rate;       /* Hz */
	int64_t nfft;       /* window length = FFT size */
	int64_t hop;
	int64_t samples;    /* N of the signal analysed */
	char window[16];    /* "sqrt-hann" or "hann" */
} dc_stft_params;

void dc_stft_defaults(dc_stft_params *p);          /* 8000, 256, 64, sqrt-hann */
int dc_stft_check(const dc_stft_params *p);         /* DC_EPARAM if unusable */
int64_t dc_stft_frames(const dc_stft_params *p);    /* T for p->samples */
/* dc_stft_window: fills w[nfft] (periodic). */
int dc_stft_window(const dc_stft_params *p, float *w);
/* dc_stft: x[N] -> X, a fresh complex64 tensor T x F. */
int dc_stft(const float *x, const dc_stft_params *p, dc_tensor *X);
/* dc_istft: X (T x F complex64) -> y[p->samples], weighted overlap-add. */
int dc_istft(const float *X, int64_t T, const dc_stft_params *p, float *y);
/* Record helpers: the STFT parameters as keys of a record. */
int dc_rec_stft_params(const dc_record *r, dc_stft_params *p);
void dc_recb_stft_params(dc_recb *b, const dc_stft_params *p);

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

/* ---------------------------------------------------------------- files */

/*
 * Atomic output: write to a temporary file beside path, then rename it over
 * path on commit; abort removes it. Nothing appears under path until commit.
 */
typedef struct {
	char *path;
	char *tmp;
	FILE *f;
} dc_atomic;

FILE *dc_atomic_open(dc_atomic *a, const char *path);   /* NULL + errno on failure */
int dc_atomic_commit(dc_atomic *a);                      /* DC_EIO + errno on failure */
void dc_atomic_abort(dc_atomic *a);

/* dc_path_rel: path as named in the list file listpath: relative paths are taken
 * relative to the list's directory (so that a data set can move), absolute ones
 * and those of a list read from stdin ("-") as they are. Returns a malloc'd string. */
char *dc_path_rel(const char *listpath, const char *path);

/* dc_fclose_checked: fflush + ferror + fclose; DC_EIO on any failure. */
int dc_fclose_checked(FILE *f);

/* ---------------------------------------------------------------- tools */

/* Helpers for the tools only (they print): "prog: msg" on stderr. */
/* dc_setprog: the program name for messages, from argv[0]. Also restores the
 * default action of SIGPIPE, so that every tool is killed by it, quietly, when the
 * reader of its output goes away (as filters are), however it was started. */
void dc_setprog(const char *argv0);
const char *dc_prog(void);
void dc_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void dc_errx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dc_usage_exit: prints the usage line and exits 2. */
_Noreturn void dc_usage_exit(const char *usage);
/* dc_parse_int, dc_parse_num: whole-string numbers within [lo, hi]; DC_EPARAM else. */
int dc_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v);
int dc_parse_num(const char *s, double lo, double hi, double *v);
/* dc_open_in: stdin for "-" or NULL, else fopen(path, "rb"); NULL + errno on failure. */
FILE *dc_open_in(const char *path);
/* dc_open_stream: the stream in path (stdin for NULL or "-") with its header read
 * into hdr; *name becomes "stdin" or path, for messages. The reader owns the file.
 * Exits 1 with "prog: name: problem" if it cannot be opened or has no header. */
dc_reader *dc_open_stream(const char *path, dc_record *hdr, const char **name);
/* dc_stream_in_fail: prints "prog: <what>: <message> at byte <offset>" and exits 1. */
_Noreturn void dc_stream_fail(const char *what, dc_reader *rd, int err);
/* dc_finish_stdout: checks stdout was fully written; exits 1 with a message if not. */
void dc_finish_stdout(void);
/* dc_stdout_not_tty: exits 2 with a message if stdout is a terminal (for tools
 * that write binary streams). */
void dc_stdout_not_tty(void);
/* dc_writer_finish: closes a writer on stdout, then dc_finish_stdout(); on a failed
 * write prints "prog: stdout: <strerror>" and exits 1. */
void dc_writer_finish(dc_writer *w);
/* dc_shape_str: "[2, 3, 4]" in buf; returns buf. */
const char *dc_shape_str(const dc_tensor *t, char *buf, size_t n);
/* dc_get_tensor: the record's tensor, checked for dtype, rank and finite values;
 * else prints "prog: <id>: <kind> record: <problem>" and exits 1. want names the
 * shape in the message, e.g. "[T, F]". */
void dc_get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t);
/* dc_get_stft: an stft record's tensor and parameters, checked for dtype, finite
 * values and a shape that agrees with its samples, nfft and hop; exits 1 else. */
void dc_get_stft(const char *id, const dc_record *r, dc_tensor *X, dc_stft_params *p);

#endif
