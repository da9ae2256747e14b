/*
 * mm.h: matrix products: one call for the network's fp32 and bf16 GEMMs, through
 * oneDNN's matmul primitive, with a cache of primitives per shape.
 *
 * Precision DC_MM_BF16 rounds both operands to bfloat16 (8 significant bits, round
 * to nearest even) and accumulates in fp32 into an fp32 C; DC_MM_F32 is fp32
 * throughout. A dc_mm is one thread's context (its cache, its scratch memory): use
 * each from one thread at a time.
 */
#ifndef DC_MM_H
#define DC_MM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* DC_MM_MIXED: the network's recurrent steps with bf16 operands (recgemm.h), in
 * inference its output layer's product and the input projections of its third
 * layer on too where dc_mm_bf16_fast(), its other products (the first two layers'
 * input projections, the gradients') in fp32 (dc_nn_precision); for a dc_mm it is
 * DC_MM_F32. */
enum { DC_MM_F32 = 0, DC_MM_BF16 = 1, DC_MM_MIXED = 2 };

typedef struct dc_mm dc_mm;

/* dc_mm_new: a context for products in precision prec; dc_mm_free releases it
 * (NULL is fine). */
dc_mm *dc_mm_new(int prec);
void dc_mm_free(dc_mm *x);

/* dc_mm_omp_save: the calling thread's OpenMP team size (0 without OpenMP);
 * dc_mm_omp_restore: sets it back to n (n > 0) after this thread's products set
 * it to one, so that the next product sets one again: for a library call that
 * leaves its caller's OpenMP as it found it (dc_embed). */
int dc_mm_omp_save(void);
void dc_mm_omp_restore(int n);

/* dc_mm_gemm: C (M,N) = op(A) op(B), plus C if beta is 1 (beta 0 or 1), as
 * cblas_sgemm in row-major order: op(A) is A (M,K) or, if ta, A^T for A (K,M);
 * op(B) is B (K,N) or, if tb, B^T for B (N,K); lda, ldb, ldc the row strides.
 * The primitive for a shape is made on its first use and kept (at most 64 shapes;
 * the least recently used goes). Runs on the calling thread only. Returns 0, or -1
 * if oneDNN refused (in fp32 it has not for any valid size; in bf16 it does on a
 * CPU without AVX-512): C is then computed by plain loops, in fp32 with the
 * context's operands, bf16's rounded (DCSEP_TEST_MM_REFUSE in the environment at dc_mm_new makes every
 * product of that context take this path, for the tests; DCSEP_TEST_MM_NBK, a
 * number of elements from 64 to 2 Mi, cuts its bf16 products' op(B) in blocks
 * that small). */
int dc_mm_gemm(dc_mm *x, int ta, int tb, int M, int N, int K, const float *A, int64_t lda,
    const float *B, int64_t ldb, int beta, float *C, int64_t ldc);

/* dc_mm_gemm_b16: dc_mm_gemm with op(B) already rounded: B holds bfloat16 bits
 * (dc_mm_to_bf16), dense, (K,N) or, if tb, (N,K); for a matrix used in many
 * products, such as inference's weights, rounded once instead of at each product.
 * The same bits as dc_mm_gemm with B's floats where that takes op(B) in one
 * block (K N at most 2 Mi) and oneDNN runs both. x must be a DC_MM_BF16 context;
 * in another, or if oneDNN refused, C is computed by plain loops (op(A) rounded
 * too) and -1 returned. */
int dc_mm_gemm_b16(dc_mm *x, int ta, int tb, int M, int N, int K, const float *A, int64_t lda,
    const uint16_t *B, int beta, float *C, int64_t ldc);
/* dc_mm_to_bf16: dst (rows,cols) dense = the bfloat16 bits of src (rows,cols) with
 * row stride ld, rounded to nearest even as the products round their operands. */
void dc_mm_to_bf16(uint16_t *dst, const float *src, int64_t rows, int64_t cols, int64_t ld);

/* dc_mm_bf16_cpu: 1 if the CPU runs bf16 products natively (AVX512_BF16 or
 * AMX-BF16, as oneDNN finds it; the environment variable DCSEP_NO_BF16 set and not
 * empty says no, to test the fallback), else 0. */
int dc_mm_bf16_cpu(void);
/* dc_mm_bf16_fast: 1 if bf16 products run faster than fp32 ones on this CPU:
 * dc_mm_bf16_cpu() and AMX-BF16, or AVX512_BF16 on an AMD CPU (Zen 4 and 5); on
 * an Intel Xeon without AMX oneDNN's bf16 GEMMs ran at half its fp32 speed. The
 * environment variable DCSEP_BF16_FAST, 0 or 1, says so instead where the CPU has
 * bf16 products (for the tests: both kinds of mixed precision on one CPU). */
int dc_mm_bf16_fast(void);
/* dc_mm_default: the precision when none is asked, for inference one utterance at a
 * time (infer 1) or for training (0): that of the environment variable
 * DCSEP_PRECISION (bf16, mixed or f32; the tests set f32) if set; else for
 * inference DC_MM_MIXED where the CPU has bf16 products, and for training
 * DC_MM_BF16 where they are faster than fp32 ones (AMX-BF16, or AVX512_BF16 on an
 * AMD CPU); else DC_MM_F32. Inference: mixed separates as f32 does (the validation
 * mixtures of examples/tune-kmeans.sh: 8.34 / 6.47 dB SDRi both) where bf16 loses
 * 0.05 / 0.08 dB, for 0.74x and 0.70x f32's time (AMD Zen 5); on an Intel Xeon
 * without AMX oneDNN's bf16 GEMMs ran at half its fp32 speed, and mixed's recurrent
 * steps, bound by the cache's bandwidth, took a quarter less time with bf16's half
 * the bytes. Training: on that Xeon batched steps and their gradients were slower
 * in bf16 (bench_nn, 2x300, batch 8: 2,500 frames/s mixed, 2,940 f32); on Zen 5
 * bf16 trains 1.34x to 1.58x as fast (make bench, 2x300 and 4x600). Never bf16
 * or mixed without dc_mm_bf16_cpu(). */
int dc_mm_default(int infer);
/* dc_mm_choose: the precision for a tool's -P argument arg ("bf16", "mixed", "f32",
 * or NULL for dc_mm_default(infer)); -1 if arg is none of them. bf16 or mixed on a
 * CPU without bf16 gives DC_MM_F32 and sets *fallback (else 0). */
int dc_mm_choose(const char *arg, int infer, int *fallback);
/* dc_mm_parse: "bf16", "mixed" or "f32" to DC_MM_*, else -1; dc_mm_name: the
 * reverse. */
int dc_mm_parse(const char *s);
const char *dc_mm_name(int prec);

/* dc_mm_bf16_round: x rounded to bfloat16 (nearest even) and back to float;
 * dc_mm_bf16_bits: the bfloat16's bits (a NaN stays a quiet NaN), inline for
 * loops over many values. */
float dc_mm_bf16_round(float x);
static inline uint16_t
dc_mm_bf16_bits(float f)
{
	uint32_t u, r;

	memcpy(&u, &f, sizeof u);
	r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
	return (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 0x40u) : (uint16_t)r;
}

#endif
