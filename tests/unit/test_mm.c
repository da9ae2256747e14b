/*
 * test_mm.c: dc_mm_gemm, C = op(A) op(B) (+ C), against a product in double for
 * the four transpose cases and beta 0 and 1, strided rows, K of 1 and K in the
 * thousands, M and N past one and two of bf16's blocks, in both precisions (and
 * bf16 again with op(B) in blocks of 8 Ki elements, DCSEP_TEST_MM_NBK, and with
 * op(B) rounded before, dc_mm_gemm_b16: also the same bits as dc_mm_gemm);
 * more shapes than the cache holds, so primitives are evicted and made again. Columns of C past N must stay untouched.
 *
 * fp32: |C - exact| <= 2e-6 max(|exact|, 1) max(K/16, 1), the bound the network's
 * products met with fp32 accumulation. bf16: the operands are rounded to bfloat16
 * (nearest even) and the accumulation is fp32, so against the exact product of the
 * rounded operands the fp32 bound holds, and against the exact product of the
 * operands themselves |C - exact| <= (2u + u^2) sum_k |a_ik b_kj| + the fp32 bound,
 * u = 2^-8 the unit roundoff of bfloat16's 8 significant bits.
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "mm.h"
#include "t.h"

static uint64_t rng = 12345;

static float
frand(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (float)((double)(rng >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

/* run: one product; small says x cuts op(B) into 8 Ki-element blocks, b16 that
 * B goes in rounded already (dc_mm_gemm_b16) */
static void
run(dc_mm *x, int prec, int small, int b16, int ta, int tb, int beta, int M, int N, int K)
{
	const char *pn = small ? "bf16 in small blocks" : b16 ? "bf16, B rounded before" :
	    dc_mm_name(prec);
	/* A is (M,K), or (K,M) if ta; B is (K,N), or (N,K) if tb; rows padded */
	int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
	int64_t lda = ac + 3, ldb = bc + 5, ldc = N + 7, i, j, k;
	float *A = malloc(sizeof(float) * (size_t)(ar * lda + 1)), *Bm = malloc(sizeof(float) * (size_t)(br * ldb + 1));
	float *C = malloc(sizeof(float) * (size_t)(M * ldc + 1)), *C0 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
	float *C2 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
	uint16_t *Bb = malloc(sizeof(uint16_t) * (size_t)(br * bc + 1));
	double md = 0.0, mx = 0.0, over = 0.0, u = 0x1.0p-8;
	int untouched = 1, bf = prec == DC_MM_BF16, rb = 0;
	char name[200];

	for (i = 0; i < ar * lda; i++)
		A[i] = frand();
	for (i = 0; i < br * ldb; i++)
		Bm[i] = frand();
	for (i = 0; i < M * ldc; i++)
		C[i] = C0[i] = C2[i] = (i % ldc) < N ? frand() : 1234.5f;
	if (b16) {
		dc_mm_to_bf16(Bb, Bm, br, bc, ldb);
		rb = dc_mm_gemm_b16(x, ta, tb, M, N, K, A, lda, Bb, beta, C, ldc);
	} else
		dc_mm_gemm(x, ta, tb, M, N, K, A, lda, Bm, ldb, beta, C, ldc);
	for (i = 0; i < M; i++) {
		for (j = 0; j < N; j++) {
			double s = beta ? C0[i * ldc + j] : 0.0, e = s, sa = 0.0, c = C[i * ldc + j];
			for (k = 0; k < K; k++) {
				float a = ta ? A[k * lda + i] : A[i * lda + k];
				float b = tb ? Bm[j * ldb + k] : Bm[k * ldb + j];
				e += (double)a * b;
				sa += fabs((double)a * b);
				if (bf)
					a = dc_mm_bf16_round(a), b = dc_mm_bf16_round(b);
				s += (double)a * b;
			}
			if (fabs(c - s) > md || isnan(c))
				md = isnan(c) ? INFINITY : fabs(c - s);
			if (fabs(s) > mx)
				mx = fabs(s);
			if (bf && fabs(c - e) - (2 * u + u * u) * sa > over)
				over = fabs(c - e) - (2 * u + u * u) * sa;
		}
		for (j = N; j < ldc; j++)
			untouched &= C[i * ldc + j] == 1234.5f;
	}
	snprintf(name, sizeof name, "%s %c%c beta=%d M=%d N=%d K=%d: max|C - exact| %.3g of max %.3g, "
	    "columns past N untouched", pn, ta ? 'T' : 'N', tb ? 'T' : 'N', beta, M, N, K,
	    md, mx);
	T_OK(name, untouched && md <= 2e-6 * (mx > 1.0 ? mx : 1.0) * (K > 16 ? K / 16.0 : 1.0));
	if (bf) {
		snprintf(name, sizeof name, "%s %c%c beta=%d M=%d N=%d K=%d: |C - A B| within "
		    "(2u + u^2) sum |a b| + the fp32 bound (excess %.3g)", pn, ta ? 'T' : 'N', tb ? 'T' : 'N',
		    beta, M, N, K, over);
		T_OK(name, over <= 2e-6 * (mx > 1.0 ? mx : 1.0) * (K > 16 ? K / 16.0 : 1.0));
	}
	/* the same product again, from the cache (b16: by dc_mm_gemm, which takes
	 * these shapes' op(B) in one block): the same bits, unless oneDNN refused */
	dc_mm_gemm(x, ta, tb, M, N, K, A, lda, Bm, ldb, beta, C2, ldc);
	if (b16 && rb == 0) {
		snprintf(name, sizeof name, "%s %c%c beta=%d M=%d N=%d K=%d: the same bits as "
		    "dc_mm_gemm", pn, ta ? 'T' : 'N', tb ? 'T' : 'N', beta, M, N, K);
		T_OK(name, memcmp(C, C2, sizeof(float) * (size_t)(M * ldc)) == 0);
	} else if (!b16 && ta == 1 && tb == 0 && beta == 1) {
		snprintf(name, sizeof name, "%s M=%d N=%d K=%d twice: the same bits", pn,
		    M, N, K);
		T_OK(name, memcmp(C, C2, sizeof(float) * (size_t)(M * ldc)) == 0);
	}
	free(A);
	free(Bm);
	free(C);
	free(C0);
	free(C2);
	free(Bb);
}

