/*
 * separate.c: separates the speakers of a WAV file in process with libdcsep(3),
 * the steps of
 *   dc-stft in.wav | dc-embed -m model | dc-kmeans -k K -b 3 | dc-mask | dc-istft -o out-%k.wav
 * and writes out-1.wav ... out-K.wav (16-bit WAV, one per speaker). K is 2, or
 * the fourth argument: a number from 1 to 8, or "auto" to count the speakers
 * (1 to 4) as dc-kmeans -k auto does.
 *
 * Build against an installed library:
 *   cc -o separate separate.c $(pkg-config --cflags --libs dcsep)
 * Run: ./separate model.dcm in.wav out [K | auto]
 * (model: PREFIX/share/dcsep/models/default.dcm)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcsep/dcsep.h>

#define KMAX 8          /* the most speakers this program separates */
#define AUTOMAX 4       /* the most it counts (dc-kmeans -k auto) */
#define BETA 3.0        /* soft masks' sharpness (dc-kmeans -b) */

static int
fail(const char *what, int err)
{
	/* DC_EIO leaves errno set, DC_EAUDIO the audio library's message */
	fprintf(stderr, "separate: %s: %s\n", what, err == DC_EIO ? strerror(errno) :
	    err == DC_EAUDIO ? dc_audio_errstr() : dc_strerror(err));
	return 1;
}

int
main(int argc, char **argv)
{
	dc_embedder *e;
	dc_audio_info info;
	dc_stft_params p;
	dc_tensor X, V, L, M, Y;
	float *x, *y;
	int64_t n, T, F;
	char path[4096], *end;
	int err, k, nk = 2;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: separate model.dcm in.wav out [K | auto]\n");
		return 2;
	}
	if (argc == 5 && strcmp(argv[4], "auto") == 0)
		nk = 0;
	else if (argc == 5) {
		long v = strtol(argv[4], &end, 10);
		if (end == argv[4] || *end != '\0' || v < 1 || v > KMAX) {
			fprintf(stderr, "separate: K must be a number from 1 to %d, or auto: %s\n",
			    KMAX, argv[4]);
			return 2;
		}
		nk = (int)v;
	}
	/* the model, and the STFT it reads */
	if ((err = dc_embedder_open(&e, argv[1], 1)) != DC_OK)
		return fail(argv[1], err);
	dc_embedder_info(e, &p, NULL, NULL);
	/* dc-stft: mono at the model's rate, then its STFT X (T x F) */
	if ((err = dc_audio_read(argv[2], (int)p.rate, &x, &n, &info)) != DC_OK)
		return fail(argv[2], err);
	p.samples = n;
	if ((err = dc_stft(x, &p, &X)) != DC_OK)
		return fail("stft", err);
	/* dc-embed: V (T x F x D) */
	if ((err = dc_embed(e, &X, &V, NULL)) != DC_OK)
		return fail("embed", err);
	/* dc-kmeans -k auto: K counted over the bins within 20 dB of the loudest */
	if (nk == 0 && (err = dc_count_sources(&V, &X, 20.0, AUTOMAX, &nk, NULL)) != DC_OK)
		return fail("count", err);
	/* dc-kmeans -k K -b 3: the defaults but K, active bins within 20 dB */
	dc_kmeans_opts o;
	dc_kmeans_defaults(&o);
	o.k = nk;
	if ((err = dc_cluster(&V, &X, 20.0, &o, BETA, &L, &M)) != DC_OK)
		return fail("k-means", err);
	/* dc-mask: Y (K x T x F), the mixture through each soft mask */
	if ((err = dc_mask(&X, &M, nk, &Y)) != DC_OK)
		return fail("mask", err);
	/* dc-istft: each source back to n samples, to out-k.wav */
	T = X.shape[0];
	F = X.shape[1];
	y = malloc((size_t)n * sizeof *y);
	for (k = 0; k < nk && y; k++) {
		if ((err = dc_istft((const float *)Y.data + 2 * k * T * F, T, &p, y)) != DC_OK)
			return fail("istft", err);
		snprintf(path, sizeof path, "%s-%d.wav", argv[3], k + 1);
		if ((err = dc_audio_write(path, y, n, 1, (int)p.rate, DC_PCM16)) != DC_OK)
			return fail(path, err);
	}
	if (y == NULL)
		return fail("output", DC_ENOMEM);
	free(y);
	free(x);
	dc_tensor_free(&X);
	dc_tensor_free(&V);
	dc_tensor_free(&L);
	dc_tensor_free(&M);
	dc_tensor_free(&Y);
	dc_embedder_free(e);
	return 0;
}
