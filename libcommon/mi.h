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
 *
 * The head itself is one linear layer on the last BLSTM layer's output h (2H a
 * frame, as dc_nn_forward's h_out gives it): z = h W^T + b, W (C*F, 2H) and b (C*F)
 * ("mi.weight", "mi.bias" of formats/model.md), the logit of source c and bin f at
 * index c*F + f of the frame's row. dc_mi_head_* work on rows of frames (BT rows)
 * in that layout; dc_mi_segment_loss turns a segment's rows into the [C][N] layout
 * of the loss and back.
 */
#ifndef DC_MI_H
#define DC_MI_H

#include <stdint.h>

#include "mm.h"

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

/*
 * dc_mi_head_forward: z (rows, C*F) = h (rows, H2) W^T + b, the products through
 * mm (its precision).
 */
void dc_mi_head_forward(dc_mm *mm, float *z, const float *h, const float *W, const float *b,
    int64_t rows, int H2, int CF);

/*
 * dc_mi_head_backward: from dz (rows, C*F), adds (+=) dW (C*F, H2) += dz^T h,
 * db (C*F) += the sum of dz's rows and, if dh is not NULL, dh (rows, H2) += dz W.
 */
void dc_mi_head_backward(dc_mm *mm, float *dW, float *db, float *dh, const float *dz,
    const float *h, const float *W, int64_t rows, int H2, int CF);

/* dc_mi_masks: masks (C, rows, F) = the softmax over c of the logits z (rows, C*F):
 * the layout of a "masks" record (formats/stream.md) for rows = T. */
void dc_mi_masks(float *masks, const float *z, int64_t rows, int c, int f);

/*
 * dc_mi_segment_loss: dc_mi_loss of one segment of t frames given as rows: z (t,
 * C*F), mag (t, F), A (C, t, F), w (t, F) or NULL; dz (t, C*F), if not NULL, gets
 * the gradient added (+=), scaled by scale. scratch holds 2 C t F floats.
 */
double dc_mi_segment_loss(float *dz, const float *z, const float *mag, const float *A,
    const float *w, int c, int64_t t, int f, double scale, float *scratch);

#endif
