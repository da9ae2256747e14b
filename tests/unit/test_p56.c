/*
 * test_p56.c: the P.56 active speech level on signals whose answer is known:
 * sines of known amplitude with silences of known length, uniform noise, scaled
 * copies, silence and bad parameters; the same level from an STFT's frames
 * (dc_p56f, dc-embed's) against it; dc_nn_features_gain against scaled spectra.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "p56.h"
#include "nn.h"
#include "rng.h"
#include "audio.h"
#include "t.h"

#define RATE 8000

/* burst: lead s of silence, on s of a sine (amp, freq), tail s of silence. */
static float *
burst(double lead, double on, double tail, double amp, double freq, int64_t *n)
{
	int64_t n0 = (int64_t)(lead * RATE), n1 = (int64_t)(on * RATE), n2 = (int64_t)(tail * RATE);
	float *x = dc_xcalloc((size_t)(n0 + n1 + n2), sizeof *x);
	int64_t i;

	for (i = 0; i < n1; i++)
		x[n0 + i] = (float)(amp * sin(2 * M_PI * freq * (double)i / RATE));
	*n = n0 + n1 + n2;
	return x;
}

static double
db(double pw)
{
	return 10 * log10(pw);
}

static void
test_sine(void)
{
	dc_p56 r;
	int64_t n;
	float *x = burst(0, 10, 0, 0.5, 437, &n);

	T_EQ_INT("continuous sine: ok", dc_p56_level(x, n, RATE, &r), DC_OK);
	/* a sine of amplitude a has power a^2/2: 0.5 -> -9.03 dB */
	T_CLOSE("continuous sine: level is the sine's power", r.level, db(0.125), 0.1);
	T_CLOSE("continuous sine: activity 1", r.activity, 1.0, 0.01);
	T_CLOSE("continuous sine: long-term level", r.longterm, db(0.125), 0.01);
	T_CLOSE("continuous sine: threshold = level - margin", r.threshold, r.level - DC_P56_MARGIN, 1e-9);
	free(x);

	x = burst(0, 10, 0, 1.0, 1000, &n);
	dc_p56_level(x, n, RATE, &r);
	T_CLOSE("full-scale sine: -3.01 dB", r.level, -3.0103, 0.1);
	free(x);
}

static void
test_half_active(void)
{
	dc_p56 r;
	int64_t n;
	/* 50% active: 4 s silence, 8 s sine, 4 s silence; only one offset, so the
	 * 0.2 s hangover and the envelope's decay add about 0.3 s of 16 */
	float *x = burst(4, 8, 4, 0.5, 437, &n);

	T_EQ_INT("50% active sine: ok", dc_p56_level(x, n, RATE, &r), DC_OK);
	T_CLOSE("50% active sine: level of the sine alone", r.level, db(0.125), 0.5);
	T_CLOSE("50% active sine: activity 0.5", r.activity, 0.5, 0.05);
	T_CLOSE("50% active sine: long-term level 3 dB lower", r.longterm, db(0.125) - 3.0103, 0.01);
	T_OK("50% active sine: activity above 0.5 (hangover counts)", r.activity > 0.5);
	free(x);

	/* 25% active, amplitude 0.1 */
	x = burst(6, 5, 9, 0.1, 300, &n);
	dc_p56_level(x, n, RATE, &r);
	T_CLOSE("25% active sine: level", r.level, db(0.005), 0.5);
	T_CLOSE("25% active sine: activity", r.activity, 0.25, 0.05);
	free(x);
}

/* the level of a burst with a silent gap in the middle equals that of the burst */
static void
test_gap(void)
{
	dc_p56 r1, r2;
	int64_t n1, n2, i;
	float *a = burst(0, 6, 0, 0.3, 500, &n1);
	float *b = dc_xcalloc((size_t)(n1 + 6 * RATE), sizeof *b);

	memcpy(b, a, (size_t)(n1 / 2) * sizeof *a);
	for (i = n1 / 2; i < n1; i++)
		b[i + 6 * RATE] = a[i];
	n2 = n1 + 6 * RATE;
	dc_p56_level(a, n1, RATE, &r1);
	dc_p56_level(b, n2, RATE, &r2);
	T_CLOSE("silent gap: active level unchanged", r2.level, r1.level, 0.5);
	T_CLOSE("silent gap: activity ~ 6/12", r2.activity, 0.5, 0.05);
	free(a);
	free(b);
}

