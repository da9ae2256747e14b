/*
 * util.c: the base of libcommon (util.h): the error table, the program name,
 * memory, tensors, big buffers (util_impl.h), paths of list files, whole-string
 * numbers. It calls nothing else of libcommon.
 */
#define _GNU_SOURCE             /* mremap: a kept big buffer grown in place */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "util.h"
#include "util_impl.h"
#include "audio.h"

/* ---------------------------------------------------------------- errors */

static const char *const errtab[DC_NERR] = {
	[DC_OK] = "success",
	[DC_EEOF] = "end of stream",
	[DC_EIO] = "input/output error",
	[DC_ETRUNC] = "stream truncated inside a record",
	[DC_EMALFORMED] = "malformed stream (not msgpack)",
	[DC_ENOTREC] = "not a dcsep record (a map with a \"kind\")",
	[DC_ENOHEADER] = "not a dcsep stream (no header record)",
	[DC_EVERSION] = "unsupported stream version",
	[DC_EORDER] = "record outside an utterance",
	[DC_EKEY] = "required key missing or of the wrong type",
	[DC_EDTYPE] = "unknown or unexpected dtype",
	[DC_ESHAPE] = "shape does not match the data",
	[DC_ELIMIT] = "more elements than the limit (see DC_MAX_ELEMS)",
	[DC_ENONFINITE] = "NaN or Inf in the data",
	[DC_ENOMEM] = "out of memory",
	[DC_EAUDIO] = "cannot read or write the audio",
	[DC_ERESAMPLE] = "resampling failed",
	[DC_EPARAM] = "parameter out of range",
	[DC_EMISSING] = "utterance lacks a record this tool needs",
	[DC_EMODEL] = "malformed or incompatible model",
	[DC_EEMPTY] = "empty stream",
	[DC_EDUPKEY] = "a record with a key twice",
	[DC_EELEMS] = "a record of more than 4096 msgpack elements",
	[DC_EBLOCK] = "blocks of an utterance out of order or malformed",
	[DC_EBLOCKED] = "an utterance in blocks; this tool reads whole utterances (dc-stft -B 0)",
	[DC_ELINE] = "a line longer than 65536 bytes: not a list",
};

const char *
dc_strerror(int err)
{
	if (err < 0 || err >= DC_NERR || errtab[err] == NULL)
		return "unknown error";
	return errtab[err];
}

/* ---------------------------------------------------------------- memory */

static const char *prog = "dcsep";

const char *
dc_prog(void)
{
	return prog;
}

void
dc_prog_set(const char *name)
{
	prog = name;
}

/* oom: one line and exit 1 (documented: out of memory is a data error), at once:
 * exit handlers (the BLAS libraries' thread pools among them) may need memory
 * or threads that are not there, and would hang or abort */
static void (*oom_fn)(void), (*oom_before)(void);

void
dc_on_oom(void (*fn)(void))
{
	oom_fn = fn;
}

void
dc_before_oom(void (*fn)(void))
{
	oom_before = fn;
}

DC_NORETURN void
dc_oom(size_t n)
{
	if (oom_before)
		oom_before();
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n", dc_prog(), n);
	if (oom_fn)
		oom_fn();
	_exit(1);
}

void *
dc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		dc_oom(n);
	return p;
}

void *
dc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		dc_oom(n * size);
	return p;
}

void *
dc_xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		dc_oom(n);
	return p;
}

char *
dc_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(dc_xmalloc(n), s, n);
}

char *
dc_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		dc_oom(0);
	s = dc_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int64_t
dc_limit_elems(void)
{
	const char *s = getenv("DC_MAX_ELEMS");
	int64_t v;

	if (s && dc_parse_int(s, 1, INT64_C(1) << 40, &v) == DC_OK)
		return v;
	return INT64_C(1) << 28;
}

