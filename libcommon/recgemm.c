/*
 * recgemm.c: the product of a recurrent step (recgemm.h): C (M,N) += A (M,K) Bm (K,N)
 * for the small M of one step (the batch), where OpenBLAS's sgemm spends as long
 * packing Bm as multiplying. Bm is packed once per pass by dc_rec_pack into panels
 * of pw columns (16 with AVX-512, else 8), P (ceil(N/pw),K,pw), so each step
 * streams it once for up to 8 rows of A. Also for B = 1, where the packed panels
 * beat sgemv on the row-major matrix.
 *
 * Three kernels of the same sums in the same order per element: AVX-512 (chosen at
 * run time, dc_nn_avx512), AVX2 with FMA (the build's x86-64-v3), plain C.
 */
/* as in nn.c: loops vectorise as they did there (results are unchanged; this is not
 * fast-math) */
#pragma GCC optimize("no-trapping-math", "no-math-errno", "vect-cost-model=dynamic")

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "mm.h"
#include "nn.h"
#include "recgemm.h"

void
dc_rec_pack(float *P, const float *src, int K, int N, int64_t sk, int64_t sn, int pw)
{
	int jb, k, jj, np = (N + pw - 1) / pw;

	for (jb = 0; jb < np; jb++)
		for (k = 0; k < K; k++)
			for (jj = 0; jj < pw; jj++) {
				int nn = jb * pw + jj;
				P[((int64_t)jb * K + k) * pw + jj] = nn < N ? src[nn * sn + k * sk] : 0.0f;
			}
}

int
dc_rec_pw(void)
{
	return dc_nn_avx512() ? 16 : 8;
}

#if defined(__GNUC__) && defined(__x86_64__)
/* TILES(RT): RT(rows, panels) for every tile the AVX-512 kernels use: the rows of
 * a row block (1 to 8) and as many panels as fit in their registers (8, 4, 2), or
 * fewer at the end of a row */
#define TILES(RT) \
	RT(1, 1); RT(1, 2); RT(1, 3); RT(1, 4); RT(1, 5); RT(1, 6); RT(1, 7); RT(1, 8); \
	RT(2, 1); RT(2, 2); RT(2, 3); RT(2, 4); RT(2, 5); RT(2, 6); RT(2, 7); RT(2, 8); \
	RT(3, 1); RT(3, 2); RT(3, 3); RT(3, 4); \
	RT(4, 1); RT(4, 2); RT(4, 3); RT(4, 4); \
	RT(5, 1); RT(5, 2); RT(6, 1); RT(6, 2); RT(7, 1); RT(7, 2); RT(8, 1); RT(8, 2);

/* tile_add: C's rows [0, MR), panels [0, NR) += acc, the last panel masked by last */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
tile_add(float *C, int64_t ldc, __m512 acc[8][8], int MR, int NR, __mmask16 last)
{
	int i, p;

#pragma GCC unroll 8
	for (i = 0; i < MR; i++)
#pragma GCC unroll 8
		for (p = 0; p < NR; p++) {
			__mmask16 mk = p == NR - 1 ? last : (__mmask16)0xffff;
			float *c = C + i * ldc + p * 16;
			_mm512_mask_storeu_ps(c, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, c), acc[i][p]));
		}
}

