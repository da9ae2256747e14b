/*
 * test_recgemm.c: the recurrent step's product (libcommon/recgemm.c), C += A Bm
 * with Bm packed into panels, for every row count from 1 to 11 and column counts
 * that leave every possible remainder of panels and of a tile: against a sum in
 * double (within a bound of float rounding); columns past N and rows between ldc
 * untouched (the panels' padding is made non-zero after packing, so that a store
 * past N shows); and each row's result the same bits whatever the number of rows
 * beside it (the kernels sum each element over k in order, whatever the tile).
 * Both panel widths: 16 (AVX-512, where the CPU has it) and 8 (AVX2 or plain C);
 * and the bf16 kernel (AVX512_BF16, where the CPU has it) against sums in double
 * of its operands rounded to bf16, K odd too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "nn.h"
#include "recgemm.h"
#include "rng.h"
#include "t.h"

#define GUARD 12345.0f

static float
uni(dc_rng *r)
{
	return (float)(dc_rng_uniform(r) * 2.0 - 1.0);
}

/* one shape: M rows, N columns, K inner, panel width pw (0: the bf16 kernel, 16
 * columns a panel, against sums of the operands rounded to bf16); returns failures */
static int
shape(int M, int N, int K, int pw, dc_rng *r)
{
	int bf = pw == 0, ldc = N + 3, lda = K + 1, i, j, k, bad = 0;
	int np = bf ? (N + 15) / 16 : (N + pw - 1) / pw, K2 = (K + 1) / 2;
	float *A = malloc(sizeof(float) * (size_t)M * lda);
	float *Bm = malloc(sizeof(float) * (size_t)K * N);
	float *P = malloc(sizeof(float) * (size_t)np * (bf ? K2 * 16 : K * pw));
	uint16_t *P16 = (uint16_t *)P;
	uint32_t *ab = malloc(sizeof(uint32_t) * 8 * (size_t)K2);
	float *C = malloc(sizeof(float) * (size_t)M * ldc);
	float *C1 = malloc(sizeof(float) * (size_t)ldc);

	for (i = 0; i < M * lda; i++)
		A[i] = uni(r);
	for (i = 0; i < K * N; i++)
		Bm[i] = uni(r);
	for (i = 0; i < M * ldc; i++)
		C[i] = (i % ldc) < N ? uni(r) : GUARD;
	/* Bm(k, n) = Bm[k*N + n]; the padding past N made non-zero after packing, so
	 * that a store past N shows */
	if (bf) {
		dc_rec_pack_bf16(P16, Bm, K, N, N, 1);
		for (i = N; i < np * 16; i++)
			for (k = 0; k < K; k++)
				P16[(((size_t)(i / 16) * K2 + k / 2) * 16 + i % 16) * 2 + k % 2] = 0x3f80;
	} else {
		dc_rec_pack(P, Bm, K, N, N, 1, pw);
		for (i = N; i < np * pw; i++)
			for (k = 0; k < K; k++)
				P[((size_t)(i / pw) * K + k) * pw + i % pw] = 1.0f;
	}
	{
		float *C0 = malloc(sizeof(float) * (size_t)M * ldc);
		memcpy(C0, C, sizeof(float) * (size_t)M * ldc);
		if (bf)
			dc_rec_gemm_bf16(C, ldc, A, lda, P16, M, N, K, ab);
		else
			dc_rec_gemm(C, ldc, A, lda, P, M, N, K, pw);
		for (i = 0; i < M; i++) {
			for (j = 0; j < N; j++) {
				double s = 0.0, mag = fabs(C0[i * ldc + j]);
				for (k = 0; k < K; k++) {
					double a = A[i * lda + k], b = Bm[k * N + j];
					if (bf) {
						a = dc_mm_bf16_round((float)a);
						b = dc_mm_bf16_round((float)b);
					}
					s += a * b;
					mag += fabs(a * b);
				}
				s += C0[i * ldc + j];
				if (fabs(C[i * ldc + j] - s) > (K + 2) * 6e-8 * mag)
					bad++;
			}
			for (j = N; j < ldc; j++)
				bad += C[i * ldc + j] != GUARD;
			/* the same row alone: the same bits */
			memcpy(C1, C0 + i * ldc, sizeof(float) * (size_t)ldc);
			if (bf)
				dc_rec_gemm_bf16(C1, ldc, A + i * lda, lda, P16, 1, N, K, ab);
			else
				dc_rec_gemm(C1, ldc, A + i * lda, lda, P, 1, N, K, pw);
			bad += memcmp(C1, C + i * ldc, sizeof(float) * (size_t)ldc) != 0;
		}
		free(C0);
	}
	free(A);
	free(Bm);
	free(P);
	free(C);
	free(C1);
	free(ab);
	return bad;
}