/* ---------------------------------------------------------------- tensors */

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
	[DC_NONE] = { "none", 0 },
	[DC_F32] = { "float32", 4 },
	[DC_C64] = { "complex64", 8 },
	[DC_I32] = { "int32", 4 },
	[DC_U8] = { "uint8", 1 },
	[DC_F64] = { "float64", 8 },
	[DC_I16] = { "int16", 2 },
};
#define NDTYPES ((int)(sizeof dtypes / sizeof dtypes[0]))

size_t
dc_dtype_size(int dtype)
{
	return dtype > 0 && dtype < NDTYPES ? dtypes[dtype].size : 0;
}

const char *
dc_dtype_name(int dtype)
{
	return dtype > 0 && dtype < NDTYPES ? dtypes[dtype].name : "none";
}

int
dc_dtype_parse(const char *s, size_t len)
{
	int i;

	for (i = 1; i < NDTYPES; i++)
		if (strlen(dtypes[i].name) == len && memcmp(dtypes[i].name, s, len) == 0)
			return i;
	return DC_NONE;
}

int64_t
dc_tensor_count(const dc_tensor *t)
{
	int64_t n = 1;
	int i;

	if (t == NULL)
		return 0;
	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return t->ndim ? n : 0;
}

int
dc_tensor_alloc(dc_tensor *t, int dtype, int ndim, const int64_t *shape)
{
	int64_t n = 1, lim = dc_limit_elems();
	size_t bytes;
	int i;

	if (t == NULL)
		return DC_EPARAM;
	memset(t, 0, sizeof *t);
	if (ndim < 1 || ndim > DC_MAXDIM || dc_dtype_size(dtype) == 0 || shape == NULL)
		return DC_EPARAM;
	for (i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return DC_ESHAPE;
		if (shape[i] && n > lim / shape[i])
			return DC_ELIMIT;
		n *= shape[i];
		t->shape[i] = shape[i];
	}
	t->dtype = dtype;
	t->ndim = ndim;
	bytes = (size_t)n * dc_dtype_size(dtype);
	if (bytes) {
		size_t rounded = (bytes + 63) & ~(size_t)63;
		if ((t->data = dc_aligned64(rounded)) == NULL) {
			memset(t, 0, sizeof *t);
			return DC_ENOMEM;
		}
		memset(t->data, 0, rounded);
	}
	return DC_OK;
}

