/*
 * p56.h: active speech level, ITU-T Recommendation P.56 (12/2011), method B.
 *
 * Shapes: N samples of one mono signal, float, full scale +-1.0.
 *
 * The algorithm, as the standard describes it (section 6 and annex B):
 *
 *   1. Envelope: two cascaded one-pole smoothers of the rectified signal,
 *          p[i] = g p[i-1] + (1-g) |x[i]|,   q[i] = g q[i-1] + (1-g) p[i],
 *      g = exp(-1 / (rate * T)), time constant T = 0.03 s, p and q start at 0.
 *   2. Activity: for every threshold c[j], a counter a[j] and a hangover counter
 *      h[j] (starting at I = ceil(H * rate), hangover H = 0.2 s); at each sample,
 *      if q[i] >= c[j] then a[j]++ and h[j] = 0, else if h[j] < I then a[j]++ and
 *      h[j]++, else the sample is not active at that threshold.
 *   3. Level: with S = sum of x[i]^2, the active level at threshold j is
 *      A[j] = 10 log10(S / a[j]) and C[j] = 20 log10(c[j]). Going up from the
 *      lowest threshold, the first j where A[j] - C[j] <= M (margin M = 15.9 dB)
 *      brackets the answer: A is interpolated linearly (in dB) between
 *      thresholds j-1 and j to the point where A - C = M.
 *   4. Activity factor: the fraction of samples active at that level, taken as
 *      (S / N) / 10^(A/10), so that long-term power = activity x active power.
 *
 * Choices where the standard leaves room, or where this differs from sv56
 * (ITU-T G.191 STL) and from voicebox activlev:
 *
 *   - Thresholds are 2 dB apart (the standard asks for at most 6.02 dB, and sv56
 *     uses 6.02 dB steps), 51 of them spanning 100 dB, anchored at the peak of
 *     the envelope q (c[0] = max q, c[j] = c[0] 10^(-2j/20)) instead of at fixed
 *     levels relative to full scale. This makes the measure exactly
 *     scale-equivariant: scaling x by g moves the level by 20 log10 g and leaves
 *     the activity factor unchanged (up to the rounding of the scaled floats).
 *   - No input filter: like sv56 (and unlike activlev's default 200 Hz - 5.5 kHz
 *     band-pass), the signal is measured as given, DC included.
 *   - Interpolation is linear in dB between the bracketing thresholds, as in
 *     activlev (sv56 bisects between its thresholds instead).
 *   - If A - C never falls to M (very short signals), the level at the highest
 *     threshold that any sample reached is returned; if it is at or below M
 *     already at the lowest threshold, the level at the lowest one.
 *   - Levels are dB relative to the power of a full-scale square wave (dBov as
 *     sv56 prints it: a full-scale sine is -3.01 dB).
 */
#ifndef DC_P56_H
#define DC_P56_H

#include <stdint.h>

#include "stft.h"

#define DC_P56_TIME 0.03        /* envelope time constant, s */
#define DC_P56_HANG 0.2         /* hangover, s */
#define DC_P56_MARGIN 15.9      /* margin, dB */
#define DC_P56_STEP 2.0         /* threshold spacing, dB */
#define DC_P56_NTHR 51          /* thresholds: DC_P56_STEP * (DC_P56_NTHR-1) = 100 dB */

typedef struct {
	double level;           /* active speech level, dB re full scale; -INFINITY if silent */
	double activity;        /* activity factor, 0 to 1; 0 if silent */
	double longterm;        /* long-term level over all N samples, dB; -INFINITY if silent */
	double threshold;       /* the threshold at the answer, dB (level - margin) */
} dc_p56;

/*
 * dc_p56_level: the active speech level of x[n] sampled at rate Hz into *r.
 * DC_EPARAM if rate <= 0 or n < 0; otherwise DC_OK. A signal of all zeros (or
 * n = 0) gives level and longterm -INFINITY and activity 0: the caller decides
 * whether silence is an error. Needs no memory beyond the stack.
 */
int dc_p56_level(const float *x, int64_t n, double rate, dc_p56 *r);

/*
 * dc_p56f: the same method on the frames of an STFT, for a signal known only by
 * its spectrum (dc-embed), a block at a time. Each frame's power is that of its
 * windowed samples over the window's, sum (w x)^2 / sum w^2 (Parseval on the
 * frame's spectrum) less bins 0 and 1, where a DC offset lands (it is no speech,
 * and the window leaks it 23 dB down into bin 2), and stands for its hop: a
 * frame is active at a threshold if its power reaches it, or one did within the
 * hangover (DC_P56_HANG in frames). The thresholds are fixed, DC_P56_STEP dB apart from DC_P56F_TOP down over 240
 * dB, so that blocks add up: pushing an utterance's frames in any cut gives the
 * level of them all. Frame powers are not P.56's envelope (a windowed RMS, not a
 * smoothed magnitude), so the level is close to dc_p56_level's, not equal (on
 * the test recordings' speech within 0.9 dB, that of one with a DC offset taken
 * out included: test_p56.c); it moves by 20 log10 g when the signal is
 * scaled by g, to the interpolation between 2-dB steps, from +40 dB down to -180
 * dB. dc_p56f_level: dB re full scale, -INFINITY if silent (no frame above -200
 * dB, or no frame at all).
 */
#define DC_P56F_TOP 40.0        /* the highest threshold, dB */
#define DC_P56F_NTHR 121        /* thresholds: 240 dB at DC_P56_STEP */
typedef struct dc_p56f {
	int64_t last[DC_P56F_NTHR];     /* the last frame at or above threshold j */
	int64_t a[DC_P56F_NTHR];        /* frames active at threshold j */
	int64_t t, hang, nfft;          /* frames so far; hangover, frames; window */
	double sum, wsq;                /* sum of the frame powers; of the squared window */
} dc_p56f;

void dc_p56f_init(dc_p56f *s, const dc_stft_params *p);
void dc_p56f_push(dc_p56f *s, const float *X, int64_t T, int64_t F);
double dc_p56f_level(const dc_p56f *s);

#endif
