/*
 * test_mi_golden.c: the mask-inference loss (libcommon/mi.c) against PyTorch
 * (tests/data/mi_golden_small.msgpack, written by tests/data/make_mi_golden.py:
 * C = 2 and 3 sources, T = 8, F = 129): the tPSA targets and magnitudes, the
 * permutation-invariant loss and its winning permutation, the gradient of the
 * logits (autograd), and that the gradient accumulates (+=) and C out of range is
 * refused. Float32 arrays pass within 1e-5 relative to their largest golden value
 * (the reference computes in float64 from the same float32 inputs; ours in double
 * where it sums); the loss within 1e-6 relative.
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "mi.h"
#include "golden.h"

static void
one(int c)
{
	char name[160], label[48];
	int64_t n, shape[4], N;
	const float *X, *S, *z, *w, *A;
	const double *loss_g, *losses;
	const int32_t *perm_g;
	float *mag, *At, *dz;
	double loss, second = INFINITY;
	int perm[DC_MI_CMAX], i, ok;

#define G(v, key) (snprintf(name, sizeof name, "c%d." key, c), v = golden_arr(name, &n, shape))
	snprintf(label, sizeof label, "C=%d", c);
	G(X, "X");
	N = n / 2;
	G(S, "S");
	G(z, "z");
	G(w, "w");
	G(A, "A");
	G(loss_g, "loss");
	G(perm_g, "perm");
	G(losses, "losses");
	if (!X || !S || !z || !w || !A || !loss_g || !perm_g || !losses) {
		printf("FAIL: %s: golden arrays missing\n", label);
		t_failed++;
		return;
	}
	mag = calloc((size_t)N, sizeof *mag);
	At = calloc((size_t)c * N, sizeof *At);
	dz = calloc((size_t)c * N, sizeof *dz);

	dc_mi_target(At, mag, X, S, c, N, 1.0);
	snprintf(name, sizeof name, "c%d.mag", c);
	golden_cmp(label, name, mag, N, 1e-5);
	snprintf(name, sizeof name, "c%d.A", c);
	golden_cmp(label, name, At, (int64_t)c * N, 1e-5);

	/* the loss of the golden targets, so that it is checked on its own */
	loss = dc_mi_loss(dz, perm, z, mag, A, w, c, N);
	snprintf(name, sizeof name, "%s: loss %.9g vs %.9g", label, loss, loss_g[0]);
	T_OK(name, fabs(loss - loss_g[0]) <= 1e-6 * fabs(loss_g[0]));
	for (i = 0; i < (c == 2 ? 2 : 6); i++)
		if (losses[i] > loss_g[0] && losses[i] < second)
			second = losses[i];
	for (i = 0, ok = 1; i < c; i++)
		ok &= perm[i] == perm_g[i];
	snprintf(name, sizeof name, "%s: the winning permutation (next best %.6g)", label, second);
	T_OK(name, ok);
	snprintf(name, sizeof name, "c%d.grad_z", c);
	golden_cmp(label, name, dz, (int64_t)c * N, 1e-5);

	/* a second call adds the same gradient again; without dz, the same loss */
	dc_mi_loss(dz, NULL, z, mag, A, w, c, N);
	for (i = 0; i < c * N; i++)
		dz[i] /= 2;
	snprintf(label, sizeof label, "C=%d, accumulated twice, halved", c);
	golden_cmp(label, name, dz, (int64_t)c * N, 1e-5);
	snprintf(name, sizeof name, "C=%d: no gradient asked, the same loss", c);
	T_OK(name, dc_mi_loss(NULL, NULL, z, mag, A, w, c, N) == loss);
	free(mag);
	free(At);
	free(dz);
#undef G
}

int
main(void)
{
	float z[4] = { 0 }, mag[2] = { 1, 1 }, A[2] = { 0 };

	if (golden_open("mi_golden_small.msgpack") != 0)
		return 1;
	one(2);
	one(3);
	T_OK("C = 0 refused", dc_mi_loss(NULL, NULL, z, mag, A, NULL, 0, 2) < 0);
	T_OK("C = 7 refused", dc_mi_loss(NULL, NULL, z, mag, A, NULL, DC_MI_CMAX + 1, 2) < 0);
	/* one source: the mask is 1 everywhere, the loss sum |mag - A| */
	T_OK("C = 1: loss of a mask of ones", dc_mi_loss(NULL, NULL, z, mag, A, NULL, 1, 2) == 2.0);
	golden_close();
	return t_done();
}