void
dc_tensor_free(dc_tensor *t)
{
	if (t == NULL)
		return;
	if (!t->view)
		dc_aligned64_free(t->data);
	memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- big buffers */

/*
 * A big record's buffer is mapped apart from the heap and, once the record is
 * freed, kept for the next big record (up to BIGPOOL buffers, shared by every
 * reader and thread): a tool reads record after record of much the same sizes,
 * block after block or utterance after utterance, and a kept buffer is already
 * in memory where a new one would fault in page by page. In the heap they
 * fragmented it: the records' small allocations between them kept freed
 * buffers from merging, and dc-mask on 2 minutes in blocks of 10 s grew its
 * heap to 23 MB for at most 4 MB in use. A buffer over BIGKEEP is unmapped
 * when freed (as malloc does past the tools' mmap threshold): one long
 * utterance does not keep its memory through the rest of a stream. The
 * sanitized build keeps malloc, so that ASan still sees every byte read past
 * a record, and so does a process with DCSEP_MALLOC_BIG set (tests/run.sh
 * sets it under valgrind, whose memcheck sees only malloc's bounds).
 */
#define BIGPOOL 4
#define BIGKEEP ((size_t)32 << 20)      /* the largest buffer kept */
#define BIGHDR 64               /* a mapping's first bytes: its length; keeps 64-byte alignment */
#define BIGROUND (64u << 10)    /* mappings are a multiple of this */
#define BIGHUGE ((size_t)1 << 20)       /* mappings from this size on are on huge pages */
#define HUGEPAGE ((size_t)2 << 20)      /* a transparent huge page */
#define BIGTENSOR BIGHUGE       /* dc_aligned64 takes big buffers from this size on */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { char *p; size_t len; } pool[BIGPOOL];

#ifndef DC_ASAN
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static int env_malloc;

static void
read_env(void)
{
	env_malloc = getenv("DCSEP_MALLOC_BIG") != NULL;
}
#endif

/* big_malloc: whether big buffers come from malloc (ASan's build, or
 * DCSEP_MALLOC_BIG set) */
static int
big_malloc(void)
{
#ifdef DC_ASAN
	return 1;
#else
	pthread_once(&env_once, read_env);
	return env_malloc;
#endif
}

/* map_aligned: a fresh mapping of len bytes, on a 2 MiB boundary from BIGHUGE on
 * (Linux aligns anonymous mappings of whole huge pages itself only from 6.7 on;
 * Debian 12's 6.1 may not, and then only the 2 MiB within get huge pages), or
 * NULL. A buffer grown by mremap may move off the boundary: it keeps what huge
 * pages fit. */
static char *
map_aligned(size_t len)
{
	size_t extra = len >= BIGHUGE ? HUGEPAGE : 0, head;
	char *p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (extra) {
		head = (HUGEPAGE - (uintptr_t)p % HUGEPAGE) % HUGEPAGE;
		if (head)
			munmap(p, head);
		if (extra - head)
			munmap(p + head + len, extra - head);
		p += head;
	}
	return p;
}

void *
dc_big_alloc(size_t n)
{
	size_t len, old = 0;
	char *p = NULL;
	int i, b = -1;

	if (n > SIZE_MAX - BIGHDR - HUGEPAGE)
		return NULL;
	if (big_malloc())
		return aligned_alloc(64, (n + 63) / 64 * 64);
	len = (n + BIGHDR + BIGROUND - 1) / BIGROUND * BIGROUND;
	if (len >= BIGHUGE)     /* whole huge pages */
		len = (len + HUGEPAGE - 1) / HUGEPAGE * HUGEPAGE;
	pthread_mutex_lock(&pool_mu);
	/* the smallest kept buffer that holds n, else the largest, grown */
	for (i = 0; i < BIGPOOL; i++)
		if (pool[i].p && pool[i].len >= len && (b < 0 || pool[i].len < pool[b].len))
			b = i;
	for (i = 0; b < 0 && i < BIGPOOL; i++)
		if (pool[i].p && (b < 0 || pool[i].len > pool[b].len))
			b = i;
	if (b >= 0) {
		p = pool[b].p;
		old = pool[b].len;
		pool[b].p = NULL;
	}
	pthread_mutex_unlock(&pool_mu);
	if (p != NULL && old < len) {
		void *q = mremap(p, old, len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			munmap(p, old);
			p = NULL;
		} else
			p = q;
	} else if (p != NULL)
		len = old;
	if (p == NULL && (p = map_aligned(len)) == NULL)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* huge pages for a big buffer: a fault per 2 MiB instead of per 4 KiB (a
	 * fault costs about 10 us in the VMs we run on, where clearing a huge
	 * page takes 0.2 to 2.5 ms: 70 ms of dc-kmeans's 130 on 10 s went to
	 * faults before), from 1 MiB on, rounded up to whole huge pages (so at
	 * most twice the memory of a buffer of 1 MiB); below, rounding would weigh */
	if (len >= BIGHUGE)
		madvise(p, len, MADV_HUGEPAGE);
#endif
	memcpy(p, &len, sizeof len);
	return p + BIGHDR;
}

void
dc_big_free(void *b)
{
	char *p;
	size_t len;
	int i, lo = 0;

	if (b == NULL)
		return;
	if (big_malloc()) {
		free(b);
		return;
	}
	p = (char *)b - BIGHDR;
	memcpy(&len, p, sizeof len);
	if (len > BIGKEEP) {
		munmap(p, len);
		return;
	}
	pthread_mutex_lock(&pool_mu);
	for (i = 0; i < BIGPOOL; i++) {
		if (pool[i].p == NULL) {
			lo = i;
			break;
		}
		if (pool[i].len < pool[lo].len)
			lo = i;
	}
	if (pool[lo].p == NULL || pool[lo].len < len) {
		char *q = pool[lo].p;
		size_t ql = pool[lo].len;
		pool[lo].p = p;
		pool[lo].len = len;
		p = q;
		len = ql;
	}
	pthread_mutex_unlock(&pool_mu);
	if (p != NULL)
		munmap(p, len);
}

/*
 * dc_huge_alloc: in the VMs we run on a first touch of a 4 KiB page costs about
 * 10 us and one of a 2 MiB huge page 0.2 to 2.5 ms, so a buffer of DC_HUGE_FROM
 * (256 KiB, 64 pages) or more is rounded up to whole huge pages: dc-embed on 10 s
 * took about 1,700 faults in buffers of 0.3 to 2 MB (the packed W_hh, the
 * features, the output layer's piece, the bf16 operands of the products), some
 * 17 ms, before they were. At most 2 MiB more for each such buffer.
 */
void *
dc_huge_alloc(size_t n)
{
	size_t align = n >= DC_HUGE_FROM ? HUGEPAGE : 64;
	void *p;

	if (n > SIZE_MAX - HUGEPAGE)
		dc_oom(n);
	n = n ? (n + align - 1) / align * align : align;
	if ((p = aligned_alloc(align, n)) == NULL)
		dc_oom(n);
#ifdef MADV_HUGEPAGE
	if (align == HUGEPAGE)
		madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

/*
 * dc_aligned64: n bytes, 64-byte aligned, from malloc with the offset kept in
 * the byte before them. Not aligned_alloc: glibc (2.36, Debian 12) asks for
 * the size plus the alignment plus a header for each and gives back the
 * aligned part, so a freed buffer is never quite big enough for the next of
 * the same size, and a tool that allocated tensor after tensor of one size
 * (dc-mask, block after block) grew its heap by a tensor every block. A
 * malloc'ed chunk of the same request fits the hole the last one left. The
 * sanitized build keeps aligned_alloc, so that ASan sees a byte read or written
 * just past the n.
 */
void *
dc_aligned64(size_t n)
{
#ifdef DC_ASAN
	return aligned_alloc(64, (n + 63) / 64 * 64);
#else
	unsigned char *p, *a;

	if (n >= BIGTENSOR && !big_malloc()) {
		/* a big buffer's 64-byte header ends in a 0, which no offset is */
		if ((a = dc_big_alloc(n)) != NULL)
			a[-1] = 0;
		return a;
	}
	if (n > SIZE_MAX - 64 || (p = malloc(n + 64)) == NULL)
		return NULL;
	a = p + 64 - (uintptr_t)p % 64;         /* 1 to 64 bytes on */
	a[-1] = (unsigned char)(a - p);
	return a;
#endif
}

void
dc_aligned64_free(void *a)
{
#ifdef DC_ASAN
	free(a);
#else
	if (a == NULL)
		return;
	if (((unsigned char *)a)[-1] == 0)
		dc_big_free(a);
	else
		free((unsigned char *)a - ((unsigned char *)a)[-1]);
#endif
}

/* FINBLOCK: floats checked at a time by dc_floats_finite, a whole block with no
 * early exit, so that the loop of a fixed count vectorises (at -O2 too) */
#define FINBLOCK 1024

int
dc_floats_finite(const float *x, int64_t n)
{
	int64_t i = 0, j;
	uint32_t u, bad = 0;

	/* NaN and Inf, and only they, have every exponent bit set: 27 MB of
	 * embeddings in 1.2 ms where isfinite one by one took 6 */
	for (; i + FINBLOCK <= n && !bad; i += FINBLOCK)
		for (j = 0; j < FINBLOCK; j++) {
			memcpy(&u, x + i + j, sizeof u);
			bad |= (u & 0x7f800000u) == 0x7f800000u;
		}
	for (; i < n && !bad; i++) {
		memcpy(&u, x + i, sizeof u);
		bad |= (u & 0x7f800000u) == 0x7f800000u;
	}
	return bad ? DC_ENONFINITE : DC_OK;
}

int
dc_tensor_finite(const dc_tensor *t)
{
	int64_t i, n = dc_tensor_count(t);

	switch (t->dtype) {
	case DC_F32:
	case DC_C64:
		return dc_floats_finite(t->data, t->dtype == DC_C64 ? 2 * n : n);
	case DC_F64: {
		const double *p = t->data;
		for (i = 0; i < n; i++)
			if (!isfinite(p[i]))
				return DC_ENONFINITE;
		break;
	}
	}
	return DC_OK;
}

/* ---------------------------------------------------------------- files */

char *
dc_path_rel(const char *listpath, const char *path)
{
	const char *slash = strrchr(listpath, '/');
	size_t dirlen = slash ? (size_t)(slash - listpath + 1) : 0;
	char *s;

	if (path[0] == '/' || dirlen == 0 || strcmp(listpath, "-") == 0)
		return dc_xstrdup(path);
	s = dc_xmalloc(dirlen + strlen(path) + 1);
	memcpy(s, listpath, dirlen);
	strcpy(s + dirlen, path);
	return s;
}

int
dc_fclose_checked(FILE *f)
{
	int bad = fflush(f) != 0 || ferror(f);
	/* after an earlier failed write, errno still tells why, unless something
	 * cleared it since: then "Success" would be a poor reason */
	int e = errno ? errno : EIO;

	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad)
		errno = e;
	return bad ? DC_EIO : DC_OK;
}

/* ---------------------------------------------------------------- numbers */

int
dc_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || x < lo || x > hi)
		return DC_EPARAM;
	*v = x;
	return DC_OK;
}

