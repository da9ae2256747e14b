/*
 * mask.c: dc_mask of include/dcsep/dcsep.h, a spectrum split by labels (binary
 * masks) or by soft masks, one spectrum per source: what dc-mask computes (the
 * tool computes and writes it a piece at a time, never holding it whole; the two
 * agree byte for byte: tests/sh/libdcsep.sh). A file of its own, so that a
 * program that masks does not pull in the network (api.c) and the libraries it
 * loads.
 */
#include <string.h>

#include <dcsep/dcsep.h>

int
dc_mask(const dc_tensor *X, const dc_tensor *M, int k, dc_tensor *Y)
{
	const float *x = X->data;
	float *y;
	int64_t T, F, N, i, j;
	int K, err, c;

	memset(Y, 0, sizeof *Y);
	if (X->dtype != DC_C64 || X->ndim != 2)
		return DC_EPARAM;
	T = X->shape[0];
	F = X->shape[1];
	N = T * F;
	if (M->dtype == DC_I32 && M->ndim == 2 && M->shape[0] == T && M->shape[1] == F) {
		const int32_t *l = M->data;

		if (k < 1 || k > DC_KMAX)
			return DC_EPARAM;
		for (i = 0; i < N; i++)
			if (l[i] < 0 || l[i] >= k)
				return DC_EPARAM;
		K = k;
	} else if (M->dtype == DC_F32 && M->ndim == 3 && M->shape[0] >= 1 &&
	    M->shape[0] <= DC_KMAX && M->shape[1] == T && M->shape[2] == F) {
		K = (int)M->shape[0];
	} else {
		return DC_EPARAM;
	}
	if ((err = dc_tensor_alloc(Y, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
		return err;
	y = Y->data;    /* zeroed: with labels, each bin goes to its one source */
	if (M->dtype == DC_I32) {
		const int32_t *l = M->data;

		for (i = 0; i < N; i++) {
			y[2 * ((size_t)l[i] * N + i)] = x[2 * i];
			y[2 * ((size_t)l[i] * N + i) + 1] = x[2 * i + 1];
		}
	} else {
		const float *m = M->data;

		for (c = 0; c < K; c++)
			for (i = 0; i < N; i++) {
				j = (int64_t)c * N + i;
				y[2 * j] = x[2 * i] * m[j];
				y[2 * j + 1] = x[2 * i + 1] * m[j];
			}
	}
	return DC_OK;
}