static void
test_noise(void)
{
	dc_p56 r;
	int64_t n = 10 * RATE, i;
	float *x = dc_xmalloc((size_t)n * sizeof *x);
	uint64_t s = 12345;

	/* uniform on [-a, a] has power a^2/3 */
	for (i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = (float)(0.2 * ((double)(s >> 11) / 9007199254740992.0 * 2 - 1));
	}
	dc_p56_level(x, n, RATE, &r);
	T_CLOSE("uniform noise: level a^2/3", r.level, db(0.04 / 3), 0.1);
	T_CLOSE("uniform noise: activity 1", r.activity, 1.0, 0.01);
	free(x);
}

static void
test_scale(void)
{
	static const double gains[] = { 0.5, 0.125, 2.0, 0.3, 0.01, 1.7 };
	dc_p56 r0, r;
	int64_t n, i;
	float *x = burst(2, 3, 1, 0.4, 700, &n);
	float *y = dc_xmalloc((size_t)n * sizeof *y);
	size_t k;
	char name[96];

	/* some speech-like amplitude modulation, so the answer is not at a threshold */
	for (i = 0; i < n; i++)
		x[i] *= (float)(0.6 + 0.4 * sin(2 * M_PI * 3.1 * (double)i / RATE));
	dc_p56_level(x, n, RATE, &r0);
	for (k = 0; k < sizeof gains / sizeof gains[0]; k++) {
		double g = gains[k];
		/* powers of two scale floats exactly; others round each sample */
		double tol = frexp(g, &(int){ 0 }) == 0.5 ? 1e-9 : 1e-4;
		for (i = 0; i < n; i++)
			y[i] = (float)(x[i] * g);
		dc_p56_level(y, n, RATE, &r);
		snprintf(name, sizeof name, "scale by %g: level moves by 20 log10 g", g);
		T_CLOSE(name, r.level - r0.level, 20 * log10(g), tol);
		snprintf(name, sizeof name, "scale by %g: activity unchanged", g);
		T_CLOSE(name, r.activity, r0.activity, tol);
	}
	free(x);
	free(y);
}

static void
test_edges(void)
{
	dc_p56 r;
	float z[800] = { 0 };
	float one[1] = { 0.5f };

	T_EQ_INT("silence: ok", dc_p56_level(z, 800, RATE, &r), DC_OK);
	T_OK("silence: level -inf", isinf(r.level) && r.level < 0);
	T_OK("silence: long-term -inf", isinf(r.longterm) && r.longterm < 0);
	T_CLOSE("silence: activity 0", r.activity, 0, 0);
	T_EQ_INT("empty: ok", dc_p56_level(z, 0, RATE, &r), DC_OK);
	T_OK("empty: level -inf", isinf(r.level));
	T_EQ_INT("rate 0: EPARAM", dc_p56_level(z, 800, 0, &r), DC_EPARAM);
	T_EQ_INT("rate NaN: EPARAM", dc_p56_level(z, 800, NAN, &r), DC_EPARAM);
	T_EQ_INT("n < 0: EPARAM", dc_p56_level(z, -1, RATE, &r), DC_EPARAM);
	T_EQ_INT("one sample: ok", dc_p56_level(one, 1, RATE, &r), DC_OK);
	T_OK("one sample: finite level, activity in (0,1]",
	    isfinite(r.level) && r.activity > 0 && r.activity <= 1);
	/* the rate sets the time scale: the same samples read at 8 and 16 kHz are a
	 * 4 s burst in 12 s and a 2 s burst in 6 s; the active time beyond the burst
	 * (hangover 0.2 s plus the envelope's decay) is the same in seconds */
	{
		dc_p56 r8, r16;
		int64_t n;
		float *x = burst(4, 4, 4, 0.5, 437, &n);
		double x8, x16;
		dc_p56_level(x, n, 8000, &r8);
		dc_p56_level(x, n, 16000, &r16);
		x8 = r8.activity * 12 - 4;
		x16 = r16.activity * 6 - 2;
		T_CLOSE("rate: extra active time in seconds, not samples", x16, x8, 0.05);
		T_OK("rate: extra active time between the hangover and 0.4 s", x8 > 0.2 && x8 < 0.4);
		free(x);
	}
}

