/*
 * mask.h: the masking of mask.c a piece at a time, for dc-mask, which writes the
 * masked spectra without holding them whole (dc_mask of dcsep.h holds them).
 */
#ifndef DC_MASK_H
#define DC_MASK_H

#include "util.h"

/* dc_mask_part: bins i0 .. i0 + n - 1 of source c of what dc_mask computes, into
 * y (n complex values): with labels M (int32 T x F), X where M is c and 0
 * elsewhere; with soft masks M (float32 K x T x F), X times M[c]. M and c must be
 * as dc_mask checks them. */
void dc_mask_part(const dc_tensor *X, const dc_tensor *M, int c, int64_t i0, int64_t n, float *y);

/* dc_tensor_is: 1 if t is not NULL, of that dtype and ndim, with dimensions of 0
 * or more whose product is within the element limit, and data unless that is 0
 * (a caller's tensor, before dc_mask or dc_cluster reads it); else 0. */
int dc_tensor_is(const dc_tensor *t, int dtype, int ndim);

#endif
