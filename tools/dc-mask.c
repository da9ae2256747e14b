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
#include <errno.h>
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

/* get_k: the record's "k", 1 to 1000. */
static int
get_k(const char *id, const dc_record *r)
{
	int64_t k;

	if (dc_rec_int(r, "k", &k) != DC_OK)
		dc_errx(1, "%s: %s record: k: %s", id, r->kind, dc_strerror(DC_EKEY));
	if (k < 1 || k > 1000)
		dc_errx(1, "%s: %s record: k = %lld is not from 1 to 1000", id, r->kind, (long long)k);
	return (int)k;
}

int
main(int argc, char **argv)
{
	dc_reader *rd;
	dc_writer *w;
	dc_record hdr;
	dc_utt u = { 0 };
	const char *name = "stdin";
	int c, err;

	dc_setprog(argv[0]);
	while ((c = getopt(argc, argv, "h")) != -1) {
		switch (c) {
		case 'h':
			help();
			return 0;
		default:
			dc_usage_exit(usage);
		}
	}
	if (argc - optind > 1)
		dc_usage_exit(usage);
	dc_stdout_not_tty();
	rd = dc_open_stream(argc > optind ? argv[optind] : NULL, &hdr, &name);
	w = dc_writer_file(stdout);
	dc_write_header(w, &hdr, "dc-mask");
	while ((err = dc_read_utt(rd, &u)) == DC_OK) {
		dc_record *sr, *mr = NULL;
		dc_tensor X, M, Y;
		dc_stft_params p;
		dc_recb b;
		const float *x;
		float *y;
		int64_t T, F, N, i, j;
		int K, k;
		char id[256], s1[96], s2[96];

		if (dc_utt_id(&u, id, sizeof id) != DC_OK)
			dc_errx(1, "%s: utt record: %s", name, dc_strerror(DC_EKEY));
		if ((sr = dc_utt_find(&u, "stft")) == NULL)
			dc_errx(1, "%s: no stft record", id);
		for (i = u.n - 1; i >= 0 && mr == NULL; i--)
			if (strcmp(u.recs[i].kind, "labels") == 0 || strcmp(u.recs[i].kind, "masks") == 0)
				mr = &u.recs[i];
		if (mr == NULL)
			dc_errx(1, "%s: no labels or masks record", id);
		dc_get_stft(id, sr, &X, &p);
		T = X.shape[0];
		F = X.shape[1];
		N = T * F;
		K = get_k(id, mr);
		x = X.data;
		if (strcmp(mr->kind, "labels") == 0) {
			const int32_t *l;

			dc_get_tensor(id, mr, DC_I32, 2, "[T, F]", &M);
			if (M.shape[0] != T || M.shape[1] != F)
				dc_errx(1, "%s: labels record: shape %s disagrees with stft record %s", id,
				    dc_shape_str(&M, s1, sizeof s1), dc_shape_str(&X, s2, sizeof s2));
			l = M.data;
			for (i = 0; i < N; i++)
				if (l[i] < 0 || l[i] >= K)
					dc_errx(1, "%s: labels record: label %d at frame %lld, bin %lld is not "
					    "from 0 to k - 1 = %d", id, l[i], (long long)(i / F), (long long)(i % F),
					    K - 1);
			if ((err = dc_tensor_alloc(&Y, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
				dc_errx(1, "%s: masked: %s", id, dc_strerror(err));
			y = Y.data;     /* zeroed: each bin goes to its one source */
			for (i = 0; i < N; i++) {
				y[2 * ((size_t)l[i] * N + i)] = x[2 * i];
				y[2 * ((size_t)l[i] * N + i) + 1] = x[2 * i + 1];
			}
		} else {
			const float *m;

			dc_get_tensor(id, mr, DC_F32, 3, "[K, T, F]", &M);
			if (M.shape[1] != T || M.shape[2] != F)
				dc_errx(1, "%s: masks record: shape %s disagrees with stft record %s", id,
				    dc_shape_str(&M, s1, sizeof s1), dc_shape_str(&X, s2, sizeof s2));
			if (M.shape[0] != K)
				dc_errx(1, "%s: masks record: k = %d but shape %s", id, K, dc_shape_str(&M, s1, sizeof s1));
			m = M.data;
			for (i = 0; i < K * N; i++)
				if (!(m[i] >= 0.0f && m[i] <= 1.0f))
					dc_errx(1, "%s: masks record: value %g at source %lld, frame %lld, bin %lld "
					    "is not in [0, 1]", id, m[i], (long long)(i / N), (long long)(i % N / F),
					    (long long)(i % F));
			if ((err = dc_tensor_alloc(&Y, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
				dc_errx(1, "%s: masked: %s", id, dc_strerror(err));
			y = Y.data;
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
		if ((err = dc_utt_append(&u, &b)) != DC_OK)
			dc_errx(1, "%s: masked: %s", id, dc_strerror(err));
		dc_write_utt(w, &u);
		dc_tensor_free(&X);
		dc_tensor_free(&M);
		dc_tensor_free(&Y);
		if (dc_writer_error(w))
			break;
	}
	if (err != DC_OK && err != DC_EEOF)
		dc_stream_fail(name, rd, err);
	dc_utt_free(&u);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_finish(w);
	return 0;
}
