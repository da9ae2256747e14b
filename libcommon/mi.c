/*
 * mi.c: the mask-inference head (mi.h): its linear layer forward and backward,
 * its masks, tPSA targets, and the permutation-invariant L1 loss with its
 * gradient. Shapes: C sources, N bins, rows of frames of C*F logits.
 */
#include <math.h>
#include <string.h>

#include "mi.h"

void
dc_mi_target(float *A, float *mag, const float *X, const float *S, int c, int64_t n,
    double gamma)
{
	int64_t i;
	int k;

	for (i = 0; i < n; i++) {
		double xr = X[2 * i], xi = X[2 * i + 1], mx = sqrt(xr * xr + xi * xi);

		mag[i] = (float)mx;
		for (k = 0; k < c; k++) {
			const float *s = S + 2 * ((size_t)k * n + i);
			/* |S| cos(angle S - angle X) = Re(S conj(X)) / |X| */
			double a = mx > 0.0 ? (s[0] * xr + s[1] * xi) / mx : 0.0;

			a = a < 0.0 ? 0.0 : a;
			a = a > gamma * mx ? gamma * mx : a;
			A[(size_t)k * n + i] = (float)a;
		}
	}
}

/* softmax: m[C], the softmax of the logits z[k * n + i] of bin i, in double */
static void
softmax(double *m, const float *z, int c, int64_t n, int64_t i)
{
	double mx = -HUGE_VAL, sum = 0.0;
	int k;

	for (k = 0; k < c; k++)
		mx = z[(size_t)k * n + i] > mx ? z[(size_t)k * n + i] : mx;
	for (k = 0; k < c; k++)
		sum += m[k] = exp(z[(size_t)k * n + i] - mx);
	for (k = 0; k < c; k++)
		m[k] /= sum;
}

/* next_perm: the next permutation of p[C] in lexicographic order; 0 after the last */
static int
next_perm(int *p, int c)
{
	int i = c - 2, j = c - 1, t;

	while (i >= 0 && p[i] >= p[i + 1])
		i--;
	if (i < 0)
		return 0;
	while (p[j] <= p[i])
		j--;
	t = p[i], p[i] = p[j], p[j] = t;
	for (i++, j = c - 1; i < j; i++, j--)
		t = p[i], p[i] = p[j], p[j] = t;
	return 1;
}

double
dc_mi_loss(float *dz, int *perm, const float *z, const float *mag, const float *A,
    const float *w, int c, int64_t n)
{
	double cost[DC_MI_CMAX][DC_MI_CMAX], m[DC_MI_CMAX], g[DC_MI_CMAX], best = HUGE_VAL, s;
	int p[DC_MI_CMAX], bp[DC_MI_CMAX], k, j;
	int64_t i;

	if (c < 1 || c > DC_MI_CMAX)
		return -1.0;
	/* cost[k][j]: mask k against target j, summed over the bins */
	memset(cost, 0, sizeof cost);
	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0;

		softmax(m, z, c, n, i);
		for (k = 0; k < c; k++)
			for (j = 0; j < c; j++)
				cost[k][j] += wi * fabs(m[k] * mag[i] - A[(size_t)j * n + i]);
	}
	for (k = 0; k < c; k++)
		p[k] = k;
	do {
		for (j = 0, s = 0.0; j < c; j++)
			s += cost[p[j]][j];
		if (s < best) {
			best = s;
			memcpy(bp, p, sizeof p);
		}
	} while (next_perm(p, c));
	if (perm)
		memcpy(perm, bp, (size_t)c * sizeof *perm);
	if (dz == NULL)
		return best;
	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0, gm = 0.0, d;

		softmax(m, z, c, n, i);
		for (j = 0; j < c; j++) {
			k = bp[j];
			d = m[k] * mag[i] - A[(size_t)j * n + i];
			g[k] = wi * mag[i] * ((d > 0.0) - (d < 0.0));
		}
		for (k = 0; k < c; k++)
			gm += g[k] * m[k];
		for (k = 0; k < c; k++)
			dz[(size_t)k * n + i] += (float)(m[k] * (g[k] - gm));
	}
	return best;
}

void
dc_mi_head_forward(dc_mm *mm, float *z, const float *h, const float *W, const float *b,
    int64_t rows, int H2, int CF)
{
	int64_t r;

	for (r = 0; r < rows; r++)
		memcpy(z + r * CF, b, (size_t)CF * sizeof *z);
	dc_mm_gemm(mm, 0, 1, (int)rows, CF, H2, h, H2, W, H2, 1, z, CF);
}

void
dc_mi_head_backward(dc_mm *mm, float *dW, float *db, float *dh, const float *dz,
    const float *h, const float *W, int64_t rows, int H2, int CF)
{
	int64_t r;
	int j;

	dc_mm_gemm(mm, 1, 0, CF, H2, (int)rows, dz, CF, h, H2, 1, dW, H2);
	for (r = 0; r < rows; r++)
		for (j = 0; j < CF; j++)
			db[j] += dz[r * CF + j];
	if (dh != NULL)
		dc_mm_gemm(mm, 0, 0, (int)rows, H2, CF, dz, CF, W, H2, 1, dh, H2);
}

void
dc_mi_masks(float *masks, const float *z, int64_t rows, int c, int f)
{
	double m[DC_MI_CMAX];
	int64_t r;
	int k, j;

	for (r = 0; r < rows; r++)
		for (j = 0; j < f; j++) {
			softmax(m, z + r * c * f + j, c, f, 0);
			for (k = 0; k < c; k++)
				masks[((size_t)k * rows + r) * f + j] = (float)m[k];
		}
}

double
dc_mi_segment_loss(float *dz, const float *z, const float *mag, const float *A,
    const float *w, int c, int64_t t, int f, double scale, float *scratch)
{
	int64_t n = t * f, r;
	float *zc = scratch, *dzc = scratch + (size_t)c * n;
	double loss;
	int k;

	/* rows (t, C, F) to the loss's (C, t, F) */
	for (r = 0; r < t; r++)
		for (k = 0; k < c; k++)
			memcpy(zc + (size_t)k * n + r * f, z + (r * c + k) * f, (size_t)f * sizeof *zc);
	if (dz != NULL)
		memset(dzc, 0, (size_t)c * n * sizeof *dzc);
	loss = dc_mi_loss(dz ? dzc : NULL, NULL, zc, mag, A, w, c, n);
	if (dz != NULL)
		for (r = 0; r < t; r++)
			for (k = 0; k < c; k++) {
				float *d = dz + (r * c + k) * f;
				const float *s = dzc + (size_t)k * n + r * f;
				int j;
				for (j = 0; j < f; j++)
					d[j] += (float)(scale * s[j]);
			}
	return loss;
}
