/*
 * test_nn_sgemm.c: dc_nn_sgemm_nt, C = A B^T, against a product in double, on
 * shapes that exercise every edge of its AVX-512 kernel (rows not a multiple of 6,
 * columns not a multiple of 64, K of 1, strided rows), and with DCSEP_NO_AVX512
 * set (cblas_sgemm). Columns of C past N must stay untouched.
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
run(const char *path, int M, int N, int K)
{
	int64_t lda = K + 3, ldb = K + 5, ldc = N + 7, i, j, k;
	float *A = malloc(sizeof(float) * (size_t)(M * lda)), *Bm = malloc(sizeof(float) * (size_t)(N * ldb));
	float *C = malloc(sizeof(float) * (size_t)(M * ldc)), *work = malloc(sizeof(float) * (size_t)(64 * K + 64));
	double md = 0.0, mx = 0.0;
	int untouched = 1;
	char name[128];

	for (i = 0; i < M * lda; i++)
		A[i] = frand();
	for (i = 0; i < N * ldb; i++)
		Bm[i] = frand();
	for (i = 0; i < M * ldc; i++)
		C[i] = 1234.5f;
	dc_nn_sgemm_nt(C, ldc, A, lda, Bm, ldb, M, N, K, work);
	for (i = 0; i < M; i++) {
		for (j = 0; j < N; j++) {
			double s = 0.0;
			for (k = 0; k < K; k++)
				s += (double)A[i * lda + k] * Bm[j * ldb + k];
			if (fabs(C[i * ldc + j] - s) > md || isnan(C[i * ldc + j]))
				md = isnan(C[i * ldc + j]) ? INFINITY : fabs(C[i * ldc + j] - s);
			if (fabs(s) > mx)
				mx = fabs(s);
		}
		for (j = N; j < ldc; j++)
			untouched &= C[i * ldc + j] == 1234.5f;
	}
	snprintf(name, sizeof name, "%s M=%d N=%d K=%d: max|C - exact| %.3g of max %.3g", path, M, N, K, md, mx);
	T_OK(name, md <= 1e-5 * (mx > 1.0 ? mx : 1.0) * (K > 16 ? K / 16.0 : 1.0));
	snprintf(name, sizeof name, "%s M=%d N=%d K=%d: columns past N untouched", path, M, N, K);
	T_OK(name, untouched);
	free(A);
	free(Bm);
	free(C);
	free(work);
}

int
main(void)
{
	static const int shapes[][3] = {
		{ 1, 1, 1 }, { 6, 64, 8 }, { 7, 65, 3 }, { 13, 130, 129 }, { 5, 16, 1 },
		{ 12, 128, 600 }, { 50, 200, 37 }, { 3, 1032, 32 },
	};
	int pass, s;

	for (pass = 0; pass < 2; pass++) {
		const char *path;
		if (pass == 1)
			setenv("DCSEP_NO_AVX512", "1", 1);
		path = dc_nn_avx512() ? "avx512" : "cblas";
		printf("# %s\n", path);
		if (pass == 1)
			T_OK("DCSEP_NO_AVX512 turns the kernel off", !dc_nn_avx512());
		for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
			run(path, shapes[s][0], shapes[s][1], shapes[s][2]);
	}
	return t_done();
}