/* x512_rtile: rows [0, MR) of C, panels [0, NR) of 16 columns, the last one
 * masked by last; MR * NR accumulators. An FMA takes 4 cycles and two issue per
 * cycle, so a tile needs 8 independent sums to keep both units busy: NR is 8 for
 * one or two rows (the recurrent step of one sequence is a matrix-vector product,
 * 20 % faster with 8 than with 4), and each element is still summed over k in order. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
x512_rtile(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int K, int MR, int NR,
    __mmask16 last)
{
	__m512 acc[8][8];
	int i, p, k;

#pragma GCC unroll 8
	for (i = 0; i < MR; i++)
#pragma GCC unroll 8
		for (p = 0; p < NR; p++)
			acc[i][p] = _mm512_setzero_ps();
	for (k = 0; k < K; k++) {
		__m512 w[8];
#pragma GCC unroll 8
		for (p = 0; p < NR; p++)
			w[p] = _mm512_loadu_ps(P + ((int64_t)p * K + k) * 16);
#pragma GCC unroll 8
		for (i = 0; i < MR; i++) {
			__m512 a = _mm512_set1_ps(A[i * lda + k]);
#pragma GCC unroll 8
			for (p = 0; p < NR; p++)
				acc[i][p] = _mm512_fmadd_ps(a, w[p], acc[i][p]);
		}
	}
	tile_add(C, ldc, acc, MR, NR, last);
}

__attribute__((target("avx512f"))) static void
x512_rec_gemm(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int M, int N, int K)
{
	int i0, np = (N + 15) / 16, lastn = N - (np - 1) * 16;
	__mmask16 lastmask = (__mmask16)((1u << lastn) - 1u);

	for (i0 = 0; i0 < M; i0 += 8) {
		int mr = M - i0 < 8 ? M - i0 : 8, nr = mr <= 2 ? 8 : mr >= 5 ? 2 : 4, jb;
		const float *a = A + i0 * lda;
		float *c = C + i0 * ldc;
		for (jb = 0; jb < np; ) {
			/* the last tile of a row block takes the panels left, as many as fit */
			int cnt = np - jb < nr ? np - jb : nr;
			__mmask16 mk = jb + cnt == np ? lastmask : (__mmask16)0xffff;
			const float *pp = P + (int64_t)jb * K * 16;
			float *cc = c + jb * 16;
#define RT(m, r) case m * 16 + r: x512_rtile(cc, ldc, a, lda, pp, K, m, r, mk); break
			switch (mr * 16 + cnt) {
			TILES(RT)
			}
#undef RT
			jb += cnt;
		}
	}
}
#endif

#if defined(__AVX2__) && defined(__FMA__)

/* tile: rows [0, MR) of C, panels [0, NR) (the last one holding ncols valid
 * columns); MR * NR accumulators in registers. */
static inline __attribute__((always_inline)) void
tile(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int K, int MR, int NR,
    int ncols)
{
	__m256 acc[8][4];
	int i, p, k;

#pragma GCC unroll 8
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (p = 0; p < NR; p++)
			acc[i][p] = _mm256_setzero_ps();
	for (k = 0; k < K; k++) {
		__m256 w[4];
#pragma GCC unroll 4
		for (p = 0; p < NR; p++)
			w[p] = _mm256_loadu_ps(P + ((int64_t)p * K + k) * 8);
#pragma GCC unroll 8
		for (i = 0; i < MR; i++) {
			__m256 a = _mm256_broadcast_ss(A + i * lda + k);
#pragma GCC unroll 4
			for (p = 0; p < NR; p++)
				acc[i][p] = _mm256_fmadd_ps(a, w[p], acc[i][p]);
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (p = 0; p < NR; p++) {
			float *c = C + i * ldc + p * 8;
			if (p == NR - 1 && ncols < 8) {
				float tmp[8];
				int jj;
				_mm256_storeu_ps(tmp, acc[i][p]);
				for (jj = 0; jj < ncols; jj++)
					c[jj] += tmp[jj];
			} else
				_mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc[i][p]));
		}
}

/* nr_of[MR]: the panel count per tile for MR = 1..8 rows: at least 8 accumulators
 * where registers allow */
static const int nr_of[9] = { 0, 4, 4, 3, 2, 1, 1, 1, 1 };

