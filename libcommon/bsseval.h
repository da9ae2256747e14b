/*
 * bsseval.h: separation quality measures, as the field measures them.
 *
 * BSS Eval v3 (Vincent, Gribonval, Fevotte, "Performance measurement in blind
 * audio source separation", IEEE TASLP 14(4), 2006) in the form of
 * mir_eval.separation.bss_eval_sources (mir_eval 0.7): each estimate is
 * decomposed by least-squares projection onto the references delayed by 0 to
 * flen-1 samples (flen = 512), giving SDR, SIR and SAR; the permutation of the
 * estimates is the one with the largest mean SIR. And SI-SDR (Le Roux, Wisdom,
 * Erdogan, Hershey, "SDR - half-baked or well done?", ICASSP 2019) on zero-mean
 * signals, with the permutation of the largest mean SI-SDR.
 *
 * Shapes: K sources (references and estimates alike), N samples; a set of
 * signals is K x N, row-major, double. Scores are K x K, score[e*K + r] for
 * estimate e against reference r (mir_eval's sdr[jest, jtrue]). A permutation
 * perm[r] names the estimate matched to reference r, from 0.
 *
 * Values are in dB. A ratio with a zero denominator is +inf (as mir_eval's
 * _safe_db); a silent (all-zero) reference or estimate makes BSS Eval
 * undefined, and a constant one SI-SDR: the functions return DC_EPARAM for
 * them, and the caller should check first (dc_bss_silent) to say which.
 *
 * Errors: DC_EPARAM also for a size out of range or a NULL pointer (but the
 * outputs said to be optional), DC_ENONFINITE for NaN or Inf in a signal; a
 * call that returns a double returns NaN where another would say DC_EPARAM.
 */
#ifndef DC_BSSEVAL_H
#define DC_BSSEVAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DC_BSS_FLEN 512         /* taps of the allowed distortion filter */
#define DC_BSS_MAXSRC 8         /* K! permutations are tried: keep K small */

typedef struct dc_bss dc_bss;

/*
 * dc_bss_new: prepares K references refs[K x N] for the decompositions of any
 * number of estimates: their spectra, the Gram matrix of their delayed copies
 * (K*flen square) and its LU factors, and the LU factors of each reference's
 * own flen x flen block. refs is copied. DC_EPARAM for K outside 1 ..
 * DC_BSS_MAXSRC, N < 1, flen < 1, or a silent reference; DC_ENONFINITE for
 * NaN or Inf in refs; DC_ENOMEM if FFTW cannot allocate.
 */
int dc_bss_new(dc_bss **bp, const double *refs, int K, int64_t N, int flen);
void dc_bss_free(dc_bss *b);

/*
 * dc_bss_crit: SDR, SIR and SAR of one estimate est[N] against every
 * reference: sdr[K], sir[K], sar[K], index r the reference (mir_eval's
 * _bss_decomp_mtifilt and _bss_source_crit for jtrue = r). DC_EPARAM for a
 * silent estimate, DC_ENONFINITE for NaN or Inf in it. Where dc_bss_spans,
 * SAR is NaN: the artifacts are what rounding leaves (mir_eval gives 150 to
 * 300 dB of it), and SDR and SIR are mir_eval's.
 */
int dc_bss_crit(dc_bss *b, const double *est, double *sdr, double *sir, double *sar);

/* dc_bss_spans: 1 where K references delayed by 0 to flen-1 samples are as
 * many vectors (K flen) as a filtered signal of N samples has samples (N + flen
 * - 1), or more: they span every such signal, so that nothing is left as
 * artifacts but rounding (K = 3 and 512 taps: 1025 samples or fewer). */
int dc_bss_spans(int K, int64_t N, int flen);

/* dc_bss_lstsq: 1 if a Gram matrix was exactly singular, so that least squares
 * (LAPACK dgelsd, as numpy.linalg.lstsq) replaced the LU solve. */
int dc_bss_lstsq(const dc_bss *b);

/*
 * dc_best_perm: the permutation with the largest mean of score[perm[r]*K + r]
 * over r, trying the K! permutations in lexicographic order (Python's
 * itertools.permutations) and keeping the first best, as numpy.argmax does
 * (a NaN mean counts as the largest). Returns that mean; NaN, perm untouched,
 * for K outside 1 .. DC_BSS_MAXSRC.
 */
double dc_best_perm(const double *score, int K, int *perm);

/* dc_best_perm_inf: the permutation dc_si_sdr_sources chooses from its scores
 * (the most +inf, then the best sum of the finite values); returns its mean. */