/* frames_level: dc_p56f over the STFT of x (the default STFT), pushed in pieces
 * of `piece` frames (all at once if 0) */
static double
frames_level(const float *x, int64_t n, int64_t piece)
{
	dc_stft_params p;
	dc_tensor X;
	dc_p56f s;
	int64_t t, T, F, m;
	double l;

	dc_stft_defaults(&p);
	p.samples = n;
	if (dc_stft(x, &p, &X) != DC_OK)
		return NAN;
	T = X.shape[0];
	F = X.shape[1];
	dc_p56f_init(&s, &p);
	for (t = 0; t < T; t += m) {
		m = piece > 0 && T - t > piece ? piece : T - t;
		dc_p56f_push(&s, (const float *)X.data + 2 * t * F, m, F);
	}
	l = dc_p56f_level(&s);
	dc_tensor_free(&X);
	return l;
}

/* dc_p56f: the level from an STFT's frames, against the samples' (dc_p56_level,
 * itself checked above) on the same signals, scaled, cut into blocks, silent */
static void
test_frames(void)
{
	dc_p56 r;
	int64_t n, i;
	float *x = burst(0, 10, 0, 0.5, 437, &n), *y;
	double l, l2;
	dc_rng g;

	T_CLOSE("frames: continuous sine: its power", frames_level(x, n, 0), db(0.125), 0.1);
	free(x);
	x = burst(4, 8, 4, 0.5, 437, &n);
	dc_p56_level(x, n, RATE, &r);
	T_CLOSE("frames: 50% active sine: the samples' level", frames_level(x, n, 0), r.level, 0.3);
	free(x);
	x = burst(6, 5, 9, 0.1, 300, &n);
	dc_p56_level(x, n, RATE, &r);
	T_CLOSE("frames: 25% active sine, amplitude 0.1: the samples' level", frames_level(x, n, 0),
	    r.level, 0.3);
	/* speech-like: noise bursts of random lengths and levels with pauses */
	free(x);
	n = 20 * RATE;
	x = dc_xcalloc((size_t)n, sizeof *x);
	y = dc_xcalloc((size_t)n, sizeof *y);
	dc_rng_seed(&g, 56);
	for (i = 0; i < n;) {
		int64_t on = (int64_t)((0.1 + 0.4 * dc_rng_uniform(&g)) * RATE), off, k;
		double a = 0.05 + 0.3 * dc_rng_uniform(&g);
		for (k = 0; k < on && i < n; k++, i++)
			x[i] = (float)(a * (2 * dc_rng_uniform(&g) - 1));
		off = (int64_t)((0.05 + 0.5 * dc_rng_uniform(&g)) * RATE);
		i += off;
	}
	dc_p56_level(x, n, RATE, &r);
	l = frames_level(x, n, 0);
	T_CLOSE("frames: noise bursts with pauses: the samples' level", l, r.level, 0.5);
	T_OK("frames: the frames' pieces (7, 100, 1) add up to the whole, bit for bit",
	    frames_level(x, n, 7) == l && frames_level(x, n, 100) == l && frames_level(x, n, 1) == l);
	for (i = 0; i < n; i++)
		y[i] = x[i] * 0.01f;
	l2 = frames_level(y, n, 0);
	T_CLOSE("frames: scaled by -40 dB: the level 40 dB lower", l2, l - 40, 0.1);
	for (i = 0; i < n; i++)
		y[i] = x[i] * 2.5f;
	T_CLOSE("frames: scaled by +7.96 dB: the level 7.96 dB higher", frames_level(y, n, 0),
	    l + 20 * log10(2.5), 0.1);
	memset(y, 0, (size_t)n * sizeof *y);
	T_OK("frames: silence: -inf", isinf(frames_level(y, n, 0)) && frames_level(y, n, 0) < 0);
	T_OK("frames: no frames: -inf", isinf(frames_level(y, 0, 0)));
	free(x);
	free(y);
}

