/*
 * test_nn_sgemm.c: dc_nn_sgemm, C = op(A) op(B) (+ C), against a product in
 * double for the four transpose cases and beta 0 and 1, on shapes that exercise
 * every edge of its AVX-512 kernel (rows not a multiple of 6 nor of the 192 of a
 * block, columns not a multiple of 64, K of 1, K past one block of 512, strided
 * rows), then again with
 * DCSEP_NO_AVX512 set (cblas_sgemm). Columns of C past N must stay untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "nn.h"
#include "t.h"

static uint64_t rng = 12345;

static float
frand(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (float)((double)(rng >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

static void
run(const char *path, int ta, int tb, int beta, int M, int N, int K)
{
	/* A is (M,K), or (K,M) if ta; B is (K,N), or (N,K) if tb; rows padded */
	int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
	int64_t lda = ac + 3, ldb = bc + 5, ldc = N + 7, i, j, k;
	float *A = malloc(sizeof(float) * (size_t)(ar * lda + 1)), *Bm = malloc(sizeof(float) * (size_t)(br * ldb + 1));
	float *C = malloc(sizeof(float) * (size_t)(M * ldc + 1)), *C0 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
	float *work = malloc(sizeof(float) * 512 * (size_t)(N + 64));
	double md = 0.0, mx = 0.0;
	int untouched = 1;
	char name[160];

	for (i = 0; i < ar * lda; i++)
		A[i] = frand();
	for (i = 0; i < br * ldb; i++)
		Bm[i] = frand();
	for (i = 0; i < M * ldc; i++)
		C[i] = C0[i] = (i % ldc) < N ? frand() : 1234.5f;
	dc_nn_sgemm(ta, tb, M, N, K, A, lda, Bm, ldb, beta, C, ldc, work);
	for (i = 0; i < M; i++) {
		for (j = 0; j < N; j++) {
			double s = beta ? C0[i * ldc + j] : 0.0;
			for (k = 0; k < K; k++)
				s += (double)(ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? Bm[j * ldb + k] : Bm[k * ldb + j]);
			if (fabs(C[i * ldc + j] - s) > md || isnan(C[i * ldc + j]))
				md = isnan(C[i * ldc + j]) ? INFINITY : fabs(C[i * ldc + j] - s);
			if (fabs(s) > mx)
				mx = fabs(s);
		}
		for (j = N; j < ldc; j++)
			untouched &= C[i * ldc + j] == 1234.5f;
	}
	snprintf(name, sizeof name, "%s %c%c beta=%d M=%d N=%d K=%d: max|C - exact| %.3g of max %.3g, "
	    "columns past N untouched", path, ta ? 'T' : 'N', tb ? 'T' : 'N', beta, M, N, K, md, mx);
	T_OK(name, untouched && md <= 2e-6 * (mx > 1.0 ? mx : 1.0) * (K > 16 ? K / 16.0 : 1.0));
	free(A);
	free(Bm);
	free(C);
	free(C0);
	free(work);
}

int
main(void)
{
	static const int shapes[][3] = {
		{ 1, 1, 1 }, { 6, 64, 8 }, { 7, 65, 3 }, { 13, 130, 129 }, { 5, 16, 1 },
		{ 12, 128, 600 }, { 50, 200, 37 }, { 3, 1032, 32 }, { 17, 70, 1100 }, { 400, 70, 600 },
		{ 200, 130, 1100 },
	};
	int pass, s, ta, tb, beta;

	for (pass = 0; pass < 2; pass++) {
		const char *path;
		if (pass == 1)
			setenv("DCSEP_NO_AVX512", "1", 1);
		path = dc_nn_avx512() ? "avx512" : "cblas";
		printf("# %s\n", path);
		if (pass == 1)
			T_OK("DCSEP_NO_AVX512 turns the kernel off", !dc_nn_avx512());
		for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
			for (ta = 0; ta < 2; ta++)
				for (tb = 0; tb < 2; tb++)
					for (beta = 0; beta < 2; beta++)
						run(path, ta, tb, beta, shapes[s][0], shapes[s][1], shapes[s][2]);
	}
	return t_done();
}
