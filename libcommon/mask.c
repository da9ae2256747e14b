/*
 * mask.c: dc_mask of include/dcsep/dcsep.h, a spectrum split by labels (binary
 * masks) or by soft masks, one spectrum per source, and dc_mask_part (mask.h),
 * the same a piece at a time, with which dc-mask writes it without holding it
 * whole (the two agree byte for byte: tests/sh/libdcsep.sh). A file of its own, so that a
 * program that masks does not pull in the network (api.c) and the libraries it
 * loads.
 */
#include <string.h>

#include <dcsep/dcsep.h>
#include "mask.h"

void
dc_mask_part(const dc_tensor *X, const dc_tensor *M, int c, int64_t i0, int64_t n, float *y)
{
	const float *x = (const float *)X->data + 2 * i0;
	int64_t N = X->shape[0] * X->shape[1], i;

	if (M->dtype == DC_I32) {
		const int32_t *l = (const int32_t *)M->data + i0;

		for (i = 0; i < n; i++) {
			y[2 * i] = l[i] == c ? x[2 * i] : 0.0f;
			y[2 * i + 1] = l[i] == c ? x[2 * i + 1] : 0.0f;
		}
	} else {
		const float *m = (const float *)M->data + (size_t)c * N + i0;

		for (i = 0; i < n; i++) {
			y[2 * i] = x[2 * i] * m[i];
			y[2 * i + 1] = x[2 * i + 1] * m[i];
		}
	}
}

int
dc_tensor_is(const dc_tensor *t, int dtype, int ndim)
{
	int64_t n = 1, lim = dc_limit_elems();
	int i;

	if (t == NULL || t->dtype != dtype || t->ndim != ndim)
		return 0;
	for (i = 0; i < ndim; i++) {
		if (t->shape[i] < 0 || (t->shape[i] && n > lim / t->shape[i]))
			return 0;
		n *= t->shape[i];
	}
	return n == 0 || t->data != NULL;
}

int
dc_mask(const dc_tensor *X, const dc_tensor *M, int k, dc_tensor *Y)
{
	int64_t T, F, N, i;
	int K, err, c;

	if (Y == NULL)
		return DC_EPARAM;
	memset(Y, 0, sizeof *Y);
	if (!dc_tensor_is(X, DC_C64, 2) || M == NULL)
		return DC_EPARAM;
	T = X->shape[0];
	F = X->shape[1];
	N = T * F;
	if (dc_tensor_is(M, DC_I32, 2) && M->shape[0] == T && M->shape[1] == F) {
		const int32_t *l = M->data;

		if (k < 1 || k > DC_KMAX)
			return DC_EPARAM;
		for (i = 0; i < N; i++)
			if (l[i] < 0 || l[i] >= k)
				return DC_EPARAM;
		K = k;
	} else if (dc_tensor_is(M, DC_F32, 3) && M->shape[0] >= 1 &&
	    M->shape[0] <= DC_KMAX && M->shape[1] == T && M->shape[2] == F) {
		K = (int)M->shape[0];
	} else {
		return DC_EPARAM;
	}
	if (dc_tensor_finite(X) != DC_OK || dc_tensor_finite(M) != DC_OK)
		return DC_ENONFINITE;
	if ((err = dc_tensor_alloc(Y, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
		return err;
	for (c = 0; c < K; c++)
		dc_mask_part(X, M, c, 0, N, (float *)Y->data + 2 * (size_t)c * N);
	return DC_OK;
}
