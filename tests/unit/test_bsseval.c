/*
 * test_bsseval.c: bsseval.c on cases with known answers. The agreement with
 * mir_eval itself is tests/py/test_eval_mireval.py.
 */
#include <math.h>
#include <stdlib.h>

#include "dc.h"
#include "bsseval.h"
#include "t.h"

#define N 4000

/* noise: a reproducible uniform sequence in [-1, 1). */
static double
noise(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return ((*s >> 8) & 0xffff) / 32768.0 - 1.0;
}

int
main(void)
{
	static double ref[2 * N], est[2 * N], x[N];
	double sdr[2], sir[2], sar[2], sdr2[2], sir2[2], sar2[2], si[2], m;
	double score[9] = { 1, 5, 0, 2, 1, 7, 9, 0, 1 };   /* score[e*3 + r] */
	double tie[4] = { 1, 1, 1, 1 };
	int perm[3], i, t;
	unsigned s = 7;
	dc_bss *b;

	/* SI-SDR: est = 2 s + n + 3, n orthogonal to s: 10 log10(4 |s|^2 / |n|^2) */
	for (t = 0; t < N; t++) {
		ref[t] = sin(2 * M_PI * 5 * t / N);
		est[t] = 2 * ref[t] + 0.1 * cos(2 * M_PI * 5 * t / N) + 3;
	}
	T_CLOSE("SI-SDR of 2s + n + offset", dc_si_sdr(ref, est, N), 10 * log10(4 / 0.01), 1e-9);
	T_OK("SI-SDR of the reference itself is +inf", isinf(dc_si_sdr(ref, ref, N)));
	T_OK("SI-SDR against a constant reference is NaN", isnan(dc_si_sdr(est + N, est, N)));

	/* permutations: the best mean, the first of equals */
	m = dc_best_perm(score, 3, perm);
	T_OK("best permutation (2, 0, 1)", perm[0] == 2 && perm[1] == 0 && perm[2] == 1);
	T_CLOSE("its mean", m, (9 + 5 + 7) / 3.0, 1e-12);
	dc_best_perm(tie, 2, perm);
	T_OK("ties keep the first, as numpy.argmax", perm[0] == 0 && perm[1] == 1);

	/* BSS Eval: two noise sources; est0 = s1 + 0.3 s0 + noise, est1 = s0 */
	for (t = 0; t < N; t++) {
		ref[t] = noise(&s);
		ref[N + t] = noise(&s);
	}
	for (t = 0; t < N; t++) {
		est[t] = ref[N + t] + 0.3 * ref[t] + 0.05 * noise(&s);
		est[N + t] = ref[t];
	}
	T_EQ_INT("bss_eval_sources", dc_bss_eval_sources(ref, est, 2, N, sdr, sir, sar, perm), DC_OK);
	T_OK("permutation swaps the estimates", perm[0] == 1 && perm[1] == 0);
	T_OK("a perfect estimate: SDR above 200 dB", sdr[0] > 200);
	/* the interference 0.3 s0 against s1: about -10 log10(0.09) dB, give or take the
	 * random correlations absorbed by the 512-tap filters */
	T_CLOSE("SIR of a 0.3 leak", sir[1], -10 * log10(0.09), 0.5);
	/* white noise keeps the part outside the 2L-dimensional span of the filters */
	T_CLOSE("SAR of noise at 0.05", sar[1],
	    10 * log10((1 + 0.09) / 0.0025) - 10 * log10(1 - 2.0 * DC_BSS_FLEN / N), 0.5);

	/* scale invariance: 0.25 est gives the same scores */
	for (t = 0; t < 2 * N; t++)
		est[t] *= 0.25;
	dc_bss_eval_sources(ref, est, 2, N, sdr2, sir2, sar2, perm);
	T_CLOSE("scale invariance: SDR", sdr2[1], sdr[1], 1e-9);
	T_CLOSE("scale invariance: SIR", sir2[1], sir[1], 1e-9);
	T_CLOSE("scale invariance: SAR", sar2[1], sar[1], 1e-9);
	T_EQ_INT("SI-SDR sources", dc_si_sdr_sources(ref, est, 2, N, si, perm), DC_OK);
	T_OK("SI-SDR permutation swaps too", perm[0] == 1 && perm[1] == 0);

	/* SI-SDR with an exact estimate (+inf): the rest still matched by their scores */
	{
		static double r3[3 * N], e3[3 * N];
		double si3[3];
		int p3[3];
		for (t = 0; t < 3 * N; t++)
			r3[t] = noise(&s);
		for (t = 0; t < N; t++) {
			e3[t] = r3[N + t] + 0.1 * r3[t];         /* reference 1 */
			e3[N + t] = r3[2 * N + t];              /* reference 2, exactly */
			e3[2 * N + t] = r3[t] + 0.2 * r3[N + t]; /* reference 0 */
		}
		T_EQ_INT("SI-SDR, 3 sources", dc_si_sdr_sources(r3, e3, 3, N, si3, p3), DC_OK);
		T_OK("SI-SDR, an exact estimate: the others matched too",
		    p3[0] == 2 && p3[1] == 0 && p3[2] == 1);
		T_OK("SI-SDR, an exact estimate: +inf", isinf(si3[2]) && si3[0] > 10 && si3[1] > 10);
	}

	/* one source: no interference, SIR is +inf */
	T_EQ_INT("one source", dc_bss_new(&b, ref, 1, N, DC_BSS_FLEN), DC_OK);
	T_EQ_INT("one source: crit", dc_bss_crit(b, est, sdr, sir, sar), DC_OK);
	T_OK("one source: SIR +inf", isinf(sir[0]) && sir[0] > 0);
	T_OK("one source: SDR = SAR", sdr[0] == sar[0]);
	T_EQ_INT("silent estimate refused", dc_bss_crit(b, x, sdr, sir, sar), DC_EPARAM);
	T_OK("no least squares for noise", !dc_bss_lstsq(b));
	dc_bss_free(b);

	/* refusals */
	T_EQ_INT("silent reference refused", dc_bss_new(&b, x, 1, N, DC_BSS_FLEN), DC_EPARAM);
	T_OK("... and no object", b == NULL);
	T_EQ_INT("nine sources refused", dc_bss_new(&b, ref, 9, 10, DC_BSS_FLEN), DC_EPARAM);
	for (i = 0; i < N; i++)
		x[i] = 1;
	T_EQ_INT("constant estimate refused by SI-SDR", dc_si_sdr_sources(ref, x, 1, N, si, perm), DC_EPARAM);
	return t_done();
}
