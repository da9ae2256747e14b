/*
 * mm.c: matrix products through oneDNN's matmul primitive (mm.h), fp32 or bf16
 * with fp32 accumulation.
 *
 * Shapes: C (M,N) = op(A) (M,K) op(B) (K,N), row-major, strides lda, ldb, ldc.
 *
 * oneDNN takes a transposed operand as strides (A^T of a (K,M) buffer is the (M,K)
 * matrix of strides (1, lda)), and beta = 1 as a "sum" post-op. In bf16 both
 * operands are first rounded into this context's dense buffers, in the layout they
 * have in memory (so a transposed one stays a cheap strided read for oneDNN), op(A)
 * in blocks of rows; C stays fp32. Primitives use a scratchpad we hand them (oneDNN's own one is shared
 * and may not move between threads), and run on one thread each: oneDNN's
 * threads (Debian's build uses OpenMP) would compete with our pool's and with
 * OpenBLAS's, so the caller's thread is set to one OpenMP thread before its first
 * product. Results depend only on the shape and the data, not on the thread.
 */
#pragma GCC optimize("no-trapping-math", "no-math-errno", "vect-cost-model=dynamic")
#define _GNU_SOURCE             /* RTLD_DEFAULT */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <dnnl.h>

#include "util.h"
#include "util_impl.h"
#include "mm.h"

#define NCACHE 64
#define MBK (1 << 17)          /* bf16: elements of op(A) rounded at a time (below) */
#define NBK (1 << 21)          /* and of op(B) */

typedef struct {
	int used, ta, tb, M, N, K, beta;
	int64_t lda, ldb, ldc;          /* 0 in bf16: the dense copies' strides follow from M, N, K */
	uint64_t age;
	dnnl_primitive_t p;
	dnnl_memory_t a, b, c, s;       /* handles set per call */
	size_t scratch;                 /* bytes of scratchpad */
} entry;

struct dc_mm {
	int prec;
	dnnl_stream_t st;
	entry e[NCACHE];
	uint64_t clock;
	uint16_t *abf, *bbf;            /* bf16 copies of A and B */
	size_t na, nb;                  /* their capacity in elements */
	void *scr;                      /* scratchpad */
	size_t nscr;
	int64_t nbk;                    /* NBK, or the test's DCSEP_TEST_MM_NBK */
};

static dnnl_engine_t engine;
static int engine_ok;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static _Thread_local int one_thread;

static void
engine_init(void)
{
	engine_ok = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success;
}

/* one_openmp_thread: this thread's OpenMP teams have one thread. Debian's oneDNN
 * runs on OpenMP and does not export dnnl_set_max_threads; omp_set_num_threads
 * is libgomp's, loaded with it, and acts on the calling thread only. */
static void
one_openmp_thread(void)
{
	void (*set)(int);

	*(void **)&set = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
	if (set)
		set(1);
}

int
dc_mm_omp_save(void)
{
	int (*get)(void);

	*(void **)&get = dlsym(RTLD_DEFAULT, "omp_get_max_threads");
	return get ? get() : 0;
}

void
dc_mm_omp_restore(int n)
{
	void (*set)(int);

	if (n <= 0 || !one_thread)
		return;
	*(void **)&set = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
	if (set)
		set(n);
	one_thread = 0;         /* the next product sets one thread again */
}

dc_mm *
dc_mm_new(int prec)
{
	dc_mm *x = dc_xcalloc(1, sizeof *x);
	const char *e;

	x->prec = prec == DC_MM_BF16 ? DC_MM_BF16 : DC_MM_F32;
	pthread_once(&engine_once, engine_init);
	if (engine_ok && dnnl_stream_create(&x->st, engine, dnnl_stream_default_flags) != dnnl_success)
		x->st = NULL;
	/* test only (test_mm): op(B) in column blocks of the given elements (64 to NBK),
	 * so that the tests' small shapes take several; anything else is ignored */
	if ((e = getenv("DCSEP_TEST_MM_NBK")) == NULL || dc_parse_int(e, 64, NBK, &x->nbk) != 0)
		x->nbk = NBK;
	/* test only (test_mm): every product of this context as if oneDNN refused it */
	if (x->st != NULL && getenv("DCSEP_TEST_MM_REFUSE") != NULL) {
		dnnl_stream_destroy(x->st);
		x->st = NULL;
	}
	return x;
}

