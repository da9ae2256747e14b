/*
 * dcloss.c: the deep clustering loss (Hershey et al. 2016) of a batch and its
 * gradient dL/dV, in O(N D^2) per utterance, the utterances split over the
 * workspace's pool; and the "active bin" weights of the loss (nn.h).
 *
 * Shapes: B utterances, T frames, F bins, N = T*F bins per utterance, D embedding
 * dimensions, C sources (label values).
 */
/* as in nn.c: loops vectorise as they did there (results are unchanged; this is not
 * fast-math) */
#pragma GCC optimize("no-trapping-math", "no-math-errno", "vect-cost-model=dynamic")

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "util.h"
#include "nn.h"
#include "stft.h"
#include "pool.h"
#include "nn_impl.h"

/*
 * loss_one: one utterance. dV (N,D) out (and scratch); V (N,D); lab (N); w (N) or
 * NULL; A (D,D) + Bf (C,D) float scratch; Bd (C,D) + S (C) double scratch.
 *   A = V^T W V, Bc = V^T W Y (column c: sum of w v over bins labelled c),
 *   S_c = sum of w over bins labelled c (Y^T W Y is diagonal);
 *   loss = |A|^2 - 2|Bc|^2 + |S|^2;  dV_n = 4 w_n (A v_n - Bc y_n).
 * Out-of-range labels count as weight 0.
 */
static double
loss_one(float *dV, const float *V, const int32_t *lab, const float *w, int64_t N, int D, int C,
    float *A, float *Bf, double *Bd, double *S)
{
	double loss = 0.0;
	int64_t i;
	int d, e;

	memset(Bd, 0, (size_t)C * D * sizeof *Bd);
	memset(S, 0, (size_t)C * sizeof *S);
	for (i = 0; i < N; i++) {
		float wn = w ? w[i] : 1.0f;
		const float *v = V + i * D;
		float *o = dV + i * D;
		int l = lab[i];
		if (l < 0 || l >= C)
			wn = 0.0f;
		for (d = 0; d < D; d++)
			o[d] = wn * v[d];
		if (wn != 0.0f) {
			double *bc = Bd + (int64_t)l * D;
			for (d = 0; d < D; d++)
				bc[d] += (double)o[d];
			S[l] += wn;
		}
	}
	if (N > 0)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D, D, (int)N, 1.0f, V, D, dV, D,
		    0.0f, A, D);
	else
		memset(A, 0, (size_t)D * D * sizeof *A);
	for (d = 0; d < D * D; d++)
		loss += (double)A[d] * A[d];
	for (d = 0; d < C * D; d++) {
		loss -= 2.0 * Bd[d] * Bd[d];
		Bf[d] = (float)Bd[d];
	}
	for (e = 0; e < C; e++)
		loss += S[e] * S[e];
	if (N > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, D, D, 1.0f, V, D, A, D,
		    0.0f, dV, D);
	for (i = 0; i < N; i++) {
		float wn = w ? w[i] : 1.0f;
		float *o = dV + i * D;
		int l = lab[i];
		if (l < 0 || l >= C) {
			memset(o, 0, (size_t)D * sizeof *o);
			continue;
		}
		wn *= 4.0f;
		for (d = 0; d < D; d++)
			o[d] = wn * (o[d] - Bf[(int64_t)l * D + d]);
	}
	return loss;
}

/* loss_arg: the arguments of dc_nn_loss, as ph_loss reads them */
typedef struct {
	dc_nn *n;                       /* its per-thread scratch and per-utterance losses */
	float *dV;                      /* (B,N,D) out */
	const float *V, *w;             /* (B,N,D), (B,N) or NULL */
	const int32_t *lab;             /* (B,N) */
	int B, T, C;
} loss_arg;

/* ph_loss: the utterances of thread tid. */
static void
ph_loss(void *arg, int tid, int nth)
{
	const loss_arg *a = arg;
	dc_nn *n = a->n;
	int64_t lo, hi, b, N = (int64_t)a->T * n->c.F;
	int D = n->c.D;

	dc_pool_split(a->B, tid, nth, &lo, &hi);
	for (b = lo; b < hi; b++)
		n->lossb[b] = loss_one(a->dV + b * N * D, a->V + b * N * D, a->lab + b * N,
		    a->w ? a->w + b * N : NULL, N, D, a->C, n->lossA[tid], n->lossA[tid] + D * D,
		    n->lossB[tid], n->lossB[tid] + (int64_t)a->C * D);
}

double
dc_nn_loss(dc_nn *n, float *dV, const float *V, const int32_t *lab, const float *w,
    int B, int T, int C)
{
	static int blas_one;
	loss_arg a = { .n = n, .dV = dV, .V = V, .w = w, .lab = lab, .B = B, .T = T, .C = C };
	double loss = 0.0;
	int i, b, D = n->c.D;

	/* the pool's threads each call OpenBLAS: it must not start threads of its own
	 * (here, not in dc_nn_new: the tools that never train do not load OpenBLAS) */
	if (!blas_one) {
		openblas_set_num_threads(1);
		blas_one = 1;
	}

	if (B > n->lossBmax) {
		free(n->lossb);
		n->lossb = dc_xcalloc((size_t)B, sizeof *n->lossb);
		n->lossBmax = B;
	}
	if (C > n->lossC) {
		for (i = 0; i < dc_pool_size(n->pool); i++) {
			free(n->lossA[i]);
			free(n->lossB[i]);
			n->lossA[i] = dc_nn_alloc(((size_t)D * D + (size_t)C * D) * sizeof(float));
			n->lossB[i] = dc_nn_alloc(((size_t)C * D + C) * sizeof(double));
		}
		n->lossC = C;
	}
	dc_pool_run(n->pool, ph_loss, &a);
	for (b = 0; b < B; b++)
		loss += n->lossb[b];
	return loss;
}

void
dc_nn_weights(float *w, const float *feat, int64_t n, double db)
{
	double mx = -INFINITY, floor_;
	int64_t i;

	for (i = 0; i < n; i++)
		if (feat[i] > mx)
			mx = feat[i];
	floor_ = dc_active_floor(mx, db);      /* the one definition (stft.h) */
	for (i = 0; i < n; i++)
		w[i] = feat[i] >= floor_ ? 1.0f : 0.0f;
}
