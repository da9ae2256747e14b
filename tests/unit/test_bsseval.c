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

/*
 * long_vs_whole: dc_bsslong against dc_bss_crit and dc_si_sdr on the same
 * signals (n samples; the whole-signal path agrees with mir_eval in
 * test_eval_mireval.py): two references of coloured noise, two estimates with
 * leakage, a filter and noise, and a mixture with an offset, fed in chunks of
 * uneven sizes, with blocks of nfft (0: the default).
 */
static void
long_vs_whole(int64_t n, int64_t nfft, const char *what)
{
	double *sig = malloc((size_t)5 * n * sizeof *sig), *x[5];
	double want[3][2], got[3][2], wsi, gsi[2], worst = 0, worst_si = 0;
	static const int64_t chunks[] = { 1, 700, 3001, 64, 9999 };
	int64_t t, done, m;
	unsigned s = 11;
	int y, e, r, p, ok = 1;
	char name[160];
	dc_bss *b;
	dc_bsslong *l;

	for (y = 0; y < 5; y++)
		x[y] = sig + y * n;
	for (t = 0; t < n; t++) {
		x[0][t] = noise(&s) + (t ? 0.8 * x[0][t - 1] : 0);
		x[1][t] = noise(&s) - (t ? 0.5 * x[1][t - 1] : 0);
	}
	for (t = 0; t < n; t++) {
		x[2][t] = x[1][t] + 0.3 * x[0][t] + (t > 3 ? 0.2 * x[1][t - 3] : 0) + 0.05 * noise(&s);
		x[3][t] = x[0][t] + 0.1 * x[1][t] + 0.01 * noise(&s);
		x[4][t] = x[0][t] + x[1][t] + 0.5;
	}
	T_EQ_INT("long: new", dc_bsslong_new(&l, 2, 3, DC_BSS_FLEN, nfft), DC_OK);
	for (p = 0; p < 2; p++) {
		const double *at[5];
		for (done = 0, r = 0; done < n; done += m, r++) {
			m = chunks[r % 5] < n - done ? chunks[r % 5] : n - done;
			for (y = 0; y < 5; y++)
				at[y] = x[y] + done;
			ok &= dc_bsslong_feed(l, at, m) == DC_OK;
		}
		ok &= dc_bsslong_end(l) == DC_OK;
	}
	snprintf(name, sizeof name, "long, %s: both passes", what);
	T_OK(name, ok);
	dc_bss_new(&b, sig, 2, n, DC_BSS_FLEN);
	for (e = 0; e < 3; e++) {
		dc_bss_crit(b, x[2 + e], want[0], want[1], want[2]);
		dc_bsslong_crit(l, e, got[0], got[1], got[2]);
		dc_bsslong_si(l, e, gsi);
		for (r = 0; r < 2; r++) {
			for (p = 0; p < 3; p++)
				if (!(fabs(got[p][r] - want[p][r]) <= worst))
					worst = fabs(got[p][r] - want[p][r]);
			wsi = dc_si_sdr(x[r], x[2 + e], n);
			if (!(fabs(gsi[r] - wsi) <= worst_si))
				worst_si = fabs(gsi[r] - wsi);
		}
	}
	dc_bss_free(b);
	snprintf(name, sizeof name, "long, %s: SDR, SIR, SAR as the whole signal's, largest difference (dB)", what);
	T_CLOSE(name, worst, 0, 1e-7);
	snprintf(name, sizeof name, "long, %s: SI-SDR as dc_si_sdr, largest difference (dB)", what);
	T_CLOSE(name, worst_si, 0, 1e-7);
	snprintf(name, sizeof name, "long, %s: a third pass refused", what);
	T_EQ_INT(name, dc_bsslong_feed(l, (const double *const *)x, 1), DC_EPARAM);
	dc_bsslong_free(l);
	free(sig);
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

	/* the delays of K references span every signal of N samples filtered by
	 * 512 taps (N + 511 samples) where K 512 >= N + 511 (a square system at
	 * equality) */
	T_OK("3 sources span 1025 samples", dc_bss_spans(3, 1025, DC_BSS_FLEN));
	T_OK("3 sources do not span 1026 samples", !dc_bss_spans(3, 1026, DC_BSS_FLEN));
	T_OK("2 sources span 513 samples, not 514",
	    dc_bss_spans(2, 513, DC_BSS_FLEN) && !dc_bss_spans(2, 514, DC_BSS_FLEN));
	T_OK("1 source spans 1 sample, not 2",
	    dc_bss_spans(1, 1, DC_BSS_FLEN) && !dc_bss_spans(1, 2, DC_BSS_FLEN));
	T_OK("8 sources span 3585 samples, not 3586",
	    dc_bss_spans(8, 3585, DC_BSS_FLEN) && !dc_bss_spans(8, 3586, DC_BSS_FLEN));

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
	/* long signals, two passes block by block */
	long_vs_whole(9000, 2048, "blocks of 1537 samples");
	long_vs_whole(70000, 0, "default blocks");
	{
		const double *z[2] = { ref, x };
		double zero[N] = { 0 };
		dc_bsslong *l;
		T_EQ_INT("long: nfft below 2 flen refused", dc_bsslong_new(&l, 1, 1, 512, 512), DC_EPARAM);
		T_EQ_INT("long: nfft not a power of two refused", dc_bsslong_new(&l, 1, 1, 512, 3000),
		    DC_EPARAM);
		dc_bsslong_new(&l, 1, 1, DC_BSS_FLEN, 2048);
		z[1] = zero;
		dc_bsslong_feed(l, z, N);
		T_EQ_INT("long: a silent estimate refused at the end of pass 1", dc_bsslong_end(l), DC_EPARAM);
		dc_bsslong_free(l);
		dc_bsslong_new(&l, 1, 1, DC_BSS_FLEN, 2048);
		z[1] = est;
		dc_bsslong_feed(l, z, N);
		dc_bsslong_end(l);
		T_EQ_INT("long: pass 2 longer than pass 1 refused", dc_bsslong_feed(l, z, N + 1), DC_EPARAM);
		dc_bsslong_feed(l, z, N - 1);
		T_EQ_INT("long: pass 2 shorter than pass 1 refused", dc_bsslong_end(l), DC_EPARAM);
		T_EQ_INT("long: no figures before the end", dc_bsslong_crit(l, 0, sdr, sir, sar), DC_EPARAM);
		dc_bsslong_free(l);
	}
	/* the library's contract (libdcsep(3)): NULL pointers and NaN or Inf in a signal
	 * give a code, never a crash or a score */
	{
		const double *z[2] = { ref, est };
		double keep[9] = { 1, 5, 0, 2, 1, 7, 9, 0, 1 };
		int p9[9] = { 7, 7, 7, 7, 7, 7, 7, 7, 7 };
		dc_bsslong *l;

		for (t = 0; t < N; t++) {
			ref[t] = noise(&s);
			ref[N + t] = noise(&s);
			est[t] = ref[N + t] + 0.1 * ref[t];
			est[N + t] = ref[t] + 0.1 * ref[N + t];
		}
		T_EQ_INT("bss_eval_sources: perm NULL: DC_EPARAM",
		    dc_bss_eval_sources(ref, est, 2, N, sdr, sir, sar, NULL), DC_EPARAM);
		T_EQ_INT("bss_eval_sources: refs NULL: DC_EPARAM",
		    dc_bss_eval_sources(NULL, est, 2, N, sdr, sir, sar, perm), DC_EPARAM);
		T_EQ_INT("bss_eval_sources: ests NULL: DC_EPARAM",
		    dc_bss_eval_sources(ref, NULL, 2, N, sdr, sir, sar, perm), DC_EPARAM);
		T_EQ_INT("SI-SDR sources: refs NULL: DC_EPARAM", dc_si_sdr_sources(NULL, est, 2, N, si, perm),
		    DC_EPARAM);
		T_EQ_INT("SI-SDR sources: ests NULL: DC_EPARAM", dc_si_sdr_sources(ref, NULL, 2, N, si, perm),
		    DC_EPARAM);
		T_EQ_INT("SI-SDR sources: si NULL: DC_EPARAM", dc_si_sdr_sources(ref, est, 2, N, NULL, perm),
		    DC_EPARAM);
		T_EQ_INT("SI-SDR sources: perm NULL: DC_EPARAM", dc_si_sdr_sources(ref, est, 2, N, si, NULL),
		    DC_EPARAM);
		T_OK("SI-SDR of NULL: NaN", isnan(dc_si_sdr(NULL, est, N)) && isnan(dc_si_sdr(ref, NULL, N)));
		T_OK("silent, constant: 0 for NULL", !dc_bss_silent(NULL, N) && !dc_bss_constant(NULL, N));
		m = dc_best_perm(keep, 9, p9);
		T_OK("best permutation of K 9: NaN, perm untouched", isnan(m) && p9[0] == 7 && p9[8] == 7);
		T_OK("best permutation, score or perm NULL: NaN", isnan(dc_best_perm(NULL, 2, perm)) &&
		    isnan(dc_best_perm_inf(keep, 2, NULL)) && isnan(dc_best_perm_inf(keep, 0, perm)));
		T_EQ_INT("bss_new: bp NULL: DC_EPARAM", dc_bss_new(NULL, ref, 2, N, DC_BSS_FLEN), DC_EPARAM);
		T_EQ_INT("bss_new: refs NULL: DC_EPARAM", dc_bss_new(&b, NULL, 2, N, DC_BSS_FLEN), DC_EPARAM);
		T_EQ_INT("bss_crit: b NULL: DC_EPARAM", dc_bss_crit(NULL, est, sdr, sir, sar), DC_EPARAM);
		T_EQ_INT("bss_lstsq: b NULL: 0", dc_bss_lstsq(NULL), 0);
		T_EQ_INT("bss_new", dc_bss_new(&b, ref, 2, N, DC_BSS_FLEN), DC_OK);
		T_EQ_INT("bss_crit: est NULL: DC_EPARAM", dc_bss_crit(b, NULL, sdr, sir, sar), DC_EPARAM);
		T_EQ_INT("bss_crit: sar NULL: DC_EPARAM", dc_bss_crit(b, est, sdr, sir, NULL), DC_EPARAM);
		est[5] = NAN;
		T_EQ_INT("bss_crit: a NaN in the estimate: DC_ENONFINITE", dc_bss_crit(b, est, sdr, sir, sar),
		    DC_ENONFINITE);
		dc_bss_free(b);
		T_EQ_INT("bss_eval_sources: a NaN in an estimate: DC_ENONFINITE",
		    dc_bss_eval_sources(ref, est, 2, N, sdr, sir, sar, perm), DC_ENONFINITE);
		T_EQ_INT("SI-SDR sources: a NaN in an estimate: DC_ENONFINITE",
		    dc_si_sdr_sources(ref, est, 2, N, si, perm), DC_ENONFINITE);
		est[5] = 0.5;
		ref[N + 7] = INFINITY;
		T_EQ_INT("bss_new: an Inf in a reference: DC_ENONFINITE", dc_bss_new(&b, ref, 2, N, DC_BSS_FLEN),
		    DC_ENONFINITE);
		T_OK("... and no object", b == NULL);
		T_EQ_INT("bss_eval_sources: an Inf in a reference: DC_ENONFINITE",
		    dc_bss_eval_sources(ref, est, 2, N, sdr, sir, sar, perm), DC_ENONFINITE);
		T_EQ_INT("SI-SDR sources: an Inf in a reference: DC_ENONFINITE",
		    dc_si_sdr_sources(ref, est, 2, N, si, perm), DC_ENONFINITE);
		ref[N + 7] = 0.5;

		T_EQ_INT("long: bp NULL: DC_EPARAM", dc_bsslong_new(NULL, 1, 1, DC_BSS_FLEN, 0), DC_EPARAM);
		T_EQ_INT("long: feed NULL: DC_EPARAM", dc_bsslong_feed(NULL, z, 1), DC_EPARAM);
		T_EQ_INT("long: end NULL: DC_EPARAM", dc_bsslong_end(NULL), DC_EPARAM);
		T_EQ_INT("long: crit NULL: DC_EPARAM", dc_bsslong_crit(NULL, 0, sdr, sir, sar), DC_EPARAM);
		T_EQ_INT("long: si NULL: DC_EPARAM", dc_bsslong_si(NULL, 0, si), DC_EPARAM);
		T_EQ_INT("long: lstsq NULL: 0", dc_bsslong_lstsq(NULL), 0);
		T_EQ_INT("long: new, 1 + 1 signals", dc_bsslong_new(&l, 1, 1, DC_BSS_FLEN, 2048), DC_OK);
		T_EQ_INT("long: x NULL: DC_EPARAM", dc_bsslong_feed(l, NULL, N), DC_EPARAM);
		z[1] = NULL;
		T_EQ_INT("long: a signal NULL: DC_EPARAM", dc_bsslong_feed(l, z, N), DC_EPARAM);
		z[1] = est;
		est[9] = -INFINITY;
		T_EQ_INT("long: an Inf in an estimate: DC_ENONFINITE", dc_bsslong_feed(l, z, N), DC_ENONFINITE);
		est[9] = 0.5;
		/* nothing of the refused calls was fed: pass 2 of the N samples fed after
		 * them ends where pass 1 did */
		T_EQ_INT("long: feed after the refusals", dc_bsslong_feed(l, z, N), DC_OK);
		T_EQ_INT("long: end of pass 1", dc_bsslong_end(l), DC_OK);
		T_EQ_INT("long: pass 2", dc_bsslong_feed(l, z, N), DC_OK);
		T_EQ_INT("long: pass 2 as long as pass 1", dc_bsslong_end(l), DC_OK);
		T_EQ_INT("long: crit, sdr NULL: DC_EPARAM", dc_bsslong_crit(l, 0, NULL, sir, sar), DC_EPARAM);
		T_EQ_INT("long: si, si NULL: DC_EPARAM", dc_bsslong_si(l, 0, NULL), DC_EPARAM);
		T_EQ_INT("long: crit", dc_bsslong_crit(l, 0, sdr, sir, sar), DC_OK);
		dc_bsslong_free(l);
	}
	return t_done();
}