static void
entry_free(entry *e)
{
	if (!e->used)
		return;
	dnnl_primitive_destroy(e->p);
	dnnl_memory_destroy(e->a);
	dnnl_memory_destroy(e->b);
	dnnl_memory_destroy(e->c);
	if (e->s)
		dnnl_memory_destroy(e->s);
	memset(e, 0, sizeof *e);
}

void
dc_mm_free(dc_mm *x)
{
	int i;

	if (x == NULL)
		return;
	for (i = 0; i < NCACHE; i++)
		entry_free(&x->e[i]);
	if (x->st)
		dnnl_stream_destroy(x->st);
	free(x->abf);
	free(x->bbf);
	free(x->scr);
	free(x);
}

/* to_bf16: dst (rows,cols) dense = src (rows,cols) with row stride ld, rounded. */
static void
to_bf16(uint16_t *restrict dst, const float *restrict src, int64_t rows, int64_t cols, int64_t ld)
{
	int64_t i, j;

	for (i = 0; i < rows; i++) {
		const float *s = src + i * ld;
		uint16_t *d = dst + i * cols;
		for (j = 0; j < cols; j++)
			d[j] = dc_mm_bf16_bits(s[j]);
	}
}

/* grow: *p holds at least n elements of size sz (contents not kept), on huge
 * pages from DC_HUGE_FROM bytes on (dc_huge_alloc). */
static void
grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap)
		return;
	free(*p);
	*p = dc_huge_alloc(n * sz);
	*cap = n;
}

/* make: the primitive of e's shape in precision prec; 0 or -1. */
/*
 * headroom: oneDNN 2.6 crashes (SIGSEGV in its JIT) when memory runs out while it
 * creates a primitive, instead of failing; so before it does, make sure that
 * HEADROOM bytes could be had (an address range, not touched: under ulimit -v
 * it is what runs out), and stop with dcsep's out-of-memory line if not.
 */
#define HEADROOM (64 << 20)
static void
headroom(void)
{
	free(dc_xmalloc(HEADROOM));
}

static int
make(entry *e, int prec)
{
	dnnl_data_type_t dt = prec == DC_MM_BF16 ? dnnl_bf16 : dnnl_f32;
	dnnl_memory_desc_t ma, mb, mc;
	dnnl_dims_t da = { e->M, e->K }, db = { e->K, e->N }, dc = { e->M, e->N };
	dnnl_dims_t sa, sb, sc = { e->ldc, 1 };
	dnnl_matmul_desc_t md;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	dnnl_primitive_desc_t pd = NULL;
	const dnnl_memory_desc_t *ms;
	int ok = 0;

	if (prec == DC_MM_BF16) {       /* the dense copies */
		sa[0] = e->ta ? 1 : e->K;
		sa[1] = e->ta ? e->M : 1;
		sb[0] = e->tb ? 1 : e->N;
		sb[1] = e->tb ? e->K : 1;
	} else {
		sa[0] = e->ta ? 1 : e->lda;
		sa[1] = e->ta ? e->lda : 1;
		sb[0] = e->tb ? 1 : e->ldb;
		sb[1] = e->tb ? e->ldb : 1;
	}
	if (dnnl_memory_desc_init_by_strides(&ma, 2, da, dt, sa) != dnnl_success ||
	    dnnl_memory_desc_init_by_strides(&mb, 2, db, dt, sb) != dnnl_success ||
	    dnnl_memory_desc_init_by_strides(&mc, 2, dc, dnnl_f32, sc) != dnnl_success ||
	    dnnl_matmul_desc_init(&md, &ma, &mb, NULL, &mc) != dnnl_success ||
	    dnnl_primitive_attr_create(&attr) != dnnl_success)
		return -1;
	if (dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success)
		goto out;
	if (e->beta && (dnnl_post_ops_create(&po) != dnnl_success ||
	    dnnl_post_ops_append_sum(po, 1.0f) != dnnl_success ||
	    dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success))
		goto out;
	headroom();
	if (dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL) != dnnl_success)
		goto out;
	ms = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	e->scratch = ms ? dnnl_memory_desc_get_size(ms) : 0;
	if (dnnl_primitive_create(&e->p, pd) != dnnl_success)
		goto out;
	if (dnnl_memory_create(&e->a, &ma, engine, DNNL_MEMORY_NONE) != dnnl_success ||
	    dnnl_memory_create(&e->b, &mb, engine, DNNL_MEMORY_NONE) != dnnl_success ||
	    dnnl_memory_create(&e->c, &mc, engine, DNNL_MEMORY_NONE) != dnnl_success ||
	    (e->scratch && dnnl_memory_create(&e->s, ms, engine, DNNL_MEMORY_NONE) != dnnl_success)) {
		e->used = 1;
		entry_free(e);
		goto out;
	}
	e->used = 1;
	ok = 1;
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (po)
		dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	return ok ? 0 : -1;
}

