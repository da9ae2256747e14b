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

#endif