/* the frames against the samples on the test recordings' speech: within 0.9 dB
 * (so0048 is 0.87 below, so0054 0.56); ls1034 has a DC offset of 0.0098 (-40 dB), below its
 * speech, which P.56 on the samples counts (2.6 dB louder) and the frames leave out
 * (bins 0 and 1): within 0.2 dB of the samples' level once it is removed;
 * and the range of the thresholds: 120 dB down and 30 dB up, still scaled */
static void
test_frames_speech(void)
{
	static const char *const names[] = { "so0036_000360332", "so0048_000480014",
		"so0053_000530115", "so0054_000540031", "ls1034_1034-121119-0000" };
	const char *root = getenv("ROOT");
	char path[4096], name[128];
	dc_audio_info info;
	dc_p56 r;
	float *x;
	int64_t n, i;
	double l, mean;
	size_t k;

	if (root == NULL)
		root = ".";
	for (k = 0; k < sizeof names / sizeof *names; k++) {
		snprintf(path, sizeof path, "%s/tests/data/speech/%s.flac", root, names[k]);
		if (dc_audio_read(path, RATE, &x, &n, &info) != DC_OK) {
			T_OK("speech: read tests/data/speech", 0);
			return;
		}
		dc_p56_level(x, n, RATE, &r);
		l = frames_level(x, n, 0);
		snprintf(name, sizeof name, "frames: %s: the samples' level", names[k]);
		if (k < 4)
			T_CLOSE(name, l, r.level, 0.9);
		else {
			double l0 = l;

			for (i = 0, mean = 0; i < n; i++)
				mean += x[i];
			mean /= (double)n;
			for (i = 0; i < n; i++)
				x[i] -= (float)mean;
			dc_p56_level(x, n, RATE, &r);
			l = frames_level(x, n, 0);
			/* P.56 on the samples counts the offset as speech: 2.6 dB too
			 * loud; the frames leave it out */
			T_CLOSE("frames: ls1034 (a DC offset): the level of its samples less "
			    "the offset", l0, r.level, 0.2);
			T_CLOSE("frames: ls1034, its DC offset removed: the samples' level", l,
			    r.level, 0.2);
			T_CLOSE("frames: ls1034, with or without its DC offset: the same level", l,
			    l0, 0.01);
			for (i = 0; i < n; i++)
				x[i] *= 1e-6f;
			T_CLOSE("frames: ls1034, 120 dB down: the level 120 dB lower", frames_level(x, n, 0),
			    l - 120, 0.1);
			for (i = 0; i < n; i++)
				x[i] *= 3.16227766e7f;
			T_CLOSE("frames: ls1034, 30 dB up: the level 30 dB higher", frames_level(x, n, 0),
			    l + 30, 0.1);
		}
		free(x);
	}
}

/* dc_nn_features_gain: as if X had been scaled, a bin of 0 still one */
static void
test_features_gain(void)
{
	float X[8] = { 0, 0, 1e-3f, 0, 0.3f, -0.4f, 1e-12f, 0 }, Y[8], f[4], h[4];
	double db = 17.0, g = pow(10, db / 20);
	int i, ok = 1;

	for (i = 0; i < 8; i++)
		Y[i] = (float)(X[i] * g);
	dc_nn_features(f, X, 1, 4);
	dc_nn_features(h, Y, 1, 4);
	dc_nn_features_gain(f, 4, db);
	for (i = 0; i < 3; i++)
		ok &= fabsf(f[i] - h[i]) < 1e-5f;
	T_OK("features gain: the features of X scaled, within 1e-5", ok);
	T_OK("features gain: a bin of 0 stays ln 1e-8", f[0] == logf(DC_FEAT_EPS));
	dc_nn_features(f, X, 1, 4);
	dc_nn_features_gain(f, 4, -300);
	T_OK("features gain: -300 dB: every bin at ln 1e-8, none below", f[1] == logf(DC_FEAT_EPS) &&
	    f[2] == logf(DC_FEAT_EPS));
}

int
main(void)
{
	test_frames();
	test_frames_speech();
	test_features_gain();
	test_sine();
	test_half_active();
	test_gap();
	test_noise();
	test_scale();
	test_edges();
	return t_done();
}
