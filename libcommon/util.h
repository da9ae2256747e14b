/*
 * util.h: the base of libcommon (util.c), which every other file of it builds on:
 * the error codes and their messages, memory, the element limit, tensors, paths
 * in list files, whole-string numbers, and the program name that messages begin
 * with. Output files (atomic, in sets) are outpath.h's.
 *
 * Shapes, everywhere in dcsep: T frames, F frequency bins (nfft/2+1), D embedding
 * dimension, K sources or clusters, N samples. Tensors are row-major (C order),
 * little-endian; the last index varies fastest.
 *
 * The library never prints and never exits (except dc_xmalloc on out of memory):
 * functions return DC_OK or an error code from the one table below, and the tools
 * turn codes into messages (tool.h, dc_errmsg).
 */
#ifndef DC_UTIL_H
#define DC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DC_VERSION
#define DC_VERSION "0.1.0"     /* the Makefile passes config.mk's VERSION */
#endif

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
	DC_EDUPKEY,     /* a record with a key twice */
	DC_EELEMS,      /* a record of more msgpack elements than DC_REC_ELEMS */
	DC_EBLOCK,      /* blocks out of order or malformed (dc_reader_detail says how) */
	DC_EBLOCKED,    /* an utterance in blocks where whole ones are read */
	DC_ELINE,       /* a text line longer than DC_LINE_MAX (text.h) */
	DC_NERR
};

/* dc_strerror: a short lower-case message for an error code; never NULL. */
const char *dc_strerror(int err);

/* ---------------------------------------------------------------- memory */

/* dc_prog: the program name that messages begin with ("dcsep" until a tool sets
 * it with dc_prog_set, which dc_setprog of tool.h calls); the allocators' out of
 * memory line names it. */
const char *dc_prog(void);
/* dc_fftw_lock, dc_fftw_unlock: around FFTW's planner (its plans made and
 * destroyed), which is not thread-safe; executing a plan is */
void dc_fftw_lock(void);
void dc_fftw_unlock(void);
void dc_prog_set(const char *name);

/* dc_xmalloc, dc_xcalloc: allocate, or print the size asked for and exit 1 at
 * once (_exit: exit handlers may need memory or threads that are not there),
 * after the function dc_on_oom set, if any (outpath.c's removal of temporaries:
 * it must neither allocate nor lock). The function dc_before_oom set, if any,
 * runs before the line (tool.c's wiping of a progress line, that the line does
 * not land on it). */
void dc_on_oom(void (*fn)(void));
void dc_before_oom(void (*fn)(void));
/* DC_NORETURN: a function that does not return, in C99, C11 and C++ alike
 * (C11's _Noreturn is neither C99 nor C++) */
#if defined(__GNUC__)
#define DC_NORETURN __attribute__((noreturn))
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define DC_NORETURN [[noreturn]]
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define DC_NORETURN _Noreturn
#else
#define DC_NORETURN
#endif
/* dc_oom: that line and exit, for memory that did not come from dc_xmalloc. */
DC_NORETURN void dc_oom(size_t n);
void *dc_xmalloc(size_t n);
void *dc_xcalloc(size_t n, size_t size);
void *dc_xrealloc(void *p, size_t n);
char *dc_xstrdup(const char *s);
/* dc_xasprintf: a string printed as printf would, in memory of its own size. */
char *dc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
	int view;       /* 1: data lies in a record (dc_rec_tensor_view), not owned */
} dc_tensor;

size_t dc_dtype_size(int dtype);
const char *dc_dtype_name(int dtype);           /* "float32", "complex64", ... */
int dc_dtype_parse(const char *s, size_t len);  /* DC_NONE if unknown */
int64_t dc_tensor_count(const dc_tensor *t);    /* product of the shape */

/* dc_tensor_alloc: a zeroed tensor of the given shape. DC_EPARAM for t or shape
 * NULL, ndim outside 1 .. DC_MAXDIM or an unknown dtype, DC_ESHAPE for a negative
 * dimension, DC_ELIMIT past the limit; t is left empty on failure. */
int dc_tensor_alloc(dc_tensor *t, int dtype, int ndim, const int64_t *shape);
/* dc_tensor_free: frees the data; the tensor is empty afterwards. NULL is fine. */
void dc_tensor_free(dc_tensor *t);

/* DC_ASAN: built with AddressSanitizer (gcc's macro, clang's feature); memory
 * is then left to malloc where dcsep would manage it, so that ASan sees its
 * bounds, and no exit handler cuts LeakSanitizer's check short */
#if defined(__SANITIZE_ADDRESS__)
#define DC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_ASAN 1
#endif
#endif

/* dc_aligned64: n bytes, 64-byte aligned (a tensor's data), or NULL; freed by
 * dc_aligned64_free (NULL: nothing), not free. */
void *dc_aligned64(size_t n);
void dc_aligned64_free(void *p);
/* dc_tensor_finite: DC_OK, or DC_ENONFINITE if any float element is NaN or Inf. */
int dc_tensor_finite(const dc_tensor *t);
/* dc_floats_finite: the same for the n floats of x (a signal not in a tensor). */
int dc_floats_finite(const float *x, int64_t n);

/* ---------------------------------------------------------------- files */

/* dc_path_rel: path as named in the list file listpath: relative paths are taken
 * relative to the list's directory (so that a data set can move), absolute ones
 * and those of a list read from stdin ("-") as they are. Returns a malloc'd string. */
char *dc_path_rel(const char *listpath, const char *path);
/* dc_path_join: "a/b", malloc'd. */
char *dc_path_join(const char *a, const char *b);

/* dc_fclose_checked: fflush + ferror + fclose; DC_EIO on any failure. */
int dc_fclose_checked(FILE *f);

/* dc_parse_int, dc_parse_num: whole-string numbers within [lo, hi]; DC_EPARAM else. */
int dc_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v);
int dc_parse_num(const char *s, double lo, double hi, double *v);
/* dc_parse_pair: "a,b", two numbers each within [min, max]; DC_EPARAM else.
 * dc_parse_range: the same with lo <= hi. */
int dc_parse_pair(const char *arg, double min, double max, double *a, double *b);
int dc_parse_range(const char *arg, double min, double max, double *lo, double *hi);

#ifdef __cplusplus
}
#endif
#endif