static void
rec_gemm8(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int M, int N, int K)
{
	int i0, np = (N + 7) / 8, last = N - (np - 1) * 8;

	for (i0 = 0; i0 < M; i0 += 8) {
		int mr = M - i0 < 8 ? M - i0 : 8, nr = nr_of[mr], jb;
		const float *a = A + i0 * lda;
		float *c = C + i0 * ldc;
		for (jb = 0; jb < np; ) {
			int full = jb + nr <= np, cnt = full ? nr : 1;
			int nc = jb + cnt == np ? last : 8;
			const float *pp = P + (int64_t)jb * K * 8;
			float *cc = c + jb * 8;
#define TILE(m, r) tile(cc, ldc, a, lda, pp, K, m, r, nc)
			switch (mr * 8 + (full ? nr : 1)) {
			case 1 * 8 + 4: TILE(1, 4); break;
			case 2 * 8 + 4: TILE(2, 4); break;
			case 3 * 8 + 3: TILE(3, 3); break;
			case 4 * 8 + 2: TILE(4, 2); break;
			case 5 * 8 + 1: TILE(5, 1); break;
			case 6 * 8 + 1: TILE(6, 1); break;
			case 7 * 8 + 1: TILE(7, 1); break;
			case 8 * 8 + 1: TILE(8, 1); break;
			case 1 * 8 + 1: TILE(1, 1); break;
			case 2 * 8 + 1: TILE(2, 1); break;
			case 3 * 8 + 1: TILE(3, 1); break;
			case 4 * 8 + 1: TILE(4, 1); break;
			}
#undef TILE
			jb += cnt;
		}
	}
}
#else
/* without AVX2: the same product from the panels, in plain C */
static void
rec_gemm8(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int M, int N, int K)
{
	int i, jb, k, jj, np = (N + 7) / 8;

	for (i = 0; i < M; i++)
		for (jb = 0; jb < np; jb++) {
			float acc[8] = { 0 };
			for (k = 0; k < K; k++)
				for (jj = 0; jj < 8; jj++)
					acc[jj] += A[i * lda + k] * P[((int64_t)jb * K + k) * 8 + jj];
			for (jj = 0; jj < 8 && jb * 8 + jj < N; jj++)
				C[i * ldc + jb * 8 + jj] += acc[jj];
		}
}
#endif

void
dc_rec_gemm(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int M, int N, int K,
    int pw)
{
#if defined(__GNUC__) && defined(__x86_64__)
	if (pw == 16) {
		x512_rec_gemm(C, ldc, A, lda, P, M, N, K);
		return;
	}
#endif
	rec_gemm8(C, ldc, A, lda, P, M, N, K);
}

/* ---------------------------------------------------------------- bfloat16 */

void
dc_rec_pack_bf16(uint16_t *P16, const float *src, int K, int N, int64_t sk, int64_t sn)
{
	int n, k, np = (N + 15) / 16, K2 = (K + 1) / 2;

	/* zeros past N and K; then each column n of Bm (a row of w_hh where sk is 1,
	 * read in order) into its panel, a pair of k to every 16 columns' pairs */
	memset(P16, 0, (size_t)np * K2 * 32 * sizeof *P16);
	for (n = 0; n < N; n++) {
		uint16_t *d = P16 + ((int64_t)(n / 16) * K2 * 16 + n % 16) * 2;
		const float *s = src + (int64_t)n * sn;
		for (k = 0; k < K; k++)
			d[(int64_t)(k >> 1) * 32 + (k & 1)] = dc_mm_bf16_bits(s[(int64_t)k * sk]);
	}
}

#if defined(__GNUC__) && defined(__x86_64__)
/* xbf_rtile: x512_rtile's tile in bf16: for each pair of k, the two A values of a
 * row (one 32-bit word of ab) against the pair in each of NR panels. */
__attribute__((target("avx512f,avx512bf16"))) static inline __attribute__((always_inline)) void
xbf_rtile(float *C, int64_t ldc, const uint32_t *ab, int K2, const uint16_t *P, int MR, int NR,
    __mmask16 last)
{
	__m512 acc[8][8];
	int i, p, k;

#pragma GCC unroll 8
	for (i = 0; i < MR; i++)
#pragma GCC unroll 8
		for (p = 0; p < NR; p++)
			acc[i][p] = _mm512_setzero_ps();
	for (k = 0; k < K2; k++) {
		__m512bh w[8];
#pragma GCC unroll 8
		for (p = 0; p < NR; p++)
			w[p] = (__m512bh)_mm512_loadu_si512(P + ((int64_t)p * K2 + k) * 32);
#pragma GCC unroll 8
		for (i = 0; i < MR; i++) {
			__m512bh a = (__m512bh)_mm512_set1_epi32((int)ab[i * K2 + k]);
#pragma GCC unroll 8
			for (p = 0; p < NR; p++)
				acc[i][p] = _mm512_dpbf16_ps(acc[i][p], a, w[p]);
		}
	}
	tile_add(C, ldc, acc, MR, NR, last);
}

