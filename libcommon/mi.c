/*
 * mi.c: the mask-inference head's loss (mi.h): tPSA targets, softmax masks, and the
 * permutation-invariant L1 loss with its gradient. Shapes: C sources, N bins.
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
