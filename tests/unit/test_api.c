/*
 * test_api.c: the error rules of include/dcsep/dcsep.h's own calls (libdcsep(3)):
 * each bad argument gives its code and leaves the outputs empty, and the results
 * on small tensors worked out by hand: dc_mask's binary and soft masking,
 * dc_cluster's labels and soft masks (which sum to 1) on two separated clusters,
 * dc_count_sources's counts and spreads worked out by hand (-k auto's rule),
 * k-means with the bins weighed by magnitude (dc-kmeans -w mag's calls),
 * dc_embedder_open's codes. The pipeline itself is checked bit for bit against the
 * tools by tests/sh/libdcsep.sh.
 */
#define _GNU_SOURCE             /* RTLD_DEFAULT */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dcsep/dcsep.h>
#include "t.h"

static int
empty(const dc_tensor *t)
{
	return t->dtype == DC_NONE && t->data == NULL;
}

/* entries: how many files dir holds (its temporaries too). */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/*
 * audio: the bad arguments of audio.h's calls give DC_EPARAM before anything is
 * read or written (no file, no temporary in the directory), in the test's
 * working directory (tests/run.sh gives each test a fresh one).
 */
static void
audio(void)
{
	static const float x[8] = { 0.5f, -0.25f, 0.125f, 0.0f, 0.5f, -0.25f, 0.125f, 0.0f };
	const char *d = "audio-api";
	dc_audio_info info;
	dc_audio_out *o = (dc_audio_out *)&info;
	dc_audio_in *a = (dc_audio_in *)&info;
	float *y = NULL, *buf;
	int64_t n = 4, got;
	FILE *f;
	long len;

	mkdir(d, 0777);
	T_EQ_INT("dc_audio_write: frames -1: DC_EPARAM", dc_audio_write("audio-api/a.wav", x, -1, 1, 8000,
	    DC_PCM16), DC_EPARAM);
	T_EQ_INT("dc_audio_write: encoding 7: DC_EPARAM", dc_audio_write("audio-api/a.wav", x, 4, 1, 8000, 7),
	    DC_EPARAM);
	T_EQ_INT("dc_audio_write: channels 0: DC_EPARAM", dc_audio_write("audio-api/a.wav", x, 4, 0, 8000,
	    DC_PCM16), DC_EPARAM);
	T_EQ_INT("dc_audio_write: rate 0: DC_EPARAM", dc_audio_write("audio-api/a.wav", x, 4, 1, 0, DC_FLOAT),
	    DC_EPARAM);
	T_EQ_INT("dc_audio_write: path NULL: DC_EPARAM", dc_audio_write(NULL, x, 4, 1, 8000, DC_PCM16),
	    DC_EPARAM);
	T_EQ_INT("dc_audio_write: x NULL, 4 frames: DC_EPARAM", dc_audio_write("audio-api/a.wav", NULL, 4, 1,
	    8000, DC_PCM16), DC_EPARAM);
	T_EQ_INT("dc_audio_write: frames * channels past INT64_MAX: DC_EPARAM",
	    dc_audio_write("audio-api/a.wav", x, INT64_MAX / 2 + 1, 2, 8000, DC_PCM16), DC_EPARAM);
	T_EQ_INT("dc_audio_out_open: encoding 7: DC_EPARAM", dc_audio_out_open("audio-api/a.wav", 1, 8000, 7,
	    &o), DC_EPARAM);
	T_OK("dc_audio_out_open: *op NULL on failure", o == NULL);
	T_EQ_INT("dc_audio_out_open: channels 0: DC_EPARAM", dc_audio_out_open("audio-api/a.wav", 0, 8000,
	    DC_PCM16, &o), DC_EPARAM);
	T_EQ_INT("dc_audio_out_open: rate -1: DC_EPARAM", dc_audio_out_open("audio-api/a.wav", 1, -1,
	    DC_PCM16, &o), DC_EPARAM);
	T_EQ_INT("dc_audio_out_open: path NULL: DC_EPARAM", dc_audio_out_open(NULL, 1, 8000, DC_PCM16, &o),
	    DC_EPARAM);
	T_EQ_INT("dc_audio_out_open: op NULL: DC_EPARAM", dc_audio_out_open("audio-api/a.wav", 1, 8000,
	    DC_PCM16, NULL), DC_EPARAM);
	T_EQ_INT("nothing written on DC_EPARAM", entries(d), 0);
	{
		float bad[4] = { 0.5f, NAN, 0.1f, 0.2f };
		T_EQ_INT("dc_audio_write: NaN: DC_ENONFINITE", dc_audio_write("audio-api/a.wav", bad, 4, 1, 8000,
		    DC_FLOAT), DC_ENONFINITE);
		bad[1] = -INFINITY;
		T_EQ_INT("dc_audio_write: -Inf: DC_ENONFINITE", dc_audio_write("audio-api/a.wav", bad, 2, 2, 8000,
		    DC_PCM16), DC_ENONFINITE);
		T_EQ_INT("nothing written on DC_ENONFINITE", entries(d), 0);
		T_EQ_INT("dc_audio_out_open: DC_OK", dc_audio_out_open("audio-api/a.wav", 1, 8000, DC_FLOAT, &o),
		    DC_OK);
		T_EQ_INT("dc_audio_out_put: -Inf: DC_ENONFINITE", dc_audio_out_put(o, bad, 4), DC_ENONFINITE);
		T_EQ_INT("dc_audio_out_put: then finite frames", dc_audio_out_put(o, x, 4), DC_OK);
		T_EQ_INT("dc_audio_out_close: 4 frames", dc_audio_out_close(o, "audio-api/a.wav"), DC_OK);
		{
			float *back = NULL;
			int64_t nb = 0;
			T_OK("dc_audio_out_put: the refused frames not written: 4 frames, x's",
			    dc_audio_read("audio-api/a.wav", 8000, &back, &nb, &info) == DC_OK && nb == 4 &&
			    memcmp(back, x, 4 * sizeof *x) == 0);
			free(back);
		}
		unlink("audio-api/a.wav");
	}

	T_EQ_INT("dc_audio_out_open: DC_OK", dc_audio_out_open("audio-api/a.wav", 2, 8000, DC_PCM16, &o), DC_OK);
	T_EQ_INT("dc_audio_out_put: frames -1: DC_EPARAM", dc_audio_out_put(o, x, -1), DC_EPARAM);
	T_EQ_INT("dc_audio_out_put: x NULL, 4 frames: DC_EPARAM", dc_audio_out_put(o, NULL, 4), DC_EPARAM);
	T_EQ_INT("dc_audio_out_put: o NULL: DC_EPARAM", dc_audio_out_put(NULL, x, 4), DC_EPARAM);
	T_EQ_INT("dc_audio_out_put: 4 frames", dc_audio_out_put(o, x, 4), DC_OK);
	T_EQ_INT("dc_audio_out_close", dc_audio_out_close(o, "audio-api/a.wav"), DC_OK);

	T_EQ_INT("dc_audio_read: rate -8000: DC_EPARAM", dc_audio_read("audio-api/a.wav", -8000, &y, &n,
	    &info), DC_EPARAM);
	T_OK("dc_audio_read: nothing read", y == NULL && n == 4);
	T_EQ_INT("dc_audio_read: path NULL: DC_EPARAM", dc_audio_read(NULL, 0, &y, &n, &info), DC_EPARAM);
	T_EQ_INT("dc_audio_read: rate 0 (the file's): DC_OK", dc_audio_read("audio-api/a.wav", 0, &y, &n,
	    &info), DC_OK);
	T_OK("dc_audio_read: 4 frames of 2 channels at 8000 Hz, averaged",
	    n == 4 && info.rate_in == 8000 && info.channels_in == 2 && y[0] == (0.5f - 0.25f) / 2);
	free(y);
	y = NULL;
	T_EQ_INT("dc_audio_open: rate -1: DC_EPARAM", dc_audio_open("audio-api/a.wav", -1, &a, &info),
	    DC_EPARAM);
	T_OK("dc_audio_open: *ap NULL on failure", a == NULL);
	T_EQ_INT("dc_audio_open: DC_OK", dc_audio_open("audio-api/a.wav", 0, &a, &info), DC_OK);
	T_EQ_INT("dc_audio_pull: max -1: DC_EPARAM", dc_audio_pull(a, (float[4]){ 0 }, -1, &got), DC_EPARAM);
	T_EQ_INT("dc_audio_pull: x NULL: DC_EPARAM", dc_audio_pull(a, NULL, 4, &got), DC_EPARAM);
	dc_audio_in_close(a);

	f = fopen("audio-api/a.wav", "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	T_OK("read the file's bytes", fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	T_EQ_INT("dc_audio_read_mem: rate -1: DC_EPARAM", dc_audio_read_mem(buf, (size_t)len, -1, &y, &n,
	    &info), DC_EPARAM);
	T_EQ_INT("dc_audio_read_mem: data NULL, len 10: DC_EPARAM", dc_audio_read_mem(NULL, 10, 0, &y, &n,
	    &info), DC_EPARAM);
	T_EQ_INT("dc_audio_read_mem: rate 0: DC_OK", dc_audio_read_mem(buf, (size_t)len, 0, &y, &n, &info),
	    DC_OK);
	free(y);
	free(buf);
	y = malloc(4 * sizeof *y);
	memcpy(y, x, 4 * sizeof *y);
	n = 4;
	T_EQ_INT("dc_resample: from inf: DC_EPARAM", dc_resample(&y, &n, INFINITY, 8000), DC_EPARAM);
	T_EQ_INT("dc_resample: to NaN: DC_EPARAM", dc_resample(&y, &n, 8000, NAN), DC_EPARAM);
	n = -4;
	T_EQ_INT("dc_resample: n -4: DC_EPARAM", dc_resample(&y, &n, 8000, 16000), DC_EPARAM);
	free(y);
	remove("audio-api/a.wav");
	rmdir(d);
}