__attribute__((target("avx512f,avx512bf16"))) static void
xbf_rec_gemm(float *C, int64_t ldc, const float *A, int64_t lda, const uint16_t *P, int M, int N, int K,
    uint32_t *ab)
{
	int i0, np = (N + 15) / 16, lastn = N - (np - 1) * 16, K2 = (K + 1) / 2;
	__mmask16 lastmask = (__mmask16)((1u << lastn) - 1u);

	for (i0 = 0; i0 < M; i0 += 8) {
		int mr = M - i0 < 8 ? M - i0 : 8, nr = mr <= 2 ? 8 : mr >= 5 ? 2 : 4, jb, i, k;
		float *c = C + i0 * ldc;
		/* this block's rows of A in bf16, two to a word (the first in the low half),
		 * 16 at a time: dc_mm_bf16_bits's rounding (nearest even, NaN quieted) in
		 * 32-bit lanes, narrowed to 16 bits; a 0 after an odd K */
		for (i = 0; i < mr; i++) {
			const float *a = A + (i0 + i) * lda;
			for (k = 0; k < 2 * K2; k += 16) {
				int nl = K - k < 16 ? K - k : 16, ns = 2 * K2 - k < 16 ? 2 * K2 - k : 16;
				__m512i u = _mm512_maskz_loadu_epi32((__mmask16)((1u << nl) - 1u), a + k);
				__m512i r = _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)),
				    _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1)));
				__mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u,
				    _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
				r = _mm512_mask_or_epi32(_mm512_srli_epi32(r, 16), nan, _mm512_srli_epi32(u, 16),
				    _mm512_set1_epi32(0x40));
				_mm512_mask_cvtepi32_storeu_epi16((uint16_t *)(ab + i * K2) + k,
				    (__mmask16)((1u << ns) - 1u), r);
			}
		}
		for (jb = 0; jb < np; ) {
			int cnt = np - jb < nr ? np - jb : nr;
			__mmask16 mk = jb + cnt == np ? lastmask : (__mmask16)0xffff;
			const uint16_t *pp = P + (int64_t)jb * K2 * 32;
			float *cc = c + jb * 16;
#define RT(m, r) case m * 16 + r: xbf_rtile(cc, ldc, ab, K2, pp, m, r, mk); break
			switch (mr * 16 + cnt) {
			TILES(RT)
			}
#undef RT
			jb += cnt;
		}
	}
}
#endif

void
dc_rec_gemm_bf16(float *C, int64_t ldc, const float *A, int64_t lda, const uint16_t *P16, int M, int N,
    int K, uint32_t *ab)
{
#if defined(__GNUC__) && defined(__x86_64__)
	xbf_rec_gemm(C, ldc, A, lda, P16, M, N, K, ab);
#else
	(void)C; (void)ldc; (void)A; (void)lda; (void)P16; (void)M; (void)N; (void)K; (void)ab;
	abort();        /* dc_rec_bf16() is 0 here */
#endif
}

void
dc_rec_prepare(dc_rec *r, const float *src, int K, int N, int64_t sk, int64_t sn)
{
	if (r->pw)
		dc_rec_pack(r->P, src, K, N, sk, sn, r->pw);
	else
		dc_rec_pack_bf16(r->P, src, K, N, sk, sn);
}

void
dc_rec_step(const dc_rec *r, float *C, int64_t ldc, const float *A, int64_t lda, int M, int N, int K)
{
	if (r->pw)
		dc_rec_gemm(C, ldc, A, lda, r->P, M, N, K, r->pw);
	else
		dc_rec_gemm_bf16(C, ldc, A, lda, r->P, M, N, K, r->ab);
}

int
dc_rec_bf16(void)
{
	static int cpu = -1;

	if (cpu < 0) {
#if defined(__GNUC__) && defined(__x86_64__)
		__builtin_cpu_init();
		cpu = __builtin_cpu_supports("avx512bf16") != 0;
#else
		cpu = 0;
#endif
	}
	return cpu && dc_nn_avx512() && dc_mm_bf16_cpu();
}

int
dc_nn_avx512(void)
{
	static int cpu = -1;
	const char *e = getenv("DCSEP_NO_AVX512");

	if (cpu < 0) {
#if defined(__GNUC__) && defined(__x86_64__)
		__builtin_cpu_init();
		cpu = __builtin_cpu_supports("avx512f") != 0;
#else
		cpu = 0;
#endif
	}
	return cpu && !(e && *e);
}