/* find: the cache entry of this shape, made if new (the oldest goes when full), or NULL. */
static entry *
find(dc_mm *x, const entry *k)
{
	entry *old = &x->e[0];
	int i;

	for (i = 0; i < NCACHE; i++) {
		entry *e = &x->e[i];
		if (e->used && e->ta == k->ta && e->tb == k->tb && e->M == k->M && e->N == k->N &&
		    e->K == k->K && e->beta == k->beta && e->lda == k->lda && e->ldb == k->ldb &&
		    e->ldc == k->ldc) {
			e->age = ++x->clock;
			return e;
		}
		if (!e->used || (old->used && e->age < old->age))
			old = e;
	}
	entry_free(old);
	*old = *k;
	if (make(old, x->prec) != 0)
		return NULL;
	old->age = ++x->clock;
	return old;
}

/* gemm_part: rows [i0, i1) and columns [j0, j1) of C = op(A) op(B) (+ C) by plain
 * loops (nothing if empty), with the operands rounded to bf16 if bf: the way out
 * where oneDNN refuses a product (bf16 on a CPU without AVX-512, where oneDNN 2.6
 * has no bf16 products; the tools then ask for none, dc_mm_choose). Not OpenBLAS: a
 * tool that links it pays for its start (its threads and buffers, about 10 ms on
 * these machines) though this path never runs. */
static void
gemm_part(int bf, int ta, int tb, int i0, int i1, int j0, int j1, int K, const float *A,
    int64_t lda, const float *B, int64_t ldb, int beta, float *C, int64_t ldc)
{
	int i, j, k;
	float a, b;

	for (i = i0; i < i1; i++)
		for (j = j0; j < j1; j++) {
			double s = beta ? C[(int64_t)i * ldc + j] : 0.0;
			for (k = 0; k < K; k++) {
				a = ta ? A[(int64_t)k * lda + i] : A[(int64_t)i * lda + k];
				b = tb ? B[(int64_t)j * ldb + k] : B[(int64_t)k * ldb + j];
				if (bf)
					a = dc_mm_bf16_round(a), b = dc_mm_bf16_round(b);
				s += (double)a * b;
			}
			C[(int64_t)i * ldc + j] = (float)s;
		}
}

/* exec: e's primitive on operands pa, pb into C; 0 or -1. */
static int
exec(dc_mm *x, entry *e, const void *pa, const void *pb, float *C)
{
	dnnl_exec_arg_t args[4];

	grow(&x->scr, &x->nscr, e->scratch ? e->scratch : 1, 1);
	if (dnnl_memory_set_data_handle(e->a, (void *)pa) != dnnl_success ||
	    dnnl_memory_set_data_handle(e->b, (void *)pb) != dnnl_success ||
	    dnnl_memory_set_data_handle(e->c, C) != dnnl_success ||
	    (e->s && dnnl_memory_set_data_handle(e->s, x->scr) != dnnl_success))
		return -1;
	args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, e->a };
	args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, e->b };
	args[2] = (dnnl_exec_arg_t){ DNNL_ARG_DST, e->c };
	args[3] = (dnnl_exec_arg_t){ DNNL_ARG_SCRATCHPAD, e->s };
	if (dnnl_primitive_execute(e->p, x->st, e->s ? 4 : 3, args) != dnnl_success ||
	    dnnl_stream_wait(x->st) != dnnl_success)
		return -1;
	return 0;
}

/* begin: what every product does first: 0 if nothing more is to be done (C empty,
 * or K 0 and C zeroed unless beta), else 1 with this thread's OpenMP teams at one
 * thread. x->st is NULL where oneDNN is not there (dc_mm_new). */
static int
begin(dc_mm *x, int M, int N, int K, int beta, float *C, int64_t ldc)
{
	if (M <= 0 || N <= 0)
		return 0;
	if (K <= 0) {
		int64_t i;
		if (!beta)
			for (i = 0; i < M; i++)
				memset(C + i * ldc, 0, (size_t)N * sizeof *C);
		return 0;
	}
	if (!one_thread) {
		one_openmp_thread();
		one_thread = 1;
	}
	return 1;
}

