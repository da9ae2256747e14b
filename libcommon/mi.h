/*
 * mi.h: the loss of a mask-inference (MI) head, as Chimera++ trains it (Wang, Le
 * Roux, Hershey, "Alternative objective functions for deep clustering", ICASSP
 * 2018): one soft mask per source from a softmax over the sources, scored by the
 * permutation-invariant L1 distance of the masked mixture magnitude to the
 * truncated phase-sensitive approximation (tPSA) of each source.
 *
 * Shapes: C sources, N bins of one segment (T x F, row-major); logits, masks and
 * targets are [C][N]; complex spectra interleave real and imaginary parts.
 *
 *   M[c][n] = exp(z[c][n]) / sum_j exp(z[j][n])                  the masks
 *   A[c][n] = min(max(|S_c| cos(angle S_c - angle X), 0), gamma |X|)   tPSA targets
 *   loss    = min over permutations p of sum_c sum_n w[n] |M[p(c)][n] |X[n]| - A[c][n]|
 *
 * With gamma = 1 and softmax masks, a perfect mask reaches every target. The sum is
 * not normalised: the caller divides, as it does the deep clustering loss.
 */
#ifndef DC_MI_H
#define DC_MI_H

#include <stdint.h>

#define DC_MI_CMAX 6    /* the most sources: 720 permutations */

/*
 * dc_mi_target: the mixture magnitudes mag[N] of X[N] (complex) and the tPSA
 * targets A[C][N] of the sources S[C][N] (complex). A bin where X is 0 has the
 * target 0 (no phase to project on, nothing to mask).
 */
void dc_mi_target(float *A, float *mag, const float *X, const float *S, int c, int64_t n,
    double gamma);

/*
 * dc_mi_loss: the loss of the logits z[C][N] against the targets A[C][N] with the
 * bin weights w[N] (NULL: 1 each), and its gradient added (+=) to dz[C][N] if dz is
 * not NULL. perm[C], if not NULL, gets the winning permutation: target c is scored
 * against mask perm[c]; ties go to the first in lexicographic order. Returns the
 * loss, or a negative number if C is not 1 to DC_MI_CMAX.
 *
 * The gradient is that of the winning permutation's sum, with d|x|/dx = sign(x)
 * (0 at 0), through the softmax: dz[j] += M[j] (g[j] - sum_k g[k] M[k]), where
 * g[k] = w |X| sign(M[k] |X| - A[c]) for the target c scored against mask k.
 */
double dc_mi_loss(float *dz, int *perm, const float *z, const float *mag, const float *A,
    const float *w, int c, int64_t n);

#endif