int
main(void)
{
	static const int shapes[][3] = {
		{ 1, 1, 1 }, { 6, 64, 8 }, { 7, 65, 3 }, { 13, 130, 129 }, { 5, 16, 1 },
		{ 12, 128, 600 }, { 50, 200, 37 }, { 3, 1032, 32 }, { 17, 70, 1100 }, { 400, 70, 600 },
		{ 200, 130, 1100 }, { 40, 24, 3000 }, { 600, 40, 70 }, { 70, 1100, 600 },
	};
	float one = 1.0f, tie = 1.0f + 0x1.0p-8f, tie3 = 1.0f + 3 * 0x1.0p-8f, above = 1.0f + 0x1.0p-8f + 0x1.0p-20f;
	int prec, s, ta, tb, beta;

	T_OK("bf16 rounding: 1 + 2^-8 ties to even (1)", dc_mm_bf16_round(tie) == one);
	T_OK("bf16 rounding: 1 + 3 2^-8 ties to even (1 + 2^-6)", dc_mm_bf16_round(tie3) == 1.0f + 0x1.0p-6f);
	T_OK("bf16 rounding: just above a tie rounds up (1 + 2^-7)", dc_mm_bf16_round(above) == 1.0f + 0x1.0p-7f);
	T_OK("bf16 rounding: -3.0 exact", dc_mm_bf16_round(-3.0f) == -3.0f);
	T_OK("bf16 rounding: NaN stays NaN", isnan(dc_mm_bf16_round(NAN)));
	T_OK("bf16 rounding: inf stays inf", dc_mm_bf16_round(INFINITY) == INFINITY);
	T_OK("dc_mm_parse", dc_mm_parse("bf16") == DC_MM_BF16 && dc_mm_parse("f32") == DC_MM_F32 &&
	    dc_mm_parse("mixed") == DC_MM_MIXED && dc_mm_parse("fp16") == -1 && dc_mm_parse("") == -1 &&
	    dc_mm_parse("Mixed") == -1);
	T_OK("dc_mm_name", strcmp(dc_mm_name(DC_MM_BF16), "bf16") == 0 &&
	    strcmp(dc_mm_name(DC_MM_F32), "f32") == 0 && strcmp(dc_mm_name(DC_MM_MIXED), "mixed") == 0);
	printf("# this CPU: bf16 %s, default %s in inference, %s in training\n",
	    dc_mm_bf16_cpu() ? "yes" : "no", dc_mm_name(dc_mm_default(1)), dc_mm_name(dc_mm_default(0)));
	/* prec 2: bf16 with op(B) in column blocks of 8 Ki elements, as small as
	 * DCSEP_TEST_MM_NBK makes them (by default these shapes take one), beta 1;
	 * prec 3: bf16 with B rounded before (dc_mm_gemm_b16) */
	for (prec = 0; prec < 4; prec++) {
		dc_mm *x;
		if (prec == 2)
			setenv("DCSEP_TEST_MM_NBK", "8192", 1);
		x = dc_mm_new(prec == 0 ? DC_MM_F32 : DC_MM_BF16);
		unsetenv("DCSEP_TEST_MM_NBK");
		for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
			for (ta = 0; ta < 2; ta++)
				for (tb = 0; tb < 2; tb++)
					for (beta = prec == 2; beta < 2; beta++)
						run(x, prec == 0 ? DC_MM_F32 : DC_MM_BF16, prec == 2, prec == 3, ta,
						    tb, beta, shapes[s][0], shapes[s][1], shapes[s][2]);
		dc_mm_free(x);
	}
	/* oneDNN refusing a product (as it refuses bf16 on a CPU without AVX-512): C
	 * from the loops, -1 returned, in fp32 with the context's operands: a bf16
	 * context's rounded (bf16's bounds); with B rounded before, op(A) is rounded
	 * too, so for dc_mm_gemm_b16 in an fp32 context */
	setenv("DCSEP_TEST_MM_REFUSE", "1", 1);
	for (prec = 0; prec < 3; prec++) {
		dc_mm *x = dc_mm_new(prec == 0 ? DC_MM_F32 : DC_MM_BF16);
		float a = 2.0f, b = 3.0f, c = 1.0f, c16 = 1.0f;
		uint16_t b3 = dc_mm_bf16_bits(3.0f);
		char name[100];
		for (s = 0; s < 6; s++)
			for (ta = 0; ta < 2; ta++)
				for (tb = 0; tb < 2; tb++)
					for (beta = 0; beta < 2; beta++)
						run(x, prec >= 1 ? DC_MM_BF16 : DC_MM_F32, 0, prec == 2, ta,
						    tb, beta, shapes[s][0], shapes[s][1], shapes[s][2]);
		snprintf(name, sizeof name, "%s, oneDNN refusing: -1 and C = 1 + 2 * 3, B rounded before too",
		    dc_mm_name(prec == 0 ? DC_MM_F32 : DC_MM_BF16));
		T_OK(name, dc_mm_gemm(x, 0, 0, 1, 1, 1, &a, 1, &b, 1, 1, &c, 1) == -1 && c == 7.0f &&
		    dc_mm_gemm_b16(x, 0, 0, 1, 1, 1, &a, 1, &b3, 1, &c16, 1) == -1 && c16 == 7.0f);
		dc_mm_free(x);
	}
	unsetenv("DCSEP_TEST_MM_REFUSE");
	{       /* dc_mm_gemm_b16 in an fp32 context: the loops, in bf16 */
		dc_mm *x = dc_mm_new(DC_MM_F32);
		float a = 1.0f + 0x1.0p-7f + 0x1.0p-9f, c = 0.0f;
		uint16_t b1 = dc_mm_bf16_bits(1.0f);
		T_OK("dc_mm_gemm_b16 in an fp32 context: -1, and A rounded as bf16 rounds it",
		    dc_mm_gemm_b16(x, 0, 1, 1, 1, 1, &a, 1, &b1, 0, &c, 1) == -1 &&
		    c == 1.0f + 0x1.0p-7f);
		dc_mm_free(x);
	}
	{       /* mixed: a dc_mm of it computes in fp32 (the fp32 bound, not bf16's) */
		dc_mm *x = dc_mm_new(DC_MM_MIXED);
		run(x, DC_MM_MIXED, 0, 0, 0, 1, 0, 70, 1100, 600);
		run(x, DC_MM_MIXED, 0, 0, 1, 0, 1, 13, 130, 129);
		dc_mm_free(x);
	}
	unsetenv("DCSEP_PRECISION");
	T_OK("inference's default: mixed where the CPU has bf16 (it separates as f32 does), else f32",
	    dc_mm_default(1) == (dc_mm_bf16_cpu() ? DC_MM_MIXED : DC_MM_F32));
	setenv("DCSEP_PRECISION", "mixed", 1);
	T_OK("DCSEP_PRECISION=mixed: mixed where the CPU has bf16, else f32",
	    dc_mm_default(1) == (dc_mm_bf16_cpu() ? DC_MM_MIXED : DC_MM_F32) &&
	    dc_mm_default(0) == dc_mm_default(1));
	{
		int fb = -1, p = dc_mm_choose("mixed", 0, &fb);
		T_OK("dc_mm_choose(mixed): mixed where the CPU has bf16, else f32 and the fallback",
		    dc_mm_bf16_cpu() ? p == DC_MM_MIXED && fb == 0 : p == DC_MM_F32 && fb == 1);
		p = dc_mm_choose("f16", 1, &fb);
		T_EQ_INT("dc_mm_choose(f16): -1", p, -1);
	}
	setenv("DCSEP_NO_BF16", "1", 1);
	T_OK("DCSEP_NO_BF16: no bf16, default f32", !dc_mm_bf16_cpu() && dc_mm_default(0) == DC_MM_F32 &&
	    dc_mm_default(1) == DC_MM_F32);
	{
		int fb = -1, p = dc_mm_choose("mixed", 0, &fb);
		T_OK("DCSEP_NO_BF16: dc_mm_choose(mixed) is f32 with the fallback", p == DC_MM_F32 && fb == 1);
	}
	return t_done();
}