/* key: the cache key of a product, but for its rows M (and, in fp32, lda and ldb) */
static entry
key(int ta, int tb, int N, int K, int beta, int64_t ldc)
{
	entry k = { 0 };

	k.ta = ta;
	k.tb = tb;
	k.N = N;
	k.K = K;
	k.beta = beta != 0;
	k.ldc = ldc;
	return k;
}

/*
 * In bf16 the product is cut into blocks of about MBK / K rows of op(A) (32 to 256)
 * and NBK / K columns of op(B) (whole panels of 64), each block one product of its
 * rounded pieces (C's entries of a block depend on its rows of op(A) and columns
 * of op(B) alone, and oneDNN sums over the whole of K either way). op(A) is rounded
 * again for each column block and op(B) packed again for each row block: K (mb +
 * nb) beside 2 K mb nb multiply-adds. A column block of op(B) holds up to 2 Mi
 * elements (4 MiB in bf16). With 512 Ki, as before 2026-12-05, op(A) was rounded
 * again for each of up to 16 column blocks, and training in bf16 (bench_nn, B 8,
 * T 400, 1 thread, Zen 5) ran at 4,683 frames/s (2x300) and 881 (4x600), against
 * 5,705 and 1,285 now for 10 and 7 MiB more peak memory (below f32's with 2
 * threads); 4 and 8 Mi gained no more.
 */

/* bf16_rows: in bf16, C (M, k->N) = op(A) op(B) (+ C) for op(B) rounded already
 * (bbf, dense), MB rows of op(A) at a time, each block rounded into x->abf; 0, or
 * -1 if oneDNN refused, *i0 then the first row not done. */
static int
bf16_rows(dc_mm *x, entry *k, int M, const float *A, int64_t lda, const uint16_t *bbf, float *C,
    int64_t ldc, int *i0)
{
	int K = k->K, MB = MBK / K < 32 ? 32 : MBK / K > 256 ? 256 : MBK / K;
	entry *e;

	grow((void **)&x->abf, &x->na, (size_t)(M < MB ? M : MB) * K, sizeof *x->abf);
	for (*i0 = 0; *i0 < M; *i0 += MB) {
		int mb = M - *i0 < MB ? M - *i0 : MB;
		k->M = mb;
		if ((e = find(x, k)) == NULL)
			return -1;
		if (k->ta)      /* columns i0 .. i0+mb-1 of the (K,M) matrix */
			to_bf16(x->abf, A + *i0, K, mb, lda);
		else
			to_bf16(x->abf, A + (int64_t)*i0 * lda, mb, K, lda);
		if (exec(x, e, x->abf, bbf, C + (int64_t)*i0 * ldc) != 0)
			return -1;
	}
	return 0;
}

int
dc_mm_gemm(dc_mm *x, int ta, int tb, int M, int N, int K, const float *A, int64_t lda,
    const float *B, int64_t ldb, int beta, float *C, int64_t ldc)
{
	entry k, *e;
	int i0 = 0, j0 = 0, NB = N;

	if (!begin(x, M, N, K, beta, C, ldc))
		return 0;
	if (x->st == NULL)
		goto blas;
	k = key(ta, tb, N, K, beta, ldc);
	if (x->prec != DC_MM_BF16) {
		k.M = M;
		k.lda = lda;
		k.ldb = ldb;
		if ((e = find(x, &k)) == NULL || exec(x, e, A, B, C) != 0)
			goto blas;
		return 0;
	}
	NB = (int64_t)K * N <= x->nbk ? N : (int)(x->nbk / K / 64 * 64);
	NB = NB < 64 ? 64 : NB;
	grow((void **)&x->bbf, &x->nb, (size_t)K * (N < NB ? N : NB), sizeof *x->bbf);
	for (j0 = 0; j0 < N; j0 += NB) {
		int nb = N - j0 < NB ? N - j0 : NB;
		if (tb)         /* rows j0 .. j0+nb-1 of the (N,K) matrix */
			to_bf16(x->bbf, B + (int64_t)j0 * ldb, nb, K, ldb);
		else
			to_bf16(x->bbf, B + j0, K, nb, ldb);
		k.N = nb;
		if (bf16_rows(x, &k, M, A, lda, x->bbf, C + j0, ldc, &i0) != 0)
			goto blas;
	}
	return 0;
blas:   /* oneDNN refused (it has not for any valid size): fp32 by gemm_part for the
	 * blocks not done, rows i0.. of columns j0 .. j0+NB-1, then all rows of the
	 * columns after them (in fp32, j0 = i0 = 0 and NB = N: all of C) */
	if (x->prec != DC_MM_BF16)
		NB = N;
	gemm_part(x->prec == DC_MM_BF16, ta, tb, i0, M, j0, j0 + NB < N ? j0 + NB : N, K, A, lda, B,
	    ldb, beta, C, ldc);
	gemm_part(x->prec == DC_MM_BF16, ta, tb, 0, M, j0 + NB, N, K, A, lda, B, ldb, beta, C, ldc);
	return -1;
}

