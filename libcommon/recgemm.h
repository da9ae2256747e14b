/*
 * recgemm.h: the small-M product of the network's recurrent steps (recgemm.c),
 * C (M,N) += A (M,K) Bm (K,N) with Bm packed once into panels of pw columns,
 * P (ceil(N/pw),K,pw). Used by nn.c's LSTM; nothing here allocates.
 */
#ifndef DC_RECGEMM_H
#define DC_RECGEMM_H

#include <stdint.h>

/* dc_rec_pw: the panel width dc_rec_gemm works with on this CPU: 16 with AVX-512
 * (dc_nn_avx512), else 8. */
int dc_rec_pw(void);
/* dc_rec_pack: P[jb][k][jj] = Bm(k, jb*pw + jj), zero past N, where Bm(k, n) =
 * src[n*sn + k*sk]; P holds ceil(N/pw) * K * pw floats. */
void dc_rec_pack(float *P, const float *src, int K, int N, int64_t sk, int64_t sn, int pw);
/* dc_rec_gemm: C (M,N) += A (M,K) Bm (K,N), Bm packed by dc_rec_pack with panels of
 * pw = dc_rec_pw() columns; rows of A and C are lda and ldc apart (they may be rows
 * of (B,T,...) buffers). */
void dc_rec_gemm(float *C, int64_t ldc, const float *A, int64_t lda, const float *P, int M, int N,
    int K, int pw);

/*
 * The same product with bfloat16 operands and fp32 sums, for -P bf16
 * (AVX512_BF16's VDPBF16PS: a pair of bf16 products added to each fp32 lane): Bm
 * packed by dc_rec_pack_bf16 into panels of 16 columns holding K in pairs,
 * P16 (ceil(N/16), ceil(K/2), 16, 2) bf16, each rounded to nearest even; A's rows
 * rounded the same way as the product goes, into ab (8 * ceil(K/2) words of
 * scratch). Half the bytes of the fp32 panels, and one instruction for two terms.
 */
/* dc_rec_bf16: 1 if this CPU has AVX512_BF16 (and AVX-512 is not turned off,
 * dc_nn_avx512), so that dc_rec_gemm_bf16 may be used; else 0. */
int dc_rec_bf16(void);
/* dc_rec_pack_bf16: P16[jb][kp][jj][e] = bf16(Bm(2 kp + e, 16 jb + jj)), zero past N
 * and K, with Bm(k, n) = src[n*sn + k*sk]. */
void dc_rec_pack_bf16(uint16_t *P16, const float *src, int K, int N, int64_t sk, int64_t sn);
/* dc_rec_gemm_bf16: C (M,N) += bf16(A) (M,K) Bm (K,N), fp32 sums; only where
 * dc_rec_bf16() is 1. */
void dc_rec_gemm_bf16(float *C, int64_t ldc, const float *A, int64_t lda, const uint16_t *P16, int M,
    int N, int K, uint32_t *ab);

/*
 * dc_rec: one recurrent matrix in the form its steps use: panels P (fp32 for
 * dc_rec_gemm with panel width pw, or bf16 for dc_rec_gemm_bf16 where pw is 0)
 * and the bf16 kernel's scratch ab. The caller gives P room for
 * ceil(N/16) * (K + 16) floats and ab for 8 * ceil(K/2) words, for every K, N it
 * packs.
 */
typedef struct {
	void *P;
	uint32_t *ab;
	int pw;
} dc_rec;

/* dc_rec_prepare: packs Bm(k, n) = src[n*sn + k*sk] (K,N) into r->P. */
void dc_rec_prepare(dc_rec *r, const float *src, int K, int N, int64_t sk, int64_t sn);
/* dc_rec_step: C (M,N) += A (M,K) Bm (K,N) with the Bm of the last dc_rec_prepare. */
void dc_rec_step(const dc_rec *r, float *C, int64_t ldc, const float *A, int64_t lda, int M, int N,
    int K);

#endif
