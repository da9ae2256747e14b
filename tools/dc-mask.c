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

#include "dc.h"
#include "mask.h"

static const char usage[] = "[-k sources] [file]";

static void
help(void)
{
	printf("usage: dc-mask %s\n"
	    "Masks each utterance's STFT with its labels or masks and appends a masked record.\n"
	    "  -k sources  keep only that many masked sources, those of the most energy (all)\n"
	    "  -h          this help (--help too; --version: the version)\n"
	    "Uses the later of the last labels and the last masks record. Reads the stream from\n"
	    "file, or stdin if none or '-'. See dc-mask(1).\n", usage);
}

/* the bins of a source computed and written at a time */
#define CH 4096

/* loudest: which of the K sources to keep (keep[c]): the n of the most energy
 * (ties to the first), or all if n is 0 or not below K; returns how many */
static int
loudest(const dc_tensor *X, const dc_tensor *M, int K, int n, int *keep)
{
	int64_t N = X->shape[0] * X->shape[1], i, j, m;
	double e[DC_KMAX];
	float y[2 * CH];
	int c, k;

	for (c = 0; c < K; c++)
		keep[c] = 1;
	if (n <= 0 || n >= K)
		return K;
	for (c = 0; c < K; c++)    /* in the order of the spectrum's floats */
		for (e[c] = 0.0, i = 0; i < N; i += m) {
			m = N - i < CH ? N - i : CH;
			dc_mask_part(X, M, c, i, m, y);
			for (j = 0; j < 2 * m; j++)
				e[c] += (double)y[j] * y[j];
		}
	for (c = 0; c < K; c++) {
		int above = 0;  /* sources louder than c, or as loud and before it */
		for (k = 0; k < K; k++)
			above += e[k] > e[c] || (e[k] == e[c] && k < c);
		keep[c] = above < n;
	}
	return n;
}

/*
 * mask_unit: the masked record of one utterance or block, written after it. The
 * loop passed the unit's records on as it read them: the tensors of the stft and
 * the labels or masks record are read where they lie in the records (freed once
 * used), and the masked spectra are computed and written CH bins at a time,
 * never held whole.
 */
static void
mask_unit(dc_utt *u, const char *id, const dc_unit *bl, void *arg)
{
	dc_record *sr, *mr = NULL;
	dc_writer *w = dc_loop_writer();        /* dc_each_unit with use: never NULL */
	dc_tensor X, M, Y;
	dc_stft_params p;
	dc_recb b;
	int64_t i, n, N;
	int K, c, keep[DC_KMAX];
	float y[2 * CH];

	if ((sr = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no stft record", id);
	for (i = u->n - 1; i >= 0 && mr == NULL; i--)
		if (strcmp(u->recs[i].kind, "labels") == 0 || strcmp(u->recs[i].kind, "masks") == 0)
			mr = &u->recs[i];
	if (mr == NULL)
		dc_errx(1, "%s: no labels or masks record (dc-kmeans or dc-oracle makes them)", id);
	dc_get_stft_view(id, sr, bl, &X, &p);
	if (strcmp(mr->kind, "labels") == 0)
		dc_get_labels(id, mr, &X, DC_KMAX, &M, &K);
	else
		dc_get_masks(id, mr, &X, DC_KMAX, &M, &K);
	N = X.shape[0] * X.shape[1];
	if (N > 0 && K > dc_limit_elems() / N)
		dc_errx(1, "%s: masked: %s", id, dc_strerror(DC_ELIMIT));
	/* the loudest over the whole utterance are not known block by block */
	if (bl->blocked && *(const int *)arg)
		dc_errx(1, "%s: -k: an utterance in blocks: the loudest sources of the whole "
		    "utterance are not known block by block", id);
	/* the record's keys and the bin header, then its spectra a piece at a time */
	memset(&Y, 0, sizeof Y);
	Y.dtype = DC_C64;
	Y.ndim = 3;
	Y.shape[0] = loudest(&X, &M, K, *(const int *)arg, keep);
	Y.shape[1] = X.shape[0];
	Y.shape[2] = X.shape[1];
	dc_recb_init(&b, "masked");
	dc_recb_stft_params(&b, &p);
	dc_recb_int(&b, "k", Y.shape[0]);
	dc_recb_tensor(&b, &Y);
	dc_write_recb_head(w, &b);
	for (c = 0; c < K; c++)
		for (i = 0; keep[c] && i < N; i += n) {
			n = N - i < CH ? N - i : CH;
			dc_mask_part(&X, &M, c, i, n, y);
			dc_write_bytes(w, y, (size_t)(2 * n) * sizeof *y);
		}
	dc_tensor_free(&X);
	dc_tensor_free(&M);
	dc_release(sr);
	dc_release(mr);
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
