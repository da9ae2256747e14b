/*
 * dc-mask: applies labels or masks to the mixture's STFT (formats/stream.md).
 *
 * For each utterance, takes the "stft" record X (complex64, T x F) and the later
 * of the last "labels" and the last "masks" record, and appends a "masked" record
 * (complex64, K x T x F) with the stft record's keys and k:
 *   labels L (int32, T x F):   masked[k] = X where L == k, 0 elsewhere (binary masks)
 *   masks M (float32, K x T x F): masked[k] = X * M[k] (soft masks)
 * dc-istft turns each masked spectrum into a waveform. With -k n, only the n
 * masked spectra of the most energy are kept, in their order: a mask-inference head
 * of C sources (dc-embed) on a mixture of fewer speakers gives masks that keep
 * almost nothing, and -k drops them.
 *
 * An utterance in blocks (formats/stream.md) is masked block by block: each
 * block's stft with the block's labels or masks, the masked record in the block.
 */
#include <string.h>
#include <unistd.h>

#include <dcsep/dcsep.h>
#include "dc.h"

static const char usage[] = "[-k sources] [file]";

static void
help(void)
{
	printf("usage: dc-mask %s\n"
	    "Masks each utterance's STFT with its labels or masks and appends a masked record.\n"
	    "  -k n        keep only the n masked sources of the most energy (all)\n"
	    "  -h          this help\n"
	    "Uses the later of the last labels and the last masks record. Reads the stream from\n"
	    "file, or stdin if none or '-'. See dc-mask(1).\n", usage);
}

/* keep_loudest: Y (K x N complex) reduced to its n sources of the most energy
 * (ties to the first), in their order; returns n, or K if n is 0 or not below it. */
static int
keep_loudest(dc_tensor *Y, int K, int64_t N, int n)
{
	float *y = Y->data;
	double e[DC_KMAX];
	int keep[DC_KMAX], k, j, m = 0;
	int64_t i;

	if (n <= 0 || n >= K)
		return K;
	for (k = 0; k < K; k++)
		for (e[k] = 0.0, i = 0; i < 2 * N; i++)
			e[k] += (double)y[(size_t)k * 2 * N + i] * y[(size_t)k * 2 * N + i];
	for (k = 0; k < K; k++) {
		int above = 0;  /* sources louder than k, or as loud and before it */
		for (j = 0; j < K; j++)
			above += e[j] > e[k] || (e[j] == e[k] && j < k);
		keep[k] = above < n;
	}
	for (k = 0; k < K; k++)
		if (keep[k]) {
			if (m != k)
				memmove(y + (size_t)m * 2 * N, y + (size_t)k * 2 * N, (size_t)(2 * N) * sizeof *y);
			m++;
		}
	Y->shape[0] = n;
	return n;
}

/* mask_unit: the masked record of one utterance or block, appended to it. */
static void
mask_unit(dc_utt *u, const char *id, const dc_unit *bl, void *arg)
{
	dc_record *sr, *mr = NULL;
	dc_tensor X, M, Y;
	dc_stft_params p;
	dc_recb b;
	int64_t i;
	int K, err;

	if ((sr = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no stft record", id);
	for (i = u->n - 1; i >= 0 && mr == NULL; i--)
		if (strcmp(u->recs[i].kind, "labels") == 0 || strcmp(u->recs[i].kind, "masks") == 0)
			mr = &u->recs[i];
	if (mr == NULL)
		dc_errx(1, "%s: no labels or masks record", id);
	/* each record freed once its tensor is taken: the loop passed it on when read */
	dc_get_stft_unit(id, sr, bl, &X, &p);
	dc_release(sr);
	if (strcmp(mr->kind, "labels") == 0)
		dc_get_labels(id, mr, &X, DC_KMAX, &M, &K);
	else
		dc_get_masks(id, mr, &X, DC_KMAX, &M, &K);
	dc_release(mr);
	/* the checked labels or masks, then the masking libdcsep's dc_mask does */
	if ((err = dc_mask(&X, &M, K, &Y)) != DC_OK)
		dc_errx(1, "%s: masked: %s", id, dc_strerror(err));
	/* the loudest over the whole utterance are not known block by block */
	if (bl->blocked && *(const int *)arg)
		dc_errx(1, "%s: -k: an utterance in blocks: the loudest sources of the whole "
		    "utterance are not known block by block", id);
	K = keep_loudest(&Y, K, X.shape[0] * X.shape[1], *(const int *)arg);
	dc_recb_init(&b, "masked");
	dc_recb_stft_params(&b, &p);
	dc_recb_int(&b, "k", K);
	dc_recb_tensor(&b, &Y);
	dc_emit(u, id, &b);     /* written from Y, not copied into a record */
	dc_tensor_free(&X);
	dc_tensor_free(&M);
	dc_tensor_free(&Y);
}

int
main(int argc, char **argv)
{
	static const char *const lm[] = { "labels", "masks", NULL };
	int c, keep = 0;
	int64_t v;

	dc_setprog(argv[0]);
	while ((c = dc_getopt(argc, argv, "k:h", usage, help)) != -1) {
		if (c == 'k') {
			if (dc_parse_int(optarg, 1, DC_KMAX, &v))
				dc_errx(2, "-k: sources must be an integer from 1 to %d: %s", DC_KMAX, optarg);
			keep = (int)v;
		}
	}
	/* the embeddings, the biggest record, go on byte for byte, never held; of the
	 * labels and masks, only the latest is held */
	dc_loop_replace(lm, lm);
	dc_each_unit(dc_arg_path(argc, argv, usage), "dc-mask",
	    (const char *const[]){ "stft", "labels", "masks", NULL }, NULL, mask_unit, &keep);
	return 0;
}