int
main(void)
{
	dc_tensor X, L, M, Y, V;
	dc_embedder *e = (dc_embedder *)&X;
	dc_kmeans_opts o;
	float *x, *v;
	int32_t *l;
	int i, ok;

	T_OK("dc_version is config.mk's", strcmp(dc_version(), DC_VERSION) == 0);

	/* X: 2 frames x 3 bins, bin i = (i + 1) + 10 (i + 1) j */
	dc_tensor_alloc(&X, DC_C64, 2, (int64_t[]){ 2, 3 });
	x = X.data;
	for (i = 0; i < 6; i++) {
		x[2 * i] = (float)(i + 1);
		x[2 * i + 1] = (float)(10 * (i + 1));
	}
	dc_tensor_alloc(&L, DC_I32, 2, (int64_t[]){ 2, 3 });
	l = L.data;
	for (i = 0; i < 6; i++)
		l[i] = i % 2;
	T_EQ_INT("dc_mask, labels, k 2: DC_OK", dc_mask(&X, &L, 2, &Y), DC_OK);
	T_OK("dc_mask: 2 x 2 x 3 complex64", Y.dtype == DC_C64 && Y.ndim == 3 &&
	    Y.shape[0] == 2 && Y.shape[1] == 2 && Y.shape[2] == 3);
	for (i = 0, ok = 1; i < 6; i++) {
		const float *y = Y.data;
		int k = i % 2;
		ok &= y[2 * (k * 6 + i)] == x[2 * i] && y[2 * (k * 6 + i) + 1] == x[2 * i + 1] &&
		    y[2 * ((1 - k) * 6 + i)] == 0.0f && y[2 * ((1 - k) * 6 + i) + 1] == 0.0f;
	}
	T_OK("dc_mask: each bin to its label's source, 0 in the other", ok);
	dc_tensor_free(&Y);
	l[4] = 2;
	T_EQ_INT("dc_mask: a label of 2 with k 2: DC_EPARAM", dc_mask(&X, &L, 2, &Y), DC_EPARAM);
	T_OK("dc_mask: Y left empty on failure", empty(&Y));
	T_EQ_INT("dc_mask: k 0: DC_EPARAM", dc_mask(&X, &L, 0, &Y), DC_EPARAM);
	T_EQ_INT("dc_mask: X as labels (wrong dtype): DC_EPARAM", dc_mask(&L, &L, 3, &Y), DC_EPARAM);
	dc_tensor_alloc(&M, DC_F32, 3, (int64_t[]){ 3, 2, 3 });
	for (i = 0; i < 18; i++)
		((float *)M.data)[i] = 0.25f * (float)(i % 5);
	T_EQ_INT("dc_mask, masks 3 x 2 x 3 (k ignored): DC_OK", dc_mask(&X, &M, 0, &Y), DC_OK);
	for (i = 0, ok = Y.shape[0] == 3; i < 18; i++)
		ok &= ((float *)Y.data)[2 * i] == x[2 * (i % 6)] * ((float *)M.data)[i] &&
		    ((float *)Y.data)[2 * i + 1] == x[2 * (i % 6) + 1] * ((float *)M.data)[i];
	T_OK("dc_mask: Y[k] = X M[k], 3 sources", ok);
	dc_tensor_free(&Y);
	M.shape[2] = 2;
	T_EQ_INT("dc_mask: masks of another shape: DC_EPARAM", dc_mask(&X, &M, 0, &Y), DC_EPARAM);
	dc_tensor_free(&M);

	/* V: 2 x 3 x 2, bins 0, 2, 4 near (1, 0), bins 1, 3, 5 near (0, 1) */
	dc_tensor_alloc(&V, DC_F32, 3, (int64_t[]){ 2, 3, 2 });
	v = V.data;
	for (i = 0; i < 6; i++) {
		v[2 * i] = i % 2 ? 0.1f : 0.9f;
		v[2 * i + 1] = i % 2 ? 0.9f : 0.1f;
	}
	dc_tensor_free(&L);     /* a call's output tensor is overwritten, not freed */
	dc_kmeans_defaults(&o);
	T_EQ_INT("dc_cluster, K 2, beta 3: DC_OK", dc_cluster(&V, NULL, 20.0, &o, 3.0, &L, &M), DC_OK);
	l = L.data;
	for (i = 0, ok = 1; i < 6; i++)
		ok &= l[i] == (i % 2 ? l[1] : l[0]);
	T_OK("dc_cluster: the two clusters found (labels alternate)", ok && l[0] != l[1]);
	for (i = 0, ok = M.shape[0] == 2 && M.shape[1] == 2 && M.shape[2] == 3; i < 6; i++) {
		const float *m = M.data;
		ok &= fabsf(m[i] + m[6 + i] - 1.0f) < 1e-6f && m[l[i] * 6 + i] > 0.5f;
	}
	T_OK("dc_cluster: soft masks sum to 1, the largest on the bin's label", ok);
	dc_tensor_free(&L);
	dc_tensor_free(&M);
	T_EQ_INT("dc_cluster: beta 0: labels only", dc_cluster(&V, NULL, 20.0, NULL, 0.0, &L, &M), DC_OK);
	T_OK("dc_cluster: beta 0 leaves masks empty", empty(&M) && !empty(&L));
	dc_tensor_free(&L);
	o.k = 7;
	T_EQ_INT("dc_cluster: K 7 above 6 bins: DC_EPARAM", dc_cluster(&V, NULL, 20.0, &o, 3.0, &L, &M),
	    DC_EPARAM);
	T_OK("dc_cluster: L and masks left empty on failure", empty(&L) && empty(&M));
	/* with X, only the bins within db of the loudest are fitted: powers 101 (i + 1)^2,
	 * so 0.5 dB (a factor 0.89) keeps bin 5 alone, 20 dB all six */
	o.k = 2;
	T_EQ_INT("dc_cluster: K 2 above the 1 bin within 0.5 dB: DC_EPARAM",
	    dc_cluster(&V, &X, 0.5, &o, 0.0, &L, NULL), DC_EPARAM);
	T_EQ_INT("dc_cluster: K 2, the 6 bins within 20 dB: DC_OK",
	    dc_cluster(&V, &X, 20.0, &o, 0.0, &L, NULL), DC_OK);
	dc_tensor_free(&L);
	T_EQ_INT("dc_cluster: X of another shape: DC_EPARAM", dc_cluster(&V, &V, 20.0, &o, 0.0, &L, NULL),
	    DC_EPARAM);
	T_EQ_INT("dc_cluster: beta -1: DC_EPARAM", dc_cluster(&V, NULL, 20.0, &o, -1.0, &L, NULL), DC_EPARAM);

	/* dc_count_sources: V's two clusters, (0.9, 0.1) and (0.1, 0.9) three bins
	 * each, have the mean (0.5, 0.5) and the spread 1 - 0.5 = 0.5, between the
	 * first threshold (0.345) and the second (0.575): 2 */
	{
		dc_tensor V3 = { 0 }, Z = { 0 };
		double sp = -1.0;
		int nk = -1;

		T_EQ_INT("dc_count_sources: V's 2 clusters", dc_count_sources(&V, NULL, 20.0, 4, &nk, &sp),
		    DC_OK);
		T_OK("dc_count_sources: K 2, spread 0.5", nk == 2 && fabs(sp - 0.5) < 1e-6);
		T_EQ_INT("dc_count_sources: kmax 1", dc_count_sources(&V, NULL, 20.0, 1, &nk, NULL), DC_OK);
		T_EQ_INT("dc_count_sources: kmax 1 caps K at 1", nk, 1);
		/* within 0.5 dB of the loudest only bin 5, (0.1, 0.9): spread 1 - 0.82, and K <= bins */
		T_EQ_INT("dc_count_sources: 1 bin within 0.5 dB", dc_count_sources(&V, &X, 0.5, 4, &nk, &sp),
		    DC_OK);
		T_OK("dc_count_sources: 1 bin: K 1, spread 0.18", nk == 1 && fabs(sp - 0.18) < 1e-6);
		/* three orthonormal codes, two bins each: spread 1 - 1/3, above 0.575, below 0.67 */
		dc_tensor_alloc(&V3, DC_F32, 3, (int64_t[]){ 2, 3, 3 });
		for (i = 0; i < 18; i++)
			((float *)V3.data)[i] = i % 3 == (i / 3) % 3;
		T_EQ_INT("dc_count_sources: 3 orthonormal codes", dc_count_sources(&V3, NULL, 20.0, 4, &nk, &sp),
		    DC_OK);
		T_OK("dc_count_sources: K 3, spread 2/3", nk == 3 && fabs(sp - 2.0 / 3.0) < 1e-6);
		T_EQ_INT("dc_count_sources: auto:2", dc_count_sources(&V3, NULL, 20.0, 2, &nk, NULL), DC_OK);
		T_EQ_INT("dc_count_sources: auto:2 counts 2", nk, 2);
		T_OK("dc_kmeans_spread and dc_kmeans_count, the calls under it",
		    fabs(dc_kmeans_spread(V3.data, 6, 3, NULL) - 2.0 / 3.0) < 1e-6 &&
		    dc_kmeans_count(2.0 / 3.0, 8, NULL) == 3 && dc_kmeans_count(0.344, 8, NULL) == 1 &&
		    dc_kmeans_count(0.99, 8, NULL) == 8 && dc_kmeans_count(0.99, 100, NULL) == 8 &&
		    dc_kmeans_count(0.5, 8, (const double[]){ 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8 }) == 5);
		/* digital silence is one source, whatever the embeddings */
		dc_tensor_alloc(&Z, DC_C64, 2, (int64_t[]){ 2, 3 });
		memset(Z.data, 0, 6 * 2 * sizeof(float));
		T_EQ_INT("dc_count_sources: silent X", dc_count_sources(&V3, &Z, 20.0, 4, &nk, &sp), DC_OK);
		T_OK("dc_count_sources: silence: K 1, spread 0", nk == 1 && sp == 0.0);
		T_EQ_INT("dc_count_sources: k NULL: DC_EPARAM", dc_count_sources(&V3, NULL, 20.0, 4, NULL, &sp),
		    DC_EPARAM);
		T_EQ_INT("dc_count_sources: kmax 0: DC_EPARAM", dc_count_sources(&V3, NULL, 20.0, 0, &nk, &sp),
		    DC_EPARAM);
		T_OK("dc_count_sources: *k 0 on failure", nk == 0);
		T_EQ_INT("dc_count_sources: kmax 9: DC_EPARAM", dc_count_sources(&V3, NULL, 20.0, 9, &nk, &sp),
		    DC_EPARAM);
		T_EQ_INT("dc_count_sources: db -1: DC_EPARAM", dc_count_sources(&V3, NULL, -1.0, 4, &nk, &sp),
		    DC_EPARAM);
		T_EQ_INT("dc_count_sources: X of another shape: DC_EPARAM",
		    dc_count_sources(&V3, &V, 20.0, 4, &nk, &sp), DC_EPARAM);
		T_EQ_INT("dc_count_sources: X of V's T x F but float32: DC_EPARAM",
		    dc_count_sources(&V3, &V3, 20.0, 4, &nk, &sp), DC_EPARAM);
		((float *)V3.data)[4] = NAN;
		T_EQ_INT("dc_count_sources: NaN in V: DC_ENONFINITE",
		    dc_count_sources(&V3, NULL, 20.0, 4, &nk, &sp), DC_ENONFINITE);
		dc_tensor_free(&V3);
		dc_tensor_free(&Z);
	}

	/* dc-kmeans -w mag from the public calls (dc_stft_active, dc_stft_weights,
	 * dc_kmeans_w, dc_kmeans_soft), by hand: points 0, 1, 10, 11 and a quiet 5.6
	 * (D = 1) of magnitudes 1, 3, 1, 1 and 0.001 (below 20 dB: labelled, not
	 * fitted). Weighed by magnitude, the first centroid is (0 + 3 x 1) / 4 = 0.75,
	 * not 0.5, and 5.6 goes to it (4.85 from it, 4.9 from 10.5); its soft mask with
	 * beta 1 is 1 / (1 + e^-(4.9^2 - 4.85^2)) = 0.6195, against 1 / (1 + e^2) =
	 * 0.1192 with every bin weighing 1 (dc_cluster). */
	{
		float pv[5] = { 0, 1, 10, 11, 5.6f }, xv[10] = { 1, 0, 3, 0, 1, 0, 1, 0, 0.001f, 0 };
		float wv[5], cv[2], mv[10];
		unsigned char act[5];
		int32_t lv[5];
		int mag;

		dc_stft_active(xv, 5, 20.0, act);
		T_OK("weights: the quiet bin alone inactive", act[0] && act[1] && act[2] && act[3] && !act[4]);
		dc_stft_weights(xv, 5, act, wv);
		T_OK("dc_stft_weights: magnitude over the loudest's, 0 where inactive",
		    fabsf(wv[0] - 1.0f / 3) < 1e-6f && wv[1] == 1.0f && fabsf(wv[3] - 1.0f / 3) < 1e-6f &&
		    wv[4] == 0.0f);
		for (mag = 0; mag <= 1; mag++) {
			const char *name = mag ? "dc_kmeans_w, magnitudes" : "dc_kmeans_w, NULL";
			char what[160];
			double want = mag ? 1 / (1 + exp(-(4.9 * 4.9 - 4.85 * 4.85))) : 1 / (1 + exp(2.0));

			dc_kmeans_defaults(&o);
			snprintf(what, sizeof what, "%s: DC_OK", name);
			T_EQ_INT(what, dc_kmeans_w(pv, 5, 1, act, mag ? wv : NULL, &o, lv, cv, NULL, NULL), DC_OK);
			snprintf(what, sizeof what, "%s: 0 and 1 together, 10 and 11, and 5.6 with %s", name,
			    mag ? "0 and 1" : "10 and 11");
			T_OK(what, lv[0] == lv[1] && lv[2] == lv[3] && lv[0] != lv[2] &&
			    lv[4] == (mag ? lv[0] : lv[2]));
			snprintf(what, sizeof what, "%s: the centroid of 0 and 1", name);
			T_CLOSE(what, cv[lv[0]], mag ? 0.75 : 0.5, 1e-6);
			dc_kmeans_soft(pv, 5, 1, cv, 2, 1.0, mv, NULL);
			snprintf(what, sizeof what, "%s: 5.6's soft mask for 0 and 1's cluster", name);
			T_CLOSE(what, mv[lv[0] * 5 + 4], want, 2e-5);
		}
		/* dc_cluster is the unweighted fit */
		{
			dc_tensor V1 = { 0 }, X1 = { 0 }, L1 = { 0 }, M1 = { 0 };

			dc_tensor_alloc(&V1, DC_F32, 3, (int64_t[]){ 1, 5, 1 });
			dc_tensor_alloc(&X1, DC_C64, 2, (int64_t[]){ 1, 5 });
			memcpy(V1.data, pv, sizeof pv);
			memcpy(X1.data, xv, sizeof xv);
			dc_kmeans_defaults(&o);
			T_EQ_INT("dc_cluster on them: DC_OK", dc_cluster(&V1, &X1, 20.0, &o, 1.0, &L1, &M1), DC_OK);
			T_CLOSE("dc_cluster: 5.6's soft mask as dc_kmeans_w's with NULL",
			    ((const float *)M1.data)[((const int32_t *)L1.data)[0] * 5 + 4], 1 / (1 + exp(2.0)),
			    2e-5);
			dc_tensor_free(&L1);
			dc_tensor_free(&M1);
			dc_tensor_free(&V1);
			dc_tensor_free(&X1);
		}
	}

	T_EQ_INT("dc_embedder_open: threads 0: DC_EPARAM", dc_embedder_open(&e, "x.dcm", 0), DC_EPARAM);
	T_OK("dc_embedder_open: *ep NULL on failure", e == NULL);
	{
		dc_stft_params p0;
		int d0 = 7, c0 = 7;

		dc_embedder_info(e, &p0, &d0, &c0);
		T_OK("dc_embedder_info of a failed open: the default STFT, D and C 0",
		    p0.rate == 8000 && p0.nfft == 256 && p0.hop == 64 && d0 == 0 && c0 == 0);
	}
	errno = 0;
	T_EQ_INT("dc_embedder_open: no file: DC_EIO", dc_embedder_open(&e, "/nonexistent/x.dcm", 1), DC_EIO);
	T_EQ_INT("dc_embedder_open: no file: errno ENOENT", errno, ENOENT);
	dc_tensor_free(&V);
	/* the shipped model: its STFT, and dc_embed's checks and output */
	if (getenv("ROOT") != NULL) {
		char path[4096];
		dc_stft_params p;
		dc_tensor S;
		int d, c;

		snprintf(path, sizeof path, "%s/models/default.dcm", getenv("ROOT"));
		T_EQ_INT("dc_embedder_open: models/default.dcm", dc_embedder_open(&e, path, 1), DC_OK);
		dc_embedder_info(e, &p, &d, &c);
		T_OK("dc_embedder_info: the model reads 8000 Hz, nfft 256, hop 64",
		    p.rate == 8000 && p.nfft == 256 && p.hop == 64 && d > 0 && c >= 0);
		T_EQ_INT("dc_embed: 3 bins, not the model's 129: DC_EPARAM", dc_embed(e, &X, &V, NULL),
		    DC_EPARAM);
		T_OK("dc_embed: V left empty on failure", empty(&V));
		dc_tensor_alloc(&S, DC_C64, 2, (int64_t[]){ 4, p.nfft / 2 + 1 });
		for (i = 0; i < 2 * 4 * (p.nfft / 2 + 1); i++)
			((float *)S.data)[i] = (float)((i * 7919) % 97) / 97.0f;
		/* the caller's OpenMP team size comes back as it was (oneDNN's products
		 * run with one) */
		{
			void (*set)(int);
			int (*get)(void);

			*(void **)&set = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
			*(void **)&get = dlsym(RTLD_DEFAULT, "omp_get_max_threads");
			if (set && get) {
				set(3);
				T_EQ_INT("dc_embed: 4 frames: DC_OK", dc_embed(e, &S, &V, &M), DC_OK);
				T_EQ_INT("dc_embed: the caller's OpenMP team size as it was (3)", get(), 3);
				dc_tensor_free(&V);
				dc_tensor_free(&M);
				T_EQ_INT("dc_embed again: DC_OK", dc_embed(e, &S, &V, &M), DC_OK);
				T_EQ_INT("dc_embed again: 3 again", get(), 3);
			} else {
				T_OK("libgomp loaded with oneDNN", 0);
				T_EQ_INT("dc_embed: 4 frames: DC_OK", dc_embed(e, &S, &V, &M), DC_OK);
			}
		}
		T_OK("dc_embed: V 4 x 129 x D", V.dtype == DC_F32 && V.shape[0] == 4 &&
		    V.shape[1] == p.nfft / 2 + 1 && V.shape[2] == d);
		for (i = 0, ok = 1; i < 4 * (p.nfft / 2 + 1); i++) {
			double n2 = 0.0;
			for (int j = 0; j < d; j++)
				n2 += (double)((float *)V.data)[i * d + j] * ((float *)V.data)[i * d + j];
			ok &= fabs(n2 - 1.0) < 1e-5;
		}
		T_OK("dc_embed: every embedding of unit length", ok);
		T_OK("dc_embed: masks C x T x F with a head, else empty",
		    c > 0 ? M.shape[0] == c && M.shape[1] == 4 : empty(&M));
		dc_tensor_free(&V);
		dc_tensor_free(&M);
		/* an infinity in X is refused before the network (the features of
		 * log(inf) were finite enough to pass) */
		((float *)S.data)[10] = INFINITY;
		T_EQ_INT("dc_embed: Inf in X: DC_ENONFINITE", dc_embed(e, &S, &V, &M), DC_ENONFINITE);
		T_OK("dc_embed: Inf in X: V and masks left empty", empty(&V) && empty(&M));
		((float *)S.data)[10] = (float)((10 * 7919) % 97) / 97.0f;
		/* the level: a spectrum 30 dB quieter gives the same embeddings (to the
		 * features' 1e-8, nothing at these magnitudes), unless the level is none */
		{
			dc_tensor Q, V0, V1;
			double most = 0.0;

			dc_tensor_alloc(&Q, DC_C64, 2, (int64_t[]){ 4, p.nfft / 2 + 1 });
			for (i = 0; i < 2 * 4 * (p.nfft / 2 + 1); i++)
				((float *)Q.data)[i] = ((float *)S.data)[i] * 0.0316227766f;
			T_EQ_INT("dc_embedder_set_level: 5 dB: DC_EPARAM", dc_embedder_set_level(e, 5),
			    DC_EPARAM);
			T_EQ_INT("dc_embedder_set_level: -101 dB: DC_EPARAM",
			    dc_embedder_set_level(e, -101), DC_EPARAM);
			T_EQ_INT("dc_embedder_set_level: e NULL: DC_EPARAM",
			    dc_embedder_set_level(NULL, -21), DC_EPARAM);
			dc_embed(e, &S, &V0, NULL);
			dc_embed(e, &Q, &V1, NULL);
			for (i = 0; i < 4 * (p.nfft / 2 + 1) * d; i++)
				most = fmax(most, fabs(((float *)V0.data)[i] - ((float *)V1.data)[i]));
			T_OK("dc_embed: 30 dB quieter: the same embeddings (within 1e-3)", most < 1e-3);
			dc_tensor_free(&V1);
			T_EQ_INT("dc_embedder_set_level: NAN (none): DC_OK", dc_embedder_set_level(e, NAN),
			    DC_OK);
			dc_embed(e, &Q, &V1, NULL);
			for (i = 0, most = 0.0; i < 4 * (p.nfft / 2 + 1) * d; i++)
				most = fmax(most, fabs(((float *)V0.data)[i] - ((float *)V1.data)[i]));
			T_OK("dc_embed: level none: 30 dB quieter, other embeddings", most > 0.05);
			dc_tensor_free(&V0);
			dc_tensor_free(&V1);
			dc_tensor_free(&Q);
		}
		dc_tensor_free(&S);
		dc_embedder_free(e);
	} else {
		printf("SKIP: dc_embed on the shipped model: no ROOT in the environment\n");
	}
	/* NULL is harmless to the frees: a crash here fails the binary (no check of
	 * its own could) */
	dc_embedder_free(NULL);
	dc_tensor_free(NULL);
	dc_record_free(NULL);
	dc_utt_free(NULL);
	dc_stft_defaults(NULL);
	dc_kmeans_defaults(NULL);
	/* and the stream calls refuse it as libdcsep(3)'s DC_EPARAM says */
	{
		static const unsigned char hdr[] = { 0x82, 0xa4, 'k', 'i', 'n', 'd', 0xa5, 'd', 'c', 's',
		    'e', 'p', 0xa7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01 };
		dc_reader *rd = dc_reader_mem(hdr, sizeof hdr);
		dc_record r;
		dc_utt u = { 0 };
		dc_tensor tt;

		T_OK("dc_reader_file(NULL), dc_writer_file(NULL): NULL",
		    dc_reader_file(NULL) == NULL && dc_writer_file(NULL) == NULL);
		T_EQ_INT("dc_read_header: rd NULL: DC_EPARAM", dc_read_header(NULL, &r), DC_EPARAM);
		T_EQ_INT("dc_read_header: hdr NULL: DC_EPARAM", dc_read_header(rd, NULL), DC_EPARAM);
		T_EQ_INT("dc_read_header after them: DC_OK", dc_read_header(rd, &r), DC_OK);
		T_EQ_INT("dc_read_utt: rd NULL: DC_EPARAM", dc_read_utt(NULL, &u), DC_EPARAM);
		T_EQ_INT("dc_read_utt: u NULL: DC_EPARAM", dc_read_utt(rd, NULL), DC_EPARAM);
		T_EQ_INT("dc_rec_tensor: r NULL: DC_EPARAM", dc_rec_tensor(NULL, &tt), DC_EPARAM);
		T_OK("dc_rec_tensor: r NULL: t left empty", empty(&tt));
		T_EQ_INT("dc_rec_tensor: t NULL: DC_EPARAM", dc_rec_tensor(&r, NULL), DC_EPARAM);
		T_EQ_INT("dc_rec_tensor_view: r NULL: DC_EPARAM", dc_rec_tensor_view(NULL, &tt), DC_EPARAM);
		T_OK("dc_utt_find: u NULL, kind NULL: NULL",
		    dc_utt_find(NULL, "stft") == NULL && dc_utt_find(&u, NULL) == NULL);
		T_OK("dc_tensor_count(NULL): 0", dc_tensor_count(NULL) == 0);
		dc_record_free(&r);
		dc_reader_free(rd);
	}
	T_EQ_INT("dc_tensor_alloc: t NULL: DC_EPARAM", dc_tensor_alloc(NULL, DC_F32, 1, (int64_t[]){ 2 }),
	    DC_EPARAM);
	T_EQ_INT("dc_tensor_alloc: shape NULL: DC_EPARAM", dc_tensor_alloc(&M, DC_F32, 1, NULL), DC_EPARAM);
	T_OK("dc_tensor_alloc: t left empty on failure", empty(&M));
	T_EQ_INT("dc_embedder_open: ep NULL: DC_EPARAM", dc_embedder_open(NULL, "x.dcm", 1), DC_EPARAM);
	T_EQ_INT("dc_embedder_open: path NULL: DC_EPARAM", dc_embedder_open(&e, NULL, 1), DC_EPARAM);
	T_EQ_INT("dc_embed: e NULL: DC_EPARAM", dc_embed(NULL, &X, &V, NULL), DC_EPARAM);

	/* non-finite parameters and data, NULL pointers (the V and X of dc_cluster above) */
	dc_tensor_alloc(&V, DC_F32, 3, (int64_t[]){ 2, 3, 2 });
	v = V.data;
	for (i = 0; i < 6; i++) {
		v[2 * i] = i % 2 ? 0.1f : 0.9f;
		v[2 * i + 1] = i % 2 ? 0.9f : 0.1f;
	}
	dc_kmeans_defaults(&o);
	T_EQ_INT("dc_cluster: beta inf: DC_EPARAM", dc_cluster(&V, NULL, 20.0, &o, INFINITY, &L, &M),
	    DC_EPARAM);
	T_OK("dc_cluster: L and masks left empty", empty(&L) && empty(&M));
	T_EQ_INT("dc_cluster: beta NaN: DC_EPARAM", dc_cluster(&V, NULL, 20.0, &o, NAN, &L, &M), DC_EPARAM);
	T_EQ_INT("dc_cluster: db inf: DC_EPARAM", dc_cluster(&V, &X, INFINITY, &o, 0.0, &L, NULL), DC_EPARAM);
	T_EQ_INT("dc_cluster: db NaN: DC_EPARAM", dc_cluster(&V, &X, NAN, &o, 0.0, &L, NULL), DC_EPARAM);
	T_EQ_INT("dc_cluster: V NULL: DC_EPARAM", dc_cluster(NULL, NULL, 20.0, &o, 0.0, &L, NULL), DC_EPARAM);
	T_EQ_INT("dc_cluster: L NULL: DC_EPARAM", dc_cluster(&V, NULL, 20.0, &o, 0.0, NULL, NULL), DC_EPARAM);
	T_EQ_INT("dc_cluster: V with data NULL: DC_EPARAM",
	    dc_cluster(&(dc_tensor){ DC_F32, 3, { 2, 3, 2 }, NULL, 0 }, NULL, 20.0, &o, 0.0, &L, NULL),
	    DC_EPARAM);
	/* beta finite but so large that every -beta d overflows (points -4, 0 and 10,
	 * 14: squared distance 4 to their centroids): the nearest takes 1 */
	{
		float w[4] = { -4.0f, 0.0f, 10.0f, 14.0f };
		dc_tensor W = { DC_F32, 3, { 2, 2, 1 }, w, 0 };
		T_EQ_INT("dc_cluster: beta 1e308: DC_OK", dc_cluster(&W, NULL, 20.0, &o, 1e308, &L, &M), DC_OK);
		for (i = 0, ok = M.data != NULL && L.data != NULL; ok && i < 4; i++) {
			const float *m = M.data;
			const int32_t *lw = L.data;
			ok &= lw[i] == lw[i < 2 ? 0 : 3] && lw[0] != lw[3] && m[lw[i] * 4 + i] == 1.0f &&
			    m[(1 - lw[i]) * 4 + i] == 0.0f;
		}
		T_OK("dc_cluster: beta 1e308: masks 1 on the bin's label, 0 elsewhere, no NaN", ok);
		dc_tensor_free(&L);
		dc_tensor_free(&M);
	}
	v[3] = NAN;
	T_EQ_INT("dc_cluster: a NaN in V: DC_ENONFINITE", dc_cluster(&V, NULL, 20.0, &o, 3.0, &L, &M),
	    DC_ENONFINITE);
	T_OK("dc_cluster: L and masks left empty", empty(&L) && empty(&M));
	v[3] = 0.1f;
	x[5] = INFINITY;
	T_EQ_INT("dc_cluster: an Inf in X: DC_ENONFINITE", dc_cluster(&V, &X, 20.0, &o, 0.0, &L, NULL),
	    DC_ENONFINITE);
	dc_tensor_alloc(&L, DC_I32, 2, (int64_t[]){ 2, 3 });
	T_EQ_INT("dc_mask: an Inf in X: DC_ENONFINITE", dc_mask(&X, &L, 2, &Y), DC_ENONFINITE);
	T_OK("dc_mask: Y left empty", empty(&Y));
	x[5] = 6.0f;
	dc_tensor_alloc(&M, DC_F32, 3, (int64_t[]){ 2, 2, 3 });
	((float *)M.data)[7] = NAN;
	T_EQ_INT("dc_mask: a NaN in the masks: DC_ENONFINITE", dc_mask(&X, &M, 0, &Y), DC_ENONFINITE);
	T_EQ_INT("dc_mask: X NULL: DC_EPARAM", dc_mask(NULL, &L, 2, &Y), DC_EPARAM);
	T_EQ_INT("dc_mask: M NULL: DC_EPARAM", dc_mask(&X, NULL, 2, &Y), DC_EPARAM);
	T_EQ_INT("dc_mask: Y NULL: DC_EPARAM", dc_mask(&X, &L, 2, NULL), DC_EPARAM);
	T_EQ_INT("dc_mask: labels with data NULL: DC_EPARAM",
	    dc_mask(&X, &(dc_tensor){ DC_I32, 2, { 2, 3 }, NULL, 0 }, 2, &Y), DC_EPARAM);
	T_EQ_INT("dc_mask: labels of a negative shape: DC_EPARAM",
	    dc_mask(&(dc_tensor){ DC_C64, 2, { -2, 3 }, x, 0 }, &(dc_tensor){ DC_I32, 2, { -2, 3 }, L.data, 0 },
	    2, &Y), DC_EPARAM);
	T_EQ_INT("dc_mask: labels and X finite again: DC_OK", dc_mask(&X, &L, 2, &Y), DC_OK);
	dc_tensor_free(&Y);
	dc_tensor_free(&M);
	dc_tensor_free(&L);

	audio();

	/* the STFT's calls: NULL pointers and unusable parameters */
	{
		dc_stft_params p;
		dc_istft_state *st;
		float sig[64] = { 0 }, out[64];
		int64_t ny = 7;

		dc_stft_defaults(&p);
		p.samples = 64;
		T_EQ_INT("dc_stft: x NULL with 64 samples: DC_EPARAM", dc_stft(NULL, &p, &Y), DC_EPARAM);
		T_OK("dc_stft: X left empty", empty(&Y));
		T_EQ_INT("dc_stft: p NULL: DC_EPARAM", dc_stft(sig, NULL, &Y), DC_EPARAM);
		T_EQ_INT("dc_stft_range: T -1: DC_EPARAM", dc_stft_range(sig, 0, 64, &p, 0, -1, &Y), DC_EPARAM);
		T_EQ_INT("dc_stft_range: xn -1: DC_EPARAM", dc_stft_range(sig, 0, -1, &p, 0, 2, &Y), DC_EPARAM);
		p.nfft = 0;
		T_EQ_INT("dc_stft_range: nfft 0: DC_EPARAM", dc_stft_range(sig, 0, 64, &p, 0, 2, &Y), DC_EPARAM);
		T_OK("dc_istft_begin: nfft 0: NULL", dc_istft_begin(&p) == NULL && dc_istft_begin(NULL) == NULL);
		dc_stft_defaults(&p);
		p.samples = 64;
		sig[10] = NAN;
		T_EQ_INT("dc_stft: NaN in x: DC_ENONFINITE", dc_stft(sig, &p, &Y), DC_ENONFINITE);
		T_OK("dc_stft: NaN: X left empty", empty(&Y));
		T_EQ_INT("dc_stft_range: Inf in x: DC_ENONFINITE", (sig[10] = INFINITY,
		    dc_stft_range(sig, 0, 64, &p, 0, 2, &Y)), DC_ENONFINITE);
		sig[10] = 0.0f;
		T_EQ_INT("dc_stft: 64 samples", dc_stft(sig, &p, &Y), DC_OK);
		((float *)Y.data)[3] = NAN;
		T_EQ_INT("dc_istft: NaN in X: DC_ENONFINITE", dc_istft(Y.data, Y.shape[0], &p, out), DC_ENONFINITE);
		((float *)Y.data)[3] = 0.0f;
		T_EQ_INT("dc_istft: y NULL: DC_EPARAM", dc_istft(Y.data, Y.shape[0], &p, NULL), DC_EPARAM);
		T_EQ_INT("dc_istft: X NULL: DC_EPARAM", dc_istft(NULL, Y.shape[0], &p, out), DC_EPARAM);
		T_EQ_INT("dc_istft_push: state NULL: DC_EPARAM", dc_istft_push(NULL, Y.data, 1, -1, out, &ny),
		    DC_EPARAM);
		T_OK("dc_istft_push: *ny 0 on failure", ny == 0);
		st = dc_istft_begin(&p);
		T_EQ_INT("dc_istft_push: T -1: DC_EPARAM", dc_istft_push(st, Y.data, -1, -1, out, &ny), DC_EPARAM);
		T_EQ_INT("dc_istft_push: X NULL, 1 frame: DC_EPARAM", dc_istft_push(st, NULL, 1, -1, out, &ny),
		    DC_EPARAM);
		T_EQ_INT("dc_istft_push: 1 frame", dc_istft_push(st, Y.data, 1, -1, out, &ny), DC_OK);
		dc_istft_end(st);
		dc_tensor_free(&Y);
	}

	dc_tensor_free(&V);
	dc_tensor_free(&X);
	return t_done();
}