int
dc_parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(x) || x < lo || x > hi)
		return DC_EPARAM;
	*v = x;
	return DC_OK;
}

int
dc_parse_pair(const char *arg, double min, double max, double *a, double *b)
{
	const char *comma = strchr(arg, ',');
	char *l;
	int bad;

	if (comma == NULL)
		return DC_EPARAM;
	l = dc_xstrdup(arg);
	l[comma - arg] = '\0';
	bad = dc_parse_num(l, min, max, a) || dc_parse_num(comma + 1, min, max, b);
	free(l);
	return bad ? DC_EPARAM : DC_OK;
}

int
dc_parse_range(const char *arg, double min, double max, double *lo, double *hi)
{
	return dc_parse_pair(arg, min, max, lo, hi) || *lo > *hi ? DC_EPARAM : DC_OK;
}

char *
dc_path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = dc_xmalloc(n);

	snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* ---------------------------------------------------------------- audio errors */

/* dc_audio_errstr's message lives here, not in audio.c: dc_errmsg is called by
 * tools that never touch audio (dc-embed), and audio.c would load libsndfile
 * (and its seven codec libraries) at their start. */
static _Thread_local char audio_err[256];     /* each thread's last */

static pthread_mutex_t fftw_mutex = PTHREAD_MUTEX_INITIALIZER;

void
dc_fftw_lock(void)
{
	pthread_mutex_lock(&fftw_mutex);
}

void
dc_fftw_unlock(void)
{
	pthread_mutex_unlock(&fftw_mutex);
}

const char *
dc_audio_errstr(void)
{
	return audio_err;
}

void
dc_audio_set_err(const char *s)
{
	size_t n;

	if (strncmp(s, "System error : ", 15) == 0)
		s += 15;
	snprintf(audio_err, sizeof audio_err, "%s", s);
	n = strlen(audio_err);
	while (n > 0 && (audio_err[n - 1] == '.' || audio_err[n - 1] == '\n'))
		audio_err[--n] = '\0';
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
