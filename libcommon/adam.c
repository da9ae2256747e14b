/*
 * adam.c: the optimiser's step (Adam, Kingma and Ba 2015) and the gradient's sum
 * of squares (for clipping by norm), element-wise over flat buffers of np floats,
 * split over the workspace's pool (nn.h).
 */
/* as in nn.c: loops vectorise as they did there (results are unchanged; this is not
 * fast-math) */
#pragma GCC optimize("no-trapping-math", "no-math-errno", "vect-cost-model=dynamic")

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "nn.h"
#include "pool.h"
#include "nn_impl.h"

/* adam_arg: the arguments of one Adam step, as ph_adam reads them */
typedef struct {
	float *p, *m, *v;               /* parameters, moments (np each) */
	const float *g;                 /* gradients (np) */
	size_t np;
	float scale, lr, c2;            /* gscale; lr / (1 - b1^step); 1 / sqrt(1 - b2^step) */
} adam_arg;

/* ph_adam: thread tid's share of the parameters. */
static void
ph_adam(void *arg, int tid, int nth)
{
	const adam_arg *aa = arg;
	int64_t lo, hi, j;
	float s = aa->scale, a = aa->lr, c2 = aa->c2;
	float *restrict p = aa->p, *restrict m = aa->m, *restrict v = aa->v;
	const float *restrict g = aa->g;

	dc_pool_split((int64_t)aa->np, tid, nth, &lo, &hi);
	j = lo;
#if defined(__AVX2__) && defined(__FMA__)
	/* the same operations in the same order as the loop below (sqrtf stops gcc from
	 * vectorising it), so the result does not depend on where the threads split */
	{
		__m256 vs = _mm256_set1_ps(s), va = _mm256_set1_ps(a), vc2 = _mm256_set1_ps(c2);
		__m256 b1 = _mm256_set1_ps(0.9f), b1c = _mm256_set1_ps(0.1f);
		__m256 b2 = _mm256_set1_ps(0.999f), b2c = _mm256_set1_ps(0.001f), eps = _mm256_set1_ps(1e-8f);
		for (; j + 8 <= hi; j += 8) {
			__m256 gj = _mm256_mul_ps(_mm256_loadu_ps(g + j), vs);
			__m256 mm = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + j)), _mm256_mul_ps(b1c, gj));
			__m256 vv = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + j)),
			    _mm256_mul_ps(_mm256_mul_ps(b2c, gj), gj));
			__m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vv), vc2), eps);
			_mm256_storeu_ps(m + j, mm);
			_mm256_storeu_ps(v + j, vv);
			_mm256_storeu_ps(p + j, _mm256_sub_ps(_mm256_loadu_ps(p + j),
			    _mm256_div_ps(_mm256_mul_ps(va, mm), den)));
		}
	}
#endif
	for (; j < hi; j++) {
		float gj = g[j] * s;
		float mm = 0.9f * m[j] + 0.1f * gj;
		float vv = 0.999f * v[j] + 0.001f * gj * gj;
		m[j] = mm;
		v[j] = vv;
		p[j] -= a * mm / (sqrtf(vv) * c2 + 1e-8f);
	}
}

void
dc_nn_adam(dc_nn *n, float *params, float *m, float *v, const float *grads, size_t np,
    float gscale, double lr, int64_t step)
{
	adam_arg a = { .p = params, .m = m, .v = v, .g = grads, .np = np, .scale = gscale };

	a.lr = (float)(lr / (1.0 - pow(0.9, (double)step)));
	a.c2 = (float)(1.0 / sqrt(1.0 - pow(0.999, (double)step)));
	dc_pool_run(n->pool, ph_adam, &a);
}

/* sumsq_arg: the arguments of dc_nn_sumsq and each thread's sum */
typedef struct {
	const float *x;
	size_t np;
	double sum[DC_POOL_MAXTHREADS];
} sumsq_arg;

/* ph_sumsq: thread tid's share of the sum, in four partial sums. */
static void
ph_sumsq(void *arg, int tid, int nth)
{
	sumsq_arg *a = arg;
	int64_t lo, hi, j;
	double s[4] = { 0 };
	const float *x = a->x;

	dc_pool_split((int64_t)a->np, tid, nth, &lo, &hi);
	for (j = lo; j + 4 <= hi; j += 4) {
		s[0] += (double)x[j] * x[j];
		s[1] += (double)x[j + 1] * x[j + 1];
		s[2] += (double)x[j + 2] * x[j + 2];
		s[3] += (double)x[j + 3] * x[j + 3];
	}
	for (; j < hi; j++)
		s[0] += (double)x[j] * x[j];
	a->sum[tid] = (s[0] + s[1]) + (s[2] + s[3]);
}

double
dc_nn_sumsq(dc_nn *n, const float *x, size_t np)
{
	sumsq_arg a = { .x = x, .np = np };
	double s = 0.0;
	int i;

	dc_pool_run(n->pool, ph_sumsq, &a);
	for (i = 0; i < dc_pool_size(n->pool); i++)
		s += a.sum[i];
	return s;
}