double dc_best_perm_inf(const double *score, int K, int *perm);

/*
 * dc_bss_eval_sources: mir_eval.separation.bss_eval_sources(refs, ests): the
 * scores of every pair, the permutation of the best mean SIR, and sdr[K],
 * sir[K], sar[K] per reference under it. Any of sdr, sir, sar may be NULL;
 * perm may not. Errors as dc_bss_new and dc_bss_crit.
 */
int dc_bss_eval_sources(const double *refs, const double *ests, int K, int64_t N,
    double *sdr, double *sir, double *sar, int *perm);

/*
 * dc_si_sdr: SI-SDR of est[N] against ref[N] in dB. Both are made zero-mean;
 * the target is a s with a = <e, s>/<s, s>, the noise e - a s, and SI-SDR =
 * 10 log10(|a s|^2 / |e - a s|^2): +inf for a zero noise, -inf for an estimate
 * orthogonal to the reference, NaN if the reference is constant or N < 1.
 */
double dc_si_sdr(const double *ref, const double *est, int64_t N);

/*
 * dc_si_sdr_sources: SI-SDR of every pair, the permutation of the best mean
 * SI-SDR, and si[K] per reference under it. Where infinite values make means
 * equal (an estimate that is its reference exactly scores +inf, and so does
 * every permutation that matches it), the permutation with the most +inf and
 * then the best sum of the finite values wins; with finite values this is the
 * best mean. DC_EPARAM if a reference or an estimate is constant (all samples
 * equal, silence included), DC_ENONFINITE if one holds NaN or Inf.
 */
int dc_si_sdr_sources(const double *refs, const double *ests, int K, int64_t N,
    double *si, int *perm);

/*
 * dc_bsslong: BSS Eval and SI-SDR of long signals in memory that does not grow
 * with their length: two passes over the samples, fed in chunks of any size.
 * The figures are those of dc_bss_crit and dc_si_sdr up to rounding (the sums
 * run block by block; SI-SDR's noise energy is |e|^2 - <e, s>^2 / |s|^2, which
 * loses digits only for estimates far above 100 dB).
 *
 * dc_bsslong_new: K references and E estimates (E up to DC_BSS_MAXSRC + 1: the
 * mixture may be one more), flen taps; nfft the block transform's size, a power
 * of two of at least 2 flen (0: 65536, or 8 flen if larger), which sets the
 * memory: about 8 nfft (K+E + K(K+E) + 2KE + 4) bytes (17 MB for K = 2, E = 3
 * and the default), and while the projections are solved the Gram matrix, as
 * in dc_bss_new: (K flen)^2 doubles twice (16 MB for K = 2). DC_EPARAM for sizes out of range, DC_ENOMEM if FFTW cannot
 * allocate.
 *
 * dc_bsslong_feed: the next n samples of every signal, x[K+E] (references
 * first, then estimates), pass 1 then pass 2 with the same samples again.
 * DC_EPARAM if pass 2 is fed more samples than pass 1 had, or after the end;
 * DC_ENONFINITE for NaN or Inf in x. On failure nothing is fed.
 *
 * dc_bsslong_end: ends a pass. After pass 1, DC_EPARAM if no sample came or a
 * signal was silent (all zeros); it solves the projections. After pass 2,
 * DC_EPARAM unless it had as many samples as pass 1.
 *
 * dc_bsslong_crit: after both passes, sdr[K], sir[K], sar[K] of estimate e
 * against each reference, as dc_bss_crit. dc_bsslong_si: si[K], SI-SDR of
 * estimate e against each reference (NaN where a reference is constant).
 */
typedef struct dc_bsslong dc_bsslong;

int dc_bsslong_new(dc_bsslong **bp, int K, int E, int flen, int64_t nfft);
void dc_bsslong_free(dc_bsslong *b);
int dc_bsslong_feed(dc_bsslong *b, const double *const *x, int64_t n);
int dc_bsslong_end(dc_bsslong *b);
int dc_bsslong_crit(const dc_bsslong *b, int e, double *sdr, double *sir, double *sar);
int dc_bsslong_si(const dc_bsslong *b, int e, double *si);
/* dc_bsslong_lstsq: 1 if a Gram matrix was exactly singular (see dc_bss_lstsq). */
int dc_bsslong_lstsq(const dc_bsslong *b);

/* dc_bss_silent: 1 if all N samples are zero; dc_bss_constant: 1 if all are
 * equal; either 0 for x NULL. */
int dc_bss_silent(const double *x, int64_t N);
int dc_bss_constant(const double *x, int64_t N);

#ifdef __cplusplus
}
#endif
#endif