static void
widths(int pw, dc_rng *r)
{
	/* N: one column; a part of a panel; whole panels; every remainder of 8-, 4- and
	 * 2-panel tiles; the network's 4H for H = 300 and the golden test's */
	static const int Ns[] = { 1, 5, 8, 16, 17, 24, 33, 48, 65, 80, 97, 112, 129, 144, 160,
		161, 177, 255, 1200, 40 };
	static const int Ks[] = { 1, 3, 64, 300, 301 };
	char name[96];
	int m, n, k, bad;

	for (k = 0; k < (int)(sizeof Ks / sizeof *Ks); k++) {
		bad = 0;
		for (m = 1; m <= 11; m++)
			for (n = 0; n < (int)(sizeof Ns / sizeof *Ns); n++)
				bad += shape(m, Ns[n], Ks[k], pw, r);
		if (pw)
			snprintf(name, sizeof name, "panels of %d, K = %d: M 1-11, 20 widths: sums, guards, "
			    "rows alone", pw, Ks[k]);
		else
			snprintf(name, sizeof name, "bf16 panels, K = %d: M 1-11, 20 widths: sums, guards, "
			    "rows alone", Ks[k]);
		T_EQ_INT(name, bad, 0);
	}
}

/* rounding: the bf16 kernel rounds A's rows as dc_mm_bf16_round does, ties and
 * carries into the exponent included: with Bm the identity (K = N = 19, odd),
 * C = A rounded, exactly; rows of 1 and of 3; a NaN in A gives NaN. (No
 * infinities, which the identity's zeros would turn into NaN, and no subnormals,
 * which VDPBF16PS reads as zero.) */
static void
rounding(void)
{
	enum { K = 19, K2 = (K + 1) / 2 };
	const float v[K] = { 1.0f + 0x1.0p-8f, 1.0f + 3 * 0x1.0p-8f, 1.0f + 0x1.0p-8f + 0x1.0p-20f,
		-(1.0f + 0x1.0p-8f), 0x1.fefffep127f, -0x1.fefffep127f, 0x1.ffffffp-1f, 0x1.ff8p-3f,
		-0x1.0p-125f, 0x1.0p-126f, 0.0f, -0.0f, 0x1.fe8p100f, -0x1.fd8p-100f, 65504.0f, 0.1f,
		-3.0f, 1e-30f, 0x1.00ffp0f };
	uint16_t P16[2 * K2 * 32];
	float Bm[K * K], A[3 * K], C[3 * K];
	uint32_t ab[8 * K2];
	int i, j, m, bad;

	for (i = 0; i < K * K; i++)
		Bm[i] = i / K == i % K ? 1.0f : 0.0f;
	dc_rec_pack_bf16(P16, Bm, K, K, K, 1);
	for (m = 1; m <= 3; m += 2) {
		bad = 0;
		for (i = 0; i < m * K; i++) {
			A[i] = v[(i + i / K) % K];
			C[i] = 0.0f;
		}
		dc_rec_gemm_bf16(C, K, A, K, P16, m, K, K, ab);
		for (i = 0; i < m * K; i++) {
			float want = dc_mm_bf16_round(A[i]);
			bad += C[i] != want;    /* -0 gives +0: the sum -0 + 0 */
		}
		T_EQ_INT(m == 1 ? "bf16 kernel: A's edge values rounded as dc_mm_bf16_round, 1 row" :
		    "bf16 kernel: A's edge values rounded as dc_mm_bf16_round, 3 rows", bad, 0);
	}
	A[5] = NAN;
	for (i = 0; i < K; i++)
		C[i] = 0.0f;
	dc_rec_gemm_bf16(C, K, A, K, P16, 1, K, K, ab);
	for (i = 0, j = 1; i < K; i++)
		j &= isnan(C[i]) != 0;
	T_OK("bf16 kernel: a NaN in A gives NaN", j);
}

int
main(void)
{
	dc_rng r;

	dc_rng_seed(&r, 12);
	if (dc_nn_avx512())
		widths(16, &r);
	else
		printf("note: no AVX-512 on this CPU; panels of 16 not tested\n");
	widths(8, &r);
	if (dc_rec_bf16()) {
		widths(0, &r);
		rounding();
	} else
		printf("note: no AVX512_BF16 on this CPU; the bf16 kernel not tested\n");
	return t_done();
}