/* bf16f: the float of bfloat16 bits b. */
static inline float
bf16f(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

int
dc_mm_gemm_b16(dc_mm *x, int ta, int tb, int M, int N, int K, const float *A, int64_t lda,
    const uint16_t *B, int beta, float *C, int64_t ldc)
{
	entry k;
	int i0 = 0, i, j, q;

	if (!begin(x, M, N, K, beta, C, ldc))
		return 0;
	if (x->st == NULL || x->prec != DC_MM_BF16)
		goto loops;
	k = key(ta, tb, N, K, beta, ldc);
	if (bf16_rows(x, &k, M, A, lda, B, C, ldc, &i0) == 0)
		return 0;
loops:  /* rows i0.. by plain loops, op(A) rounded as oneDNN's operands are */
	for (i = i0; i < M; i++)
		for (j = 0; j < N; j++) {
			double s = beta ? C[(int64_t)i * ldc + j] : 0.0;
			for (q = 0; q < K; q++)
				s += (double)dc_mm_bf16_round(ta ? A[(int64_t)q * lda + i] :
				    A[(int64_t)i * lda + q]) *
				    bf16f(tb ? B[(int64_t)j * K + q] : B[(int64_t)q * N + j]);
			C[(int64_t)i * ldc + j] = (float)s;
		}
	return -1;
}

void
dc_mm_to_bf16(uint16_t *dst, const float *src, int64_t rows, int64_t cols, int64_t ld)
{
	to_bf16(dst, src, rows, cols, ld);
}

float
dc_mm_bf16_round(float x)
{
	return bf16f(dc_mm_bf16_bits(x));
}

int
dc_mm_bf16_cpu(void)
{
	const char *e = getenv("DCSEP_NO_BF16");
	dnnl_cpu_isa_t isa;

	if (e && *e)
		return 0;
	isa = dnnl_get_effective_cpu_isa();
	return ((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) ==
	    (unsigned)dnnl_cpu_isa_avx512_core_bf16;
}

/* amd: 1 if the CPU's vendor is AMD. */
static int
amd(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
	__builtin_cpu_init();
	return __builtin_cpu_is("amd");
#else
	return 0;
#endif
}

int
dc_mm_bf16_fast(void)
{
	const char *e = getenv("DCSEP_BF16_FAST");
	dnnl_cpu_isa_t isa;

	if (!dc_mm_bf16_cpu())
		return 0;
	if (e && (strcmp(e, "0") == 0 || strcmp(e, "1") == 0))
		return *e == '1';
	isa = dnnl_get_effective_cpu_isa();
	return ((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_amx) ==
	    (unsigned)dnnl_cpu_isa_avx512_core_amx || amd();
}

int
dc_mm_default(int infer)
{
	const char *e = getenv("DCSEP_PRECISION");

	if (!dc_mm_bf16_cpu())
		return DC_MM_F32;
	if (e && dc_mm_parse(e) >= 0)
		return dc_mm_parse(e);
	if (infer)
		return DC_MM_MIXED;
	return dc_mm_bf16_fast() ? DC_MM_BF16 : DC_MM_F32;
}

int
dc_mm_parse(const char *s)
{
	if (strcmp(s, "bf16") == 0)
		return DC_MM_BF16;
	if (strcmp(s, "mixed") == 0)
		return DC_MM_MIXED;
	if (strcmp(s, "f32") == 0)
		return DC_MM_F32;
	return -1;
}

const char *
dc_mm_name(int prec)
{
	return prec == DC_MM_BF16 ? "bf16" : prec == DC_MM_MIXED ? "mixed" : "f32";
}

int
dc_mm_choose(const char *arg, int infer, int *fallback)
{
	int p = arg ? dc_mm_parse(arg) : dc_mm_default(infer);

	*fallback = 0;
	if ((p == DC_MM_BF16 || p == DC_MM_MIXED) && !dc_mm_bf16_cpu()) {
		*fallback = 1;
		p = DC_MM_F32;
	}
	return p;
}
