/*
 * dc-mask: applies labels or masks to the mixture's STFT (formats/stream.md).
 *
 * For each utterance, takes the "stft" record X (complex64, T x F) and the later
 * of the last "labels" and the last "masks" record, and appends a "masked" record
 * (complex64, K x T x F) with the stft record's keys and k:
 *   labels L (int32, T x F):   masked[k] = X where L == k, 0 elsewhere (binary masks)
 *   masks M (float32, K x T x F): masked[k] = X * M[k] (soft masks)
 * dc-istft turns each masked spectrum into a waveform.
 */
#include <string.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[file]";

static void
help(void)
{
	printf("usage: dc-mask %s\n"
	    "Masks each utterance's STFT with its labels or masks and appends a masked record.\n"
	    "  -h   this help\n"
	    "Uses the later of the last labels and the last masks record. Reads the stream from\n"
	    "file, or stdin if none or '-'. See dc-mask(1).\n", usage);
}

/* mask_utt: the masked record of one utterance, appended to it. */
static void
mask_utt(dc_utt *u, const char *id, void *arg)
{
	dc_record *sr, *mr = NULL;
	dc_tensor X, M, Y;
	dc_stft_params p;
	dc_recb b;
	const float *x;
	float *y;
	int64_t T, F, N, i;
	int K, err;

	(void)arg;
	if ((sr = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no stft record", id);
	for (i = u->n - 1; i >= 0 && mr == NULL; i--)
		if (strcmp(u->recs[i].kind, "labels") == 0 || strcmp(u->recs[i].kind, "masks") == 0)
			mr = &u->recs[i];
	if (mr == NULL)
		dc_errx(1, "%s: no labels or masks record", id);
	dc_get_stft(id, sr, &X, &p);
	T = X.shape[0];
	F = X.shape[1];
	N = T * F;
	x = X.data;
	if (strcmp(mr->kind, "labels") == 0)
		dc_get_labels(id, mr, &X, DC_KMAX, &M, &K);
	else
		dc_get_masks(id, mr, &X, DC_KMAX, &M, &K);
	if ((err = dc_tensor_alloc(&Y, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
		dc_errx(1, "%s: masked: %s", id, dc_strerror(err));
	y = Y.data;     /* zeroed: with labels, each bin goes to its one source */
	if (M.dtype == DC_I32) {
		const int32_t *l = M.data;

		for (i = 0; i < N; i++) {
			y[2 * ((size_t)l[i] * N + i)] = x[2 * i];
			y[2 * ((size_t)l[i] * N + i) + 1] = x[2 * i + 1];
		}
	} else {
		const float *m = M.data;

		int64_t j;
		int k;

		for (k = 0; k < K; k++)
			for (i = 0; i < N; i++) {
				j = (int64_t)k * N + i;
				y[2 * j] = x[2 * i] * m[j];
				y[2 * j + 1] = x[2 * i + 1] * m[j];
			}
	}
	dc_recb_init(&b, "masked");
	dc_recb_stft_params(&b, &p);
	dc_recb_int(&b, "k", K);
	dc_recb_tensor(&b, &Y);
	dc_append(u, id, &b);
	dc_tensor_free(&X);
	dc_tensor_free(&M);
	dc_tensor_free(&Y);
}

int
main(int argc, char **argv)
{
	dc_setprog(argv[0]);
	while (dc_getopt(argc, argv, "h", usage, help) != -1)
		continue;       /* -h is the only option */
	dc_each_utt(dc_arg_path(argc, argv, usage), "dc-mask", mask_utt, NULL);
	return 0;
}
